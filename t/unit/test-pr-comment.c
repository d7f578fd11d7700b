/*
 * test-pr-comment.c: the PR comment's body: the marker first, the report
 * whole when it fits, else cut at a line boundary with a note, never past
 * GitHub's limit counted in characters (UTF-16 units), not bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pr-comment.h"

#define NOTE "\n_The report is cut here"

/* Characters as GitHub counts them (at most the UTF-16 units). */
static size_t units(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n += (unsigned char)*s >= 0xF0 ? 2 : 1;
	return n;
}

static void test_whole(void **state)
{
	struct strbuf out = STRBUF_INIT;
	int cut = -1;
	size_t n;
	(void)state;
	n = pr_comment_body("## report\n\n| a |\n", PR_COMMENT_LIMIT, &out, &cut);
	assert_string_equal(out.buf, PR_COMMENT_MARKER "\n## report\n\n| a |\n");
	assert_int_equal(cut, 0);
	assert_int_equal(n, units(out.buf));
	strbuf_release(&out);
}

static void test_cut(void **state)
{
	struct strbuf md = STRBUF_INIT, out = STRBUF_INIT;
	const char *note;
	int cut = 0;
	size_t n;
	(void)state;
	/* 2,000 table rows of 60 characters: 120,000 characters, about twice the limit */
	for (int i = 0; i < 2000; i++)
		strbuf_addf(&md, "| %04d | %-47s |\n", i, "experiment");
	n = pr_comment_body(md.buf, PR_COMMENT_LIMIT, &out, &cut);
	assert_int_equal(cut, 1);
	assert_int_equal(n, units(out.buf));
	assert_true(n <= PR_COMMENT_LIMIT);
	/* as much as fits: less than one more row and the note are left over */
	assert_true(n > PR_COMMENT_LIMIT - 60);
	assert_int_equal(strncmp(out.buf, PR_COMMENT_MARKER "\n| 0000 |", 32), 0);
	note = strstr(out.buf, NOTE);
	assert_non_null(note);
	assert_non_null(strstr(note, "65536 characters"));
	/* whole rows before the note, each one of the report's, in order */
	assert_int_equal(note[-1], '\n');
	assert_int_equal(strncmp(out.buf + strlen(PR_COMMENT_MARKER) + 1, md.buf,
				 (size_t)(note - out.buf) - strlen(PR_COMMENT_MARKER) - 1),
			 0);
	assert_true(out.buf[out.len - 1] == '\n');
	strbuf_release(&md);
	strbuf_release(&out);
}

static void test_cut_counts_characters(void **state)
{
	struct strbuf md = STRBUF_INIT, out = STRBUF_INIT;
	int cut = 0;
	size_t n, limit = 400;
	(void)state;
	/* "×" is 2 bytes and 1 character, an emoji 4 bytes and 2 UTF-16 units */
	for (int i = 0; i < 50; i++)
		strbuf_addstr(&md, "×1.050 – ×1.100 \xF0\x9F\x9A\x80\n");
	n = pr_comment_body(md.buf, limit, &out, &cut);
	assert_int_equal(cut, 1);
	assert_int_equal(n, units(out.buf));
	assert_true(n <= limit);
	assert_true(out.len > limit); /* more bytes than characters: bytes were not the measure */
	/* exactly at the limit is not cut */
	strbuf_reset(&out);
	strbuf_reset(&md);
	for (size_t i = 0; i < limit - units(PR_COMMENT_MARKER "\n"); i++)
		strbuf_addch(&md, 'x');
	n = pr_comment_body(md.buf, limit, &out, &cut);
	assert_true(!cut && n == limit);
	/* one more and it is: a line longer than the room leaves the note alone */
	strbuf_reset(&out);
	strbuf_addch(&md, 'x');
	n = pr_comment_body(md.buf, limit, &out, &cut);
	assert_true(cut && n <= limit);
	assert_int_equal(strncmp(out.buf, PR_COMMENT_MARKER "\n" NOTE,
				 strlen(PR_COMMENT_MARKER "\n" NOTE)),
			 0);
	strbuf_release(&md);
	strbuf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_cut_counts_characters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
