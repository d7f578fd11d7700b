#!/bin/bash
# GitHub failures, each one clear line naming the request and what to do:
# 401, 403, 404, 422, network errors; 5xx, dropped connections and rate
# limits retried with backoff (bounded); oversized bodies refused; the token
# never shown, even when the server echoes it.
. "$(dirname "$0")/lib.sh"
. "$SRC/t/lib-github.sh"

cat >stub.json <<'JSON'
{"owner": "o", "repo": "r", "login": "octocat",
 "workflows": [
  {"id": 7, "name": "Ecosystem Benchmark", "path": ".github/workflows/ecosystem-benchmark.yml",
   "inputs": ["pr"]},
  {"id": 9, "name": "No Inputs", "path": ".github/workflows/plain.yml", "inputs": []}]}
JSON
make_origin || { echo "Bail out! cannot create the repositories"; exit 1; }

stub_start --config stub.json --bare "$TEST_DIR/origin.git" ||
	{ echo "Bail out! stub-github did not start"; exit 1; }
G() { gh_cli --api "$STUB_API" --repo o/r --retry-delay 0.001 --stats "$@"; }
DISPATCH="POST /repos/o/r/actions/workflows/*/dispatches"
# how many requests the stub got for a path (glob)
count() { stub_requests "len([r for r in reqs if __import__(\"fnmatch\").fnmatch(r[\"path\"], \"$1\")])"; }
gh_with_token() { local GH_TOKEN=$1; shift; gh_cli "$@"; }
one_line() { test "$(grep -vc "^requests " "$1")" -eq 1 || { cat "$1" >&2; return 1; }; }

test_expect_success '401: the token is rejected, naming where it came from' '
	stub_fail "GET /user=401" &&
	expect_exit 5 G user 2>err && one_line err &&
	grep -q "^error: GitHub rejected the token from GH_TOKEN (401 on GET /user: Bad credentials): it is invalid or expired; use a token with the repo and workflow scopes" err
'

test_expect_success '401 without a token says how to set one' '
	stub_fail &&
	expect_exit 5 G --no-token user 2>err && one_line err &&
	grep -q "^error: GitHub needs a token (401 on GET /user): set GH_TOKEN or GITHUB_TOKEN" err &&
	stub_requests "reqs[-1][\"auth\"]" | grep -qx none
'

test_expect_success 'a wrong token is sent as given and refused' '
	expect_exit 5 gh_with_token ghp_wrongwrong --api "$STUB_API" --repo o/r user 2>err &&
	stub_requests "reqs[-1][\"auth\"]" | grep -qx wrong &&
	! grep -q ghp_wrongwrong err
'

test_expect_success '403: names the scopes the call needs and the token has' '
	stub_fail "$DISPATCH=403" &&
	expect_exit 5 G dispatch 7 main pr 42 2>err && one_line err &&
	grep -q "^error: GitHub refused POST /repos/o/r/actions/workflows/7/dispatches (403: Resource not accessible by personal access token): the token from GH_TOKEN lacks a scope or access to repository .o/r.; it needs repo (it has: read:org)" err
'

test_expect_success '404: a missing repository is named' '
	stub_fail &&
	expect_exit 5 gh_cli --api "$STUB_API" --repo o/nope find-workflow x 2>err && one_line err &&
	grep -q "^error: GitHub: repository .o/nope. not found (404 on GET /repos/o/nope/actions/workflows); check the name and that the token can see it" err
'

test_expect_success '404: a missing workflow is named' '
	expect_exit 5 G dispatch 999 main pr 42 2>err && one_line err &&
	grep -q "^error: GitHub: workflow 999 in .o/r. not found (404 on POST /repos/o/r/actions/workflows/999/dispatches)" err
'

