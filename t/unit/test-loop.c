/*
 * test-loop.c: the loop's pure logic: the try verdict rule, touched
 * functions, symbol matching, commit messages and scopes, Cargo packages,
 * placeholders, worktree paths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "experiment.h"
#include "loop.h"
#include "push.h"
#include "validate.h"

static void test_try_decide(void **state)
{
	struct strbuf why = STRBUF_INIT;
	struct diff_row drop_rows[] = {
		{ (char *)"rspack_core::ExportsInfoGetter::prefetch", (char *)"x.node", 8.0, 5.0, -3.0, 0.5, 800, 500, 0, 1,
		  DIFF_MATCHED },
		{ (char *)"mi_free", (char *)"x.node", 4.0, 4.2, 0.2, 0.4, 400, 420, 1, 1, DIFF_MATCHED },
	};
	struct diff_row reshuffle_rows[] = {
		{ (char *)"hot_a", (char *)"lib", 30, 20, -10, 1, 300, 200, 0, 1, DIFF_MATCHED },
		{ (char *)"hot_b", (char *)"lib", 10, 19, 9, 1, 100, 190, 0, 1, DIFF_MATCHED },
	};
	struct diff_result drop = { drop_rows, 2, NULL, 0, 1000, 1000, 1000, 1000 };
	struct diff_result reshuffle = { reshuffle_rows, 2, NULL, 0, 1000, 1000, 1000, 1000 };
	const char *prefetch[] = { "prefetch" }, *hot_a[] = { "hot_a" }, *other[] = { "other" };
	const char *two[] = { "prefetch", "other" };
	(void)state;
	assert_int_equal(try_decide(VERDICT_FASTER, NULL, NULL, 0, NULL, 0, &why), TRY_KEEP);
	strbuf_reset(&why);
	assert_int_equal(try_decide(VERDICT_SLOWER, &drop, prefetch, 1, NULL, 0, &why), TRY_REJECT);
	strbuf_reset(&why);
	assert_int_equal(try_decide(VERDICT_INCONCLUSIVE, &drop, prefetch, 1, NULL, 0, &why),
			 TRY_INCONCLUSIVE);
	strbuf_reset(&why);
	/* same time: keep-flat only when the touched functions dropped and nothing grew */
	assert_int_equal(try_decide(VERDICT_SAME, &drop, prefetch, 1, NULL, 0, &why),
			 TRY_KEEP_FLAT);
	strbuf_reset(&why);
	assert_int_equal(try_decide(VERDICT_SAME, &reshuffle, hot_a, 1, NULL, 0, &why), TRY_REJECT);
	assert_non_null(strstr(why.buf, "reshuffle"));
	strbuf_reset(&why);
	assert_int_equal(try_decide(VERDICT_SAME, &drop, other, 1, NULL, 0, &why), TRY_REJECT);
	assert_non_null(strstr(why.buf, "could not be judged"));
	assert_null(strstr(why.buf, "reshuffle"));
	strbuf_reset(&why);
	/* touched functions in neither profile (always inlined): named, with why */
	assert_int_equal(try_decide(VERDICT_SAME, &drop, other, 1, other, 1, &why), TRY_REJECT);
	assert_non_null(strstr(why.buf, "could not be judged: touched other not in either "
				       "profile (inlined into callers, or too little time to be "
				       "sampled)"));
	strbuf_reset(&why);
	assert_int_equal(try_decide(VERDICT_SAME, &drop, two, 2, other, 1, &why), TRY_KEEP_FLAT);
	assert_non_null(strstr(why.buf, "(not in either profile: other)"));
	strbuf_reset(&why);
	assert_int_equal(try_decide(VERDICT_SAME, &reshuffle, hot_a, 1, NULL, 0, &why), TRY_REJECT);
	assert_null(strstr(why.buf, "not in either"));
	strbuf_reset(&why);
	/* keep wins on time whatever the profile says */
	assert_int_equal(try_decide(VERDICT_FASTER, &drop, other, 1, other, 1, &why), TRY_KEEP);
	strbuf_reset(&why);
	assert_int_equal(try_decide(VERDICT_SAME, &drop, NULL, 0, NULL, 0, &why), TRY_REJECT);
	strbuf_reset(&why);
	assert_int_equal(try_decide(VERDICT_SAME, NULL, prefetch, 1, NULL, 0, &why), TRY_REJECT);
	assert_non_null(strstr(why.buf, "no profile"));
	strbuf_release(&why);
}

