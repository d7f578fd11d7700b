/*
 * test-config.c: the ini parser, every error path and the value rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"

/* Parse text; return the error line ("" when it parsed). */
static char *parse(const char *text, struct config *cfg)
{
	struct strbuf err = STRBUF_INIT;
	config_parse(cfg, "t.ini", "/base", text, &err);
	return strbuf_detach(&err, NULL);
}

static void expect_error(const char *text, const char *want)
{
	struct config cfg = CONFIG_INIT;
	char *err = parse(text, &cfg);
	if (!strstr(err, want))
		fail_msg("for %s\nexpected error containing: %s\ngot: %s", text, want, err);
	free(err);
	config_release(&cfg);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("[bench\n", "t.ini:1: missing ']' in section header");
	expect_error("[bench] x\n", "t.ini:1: text after section header");
	expect_error("\n\n[nope]\n", "t.ini:3: unknown section [nope]");
	expect_error("[bench]\nword\n", "t.ini:2: expected 'key = value' or '[section]'");
	expect_error("runs = 3\n", "t.ini:1: key outside any [section]");
	expect_error("[bench]\nru ns = 3\n", "t.ini:2: bad key name 'ru ns'");
	expect_error("[bench]\nrnus = 3\n", "t.ini:2: unknown key 'bench.rnus' (did you mean 'bench.runs'?)");
	expect_error("[bench]\nzzzzzzz = 3\n", "t.ini:2: unknown key 'bench.zzzzzzz'");
	expect_error("[bench]\nruns = -1\n", "bad value for 'bench.runs': '-1' is not a whole number");
	expect_error("[bench]\nruns = 3x\n", "is not a whole number");
	expect_error("[bench]\ntimeout = soon\n", "'soon' is not a number >= 0");
	expect_error("[bench]\nmargin = lots\n", "'lots' is not a percentage");
	expect_error("[bench]\nmargin = -1%\n", "is not a percentage");
	expect_error("[bench]\ndir = \"\"\n", "empty path");
	expect_error("[bench]\ncommand = \"abc\n", "unterminated quoted value");
	expect_error("[bench]\ncommand = \"abc\" def\n", "text after the closing quote");
	expect_error("[bench]\nruns = 3\nruns = 4\n", "t.ini:3: 'bench.runs' is set twice (first at line 2)");
	expect_error("[include]\npath = /nonexistent/x.ini\n", "t.ini:2: cannot read '/nonexistent/x.ini'");
	/* bench.env must be a variable name the harness can read */
	expect_error("[bench]\nenv = 1BAD VAR\n",
		     "t.ini:2: bad value for 'bench.env': '1BAD VAR' is not an environment variable name");
	expect_error("[bench]\nenv = X=Y\n", "'X=Y' is not an environment variable name");
	expect_error("[bench]\nenv = BAD-NAME\n", "is not an environment variable name");
	/* zero pairs would never give a verdict */
	expect_error("[bench]\nruns = 0\n",
		     "t.ini:2: bad value for 'bench.runs': '0' is not a whole number >= 1");
	/* an [env] entry must not replace the artifact's path, wherever either is set */
	expect_error("[bench]\nenv = LIBWORK\n[env]\nOTHER = 1\nLIBWORK = /x.so\n",
		     "t.ini:5: [env] sets LIBWORK, the variable bench.env gives the artifact's path "
		     "(t.ini:2): both sides would run the same file; remove it from [env]");
	expect_error("[env]\nLIBWORK = /x.so\n[bench]\nenv = LIBWORK\n",
		     "t.ini:2: [env] sets LIBWORK");
}

static void test_bom_and_env(void **state)
{
	struct config cfg = CONFIG_INIT;
	char *err;
	(void)state;
	/* a UTF-8 byte order mark is not part of the first line */
	err = parse("\xEF\xBB\xBF[bench]\nruns = 2\nenv = _Lib_2\n[env]\nlibwork = other case\n",
		    &cfg);
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(config_get_int(&cfg, "bench.runs"), 2);
	assert_string_equal(config_get(&cfg, "bench.env"), "_Lib_2");
	config_release(&cfg);
	/* only at the very start */
	expect_error("[bench]\n\xEF\xBB\xBFruns = 2\n", "t.ini:2: bad key name");
}

