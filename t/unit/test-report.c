/*
 * test-report.c: the report's pure parts: HTML and Markdown escaping, number
 * formatting, SVG scales and nice axes, the median's order-statistic
 * interval, standard errors from a bench's interval or pairs, the cumulative
 * speed-up composed from log-ratios, goal progress, and the Markdown of a
 * hand-made report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "report/report.h"
#include "report/svg.h"
#include "stats.h"

static void test_html_escape(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	(void)state;
	html_escape(&sb, "std::vector<int>::push_back(int&&) \"q\" 'a'");
	assert_string_equal(sb.buf, "std::vector&lt;int&gt;::push_back(int&amp;&amp;) &quot;q&quot; "
				    "&#39;a&#39;");
	strbuf_reset(&sb);
	html_escape(&sb, NULL);
	html_escape(&sb, "");
	assert_string_equal(sb.buf, "");
	strbuf_release(&sb);
}

static void test_md_escape(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	(void)state;
	report_md_escape(&sb, "a|b\nc <d> & *e* _f_ `g` [h] \\");
	assert_string_equal(sb.buf, "a\\|b c &lt;d&gt; &amp; \\*e\\* \\_f\\_ \\`g\\` \\[h\\] \\\\");
	strbuf_release(&sb);
}

static void test_fmt(void **state)
{
	char b[32];
	(void)state;
	assert_string_equal(report_fmt_secs(b, sizeof(b), 0.15234), "152.3 ms");
	assert_string_equal(report_fmt_secs(b, sizeof(b), 0.0123456), "12.35 ms");
	assert_string_equal(report_fmt_secs(b, sizeof(b), 1.23456), "1.235 s");
	assert_string_equal(report_fmt_secs(b, sizeof(b), 12.3456), "12.35 s");
	assert_string_equal(report_fmt_secs(b, sizeof(b), 1234.6), "1235 s");
	assert_string_equal(report_fmt_secs(b, sizeof(b), 0.000123), "123.0 µs");
	/* rounding carries into the next unit */
	assert_string_equal(report_fmt_secs(b, sizeof(b), 0.99999), "1.000 s");
	assert_string_equal(report_fmt_secs(b, sizeof(b), 0), "0 s");
	assert_string_equal(report_fmt_secs(b, sizeof(b), NAN), "?");
	assert_string_equal(report_fmt_ratio(b, sizeof(b), 0.66666), "×0.667");
	assert_string_equal(report_fmt_ratio(b, sizeof(b), NAN), "?");
	assert_string_equal(report_fmt_change(b, sizeof(b), 0.66666), "-33.3%");
	assert_string_equal(report_fmt_change(b, sizeof(b), 1.05), "+5.0%");
	assert_string_equal(report_fmt_change(b, sizeof(b), INFINITY), "?");
	assert_string_equal(report_fmt_level(b, sizeof(b), 0.95), "95%");
	assert_string_equal(report_fmt_level(b, sizeof(b), 0.96875), "97%");
	assert_string_equal(report_fmt_level(b, sizeof(b), 0.99966), "99.97%");
	assert_string_equal(report_fmt_level(b, sizeof(b), 0.9999999), ">99.99%");
	assert_string_equal(report_fmt_level(b, sizeof(b), 1), "100%");
	/* a value in its metric's unit */
	assert_string_equal(report_fmt_value(b, sizeof(b), metric_find("wall"), 0.15234),
			    "152.3 ms");
	assert_string_equal(report_fmt_value(b, sizeof(b), metric_find("task-clock"), 1.5e9),
			    "1.500 s");
	assert_string_equal(report_fmt_value(b, sizeof(b), metric_find("instructions"), 1.4321e9),
			    "1.43 G");
	assert_string_equal(report_fmt_value(b, sizeof(b), metric_find("page-faults"), 12345),
			    "12.3 k");
	assert_string_equal(report_fmt_value(b, sizeof(b), metric_lookup("score"), 100.04),
			    "100");
	assert_string_equal(report_fmt_value(b, sizeof(b), metric_lookup("score"), 0.0123456),
			    "0.01235");
	assert_string_equal(report_fmt_value(b, sizeof(b), metric_find("instructions"), NAN), "?");
}

