/*
 * profdiff.h: comparing two profiles symbol by symbol, with noise.
 *
 * Rows of both profiles (dso,sym rows of one event) are matched by DSO name
 * and demangled symbol name with compiler suffixes removed (.cold, .isra.N,
 * .constprop.N, .part.N, .llvm.N, Rust ::h<hash>), so a function keeps its
 * identity across rebuilds; addresses without a symbol are one row per DSO,
 * as perf diff counts them. For each matched name the delta is
 * new% - base% in percentage points (equal to perf diff's Delta when nothing
 * was merged by the normalization), and the noise is the half-width of a ~95%
 * interval for that delta from the sample counts:
 *   1.96 * sqrt(p1 (1 - p1) / n1 + p2 (1 - p2) / n2)   (points)
 * with p = (samples + 0.5) / (total + 1), so one-sided rows have noise too.
 * Turned around, the samples each profile needs for that half-width to
 * shrink to W points (the shares staying as they are) are
 *   n = (100 z / W)^2 (p1 (1 - p1) + p2 (1 - p2))
 * (diff_samples_for_width()), and the harness runs for them that count
 * divided by the lower samples-per-run rate of the two profiles (a faster
 * candidate gives fewer samples per run).
 *
 * Core module: never prints. `try` decides keep-flat with diff_keep_flat().
 */
#ifndef PROFDIFF_H
#define PROFDIFF_H

#include <stddef.h>
#include <stdint.h>
#include "perf/hists.h"

enum diff_status { DIFF_MATCHED, DIFF_NEW, DIFF_GONE };

struct diff_row {
	char *symbol; /* normalized name; "[unknown]" for a DSO's unresolved addresses */
	char *dso;
	double base, new_; /* percent of the event's total period in A and B */
	double delta;	   /* new_ - base, percentage points */
	double noise;	   /* half-width of the ~95% interval of delta, points */
	uint64_t base_samples, new_samples;
	int within_noise; /* |delta| <= noise */
	int merged;	  /* how many symbols the normalization merged (max of both sides) */
	enum diff_status status;
};

struct diff_dso {
	char *dso;
	double base, new_, delta, noise;
	uint64_t base_samples, new_samples;
};

struct diff_result {
	struct diff_row *rows; /* by |delta|, largest first; rows under the limit dropped */
	size_t nr;
	struct diff_dso *dsos; /* totals per DSO, by |delta| */
	size_t nr_dsos;
	uint64_t base_samples, new_samples;
	uint64_t base_period, new_period;
};

/* The interval's width in standard errors unless diff_opts says otherwise: ~95%. */
#define DIFF_Z 1.96

struct diff_opts {
	double percent_limit; /* drop rows under this percent on both sides */
	double z;	      /* interval width in standard errors; 0: DIFF_Z */
};

/*
 * Compare event `a` (baseline) with event `b` (candidate). Cannot fail;
 * release the result with diff_release().
 */
void diff_compute(const struct hist_event *a, const struct hist_event *b, const struct diff_opts *o,
		  struct diff_result *out);

void diff_release(struct diff_result *r);

/*
 * A symbol name with compiler suffixes removed (.cold, .isra.N,
 * .constprop.N, .part.N, .llvm.N, [clone .cold], Rust ::h<16 hex>, or
 * 17h<16 hex> in a Rust legacy name left mangled): the key that matches one
 * function across rebuilds. New string.
 */
char *diff_normalize(const char *sym);

/*
 * Is diff symbol `symbol` the function `touched` names (as written in a
 * source diff: "get_used_name", "OverlayMap::get", "Foo::bar<T>")? It
 * matches the whole name or its last path components, after
 * diff_normalize().
 */
int diff_symbol_matches(const char *symbol, const char *touched);

/*
 * Samples each profile would need for row r's noise half-width to be at most
 * `width` points (> 0), its shares p1, p2 (as the noise computes them from
 * d's sample counts) staying as they are: ceil((100 z / W)^2 (p1 q1 + p2 q2)).
 * z <= 0 means DIFF_Z.
 */
uint64_t diff_samples_for_width(const struct diff_result *d, const struct diff_row *r,
				double width, double z);

/*
 * Harness runs per profile for `need` samples when A took `runs_a` runs for
 * its d->base_samples and B `runs_b` for d->new_samples (0 counts as 1): need
 * over the lower samples-per-run rate, rounded up; 0 when a side has no
 * samples.
 */
uint64_t diff_runs_for_samples(const struct diff_result *d, uint64_t need, int runs_a, int runs_b);

/*
 * The touched names (as for diff_symbol_matches()) that match no resolved
 * symbol of event a nor of event b, every row counted (no percent limit): a
 * function inlined into its callers, or too quick to be sampled. Fills
 * missing[] (at least nr_touched entries) with pointers to those names, in
 * touched's order; returns how many.
 */
size_t diff_touched_missing(const struct hist_event *a, const struct hist_event *b,
			    const char *const *touched, size_t nr_touched, const char **missing);

/*
 * try's keep-flat rule on the profile side: at least one touched symbol is
 * in the diff, every touched row dropped beyond noise, and no other row grew
 * beyond noise. Returns 1 when it holds, 0 when not, -1 when it cannot be
 * judged (no row of the diff is a touched function); `why` gets one line
 * either way (the rows that decided).
 */
int diff_keep_flat(const struct diff_result *r, const char *const *touched, size_t nr_touched,
		   struct strbuf *why);

#endif
