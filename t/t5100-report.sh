#!/bin/bash
# perfloop report on a small real loop (bare origin, dlharness, tries with
# --no-profile, no GitHub token so dispatches are skipped): Markdown rows,
# verdicts and commits, JSON fields, profile paths and hotspot rows read from
# the ledger, and the HTML page rendered in headless Chromium (no console
# message, charts with their data points, a screenshot that is not blank).
. "$(dirname "$0")/lib.sh"
. "$SRC/t/lib-loop.sh"

loop_repo 90000000
loop_ini 8
printf "[github]\nrepo = o/r\n" >>work/perfloop.ini
LEDGER=$WT/.perfloop/ledger.db

test_expect_success 'a ledger without a loop: one clear line, exit 128' '
	(cd work && expect_exit 128 "$PERFLOOP" report 2>../err >../out) &&
	test $(wc -l <err) -eq 1 && grep -q "no loop in ledger" err && test ! -s out
'

test_expect_success 'an empty loop gives a valid report saying so' '
	(cd work && "$PERFLOOP" start perf/report >/dev/null) &&
	P build >/dev/null && P baseline save >/dev/null &&
	P report >empty.md && grep -q "No experiments yet" empty.md &&
	grep -q "^## perfloop report: .perf/report." empty.md &&
	P report --format json >empty.json &&
	json_get empty.json "d[\"experiments\"] == [] and d[\"totals\"][\"kept\"] == 0 and d[\"totals\"][\"cumulative\"] is None and d[\"loop\"][\"branch\"] == \"perf/report\"" | grep -q True &&
	P report --format html >empty.html && grep -q "</html>" empty.html &&
	grep -q "No wall time recorded yet\|chart-time" empty.html
'

test_expect_success 'a loop: keep, reject and revert, keep again (dispatch skipped, no token)' '
	echo "#define ITERS 45000000ull" >"$WT/iters.h" &&
	P try -m "fewer iterations" --no-profile --json >t1.json &&
	json_get t1.json "d[\"verdict\"]" | grep -qx keep &&
	P keep >/dev/null 2>keep1.err && grep -q "dispatch skipped: no workflow to dispatch" keep1.err &&
	git -C "$WT" rev-parse HEAD >c1 &&
	echo "#define ITERS 250000000ull" >"$WT/iters.h" &&
	expect_exit 1 P try -m "more <work> & more" --no-profile --json >t2.json &&
	P revert >/dev/null &&
	echo "#define ITERS 20000000ull" >"$WT/iters.h" &&
	P try -m "even fewer" --no-profile --json >t3.json &&
	json_get t3.json "d[\"verdict\"]" | grep -qx keep &&
	P keep >/dev/null 2>&1 && git -C "$WT" rev-parse HEAD >c3
'

# The profiles table comes with the profile work; until then the report says
# a profile is unavailable. The rows below fill every NOT NULL column so they
# also fit the real table once it exists.
cat >inject.py <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
step = sys.argv[2]
have = db.execute("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='profiles'").fetchone()[0]
if step == "diff":
    rows = [
        {"symbol": "hot_loop", "dso": "libwork.so", "base": 91.5, "new": 85.25, "delta": -6.25,
         "noise": 1.5, "touched": True, "within_noise": False},
        {"symbol": "std::vector<int>::push_back(int&&) & co", "dso": "libstdc++.so.6",
         "base": 3.0, "new": 5.5, "delta": 2.5, "noise": 0.75, "touched": False, "within_noise": False},
        {"symbol": "mi_free", "dso": "libwork.so", "base": 2.0, "new": 2.25, "delta": 0.25,
         "noise": 0.5, "touched": False, "within_noise": True},
    ]
    db.execute("UPDATE experiments SET profile_id = 77, diff = ?, touched = ? WHERE id = 3",
               (json.dumps(rows), json.dumps(["hot_loop"])))
else:
    if not have:
        db.execute("CREATE TABLE profiles(id INTEGER PRIMARY KEY, path TEXT NOT NULL)")
    cols, vals = ["id", "path"], [77, sys.argv[3]]
    for cid, name, typ, notnull, default, pk in db.execute("PRAGMA table_info(profiles)"):
        if notnull and default is None and name not in cols:
            cols.append(name)
            vals.append({"status": "done", "callgraph": "none"}.get(name,
                        1 if "INT" in typ.upper() or "REAL" in typ.upper() else "x"))
    db.execute("INSERT INTO profiles(%s) VALUES (%s)" % (",".join(cols), ",".join("?" * len(cols))), vals)
