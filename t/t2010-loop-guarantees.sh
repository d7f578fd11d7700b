#!/bin/bash
# What the loop guarantees when things go wrong: Ctrl-C at any step of try,
# keep, build, validate and baseline save exits 130, records no verdict and
# leaves no half-written file; after revert and sync the artifact is HEAD's
# build (restored from the store) or said to be stale, and profile and bench
# refuse a stale one; keep --force builds the committed tree first.
#
# Interrupts are deterministic: every step runs ./hook STEP, which sends
# SIGINT to the perfloop running it when ./int-at names that step.
. "$(dirname "$0")/lib.sh"
. "$SRC/t/lib-loop.sh"

loop_repo 30000000

# hook STEP: when int-at names STEP (bench under perf record counts as
# "profile"), forget it, log it, SIGINT the nearest perfloop ancestor and wait
# to be killed with the step
cat >hook <<'SH'
#!/bin/sh
dir=$(dirname "$0")
step=$1
p=$PPID
under_perf=
while [ "$p" -gt 1 ]; do
	comm=$(cat /proc/$p/comm 2>/dev/null) || exit 0
	[ "$comm" = perfloop ] && break
	[ "$comm" = perf ] && under_perf=1
	p=$(sed 's/.*) //' /proc/$p/stat | cut -d" " -f2)
done
[ "$step" = bench ] && [ -n "$under_perf" ] && step=profile
[ "$(cat "$dir/int-at" 2>/dev/null)" = "$step" ] || exit 0
rm -f "$dir/int-at"
echo "$step" >>"$dir/int-log"
kill -INT "$p"
sleep 60
exit 1
SH
chmod +x hook
cat >work/perfloop.ini <<INI
[project]
worktree = $TEST_DIR/wt-{repo}-%Y%m%d
[build]
command = $TEST_DIR/hook build && mkdir -p build && cc -O1 -shared -fPIC -o build/libwork.so lib.c
artifact = build/libwork.so
[bench]
command = $TEST_DIR/hook bench && exec $HELPERS/dlharness
env = LIBWORK
runs = 2
warmup = 0
[validate]
command = $TEST_DIR/hook validate
[fingerprint]
hook = $TEST_DIR/hook fingerprint
INI
LEDGER=$WT/.perfloop/ledger.db
sql() { sqlite3 "$LEDGER" "$1"; }
no_tmp() { # no half-written copy in the store or next to the artifact
	test -z "$(find "$WT/.perfloop" "$WT/build" -name "*.tmp.*")" ||
		die_test "left behind: $(find "$WT/.perfloop" "$WT/build" -name "*.tmp.*")"
}
fired() { # the hook interrupted step $1 (and only once)
	! test -f int-at && test "$(tail -n 1 int-log)" = "$1" ||
		die_test "step $1 was not interrupted: $(cat int-log 2>/dev/null)"
}
art_hash() { sha256sum <"$WT/build/libwork.so" | cut -d" " -f1; }
stored_hash() { # the bytes of the loop's baseline in the store
	sha256sum <"$(sql "SELECT a.stored FROM loop l JOIN baselines b ON b.id = l.baseline_id
		JOIN artifacts a ON a.id = b.artifact_id")" | cut -d" " -f1
}
last_exp() { sql "SELECT status || ':' || IFNULL(verdict, '-') FROM experiments ORDER BY id DESC LIMIT 1"; }
if perf record -q -o perf-probe.data true 2>/dev/null; then have_perf=1; else have_perf=; fi

test_expect_success 'setup: a loop with a baseline' '
	(cd work && "$PERFLOOP" start perf/g >/dev/null) &&
	P build >/dev/null && P baseline save >/dev/null &&
	test "$(sql "SELECT count(*) FROM baselines")" = 1
'

test_expect_success 'build: Ctrl-C during the command exits 130, the build is interrupted' '
	echo build >int-at &&
	expect_exit 130 P build 2>err && fired build &&
	test "$(sql "SELECT status FROM builds ORDER BY id DESC LIMIT 1")" = interrupted
'

test_expect_success 'build: Ctrl-C during the fingerprint never records a build as ok' '
	echo fingerprint >int-at &&
	expect_exit 130 P build 2>err && fired fingerprint &&
	test "$(sql "SELECT status FROM builds ORDER BY id DESC LIMIT 1")" = interrupted &&
	test "$(sql "SELECT count(*) FROM builds WHERE fingerprint LIKE \"%failed%\"")" = 0
'

test_expect_success 'validate: Ctrl-C exits 130' '
	echo validate >int-at &&
	expect_exit 130 P validate 2>err && fired validate
'

test_expect_success 'baseline save: Ctrl-C during the fingerprint saves nothing' '
	P build >/dev/null &&
	echo fingerprint >int-at &&
	expect_exit 130 P baseline save interrupted 2>err && fired fingerprint &&
	test "$(sql "SELECT count(*) FROM baselines")" = 1 && no_tmp
