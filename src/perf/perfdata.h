/*
 * perfdata.h: a reader for perf.data files (PERFILE2), written from the
 * format description in linux tools/perf (Documentation/perf.data-file-format.txt,
 * util/header.c, util/session.c, util/event.h).
 *
 * The file is mapped read-only and walked in place: no per-record allocation.
 * Both byte orders are read (every scalar is swapped on load; attribute
 * bitfields are bit-reversed as perf does). Pipe-mode files (perf record -o -)
 * are read too: their attributes and header features arrive as records.
 * zstd-compressed records (perf record -z) are decompressed through a bounded
 * window, so memory stays small whatever the compression ratio.
 *
 * Bad input never crashes: every read is bounds-checked, and a corrupt or
 * truncated file fails with one line naming the byte offset and the problem.
 *
 * Layout on disk (all fields in the writer's byte order):
 *
 *   struct perf_file_header {           offset
 *       char     magic[8];              0   "PERFILE2" (byte-swapped: "2ELIFREP")
 *       u64      size;                  8   104 (16 in pipe mode, 72 before features)
 *       u64      attr_size;             16  sizeof(perf_event_attr) + 16
 *       struct { u64 offset, size; } attrs;        24
 *       struct { u64 offset, size; } data;         40
 *       struct { u64 offset, size; } event_types;  56  (unused)
 *       u64      features[4];           72  bitmap of header features
 *   };
 *
 * Feature sections follow the data section, one {u64 offset, u64 size} per
 * set bit, in bit order. Records in the data section start with
 * struct perf_event_header { u32 type; u16 misc; u16 size; }.
 */
#ifndef PERFDATA_H
#define PERFDATA_H

#include <stddef.h>
#include <stdint.h>
#include "strbuf.h"

/* record types (include/uapi/linux/perf_event.h and tools/lib/perf/include/perf/event.h) */
enum {
	PERF_RECORD_MMAP = 1,
	PERF_RECORD_LOST = 2,
	PERF_RECORD_COMM = 3,
	PERF_RECORD_EXIT = 4,
	PERF_RECORD_FORK = 7,
	PERF_RECORD_SAMPLE = 9,
	PERF_RECORD_MMAP2 = 10,
	PERF_RECORD_LOST_SAMPLES = 13,
	PERF_RECORD_USER_TYPE_START = 64,
	PERF_RECORD_HEADER_ATTR = 64,
	PERF_RECORD_HEADER_TRACING_DATA = 66,
	PERF_RECORD_HEADER_BUILD_ID = 67,
	PERF_RECORD_FINISHED_ROUND = 68,
	PERF_RECORD_AUXTRACE = 71,
	PERF_RECORD_HEADER_FEATURE = 80,
	PERF_RECORD_COMPRESSED = 81,
	PERF_RECORD_COMPRESSED2 = 83,
};

/* sample_type bits */
enum {
	PERF_SAMPLE_IP = 1u << 0,
	PERF_SAMPLE_TID = 1u << 1,
	PERF_SAMPLE_TIME = 1u << 2,
	PERF_SAMPLE_ADDR = 1u << 3,
	PERF_SAMPLE_READ = 1u << 4,
	PERF_SAMPLE_CALLCHAIN = 1u << 5,
	PERF_SAMPLE_ID = 1u << 6,
	PERF_SAMPLE_CPU = 1u << 7,
	PERF_SAMPLE_PERIOD = 1u << 8,
	PERF_SAMPLE_STREAM_ID = 1u << 9,
	PERF_SAMPLE_REGS_USER = 1u << 12,
	PERF_SAMPLE_STACK_USER = 1u << 13,
	PERF_SAMPLE_IDENTIFIER = 1u << 16,
};

/* header.misc */
enum {
	PERF_RECORD_MISC_CPUMODE_MASK = 7,
	PERF_RECORD_MISC_KERNEL = 1,
	PERF_RECORD_MISC_USER = 2,
	PERF_RECORD_MISC_HYPERVISOR = 3,
	PERF_RECORD_MISC_GUEST_KERNEL = 4,
	PERF_RECORD_MISC_GUEST_USER = 5,
	PERF_RECORD_MISC_MMAP_DATA = 1 << 13,
	PERF_RECORD_MISC_COMM_EXEC = 1 << 13,
	PERF_RECORD_MISC_MMAP_BUILD_ID = 1 << 14,
	PERF_RECORD_MISC_BUILD_ID_SIZE = 1 << 15,
};

/* header feature bits perfloop reads */
enum {
	HEADER_BUILD_ID = 2,
	HEADER_HOSTNAME = 3,
	HEADER_OSRELEASE = 4,
	HEADER_VERSION = 5,
	HEADER_ARCH = 6,
	HEADER_NRCPUS = 7,
	HEADER_CMDLINE = 11,
	HEADER_EVENT_DESC = 12,
	HEADER_COMPRESSED = 27,
};

/* callchain context markers (PERF_CONTEXT_*) */
#define PERF_CONTEXT_HV		  ((uint64_t)-32)
#define PERF_CONTEXT_KERNEL	  ((uint64_t)-128)
#define PERF_CONTEXT_USER	  ((uint64_t)-512)
#define PERF_CONTEXT_GUEST_KERNEL ((uint64_t)-2176)
#define PERF_CONTEXT_GUEST_USER	  ((uint64_t)-2560)
#define PERF_CONTEXT_MAX	  ((uint64_t)-4095)

#define PD_BUILD_ID_MAX 20

