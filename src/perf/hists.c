/*
 * hists.c: perf report's flat profile, computed natively.
 *
 * Pass 1 walks the records once and keeps, in flat arrays, a compact copy of
 * every sample (plus its call chain when folded stacks are wanted); the
 * side-band events (mmap, comm, fork) go to the machine (machine.c). Pass 2
 * replays both in (timestamp, file order) like perf's ordered events: each
 * side-band event updates the machine, and each sample is resolved to (DSO,
 * symbol) by the machine as it is then and added to its row.
 */
#include "perf/hists.h"

#include <stdlib.h>
#include <string.h>

#include "perf/machine.h"
#include "banned.h"

#define CACHE_SLOTS 4096

/* ---- the session ---- */

struct smp {
	uint64_t time, ip, period;
	uint32_t seq, pid, tid;
	uint32_t cc_off, cc_nr;
	uint16_t attr;
	uint8_t cpumode;
};

struct agg {
	uint32_t attr, comm, dso_short, dso;
	long sym;	/* index in the DSO's table, -1 unresolved */
	uint64_t value; /* symbol start or address */
	uint8_t level, resolved, kernel_syms;
	uint64_t samples, period;
};

struct cache_slot {
	uint64_t ip;
	uint32_t pid, comm, gen, row;
	uint16_t attr;
	uint8_t cpumode, used;
};

struct hist_priv {
	const struct hist_opts *o;
	struct pd_file pf;
	struct machine m; /* DSOs, mappings, threads: what a sample's address means */

	struct smp *smp;
	size_t nr_smp, alloc_smp;
	uint64_t *cc;
	size_t nr_cc, alloc_cc;
	uint32_t seq;
	uint64_t last_time;
	uint64_t lost, unknown;

	struct agg *aggs;
	size_t nr_aggs, alloc_aggs;
	uint64_t *agg_hash;
	uint32_t *agg_slot;
	size_t agg_cap;
	struct cache_slot *cache;

	struct interner stacks;
	uint64_t *stack_count;
	size_t stack_alloc;

	char **owned; /* strings handed out in rows */
	size_t nr_owned, alloc_owned;
};

static const char *own(struct hist_priv *p, char *s)
{
	ALLOC_GROW(p->owned, p->nr_owned + 1, p->alloc_owned);
	p->owned[p->nr_owned++] = s;
	return s;
}

int hist_sort_parse(const char *s, enum hist_sort *out)
{
	if (!strcmp(s, "sym"))
		*out = HIST_SORT_SYM;
	else if (!strcmp(s, "dso,sym"))
		*out = HIST_SORT_DSO_SYM;
	else if (!strcmp(s, "comm,dso,sym"))
		*out = HIST_SORT_COMM_DSO_SYM;
	else
		return -1;
	return 0;
}

const char *hist_sort_name(enum hist_sort s)
{
	switch (s) {
	case HIST_SORT_SYM:
		return "sym";
	case HIST_SORT_DSO_SYM:
		return "dso,sym";
	case HIST_SORT_COMM_DSO_SYM:
		return "comm,dso,sym";
	}
	return "?";
}

double hist_percent(const struct hist_event *e, const struct hist_row *row)
{
	return e->total_period ? 100.0 * (double)row->period / (double)e->total_period : 0;
}

int hist_above_limit(const struct hist_event *e, const struct hist_row *row, double limit)
{
	float pct = e->total_period ? (float)(row->period * 100.0 / (double)e->total_period) : 0;
	return !(pct < (float)limit);
}

/* ---- pass 1: collect ---- */

static uint64_t event_time(struct hist_priv *p, const struct pd_event *ev)
{
	if (ev->has_time)
		p->last_time = ev->time;
	return p->last_time;
}

