/*
 * stats.h: sample summaries and the A/B verdict procedure.
 *
 * The verdict works on paired log-ratios d = ln(B/A) of neighbouring runs. It
 * is sequential: after each pair it either decides or asks for another pair,
 * up to max_pairs. Boundaries follow an O'Brien-Fleming shape (strict early,
 * close to a fixed test at the last pair) so that looking after every pair
 * keeps the overall one-sided error near 4-5%; the noise comes from A/A history
 * when there is some (t quantiles with the history's degrees of freedom), else
 * from the pairs themselves with a floor (t with n-1 degrees of freedom).
 *
 * A/A history can be too quiet: it was recorded under another load. So the
 * pairs' own variance is tested against the history's (one-sided F test at
 * VERDICT_REGIME_LEVEL); when it is clearly above, the pairs are judged as
 * without history (their own spread, n-1 degrees of freedom). That test has
 * little power on few pairs, so with history a verdict needs three pairs (two
 * degrees of freedom of their own), and the early reject after one pair
 * allows for the noise having grown VERDICT_REGIME_GUARD times.
 *
 * Pure functions: no I/O, no allocation visible to the caller.
 */
#ifndef STATS_H
#define STATS_H

#include <stddef.h>

struct summary {
	size_t n;
	double median, mean, min, max, stddev;
};

/* Summarize x[0..n) (x is not modified). n == 0 gives all zeros. */
void summarize(const double *x, size_t n, struct summary *s);
double median_of(const double *x, size_t n);

/* Standard normal CDF and quantile; Student t quantile (df may be fractional). */
double normal_cdf(double x);
double normal_quantile(double p);
double t_cdf(double t, double df);
double t_quantile(double p, double df);
/* Snedecor F distribution function with d1, d2 degrees of freedom. */
double f_cdf(double x, double d1, double d2);

enum verdict {
	VERDICT_CONTINUE = 0, /* undecided: run another pair */
	VERDICT_FASTER,
	VERDICT_SLOWER,
	VERDICT_SAME,
	VERDICT_INCONCLUSIVE,
};

enum noise_source {
	NOISE_HISTORY, /* A/A calibrations in the ledger */
	NOISE_PAIRS,   /* spread of this bench's own pairs */
	NOISE_FLOOR,   /* the configured floor (pairs spread below it, or one pair) */
	NOISE_PAIRS_OVER_HISTORY, /* the pairs: clearly noisier than the A/A history */
};

/*
 * One-sided level of the test "the pairs are noisier than the A/A history"
 * (F test of their variance against the history's). Generous on purpose: a
 * needless switch to the pairs costs some power, a missed one gives a false
 * verdict (bench/verdicts, load-change cells).
 */
#define VERDICT_REGIME_LEVEL 0.10
/* With history the early reject allows for noise this many times the history's. */
#define VERDICT_REGIME_GUARD 5.0
/* Power at which verdict_mde() states the detectable effect. */
#define VERDICT_POWER 0.80

const char *verdict_name(enum verdict v);
const char *noise_source_name(enum noise_source s);

struct verdict_params {
	int max_pairs;      /* most pairs (--runs) */
	double margin;      /* relative change that matters, e.g. 0.01 */
	double reject;      /* least relative slowdown for an early reject */
	double floor;       /* least per-pair sigma of d without history */
	int have_history;   /* hist_* are valid */
	double hist_sigma;  /* per-pair sigma of d from A/A calibrations */
	double hist_df;     /* its degrees of freedom */
};

/* Least slowdown rejected after one pair without A/A history. */
#define BLIND_REJECT 0.40

struct verdict_result {
	enum verdict verdict;
	int early_reject;   /* decided 'slower' after the first pair */
	int n;              /* pairs used */
	double mean;        /* mean of d */
	double lo, hi;      /* decision interval for the mean of d */
	double level;       /* two-sided confidence level of [lo, hi] */
	double sigma;       /* per-pair sigma used */
	double df;          /* its degrees of freedom (0 = none) */
	double reject_at;   /* early-reject threshold on d (first pair) */
	enum noise_source source;
	double pairs_sigma; /* the pairs' own spread of d (0 below 2 pairs) */
	double regime_p;    /* p-value of "pairs noisier than the history" (1: not tested) */
};

/* Sequential boundary (z scale) for look k of at most K, with or without history. */
double seq_boundary_z(int k, int K, int history);

/*
 * Judge pairs d[0..n) (n >= 1). Returns the verdict also stored in r:
 * VERDICT_CONTINUE while undecided and n < max_pairs, VERDICT_INCONCLUSIVE
 * when undecided at max_pairs.
 */
enum verdict verdict_eval(const struct verdict_params *p, const double *d, int n,
			  struct verdict_result *r);

/*
 * As verdict_eval(), with the pairs' CPU log-ratios ln(cpuB/cpuA) as a
 * witness for the early reject: one slow run of B can be a load burst on a
 * shared machine, which inflates wall time but not the CPU time the harness
 * used; the early reject then also needs at least half the slowdown in CPU
 * time. (A real slowdown that only waits shows up in the later pairs.)
 * dcpu may be NULL.
 */
enum verdict verdict_eval_cpu(const struct verdict_params *p, const double *d,
			      const double *dcpu, int n, struct verdict_result *r);