/* One event attribute (struct perf_event_attr, the fields perfloop uses). */
struct pd_attr {
	uint32_t type; /* PERF_TYPE_HARDWARE = 0, SOFTWARE = 1, ... */
	uint64_t config;
	uint64_t sample_period; /* or sample_freq when freq */
	uint64_t sample_type;
	uint64_t read_format;
	uint64_t flags; /* the bitfield word, in native bit order */
	int freq, sample_id_all, exclude_user, exclude_kernel, exclude_hv;
	uint64_t *ids; /* sample ids of this event */
	size_t nr_ids;
	char *name; /* from HEADER_EVENT_DESC ("cpu-clock:uH"); NULL when absent */
};

struct pd_build_id {
	int32_t pid; /* -1: the host kernel */
	int kernel;  /* recorded with a kernel cpumode */
	uint8_t id[PD_BUILD_ID_MAX];
	uint8_t size;
	char *filename;
};

struct pd_file {
	char *name; /* path, for messages */
	const unsigned char *data;
	size_t size;
	int mapped; /* data is our mmap */
	int swap;   /* written with the other byte order */
	int pipe;   /* pipe-mode file */
	uint64_t data_offset, data_size;
	uint64_t features[4];
	struct pd_attr *attrs;
	size_t nr_attrs, alloc_attrs;
	char *hostname, *os_release, *perf_version, *arch, *cmdline;
	uint32_t nr_cpus_avail, nr_cpus_online;
	struct pd_build_id *build_ids;
	size_t nr_build_ids, alloc_build_ids;
	int compressed;		      /* HEADER_COMPRESSED present */
	size_t nr_compressed_records; /* COMPRESSED records met by iterations so far */
	size_t nr_skipped;	      /* records the last pd_iterate_some() skipped */
	uint32_t comp_type, comp_level;
	struct strbuf warn; /* unreadable optional parts, one line each */

	/* sample id -> attr, sorted by id */
	struct pd_idmap {
		uint64_t id;
		uint32_t attr;
	} * idmap;
	size_t nr_idmap;
};

/* A record as the iterator hands it over (valid during the callback only). */
struct pd_event {
	uint32_t type;
	uint16_t misc;
	uint16_t size;
	uint64_t offset; /* file offset of the record (or of its COMPRESSED record) */
	int64_t inner;	 /* offset inside decompressed data, -1 for plain records */
	const unsigned char *raw;
	uint32_t seq; /* 1 + records handed over or skipped before this one (file order) */

	/* from the sample, or the sample_id_all trailer of other kernel records */
	int attr; /* index into pd_file.attrs, -1 when unknown */
	int has_time, has_tid;
	uint64_t time;
	uint32_t pid, tid, cpu;
	uint8_t cpumode; /* misc & PERF_RECORD_MISC_CPUMODE_MASK */

	union {
		struct {
			uint64_t ip, period, addr, id;
			uint64_t nr_callchain;
			const unsigned char *callchain; /* nr_callchain u64s; read with pd_u64() */
		} sample;
		struct {
			uint64_t start, len, pgoff;
			uint32_t prot, flags;
			const char *filename;
			uint8_t build_id[PD_BUILD_ID_MAX];
			uint8_t build_id_size; /* 0: none in the record */
		} mmap;
		struct {
			const char *comm;
			int exec;
		} comm;
		struct {
			uint32_t ppid, ptid;
		} fork; /* FORK and EXIT; pid/tid above */
		struct {
			uint64_t id, lost;
		} lost; /* LOST (id, lost) and LOST_SAMPLES (lost) */
	} u;
};

/*
 * Open and map a perf.data file, read its header, attributes and features.
 * Returns 0, or -1 with one line in err (which names the path and, for a
 * corrupt file, the byte offset). pd_close() must be called either way.
 */
int pd_open(struct pd_file *f, const char *path, struct strbuf *err);

/* As pd_open() over bytes in memory (borrowed, must outlive f). `name` labels messages. */
int pd_open_mem(struct pd_file *f, const void *data, size_t size, const char *name,
		struct strbuf *err);

void pd_close(struct pd_file *f);

/*
 * Call fn for every record of the data section in file order, with
 * compressed records expanded in place. Samples and the sample_id_all
 * trailers of other records are parsed into the event. Returns 0 at the end,
 * fn's value when it returns non-zero (stopping there), or -1 with err set
 * on a corrupt record. In pipe mode, HEADER_ATTR and HEADER_FEATURE records
 * update f's attributes and features as they are met.
 */
int pd_iterate(struct pd_file *f, int (*fn)(void *data, const struct pd_event *ev), void *data,
	       struct strbuf *err);

/*
 * Which records pd_iterate_some() hands over. A record skipped is not parsed
 * (nor checked) but still counted in pd_event.seq, so that two passes over
 * one file number its records alike. COMPRESSED records are expanded (and
 * counted in nr_compressed_records) unless only samples are wanted.
 */
enum pd_which { PD_ALL, PD_SKIP_SAMPLES, PD_ONLY_SAMPLES };

int pd_iterate_some(struct pd_file *f, enum pd_which which,
		    int (*fn)(void *data, const struct pd_event *ev), void *data,
		    struct strbuf *err);

/* Read a u64 written in the file's byte order (for callchains). */
uint64_t pd_u64(const struct pd_file *f, const unsigned char *p);

/* Is header feature `bit` present? */
int pd_has_feature(const struct pd_file *f, int bit);

/*
 * A name for an attribute: its HEADER_EVENT_DESC name, else one derived from
 * type/config ("cycles", "cpu-clock", "raw 0x1c4"...) with ":u"/":k"
 * modifiers. Newly allocated.
 */
char *pd_attr_name(const struct pd_attr *a);

/* Lowercase hex of a build id (2*size chars) into buf (>= 41 bytes). */
void pd_build_id_hex(const uint8_t *id, size_t size, char *buf);

#endif
