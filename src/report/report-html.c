/*
 * report-html.c: the report as one self-contained HTML page: inline CSS,
 * inline SVG charts drawn here (the loop's metric across kept commits, every
 * experiment's A/B runs of its verdict's metric as a strip plot, the latest
 * hotspot deltas, the guard benchmarks' changes), the same tables as the Markdown form, no script and
 * nothing fetched. Every axis and label names the metric it shows.
 *
 * Colours are Okabe-Ito (distinguishable with colour-blindness) and never
 * the only cue: sides are labelled, touched symbols are bold, verdicts are
 * words.
 */
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/svg.h"
#include "stats.h"
#include "version.h"
#include "banned.h"

#define COLOR_A "#0072B2"    /* baseline runs, medians, drops */
#define COLOR_B "#D55E00"    /* candidate runs, growth */
#define COLOR_INK "#222222"  /* intervals, medians */
#define CHART_W 960.0

static const char css[] =
	"body{font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"DejaVu Sans\","
	"sans-serif;color:#1a1a1a;background:#fff;margin:0}\n"
	"main{max-width:1120px;margin:0 auto;padding:24px}\n"
	"h1{font-size:1.6em;margin:0 0 .2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}\n"
	"p.meta{color:#444;margin-top:0}\n"
	"code{font:13px ui-monospace,\"DejaVu Sans Mono\",monospace;background:#f3f3f3;"
	"padding:1px 4px;border-radius:3px;word-break:break-all}\ncode.nw{white-space:nowrap}\n"
	"table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:14px}\n"
	"th,td{border:1px solid #d0d0d0;padding:4px 8px;text-align:left;vertical-align:top}\n"
	"th{background:#f2f2f2}td.r,th.r{text-align:right;white-space:nowrap}\n"
	"strong.good{color:#1b6e35}strong.bad{color:#b3261e}strong.warn{color:#7a4f00}\n"
	"figure{margin:1em 0 2em}figcaption{color:#333;margin:.3em 0}\n"
	".chart{overflow-x:auto}.empty{color:#555;font-style:italic}\n"
	"svg{max-width:none;height:auto;background:#fff}\n"
	"svg text{font:12px system-ui,\"DejaVu Sans\",sans-serif;fill:#222}\n"
	"svg text.title{font-size:13px;font-weight:600}svg text.sub{fill:#555;font-size:11px}\n"
	"svg text.touched{font-weight:700}\n"
	"svg .grid{stroke:#e4e4e4;stroke-width:1}svg .spine{stroke:#555;stroke-width:1}\n"
	"svg .trend{stroke:#999;stroke-width:1.5;fill:none;stroke-dasharray:4 3}\n";

/*
 * The axis unit for values of metric m up to `max`: the factor to multiply
 * them by and its name ("" for plain numbers: counts below 1000, harness
 * metrics).
 */
static const char *axis_unit(const struct metric *m, double max, double *factor)
{
	static const struct {
		double at;
		const char *name;
	} count[] = { { 1e12, "T" }, { 1e9, "G" }, { 1e6, "M" }, { 1e3, "k" } };
	double s = !strcmp(m->unit, "ns") ? 1e-9 : 1;
	if (m->kind == METRIC_COUNT) {
		for (size_t i = 0; i < ARRAY_SIZE(count); i++) {
			if (max >= count[i].at) {
				*factor = 1 / count[i].at;
				return count[i].name;
			}
		}
	}
	if (m->kind != METRIC_TIME) {
		*factor = 1;
		return "";
	}
	if (max * s < 1e-3) {
		*factor = 1e6 * s;
		return "µs";
	}
	if (max * s < 1) {
		*factor = 1e3 * s;
		return "ms";
	}
	*factor = s;
	return "s";
}

/* An axis title: what, and its unit in parentheses when it has one. */
static void axis_title(struct strbuf *sb, const char *what, const char *unit)
{
	strbuf_addstr(sb, what);
	if (*unit)
		strbuf_addf(sb, " (%s)", unit);
}

