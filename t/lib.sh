# t/lib.sh: sourced by every end-to-end test t/tNNNN-name.sh (git's test-lib,
# reduced). Each test script runs in its own throwaway directory and drives
# the real binary.
#
#   test_expect_success 'what it checks' 'shell commands'
#   test_skip_all 'reason'      skip the whole script, saying why
#   test_skip 'what' 'reason'   skip one test, saying why
#   test_done                   summary; exit status 1 on any failure
#
# Variables: PERFLOOP (the binary), HELPERS (t/helper programs), SRC (the
# source tree), TEST_DIR (this script's scratch directory, removed at exit
# unless PERFLOOP_KEEP is set).
set -u

: "${PERFLOOP_BUILD:?run the tests through make test}"
SRC=$(cd "$(dirname "$0")/.." && pwd)
PERFLOOP="$PERFLOOP_BUILD/perfloop"
HELPERS="$PERFLOOP_BUILD/t/helper"
TEST_NAME=$(basename "$0" .sh)
TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/perfloop-$TEST_NAME.XXXXXX")
export NO_COLOR=1 LC_ALL=C
unset GH_TOKEN GITHUB_TOKEN PERFLOOP_CONFIG
export GIT_CONFIG_NOSYSTEM=1 HOME="$TEST_DIR/home"
mkdir -p "$HOME"
git config --global user.name "perfloop test" 2>/dev/null
git config --global user.email "test@perfloop.invalid" 2>/dev/null
git config --global init.defaultBranch main 2>/dev/null

_tests=0
_failed=0
_cleanup() {
	cd /
	if [ -n "${PERFLOOP_KEEP:-}" ]; then
		echo "# kept $TEST_DIR"
	else
		rm -rf "$TEST_DIR"
	fi
}
trap _cleanup EXIT
cd "$TEST_DIR" || exit 1

test_expect_success() {
	_tests=$((_tests + 1))
	if (eval "$2") >"$TEST_DIR/.out" 2>&1; then
		echo "ok $_tests - $1"
	else
		_failed=$((_failed + 1))
		echo "not ok $_tests - $1"
		sed 's/^/#   /' "$TEST_DIR/.out"
	fi
}

test_skip_all() {
	echo "1..0 # SKIP $TEST_NAME: $1"
	exit 0
}

test_skip() { # test_skip 'what' 'reason': one test not run here, and why
	_tests=$((_tests + 1))
	echo "ok $_tests - $1 # SKIP $2"
}

test_done() {
	echo "# $TEST_NAME: $((_tests - _failed)) of $_tests passed"
	[ "$_failed" -eq 0 ]
}

# Helpers for assertions inside test bodies.
die_test() { echo "$*" >&2; return 1; }
expect_exit() { # expect_exit CODE command...
	local want=$1
	shift
	"$@"
	local got=$?
	[ "$got" -eq "$want" ] || die_test "expected exit $want, got $got from: $*"
}
json_get() { # json_get FILE EXPR  (python3 expression over `d`; json and statistics imported)
	python3 -c "import json,statistics,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}
grep_q() { # grep_q PATTERN FILE, showing the file on failure
	grep -q -- "$1" "$2" || { echo "'$1' not in $2:" >&2; cat "$2" >&2; return 1; }
}
# example_repo: the bundled example (examples/textstat) committed to a clone
# project/ of a bare origin.git (pushed to main), its harness built; "Bail
# out!" and exit when that fails
example_repo() {
	local ex="$SRC/examples/textstat"
	git init -q --bare origin.git
	git clone -q origin.git project 2>/dev/null
	cp "$ex"/{Makefile,textstat.c,textstat.h,harness.c,.gitignore,.gitattributes} project/
	(cd project && git add . && git commit -qm "textstat: the library" &&
		git push -q origin HEAD:main) || { echo "Bail out! cannot set up the repositories"; exit 1; }
	make -s -C project harness || { echo "Bail out! cannot build the harness"; exit 1; }
}
