#!/bin/bash
# The GitHub layer (src/github/ through t/helper/gh-cli) against the stub:
# token discovery, request headers, workflow and PR lookup, the dispatch
# body, run filtering and progress, set-up from perfloop.ini and the remote.
. "$(dirname "$0")/lib.sh"
. "$SRC/t/lib-github.sh"

cat >stub.json <<'JSON'
{"owner": "o", "repo": "r", "login": "octocat",
 "workflows": [
  {"id": 5, "name": "CI", "path": ".github/workflows/ci.yml", "inputs": []},
  {"id": 6, "name": "Ecosystem Benchmark", "path": ".github/workflows/old-bench.yml",
   "inputs": ["pr"], "state": "disabled_manually"},
  {"id": 7, "name": "Ecosystem Benchmark", "path": ".github/workflows/ecosystem-benchmark.yml",
   "inputs": ["pr"], "required": ["pr"]},
  {"id": 8, "name": "Release", "path": ".github/workflows/release.yml", "inputs": []}],
 "pulls": [{"number": 42, "head": "perf-x"}, {"number": 43, "head": "perf-x", "owner": "fork"},
           {"number": 41, "head": "perf-old", "state": "closed"}],
 "runs": [
  {"workflow": 7, "event": "push", "head_branch": "main", "status": "in_progress", "created_offset": 5},
  {"workflow": 7, "event": "schedule", "head_branch": "main", "status": "queued", "created_offset": 5},
  {"workflow": 7, "event": "workflow_dispatch", "actor": "someone", "head_branch": "main",
   "status": "in_progress", "created_offset": 5},
  {"workflow": 7, "event": "workflow_dispatch", "head_branch": "main", "status": "completed",
   "conclusion": "failure", "created_offset": -3600}]}
JSON
make_origin || { echo "Bail out! cannot create the repositories"; exit 1; }

stub_start --config stub.json --bare "$TEST_DIR/origin.git" ||
	{ echo "Bail out! stub-github did not start"; exit 1; }
G() { gh_cli --api "$STUB_API" --repo o/r --retry-delay 0.001 "$@"; }

test_expect_success 'the token comes from GH_TOKEN, GITHUB_TOKEN, then gh auth token' '
	mkdir -p fakebin && printf "#!/bin/sh\ntest \"\$*\" = \"auth token\" && echo ghp_fromgh123\n" >fakebin/gh &&
	chmod +x fakebin/gh &&
	GITHUB_TOKEN=other gh_cli token-source >out && grep -q "^GH_TOKEN (" out &&
	(unset GH_TOKEN; GITHUB_TOKEN=other gh_cli token-source) >out && grep -q "^GITHUB_TOKEN (5 characters)" out &&
	(unset GH_TOKEN; GH_TOKEN="" GITHUB_TOKEN=" other2 " gh_cli token-source) >out &&
		grep -q "^GITHUB_TOKEN (6 characters)" out &&
	(unset GH_TOKEN; PATH="$TEST_DIR/fakebin:$PATH" gh_cli token-source) >out &&
		grep -q "^gh auth token (13 characters)" out &&
	(unset GH_TOKEN; PATH=/nonexistent:/usr/bin:/bin; expect_exit 1 gh_cli token-source) >out &&
		grep -q "^none" out &&
	mkdir -p nologin && printf "#!/bin/sh\necho not logged in >&2\nexit 1\n" >nologin/gh && chmod +x nologin/gh &&
	(unset GH_TOKEN; PATH="$TEST_DIR/nologin:/usr/bin:/bin"; expect_exit 1 gh_cli token-source) >out &&
		grep -q "^none" out &&
	! grep -q ghp_fromgh out
'

test_expect_success 'every request carries the token, the API version and a User-Agent' '
	G user >out && test "$(cat out)" = octocat &&
	stub_requests "[(r[\"auth\"], r[\"accept\"], r[\"api_version\"], r[\"user_agent\"].split(\"/\")[0]) for r in reqs]" >got &&
	grep -q "(.ok., .application/vnd.github+json., .2022-11-28., .perfloop.)" got &&
	! grep -q "none\|wrong" got
'

