/*
 * guard.h: guard benchmarks ([guard "NAME"] in perfloop.ini): more harnesses
 * that a change must not slow down. try benches each one against the same
 * baseline once the target's bench would keep the change, and judges it here:
 * a guard `slower` beyond its margin, or whose peak memory grew beyond its
 * memory margin, rejects the change; a guard that cannot decide (its bench
 * inconclusive, or it could not run) is said and does not block.
 *
 * This module owns the ledger's experiment_guards table: each guard's
 * judgement of an experiment, linked to its bench.
 */
#ifndef GUARD_H
#define GUARD_H

#include <jansson.h>
#include <stdint.h>
#include "bench-prepare.h"
#include "experiment.h"

enum guard_outcome {
	GUARD_PASS,	 /* not slower, memory within its margin */
	GUARD_SLOWER,	 /* slower beyond its margin: blocks */
	GUARD_MEMORY,	 /* max RSS grew beyond its memory margin: blocks */
	GUARD_UNDECIDED, /* its bench could not tell (inconclusive): does not block */
	GUARD_FAILED,	 /* its bench could not run to a verdict: does not block */
	GUARD_BROKEN,	 /* the candidate's run failed where the baseline's ran: blocks */
};

/* "pass", "slower", "memory", "undecided", "failed", "broken" (the ledger's words). */
const char *guard_outcome_name(enum guard_outcome o);
/* Does the outcome reject the change (slower, memory, broken)? */
int guard_blocks(enum guard_outcome o);

/* One guard's judgement of a change. */
struct guard_judgement {
	char name[48];
	enum guard_outcome outcome;
	int have_verdict;
	enum verdict verdict; /* its bench's, when have_verdict */
	int early_reject;
	double ratio, lo, hi; /* B/A of its metric and the decision interval; NAN unknown */
	double rss_ratio;     /* median max RSS B / A; NAN unknown */
	double margin;	      /* its margin (fraction) */
	double memory_margin; /* its memory margin (fraction) */
	const char *metric;   /* the metric judged (static), NULL unknown */
	char reason[512];     /* one line, naming the guard */
};

/*
 * The rule, pure: `done` whether the bench ran to its end (else `why`, e.g.
 * "failed", "timeout", says what stopped it), its verdict, B/A and interval,
 * and the median max RSS ratio (NAN: unknown, not judged). A `slower`
 * verdict blocks; so does rss_ratio - 1 > memory_margin, whatever the time;
 * an inconclusive verdict or a bench that did not finish cannot decide,
 * except when `done` < 0: the candidate's run failed (`why`) where the
 * baseline's ran, which blocks. The judgement's fields other than name are
 * filled.
 */
void guard_judge(struct guard_judgement *g, int done, const char *why, enum verdict v,
		 int early_reject, double ratio, double lo, double hi, double rss_ratio);

/*
 * The guards' say on try's verdict, pure: when v keeps the change and a guard
 * blocks, the verdict becomes reject and the reason names the guard(s)
 * first; guards that cannot decide are appended to the reason as not
 * blocking. v is returned unchanged when it does not keep (no guard ran).
 */
enum try_verdict guard_apply(enum try_verdict v, const struct guard_judgement *g, size_t n,
			     struct strbuf *reason);

/* A guard benched by try or bench --all: its setup, result and judgement. */
struct guard_run {
	int have_bench; /* setup and bench to release */
	struct bench_setup setup;
	struct bench_result bench;
	struct guard_judgement j;
};

/*
 * Judge a guard's bench: its verdict and interval, and the ratio of the
 * medians of max RSS of the two sides, against the guard's margins (from
 * the configuration: guard.NAME.margin, guard.NAME.memory-margin).
 */
void guard_judge_bench(const struct config *cfg, const char *name, const struct bench_spec *spec,
		       const struct bench_result *res, struct guard_judgement *g);

/* A judgement as JSON (README "Guard benchmarks"); bench_doc (owned) is added as "bench". */
json_t *guard_judgement_json(const struct guard_judgement *g, int64_t bench_id, json_t *bench_doc);

void guard_run_release(struct guard_run *r);

/* Record guard g's judgement of experiment exp (its bench: bench_id, 0 none). 0 or -1. */
int guard_record(struct ledger *l, int64_t exp, const struct guard_judgement *g, int64_t bench_id,
		 struct strbuf *err);

/* A stored judgement, as the report reads it. */
struct guard_row {
	int64_t experiment, bench;
	char *guard, *outcome, *verdict, *reason; /* verdict NULL when none */
	double ratio, lo, hi, rss_ratio;	  /* NAN when none */
};

/* Every stored judgement, by experiment then guard name, into a new array. 0 or -1. */
int guard_rows_load(struct ledger *l, struct guard_row **out, size_t *nr, struct strbuf *err);
void guard_rows_free(struct guard_row *rows, size_t nr);

#endif
