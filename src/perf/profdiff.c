/*
 * profdiff.c: symbol-by-symbol comparison of two profiles (see profdiff.h).
 */
#include "perf/profdiff.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* Does s[i..] start a GCC clone suffix ".name" or ".name.N"? Returns its length or 0. */
static size_t clone_suffix(const char *s)
{
	static const char *const names[] = {".cold", ".isra",	  ".constprop", ".part",
					    ".llvm", ".lto_priv", ".localalias"};
	for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
		size_t n = strlen(names[k]), m;
		if (strncmp(s, names[k], n))
			continue;
		m = n;
		if (s[m] == '.' && isdigit((unsigned char)s[m + 1])) {
			m++;
			while (isdigit((unsigned char)s[m]))
				m++;
		}
		if (!s[m] || s[m] == '.' || s[m] == ' ')
			return m;
	}
	return 0;
}

static int all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

char *diff_normalize(const char *sym)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n;
	for (const char *p = sym; *p;) {
		size_t k;
		/* demangled C++ clones: "f() [clone .cold]" */
		if (!strncmp(p, " [clone ", 8)) {
			const char *close = strchr(p, ']');
			if (close) {
				p = close + 1;
				continue;
			}
		}
		if (*p == '.' && p != sym && (k = clone_suffix(p))) {
			p += k;
			continue;
		}
		strbuf_addch(&sb, *p++);
	}
	/*
	 * The Rust legacy hash changes with every build: "::h<16 hex>" at the
	 * end of a demangled name, "17h<16 hex>E" at the end of one that was
	 * left mangled.
	 */
	n = sb.len;
	if (n > 19 && !strncmp(sb.buf + n - 19, "::h", 3) && all_hex(sb.buf + n - 16, 16))
		strbuf_setlen(&sb, n - 19);
	else if (n > 23 && !strncmp(sb.buf, "_ZN", 3) && sb.buf[n - 1] == 'E' &&
		 !strncmp(sb.buf + n - 20, "17h", 3) && all_hex(sb.buf + n - 17, 16)) {
		sb.buf[n - 20] = 'E';
		strbuf_setlen(&sb, n - 19);
	}
	return strbuf_detach(&sb, NULL);
}

/* JIT DSOs are named after the process ("[JIT] tid 1234"): match them across runs. */
static char *dso_key(const char *dso)
{
	if (!strncmp(dso, "[JIT] tid ", 10))
		return xstrdup("[JIT]");
	return xstrdup(dso);
}

struct side {
	char *dso, *sym;
	uint64_t samples, period;
	int count;
};

static int cmp_side(const void *a, const void *b)
{
	const struct side *x = a, *y = b;
	int c = strcmp(x->dso, y->dso);
	return c ? c : strcmp(x->sym, y->sym);
}

/* Rows of one profile grouped by (DSO, normalized name), sorted. */
static struct side *group(const struct hist_event *e, size_t *nr)
{
	struct side *s = xcalloc(e->nr_rows + 1, sizeof(*s));
	size_t n = 0;
	for (size_t i = 0; i < e->nr_rows; i++) {
		const struct hist_row *r = &e->rows[i];
		s[i].dso = dso_key(r->dso);
		s[i].sym = r->resolved ? diff_normalize(r->sym) : xstrdup("[unknown]");
		s[i].samples = r->samples;
		s[i].period = r->period;
		s[i].count = 1;
	}
	qsort(s, e->nr_rows, sizeof(*s), cmp_side);
	for (size_t i = 0; i < e->nr_rows; i++) {
		if (n && !cmp_side(&s[n - 1], &s[i])) {
			s[n - 1].samples += s[i].samples;
			s[n - 1].period += s[i].period;
			s[n - 1].count++;
			free(s[i].dso);
			free(s[i].sym);
			continue;
		}
		s[n++] = s[i];
	}
	*nr = n;
	return s;
}

static double pct(uint64_t part, uint64_t total)
{
	return total ? 100.0 * (double)part / (double)total : 0;
}

/* A row's share as the noise sees it: never 0 or 1, so one-sided rows have noise. */
static double share(uint64_t s, uint64_t n)
{
	return (s + 0.5) / (n + 1.0);
}

/* Half-width of the interval for p2 - p1, in points. */
static double noise(uint64_t s1, uint64_t n1, uint64_t s2, uint64_t n2, double z)
{
	double p1 = share(s1, n1), p2 = share(s2, n2);
	double v = p1 * (1 - p1) / (n1 ? n1 : 1) + p2 * (1 - p2) / (n2 ? n2 : 1);
	return 100.0 * z * sqrt(v);
}

