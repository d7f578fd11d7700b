/*
 * try-profile.h: the profile step of `perfloop try`: record the candidate's
 * profile, find (or record) the baseline's, and diff their hotspots with
 * noise intervals, marking the functions the change touched. It prints
 * nothing: what it has to say while it runs goes through try_profile_hooks.
 */
#ifndef TRY_PROFILE_H
#define TRY_PROFILE_H

#include <jansson.h>
#include "bench-prepare.h"
#include "perf/profdiff.h"

struct try_profile {
	int have_profile;
	int64_t profile_id, base_profile_id;
	char *profile_path;
	struct diff_result diff;    /* valid when have_profile */
	const char **touched;       /* function names the change touched */
	size_t nr_touched;
	char *touched_text;         /* their storage */
	const char **missing;       /* touched names in neither profile (into touched_text) */
	size_t nr_missing;
	int runs;                   /* harness runs of each profile (profile.runs) */
};

/* What try_profile_run() tells as it goes; the command prints it. Any may be NULL. */
struct try_profile_hooks {
	/* perf record of `label` ("baseline", "candidate") is running: seconds so far */
	void (*tick)(void *data, const char *label, double elapsed);
	/* that recording ended, however it ended */
	void (*recorded)(void *data, const char *label);
	/* an informational line: why the baseline is profiled (again) */
	void (*note)(void *data, const char *text);
	/* a warning about the profiles read for the diff (lines) */
	void (*warn)(void *data, const char *text);
	void *data;
};

/* Split `touched` (names, one per line) into tp->touched. */
void try_profile_init(struct try_profile *tp, const char *touched);

/*
 * Profile the candidate of setup `s` (bench `bench_id`) for experiment `id`
 * over profile.runs harness runs and diff it with the newest profile of the
 * baseline's artifact over as many runs, recording one first when there is
 * none. Stores the profile ids and the diff on the experiment, and finds the
 * touched functions in neither profile. Returns 0 with tp filled, or -1 with
 * err (no diff then). hooks may be NULL.
 */
int try_profile_run(struct project *c, int64_t id, int64_t bench_id, const struct bench_setup *s,
		    const struct try_profile_hooks *hooks, struct try_profile *tp,
		    struct strbuf *err);

/* The diff rows as a JSON array, touched functions first (new reference). */
json_t *try_profile_json(const struct try_profile *tp);

/*
 * Add to try's document: "touched" (the names), "touched_not_found" (those
 * in neither profile, [] without a profile), "touched_not_found_hint" (why
 * that may be, null when none) and "profile_runs" (null without a profile).
 */
void try_profile_doc(const struct try_profile *tp, json_t *doc);

void try_profile_release(struct try_profile *tp);

#endif
