/*
 * perfdata.c: the perf.data reader (see perfdata.h for the layout).
 *
 * Every access is bounds-checked against the buffer it reads; the first
 * problem becomes the error line, with the byte offset of the record.
 */
#include "perf/perfdata.h"

#include <byteswap.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "banned.h"

#define HEADER_SIZE	 104
#define HEADER_SIZE_OLD	 72 /* before feature bits */
#define PIPE_HEADER_SIZE 16
#define ATTR_SIZE_VER0	 64
#define ATTR_SIZE_MAX	 4096
#define MAX_FEATURE_BITS 256
#define DECOMP_WINDOW	 (1u << 20)

/* read_format bits */
enum {
	READ_TOTAL_TIME_ENABLED = 1 << 0,
	READ_TOTAL_TIME_RUNNING = 1 << 1,
	READ_ID = 1 << 2,
	READ_GROUP = 1 << 3,
	READ_LOST = 1 << 4,
};

static uint16_t rd16(const struct pd_file *f, const unsigned char *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return f->swap ? bswap_16(v) : v;
}

static uint32_t rd32(const struct pd_file *f, const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return f->swap ? bswap_32(v) : v;
}

uint64_t pd_u64(const struct pd_file *f, const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return f->swap ? bswap_64(v) : v;
}

static uint64_t bitrev64(uint64_t v)
{
	uint64_t r = 0;
	for (int i = 0; i < 64; i++, v >>= 1)
		r = (r << 1) | (v & 1);
	return r;
}

int pd_has_feature(const struct pd_file *f, int bit)
{
	if (bit < 0 || bit >= MAX_FEATURE_BITS)
		return 0;
	return (f->features[bit / 64] >> (bit % 64)) & 1;
}

void pd_build_id_hex(const uint8_t *id, size_t size, char *buf)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;
	if (size > PD_BUILD_ID_MAX)
		size = PD_BUILD_ID_MAX;
	for (i = 0; i < size; i++) {
		buf[2 * i] = hx[id[i] >> 4];
		buf[2 * i + 1] = hx[id[i] & 15];
	}
	buf[2 * i] = '\0';
}

static int fail(struct strbuf *err, const struct pd_file *f, uint64_t off, const char *fmt, ...)
    PL_PRINTF(4, 5);

static int fail(struct strbuf *err, const struct pd_file *f, uint64_t off, const char *fmt, ...)
{
	va_list ap;
	strbuf_addf(err, "'%s': corrupt perf.data at byte %llu: ", f->name,
		    (unsigned long long)off);
	va_start(ap, fmt);
	strbuf_vaddf(err, fmt, ap);
	va_end(ap);
	return -1;
}

