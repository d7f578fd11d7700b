/*
 * test-loop.c: the loop's own logic (loop.c): worktree paths from the
 * configured pattern, numbered when the path is taken.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "loop.h"
#include "util.h"

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
		cmocka_unit_test(test_worktree_path),
	};
	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
