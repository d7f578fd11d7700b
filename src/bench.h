/*
 * bench.h: the benchmark engine. Runs the harness for a candidate artifact
 * alone, or for a baseline (A) and a candidate (B) interleaved in balanced
 * order (A B B A A B ...), pairs each B with its neighbouring A, judges after
 * every pair (stats.h) and records the bench and every run in the ledger.
 *
 * It never prints: progress goes through hooks, the outcome into a result.
 */
#ifndef BENCH_H
#define BENCH_H

#include <jansson.h>
#include <stdint.h>
#include "ledger.h"
#include "stats.h"

struct bench_spec {
	const char *kind;               /* "bench" or "calibrate" */
	const char *dir;                /* absolute directory the harness runs in */
	const char *command;
	const char *env_name;           /* set to the artifact's absolute path */
	const char *const *extra_env;   /* more "NAME=value", NULL-terminated */
	const char *log_root;           /* <state>/logs; a bench-<id>/ goes below */
	const char *key;                /* bench identity (bench_key()) */
	int max_pairs;                  /* pairs with a baseline, runs without */
	int warmup;                     /* unmeasured runs per side first */
	double timeout;                 /* seconds per run, 0 = none */
	struct verdict_params vp;
	int all_pairs;                  /* run every pair, never stop early (calibrate) */
	int metric_cpu;                 /* judge user+sys time instead of wall time */

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
	double started;   /* epoch seconds */
	double wall, user, sys;
	long max_rss_kb;
	int status;
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
	double *d;              /* ln(B/A) per complete pair */
	double *dcpu;           /* ln(B/A) of user+sys time per pair */
	int npairs;
	int has_verdict;
	struct verdict_result vr;
	const struct bench_run *failed; /* the run that failed or timed out */
	int exec_failed;                 /* it could not be started */
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

/* Identity of a bench: dir, command, env name and extra env. Hex, static buffer. */
const char *bench_key(const char *dir, const char *command, const char *env_name,
		      const char *const *extra_env);

/*
 * Pooled A/A noise for key on this host from the ledger's calibrations (the
 * newest `limit`). Returns 1 with sigma/df set, 0 when there is none, -1
 * with err filled when the ledger cannot be read.
 */
int bench_noise_history(struct ledger *l, const char *key, int limit, double *sigma,
			double *df, struct strbuf *err);

/*
 * Run the bench. Returns 0 when it ran to a result or stopped for a reason
 * in res->status (failed, timeout, interrupted: all recorded in the ledger);
 * -1 with err filled when it could not run or record at all.
 */
int bench_execute(struct ledger *l, const struct bench_spec *spec, const struct bench_hooks *hooks,
		  struct bench_result *res, struct strbuf *err);

/* Values of one side's measured runs ('A' or 'B'), into caller arrays of size >= res->nr. */
size_t bench_side(const struct bench_result *res, char side, double *wall, double *cpu,
		  double *rss);

/* Median of one side's ('A' or 'B') measured runs in the judged metric; NAN when none. */
double bench_median(const struct bench_spec *spec, const struct bench_result *res, char side);

/* The --json document of a bench (new reference). */
json_t *bench_json(const struct bench_spec *spec, const struct bench_result *res);

void bench_result_release(struct bench_result *res);

/* Record a finished calibration (A/A bench) as noise history. 0 or -1. */
int bench_save_calibration(struct ledger *l, const struct bench_spec *spec,
			   const struct bench_result *res, struct strbuf *err);

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
	double started, wall, user, sys;
	int64_t max_rss_kb, out_off, out_len, err_off, err_len;
};

/* Bench id's runs in order, into a new array. 0 or -1. */
int bench_load_runs(struct ledger *l, int64_t id, struct bench_run_row **out, size_t *nr,
		    struct strbuf *err);
void bench_run_rows_free(struct bench_run_row *rows, size_t nr);

#endif
