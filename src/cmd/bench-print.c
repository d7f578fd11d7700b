/*
 * bench-print.c: the bench as the commands show it (bench, calibrate, try,
 * show): the progress line, the human table of a bench document, hyperfine's
 * export format, and why a bench stopped.
 */
#include "cmd/bench-print.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench-doc.h"
#include "bench-prepare.h"
#include "cmd/cmd.h"
#include "doctor.h"
#include "metric.h"
#include "stats.h"
#include "valgrind.h"
#include "banned.h"

static void on_progress(void *data, const struct bench_progress *p)
{
	char el[32], eta[32];
	(void)data;
	if (p->ratio > 0)
		progress_line("run %d of %d (%c%s)  %s elapsed  ETA %s  B/A so far %.3f", p->run,
			      p->total, p->side, p->warmup ? ", warmup" : "",
			      fmt_secs(el, sizeof(el), p->elapsed),
			      p->eta < 0 ? "?" : fmt_secs(eta, sizeof(eta), p->eta), p->ratio);
	else
		progress_line("run %d of %d (%c%s)  %s elapsed  ETA %s", p->run, p->total, p->side,
			      p->warmup ? ", warmup" : "", fmt_secs(el, sizeof(el), p->elapsed),
			      p->eta < 0 ? "?" : fmt_secs(eta, sizeof(eta), p->eta));
}

const struct bench_hooks bench_progress_hooks = { on_progress, NULL };

/* Median of a series, NAN when it has no value. */
static double series_median(const struct bench_series *x)
{
	return x && x->n ? median_of(x->x, x->n) : NAN;
}

/* Is a metric shown as a median column of the side table (not the verdict's, not a counter)? */
static int table_column(const struct bench_view *v, const struct metric *m)
{
	return m != v->metric && (m->counter == 0 || m->cost) && strcmp(m->name, "task-clock");
}

/* Metrics of a side table's other columns: in both sides' series, in order of appearance. */
static size_t other_columns(const struct bench_view *v, const struct metric **out, size_t max)
{
	size_t n = 0;
	const struct bench_view_side *sides[] = { &v->a, &v->b };
	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i < sides[k]->nseries; i++) {
			const struct metric *m = sides[k]->series[i].m;
			size_t j = 0;
			if (!table_column(v, m))
				continue;
			while (j < n && out[j] != m)
				j++;
			if (j == n && n < max)
				out[n++] = m;
		}
	}
	return n;
}

/* Width of a column headed h: at least 9. */
static int colw(const char *h)
{
	int n = (int)strlen(h);
	return n < 9 ? 9 : n;
}

/*
 * One side's row: the verdict metric's median, min, max and CV, then the
 * median of every other metric, peak RSS and the number of runs judged.
 */
static void side_row(const char *label, const struct bench_view *v,
		     const struct bench_view_side *s, const struct metric **cols, size_t ncols)
{
	int vg = v->metric_source && !strcmp(v->metric_source, "valgrind");
	const struct bench_series *x = bench_view_series(s, v->metric, vg);
	char med[32], mn[32], mx[32], rss[32];
	struct strbuf h = STRBUF_INIT;
	struct summary sm;
	if (!x || !x->n) {
		printf("%-12s  (no complete runs)\n", label);
		return;
	}
	summarize(x->x, x->n, &sm);
	strbuf_setf(&h, "%s median", v->metric->name);
	printf("%-12s %*s", label, colw(h.buf),
	       metric_format(v->metric, sm.median, med, sizeof(med)));
	strbuf_setf(&h, "%s min", v->metric->name);
	printf(" %*s", colw(h.buf), metric_format(v->metric, sm.min, mn, sizeof(mn)));
	strbuf_setf(&h, "%s max", v->metric->name);
	printf(" %*s", colw(h.buf), metric_format(v->metric, sm.max, mx, sizeof(mx)));
	strbuf_setf(&h, "%s CV", v->metric->name);
	printf(" %*.*f%%", colw(h.buf) - 1, 1, sm.mean > 0 ? 100 * sm.stddev / sm.mean : 0);
	for (size_t i = 0; i < ncols; i++) {
		strbuf_setf(&h, "%s median", cols[i]->name);
		printf(" %*s", colw(h.buf),
		       metric_format(cols[i], series_median(bench_view_series(s, cols[i], 0)), med,
				     sizeof(med)));
	}
	printf(" %10s %4zu\n",
	       isfinite(s->rss_median) ? fmt_kb(rss, sizeof(rss), s->rss_median) : "-", x->n);
	strbuf_release(&h);
}

