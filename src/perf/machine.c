/*
 * machine.c: the machine a perf.data file describes, rebuilt from its
 * side-band records (see machine.h): DSOs and their symbol tables, mappings
 * per process, comm names per thread, and an address resolved to (DSO,
 * symbol) as they are at that point of the replay.
 */
#include "perf/machine.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include "banned.h"

#define KERNEL_PID 0xffffffffu

/* ---- string interning and hash maps ---- */

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

uint32_t intern(struct interner *in, const char *s)
{
	return intern_n(in, s, strlen(s));
}

void interner_release(struct interner *in)
{
	for (size_t i = 0; i < in->nr; i++)
		free(in->s[i]);
	free(in->s);
	free(in->hash);
	free(in->slot);
	memset(in, 0, sizeof(*in));
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
static uint32_t dso_for(struct machine *mach, const char *filename, enum dso_kind kind)
{
	uint32_t lid = intern(&mach->strs, filename);
	uint32_t *slot = u64map_get(&mach->dso_by_long, lid, 1, UINT32_MAX);
	struct dso *d;
	const struct dso_alias *al;
	int tid;
	char *nm = NULL;
	if (*slot != UINT32_MAX)
		return *slot;
	ALLOC_GROW(mach->dsos, mach->nr_dsos + 1, mach->alloc_dsos);
	d = &mach->dsos[mach->nr_dsos];
	memset(d, 0, sizeof(*d));
	d->long_id = lid;
	d->kind = kind;
	d->identity = kind == DSO_JIT || kind == DSO_NONE || kind == DSO_KERNEL || kind == DSO_KMOD;
	al = find_alias(mach->o, filename);
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
	d->short_id = intern(&mach->strs, nm);
	free(nm);
	*slot = (uint32_t)mach->nr_dsos;
	return (uint32_t)mach->nr_dsos++;
}

static struct symtab *dso_symbols(struct machine *mach, struct dso *d, struct strbuf *warn)
{
	struct sym_request rq;
	if (d->tried)
		return d->syms;
	d->tried = 1;
	if (mach->o->no_symbols)
		return NULL;
	memset(&rq, 0, sizeof(rq));
	rq.path = mach->strs.s[d->long_id];
	rq.file = d->file;
	rq.build_id = d->bid_size ? d->bid : NULL;
	rq.build_id_size = d->bid_size;
	rq.cache_dir = mach->o->cache_dir;
	rq.debug_root = !mach->o->debug_root   ? "/usr/lib/debug"
			: *mach->o->debug_root ? mach->o->debug_root
					       : NULL;
	rq.buildid_dir = !mach->o->buildid_dir	 ? mach->home_debug
			 : *mach->o->buildid_dir ? mach->o->buildid_dir
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

static struct symtab *kernel_symbols(struct machine *mach, struct strbuf *warn)
{
	const struct pd_build_id *kb = NULL;
	char *path = NULL;
	if (mach->kallsyms_tried)
		return mach->kallsyms;
	mach->kallsyms_tried = 1;
	if (mach->o->no_symbols)
		return NULL;
	if (mach->o->kallsyms) {
		mach->kallsyms = symtab_load_kallsyms(mach->o->kallsyms, mach->o->cache_dir, warn);
		return mach->kallsyms;
	}
	for (size_t i = 0; i < mach->pf->nr_build_ids; i++)
		if (mach->pf->build_ids[i].kernel &&
		    !strcmp(mach->pf->build_ids[i].filename, "[kernel.kallsyms]"))
			kb = &mach->pf->build_ids[i];
	if (kb) {
		char hex[2 * PD_BUILD_ID_MAX + 1];
		const char *dir = !mach->o->buildid_dir	  ? mach->home_debug
				  : *mach->o->buildid_dir ? mach->o->buildid_dir
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
	mach->kallsyms =
	    symtab_load_kallsyms(path ? path : "/proc/kallsyms", mach->o->cache_dir, warn);
	free(path);
	return mach->kallsyms;
}

/* ---- pass 1: collect ---- */

static void push_sb(struct machine *mach, const struct sb_event *e)
{
	ALLOC_GROW(mach->sb, mach->nr_sb + 1, mach->alloc_sb);
	mach->sb[mach->nr_sb++] = *e;
}

/* A side-band event of `kind` with the record's time, order, pid and tid. */
static void sb_init(const struct pd_event *ev, int kind, uint64_t time, uint32_t seq,
		    struct sb_event *e)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->time = time;
	e->seq = seq;
	e->pid = ev->pid;
	e->tid = ev->tid;
}

static void collect_mmap(struct machine *mach, const struct pd_event *ev, uint64_t time,
			 uint32_t seq)
{
	const char *fn = ev->u.mmap.filename;
	struct sb_event e;
	enum dso_kind kind = DSO_ELF;
	char *jit = NULL;
	struct dso *d;
	int kernel =
	    ev->cpumode == PERF_RECORD_MISC_KERNEL || ev->cpumode == PERF_RECORD_MISC_GUEST_KERNEL;

	sb_init(ev, SB_MMAP, time, seq, &e);
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
	e.ref = dso_for(mach, fn, kind);
	d = &mach->dsos[e.ref];
	if (ev->u.mmap.build_id_size && !d->bid_size) {
		d->bid_size = ev->u.mmap.build_id_size;
		memcpy(d->bid, ev->u.mmap.build_id, d->bid_size);
	}
	free(jit);
	push_sb(mach, &e);
}

void machine_collect(struct machine *mach, const struct pd_event *ev, uint64_t time, uint32_t seq)
{
	struct sb_event e;
	switch (ev->type) {
	case PERF_RECORD_MMAP:
	case PERF_RECORD_MMAP2:
		collect_mmap(mach, ev, time, seq);
		break;
	case PERF_RECORD_COMM:
		sb_init(ev, SB_COMM, time, seq, &e);
		e.ref = intern(&mach->strs, ev->u.comm.comm);
		push_sb(mach, &e);
		break;
	case PERF_RECORD_FORK:
		sb_init(ev, SB_FORK, time, seq, &e);
		e.ppid = ev->u.fork.ppid;
		e.ptid = ev->u.fork.ptid;
		push_sb(mach, &e);
		break;
	default:
		break;
	}
}

void machine_header_build_ids(struct machine *mach)
{
	for (size_t i = 0; i < mach->pf->nr_build_ids; i++) {
		const struct pd_build_id *b = &mach->pf->build_ids[i];
		uint32_t lid = intern(&mach->strs, b->filename);
		uint32_t *slot = u64map_get(&mach->dso_by_long, lid, 0, 0);
		if (slot && !mach->dsos[*slot].bid_size && b->size) {
			mach->dsos[*slot].bid_size = b->size;
			memcpy(mach->dsos[*slot].bid, b->id, b->size);
		}
	}
}

/* ---- pass 2: replay in time order ---- */

static struct proc *proc_get(struct machine *mach, uint32_t pid, int add)
{
	uint32_t *slot = u64map_get(&mach->proc_of_pid, pid, add, UINT32_MAX);
	if (!slot)
		return NULL;
	if (*slot == UINT32_MAX) {
		ALLOC_GROW(mach->procs, mach->nr_procs + 1, mach->alloc_procs);
		memset(&mach->procs[mach->nr_procs], 0, sizeof(mach->procs[0]));
		*slot = (uint32_t)mach->nr_procs++;
	}
	return &mach->procs[*slot];
}

/* machine__findnew_thread: a thread never named is ":<tid>" (pid 0 is "swapper"). */
struct thread *machine_thread(struct machine *mach, uint32_t pid, uint32_t tid)
{
	uint32_t *slot = u64map_get(&mach->thread_of_tid, tid, 1, UINT32_MAX);
	struct thread *t;
	if (*slot == UINT32_MAX) {
		char name[32];
		ALLOC_GROW(mach->threads, mach->nr_threads + 1, mach->alloc_threads);
		t = &mach->threads[mach->nr_threads];
		t->pid = pid;
		t->comm_set = 0;
		if (tid == 0)
			snprintf(name, sizeof(name), "swapper");
		else
			snprintf(name, sizeof(name), ":%u", tid);
		t->comm = intern(&mach->strs, name);
		*slot = (uint32_t)mach->nr_threads++;
		return t;
	}
	t = &mach->threads[*slot];
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

void machine_apply(struct machine *mach, const struct sb_event *e)
{
	mach->gen++;
	switch (e->kind) {
	case SB_MMAP: {
		struct map m = {e->start, e->start + e->len, e->pgoff, e->ref};
		if (e->len && m.end > m.start)
			maps_insert(proc_get(mach, e->pid, 1), &m);
		break;
	}
	case SB_COMM: {
		struct thread *t = machine_thread(mach, e->pid, e->tid);
		t->comm = e->ref;
		t->comm_set = 1;
		break;
	}
	case SB_FORK: {
		struct thread *parent = machine_thread(mach, e->ppid, e->ptid), *t;
		uint32_t comm = parent->comm;
		int set = parent->comm_set;
		t = machine_thread(mach, e->pid, e->tid);
		if (set) {
			t->comm = comm;
			t->comm_set = 1;
		}
		if (e->pid != e->ppid) {
			struct proc *pp = proc_get(mach, e->ppid, 0);
			struct proc *cp = proc_get(mach, e->pid, 1);
			pp = proc_get(mach, e->ppid, 0); /* the array may have moved */
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

void machine_resolve(struct machine *mach, uint32_t pid, uint8_t cpumode, uint64_t ip,
		     struct hit *h, struct strbuf *warn)
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
		pr = proc_get(mach, pid, 0);
		break;
	case PERF_RECORD_MISC_KERNEL:
		h->level = 'k';
		pr = proc_get(mach, KERNEL_PID, 0);
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
	d = &mach->dsos[m->dso];
	h->has_dso = 1;
	h->dso = m->dso;
	h->dso_short = d->short_id;
	h->addr = d->identity ? ip : ip - m->start + m->pgoff;
	if (d->kind == DSO_KERNEL || d->kind == DSO_KMOD) {
		struct symtab *k = kernel_symbols(mach, warn);
		long i = k ? symtab_find(k, ip) : -1;
		if (i >= 0) {
			h->tab = k;
			h->sym = i;
			if (symtab_module(k, (size_t)i))
				h->dso_short = intern(&mach->strs, symtab_module(k, (size_t)i));
		}
		return;
	}
	if (dso_symbols(mach, d, warn)) {
		long i = symtab_find(d->syms, h->addr);
		if (i >= 0) {
			h->tab = d->syms;
			h->sym = i;
		}
	}
}

static int cmp_sb(const void *a, const void *b)
{
	const struct sb_event *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void machine_replay_start(struct machine *mach)
{
	if (mach->nr_sb)
		qsort(mach->sb, mach->nr_sb, sizeof(*mach->sb), cmp_sb);
	machine_thread(mach, 0, 0); /* perf names the idle task "swapper" */
}

void machine_init(struct machine *mach, const struct hist_opts *o, const struct pd_file *pf)
{
	const char *home = getenv("HOME");
	mach->o = o;
	mach->pf = pf;
	mach->home_debug = home && *home ? xstrfmt("%s/.debug", home) : NULL;
}

void machine_release(struct machine *mach)
{
	for (size_t i = 0; i < mach->nr_dsos; i++)
		symtab_free(mach->dsos[i].syms);
	free(mach->dsos);
	symtab_free(mach->kallsyms);
	u64map_release(&mach->dso_by_long);
	free(mach->sb);
	for (size_t i = 0; i < mach->nr_procs; i++)
		free(mach->procs[i].maps);
	free(mach->procs);
	u64map_release(&mach->proc_of_pid);
	free(mach->threads);
	u64map_release(&mach->thread_of_tid);
	free(mach->home_debug);
	interner_release(&mach->strs);
	memset(mach, 0, sizeof(*mach));
}
