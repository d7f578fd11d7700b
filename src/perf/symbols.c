/*
 * symbols.c: symbol tables from ELF files, kallsyms, JIT maps and the vdso,
 * plus the on-disk symbol cache.
 *
 * The rules follow linux tools/perf/util/symbol-elf.c (dso__load_sym) and
 * symbol.c (symbols__fixup_end, symbols__fixup_duplicate,
 * choose_best_symbol) so that perfloop resolves a sample to the symbol perf
 * report would name.
 *
 * Symbol cache file (one per symbol source, <cache>/<key>.sym, native byte
 * order). ELF names are not copied: the cache keeps each name's offset in the
 * ELF string table it came from, and a load checks that table is still where
 * and as large as it was. A kallsyms table has no file to point into, so its
 * names and module names are kept in the cache file (the pool).
 *
 *   struct symcache_hdr {
 *       char     magic[8];     "PLSYMS\0" + format version byte
 *       uint32_t endian;       0x01020304 as written
 *       uint32_t hdr_size;     sizeof(struct symcache_hdr)
 *       char     key[96];      the cache key, NUL-terminated
 *       uint64_t nr;           symbols
 *       uint64_t hash;         XXH3-64 of the payload
 *       uint64_t str_off, str_size;   file offset and size of the names' string table
 *       uint64_t dyn_off, dyn_size;   the same for .dynstr (PLT names), 0 when none
 *       uint64_t pool_size;    bytes of names in this file (kallsyms), 0 for ELF
 *       uint32_t demangle;     names are mangled
 *       uint32_t has_module;   a module array is there (kallsyms)
 *       uint64_t alias_nr;     alias groups (ELF)
 *       uint64_t alias_members; symbols in them
 *   };
 *   payload: uint64_t start[nr]; uint32_t size[nr]; uint32_t name_off[nr]
 *            (a SYM_ALIAS entry: its group); uint8_t flags[nr]; zero
 *            padding to a multiple of 8;
 *            with has_module: uint32_t module_off[nr] (in the pool,
 *            SYM_NO_MODULE for none), padding to 8;
 *            with alias_nr: uint32_t alias_first[alias_nr + 1], padding to 8;
 *            uint32_t alias_name[alias_members], padding to 8;
 *            uint8_t alias_bind[alias_members], padding to 8;
 *            with pool_size: the pool (NUL-terminated names), padding to 8.
 *
 * Version 6 added the alias groups: older files (whose groups were resolved
 * when written) are not read, and are rewritten.
 *
 * A cache file is used only when its size is exactly what nr, has_module and
 * pool_size say, the hash matches, the string tables are those of the files
 * opened now (or the pool ends with a NUL), and every name offset is inside
 * its table (checked when a name is read). Anything else is ignored and the
 * file rewritten.
 */
#include "perf/symbols.h"

#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <libiberty/demangle.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <xxhash.h>

#include "perf/perfdata.h"
#include "banned.h"

#define CACHE_MAGIC   "PLSYMS\0\6"
#define CACHE_ENDIAN  0x01020304u
#define CACHE_KEY_MAX 96
#define CACHE_ENTRY   17 /* bytes per symbol in the payload */

struct symcache_hdr {
	char magic[8];
	uint32_t endian;
	uint32_t hdr_size;
	char key[CACHE_KEY_MAX];
	uint64_t nr;
	uint64_t hash;
	uint64_t str_off, str_size;
	uint64_t dyn_off, dyn_size;
	uint64_t pool_size;
	uint32_t demangle;
	uint32_t has_module;
	uint64_t alias_nr, alias_members;
};

/* ---- small helpers ---- */

/* Sort keys[] ascending by 8 bits a pass, moving idx[] along; stable. */
static void radix_sort_pairs(uint64_t *keys, uint32_t *idx, size_t n)
{
	uint64_t *ks = keys, *kd, all_or = 0, all_and = ~(uint64_t)0;
	uint32_t *is = idx, *id;
	if (n < 2)
		return;
	for (size_t i = 0; i < n; i++) {
		all_or |= keys[i];
		all_and &= keys[i];
	}
	kd = xmalloc(n * sizeof(*kd));
	id = xmalloc(n * sizeof(*id));
	for (int shift = 0; shift < 64; shift += 8) {
		size_t count[256] = {0}, pos = 0;
		uint64_t *tk;
		uint32_t *ti;
		/* a byte that is the same in every key cannot reorder anything */
		if (!(((all_or ^ all_and) >> shift) & 0xff))
			continue;
		for (size_t i = 0; i < n; i++)
			count[(ks[i] >> shift) & 0xff]++;
		for (int b = 0; b < 256; b++) {
			size_t c = count[b];
			count[b] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t d = count[(ks[i] >> shift) & 0xff]++;
			kd[d] = ks[i];
			id[d] = is[i];
		}
		tk = ks;
		ks = kd;
		kd = tk;
		ti = is;
		is = id;
		id = ti;
	}
	if (ks != keys) {
		memcpy(keys, ks, n * sizeof(*keys));
		memcpy(idx, is, n * sizeof(*idx));
		free(ks);
		free(is);
	} else {
		free(kd);
		free(id);
	}
}

/*
 * Sort n values by their bits 32..63 (stable: the low bits, a symbol's
 * index, stay in order among equal keys), 11 bits a pass, passes over bits
 * that are the same in every value skipped: a 200k-symbol table whose
 * starts span 27 bits takes three passes over one array.
 */
static void radix_sort_high32(uint64_t *v, size_t n)
{
	uint64_t *src = v, *dst, *tmp, all_or = 0, all_and = ~(uint64_t)0;
	size_t count[2048];
	if (n < 2)
		return;
	for (size_t i = 0; i < n; i++) {
		all_or |= v[i];
		all_and &= v[i];
	}
	dst = xmalloc(n * sizeof(*dst));
	for (int shift = 32; shift < 64; shift += 11) {
		size_t pos = 0;
		if (!(((all_or ^ all_and) >> shift) & 0x7ff))
			continue;
		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < n; i++)
			count[(src[i] >> shift) & 0x7ff]++;
		for (int b = 0; b < 2048; b++) {
			size_t c = count[b];
			count[b] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 0x7ff]++] = src[i];
		tmp = src;
		src = dst;
		dst = tmp;
	}
	if (src != v) {
		memcpy(v, src, n * sizeof(*v));
		free(src);
	} else {
		free(dst);
	}
}

void radix_sort_u64(uint64_t *keys, uint32_t *idx, size_t n)
{
	uint64_t lo = ~(uint64_t)0, hi = 0;
	if (n < 2)
		return;
	for (size_t i = 0; i < n; i++) {
		lo = keys[i] < lo ? keys[i] : lo;
		hi = keys[i] > hi ? keys[i] : hi;
	}
	if (hi - lo > UINT32_MAX) {
		radix_sort_pairs(keys, idx, n);
		return;
	}
	/* (key - lo, idx) in one word: one array to sort, not two */
	for (size_t i = 0; i < n; i++)
		keys[i] = (keys[i] - lo) << 32 | idx[i];
	radix_sort_high32(keys, n);
	for (size_t i = 0; i < n; i++) {
		idx[i] = (uint32_t)keys[i];
		keys[i] = (keys[i] >> 32) + lo;
	}
}

/*
 * A legacy Rust symbol: _ZN...17h<16 hex>E, perhaps followed by ".suffix"es
 * that LLVM and GCC add (".llvm.<n>" from ThinLTO, ".cold", ".lto_priv.0").
 * libiberty's Rust demangler skips such suffixes the same way: back from the
 * end to the last 'E' that a '.' follows.
 */