static void check_axis(double min, double max, int target, double lo, double hi, double step,
		       int n, int decimals)
{
	struct svg_axis ax;
	svg_axis_nice(min, max, target, &ax);
	assert_true(fabs(ax.lo - lo) < 1e-9);
	assert_true(fabs(ax.hi - hi) < 1e-9);
	assert_true(fabs(ax.step - step) < 1e-12);
	assert_int_equal(ax.n, n);
	assert_int_equal(ax.decimals, decimals);
	/* the ticks cover the data */
	assert_true(ax.lo <= fmin(min, max) && ax.hi >= fmax(min, max));
}

static void test_axis(void **state)
{
	struct svg_axis ax;
	struct svg_scale y = { 0, 200, 300, 40 };
	char b[32];
	(void)state;
	check_axis(0.13, 0.97, 5, 0, 1, 0.2, 6, 1);
	check_axis(-3.2, 1.1, 5, -4, 2, 1, 7, 0);
	check_axis(101.0, 199.3, 6, 100, 200, 20, 6, 0);
	check_axis(0.3, 0.9, 4, 0, 1, 0.5, 3, 1);
	check_axis(-7.75, 7.75, 7, -10, 10, 5, 5, 0);
	check_axis(0.0012, 0.0049, 5, 0.001, 0.005, 0.001, 5, 3);
	/* degenerate ranges widen around the value; nonsense becomes [0, 1] */
	check_axis(5, 5, 5, 4.7, 5.3, 0.1, 7, 1);
	check_axis(0, 0, 5, -1, 1, 0.5, 5, 1);
	svg_axis_nice(NAN, INFINITY, 5, &ax);
	assert_true(ax.lo == 0 && ax.hi >= 1 && ax.n >= 2);
	/* reversed input is sorted */
	check_axis(9, 1, 5, 0, 10, 2, 6, 0);
	/* tick labels: no "-0" */
	svg_axis_nice(-1, 1, 5, &ax);
	assert_string_equal(svg_tick_label(b, sizeof(b), &ax, 2), "0.0");
	assert_string_equal(svg_tick_label(b, sizeof(b), &ax, 0), "-1.0");
	/* scales map ends to ends, inverted for y */
	assert_true(fabs(svg_map(&y, 0) - 300) < 1e-9);
	assert_true(fabs(svg_map(&y, 200) - 40) < 1e-9);
	assert_true(fabs(svg_map(&y, 100) - 170) < 1e-9);
	y.d1 = y.d0;
	assert_true(fabs(svg_map(&y, 7) - 170) < 1e-9);
}

static void test_median_interval(void **state)
{
	double x[20] = { 14, 3, 9, 20, 1, 17, 6, 11, 8, 15, 2, 19, 5, 12, 7, 18, 4, 13, 10, 16 };
	double five[5] = { 5, 1, 4, 2, 3 };
	struct report_time t;
	(void)state;
	report_median_interval(NULL, 0, 0.95, &t);
	assert_int_equal(t.runs, 0);
	assert_true(isnan(t.median));
	report_median_interval(five, 1, 0.95, &t);
	assert_true(t.median == 5 && t.lo == 5 && t.hi == 5 && t.level == 0);
	/* five runs cannot reach 95%: min and max, 1 - 2/32 */
	report_median_interval(five, 5, 0.95, &t);
	assert_true(t.median == 3 && t.lo == 1 && t.hi == 5);
	assert_true(fabs(t.level - 0.9375) < 1e-12);
	/* twenty: x(6)..x(15) covers 1 - 2 P(B(20, 1/2) <= 5) = 0.9586 */
	report_median_interval(x, 20, 0.95, &t);
	assert_true(t.median == 10.5 && t.lo == 6 && t.hi == 15);
	assert_true(fabs(t.level - (1 - 2 * 21700.0 / 1048576.0)) < 1e-9);
	assert_true(t.level >= 0.95);
	/* the input is not reordered */
	assert_true(x[0] == 14 && x[19] == 16);
}

