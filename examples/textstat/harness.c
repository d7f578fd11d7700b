/*
 * harness.c: the benchmark harness of the textstat example. It loads the
 * library named by $TEXTSTAT_LIB with dlopen(), as Rspack's CLI loads the
 * binding named by $RSPACK_BINDING, so one harness binary times any build of
 * the library.
 *
 * It generates a seeded text (same seed, same bytes), runs textstat_run() on
 * it, checks the result against what it generated (token count, every
 * word's count, order of first appearance), prints a checksum and exits 0;
 * a wrong result prints what differs and exits 1, so a broken change fails
 * the bench. Usage errors exit 2.
 *
 * Environment: TEXTSTAT_LIB (required), TEXTSTAT_SEED (default 42),
 * TEXTSTAT_TOKENS (default 2500000), TEXTSTAT_VOCAB (default 20000).
 * Build: cc -O2 -g -o harness harness.c -ldl
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textstat.h"

/* Harness phases keep their own symbols in a flat profile. */
#define NOINLINE __attribute__((noinline))

typedef int run_fn(const char *text, size_t len, struct textstat_result *out);
typedef void release_fn(struct textstat_result *r);

struct word {
	char *text;     /* lowercase */
	uint64_t count; /* occurrences generated */
	uint64_t first; /* rank of first appearance, 0 when unused */
	int reported;
};

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t n)
{
	return rng_next() % n;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		fprintf(stderr, "harness: out of memory\n");
		exit(2);
	}
	return p;
}

static uint64_t env_num(const char *name, uint64_t def, uint64_t min)
{
	const char *s = getenv(name);
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return def;
	v = strtoull(s, &end, 10);
	if (*end || v < min) {
		fprintf(stderr, "harness: %s='%s' is not a number >= %llu\n", name, s,
			(unsigned long long)min);
		exit(2);
	}
	return v;
}

static int cmp_word(const void *a, const void *b)
{
	return strcmp(((const struct word *)a)->text, ((const struct word *)b)->text);
}

/* nwords distinct lowercase words of 2 to 12 letters, sorted. */
NOINLINE static struct word *make_vocab(size_t nwords)
{
	size_t cap = nwords + nwords / 4 + 16, n = 0, i, u;
	struct word *v = xmalloc(cap * sizeof(*v));

	while (n < nwords) {
		while (n < cap) {
			size_t len = 2 + rng_below(6) + rng_below(6);

			v[n].text = xmalloc(len + 1);
			for (i = 0; i < len; i++)
				v[n].text[i] = (char)('a' + rng_below(26));
			v[n].text[len] = '\0';
			n++;
		}
		qsort(v, n, sizeof(*v), cmp_word);
		for (u = 0, i = 0; i < n; i++) {
			if (u && !strcmp(v[u - 1].text, v[i].text))
				free(v[i].text);
			else
				v[u++] = v[i];
		}
		n = u;
	}
	for (i = nwords; i < n; i++) /* drop the surplus, keeping the rest sorted */
		free(v[i].text);
	for (i = 0; i < nwords; i++) {
		v[i].count = 0;
		v[i].first = 0;
		v[i].reported = 0;
	}
	return v;
}

/*
 * ntokens words drawn with a skew (rank r with density ~ r^-2/3) over a
 * shuffled vocabulary, some capitalized or upper case, separated by spaces,
 * punctuation, digits and newlines. Tallies counts and first appearances.
 */
NOINLINE static char *make_text(struct word *v, size_t nwords, uint64_t ntokens, size_t *lenp,
				uint64_t *distinct)
{
	size_t cap = 64, len = 0, i;
	size_t *perm = xmalloc(nwords * sizeof(*perm));
	char *t = xmalloc(cap);
	static const char *const seps[] = {" ", " ", " ", " ", " ", " ", ", ", ". ",
					   "\n", " (", ") ", "; ", " 42 ", "-", " ' ", "!\n"};
	uint64_t k;

	for (i = 0; i < nwords; i++)
		perm[i] = i;
	for (i = nwords - 1; i > 0; i--) {
		size_t j = rng_below(i + 1), tmp = perm[i];

		perm[i] = perm[j];
		perm[j] = tmp;
	}
	*distinct = 0;
	for (k = 0; k < ntokens; k++) {
		/* one draw per token: 32 bits pick the word, the low bits its style */
		uint64_t r = rng_next();
		double u = (double)(r >> 32) / 4294967296.0;
		struct word *w = &v[perm[(size_t)((double)nwords * u * u * u)]];
		size_t wl = strlen(w->text);
		unsigned style = (unsigned)(r & 63);
		const char *sep = seps[(r >> 6) & 15];
		size_t sl = strlen(sep);

		if (len + wl + sl + 1 > cap) {
			while (len + wl + sl + 1 > cap)
				cap *= 2;
			t = realloc(t, cap);
			if (!t) {
				fprintf(stderr, "harness: out of memory\n");
				exit(2);
			}
		}
		memcpy(t + len, w->text, wl);
		if (style < 6)
			t[len] = (char)(t[len] - 32);
		else if (style == 6)
			for (i = 0; i < wl; i++)
				t[len + i] = (char)(t[len + i] - 32);
		len += wl;
		memcpy(t + len, sep, sl);
		len += sl;
		if (!w->count++)
			w->first = ++*distinct;
	}
	t[len] = '\0';
	free(perm);
	*lenp = len;
	return t;
}

