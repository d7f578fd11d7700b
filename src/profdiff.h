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
 *
 * Core module: never prints. `try` decides keep-flat with diff_keep_flat().
 */
#ifndef PROFDIFF_H
#define PROFDIFF_H

#include <stddef.h>
#include <stdint.h>
#include "hists.h"

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

struct diff_opts {
	double percent_limit; /* drop rows under this percent on both sides */
	double z;	      /* interval width in standard errors; 0: 1.96 */
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
 * try's keep-flat rule on the profile side: at least one touched symbol is
 * in the diff, every touched row dropped beyond noise, and no other row grew
 * beyond noise. Returns 1 when it holds, 0 when not; `why` gets one line
 * either way (the rows that decided).
 */
int diff_keep_flat(const struct diff_result *r, const char *const *touched, size_t nr_touched,
		   struct strbuf *why);

#endif
