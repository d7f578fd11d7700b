/*
 * test-validate.c: the validate step's placeholders (validate.c): the Cargo
 * packages a change touches ({crates}) and the changed files ({changed}),
 * quoted for the shell, and the skips when either is empty.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "validate.h"
#include "util.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cargo_and_expand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
