/*
 * test-hostinfo.c: machine facts read from fake /proc and /sys trees
 * (cgroup v1 and v2 quotas, governor, boost, SMT, load, CPUs), the busiest
 * processes between two samples, and the JSON form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hostinfo.h"

static char *root;

static void put(const char *rel, const char *text)
{
	char *path = xstrfmt("%s%s", root, rel), *dir = path_dirname(path);
	FILE *f;

	assert_int_equal(mkdir_p(dir, 0777), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(dir);
	free(path);
}

static void rm(const char *rel)
{
	char *path = xstrfmt("%s%s", root, rel);

	assert_int_equal(remove_tree(path), 0);
	free(path);
}

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	char *tmpl = xstrfmt("%s/test-hostinfo.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	(void)state;
	root = mkdtemp(tmpl);
	return root ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	remove_tree(root);
	free(root);
	root = NULL;
	return 0;
}

static void gather(struct hostinfo *hi)
{
	struct hostinfo_opts o = {0};
	o.root = root;
	hostinfo_gather(hi, &o);
}

static void test_empty_tree_is_unknown(void **state)
{
	struct hostinfo hi;
	json_t *j;
	char *text;
	(void)state;

	gather(&hi);
	assert_int_equal(hi.pmu, HI_UNKNOWN);
	assert_int_equal(hi.valgrind, HI_UNKNOWN);
	assert_int_equal(hi.load_known, 0);
	assert_int_equal(hi.cpus_online, -1);
	assert_int_equal(hi.cpus_allowed, -1);
	assert_true(hi.cpu_quota < 0);
	assert_null(hi.governor);
	assert_int_equal(hi.boost, HI_UNKNOWN);
	assert_int_equal(hi.smt, HI_UNKNOWN);
	assert_int_equal(hi.perf_paranoid_known, 0);
	j = hostinfo_json(&hi);
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text,
			    "{\"boost\":null,\"busiest\":null,"
			    "\"cgroup_quota\":{\"cpus\":null,\"limited\":null,\"path\":null,"
			    "\"version\":null},"
			    "\"cpus\":{\"allowed\":null,\"online\":null,\"usable\":null},"
			    "\"governor\":null,\"load\":null,\"paranoid\":null,"
			    "\"pmu\":{\"present\":null,\"why\":null},\"smt\":null,"
			    "\"valgrind\":{\"path\":null,\"present\":null,\"version\":null,"
			    "\"why\":null}}");
	assert_float_equal(hostinfo_usable_cpus(&hi), 0, 0);
	free(text);
	json_decref(j);
	hostinfo_release(&hi);
}

static void test_facts(void **state)
{
	struct hostinfo hi;
	json_t *j;
	(void)state;

	put("/proc/loadavg", "1.50 0.75 0.25 2/300 12345\n");
	put("/proc/sys/kernel/perf_event_paranoid", "2\n");
	put("/proc/self/status", "Name:\tx\nCpus_allowed:\t5\nCpus_allowed_list:\t0,2\n"
				 "Mems_allowed:\t1\n");
	put("/sys/devices/system/cpu/online", "0-3\n");
	put("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance\n");
	put("/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "performance\n");
	put("/sys/devices/system/cpu/cpu2/cpufreq/scaling_governor", "performance\n");
	put("/sys/devices/system/cpu/cpufreq/boost", "0\n");
	put("/sys/devices/system/cpu/smt/active", "1\n");
	gather(&hi);
	assert_int_equal(hi.load_known, 1);
	assert_float_equal(hi.load[0], 1.5, 1e-12);
	assert_float_equal(hi.load[2], 0.25, 1e-12);
	assert_int_equal(hi.perf_paranoid_known, 1);
	assert_int_equal(hi.perf_paranoid, 2);
	assert_int_equal(hi.cpus_online, 4);
	assert_int_equal(hi.cpus_allowed, 2);
	assert_string_equal(hi.governor, "performance");
	assert_int_equal(hi.boost, HI_NO);
	assert_int_equal(hi.smt, HI_YES);
	j = hostinfo_json(&hi);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "cpus"), "online")),
			 4);
	assert_true(json_is_true(json_object_get(j, "smt")));
	assert_int_equal(json_integer_value(json_object_get(j, "paranoid")), 2);
	/* allowed CPUs, not online ones, are what the harness gets */
	assert_float_equal(
	    json_real_value(json_object_get(json_object_get(j, "cpus"), "usable")), 2, 1e-12);
	assert_float_equal(json_real_value(json_object_get(json_object_get(j, "load"), "1m")), 1.5,
			   1e-12);
	assert_string_equal(
	    json_string_value(json_object_get(j, "governor")),
	    "performance");
	json_decref(j);
	hostinfo_release(&hi);

	/* CPUs that disagree, an unreadable one ignored; intel_pstate's no_turbo */
	put("/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "powersave\n");
	put("/sys/devices/system/cpu/cpu3/cpufreq/scaling_governor", "");
	rm("/sys/devices/system/cpu/cpufreq");
	put("/sys/devices/system/cpu/intel_pstate/no_turbo", "1\n");
	put("/sys/devices/system/cpu/smt/active", "0\n");
	gather(&hi);
	assert_string_equal(hi.governor, "mixed: performance,powersave");
	assert_int_equal(hi.boost, HI_NO);
	assert_int_equal(hi.smt, HI_NO);
	hostinfo_release(&hi);
	put("/sys/devices/system/cpu/intel_pstate/no_turbo", "0\n");
	put("/sys/devices/system/cpu/smt/active", "forceoff\n");
	gather(&hi);
	assert_int_equal(hi.boost, HI_YES);
	assert_int_equal(hi.smt, HI_UNKNOWN);
	hostinfo_release(&hi);
}