/* The header over side_row()s: every figure names its metric. */
static void side_header(const struct bench_view *v, const struct metric **cols, size_t ncols)
{
	static const char *const stat[] = { "median", "min", "max", "CV" };
	struct strbuf sb = STRBUF_INIT;
	printf("\n%-12s", "");
	for (size_t i = 0; i < ARRAY_SIZE(stat); i++) {
		strbuf_setf(&sb, "%s %s", v->metric->name, stat[i]);
		printf(" %*s", colw(sb.buf), sb.buf);
	}
	for (size_t i = 0; i < ncols; i++) {
		strbuf_setf(&sb, "%s median", cols[i]->name);
		printf(" %*s", colw(sb.buf), sb.buf);
	}
	printf(" %10s %4s\n", "max RSS", "runs");
	strbuf_release(&sb);
}

/* The counters' medians of a side's native runs, compactly: contention signs. */
static void counters_row(const char *label, const struct bench_view_side *s)
{
	static const char *const names[] = { "task-clock", "context-switches", "cpu-migrations",
					     "page-faults" };
	int any = 0;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const struct metric *m = metric_find(names[i]);
		const struct bench_series *x = bench_view_series(s, m, 0);
		char buf[32];
		if (!x || !x->n)
			continue;
		printf("%s%s %s", any++ ? ", " : label, metric_format(m, series_median(x), buf,
								     sizeof(buf)),
		       names[i]);
	}
	if (any)
		printf("\n");
}

static const char *verdict_words(const char *v)
{
	if (!strcmp(v, "faster"))
		return "faster: the whole interval is below -margin";
	if (!strcmp(v, "slower"))
		return "slower: the whole interval is above +margin";
	if (!strcmp(v, "same"))
		return "same: the whole interval is inside +-margin";
	return "inconclusive: the interval straddles the margin; run more pairs "
	       "(--runs) or calibrate the noise";
}

/* Where the noise came from, in words (a calibration's own pairs aside). */
static const char *noise_words(const char *source)
{
	if (!strcmp(source, "history"))
		return "A/A calibrations on this host";
	if (!strcmp(source, "pairs (history too quiet)"))
		return "the pairs spread more than the A/A history measured: the load changed "
		       "since calibrating; run 'perfloop calibrate' again under this load";
	if (!strcmp(source, "pairs") || !strcmp(source, "floor"))
		return "no A/A history: run 'perfloop calibrate' for sharper verdicts";
	return "as recorded";
}

void plan_sentence(int pairs, int history, double sigma, double mde, const struct metric *m,
		   struct strbuf *out)
{
	strbuf_addf(out, "%d pair%s at %.2f%% per pair (%s, %s) ", pairs, pairs == 1 ? "" : "s",
		    100 * sigma, m->name,
		    history ? "A/A history" : "the noise floor: no A/A history, a best case");
	if (isfinite(mde))
		strbuf_addf(out, "detect >= %.1f%% (%.0f%% power)", 100 * mde, 100 * VERDICT_POWER);
	else
		strbuf_addf(out, "detect nothing: a verdict needs %d pairs%s", history ? 3 : 2,
			    pairs == 1 ? " (only the early reject can decide)" : "");
}

void plan_warning(int pairs, double mde, double margin, double target, int needed,
		  struct strbuf *out)
{
	strbuf_addf(out, "bench.margin is %.1f%%, but ", 100 * margin);
	if (isfinite(mde))
		strbuf_addf(out, "%d pairs detect only changes >= %.1f%%: smaller ones will mostly "
			    "end inconclusive",
			    pairs, 100 * mde);
	else
		strbuf_addf(out, "%d pairs detect nothing", pairs);
	if (needed)
		strbuf_addf(out, "; %d pairs detect %.1f%% (--runs %d)", needed, 100 * target,
			    needed);
	else
		strbuf_addf(out, "; no number of pairs detects %.1f%% with this noise",
			    100 * target);
}

