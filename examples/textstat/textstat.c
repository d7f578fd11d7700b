/*
 * textstat.c: word counting with three real, fixable hotspots, the example
 * perfloop's demo and tests optimize.
 *
 * - ts_hash_word() adds up the bytes of a word: every anagram and every word
 *   with the same byte sum collides, so ts_table_find() walks long probe
 *   chains in the open-addressing table.
 * - ts_copy_token() returns each word as a fresh malloc()ed copy that the
 *   caller frees at once: an allocation per token.
 * - ts_report_append() finds the end of the report with strlen() and grows
 *   it with realloc() for every line: a quadratic string build.
 *
 * The text goes through passes: ts_normalize() folds case, ts_tokenize()
 * finds the words, ts_count_words() counts each, ts_build_report() writes
 * the report. Hot functions are noinline so each keeps its own symbol in a flat
 * `perf report`. Build: cc -shared -fPIC -O2 -g -o libtextstat.so textstat.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "textstat.h"

/*
 * Hot functions keep their own symbols; GCC also keeps them in source order
 * (no_reorder), so a change to one function moves none before it.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define NOINLINE __attribute__((noinline, noclone, no_reorder))
#else
#define NOINLINE __attribute__((noinline))
#endif

struct ts_entry {
	char *word; /* lowercase, NUL-terminated, owned */
	uint32_t len;
	uint32_t hash;
	uint64_t count;
};

/*
 * Open addressing with linear probing. slots[i] is 0 when empty, else the
 * index + 1 of an entry; entries[] are in order of first appearance.
 */
struct ts_table {
	uint32_t *slots;
	size_t mask; /* slot count - 1, a power of two minus one */
	struct ts_entry *entries;
	size_t used, alloc;
};

/* Where the words of a normalized text are: word k is at start[k], len[k] bytes. */
struct ts_words {
	uint32_t *start, *len;
	size_t n;
};

/* A word as a malloc()ed NUL-terminated string; NULL when out of memory. */
NOINLINE static char *ts_copy_token(const char *word, size_t len)
{
	char *tok = malloc(len + 1);

	if (!tok)
		return NULL;
	memcpy(tok, word, len);
	tok[len] = '\0';
	return tok;
}

NOINLINE static uint32_t ts_hash_word(const char *w, size_t len)
{
	uint32_t h = 0;
	size_t i;

	for (i = 0; i < len; i++)
		h += (unsigned char)w[i]; /* a sum: anagrams collide, and more */
	return h * 2654435761u;
}

/* The slot holding w, or the empty slot where it belongs. */
NOINLINE static uint32_t *ts_table_find(struct ts_table *t, const char *w, size_t len,
					uint32_t hash)
{
	size_t i = hash & t->mask;

	for (;;) {
		uint32_t *slot = &t->slots[i];
		const struct ts_entry *e;
		size_t k;

		if (!*slot)
			return slot;
		e = &t->entries[*slot - 1];
		if (e->hash == hash && e->len == len) {
			for (k = 0; k < len && e->word[k] == w[k]; k++)
				;
			if (k == len)
				return slot;
		}
		i = (i + 1) & t->mask;
	}
}

/* Double the slot array and put every entry back. */
NOINLINE static int ts_table_grow(struct ts_table *t)
{
	size_t n = (t->mask + 1) * 2, i;
	uint32_t *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -1;
	free(t->slots);
	t->slots = slots;
	t->mask = n - 1;
	for (i = 0; i < t->used; i++) {
		const struct ts_entry *e = &t->entries[i];
		*ts_table_find(t, e->word, e->len, e->hash) = (uint32_t)(i + 1);
	}
	return 0;
}

static int ts_table_add(struct ts_table *t, const char *w, size_t len, uint32_t hash)
{
	uint32_t *slot = ts_table_find(t, w, len, hash);
	struct ts_entry *e;

	if (*slot) {
		t->entries[*slot - 1].count++;
		return 0;
	}
	if (t->used == t->alloc) {
		size_t alloc = t->alloc ? 2 * t->alloc : 1024;
		struct ts_entry *entries = realloc(t->entries, alloc * sizeof(*entries));

		if (!entries)
			return -1;
		t->entries = entries;
		t->alloc = alloc;
	}
	e = &t->entries[t->used];
	e->word = malloc(len + 1);
	if (!e->word)
		return -1;
	memcpy(e->word, w, len + 1);
	e->len = (uint32_t)len;
	e->hash = hash;
	e->count = 1;
	*slot = (uint32_t)++t->used;
	if (2 * t->used > t->mask + 1)
		return ts_table_grow(t);
	return 0;
}

static void ts_table_free(struct ts_table *t)
{
	size_t i;

	for (i = 0; i < t->used; i++)
		free(t->entries[i].word);
	free(t->entries);
	free(t->slots);
}

