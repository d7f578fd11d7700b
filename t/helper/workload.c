/*
 * workload: a benchmark harness for tests whose work is set by the artifact
 * it is given, as Rspack's CLI loads the binding named by RSPACK_BINDING.
 *
 * It reads the file named by $WORKLOAD_ARTIFACT (or the variable named by
 * $WORKLOAD_ENV) holding "key=value" lines:
 *   work=N     millions of iterations of a CPU loop (the time per run)
 *   rss=MB     touch this many MiB of memory
 *   exit=N     exit with this status after printing to stderr
 *   sleep=S    sleep S seconds (for timeouts)
 *   noise=P    add up to P percent of random extra work (pid-seeded)
 * Unknown keys are ignored. Prints the checksum so the loop is not elided.
 * With $HARNESS_METRIC set, it also reports the metric NAME = work x 1e6 (the
 * loop's iterations) with seeded noise (harness-metric.h): what the tests'
 * verdicts judge, so that no verdict depends on wall time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness-metric.h"

int main(void)
{
	const char *var = getenv("WORKLOAD_ENV");
	const char *path = getenv(var ? var : "WORKLOAD_ARTIFACT");
	char line[256];
	double work = 1, rss = 0, sleep_s = 0, noise = 0;
	int exit_code = 0;
	volatile uint64_t x = 88172645463325252ull;
	FILE *f;

	if (!path) {
		fprintf(stderr, "workload: %s is not set\n", var ? var : "WORKLOAD_ARTIFACT");
		return 2;
	}
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "workload: cannot open artifact '%s'\n", path);
		return 2;
	}
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		if (!strcmp(line, "work"))
			work = atof(eq + 1);
		else if (!strcmp(line, "rss"))
			rss = atof(eq + 1);
		else if (!strcmp(line, "exit"))
			exit_code = atoi(eq + 1);
		else if (!strcmp(line, "sleep"))
			sleep_s = atof(eq + 1);
		else if (!strcmp(line, "noise"))
			noise = atof(eq + 1);
	}
	fclose(f);
	if (harness_metric_write(work * 1e6) < 0) {
		fprintf(stderr, "workload: cannot write the metrics file\n");
		return 3;
	}
	if (noise > 0) {
		srand((unsigned)getpid() ^ (unsigned)time(NULL));
		work *= 1 + noise / 100.0 * rand() / (double)RAND_MAX;
	}
	if (rss > 0) {
		size_t n = (size_t)(rss * 1024 * 1024);
		char *p = malloc(n);
		if (!p)
			return 3;
		for (size_t i = 0; i < n; i += 4096)
			p[i] = (char)i;
		x ^= (uint64_t)p[n / 2];
		free(p);
	}
	for (uint64_t i = 0, n = (uint64_t)(work * 1e6); i < n; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	if (sleep_s > 0) {
		struct timespec ts = { (time_t)sleep_s, (long)((sleep_s - (time_t)sleep_s) * 1e9) };
		nanosleep(&ts, NULL);
	}
	printf("checksum %llu\n", (unsigned long long)x);
	if (exit_code) {
		for (int i = 1; i <= 30; i++)
			fprintf(stderr, "workload: error line %d\n", i);
		return exit_code;
	}
	return 0;
}