/* Are values of a and b on one axis? The same metric, or times in the same unit. */
static int same_scale(const struct metric *a, const struct metric *b)
{
	return a == b ||
	       (a->kind == METRIC_TIME && b->kind == METRIC_TIME && !strcmp(a->unit, b->unit));
}

/* Each line of text as a paragraph (of class cls when not NULL). */
static void paragraphs(struct strbuf *sb, const char *text, const char *cls)
{
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		char *line = xstrndup(p, eol ? (size_t)(eol - p) : strlen(p));
		strbuf_addstr(sb, cls ? "<p class=\"" : "<p");
		if (cls)
			strbuf_addf(sb, "%s\"", cls);
		strbuf_addch(sb, '>');
		html_escape(sb, line);
		strbuf_addstr(sb, "</p>\n");
		free(line);
		p = eol ? eol + 1 : p + strlen(p);
	}
}

static void figure_begin(struct strbuf *sb, const char *caption)
{
	strbuf_addstr(sb, "<figure>\n<figcaption>");
	html_escape(sb, caption);
	strbuf_addstr(sb, "</figcaption>\n<div class=\"chart\">\n");
}

static void figure_end(struct strbuf *sb)
{
	strbuf_addstr(sb, "</div>\n</figure>\n");
}

/* A vertical interval with caps (x, y0..y1). */
static void vrange(struct strbuf *sb, double x, double y0, double y1)
{
	strbuf_addf(sb,
		    "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fh12M%.1f %.1fh12\" stroke=\"" COLOR_INK
		    "\" stroke-width=\"1.5\" fill=\"none\"/>\n",
		    x, y0, y1, x - 6, y0, x - 6, y1);
}

/* Category labels under the plot: a label and a smaller second line. */
static void category(struct strbuf *sb, const struct svg_frame *f, double x, const char *label,
		     const char *sub)
{
	svg_text(sb, x, f->h - f->bottom + 18, "middle", NULL, label);
	if (sub && *sub)
		svg_text(sb, x, f->h - f->bottom + 33, "middle", "sub", sub);
}

static void plot_baseline(struct strbuf *sb, const struct svg_frame *f, const char *title)
{
	strbuf_addf(sb, "<line class=\"spine\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
		    f->left, f->h - f->bottom, f->w - f->right, f->h - f->bottom);
	svg_text(sb, (f->left + f->w - f->right) / 2, f->h - 8, "middle", "title", title);
}

struct tpoint {
	char label[32], sub[16];
	const struct report_time *t;
};

