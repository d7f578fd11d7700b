#!/bin/bash
# A queue of candidates (perfloop try --queue DIR / --patch FILE) on the
# bundled example: each patch applied to the clean worktree, tried and put
# back; the ranking puts the good change first and the bad one last; a patch
# that does not apply is a failed experiment with git's message; nothing is
# committed until keep --experiment N re-applies the best. Ctrl-C or a step
# that dies leaves the worktree at HEAD. The gain each profile predicts is
# shown beside the gain measured (try, the ranking, the report).
#
# The verdicts judge instruction counts (valgrind without a PMU) of a
# 100,000-word run: good x0.90, bad x2.15, reshuffle x1.000, the same in
# every run, so load on the machine changes none of them (the reshuffle's
# verdict, same, is still only asserted by its place between good and bad).
# Interrupts are deterministic: the
# [validate] command runs ./hook, which sends SIGINT to perfloop on the call
# that ./int-at names.
. "$(dirname "$0")/lib.sh"

EX="$SRC/examples/textstat"
command -v cc >/dev/null && command -v make >/dev/null || test_skip_all "no C compiler or make"
"$HELPERS/metrics-probe" --pmu | grep -qx "pmu yes" || command -v valgrind >/dev/null ||
	test_skip_all "no PMU and no valgrind: nothing counts instructions"
if perf record -q -o perf-probe.data true 2>/dev/null; then have_perf=1; else have_perf=; fi

example_repo

# hook: on its Nth call (N in int-at) SIGINT the perfloop running it and wait to be killed
cat >hook <<'SH'
#!/bin/sh
dir=$(dirname "$0")
n=$(( $(cat "$dir/calls" 2>/dev/null || echo 0) + 1 ))
echo $n >"$dir/calls"
[ "$(cat "$dir/int-at" 2>/dev/null)" = "$n" ] || exit 0
rm -f "$dir/int-at"
p=$PPID
while [ "$p" -gt 1 ] && [ "$(cat /proc/$p/comm 2>/dev/null)" != perfloop ]; do
	p=$(sed 's/.*) //' /proc/$p/stat | cut -d" " -f2)
done
kill -INT "$p"
sleep 60
exit 1
SH
chmod +x hook
echo same >fp
cat >project/perfloop.ini <<INI
[project]
worktree = $TEST_DIR/{repo}-perf-%Y%m%d
[build]
command = make build
artifact = libtextstat.so
[bench]
command = ./harness
env = TEXTSTAT_LIB
runs = 6
timeout = 120
metric = instructions
[env]
TEXTSTAT_TOKENS = 100000
[validate]
command = $TEST_DIR/hook
[fingerprint]
fp = cat $TEST_DIR/fp
[profile]
freq = 2500
runs = 10
INI
WT=$TEST_DIR/project-perf-$(date +%Y%m%d)
P() { (cd "$WT" && "$PERFLOOP" "$@"); }
sql() { sqlite3 "$WT/.perfloop/ledger.db" "$1"; }
clean() { # the worktree is HEAD, with no change at all
	test -z "$(git -C "$WT" status --porcelain)" ||
		die_test "worktree not clean: $(git -C "$WT" status --porcelain)"
}
head_build() { # the artifact is HEAD's build
	P status --json >st.json &&
	test "$(json_get st.json 'd["artifact"]["state"]')" = current ||
		die_test "artifact: $(json_get st.json 'd["artifact"]')"
}
# candidate FILE EXPR: EXPR over the candidate `c` of queue.json whose file ends in FILE
candidate() {
	python3 -c 'import json,sys
d=json.load(open("queue.json"))
c=[c for c in d["candidates"] if c["file"].endswith(sys.argv[1])][0]
print('"$2"')' "$1"
}

mkdir queue
cp "$EX/changes/bad.patch" queue/1-bad.patch
cp "$EX/changes/reshuffle.patch" queue/2-reshuffle.patch
cp "$EX/changes/good.patch" queue/3-good.patch
# well formed, but made against a textstat.c that never was
cat >queue/4-stale.patch <<'PATCH'
stale.patch: a change made on another version of the library.

diff --git a/textstat.c b/textstat.c
--- a/textstat.c
+++ b/textstat.c
@@ -1,3 +1,3 @@
-/* a first line that is not there */
+/* another */
 #include <stdint.h>
 #include <stdio.h>
