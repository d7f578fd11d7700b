/*
 * bench.h: the benchmark engine. Runs the harness for a candidate artifact
 * alone, or for a baseline (A) and a candidate (B) interleaved in balanced
 * order (A B B A A B ...), pairs each B with its neighbouring A, judges after
 * every pair (stats.h) and records the bench and every run in the ledger.
 *
 * Every run records wall, user and system time and peak RSS; native runs also
 * the perf_event counters of the harness's tree and the harness's own
 * metrics; instructions come from the counters or from valgrind (metric.h).
 * The verdict judges spec->metric; every other cost metric is a cross-check.
 *
 * It never prints: progress goes through hooks, the outcome into a result.
 */
#ifndef BENCH_H
#define BENCH_H

#include <jansson.h>
#include <sched.h>
#include <stdint.h>
#include "harness-metrics.h"
#include "ledger.h"
#include "metric.h"
#include "stats.h"

/* A/A noise of one metric for a bench on this host (calibrations, pooled). */
struct metric_history {
	char *name;     /* the metric */
	int valgrind;   /* measured under valgrind */
	double sigma, df;
	int pairs;        /* A/A pairs of the calibrations pooled */
	int calibrations; /* how many were pooled */
};

struct bench_spec {
	const char *kind;               /* "bench" or "calibrate" */
	const char *dir;                /* absolute directory the harness runs in */
	const char *command;
	const char *env_name;           /* set to the artifact's absolute path */
	const char *const *extra_env;   /* more "NAME=value", NULL-terminated */
	const char *log_root;           /* <state>/logs; a bench-<id>/ goes below */
	const char *key;                /* bench identity (bench_key()) */
	const char *guard;              /* the guard benchmark it is, NULL: the target */
	int max_pairs;                  /* pairs with a baseline, runs without */
	int warmup;                     /* unmeasured runs per side first */
	double timeout;                 /* seconds per run, 0 = none */
	struct verdict_params vp;
	int all_pairs;                  /* run every pair, never stop early (calibrate) */
	const struct metric *metric;    /* what the verdict judges (bench.metric) */
	/*
	 * Instructions counted by valgrind (no PMU): the judged pairs run under
	 * it, their times are valgrind's; native_pairs more pairs run natively
	 * (interleaved, before the valgrind pair of the same number) for every
	 * other metric. Without valgrind every run is native.
	 */
	int valgrind;
	const char *valgrind_program;
	int native_pairs;
	unsigned counters;              /* perf_event counters of native runs (COUNTER_BIT()s) */
	const cpu_set_t *cpus;          /* pin the harness's tree (bench.cpus), NULL = not */
	int no_aslr;                    /* bench.aslr = off */
	const struct hmetric_rules *rules;  /* [metrics] regexes */
	const char *const *required;    /* metrics every native run must report, NULL-terminated */
	const struct metric_history *hist; /* A/A noise per metric (cross-checks) */
	size_t nhist;
	double floor_time;              /* noise floors: times and harness metrics, */
	double floor_count;             /* and counts (instructions) */
	int cross_warn;                 /* bench.cross-check = warn */

	const char *cand_path;          /* B: absolute path */
	int64_t cand_id;                /* its artifact row */
	const char *cand_hash;
	const char *base_path;          /* A: NULL for a single-artifact bench */
	int64_t base_id;
	const char *base_hash;
	int64_t baseline_id;            /* named baseline used, 0 = --vs or none */
	const char *baseline_name;
};

struct bench_run {
	char side;        /* 'A' or 'B' */
	int pair;         /* 1-based, 0 for warmups */
	int warmup;
	int valgrind;     /* ran under valgrind: its times are valgrind's */
	double started;   /* epoch seconds */
	double wall, user, sys;
	long max_rss_kb;
	int status;
	double *v;        /* value of the result's metric i (NAN when none) */
	size_t nv;
	const char *log_out, *log_err; /* the bench's logs (owned by the result) */
	long out_off, out_len;         /* this run's bytes in log_out */
	long err_off, err_len;         /* and in log_err */
};

enum bench_status { BENCH_DONE, BENCH_FAILED, BENCH_TIMEOUT, BENCH_INTERRUPTED };

