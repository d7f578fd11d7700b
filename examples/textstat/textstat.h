/*
 * textstat.h: the interface of libtextstat, perfloop's bundled example.
 *
 * The library counts the words of a text and writes a report of every
 * distinct word with its count. The harness (harness.c) loads the library
 * with dlopen() from $TEXTSTAT_LIB, as Rspack's CLI loads its binding from
 * $RSPACK_BINDING, and looks these functions up by name.
 */
#ifndef TEXTSTAT_H
#define TEXTSTAT_H

#include <stddef.h>
#include <stdint.h>

struct textstat_result {
	uint64_t tokens;   /* words in the text */
	uint64_t distinct; /* distinct words (case folded) */
	/*
	 * One line "word count\n" per distinct word, lowercase, in order of
	 * first appearance; NUL-terminated; owned by the result.
	 */
	char *report;
};

/*
 * Count the words of text[0..len): maximal runs of ASCII letters, folded to
 * lowercase; every other byte separates words. Fills *out. Returns 0, or -1
 * when memory runs out or len is 4 GiB or more (then *out holds nothing to
 * release).
 */
int textstat_run(const char *text, size_t len, struct textstat_result *out);

/* Free what textstat_run() put in *r. Cannot fail. */
void textstat_release(struct textstat_result *r);

#endif
