/*
 * report.c: gathering the loop's report from the ledger, its statistics,
 * number formatting and the JSON form. See report.h for the methods.
 *
 * Its queries are the one exception to "a table's module holds its SQL": the
 * report model reads every table of the loop in a few joins and writes none.
 * Statuses and verdicts are read into experiment.h's enums.
 */
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "loop.h"
#include "stats.h"
#include "banned.h"

/* ---------- pure helpers ---------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* P(X <= k) for X ~ Binomial(n, 1/2), in log space so large n does not underflow */
static double binom_half_cdf(size_t n, size_t k)
{
	double sum = 0, ln_total = lgamma((double)n + 1) - (double)n * log(2);
	for (size_t i = 0; i <= k && i <= n; i++)
		sum += exp(ln_total - lgamma((double)i + 1) - lgamma((double)(n - i) + 1));
	return fmin(sum, 1);
}

void report_median_interval(const double *x, size_t n, double level, struct report_time *t)
{
	double *s;
	size_t k = 1;
	memset(t, 0, sizeof(*t));
	t->runs = n;
	t->median = t->lo = t->hi = NAN;
	if (!n)
		return;
	s = xmalloc(n * sizeof(*s));
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	t->median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	/*
	 * [x(k), x(n+1-k)] covers the median with probability 1 - 2 P(B <= k-1),
	 * B ~ Bin(n, 1/2): the widest k still reaching `level`, else k = 1 and
	 * the coverage it has.
	 */
	while (k + 1 <= n / 2 && 1 - 2 * binom_half_cdf(n, k) >= level)
		k++;
	t->lo = s[k - 1];
	t->hi = s[n - k];
	t->level = n >= 2 ? 1 - 2 * binom_half_cdf(n, k - 1) : 0;
	free(s);
}

static double two_sided_q(double level, double df)
{
	double p = (1 + level) / 2;
	return df > 0 && isfinite(df) ? t_quantile(p, df) : normal_quantile(p);
}

double report_se_from_interval(double lo, double hi, double level, double df)
{
	if (!(lo > 0) || !(hi > lo) || !isfinite(hi) || !(level > 0 && level < 1))
		return NAN;
	return log(hi / lo) / (2 * two_sided_q(level, df));
}

void report_se_from_pairs(const double *d, size_t n, double *mean, double *se, double *df)
{
	double sum = 0, ss = 0;
	for (size_t i = 0; i < n; i++)
		sum += d[i];
	*mean = n ? sum / (double)n : NAN;
	for (size_t i = 0; i < n; i++)
		ss += (d[i] - *mean) * (d[i] - *mean);
	*se = n >= 2 ? sqrt(ss / (double)(n - 1) / (double)n) : NAN;
	*df = n >= 2 ? (double)(n - 1) : NAN;
}

void report_compose(const double *mean, const double *se, const double *df, size_t n,
		    double level, struct report_cumulative *c)
{
	double var = 0, ws = 0, q;
	int known = n > 0;
	memset(c, 0, sizeof(*c));
	c->n = n;
	c->level = level;
	for (size_t i = 0; i < n; i++) {
		double v = se[i] * se[i];
		c->log_sum += mean[i];
		if (!(se[i] >= 0) || !(df[i] > 0)) {
			known = 0;
			continue;
		}
		var += v;
		ws += isfinite(df[i]) ? v * v / df[i] : 0;
	}
	c->ratio = exp(c->log_sum);
	c->se = c->df = c->lo = c->hi = NAN;
	if (!known)
		return;
	c->se = sqrt(var);
	/* Welch-Satterthwaite: (sum v)^2 / sum v^2/df; infinite when every df is */
	c->df = ws > 0 ? var * var / ws : INFINITY;
	q = two_sided_q(level, c->df);
	c->lo = exp(c->log_sum - q * c->se);
	c->hi = exp(c->log_sum + q * c->se);
}

void report_goal_compute(const struct report_cumulative *c, size_t used, double goal,
			 long rounds, struct report_goal *g)
{
	memset(g, 0, sizeof(*g));
	g->goal = goal >= 0 ? goal : NAN;
	g->rounds = rounds > 0 ? rounds : 0;
	g->used = used;
	g->kept = c->n;
	g->metric = c->metric;
	g->level = c->level > 0 ? c->level : REPORT_LEVEL;
	/* nothing kept: no speed-up yet, exactly ×1 with no interval */
	g->speedup = c->n ? 1 / c->ratio : 1;
	g->lo = c->n && isfinite(c->hi) ? 1 / c->hi : NAN;
	g->hi = c->n && isfinite(c->lo) ? 1 / c->lo : NAN;
	if (isnan(g->goal))
		g->state = GOAL_NONE;
	/* reached only when the interval says so: an estimate alone is not enough */
	else if (isfinite(g->lo) && g->lo >= 1 + g->goal)
		g->state = GOAL_REACHED;
	else if (g->rounds && used >= (size_t)g->rounds)
		g->state = GOAL_EXHAUSTED;
	else
		g->state = GOAL_PENDING;
}

