/*
 * test-store.c: the content-addressed store's copies: complete or absent,
 * never a temporary file left, the signal mask given back, the same bytes
 * stored once and found by their hash; hashing refuses what is not a file.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "store.h"
#include "util.h"

static char dir[] = "/tmp/perfloop-test-store.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return remove_tree(dir);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static char *path_in(const char *name)
{
	return xstrfmt("%s/%s", dir, name);
}

/* How many files in d have ".tmp." in their name. */
static int temporaries(const char *d)
{
	char *cmd = xstrfmt("find '%s' -name '*.tmp.*' | grep -q .", d);
	int found = system(cmd) == 0;
	free(cmd);
	return found;
}

static void test_copy_atomic(void **state)
{
	struct strbuf err = STRBUF_INIT;
	char *src = xstrfmt("%s/tool", dir), *dest = xstrfmt("%s/out/tool", dir);
	char *sub = xstrfmt("%s/out", dir);
	sigset_t before, after;
	struct stat st;
	(void)state;
	write_file(src, "bytes", 0755);
	assert_int_equal(mkdir_p(sub, 0755), 0);
	sigprocmask(SIG_BLOCK, NULL, &before);
	assert_int_equal(file_copy_atomic(src, dest, 0644, &err), 0);
	sigprocmask(SIG_BLOCK, NULL, &after);
	/* SIGINT and SIGTERM are held only during the copy */
	assert_int_equal(sigismember(&after, SIGINT), sigismember(&before, SIGINT));
	assert_int_equal(sigismember(&after, SIGTERM), sigismember(&before, SIGTERM));
	assert_int_equal(stat(dest, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0755); /* 0644 plus the source's execute bits */
	strbuf_reset(&err);
	assert_true(strbuf_read_file(&err, dest, 100) >= 0);
	assert_string_equal(err.buf, "bytes");
	assert_false(temporaries(dir));

	/* a copy that cannot be made leaves nothing behind */
	strbuf_reset(&err);
	free(dest);
	dest = xstrfmt("%s/missing/tool", dir);
	assert_int_equal(file_copy_atomic(src, dest, 0644, &err), -1);
	assert_non_null(strstr(err.buf, "missing"));
	strbuf_reset(&err);
	free(src);
	src = xstrfmt("%s/absent", dir);
	assert_int_equal(file_copy_atomic(src, dest, 0644, &err), -1);
	assert_non_null(strstr(err.buf, "absent"));
	assert_false(temporaries(dir));
	sigprocmask(SIG_BLOCK, NULL, &after);
	assert_int_equal(sigismember(&after, SIGINT), sigismember(&before, SIGINT));
	free(src);
	free(dest);
	free(sub);
	strbuf_release(&err);
}

static void test_store_once(void **state)
{
	struct strbuf err = STRBUF_INIT;
	char *a = xstrfmt("%s/a.node", dir), *b = xstrfmt("%s/b.node", dir);
	char *store = xstrfmt("%s/store", dir), *s1 = NULL, *s2 = NULL;
	char ha[HASH_HEX], hb[HASH_HEX];
	struct stat st;
	(void)state;
	write_file(a, "same bytes", 0644);
	write_file(b, "same bytes", 0644);
	assert_int_equal(hash_file(a, ha, NULL, &err), 0);
	assert_int_equal(hash_file(b, hb, NULL, &err), 0);
	assert_string_equal(ha, hb);
	assert_int_equal(store_put(store, a, ha, &s1, &err), 0);
	assert_int_equal(store_put(store, b, hb, &s2, &err), 0);
	assert_string_equal(s1, s2); /* stored once, under the first name */
	assert_int_equal(stat(s1, &st), 0);
	assert_int_equal(st.st_mode & 0222, 0); /* read-only */
	assert_false(temporaries(store));
	free(a);
	free(b);
	free(store);
	free(s1);
	free(s2);
	strbuf_release(&err);
}

static void test_store_and_hash(void **state)
{
	/* a store of its own: test_store_once stored these bytes in "store" already */
	char *a = path_in("a.bin"), *b = path_in("b.bin"), *store = path_in("hash-store");
	char ha[HASH_HEX], hb[HASH_HEX];
	char *sa = NULL, *sb = NULL;
	uint64_t size;
	struct strbuf err = STRBUF_INIT;
	struct stat st;
	(void)state;
	write_file(a, "same bytes", 0644);
	write_file(b, "same bytes", 0644);
	assert_int_equal(hash_file(a, ha, &size, &err), 0);
	assert_int_equal(size, 10);
	assert_int_equal(hash_file(b, hb, NULL, &err), 0);
	assert_string_equal(ha, hb);
	assert_int_equal(strlen(ha), 32);
	assert_int_equal(store_put(store, a, ha, &sa, &err), 0);
	assert_int_equal(store_put(store, b, hb, &sb, &err), 0);
	assert_string_equal(sa, sb); /* the same bytes are stored once, under the first name */
	assert_non_null(strstr(sa, "/a.bin"));
	{
		char *found = store_find(store, ha);
		assert_string_equal(found, sa);
		free(found);
		assert_null(store_find(store, "00000000000000000000000000000000"));
	}
	assert_int_equal(stat(sa, &st), 0);
	assert_int_equal(st.st_size, 10);
	assert_int_equal(st.st_mode & 0222, 0); /* read-only */
	assert_int_equal(hash_file(store, ha, NULL, &err), -1);
	assert_non_null(strstr(err.buf, "not a regular file"));
	strbuf_reset(&err);
	assert_int_equal(hash_file("/nonexistent", ha, NULL, &err), -1);
	assert_non_null(strstr(err.buf, "/nonexistent"));
	free(sa);
	free(sb);
	free(a);
	free(b);
	free(store);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_atomic),
		cmocka_unit_test(test_store_once),
		cmocka_unit_test(test_store_and_hash),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