static int rust_legacy(const char *s, size_t n)
{
	int dot = 1;
	if (strncmp(s, "_ZN", 3))
		return 0;
	while (n > 0 && !(dot && s[n - 1] == 'E')) {
		dot = s[n - 1] == '.';
		n--;
	}
	if (n < 24 || strncmp(s + n - 20, "17h", 3))
		return 0;
	for (size_t i = n - 17; i < n - 1; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

const char *sym_language(const char *raw)
{
	if (!raw || raw[0] != '_')
		return NULL;
	if (raw[1] == 'R' || rust_legacy(raw, strlen(raw)))
		return "rust";
	return raw[1] == 'Z' ? "c++" : NULL;
}

char *sym_demangle(const char *raw)
{
	char *d, *r;
	size_t n;
	int style;
	if (!raw || raw[0] != '_' ||
	    (raw[1] != 'Z' && raw[1] != 'R' && strncmp(raw, "_GLOBAL_", 8)))
		return NULL;
	/*
	 * libiberty's automatic style tries Rust first, then C++; pick the one
	 * it would end with (same result, without parsing C++ names as Rust).
	 */
	n = strlen(raw);
	style = raw[1] == 'R' || rust_legacy(raw, n) ? DMGL_AUTO : DMGL_GNU_V3;
	d = cplus_demangle(raw, style);
	if (!d)
		return NULL;
	/* perf's rust_demangle_sym: drop a legacy "::h<16 hex>" hash if one is left */
	n = strlen(d);
	if (n > 19 && !strncmp(d + n - 19, "::h", 3)) {
		int hex = 1;
		for (size_t i = n - 16; i < n; i++)
			if (!isxdigit((unsigned char)d[i]))
				hex = 0;
		if (hex)
			d[n - 19] = '\0';
	}
	r = xstrdup(d);
	free(d);
	return r;
}

/* ---- symbols at one address ---- */

static int underscores(const char *s)
{
	int n = 0;
	while (s[n] == '_')
		n++;
	return n;
}

/* Name perf gives the symbol when choosing between duplicates (demangled). */
static const char *dup_name(char **cache, const char *raw, int demangle)
{
	if (!demangle)
		return raw;
	if (!*cache) {
		char *d = sym_demangle(raw);
		*cache = d ? d : xstrdup(raw);
	}
	return *cache;
}

/*
 * perf's choose_best_symbol up to the names (sizes a and b, bindings ba and
 * bb): 1 keeps a, 0 keeps b, -1 when only the names can tell.
 */
static int choose_by_kind(uint64_t a, uint8_t ba, uint64_t b, uint8_t bb)
{
	if (b == 0 && a > 0)
		return 1;
	if (a == 0 && b > 0)
		return 0;
	if (bb == STB_WEAK && ba != STB_WEAK)
		return 1;
	if (ba == STB_WEAK && bb != STB_WEAK)
		return 0;
	if (ba == STB_GLOBAL && bb != STB_GLOBAL)
		return 1;
	if (bb == STB_GLOBAL && ba != STB_GLOBAL)
		return 0;
	return -1;
}

/* perf's choose_best_symbol: 1 keeps a, 0 keeps b. */
static int choose_a(uint64_t sa, uint8_t ba, char **na_cache, const char *ra, uint64_t sb,
		    uint8_t bb, char **nb_cache, const char *rb, int demangle)
{
	int k = choose_by_kind(sa, ba, sb, bb), a, b;
	const char *na, *nb;
	size_t la, lb;
	if (k >= 0)
		return k;
	na = dup_name(na_cache, ra, demangle);
	nb = dup_name(nb_cache, rb, demangle);
	a = underscores(na);
	b = underscores(nb);
	if (b > a)
		return 1;
	if (a > b)
		return 0;
	la = strlen(na);
	lb = strlen(nb);
	if (la > lb)
		return 1;
	if (la < lb)
		return 0;
	if (!strncmp(na, "SyS", 3) || !strncmp(na, "compat_SyS", 10))
		return 0;
	return 1;
}

/*
 * perf's choice among n symbols at one address (sizes, bindings, raw
 * names), comparing each in turn with the best so far. Returns the index of
 * the one kept; *shown gets its demangled name when it was computed.
 */
static size_t choose_among(size_t n, const uint32_t *size, size_t size_stride, const uint8_t *bind,
			   const char *const *raw, int demangle, char **shown)
{
	size_t best = 0;
	char *best_name = NULL;
	for (size_t j = 1; j < n; j++) {
		char *j_name = NULL;
		if (!choose_a(size[best * size_stride], bind[best], &best_name, raw[best],
			      size[j * size_stride], bind[j], &j_name, raw[j], demangle)) {
			best = j;
			free(best_name);
			best_name = j_name;
		} else {
			free(j_name);
		}
	}
	if (shown)
		*shown = best_name;
	else
		free(best_name);
	return best;
}

static void aliases_init(struct symtab *t)
{
	if (!t->alias_nr)
		return;
	t->aliases = xcalloc(1, sizeof(*t->aliases));
	t->aliases->winner = xcalloc(t->alias_nr, sizeof(*t->aliases->winner));
	t->aliases->shown = xcalloc(t->alias_nr, sizeof(*t->aliases->shown));
}

static void choices_save(const struct symtab *t);

static void aliases_free(struct symtab *t)
{
	if (!t->aliases)
		return;
	choices_save(t);
	free(t->aliases->path);
	for (size_t g = 0; g < t->alias_nr; g++)
		free(t->aliases->shown[g]);
	free(t->aliases->winner);
	free(t->aliases->shown);
	free(t->aliases);
	t->aliases = NULL;
}

static const char *strtab_at(const struct symtab *t, uint32_t off)
{
	return t->strtab && off < t->strtab_size ? t->strtab + off : "";
}

/*
 * The member perf keeps of the alias group of entry i (a SYM_ALIAS entry),
 * chosen on first use as finish_symbols would have: its index in the alias
 * arrays, or -1 when a cached group is damaged.
 */
static long alias_member(const struct symtab *t, size_t i)
{
	uint32_t g = t->name[i], first, end;
	const char **raw;
	size_t n, k;
	if (g >= t->alias_nr || !t->aliases)
		return -1;
	first = t->alias_first[g];
	end = t->alias_first[g + 1];
	if (first >= end || end > t->alias_members)
		return -1;
	/* a choice read from a file is checked: inside its group, else made again */
	if (t->aliases->winner[g] > first && t->aliases->winner[g] <= end)
		return (long)t->aliases->winner[g] - 1;
	n = end - first;
	raw = xmalloc(n * sizeof(*raw));
	for (k = 0; k < n; k++)
		raw[k] = strtab_at(t, t->alias_name[first + k]);
	/* a group is made only where all sizes are equal: t->size[i] is each one's */
	k = choose_among(n, &t->size[i], 0, t->alias_bind + first, raw, 1, &t->aliases->shown[g]);
	free(raw);
	t->aliases->winner[g] = first + (uint32_t)k + 1;
	t->aliases->chosen++;
	return (long)(first + k);
}

/* Give t its arrays (owned by t). */
static void set_arrays(struct symtab *t, size_t n, uint64_t *start, uint32_t *size, uint32_t *name,
		       uint8_t *flags)
{
	for (int i = 0; i < 4; i++)
		free(t->own[i]);
	t->nr = n;
	t->start = t->own[0] = start;
	t->size = t->own[1] = size;
	t->name = t->own[2] = name;
	t->flags = t->own[3] = flags;
}

/* ---- the table ---- */

static struct symtab *symtab_new(void)
{
	struct symtab *t = xcalloc(1, sizeof(*t));
	t->fd = t->fd2 = -1;
	return t;
}

void symtab_free(struct symtab *t)
{
	if (!t)
		return;
	aliases_free(t);
	for (size_t i = 0; i < t->pretty_cap; i++)
		free(t->pretty_val[i]);
	free(t->pretty_key);
	free(t->pretty_val);
	for (size_t i = 0; i < ARRAY_SIZE(t->own); i++)
		free(t->own[i]);
	if (t->map)
		munmap(t->map, t->map_len);
	if (t->elf)
		elf_end(t->elf);
	if (t->fd >= 0)
		close(t->fd);
	if (t->elf2)
		elf_end(t->elf2);
	if (t->fd2 >= 0)
		close(t->fd2);
	free(t->pool);
	free(t);
}

const char *symtab_module(const struct symtab *t, size_t i)
{
	if (!t->module || i >= t->nr || t->module[i] == SYM_NO_MODULE ||
	    t->module[i] >= t->strtab_size)
		return NULL;
	return t->strtab + t->module[i];
}

const char *symtab_name(const struct symtab *t, size_t i)
{
	int plt;
	if (i >= t->nr)
		return "";
	plt = t->flags[i] & SYM_PLT;
	if (!plt && (t->flags[i] & SYM_ALIAS)) {
		long k = alias_member(t, i);
		return k < 0 ? "" : strtab_at(t, t->alias_name[k]);
	}
	/* offsets of a cached table are checked here, when used */
	if (plt ? !t->dynstr || t->name[i] >= t->dynstr_size
		: !t->strtab || t->name[i] >= t->strtab_size)
		return "";
	return (plt ? t->dynstr : t->strtab) + t->name[i];
}

long symtab_find(const struct symtab *t, uint64_t addr)
{
	size_t lo = 0, hi;
	long i;
	if (!t || !t->nr)
		return -1;
	hi = t->nr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->start[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return -1;
	i = (long)lo - 1;
	/* perf's symbols__find: [start, end), or exactly start for a zero-sized symbol */
	if (addr - t->start[i] < t->size[i] || (addr == t->start[i] && !t->size[i]))
		/*
		 * The latest start wins: in a PLT entry that is the entry
		 * (fopen@plt), even where the zero-sized _init before .plt
		 * grew over it when ends were fixed up; perf 6.1 names one or
		 * the other depending on its rb-tree's shape.
		 */
		return i;
	/* a larger symbol may enclose a smaller one just before addr */
	for (long j = i - 1, k = 0; j >= 0 && k < 16; j--, k++)
		if (addr - t->start[j] < t->size[j])
			return j;
	return -1;
}

static char *make_pretty(const struct symtab *t, size_t i)
{
	const char *raw = symtab_name(t, i);
	char *d;
	/* the name chosen among aliases was demangled to be chosen */
	if (t->demangle && (t->flags[i] & (SYM_PLT | SYM_ALIAS)) == SYM_ALIAS &&
	    t->name[i] < t->alias_nr && t->aliases && t->aliases->shown[t->name[i]]) {
		d = t->aliases->shown[t->name[i]];
		t->aliases->shown[t->name[i]] = NULL;
		return d;
	}
	d = t->demangle ? sym_demangle(raw) : NULL;
	if (t->flags[i] & SYM_PLT) {
		char *r = xstrfmt("%s@plt", d ? d : raw);
		free(d);
		return r;
	}
	return d ? d : xstrdup(raw);
}

const char *symtab_pretty(struct symtab *t, size_t i)
{
	size_t j;
	if (i >= t->nr)
		return "";
	/* a small hash of the names shown so far: tables are large, few names are shown */
	if (2 * (t->pretty_nr + 1) > t->pretty_cap) {
		size_t cap = t->pretty_cap ? t->pretty_cap * 2 : 64;
		uint32_t *key = xcalloc(cap, sizeof(*key));
		char **val = xcalloc(cap, sizeof(*val));
		for (size_t k = 0; k < t->pretty_cap; k++) {
			if (!t->pretty_val[k])
				continue;
			for (j = (t->pretty_key[k] * 2654435761u) & (cap - 1); val[j];
			     j = (j + 1) & (cap - 1))
				;
			key[j] = t->pretty_key[k];
			val[j] = t->pretty_val[k];
		}
		free(t->pretty_key);
		free(t->pretty_val);
		t->pretty_key = key;
		t->pretty_val = val;
		t->pretty_cap = cap;
	}
	for (j = ((uint32_t)i * 2654435761u) & (t->pretty_cap - 1); t->pretty_val[j];
	     j = (j + 1) & (t->pretty_cap - 1))
		if (t->pretty_key[j] == (uint32_t)i)
			return t->pretty_val[j];
	t->pretty_key[j] = (uint32_t)i;
	t->pretty_val[j] = make_pretty(t, i);
	t->pretty_nr++;
	return t->pretty_val[j];
}

/* ---- ELF ---- */

struct sec {
	uint64_t addr, offset, size;
	uint32_t type, link, name;
	uint64_t flags;
};

struct elfsrc {
	int fd;
	Elf *elf;
	GElf_Ehdr ehdr;
	size_t shnum;
	struct sec *secs;
	const char *shstr;
	size_t shstr_len;
	struct load {
		uint64_t vaddr, memsz, offset;
	} * load;
	size_t nload;
	int symtab, dynsym; /* section indexes, 0 when absent */
};

static const char *sec_name(const struct elfsrc *s, const struct sec *sh)
{
	if (!s->shstr || sh->name >= s->shstr_len)
		return "";
	return s->shstr + sh->name;
}

static void elfsrc_close(struct elfsrc *s)
{
	free(s->secs);
	free(s->load);
	if (s->elf)
		elf_end(s->elf);
	if (s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

static int elfsrc_init(struct elfsrc *s)
{
	size_t shstrndx, phnum;
	Elf_Scn *scn = NULL;
	if (elf_kind(s->elf) != ELF_K_ELF || !gelf_getehdr(s->elf, &s->ehdr))
		return -1;
	if (elf_getshdrnum(s->elf, &s->shnum) || elf_getshdrstrndx(s->elf, &shstrndx))
		return -1;
	s->secs = xcalloc(s->shnum + 1, sizeof(*s->secs));
	while ((scn = elf_nextscn(s->elf, scn))) {
		GElf_Shdr sh;
		size_t i = elf_ndxscn(scn);
		if (i >= s->shnum || !gelf_getshdr(scn, &sh))
			continue;
		s->secs[i].addr = sh.sh_addr;
		s->secs[i].offset = sh.sh_offset;
		s->secs[i].size = sh.sh_size;
		s->secs[i].type = sh.sh_type;
		s->secs[i].flags = sh.sh_flags;
		s->secs[i].link = sh.sh_link;
		s->secs[i].name = sh.sh_name;
	}
	if (shstrndx < s->shnum) {
		Elf_Data *d = elf_getdata(elf_getscn(s->elf, shstrndx), NULL);
		if (d && d->d_buf && d->d_size && ((const char *)d->d_buf)[d->d_size - 1] == '\0') {
			s->shstr = d->d_buf;
			s->shstr_len = d->d_size;
		}
	}
	for (size_t i = 1; i < s->shnum; i++) {
		const char *n = sec_name(s, &s->secs[i]);
		if (s->secs[i].type == SHT_SYMTAB && !strcmp(n, ".symtab"))
			s->symtab = (int)i;
		else if (s->secs[i].type == SHT_DYNSYM && !strcmp(n, ".dynsym"))
			s->dynsym = (int)i;
	}
	if (!elf_getphdrnum(s->elf, &phnum)) {
		s->load = xcalloc(phnum + 1, sizeof(*s->load));
		for (size_t i = 0; i < phnum; i++) {
			GElf_Phdr ph;
			if (!gelf_getphdr(s->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
				continue;
			s->load[s->nload].vaddr = ph.p_vaddr;
			s->load[s->nload].memsz = ph.p_memsz;
			s->load[s->nload].offset = ph.p_offset;
			s->nload++;
		}
	}
	return 0;
}

static int elfsrc_open(struct elfsrc *s, const char *path)
{
	memset(s, 0, sizeof(*s));
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return -1;
	s->elf = elf_begin(s->fd, ELF_C_READ_MMAP, NULL);
	if (!s->elf || elfsrc_init(s)) {
		elfsrc_close(s);
		return -1;
	}
	return 0;
}

static int elfsrc_mem(struct elfsrc *s, const void *image, size_t size)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->elf = elf_memory((char *)image, size);
	if (!s->elf || elfsrc_init(s)) {
		elfsrc_close(s);
		return -1;
	}
	return 0;
}

static int elf_build_id(Elf *elf, uint8_t *out, size_t max)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t off = 0, name_off, desc_off;
		GElf_Nhdr nh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d)
			continue;
		while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp((const char *)d->d_buf + name_off, "GNU", 4)) {
				size_t n = nh.n_descsz < max ? nh.n_descsz : max;
				memcpy(out, (const char *)d->d_buf + desc_off, n);
				return (int)n;
			}
		}
	}
	return 0;
}

int elf_file_build_id(const char *path, uint8_t *out, size_t max)
{
	struct elfsrc s;
	int n;
	if (elfsrc_open(&s, path))
		return -1;
	n = elf_build_id(s.elf, out, max);
	elfsrc_close(&s);
	return n;
}

static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/*
 * Symbols being collected, before sorting: 18 bytes each, as a 200k-symbol
 * table spends more time faulting in memory than doing anything else. Names
 * are offsets from `base` (the string table, below 4 GiB).
 */
struct symvec {
	uint64_t *start;
	uint32_t *size, *name;
	uint8_t *bind, *flags;
	size_t nr, alloc;
	const char *base;
};

static void symvec_push(struct symvec *v, uint64_t start, uint64_t size, const char *name,
			uint8_t bind, uint8_t flags)
{
	if (v->nr >= v->alloc) {
		v->alloc = v->alloc ? v->alloc * 2 : 1024;
		v->start = xrealloc(v->start, v->alloc * sizeof(*v->start));
		v->size = xrealloc(v->size, v->alloc * sizeof(*v->size));
		v->name = xrealloc(v->name, v->alloc * sizeof(*v->name));
		v->bind = xrealloc(v->bind, v->alloc * sizeof(*v->bind));
		v->flags = xrealloc(v->flags, v->alloc * sizeof(*v->flags));
	}
	v->start[v->nr] = start;
	v->size[v->nr] = clamp32(size);
	v->name[v->nr] = (uint32_t)(name - v->base);
	v->bind[v->nr] = bind;
	v->flags[v->nr] = flags;
	v->nr++;
}

/* Room for n symbols at once: growing by doubling copies and faults in more pages. */
static void symvec_reserve(struct symvec *v, size_t n)
{
	if (n <= v->alloc)
		return;
	v->alloc = n;
	v->start = xrealloc(v->start, n * sizeof(*v->start));
	v->size = xrealloc(v->size, n * sizeof(*v->size));
	v->name = xrealloc(v->name, n * sizeof(*v->name));
	v->bind = xrealloc(v->bind, n * sizeof(*v->bind));
	v->flags = xrealloc(v->flags, n * sizeof(*v->flags));
}

static void symvec_release(struct symvec *v)
{
	free(v->start);
	free(v->size);
	free(v->name);
	free(v->bind);
	free(v->flags);
	memset(v, 0, sizeof(*v));
}

/* perf's elf_sec__filter: a label counts only in a text or data section */
static int sec_is_text_or_data(const char *name)
{
	return strstr(name, "text") || strstr(name, "data");
}

/* Symbol value to file offset: through the PT_LOAD that holds it, else its section. */
static uint64_t to_file_offset(const struct elfsrc *run, const struct sec *sh, uint64_t v)
{
	for (size_t i = 0; run && i < run->nload; i++)
		if (v >= run->load[i].vaddr && v - run->load[i].vaddr < run->load[i].memsz)
			return v - run->load[i].vaddr + run->load[i].offset;
	return v - (sh->addr - sh->offset);
}

/*
 * Map in the pages of [p, p + len) of a mapped file in one call (Linux 5.14's
 * MADV_POPULATE_READ) rather than a fault every few pages: the symbol table
 * is read whole. Best effort: older kernels say EINVAL and fault as before.
 */
static void populate(const void *p, size_t len)
{
#ifdef MADV_POPULATE_READ
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)4095;
	if (len)
		madvise((void *)a, (uintptr_t)p + len - a, MADV_POPULATE_READ);
#else
	(void)p;
	(void)len;
#endif
}

