/*
 * report-table.c: the report's tables and summary sentences, built once as
 * cells so that the Markdown and HTML renderers show the same content.
 */
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

static void table_init(struct report_table *t, const char *const *head, const char *align)
{
	memset(t, 0, sizeof(*t));
	t->align = align;
	t->ncols = strlen(align);
	t->head = xcalloc(t->ncols, sizeof(*t->head));
	for (size_t j = 0; j < t->ncols; j++)
		t->head[j] = xstrdup(head[j]);
}

/* Append a cell to the current row (rows fill left to right). */
static void cell(struct report_table *t, enum report_cell_kind kind, const char *text,
		 const char *href)
{
	struct report_cell *c;
	ALLOC_GROW(t->cells, t->ncells + 1, t->alloc);
	c = &t->cells[t->ncells++];
	c->kind = text && *text ? kind : CELL_TEXT;
	c->text = xstrdup(text && *text ? text : "—");
	c->href = href ? xstrdup(href) : NULL;
	/* a row counts once it is complete */
	t->nrows = t->ncells / t->ncols;
}

static void cellf(struct report_table *t, enum report_cell_kind kind, const char *fmt, ...)
	PL_PRINTF(3, 4);
static void cellf(struct report_table *t, enum report_cell_kind kind, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	cell(t, kind, sb.buf, NULL);
	strbuf_release(&sb);
}

void report_table_release(struct report_table *t)
{
	for (size_t i = 0; i < t->ncells; i++) {
		free(t->cells[i].text);
		free(t->cells[i].href);
	}
	free(t->cells);
	for (size_t j = 0; t->head && j < t->ncols; j++)
		free(t->head[j]);
	free(t->head);
	memset(t, 0, sizeof(*t));
}

/* "150.1 ms – 155.0 ms (97%)", in metric m */
static void interval_cell(struct report_table *t, const struct metric *m,
			  const struct report_time *tm)
{
	char lo[32], hi[32], lv[16];
	if (tm->runs < 2)
		cell(t, CELL_TEXT, NULL, NULL);
	else
		cellf(t, CELL_TEXT, "%s – %s (%s)", report_fmt_value(lo, sizeof(lo), m, tm->lo),
		      report_fmt_value(hi, sizeof(hi), m, tm->hi),
		      report_fmt_level(lv, sizeof(lv), tm->level));
}

static void time_row(struct report_table *t, const struct metric *m, const char *what,
		     const char *commit, const struct report_time *tm)
{
	char med[32];
	cell(t, CELL_TEXT, what, NULL);
	cellf(t, CELL_CODE, "%.12s", commit ? commit : "");
	cell(t, CELL_TEXT,
	     tm->runs ? report_fmt_value(med, sizeof(med), m, tm->median) : "no runs yet", NULL);
	interval_cell(t, m, tm);
	cellf(t, CELL_TEXT, "%zu", tm->runs);
}

void report_table_times(const struct report *r, struct report_table *t)
{
	static const char *const head[] = { "", "commit", "median", "interval of the median",
					     "runs" };
	const struct report_exp *cur = report_current(r);
	struct strbuf what = STRBUF_INIT;
	table_init(t, head, "llrrr");
	free(t->head[2]);
	t->head[2] = xstrfmt("%s median", r->metric->name);
	if (r->have_baseline) {
		strbuf_addf(&what, "baseline '%s'", r->baseline_name ? r->baseline_name : "?");
		time_row(t, r->metric, what.buf, r->baseline_commit, &r->baseline);
	}
	if (cur) {
		strbuf_setf(&what, "current (experiment %lld)", (long long)cur->id);
		time_row(t, r->metric, what.buf, cur->commit, &cur->time);
	}
	strbuf_release(&what);
}

static const char *verdict_text(const struct report_exp *e, struct strbuf *sb)
{
	strbuf_reset(sb);
	if (e->verdict == TRY_NONE)
		strbuf_addstr(sb, exp_status_name(e->status));
	else if (e->status == EXP_KEPT || e->status == EXP_REVERTED)
		strbuf_addf(sb, "%s, %s", try_verdict_name(e->verdict), exp_status_name(e->status));
	else
		strbuf_addstr(sb, try_verdict_name(e->verdict));
	return sb->buf;
}

