/*
 * cmd-revert.c: `perfloop revert` (save the patch, restore the worktree to
 * HEAD, record the experiment as rejected) and `perfloop patch ID` (print a
 * saved experiment's patch, e.g. to re-apply it with git apply).
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/steps.h"
#include "experiment.h"
#include "git.h"
#include "banned.h"

static int cmd_revert(const struct cmd_args *a, struct project *c)
{
	struct strbuf err = STRBUF_INIT, patch = STRBUF_INIT, files = STRBUF_INIT;
	struct loop_state ls;
	char hash[HASH_HEX];
	int64_t id;
	int json = args_has(a, "json");
	require_loop(c, &ls);
	if (project_worktree_patch(c, &patch, &files, &err))
		die("%s", err.buf);
	if (!patch.len)
		die("nothing to revert: the worktree has no uncommitted changes");
	patch_hash(patch.buf, patch.len, hash);
	if (ledger_int(c->ledger, &err, &id, 0,
		       "SELECT id FROM experiments WHERE patch_hash = ? ORDER BY id DESC LIMIT 1",
		       "t", hash))
		die("%s", err.buf);
	if (!id) {
		struct strbuf head = STRBUF_INIT;
		git_head(c->worktree, &head);
		id = experiment_save(c->ledger, NULL, patch.buf, files.buf,
				     head.len ? head.buf : NULL, &err);
		strbuf_release(&head);
		if (id < 0 ||
		    ledger_exec(c->ledger, &err,
				"UPDATE experiments SET verdict = 'reject', reason = 'reverted "
				"without a try' WHERE id = ?",
				"i", id))
			die("%s", err.buf);
	}
	if (ledger_exec(c->ledger, &err,
			"UPDATE experiments SET status = 'reverted', verdict = COALESCE(verdict, "
			"'reject'), finished = COALESCE(finished, ?) WHERE id = ?",
			"di", now_wall(), id))
		die("%s", err.buf);
	/* tracked changes back to HEAD, untracked (not ignored) files removed */
	if (git_run(c->worktree, NULL, &err, "reset", "-q", "--hard", "HEAD", NULL))
		die("git reset --hard failed in '%s': %s", c->worktree, err.buf);
	{
		/* the built artifact is not part of any change: keep it */
		const char *rel = project_artifact_rel(c);
		char *keep = rel ? xstrfmt("/%s", rel) : NULL;
		int r = keep ? git_run(c->worktree, NULL, &err, "clean", "-q", "-f", "-d", "-e", keep,
				       NULL)
			     : git_run(c->worktree, NULL, &err, "clean", "-q", "-f", "-d", NULL);
		free(keep);
		if (r)
			die("git clean failed in '%s': %s", c->worktree, err.buf);
	}
	{
		json_t *doc = json_object();
		json_object_set_new(doc, "experiment", json_integer(id));
		json_object_set_new(doc, "patch_hash", json_string(hash));
		if (!json)
			printf("reverted experiment %lld (patch %.12s kept in the ledger: perfloop "
			       "patch %lld)\n", (long long)id, hash, (long long)id);
		/* the sources are HEAD's again: so must the artifact be, or said not to be */
		settle_artifact(c, &ls, json, doc);
		if (json)
			print_json(doc);
		json_decref(doc);
	}
	loop_release(&ls);
	strbuf_release(&err);
	strbuf_release(&patch);
	strbuf_release(&files);
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
		"`perfloop patch ID` prints the saved patch.\n",
	.flags = CMD_NEED_CONFIG,
	.exec = cmd_revert,
};

static int cmd_patch(const struct cmd_args *a, struct project *c)
{
	struct strbuf err = STRBUF_INIT;
	struct ledger *l;
	sqlite3_stmt *st;
	long id;
	int rc;
	if (a->argc != 1)
		return usage_error(a, "give one experiment id");
	if (args_parse_int(a, "ID", a->argv[0], 1, &id))
		return EXIT_USAGE;
	if (!(l = project_ledger(c, &err)))
		die("%s", err.buf);
	st = ledger_query(l, &err, "SELECT patch FROM experiments WHERE id = ?", "i", (int64_t)id);
	if (!st || (rc = ledger_step(l, st, &err)) < 0)
		die("%s", err.buf);
	if (!rc)
		die("no experiment %ld in the ledger", id);
	fwrite(sqlite3_column_blob(st, 0), 1, (size_t)sqlite3_column_bytes(st, 0), stdout);
	sqlite3_finalize(st);
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
