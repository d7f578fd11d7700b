#!/bin/bash
# perfloop profile and hotspots against real perf: profiles of a C and a Rust
# program with known hot functions, read by perfloop, give the rows
# perf report gives; old profiles symbolize after a rebuild; bad files and a
# missing or forbidden perf are one clear line.
# rustup finds its toolchains under the real HOME, which lib.sh replaces
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
. "$(dirname "$0")/lib.sh"

command -v perf >/dev/null 2>&1 || test_skip_all "perf is not installed (apt-get install linux-perf)"
perf record -q -o probe.data -e cycles:u -F 1000 -- true >/dev/null 2>&1 ||
	test_skip_all "perf cannot record here (kernel.perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null))"
command -v cc >/dev/null 2>&1 || test_skip_all "no C compiler"
command -v python3 >/dev/null 2>&1 || test_skip_all "python3 is needed to compare with perf report"

CMP="python3 $SRC/t/helper/perf-compare.py"
cc -O1 -g -fno-omit-frame-pointer -o hot "$SRC/t/data/hot.c" || test_skip_all "cannot build t/data/hot.c"
cat >perfloop.ini <<'INI'
[bench]
command = $HOT 10
env = HOT
timeout = 120
[build]
artifact = hot
INI

test_expect_success 'profile records the harness and says which event perf used' '
	"$PERFLOOP" profile --json >p.json &&
	json_get p.json "d[\"status\"] == \"done\" and d[\"samples\"] > 50 and d[\"event\"] == \"cycles:u\"" | grep -q True &&
	json_get p.json "d[\"event_recorded\"]" | grep -q . &&
	test -s .perfloop/profiles/1.perf.data &&
	json_get p.json "len(d[\"artifact_hash\"]) == 32 and d[\"stored\"] is not None" | grep -q True &&
	test -f "$(json_get p.json "d[\"stored\"]")" &&
	test -s .perfloop/logs/profile-1.err && grep -q "perf record" .perfloop/logs/profile-1.err &&
	"$PERFLOOP" profile >out.txt &&
	grep -q "^profile 2: [0-9]* samples of " out.txt &&
	if json_get p.json "d[\"event_substituted\"]" | grep -q True; then
		grep -q "cycles:u is not available on this machine" out.txt
	fi &&
	"$PERFLOOP" profile --list >list.txt && grep -q "^ *2 " list.txt && grep -q "^ *1 " list.txt
'

test_expect_success 'hotspots gives perf report'"'"'s rows on the C program' '
	for s in sym dso,sym comm,dso,sym; do
		for lim in 0 0.2; do
			$CMP report "$PERFLOOP" .perfloop/profiles/1.perf.data $s $lim || return 1
		done
	done
'

test_expect_success 'the hot functions and their split are found' '
	"$PERFLOOP" hotspots 1 --json >h.json &&
	json_get h.json "[r[\"symbol\"] for r in d[\"rows\"]][:2] == [\"hot_alpha\", \"hot_beta\"]" | grep -q True &&
	json_get h.json "d[\"rows\"][0][\"percent\"] > 50 and d[\"rows\"][0][\"samples\"] > 0 and d[\"rows\"][0][\"period\"] > 0" | grep -q True &&
	json_get h.json "d[\"total_samples\"] > 0 and d[\"total_period\"] > 0 and d[\"event\"] != \"\"" | grep -q True &&
	json_get h.json "all(k in r for r in d[\"rows\"] for k in (\"dso\", \"symbol\", \"percent\", \"samples\", \"period\", \"hints\"))" | grep -q True
'

test_expect_success 'hotspots defaults to the newest profile of the current artifact' '
	"$PERFLOOP" hotspots --json >d.json &&
	json_get d.json "d[\"profile\"]" | grep -qx 2 &&
	"$PERFLOOP" hotspots >t.txt && grep -q "^# profile 2: " t.txt && grep -q "hot_alpha" t.txt
'

