/*
 * dispatch.h: starting the CI benchmark of a kept commit: find the pull
 * request, dispatch [github] workflow for it, and record every dispatch
 * (sent, failed or skipped, and why) in the ledger's dispatches table, which
 * `perfloop runs` follows.
 */
#ifndef DISPATCH_H
#define DISPATCH_H

#include <stdint.h>
#include "github/github.h"
#include "loop.h"
#include "project.h"

/*
 * Resolve the PR number: `pr` when > 0, github.pr, the loop's, or the open PR
 * whose head is the loop's branch. 0 found, 1 none, -1 error.
 */
int resolve_pr(struct gh_client *gh, struct project *c, struct loop_state *ls, int pr, int *out,
	       struct strbuf *err);

/*
 * Dispatch [github] workflow on [github] ref with [github] input = pr and
 * record the dispatch (sent or failed) in the ledger. Returns the dispatch
 * id, or -1 (err) when it failed (still recorded).
 */
int64_t dispatch_workflow(struct gh_client *gh, struct project *c, int64_t experiment,
			  const char *commit, int pr, struct strbuf *err);

/* Record a skipped dispatch and why (no token, no PR...). 0 or -1. */
int dispatch_skipped(struct project *c, int64_t experiment, const char *commit, const char *why,
		     struct strbuf *err);

/*
 * The dispatches and workflow_runs tables: this module reads and writes
 * them (report.c reads them for its model).
 */

/* A dispatch sent, as `perfloop runs` follows it. */
struct sent_dispatch {
	int64_t id, workflow_id;
	double created;
	char *commit, *actor;
	int pr;
};

/* The sent dispatches, oldest first, into a new array. 0 or -1. */
int dispatch_list_sent(struct ledger *l, struct sent_dispatch **out, size_t *nr,
		       struct strbuf *err);
void sent_dispatches_free(struct sent_dispatch *d, size_t nr);

/* Record (or update) the workflow run GitHub started for dispatch `dispatch_id`. 0 or -1. */
int dispatch_record_run(struct ledger *l, int64_t dispatch_id, const struct gh_run *run,
			struct strbuf *err);

/*
 * Workflow runs not known to be completed: recorded runs not completed, plus
 * sent dispatches without a recorded run yet. 0 or -1.
 */
int dispatch_open_runs(struct ledger *l, int64_t *n, struct strbuf *err);

#endif
