/*
 * profile.h: recording profiles with `perf record` on the bench harness,
 * exactly as `bench` runs it (bench.dir, bench.command, the artifact in
 * bench.env, the [env] extras), and the `profiles` rows of the ledger.
 *
 * A profile keeps the content hash of the artifact it ran, and the
 * artifact's bytes stay in the store, so an old profile still symbolizes
 * after the artifact is rebuilt: readers map the recorded path to the stored
 * copy (profile_aliases()).
 *
 * Core module: never prints; progress goes through a hook.
 */
#ifndef PROFILE_H
#define PROFILE_H

#include <stdint.h>
#include "perf/hists.h"
#include "perf/profdiff.h"
#include "project.h"

struct profile_request {
	const char *artifact;  /* NULL: build.artifact */
	const char *event;     /* NULL: profile.event */
	long freq;	       /* 0: profile.freq */
	const char *callgraph; /* NULL: profile.callgraph ("none", "fp", "dwarf") */
	int64_t bench_id;      /* the bench this profile belongs to, 0: none */
	int runs;	       /* harness runs under one perf record, 0: profile.runs */
	void (*tick)(void *data, double elapsed); /* about once a second while perf runs */
	void *tick_data;
};

struct profile {
	int64_t id;
	double created, finished, wall;
	char *status; /* running, done, failed, timeout, interrupted, abandoned */
	char *path;   /* the perf.data file */
	int64_t artifact_id;
	char *artifact_hash;
	char *artifact_path;  /* the path the harness loaded */
	char *orig_path;      /* where the artifact was first seen (its name) */
	char *stored;	      /* the artifact's copy in the store, NULL when none */
	char *event;	      /* requested */
	char *event_recorded; /* what perf recorded ("cpu-clock:uH"), NULL when unknown */
	long freq;
	char *callgraph;
	int64_t samples, lost;
	char *key, *dir, *command, *perf_command;
	int exit_status;
	char *log_out, *log_err;
	char *message; /* why it failed */
	int64_t bench_id;
	int leftovers; /* processes left running when perf record ended (stopped) */
	int runs; /* harness runs recorded into this one profile */
};

void profile_release(struct profile *p);

/*
 * Can `perf` record `event` here? Returns 0, or -1 with one line in err
 * saying what to install (perf missing) or which sysctl value to set
 * (kernel.perf_event_paranoid too strict for this event).
 */
int profile_check_perf(const char *perf, const char *event, struct strbuf *err);

/* Does `event` (perf syntax) count kernel code too? */
int profile_event_has_kernel(const char *event);

/*
 * Base event names differ (cycles:u requested, cpu-clock:uH recorded)? 1
 * when perf substituted another event, 0 otherwise.
 */
int profile_event_substituted(const char *requested, const char *recorded);

/*
 * Record a profile: a ledger row, perf record on the harness into
 * <state>/profiles/<id>.perf.data (its output logged to
 * <state>/logs/profile-<id>.{out,err}), the artifact's bytes stored, and
 * the event recorded, sample count and exit status filled in. With runs > 1
 * perf record runs a shell loop that runs the harness that many times, one
 * after the other, stopping at the first failure; the timeout is runs times
 * bench.timeout for the whole recording. Returns 0
 * when perf ran, whatever its status (out->status: "done", or "failed",
 * "timeout", "interrupted" with out->message); -1 with err when it could
 * not run at all. Release out with profile_release() either way.
 */
int profile_record(struct project *c, const struct profile_request *req, struct profile *out,
		   struct strbuf *err);

/*
 * Harness runs per profile: `runs` when > 0, else profile.runs. -1 with err
 * when profile.runs is not 1 to 1000000.
 */
int profile_runs(const struct config *cfg, int runs, struct strbuf *err);

/* The newest `limit` profiles, newest first, into a new array. 0 or -1 (err). */
int profile_list(struct ledger *l, long limit, struct profile **out, size_t *nr,
		 struct strbuf *err);
