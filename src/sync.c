/*
 * sync.c: keeping the loop's branch on its base, and reconciling it with the
 * PR branch after a push through the GitHub API.
 */
#include "sync.h"

#include <stdlib.h>
#include <string.h>

#include "git.h"
#include "github/github.h"
#include "banned.h"

static void add_path(char ***list, size_t *nr, size_t *alloc, const char *path)
{
	ALLOC_GROW(*list, *nr + 1, *alloc);
	(*list)[(*nr)++] = xstrdup(path);
}

/* Compare the local modified files with the PR branch into r->same and r->differ. */
static int compare_remote(struct project *c, struct gh_client *gh, const char *branch,
			  struct sync_result *r, struct strbuf *err)
{
	struct strbuf list = STRBUF_INIT, gerr = STRBUF_INIT, local = STRBUF_INIT;
	size_t alloc_same = 0, alloc_differ = 0;
	int ret = -1;
	if (git_run(c->worktree, &list, &gerr, "diff", "--name-only", "HEAD", NULL)) {
		strbuf_addf(err, "git diff failed in '%s': %s", c->worktree, gerr.buf);
		r->failure = SYNC_FAIL_ERROR;
		goto out;
	}
	for (const char *p = list.buf; *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char *path = xstrndup(p, len), *abs = xstrfmt("%s/%s", c->worktree, path);
		char sha[41] = "";
		int found;
		p += len + (eol ? 1 : 0);
		found = gh_contents_sha(gh, path, branch, sha, err);
		if (found >= 0) {
			strbuf_reset(&local);
			if (file_exists(abs))
				git_run(c->worktree, &local, NULL, "hash-object", "--", path, NULL);
			/* equal blobs, or deleted here and absent there */
			if ((found == 0 && local.len && !strcmp(local.buf, sha)) ||
			    (found == 1 && !local.len))
				add_path(&r->same, &r->nr_same, &alloc_same, path);
			else
				add_path(&r->differ, &r->nr_differ, &alloc_differ, path);
		}
		free(path);
		free(abs);
		if (found < 0) {
			r->failure = SYNC_FAIL_GITHUB;
			goto out;
		}
	}
	ret = 0;
out:
	strbuf_release(&list);
	strbuf_release(&gerr);
	strbuf_release(&local);
	return ret;
}

/* The branch is remote-only: compare, and adopt the remote commit when asked. */
static int reconcile(struct project *c, struct loop_state *ls, int adopt,
		     const struct sync_hooks *h, struct sync_result *r, struct strbuf *err)
{
	const char *remote = config_get(&c->cfg, "project.remote");
	struct strbuf gerr = STRBUF_INIT;
	struct gh_client gh;
	int ret = -1;
	if (gh_setup(&gh, &c->cfg, c->worktree, &gerr)) {
		strbuf_addf(err, "the branch was updated through the GitHub API and checking it "
			    "needs the API: %s", gerr.buf);
		r->failure = SYNC_FAIL_GITHUB;
		gh_release(&gh);
		goto out;
	}
	ret = compare_remote(c, &gh, ls->branch, r, err);
	gh_release(&gh);
	if (ret)
		goto out;
	r->compared = 1;
	if (h && h->compared)
		h->compared(h->data, r);
	ret = -1;
	r->failure = SYNC_FAIL_ERROR;
	if (!adopt) {
		ret = 0; /* rebasing now would fork the history from the PR branch */
	} else if (r->nr_differ) {
		strbuf_addf(err, "cannot adopt: %zu modified file(s) differ from the PR branch; "
			    "commit or revert them first", r->nr_differ);
	} else if (!r->fetched ||
		   git_run(c->worktree, NULL, NULL, "cat-file", "-e", ls->remote_head, NULL)) {
		strbuf_addf(err, "cannot adopt: commit %.12s is not here (git fetch %s failed); "
			    "retry when the network is back", ls->remote_head, remote);
	} else if (git_run(c->worktree, NULL, &gerr, "reset", "-q", "--hard", ls->remote_head,
			   NULL)) {
		strbuf_addf(err, "git reset failed in '%s': %s", c->worktree, gerr.buf);
	} else {
		ls->remote_only = 0;
		if (!loop_save(c->ledger, ls, err)) {
			r->adopted = 1;
			ret = 0;
		}
	}
out:
	strbuf_release(&gerr);
	return ret;
}

/* Rebase on the base: a conflict leaves git's state and is said in r. */
static int rebase(struct project *c, struct loop_state *ls, struct sync_result *r,
		  struct strbuf *err)
{
	struct strbuf out = STRBUF_INIT, gerr = STRBUF_INIT;
	if (git_dirty(c->worktree) > 0) {
		strbuf_addstr(err, "the worktree has uncommitted changes: keep or revert them "
				   "before rebasing");
		return -1;
	}
	if (git_run(c->worktree, &out, &gerr, "rebase", ls->base_ref, NULL)) {
		r->conflict = 1;
		strbuf_addbuf(&r->git_said, gerr.len ? &gerr : &out);
	} else {
		strbuf_reset(&out);
		git_head(c->worktree, &out);
		r->head = strbuf_detach(&out, NULL);
		r->rebased = 1;
	}
	strbuf_release(&out);
	strbuf_release(&gerr);
	return 0;
}

int sync_run(struct project *c, struct loop_state *ls, int adopt, const struct sync_hooks *h,
	     struct sync_result *r, struct strbuf *err)
{
	const char *remote = config_get(&c->cfg, "project.remote");
	struct strbuf gerr = STRBUF_INIT;
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->git_said, 0);
	r->fetched = !git_run(c->worktree, NULL, &gerr, "fetch", remote, NULL);
	if (!r->fetched && h)
		hook_say(h->warn, h->data, "git fetch %s failed: %s", remote, gerr.buf);
	strbuf_release(&gerr);
	if (ls->remote_only)
		return reconcile(c, ls, adopt, h, r, err);
	return rebase(c, ls, r, err);
}

void sync_result_release(struct sync_result *r)
{
	for (size_t i = 0; i < r->nr_same; i++)
		free(r->same[i]);
	for (size_t i = 0; i < r->nr_differ; i++)
		free(r->differ[i]);
	free(r->same);
	free(r->differ);
	free(r->head);
	strbuf_release(&r->git_said);
	memset(r, 0, sizeof(*r));
}