void report_set_goal(struct report *r, const struct config *cfg)
{
	double goal = config_get(cfg, "loop.goal") ? config_get_real(cfg, "loop.goal") : NAN;
	long rounds = config_get(cfg, "loop.rounds") ? config_get_int(cfg, "loop.rounds") : 0;
	report_goal_compute(&r->cum, r->rounds_used, goal, rounds, &r->goal);
}

const char *report_goal_state_name(enum report_goal_state s)
{
	switch (s) {
	case GOAL_REACHED: return "reached";
	case GOAL_PENDING: return "not reached";
	case GOAL_EXHAUSTED: return "rounds used up";
	case GOAL_NONE: break;
	}
	return "no goal";
}

const char *report_fmt_secs(char *buf, size_t len, double s)
{
	static const char *const units[] = { "µs", "ms", "s" };
	double v;
	int u, digits;
	if (!isfinite(s) || s == 0) {
		snprintf(buf, len, s == 0 ? "0 s" : "?");
		return buf;
	}
	u = fabs(s) < 1e-3 ? 0 : fabs(s) < 1 ? 1 : 2;
	v = s * (u == 0 ? 1e6 : u == 1 ? 1e3 : 1);
	for (;;) {
		digits = v == 0 ? 3 : 3 - (int)floor(log10(fabs(v)));
		digits = digits < 0 ? 0 : digits > 3 ? 3 : digits;
		/* 999.96 ms prints as 1.000 s, not 1000.0 ms */
		if (u < 2 && fabs(round(v * pow(10, digits))) >= 1000 * pow(10, digits)) {
			v /= 1000;
			u++;
			continue;
		}
		break;
	}
	snprintf(buf, len, "%.*f %s", digits, v, units[u]);
	return buf;
}

const char *report_fmt_value(char *buf, size_t len, const struct metric *m, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "?");
	else if (m->kind == METRIC_TIME)
		report_fmt_secs(buf, len, !strcmp(m->unit, "ns") ? v / 1e9 : v);
	else if (m->kind == METRIC_COUNT)
		metric_format(m, v, buf, len);
	else
		snprintf(buf, len, "%.4g", v);
	return buf;
}

const char *report_fmt_ratio(char *buf, size_t len, double r)
{
	if (isfinite(r))
		snprintf(buf, len, "×%.3f", r);
	else
		snprintf(buf, len, "?");
	return buf;
}

const char *report_fmt_change(char *buf, size_t len, double r)
{
	if (isfinite(r))
		snprintf(buf, len, "%+.1f%%", (r - 1) * 100);
	else
		snprintf(buf, len, "?");
	return buf;
}

const char *report_fmt_level(char *buf, size_t len, double level)
{
	double pct = level * 100;
	int digits = 0;
	if (!isfinite(pct)) {
		snprintf(buf, len, "?");
		return buf;
	}
	while (digits < 2 && pct < 100 && round(pct * pow(10, digits)) >= 100 * pow(10, digits))
		digits++;
	if (pct < 100 && round(pct * pow(10, digits)) >= 100 * pow(10, digits))
		snprintf(buf, len, ">99.99%%");
	else
		snprintf(buf, len, "%.*f%%", digits, pct);
	return buf;
}

/* ---------- reading the ledger ---------- */

static double real_col(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NAN : sqlite3_column_double(st, col);
}

