/*
 * hints.h: hint categories for hotspot rows, from rules that map symbol
 * patterns to a category and advice.
 *
 * Rule files are small INI files, one section per category, read after the
 * built-in rules (a later section of the same name adds patterns and may
 * replace the advice):
 *
 *   [hash]                      ; the category
 *   match = *reserve_rehash*    ; a shell glob on the demangled symbol (repeatable)
 *   dso = libc.so*              ; a glob on the DSO name (repeatable; '\[' for a '[')
 *   level = k                   ; rows of this level ('k' kernel, '.' user)
 *   advice = reserve capacity up front ...
 *   caution-below = 5           ; rows under 5% get the caution below
 *   caution = keep a change only if the end-to-end time moves
 *
 * A row belongs to every category one of whose patterns matches it.
 * Comments start with ';' or '#'.
 */
#ifndef HINTS_H
#define HINTS_H

#include <stddef.h>
#include "strbuf.h"

struct hint_rule {
	char *category;
	char **match, **dso;
	size_t nr_match, alloc_match, nr_dso, alloc_dso;
	char *levels; /* level characters that match, or NULL */
	char *advice;
	char *caution;
	double caution_below; /* percent; 0: no caution */
};

struct hints {
	struct hint_rule *rules;
	size_t nr, alloc;
};

#define HINTS_INIT                                                                                 \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* The built-in generic rules (allocator, hash, parallel, copies, kernel). Cannot fail. */
void hints_builtin(struct hints *h);

/* Add rules from text; `name` labels errors ("FILE:LINE: ..."). 0 or -1 (err). */
int hints_parse(struct hints *h, const char *name, const char *text, struct strbuf *err);

/* Add rules from a file. 0 or -1 (err names the file). */
int hints_load_file(struct hints *h, const char *path, struct strbuf *err);

/*
 * The rules a row matches: their indexes into h->rules go to out (at most
 * max); returns how many.
 */
size_t hints_match(const struct hints *h, const char *dso, const char *sym, char level, size_t *out,
		   size_t max);

void hints_release(struct hints *h);

#endif
