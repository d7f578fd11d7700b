#!/bin/bash
# perfloop doctor: the host's facts outside a project (checked against the
# machine), the bench's A/A noise per metric inside one, one recommended
# metric; and the note calibrate, bench and try print when their metric is
# noisy. The harness (t/data/mharness.c) reports a score with large seeded
# noise and a steady metric without any: nothing depends on wall time.
. "$(dirname "$0")/lib.sh"

command -v cc >/dev/null 2>&1 || test_skip_all "no C compiler"
cc -O1 -o mh "$SRC/t/data/mharness.c" || test_skip_all "cannot build t/data/mharness.c"
MH="$TEST_DIR/mh"
export MH_COUNTER="$TEST_DIR/mh.count"

# what the doctor must recommend here: counters when the machine has them
if "$HELPERS/metrics-probe" --pmu | grep -qx "pmu yes"; then
	REC="instructions (hardware counters)"
	REC_METRIC=instructions
else
	REC="steady (calibrated: 0.00% per pair)"
	REC_METRIC=steady
fi

printf 'score 100\nsteady 50\nnoise 0.2\n' >noisy.art
cp noisy.art noisy2.art
printf 'score 100\nsteady 50\n' >quiet.art
ini() { # ini FILE METRIC
	printf '[bench]\ncommand = %s\nenv = ART\nruns = 3\nmetric = %s\n' "$MH" "$2" >"$1"
	printf '[metrics]\nscore = ^score = ([0-9.]+)$\nsteady = file\n' >>"$1"
}
mkdir proj quiet outside
ini proj/perfloop.ini score
ini quiet/perfloop.ini steady

cat >check_host.py <<'PY'
import json, os, shutil, subprocess, sys
d = json.load(open(sys.argv[1]))
pmu_here = sys.argv[2] == "yes"
num = (int, float)
assert isinstance(d["pmu"]["present"], bool) and d["pmu"]["present"] == pmu_here, d["pmu"]
assert (d["pmu"]["why"] is None) == pmu_here and (pmu_here or isinstance(d["pmu"]["why"], str))
par = int(open("/proc/sys/kernel/perf_event_paranoid").read())
assert d["paranoid"] == par and type(d["paranoid"]) is int, d["paranoid"]
vg = shutil.which("valgrind")
assert d["valgrind"]["present"] is (vg is not None), d["valgrind"]
if vg:
    out = subprocess.run([vg, "--version"], capture_output=True, text=True).stdout
    assert out.strip().endswith(d["valgrind"]["version"]), (out, d["valgrind"])
load = d["load"]
assert sorted(load) == ["15m", "1m", "5m"] and all(isinstance(v, num) for v in load.values())
assert d["cpus"]["online"] == os.cpu_count() and d["cpus"]["allowed"] == len(os.sched_getaffinity(0))
assert isinstance(d["cpus"]["usable"], num) and 0 < d["cpus"]["usable"] <= d["cpus"]["allowed"]
q = d["cgroup_quota"]
assert set(q) == {"version", "path", "cpus", "limited"}, q
assert q["limited"] is None or isinstance(q["limited"], bool)
assert (q["cpus"] is None) == (q["limited"] is not True)
assert d["governor"] is None or isinstance(d["governor"], str)
assert all(d[k] is None or isinstance(d[k], bool) for k in ("boost", "smt"))
assert isinstance(d["busiest"], list) and len(d["busiest"]) <= 5
for p in d["busiest"]:
    assert type(p["pid"]) is int and isinstance(p["comm"], str) and p["cpu"] > 0, p
assert all(isinstance(w, str) for w in d["warnings"])
assert d["host"] == os.uname().nodename, d["host"]
assert d["recommended_metric"] in ("wall", "cpu", "instructions"), d["recommended_metric"]
assert d["recommended_tool"] in (None, "pmu", "valgrind")
assert (d["recommended_metric"] == "instructions") == (d["recommended_tool"] is not None)
assert isinstance(d["reason"], str) and d["reason"]
print("ok")
PY

test_expect_success 'outside a project: the host facts only, saying so' '
	(cd outside && "$PERFLOOP" doctor >../out.txt 2>../err.txt) && test ! -s err.txt &&
	for k in host PMU valgrind load busiest CPUs cgroup governor boost SMT recommended why; do
		grep_q "^$k  " out.txt || return 1
	done &&
	grep_q "^noise  *outside a project (no perfloop.ini here or above): host facts only, no A/A noise$" out.txt &&
	grep_q "^recommended  *bench.metric = [a-z]" out.txt &&
	! grep -q "^project" out.txt
'

test_expect_success 'outside a project: --json keys, typed, agree with the machine' '
	(cd outside && "$PERFLOOP" doctor --json >../host.json) &&
	pmu=$("$HELPERS/metrics-probe" --pmu | sed -n "s/^pmu //p") &&
	python3 check_host.py host.json "$pmu" &&
	json_get host.json "d[\"project\"] is None and d[\"noise\"] == [] and \"outside a project\" in d[\"noise_note\"]" |
		grep -q True
'

test_expect_success 'in a project before any calibration: no noise yet, says so' '
	(cd proj && "$PERFLOOP" doctor --json >../pre.json && "$PERFLOOP" doctor >../pre.txt) &&
	json_get pre.json "d[\"project\"][\"metric\"] == \"score\" and len(d[\"project\"][\"bench_key\"]) == 16 and d[\"noise\"] == []" |
		grep -q True &&
	grep_q "^noise  *this bench has no A/A calibration on this host yet: run .perfloop calibrate.$" pre.txt &&
	grep_q "^project  *$TEST_DIR/proj/perfloop.ini: bench.metric = score$" pre.txt &&
	test ! -e proj/.perfloop/ledger.db