db.commit()
print(have)
PY

test_expect_success 'a profile id without a profiles table is reported unavailable' '
	python3 inject.py "$LEDGER" diff >had_table &&
	P report --format json >r0.json &&
	if grep -qx 0 had_table; then
		json_get r0.json "d[\"experiments\"][2][\"profile\"]" >prof &&
		grep -q "unavailable" prof && grep -q "None" prof
	fi
'

test_expect_success 'the profile path comes from the profiles table' '
	python3 inject.py "$LEDGER" profile "$WT/.perfloop/profiles/77/perf.data" >/dev/null &&
	P report --format json >r.json &&
	json_get r.json "d[\"experiments\"][2][\"profile\"][\"path\"]" | grep -q "profiles/77/perf.data"
'

test_expect_success 'md: time table, experiment rows with verdicts and commits, skipped dispatches' '
	P report >r.md &&
	c1=$(cut -c1-12 c1) && c3=$(cut -c1-12 c3) &&
	grep_q "^| baseline .* | [0-9.]* ms | .* | [0-9]* |$" r.md &&
	grep_q "^| current (experiment 3) | \`$c3\` |" r.md &&
	grep_q "^| 1 | fewer iterations | \`[0-9a-f]\{12\}\` | \*\*keep, kept\*\* | end-to-end time is faster | wall ×0\.[0-9]* (-[0-9.]*%) | ×[0-9.]* – ×[0-9.]* (>\?[0-9.]*%), [0-9]* pairs | no profile to predict the gain from | \`$c1\` | not profiled |$" r.md &&
	grep_q "^| 2 | more &lt;work&gt; &amp; more | .* | \*\*reject, reverted\*\* | end-to-end time is slower | wall ×[0-9.]* (+[0-9.]*%) | early reject after 1 pair | no profile to predict the gain from | — |" r.md &&
	grep_q "^| 3 | even fewer | .* | \*\*keep, kept\*\* | .* | \`$c3\` | \`.*profiles/77/perf.data\` |$" r.md &&
	grep_q "^Experiments: 3 (2 kept, 1 rejected, 0 inconclusive, 0 failed)\.$" r.md &&
	grep_q "^Cumulative wall speed-up of the 2 kept experiments: ×[0-9.]* (95% interval ×[0-9.]* – ×[0-9.]*; wall time ×0\." r.md &&
	grep_q "^End-to-end wall time: [0-9.]* ms at the baseline, [0-9.]* ms now (experiment 3): wall ×0\.[0-9]* (-[0-9.]*%)\.$" r.md &&
	grep_q "^|  | commit | wall median | interval of the median | runs |$" r.md &&
	grep_q "^| 1 | 1 | \`$c1\` | — | \*\*skipped\*\* | — | — | no workflow to dispatch: set .*github.* workflow |$" r.md &&
	! grep -q "Ecosystem" r.md &&
	test $(grep -c "\*\*skipped\*\*" r.md) -eq 2 &&
	grep_q "^| \`hot_loop\` | libwork.so | 91.50 | 85.25 | -6.25 | 1.50 | touched |$" r.md &&
	grep_q "^| \`std::vector<int>::push_back(int&&) & co\` | libstdc++.so.6 | 3.00 | 5.50 | +2.50 | 0.75 | — |$" r.md &&
	grep_q "within noise" r.md &&
	! grep -q "<sub>\|<br>\|<table" r.md
'

