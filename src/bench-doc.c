/*
 * bench-doc.c: a bench's JSON document, written from the engine's result
 * (bench_json()) and read back into a typed view (bench_doc_read()).
 */
#include "bench-doc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "banned.h"

static json_t *real_or_null(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

/*
 * The runs of one side and tool (native or valgrind), not warm-ups: the
 * arrays wall, user, sys, max_rss_kb, exit_codes, and metrics NAME -> array
 * for every metric beyond wall and cpu that a run of them has. Returns how
 * many runs.
 */
static size_t runs_json(const struct bench_result *res, char side, int valgrind, json_t *o)
{
	json_t *wall = json_array(), *user = json_array(), *sys = json_array();
	json_t *rss = json_array(), *codes = json_array(), *mets = json_object();
	size_t n = 0;
	for (size_t i = 0; i < res->nr; i++) {
		const struct bench_run *r = &res->runs[i];
		if (r->side != side || r->warmup || !r->valgrind != !valgrind)
			continue;
		json_array_append_new(wall, json_real(r->wall));
		json_array_append_new(user, json_real(r->user));
		json_array_append_new(sys, json_real(r->sys));
		json_array_append_new(rss, json_integer(r->max_rss_kb));
		json_array_append_new(codes, json_integer(r->status));
		n++;
	}
	for (size_t k = BENCH_MI_COUNTER; k < res->nmets; k++) {
		json_t *a = json_array();
		int any = 0;
		for (size_t i = 0; i < res->nr; i++) {
			const struct bench_run *r = &res->runs[i];
			double v = bench_run_value(r, k);
			if (r->side != side || r->warmup || !r->valgrind != !valgrind)
				continue;
			any |= isfinite(v);
			json_array_append_new(a, real_or_null(v));
		}
		if (any)
			json_object_set_new(mets, res->mets[k]->name, a);
		else
			json_decref(a);
	}
	json_object_set_new(o, "wall", wall);
	json_object_set_new(o, "user", user);
	json_object_set_new(o, "sys", sys);
	json_object_set_new(o, "max_rss_kb", rss);
	json_object_set_new(o, "exit_codes", codes);
	json_object_set_new(o, "metrics", mets);
	return n;
}

static json_t *side_json(const struct bench_result *res, char side, const char *path,
			 const char *hash, const char *name)
{
	json_t *o = json_object();
	double *wall = xmalloc((res->nr + 1) * sizeof(double));
	size_t n = 0;
	struct summary s;
	json_object_set_new(o, "artifact", json_string(path));
	json_object_set_new(o, "hash", hash ? json_string(hash) : json_null());
	if (name)
		json_object_set_new(o, "name", json_string(name));
	runs_json(res, side, 0, o);
	for (size_t i = 0; i < res->nr; i++) {
		const struct bench_run *r = &res->runs[i];
		if (r->side == side && !r->warmup && !r->valgrind)
			wall[n++] = r->wall;
	}
	summarize(wall, n, &s);
	json_object_set_new(o, "median", json_real(s.median));
	json_object_set_new(o, "mean", json_real(s.mean));
	json_object_set_new(o, "min", json_real(s.min));
	json_object_set_new(o, "max", json_real(s.max));
	json_object_set_new(o, "stddev", json_real(s.stddev));
	for (size_t i = 0; i < res->nr; i++) {
		if (res->runs[i].valgrind) {
			json_t *vg = json_object();
			runs_json(res, side, 1, vg);
			json_object_set_new(o, "valgrind", vg);
			break;
		}
	}
	free(wall);
	return o;
}

static json_t *interval_json(double lo, double hi)
{
	json_t *iv = json_array();
	json_array_append_new(iv, real_or_null(exp(lo)));
	json_array_append_new(iv, real_or_null(exp(hi)));
	return iv;
}

static json_t *plan_json(const struct verdict_plan *p)
{
	json_t *o = json_object();
	json_object_set_new(o, "pairs", json_integer(p->pairs));
	json_object_set_new(o, "noise", json_string(p->history ? "history" : "floor"));
	json_object_set_new(o, "sigma", json_real(p->sigma));
	json_object_set_new(o, "df", json_real(p->hist_df));
	json_object_set_new(o, "power", json_real(VERDICT_POWER));
	json_object_set_new(o, "mde", real_or_null(p->mde));
	json_object_set_new(o, "target", json_real(p->target));
	json_object_set_new(o, "warn", json_boolean(p->warn));
	json_object_set_new(o, "pairs_needed", p->needed ? json_integer(p->needed) : json_null());
	return o;
}

static json_t *cross_json(const struct bench_cross *x)
{
	json_t *o = json_object(), *noise = json_object();
	json_object_set_new(o, "metric", json_string(x->m->name));
	json_object_set_new(o, "valgrind", json_boolean(x->valgrind));
	json_object_set_new(o, "pairs", json_integer(x->cc.n));
	json_object_set_new(o, "ratio", real_or_null(x->ratio));
	json_object_set_new(o, "ratio_mean", real_or_null(exp(x->cc.mean)));
	json_object_set_new(o, "interval",
			    x->cc.level > 0 ? interval_json(x->cc.lo, x->cc.hi) : json_null());
	json_object_set_new(o, "level", x->cc.level > 0 ? json_real(x->cc.level) : json_null());
	json_object_set_new(noise, "source",
			    x->cc.level > 0 ? json_string(noise_source_name(x->cc.source))
					    : json_null());
	json_object_set_new(noise, "sigma", json_real(x->cc.sigma));
	json_object_set_new(noise, "df", json_real(x->cc.df));
	json_object_set_new(o, "noise", noise);
	json_object_set_new(o, "calibrated", json_boolean(x->cc.calibrated));
	json_object_set_new(o, "contradicts", json_boolean(x->contradicts));
	return o;
}

/* The "checks" object: min ratio, RSS, load and why the host looks noisy. */
static json_t *checks_json(const struct bench_spec *spec, const struct bench_result *res)
{
	json_t *checks = json_object(), *reasons = json_array();
	const struct verdict_result *vr = &res->vr;
	size_t cap = res->nr + 1;
	double *wa = xmalloc(cap * sizeof(double)), *wb = xmalloc(cap * sizeof(double));
	double *ca = xmalloc(cap * sizeof(double)), *cb = xmalloc(cap * sizeof(double));
	double *ra = xmalloc(cap * sizeof(double)), *rb = xmalloc(cap * sizeof(double));
	size_t na = bench_side(res, 'A', wa, ca, ra), nb = bench_side(res, 'B', wb, cb, rb);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (na && nb) {
		double rss = median_of(rb, nb) / fmax(median_of(ra, na), 1);
		double mina = wa[0], minb = wb[0];
		for (size_t i = 1; i < na; i++)
			mina = fmin(mina, wa[i]);
		for (size_t i = 1; i < nb; i++)
			minb = fmin(minb, wb[i]);
		json_object_set_new(checks, "min_ratio", json_real(minb / mina));
		json_object_set_new(checks, "cpu_ratio",
				    json_real(median_of(cb, nb) / fmax(median_of(ca, na), 1e-9)));
		json_object_set_new(checks, "rss_ratio", json_real(rss));
		json_object_set_new(checks, "rss_flag", json_boolean(rss >= 1.3));
	}
	json_object_set_new(checks, "loadavg",
			    real_or_null(res->loadavg >= 0 ? res->loadavg : NAN));
	json_object_set_new(checks, "leftover_runs", json_integer(res->leftover_runs));
	if (res->loadavg > 0.5 * (double)(ncpu > 0 ? ncpu : 1))
		json_array_append_new(reasons, json_sprintf("load average %.2f on %ld cores before "
							    "the bench",
							    res->loadavg, ncpu));
	if (res->has_verdict && vr->sigma > 0.03)
		json_array_append_new(reasons, json_sprintf("noise of %.1f%% per pair (%s, %s)",
							    vr->sigma * 100, spec->metric->name,
							    noise_source_name(vr->source)));
	{
		struct summary s;
		const double *x = spec->base_path ? wa : wb;
		size_t n = spec->base_path ? na : nb;
		summarize(x, n, &s);
		if (n > 1 && s.mean > 0 && s.stddev / s.mean > 0.03)
			json_array_append_new(
			    reasons, json_sprintf("%s runs' wall time spreads "
						  "%.1f%% (CV)",
						  spec->base_path ? "baseline" : "candidate",
						  100 * s.stddev / s.mean));
	}
	{
		/*
		 * Wall time spreading far more than CPU time means the harness
		 * waited for a CPU: another load on the machine.
		 */
		struct summary sw, sc;
		summarize(wa, na, &sw);
		summarize(ca, na, &sc);
		if (na > 2 && sw.mean > 0 && sc.mean > 0 && sw.stddev / sw.mean > 0.03 &&
		    sw.stddev / sw.mean > 3 * sc.stddev / sc.mean)
			json_array_append_new(
			    reasons,
			    json_sprintf("wall time spreads %.1f%% but CPU time %.1f%%: "
					 "the harness waited for a CPU%s",
					 100 * sw.stddev / sw.mean, 100 * sc.stddev / sc.mean,
					 spec->metric != METRIC_WALL
					     ? ""
					     : " (for a CPU-bound harness, "
					       "bench.metric = cpu is robust to "
					       "that)"));
	}
	json_object_set_new(checks, "noisy", json_boolean(json_array_size(reasons) > 0));
	json_object_set_new(checks, "noisy_reasons", reasons);
	free(wa);
	free(wb);
	free(ca);
	free(cb);
	free(ra);
	free(rb);
	return checks;
}

json_t *bench_json(const struct bench_spec *spec, const struct bench_result *res)
{
	json_t *doc = json_object(), *cross = json_array();
	const struct verdict_result *vr = &res->vr;
	int ok = res->has_verdict && res->status == BENCH_DONE && spec->base_path &&
		 strcmp(spec->kind, "calibrate");
	double ratio = bench_ratio_of_medians(spec, res);
	double wa = bench_side_median(res, BENCH_MI_WALL, 'A', 0);
	double wb = bench_side_median(res, BENCH_MI_WALL, 'B', 0);
	const char *source = bench_metric_source(spec);

	json_object_set_new(doc, "id", json_integer(res->id));
	json_object_set_new(doc, "kind", json_string(spec->kind));
	json_object_set_new(doc, "benchmark", json_string(spec->guard ? spec->guard : "target"));
	json_object_set_new(doc, "status", json_string(bench_status_name(res->status)));
	json_object_set_new(doc, "message", res->invalid ? json_string(res->invalid) : json_null());
	json_object_set_new(doc, "verdict",
			    ok ? json_string(verdict_name(vr->verdict)) : json_null());
	json_object_set_new(doc, "early_reject", json_boolean(ok && vr->early_reject));
	json_object_set_new(doc, "metric", json_string(spec->metric->name));
	json_object_set_new(doc, "metric_source", source ? json_string(source) : json_null());
	json_object_set_new(doc, "ratio", ratio > 0 ? json_real(ratio) : json_null());
	json_object_set_new(doc, "wall_ratio", wa > 0 && wb > 0 ? json_real(wb / wa) : json_null());
	json_object_set_new(doc, "ratio_mean",
			    res->npairs ? json_real(exp(vr->mean)) : json_null());
	json_object_set_new(doc, "interval",
			    res->npairs ? interval_json(vr->lo, vr->hi) : json_null());
	json_object_set_new(doc, "level", res->npairs ? json_real(vr->level) : json_null());
	json_object_set_new(doc, "pairs", json_integer(res->npairs));
	json_object_set_new(doc, "max_pairs", json_integer(spec->max_pairs));
	if (spec->valgrind)
		json_object_set_new(doc, "native_pairs", json_integer(spec->native_pairs));
	json_object_set_new(doc, "margin", json_real(spec->vp.margin));
	if (res->has_verdict) {
		json_t *noise = json_object();
		json_object_set_new(noise, "source", json_string(noise_source_name(vr->source)));
		json_object_set_new(noise, "sigma", json_real(vr->sigma));
		json_object_set_new(noise, "df", json_real(vr->df));
		json_object_set_new(noise, "reject_at", real_or_null(expm1(vr->reject_at)));
		json_object_set_new(doc, "noise", noise);
	} else {
		json_object_set_new(doc, "noise", json_null());
	}
	json_object_set_new(doc, "plan", plan_json(&res->plan));
	if (!strcmp(spec->kind, "calibrate")) {
		/* the noise this A/A bench measured of the verdict's metric, as stored */
		json_t *cal = json_object();
		struct noise_pool np = {0, 0};
		noise_pool_add(&np, res->d, (size_t)res->npairs);
		json_object_set_new(cal, "sigma",
				    real_or_null(np.df >= 1 ? noise_pool_sigma(&np) : NAN));
		json_object_set_new(cal, "df", json_real(np.df));
		json_object_set_new(doc, "calibration", cal);
	}
	for (size_t i = 0; i < res->ncross; i++)
		json_array_append_new(cross, cross_json(&res->cross[i]));
	json_object_set_new(doc, "cross_checks", cross);
	json_object_set_new(doc, "contradiction",
			    res->contradiction ? json_string(res->contradiction) : json_null());
	json_object_set_new(doc, "command", json_string(spec->command));
	json_object_set_new(doc, "dir", json_string(spec->dir));
	json_object_set_new(doc, "env", json_string(spec->env_name));
	json_object_set_new(doc, "host", json_string(host_name()));
	json_object_set_new(doc, "started", json_real(res->started));
	json_object_set_new(doc, "finished", json_real(res->finished ? res->finished : now_wall()));
	json_object_set_new(doc, "baseline",
			    spec->base_path ? side_json(res, 'A', spec->base_path, spec->base_hash,
							spec->baseline_name)
					    : json_null());
	json_object_set_new(doc, "candidate",
			    side_json(res, 'B', spec->cand_path, spec->cand_hash, NULL));
	json_object_set_new(doc, "checks", checks_json(spec, res));
	return doc;
}

/* Reading a document back: one getter per type, each with its default. */

static const char *jstr(json_t *o, const char *key, const char *def)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : def;
}

