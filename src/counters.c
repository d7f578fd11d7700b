/*
 * counters.c: perf_event counters of a child's process tree, opened on
 * perfloop with inherit and enable_on_exec (see counters.h for what that
 * counts and why).
 */
#include "counters.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "banned.h"

static const struct {
	const char *name, *unit;
	uint32_t type;
	uint64_t config;
	int kernel_only; /* its user-space-only count is always 0 */
} events[COUNTER__N] = {
    [COUNTER_INSTRUCTIONS] = {"instructions", "", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS,
			      0},
    [COUNTER_CYCLES] = {"cycles", "", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, 0},
    [COUNTER_TASK_CLOCK] = {"task-clock", "ns", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, 0},
    [COUNTER_CONTEXT_SWITCHES] = {"context-switches", "", PERF_TYPE_SOFTWARE,
				  PERF_COUNT_SW_CONTEXT_SWITCHES, 1},
    [COUNTER_CPU_MIGRATIONS] = {"cpu-migrations", "", PERF_TYPE_SOFTWARE,
				PERF_COUNT_SW_CPU_MIGRATIONS, 1},
    [COUNTER_PAGE_FAULTS] = {"page-faults", "", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 0},
};

const char *counter_name(enum counter_id id)
{
	return (unsigned)id < COUNTER__N ? events[id].name : "?";
}

const char *counter_unit(enum counter_id id)
{
	return (unsigned)id < COUNTER__N ? events[id].unit : "";
}

int counter_from_name(const char *name)
{
	int i;

	for (i = 0; i < COUNTER__N; i++)
		if (!strcmp(name, events[i].name))
			return i;
	return -1;
}

int counter_mask_parse(const char *list, unsigned *mask, struct strbuf *err)
{
	const char *p = list;

	*mask = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		char *name = xstrndup(p, len);
		int id = counter_from_name(name);

		if (id >= 0)
			*mask |= COUNTER_BIT(id);
		else if (!strcmp(name, "all"))
			*mask |= COUNTERS_ALL;
		else if (!strcmp(name, "pmu"))
			*mask |= COUNTERS_PMU;
		else if (!strcmp(name, "software"))
			*mask |= COUNTERS_SOFTWARE;
		else {
			strbuf_addf(err, "unknown counter '%s' (known: all, pmu, software", name);
			for (id = 0; id < COUNTER__N; id++)
				strbuf_addf(err, ", %s", events[id].name);
			strbuf_addch(err, ')');
			free(name);
			return -1;
		}
		free(name);
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

static int perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group,
			   unsigned long flags)
{
	return (int)syscall(SYS_perf_event_open, attr, pid, cpu, group, flags);
}

static void fill_attr(struct perf_event_attr *attr, enum counter_id id, int user_only)
{
	memset(attr, 0, sizeof(*attr));
	attr->size = sizeof(*attr);
	attr->type = events[id].type;
	attr->config = events[id].config;
	attr->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	attr->disabled = 1;
	attr->inherit = 1;
	attr->enable_on_exec = 1;
	attr->exclude_hv = 1;
	/* PMU events are user space only by design: `instructions:u` */
	attr->exclude_kernel = user_only || events[id].type == PERF_TYPE_HARDWARE;
}

/* Errors that say perfloop itself is in trouble, not that the event is missing. */
static int fatal_errno(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOMEM;
}

static void set_init(struct counter_set *set, unsigned wanted)
{
	int i;

	memset(set, 0, sizeof(*set));
	for (i = 0; i < COUNTER__N; i++)
		set->fd[i] = -1;
	set->guard_fd = -1;
	set->wanted = wanted & COUNTERS_ALL;
}

/*
 * A child whose perf context holds only inherited copies of perfloop's
 * events is a "clone" of perfloop's context, and the kernel may then swap
 * the two contexts at a context switch between them instead of switching
 * events out and in (an optimization for threads). After posix_spawn's
 * vfork-like clone that switch is certain: perfloop's own events would move
 * to the child, be enabled by its exec and stop with its exit, so a second
 * child counted with the same events reads nothing. One event that is not
 * inherited (a disabled dummy) keeps the contexts from being clones.
 */