void profiles_free(struct profile *p, size_t nr);

/* One profile by id: 0, 1 when there is none, -1 on error (err). */
int profile_get(struct ledger *l, int64_t id, struct profile *out, struct strbuf *err);

/*
 * The newest finished profile, of the artifact with this hash when it is not
 * NULL, other than `exclude` (0: none). 0, 1 when there is none, -1 on error.
 */
int profile_newest(struct ledger *l, const char *artifact_hash, int64_t exclude,
		   struct profile *out, struct strbuf *err);

/* As profile_newest(), of profiles over exactly `runs` harness runs. */
int profile_newest_runs(struct ledger *l, const char *artifact_hash, int runs,
			struct profile *out, struct strbuf *err);

/*
 * The default pair for `perfloop diff`, and for `try` after its profile:
 * B is the newest finished profile (of `cand_hash` when not NULL); A is the
 * newest profile of the newest saved baseline's artifact when there is one
 * (other than B), else the finished profile recorded before B. Returns 0,
 * or -1 with err saying what to record. `note` says how A was chosen.
 */
int profile_select_pair(struct ledger *l, const char *cand_hash, struct profile *a,
			struct profile *b, struct strbuf *note, struct strbuf *err);

/*
 * Aliases that make a profile's artifact readable after a rebuild: its
 * recorded path is read from the stored copy and shown as `name` (NULL:
 * the basename of the artifact path). Fills up to 2 entries of out (the
 * strings belong to p), returns how many.
 */
size_t profile_aliases(const struct profile *p, const char *name, struct dso_alias *out);

/* A profile named on the command line: a ledger id or a perf.data path. */
struct profile_source {
	char *path;	     /* the perf.data file */
	char *label;	     /* "profile 12" or the path */
	struct profile prof; /* from the ledger when prof.id != 0 */
	struct dso_alias aliases[2];
	size_t nr_aliases;
};

/*
 * Resolve `arg`: a profile id of the ledger, or a perf.data path. NULL
 * means the newest profile of the current artifact (build.artifact), else
 * the newest profile. A perf.data path needs no perfloop.ini and no ledger.
 * Returns 0, or -1 with one line in err. `note` says how a default was
 * chosen. Release with profile_source_release() either way.
 */
int profile_source_resolve(struct project *c, const char *arg, struct profile_source *out,
			   struct strbuf *note, struct strbuf *err);
void profile_source_release(struct profile_source *s);

/* A source for ledger profile p (moved into it: p is left empty). */
void profile_source_from(struct profile_source *s, struct profile *p);

/* Two profiles read and compared, as `perfloop diff` shows them. */
struct profile_comparison {
	struct hist_report ra, rb;
	const struct hist_event *a, *b; /* the first event with samples of each */
	struct diff_result diff;
};

/*
 * Read profiles A (baseline) and B (candidate) and diff them as `perfloop
 * diff` does: the dso,sym rows of each file's first event with samples, the
 * artifact of both sides under one name so its symbols match across
 * rebuilds, symbols through this configuration's symbol cache. Returns 0,
 * or -1 with one line in err (a file unreadable, or without samples).
 * Reader warnings go to warn, one line each, prefixed by the side's label.
 * Release out with profile_comparison_release() either way.
 *
 * For try: profile_select_pair(), profile_source_from() on both, then this,
 * then diff_keep_flat(&out->diff, touched, n, &why).
 */
int profile_compare(struct project *c, struct profile_source *a, struct profile_source *b,
		    const struct diff_opts *o, struct profile_comparison *out, struct strbuf *warn,
		    struct strbuf *err);
void profile_comparison_release(struct profile_comparison *pc);

/* Options for reading profiles of this configuration (the symbol cache). */
void profile_hist_opts(const struct config *cfg, struct hist_opts *o, char **cache_dir);

/* The symbol cache directory: profile.symbol-cache, else $XDG_CACHE_HOME/perfloop/symbols. New
 * string. */
char *profile_symbol_cache(const struct config *cfg);

#endif
