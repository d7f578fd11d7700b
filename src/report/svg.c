/*
 * svg.c: scales, nice ticks and plot frames for the report's inline SVG.
 */
#include "report/svg.h"

#include <math.h>
#include <string.h>

#include "banned.h"

void html_escape(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': strbuf_addstr(sb, "&amp;"); break;
		case '<': strbuf_addstr(sb, "&lt;"); break;
		case '>': strbuf_addstr(sb, "&gt;"); break;
		case '"': strbuf_addstr(sb, "&quot;"); break;
		case '\'': strbuf_addstr(sb, "&#39;"); break;
		default: strbuf_addch(sb, *s);
		}
	}
}

double svg_map(const struct svg_scale *s, double v)
{
	if (s->d1 == s->d0)
		return (s->r0 + s->r1) / 2;
	return s->r0 + (v - s->d0) * (s->r1 - s->r0) / (s->d1 - s->d0);
}

/* 1, 2, 5 or 10 times a power of ten near x (rounded, or the next one up) */
static double nice_number(double x, int round_it)
{
	double e = floor(log10(x)), f = x / pow(10, e), n;
	if (round_it)
		n = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
	else
		n = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
	return n * pow(10, e);
}

void svg_axis_nice(double min, double max, int target, struct svg_axis *ax)
{
	double range, step;
	if (!isfinite(min) || !isfinite(max)) {
		min = 0;
		max = 1;
	}
	if (min > max) {
		double t = min;
		min = max;
		max = t;
	}
	if (max - min <= 1e-12 * fmax(1, fabs(max))) {
		double pad = min != 0 ? fabs(min) * 0.05 : 1;
		min -= pad;
		max += pad;
	}
	if (target < 2)
		target = 2;
	range = nice_number(max - min, 0);
	step = nice_number(range / (target - 1), 1);
	ax->step = step;
	/* a hair of tolerance so that 0.3 / 0.1 does not become 3.0000000004 */
	ax->lo = floor(min / step + 1e-9) * step;
	ax->hi = ceil(max / step - 1e-9) * step;
	ax->n = (int)lround((ax->hi - ax->lo) / step) + 1;
	ax->decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
}

const char *svg_tick_label(char *buf, size_t len, const struct svg_axis *ax, int i)
{
	double v = ax->lo + i * ax->step;
	if (fabs(v) < ax->step * 1e-6)
		v = 0;
	snprintf(buf, len, "%.*f", ax->decimals, v);
	return buf;
}

void svg_begin(struct strbuf *sb, const char *id, const struct svg_frame *f, const char *title,
	       const char *desc)
{
	strbuf_addf(sb,
		    "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"%s\" role=\"img\" "
		    "aria-labelledby=\"%s-title %s-desc\" width=\"%.0f\" height=\"%.0f\" "
		    "viewBox=\"0 0 %.0f %.0f\">\n<title id=\"%s-title\">",
		    id, id, id, f->w, f->h, f->w, f->h, id);
	html_escape(sb, title);
	strbuf_addf(sb, "</title>\n<desc id=\"%s-desc\">", id);
	html_escape(sb, desc);
	strbuf_addstr(sb, "</desc>\n");
}

void svg_end(struct strbuf *sb)
{
	strbuf_addstr(sb, "</svg>\n");
}

void svg_text(struct strbuf *sb, double x, double y, const char *anchor, const char *cls,
	      const char *text)
{
	strbuf_addf(sb, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"", x, y, anchor);
	if (cls)
		strbuf_addf(sb, " class=\"%s\"", cls);
	strbuf_addch(sb, '>');
	html_escape(sb, text);
	strbuf_addstr(sb, "</text>\n");
}

static void line(struct strbuf *sb, const char *cls, double x1, double y1, double x2, double y2)
{
	strbuf_addf(sb, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
		    cls, x1, y1, x2, y2);
}

void svg_draw_axis(struct strbuf *sb, const struct svg_frame *f, const struct svg_axis *ax,
		   const struct svg_scale *sc, int vertical, const char *title)
{
	double x0 = f->left, x1 = f->w - f->right, y0 = f->top, y1 = f->h - f->bottom;
	char label[64];
	strbuf_addstr(sb, "<g class=\"axis\">\n");
	for (int i = 0; i < ax->n; i++) {
		double v = svg_map(sc, ax->lo + i * ax->step);
		svg_tick_label(label, sizeof(label), ax, i);
		if (vertical) {
			line(sb, "grid", x0, v, x1, v);
			svg_text(sb, x0 - 6, v + 4, "end", NULL, label);
		} else {
			line(sb, "grid", v, y0, v, y1);
			svg_text(sb, v, y1 + 16, "middle", NULL, label);
		}
	}
	if (vertical) {
		line(sb, "spine", x0, y0, x0, y1);
		strbuf_addf(sb, "<text class=\"title\" text-anchor=\"middle\" "
				"transform=\"translate(16 %.1f) rotate(-90)\">",
			    (y0 + y1) / 2);
		html_escape(sb, title);
		strbuf_addstr(sb, "</text>\n");
	} else {
		line(sb, "spine", x0, y1, x1, y1);
		svg_text(sb, (x0 + x1) / 2, y1 + 36, "middle", "title", title);
	}
	strbuf_addstr(sb, "</g>\n");
}

double svg_legend(struct strbuf *sb, double x, double y, enum svg_key key, const char *colour,
		  const char *label)
{
	double cx = x + 6, cy = y - 4;
	switch (key) {
	case SVG_KEY_DOT:
		strbuf_addf(sb, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>\n", cx, cy,
			    colour);
		break;
	case SVG_KEY_BAR:
		strbuf_addf(sb, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
			    x, cy - 6, colour);
		break;
	case SVG_KEY_RANGE:
		strbuf_addf(sb,
			    "<path d=\"M%.1f %.1fv14M%.1f %.1fh8M%.1f %.1fh8\" stroke=\"%s\" "
			    "stroke-width=\"1.5\" fill=\"none\"/>\n",
			    cx, cy - 7, cx - 4, cy - 7, cx - 4, cy + 7, colour);
		break;
	case SVG_KEY_HRANGE:
		strbuf_addf(sb,
			    "<path d=\"M%.1f %.1fh14M%.1f %.1fv8M%.1f %.1fv8\" stroke=\"%s\" "
			    "stroke-width=\"1.5\" fill=\"none\"/>\n",
			    cx - 7, cy, cx - 7, cy - 4, cx + 7, cy - 4, colour);
		break;
	case SVG_KEY_LINE:
		strbuf_addf(sb,
			    "<path d=\"M%.1f %.1fh14\" stroke=\"%s\" stroke-width=\"2.5\" "
			    "fill=\"none\"/>\n",
			    cx - 7, cy, colour);
		break;
	}
	svg_text(sb, x + 18, y, "start", "legend", label);
	/* about 6.6 units per character of the 12-unit legend font */
	return x + 18 + 6.6 * (double)strlen(label) + 18;
}
