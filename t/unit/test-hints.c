/*
 * test-hints.c: hint advice by the symbol's language: the built-in advice
 * names no language's tools, advice-LANG reaches only rows of that language
 * (told by the mangled name), and the rule file syntax for it; the built-in
 * rules' categories and a rule file's additions and errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "perf/hints.h"
#include "perf/symbols.h"

static const struct hint_rule *rule(const struct hints *h, const char *category)
{
	for (size_t i = 0; i < h->nr; i++)
		if (!strcmp(h->rules[i].category, category))
			return &h->rules[i];
	fail_msg("no rule '%s'", category);
	return NULL;
}

/* The advice a row of this raw symbol gets from rule r. */
static const char *advice_for(const struct hint_rule *r, const char *raw)
{
	int k = hints_lang_index(r, sym_language(raw));
	return k >= 0 ? r->lang_advice[k].text : r->advice;
}

static void test_language(void **state)
{
	(void)state;
	assert_string_equal(sym_language("_ZN5alloc6string6String5clone17h0123456789abcdefE"),
			    "rust");
	assert_string_equal(sym_language("_RNvCs1234_7mycrate4main"), "rust");
	assert_string_equal(sym_language("_ZNSt6vectorIiSaIiEE9push_backEOi"), "c++");
	assert_string_equal(sym_language("_Z3fooi"), "c++");
	assert_null(sym_language("memcpy"));
	assert_null(sym_language("__memmove_avx_unaligned_erms"));
	assert_null(sym_language("_start"));
	assert_null(sym_language(NULL));
}

static void test_builtin_words(void **state)
{
	static const char *const foreign[] = { "Atom", "Identifier", "format!", "String",
					       "Vec", "Box", "UkeyMap", "entry API",
					       "std::", "Rspack" };
	struct hints h = HINTS_INIT;
	(void)state;
	hints_builtin(&h);
	/* generic advice: no language's or project's words */
	for (size_t i = 0; i < h.nr; i++)
		for (size_t j = 0; j < sizeof(foreign) / sizeof(*foreign); j++)
			if (h.rules[i].advice && strstr(h.rules[i].advice, foreign[j]))
				fail_msg("[%s] generic advice names '%s': %s", h.rules[i].category,
					 foreign[j], h.rules[i].advice);
	/* a C program's memcpy gets the generic advice ... */
	assert_string_equal(advice_for(rule(&h, "copies"), "memcpy"), rule(&h, "copies")->advice);
	/* ... a Rust clone the Rust advice, a C++ copy the C++ advice */
	assert_non_null(strstr(advice_for(rule(&h, "copies"),
					  "_ZN5alloc6string6String5clone17h0123456789abcdefE"),
			       "format!"));
	assert_non_null(strstr(advice_for(rule(&h, "copies"), "_ZNSsC1ERKSs"), "std::string_view"));
	assert_non_null(strstr(advice_for(rule(&h, "allocator"), "_RNvCs1_5alloc5alloc"),
			       "Vec::with_capacity"));
	assert_null(strstr(advice_for(rule(&h, "copies"), "_ZNSsC1ERKSs"), "Atom"));
	/* no Rspack word even for Rust: the rspack preset adds those */
	for (size_t i = 0; i < h.nr; i++)
		for (size_t k = 0; k < h.rules[i].nr_lang; k++)
			assert_null(strstr(h.rules[i].lang_advice[k].text, "Identifier"));
	hints_release(&h);
}

