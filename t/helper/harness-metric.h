/*
 * harness-metric.h: the deterministic harness metric of the test harnesses
 * (workload, dlharness), so that a verdict test does not depend on wall
 * time: with $HARNESS_METRIC set to a NAME, the harness writes "NAME VALUE"
 * to $PERFLOOP_METRICS_FILE, VALUE the work its artifact sets times a seeded
 * noise factor 1 + F * p[k % 8]:
 *
 *   F  $HARNESS_NOISE (a fraction; 0.01 when unset)
 *   p  a fixed pattern of eight values in [-1, 1]
 *   k  this harness's run number, counted in the file $HARNESS_COUNTER
 *      (0 in every run without it)
 *
 * The same sequence of figures every time, however loaded the machine is.
 */
#ifndef HARNESS_METRIC_H
#define HARNESS_METRIC_H

#include <stdio.h>
#include <stdlib.h>

/* The noise factor 1 + f * p[k % 8] of run number k (t/data/mharness.c uses it too). */
static inline double harness_noise_factor(double f, long k)
{
	static const double pattern[8] = {0.9, -0.7, 0.3, -1.0, 0.6, -0.2, 1.0, -0.5};
	return 1 + f * pattern[k % 8];
}

/* The run number k counted in the file at path (0 without one), and the file counted up. */
static inline long harness_next_run(const char *path)
{
	long k = 0;
	FILE *f;
	if (!path)
		return 0;
	if ((f = fopen(path, "r"))) {
		if (fscanf(f, "%ld", &k) != 1)
			k = 0;
		fclose(f);
	}
	if ((f = fopen(path, "w"))) {
		fprintf(f, "%ld\n", k + 1);
		fclose(f);
	}
	return k;
}

/* 0 when written (or not asked for), -1 when the metrics file cannot be written. */
static inline int harness_metric_write(double work)
{
	const char *name = getenv("HARNESS_METRIC"), *file = getenv("PERFLOOP_METRICS_FILE");
	const char *noise = getenv("HARNESS_NOISE");
	double f = noise ? atof(noise) : 0.01;
	long k;
	FILE *fp;

	if (!name || !*name || !file)
		return 0;
	k = harness_next_run(getenv("HARNESS_COUNTER"));
	if (!(fp = fopen(file, "w")))
		return -1;
	fprintf(fp, "%s %.3f\n", name, work * harness_noise_factor(f, k));
	return fclose(fp) ? -1 : 0;
}

#endif
