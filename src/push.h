/*
 * push.h: what `perfloop keep` does with a change after the verdict: commit
 * it, and push (or, when git push cannot reach the remote, update the PR
 * branch through the GitHub Git Data API). dispatch.h starts its CI benchmark.
 */
#ifndef PUSH_H
#define PUSH_H

#include "github/github.h"

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

#endif