static int fail(const char *what, const char *line)
{
	fprintf(stderr, "harness: wrong result: %s", what);
	if (line) {
		int n = (int)strcspn(line, "\n");
		fprintf(stderr, " at line '%.*s'", n > 60 ? 60 : n, line);
	}
	fputc('\n', stderr);
	return 1;
}

/* 0 when the report matches the tallies exactly, else 1 with a message. */
NOINLINE static int check(struct word *v, size_t nwords, const struct textstat_result *r,
			  uint64_t ntokens, uint64_t distinct)
{
	const char *p = r->report;
	uint64_t lineno = 0;
	struct word key, *w;
	char buf[64];

	if (r->tokens != ntokens)
		return fail("token count differs", NULL);
	if (r->distinct != distinct)
		return fail("distinct word count differs", NULL);
	if (!p)
		return fail("no report", NULL);
	while (*p) {
		const char *sp = strchr(p, ' '), *nl;
		char *end;
		unsigned long long c;

		if (!sp || (size_t)(sp - p) >= sizeof(buf))
			return fail("malformed line", p);
		memcpy(buf, p, (size_t)(sp - p));
		buf[sp - p] = '\0';
		c = strtoull(sp + 1, &end, 10);
		nl = end;
		if (*nl != '\n')
			return fail("malformed line", p);
		key.text = buf;
		w = bsearch(&key, v, nwords, sizeof(*v), cmp_word);
		if (!w || !w->count)
			return fail("a word that is not in the text", p);
		if (w->reported++)
			return fail("a word reported twice", p);
		if (w->count != c)
			return fail("wrong count", p);
		if (w->first != ++lineno)
			return fail("not in order of first appearance", p);
		p = nl + 1;
	}
	if (lineno != distinct)
		return fail("words missing from the report", NULL);
	return 0;
}

int main(void)
{
	const char *lib = getenv("TEXTSTAT_LIB");
	uint64_t seed = env_num("TEXTSTAT_SEED", 42, 0);
	uint64_t ntokens = env_num("TEXTSTAT_TOKENS", 2500000, 1);
	size_t nwords = (size_t)env_num("TEXTSTAT_VOCAB", 20000, 1);
	struct textstat_result r;
	uint64_t distinct, sum = 0xcbf29ce484222325ull;
	struct word *v;
	run_fn *run;
	release_fn *release;
	void *h;
	size_t len, i;
	char *text;
	const char *p;
	int bad;

	if (!lib || !*lib) {
		fprintf(stderr, "harness: set TEXTSTAT_LIB to the path of libtextstat.so\n");
		return 2;
	}
	h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "harness: cannot load '%s': %s\n", lib, dlerror());
		return 2;
	}
	*(void **)&run = dlsym(h, "textstat_run");
	*(void **)&release = dlsym(h, "textstat_release");
	if (!run || !release) {
		fprintf(stderr, "harness: '%s' lacks textstat_run or textstat_release\n", lib);
		return 2;
	}
	rng_state = seed;
	v = make_vocab(nwords);
	text = make_text(v, nwords, ntokens, &len, &distinct);
	if (run(text, len, &r) < 0) {
		fprintf(stderr, "harness: textstat_run failed (out of memory)\n");
		return 1;
	}
	bad = check(v, nwords, &r, ntokens, distinct);
	for (p = r.report; p && *p; p++) /* FNV-1a over the report */
		sum = (sum ^ (unsigned char)*p) * 0x100000001b3ull;
	printf("tokens=%llu distinct=%llu bytes=%zu checksum=%016llx %s\n",
	       (unsigned long long)r.tokens, (unsigned long long)r.distinct, len,
	       (unsigned long long)sum, bad ? "WRONG" : "ok");
	release(&r);
	for (i = 0; i < nwords; i++)
		free(v[i].text);
	free(v);
	free(text);
	dlclose(h);
	return bad;
}
