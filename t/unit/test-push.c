/*
 * test-push.c: what keep commits (push.c): the commit message from its
 * template and the change's scope (its Cargo package or directory).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "push.h"
#include "util.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit_message_and_scope),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