PATCH
echo "not a patch" >queue/README

test_expect_success 'setup: a loop on the example with a baseline' '
	(cd project && "$PERFLOOP" start perf/queue >/dev/null) &&
	P build >/dev/null && P baseline save >/dev/null &&
	git -C "$WT" rev-parse HEAD >head0
'

test_expect_success 'a queue refuses a worktree with changes, naming them, and tries nothing' '
	echo "/* local */" >>"$WT/textstat.h" && echo x >"$WT/notes.txt" &&
	expect_exit 128 P try --queue "$TEST_DIR/queue" 2>err &&
	grep_q "uncommitted changes (.notes.txt., .textstat.h.): a queue tries each patch on a clean worktree" err &&
	test "$(sql "SELECT count(*) FROM experiments")" = 0 &&
	grep -q "local" "$WT/textstat.h" && test -f "$WT/notes.txt" &&
	git -C "$WT" checkout -q textstat.h && rm "$WT/notes.txt"
'

test_expect_success 'a queue refuses what it cannot read before it applies anything' '
	expect_exit 128 P try --queue "$TEST_DIR/none" 2>err &&
	grep_q "cannot read queue directory .*none" err &&
	mkdir empty && expect_exit 128 P try --queue "$TEST_DIR/empty" 2>err &&
	grep_q "no \*.patch or \*.diff file in queue directory" err &&
	expect_exit 128 P try --patch "$TEST_DIR/queue/3-good.patch" --patch "$TEST_DIR/gone.patch" 2>err &&
	grep_q "cannot read patch .*gone.patch" err &&
	: >empty/e.patch && expect_exit 128 P try --queue "$TEST_DIR/empty" 2>err &&
	grep_q "patch .*e.patch. is empty" err &&
	expect_exit 129 P try --queue "$TEST_DIR/queue" -m "one message" 2>err &&
	grep_q "a queue takes each patch" err &&
	test "$(sql "SELECT count(*) FROM experiments")" = 0 && clean
'

test_expect_success 'a queue of bad, reshuffle, good and a stale patch ranks good first, bad last' '
	P try --queue "$TEST_DIR/queue" --json >queue.json 2>err || { cat err; false; } &&
	json_get queue.json "[c[\"file\"] for c in d[\"candidates\"]]" >order &&
	test "$(json_get queue.json "len(d[\"candidates\"])")" = 4 &&
	json_get queue.json "d[\"candidates\"][0][\"file\"]" | grep -q "3-good.patch$" &&
	test "$(candidate 3-good.patch "c[\"verdict\"]")" = keep &&
	test "$(candidate 1-bad.patch "c[\"verdict\"]")" = reject &&
	json_get queue.json "d[\"candidates\"][2][\"file\"]" | grep -q "1-bad.patch$" &&
	candidate 2-reshuffle.patch "c[\"verdict\"]" | grep -Eqx "reject|inconclusive" &&
	json_get queue.json "d[\"candidates\"][1][\"file\"]" | grep -q "2-reshuffle.patch$" &&
	json_get queue.json "d[\"candidates\"][3][\"file\"]" | grep -q "4-stale.patch$" || { cat order; false; }
'

test_expect_success 'the ranking: ratio with interval, touched hotspots, the command to keep the best' '
	good=$(candidate 3-good.patch "c[\"experiment\"]") &&
	test "$(json_get queue.json "d[\"best\"]")" = "$good" &&
	test "$(json_get queue.json "d[\"next\"]")" = "perfloop keep --experiment $good" &&
	candidate 3-good.patch "0 < c[\"ratio\"] < 1 and c[\"interval\"][0] <= c[\"interval\"][1] < 1" | grep -qx True &&
	candidate 1-bad.patch "c[\"ratio\"] > 1.3" | grep -qx True &&
	candidate 3-good.patch "c[\"message\"]" | grep -qx "hash every byte with FNV-1a instead of adding the bytes up" &&
	test "$(json_get queue.json "d[\"interrupted\"]")" = False &&
	test "$(json_get queue.json "d[\"not_tried\"]")" = "[]"
'

test_expect_success 'a patch that does not apply is a failed experiment with git'"'"'s message' '
	stale=$(candidate 4-stale.patch "c[\"experiment\"]") &&
	test "$(candidate 4-stale.patch "c[\"outcome\"]")" = no-apply &&
	candidate 4-stale.patch "c[\"reason\"]" | grep -q "patch does not apply" &&
	test "$(sql "SELECT status FROM experiments WHERE id = $stale")" = failed &&
	sql "SELECT reason FROM experiments WHERE id = $stale" |
		grep -q "^the patch does not apply to HEAD: error: patch failed: textstat.c:1" &&
	P patch $stale | grep -q "a first line that is not there"
'

test_expect_success 'every candidate recorded, nothing committed, the worktree and artifact HEAD'"'"'s' '
	test "$(sql "SELECT group_concat(status || \":\" || IFNULL(verdict, \"-\"), \" \") FROM experiments")" != "" &&
	test "$(sql "SELECT count(*) FROM experiments WHERE status = \"decided\"")" = 3 &&
	test "$(sql "SELECT count(*) FROM experiments WHERE status = \"failed\"")" = 1 &&
	test "$(sql "SELECT message FROM experiments ORDER BY id LIMIT 1")" = \
		"fold case per multibyte character with the locale'"'"'s towlower()" &&
	test "$(git -C "$WT" rev-parse HEAD)" = "$(cat head0)" && clean && head_build &&
	json_get queue.json "d[\"artifact\"][\"stale\"]" | grep -qx None
