/*
 * test-valgrind.c: the cachegrind command prefix, parsing cachegrind output
 * files, summing a run's per-process counts with incomplete processes
 * (what valgrind counts is tested end to end in t3000-metric-sources.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>
#include <cmocka.h>

#include "proc.h"
#include "valgrind.h"

static char *dir;

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	char *tmpl = xstrfmt("%s/test-valgrind.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	(void)state;
	dir = mkdtemp(tmpl);
	return dir ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	remove_tree(dir);
	free(dir);
	return 0;
}

static void put(const char *name, const char *text)
{
	char *path = xstrfmt("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

/* what cachegrind 3.19 writes with --cache-sim=no */
#define CG_HEAD                                                                                    \
	"desc: I1 cache:         32768 B, 64 B, 8-way associative\n"                               \
	"desc: D1 cache:         32768 B, 64 B, 8-way associative\n"                               \
	"desc: LL cache:         268435456 B, 64 B, direct-mapped\n"                               \
	"cmd: ./loop 1000000\n"                                                                    \
	"events: Ir\n"                                                                             \
	"fl=???\n"                                                                                 \
	"fn=0x0000000000001040\n"                                                                  \
	"0 4\n"

static void test_wrap(void **state)
{
	const char *argv[] = {"./harness", "--x", NULL};
	char **v = valgrind_wrap(NULL, "/tmp/a%p b", argv);
	const char *want[] = {"valgrind",
			      "--tool=cachegrind",
			      "--cache-sim=no",
			      "--trace-children=yes",
			      "--vgdb=no",
			      "--cachegrind-out-file=/tmp/a%%p b/cg.%p",
			      "--log-file=/tmp/a%%p b/valgrind.%p.log",
			      "./harness",
			      "--x",
			      NULL};
	size_t i;
	(void)state;

	for (i = 0; want[i]; i++)
		assert_string_equal(v[i], want[i]);
	assert_null(v[i]);
	cmd_free_words(v);
	v = valgrind_prefix("/opt/vg/bin/valgrind", "d");
	assert_string_equal(v[0], "/opt/vg/bin/valgrind");
	assert_string_equal(v[6], "--log-file=d/valgrind.%p.log");
	assert_null(v[7]);
	cmd_free_words(v);
}

static void test_cg_count(void **state)
{
	struct strbuf err = STRBUF_INIT;
	uint64_t n = 0;
	char *p = xstrfmt("%s/cg.1", dir);
	(void)state;

	put("cg.1", CG_HEAD "summary: 6125826\n");
	assert_int_equal(valgrind_cg_count(p, &n, &err), 1);
	assert_int_equal(n, 6125826);
	/* with the cache simulation on, Ir is one column of several */
	put("cg.1", "events: I1mr Ir ILmr\nfl=x\n1 2 3 4\nsummary: 5 1234 7\n");
	assert_int_equal(valgrind_cg_count(p, &n, &err), 1);
	assert_int_equal(n, 1234);
	/* a process that died mid-run: no summary */
	put("cg.1", CG_HEAD);
	assert_int_equal(valgrind_cg_count(p, &n, &err), 0);
	assert_string_equal(err.buf, "");
	put("cg.1", "events: Dr\nsummary: 5\n");
	assert_int_equal(valgrind_cg_count(p, &n, &err), -1);
	assert_true(strstr(err.buf, "cg.1' line 1: no Ir event") != NULL);
	strbuf_reset(&err);
	put("cg.1", "events: Ir\nsummary: lots\n");
	assert_int_equal(valgrind_cg_count(p, &n, &err), -1);
	assert_true(strstr(err.buf, "cg.1' line 2: malformed summary line") != NULL);
	strbuf_reset(&err);
	put("cg.1", "summary: 5\n");
	assert_int_equal(valgrind_cg_count(p, &n, &err), -1);
	strbuf_reset(&err);
	free(p);
	p = xstrfmt("%s/nonexistent", dir);
	assert_int_equal(valgrind_cg_count(p, &n, &err), -1);
	assert_true(strstr(err.buf, "No such file") != NULL);
	free(p);
	strbuf_release(&err);
}

