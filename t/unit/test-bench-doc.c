/*
 * test-bench-doc.c: the bench document's one reader (bench_doc_read()), the
 * metric table and how values are formatted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "bench-doc.h"
#include "cmd/bench-print.h"
#include "metric.h"

/* A document from before metrics were recorded: no metric, a noise without a source. */
static const char *old_doc =
    "{\"id\": 3, \"status\": \"done\", \"verdict\": \"faster\", \"pairs\": 2,"
    " \"interval\": [0.9, 0.95], \"level\": 0.9, \"ratio\": 0.92,"
    " \"noise\": {\"sigma\": 0.01},"
    " \"baseline\": {\"artifact\": \"/a\", \"wall\": [1.0, 1.2], \"user\": [0.5, 0.5],"
    "  \"sys\": [0.1, 0.1], \"max_rss_kb\": [100, 300], \"exit_codes\": [0, 0]},"
    " \"candidate\": {\"wall\": [0.9, 5.0, 1.1], \"user\": [0.4, 0.4, 0.4],"
    "  \"sys\": [0.1, 0.1, 0.1], \"max_rss_kb\": [100, 100, 100], \"exit_codes\": [0, 1, 0]}}";

static void test_old_document(void **state)
{
	json_t *doc = json_loads(old_doc, 0, NULL);
	struct bench_view v;
	struct strbuf err = STRBUF_INIT;
	const struct bench_series *w;
	(void)state;
	assert_non_null(doc);
	assert_int_equal(bench_doc_read(doc, &v, &err), 0);
	/* defaults for what it lacks */
	assert_ptr_equal(v.metric, METRIC_WALL);
	assert_string_equal(v.kind, "bench");
	assert_string_equal(v.noise_source, "unknown");
	assert_null(v.metric_source);
	assert_null(v.contradiction);
	assert_int_equal(v.ncross, 0);
	assert_int_equal(v.has_plan, 0);
	assert_string_equal(v.verdict, "faster");
	assert_float_equal(v.lo, 0.9, 1e-12);
	/* the runs that exited 0 */
	w = bench_view_series(&v.b, METRIC_WALL, 0);
	assert_non_null(w);
	assert_int_equal(w->n, 2);
	assert_float_equal(w->x[1], 1.1, 1e-12);
	assert_int_equal(v.b.runs, 3);
	assert_int_equal(v.b.ok, 2);
	assert_float_equal(bench_view_series(&v.a, METRIC_CPU, 0)->x[0], 0.6, 1e-12);
	assert_float_equal(v.a.rss_median, 200, 1e-12);
	assert_null(bench_view_series(&v.b, metric_find("instructions"), 0));
	bench_view_release(&v);
	/* and it prints: no key it lacks is read as a string */
	print_bench_doc(doc);
	json_decref(doc);
	strbuf_release(&err);
}

static void test_not_a_document(void **state)
{
	json_t *doc = json_loads("{\"id\": 1, \"status\": \"running\"}", 0, NULL);
	struct bench_view v;
	struct strbuf err = STRBUF_INIT;
	(void)state;
	assert_int_equal(bench_doc_read(doc, &v, &err), -1);
	assert_non_null(strstr(err.buf, "not a bench document"));
	assert_int_equal(bench_doc_read(NULL, &v, &err), -1);
	json_decref(doc);
	strbuf_release(&err);
}

