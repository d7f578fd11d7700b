/*
 * test-counters.c: the counter names, units and masks of counters.c and why
 * a counter is unavailable (what the kernel counts is tested end to end in
 * t3000-metric-sources.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "counters.h"

static void test_counter_names(void **state)
{
	struct strbuf err = STRBUF_INIT;
	unsigned mask;
	int i;
	(void)state;

	for (i = 0; i < COUNTER__N; i++)
		assert_int_equal(counter_from_name(counter_name(i)), i);
	assert_string_equal(counter_name(COUNTER_TASK_CLOCK), "task-clock");
	assert_string_equal(counter_unit(COUNTER_TASK_CLOCK), "ns");
	assert_string_equal(counter_unit(COUNTER_PAGE_FAULTS), "");
	assert_int_equal(counter_from_name("instructions:u"), -1);
	assert_int_equal(counter_mask_parse("page-faults,instructions", &mask, &err), 0);
	assert_int_equal(mask,
			 COUNTER_BIT(COUNTER_PAGE_FAULTS) | COUNTER_BIT(COUNTER_INSTRUCTIONS));
	assert_int_equal(counter_mask_parse("software", &mask, &err), 0);
	assert_int_equal(mask & COUNTERS_PMU, 0);
	assert_true(mask & COUNTER_BIT(COUNTER_CONTEXT_SWITCHES));
	assert_int_equal(counter_mask_parse("all", &mask, &err), 0);
	assert_int_equal(mask, COUNTERS_ALL);
	assert_int_equal(counter_mask_parse("", &mask, &err), 0);
	assert_int_equal(mask, 0);
	assert_int_equal(counter_mask_parse("pmu,bogus", &mask, &err), -1);
	assert_true(strstr(err.buf, "unknown counter 'bogus' (known: all, pmu, software, "
				    "instructions, cycles,") != NULL);
	strbuf_reset(&err);
	counter_unavailable_reason(ENOENT, COUNTER_INSTRUCTIONS, &err);
	assert_string_equal(err.buf, "no hardware counters on this machine (no PMU: common in "
				     "virtual machines)");
	strbuf_reset(&err);
	counter_unavailable_reason(EACCES, COUNTER_CONTEXT_SWITCHES, &err);
	assert_true(strstr(err.buf, "not permitted (it counts kernel events; ") == err.buf);
	assert_true(strstr(err.buf, "needs <= 1 or CAP_PERFMON)") != NULL);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
