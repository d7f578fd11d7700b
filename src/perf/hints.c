/*
 * hints.c: the hint rule parser and matcher, and the built-in rules.
 */
#include "perf/hints.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/*
 * The generic rules, in the rule-file format (so they go through the same
 * parser). The plain advice fits a program in any language; advice-rust and
 * advice-c++ only reach rows whose symbols are mangled that way.
 */
static const char builtin_rules[] =
    "[allocator]\n"
    "match = malloc\n"
    "match = free\n"
    "match = calloc\n"
    "match = realloc\n"
    "match = cfree\n"
    "match = _int_malloc\n"
    "match = _int_free\n"
    "match = _int_realloc\n"
    "match = malloc_consolidate\n"
    "match = __libc_malloc\n"
    "match = __libc_free\n"
    "match = tcache_*\n"
    "match = mi_*\n"
    "match = _mi_*\n"
    "match = je_*\n"
    "match = tc_*\n"
    "match = __rust_alloc*\n"
    "match = __rust_dealloc\n"
    "match = __rust_realloc\n"
    "match = *::alloc::*\n"
    "match = alloc::raw_vec::*\n"
    "match = operator new*\n"
    "match = operator delete*\n"
    "advice = allocation: reuse buffers, size them once up front, avoid short-lived heap "
    "objects in hot loops\n"
    "advice-rust = allocation: reuse buffers, reserve capacity up front "
    "(Vec::with_capacity), avoid temporary String/Vec/Box in hot loops\n"
    "advice-c++ = allocation: reuse buffers, reserve() containers up front, avoid "
    "temporary std::string/std::vector in hot loops\n"
    "\n"
    "[hash]\n"
    "match = *reserve_rehash*\n"
    "match = *hash_one*\n"
    "match = *find_or_find_insert*\n"
    "match = hashbrown::*\n"
    "match = *RawTable*\n"
    "match = *HashMap*::insert*\n"
    "match = *HashMap*::get*\n"
    "match = *HashSet*::insert*\n"
    "match = *::hash::*\n"
    "match = *Hasher*\n"
    "match = std::_Hashtable*\n"
    "match = std::__detail::_Map_base*\n"
    "advice = hash tables: key by small integers instead of strings, size the table up "
    "front, do not hash the same key twice\n"
    "advice-rust = hash tables: key by small integer ids instead of strings, reserve "
    "capacity, use the entry API instead of a lookup then an insert\n"
    "advice-c++ = hash tables: key by small integers instead of strings, reserve() up "
    "front, use one try_emplace instead of a find then an insert\n"
    "caution-below = 5\n"
    "caution = low-single-digit hash hotspot: keep a change only if the end-to-end time "
    "moves\n"
    "\n"
    "[parallel]\n"
    "match = *Stealer*::steal*\n"
    "match = *start_send*\n"
    "match = crossbeam*\n"
    "match = *crossbeam_*\n"
    "match = rayon*\n"
    "match = *rayon_core*\n"
    "match = *futex*\n"
    "match = pthread_mutex_*\n"
    "match = pthread_cond_*\n"
    "match = __lll_lock*\n"
    "match = *sched_yield*\n"
    "match = *parking_lot*\n"
    "match = tokio::runtime::*\n"
    "advice = parallel overhead: make tasks coarser, batch tiny tasks, collect then apply "
    "sequentially\n"
    "\n"
    "[copies]\n"
    "match = memcpy*\n"
    "match = memmove*\n"
    "match = __memcpy*\n"
    "match = __memmove*\n"
    "match = memset*\n"
    "match = __memset*\n"
    "match = strlen*\n"
    "match = __strlen*\n"
    "match = __strcmp*\n"
    "match = alloc::string::*\n"
    "match = *::fmt::*\n"
    "match = *to_string*\n"
    "match = *::clone*\n"
    "match = *to_owned*\n"
    "advice = copies and strings: pass pointers or references instead of copies, reuse "
    "buffers, build strings (formatting, conversions) outside hot paths\n"
    "advice-rust = copies and strings: borrow instead of cloning, use &str or an interned "
    "string instead of String, keep format! and to_string out of hot paths\n"
    "advice-c++ = copies and strings: pass const references, move instead of copying, use "
    "std::string_view, keep string formatting out of hot paths\n"
    "\n"
    "[kernel]\n"
    "level = k\n"
    "advice = kernel time: fewer syscalls and page faults (batch I/O, pre-size buffers, "
    "reuse memory)\n";