void report_table_experiments(const struct report *r, struct report_table *t)
{
	static const char *const head[] = { "#", "change", "patch", "verdict", "why",
					    "B/A", "interval", "profile predicts", "commit",
					    "perf.data" };
	struct strbuf sb = STRBUF_INIT;
	char a[32], b[32], c[32];
	table_init(t, head, "rllllrllll");
	for (size_t i = 0; i < r->nexp; i++) {
		const struct report_exp *e = &r->exp[i];
		const struct report_bench *bn = &e->bench;
		cellf(t, CELL_TEXT, "%lld", (long long)e->id);
		cell(t, CELL_TEXT, e->message ? e->message : "(no message)", NULL);
		cellf(t, CELL_CODE, "%.12s", e->patch_hash ? e->patch_hash : "");
		cell(t, CELL_STRONG, verdict_text(e, &sb), NULL);
		cell(t, CELL_TEXT, e->reason, NULL);
		/* each ratio names its bench's metric: a loop may change bench.metric */
		if (e->has_bench && isfinite(bn->ratio))
			cellf(t, CELL_TEXT, "%s %s (%s)", bn->metric->name,
			      report_fmt_ratio(a, sizeof(a), bn->ratio),
			      report_fmt_change(b, sizeof(b), bn->ratio));
		else
			cell(t, CELL_TEXT, NULL, NULL);
		if (!e->has_bench)
			cell(t, CELL_TEXT, NULL, NULL);
		else if (bn->early_reject)
			cellf(t, CELL_TEXT, "early reject after %d pair%s", bn->pairs,
			      bn->pairs == 1 ? "" : "s");
		else if (isfinite(bn->lo) && isfinite(bn->hi) && bn->level > 0)
			cellf(t, CELL_TEXT, "%s – %s (%s), %d pairs",
			      report_fmt_ratio(a, sizeof(a), bn->lo),
			      report_fmt_ratio(b, sizeof(b), bn->hi),
			      report_fmt_level(c, sizeof(c), bn->level), bn->pairs);
		else
			cellf(t, CELL_TEXT, "none, %d pair%s", bn->pairs, bn->pairs == 1 ? "" : "s");
		/* beside the measured B/A: a hotspot win that does not reach the end-to-end time */
		strbuf_reset(&sb);
		if (e->verdict)
			exp_expected_text(&e->expected, NAN, &sb);
		cell(t, CELL_TEXT, sb.len ? sb.buf : NULL, NULL);
		cellf(t, CELL_CODE, "%.12s", e->commit ? e->commit : "");
		if (e->profile_path)
			cell(t, CELL_CODE, e->profile_path, NULL);
		else
			cell(t, CELL_TEXT, e->profile_note, NULL);
	}
	strbuf_release(&sb);
}