test_expect_success 'rows carry hint categories from the built-in rules and a rule file' '
	cat >rules.ini <<-\EOF &&
	# a project rule
	[mine]
	match = hot_al*
	advice = look at hot_alpha first
	caution-below = 99
	caution = only a test caution
	EOF
	printf "[profile]\nhints = rules.ini\n" >>perfloop.ini &&
	"$PERFLOOP" hotspots 1 --json >h.json &&
	json_get h.json "[r[\"hints\"] for r in d[\"rows\"] if r[\"symbol\"] == \"hot_alpha\"][0]" >v && grep_q mine v &&
	json_get h.json "d[\"hints\"][\"mine\"][\"advice\"]" >v && grep_q "look at hot_alpha first" v &&
	json_get h.json "[r[\"caution\"] for r in d[\"rows\"] if r[\"symbol\"] == \"hot_alpha\"][0]" >v && grep_q "only a test caution" v &&
	"$PERFLOOP" hotspots 1 --percent-limit 0 >t.txt &&
	grep_q "hot_alpha  \[mine \*\]" t.txt && grep_q "^  mine  *look at hot_alpha first" t.txt &&
	printf "[mine]\nbogus = 1\n" >rules.ini &&
	expect_exit 128 "$PERFLOOP" hotspots 1 2>err && grep_q "rules.ini:2: unknown key .bogus." err
'
sed -i '/^\[profile\]/,$d' perfloop.ini

test_expect_success 'an old profile still symbolizes after the artifact is rebuilt' '
	sed "s/hot_alpha/hot_gamma/g" "$SRC/t/data/hot.c" >hot2.c &&
	cc -O1 -g -fno-omit-frame-pointer -o hot hot2.c &&
	"$PERFLOOP" hotspots 1 --json >h.json 2>err &&
	json_get h.json "d[\"rows\"][0][\"symbol\"]" | grep -qx hot_alpha &&
	! grep -q "changed since" err &&
	"$PERFLOOP" hotspots .perfloop/profiles/1.perf.data >/dev/null 2>err &&
	grep -q "changed since it was profiled" err
'

test_expect_success 'folded stacks need call chains, and come from frame pointers' '
	expect_exit 128 "$PERFLOOP" hotspots 1 --folded 2>err &&
	test $(wc -l <err) -eq 1 && grep -q "no call chains" err && grep -q -- "--callgraph fp" err &&
	cc -O1 -g -fno-omit-frame-pointer -o hot "$SRC/t/data/hot.c" &&
	"$PERFLOOP" profile --callgraph fp --json >p.json &&
	id=$(json_get p.json "d[\"id\"]") &&
	"$PERFLOOP" hotspots "$id" --folded >folded.txt &&
	grep -Eq "^hot;.*main;(hot_outer;)?hot_alpha [0-9]+$" folded.txt &&
	awk "{n += \$NF} END {exit n < 50}" folded.txt
'

test_expect_success 'the Rust program: demangled names match perf report' '
	rustc --version >/dev/null 2>&1 || { echo "no usable rustc: not checked"; return 0; }
	rustc -O -g -o hot-rs "$SRC/t/data/hot.rs" &&
	printf "[bench]\ncommand = \$HOT 4\nenv = HOT\n" >rs.ini &&
	"$PERFLOOP" -c rs.ini profile --artifact hot-rs --json >r.json &&
	f=$(json_get r.json "d[\"path\"]") &&
	"$PERFLOOP" hotspots "$f" --json >h.json &&
	json_get h.json "[r[\"symbol\"] for r in d[\"rows\"]][:2]" | grep -q "hot::spin_left" &&
	json_get h.json "[r[\"symbol\"] for r in d[\"rows\"]][:2]" | grep -q "hot::Mixer::spin_right" &&
	for s in sym dso,sym; do $CMP report "$PERFLOOP" "$f" $s 0 || return 1; done
'

