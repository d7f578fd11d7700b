# t/lib-github.sh: a stub GitHub for end-to-end tests; source it after lib.sh.
#
#   stub_start [stub-github options...]
#       start t/helper/stub-github on a free port of 127.0.0.1 in the
#       background, recording to stub/requests.jsonl, failure rules read from
#       stub/control; sets STUB_API (its base URL) and STUB_PID. Call it (and
#       stub_stop) at the top level of the script, not inside a test body (a
#       subshell). The stub is stopped when the script exits.
#   stub_fail 'METHOD GLOB=CODE,...'...   replace the control rules
#   stub_stop            SIGTERM the stub, wait, write its exit status to
#                        stub/exit (0 = clean shutdown, no leak under ASan)
#   stub_requests EXPR   python3 over the recorded requests: `reqs` is the
#                        list of records; prints EXPR
#   make_origin          a bare origin.git with a.txt on main, and its clone work
#   gh_cli ARGS...       run t/helper/gh-cli, keeping a copy of all it prints in
#                        gh-outputs.log (so later tests cannot hide a leak)
#   no_token_leak        fails when TEST_TOKEN appears in any file of the test
#                        directory: outputs, gh-outputs.log, records, the stub's log
#
# TEST_TOKEN is exported as GH_TOKEN for the client and STUB_GITHUB_TOKEN for
# the stub (which answers 401 to any other token).

GH_CLI="$HELPERS/gh-cli"
STUB="$HELPERS/stub-github"
TEST_TOKEN="ghp_perfloopTEST$$x$(date +%N)tok"
export GH_TOKEN="$TEST_TOKEN" STUB_GITHUB_TOKEN="$TEST_TOKEN"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy=127.0.0.1,localhost
STUB_PID=
STUB_API=

stub_start() {
	mkdir -p "$TEST_DIR/stub"
	rm -f "$TEST_DIR/stub/port"
	: >"$TEST_DIR/stub/control"
	"$STUB" --port-file "$TEST_DIR/stub/port" --record "$TEST_DIR/stub/requests.jsonl" \
		--control "$TEST_DIR/stub/control" "$@" 2>>"$TEST_DIR/stub/log" &
	STUB_PID=$!
	local i=0
	while [ ! -s "$TEST_DIR/stub/port" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$STUB_PID" 2>/dev/null; then
			echo "stub-github did not start:" >&2
			cat "$TEST_DIR/stub/log" >&2
			return 1
		fi
		sleep 0.05
	done
	STUB_API="http://127.0.0.1:$(cat "$TEST_DIR/stub/port")"
}

stub_fail() {
	printf '%s\n' "$@" >"$TEST_DIR/stub/control"
}

stub_stop() {
	[ -n "$STUB_PID" ] || return 0
	kill -TERM "$STUB_PID" 2>/dev/null
	wait "$STUB_PID"
	echo $? >"$TEST_DIR/stub/exit"
	STUB_PID=
}

stub_requests() {
	python3 -c '
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
print(eval(sys.argv[2]))' "$TEST_DIR/stub/requests.jsonl" "$1"
}

make_origin() {
	git init -q --bare origin.git &&
	git clone -q origin.git work 2>/dev/null &&
	(cd work && echo a >a.txt && git add a.txt && git commit -qm init && git push -q origin HEAD:main)
}

gh_cli() {
	local o="$TEST_DIR/.gh.out" e="$TEST_DIR/.gh.err" rc
	"$GH_CLI" "$@" >"$o" 2>"$e"
	rc=$?
	cat "$o" "$e" >>"$TEST_DIR/gh-outputs.log"
	cat "$o"
	cat "$e" >&2
	return $rc
}

no_token_leak() {
	if grep -rlF -- "$TEST_TOKEN" "$TEST_DIR" 2>/dev/null; then
		echo "the token leaked into the files above" >&2
		return 1
	fi
	return 0
}

_stub_cleanup() {
	if [ -n "$STUB_PID" ]; then
		kill -TERM "$STUB_PID" 2>/dev/null
		wait "$STUB_PID" 2>/dev/null
	fi
}
trap '_stub_cleanup; _cleanup' EXIT