static void test_cgroup_v1(void **state)
{
	int version;
	char *path;
	double q;
	(void)state;

	/* a hybrid system as on the test machine: cpu in v1, an empty cgroup2 */
	put("/proc/self/cgroup", "9:name=systemd:/\n4:memory:/x\n2:cpu,cpuacct:/a/b\n0::/\n");
	put("/proc/self/mountinfo",
	    "30 20 0:26 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw\n"
	    "31 20 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup "
	    "rw,cpu,cpuacct\n"
	    "32 20 0:28 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n");
	put("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
	put("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
	put("/sys/fs/cgroup/cpu,cpuacct/a/b/cpu.cfs_quota_us", "-1\n");
	put("/sys/fs/cgroup/cpu,cpuacct/a/b/cpu.cfs_period_us", "100000\n");
	q = cgroup_cpu_quota(root, &version, &path);
	assert_float_equal(q, 0, 1e-12); /* no limit anywhere */
	assert_int_equal(version, 1);
	assert_string_equal(path, "/a/b");
	free(path);

	/* a limit on the parent cgroup applies */
	put("/sys/fs/cgroup/cpu,cpuacct/a/cpu.cfs_quota_us", "150000\n");
	put("/sys/fs/cgroup/cpu,cpuacct/a/cpu.cfs_period_us", "100000\n");
	q = cgroup_cpu_quota(root, &version, &path);
	assert_float_equal(q, 1.5, 1e-12);
	free(path);
	/* and the tightest one wins */
	put("/sys/fs/cgroup/cpu,cpuacct/a/b/cpu.cfs_quota_us", "50000\n");
	q = cgroup_cpu_quota(root, &version, &path);
	assert_float_equal(q, 0.5, 1e-12);
	free(path);

	/* no mountinfo: the usual mount point /sys/fs/cgroup/cpu */
	put("/proc/self/mountinfo", "");
	put("/sys/fs/cgroup/cpu/a/b/cpu.cfs_quota_us", "200000\n");
	put("/sys/fs/cgroup/cpu/a/b/cpu.cfs_period_us", "100000\n");
	q = cgroup_cpu_quota(root, &version, &path);
	assert_float_equal(q, 2, 1e-12);
	free(path);
}

static void test_cgroup_v2(void **state)
{
	struct hostinfo hi;
	json_t *j;
	int version;
	char *path;
	double q;
	(void)state;

	put("/proc/self/cgroup", "0::/user.slice/session-1.scope\n");
	put("/proc/self/mountinfo",
	    "25 1 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec - cgroup2 cgroup2 rw,nsdelegate\n");
	put("/sys/fs/cgroup/user.slice/session-1.scope/cpu.max", "max 100000\n");
	q = cgroup_cpu_quota(root, &version, &path);
	assert_float_equal(q, 0, 1e-12);
	assert_int_equal(version, 2);
	assert_string_equal(path, "/user.slice/session-1.scope");
	free(path);
	put("/sys/fs/cgroup/user.slice/cpu.max", "250000 100000\n");
	q = cgroup_cpu_quota(root, &version, &path);
	assert_float_equal(q, 2.5, 1e-12);
	free(path);

	gather(&hi);
	assert_float_equal(hi.cpu_quota, 2.5, 1e-12);
	/* the quota caps what the harness can use */
	assert_float_equal(hostinfo_usable_cpus(&hi), 2.5, 1e-12);
	j = hostinfo_json(&hi);
	assert_float_equal(
	    json_real_value(json_object_get(json_object_get(j, "cgroup_quota"), "cpus")), 2.5,
	    1e-12);
	assert_true(json_is_true(json_object_get(json_object_get(j, "cgroup_quota"), "limited")));
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(j, "cgroup_quota"), "version")), 2);
	json_decref(j);
	hostinfo_release(&hi);

	/* a container: the mount's root is the namespace's cgroup */
	put("/proc/self/cgroup", "0::/ctr/inner\n");
	put("/proc/self/mountinfo", "25 1 0:22 /ctr /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
	put("/sys/fs/cgroup/inner/cpu.max", "100000 100000\n");
	q = cgroup_cpu_quota(root, &version, &path);
	assert_float_equal(q, 1, 1e-12);
	free(path);

	/* unreadable: unknown */
	put("/sys/fs/cgroup/inner/cpu.max", "garbage\n");
	q = cgroup_cpu_quota(root, &version, &path);
	assert_true(q < 0);
	assert_int_equal(version, 0);
	assert_null(path);
}

