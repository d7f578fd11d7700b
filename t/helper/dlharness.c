/*
 * dlharness: the one benchmark harness of the tests and benchmarks that loads
 * the artifact with dlopen(), as Rspack's CLI loads the binding named by
 * RSPACK_BINDING. It loads the library named by $LIBWORK and calls the entry
 * point it exports:
 *
 *   unsigned long long work(void)     a fixed amount of work (the loop tests'
 *                                     C libraries, t/lib-loop.sh)
 *   uint64_t hot_entry(uint64_t n)    n iterations, n = argv[1] millions,
 *                                     3 by default (the Rust cdylibs of the
 *                                     profile tests and bench/hotspots)
 *
 *   dlharness [MILLIONS]
 *
 * When the library also exports unsigned long long work_units(void) (the
 * loop tests' libraries: their iterations), it is reported as the harness
 * metric $HARNESS_METRIC with seeded noise (harness-metric.h), what the loop
 * tests' verdicts judge instead of wall time.
 *
 * prints "result N" and exits 0; exits 2 when $LIBWORK is not set, the
 * library does not load or exports neither entry point.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness-metric.h"

int main(int argc, char **argv)
{
	const char *path = getenv("LIBWORK");
	void *h;
	unsigned long long (*work)(void);
	uint64_t (*hot_entry)(uint64_t);
	unsigned long long (*work_units)(void);
	unsigned long long result;

	if (!path) {
		fprintf(stderr, "dlharness: LIBWORK is not set\n");
		return 2;
	}
	h = dlopen(path, RTLD_NOW);
	if (!h) {
		fprintf(stderr, "dlharness: %s\n", dlerror());
		return 2;
	}
	/* a data pointer to a function pointer, the way POSIX's dlsym() example does it */
	*(void **)&work = dlsym(h, "work");
	*(void **)&hot_entry = dlsym(h, "hot_entry");
	*(void **)&work_units = dlsym(h, "work_units");
	if (work) {
		result = work();
	} else if (hot_entry) {
		uint64_t millions = argc > 1 ? strtoull(argv[1], NULL, 10) : 3;
		result = hot_entry(millions * 1000000);
	} else {
		fprintf(stderr, "dlharness: neither work() nor hot_entry() in %s\n", path);
		return 2;
	}
	if (work_units && harness_metric_write((double)work_units()) < 0) {
		fprintf(stderr, "dlharness: cannot write the metrics file\n");
		return 3;
	}
	printf("result %llu\n", result);
	dlclose(h);
	return 0;
}