test_expect_success 'json: the same data under stable keys' '
	P report --format json >r.json &&
	json_get r.json "sorted(d.keys())" >keys &&
	grep -qx "\[.baseline., .current., .experiments., .generated., .goal., .loop., .metric., .report_version., .totals., .workflow_runs.\]" keys &&
	json_get r.json "d[\"metric\"] == \"wall\" and [e[\"bench\"][\"metric\"] for e in d[\"experiments\"]] == [\"wall\"] * 3 and d[\"totals\"][\"cumulative\"][\"metric\"] == \"wall\"" | grep -q True &&
	json_get r.json "[e[\"verdict\"] for e in d[\"experiments\"]] == [\"keep\", \"reject\", \"keep\"]" | grep -q True &&
	json_get r.json "[e[\"status\"] for e in d[\"experiments\"]] == [\"kept\", \"reverted\", \"kept\"]" | grep -q True &&
	json_get r.json "d[\"experiments\"][0][\"commit\"] == open(\"c1\").read().strip() and d[\"current\"][\"commit\"] == open(\"c3\").read().strip()" | grep -q True &&
	json_get r.json "d[\"experiments\"][1][\"bench\"][\"early_reject\"] and len(d[\"experiments\"][1][\"bench\"][\"a\"]) >= 1" | grep -q True &&
	json_get r.json "all(len(e[\"bench\"][\"a\"]) == len(e[\"bench\"][\"b\"]) == e[\"bench\"][\"pairs\"] for e in d[\"experiments\"])" | grep -q True &&
	json_get r.json "d[\"experiments\"][2][\"hotspots\"][0][\"symbol\"] == \"hot_loop\" and d[\"experiments\"][2][\"touched\"] == [\"hot_loop\"]" | grep -q True &&
	json_get r.json "d[\"baseline\"][\"time\"][\"runs\"] == len(d[\"experiments\"][0][\"bench\"][\"a\"]) and d[\"baseline\"][\"time\"][\"lo\"] <= d[\"baseline\"][\"time\"][\"median\"] <= d[\"baseline\"][\"time\"][\"hi\"]" | grep -q True &&
	json_get r.json "[w[\"dispatch_status\"] for w in d[\"workflow_runs\"]] == [\"skipped\", \"skipped\"] and d[\"workflow_runs\"][0][\"message\"] == \"no workflow to dispatch: set [github] workflow\" and d[\"workflow_runs\"][0][\"workflow\"] is None" | grep -q True &&
	json_get r.json "d[\"totals\"][\"kept\"] == 2 and d[\"totals\"][\"rejected\"] == 1" | grep -q True
'

test_expect_success 'json: the cumulative ratio composes the kept benches (sum of log-ratios)' '
	json_get r.json "__import__(\"math\").isclose(d[\"totals\"][\"cumulative\"][\"ratio\"], d[\"experiments\"][0][\"bench\"][\"ratio\"] * d[\"experiments\"][2][\"bench\"][\"ratio\"], rel_tol=1e-9)" | grep -q True &&
	json_get r.json "(lambda c: c[\"lo\"] < c[\"ratio\"] < c[\"hi\"] < 1 and abs(c[\"speedup\"] * c[\"ratio\"] - 1) < 1e-9)(d[\"totals\"][\"cumulative\"])" | grep -q True
'

test_expect_success '-o writes the file atomically; bad options are usage errors' '
	P report --format html -o "$TEST_DIR/report.html" 2>o.err &&
	grep -q "wrote the html report" o.err &&
	test -s report.html && ! ls -a | grep -q "\.report\.html\.tmp" &&
	expect_exit 129 P report --format pdf 2>err && grep -q "unknown format" err &&
	expect_exit 128 P report -o /nonexistent/dir/r.md 2>err && grep -q "cannot create a temporary file for" err
'

test_expect_success 'html: self-contained, escaped, three charts' '
	! grep -qi "<script\|<link\|@import\|url(\|src=" report.html &&
	grep -q "std::vector&lt;int&gt;::push_back(int&amp;&amp;) &amp; co" report.html &&
	! grep -q "vector<int>" report.html &&
	grep -q "<svg[^>]*id=\"chart-time\"" report.html &&
	grep -q "<svg[^>]*id=\"chart-runs\"" report.html &&
	grep -q "<svg[^>]*id=\"chart-hotspots\"" report.html
'

# Data points of each chart in the DOM Chromium built from the page.
cat >domlib.py <<'PY'
import json, re, sys
dom = open(sys.argv[1]).read()
d = json.load(open(sys.argv[2]))
def chart(name):
    m = re.search(r'<svg[^>]*id="chart-%s".*?</svg>' % name, dom, re.S)
    assert m, "no chart %s in the DOM" % name
    return m.group(0)
PY
cat >check_dom.py <<'PY'
import re
from domlib import chart, d
kept = sum(1 for e in d["experiments"] if e["status"] == "kept")
runs = sum(len(e["bench"]["a"]) + len(e["bench"]["b"]) for e in d["experiments"])
pts = lambda s: len(re.findall(r'<circle class="pt"', s))
assert pts(chart("time")) == 1 + kept, pts(chart("time"))
assert pts(chart("runs")) == runs, (pts(chart("runs")), runs)
assert len(re.findall(r'<rect class="bar"', chart("hotspots"))) == 3
for c in ("time", "runs", "hotspots"):
    assert re.search(r'<text[^>]*class="title"', chart(c)), "no axis title in " + c
    assert 'class="legend"' in chart(c), "no legend in " + c
