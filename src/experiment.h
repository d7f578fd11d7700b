/*
 * experiment.h: one try of the loop — the worktree's uncommitted diff, saved
 * in the ledger before anything else happens so it is never lost — and the
 * procedure's judgement of it.
 */
#ifndef EXPERIMENT_H
#define EXPERIMENT_H

#include <jansson.h>
#include <stdint.h>
#include "ledger.h"
#include "perf/profdiff.h"
#include "stats.h"

/*
 * Where an experiment is (experiments.status). Saved to profiling: a step in
 * progress (the owner's process may still be running it); the others are
 * ends: decided (a verdict), failed or interrupted (a step stopped it, no
 * verdict), kept, reverted, abandoned (its perfloop was killed).
 */
enum exp_status {
	EXP_SAVED,
	EXP_VALIDATING,
	EXP_BUILDING,
	EXP_BENCHING,
	EXP_PROFILING,
	EXP_DECIDED,
	EXP_FAILED,
	EXP_INTERRUPTED,
	EXP_KEPT,
	EXP_REVERTED,
	EXP_ABANDONED,
};

/* The status's name in the ledger and in output. */
const char *exp_status_name(enum exp_status s);
/* The status of a name into *out: 0, or -1 for a name that is none. */
int exp_status_parse(const char *name, enum exp_status *out);
/* Is it a step in progress (saved ... profiling)? */
int exp_status_in_progress(enum exp_status s);
/* The SQL condition on experiments.status of a step in progress. Newly allocated. */
char *exp_in_progress_sql(void);

/* The procedure's judgement; TRY_NONE: none (yet). */
enum try_verdict { TRY_NONE, TRY_KEEP, TRY_KEEP_FLAT, TRY_REJECT, TRY_INCONCLUSIVE };

/* "keep", "keep-flat", "reject", "inconclusive"; NULL for TRY_NONE. */
const char *try_verdict_name(enum try_verdict v);
/* The verdict of a name (NULL: TRY_NONE) into *out: 0, or -1 for a name that is none. */
int try_verdict_parse(const char *name, enum try_verdict *out);
/* Does the verdict let `perfloop keep` commit the change (keep, keep-flat)? */
int try_verdict_keeps(enum try_verdict v);

/*
 * The procedure's rule. Time faster: keep. Time slower: reject. Time
 * inconclusive: inconclusive. Time the same: keep-flat only when the hotspot
 * diff (NULL when no profile was taken) shows the touched functions dropped
 * beyond noise and nothing else grew beyond noise (diff_keep_flat());
 * otherwise reject, since a reshuffle of percentages without a time gain is
 * not a win. `missing` are the touched functions in neither profile
 * (diff_touched_missing()): the sentence names them, and says when keep-flat
 * could not be judged because no touched function is in the diff. `reason`
 * gets one sentence, worded for time when `metric` is wall or NULL ("end-to-end
 * time is faster", "time is the same ..."), else naming it ("faster by
 * instructions", "the same by work ...").
 */