/*
 * Minimum detectable effect of a bench of `pairs` pairs: the least true
 * change, in bench.margin's terms (ratio >= 1 + mde or <= 1/(1 + mde)), that
 * the last look judges faster (or slower) with probability `power`
 * (one-sided). sigma is the per-pair noise of d, hist_df the degrees of
 * freedom of the A/A history it comes from, or 0 for none: then the pairs
 * alone, never below p->floor (planning with the floor is a best case).
 * On the log scale: margin + (q + z * sqrt(1 + q^2 / 2nu)) * sigma / sqrt(pairs),
 * q the last look's boundary as a t quantile, z the normal quantile of the
 * power, nu the degrees of freedom of the sigma estimate (a normal
 * approximation to the noncentral t); with history a needless switch to the
 * pairs (VERDICT_REGIME_LEVEL of benches) counts as a miss. Conservative:
 * bench/verdicts compares it with the simulation. INFINITY when that many
 * pairs cannot decide (one pair; two with history).
 */
double verdict_mde(const struct verdict_params *p, double sigma, double hist_df, int pairs,
		   double power);

/* Most pairs verdict_pairs_needed() considers. */
#define VERDICT_MAX_PLAN 1000

/*
 * Least number of pairs (--runs) whose minimum detectable effect is at most
 * `effect` (a relative change like bench.margin), or 0 when none up to
 * VERDICT_MAX_PLAN does (always so unless effect > p->margin).
 */
int verdict_pairs_needed(const struct verdict_params *p, double sigma, double hist_df,
			 double effect, double power);

/*
 * The changes a calibration plans for (relative, like bench.margin): for each
 * metric `perfloop calibrate` gives the pairs that detect each of them.
 * 3% is there because that is the size of change a loop mostly tries.
 */
#define CALIBRATE_EFFECTS 4
extern const double calibrate_effects[CALIBRATE_EFFECTS];

/*
 * The pairs a bench with p's parameters needs to detect each of
 * calibrate_effects[] at VERDICT_POWER, its noise the A/A history sigma on
 * hist_df degrees of freedom (in place of p's own history): 0 where none up
 * to VERDICT_MAX_PLAN does (always at or below p->margin).
 */
void verdict_pairs_table(const struct verdict_params *p, double sigma, double hist_df,
			 int needed[CALIBRATE_EFFECTS]);

/*
 * Planning a bench (printed before it starts, and in its document): the
 * minimum detectable effect of `pairs` pairs with the noise in use — the
 * A/A history's sigma when there is one, else the noise floor (a best case:
 * the pairs may spread more) — and, when that is above
 * VERDICT_PLAN_FACTOR x bench.margin (changes between the margin and it will
 * mostly end inconclusive), a warning with the pairs needed to detect
 * VERDICT_PLAN_FACTOR x the margin.
 */
#define VERDICT_PLAN_FACTOR 2.0
struct verdict_plan {
	int pairs;
	int history;    /* sigma is the A/A history's (else the floor) */
	double sigma;   /* per-pair noise of d used */
	double hist_df; /* its degrees of freedom, 0 without history */
	double mde;     /* verdict_mde() at VERDICT_POWER; INFINITY when they cannot decide */
	double target;  /* VERDICT_PLAN_FACTOR x margin */
	int warn;       /* mde > target */
	int needed;     /* pairs that detect target, 0 when none up to VERDICT_MAX_PLAN */
};
void verdict_plan(const struct verdict_params *p, int pairs, struct verdict_plan *plan);

/*
 * Cross-checks: every other cost metric a bench recorded gets its own B/A
 * over the pairs, with an interval, beside the verdict's.
 *
 * Noise: with A/A history of that metric ("calibrated"), the history pooled
 * with the pairs as the verdict does, or the pairs alone when they are
 * clearly noisier than it (the same F test at VERDICT_REGIME_LEVEL); on
 * fewer than 3 pairs, which cannot show a load change, the history's sigma
 * is taken VERDICT_REGIME_GUARD times, as for the early reject. Without
 * history the pairs' spread on n-1 degrees of freedom, and no interval from
 * one pair. Never below the metric's noise floor (hist->floor), even with
 * history: a contradiction must not rest on a zero-width interval.
 *
 * Level: two-sided 1 - CROSS_CHECK_ALPHA/family, family the number of
 * calibrated cross-checks of the bench (Bonferroni), so that when no
 * metric truly moves against the verdict, any false contradiction happens
 * in at most CROSS_CHECK_ALPHA/2 of benches.
 *
 * A cross-check contradicts a `faster` verdict when it is calibrated and
 * its whole interval lies above 0 (B clearly costs more of that metric);
 * a `slower` verdict when its whole interval lies below 0. `same` and
 * `inconclusive` verdicts are never contradicted.
 */
#define CROSS_CHECK_ALPHA 0.05
struct cross_check {
	int n;            /* pairs with a value on both sides */
	double mean;      /* mean of d = ln(B/A) */
	double lo, hi;    /* interval for the mean of d; -/+INFINITY when none */
	double level;     /* its two-sided level, 0 when none */
	double sigma, df; /* per-pair noise used and its degrees of freedom */
	enum noise_source source;
	int calibrated;   /* the metric had A/A history */
};
void cross_check_eval(const double *d, int n, const struct verdict_params *hist, int family,
		      struct cross_check *cc);
/* Does cc contradict verdict v (see above)? */
int cross_check_contradicts(enum verdict v, const struct cross_check *cc);

/* Pool A/A calibrations: sum of (n_i - 1) s_i^2 over sum of (n_i - 1). */
struct noise_pool {
	double ss;  /* sum of squared deviations */
	double df;  /* degrees of freedom */
};
void noise_pool_add(struct noise_pool *np, const double *d, size_t n);
double noise_pool_sigma(const struct noise_pool *np);

#endif