static void test_se(void **state)
{
	const double d[6] = { -0.30, -0.28, -0.33, -0.31, -0.29, -0.32 };
	const double three[3] = { 0.1, 0.2, 0.3 };
	struct verdict_params vp = { 6, 0.01, 0.4, 0.001, 0, 0, 0 };
	struct verdict_result vr;
	double mean, se, df;
	(void)state;
	/* the stored interval of a real verdict gives back sigma / sqrt(n) */
	verdict_eval(&vp, d, 6, &vr);
	assert_int_equal(vr.verdict, VERDICT_FASTER);
	se = report_se_from_interval(exp(vr.lo), exp(vr.hi), vr.level, vr.df);
	assert_true(fabs(se - vr.sigma / sqrt(6)) < 1e-9);
	/* with history the interval uses its degrees of freedom */
	vp.have_history = 1;
	vp.hist_sigma = 0.02;
	vp.hist_df = 40;
	verdict_eval(&vp, d, 4, &vr);
	se = report_se_from_interval(exp(vr.lo), exp(vr.hi), vr.level, vr.df);
	assert_true(fabs(se - vr.sigma / 2) < 1e-9);
	/* no interval: an early reject, an infinite bound, a zero level */
	assert_true(isnan(report_se_from_interval(1.5, 1.5, 0, 3)));
	assert_true(isnan(report_se_from_interval(0.9, INFINITY, 0.95, 3)));
	assert_true(isnan(report_se_from_interval(NAN, 1.1, 0.95, 3)));
	/* from pairs */
	report_se_from_pairs(three, 3, &mean, &se, &df);
	assert_true(fabs(mean - 0.2) < 1e-12 && fabs(se - 0.1 / sqrt(3)) < 1e-12 && df == 2);
	report_se_from_pairs(three, 1, &mean, &se, &df);
	assert_true(fabs(mean - 0.1) < 1e-12 && isnan(se) && isnan(df));
}

static void test_compose(void **state)
{
	const double mean[2] = { log(0.8), log(0.9) }, se[2] = { 0.03, 0.04 }, df[2] = { 5, 10 };
	const double nose[2] = { 0.03, NAN }, inf[2] = { INFINITY, INFINITY };
	struct report_cumulative c;
	double ws, q;
	(void)state;
	report_compose(mean, se, df, 2, 0.95, &c);
	/* the ratios multiply, the variances add */
	assert_true(fabs(c.ratio - 0.72) < 1e-12);
	assert_true(fabs(c.log_sum - log(0.72)) < 1e-12);
	assert_true(fabs(c.se - 0.05) < 1e-12);
	ws = 0.0025 * 0.0025 / (0.0009 * 0.0009 / 5 + 0.0016 * 0.0016 / 10);
	assert_true(fabs(c.df - ws) < 1e-9);
	q = t_quantile(0.975, ws);
	assert_true(fabs(c.lo - exp(log(0.72) - q * 0.05)) < 1e-12);
	assert_true(fabs(c.hi - exp(log(0.72) + q * 0.05)) < 1e-12);
	assert_true(c.lo < 0.72 && 0.72 < c.hi && c.n == 2);
	/* one estimate alone: its own t interval */
	report_compose(mean, se, df, 1, 0.95, &c);
	assert_true(fabs(c.df - 5) < 1e-9);
	assert_true(fabs(c.hi - exp(log(0.8) + t_quantile(0.975, 5) * 0.03)) < 1e-12);
	/* infinite df everywhere: normal quantile */
	report_compose(mean, se, inf, 2, 0.95, &c);
	assert_true(isinf(c.df));
	assert_true(fabs(c.lo - exp(log(0.72) - normal_quantile(0.975) * 0.05)) < 1e-9);
	/* an unknown se: the ratio, but no interval */
	report_compose(mean, nose, df, 2, 0.95, &c);
	assert_true(fabs(c.ratio - 0.72) < 1e-12 && isnan(c.lo) && isnan(c.hi) && isnan(c.se));
	/* nothing kept */
	report_compose(NULL, NULL, NULL, 0, 0.95, &c);
	assert_true(c.n == 0 && c.ratio == 1 && isnan(c.lo));
}

