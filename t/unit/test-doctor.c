/*
 * test-doctor.c: the doctor's choice of one metric (doctor_recommend()),
 * its one-line advice and the host facts it warns about (doctor.c), from
 * facts fed in: no machine, no ledger.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "doctor.h"

/* A history entry: name, under valgrind, sigma, pairs. */
static struct metric_history H(const char *name, int valgrind, double sigma, int pairs) {
	struct metric_history h;
	memset(&h, 0, sizeof(h));
	h.name = (char *)name;
	h.valgrind = valgrind;
	h.sigma = sigma;
	h.df = pairs - 1;
	h.pairs = pairs;
	h.calibrations = 1;
	return h;
}

/* Facts of a VM without a PMU, idle, with valgrind, in a project. */
static struct doctor_inputs
vm(const struct metric_history *noise, size_t n)
{
	struct doctor_inputs in;
	memset(&in, 0, sizeof(in));
	in.pmu = HI_NO;
	in.valgrind = HI_YES;
	in.load_known = 1;
	in.load = 0.1;
	in.cpus = 2;
	in.project = 1;
	in.noise = noise;
	in.nnoise = n;
	return in;
}

/* The metric and tool recommended for in; its reason must contain `why`. */
static void expect(const struct doctor_inputs *in, const char *metric, const char *tool,
		   const char *why)
{
	struct doctor_rec rec;
	doctor_recommend(in, &rec);
	assert_string_equal(rec.metric, metric);
	if (tool)
		assert_string_equal(rec.tool, tool);
	else
		assert_null(rec.tool);
	if (!strstr(rec.reason, why))
		fail_msg("reason '%s' lacks '%s'", rec.reason, why);
	assert_non_null(rec.brief);
	doctor_rec_release(&rec);
}

static void test_pmu_first(void **state)
{
	struct metric_history n[] = {H("wall", 0, 0.2, 10), H("score", 0, 0.001, 10)};
	struct doctor_inputs in = vm(n, 2);
	(void)state;
	in.pmu = HI_YES;
	/* counters beat everything, even a quiet harness metric */
	expect(&in, "instructions", "pmu", "hardware counters");
}

static void test_quiet_harness_metric(void **state)
{
	struct metric_history n[] = {H("wall", 0, 0.05, 10), H("cpu", 0, 0.005, 10),
				     H("score", 0, 0.02, 10), H("work", 0, 0.004, 8),
				     H("noisy", 0, 0.2, 8)};
	struct doctor_inputs in = vm(n, 5);
	(void)state;
	/* the quietest harness metric, before cpu or valgrind */
	expect(&in, "work", NULL,
	       "'work' has an A/A noise of 0.40% per pair (8 pairs), wall "
	       "time's 5.00%");
	/* a harness metric noisier than wall is no improvement */
	n[0].sigma = 0.003;
	expect(&in, "wall", NULL, "0.30% per pair (10 pairs), low enough");
	/* above 3% it is not quiet, whatever wall does */
	n[2].sigma = n[3].sigma = 0.031;
	n[0].sigma = 0.1;
	expect(&in, "cpu", NULL, "CPU time's 0.50%");
	/* built-in metrics are not harness metrics; valgrind's counts are not native */
	{
		struct metric_history m[] = {H("wall", 0, 0.1, 10), H("cycles", 0, 0.001, 10),
					     H("instructions", 1, 0.0, 10)};
		struct doctor_inputs in2 = vm(m, 3);
		expect(&in2, "instructions", "valgrind", "wall time's A/A noise is 10.0% per pair");
	}
}

static void test_noisy_wall(void **state)
{
	struct metric_history n[] = {H("wall", 0, 0.124, 12), H("cpu", 0, 0.02, 12)};
	struct doctor_inputs in = vm(n, 2);
	(void)state;
	/* cpu not quiet enough: valgrind counts exactly */
	expect(&in, "instructions", "valgrind",
	       "wall time's A/A noise is 12.4% per pair (12 pairs); without hardware counters "
	       "valgrind counts instructions exactly");
	/* cpu at most 1%: cheaper than valgrind, and enough */
	n[1].sigma = 0.01;
	expect(&in, "cpu", NULL, "the harness waits for CPUs");
	/* no valgrind: the quieter of cpu and wall */
	n[1].sigma = 0.02;
	in.valgrind = HI_NO;
	expect(&in, "cpu", NULL, "CPU time's 2.0%, lower");
	n[1].sigma = 0.2;
	expect(&in, "wall", NULL,
	       "nothing quieter is available here (no hardware counters, no "
	       "valgrind, cpu no quieter)");
	in.nnoise = 1;
	expect(&in, "wall", NULL, "no valgrind)");
	/* exactly at the threshold is not noisy */
	n[0].sigma = DOCTOR_NOISY;
	in.valgrind = HI_YES;
	expect(&in, "wall", NULL, "low enough");
}

