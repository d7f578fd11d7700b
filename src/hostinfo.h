/*
 * hostinfo.h: facts about the machine that decide whether bench results
 * from it can be trusted (for `perfloop doctor`): hardware counters,
 * valgrind, load and the busiest other processes, CPUs online and allowed,
 * the cgroup CPU quota, frequency governor, turbo boost and SMT.
 *
 * Every /proc and /sys file is read under a root directory ("/" for this
 * machine; tests use a fake tree). A fact that cannot be read is "unknown",
 * never an error. The PMU and valgrind probes run the real thing whatever
 * the root is, so they are opt-in.
 */
#ifndef HOSTINFO_H
#define HOSTINFO_H

#include <jansson.h>

#include "strbuf.h"

enum hi_state { HI_UNKNOWN = -1, HI_NO = 0, HI_YES = 1 };

#define HOSTINFO_BUSY_MAX 5

struct hostinfo_proc {
	long pid;
	char comm[17]; /* the kernel's task name: up to 15 bytes */
	double cpu;    /* CPUs' worth it used during the sample: 1.0 = one CPU */
};

struct hostinfo {
	int pmu;       /* user-space instructions can be counted */
	char *pmu_why; /* why not, when pmu is HI_NO */
	int perf_paranoid_known;
	int perf_paranoid; /* kernel.perf_event_paranoid */

	int valgrind; /* HI_UNKNOWN when not probed */
	char *valgrind_path, *valgrind_version, *valgrind_why;

	int load_known;
	double load[3]; /* 1, 5 and 15 minute load averages */

	int cpus_online;    /* -1 unknown */
	int cpus_allowed;   /* this process's affinity, -1 unknown */
	int cgroup_version; /* of the cpu controller used for the quota: 1, 2 or 0 */
	char *cgroup_path;  /* the process's cgroup in that hierarchy */
	double cpu_quota;   /* CPUs' worth (quota / period, the tightest of the
			     * cgroup and its ancestors); 0 = no limit; -1 unknown */
	char *governor;	    /* "performance", "mixed: a,b" or NULL (unknown) */
	int boost;	    /* turbo/boost enabled */
	int smt;	    /* simultaneous multithreading active */

	int busy_known; /* the two samples were taken */
	size_t nbusy;
	struct hostinfo_proc busy[HOSTINFO_BUSY_MAX]; /* busiest first */
};

struct hostinfo_opts {
	const char *root;      /* NULL or "/" = this machine */
	int probe_pmu;	       /* run counters_pmu_present() */
	int probe_valgrind;    /* run valgrind_detect() */
	const char *valgrind;  /* the configured program (NULL = "valgrind" in PATH) */
	double sample_seconds; /* between the two /proc samples; 0 = no busy list */
	long self_pid;	       /* excluded with its descendants; 0 = getpid() */
};

/* Gather every fact (hi is overwritten; free with hostinfo_release()). */
void hostinfo_gather(struct hostinfo *hi, const struct hostinfo_opts *opts);
void hostinfo_release(struct hostinfo *hi);

/* CPUs the harness can use: allowed (else online), capped by the cgroup quota; 0 unknown. */
double hostinfo_usable_cpus(const struct hostinfo *hi);

/*
 * The facts as JSON (README "perfloop doctor"): keys pmu {present, why},
 * paranoid, valgrind {present, path, version, why}, load {1m, 5m, 15m},
 * cpus {online, allowed, usable}, cgroup_quota {version, path, cpus,
 * limited}, governor, boost, smt and busiest [{pid, comm, cpu}]; an
 * unknown value is null. A new reference.
 */
json_t *hostinfo_json(const struct hostinfo *hi);

/* The parts, for tests and for callers that need one fact. */

struct proc_sample_entry {
	long pid, ppid;
	unsigned long long ticks; /* utime + stime, clock ticks */
	unsigned long long start; /* start time, to tell a reused pid */
	char comm[17];
};

struct proc_sample {
	struct proc_sample_entry *v; /* sorted by pid */
	size_t nr, alloc;
};

/* Read ROOT/proc/[pid]/stat of every process. 0, or -1 with err (no /proc). */
int proc_sample_take(const char *root, struct proc_sample *s, struct strbuf *err);
void proc_sample_release(struct proc_sample *s);

/*
 * The busiest processes between two samples `seconds` apart (ticks at
 * clk_tck per second), leaving out self_pid and its descendants and
 * processes not in both samples; at most max, busiest first, only those
 * that used any CPU. Returns how many.
 */
size_t proc_busiest(const struct proc_sample *a, const struct proc_sample *b, double seconds,
		    long clk_tck, long self_pid, struct hostinfo_proc *top, size_t max);

/*
 * The CPU quota of this process's cgroup under root: CPUs' worth, 0 for no
 * limit, -1 when unknown. version and path are set when the cgroup is found.
 */
double cgroup_cpu_quota(const char *root, int *version, char **path);

#endif
