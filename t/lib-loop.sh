# t/lib-loop.sh: sourced by the loop's end-to-end tests after t/lib.sh. A
# small C project for the loop: a bare origin.git and its clone work/ with
# lib.c (hot_loop() runs ITERS rounds of an LCG; the harness calls work();
# work_units() returns ITERS, which dlharness reports as a harness metric),
# iters.h and a README, pushed to origin's main.
#
#   loop_repo ITERS     create them; "Bail out!" and exit when git fails
#   loop_ini RUNS [work]  work/perfloop.ini: worktree under TEST_DIR, the build
#                       (cc -shared), the bench (dlharness, LIBWORK, RUNS
#                       pairs); with "work", the verdict judges the harness
#                       metric work (ITERS with seeded noise,
#                       t/helper/harness-metric.h), not wall time; append
#                       more sections with cat >>
#   P ARGS...           run perfloop in the loop's worktree $WT

loop_repo() {
	git init -q --bare origin.git
	git clone -q origin.git work 2>/dev/null
	cat >work/lib.c <<'C'
#include "iters.h"
__attribute__((noinline)) unsigned long long hot_loop(unsigned long long n)
{
	unsigned long long x = 1;
	for (unsigned long long i = 0; i < n; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	return x;
}

unsigned long long work(void)
{
	/* the work */
	return hot_loop(ITERS);
}

unsigned long long work_units(void)
{
	return ITERS;
}
C
	echo "#define ITERS ${1}ull" >work/iters.h
	echo "notes" >work/README
	(cd work && git add . && git commit -qm init && git push -q origin HEAD:main) ||
		{ echo "Bail out! cannot set up the repositories"; exit 1; }
}

loop_ini() {
	cat >work/perfloop.ini <<INI
[project]
worktree = $TEST_DIR/wt-{repo}-%Y%m%d
[build]
command = mkdir -p build && cc -O1 -shared -fPIC -o build/libwork.so lib.c
artifact = build/libwork.so
[bench]
command = $HELPERS/dlharness
env = LIBWORK
runs = $1
INI
	[ "${2:-}" = work ] || return 0
	cat >>work/perfloop.ini <<INI
metric = work
[metrics]
work = file
[env]
HARNESS_METRIC = work
HARNESS_COUNTER = $TEST_DIR/metric.count
INI
}

WT=$TEST_DIR/wt-work-$(date +%Y%m%d)
P() { (cd "$WT" && "$PERFLOOP" "$@"); }