/* dso__load_sym_internal over one symbol table section of `syms`. */
static void read_symbols(struct elfsrc *syms, struct elfsrc *run, int secidx, struct symvec *v)
{
	Elf_Data *d, *strd;
	const struct sec *symsec = &syms->secs[secidx];
	const char *strs;
	size_t strs_len, n;
	Elf64_Sym *native = NULL;
	int8_t *label_ok;

	if (symsec->link >= syms->shnum)
		return;
	d = elf_getdata(elf_getscn(syms->elf, (size_t)secidx), NULL);
	strd = elf_getdata(elf_getscn(syms->elf, symsec->link), NULL);
	if (!d || !strd || !strd->d_buf || !strd->d_size)
		return;
	strs = strd->d_buf;
	strs_len = strd->d_size;
	if (strs != v->base) /* names are kept as offsets in the table's strtab */
		return;
	/* names must end inside the table */
	while (strs_len && strs[strs_len - 1] != '\0')
		strs_len--;
	populate(d->d_buf, d->d_size);
	if (gelf_getclass(syms->elf) == ELFCLASS64 && d->d_type == ELF_T_SYM &&
	    !((uintptr_t)d->d_buf & 7)) {
		native = d->d_buf;
		n = d->d_size / sizeof(Elf64_Sym);
	} else {
		n = d->d_size / gelf_fsize(syms->elf, ELF_T_SYM, 1, EV_CURRENT);
	}
	symvec_reserve(v, v->nr + n);
	/* per section, whether a label there counts (-1: not known yet): not a strstr a symbol */
	label_ok = xmalloc(2 * (syms->shnum + 1));
	memset(label_ok, -1, 2 * (syms->shnum + 1));
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		unsigned type, bind, vis;
		int is_func, is_obj, is_label;
		const struct sec *sh;
		const struct elfsrc *names_of = syms;
		uint64_t value;
		if (native) {
			sym.st_name = native[i].st_name;
			sym.st_info = native[i].st_info;
			sym.st_other = native[i].st_other;
			sym.st_shndx = native[i].st_shndx;
			sym.st_value = native[i].st_value;
			sym.st_size = native[i].st_size;
		} else if (!gelf_getsym(d, (int)i, &sym)) {
			continue;
		}
		if (!sym.st_name || sym.st_name >= strs_len || sym.st_shndx == SHN_UNDEF)
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		bind = GELF_ST_BIND(sym.st_info);
		vis = GELF_ST_VISIBILITY(sym.st_other);
		is_func = type == STT_FUNC || type == STT_GNU_IFUNC;
		is_obj = type == STT_OBJECT;
		is_label = type == STT_NOTYPE && sym.st_shndx != SHN_ABS && vis != STV_HIDDEN &&
			   vis != STV_INTERNAL;
		if (!is_func && !is_obj && !is_label)
			continue;
		if (sym.st_shndx == SHN_ABS || sym.st_shndx >= SHN_LORESERVE ||
		    sym.st_shndx >= syms->shnum)
			continue;
		sh = &syms->secs[sym.st_shndx];
		if (!(sh->flags & SHF_ALLOC))
			continue;
		/* a debug file has no bytes for NOBITS sections: use the runtime's headers */
		if (sh->type == SHT_NOBITS && run && run != syms && sym.st_shndx < run->shnum) {
			sh = &run->secs[sym.st_shndx];
			names_of = run;
		}
		if (is_label) {
			int8_t *ok = &label_ok[2 * sym.st_shndx + (names_of != syms)];
			if (*ok < 0)
				*ok = (int8_t)sec_is_text_or_data(sec_name(names_of, sh));
			if (!*ok)
				continue;
		}
		value = to_file_offset(run ? run : syms, sh, sym.st_value);
		symvec_push(v, value, sym.st_size, strs + sym.st_name, (uint8_t)bind, 0);
	}
	free(label_ok);
}

