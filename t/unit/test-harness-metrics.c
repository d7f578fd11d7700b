/*
 * test-harness-metrics.c: harness metrics: names, [metrics] regexes, extraction
 * from output with NULs (last match wins), the metrics file with its
 * line-numbered errors, and the merge with missing-metric detection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness-metrics.h"

#define assert_contains(hay, needle)                                                               \
	do {                                                                                       \
		if (!strstr((hay), (needle)))                                                      \
			fail_msg("'%s' not in '%s'", (needle), (hay));                             \
	} while (0)

static void test_names(void **state)
{
	struct strbuf err = STRBUF_INIT;
	(void)state;

	assert_int_equal(hmetric_name_check("parse_ms", &err), 0);
	assert_int_equal(hmetric_name_check("a.b-c_9", &err), 0);
	assert_int_equal(hmetric_name_check("", &err), -1);
	assert_contains(err.buf, "empty");
	strbuf_reset(&err);
	assert_int_equal(hmetric_name_check("a b", &err), -1);
	assert_string_equal(err.buf, "metric name 'a b': ' ' is not allowed (use letters, digits, "
				     "'_', '.' and '-')");
	strbuf_reset(&err);
	assert_int_equal(hmetric_name_check("caf\xc3\xa9", &err), -1);
	assert_contains(err.buf, "byte 0xc3");
	strbuf_reset(&err);
	assert_int_equal(hmetric_name_check("wall", &err), -1);
	assert_contains(err.buf, "'wall' is one of perfloop's own metrics");
	strbuf_reset(&err);
	assert_int_equal(hmetric_name_check("Page-Faults", &err), -1); /* case ignored */
	assert_int_equal(hmetric_name_check("task-clock", &err), -1);
	assert_int_equal(hmetric_name_check("instructions", &err), -1);
	assert_int_equal(hmetric_name_check("rss", &err), -1);
	strbuf_reset(&err);
	assert_int_equal(
	    hmetric_name_check("x123456789012345678901234567890123456789012345678901234"
			       "5678901234",
			       &err),
	    -1);
	assert_contains(err.buf, "longer than 64");
	strbuf_release(&err);
}

static void test_rules(void **state)
{
	struct hmetric_rules rules = HMETRIC_RULES_INIT;
	struct strbuf err = STRBUF_INIT;
	(void)state;

	assert_int_equal(hmetric_rules_add(&rules, "parse_ms", "parse: ([0-9.]+) ms", &err), 0);
	assert_int_equal(hmetric_rules_add(&rules, "two", "(a)(b)", &err), -1);
	assert_string_equal(err.buf, "metric 'two': the regex '(a)(b)' has 2 capture groups; it "
				     "needs exactly one, around the number");
	strbuf_reset(&err);
	assert_int_equal(hmetric_rules_add(&rules, "none", "abc", &err), -1);
	assert_contains(err.buf, "metric 'none': the regex 'abc' has 0 capture groups");
	strbuf_reset(&err);
	assert_int_equal(hmetric_rules_add(&rules, "bad", "(a", &err), -1);
	assert_contains(err.buf, "metric 'bad': bad regex '(a': ");
	strbuf_reset(&err);
	assert_int_equal(hmetric_rules_add(&rules, "parse_ms", "x(1)", &err), -1);
	assert_string_equal(err.buf, "metric 'parse_ms' is defined twice");
	strbuf_reset(&err);
	assert_int_equal(hmetric_rules_add(&rules, "sys", "x(1)", &err), -1);
	assert_contains(err.buf, "'sys' is one of perfloop's own metrics");
	assert_int_equal(rules.nr, 1);
	hmetric_rules_release(&rules);
	strbuf_release(&err);
}

static int extract(const char *re, const char *out, size_t len, double *v, struct strbuf *err)
{
	struct hmetric_rules rules = HMETRIC_RULES_INIT;
	int rc;

	assert_int_equal(hmetric_rules_add(&rules, "m", re, err), 0);
	rc = hmetric_extract(&rules.v[0], out, len, v, err);
	hmetric_rules_release(&rules);
	return rc;
}