/* (1) the loop's metric of the baseline and each kept commit, medians with intervals */
static void chart_time(struct strbuf *sb, const struct report *r)
{
	struct svg_frame f = { CHART_W, 340, 76, 24, 44, 64 };
	struct tpoint *p = xcalloc(r->nexp + 1, sizeof(*p));
	struct svg_axis ax;
	struct svg_scale y;
	struct strbuf title = STRBUF_INIT, tip = STRBUF_INIT, cap = STRBUF_INIT;
	const struct metric *m = r->metric;
	size_t n = 0;
	double lo = INFINITY, hi = -INFINITY, factor, slot, lx;
	const char *unit;
	char a[32], b[32], c[32], lv[16];

	if (r->have_baseline && r->baseline.runs) {
		snprintf(p[n].label, sizeof(p[n].label), "baseline");
		snprintf(p[n].sub, sizeof(p[n].sub), "%.7s", r->baseline_commit ? r->baseline_commit : "");
		p[n++].t = &r->baseline;
	}
	for (size_t i = 0; i < r->nexp; i++) {
		const struct report_exp *e = &r->exp[i];
		if (e->status != EXP_KEPT || !e->time.runs)
			continue;
		snprintf(p[n].label, sizeof(p[n].label), "#%lld", (long long)e->id);
		snprintf(p[n].sub, sizeof(p[n].sub), "%.7s", e->commit ? e->commit : "");
		p[n++].t = &e->time;
	}
	strbuf_addf(&cap, "%s across kept commits: the median of every measured run of each "
		    "artifact, with the interval of the median.", m->heading);
	figure_begin(sb, cap.buf);
	if (!n) {
		strbuf_setf(&cap, "No %s recorded yet.", m->title);
		paragraphs(sb, cap.buf, "empty");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		lo = fmin(lo, p[i].t->lo);
		hi = fmax(hi, p[i].t->hi);
	}
	unit = axis_unit(m, hi, &factor);
	svg_axis_nice(lo * factor, hi * factor, 6, &ax);
	y = (struct svg_scale){ ax.lo, ax.hi, f.h - f.bottom, f.top };
	slot = (f.w - f.left - f.right) / (double)n;
	axis_title(&title, m->title, unit);
	strbuf_setf(&cap, "Median %s of the baseline and of each kept commit, with the interval "
		    "of the median as error bars.", m->title);
	strbuf_setf(&tip, "%s across kept commits", m->heading);
	svg_begin(sb, "chart-time", &f, tip.buf, cap.buf);
	svg_draw_axis(sb, &f, &ax, &y, 1, title.buf);
	plot_baseline(sb, &f, "kept commits, oldest first");
	strbuf_addstr(sb, "<polyline class=\"trend\" points=\"");
	for (size_t i = 0; i < n; i++)
		strbuf_addf(sb, "%.1f,%.1f ", f.left + slot * ((double)i + 0.5),
			    svg_map(&y, p[i].t->median * factor));
	strbuf_addstr(sb, "\"/>\n");
	for (size_t i = 0; i < n; i++) {
		double x = f.left + slot * ((double)i + 0.5);
		if (p[i].t->runs >= 2)
			vrange(sb, x, svg_map(&y, p[i].t->lo * factor), svg_map(&y, p[i].t->hi * factor));
		strbuf_addf(sb, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"5.5\" fill=\"" COLOR_A
				"\"><title>",
			    x, svg_map(&y, p[i].t->median * factor));
		strbuf_setf(&tip, "%s %s: %s median %s, interval %s – %s (%s), %zu runs",
			    p[i].label, p[i].sub, m->name,
			    report_fmt_value(a, sizeof(a), m, p[i].t->median),
			    report_fmt_value(b, sizeof(b), m, p[i].t->lo),
			    report_fmt_value(c, sizeof(c), m, p[i].t->hi),
			    report_fmt_level(lv, sizeof(lv), p[i].t->level), p[i].t->runs);
		html_escape(sb, tip.buf);
		strbuf_addstr(sb, "</title></circle>\n");
		category(sb, &f, x, p[i].label, p[i].sub);
	}
	strbuf_setf(&tip, "median %s of the artifact's runs", m->name);
	lx = svg_legend(sb, f.left, 20, SVG_KEY_DOT, COLOR_A, tip.buf);
	svg_legend(sb, lx, 20, SVG_KEY_RANGE, COLOR_INK,
		   "interval of the median (order statistics, 95% when 6+ runs)");
	svg_end(sb);
out:
	figure_end(sb);
	strbuf_release(&title);
	strbuf_release(&tip);
	strbuf_release(&cap);
	free(p);
}

static void strip_side(struct strbuf *sb, const struct svg_scale *y, double factor, double x,
		       const double *v, size_t n, char side, const char *colour,
		       const struct metric *m)
{
	char t[32];
	for (size_t i = 0; i < n; i++) {
		/* a deterministic spread so equal times stay visible */
		double dx = ((double)(i % 5) - 2) * 3.2;
		strbuf_addf(sb,
			    "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.6\" fill=\"%s\" "
			    "fill-opacity=\"0.8\"><title>%c run %zu: %s %s</title></circle>\n",
			    x + dx, svg_map(y, v[i] * factor), colour, side, i + 1, m->name,
			    report_fmt_value(t, sizeof(t), m, v[i]));
	}
	if (n) {
		double m = svg_map(y, median_of(v, n) * factor);
		strbuf_addf(sb,
			    "<path d=\"M%.1f %.1fh24\" stroke=\"" COLOR_INK
			    "\" stroke-width=\"2.5\"/>\n",
			    x - 12, m);
	}
}

