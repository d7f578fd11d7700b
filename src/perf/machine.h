/*
 * machine.h: the machine a perf.data file describes, as perf's machine__*
 * code rebuilds it from the side-band records: DSOs (with build ids, and
 * symbol tables loaded only for DSOs that were hit), mappings per process in
 * a sorted array (a new mapping clips the ones it overlaps, as
 * maps__fixup_overlappings does), comm names per thread. Pass 1 keeps the
 * MMAP, COMM and FORK records (machine_collect); pass 2 applies them in
 * (timestamp, file order) between the samples (machine_apply) and resolves
 * a sample's address to (DSO, symbol) as the machine is at that point
 * (machine_resolve). Private to src/perf/: hists.c builds the histogram on it.
 */
#ifndef MACHINE_H
#define MACHINE_H

#include <stdint.h>

#include "perf/hists.h"
#include "perf/perfdata.h"
#include "perf/symbols.h"

/* Interned strings: the same text always gets the same id, s[id]. */
struct interner {
	char **s;
	uint64_t *hash;
	size_t nr, alloc;
	uint32_t *slot; /* id + 1, 0 = empty */
	size_t cap;
};

/* The id of s, added when new. */
uint32_t intern(struct interner *in, const char *s);
void interner_release(struct interner *in);

/* u64 key -> u32 value; keys are stored + 1 so that 0 marks an empty slot */
struct u64map {
	uint64_t *key;
	uint32_t *val;
	size_t nr, cap;
};

/* A 64-bit mixer for hash tables (murmur3's finalizer). */
static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

enum dso_kind { DSO_ELF, DSO_VDSO, DSO_JIT, DSO_KERNEL, DSO_KMOD, DSO_NONE };
enum sb_kind { SB_MMAP, SB_COMM, SB_FORK };

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

struct machine {
	const struct hist_opts *o;
	const struct pd_file *pf;
	struct interner strs; /* DSO and comm names (hists.c adds its own) */
	struct dso *dsos;
	size_t nr_dsos, alloc_dsos;
	struct u64map dso_by_long;

	struct sb_event *sb; /* side-band events, in time order after machine_replay_start */
	size_t nr_sb, alloc_sb;

	struct proc *procs;
	size_t nr_procs, alloc_procs;
	struct u64map proc_of_pid;
	struct thread *threads;
	size_t nr_threads, alloc_threads;
	struct u64map thread_of_tid;

	struct symtab *kallsyms;
	int kallsyms_tried;
	char *home_debug;

	uint32_t gen; /* bumped by every event applied: what was resolved before may differ now */
};

/* Set up an empty machine (zeroed) for a file read with options o. */
void machine_init(struct machine *mach, const struct hist_opts *o, const struct pd_file *pf);

/* Pass 1: keep a MMAP, MMAP2, COMM or FORK record, at `time` and file order `seq`. */
void machine_collect(struct machine *mach, const struct pd_event *ev, uint64_t time, uint32_t seq);

/* After pass 1: the header's build ids, for DSOs whose mmap did not carry one. */
void machine_header_build_ids(struct machine *mach);

/* Before pass 2: the side-band events in (time, file order); the idle task named. */
void machine_replay_start(struct machine *mach);

/* Pass 2: apply one side-band event. */
void machine_apply(struct machine *mach, const struct sb_event *e);

/* machine__findnew_thread: a thread never named is ":<tid>" (pid 0 is "swapper"). */
struct thread *machine_thread(struct machine *mach, uint32_t pid, uint32_t tid);

/* Where an address falls: DSO, symbol (sym >= 0 in tab), perf's level character. */
struct hit {
	int has_dso;
	uint32_t dso, dso_short;
	long sym;
	struct symtab *tab;
	uint64_t addr;
	char level;
};

/* Resolve ip of pid in cpumode as the machine is now; symbol tables load on first use. */
void machine_resolve(struct machine *mach, uint32_t pid, uint8_t cpumode, uint64_t ip,
		     struct hit *h, struct strbuf *warn);

void machine_release(struct machine *mach);

#endif