test_expect_success 'samples in PLT stubs are attributed as perf report attributes them' '
	echo "int tiny(int x) { return x + 1; }" >plib.c &&
	cat >pmain.c <<-\EOF &&
	#include <stdio.h>
	int tiny(int);
	int main(void)
	{
		long s = 0;
		for (long i = 0; i < 100000000; i++)
			s += tiny((int)i);
		printf("%ld\n", s);
		return 0;
	}
	EOF
	cc -O2 -shared -fPIC -o libplib.so plib.c &&
	cc -O2 -o pmain pmain.c -L. -lplib -Wl,-rpath,"$TEST_DIR" &&
	perf record -q -o plt.data -e cycles:u -F 2500 ./pmain >/dev/null 2>&1 &&
	$CMP report "$PERFLOOP" plt.data dso,sym 0
'

test_expect_success 'a compressed profile (perf record -z) reads like perf report' '
	printf "[profile]\nrecord-args = -z\n" >>perfloop.ini &&
	"$PERFLOOP" profile --json >z.json &&
	f=$(json_get z.json "d[\"path\"]") &&
	sed -i "/^\[profile\]/,\$d" perfloop.ini &&
	"$SRC/t/helper/perf-compare.py" report "$PERFLOOP" "$f" dso,sym 0 >cmp.txt 2>&1 || { cat cmp.txt; return 1; }
	perf report -i "$f" --header-only 2>/dev/null | grep -q "compressed"
'

test_expect_success 'a pipe-mode file reads like perf report' '
	HOT=./hot perf record -q -o - -e cycles:u -F 2500 -- ./hot 5 2>/dev/null >pipe.data &&
	test -s pipe.data &&
	$CMP report "$PERFLOOP" pipe.data dso,sym 0
'

test_expect_success 'several events in one file are reported separately' '
	"$PERFLOOP" profile --event cpu-clock:u,task-clock:u --freq 1000 --json >e.json &&
	f=$(json_get e.json "d[\"path\"]") &&
	"$PERFLOOP" hotspots "$f" --json >h.json &&
	json_get h.json "len(d[\"events\"])" | grep -qx 2 &&
	$CMP report "$PERFLOOP" "$f" dso,sym 0
'

test_expect_success 'corrupt and truncated files are one line with the byte offset' '
	sz=$(stat -c %s .perfloop/profiles/1.perf.data) &&
	head -c $((sz / 2)) .perfloop/profiles/1.perf.data >half.data &&
	expect_exit 128 "$PERFLOOP" hotspots half.data 2>err &&
	test $(wc -l <err) -eq 1 && grep -q "at byte [0-9]" err && grep -q truncated err &&
	cp .perfloop/profiles/1.perf.data bad.data &&
	off=$(python3 -c "import struct,sys; b=open(\"bad.data\",\"rb\").read(); print(struct.unpack_from(\"<Q\", b, 40)[0])") &&
	printf "\377\377\377\377\007\000\003\000" | dd of=bad.data bs=1 seek=$off conv=notrunc 2>/dev/null &&
	expect_exit 128 "$PERFLOOP" hotspots bad.data 2>err &&
	test $(wc -l <err) -eq 1 && grep -q "at byte $off" err &&
	printf "not a profile at all" >junk.data &&
	expect_exit 128 "$PERFLOOP" hotspots junk.data 2>err &&
	test $(wc -l <err) -eq 1 && grep -q "not a perf.data file" err &&
	: >empty.data && expect_exit 128 "$PERFLOOP" hotspots empty.data 2>err && test $(wc -l <err) -eq 1 &&
	expect_exit 128 "$PERFLOOP" hotspots 99 2>err && grep -q "no profile 99" err
'

test_expect_success 'a missing perf is one line saying what to install' '
	printf "[profile]\nperf = /nonexistent/perf\n" >>perfloop.ini &&
	expect_exit 128 "$PERFLOOP" profile 2>err &&
	sed -i "/^\[profile\]/,\$d" perfloop.ini &&
	test $(wc -l <err) -eq 1 && grep -q "apt-get install linux-perf" err
'