assert "(ms)" in chart("time") and "percentage points" in chart("hotspots")
print("ok")
PY

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
chromium_run() { # chromium_run PROFILE-DIR ARGS... (stdout: page output; stderr: log)
	local dir=$1
	shift
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$dir" --enable-logging=stderr --v=0 "$@"
}
why=""
if [ -z "$CHROMIUM" ]; then
	why="chromium is not installed (scripts/install-deps installs it)"
elif ! chromium_run "$TEST_DIR/ud0" --dump-dom "data:text/html,<p>ok</p>" >probe.out 2>probe.err ||
	! grep -q "<p>ok</p>" probe.out; then
	why="chromium cannot start here: $(grep -m1 -i "error" probe.err)"
fi

if [ -n "$why" ]; then
	test_skip 'html in headless chromium' "$why"
else
	test_expect_success 'chromium reports console messages (the check can fail)' '
		printf "<!DOCTYPE html><p>x</p><script>undefined_function()</script>" >bad.html &&
		chromium_run "$TEST_DIR/ud1" --dump-dom "file://$TEST_DIR/bad.html" >/dev/null 2>bad.log &&
		grep -q ":CONSOLE.*Uncaught" bad.log
	'

	test_expect_success 'html in chromium: no console message, charts hold their data points' '
		chromium_run "$TEST_DIR/ud2" --dump-dom "file://$TEST_DIR/report.html" >dom.html 2>dom.log &&
		! grep ":CONSOLE\|Uncaught" dom.log &&
		python3 check_dom.py dom.html r.json
	'

	test_expect_success 'html in chromium: the screenshot shows the charts' '
		chromium_run "$TEST_DIR/ud3" --screenshot="$TEST_DIR/shot.png" --window-size=1200,2000 \
			"file://$TEST_DIR/report.html" >/dev/null 2>shot.log &&
		! grep ":CONSOLE" shot.log &&
		python3 "$SRC/t/helper/pngstat.py" shot.png >shot.txt &&
		cat shot.txt &&
		read -r w h colours blue vermillion <shot.txt &&
		test "$w" -eq 1200 && test "$h" -eq 2000 && test "$colours" -gt 50 &&
		test "$blue" -gt 200 && test "$vermillion" -gt 200 &&
		if [ -n "${PERFLOOP_SCREENSHOT:-}" ]; then cp shot.png "$PERFLOOP_SCREENSHOT"; fi
	'
fi

test_expect_success 'a bench without a stored interval: its se comes from its pairs' '
	python3 -c "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute(\"UPDATE benches SET ratio_lo = NULL, ratio_hi = NULL WHERE id = (SELECT bench_id FROM experiments WHERE id = 1)\"); db.commit()" "$LEDGER" &&
	P report --format json >np.json &&
	python3 - np.json <<-\PY &&
	import json, math, statistics, sys
	b = json.load(open(sys.argv[1]))["experiments"][0]["bench"]
	d = [math.log(y / x) for x, y in zip(b["a"], b["b"])]
	assert b["lo"] is None and b["df"] == len(d) - 1, b
	assert abs(b["se"] - statistics.stdev(d) / math.sqrt(len(d))) < 1e-12, b
	PY
	P report >np.md && grep_q "^| 1 | fewer iterations | .* | none, [0-9]* pairs | " np.md
'

# bench.metric = cpu from here on: the newest bench judges user+sys CPU time
cat >check_cpu.py <<'PY'
import json, sqlite3, statistics, sys
d = json.load(open(sys.argv[1]))
db = sqlite3.connect(sys.argv[2])
e = d["experiments"][3]
assert d["metric"] == "cpu" and e["bench"]["metric"] == "cpu", (d["metric"], e["bench"]["metric"])
assert [x["bench"]["metric"] for x in d["experiments"][:3]] == ["wall"] * 3
for side, key in (("A", "a"), ("B", "b")):
    want = [r[0] for r in db.execute("SELECT user + sys FROM runs WHERE bench_id = ? AND side = ? "
                                     "AND warmup = 0 ORDER BY seq", (e["bench"]["id"], side))]
    assert e["bench"][key] == want, (key, e["bench"][key], want)
art = db.execute("SELECT artifact_id FROM baselines WHERE id = (SELECT baseline_id FROM experiments "
                 "WHERE baseline_id IS NOT NULL ORDER BY id LIMIT 1)").fetchone()[0]
