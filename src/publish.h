/*
 * publish.h: what `perfloop keep` does after the verdict: commit, push (or,
 * when git push cannot reach the remote, update the PR branch through the
 * GitHub Git Data API), and dispatch the CI benchmark workflow for the PR.
 */
#ifndef PUBLISH_H
#define PUBLISH_H

#include <stdint.h>
#include "ctx.h"
#include "github/github.h"
#include "loop.h"

/* Fill the commit template: {scope} and {message}. Newly allocated. */
char *commit_message(const char *tmpl, const char *scope, const char *message);

/*
 * The scope of a change: the single Cargo package owning every changed file,
 * else the single top-level directory they share, else NULL. `files` holds
 * paths relative to root, one per line. Newly allocated.
 */
char *change_scope(const char *root, const char *files);

/*
 * Commit every change of the worktree (git add -A) except `exclude` (the
 * artifact, relative to the worktree, or NULL); the new commit's hash in sha.
 * 0 or -1.
 */
int commit_all(const char *worktree, const char *exclude, const char *message,
	       struct strbuf *sha, struct strbuf *err);

/*
 * git push --force-with-lease -u REMOTE BRANCH (a rebased branch needs the
 * force; the lease refuses to overwrite anyone else's push); 0, or -1 with
 * git's error in why.
 */
int push_branch(const char *worktree, const char *remote, const char *branch, struct strbuf *why);

/*
 * Apply local commit `commit` (its changes against its parent) on top of
 * `expected_head` of the remote branch through the Git Data API. The new
 * remote commit in new_sha. 0 or -1.
 */
int push_through_api(struct gh_client *gh, const char *worktree, const char *branch,
		     const char *commit, const char *expected_head, char new_sha[41],
		     struct strbuf *err);

/*
 * Resolve the PR number: `pr` when > 0, github.pr, the loop's, or the open PR
 * whose head is the loop's branch. 0 found, 1 none, -1 error.
 */
int resolve_pr(struct gh_client *gh, struct ctx *c, struct loop_state *ls, int pr, int *out,
	       struct strbuf *err);

/*
 * Dispatch [github] workflow on [github] ref with [github] input = pr and
 * record the dispatch (sent or failed) in the ledger. Returns the dispatch
 * id, or -1 (err) when it failed (still recorded).
 */
int64_t dispatch_workflow(struct gh_client *gh, struct ctx *c, int64_t experiment,
			  const char *commit, int pr, struct strbuf *err);

/* Record a skipped dispatch and why (no token, no PR...). 0 or -1. */
int dispatch_skipped(struct ctx *c, int64_t experiment, const char *commit, const char *why,
		     struct strbuf *err);

#endif
