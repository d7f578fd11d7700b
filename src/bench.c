/*
 * bench.c: the interleaved benchmark engine and its ledger records. The
 * bench's JSON document is bench-doc.c's.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "counters.h"
#include "proc.h"
#include "store.h"
#include "valgrind.h"
#include "banned.h"

const char *bench_key(const char *dir, const char *command, const char *env_name,
		      const char *const *extra_env, const char *guard)
{
	static char hex[HASH_HEX];
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s%c%s%c%s", dir, 0, command, 0, env_name ? env_name : "");
	for (const char *const *e = extra_env; e && *e; e++)
		strbuf_addf(&sb, "%c%s", 0, *e);
	/* the target's key stays what it was; a guard's differs even with the same harness */
	if (guard)
		strbuf_addf(&sb, "%cguard=%s", 0, guard);
	hash_mem(sb.buf, sb.len, hex);
	hex[16] = '\0';
	strbuf_release(&sb);
	return hex;
}

int bench_noise_history(struct ledger *l, const char *key, const char *metric, int valgrind,
			int limit, double *sigma, double *df, struct strbuf *err)
{
	sqlite3_stmt *st = ledger_query(l, err,
					"SELECT ss, df FROM calibrations WHERE key = ? AND host = ? "
					"AND metric = ? AND (tool IS 'valgrind') = ? "
					"ORDER BY id DESC LIMIT ?",
					"tttii", key, host_name(), metric, (int64_t)!!valgrind,
					(int64_t)limit);
	struct noise_pool np = { 0, 0 };
	int rc;
	if (!st)
		return -1;
	while ((rc = ledger_step(l, st, err)) > 0) {
		np.ss += sqlite3_column_double(st, 0);
		np.df += sqlite3_column_double(st, 1);
	}
	sqlite3_finalize(st);
	if (rc < 0)
		return -1;
	if (np.df < 1)
		return 0;
	*sigma = noise_pool_sigma(&np);
	*df = np.df;
	return 1;
}

int bench_noise_histories(struct ledger *l, const char *key, int limit,
			  struct metric_history **out, size_t *n, struct strbuf *err)
{
	/* per metric and tool: its newest `limit` calibrations, pooled */
	sqlite3_stmt *st = ledger_query(l, err,
					"SELECT metric, tool = 'valgrind', sum(ss), sum(df), sum(pairs), "
					"count(*) FROM (SELECT metric, IFNULL(tool, '') AS tool, ss, df, "
					"pairs, "
					"row_number() OVER (PARTITION BY metric, IFNULL(tool, '') "
					"ORDER BY id DESC) AS k FROM calibrations "
					"WHERE key = ? AND host = ?) WHERE k <= ? "
					"GROUP BY metric, tool ORDER BY metric, tool",
					"tti", key, host_name(), (int64_t)limit);
	size_t alloc = 0;
	int rc;
	*out = NULL;
	*n = 0;
	if (!st)
		return -1;
	while ((rc = ledger_step(l, st, err)) > 0) {
		struct noise_pool np = { sqlite3_column_double(st, 2),
					 sqlite3_column_double(st, 3) };
		struct metric_history *h;
		if (np.df < 1)
			continue;
		ALLOC_GROW(*out, *n + 1, alloc);
		h = &(*out)[(*n)++];
		h->name = xstrdup(col_text(st, 0));
		h->valgrind = sqlite3_column_int(st, 1);
		h->sigma = noise_pool_sigma(&np);
		h->df = np.df;
		h->pairs = sqlite3_column_int(st, 4);
		h->calibrations = sqlite3_column_int(st, 5);
	}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

void metric_histories_free(struct metric_history *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(h[i].name);
	free(h);
}

const struct metric_history *metric_history_find(const struct metric_history *h, size_t n,
						 const struct metric *m, int valgrind)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(h[i].name, m->name) && !h[i].valgrind == !valgrind)
			return &h[i];
	return NULL;
}

size_t bench_metric_index(struct bench_result *res, const struct metric *m)
{
	for (size_t i = 0; i < res->nmets; i++)
		if (res->mets[i] == m)
			return i;
	ALLOC_GROW(res->mets, res->nmets + 1, res->alloc_mets);
	res->mets[res->nmets] = m;
	return res->nmets++;
}

double bench_run_value(const struct bench_run *r, size_t i)
{
	return i < r->nv ? r->v[i] : NAN;
}

int bench_metric_valgrind(const struct bench_spec *spec, const struct metric *m)
{
	return spec->valgrind && m->counter == COUNTER_INSTRUCTIONS + 1;
}

double bench_floor(const struct bench_spec *spec, const struct metric *m)
{
	return m->kind == METRIC_COUNT ? spec->floor_count : spec->floor_time;
}

/* Is r a measured run of the given tool that exited 0? */
static int measured(const struct bench_run *r, int valgrind)
{
	return !r->warmup && r->status == 0 && !r->valgrind == !valgrind;
}

size_t bench_pairs_of(const struct bench_result *res, size_t i, int valgrind, double *d)
{
	size_t n = 0;
	for (size_t a = 0; a < res->nr; a++) {
		const struct bench_run *ra = &res->runs[a];
		if (ra->side != 'A' || !measured(ra, valgrind))
			continue;
		for (size_t b = 0; b < res->nr; b++) {
			const struct bench_run *rb = &res->runs[b];
			double va, vb;
			if (rb->side != 'B' || rb->pair != ra->pair || !measured(rb, valgrind))
				continue;
			va = bench_run_value(ra, i);
			vb = bench_run_value(rb, i);
			if (va > 0 && vb > 0 && isfinite(va) && isfinite(vb))
				d[n++] = log(vb / va);
			break;
		}
	}
	return n;
}

