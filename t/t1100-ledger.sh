#!/bin/bash
# The ledger and baselines: bad ledgers are refused untouched, baselines are
# stored once and matched by fingerprint, calibrations feed the verdict.
. "$(dirname "$0")/lib.sh"

W="$HELPERS/workload"
cat >perfloop.ini <<INI
[core]
busy-timeout = 1
[bench]
command = $W
env = WORKLOAD_ARTIFACT
runs = 6
[build]
command = make artifact
artifact = cand.art
[fingerprint]
tool = cat tool-version
INI
echo "work=40" >cand.art
echo "tool 1.0" >tool-version

test_expect_success 'baseline save stores the bytes once, with the fingerprint' '
	"$PERFLOOP" baseline save first >out && grep -q "saved baseline .first." out &&
	"$PERFLOOP" baseline save second >/dev/null &&
	test $(find .perfloop/store -type f | wc -l) -eq 1 &&
	"$PERFLOOP" baseline list --json >list.json &&
	json_get list.json "d[0][\"name\"] == \"second\" and d[0][\"fingerprint\"][\"tool\"] == \"tool 1.0\" and d[0][\"fingerprint\"][\"build\"] == \"make artifact\"" | grep -q True
'

test_expect_success 'bench uses the newest matching baseline, from the store' '
	echo "work=36" >cand.art &&
	"$PERFLOOP" bench --json >out.json 2>err &&
	grep -q "baseline: .second." err &&
	json_get out.json "d[\"baseline\"][\"artifact\"].startswith(\"$TEST_DIR/.perfloop/store/\") and d[\"baseline\"][\"artifact\"].endswith(\"/cand.art\")" | grep -q True
'

test_expect_success 'a fingerprint mismatch is refused, naming the difference' '
	echo "tool 2.0" >tool-version &&
	expect_exit 128 "$PERFLOOP" bench 2>err &&
	grep -q "not built the same way: .tool. differs: baseline \"tool 1.0\", now \"tool 2.0\"" err &&
	grep -q -- "--force" err &&
	"$PERFLOOP" bench --force --runs 1 >/dev/null 2>err && grep -q "warning" err &&
	echo "tool 1.0" >tool-version
'

test_expect_success 'calibrate stores A/A noise that bench then uses' '
	"$PERFLOOP" calibrate --pairs 4 --json >cal.json &&
	json_get cal.json "d[\"calibration\"][\"df\"] == 3 and d[\"kind\"] == \"calibrate\"" | grep -q True &&
	"$PERFLOOP" bench --json >out.json 2>/dev/null &&
	json_get out.json "d[\"noise\"][\"source\"]" | grep -q history
'

test_expect_success 'a calibration shows its noise and no verdict' '
	id=$(json_get cal.json "d[\"id\"]") &&
	json_get cal.json "d[\"verdict\"] is None and d[\"calibration\"][\"sigma\"] > 0" | grep -q True &&
	"$PERFLOOP" show "$id" >show.txt &&
	! grep -q "run .perfloop calibrate." show.txt &&
	! grep -Eq "^verdict +(same|faster|slower|inconclusive)" show.txt &&
	grep -q "^verdict  *none: a calibration runs the same artifact on both sides" show.txt &&
	grep -q "^noise  *[0-9.]*% per pair (wall), measured by these A/A pairs (3 degrees of freedom)" show.txt &&
	"$PERFLOOP" show "$id" --json >s.json &&
	json_get s.json "d[\"verdict\"] is None and d[\"kind\"] == \"calibrate\"" | grep -q True &&
	"$PERFLOOP" log --json >log.json &&
	json_get log.json "[b[\"verdict\"] for b in d if b[\"id\"] == $id] == [None]" | grep -q True &&
	"$PERFLOOP" log >log.txt && grep -q "^$id .* calibrate .* -$" log.txt
'

# B does light and heavy work in turn (10 then 45 against 40: the first pair
# is no early reject), so its pairs spread far beyond the A/A noise of this
# host (CPU time, as in the issue's false keep: steady even under load)
test_expect_success 'a bench far noisier than its calibration is judged by its own pairs' '
	cat >alt.sh <<-EOF &&
	if grep -q "^alt" "\$WORKLOAD_ARTIFACT"; then
		n=\$(cat "$TEST_DIR/alt.count" 2>/dev/null || echo 0)
		echo \$((n + 1)) >"$TEST_DIR/alt.count"
		if [ \$((n % 2)) -eq 0 ]; then echo work=10; else echo work=45; fi >"$TEST_DIR/alt.art"
		WORKLOAD_ARTIFACT="$TEST_DIR/alt.art" exec "$W"
	fi
	exec "$W"
	EOF
	sed -e "s/^runs = .*/runs = 6\nmetric = cpu/" -e "s|^command = $W\$|command = sh $TEST_DIR/alt.sh|" \
		perfloop.ini >cpu.ini &&
	"$PERFLOOP" -c cpu.ini calibrate --pairs 6 >/dev/null 2>&1 &&
	echo alt >cand.art &&
	"$PERFLOOP" -c cpu.ini bench --json >out.json 2>/dev/null &&
	echo "work=36" >cand.art &&
	json_get out.json "d[\"noise\"], d[\"pairs\"], d[\"candidate\"][\"user\"]" >got &&
	json_get out.json "d[\"noise\"][\"source\"] == \"pairs (history too quiet)\" and d[\"pairs\"] >= 3" | grep -q True ||
		die_test "$(cat got)" &&
	# said as what it is: the load changed since calibrating, not "no history"
	"$PERFLOOP" -c cpu.ini show "$(json_get out.json "d[\"id\"]")" >noisy.txt &&
	grep_q "^noise .*from pairs (history too quiet) (the pairs spread more than the A/A history measured: the load changed since calibrating" noisy.txt &&
	! grep -q "no A/A history" noisy.txt
