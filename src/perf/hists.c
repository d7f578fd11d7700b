/*
 * hists.c: perf report's flat profile, computed natively.
 *
 * Pass 1 keeps the side-band events (mmap, comm, fork) for the machine
 * (machine.c). Samples are then put in groups that resolve alike: same
 * process, thread, address, event and cpumode, and the same side-band
 * "epoch" (how many side-band events come before them in (timestamp, file
 * order), as perf's ordered events replay them). A plain file is read twice
 * for this, side-band records first and samples second, so no sample is
 * stored; a pipe, a compressed file or one without sample times keeps a
 * compact copy of every sample in pass 1 and groups them after it. Pass 2
 * replays the groups in the order of their first sample between the
 * side-band events, each updating the machine, and resolves each group once
 * to (DSO, symbol) by the machine as it is then: a profile of 20,000 samples
 * has a few thousand groups. Every result (rows, their order, the warnings
 * of DSOs loaded on first use) is that of replaying the samples one by one.
 */
#include "perf/hists.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "perf/machine.h"
#include "banned.h"

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

/* Samples resolved alike (see above); time and seq are those of the earliest. */
struct sgroup {
	uint64_t ip, time, samples, period, hash;
	uint32_t pid, tid, epoch, seq;
	uint32_t cc_off, cc_nr; /* folded stacks: a group per sample */
	uint16_t attr;
	uint8_t cpumode;
};

struct hist_priv {
	const struct hist_opts *o;
	struct pd_file pf;
	struct machine m; /* DSOs, mappings, threads: what a sample's address means */

	struct smp *smp; /* samples kept by pass 1 when the file is not read twice */
	size_t nr_smp, alloc_smp;
	uint64_t *cc;
	size_t nr_cc, alloc_cc;
	uint64_t last_time;
	uint64_t lost, unknown;
	int read_twice; /* pass 1 skips the samples; a second reading groups them */
	int need_comm;	/* rows or stacks name the thread */

	struct sgroup *groups;
	size_t nr_groups, alloc_groups;
	uint32_t *group_slot;
	size_t group_cap;
	uint32_t epoch_hint;