test_expect_success 'a too strict perf_event_paranoid is one line naming the sysctl value' '
	level=$(cat /proc/sys/kernel/perf_event_paranoid) &&
	if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null || [ "$level" -lt 2 ]; then
		echo "needs root, setpriv and perf_event_paranoid >= 2: checked by hand only"; return 0
	fi
	chmod -R a+rwX "$TEST_DIR" &&
	expect_exit 128 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$PERFLOOP" profile --event cycles 2>err &&
	test $(wc -l <err) -eq 1 && grep -q "perf_event_paranoid is $level" err &&
	grep -q "sysctl kernel.perf_event_paranoid=1" err
'

# a harness that counts its runs in a file: one line per run
cat >count.sh <<'SH'
#!/bin/sh
echo run >>"${COUNT:-runs.log}"
exec "$HOT" "$@"
SH
chmod +x count.sh
printf "[bench]\ncommand = ./count.sh 10\nenv = HOT\ntimeout = 120\n[build]\nartifact = hot\n" >runs.ini

test_expect_success 'profile --runs 3 records three harness runs into one profile' '
	rm -f runs.log &&
	"$PERFLOOP" -c runs.ini profile --json >r1.json &&
	test $(wc -l <runs.log) -eq 1 &&
	"$PERFLOOP" -c runs.ini profile --runs 3 --json >r3.json &&
	test $(wc -l <runs.log) -eq 4 &&
	json_get r1.json "d[\"runs\"]" | grep -qx 1 &&
	json_get r3.json "d[\"runs\"] == 3 and d[\"status\"] == \"done\"" | grep -q True &&
	json_get r3.json "d[\"samples\"] >= 2 * $(json_get r1.json "d[\"samples\"]")" | grep -q True &&
	id=$(json_get r3.json "d[\"id\"]") &&
	"$PERFLOOP" hotspots "$id" --json >h.json &&
	json_get h.json "d[\"rows\"][0][\"symbol\"]" | grep -qx hot_alpha &&
	"$PERFLOOP" -c runs.ini profile --list >list.txt &&
	grep_q "^ *$id  .*  [0-9]*     3  [0-9a-f]\{12\}  " list.txt &&
	grep_q "^ *id  .*samples  runs  artifact" list.txt &&
	"$PERFLOOP" -c runs.ini profile --list --json >l.json &&
	json_get l.json "[p[\"runs\"] for p in d if p[\"id\"] == $id][0]" | grep -qx 3 &&
	"$PERFLOOP" -c runs.ini profile --runs 2 >out.txt &&
	grep_q "^profile [0-9]*: [0-9]* samples of .* (2 harness runs) -> " out.txt &&
	test $(wc -l <runs.log) -eq 6
'

test_expect_success '[profile] runs sets the default; bad values are one line' '
	rm -f runs.log &&
	cp runs.ini runs2.ini && printf "[profile]\nruns = 2\n" >>runs2.ini &&
	"$PERFLOOP" -c runs2.ini profile --json >r.json &&
	json_get r.json "d[\"runs\"]" | grep -qx 2 && test $(wc -l <runs.log) -eq 2 &&
	"$PERFLOOP" -c runs2.ini profile --runs 1 --json >r.json &&
	json_get r.json "d[\"runs\"]" | grep -qx 1 && test $(wc -l <runs.log) -eq 3 &&
	sed -i "s/^runs = 2/runs = 0/" runs2.ini &&
	expect_exit 128 "$PERFLOOP" -c runs2.ini profile 2>err &&
	test $(wc -l <err) -eq 1 && grep_q "bad value 0 for profile.runs" err &&
	grep_q "runs2.ini:[0-9]" err &&
	expect_exit 129 "$PERFLOOP" -c runs.ini profile --runs 0 2>err &&
	grep -q -- "--runs needs a whole number >= 1" err &&
	test $(wc -l <runs.log) -eq 3
'

