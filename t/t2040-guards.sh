#!/bin/bash
# Guard benchmarks ([guard "NAME"]) on the bundled example: try benches every
# guard against the same baseline once the target's bench would keep the
# change; a guard slower beyond its margin, or over its memory margin,
# rejects the change naming the guard, as does a guard whose candidate run
# fails where its baseline's ran; a guard that cannot decide is said and does
# not block; bench --all and calibrate cover the guards; log, show,
# report and JSON tell the benchmarks apart.
#
# No verdict depends on time: the target runs the example's harness (its
# result checked) and then t/data/gharness, which reports the metric `work`
# from a marker the change writes into the library ("plt-target work 80;"),
# as does the guard, a second harness (gharness guard). Its noise is seeded.
. "$(dirname "$0")/lib.sh"

command -v cc >/dev/null && command -v make >/dev/null || test_skip_all "no C compiler or make"
cc -O1 -o gh "$SRC/t/data/gharness.c" || test_skip_all "cannot build t/data/gharness.c"
export GH_COUNTER="$TEST_DIR/gh.count"

example_repo

cat >project/perfloop.ini <<INI
[project]
worktree = $TEST_DIR/{repo}-perf-%Y%m%d
[build]
command = make build
artifact = libtextstat.so
[bench]
command = ./harness >/dev/null && ART=\$TEXTSTAT_LIB $TEST_DIR/gh target
env = TEXTSTAT_LIB
runs = 3
metric = work
[env]
TEXTSTAT_TOKENS = 20000
[metrics]
work = file
[guard "other"]
command = ART=\$TEXTSTAT_LIB $TEST_DIR/gh guard
INI

WT=$TEST_DIR/project-perf-$(date +%Y%m%d)
P() { (cd "$WT" && "$PERFLOOP" "$@"); }
sql() { sqlite3 "$WT/.perfloop/ledger.db" "$1"; }
# change MARKS: the worktree's library reports these (the example's code unchanged)
change() {
	git -C "$WT" checkout -q textstat.c &&
	printf '__attribute__((used)) const char plt_marks[] = "%s";\n' "$1" >>"$WT/textstat.c" &&
	rm -f "$GH_COUNTER".*
}

test_expect_success 'setup: a loop on the example with a baseline' '
	(cd project && "$PERFLOOP" start perf/guards >/dev/null) &&
	P build >/dev/null && P baseline save >/dev/null
'

test_expect_success 'a change that speeds the target and slows the guard is rejected, naming the guard' '
	change "plt-target work 80; plt-guard work 130;" &&
	expect_exit 1 P try -m "faster here, slower there" --no-profile --json >t1.json 2>t1.err &&
	json_get t1.json "d[\"verdict\"]" | grep -qx reject &&
	json_get t1.json "d[\"reason\"]" >reason &&
	grep_q "^guard .other. is slower: work ×1.300.* beyond its margin 1%; the target alone would keep" reason &&
	json_get t1.json "[(g[\"guard\"], g[\"outcome\"], g[\"blocks\"], g[\"bench\"][\"benchmark\"]) for g in d[\"guards\"]]" |
		grep -qx "\[(.other., .slower., True, .other.)\]" &&
	json_get t1.json "d[\"bench\"][\"benchmark\"]" | grep -qx target &&
	id=$(json_get t1.json "d[\"experiment\"]") &&
	test "$(sql "SELECT guard, outcome FROM experiment_guards WHERE experiment_id = $id")" = "other|slower" &&
	test "$(sql "SELECT b.guard FROM experiment_guards g JOIN benches b ON b.id = g.bench_id WHERE g.experiment_id = $id")" = other &&
	test "$(sql "SELECT verdict FROM experiments WHERE id = $id")" = reject &&
	P revert >/dev/null
'

test_expect_success 'the guard runs its own pairs (guard default 2), after the target' '
	bid=$(json_get t1.json "d[\"guards\"][0][\"bench_id\"]") &&
	tid=$(json_get t1.json "d[\"bench\"][\"id\"]") &&
	test "$bid" -gt "$tid" &&
	test "$(sql "SELECT max_pairs FROM benches WHERE id = $bid")" = 2 &&
	test "$(sql "SELECT max_pairs FROM benches WHERE id = $tid")" = 3 &&
	test "$(sql "SELECT count(DISTINCT key) FROM benches WHERE id IN ($bid, $tid)")" = 2
'

test_expect_success 'a target reject runs no guard' '
	change "plt-target work 150; plt-guard work 50;" &&
	expect_exit 1 P try --no-profile --json >t2.json 2>/dev/null &&
	json_get t2.json "(d[\"verdict\"], d[\"guards\"], d[\"guards_run\"])" | grep -qx "(.reject., \[\], False)" &&
	P revert >/dev/null
'

