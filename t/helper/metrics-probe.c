/*
 * metrics-probe: runs a command the way a bench run will, with the metric
 * sources of src/counters.c, src/valgrind.c and src/cpuset.c around it, and
 * prints what they measured as `name value` lines after the command's own
 * output (for t/t3000-metric-sources.sh).
 *
 *   metrics-probe [options] [--] COMMAND [ARG...]
 *     --counters LIST     counters to open (default all; see counter_mask_parse)
 *     --valgrind DIR      run under cachegrind, its output in DIR
 *     --valgrind-program PATH
 *     --cpus LIST         pin the command to these CPUs
 *     --no-aslr           run it without address-space randomization
 *     --parent-work MIB   touch MIB MiB of fresh memory and spin in the probe
 *                         itself while the counters are open, before the
 *                         spawn and after the reap (must not be counted)
 *     --pmu               only report whether the PMU counts (pmu yes|no REASON)
 *     --repeat N          run the command N times with one set of counters open
 *                         throughout, read around each run as a bench does
 *                         (struct child's counters); prints `run K NAME VALUE`
 *
 * Output lines: `status N`, one line per wanted counter (`NAME VALUE` with
 * ` scaled` / ` user-only` appended when so, or `NAME unavailable REASON`),
 * `parent-cpus LIST` and `parent-aslr on|off` (the probe's own affinity and
 * address randomization after the spawn: restored) and, under
 * valgrind, `valgrind-instructions N`, `valgrind-processes N`,
 * `valgrind-incomplete N`. Exit status 0, or 1 on an error (said on stderr).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <unistd.h>

#include "counters.h"
#include "cpuset.h"
#include "proc.h"
#include "valgrind.h"

static void parent_work(long mib)
{
	size_t n = (size_t)mib << 20, i;
	volatile unsigned long x = 0;
	char *p;

	if (!mib)
		return;
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	for (i = 0; i < n; i += 4096)
		p[i] = 1;
	for (i = 0; i < (size_t)mib * 1000000; i++)
		x += i;
	(void)x;
	munmap(p, n);
}

static void print_values(const struct counter_values *v, unsigned wanted)
{
	int i;

	for (i = 0; i < COUNTER__N; i++) {
		if (!(wanted & COUNTER_BIT(i)))
			continue;
		if (v->unavailable & COUNTER_BIT(i)) {
			struct strbuf why = STRBUF_INIT;

			counter_unavailable_reason(v->err[i], i, &why);
			printf("%s unavailable %s\n", counter_name(i), why.buf);
			strbuf_release(&why);
		} else if (v->not_run & COUNTER_BIT(i)) {
			printf("%s unavailable never scheduled\n", counter_name(i));
		} else {
			printf("%s %llu%s%s\n", counter_name(i), (unsigned long long)v->value[i],
			       v->scaled & COUNTER_BIT(i) ? " scaled" : "",
			       v->user_only & COUNTER_BIT(i) ? " user-only" : "");
		}
	}
}

/* --repeat: the counters open once, read around each run (proc.c's child.counters) */
static int run_repeated(char **cmd, unsigned wanted, long n)
{
	struct strbuf err = STRBUF_INIT;
	struct counter_set set;
	long k;

	if (counters_start(&set, wanted, &err))
		die("%s", err.buf);
	for (k = 1; k <= n; k++) {
		struct child c = CHILD_INIT;
		int id;

		c.argv = (const char *const *)cmd;
		c.fds_given = 1;
		c.out_fd = 1;
		c.err_fd = 2;
		c.counters = &set;
		fflush(stdout);
		if (child_run(&c, &err))
			die("%s", err.buf);
		for (id = 0; id < COUNTER__N; id++)
			if (c.counts.valid & COUNTER_BIT(id))
				printf("run %ld %s %llu\n", k, counter_name(id),
				       (unsigned long long)c.counts.value[id]);
	}
	counters_abort(&set);
	strbuf_release(&err);
	return 0;
}