'

if [ -n "$have_perf" ]; then
test_expect_success 'the baseline is profiled once for the whole queue' '
	test "$(sql "SELECT count(*) FROM profiles p JOIN baselines b ON b.id = (SELECT baseline_id FROM loop)
		JOIN artifacts a ON a.id = b.artifact_id WHERE p.artifact_hash = a.hash")" = 1 &&
	test "$(sql "SELECT count(DISTINCT base_profile_id) FROM experiments WHERE base_profile_id IS NOT NULL")" = 1
'

test_expect_success 'the gain the profile predicts: touched rows'"'"' share dropped, no seconds for instructions' '
	candidate 3-good.patch "c[\"expected\"][\"state\"]" | grep -qx ok &&
	candidate 3-good.patch "[r[\"symbol\"] for r in c[\"touched_hotspots\"]]" | grep -q ts_hash_word &&
	candidate 3-good.patch "abs(c[\"expected\"][\"points\"] - sum(r[\"base\"] - r[\"new\"] for r in c[\"try\"][\"hotspots\"] if r[\"touched\"])) < 1e-9" | grep -qx True &&
	# instructions are no time: no seconds predicted (the baseline.s median is instructions)
	candidate 3-good.patch "c[\"expected\"][\"seconds\"]" | grep -qx None &&
	candidate 3-good.patch "c[\"expected\"][\"text\"]" | grep -Eq "^profile predicts [-+][0-9.]+%, measured -[0-9.]+%$" &&
	candidate 1-bad.patch "c[\"expected\"][\"state\"]" | grep -qx no-profile
'
else
	test_skip "the baseline is profiled once for the whole queue" "perf cannot record here"
	test_skip "the gain the profile predicts" "perf cannot record here"
fi

test_expect_success 'the report shows the predicted gain beside the measured one' '
	P report --format json >report.json &&
	good=$(candidate 3-good.patch "c[\"experiment\"]") &&
	json_get report.json "[e for e in d[\"experiments\"] if e[\"id\"] == $good][0][\"expected\"][\"text\"]" |
		grep -q "measured -" &&
	json_get report.json "[e[\"expected\"] for e in d[\"experiments\"] if e[\"status\"] == \"failed\"][0]" | grep -qx None &&
	P report >report.md && grep_q "| profile predicts |" report.md
'

