/*
 * hists.c: perf report's flat profile, computed natively.
 *
 * Pass 1 walks the records once and keeps, in flat arrays, the side-band
 * events (mmap, comm, fork) and a compact copy of every sample (plus its
 * call chain when folded stacks are wanted). Pass 2 replays both in
 * (timestamp, file order) like perf's ordered events: mappings live per
 * process in a sorted array (a new mapping clips the ones it overlaps, as
 * maps__fixup_overlappings does), comm names per thread, and each sample is
 * resolved to (DSO, symbol) and added to its row. Symbol tables are loaded
 * only for DSOs that were hit.
 */
#include "perf/hists.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include "perf/perfdata.h"
#include "perf/symbols.h"
#include "banned.h"

#define KERNEL_PID  0xffffffffu
#define CACHE_SLOTS 4096

enum dso_kind { DSO_ELF, DSO_VDSO, DSO_JIT, DSO_KERNEL, DSO_KMOD, DSO_NONE };
enum sb_kind { SB_MMAP, SB_COMM, SB_FORK };

/* ---- string interning and hash maps ---- */

struct interner {
	char **s;
	uint64_t *hash;
	size_t nr, alloc;
	uint32_t *slot; /* id + 1, 0 = empty */
	size_t cap;
};

static void interner_grow(struct interner *in)
{
	size_t cap = in->cap ? in->cap * 2 : 1024;
	uint32_t *slot = xcalloc(cap, sizeof(*slot));
	for (size_t i = 0; i < in->nr; i++) {
		size_t j = in->hash[i] & (cap - 1);
		while (slot[j])
			j = (j + 1) & (cap - 1);
		slot[j] = (uint32_t)i + 1;
	}
	free(in->slot);
	in->slot = slot;
	in->cap = cap;
}

static uint32_t intern_n(struct interner *in, const char *s, size_t len)
{
	uint64_t h = XXH3_64bits(s, len);
	size_t j;
	if (2 * (in->nr + 1) > in->cap)
		interner_grow(in);
	for (j = h & (in->cap - 1); in->slot[j]; j = (j + 1) & (in->cap - 1)) {
		uint32_t id = in->slot[j] - 1;
		if (in->hash[id] == h && !strncmp(in->s[id], s, len) && !in->s[id][len])
			return id;
	}
	ALLOC_GROW(in->s, in->nr + 1, in->alloc);
	in->hash = xrealloc(in->hash, in->alloc * sizeof(*in->hash));
	in->s[in->nr] = xstrndup(s, len);
	in->hash[in->nr] = h;
	in->slot[j] = (uint32_t)in->nr + 1;
	return (uint32_t)in->nr++;
}

static uint32_t intern(struct interner *in, const char *s)
{
	return intern_n(in, s, strlen(s));
}

static void interner_release(struct interner *in)
{
	for (size_t i = 0; i < in->nr; i++)
		free(in->s[i]);
	free(in->s);
	free(in->hash);
	free(in->slot);
	memset(in, 0, sizeof(*in));
}

/* u64 key -> u32 value; keys are stored + 1 so that 0 marks an empty slot */
struct u64map {
	uint64_t *key;
	uint32_t *val;
	size_t nr, cap;
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static void u64map_grow(struct u64map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 256;
	uint64_t *key = xcalloc(cap, sizeof(*key));
	uint32_t *val = xcalloc(cap, sizeof(*val));
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;
		if (!m->key[i])
			continue;
		for (j = mix64(m->key[i]) & (cap - 1); key[j]; j = (j + 1) & (cap - 1))
			;
		key[j] = m->key[i];
		val[j] = m->val[i];
	}
	free(m->key);
	free(m->val);
	m->key = key;
	m->val = val;
	m->cap = cap;
}

/* Find key; when absent and `add`, insert it with value `def`. Returns a pointer to the value or
 * NULL. */
