/*
 * pdwriter.h: writes small synthetic perf.data files for tests and fuzz
 * seeds, in either byte order, plain, zstd-compressed (perf record -z) or
 * pipe mode. Header-only (static functions) so unit tests and helpers can
 * both include it. Layout as in linux tools/perf/Documentation/
 * perf.data-file-format.txt; one or two software events, sample_id_all.
 */
#ifndef PDWRITER_H
#define PDWRITER_H

#include <stdint.h>
#include <string.h>
#include <zstd.h>

#include "strbuf.h"

#define PDW_ST                                                                                     \
	(1u << 0 | 1u << 1 | 1u << 2 | 1u << 8 | 1u << 16) /* IP TID TIME PERIOD IDENTIFIER */
#define PDW_ST_CC (PDW_ST | 1u << 5)			   /* ... CALLCHAIN */

struct pdw {
	int be; /* big-endian output */
	uint64_t sample_type;
	int nr_attrs;	    /* 1 or 2 (ids 100 and 200) */
	struct strbuf data; /* the data section (records) */
};

static void pdw_put(struct strbuf *sb, int be, uint64_t v, int bytes)
{
	unsigned char b[8];
	for (int i = 0; i < bytes; i++)
		b[be ? bytes - 1 - i : i] = (unsigned char)(v >> (8 * i));
	strbuf_add(sb, b, (size_t)bytes);
}

#define PDW16(sb, w, v) pdw_put((sb), (w)->be, (v), 2)
#define PDW32(sb, w, v) pdw_put((sb), (w)->be, (v), 4)
#define PDW64(sb, w, v) pdw_put((sb), (w)->be, (v), 8)

static void pdw_init(struct pdw *w, int be, uint64_t sample_type, int nr_attrs)
{
	memset(w, 0, sizeof(*w));
	w->be = be;
	w->sample_type = sample_type;
	w->nr_attrs = nr_attrs;
	strbuf_init(&w->data, 0);
}

static void pdw_release(struct pdw *w)
{
	strbuf_release(&w->data);
}

/* Record header; returns the offset of the size field to patch. */
static size_t pdw_begin(struct pdw *w, uint32_t type, uint16_t misc)
{
	size_t at = w->data.len;
	PDW32(&w->data, w, type);
	PDW16(&w->data, w, misc);
	PDW16(&w->data, w, 0);
	return at;
}

static void pdw_end(struct pdw *w, size_t at)
{
	size_t size = w->data.len - at;
	struct strbuf tmp = STRBUF_INIT;
	PDW16(&tmp, w, size);
	memcpy(w->data.buf + at + 6, tmp.buf, 2);
	strbuf_release(&tmp);
}

/* sample_id_all trailer for the sample_type: TID, TIME, IDENTIFIER */
static void pdw_trailer(struct pdw *w, uint32_t pid, uint32_t tid, uint64_t time)
{
	PDW32(&w->data, w, pid);
	PDW32(&w->data, w, tid);
	PDW64(&w->data, w, time);
	PDW64(&w->data, w, 100);
}

static void pdw_string(struct strbuf *sb, const char *s)
{
	size_t n = strlen(s) + 1, pad = (n + 7) & ~(size_t)7;
	strbuf_add(sb, s, n);
	for (; n < pad; n++)
		strbuf_addch(sb, '\0');
}

static void pdw_comm(struct pdw *w, uint32_t pid, uint32_t tid, const char *comm, int exec,
		     uint64_t time)
{
	size_t at = pdw_begin(w, 3, exec ? 1u << 13 : 0);
	PDW32(&w->data, w, pid);
	PDW32(&w->data, w, tid);
	pdw_string(&w->data, comm);
	pdw_trailer(w, pid, tid, time);
	pdw_end(w, at);
}

