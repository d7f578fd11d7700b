/*
 * cmd-revert.c: `perfloop revert` (save the patch, restore the worktree to
 * HEAD, record the experiment as rejected) and `perfloop patch ID` (print a
 * saved experiment's patch, e.g. to re-apply it with git apply).
 */
#include "cmd/cmd.h"
#include "cmd/steps.h"
#include "experiment.h"
#include "revert.h"
#include "banned.h"

static int cmd_revert(const struct cmd_args *a, struct project *c)
{
	struct strbuf err = STRBUF_INIT;
	struct loop_state ls;
	struct revert_result r;
	json_t *doc;
	int json = args_has(a, "json");
	require_loop(c, &ls);
	if (revert_run(c, &r, &err))
		die("%s", err.buf);
	doc = json_object();
	json_object_set_new(doc, "experiment", json_integer(r.id));
	json_object_set_new(doc, "patch_hash", json_string(r.hash));
	if (!json)
		printf("reverted experiment %lld (patch %.12s kept in the ledger: perfloop "
		       "patch %lld)\n", (long long)r.id, r.hash, (long long)r.id);
	/* the sources are HEAD's again: so must the artifact be, or said not to be */
	settle_artifact(c, &ls, json, doc);
	json_object_set_new(doc, "pr_comment", update_pr_comment(c, &ls, 0, "revert"));
	if (json)
		print_json(doc);
	json_decref(doc);
	loop_release(&ls);
	strbuf_release(&err);
	return 0;
}

static const struct cmd_option revert_options[] = {
	{ .name = "json", .help = "print the experiment, its patch hash and the artifact's state as JSON" },
	{ 0 },
};

const struct cmd_entry cmd_revert_entry = {
	.name = "revert",
	.summary = "drop the worktree's change: save its patch, restore HEAD, record it rejected",
	.options = revert_options,
	.help = "Saves the uncommitted diff in the ledger when `try` has not already, restores the\n"
		"worktree to HEAD (`git reset --hard`, then `git clean -fd` for untracked files;\n"
		"ignored files such as build outputs and perfloop's state stay) and records the\n"
		"experiment as reverted and rejected. Nothing outside the worktree is touched.\n"
		"The artifact, still the rejected build, becomes HEAD's build again: the loop\n"
		"baseline's bytes are copied back from the store when that baseline was built from\n"
		"HEAD's tree; otherwise revert says the artifact is stale (`perfloop build`).\n"
		"`perfloop patch ID` prints the saved patch. With a PR known, the report comment\n"
		"on it is brought up to date (`github.comment`), as after `keep`.\n",
	.flags = CMD_NEED_CONFIG,
	.exec = cmd_revert,
};

static int cmd_patch(const struct cmd_args *a, struct project *c)
{
	struct strbuf err = STRBUF_INIT, patch = STRBUF_INIT;
	struct ledger *l;
	long id;
	int found;
	if (a->argc != 1)
		return usage_error(a, "give one experiment id");
	if (args_parse_int(a, "ID", a->argv[0], 1, &id))
		return EXIT_USAGE;
	if (!(l = project_ledger(c, &err)))
		die("%s", err.buf);
	found = experiment_patch(l, (int64_t)id, &patch, &err);
	if (found < 0)
		die("%s", err.buf);
	if (!found)
		die("no experiment %ld in the ledger", id);
	fwrite(patch.buf, 1, patch.len, stdout);
	strbuf_release(&patch);
	strbuf_release(&err);
	return 0;
}

const struct cmd_entry cmd_patch_entry = {
	.name = "patch",
	.summary = "print the saved patch of an experiment",
	.args = "ID",
	.help = "Prints the diff an experiment was made of, as saved by `try` or `revert`, so it\n"
		"can be re-applied with `git apply`.\n",
	.flags = CMD_NEED_CONFIG,
	.exec = cmd_patch,
};
