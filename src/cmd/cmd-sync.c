/*
 * cmd-sync.c: `perfloop sync`, fetch and rebase on the base; after an API
 * fallback push, tell which modified files are really uncommitted (their blob
 * hashes against the PR branch) and adopt the remote commit when all match.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/steps.h"
#include "git.h"
#include "github/github.h"
#include "banned.h"

/* Compare local modified files with the PR branch; returns how many differ. */
static int compare_remote(struct project *c, struct gh_client *gh, const char *branch,
			  json_t *same, json_t *differ)
{
	struct strbuf list = STRBUF_INIT, err = STRBUF_INIT, local = STRBUF_INIT;
	int n = 0;
	if (git_run(c->worktree, &list, &err, "diff", "--name-only", "HEAD", NULL))
		die("git diff failed in '%s': %s", c->worktree, err.buf);
	for (const char *p = list.buf; *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char *path = xstrndup(p, len), *abs = xstrfmt("%s/%s", c->worktree, path);
		char sha[41] = "";
		int r;
		p += len + (eol ? 1 : 0);
		strbuf_reset(&err);
		r = gh_contents_sha(gh, path, branch, sha, &err);
		if (r < 0)
			die_code(EXIT_GITHUB, "%s", err.buf);
		strbuf_reset(&local);
		if (file_exists(abs))
			git_run(c->worktree, &local, NULL, "hash-object", "--", path, NULL);
		/* equal blobs, or deleted here and absent there */
		if ((r == 0 && local.len && !strcmp(local.buf, sha)) || (r == 1 && !local.len)) {
			json_array_append_new(same, json_string(path));
		} else {
			json_array_append_new(differ, json_string(path));
			n++;
		}
		free(path);
		free(abs);
	}
	strbuf_release(&list);
	strbuf_release(&err);
	strbuf_release(&local);
	return n;
}

static int cmd_sync(const struct cmd_args *a, struct project *c)
{
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct loop_state ls;
	const char *remote = config_get(&c->cfg, "project.remote");
	json_t *doc = json_object();
	int adopt = args_has(a, "adopt"), json = args_has(a, "json"), fetched, code = 0;

	require_loop(c, &ls);

	fetched = !git_run(c->worktree, NULL, &err, "fetch", remote, NULL);
	if (!fetched)
		warning("git fetch %s failed: %s", remote, err.buf);
	json_object_set_new(doc, "fetched", json_boolean(fetched));

	if (ls.remote_only) {
		struct gh_client gh;
		json_t *same = json_array(), *differ = json_array();
		int n;
		strbuf_reset(&err);
		if (gh_setup(&gh, &c->cfg, c->worktree, &err))
			die_code(EXIT_GITHUB, "the branch was updated through the GitHub API and "
				 "checking it needs the API: %s", err.buf);
		n = compare_remote(c, &gh, ls.branch, same, differ);
		gh_release(&gh);
		/* doc owns both from here */
		json_object_set_new(doc, "committed_remotely", same);
		json_object_set_new(doc, "uncommitted", differ);
		if (!json) {
			json_t *v;
			size_t i;
			printf("local HEAD lacks %.12s, committed to %s through the GitHub API\n",
			       ls.remote_head, ls.branch);
			json_array_foreach(same, i, v)
				printf("  committed remotely: %s\n", json_string_value(v));
			json_array_foreach(differ, i, v)
				printf("  really uncommitted: %s\n", json_string_value(v));
		}
		if (adopt) {
			if (n)
				die("cannot adopt: %d modified file(s) differ from the PR branch; commit "
				    "or revert them first", n);
			if (!fetched || git_run(c->worktree, NULL, NULL, "cat-file", "-e",
						ls.remote_head, NULL))
				die("cannot adopt: commit %.12s is not here (git fetch %s failed); "
				    "retry when the network is back", ls.remote_head, remote);
			strbuf_reset(&err);
			if (git_run(c->worktree, NULL, &err, "reset", "-q", "--hard", ls.remote_head,
				    NULL))
				die("git reset failed in '%s': %s", c->worktree, err.buf);
			ls.remote_only = 0;
			if (loop_save(c->ledger, &ls, &err))
				die("%s", err.buf);
			json_object_set_new(doc, "adopted", json_string(ls.remote_head));
			json_object_set_new(doc, "rebased", json_false());
			if (!json)
				printf("adopted %.12s: local %s now matches the PR branch; run "
				       "'perfloop sync' again to rebase it on %s\n",
				       ls.remote_head, ls.branch, ls.base_ref);
			settle_artifact(c, &ls, json, doc);
			goto out;
		} else if (!json) {
			printf("%s\n", n ? "keep, commit or revert the really uncommitted files, then "
					   "'perfloop sync --adopt'"
					 : "every modified file is committed remotely: 'perfloop sync "
					   "--adopt' resets the branch to the remote commit");
		}
		if (ls.remote_only) {
			/* rebasing now would fork the history from the PR branch */
			json_object_set_new(doc, "rebased", json_false());
			goto out;
		}
	}

	strbuf_reset(&err);
	if (git_dirty(c->worktree) > 0)
		die("the worktree has uncommitted changes: keep or revert them before rebasing");
	if (git_run(c->worktree, &out, &err, "rebase", ls.base_ref, NULL)) {
		error("git rebase %s stopped: %s", ls.base_ref, err.len ? err.buf : out.buf);
		fprintf(stderr, "git's rebase state is left as it is in %s: resolve the conflicts, "
			"'git add' them and 'git rebase --continue', or 'git rebase --abort'\n",
			c->worktree);
		code = EXIT_CMDFAIL;
		json_object_set_new(doc, "rebased", json_false());
		json_object_set_new(doc, "conflict", json_true());
		goto out;
	}
	strbuf_reset(&out);
	git_head(c->worktree, &out);
	json_object_set_new(doc, "rebased", json_true());
	json_object_set_new(doc, "head", json_string(out.buf));
	if (!json)
		printf("rebased %s on %s: HEAD %.12s\n", ls.branch, ls.base_ref, out.buf);
	settle_artifact(c, &ls, json, doc);
out:
	if (json)
		print_json(doc);
	json_decref(doc);
	loop_release(&ls);
	strbuf_release(&err);
	strbuf_release(&out);
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
