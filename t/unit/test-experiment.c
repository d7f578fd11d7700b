/*
 * test-experiment.c: experiment.c — the try step's pure logic (the verdict
 * rule: keep, keep-flat, reject, inconclusive; the functions a patch touches)
 * and the experiments table through its owner's typed calls: status and
 * verdict names, the steps and their ends, the close at exit that never
 * overrides a verdict, revert, and the ledger marking an experiment of a dead
 * process abandoned by the same status list.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "experiment.h"
#include "store.h"

static char dir[64];
static struct ledger *ledger;

static int setup(void **state)
{
	struct strbuf err = STRBUF_INIT;
	char *path;
	snprintf(dir, sizeof(dir), "/tmp/perfloop-exp-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	path = xstrfmt("%s/ledger.db", dir);
	ledger = ledger_open(path, 0, &err);
	free(path);
	if (!ledger)
		fail_msg("%s", err.buf);
	strbuf_release(&err);
	return 0;
}

static int teardown(void **state)
{
	ledger_close(ledger);
	return remove_tree(dir);
}

/* One text column of experiment id, "" for NULL (a copy). */
static char *column(int64_t id, const char *col)
{
	struct strbuf err = STRBUF_INIT;
	char *sql = xstrfmt("SELECT %s FROM experiments WHERE id = ?", col);
	sqlite3_stmt *st = ledger_query(ledger, &err, sql, "i", id);
	char *v;
	assert_non_null(st);
	assert_int_equal(ledger_step(ledger, st, &err), 1);
	v = xstrdup(col_text(st, 0));
	sqlite3_finalize(st);
	free(sql);
	strbuf_release(&err);
	return v;
}

static void assert_column(int64_t id, const char *col, const char *want)
{
	char *v = column(id, col);
	assert_string_equal(v, want);
	free(v);
}

static int64_t save(const char *patch)
{
	struct strbuf err = STRBUF_INIT;
	int64_t id = experiment_save(ledger, "msg", patch, "a.c\n", NULL, &err);
	if (id < 0)
		fail_msg("%s", err.buf);
	strbuf_release(&err);
	return id;
}

static void test_names(void **state)
{
	enum exp_status s;
	enum try_verdict v;
	char *cond = exp_in_progress_sql();
	for (int i = EXP_SAVED; i <= EXP_ABANDONED; i++) {
		assert_int_equal(exp_status_parse(exp_status_name((enum exp_status)i), &s), 0);
		assert_int_equal(s, i);
		assert_int_equal(exp_status_in_progress(s), i <= EXP_PROFILING);
	}
	assert_int_equal(exp_status_parse("rejected", &s), -1);
	assert_int_equal(exp_status_parse(NULL, &s), -1);
	/* the steps the ledger looks for when their process is gone */
	assert_string_equal(cond,
			    "status IN ('saved','validating','building','benching','profiling')");
	for (int i = TRY_KEEP; i <= TRY_INCONCLUSIVE; i++) {
		assert_int_equal(try_verdict_parse(try_verdict_name((enum try_verdict)i), &v), 0);
		assert_int_equal(v, i);
	}
	assert_null(try_verdict_name(TRY_NONE));
	assert_int_equal(try_verdict_parse(NULL, &v), 0);
	assert_int_equal(v, TRY_NONE);
	assert_int_equal(try_verdict_parse("keep-ish", &v), -1);
	assert_true(try_verdict_keeps(TRY_KEEP) && try_verdict_keeps(TRY_KEEP_FLAT));
	assert_false(try_verdict_keeps(TRY_REJECT) || try_verdict_keeps(TRY_INCONCLUSIVE) ||
		     try_verdict_keeps(TRY_NONE));
	free(cond);
}

static void test_steps_and_ends(void **state)
{
	struct strbuf err = STRBUF_INIT;
	int64_t a = save("diff a\n"), b = save("diff b\n");
	assert_int_equal(experiment_record_step(ledger, a, EXP_BUILDING, &err), 0);
	assert_column(a, "status", "building");
	assert_int_equal(experiment_stop(ledger, a, EXP_FAILED, "build failed", "/x/build.log",
					 &err),
			 0);
	assert_column(a, "status", "failed");
	assert_column(a, "log", "/x/build.log");
	/* a stop without a log keeps the one there */
	assert_int_equal(experiment_stop(ledger, a, EXP_INTERRUPTED, "interrupted during the build",
					 NULL, &err),
			 0);
	assert_column(a, "log", "/x/build.log");
	assert_column(a, "reason", "interrupted during the build");
	assert_column(a, "verdict", "");
	assert_int_equal(experiment_decide(ledger, b, TRY_KEEP_FLAT, "time is the same; ...", &err),
			 0);
	assert_column(b, "status", "decided");
	assert_column(b, "verdict", "keep-flat");
	strbuf_release(&err);
}