static void test_cpu_beside_valgrind(void **state)
{
	/* lz4 on a loaded VM: cpu quiet, valgrind's instructions exact */
	struct metric_history n[] = {H("wall", 0, 0.22, 3), H("cpu", 0, 0.0028, 3),
				     H("instructions", 1, 0.0, 3)};
	struct metric_history m[] = {H("wall", 0, 0.22, 3), H("cpu", 0, 0.0028, 3)};
	struct doctor_inputs in = vm(n, 3), bare = vm(m, 2);
	(void)state;
	/* cpu decides at native speed, and the reason says valgrind's counts are as good */
	expect(&in, "cpu", NULL, "instructions counted by valgrind are as steady here (0.00% per "
				 "pair)");
	expect(&bare, "cpu", NULL, "CPU-bound harness");
}

static void test_uncalibrated(void **state)
{
	struct doctor_inputs in = vm(NULL, 0);
	(void)state;
	expect(&in, "wall", NULL, "not calibrated on this host yet");
	/* a loaded host without calibration: wall time is suspect */
	in.load = 1.5;
	expect(&in, "instructions", "valgrind",
	       "wall time is not calibrated here and the load average is 1.50 on 2 usable CPUs");
	in.project = 0;
	expect(&in, "instructions", "valgrind", "not calibrated here (outside a project)");
	/* unknown CPUs or load: nothing to say it is loaded */
	in.cpus = 0;
	expect(&in, "wall", NULL, "outside a project there is no A/A noise");
	in.cpus = 2;
	in.load_known = 0;
	expect(&in, "wall", NULL, "outside a project");
	/* a quota of one CPU makes a load of 0.6 busy */
	in.load_known = 1;
	in.load = 0.6;
	expect(&in, "wall", NULL, "outside a project");
	in.cpus = 1;
	expect(&in, "instructions", "valgrind", "0.60 on 1 usable CPUs");
}

static void test_advice_line(void **state)
{
	struct metric_history n[] = {H("wall", 0, 0.124, 12)};
	struct doctor_inputs in = vm(n, 1);
	struct doctor_rec rec;
	struct strbuf sb = STRBUF_INIT;
	(void)state;
	doctor_recommend(&in, &rec);
	assert_int_equal(doctor_advice_line(metric_find("wall"), 0.124, &rec, &sb), 1);
	assert_string_equal(sb.buf, "wall noise 12.4% per pair on this host; `perfloop doctor` "
				    "recommends bench.metric = instructions (no PMU: valgrind)");
	strbuf_reset(&sb);
	/* quiet enough: nothing to say */
	assert_int_equal(doctor_advice_line(metric_find("wall"), DOCTOR_NOISY, &rec, &sb), 0);
	assert_int_equal(doctor_advice_line(metric_find("wall"), 0.001, &rec, &sb), 0);
	assert_int_equal(sb.len, 0);
	doctor_rec_release(&rec);
	/* no quieter metric: still the pointer, saying so */
	in.valgrind = HI_NO;
	doctor_recommend(&in, &rec);
	assert_int_equal(doctor_advice_line(metric_find("wall"), 0.124, &rec, &sb), 1);
	assert_string_equal(sb.buf, "wall noise 12.4% per pair on this host; `perfloop doctor` "
				    "recommends bench.metric = wall (no quieter metric here)");
	doctor_rec_release(&rec);
	strbuf_release(&sb);
}

static void test_host_warnings(void **state)
{
	struct hostinfo hi;
	char **w;
	size_t n;
	(void)state;
	memset(&hi, 0, sizeof(hi));
	hi.pmu = hi.valgrind = hi.boost = hi.smt = HI_UNKNOWN;
	hi.cpus_online = hi.cpus_allowed = 4;
	hi.cpu_quota = 0;
	hi.load_known = 1;
	hi.load[0] = 1.9;
	assert_int_equal(doctor_host_warnings(&hi, &w), 0);
	free(w);
	/* a quota of 1.5 CPUs: throttled, and the load is high for it */
	hi.cpu_quota = 1.5;
	hi.governor = (char *)"powersave";
	hi.boost = HI_YES;
	hi.smt = HI_YES;
	n = doctor_host_warnings(&hi, &w);
	assert_int_equal(n, 5);
	assert_string_equal(w[0], "load average 1.90 on 1.5 usable CPUs: other work competes "
				  "with the harness for CPUs (wall time suffers most)");
	assert_non_null(strstr(w[1], "cgroup CPU quota of 1.5 CPUs below the 4 allowed"));
	assert_non_null(strstr(w[2], "governor 'powersave'"));
	assert_non_null(strstr(w[3], "turbo boost on"));
	assert_non_null(strstr(w[4], "SMT on"));
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	free(w);
	hi.governor = (char *)"performance";
	hi.boost = hi.smt = HI_NO;
	hi.cpu_quota = 8;
	assert_int_equal(doctor_host_warnings(&hi, &w), 0);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pmu_first),	cmocka_unit_test(test_quiet_harness_metric),
	    cmocka_unit_test(test_noisy_wall),	cmocka_unit_test(test_uncalibrated),
	    cmocka_unit_test(test_cpu_beside_valgrind),
	    cmocka_unit_test(test_advice_line), cmocka_unit_test(test_host_warnings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