/* Alias groups being collected (see struct symtab). */
struct aliasvec {
	uint32_t *first, *name;
	uint8_t *bind;
	size_t nr, members, first_alloc, alloc;
};

static void aliasvec_add(struct aliasvec *al, const struct symvec *v, const uint32_t *idx, size_t n)
{
	if (al->nr + 2 > al->first_alloc) {
		al->first_alloc = al->first_alloc ? 2 * al->first_alloc : 1024;
		al->first = xrealloc(al->first, al->first_alloc * sizeof(*al->first));
	}
	if (al->members + n > al->alloc) {
		al->alloc = al->alloc ? 2 * al->alloc : 4096;
		if (al->alloc < al->members + n)
			al->alloc = al->members + n;
		al->name = xrealloc(al->name, al->alloc * sizeof(*al->name));
		al->bind = xrealloc(al->bind, al->alloc);
	}
	al->first[al->nr++] = (uint32_t)al->members;
	for (size_t k = 0; k < n; k++) {
		al->name[al->members] = v->name[idx[k]];
		al->bind[al->members++] = v->bind[idx[k]];
	}
}

/* Give t the groups (owned by t). */
static void aliasvec_finish(struct aliasvec *al, struct symtab *t)
{
	aliases_free(t);
	for (int i = 5; i < 8; i++) {
		free(t->own[i]);
		t->own[i] = NULL;
	}
	t->alias_nr = al->nr;
	t->alias_members = al->members;
	t->alias_first = t->alias_name = NULL;
	t->alias_bind = NULL;
	if (!al->nr) {
		free(al->first);
		free(al->name);
		free(al->bind);
		return;
	}
	al->first[al->nr] = (uint32_t)al->members;
	t->alias_first = t->own[5] = al->first;
	t->alias_name = t->own[6] = al->name;
	t->alias_bind = t->own[7] = al->bind;
	aliases_init(t);
}

/*
 * Sort the collected symbols (stable), extend zero-sized ones to the next
 * start (symbols__fixup_end) and keep one symbol per address
 * (symbols__fixup_duplicate), into t. Names are offsets from `base`.
 */
static void finish_symbols(struct symtab *t, struct symvec *v, int kallsyms, const char **module_of)
{
	size_t n = v->nr, out = 0;
	int sorted = 1;
	/*
	 * The collected starts are sorted in place and become the table's; the
	 * sort's index becomes the names; sizes are fixed up in place: on a
	 * 200k-symbol table, page faults are most of the cost, so no array is
	 * made that the table does not keep.
	 */
	uint64_t *keys = n ? v->start : xmalloc(sizeof(*keys));
	uint32_t *idx = xmalloc((n + 1) * sizeof(*idx));
	uint32_t *size = xmalloc((n + 1) * sizeof(*size)), *module = NULL;
	uint8_t *flags = xmalloc(n + 1), *gather_bind = NULL;
	const char **gather_raw = NULL;
	size_t gather_alloc = 0;
	struct aliasvec al = {0};

	for (size_t i = 1; i < n && sorted; i++)
		sorted = v->start[i - 1] <= v->start[i];
	if (n)
		v->start = NULL; /* the table's now */
	for (size_t i = 0; i < n; i++)
		idx[i] = (uint32_t)i;
	/* kallsyms come sorted: a stable sort would change nothing */
	if (!sorted)
		radix_sort_u64(keys, idx, n);
	for (size_t i = 0; i < n; i++)
		size[i] = v->size[idx[i]];
	for (size_t i = 1; i < n; i++) {
		if (size[i - 1])
			continue;
		/* the last symbol of the kernel or of a module ends at the next page */
		if (kallsyms && (!module_of[idx[i - 1]] != !module_of[idx[i]]))
			size[i - 1] =
			    clamp32((keys[i - 1] + 4096 + 4095) / 4096 * 4096 - keys[i - 1]);
		else
			size[i - 1] = clamp32(keys[i] - keys[i - 1]);
	}
	if (n && !size[n - 1])
		size[n - 1] = clamp32((keys[n - 1] + 4095) / 4096 * 4096 + 4096 - keys[n - 1]);
	if (module_of)
		module = xmalloc((n + 1) * sizeof(*module));
	/* one symbol per address, compacted in place (out <= i: nothing unread is overwritten) */
	for (size_t i = 0; i < n;) {
		size_t best = i, j = i + 1;
		int names = 0, same_size = 1;
		uint32_t b;
		for (; j < n && keys[j] == keys[i]; j++) {
			int c;
			same_size &= size[j] == size[i];
			if (names)
				continue;
			c = choose_by_kind(size[best], v->bind[idx[best]], size[j],
					   v->bind[idx[j]]);
			if (c < 0)
				names = 1;
			else if (!c)
				best = j;
		}
		if (names && t->demangle && same_size && !module_of) {
			/*
			 * perf compares demangled names here: demangling every such
			 * group (Rust generics folded into one body, C++ constructor
			 * aliases) was most of a cold load, and few get a sample.
			 */
			aliasvec_add(&al, v, idx + i, j - i);
			keys[out] = keys[i];
			size[out] = size[i];
			idx[out] = (uint32_t)(al.nr - 1);
			flags[out] = SYM_ALIAS;
			out++;
			i = j;
			continue;
		}
		if (names) {
			if (j - i > gather_alloc) {
				gather_alloc = j - i;
				gather_bind = xrealloc(gather_bind, gather_alloc);
				gather_raw =
				    xrealloc(gather_raw, gather_alloc * sizeof(*gather_raw));
			}
			for (size_t k = i; k < j; k++) {
				gather_bind[k - i] = v->bind[idx[k]];
				gather_raw[k - i] = v->base + v->name[idx[k]];
			}
			best = i + choose_among(j - i, size + i, 1, gather_bind, gather_raw,
						t->demangle, NULL);
		}
		b = idx[best];
		keys[out] = keys[best];
		size[out] = size[best];
		idx[out] = v->name[b];
		flags[out] = v->flags[b];
		if (module_of)
			module[out] =
			    module_of[b] ? (uint32_t)(module_of[b] - v->base) : SYM_NO_MODULE;
		out++;
		i = j;
	}
	free(gather_bind);
	free(gather_raw);
	set_arrays(t, out, keys, size, idx, flags);
	free(t->own[4]);
	t->module = t->own[4] = module;
	aliasvec_finish(&al, t);
}

