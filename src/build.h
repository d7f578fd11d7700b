/*
 * build.h: running [build] command in the worktree and checking that it
 * really produced the artifact. Every build is recorded in the ledger with
 * its log, duration, commit and the artifact's hash and fingerprint.
 */
#ifndef BUILD_H
#define BUILD_H

#include <stdint.h>
#include "baseline.h"

enum build_status { BUILD_OK, BUILD_FAILED, BUILD_TIMEOUT, BUILD_INTERRUPTED, BUILD_NO_ARTIFACT };

struct build_result {
	int64_t id;
	enum build_status status;
	int exit_status;
	double seconds;
	char *log;
	char *artifact_path;
	struct artifact art;       /* valid when status == BUILD_OK */
	char *fingerprint;
	char *why;                 /* for BUILD_NO_ARTIFACT */
};

/* Called about once a second: elapsed seconds and the expected total (< 0 unknown). */
typedef void (*build_tick_fn)(void *data, double elapsed, double expected);

/*
 * Build. The build row records HEAD and patch_hash, the hash of the
 * uncommitted change being built (computed with project_worktree_state() when the
 * caller passes NULL). Returns 0 when the build ran (res->status says how it
 * went; BUILD_INTERRUPTED also when Ctrl-C came before it was recorded), -1
 * with err when it could not start or be recorded.
 */
int build_run(struct project *c, const char *patch_hash, build_tick_fn tick, void *data,
	      struct build_result *res, struct strbuf *err);
void build_result_release(struct build_result *res);

/* Where an artifact's bytes came from: one successful build that made them. */
struct build_origin {
	int64_t id;
	char *commit;     /* HEAD at the build, NULL when unknown */
	char *patch_hash; /* its uncommitted change (see build_run), NULL when unknown */
};

/* The successful builds that made the bytes of hash `hash`, newest first. 0 or -1. */
int build_origins(struct ledger *l, const char *hash, struct build_origin **out, size_t *nr,
		  struct strbuf *err);
void build_origins_release(struct build_origin *o, size_t nr);

#endif
