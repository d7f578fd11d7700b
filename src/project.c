/*
 * project.c: configuration discovery, state directory, worktree and ledger.
 */
#include "project.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "git.h"
#include "loop.h"
#include "proc.h"
#include "store.h"
#include "banned.h"

static int same_path(const char *a, const char *b)
{
	char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
	int same = ra && rb && !strcmp(ra, rb);
	free(ra);
	free(rb);
	return same;
}

/*
 * With -c FILE inside a loop's worktree, FILE is usually the project's ini
 * the loop was started from, while the loop's state is named by the
 * worktree's own perfloop.ini (which includes FILE). Reading FILE alone would
 * put builds and baselines in the project's ledger and leave 'try' without
 * its loop: the worktree's ini when its ledger holds a loop started from
 * FILE, else NULL. Newly allocated.
 */
static char *loop_ini_of(const char *path)
{
	struct config tmp = CONFIG_INIT;
	struct strbuf err = STRBUF_INIT;
	struct loop_state ls = { 0 };
	struct ledger *l = NULL;
	char *found = config_discover("."), *state = NULL, *db = NULL;
	int use = 0;

	if (!found || same_path(found, path) || config_load(&tmp, found, &err) ||
	    !config_reads(&tmp, path))
		goto out;
	state = config_get_path(&tmp, "core.state");
	db = xstrfmt("%s/ledger.db", state);
	if (!file_exists(db) || !(l = ledger_open(db, 0, &err)) || loop_load(l, &ls, &err))
		goto out;
	use = ls.present && ls.config && same_path(ls.config, path);
out:
	loop_release(&ls);
	ledger_close(l);
	config_release(&tmp);
	strbuf_release(&err);
	free(state);
	free(db);
	if (!use) {
		free(found);
		found = NULL;
	}
	return found;
}

int project_setup(struct project *c, const char *path, int need_file, struct strbuf *err)
{
	char *found = NULL;

	if (path && (found = loop_ini_of(path)))
		path = found;
	else if (!path)
		path = found = config_discover(".");
	if (path) {
		if (config_load(&c->cfg, path, err)) {
			free(found);
			return -1;
		}
	} else if (need_file) {
		strbuf_addstr(err, "no perfloop.ini in this directory or its parents: run "
			      "'perfloop init' or pass -c FILE");
		return -1;
	} else {
		c->cfg.dir = path_join_abs(NULL, ".");
	}
	free(found);
	c->state_dir = config_get_path(&c->cfg, "core.state");
	if (!c->lazy_worktree)
		project_worktree(c);
	return 0;
}

const char *project_worktree(struct project *c)
{
	struct strbuf top = STRBUF_INIT;
	const char *git_argv[] = { "git", "rev-parse", "--show-toplevel", NULL };
	if (c->worktree)
		return c->worktree;
	if (!capture_argv(git_argv, NULL, &top, NULL) && top.len)
		c->worktree = strbuf_detach(&top, NULL);
	else
		c->worktree = xstrdup(c->cfg.dir ? c->cfg.dir : ".");
	strbuf_release(&top);
	return c->worktree;
}

const char *project_require(struct project *c, const char *key, struct strbuf *err)
{
	const char *v = config_get(&c->cfg, key);
	if (!v || !*v) {
		const char *dot = strchr(key, '.');
		strbuf_addf(err, "'%s' is not set: add '%s = ...' under [%.*s] in %s", key, dot + 1,
			    (int)(dot - key), key, c->cfg.path ? c->cfg.path : "perfloop.ini");
		return NULL;
	}
	return v;
}