static int collect(void *data, const struct pd_event *ev)
{
	struct hist_priv *p = data;
	p->seq++;
	switch (ev->type) {
	case PERF_RECORD_SAMPLE: {
		struct smp *s;
		if (ev->attr < 0 || (size_t)ev->attr >= p->pf.nr_attrs) {
			p->unknown++;
			break;
		}
		ALLOC_GROW(p->smp, p->nr_smp + 1, p->alloc_smp);
		s = &p->smp[p->nr_smp++];
		s->time = event_time(p, ev);
		s->seq = p->seq;
		s->ip = ev->u.sample.ip;
		s->period = ev->u.sample.period;
		s->pid = ev->pid;
		s->tid = ev->tid;
		s->attr = (uint16_t)ev->attr;
		s->cpumode = ev->cpumode;
		s->cc_off = s->cc_nr = 0;
		if (p->o->folded && ev->u.sample.nr_callchain) {
			uint64_t n = ev->u.sample.nr_callchain;
			if (n > 4096)
				n = 4096;
			ALLOC_GROW(p->cc, p->nr_cc + n, p->alloc_cc);
			s->cc_off = (uint32_t)p->nr_cc;
			s->cc_nr = (uint32_t)n;
			for (uint64_t i = 0; i < n; i++)
				p->cc[p->nr_cc++] = pd_u64(&p->pf, ev->u.sample.callchain + 8 * i);
		}
		break;
	}
	case PERF_RECORD_MMAP:
	case PERF_RECORD_MMAP2:
	case PERF_RECORD_COMM:
	case PERF_RECORD_FORK:
		machine_collect(&p->m, ev, event_time(p, ev), p->seq);
		break;
	case PERF_RECORD_LOST:
	case PERF_RECORD_LOST_SAMPLES:
		p->lost += ev->u.lost.lost;
		break;
	default:
		break;
	}
	return 0;
}

static uint64_t agg_hash(const struct agg *a)
{
	uint64_t h = mix64(a->attr * 0x9e3779b97f4a7c15ull ^ a->comm);
	h = mix64(h ^ a->dso_short ^ ((uint64_t)a->resolved << 40));
	return mix64(h ^ a->value);
}

static int agg_equal(const struct agg *a, const struct agg *b)
{
	return a->attr == b->attr && a->comm == b->comm && a->dso_short == b->dso_short &&
	       a->resolved == b->resolved && a->value == b->value;
}

static uint32_t agg_find_or_add(struct hist_priv *p, const struct agg *key)
{
	uint64_t h = agg_hash(key);
	size_t j;
	if (2 * (p->nr_aggs + 1) > p->agg_cap) {
		size_t cap = p->agg_cap ? p->agg_cap * 2 : 1024;
		uint32_t *slot = xcalloc(cap, sizeof(*slot));
		for (size_t i = 0; i < p->nr_aggs; i++) {
			for (j = p->agg_hash[i] & (cap - 1); slot[j]; j = (j + 1) & (cap - 1))
				;
			slot[j] = (uint32_t)i + 1;
		}
		free(p->agg_slot);
		p->agg_slot = slot;
		p->agg_cap = cap;
	}
	for (j = h & (p->agg_cap - 1); p->agg_slot[j]; j = (j + 1) & (p->agg_cap - 1)) {
		uint32_t i = p->agg_slot[j] - 1;
		if (p->agg_hash[i] == h && agg_equal(&p->aggs[i], key))
			return i;
	}
	ALLOC_GROW(p->aggs, p->nr_aggs + 1, p->alloc_aggs);
	p->agg_hash = xrealloc(p->agg_hash, p->alloc_aggs * sizeof(*p->agg_hash));
	p->aggs[p->nr_aggs] = *key;
	p->agg_hash[p->nr_aggs] = h;
	p->agg_slot[j] = (uint32_t)p->nr_aggs + 1;
	return (uint32_t)p->nr_aggs++;
}

static uint32_t sample_row(struct hist_priv *p, const struct smp *s, uint32_t comm,
			   struct strbuf *warn)
{
	struct hit h;
	struct agg key;
	struct cache_slot *c =
	    &p->cache[mix64(s->ip ^ ((uint64_t)s->pid << 32) ^ s->attr) & (CACHE_SLOTS - 1)];
	uint32_t row;
	if (c->used && c->gen == p->m.gen && c->ip == s->ip && c->pid == s->pid &&
	    c->attr == s->attr && c->cpumode == s->cpumode && c->comm == comm)
		return c->row;
	machine_resolve(&p->m, s->pid, s->cpumode, s->ip, &h, warn);
	memset(&key, 0, sizeof(key));
	key.attr = s->attr;
	key.comm = comm;
	key.level = (uint8_t)h.level;
	key.dso = h.has_dso ? h.dso : UINT32_MAX;
	key.dso_short = h.has_dso ? h.dso_short : UINT32_MAX;
	key.resolved = h.sym >= 0;
	key.sym = h.sym;
	key.kernel_syms = h.tab && h.tab == p->m.kallsyms;
	key.value = h.sym >= 0 ? h.tab->start[h.sym] : h.addr;
	/* perf's sort__sym_cmp compares addresses alone when neither side has a symbol */
	if (p->o->sort == HIST_SORT_SYM && !key.resolved)
		key.dso_short = UINT32_MAX - 1;
	row = agg_find_or_add(p, &key);
	c->used = 1;
	c->gen = p->m.gen;
	c->ip = s->ip;
	c->pid = s->pid;
	c->attr = s->attr;
	c->cpumode = s->cpumode;
	c->comm = comm;
	c->row = row;
	return row;
}

