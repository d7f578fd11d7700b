/*
 * baseline.h: artifacts in the ledger, build fingerprints, and named
 * baselines ("this artifact, built this way, from this commit").
 */
#ifndef BASELINE_H
#define BASELINE_H

#include <stdint.h>
#include "project.h"
#include "store.h"

struct artifact {
	int64_t id;
	char hash[HASH_HEX];
	uint64_t size;
	char *path;   /* as given */
	char *stored; /* copy in the store, NULL when not stored */
};

/*
 * Hash the file at path and find or add its row. Returns 0 or -1 (err).
 * Release with artifact_release().
 */
int artifact_register(struct ledger *l, const char *path, struct artifact *a, struct strbuf *err);

/* Copy the artifact's bytes into the store (once) and record where. 0 or -1. */
int artifact_store(struct project *c, struct artifact *a, struct strbuf *err);

void artifact_release(struct artifact *a);

/*
 * The current build fingerprint as a JSON object text: "build" is
 * build.command, then one member per [fingerprint] command with its trimmed
 * output (or "failed: exit N"). Newly allocated.
 */
char *fingerprint_compute(struct project *c);

/*
 * Compare two fingerprints. Returns 0 when equal, 1 when they differ (why
 * names the first difference), -1 when either is not valid JSON.
 */
int fingerprint_diff(const char *base, const char *now, struct strbuf *why);

/*
 * What can be told of a baseline's fingerprint `base` without running the
 * [fingerprint] commands: 1 (why set) when build.command differs or the
 * commands' names do, 0 when they agree (the commands' outputs may still
 * differ), -1 when `base` is not a fingerprint.
 */
int fingerprint_config_diff(struct project *c, const char *base, struct strbuf *why);

struct baseline {
	int64_t id;
	char *name;
	char *commit;
	int dirty;
	char *fingerprint;
	double created;
	struct artifact art;
};

void baseline_release(struct baseline *b);

/*
 * Save the artifact at path as baseline `name` (NULL: the short commit, or
 * "baseline"): store its bytes, record HEAD and fingerprint. 0 or -1; -1
 * with nothing recorded when Ctrl-C came before the row was written.
 */
int baseline_save(struct project *c, const char *name, const char *path, struct baseline *out,
		  struct strbuf *err);

/*
 * baseline_save() in two steps, for a caller that records the baseline of a
 * commit it is about to make (keep): prepare registers and stores the bytes
 * and computes the fingerprint (the steps that take time and can be
 * interrupted); record writes the row. Both 0 or -1; out is released on
 * failure of prepare.
 */
int baseline_prepare(struct project *c, const char *path, struct baseline *out, struct strbuf *err);
int baseline_record(struct project *c, const char *name, const char *commit, int dirty,
		    struct baseline *b, struct strbuf *err);

/* Baselines newest first, all or those named `name`. 0 or -1. */
int baseline_list(struct ledger *l, const char *name, struct baseline **out, size_t *nr,
		  struct strbuf *err);

/* Baselines whose artifact has the bytes of hash `hash`, newest first. 0 or -1. */
int baseline_list_hash(struct ledger *l, const char *hash, struct baseline **out, size_t *nr,
		       struct strbuf *err);

/* Load one baseline by id; 0, 1 when there is none, -1 on error. */
int baseline_get(struct ledger *l, int64_t id, struct baseline *out, struct strbuf *err);

/*
 * Choose the baseline to compare against: the newest one (named `name` when
 * given) whose fingerprint equals `fp`. Returns 0 with *out set; 1 when there
 * is no baseline at all; -1 with err filled on a mismatch (naming the
 * difference and suggesting --force) or an error. With force, a mismatch
 * picks the newest candidate anyway and puts the difference in `warn`.
 */
int baseline_select(struct ledger *l, const char *name, const char *fp, int force,
		    struct baseline *out, struct strbuf *warn, struct strbuf *err);

#endif
