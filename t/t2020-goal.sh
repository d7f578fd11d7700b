#!/bin/bash
# The loop's goal ([loop] goal, rounds): rounds used are the experiments
# benched to a verdict; status, status --json, status --check and the report
# show one goal progress, reached only when the cumulative speed-up's lower
# bound is at or past the goal. The kept bench's figures are set in the
# ledger, so no case depends on timing.
. "$(dirname "$0")/lib.sh"
. "$SRC/t/lib-loop.sh"

loop_repo 2000000
loop_ini 2
LEDGER=$WT/.perfloop/ledger.db
cp work/perfloop.ini ini.base
# goal and rounds in the project's ini, which the loop's worktree includes
set_goal() {
	cp ini.base work/perfloop.ini &&
	printf "[loop]\n" >>work/perfloop.ini &&
	{ [ -z "${1:-}" ] || echo "goal = $1" >>work/perfloop.ini; } &&
	{ [ -z "${2:-}" ] || echo "rounds = $2" >>work/perfloop.ini; }
}

test_expect_success 'setup: a loop with a baseline' '
	(cd work && "$PERFLOOP" start perf/goal >/dev/null) &&
	P build >/dev/null && P baseline save >/dev/null
'

test_expect_success 'without a goal: no goal line, null in JSON, and --check is an error' '
	P status >st.out && ! grep -q "^goal" st.out &&
	P status --json >st.json && json_get st.json "d[\"goal\"] is None" | grep -qx True &&
	expect_exit 128 P status --check >out 2>err && test ! -s out &&
	test $(wc -l <err) -eq 1 && grep_q "status --check needs a goal: set \[loop\] goal" err
'

test_expect_success 'rounds: experiments benched to a verdict, not failed tries nor untried reverts' '
	set_goal "" 10 &&
	echo "#define ITERS 1000000ull" >"$WT/iters.h" &&
	{ P try -m "half" --no-profile --json >t1.json 2>t1.err; test $? -le 2; } &&
	json_get t1.json "d[\"verdict\"] is not None" | grep -qx True &&
	P keep --force >/dev/null 2>&1 &&
	echo "syntax error" >>"$WT/lib.c" &&
	expect_exit 3 P try -m "broken" --no-profile >/dev/null 2>&1 &&
	P revert >/dev/null &&
	echo "/* untried */" >>"$WT/lib.c" && P revert >/dev/null &&
	P status --json >st.json &&
	json_get st.json "(d[\"goal\"][\"rounds_used\"], d[\"goal\"][\"rounds\"], d[\"goal\"][\"state\"])" >got &&
	grep -qx "(1, 10, .no goal.)" got &&
	P status >st.out && grep_q "^goal *none set (\[loop\] goal); 1 of 10 rounds used$" st.out &&
	echo "#define ITERS 3000000ull" >"$WT/iters.h" &&
	{ P try -m "more" --no-profile >/dev/null 2>&1; test $? -le 2; } &&
	P revert >/dev/null &&
	P status --json >st.json && json_get st.json "d[\"goal\"][\"rounds_used\"]" | grep -qx 2 &&
	P report --format json >r.json &&
	json_get r.json "(len(d[\"experiments\"]), d[\"goal\"][\"rounds_used\"])" | grep -qx "(4, 2)"
'

# the kept experiment's bench: time ×0.8 (speed-up ×1.25) with interval ×0.8/1.025 – ×0.82
cat >fix.py <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE benches SET ratio_mean = 0.8, ratio_lo = 0.8 / 1.025, ratio_hi = 0.82, "
           "level = 0.95 WHERE id = (SELECT bench_id FROM experiments WHERE status = 'kept')")
db.commit()
PY

test_expect_success 'reached: the lower bound ×1.220 is past a goal of 20%; status, JSON, report' '
	python3 fix.py "$LEDGER" && set_goal 20% 5 &&
	P status >st.out &&
	grep_q "^goal *speed-up ×1.200 (20%), reached: cumulative wall speed-up ×1.250 (95% interval ×1.220 – ×1.281); 2 of 5 rounds used$" st.out &&
	grep_q "^next *the goal is reached" st.out &&
	P status --check >/dev/null &&
	P status --json >st.json &&
	json_get st.json "(d[\"goal\"][\"state\"], d[\"goal\"][\"reached\"], d[\"goal\"][\"target\"], round(d[\"goal\"][\"speedup_lo\"], 4))" >got &&
	grep -qx "(.reached., True, 1.2, 1.2195)" got &&
	json_get st.json "d[\"goal\"][\"metric\"]" | grep -qx wall &&
	P report >r.md &&
	grep_q "^Goal: speed-up ×1.200 (20%), reached: cumulative wall speed-up ×1.250 (95% interval ×1.220 – ×1.281); 2 of 5 rounds used\.$" r.md &&
	P report --format json >r.json &&
	json_get r.json "(lambda g, s: g.keys() == s.keys() and all(abs(g[k] - s[k]) < 1e-9 if isinstance(g[k], float) else g[k] == s[k] for k in g))(d[\"goal\"], json.load(open(\"st.json\"))[\"goal\"])" | grep -qx True &&
	P report --format html >r.html && grep_q "Goal: speed-up ×1.200 (20%), reached" r.html
'

test_expect_success 'not reached: the estimate ×1.25 is at a goal of 25%, its lower bound is not (exit 1)' '
	set_goal 25% 5 &&
	expect_exit 1 P status --check >st.out &&
	grep_q "^goal *speed-up ×1.250 (25%), not reached yet: cumulative wall speed-up ×1.250 (95% interval ×1.220 – ×1.281; its lower bound must reach ×1.250); 2 of 5 rounds used$" st.out &&
	expect_exit 1 P status --check --json >st.json &&
	json_get st.json "(d[\"goal\"][\"state\"], d[\"goal\"][\"reached\"])" | grep -qx "(.not reached., False)"
'

test_expect_success 'rounds used up without reaching the goal: exit 2' '
	set_goal 25% 2 &&
	expect_exit 2 P status --check >st.out &&
	grep_q "^goal *speed-up ×1.250 (25%), not reached, rounds used up: .*; 2 of 2 rounds used$" st.out &&
	grep_q "^next *the rounds are used up without reaching the goal" st.out &&
	P report >r.md && grep_q "^Goal: speed-up ×1.250 (25%), not reached, rounds used up" r.md &&
	set_goal 25% 3 && expect_exit 1 P status --check >/dev/null
'

test_expect_success 'reached wins over rounds used up (exit 0); no round limit is never used up' '
	set_goal 20% 2 && P status --check >/dev/null &&
	set_goal 25% && expect_exit 1 P status --check >st.out &&
	grep_q "; 2 rounds used$" st.out
'

test_expect_success 'a goal that is no percentage is refused with its file and line' '
	set_goal five && expect_exit 128 P status --check 2>err &&
	grep_q "perfloop.ini:[0-9]*: .*five" err &&
	cp ini.base work/perfloop.ini
'

test_done