static struct symtab *agg_table(struct hist_priv *p, const struct agg *a)
{
	if (!a->resolved)
		return NULL;
	return a->kernel_syms ? p->m.kallsyms : p->m.dsos[a->dso].syms;
}

/* Folded stack of one sample: "comm;outer;...;inner". */
static void fold(struct hist_priv *p, const struct smp *s, const char *comm, struct strbuf *warn,
		 struct strbuf *out)
{
	const char **frames = xcalloc(s->cc_nr + 1, sizeof(*frames));
	char **tmp = xcalloc(s->cc_nr + 1, sizeof(*tmp));
	size_t n = 0;
	uint8_t mode = s->cpumode;
	strbuf_reset(out);
	strbuf_addstr(out, comm);
	for (uint32_t i = 0; i < s->cc_nr; i++) {
		uint64_t ip = p->cc[s->cc_off + i];
		struct hit h;
		if (ip >= PERF_CONTEXT_MAX) {
			if (ip == PERF_CONTEXT_KERNEL)
				mode = PERF_RECORD_MISC_KERNEL;
			else if (ip == PERF_CONTEXT_USER)
				mode = PERF_RECORD_MISC_USER;
			else if (ip == PERF_CONTEXT_GUEST_KERNEL)
				mode = PERF_RECORD_MISC_GUEST_KERNEL;
			else if (ip == PERF_CONTEXT_GUEST_USER)
				mode = PERF_RECORD_MISC_GUEST_USER;
			else
				mode = PERF_RECORD_MISC_HYPERVISOR;
			continue;
		}
		machine_resolve(&p->m, s->pid, mode, ip, &h, warn);
		if (h.sym >= 0) {
			frames[n++] = symtab_pretty(h.tab, (size_t)h.sym);
		} else if (h.has_dso) {
			const char *d = p->m.strs.s[h.dso_short];
			tmp[n] = d[0] == '[' ? xstrdup(d) : xstrfmt("[%s]", d);
			frames[n] = tmp[n];
			n++;
		} else {
			frames[n++] = "[unknown]";
		}
	}
	while (n-- > 0) {
		strbuf_addch(out, ';');
		for (const char *c = frames[n]; *c; c++)
			strbuf_addch(out, *c == ';' ? ':' : *c);
	}
	for (uint32_t i = 0; i <= s->cc_nr; i++)
		free(tmp[i]);
	free(tmp);
	free(frames);
}

/* Sample order: by time, then file order (the radix sort is stable). */
static uint32_t *sample_order(struct hist_priv *p)
{
	uint32_t *idx = xmalloc((p->nr_smp + 1) * sizeof(*idx));
	int sorted = 1;
	for (size_t i = 0; i < p->nr_smp; i++) {
		idx[i] = (uint32_t)i;
		if (i && p->smp[i].time < p->smp[i - 1].time)
			sorted = 0;
	}
	if (!sorted) {
		uint64_t *keys = xmalloc((p->nr_smp + 1) * sizeof(*keys));
		for (size_t i = 0; i < p->nr_smp; i++)
			keys[i] = p->smp[i].time;
		radix_sort_u64(keys, idx, p->nr_smp);
		free(keys);
	}
	return idx;
}