static void open_guard(struct counter_set *set)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_DUMMY;
	attr.disabled = 1;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	set->guard_fd = perf_event_open(&attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

int counters_start(struct counter_set *set, unsigned wanted, struct strbuf *err)
{
	struct perf_event_attr attr;
	int i;

	set_init(set, wanted);
	for (i = 0; i < COUNTER__N; i++) {
		int fd;

		if (!(set->wanted & COUNTER_BIT(i)))
			continue;
		fill_attr(&attr, i, 0);
		fd = perf_event_open(&attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0 && (errno == EACCES || errno == EPERM) && !attr.exclude_kernel &&
		    !events[i].kernel_only) {
			fill_attr(&attr, i, 1);
			fd = perf_event_open(&attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
			if (fd >= 0)
				set->user_only |= COUNTER_BIT(i);
		}
		if (fd < 0) {
			set->err[i] = errno;
			if (fatal_errno(errno)) {
				strbuf_addf(err, "cannot open the %s counter: %s", events[i].name,
					    strerror(errno));
				counters_abort(set);
				return -1;
			}
			continue;
		}
		set->fd[i] = fd;
		set->open |= COUNTER_BIT(i);
	}
	if (set->open)
		open_guard(set);
	return 0;
}

void counters_init(struct counter_set *set)
{
	set_init(set, 0);
}

void counters_abort(struct counter_set *set)
{
	int i;

	for (i = 0; i < COUNTER__N; i++) {
		if (set->fd[i] >= 0)
			close(set->fd[i]);
		set->fd[i] = -1;
	}
	if (set->guard_fd >= 0)
		close(set->guard_fd);
	set->guard_fd = -1;
	set->open = 0;
}

/* value * enabled / running without overflowing 64 bits on the way */
static uint64_t scale(uint64_t value, uint64_t enabled, uint64_t running)
{
	return (uint64_t)((long double)value * (long double)enabled / (long double)running + 0.5L);
}

/* Read every open counter's value, time enabled and time running into raw. */
static int read_raw(const struct counter_set *set, uint64_t raw[][3], unsigned *ok,
		    struct strbuf *err)
{
	int i, ret = 0;

	*ok = 0;
	for (i = 0; i < COUNTER__N; i++) {
		ssize_t n;

		if (!(set->open & COUNTER_BIT(i)))
			continue;
		n = read(set->fd[i], raw[i], 3 * sizeof(uint64_t));
		if (n != (ssize_t)(3 * sizeof(uint64_t))) {
			if (!ret)
				strbuf_addf(err, "cannot read the %s counter: %s", events[i].name,
					    n < 0 ? strerror(errno) : "short read");
			ret = -1;
			continue;
		}
		*ok |= COUNTER_BIT(i);
	}
	return ret;
}

/* The values of raw counts (less `base`, when given: a snapshot's). */
static void fill_values(const struct counter_set *set, uint64_t raw[][3], unsigned ok,
			const struct counter_snapshot *base, struct counter_values *vals)
{
	int i;

	memset(vals, 0, sizeof(*vals));
	vals->user_only = set->user_only;
	for (i = 0; i < COUNTER__N; i++) {
		uint64_t rf[3]; /* value, time enabled, time running */

		if (!(set->wanted & COUNTER_BIT(i)))
			continue;
		if (!(set->open & COUNTER_BIT(i))) {
			vals->unavailable |= COUNTER_BIT(i);
			vals->err[i] = set->err[i];
			continue;
		}
		if (!(ok & COUNTER_BIT(i)) || (base && !(base->ok & COUNTER_BIT(i))))
			continue;
		for (int k = 0; k < 3; k++)
			rf[k] = raw[i][k] - (base ? base->raw[i][k] : 0);
		vals->time_enabled[i] = rf[1];
		vals->time_running[i] = rf[2];
		if (rf[1] && !rf[2]) {
			/* enabled, but never got a PMU slot: no count at all */
			vals->not_run |= COUNTER_BIT(i);
			continue;
		}
		if (rf[2] < rf[1]) {
			vals->value[i] = scale(rf[0], rf[1], rf[2]);
			vals->scaled |= COUNTER_BIT(i);
		} else {
			vals->value[i] = rf[0];
		}
		vals->valid |= COUNTER_BIT(i);
	}
}

int counters_finish(struct counter_set *set, struct counter_values *vals, struct strbuf *err)
{
	uint64_t raw[COUNTER__N][3];
	unsigned ok;
	int ret = read_raw(set, raw, &ok, err);

	fill_values(set, raw, ok, NULL, vals);
	counters_abort(set);
	return ret;
}

int counters_snapshot(const struct counter_set *set, struct counter_snapshot *snap,
		      struct strbuf *err)
{
	return read_raw(set, snap->raw, &snap->ok, err);
}

int counters_delta(const struct counter_set *set, const struct counter_snapshot *before,
		   struct counter_values *vals, struct strbuf *err)
{
	uint64_t raw[COUNTER__N][3];
	unsigned ok;
	int ret = read_raw(set, raw, &ok, err);

	fill_values(set, raw, ok, before, vals);
	return ret;
}

static int read_paranoid(void)
{
	struct strbuf sb = STRBUF_INIT;
	long v = -99;

	if (strbuf_read_file(&sb, "/proc/sys/kernel/perf_event_paranoid", 64) >= 0) {
		char *end;

		strbuf_trim(&sb);
		v = strtol(sb.buf, &end, 10);
		if (end == sb.buf || *end)
			v = -99;
	}
	strbuf_release(&sb);
	return (int)v;
}

void counter_unavailable_reason(int errnum, enum counter_id id, struct strbuf *out)
{
	int paranoid;

	switch (errnum) {
	case ENOENT:
	case ENODEV:
	case EOPNOTSUPP:
		if (events[id].type == PERF_TYPE_HARDWARE)
			strbuf_addstr(out, "no hardware counters on this machine (no PMU: common "
					   "in virtual machines)");
		else
			strbuf_addf(out, "no such event on this machine (%s)", strerror(errnum));
		return;
	case ENOSYS:
		strbuf_addstr(out, "perf_event_open is not available (kernel or seccomp)");
		return;
	case EACCES:
	case EPERM:
		paranoid = read_paranoid();
		strbuf_addstr(out, "not permitted");
		if (events[id].kernel_only)
			strbuf_addstr(out, " (it counts kernel events");
		else
			strbuf_addstr(out, " (");
		if (paranoid != -99)
			strbuf_addf(out, "%skernel.perf_event_paranoid is %d",
				    events[id].kernel_only ? "; " : "", paranoid);
		else
			strbuf_addf(out, "%sperf_event_paranoid unknown",
				    events[id].kernel_only ? "; " : "");
		strbuf_addstr(out, ", needs <= 1 or CAP_PERFMON)");
		return;
	default:
		strbuf_addstr(out, errnum ? strerror(errnum) : "not opened");
	}
}

int counters_pmu_present(struct strbuf *why)
{
	struct perf_event_attr attr;
	uint64_t rf[3];
	volatile unsigned x = 0;
	unsigned i;
	int fd, ok = 0;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = PERF_COUNT_HW_INSTRUCTIONS;
	attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	fd = perf_event_open(&attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		strbuf_addstr(why, "instructions:u: ");
		counter_unavailable_reason(errno, COUNTER_INSTRUCTIONS, why);
		return 0;
	}
	for (i = 0; i < 100000; i++)
		x += i;
	(void)x;
	if (read(fd, rf, sizeof(rf)) != (ssize_t)sizeof(rf))
		strbuf_addf(why, "instructions:u: cannot read the counter: %s", strerror(errno));
	else if (!rf[2])
		strbuf_addstr(why, "instructions:u: the counter never ran (PMU busy?)");
	else if (rf[0] < 100000)
		strbuf_addf(why, "instructions:u: counted %llu for a loop of 100000 iterations",
			    (unsigned long long)rf[0]);
	else
		ok = 1;
	close(fd);
	return ok;
}