static int cmp_abs_delta(const void *a, const void *b)
{
	const struct diff_row *x = a, *y = b;
	double dx = fabs(x->delta), dy = fabs(y->delta);
	int c;
	if (dx != dy)
		return dx > dy ? -1 : 1;
	if ((c = strcmp(x->dso, y->dso)))
		return c;
	return strcmp(x->symbol, y->symbol);
}

static int cmp_dso_delta(const void *a, const void *b)
{
	const struct diff_dso *x = a, *y = b;
	double dx = fabs(x->delta), dy = fabs(y->delta);
	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->dso, y->dso);
}

static void add_dso(struct diff_result *r, size_t *alloc, const char *dso, uint64_t bs, uint64_t bp,
		    uint64_t ns, uint64_t np)
{
	struct diff_dso *d = NULL;
	for (size_t i = 0; i < r->nr_dsos; i++)
		if (!strcmp(r->dsos[i].dso, dso))
			d = &r->dsos[i];
	if (!d) {
		ALLOC_GROW(r->dsos, r->nr_dsos + 1, *alloc);
		d = &r->dsos[r->nr_dsos++];
		memset(d, 0, sizeof(*d));
		d->dso = xstrdup(dso);
	}
	d->base_samples += bs;
	d->new_samples += ns;
	d->base += pct(bp, r->base_period);
	d->new_ += pct(np, r->new_period);
}

void diff_compute(const struct hist_event *a, const struct hist_event *b, const struct diff_opts *o,
		  struct diff_result *out)
{
	size_t na = 0, nb = 0, i = 0, j = 0, alloc = 0, dalloc = 0;
	struct side *sa = group(a, &na), *sb = group(b, &nb);
	double z = o && o->z > 0 ? o->z : DIFF_Z, limit = o ? o->percent_limit : 0;

	memset(out, 0, sizeof(*out));
	out->base_samples = a->nr_samples;
	out->new_samples = b->nr_samples;
	out->base_period = a->total_period;
	out->new_period = b->total_period;
	while (i < na || j < nb) {
		int c = i >= na ? 1 : j >= nb ? -1 : cmp_side(&sa[i], &sb[j]);
		const struct side *x = c <= 0 ? &sa[i] : NULL, *y = c >= 0 ? &sb[j] : NULL;
		struct diff_row row;
		memset(&row, 0, sizeof(row));
		row.dso = xstrdup(x ? x->dso : y->dso);
		row.symbol = xstrdup(x ? x->sym : y->sym);
		row.base = x ? pct(x->period, a->total_period) : 0;
		row.new_ = y ? pct(y->period, b->total_period) : 0;
		row.base_samples = x ? x->samples : 0;
		row.new_samples = y ? y->samples : 0;
		row.delta = row.new_ - row.base;
		row.noise =
		    noise(row.base_samples, a->nr_samples, row.new_samples, b->nr_samples, z);
		row.within_noise = fabs(row.delta) <= row.noise;
		row.merged = x && y ? (x->count > y->count ? x->count : y->count)
			     : x    ? x->count
				    : y->count;
		row.status = x && y ? DIFF_MATCHED : x ? DIFF_GONE : DIFF_NEW;
		add_dso(out, &dalloc, row.dso, row.base_samples, x ? x->period : 0, row.new_samples,
			y ? y->period : 0);
		if (row.base < limit && row.new_ < limit) {
			free(row.dso);
			free(row.symbol);
		} else {
			ALLOC_GROW(out->rows, out->nr + 1, alloc);
			out->rows[out->nr++] = row;
		}
		if (x)
			i++;
		if (y)
			j++;
	}
	for (size_t k = 0; k < out->nr_dsos; k++) {
		struct diff_dso *d = &out->dsos[k];
		d->delta = d->new_ - d->base;
		d->noise = noise(d->base_samples, a->nr_samples, d->new_samples, b->nr_samples, z);
	}
	if (out->rows)
		qsort(out->rows, out->nr, sizeof(*out->rows), cmp_abs_delta);
	if (out->dsos)
		qsort(out->dsos, out->nr_dsos, sizeof(*out->dsos), cmp_dso_delta);
	for (size_t k = 0; k < na; k++) {
		free(sa[k].dso);
		free(sa[k].sym);
	}
	for (size_t k = 0; k < nb; k++) {
		free(sb[k].dso);
		free(sb[k].sym);
	}
	free(sa);
	free(sb);
}

void diff_release(struct diff_result *r)
{
	for (size_t i = 0; i < r->nr; i++) {
		free(r->rows[i].symbol);
		free(r->rows[i].dso);
	}
	free(r->rows);
	for (size_t i = 0; i < r->nr_dsos; i++)
		free(r->dsos[i].dso);
	free(r->dsos);
	memset(r, 0, sizeof(*r));
}