/*
 * (2) every experiment's A and B runs side by side, in the metric its verdict
 * judged, so each column's points and its B/A label agree
 */
static void chart_runs(struct strbuf *sb, const struct report *r)
{
	struct svg_frame f = { CHART_W, 360, 76, 24, 44, 64 };
	const struct report_exp **g = xcalloc(r->nexp + 1, sizeof(*g));
	const struct metric *m = NULL;
	struct svg_axis ax;
	struct svg_scale y;
	struct strbuf title = STRBUF_INIT, cap = STRBUF_INIT;
	size_t n = 0, other = 0;
	int mixed = 0;
	double lo = INFINITY, hi = -INFINITY, factor, slot, lx;
	const char *unit;
	char label[32], sub[64], ratio[32];

	for (size_t i = 0; i < r->nexp; i++) {
		const struct report_bench *b = &r->exp[i].bench;
		if (!r->exp[i].has_bench || b->na + b->nb == 0)
			continue;
		/* one axis: the loop's metric, and times beside times */
		if (!same_scale(b->metric, r->metric)) {
			other++;
			continue;
		}
		mixed |= m && m != b->metric;
		m = b->metric;
		g[n++] = &r->exp[i];
		for (size_t j = 0; j < b->na; j++) {
			lo = fmin(lo, b->a[j]);
			hi = fmax(hi, b->a[j]);
		}
		for (size_t j = 0; j < b->nb; j++) {
			lo = fmin(lo, b->b[j]);
			hi = fmax(hi, b->b[j]);
		}
	}
	if (mixed)
		strbuf_addstr(&cap, "A/B runs of each experiment: every measured run's time in "
			      "the metric its verdict judged (named under it), baseline (A) and "
			      "candidate (B) side by side, with their medians.");
	else
		strbuf_addf(&cap, "A/B runs of each experiment: every measured run's %s, baseline "
			    "(A) and candidate (B) side by side, with their medians.",
			    m ? m->title : r->metric->title);
	if (other)
		strbuf_addf(&cap, " Left out: %zu experiment%s whose verdict judged a metric in "
			    "other units.", other, other == 1 ? "" : "s");
	figure_begin(sb, cap.buf);
	if (!n) {
		paragraphs(sb, "No experiment has been benched yet.", "empty");
		goto out;
	}
	/* at least 88 units per experiment: a long loop scrolls sideways */
	f.w = fmax(CHART_W, f.left + f.right + 88.0 * (double)n);
	slot = (f.w - f.left - f.right) / (double)n;
	unit = axis_unit(m, hi, &factor);
	strbuf_addf(&title, "%s per run", mixed ? "time of the verdict's metric" : m->title);
	axis_title(&title, "", unit);
	svg_axis_nice(lo * factor, hi * factor, 6, &ax);
	y = (struct svg_scale){ ax.lo, ax.hi, f.h - f.bottom, f.top };
	strbuf_setf(&cap, "Strip plot of every measured run's %s per experiment: baseline runs (A) "
		    "left, candidate runs (B) right, medians as dark lines.",
		    mixed ? "time in its verdict's metric" : m->title);
	svg_begin(sb, "chart-runs", &f, "A/B runs of each experiment", cap.buf);
	svg_draw_axis(sb, &f, &ax, &y, 1, title.buf);
	plot_baseline(sb, &f, "experiments, oldest first (A = baseline, B = candidate)");
	for (size_t i = 0; i < n; i++) {
		const struct report_exp *e = g[i];
		double x = f.left + slot * ((double)i + 0.5);
		if (i % 2)
			strbuf_addf(sb,
				    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				    "fill=\"#f4f4f4\"/>\n",
				    f.left + slot * (double)i, f.top, slot, f.h - f.top - f.bottom);
		strip_side(sb, &y, factor, x - slot * 0.2, e->bench.a, e->bench.na, 'A', COLOR_A,
			   e->bench.metric);
		strip_side(sb, &y, factor, x + slot * 0.2, e->bench.b, e->bench.nb, 'B', COLOR_B,
			   e->bench.metric);
		snprintf(label, sizeof(label), "#%lld", (long long)e->id);
		snprintf(sub, sizeof(sub), "%s %s %s",
			 e->verdict ? try_verdict_name(e->verdict) : exp_status_name(e->status),
			 e->bench.metric->name,
			 isfinite(e->bench.ratio)
				 ? report_fmt_ratio(ratio, sizeof(ratio), e->bench.ratio)
				 : "");
		category(sb, &f, x, label, sub);
	}
	lx = svg_legend(sb, f.left, 20, SVG_KEY_DOT, COLOR_A, "A: baseline run");
	lx = svg_legend(sb, lx, 20, SVG_KEY_DOT, COLOR_B, "B: candidate run");
	svg_legend(sb, lx, 20, SVG_KEY_LINE, COLOR_INK, "median of the side");
	svg_end(sb);
out:
	figure_end(sb);
	strbuf_release(&title);
	strbuf_release(&cap);
	free(g);
}