size_t bench_side(const struct bench_result *res, char side, double *wall, double *cpu,
		  double *rss)
{
	size_t n = 0;
	for (size_t i = 0; i < res->nr; i++) {
		const struct bench_run *r = &res->runs[i];
		if (r->side != side || !measured(r, 0))
			continue;
		if (wall)
			wall[n] = r->wall;
		if (cpu)
			cpu[n] = r->user + r->sys;
		if (rss)
			rss[n] = (double)r->max_rss_kb;
		n++;
	}
	return n;
}

struct planned {
	char side;
	int pair;
	int warmup;
	int valgrind;
};

/*
 * The order of runs: warm-ups (native), then pairs A B, B A, A B ... With
 * valgrind, native pair k (k <= native_pairs) runs right before valgrind
 * pair k, so a bench that stops at a verdict has run the native pairs of
 * the pairs it judged.
 */
static struct planned *plan_runs(const struct bench_spec *spec, int *total)
{
	int two = spec->base_path != NULL, sides = two ? 2 : 1, i = 0;
	int native = spec->valgrind ? (spec->native_pairs < spec->max_pairs ? spec->native_pairs
									       : spec->max_pairs)
				    : 0;
	int n = (spec->warmup + spec->max_pairs + native) * sides;
	struct planned *p = xcalloc((size_t)n + 1, sizeof(*p));
	for (int w = 0; w < spec->warmup; w++) {
		if (two)
			p[i++] = (struct planned){ 'A', 0, 1, 0 };
		p[i++] = (struct planned){ 'B', 0, 1, 0 };
	}
	for (int k = 1; k <= spec->max_pairs; k++) {
		int first = spec->valgrind && k <= native ? 0 : spec->valgrind;
		for (int vg = first; vg <= spec->valgrind; vg++) {
			if (!two) {
				p[i++] = (struct planned){ 'B', k, 0, vg };
			} else if (k % 2) {
				p[i++] = (struct planned){ 'A', k, 0, vg };
				p[i++] = (struct planned){ 'B', k, 0, vg };
			} else {
				p[i++] = (struct planned){ 'B', k, 0, vg };
				p[i++] = (struct planned){ 'A', k, 0, vg };
			}
		}
	}
	*total = i;
	return p;
}

struct tick_state {
	const struct bench_hooks *hooks;
	struct bench_progress prog;
	double bench_start;
	double per_run; /* expected seconds per run, < 0 unknown */
};

static void update_eta(struct tick_state *ts, double run_elapsed)
{
	int left = ts->prog.total - ts->prog.run + 1;
	ts->prog.run_elapsed = run_elapsed;
	ts->prog.elapsed = now_mono() - ts->bench_start;
	if (ts->per_run < 0) {
		ts->prog.eta = -1;
		return;
	}
	ts->prog.eta = left * ts->per_run - run_elapsed;
	if (ts->prog.eta < 0)
		ts->prog.eta = 0;
}

static void on_tick(void *data, double elapsed)
{
	struct tick_state *ts = data;
	update_eta(ts, elapsed);
	if (ts->hooks && ts->hooks->progress)
		ts->hooks->progress(ts->hooks->data, &ts->prog);
}

/*
 * The statements that write runs, prepared once per bench: parsing the SQL
 * for every run (and every metric of it) would cost more than a fast
 * harness's run.
 */
struct run_writer {
	sqlite3_stmt *run, *metric;
};

static void run_writer_release(struct run_writer *w)
{
	sqlite3_finalize(w->run);
	sqlite3_finalize(w->metric);
	memset(w, 0, sizeof(*w));
}

