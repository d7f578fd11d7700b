/*
 * tryprofile.c: profile + hotspot diff for `perfloop try`.
 */
#include "tryprofile.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"

void try_profile_init(struct try_profile *tp)
{
	memset(tp, 0, sizeof(*tp));
}

int try_profile_run(struct ctx *c, int64_t id, const struct bench_setup *s, const char *touched,
		    struct try_profile *tp, struct strbuf *err)
{
	(void)c;
	(void)id;
	(void)s;
	(void)touched;
	(void)tp;
	strbuf_addstr(err, "profiles are not part of this build yet");
	return -1;
}

json_t *try_profile_json(const struct try_profile *tp)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < tp->nr; i++) {
		const struct hot_row *r = &tp->rows[i];
		json_t *o = json_object();
		json_object_set_new(o, "symbol", json_string(r->symbol));
		json_object_set_new(o, "dso", json_string(r->dso ? r->dso : ""));
		json_object_set_new(o, "base", json_real(r->base));
		json_object_set_new(o, "new", json_real(r->cand));
		json_object_set_new(o, "delta", json_real(r->delta));
		json_object_set_new(o, "noise", json_real(r->noise));
		json_object_set_new(o, "touched", json_boolean(r->touched));
		json_object_set_new(o, "within_noise",
				    json_boolean(r->delta >= -r->noise && r->delta <= r->noise));
		json_array_append_new(arr, o);
	}
	return arr;
}

void try_profile_release(struct try_profile *tp)
{
	free(tp->rows);
	free(tp->profile_path);
	memset(tp, 0, sizeof(*tp));
}
