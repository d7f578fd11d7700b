/*
 * push.c: committing a kept change and pushing it, through the GitHub Git
 * Data API when git push cannot reach the remote.
 */
#include "push.h"

#include <stdlib.h>
#include <string.h>

#include "git.h"
#include "proc.h"
#include "validate.h"
#include "banned.h"

char *commit_message(const char *tmpl, const char *scope, const char *message)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = tmpl; *p; p++) {
		if (!strncmp(p, "{scope}", 7)) {
			strbuf_addstr(&sb, scope);
			p += 6;
		} else if (!strncmp(p, "{message}", 9)) {
			strbuf_addstr(&sb, message);
			p += 8;
		} else {
			strbuf_addch(&sb, *p);
		}
	}
	return strbuf_detach(&sb, NULL);
}

char *change_scope(const char *root, const char *files)
{
	struct strbuf crates = STRBUF_INIT;
	char *top = NULL;
	int same = 1, n;
	n = cargo_packages(root, files, &crates);
	if (n == 1) {
		/* "-p NAME" */
		char *r = xstrdup(crates.buf + 3);
		strbuf_release(&crates);
		return r;
	}
	strbuf_release(&crates);
	for (const char *p = files; *p && same;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *slash = memchr(p, '/', len);
		size_t tl = slash ? (size_t)(slash - p) : len;
		if (!top)
			top = xstrndup(p, tl);
		else if (strlen(top) != tl || strncmp(top, p, tl))
			same = 0;
		p += len + (eol ? 1 : 0);
	}
	if (!same) {
		free(top);
		return NULL;
	}
	return top;
}

int commit_all(const char *worktree, const char *exclude, const char *message,
	       struct strbuf *sha, struct strbuf *err)
{
	struct strbuf gerr = STRBUF_INIT;
	char *pathspec = exclude ? xstrfmt(":(exclude,literal)%s", exclude) : NULL;
	int ret = -1;
	if (git_run(worktree, NULL, &gerr, "add", "-A", "--", ".", pathspec, NULL)) {
		strbuf_addf(err, "git add failed in '%s': %s", worktree, gerr.buf);
		goto out;
	}
	strbuf_reset(&gerr);
	if (git_run(worktree, NULL, &gerr, "commit", "-q", "-m", message, NULL)) {
		strbuf_addf(err, "git commit failed in '%s': %s", worktree, gerr.buf);
		goto out;
	}
	if (git_head(worktree, sha)) {
		strbuf_addf(err, "cannot read HEAD in '%s' after committing", worktree);
		goto out;
	}
	ret = 0;
out:
	free(pathspec);
	strbuf_release(&gerr);
	return ret;
}

int push_branch(const char *worktree, const char *remote, const char *branch, struct strbuf *why)
{
	struct strbuf out = STRBUF_INIT;
	/* with a lease: after 'perfloop sync' rebased the branch, never blindly */
	int r = git_run(worktree, &out, why, "push", "--force-with-lease", "-u", remote, branch,
			NULL);
	strbuf_release(&out);
	return r ? -1 : 0;
}

/* Raw stdout of a git command (blobs may hold any byte). */
static int git_raw(const char *dir, struct strbuf *out, const char *a1, const char *a2,
		   const char *a3)
{
	const char *argv[] = { "git", "-C", dir, a1, a2, a3, NULL };
	struct child c = CHILD_INIT;
	struct strbuf err = STRBUF_INIT, junk = STRBUF_INIT;
	int r;
	c.argv = argv;
	c.out = out;
	c.errbuf = &junk;
	c.capture_max = 512u << 20;
	r = child_run(&c, &err) || c.status ? -1 : 0;
	strbuf_release(&err);
	strbuf_release(&junk);
	return r;
}

int push_through_api(struct gh_client *gh, const char *worktree, const char *branch,
		     const char *commit, const char *expected_head, char new_sha[41],
		     struct strbuf *err)
{
	struct strbuf list = STRBUF_INIT, msg = STRBUF_INIT, name = STRBUF_INIT, email = STRBUF_INIT;
	struct gh_file *files = NULL;
	struct strbuf *blobs = NULL;
	size_t nr = 0, alloc = 0;
	char *range = xstrfmt("%s^", commit);
	int ret = -1;

	if (git_run(worktree, &list, NULL, "diff-tree", "-r", "--no-commit-id", "--no-renames",
		    "--raw", range, commit, NULL)) {
		strbuf_addf(err, "cannot list the files of commit %.12s", commit);
		goto out;
	}
	/* ":100644 100644 <old> <new> M\tpath" per line */
	for (const char *p = list.buf; *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char *line = xstrndup(p, n), *tab = strchr(line, '\t');
		unsigned mode = 0;
		char status = 0;
		p += n + (eol ? 1 : 0);
		if (!tab || line[0] != ':') {
			free(line);
			continue;
		}
		sscanf(line + 1, "%*o %o", &mode);
		status = tab[-1];
		ALLOC_GROW(files, nr + 1, alloc);
		blobs = xrealloc(blobs, alloc * sizeof(*blobs));
		memset(&files[nr], 0, sizeof(files[nr]));
		strbuf_init(&blobs[nr], 0);
		files[nr].path = xstrdup(tab + 1);
		files[nr].mode = (int)mode;
		files[nr].deleted = status == 'D';
		if (!files[nr].deleted) {
			char *spec = xstrfmt("%s:%s", commit, tab + 1);
			if (git_raw(worktree, &blobs[nr], "cat-file", "blob", spec)) {
				strbuf_addf(err, "cannot read '%s' from commit %.12s", tab + 1,
					    commit);
				free(spec);
				free(line);
				nr++;
				goto out;
			}
			free(spec);
			files[nr].content = blobs[nr].buf;
			files[nr].len = blobs[nr].len;
		}
		nr++;
		free(line);
	}
	if (git_run(worktree, &msg, NULL, "log", "-1", "--format=%B", commit, NULL) ||
	    git_run(worktree, &name, NULL, "log", "-1", "--format=%an", commit, NULL) ||
	    git_run(worktree, &email, NULL, "log", "-1", "--format=%ae", commit, NULL)) {
		strbuf_addf(err, "cannot read commit %.12s", commit);
		goto out;
	}
	if (gh_push_files(gh, branch, expected_head, files, nr, msg.buf, name.buf, email.buf,
			  new_sha, err))
		goto out;
	ret = 0;
out:
	for (size_t i = 0; i < nr; i++) {
		free((char *)files[i].path);
		strbuf_release(&blobs[i]);
	}
	free(files);
	free(blobs);
	free(range);
	strbuf_release(&list);
	strbuf_release(&msg);
	strbuf_release(&name);
	strbuf_release(&email);
	return ret;
}
