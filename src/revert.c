/*
 * revert.c: dropping the worktree's change once its patch is in the ledger.
 */
#include "revert.h"

#include <stdlib.h>
#include <string.h>

#include "experiment.h"
#include "git.h"
#include "banned.h"

int revert_restore_head(struct project *c, struct strbuf *err)
{
	struct strbuf gerr = STRBUF_INIT;
	/* the built artifact is not part of any change: keep it */
	const char *rel = project_artifact_rel(c);
	char *keep = rel ? xstrfmt("/%s", rel) : NULL;
	int ret = -1;
	if (git_run(c->worktree, NULL, &gerr, "reset", "-q", "--hard", "HEAD", NULL)) {
		strbuf_addf(err, "git reset --hard failed in '%s': %s", c->worktree, gerr.buf);
		goto out;
	}
	if (keep ? git_run(c->worktree, NULL, &gerr, "clean", "-q", "-f", "-d", "-e", keep, NULL)
		 : git_run(c->worktree, NULL, &gerr, "clean", "-q", "-f", "-d", NULL)) {
		strbuf_addf(err, "git clean failed in '%s': %s", c->worktree, gerr.buf);
		goto out;
	}
	ret = 0;
out:
	free(keep);
	strbuf_release(&gerr);
	return ret;
}

int revert_run(struct project *c, struct revert_result *r, struct strbuf *err)
{
	struct strbuf patch = STRBUF_INIT, files = STRBUF_INIT, head = STRBUF_INIT;
	int ret = -1;
	memset(r, 0, sizeof(*r));
	if (project_worktree_patch(c, &patch, &files, err))
		goto out;
	if (!patch.len) {
		strbuf_addstr(err, "nothing to revert: the worktree has no uncommitted changes");
		goto out;
	}
	patch_hash(patch.buf, patch.len, r->hash);
	git_head(c->worktree, &head);
	if (experiment_revert(c->ledger, patch.buf, files.buf, head.len ? head.buf : NULL, &r->id,
			      err) ||
	    revert_restore_head(c, err))
		goto out;
	ret = 0;
out:
	strbuf_release(&patch);
	strbuf_release(&files);
	strbuf_release(&head);
	return ret;
}