	struct agg *aggs;
	size_t nr_aggs, alloc_aggs;
	uint64_t *agg_hash;
	uint32_t *agg_slot;
	size_t agg_cap;

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

/*
 * The sample ev as a struct smp, without its call chain: 0, or -1 (counted
 * as unknown) when its event is not in the file's attributes.
 */
static int sample_of(struct hist_priv *p, const struct pd_event *ev, struct smp *s)
{
	if (ev->attr < 0 || (size_t)ev->attr >= p->pf.nr_attrs) {
		p->unknown++;
		return -1;
	}
	memset(s, 0, sizeof(*s));
	s->time = event_time(p, ev);
	s->seq = ev->seq;
	s->ip = ev->u.sample.ip;
	s->period = ev->u.sample.period;
	s->pid = ev->pid;
	s->tid = ev->tid;
	s->attr = (uint16_t)ev->attr;
	s->cpumode = ev->cpumode;
	return 0;
}

static int collect(void *data, const struct pd_event *ev)
{
	struct hist_priv *p = data;
	switch (ev->type) {
	case PERF_RECORD_SAMPLE: {
		struct smp s;
		if (sample_of(p, ev, &s))
			break;
		if (p->o->folded && ev->u.sample.nr_callchain) {
			uint64_t n = ev->u.sample.nr_callchain;
			if (n > 4096)
				n = 4096;
			ALLOC_GROW(p->cc, p->nr_cc + n, p->alloc_cc);
			s.cc_off = (uint32_t)p->nr_cc;
			s.cc_nr = (uint32_t)n;
			for (uint64_t i = 0; i < n; i++)
				p->cc[p->nr_cc++] = pd_u64(&p->pf, ev->u.sample.callchain + 8 * i);
		}
		ALLOC_GROW(p->smp, p->nr_smp + 1, p->alloc_smp);
		p->smp[p->nr_smp++] = s;
		break;
	}
	case PERF_RECORD_MMAP:
	case PERF_RECORD_MMAP2:
	case PERF_RECORD_COMM:
	case PERF_RECORD_FORK:
		machine_collect(&p->m, ev, event_time(p, ev), ev->seq);
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

/* Room for n aggregates and their hashes. */
static void agg_reserve(struct hist_priv *p, size_t n)
{
	if (n <= p->alloc_aggs)
		return;
	ALLOC_GROW(p->aggs, n, p->alloc_aggs);
	p->agg_hash = xrealloc(p->agg_hash, p->alloc_aggs * sizeof(*p->agg_hash));
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
	agg_reserve(p, p->nr_aggs + 1);
	p->aggs[p->nr_aggs] = *key;
	p->agg_hash[p->nr_aggs] = h;
	p->agg_slot[j] = (uint32_t)p->nr_aggs + 1;
	return (uint32_t)p->nr_aggs++;
}

/* The row of a group of samples, the machine as it is now. */
static uint32_t group_row(struct hist_priv *p, const struct sgroup *g, uint32_t comm,
			  struct strbuf *warn)
{
	struct hit h;
	struct agg key;
	machine_resolve(&p->m, g->pid, g->cpumode, g->ip, &h, warn);
	memset(&key, 0, sizeof(key));
	key.attr = g->attr;
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
	return agg_find_or_add(p, &key);
}

/* Is side-band event e before (time, seq)? */
static int sb_before(const struct sb_event *e, uint64_t time, uint32_t seq)
{
	return e->time < time || (e->time == time && e->seq < seq);
}

/* How many side-band events (sorted) come before (time, seq). */
static uint32_t sb_epoch(struct hist_priv *p, uint64_t time, uint32_t seq)
{
	const struct sb_event *sb = p->m.sb;
	size_t lo = 0, hi = p->m.nr_sb, e = p->epoch_hint;
	/* samples come mostly in time order: the last answer is usually right */
	if ((!e || sb_before(&sb[e - 1], time, seq)) && (e == hi || !sb_before(&sb[e], time, seq)))
		return (uint32_t)e;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sb_before(&sb[mid], time, seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	p->epoch_hint = (uint32_t)lo;
	return (uint32_t)lo;
}

static uint64_t group_hash(const struct sgroup *g)
{
	uint64_t h = mix64(g->ip ^ ((uint64_t)g->pid << 32 | g->tid));
	return mix64(h ^ ((uint64_t)g->epoch << 24 | (uint64_t)g->attr << 8 | g->cpumode));
}

static int group_equal(const struct sgroup *a, const struct sgroup *b)
{
	return a->ip == b->ip && a->pid == b->pid && a->tid == b->tid && a->epoch == b->epoch &&
	       a->attr == b->attr && a->cpumode == b->cpumode;
}

static void group_grow(struct hist_priv *p)
{
	size_t cap = p->group_cap ? p->group_cap * 2 : 4096, j;
	uint32_t *slot = xcalloc(cap, sizeof(*slot));
	for (size_t i = 0; i < p->nr_groups; i++) {
		for (j = p->groups[i].hash & (cap - 1); slot[j]; j = (j + 1) & (cap - 1))
			;
		slot[j] = (uint32_t)i + 1;
	}
	free(p->group_slot);
	p->group_slot = slot;
	p->group_cap = cap;
}

/* Add sample s (its cc_* as in struct smp) to its group. */
static void group_add(struct hist_priv *p, const struct smp *s)
{
	struct sgroup key, *g;
	uint64_t h;
	size_t j = 0;
	memset(&key, 0, sizeof(key));
	key.ip = s->ip;
	key.pid = s->pid;
	key.tid = p->need_comm ? s->tid : 0;
	key.epoch = sb_epoch(p, s->time, s->seq);
	key.attr = s->attr;
	key.cpumode = s->cpumode;
	h = group_hash(&key);
	if (2 * (p->nr_groups + 1) > p->group_cap)
		group_grow(p);
	/* folded stacks differ by call chain: every sample is its own group */
	if (!p->o->folded) {
		for (j = h & (p->group_cap - 1); p->group_slot[j];
		     j = (j + 1) & (p->group_cap - 1)) {
			g = &p->groups[p->group_slot[j] - 1];
			if (g->hash != h || !group_equal(g, &key))
				continue;
			g->samples++;
			g->period += s->period;
			if (s->time < g->time || (s->time == g->time && s->seq < g->seq)) {
				g->time = s->time;
				g->seq = s->seq;
			}
			return;
		}
	} else {
		for (j = h & (p->group_cap - 1); p->group_slot[j]; j = (j + 1) & (p->group_cap - 1))
			;
	}
	ALLOC_GROW(p->groups, p->nr_groups + 1, p->alloc_groups);
	g = &p->groups[p->nr_groups];
	*g = key;
	g->hash = h;
	g->time = s->time;
	g->seq = s->seq;
	g->samples = 1;
	g->period = s->period;
	g->cc_off = s->cc_off;
	g->cc_nr = s->cc_nr;
	p->group_slot[j] = (uint32_t)++p->nr_groups;
}

/* Pass 1 of a file read twice has the side-band events: group its samples. */
static int collect_sample(void *data, const struct pd_event *ev)
{
	struct hist_priv *p = data;
	struct smp s;
	if (ev->type == PERF_RECORD_SAMPLE && !sample_of(p, ev, &s))
		group_add(p, &s);
	return 0;
}

static struct symtab *agg_table(struct hist_priv *p, const struct agg *a)
{
	if (!a->resolved)
		return NULL;
	return a->kernel_syms ? p->m.kallsyms : p->m.dsos[a->dso].syms;
}

/* Folded stack of one sample: "comm;outer;...;inner". */
static void fold(struct hist_priv *p, const struct sgroup *s, const char *comm, struct strbuf *warn,
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

static int cmp_groups(const void *a, const void *b)
{
	const struct sgroup *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * The groups in the order of their first sample, between the side-band
 * events: a group's samples all fall between the same two events, and its
 * first sample is the one that met any DSO, row or thread first.
 */
static void replay(struct hist_priv *p, struct hist_report *r)
{
	size_t i = 0, j = 0;
	struct strbuf stack = STRBUF_INIT;
	if (p->nr_groups > 1)
		qsort(p->groups, p->nr_groups, sizeof(*p->groups), cmp_groups);
	/* no more rows than groups */
	agg_reserve(p, p->nr_groups);
	while (i < p->m.nr_sb || j < p->nr_groups) {
		const struct sgroup *g = j < p->nr_groups ? &p->groups[j] : NULL;
		const struct sb_event *e = i < p->m.nr_sb ? &p->m.sb[i] : NULL;
		uint32_t row, comm = 0;
		if (e && (!g || sb_before(e, g->time, g->seq))) {
			machine_apply(&p->m, e);
			i++;
			continue;
		}
		j++;
		if (p->need_comm)
			comm = machine_thread(&p->m, g->pid, g->tid)->comm;
		row = group_row(p, g, p->o->sort == HIST_SORT_COMM_DSO_SYM ? comm : 0, &r->warn);
		p->aggs[row].samples += g->samples;
		p->aggs[row].period += g->period;
		if (p->o->folded && g->cc_nr) {
			uint32_t id;
			fold(p, g, p->m.strs.s[comm], &r->warn, &stack);
			id = intern(&p->stacks, stack.buf);
			if (id >= p->stack_alloc) {
				size_t old = p->stack_alloc;
				p->stack_alloc = (id + 1) * 2;
				p->stack_count = xrealloc(p->stack_count,
							  p->stack_alloc * sizeof(*p->stack_count));
				memset(p->stack_count + old, 0,
				       (p->stack_alloc - old) * sizeof(*p->stack_count));
			}
			p->stack_count[id] += g->samples;
		}
	}
	strbuf_release(&stack);
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
 * mapped ELF file. They go by period, samples, shared object (all three
 * as cmp_rows_weight), address, comm: sort_hidden_rows() below.
 */

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Ranks of the strings rows[i].<field> (at byte offset `off`): equal strings
 * rank alike, and ranks follow strcmp. Rows' strings are few and interned.
 */
static uint64_t *string_ranks(const struct hist_row *rows, size_t n, size_t off)
{
	const char **s = xmalloc((n + 1) * sizeof(*s));
	uint64_t *rank = xmalloc((n + 1) * sizeof(*rank));
	const char **distinct = xmalloc((n + 1) * sizeof(*distinct));
	size_t nd = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(&s[i], (const char *)&rows[i] + off, sizeof(s[i]));
		/* a row's string is most often its neighbour's (rows come by DSO) */
		if (!nd || s[i] != distinct[nd - 1])
			distinct[nd++] = s[i];
	}
	qsort(distinct, nd, sizeof(*distinct), cmp_str_ptr);
	for (size_t i = 0; i < n; i++) {
		size_t lo = 0, hi = nd;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp(distinct[mid], s[i]) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		rank[i] = lo; /* the first of the equal strings: equal strings rank alike */
	}
	free(distinct);
	free(s);
	return rank;
}

/*
 * The rows not shown, in cmp_hidden_rows order: thousands of them on a large
 * profile, so by a stable radix sort on each key from the last to the first
 * (equal rows keep their order, as glibc's merge sort keeps it).
 */
static void sort_hidden_rows(struct hist_row *rows, size_t n)
{
	uint64_t *keys, *dso, *comm = NULL;
	uint32_t *idx;
	struct hist_row *tmp;
	if (n < 2)
		return;
	keys = xmalloc(n * sizeof(*keys));
	idx = xmalloc(n * sizeof(*idx));
	dso = string_ranks(rows, n, offsetof(struct hist_row, dso));
	if (rows[0].comm)
		comm = string_ranks(rows, n, offsetof(struct hist_row, comm));
	for (size_t i = 0; i < n; i++)
		idx[i] = (uint32_t)i;
	for (int k = comm ? 0 : 1; k < 5; k++) {
		for (size_t i = 0; i < n; i++) {
			const struct hist_row *x = &rows[idx[i]];
			keys[i] = k == 0   ? comm[idx[i]]
				  : k == 1 ? x->addr
				  : k == 2 ? dso[idx[i]]
				  : k == 3 ? ~x->samples
					   : ~x->period;
		}
		radix_sort_u64(keys, idx, n);
	}
	tmp = xmalloc(n * sizeof(*tmp));
	for (size_t i = 0; i < n; i++)
		tmp[i] = rows[idx[i]];
	memcpy(rows, tmp, n * sizeof(*tmp));
	free(tmp);
	free(keys);
	free(idx);
	free(dso);
	free(comm);
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
	for (size_t i = 0; i < p->nr_groups; i++) {
		struct hist_event *e = &r->events[p->groups[i].attr];
		e->nr_samples += p->groups[i].samples;
		e->total_period += p->groups[i].period;
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
		/* thousands of rows nobody reads in order (hotspots without --limit) */
		if (p->o->hidden_sorted)
			sort_hidden_rows(e->rows + shown[i], e->nr_rows - shown[i]);
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

/*
 * Can the file be read twice, side-band first (PD_SKIP_SAMPLES), then
 * samples? Every record must carry its time (samples and side-band alike),
 * and the data must be plain: records in a pipe update the attributes as
 * they come, and compressed data would be expanded twice.
 */
static int can_read_twice(const struct hist_priv *p)
{
	const struct pd_file *f = &p->pf;
	if (f->pipe || f->compressed || !f->nr_attrs || !f->attrs[0].sample_id_all || p->o->folded)
		return 0;
	for (size_t i = 0; i < f->nr_attrs; i++)
		if (!(f->attrs[i].sample_type & PERF_SAMPLE_TIME))
			return 0;
	return 1;
}

/* Forget what a reading collected, to start again. */
static void reset_reading(struct hist_priv *p)
{
	machine_release(&p->m);
	machine_init(&p->m, p->o, &p->pf);
	p->nr_smp = p->nr_cc = p->nr_groups = 0;
	p->lost = p->unknown = p->last_time = 0;
	p->epoch_hint = 0;
	if (p->group_slot)
		memset(p->group_slot, 0, p->group_cap * sizeof(*p->group_slot));
}

/*
 * Pass 1 and the grouping of the samples. A file read twice that turns out
 * to hold compressed records, or that is corrupt, is read again once: the
 * error then names the first bad record, as perf would meet it.
 */
static int read_samples(struct hist_priv *p, struct strbuf *err)
{
	if (p->read_twice) {
		struct strbuf e2 = STRBUF_INIT;
		int bad = pd_iterate_some(&p->pf, PD_SKIP_SAMPLES, collect, p, &e2) ||
			  p->pf.nr_compressed_records;
		if (!bad) {
			machine_header_build_ids(&p->m);
			machine_replay_start(&p->m);
			/* no more groups than samples: room made once, not copied as it grows */
			ALLOC_GROW(p->groups, p->pf.nr_skipped, p->alloc_groups);
			bad = pd_iterate_some(&p->pf, PD_ONLY_SAMPLES, collect_sample, p, &e2);
		}
		strbuf_release(&e2);
		if (!bad)
			return 0;
		reset_reading(p);
		p->read_twice = 0;
	}
	if (pd_iterate(&p->pf, collect, p, err))
		return -1;
	machine_header_build_ids(&p->m);
	machine_replay_start(&p->m);
	ALLOC_GROW(p->groups, p->nr_smp, p->alloc_groups);
	for (size_t i = 0; i < p->nr_smp; i++)
		group_add(p, &p->smp[i]);
	return 0;
}

static int build(struct hist_priv *p, const struct hist_opts *o, struct hist_report *r,
		 struct strbuf *err)
{
	p->o = o;
	p->need_comm = o->sort == HIST_SORT_COMM_DSO_SYM || o->folded;
	machine_init(&p->m, o, &p->pf);
	p->read_twice = can_read_twice(p);
	if (read_samples(p, err))
		return -1;
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
		free(p->groups);
		free(p->group_slot);
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
