/*
 * keep.c: committing a kept experiment as the loop's new baseline, its push
 * (with the Git Data API fallback) and its CI dispatch.
 */
#include "keep.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "artifact-state.h"
#include "dispatch.h"
#include "experiment.h"
#include "git.h"
#include "proc.h"
#include "push.h"
#include "banned.h"

const char *keep_pushed_name(enum keep_pushed p)
{
	return p == KEEP_PUSHED_GIT ? "git" : p == KEEP_PUSHED_API ? "api" : NULL;
}

const char *keep_dispatch_name(enum keep_dispatch d)
{
	return d == KEEP_DISPATCH_SENT ? "sent" : d == KEEP_DISPATCH_SKIPPED ? "skipped" : "none";
}

static int fail(struct keep_result *r, enum keep_failure why)
{
	r->failure = why;
	return -1;
}

/* The change's decided experiment (0 when --force keeps an untried diff), and the message. */
static int check_verdict(struct project *c, const struct keep_request *req, const char *hash,
			 struct keep_result *r, char **exp_message, struct strbuf *err)
{
	struct exp_decision d;
	int found = experiment_decided(c->ledger, hash, &d, err);
	if (found < 0)
		return -1;
	if (!found && !req->force) {
		strbuf_addf(err, "the current diff (%.12s) has no verdict: run 'perfloop try' "
			    "first, or keep it anyway with --force", hash);
		return -1;
	}
	if (found && !try_verdict_keeps(d.verdict) && !req->force) {
		strbuf_addf(err, "experiment %lld on this diff was judged '%s', not keep: "
			    "'perfloop revert' it, or keep it anyway with --force",
			    (long long)d.id, try_verdict_name(d.verdict));
		exp_decision_release(&d);
		return -1;
	}
	r->experiment = d.id;
	*exp_message = d.message;
	return 0;
}

/* Experiment id's saved patch applied to the worktree with git apply: 0, or -1 (err). */
static int apply_saved(struct project *c, int64_t id, const char *base, struct strbuf *err)
{
	struct strbuf patch = STRBUF_INIT, head = STRBUF_INIT, why = STRBUF_INIT;
	char *tmp = xstrfmt("%s/experiment-%lld.patch", c->state_dir, (long long)id);
	int found, ret = -1;
	if ((found = experiment_patch(c->ledger, id, &patch, err)) <= 0) {
		if (!found)
			strbuf_addf(err, "experiment %lld has no saved patch", (long long)id);
		goto out;
	}
	if (strbuf_write_file_atomic(&patch, tmp, err))
		goto out;
	if (git_apply(c->worktree, tmp, &why)) {
		git_head(c->worktree, &head);
		strbuf_addf(err, "experiment %lld's patch does not apply to HEAD (%.12s, it was "
			    "tried on %.12s): %s; 'perfloop patch %lld' prints it",
			    (long long)id, head.len ? head.buf : "?", base ? base : "?", why.buf,
			    (long long)id);
		goto out;
	}
	ret = 0;
out:
	unlink(tmp);
	free(tmp);
	strbuf_release(&patch);
	strbuf_release(&head);
	strbuf_release(&why);
	return ret;
}

/*
 * keep --experiment N: N exists, was decided keep or keep-flat (or --force)
 * and is neither kept nor in a step; the worktree is clean; N's saved patch
 * applies to HEAD. Then it is in the worktree, r->experiment is N and
 * *exp_message its message.
 */
