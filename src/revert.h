/*
 * revert.h: the procedure behind `perfloop revert`: drop the worktree's
 * change, its patch saved first and its experiment recorded reverted.
 */
#ifndef REVERT_H
#define REVERT_H

#include <stdint.h>
#include "project.h"
#include "store.h"

struct revert_result {
	int64_t id;          /* the experiment reverted (saved here when try never saw it) */
	char hash[HASH_HEX]; /* of its patch */
};

/*
 * Record the worktree's uncommitted change as reverted (experiment_revert()),
 * then restore the worktree to HEAD: tracked changes reset, untracked files
 * that are not ignored removed; the artifact (build.artifact) stays, whatever
 * it is. 0, or -1 with err.
 */
int revert_run(struct project *c, struct revert_result *r, struct strbuf *err);

/*
 * The worktree back to HEAD without recording anything: tracked changes
 * reset, untracked files that are not ignored removed, the artifact left
 * as it is (a queue between its candidates). 0, or -1 with err.
 */
int revert_restore_head(struct project *c, struct strbuf *err);

#endif
