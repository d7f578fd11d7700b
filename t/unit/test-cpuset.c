/*
 * test-cpuset.c: CPU lists (cpuset.c): parsing and formatting, every
 * malformed list's message, and the check against the online CPUs (read
 * from a fake /sys tree) and the allowed ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpuset.h"
#include "util.h"

static char *root; /* the fake tree: /sys/devices/system/cpu/online under it */

/* Writes TEXT to ROOT/REL, making the directories on the way. */
static void put(const char *rel, const char *text)
{
	char *path = xstrfmt("%s%s", root, rel), *dir = path_dirname(path);
	struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT;

	assert_int_equal(mkdir_p(dir, 0777), 0);
	strbuf_addstr(&sb, text);
	assert_int_equal(strbuf_write_file_atomic(&sb, path, &err), 0);
	strbuf_release(&sb);
	strbuf_release(&err);
	free(dir);
	free(path);
}

static int setup(void **state)
{
	(void)state;
	root = xstrdup("/tmp/perfloop-cpuset-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	remove_tree(root);
	free(root);
	return 0;
}

static void test_cpulist(void **state)
{
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	cpu_set_t set, online, allowed;
	(void)state;

	assert_int_equal(cpulist_parse("0-3,5,7-8", &set, &err), 0);
	assert_int_equal(CPU_COUNT(&set), 7);
	assert_true(CPU_ISSET(5, &set) && !CPU_ISSET(4, &set) && CPU_ISSET(8, &set));
	cpulist_format(&set, &out);
	assert_string_equal(out.buf, "0-3,5,7-8");
	strbuf_reset(&out);
	assert_int_equal(cpulist_parse(" 1 , 0\n", &set, &err), 0);
	cpulist_format(&set, &out);
	assert_string_equal(out.buf, "0-1");

#define BAD(list, msg)                                                                             \
	do {                                                                                       \
		strbuf_reset(&err);                                                                \
		assert_int_equal(cpulist_parse(list, &set, &err), -1);                             \
		assert_string_equal(err.buf, msg);                                                 \
	} while (0)
	BAD("0-3,x", "cpu list '0-3,x': 'x' is not a CPU number or range");
	BAD("0,,1", "cpu list '0,,1': an empty item");
	BAD("1,", "cpu list '1,': an empty item");
	BAD("", "cpu list '' is empty");
	BAD("3-1", "cpu list '3-1': range '3-1' is reversed");
	BAD("0-", "cpu list '0-': '0-' is not a CPU number or range");
	BAD("-2", "cpu list '-2': '-2' is not a CPU number or range");
	BAD("1-2-3", "cpu list '1-2-3': '1-2-3' is not a CPU number or range");
	BAD("0,99999", "cpu list '0,99999': '99999' is beyond the largest CPU number 1023");

	/* validation against online and allowed CPUs */
	put("/sys/devices/system/cpu/online", "0-1\n");
	assert_int_equal(cpus_online(root, &online, &err), 0);
	assert_int_equal(CPU_COUNT(&online), 2);
	CPU_ZERO(&allowed);
	CPU_SET(1, &allowed);
	assert_int_equal(cpulist_parse("1", &set, &err), 0);
	assert_int_equal(cpulist_check(&set, &online, &allowed, &err), 0);
	assert_int_equal(cpulist_parse("0-2", &set, &err), 0);
	strbuf_reset(&err);
	assert_int_equal(cpulist_check(&set, &online, NULL, &err), -1);
	assert_string_equal(err.buf, "cpu 2 is not online (online cpus: 0-1)");
	assert_int_equal(cpulist_parse("0", &set, &err), 0);
	strbuf_reset(&err);
	assert_int_equal(cpulist_check(&set, &online, &allowed, &err), -1);
	assert_string_equal(err.buf, "cpu 0 is not allowed (allowed cpus: 1)");
	put("/sys/devices/system/cpu/online", "zero\n");
	strbuf_reset(&err);
	assert_int_equal(cpus_online(root, &online, &err), -1);
	assert_true(strstr(err.buf, "/sys/devices/system/cpu/online': cpu list 'zero'") != NULL);
	strbuf_release(&err);
	strbuf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cpulist, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
