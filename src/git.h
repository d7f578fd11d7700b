/*
 * git.h: the few git facts perfloop needs, asked of the git CLI.
 */
#ifndef GIT_H
#define GIT_H

#include "strbuf.h"

/*
 * Run "git -C dir ARGS..." (NULL-terminated) and capture trimmed stdout in
 * out; stderr (trimmed) goes to errout when given. Returns git's exit status,
 * or -1 when git could not run.
 */
int git_run(const char *dir, struct strbuf *out, struct strbuf *errout, ...);

/* HEAD's full hash in dir; 0 or -1 (not a repository, no commit yet). */
int git_head(const char *dir, struct strbuf *out);

/* 1 when tracked files differ from HEAD, 0 when clean, -1 on error. */
int git_dirty(const char *dir);

#endif