/* A cross-check interval whose ends differ by more than this factor is not printed. */
#define CROSS_TOO_WIDE 4.0

static void print_cross(const struct bench_view *v)
{
	if (!v->ncross)
		return;
	printf("cross-checks each metric's B/A over its own pairs (contradicts: calibrated, and "
	       "its interval excludes 1 against the verdict)\n");
	for (size_t i = 0; i < v->ncross; i++) {
		const struct bench_view_cross *x = &v->cross[i];
		printf("  %-16s median ratio %.4f, mean ratio %.4f", x->m->name, x->ratio,
		       x->ratio_mean);
		if (isfinite(x->lo) && isfinite(x->hi) && x->hi > CROSS_TOO_WIDE * x->lo)
			/* honest but useless digits: [0.0002, 4747.9] says nothing */
			printf(" (interval wider than ×%g: too noisy to tell)", CROSS_TOO_WIDE);
		else if (isfinite(x->lo) && isfinite(x->hi))
			printf(" [%.4f, %.4f] (%.1f%% interval, %s)", x->lo, x->hi, 100 * x->level,
			       x->noise ? x->noise : "?");
		else
			printf(" (no interval: %s)", x->calibrated ? "too few pairs"
								   : "one pair, not calibrated");
		printf(", %d pair%s%s%s\n", x->pairs, x->pairs == 1 ? "" : "s",
		       x->valgrind ? ", under valgrind" : "",
		       x->contradicts ? "  <-- contradicts the verdict" : "");
	}
}