void report_table_guards(const struct report *r, struct report_table *t)
{
	static const char *const head[] = { "#", "change", "benchmark", "outcome", "B/A",
					    "interval", "max RSS", "why" };
	char a[32], b[32], c[32];
	table_init(t, head, "rllllrrl");
	for (size_t i = 0; i < r->nexp; i++) {
		const struct report_exp *e = &r->exp[i];
		const struct report_bench *bn = &e->bench;
		if (!e->nguards)
			continue;
		cellf(t, CELL_TEXT, "%lld", (long long)e->id);
		cell(t, CELL_TEXT, e->message ? e->message : "(no message)", NULL);
		cell(t, CELL_CODE, "target", NULL);
		cell(t, CELL_STRONG, e->has_bench && bn->verdict ? bn->verdict : "none", NULL);
		if (e->has_bench && isfinite(bn->ratio))
			cellf(t, CELL_TEXT, "%s %s", bn->metric->name,
			      report_fmt_ratio(a, sizeof(a), bn->ratio));
		else
			cell(t, CELL_TEXT, NULL, NULL);
		if (e->has_bench && isfinite(bn->lo) && isfinite(bn->hi))
			cellf(t, CELL_TEXT, "%s – %s", report_fmt_ratio(a, sizeof(a), bn->lo),
			      report_fmt_ratio(b, sizeof(b), bn->hi));
		else
			cell(t, CELL_TEXT, NULL, NULL);
		cell(t, CELL_TEXT, NULL, NULL);
		cell(t, CELL_TEXT, e->verdict ? try_verdict_name(e->verdict) : NULL, NULL);
		for (size_t k = 0; k < e->nguards; k++) {
			const struct guard_row *g = &e->guards[k];
			cellf(t, CELL_TEXT, "%lld", (long long)e->id);
			cell(t, CELL_TEXT, NULL, NULL);
			cell(t, CELL_CODE, g->guard, NULL);
			/* a blocking outcome reads as a reject, the others as they are */
			cellf(t, CELL_STRONG, "%s%s", g->outcome,
			      !strcmp(g->outcome, "slower") || !strcmp(g->outcome, "memory")
				      ? " (reject)" : "");
			cell(t, CELL_TEXT, isfinite(g->ratio) ? report_fmt_ratio(a, sizeof(a), g->ratio)
							      : NULL, NULL);
			if (isfinite(g->lo) && isfinite(g->hi))
				cellf(t, CELL_TEXT, "%s – %s", report_fmt_ratio(b, sizeof(b), g->lo),
				      report_fmt_ratio(c, sizeof(c), g->hi));
			else
				cell(t, CELL_TEXT, NULL, NULL);
			cell(t, CELL_TEXT, isfinite(g->rss_ratio)
						   ? report_fmt_ratio(a, sizeof(a), g->rss_ratio)
						   : NULL, NULL);
			cell(t, CELL_TEXT, g->reason, NULL);
		}
	}
}

void report_table_hotspots(const struct report_exp *e, struct report_table *t)
{
	static const char *const head[] = { "symbol", "dso",   "base %", "new %",
					    "Δ points", "noise ±", "note" };
	table_init(t, head, "llrrrrl");
	for (size_t i = 0; i < e->nhot; i++) {
		const struct report_hot *h = &e->hot[i];
		cell(t, CELL_CODE, h->symbol, NULL);
		cell(t, CELL_TEXT, h->dso, NULL);
		cellf(t, CELL_TEXT, "%.2f", h->base);
		cellf(t, CELL_TEXT, "%.2f", h->cand);
		cellf(t, CELL_TEXT, "%+.2f", h->delta);
		cellf(t, CELL_TEXT, "%.2f", h->noise);
		cellf(t, CELL_TEXT, "%s%s%s", h->touched ? "touched" : "",
		      h->touched && h->within_noise ? ", " : "",
		      h->within_noise ? "within noise" : "");
	}
}

void report_table_runs(const struct report *r, struct report_table *t)
{
	static const char *const head[] = { "dispatch", "experiment", "commit", "workflow",
					    "dispatch status", "run status", "conclusion",
					    "run / why" };
	table_init(t, head, "rrllllll");
	for (size_t i = 0; i < r->nwf; i++) {
		const struct report_wf *w = &r->wf[i];
		int link = w->url && (!strncmp(w->url, "https://", 8) || !strncmp(w->url, "http://", 7));
		cellf(t, CELL_TEXT, "%lld", (long long)w->dispatch);
		if (w->experiment)
			cellf(t, CELL_TEXT, "%lld", (long long)w->experiment);
		else
			cell(t, CELL_TEXT, NULL, NULL);
		cellf(t, CELL_CODE, "%.12s", w->commit ? w->commit : "");
		cell(t, CELL_TEXT, w->workflow, NULL);
		cell(t, CELL_STRONG, w->dispatch_status, NULL);
		cell(t, CELL_TEXT,
		     w->status ? w->status
			       : w->dispatch_status && !strcmp(w->dispatch_status, "sent") ? "waiting"
											   : NULL,
		     NULL);
		cell(t, CELL_TEXT, w->conclusion, NULL);
		if (link) {
			char text[48];
			snprintf(text, sizeof(text), "run %lld", (long long)w->run);
			cell(t, CELL_LINK, text, w->url);
		} else {
			cell(t, CELL_TEXT, w->message, NULL);
		}
	}
}

