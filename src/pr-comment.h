/*
 * pr-comment.h: the loop's report as one comment on its pull request. keep,
 * revert and runs --wait call pr_comment_update() after their own work: it
 * creates the comment once, then edits that same comment (found again by a
 * hidden marker when the ledger does not know its id, recreated when it was
 * deleted), and records each attempt in the ledger's pr_comments table,
 * which this module owns. A failure is one line for the caller to warn
 * with and for `perfloop status` to show; it never fails the command.
 */
#ifndef PR_COMMENT_H
#define PR_COMMENT_H

#include <stdint.h>
#include "loop.h"

/* The first line of perfloop's comment, how it is found again (invisible on GitHub). */
#define PR_COMMENT_MARKER "<!-- perfloop:report -->"
/* GitHub's most characters in a comment body. */
#define PR_COMMENT_LIMIT 65536

enum pr_comment_action {
	PRC_SKIPPED,   /* github.comment = false, or no pull request known: nothing done */
	PRC_CREATED,   /* a new comment: there was none */
	PRC_UPDATED,   /* the existing comment edited */
	PRC_RECREATED, /* the comment had been deleted: a new one */
	PRC_FAILED,    /* a GitHub call (or the report) failed: recorded, see err */
};

/* "skipped", "created", "updated", "recreated", "failed" */
const char *pr_comment_action_name(enum pr_comment_action a);

struct pr_comment_result {
	enum pr_comment_action action;
	int pr;
	int64_t id;       /* the comment's id, 0 when unknown */
	char *url;        /* its html_url, NULL when unknown */
	size_t chars;     /* characters of the body sent */
	int cut;          /* the report was cut to GitHub's limit */
	const char *why;  /* PRC_SKIPPED: why (static text) */
};

/*
 * Bring the report comment on the loop's pull request up to date: the PR is
 * `pr` when > 0, else github.pr, else the loop's (ls->pr); none, or
 * github.comment = false, skips. `command` (keep, revert, runs) is recorded
 * with the attempt. Returns 0 (done or skipped: r->action), or -1 with one
 * line in err (r->action PRC_FAILED; the failure is recorded in the ledger
 * when it can be). Release r either way.
 */
int pr_comment_update(struct project *c, const struct loop_state *ls, int pr,
		      const char *command, struct pr_comment_result *r, struct strbuf *err);
void pr_comment_result_release(struct pr_comment_result *r);

/*
 * The comment's body: the marker line, then the Markdown report, cut at a
 * line boundary with a closing note when the whole would exceed `limit`
 * characters (counted as UTF-16 code units, which GitHub's count never
 * exceeds). Sets *cut; returns the characters in out.
 */
size_t pr_comment_body(const char *markdown, size_t limit, struct strbuf *out, int *cut);

/* The newest attempt recorded (any PR), for status. */
struct pr_comment_state {
	int pr;
	int64_t id;
	char *url, *status, *message, *command; /* NULL when none */
	int cut;
	double attempted, succeeded;            /* succeeded 0: never */
};

/* 1 found, 0 no attempt yet, -1 with err. Release with pr_comment_state_release(). */
int pr_comment_last(struct ledger *l, struct pr_comment_state *s, struct strbuf *err);
void pr_comment_state_release(struct pr_comment_state *s);

#endif
