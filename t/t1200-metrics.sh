#!/bin/bash
# Metrics per run and the verdict's metric: perf_event counters of every run,
# instruction counts (hardware counters, else valgrind), harness metrics from
# a regex and from $PERFLOOP_METRICS_FILE, verdicts on a harness metric,
# cross-checks that contradict a verdict (try: inconclusive), A/A history
# per metric, CPU pinning, ASLR off, the planned pairs' minimum detectable
# effect, configuration errors. The harness (t/data/mharness.c) reads its
# work and its reports from the artifact, and its noise is seeded: no
# assertion depends on wall time.
. "$(dirname "$0")/lib.sh"

command -v cc >/dev/null 2>&1 || test_skip_all "no C compiler"
cc -O1 -o mh "$SRC/t/data/mharness.c" || test_skip_all "cannot build t/data/mharness.c"
MH="$TEST_DIR/mh"
export MH_COUNTER="$TEST_DIR/mh.count"

# artifacts: the same length each, and so are the numbers in them
printf 'spin 2000000\nscore 100\nwork 50\n' >a.art
cp a.art a2.art
cp a.art a-longer-name.art
printf 'spin 2060000\nscore 100\nwork 50\n' >slow3.art
printf 'spin 2000000\nscore 110\nwork 50\nnoise 0.003\n' >score110.art
printf 'spin 2000000\nscore 100\nwork 50\nnoise 0.003\n' >score100.art

ini() { # ini FILE [more lines for [bench]]: the harness, ART, runs = 3 unless given
	local f=$1
	shift
	printf '[bench]\ncommand = %s\nenv = ART\n' "$MH" >"$f"
	case " $* " in *" runs = "*) ;; *) echo "runs = 3" >>"$f" ;; esac
	for l in "$@"; do echo "$l" >>"$f"; done
}
METRICS='[metrics]
score = ^score = ([0-9.]+)$
work = file'
ini perfloop.ini
id_of() { json_get "$1" "d[\"id\"]"; }

# Benches that must run all their pairs judge the harness metric work: one
# pair's wall time slowed by load could end one early (reject after one pair).
test_expect_success 'every run records the software counters of its process tree' '
	ini sw.ini "metric = work" && echo "$METRICS" >>sw.ini &&
	"$PERFLOOP" -c sw.ini bench --vs a.art --artifact a2.art --runs 2 --json >out.json 2>err &&
	"$PERFLOOP" -c sw.ini show "$(id_of out.json)" --json >show.json &&
	json_get show.json "len(d[\"runs\"]) == 4 and all(r[\"metrics\"][\"task-clock\"] > 0 and r[\"metrics\"][\"page-faults\"] > 0 and r[\"tool\"] is None for r in d[\"runs\"])" |
		grep -q True &&
	json_get out.json "len(d[\"candidate\"][\"metrics\"][\"task-clock\"]) == 2" | grep -q True &&
	"$PERFLOOP" -c sw.ini show "$(id_of out.json)" >show.txt &&
	grep_q "^counters A .* task-clock, .* page-faults" show.txt
'

test_expect_success 'the planned pairs.s minimum detectable effect, before the bench and in JSON' '
	"$PERFLOOP" bench --vs a.art --artifact a2.art --json >p.json 2>p.err &&
	mde=$(json_get p.json "\"%.1f\" % (100 * d[\"plan\"][\"mde\"])") &&
	grep_q "^plan: 3 pairs at 0.50% per pair (wall, the noise floor: no A/A history, a best case) detect >= $mde% (80% power)$" p.err &&
	needed=$(json_get p.json "d[\"plan\"][\"pairs_needed\"]") &&
	grep_q "^warning: bench.margin is 1.0%, but 3 pairs detect only changes >= $mde%: smaller ones will mostly end inconclusive; $needed pairs detect 2.0% (--runs $needed)$" p.err &&
	json_get p.json "d[\"plan\"][\"pairs\"] == 3 and d[\"plan\"][\"noise\"] == \"floor\" and d[\"plan\"][\"warn\"] and d[\"plan\"][\"power\"] == 0.8" |
		grep -q True &&
	ini wide.ini "margin = 5%" &&
	"$PERFLOOP" -c wide.ini bench --vs a.art --artifact a2.art --json >w.json 2>w.err &&
	grep -q "^plan: " w.err && ! grep -q "^warning: bench.margin" w.err
