/*
 * bench-doc.h: a bench's JSON document — what `bench --json` prints and the
 * ledger keeps in benches.result — written once by bench_json() (bench.h)
 * and read back by one reader, bench_doc_read(), into a struct bench_view
 * that printers use: it checks every key's type once and fills defaults,
 * so a document of an older perfloop (no "metric", no "noise" source, no
 * per-run metrics) is read as what it means, never as a NULL string.
 *
 * The document (README, "What bench measures and prints", lists the keys):
 *   top level   id, kind, status, message, verdict, early_reject, metric,
 *               metric_source, ratio, wall_ratio, ratio_mean, interval,
 *               level, pairs, max_pairs, native_pairs, margin, noise, plan,
 *               calibration, cross_checks, contradiction, command, dir, env,
 *               host, started, finished, baseline, candidate, checks
 *   a side      artifact, hash, name, per measured native run the arrays
 *               wall, user, sys, max_rss_kb, exit_codes and metrics (an
 *               object NAME -> array, null where a run has no value),
 *               median, mean, min, max, stddev of wall; and valgrind, the
 *               same arrays for its runs under valgrind
 */
#ifndef BENCH_DOC_H
#define BENCH_DOC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "metric.h"
#include "strbuf.h"

/* One metric's values on one side: the runs that exited 0 and have one. */
struct bench_series {
	const struct metric *m;
	int valgrind; /* of its runs under valgrind */
	double *x;
	size_t n;
};

struct bench_view_side {
	int present;
	const char *artifact, *hash, *name; /* name: of a saved baseline, or NULL */
	size_t runs;			    /* measured native runs */
	size_t ok;			    /* of those, exited 0 */
	size_t vg_runs;			    /* measured runs under valgrind */
	double rss_median; /* kB, of the native runs that exited 0; NAN when none */
	struct bench_series *series;
	size_t nseries;
};

struct bench_view_cross {
	const struct metric *m;
	int valgrind;
	int pairs;
	double ratio;	   /* B/A of the medians */
	double ratio_mean; /* exp(mean ln(B/A)) */
	double lo, hi;	   /* its interval (ratios), NAN when none */
	double level;
	const char *noise; /* "history", "pairs", ... */
	int calibrated, contradicts;
};

struct bench_view {
	json_t *doc; /* the document: every string of the view lives in it */
	int64_t id;
	const char *kind, *status, *message;
	int calibration;     /* kind "calibrate": A/A, no verdict */
	const char *verdict; /* NULL when none */
	int early_reject;
	const struct metric *metric;
	const char *metric_source;			     /* "pmu", "valgrind" or NULL */
	double ratio, wall_ratio, ratio_mean, lo, hi, level; /* NAN when absent */
	int pairs, max_pairs, native_pairs;
	double margin;
	int has_noise;
	const char *noise_source; /* "unknown" in a document without one */
	double sigma, df, reject_at;
	int has_cal;
	double cal_sigma, cal_df;
	int has_plan;
	int plan_pairs, plan_history, plan_warn, plan_needed;
	double plan_sigma, plan_mde, plan_target;
	struct bench_view_cross *cross;
	size_t ncross;
	const char *contradiction;
	const char *command, *dir, *env, *host;
	double started, finished;
	struct bench_view_side a, b; /* a.present only with a baseline */
	int has_checks;
	double min_ratio, cpu_ratio, rss_ratio, loadavg;
	int rss_flag, noisy, leftover_runs;
	const char **reasons;
	size_t nreasons;
};

/*
 * Read a bench document (borrowed: keep it alive while the view is used).
 * -1 with err when it is not a bench document at all (not an object, no
 * "candidate" side); missing or mistyped keys get defaults.
 */
int bench_doc_read(json_t *doc, struct bench_view *v, struct strbuf *err);
void bench_view_release(struct bench_view *v);

/* A side's series of metric m (under valgrind or not), NULL when it has none. */
const struct bench_series *bench_view_series(const struct bench_view_side *s,
					     const struct metric *m, int valgrind);

#endif