/* Insert PLT symbols (sorted by start; after equal starts, as perf's rb-tree does). */
static void merge_plt(struct symtab *t, const uint64_t *pstart, uint32_t psize,
		      const uint32_t *pname, size_t n)
{
	size_t total = t->nr + n, i = 0, j = 0, k = 0;
	uint64_t *start = xmalloc((total + 1) * sizeof(*start));
	uint32_t *size = xmalloc((total + 1) * sizeof(*size));
	uint32_t *name = xmalloc((total + 1) * sizeof(*name));
	uint8_t *flags = xcalloc(total + 1, 1);
	while (i < t->nr || j < n) {
		if (j >= n || (i < t->nr && t->start[i] <= pstart[j])) {
			start[k] = t->start[i];
			size[k] = t->size[i];
			name[k] = t->name[i];
			flags[k] = t->flags[i];
			i++;
		} else {
			start[k] = pstart[j];
			size[k] = psize;
			name[k] = pname[j];
			flags[k] = SYM_PLT;
			j++;
		}
		k++;
	}
	set_arrays(t, total, start, size, name, flags);
}

/* A string table section's data (NUL-terminated at its end) and where it is in the file. */
static const char *string_table(struct elfsrc *s, size_t idx, uint64_t *off, uint64_t *size)
{
	Elf_Data *d;
	if (!idx || idx >= s->shnum)
		return NULL;
	d = elf_getdata(elf_getscn(s->elf, idx), NULL);
	if (!d || !d->d_buf || !d->d_size || ((const char *)d->d_buf)[d->d_size - 1] != '\0')
		return NULL;
	*off = s->secs[idx].offset;
	*size = d->d_size;
	return d->d_buf;
}

/*
 * dso__synthesize_plt_symbols as in perf 6.1: one "name@plt" entry per
 * .rela.plt/.rel.plt relocation, after a header of one entry.
 */
static void synthesize_plt(struct symtab *t, struct elfsrc *run)
{
	int plt = 0, rel = 0;
	Elf_Data *reld, *symd;
	GElf_Shdr psh, rsh;
	uint64_t entsize, off, nrel, *starts;
	uint32_t *names;
	const char *strs;
	size_t n = 0;

	if (!run->dynsym)
		return;
	for (size_t i = 1; i < run->shnum; i++) {
		const char *nm = sec_name(run, &run->secs[i]);
		if (!strcmp(nm, ".plt"))
			plt = (int)i;
		else if (!rel && (!strcmp(nm, ".rela.plt") || !strcmp(nm, ".rel.plt")))
			rel = (int)i;
	}
	if (!plt || !rel || run->secs[rel].link != (uint32_t)run->dynsym)
		return;
	if (!gelf_getshdr(elf_getscn(run->elf, (size_t)plt), &psh) ||
	    !gelf_getshdr(elf_getscn(run->elf, (size_t)rel), &rsh) || !psh.sh_entsize ||
	    !rsh.sh_entsize || (rsh.sh_type != SHT_RELA && rsh.sh_type != SHT_REL) ||
	    psh.sh_entsize > UINT32_MAX)
		return;
	strs = t->dynstr;
	reld = elf_getdata(elf_getscn(run->elf, (size_t)rel), NULL);
	symd = elf_getdata(elf_getscn(run->elf, (size_t)run->dynsym), NULL);
	if (!strs || !reld || !symd || t->dynstr_size > UINT32_MAX)
		return;
	entsize = psh.sh_entsize;
	nrel = rsh.sh_size / rsh.sh_entsize;
	off = run->secs[plt].offset + entsize; /* a header, then the entries */
	starts = xcalloc(nrel + 1, sizeof(*starts));
	names = xcalloc(nrel + 1, sizeof(*names));
	for (uint64_t i = 0; i < nrel; i++) {
		GElf_Rela ra;
		GElf_Rel rl;
		GElf_Sym sym;
		uint64_t symidx;
		if (rsh.sh_type == SHT_RELA) {
			if (!gelf_getrela(reld, (int)i, &ra))
				break;
			symidx = GELF_R_SYM(ra.r_info);
		} else {
			if (!gelf_getrel(reld, (int)i, &rl))
				break;
			symidx = GELF_R_SYM(rl.r_info);
		}
		names[n] = gelf_getsym(symd, (int)symidx, &sym) && sym.st_name < t->dynstr_size
			       ? (uint32_t)sym.st_name
			       : (uint32_t)(t->dynstr_size - 1);
		starts[n++] = off;
		off += entsize;
	}
	merge_plt(t, starts, (uint32_t)entsize, names, n);
	free(starts);
	free(names);
}

/* The symbol table perf would read: a debug file's .symtab, the file's own, else .dynsym. */
static struct elfsrc *symbol_source(struct elfsrc *syms, struct elfsrc *run, int *sec)
{
	if (syms && syms->symtab) {
		*sec = syms->symtab;
		return syms;
	}
	if (run->symtab) {
		*sec = run->symtab;
		return run;
	}
	*sec = run->dynsym;
	return run;
}

/*
 * Build the table from `syms` (a debug file with the symbol table, or NULL)
 * and `run` (the file that was mapped).
 */
static struct symtab *load_elf(struct elfsrc *syms, struct elfsrc *run)
{
	struct symtab *t = symtab_new();
	struct symvec v = {0};
	int sec;
	struct elfsrc *from = symbol_source(syms, run, &sec);
	t->demangle = 1;
	if (sec) {
		t->strtab =
		    string_table(from, from->secs[sec].link, &t->strtab_off, &t->strtab_size);
		v.base = t->strtab;
		if (t->strtab && t->strtab_size <= UINT32_MAX)
			read_symbols(from, run, sec, &v);
	}
	finish_symbols(t, &v, 0, NULL);
	symvec_release(&v);
	/* the cache checks both string tables, so record .dynstr whether or not there is a PLT */
	if (run->dynsym) {
		t->dynstr =
		    string_table(run, run->secs[run->dynsym].link, &t->dynstr_off, &t->dynstr_size);
		if (!t->dynstr)
			t->dynstr_off = t->dynstr_size = 0;
	}
	synthesize_plt(t, run);
	return t;
}

struct symtab *symtab_load_mem(const void *image, size_t size, int demangle)
{
	struct elfsrc s;
	struct symtab *t;
	if (elf_version(EV_CURRENT) == EV_NONE || elfsrc_mem(&s, image, size))
		return NULL;
	t = load_elf(NULL, &s);
	t->demangle = demangle;
	t->elf = s.elf;
	s.elf = NULL;
	elfsrc_close(&s);
	return t;
}

/* ---- the symbol cache ---- */

static char *cache_path(const char *dir, const char *key)
{
	return xstrfmt("%s/%s.sym", dir, key);
}

static size_t pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Where the names of a cached ELF table are: the string tables of the files opened now. */
struct names_ref {
	const char *strtab, *dynstr;
	uint64_t str_off, str_size, dyn_off, dyn_size;
};

/* Bytes of the alias groups in a cache file. */
static uint64_t alias_bytes(uint64_t groups, uint64_t members)
{
	if (!groups)
		return 0;
	return pad8((size_t)(groups + 1) * 4) + pad8((size_t)members * 4) + pad8((size_t)members);
}

/* Bytes after the header: the arrays, the module array, the alias groups, the pool. */
static uint64_t payload_size(const struct symcache_hdr *h)
{
	return pad8((size_t)h->nr * CACHE_ENTRY) + (h->has_module ? pad8((size_t)h->nr * 4) : 0) +
	       alias_bytes(h->alias_nr, h->alias_members) + pad8((size_t)h->pool_size);
}

/*
 * Map <dir>/<key>.sym. With `ref`, an ELF table: the names are in the string
 * tables `ref` gives, which must be where and as large as when it was
 * written. Without, the names are in the file's pool. The arrays are used in
 * place; name offsets are checked when a name is read.
 */
static struct symtab *symcache_load(const char *dir, const char *key, const struct names_ref *ref)
{
	char *path = cache_path(dir, key);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	unsigned char *map;
	const struct symcache_hdr *h;
	struct symtab *t;
	const unsigned char *payload, *pool;
	uint64_t nr, plen;
	free(path);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(*h)) {
		close(fd);
		return NULL;
	}
	/* all of it is read (hashed): one call maps every page, not a fault each few */
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return NULL;
	h = (const struct symcache_hdr *)map;
	nr = h->nr;
	if (memcmp(h->magic, CACHE_MAGIC, 8) || h->endian != CACHE_ENDIAN ||
	    h->hdr_size != sizeof(*h) || strncmp(h->key, key, CACHE_KEY_MAX) ||
	    nr > (uint64_t)st.st_size / CACHE_ENTRY || h->pool_size > (uint64_t)st.st_size ||
	    h->has_module > 1 || h->alias_nr > nr || h->alias_members > (uint64_t)st.st_size / 5 ||
	    (!h->alias_nr && h->alias_members))
		goto bad;
	plen = payload_size(h);
	if (sizeof(*h) + plen != (uint64_t)st.st_size)
		goto bad;
	if (ref ? h->pool_size || h->has_module || h->str_off != ref->str_off ||
		      h->str_size != ref->str_size || h->dyn_off != ref->dyn_off ||
		      h->dyn_size != ref->dyn_size
		: !h->pool_size || h->alias_nr)
		goto bad;
	payload = map + sizeof(*h);
	pool = payload + plen - pad8((size_t)h->pool_size);
	if ((h->pool_size && pool[h->pool_size - 1] != '\0') ||
	    XXH3_64bits(payload, (size_t)plen) != h->hash)
		goto bad;
	t = symtab_new();
	t->map = map;
	t->map_len = (size_t)st.st_size;
	t->nr = (size_t)nr;
	t->start = (const uint64_t *)payload;
	t->size = (const uint32_t *)(payload + 8 * nr);
	t->name = t->size + nr;
	t->flags = (const uint8_t *)(t->name + nr);
	if (h->has_module)
		t->module = (const uint32_t *)(payload + pad8((size_t)nr * CACHE_ENTRY));
	if (h->alias_nr) {
		const unsigned char *a = payload + pad8((size_t)nr * CACHE_ENTRY);
		t->alias_nr = (size_t)h->alias_nr;
		t->alias_members = (size_t)h->alias_members;
		t->alias_first = (const uint32_t *)a;
		a += pad8((t->alias_nr + 1) * 4);
		t->alias_name = (const uint32_t *)a;
		t->alias_bind = a + pad8(t->alias_members * 4);
		aliases_init(t);
	}
	t->demangle = (int)h->demangle;
	t->from_cache = 1;
	t->cache_hash = h->hash;
	if (ref) {
		t->strtab = ref->strtab;
		t->strtab_off = ref->str_off;
		t->strtab_size = ref->strtab ? ref->str_size : 0;
		t->dynstr = ref->dynstr;
		t->dynstr_off = ref->dyn_off;
		t->dynstr_size = ref->dynstr ? ref->dyn_size : 0;
	} else {
		t->strtab = (const char *)pool;
		t->strtab_size = h->pool_size;
	}
	return t;
