/*
 * git.c: thin wrappers over the git CLI.
 */
#include "git.h"

#include <stdarg.h>
#include <stdlib.h>

#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "banned.h"

int git_run(const char *dir, struct strbuf *out, struct strbuf *errout, ...)
{
	const char *argv[64];
	size_t n = 0;
	va_list ap;
	struct strbuf junk = STRBUF_INIT;
	int r;

	argv[n++] = "git";
	if (dir) {
		argv[n++] = "-C";
		argv[n++] = dir;
	}
	va_start(ap, errout);
	for (const char *a; (a = va_arg(ap, const char *));) {
		if (n >= ARRAY_SIZE(argv) - 1)
			BUG("too many git arguments");
		argv[n++] = a;
	}
	va_end(ap);
	argv[n] = NULL;
	r = capture_argv(argv, NULL, out ? out : &junk, errout);
	if (errout)
		strbuf_trim(errout);
	strbuf_release(&junk);
	return r;
}

int git_head(const char *dir, struct strbuf *out)
{
	strbuf_reset(out);
	if (git_run(dir, out, NULL, "rev-parse", "--verify", "-q", "HEAD", NULL) || !out->len) {
		strbuf_reset(out);
		return -1;
	}
	return 0;
}

int git_same_tree(const char *dir, const char *a, const char *b)
{
	struct strbuf out = STRBUF_INIT;
	char *ta, *tb;
	const char *nl;
	int same = 0;
	if (!strcmp(a, b))
		return 1;
	ta = xstrfmt("%s^{tree}", a);
	tb = xstrfmt("%s^{tree}", b);
	/* two lines, one tree each; fails when either is missing */
	if (!git_run(dir, &out, NULL, "rev-parse", "-q", ta, tb, NULL) &&
	    (nl = strchr(out.buf, '\n')))
		same = (size_t)(nl - out.buf) == strlen(nl + 1) &&
		       !strncmp(out.buf, nl + 1, (size_t)(nl - out.buf));
	free(ta);
	free(tb);
	strbuf_release(&out);
	return same;
}

int git_dirty(const char *dir)
{
	struct strbuf out = STRBUF_INIT;
	int r = git_run(dir, &out, NULL, "status", "--porcelain", "--untracked-files=no", NULL);
	int dirty = out.len > 0;
	strbuf_release(&out);
	return r ? -1 : dirty;
}

int git_toplevel(const char *dir, struct strbuf *out)
{
	strbuf_reset(out);
	return git_run(dir, out, NULL, "rev-parse", "--show-toplevel", NULL) || !out->len ? -1 : 0;
}

int git_branch_exists(const char *dir, const char *branch)
{
	char *ref = xstrfmt("refs/heads/%s", branch);
	int r = git_run(dir, NULL, NULL, "show-ref", "--verify", "--quiet", ref, NULL);
	free(ref);
	return r == 0;
}

int git_branch_worktree(const char *dir, const char *branch, struct strbuf *out)
{
	struct strbuf list = STRBUF_INIT;
	char *want = xstrfmt("branch refs/heads/%s", branch);
	const char *p, *wt = NULL;
	size_t wtlen = 0;
	int found = 0;
	if (git_run(dir, &list, NULL, "worktree", "list", "--porcelain", NULL)) {
		strbuf_release(&list);
		free(want);
		return -1;
	}
	for (p = list.buf; *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		if (n > 9 && !strncmp(p, "worktree ", 9)) {
			wt = p + 9;
			wtlen = n - 9;
		} else if (n == strlen(want) && !strncmp(p, want, n) && wt) {
			strbuf_reset(out);
			strbuf_add(out, wt, wtlen);
			found = 1;
			break;
		}
		p += n + (eol ? 1 : 0);
	}
	strbuf_release(&list);
	free(want);
	return found;
}

/*
 * NUL-terminated names (git -z) as lines. A name holding a newline cannot be
 * a line: it is left out (the patch still has it).
 */
static void names_lines(const struct strbuf *z, struct strbuf *out)
{
	for (size_t i = 0; i < z->len;) {
		const char *name = z->buf + i;
		size_t n = strnlen(name, z->len - i);
		if (n && !memchr(name, '\n', n)) {
			strbuf_add(out, name, n);
			strbuf_addch(out, '\n');
		}
		i += n + 1;
	}
}

