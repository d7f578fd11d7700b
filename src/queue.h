/*
 * queue.h: several candidate changes judged in one go, the procedure behind
 * `perfloop try --queue DIR` and `--patch FILE...`. On a clean worktree each
 * patch in turn is applied (git apply: files only, all or nothing), tried
 * by try_run() with every step recorded, and the worktree put back to HEAD
 * with the artifact back to HEAD's build (the loop baseline's bytes), so the
 * next candidate starts from the same state; nothing is committed. A patch
 * that does not apply is recorded as a failed experiment with git's message.
 * Then the candidates are ranked (queue_rank()). The baseline's profile is
 * recorded once and reused by every candidate (try-profile). It prints
 * nothing: what there is to say goes through queue_hooks.
 */
#ifndef QUEUE_H
#define QUEUE_H

#include "try.h"

enum queue_outcome {
	QUEUE_NOT_TRIED, /* an interrupt stopped the queue before it */
	QUEUE_NO_APPLY,  /* git apply refused it: a failed experiment with git's message */
	QUEUE_TRIED,     /* try_run() ended it: decided, failed or interrupted (res.status) */
};

struct queue_item {
	char *path;    /* the patch file as given (or DIR/NAME) */
	char *message; /* its description (patch_description()) */
	enum queue_outcome outcome;
	int64_t experiment; /* its experiment, 0 when not tried */
	char *why;          /* QUEUE_NO_APPLY: git's message, one line */
	struct try_result res; /* QUEUE_TRIED: try's result */
};

struct queue_request {
	const char *dir;             /* every *.patch and *.diff file in it, by name; or NULL */
	const char *const *patches;  /* more patch files, in order */
	size_t nr_patches;
	struct try_request try;      /* each try's options; its message is the patch's */
};

struct queue_hooks {
	const struct try_hooks *try; /* each try's steps and lines (required) */
	/* candidate i (0-based) of n is applied and tried now; it has ended (any outcome) */
	void (*start)(void *data, const struct queue_item *it, size_t i, size_t n);
	void (*done)(void *data, const struct queue_item *it, size_t i, size_t n);
	void *data;
};

struct queue_result {
	struct queue_item *items; /* in the order tried */
	size_t nr;
	size_t *rank;             /* indices into items, best first (queue_rank()) */
	int interrupted;          /* Ctrl-C or SIGTERM stopped the queue */
	/* the artifact after the queue: restored to the baseline's bytes, or why not HEAD's */
	int artifact_restored;
	char *artifact_stale;     /* NULL when the artifact is HEAD's build */
};

/*
 * Run the queue on the loop's worktree (clean, else refused naming the
 * changed files). Returns 0 when the queue ran, to its end or to an
 * interrupt (r->interrupted: the experiment under way recorded interrupted,
 * the worktree back to HEAD, the rest QUEUE_NOT_TRIED); -1 with err when it
 * could not start or a try could not record (the worktree is back to HEAD
 * then too). Release r either way.
 */
int queue_run(struct project *c, const struct loop_state *ls, const struct queue_request *req,
	      const struct queue_hooks *hooks, struct queue_result *r, struct strbuf *err);

void queue_result_release(struct queue_result *r);

/*
 * The queue's document (new reference): "candidates" in rank order, each
 * with rank, file, message, experiment, outcome (tried, no-apply,
 * not-tried), status, verdict, reason, ratio, interval, early_reject,
 * touched_hotspots (the diff's touched rows), expected (exp_expected_json())
 * and "try" (try_result_json() of a decided one, else null); "best" (the
 * first candidate's experiment when it keeps, else null), "interrupted",
 * "not_tried" (files) and "artifact" {restored, stale}.
 */
json_t *queue_result_json(const struct queue_result *r);

/* The experiment to keep: the best candidate's when its verdict keeps, else 0. */
int64_t queue_best(const struct queue_result *r);

/* --- pure helpers (unit-tested) --- */

/*
 * The rank class of a candidate, best first: 0 keep, 1 keep-flat,
 * 2 inconclusive, 3 reject, 4 failed (a step, or git apply), 5 interrupted,
 * 6 not tried.
 */
int queue_class(const struct queue_item *it);

/*
 * Sort r->rank: by class, then by the measured B/A ratio (try_ratio(), none
 * last), then in the order tried.
 */
void queue_rank(struct queue_result *r);

/*
 * A patch file's description, for its experiment's message: the Subject of
 * a `git format-patch` mail without its "[PATCH n/m]", else the first line
 * of the text before the diff, without a leading "NAME:" naming the file
 * and without a final period; else the file's name. New string.
 */
char *patch_description(const char *text, const char *name);

#endif