static void test_values(void **state)
{
	struct config cfg = CONFIG_INIT;
	char *err;
	(void)state;
	err = parse("; comment\n# comment\n[bench]\n"
		    "command = ./run -c x.js   ; trailing comment\n"
		    "env = RSPACK_BINDING\n"
		    "margin = 2%\n"
		    "reject = 0.05\n"
		    "runs = 6 # six\n"
		    "dir = ../bench/cases\n"
		    "[ENV]\nMixed_Case = a;b\n"
		    "[fingerprint]\nrustc = \"rustc -V ; echo # kept\"\n",
		    &cfg);
	assert_string_equal(err, "");
	free(err);
	assert_string_equal(config_get(&cfg, "bench.command"), "./run -c x.js");
	assert_float_equal(config_get_real(&cfg, "bench.margin"), 0.02, 1e-12);
	assert_float_equal(config_get_real(&cfg, "bench.reject"), 0.05, 1e-12);
	assert_int_equal(config_get_int(&cfg, "bench.runs"), 6);
	assert_string_equal(config_get(&cfg, "bench.dir"), "/bench/cases");
	assert_string_equal(config_get(&cfg, "env.Mixed_Case"), "a;b");
	assert_string_equal(config_get(&cfg, "fingerprint.rustc"), "rustc -V ; echo # kept");
	/* defaults */
	assert_int_equal(config_get_int(&cfg, "bench.warmup"), 0);
	assert_float_equal(config_get_real(&cfg, "bench.noise-floor"), 0.005, 1e-12);
	assert_null(config_get(&cfg, "build.artifact"));
	{
		char *p = config_get_path(&cfg, "core.state");
		assert_string_equal(p, "/base/.perfloop");
		free(p);
	}
	{
		const struct cfg_entry *e = config_entry(&cfg, "bench.runs");
		assert_non_null(e);
		assert_int_equal(e->line, 8);
	}
	config_release(&cfg);
}

static void test_booleans_and_case(void **state)
{
	struct config cfg = CONFIG_INIT;
	char *err;
	(void)state;
	/* section and key names are case-insensitive, values are not */
	err = parse("[Bench]\nRUNS = 4\nCommand = Make\n", &cfg);
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(config_get_int(&cfg, "bench.runs"), 4);
	assert_string_equal(config_get(&cfg, "bench.command"), "Make");
	config_release(&cfg);
}

/* The bench's metrics: bench.metric, [metrics], the choices and the CPU list. */
static void test_metric_settings(void **state)
{
	struct config cfg = CONFIG_INIT;
	char *err;
	(void)state;
	expect_error("[bench]\nmetric = compile\n",
		     "t.ini:2: bad value for 'bench.metric': 'compile' is not wall, cpu, "
		     "instructions or a metric of [metrics]");
	expect_error("[bench]\nmetric = cycles\n", "'cycles' is not wall, cpu, instructions");
	expect_error("[metrics]\nx = (a)(b)\n", "t.ini:2: [metrics] x: metric 'x': the regex "
		     "'(a)(b)' has 2 capture groups");
	expect_error("[metrics]\nx = no group\n", "has 0 capture groups");
	expect_error("[metrics]\nx = (\n", "t.ini:2: [metrics] x: metric 'x': bad regex '('");
	expect_error("[metrics]\ncpu = file\n", "t.ini:2: [metrics] cpu: metric name 'cpu' is one "
		     "of perfloop's own metrics");
	expect_error("[metrics]\ntask-clock = x([0-9]+)\n", "one of perfloop's own metrics");
	expect_error("[bench]\ninstructions = perf\n",
		     "t.ini:2: bad value for 'bench.instructions': 'perf' is not auto, pmu or "
		     "valgrind");
	expect_error("[bench]\ncross-check = ignore\n",
		     "t.ini:2: bad value for 'bench.cross-check': 'ignore' is not block or warn");
	expect_error("[bench]\ncpus = 2-1\n", "t.ini:2: bad value for 'bench.cpus': cpu list");
	expect_error("[bench]\naslr = sometimes\n", "'sometimes' is not true or false");
	/* what is valid */
	err = parse("[bench]\nmetric = compile\ncpus = 0\naslr = off\ncross-check = warn\n"
		    "instructions = valgrind\n[metrics]\ncompile = took ([0-9.]+) ms\n"
		    "stage.parse = file\n",
		    &cfg);
	assert_string_equal(err, "");
	free(err);
	assert_string_equal(config_get(&cfg, "bench.metric"), "compile");
	assert_int_equal(config_get_bool(&cfg, "bench.aslr"), 0);
	config_release(&cfg);
	err = parse("[bench]\nmetric = instructions\n", &cfg);
	assert_string_equal(err, "");
	free(err);
	config_release(&cfg);
}