static void test_rule_file(void **state)
{
	struct hints h = HINTS_INIT;
	struct strbuf err = STRBUF_INIT;
	const struct hint_rule *r;
	(void)state;
	hints_builtin(&h);
	/* a file adds a language's advice to a built-in category, the later one wins */
	assert_int_equal(hints_parse(&h, "r.ini",
				     "[copies]\nadvice-rust = first\nadvice-rust = use an Atom\n"
				     "[mine]\nmatch = hot_*\nadvice = generic words\n"
				     "advice-c++ = C++ words\n",
				     &err),
			 0);
	r = rule(&h, "copies");
	assert_string_equal(advice_for(r, "_RNvCs1_3foo5clone"), "use an Atom");
	assert_null(strstr(r->advice, "Atom"));
	r = rule(&h, "mine");
	assert_string_equal(advice_for(r, "hot_alpha"), "generic words");
	assert_string_equal(advice_for(r, "_Z9hot_alphav"), "C++ words");
	assert_string_equal(advice_for(r, "_RNvCs1_3foo9hot_alpha"), "generic words");
	assert_int_equal(hints_parse(&h, "r.ini", "[x]\nadvice- = y\n", &err), -1);
	assert_string_equal(err.buf, "r.ini:2: 'advice-' needs a language in lowercase, like "
				     "advice-rust or advice-c++");
	strbuf_reset(&err);
	assert_int_equal(hints_parse(&h, "r.ini", "[x]\nadvice-Rust = y\n", &err), -1);
	hints_release(&h);
	strbuf_release(&err);
}

static int has(const struct hints *h, const char *dso, const char *sym, char level, const char *cat)
{
	size_t idx[8], n = hints_match(h, dso, sym, level, idx, 8);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(h->rules[idx[i]].category, cat))
			return 1;
	return 0;
}

static void test_hints(void **state)
{
	struct hints h = HINTS_INIT;
	struct strbuf err = STRBUF_INIT;
	size_t idx[8];
	(void)state;
	hints_builtin(&h);
	assert_true(has(&h, "libc.so.6", "malloc", '.', "allocator"));
	assert_true(has(&h, "x", "mi_free", '.', "allocator"));
	assert_true(has(&h, "x", "hashbrown::raw::RawTable<T,A>::reserve_rehash", '.', "hash"));
	assert_true(has(&h, "x", "core::hash::BuildHasher::hash_one", '.', "hash"));
	assert_true(has(&h, "x", "crossbeam_deque::deque::Stealer<T>::steal", '.', "parallel"));
	assert_true(has(&h, "x", "__memmove_avx_unaligned_erms", '.', "copies"));
	assert_true(has(&h, "[kernel.kallsyms]", "clear_page_erms", 'k', "kernel"));
	assert_int_equal(hints_match(&h, "x", "my_function", '.', idx, 8), 0);
	for (size_t i = 0; i < h.nr; i++)
		if (!strcmp(h.rules[i].category, "hash"))
			assert_true(h.rules[i].caution && h.rules[i].caution_below == 5);

	/* a file adds to a category and makes new ones */
	assert_int_equal(hints_parse(&h, "r.ini",
				     "; seed rules\n[hash]\nmatch = *OverlayMap::get*\n"
				     "[exports]\nmatch = *ExportsInfoGetter::prefetch*\n"
				     "advice = cache per module\n",
				     &err),
			 0);
	assert_true(has(&h, "x", "rspack::OverlayMap::get", '.', "hash"));
	assert_true(has(&h, "x", "rspack_core::ExportsInfoGetter::prefetch", '.', "exports"));
	assert_int_equal(hints_parse(&h, "r.ini", "[x]\nbogus = 1\n", &err), -1);
	assert_string_equal(err.buf,
			    "r.ini:2: unknown key 'bogus' (known: match, dso, level, advice, "
			    "advice-LANG, caution, caution-below)");
	strbuf_reset(&err);
	assert_int_equal(hints_parse(&h, "r.ini", "match = x\n", &err), -1);
	assert_non_null(strstr(err.buf, "r.ini:1: a rule needs a [category] first"));
	strbuf_reset(&err);
	assert_int_equal(hints_parse(&h, "r.ini", "[c]\ncaution-below = lots\n", &err), -1);
	assert_non_null(strstr(err.buf, "r.ini:2: caution-below"));
	strbuf_reset(&err);
	assert_int_equal(hints_load_file(&h, "/nonexistent/rules.ini", &err), -1);
	assert_non_null(strstr(err.buf, "cannot read hint rules"));
	hints_release(&h);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_language),
		cmocka_unit_test(test_builtin_words),
		cmocka_unit_test(test_rule_file),
		cmocka_unit_test(test_hints),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