static void pdw_mmap2(struct pdw *w, uint32_t pid, uint64_t start, uint64_t len, uint64_t pgoff,
		      const char *file, uint64_t time)
{
	size_t at = pdw_begin(w, 10, 2);
	PDW32(&w->data, w, pid);
	PDW32(&w->data, w, pid);
	PDW64(&w->data, w, start);
	PDW64(&w->data, w, len);
	PDW64(&w->data, w, pgoff);
	PDW32(&w->data, w, 8);	/* maj */
	PDW32(&w->data, w, 1);	/* min */
	PDW64(&w->data, w, 42); /* ino */
	PDW64(&w->data, w, 0);	/* ino generation */
	PDW32(&w->data, w, 5);	/* PROT_READ | PROT_EXEC */
	PDW32(&w->data, w, 2);	/* MAP_PRIVATE */
	pdw_string(&w->data, file);
	pdw_trailer(w, pid, pid, time);
	pdw_end(w, at);
}

static void pdw_fork(struct pdw *w, uint32_t pid, uint32_t ppid, uint32_t tid, uint32_t ptid,
		     uint64_t time)
{
	size_t at = pdw_begin(w, 7, 0);
	PDW32(&w->data, w, pid);
	PDW32(&w->data, w, ppid);
	PDW32(&w->data, w, tid);
	PDW32(&w->data, w, ptid);
	PDW64(&w->data, w, time);
	pdw_trailer(w, pid, tid, time);
	pdw_end(w, at);
}

static void pdw_lost(struct pdw *w, uint64_t lost, uint64_t time)
{
	size_t at = pdw_begin(w, 2, 0);
	PDW64(&w->data, w, 100);
	PDW64(&w->data, w, lost);
	pdw_trailer(w, 0, 0, time);
	pdw_end(w, at);
}

/* A user sample of event `id` (100 or 200); chain may be NULL. */
static void pdw_sample(struct pdw *w, uint64_t id, uint64_t ip, uint32_t pid, uint32_t tid,
		       uint64_t time, uint64_t period, const uint64_t *chain, size_t nr_chain)
{
	size_t at = pdw_begin(w, 9, 2);
	PDW64(&w->data, w, id);
	PDW64(&w->data, w, ip);
	PDW32(&w->data, w, pid);
	PDW32(&w->data, w, tid);
	PDW64(&w->data, w, time);
	PDW64(&w->data, w, period);
	if (w->sample_type & (1u << 5)) {
		PDW64(&w->data, w, nr_chain);
		for (size_t i = 0; i < nr_chain; i++)
			PDW64(&w->data, w, chain[i]);
	}
	pdw_end(w, at);
}

static void pdw_finished_round(struct pdw *w)
{
	size_t at = pdw_begin(w, 68, 0);
	pdw_end(w, at);
}

static uint64_t pdw_bitrev(uint64_t v)
{
	uint64_t r = 0;
	for (int i = 0; i < 64; i++, v >>= 1)
		r = (r << 1) | (v & 1);
	return r;
}

/* A 128-byte perf_event_attr for software event `config` (0 cpu-clock, 1 task-clock). */
static void pdw_attr(const struct pdw *w, struct strbuf *sb, uint64_t config)
{
	/* exclude_kernel (5), exclude_hv (6), freq (10), sample_id_all (18) */
	uint64_t flags = 1ull << 5 | 1ull << 6 | 1ull << 10 | 1ull << 18;
	size_t start = sb->len;
	PDW32(sb, w, 1);   /* PERF_TYPE_SOFTWARE */
	PDW32(sb, w, 128); /* size */
	PDW64(sb, w, config);
	PDW64(sb, w, 2500); /* sample_freq */
	PDW64(sb, w, w->sample_type);
	PDW64(sb, w, 0); /* read_format */
	/* a big-endian writer allocates bitfields from the most significant bit */
	PDW64(sb, w, w->be ? pdw_bitrev(flags) : flags);
	while (sb->len - start < 128)
		strbuf_addch(sb, '\0');
}

static void pdw_header_string(const struct pdw *w, struct strbuf *sb, const char *s)
{
	size_t n = strlen(s) + 1, pad = (n + 7) & ~(size_t)7;
	PDW32(sb, w, pad);
	strbuf_add(sb, s, n);
	for (; n < pad; n++)
		strbuf_addch(sb, '\0');
}