test_expect_success 'find-workflow by name prefers the active one; by file name; by path' '
	G find-workflow "Ecosystem Benchmark" >out && test "$(cat out)" = 7 &&
	G find-workflow ecosystem-benchmark.yml >out && test "$(cat out)" = 7 &&
	G find-workflow old-bench.yml >out && test "$(cat out)" = 6 &&
	G find-workflow .github/workflows/ci.yml >out && test "$(cat out)" = 5
'

test_expect_success 'find-workflow reads every page' '
	: >"$TEST_DIR/stub/requests.jsonl" &&
	G --per-page 1 find-workflow Release >out && test "$(cat out)" = 8 &&
	stub_requests "\"\\n\".join(r[\"target\"] for r in reqs)" >got &&
	for p in 1 2 3 4; do echo "/repos/o/r/actions/workflows?per_page=1&page=$p"; done >want &&
	diff want got
'

test_expect_success 'an unknown workflow is one line listing the workflows there are' '
	expect_exit 5 G find-workflow "Ecosystem Bench" 2>err &&
	test $(wc -l <err) -eq 1 &&
	grep -q "no workflow named .Ecosystem Bench. in .o/r. (it has .CI., .Ecosystem Benchmark., .Ecosystem Benchmark., .Release.); check \[github\] workflow" err
'

test_expect_success 'find-pr: the open PR whose head is owner:branch' '
	G find-pr perf-x >out && test "$(cat out)" = 42 &&
	expect_exit 1 G find-pr perf-old 2>err && grep -q "no open pull request" err &&
	expect_exit 1 G find-pr nope &&
	stub_requests "reqs[-1][\"target\"]" | grep -q "pulls?state=open&per_page=30&head=o%3Anope"
'

test_expect_success 'dispatch posts ref and inputs.pr to the workflow' '
	: >"$TEST_DIR/stub/requests.jsonl" &&
	G dispatch "Ecosystem Benchmark" main pr 42 >out &&
	grep -q "dispatched 7 on main" out &&
	stub_requests "json.dumps([(r[\"path\"], r[\"status\"], r[\"body\"], r[\"content_type\"]) for r in reqs if r[\"method\"] == \"POST\"], sort_keys=True)" >got &&
	echo "[[\"/repos/o/r/actions/workflows/7/dispatches\", 204, {\"inputs\": {\"pr\": \"42\"}, \"ref\": \"main\"}, \"application/json\"]]" >want &&
	diff want got
'

test_expect_success 'runs: only this dispatch, never the push or schedule run on main' '
	since=$(( $(date +%s) - 60 )) &&
	G dispatch 7 main pr 42 >/dev/null &&
	G runs 7 workflow_dispatch octocat $since >runs1 &&
	G runs 7 workflow_dispatch octocat $since >runs2 &&
	G runs 7 workflow_dispatch octocat $since >runs3 &&
	cat runs1 runs2 runs3 &&
	test $(wc -l <runs1) -eq 2 &&
	! grep -v " workflow_dispatch octocat main " runs1 &&
	head -1 runs1 | grep -q "queued -" &&
	head -1 runs2 | grep -q "in_progress -" &&
	head -1 runs3 | grep -q "completed success" &&
	grep -q "https://github.com/o/r/actions/runs/" runs3 &&
	stub_requests "reqs[-1][\"target\"]" >target &&
	grep -q "runs?event=workflow_dispatch&actor=octocat&created=%3E%3D20[0-9-]*T[0-9]*%3A[0-9]*%3A[0-9]*Z&per_page=100&page=1" target
'

test_expect_success 'runs: without a since or actor filter the others show' '
	G runs 7 - - 0 >all &&
	grep -q " push octocat main" all && grep -q " schedule " all &&
	grep -q "workflow_dispatch someone" all && grep -q "completed failure" all
'

stub_stop
mv stub/requests.jsonl stub/requests-1.jsonl
stub_start --config stub.json --bare "$TEST_DIR/origin.git" --no-run-filter ||
	{ echo "Bail out! stub-github did not restart"; exit 1; }

test_expect_success 'runs: the client filters even when the server ignores the filter' '
	since=$(( $(date +%s) - 60 )) &&
	G dispatch 7 main pr 42 >/dev/null &&
	G runs 7 workflow_dispatch octocat $since >runs &&
	cat runs &&
	test $(wc -l <runs) -eq 1 &&
	grep -q "queued - workflow_dispatch octocat main" runs