static void test_extract(void **state)
{
	struct strbuf err = STRBUF_INIT;
	double v = 0;
	/* binary junk with NULs, progress lines, CRLF, then the final figure */
	static const char out[] = "\x01\x02\0garbage\0time: 1.5 ms\n"
				  "time: 2.5 ms\r\n"
				  "\0\0\xff\xfe time: 3.25 ms\0tail\n"
				  "nothing here\n";
	(void)state;

	assert_int_equal(extract("time: ([0-9.]+) ms", out, sizeof(out) - 1, &v, &err), 1);
	assert_float_equal(v, 3.25, 1e-12);
	/* the last match within a line wins too */
	assert_int_equal(extract("t=([0-9]+)", "t=1 t=2 t=30\nx\n", 15, &v, &err), 1);
	assert_float_equal(v, 30, 1e-12);
	/* anchors work per line, also after a NUL */
	assert_int_equal(extract("^([0-9]+)$",
				 "12\nab\0"
				 "34\nx",
				 11, &v, &err),
			 1);
	assert_float_equal(v, 34, 1e-12);
	/* a match right at the start of the output, no trailing newline */
	assert_int_equal(extract("^v=(-?[0-9.e+]+)", "v=-1.5e+3", 9, &v, &err), 1);
	assert_float_equal(v, -1500, 1e-9);
	/* CR before LF is not part of the line */
	assert_int_equal(extract("n=([0-9]+)$", "n=7\r\n", 5, &v, &err), 1);
	assert_float_equal(v, 7, 1e-12);
	/* bytes after `len` are not looked at */
	assert_int_equal(extract("n=([0-9]+)", "n=1\nn=2", 4, &v, &err), 1);
	assert_float_equal(v, 1, 1e-12);
	/* no match */
	assert_int_equal(extract("zzz([0-9]+)", out, sizeof(out) - 1, &v, &err), 0);
	assert_int_equal(extract("a([0-9]+)", "", 0, &v, &err), 0);
	assert_string_equal(err.buf, "");
	/* the last match is not a number: an error, not an earlier match */
	assert_int_equal(extract("time: ([^ ]+)", "time: 1\ntime: 1,5 ms\n", 21, &v, &err), -1);
	assert_string_equal(err.buf, "metric 'm': the last match of its regex captured '1,5', "
				     "which is not a number");
	strbuf_reset(&err);
	assert_int_equal(extract("x=(.*)", "x=nan\n", 6, &v, &err), -1);
	assert_contains(err.buf, "'nan', which is not a number");
	strbuf_reset(&err);
	assert_int_equal(extract("x=(.*)", "x=1e999\n", 8, &v, &err), -1);
	strbuf_reset(&err);
	assert_int_equal(extract("x=(.*)", "x=0x10\n", 7, &v, &err), -1);
	strbuf_reset(&err);
	assert_int_equal(extract("x=(.*)", "x=\n", 3, &v, &err), -1);
	strbuf_reset(&err);
	/* a group that took no part in the match */
	assert_int_equal(extract("x(=[0-9]+)?$", "x\n", 2, &v, &err), -1);
	assert_contains(err.buf, "captured nothing");
	strbuf_reset(&err);
	/* blanks around the number are fine */
	assert_int_equal(extract("x=(.*)$", "x=  42 \n", 8, &v, &err), 1);
	assert_float_equal(v, 42, 1e-12);
	strbuf_release(&err);
}