/* Feature sections: hostname, nrcpus, cmdline, event_desc, build_id (in bit order). */
static void pdw_features(const struct pdw *w, struct strbuf *secs[5])
{
	static const uint8_t bid[20] = {0xde, 0xad, 0xbe, 0xef, 1,  2,	3,  4,	5,  6,
					7,    8,    9,	  10,	11, 12, 13, 14, 15, 16};
	size_t at;
	/* BUILD_ID (2): one build_id_event for /usr/bin/app */
	at = secs[0]->len;
	PDW32(secs[0], w, 67);
	PDW16(secs[0], w, 2);
	PDW16(secs[0], w, 0);
	PDW32(secs[0], w, (uint32_t)-1);
	strbuf_add(secs[0], bid, 20);
	strbuf_addf(secs[0], "%c%c%c%c", 0, 0, 0, 0);
	pdw_string(secs[0], "/usr/bin/app");
	{
		struct strbuf tmp = STRBUF_INIT;
		PDW16(&tmp, w, secs[0]->len - at);
		memcpy(secs[0]->buf + at + 6, tmp.buf, 2);
		strbuf_release(&tmp);
	}
	/* HOSTNAME (3) */
	pdw_header_string(w, secs[1], "testhost");
	/* NRCPUS (7): available, online */
	PDW32(secs[2], w, 4);
	PDW32(secs[2], w, 2);
	/* CMDLINE (11) */
	PDW32(secs[3], w, 3);
	pdw_header_string(w, secs[3], "perf");
	pdw_header_string(w, secs[3], "record");
	pdw_header_string(w, secs[3], "app");
	/* EVENT_DESC (12) */
	PDW32(secs[4], w, (uint32_t)w->nr_attrs);
	PDW32(secs[4], w, 128);
	for (int i = 0; i < w->nr_attrs; i++) {
		pdw_attr(w, secs[4], (uint64_t)i);
		PDW32(secs[4], w, 1);
		pdw_header_string(w, secs[4], i ? "task-clock:u" : "cpu-clock:u");
		PDW64(secs[4], w, (uint64_t)(100 * (i + 1)));
	}
}

/*
 * zstd-compress the records into PERF_RECORD_COMPRESSED records of at most
 * `chunk` input bytes each (one stream, flushed per record, as perf does).
 */
static void pdw_compress(struct pdw *w, size_t chunk)
{
	struct strbuf out = STRBUF_INIT;
	ZSTD_CStream *cs = ZSTD_createCStream();
	unsigned char buf[1 << 16];
	ZSTD_initCStream(cs, 1);
	for (size_t pos = 0; pos < w->data.len; pos += chunk) {
		size_t n = w->data.len - pos < chunk ? w->data.len - pos : chunk;
		ZSTD_inBuffer in = {w->data.buf + pos, n, 0};
		ZSTD_outBuffer o = {buf, sizeof(buf) - 8, 0};
		struct strbuf rec = STRBUF_INIT;
		while (in.pos < in.size)
			ZSTD_compressStream(cs, &o, &in);
		ZSTD_flushStream(cs, &o);
		PDW32(&rec, w, 81);
		PDW16(&rec, w, 0);
		PDW16(&rec, w, 8 + o.pos);
		strbuf_add(&rec, buf, o.pos);
		strbuf_addbuf(&out, &rec);
		strbuf_release(&rec);
	}
	ZSTD_freeCStream(cs);
	strbuf_release(&w->data);
	w->data = out;
}