/* A [metrics] entry set again by a later file replaces the first, as other keys do. */
static void test_metric_override(void **state)
{
	char dir[] = "/tmp/perfloop-cfg-XXXXXX";
	char *a, *b;
	struct config cfg = CONFIG_INIT;
	struct strbuf err = STRBUF_INIT;
	FILE *f;
	(void)state;
	assert_non_null(mkdtemp(dir));
	a = xstrfmt("%s/a.ini", dir);
	b = xstrfmt("%s/b.ini", dir);
	f = fopen(b, "w");
	fputs("[metrics]\nx = old ([0-9]+)\n", f);
	fclose(f);
	f = fopen(a, "w");
	fputs("[include]\npath = b.ini\n[metrics]\nx = new ([0-9]+)\n[bench]\nmetric = x\n", f);
	fclose(f);
	assert_int_equal(config_load(&cfg, a, &err), 0);
	assert_string_equal(err.buf, "");
	assert_string_equal(config_get(&cfg, "metrics.x"), "new ([0-9]+)");
	config_release(&cfg);
	unlink(a);
	unlink(b);
	rmdir(dir);
	free(a);
	free(b);
	strbuf_release(&err);
}

static void test_include_and_files(void **state)
{
	char dir[] = "/tmp/perfloop-cfg-XXXXXX";
	char *a, *b, *loop;
	struct config cfg = CONFIG_INIT;
	struct strbuf err = STRBUF_INIT;
	FILE *f;
	(void)state;
	assert_non_null(mkdtemp(dir));
	a = xstrfmt("%s/a.ini", dir);
	b = xstrfmt("%s/sub/b.ini", dir);
	loop = xstrfmt("%s/loop.ini", dir);
	{
		char *bdir = path_dirname(b);
		assert_int_equal(mkdir_p(bdir, 0755), 0);
		free(bdir);
	}
	f = fopen(b, "w");
	fputs("[bench]\nrun" "s = 9\ndir = cases\n", f);
	fclose(f);
	f = fopen(a, "w");
	fputs("[include]\npath = sub/b.ini\n[bench]\nwarmup = 2\n", f);
	fclose(f);
	assert_int_equal(config_load(&cfg, a, &err), 0);
	assert_int_equal(config_get_int(&cfg, "bench.runs"), 9);
	assert_int_equal(config_get_int(&cfg, "bench.warmup"), 2);
	{
		char *want = xstrfmt("%s/sub/cases", dir);
		assert_string_equal(config_get(&cfg, "bench.dir"), want); /* relative to b.ini */
		free(want);
	}
	config_release(&cfg);

	/* every file read is listed */
	assert_int_equal(config_load(&cfg, a, &err), 0);
	assert_true(config_reads(&cfg, a) && config_reads(&cfg, b) && !config_reads(&cfg, loop));
	config_release(&cfg);

	/* an include cycle is one error at the include that closes it */
	f = fopen(loop, "w");
	fputs("[include]\npath = loop.ini\n", f);
	fclose(f);
	strbuf_reset(&err);
	assert_int_equal(config_load(&cfg, loop, &err), -1);
	{
		char *want = xstrfmt("%s:2: include loop: %s -> %s", loop, loop, loop);
		assert_string_equal(err.buf, want);
		free(want);
	}
	config_release(&cfg);
	f = fopen(b, "w");
	fputs("[include]\npath = ../a.ini\n", f);
	fclose(f);
	strbuf_reset(&err);
	assert_int_equal(config_load(&cfg, a, &err), -1);
	{
		char *want = xstrfmt("%s:2: include loop: %s -> %s -> %s", b, a, b, a);
		assert_string_equal(err.buf, want);
		free(want);
	}
	config_release(&cfg);

	/* an error inside an included file names that file's line, once */
	f = fopen(b, "w");
	fputs("[bench]\nrnus = 3\n", f);
	fclose(f);
	strbuf_reset(&err);
	assert_int_equal(config_load(&cfg, a, &err), -1);
	{
		char *want = xstrfmt("%s:2: unknown key 'bench.rnus'", b);
		assert_ptr_equal(strstr(err.buf, want), err.buf);
		assert_null(strstr(err.buf, "a.ini:"));
		free(want);
	}
	config_release(&cfg);

	/* a file over the limit is refused, not cut */
	f = fopen(loop, "w");
	fputs("[bench]\n", f);
	for (size_t n = 8; n <= CONFIG_MAX_BYTES; n += 64)
		fprintf(f, "; %61s\n", "padding");
	fputs("runs = 5\n", f);
	fclose(f);
	strbuf_reset(&err);
	assert_int_equal(config_load(&cfg, loop, &err), -1);
	{
		char *want = xstrfmt("'%s' is larger than 4 MiB: not a perfloop configuration", loop);
		assert_string_equal(err.buf, want);
		free(want);
	}
	config_release(&cfg);

	/* binary files and directories are refused */
	f = fopen(loop, "w");
	fputs("[bench]\n\0runs = 3\n", f);
	fwrite("\0", 1, 1, f);
	fclose(f);
	strbuf_reset(&err);
	assert_int_equal(config_load(&cfg, loop, &err), -1);
	assert_non_null(strstr(err.buf, "NUL byte"));
	config_release(&cfg);
	strbuf_reset(&err);
	assert_int_equal(config_load(&cfg, dir, &err), -1);
	assert_non_null(strstr(err.buf, "is a directory"));
	config_release(&cfg);

	/* discovery walks up */
	{
		char *found, *deep = xstrfmt("%s/x/y", dir), *ini = xstrfmt("%s/perfloop.ini", dir);
		f = fopen(ini, "w");
		fclose(f);
		assert_int_equal(mkdir_p(deep, 0755), 0);
		found = config_discover(deep);
		assert_string_equal(found, ini);
		free(found);
		free(deep);
		free(ini);
	}
	remove_tree(dir);
	strbuf_release(&err);
	free(a);
	free(b);
	free(loop);
}