test_expect_success '422: a workflow without the input gets GitHub'"'"'s message' '
	: >stub/requests.jsonl &&
	expect_exit 5 G dispatch "No Inputs" main pr 42 2>err && one_line err &&
	grep -q "^error: GitHub rejected POST /repos/o/r/actions/workflows/9/dispatches as invalid (422: Unexpected inputs provided: \[\"pr\"\]); check \[github\] input and ref" err &&
	expect_exit 5 G dispatch 7 no-such-branch pr 42 2>err && one_line err &&
	grep -q "(422: No ref found for: no-such-branch)" err &&
	test "$(count "/repos/o/r/actions/workflows/*/dispatches")" -eq 2
'

test_expect_success '500 then 200: the dispatch is retried and succeeds' '
	: >stub/requests.jsonl &&
	stub_fail "$DISPATCH=500,200" &&
	G dispatch 7 main pr 42 >out 2>err &&
	grep -q "dispatched 7" out && grep -q "requests 2 retried 1" err &&
	stub_requests "[r[\"status\"] for r in reqs]" | grep -qx "\[500, 204\]"
'

test_expect_success 'persistent 502: bounded retries, then one line with the count' '
	: >stub/requests.jsonl &&
	stub_fail "$DISPATCH=502,502,502,502,502,502" &&
	expect_exit 5 G --retries 2 dispatch 7 main pr 42 2>err && one_line err &&
	grep -q "^error: GitHub server error (502 on POST /repos/o/r/actions/workflows/7/dispatches: Server Error) after 3 attempts; try again later" err &&
	test "$(count "*")" -eq 3
'

test_expect_success 'rate limits: 429 with Retry-After, secondary, x-ratelimit-remaining: 0 are retried' '
	: >stub/requests.jsonl &&
	stub_fail "GET /user=429:0,secondary,ratelimit,200" &&
	G user >out 2>err && test "$(cat out)" = octocat &&
	grep -q "requests 4 retried 3" err &&
	stub_requests "[r[\"status\"] for r in reqs]" | grep -qx "\[429, 403, 403, 200\]"
'

test_expect_success 'a rate limit asking for longer than retry-max fails at once' '
	: >stub/requests.jsonl &&
	stub_fail "GET /user=429:3600" &&
	expect_exit 5 G user 2>err && one_line err &&
	grep -q "^error: GitHub rate limit (429 on GET /user: You have exceeded a secondary rate limit.); GitHub asks to wait 3600 s (github.retry-max is 60 s); try again later" err &&
	test "$(count "*")" -eq 1
'

test_expect_success 'a plain 403 is not mistaken for a rate limit (no retry)' '
	: >stub/requests.jsonl &&
	stub_fail "GET /user=403" &&
	expect_exit 5 G user 2>err && grep -q "requests 1 retried 0" err
'

test_expect_success 'a dropped connection is retried' '
	: >stub/requests.jsonl &&
	stub_fail "GET /user=drop,200" &&
	G user >out 2>err && test "$(cat out)" = octocat && grep -q "requests 2 retried 1" err
'

test_expect_success 'a request past github.timeout is retried, then one line' '
	: >stub/requests.jsonl &&
	stub_fail "GET /user=hang:1,hang:1" &&
	expect_exit 5 G --timeout 0.2 --retries 1 user 2>err && one_line err &&
	grep -q "^error: cannot reach 127.0.0.1 (GET /user): .*[Tt]imed out.* after 2 attempts; check the network" err &&
	grep -q "requests 2 retried 1" err
'

test_expect_success 'find-workflow also takes the numeric id' '
	G find-workflow 9 >out && test "$(cat out)" = 9 &&
	expect_exit 5 G find-workflow 99 2>err && grep -q "no workflow named .99." err
'

test_expect_success 'a connection refused names the host, once, without retrying' '
	port=$(python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])") &&
	expect_exit 5 gh_cli --api "http://127.0.0.1:$port" --repo o/r --stats user 2>err &&
	one_line err &&
	grep -q "^error: cannot reach 127.0.0.1 (GET /user): .*; check the network, the proxy settings and github.api" err &&
	grep -q "requests 1 retried 0" err
'

test_expect_success 'a token echoed back by the server is scrubbed from the message' '
	stub_fail "GET /user=echo" &&
	expect_exit 5 G user 2>err && one_line err &&
	grep -q "Bad credentials: got .Bearer <token>." err
'

test_expect_success 'an oversized response is refused' '
	stub_fail "GET /user=big" &&
	expect_exit 5 G --max-body 100000 user 2>err && one_line err &&
	grep -q "^error: GitHub.s response to GET /user is larger than 100000 bytes (the limit); refusing it" err
'

test_expect_success 'plain http is refused for anything but loopback' '
	expect_exit 5 gh_cli --api http://github.example.com --repo o/r user 2>err &&
	grep -q "the token would travel unencrypted" err
'

stub_stop

test_expect_success 'the stub shut down cleanly on SIGTERM' '
	test "$(cat stub/exit)" = 0
'

test_expect_success 'no token text in any output, record or log' '
	test -s stub/requests.jsonl && no_token_leak
'

test_done