bad:
	munmap(map, (size_t)st.st_size);
	return NULL;
}

/*
 * Write t to the cache (best effort: a failure only costs the next load).
 * `names` are t's name offsets in `pool` when there is one (kallsyms), with
 * `modules` there too; else t's own, in its ELF string tables. The parts are
 * hashed and written where they are, without a copy.
 */
static uint64_t symcache_save(const char *dir, const char *key, const struct symtab *t,
			      const uint32_t *names, const uint32_t *modules, const char *pool,
			      size_t pool_size)
{
	static const char zeros[8];
	struct symcache_hdr h;
	struct iovec iov[16];
	XXH3_state_t *xs;
	size_t nv = 0, len = 0, want;
	char *path, *tmp;
	int fd;

#define PART(p, n)                                                                                 \
	do {                                                                                       \
		iov[nv].iov_base = (void *)(p);                                                    \
		iov[nv++].iov_len = (n);                                                           \
	} while (0)
	memset(&h, 0, sizeof(h));
	PART(&h, sizeof(h));
	PART(t->start, 8 * t->nr);
	PART(t->size, 4 * t->nr);
	PART(names, 4 * t->nr);
	PART(t->flags, t->nr);
	PART(zeros, pad8(17 * t->nr) - 17 * t->nr);
	if (modules) {
		PART(modules, 4 * t->nr);
		PART(zeros, pad8(4 * t->nr) - 4 * t->nr);
	}
	if (t->alias_nr) {
		size_t groups = t->alias_nr + 1, members = t->alias_members;
		PART(t->alias_first, 4 * groups);
		PART(zeros, pad8(4 * groups) - 4 * groups);
		PART(t->alias_name, 4 * members);
		PART(zeros, pad8(4 * members) - 4 * members);
		PART(t->alias_bind, members);
		PART(zeros, pad8(members) - members);
	}
	if (pool_size) {
		PART(pool, pool_size);
		PART(zeros, pad8(pool_size) - pool_size);
	}
#undef PART
	xs = XXH3_createState();
	if (!xs)
		return 0;
	XXH3_64bits_reset(xs);
	for (size_t i = 1; i < nv; i++) {
		XXH3_64bits_update(xs, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	memcpy(h.magic, CACHE_MAGIC, 8);
	h.endian = CACHE_ENDIAN;
	h.hdr_size = sizeof(h);
	snprintf(h.key, sizeof(h.key), "%s", key);
	h.nr = t->nr;
	h.hash = XXH3_64bits_digest(xs);
	XXH3_freeState(xs);
	if (!pool_size) {
		h.str_off = t->strtab_off;
		h.str_size = t->strtab_size;
		h.dyn_off = t->dynstr_off;
		h.dyn_size = t->dynstr_size;
	}
	h.pool_size = pool_size;
	h.demangle = (uint32_t)t->demangle;
	h.has_module = modules != NULL;
	h.alias_nr = t->alias_nr;
	h.alias_members = t->alias_members;
	want = sizeof(h) + len;

	if (mkdir_p(dir, 0755))
		return h.hash;
	path = cache_path(dir, key);
	tmp = xstrfmt("%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		/* a short write leaves a file of the wrong size, which no load accepts */
		int ok = writev(fd, iov, (int)nv) == (ssize_t)want;
		if (close(fd) || !ok || rename(tmp, path))
			unlink(tmp);
	}
	free(tmp);
	free(path);
	return h.hash;
}

/*
 * The alias groups chosen so far, kept beside a cache file in
 * <cache>/<key>.alias so that the next load does not demangle them again:
 *
 *   struct { char magic[8] "PLALIAS\1"; uint64_t tag;  the cache file's hash
 *            uint64_t nr;  groups; uint64_t hash;  XXH3-64 of winner[] }
 *   uint32_t winner[nr];  1 + the member kept (index in the alias arrays), 0: not chosen
 *
 * Read when the table is loaded, written when it is freed if it chose more.
 * A choice outside its group is made again; a file of another cache, size or
 * hash is ignored.
 */
struct choices_hdr {
	char magic[8];
	uint64_t tag, nr, hash;
};

#define CHOICES_MAGIC "PLALIAS\1"

static void choices_load(struct symtab *t, const char *dir, const char *key, uint64_t tag)
{
	struct choices_hdr h;
	size_t bytes = t->alias_nr * sizeof(*t->aliases->winner);
	int fd;
	if (!t->aliases)
		return;
	t->aliases->path = xstrfmt("%s/%s.alias", dir, key);
	t->aliases->tag = tag;
	fd = open(t->aliases->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (read(fd, &h, sizeof(h)) != (ssize_t)sizeof(h) || memcmp(h.magic, CHOICES_MAGIC, 8) ||
	    h.tag != tag || h.nr != t->alias_nr ||
	    read(fd, t->aliases->winner, bytes) != (ssize_t)bytes ||
	    XXH3_64bits(t->aliases->winner, bytes) != h.hash)
		memset(t->aliases->winner, 0, bytes);
	close(fd);
}

static void choices_save(const struct symtab *t)
{
	struct choices_hdr h;
	struct iovec iov[2];
	char *tmp;
	int fd;
	if (!t->aliases->path || !t->aliases->chosen)
		return;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, CHOICES_MAGIC, 8);
	h.tag = t->aliases->tag;
	h.nr = t->alias_nr;
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = t->aliases->winner;
	iov[1].iov_len = t->alias_nr * sizeof(*t->aliases->winner);
	h.hash = XXH3_64bits(iov[1].iov_base, iov[1].iov_len);
	tmp = xstrfmt("%s.%d.tmp", t->aliases->path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		int ok = writev(fd, iov, 2) == (ssize_t)(iov[0].iov_len + iov[1].iov_len);
		if (close(fd) || !ok || rename(tmp, t->aliases->path))
			unlink(tmp);
	}
	free(tmp);
}

/* ---- finding the files of a DSO ---- */

static int bid_equal(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	return na == nb && na && !memcmp(a, b, na);
}

static const char *strip_deleted(const char *path, char **tofree)
{
	size_t n = strlen(path);
	*tofree = NULL;
	if (n > 10 && !strcmp(path + n - 10, " (deleted)")) {
		*tofree = xstrndup(path, n - 10);
		return *tofree;
	}
	return path;
}

/* Open `path` as the runtime file; 0 when its build id is acceptable. */
static int open_runtime(struct elfsrc *run, const char *path, const struct sym_request *rq,
			int must_match, uint8_t *bid, int *nbid)
{
	if (elfsrc_open(run, path))
		return -1;
	*nbid = elf_build_id(run->elf, bid, PD_BUILD_ID_MAX);
	if (must_match && rq->build_id_size &&
	    !bid_equal(bid, (size_t)*nbid, rq->build_id, rq->build_id_size)) {
		elfsrc_close(run);
		return -1;
	}
	return 0;
}

static void keep_open(struct symtab *t, struct elfsrc *run, struct elfsrc *dbg)
{
	t->elf = run->elf;
	t->fd = run->fd;
	run->elf = NULL;
	run->fd = -1;
	elfsrc_close(run);
	if (dbg && dbg->elf) {
		t->elf2 = dbg->elf;
		t->fd2 = dbg->fd;
		dbg->elf = NULL;
		dbg->fd = -1;
		elfsrc_close(dbg);
	}
}

struct symtab *symtab_load(const struct sym_request *rq, struct strbuf *warn)
{
	uint8_t bid[PD_BUILD_ID_MAX];
	int nbid = 0;
	char hex[2 * PD_BUILD_ID_MAX + 1];
	char *alloc = NULL, *cache_copy = NULL, *debug = NULL, *key = NULL;
	const char *path = strip_deleted(rq->path, &alloc);
	struct elfsrc run, dbg;
	struct symtab *t = NULL;
	int have_dbg = 0, opened;

	memset(&run, 0, sizeof(run));
	memset(&dbg, 0, sizeof(dbg));
	run.fd = dbg.fd = -1;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	if (rq->build_id_size && rq->build_id) {
		pd_build_id_hex(rq->build_id, rq->build_id_size, hex);
		if (rq->buildid_dir) {
			/* perf's link is a directory holding "elf" (a plain file in old perf) */
			cache_copy =
			    xstrfmt("%s/.build-id/%.2s/%s/elf", rq->buildid_dir, hex, hex + 2);
			if (access(cache_copy, R_OK))
				cache_copy[strlen(cache_copy) - 4] = '\0';
		}
		if (rq->debug_root)
			debug = xstrfmt("%s/.build-id/%.2s/%s.debug", rq->debug_root, hex, hex + 2);
	}

	/* the bytes that ran: a stored copy, the path, or perf's build-id cache */
	opened = (rq->file && !open_runtime(&run, rq->file, rq, 0, bid, &nbid)) ||
		 !open_runtime(&run, path, rq, 1, bid, &nbid) ||
		 (cache_copy && !open_runtime(&run, cache_copy, rq, 1, bid, &nbid));
	if (!opened && !open_runtime(&run, path, rq, 0, bid, &nbid)) {
		char now[2 * PD_BUILD_ID_MAX + 1] = "none";
		opened = 1;
		if (nbid > 0)
			pd_build_id_hex(bid, (size_t)nbid, now);
		strbuf_addf(warn,
			    "'%s' changed since it was profiled (build id %s recorded, %s "
			    "now): its symbols may be wrong\n",
			    path, hex, now);
	}
	if (!opened) {
		if (!file_exists(path))
			strbuf_addf(warn,
				    "'%s' is not on this machine: its samples are shown as "
				    "addresses\n",
				    path);
		else
			strbuf_addf(warn,
				    "cannot read '%s' as an ELF file: its samples are shown as "
				    "addresses\n",
				    path);
		goto out;
	}
	if (nbid > 0)
		pd_build_id_hex(bid, (size_t)nbid, hex);
	if (nbid > 0 && rq->debug_root) {
		char *d;
		d = xstrfmt("%s/.build-id/%.2s/%s.debug", rq->debug_root, hex, hex + 2);
		free(debug);
		debug = d;
		have_dbg = !access(debug, R_OK) && !elfsrc_open(&dbg, debug) && dbg.symtab;
		if (!have_dbg && dbg.elf)
			elfsrc_close(&dbg);
	}

	/* the cache: by build id when there is one, else by file identity */
	if (nbid > 0) {
		key = xstrfmt("elf-%s%s", hex, have_dbg ? "-dbg" : "");
	} else {
		struct stat st;
		if (!fstat(run.fd, &st)) {
			char *id = xstrfmt("%s|%lld|%lld|%lld|%lld", path, (long long)st.st_size,
					   (long long)st.st_mtim.tv_sec,
					   (long long)st.st_mtim.tv_nsec, (long long)st.st_ino);
			key = xstrfmt("file-%016llx",
				      (unsigned long long)XXH3_64bits(id, strlen(id)));
			free(id);
		}
	}
	if (rq->cache_dir && key) {
		int sec;
		struct elfsrc *from = symbol_source(have_dbg ? &dbg : NULL, &run, &sec);
		struct names_ref ref;
		memset(&ref, 0, sizeof(ref));
		if (sec)
			ref.strtab =
			    string_table(from, from->secs[sec].link, &ref.str_off, &ref.str_size);
		if (run.dynsym)
			ref.dynstr = string_table(&run, run.secs[run.dynsym].link, &ref.dyn_off,
						  &ref.dyn_size);
		t = symcache_load(rq->cache_dir, key, &ref);
	}
	if (!t) {
		t = load_elf(have_dbg ? &dbg : NULL, &run);
		if (rq->cache_dir && key)
			t->cache_hash =
			    symcache_save(rq->cache_dir, key, t, t->name, NULL, NULL, 0);
	}
	if (rq->cache_dir && key)
		choices_load(t, rq->cache_dir, key, t->cache_hash);
	/* names point into the mapped files: keep them open with the table */
	keep_open(t, &run, have_dbg ? &dbg : NULL);
out:
	if (!t && run.elf)
		elfsrc_close(&run);
	free(alloc);
	free(cache_copy);
	free(debug);
	free(key);
	return t;
}

struct symtab *symtab_load_vdso(const struct sym_request *rq, struct strbuf *warn)
{
	char hex[2 * PD_BUILD_ID_MAX + 1];
	const unsigned char *img;
	const Elf64_Ehdr *eh;
	size_t size;
	struct symtab *t;
	if (rq->build_id_size && rq->build_id && rq->buildid_dir) {
		char *p;
		struct sym_request r = *rq;
		pd_build_id_hex(rq->build_id, rq->build_id_size, hex);
		p = xstrfmt("%s/[vdso]/%s/vdso", rq->buildid_dir, hex);
		if (!access(p, R_OK)) {
			r.path = p;
			r.file = NULL;
			r.debug_root = NULL;
			t = symtab_load(&r, warn);
			free(p);
			return t;
		}
		free(p);
	}
	img = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
	if (!img || memcmp(img, ELFMAG, SELFMAG) || img[EI_CLASS] != ELFCLASS64)
		return NULL;
	eh = (const Elf64_Ehdr *)img;
	size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	if (size < sizeof(*eh) || size > (64u << 20))
		return NULL;
	t = symtab_load_mem(img, size, 1);
	if (t && rq->build_id_size && rq->build_id) {
		uint8_t bid[PD_BUILD_ID_MAX];
		int n = elf_build_id(t->elf, bid, sizeof(bid));
		if (n > 0 && !bid_equal(bid, (size_t)n, rq->build_id, rq->build_id_size)) {
			strbuf_addf(warn, "the vdso of this kernel is not the one profiled: vdso "
					  "samples are shown as addresses\n");
			symtab_free(t);
			return NULL;
		}
	}
	return t;
}

/* ---- kallsyms and JIT maps ---- */

/* Up to 16 hex digits at p into *out; returns the first character after them (p: none). */
static const char *hex_u64(const char *p, const char *end, uint64_t *out)
{
	const char *s = p;
	uint64_t v = 0;
	for (; p < end && p - s < 16; p++) {
		unsigned c = (unsigned char)*p, d;
		if (c - '0' < 10)
			d = c - '0';
		else if ((c | 0x20) - 'a' < 6)
			d = (c | 0x20) - 'a' + 10;
		else
			break;
		v = v << 4 | d;
	}
	*out = v;
	return p;
}

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Eight characters as they are in memory (unaligned). */
static uint64_t load8(const char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* 0x80 in each byte of v below 0x80 that is at least n (n < 0x80), without carries. */
static uint64_t bytes_ge(uint64_t v, unsigned n)
{
	return (v + ONES * (0x80 - n)) & HIGHS;
}

/*
 * Exactly 16 hex digits at p (all 16 there) into *out, without a branch a
 * digit: a kallsyms line starts with one, and reading it a digit at a time
 * was the largest part of parsing 120,000 lines. 0 when any is not a digit.
 */
static int hex16(const char *p, uint64_t *out)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t r = 0;
	for (int half = 0; half < 2; half++) {
		uint64_t v = load8(p + 8 * half), lc = v | ONES * 0x20, x;
		uint64_t digit = bytes_ge(v, '0') & ~bytes_ge(v, '9' + 1);
		uint64_t letter = bytes_ge(lc, 'a') & ~bytes_ge(lc, 'f' + 1);
		if ((v & HIGHS) || (digit | letter) != HIGHS)
			return 0;
		/* a digit's value is its low nibble, a letter's that plus 9 */
		x = (v & ONES * 0x0f) + ((v >> 6) & ONES) * 9;
		/* the first character is the most significant: pack nibbles, then bytes */
		x = __builtin_bswap64(x);
		x = (x | x >> 4) & 0x00ff00ff00ff00ffull;
		x = (x | x >> 8) & 0x0000ffff0000ffffull;
		x = (x | x >> 16) & 0xffffffffull;
		r = r << 32 | x;
	}
	*out = r;
	return 1;
#else
	uint64_t v;
	if (hex_u64(p, p + 16, &v) != p + 16)
		return 0;
	*out = v;
	return 1;
#endif
}

/*
 * The first newline, tab or NUL in [p, end), else end: eight bytes at a
 * time (where a name ends; names are too short for memchr's setup to pay).
 */
static const char *name_stop(const char *p, const char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; end - p >= 8; p += 8) {
		uint64_t v = load8(p), nl = v ^ ONES * '\n', tab = v ^ ONES * '\t';
		/* a zero byte of v, nl or tab; bytes above the first may be false hits */
		uint64_t z = ((v - ONES) & ~v) | ((nl - ONES) & ~nl) | ((tab - ONES) & ~tab);
		z &= HIGHS;
		if (z)
			return p + __builtin_ctzll(z) / 8;
	}
#endif
	while (p < end && *p != '\n' && *p != '\t' && *p)
		p++;
	return p;
}

/* Name, size and address of each loaded module ("name size refs deps state addr ..."). */
static void add_module_fields(struct strbuf *id, const char *modules)
{
	for (const char *p = modules; *p;) {
		size_t n = strcspn(p, "\n");
		int field = 0;
		for (const char *q = p, *end = p + n; q < end; field++) {
			size_t w = strcspn(q, " \n");
			if (w > (size_t)(end - q))
				w = (size_t)(end - q);
			if (field == 0 || field == 1 || field == 5) {
				strbuf_add(id, q, w);
				strbuf_addch(id, ' ');
			}
			q += w;
			while (q < end && *q == ' ')
				q++;
		}
		strbuf_addch(id, '\n');
		p += n + (p[n] == '\n');
	}
}

/*
 * The cache key of a kallsyms file, NULL when none can be made. A file
 * (perf's copy) is known by its identity. /proc/kallsyms has no size or
 * time: its content is fixed by the boot (KASLR), the kernel and the loaded
 * modules, which are cheap to read. (BPF programs and ftrace trampolines
 * also appear there; they are not in the key.)
 */
static char *kallsyms_key(const char *path)
{
	struct stat st;
	struct strbuf id = STRBUF_INIT, sb = STRBUF_INIT;
	char *key = NULL;
	if (stat(path, &st))
		return NULL;
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		strbuf_addf(&id, "file|%s|%lld|%lld|%lld|%lld|%lld", path, (long long)st.st_size,
			    (long long)st.st_mtim.tv_sec, (long long)st.st_mtim.tv_nsec,
			    (long long)st.st_ino, (long long)st.st_dev);
	} else {
		if (strbuf_read_file(&sb, "/proc/sys/kernel/random/boot_id", 4096) <= 0)
			goto out;
		strbuf_addf(&id, "proc|%s|%s|", path, sb.buf);
		strbuf_reset(&sb);
		if (strbuf_read_file(&sb, "/sys/kernel/notes", 1 << 20) > 0)
			strbuf_addbuf(&id, &sb);
		strbuf_reset(&sb);
		if (strbuf_read_file(&sb, "/proc/modules", 64u << 20) >= 0)
			add_module_fields(&id, sb.buf);
	}
	key = xstrfmt("kallsyms-%016llx", (unsigned long long)XXH3_64bits(id.buf, id.len));
out:
	strbuf_release(&id);
	strbuf_release(&sb);
	return key;
}