static uint32_t *u64map_get(struct u64map *m, uint64_t key, int add, uint32_t def)
{
	size_t j;
	key++;
	if (2 * (m->nr + 1) > m->cap)
		u64map_grow(m);
	for (j = mix64(key) & (m->cap - 1); m->key[j]; j = (j + 1) & (m->cap - 1))
		if (m->key[j] == key)
			return &m->val[j];
	if (!add)
		return NULL;
	m->key[j] = key;
	m->val[j] = def;
	m->nr++;
	return &m->val[j];
}

static void u64map_release(struct u64map *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}

/* ---- the session ---- */

struct dso {
	uint32_t long_id;  /* interned long name */
	uint32_t short_id; /* interned name shown */
	enum dso_kind kind;
	int identity; /* addresses are not relocated (JIT, anon) */
	uint8_t bid[PD_BUILD_ID_MAX];
	uint8_t bid_size;
	const char *file; /* alias: read this file */
	struct symtab *syms;
	int tried;
};

struct map {
	uint64_t start, end, pgoff;
	uint32_t dso;
};

struct proc {
	struct map *maps;
	size_t nr, alloc;
};

struct thread {
	uint32_t pid;
	uint32_t comm; /* interned */
	int comm_set;  /* named by a COMM record (not ":<tid>") */
};

struct sb_event {
	uint64_t time;
	uint32_t seq;
	uint8_t kind;
	uint32_t pid, tid, ppid, ptid;
	uint64_t start, len, pgoff;
	uint32_t ref; /* dso (MMAP) or comm (COMM) */
};

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
	struct interner strs;
	struct dso *dsos;
	size_t nr_dsos, alloc_dsos;
	struct u64map dso_by_long;

	struct sb_event *sb;
	size_t nr_sb, alloc_sb;
	struct smp *smp;
	size_t nr_smp, alloc_smp;
	uint64_t *cc;
	size_t nr_cc, alloc_cc;
	uint32_t seq;
	uint64_t last_time;
	uint64_t lost, unknown;

	struct proc *procs;
	size_t nr_procs, alloc_procs;
	struct u64map proc_of_pid;
	struct thread *threads;
	size_t nr_threads, alloc_threads;
	struct u64map thread_of_tid;

	struct symtab *kallsyms;
	int kallsyms_tried;
	char *home_debug;

	struct agg *aggs;
	size_t nr_aggs, alloc_aggs;
	uint64_t *agg_hash;
	uint32_t *agg_slot;
	size_t agg_cap;
	struct cache_slot *cache;
	uint32_t gen;

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

/* ---- DSOs ---- */

static int is_anon(const char *f)
{
	return !strcmp(f, "//anon") || !strncmp(f, "/dev/zero", 9) ||
	       !strncmp(f, "/anon_hugepage", 14);
}

static int is_no_dso(const char *f)
{
	return !strncmp(f, "[stack", 6) || !strncmp(f, "/SYSV", 5) || !strcmp(f, "[heap]");
}

static const struct dso_alias *find_alias(const struct hist_opts *o, const char *path)
{
	size_t n = strlen(path);
	for (size_t i = 0; i < o->nr_aliases; i++) {
		const char *a = o->aliases[i].path;
		size_t an = strlen(a);
		if (!strcmp(a, path) ||
		    (n == an + 10 && !strncmp(path, a, an) && !strcmp(path + an, " (deleted)")))
			return &o->aliases[i];
	}
	return NULL;
}

