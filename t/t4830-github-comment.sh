#!/bin/bash
# The report comment on the loop's pull request, against the stub GitHub:
# keep creates it (one POST with the hidden marker), revert and runs --wait
# edit that same comment (PATCH, never a second POST), a deleted one is
# recreated, an existing marked comment of the token's user is adopted and
# another's never touched, a report over GitHub's limit is cut with a note,
# and a failed update (401, 403, 404, 422) is one warning line and a row in
# the ledger that status shows, never a failed command. The token appears
# nowhere.
. "$(dirname "$0")/lib.sh"
. "$SRC/t/lib-loop.sh"
. "$SRC/t/lib-github.sh"

cat >stub.json <<'JSON'
{"owner": "o", "repo": "r", "login": "octocat",
 "workflows": [{"id": 7, "name": "Bench", "path": ".github/workflows/bench.yml", "inputs": ["pr"]}],
 "pulls": [{"number": 42, "head": "perf/c"}, {"number": 43, "head": "elsewhere"}],
 "comments": [{"issue": 43, "user": "octocat", "body": "<!-- perfloop:report -->\nold"},
              {"issue": 43, "user": "octocat", "body": "<!-- perfloop:report -->\nnewer"},
              {"issue": 43, "user": "someone", "body": "<!-- perfloop:report -->\ntheirs"},
              {"issue": 43, "user": "octocat", "body": "unrelated"}]}
JSON
loop_repo 2000000
stub_start --config stub.json --bare "$TEST_DIR/origin.git" ||
	{ echo "Bail out! stub-github did not start"; exit 1; }
loop_ini 2
cat >>work/perfloop.ini <<INI
[github]
api = $STUB_API
repo = o/r
workflow = Bench
retry-delay = 0.01
INI
cp work/perfloop.ini ini.base
LEDGER=$WT/.perfloop/ledger.db

# a change tried (any verdict: none is judged here)
tried() {
	echo "/* $1 */" >>"$WT/lib.c" &&
	{ P try -m "$1" --no-profile >/dev/null 2>&1; test $? -le 2; }
}
# what the stub was asked, as "METHOD PATH STATUS" lines
calls() { stub_requests "\"\\n\".join(\"%s %s %s\" % (r[\"method\"], r[\"path\"], r[\"status\"]) for r in reqs)"; }
# the stub's comments on an issue: [(id, user, first line of the body after any marker)]
comments() {
	python3 - "$STUB_API" "$1" <<-\PY
	import json, os, sys, urllib.request
	req = urllib.request.Request("%s/repos/o/r/issues/%s/comments" % (sys.argv[1], sys.argv[2]),
				     headers={"Authorization": "Bearer " + os.environ["GH_TOKEN"]})
	mark = "<!-- perfloop:report -->\n"
	print([(c["id"], c["user"]["login"], c["body"].replace(mark, "", 1).split("\n")[0])
	       for c in json.load(urllib.request.urlopen(req))])
	PY
}
comment_body() { # the body the stub holds for comment $1
	python3 - "$STUB_API" "$1" <<-\PY
	import json, os, sys, urllib.request
	req = urllib.request.Request("%s/repos/o/r/issues/42/comments" % sys.argv[1],
				     headers={"Authorization": "Bearer " + os.environ["GH_TOKEN"]})
	sys.stdout.write([c["body"] for c in json.load(urllib.request.urlopen(req)) if c["id"] == int(sys.argv[2])][0])
	PY
}

test_expect_success 'setup: a loop with a baseline' '
	(cd work && "$PERFLOOP" start perf/c >/dev/null) &&
	P build >/dev/null && P baseline save >/dev/null
'

test_expect_success 'keep creates the comment: one POST with the marker and the report' '
	tried "first" && : >stub/requests.jsonl &&
	P keep --force --json >keep.json 2>keep.err &&
	json_get keep.json "(d[\"pr\"], d[\"pr_comment\"][\"action\"], d[\"pr_comment\"][\"error\"])" >got &&
	grep -qx "(42, .created., None)" got &&
	id=$(json_get keep.json "d[\"pr_comment\"][\"id\"]") && echo $id >id1 &&
	grep_q "created the report comment on PR #42: https://github.com/o/r/pull/42#issuecomment-$id$" keep.err &&
	calls >calls.txt &&
	test $(grep -c "^POST /repos/o/r/issues/42/comments 201$" calls.txt) -eq 1 &&
	! grep -q "^PATCH /repos/o/r/issues/comments" calls.txt &&
	comment_body $id >body.md &&
	test "$(head -1 body.md)" = "<!-- perfloop:report -->" &&
	grep_q "^## perfloop report: .perf/c.$" body.md &&
	grep_q "^| 1 | first | " body.md && grep_q "pull request #42" body.md &&
	comments 42 >list && grep -qx "\[($id, .octocat., .## perfloop report: \`perf/c\`.)\]" list
'