static void replay(struct hist_priv *p, struct hist_report *r)
{
	uint32_t *order = sample_order(p);
	size_t i = 0, j = 0;
	struct strbuf stack = STRBUF_INIT;
	machine_replay_start(&p->m);
	p->cache = xcalloc(CACHE_SLOTS, sizeof(*p->cache));
	while (i < p->m.nr_sb || j < p->nr_smp) {
		const struct smp *s = j < p->nr_smp ? &p->smp[order[j]] : NULL;
		const struct sb_event *e = i < p->m.nr_sb ? &p->m.sb[i] : NULL;
		struct thread *t;
		uint32_t row, comm;
		if (e && (!s || e->time < s->time || (e->time == s->time && e->seq < s->seq))) {
			machine_apply(&p->m, e);
			i++;
			continue;
		}
		j++;
		t = machine_thread(&p->m, s->pid, s->tid);
		comm = t->comm;
		row = sample_row(p, s, p->o->sort == HIST_SORT_COMM_DSO_SYM ? comm : 0, &r->warn);
		p->aggs[row].samples++;
		p->aggs[row].period += s->period;
		if (p->o->folded && s->cc_nr) {
			uint32_t id;
			fold(p, s, p->m.strs.s[comm], &r->warn, &stack);
			id = intern(&p->stacks, stack.buf);
			if (id >= p->stack_alloc) {
				size_t old = p->stack_alloc;
				p->stack_alloc = (id + 1) * 2;
				p->stack_count = xrealloc(p->stack_count,
							  p->stack_alloc * sizeof(*p->stack_count));
				memset(p->stack_count + old, 0,
				       (p->stack_alloc - old) * sizeof(*p->stack_count));
			}
			p->stack_count[id]++;
		}
	}
	strbuf_release(&stack);
	free(order);
}

/* Rows by period, then samples, then shared object: 0 when those are equal. */
static int cmp_rows_weight(const struct hist_row *x, const struct hist_row *y)
{
	if (x->period != y->period)
		return x->period > y->period ? -1 : 1;
	if (x->samples != y->samples)
		return x->samples > y->samples ? -1 : 1;
	return strcmp(x->dso, y->dso);
}

static int cmp_rows(const void *a, const void *b)
{
	const struct hist_row *x = a, *y = b;
	int c;
	if ((c = cmp_rows_weight(x, y)))
		return c;
	if ((c = strcmp(x->sym, y->sym)))
		return c;
	return x->comm && y->comm ? strcmp(x->comm, y->comm) : 0;
}

/*
 * Rows not shown (below hist_opts.name_limit) are ordered without their
 * names, which are raw and long: comparing them would read each from the
 * mapped ELF file.
 */
static int cmp_hidden_rows(const void *a, const void *b)
{
	const struct hist_row *x = a, *y = b;
	int c;
	if ((c = cmp_rows_weight(x, y)))
		return c;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->comm && y->comm ? strcmp(x->comm, y->comm) : 0;
}

/* Is an aggregate's row shown, so named: at or above name_limit? */
static int agg_shown(const struct hist_priv *p, const struct hist_event *e, const struct agg *a)
{
	struct hist_row row;
	row.period = a->period;
	return hist_above_limit(e, &row, p->o->name_limit);
}

static void make_rows(struct hist_priv *p, struct hist_report *r)
{
	size_t *fill, *hidden, *shown;
	r->nr_events = p->pf.nr_attrs;
	r->events = xcalloc(r->nr_events + 1, sizeof(*r->events));
	fill = xcalloc(r->nr_events + 1, sizeof(*fill));
	for (size_t i = 0; i < r->nr_events; i++) {
		struct hist_event *e = &r->events[i];
		e->name = pd_attr_name(&p->pf.attrs[i]);
		e->type = p->pf.attrs[i].type;
		e->config = p->pf.attrs[i].config;
	}
	for (size_t i = 0; i < p->nr_smp; i++) {
		struct hist_event *e = &r->events[p->smp[i].attr];
		e->nr_samples++;
		e->total_period += p->smp[i].period;
	}
	/* shown rows first, then the others; each part sorted on its own */
	shown = xcalloc(r->nr_events + 1, sizeof(*shown));
	hidden = xcalloc(r->nr_events + 1, sizeof(*hidden));
	for (size_t i = 0; i < p->nr_aggs; i++) {
		const struct agg *a = &p->aggs[i];
		r->events[a->attr].nr_rows++;
		shown[a->attr] += agg_shown(p, &r->events[a->attr], a);
	}
	for (size_t i = 0; i < r->nr_events; i++)
		r->events[i].rows = xcalloc(r->events[i].nr_rows + 1, sizeof(struct hist_row));
	for (size_t i = 0; i < p->nr_aggs; i++) {
		const struct agg *a = &p->aggs[i];
		struct hist_event *e = &r->events[a->attr];
		int named = agg_shown(p, e, a);
		struct hist_row *row =
		    &e->rows[named ? fill[a->attr]++ : shown[a->attr] + hidden[a->attr]++];
		struct symtab *t = agg_table(p, a);
		row->comm = p->o->sort == HIST_SORT_COMM_DSO_SYM ? p->m.strs.s[a->comm] : NULL;
		row->dso = a->dso_short < UINT32_MAX - 1 ? p->m.strs.s[a->dso_short]
			   : a->dso != UINT32_MAX	 ? p->m.strs.s[p->m.dsos[a->dso].short_id]
							 : "[unknown]";
		row->level = (char)a->level;
		row->resolved = a->resolved;
		row->addr = a->value;
		row->samples = a->samples;
		row->period = a->period;
		if (t) {
			row->raw = symtab_name(t, (size_t)a->sym);
			/* demangling is most of the cost of a name: only for rows shown */
			row->sym = named ? symtab_pretty(t, (size_t)a->sym) : row->raw;
		} else {
			row->sym = own(p, xstrfmt("0x%016llx", (unsigned long long)a->value));
		}
	}
	for (size_t i = 0; i < r->nr_events; i++) {
		struct hist_event *e = &r->events[i];
		qsort(e->rows, shown[i], sizeof(struct hist_row), cmp_rows);
		qsort(e->rows + shown[i], e->nr_rows - shown[i], sizeof(struct hist_row),
		      cmp_hidden_rows);
	}
	free(fill);
	free(shown);
	free(hidden);
}