void print_bench_doc(json_t *doc)
{
	struct bench_view v;
	struct strbuf err = STRBUF_INIT, sb = STRBUF_INIT;
	const char *bold = color(1, "\033[1m"), *reset = color(1, "\033[m");
	const struct metric *cols[16];
	size_t ncols;
	int aa;
	if (bench_doc_read(doc, &v, &err)) {
		printf("bench %lld: %s\n",
		       (long long)json_integer_value(json_object_get(doc, "id")), err.buf);
		strbuf_release(&err);
		return;
	}
	/* a calibration runs the baseline on both sides: noise, not a change */
	aa = v.calibration;
	ncols = other_columns(&v, cols, ARRAY_SIZE(cols));

	{
		/* a guard's bench says so; older documents have no benchmark: the target's */
		const char *g = json_string_value(json_object_get(doc, "benchmark"));
		printf("%sbench %lld%s (%s%s%s%s) in %s\n", bold, (long long)v.id, reset, v.kind,
		       g && strcmp(g, "target") ? ", guard '" : "",
		       g && strcmp(g, "target") ? g : "", g && strcmp(g, "target") ? "'" : "",
		       v.dir);
	}
	printf("  %s\n", v.command);
	side_header(&v, cols, ncols);
	if (v.a.present)
		side_row(aa ? "A" : "A baseline", &v, &v.a, cols, ncols);
	side_row(aa ? "B (same)" : v.a.present ? "B candidate" : "candidate", &v, &v.b, cols,
		 ncols);
	if (v.a.present)
		counters_row("counters A   ", &v.a);
	counters_row(v.a.present ? "counters B   " : "counters     ", &v.b);
	if (v.a.vg_runs || v.b.vg_runs)
		printf("(%s from the runs under valgrind; every other figure from %zu native run%s "
		       "a side: valgrind's own times are not the harness's and are not shown)\n",
		       v.metric->name, v.b.runs, v.b.runs == 1 ? "" : "s");
	printf("\n");
	printf("metric       %s: the verdict judges %s (bench.metric)", v.metric->name,
	       v.metric->title);
	if (v.metric_source)
		printf(", counted by %s", !strcmp(v.metric_source, "pmu") ? "hardware counters"
									  : "valgrind");
	printf("\n");
	if (v.a.present) {
		if (!isfinite(v.ratio)) {
			printf("%s          no ratio: a side has no run that exited 0\n",
			       aa ? "A/A" : "B/A");
		} else {
			printf("%s          %s median ratio %.4f", aa ? "A/A" : "B/A",
			       v.metric->name, v.ratio);
			if (isfinite(v.lo) && !v.early_reject)
				printf(", %s mean ratio %.4f [%.4f, %.4f] (%.*f%% interval, "
				       "sequential)",
				       v.metric->name, v.ratio_mean, v.lo, v.hi,
				       v.level > 0.99 ? 2 : 0, 100 * v.level);
			printf("\n");
		}
		print_cross(&v);
	}
	if (aa && v.has_cal)
		printf("noise        %.2f%% per pair (%s), measured by these A/A pairs (%.0f "
		       "degrees of freedom) and kept as this host's noise history\n",
		       100 * v.cal_sigma, v.metric->name, v.cal_df);
	else if (v.has_noise)
		printf("noise        %.2f%% per pair (%s), from %s (%s)\n", 100 * v.sigma,
		       v.metric->name, v.noise_source,
		       aa ? "these A/A pairs" : noise_words(v.noise_source));
	if (!aa && v.a.present && v.has_plan) {
		plan_sentence(v.plan_pairs, v.plan_history, v.plan_sigma, v.plan_mde, v.metric,
			      &sb);
		printf("plan         %s\n", sb.buf);
	}
	if (aa) {
		printf("verdict      none: a calibration runs the same artifact on both sides to "
		       "measure noise\n");
	} else if (v.verdict) {
		const char *col = !strcmp(v.verdict, "faster")	 ? "\033[1;32m"
				  : !strcmp(v.verdict, "slower") ? "\033[1;31m"
								 : "\033[1;33m";
		printf("verdict      %s%s%s (%s)", color(1, col), v.verdict, reset, v.metric->name);
		if (v.early_reject)
			printf(" (early reject after one pair: more than %.0f%% slower)\n",
			       100 * v.reject_at);
		else if (isfinite(v.margin))
			printf(" after %d of at most %d pairs, margin %.1f%% (%s)\n", v.pairs,
			       v.max_pairs, 100 * v.margin, verdict_words(v.verdict));
		else
			printf(" after %d of at most %d pairs (%s)\n", v.pairs, v.max_pairs,
			       verdict_words(v.verdict));
	} else if (!v.a.present) {
		printf("verdict      none (no baseline)\n");
	} else {
		printf("verdict      none (the bench did not finish: %s)\n", v.status);
	}
	if (v.contradiction)
		printf("%scontradicts%s  %s\n", color(1, "\033[1;33m"), reset, v.contradiction);
	if (v.message)
		printf("invalid      %s\n", v.message);
	if (v.has_checks)
		printf("checks       wall min ratio %.4f, max RSS ratio %.3f%s\n", v.min_ratio,
		       v.rss_ratio, v.rss_flag ? "  <-- memory grew >= 1.3x" : "");
	if (v.noisy) {
		printf("%swarning%s      the host looks noisy:", color(1, "\033[1;33m"), reset);
		for (size_t i = 0; i < v.nreasons; i++)
			printf("%s %s", i ? ";" : "", v.reasons[i]);
		printf("\n");
	}
	bench_view_release(&v);
	strbuf_release(&sb);
	strbuf_release(&err);
}

/*
 * What perfloop adds to a hyperfine result: the verdict's metric and its
 * values per run (hyperfine's own figures stay wall times).
 */
static json_t *hf_metric(json_t *side, const struct metric *m)
{
	json_t *o = json_object(), *values = json_array();
	size_t n = metric_side_runs(side), k;
	double *v = xcalloc(n + 1, sizeof(double)), *ok = xcalloc(n + 1, sizeof(double));
	size_t nok = 0;
	k = metric_side_values(m, side, v);
	for (size_t i = 0; i < k; i++) {
		json_array_append_new(values, isfinite(v[i]) ? json_real(v[i]) : json_null());
		if (isfinite(v[i]))
			ok[nok++] = v[i];
	}
	json_object_set_new(o, "metric", json_string(m->name));
	json_object_set_new(o, "unit", json_string(m->unit));
	json_object_set_new(o, "values", values);
	json_object_set_new(o, "median", nok ? json_real(median_of(ok, nok)) : json_null());
	free(v);
	free(ok);
	return o;
}

