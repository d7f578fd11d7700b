#!/bin/bash
# The bundled example (examples/textstat): the library and harness build, the
# harness catches a wrong result, each prepared change applies (alone and on
# top of the good one, as the demo applies them) and keeps the result right,
# and perfloop bench judges them as intended: good faster, bad slower after
# one pair, reshuffle never faster or slower. The benches judge instruction
# counts (valgrind without a PMU) of a 100,000-word text: the same in every
# run, so the verdicts hold on a loaded machine.
. "$(dirname "$0")/lib.sh"

EX="$SRC/examples/textstat"
command -v cc >/dev/null || test_skip_all "no C compiler (cc)"
command -v make >/dev/null || test_skip_all "no make"

lib() { echo "$TEST_DIR/$1/libtextstat.so"; }
H="$TEST_DIR/base/harness"

# variant NAME BASE PATCH...: copy BASE to NAME, apply the patches, build
variant() {
	local name=$1 from=$2 p
	shift 2
	cp -R "$from" "$name" || return 1
	for p in "$@"; do
		(cd "$name" && git apply "$EX/changes/$p.patch") || die_test "$p.patch does not apply on $from" || return 1
	done
	make -s -C "$name" build >/dev/null
}

# right NAME: the harness accepts NAME's result and prints the base checksum
right() {
	TEXTSTAT_LIB="$(lib "$1")" "$H" >"$1.out" &&
		grep_q "checksum=$(cat want) ok$" "$1.out"
}

test_expect_success 'the example builds and its harness accepts the result' '
	cp -R "$EX" base && rm -f base/harness base/libtextstat.so &&
	make -s -C base >/dev/null &&
	TEXTSTAT_LIB="$(lib base)" "$H" >base.out &&
	grep_q "^tokens=2500000 distinct=20000 .* ok$" base.out &&
	sed -n "s/.*checksum=\([0-9a-f]*\) ok$/\1/p" base.out >want &&
	test -s want
'

test_expect_success 'each prepared change applies to the example and keeps the result' '
	for p in good bad reshuffle; do
		variant $p base $p && right $p || return 1
	done
'

test_expect_success 'bad and reshuffle apply on top of good too (the demo order)' '
	variant good+bad good bad && right good+bad &&
	variant good+reshuffle good reshuffle && right good+reshuffle
'

test_expect_success 'the harness fails on a wrong result' '
	cp -R base broken &&
	sed -i "s/e->count = 1;/e->count = 2;/" broken/textstat.c &&
	grep -q "e->count = 2;" broken/textstat.c &&
	make -s -C broken build >/dev/null &&
	expect_exit 1 env TEXTSTAT_LIB="$(lib broken)" "$H" >out 2>err &&
	grep_q "wrong result: wrong count" err && grep_q "WRONG$" out
'

test_expect_success 'the harness says what it needs' '
	expect_exit 2 env -u TEXTSTAT_LIB "$H" 2>err && grep_q "set TEXTSTAT_LIB" err &&
	expect_exit 2 env TEXTSTAT_LIB="$TEST_DIR/none.so" "$H" 2>err && grep_q "cannot load" err &&
	expect_exit 2 env TEXTSTAT_LIB="$(lib base)" TEXTSTAT_TOKENS=x "$H" 2>err &&
	grep_q "TEXTSTAT_TOKENS" err
'

if ! "$HELPERS/metrics-probe" --pmu | grep -qx "pmu yes" && ! command -v valgrind >/dev/null; then
	for t in "the good change is faster" "the bad change is slower, after one pair" \
		"the reshuffle is never faster or slower"; do
		test_skip "perfloop bench: $t" "no PMU and no valgrind: nothing counts instructions"
	done
	test_done
	exit
fi

cat >perfloop.ini <<INI
[bench]
command = $H
env = TEXTSTAT_LIB
runs = 6
timeout = 120
metric = instructions
[build]
artifact = base/libtextstat.so
[env]
TEXTSTAT_TOKENS = 100000
INI

verdict() { json_get "$1" 'd["verdict"]'; }

test_expect_success 'perfloop bench: the good change is faster' '
	"$PERFLOOP" bench --vs "$(lib base)" --artifact "$(lib good)" --json >good.json &&
	test "$(verdict good.json)" = faster
'

test_expect_success 'perfloop bench: the bad change is slower, after one pair' '
	"$PERFLOOP" bench --vs "$(lib base)" --artifact "$(lib bad)" --json >bad.json &&
	test "$(verdict bad.json)" = slower &&
	json_get bad.json "d[\"early_reject\"] and d[\"pairs\"] == 1" | grep -q True &&
	"$PERFLOOP" bench --vs "$(lib good)" --artifact "$(lib good+bad)" --json >bad.json &&
	json_get bad.json "d[\"verdict\"] == \"slower\" and d[\"pairs\"] == 1" | grep -q True
'

# the same work in the same order: instruction counts within the margin
reshuffle_ok() { # reshuffle_ok BASE CANDIDATE
	"$PERFLOOP" bench --vs "$(lib "$1")" --artifact "$(lib "$2")" --json >r.json || return 1
	case $(verdict r.json) in same|inconclusive) return 0 ;; esac
	echo "$2 judged $(verdict r.json) against $1: ratio $(json_get r.json "d[\"ratio\"]")," \
		"interval $(json_get r.json "d[\"interval\"]")" >&2
	return 1
}

test_expect_success 'perfloop bench: the reshuffle is never faster or slower' '
	reshuffle_ok base reshuffle && reshuffle_ok good good+reshuffle
'

test_done
