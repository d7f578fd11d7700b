/*
 * cmd-profile.c: `perfloop profile`, perf record on the bench harness, and
 * `perfloop profile --list`.
 */
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "cmd/cmd.h"
#include "cmd/steps.h"
#include "profile.h"
#include "banned.h"

static void on_tick(void *data, double elapsed)
{
	char el[32];
	(void)data;
	progress_line("perf record: %s elapsed", fmt_secs(el, sizeof(el), elapsed));
}

static json_t *profile_json(const struct profile *p)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(p->id));
	json_object_set_new(o, "status", json_string(p->status ? p->status : "?"));
	json_object_set_new(o, "created", json_real(p->created));
	json_object_set_new(o, "path", p->path ? json_string(p->path) : json_null());
	json_object_set_new(o, "event", json_string(p->event ? p->event : ""));
	json_object_set_new(o, "event_recorded",
			    p->event_recorded ? json_string(p->event_recorded) : json_null());
	json_object_set_new(o, "event_substituted",
			    json_boolean(p->event && p->event_recorded &&
					 profile_event_substituted(p->event, p->event_recorded)));
	json_object_set_new(o, "freq", json_integer(p->freq));
	json_object_set_new(o, "runs", json_integer(p->runs));
	json_object_set_new(o, "callgraph", json_string(p->callgraph ? p->callgraph : "none"));
	json_object_set_new(o, "samples", json_integer(p->samples));
	json_object_set_new(o, "lost", json_integer(p->lost));
	json_object_set_new(o, "artifact",
			    p->artifact_path ? json_string(p->artifact_path) : json_null());
	json_object_set_new(o, "artifact_hash",
			    p->artifact_hash ? json_string(p->artifact_hash) : json_null());
	json_object_set_new(o, "stored", p->stored ? json_string(p->stored) : json_null());
	json_object_set_new(o, "wall", json_real(p->wall));
	json_object_set_new(o, "exit_status", json_integer(p->exit_status));
	json_object_set_new(o, "perf_command",
			    p->perf_command ? json_string(p->perf_command) : json_null());
	json_object_set_new(o, "log_err", p->log_err ? json_string(p->log_err) : json_null());
	json_object_set_new(o, "message", p->message ? json_string(p->message) : json_null());
	return o;
}

static int list_profiles(struct project *c, int json, long limit)
{
	struct strbuf err = STRBUF_INIT;
	struct ledger *l = project_ledger(c, &err);
	struct profile *profiles;
	size_t n;
	json_t *arr;
	if (!l || profile_list(l, limit, &profiles, &n, &err))
		die("%s", err.buf);
	arr = json_array();
	if (!json)
		printf("%5s  %-19s  %-11s  %-16s  %8s  %4s  %-12s  %s\n", "id", "when", "status",
		       "event", "samples", "runs", "artifact", "perf.data");
	for (size_t i = 0; i < n; i++) {
		const struct profile *p = &profiles[i];
		char when[32];
		if (json) {
			json_array_append_new(arr, profile_json(p));
		} else {
			fmt_time(when, sizeof(when), p->created);
			printf("%5lld  %-19s  %-11s  %-16s  %8lld  %4d  %-12.12s  %s\n",
			       (long long)p->id, when, p->status,
			       p->event_recorded ? p->event_recorded : p->event, (long long)p->samples,
			       p->runs, p->artifact_hash ? p->artifact_hash : "-", p->path);
		}
	}
	profiles_free(profiles, n);
	if (json)
		print_json(arr);
	else if (!n)
		printf("no profiles yet: run 'perfloop profile'\n");
	json_decref(arr);
	strbuf_release(&err);
	return 0;
}

