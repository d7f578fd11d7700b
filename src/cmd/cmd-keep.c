/*
 * cmd-keep.c: `perfloop keep`, commit an experiment judged keep/keep-flat,
 * push it, dispatch the CI benchmark, and make it the new baseline.
 */
#include <stdlib.h>
#include <string.h>

#include "artifact-state.h"
#include "baseline.h"
#include "cmd/cmd.h"
#include "cmd/steps.h"
#include "dispatch.h"
#include "experiment.h"
#include "git.h"
#include "proc.h"
#include "push.h"
#include "banned.h"

/* Newest experiment of this patch: id, verdict, message. 0 found, 1 none. */
static int find_experiment(struct ledger *l, const char *hash, int64_t *id, char **verdict,
			   char **message)
{
	struct strbuf err = STRBUF_INIT;
	sqlite3_stmt *st = ledger_query(l, &err,
					"SELECT id, verdict, message FROM experiments WHERE "
					"patch_hash = ? AND status = 'decided' ORDER BY id DESC LIMIT 1",
					"t", hash);
	int r = 1, rc;
	if (!st || (rc = ledger_step(l, st, &err)) < 0)
		die("%s", err.buf);
	if (rc) {
		*id = sqlite3_column_int64(st, 0);
		*verdict = xstrdup(col_text(st, 1));
		*message = sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL
								      : xstrdup(col_text(st, 2));
		r = 0;
	}
	sqlite3_finalize(st);
	strbuf_release(&err);
	return r;
}

static PL_NORETURN void die_not_pushed(const char *sha, const char *baseline)
{
	die("interrupted after committing %.12s (the new baseline '%s'): not pushed, no "
	    "workflow dispatched; 'git push' or the next 'perfloop keep' pushes it", sha, baseline);
}