int main(int argc, char **argv)
{
	const char *vgdir = NULL, *vgprog = NULL, *cpus_arg = NULL;
	unsigned wanted = COUNTERS_ALL;
	long pwork = 0, repeat = 0;
	int i, no_aslr = 0;
	struct strbuf err = STRBUF_INIT;
	struct child c = CHILD_INIT;
	struct counter_set set;
	struct counter_values vals;
	struct spawn_persona persona = SPAWN_PERSONA_INIT;
	cpu_set_t cpus, online, allowed;
	char **vgargv = NULL;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "--pmu")) {
			int ok = counters_pmu_present(&err);

			printf("pmu %s%s%s\n", ok ? "yes" : "no", ok ? "" : " ", err.buf);
			strbuf_release(&err);
			return 0;
		} else if (!strcmp(a, "--no-aslr")) {
			no_aslr = 1;
		} else if (i + 1 >= argc) {
			die("%s needs a value", a);
		} else if (!strcmp(a, "--counters")) {
			if (counter_mask_parse(argv[++i], &wanted, &err))
				die("%s", err.buf);
		} else if (!strcmp(a, "--valgrind")) {
			vgdir = argv[++i];
		} else if (!strcmp(a, "--valgrind-program")) {
			vgprog = argv[++i];
		} else if (!strcmp(a, "--cpus")) {
			cpus_arg = argv[++i];
		} else if (!strcmp(a, "--repeat")) {
			if (parse_long(argv[++i], &repeat) || repeat < 1)
				die("--repeat: '%s' is not a number of runs", argv[i]);
		} else if (!strcmp(a, "--parent-work")) {
			if (parse_long(argv[++i], &pwork))
				die("--parent-work: '%s' is not a number of MiB", argv[i]);
		} else {
			die("unknown option '%s'", a);
		}
	}
	if (i >= argc)
		die("usage: metrics-probe [options] [--] COMMAND [ARG...]");
	if (repeat)
		return run_repeated(argv + i, wanted, repeat);

	if (cpus_arg) {
		if (cpulist_parse(cpus_arg, &cpus, &err) || cpus_online(NULL, &online, &err))
			die("%s", err.buf);
		if (sched_getaffinity(0, sizeof(allowed), &allowed))
			die("sched_getaffinity: %s", strerror(errno));
		if (cpulist_check(&cpus, &online, &allowed, &err))
			die("--cpus: %s", err.buf);
		persona.cpus = &cpus;
	}
	persona.no_aslr = no_aslr;

	c.argv = (const char *const *)(argv + i);
	if (vgdir) {
		if (valgrind_prepare_dir(vgdir, &err))
			die("%s", err.buf);
		vgargv = valgrind_wrap(vgprog, vgdir, c.argv);
		c.argv = (const char *const *)vgargv;
	}
	c.fds_given = 1;
	c.out_fd = 1;
	c.err_fd = 2;
	fflush(stdout);

	if (counters_start(&set, wanted, &err))
		die("%s", err.buf);
	parent_work(pwork);
	/* bench.c will do this around posix_spawn alone; here around the whole run */
	if (spawn_persona_begin(&persona, &err)) {
		counters_abort(&set);
		die("%s", err.buf);
	}
	if (child_run(&c, &err)) {
		counters_abort(&set);
		die("%s", err.buf);
	}
	if (spawn_persona_end(&persona, &err))
		die("%s", err.buf);
	parent_work(pwork);
	if (counters_finish(&set, &vals, &err))
		die("%s", err.buf);

	printf("status %d\n", c.status);
	print_values(&vals, wanted);
	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		die("sched_getaffinity: %s", strerror(errno));
	fputs("parent-cpus ", stdout);
	strbuf_reset(&err);
	cpulist_format(&allowed, &err);
	puts(err.buf);
	printf("parent-aslr %s\n", personality(0xffffffffUL) & ADDR_NO_RANDOMIZE ? "off" : "on");
	if (vgdir) {
		struct valgrind_result r;

		strbuf_reset(&err);
		if (valgrind_collect(vgdir, &r, &err))
			die("%s", err.buf);
		printf("valgrind-instructions %llu\nvalgrind-processes %d\n"
		       "valgrind-incomplete %d\n",
		       (unsigned long long)r.instructions, r.processes, r.incomplete);
		cmd_free_words(vgargv);
	}
	strbuf_release(&err);
	return 0;
}