static void test_close_unfinished_never_overrides(void **state)
{
	struct strbuf err = STRBUF_INIT;
	int64_t a = save("diff a\n"), b = save("diff b\n"), c = save("diff c\n");
	assert_int_equal(experiment_record_step(ledger, a, EXP_PROFILING, &err), 0);
	assert_int_equal(experiment_close_unfinished(ledger, a, 1, &err), 0);
	assert_column(a, "status", "interrupted");
	assert_column(a, "verdict", "");
	assert_int_equal(experiment_record_step(ledger, b, EXP_BENCHING, &err), 0);
	assert_int_equal(experiment_close_unfinished(ledger, b, 0, &err), 0);
	assert_column(b, "status", "failed");
	assert_column(b, "reason", "perfloop stopped with an error");
	/* decided before the exit: the verdict stands */
	assert_int_equal(experiment_decide(ledger, c, TRY_REJECT, "slower", &err), 0);
	assert_int_equal(experiment_close_unfinished(ledger, c, 1, &err), 0);
	assert_column(c, "status", "decided");
	assert_column(c, "verdict", "reject");
	strbuf_release(&err);
}

static void test_revert(void **state)
{
	struct strbuf err = STRBUF_INIT, patch = STRBUF_INIT;
	struct exp_decision d;
	int64_t tried = save("diff tried\n"), id;
	assert_int_equal(experiment_decide(ledger, tried, TRY_INCONCLUSIVE, "could not tell", &err),
			 0);
	assert_int_equal(experiment_revert(ledger, "diff tried\n", "a.c\n", NULL, &id, &err), 0);
	assert_int_equal(id, tried);
	assert_column(id, "status", "reverted");
	assert_column(id, "verdict", "inconclusive");
	/* no longer decided: keep finds no verdict for it */
	{
		char hash[HASH_HEX];
		patch_hash("diff tried\n", strlen("diff tried\n"), hash);
		assert_int_equal(experiment_decided(ledger, hash, &d, &err), 0);
	}
	/* never tried: saved here, rejected */
	assert_int_equal(experiment_revert(ledger, "diff new\n", "b.c\n", "abc", &id, &err), 0);
	assert_true(id > tried);
	assert_column(id, "status", "reverted");
	assert_column(id, "verdict", "reject");
	assert_column(id, "reason", "reverted without a try");
	assert_int_equal(experiment_patch(ledger, id, &patch, &err), 1);
	assert_string_equal(patch.buf, "diff new\n");
	assert_int_equal(experiment_patch(ledger, id + 1, &patch, &err), 0);
	strbuf_release(&patch);
	strbuf_release(&err);
}

static void test_decided_and_last(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct exp_decision d;
	struct exp_summary s;
	char hash[HASH_HEX];
	int64_t a = save("diff same\n"), b;
	assert_int_equal(experiment_last(ledger, &s, &err), 1);
	assert_int_equal(s.id, a);
	assert_int_equal(s.status, EXP_SAVED);
	assert_int_equal(s.verdict, TRY_NONE);
	assert_false(s.has_ratio);
	exp_summary_release(&s);
	assert_int_equal(experiment_decide(ledger, a, TRY_KEEP, "faster", &err), 0);
	b = save("diff same\n"); /* tried again, not decided yet */
	patch_hash("diff same\n", strlen("diff same\n"), hash);
	assert_int_equal(experiment_decided(ledger, hash, &d, &err), 1);
	assert_int_equal(d.id, a);
	assert_int_equal(d.verdict, TRY_KEEP);
	assert_string_equal(d.message, "msg");
	exp_decision_release(&d);
	assert_int_equal(experiment_keep(ledger, a, "c0ffee", &err), 0);
	assert_int_equal(experiment_record_push(ledger, a, "api", &err), 0);
	assert_column(a, "status", "kept");
	assert_column(a, "commit_id", "c0ffee");
	assert_column(a, "pushed", "api");
	assert_int_equal(experiment_last(ledger, &s, &err), 1);
	assert_int_equal(s.id, b);
	exp_summary_release(&s);
	strbuf_release(&err);
}

/* A queue's patch that never applied: one row, failed at once; experiment_get() reads any. */
static void test_save_failed_and_get(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct exp_summary s;
	int64_t a = save("diff a\n"), f;
	f = experiment_save_failed(ledger, "broken", "diff broken\n", "abc123",
				   "the patch does not apply to HEAD: error: x", &err);
	assert_true(f > a);
	assert_column(f, "status", "failed");
	assert_column(f, "reason", "the patch does not apply to HEAD: error: x");
	assert_column(f, "patch", "diff broken\n");
	assert_int_equal(experiment_get(ledger, f, &s, &err), 1);
	assert_int_equal(s.status, EXP_FAILED);
	assert_int_equal(s.verdict, TRY_NONE);
	assert_string_equal(s.message, "broken");
	assert_string_equal(s.base_commit, "abc123");
	assert_int_equal(s.baseline_id, 0);
	exp_summary_release(&s);
	assert_int_equal(experiment_get(ledger, a, &s, &err), 1);
	assert_int_equal(s.status, EXP_SAVED);
	assert_null(s.base_commit);
	exp_summary_release(&s);
	assert_int_equal(experiment_get(ledger, f + 1, &s, &err), 0);
	strbuf_release(&err);
}