int git_worktree_patch(const char *dir, const char *exclude, struct strbuf *patch,
		       struct strbuf *files, struct strbuf *err)
{
	char *pathspec = exclude ? xstrfmt(":(exclude,literal)%s", exclude) : NULL;
	struct strbuf gitdir = STRBUF_INIT, errout = STRBUF_INIT;
	char *index = NULL, *env = NULL;
	const char *envv[2];
	int ret = -1;
	if (git_run(dir, &gitdir, &errout, "rev-parse", "--absolute-git-dir", NULL)) {
		strbuf_addf(err, "'%s' is not a git work tree: %s", dir, errout.buf);
		goto out;
	}
	index = xstrfmt("%s/perfloop-index.%ld", gitdir.buf, (long)getpid());
	env = xstrfmt("GIT_INDEX_FILE=%s", index);
	envv[0] = env;
	envv[1] = NULL;
	{
		/* a private index: read HEAD, add everything, diff against HEAD */
		const char *steps[][8] = {
			{ "read-tree", "HEAD", NULL },
			{ "add", "-A", "--", ".", pathspec, NULL },
		};
		for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
			struct child c = CHILD_INIT;
			const char *argv[12] = { "git", "-C", dir };
			size_t n = 3;
			for (size_t j = 0; steps[i][j]; j++)
				argv[n++] = steps[i][j];
			argv[n] = NULL;
			c.argv = argv;
			c.env = envv;
			strbuf_reset(&errout);
			c.errbuf = &errout;
			c.out = &gitdir;
			if (child_run(&c, err) || c.status) {
				strbuf_addf(err, "git %s failed in '%s': %s", steps[i][0], dir,
					    errout.buf);
				goto out;
			}
		}
	}
	{
		const char *diff[] = { "git", "-C", dir, "diff", "--cached", "--binary",
				       "--no-color", "--no-ext-diff", "HEAD", NULL };
		/* -z: the names as they are, not C-quoted ("\303\274.c" for ü.c) */
		const char *names[] = { "git", "-C", dir, "diff", "--cached", "--name-only",
					"--no-renames", "-z", "HEAD", NULL };
		struct strbuf z = STRBUF_INIT;
		struct child c = CHILD_INIT;
		c.argv = diff;
		c.env = envv;
		c.out = patch;
		c.capture_max = 256u << 20;
		strbuf_reset(&errout);
		c.errbuf = &errout;
		if (child_run(&c, err) || c.status) {
			strbuf_addf(err, "git diff failed in '%s': %s", dir, errout.buf);
			goto out;
		}
		if (files) {
			struct child f = CHILD_INIT;
			f.argv = names;
			f.env = envv;
			f.out = &z;
			f.errbuf = &errout;
			if (child_run(&f, err) || f.status) {
				strbuf_addf(err, "git diff failed in '%s': %s", dir, errout.buf);
				strbuf_release(&z);
				goto out;
			}
			names_lines(&z, files);
		}
		strbuf_release(&z);
	}
	ret = 0;
out:
	if (index)
		unlink(index);
	free(pathspec);
	free(index);
	free(env);
	strbuf_release(&gitdir);
	strbuf_release(&errout);
	return ret;
}

int git_logged(const char *dir, const char *log, struct strbuf *err, const char *const *args)
{
	const char *argv[32] = { "git", "-C", dir };
	size_t n = 3;
	struct child c = CHILD_INIT;
	for (; *args; args++) {
		if (n >= ARRAY_SIZE(argv) - 1)
			BUG("too many git arguments");
		argv[n++] = *args;
	}
	argv[n] = NULL;
	c.argv = argv;
	c.out_path = log;
	if (child_run(&c, err))
		return -1;
	if (c.interrupted) {
		strbuf_addstr(err, "interrupted");
		return -1;
	}
	return c.status;
}

int git_remote_url(const char *dir, const char *remote, struct strbuf *out)
{
	char *key = xstrfmt("remote.%s.url", remote);
	int r;
	strbuf_reset(out);
	r = git_run(dir, out, NULL, "config", "--get", key, NULL);
	free(key);
	return r || !out->len ? -1 : 0;
}

int git_common_path(const char *dir, const char *name, struct strbuf *out)
{
	strbuf_reset(out);
	if (git_run(dir, out, NULL, "rev-parse", "--path-format=absolute", "--git-path", name,
		    NULL) || !out->len)
		return -1;
	return 0;
}

int git_exclude_add(const char *dir, const char *pattern, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	FILE *f;
	int ret = -1;
	if (git_common_path(dir, "info/exclude", &path)) {
		strbuf_addf(err, "cannot find the git exclude file of '%s'", dir);
		goto out;
	}
	strbuf_read_file(&text, path.buf, 1 << 20);
	for (const char *p = text.buf; *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		if (n == strlen(pattern) && !strncmp(p, pattern, n)) {
			ret = 0;
			goto out;
		}
		p += n + (eol ? 1 : 0);
	}
	{
		char *d = path_dirname(path.buf);
		mkdir_p(d, 0755);
		free(d);
	}
	f = fopen(path.buf, "a");
	if (!f || fprintf(f, "%s%s\n", text.len && text.buf[text.len - 1] != '\n' ? "\n" : "",
			  pattern) < 0 || fclose(f)) {
		strbuf_addf(err, "cannot write '%s'", path.buf);
		goto out;
	}
	ret = 0;
out:
	strbuf_release(&path);
	strbuf_release(&text);
	return ret;
}

int git_apply(const char *dir, const char *path, struct strbuf *why)
{
	struct strbuf gerr = STRBUF_INIT;
	int r = git_run(dir, NULL, &gerr, "apply", "--whitespace=nowarn", path, NULL);
	if (r) {
		/* "error: patch failed: a.c:12\nerror: a.c: patch does not apply" on one line */
		if (!gerr.len)
			strbuf_addstr(why, "git apply failed");
		for (size_t i = 0; i < gerr.len; i++) {
			if (gerr.buf[i] == '\n')
				strbuf_addstr(why, "; ");
			else
				strbuf_addch(why, gerr.buf[i]);
		}
	}
	strbuf_release(&gerr);
	return r ? -1 : 0;
}