/* Is [off, off+len) inside [0, size)? (overflow-safe) */
static int in_bounds(uint64_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

/* ---- attributes ---- */

static struct pd_attr *add_attr(struct pd_file *f)
{
	struct pd_attr *a;
	ALLOC_GROW(f->attrs, f->nr_attrs + 1, f->alloc_attrs);
	a = &f->attrs[f->nr_attrs++];
	memset(a, 0, sizeof(*a));
	return a;
}

/* Parse a perf_event_attr at p (at least ATTR_SIZE_VER0 bytes). */
static void parse_attr(const struct pd_file *f, const unsigned char *p, struct pd_attr *a)
{
	uint64_t flags = pd_u64(f, p + 40);
	a->type = rd32(f, p);
	a->config = pd_u64(f, p + 8);
	a->sample_period = pd_u64(f, p + 16);
	a->sample_type = pd_u64(f, p + 24);
	a->read_format = pd_u64(f, p + 32);
	/* a foreign-endian writer allocated the bitfields from the other end */
	a->flags = f->swap ? bitrev64(flags) : flags;
	a->exclude_user = (a->flags >> 4) & 1;
	a->exclude_kernel = (a->flags >> 5) & 1;
	a->exclude_hv = (a->flags >> 6) & 1;
	a->freq = (a->flags >> 10) & 1;
	a->sample_id_all = (a->flags >> 18) & 1;
}

static int cmp_idmap(const void *a, const void *b)
{
	const struct pd_idmap *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void rebuild_idmap(struct pd_file *f)
{
	size_t n = 0;
	free(f->idmap);
	for (size_t i = 0; i < f->nr_attrs; i++)
		n += f->attrs[i].nr_ids;
	f->idmap = xcalloc(n + 1, sizeof(*f->idmap));
	f->nr_idmap = 0;
	for (size_t i = 0; i < f->nr_attrs; i++)
		for (size_t j = 0; j < f->attrs[i].nr_ids; j++) {
			f->idmap[f->nr_idmap].id = f->attrs[i].ids[j];
			f->idmap[f->nr_idmap].attr = (uint32_t)i;
			f->nr_idmap++;
		}
	qsort(f->idmap, f->nr_idmap, sizeof(*f->idmap), cmp_idmap);
}

static int attr_of_id(const struct pd_file *f, uint64_t id)
{
	size_t lo = 0, hi = f->nr_idmap;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->idmap[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < f->nr_idmap && f->idmap[lo].id == id)
		return (int)f->idmap[lo].attr;
	return -1;
}

static int read_attrs(struct pd_file *f, uint64_t entry, uint64_t off, uint64_t len,
		      struct strbuf *err)
{
	if (entry < ATTR_SIZE_VER0 + 16 || entry > ATTR_SIZE_MAX + 16)
		return fail(err, f, 16, "attribute size %llu is not plausible",
			    (unsigned long long)entry);
	if (!in_bounds(f->size, off, len))
		return fail(err, f, 24,
			    "the attribute section (%llu bytes at %llu) is past the end "
			    "of the file (%zu bytes)",
			    (unsigned long long)len, (unsigned long long)off, f->size);
	if (len % entry)
		return fail(err, f, 24, "the attribute section size %llu is not a multiple of %llu",
			    (unsigned long long)len, (unsigned long long)entry);
	if (!len)
		return fail(err, f, 24, "the file has no event attributes");
	for (uint64_t p = off; p < off + len; p += entry) {
		struct pd_attr *a = add_attr(f);
		uint64_t ids_off, ids_len;
		parse_attr(f, f->data + p, a);
		ids_off = pd_u64(f, f->data + p + entry - 16);
		ids_len = pd_u64(f, f->data + p + entry - 8);
		if (ids_len % 8 || !in_bounds(f->size, ids_off, ids_len))
			return fail(err, f, p + entry - 16,
				    "the ids of attribute %zu (%llu bytes at "
				    "%llu) are outside the file",
				    f->nr_attrs - 1, (unsigned long long)ids_len,
				    (unsigned long long)ids_off);
		a->nr_ids = (size_t)(ids_len / 8);
		a->ids = xcalloc(a->nr_ids + 1, sizeof(uint64_t));
		for (size_t i = 0; i < a->nr_ids; i++)
			a->ids[i] = pd_u64(f, f->data + ids_off + 8 * i);
	}
	rebuild_idmap(f);
	return 0;
}

char *pd_attr_name(const struct pd_attr *a)
{
	static const char *const hw[] = {"cycles",
					 "instructions",
					 "cache-references",
					 "cache-misses",
					 "branches",
					 "branch-misses",
					 "bus-cycles",
					 "stalled-cycles-frontend",
					 "stalled-cycles-backend",
					 "ref-cycles"};
	static const char *const sw[] = {
	    "cpu-clock",	"task-clock",	"page-faults",	"context-switches",
	    "cpu-migrations",	"minor-faults", "major-faults", "alignment-faults",
	    "emulation-faults", "dummy",	"bpf-output",	"cgroup-switches"};
	struct strbuf sb = STRBUF_INIT;
	if (a->name)
		return xstrdup(a->name);
	if (a->type == 0 && a->config < ARRAY_SIZE(hw))
		strbuf_addstr(&sb, hw[a->config]);
	else if (a->type == 1 && a->config < ARRAY_SIZE(sw))
		strbuf_addstr(&sb, sw[a->config]);
	else if (a->type == 4)
		strbuf_addf(&sb, "raw 0x%llx", (unsigned long long)a->config);
	else
		strbuf_addf(&sb, "event %u:0x%llx", a->type, (unsigned long long)a->config);
	if (a->exclude_kernel && !a->exclude_user)
		strbuf_addstr(&sb, ":u");
	else if (a->exclude_user && !a->exclude_kernel)
		strbuf_addstr(&sb, ":k");
	return strbuf_detach(&sb, NULL);
}

/* ---- header features ---- */

struct cursor {
	const struct pd_file *f;
	const unsigned char *p, *end;
	int bad;
};

static int cur_need(struct cursor *c, size_t n)
{
	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = 1;
		return 0;
	}
	return 1;
}

static uint32_t cur32(struct cursor *c)
{
	uint32_t v;
	if (!cur_need(c, 4))
		return 0;
	v = rd32(c->f, c->p);
	c->p += 4;
	return v;
}

static uint64_t cur64(struct cursor *c)
{
	uint64_t v;
	if (!cur_need(c, 8))
		return 0;
	v = pd_u64(c->f, c->p);
	c->p += 8;
	return v;
}

/* struct perf_header_string: u32 len, char[len] (NUL-padded). Newly allocated. */
static char *cur_string(struct cursor *c)
{
	uint32_t len = cur32(c);
	const char *s;
	if (!cur_need(c, len))
		return NULL;
	s = (const char *)c->p;
	c->p += len;
	return xstrndup(s, strnlen(s, len));
}

static void feature_warning(struct pd_file *f, int bit, uint64_t off)
{
	strbuf_addf(&f->warn, "header feature %d at byte %llu is corrupt and was ignored\n", bit,
		    (unsigned long long)off);
}

/* A sequence of struct perf_record_header_build_id. */
static void read_build_ids(struct pd_file *f, struct cursor *c)
{
	while (!c->bad && c->p < c->end) {
		const unsigned char *rec = c->p;
		uint16_t misc, size;
		struct pd_build_id *b;
		if (!cur_need(c, 8 + 4 + 24))
			break;
		misc = rd16(f, rec + 4);
		size = rd16(f, rec + 6);
		if (size < 8 + 4 + 24 || (size_t)(c->end - rec) < size) {
			c->bad = 1;
			break;
		}
		ALLOC_GROW(f->build_ids, f->nr_build_ids + 1, f->alloc_build_ids);
		b = &f->build_ids[f->nr_build_ids++];
		memset(b, 0, sizeof(*b));
		b->pid = (int32_t)rd32(f, rec + 8);
		memcpy(b->id, rec + 12, PD_BUILD_ID_MAX);
		b->size = PD_BUILD_ID_MAX;
		if ((misc & PERF_RECORD_MISC_BUILD_ID_SIZE) && rec[12 + 20] <= PD_BUILD_ID_MAX)
			b->size = rec[12 + 20];
		b->kernel = (misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL ||
			    (misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_GUEST_KERNEL;
		b->filename =
		    xstrndup((const char *)rec + 36, strnlen((const char *)rec + 36, size - 36u));
		c->p = rec + size;
	}
}

static void read_event_desc(struct pd_file *f, struct cursor *c)
{
	uint32_t nr = cur32(c), asz = cur32(c);
	if (c->bad)
		return;
	if (asz < ATTR_SIZE_VER0 || asz > ATTR_SIZE_MAX) {
		c->bad = 1;
		return;
	}
	for (uint32_t i = 0; i < nr && !c->bad; i++) {
		uint32_t nr_ids;
		char *name;
		int match = -1;
		if (!cur_need(c, asz))
			return;
		c->p += asz;
		nr_ids = cur32(c);
		name = cur_string(c);
		if (!name)
			return;
		for (uint32_t j = 0; j < nr_ids && !c->bad; j++) {
			uint64_t id = cur64(c);
			if (match < 0 && !c->bad)
				match = attr_of_id(f, id);
		}
		/* without ids, events are described in attribute order */
		if (match < 0 && i < f->nr_attrs && (!nr_ids || f->nr_attrs == 1))
			match = (int)i;
		if (match >= 0 && !c->bad && !f->attrs[match].name)
			f->attrs[match].name = name;
		else
			free(name);
	}
}

static void read_feature(struct pd_file *f, int bit, const unsigned char *p, size_t len,
			 uint64_t off)
{
	struct cursor c = {f, p, p + len, 0};
	char **str = NULL;
	switch (bit) {
	case HEADER_HOSTNAME:
		str = &f->hostname;
		break;
	case HEADER_OSRELEASE:
		str = &f->os_release;
		break;
	case HEADER_VERSION:
		str = &f->perf_version;
		break;
	case HEADER_ARCH:
		str = &f->arch;
		break;
	case HEADER_BUILD_ID:
		read_build_ids(f, &c);
		break;
	case HEADER_NRCPUS:
		/* header.c writes nr_cpus_avail (max present), then nr_cpus_online */
		f->nr_cpus_avail = cur32(&c);
		f->nr_cpus_online = cur32(&c);
		break;
	case HEADER_CMDLINE: {
		uint32_t nr = cur32(&c);
		struct strbuf sb = STRBUF_INIT;
		for (uint32_t i = 0; i < nr && !c.bad; i++) {
			char *s = cur_string(&c);
			if (!s)
				break;
			if (i)
				strbuf_addch(&sb, ' ');
			strbuf_addstr(&sb, s);
			free(s);
		}
		free(f->cmdline);
		f->cmdline = strbuf_detach(&sb, NULL);
		break;
	}
	case HEADER_EVENT_DESC:
		read_event_desc(f, &c);
		break;
	case HEADER_COMPRESSED:
		(void)cur32(&c); /* version */
		f->comp_type = cur32(&c);
		f->comp_level = cur32(&c);
		f->compressed = !c.bad;
		break;
	default:
		return;
	}
	if (str) {
		char *s = cur_string(&c);
		if (s) {
			free(*str);
			*str = s;
		}
	}
	if (c.bad)
		feature_warning(f, bit, off);
}

static void read_features(struct pd_file *f)
{
	uint64_t sec = f->data_offset + f->data_size;
	struct strbuf bad = STRBUF_INIT;
	uint64_t first_bad = 0;
	for (int bit = 1; bit < MAX_FEATURE_BITS; bit++) {
		uint64_t off, len;
		size_t before = f->warn.len;
		if (!pd_has_feature(f, bit))
			continue;
		if (!in_bounds(f->size, sec, 16)) {
			strbuf_addf(&f->warn,
				    "the header feature index at byte %llu is past the end of "
				    "the file (cut off?): header features were ignored\n",
				    (unsigned long long)sec);
			break;
		}
		off = pd_u64(f, f->data + sec);
		len = pd_u64(f, f->data + sec + 8);
		if (in_bounds(f->size, off, len))
			read_feature(f, bit, f->data + off, (size_t)len, off);
		/* one line for all the bad ones, not one each */
		if (!in_bounds(f->size, off, len) || f->warn.len != before) {
			strbuf_setlen(&f->warn, before);
			if (!bad.len)
				first_bad = sec;
			strbuf_addf(&bad, "%s%d", bad.len ? ", " : "", bit);
		}
		sec += 16;
	}
	if (bad.len)
		strbuf_addf(&f->warn,
			    "header features %s (index at byte %llu) are corrupt or cut "
			    "off and were ignored\n",
			    bad.buf, (unsigned long long)first_bad);
	strbuf_release(&bad);
}

/* ---- opening ---- */

int pd_open_mem(struct pd_file *f, const void *data, size_t size, const char *name,
		struct strbuf *err)
{
	uint64_t hsize;
	memset(f, 0, sizeof(*f));
	strbuf_init(&f->warn, 0);
	f->name = xstrdup(name);
	f->data = data;
	f->size = size;
	if (size < 16) {
		strbuf_addf(err, "'%s' is not a perf.data file: only %zu bytes", name, size);
		return -1;
	}
	if (!memcmp(f->data, "PERFILE2", 8)) {
		f->swap = 0;
	} else if (!memcmp(f->data, "2ELIFREP", 8)) {
		f->swap = 1;
	} else if (!memcmp(f->data, "PERFFILE", 8)) {
		strbuf_addf(err,
			    "'%s' is a version 1 perf.data file (PERFFILE), which perfloop does "
			    "not read: record it again with a current perf",
			    name);
		return -1;
	} else {
		strbuf_addf(err, "'%s' is not a perf.data file (no PERFILE2 magic at byte 0)",
			    name);
		return -1;
	}
	hsize = pd_u64(f, f->data + 8);
	if (hsize == PIPE_HEADER_SIZE) {
		f->pipe = 1;
		f->data_offset = PIPE_HEADER_SIZE;
		f->data_size = size - PIPE_HEADER_SIZE;
		return 0;
	}
	if (hsize != HEADER_SIZE && hsize != HEADER_SIZE_OLD)
		return fail(err, f, 8, "header size %llu is neither %d nor %d",
			    (unsigned long long)hsize, HEADER_SIZE, HEADER_SIZE_OLD);
	if (size < hsize)
		return fail(err, f, size,
			    "the file ends inside its %llu-byte header: it is "
			    "truncated",
			    (unsigned long long)hsize);
	f->data_offset = pd_u64(f, f->data + 40);
	f->data_size = pd_u64(f, f->data + 48);
	if (hsize == HEADER_SIZE)
		for (int i = 0; i < 4; i++)
			f->features[i] = pd_u64(f, f->data + 72 + 8 * i);
	if (!in_bounds(f->size, f->data_offset, f->data_size))
		return fail(err, f, 40,
			    "the data section (%llu bytes at %llu) ends past the end of "
			    "the file (%zu bytes): the file is truncated",
			    (unsigned long long)f->data_size, (unsigned long long)f->data_offset,
			    f->size);
	if (read_attrs(f, pd_u64(f, f->data + 16), pd_u64(f, f->data + 24), pd_u64(f, f->data + 32),
		       err))
		return -1;
	if (!f->data_size) {
		strbuf_addf(err,
			    "'%s' has an empty data section: perf record did not finish writing "
			    "it (killed?), or recorded nothing",
			    name);
		return -1;
	}
	read_features(f);
	return 0;
}

int pd_open(struct pd_file *f, const char *path, struct strbuf *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *map;
	if (fd < 0) {
		memset(f, 0, sizeof(*f));
		strbuf_init(&f->warn, 0);
		strbuf_addf(err, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		memset(f, 0, sizeof(*f));
		strbuf_init(&f->warn, 0);
		strbuf_addf(err, "'%s' is not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size == 0) {
		close(fd);
		return pd_open_mem(f, "", 0, path, err);
	}
	/* every record is read: one call maps every page, not a fault each few */
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		memset(f, 0, sizeof(*f));
		strbuf_init(&f->warn, 0);
		strbuf_addf(err, "cannot map '%s': %s", path, strerror(errno));
		return -1;
	}
	madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	if (pd_open_mem(f, map, (size_t)st.st_size, path, err)) {
		f->mapped = 1;
		return -1;
	}
	f->mapped = 1;
	return 0;
}

void pd_close(struct pd_file *f)
{
	if (f->mapped && f->size)
		munmap((void *)f->data, f->size);
	for (size_t i = 0; i < f->nr_attrs; i++) {
		free(f->attrs[i].ids);
		free(f->attrs[i].name);
	}
	free(f->attrs);
	for (size_t i = 0; i < f->nr_build_ids; i++)
		free(f->build_ids[i].filename);
	free(f->build_ids);
	free(f->idmap);
	free(f->hostname);
	free(f->os_release);
	free(f->perf_version);
	free(f->arch);
	free(f->cmdline);
	free(f->name);
	strbuf_release(&f->warn);
	memset(f, 0, sizeof(*f));
}

/* ---- records ---- */

struct iter {
	struct pd_file *f;
	enum pd_which which;
	uint32_t seq;
	int (*fn)(void *data, const struct pd_event *ev);
	void *data;
	struct strbuf *err;
	ZSTD_DStream *zs;
	unsigned char *dbuf;
	size_t dlen, dcap;
	uint64_t dtotal; /* decompressed bytes consumed so far, for messages */
};

static int rec_fail(struct iter *it, const struct pd_event *ev, const char *what)
{
	if (ev->inner >= 0)
		return fail(it->err, it->f, ev->offset,
			    "record of type %u at offset %lld of its "
			    "decompressed data %s",
			    ev->type, (long long)ev->inner, what);
	return fail(it->err, it->f, ev->offset, "record of type %u %s", ev->type, what);
}

/* The sample_id_all trailer of a non-sample kernel record (read from its end). */
static void parse_id_trailer(const struct pd_file *f, struct pd_event *ev,
			     const unsigned char *body, size_t body_len)
{
	const struct pd_attr *a;
	uint64_t st;
	size_t n, pos;
	if (!f->nr_attrs)
		return;
	a = &f->attrs[0];
	if (!a->sample_id_all)
		return;
	st = a->sample_type;
	n = !!(st & PERF_SAMPLE_TID) + !!(st & PERF_SAMPLE_TIME) + !!(st & PERF_SAMPLE_ID) +
	    !!(st & PERF_SAMPLE_STREAM_ID) + !!(st & PERF_SAMPLE_CPU) +
	    !!(st & PERF_SAMPLE_IDENTIFIER);
	if (n * 8 > body_len)
		return;
	pos = body_len - n * 8;
	if (st & PERF_SAMPLE_TID) {
		ev->pid = rd32(f, body + pos);
		ev->tid = rd32(f, body + pos + 4);
		ev->has_tid = 1;
		pos += 8;
	}
	if (st & PERF_SAMPLE_TIME) {
		ev->time = pd_u64(f, body + pos);
		ev->has_time = 1;
		pos += 8;
	}
	if (st & PERF_SAMPLE_ID) {
		int at = attr_of_id(f, pd_u64(f, body + pos));
		if (at >= 0)
			ev->attr = at;
		pos += 8;
	}
	if (st & PERF_SAMPLE_STREAM_ID)
		pos += 8;
	if (st & PERF_SAMPLE_CPU)
		ev->cpu = rd32(f, body + pos);
}

/* Position (in u64 words from the start of a sample body) of its ID, -1 when none. */
static int sample_id_pos(uint64_t st)
{
	if (st & PERF_SAMPLE_IDENTIFIER)
		return 0;
	if (!(st & PERF_SAMPLE_ID))
		return -1;
	return !!(st & PERF_SAMPLE_IP) + !!(st & PERF_SAMPLE_TID) + !!(st & PERF_SAMPLE_TIME) +
	       !!(st & PERF_SAMPLE_ADDR);
}

#define NEED(n)                                                                                    \
	do {                                                                                       \
		if ((size_t)(end - p) < (size_t)(n))                                               \
			return rec_fail(it, ev,                                                    \
					"(a sample) is shorter than its sample_type says");        \
	} while (0)

static int parse_sample(struct iter *it, struct pd_event *ev)
{
	const struct pd_file *f = it->f;
	const unsigned char *p = ev->raw + 8, *end = ev->raw + ev->size;
	const struct pd_attr *a;
	uint64_t st;

	ev->attr = -1;
	if (!f->nr_attrs)
		return rec_fail(it, ev, "is a sample, but no event attribute came before it");
	if (f->nr_attrs == 1) {
		ev->attr = 0;
	} else {
		int pos = sample_id_pos(f->attrs[0].sample_type);
		if (pos >= 0 && (size_t)(end - p) >= (size_t)(pos + 1) * 8)
			ev->attr = attr_of_id(f, pd_u64(f, p + pos * 8));
		if (ev->attr < 0)
			return 0; /* unknown sample id: the caller counts it */
	}
	a = &f->attrs[ev->attr];
	st = a->sample_type;
	ev->u.sample.period = a->freq ? 1 : a->sample_period;

	if (st & PERF_SAMPLE_IDENTIFIER) {
		NEED(8);
		ev->u.sample.id = pd_u64(f, p);
		p += 8;
	}
	if (st & PERF_SAMPLE_IP) {
		NEED(8);
		ev->u.sample.ip = pd_u64(f, p);
		p += 8;
	}
	if (st & PERF_SAMPLE_TID) {
		NEED(8);
		ev->pid = rd32(f, p);
		ev->tid = rd32(f, p + 4);
		ev->has_tid = 1;
		p += 8;
	}
	if (st & PERF_SAMPLE_TIME) {
		NEED(8);
		ev->time = pd_u64(f, p);
		ev->has_time = 1;
		p += 8;
	}
	if (st & PERF_SAMPLE_ADDR) {
		NEED(8);
		ev->u.sample.addr = pd_u64(f, p);
		p += 8;
	}
	if (st & PERF_SAMPLE_ID) {
		NEED(8);
		ev->u.sample.id = pd_u64(f, p);
		p += 8;
	}
	if (st & PERF_SAMPLE_STREAM_ID) {
		NEED(8);
		p += 8;
	}
	if (st & PERF_SAMPLE_CPU) {
		NEED(8);
		ev->cpu = rd32(f, p);
		p += 8;
	}
	if (st & PERF_SAMPLE_PERIOD) {
		NEED(8);
		ev->u.sample.period = pd_u64(f, p);
		p += 8;
	}
	if (st & PERF_SAMPLE_READ) {
		uint64_t rf = a->read_format;
		size_t per = 8 + ((rf & READ_ID) ? 8 : 0) + ((rf & READ_LOST) ? 8 : 0);
		size_t hdr = ((rf & READ_TOTAL_TIME_ENABLED) ? 8 : 0) +
			     ((rf & READ_TOTAL_TIME_RUNNING) ? 8 : 0);
		if (rf & READ_GROUP) {
			uint64_t nr;
			NEED(8);
			nr = pd_u64(f, p);
			p += 8;
			NEED(hdr);
			p += hdr;
			if (nr > (uint64_t)(end - p) / per)
				return rec_fail(it, ev,
						"(a sample) has a read group larger than the "
						"record");
			p += nr * per;
		} else {
			NEED(per + hdr);
			p += per + hdr;
		}
	}
	if (st & PERF_SAMPLE_CALLCHAIN) {
		uint64_t nr;
		NEED(8);
		nr = pd_u64(f, p);
		p += 8;
		if (nr > (uint64_t)(end - p) / 8)
			return rec_fail(it, ev,
					"(a sample) has a callchain longer than the record");
		ev->u.sample.nr_callchain = nr;
		ev->u.sample.callchain = p;
	}
	return 0;
}

#undef NEED

static int cstr(const unsigned char *p, const unsigned char *end, const char **out)
{
	const unsigned char *nul;
	if (p >= end)
		return -1;
	nul = memchr(p, '\0', (size_t)(end - p));
	if (!nul)
		return -1;
	*out = (const char *)p;
	return 0;
}

static int add_pipe_attr(struct iter *it, struct pd_event *ev)
{
	struct pd_file *f = it->f;
	const unsigned char *p = ev->raw + 8;
	size_t body = ev->size - 8u;
	uint32_t asz;
	struct pd_attr *a;
	if (body < ATTR_SIZE_VER0)
		return rec_fail(it, ev, "(an attribute) is too short");
	asz = rd32(f, p + 4);
	if (asz < ATTR_SIZE_VER0 || asz > body)
		return rec_fail(it, ev, "(an attribute) has an implausible attribute size");
	a = add_attr(f);
	parse_attr(f, p, a);
	a->nr_ids = (body - asz) / 8;
	a->ids = xcalloc(a->nr_ids + 1, sizeof(uint64_t));
	for (size_t i = 0; i < a->nr_ids; i++)
		a->ids[i] = pd_u64(f, p + asz + 8 * i);
	rebuild_idmap(f);
	return 0;
}

static int dispatch(struct iter *it, struct pd_event *ev);

static const struct pd_event zero_event;

/* Parse every complete record of the decompression window; keep the rest. */
static int drain_window(struct iter *it, uint64_t outer)
{
	size_t pos = 0;
	int r = 0;
	while (it->dlen - pos >= 8) {
		struct pd_event ev = zero_event;
		uint16_t size = rd16(it->f, it->dbuf + pos + 6);
		ev.type = rd32(it->f, it->dbuf + pos);
		ev.offset = outer;
		ev.inner = (int64_t)(it->dtotal + pos);
		if (size < 8)
			return rec_fail(it, &ev, "has a size below 8 bytes");
		if (it->dlen - pos < size)
			break;
		ev.misc = rd16(it->f, it->dbuf + pos + 4);
		ev.size = size;
		ev.raw = it->dbuf + pos;
		if (ev.type == PERF_RECORD_COMPRESSED || ev.type == PERF_RECORD_COMPRESSED2)
			return rec_fail(it, &ev, "is a compressed record inside compressed data");
		r = dispatch(it, &ev);
		pos += size;
		if (r)
			break;
	}
	memmove(it->dbuf, it->dbuf + pos, it->dlen - pos);
	it->dlen -= pos;
	it->dtotal += pos;
	return r;
}

/*
 * perf record -z writes one zstd stream across all compressed records
 * (flushed, not ended, at each): keep one decoder and parse records as the
 * window fills; a record may straddle two compressed records.
 */
static int decompress(struct iter *it, const struct pd_event *ev, const unsigned char *src,
		      size_t len)
{
	ZSTD_inBuffer in = {src, len, 0};
	if (!it->zs) {
		it->zs = ZSTD_createDStream();
		if (!it->zs)
			die("out of memory (zstd)");
		ZSTD_initDStream(it->zs);
		it->dcap = DECOMP_WINDOW;
		it->dbuf = xmalloc(it->dcap);
	}
	for (;;) {
		ZSTD_outBuffer out = {it->dbuf + it->dlen, it->dcap - it->dlen, 0};
		size_t before = in.pos, ret = ZSTD_decompressStream(it->zs, &out, &in);
		int r, full;
		if (ZSTD_isError(ret)) {
			struct strbuf why = STRBUF_INIT;
			strbuf_addf(&why, "has zstd data that does not decompress (%s)",
				    ZSTD_getErrorName(ret));
			r = rec_fail(it, ev, why.buf);
			strbuf_release(&why);
			return r;
		}
		it->dlen += out.pos;
		full = out.pos == out.size;
		r = drain_window(it, ev->offset);
		if (r)
			return r;
		if (in.pos == in.size && !full)
			break;
		if (in.pos == before && !out.pos)
			return rec_fail(it, ev, "has zstd data that makes no progress");
	}
	return 0;
}

static int dispatch(struct iter *it, struct pd_event *ev)
{
	struct pd_file *f = it->f;
	const unsigned char *p = ev->raw + 8, *end = ev->raw + ev->size;
	size_t body = ev->size - 8u;
	ev->cpumode = ev->misc & PERF_RECORD_MISC_CPUMODE_MASK;
	ev->attr = f->nr_attrs == 1 ? 0 : -1;

	switch (ev->type) {
	case PERF_RECORD_SAMPLE: {
		int r = parse_sample(it, ev);
		if (r)
			return r;
		break;
	}
	case PERF_RECORD_MMAP:
		if (body < 32 || cstr(p + 32, end, &ev->u.mmap.filename))
			return rec_fail(it, ev, "(an mmap) is truncated");
		ev->pid = rd32(f, p);
		ev->tid = rd32(f, p + 4);
		ev->u.mmap.start = pd_u64(f, p + 8);
		ev->u.mmap.len = pd_u64(f, p + 16);
		ev->u.mmap.pgoff = pd_u64(f, p + 24);
		/* MMAP records carry no protection: they are code unless marked data */
		ev->u.mmap.prot = (ev->misc & PERF_RECORD_MISC_MMAP_DATA) ? 1 : 5;
		parse_id_trailer(f, ev, p, body);
		break;
	case PERF_RECORD_MMAP2:
		if (body < 64 || cstr(p + 64, end, &ev->u.mmap.filename))
			return rec_fail(it, ev, "(an mmap2) is truncated");
		ev->pid = rd32(f, p);
		ev->tid = rd32(f, p + 4);
		ev->u.mmap.start = pd_u64(f, p + 8);
		ev->u.mmap.len = pd_u64(f, p + 16);
		ev->u.mmap.pgoff = pd_u64(f, p + 24);
		if (ev->misc & PERF_RECORD_MISC_MMAP_BUILD_ID) {
			uint8_t n = p[32];
			ev->u.mmap.build_id_size = n <= PD_BUILD_ID_MAX ? n : PD_BUILD_ID_MAX;
			memcpy(ev->u.mmap.build_id, p + 36, PD_BUILD_ID_MAX);
		}
		ev->u.mmap.prot = rd32(f, p + 56);
		ev->u.mmap.flags = rd32(f, p + 60);
		parse_id_trailer(f, ev, p, body);
		break;
	case PERF_RECORD_COMM:
		if (body < 8 || cstr(p + 8, end, &ev->u.comm.comm))
			return rec_fail(it, ev, "(a comm) is truncated");
		ev->pid = rd32(f, p);
		ev->tid = rd32(f, p + 4);
		ev->u.comm.exec = (ev->misc & PERF_RECORD_MISC_COMM_EXEC) != 0;
		parse_id_trailer(f, ev, p, body);
		break;
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT: {
		uint32_t pid, tid;
		if (body < 24)
			return rec_fail(it, ev, "(a fork/exit) is truncated");
		pid = rd32(f, p);
		tid = rd32(f, p + 8);
		ev->u.fork.ppid = rd32(f, p + 4);
		ev->u.fork.ptid = rd32(f, p + 12);
		parse_id_trailer(f, ev, p, body);
		ev->pid = pid;
		ev->tid = tid;
		ev->has_tid = 1;
		ev->time = pd_u64(f, p + 16);
		ev->has_time = 1;
		break;
	}
	case PERF_RECORD_LOST:
		if (body < 16)
			return rec_fail(it, ev, "(a lost record) is truncated");
		ev->u.lost.id = pd_u64(f, p);
		ev->u.lost.lost = pd_u64(f, p + 8);
		parse_id_trailer(f, ev, p, body);
		break;
	case PERF_RECORD_LOST_SAMPLES:
		if (body < 8)
			return rec_fail(it, ev, "(a lost-samples record) is truncated");
		ev->u.lost.lost = pd_u64(f, p);
		parse_id_trailer(f, ev, p, body);
		break;
	case PERF_RECORD_HEADER_ATTR:
		if (f->pipe && add_pipe_attr(it, ev))
			return -1;
		break;
	case PERF_RECORD_HEADER_BUILD_ID:
		if (f->pipe) {
			struct cursor c = {f, ev->raw, end, 0};
			read_build_ids(f, &c);
		}
		break;
	case PERF_RECORD_HEADER_FEATURE:
		if (!f->pipe)
			break;
		if (body < 8)
			return rec_fail(it, ev, "(a header feature) is truncated");
		{
			uint64_t bit = pd_u64(f, p);
			if (bit < MAX_FEATURE_BITS) {
				f->features[bit / 64] |= 1ull << (bit % 64);
				read_feature(f, (int)bit, p + 8, body - 8, ev->offset + 16);
			}
		}
		break;
	case PERF_RECORD_COMPRESSED:
		if (ev->inner >= 0)
			break;
		f->nr_compressed_records++;
		return decompress(it, ev, p, body);
	case PERF_RECORD_COMPRESSED2: {
		uint64_t dsz;
		if (ev->inner >= 0)
			break;
		f->nr_compressed_records++;
		if (body < 8)
			return rec_fail(it, ev, "(a compressed record) is truncated");
		dsz = pd_u64(f, p);
		if (dsz > body - 8)
			return rec_fail(it, ev,
					"(a compressed record) claims more data than it holds");
		return decompress(it, ev, p + 8, (size_t)dsz);
	}
	default:
		break;
	}
	ev->seq = ++it->seq;
	return it->fn(it->data, ev);
}

/*
 * The size of the record at off when pd_iterate_some() skips it, else 0.
 * Records with a payload after them (AUXTRACE) and bad headers are not
 * skipped: they are read as usual (and bad ones reported).
 */
static uint16_t skip_size(const struct pd_file *f, enum pd_which which, uint64_t off, uint64_t end)
{
	uint32_t type;
	uint16_t size;
	if (which == PD_ALL || end - off < 8)
		return 0;
	type = rd32(f, f->data + off);
	size = rd16(f, f->data + off + 6);
	if (size < 8 || end - off < size || type == PERF_RECORD_AUXTRACE)
		return 0;
	return (type == PERF_RECORD_SAMPLE) == (which == PD_SKIP_SAMPLES) ? size : 0;
}

int pd_iterate(struct pd_file *f, int (*fn)(void *data, const struct pd_event *ev), void *data,
	       struct strbuf *err)
{
	return pd_iterate_some(f, PD_ALL, fn, data, err);
}

int pd_iterate_some(struct pd_file *f, enum pd_which which,
		    int (*fn)(void *data, const struct pd_event *ev), void *data,
		    struct strbuf *err)
{
	struct iter it = {f, which, 0, fn, data, err, NULL, NULL, 0, 0, 0};
	f->nr_skipped = 0;
	uint64_t off = f->data_offset, end = f->data_offset + f->data_size;
	int r = 0;

	while (off < end) {
		struct pd_event ev;
		uint16_t size;
		size = skip_size(f, which, off, end);
		if (size) {
			it.seq++;
			f->nr_skipped++;
			off += size;
			continue;
		}
		/* a copy, not memset: for a small struct, `rep stos` was a third of the loop */
		ev = zero_event;
		ev.offset = off;
		ev.inner = -1;
		if (end - off < 8) {
			r = fail(err, f, off,
				 "the file ends inside a record header (%llu bytes left): "
				 "it is truncated",
				 (unsigned long long)(end - off));
			break;
		}
		ev.type = rd32(f, f->data + off);
		ev.misc = rd16(f, f->data + off + 4);
		size = rd16(f, f->data + off + 6);
		if (size < 8) {
			r = fail(err, f, off,
				 "record of type %u has size %u, below the 8-byte "
				 "header",
				 ev.type, size);
			break;
		}
		if (end - off < size) {
			r = fail(err, f, off,
				 "record of type %u (%u bytes) runs past the end of the "
				 "data (%llu bytes left): the file is truncated",
				 ev.type, size, (unsigned long long)(end - off));
			break;
		}
		ev.size = size;
		ev.raw = f->data + off;
		r = dispatch(&it, &ev);
		if (r)
			break;
		off += size;
		/* these records are followed by payload their size does not count */
		if (ev.type == PERF_RECORD_AUXTRACE && size >= 16) {
			uint64_t extra = pd_u64(f, ev.raw + 8);
			if (extra > end - off) {
				r = fail(err, f, off - size,
					 "auxtrace record claims %llu bytes of data "
					 "past the end of the file",
					 (unsigned long long)extra);
				break;
			}
			off += extra;
		} else if (ev.type == PERF_RECORD_HEADER_TRACING_DATA && f->pipe && size >= 12) {
			uint64_t extra = rd32(f, ev.raw + 8);
			extra = (extra + 7) & ~(uint64_t)7;
			if (extra > end - off) {
				r = fail(err, f, off - size,
					 "tracing data record claims %llu bytes past "
					 "the end of the file",
					 (unsigned long long)extra);
				break;
			}
			off += extra;
		}
	}
	if (!r && it.dlen)
		r = fail(err, f, end,
			 "the compressed data ends in the middle of a record (%zu bytes "
			 "left over)",
			 it.dlen);
	if (it.zs)
		ZSTD_freeDStream(it.zs);
	free(it.dbuf);
	return r;
}