/* Save a kallsyms table: its names and module names are its pool (see kallsyms_parse). */
static void kallsyms_save(const char *dir, const char *key, const struct symtab *t)
{
	if (t->strtab_size > 1 && t->strtab_size - 1 <= UINT32_MAX / 2)
		symcache_save(dir, key, t, t->name, t->module, t->strtab, t->strtab_size - 1);
}

static int kallsyms_keep(char type)
{
	type = (char)toupper((unsigned char)type);
	return type == 'T' || type == 'W' || type == 'D' || type == 'B';
}

/*
 * Parse kallsyms text ("addr type name[\tmodule]" lines) into a table; NULL
 * when all addresses are 0. The text is only read (it may be a mapped
 * file): the names kept, and each module name where it changes, are copied
 * once into the table's pool, NUL-terminated, which is also what the cache
 * file keeps.
 */
static struct symtab *kallsyms_parse(const char *text, size_t len)
{
	struct symtab *t;
	struct symvec v = {0};
	const char **mods, *p = text, *end = text + len, *last_mod = NULL, *last_copy = NULL;
	size_t mods_alloc, nonzero = 0, last_len = 0;
	struct strbuf pool = STRBUF_INIT;

	/* the pool never outgrows the text: its pointers (mods[]) stay valid */
	strbuf_grow(&pool, len + 1);
	v.base = pool.buf;
	/* a line takes at least 20 bytes ("<16 hex> T x\n"): room for all at once */
	mods_alloc = len / 20 + 1;
	mods = xmalloc(mods_alloc * sizeof(*mods));
	symvec_reserve(&v, mods_alloc);
	while (p < end) {
		const char *eol, *q, *name, *name_end, *tab = NULL;
		const char *mod = NULL;
		uint64_t addr;
		char type;
		if (end - p >= 19 && hex16(p, &addr) && p[16] == ' ' && p[17] && p[17] != '\n' &&
		    p[18] == ' ') {
			/* "<16 hex> t name[\tmodule]": one scan to the name's end */
			type = p[17];
			name = p + 19;
			name_end = name_stop(name, end);
			if (name_end == end || *name_end == '\n') {
				eol = name_end;
			} else {
				eol = memchr(name_end, '\n', (size_t)(end - name_end));
				if (!eol)
					eol = end;
				tab = *name_end == '\t'
					  ? name_end
					  : memchr(name_end, '\t', (size_t)(eol - name_end));
			}
		} else {
			eol = memchr(p, '\n', (size_t)(end - p));
			if (!eol)
				eol = end;
			q = hex_u64(p, eol, &addr);
			if (q == p || eol - q < 3 || q[0] != ' ' || !q[1] || q[2] != ' ') {
				p = eol + 1;
				continue;
			}
			type = q[1];
			name = q + 3;
			tab = memchr(name, '\t', (size_t)(eol - name));
			/* a NUL in a line ends its name (or module) there, as in a C string */
			name_end = name + strnlen(name, (size_t)((tab ? tab : eol) - name));
		}
		if (tab) {
			mod = tab + 1;
			while (mod < eol && (*mod == ' ' || *mod == '\t'))
				mod++;
		}
		if (name_end > name && kallsyms_keep(type)) {
			size_t off = pool.len, n = (size_t)(name_end - name);
			/* room was made for the whole text: no check a character */
			memcpy(pool.buf + pool.len, name, n);
			pool.len += n;
			pool.buf[pool.len++] = '\0';
			if (mod && mod < eol && *mod) {
				n = strnlen(mod, (size_t)(eol - mod));
				if (!last_mod || n != last_len || memcmp(mod, last_mod, n)) {
					last_copy = pool.buf + pool.len;
					memcpy(pool.buf + pool.len, mod, n);
					pool.len += n;
					pool.buf[pool.len++] = '\0';
					last_mod = mod;
					last_len = n;
				}
				mods[v.nr] = last_copy;
			} else {
				mods[v.nr] = NULL;
			}
			if (v.nr + 1 >= mods_alloc) {
				mods_alloc *= 2;
				mods = xrealloc(mods, mods_alloc * sizeof(*mods));
			}
			symvec_push(
			    &v, addr, 0, pool.buf + off,
			    (uint8_t)(isupper((unsigned char)type) ? STB_GLOBAL : STB_LOCAL), 0);
			nonzero += addr != 0;
		}
		p = eol + 1;
	}
	pool.buf[pool.len] = '\0';
	if (!nonzero) {
		free(mods);
		symvec_release(&v);
		strbuf_release(&pool);
		return NULL;
	}
	t = symtab_new();
	t->strtab = pool.buf;
	t->strtab_size = pool.len + 1;
	finish_symbols(t, &v, 1, mods);
	free(mods);
	symvec_release(&v);
	t->pool = strbuf_detach(&pool, NULL);
	return t;
}

