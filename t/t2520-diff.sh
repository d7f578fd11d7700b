#!/bin/bash
# perfloop diff: deltas equal perf diff's on the same two files, the noise
# interval marks what moved, symbols match across rebuilds, and the default
# pair is the baseline's profile and the newest one.
. "$(dirname "$0")/lib.sh"

command -v perf >/dev/null 2>&1 || test_skip_all "perf is not installed (apt-get install linux-perf)"
perf record -q -o probe.data -e cycles:u -F 1000 -- true >/dev/null 2>&1 ||
	test_skip_all "perf cannot record here (kernel.perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null))"
command -v cc >/dev/null 2>&1 || test_skip_all "no C compiler"
command -v python3 >/dev/null 2>&1 || test_skip_all "python3 is needed to compare with perf diff"

CMP="python3 $SRC/t/helper/perf-compare.py"
cc -O1 -g -o hot "$SRC/t/data/hot.c" || test_skip_all "cannot build t/data/hot.c"
# the same binary with two splits of the work: 3:1 and 1:3
printf "[bench]\ncommand = \$HOT 10 3\nenv = HOT\ntimeout = 120\n[build]\nartifact = hot\n" >a.ini
printf "[bench]\ncommand = \$HOT 10 1\nenv = HOT\ntimeout = 120\n[build]\nartifact = hot\n" >b.ini
cp a.ini perfloop.ini

test_expect_success 'record two profiles with different splits' '
	"$PERFLOOP" -c a.ini profile >/dev/null &&
	"$PERFLOOP" -c b.ini profile >/dev/null &&
	test -s .perfloop/profiles/1.perf.data && test -s .perfloop/profiles/2.perf.data
'

test_expect_success 'deltas equal perf diff on the same two files' '
	$CMP diff "$PERFLOOP" .perfloop/profiles/1.perf.data .perfloop/profiles/2.perf.data
'

test_expect_success 'what moved is beyond noise, with the documented JSON' '
	"$PERFLOOP" diff 1 2 --json >d.json &&
	json_get d.json "all(k in r for r in d[\"rows\"] for k in (\"symbol\", \"dso\", \"base\", \"new\", \"delta\", \"noise\"))" | grep -q True &&
	json_get d.json "[r for r in d[\"rows\"] if r[\"symbol\"] == \"hot_alpha\"][0][\"delta\"] < 0" | grep -q True &&
	json_get d.json "[r for r in d[\"rows\"] if r[\"symbol\"] == \"hot_alpha\"][0][\"within_noise\"]" | grep -q False &&
	json_get d.json "[r for r in d[\"rows\"] if r[\"symbol\"] == \"hot_beta\"][0][\"delta\"] > 0" | grep -q True &&
	json_get d.json "abs(d[\"rows\"][0][\"delta\"]) >= abs(d[\"rows\"][-1][\"delta\"])" | grep -q True &&
	json_get d.json "d[\"a\"][\"total_samples\"] > 0 and len(d[\"dsos\"]) > 0" | grep -q True &&
	"$PERFLOOP" diff 1 2 >d.txt && grep -q "hot_alpha" d.txt && grep -q "per shared object" d.txt
'

test_expect_success 'a profile against itself moves nothing beyond noise' '
	"$PERFLOOP" diff 1 1 --json >d.json &&
	json_get d.json "all(r[\"delta\"] == 0 and r[\"within_noise\"] for r in d[\"rows\"])" | grep -q True
'

# check_need FILE WIDTH: every row's samples_for_width and runs_for_width are
# the documented formula on its sample counts and the two profiles' runs
check_need() {
	python3 - "$1" "$2" <<-\EOF
	import json, math, sys
	d = json.load(open(sys.argv[1])); w = float(sys.argv[2])
	na, nb = d["a"]["total_samples"], d["b"]["total_samples"]
	rate = min(na / (d["a"]["runs"] or 1), nb / (d["b"]["runs"] or 1))
	assert d["width"] == w and d["rows"], d
	for r in d["rows"]:
	    p1 = (r["base_samples"] + 0.5) / (na + 1); p2 = (r["new_samples"] + 0.5) / (nb + 1)
	    n = (100 * 1.96 / w) ** 2 * (p1 * (1 - p1) + p2 * (1 - p2))
	    assert abs(r["samples_for_width"] - math.ceil(n)) <= 1, (r, n)
	    assert r["runs_for_width"] == math.ceil(r["samples_for_width"] / rate), (r, rate)
	EOF
}

