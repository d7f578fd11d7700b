/*
 * svg.h: a small writer of inline SVG charts for the HTML report: HTML
 * escaping, linear scales, "nice" axis ticks (1, 2, 5 x 10^k steps), and
 * the frame of a plot (gridlines, tick labels, axis titles, legend keys).
 *
 * Everything appends to a caller's strbuf and never fails (out of memory is
 * fatal). Text is always escaped: profile symbols carry < > & freely.
 */
#ifndef SVG_H
#define SVG_H

#include "strbuf.h"

/* Append s with & < > " ' escaped for HTML/SVG text and attribute values. */
void html_escape(struct strbuf *sb, const char *s);

/* Linear map of the domain [d0, d1] onto the range [r0, r1]. */
struct svg_scale {
	double d0, d1, r0, r1;
};
/* Map v; the middle of the range when the domain is empty. */
double svg_map(const struct svg_scale *s, double v);

/* Ticks lo, lo + step, ..., hi (n of them), covering the data. */
struct svg_axis {
	double lo, hi, step;
	int n;
	int decimals; /* for labels: enough to tell the ticks apart */
};

/*
 * Round [min, max] out to about `target` ticks at a step of 1, 2 or 5 times a
 * power of ten (Heckbert's loose labelling). An empty or degenerate range is
 * widened around its value; non-finite input gives [0, 1].
 */
void svg_axis_nice(double min, double max, int target, struct svg_axis *ax);

/* Label of tick i ("-0" is printed as "0"); returns buf. */
const char *svg_tick_label(char *buf, size_t len, const struct svg_axis *ax, int i);

/* Outer size and the plot area's margins, in SVG user units. */
struct svg_frame {
	double w, h;
	double left, right, top, bottom;
};

/*
 * Open an <svg> with role="img", an id, a <title> and a <desc> (both
 * escaped); close it with svg_end().
 */
void svg_begin(struct strbuf *sb, const char *id, const struct svg_frame *f, const char *title,
	       const char *desc);
void svg_end(struct strbuf *sb);

/* Escaped <text> at (x, y); anchor "start", "middle" or "end"; cls may be NULL. */
void svg_text(struct strbuf *sb, double x, double y, const char *anchor, const char *cls,
	      const char *text);

/*
 * An axis with gridlines over the plot area. vertical: values on y, labels
 * left of the plot, the title rotated; else values on x, labels below the
 * plot and the title under them. The scale maps values to user units.
 */
void svg_draw_axis(struct strbuf *sb, const struct svg_frame *f, const struct svg_axis *ax,
		   const struct svg_scale *sc, int vertical, const char *title);

/* Swatches of legend entries. */
enum svg_key {
	SVG_KEY_DOT,    /* a filled circle */
	SVG_KEY_BAR,    /* a filled square */
	SVG_KEY_RANGE,  /* a vertical interval with caps */
	SVG_KEY_HRANGE, /* a horizontal interval with caps */
	SVG_KEY_LINE,   /* a short horizontal stroke */
};

/*
 * A legend entry at (x, y) (y is the text baseline): the swatch in `colour`,
 * then the escaped label. Returns the x where the next entry can start.
 */
double svg_legend(struct strbuf *sb, double x, double y, enum svg_key key, const char *colour,
		  const char *label);

#endif