static json_t *hf_result(json_t *side, const char *env_name, const struct metric *m)
{
	json_t *o = json_object(), *times = json_object_get(side, "wall");
	json_t *user = json_object_get(side, "user"), *sys = json_object_get(side, "sys");
	double su = 0, ss = 0;
	size_t n = json_array_size(times);
	for (size_t i = 0; i < n; i++) {
		su += json_number_value(json_array_get(user, i));
		ss += json_number_value(json_array_get(sys, i));
	}
	json_object_set_new(o, "command",
			    json_sprintf("%s=%s", env_name,
					 json_string_value(json_object_get(side, "artifact"))));
	json_object_set(o, "mean", json_object_get(side, "mean"));
	json_object_set(o, "stddev", json_object_get(side, "stddev"));
	json_object_set(o, "median", json_object_get(side, "median"));
	json_object_set_new(o, "user", json_real(n ? su / n : 0));
	json_object_set_new(o, "system", json_real(n ? ss / n : 0));
	json_object_set(o, "min", json_object_get(side, "min"));
	json_object_set(o, "max", json_object_get(side, "max"));
	json_object_set(o, "times", times);
	{
		json_t *mem = json_array(), *kb;
		size_t i;
		json_array_foreach(json_object_get(side, "max_rss_kb"), i, kb)
			json_array_append_new(mem, json_integer(json_integer_value(kb) * 1024));
		json_object_set_new(o, "memory_usage_byte", mem);
	}
	json_object_set(o, "exit_codes", json_object_get(side, "exit_codes"));
	json_object_set_new(o, "perfloop", hf_metric(side, m));
	return o;
}

int export_hyperfine(json_t *doc, const char *path, struct strbuf *err)
{
	json_t *out = json_object(), *results = json_array(), *pl = json_object();
	json_t *base = json_object_get(doc, "baseline");
	const char *env_name = json_string_value(json_object_get(doc, "env"));
	const struct metric *m = metric_of_doc(doc);
	int r;
	if (json_is_object(base))
		json_array_append_new(results, hf_result(base, env_name, m));
	json_array_append_new(results, hf_result(json_object_get(doc, "candidate"), env_name, m));
	json_object_set_new(out, "results", results);
	/* hyperfine's figures are wall times; the verdict may judge another metric */
	json_object_set_new(pl, "bench",
			    json_integer(json_integer_value(json_object_get(doc, "id"))));
	json_object_set_new(pl, "times_metric", json_string("wall"));
	json_object_set_new(pl, "metric", json_string(m->name));
	for (size_t i = 0; i < 3; i++) {
		static const char *const keys[] = { "metric_source", "verdict", "ratio" };
		json_t *v = json_object_get(doc, keys[i]);
		json_object_set_new(pl, keys[i], v ? json_incref(v) : json_null());
	}
	json_object_set_new(out, "perfloop", pl);
	r = json_dump_file(out, path, JSON_INDENT(2));
	json_decref(out);
	if (r) {
		strbuf_addf(err, "cannot write '%s'", path);
		return -1;
	}
	return 0;
}