'

if "$HELPERS/metrics-probe" --pmu | grep -qx "pmu yes"; then
	test_expect_success 'instructions from hardware counters' '
		ini pmu.ini "metric = instructions" "instructions = pmu" &&
		"$PERFLOOP" -c pmu.ini bench --vs a.art --artifact slow3.art --json >pmu.json &&
		json_get pmu.json "d[\"metric_source\"] == \"pmu\" and d[\"candidate\"][\"metrics\"][\"instructions\"][0] > 2e6" |
			grep -q True
	'
else
	test_skip 'instructions from hardware counters' \
		"$("$HELPERS/metrics-probe" --pmu | cut -c1-120)"
	test_expect_success 'instructions = pmu without a PMU is refused, saying why' '
		ini pmu.ini "metric = instructions" "instructions = pmu" &&
		expect_exit 128 "$PERFLOOP" -c pmu.ini bench --vs a.art --artifact slow3.art 2>err &&
		grep_q "bench.metric is instructions and bench.instructions, .*pmu.ini:6 is pmu, but this machine counts no instructions (instructions:u: no hardware counters.*): set bench.instructions = auto to count them with valgrind$" err
	'
fi

if command -v valgrind >/dev/null 2>&1; then
	# a CPU hog on every core of the test machine: counts do not care
	hogs() {
		hog_pids=
		for _ in $(seq "$(nproc)"); do
			yes >/dev/null &
			hog_pids="$hog_pids $!"
		done
	}
	unhog() { kill $hog_pids 2>/dev/null; wait $hog_pids 2>/dev/null; return 0; }
	# bench.instructions = valgrind: valgrind counts them on a machine with a PMU too
	test_expect_success 'valgrind counts instructions: 3% slower is slower in 2 pairs, under load' '
		ini vg.ini "metric = instructions" "instructions = valgrind" "runs = 2" &&
		hogs &&
		"$PERFLOOP" -c vg.ini bench --vs a.art --artifact slow3.art --json >vg.json 2>vg.err;
		rc=$? && unhog && [ $rc -eq 0 ] &&
		json_get vg.json "d[\"verdict\"], d[\"pairs\"], d[\"ratio\"], d[\"metric_source\"]" &&
		json_get vg.json "d[\"verdict\"] == \"slower\" and d[\"pairs\"] == 2 and abs(d[\"ratio\"] - 1.03) < 0.005 and d[\"metric_source\"] == \"valgrind\"" |
			grep -q True &&
		grep_q "counting instructions with valgrind" vg.err &&
		# the judged runs ran under valgrind; one native pair for the rest
		json_get vg.json "len(d[\"candidate\"][\"valgrind\"][\"metrics\"][\"instructions\"]) == 2 and len(d[\"candidate\"][\"wall\"]) == 1" |
			grep -q True &&
		"$PERFLOOP" -c vg.ini show "$(id_of vg.json)" >vg.txt &&
		grep_q "^B candidate  *[0-9.]* M " vg.txt &&
		grep_q "counted by valgrind" vg.txt &&
		grep_q "vg: ran under valgrind, its wall, user and sys are valgrind" vg.txt
	'
	test_expect_success 'valgrind counts instructions: A/A is the same, under load' '
		hogs &&
		"$PERFLOOP" -c vg.ini bench --vs a.art --artifact a-longer-name.art --json >aa.json \
			2>/dev/null;
		rc=$? && unhog && [ $rc -eq 0 ] &&
		json_get aa.json "d[\"baseline\"][\"valgrind\"], d[\"candidate\"][\"valgrind\"]" &&
		# the same count on both sides, to the instruction: the artifacts are
		# given at paths of the same length, whatever their names
		json_get aa.json "d[\"verdict\"] == \"same\" and d[\"pairs\"] == 2 and d[\"ratio\"] == 1 and len(set(d[\"baseline\"][\"valgrind\"][\"metrics\"][\"instructions\"] + d[\"candidate\"][\"valgrind\"][\"metrics\"][\"instructions\"])) == 1" |
			grep -q True
	'