'

test_expect_success 'calibrate with a noisy metric: a note points at doctor and a quiet metric' '
	rm -f "$MH_COUNTER" &&
	(cd proj && "$PERFLOOP" calibrate --artifact ../noisy.art --pairs 4 >../cal.txt 2>../cal.err) &&
	grep_q "^  score .*(the verdict.s metric)$" cal.txt &&
	grep_q "^note: score noise [0-9.]*% per pair on this host; .perfloop doctor. recommends bench.metric = $REC$" cal.txt &&
	(cd proj && "$PERFLOOP" calibrate --artifact ../noisy.art --pairs 4 --json >../cal.json 2>/dev/null) &&
	json_get cal.json "d[\"advice\"]" >advice &&
	grep_q "^score noise [0-9.]*% per pair on this host; .perfloop doctor. recommends bench.metric = $REC$" advice
'

test_expect_success 'doctor after calibrate: the noise of every metric and the recommendation' '
	(cd proj && "$PERFLOOP" doctor >../doc.txt && "$PERFLOOP" doctor --json >../doc.json) &&
	for m in cpu score steady task-clock wall; do
		grep_q "^  $m  *[0-9.]*%  *8  *2  native" doc.txt || return 1
	done &&
	grep_q "^  score .*(the verdict.s metric)$" doc.txt &&
	grep_q "^  steady  *0.00%" doc.txt &&
	grep_q "^recommended  *bench.metric = $REC_METRIC" doc.txt &&
	python3 - doc.json "$REC_METRIC" <<-\PY
	import json, sys
	d = json.load(open(sys.argv[1]))
	n = {x["metric"]: x for x in d["noise"]}
	assert {"wall", "cpu", "task-clock", "score", "steady"} <= set(n), n
	for x in d["noise"]:
	    assert x["tool"] == "native" and x["pairs"] == 8 and x["calibrations"] == 2, x
	    assert isinstance(x["sigma"], float) and x["sigma"] >= 0 and x["df"] == 6, x
	assert n["steady"]["sigma"] == 0 and n["score"]["sigma"] > 0.03, n
	assert d["noise_note"] is None and d["recommended_metric"] == sys.argv[2], d
	assert d["project"]["metric"] == "score"
	PY
'

test_expect_success 'a quiet verdict metric: no note' '
	rm -f "$MH_COUNTER" &&
	(cd quiet && "$PERFLOOP" calibrate --artifact ../noisy.art --pairs 3 >../q.txt 2>../q.err) &&
	grep_q "^  steady .*(the verdict.s metric)$" q.txt &&
	! grep -q "note:" q.txt q.err &&
	(cd quiet && "$PERFLOOP" calibrate --artifact ../noisy.art --pairs 3 --json >../q.json) &&
	json_get q.json "d[\"advice\"]" | grep -qx None
'

test_expect_success 'a cross-check too noisy for its pairs says so instead of printing its interval' '
	rm -f "$MH_COUNTER" &&
	(cd quiet && "$PERFLOOP" bench --vs ../noisy.art --artifact ../noisy.art --runs 2 >../x.txt 2>../x.err) &&
	grep_q "^  score  *median ratio [0-9.]*, mean ratio [0-9.]* (interval wider than ×4: too noisy to tell), [0-9] pairs" x.txt &&
	! grep -q "^  score .*\[" x.txt
'

test_expect_success 'bench with a noisy verdict metric: the same note' '
	(cd proj && "$PERFLOOP" bench --vs ../noisy.art --artifact ../noisy2.art --json >../b.json 2>../b.err) &&
	grep_q "^note: score noise [0-9.]*% per pair on this host; .perfloop doctor. recommends bench.metric = $REC$" b.err &&
	(cd quiet && "$PERFLOOP" bench --vs ../noisy.art --artifact ../noisy2.art >../bq.txt 2>../bq.err) &&
	! grep -q "note:" bq.txt bq.err
'

# try in a loop whose harness reports the noisy score
git init -q --bare origin.git
git clone -q origin.git work 2>/dev/null
cp noisy.art work/params
(cd work && git add . && git commit -qm init && git push -q origin HEAD:main) ||
	{ echo "Bail out! cannot set up the repositories"; exit 1; }
ini work/perfloop.ini score
cat >>work/perfloop.ini <<INI
[project]
worktree = $TEST_DIR/wt-{repo}
[build]
command = mkdir -p build && cp params build/art.txt
artifact = build/art.txt
INI
WT=$TEST_DIR/wt-work
P() { (cd "$WT" && "$PERFLOOP" "$@"); }

test_expect_success 'try with a noisy verdict metric: the same note' '
	(cd work && "$PERFLOOP" start perf/doctor >/dev/null 2>&1) && rm -f "$MH_COUNTER" &&
	P build >/dev/null 2>&1 && P baseline save >/dev/null 2>&1 &&
	P calibrate --pairs 3 >/dev/null 2>&1 &&
	printf "score 101\nsteady 50\nnoise 0.2\n" >"$WT/params" &&
	P try --no-profile --no-validate -m "a point more" >try.txt 2>try.err;
	rc=$? && [ $rc -le 2 ] || die_test "try exited $rc: $(cat try.err)" &&
	grep_q "^note: score noise [0-9.]*% per pair on this host; .perfloop doctor. recommends bench.metric = $REC$" try.err
'

test_done