static void test_touched(void **state)
{
	struct strbuf out = STRBUF_INIT;
	const char *patch =
		"diff --git a/src/lib.rs b/src/lib.rs\n"
		"--- a/src/lib.rs\n"
		"+++ b/src/lib.rs\n"
		"@@ -10,6 +10,7 @@ impl ExportsInfoGetter {\n"
		"@@ -40,3 +41,4 @@ pub fn prefetch(&self, id: ModuleId) -> Vec<u8> {\n"
		"-    let v = Vec::new();\n"
		"+    let v = Vec::with_capacity(n);\n"
		"+fn get_used_name(&self) -> Option<Atom> {\n"
		"@@ -1,2 +1,2 @@ static __attribute__((noinline)) int hash_one(const char *s)\n"
		"-	if (x) return y(z);\n"
		"+	return y(z);\n"
		"@@ -5,1 +5,1 @@\n"
		"+int helper(int a)\n"
		"+	call(a);\n";
	(void)state;
	assert_int_equal(touched_functions(patch, &out), 4);
	assert_string_equal(out.buf, "prefetch\nget_used_name\nhash_one\nhelper\n");
	strbuf_reset(&out);
	/* a hunk at the top of a file has no header context: the definition is a context line */
	assert_int_equal(touched_functions("@@ -1,6 +1,6 @@\n"
					   " #include \"iters.h\"\n"
					   " __attribute__((noinline)) unsigned long long hot_loop(int n)\n"
					   " {\n"
					   "-	unsigned long long x = 1;\n"
					   "+	unsigned long long x = 2;\n"
					   " }\n"
					   " \n"
					   "+static int unrelated;\n",
					   &out),
			 1);
	assert_string_equal(out.buf, "hot_loop\n");
	strbuf_reset(&out);
	/* a prototype in a header is the context git gives, not a function around the change */
	assert_int_equal(touched_functions("@@ -160,7 +160,7 @@ LZ4LIB_API const char* "
					   "LZ4_versionString (void);  /**< version string */\n"
					   "-#define LZ4_MEMORY_USAGE_DEFAULT 14\n"
					   "+#define LZ4_MEMORY_USAGE_DEFAULT 10\n"
					   "@@ -1,1 +1,1 @@ int g(void); // a prototype\n"
					   "-int x;\n"
					   "+int y;\n",
					   &out),
			 0);
	assert_string_equal(out.buf, "");
	strbuf_release(&out);
}

/* Raw profile names, as normalized by the diff, match the functions a patch names. */
static int raw_matches(const char *raw, const char *name)
{
	char *n = diff_normalize(raw);
	int r = diff_symbol_matches(n, name);
	free(n);
	return r;
}

static void test_symbol_matches(void **state)
{
	(void)state;
	assert_true(raw_matches("hash_one", "hash_one"));
	assert_true(raw_matches("hash_one.cold", "hash_one"));
	assert_true(raw_matches("hash_one.isra.0", "hash_one"));
	assert_true(raw_matches("rspack_core::exports::ExportsInfoGetter::prefetch", "prefetch"));
	assert_true(raw_matches("rspack_core::exports::ExportsInfoGetter::prefetch::h0123456789abcdef",
				"prefetch"));
	assert_true(raw_matches("a::b::prefetch::{{closure}}", "prefetch"));
	assert_false(raw_matches("prefetch_all", "prefetch"));
	assert_false(raw_matches("a::my_prefetch", "prefetch"));
	assert_false(raw_matches("0x1234", "prefetch"));
}