static void test_table_is_documented(void **state)
{
	(void)state;
	for (const struct cfg_keydoc *k = cfg_keys; k->section; k++) {
		assert_non_null(k->doc);
		assert_true(strlen(k->doc) > 10);
	}
}

/* [guard "NAME"] headers, names and their errors at file:line */
static void test_guard_sections(void **state)
{
	struct config cfg = CONFIG_INIT;
	const char **names;
	char *err;
	(void)state;
	expect_error("[guard]\nruns = 2\n", "t.ini:1: a guard needs a name: [guard \"NAME\"]");
	expect_error("[guard \"a b\"]\nruns = 2\n", "t.ini:1: bad guard name 'a b'");
	expect_error("[guard \"target\"]\nruns = 2\n", "t.ini:1: bad guard name 'target'");
	expect_error("[guard \"x\" y]\nruns = 2\n", "t.ini:1: bad section header");
	expect_error("[bench \"x\"]\nruns = 2\n", "t.ini:1: [bench] takes no name");
	expect_error("[guard \"x\"]\n[bench]\nruns = 2\n", "t.ini:1: [guard \"x\"] sets no key");
	expect_error("[guard \"x\"]\n", "t.ini:1: [guard \"x\"] sets no key");
	expect_error("[guard \"x\"]\nrnus = 2\n",
		     "t.ini:2: unknown key 'guard.x.rnus' (did you mean 'guard.x.runs'?)");
	expect_error("[guard \"x\"]\nruns = 0\n", "t.ini:2: bad value for 'guard.x.runs'");
	expect_error("[guard \"x\"]\nmemory-margin = lots\n",
		     "t.ini:2: bad value for 'guard.x.memory-margin': 'lots' is not a percentage");
	expect_error("[guard \"x\"]\nmetric = nope\n",
		     "t.ini:2: bad value for 'guard.x.metric': 'nope' is not wall, cpu");
	expect_error("[guard \"x\"]\nruns = 2\nruns = 3\n", "t.ini:3: 'guard.x.runs' is set twice");
	/* names keep their case; two guards, a section continued later is the same guard */
	err = parse("[guard \"Small\"]\nruns = 4\n[guard \"big-1\"]\nCommand = ./h big\n"
		    "[metrics]\nscore = file\n[guard \"Small\"]\nmetric = score\n", &cfg);
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(config_guards(&cfg, &names), 2);
	assert_string_equal(names[0], "Small");
	assert_string_equal(names[1], "big-1");
	free(names);
	assert_true(config_has_guard(&cfg, "Small"));
	assert_false(config_has_guard(&cfg, "small"));
	assert_string_equal(config_get(&cfg, "guard.big-1.command"), "./h big");
	assert_int_equal(config_get_int(&cfg, "guard.Small.runs"), 4);
	config_release(&cfg);
}

