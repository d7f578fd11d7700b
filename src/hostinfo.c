/*
 * hostinfo.c: machine facts for `perfloop doctor`, read from /proc and /sys
 * under a root directory so tests can use a fake tree (see hostinfo.h).
 */
#include "hostinfo.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "counters.h"
#include "cpuset.h"
#include "valgrind.h"
#include "banned.h"

/* ROOT + path, where root "/" or NULL means the real one */
static char *rooted(const char *root, const char *path)
{
	if (!root || !strcmp(root, "/"))
		root = "";
	return xstrfmt("%s%s", root, path);
}

/* A small file under root, trimmed; -1 when unreadable. */
static int read_small(const char *root, const char *path, struct strbuf *out)
{
	char *p = rooted(root, path);
	long n;

	strbuf_reset(out);
	n = strbuf_read_file(out, p, 65536);
	free(p);
	if (n < 0)
		return -1;
	strbuf_trim(out);
	return 0;
}

static int read_long(const char *root, const char *path, long *v)
{
	struct strbuf sb = STRBUF_INIT;
	char *end;
	int ret = -1;

	if (!read_small(root, path, &sb) && sb.len) {
		errno = 0;
		*v = strtol(sb.buf, &end, 10);
		if (!*end && !errno)
			ret = 0;
	}
	strbuf_release(&sb);
	return ret;
}

/* "0"/"1" files: HI_NO/HI_YES, anything else HI_UNKNOWN */
static int read_flag(const char *root, const char *path)
{
	long v;

	if (read_long(root, path, &v) || (v != 0 && v != 1))
		return HI_UNKNOWN;
	return v ? HI_YES : HI_NO;
}

static void read_load(const char *root, struct hostinfo *hi)
{
	struct strbuf sb = STRBUF_INIT;

	hi->load_known =
	    !read_small(root, "/proc/loadavg", &sb) &&
	    sscanf(sb.buf, "%lf %lf %lf", &hi->load[0], &hi->load[1], &hi->load[2]) == 3;
	strbuf_release(&sb);
}

