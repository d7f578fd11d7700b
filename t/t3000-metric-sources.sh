#!/bin/bash
# The metric sources a bench run will record, through t/helper/metrics-probe:
# perf_event counters of the child's process tree (and not of perfloop),
# exact instruction counts under valgrind, a pinned CPU set and disabled
# address randomization for the child. No assertion depends on wall time:
# page faults and instruction counts are deterministic, effects are large.
. "$(dirname "$0")/lib.sh"

PROBE="$HELPERS/metrics-probe"
[ -x "$PROBE" ] || test_skip_all "build $PROBE first (make all and the t/helper programs)"
command -v cc >/dev/null 2>&1 || test_skip_all "no C compiler"
cc -O1 -o mwork "$SRC/t/data/mwork.c" || test_skip_all "cannot build t/data/mwork.c"
W="$TEST_DIR/mwork"

val() { # val FILE NAME: the value on the probe's `NAME VALUE` line
	awk -v n="$2" '$1 == n { print $2; found = 1 } END { exit !found }' "$1" ||
		die_test "no '$2' line in $1: $(cat "$1")"
}

test_expect_success 'software counters count the child' '
	"$PROBE" "$W" touch 8 >out &&
	grep -x "status 0" out &&
	pf=$(val out page-faults) && tc=$(val out task-clock) &&
	[ "$pf" -ge 2048 ] && [ "$tc" -gt 0 ] &&
	val out context-switches && val out cpu-migrations
'

test_expect_success 'each process of the tree is counted once, waited for or not' '
	"$PROBE" --counters page-faults "$W" touch 8 >one &&
	"$PROBE" --counters page-faults sh -c "\"$W\" touch 8; \"$W\" touch 8; \"$W\" touch 8" \
		>three &&
	"$PROBE" --counters page-faults sh -c "sh -c \"sh -c \\\"$W touch 8\\\"\"" >nested &&
	# an orphan nobody waits for: cat ends when it exits and closes the pipe
	"$PROBE" --counters page-faults sh -c "(\"$W\" touch 8 &) | cat" >orphan &&
	one=$(val one page-faults) && three=$(val three page-faults) &&
	nested=$(val nested page-faults) && orphan=$(val orphan page-faults) &&
	echo "one $one three $three nested $nested orphan $orphan" &&
	[ "$orphan" -gt "$one" ] && [ "$orphan" -lt $((one * 3 / 2)) ] &&
	# three children: about three times one (plus a shell)
	[ "$three" -gt $((one * 5 / 2)) ] && [ "$three" -lt $((one * 7 / 2)) ] &&
	# three shells waiting on each other do not count the grandchild again
	[ "$nested" -gt "$one" ] && [ "$nested" -lt $((one * 3 / 2)) ]
'

test_expect_success 'counters kept open across runs count every run' '
	"$PROBE" --repeat 4 --counters page-faults,task-clock "$W" touch 8 >rep &&
	cat rep &&
	for k in 1 2 3 4; do
		pf=$(awk -v k=$k "\$1 == \"run\" && \$2 == k && \$3 == \"page-faults\" { print \$4 }" rep) &&
		[ "${pf:-0}" -ge 2048 ] && [ "$pf" -lt 4096 ] ||
			die_test "run $k: page-faults ${pf:-none}" || return 1
	done
'

test_expect_success "perfloop-side work is not counted" '
	"$PROBE" --counters page-faults,task-clock /bin/true >quiet &&
	"$PROBE" --counters page-faults,task-clock --parent-work 64 /bin/true >busy &&
	q=$(val quiet page-faults) && b=$(val busy page-faults) &&
	echo "child alone $q, with 2 x 64 MiB touched by the probe $b" &&
	# the probe touched 32768 pages while the counters were open
	[ "$b" -lt 2000 ] && [ "$b" -lt $((q * 2 + 100)) ]
'

# Hardware counters: count where `perf stat` can, reported unavailable elsewhere.
if perf_out=$(perf stat -x, -e instructions:u true 2>&1) &&
	! grep -q "not supported\|not counted" <<<"$perf_out"; then
	test_expect_success 'PMU counters count user-space instructions' '
		"$PROBE" --counters instructions,cycles "$W" spin 10000000 >out &&
		n=$(val out instructions) && [ "$n" -gt 10000000 ] &&
		grep -q "^cycles [0-9]" out &&
		"$PROBE" --pmu >pmu && grep -x "pmu yes" pmu
	'
	test_skip 'PMU counters are reported unavailable' 'this machine has a PMU'
else
	test_skip 'PMU counters count user-space instructions' \
		"perf stat -e instructions:u: $(tr '\n' ' ' <<<"$perf_out" | cut -c1-120)"
	test_expect_success 'PMU counters are reported unavailable' '
		"$PROBE" "$W" spin 1000 >out &&
		grep "^instructions unavailable no hardware counters on this machine" out &&
		grep "^cycles unavailable" out &&
		grep -q "^page-faults [0-9]" out &&
		"$PROBE" --pmu >pmu && grep "^pmu no instructions:u: " pmu
	'
fi

