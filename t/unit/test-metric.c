/*
 * test-metric.c: the metrics a bench judges (metric.c): found by name, taken
 * from a bench document, read from its sides.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metric.h"

/* Metrics: found by name, taken from a bench document, read from its sides. */
static void test_metric(void **state)
{
	json_t *side = json_pack("{s:[f,f],s:[f,f],s:[f,f],s:[i,i]}", "wall", 1.5, 2.5, "user",
				 1.0, 2.0, "sys", 0.25, 0.5, "exit_codes", 0, 0);
	json_t *doc = json_pack("{s:s}", "metric", "cpu");
	double v[2];
	(void)state;
	assert_string_equal(metric_find("wall")->name, "wall");
	assert_null(metric_find("bogus"));
	assert_null(metric_find(NULL));
	assert_ptr_equal(metric_of_doc(doc), metric_find("cpu"));
	/* a document from before metrics were recorded judged wall time */
	assert_ptr_equal(metric_of_doc(NULL), metric_find("wall"));
	assert_int_equal(metric_side_values(metric_find("cpu"), side, v), 2);
	assert_true(v[0] == 1.25 && v[1] == 2.5);
	assert_int_equal(metric_side_values(metric_find("wall"), side, v), 2);
	assert_true(v[0] == 1.5 && v[1] == 2.5);
	json_decref(side);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metric),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
