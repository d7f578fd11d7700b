/*
 * experiment.h: one try of the loop — the worktree's uncommitted diff, saved
 * in the ledger before anything else happens so it is never lost — and the
 * procedure's judgement of it.
 */
#ifndef EXPERIMENT_H
#define EXPERIMENT_H

#include <stdint.h>
#include "ledger.h"
#include "stats.h"

enum try_verdict { TRY_KEEP, TRY_KEEP_FLAT, TRY_REJECT, TRY_INCONCLUSIVE };

const char *try_verdict_name(enum try_verdict v);

/* One symbol of a hotspot diff, in percentage points of the profile. */
struct hot_row {
	const char *symbol;
	const char *dso;
	double base, cand;  /* share in each profile (%) */
	double delta;       /* cand - base (points) */
	double noise;       /* half-width of the ~95% interval of delta */
	int touched;        /* the change named this function */
};

/*
 * The procedure's rule. Time faster: keep. Time slower: reject. Time
 * inconclusive: inconclusive. Time the same: keep-flat only when a touched
 * hotspot dropped beyond noise and nothing grew beyond noise (rows are the
 * hotspot diff; have_profile is 0 when none was taken); otherwise reject,
 * since a reshuffle of percentages without a time gain is not a win.
 * `reason` gets one sentence.
 */
enum try_verdict try_decide(enum verdict time, const struct hot_row *rows, size_t n,
			    int have_profile, struct strbuf *reason);

/*
 * Function names a unified diff touches: the function in each hunk header's
 * context and functions defined on changed lines (Rust `fn name`, C/C++
 * definitions). Appends distinct names, one per line, to out; returns how many.
 */
int touched_functions(const char *patch, struct strbuf *out);

/*
 * Does a profile symbol (demangled) name function `name`? Compares the last
 * path component, ignoring Rust hashes (::h0123...), argument lists,
 * closures and compiler suffixes (.cold, .isra.N ...).
 */
int symbol_matches(const char *symbol, const char *name);

/* Hash of a patch's text (hex, HASH_HEX bytes). */
void patch_hash(const char *patch, size_t len, char *hex);

/*
 * Record a new experiment for `patch` (status "saved"). Returns its id, or
 * -1 with err.
 */
int64_t experiment_save(struct ledger *l, const char *message, const char *patch,
			const char *files, const char *base_commit, struct strbuf *err);

/* Set a column of an experiment ("status", "reason", "log"...) to text. 0 or -1. */
int experiment_set(struct ledger *l, int64_t id, const char *column, const char *value,
		   struct strbuf *err);
/* Set an integer column (build_id, bench_id, ...); 0 binds NULL. */
int experiment_set_id(struct ledger *l, int64_t id, const char *column, int64_t value,
		      struct strbuf *err);

#endif
