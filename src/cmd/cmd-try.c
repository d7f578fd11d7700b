/*
 * cmd-try.c: `perfloop try`, one experiment of the loop: save the diff,
 * validate, build, bench against the baseline (early reject after one pair),
 * profile and diff hotspots, and judge it by the procedure's rule.
 */
#include <string.h>

#include "cmd/bench-print.h"
#include "cmd/cmd.h"
#include "cmd/steps.h"
#include "try.h"
#include "banned.h"

struct try_opts {
	const char *message;
	int no_profile, no_validate, json, force;
	int runs;
};

static void print_try(const struct try_result *tr, json_t *doc)
{
	json_t *bench = json_object_get(doc, "bench"), *rows = json_object_get(doc, "hotspots");
	const char *v = try_verdict_name(tr->verdict);
	const char *col = try_verdict_keeps(tr->verdict)    ? "\033[1;32m"
			  : tr->verdict == TRY_REJECT ? "\033[1;31m"
						     : "\033[1;33m";
	if (json_is_object(bench))
		print_bench_doc(bench);
	json_t *missing = json_object_get(doc, "touched_not_found");
	json_int_t runs = json_integer_value(json_object_get(doc, "profile_runs"));
	if (json_array_size(rows)) {
		json_t *r;
		size_t i;
		printf("\nhotspots (touched functions first), percentage points of samples");
		if (runs > 1)
			printf(", profiles of %lld harness runs each", (long long)runs);
		printf(":\n");
		printf("  %7s %7s %8s %7s  %s\n", "base%", "new%", "delta", "noise", "symbol");
		json_array_foreach(rows, i, r) {
			if (i >= 15)
				break;
			printf("  %7.2f %7.2f %+8.2f %7.2f  %s%s%s\n",
			       json_number_value(json_object_get(r, "base")),
			       json_number_value(json_object_get(r, "new")),
			       json_number_value(json_object_get(r, "delta")),
			       json_number_value(json_object_get(r, "noise")),
			       json_string_value(json_object_get(r, "symbol")),
			       json_is_true(json_object_get(r, "touched")) ? "  [touched]" : "",
			       json_is_true(json_object_get(r, "within_noise")) ? "  (noise)" : "");
		}
	}
	if (json_array_size(missing)) {
		json_t *m;
		size_t i;
		printf("touched function%s ", json_array_size(missing) == 1 ? "" : "s");
		json_array_foreach(missing, i, m)
			printf("%s%s", i ? ", " : "", json_string_value(m));
		printf(" %s\n", json_string_value(json_object_get(doc, "touched_not_found_hint")));
	}
	printf("\n%sexperiment %lld: %s%s — %s\n", color(1, col),
	       (long long)json_integer_value(json_object_get(doc, "experiment")), v,
	       color(1, "\033[m"), json_string_value(json_object_get(doc, "reason")));
	if (try_verdict_keeps(tr->verdict))
		printf("next: perfloop keep -m \"...\"\n");
	else if (tr->verdict == TRY_REJECT)
		printf("next: perfloop revert\n");
	else
		printf("next: perfloop try --runs %lld (more pairs), or perfloop calibrate\n",
		       (long long)json_integer_value(json_object_get(doc, "max_pairs")) * 2);
}

/* try-profile.c's narration: a progress line while perf records, notes and warnings */
static void profile_tick(void *data, const char *label, double elapsed)
{
	char el[32];
	progress_line("profiling %s: %s elapsed", label, fmt_secs(el, sizeof(el), elapsed));
}

static void profile_recorded(void *data, const char *label)
{
	progress_clear();
}

static const struct try_profile_hooks profile_hooks = {
	profile_tick, profile_recorded, say_info, say_warning, NULL,
};

/* the bench step, narrated as 'perfloop bench' narrates it */
static int bench_step(void *data, struct project *c, const struct bench_request *req,
		      struct bench_setup *s, struct bench_result *res)
{
	return run_bench(c, req, s, res);
}

static const struct try_hooks try_hooks = {
	validate_hook, build_hook, bench_step, say_info, say_warning, &profile_hooks, NULL,
};

/* The exit code of a try: the verdict's, or the step's that stopped it. */
static int try_exit_code(const struct try_result *r)
{
	if (r->status == EXP_INTERRUPTED)
		return EXIT_INTERRUPTED;
	if (r->status != EXP_DECIDED)
		return r->step_code;
	return try_verdict_keeps(r->verdict) ? 0
	       : r->verdict == TRY_REJECT    ? EXIT_REJECT
					     : EXIT_INCONCLUSIVE;
}