static void test_file_parse(void **state)
{
	struct hmetric_set set = HMETRIC_SET_INIT;
	struct strbuf err = STRBUF_INIT;
	const char *ok = "# harness metrics\n\nparse_ms 12.5\n  alloc.count\t1000  \r\nneg -3\n";
	(void)state;

	assert_int_equal(hmetrics_file_parse(ok, strlen(ok), &set, &err), 0);
	assert_int_equal(set.nr, 3);
	assert_float_equal(hmetric_set_get(&set, "parse_ms")->value, 12.5, 1e-12);
	assert_int_equal(hmetric_set_get(&set, "parse_ms")->line, 3);
	assert_float_equal(hmetric_set_get(&set, "alloc.count")->value, 1000, 1e-12);
	assert_float_equal(hmetric_set_get(&set, "neg")->value, -3, 1e-12);
	assert_null(hmetric_set_get(&set, "other"));
	hmetric_set_release(&set);

#define BAD(text, msg)                                                                             \
	do {                                                                                       \
		strbuf_reset(&err);                                                                \
		assert_int_equal(hmetrics_file_parse(text, sizeof(text) - 1, &set, &err), -1);     \
		assert_string_equal(err.buf, msg);                                                 \
		hmetric_set_release(&set);                                                         \
	} while (0)
	BAD("a 1\nb two\n", "line 2: metric 'b': 'two' is not a number");
	BAD("a 1\n\n# c\nb\n", "line 4: expected 'NAME VALUE', got 'b'");
	BAD("a 1 2\n", "line 1: expected 'NAME VALUE', got 'a 1 2'");
	BAD("a 1\nwall 2\n", "line 2: metric name 'wall' is one of perfloop's own metrics; "
			     "choose another");
	BAD("a/b 1\n", "line 1: metric name 'a/b': '/' is not allowed (use letters, digits, "
		       "'_', '.' and '-')");
	BAD("a 1\nb 2\na 3\n", "line 3: metric 'a' is already given on line 1");
	BAD("a 1\nb \0 2\n", "line 2: a NUL byte (not a text file?)");
	BAD("a inf\n", "line 1: metric 'a': 'inf' is not a number");
	/* the last line without a newline still counts */
	strbuf_reset(&err);
	assert_int_equal(hmetrics_file_parse("a 1\nb 2", 7, &set, &err), 0);
	assert_float_equal(hmetric_set_get(&set, "b")->value, 2, 1e-12);
	hmetric_set_release(&set);
	strbuf_release(&err);
}

static char *tmp_path(const char *name)
{
	const char *tmp = getenv("TMPDIR");
	return xstrfmt("%s/test-hmetrics-%ld-%s", tmp && *tmp ? tmp : "/tmp", (long)getpid(), name);
}

