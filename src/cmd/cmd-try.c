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

extern const struct cmd_entry cmd_try_entry;

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

static int cmd_try(int argc, char **argv, struct project *c)
{
	static const struct option longopts[] = {
		{ "message", required_argument, NULL, 'm' },
		{ "no-profile", no_argument, NULL, 'P' },
		{ "no-validate", no_argument, NULL, 'V' },
		{ "runs", required_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd_entry *e = &cmd_try_entry;
	struct try_opts o = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct loop_state ls;
	struct try_request req;
	struct try_result r;
	int opt, code;
	long v;

	while ((opt = next_opt(e, argc, argv, "m:n:", longopts)) != -1) {
		switch (opt) {
		case 'm': o.message = optarg; break;
		case 'P': o.no_profile = 1; break;
		case 'V': o.no_validate = 1; break;
		case 'f': o.force = 1; break;
		case 'j': o.json = 1; break;
		case 'n':
			if (opt_int(e, "--runs", optarg, 1, &v))
				return EXIT_USAGE;
			o.runs = (int)v;
			break;
		default: return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return usage_error(e, "unexpected argument '%s'", argv[optind]);

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

const struct cmd_entry cmd_try_entry = {
	"try", cmd_try, CMD_NEED_CONFIG | CMD_DEFER_SIGNALS,
	"perfloop try [-m \"what changed\"] [--runs N] [--no-profile] [--no-validate] [--force] "
	"[--json]",
	"try the worktree's uncommitted change: validate, build, bench, profile, judge",
	"The worktree's uncommitted diff (untracked files included) is the experiment:\n"
	"  1. the diff is saved as a patch in the ledger (never lost),\n"
	"  2. [validate] commands run, 3. the artifact is built,\n"
	"  4. it is benched against the loop's baseline, interleaved, with the early reject\n"
	"     after one pair,\n"
	"  5. unless rejected early or --no-profile: it is profiled and its hotspots diffed\n"
	"     against the baseline's profile (both over [profile] runs harness runs),\n"
	"     functions the diff touches first; touched functions in neither profile\n"
	"     (inlined, or too quick to be sampled) are named,\n"
	"  6. the verdict: keep when time is faster; keep-flat only when time is the same AND\n"
	"     a touched hotspot dropped beyond noise AND nothing grew beyond noise; reject\n"
	"     otherwise (a reshuffle of percentages without a time gain is a reject);\n"
	"     inconclusive when the bench could not tell.\n\n"
	"  -m, --message M   what changed (used by keep's commit message)\n"
	"  -n, --runs N      most pairs (default bench.runs)\n"
	"  --no-profile      skip the profile and hotspot diff\n"
	"  --no-validate     skip the [validate] commands\n"
	"  --force           bench against a baseline built differently\n"
	"  --json            print one JSON document\n\n"
	"Exit: 0 keep or keep-flat, 1 reject, 2 inconclusive, 3 a step failed, 4 timeout,\n"
	"130 interrupted.\n",
};