static void stat_line(long pid, const char *comm, long ppid, unsigned long long utime,
		      unsigned long long stime, unsigned long long start)
{
	char rel[64];
	char *text = xstrfmt("%ld (%s) S %ld %ld %ld 0 -1 4194560 100 0 0 0 %llu %llu 0 0 20 0 "
			     "1 0 %llu 1000000 100 18446744073709551615\n",
			     pid, comm, ppid, pid, pid, utime, stime, start);

	snprintf(rel, sizeof(rel), "/proc/%ld/stat", pid);
	put(rel, text);
	free(text);
}

static void test_busiest(void **state)
{
	struct proc_sample a = {NULL, 0, 0}, b = {NULL, 0, 0};
	struct hostinfo_proc top[3];
	struct strbuf err = STRBUF_INIT;
	size_t n;
	(void)state;

	stat_line(1, "init", 0, 10, 10, 1);
	stat_line(100, "perfloop", 1, 50, 0, 500);
	stat_line(101, "harness", 100, 0, 0, 600);
	stat_line(102, "worker", 101, 0, 0, 601);
	stat_line(200, "cc1 (x) y", 1, 100, 0, 700); /* spaces and parens in the name */
	stat_line(300, "rustc", 1, 100, 0, 800);
	stat_line(400, "gone", 1, 0, 0, 900);
	stat_line(500, "reused", 1, 0, 0, 1000);
	stat_line(600, "idle", 1, 5, 0, 1100);
	put("/proc/self/stat", "not a pid dir\n");
	assert_int_equal(proc_sample_take(root, &a, &err), 0);
	assert_int_equal(a.nr, 9);

	stat_line(1, "init", 0, 10, 11, 1);	      /* 1 tick */
	stat_line(100, "perfloop", 1, 150, 0, 500);   /* self: excluded */
	stat_line(101, "harness", 100, 80, 20, 600);  /* child: excluded */
	stat_line(102, "worker", 101, 90, 0, 601);    /* grandchild: excluded */
	stat_line(200, "cc1 (x) y", 1, 130, 30, 700); /* 60 ticks */
	stat_line(300, "rustc", 1, 190, 0, 800);      /* 90 ticks */
	rm("/proc/400");
	stat_line(500, "reused", 1, 500, 0, 1999); /* another process with that pid */
	stat_line(700, "new", 1, 500, 0, 2000);	   /* not in the first sample */
	assert_int_equal(proc_sample_take(root, &b, &err), 0);

	n = proc_busiest(&a, &b, 0.5, 100, 100, top, 3);
	assert_int_equal(n, 3);
	assert_int_equal(top[0].pid, 300);
	assert_string_equal(top[0].comm, "rustc");
	assert_float_equal(top[0].cpu, 1.8, 1e-9); /* 90 ticks of 100/s in 0.5 s */
	assert_int_equal(top[1].pid, 200);
	assert_string_equal(top[1].comm, "cc1 (x) y");
	assert_float_equal(top[1].cpu, 1.2, 1e-9);
	assert_int_equal(top[2].pid, 1);
	/* only those that used CPU, and no more than asked */
	assert_int_equal(proc_busiest(&a, &b, 0.5, 100, 100, top, 1), 1);
	assert_int_equal(top[0].pid, 300);
	/* without self's exclusion, perfloop's tree shows */
	n = proc_busiest(&a, &b, 0.5, 100, 999, top, 3);
	assert_int_equal(top[0].pid, 100);
	/* a task name that is not UTF-8 still makes valid JSON */
	{
		struct hostinfo hi;
		json_t *j;

		memset(&hi, 0, sizeof(hi));
		hi.pmu = hi.valgrind = hi.boost = hi.smt = HI_UNKNOWN;
		hi.busy_known = 1;
		hi.nbusy = 1;
		hi.busy[0] = top[0];
		memcpy(hi.busy[0].comm, "x\xff\x01y", 5);
		j = hostinfo_json(&hi);
		assert_string_equal(json_string_value(json_object_get(
					json_array_get(json_object_get(j, "busiest"), 0), "comm")),
				    "x??y");
		json_decref(j);
	}
	proc_sample_release(&a);
	proc_sample_release(&b);
	strbuf_release(&err);
}

static void test_gather_busy_real(void **state)
{
	struct hostinfo hi;
	struct hostinfo_opts o = {0};
	(void)state;

	/* the real /proc, a short sample: it works, whatever it finds */
	o.sample_seconds = 0.05;
	hostinfo_gather(&hi, &o);
	assert_int_equal(hi.busy_known, 1);
	assert_true(hi.nbusy <= HOSTINFO_BUSY_MAX);
	for (size_t i = 0; i < hi.nbusy; i++) {
		assert_true(hi.busy[i].pid != (long)getpid());
		assert_true(hi.busy[i].cpu > 0);
		if (i)
			assert_true(hi.busy[i].cpu <= hi.busy[i - 1].cpu);
	}
	assert_true(hi.cpus_online >= 1);
	assert_true(hi.cpus_allowed >= 1);
	hostinfo_release(&hi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_empty_tree_is_unknown, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_facts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cgroup_v1, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cgroup_v2, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_busiest, setup, teardown),
	    cmocka_unit_test(test_gather_busy_real),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
