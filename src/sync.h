/*
 * sync.h: the procedure behind `perfloop sync`: fetch and rebase the loop's
 * branch on its base; after keep pushed through the GitHub API (the remote
 * branch holds a commit local HEAD lacks), compare the locally modified
 * files with the PR branch and adopt the remote commit when they all match.
 */
#ifndef SYNC_H
#define SYNC_H

#include "loop.h"
#include "strbuf.h"

struct sync_result;

struct sync_hooks {
	/* a warning (git fetch failed) */
	void (*warn)(void *data, const char *text);
	/* the modified files are compared with the PR branch (r->same, r->differ) */
	void (*compared)(void *data, const struct sync_result *r);
	void *data;
};

enum sync_failure {
	SYNC_FAIL_ERROR,  /* anything else */
	SYNC_FAIL_GITHUB, /* the GitHub API was needed and failed */
};

struct sync_result {
	int fetched;          /* git fetch worked */
	int compared;         /* the branch is remote-only: same and differ are filled */
	char **same, **differ; /* modified files committed remotely, really uncommitted */
	size_t nr_same, nr_differ;
	int adopted;          /* the branch was reset to the remote-only commit */
	int rebased;          /* and HEAD is head */
	char *head;
	int conflict;         /* the rebase stopped; git's rebase state is left */
	struct strbuf git_said; /* conflict: git's message */
	enum sync_failure failure; /* when sync_run() returned -1 */
};

/*
 * Fetch; when the branch is remote-only, compare (and with `adopt` reset to
 * the remote commit, forgetting it is remote-only), never rebasing then;
 * otherwise rebase on ls->base_ref (refused with uncommitted changes). A
 * conflict is a result, not an error. 0, or -1 with err and r->failure.
 * Release r either way.
 */
int sync_run(struct project *c, struct loop_state *ls, int adopt, const struct sync_hooks *hooks,
	     struct sync_result *r, struct strbuf *err);

void sync_result_release(struct sync_result *r);

#endif