'

test_expect_success 'set-up from perfloop.ini: owner/repo from the remote URL, api and knobs from [github]' '
	git -C work remote set-url origin git@github.com:o/r.git &&
	printf "[github]\napi = %s\nretries = 1\nretry-delay = 0.001\n" "$STUB_API" >work/perfloop.ini &&
	(cd work && gh_cli -c perfloop.ini user) >out && test "$(cat out)" = octocat &&
	git -C work remote set-url origin https://x-access:ghp_inurl123@github.com/o/nope.git &&
	(cd work && expect_exit 5 gh_cli -c perfloop.ini find-workflow CI) 2>err &&
	grep -q "repository .o/nope. not found" err &&
	printf "repo = o/r\n" >>work/perfloop.ini &&
	(cd work && gh_cli -c perfloop.ini find-workflow CI) >out && test "$(cat out)" = 5
'

test_expect_success 'set-up refuses a remote that is not GitHub, and no token, in one line' '
	git -C work remote set-url origin "https://u:ghp_inurl123@example.com" &&
	printf "[github]\napi = %s\n" "$STUB_API" >work/perfloop.ini &&
	(cd work && expect_exit 5 gh_cli -c perfloop.ini user) 2>err &&
	test $(wc -l <err) -eq 1 &&
	grep -q "does not name a GitHub repository; set \[github\] repo = OWNER/NAME" err &&
	! grep -q ghp_inurl123 err && grep -q "https://\*\*\*@example.com" err &&
	printf "[github]\nremote = upstream\n" >work/perfloop.ini &&
	(cd work && expect_exit 5 gh_cli -c perfloop.ini user) 2>err &&
	grep -q "cannot read the URL of git remote .upstream." err &&
	printf "[github]\nrepo = o/r\napi = %s\n" "$STUB_API" >work/perfloop.ini &&
	(unset GH_TOKEN; PATH=/usr/bin:/bin; cd work && expect_exit 5 gh_cli -c perfloop.ini user) 2>err &&
	grep -q "no GitHub token: set GH_TOKEN or GITHUB_TOKEN" err &&
	printf "[github]\nrepo = o/r/x\n" >work/perfloop.ini &&
	(cd work && expect_exit 5 gh_cli -c perfloop.ini user) 2>err &&
	grep -q "bad value for .github.repo.: .o/r/x. is not OWNER/NAME" err
'

test_expect_success 'a remote that is not GitHub and no token: both said, no secret from the URL' '
	git -C work remote set-url origin "https://example.com/ghp_pathTOKEN0123456789/o/r?access_token=s3cr3tQ" &&
	printf "[github]\napi = %s\n" "$STUB_API" >work/perfloop.ini &&
	(unset GH_TOKEN; PATH=/usr/bin:/bin; cd work && expect_exit 5 gh_cli -c perfloop.ini user) 2>err &&
	cat err && test $(wc -l <err) -eq 1 &&
	grep -q "does not name a GitHub repository; set \[github\] repo = OWNER/NAME; and no GitHub token: set GH_TOKEN" err &&
	grep -q "https://example.com/\*\*\*/o/r?\*\*\*" err &&
	! grep -q "ghp_pathTOKEN\|s3cr3tQ\|access_token" err
'

test_expect_success 'github.com/OWNER/NAME/more/path names OWNER/NAME' '
	git -C work remote set-url origin https://github.com/o/r/extra/path &&
	printf "[github]\napi = %s\n" "$STUB_API" >work/perfloop.ini &&
	(cd work && gh_cli -c perfloop.ini find-workflow CI) >out && test "$(cat out)" = 5
'

test_expect_success 'help config lists the [github] keys' '
	"$PERFLOOP" help config | sed -n "/^\[github\]/,/^\[/p" >out &&
	for k in api remote repo workflow input pr ref timeout retries retry-delay retry-max clock-skew; do
		grep -q "^  $k = " out || die_test "github.$k missing" || return 1
	done
'

stub_stop

test_expect_success 'the stub shut down cleanly on SIGTERM' '
	test "$(cat stub/exit)" = 0
'

test_expect_success 'no token text in any output, record or log' '
	ls stub/ && test -s stub/requests-1.jsonl && no_token_leak
'

test_done
