#!/bin/bash
# The loop end to end on a real git repository with a bare origin and a stub
# GitHub: start -> build -> baseline -> try good -> keep (pushed, dispatched)
# -> try bad (early reject) -> revert -> try neutral -> status; refusals of
# start; sync with and without conflict; the API push fallback and adopt.
# The verdicts judge the harness metric work (the library's ITERS with seeded
# noise), so that load on the machine cannot change them.
. "$(dirname "$0")/lib.sh"
. "$SRC/t/lib-loop.sh"
. "$SRC/t/lib-github.sh"

cat >stub.json <<'JSON'
{"owner": "o", "repo": "r", "login": "octocat",
 "workflows": [{"id": 7, "name": "Ecosystem Benchmark",
                "path": ".github/workflows/ecosystem-benchmark.yml", "inputs": ["pr"]}],
 "pulls": [{"number": 42, "head": "perf/loop"}]}
JSON
loop_repo 120000000

stub_start --config stub.json --bare "$TEST_DIR/origin.git" ||
	{ echo "Bail out! stub-github did not start"; exit 1; }

loop_ini 12 work
cat >>work/perfloop.ini <<INI
[validate]
command = test -f lib.c
[github]
api = $STUB_API
repo = o/r
workflow = Ecosystem Benchmark
retry-delay = 0.01
INI
# the same change: equal diffs once the index lines (blob ids) are set aside
test_cmp_diff() { diff <(grep -v "^index " "$1") <(grep -v "^index " "$2"); }

test_expect_success 'start creates the worktree, its ini and state, excluded from git' '
	(cd work && "$PERFLOOP" start perf/loop >../start.out) &&
	grep -q "loop ready: branch perf/loop" start.out &&
	test -d "$WT/.perfloop" && test -f "$WT/perfloop.ini" &&
	test "$(git -C "$WT" rev-parse --abbrev-ref HEAD)" = perf/loop &&
	test "$(git -C "$WT" rev-parse HEAD)" = "$(git -C work rev-parse origin/main)" &&
	test -z "$(git -C "$WT" status --porcelain)" &&
	P status --json >st.json &&
	json_get st.json "d[\"branch\"] == \"perf/loop\" and d[\"baseline\"] is None" | grep -q True
'

test_expect_success 'start refuses a branch checked out elsewhere; a taken dir gets -2' '
	(cd work && expect_exit 128 "$PERFLOOP" start perf/loop 2>../err) &&
	grep -q "is checked out at .$WT." err &&
	(cd work && "$PERFLOOP" start perf/other >/dev/null) &&
	test -d "$WT-2" &&
	git -C work worktree remove --force "$WT-2"
'

test_expect_success 'start refuses a branch with uncommitted changes checked out' '
	git -C work checkout -q -b busy && echo dirty >>work/README &&
	(cd work && expect_exit 128 "$PERFLOOP" start busy 2>../err) &&
	grep -q "uncommitted changes" err &&
	git -C work checkout -q README && git -C work checkout -q main
'

test_expect_success 'build records the artifact; baseline save makes it the loop baseline' '
	P build --json >build.json && test -f "$WT/build/libwork.so" &&
	json_get build.json "len(d[\"hash\"]) == 32 and d[\"artifact\"].endswith(\"build/libwork.so\") and d[\"log\"].endswith(\".log\")" | grep -q True &&
	P baseline save >/dev/null &&
	P status --json >st.json &&
	json_get st.json "d[\"baseline\"] is not None" | grep -q True
'

test_expect_success 'a failing build prints its log tail' '
	cp "$WT/lib.c" lib.keep && echo "syntax error here" >>"$WT/lib.c" &&
	expect_exit 3 P build 2>err && grep -q "build failed with exit status" err &&
	grep -q "full log: .*build-" err && grep -q "error" err &&
	cp lib.keep "$WT/lib.c"
'