/* The gain a profile predicts: the touched rows' share that went away, times the baseline. */
static void test_expected_gain(void **state)
{
	struct exp_expected x;
	struct strbuf sb = STRBUF_INIT;
	json_t *rows = json_loads("[{\"symbol\":\"find\",\"base\":45.0,\"new\":25.0,"
				  "\"touched\":true},"
				  "{\"symbol\":\"hash\",\"base\":2.0,\"new\":4.5,\"touched\":true},"
				  "{\"symbol\":\"other\",\"base\":10.0,\"new\":30.0,"
				  "\"touched\":false}]",
				  0, NULL);
	json_t *untouched = json_loads("[{\"symbol\":\"other\",\"base\":10.0,\"new\":9.0,"
				       "\"touched\":false}]",
				       0, NULL), *doc;
	(void)state;
	exp_expected_gain(rows, 2, 0.4, &x);
	assert_int_equal(x.state, EXPECT_OK);
	assert_int_equal(x.rows, 2);
	assert_true(fabs(x.points - 17.5) < 1e-9);
	assert_true(fabs(x.seconds - 0.07) < 1e-9);
	exp_expected_text(&x, 0.66, &sb);
	assert_string_equal(sb.buf, "profile predicts -17.5% (-70.0 ms), measured -34.0%");
	doc = exp_expected_json(&x, 0.66);
	assert_string_equal(json_string_value(json_object_get(doc, "state")), "ok");
	assert_true(fabs(json_number_value(json_object_get(doc, "change")) + 0.175) < 1e-9);
	assert_true(fabs(json_number_value(json_object_get(doc, "measured_change")) + 0.34) < 1e-9);
	json_decref(doc);
	/* no baseline time: the share alone */
	exp_expected_gain(rows, 2, NAN, &x);
	strbuf_reset(&sb);
	exp_expected_text(&x, NAN, &sb);
	assert_string_equal(sb.buf, "profile predicts -17.5%");
	/* touched functions in no row, none touched, no profile: said, never a number */
	exp_expected_gain(untouched, 1, 0.4, &x);
	assert_int_equal(x.state, EXPECT_NOT_FOUND);
	assert_true(x.points == 0);
	strbuf_reset(&sb);
	exp_expected_text(&x, 1.0, &sb);
	assert_non_null(strstr(sb.buf, "not in the hotspot diff"));
	doc = exp_expected_json(&x, 1.0);
	assert_true(json_is_null(json_object_get(doc, "points")));
	assert_string_equal(json_string_value(json_object_get(doc, "state")), "not-found");
	json_decref(doc);
	exp_expected_gain(untouched, 0, 0.4, &x);
	assert_int_equal(x.state, EXPECT_NO_TOUCHED);
	exp_expected_gain(NULL, 3, 0.4, &x);
	assert_int_equal(x.state, EXPECT_NO_PROFILE);
	strbuf_reset(&sb);
	exp_expected_text(&x, 2.0, &sb);
	assert_string_equal(sb.buf, "no profile to predict the gain from, measured +100.0%");
	json_decref(rows);
	json_decref(untouched);
	strbuf_release(&sb);
}