static int cmd_try(const struct cmd_args *a, struct project *c)
{
	struct try_opts o = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct loop_state ls;
	struct try_request req;
	struct try_result r;
	int code;

	o.message = args_get(a, "message");
	o.no_profile = args_has(a, "no-profile");
	o.no_validate = args_has(a, "no-validate");
	o.force = args_has(a, "force");
	o.json = args_has(a, "json");
	o.runs = (int)args_int(a, "runs", 0);

	require_loop(c, &ls);
	req = (struct try_request){ o.message, o.runs, o.no_profile, o.no_validate, o.force };
	if (try_run(c, &ls, &req, &try_hooks, &r, &err))
		die("%s", err.buf);
	if (r.status == EXP_DECIDED) {
		json_t *doc = try_result_json(&r, o.message);
		if (o.json)
			print_json(doc);
		else
			print_try(&r, doc);
		json_decref(doc);
	}
	code = try_exit_code(&r);
	try_result_release(&r);
	loop_release(&ls);
	strbuf_release(&err);
	return code;
}

static const struct cmd_option try_options[] = {
	{ .name = "message", .short_name = 'm', .arg = "MSG",
	  .help = "what changed (used by keep's commit message)" },
	{ .name = "runs", .short_name = 'n', .arg = "N", .kind = CMD_VAL_INT, .min = 1,
	  .help = "most pairs (default `bench.runs`)" },
	{ .name = "no-profile", .help = "skip the profile and hotspot diff" },
	{ .name = "no-validate", .help = "skip the `[validate]` commands" },
	{ .name = "force", .help = "bench against a baseline built differently" },
	{ .name = "json", .help = "print one JSON document" },
	{ 0 },
};

const struct cmd_entry cmd_try_entry = {
	.name = "try",
	.summary = "try the worktree's uncommitted change: validate, build, bench, profile, judge",
	.options = try_options,
	.help = "The worktree's uncommitted diff (untracked files included, the artifact excluded)\n"
		"is the experiment:\n"
		"\n"
		"1. the diff is saved as a patch in the ledger (never lost),\n"
		"2. the `[validate]` commands run,\n"
		"3. the artifact is built,\n"
		"4. it is benched against the loop's baseline, interleaved, with the early reject\n"
		"   after one pair,\n"
		"5. unless rejected early or --no-profile: it is profiled and its hotspots diffed\n"
		"   against the baseline's profile (both over `profile.runs` harness runs; a\n"
		"   baseline profile over another number of runs is recorded again), functions the\n"
		"   diff touches first,\n"
		"6. the verdict, recorded with everything above: `keep` when time is `faster`;\n"
		"   `keep-flat` only when time is `same` AND a touched hotspot dropped beyond noise\n"
		"   AND nothing else grew beyond noise; `reject` otherwise (a reshuffle of\n"
		"   percentages without a time gain is a reject); `inconclusive` when the bench\n"
		"   could not tell, with the advice to run more pairs, or when a calibrated\n"
		"   cross-check (another recorded metric, e.g. wall time beside instructions)\n"
		"   contradicts the verdict beyond its noise, unless `bench.cross-check = warn`.\n"
		"\n"
		"Touched functions are those named in the diff's hunk headers and the functions\n"
		"defined on changed lines (Rust `fn name`, C/C++ definitions), matched to profile\n"
		"symbols by their last path component (Rust hashes, closures, argument lists and\n"
		"`.cold`/`.isra.N` suffixes ignored). A touched function that matches no symbol of\n"
		"either profile (every row, whatever `profile.percent-limit`) is named, not\n"
		"dropped: inlined into its callers, or too little time to be sampled (an\n"
		"`always_inline` or `static inline` function never has a symbol of its own); in\n"
		"--json as `touched_not_found` with `touched_not_found_hint` (`touched` lists them\n"
		"all). When time is `same` and no touched function is in the diff's rows, the\n"
		"reason says keep-flat could not be judged and why, instead of calling it a\n"
		"reshuffle.\n"
		"\n"
		"An interrupted try (Ctrl-C at any step, the profile included) records the\n"
		"experiment as `interrupted`, never with a verdict, so `perfloop try && perfloop\n"
		"keep` never keeps an unjudged change.\n",
	.exit = "0 keep or keep-flat, 1 reject, 2 inconclusive, 3 a step failed, 4 timeout, 130 "
		"interrupted.",
	.flags = CMD_NEED_CONFIG | CMD_DEFER_SIGNALS,
	.exec = cmd_try,
};