/* Counters, harness metrics and valgrind's instructions, per side and tool. */
static void test_metric_series(void **state)
{
	json_t *doc = json_loads(
	    "{\"metric\": \"instructions\", \"metric_source\": \"valgrind\","
	    " \"cross_checks\": [{\"metric\": \"wall\", \"pairs\": 1, \"ratio\": 1.1,"
	    "  \"ratio_mean\": 1.1, \"interval\": [1.01, 1.2], \"level\": 0.95,"
	    "  \"noise\": {\"source\": \"history\"}, \"calibrated\": true,"
	    "  \"contradicts\": true}, {\"metric\": \"no such name!\"}],"
	    " \"contradiction\": \"wall says slower\","
	    " \"candidate\": {\"wall\": [1.0], \"user\": [1], \"sys\": [0],"
	    "  \"exit_codes\": [0], \"metrics\": {\"task-clock\": [9e8], \"compile\": [2.5]},"
	    "  \"valgrind\": {\"wall\": [20, 21], \"exit_codes\": [0, 0],"
	    "   \"metrics\": {\"instructions\": [1e9, null]}}}}",
	    0, NULL);
	struct bench_view v;
	struct strbuf err = STRBUF_INIT;
	const struct metric *ins = metric_find("instructions");
	double x[8];
	(void)state;
	assert_int_equal(bench_doc_read(doc, &v, &err), 0);
	assert_ptr_equal(v.metric, ins);
	assert_string_equal(v.metric_source, "valgrind");
	assert_int_equal(bench_view_series(&v.b, ins, 1)->n, 1);
	assert_null(bench_view_series(&v.b, ins, 0));
	/* valgrind's times are never a series of the harness */
	assert_int_equal(bench_view_series(&v.b, METRIC_WALL, 0)->n, 1);
	assert_null(bench_view_series(&v.b, METRIC_WALL, 1));
	assert_int_equal(v.b.vg_runs, 2);
	assert_float_equal(bench_view_series(&v.b, metric_lookup("compile"), 0)->x[0], 2.5, 0);
	/* an unknown metric name is skipped, not read as one */
	assert_int_equal(v.ncross, 1);
	assert_int_equal(v.cross[0].contradicts, 1);
	assert_float_equal(v.cross[0].lo, 1.01, 1e-12);
	assert_string_equal(v.contradiction, "wall says slower");
	bench_view_release(&v);
	/* the document's sides as metric_side_values() reads them */
	assert_int_equal(metric_side_runs(json_object_get(doc, "candidate")), 3);
	assert_int_equal(metric_side_values(ins, json_object_get(doc, "candidate"), x), 2);
	assert_true(x[0] == 1e9 && isnan(x[1]));
	assert_int_equal(
	    metric_side_values(metric_find("task-clock"), json_object_get(doc, "candidate"), x), 1);
	assert_true(x[0] == 9e8);
	json_decref(doc);
	strbuf_release(&err);
}

static void test_metric_table(void **state)
{
	const struct metric *a, *b;
	(void)state;
	assert_ptr_equal(metric_lookup("wall"), METRIC_WALL);
	assert_int_equal(metric_find("instructions")->verdict, 1);
	assert_int_equal(metric_find("cycles")->verdict, 0);
	/* contention signs are shown, never judged */
	assert_int_equal(metric_find("context-switches")->cost, 0);
	assert_int_equal(metric_find("task-clock")->cost, 1);
	/* a harness metric: made once, a cost, read from run_metrics */
	a = metric_lookup("compile.ms");
	b = metric_lookup("compile.ms");
	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_int_equal(a->kind, METRIC_HARNESS);
	assert_int_equal(a->cost, 1);
	assert_non_null(strstr(a->run_sql, "name = 'compile.ms'"));
	/* a name no harness metric can have */
	assert_null(metric_lookup("it's"));
	assert_null(metric_lookup(NULL));
}

static void test_format(void **state)
{
	char buf[64];
	(void)state;
	assert_string_equal(format_count(1432118907, buf, sizeof(buf)), "1,432,118,907");
	assert_string_equal(format_count(812, buf, sizeof(buf)), "812");
	assert_string_equal(format_count(1000, buf, sizeof(buf)), "1,000");
	assert_string_equal(format_count(-12345, buf, sizeof(buf)), "-12,345");
	assert_string_equal(metric_format(metric_find("instructions"), 1.432e9, buf, sizeof(buf)),
			    "1.43 G");
	assert_string_equal(metric_format(metric_find("page-faults"), 45600, buf, sizeof(buf)),
			    "45.6 k");
	assert_string_equal(metric_format(metric_find("cpu-migrations"), 3, buf, sizeof(buf)), "3");
	assert_string_equal(metric_format(metric_find("instructions"), 123.4e6, buf, sizeof(buf)),
			    "123 M");
	/* task-clock counts nanoseconds, shown as seconds */
	assert_string_equal(metric_format(metric_find("task-clock"), 1.5e9, buf, sizeof(buf)),
			    "1.500s");
	assert_string_equal(metric_format(METRIC_WALL, 125, buf, sizeof(buf)), "125.0s");
	assert_string_equal(metric_format(metric_lookup("score"), 30900, buf, sizeof(buf)),
			    "30900");
	assert_string_equal(metric_format(metric_lookup("score"), NAN, buf, sizeof(buf)), "-");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_old_document),  cmocka_unit_test(test_not_a_document),
	    cmocka_unit_test(test_metric_series), cmocka_unit_test(test_metric_table),
	    cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