/* Goal progress: reached only by the interval's lower bound; rounds; no goal. */
static void test_goal(void **state)
{
	struct report_cumulative c;
	struct report_goal g;
	struct strbuf sb = STRBUF_INIT;
	double mean = log(1 / 1.2), se = 0.02, df = 10, nose = NAN;
	(void)state;
	report_compose(&mean, &se, &df, 1, 0.95, &c);
	/* ×1.2, interval about ×1.15 – ×1.25 */
	report_goal_compute(&c, 2, 0.05, 10, &g);
	assert_int_equal(g.state, GOAL_REACHED);
	assert_true(fabs(g.speedup - 1.2) < 1e-12 && g.lo > 1.1 && g.lo < 1.2 && g.hi > 1.2);
	assert_true(fabs(g.lo - 1 / c.hi) < 1e-12 && fabs(g.hi - 1 / c.lo) < 1e-12);
	report_goal_line(&g, &sb);
	assert_string_equal(sb.buf, "speed-up ×1.050 (5%), reached: cumulative speed-up ×1.200 "
				    "(95% interval ×1.148 – ×1.255); 2 of 10 rounds used");
	/* the estimate is past ×1.18, its lower bound is not: not reached */
	report_goal_compute(&c, 2, 0.18, 10, &g);
	assert_int_equal(g.state, GOAL_PENDING);
	strbuf_reset(&sb);
	report_goal_line(&g, &sb);
	assert_string_equal(sb.buf, "speed-up ×1.180 (18%), not reached yet: cumulative speed-up "
				    "×1.200 (95% interval ×1.148 – ×1.255; its lower bound must "
				    "reach ×1.180); 2 of 10 rounds used");
	report_goal_compute(&c, 10, 0.18, 10, &g);
	assert_int_equal(g.state, GOAL_EXHAUSTED);
	report_goal_compute(&c, 11, 0.18, 10, &g);
	assert_int_equal(g.state, GOAL_EXHAUSTED);
	/* no round limit: never used up */
	report_goal_compute(&c, 1000, 0.18, 0, &g);
	assert_int_equal(g.state, GOAL_PENDING);
	strbuf_reset(&sb);
	report_goal_line(&g, &sb);
	assert_non_null(strstr(sb.buf, "; 1000 rounds used"));
	/* reached wins over used up */
	report_goal_compute(&c, 12, 0.05, 10, &g);
	assert_int_equal(g.state, GOAL_REACHED);
	/* a lower bound exactly at the goal reaches it */
	c.hi = 0.5;
	report_goal_compute(&c, 1, 1.0, 0, &g);
	assert_true(g.lo == 2.0 && g.state == GOAL_REACHED);
	/* without an interval a huge estimate is not enough */
	report_compose(&mean, &nose, &df, 1, 0.95, &c);
	report_goal_compute(&c, 1, 0.01, 0, &g);
	assert_int_equal(g.state, GOAL_PENDING);
	assert_true(isnan(g.lo));
	strbuf_reset(&sb);
	report_goal_line(&g, &sb);
	assert_non_null(strstr(sb.buf, "(no interval: a kept bench has no noise estimate)"));
	/* nothing kept: ×1, no interval */
	report_compose(NULL, NULL, NULL, 0, 0.95, &c);
	report_goal_compute(&c, 3, 0.05, 3, &g);
	assert_true(g.state == GOAL_EXHAUSTED && g.speedup == 1 && isnan(g.lo) && g.kept == 0);
	strbuf_reset(&sb);
	report_goal_line(&g, &sb);
	assert_string_equal(sb.buf, "speed-up ×1.050 (5%), not reached, rounds used up: nothing "
				    "kept; 3 of 3 rounds used");
	/* no goal: no state; rounds alone still counted, nothing at all without them */
	report_goal_compute(&c, 3, NAN, 5, &g);
	assert_int_equal(g.state, GOAL_NONE);
	strbuf_reset(&sb);
	report_goal_line(&g, &sb);
	assert_string_equal(sb.buf, "none set ([loop] goal); 3 of 5 rounds used");
	report_goal_compute(&c, 3, NAN, 0, &g);
	strbuf_reset(&sb);
	report_goal_line(&g, &sb);
	assert_string_equal(sb.buf, "");
	strbuf_release(&sb);
}

