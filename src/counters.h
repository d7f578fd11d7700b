/*
 * counters.h: perf_event counters of one child's whole process tree.
 *
 * How: right before the child is spawned, counters_start() opens counters on
 * perfloop itself (pid 0, any CPU) with inherit=1, disabled=1 and
 * enable_on_exec=1. The child inherits them at clone, still disabled, and
 * they start counting when it execs; everything it forks or clones later
 * (threads too) inherits them enabled. perfloop never execs, so its own
 * work before and after the spawn is not counted. After the child has been
 * reaped, counters_finish() reads and closes them.
 *
 * What is counted: every process and thread of the tree from its exec (for
 * the child) or creation (for descendants) on. When a task of the tree
 * exits, the kernel adds its counts to perfloop's event, and a read sums
 * that with the tasks of the tree still alive, so:
 *   - each task is counted exactly once, whether or not anyone waited for it
 *     (unlike getrusage's children times, nothing depends on wait());
 *   - a descendant still running when counters_finish() reads (a daemon left
 *     behind) is counted up to that moment; what it does afterwards is lost.
 * Work of the child between clone and exec (posix_spawn's file actions) is
 * not counted. Nothing else may be spawned between counters_start() and
 * counters_finish(): anything that execs inherits the counters too.
 *
 * Events: `instructions` and `cycles` are hardware (PMU) events counted in
 * user space only (exclude_kernel, exclude_hv: `instructions:u`); on a
 * machine or VM without a PMU they are unavailable. The software events
 * count kernel work too (a context switch happens in the kernel: excluded,
 * it always reads 0). When the kernel refuses that (EACCES/EPERM, with
 * kernel.perf_event_paranoid >= 2 and no CAP_PERFMON), task-clock and
 * page-faults are reopened for user space only (flagged user_only);
 * context-switches and cpu-migrations are then unavailable, since their
 * user-space-only count is always 0.
 */
#ifndef COUNTERS_H
#define COUNTERS_H

#include <stdint.h>

#include "strbuf.h"

enum counter_id {
	COUNTER_INSTRUCTIONS,
	COUNTER_CYCLES,
	COUNTER_TASK_CLOCK, /* nanoseconds on a CPU */
	COUNTER_CONTEXT_SWITCHES,
	COUNTER_CPU_MIGRATIONS,
	COUNTER_PAGE_FAULTS,
	COUNTER__N
};

#define COUNTER_BIT(id)	  (1u << (id))
#define COUNTERS_PMU	  (COUNTER_BIT(COUNTER_INSTRUCTIONS) | COUNTER_BIT(COUNTER_CYCLES))
#define COUNTERS_ALL	  ((1u << COUNTER__N) - 1)
#define COUNTERS_SOFTWARE (COUNTERS_ALL & ~COUNTERS_PMU)

/* perf's name for the event ("instructions", "task-clock"...). */
const char *counter_name(enum counter_id id);
/* The unit of its value: "ns" for task-clock, "" for counts. */
const char *counter_unit(enum counter_id id);
/* The id for a name, or -1. */
int counter_from_name(const char *name);
/* A mask from comma-separated names ("all", "pmu", "software" too); -1 with err. */
int counter_mask_parse(const char *list, unsigned *mask, struct strbuf *err);

struct counter_set {
	int fd[COUNTER__N];  /* -1 when not open */
	int guard_fd;	     /* the not-inherited dummy event (see counters.c), -1 */
	unsigned wanted;     /* asked for */
	unsigned open;	     /* opened and counting for the next child */
	unsigned user_only;  /* reopened with exclude_kernel after EACCES */
	int err[COUNTER__N]; /* errno of a wanted counter that is unavailable */
};

struct counter_values {
	unsigned valid;	      /* value[i] holds a count */
	unsigned unavailable; /* wanted, but the event could not be opened */
	unsigned scaled;      /* multiplexed: value extrapolated from running time */
	unsigned not_run;     /* enabled but never scheduled on a PMU: no value */
	unsigned user_only;   /* counted in user space only (see above) */
	uint64_t value[COUNTER__N];
	uint64_t time_enabled[COUNTER__N], time_running[COUNTER__N]; /* ns */
	int err[COUNTER__N]; /* errno for unavailable ones */
};

/*
 * Open the wanted counters (a mask of COUNTER_BIT()s) on perfloop, for the
 * next child spawned. An event this machine or kernel does not have, or
 * that the kernel refuses, is recorded as unavailable (set->err) and is not
 * an error. Returns 0, or -1 with err when perfloop itself is the problem
 * (out of file descriptors or memory); nothing is left open then.
 */
int counters_start(struct counter_set *set, unsigned wanted, struct strbuf *err);

/*
 * After the child was reaped: read every open counter into vals (unscaled
 * counts are exact; multiplexed ones are scaled and flagged) and close them.
 * Returns 0, or -1 with err when a read failed (the rest are still read and
 * everything is closed).
 */
int counters_finish(struct counter_set *set, struct counter_values *vals, struct strbuf *err);

/* An empty set: nothing open, counters_abort() may be called on it. */
void counters_init(struct counter_set *set);

/* Close without reading (the spawn failed, or the run is being abandoned). */
void counters_abort(struct counter_set *set);

/*
 * Counting children one after the other with the same counters (a bench's
 * runs): counters_start() once, then for each child counters_snapshot()
 * right before it is spawned and counters_delta() as soon as it is reaped,
 * and counters_abort() after the last. Opening and closing the events for
 * each child costs far more kernel time than two reads (about 0.25 ms a
 * run for four events on the shared VM of README's Performance section).
 * The children's counts are summed into perfloop's events as they exit,
 * so a child's values are the difference of the two reads; what a previous
 * child's leftover processes do between that child's delta and the next
 * snapshot is in no child's values. Both return 0, or -1 with err when a
 * read failed (that counter then has no value).
 */
struct counter_snapshot {
	uint64_t raw[COUNTER__N][3]; /* value, time enabled, time running */
	unsigned ok;		     /* read */
};
int counters_snapshot(const struct counter_set *set, struct counter_snapshot *snap,
		      struct strbuf *err);
int counters_delta(const struct counter_set *set, const struct counter_snapshot *before,
		   struct counter_values *vals, struct strbuf *err);

/*
 * Why a wanted counter is unavailable, in words ("no such event on this
 * machine (no PMU?)", "not permitted (kernel.perf_event_paranoid is 2)").
 */
void counter_unavailable_reason(int errnum, enum counter_id id, struct strbuf *out);

/*
 * Does this machine count user-space instructions? Opens `instructions:u` on
 * perfloop itself, runs a short loop and checks that something was counted.
 * 1 when it works; 0 with why filled when not.
 */
int counters_pmu_present(struct strbuf *why);

#endif