/* The first `max` bytes of s at a UTF-8 boundary, with an ellipsis when cut. */
static void shorten(struct strbuf *out, const char *s, size_t max)
{
	size_t n = strlen(s);
	strbuf_reset(out);
	if (n <= max) {
		strbuf_addstr(out, s);
		return;
	}
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	strbuf_add(out, s, max);
	strbuf_addstr(out, "…");
}

/* A horizontal interval from x a to x b at height yc, with caps. */
static void hrange(struct strbuf *sb, double a, double b, double yc)
{
	strbuf_addf(sb,
		    "<path d=\"M%.1f %.1fH%.1fM%.1f %.1fv10M%.1f %.1fv10\" stroke=\"" COLOR_INK
		    "\" stroke-width=\"1.5\" fill=\"none\"/>\n",
		    a, yc, b, a, yc - 5, b, yc - 5);
}

/*
 * A horizontal bar from 0 to d on scale x at height yc (drops in COLOR_A,
 * growth in COLOR_B) with an escaped tooltip, and d ± noise as an interval
 * when noise is finite.
 */
static void hbar(struct strbuf *sb, const struct svg_scale *x, double yc, double rowh, double d,
		 double noise, const char *opacity, const char *tip)
{
	double x0 = svg_map(x, 0), xd = svg_map(x, d);
	strbuf_addf(sb,
		    "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		    "fill=\"%s\" fill-opacity=\"%s\"><title>",
		    fmin(x0, xd), yc - rowh * 0.3, fmax(fabs(xd - x0), 1), rowh * 0.6,
		    d < 0 ? COLOR_A : COLOR_B, opacity);
	html_escape(sb, tip);
	strbuf_addstr(sb, "</title></rect>\n");
	if (isfinite(noise))
		hrange(sb, svg_map(x, d - noise), svg_map(x, d + noise), yc);
}

/* The vertical line at 0 of a horizontal bar chart. */
static void zero_line(struct strbuf *sb, const struct svg_frame *f, double x0)
{
	strbuf_addf(sb, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n",
		    x0, f->top, x0, f->h - f->bottom);
}