'

test_expect_success 'a corrupt ledger is refused and left untouched' '
	mkdir bad && cp perfloop.ini bad/ && mkdir bad/.perfloop &&
	head -c 8192 /dev/urandom >bad/.perfloop/ledger.db &&
	sum=$(md5sum <bad/.perfloop/ledger.db) &&
	(cd bad && expect_exit 128 "$PERFLOOP" log 2>../err) &&
	grep -q "corrupt or not a SQLite database" err && test $(wc -l <err) -eq 1 &&
	test "$sum" = "$(md5sum <bad/.perfloop/ledger.db)"
'

test_expect_success 'a truncated ledger is refused' '
	mkdir trunc && cp perfloop.ini trunc/ && mkdir trunc/.perfloop &&
	head -c 3000 .perfloop/ledger.db >trunc/.perfloop/ledger.db &&
	(cd trunc && expect_exit 128 "$PERFLOOP" log 2>../err) &&
	grep -Eq "corrupt|not a SQLite" err
'

test_expect_success 'a newer schema is refused with advice' '
	mkdir newer && cp perfloop.ini newer/ && mkdir newer/.perfloop &&
	cp .perfloop/ledger.db newer/.perfloop/ &&
	sqlite3 newer/.perfloop/ledger.db "PRAGMA user_version=999" &&
	(cd newer && expect_exit 128 "$PERFLOOP" log 2>../err) &&
	grep -q "schema version 999, newer than this perfloop" err &&
	test "$(sqlite3 newer/.perfloop/ledger.db "PRAGMA user_version")" = 999
'

test_expect_success "another program's database is not touched" '
	mkdir foreign && cp perfloop.ini foreign/ && mkdir foreign/.perfloop &&
	sqlite3 foreign/.perfloop/ledger.db "CREATE TABLE mine(x); INSERT INTO mine VALUES (1)" &&
	(cd foreign && expect_exit 128 "$PERFLOOP" log 2>../err) &&
	grep -q "not a perfloop ledger" err &&
	test "$(sqlite3 foreign/.perfloop/ledger.db "SELECT count(*) FROM sqlite_master")" = 1
'

test_expect_success 'a locked ledger gives a clear error and stays intact' '
	python3 -c "
import sqlite3, time, sys
c = sqlite3.connect(\".perfloop/ledger.db\", isolation_level=None)
c.execute(\"BEGIN IMMEDIATE\")
open(\"locked\", \"w\").close()
time.sleep(4)
c.execute(\"ROLLBACK\")
" &
	while ! test -f locked; do sleep 0.1; done &&
	expect_exit 128 "$PERFLOOP" bench --runs 1 2>err ; rc=$?
	wait
	test $rc -eq 0 && grep -q "locked by another perfloop process" err &&
	test "$(sqlite3 .perfloop/ledger.db "PRAGMA integrity_check")" = ok
'

test_expect_success 'a bench whose perfloop was killed is shown abandoned, not running' '
	cat >hang.sh <<-\EOF &&
	echo $$ >hang.pid
	: >hanging
	exec sleep 120
	EOF
	printf "[bench]\ncommand = sh hang.sh\nenv = WORKLOAD_ARTIFACT\n" >hang.ini &&
	rm -f hanging hang.pid
	# (alone: a list before & would put it in a subshell that kill -9 ends instead)
	"$PERFLOOP" -c hang.ini bench --alone --artifact cand.art >/dev/null 2>hang.err &
	pid=$! &&
	for i in $(seq 600); do test -f hanging || ! kill -0 $pid 2>/dev/null && break; sleep 0.1; done &&
	{ test -f hanging || { cat hang.err; false; }; } &&
	"$PERFLOOP" log --json >live.json &&
	kill -9 $pid && { wait $pid; true; } &&
	"$PERFLOOP" log --json >log.json &&
	"$PERFLOOP" log >log.txt &&
	id=$(json_get log.json "d[0][\"id\"]") &&
	"$PERFLOOP" show "$id" >show.txt &&
	json_get live.json "d[0][\"status\"]" | grep -qx running &&
	json_get log.json "d[0][\"status\"]" | grep -qx abandoned &&
	grep -Eq "^$id +[-0-9]+ [0-9:]+ +bench +target +abandoned " log.txt &&
	grep -q "^bench $id: abandoned, no result recorded — the perfloop process running it (pid $pid) is gone: killed or crashed" show.txt; rc=$?
	kill $(cat hang.pid) 2>/dev/null
	test $rc -eq 0
'

test_expect_success 'two perfloop processes share the ledger' '
	# the 1 s busy timeout above is for the locked-ledger case, not for these
	sed "s/^busy-timeout = 1$/busy-timeout = 30/" perfloop.ini >shared.ini || return 1
	"$PERFLOOP" -c shared.ini bench --runs 3 --json >a.json 2>a.err &
	"$PERFLOOP" -c shared.ini bench --runs 3 --json >b.json 2>b.err &
	wait &&
	{ test -s a.json && test -s b.json || { cat a.err b.err; false; }; } &&
	json_get a.json "d[\"status\"]" | grep -q done &&
	json_get b.json "d[\"status\"]" | grep -q done &&
	test "$(sqlite3 .perfloop/ledger.db "PRAGMA integrity_check")" = ok
'

test_done