/* Count the words w of the normalized text norm into t; -1 when out of memory. */
NOINLINE static int ts_count_words(struct ts_table *t, const char *norm, const struct ts_words *w)
{
	size_t k;

	for (k = 0; k < w->n; k++) {
		size_t n = w->len[k];
		char *tok = ts_copy_token(norm + w->start[k], n);
		int rc;

		if (!tok)
			return -1;
		rc = ts_table_add(t, tok, n, ts_hash_word(tok, n));
		free(tok);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Append line to the NUL-terminated string *rep (NULL for an empty one). */
NOINLINE static int ts_report_append(char **rep, const char *line)
{
	size_t old = *rep ? strlen(*rep) : 0, add = strlen(line);
	char *grown = realloc(*rep, old + add + 1);

	if (!grown)
		return -1;
	memcpy(grown + old, line, add + 1);
	*rep = grown;
	return 0;
}

/* "word count\n" into buf, which holds at least len + 22 bytes. */
NOINLINE static void ts_format_line(char *buf, const struct ts_entry *e)
{
	char digits[21];
	size_t n = 0;
	uint64_t c = e->count;

	do {
		digits[n++] = (char)('0' + c % 10);
		c /= 10;
	} while (c);
	memcpy(buf, e->word, e->len);
	buf += e->len;
	*buf++ = ' ';
	while (n)
		*buf++ = digits[--n];
	*buf++ = '\n';
	*buf = '\0';
}

NOINLINE static char *ts_build_report(const struct ts_table *t)
{
	char *rep = NULL, *line = NULL;
	size_t i, line_alloc = 0;

	if (ts_report_append(&rep, "") < 0)
		return NULL;
	for (i = 0; i < t->used; i++) {
		const struct ts_entry *e = &t->entries[i];

		if (e->len + 22 > line_alloc) {
			free(line);
			line_alloc = e->len + 22;
			line = malloc(line_alloc);
			if (!line)
				goto fail;
		}
		ts_format_line(line, e);
		if (ts_report_append(&rep, line) < 0)
			goto fail;
	}
	free(line);
	return rep;
fail:
	free(line);
	free(rep);
	return NULL;
}

/*
 * The passes over the whole text come last in the file, so that moving code
 * among them leaves the addresses of the per-word code above unchanged.
 */

static const unsigned char ts_fold[256] = {
#define L(c) [c] = (c) + 32, [(c) + 32] = (c) + 32
	L('A'), L('B'), L('C'), L('D'), L('E'), L('F'), L('G'), L('H'), L('I'),
	L('J'), L('K'), L('L'), L('M'), L('N'), L('O'), L('P'), L('Q'), L('R'),
	L('S'), L('T'), L('U'), L('V'), L('W'), L('X'), L('Y'), L('Z'),
#undef L
};

/* Copy text with letters folded to lowercase and every other byte a space. */
NOINLINE static char *ts_normalize(const char *text, size_t len)
{
	char *out = malloc(len + 1);
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		unsigned char c = ts_fold[(unsigned char)text[i]];
		out[i] = c ? (char)c : ' ';
	}
	out[len] = '\0';
	return out;
}

/*
 * Find the words of norm[0..len) (len < 4 GiB) without a branch per byte:
 * every byte stores the current word's start and length so far, into the
 * word's slot inside a word and into the next, spare slot between words.
 * -1 when out of memory.
 */
NOINLINE static int ts_tokenize(const char *norm, size_t len, struct ts_words *w)
{
	size_t cap = len / 2 + 2, i, n = 0, run = 0, prev = 0;
	uint32_t *start = malloc(cap * sizeof(*start)), *wlen = malloc(cap * sizeof(*wlen));

	w->start = start;
	w->len = wlen;
	w->n = 0;
	if (!start || !wlen)
		return -1;
	for (i = 0; i < len; i++) {
		size_t cur = norm[i] != ' ', k;

		n += cur & (prev ^ 1); /* a word starts here */
		run = (run + 1) * cur;
		k = n - cur; /* its slot (0-based), or the spare slot n */
		start[k] = (uint32_t)(i + 1 - run);
		wlen[k] = (uint32_t)run;
		prev = cur;
	}
	w->n = n;
	return 0;
}

int textstat_run(const char *text, size_t len, struct textstat_result *out)
{
	struct ts_table t = {0};
	struct ts_words w = {0};
	char *norm;

	memset(out, 0, sizeof(*out));
	if (len >= UINT32_MAX)
		return -1;
	norm = ts_normalize(text, len);
	if (!norm)
		goto fail;
	if (ts_tokenize(norm, len, &w) < 0)
		goto fail;
	t.slots = calloc(1024, sizeof(*t.slots));
	if (!t.slots)
		goto fail;
	t.mask = 1023;
	if (ts_count_words(&t, norm, &w) < 0)
		goto fail;
	out->report = ts_build_report(&t);
	if (!out->report)
		goto fail;
	out->tokens = w.n;
	out->distinct = t.used;
	ts_table_free(&t);
	free(w.start);
	free(w.len);
	free(norm);
	return 0;
fail:
	ts_table_free(&t);
	free(w.start);
	free(w.len);
	free(norm);
	return -1;
}

void textstat_release(struct textstat_result *r)
{
	free(r->report);
	r->report = NULL;
}