/* (3) hotspot deltas of the latest experiment that has a diff, with noise */
static void chart_hotspots(struct strbuf *sb, const struct report *r)
{
	const struct report_exp *e = report_latest_hot(r);
	struct svg_frame f = { CHART_W, 0, 360, 30, 44, 52 };
	struct svg_axis ax;
	struct svg_scale x;
	struct strbuf cap = STRBUF_INIT, name = STRBUF_INIT;
	double m = 0, rowh = 28, x0, lx;

	if (!e) {
		figure_begin(sb, "Hotspot deltas of the latest experiment.");
		paragraphs(sb, REPORT_NO_HOTSPOTS, "empty");
		figure_end(sb);
		return;
	}
	strbuf_addf(&cap, "Hotspot deltas of experiment %lld", (long long)e->id);
	if (e->message)
		strbuf_addf(&cap, " (%s)", e->message);
	strbuf_addstr(&cap, ": change of each symbol's share of samples, candidate minus baseline, "
			    "with its noise interval; touched functions first and in bold.");
	figure_begin(sb, cap.buf);
	for (size_t i = 0; i < e->nhot; i++)
		if (isfinite(e->hot[i].delta))
			m = fmax(m, fabs(e->hot[i].delta) + (isfinite(e->hot[i].noise) ? e->hot[i].noise : 0));
	svg_axis_nice(-m, m, 7, &ax);
	f.h = f.top + f.bottom + rowh * (double)e->nhot;
	x = (struct svg_scale){ ax.lo, ax.hi, f.left, f.w - f.right };
	x0 = svg_map(&x, 0);
	svg_begin(sb, "chart-hotspots", &f, "Hotspot deltas of the latest experiment",
		  "Horizontal bars: change in each symbol's share of samples in percentage points, "
		  "drops left and growth right, with noise intervals.");
	svg_draw_axis(sb, &f, &ax, &x, 0, "change in share of samples (percentage points)");
	for (size_t i = 0; i < e->nhot; i++) {
		const struct report_hot *h = &e->hot[i];
		double yc = f.top + rowh * ((double)i + 0.5), d = isfinite(h->delta) ? h->delta : 0;
		shorten(&name, h->symbol, 52);
		svg_text(sb, f.left - 8, yc + 4, "end", h->touched ? "touched" : NULL, name.buf);
		strbuf_setf(&name, "%s (%s): %.2f%% -> %.2f%%, %+.2f points, noise ±%.2f%s%s",
			    h->symbol, h->dso, h->base, h->cand, h->delta, h->noise,
			    h->touched ? ", touched" : "", h->within_noise ? ", within noise" : "");
		hbar(sb, &x, yc, rowh, d, isfinite(h->noise) && h->noise > 0 ? h->noise : NAN,
		     h->within_noise ? "0.45" : "1", name.buf);
	}
	zero_line(sb, &f, x0);
	lx = svg_legend(sb, 20, 20, SVG_KEY_BAR, COLOR_A, "share dropped");
	lx = svg_legend(sb, lx, 20, SVG_KEY_BAR, COLOR_B, "share grew");
	lx = svg_legend(sb, lx, 20, SVG_KEY_HRANGE, COLOR_INK, "noise interval (pale bar: within)");
	svg_text(sb, lx, 20, "start", "touched", "bold: touched by the change");
	svg_end(sb);
	figure_end(sb);
	strbuf_release(&cap);
	strbuf_release(&name);
}

/* One bar of chart_guards(): a benchmark's change of an experiment, with its interval. */
struct guard_bar {
	char label[96];
	double ratio, lo, hi;
	int blocks;
};

/*
 * (4) the benchmarks of each experiment that benched guards: the target's
 * and every guard's B/A as a change in percent, with its interval; a guard
 * that rejected the change is bold.
 */
