#!/bin/bash
# The ledger under concurrency: processes started together on a new ledger all
# succeed.
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

test_expect_success 'processes started together on a new ledger all succeed' '
	for round in $(seq 20); do
		rm -rf race && mkdir race && printf "[core]\nbusy-timeout = 5\n" >race/perfloop.ini &&
		for i in 1 2 3 4 5 6 7 8; do
			(cd race && exec "$PERFLOOP" log >/dev/null 2>err.$i) &
		done &&
		failed=0 &&
		for job in $(jobs -p); do wait $job || failed=$((failed + 1)); done &&
		{ test $failed -eq 0 || { echo "round $round"; cat race/err.*; false; }; } || return 1
	done
'

test_done