int report_bench_failure(const struct bench_spec *spec, const struct bench_result *res)
{
	const struct bench_run *r = res->failed;
	struct strbuf tail = STRBUF_INIT;
	char secs[32];
	if (res->invalid) {
		error("%s", res->invalid);
		fprintf(stderr, "its output: perfloop show %lld --run %zu\n", (long long)res->id,
			(size_t)(r - res->runs) + 1);
		return EXIT_CMDFAIL;
	}
	if (res->status == BENCH_INTERRUPTED) {
		error("interrupted: bench %lld recorded as interrupted (not valid)",
		      (long long)res->id);
		return EXIT_INTERRUPTED;
	}
	if (res->status == BENCH_TIMEOUT) {
		error("run %zu (%c) of bench %lld ran past %s (bench.timeout) and was killed with "
		      "its process group; log: %s",
		      (size_t)(r - res->runs) + 1, r->side, (long long)res->id,
		      fmt_secs(secs, sizeof(secs), spec->timeout), r->log_err);
		return EXIT_TIMEOUT;
	}
	if (r->status == 127)
		error("run %zu (%c) of bench %lld: command not found (exit 127): '%s' in %s; check "
		      "bench.command and PATH",
		      (size_t)(r - res->runs) + 1, r->side, (long long)res->id, spec->command,
		      spec->dir);
	else if (r->status > 128)
		error("run %zu (%c) of bench %lld was killed by signal %d: '%s' in %s",
		      (size_t)(r - res->runs) + 1, r->side, (long long)res->id, r->status - 128,
		      spec->command, spec->dir);
	else
		error("run %zu (%c) of bench %lld failed with exit status %d: '%s' in %s",
		      (size_t)(r - res->runs) + 1, r->side, (long long)res->id, r->status,
		      spec->command, spec->dir);
	if (!strbuf_tail_range(&tail, r->log_err, r->err_off, r->err_len, 20) && tail.len)
		fprintf(stderr, "last lines of its stderr (%s, run %zu):\n%s", r->log_err,
			    (size_t)(r - res->runs) + 1, tail.buf);
	else
		fprintf(stderr, "(its stderr was empty; stdout is in %s)\n", r->log_out);
	strbuf_release(&tail);
	return EXIT_CMDFAIL;
}

int run_bench(struct project *c, const struct bench_request *req, struct bench_setup *s,
	      struct bench_result *res)
{
	struct strbuf err = STRBUF_INIT;
	if (bench_prepare(c, req, s, &err))
		die("%s", err.buf);
	if (s->warn.len)
		warning("%s", s->warn.buf);
	if (req->calibrate)
		info("calibrating: %d A/A pairs of %s", s->spec.max_pairs, s->spec.cand_path);
	else if (s->note.len)
		info("%s", s->note.buf);
	if (s->spec.valgrind)
		info("counting instructions with valgrind %s (%s): runs are %d-%dx slower; "
		     "%d native pair%s for the other metrics",
		     s->valgrind_version, s->pmu_absent ? s->pmu_absent : "bench.instructions",
		     VALGRIND_SLOWDOWN_TYPICAL, VALGRIND_SLOWDOWN_MAX,
		     s->spec.native_pairs < s->spec.max_pairs ? s->spec.native_pairs
							      : s->spec.max_pairs,
		     s->spec.native_pairs == 1 ? "" : "s");
	if (!req->calibrate && s->spec.base_path) {
		/* what the planned pairs can detect, before spending the time */
		struct verdict_plan p;
		struct strbuf sb = STRBUF_INIT;
		verdict_plan(&s->spec.vp, s->spec.max_pairs, &p);
		plan_sentence(p.pairs, p.history, p.sigma, p.mde, s->spec.metric, &sb);
		info("plan: %s", sb.buf);
		if (p.warn) {
			strbuf_reset(&sb);
			plan_warning(p.pairs, p.mde, s->spec.vp.margin, p.target, p.needed, &sb);
			warning("%s", sb.buf);
		}
		strbuf_release(&sb);
	}
	if (bench_execute(c->ledger, &s->spec, &bench_progress_hooks, res, &err)) {
		progress_clear();
		die("%s", err.buf);
	}
	progress_clear();
	if (!req->calibrate && res->has_verdict) {
		/* a noisy verdict metric: what the doctor recommends instead */
		struct strbuf advice = STRBUF_INIT;
		if (doctor_bench_advice(c, s->spec.metric, res->vr.sigma, &advice, &err) < 0)
			die("%s", err.buf);
		if (advice.len)
			info("note: %s", advice.buf);
		strbuf_release(&advice);
	}
	strbuf_release(&err);
	if (res->leftover_runs)
		warning("%d run(s) of bench %lld left processes running after they exited (run %zu: "
			"pid %d '%s'); perfloop stopped them so they do not distort the next runs: "
			"make the harness wait for what it starts",
			res->leftover_runs, (long long)res->id, res->leftover_run, res->leftover_pid,
			res->leftover_comm);
	return res->status == BENCH_DONE ? 0 : report_bench_failure(&s->spec, res);
}