static int cmd_profile(const struct cmd_args *a, struct project *c)
{
	struct profile_request req = {0};
	struct profile p;
	struct strbuf err = STRBUF_INIT;
	const char *baseline = args_get(a, "baseline");
	char *stored = NULL;
	int json = args_has(a, "json"), ret = 0;
	long runs = args_int(a, "runs", 0);

	req.artifact = args_get(a, "artifact");
	req.event = args_get(a, "event");
	req.freq = args_int(a, "freq", 0);
	req.callgraph = args_get(a, "callgraph");
	if (req.callgraph && strcmp(req.callgraph, "none") && strcmp(req.callgraph, "fp") &&
	    strcmp(req.callgraph, "dwarf"))
		return usage_error(a, "--callgraph takes none, fp or dwarf, not '%s'", req.callgraph);
	if (runs > 1000000)
		return usage_error(a, "--runs takes at most 1000000 runs, not %ld", runs);
	req.runs = (int)runs;
	if (baseline) {
		struct baseline *bl = NULL;
		size_t n = 0;
		struct ledger *l = project_ledger(c, &err);
		if (!l || baseline_list(l, baseline, &bl, &n, &err))
			die("%s", err.buf);
		if (!n)
			error("no baseline named '%s' (see 'perfloop baseline list')", baseline);
		else if (!bl[0].art.stored || !file_exists(bl[0].art.stored))
			error("the stored copy of baseline '%s' is missing from the store: save the "
			      "baseline again",
			      baseline);
		else
			stored = xstrdup(bl[0].art.stored);
		for (size_t i = 0; i < n; i++)
			baseline_release(&bl[i]);
		free(bl);
		if (!stored) {
			strbuf_release(&err);
			return EXIT_FATAL;
		}
		req.artifact = stored;
	}
	if (!req.artifact)
		refuse_stale_artifact(c, "to profile it anyway");
	req.tick = on_tick;
	if (profile_record(c, &req, &p, &err)) {
		progress_clear();
		error("%s", err.buf);
		profile_release(&p);
		free(stored);
		strbuf_release(&err);
		return EXIT_FATAL;
	}
	progress_clear();
	if (p.leftovers)
		warning("the harness left %d process(es) running after perf record ended; perfloop "
			"stopped them so they do not distort later runs: make the harness wait for "
			"what it starts",
			p.leftovers);
	if (json) {
		json_t *doc = profile_json(&p);
		print_json(doc);
		json_decref(doc);
	} else if (!strcmp(p.status, "done")) {
		char el[32];
		printf("profile %lld: %lld samples of %s in %s", (long long)p.id,
		       (long long)p.samples, p.event_recorded, fmt_secs(el, sizeof(el), p.wall));
		if (p.runs > 1)
			printf(" (%d harness runs)", p.runs);
		printf(" -> %s\n", p.path);
		if (profile_event_substituted(p.event, p.event_recorded))
			printf("note: %s is not available on this machine (no hardware PMU, as on "
			       "most "
			       "VMs); perf recorded %s instead\n",
			       p.event, p.event_recorded);
		if (p.lost)
			printf("warning: the kernel dropped %lld samples (raise the buffer with "
			       "profile.record-args = -m 1024, or lower profile.freq)\n",
			       (long long)p.lost);
		printf("next: perfloop hotspots %lld\n", (long long)p.id);
	}
	if (strcmp(p.status, "done")) {
		struct strbuf tail = STRBUF_INIT;
		error("profile %lld %s: %s", (long long)p.id, p.status,
		      p.message ? p.message : "(no reason recorded)");
		if (p.log_err && !strbuf_tail_file(&tail, p.log_err, 10) && tail.len)
			fprintf(stderr, "last lines of %s:\n%s", p.log_err, tail.buf);
		strbuf_release(&tail);
		ret = !strcmp(p.status, "interrupted") ? EXIT_INTERRUPTED
		      : !strcmp(p.status, "timeout")   ? EXIT_TIMEOUT
						       : EXIT_CMDFAIL;
	}
	profile_release(&p);
	free(stored);
	strbuf_release(&err);
	return ret;
}

static int profile_list_cmd(const struct cmd_args *a, struct project *c)
{
	return list_profiles(c, args_has(a, "json"), args_int(a, "limit", 20));
}

static const struct cmd_option list_options[] = {
	{ .name = "limit", .arg = "N", .kind = CMD_VAL_INT, .min = 1,
	  .help = "at most N profiles (default 20)" },
	{ .name = "json", .help = "print a JSON array" },
	{ 0 },
};

static const struct cmd_entry profile_list_entry = {
	.name = "--list",
	.summary = "list the recorded profiles, newest first, with their runs",
	.options = list_options,
	.exec = profile_list_cmd,
};

static const struct cmd_option profile_options[] = {
	{ .name = "artifact", .short_name = 'a', .arg = "PATH", .kind = CMD_VAL_FILE, .alt = 1,
	  .help = "artifact to profile (default `build.artifact` in the worktree)" },
	{ .name = "baseline", .arg = "NAME", .alt = 1,
	  .help = "profile the stored copy of a saved baseline" },
	{ .name = "event", .short_name = 'e', .arg = "E",
	  .help = "perf event (default `profile.event`, cycles:u)" },
	{ .name = "freq", .short_name = 'F', .arg = "F", .kind = CMD_VAL_INT, .min = 1,
	  .help = "samples per second (default `profile.freq`, 2500)" },
	{ .name = "callgraph", .short_name = 'g', .arg = "M", .kind = CMD_VAL_WORDS,
	  .words = "none fp dwarf",
	  .help = "none, fp or dwarf (default `profile.callgraph`, none); dwarf is expensive on a "
		  "large binary" },
	{ .name = "runs", .arg = "N", .kind = CMD_VAL_INT, .min = 1,
	  .help = "run the harness N times, one after the other, under one perf record (default "
		  "`profile.runs`, 1): N times the samples, so the diff's noise intervals shrink by "
		  "sqrt(N); the timeout is N times `bench.timeout`" },
	{ .name = "json", .help = "print the profile as JSON" },
	{ 0 },
};

const struct cmd_entry cmd_profile_entry = {
    .name = "profile",
    .summary = "record a profile of the harness with `perf record`",
    .options = profile_options,
    .help =
	"Runs\n"
	"`perf record -o <state>/profiles/<id>.perf.data -e EVENT -F FREQ -- <bench.command>`\n"
	"in `bench.dir` with `bench.env` set to the artifact, exactly as `perfloop bench` runs\n"
	"it, and records the profile in the ledger with the artifact's content hash. The\n"
	"artifact's bytes are kept in the store, so the profile still symbolizes after a\n"
	"rebuild. perf's own output goes to `<state>/logs/profile-<id>.{out,err}`.\n"
	"\n"
	"On machines without a hardware PMU (most VMs) perf silently records cpu-clock instead\n"
	"of cycles: perfloop reads the event really recorded from the file and says so.\n"
	"\n"
	"In a loop, `build.artifact` must be the build of the worktree as it is: a stale one\n"
	"(after revert or sync) is refused, saying what it is; run `perfloop build`.\n",
    .exit = "0 recorded, 3 perf or the harness failed, 4 timeout, 130 interrupted, 128 perf "
	    "missing or `kernel.perf_event_paranoid` too strict (one line says what to do), or a "
	    "stale artifact in a loop.",
    .flags = CMD_NEED_CONFIG,
    .exec = cmd_profile,
    .subcommands = (const struct cmd_entry *const[]){ &profile_list_entry, NULL },
};