static void chart_guards(struct strbuf *sb, const struct report *r)
{
	struct svg_frame f = { CHART_W, 0, 300, 30, 44, 52 };
	struct guard_bar *bars = xcalloc(r->nexp + r->nguard_rows + 1, sizeof(*bars));
	struct strbuf tip = STRBUF_INIT;
	struct svg_axis ax;
	struct svg_scale x;
	size_t n = 0;
	double m = 1, rowh = 26, x0, lx;
	for (size_t i = 0; i < r->nexp; i++) {
		const struct report_exp *e = &r->exp[i];
		if (!e->nguards)
			continue;
		snprintf(bars[n].label, sizeof(bars[n].label), "#%lld target", (long long)e->id);
		bars[n].ratio = e->has_bench ? e->bench.ratio : NAN;
		bars[n].lo = e->has_bench ? e->bench.lo : NAN;
		bars[n++].hi = e->has_bench ? e->bench.hi : NAN;
		for (size_t k = 0; k < e->nguards; k++, n++) {
			const struct guard_row *g = &e->guards[k];
			snprintf(bars[n].label, sizeof(bars[n].label), "#%lld guard %s", (long long)e->id,
				 g->guard);
			bars[n].ratio = g->ratio;
			bars[n].lo = g->lo;
			bars[n].hi = g->hi;
			bars[n].blocks = !strcmp(g->outcome, "slower") || !strcmp(g->outcome, "memory");
		}
	}
	for (size_t i = 0; i < n; i++) {
		double v[3] = { bars[i].ratio, bars[i].lo, bars[i].hi };
		for (int k = 0; k < 3; k++)
			if (isfinite(v[k]) && v[k] > 0)
				m = fmax(m, fabs(100 * (v[k] - 1)));
	}
	figure_begin(sb, "Guard benchmarks: each experiment's change of the target's and every "
			 "guard's metric (B/A - 1, percent) with its decision interval; a guard that "
			 "rejected the change is bold.");
	svg_axis_nice(-m, m, 7, &ax);
	f.h = f.top + f.bottom + rowh * (double)n;
	x = (struct svg_scale){ ax.lo, ax.hi, f.left, f.w - f.right };
	x0 = svg_map(&x, 0);
	svg_begin(sb, "chart-guards", &f, "Guard benchmarks of each experiment",
		  "Horizontal bars: change of each benchmark's metric in percent, faster left and "
		  "slower right, with decision intervals.");
	svg_draw_axis(sb, &f, &ax, &x, 0, "change of the benchmark's metric (B/A - 1, %)");
	for (size_t i = 0; i < n; i++) {
		const struct guard_bar *b = &bars[i];
		double yc = f.top + rowh * ((double)i + 0.5);
		double d = isfinite(b->ratio) ? 100 * (b->ratio - 1) : 0;
		svg_text(sb, f.left - 8, yc + 4, "end", b->blocks ? "touched" : NULL, b->label);
		strbuf_setf(&tip, "%s: %+.2f%%%s", b->label, d, b->blocks ? ", rejects the change" : "");
		/* the interval as a symmetric range would misdraw a skewed one: draw its ends */
		hbar(sb, &x, yc, rowh, d, NAN, "1", tip.buf);
		if (isfinite(b->lo) && isfinite(b->hi))
			hrange(sb, svg_map(&x, 100 * (b->lo - 1)), svg_map(&x, 100 * (b->hi - 1)), yc);
	}
	zero_line(sb, &f, x0);
	lx = svg_legend(sb, 20, 20, SVG_KEY_BAR, COLOR_A, "faster");
	lx = svg_legend(sb, lx, 20, SVG_KEY_BAR, COLOR_B, "slower");
	lx = svg_legend(sb, lx, 20, SVG_KEY_HRANGE, COLOR_INK, "decision interval");
	svg_text(sb, lx, 20, "start", "touched", "bold: the guard rejected the change");
	svg_end(sb);
	figure_end(sb);
	strbuf_release(&tip);
	free(bars);
}

static const char *strong_class(const char *text)
{
	if (!strncmp(text, "keep", 4) || !strcmp(text, "sent"))
		return "good";
	if (!strncmp(text, "reject", 6) || !strcmp(text, "failed") || strstr(text, "(reject)") ||
	    !strcmp(text, "interrupted") ||
	    !strcmp(text, "abandoned"))
		return "bad";
	return "warn";
}

