/*
 * ctx.h: what every command needs once argv is parsed: the loaded
 * configuration, the state directory, the worktree and the ledger.
 */
#ifndef CTX_H
#define CTX_H

#include "config.h"
#include "ledger.h"

struct ctx {
	struct config cfg;
	char *state_dir; /* absolute; created on first use */
	char *worktree;  /* absolute: git toplevel of the cwd, else the ini's directory */
	struct ledger *ledger;
	int lazy_worktree; /* set before ctx_setup: leave worktree NULL until ctx_worktree() */
};

#define CTX_INIT { CONFIG_INIT, NULL, NULL, NULL, 0 }

/*
 * Load the configuration (`path` from -c, else discovered from the cwd; a
 * missing file is an error only when `need_file`) and work out directories.
 * When the cwd is in a loop's worktree started from `path`, the worktree's
 * own perfloop.ini (which includes `path`) is loaded instead, so the loop's
 * state is used. Returns 0 or -1 with err filled.
 */
int ctx_setup(struct ctx *c, const char *path, int need_file, struct strbuf *err);

/* The worktree (git top level of the cwd, else the ini's directory), found on first use. */
const char *ctx_worktree(struct ctx *c);

/* Open the ledger (once), creating the state directory. NULL with err on failure. */
struct ledger *ctx_ledger(struct ctx *c, struct strbuf *err);

/* Absolute path of a state subdirectory, created when missing; NULL with err on failure. */
char *ctx_state_subdir(struct ctx *c, const char *sub, struct strbuf *err);

/* Absolute path of build.artifact in the worktree, or NULL with err when unset. */
char *ctx_artifact(struct ctx *c, struct strbuf *err);

/* Value of a required key, or NULL with err saying which key to set where. */
const char *ctx_require(struct ctx *c, const char *key, struct strbuf *err);

/*
 * build.artifact relative to the worktree when it lies inside it and git does
 * not ignore it already, else NULL (static buffer): what git add must leave out.
 */
const char *ctx_artifact_rel(struct ctx *c);

/*
 * The worktree's uncommitted change (git_worktree_patch) with build.artifact
 * left out. 0 or -1.
 */
int ctx_worktree_patch(struct ctx *c, struct strbuf *patch, struct strbuf *files,
		       struct strbuf *err);

/*
 * The worktree as a build sees it: HEAD into head, and into hash the
 * hash_mem() of its uncommitted change as ctx_worktree_patch() makes it (the
 * hash of the empty text when clean, found without making the patch). Pass
 * `patch` when the caller has the change already. Returns 0; 1 when the
 * worktree is not a git work tree with a commit (head empty); -1 with err.
 */
int ctx_worktree_state(struct ctx *c, const struct strbuf *patch, struct strbuf *head,
		       char *hash, struct strbuf *err);

void ctx_release(struct ctx *c);

#endif
