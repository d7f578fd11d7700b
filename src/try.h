/*
 * try.h: one experiment of the loop, the procedure behind `perfloop try`:
 * save the worktree's diff first (never lost), validate, build, bench against
 * the loop's baseline (early reject after one pair), profile and diff the
 * hotspots, and judge it (try_decide()); when that would keep it, bench every
 * guard benchmark too (guard.h), any of which may turn it into a reject.
 * Every step is recorded on the
 * experiment as it starts and ends; a step that fails or is interrupted ends
 * the experiment failed or interrupted, never with a verdict. It prints
 * nothing: what there is to say goes through try_hooks.
 */
#ifndef TRY_H
#define TRY_H

#include <jansson.h>
#include "bench-prepare.h"
#include "build.h"
#include "experiment.h"
#include "guard.h"
#include "loop.h"
#include "try-profile.h"
#include "validate.h"

struct try_request {
	const char *message; /* what changed (keep's commit message), or NULL */
	int runs;            /* most pairs, 0: bench.runs */
	int no_profile;      /* skip the profile and hotspot diff */
	int no_validate;     /* skip the [validate] commands */
	int force;           /* bench against a baseline built differently */
};

struct try_hooks {
	/*
	 * The steps try shares with `perfloop validate`, `build` and `bench`,
	 * run by the command with the narration those commands give them
	 * (progress, results, failures with their log tails). Each returns 0
	 * when the step ran to its end with res filled, else the exit code once
	 * it said why; it may die when the step could not run at all (the
	 * experiment is then closed failed, or interrupted, at exit).
	 */
	int (*validate)(void *data, struct project *c, struct validate_result *res);
	int (*build)(void *data, struct project *c, const char *patch_hash,
		     struct build_result *res);
	int (*bench)(void *data, struct project *c, const struct bench_request *req,
		     struct bench_setup *s, struct bench_result *res);
	/* an informational line (the experiment saved, stopped), a warning */
	void (*note)(void *data, const char *text);
	void (*warn)(void *data, const char *text);
	const struct try_profile_hooks *profile; /* the profile step's, or NULL */
	void *data;
};

struct try_result {
	int64_t id;               /* the experiment */
	char hash[HASH_HEX];      /* of its patch */
	enum exp_status status;   /* EXP_DECIDED, EXP_FAILED or EXP_INTERRUPTED */
	int step_code;            /* EXP_FAILED: the exit code of the step that failed */
	enum try_verdict verdict; /* EXP_DECIDED: the verdict, and why */
	struct strbuf reason;     /* the verdict's reason, or why a step stopped it */
	/* what the steps made, for the report of a decided experiment */
	int have_bench;
	struct bench_setup setup;
	struct bench_result bench;
	int have_profile_step;
	struct try_profile profile;
	struct exp_expected expected; /* EXP_DECIDED: the gain its profile predicts */
	/*
	 * The guard benchmarks, benched (in configuration order) only when the
	 * target's verdict would keep the change; guards_run says whether they were.
	 */
	int guards_run;
	struct guard_run *guards;
	size_t nguards;
};

/*
 * Try the worktree's uncommitted change against the loop's baseline
 * (ls->baseline_id). Returns 0 when the experiment ended, decided or stopped
 * by a step (r says which); -1 with err when it could not be tried or
 * recorded (no baseline, no change, the ledger failing: an experiment
 * already saved is then closed failed), r holding nothing then. The three
 * step hooks are required, the others may be NULL.
 */
int try_run(struct project *c, const struct loop_state *ls, const struct try_request *req,
	    const struct try_hooks *hooks, struct try_result *r, struct strbuf *err);

/*
 * A decided experiment's measured B/A of the verdict metric, exp(mean
 * ln(B/A)) over its pairs, and its decision interval; NAN when none.
 */
double try_ratio(const struct try_result *r);
void try_interval(const struct try_result *r, double *lo, double *hi);

/*
 * try's document of a decided experiment (new reference): experiment,
 * patch_hash, message, verdict, reason, time, max_pairs, bench, profile,
 * profile_path, hotspots, expected (exp_expected_json()), guards (each
 * guard_judgement_json() with its bench document) and guards_run, and
 * try_profile_doc()'s members.
 */
json_t *try_result_json(const struct try_result *r, const char *message);

void try_result_release(struct try_result *r);

#endif