static void read_cpus(const char *root, struct hostinfo *hi)
{
	struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT;
	cpu_set_t set;
	const char *p;

	hi->cpus_online = cpus_online(root, &set, &err) ? -1 : CPU_COUNT(&set);
	hi->cpus_allowed = -1;
	if (!read_small(root, "/proc/self/status", &sb) &&
	    (p = strstr(sb.buf, "\nCpus_allowed_list:"))) {
		char *list;

		p += strlen("\nCpus_allowed_list:");
		list = xstrndup(p, strcspn(p, "\n"));
		strbuf_reset(&err);
		if (!cpulist_parse(list, &set, &err))
			hi->cpus_allowed = CPU_COUNT(&set);
		free(list);
	}
	strbuf_release(&sb);
	strbuf_release(&err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The scaling governor of every CPU: one name, "mixed: a,b" (sorted), or NULL. */
static char *read_governor(const char *root)
{
	char *dir = rooted(root, "/sys/devices/system/cpu");
	DIR *d = opendir(dir);
	struct dirent *de;
	struct strbuf out = STRBUF_INIT, sb = STRBUF_INIT;
	char **names = NULL;
	size_t nr = 0, alloc = 0, i, distinct = 0;

	free(dir);
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		char *path;

		if (strncmp(de->d_name, "cpu", 3) || !de->d_name[3] ||
		    strspn(de->d_name + 3, "0123456789") != strlen(de->d_name + 3))
			continue;
		path = xstrfmt("/sys/devices/system/cpu/%s/cpufreq/scaling_governor", de->d_name);
		if (!read_small(root, path, &sb) && sb.len) {
			ALLOC_GROW(names, nr + 1, alloc);
			names[nr++] = xstrdup(sb.buf);
		}
		free(path);
	}
	closedir(d);
	strbuf_release(&sb);
	if (!nr)
		return NULL;
	qsort(names, nr, sizeof(*names), cmp_str);
	for (i = 0; i < nr; i++) {
		if (i && !strcmp(names[i], names[i - 1]))
			continue;
		strbuf_addf(&out, "%s%s", distinct ? "," : "", names[i]);
		distinct++;
	}
	for (i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	if (distinct > 1) {
		char *s = xstrfmt("mixed: %s", out.buf);

		strbuf_release(&out);
		return s;
	}
	return strbuf_detach(&out, NULL);
}

static int read_boost(const char *root)
{
	int v = read_flag(root, "/sys/devices/system/cpu/cpufreq/boost");

	if (v != HI_UNKNOWN)
		return v;
	v = read_flag(root, "/sys/devices/system/cpu/intel_pstate/no_turbo");
	if (v == HI_UNKNOWN)
		return v;
	return v == HI_YES ? HI_NO : HI_YES;
}

/* --- cgroup CPU quota --- */

/* Does the comma-separated list hold the word? */
static int has_word(const char *list, size_t len, const char *word)
{
	size_t wl = strlen(word);
	const char *p = list, *end = list + len;

	while (p < end) {
		const char *q = memchr(p, ',', (size_t)(end - p));
		size_t n = q ? (size_t)(q - p) : (size_t)(end - p);

		if (n == wl && !strncmp(p, word, n))
			return 1;
		p += n + 1;
	}
	return 0;
}

/* mountinfo's octal escapes (\040 for a space) undone in place */
static void unescape_octal(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/*
 * The mount of the cgroup v1 hierarchy with the cpu controller (version 1)
 * or of cgroup2 (version 2): its root within the hierarchy and mount point.
 */
static int find_cgroup_mount(const char *mountinfo, int version, char **mroot, char **mpoint)
{
	const char *line = mountinfo;

	while (*line) {
		size_t len = strcspn(line, "\n");
		char *l = xstrndup(line, len), *sep = strstr(l, " - ");
		char f[5][4096] = {{0}}, fstype[64] = "", source[4096] = "", opts[4096] = "";
		int ok = 0;

		if (sep &&
		    sscanf(l, "%4095s %4095s %4095s %4095s %4095s", f[0], f[1], f[2], f[3], f[4]) ==
			5 &&
		    sscanf(sep + 3, "%63s %4095s %4095s", fstype, source, opts) == 3) {
			if (version == 1)
				ok = !strcmp(fstype, "cgroup") &&
				     has_word(opts, strlen(opts), "cpu");
			else
				ok = !strcmp(fstype, "cgroup2");
		}
		free(l);
		if (ok) {
			unescape_octal(f[3]);
			unescape_octal(f[4]);
			*mroot = xstrdup(f[3]);
			*mpoint = xstrdup(f[4]);
			return 0;
		}
		line += len + (line[len] == '\n');
	}
	return -1;
}

/* One level's limit in CPUs: 0 none, -1 unreadable */
static double level_quota(const char *root, const char *dir, int version)
{
	struct strbuf sb = STRBUF_INIT;
	double q = -1;

	if (version == 1) {
		char *qp = xstrfmt("%s/cpu.cfs_quota_us", dir),
		     *pp = xstrfmt("%s/cpu.cfs_period_us", dir);
		long quota, period;

		if (!read_long(root, qp, &quota) && !read_long(root, pp, &period))
			q = quota < 0 || period <= 0 ? 0 : (double)quota / (double)period;
		free(qp);
		free(pp);
	} else {
		char *mp = xstrfmt("%s/cpu.max", dir);
		char quota[32];
		long period;

		/* "max 100000" or "50000 100000" */
		if (!read_small(root, mp, &sb) && sscanf(sb.buf, "%31s %ld", quota, &period) == 2 &&
		    period > 0) {
			if (!strcmp(quota, "max"))
				q = 0;
			else if (atol(quota) > 0)
				q = (double)atol(quota) / (double)period;
		}
		free(mp);
	}
	strbuf_release(&sb);
	return q;
}

double cgroup_cpu_quota(const char *root, int *version, char **path)
{
	struct strbuf cg = STRBUF_INIT, mi = STRBUF_INIT;
	char *cgpath[3] = {NULL, NULL, NULL}; /* by version */
	const char *line;
	double quota = -1;
	int v;

	*version = 0;
	*path = NULL;
	if (read_small(root, "/proc/self/cgroup", &cg))
		goto out;
	/* "ID:CONTROLLERS:PATH" lines; "0::PATH" is cgroup v2 */
	for (line = cg.buf; *line;) {
		size_t len = strcspn(line, "\n");
		const char *c1 = memchr(line, ':', len), *c2;

		if (c1 && (c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)))) {
			size_t clen = (size_t)(c2 - c1 - 1);
			char *p = xstrndup(c2 + 1, len - (size_t)(c2 + 1 - line));

			if (!clen && !strncmp(line, "0:", 2) && !cgpath[2])
				cgpath[2] = p;
			else if (has_word(c1 + 1, clen, "cpu") && !cgpath[1])
				cgpath[1] = p;
			else
				free(p);
		}
		line += len + (line[len] == '\n');
	}
	if (read_small(root, "/proc/self/mountinfo", &mi))
		strbuf_reset(&mi);
	/* v1's cpu controller first: on a hybrid system cgroup2 has no cpu controller */
	for (v = 1; v <= 2 && quota < 0; v++) {
		char *mroot = NULL, *mpoint = NULL, *rel, *dir;
		size_t rl;
		int levels = 0;

		if (!cgpath[v])
			continue;
		if (find_cgroup_mount(mi.buf, v, &mroot, &mpoint)) {
			/* no mountinfo: the usual places */
			mroot = xstrdup("/");
			mpoint = xstrdup(v == 1 ? "/sys/fs/cgroup/cpu" : "/sys/fs/cgroup");
		}
		rel = cgpath[v];
		rl = strlen(mroot);
		if (strcmp(mroot, "/") && !strncmp(rel, mroot, rl) && (!rel[rl] || rel[rl] == '/'))
			rel += rl;
		dir = xstrfmt("%s%s%s", mpoint, *rel == '/' || !*rel ? "" : "/", rel);
		while (strlen(dir) > strlen(mpoint) && dir[strlen(dir) - 1] == '/')
			dir[strlen(dir) - 1] = '\0';
		/* the tightest limit of this cgroup and its ancestors up to the mount */
		for (;;) {
			double q = level_quota(root, dir, v);
			char *slash;

			if (q >= 0) {
				levels++;
				if (q > 0 && (quota <= 0 || q < quota))
					quota = q;
				else if (quota < 0)
					quota = 0;
			}
			if (strlen(dir) <= strlen(mpoint) || !(slash = strrchr(dir, '/')))
				break;
			*slash = '\0';
			if (strlen(dir) < strlen(mpoint))
				break;
		}
		if (levels) {
			*version = v;
			*path = xstrdup(cgpath[v]);
		}
		free(dir);
		free(mroot);
		free(mpoint);
	}
out:
	free(cgpath[1]);
	free(cgpath[2]);
	strbuf_release(&cg);
	strbuf_release(&mi);
	return quota;
}

/* --- busiest processes --- */

static int parse_stat(const char *text, struct proc_sample_entry *e)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')'), *p;
	unsigned long long f[20];
	size_t n;
	int i;

	if (!open || !close || close < open)
		return -1;
	n = (size_t)(close - open - 1);
	if (n >= sizeof(e->comm))
		n = sizeof(e->comm) - 1;
	memcpy(e->comm, open + 1, n);
	e->comm[n] = '\0';
	/* fields 3 (state) to 22 (starttime) follow the name */
	p = close + 1;
	for (i = 0; i < 20; i++) {
		char *end;

		p += strspn(p, " ");
		if (!*p)
			return -1;
		if (i == 0) {
			f[i] = 0;
			p += strcspn(p, " ");
			continue;
		}
		f[i] = strtoull(p, &end, 10);
		if (end == p && *p != '-')
			return -1;
		p = end + strcspn(end, " ");
	}
	e->ppid = (long)f[1];
	e->ticks = f[11] + f[12];
	e->start = f[19];
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	long x = ((const struct proc_sample_entry *)a)->pid;
	long y = ((const struct proc_sample_entry *)b)->pid;
	return (x > y) - (x < y);
}