test_expect_success 'revert edits the same comment: a PATCH, never a second POST' '
	tried "second" && : >stub/requests.jsonl &&
	P revert --json >rev.json 2>rev.err &&
	json_get rev.json "(d[\"pr_comment\"][\"action\"], d[\"pr_comment\"][\"id\"])" >got &&
	grep -qx "(.updated., $(cat id1))" got &&
	calls >calls.txt &&
	grep -qx "PATCH /repos/o/r/issues/comments/$(cat id1) 200" calls.txt &&
	test $(wc -l <calls.txt) -eq 1 &&
	comment_body $(cat id1) >body.md && grep_q "^| 2 | second | .* | \*\*reject, reverted\*\* |\|^| 2 | second | .*reverted" body.md &&
	comments 42 >list && test $(grep -o "octocat" list | wc -l) -eq 1
'

test_expect_success 'runs --wait edits it too, once the runs are recorded' '
	: >stub/requests.jsonl &&
	P runs --wait --interval 0.1 --timeout 60 >runs.out 2>runs.err &&
	calls >calls.txt &&
	grep -qx "PATCH /repos/o/r/issues/comments/$(cat id1) 200" calls.txt &&
	! grep -q "^POST /repos/o/r/issues" calls.txt &&
	comment_body $(cat id1) >body.md && grep_q "https://github.com/o/r/actions/runs/" body.md &&
	P status >st.out && grep_q "^comment *PR #42: updated by runs at .*, https://github.com/o/r/pull/42#issuecomment-$(cat id1)$" st.out
'

test_expect_success 'a deleted comment is recreated, and the new one edited afterwards' '
	python3 -c "import os, sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + \"/repos/o/r/issues/comments/\" + sys.argv[2], method=\"DELETE\", headers={\"Authorization\": \"Bearer \" + os.environ[\"GH_TOKEN\"]}))" "$STUB_API" $(cat id1) &&
	comments 42 >list && grep -qx "\[\]" list &&
	tried "third" && : >stub/requests.jsonl &&
	P revert --json >rev.json 2>rev.err &&
	json_get rev.json "d[\"pr_comment\"][\"action\"]" | grep -qx recreated &&
	id=$(json_get rev.json "d[\"pr_comment\"][\"id\"]") && test "$id" != "$(cat id1)" &&
	calls >calls.txt &&
	grep -qx "PATCH /repos/o/r/issues/comments/$(cat id1) 404" calls.txt &&
	grep -qx "POST /repos/o/r/issues/42/comments 201" calls.txt &&
	comments 42 >list && grep -qx "\[($id, .octocat., .## perfloop report: \`perf/c\`.)\]" list &&
	echo $id >id2 &&
	tried "fourth" && : >stub/requests.jsonl && P revert >/dev/null 2>&1 &&
	calls >calls.txt && grep -qx "PATCH /repos/o/r/issues/comments/$id 200" calls.txt &&
	test $(wc -l <calls.txt) -eq 1
'

# each failure: the command succeeds, one warning line says it, status shows it
fails_with() { # fails_with CODE PATTERN
	stub_fail "PATCH /repos/o/r/issues/comments/*=$1" &&
	tried "fails with $1" &&
	P revert >rev.out 2>rev.err &&
	test $(grep -c "report comment" rev.err) -eq 1 &&
	grep_q "^warning: report comment on PR #42 not updated: $2.* (the loop goes on; .perfloop status. shows it)$" rev.err &&
	P status >st.out &&
	grep_q "^comment *PR #42: not updated by revert at [^:]*:[^:]*:[^:]*: $2" st.out &&
	P status --json >st.json &&
	json_get st.json "(d[\"pr_comment\"][\"status\"], d[\"pr_comment\"][\"id\"])" >got &&
	grep -qx "(.failed., $(cat id2))" got
}

test_expect_success '401 on the edit: a warning naming the token source, revert exits 0' '
	fails_with 401 "GitHub rejected the token from GH_TOKEN (401 on PATCH /repos/o/r/issues/comments/$(cat id2)"
'

test_expect_success '403 on the edit: the scopes, in one line' '
	fails_with 403 "GitHub refused PATCH /repos/o/r/issues/comments/$(cat id2) (403: Resource not accessible"
'

test_expect_success '422 on the edit: GitHub'"'"'s message' '
	fails_with 422 "GitHub rejected PATCH /repos/o/r/issues/comments/$(cat id2) as invalid (422: Validation Failed"
'

test_expect_success 'keep with a failing comment: exit 0, the commit pushed, the failure recorded' '
	stub_fail "PATCH /repos/o/r/issues/comments/*=403" &&
	tried "kept anyway" &&
	P keep --force --json >keep.json 2>keep.err &&
	test "$(git --git-dir=origin.git rev-parse perf/c)" = "$(git -C "$WT" rev-parse HEAD)" &&
	json_get keep.json "(d[\"pushed\"], d[\"pr_comment\"][\"action\"])" | grep -qx "(.git., .failed.)" &&
	json_get keep.json "d[\"pr_comment\"][\"error\"]" | grep -q "403" &&
	test $(grep -c "report comment" keep.err) -eq 1 &&
	P status >st.out && grep_q "^comment *PR #42: not updated by keep at .*403" st.out
