#!/bin/bash
# perfloop bench on the workload helper: verdicts for slower, identical and
# faster artifacts, early reject, failures, timeout, Ctrl-C, outputs.
#
# The verdicts judge the harness metric `work` (the iterations the artifact
# sets, with seeded noise: t/helper/harness-metric.h), so that no case depends
# on wall time on a loaded machine; the cpu case and the one wall-time case
# rest on a 3x effect.
. "$(dirname "$0")/lib.sh"

W="$HELPERS/workload"
cat >perfloop.ini <<INI
[bench]
command = $W
env = WORKLOAD_ARTIFACT
runs = 20
timeout = 30
metric = work
[build]
artifact = cand.art
[metrics]
work = file
[env]
HARNESS_METRIC = work
HARNESS_COUNTER = $TEST_DIR/metric.count
INI
echo "work=150" >base.art
echo "work=165" >slow.art   # 10% more work
echo "work=135" >fast.art   # 10% less work
cp base.art same.art
cp base.art cand.art

# verdict FILE: the verdict of a bench JSON; shows the figures when asked to compare
verdict() { json_get "$1" 'd["verdict"]'; }
expect_verdict() { # expect_verdict FILE WANT...
	local got f=$1
	shift
	got=$(verdict "$f")
	for w in "$@"; do [ "$got" = "$w" ] && return 0; done
	json_get "$f" '"got %s after %d pairs, ratio %.4f interval %s noise %s" % (d["verdict"], d["pairs"], d["ratio"], d["interval"], d["noise"])' >&2
	return 1
}

test_expect_success 'a 10% slower artifact is judged slower' '
	"$PERFLOOP" bench --vs base.art --artifact slow.art --json >out.json &&
	expect_verdict out.json slower
'

test_expect_success 'a 10% faster artifact is judged faster' '
	"$PERFLOOP" bench --vs base.art --artifact fast.art --json >out.json &&
	expect_verdict out.json faster
'

# The one verdict on wall time (the default metric) of the end-to-end tests:
# 3x the work, so that no load makes the candidate faster or the same; a
# loaded machine may blur it to inconclusive, which is accepted.
test_expect_success 'wall time: a 3x slower artifact is slower (or inconclusive under load)' '
	grep -v "^metric = " perfloop.ini >wall.ini &&
	echo "work=450" >triple.art &&
	"$PERFLOOP" -c wall.ini bench --vs base.art --artifact triple.art --runs 6 --json >out.json &&
	json_get out.json "d[\"metric\"]" | grep -qx wall &&
	expect_verdict out.json slower inconclusive
'

test_expect_success 'identical artifacts are same or inconclusive, never faster' '
	sed "s/^runs = .*/runs = 6\nmargin = 3%/" perfloop.ini >same.ini &&
	for i in 1 2 3; do
		"$PERFLOOP" -c same.ini bench --vs base.art --artifact same.art --json >out.json || return 1
		expect_verdict out.json same inconclusive || return 1
	done
'

# user+sys of a CPU-bound harness holds under load better than wall time, but
# not to 10%: 3x the work, and the ratio checked against the runs' own times
test_expect_success 'bench.metric = cpu judges user+sys time' '
	sed "s/^metric = .*/metric = cpu/" perfloop.ini >cpu.ini &&
	echo "work=450" >triple.art &&
	"$PERFLOOP" -c cpu.ini bench --vs base.art --artifact triple.art --runs 6 --json >out.json &&
	expect_verdict out.json slower inconclusive &&
	json_get out.json "d[\"metric\"], d[\"ratio\"], d[\"wall_ratio\"]" &&
	json_get out.json "d[\"metric\"] == \"cpu\" and d[\"ratio\"] > 1.5 and abs(d[\"ratio\"] / (lambda m: m(\"candidate\") / m(\"baseline\"))(lambda s: statistics.median(u + y for u, y in zip(d[s][\"user\"], d[s][\"sys\"]))) - 1) < 1e-6" |
		grep -q True &&
	printf "[bench]\ncommand = true\nenv = X\nmetric = cycles\n" >bad-metric.ini &&
	expect_exit 128 "$PERFLOOP" -c bad-metric.ini bench --artifact base.art 2>err &&
	grep -q "bad-metric.ini:4: bad value for .bench.metric.: .cycles. is not wall, cpu, instructions or a metric of \[metrics\]" err