test_expect_success 'diff says the samples and runs a noise width needs (--width)' '
	"$PERFLOOP" diff 1 2 --json >d.json &&
	check_need d.json 0.5 &&
	json_get d.json "d[\"a\"][\"runs\"] == 1 and d[\"b\"][\"runs\"] == 1" | grep -q True &&
	"$PERFLOOP" diff 1 2 --json --width 1 >d1.json &&
	check_need d1.json 1 &&
	python3 -c "import json; a = json.load(open(\"d.json\"))[\"rows\"][0]; b = json.load(open(\"d1.json\"))[\"rows\"][0]; assert abs(a[\"samples_for_width\"] - 4 * b[\"samples_for_width\"]) <= 4" &&
	"$PERFLOOP" diff 1 2 >d.txt &&
	grep_q "^# Samples, Runs: what each profile needs for a +-Noise of 0.50 points (--width)" d.txt &&
	grep_q "^#   Base      New    Delta  +-Noise   Samples   Runs  Shared Object" d.txt &&
	need=$(json_get d.json "[r[\"samples_for_width\"] for r in d[\"rows\"] if r[\"symbol\"] == \"hot_alpha\"][0]") &&
	runs=$(json_get d.json "[r[\"runs_for_width\"] for r in d[\"rows\"] if r[\"symbol\"] == \"hot_alpha\"][0]") &&
	grep_q "  *$need  *$runs  hot  *hot_alpha" d.txt &&
	grep_q "^# A: profile 1 (.*), .*, [0-9]* samples of 1 harness run$" d.txt &&
	expect_exit 129 "$PERFLOOP" diff 1 2 --width 0 2>err && grep_q "width needs percentage points" err &&
	expect_exit 129 "$PERFLOOP" diff 1 2 --width x 2>/dev/null
'

test_expect_success 'a profile of several runs: runs per profile at the lower rate' '
	"$PERFLOOP" -c b.ini profile --runs 2 --json >p2.json &&
	id=$(json_get p2.json "d[\"id\"]") &&
	"$PERFLOOP" diff 1 "$id" --json --width 0.25 >d.json &&
	json_get d.json "d[\"b\"][\"runs\"]" | grep -qx 2 &&
	check_need d.json 0.25 &&
	"$PERFLOOP" diff 1 "$id" >d.txt &&
	grep_q "^# B: profile $id (.*), .*, [0-9]* samples of 2 harness runs$" d.txt &&
	"$PERFLOOP" diff .perfloop/profiles/1.perf.data "$id" --json >f.json &&
	json_get f.json "d[\"a\"][\"runs\"] is None" | grep -q True && check_need f.json 0.5
'

test_expect_success 'the default pair: the baseline'"'"'s profile and the newest one' '
	"$PERFLOOP" baseline save main >/dev/null &&
	"$PERFLOOP" profile --baseline main --json >pb.json &&
	json_get pb.json "d[\"artifact\"]" | grep -q "/store/" &&
	cp "$SRC/t/data/hot.c" hot2.c &&
	cc -O2 -g -o hot hot2.c &&
	"$PERFLOOP" -c b.ini profile --json >pc.json &&
	"$PERFLOOP" -c b.ini diff --json >d.json 2>err &&
	grep -q "baseline: profile $(json_get pb.json "d[\"id\"]") of baseline .main." err &&
	json_get d.json "d[\"a\"][\"profile\"] == $(json_get pb.json "d[\"id\"]") and d[\"b\"][\"profile\"] == $(json_get pc.json "d[\"id\"]")" | grep -q True &&
	json_get d.json "[r[\"status\"] for r in d[\"rows\"] if r[\"symbol\"] == \"hot_alpha\"][0]" | grep -qx matched &&
	json_get d.json "[r[\"dso\"] for r in d[\"rows\"] if r[\"symbol\"] == \"hot_alpha\"][0]" | grep -qx hot
'

test_expect_success 'one profile only is one clear line' '
	mkdir solo && cd solo && cp ../a.ini perfloop.ini && cp ../hot . &&
	"$PERFLOOP" profile >/dev/null &&
	expect_exit 128 "$PERFLOOP" diff 2>err && test $(wc -l <err) -eq 1 && grep -q "only one profile" err
'

test_done