static struct hint_rule *find_rule(struct hints *h, const char *category)
{
	for (size_t i = 0; i < h->nr; i++)
		if (!strcmp(h->rules[i].category, category))
			return &h->rules[i];
	ALLOC_GROW(h->rules, h->nr + 1, h->alloc);
	memset(&h->rules[h->nr], 0, sizeof(h->rules[0]));
	h->rules[h->nr].category = xstrdup(category);
	return &h->rules[h->nr++];
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

int hints_lang_index(const struct hint_rule *r, const char *lang)
{
	for (size_t i = 0; lang && i < r->nr_lang; i++)
		if (!strcmp(r->lang_advice[i].lang, lang))
			return (int)i;
	return -1;
}

/* "advice-LANG = text": a later one for the same language replaces it. */
static int set_lang_advice(struct hint_rule *r, const char *lang, const char *text)
{
	int i;
	if (!*lang || strspn(lang, "abcdefghijklmnopqrstuvwxyz+#") != strlen(lang))
		return -1;
	i = hints_lang_index(r, lang);
	if (i < 0) {
		ALLOC_GROW(r->lang_advice, r->nr_lang + 1, r->alloc_lang);
		i = (int)r->nr_lang++;
		r->lang_advice[i].lang = xstrdup(lang);
		r->lang_advice[i].text = NULL;
	}
	set_str(&r->lang_advice[i].text, text);
	return 0;
}

int hints_parse(struct hints *h, const char *name, const char *text, struct strbuf *err)
{
	struct strbuf line = STRBUF_INIT;
	struct hint_rule *r = NULL;
	const char *p = text;
	int lineno = 0, ret = -1;

	while (strbuf_ini_line(&line, &p, &lineno)) {
		char *eq, *key, *val;
		if (line.buf[0] == '[') {
			char *close = strchr(line.buf, ']');
			if (!close || close[1] || close == line.buf + 1) {
				strbuf_addf(err, "%s:%d: expected '[category]'", name, lineno);
				goto out;
			}
			*close = '\0';
			r = find_rule(h, line.buf + 1);
			continue;
		}
		eq = strchr(line.buf, '=');
		if (!eq) {
			strbuf_addf(err, "%s:%d: expected 'key = value' or '[category]'", name,
				    lineno);
			goto out;
		}
		if (!r) {
			strbuf_addf(err, "%s:%d: a rule needs a [category] first", name, lineno);
			goto out;
		}
		*eq = '\0';
		key = line.buf;
		val = eq + 1;
		while (*val == ' ' || *val == '\t')
			val++;
		for (char *e = eq - 1; e >= key && (*e == ' ' || *e == '\t'); e--)
			*e = '\0';
		if (!*val) {
			strbuf_addf(err, "%s:%d: '%s' has no value", name, lineno, key);
			goto out;
		}
		if (!strcmp(key, "match")) {
			ALLOC_GROW(r->match, r->nr_match + 1, r->alloc_match);
			r->match[r->nr_match++] = xstrdup(val);
		} else if (!strcmp(key, "dso")) {
			ALLOC_GROW(r->dso, r->nr_dso + 1, r->alloc_dso);
			r->dso[r->nr_dso++] = xstrdup(val);
		} else if (!strcmp(key, "level")) {
			set_str(&r->levels, val);
		} else if (!strcmp(key, "advice")) {
			set_str(&r->advice, val);
		} else if (!strncmp(key, "advice-", 7)) {
			if (set_lang_advice(r, key + 7, val)) {
				strbuf_addf(err, "%s:%d: '%s' needs a language in lowercase, like "
					    "advice-rust or advice-c++", name, lineno, key);
				goto out;
			}
		} else if (!strcmp(key, "caution")) {
			set_str(&r->caution, val);
		} else if (!strcmp(key, "caution-below")) {
			if (parse_double(val, &r->caution_below) || r->caution_below < 0) {
				strbuf_addf(err,
					    "%s:%d: caution-below needs a percentage, not '%s'",
					    name, lineno, val);
				goto out;
			}
		} else {
			strbuf_addf(err,
				    "%s:%d: unknown key '%s' (known: match, dso, level, advice, "
				    "advice-LANG, caution, caution-below)",
				    name, lineno, key);
			goto out;
		}
	}
	ret = 0;
out:
	strbuf_release(&line);
	return ret;
}

void hints_builtin(struct hints *h)
{
	struct strbuf err = STRBUF_INIT;
	if (hints_parse(h, "built-in rules", builtin_rules, &err))
		BUG("%s", err.buf);
	strbuf_release(&err);
}

int hints_load_file(struct hints *h, const char *path, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	int r;
	if (strbuf_read_file(&text, path, 1 << 20) < 0) {
		strbuf_addf(err, "cannot read hint rules '%s': %s", path, strerror(errno));
		strbuf_release(&text);
		return -1;
	}
	if (memchr(text.buf, '\0', text.len)) {
		strbuf_addf(err, "hint rules '%s' is not a text file", path);
		strbuf_release(&text);
		return -1;
	}
	r = hints_parse(h, path, text.buf, err);
	strbuf_release(&text);
	return r;
}

static int any_glob(char *const *globs, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!fnmatch(globs[i], s, 0))
			return 1;
	return 0;
}

size_t hints_match(const struct hints *h, const char *dso, const char *sym, char level, size_t *out,
		   size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < h->nr && n < max; i++) {
		const struct hint_rule *r = &h->rules[i];
		if ((r->levels && level && strchr(r->levels, level)) ||
		    (sym && any_glob(r->match, r->nr_match, sym)) ||
		    (dso && any_glob(r->dso, r->nr_dso, dso)))
			out[n++] = i;
	}
	return n;
}

void hints_release(struct hints *h)
{
	for (size_t i = 0; i < h->nr; i++) {
		struct hint_rule *r = &h->rules[i];
		for (size_t j = 0; j < r->nr_match; j++)
			free(r->match[j]);
		for (size_t j = 0; j < r->nr_dso; j++)
			free(r->dso[j]);
		free(r->match);
		free(r->dso);
		free(r->category);
		free(r->levels);
		free(r->advice);
		for (size_t j = 0; j < r->nr_lang; j++) {
			free(r->lang_advice[j].lang);
			free(r->lang_advice[j].text);
		}
		free(r->lang_advice);
		free(r->caution);
	}
	free(h->rules);
	memset(h, 0, sizeof(*h));
}
