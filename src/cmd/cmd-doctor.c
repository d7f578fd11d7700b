/*
 * cmd-doctor.c: `perfloop doctor`, what a benchmark on this host can trust
 * and the metric to judge by (the facts and the choice are doctor.c's).
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "doctor.h"
#include "banned.h"

/* Seconds between the two /proc samples of the busiest processes. */
#define DOCTOR_SAMPLE 0.5

static const char *yes_no(int s, const char *yes, const char *no)
{
	return s == HI_YES ? yes : s == HI_NO ? no : "unknown";
}

static void print_host(const struct hostinfo *hi)
{
	double usable = hostinfo_usable_cpus(hi);
	printf("%-12s %s", "PMU", hi->pmu == HI_YES ? "yes: user-space instructions counted"
						     : hi->pmu == HI_NO ? "no" : "unknown");
	if (hi->pmu == HI_NO && hi->pmu_why)
		printf(" (%s)", hi->pmu_why);
	if (hi->perf_paranoid_known)
		printf("; kernel.perf_event_paranoid = %d", hi->perf_paranoid);
	printf("\n");
	if (hi->valgrind == HI_YES)
		printf("%-12s %s (%s): counts instructions without a PMU\n", "valgrind",
		       hi->valgrind_version, hi->valgrind_path);
	else
		printf("%-12s no (%s)\n", "valgrind", hi->valgrind_why ? hi->valgrind_why : "?");
	if (hi->load_known)
		printf("%-12s %.2f %.2f %.2f (1, 5, 15 minutes)\n", "load", hi->load[0],
		       hi->load[1], hi->load[2]);
	else
		printf("%-12s unknown\n", "load");
	if (hi->busy_known) {
		printf("%-12s ", "busiest");
		if (!hi->nbusy)
			printf("no other process used a CPU");
		for (size_t i = 0; i < hi->nbusy; i++)
			printf("%s%s (pid %ld) %.2f CPU", i ? ", " : "", hi->busy[i].comm,
			       hi->busy[i].pid, hi->busy[i].cpu);
		printf("\n");
	}
	printf("%-12s ", "CPUs");
	if (hi->cpus_online >= 0)
		printf("%d online, ", hi->cpus_online);
	if (hi->cpus_allowed >= 0)
		printf("%d allowed, ", hi->cpus_allowed);
	if (usable > 0)
		printf("%.3g usable\n", usable);
	else
		printf("usable unknown\n");
	printf("%-12s ", "cgroup");
	if (hi->cgroup_version)
		printf("v%d '%s': ", hi->cgroup_version, hi->cgroup_path);
	if (hi->cpu_quota > 0)
		printf("CPU quota %.3g CPUs\n", hi->cpu_quota);
	else
		printf("%s\n", hi->cpu_quota == 0 ? "no CPU quota" : "CPU quota unknown");
	printf("%-12s %s\n", "governor", hi->governor ? hi->governor : "unknown (no cpufreq)");
	printf("%-12s %s\n", "boost", yes_no(hi->boost, "on", "off"));
	printf("%-12s %s\n", "SMT", yes_no(hi->smt, "on", "off"));
}

static void print_noise(const struct doctor_report *r)
{
	if (r->config)
		printf("%-12s %s: bench.metric = %s\n", "project", r->config, r->metric);
	if (!r->nnoise) {
		printf("%-12s %s\n", "noise", r->noise_note ? r->noise_note : "none");
		return;
	}
	printf("%-12s A/A noise of this bench on %s per pair (the newest %d calibrations of each "
	       "metric, pooled):\n", "noise", r->host_name, DOCTOR_HISTORY);
	printf("  %-16s %9s %6s %6s  %s\n", "metric", "per pair", "pairs", "calib.", "tool");
	for (size_t i = 0; i < r->nnoise; i++) {
		const struct metric_history *h = &r->noise[i];
		printf("  %-16s %8.2f%% %6d %6d  %s%s\n", h->name, 100 * h->sigma, h->pairs,
		       h->calibrations, h->valgrind ? "valgrind" : "native",
		       r->metric && !strcmp(h->name, r->metric) ? "  (the verdict's metric)" : "");
	}
}

static int cmd_doctor(const struct cmd_args *a, struct project *c)
{
	struct doctor_opts o = { DOCTOR_SAMPLE };
	struct doctor_report r;
	struct strbuf err = STRBUF_INIT;
	if (doctor_gather(c, &o, &r, &err))
		die("%s", err.buf);
	if (args_has(a, "json")) {
		json_t *doc = doctor_json(&r);
		print_json(doc);
		json_decref(doc);
	} else {
		printf("%-12s %s\n", "host", r.host_name);
		print_host(&r.host);
		print_noise(&r);
		for (size_t i = 0; i < r.nwarnings; i++)
			printf("%s%-12s%s %s\n", color(1, "\033[1;33m"), "warning",
			       color(1, "\033[m"), r.warnings[i]);
		printf("%-12s bench.metric = %s%s%s%s\n", "recommended", r.rec.metric,
		       r.rec.tool ? " (counted by " : "", r.rec.tool ? r.rec.tool : "",
		       r.rec.tool ? ")" : "");
		printf("%-12s %s\n", "why", r.rec.reason);
	}
	doctor_release(&r);
	strbuf_release(&err);
	return 0;
}

static const struct cmd_option doctor_options[] = {
	{ .name = "json", .help = "print one JSON document" },
	{ 0 },
};

const struct cmd_entry cmd_doctor_entry = {
	.name = "doctor",
	.summary = "what a benchmark on this host can trust, and the metric to judge by",
	.options = doctor_options,
	.help = "Says what this host does to a benchmark (as pyperf's `system show`): whether\n"
		"hardware counters count instructions (and why not: no PMU, or\n"
		"`kernel.perf_event_paranoid`), whether valgrind can count them, the load average\n"
		"and the processes that used the most CPU over half a second, the CPUs online,\n"
		"allowed and usable under the cgroup's CPU quota (`cpu.max` of cgroup v2,\n"
		"`cpu.cfs_quota_us`/`cpu.cfs_period_us` of v1), the frequency governor, turbo boost\n"
		"and SMT, with a warning for each that makes wall time noisy.\n"
		"\n"
		"In a project, also the A/A noise per pair of the configured bench on this host for\n"
		"every metric `perfloop calibrate` measured (pooled as `bench` pools it). Then it\n"
		"recommends one `bench.metric`, with the reason: instructions when hardware counters\n"
		"exist; a harness metric that is calibrated and quiet; when wall time is noisy (its\n"
		"A/A noise above 3% per pair, or not calibrated on a loaded host), cpu when its noise\n"
		"is at most 1%, else instructions counted by valgrind, else the quieter of cpu and\n"
		"wall; otherwise wall. Outside a project: host facts only. `calibrate`, `bench` and\n"
		"`try` print a one-line note pointing here when their metric's noise is above 3%.\n",
	.exit = "0, also when the host is noisy; 128 when the ledger cannot be read.",
	.exec = cmd_doctor,
};
