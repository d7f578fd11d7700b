#!/bin/bash
# make demo's script, run as a test: the whole loop on the bundled example
# ends with a kept good change (its guard benchmark benched), a rejected bad
# one, a reverted reshuffle, a skipped dispatch (no token), the goal's progress
# and both reports. The demo's verdicts judge instruction counts (valgrind
# without a PMU): the same in every run, so a loaded machine cannot change
# them.
. "$(dirname "$0")/lib.sh"

command -v cc >/dev/null && command -v make >/dev/null || test_skip_all "no C compiler or make"
"$HELPERS/metrics-probe" --pmu | grep -qx "pmu yes" || command -v valgrind >/dev/null ||
	test_skip_all "no PMU and no valgrind: nothing counts the demo's instructions"

test_expect_success 'the demo runs the loop start to report' '
	TMPDIR="$TEST_DIR" "$SRC/examples/demo" >demo.out 2>&1 || { tail -40 demo.out; false; } &&
	grep -q "^\$ perfloop start perf/textstat" demo.out &&
	grep -q "experiment 1: keep" demo.out &&
	grep -q "^guard benchmarks:$" demo.out &&
	grep -q "^  [a-z]* *guard .small-vocab. " demo.out &&
	grep -q "^### Guard benchmarks$" demo.out &&
	grep -q "committed .*: refactor(textstat.c): hash words with FNV-1a" demo.out &&
	grep -q "dispatch skipped: no GitHub token" demo.out &&
	grep -q "experiment 2: reject" demo.out &&
	grep -q "(exit 1: " demo.out &&
	grep -q "experiment 3: " demo.out &&
	grep -q "^| 1 | hash words with FNV-1a" demo.out &&
	grep -q "^goal  *speed-up ×1.050 (5%), \(reached\|not reached yet\): .*; 3 of 10 rounds used$" demo.out &&
	grep -q "^(exit [01]: 0 goal reached, 1 not yet, 2 rounds used up)$" demo.out &&
	grep -q "^Goal: speed-up ×1.050 (5%), " demo.out &&
	html=$(sed -n "s/^html report: //p" demo.out) && test -s "$html" &&
	grep -q "<svg" "$html"
'

test_done