/* The DSO for an mmap of `filename` (already renamed for anon/JIT maps). */
static uint32_t dso_for(struct hist_priv *p, const char *filename, enum dso_kind kind)
{
	uint32_t lid = intern(&p->strs, filename);
	uint32_t *slot = u64map_get(&p->dso_by_long, lid, 1, UINT32_MAX);
	struct dso *d;
	const struct dso_alias *al;
	int tid;
	char *nm = NULL;
	if (*slot != UINT32_MAX)
		return *slot;
	ALLOC_GROW(p->dsos, p->nr_dsos + 1, p->alloc_dsos);
	d = &p->dsos[p->nr_dsos];
	memset(d, 0, sizeof(*d));
	d->long_id = lid;
	d->kind = kind;
	d->identity = kind == DSO_JIT || kind == DSO_NONE || kind == DSO_KERNEL || kind == DSO_KMOD;
	al = find_alias(p->o, filename);
	if (al) {
		d->file = al->file;
		if (al->name)
			nm = xstrdup(al->name);
	}
	if (nm) {
		/* alias name */
	} else if (kind == DSO_KERNEL) {
		nm = xstrdup("[kernel.kallsyms]");
	} else if (kind == DSO_KMOD) {
		const char *b = path_basename(filename);
		size_t n = strcspn(b, ".");
		nm = b[0] == '[' ? xstrdup(b) : xstrfmt("[%.*s]", (int)n, b);
	} else if (sscanf(filename, "/tmp/perf-%d.map", &tid) == 1) {
		nm = xstrfmt("[JIT] tid %d", tid);
	} else {
		nm = xstrdup(path_basename(filename));
	}
	d->short_id = intern(&p->strs, nm);
	free(nm);
	*slot = (uint32_t)p->nr_dsos;
	return (uint32_t)p->nr_dsos++;
}

static struct symtab *dso_symbols(struct hist_priv *p, struct dso *d, struct strbuf *warn)
{
	struct sym_request rq;
	if (d->tried)
		return d->syms;
	d->tried = 1;
	if (p->o->no_symbols)
		return NULL;
	memset(&rq, 0, sizeof(rq));
	rq.path = p->strs.s[d->long_id];
	rq.file = d->file;
	rq.build_id = d->bid_size ? d->bid : NULL;
	rq.build_id_size = d->bid_size;
	rq.cache_dir = p->o->cache_dir;
	rq.debug_root = !p->o->debug_root   ? "/usr/lib/debug"
			: *p->o->debug_root ? p->o->debug_root
					    : NULL;
	rq.buildid_dir = !p->o->buildid_dir   ? p->home_debug
			 : *p->o->buildid_dir ? p->o->buildid_dir
					      : NULL;
	switch (d->kind) {
	case DSO_ELF:
		d->syms = symtab_load(&rq, warn);
		break;
	case DSO_VDSO:
		d->syms = symtab_load_vdso(&rq, warn);
		break;
	case DSO_JIT:
		d->syms = symtab_load_perfmap(rq.path);
		break;
	default:
		break;
	}
	return d->syms;
}

/* Build id of the running kernel from /sys/kernel/notes (0 when unknown). */
static size_t running_kernel_build_id(uint8_t *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t off = 0, n = 0;
	if (strbuf_read_file(&sb, "/sys/kernel/notes", 1 << 20) < 0) {
		strbuf_release(&sb);
		return 0;
	}
	while (off + 12 <= sb.len) {
		uint32_t namesz, descsz, type;
		size_t name_off = off + 12, desc_off;
		memcpy(&namesz, sb.buf + off, 4);
		memcpy(&descsz, sb.buf + off + 4, 4);
		memcpy(&type, sb.buf + off + 8, 4);
		desc_off = name_off + ((namesz + 3u) & ~3u);
		if (desc_off > sb.len || descsz > sb.len - desc_off)
			break;
		if (type == 3 && namesz == 4 && !memcmp(sb.buf + name_off, "GNU", 4)) {
			n = descsz < PD_BUILD_ID_MAX ? descsz : PD_BUILD_ID_MAX;
			memcpy(out, sb.buf + desc_off, n);
			break;
		}
		off = desc_off + ((descsz + 3u) & ~3u);
	}
	strbuf_release(&sb);
	return n;
}