cpu = [r[0] for r in db.execute(
    "SELECT r.user + r.sys FROM runs r JOIN benches b ON b.id = r.bench_id WHERE b.kind = 'bench' "
    "AND r.warmup = 0 AND r.status = 0 AND ((r.side = 'A' AND b.baseline_artifact_id = ?1) OR "
    "(r.side = 'B' AND b.candidate_id = ?1))", (art,))]
assert abs(d["baseline"]["time"]["median"] - statistics.median(cpu)) < 1e-12, (d["baseline"], cpu)
assert d["totals"]["cumulative"]["metric"] == "wall"
print("ok")
PY

test_expect_success 'bench.metric = cpu: the report, log and show name the metric of each figure' '
	printf "[bench]\nmetric = cpu\n" >>work/perfloop.ini &&
	echo "#define ITERS 120000000ull" >"$WT/iters.h" &&
	expect_exit 1 P try -m "much more" --no-profile --json >t4.json &&
	P revert >/dev/null &&
	P report --format json >c.json && python3 check_cpu.py c.json "$LEDGER" &&
	P report >c.md &&
	grep_q "^User+sys CPU time: [0-9.]* ms at the baseline, [0-9.]* ms now (experiment 3): cpu ×0\.[0-9]* (-[0-9.]*%)\.$" c.md &&
	grep_q "^### User+sys CPU time$" c.md &&
	grep_q "^|  | commit | cpu median | interval of the median | runs |$" c.md &&
	grep_q "^| 1 | fewer iterations | .* | wall ×0\.[0-9]* (-[0-9.]*%) |" c.md &&
	grep_q "^| 4 | much more | .* | cpu ×[0-9.]* (+[0-9.]*%) | early reject after 1 pair |" c.md &&
	grep_q "^Cumulative wall speed-up of the 2 kept experiments: " c.md &&
	P log >log.txt && grep_q "^id  *started .* metric  *A median  *B median  *B/A  *verdict$" log.txt &&
	bid=$(json_get t4.json "d[\"bench\"][\"id\"]") &&
	grep_q "^$bid .* cpu  *[0-9.]*s  *[0-9.]*s  *[0-9.]*  *slower" log.txt &&
	P log --json >log.json &&
	json_get log.json "[(b[\"metric\"], b[\"median_a\"]) for b in d if b[\"id\"] == $bid][0]" >m &&
	grep_q "^(.cpu., " m &&
	P show "$bid" >show.txt &&
	grep_q "cpu median  *cpu min  *cpu max  *cpu CV wall median" show.txt &&
	grep_q "^B/A  *cpu median ratio [0-9.]*" show.txt &&
	grep_q "^  *wall  *median ratio [0-9.]*, mean ratio [0-9.]*" show.txt &&
	grep_q "^verdict  *slower (cpu)" show.txt &&
	P report --format html -o "$TEST_DIR/cpu.html" 2>/dev/null &&
	grep_q "user+sys CPU time (ms)" cpu.html &&
	grep_q "reject cpu ×" cpu.html && grep_q "keep, kept wall ×\|keep wall ×" cpu.html
'

cat >check_cpu_dom.py <<'PY'
import re
from domlib import chart, d
titles = lambda s: re.findall(r'<text[^>]*class="title"[^>]*>([^<]*)</text>', s)
assert any(t.startswith("user+sys CPU time (") for t in titles(chart("time"))), titles(chart("time"))
assert any(t.startswith("time of the verdict") for t in titles(chart("runs"))), titles(chart("runs"))
tips = re.findall(r'<circle class="pt"[^>]*><title>([^<]*)</title>', chart("runs"))
runs = sum(len(e["bench"]["a"]) + len(e["bench"]["b"]) for e in d["experiments"])
assert len(tips) == runs, (len(tips), runs)
cpu = len(d["experiments"][3]["bench"]["a"]) + len(d["experiments"][3]["bench"]["b"])
assert sum(1 for t in tips if ": cpu " in t) == cpu, tips
assert sum(1 for t in tips if ": wall " in t) == runs - cpu, tips
print("ok")
PY

if [ -n "$why" ]; then
	test_skip 'html in chromium with bench.metric = cpu' "$why"
else
	test_expect_success 'html in chromium: the charts plot and label the verdicts'"'"' metrics' '
		chromium_run "$TEST_DIR/ud4" --dump-dom "file://$TEST_DIR/cpu.html" >cdom.html 2>cdom.log &&
		! grep ":CONSOLE\|Uncaught" cdom.log &&
		python3 check_cpu_dom.py cdom.html c.json
	'
fi

test_done