test_expect_success 'a guard that cannot decide is said and does not block' '
	change "plt-target work 80; plt-guard work 101 noise 0.05;" &&
	P try -m "guard noisy" --no-profile >t3.out 2>t3.err &&
	grep_q "experiment [0-9]*: keep — .*guard .other. could not decide (inconclusive.*); it does not block" t3.out &&
	grep_q "^  undecided guard .other. could not decide" t3.out &&
	P revert >/dev/null
'

# try_guard NAME COMMAND MARKS OUT: try the change MARKS with one more guard
# (NAME, COMMAND), its JSON into OUT, the configuration restored after; the
# exit status is try's; OUT.g gets (guard, outcome, blocks) of the new guard
# and OUT.reason the reason.
try_guard() {
	cp project/perfloop.ini ini.saved &&
	printf "[guard \"%s\"]\ncommand = %s\n" "$1" "$2" >>project/perfloop.ini &&
	change "$3" || return 125
	P try --no-profile --json >"$4" 2>"$4.err"
	rc=$?
	cp ini.saved project/perfloop.ini
	json_get "$4" "[(g[\"guard\"], g[\"outcome\"], g[\"blocks\"]) for g in d[\"guards\"]][1]" >"$4.g"
	json_get "$4" "d[\"reason\"]" >"$4.reason"
	return $rc
}

test_expect_success 'a guard whose bench fails cannot decide and does not block' '
	try_guard broken "exit 1" "plt-target work 80;" tb.json &&
	grep -qx "(.broken., .failed., False)" tb.json.g &&
	grep_q "guard .broken. could not decide: its bench failed; it does not block" tb.json.reason &&
	P revert >/dev/null
'

test_expect_success 'a guard the change breaks (its candidate fails, its baseline ran) rejects it' '
	expect_exit 1 try_guard crash "! grep -q plt-guard-crash \$TEXTSTAT_LIB && ART=\$TEXTSTAT_LIB $TEST_DIR/gh guard" \
		"plt-target work 80; plt-guard-crash;" tc.json &&
	grep -qx "(.crash., .broken., True)" tc.json.g &&
	grep_q "^guard .crash. fails with the change: its candidate run failed where the baseline.s ran" tc.json.reason &&
	P revert >/dev/null
'

test_expect_success 'a guard over its memory margin rejects the change' '
	change "plt-target work 80; plt-guard work 100 rss 64;" &&
	expect_exit 1 P try --no-profile --json >t4.json 2>/dev/null &&
	json_get t4.json "d[\"reason\"]" >reason &&
	grep_q "^guard .other. takes more memory: max RSS ×[0-9.]* (+[0-9]*%) beyond its memory margin 30%" reason &&
	json_get t4.json "(d[\"guards\"][0][\"outcome\"], d[\"guards\"][0][\"rss_ratio\"] > 1.3)" | grep -qx "(.memory., True)" &&
	P revert >/dev/null
'

test_expect_success 'a wider memory margin lets the same change through' '
	cp project/perfloop.ini ini.saved &&
	echo "memory-margin = 100000%" >>project/perfloop.ini &&
	change "plt-target work 80; plt-guard work 100 rss 64;" &&
	P try --no-profile --json >t5.json 2>/dev/null &&
	json_get t5.json "(d[\"verdict\"], d[\"guards\"][0][\"outcome\"] in (\"pass\", \"undecided\"))" |
		grep -qx "(.keep., True)" &&
	P revert >/dev/null && cp ini.saved project/perfloop.ini
'

test_expect_success 'bench --all: the target and every guard, each named in log and show' '
	change "plt-target work 80; plt-guard work 130;" && P build >/dev/null &&
	P bench --all --json >all.json 2>all.err &&
	json_get all.json "[(b[\"benchmark\"], b[\"verdict\"]) for b in d[\"benches\"]]" |
		grep -qx "\[(.target., .faster.), (.other., .slower.)\]" &&
	json_get all.json "[g[\"outcome\"] for g in d[\"guards\"]]" | grep -qx "\[.slower.\]" &&
	P log >log.out &&
	gid=$(json_get all.json "d[\"benches\"][1][\"id\"]") &&
	grep_q "^ *$gid .*other" log.out &&
	P show "$gid" >show.out && grep_q "^bench $gid (bench, guard .other.)" show.out &&
	P bench --all >all.out 2>&1 && grep_q "guard .other. is slower" all.out &&
	git -C "$WT" checkout -q textstat.c && P build >/dev/null
'

test_expect_success 'report: a per-benchmark table in md, html and json' '
	P report --format json >r.json &&
	json_get r.json "sorted(set(g[\"guard\"] for e in d[\"experiments\"] for g in e[\"guards\"]))" | grep -qx "\[.broken., .crash., .other.\]" &&
	P report --format md >r.md && grep_q "^##* Guard benchmarks" r.md &&
	grep_q "| .other. | \*\*slower (reject)\*\* | ×1.300 |" r.md &&
	P report --format html >r.html && grep -q "<h2>Guard benchmarks</h2>" r.html && grep -q "id=\"chart-guards\"" r.html