test_expect_success 'keep --experiment refuses: unknown, not keep, a patch that does not apply, a dirty worktree' '
	stale=$(candidate 4-stale.patch "c[\"experiment\"]") &&
	bad=$(candidate 1-bad.patch "c[\"experiment\"]") &&
	good=$(candidate 3-good.patch "c[\"experiment\"]") &&
	expect_exit 128 P keep --experiment 99 2>err && grep_q "no experiment 99 in the ledger" err &&
	expect_exit 128 P keep --experiment $bad 2>err &&
	grep_q "experiment $bad was judged .reject., not keep: keep it anyway with --force" err &&
	expect_exit 128 P keep --experiment $stale 2>err && grep_q "has no verdict (failed)" err &&
	expect_exit 128 P keep --experiment $stale --force --no-push 2>err &&
	grep_q "experiment $stale.s patch does not apply to HEAD (.*): error: patch failed: textstat.c:1" err &&
	echo x >"$WT/notes.txt" && expect_exit 128 P keep --experiment $good 2>err &&
	grep_q "uncommitted changes (.notes.txt.): keep --experiment applies" err && rm "$WT/notes.txt" &&
	test "$(git -C "$WT" rev-parse HEAD)" = "$(cat head0)" && clean &&
	test "$(sql "SELECT count(*) FROM experiments WHERE status = \"kept\"")" = 0
'

test_expect_success 'keep --experiment N re-applies the best, builds it and commits it as the baseline' '
	good=$(candidate 3-good.patch "c[\"experiment\"]") &&
	P keep --experiment $good --no-push --no-dispatch >out 2>err || { cat err; false; } &&
	grep_q "applied experiment $good.s patch" err && grep_q "building the change before committing" err &&
	git -C "$WT" log -1 --format=%s | grep -qx "refactor(textstat.c): hash every byte with FNV-1a instead of adding the bytes up" &&
	git -C "$WT" show HEAD | grep -q "FNV" && clean && head_build &&
	test "$(sql "SELECT status FROM experiments WHERE id = $good")" = kept &&
	test "$(sql "SELECT b.name FROM loop l JOIN baselines b ON b.id = l.baseline_id")" = "kept-$good" &&
	expect_exit 128 P keep --experiment $good 2>err && grep_q "is kept already (commit" err
'

test_expect_success 'the ranking in text; a patch applied already no longer applies to HEAD' '
	P try --patch "$TEST_DIR/queue/3-good.patch" --patch "$TEST_DIR/queue/4-stale.patch" --no-profile --runs 2 >out 2>err
	test $? -eq 3 || { cat out err; false; } &&
	grep_q "^ranking of 2 candidates, best first$" out &&
	grep -Eq "^ 1\. experiment [0-9]+ +failed .*3-good.patch: hash every byte" out &&
	grep_q "error: patch failed: textstat.c:" out &&
	grep_q "^next: no candidate to keep" out &&
	again=$(sql "SELECT max(id) FROM experiments WHERE message LIKE \"hash every byte%\"") &&
	expect_exit 128 P keep --experiment $again --force 2>err &&
	grep_q "experiment $again.s patch does not apply to HEAD" err && clean
'

test_expect_success 'Ctrl-C in a queue: the candidate under way interrupted, HEAD back, the rest not tried' '
	n=$(sql "SELECT count(*) FROM experiments") &&
	rm -f calls && echo 2 >int-at &&
	expect_exit 130 P try --patch "$TEST_DIR/queue/2-reshuffle.patch" --patch "$TEST_DIR/queue/1-bad.patch" \
		--patch "$TEST_DIR/queue/4-stale.patch" --no-profile --runs 2 >out 2>err &&
	! test -f int-at &&
	test "$(sql "SELECT count(*) FROM experiments")" = $((n + 2)) &&
	test "$(sql "SELECT status FROM experiments ORDER BY id DESC LIMIT 1")" = interrupted &&
	test "$(sql "SELECT message FROM experiments ORDER BY id DESC LIMIT 1")" = \
		"fold case per multibyte character with the locale'"'"'s towlower()" &&
	grep_q "^not tried (interrupted): .*4-stale.patch$" out &&
	clean && head_build
'

test_expect_success 'a step that dies in a queue: the experiment failed, the worktree back to HEAD' '
	n=$(sql "SELECT count(*) FROM experiments") &&
	echo other >fp &&
	expect_exit 128 P try --patch "$TEST_DIR/queue/2-reshuffle.patch" --no-profile 2>err &&
	grep_q "not built the same way" err &&
	test "$(sql "SELECT count(*) FROM experiments")" = $((n + 1)) &&
	test "$(sql "SELECT status FROM experiments ORDER BY id DESC LIMIT 1")" = failed &&
	echo same >fp && clean
'

test_done
