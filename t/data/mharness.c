/*
 * mharness: a benchmark harness for t1200-metrics.sh whose work and reports
 * depend on its artifact, the text file named by $ART, of "KEY VALUE" lines:
 *
 *   spin N      N iterations of a loop: instruction counts follow N
 *   score X     print "score = X" (times the noise factor) on stdout
 *   work X      write "work X" (times the noise factor) to $PERFLOOP_METRICS_FILE
 *   steady X    write "steady X" there, without the noise factor
 *   noise F     noise factor 1 + F * p[k % 8], p a fixed pattern (harness-metric.h) and k this
 *               harness's run number, counted in the file named by
 *               $MH_COUNTER: seeded, the same sequence every time
 *   cpus 1      print the Cpus_allowed_list line of /proc/self/status
 *   addr 1      print the addresses of a stack variable and of a malloc'ed block
 *
 * Nothing depends on the time, so every figure but the times is deterministic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../helper/harness-metric.h"

int main(void)
{
	const char *art = getenv("ART"), *mfile = getenv("PERFLOOP_METRICS_FILE");
	double score = -1, work = -1, steady = -1, noise = 0, factor;
	long spin = 0, cpus = 0, addr = 0;
	volatile unsigned long x = 0;
	char key[64];
	double val;
	FILE *f;

	if (!art || !(f = fopen(art, "r"))) {
		fprintf(stderr, "mharness: cannot read $ART\n");
		return 2;
	}
	while (fscanf(f, "%63s %lf", key, &val) == 2) {
		if (!strcmp(key, "spin"))
			spin = (long)val;
		else if (!strcmp(key, "score"))
			score = val;
		else if (!strcmp(key, "work"))
			work = val;
		else if (!strcmp(key, "steady"))
			steady = val;
		else if (!strcmp(key, "noise"))
			noise = val;
		else if (!strcmp(key, "cpus"))
			cpus = (long)val;
		else if (!strcmp(key, "addr"))
			addr = (long)val;
	}
	fclose(f);
	/* the counter file only when asked for noise: its I/O costs instructions */
	factor = noise ? harness_noise_factor(noise, harness_next_run(getenv("MH_COUNTER"))) : 1;
	for (long i = 0; i < spin; i++)
		x += (unsigned long)i;
	if (score >= 0)
		printf("progress: score = 1\nscore = %.6f\n", score * factor);
	if ((work >= 0 || steady >= 0) && mfile) {
		FILE *m = fopen(mfile, "w");
		if (!m)
			return 3;
		fprintf(m, "# written by mharness\n");
		if (work >= 0)
			fprintf(m, "work %.6f\n", work * factor);
		if (steady >= 0)
			fprintf(m, "steady %.6f\n", steady);
		fclose(m);
	}
	if (cpus) {
		char line[256];
		FILE *s = fopen("/proc/self/status", "r");
		while (s && fgets(line, sizeof(line), s))
			if (!strncmp(line, "Cpus_allowed_list:", 18))
				fputs(line, stdout);
		if (s)
			fclose(s);
	}
	if (addr) {
		int local = 0;
		void *block = malloc(1 << 20);
		printf("stack %p heap %p\n", (void *)&local, block);
		free(block);
	}
	return 0;
}
