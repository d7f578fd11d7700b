#!/bin/bash
# The push fallback through the Git Data API, against the stub backed by a
# real bare repository: blobs -> tree on the remote head -> commit -> ref
# (never forced), the same tree as the local commit, non-fast-forwards
# refused, then the dispatch; and the contents API blob hashes that `sync`
# compares with `git hash-object`.
. "$(dirname "$0")/lib.sh"
. "$SRC/t/lib-github.sh"

cat >stub.json <<'JSON'
{"owner": "o", "repo": "r", "login": "octocat",
 "workflows": [{"id": 7, "name": "Ecosystem Benchmark",
                "path": ".github/workflows/ecosystem-benchmark.yml", "inputs": ["pr"]}],
 "pulls": [{"number": 42, "head": "perf/x"}]}
JSON
git init -q --bare origin.git
git clone -q origin.git work 2>/dev/null
(
	cd work &&
	echo "first line" >a.txt && echo "old" >old.txt && mkdir -p src && echo "int x;" >src/x.c &&
	git add . && git commit -qm init && git push -q origin HEAD:main &&
	git checkout -q -b perf/x && echo "second" >>a.txt && git commit -qam "perf: base" &&
	git push -q -u origin perf/x 2>/dev/null
) || { echo "Bail out! cannot set up the repositories"; exit 1; }

stub_start --config stub.json --bare "$TEST_DIR/origin.git" ||
	{ echo "Bail out! stub-github did not start"; exit 1; }
q="'"
G() { gh_cli --api "$STUB_API" --repo o/r --retry-delay 0.001 "$@"; }

# Arguments for gh-cli push-files describing what commit $1 changed (from
# git's objects, modes included): what `keep` does when `git push` fails.
push_args() {
	local c=$1 n=0 status path mode
	mkdir -p blobs
	git -C work diff-tree -r --no-commit-id --name-status "$c^" "$c" | while read -r status path; do
		n=$((n + 1))
		if [ "$status" = D ]; then
			echo "-$path"
		else
			mode=$(git -C work ls-tree "$c" -- "$path" | cut -d" " -f1)
			git -C work cat-file blob "$c:$path" >"blobs/$n"
			echo "$path@$mode=blobs/$n"
		fi
	done
}

test_expect_success 'setup: a local commit that git push cannot deliver' '
	(
		cd work &&
		echo "third" >>a.txt && git rm -q old.txt &&
		printf "int y(void) { return 1; }\n" >src/new.c &&
		printf "#!/bin/sh\necho hi\n" >run.sh && chmod +x run.sh &&
		ln -s src/new.c link.c &&
		printf "bin\000ary\377\n" >data.bin &&
		git add -A && git commit -qm "refactor(core): cache the lookup" &&
		expect_exit 128 git push -q http://127.0.0.1:9/o/r.git perf/x 2>/dev/null
	) &&
	git -C work diff-tree -r --name-status HEAD^ HEAD >changed && cat changed &&
	test $(wc -l <changed) -eq 6
'

test_expect_success 'push-files: blobs, tree on the remote head, commit, ref update, then dispatch' '
	: >stub/requests.jsonl &&
	old=$(git --git-dir=origin.git rev-parse perf/x) &&
	test "$old" = "$(git -C work rev-parse origin/perf/x)" &&
	msg=$(git -C work log -1 --format=%B) &&
	push_args HEAD >args && cat args &&
	G push-files perf/x "$old" "$msg" $(cat args) >new &&
	new=$(cat new) &&
	test "$(git --git-dir=origin.git rev-parse perf/x)" = "$new" &&
	test "$(git --git-dir=origin.git rev-parse "$new^")" = "$old" &&
	test "$(git --git-dir=origin.git rev-parse "$new^{tree}")" = "$(git -C work rev-parse "HEAD^{tree}")" &&
	git --git-dir=origin.git log -1 --format="%an <%ae>|%s" "$new" >meta &&
	grep -qx "perfloop test <test@perfloop.invalid>|refactor(core): cache the lookup" meta &&
	G dispatch "Ecosystem Benchmark" main pr 42 >/dev/null &&
	stub_requests "\"\\n\".join(r[\"method\"] + \" \" + r[\"path\"] for r in reqs)" >calls &&
	cat >want <<-\EOF &&
	GET /repos/o/r/git/ref/heads/perf/x
	GET /repos/o/r/git/commits/OLD
	POST /repos/o/r/git/blobs
	POST /repos/o/r/git/blobs
	POST /repos/o/r/git/blobs
	POST /repos/o/r/git/blobs
	POST /repos/o/r/git/blobs
	POST /repos/o/r/git/trees
	POST /repos/o/r/git/commits
	PATCH /repos/o/r/git/refs/heads/perf/x
	GET /repos/o/r/actions/workflows
	POST /repos/o/r/actions/workflows/7/dispatches
	EOF
	sed "s/OLD/$old/" want >want2 && diff want2 calls &&
	stub_requests "[r[\"body\"] for r in reqs if r[\"method\"] == \"PATCH\"][0]" >patch &&
	grep -q ".force.: False" patch && grep -q "$new" patch &&
	stub_requests "[r[\"body\"][\"base_tree\"] for r in reqs if r[\"path\"].endswith(\"/git/trees\")][0]" >base &&
	test "$(cat base)" = "$(git --git-dir=origin.git rev-parse "$old^{tree}")"