/* A report built by hand, rendered as Markdown, tables and JSON. */
static void test_render(void **state)
{
	struct report r;
	struct report_exp *e;
	struct strbuf md = STRBUF_INIT, html = STRBUF_INIT;
	double a[2] = { 0.2, 0.21 }, b[2] = { 0.1, 0.11 };
	json_t *doc;
	(void)state;
	memset(&r, 0, sizeof(r));
	r.branch = xstrdup("perf/x");
	r.base_ref = xstrdup("origin/main");
	r.nexp = 1;
	r.exp = xcalloc(1, sizeof(*r.exp));
	e = &r.exp[0];
	e->id = 1;
	e->message = xstrdup("a | b");
	e->patch_hash = xstrdup("0123456789abcdef");
	e->status = EXP_KEPT;
	e->verdict = TRY_KEEP;
	e->reason = xstrdup("end-to-end time is faster");
	e->commit = xstrdup("fedcba9876543210");
	e->profile_note = "not profiled";
	e->has_bench = 1;
	/* a loop judged on CPU time: every figure says so */
	r.metric = metric_find("cpu");
	e->bench.metric = metric_find("cpu");
	e->bench.ratio = 0.5;
	e->bench.lo = 0.45;
	e->bench.hi = 0.55;
	e->bench.level = 0.95;
	e->bench.pairs = 2;
	e->bench.a = xmalloc(sizeof(a));
	e->bench.b = xmalloc(sizeof(b));
	memcpy(e->bench.a, a, sizeof(a));
	memcpy(e->bench.b, b, sizeof(b));
	e->bench.na = e->bench.nb = 2;
	e->nhot = 1;
	e->hot = xcalloc(1, sizeof(*e->hot));
	e->hot[0].symbol = xstrdup("a`b|c<T>");
	e->hot[0].dso = xstrdup("x.so");
	e->hot[0].delta = -1;
	e->hot[0].noise = 0.5;
	e->expected = (struct exp_expected){ EXPECT_OK, 12.5, 0.05, 1 };
	report_median_interval(b, 2, REPORT_LEVEL, &e->time);
	r.kept = 1;
	report_compose(&(double){ log(0.5) }, &(double){ 0.02 }, &(double){ 1 }, 1, 0.95, &r.cum);
	r.cum.metric = e->bench.metric;

	/* no goal configured: no goal line */
	report_md(&r, &md);
	assert_null(strstr(md.buf, "Goal"));
	strbuf_reset(&md);
	r.rounds_used = 1;
	report_goal_compute(&r.cum, r.rounds_used, 0.05, 4, &r.goal);
	report_md(&r, &md);
	assert_non_null(strstr(md.buf, "\nGoal: speed-up ×1.050 (5%), reached: cumulative cpu "
					"speed-up ×2.000 (95% interval "));
	assert_non_null(strstr(md.buf, "); 1 of 4 rounds used.\n"));
	assert_non_null(strstr(md.buf, "| 1 | a \\| b | `0123456789ab` | **keep, kept** | "
					"end-to-end time is faster | cpu ×0.500 (-50.0%) | ×0.450 – "
					"×0.550 (95%), 2 pairs | profile predicts -12.5% (-50.0 ms) | "
					"`fedcba987654` | not profiled |\n"));
	assert_non_null(strstr(md.buf, "| ``a`b\\|c<T>`` | x.so |"));
	assert_non_null(strstr(md.buf, "Cumulative cpu speed-up of the 1 kept experiment: ×2.000"));
	assert_non_null(strstr(md.buf, "User+sys CPU time: no baseline measured yet."));
	assert_non_null(strstr(md.buf, "### User+sys CPU time\n"));
	assert_null(strstr(md.buf, "wall"));
	assert_non_null(strstr(md.buf, "No dispatches yet"));
	report_html(&r, &html);
	assert_non_null(strstr(html.buf, "a`b|c&lt;T&gt;"));
	assert_null(strstr(html.buf, "c<T>"));
	assert_non_null(strstr(html.buf, "id=\"chart-runs\""));
	/* the strip chart plots and labels the verdict's metric */
	assert_non_null(strstr(html.buf, ">user+sys CPU time per run (ms)</text>"));
	assert_non_null(strstr(html.buf, "<title>A run 1: cpu 200.0 ms</title>"));
	assert_non_null(strstr(html.buf, ">keep cpu ×0.500</text>"));
	assert_null(strstr(html.buf, "wall"));
	doc = report_json(&r);
	assert_int_equal(json_array_size(json_object_get(doc, "experiments")), 1);
	assert_true(json_is_null(json_object_get(doc, "baseline")));
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(doc, "current"), "experiment")),
			 1);
	assert_string_equal(json_string_value(json_object_get(doc, "metric")), "cpu");
	assert_true(json_is_true(json_object_get(json_object_get(doc, "goal"), "reached")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "goal"),
							    "rounds_used")),
			 1);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_array_get(json_object_get(doc, "experiments"),
								   0),
						    "bench"),
				    "metric")),
			    "cpu");
	json_decref(doc);

	/* guard benchmarks: a section (so the PR comment has it too), a chart, JSON */
	assert_null(strstr(md.buf, "Guard benchmarks"));
	r.nguard_rows = 1;
	r.guard_rows = xcalloc(1, sizeof(*r.guard_rows));
	r.guard_rows[0] = (struct guard_row){ 1, 7, xstrdup("small|case"), xstrdup("slower"),
					      xstrdup("slower"), xstrdup("guard 'small|case' is slower"),
					      1.2, 1.1, 1.3, 1.05 };
	e->guards = r.guard_rows;
	e->nguards = 1;
	e->bench.verdict = xstrdup("faster");
	strbuf_reset(&md);
	report_md(&r, &md);
	assert_non_null(strstr(md.buf, "### Guard benchmarks\n"));
	assert_non_null(strstr(md.buf, "| 1 | a \\| b | `target` | **faster** |"));
	assert_non_null(strstr(md.buf, "| 1 | — | `small\\|case` | **slower (reject)** | ×1.200 | "
					"×1.100 – ×1.300 | ×1.050 | guard 'small\\|case' is slower |\n"));
	strbuf_reset(&html);
	report_html(&r, &html);
	assert_non_null(strstr(html.buf, "id=\"chart-guards\""));
	assert_non_null(strstr(html.buf, "<title>#1 guard small|case: +20.00%, rejects the change"));
	doc = report_json(&r);
	{
		json_t *g = json_array_get(json_object_get(json_array_get(json_object_get(doc,
								"experiments"), 0), "guards"), 0);
		assert_string_equal(json_string_value(json_object_get(g, "guard")), "small|case");
		assert_true(json_is_true(json_object_get(g, "blocks")));
		assert_int_equal(json_array_size(json_object_get(g, "interval")), 2);
		assert_int_equal(json_integer_value(json_object_get(g, "bench")), 7);
	}
	json_decref(doc);
	e->guards = NULL;
	e->nguards = 0;

	/* two experiments judged on different metrics: each column names its own */
	strbuf_reset(&html);
	r.nexp = 2;
	r.exp = xrealloc(r.exp, 2 * sizeof(*r.exp));
	r.exp[1] = r.exp[0];
	r.exp[1].id = 2;
	r.exp[1].bench.metric = metric_find("wall");
	report_html(&r, &html);
	assert_non_null(strstr(html.buf, ">time of the verdict&#39;s metric per run (ms)</text>"));
	assert_non_null(strstr(html.buf, ">keep wall ×0.500</text>"));
	assert_non_null(strstr(html.buf, ">keep cpu ×0.500</text>"));
	r.nexp = 1;
	strbuf_release(&md);
	strbuf_release(&html);
	report_release(&r);
}

