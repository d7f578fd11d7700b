/*
 * gharness: a benchmark harness for t2040-guards.sh whose reports come from
 * the artifact it is given ($ART, any file: the example's shared library),
 * so that a change decides them, never the time. "gharness LABEL" finds the
 * first "plt-LABEL " in the artifact's bytes and reads "KEY VALUE" pairs
 * after it up to a ';':
 *
 *   work X     write "work X" (times the noise factor) to $PERFLOOP_METRICS_FILE
 *   rss M      allocate and touch M MiB before exiting (peak memory)
 *   noise F    noise factor 1 + F * p[k % 8] (harness-metric.h), k this
 *              label's run number, counted in the file $GH_COUNTER.LABEL
 *
 * Without a marker: work 100, no allocation, no noise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../helper/harness-metric.h"

/* This label's run number, counted in the file $GH_COUNTER.LABEL (0 without it). */
static long next_run(const char *label)
{
	const char *base = getenv("GH_COUNTER");
	char path[4096];
	if (!base)
		return 0;
	snprintf(path, sizeof(path), "%s.%s", base, label);
	return harness_next_run(path);
}

int main(int argc, char **argv)
{
	const char *art = getenv("ART"), *mfile = getenv("PERFLOOP_METRICS_FILE");
	double work = 100, rss = 0, noise = 0, factor = 1;
	char marker[64], *buf, *at;
	size_t n = 0, cap = 1 << 16;
	FILE *f;

	if (argc != 2 || !art || !(f = fopen(art, "rb"))) {
		fprintf(stderr, "usage: ART=FILE gharness LABEL\n");
		return 2;
	}
	buf = malloc(cap + 1);
	for (size_t r; buf && (r = fread(buf + n, 1, cap - n, f)) > 0;) {
		n += r;
		if (n == cap)
			buf = realloc(buf, (cap *= 2) + 1);
	}
	fclose(f);
	if (!buf)
		return 2;
	buf[n] = '\0';
	snprintf(marker, sizeof(marker), "plt-%s ", argv[1]);
	for (size_t i = 0; i + strlen(marker) <= n; i++) {
		char key[16];
		double val;
		int used;
		if (memcmp(buf + i, marker, strlen(marker)))
			continue;
		for (at = buf + i + strlen(marker); sscanf(at, "%15s %lf%n", key, &val, &used) == 2;
		     at += used) {
			if (!strcmp(key, "work"))
				work = val;
			else if (!strcmp(key, "rss"))
				rss = val;
			else if (!strcmp(key, "noise"))
				noise = val;
			while (at[used] == ' ')
				used++;
			if (at[used] == ';')
				break;
		}
		break;
	}
	free(buf);
	if (noise)
		factor = harness_noise_factor(noise, next_run(argv[1]));
	if (rss > 0) {
		size_t bytes = (size_t)(rss * 1048576);
		volatile char *p = malloc(bytes);
		for (size_t i = 0; p && i < bytes; i += 4096)
			p[i] = 1;
		free((void *)p);
	}
	if (mfile) {
		FILE *m = fopen(mfile, "w");
		if (!m)
			return 3;
		fprintf(m, "work %.6f\n", work * factor);
		fclose(m);
	}
	return 0;
}