static struct symtab *kernel_symbols(struct hist_priv *p, struct strbuf *warn)
{
	const struct pd_build_id *kb = NULL;
	char *path = NULL;
	if (p->kallsyms_tried)
		return p->kallsyms;
	p->kallsyms_tried = 1;
	if (p->o->no_symbols)
		return NULL;
	if (p->o->kallsyms) {
		p->kallsyms = symtab_load_kallsyms(p->o->kallsyms, p->o->cache_dir, warn);
		return p->kallsyms;
	}
	for (size_t i = 0; i < p->pf.nr_build_ids; i++)
		if (p->pf.build_ids[i].kernel &&
		    !strcmp(p->pf.build_ids[i].filename, "[kernel.kallsyms]"))
			kb = &p->pf.build_ids[i];
	if (kb) {
		char hex[2 * PD_BUILD_ID_MAX + 1];
		const char *dir = !p->o->buildid_dir   ? p->home_debug
				  : *p->o->buildid_dir ? p->o->buildid_dir
						       : NULL;
		pd_build_id_hex(kb->id, kb->size, hex);
		if (dir) {
			path = xstrfmt("%s/[kernel.kallsyms]/%s/kallsyms", dir, hex);
			if (access(path, R_OK)) {
				free(path);
				path = NULL;
			}
		}
		if (!path) {
			uint8_t now[PD_BUILD_ID_MAX];
			size_t n = running_kernel_build_id(now);
			if (n && (n != kb->size || memcmp(now, kb->id, n))) {
				strbuf_addstr(warn,
					      "the profile was recorded on another kernel: kernel "
					      "samples are shown as addresses\n");
				return NULL;
			}
		}
	}
	p->kallsyms =
	    symtab_load_kallsyms(path ? path : "/proc/kallsyms", p->o->cache_dir, warn);
	free(path);
	return p->kallsyms;
}

/* ---- pass 1: collect ---- */

static void push_sb(struct hist_priv *p, const struct sb_event *e)
{
	ALLOC_GROW(p->sb, p->nr_sb + 1, p->alloc_sb);
	p->sb[p->nr_sb++] = *e;
}

static uint64_t event_time(struct hist_priv *p, const struct pd_event *ev)
{
	if (ev->has_time)
		p->last_time = ev->time;
	return p->last_time;
}

/* A side-band event of `kind` with the record's time, order, pid and tid. */
static void sb_init(struct hist_priv *p, const struct pd_event *ev, int kind, struct sb_event *e)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->time = event_time(p, ev);
	e->seq = p->seq;
	e->pid = ev->pid;
	e->tid = ev->tid;
}

static void collect_mmap(struct hist_priv *p, const struct pd_event *ev)
{
	const char *fn = ev->u.mmap.filename;
	struct sb_event e;
	enum dso_kind kind = DSO_ELF;
	char *jit = NULL;
	struct dso *d;
	int kernel =
	    ev->cpumode == PERF_RECORD_MISC_KERNEL || ev->cpumode == PERF_RECORD_MISC_GUEST_KERNEL;

	sb_init(p, ev, SB_MMAP, &e);
	if (kernel)
		e.pid = KERNEL_PID;
	e.start = ev->u.mmap.start;
	e.len = ev->u.mmap.len;
	e.pgoff = ev->u.mmap.pgoff;
	if (kernel) {
		kind = !strncmp(fn, "[kernel.kallsyms]", 17) || !strncmp(fn, "[guest.kernel", 13)
			   ? DSO_KERNEL
			   : DSO_KMOD;
		if (kind == DSO_KERNEL)
			fn = "[kernel.kallsyms]";
	} else if (!strcmp(fn, "[vdso]")) {
		kind = DSO_VDSO;
		e.pgoff = 0;
	} else if (is_anon(fn) || is_no_dso(fn) || (ev->u.mmap.flags & 0x40000 /* MAP_HUGETLB */)) {
		if (ev->u.mmap.prot & PROT_EXEC) {
			jit = xstrfmt("/tmp/perf-%u.map", ev->pid);
			fn = jit;
			kind = DSO_JIT;
		} else {
			kind = DSO_NONE;
		}
	} else if (fn[0] == '[') {
		kind = DSO_NONE;
	}
	e.ref = dso_for(p, fn, kind);
	d = &p->dsos[e.ref];
	if (ev->u.mmap.build_id_size && !d->bid_size) {
		d->bid_size = ev->u.mmap.build_id_size;
		memcpy(d->bid, ev->u.mmap.build_id, d->bid_size);
	}
	free(jit);
	push_sb(p, &e);
}