static void write_text(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

static void test_file_read(void **state)
{
	struct hmetric_set set = HMETRIC_SET_INIT;
	struct strbuf err = STRBUF_INIT;
	char *path = tmp_path("m"), *big;
	(void)state;

	unlink(path);
	assert_int_equal(hmetrics_file_read(path, &set, &err), 0); /* absent: not an error */
	assert_int_equal(set.file_found, 0);
	write_text(path, "x 1\ny oops\n", 11);
	assert_int_equal(hmetrics_file_read(path, &set, &err), -1);
	assert_contains(err.buf, "metrics file '");
	assert_contains(err.buf, "' line 2: metric 'y': 'oops' is not a number");
	hmetric_set_release(&set);
	strbuf_reset(&err);

	/* bounded: one byte over 1 MiB of comments is refused */
	big = xmalloc(HMETRICS_FILE_MAX + 1);
	memset(big, '#', HMETRICS_FILE_MAX + 1);
	write_text(path, big, HMETRICS_FILE_MAX + 1);
	assert_int_equal(hmetrics_file_read(path, &set, &err), -1);
	assert_contains(err.buf, "is larger than 1024 KiB");
	strbuf_reset(&err);
	big[HMETRICS_FILE_MAX - 1] = '\n';
	write_text(path, big, HMETRICS_FILE_MAX);
	assert_int_equal(hmetrics_file_read(path, &set, &err), 1);
	assert_int_equal(set.file_found, 1);
	assert_int_equal(set.nr, 0);
	hmetric_set_release(&set);
	free(big);
	unlink(path);
	free(path);
	strbuf_release(&err);
}

static void test_collect_and_missing(void **state)
{
	struct hmetric_rules rules = HMETRIC_RULES_INIT;
	struct hmetric_set set = HMETRIC_SET_INIT;
	struct strbuf err = STRBUF_INIT;
	char *path = tmp_path("c");
	const char *out = "parse: 10 ms\nparse: 12 ms\nemit: 3 ms\n";
	const char *req1[] = {"parse_ms", "emit_ms", "alloc", NULL};
	const char *req2[] = {"parse_ms", "gc_ms", NULL};
	const char *req3[] = {"parse_ms", "nomatch", NULL};
	const char *req4[] = {"parse_ms", "emit_ms", NULL};
	(void)state;

	assert_int_equal(hmetric_rules_add(&rules, "parse_ms", "parse: ([0-9]+) ms", &err), 0);
	assert_int_equal(hmetric_rules_add(&rules, "emit_ms", "emit: ([0-9]+) ms", &err), 0);
	assert_int_equal(hmetric_rules_add(&rules, "nomatch", "zzz ([0-9]+)", &err), 0);
	write_text(path, "alloc 77\n", 9);
	assert_int_equal(hmetrics_collect(&rules, out, strlen(out), path, &set, &err), 0);
	assert_int_equal(set.nr, 3);
	assert_float_equal(hmetric_set_get(&set, "parse_ms")->value, 12, 1e-12);
	assert_float_equal(hmetric_set_get(&set, "alloc")->value, 77, 1e-12);
	assert_null(hmetrics_missing(&set, req1));
	assert_string_equal(hmetrics_missing(&set, req2), "gc_ms");
	hmetrics_missing_message(&rules, &set, "gc_ms", &err);
	assert_string_equal(err.buf, "metric 'gc_ms' was not reported: it is not in the metrics "
				     "file ($PERFLOOP_METRICS_FILE)");
	strbuf_reset(&err);
	assert_string_equal(hmetrics_missing(&set, req3), "nomatch");
	hmetrics_missing_message(&rules, &set, "nomatch", &err);
	assert_string_equal(err.buf, "metric 'nomatch' was not reported: its regex 'zzz ([0-9]+)' "
				     "matched nothing in the run's output");
	strbuf_reset(&err);
	hmetric_set_release(&set);

	/* no file written: said so */
	unlink(path);
	assert_int_equal(hmetrics_collect(&rules, out, strlen(out), path, &set, &err), 0);
	assert_null(hmetrics_missing(&set, req4));
	assert_string_equal(hmetrics_missing(&set, req2), "gc_ms");
	hmetrics_missing_message(&rules, &set, "gc_ms", &err);
	assert_contains(err.buf, "the harness wrote no metrics file");
	strbuf_reset(&err);
	hmetric_set_release(&set);

	/* the same name from both sources */
	write_text(path, "# x\nemit_ms 3\n", 14);
	assert_int_equal(hmetrics_collect(&rules, out, strlen(out), path, &set, &err), -1);
	assert_string_equal(err.buf, "metric 'emit_ms' is given both by the metrics file (line 2) "
				     "and by its [metrics] regex; rename one");
	strbuf_reset(&err);
	hmetric_set_release(&set);

	/* a bad number in the output stops the collection */
	assert_int_equal(hmetric_rules_add(&rules, "gc", "gc: (.*)", &err), 0);
	assert_int_equal(hmetrics_collect(&rules, "gc: 1\ngc: soon\n", 15, NULL, &set, &err), -1);
	assert_string_equal(err.buf, "metric 'gc': the last match of its regex captured 'soon', "
				     "which is not a number");
	hmetric_set_release(&set);
	unlink(path);
	free(path);
	hmetric_rules_release(&rules);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),     cmocka_unit_test(test_rules),
	    cmocka_unit_test(test_extract),   cmocka_unit_test(test_file_parse),
	    cmocka_unit_test(test_file_read), cmocka_unit_test(test_collect_and_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