else
	test_skip 'valgrind counts instructions: 3% slower is slower in 2 pairs, under load' \
		"valgrind is not installed"
	test_skip 'valgrind counts instructions: A/A is the same, under load' \
		"valgrind is not installed"
fi

test_expect_success 'harness metrics from a regex and from the metrics file' '
	ini hm.ini "metric = work" && echo "$METRICS" >>hm.ini &&
	"$PERFLOOP" -c hm.ini bench --vs a.art --artifact a2.art --runs 2 --json >hm.json 2>/dev/null &&
	"$PERFLOOP" -c hm.ini show "$(id_of hm.json)" --json >hms.json &&
	json_get hms.json "[(r[\"metrics\"][\"score\"], r[\"metrics\"][\"work\"]) for r in d[\"runs\"]] == [(100, 50)] * 4" |
		grep -q True &&
	# the metrics file is named with a fixed-width run number
	test -f "$(dirname "$(json_get hms.json "d[\"runs\"][0][\"log_out\"]")")/metrics/run-000001"
'

test_expect_success 'a run without a configured metric is invalid, and says which' '
	ini miss.ini && printf "[metrics]\nnope = ^nope = ([0-9]+)\$\n" >>miss.ini &&
	expect_exit 3 "$PERFLOOP" -c miss.ini bench --vs a.art --artifact a2.art 2>err &&
	grep_q "^error: run 1 (A) of bench [0-9]* is invalid: metric .nope. was not reported: its regex .^nope = (\[0-9\]+)\$. matched nothing in the run.s output$" err &&
	ini miss2.ini && printf "[metrics]\nabsent = file\n" >>miss2.ini &&
	expect_exit 3 "$PERFLOOP" -c miss2.ini bench --vs a.art --artifact a2.art 2>err &&
	grep_q "metric .absent. was not reported: it is not in the metrics file" err &&
	"$PERFLOOP" -c miss2.ini log --json >log.json &&
	json_get log.json "d[0][\"status\"]" | grep -qx failed
'

test_expect_success 'the verdict judges a harness metric (seeded noise): slower, and A/A same' '
	ini sc.ini "metric = score" "runs = 6" && echo "$METRICS" >>sc.ini && rm -f "$MH_COUNTER" &&
	"$PERFLOOP" -c sc.ini bench --vs score100.art --artifact score110.art --json >s1.json 2>/dev/null &&
	json_get s1.json "d[\"metric\"], d[\"verdict\"], d[\"pairs\"], d[\"ratio\"]" &&
	json_get s1.json "d[\"metric\"] == \"score\" and d[\"verdict\"] == \"slower\" and abs(d[\"ratio\"] - 1.1) < 0.01" |
		grep -q True &&
	"$PERFLOOP" -c sc.ini bench --vs score100.art --artifact score100.art --json >s2.json 2>/dev/null &&
	json_get s2.json "d[\"verdict\"], d[\"pairs\"], d[\"interval\"]" &&
	json_get s2.json "d[\"verdict\"]" | grep -qx same &&
	"$PERFLOOP" -c sc.ini show "$(id_of s1.json)" >s1.txt &&
	grep_q "^metric  *score: the verdict judges harness metric .score. (bench.metric)" s1.txt &&
	grep_q "^verdict  *slower (score)" s1.txt &&
	"$PERFLOOP" -c sc.ini log >log.txt &&
	grep_q "^$(id_of s1.json) .* score  *10[0-9]\.[0-9]*  *1[01][0-9]\.[0-9]*  *1\.0[0-9]*  slower$" log.txt
'