/* Map a regular file (read-only), else read it (/proc files have no size). */
static const char *kallsyms_text(const char *path, struct strbuf *sb, void **map, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	*map = NULL;
	if (fd >= 0 && !fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0) {
		void *m =
		    mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
		if (m != MAP_FAILED) {
			close(fd);
			*map = m;
			*len = (size_t)st.st_size;
			return m;
		}
	}
	if (fd >= 0)
		close(fd);
	if (strbuf_read_file(sb, path, 256u << 20) < 0)
		return NULL;
	*len = sb->len;
	return sb->buf;
}

struct symtab *symtab_load_kallsyms(const char *path, const char *cache_dir, struct strbuf *warn)
{
	struct strbuf sb = STRBUF_INIT;
	struct symtab *t = NULL;
	char *key = cache_dir ? kallsyms_key(path) : NULL;
	const char *text;
	void *map = NULL;
	size_t len = 0;

	if (key && (t = symcache_load(cache_dir, key, NULL)))
		goto out;
	text = kallsyms_text(path, &sb, &map, &len);
	if (!text) {
		strbuf_addf(warn, "cannot read '%s' (%s): kernel samples are shown as addresses\n",
			    path, strerror(errno));
		goto out;
	}
	t = kallsyms_parse(text, len);
	if (map)
		munmap(map, len);
	if (!t) {
		strbuf_addf(warn,
			    "'%s' hides kernel addresses (kernel.kptr_restrict): kernel samples "
			    "are shown as addresses\n",
			    path);
		goto out;
	}
	if (key)
		kallsyms_save(cache_dir, key, t);
out:
	strbuf_release(&sb);
	free(key);
	return t;
}

struct symtab *symtab_load_perfmap(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	struct symtab *t;
	struct symvec v = {0};
	uint64_t *keys, *start;
	uint32_t *idx, *size, *name;
	char *p, *end;
	size_t out = 0;

	if (strbuf_read_file(&sb, path, 1u << 30) < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	t = symtab_new();
	p = sb.buf;
	end = sb.buf + sb.len;
	v.base = sb.buf;
	while (p < end) {
		char *eol = memchr(p, '\n', (size_t)(end - p)), *q, *r;
		unsigned long long addr, len;
		if (!eol)
			eol = end;
		*eol = '\0';
		addr = strtoull(p, &q, 16);
		if (q != p && *q == ' ') {
			len = strtoull(q + 1, &r, 16);
			if (r != q + 1 && *r == ' ' && r[1])
				symvec_push(&v, addr, len, r + 1, STB_GLOBAL, 0);
		}
		p = eol + 1;
	}
	keys = xmalloc((v.nr + 1) * sizeof(*keys));
	idx = xmalloc((v.nr + 1) * sizeof(*idx));
	for (size_t i = 0; i < v.nr; i++) {
		keys[i] = v.start[i];
		idx[i] = (uint32_t)i;
	}
	radix_sort_u64(keys, idx, v.nr);
	start = xmalloc((v.nr + 1) * sizeof(*start));
	size = xmalloc((v.nr + 1) * sizeof(*size));
	name = xmalloc((v.nr + 1) * sizeof(*name));
	/* code at an address may be replaced: the newest line wins */
	for (size_t i = 0; i < v.nr; i++) {
		if (i + 1 < v.nr && keys[i + 1] == keys[i])
			continue;
		start[out] = keys[i];
		size[out] = clamp32(v.size[idx[i]]);
		name[out] = v.name[idx[i]];
		out++;
	}
	set_arrays(t, out, start, size, name, xcalloc(out + 1, 1));
	t->demangle = 0;
	t->strtab = sb.buf;
	t->strtab_size = sb.len + 1;
	free(keys);
	free(idx);
	symvec_release(&v);
	t->pool = strbuf_detach(&sb, NULL);
	return t;
}