static struct report_section *section(struct report_section **s, size_t *n, size_t *alloc,
				      int level, const char *id, const char *heading)
{
	struct report_section *x;
	ALLOC_GROW(*s, *n + 1, *alloc);
	x = &(*s)[(*n)++];
	memset(x, 0, sizeof(*x));
	x->level = level;
	snprintf(x->id, sizeof(x->id), "%s", id);
	x->heading = xstrdup(heading);
	return x;
}

void report_sections(const struct report *r, struct report_section **out, size_t *n)
{
	struct report_section *s = NULL, *x;
	struct strbuf sb = STRBUF_INIT;
	size_t alloc = 0;
	*n = 0;
	x = section(&s, n, &alloc, 2, "times", r->metric->heading);
	report_table_times(r, &x->table);
	if (!x->table.nrows)
		x->text = "No baseline yet: 'perfloop build' and 'perfloop baseline save'.";
	x = section(&s, n, &alloc, 2, "experiments", "Experiments");
	report_table_experiments(r, &x->table);
	if (!x->table.nrows)
		x->text = "No experiments yet: change code in the worktree and run 'perfloop try'.";
	if (r->nguard_rows) {
		x = section(&s, n, &alloc, 2, "guards", "Guard benchmarks");
		x->text = "Each experiment whose target bench would keep it benched every guard "
			  "benchmark against the same baseline: a guard slower beyond its margin, or "
			  "over its memory margin (max RSS), rejects the change; one that cannot "
			  "decide does not block.";
		report_table_guards(r, &x->table);
	}
	x = section(&s, n, &alloc, 2, "hotspots", "Hotspot deltas");
	x->text = report_latest_hot(r) ? "Percentage points of samples, touched functions first."
				       : REPORT_NO_HOTSPOTS;
	for (size_t i = 0; i < r->nexp; i++) {
		const struct report_exp *e = &r->exp[i];
		if (!e->nhot)
			continue;
		strbuf_setf(&sb, "Experiment %lld%s%s", (long long)e->id, e->message ? ": " : "",
			    e->message ? e->message : "");
		x = section(&s, n, &alloc, 3, "", sb.buf);
		snprintf(x->id, sizeof(x->id), "hotspots-%lld", (long long)e->id);
		report_table_hotspots(e, &x->table);
	}
	x = section(&s, n, &alloc, 2, "runs", "Workflow runs");
	report_table_runs(r, &x->table);
	if (!x->table.nrows)
		x->text = "No dispatches yet ('perfloop keep' dispatches the benchmark workflow).";
	strbuf_release(&sb);
	*out = s;
}

void report_sections_release(struct report_section *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].heading);
		report_table_release(&s[i].table);
	}
	free(s);
}

void report_goal_line(const struct report_goal *g, struct strbuf *out)
{
	char a[32], b[32], c[32], lv[16];
	if (g->state == GOAL_NONE && !g->rounds)
		return;
	if (g->state == GOAL_NONE) {
		strbuf_addstr(out, "none set ([loop] goal)");
	} else {
		strbuf_addf(out, "speed-up %s (%.4g%%), %s: ",
			    report_fmt_ratio(a, sizeof(a), 1 + g->goal), g->goal * 100,
			    g->state == GOAL_REACHED   ? "reached"
			    : g->state == GOAL_PENDING ? "not reached yet"
						       : "not reached, rounds used up");
		if (!g->kept)
			strbuf_addstr(out, "nothing kept");
		else
			strbuf_addf(out, "cumulative %s%sspeed-up %s",
				    g->metric ? g->metric->name : "", g->metric ? " " : "",
				    report_fmt_ratio(a, sizeof(a), g->speedup));
		if (g->kept && isfinite(g->lo)) {
			int reached = g->state == GOAL_REACHED;
			strbuf_addf(out, " (%s interval %s – %s%s%s)",
				    report_fmt_level(lv, sizeof(lv), g->level),
				    report_fmt_ratio(b, sizeof(b), g->lo),
				    report_fmt_ratio(c, sizeof(c), g->hi),
				    reached ? "" : "; its lower bound must reach ",
				    reached ? "" : report_fmt_ratio(a, sizeof(a), 1 + g->goal));
		} else if (g->kept) {
			strbuf_addstr(out, " (no interval: a kept bench has no noise estimate)");
		}
	}
	if (g->rounds)
		strbuf_addf(out, "; %zu of %ld rounds used", g->used, g->rounds);
	else
		strbuf_addf(out, "; %zu round%s used", g->used, g->used == 1 ? "" : "s");
}