int proc_sample_take(const char *root, struct proc_sample *s, struct strbuf *err)
{
	char *dir = rooted(root, "/proc");
	DIR *d = opendir(dir);
	struct dirent *de;
	struct strbuf sb = STRBUF_INIT;

	s->nr = 0;
	if (!d) {
		strbuf_addf(err, "cannot read '%s': %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	free(dir);
	while ((de = readdir(d))) {
		struct proc_sample_entry e;
		char *path;

		if (!de->d_name[0] || strspn(de->d_name, "0123456789") != strlen(de->d_name))
			continue;
		memset(&e, 0, sizeof(e));
		e.pid = atol(de->d_name);
		path = xstrfmt("/proc/%s/stat", de->d_name);
		/* a process may be gone by now: skip it */
		if (!read_small(root, path, &sb) && !parse_stat(sb.buf, &e)) {
			ALLOC_GROW(s->v, s->nr + 1, s->alloc);
			s->v[s->nr++] = e;
		}
		free(path);
	}
	closedir(d);
	strbuf_release(&sb);
	qsort(s->v, s->nr, sizeof(*s->v), cmp_entry);
	return 0;
}

void proc_sample_release(struct proc_sample *s)
{
	free(s->v);
	s->v = NULL;
	s->nr = s->alloc = 0;
}

static const struct proc_sample_entry *sample_find(const struct proc_sample *s, long pid)
{
	struct proc_sample_entry key;

	key.pid = pid;
	return bsearch(&key, s->v, s->nr, sizeof(*s->v), cmp_entry);
}

/* Is e self_pid or one of its descendants (by the parent links of s)? */
static int is_self_or_descendant(const struct proc_sample *s, const struct proc_sample_entry *e,
				 long self_pid)
{
	size_t depth;

	for (depth = 0; e && depth <= s->nr; depth++) {
		if (e->pid == self_pid)
			return 1;
		if (e->ppid <= 0 || e->ppid == e->pid)
			return 0;
		e = sample_find(s, e->ppid);
	}
	return 0;
}

size_t proc_busiest(const struct proc_sample *a, const struct proc_sample *b, double seconds,
		    long clk_tck, long self_pid, struct hostinfo_proc *top, size_t max)
{
	size_t i, n = 0;

	if (seconds <= 0 || clk_tck <= 0)
		return 0;
	for (i = 0; i < b->nr; i++) {
		const struct proc_sample_entry *e = &b->v[i], *old = sample_find(a, e->pid);
		struct hostinfo_proc p;
		size_t j;

		if (!old || old->start != e->start || e->ticks <= old->ticks ||
		    is_self_or_descendant(b, e, self_pid))
			continue;
		p.pid = e->pid;
		memcpy(p.comm, e->comm, sizeof(p.comm));
		p.cpu = (double)(e->ticks - old->ticks) / (double)clk_tck / seconds;
		/* insert into the sorted top list */
		for (j = n; j > 0 && top[j - 1].cpu < p.cpu; j--)
			if (j < max)
				top[j] = top[j - 1];
		if (j < max) {
			top[j] = p;
			if (n < max)
				n++;
		}
	}
	return n;
}

static void sample_busy(const struct hostinfo_opts *o, struct hostinfo *hi)
{
	struct proc_sample a = {NULL, 0, 0}, b = {NULL, 0, 0};
	struct strbuf err = STRBUF_INIT;
	struct timespec ts;
	double t0, t1;

	t0 = now_mono();
	if (proc_sample_take(o->root, &a, &err))
		goto out;
	ts.tv_sec = (time_t)o->sample_seconds;
	ts.tv_nsec = (long)((o->sample_seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	t1 = now_mono();
	if (proc_sample_take(o->root, &b, &err))
		goto out;
	hi->nbusy =
	    proc_busiest(&a, &b, t1 - t0, sysconf(_SC_CLK_TCK),
			 o->self_pid ? o->self_pid : (long)getpid(), hi->busy, HOSTINFO_BUSY_MAX);
	hi->busy_known = 1;
out:
	proc_sample_release(&a);
	proc_sample_release(&b);
	strbuf_release(&err);
}

void hostinfo_gather(struct hostinfo *hi, const struct hostinfo_opts *o)
{
	struct hostinfo_opts none = {NULL, 0, 0, NULL, 0, 0};
	long v;

	if (!o)
		o = &none;
	memset(hi, 0, sizeof(*hi));
	hi->pmu = hi->valgrind = HI_UNKNOWN;
	if (o->probe_pmu) {
		struct strbuf why = STRBUF_INIT;

		hi->pmu = counters_pmu_present(&why) ? HI_YES : HI_NO;
		hi->pmu_why = why.len ? strbuf_detach(&why, NULL) : NULL;
		strbuf_release(&why);
	}
	if (!read_long(o->root, "/proc/sys/kernel/perf_event_paranoid", &v)) {
		hi->perf_paranoid_known = 1;
		hi->perf_paranoid = (int)v;
	}
	if (o->probe_valgrind) {
		struct valgrind_info vi;
		struct strbuf why = STRBUF_INIT;

		if (valgrind_detect(o->valgrind, &vi, &why)) {
			hi->valgrind = HI_NO;
			hi->valgrind_why = strbuf_detach(&why, NULL);
		} else {
			hi->valgrind = HI_YES;
			hi->valgrind_path = vi.path;
			hi->valgrind_version = vi.version;
		}
		strbuf_release(&why);
	}
	read_load(o->root, hi);
	read_cpus(o->root, hi);
	hi->cpu_quota = cgroup_cpu_quota(o->root, &hi->cgroup_version, &hi->cgroup_path);
	hi->governor = read_governor(o->root);
	hi->boost = read_boost(o->root);
	hi->smt = read_flag(o->root, "/sys/devices/system/cpu/smt/active");
	if (o->sample_seconds > 0)
		sample_busy(o, hi);
}

void hostinfo_release(struct hostinfo *hi)
{
	free(hi->pmu_why);
	free(hi->valgrind_path);
	free(hi->valgrind_version);
	free(hi->valgrind_why);
	free(hi->cgroup_path);
	free(hi->governor);
	memset(hi, 0, sizeof(*hi));
}

static json_t *state_json(int s)
{
	return s == HI_UNKNOWN ? json_null() : json_boolean(s == HI_YES);
}

/* A string, or null; bytes jansson refuses (not UTF-8: a task name) become '?' */
static json_t *str_json(const char *s)
{
	json_t *j;
	char *copy, *p;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	copy = xstrdup(s);
	for (p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

static json_t *int_json(int known, long v)
{
	return known ? json_integer(v) : json_null();
}

double hostinfo_usable_cpus(const struct hostinfo *hi)
{
	double n = hi->cpus_allowed > 0	  ? hi->cpus_allowed
		   : hi->cpus_online > 0 ? hi->cpus_online
					 : 0;

	if (hi->cpu_quota > 0 && (n <= 0 || hi->cpu_quota < n))
		n = hi->cpu_quota;
	return n;
}

json_t *hostinfo_json(const struct hostinfo *hi)
{
	json_t *o = json_object(), *pmu = json_object(), *vg = json_object(), *cpus = json_object();
	json_t *cg = json_object(), *load, *busy;
	double usable = hostinfo_usable_cpus(hi);
	size_t i;

	json_object_set_new(pmu, "present", state_json(hi->pmu));
	json_object_set_new(pmu, "why", str_json(hi->pmu_why));
	json_object_set_new(o, "pmu", pmu);
	json_object_set_new(o, "paranoid", int_json(hi->perf_paranoid_known, hi->perf_paranoid));

	json_object_set_new(vg, "present", state_json(hi->valgrind));
	json_object_set_new(vg, "path", str_json(hi->valgrind_path));
	json_object_set_new(vg, "version", str_json(hi->valgrind_version));
	json_object_set_new(vg, "why", str_json(hi->valgrind_why));
	json_object_set_new(o, "valgrind", vg);

	if (hi->load_known) {
		load = json_object();
		json_object_set_new(load, "1m", json_real(hi->load[0]));
		json_object_set_new(load, "5m", json_real(hi->load[1]));
		json_object_set_new(load, "15m", json_real(hi->load[2]));
	} else {
		load = json_null();
	}
	json_object_set_new(o, "load", load);

	json_object_set_new(cpus, "online", int_json(hi->cpus_online >= 0, hi->cpus_online));
	json_object_set_new(cpus, "allowed", int_json(hi->cpus_allowed >= 0, hi->cpus_allowed));
	json_object_set_new(cpus, "usable", usable > 0 ? json_real(usable) : json_null());
	json_object_set_new(o, "cpus", cpus);

	/* cpus: CPUs' worth, or null; limited says whether null means "none" */
	json_object_set_new(cg, "version", int_json(hi->cgroup_version > 0, hi->cgroup_version));
	json_object_set_new(cg, "path", str_json(hi->cgroup_path));
	json_object_set_new(cg, "cpus", hi->cpu_quota > 0 ? json_real(hi->cpu_quota) : json_null());
	json_object_set_new(cg, "limited",
			    hi->cpu_quota < 0 ? json_null() : json_boolean(hi->cpu_quota > 0));
	json_object_set_new(o, "cgroup_quota", cg);

	json_object_set_new(o, "governor", str_json(hi->governor));
	json_object_set_new(o, "boost", state_json(hi->boost));
	json_object_set_new(o, "smt", state_json(hi->smt));

	if (hi->busy_known) {
		busy = json_array();
		for (i = 0; i < hi->nbusy; i++) {
			json_t *p = json_object();

			json_object_set_new(p, "pid", json_integer(hi->busy[i].pid));
			json_object_set_new(p, "comm", str_json(hi->busy[i].comm));
			json_object_set_new(p, "cpu", json_real(hi->busy[i].cpu));
			json_array_append_new(busy, p);
		}
	} else {
		busy = json_null();
	}
	json_object_set_new(o, "busiest", busy);
	return o;
}