'

test_expect_success 'json has the documented fields' '
	"$PERFLOOP" bench --vs base.art --artifact fast.art --json >out.json &&
	json_get out.json "d[\"pairs\"] >= 1 and d[\"ratio\"] < 1" | grep -q True &&
	for s in baseline candidate; do
		for k in wall user sys max_rss_kb; do
			json_get out.json "len(d[\"$s\"][\"$k\"])" | grep -q "^[1-9]" ||
				die_test "$s.$k missing" || return 1
		done
	done &&
	# min_ratio: the fastest candidate run over the fastest baseline run (wall)
	json_get out.json "abs(d[\"checks\"][\"min_ratio\"] - min(d[\"candidate\"][\"wall\"]) / min(d[\"baseline\"][\"wall\"])) < 1e-6 and \"rss_flag\" in d[\"checks\"]" |
		grep -q True
'

test_expect_success 'runs are interleaved A B B A and balanced' '
	"$PERFLOOP" bench --vs base.art --artifact slow.art --runs 4 --json >out.json &&
	id=$(json_get out.json "d[\"id\"]") &&
	"$PERFLOOP" show "$id" --json >show.json &&
	json_get show.json "\"\".join(r[\"side\"] for r in d[\"runs\"])" >order &&
	grep -Eq "^(AB|ABBA|ABBAAB|ABBAABBA)$" order
'

test_expect_success 'a much slower artifact is rejected after one pair' '
	echo "work=300" >awful.art &&
	"$PERFLOOP" bench --vs base.art --artifact awful.art --json >out.json &&
	expect_verdict out.json slower &&
	json_get out.json "d[\"early_reject\"] and d[\"pairs\"] == 1" | grep -q True
'

test_expect_success 'without a baseline, the candidate is timed alone' '
	"$PERFLOOP" bench --runs 2 --json >out.json &&
	json_get out.json "d[\"verdict\"] is None and d[\"baseline\"] is None and len(d[\"candidate\"][\"wall\"]) == 2" | grep -q True
'

test_expect_success 'human output has the table and the verdict in words' '
	"$PERFLOOP" bench --vs base.art --artifact slow.art >out.txt &&
	grep -q "A baseline" out.txt && grep -q "B candidate" out.txt &&
	grep -q "^verdict *slower" out.txt && grep -q "interval" out.txt
'

test_expect_success 'a failing run stops the bench with its exit status and stderr tail' '
	printf "work=1\nexit=3\n" >bad.art &&
	expect_exit 3 "$PERFLOOP" bench --vs base.art --artifact bad.art 2>err &&
	grep -q "failed with exit status 3" err &&
	grep -q "error line 30" err && grep -q "error line 11" err && ! grep -q "error line 10$" err &&
	"$PERFLOOP" log --json >log.json &&
	json_get log.json "d[0][\"status\"]" | grep -q failed &&
	"$PERFLOOP" show "$(json_get log.json "d[0][\"id\"]")" >show.txt &&
	! grep -qi "nan" show.txt &&
	grep -q "^B candidate  *(no complete runs)" show.txt &&
	grep -q "^B/A  *no ratio: a side has no run that exited 0" show.txt &&
	grep -q "^verdict  *none (the bench did not finish: failed)" show.txt
'

test_expect_success 'a missing command says command not found' '
	printf "[bench]\ncommand = ./no-such-harness\nenv = X\n" >nf.ini &&
	expect_exit 3 "$PERFLOOP" -c nf.ini bench --artifact base.art 2>err &&
	grep -q "command not found (exit 127)" err
'


# alive PID: the process runs (a zombie has ended; it only waits for its parent)
alive() { kill -0 "$1" 2>/dev/null && ! grep -q "^[0-9]* (.*) [ZX] " "/proc/$1/stat" 2>/dev/null; }
# gone PID...: each process ends within 30 s (a generous bound for a loaded machine)
gone() {
	local p i
	for p in "$@"; do
		for i in $(seq 300); do alive "$p" || break; sleep 0.1; done
		! alive "$p" || die_test "process $p still runs" || return 1
	done
}