static int cmd_keep(const struct cmd_args *a, struct project *c)
{
	struct strbuf err = STRBUF_INIT, patch = STRBUF_INIT, files = STRBUF_INIT;
	struct strbuf sha = STRBUF_INIT, why = STRBUF_INIT, remote_ref = STRBUF_INIT;
	struct loop_state ls;
	struct gh_client gh;
	struct baseline b;
	struct art_state as;
	sigset_t sigs;
	const char *message = args_get(a, "message"), *scope_opt = args_get(a, "scope");
	const char *pushed = NULL;
	char *verdict = NULL, *exp_message = NULL, *scope = NULL, *msg = NULL;
	char hash[HASH_HEX], api_sha[41] = "";
	int64_t id = 0, dispatch = 0;
	int force = args_has(a, "force"), no_push = args_has(a, "no-push");
	int no_dispatch = args_has(a, "no-dispatch"), json = args_has(a, "json");
	int pr = (int)args_int(a, "pr", 0), have_gh = 0;
	int dispatch_state = 0; /* 0 none, 1 sent, 2 skipped, 3 failed */

	require_loop(c, &ls);

	if (project_worktree_patch(c, &patch, &files, &err))
		die("%s", err.buf);
	if (!patch.len)
		die("nothing to keep: the worktree has no uncommitted changes");
	patch_hash(patch.buf, patch.len, hash);
	if (find_experiment(c->ledger, hash, &id, &verdict, &exp_message)) {
		if (!force)
			die("the current diff (%.12s) has no verdict: run 'perfloop try' first, or "
			    "keep it anyway with --force", hash);
	} else if (strcmp(verdict, "keep") && strcmp(verdict, "keep-flat") && !force) {
		die("experiment %lld on this diff was judged '%s', not keep: 'perfloop revert' it, "
		    "or keep it anyway with --force", (long long)id, verdict);
	}
	if (!message)
		message = exp_message;
	if (!message || !*message)
		die("say what changed: perfloop keep -m \"...\"");
	scope = scope_opt ? xstrdup(scope_opt) : change_scope(c->worktree, files.buf);
	if (!scope)
		scope = xstrdup("perf");
	msg = commit_message(config_get(&c->cfg, "commit.template"), scope, message);

	/*
	 * The baseline's bytes must be the build of what is committed: the
	 * artifact when it is the build of exactly this diff on HEAD (try's),
	 * else a build made now, before anything is committed.
	 */
	if (art_state_get(c, &patch, &as, &err))
		die("%s", err.buf);
	if (as.state != ART_CURRENT) {
		struct build_result bres;
		int code;
		info("building the change before committing it: the artifact is not its build "
		     "(%s)", as.why);
		code = run_build(c, hash, &bres);
		build_result_release(&bres);
		if (code || proc_interrupted)
			die_code(code ? code : EXIT_INTERRUPTED,
				 "nothing committed: the change's build %s",
				 code && code != EXIT_INTERRUPTED ? "failed" : "was cut short");
	}
	/* its bytes into the store and its fingerprint, the steps that take time */
	if (baseline_prepare(c, as.path, &b, &err))
		die("nothing committed: %s", err.buf);
	if (proc_interrupted)
		die("interrupted: nothing committed");

	/* the commit and the rows saying what it is: one step that Ctrl-C does not split */
	interrupts_block(&sigs);
	if (commit_all(c->worktree, project_artifact_rel(c), msg, &sha, &err))
		die("%s", err.buf);
	{
		char *name = xstrfmt("kept-%lld", (long long)id);
		if (baseline_record(c, name, sha.buf, 0, &b, &err) ||
		    loop_set_baseline(c->ledger, b.id, &err) ||
		    (id && (experiment_set(c->ledger, id, "status", "kept", &err) ||
			    experiment_set(c->ledger, id, "commit_id", sha.buf, &err))))
			die("%s", err.buf);
		ls.baseline_id = b.id; /* ls is saved again below */
		free(name);
	}
	interrupts_restore(&sigs);
	info("committed %.12s: %s", sha.buf, msg);
	if (proc_interrupted)
		die_not_pushed(sha.buf, b.name);

	if (!gh_setup(&gh, &c->cfg, c->worktree, &why))
		have_gh = 1;

	/* push, or the Git Data API when git cannot reach the remote */
	if (!no_push) {
		const char *remote = config_get(&c->cfg, "project.remote");
		struct strbuf perr = STRBUF_INIT;
		if (!ls.remote_only && !push_branch(c->worktree, remote, ls.branch, &perr)) {
			pushed = "git";
			info("pushed %s to %s", ls.branch, remote);
		} else if (proc_interrupted) {
			/* a push cut short is not a push that failed: no API fallback */
			die_not_pushed(sha.buf, b.name);
		} else {
			char *tracking = xstrfmt("refs/remotes/%s/%s", remote, ls.branch);
			const char *expected = NULL;
			if (ls.remote_only)
				info("local HEAD lacks the remote-only commit %.12s: updating the PR "
				     "branch through the GitHub API", ls.remote_head);
			else
				warning("git push failed (%s); updating the PR branch through the "
					"GitHub API", perr.buf);
			if (ls.remote_only && ls.remote_head)
				expected = ls.remote_head;
			else if (!git_run(c->worktree, &remote_ref, NULL, "rev-parse", "--verify",
					  "-q", tracking, NULL))
				expected = remote_ref.buf;
			free(tracking);
			if (!have_gh)
				die_code(EXIT_GITHUB, "cannot push: %s; and no API fallback: %s",
					 perr.len ? perr.buf : "the branch is remote-only", why.buf);
			if (!expected)
				die_code(EXIT_GITHUB, "cannot push: %s; the API fallback can only update "
					 "a branch that exists on %s", perr.buf, remote);
			if (push_through_api(&gh, c->worktree, ls.branch, sha.buf, expected, api_sha,
					     &err))
				die_code(EXIT_GITHUB, "%s", err.buf);
			pushed = "api";
			free(ls.remote_head);
			ls.remote_head = xstrdup(api_sha);
			ls.remote_only = 1;
			if (loop_save(c->ledger, &ls, &err))
				die("%s", err.buf);
			info("updated %s through the API: remote commit %.12s (local HEAD lacks it; "
			     "'perfloop sync' reconciles)", ls.branch, api_sha);
		}
		strbuf_release(&perr);
		if (id && experiment_set(c->ledger, id, "pushed", pushed, &err))
			die("%s", err.buf);
	}

	if (proc_interrupted)
		die("interrupted after pushing %.12s (the new baseline '%s'): no workflow "
		    "dispatched", sha.buf, b.name);

	/* dispatch the benchmark workflow for the PR */
	if (no_dispatch) {
		dispatch_state = 2;
		dispatch_skipped(c, id, sha.buf, "--no-dispatch", &err);
	} else if (!config_get(&c->cfg, "github.workflow")) {
		static const char no_workflow[] = "no workflow to dispatch: set [github] workflow";
		dispatch_state = 2;
		info("dispatch skipped: %s", no_workflow);
		if (dispatch_skipped(c, id, sha.buf, no_workflow, &err))
			die("%s", err.buf);
	} else if (!have_gh) {
		dispatch_state = 2;
		info("dispatch skipped: %s", why.buf);
		if (dispatch_skipped(c, id, sha.buf, why.buf, &err))
			die("%s", err.buf);
	} else {
		int r;
		strbuf_reset(&err);
		r = resolve_pr(&gh, c, &ls, pr, &pr, &err);
		if (r < 0)
			die_code(EXIT_GITHUB, "%s", err.buf);
		if (r == 1) {
			dispatch_state = 2;
			strbuf_reset(&why);
			strbuf_addf(&why, "no open pull request has '%s' as its head: open one, or pass "
				    "--pr N", ls.branch);
			info("dispatch skipped: %s", why.buf);
			if (dispatch_skipped(c, id, sha.buf, why.buf, &err))
				die("%s", err.buf);
		} else {
			dispatch = dispatch_workflow(&gh, c, id, sha.buf, pr, &err);
			if (dispatch < 0)
				die_code(EXIT_GITHUB, "%s", err.buf);
			dispatch_state = 1;
			info("dispatched '%s' for PR #%d (perfloop runs --wait follows it)",
			     config_get(&c->cfg, "github.workflow"), pr);
		}
	}

	if (json) {
		json_t *doc = json_object();
		json_object_set_new(doc, "experiment", id ? json_integer(id) : json_null());
		json_object_set_new(doc, "commit", json_string(sha.buf));
		json_object_set_new(doc, "message", json_string(msg));
		json_object_set_new(doc, "pushed", pushed ? json_string(pushed) : json_null());
		json_object_set_new(doc, "remote_commit", *api_sha ? json_string(api_sha) : json_null());
		json_object_set_new(doc, "pr", pr ? json_integer(pr) : json_null());
		json_object_set_new(doc, "dispatch",
				    json_string(dispatch_state == 1   ? "sent"
						: dispatch_state == 2 ? "skipped"
								      : "none"));
		json_object_set_new(doc, "baseline", json_string(b.name));
		print_json(doc);
		json_decref(doc);
	} else {
		printf("kept %.12s as the new baseline '%s'\n", sha.buf, b.name);
	}
	if (have_gh)
		gh_release(&gh);
	baseline_release(&b);
	loop_release(&ls);
	art_state_release(&as);
	free(verdict);
	free(exp_message);
	free(scope);
	free(msg);
	strbuf_release(&err);
	strbuf_release(&patch);
	strbuf_release(&files);
	strbuf_release(&sha);
	strbuf_release(&why);
	strbuf_release(&remote_ref);
	return 0;
}