static int record_run(struct ledger *l, struct run_writer *w, const struct bench_result *res,
		      int seq, const struct bench_run *r, struct strbuf *err)
{
	int64_t id;
	if (!w->run &&
	    !(w->run = ledger_query(l, err,
				    "INSERT INTO runs(bench_id, seq, side, pair, warmup, started, "
				    "wall, user, sys, max_rss_kb, status, log_out, log_err, out_off, "
				    "out_len, err_off, err_len, tool) VALUES "
				    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
				    NULL)))
		return -1;
	if (ledger_rebind(l, w->run, err, "iitiiddddiitt" "iiiit", res->id, (int64_t)seq,
			  r->side == 'A' ? "A" : "B", (int64_t)r->pair, (int64_t)r->warmup,
			  r->started, r->wall, r->user, r->sys, (int64_t)r->max_rss_kb,
			  (int64_t)r->status, r->log_out, r->log_err, (int64_t)r->out_off,
			  (int64_t)r->out_len, (int64_t)r->err_off, (int64_t)r->err_len,
			  r->valgrind ? "valgrind" : NULL) ||
	    ledger_step(l, w->run, err) < 0)
		return -1;
	id = sqlite3_last_insert_rowid(l->db);
	/* wall and cpu are the run's columns; counters and harness metrics rows */
	for (size_t i = BENCH_MI_COUNTER; i < r->nv && i < res->nmets; i++) {
		if (!isfinite(r->v[i]))
			continue;
		if (!w->metric &&
		    !(w->metric = ledger_query(l, err,
					       "INSERT INTO run_metrics(run_id, name, value) "
					       "VALUES (?,?,?)",
					       NULL)))
			return -1;
		if (ledger_rebind(l, w->metric, err, "itd", id, res->mets[i]->name, r->v[i]) ||
		    ledger_step(l, w->metric, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * Write the runs not yet in the ledger, in one transaction. Runs of a real
 * harness (seconds) are written one by one as they finish; very short runs
 * are batched so the ledger does not dominate their overhead. Never called
 * while a child runs, so no lock is held across a run.
 */
static int flush_runs(struct ledger *l, struct run_writer *w, struct bench_result *res,
		      size_t *recorded, struct strbuf *err)
{
	int r = 0;
	if (*recorded >= res->nr)
		return 0;
	if (ledger_begin(l, err))
		return -1;
	for (; *recorded < res->nr; (*recorded)++)
		if ((r = record_run(l, w, res, (int)*recorded + 1, &res->runs[*recorded], err)))
			break;
	/* done with the statements: none stays active across the commit */
	sqlite3_reset(w->run);
	sqlite3_reset(w->metric);
	if (r) {
		sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return ledger_commit(l, err);
}

const char *bench_status_name(enum bench_status s)
{
	switch (s) {
	case BENCH_DONE: return "done";
	case BENCH_FAILED: return "failed";
	case BENCH_TIMEOUT: return "timeout";
	case BENCH_INTERRUPTED: return "interrupted";
	}
	return "?";
}

/* Median of res->mets[i] over side's measured runs of the given tool, NAN when none. */
double bench_side_median(const struct bench_result *res, size_t i, char side, int valgrind)
{
	double *x = xmalloc((res->nr + 1) * sizeof(double)), m = NAN;
	size_t n = 0;
	for (size_t k = 0; k < res->nr; k++) {
		const struct bench_run *r = &res->runs[k];
		double v = bench_run_value(r, i);
		if (r->side == side && measured(r, valgrind) && isfinite(v))
			x[n++] = v;
	}
	if (n)
		m = median_of(x, n);
	free(x);
	return m;
}

double bench_median(const struct bench_spec *spec, const struct bench_result *res, char side)
{
	size_t i = 0;
	while (i < res->nmets && res->mets[i] != spec->metric)
		i++;
	return bench_side_median(res, i, side, bench_metric_valgrind(spec, spec->metric));
}

double bench_ratio_of_medians(const struct bench_spec *spec, const struct bench_result *res)
{
	double a = bench_median(spec, res, 'A'), b = bench_median(spec, res, 'B');
	return a > 0 && b > 0 ? b / a : 0;
}

/* <log dir>/index: which bytes of stdout.log and stderr.log each run wrote. */
static void write_index(const struct bench_result *res)
{
	struct strbuf sb = STRBUF_INIT;
	char *dir, *path;
	if (!res->log_out)
		return;
	dir = path_dirname(res->log_out);
	path = xstrfmt("%s/index", dir);
	strbuf_addstr(&sb, "# run side pair stdout-bytes stderr-bytes exit wall(s) [tool]\n");
	for (size_t i = 0; i < res->nr; i++) {
		const struct bench_run *r = &res->runs[i];
		char pair[16];
		if (r->warmup)
			snprintf(pair, sizeof(pair), "warmup");
		else
			snprintf(pair, sizeof(pair), "%d", r->pair);
		strbuf_addf(&sb, "%zu %c %s %ld-%ld %ld-%ld %d %.6f%s\n", i + 1, r->side, pair,
			    r->out_off, r->out_off + r->out_len, r->err_off, r->err_off + r->err_len,
			    r->status, r->wall, r->valgrind ? " valgrind" : "");
	}
	{
		struct strbuf ignore = STRBUF_INIT;
		strbuf_write_file_atomic(&sb, path, &ignore); /* a convenience: the ledger has it all */
		strbuf_release(&ignore);
	}
	strbuf_release(&sb);
	free(path);
	free(dir);
}

/*
 * Every other cost metric with values on both sides: its ratio and
 * interval, and whether it contradicts the verdict beyond its noise
 * (stats.h: cross_check_eval(), cross_check_contradicts()).
 */
static void cross_checks(const struct bench_spec *spec, struct bench_result *res)
{
	double *d = xmalloc((res->nr + 1) * sizeof(double));
	int family = 0, judged = res->has_verdict && res->status == BENCH_DONE && spec->base_path &&
				 strcmp(spec->kind, "calibrate");
	struct strbuf sb = STRBUF_INIT;
	size_t alloc = 0;

	if (!spec->base_path) {
		free(d);
		return;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < res->nmets; i++) {
			const struct metric *m = res->mets[i];
			int vg = bench_metric_valgrind(spec, m);
			const struct metric_history *h =
			    metric_history_find(spec->hist, spec->nhist, m, vg);
			struct verdict_params hp = { 0 };
			struct bench_cross *x;
			size_t n;
			if (m == spec->metric || !m->cost)
				continue;
			if (!(n = bench_pairs_of(res, i, vg, d)))
				continue;
			if (!pass) {
				family += h != NULL;
				continue;
			}
			ALLOC_GROW(res->cross, res->ncross + 1, alloc);
			x = &res->cross[res->ncross++];
			memset(x, 0, sizeof(*x));
			x->m = m;
			x->valgrind = vg;
			x->ratio = bench_side_median(res, i, 'B', vg) /
				   bench_side_median(res, i, 'A', vg);
			hp.floor = bench_floor(spec, m);
			if (h) {
				hp.have_history = 1;
				hp.hist_sigma = h->sigma;
				hp.hist_df = h->df;
			}
			cross_check_eval(d, (int)n, &hp, family, &x->cc);
			x->contradicts = judged && cross_check_contradicts(res->vr.verdict, &x->cc);
			if (!x->contradicts)
				continue;
			strbuf_addf(&sb, "%s%s says %s (x%.4f [%.4f, %.4f], calibrated) "
				    "while %s says %s",
				    sb.len ? "; " : "", m->name,
				    res->vr.verdict == VERDICT_FASTER ? "slower" : "faster",
				    exp(x->cc.mean), exp(x->cc.lo), exp(x->cc.hi),
				    spec->metric->name, verdict_name(res->vr.verdict));
		}
	}
	if (sb.len)
		res->contradiction = strbuf_detach(&sb, NULL);
	strbuf_release(&sb);
	free(d);
}

static int finish_bench(struct ledger *l, const struct bench_spec *spec, struct bench_result *res,
			struct strbuf *err)
{
	json_t *doc;
	char *text;
	const struct verdict_result *vr = &res->vr;
	double ratio = bench_ratio_of_medians(spec, res);
	/* a calibration (A/A) measures noise: it has no verdict to record */
	int ok = res->has_verdict && res->status == BENCH_DONE && strcmp(spec->kind, "calibrate");
	int r;
	res->finished = now_wall();
	cross_checks(spec, res);
	doc = bench_json(spec, res);
	text = json_dumps(doc, JSON_COMPACT);
	write_index(res);
	r = ledger_exec(l, err,
			"UPDATE benches SET finished = ?, status = ?, verdict = ?, early_reject = ?, "
			"pairs = ?, ratio = ?, ratio_mean = ?, ratio_lo = ?, ratio_hi = ?, level = ?, "
			"sigma = ?, sigma_source = ?, result = ?, message = ?, metric = ?, "
			"metric_source = ?, contradiction = ? WHERE id = ?",
			"dttii" "ddddd" "dttttt" "ti", res->finished,
			bench_status_name(res->status),
			ok ? verdict_name(vr->verdict) : NULL, (int64_t)(ok && vr->early_reject),
			(int64_t)res->npairs, ratio > 0 ? ratio : NAN,
			res->npairs ? exp(vr->mean) : NAN, isfinite(vr->lo) ? exp(vr->lo) : NAN,
			isfinite(vr->hi) ? exp(vr->hi) : NAN, vr->level,
			res->has_verdict ? vr->sigma : NAN,
			res->has_verdict ? noise_source_name(vr->source) : NULL, text, res->invalid,
			spec->metric->name, bench_metric_source(spec), res->contradiction, res->id);
	free(text);
	json_decref(doc);
	return r;
}

const char *bench_metric_source(const struct bench_spec *spec)
{
	if (spec->metric->counter != COUNTER_INSTRUCTIONS + 1)
		return NULL;
	return spec->valgrind ? "valgrind" : "pmu";
}

/*
 * Valgrind's count depends on the bytes of the environment: both sides get
 * their artifact at paths of the same length, <log dir>/valgrind/A/NAME and
 * .../B/NAME (a hard link, else a copy), NAME the candidate's file name for
 * both (a harness may look at its extension). Returns the path, or NULL
 * with err.
 */
static char *valgrind_artifact(const char *log_dir, char side, const char *path,
			       const char *name, struct strbuf *err)
{
	char *dir = xstrfmt("%s/valgrind/%c", log_dir, side);
	char *dest = xstrfmt("%s/%s", dir, name);
	if (mkdir_p(dir, 0755)) {
		strbuf_addf(err, "cannot create '%s': %s", dir, strerror(errno));
		free(dest);
		dest = NULL;
	} else if (link(path, dest) && file_copy_atomic(path, dest, 0755, err)) {
		free(dest);
		dest = NULL;
	}
	free(dir);
	return dest;
}

/*
 * A native run's metrics: the counters that counted, and the harness's own
 * (its output's [metrics] regexes, its metrics file). 0, or -1 with err
 * saying why the run is invalid (a metric it must report is missing).
 */
static int native_metrics(const struct bench_spec *spec, struct bench_result *res,
			  struct bench_run *r, const struct child *c, const char *metrics_file,
			  struct strbuf *err)
{
	static const struct hmetric_rules none = HMETRIC_RULES_INIT;
	const struct hmetric_rules *rules = spec->rules ? spec->rules : &none;
	struct hmetric_set set = HMETRIC_SET_INIT;
	struct strbuf out = STRBUF_INIT;
	const char *missing;
	int ret = -1;

	for (int id = 0; id < COUNTER__N; id++) {
		if (!(c->counts.valid & COUNTER_BIT(id)))
			continue;
		res->counters_seen |= COUNTER_BIT(id);
		r->v[BENCH_MI_COUNTER + id] = (double)c->counts.value[id];
	}
	if (c->status != 0)
		return 0; /* a failed run stops the bench: what it reported means nothing */
	if (rules->nr) {
		/* stdout then stderr, as the rules are documented; lines never join */
		if (strbuf_read_range(&out, r->log_out, r->out_off, r->out_len) ||
		    (out.len && out.buf[out.len - 1] != '\n' && (strbuf_addch(&out, '\n'), 0)) ||
		    strbuf_read_range(&out, r->log_err, r->err_off, r->err_len)) {
			strbuf_addf(err, "cannot read the run's output back: %s", strerror(errno));
			goto out;
		}
	}
	if (hmetrics_collect(rules, out.buf, out.len, metrics_file, &set, err))
		goto out;
	if ((missing = hmetrics_missing(&set, spec->required))) {
		hmetrics_missing_message(rules, &set, missing, err);
		goto out;
	}
	for (size_t i = 0; i < set.nr; i++) {
		const struct metric *m = metric_lookup(set.v[i].name);
		size_t k = bench_metric_index(res, m);
		if (k >= r->nv) {
			r->v = xrealloc(r->v, (k + 1) * sizeof(double));
			while (r->nv <= k)
				r->v[r->nv++] = NAN;
		}
		r->v[k] = set.v[i].value;
	}
	ret = 0;
out:
	hmetric_set_release(&set);
	strbuf_release(&out);
	return ret;
}

/* A valgrind run's instruction count. 0, or -1 with err (the run is invalid). */
static int valgrind_metrics(struct bench_run *r, const char *vg_out, struct strbuf *err)
{
	struct valgrind_result vr;
	if (r->status != 0)
		return 0;
	if (valgrind_collect(vg_out, &vr, err))
		return -1;
	if (vr.incomplete) {
		strbuf_addf(err,
			    "%d of its %d processes under valgrind (pid %ld first) wrote no "
			    "instruction count: killed before they exited, so the count is "
			    "incomplete; valgrind's logs are in '%s'",
			    vr.incomplete, vr.processes, vr.incomplete_pid, vg_out);
		return -1;
	}
	r->v[BENCH_MI_COUNTER + COUNTER_INSTRUCTIONS] = (double)vr.instructions;
	return 0;
}

int bench_execute(struct ledger *l, const struct bench_spec *spec, const struct bench_hooks *hooks,
		  struct bench_result *res, struct strbuf *err)
{
	struct planned *plan = NULL;
	struct tick_state ts;
	char *log_dir = NULL, *env_a = NULL, *env_b = NULL, *vg_env_a = NULL, *vg_env_b = NULL;
	char *vg_a = NULL, *vg_b = NULL, *vg_out = NULL, *mfile = NULL, **cmd = NULL;
	const char **envv = NULL;
	size_t nextra = 0, vmi;
	int total, ret = -1;
	double la[3], hist_per_run, last_flush = now_mono();
	size_t recorded = 0;
	int out_fd = -1, err_fd = -1;
	long out_end = 0, err_end = 0;
	struct counter_set cset;
	struct run_writer writer = { NULL, NULL };

	memset(res, 0, sizeof(*res));
	memset(&ts, 0, sizeof(ts));
	counters_init(&cset); /* nothing to close before counters_start() */
	res->started = now_wall();
	res->loadavg = getloadavg(la, 1) == 1 ? la[0] : -1;
	res->d = xcalloc((size_t)spec->max_pairs + 1, sizeof(double));
	res->dcpu = xcalloc((size_t)spec->max_pairs + 1, sizeof(double));
	for (const struct metric *m = metrics; m->name; m++)
		bench_metric_index(res, m); /* wall, cpu, then the counters in id order */
	vmi = bench_metric_index(res, spec->metric);
	verdict_plan(&spec->vp, spec->max_pairs, &res->plan);

	res->id = ledger_insert(l, err,
				"INSERT INTO benches(kind, key, host, dir, command, started, status, "
				"candidate_id, baseline_artifact_id, baseline_id, max_pairs, warmup, "
				"owner_pid, owner_start, owner_host, metric, metric_source, guard) "
				"VALUES (?,?,?,?,?,?,'running',NULLIF(?,0),NULLIF(?,0),NULLIF(?,0),"
				"?,?,?,?,?,?,?,?)",
				"tttttdiiiii" "iitttt", spec->kind, spec->key, host_name(),
				spec->dir,
				spec->command, res->started, spec->cand_id, spec->base_id,
				spec->baseline_id, (int64_t)spec->max_pairs, (int64_t)spec->warmup,
				ledger_owner()->pid, ledger_owner()->start, ledger_owner()->host,
				spec->metric->name, bench_metric_source(spec), spec->guard);
	if (res->id < 0)
		goto out;
	log_dir = xstrfmt("%s/bench-%lld", spec->log_root, (long long)res->id);
	if (mkdir_p(log_dir, 0755)) {
		strbuf_addf(err, "cannot create log directory '%s': %s", log_dir, strerror(errno));
		goto out;
	}
	/*
	 * One stdout and one stderr log per bench, each run a byte range of
	 * them (in the ledger, and in the index file written at the end):
	 * creating two files, or even writing a header line, per run would cost
	 * more than the runs of a fast harness.
	 */
	res->log_out = xstrfmt("%s/stdout.log", log_dir);
	res->log_err = xstrfmt("%s/stderr.log", log_dir);
	out_fd = open(res->log_out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	err_fd = open(res->log_err, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out_fd < 0 || err_fd < 0) {
		strbuf_addf(err, "cannot create log '%s': %s", out_fd < 0 ? res->log_out : res->log_err,
			    strerror(errno));
		goto out;
	}
	/*
	 * $PERFLOOP_METRICS_FILE: one file per run, named with a fixed-width
	 * run number so the environment has the same bytes' length in every
	 * run (valgrind's counts depend on it).
	 */
	mfile = xstrfmt("%s/metrics/", log_dir);
	if (mkdir_p(mfile, 0755)) {
		strbuf_addf(err, "cannot create '%s': %s", mfile, strerror(errno));
		goto out;
	}
	free(mfile);
	mfile = xstrfmt(HMETRICS_FILE_ENV "=%s/metrics/run-000000", log_dir);
	if (spec->valgrind) {
		if (!(cmd = cmd_argv(spec->command))) {
			strbuf_addstr(err, "bench.command is empty");
			goto out;
		}
		vg_out = xstrfmt("%s/valgrind/out", log_dir);
		const char *name = path_basename(spec->cand_path);
		if (!(vg_b = valgrind_artifact(log_dir, 'B', spec->cand_path, name, err)) ||
		    (spec->base_path &&
		     !(vg_a = valgrind_artifact(log_dir, 'A', spec->base_path, name, err))))
			goto out;
		vg_env_b = xstrfmt("%s=%s", spec->env_name, vg_b);
		if (vg_a)
			vg_env_a = xstrfmt("%s=%s", spec->env_name, vg_a);
	}

	for (const char *const *e = spec->extra_env; e && *e; e++)
		nextra++;
	envv = xcalloc(nextra + 3, sizeof(*envv));
	envv[1] = mfile;
	for (size_t i = 0; i < nextra; i++)
		envv[i + 2] = spec->extra_env[i];
	env_b = xstrfmt("%s=%s", spec->env_name, spec->cand_path);
	if (spec->base_path)
		env_a = xstrfmt("%s=%s", spec->env_name, spec->base_path);

	plan = plan_runs(spec, &total);
	ts.hooks = hooks;
	ts.bench_start = now_mono();
	ts.prog.total = total;
	if (ledger_real(l, err, &hist_per_run, -1,
			"SELECT avg(wall) FROM (SELECT r.wall FROM runs r JOIN benches b "
			"ON b.id = r.bench_id WHERE b.key = ? AND r.status = 0 AND "
			"r.warmup = 0 ORDER BY r.id DESC LIMIT 20)",
			"t", spec->key))
		goto out;
	ts.per_run = hist_per_run;

	/*
	 * The counters stay open for the whole bench, read around each native
	 * run: opening them per run would cost more than a fast harness's run.
	 * Counters this machine lacks are simply not open.
	 */
	if (counters_start(&cset, spec->counters, err))
		goto out;
	res->status = BENCH_DONE;
	proc_signals_hold();
	for (int i = 0; i < total; i++) {
		struct child c = CHILD_INIT;
		struct bench_run *r;
		struct strbuf why = STRBUF_INIT;
		char **vg_argv = NULL;
		char *mpath = strchr(mfile, '=') + 1;
		int bad;

		ALLOC_GROW(res->runs, res->nr + 1, res->alloc);
		r = &res->runs[res->nr];
		memset(r, 0, sizeof(*r));
		r->side = plan[i].side;
		r->pair = plan[i].pair;
		r->warmup = plan[i].warmup;
		r->valgrind = plan[i].valgrind;
		r->log_out = res->log_out;
		r->log_err = res->log_err;
		r->nv = res->nmets;
		r->v = xmalloc(r->nv * sizeof(double));
		for (size_t k = 0; k < r->nv; k++)
			r->v[k] = NAN;
		/* the logs are ours and O_APPEND: their ends are known without a seek */
		r->out_off = out_end;
		r->err_off = err_end;
		/* same width: the number fills the zeros (a new directory: no such file yet) */
		{
			char num[16];
			snprintf(num, sizeof(num), "%06d", (i + 1) % 1000000);
			memcpy(mpath + strlen(mpath) - 6, num, 6);
		}
		if (i >= 999999)
			unlink(mpath); /* the numbers came round */

		if (r->valgrind) {
			envv[0] = r->side == 'A' ? vg_env_a : vg_env_b;
			if (valgrind_prepare_dir(vg_out, &why)) {
				strbuf_addbuf(err, &why);
				strbuf_release(&why);
				res->status = BENCH_FAILED;
				if (!flush_runs(l, &writer, res, &recorded, &why))
					finish_bench(l, spec, res, &why);
				goto out;
			}
			vg_argv = valgrind_wrap(spec->valgrind_program, vg_out,
						(const char *const *)cmd);
			c.argv = (const char *const *)vg_argv;
			/* seconds of native run are minutes under valgrind */
			c.timeout = spec->timeout * VALGRIND_SLOWDOWN_MAX;
		} else {
			envv[0] = r->side == 'A' ? env_a : env_b;
			c.cmd = spec->command;
			c.timeout = spec->timeout;
			c.counters = cset.open ? &cset : NULL;
		}
		c.dir = spec->dir;
		c.env = envv;
		c.fds_given = 1;
		c.out_fd = out_fd;
		c.err_fd = err_fd;
		c.stop_leftovers = 1;
		c.tick = on_tick;
		c.tick_data = &ts;
		c.cpus = spec->cpus;
		c.no_aslr = spec->no_aslr;

		ts.prog.run = i + 1;
		ts.prog.side = r->side;
		ts.prog.warmup = r->warmup;
		on_tick(&ts, 0);

		r->started = now_wall();
		if (child_run(&c, &why)) {
			strbuf_addf(err, "cannot run '%s' in '%s': %s", spec->command, spec->dir,
				    why.buf);
			strbuf_release(&why);
			cmd_free_words(vg_argv);
			res->status = BENCH_FAILED;
			if (!flush_runs(l, &writer, res, &recorded, &why))
				finish_bench(l, spec, res, &why);
			goto out;
		}
		cmd_free_words(vg_argv);
		out_end = (long)lseek(out_fd, 0, SEEK_END);
		err_end = (long)lseek(err_fd, 0, SEEK_END);
		r->out_len = out_end - r->out_off;
		r->err_len = err_end - r->err_off;
		r->wall = c.wall;
		r->user = c.user;
		r->sys = c.sys;
		r->max_rss_kb = c.max_rss_kb;
		r->status = c.status;
		if (!r->valgrind) {
			r->v[BENCH_MI_WALL] = c.wall;
			r->v[BENCH_MI_CPU] = c.user + c.sys;
		}
		bad = c.interrupted || c.timed_out
			      ? 0
			      : r->valgrind ? valgrind_metrics(r, vg_out, &why)
					    : native_metrics(spec, res, r, &c, mpath, &why);
		/* times are never 0 in a ratio (below); counts and harness metrics must be > 0 */
		if (!bad && !r->warmup && r->status == 0 && !r->valgrind == !spec->valgrind &&
		    spec->metric->kind != METRIC_TIME && !(bench_run_value(r, vmi) > 0)) {
			strbuf_addf(&why, "its %s is %s: a verdict needs values above 0",
				    spec->metric->name,
				    isfinite(bench_run_value(r, vmi)) ? "not above 0" : "missing");
			bad = -1;
		}
		res->nr++;
		if (bad) {
			res->invalid = xstrfmt("run %zu (%c) of bench %lld is invalid: %s", res->nr,
					       r->side, (long long)res->id, why.buf);
			res->status = BENCH_FAILED;
			res->failed = r;
		}
		strbuf_release(&why);
		if (c.leftovers && !res->leftover_runs++) {
			res->leftover_run = res->nr;
			res->leftover_pid = c.leftover_pid;
			snprintf(res->leftover_comm, sizeof(res->leftover_comm), "%s",
				 c.leftover_comm);
		}
		if ((r->wall > 0.05 || now_mono() - last_flush > 0.25 || c.status != 0 ||
		     c.interrupted || c.timed_out || bad)) {
			if (flush_runs(l, &writer, res, &recorded, err))
				goto out;
			last_flush = now_mono();
		}

		if (bad)
			break;
		if (c.interrupted) {
			res->status = BENCH_INTERRUPTED;
			res->failed = r;
			break;
		}
		if (c.timed_out) {
			res->status = BENCH_TIMEOUT;
			res->failed = r;
			break;
		}
		if (c.status != 0) {
			res->status = BENCH_FAILED;
			res->failed = r;
			res->exec_failed = c.exec_failed;
			break;
		}

		if (hist_per_run < 0) {
			double sum = 0;
			for (size_t j = 0; j < res->nr; j++)
				sum += res->runs[j].wall;
			ts.per_run = sum / (double)res->nr;
		}

		/* a judged pair is complete when its second run finished */
		if (!r->warmup && spec->base_path && res->nr >= 2 &&
		    !r->valgrind == !spec->valgrind &&
		    res->runs[res->nr - 2].pair == r->pair && !res->runs[res->nr - 2].warmup &&
		    !res->runs[res->nr - 2].valgrind == !r->valgrind) {
			const struct bench_run *x = &res->runs[res->nr - 2];
			const struct bench_run *ra = r->side == 'A' ? r : x, *rb = r->side == 'B' ? r : x;
			double cpu = log(fmax(rb->user + rb->sys, 1e-6) / fmax(ra->user + ra->sys, 1e-6));
			double sum = 0;
			/* wall's witness for the early reject: the CPU time the harness used */
			int witness = spec->metric == METRIC_WALL;
			res->dcpu[res->npairs] = cpu;
			res->d[res->npairs++] = log(fmax(bench_run_value(rb, vmi), 1e-6) /
						    fmax(bench_run_value(ra, vmi), 1e-6));
			for (int k = 0; k < res->npairs; k++)
				sum += res->d[k];
			ts.prog.ratio = exp(sum / res->npairs);
			res->has_verdict = 1;
			if (verdict_eval_cpu(&spec->vp, res->d, witness ? res->dcpu : NULL,
					     res->npairs, &res->vr) != VERDICT_CONTINUE &&
			    !spec->all_pairs)
				break;
		}
	}
	if (res->has_verdict && res->vr.verdict == VERDICT_CONTINUE)
		res->vr.verdict = VERDICT_INCONCLUSIVE;
	if (flush_runs(l, &writer, res, &recorded, err) || finish_bench(l, spec, res, err))
		goto out;
	ret = 0;
out:
	proc_signals_release();
	counters_abort(&cset);
	run_writer_release(&writer);
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	/* the copies of the artifacts: hard links or copies of what the store or worktree has */
	if (vg_a)
		unlink(vg_a);
	if (vg_b)
		unlink(vg_b);
	free(plan);
	free(log_dir);
	free(env_a);
	free(env_b);
	free(vg_env_a);
	free(vg_env_b);
	free(vg_a);
	free(vg_b);
	free(vg_out);
	free(mfile);
	cmd_free_words(cmd);
	free(envv);
	return ret;
}

void bench_result_release(struct bench_result *res)
{
	for (size_t i = 0; i < res->nr; i++)
		free(res->runs[i].v);
	free(res->log_out);
	free(res->log_err);
	free(res->runs);
	free(res->d);
	free(res->dcpu);
	free(res->invalid);
	free(res->mets);
	free(res->cross);
	free(res->contradiction);
	memset(res, 0, sizeof(*res));
}

size_t bench_calibration_noise(const struct bench_spec *spec, const struct bench_result *res,
			       struct bench_noise **out)
{
	double *d = xmalloc((res->nr + 1) * sizeof(double));
	size_t n = 0;
	*out = xcalloc(res->nmets + 1, sizeof(**out));
	/* the verdict's metric first, then the table's order */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < res->nmets; i++) {
			const struct metric *m = res->mets[i];
			int vg = bench_metric_valgrind(spec, m);
			struct noise_pool np = { 0, 0 };
			size_t k;
			if (!m->cost || (m == spec->metric) != !pass)
				continue;
			k = bench_pairs_of(res, i, vg, d);
			noise_pool_add(&np, d, k);
			if (np.df < 1)
				continue;
			(*out)[n++] = (struct bench_noise){ m, vg, (int)k, noise_pool_sigma(&np),
							    np.df };
		}
	}
	free(d);
	return n;
}

int bench_save_calibration(struct ledger *l, const struct bench_spec *spec,
			   const struct bench_result *res, struct strbuf *err)
{
	struct bench_noise *noise;
	size_t n = bench_calibration_noise(spec, res, &noise);
	int ret = 0;
	if (!n || noise[0].m != spec->metric) {
		strbuf_addf(err, "a calibration needs at least 2 complete pairs with %s values",
			    spec->metric->name);
		free(noise);
		return -1;
	}
	if (ledger_begin(l, err)) {
		free(noise);
		return -1;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		const struct bench_noise *x = &noise[i];
		ret = ledger_exec(l, err,
				  "INSERT INTO calibrations(bench_id, key, host, pairs, ss, df, "
				  "sigma, created, metric, tool) VALUES (?,?,?,?,?,?,?,?,?,?)",
				  "ittiddddtt", res->id, spec->key, host_name(), (int64_t)x->pairs,
				  x->sigma * x->sigma * x->df, x->df, x->sigma, now_wall(),
				  x->m->name, x->valgrind ? "valgrind" : NULL);
	}
	free(noise);
	if (ret) {
		sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return ledger_commit(l, err);
}

int bench_run_metrics_json(struct ledger *l, int64_t bench, json_t **out, struct strbuf *err)
{
	sqlite3_stmt *st = ledger_query(l, err,
					"SELECT r.seq, m.name, m.value FROM run_metrics m "
					"JOIN runs r ON r.id = m.run_id WHERE r.bench_id = ? "
					"ORDER BY r.seq, m.name",
					"i", bench);
	int rc;
	*out = json_object();
	if (!st)
		return -1;
	while ((rc = ledger_step(l, st, err)) > 0) {
		char seq[24];
		json_t *o;
		snprintf(seq, sizeof(seq), "%lld", (long long)sqlite3_column_int64(st, 0));
		if (!(o = json_object_get(*out, seq))) {
			o = json_object();
			json_object_set_new(*out, seq, o);
		}
		json_object_set_new(o, col_text(st, 1), json_real(sqlite3_column_double(st, 2)));
	}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

static void read_bench_row(sqlite3_stmt *st, void *row)
{
	struct bench_row *b = row;
	b->id = sqlite3_column_int64(st, 0);
	b->started = sqlite3_column_double(st, 1);
	b->kind = xstrdup(col_text(st, 2));
	b->status = xstrdup(col_text(st, 3));
	b->verdict = col_dup(st, 4);
	b->ratio = sqlite3_column_type(st, 5) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 5);
	b->pairs = sqlite3_column_int(st, 6);
	b->cand_hash = xstrdup(col_text(st, 7));
	b->base_hash = col_dup(st, 8);
	b->baseline_name = col_dup(st, 9);
	b->early_reject = sqlite3_column_int(st, 10);
	b->result = col_dup(st, 11);
	b->guard = col_dup(st, 12);
}

static void release_bench_row(void *row)
{
	struct bench_row *b = row;
	free(b->kind);
	free(b->status);
	free(b->verdict);
	free(b->cand_hash);
	free(b->base_hash);
	free(b->baseline_name);
	free(b->result);
	free(b->guard);
}

int bench_list(struct ledger *l, long limit, struct bench_row **out, size_t *nr,
	       struct strbuf *err)
{
	*out = ledger_rows(l,
			   ledger_query(l, err,
					"SELECT b.id, b.started, b.kind, b.status, b.verdict, b.ratio, "
					"b.pairs, ca.hash, ba.hash, bl.name, b.early_reject, b.result, "
					"b.guard "
					"FROM benches b LEFT JOIN artifacts ca ON ca.id = b.candidate_id "
					"LEFT JOIN artifacts ba ON ba.id = b.baseline_artifact_id "
					"LEFT JOIN baselines bl ON bl.id = b.baseline_id "
					"ORDER BY b.id DESC LIMIT ?",
					"i", (int64_t)limit),
			   sizeof(**out), read_bench_row, release_bench_row, nr, err);
	return *out ? 0 : -1;
}

void bench_rows_free(struct bench_row *rows, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		release_bench_row(&rows[i]);
	free(rows);
}

int bench_load(struct ledger *l, int64_t id, char **result, char **status, char **message,
	       struct strbuf *err)
{
	sqlite3_stmt *st = ledger_query(l, err,
					"SELECT result, status, message FROM benches WHERE id = ?", "i",
					id);
	int rc;
	*result = *status = *message = NULL;
	if (!st)
		return -1;
	if ((rc = ledger_step(l, st, err)) > 0) {
		*result = col_dup(st, 0);
		*status = xstrdup(col_text(st, 1));
		*message = col_dup(st, 2);
	}
	sqlite3_finalize(st);
	return rc;
}

static void read_run_row(sqlite3_stmt *st, void *row)
{
	struct bench_run_row *r = row;
	r->seq = sqlite3_column_int(st, 0);
	r->side = xstrdup(col_text(st, 1));
	r->pair = sqlite3_column_int(st, 2);
	r->warmup = sqlite3_column_int(st, 3);
	r->wall = sqlite3_column_double(st, 4);
	r->user = sqlite3_column_double(st, 5);
	r->sys = sqlite3_column_double(st, 6);
	r->max_rss_kb = sqlite3_column_int64(st, 7);
	r->status = sqlite3_column_int(st, 8);
	r->log_out = xstrdup(col_text(st, 9));
	r->log_err = xstrdup(col_text(st, 10));
	r->started = sqlite3_column_double(st, 11);
	r->out_off = sqlite3_column_int64(st, 12);
	r->out_len = sqlite3_column_int64(st, 13);
	r->err_off = sqlite3_column_int64(st, 14);
	r->err_len = sqlite3_column_int64(st, 15);
	r->tool = col_dup(st, 16);
}

static void release_run_row(void *row)
{
	struct bench_run_row *r = row;
	free(r->side);
	free(r->log_out);
	free(r->log_err);
	free(r->tool);
}

int bench_load_runs(struct ledger *l, int64_t id, struct bench_run_row **out, size_t *nr,
		    struct strbuf *err)
{
	*out = ledger_rows(l,
			   ledger_query(l, err,
					"SELECT seq, side, pair, warmup, wall, user, sys, max_rss_kb, "
					"status, log_out, log_err, started, out_off, out_len, err_off, "
					"err_len, tool FROM runs WHERE bench_id = ? ORDER BY seq",
					"i", id),
			   sizeof(**out), read_run_row, release_run_row, nr, err);
	return *out ? 0 : -1;
}

void bench_run_rows_free(struct bench_run_row *rows, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		release_run_row(&rows[i]);
	free(rows);
}
