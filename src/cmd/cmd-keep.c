/*
 * cmd-keep.c: `perfloop keep`, commit an experiment judged keep/keep-flat,
 * push it, dispatch the CI benchmark, and make it the new baseline.
 */
#include "cmd/cmd.h"
#include "cmd/steps.h"
#include "keep.h"
#include "proc.h"
#include "banned.h"

extern const struct cmd_entry cmd_keep_entry;

static const struct keep_hooks keep_hooks = { build_hook, say_info, say_warning, NULL };

static void print_keep_json(const struct keep_result *r, json_t *comment)
{
	json_t *doc = json_object();
	const char *pushed = keep_pushed_name(r->pushed);
	json_object_set_new(doc, "experiment",
			    r->experiment ? json_integer(r->experiment) : json_null());
	json_object_set_new(doc, "commit", json_string(r->commit));
	json_object_set_new(doc, "message", json_string(r->message));
	json_object_set_new(doc, "pushed", pushed ? json_string(pushed) : json_null());
	json_object_set_new(doc, "remote_commit",
			    *r->api_sha ? json_string(r->api_sha) : json_null());
	json_object_set_new(doc, "pr", r->pr ? json_integer(r->pr) : json_null());
	json_object_set_new(doc, "dispatch", json_string(keep_dispatch_name(r->dispatch)));
	json_object_set_new(doc, "baseline", json_string(r->baseline.name));
	json_object_set(doc, "pr_comment", comment);
	print_json(doc);
	json_decref(doc);
}

static int cmd_keep(const struct cmd_args *a, struct project *c)
{
	struct strbuf err = STRBUF_INIT;
	struct loop_state ls;
	struct keep_request req;
	struct keep_result r;
	json_t *comment = json_null();
	const char *message = args_get(a, "message"), *scope_opt = args_get(a, "scope");
	int force = args_has(a, "force"), no_push = args_has(a, "no-push");
	int no_dispatch = args_has(a, "no-dispatch"), json = args_has(a, "json");
	int pr = (int)args_int(a, "pr", 0), failed;
	int64_t experiment = args_int(a, "experiment", 0);

	require_loop(c, &ls);
	req = (struct keep_request){ message, scope_opt, pr, force, no_push, no_dispatch,
				     experiment };
	failed = keep_run(c, &ls, &req, &keep_hooks, &r, &err);
	/* the PR has the commit: its report comment follows, whatever came after the push */
	if (r.pushed != KEEP_NOT_PUSHED && !proc_interrupted)
		comment = update_pr_comment(c, &ls, r.pr, "keep");
	if (failed)
		die_code(r.failure == KEEP_FAIL_GITHUB ? EXIT_GITHUB
			 : r.failure == KEEP_FAIL_BUILD ? r.build_code
							 : EXIT_FATAL,
			 "%s", err.buf);
	if (json)
		print_keep_json(&r, comment);
	else
		printf("kept %.12s as the new baseline '%s'\n", r.commit, r.baseline.name);
	json_decref(comment);
	keep_result_release(&r);
	loop_release(&ls);
	strbuf_release(&err);
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
	{ .name = "experiment", .short_name = 'e', .arg = "N", .kind = CMD_VAL_INT, .min = 1,
	  .help = "keep experiment N (of a queue): its saved patch applied to the clean worktree "
		  "first" },
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
		"current diff (same patch hash), unless --force. With --experiment N (the\n"
		"command a `try --queue` ranking ends with), experiment N instead: it must have\n"
		"been decided keep or keep-flat (or --force) and not be kept already, the\n"
		"worktree must be clean, and its saved patch is applied to HEAD with `git apply`\n"
		"(refused with git's message when it no longer applies; a warning when HEAD or\n"
		"the baseline moved since it was tried). Then:\n"
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
		"  recorded,\n"
		"- once pushed, the report comment on the PR is created or brought up to date\n"
		"  (`github.comment`; see `perfloop status`): its failure is a warning, recorded,\n"
		"  and changes no exit status.\n",
	.exit = "3 or 4 when the build failed or timed out (nothing committed), 5 when a GitHub "
		"call failed, 130 interrupted: before the commit nothing is committed; during the "
		"push or dispatch the commit and its baseline stand and the rest is skipped (no API "
		"fallback): `git push` or the next `perfloop keep` pushes it.",
	.flags = CMD_NEED_CONFIG | CMD_DEFER_SIGNALS,
	.exec = cmd_keep,
};
