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

/* 0 when written (or not asked for), -1 when the metrics file cannot be written. */
static int harness_metric_write(double work)
{
	static const double pattern[8] = {0.9, -0.7, 0.3, -1.0, 0.6, -0.2, 1.0, -0.5};
	const char *name = getenv("HARNESS_METRIC"), *file = getenv("PERFLOOP_METRICS_FILE");
	const char *noise = getenv("HARNESS_NOISE"), *counter = getenv("HARNESS_COUNTER");
	double f = noise ? atof(noise) : 0.01;
	long k = 0;
	FILE *fp;

	if (!name || !*name || !file)
		return 0;
	if (counter) {
		if ((fp = fopen(counter, "r"))) {
			if (fscanf(fp, "%ld", &k) != 1)
				k = 0;
			fclose(fp);
		}
		if ((fp = fopen(counter, "w"))) {
			fprintf(fp, "%ld\n", k + 1);
			fclose(fp);
		}
	}
	if (!(fp = fopen(file, "w")))
		return -1;
	fprintf(fp, "%s %.3f\n", name, work * (1 + f * pattern[k % 8]));
	return fclose(fp) ? -1 : 0;
}

#endif