static int apply_experiment(struct project *c, const struct loop_state *ls,
			    const struct keep_request *req, const struct keep_hooks *h,
			    struct keep_result *r, char **exp_message, struct strbuf *err)
{
	struct strbuf head = STRBUF_INIT;
	long long id = (long long)req->experiment;
	struct exp_summary e;
	int found = experiment_get(c->ledger, req->experiment, &e, err), ret = -1;
	if (found <= 0) {
		if (!found)
			strbuf_addf(err, "no experiment %lld in the ledger ('perfloop report' lists "
				    "them)", id);
		return -1;
	}
	if (e.status == EXP_KEPT) {
		strbuf_addf(err, "experiment %lld is kept already (commit %.12s)", id,
			    e.commit ? e.commit : "?");
		goto out;
	}
	if (exp_status_in_progress(e.status)) {
		strbuf_addf(err, "experiment %lld is still being tried (%s)", id,
			    exp_status_name(e.status));
		goto out;
	}
	if (!try_verdict_keeps(e.verdict) && !req->force) {
		if (e.verdict)
			strbuf_addf(err, "experiment %lld was judged '%s', not keep: keep it anyway "
				    "with --force", id, try_verdict_name(e.verdict));
		else
			strbuf_addf(err, "experiment %lld has no verdict (%s): keep it anyway with "
				    "--force", id, exp_status_name(e.status));
		goto out;
	}
	if (project_worktree_clean(c, "keep --experiment applies the experiment's patch to a "
				      "clean worktree; 'perfloop revert' them first", err) ||
	    apply_saved(c, req->experiment, e.base_commit, err))
		goto out;
	hook_say(h->note, h->data, "applied experiment %lld's patch to the worktree (it stays "
		 "there if keeping fails: 'perfloop revert' drops it)", id);
	git_head(c->worktree, &head);
	if (e.base_commit && head.len && strcmp(e.base_commit, head.buf))
		hook_say(h->warn, h->data, "experiment %lld was tried on %.12s, HEAD is %.12s now: "
			 "its verdict is of the change on that commit", id, e.base_commit, head.buf);
	else if (e.baseline_id && e.baseline_id != ls->baseline_id)
		hook_say(h->warn, h->data, "experiment %lld was benched against another baseline "
			 "than the loop's now", id);
	r->experiment = e.id;
	*exp_message = e.message;
	e.message = NULL;
	ret = 0;
out:
	exp_summary_release(&e);
	strbuf_release(&head);
	return ret;
}

/*
 * The baseline's bytes must be the build of what is committed: the artifact
 * when it is the build of exactly this diff on HEAD (try's), else a build
 * made now, before anything is committed. Then its bytes into the store and
 * its fingerprint, the steps that take time.
 */
static int prepare_baseline(struct project *c, const struct keep_hooks *h, struct strbuf *patch,
			    const char *hash, struct keep_result *r, struct strbuf *err)
{
	struct art_state as;
	int ret = -1;
	if (art_state_get(c, patch, &as, err))
		return -1;
	if (as.state != ART_CURRENT) {
		struct build_result bres;
		int code;
		hook_say(h->note, h->data,
			 "building the change before committing it: the artifact is not its "
			 "build (%s)",
			 as.why);
		code = h->build(h->data, c, hash, &bres);
		build_result_release(&bres);
		if (code || proc_interrupted) {
			r->build_code = code ? code : EXIT_INTERRUPTED;
			strbuf_addf(err, "nothing committed: the change's build %s",
				    code && code != EXIT_INTERRUPTED ? "failed" : "was cut short");
			ret = fail(r, KEEP_FAIL_BUILD);
			goto out;
		}
	}
	if (baseline_prepare(c, as.path, &r->baseline, err)) {
		char *why = strbuf_detach(err, NULL);
		strbuf_addf(err, "nothing committed: %s", why);
		free(why);
		goto out;
	}
	if (proc_interrupted) {
		strbuf_addstr(err, "interrupted: nothing committed");
		goto out;
	}
	ret = 0;
out:
	art_state_release(&as);
	return ret;
}

/* The commit and the rows saying what it is: one step that Ctrl-C does not split. */
static int commit(struct project *c, struct loop_state *ls, struct keep_result *r,
		  struct strbuf *err)
{
	struct strbuf sha = STRBUF_INIT;
	char *name = xstrfmt("kept-%lld", (long long)r->experiment);
	sigset_t sigs;
	int ret; /* 1 when a step failed */
	interrupts_block(&sigs);
	ret = commit_all(c->worktree, project_artifact_rel(c), r->message, &sha, err) ||
	      baseline_record(c, name, sha.buf, 0, &r->baseline, err) ||
	      loop_set_baseline(c->ledger, r->baseline.id, err) ||
	      (r->experiment && experiment_keep(c->ledger, r->experiment, sha.buf, err));
	if (!ret)
		ls->baseline_id = r->baseline.id;
	interrupts_restore(&sigs);
	r->commit = strbuf_detach(&sha, NULL);
	free(name);
	return ret ? -1 : 0;
}

static void not_pushed(const struct keep_result *r, struct strbuf *err)
{
	strbuf_addf(err, "interrupted after committing %.12s (the new baseline '%s'): not pushed, "
		    "no workflow dispatched; 'git push' or the next 'perfloop keep' pushes it",
		    r->commit, r->baseline.name);
}