'

for step in validate build bench profile; do
	if [ "$step" = profile ] && [ -z "$have_perf" ]; then
		test_skip "try: Ctrl-C during the profile step" "perf cannot record here"
		continue
	fi
	test_expect_success "try: Ctrl-C during the $step step exits 130, no verdict, patch kept" '
		echo "#define ITERS 15000000ull" >"$WT/iters.h" &&
		echo '"$step"' >int-at &&
		expect_exit 130 P try -m "fewer" >out 2>err && fired '"$step"' &&
		test "$(last_exp)" = "interrupted:-" &&
		id=$(sql "SELECT max(id) FROM experiments") &&
		P patch $id >saved.patch && grep -q "ITERS 15000000" saved.patch &&
		grep -q "ITERS 15000000" "$WT/iters.h" && no_tmp &&
		P status --json >st.json &&
		json_get st.json "d[\"next\"]" | grep -q "perfloop try"
	'
done

# the artifact is HEAD's build, not the change's: what keep must not commit as its baseline
build_head() { git -C "$WT" stash -q && P build >/dev/null && git -C "$WT" stash pop -q; }

test_expect_success 'keep --force: Ctrl-C while it builds the change commits nothing' '
	build_head &&
	head=$(git -C "$WT" rev-parse HEAD) &&
	base=$(sql "SELECT baseline_id FROM loop") &&
	echo build >int-at &&
	expect_exit 130 P keep --force -m "forced" --no-push --no-dispatch 2>err && fired build &&
	test "$(git -C "$WT" rev-parse HEAD)" = "$head" &&
	grep -q "ITERS 15000000" "$WT/iters.h" &&
	test "$(sql "SELECT baseline_id FROM loop")" = "$base" && no_tmp
'

test_expect_success 'keep --force: Ctrl-C while it saves the baseline commits nothing' '
	P build >/dev/null &&
	head=$(git -C "$WT" rev-parse HEAD) &&
	base=$(sql "SELECT baseline_id FROM loop") &&
	echo fingerprint >int-at &&
	expect_exit 130 P keep --force -m "forced" --no-push --no-dispatch 2>err &&
	fired fingerprint &&
	test "$(git -C "$WT" rev-parse HEAD)" = "$head" &&
	test "$(sql "SELECT baseline_id FROM loop")" = "$base" && no_tmp
'

test_expect_success 'keep --force without a try makes the baseline from a build of the commit' '
	build_head && old=$(art_hash) &&
	P keep --force -m "forced" --no-push --no-dispatch >keep.out 2>keep.err &&
	git -C "$WT" log -1 --format=%s | grep -q ": forced$" &&
	kept=$(stored_hash) &&
	test "$(art_hash)" = "$kept" && test "$kept" != "$old" &&
	P build >/dev/null &&
	test "$(art_hash)" = "$kept" &&
	test "$(sql "SELECT b.commit_id FROM loop l JOIN baselines b ON b.id = l.baseline_id")" = \
		"$(git -C "$WT" rev-parse HEAD)" &&
	P status --json >st.json &&
	json_get st.json "d[\"artifact\"][\"state\"]" | grep -qx current
'

test_expect_success 'keep: Ctrl-C during the push exits 130; commit and baseline stand' '
	mkdir -p work/.git/hooks &&
	printf "#!/bin/sh\nexec \"%s/hook\" push\n" "$TEST_DIR" >work/.git/hooks/pre-push &&
	chmod +x work/.git/hooks/pre-push &&
	echo "#define ITERS 14000000ull" >"$WT/iters.h" &&
	head=$(git -C "$WT" rev-parse HEAD) &&
	echo push >int-at &&
	expect_exit 130 P keep --force -m "pushed" --no-dispatch 2>err && fired push &&
	test "$(git -C "$WT" rev-parse HEAD^)" = "$head" &&
	test "$(sql "SELECT b.commit_id FROM loop l JOIN baselines b ON b.id = l.baseline_id")" = \
		"$(git -C "$WT" rev-parse HEAD)" &&
	test "$(stored_hash)" = "$(art_hash)" &&
	grep -q "not pushed" err &&
	rm work/.git/hooks/pre-push
'

test_expect_success 'revert restores the baseline bytes when the baseline is HEAD'"'"'s build' '
	kept=$(stored_hash) &&
	echo "#define ITERS 90000000ull" >"$WT/iters.h" &&
	{ P try -m "worse" --no-profile >/dev/null 2>&1; test $? -ne 130; } &&
	test "$(art_hash)" != "$kept" &&
	P revert >rev.out && grep -q "restored" rev.out &&
	test "$(art_hash)" = "$kept" &&
	P status --json >st.json &&
	json_get st.json "d[\"artifact\"][\"state\"]" | grep -qx current &&
	json_get st.json "d[\"next\"]" | grep -q "perfloop profile"
