/*
 * artifact-state.h: is the artifact in the worktree the build of the worktree as
 * it is? After revert or sync moved the sources, the file build.artifact may
 * still hold the bytes of a rejected change or of an older commit; profiling
 * or benching it would measure the wrong thing.
 *
 * There is no flag to keep in step with the file: the answer is worked out
 * from the file's bytes each time. The artifact is current when a successful
 * build made the same bytes from a commit with HEAD's tree and the same
 * uncommitted change (builds.commit_id and builds.patch_hash), or, for a
 * clean worktree, when a baseline of a commit with HEAD's tree (not dirty)
 * has those bytes. Anything else, including bytes no build recorded, is
 * stale.
 */
#ifndef ARTIFACT_STATE_H
#define ARTIFACT_STATE_H

#include "baseline.h"

enum art_fresh { ART_MISSING, ART_CURRENT, ART_STALE };

struct art_state {
	enum art_fresh state;
	char *path;            /* build.artifact in the worktree */
	char hash[HASH_HEX];   /* its bytes' hash, "" when missing */
	char *head;            /* HEAD, NULL outside a git work tree with a commit */
	int clean;             /* no uncommitted change */
	int64_t build_id;      /* ART_CURRENT: the build that made it, else 0 */
	char *baseline;        /* ART_CURRENT: or the baseline holding its bytes */
	char *why;             /* ART_STALE and ART_MISSING: one line, what it is instead */
};

/*
 * Work out the state of the worktree's artifact. `patch` is the worktree's
 * uncommitted change when the caller has it already (else NULL). 0, or -1
 * with err.
 */
int art_state_get(struct project *c, const struct strbuf *patch, struct art_state *s,
		  struct strbuf *err);
void art_state_release(struct art_state *s);

/* "current", "stale" or "missing" */
const char *art_fresh_name(enum art_fresh f);

/*
 * After the worktree moved to a commit (revert, sync): when the artifact is
 * not current, the worktree is clean and baseline `b` (may be NULL) was
 * built from a commit with HEAD's tree, copy the baseline's bytes from the
 * store over the artifact (atomically) and update s. Returns 1 when it
 * restored them, 0 when there was nothing to do or no way (s says which),
 * -1 with err.
 */
int art_restore_baseline(struct project *c, const struct baseline *b, struct art_state *s,
			 struct strbuf *err);

#endif