test_expect_success 'calibrate measures every metric; a bench uses its own metric.s history' '
	ini cal.ini && echo "$METRICS" >>cal.ini && rm -f "$MH_COUNTER" &&
	"$PERFLOOP" -c cal.ini calibrate --artifact score100.art --pairs 4 >cal.txt 2>/dev/null &&
	for m in wall cpu task-clock score work; do
		grep_q "^  $m  *[0-9.]*%  *[0-9.]*%  *[-0-9]*  *[-0-9]*  *[-0-9]*  *[-0-9]*" cal.txt || return 1
	done &&
	grep_q "^  metric  *this  *pooled  *1%  *2%  *3%  *5%$" cal.txt &&
	grep_q "^  wall .*(the verdict.s metric)$" cal.txt &&
	"$PERFLOOP" -c cal.ini calibrate --artifact score100.art --pairs 4 --json >cal.json 2>/dev/null &&
	json_get cal.json "sorted(m[\"metric\"] for m in d[\"calibration\"][\"metrics\"])" &&
	json_get cal.json "set(m[\"metric\"] for m in d[\"calibration\"][\"metrics\"]) >= {\"wall\", \"cpu\", \"task-clock\", \"score\", \"work\"} and all(set(m[\"pairs_needed\"]) == {\"1%\", \"2%\", \"3%\", \"5%\"} for m in d[\"calibration\"][\"metrics\"])" |
		grep -q True &&
	score_df=$(json_get cal.json "[m[\"pooled_df\"] for m in d[\"calibration\"][\"metrics\"] if m[\"metric\"] == \"score\"][0]") &&
	[ "$score_df" = 6.0 ] &&
	ini cal-score.ini "metric = score" && echo "$METRICS" >>cal-score.ini &&
	"$PERFLOOP" -c cal-score.ini bench --vs score100.art --artifact score110.art --json >cs.json 2>/dev/null &&
	json_get cs.json "d[\"noise\"]" &&
	json_get cs.json "d[\"noise\"][\"source\"] == \"history\" and d[\"noise\"][\"df\"] == 6 + d[\"pairs\"] - 1 and d[\"plan\"][\"noise\"] == \"history\"" |
		grep -q True
'

if [ "$(nproc)" -ge 2 ]; then
	test_expect_success 'bench.cpus pins the harness (and perfloop stays unpinned)' '
		printf "cpus 1\n" >cpus.art &&
		ini pin.ini "cpus = 1" &&
		"$PERFLOOP" -c pin.ini bench --alone --artifact cpus.art --runs 2 --json >pin.json 2>/dev/null &&
		"$PERFLOOP" -c pin.ini show "$(id_of pin.json)" --run 1 >run1.txt &&
		grep_q "^Cpus_allowed_list:	1$" run1.txt &&
		"$PERFLOOP" bench --alone --artifact cpus.art --runs 1 --json >free.json 2>/dev/null &&
		"$PERFLOOP" show "$(id_of free.json)" --run 1 >free.txt &&
		grep_q "^Cpus_allowed_list:	$(grep Cpus_allowed_list: /proc/self/status | cut -f2)$" free.txt
	'
else
	test_skip 'bench.cpus pins the harness (and perfloop stays unpinned)' "one CPU online"
fi

test_expect_success 'bench.aslr = off: the same addresses in every run' '
	printf "addr 1\n" >addr.art &&
	ini aslr.ini "aslr = off" &&
	"$PERFLOOP" -c aslr.ini bench --alone --artifact addr.art --runs 2 --json >aslr.json 2>/dev/null &&
	"$PERFLOOP" -c aslr.ini show "$(id_of aslr.json)" --run 1 | grep "^stack" >r1 &&
	"$PERFLOOP" -c aslr.ini show "$(id_of aslr.json)" --run 2 | grep "^stack" >r2 &&
	cat r1 r2 && test -s r1 && cmp r1 r2 &&
	if [ "$(cat /proc/sys/kernel/randomize_va_space)" != 0 ]; then
		"$PERFLOOP" bench --alone --artifact addr.art --runs 2 --json >on.json 2>/dev/null &&
		"$PERFLOOP" show "$(id_of on.json)" --run 1 | grep "^stack" >o1 &&
		"$PERFLOOP" show "$(id_of on.json)" --run 2 | grep "^stack" >o2 &&
		! cmp -s o1 o2
	fi