static double jnum(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static int jint(json_t *o, const char *key, int def)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? (int)json_number_value(v) : def;
}

/* The values of an array at the indexes whose exit code is 0 and value a number. */
static size_t ok_values(json_t *a, json_t *codes, double *x)
{
	size_t n = 0, i;
	json_t *v;
	json_array_foreach(a, i, v)
	{
		json_t *code = json_array_get(codes, i);
		if (json_is_number(v) && (!code || json_integer_value(code) == 0))
			x[n++] = json_number_value(v);
	}
	return n;
}

static void add_series(struct bench_view_side *s, const struct metric *m, int valgrind, json_t *a,
		       json_t *codes, size_t *alloc)
{
	struct bench_series *x;
	if (!m || !json_is_array(a))
		return;
	ALLOC_GROW(s->series, s->nseries + 1, *alloc);
	x = &s->series[s->nseries++];
	x->m = m;
	x->valgrind = valgrind;
	x->x = xmalloc((json_array_size(a) + 1) * sizeof(double));
	x->n = ok_values(a, codes, x->x);
}

/* One tool's runs of a side: wall, cpu and every metric of "metrics". */
static void read_runs(struct bench_view_side *s, json_t *o, int valgrind, size_t *alloc)
{
	json_t *codes = json_object_get(o, "exit_codes"), *a;
	json_t *user = json_object_get(o, "user"), *sys = json_object_get(o, "sys");
	const char *name;
	if (!valgrind) {
		/* valgrind runs' times are valgrind's: never series of the harness */
		json_t *cpu = json_array();
		size_t i;
		json_t *u;
		add_series(s, METRIC_WALL, 0, json_object_get(o, "wall"), codes, alloc);
		json_array_foreach(user, i, u)
		{
			json_t *y = json_array_get(sys, i);
			json_array_append_new(
			    cpu, json_is_number(u) && json_is_number(y)
				     ? json_real(json_number_value(u) + json_number_value(y))
				     : json_null());
		}
		add_series(s, METRIC_CPU, 0, cpu, codes, alloc);
		json_decref(cpu);
	}
	json_object_foreach(json_object_get(o, "metrics"), name, a)
	    add_series(s, metric_lookup(name), valgrind, a, codes, alloc);
}