# the harness's sleep would outlast any load by far: the bench ending well
# before it did means the timeout killed it
test_expect_success 'a run past the timeout is killed with its group' '
	cat >slow.sh <<-EOF &&
	echo \$\$ >to.pid
	"$W"
	exec sleep 300
	EOF
	printf "[bench]\ncommand = sh slow.sh\nenv = WORKLOAD_ARTIFACT\ntimeout = 1\n" >to.ini &&
	start=$(date +%s) &&
	expect_exit 4 "$PERFLOOP" -c to.ini bench --artifact base.art 2>err &&
	test $(( $(date +%s) - start )) -lt 120 &&
	grep -q "timeout" err &&
	test -s to.pid && gone $(cat to.pid)
'

test_expect_success 'a timeout kills group members that ignore SIGTERM, after the leader died' '
	cat >ignterm.sh <<-\EOF &&
	# a member that ignores SIGTERM; the leader dies of it
	(trap "" TERM; exec sh -c "echo \$\$ >survivor.pid.tmp && mv survivor.pid.tmp survivor.pid && exec sleep 120") &
	while ! test -s survivor.pid; do sleep 0.05; done
	exec sleep 120
	EOF
	printf "[bench]\ncommand = sh ignterm.sh\nenv = WORKLOAD_ARTIFACT\ntimeout = 5\n" >ign.ini &&
	rm -f survivor.pid &&
	expect_exit 4 "$PERFLOOP" -c ign.ini bench --artifact base.art 2>err &&
	grep -q "timeout" err &&
	test -s survivor.pid && gone $(cat survivor.pid); rc=$?
	kill -9 $(cat survivor.pid) 2>/dev/null
	test $rc -eq 0
'

test_expect_success 'processes a run leaves behind are warned about and stopped' '
	cat >leaves.sh <<-EOF &&
	sleep 300 &
	echo \$! >>left.pids
	exec "$W"
	EOF
	printf "[bench]\ncommand = sh leaves.sh\nenv = WORKLOAD_ARTIFACT\nwarmup = 0\n" >leave.ini &&
	rm -f left.pids &&
	"$PERFLOOP" -c leave.ini bench --artifact base.art --runs 2 --json >out.json 2>err &&
	test $(wc -l <left.pids) -eq 2 &&
	grep -q "warning: 2 run(s) of bench [0-9]* left processes running after they exited (run 1: pid [0-9]* .sleep.); perfloop stopped them" err &&
	json_get out.json "d[\"checks\"][\"leftover_runs\"]" | grep -qx 2 &&
	gone $(cat left.pids); rc=$?
	kill -9 $(cat left.pids) 2>/dev/null
	test $rc -eq 0
'

test_expect_success 'Ctrl-C kills the child group, records interrupted, exits 130' '
	printf "work=1\nsleep=30\n" >sleepy.art
	"$PERFLOOP" bench --vs base.art --artifact sleepy.art 2>err &
	pid=$! &&
	# Ctrl-C once a run is under way, however slow the start (valgrind, load)
	n=0 && while ! pgrep -f "$W" >/dev/null && test $n -lt 600; do sleep 0.1; n=$((n + 1)); done &&
	sleep 0.5 &&
	kill -INT $pid &&
	wait $pid; rc=$? &&
	test $rc -eq 130 &&
	! pgrep -f "$W" >/dev/null &&
	"$PERFLOOP" log --json >log.json &&
	json_get log.json "d[0][\"status\"]" | grep -q interrupted &&
	grep -q "interrupted" err
'

test_expect_success 'run logs go to files, not the terminal' '
	"$PERFLOOP" bench --vs base.art --artifact fast.art >out.txt 2>err.txt &&
	! grep -q checksum out.txt err.txt &&
	id=$(ls -d .perfloop/logs/bench-* | sed "s/.*bench-//" | sort -n | tail -1) &&
	test $(grep -c checksum .perfloop/logs/bench-$id/stdout.log) -ge 2 &&
	sed -n 2p .perfloop/logs/bench-$id/index | grep -Eq "^1 A 1 0-[0-9]+ 0-0 0 [0-9.]+$" &&
	"$PERFLOOP" show $id --run 2 >run2 && grep -q "^checksum" run2 &&
	grep -q "^--- stderr" run2 &&
	expect_exit 128 "$PERFLOOP" show $id --run 99 2>err && grep -q "has no run 99" err
'