/* The kept experiments' speed-up composed, with its interval. */
static void cumulative_sentence(const struct report_cumulative *c, struct strbuf *out)
{
	char a[32], b[32], x[32], y[32], u[32], v[32];
	/* the product of the kept verdicts' ratios: of their metric, when they share one */
	strbuf_addf(out, "Cumulative %s%sspeed-up of the %zu kept experiment%s%s: %s",
		    c->metric ? c->metric->name : "", c->metric ? " " : "", c->n,
		    c->n == 1 ? "" : "s",
		    c->metric ? "" : " (their verdicts judged different metrics)",
		    report_fmt_ratio(u, sizeof(u), 1 / c->ratio));
	if (isfinite(c->lo))
		strbuf_addf(out, " (%s interval %s – %s; %s%s%s %s, %s – %s)",
			    report_fmt_level(a, sizeof(a), c->level),
			    report_fmt_ratio(x, sizeof(x), 1 / c->hi),
			    report_fmt_ratio(y, sizeof(y), 1 / c->lo),
			    c->metric ? c->metric->name : "", c->metric ? " " : "",
			    /* a count's ratio is not a time's */
			    c->metric && c->metric->kind == METRIC_TIME ? "time" : "ratio",
			    report_fmt_ratio(b, sizeof(b), c->ratio),
			    report_fmt_ratio(u, sizeof(u), c->lo),
			    report_fmt_ratio(v, sizeof(v), c->hi));
	else
		strbuf_addstr(out, " (no interval: a kept bench has no noise estimate)");
	if (c->missing)
		strbuf_addf(out, "; %zu kept experiment%s without a bench left out", c->missing,
			    c->missing == 1 ? "" : "s");
	strbuf_addstr(out, ".\n");
}

void report_summary(const struct report *r, struct strbuf *out)
{
	const struct report_exp *cur = report_current(r);
	const struct metric *m = r->metric;
	char a[32], b[32], x[32], y[32];
	size_t goal, head;
	if (!r->have_baseline || !r->baseline.runs)
		strbuf_addf(out, "%s: no baseline measured yet.\n", m->heading);
	else if (!cur || !cur->time.runs)
		strbuf_addf(out, "%s: %s at the baseline; no change kept yet.\n", m->heading,
			    report_fmt_value(a, sizeof(a), m, r->baseline.median));
	else
		strbuf_addf(out, "%s: %s at the baseline, %s now (experiment %lld): %s %s (%s).\n",
			    m->heading, report_fmt_value(a, sizeof(a), m, r->baseline.median),
			    report_fmt_value(b, sizeof(b), m, cur->time.median), (long long)cur->id,
			    m->name,
			    report_fmt_ratio(x, sizeof(x), cur->time.median / r->baseline.median),
			    report_fmt_change(y, sizeof(y), cur->time.median / r->baseline.median));
	if (!r->nexp)
		strbuf_addstr(out, "No experiments yet: change code in the worktree and run "
			      "'perfloop try -m \"...\"'.\n");
	else
		strbuf_addf(out, "Experiments: %zu (%d kept, %d rejected, %d inconclusive, %d "
			    "failed).\n",
			    r->nexp, r->kept, r->rejected, r->inconclusive, r->failed);
	if (r->cum.n)
		cumulative_sentence(&r->cum, out);
	goal = out->len;
	strbuf_addstr(out, "Goal: ");
	head = out->len;
	report_goal_line(&r->goal, out);
	if (out->len == head)
		strbuf_setlen(out, goal);
	else
		strbuf_addstr(out, ".\n");
}