'

test_expect_success 'a stored document without metric or noise source still shows' '
	id=$(id_of p.json) &&
	python3 - "$TEST_DIR/.perfloop/ledger.db" "$id" <<-EOF &&
	import json, sqlite3, sys
	db = sqlite3.connect(sys.argv[1])
	doc = json.loads(db.execute("SELECT result FROM benches WHERE id = ?", (sys.argv[2],)).fetchone()[0])
	del doc["metric"], doc["noise"]["source"], doc["plan"], doc["cross_checks"]
	db.execute("UPDATE benches SET result = ? WHERE id = ?", (json.dumps(doc), sys.argv[2]))
	db.commit()
	EOF
	"$PERFLOOP" show "$id" >old.txt &&
	grep_q "^noise .* from unknown" old.txt && grep_q "^metric  *wall:" old.txt
'

test_expect_success 'bad metric settings are refused with file:line' '
	check() { # check WANT LINES...: perfloop bench refuses bad.ini with WANT
		local want=$1
		shift
		ini bad.ini "$@" &&
		expect_exit 128 "$PERFLOOP" -c bad.ini bench --vs a.art --artifact a2.art 2>err &&
		grep_q "$want" err
	} &&
	check "bad.ini:5: bad value for .bench.metric.: .nope. is not wall, cpu, instructions or a metric of \[metrics\]" \
		"metric = nope" &&
	check "bad.ini:6: \[metrics\] two: metric .two.: the regex .(a)(b). has 2 capture groups; it needs exactly one, around the number" \
		"[metrics]" "two = (a)(b)" &&
	check "bad.ini:6: \[metrics\] wall: metric name .wall. is one of perfloop.s own metrics" \
		"[metrics]" "wall = x ([0-9]+)" &&
	check "bad.ini:5: bad value for .bench.instructions.: .maybe. is not auto, pmu or valgrind" \
		"instructions = maybe" &&
	check "bad.ini:5: bad value for .bench.cross-check.: .loud. is not block or warn" \
		"cross-check = loud" &&
	check "bad.ini:5: bad value for .bench.cpus.: cpu list .1-0." "cpus = 1-0" &&
	check "bad.ini:5: bad value for .bench.aslr.: .maybe. is not true or false" "aslr = maybe"
'

# The loop: a calibrated cross-check that contradicts the verdict makes try
# inconclusive, unless bench.cross-check = warn.
git init -q --bare origin.git
git clone -q origin.git work 2>/dev/null
# the baseline spins 500 times as long as the candidates below, so wall, cpu and
# task-clock (calibrated too) agree with their verdicts and cannot contradict
# them by chance: work is the one cross-check that disagrees
printf 'spin 50000000\nscore 100\nwork 50\nnoise 0.003\n' >work/params
(cd work && git add . && git commit -qm init && git push -q origin HEAD:main) ||
	{ echo "Bail out! cannot set up the repositories"; exit 1; }
cat >work/perfloop.ini <<INI
[project]
worktree = $TEST_DIR/wt-{repo}-%Y%m%d
[build]
command = mkdir -p build && cp params build/art.txt
artifact = build/art.txt
[bench]
command = $MH
env = ART
runs = 4
metric = score
$METRICS
INI
WT=$TEST_DIR/wt-work-$(date +%Y%m%d)
P() { (cd "$WT" && "$PERFLOOP" "$@"); }