static void test_commit_message_and_scope(void **state)
{
	char *m = commit_message("refactor({scope}): {message}", "rspack_core", "cache lookups");
	char dir[] = "/tmp/perfloop-scope-XXXXXX", *s;
	FILE *f;
	(void)state;
	assert_string_equal(m, "refactor(rspack_core): cache lookups");
	free(m);
	assert_non_null(mkdtemp(dir));
	{
		char *p = xstrfmt("%s/crates/a/src", dir), *toml = xstrfmt("%s/crates/a/Cargo.toml", dir);
		assert_int_equal(mkdir_p(p, 0755), 0);
		f = fopen(toml, "w");
		fputs("[package]\nname = \"rspack_a\"\nversion = \"0.1.0\"\n", f);
		fclose(f);
		free(p);
		free(toml);
	}
	s = change_scope(dir, "crates/a/src/lib.rs\ncrates/a/src/x.rs");
	assert_string_equal(s, "rspack_a");
	free(s);
	s = change_scope(dir, "docs/a.md\ndocs/b.md");
	assert_string_equal(s, "docs");
	free(s);
	assert_null(change_scope(dir, "docs/a.md\nREADME"));
	remove_tree(dir);
}

static void test_cargo_and_expand(void **state)
{
	char dir[] = "/tmp/perfloop-cargo-XXXXXX";
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;
	static const char *const manifests[][2] = {
		{ "Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n" },
		{ "crates/a/Cargo.toml", "[package]\nname = \"rspack_a\"\n[dependencies]\nname = \"no\"\n" },
		{ "crates/b/Cargo.toml", "# b\n[package]\n  name='rspack_b'\n" },
		{ "crates/b/sub/Cargo.toml", "[lib]\nname = \"not_a_package\"\n" },
	};
	(void)state;
	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < ARRAY_SIZE(manifests); i++) {
		char *p = xstrfmt("%s/%s", dir, manifests[i][0]), *d = path_dirname(p);
		FILE *f;
		assert_int_equal(mkdir_p(d, 0755), 0);
		f = fopen(p, "w");
		fputs(manifests[i][1], f);
		fclose(f);
		free(p);
		free(d);
	}
	assert_int_equal(cargo_packages(dir, "crates/b/sub/deep/x.rs\ncrates/a/src/lib.rs\n"
					 "crates/a/gone.rs\nREADME.md",
					 &out),
			 2);
	assert_string_equal(out.buf, "-p rspack_a -p rspack_b");
	strbuf_reset(&out);
	assert_int_equal(cargo_packages(dir, "README.md\ndocs/x", &out), 0);
	assert_string_equal(out.buf, "");

	assert_int_equal(validate_expand("cargo check {crates}", "-p a -p b", "x.rs", &out, &why), 0);
	assert_string_equal(out.buf, "cargo check -p a -p b");
	strbuf_reset(&out);
	assert_int_equal(validate_expand("cargo check {crates}", "", "x.rs", &out, &why), 1);
	assert_non_null(strstr(why.buf, "no Cargo package"));
	strbuf_reset(&out);
	strbuf_reset(&why);
	assert_int_equal(validate_expand("rustfmt --check {changed}", "", "a b.rs\nc'd.rs", &out, &why),
			 0);
	assert_string_equal(out.buf, "rustfmt --check 'a b.rs' 'c'\\''d.rs'");
	strbuf_reset(&out);
	assert_int_equal(validate_expand("lint {changed}", "", "", &out, &why), 1);
	strbuf_release(&out);
	strbuf_release(&why);
	remove_tree(dir);
}

static void test_worktree_path(void **state)
{
	char dir[] = "/tmp/perfloop-wt-XXXXXX", *pat, *p, *want;
	(void)state;
	assert_non_null(mkdtemp(dir));
	pat = xstrfmt("%s/{repo}-perf-%%Y", dir);
	p = loop_worktree_path(pat, "rspack", 0);
	want = xstrfmt("%s/rspack-perf-1970", dir);
	assert_string_equal(p, want);
	assert_int_equal(mkdir_p(p, 0755), 0);
	free(p);
	p = loop_worktree_path(pat, "rspack", 0);
	free(want);
	want = xstrfmt("%s/rspack-perf-1970-2", dir);
	assert_string_equal(p, want);
	free(p);
	free(want);
	free(pat);
	remove_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_try_decide),
		cmocka_unit_test(test_touched),
		cmocka_unit_test(test_symbol_matches),
		cmocka_unit_test(test_commit_message_and_scope),
		cmocka_unit_test(test_cargo_and_expand),
		cmocka_unit_test(test_worktree_path),
	};
	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
