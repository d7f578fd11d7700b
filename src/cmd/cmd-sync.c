/*
 * cmd-sync.c: `perfloop sync`, fetch and rebase on the base; after an API
 * fallback push, tell which modified files are really uncommitted (their blob
 * hashes against the PR branch) and adopt the remote commit when all match.
 */
#include "cmd/cmd.h"
#include "cmd/steps.h"
#include "sync.h"
#include "banned.h"

/* the modified files against the PR branch, before anything is adopted */
static void print_compared(void *data, const struct sync_result *r)
{
	const struct loop_state *ls = data;
	printf("local HEAD lacks %.12s, committed to %s through the GitHub API\n", ls->remote_head,
	       ls->branch);
	for (size_t i = 0; i < r->nr_same; i++)
		printf("  committed remotely: %s\n", r->same[i]);
	for (size_t i = 0; i < r->nr_differ; i++)
		printf("  really uncommitted: %s\n", r->differ[i]);
}

static json_t *paths_json(char **paths, size_t nr)
{
	json_t *a = json_array();
	for (size_t i = 0; i < nr; i++)
		json_array_append_new(a, json_string(paths[i]));
	return a;
}

/* What sync did, into doc (and on stdout unless json); the exit code. */
static int sync_done(struct project *c, const struct loop_state *ls, const struct sync_result *r,
		     int json, json_t *doc)
{
	if (r->compared) {
		json_object_set_new(doc, "committed_remotely", paths_json(r->same, r->nr_same));
		json_object_set_new(doc, "uncommitted", paths_json(r->differ, r->nr_differ));
	}
	if (r->adopted) {
		json_object_set_new(doc, "adopted", json_string(ls->remote_head));
		json_object_set_new(doc, "rebased", json_false());
		if (!json)
			printf("adopted %.12s: local %s now matches the PR branch; run "
			       "'perfloop sync' again to rebase it on %s\n",
			       ls->remote_head, ls->branch, ls->base_ref);
	} else if (r->compared) {
		if (!json && r->nr_differ)
			printf("keep, commit or revert the really uncommitted files, then "
			       "'perfloop sync --adopt'\n");
		else if (!json)
			printf("every modified file is committed remotely: 'perfloop sync --adopt' "
			       "resets the branch to the remote commit\n");
		json_object_set_new(doc, "rebased", json_false());
		return 0;
	} else if (r->conflict) {
		error("git rebase %s stopped: %s", ls->base_ref, r->git_said.buf);
		fprintf(stderr, "git's rebase state is left as it is in %s: resolve the conflicts, "
			"'git add' them and 'git rebase --continue', or 'git rebase --abort'\n",
			c->worktree);
		json_object_set_new(doc, "rebased", json_false());
		json_object_set_new(doc, "conflict", json_true());
		return EXIT_CMDFAIL;
	} else {
		json_object_set_new(doc, "rebased", json_true());
		json_object_set_new(doc, "head", json_string(r->head));
		if (!json)
			printf("rebased %s on %s: HEAD %.12s\n", ls->branch, ls->base_ref, r->head);
	}
	settle_artifact(c, ls, json, doc);
	return 0;
}

static int cmd_sync(const struct cmd_args *a, struct project *c)
{
	struct strbuf err = STRBUF_INIT;
	struct loop_state ls;
	struct sync_hooks hooks = { say_warning, print_compared, &ls };
	struct sync_result r;
	json_t *doc;
	int adopt = args_has(a, "adopt"), json = args_has(a, "json"), code;

	require_loop(c, &ls);
	if (json)
		hooks.compared = NULL;
	if (sync_run(c, &ls, adopt, &hooks, &r, &err))
		die_code(r.failure == SYNC_FAIL_GITHUB ? EXIT_GITHUB : EXIT_FATAL, "%s", err.buf);
	doc = json_object();
	json_object_set_new(doc, "fetched", json_boolean(r.fetched));
	code = sync_done(c, &ls, &r, json, doc);
	if (json)
		print_json(doc);
	json_decref(doc);
	sync_result_release(&r);
	loop_release(&ls);
	strbuf_release(&err);
	return code;
}

static const struct cmd_option sync_options[] = {
	{ .name = "adopt",
	  .help = "after an API fallback push, reset the local branch to the remote commit when "
		  "every locally modified file matches it" },
	{ .name = "json", .help = "print what was done as one JSON document" },
	{ 0 },
};

const struct cmd_entry cmd_sync_entry = {
	.name = "sync",
	.summary = "fetch and rebase on the base; reconcile after an API fallback push",
	.options = sync_options,
	.help = "Runs `git fetch` and `git rebase <base>` (`project.base`, e.g. origin/main). On a\n"
		"conflict it stops, leaves git's rebase state, and says what to do (exit 3).\n"
		"After `keep` pushed through the GitHub API (local HEAD lacks the remote-only\n"
		"commit), it compares each locally modified tracked file's blob hash (`git\n"
		"hash-object`) with the contents API `sha` on the PR branch and says which files\n"
		"are really uncommitted; --adopt then resets the local branch to the remote commit\n"
		"when all of them match. After a rebase or an adopt the artifact is settled as\n"
		"after `perfloop revert`: the baseline's bytes when they are HEAD's, else said\n"
		"stale.\n",
	.flags = CMD_NEED_CONFIG,
	.exec = cmd_sync,
};
