/*
 * tryprofile.h: the profile step of `perfloop try`: record the candidate's
 * profile, find (or record) the baseline's, and diff their hotspots with
 * noise intervals, marking the functions the change touched.
 */
#ifndef TRYPROFILE_H
#define TRYPROFILE_H

#include <jansson.h>
#include "benchsetup.h"
#include "experiment.h"

struct try_profile {
	int have_profile;
	int64_t profile_id, base_profile_id;
	char *profile_path;
	struct hot_row *rows; /* touched first, then by |delta| */
	size_t nr;
	void *priv;           /* storage of the rows' strings */
};

void try_profile_init(struct try_profile *tp);

/*
 * Profile the candidate of setup `s` for experiment `id` and diff it with the
 * baseline's profile. `touched` holds function names, one per line. Returns
 * 0 (tp filled, ids stored on the experiment) or -1 with err.
 */
int try_profile_run(struct ctx *c, int64_t id, const struct bench_setup *s, const char *touched,
		    struct try_profile *tp, struct strbuf *err);

/* The rows as a JSON array (new reference; empty without a profile). */
json_t *try_profile_json(const struct try_profile *tp);

void try_profile_release(struct try_profile *tp);

#endif