test_expect_success 'try: a good change is kept (exit 0), with its hotspot diff' '
	echo "#define ITERS 80000000ull" >"$WT/iters.h" &&
	sed -i "s/unsigned long long x = 1;/unsigned long long x = 1; \/* state *\//" "$WT/lib.c" &&
	P try -m "fewer iterations" --json >try.json 2>try.err &&
	json_get try.json "d[\"verdict\"]" | grep -qx keep &&
	if perf record -q -o perf-probe.data true 2>/dev/null; then
		json_get try.json "d[\"profile_path\"].endswith(\".perf.data\") and d[\"hotspots\"][0][\"symbol\"] == \"hot_loop\" and d[\"hotspots\"][0][\"touched\"]" | grep -q True ||
			{ json_get try.json "d[\"hotspots\"][:3], d[\"profile_path\"]"; cat try.err; false; }
	else
		echo "perf cannot record here: no hotspot diff checked"
	fi
'

test_expect_success 'keep commits with the template, pushes, dispatches for the PR' '
	: >stub/requests.jsonl &&
	P keep --json >keep.json &&
	json_get keep.json "d[\"pushed\"] == \"git\" and d[\"dispatch\"] == \"sent\" and d[\"pr\"] == 42" | grep -q True &&
	git -C "$WT" log -1 --format=%s >subject &&
	grep -qx "refactor(perf): fewer iterations" subject &&
	test "$(git --git-dir=origin.git rev-parse perf/loop)" = "$(git -C "$WT" rev-parse HEAD)" &&
	stub_requests "[r[\"body\"] for r in reqs if r[\"method\"] == \"POST\" and r[\"path\"].endswith(\"/dispatches\")]" >body &&
	stub_requests "[r[\"body\"] for r in reqs if r[\"path\"].endswith(\"/dispatches\")][0] == {\"ref\": \"main\", \"inputs\": {\"pr\": \"42\"}}" | grep -q True &&
	test -z "$(git -C "$WT" status --porcelain --untracked-files=no)" &&
	! git -C "$WT" ls-files --error-unmatch build/libwork.so 2>/dev/null
'

test_expect_success 'keep refuses a diff without a keep verdict' '
	echo "// unrelated" >>"$WT/lib.c" &&
	expect_exit 128 P keep -m x 2>err && grep -q "has no verdict" err &&
	git -C "$WT" checkout -q lib.c
'

test_expect_success 'try: a much worse change is rejected after one pair (exit 1)' '
	echo "#define ITERS 300000000ull" >"$WT/iters.h" &&
	expect_exit 1 P try -m "more work" --no-profile --json >bad.json &&
	json_get bad.json "d[\"verdict\"] == \"reject\" and d[\"bench\"][\"early_reject\"] and d[\"bench\"][\"pairs\"] == 1" | grep -q True
'

test_expect_success 'revert restores HEAD and keeps the patch' '
	P revert --json >rev.json && test -f "$WT/build/libwork.so" &&
	json_get rev.json "d[\"experiment\"] == $(json_get bad.json "d[\"experiment\"]")" | grep -q True &&
	test -z "$(git -C "$WT" status --porcelain --untracked-files=no)" &&
	id=$(json_get bad.json "d[\"experiment\"]") &&
	P patch "$id" >saved.patch && grep -q "300000000" saved.patch
'

test_expect_success 'try: a neutral change is never kept' '
	sed -i "s|/\* the work \*/|/* the work, unchanged */|" "$WT/lib.c" &&
	P try -m "comment" --no-profile --json >neutral.json; rc=$?
	test $rc -eq 1 -o $rc -eq 2 &&
	json_get neutral.json "d[\"verdict\"] in (\"reject\", \"inconclusive\")" | grep -q True &&
	P revert >/dev/null
'

# the LCG step moved into an always-inline function: the diff touches
# lcg_step, which never shows in a profile, and hot_loop, which does
inline_step() {
	sed -i -e "s/x = x \* 6364136223846793005ull + 1442695040888963407ull;/x = lcg_step(x);/" \
		-e "s/^__attribute__((noinline)) unsigned long long hot_loop/static inline __attribute__((always_inline)) unsigned long long lcg_step(unsigned long long x)\n{\n\treturn x * 6364136223846793005ull + 1442695040888963407ull;\n}\n\n&/" \
		"$WT/lib.c"
}