test_expect_success 'show --run prints a run'"'"'s whole output, past 64 KiB and NUL bytes' '
	cat >big.sh <<-\EOF &&
	#!/bin/sh
	printf "start\000after-nul\n"
	head -c 100000 /dev/zero | tr "\000" x
	printf "\nEND-MARK\n"
	EOF
	chmod +x big.sh &&
	printf "[bench]\ncommand = ./big.sh\nenv = X\n" >big.ini &&
	"$PERFLOOP" -c big.ini bench --artifact base.art --alone --runs 1 --json >big.json &&
	id=$(json_get big.json "d[\"id\"]") &&
	"$PERFLOOP" -c big.ini show "$id" --run 1 >run1 &&
	grep -qa "^END-MARK$" run1 && grep -qa "after-nul" run1 &&
	grep -av "^--- " run1 >content &&
	test "$(tr -cd x <content | wc -c)" -eq 100000 &&
	test "$(tr -cd "\000" <content | wc -c)" -eq 1 &&
	: >.perfloop/logs/bench-$id/stdout.log &&
	expect_exit 128 "$PERFLOOP" -c big.ini show "$id" --run 1 >/dev/null 2>err &&
	grep -q "ends after 0 of the run.s [0-9]* bytes of stdout" err
'

test_expect_success 'an [env] key naming the bench.env variable is refused with its location' '
	printf "[bench]\ncommand = $W\nenv = WORKLOAD_ARTIFACT\n[env]\nWORKLOAD_ARTIFACT = base.art\n" >dup.ini &&
	expect_exit 128 "$PERFLOOP" -c dup.ini bench --vs base.art --artifact slow.art --runs 1 2>err &&
	test $(wc -l <err) -eq 1 &&
	grep -q "dup.ini:5: \[env\] sets WORKLOAD_ARTIFACT, the variable bench.env gives the artifact.s path (.*dup.ini:3): both sides would run the same file" err &&
	printf "[bench]\ncommand = $W\nenv = 1BAD VAR\n" >badenv.ini &&
	expect_exit 128 "$PERFLOOP" -c badenv.ini log 2>err &&
	grep -q "badenv.ini:3: bad value for .bench.env.: .1BAD VAR. is not an environment variable name" err &&
	printf "\357\273\277[bench]\ncommand = $W\nenv = WORKLOAD_ARTIFACT\nruns = 0\n" >bom.ini &&
	expect_exit 128 "$PERFLOOP" -c bom.ini log 2>err &&
	grep -q "bom.ini:4: bad value for .bench.runs.: .0. is not a whole number >= 1" err
'

test_expect_success 'extra [env] keys reach the harness' '
	printf "[bench]\ncommand = sh -c \"test \\\"\$EXTRA\\\" = yes && $W\"\nenv = WORKLOAD_ARTIFACT\n[env]\nEXTRA = yes\n" >env.ini &&
	"$PERFLOOP" -c env.ini bench --artifact base.art --alone --runs 1 >/dev/null
'

test_expect_success 'hyperfine export is readable as hyperfine JSON' '
	"$PERFLOOP" bench --vs base.art --artifact fast.art --export-hyperfine hf.json --json >out.json &&
	json_get hf.json "len(d[\"results\"]) == 2 and all(len(r[\"times\"]) == len(r[\"exit_codes\"]) and abs(r[\"mean\"] - statistics.mean(r[\"times\"])) < 1e-9 for r in d[\"results\"])" | grep -q True &&
	# the times are the wall times of the bench, baseline first
	json_get hf.json "all(len(r[\"times\"]) == len(w) and all(abs(t - u) < 1e-6 for t, u in zip(r[\"times\"], w)) for r, w in zip(d[\"results\"], (lambda b: [b[s][\"wall\"] for s in (\"baseline\", \"candidate\")])(json.load(open(\"out.json\")))))" |
		grep -q True
'

test_expect_success 'log and show list benches with their runs' '
	"$PERFLOOP" log >log.txt && grep -q "slower" log.txt && grep -q "faster" log.txt &&
	"$PERFLOOP" log --json >log.json &&
	id=$(json_get log.json "d[-1][\"id\"]") &&
	"$PERFLOOP" show "$id" >show.txt && grep -q "stderr.log" show.txt &&
	expect_exit 128 "$PERFLOOP" show 99999 2>err && grep -q "no bench 99999" err
'

test_done