static void read_side(json_t *o, struct bench_view_side *s)
{
	json_t *codes = json_object_get(o, "exit_codes"), *vg = json_object_get(o, "valgrind");
	size_t alloc = 0;
	double *rss;
	size_t n;
	memset(s, 0, sizeof(*s));
	s->rss_median = NAN;
	if (!json_is_object(o))
		return;
	s->present = 1;
	s->artifact = jstr(o, "artifact", "?");
	s->hash = jstr(o, "hash", NULL);
	s->name = jstr(o, "name", NULL);
	s->runs = json_array_size(json_object_get(o, "wall"));
	read_runs(s, o, 0, &alloc);
	s->ok = bench_view_series(s, METRIC_WALL, 0) ? bench_view_series(s, METRIC_WALL, 0)->n : 0;
	rss = xmalloc((json_array_size(json_object_get(o, "max_rss_kb")) + 1) * sizeof(double));
	if ((n = ok_values(json_object_get(o, "max_rss_kb"), codes, rss)))
		s->rss_median = median_of(rss, n);
	free(rss);
	if (json_is_object(vg)) {
		s->vg_runs = json_array_size(json_object_get(vg, "wall"));
		read_runs(s, vg, 1, &alloc);
	}
}

const struct bench_series *bench_view_series(const struct bench_view_side *s,
					     const struct metric *m, int valgrind)
{
	for (size_t i = 0; i < s->nseries; i++)
		if (s->series[i].m == m && !s->series[i].valgrind == !valgrind)
			return &s->series[i];
	return NULL;
}