static int collect(void *data, const struct pd_event *ev)
{
	struct hist_priv *p = data;
	struct sb_event e;
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
		collect_mmap(p, ev);
		break;
	case PERF_RECORD_COMM:
		sb_init(p, ev, SB_COMM, &e);
		e.ref = intern(&p->strs, ev->u.comm.comm);
		push_sb(p, &e);
		break;
	case PERF_RECORD_FORK:
		sb_init(p, ev, SB_FORK, &e);
		e.ppid = ev->u.fork.ppid;
		e.ptid = ev->u.fork.ptid;
		push_sb(p, &e);
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

/* ---- pass 2: replay in time order ---- */

static struct proc *proc_get(struct hist_priv *p, uint32_t pid, int add)
{
	uint32_t *slot = u64map_get(&p->proc_of_pid, pid, add, UINT32_MAX);
	if (!slot)
		return NULL;
	if (*slot == UINT32_MAX) {
		ALLOC_GROW(p->procs, p->nr_procs + 1, p->alloc_procs);
		memset(&p->procs[p->nr_procs], 0, sizeof(p->procs[0]));
		*slot = (uint32_t)p->nr_procs++;
	}
	return &p->procs[*slot];
}

/* machine__findnew_thread: a thread never named is ":<tid>" (pid 0 is "swapper"). */
static struct thread *thread_get(struct hist_priv *p, uint32_t pid, uint32_t tid)
{
	uint32_t *slot = u64map_get(&p->thread_of_tid, tid, 1, UINT32_MAX);
	struct thread *t;
	if (*slot == UINT32_MAX) {
		char name[32];
		ALLOC_GROW(p->threads, p->nr_threads + 1, p->alloc_threads);
		t = &p->threads[p->nr_threads];
		t->pid = pid;
		t->comm_set = 0;
		if (tid == 0)
			snprintf(name, sizeof(name), "swapper");
		else
			snprintf(name, sizeof(name), ":%u", tid);
		t->comm = intern(&p->strs, name);
		*slot = (uint32_t)p->nr_threads++;
		return t;
	}
	t = &p->threads[*slot];
	if (pid != UINT32_MAX)
		t->pid = pid;
	return t;
}

/* Insert m, clipping or splitting the mappings it overlaps (maps__fixup_overlappings). */
static void maps_insert(struct proc *pr, const struct map *m)
{
	size_t lo = 0, hi = pr->nr, i, j, tail, dest, total;
	struct map left, right;
	int has_left = 0, has_right = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pr->maps[mid].end <= m->start)
			lo = mid + 1;
		else
			hi = mid;
	}
	i = j = lo;
	while (j < pr->nr && pr->maps[j].start < m->end)
		j++;
	if (j > i) {
		if (pr->maps[i].start < m->start) {
			left = pr->maps[i];
			left.end = m->start;
			has_left = 1;
		}
		if (pr->maps[j - 1].end > m->end) {
			right = pr->maps[j - 1];
			right.pgoff += m->end - right.start;
			right.start = m->end;
			has_right = 1;
		}
	}
	tail = pr->nr - j;
	dest = i + (size_t)has_left + 1 + (size_t)has_right;
	total = dest + tail;
	ALLOC_GROW(pr->maps, total > pr->nr ? total : pr->nr, pr->alloc);
	memmove(&pr->maps[dest], &pr->maps[j], tail * sizeof(*pr->maps));
	if (has_left)
		pr->maps[i++] = left;
	pr->maps[i++] = *m;
	if (has_right)
		pr->maps[i] = right;
	pr->nr = total;
}

static const struct map *maps_find(const struct proc *pr, uint64_t ip)
{
	size_t lo = 0, hi = pr->nr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pr->maps[mid].start <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || ip >= pr->maps[lo - 1].end)
		return NULL;
	return &pr->maps[lo - 1];
}