int keep_push(struct ledger *l, struct loop_state *ls, const char *worktree, const char *remote,
	      const struct push_ops *ops, const char *no_api, const struct keep_hooks *h,
	      struct keep_result *r, struct strbuf *err)
{
	struct strbuf perr = STRBUF_INIT, tracking = STRBUF_INIT;
	const char *expected = NULL;
	int ret = -1;
	if (!ls->remote_only && !ops->git_push(ops->data, worktree, remote, ls->branch, &perr)) {
		r->pushed = KEEP_PUSHED_GIT;
		hook_say(h->note, h->data, "pushed %s to %s", ls->branch, remote);
		goto record;
	}
	if (proc_interrupted) {
		/* a push cut short is not a push that failed: no API fallback */
		not_pushed(r, err);
		goto out;
	}
	if (ls->remote_only)
		hook_say(h->note, h->data,
			 "local HEAD lacks the remote-only commit %.12s: updating the PR branch "
			 "through the GitHub API",
			 ls->remote_head);
	else
		hook_say(h->warn, h->data,
			 "git push failed (%s); updating the PR branch through the GitHub API",
			 perr.buf);
	if (ls->remote_only && ls->remote_head)
		expected = ls->remote_head;
	else if (!ops->tracking_head(ops->data, worktree, remote, ls->branch, &tracking))
		expected = tracking.buf;
	if (no_api) {
		strbuf_addf(err, "cannot push: %s; and no API fallback: %s",
			    perr.len ? perr.buf : "the branch is remote-only", no_api);
		ret = fail(r, KEEP_FAIL_GITHUB);
		goto out;
	}
	if (!expected) {
		strbuf_addf(err, "cannot push: %s; the API fallback can only update a branch that "
			    "exists on %s", perr.buf, remote);
		ret = fail(r, KEEP_FAIL_GITHUB);
		goto out;
	}
	if (ops->api_push(ops->data, worktree, ls->branch, r->commit, expected, r->api_sha, err)) {
		ret = fail(r, KEEP_FAIL_GITHUB);
		goto out;
	}
	r->pushed = KEEP_PUSHED_API;
	free(ls->remote_head);
	ls->remote_head = xstrdup(r->api_sha);
	ls->remote_only = 1;
	if (loop_save(l, ls, err))
		goto out;
	hook_say(h->note, h->data,
		 "updated %s through the API: remote commit %.12s (local HEAD lacks it; "
		 "'perfloop sync' reconciles)",
		 ls->branch, r->api_sha);
record:
	if (r->experiment &&
	    experiment_record_push(l, r->experiment, keep_pushed_name(r->pushed), err))
		goto out;
	ret = 0;
out:
	strbuf_release(&perr);
	strbuf_release(&tracking);
	return ret;
}

/* Record a skipped dispatch and say why; 0 or -1. */
static int skipped(struct project *c, const struct keep_hooks *h, struct keep_result *r,
		   const char *why, struct strbuf *err)
{
	r->dispatch = KEEP_DISPATCH_SKIPPED;
	hook_say(h->note, h->data, "dispatch skipped: %s", why);
	return dispatch_skipped(c, r->experiment, r->commit, why, err);
}

/* Dispatch the benchmark workflow for the PR; gh is NULL without a client (no_api says why). */
static int dispatch(struct project *c, struct loop_state *ls, const struct keep_request *req,
		    struct gh_client *gh, const char *no_api, const struct keep_hooks *h,
		    struct keep_result *r, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	int ret = 0, found;
	if (req->no_dispatch) {
		r->dispatch = KEEP_DISPATCH_SKIPPED;
		/* the user's own choice: its record is a courtesy that need not stop keep */
		dispatch_skipped(c, r->experiment, r->commit, "--no-dispatch", &why);
	} else if (!config_get(&c->cfg, "github.workflow")) {
		ret = skipped(c, h, r, "no workflow to dispatch: set [github] workflow", err);
	} else if (!gh) {
		ret = skipped(c, h, r, no_api, err);
	} else if ((found = resolve_pr(gh, c, ls, req->pr, &r->pr, err)) < 0) {
		ret = fail(r, KEEP_FAIL_GITHUB);
	} else if (found == 1) {
		strbuf_addf(&why, "no open pull request has '%s' as its head: open one, or pass "
			    "--pr N", ls->branch);
		ret = skipped(c, h, r, why.buf, err);
	} else if (dispatch_workflow(gh, c, r->experiment, r->commit, r->pr, err) < 0) {
		ret = fail(r, KEEP_FAIL_GITHUB);
	} else {
		r->dispatch = KEEP_DISPATCH_SENT;
		hook_say(h->note, h->data,
			 "dispatched '%s' for PR #%d (perfloop runs --wait follows it)",
			 config_get(&c->cfg, "github.workflow"), r->pr);
	}
	strbuf_release(&why);
	return ret;
}

