/*
 * try-profile.c: profile + hotspot diff for `perfloop try`.
 */
#include "try-profile.h"

#include <stdlib.h>
#include <string.h>

#include "experiment.h"
#include "profile.h"
#include "banned.h"

void try_profile_init(struct try_profile *tp, const char *touched)
{
	size_t alloc = 0;
	memset(tp, 0, sizeof(*tp));
	tp->touched_text = xstrdup(touched ? touched : "");
	for (char *p = tp->touched_text; *p;) {
		char *eol = strchr(p, '\n');
		if (eol)
			*eol = '\0';
		if (*p) {
			ALLOC_GROW(tp->touched, tp->nr_touched + 1, alloc);
			tp->touched[tp->nr_touched++] = p;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
}

struct tick_data {
	const struct try_profile_hooks *hooks;
	const char *label;
};

static void tick(void *data, double elapsed)
{
	struct tick_data *t = data;
	if (t->hooks && t->hooks->tick)
		t->hooks->tick(t->hooks->data, t->label, elapsed);
}

/* perf record one artifact; 0 with p filled when it finished, else -1 (err). */
static int record(struct project *c, const struct try_profile_hooks *hooks, const char *artifact,
		  const char *label, int64_t bench_id, int runs, struct profile *p,
		  struct strbuf *err)
{
	struct profile_request req = { 0 };
	struct tick_data td = { hooks, label };
	int r;
	req.artifact = artifact;
	req.bench_id = bench_id;
	req.runs = runs;
	req.tick = tick;
	req.tick_data = &td;
	r = profile_record(c, &req, p, err);
	if (hooks && hooks->recorded)
		hooks->recorded(hooks->data, label);
	if (r)
		return -1;
	if (strcmp(p->status, "done")) {
		strbuf_addf(err, "profiling the %s %s: %s", label, p->status,
			    p->message ? p->message : "");
		return -1;
	}
	return 0;
}

static int is_touched(const struct try_profile *tp, const char *symbol)
{
	for (size_t i = 0; i < tp->nr_touched; i++)
		if (diff_symbol_matches(symbol, tp->touched[i]))
			return 1;
	return 0;
}

int try_profile_run(struct project *c, int64_t id, int64_t bench_id, const struct bench_setup *s,
		    const struct try_profile_hooks *hooks, struct try_profile *tp,
		    struct strbuf *err)
{
	struct profile a = { 0 }, b = { 0 };
	struct profile_source sa = { 0 }, sb = { 0 };
	struct profile_comparison pc;
	struct diff_opts dopt = { 0, 0 };
	struct strbuf warn = STRBUF_INIT;
	struct ledger *l = c->ledger;
	json_t *rows;
	char *text;
	int r, ret = -1;

	memset(&pc, 0, sizeof(pc));
	if ((tp->runs = profile_runs(&c->cfg, 0, err)) < 0)
		goto out;
	/* the baseline's profile covers as many runs, so both sides are alike */
	r = profile_newest_runs(l, s->base.hash, tp->runs, &a, err);
	if (r < 0)
		goto out;
	if (r == 1) {
		say_fn say = hooks ? hooks->note : NULL;
		void *data = hooks ? hooks->data : NULL;
		profile_release(&a);
		r = profile_newest(l, s->base.hash, 0, &a, err);
		if (r < 0)
			goto out;
		if (!r)
			hook_say(say, data,
				 "the baseline's profile %lld covers %d harness run%s, not "
				 "profile.runs = %d: profiling the baseline again (kept for later "
				 "tries)",
				 (long long)a.id, a.runs, a.runs == 1 ? "" : "s", tp->runs);
		else
			hook_say(say, data,
				 "profiling the baseline once (its profile is kept for later "
				 "tries)");
		profile_release(&a);
		if (record(c, hooks, s->base.path, "baseline", 0, tp->runs, &a, err))
			goto out;
	}
	if (record(c, hooks, s->cand.path, "candidate", bench_id, tp->runs, &b, err))
		goto out;
	tp->profile_id = b.id;
	tp->base_profile_id = a.id;
	tp->profile_path = xstrdup(b.path);
	profile_source_from(&sa, &a);
	profile_source_from(&sb, &b);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	dopt.percent_limit = config_get_real(&c->cfg, "profile.percent-limit");
	if (profile_compare(c, &sa, &sb, &dopt, &pc, &warn, err))
		goto out;
	if (warn.len && hooks && hooks->warn)
		hooks->warn(hooks->data, warn.buf);
	tp->diff = pc.diff;
	memset(&pc.diff, 0, sizeof(pc.diff));
	tp->missing = xcalloc(tp->nr_touched + 1, sizeof(*tp->missing));
	tp->nr_missing = diff_touched_missing(pc.a, pc.b, tp->touched, tp->nr_touched,
					      tp->missing);
	tp->have_profile = 1;
	rows = try_profile_json(tp);
	text = json_dumps(rows, JSON_COMPACT);
	json_decref(rows);
	ret = experiment_record_profile(l, id, tp->profile_id, tp->base_profile_id, text, err);
	free(text);
out:
	profile_comparison_release(&pc);
	profile_source_release(&sa);
	profile_source_release(&sb);
	profile_release(&a);
	profile_release(&b);
	strbuf_release(&warn);
	return ret;
}

static json_t *row_json(const struct diff_row *r, int touched)
{
	json_t *o = json_object();
	json_object_set_new(o, "symbol", json_string(r->symbol));
	json_object_set_new(o, "dso", json_string(r->dso ? r->dso : ""));
	json_object_set_new(o, "base", json_real(r->base));
	json_object_set_new(o, "new", json_real(r->new_));
	json_object_set_new(o, "delta", json_real(r->delta));
	json_object_set_new(o, "noise", json_real(r->noise));
	json_object_set_new(o, "touched", json_boolean(touched));
	json_object_set_new(o, "within_noise", json_boolean(r->within_noise));
	json_object_set_new(o, "status", json_string(r->status == DIFF_NEW    ? "new"
						     : r->status == DIFF_GONE ? "gone"
									      : "matched"));
	return o;
}

json_t *try_profile_json(const struct try_profile *tp)
{
	json_t *arr = json_array();
	/* touched functions first, then the rest in the diff's |delta| order */
	for (int pass = 1; pass >= 0; pass--)
		for (size_t i = 0; i < tp->diff.nr; i++)
			if (is_touched(tp, tp->diff.rows[i].symbol) == pass)
				json_array_append_new(arr, row_json(&tp->diff.rows[i], pass));
	return arr;
}

static json_t *names_json(const char *const *names, size_t nr)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < nr; i++)
		json_array_append_new(arr, json_string(names[i]));
	return arr;
}

void try_profile_doc(const struct try_profile *tp, json_t *doc)
{
	json_object_set_new(doc, "touched", names_json(tp->touched, tp->nr_touched));
	json_object_set_new(doc, "touched_not_found", names_json(tp->missing, tp->nr_missing));
	json_object_set_new(doc, "touched_not_found_hint",
			    tp->nr_missing ? json_string("not in either profile: " TRY_MISSING_HINT)
					   : json_null());
	json_object_set_new(doc, "profile_runs",
			    tp->have_profile ? json_integer(tp->runs) : json_null());
}

void try_profile_release(struct try_profile *tp)
{
	diff_release(&tp->diff);
	free(tp->missing);
	free(tp->profile_path);
	free(tp->touched);
	free(tp->touched_text);
	memset(tp, 0, sizeof(*tp));
}