test_expect_success 'try: a calibrated cross-check against the verdict makes it inconclusive' '
	(cd work && "$PERFLOOP" start perf/metrics >/dev/null 2>&1) && rm -f "$MH_COUNTER" &&
	P build >/dev/null 2>&1 && P baseline save >/dev/null 2>&1 &&
	P calibrate --pairs 4 >/dev/null 2>&1 &&
	# score 10% better (lower), work 20% worse
	printf "spin 100000\nscore 090\nwork 60\nnoise 0.003\n" >"$WT/params" &&
	P try --no-profile --no-validate -m "fewer points, more work" --json >try.json 2>try.err;
	rc=$? && [ $rc -eq 2 ] || die_test "try exited $rc: $(cat try.err)" &&
	json_get try.json "d[\"bench\"][\"verdict\"], d[\"reason\"]" &&
	json_get try.json "d[\"verdict\"] == \"inconclusive\" and d[\"bench\"][\"verdict\"] == \"faster\"" | grep -q True &&
	json_get try.json "d[\"reason\"]" >reason &&
	grep_q "^the metrics disagree: work says slower (x1\.[12][0-9]* \[1\.[0-9]*, 1\.[0-9]*\], calibrated) while score says faster; find out why, or set bench.cross-check = warn to let score decide alone$" reason &&
	json_get try.json "[c[\"metric\"] for c in d[\"bench\"][\"cross_checks\"] if c[\"contradicts\"]] == [\"work\"]" |
		grep -q True
'

test_expect_success 'try: bench.cross-check = warn lets the verdict.s metric decide alone' '
	sed -i "/^\[bench\]/a cross-check = warn" work/perfloop.ini &&
	P try --no-profile --no-validate -m "fewer points, more work" --json >warn.json 2>warn.err &&
	json_get warn.json "d[\"verdict\"]" | grep -qx keep &&
	json_get warn.json "d[\"reason\"]" >reason &&
	grep_q "; a cross-check disagrees: work says slower .* (bench.cross-check = warn: score decides alone)$" reason
'

test_expect_success 'status, report and the hyperfine export name the verdict.s metric' '
	P status >st.txt && P status --json >st.json &&
	grep_q "^last  *experiment 2 \"fewer points, more work\": decided, keep (B/A score ×0\.[0-9]*)$" st.txt &&
	json_get st.json "d[\"last_experiment\"][\"metric\"]" | grep -qx score &&
	P report >r.md && P report --format html >r.html && P report --format json >r.json &&
	# a harness metric has no unit: no seconds anywhere
	grep_q "^Harness metric score: [0-9.]* at the baseline; no change kept yet\.$" r.md &&
	grep_q "^| baseline .* | [0-9.]* | [0-9.]* – [0-9.]* (.*) | [0-9]* |$" r.md &&
	grep_q "^|  | commit | score median |" r.md &&
	grep_q "^| 2 | fewer points, more work | .* | score ×0\.[0-9]* (-[0-9.]*%) |" r.md &&
	grep_q ">harness metric &#39;score&#39;</text>" r.html &&
	grep_q ">harness metric &#39;score&#39; per run</text>" r.html &&
	grep_q "<title>A run 1: score [0-9.]*</title>" r.html &&
	! grep -q "score [0-9.]* m\?s<" r.html &&
	json_get r.json "d[\"metric\"]" | grep -qx score &&
	P bench --json --export-hyperfine "$TEST_DIR/hf.json" >hb.json 2>/dev/null &&
	python3 - hf.json hb.json <<-\PY
	import json, sys
	import statistics
	hf, doc = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
	same = lambda x, y: len(x) == len(y) and all(abs(a - b) < 1e-9 * abs(b) for a, b in zip(x, y))
	p = hf["perfloop"]
	assert p["metric"] == "score" and p["times_metric"] == "wall", p
	assert p["bench"] == doc["id"] and p["verdict"] == doc["verdict"], p
	assert same([p["ratio"]], [doc["ratio"]]), p
	for r, side in zip(hf["results"], ("baseline", "candidate")):
	    assert same(r["times"], doc[side]["wall"]), r
	    m = r["perfloop"]
	    assert m["metric"] == "score" and m["unit"] == "", m
	    assert same(m["values"], doc[side]["metrics"]["score"]), m
	    assert same([m["median"]], [statistics.median(m["values"])]), m
	PY
'

test_done
