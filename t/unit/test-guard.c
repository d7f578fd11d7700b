/*
 * test-guard.c: the guard benchmarks' rule: slower beyond the margin and
 * memory beyond the memory margin block, an inconclusive or unfinished bench
 * cannot decide and does not block, and how try's verdict and reason change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "guard.h"

static void judge(struct guard_judgement *g, const char *name, int done, enum verdict v,
		  double ratio, double rss)
{
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->margin = 0.01;
	g->memory_margin = 0.30;
	g->metric = "wall";
	guard_judge(g, done, done > 0 ? NULL : "failed", v, 0, ratio, ratio * 0.98, ratio * 1.02, rss);
}

static void test_rule(void **state)
{
	struct guard_judgement g;
	(void)state;
	judge(&g, "small", 1, VERDICT_SLOWER, 1.2, 1.0);
	assert_int_equal(g.outcome, GUARD_SLOWER);
	assert_true(guard_blocks(g.outcome));
	assert_non_null(strstr(g.reason, "guard 'small' is slower: wall ×1.200 [1.176, 1.224] "
					 "beyond its margin 1%"));
	judge(&g, "small", 1, VERDICT_FASTER, 0.9, 1.0);
	assert_int_equal(g.outcome, GUARD_PASS);
	assert_false(guard_blocks(g.outcome));
	judge(&g, "small", 1, VERDICT_SAME, 1.0, 1.29);
	assert_int_equal(g.outcome, GUARD_PASS);
	/* max RSS +31% is beyond a 30% memory margin, whatever the time says */
	judge(&g, "small", 1, VERDICT_SAME, 1.0, 1.31);
	assert_int_equal(g.outcome, GUARD_MEMORY);
	assert_true(guard_blocks(g.outcome));
	assert_non_null(strstr(g.reason, "guard 'small' takes more memory: max RSS ×1.31 (+31%) "
					 "beyond its memory margin 30%"));
	judge(&g, "small", 1, VERDICT_INCONCLUSIVE, 1.0, 1.5);
	assert_int_equal(g.outcome, GUARD_MEMORY);
	judge(&g, "small", 1, VERDICT_FASTER, 0.8, NAN); /* RSS unknown: not judged */
	assert_int_equal(g.outcome, GUARD_PASS);
	/* slower and over memory: slower, both said */
	judge(&g, "small", 1, VERDICT_SLOWER, 1.2, 2.0);
	assert_int_equal(g.outcome, GUARD_SLOWER);
	assert_non_null(strstr(g.reason, "and max RSS ×2.00 beyond its memory margin"));
	/* cannot decide: inconclusive, or the bench did not finish */
	judge(&g, "small", 1, VERDICT_INCONCLUSIVE, 1.01, 1.0);
	assert_int_equal(g.outcome, GUARD_UNDECIDED);
	assert_false(guard_blocks(g.outcome));
	assert_non_null(strstr(g.reason, "could not decide (inconclusive"));
	assert_non_null(strstr(g.reason, "it does not block"));
	judge(&g, "small", 0, VERDICT_SLOWER, 1.5, 3.0);
	assert_int_equal(g.outcome, GUARD_FAILED);
	assert_false(guard_blocks(g.outcome));
	assert_non_null(strstr(g.reason, "guard 'small' could not decide: its bench failed; it "
					 "does not block"));
	/* the candidate failed where the baseline ran: the change broke the guard */
	judge(&g, "small", -1, VERDICT_CONTINUE, NAN, NAN);
	assert_int_equal(g.outcome, GUARD_BROKEN);
	assert_true(guard_blocks(g.outcome));
	assert_non_null(strstr(g.reason, "guard 'small' fails with the change: its candidate run "
					 "failed where the baseline's ran"));
	assert_string_equal(guard_outcome_name(GUARD_MEMORY), "memory");
	assert_string_equal(guard_outcome_name(GUARD_UNDECIDED), "undecided");
	assert_string_equal(guard_outcome_name(GUARD_BROKEN), "broken");
}

static void test_apply(void **state)
{
	struct guard_judgement g[3];
	struct strbuf reason = STRBUF_INIT;
	(void)state;
	judge(&g[0], "a", 1, VERDICT_FASTER, 0.9, 1.0);
	judge(&g[1], "b", 1, VERDICT_SLOWER, 1.1, 1.0);
	judge(&g[2], "c", 1, VERDICT_INCONCLUSIVE, 1.0, 1.0);
	strbuf_addstr(&reason, "end-to-end time is faster");
	assert_int_equal(guard_apply(TRY_KEEP, g, 3, &reason), TRY_REJECT);
	assert_non_null(strstr(reason.buf, "guard 'b' is slower"));
	assert_true(!strncmp(reason.buf, "guard 'b' is slower", 19));
	assert_non_null(
	    strstr(reason.buf, "the target alone would keep: end-to-end time is faster"));
	assert_non_null(strstr(reason.buf, "guard 'c' could not decide"));
	assert_null(strstr(reason.buf, "guard 'a'"));
	/* nothing blocks: the verdict stays, the undecided guard is said */
	strbuf_reset(&reason);
	strbuf_addstr(&reason, "time same, touched hotspot dropped");
	assert_int_equal(guard_apply(TRY_KEEP_FLAT, g, 1, &reason), TRY_KEEP_FLAT);
	assert_string_equal(reason.buf, "time same, touched hotspot dropped");
	assert_int_equal(guard_apply(TRY_KEEP, &g[2], 1, &reason), TRY_KEEP);
	assert_non_null(strstr(reason.buf, "; guard 'c' could not decide"));
	/* a verdict that does not keep is left alone (no guard ran) */
	strbuf_reset(&reason);
	strbuf_addstr(&reason, "slower");
	assert_int_equal(guard_apply(TRY_REJECT, g, 3, &reason), TRY_REJECT);
	assert_int_equal(guard_apply(TRY_INCONCLUSIVE, g, 3, &reason), TRY_INCONCLUSIVE);
	assert_string_equal(reason.buf, "slower");
	strbuf_release(&reason);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rule),
	    cmocka_unit_test(test_apply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
