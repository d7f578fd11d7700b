/*
 * keep.h: the procedure behind `perfloop keep`: commit an experiment judged
 * keep or keep-flat, make its build the loop's new baseline, push it (git
 * push, else the GitHub Git Data API) and dispatch its CI benchmark. It
 * prints nothing: what there is to say goes through keep_hooks.
 */
#ifndef KEEP_H
#define KEEP_H

#include "baseline.h"
#include "build.h"
#include "loop.h"

struct keep_request {
	const char *message; /* -m, else the try's message */
	const char *scope;   /* --scope, else the change's (change_scope()) */
	int pr;              /* --pr, 0: github.pr, the loop's, or the branch's open PR */
	int force;           /* keep a diff without a keep verdict */
	int no_push, no_dispatch;
	/*
	 * --experiment N: keep experiment N (of a queue), its saved patch applied
	 * to the clean worktree first; 0: the worktree's change
	 */
	int64_t experiment;
};

struct keep_hooks {
	/*
	 * Build the change (when the artifact is not its build), run by the
	 * command with `perfloop build`'s narration: 0 when built, else the exit
	 * code once it said why (see try_hooks).
	 */
	int (*build)(void *data, struct project *c, const char *patch_hash,
		     struct build_result *res);
	/* an informational line (committed, pushed, dispatched), a warning */
	void (*note)(void *data, const char *text);
	void (*warn)(void *data, const char *text);
	void *data;
};

enum keep_pushed { KEEP_NOT_PUSHED, KEEP_PUSHED_GIT, KEEP_PUSHED_API };
/* NULL, "git", "api": experiments.pushed */
const char *keep_pushed_name(enum keep_pushed p);

enum keep_dispatch { KEEP_DISPATCH_NONE, KEEP_DISPATCH_SENT, KEEP_DISPATCH_SKIPPED };
/* "none", "sent", "skipped" */
const char *keep_dispatch_name(enum keep_dispatch d);

/* Why keep_run() or keep_push() failed: what the exit code says. */
enum keep_failure {
	KEEP_FAIL_ERROR,  /* any other error (or an interrupt: nothing more done) */
	KEEP_FAIL_BUILD,  /* the change's build failed: build_code */
	KEEP_FAIL_GITHUB, /* a GitHub call failed, or was needed and not possible */
};

struct keep_result {
	int64_t experiment;     /* the experiment kept, 0 when --force kept an untried diff */
	char *commit;           /* the new commit */
	char *message;          /* its message */
	struct baseline baseline; /* the loop's new baseline, kept-<experiment> */
	enum keep_pushed pushed;
	char api_sha[41];       /* KEEP_PUSHED_API: the remote commit local HEAD lacks */
	int pr;                 /* the PR dispatched for (or --pr), 0 none */
	enum keep_dispatch dispatch;
	enum keep_failure failure; /* when it returned -1 */
	int build_code;         /* KEEP_FAIL_BUILD: the build step's exit code */
};

/*
 * Keep the worktree's uncommitted change, or with req->experiment that
 * experiment's saved patch: refused unless it was decided keep or keep-flat
 * (or req->force), never one kept or still in a step, on a worktree with
 * changes (naming them), or when the patch no longer applies to HEAD (git's
 * message); applied, it stays in the worktree if a later step fails.
 * Interrupts never split the commit
 * from the rows saying what it is (the baseline, the experiment kept); an
 * interrupt before the commit commits nothing, after it skips the rest.
 * Returns 0, or -1 with err and r->failure (after the commit, it and its
 * baseline stand). ls is the loop's state, updated (baseline, PR, remote
 * head). Release r either way.
 */
int keep_run(struct project *c, struct loop_state *ls, const struct keep_request *req,
	     const struct keep_hooks *hooks, struct keep_result *r, struct strbuf *err);

void keep_result_release(struct keep_result *r);

/*
 * The two ways a commit reaches the loop's remote branch, and what the clone
 * knows of that branch: keep_run() uses git and the GitHub client, tests
 * their own.
 */
struct push_ops {
	/* git push BRANCH to REMOTE: 0, or -1 with git's error in why */
	int (*git_push)(void *data, const char *worktree, const char *remote, const char *branch,
			struct strbuf *why);
	/* the remote branch's head as the clone last saw it, into sha: 0, or -1 when unknown */
	int (*tracking_head)(void *data, const char *worktree, const char *remote,
			     const char *branch, struct strbuf *sha);
	/* commit `commit` on top of expected_head through the Git Data API: 0, -1 (err) */
	int (*api_push)(void *data, const char *worktree, const char *branch, const char *commit,
			const char *expected_head, char new_sha[41], struct strbuf *err);
	void *data;
};

/*
 * keep's push of commit r->commit (experiment r->experiment, baseline
 * r->baseline) to the loop's branch on `remote`. git push first, unless
 * the branch is remote-only (a commit pushed through the API that local
 * HEAD lacks); when git push fails, the API fallback updates the branch
 * from its known head (the remote-only commit, else the tracking ref),
 * then the loop records that local HEAD lacks the new remote commit. A push
 * cut short by an interrupt is no failure: no fallback then. `no_api` says
 * why the API cannot be used (no token...), NULL when it can. How it was
 * pushed is recorded on the experiment. 0, or -1 with err and r->failure
 * (nothing recorded as pushed then).
 */
int keep_push(struct ledger *l, struct loop_state *ls, const char *worktree, const char *remote,
	      const struct push_ops *ops, const char *no_api, const struct keep_hooks *hooks,
	      struct keep_result *r, struct strbuf *err);

#endif
