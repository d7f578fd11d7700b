#!/bin/bash
# The ledger under concurrency and damage: processes started together on a new
# ledger all succeed; a damaged page is found on open (or by the query that
# meets it) and the file is then never written to.
. "$(dirname "$0")/lib.sh"

W="$HELPERS/workload"
cat >perfloop.ini <<INI
[core]
busy-timeout = 5
[bench]
command = $W
env = WORKLOAD_ARTIFACT
runs = 2
warmup = 0
[build]
command = true
artifact = cand.art
INI
echo "work=0.01" >cand.art
L=.perfloop/ledger.db

# stamp FILE: what perfloop records in FILE-checked after a clean check
stamp() {
	python3 -c '
import os, sys
s = os.stat(sys.argv[1])
m, c = divmod(s.st_mtime_ns, 10**9), divmod(s.st_ctime_ns, 10**9)
print("perfloop-ledger-checked %d %d %d %d.%09d %d.%09d" % (s.st_dev, s.st_ino, s.st_size,
      m[0], m[1], c[0], c[1]))' "$1"
}

# zero_page FILE N: overwrite 4 KiB page N (from 0) with zeros in place
zero_page() {
	dd if=/dev/zero of="$1" bs=4096 seek="$2" count=1 conv=notrunc 2>/dev/null
}

# rootpage FILE TABLE: the page number (from 1) of TABLE's b-tree root
rootpage() {
	sqlite3 "$1" "SELECT rootpage FROM sqlite_master WHERE name = '$2'"
}

# a CPU hog on each core stretches the window in which one process switches
# the new file to WAL while the others open it (SQLite can refuse that switch
# at once, without waiting for the busy timeout)
test_expect_success 'processes started together on a new ledger all succeed' '
	yes >/dev/null &
	hog1=$!
	yes >/dev/null &
	hog2=$!
	trap "kill $hog1 $hog2 2>/dev/null" EXIT
	for round in $(seq 40); do
		rm -rf race && mkdir race && printf "[core]\nbusy-timeout = 5\n" >race/perfloop.ini &&
		for i in 1 2 3 4 5 6 7 8; do
			(cd race && exec "$PERFLOOP" log >/dev/null 2>err.$i) &
		done &&
		failed=0 &&
		for job in $(jobs -p); do
			test $job = $hog1 || test $job = $hog2 || wait $job || failed=$((failed + 1))
		done &&
		{ test $failed -eq 0 || { echo "round $round"; cat race/err.*; false; }; } || return 1
	done
	kill $hog1 $hog2
'

test_expect_success 'set up a ledger of several pages' '
	"$PERFLOOP" baseline save first >/dev/null 2>&1 &&
	for i in $(seq 12); do "$PERFLOOP" bench >/dev/null 2>&1 || return 1; done &&
	test "$(sqlite3 $L "PRAGMA page_size")" = 4096 &&
	test "$(sqlite3 $L "PRAGMA freelist_count")" = 0 &&
	test "$(sqlite3 $L "PRAGMA page_count")" -ge 20 &&
	test "$(sqlite3 $L "SELECT count(*) FROM benches")" = 12 &&
	test ! -e $L-wal &&
	cp $L good.db
'

test_expect_success 'a zeroed page is refused by log and bench, which leave the file as it was' '
	pages=$(sqlite3 good.db "PRAGMA page_count") &&
	for page in $(seq 0 $((pages - 1))); do
		rm -f $L-wal $L-shm && cp good.db $L && zero_page $L $page &&
		sum=$(md5sum <$L) &&
		expect_exit 128 "$PERFLOOP" log >/dev/null 2>err &&
		test $(wc -l <err) -eq 1 && grep -q "ledger .$TEST_DIR/$L. is corrupt" err &&
		grep -q "move it aside" err &&
		expect_exit 128 "$PERFLOOP" bench >/dev/null 2>err &&
		grep -q "is corrupt" err &&
		test "$sum" = "$(md5sum <$L)" || { echo "page $page"; cat err; return 1; }
	done
'

test_expect_success 'a query error is an error, not the end of the rows' '
	rm -f $L-wal $L-shm && cp good.db $L &&
	zero_page $L $(($(rootpage good.db benches) - 1)) &&
	stamp $L >$L-checked &&
	expect_exit 128 "$PERFLOOP" log >out 2>err &&
	test $(wc -l <err) -eq 1 && grep -q "is corrupt or not a SQLite database" err &&
	! grep -q "no benches" out &&
	test ! -e $L-checked &&
	expect_exit 128 "$PERFLOOP" log >/dev/null 2>err && grep -q "is corrupt" err
'

test_expect_success "a WAL's frames are not copied into a damaged ledger" '
	rm -f $L-wal $L-shm $L-checked && cp good.db $L &&
	python3 -c "
import os, sqlite3
c = sqlite3.connect(\"$L\", isolation_level=None)
c.execute(\"PRAGMA wal_autocheckpoint=0\")
c.execute(\"INSERT INTO artifacts(hash, size, path, created) VALUES (1, 1, 1, 1)\")
os._exit(0)  # no close: the frames stay in the WAL
" &&
	test $(stat -c %s $L-wal) -gt 32 &&
	zero_page $L $(($(sqlite3 good.db "PRAGMA page_count") - 1)) &&
	sum=$(md5sum <$L) &&
	expect_exit 128 "$PERFLOOP" log >/dev/null 2>err && grep -q "is corrupt" err &&
	test "$sum" = "$(md5sum <$L)"
'

test_expect_success 'a clean ledger is checked again only after it changed' '
	rm -f $L-wal $L-shm $L-checked && cp good.db $L &&
	"$PERFLOOP" log >/dev/null &&
	test "$(cat $L-checked)" = "$(stamp $L)" &&
	"$PERFLOOP" bench >/dev/null 2>&1 &&
	test "$(cat $L-checked)" = "$(stamp $L)" &&
	echo garbage >$L-checked &&
	"$PERFLOOP" log >/dev/null &&
	test "$(cat $L-checked)" = "$(stamp $L)"
'

test_done