/* [lo, hi] of a two-number array into *lo, *hi (NAN when absent). */
static void read_interval(json_t *iv, double *lo, double *hi)
{
	json_t *a = json_array_get(iv, 0), *b = json_array_get(iv, 1);
	*lo = json_is_number(a) ? json_number_value(a) : NAN;
	*hi = json_is_number(b) ? json_number_value(b) : NAN;
}

int bench_doc_read(json_t *doc, struct bench_view *v, struct strbuf *err)
{
	json_t *noise = json_object_get(doc, "noise"), *cal = json_object_get(doc, "calibration");
	json_t *plan = json_object_get(doc, "plan"), *checks = json_object_get(doc, "checks");
	json_t *x, *r;
	size_t i;

	memset(v, 0, sizeof(*v));
	if (!json_is_object(doc) || !json_is_object(json_object_get(doc, "candidate"))) {
		strbuf_addstr(err, "not a bench document (no candidate side)");
		return -1;
	}
	v->doc = doc;
	v->id = (int64_t)jnum(doc, "id");
	v->kind = jstr(doc, "kind", "bench");
	v->calibration = !strcmp(v->kind, "calibrate");
	v->status = jstr(doc, "status", "unknown");
	v->message = jstr(doc, "message", NULL);
	v->verdict = v->calibration ? NULL : jstr(doc, "verdict", NULL);
	v->early_reject = json_is_true(json_object_get(doc, "early_reject"));
	v->metric = metric_of_doc(doc);
	v->metric_source = jstr(doc, "metric_source", NULL);
	v->ratio = jnum(doc, "ratio");
	v->wall_ratio = jnum(doc, "wall_ratio");
	v->ratio_mean = jnum(doc, "ratio_mean");
	read_interval(json_object_get(doc, "interval"), &v->lo, &v->hi);
	v->level = jnum(doc, "level");
	v->pairs = jint(doc, "pairs", 0);
	v->max_pairs = jint(doc, "max_pairs", v->pairs);
	v->native_pairs = jint(doc, "native_pairs", 0);
	v->margin = jnum(doc, "margin");
	if ((v->has_noise = json_is_object(noise))) {
		v->noise_source = jstr(noise, "source", "unknown");
		v->sigma = jnum(noise, "sigma");
		v->df = jnum(noise, "df");
		v->reject_at = jnum(noise, "reject_at");
	}
	if ((v->has_cal = json_is_object(cal) && json_is_number(json_object_get(cal, "sigma")))) {
		v->cal_sigma = jnum(cal, "sigma");
		v->cal_df = jnum(cal, "df");
	}
	if ((v->has_plan = json_is_object(plan))) {
		v->plan_pairs = jint(plan, "pairs", 0);
		v->plan_history = !strcmp(jstr(plan, "noise", ""), "history");
		v->plan_sigma = jnum(plan, "sigma");
		v->plan_mde =
		    json_is_number(json_object_get(plan, "mde")) ? jnum(plan, "mde") : INFINITY;
		v->plan_target = jnum(plan, "target");
		v->plan_warn = json_is_true(json_object_get(plan, "warn"));
		v->plan_needed = jint(plan, "pairs_needed", 0);
	}
	x = json_object_get(doc, "cross_checks");
	v->cross = xcalloc(json_array_size(x) + 1, sizeof(*v->cross));
	json_array_foreach(x, i, r)
	{
		struct bench_view_cross *c = &v->cross[v->ncross];
		if (!(c->m = metric_lookup(jstr(r, "metric", NULL))))
			continue;
		c->valgrind = json_is_true(json_object_get(r, "valgrind"));
		c->pairs = jint(r, "pairs", 0);
		c->ratio = jnum(r, "ratio");
		c->ratio_mean = jnum(r, "ratio_mean");
		read_interval(json_object_get(r, "interval"), &c->lo, &c->hi);
		c->level = jnum(r, "level");
		c->noise = jstr(json_object_get(r, "noise"), "source", NULL);
		c->calibrated = json_is_true(json_object_get(r, "calibrated"));
		c->contradicts = json_is_true(json_object_get(r, "contradicts"));
		v->ncross++;
	}
	v->contradiction = jstr(doc, "contradiction", NULL);
	v->command = jstr(doc, "command", "?");
	v->dir = jstr(doc, "dir", "?");
	v->env = jstr(doc, "env", NULL);
	v->host = jstr(doc, "host", NULL);
	v->started = jnum(doc, "started");
	v->finished = jnum(doc, "finished");
	read_side(json_object_get(doc, "baseline"), &v->a);
	read_side(json_object_get(doc, "candidate"), &v->b);
	if ((v->has_checks =
		 json_is_object(checks) && json_is_number(json_object_get(checks, "min_ratio")))) {
		v->min_ratio = jnum(checks, "min_ratio");
		v->cpu_ratio = jnum(checks, "cpu_ratio");
		v->rss_ratio = jnum(checks, "rss_ratio");
		v->rss_flag = json_is_true(json_object_get(checks, "rss_flag"));
	}
	v->loadavg = jnum(checks, "loadavg");
	v->leftover_runs = jint(checks, "leftover_runs", 0);
	v->noisy = json_is_true(json_object_get(checks, "noisy"));
	x = json_object_get(checks, "noisy_reasons");
	v->reasons = xcalloc(json_array_size(x) + 1, sizeof(*v->reasons));
	json_array_foreach(x, i, r) if (json_is_string(r)) v->reasons[v->nreasons++] =
	    json_string_value(r);
	return 0;
}

static void side_release(struct bench_view_side *s)
{
	for (size_t i = 0; i < s->nseries; i++)
		free(s->series[i].x);
	free(s->series);
}

void bench_view_release(struct bench_view *v)
{
	side_release(&v->a);
	side_release(&v->b);
	free(v->cross);
	free(v->reasons);
	memset(v, 0, sizeof(*v));
}
