/*
 * cmd-bench.c: `perfloop bench`, interleaved A/B benchmark with a verdict.
 */
#include "bench-prepare.h"
#include "cmd/bench-print.h"
#include "cmd/cmd.h"
#include "cmd/steps.h"
#include "guard.h"
#include "proc.h"
#include "banned.h"

/*
 * bench --all: the target, then every guard against the same baseline, each
 * guard judged as try judges it. The exit code of the first bench that
 * stopped, else 0.
 */
static int bench_all(struct project *c, struct bench_request *req, int json)
{
	const char **names;
	size_t n = config_guards(&c->cfg, &names);
	json_t *docs = json_array(), *guards = json_array();
	int ret = 0;
	for (size_t i = 0; i <= n; i++) {
		struct guard_run g = { 0 };
		json_t *doc;
		int code;
		req->guard = i ? names[i - 1] : NULL;
		if (i)
			info("%sguard '%s'%s", color(2, "\033[1m"), names[i - 1],
			     color(2, "\033[m"));
		code = run_bench(c, req, &g.setup, &g.bench);
		g.have_bench = 1;
		if (!ret)
			ret = code;
		doc = bench_json(&g.setup.spec, &g.bench);
		if (!json && !code)
			print_bench_doc(doc);
		if (i && g.setup.spec.base_path) {
			guard_judge_bench(&c->cfg, names[i - 1], &g.setup.spec, &g.bench, &g.j);
			json_array_append_new(guards, guard_judgement_json(&g.j, g.bench.id, NULL));
			if (!json)
				printf("%-9s %s\n", guard_outcome_name(g.j.outcome), g.j.reason);
		}
		if (!json)
			printf("\n");
		fflush(stdout);
		json_array_append_new(docs, doc);
		guard_run_release(&g);
		if (proc_interrupted)
			break;
	}
	if (json) {
		json_t *o = json_object();
		json_object_set(o, "benches", docs);
		json_object_set(o, "guards", guards);
		print_json(o);
		json_decref(o);
	}
	json_decref(docs);
	json_decref(guards);
	free(names);
	return ret;
}

static int cmd_bench(const struct cmd_args *a, struct project *c)
{
	struct bench_request req = { 0 };
	struct bench_setup s;
	struct bench_result res;
	struct strbuf err = STRBUF_INIT;
	const char *hyperfine = args_get(a, "export-hyperfine");
	int json = args_has(a, "json"), ret;
	json_t *doc;

	req.artifact = args_get(a, "artifact");
	req.vs = args_get(a, "vs");
	req.baseline_name = args_get(a, "baseline");
	req.no_baseline = args_has(a, "alone");
	req.runs = (int)args_int(a, "runs", 0);
	req.warmup = (int)args_int(a, "warmup", -1);
	req.force = args_has(a, "force");

	if (!req.artifact)
		refuse_stale_artifact(c, "to measure it anyway");
	if (args_has(a, "all")) {
		if (hyperfine)
			return usage_error(a, "--export-hyperfine writes one bench: not with "
					      "--all");
		return bench_all(c, &req, json);
	}
	if ((ret = run_bench(c, &req, &s, &res)))
		goto out;
	doc = bench_json(&s.spec, &res);
	if (json)
		print_json(doc);
	else
		print_bench_doc(doc);
	if (hyperfine && export_hyperfine(doc, hyperfine, &err))
		die("%s", err.buf);
	json_decref(doc);
	ret = 0;
out:
	bench_result_release(&res);
	bench_setup_release(&s);
	strbuf_release(&err);
	return ret;
}

static const struct cmd_option bench_options[] = {
	{ .name = "artifact", .arg = "PATH", .kind = CMD_VAL_FILE,
	  .help = "candidate (default: `build.artifact` in the worktree)" },
	{ .name = "vs", .arg = "PATH", .kind = CMD_VAL_FILE, .alt = 1,
	  .help = "baseline artifact file" },
	{ .name = "baseline", .arg = "NAME", .alt = 1,
	  .help = "saved baseline (default: newest built the same way)" },
	{ .name = "alone", .alt = 1, .help = "time the candidate alone, no verdict" },
	{ .name = "runs", .short_name = 'n', .arg = "N", .kind = CMD_VAL_INT, .min = 1,
	  .help = "most pairs (default `bench.runs`)" },
	{ .name = "warmup", .arg = "N", .kind = CMD_VAL_INT, .min = 0,
	  .help = "unmeasured runs per side first (default `bench.warmup`)" },
	{ .name = "force", .help = "compare with a baseline built differently" },
	{ .name = "all",
	  .help = "bench the target, then every guard benchmark (`[guard \"NAME\"]`)" },
	{ .name = "json", .help = "print one JSON document (with --all: `benches` and `guards`)" },
	{ .name = "export-hyperfine", .arg = "FILE", .kind = CMD_VAL_FILE,
	  .help = "also write hyperfine's JSON export format" },
	{ 0 },
};

const struct cmd_entry cmd_bench_entry = {
	.name = "bench",
	.summary = "time the artifact against a baseline with interleaved runs and give a verdict",
	.options = bench_options,
	.help = "Runs `bench.command` in `bench.dir` with `bench.env` set to the artifact's absolute\n"
		"path. Baseline (A) and candidate (B) runs alternate A B B A A B ...; each B is paired\n"
		"with its neighbouring A and judged on d = ln(B/A) of `bench.metric` (wall time; cpu;\n"
		"instructions, under valgrind without hardware counters; or a [metrics] harness\n"
		"metric) after every pair: `faster` when the whole interval lies below -margin,\n"
		"`slower` above +margin, `same` inside +-margin, else it runs another pair, up to\n"
		"--runs, and says `inconclusive`. A first pair far slower than noise rejects at once.\n"
		"Noise comes from `perfloop calibrate` history on this host, or from the pairs\n"
		"themselves with a floor; before the runs perfloop says the least change the planned\n"
		"pairs can detect, and after them, when the verdict's noise is above 3% per pair, a\n"
		"note names the metric `perfloop doctor` recommends here. Every other metric recorded\n"
		"(wall, cpu, the perf_event counters of the harness's tree, harness metrics) is a\n"
		"cross-check with its own ratio and interval; a calibrated one against the verdict\n"
		"is said (and makes try inconclusive). Every run is recorded in the ledger; its\n"
		"output goes to a log under the state directory. A run past `bench.timeout`, or\n"
		"Ctrl-C, kills the run's whole process group; processes a run leaves running when it\n"
		"exits are stopped before the next run, with a warning. A run without a [metrics]\n"
		"metric is invalid and stops the bench (exit 3).\n"
		"\n"
		"In a loop, the artifact of `build.artifact` must be the build of the worktree as it\n"
		"is: a stale one (after revert or sync) is refused, saying what it is; run\n"
		"`perfloop build`, or pass --artifact to time a file anyway.\n"
		"\n"
		"With --all, every guard benchmark (`[guard \"NAME\"]`: another harness that must not\n"
		"regress) is benched after the target against the same baseline, with its own\n"
		"keys (`guard.NAME.runs` pairs unless --runs) and judged as try judges it: `slower`\n"
		"beyond its margin, or its median max RSS grown beyond `guard.NAME.memory-margin`,\n"
		"would reject a change; inconclusive cannot decide. Each bench is recorded and shown\n"
		"with the benchmark it is.\n",
	.exit = "0 whatever the verdict, 3 a run failed, 4 a run timed out, 130 interrupted, 128 a "
		"stale artifact in a loop.",
	.flags = CMD_NEED_CONFIG,
	.exec = cmd_bench,
};
