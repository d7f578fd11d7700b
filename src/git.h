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

/*
 * Do commits a and b hold the same tree (the same sources, whatever the
 * commit: a rebase that changed nothing, an API-made copy)? 1 yes, 0 no or
 * when either commit is not in the repository.
 */
int git_same_tree(const char *dir, const char *a, const char *b);

/* 1 when tracked files differ from HEAD, 0 when clean, -1 on error. */
int git_dirty(const char *dir);

/* Top level of the work tree containing dir; 0 or -1. */
int git_toplevel(const char *dir, struct strbuf *out);

/* Does refs/heads/<branch> exist? 1 yes, 0 no. */
int git_branch_exists(const char *dir, const char *branch);

/*
 * Where branch is checked out (any worktree of the repository); 1 with the
 * path in out, 0 when nowhere, -1 on error.
 */
int git_branch_worktree(const char *dir, const char *branch, struct strbuf *out);

/*
 * The worktree's uncommitted change as a binary patch against HEAD,
 * including untracked (not ignored) files, without touching the index
 * (a temporary index is used). `exclude` (a path relative to dir, or NULL)
 * is left out: the build's artifact must never count as part of a change.
 * `files` gets the changed paths as they are (not C-quoted), one per line;
 * a path holding a newline is left out of it.
 * Returns 0 (patch may be empty) or -1 with err.
 */
int git_worktree_patch(const char *dir, const char *exclude, struct strbuf *patch,
		       struct strbuf *files, struct strbuf *err);

/*
 * Apply the patch in file `path` to the work tree of dir with `git apply`:
 * the files only (no index), all or nothing, no 3-way merge, so a patch that
 * does not apply exactly changes nothing. Returns 0, or -1 with git's message
 * on one line in why.
 */
int git_apply(const char *dir, const char *path, struct strbuf *why);

/* Run git with argv (NULL-terminated, without "git"), output to a log file. */
int git_logged(const char *dir, const char *log, struct strbuf *err, const char *const *args);

/* The URL of a remote; 0 or -1. */
int git_remote_url(const char *dir, const char *remote, struct strbuf *out);

/* Path of a file in the repository's common git dir (e.g. "info/exclude"). */
int git_common_path(const char *dir, const char *name, struct strbuf *out);

/* Append pattern to info/exclude unless a line already equals it. 0 or -1. */
int git_exclude_add(const char *dir, const char *pattern, struct strbuf *err);

#endif
