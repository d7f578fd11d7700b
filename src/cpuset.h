/*
 * cpuset.h: CPU lists ("0-3,5,7-8", the kernel's cpulist format) and the
 * process attributes a bench child is spawned with: a CPU affinity and
 * address-space layout randomization turned off.
 *
 * Why the attributes are set on perfloop itself around the spawn: proc.c
 * starts children with posix_spawn, which has no attribute for either. Both
 * are inherited by a child at clone (the affinity mask and the personality
 * are copied from the calling thread), and the personality's
 * ADDR_NO_RANDOMIZE takes effect when the child execs. So the parent sets
 * them on its own thread just before posix_spawn and restores them as soon as
 * posix_spawn has returned: the child keeps what it inherited, perfloop runs
 * unpinned again while it waits, and its own address space (laid out when
 * perfloop was exec'd) is not affected by the personality at all.
 * The personality flag is dropped by the kernel when the child execs a
 * set-user-ID program.
 */
#ifndef CPUSET_H
#define CPUSET_H

#include <sched.h>

#include "strbuf.h"

/*
 * Parse a CPU list: comma-separated CPU numbers and inclusive ranges "a-b"
 * (a <= b), blanks around items allowed, at least one CPU. The error names
 * the bad item, e.g. "cpu list '0-3,x': 'x' is not a CPU number".
 */
int cpulist_parse(const char *s, cpu_set_t *set, struct strbuf *err);

/* Append the set in cpulist form ("0-3,5"; "" for an empty set). */
void cpulist_format(const cpu_set_t *set, struct strbuf *out);

/*
 * The online CPUs, from ROOT/sys/devices/system/cpu/online (root "/" or
 * NULL for the real system; tests pass a fake tree). 0 or -1 with err.
 */
int cpus_online(const char *root, cpu_set_t *set, struct strbuf *err);

/*
 * Check that every CPU of `want` is online and allowed (allowed may be NULL:
 * not checked). The error names the first CPU that is not, with the online
 * or allowed list, e.g. "cpu 3 is not online (online cpus: 0-1)".
 */
int cpulist_check(const cpu_set_t *want, const cpu_set_t *online, const cpu_set_t *allowed,
		  struct strbuf *err);

/*
 * What a child is spawned with. Fill the inputs, call spawn_persona_begin()
 * right before posix_spawn and spawn_persona_end() right after it returns
 * (whether it succeeded or not); end undoes exactly what begin changed.
 */
struct spawn_persona {
	/* inputs */
	int no_aslr;	       /* set ADDR_NO_RANDOMIZE */
	const cpu_set_t *cpus; /* pin to these CPUs; NULL = leave the affinity alone */

	/* saved state */
	int persona_changed, affinity_changed;
	unsigned long saved_persona;
	cpu_set_t saved_cpus;
};

#define SPAWN_PERSONA_INIT                                                                         \
	{                                                                                          \
		0                                                                                  \
	}

/* 0, or -1 with err (nothing is left changed on failure). */
int spawn_persona_begin(struct spawn_persona *p, struct strbuf *err);
/* Restore perfloop's own settings; 0, or -1 with err. */
int spawn_persona_end(struct spawn_persona *p, struct strbuf *err);

#endif
