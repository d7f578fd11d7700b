/*
 * test-experiment.c: the try step's pure logic (experiment.c): the verdict
 * rule (keep, keep-flat, reject, inconclusive) and the functions a patch
 * touches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "experiment.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_try_decide),
		cmocka_unit_test(test_touched),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
