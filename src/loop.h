/*
 * loop.h: the optimization loop's state, kept in the ledger of the loop's
 * worktree: which branch, from which base, the current baseline, the pull
 * request, and whether the remote branch holds a commit local HEAD lacks
 * (after a push through the GitHub API fallback).
 */
#ifndef LOOP_H
#define LOOP_H

#include <stdint.h>
#include "project.h"

struct loop_state {
	int present;        /* a loop row exists */
	char *branch;
	char *base_ref;
	char *base_commit;
	char *worktree;
	char *config;
	int pr;             /* 0 = unknown */
	char *remote_head;  /* set by an API-fallback push */
	int remote_only;
	int64_t baseline_id;
	double created;
};

/* Read the loop row (present = 0 when there is none). 0 or -1. */
int loop_load(struct ledger *l, struct loop_state *s, struct strbuf *err);
/* Insert or replace the loop row. 0 or -1. */
int loop_save(struct ledger *l, const struct loop_state *s, struct strbuf *err);
void loop_release(struct loop_state *s);

/* Make baseline `id` the loop's baseline when this ledger holds a loop. 0 or -1. */
int loop_set_baseline(struct ledger *l, int64_t id, struct strbuf *err);

/*
 * Expand the worktree pattern: {repo} becomes repo_name, then strftime at
 * `when`; when the result exists, "-2", "-3"... is appended. Newly allocated.
 */
char *loop_worktree_path(const char *pattern, const char *repo_name, double when);

/*
 * Write the worktree's perfloop.ini: an include of the loop's source ini
 * and the state directory inside the worktree. 0 or -1.
 */
int loop_write_ini(const char *worktree, const char *source_ini, const char *branch,
		   const char *base, struct strbuf *err);

/*
 * Copy this host's A/A calibrations from another ledger file (the main
 * checkout's) so a new loop starts with noise history. Returns the number
 * copied, or -1 (err) when the other ledger cannot be read.
 */
int loop_import_calibrations(struct ledger *l, const char *other_path, struct strbuf *err);

#endif