static void html_table(struct strbuf *sb, const struct report_table *t, const char *id)
{
	strbuf_addf(sb, "<table id=\"%s\">\n<thead><tr>", id);
	for (size_t j = 0; j < t->ncols; j++) {
		strbuf_addf(sb, "<th%s>", t->align[j] == 'r' ? " class=\"r\"" : "");
		html_escape(sb, t->head[j]);
		strbuf_addstr(sb, "</th>");
	}
	strbuf_addstr(sb, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < t->nrows; i++) {
		strbuf_addstr(sb, "<tr>");
		for (size_t j = 0; j < t->ncols; j++) {
			const struct report_cell *c = &t->cells[i * t->ncols + j];
			strbuf_addf(sb, "<td%s>", t->align[j] == 'r' ? " class=\"r\"" : "");
			switch (c->kind) {
			case CELL_CODE:
				/* hashes stay on one line; long paths may break */
				strbuf_addstr(sb, strlen(c->text) <= 16 ? "<code class=\"nw\">"
									: "<code>");
				break;
			case CELL_STRONG:
				strbuf_addf(sb, "<strong class=\"%s\">", strong_class(c->text));
				break;
			case CELL_LINK:
				strbuf_addstr(sb, "<a href=\"");
				html_escape(sb, c->href);
				strbuf_addstr(sb, "\">");
				break;
			case CELL_TEXT: break;
			}
			html_escape(sb, c->text);
			strbuf_addstr(sb, c->kind == CELL_CODE     ? "</code>"
					  : c->kind == CELL_STRONG ? "</strong>"
					  : c->kind == CELL_LINK   ? "</a>"
								   : "");
			strbuf_addstr(sb, "</td>");
		}
		strbuf_addstr(sb, "</tr>\n");
	}
	strbuf_addstr(sb, "</tbody>\n</table>\n");
}

void report_html(const struct report *r, struct strbuf *out)
{
	struct report_section *sec;
	struct strbuf sb = STRBUF_INIT;
	size_t nsec;
	char when[32];

	strbuf_addstr(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			   "<title>perfloop report: ");
	html_escape(out, r->branch);
	strbuf_addf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", css);
	strbuf_addstr(out, "<h1>perfloop report: <code>");
	html_escape(out, r->branch);
	strbuf_addstr(out, "</code></h1>\n<p class=\"meta\">from <code>");
	html_escape(out, r->base_ref);
	strbuf_addstr(out, "</code>");
	if (r->base_commit) {
		strbuf_addstr(out, " at <code>");
		html_escape(out, r->base_commit);
		strbuf_addstr(out, "</code>");
	}
	if (r->pr)
		strbuf_addf(out, ", pull request #%d", r->pr);
	fmt_time(when, sizeof(when), r->generated);
	strbuf_addf(out, " · generated by perfloop %s on %s</p>\n", PERFLOOP_VERSION, when);

	report_summary(r, &sb);
	paragraphs(out, sb.buf, NULL);
	report_sections(r, &sec, &nsec);
	for (size_t i = 0; i < nsec; i++) {
		strbuf_addf(out, "<h%d>", sec[i].level);
		html_escape(out, sec[i].heading);
		strbuf_addf(out, "</h%d>\n", sec[i].level);
		if (sec[i].text)
			paragraphs(out, sec[i].text, sec[i].table.nrows ? NULL : "empty");
		if (sec[i].table.nrows)
			html_table(out, &sec[i].table, sec[i].id);
		if (!strcmp(sec[i].id, "times")) {
			strbuf_addstr(out, "<h2>Charts</h2>\n");
			chart_time(out, r);
			chart_runs(out, r);
			chart_hotspots(out, r);
			if (r->nguard_rows)
				chart_guards(out, r);
		}
	}
	report_sections_release(sec, nsec);
	strbuf_addstr(out, "</main>\n</body>\n</html>\n");
	strbuf_release(&sb);
}