'

test_expect_success 'a queue ranks a candidate a guard rejects with the rejects, saying why' '
	change "plt-target work 70; plt-guard work 140;" &&
	git -C "$WT" diff >q1-guard-slower.patch && git -C "$WT" checkout -q textstat.c &&
	change "plt-target work 90;" &&
	git -C "$WT" diff >q2-target-only.patch && git -C "$WT" checkout -q textstat.c &&
	rm -f "$GH_COUNTER".* &&
	P try --no-profile --patch "$TEST_DIR/q1-guard-slower.patch" \
		--patch "$TEST_DIR/q2-target-only.patch" --json >queue.json 2>queue.err ||
		{ tail -30 queue.err >&2; false; } &&
	json_get queue.json "[(c[\"file\"].split(\"/\")[-1], c[\"verdict\"]) for c in d[\"candidates\"]]" >ranking &&
	json_get queue.json "[c[\"reason\"] for c in d[\"candidates\"]]" >>ranking &&
	grep_q "^\[(.q2-target-only.patch., .keep.), (.q1-guard-slower.patch., .reject.)\]$" ranking &&
	P try --no-profile --patch "$TEST_DIR/q1-guard-slower.patch" >queue.out 2>&1;
	test $? = 1 && grep_q "^ *slower *guard .other. is slower: work ×1.400" queue.out &&
	test -z "$(git -C "$WT" status --porcelain)"
'

# guard: on its first call SIGINT the perfloop running it, and wait to be killed
cat >int-guard <<'SH'
#!/bin/sh
dir=$(dirname "$0")
[ -f "$dir/int-done" ] && exec "$dir/gh" guard
: >"$dir/int-done"
p=$PPID
while [ "$p" -gt 1 ] && [ "$(cat /proc/$p/comm 2>/dev/null)" != perfloop ]; do
	p=$(sed 's/.*) //' /proc/$p/stat | cut -d" " -f2)
done
kill -INT "$p"
sleep 60
SH
chmod +x int-guard

test_expect_success 'Ctrl-C during a guard.s bench: interrupted, no verdict' '
	cp project/perfloop.ini ini.saved &&
	printf "[guard \"int\"]\ncommand = ART=\$TEXTSTAT_LIB $TEST_DIR/int-guard\n" >>project/perfloop.ini &&
	change "plt-target work 80;" &&
	expect_exit 130 P try -m "cut in a guard" --no-profile >int.out 2>int.err;
	rc=$?; cp ini.saved project/perfloop.ini && test $rc = 0 &&
	grep_q "interrupted, no verdict (interrupted during the bench of guard .int.)" int.err &&
	id=$(sql "SELECT max(id) FROM experiments") &&
	test "$(sql "SELECT status, verdict IS NULL FROM experiments WHERE id = $id")" = "interrupted|1" &&
	P revert >/dev/null
'

# after the cases that assert a target's verdict: once calibrated, a cross-check
# can contradict a verdict by chance (up to 2.5% of benches, by design)
test_expect_success 'calibrate --guard and --all: A/A history per benchmark' '
	P calibrate --guard other --pairs 2 >/dev/null 2>&1 &&
	test "$(sql "SELECT count(DISTINCT key) FROM calibrations")" = 1 &&
	P calibrate --all --pairs 2 >/dev/null 2>&1 &&
	test "$(sql "SELECT count(DISTINCT key) FROM calibrations")" = 2 &&
	expect_exit 128 P calibrate --guard nope 2>err &&
	grep_q "no guard .nope. in .*perfloop.ini: add a \[guard \"nope\"\] section" err
'

test_expect_success 'configuration errors name file and line' '
	printf "[bench]\ncommand = x\nenv = A\n[guard \"bad name\"]\nruns = 2\n" >bad.ini &&
	expect_exit 128 "$PERFLOOP" -c bad.ini bench 2>err &&
	grep_q "bad.ini:4: bad guard name .bad name." err &&
	printf "[bench]\ncommand = x\nenv = A\n[guard \"g\"]\nmetric = nope\n" >bad.ini &&
	expect_exit 128 "$PERFLOOP" -c bad.ini bench 2>err &&
	grep_q "bad.ini:5: bad value for .guard.g.metric.: .nope. is not wall, cpu, instructions or a metric of \[metrics\]" err &&
	printf "[bench]\ncommand = x\nenv = A\n[guard \"g\"]\nmemory-margin = lots\n" >bad.ini &&
	expect_exit 128 "$PERFLOOP" -c bad.ini bench 2>err &&
	grep_q "bad.ini:5: bad value for .guard.g.memory-margin.: .lots. is not a percentage" err
'

test_done