/* Finalize st after ledger_step() returned rc: -1 when that was an error (err is filled). */
static int finish(struct ledger *l, sqlite3_stmt *st, int rc, struct strbuf *err)
{
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

/* Metric m over every measured run of artifact `art` in the loop's benches, on either side. */
static int artifact_time(struct ledger *l, int64_t art, const struct metric *m,
			 struct report_time *t, struct strbuf *err)
{
	/* metric.h's run_sql names the runs table `runs`: no alias */
	char *sql = xstrfmt("SELECT %s FROM runs JOIN benches b ON b.id = runs.bench_id "
			    "WHERE b.kind = 'bench' AND runs.warmup = 0 AND (%s) IS NOT NULL AND "
			    "runs.status = 0 AND ((runs.side = 'A' AND "
			    "b.baseline_artifact_id = ?1) OR (runs.side = 'B' AND "
			    "b.candidate_id = ?1))",
			    m->run_sql, m->run_sql);
	sqlite3_stmt *st = ledger_query(l, err, sql, "i", art);
	double *x = NULL;
	size_t n = 0, alloc = 0;
	int rc;
	free(sql);
	if (!st)
		return -1;
	while ((rc = ledger_step(l, st, err)) > 0) {
		ALLOC_GROW(x, n + 1, alloc);
		x[n++] = sqlite3_column_double(st, 0);
	}
	rc = finish(l, st, rc, err);
	report_median_interval(x, n, REPORT_LEVEL, t);
	free(x);
	return rc;
}

static int load_baseline(struct ledger *l, struct report *r, int64_t loop_baseline,
			 struct strbuf *err)
{
	/* the loop's first baseline: the one its first experiment was benched against */
	int64_t id, art = 0;
	sqlite3_stmt *st;
	int rc;
	if (ledger_int(l, err, &id, loop_baseline,
		       "SELECT baseline_id FROM experiments WHERE baseline_id IS NOT NULL "
		       "ORDER BY id LIMIT 1",
		       NULL))
		return -1;
	if (!id)
		return 0;
	st = ledger_query(l, err, "SELECT name, commit_id, artifact_id FROM baselines WHERE id = ?",
			  "i", id);
	if (!st)
		return -1;
	if ((rc = ledger_step(l, st, err)) > 0) {
		r->have_baseline = 1;
		r->baseline_name = col_dup(st, 0);
		r->baseline_commit = col_dup(st, 1);
		art = sqlite3_column_int64(st, 2);
	}
	if (finish(l, st, rc, err))
		return -1;
	return r->have_baseline ? artifact_time(l, art, r->metric, &r->baseline, err) : 0;
}

static int cmp_hot(const void *a, const void *b)
{
	const struct report_hot *x = a, *y = b;
	if (x->touched != y->touched)
		return y->touched - x->touched;
	if (fabs(x->delta) != fabs(y->delta))
		return fabs(x->delta) < fabs(y->delta) ? 1 : -1;
	return strcmp(x->symbol, y->symbol);
}

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The experiment's hotspot diff (JSON array of rows); bad JSON is no diff. */
static void parse_hotspots(struct report_exp *e, const char *text)
{
	json_t *doc = text ? json_loads(text, 0, NULL) : NULL, *row;
	struct report_hot *rows;
	size_t i, n = 0;
	/* from every row, before the table keeps the top ones; seconds once the runs are read */
	exp_expected_gain(doc, e->ntouched, NAN, &e->expected);
	if (!json_is_array(doc)) {
		json_decref(doc);
		return;
	}
	rows = xcalloc(json_array_size(doc) + 1, sizeof(*rows));
	json_array_foreach(doc, i, row) {
		struct report_hot *h;
		json_t *within = json_object_get(row, "within_noise");
		if (!json_is_string(json_object_get(row, "symbol")))
			continue;
		h = &rows[n++];
		h->symbol = xstrdup(json_string_value(json_object_get(row, "symbol")));
		h->dso = xstrdup(json_is_string(json_object_get(row, "dso"))
					 ? json_string_value(json_object_get(row, "dso"))
					 : "");
		h->base = num(row, "base");
		h->cand = num(row, "new");
		h->delta = num(row, "delta");
		h->noise = num(row, "noise");
		h->touched = json_is_true(json_object_get(row, "touched"));
		h->within_noise = within ? json_is_true(within) : fabs(h->delta) <= h->noise;
	}
	json_decref(doc);
	qsort(rows, n, sizeof(*rows), cmp_hot);
	for (i = REPORT_TOP_HOT; i < n; i++) {
		free(rows[i].symbol);
		free(rows[i].dso);
	}
	e->hot = rows;
	e->nhot = n < REPORT_TOP_HOT ? n : REPORT_TOP_HOT;
}

static void parse_touched(struct report_exp *e, const char *text)
{
	json_t *doc = text ? json_loads(text, 0, NULL) : NULL, *v;
	size_t i;
	if (json_is_array(doc)) {
		e->touched = xcalloc(json_array_size(doc) + 1, sizeof(char *));
		json_array_foreach(doc, i, v)
			if (json_is_string(v))
				e->touched[e->ntouched++] = xstrdup(json_string_value(v));
	}
	json_decref(doc);
}

/* Degrees of freedom of the bench's noise and its metric, from its stored JSON result. */
static double result_info(const char *text, const struct metric **metric)
{
	json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
	double df = num(json_object_get(doc, "noise"), "df");
	*metric = metric_of_doc(doc);
	json_decref(doc);
	return df;
}

/*
 * Both sides' measured runs, and the bench's standard error: from its stored
 * interval and level, else from the log-ratios of its complete pairs.
 */
static int load_bench_runs(struct ledger *l, struct report_bench *b, double df,
			   struct strbuf *err)
{
	struct run {
		int b, pair;
		double wall;
	} *runs = NULL;
	char *sql = xstrfmt("SELECT side = 'B', pair, %s FROM runs WHERE bench_id = ? AND "
			    "warmup = 0 AND (%s) IS NOT NULL ORDER BY seq",
			    b->metric->run_sql, b->metric->run_sql);
	sqlite3_stmt *st = ledger_query(l, err, sql, "i", b->id);
	size_t n = 0, alloc = 0, nd = 0;
	double *d, mean, se, pdf;
	int rc;
	free(sql);
	if (!st)
		return -1;
	while ((rc = ledger_step(l, st, err)) > 0) {
		ALLOC_GROW(runs, n + 1, alloc);
		runs[n].b = sqlite3_column_int(st, 0);
		runs[n].pair = sqlite3_column_int(st, 1);
		runs[n++].wall = sqlite3_column_double(st, 2);
	}
	if (finish(l, st, rc, err)) {
		free(runs);
		return -1;
	}
	b->a = xcalloc(n + 1, sizeof(double));
	b->b = xcalloc(n + 1, sizeof(double));
	d = xcalloc(n + 1, sizeof(double));
	for (size_t i = 0; i < n; i++) {
		if (runs[i].b) {
			b->b[b->nb++] = runs[i].wall;
			continue;
		}
		b->a[b->na++] = runs[i].wall;
		/* the log-ratio of its pair, for benches without a stored interval */
		for (size_t j = 0; j < n; j++)
			if (runs[j].b && runs[i].pair > 0 && runs[j].pair == runs[i].pair &&
			    runs[i].wall > 0 && runs[j].wall > 0) {
				d[nd++] = log(runs[j].wall / runs[i].wall);
				break;
			}
	}
	b->log_mean = b->ratio > 0 ? log(b->ratio) : NAN;
	b->df = df > 0 ? df : b->pairs > 1 ? b->pairs - 1 : NAN;
	b->se = report_se_from_interval(b->lo, b->hi, b->level, b->df);
	if (!isfinite(b->se)) {
		report_se_from_pairs(d, nd, &mean, &se, &pdf);
		if (!isfinite(b->log_mean))
			b->log_mean = mean;
		b->se = se;
		b->df = pdf;
	}
	free(d);
	free(runs);
	return 0;
}

static int load_profile(struct ledger *l, struct report_exp *e, int have_table,
			struct strbuf *err)
{
	sqlite3_stmt *st;
	int rc;
	if (!e->profile_id) {
		e->profile_note = "not profiled";
		return 0;
	}
	if (!have_table) {
		e->profile_note = "unavailable (this ledger records no profiles)";
		return 0;
	}
	st = ledger_query(l, err, "SELECT path FROM profiles WHERE id = ?", "i", e->profile_id);
	if (!st)
		return -1;
	if ((rc = ledger_step(l, st, err)) > 0)
		e->profile_path = col_dup(st, 0);
	if (!e->profile_path)
		e->profile_note = "unavailable (the profile is not in the ledger)";
	return finish(l, st, rc, err);
}

static int load_experiments(struct ledger *l, struct report *r, struct strbuf *err)
{
	sqlite3_stmt *st = ledger_query(
		l, err,
		"SELECT e.id, e.created, e.message, e.patch_hash, e.status, e.verdict, e.reason, "
		"e.commit_id, e.pushed, e.profile_id, e.diff, e.touched, "
		"b.id, b.status, b.verdict, b.early_reject, b.pairs, b.ratio_mean, b.ratio_lo, "
		"b.ratio_hi, b.level, b.result, b.candidate_id "
		"FROM experiments e LEFT JOIN benches b ON b.id = e.bench_id ORDER BY e.id",
		NULL);
	size_t alloc = 0;
	double *df = NULL;
	int64_t nprof;
	int rc, have_profiles;
	if (!st)
		return -1;
	while ((rc = ledger_step(l, st, err)) > 0) {
		struct report_exp *e;
		ALLOC_GROW(r->exp, r->nexp + 1, alloc);
		df = xrealloc(df, alloc * sizeof(*df));
		e = &r->exp[r->nexp];
		memset(e, 0, sizeof(*e));
		e->id = sqlite3_column_int64(st, 0);
		e->created = sqlite3_column_double(st, 1);
		if (exp_status_parse(col_text(st, 4), &e->status) ||
		    try_verdict_parse(col_text_or_null(st, 5), &e->verdict)) {
			strbuf_addf(err, "experiment %lld in ledger '%s' has an unknown status "
				    "'%s' or verdict '%s'", (long long)e->id, l->path,
				    col_text(st, 4), col_text(st, 5));
			rc = -1;
			break;
		}
		e->message = col_dup(st, 2);
		e->patch_hash = col_dup(st, 3);
		e->reason = col_dup(st, 6);
		e->commit = col_dup(st, 7);
		e->pushed = col_dup(st, 8);
		e->profile_id = sqlite3_column_int64(st, 9);
		parse_touched(e, col_text_or_null(st, 11));
		parse_hotspots(e, col_text_or_null(st, 10));
		e->has_bench = sqlite3_column_type(st, 12) != SQLITE_NULL;
		e->bench.id = sqlite3_column_int64(st, 12);
		e->bench.status = col_dup(st, 13);
		e->bench.verdict = col_dup(st, 14);
		e->bench.early_reject = sqlite3_column_int(st, 15);
		e->bench.pairs = sqlite3_column_int(st, 16);
		e->bench.ratio = real_col(st, 17);
		e->bench.lo = real_col(st, 18);
		e->bench.hi = real_col(st, 19);
		e->bench.level = real_col(st, 20);
		df[r->nexp] = result_info(col_text_or_null(st, 21), &e->bench.metric);
		e->bench.candidate = sqlite3_column_int64(st, 22);
		r->nexp++;
	}
	if (finish(l, st, rc, err) ||
	    ledger_int(l, err, &nprof, 0,
		       "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
		       "name = 'profiles'",
		       NULL)) {
		free(df);
		return -1;
	}
	have_profiles = nprof > 0;
	/* the loop's metric: its newest bench's verdict's */
	r->metric = &metrics[0];
	for (size_t i = r->nexp; i-- > 0;)
		if (r->exp[i].has_bench) {
			r->metric = r->exp[i].bench.metric;
			break;
		}
	rc = 0;
	for (size_t i = 0; i < r->nexp && !rc; i++) {
		struct report_exp *e = &r->exp[i];
		rc = load_profile(l, e, have_profiles, err);
		if (!rc && e->has_bench)
			rc = load_bench_runs(l, &e->bench, df[i], err);
		if (!rc && e->has_bench && e->bench.na && e->expected.state == EXPECT_OK)
			e->expected.seconds =
				e->expected.points / 100 * median_of(e->bench.a, e->bench.na);
		if (!rc && e->has_bench && e->status == EXP_KEPT)
			rc = artifact_time(l, e->bench.candidate, r->metric, &e->time, err);
	}
	free(df);
	return rc;
}

static int load_workflow_runs(struct ledger *l, struct report *r, struct strbuf *err)
{
	sqlite3_stmt *st = ledger_query(
		l, err,
		"SELECT d.id, d.experiment_id, d.commit_id, d.workflow, d.pr, d.status, d.message, "
		"w.id, w.status, w.conclusion, w.url FROM dispatches d "
		"LEFT JOIN workflow_runs w ON w.dispatch_id = d.id ORDER BY d.id, w.id",
		NULL);
	size_t alloc = 0;
	int rc;
	if (!st)
		return -1;
	while ((rc = ledger_step(l, st, err)) > 0) {
		struct report_wf *w;
		ALLOC_GROW(r->wf, r->nwf + 1, alloc);
		w = &r->wf[r->nwf++];
		w->dispatch = sqlite3_column_int64(st, 0);
		w->experiment = sqlite3_column_int64(st, 1);
		w->commit = col_dup(st, 2);
		w->workflow = col_dup(st, 3);
		w->pr = sqlite3_column_int(st, 4);
		w->dispatch_status = col_dup(st, 5);
		w->message = col_dup(st, 6);
		w->run = sqlite3_column_int64(st, 7);
		w->status = col_dup(st, 8);
		w->conclusion = col_dup(st, 9);
		w->url = col_dup(st, 10);
	}
	return finish(l, st, rc, err);
}

/* Counts by outcome, and the kept experiments' log-ratios composed. */
static void tally(struct report *r)
{
	double *mean = xcalloc(r->nexp + 1, sizeof(double));
	double *se = xcalloc(r->nexp + 1, sizeof(double));
	double *df = xcalloc(r->nexp + 1, sizeof(double));
	const struct metric *metric = NULL;
	size_t n = 0, missing = 0;
	for (size_t i = 0; i < r->nexp; i++) {
		const struct report_exp *e = &r->exp[i];
		if (e->has_bench && e->verdict != TRY_NONE)
			r->rounds_used++;
		if (e->status == EXP_KEPT) {
			r->kept++;
			if (e->has_bench && isfinite(e->bench.log_mean)) {
				/* ratios of different metrics compose, but into no one metric */
				metric = !n || metric == e->bench.metric ? e->bench.metric : NULL;
				mean[n] = e->bench.log_mean;
				se[n] = e->bench.se;
				df[n++] = e->bench.df;
			} else {
				missing++;
			}
		} else if (e->verdict == TRY_REJECT) {
			r->rejected++;
		} else if (e->verdict == TRY_INCONCLUSIVE) {
			r->inconclusive++;
		} else if (e->verdict == TRY_NONE &&
			   (e->status == EXP_FAILED || e->status == EXP_INTERRUPTED ||
			    e->status == EXP_ABANDONED)) {
			r->failed++;
		}
	}
	report_compose(mean, se, df, n, REPORT_LEVEL, &r->cum);
	r->cum.missing = missing;
	r->cum.metric = metric;
	free(mean);
	free(se);
	free(df);
}

int report_load(struct ledger *l, struct report *r, struct strbuf *err)
{
	struct loop_state ls;
	memset(r, 0, sizeof(*r));
	r->generated = now_wall();
	r->ledger = xstrdup(l->path);
	if (loop_load(l, &ls, err))
		return -1;
	if (!ls.present) {
		strbuf_addf(err, "no loop in ledger '%s': run 'perfloop start BRANCH' in the "
			    "project's checkout, then 'perfloop report' in the worktree it creates",
			    l->path);
		loop_release(&ls);
		return -1;
	}
	/* take the loop's strings */
	r->branch = ls.branch;
	r->base_ref = ls.base_ref;
	r->base_commit = ls.base_commit;
	r->worktree = ls.worktree;
	r->pr = ls.pr;
	ls.branch = ls.base_ref = ls.base_commit = ls.worktree = NULL;
	/* experiments first: they tell the loop's metric, the baseline's time is in */
	if (load_experiments(l, r, err) || load_baseline(l, r, ls.baseline_id, err) ||
	    load_workflow_runs(l, r, err)) {
		loop_release(&ls);
		return -1;
	}
	loop_release(&ls);
	if (guard_rows_load(l, &r->guard_rows, &r->nguard_rows, err))
		return -1;
	/* both in experiment order: each experiment's judgements are one run of rows */
	for (size_t i = 0, g = 0; i < r->nexp; i++) {
		struct report_exp *e = &r->exp[i];
		while (g < r->nguard_rows && r->guard_rows[g].experiment < e->id)
			g++;
		e->guards = &r->guard_rows[g];
		while (g < r->nguard_rows && r->guard_rows[g].experiment == e->id) {
			e->nguards++;
			g++;
		}
	}
	tally(r);
	report_goal_compute(&r->cum, r->rounds_used, NAN, 0, &r->goal);
	return 0;
}

const struct report_exp *report_current(const struct report *r)
{
	for (size_t i = r->nexp; i-- > 0;)
		if (r->exp[i].status == EXP_KEPT)
			return &r->exp[i];
	return NULL;
}

const struct report_exp *report_latest_hot(const struct report *r)
{
	for (size_t i = r->nexp; i-- > 0;)
		if (r->exp[i].nhot)
			return &r->exp[i];
	return NULL;
}

void report_release(struct report *r)
{
	for (size_t i = 0; i < r->nexp; i++) {
		struct report_exp *e = &r->exp[i];
		free(e->message);
		free(e->patch_hash);
		free(e->reason);
		free(e->commit);
		free(e->pushed);
		free(e->bench.status);
		free(e->bench.verdict);
		free(e->bench.a);
		free(e->bench.b);
		free(e->profile_path);
		for (size_t j = 0; j < e->ntouched; j++)
			free(e->touched[j]);
		free(e->touched);
		for (size_t j = 0; j < e->nhot; j++) {
			free(e->hot[j].symbol);
			free(e->hot[j].dso);
		}
		free(e->hot);
	}
	for (size_t i = 0; i < r->nwf; i++) {
		struct report_wf *w = &r->wf[i];
		free(w->commit);
		free(w->workflow);
		free(w->dispatch_status);
		free(w->message);
		free(w->status);
		free(w->conclusion);
		free(w->url);
	}
	guard_rows_free(r->guard_rows, r->nguard_rows);
	free(r->exp);
	free(r->wf);
	free(r->ledger);
	free(r->branch);
	free(r->base_ref);
	free(r->base_commit);
	free(r->worktree);
	free(r->baseline_name);
	free(r->baseline_commit);
	memset(r, 0, sizeof(*r));
}

/* ---------- JSON ---------- */

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jreal(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jid(int64_t id)
{
	return id ? json_integer(id) : json_null();
}

static json_t *jnums(const double *x, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_real(x[i]));
	return a;
}

json_t *report_goal_json(const struct report_goal *g)
{
	json_t *o = json_object();
	int set = g->state != GOAL_NONE;
	json_object_set_new(o, "state", json_string(report_goal_state_name(g->state)));
	json_object_set_new(o, "reached", json_boolean(g->state == GOAL_REACHED));
	json_object_set_new(o, "goal", set ? json_real(g->goal) : json_null());
	json_object_set_new(o, "target", set ? json_real(1 + g->goal) : json_null());
	json_object_set_new(o, "rounds", g->rounds ? json_integer(g->rounds) : json_null());
	json_object_set_new(o, "rounds_used", json_integer((json_int_t)g->used));
	json_object_set_new(o, "kept", json_integer((json_int_t)g->kept));
	json_object_set_new(o, "metric", g->metric ? json_string(g->metric->name) : json_null());
	json_object_set_new(o, "speedup", jreal(g->speedup));
	json_object_set_new(o, "speedup_lo", jreal(g->lo));
	json_object_set_new(o, "speedup_hi", jreal(g->hi));
	json_object_set_new(o, "level", jreal(g->level));
	return o;
}

static json_t *time_json(const struct report_time *t)
{
	json_t *o = json_object();
	json_object_set_new(o, "runs", json_integer((json_int_t)t->runs));
	json_object_set_new(o, "median", jreal(t->median));
	json_object_set_new(o, "lo", jreal(t->lo));
	json_object_set_new(o, "hi", jreal(t->hi));
	json_object_set_new(o, "level", jreal(t->runs ? t->level : NAN));
	return o;
}

static json_t *bench_json_of(const struct report_bench *b)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(b->id));
	json_object_set_new(o, "status", jstr(b->status));
	json_object_set_new(o, "verdict", jstr(b->verdict));
	json_object_set_new(o, "early_reject", json_boolean(b->early_reject));
	json_object_set_new(o, "pairs", json_integer(b->pairs));
	json_object_set_new(o, "metric", json_string(b->metric->name));
	json_object_set_new(o, "ratio", jreal(b->ratio));
	json_object_set_new(o, "lo", jreal(b->lo));
	json_object_set_new(o, "hi", jreal(b->hi));
	json_object_set_new(o, "level", jreal(b->level > 0 ? b->level : NAN));
	json_object_set_new(o, "log_mean", jreal(b->log_mean));
	json_object_set_new(o, "se", jreal(b->se));
	json_object_set_new(o, "df", jreal(b->df));
	json_object_set_new(o, "a", jnums(b->a, b->na));
	json_object_set_new(o, "b", jnums(b->b, b->nb));
	return o;
}