static int git_push(void *data, const char *worktree, const char *remote, const char *branch,
		    struct strbuf *why)
{
	return push_branch(worktree, remote, branch, why);
}

static int tracking_head(void *data, const char *worktree, const char *remote,
			 const char *branch, struct strbuf *sha)
{
	char *ref = xstrfmt("refs/remotes/%s/%s", remote, branch);
	int r = git_run(worktree, sha, NULL, "rev-parse", "--verify", "-q", ref, NULL);
	free(ref);
	return r ? -1 : 0;
}

static int api_push(void *data, const char *worktree, const char *branch, const char *commit,
		    const char *expected_head, char new_sha[41], struct strbuf *err)
{
	return push_through_api(data, worktree, branch, commit, expected_head, new_sha, err);
}

/* After the commit: push, dispatch; the GitHub client when there is a token. */
static int publish(struct project *c, struct loop_state *ls, const struct keep_request *req,
		   const struct keep_hooks *h, struct keep_result *r, struct strbuf *err)
{
	struct strbuf no_api = STRBUF_INIT;
	struct gh_client gh;
	int have_gh = !gh_setup(&gh, &c->cfg, c->worktree, &no_api), ret = -1;
	struct push_ops ops = { git_push, tracking_head, api_push, &gh };
	if (!req->no_push &&
	    keep_push(c->ledger, ls, c->worktree, config_get(&c->cfg, "project.remote"), &ops,
		      have_gh ? NULL : no_api.buf, h, r, err))
		goto out;
	if (proc_interrupted) {
		strbuf_addf(err, "interrupted after pushing %.12s (the new baseline '%s'): no "
			    "workflow dispatched", r->commit, r->baseline.name);
		goto out;
	}
	ret = dispatch(c, ls, req, have_gh ? &gh : NULL, no_api.buf, h, r, err);
out:
	gh_release(&gh);
	strbuf_release(&no_api);
	return ret;
}

int keep_run(struct project *c, struct loop_state *ls, const struct keep_request *req,
	     const struct keep_hooks *h, struct keep_result *r, struct strbuf *err)
{
	struct strbuf patch = STRBUF_INIT, files = STRBUF_INIT;
	char hash[HASH_HEX], *exp_message = NULL, *scope = NULL;
	const char *message = req->message;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	r->pr = req->pr;
	if (req->experiment && apply_experiment(c, ls, req, h, r, &exp_message, err))
		goto out;
	if (project_worktree_patch(c, &patch, &files, err))
		goto out;
	if (!patch.len) {
		strbuf_addstr(err, "nothing to keep: the worktree has no uncommitted changes");
		goto out;
	}
	patch_hash(patch.buf, patch.len, hash);
	if (!req->experiment && check_verdict(c, req, hash, r, &exp_message, err))
		goto out;
	if (!message)
		message = exp_message;
	if (!message || !*message) {
		strbuf_addstr(err, "say what changed: perfloop keep -m \"...\"");
		goto out;
	}
	scope = req->scope ? xstrdup(req->scope) : change_scope(c->worktree, files.buf);
	r->message = commit_message(config_get(&c->cfg, "commit.template"), scope ? scope : "perf",
				    message);
	if (prepare_baseline(c, h, &patch, hash, r, err) || commit(c, ls, r, err))
		goto out;
	hook_say(h->note, h->data, "committed %.12s: %s", r->commit, r->message);
	if (proc_interrupted) {
		not_pushed(r, err);
		goto out;
	}
	ret = publish(c, ls, req, h, r, err);
out:
	free(exp_message);
	free(scope);
	strbuf_release(&patch);
	strbuf_release(&files);
	return ret;
}

void keep_result_release(struct keep_result *r)
{
	free(r->commit);
	free(r->message);
	baseline_release(&r->baseline);
	memset(r, 0, sizeof(*r));
}
