/*
 * project.h: what every command needs once argv is parsed: the loaded
 * configuration, the state directory, the worktree and the ledger.
 */
#ifndef PROJECT_H
#define PROJECT_H

#include "config.h"
#include "ledger.h"

struct project {
	struct config cfg;
	char *state_dir; /* absolute; created on first use */
	char *worktree;  /* absolute: git toplevel of the cwd, else the ini's directory */
	struct ledger *ledger;
	int lazy_worktree; /* set before project_setup: leave worktree NULL until project_worktree() */
};

#define PROJECT_INIT { CONFIG_INIT, NULL, NULL, NULL, 0 }

/*
 * Load the configuration (`path` from -c, else discovered from the cwd; a
 * missing file is an error only when `need_file`) and work out directories.
 * When the cwd is in a loop's worktree started from `path`, the worktree's
 * own perfloop.ini (which includes `path`) is loaded instead, so the loop's
 * state is used. Returns 0 or -1 with err filled.
 */
int project_setup(struct project *c, const char *path, int need_file, struct strbuf *err);

/* The worktree (git top level of the cwd, else the ini's directory), found on first use. */
const char *project_worktree(struct project *c);

/* Open the ledger (once), creating the state directory. NULL with err on failure. */
struct ledger *project_ledger(struct project *c, struct strbuf *err);

/* Absolute path of a state subdirectory, created when missing; NULL with err on failure. */
char *project_state_subdir(struct project *c, const char *sub, struct strbuf *err);

/* Absolute path of build.artifact in the worktree, or NULL with err when unset. */
char *project_artifact(struct project *c, struct strbuf *err);

/* Value of a required key, or NULL with err saying which key to set where. */
const char *project_require(struct project *c, const char *key, struct strbuf *err);

/*
 * build.artifact relative to the worktree when it lies inside it and git does
 * not ignore it already, else NULL (static buffer): what git add must leave out.
 */
const char *project_artifact_rel(struct project *c);

/*
 * The worktree's uncommitted change (git_worktree_patch) with build.artifact
 * left out. 0 or -1.
 */
int project_worktree_patch(struct project *c, struct strbuf *patch, struct strbuf *files,
		       struct strbuf *err);

/*
 * Refuse a worktree with uncommitted changes: 0 when it has none, else -1
 * with err naming the changed files, then `why` (what needs it clean and
 * what to do).
 */
int project_worktree_clean(struct project *c, const char *why, struct strbuf *err);

/*
 * The worktree as a build sees it: HEAD into head, and into hash the
 * hash_mem() of its uncommitted change as project_worktree_patch() makes it (the
 * hash of the empty text when clean, found without making the patch). Pass
 * `patch` when the caller has the change already. Returns 0; 1 when the
 * worktree is not a git work tree with a commit (head empty); -1 with err.
 */
int project_worktree_state(struct project *c, const struct strbuf *patch, struct strbuf *head,
		       char *hash, struct strbuf *err);

void project_release(struct project *c);

#endif
