/*
 * git.c: thin wrappers over the git CLI.
 */
#include "git.h"

#include <stdarg.h>
#include <stdlib.h>

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

int git_dirty(const char *dir)
{
	struct strbuf out = STRBUF_INIT;
	int r = git_run(dir, &out, NULL, "status", "--porcelain", "--untracked-files=no", NULL);
	int dirty = out.len > 0;
	strbuf_release(&out);
	return r ? -1 : dirty;
}