static int cmp_folded(const void *a, const void *b)
{
	return strcmp(((const struct folded_stack *)a)->stack,
		      ((const struct folded_stack *)b)->stack);
}

static int build(struct hist_priv *p, const struct hist_opts *o, struct hist_report *r,
		 struct strbuf *err)
{
	p->o = o;
	machine_init(&p->m, o, &p->pf);
	if (pd_iterate(&p->pf, collect, p, err))
		return -1;
	machine_header_build_ids(&p->m);
	for (size_t i = 0; i < p->pf.nr_attrs; i++) {
		if (p->pf.attrs[i].sample_type & PERF_SAMPLE_CALLCHAIN)
			r->has_callchains = 1;
		if (p->pf.attrs[i].sample_type & PERF_SAMPLE_STACK_USER)
			r->dwarf_callchains = 1;
	}
	replay(p, r);
	make_rows(p, r);
	if (o->folded) {
		r->nr_folded = p->stacks.nr;
		r->folded = xcalloc(r->nr_folded + 1, sizeof(*r->folded));
		for (size_t i = 0; i < p->stacks.nr; i++) {
			r->folded[i].stack = p->stacks.s[i];
			r->folded[i].samples = p->stack_count[i];
		}
		qsort(r->folded, r->nr_folded, sizeof(*r->folded), cmp_folded);
	}
	r->lost = p->lost;
	r->unknown_id = p->unknown;
	r->hostname = p->pf.hostname;
	r->cmdline = p->pf.cmdline;
	r->perf_version = p->pf.perf_version;
	r->nr_cpus = p->pf.nr_cpus_online;
	r->pipe = p->pf.pipe;
	r->swapped = p->pf.swap;
	r->compressed = p->pf.compressed;
	strbuf_addbuf(&r->warn, &p->pf.warn);
	if (p->unknown)
		strbuf_addf(&r->warn, "%llu samples belong to no known event and were skipped\n",
			    (unsigned long long)p->unknown);
	return 0;
}

static void report_init(struct hist_report *r)
{
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->warn, 0);
	r->priv = xcalloc(1, sizeof(*r->priv));
}

int hists_build(const char *path, const struct hist_opts *o, struct hist_report *r,
		struct strbuf *err)
{
	report_init(r);
	if (pd_open(&r->priv->pf, path, err))
		return -1;
	return build(r->priv, o, r, err);
}

int hists_build_mem(const void *data, size_t size, const char *name, const struct hist_opts *o,
		    struct hist_report *r, struct strbuf *err)
{
	report_init(r);
	if (pd_open_mem(&r->priv->pf, data, size, name, err))
		return -1;
	return build(r->priv, o, r, err);
}

void hists_release(struct hist_report *r)
{
	struct hist_priv *p = r->priv;
	for (size_t i = 0; i < r->nr_events; i++) {
		free(r->events[i].name);
		free(r->events[i].rows);
	}
	free(r->events);
	free(r->folded);
	strbuf_release(&r->warn);
	if (p) {
		machine_release(&p->m);
		free(p->smp);
		free(p->cc);
		free(p->aggs);
		free(p->agg_hash);
		free(p->agg_slot);
		free(p->cache);
		interner_release(&p->stacks);
		free(p->stack_count);
		for (size_t i = 0; i < p->nr_owned; i++)
			free(p->owned[i]);
		free(p->owned);
		pd_close(&p->pf);
		free(p);
	}
	memset(r, 0, sizeof(*r));
}