test_expect_success 'with --runs, the first failing run ends the profile with its status' '
	cat >fail2.sh <<-\EOF &&
	#!/bin/sh
	echo run >>f.log
	test $(wc -l <f.log) -lt 2 || exit 5
	exec "$HOT" 2
	EOF
	chmod +x fail2.sh && rm -f f.log &&
	printf "[bench]\ncommand = ./fail2.sh\nenv = HOT\n[build]\nartifact = hot\n" >f.ini &&
	expect_exit 3 "$PERFLOOP" -c f.ini profile --runs 4 2>err &&
	grep_q "exit status 5" err && test $(wc -l <f.log) -eq 2 &&
	"$PERFLOOP" -c f.ini profile --list --json >l.json &&
	json_get l.json "d[0][\"status\"] == \"failed\" and d[0][\"runs\"] == 4" | grep -q True
'

test_expect_success 'with --runs, the timeout is per run and kills the whole recording' '
	printf "#!/bin/sh\necho run >>s.log\nexec sleep \"\$1\"\n" >slow.sh && chmod +x slow.sh &&
	printf "[bench]\ncommand = ./slow.sh 31.25\nenv = HOT\ntimeout = 1\n[build]\nartifact = hot\n" >s.ini &&
	rm -f s.log &&
	expect_exit 4 "$PERFLOOP" -c s.ini profile --runs 2 2>err &&
	grep_q "ran past 2 runs of bench.timeout (2 s) and was killed" err &&
	test $(wc -l <s.log) -eq 1 &&
	! pgrep -f "sleep 31.25" >/dev/null &&
	"$PERFLOOP" -c s.ini profile --list --json >l.json &&
	json_get l.json "d[0][\"status\"]" | grep -qx timeout &&
	printf "[bench]\ncommand = ./slow.sh 1\nenv = HOT\ntimeout = 3\n[build]\nartifact = hot\n" >s.ini &&
	rm -f s.log &&
	"$PERFLOOP" -c s.ini profile --runs 4 >/dev/null &&
	test $(wc -l <s.log) -eq 4
'

test_expect_success 'with --runs, Ctrl-C stops every run and records interrupted' '
	printf "[bench]\ncommand = ./slow.sh 32.5\nenv = HOT\ntimeout = 120\n[build]\nartifact = hot\n" >s.ini &&
	rm -f s.log &&
	{ "$PERFLOOP" -c s.ini profile --runs 3 2>err & } &&
	pid=$! &&
	i=0; while ! test -s s.log && test $i -lt 200; do sleep 0.1; i=$((i + 1)); done &&
	kill -INT $pid &&
	{ wait $pid; rc=$?; } &&
	test $rc -eq 130 &&
	test $(wc -l <s.log) -eq 1 &&
	! pgrep -f "sleep 32.5" >/dev/null &&
	"$PERFLOOP" -c s.ini profile --list --json >l.json &&
	json_get l.json "d[0][\"status\"]" | grep -qx interrupted
'

test_expect_success 'a failing harness fails the profile with its status' '
	printf "[bench]\ncommand = sh -c \"exit 3\"\nenv = HOT\n[build]\nartifact = hot\n" >fail.ini &&
	expect_exit 3 "$PERFLOOP" -c fail.ini profile 2>err &&
	grep -q "exit status 3" err &&
	"$PERFLOOP" -c fail.ini profile --list --json >l.json &&
	json_get l.json "d[0][\"status\"]" | grep -qx failed
'

test_expect_success 'processes the harness leaves behind under perf are warned about and stopped' '
	cat >leaves.sh <<-\EOF &&
	sleep 300 &
	echo $! >left.pid
	EOF
	printf "[bench]\ncommand = sh leaves.sh\nenv = HOT\n[build]\nartifact = hot\n" >leave.ini &&
	"$PERFLOOP" -c leave.ini profile >out.txt 2>err &&
	grep -q "warning: the harness left 1 process(es) running after perf record ended; perfloop stopped them" err &&
	p=$(cat left.pid) &&
	for i in $(seq 300); do test -d /proc/$p || break; grep -q "^$p (.*) [ZX] " /proc/$p/stat && break; sleep 0.1; done &&
	! { test -d /proc/$p && ! grep -q "^$p (.*) [ZX] " /proc/$p/stat; }; rc=$?
	kill -9 $(cat left.pid) 2>/dev/null
	test $rc -eq 0
'

test_done