test_expect_success 'try names the touched functions in neither profile, and profile.runs' '
	if ! perf record -q -o perf-probe.data true 2>/dev/null; then
		echo "perf cannot record here: not checked"; return 0
	fi
	inline_step && grep -q "return lcg_step\|x = lcg_step(x);" "$WT/lib.c" &&
	# no early reject: the profile must be taken whatever one pair says
	printf "[bench]\nreject = 1000%%\n" >>"$WT/perfloop.ini" &&
	{ P try -m "inline step" --runs 1 >inl.out 2>inl.err || test $? -le 2; } &&
	grep_q "touched functions: \[\"lcg_step\",\"hot_loop\"\]" inl.err &&
	grep_q "^touched function lcg_step not in either profile: inlined into callers, or too little time to be sampled$" inl.out &&
	grep_q "hot_loop  \[touched\]" inl.out &&
	! grep "lcg_step  \[touched\]" inl.out &&
	# [profile] runs: both sides over 2 runs; the 1-run baseline profile is said and redone
	printf "[profile]\nruns = 2\n" >>"$WT/perfloop.ini" &&
	{ P try -m "inline step" --runs 1 --json >inl.json 2>inl2.err || test $? -le 2; } &&
	json_get inl.json "d[\"touched_not_found\"] == [\"lcg_step\"] and d[\"touched\"] == [\"lcg_step\", \"hot_loop\"]" | grep -q True &&
	json_get inl.json "d[\"touched_not_found_hint\"]" >hint &&
	grep_q "^not in either profile: inlined into callers, or too little time to be sampled$" hint &&
	json_get inl.json "d[\"profile_runs\"]" | grep -qx 2 &&
	json_get inl.json "[r[\"touched\"] for r in d[\"hotspots\"] if r[\"symbol\"] == \"hot_loop\"]" | grep -qx "\[True\]" &&
	grep_q "the baseline.s profile [0-9]* covers 1 harness run, not profile.runs = 2: profiling the baseline again" inl2.err &&
	P profile --list --json >pl.json &&
	json_get pl.json "[p[\"runs\"] for p in d[:2]]" | grep -qx "\[2, 2\]" &&
	if json_get inl.json "d[\"time\"]" | grep -qx same; then
		json_get inl.json "d[\"reason\"]" | grep -q "not in either profile: lcg_step"
	fi &&
	sed -i "/^\[bench\]\$/,\$d" "$WT/perfloop.ini" &&
	P revert >/dev/null && ! grep -q lcg_step "$WT/lib.c"
'

test_expect_success 'status says where the loop is and what to do next' '
	P status >status.out &&
	grep -q "^branch *perf/loop" status.out && grep -q "^baseline *.kept-" status.out &&
	grep -q "^last *experiment" status.out && grep -q "^next" status.out
'

test_expect_success 'sync rebases on origin/main' '
	git clone -q origin.git other 2>/dev/null &&
	(cd other && echo more >>README && git commit -qam "main moves" && git push -q origin main) &&
	P sync >sync.out && grep -q "rebased perf/loop on origin/main" sync.out &&
	git -C "$WT" log --format=%s | grep -q "main moves"
'

test_expect_success 'sync stops on a conflict, leaving git state and advice' '
	(cd other && git pull -q && echo "#define ITERS 1ull" >iters.h && git commit -qam "conflict" && git push -q origin main) &&
	expect_exit 3 P sync 2>err && grep -q "git rebase --continue" err &&
	test -d "$(git -C "$WT" rev-parse --git-path rebase-merge)" &&
	git -C "$WT" rebase --abort
'

