/*
 * doctor.h: what a benchmark on this host can trust (`perfloop doctor`),
 * and the one metric to judge by.
 *
 * doctor_gather() collects the host's facts (hostinfo.h: hardware counters,
 * valgrind, load and the busiest processes, CPUs, cgroup quota, governor,
 * boost, SMT), the A/A noise of the configured bench on this host per
 * metric from the ledger's calibrations (when run inside a project), the
 * facts that hurt a benchmark as warnings, and a recommendation:
 * doctor_recommend(), a pure function of those facts, picks one metric with
 * its reason. calibrate, bench and try print doctor_advice_line() when the
 * noise of the metric they judge is high. Nothing here prints.
 */
#ifndef DOCTOR_H
#define DOCTOR_H

#include <jansson.h>

#include "bench.h"
#include "hostinfo.h"
#include "project.h"
#include "store.h"
#include "strbuf.h"

/*
 * Noise per pair above which verdicts need many pairs (the level calibrate
 * warns at), and at or below which a metric is quiet.
 */
#define DOCTOR_NOISY 0.03
#define DOCTOR_QUIET 0.01
/* Calibrations pooled per metric, as bench pools them. */
#define DOCTOR_HISTORY 5

/* What the recommendation depends on. */
struct doctor_inputs {
	int pmu;      /* HI_YES, HI_NO, HI_UNKNOWN: user-space instructions counted */
	int valgrind; /* HI_YES ...: valgrind can count them */
	int load_known;
	double load; /* 1-minute load average */
	double cpus; /* CPUs the harness can use (hostinfo_usable_cpus()); <= 0 unknown */
	int project; /* in a project: its bench's noise was looked up */
	const struct metric_history *noise; /* the bench's A/A noise on this host */
	size_t nnoise;
};

struct doctor_rec {
	char *metric;	  /* the value for bench.metric */
	const char *tool; /* instructions: "pmu" or "valgrind"; else NULL */
	char *brief;	  /* a few words for one-line advice: "no PMU: valgrind" */
	char *reason;	  /* why, in a sentence */
};

/* The one recommended metric for these facts (rec is overwritten). */
void doctor_recommend(const struct doctor_inputs *in, struct doctor_rec *rec);
void doctor_rec_release(struct doctor_rec *rec);

/*
 * When metric m's noise per pair (sigma) is above DOCTOR_NOISY, one line
 * that points at `perfloop doctor` and its recommendation into out
 * (appended, no newline) and 1; else 0.
 */
int doctor_advice_line(const struct metric *m, double sigma, const struct doctor_rec *rec,
		       struct strbuf *out);

/* The facts that make wall time noisy, one sentence each, appended to a new array. */
size_t doctor_host_warnings(const struct hostinfo *hi, char ***out);

struct doctor_report {
	struct hostinfo host;
	const char *host_name;
	char *config;		      /* perfloop.ini, NULL outside a project */
	const char *metric;	      /* bench.metric there, NULL outside a project */
	char key[HASH_HEX];	      /* the bench's key, "" when none is configured */
	struct metric_history *noise; /* its A/A noise on this host per metric and tool */
	size_t nnoise;
	char *noise_note; /* why there is no noise, NULL when there is */
	char **warnings;
	size_t nwarnings;
	struct doctor_rec rec;
};

struct doctor_opts {
	double sample_seconds; /* for the busiest processes; 0 = none */
};

/*
 * Gather everything. c may have no configuration file (outside a project):
 * then host facts only. 0, or -1 with err when the ledger cannot be read;
 * release r either way.
 */
int doctor_gather(struct project *c, const struct doctor_opts *o, struct doctor_report *r,
		  struct strbuf *err);
void doctor_release(struct doctor_report *r);

/* The report as JSON (README "perfloop doctor" lists the keys); a new reference. */
json_t *doctor_json(const struct doctor_report *r);

/*
 * The advice line of calibrate, bench and try: when metric m's noise sigma
 * is high, what doctor_gather() recommends for the configured bench (no
 * busy sample) as doctor_advice_line() says it, into out. 1 with out
 * filled, 0 when the noise is not high, -1 with err when the ledger cannot
 * be read.
 */
int doctor_bench_advice(struct project *c, const struct metric *m, double sigma, struct strbuf *out,
			struct strbuf *err);

#endif