struct bench_result {
	int64_t id;
	enum bench_status status;
	struct bench_run *runs;
	size_t nr, alloc;
	double *d;              /* ln(B/A) of the verdict's metric per complete judged pair */
	double *dcpu;           /* ln(B/A) of user+sys time per pair */
	int npairs;
	int has_verdict;
	struct verdict_result vr;
	const struct bench_run *failed; /* the run that failed or timed out */
	int exec_failed;                 /* it could not be started */
	char *invalid;                   /* why the failed run is invalid (a metric missing) */
	/*
	 * The metrics recorded, run->v's index: wall, cpu, the counters in
	 * enum counter_id order (BENCH_MI_COUNTER + id), then harness metrics as
	 * runs report them.
	 */
	const struct metric **mets;
	size_t nmets, alloc_mets;
	unsigned counters_seen;          /* counters some run counted */
	struct bench_cross *cross;       /* cross-checks, once finished */
	size_t ncross;
	char *contradiction;             /* one line when a calibrated cross-check contradicts */
	struct verdict_plan plan;        /* what the planned pairs can detect */
	double loadavg;                  /* 1-minute load average at the start */
	/*
	 * Runs that left processes running in their group after they exited;
	 * perfloop stopped them before the next run. The first such run (1-based)
	 * and one of its processes.
	 */
	int leftover_runs;
	size_t leftover_run;
	int leftover_pid;
	char leftover_comm[24];
	double started, finished;
	char *log_out, *log_err;         /* <log_root>/bench-<id>/stdout.log, stderr.log */
};

#define BENCH_MI_WALL	 0
#define BENCH_MI_CPU	 1
#define BENCH_MI_COUNTER 2

/* A cross-check: another cost metric's B/A beside the verdict's (stats.h). */
struct bench_cross {
	const struct metric *m;
	int valgrind;         /* from the valgrind pairs */
	double ratio;         /* B/A of the medians */
	struct cross_check cc;
	int contradicts;
};

struct bench_progress {
	int run;          /* 1-based index of the run starting or running */
	int total;        /* most runs this bench can take */
	char side;
	int warmup;
	double elapsed;   /* since the bench started */
	double run_elapsed;
	double eta;       /* seconds left at most, < 0 when unknown */
	double ratio;     /* running B/A of complete pairs, 0 when none */
};

struct bench_hooks {
	void (*progress)(void *data, const struct bench_progress *p);
	void *data;
};

/*
 * Identity of a bench: dir, command, env name and extra env, and the guard's
 * name for a guard's bench (NULL for the target). Hex, static buffer.
 */
const char *bench_key(const char *dir, const char *command, const char *env_name,
		      const char *const *extra_env, const char *guard);

/*
 * Pooled A/A noise of metric `metric` (measured under valgrind or not) for
 * key on this host from the ledger's calibrations (the newest `limit`).
 * Returns 1 with sigma/df set, 0 when there is none, -1 with err filled
 * when the ledger cannot be read.
 */
int bench_noise_history(struct ledger *l, const char *key, const char *metric, int valgrind,
			int limit, double *sigma, double *df, struct strbuf *err);

/*
 * Every metric's pooled A/A noise for key on this host (the newest `limit`
 * calibrations of each), into a new array. 0 or -1 with err.
 */
int bench_noise_histories(struct ledger *l, const char *key, int limit,
			  struct metric_history **out, size_t *n, struct strbuf *err);
void metric_histories_free(struct metric_history *h, size_t n);
/* The entry of metric m (under valgrind or not), NULL when it has none. */
const struct metric_history *metric_history_find(const struct metric_history *h, size_t n,
						 const struct metric *m, int valgrind);

/* Index of metric m in res->mets (added when new). */
size_t bench_metric_index(struct bench_result *res, const struct metric *m);
/* A run's value of res->mets[i], NAN when it has none. */
double bench_run_value(const struct bench_run *r, size_t i);
/* Are metric m's pairs the valgrind ones (instructions counted by valgrind)? */
int bench_metric_valgrind(const struct bench_spec *spec, const struct metric *m);
/*
 * ln(B/A) of res->mets[i] over the complete pairs of measured runs that
 * exited 0 (native or valgrind ones), both values > 0, into d (room for
 * res->nr); returns how many.
 */
