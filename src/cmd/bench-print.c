/*
 * bench-print.c: the bench as the commands show it (bench, calibrate, try,
 * show): the progress line, the human table of a bench document, hyperfine's
 * export format, and why a bench stopped.
 */
#include "cmd/bench-print.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench-prepare.h"
#include "cmd/cmd.h"
#include "metric.h"
#include "stats.h"
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

static double jnum(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Median of a JSON number array. */
static double arr_median(json_t *a)
{
	size_t n = json_array_size(a);
	double *x = xmalloc((n + 1) * sizeof(double)), m;
	for (size_t i = 0; i < n; i++)
		x[i] = json_number_value(json_array_get(a, i));
	m = median_of(x, n);
	free(x);
	return m;
}

/* Metric m of a side's runs that exited 0 (a failed run's time means nothing). */
static size_t ok_values(const struct metric *m, json_t *side, double *x)
{
	json_t *codes = json_object_get(side, "exit_codes");
	size_t n = metric_side_values(m, side, x), k = 0;
	for (size_t i = 0; i < n; i++)
		if (!json_integer_value(json_array_get(codes, i)))
			x[k++] = x[i];
	return k;
}

/*
 * One side's row: the verdict metric's median, min, max and CV, then the
 * median of every other metric, peak RSS and the number of runs.
 */
static void side_row(const char *label, json_t *side, const struct metric *vm)
{
	double *x = xmalloc((json_array_size(json_object_get(side, "wall")) + 1) * sizeof(double));
	size_t n = ok_values(vm, side, x);
	char med[32], mn[32], mx[32], rss[32];
	struct summary s;
	if (!n) {
		printf("%-12s  (no complete runs)\n", label);
		free(x);
		return;
	}
	summarize(x, n, &s);
	printf("%-12s %11s %9s %9s %8.1f%%", label, fmt_secs(med, sizeof(med), s.median),
	       fmt_secs(mn, sizeof(mn), s.min), fmt_secs(mx, sizeof(mx), s.max),
	       s.mean > 0 ? 100 * s.stddev / s.mean : 0);
	for (const struct metric *m = metrics; m->name; m++) {
		if (m == vm)
			continue;
		printf(" %11s", fmt_secs(med, sizeof(med), median_of(x, ok_values(m, side, x))));
	}
	printf(" %10s %4zu\n",
	       fmt_kb(rss, sizeof(rss), arr_median(json_object_get(side, "max_rss_kb"))), n);
	free(x);
}

/* The header over side_row()s: every figure names its metric. */
static void side_header(const struct metric *vm)
{
	struct strbuf sb = STRBUF_INIT;
	printf("\n%-12s", "");
	strbuf_setf(&sb, "%s median", vm->name);
	printf(" %11s", sb.buf);
	strbuf_setf(&sb, "%s min", vm->name);
	printf(" %9s", sb.buf);
	strbuf_setf(&sb, "%s max", vm->name);
	printf(" %9s", sb.buf);
	strbuf_setf(&sb, "%s CV", vm->name);
	printf(" %9s", sb.buf);
	for (const struct metric *m = metrics; m->name; m++) {
		if (m == vm)
			continue;
		strbuf_setf(&sb, "%s median", m->name);
		printf(" %11s", sb.buf);
	}
	printf(" %10s %4s\n", "max RSS", "runs");
	strbuf_release(&sb);
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

/* B/A of a side metric's medians other than the verdict's, e.g. "wall median ratio 1.0200". */
static void other_ratios(json_t *base, json_t *cand, const struct metric *vm)
{
	double *a = xmalloc((json_array_size(json_object_get(base, "wall")) + 1) * sizeof(double));
	double *b = xmalloc((json_array_size(json_object_get(cand, "wall")) + 1) * sizeof(double));
	int any = 0;
	for (const struct metric *m = metrics; m->name; m++) {
		size_t na = ok_values(m, base, a), nb = ok_values(m, cand, b);
		if (m == vm || !na || !nb)
			continue;
		printf("%s%s median ratio %.4f", any++ ? ", " : "             ", m->name,
		       median_of(b, nb) / median_of(a, na));
	}
	if (any)
		printf("\n");
	free(a);
	free(b);
}

void print_bench_doc(json_t *doc)
{
	json_t *base = json_object_get(doc, "baseline"), *cand = json_object_get(doc, "candidate");
	json_t *verdict = json_object_get(doc, "verdict"), *noise = json_object_get(doc, "noise");
	json_t *checks = json_object_get(doc, "checks"), *iv = json_object_get(doc, "interval");
	json_t *cal = json_object_get(doc, "calibration");
	const char *bold = color(1, "\033[1m"), *reset = color(1, "\033[m");
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	const struct metric *vm = metric_of_doc(doc);
	/* a calibration runs the baseline on both sides: noise, not a change */
	int aa = kind && !strcmp(kind, "calibrate");

	printf("%sbench %lld%s (%s) in %s\n", bold,
	       (long long)json_integer_value(json_object_get(doc, "id")), reset, kind,
	       json_string_value(json_object_get(doc, "dir")));
	printf("  %s\n", json_string_value(json_object_get(doc, "command")));
	side_header(vm);
	if (json_is_object(base))
		side_row(aa ? "A" : "A baseline", base, vm);
	side_row(aa ? "B (same)" : json_is_object(base) ? "B candidate" : "candidate", cand, vm);
	printf("\n");
	printf("metric       %s: the verdict judges %s (bench.metric)\n", vm->name, vm->title);
	if (json_is_object(base)) {
		double ratio = jnum(doc, "ratio");
		if (!isfinite(ratio)) {
			printf("%s          no ratio: a side has no run that exited 0\n",
			       aa ? "A/A" : "B/A");
		} else {
			printf("%s          %s median ratio %.4f", aa ? "A/A" : "B/A", vm->name,
			       ratio);
			if (json_is_array(iv) && json_is_number(json_array_get(iv, 0)) &&
			    !json_is_true(json_object_get(doc, "early_reject")))
				printf(", %s mean ratio %.4f [%.4f, %.4f] (%.*f%% interval, "
				       "sequential)",
				       vm->name, jnum(doc, "ratio_mean"),
				       json_number_value(json_array_get(iv, 0)),
				       json_number_value(json_array_get(iv, 1)),
				       jnum(doc, "level") > 0.99 ? 2 : 0, 100 * jnum(doc, "level"));
			printf("\n");
			other_ratios(base, cand, vm);
		}
	}
	if (aa && json_is_object(cal) && json_is_number(json_object_get(cal, "sigma")))
		printf("noise        %.2f%% per pair (%s), measured by these A/A pairs (%.0f "
		       "degrees of freedom) and kept as this host's noise history\n",
		       100 * jnum(cal, "sigma"), vm->name, jnum(cal, "df"));
	else if (json_is_object(noise))
		printf("noise        %.2f%% per pair, from %s (%s)\n", 100 * jnum(noise, "sigma"),
		       json_string_value(json_object_get(noise, "source")),
		       !strcmp(json_string_value(json_object_get(noise, "source")), "history")
			       ? "A/A calibrations on this host"
		       : aa ? "these A/A pairs"
			    : "no A/A history: run 'perfloop calibrate' for sharper verdicts");
	if (aa) {
		printf("verdict      none: a calibration runs the same artifact on both sides to "
		       "measure noise\n");
	} else if (json_is_string(verdict)) {
		const char *v = json_string_value(verdict);
		const char *col = !strcmp(v, "faster")	 ? "\033[1;32m"
				  : !strcmp(v, "slower") ? "\033[1;31m"
							 : "\033[1;33m";
		printf("verdict      %s%s%s (%s)", color(1, col), v, reset, vm->name);
		if (json_is_true(json_object_get(doc, "early_reject")))
			printf(" (early reject after one pair: more than %.0f%% slower)\n",
			       100 * jnum(noise, "reject_at"));
		else
			printf(" after %lld of at most %lld pairs, margin %.1f%% (%s)\n",
			       (long long)json_integer_value(json_object_get(doc, "pairs")),
			       (long long)json_integer_value(json_object_get(doc, "max_pairs")),
			       100 * jnum(doc, "margin"), verdict_words(v));
	} else if (!json_is_object(base)) {
		printf("verdict      none (no baseline)\n");
	} else {
		printf("verdict      none (the bench did not finish: %s)\n",
		       json_string_value(json_object_get(doc, "status")));
	}
	if (json_is_object(checks) && json_is_number(json_object_get(checks, "min_ratio"))) {
		printf("checks       wall min ratio %.4f, max RSS ratio %.3f%s\n",
		       jnum(checks, "min_ratio"), jnum(checks, "rss_ratio"),
		       json_is_true(json_object_get(checks, "rss_flag")) ? "  <-- memory grew >= 1.3x"
									  : "");
	}
	if (json_is_true(json_object_get(checks, "noisy"))) {
		json_t *r;
		size_t i;
		printf("%swarning%s      the host looks noisy:", color(1, "\033[1;33m"), reset);
		json_array_foreach(json_object_get(checks, "noisy_reasons"), i, r)
			printf("%s %s", i ? ";" : "", json_string_value(r));
		printf("\n");
	}
}

static json_t *hf_result(json_t *side, const char *env_name)
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
	return o;
}

int export_hyperfine(json_t *doc, const char *path, struct strbuf *err)
{
	json_t *out = json_object(), *results = json_array();
	json_t *base = json_object_get(doc, "baseline");
	const char *env_name = json_string_value(json_object_get(doc, "env"));
	int r;
	if (json_is_object(base))
		json_array_append_new(results, hf_result(base, env_name));
	json_array_append_new(results, hf_result(json_object_get(doc, "candidate"), env_name));
	json_object_set_new(out, "results", results);
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
	if (bench_execute(c->ledger, &s->spec, &bench_progress_hooks, res, &err)) {
		progress_clear();
		die("%s", err.buf);
	}
	progress_clear();
	strbuf_release(&err);
	if (res->leftover_runs)
		warning("%d run(s) of bench %lld left processes running after they exited (run %zu: "
			"pid %d '%s'); perfloop stopped them so they do not distort the next runs: "
			"make the harness wait for what it starts",
			res->leftover_runs, (long long)res->id, res->leftover_run, res->leftover_pid,
			res->leftover_comm);
	return res->status == BENCH_DONE ? 0 : report_bench_failure(&s->spec, res);
}
