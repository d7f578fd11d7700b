/*
 * test-queue.c: queue.c's pure logic — the order of a queue's ranking (keep,
 * keep-flat, inconclusive, reject, failed, interrupted, not tried; by the
 * measured ratio within a class; the best to keep) and a patch file's
 * description (a mail's Subject, the first line before the diff).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "queue.h"

/* A tried candidate decided `v` with mean log-ratio ln(ratio) (ratio 0: no pairs). */
static void decided(struct queue_item *it, int64_t id, enum try_verdict v, double ratio)
{
	memset(it, 0, sizeof(*it));
	it->outcome = QUEUE_TRIED;
	it->experiment = id;
	it->res.status = EXP_DECIDED;
	it->res.verdict = v;
	it->res.have_bench = 1;
	it->res.bench.npairs = ratio > 0 ? 6 : 0;
	it->res.bench.vr.mean = ratio > 0 ? log(ratio) : 0;
}

static void test_rank(void **state)
{
	struct queue_item items[9];
	struct queue_result r = { 0 };
	/* in the order a queue tried them */
	decided(&items[0], 1, TRY_REJECT, 2.6);         /* bad, rejected early */
	decided(&items[1], 2, TRY_INCONCLUSIVE, 1.01);  /* reshuffle under load */
	decided(&items[2], 3, TRY_KEEP, 0.66);          /* good */
	memset(&items[3], 0, sizeof(items[3]));         /* git apply refused it */
	items[3].outcome = QUEUE_NO_APPLY;
	items[3].experiment = 4;
	decided(&items[4], 5, TRY_KEEP_FLAT, 1.0);
	decided(&items[5], 6, TRY_KEEP, 0.9);
	decided(&items[6], 7, TRY_REJECT, 1.05);        /* a reshuffle judged reject */
	items[7] = items[6];                            /* a step stopped it: no verdict */
	items[7].experiment = 8;
	items[7].res.status = EXP_INTERRUPTED;
	items[7].res.verdict = TRY_NONE;
	memset(&items[8], 0, sizeof(items[8]));         /* the interrupt came first */
	(void)state;
	r.items = items;
	r.nr = 9;
	queue_rank(&r);
	{
		/* keep by ratio, keep-flat, inconclusive, reject by ratio, failed, interrupted, not tried */
		const size_t want[] = { 2, 5, 4, 1, 6, 0, 3, 7, 8 };
		for (size_t i = 0; i < 9; i++)
			assert_int_equal(r.rank[i], want[i]);
	}
	assert_int_equal(queue_best(&r), 3);
	assert_int_equal(queue_class(&items[3]), 4);
	assert_int_equal(queue_class(&items[7]), 5);
	assert_int_equal(queue_class(&items[8]), 6);
	/* no candidate keeps: nothing to keep */
	items[2].res.verdict = TRY_INCONCLUSIVE;
	items[5].res.verdict = TRY_REJECT;
	items[4].res.verdict = TRY_REJECT;
	queue_rank(&r);
	assert_int_equal(r.rank[0], 2);
	assert_int_equal(queue_best(&r), 0);
	/* a step that failed ranks with a patch that did not apply, in the order tried */
	items[0].res.status = EXP_FAILED;
	items[0].res.verdict = TRY_NONE;
	queue_rank(&r);
	assert_int_equal(r.rank[5], 0);
	assert_int_equal(r.rank[6], 3);
	free(r.rank);
}

static void test_rank_ties_and_missing_ratio(void **state)
{
	struct queue_item items[3];
	struct queue_result r = { 0 };
	(void)state;
	decided(&items[0], 1, TRY_REJECT, 0);   /* no pair: no ratio */
	decided(&items[1], 2, TRY_REJECT, 1.2);
	decided(&items[2], 3, TRY_REJECT, 1.2); /* a tie keeps the order tried */
	r.items = items;
	r.nr = 3;
	queue_rank(&r);
	assert_int_equal(r.rank[0], 1);
	assert_int_equal(r.rank[1], 2);
	assert_int_equal(r.rank[2], 0);
	free(r.rank);
}

static void check_description(const char *text, const char *name, const char *want)
{
	char *d = patch_description(text, name);
	assert_string_equal(d, want);
	free(d);
}

static void test_description(void **state)
{
	(void)state;
	/* the example's patches: "NAME: what." before the diff */
	check_description("good.patch: hash every byte with FNV-1a.\n\nThe byte sum...\n\n"
			  "diff --git a/t.c b/t.c\n--- a/t.c\n+++ b/t.c\n",
			  "3-good.patch", "hash every byte with FNV-1a");
	check_description("q.diff: one.\ndiff --git a/t.c b/t.c\n", "q.diff", "one");
	/* git format-patch: the Subject, folded, without [PATCH n/m] */
	check_description("From 0123abcd Mon Sep 17 00:00:00 2001\n"
			  "From: A <a@example.invalid>\n"
			  "Subject: [PATCH 2/3] cache the exports info\n"
			  " of every module\n\n"
			  "Body text.\n---\n t.c | 2 +-\n\n"
			  "diff --git a/t.c b/t.c\n",
			  "0002-cache.patch", "cache the exports info of every module");
	/* a bare diff: the file's name */
	check_description("diff --git a/t.c b/t.c\n--- a/t.c\n+++ b/t.c\n", "x.patch", "x.patch");
	check_description("--- a/t.c\n+++ b/t.c\n", "y.diff", "y.diff");
	/* "Note: ..." is no file name; an ellipsis stays */
	check_description("  Note: faster...\n--- a/t.c\n", "z.patch", "Note: faster...");
	check_description("", "empty.patch", "empty.patch");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rank),
		cmocka_unit_test(test_rank_ties_and_missing_ratio),
		cmocka_unit_test(test_description),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