/* A loop judged on instruction counts: counts as G/M, axes in G, no seconds. */
static void test_render_counts(void **state)
{
	struct report r;
	struct report_exp *e;
	struct strbuf md = STRBUF_INIT, html = STRBUF_INIT;
	double a[2] = { 1.4321e9, 1.4329e9 }, b[2] = { 1.3901e9, 1.3905e9 };
	json_t *doc;
	(void)state;
	memset(&r, 0, sizeof(r));
	r.branch = xstrdup("perf/x");
	r.base_ref = xstrdup("origin/main");
	r.metric = metric_find("instructions");
	r.have_baseline = 1;
	r.baseline_name = xstrdup("base");
	report_median_interval(a, 2, REPORT_LEVEL, &r.baseline);
	r.nexp = 2;
	r.exp = xcalloc(2, sizeof(*r.exp));
	for (size_t i = 0; i < 2; i++) {
		e = &r.exp[i];
		e->id = (int64_t)i + 1;
		e->status = EXP_KEPT;
		e->verdict = TRY_KEEP;
		e->has_bench = 1;
		e->profile_note = "not profiled";
		e->bench.metric = metric_find(i ? "instructions" : "wall");
		e->bench.ratio = 0.97;
		e->bench.pairs = 2;
		e->bench.a = xmalloc(sizeof(a));
		e->bench.b = xmalloc(sizeof(b));
		memcpy(e->bench.a, i ? a : (double[]){ 0.2, 0.21 }, sizeof(a));
		memcpy(e->bench.b, i ? b : (double[]){ 0.19, 0.2 }, sizeof(b));
		e->bench.na = e->bench.nb = 2;
		report_median_interval(b, 2, REPORT_LEVEL, &e->time);
	}
	r.kept = 2;
	report_compose((double[]){ log(0.97), log(0.97) }, (double[]){ 0.01, 0.01 },
		       (double[]){ 3, 3 }, 2, 0.95, &r.cum);
	/* composed from two metrics: named as such, a ratio and not a time */
	report_md(&r, &md);
	assert_non_null(strstr(md.buf, "Instructions (user space): 1.43 G at the baseline, 1.39 G "
				       "now (experiment 2): instructions ×0.971 (-2.9%).\n"));
	assert_non_null(strstr(md.buf, "| baseline 'base' | — | 1.43 G | 1.43 G – 1.43 G ("));
	assert_non_null(strstr(md.buf, "| instructions median |"));
	assert_non_null(strstr(md.buf, "(their verdicts judged different metrics): ×1.063 (95% "
				       "interval ×1.027 – ×1.100; ratio ×0.941, "));
	assert_null(strstr(md.buf, " s |"));
	report_html(&r, &html);
	assert_non_null(strstr(html.buf, ">user-space instructions (G)</text>"));
	assert_non_null(strstr(html.buf, ">user-space instructions per run (G)</text>"));
	assert_non_null(strstr(html.buf, "<title>A run 1: instructions 1.43 G</title>"));
	assert_non_null(strstr(html.buf, "median 1.39 G, interval"));
	/* the wall-time experiment has no place on an axis of counts */
	assert_non_null(strstr(html.buf, "Left out: 1 experiment whose verdict judged a metric in "
					 "other units."));
	assert_null(strstr(html.buf, "A run 1: wall"));
	doc = report_json(&r);
	assert_true(json_is_null(json_object_get(json_object_get(doc, "goal"), "metric")));
	json_decref(doc);
	/* the same metric throughout: the goal names it */
	r.exp[0].bench.metric = r.metric;
	r.cum.metric = r.metric;
	report_goal_compute(&r.cum, 2, 0.05, 0, &r.goal);
	doc = report_json(&r);
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "goal"),
							      "metric")),
			    "instructions");
	json_decref(doc);
	strbuf_reset(&md);
	report_md(&r, &md);
	assert_non_null(strstr(md.buf, "cumulative instructions speed-up ×1.063"));
	assert_non_null(strstr(md.buf, "; instructions ratio ×0.941, "));
	strbuf_release(&md);
	strbuf_release(&html);
	report_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_md_escape),
		cmocka_unit_test(test_fmt),
		cmocka_unit_test(test_axis),
		cmocka_unit_test(test_median_interval),
		cmocka_unit_test(test_se),
		cmocka_unit_test(test_compose),
		cmocka_unit_test(test_goal),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
