/*
 * hists.h: from a perf.data file to per-event hotspot rows, the way
 * `perf report --stdio --no-children -g none --sort <keys>` computes them.
 *
 * Records are read (perfdata.h), side-band events (mmap, comm, fork) and
 * samples replayed in timestamp order, as perf's ordered events do, so each
 * sample is resolved against the mappings and thread names that were
 * current when it was taken (samples that resolve alike are resolved once:
 * see hists.c). A sample's period is its weight; rows are
 * keyed like perf's sort keys (the short DSO name, then the symbol's start,
 * or the address when no symbol covers it) and sorted by period.
 *
 * Core module: never prints. Warnings a user should see (a DSO that cannot
 * be read, a build-id mismatch, lost samples) go to report->warn.
 */
#ifndef HISTS_H
#define HISTS_H

#include <stddef.h>
#include <stdint.h>
#include "strbuf.h"

enum hist_sort {
	HIST_SORT_SYM,		/* --sort sym */
	HIST_SORT_DSO_SYM,	/* --sort dso,sym (perfloop's default) */
	HIST_SORT_COMM_DSO_SYM, /* --sort comm,dso,sym (perf's default) */
};

/* Parse "sym", "dso,sym" or "comm,dso,sym"; -1 when it is none of them. */
int hist_sort_parse(const char *s, enum hist_sort *out);
const char *hist_sort_name(enum hist_sort s);

/*
 * A DSO of the profile seen through another file: samples in `path` (as the
 * profile recorded it) are symbolized from `file` (a stored copy of the
 * artifact) and shown as `name`. Either may be NULL.
 */
struct dso_alias {
	const char *path;
	const char *file;
	const char *name;
};

struct hist_opts {
	enum hist_sort sort;
	const char *cache_dir;	 /* symbol cache; NULL: none */
	const char *debug_root;	 /* NULL: /usr/lib/debug; "": do not look */
	const char *buildid_dir; /* perf's build-id cache; NULL: $HOME/.debug; "": do not look */
	const char
	    *kallsyms;	/* NULL: perf's cached copy for the recorded kernel, else /proc/kallsyms */
	int no_symbols; /* resolve nothing, read no other file (fuzzing) */
	int folded;	/* also collect folded call stacks */
	double name_limit;    /* rows below this percentage (hist_above_limit) keep their raw
				 symbol name as `sym`: the caller does not show them */
	size_t hidden_sorted; /* of the rows below name_limit, how many the caller reads in
				 order (the first ones); the rest come in no set order */
	const struct dso_alias *aliases;
	size_t nr_aliases;
};

struct hist_row {
	const char *comm; /* NULL unless sorted by comm */
	const char *dso;  /* short name as perf shows it, "[unknown]" without a mapping */
	const char *sym;  /* symbol as perf shows it (demangled), or "0x%016llx" */
	const char *raw;  /* symbol as in the symbol table, NULL when unresolved */
	char level;	  /* '.' user, 'k' kernel, 'g'/'u' guest, 'H' hypervisor/unknown */
	int resolved;
	uint64_t addr; /* symbol start, or the address, in the DSO */
	uint64_t samples, period;
};

struct hist_event {
	char *name; /* as recorded: "cpu-clock:uH" */
	uint32_t type;
	uint64_t config;
	uint64_t nr_samples, total_period;
	struct hist_row *rows; /* by period, largest first */
	size_t nr_rows;
};

struct folded_stack {
	char *stack; /* "comm;outer;...;inner" */
	uint64_t samples;
};

struct hist_priv;

struct hist_report {
	struct hist_event *events; /* one per event attribute, in file order */
	size_t nr_events;
	uint64_t lost;	      /* samples the kernel dropped (LOST records) */
	uint64_t unknown_id;  /* samples of no known event */
	int has_callchains;   /* some event recorded call chains */
	int dwarf_callchains; /* ... only as user stacks to unwind (--call-graph dwarf) */
	struct folded_stack *folded;
	size_t nr_folded;
	char *hostname, *cmdline, *perf_version;
	unsigned nr_cpus;
	int pipe, swapped, compressed;
	struct strbuf warn; /* one line per warning */
	struct hist_priv *priv;
};

/*
 * Read `path` and build its rows. Returns 0, or -1 with one line in err
 * (unreadable or corrupt file). The report must be released either way.
 */
int hists_build(const char *path, const struct hist_opts *o, struct hist_report *r,
		struct strbuf *err);

/* As hists_build() over a perf.data image in memory (fuzzing and tests). */
int hists_build_mem(const void *data, size_t size, const char *name, const struct hist_opts *o,
		    struct hist_report *r, struct strbuf *err);

void hists_release(struct hist_report *r);

/* The percentage perf report prints for a row of event e. */
double hist_percent(const struct hist_event *e, const struct hist_row *row);

/*
 * Is the row shown under perf's --percent-limit? (perf compares single-
 * precision floats and hides rows strictly below the limit.)
 */
int hist_above_limit(const struct hist_event *e, const struct hist_row *row, double limit);

#endif