static void apply_sb(struct hist_priv *p, const struct sb_event *e)
{
	p->gen++;
	switch (e->kind) {
	case SB_MMAP: {
		struct map m = {e->start, e->start + e->len, e->pgoff, e->ref};
		if (e->len && m.end > m.start)
			maps_insert(proc_get(p, e->pid, 1), &m);
		break;
	}
	case SB_COMM: {
		struct thread *t = thread_get(p, e->pid, e->tid);
		t->comm = e->ref;
		t->comm_set = 1;
		break;
	}
	case SB_FORK: {
		struct thread *parent = thread_get(p, e->ppid, e->ptid), *t;
		uint32_t comm = parent->comm;
		int set = parent->comm_set;
		t = thread_get(p, e->pid, e->tid);
		if (set) {
			t->comm = comm;
			t->comm_set = 1;
		}
		if (e->pid != e->ppid) {
			struct proc *pp = proc_get(p, e->ppid, 0);
			struct proc *cp = proc_get(p, e->pid, 1);
			pp = proc_get(p, e->ppid, 0); /* the array may have moved */
			if (pp && pp != cp && !cp->nr && pp->nr) {
				ALLOC_GROW(cp->maps, pp->nr, cp->alloc);
				memcpy(cp->maps, pp->maps, pp->nr * sizeof(*cp->maps));
				cp->nr = pp->nr;
			}
		}
		break;
	}
	}
}

struct hit {
	int has_dso;
	uint32_t dso, dso_short;
	long sym;
	struct symtab *tab;
	uint64_t addr;
	char level;
};