static const struct cmd_option keep_options[] = {
	{ .name = "message", .short_name = 'm', .arg = "MSG",
	  .help = "the commit message's {message} (default: try's -m)" },
	{ .name = "scope", .short_name = 's', .arg = "S",
	  .help = "the commit message's {scope} (default: the single Cargo package or top "
		  "directory touched, else perf)" },
	{ .name = "pr", .arg = "N", .kind = CMD_VAL_INT, .min = 1,
	  .help = "the PR whose number the workflow is dispatched with (default `github.pr`, else "
		  "the open PR whose head is the branch)" },
	{ .name = "force", .help = "keep without a keep or keep-flat verdict on this diff" },
	{ .name = "no-push", .help = "commit and make the baseline without pushing" },
	{ .name = "no-dispatch", .help = "push, but dispatch no workflow" },
	{ .name = "json", .help = "print what was done as one JSON document" },
	{ 0 },
};

const struct cmd_entry cmd_keep_entry = {
	.name = "keep",
	.summary = "commit a kept experiment, push it, dispatch the CI benchmark, make it the "
		   "baseline",
	.options = keep_options,
	.help = "Only after a `keep` or `keep-flat` verdict of `perfloop try` on exactly the\n"
		"current diff (same patch hash), unless --force. Then:\n"
		"\n"
		"- when the artifact is not the build of exactly this diff on HEAD (--force\n"
		"  without a try, a rebuild since), the change is built first; nothing is\n"
		"  committed when that build fails or is interrupted: the baseline's bytes are\n"
		"  always the build of what is committed,\n"
		"- the change is committed with `commit.template` (default\n"
		"  `refactor({scope}): {message}`),\n"
		"- that build becomes the loop's new baseline `kept-<experiment>` of the commit; the\n"
		"  commit and the rows recording it (baseline, experiment `kept`) are one step an\n"
		"  interrupt does not split,\n"
		"- pushed with `git push --force-with-lease -u <remote> <branch>` (`project.remote`;\n"
		"  the lease lets a branch rebased by `sync` be pushed without ever overwriting\n"
		"  someone else's push). When that fails (network, DNS, auth) the PR branch is\n"
		"  updated through the GitHub Git Data API instead: blobs, a tree on the remote\n"
		"  head's tree, a commit whose parent is the remote head, and a non-forced ref\n"
		"  update (a non-fast-forward is refused); the loop records that local HEAD lacks\n"
		"  the remote-only commit, `perfloop status` says so and `perfloop sync` reconciles,\n"
		"- the workflow (`github.workflow`, found by name or file name) is dispatched on\n"
		"  `github.ref` with the input `github.input` = the PR number (--pr, `github.pr`,\n"
		"  or the open PR whose head is the branch). Without a workflow set, without a\n"
		"  token, or without a PR, the dispatch is skipped and the reason said and\n"
		"  recorded.\n",
	.exit = "3 or 4 when the build failed or timed out (nothing committed), 5 when a GitHub "
		"call failed, 130 interrupted: before the commit nothing is committed; during the "
		"push or dispatch the commit and its baseline stand and the rest is skipped (no API "
		"fallback): `git push` or the next `perfloop keep` pushes it.",
	.flags = CMD_NEED_CONFIG | CMD_DEFER_SIGNALS,
	.exec = cmd_keep,
};
