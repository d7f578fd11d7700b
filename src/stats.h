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
};

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

/* Pool A/A calibrations: sum of (n_i - 1) s_i^2 over sum of (n_i - 1). */
struct noise_pool {
	double ss;  /* sum of squared deviations */
	double df;  /* degrees of freedom */
};
void noise_pool_add(struct noise_pool *np, const double *d, size_t n);
double noise_pool_sigma(const struct noise_pool *np);

#endif
