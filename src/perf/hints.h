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
 *   advice-rust = ... Vec::with_capacity ...  ; for rows whose symbol is Rust
 *   caution-below = 5           ; rows under 5% get the caution below
 *   caution = keep a change only if the end-to-end time moves
 *
 * A row belongs to every category one of whose patterns matches it. Its
 * advice is the rule's advice-LANG when the row's symbol is known to be of
 * that language (sym_language: rust, c++), else the generic advice, which
 * names no language's tools. Comments start with ';' or '#'.
 */
#ifndef HINTS_H
#define HINTS_H

#include <stddef.h>
#include "strbuf.h"

/* Advice for the rows of one source language ("advice-rust = ..."). */
struct hint_lang_advice {
	char *lang;
	char *text;
};

struct hint_rule {
	char *category;
	char **match, **dso;
	size_t nr_match, alloc_match, nr_dso, alloc_dso;
	char *levels; /* level characters that match, or NULL */
	char *advice; /* for any row */
	struct hint_lang_advice *lang_advice;
	size_t nr_lang, alloc_lang;
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

/*
 * Index into r->lang_advice of the advice for rows of language `lang`
 * (sym_language's names; NULL = unknown), or -1 when the generic advice applies.
 */
int hints_lang_index(const struct hint_rule *r, const char *lang);

void hints_release(struct hints *h);

#endif