size_t bench_pairs_of(const struct bench_result *res, size_t i, int valgrind, double *d);
/* Noise floor of metric m in this bench. */
double bench_floor(const struct bench_spec *spec, const struct metric *m);
/* Median of res->mets[i] over a side's measured runs of the given tool, NAN when none. */
double bench_side_median(const struct bench_result *res, size_t i, char side, int valgrind);
/* B/A of the medians of the verdict's metric, 0 when a side has none. */
double bench_ratio_of_medians(const struct bench_spec *spec, const struct bench_result *res);
/* "pmu" or "valgrind" when the verdict judges instructions, else NULL. */
const char *bench_metric_source(const struct bench_spec *spec);
/* "done", "failed", "timeout", "interrupted". */
const char *bench_status_name(enum bench_status s);

/*
 * Run the bench. Returns 0 when it ran to a result or stopped for a reason
 * in res->status (failed, timeout, interrupted: all recorded in the ledger);
 * -1 with err filled when it could not run or record at all.
 */
int bench_execute(struct ledger *l, const struct bench_spec *spec, const struct bench_hooks *hooks,
		  struct bench_result *res, struct strbuf *err);

/*
 * Values of one side's measured native runs ('A' or 'B') that exited 0,
 * into caller arrays of size >= res->nr. Returns how many.
 */
size_t bench_side(const struct bench_result *res, char side, double *wall, double *cpu,
		  double *rss);

/* Median of one side's ('A' or 'B') measured runs of the verdict's metric; NAN when none. */
double bench_median(const struct bench_spec *spec, const struct bench_result *res, char side);

/* The --json document of a bench (new reference): bench-doc.c. */
json_t *bench_json(const struct bench_spec *spec, const struct bench_result *res);

void bench_result_release(struct bench_result *res);

/* One metric's noise measured by a calibration (A/A bench). */
struct bench_noise {
	const struct metric *m;
	int valgrind;
	int pairs;
	double sigma, df;
};

/*
 * The noise of every cost metric a calibration measured (at least two
 * pairs with values), the verdict's first, into a new array. Returns how many.
 */
size_t bench_calibration_noise(const struct bench_spec *spec, const struct bench_result *res,
			       struct bench_noise **out);

/* Record a finished calibration (A/A bench) as noise history, per metric. 0 or -1. */
int bench_save_calibration(struct ledger *l, const struct bench_spec *spec,
			   const struct bench_result *res, struct strbuf *err);

/*
 * Every run's metrics of a bench from run_metrics: an object {"SEQ": {"NAME":
 * value, ...}, ...} (new reference) into *out. 0 or -1 with err.
 */
int bench_run_metrics_json(struct ledger *l, int64_t bench, json_t **out, struct strbuf *err);

/* Reading stored benches back, for `perfloop log` and `perfloop show`. */

/* A bench as `perfloop log` lists it, with its artifacts' hashes and baseline's name. */
struct bench_row {
	int64_t id;
	double started;
	char *kind, *status; /* "" when NULL */
	char *verdict;       /* NULL when none */
	double ratio;        /* NAN when none */
	int pairs, early_reject;
	char *cand_hash;     /* "" when NULL */
	char *base_hash;     /* the baseline artifact's, NULL when none */
	char *baseline_name; /* NULL when none */
	char *result;        /* the stored JSON document, NULL when none */
	char *guard;         /* the guard benchmark it is, NULL: the target */
};

/* The newest `limit` benches, newest first, into a new array. 0 or -1. */
int bench_list(struct ledger *l, long limit, struct bench_row **out, size_t *nr,
	       struct strbuf *err);
void bench_rows_free(struct bench_row *rows, size_t nr);

/*
 * Bench id's stored JSON document (NULL when none was recorded: still
 * running, or its perfloop died), status and message (NULL when none).
 * 1 found, 0 no such bench, -1 (err).
 */
int bench_load(struct ledger *l, int64_t id, char **result, char **status, char **message,
	       struct strbuf *err);

/* One stored run of a bench. */
struct bench_run_row {
	int seq, pair, warmup, status;
	char *side, *log_out, *log_err; /* "" when NULL */
	char *tool;                     /* "valgrind" when run under it, NULL when native */
	double started, wall, user, sys;
	int64_t max_rss_kb, out_off, out_len, err_off, err_len;
};

/* Bench id's runs in order, into a new array. 0 or -1. */
int bench_load_runs(struct ledger *l, int64_t id, struct bench_run_row **out, size_t *nr,
		    struct strbuf *err);
void bench_run_rows_free(struct bench_run_row *rows, size_t nr);

#endif