'

test_expect_success 'the local branch lacks the remote-only commit until it fetches' '
	test "$(git -C work rev-parse HEAD)" != "$(cat new)" &&
	git -C work fetch -q origin &&
	test "$(git -C work rev-parse "origin/perf/x^{tree}")" = "$(git -C work rev-parse "HEAD^{tree}")"
'

test_expect_success 'contents-sha equals git hash-object of the local file' '
	(cd work && for f in a.txt src/new.c run.sh data.bin; do
		test "$(G contents-sha "$f" perf/x)" = "$(git hash-object "$f")" ||
			die_test "$f differs" || return 1
	done) &&
	test "$(G contents-sha a.txt main)" != "$(git -C work hash-object a.txt)" &&
	expect_exit 1 G contents-sha old.txt perf/x 2>err && grep -q "does not exist" err &&
	expect_exit 1 G contents-sha a.txt no-such-ref &&
	expect_exit 5 G contents-sha src perf/x 2>err &&
	grep -q "error: GitHub: .src. at .perf/x. in .o/r. is a directory, not a file" err
'

test_expect_success 'a stale expected head is refused before anything is created' '
	: >stub/requests.jsonl &&
	head=$(git --git-dir=origin.git rev-parse perf/x) &&
	stale=$(git --git-dir=origin.git rev-parse "perf/x^") &&
	echo more >more.txt &&
	expect_exit 5 G push-files perf/x "$stale" "another" more.txt=more.txt 2>err &&
	test $(wc -l <err) -eq 1 &&
	grep -q "^error: refusing to update branch .perf/x. on GitHub: it is at ${head%????????????????????????????}, not at ${stale%????????????????????????????} as expected (it has commits this worktree lacks: not a fast-forward); fetch and rebase first" err &&
	test "$(git --git-dir=origin.git rev-parse perf/x)" = "$head" &&
	test "$(stub_requests "[r[\"method\"] for r in reqs]")" = "[${q}GET${q}]"
'

test_expect_success 'a ref update GitHub refuses is reported and the branch stays' '
	: >stub/requests.jsonl &&
	head=$(git --git-dir=origin.git rev-parse perf/x) &&
	stub_fail "PATCH /repos/o/r/git/refs/heads/*=422" &&
	expect_exit 5 G push-files perf/x "$head" "another" more.txt=more.txt 2>err &&
	stub_fail &&
	test $(wc -l <err) -eq 1 &&
	grep -q "^error: GitHub refused to move branch .perf/x. to [0-9a-f]* (422: Validation Failed): it moved meanwhile, not a fast-forward; fetch and rebase first" err &&
	test "$(git --git-dir=origin.git rev-parse perf/x)" = "$head"
'

test_expect_success 'the stub itself refuses a non-fast-forward ref update' '
	head=$(git --git-dir=origin.git rev-parse perf/x) &&
	side=$(git --git-dir=origin.git commit-tree -m side "main^{tree}") &&
	python3 -c "
import json, os, sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1], method=\"PATCH\",
	data=json.dumps({\"sha\": sys.argv[2], \"force\": False}).encode(),
	headers={\"Authorization\": \"Bearer \" + os.environ[\"GH_TOKEN\"]})
try:
	urllib.request.urlopen(req)
except urllib.error.HTTPError as e:
	print(e.code, e.read().decode())
" "$STUB_API/repos/o/r/git/refs/heads/perf/x" "$side" >resp &&
	grep -q "^422 .*Update is not a fast forward" resp &&
	test "$(git --git-dir=origin.git rev-parse perf/x)" = "$head"
'

test_expect_success 'a branch missing on GitHub is one clear line' '
	head=$(git --git-dir=origin.git rev-parse perf/x) &&
	expect_exit 5 G push-files no-such "$head" "m" more.txt=more.txt 2>err &&
	grep -q "^error: GitHub: branch .no-such. does not exist in .o/r.; the API fallback only updates an existing branch (push it once with git)" err
'

test_expect_success 'bad arguments are refused without a request' '
	: >stub/requests.jsonl &&
	expect_exit 5 G push-files perf/x abc "m" more.txt=more.txt 2>err &&
	grep -q "without the expected remote head" err &&
	expect_exit 5 G push-files perf/x "$(git --git-dir=origin.git rev-parse perf/x)" "m" ../up=more.txt 2>err &&
	grep -q "bad path .\.\./up. to push" err &&
	test ! -s stub/requests.jsonl
'

stub_stop

test_expect_success 'the stub shut down cleanly on SIGTERM' '
	test "$(cat stub/exit)" = 0
'

test_expect_success 'no token text in any output, record or log' '
	no_token_leak
'

test_done