static void test_collect(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct valgrind_result r;
	(void)state;

	assert_int_equal(valgrind_collect(dir, &r, &err), -1);
	assert_true(strstr(err.buf, "no process ran under valgrind") != NULL);
	strbuf_reset(&err);

	/* three processes, one killed (a log, no count file) */
	put("valgrind.100.log", "==100== Cachegrind\n");
	put("valgrind.101.log", "==101== Cachegrind\n");
	put("valgrind.102.log", "==102== Cachegrind\n");
	put("cg.100", CG_HEAD "summary: 1000\n");
	put("cg.102", CG_HEAD "summary: 234\n");
	put("unrelated.txt", "summary: 99999\n");
	put("cg.x", "not a pid\n");
	assert_int_equal(valgrind_collect(dir, &r, &err), 0);
	assert_int_equal(r.instructions, 1234);
	assert_int_equal(r.processes, 3);
	assert_int_equal(r.incomplete, 1);
	assert_int_equal(r.incomplete_pid, 101);
	/* a count file cut short counts as incomplete too */
	put("cg.101", CG_HEAD);
	assert_int_equal(valgrind_collect(dir, &r, &err), 0);
	assert_int_equal(r.incomplete, 1);
	put("cg.101", CG_HEAD "summary: 1\n");
	assert_int_equal(valgrind_collect(dir, &r, &err), 0);
	assert_int_equal(r.instructions, 1235);
	assert_int_equal(r.incomplete, 0);
	assert_int_equal(r.incomplete_pid, -1);
	/* a malformed one is an error */
	put("cg.102", "events: Ir\nsummary: x\n");
	assert_int_equal(valgrind_collect(dir, &r, &err), -1);
	assert_true(strstr(err.buf, "malformed summary") != NULL);
	strbuf_reset(&err);

	/* preparing the directory removes exactly the outputs of a previous run */
	assert_int_equal(valgrind_prepare_dir(dir, &err), 0);
	assert_int_equal(valgrind_collect(dir, &r, &err), -1);
	strbuf_reset(&err);
	{
		char *keep = xstrfmt("%s/unrelated.txt", dir), *sub = xstrfmt("%s/new/sub", dir);

		assert_true(file_exists(keep));
		assert_int_equal(valgrind_prepare_dir(sub, &err), 0);
		assert_true(is_dir(sub));
		free(keep);
		free(sub);
	}
	strbuf_release(&err);
}

static void test_detect(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct valgrind_info vi;
	char *fake = xstrfmt("%s/fakegrind", dir);
	FILE *f;
	(void)state;

	assert_int_equal(valgrind_detect("/nonexistent/valgrind", &vi, &err), -1);
	assert_string_equal(err.buf,
			    "valgrind '/nonexistent/valgrind' not found or not executable");
	strbuf_reset(&err);
	assert_int_equal(valgrind_detect("no-such-valgrind-here", &vi, &err), -1);
	assert_string_equal(err.buf, "valgrind 'no-such-valgrind-here' not found in PATH");
	strbuf_reset(&err);

	/* a configured program that prints a version */
	f = fopen(fake, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\necho valgrind-3.23.0.GIT\n", f);
	fclose(f);
	assert_int_equal(chmod(fake, 0755), 0);
	assert_int_equal(valgrind_detect(fake, &vi, &err), 0);
	assert_string_equal(vi.version, "3.23.0.GIT");
	assert_int_equal(vi.major, 3);
	assert_int_equal(vi.minor, 23);
	assert_string_equal(vi.path, fake);
	valgrind_info_release(&vi);
	f = fopen(fake, "w");
	fputs("#!/bin/sh\necho something else\n", f);
	fclose(f);
	assert_int_equal(valgrind_detect(fake, &vi, &err), -1);
	assert_true(strstr(err.buf, "printed 'something else', not a valgrind version") != NULL);
	strbuf_reset(&err);
	f = fopen(fake, "w");
	fputs("#!/bin/sh\necho broken >&2; exit 3\n", f);
	fclose(f);
	assert_int_equal(valgrind_detect(fake, &vi, &err), -1);
	assert_true(strstr(err.buf, "--version' failed with exit status 3: broken") != NULL);
	free(fake);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wrap),
	    cmocka_unit_test_setup_teardown(test_cg_count, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_collect, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_detect, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