'

test_expect_success 'the next update that works clears the failure' '
	stub_fail &&
	tried "fine again" && P revert >/dev/null 2>rev.err &&
	grep_q "updated the report comment on PR #42" rev.err &&
	P status --json >st.json &&
	json_get st.json "(d[\"pr_comment\"][\"status\"], d[\"pr_comment\"][\"error\"], d[\"pr_comment\"][\"id\"])" >got &&
	grep -qx "(.updated., None, $(cat id2))" got
'

test_expect_success 'a pull request GitHub does not know: 404 on the listing, one line' '
	printf "[github]\npr = 99\n" >>work/perfloop.ini &&
	tried "no such pr" && P revert >/dev/null 2>rev.err &&
	grep_q "^warning: report comment on PR #99 not updated: GitHub: pull request #99 in .o/r. not found (404 on GET /repos/o/r/issues/99/comments)" rev.err &&
	cp ini.base work/perfloop.ini
'

test_expect_success 'a marked comment of the token'"'"'s user is adopted (the newest); another'"'"'s never' '
	printf "[github]\npr = 43\n" >>work/perfloop.ini &&
	comments 43 >before &&
	newer=$(python3 -c "import ast, sys; print([c[0] for c in ast.literal_eval(open(sys.argv[1]).read()) if c[2] == \"newer\"][0])" before) &&
	tried "on 43" && : >stub/requests.jsonl &&
	P revert --json >rev.json 2>/dev/null &&
	json_get rev.json "(d[\"pr_comment\"][\"action\"], d[\"pr_comment\"][\"id\"])" | grep -qx "(.updated., $newer)" &&
	calls >calls.txt &&
	grep -qx "GET /repos/o/r/issues/43/comments 200" calls.txt &&
	grep -qx "PATCH /repos/o/r/issues/comments/$newer 200" calls.txt &&
	! grep -q "^POST" calls.txt && test $(grep -c "^PATCH" calls.txt) -eq 1 &&
	comments 43 >after &&
	grep -q "\"theirs\"\|.theirs." after && grep -q ".old." after && grep -q ".unrelated." after &&
	cp ini.base work/perfloop.ini
'

test_expect_success 'github.comment = false: no comment request' '
	printf "[github]\ncomment = false\n" >>work/perfloop.ini &&
	tried "quiet" && : >stub/requests.jsonl &&
	P revert --json >rev.json 2>rev.err &&
	json_get rev.json "d[\"pr_comment\"]" | grep -qx None &&
	! grep -q "issues" stub/requests.jsonl && ! grep -q "report comment" rev.err &&
	cp ini.base work/perfloop.ini
'

# experiments with 30,000-character messages: the report is over 90,000 characters
cat >long.py <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
for i in range(3):
    db.execute("INSERT INTO experiments(created, message, patch, patch_hash, status, verdict, "
               "reason) VALUES (?, ?, 'x', ?, 'reverted', 'reject', 'long')",
               (time.time(), "%d %s" % (i, "é" * 30000), "%032d" % i))
db.commit()
PY

test_expect_success 'a report over 65536 characters is cut at a line, with a note' '
	python3 long.py "$LEDGER" &&
	tried "long" && : >stub/requests.jsonl &&
	P revert --json >rev.json 2>rev.err &&
	P report >full.md && test $(python3 -c "import sys; print(len(open(sys.argv[1], encoding=\"utf-8\").read()))" full.md) -gt 90000 &&
	json_get rev.json "(d[\"pr_comment\"][\"action\"], d[\"pr_comment\"][\"cut\"])" | grep -qx "(.updated., True)" &&
	grep_q "updated the report comment on PR #42 (cut to GitHub.s size limit)" rev.err &&
	comment_body $(cat id2) >body.md &&
	python3 - body.md full.md <<-\PY &&
	import sys
	body = open(sys.argv[1], encoding="utf-8").read()
	full = open(sys.argv[2], encoding="utf-8").read()
	head, note = body.split("\n_The report is cut here", 1)
	assert len(body) <= 65536 and len(body) > 60000, len(body)
	assert head.startswith("<!-- perfloop:report -->\n## perfloop report:"), head[:80]
	# whole lines of the report, up to the cut (the footer time aside)
	assert full.startswith(head[len("<!-- perfloop:report -->\n"):]), "not a prefix"
	assert "65536 characters" in note and "perfloop report" in note, note
	PY
	P status >st.out && grep_q "^comment *PR #42: updated by revert .*(cut to GitHub.s size limit)" st.out
'

stub_stop

test_expect_success 'the stub shut down cleanly on SIGTERM' '
	test "$(cat stub/exit)" = 0
'

test_expect_success 'no token text in any output, record, log or the ledger' '
	no_token_leak
'

test_done