enum try_verdict try_decide(enum verdict time, const char *metric, const struct diff_result *diff,
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

/*
 * What a change's profile predicts of its end-to-end gain, shown beside the
 * gain measured so that a large hotspot win that does not reach the
 * end-to-end time (or the reverse) is visible: the touched functions' share
 * of samples that went away (the sum of base% - new% over the touched rows
 * of the hotspot diff), times the baseline's median of the verdict metric.
 * Shares are of each profile's own total: when the whole run gets faster
 * the untouched rest grows in share, so the prediction is a lower bound of
 * a real gain of the touched functions.
 */
enum exp_expect {
	EXPECT_NO_PROFILE, /* no hotspot diff (rejected early, --no-profile) */
	EXPECT_NO_TOUCHED, /* the change names no function */
	EXPECT_NOT_FOUND,  /* no touched function is a row of the diff */
	EXPECT_OK,
};
struct exp_expected {
	enum exp_expect state;
	double points;  /* EXPECT_OK: sum of base% - new% over the touched rows */
	double seconds; /* points / 100 x the baseline's median; NAN when unknown */
	size_t rows;    /* touched rows summed */
};

/*
 * From the diff's rows as try writes them (try_profile_json(), the ledger's
 * experiments.diff: objects with base, new and touched; NULL when there is
 * no profile), the number of functions the change touched, and the
 * baseline's median of the verdict metric (NAN when unknown).
 */
void exp_expected_gain(json_t *rows, size_t nr_touched, double base_median,
		       struct exp_expected *out);

/* "no-profile", "no-touched", "not-found", "ok" */
const char *exp_expect_name(enum exp_expect s);

/*
 * One phrase: "profile predicts -17.1% (74.0 ms), measured -33.6%", or why
 * the profile predicts nothing; ratio is the measured B/A (NAN: none).
 */
void exp_expected_text(const struct exp_expected *x, double ratio, struct strbuf *out);

/* {state, points, change, seconds, measured_change, text} (new reference). */
json_t *exp_expected_json(const struct exp_expected *x, double ratio);

/* Hash of a patch's text (hex, HASH_HEX bytes). */
void patch_hash(const char *patch, size_t len, char *hex);

/*
 * The experiments table: this module reads and writes it, through the typed
 * calls below (no other module has its SQL). Each returns 0 or -1 with err
 * unless said otherwise.
 *
 * Record a new experiment for `patch` (status saved). Returns its id, or
 * -1 with err.
 */
int64_t experiment_save(struct ledger *l, const char *message, const char *patch,
			const char *files, const char *base_commit, struct strbuf *err);

/* The touched functions (a JSON array) of experiment id. */
int experiment_set_touched(struct ledger *l, int64_t id, const char *touched_json,
			   struct strbuf *err);

/* Experiment id enters step `step` (validating, building, benching, profiling). */
int experiment_record_step(struct ledger *l, int64_t id, enum exp_status step, struct strbuf *err);

/* The build, baseline and bench of experiment id (0 records none). */
int experiment_record_build(struct ledger *l, int64_t id, int64_t build_id, struct strbuf *err);
int experiment_record_baseline(struct ledger *l, int64_t id, int64_t baseline_id,
			       struct strbuf *err);
int experiment_record_bench(struct ledger *l, int64_t id, int64_t bench_id, struct strbuf *err);

/* Its profiles (candidate, baseline) and their hotspot diff (JSON). */
int experiment_record_profile(struct ledger *l, int64_t id, int64_t profile_id,
			      int64_t base_profile_id, const char *diff_json, struct strbuf *err);

/*
 * A step stopped experiment id: `status` is EXP_FAILED or EXP_INTERRUPTED,
 * with why and the failing step's log (NULL keeps what is there); finished now.
 */
int experiment_stop(struct ledger *l, int64_t id, enum exp_status status, const char *reason,
		    const char *log, struct strbuf *err);

/* The verdict of experiment id and why: status decided, finished now. */
int experiment_decide(struct ledger *l, int64_t id, enum try_verdict verdict, const char *reason,
		      struct strbuf *err);

/*
 * Close experiment id when it is still in a step (the process is exiting in
 * the middle of one): interrupted when `interrupted`, else failed, never with
 * a verdict. An experiment past its steps is left as it is.
 */
int experiment_close_unfinished(struct ledger *l, int64_t id, int interrupted, struct strbuf *err);

/* Experiment id was committed as `commit` (status kept). */
int experiment_keep(struct ledger *l, int64_t id, const char *commit, struct strbuf *err);

/* How experiment id's commit reached the remote: "git" or "api". */
int experiment_record_push(struct ledger *l, int64_t id, const char *via, struct strbuf *err);

/*
 * Record the worktree's change as reverted: the newest experiment of its
 * patch, or (none) a new one saved here with the verdict reject, "reverted
 * without a try". Its verdict stays (reject when it had none). Its id in *id.
 */
int experiment_revert(struct ledger *l, const char *patch, const char *files,
		      const char *base_commit, int64_t *id, struct strbuf *err);

/*
 * Record a candidate patch that never reached the worktree (git apply
 * refused it): a new experiment, failed at once with `reason`. Returns its
 * id, or -1 with err.
 */
int64_t experiment_save_failed(struct ledger *l, const char *message, const char *patch,
			       const char *base_commit, const char *reason, struct strbuf *err);

/* The newest experiment of a patch hash into *id, 0 when there is none. 0 or -1 (err). */
int experiment_of_patch(struct ledger *l, const char *patch_hash, int64_t *id, struct strbuf *err);

/* The newest decided experiment of a patch: 1 found, 0 none, -1 (err). */
struct exp_decision {
	int64_t id;
	enum try_verdict verdict;
	char *message; /* NULL when it has none */
};
int experiment_decided(struct ledger *l, const char *patch_hash, struct exp_decision *out,
		       struct strbuf *err);
void exp_decision_release(struct exp_decision *d);

/*
 * The newest experiment, with its bench's B/A ratio (read through its
 * bench_id): 1 found, 0 none, -1 (err).
 */
struct metric;
struct exp_summary {
	int64_t id;
	char *message;  /* NULL when none */
	enum exp_status status;
	enum try_verdict verdict;
	char *reason;   /* "" when none */
	int has_ratio;
	double ratio;
	const struct metric *metric; /* of the ratio: what its bench's verdict judged */
	char *commit;   /* NULL until kept */
	char *base_commit;   /* the HEAD it was tried on, NULL when unknown */
	int64_t baseline_id; /* the baseline it was benched against, 0 none */
};
int experiment_last(struct ledger *l, struct exp_summary *out, struct strbuf *err);
/* Experiment id, as experiment_last() reads it: 1 found, 0 none, -1 (err). */
int experiment_get(struct ledger *l, int64_t id, struct exp_summary *out, struct strbuf *err);
void exp_summary_release(struct exp_summary *e);

/* The saved patch of experiment id, byte for byte, into out: 1 found, 0 none, -1 (err). */
int experiment_patch(struct ledger *l, int64_t id, struct strbuf *out, struct strbuf *err);

#endif