# Without CAP_PERFMON and with kernel.perf_event_paranoid >= 2 the kernel
# refuses counting kernel events: user-space-only fallbacks.
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo unknown)
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && [ "$paranoid" != unknown ] &&
	[ "$paranoid" -ge 2 ] && setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$PROBE" --counters page-faults /bin/true >/dev/null 2>&1; then
	test_expect_success 'without permission: user-space counts, kernel-only events unavailable' '
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$PROBE" --counters software /bin/true >out &&
		grep "^page-faults [0-9]* user-only$" out &&
		grep "^task-clock [0-9]* user-only$" out &&
		grep "^context-switches unavailable not permitted (it counts kernel events; kernel.perf_event_paranoid is $paranoid" out &&
		grep "^cpu-migrations unavailable not permitted" out &&
		[ "$(val out page-faults)" -gt 0 ]
	'
else
	test_skip 'without permission: user-space counts, kernel-only events unavailable' \
		"needs root, setpriv and kernel.perf_event_paranoid >= 2 (is $paranoid)"
fi

# Valgrind: exact counts.
if command -v valgrind >/dev/null 2>&1; then
	vg() { # vg OUT ARGS...: run under cachegrind, output dir vgout
		local out=$1
		shift
		"$PROBE" --counters "" --valgrind "$TEST_DIR/vgout" "$@" >"$out"
	}
	test_expect_success 'valgrind: the same run counts the same instructions' '
		vg a "$W" spin 1000000 && vg b "$W" spin 1000000 &&
		a=$(val a valgrind-instructions) && b=$(val b valgrind-instructions) &&
		echo "$a $b" && [ "$a" -gt 1000000 ] &&
		[ "$(val a valgrind-processes)" = 1 ] && [ "$(val a valgrind-incomplete)" = 0 ] &&
		d=$((a > b ? a - b : b - a)) && [ $((d * 1000)) -le "$a" ]
	'
	test_expect_success 'valgrind: twice the iterations, twice the loop instructions' '
		vg z "$W" spin 0000000 && vg a "$W" spin 1000000 && vg b "$W" spin 2000000 &&
		z=$(val z valgrind-instructions) && a=$(val a valgrind-instructions) &&
		b=$(val b valgrind-instructions) &&
		echo "0: $z, 1M: $a, 2M: $b" &&
		# the loop costs the same per iteration: b - a == a - z within 0.1%
		d1=$((a - z)) && d2=$((b - a)) && [ "$d1" -ge 1000000 ] &&
		d=$((d1 > d2 ? d1 - d2 : d2 - d1)) && [ $((d * 1000)) -le "$d1" ]
	'
	test_expect_success 'valgrind: every process of a tree, a killed one incomplete' '
		vg one "$W" spin 1000000 &&
		"$PROBE" --counters "" --valgrind "$TEST_DIR/vgout" sh -c \
			"\"$W\" spin 1000000; \"$W\" spin 1000000; \"$W\" spin 9000000000; echo done" \
			>tree &
		probe=$! &&
		# kill the endless one from outside once it runs under valgrind (a
		# program that kills itself still has its count written by valgrind)
		for i in $(seq 1200); do
			log=$(grep -l "Command: .*mwork spin 9000000000" vgout/valgrind.*.log \
				2>/dev/null) && break
			sleep 0.1
		done &&
		pid=${log##*valgrind.} && pid=${pid%.log} && kill -9 "$pid" &&
		wait $probe && cat tree &&
		one=$(val one valgrind-instructions) && tree=$(val tree valgrind-instructions) &&
		[ "$(val tree valgrind-processes)" = 4 ] &&
		[ "$(val tree valgrind-incomplete)" = 1 ] &&
		# two complete loops and the shell; the killed one adds nothing
		[ "$tree" -gt $((one * 2)) ] && [ "$tree" -lt $((one * 5 / 2)) ] &&
		# valgrind wrote its banner to its log, not to the run output
		! grep -q "Cachegrind" tree && grep -q Cachegrind vgout/valgrind.$pid.log
	'
else
	test_skip 'valgrind instruction counts' 'valgrind is not installed'
fi

# The child's attributes.
randomized=$(cat /proc/sys/kernel/randomize_va_space 2>/dev/null || echo 0)
stack() { "$PROBE" --counters "" "$@" grep -F "[stack]" /proc/self/maps | head -1; }
if [ "$randomized" != 0 ]; then
	test_expect_success '--no-aslr: the same addresses run after run' '
		stack --no-aslr >a && stack --no-aslr >b && stack --no-aslr >c &&
		cat a b && test -s a && cmp a b && cmp a c &&
		"$PROBE" --counters "" --no-aslr /bin/true >out && grep -x "parent-aslr on" out &&
		# and randomized without it (three differ by chance 1 in 2^60)
		stack >d && stack >e && stack >f && ! { cmp -s d e && cmp -s d f; }
	'
else
	test_skip '--no-aslr: the same addresses run after run' 'randomize_va_space is 0'
fi

test_expect_success '--cpus pins the child, and only the child' '
	before=$(sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" /proc/self/status) &&
	"$PROBE" --counters "" --cpus 0 grep Cpus_allowed_list /proc/self/status >out &&
	cat out && grep -q "^Cpus_allowed_list:[[:space:]]*0$" out &&
	grep -x "parent-cpus $before" out &&
	"$PROBE" --counters "" --cpus 0 sh -c "grep Cpus_allowed_list /proc/self/status" >out &&
	grep -q "^Cpus_allowed_list:[[:space:]]*0$" out
'

test_expect_success '--cpus names a CPU that is not online' '
	! "$PROBE" --cpus 0,4000 /bin/true 2>err && cat err &&
	grep "beyond the largest CPU number" err &&
	n=$(nproc --all) &&
	! "$PROBE" --cpus "$n" /bin/true 2>err && cat err &&
	grep "cpu $n is not online (online cpus: " err
'

test_done