/* An experiment left in a step by a process that is gone is abandoned on the next open. */
static void test_abandoned_by_the_same_list(void **state)
{
	struct strbuf err = STRBUF_INIT;
	char *path = xstrdup(ledger->path), *reason;
	int64_t step = save("diff step\n"), done = save("diff done\n");
	pid_t child = fork();
	if (!child)
		_exit(0);
	assert_true(child > 0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	assert_int_equal(experiment_record_step(ledger, step, EXP_VALIDATING, &err), 0);
	assert_int_equal(experiment_decide(ledger, done, TRY_REJECT, "slower", &err), 0);
	assert_int_equal(ledger_exec(ledger, &err, "UPDATE experiments SET owner_pid = ?, "
					       "owner_start = 0",
				     "i", (int64_t)child),
			 0);
	ledger_close(ledger);
	ledger = ledger_open(path, 0, &err);
	assert_non_null(ledger);
	assert_column(step, "status", "abandoned");
	reason = column(step, "reason");
	assert_non_null(strstr(reason, "is gone: killed or crashed"));
	assert_column(done, "status", "decided");
	free(reason);
	free(path);
	strbuf_release(&err);
}

static void test_reason_metric(void **state)
{
	struct strbuf r = STRBUF_INIT;
	(void)state;
	assert_int_equal(try_decide(VERDICT_FASTER, "wall", NULL, NULL, 0, NULL, 0, &r), TRY_KEEP);
	assert_string_equal(r.buf, "end-to-end time is faster");
	strbuf_reset(&r);
	assert_int_equal(try_decide(VERDICT_FASTER, "instructions", NULL, NULL, 0, NULL, 0, &r),
			 TRY_KEEP);
	assert_string_equal(r.buf, "faster by instructions");
	strbuf_reset(&r);
	assert_int_equal(try_decide(VERDICT_SLOWER, "cpu", NULL, NULL, 0, NULL, 0, &r), TRY_REJECT);
	assert_string_equal(r.buf, "slower by cpu");
	strbuf_reset(&r);
	assert_int_equal(try_decide(VERDICT_SAME, "work", NULL, NULL, 0, NULL, 0, &r), TRY_REJECT);
	assert_string_equal(r.buf, "the same by work and there is no profile to show a clearly "
				   "better hotspot profile");
	strbuf_reset(&r);
	assert_int_equal(try_decide(VERDICT_INCONCLUSIVE, "cpu", NULL, NULL, 0, NULL, 0, &r),
			 TRY_INCONCLUSIVE);
	assert_non_null(strstr(r.buf, "the bench could not tell"));
	strbuf_release(&r);
}

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
	assert_int_equal(try_decide(VERDICT_FASTER, NULL, NULL, NULL, 0, NULL, 0, &why), TRY_KEEP);
	strbuf_reset(&why);
	assert_int_equal(try_decide(VERDICT_SLOWER, NULL, &drop, prefetch, 1, NULL, 0, &why), TRY_REJECT);
	strbuf_reset(&why);
	assert_int_equal(try_decide(VERDICT_INCONCLUSIVE, NULL, &drop, prefetch, 1, NULL, 0, &why),
			 TRY_INCONCLUSIVE);
	strbuf_reset(&why);
	/* same time: keep-flat only when the touched functions dropped and nothing grew */
	assert_int_equal(try_decide(VERDICT_SAME, NULL, &drop, prefetch, 1, NULL, 0, &why),
			 TRY_KEEP_FLAT);
	strbuf_reset(&why);
	assert_int_equal(try_decide(VERDICT_SAME, NULL, &reshuffle, hot_a, 1, NULL, 0, &why), TRY_REJECT);
	assert_non_null(strstr(why.buf, "reshuffle"));
	strbuf_reset(&why);
	assert_int_equal(try_decide(VERDICT_SAME, NULL, &drop, other, 1, NULL, 0, &why), TRY_REJECT);
	assert_non_null(strstr(why.buf, "could not be judged"));
	assert_null(strstr(why.buf, "reshuffle"));
	strbuf_reset(&why);
	/* touched functions in neither profile (always inlined): named, with why */
	assert_int_equal(try_decide(VERDICT_SAME, NULL, &drop, other, 1, other, 1, &why), TRY_REJECT);
	assert_non_null(strstr(why.buf, "could not be judged: touched other not in either "
				       "profile (inlined into callers, or too little time to be "
				       "sampled)"));
	strbuf_reset(&why);
	assert_int_equal(try_decide(VERDICT_SAME, NULL, &drop, two, 2, other, 1, &why), TRY_KEEP_FLAT);
	assert_non_null(strstr(why.buf, "(not in either profile: other)"));
	strbuf_reset(&why);
	assert_int_equal(try_decide(VERDICT_SAME, NULL, &reshuffle, hot_a, 1, NULL, 0, &why), TRY_REJECT);
	assert_null(strstr(why.buf, "not in either"));
	strbuf_reset(&why);
	/* keep wins on time whatever the profile says */
	assert_int_equal(try_decide(VERDICT_FASTER, NULL, &drop, other, 1, other, 1, &why), TRY_KEEP);
	strbuf_reset(&why);
	assert_int_equal(try_decide(VERDICT_SAME, NULL, &drop, NULL, 0, NULL, 0, &why), TRY_REJECT);
	strbuf_reset(&why);
	assert_int_equal(try_decide(VERDICT_SAME, NULL, NULL, prefetch, 1, NULL, 0, &why), TRY_REJECT);
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
		cmocka_unit_test(test_reason_metric),
		cmocka_unit_test(test_touched),
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_steps_and_ends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_unfinished_never_overrides, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_revert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decided_and_last, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abandoned_by_the_same_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_failed_and_get, setup, teardown),
		cmocka_unit_test(test_expected_gain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