'

test_expect_success 'after sync moves HEAD the artifact is stale: profile and bench refuse' '
	git clone -q origin.git other 2>/dev/null &&
	(cd other && echo more >>README && git commit -qam "main moves" && git push -q origin main) &&
	P sync >sync.out && grep -q "stale" sync.out &&
	P status --json >st.json &&
	json_get st.json "d[\"artifact\"][\"state\"]" | grep -qx stale &&
	json_get st.json "d[\"next\"]" | grep -q "perfloop build" &&
	P status >st.out && grep -q "^artifact .*stale" st.out &&
	expect_exit 128 P bench 2>err && grep -q "perfloop build" err &&
	expect_exit 128 P profile 2>err && grep -q "perfloop build" err &&
	P bench --artifact "$WT/build/libwork.so" --runs 1 >/dev/null 2>&1
'

test_expect_success 'revert with a baseline of another commit says the artifact is stale; baseline save refuses it' '
	echo "#define ITERS 90000000ull" >"$WT/iters.h" &&
	P build >/dev/null &&
	P status --json >st.json &&
	json_get st.json "d[\"artifact\"][\"state\"]" | grep -qx current &&
	P revert >rev.out && grep -q "stale" rev.out &&
	P status --json >st.json &&
	json_get st.json "d[\"artifact\"][\"state\"]" | grep -qx stale &&
	expect_exit 128 P baseline save wrong 2>err && grep -q "is stale.*perfloop build" err &&
	test "$(sql "SELECT count(*) FROM baselines WHERE name = \"wrong\"")" = 0
'

test_expect_success 'a build of HEAD makes the artifact current again' '
	P build >/dev/null &&
	P status --json >st.json &&
	json_get st.json "d[\"artifact\"][\"state\"]" | grep -qx current &&
	if test -n "$have_perf"; then P profile >/dev/null 2>&1; fi
'

test_expect_success 'baseline save: SIGTERM while the store copies leaves no temporary file' '
	head -c 400000000 /dev/urandom >big.bin || exit 1
	(cd "$WT" && exec "$PERFLOOP" baseline save big --artifact "$TEST_DIR/big.bin" 2>"$TEST_DIR/err") &
	pid=$!
	# polled without a fork: on tmpfs the copy takes a tenth of a second
	for i in $(seq 1 3000); do
		compgen -G "$WT/.perfloop/store/*/*/.*.tmp.*" >/dev/null && break
		sleep 0.01
	done
	test $i -lt 3000 || die_test "never saw the store.s temporary file" || return 1
	kill -TERM $pid; wait $pid; rc=$?
	rm -f big.bin
	test $rc -eq 130 && no_tmp &&
	test "$(sql "SELECT count(*) FROM baselines WHERE name = \"big\"")" = 0
'

test_expect_success 'status says when the config no longer builds the way the baseline was' '
	P build >/dev/null && P baseline save fp >/dev/null &&
	P status --json >st.json &&
	json_get st.json "d[\"baseline_built_otherwise\"]" | grep -qx None &&
	printf "[fingerprint]\ncc = cc --version\n" >>work/perfloop.ini &&
	P status --json >st.json &&
	json_get st.json "d[\"baseline_built_otherwise\"]" | grep -q "fingerprint. cc is new" &&
	json_get st.json "d[\"next\"]" | grep -q "^perfloop build && perfloop baseline save" &&
	P status >st.out && grep_q "^ *built another way than the config says: " st.out &&
	! P bench --runs 1 >/dev/null 2>err && grep_q "not built the same way" err &&
	P build >/dev/null && P baseline save fp2 >save.out &&
	# each output on its lines, not one JSON string with \n escapes
	grep_q "^  fingerprint build: .*cc -O1 -shared" save.out &&
	grep_q "^ *cc: $(cc --version | head -n 1)" save.out &&
	grep_q "^ *$(cc --version | sed -n 2p)" save.out && ! grep -q "[\\]n" save.out &&
	P status --json >st.json &&
	json_get st.json "d[\"baseline_built_otherwise\"]" | grep -qx None &&
	sed -i "s/^command = \(.*hook build\)/command = true \&\& \1/" work/perfloop.ini &&
	P status --json >st.json &&
	json_get st.json "d[\"baseline_built_otherwise\"]" | grep -q "^build.command was .*, is \"true && " &&
	# with a change in the worktree: the baseline is saved without it
	echo "/* a change */" >>"$WT/lib.c" &&
	P status --json >st.json &&
	json_get st.json "d[\"next\"]" | grep -q "git stash), perfloop build && perfloop baseline save, git stash pop" &&
	git -C "$WT" checkout -q lib.c
'

test_done