/* a guard's key: its own when set, its default (runs, memory-margin), else [bench]'s */
static void test_guard_fallbacks(void **state)
{
	struct config cfg = CONFIG_INIT;
	char *err, *k;
	(void)state;
	err = parse("[bench]\ncommand = ./t\nenv = ART\nruns = 7\nmargin = 2%\n"
		    "[guard \"g\"]\ncommand = ./g\nmargin = 5%\n[guard \"h\"]\nruns = 3\n"
		    "memory-margin = 10%\n", &cfg);
	assert_string_equal(err, "");
	free(err);
	k = config_guard_key(&cfg, "g", "command");
	assert_string_equal(k, "guard.g.command");
	assert_string_equal(config_get(&cfg, k), "./g");
	free(k);
	k = config_guard_key(&cfg, "g", "env");
	assert_string_equal(k, "bench.env");
	free(k);
	k = config_guard_key(&cfg, "h", "command");
	assert_string_equal(config_get(&cfg, k), "./t");
	free(k);
	/* runs: the guard's own default (2), never bench.runs */
	k = config_guard_key(&cfg, "g", "runs");
	assert_string_equal(k, "guard.g.runs");
	assert_int_equal(config_get_int(&cfg, k), 2);
	free(k);
	k = config_guard_key(&cfg, "h", "runs");
	assert_int_equal(config_get_int(&cfg, k), 3);
	free(k);
	k = config_guard_key(&cfg, "g", "margin");
	assert_true(config_get_real(&cfg, k) > 0.0499 && config_get_real(&cfg, k) < 0.0501);
	free(k);
	k = config_guard_key(&cfg, "h", "margin");
	assert_string_equal(k, "bench.margin");
	free(k);
	k = config_guard_key(&cfg, "g", "memory-margin");
	assert_true(config_get_real(&cfg, k) > 0.2999 && config_get_real(&cfg, k) < 0.3001);
	free(k);
	k = config_guard_key(&cfg, "h", "memory-margin");
	assert_true(config_get_real(&cfg, k) > 0.0999 && config_get_real(&cfg, k) < 0.1001);
	free(k);
	k = config_guard_key(&cfg, "g", "timeout");
	assert_string_equal(k, "bench.timeout");
	free(k);
	/* the target: always [bench] */
	k = config_guard_key(&cfg, NULL, "runs");
	assert_string_equal(k, "bench.runs");
	free(k);
	config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_bom_and_env),
		cmocka_unit_test(test_booleans_and_case),
		cmocka_unit_test(test_include_and_files),
		cmocka_unit_test(test_metric_settings),
		cmocka_unit_test(test_metric_override),
		cmocka_unit_test(test_table_is_documented),
		cmocka_unit_test(test_guard_sections),
		cmocka_unit_test(test_guard_fallbacks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