/* The whole file into `out`. */
static void pdw_finish(const struct pdw *w, struct strbuf *out, int compressed)
{
	struct strbuf attrs = STRBUF_INIT, ids = STRBUF_INIT, f0 = STRBUF_INIT, f1 = STRBUF_INIT,
		      f2 = STRBUF_INIT, f3 = STRBUF_INIT, f4 = STRBUF_INIT, f5 = STRBUF_INIT;
	struct strbuf *secs[6] = {&f0, &f1, &f2, &f3, &f4, &f5};
	static const int bits[6] = {2, 3, 7, 11, 12, 27};
	size_t nsec = compressed ? 6 : 5;
	uint64_t attrs_off = 104, ids_off, data_off, feat_off, features0 = 0;
	pdw_features(w, secs);
	if (compressed) {
		PDW32(&f5, w, 2); /* version */
		PDW32(&f5, w, 1); /* zstd */
		PDW32(&f5, w, 1); /* level */
		PDW32(&f5, w, 4); /* ratio */
		PDW32(&f5, w, 65536);
	}
	ids_off = attrs_off + (uint64_t)w->nr_attrs * (128 + 16);
	data_off = ids_off + 8u * (uint64_t)w->nr_attrs;
	for (int i = 0; i < w->nr_attrs; i++) {
		pdw_attr(w, &attrs, (uint64_t)i);
		PDW64(&attrs, w, ids_off + 8u * (uint64_t)i);
		PDW64(&attrs, w, 8);
		PDW64(&ids, w, (uint64_t)(100 * (i + 1)));
	}
	for (size_t i = 0; i < nsec; i++)
		features0 |= 1ull << bits[i];
	strbuf_add(out, "PERFILE2", 8);
	if (w->be) /* the magic is a u64: its bytes reverse too */
		memcpy(out->buf, "2ELIFREP", 8);
	PDW64(out, w, 104);
	PDW64(out, w, 128 + 16);
	PDW64(out, w, attrs_off);
	PDW64(out, w, attrs.len);
	PDW64(out, w, data_off);
	PDW64(out, w, w->data.len);
	PDW64(out, w, 0);
	PDW64(out, w, 0);
	PDW64(out, w, features0);
	PDW64(out, w, 0);
	PDW64(out, w, 0);
	PDW64(out, w, 0);
	strbuf_addbuf(out, &attrs);
	strbuf_addbuf(out, &ids);
	strbuf_addbuf(out, &w->data);
	feat_off = out->len + 16 * nsec;
	for (size_t i = 0; i < nsec; i++) {
		PDW64(out, w, feat_off);
		PDW64(out, w, secs[i]->len);
		feat_off += secs[i]->len;
	}
	for (size_t i = 0; i < nsec; i++)
		strbuf_addbuf(out, secs[i]);
	for (size_t i = 0; i < 6; i++)
		strbuf_release(secs[i]);
	strbuf_release(&attrs);
	strbuf_release(&ids);
}

/* The same records as a pipe-mode file: HEADER_ATTR and HEADER_FEATURE records first. */
static void pdw_finish_pipe(const struct pdw *w, struct strbuf *out)
{
	struct strbuf f0 = STRBUF_INIT, f1 = STRBUF_INIT, f2 = STRBUF_INIT, f3 = STRBUF_INIT,
		      f4 = STRBUF_INIT;
	struct strbuf *secs[5] = {&f0, &f1, &f2, &f3, &f4};
	static const int bits[5] = {2, 3, 7, 11, 12};
	pdw_features(w, secs);
	strbuf_add(out, w->be ? "2ELIFREP" : "PERFILE2", 8);
	PDW64(out, w, 16);
	for (int i = 0; i < w->nr_attrs; i++) {
		struct strbuf rec = STRBUF_INIT;
		PDW32(&rec, w, 64);
		PDW16(&rec, w, 0);
		PDW16(&rec, w, 8 + 128 + 8);
		pdw_attr(w, &rec, (uint64_t)i);
		PDW64(&rec, w, (uint64_t)(100 * (i + 1)));
		strbuf_addbuf(out, &rec);
		strbuf_release(&rec);
	}
	for (size_t i = 0; i < 5; i++) {
		if (bits[i] == 2)
			continue; /* build ids come as their own records in pipe mode */
		PDW32(out, w, 80);
		PDW16(out, w, 0);
		PDW16(out, w, 16 + secs[i]->len);
		PDW64(out, w, (uint64_t)bits[i]);
		strbuf_addbuf(out, secs[i]);
	}
	strbuf_addbuf(out, secs[0]); /* a PERF_RECORD_HEADER_BUILD_ID record */
	strbuf_addbuf(out, &w->data);
	for (size_t i = 0; i < 5; i++)
		strbuf_release(secs[i]);
}

#endif