/* Strip template arguments "<...>" (nested) from a name. */
static char *strip_templates(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	int depth = 0;
	for (; *s; s++) {
		if (*s == '<')
			depth++;
		else if (*s == '>' && depth > 0)
			depth--;
		else if (!depth)
			strbuf_addch(&sb, *s);
	}
	return strbuf_detach(&sb, NULL);
}

int diff_symbol_matches(const char *symbol, const char *touched)
{
	char *s, *t;
	size_t ns, nt;
	int r = 0;
	if (!*touched)
		return 0;
	/* the names of one function differ from build to build only in what this drops */
	t = diff_normalize(symbol);
	s = strip_templates(t);
	free(t);
	t = strip_templates(touched);
	ns = strlen(s);
	/* a closure's code belongs to the function around it */
	for (;;) {
		static const char *const tails[] = { "::{{closure}}", "::{closure}" };
		size_t before = ns;
		for (size_t i = 0; i < ARRAY_SIZE(tails); i++) {
			size_t tl = strlen(tails[i]);
			if (ns > tl && !strcmp(s + ns - tl, tails[i]))
				s[ns -= tl] = '\0';
		}
		if (ns == before)
			break;
	}
	nt = strlen(t);
	/* the whole name, or its last path components ("a::b::get" ends with "::get") */
	if (nt && ns >= nt && !strcmp(s + ns - nt, t) &&
	    (ns == nt || (ns >= nt + 2 && !strncmp(s + ns - nt - 2, "::", 2))))
		r = 1;
	free(s);
	free(t);
	return r;
}

int diff_keep_flat(const struct diff_result *r, const char *const *touched, size_t nr_touched,
		   struct strbuf *why)
{
	size_t found = 0;
	for (size_t i = 0; i < r->nr; i++) {
		const struct diff_row *row = &r->rows[i];
		int is_touched = 0;
		for (size_t k = 0; k < nr_touched && !is_touched; k++)
			is_touched = diff_symbol_matches(row->symbol, touched[k]);
		if (is_touched) {
			found++;
			if (row->delta >= 0 || row->within_noise) {
				strbuf_addf(why,
					    "touched '%s' did not drop beyond noise (%+.2f points, "
					    "noise %.2f)",
					    row->symbol, row->delta, row->noise);
				return 0;
			}
		} else if (row->delta > 0 && !row->within_noise) {
			strbuf_addf(why, "'%s' grew beyond noise (%+.2f points, noise %.2f)",
				    row->symbol, row->delta, row->noise);
			return 0;
		}
	}
	if (!found) {
		strbuf_addstr(why, "none of the touched functions is in the diff's rows");
		return -1;
	}
	strbuf_addf(why, "%zu touched symbol%s dropped beyond noise and nothing else grew", found,
		    found == 1 ? "" : "s");
	return 1;
}

uint64_t diff_samples_for_width(const struct diff_result *d, const struct diff_row *r,
				double width, double z)
{
	double p1 = share(r->base_samples, d->base_samples);
	double p2 = share(r->new_samples, d->new_samples);
	double k = 100.0 * (z > 0 ? z : DIFF_Z) / width;
	return (uint64_t)ceil(k * k * (p1 * (1 - p1) + p2 * (1 - p2)));
}

uint64_t diff_runs_for_samples(const struct diff_result *d, uint64_t need, int runs_a, int runs_b)
{
	double ra = (double)d->base_samples / (runs_a > 0 ? runs_a : 1);
	double rb = (double)d->new_samples / (runs_b > 0 ? runs_b : 1);
	double rate = ra < rb ? ra : rb;
	if (rate <= 0)
		return 0;
	return (uint64_t)ceil((double)need / rate);
}

/* Does any resolved row of e match `touched`? */
static int event_has(const struct hist_event *e, const char *touched)
{
	int hit = 0;
	for (size_t i = 0; i < e->nr_rows && !hit; i++) {
		char *sym;
		if (!e->rows[i].resolved)
			continue;
		sym = diff_normalize(e->rows[i].sym);
		hit = diff_symbol_matches(sym, touched);
		free(sym);
	}
	return hit;
}

size_t diff_touched_missing(const struct hist_event *a, const struct hist_event *b,
			    const char *const *touched, size_t nr_touched, const char **missing)
{
	size_t n = 0;
	for (size_t k = 0; k < nr_touched; k++)
		if (!event_has(a, touched[k]) && !event_has(b, touched[k]))
			missing[n++] = touched[k];
	return n;
}