/* An experiment's guard judgements (README "perfloop report", key guards). */
static json_t *guards_json(const struct report_exp *e)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < e->nguards; i++) {
		const struct guard_row *g = &e->guards[i];
		json_t *o = json_object(), *iv = json_null();
		if (isfinite(g->lo) && isfinite(g->hi)) {
			iv = json_array();
			json_array_append_new(iv, json_real(g->lo));
			json_array_append_new(iv, json_real(g->hi));
		}
		json_object_set_new(o, "guard", json_string(g->guard));
		json_object_set_new(o, "outcome", json_string(g->outcome));
		json_object_set_new(o, "blocks", json_boolean(!strcmp(g->outcome, "slower") ||
							      !strcmp(g->outcome, "memory")));
		json_object_set_new(o, "verdict", jstr(g->verdict));
		json_object_set_new(o, "ratio", jreal(g->ratio));
		json_object_set_new(o, "interval", iv);
		json_object_set_new(o, "rss_ratio", jreal(g->rss_ratio));
		json_object_set_new(o, "reason", json_string(g->reason));
		json_object_set_new(o, "bench", jid(g->bench));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *exp_json(const struct report_exp *e)
{
	json_t *o = json_object(), *hot = json_array(), *touched = json_array(), *prof = json_object();
	json_object_set_new(o, "id", json_integer(e->id));
	json_object_set_new(o, "created", json_real(e->created));
	json_object_set_new(o, "message", jstr(e->message));
	json_object_set_new(o, "patch_hash", jstr(e->patch_hash));
	json_object_set_new(o, "status", jstr(exp_status_name(e->status)));
	json_object_set_new(o, "verdict", jstr(try_verdict_name(e->verdict)));
	json_object_set_new(o, "reason", jstr(e->reason));
	json_object_set_new(o, "commit", jstr(e->commit));
	json_object_set_new(o, "pushed", jstr(e->pushed));
	json_object_set_new(o, "bench", e->has_bench ? bench_json_of(&e->bench) : json_null());
	json_object_set_new(o, "time", e->time.runs ? time_json(&e->time) : json_null());
	json_object_set_new(prof, "id", jid(e->profile_id));
	json_object_set_new(prof, "path", jstr(e->profile_path));
	json_object_set_new(prof, "note", jstr(e->profile_note));
	json_object_set_new(o, "profile", prof);
	for (size_t i = 0; i < e->ntouched; i++)
		json_array_append_new(touched, json_string(e->touched[i]));
	json_object_set_new(o, "touched", touched);
	for (size_t i = 0; i < e->nhot; i++) {
		const struct report_hot *h = &e->hot[i];
		json_t *row = json_object();
		json_object_set_new(row, "symbol", json_string(h->symbol));
		json_object_set_new(row, "dso", json_string(h->dso));
		json_object_set_new(row, "base", jreal(h->base));
		json_object_set_new(row, "new", jreal(h->cand));
		json_object_set_new(row, "delta", jreal(h->delta));
		json_object_set_new(row, "noise", jreal(h->noise));
		json_object_set_new(row, "touched", json_boolean(h->touched));
		json_object_set_new(row, "within_noise", json_boolean(h->within_noise));
		json_array_append_new(hot, row);
	}
	json_object_set_new(o, "hotspots", hot);
	json_object_set_new(o, "guards", guards_json(e));
	json_object_set_new(o, "expected",
			    e->verdict ? exp_expected_json(&e->expected,
							   e->has_bench ? e->bench.ratio : NAN)
				       : json_null());
	return o;
}

static json_t *wf_json(const struct report_wf *w)
{
	json_t *o = json_object();
	json_object_set_new(o, "dispatch", json_integer(w->dispatch));
	json_object_set_new(o, "experiment", jid(w->experiment));
	json_object_set_new(o, "commit", jstr(w->commit));
	json_object_set_new(o, "workflow", jstr(w->workflow));
	json_object_set_new(o, "pr", w->pr ? json_integer(w->pr) : json_null());
	json_object_set_new(o, "dispatch_status", jstr(w->dispatch_status));
	json_object_set_new(o, "message", jstr(w->message));
	json_object_set_new(o, "run", jid(w->run));
	json_object_set_new(o, "status", jstr(w->status));
	json_object_set_new(o, "conclusion", jstr(w->conclusion));
	json_object_set_new(o, "url", jstr(w->url));
	return o;
}

json_t *report_json(const struct report *r)
{
	const struct report_exp *cur = report_current(r);
	const struct report_cumulative *c = &r->cum;
	json_t *doc = json_object(), *loop = json_object(), *exps = json_array(),
	       *runs = json_array(), *totals = json_object(), *cum = json_null();
	json_object_set_new(doc, "report_version", json_integer(1));
	json_object_set_new(doc, "generated", json_real(r->generated));
	json_object_set_new(doc, "metric", json_string(r->metric->name));
	json_object_set_new(loop, "branch", jstr(r->branch));
	json_object_set_new(loop, "base", jstr(r->base_ref));
	json_object_set_new(loop, "base_commit", jstr(r->base_commit));
	json_object_set_new(loop, "worktree", jstr(r->worktree));
	json_object_set_new(loop, "pr", r->pr ? json_integer(r->pr) : json_null());
	json_object_set_new(doc, "loop", loop);
	if (r->have_baseline) {
		json_t *b = json_object();
		json_object_set_new(b, "name", jstr(r->baseline_name));
		json_object_set_new(b, "commit", jstr(r->baseline_commit));
		json_object_set_new(b, "time", time_json(&r->baseline));
		json_object_set_new(doc, "baseline", b);
	} else {
		json_object_set_new(doc, "baseline", json_null());
	}
	if (cur) {
		json_t *o = json_object();
		json_object_set_new(o, "experiment", json_integer(cur->id));
		json_object_set_new(o, "commit", jstr(cur->commit));
		json_object_set_new(o, "time", time_json(&cur->time));
		json_object_set_new(doc, "current", o);
	} else {
		json_object_set_new(doc, "current", json_null());
	}
	for (size_t i = 0; i < r->nexp; i++)
		json_array_append_new(exps, exp_json(&r->exp[i]));
	json_object_set_new(doc, "experiments", exps);
	for (size_t i = 0; i < r->nwf; i++)
		json_array_append_new(runs, wf_json(&r->wf[i]));
	json_object_set_new(doc, "workflow_runs", runs);
	json_object_set_new(totals, "experiments", json_integer((json_int_t)r->nexp));
	json_object_set_new(totals, "kept", json_integer(r->kept));
	json_object_set_new(totals, "rejected", json_integer(r->rejected));
	json_object_set_new(totals, "inconclusive", json_integer(r->inconclusive));
	json_object_set_new(totals, "failed", json_integer(r->failed));
	if (c->n) {
		cum = json_object();
		json_object_set_new(cum, "experiments", json_integer((json_int_t)c->n));
		json_object_set_new(cum, "metric", c->metric ? json_string(c->metric->name)
							     : json_null());
		json_object_set_new(cum, "left_out", json_integer((json_int_t)c->missing));
		json_object_set_new(cum, "ratio", jreal(c->ratio));
		json_object_set_new(cum, "lo", jreal(c->lo));
		json_object_set_new(cum, "hi", jreal(c->hi));
		json_object_set_new(cum, "level", jreal(c->level));
		json_object_set_new(cum, "speedup", jreal(1 / c->ratio));
		json_object_set_new(cum, "speedup_lo", jreal(1 / c->hi));
		json_object_set_new(cum, "speedup_hi", jreal(1 / c->lo));
		json_object_set_new(cum, "log_sum", jreal(c->log_sum));
		json_object_set_new(cum, "se", jreal(c->se));
		json_object_set_new(cum, "df", jreal(c->df));
	}
	json_object_set_new(totals, "cumulative", cum);
	json_object_set_new(doc, "totals", totals);
	json_object_set_new(doc, "goal", report_goal_json(&r->goal));
	return doc;
}
