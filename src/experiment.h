/*
 * experiment.h: one try of the loop — the worktree's uncommitted diff, saved
 * in the ledger before anything else happens so it is never lost — and the
 * procedure's judgement of it.
 */
#ifndef EXPERIMENT_H
#define EXPERIMENT_H

#include <stdint.h>
#include "ledger.h"
#include "perf/profdiff.h"
#include "stats.h"

enum try_verdict { TRY_KEEP, TRY_KEEP_FLAT, TRY_REJECT, TRY_INCONCLUSIVE };

const char *try_verdict_name(enum try_verdict v);

/*
 * The procedure's rule. Time faster: keep. Time slower: reject. Time
 * inconclusive: inconclusive. Time the same: keep-flat only when the hotspot
 * diff (NULL when no profile was taken) shows the touched functions dropped
 * beyond noise and nothing else grew beyond noise (diff_keep_flat());
 * otherwise reject, since a reshuffle of percentages without a time gain is
 * not a win. `missing` are the touched functions in neither profile
 * (diff_touched_missing()): the sentence names them, and says when keep-flat
 * could not be judged because no touched function is in the diff. `reason`
 * gets one sentence.
 */
enum try_verdict try_decide(enum verdict time, const struct diff_result *diff,
			    const char *const *touched, size_t nr_touched,
			    const char *const *missing, size_t nr_missing, struct strbuf *reason);

/*
 * A calibrated cross-check contradicting the bench's verdict (the bench
 * document's "contradiction", NULL when none; stats.h says when one does):
 * keep and reject become inconclusive, with it as the reason, unless
 * `warn_only` (bench.cross-check = warn) lets the verdict's metric decide
 * alone — then the reason tells of it. keep-flat (time the same) and
 * inconclusive stay. Returns the verdict.
 */
enum try_verdict try_cross_check(enum try_verdict v, const char *contradiction, int warn_only,
				 const char *metric, struct strbuf *reason);

/* Why a touched function can be in no profile (for try's output). */
#define TRY_MISSING_HINT "inlined into callers, or too little time to be sampled"

/* "a, b, c" into sb. */
void try_join_names(struct strbuf *sb, const char *const *names, size_t nr);

/*
 * Function names a unified diff touches: the function in each hunk header's
 * context and functions defined on changed lines (Rust `fn name`, C/C++
 * definitions). Appends distinct names, one per line, to out; returns how many.
 */
int touched_functions(const char *patch, struct strbuf *out);

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
/* The newest experiment of a patch hash into *id, 0 when there is none. 0 or -1 (err). */
int experiment_of_patch(struct ledger *l, const char *patch_hash, int64_t *id, struct strbuf *err);

/* Set an integer column (build_id, bench_id, ...); 0 binds NULL. */
int experiment_set_id(struct ledger *l, int64_t id, const char *column, int64_t value,
		      struct strbuf *err);

#endif