char *project_state_subdir(struct project *c, const char *sub, struct strbuf *err)
{
	char *dir = sub ? xstrfmt("%s/%s", c->state_dir, sub) : xstrdup(c->state_dir);
	if (mkdir_p(dir, 0755)) {
		strbuf_addf(err, "cannot create state directory '%s': %s", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

struct ledger *project_ledger(struct project *c, struct strbuf *err)
{
	char *dir, *path;
	if (c->ledger)
		return c->ledger;
	dir = project_state_subdir(c, NULL, err);
	if (!dir)
		return NULL;
	path = xstrfmt("%s/ledger.db", dir);
	c->ledger = ledger_open(path, (int)(config_get_real(&c->cfg, "core.busy-timeout") * 1000),
				err);
	free(path);
	free(dir);
	return c->ledger;
}

char *project_artifact(struct project *c, struct strbuf *err)
{
	const char *a = project_require(c, "build.artifact", err);
	return a ? path_join_abs(project_worktree(c), a) : NULL;
}

const char *project_artifact_rel(struct project *c)
{
	static char *rel;
	const char *artifact = config_get(&c->cfg, "build.artifact");
	char *abs = artifact ? path_join_abs(c->worktree, artifact) : NULL;
	size_t n = strlen(c->worktree);
	free(rel);
	rel = NULL;
	/*
	 * Only when git would see it: naming an ignored file in a pathspec,
	 * even to exclude it, makes 'git add' fail.
	 */
	if (abs && !strncmp(abs, c->worktree, n) && abs[n] == '/' &&
	    git_run(c->worktree, NULL, NULL, "check-ignore", "-q", "--", abs + n + 1, NULL) == 1)
		rel = xstrdup(abs + n + 1);
	free(abs);
	return rel;
}

int project_worktree_patch(struct project *c, struct strbuf *patch, struct strbuf *files,
		       struct strbuf *err)
{
	return git_worktree_patch(c->worktree, project_artifact_rel(c), patch, files, err);
}

int project_worktree_clean(struct project *c, const char *why, struct strbuf *err)
{
	struct strbuf patch = STRBUF_INIT, files = STRBUF_INIT, names = STRBUF_INIT;
	size_t n = 0;
	int ret = -1;
	if (project_worktree_patch(c, &patch, &files, err))
		goto out;
	if (patch.len) {
		/* "a.c, b.c and 3 more" */
		for (const char *p = files.buf; *p;) {
			const char *eol = strchrnul(p, '\n');
			if (n < 5)
				strbuf_addf(&names, "%s'%.*s'", n ? ", " : "", (int)(eol - p), p);
			n++;
			p = *eol ? eol + 1 : eol;
		}
		if (n > 5)
			strbuf_addf(&names, " and %zu more", n - 5);
		strbuf_addf(err, "the worktree has uncommitted changes (%s): %s",
			    names.len ? names.buf : "?", why);
		goto out;
	}
	ret = 0;
out:
	strbuf_release(&patch);
	strbuf_release(&files);
	strbuf_release(&names);
	return ret;
}

int project_worktree_state(struct project *c, const struct strbuf *patch, struct strbuf *head,
		       char *hash, struct strbuf *err)
{
	struct strbuf out = STRBUF_INIT, gerr = STRBUF_INIT;
	const char *rel = project_artifact_rel(c);
	char *pathspec = rel ? xstrfmt(":(exclude,literal)%s", rel) : NULL;
	int ret = -1;
	if (git_head(project_worktree(c), head)) {
		ret = 1;
		goto out;
	}
	if (patch) {
		hash_mem(patch->buf, patch->len, hash);
		ret = 0;
		goto out;
	}
	/* git status with its stat cache is quick; the patch only when something changed */
	if (git_run(c->worktree, &out, &gerr, "status", "--porcelain", "--", ".", pathspec, NULL)) {
		strbuf_addf(err, "git status failed in '%s': %s", c->worktree, gerr.buf);
		goto out;
	}
	if (out.len) {
		strbuf_reset(&out);
		if (project_worktree_patch(c, &out, NULL, err))
			goto out;
	}
	hash_mem(out.buf, out.len, hash);
	ret = 0;
out:
	free(pathspec);
	strbuf_release(&out);
	strbuf_release(&gerr);
	return ret;
}

void project_release(struct project *c)
{
	ledger_close(c->ledger);
	config_release(&c->cfg);
	free(c->state_dir);
	free(c->worktree);
	memset(c, 0, sizeof(*c));
}