static void resolve(struct hist_priv *p, uint32_t pid, uint8_t cpumode, uint64_t ip, struct hit *h,
		    struct strbuf *warn)
{
	const struct proc *pr = NULL;
	const struct map *m;
	struct dso *d;
	memset(h, 0, sizeof(*h));
	h->sym = -1;
	h->addr = ip;
	switch (cpumode) {
	case PERF_RECORD_MISC_USER:
		h->level = '.';
		pr = proc_get(p, pid, 0);
		break;
	case PERF_RECORD_MISC_KERNEL:
		h->level = 'k';
		pr = proc_get(p, KERNEL_PID, 0);
		break;
	case PERF_RECORD_MISC_GUEST_KERNEL:
		h->level = 'g';
		return;
	case PERF_RECORD_MISC_GUEST_USER:
		h->level = 'u';
		return;
	default:
		h->level = 'H';
		return;
	}
	if (!pr || !(m = maps_find(pr, ip)))
		return;
	d = &p->dsos[m->dso];
	h->has_dso = 1;
	h->dso = m->dso;
	h->dso_short = d->short_id;
	h->addr = d->identity ? ip : ip - m->start + m->pgoff;
	if (d->kind == DSO_KERNEL || d->kind == DSO_KMOD) {
		struct symtab *k = kernel_symbols(p, warn);
		long i = k ? symtab_find(k, ip) : -1;
		if (i >= 0) {
			h->tab = k;
			h->sym = i;
			if (symtab_module(k, (size_t)i))
				h->dso_short = intern(&p->strs, symtab_module(k, (size_t)i));
		}
		return;
	}
	if (dso_symbols(p, d, warn)) {
		long i = symtab_find(d->syms, h->addr);
		if (i >= 0) {
			h->tab = d->syms;
			h->sym = i;
		}
	}
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
	if (c->used && c->gen == p->gen && c->ip == s->ip && c->pid == s->pid &&
	    c->attr == s->attr && c->cpumode == s->cpumode && c->comm == comm)
		return c->row;
	resolve(p, s->pid, s->cpumode, s->ip, &h, warn);
	memset(&key, 0, sizeof(key));
	key.attr = s->attr;
	key.comm = comm;
	key.level = (uint8_t)h.level;
	key.dso = h.has_dso ? h.dso : UINT32_MAX;
	key.dso_short = h.has_dso ? h.dso_short : UINT32_MAX;
	key.resolved = h.sym >= 0;
	key.sym = h.sym;
	key.kernel_syms = h.tab && h.tab == p->kallsyms;
	key.value = h.sym >= 0 ? h.tab->start[h.sym] : h.addr;
	/* perf's sort__sym_cmp compares addresses alone when neither side has a symbol */
	if (p->o->sort == HIST_SORT_SYM && !key.resolved)
		key.dso_short = UINT32_MAX - 1;
	row = agg_find_or_add(p, &key);
	c->used = 1;
	c->gen = p->gen;
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
	return a->kernel_syms ? p->kallsyms : p->dsos[a->dso].syms;
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
		resolve(p, s->pid, mode, ip, &h, warn);
		if (h.sym >= 0) {
			frames[n++] = symtab_pretty(h.tab, (size_t)h.sym);
		} else if (h.has_dso) {
			const char *d = p->strs.s[h.dso_short];
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

static int cmp_sb(const void *a, const void *b)
{
	const struct sb_event *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
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
	if (p->nr_sb)
		qsort(p->sb, p->nr_sb, sizeof(*p->sb), cmp_sb);
	p->cache = xcalloc(CACHE_SLOTS, sizeof(*p->cache));
	thread_get(p, 0, 0); /* perf names the idle task "swapper" */
	while (i < p->nr_sb || j < p->nr_smp) {
		const struct smp *s = j < p->nr_smp ? &p->smp[order[j]] : NULL;
		const struct sb_event *e = i < p->nr_sb ? &p->sb[i] : NULL;
		struct thread *t;
		uint32_t row, comm;
		if (e && (!s || e->time < s->time || (e->time == s->time && e->seq < s->seq))) {
			apply_sb(p, e);
			i++;
			continue;
		}
		j++;
		t = thread_get(p, s->pid, s->tid);
		comm = t->comm;
		row = sample_row(p, s, p->o->sort == HIST_SORT_COMM_DSO_SYM ? comm : 0, &r->warn);
		p->aggs[row].samples++;
		p->aggs[row].period += s->period;
		if (p->o->folded && s->cc_nr) {
			uint32_t id;
			fold(p, s, p->strs.s[comm], &r->warn, &stack);
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
		row->comm = p->o->sort == HIST_SORT_COMM_DSO_SYM ? p->strs.s[a->comm] : NULL;
		row->dso = a->dso_short < UINT32_MAX - 1 ? p->strs.s[a->dso_short]
			   : a->dso != UINT32_MAX	 ? p->strs.s[p->dsos[a->dso].short_id]
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
	const char *home = getenv("HOME");
	p->o = o;
	p->home_debug = home && *home ? xstrfmt("%s/.debug", home) : NULL;
	if (pd_iterate(&p->pf, collect, p, err))
		return -1;
	/* build ids from the header, for DSOs whose mmap did not carry one */
	for (size_t i = 0; i < p->pf.nr_build_ids; i++) {
		const struct pd_build_id *b = &p->pf.build_ids[i];
		uint32_t lid = intern(&p->strs, b->filename);
		uint32_t *slot = u64map_get(&p->dso_by_long, lid, 0, 0);
		if (slot && !p->dsos[*slot].bid_size && b->size) {
			p->dsos[*slot].bid_size = b->size;
			memcpy(p->dsos[*slot].bid, b->id, b->size);
		}
	}
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
		for (size_t i = 0; i < p->nr_dsos; i++)
			symtab_free(p->dsos[i].syms);
		free(p->dsos);
		symtab_free(p->kallsyms);
		u64map_release(&p->dso_by_long);
		free(p->sb);
		free(p->smp);
		free(p->cc);
		for (size_t i = 0; i < p->nr_procs; i++)
			free(p->procs[i].maps);
		free(p->procs);
		u64map_release(&p->proc_of_pid);
		free(p->threads);
		u64map_release(&p->thread_of_tid);
		free(p->home_debug);
		free(p->aggs);
		free(p->agg_hash);
		free(p->agg_slot);
		free(p->cache);
		interner_release(&p->stacks);
		free(p->stack_count);
		for (size_t i = 0; i < p->nr_owned; i++)
			free(p->owned[i]);
		free(p->owned);
		interner_release(&p->strs);
		pd_close(&p->pf);
		free(p);
	}
	memset(r, 0, sizeof(*r));
}