test_expect_success 'keep falls back to the Git Data API when git push fails, then dispatches' '
	git -C "$WT" remote set-url --push origin http://127.0.0.1:9/nowhere.git &&
	echo "#define ITERS 60000000ull" >"$WT/iters.h" &&
	{ P try -m "even fewer" --no-profile --json >t3.json || { cat t3.json; false; }; } &&
	: >stub/requests.jsonl &&
	old=$(git --git-dir=origin.git rev-parse perf/loop) &&
	P keep --json >keep2.json 2>keep2.err &&
	json_get keep2.json "d[\"pushed\"] == \"api\" and d[\"dispatch\"] == \"sent\"" | grep -q True &&
	remote=$(json_get keep2.json "d[\"remote_commit\"]") &&
	test "$(git --git-dir=origin.git rev-parse perf/loop)" = "$remote" &&
	test "$(git --git-dir=origin.git rev-parse "$remote^")" = "$old" &&
	git --git-dir=origin.git diff "$old" "$remote" >remote.diff &&
	git -C "$WT" diff HEAD^ HEAD >local.diff &&
	test_cmp_diff local.diff remote.diff &&
	stub_requests "\" \".join(r[\"method\"] + r[\"path\"] for r in reqs)" >calls &&
	grep -q "POST/repos/o/r/git/blobs" calls && grep -q "POST/repos/o/r/git/trees" calls &&
	grep -q "POST/repos/o/r/git/commits" calls && grep -q "PATCH/repos/o/r/git/refs/heads/perf/loop" calls &&
	grep -q "dispatches" calls &&
	P status >st.out && grep -q "pushed through the GitHub API" st.out
'

test_expect_success 'sync after the fallback: files compared with the PR branch, then adopted' '
	git -C "$WT" reset -q --soft HEAD^ &&
	P sync >s1.out && grep -q "committed remotely: iters.h" s1.out &&
	P sync --adopt >s2.out && grep -q "adopted" s2.out &&
	test "$(git -C "$WT" rev-parse HEAD)" = "$(git --git-dir=origin.git rev-parse perf/loop)" &&
	test -z "$(git -C "$WT" status --porcelain --untracked-files=no)" &&
	P status --json >st.json && json_get st.json "d[\"remote_only\"]" | grep -q False
'

test_expect_success 'runs lists the dispatched runs and waits for them' '
	P runs --wait --interval 0.2 --timeout 60 --json >runs.json &&
	json_get runs.json "len(d) >= 2 and all(r[\"status\"] == \"completed\" for r in d)" | grep -q True
'

test_expect_success 'try: an experiment whose perfloop was killed is abandoned, not current' '
	cat >hang.sh <<-EOF &&
	echo \$\$ >"$TEST_DIR/hang.pid"
	: >"$TEST_DIR/hanging"
	exec sleep 120
	EOF
	# the worktree includes the settings of work/perfloop.ini
	cp work/perfloop.ini ini.bak &&
	sed -i "s|^command = test -f lib.c\$|command = sh $TEST_DIR/hang.sh|" work/perfloop.ini &&
	grep -q "hang.sh" work/perfloop.ini &&
	echo "/* killed */" >>"$WT/lib.c" || return 1
	# exec: $! is perfloop itself, which kill -9 must hit
	(cd "$WT" && exec "$PERFLOOP" try -m "killed mid-try" >/dev/null 2>&1) &
	pid=$! &&
	for i in $(seq 600); do test -f hanging || ! kill -0 $pid 2>/dev/null && break; sleep 0.1; done &&
	test -f hanging &&
	P status --json >live.json &&
	kill -9 $pid && { wait $pid; true; } &&
	cp ini.bak work/perfloop.ini &&
	P status --json >st.json && P status >st.out &&
	P report --format md >report.md &&
	json_get live.json "d[\"last_experiment\"][\"status\"]" | grep -qx validating &&
	json_get st.json "d[\"last_experiment\"][\"status\"]" | grep -qx abandoned &&
	grep -q "^last *experiment [0-9]* \"killed mid-try\": abandoned$" st.out &&
	grep -q "abandoned" report.md; rc=$?
	kill $(cat hang.pid) 2>/dev/null
	cp ini.bak work/perfloop.ini
	git -C "$WT" checkout -q lib.c
	test $rc -eq 0
'

test_expect_success 'no token text anywhere' '
	no_token_leak
'

stub_stop
test_done
