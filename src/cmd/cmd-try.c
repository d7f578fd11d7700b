/*
 * cmd-try.c: `perfloop try`, one experiment of the loop: save the diff,
 * validate, build, bench against the baseline (early reject after one pair),
 * profile and diff hotspots, and judge it by the procedure's rule.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/bench-print.h"
#include "cmd/cmd.h"
#include "cmd/steps.h"
#include "queue.h"
#include "try.h"
#include "banned.h"

struct try_opts {
	const char *message;
	int no_profile, no_validate, json, force;
	int runs;
};

/* One line per guard benchmark try ran: its outcome and why (all when indent is ""). */
static void print_guards(json_t *guards, const char *indent)
{
	json_t *g;
	size_t i;
	if (!*indent && json_array_size(guards))
		printf("\nguard benchmarks:\n");
	json_array_foreach(guards, i, g)
		if (!*indent || json_is_true(json_object_get(g, "blocks")))
			printf("%s  %-9s %s\n", indent,
			       json_string_value(json_object_get(g, "outcome")),
			       json_string_value(json_object_get(g, "reason")));
}

static void print_try(const struct try_result *tr, json_t *doc, int next)
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
	print_guards(json_object_get(doc, "guards"), "");
	printf("\n%sexperiment %lld: %s%s — %s\n", color(1, col),
	       (long long)json_integer_value(json_object_get(doc, "experiment")), v,
	       color(1, "\033[m"), json_string_value(json_object_get(doc, "reason")));
	printf("gain: %s\n",
	       json_string_value(json_object_get(json_object_get(doc, "expected"), "text")));
	if (!next)
		return;
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

/* The queue's narration: a heading per candidate, then what its try made of it. */
static void queue_start(void *data, const struct queue_item *it, size_t i, size_t n)
{
	fflush(stdout); /* the previous candidate's result first */
	info("%scandidate %zu/%zu: %s%s (%s)", color(2, "\033[1m"), i + 1, n, it->path,
	     color(2, "\033[m"), it->message);
}

static void queue_done(void *data, const struct queue_item *it, size_t i, size_t n)
{
	const int *json = data;
	if (*json)
		return;
	if (it->outcome == QUEUE_NO_APPLY) {
		printf("experiment %lld: failed — the patch does not apply to HEAD: %s\n",
		       (long long)it->experiment, it->why);
	} else if (it->outcome == QUEUE_TRIED && it->res.status == EXP_DECIDED) {
		json_t *doc = try_result_json(&it->res, it->message);
		print_try(&it->res, doc, 0);
		json_decref(doc);
	}
	printf("\n");
}

/* One candidate of the ranking: its verdict, ratio, touched hotspots and predicted gain. */
static void print_candidate(json_t *o)
{
	json_t *exp = json_object_get(o, "experiment"), *iv = json_object_get(o, "interval");
	json_t *rows = json_object_get(o, "touched_hotspots"), *row;
	const char *verdict = json_string_value(json_object_get(o, "verdict"));
	const char *status = json_string_value(json_object_get(o, "status"));
	const char *reason = json_string_value(json_object_get(o, "reason"));
	double ratio = json_number_value(json_object_get(o, "ratio"));
	size_t i;
	printf("%2lld. ", (long long)json_integer_value(json_object_get(o, "rank")));
	if (json_is_integer(exp))
		printf("experiment %-4lld ", (long long)json_integer_value(exp));
	else
		printf("%-16s", "");
	printf("%-13s", verdict ? verdict : status ? status : "not tried");
	if (json_is_number(json_object_get(o, "ratio"))) {
		printf(" B/A %.3f", ratio);
		if (json_is_array(iv))
			printf(" [%.3f, %.3f]", json_number_value(json_array_get(iv, 0)),
			       json_number_value(json_array_get(iv, 1)));
		else if (json_is_true(json_object_get(o, "early_reject")))
			printf(" (early reject)");
	}
	printf("  %s: %s\n", json_string_value(json_object_get(o, "file")),
	       json_string_value(json_object_get(o, "message")));
	if (!verdict) {
		if (reason)
			printf("      %s\n", reason);
		return;
	}
	print_guards(json_object_get(json_object_get(o, "try"), "guards"), "    ");
	if (json_array_size(rows)) {
		printf("      touched:");
		json_array_foreach(rows, i, row)
			printf("%s %s %+.2f (%.2f -> %.2f%s)", i ? "," : "",
			       json_string_value(json_object_get(row, "symbol")),
			       json_number_value(json_object_get(row, "delta")),
			       json_number_value(json_object_get(row, "base")),
			       json_number_value(json_object_get(row, "new")),
			       json_is_true(json_object_get(row, "within_noise")) ? ", noise" : "");
		printf("\n");
	}
	printf("      %s\n",
	       json_string_value(json_object_get(json_object_get(o, "expected"), "text")));
}

static void print_ranking(json_t *doc)
{
	json_t *cands = json_object_get(doc, "candidates"), *o, *nt = json_object_get(doc, "not_tried");
	json_t *art = json_object_get(doc, "artifact");
	size_t i;
	printf("%sranking of %zu candidate%s, best first%s\n", color(1, "\033[1m"),
	       json_array_size(cands), json_array_size(cands) == 1 ? "" : "s", color(1, "\033[m"));
	json_array_foreach(cands, i, o)
		if (strcmp(json_string_value(json_object_get(o, "outcome")), "not-tried"))
			print_candidate(o);
	if (json_array_size(nt)) {
		printf("not tried (interrupted):");
		json_array_foreach(nt, i, o)
			printf("%s %s", i ? "," : "", json_string_value(o));
		printf("\n");
	}
	if (json_is_true(json_object_get(art, "restored")) &&
	    !json_is_string(json_object_get(art, "stale")))
		printf("worktree back to HEAD; artifact restored from the baseline: it is HEAD's "
		       "build\n");
	else if (json_is_string(json_object_get(art, "stale")))
		printf("worktree back to HEAD; artifact: %s; run 'perfloop build' before profile "
		       "or bench\n", json_string_value(json_object_get(art, "stale")));
	printf("next: %s\n", json_string_value(json_object_get(doc, "next")));
}

/* The next command after a queue: keep the best, or why there is none. */
static char *queue_next(const struct queue_result *r)
{
	const struct queue_item *best = r->nr ? &r->items[r->rank[0]] : NULL;
	if (queue_best(r))
		return xstrfmt("perfloop keep --experiment %lld", (long long)queue_best(r));
	if (r->interrupted)
		return xstrdup("perfloop try --queue ... with the candidates not tried");
	if (best && queue_class(best) == 2)
		return xstrfmt("no candidate to keep; for more pairs on the best: perfloop patch "
			       "%lld | git apply && perfloop try --runs %d",
			       (long long)best->experiment, best->res.setup.spec.max_pairs * 2);
	return xstrdup("no candidate to keep: change them and queue again");
}

/* The exit status of a queue: its best candidate's, as a try of it would exit. */
static int queue_exit_code(const struct queue_result *r)
{
	const struct queue_item *best = r->nr ? &r->items[r->rank[0]] : NULL;
	if (r->interrupted)
		return EXIT_INTERRUPTED;
	if (!best || best->outcome != QUEUE_TRIED)
		return EXIT_CMDFAIL;
	return try_exit_code(&best->res);
}

static int cmd_try_queue(const struct cmd_args *a, struct project *c, const struct try_request *treq,
			 int json)
{
	struct queue_hooks hooks = { &try_hooks, queue_start, queue_done, &json };
	struct queue_request req = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct queue_result r;
	struct loop_state ls;
	json_t *doc;
	char *next;
	int code;

	req.dir = args_get(a, "queue");
	req.nr_patches = args_all(a, "patch", &req.patches);
	req.try = *treq;
	require_loop(c, &ls);
	if (queue_run(c, &ls, &req, &hooks, &r, &err))
		die("%s", err.buf);
	doc = queue_result_json(&r);
	next = queue_next(&r);
	json_object_set_new(doc, "next", json_string(next));
	if (json)
		print_json(doc);
	else
		print_ranking(doc);
	code = queue_exit_code(&r);
	free(next);
	json_decref(doc);
	queue_result_release(&r);
	loop_release(&ls);
	strbuf_release(&err);
	return code;
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

	req = (struct try_request){ o.message, o.runs, o.no_profile, o.no_validate, o.force };
	if (args_has(a, "queue") || args_has(a, "patch")) {
		if (o.message)
			return usage_error(a, "--message names one change: a queue takes each "
					      "patch's own description");
		return cmd_try_queue(a, c, &req, o.json);
	}
	require_loop(c, &ls);
	if (try_run(c, &ls, &req, &try_hooks, &r, &err))
		die("%s", err.buf);
	if (r.status == EXP_DECIDED) {
		json_t *doc = try_result_json(&r, o.message);
		if (o.json)
			print_json(doc);
		else
			print_try(&r, doc, 1);
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
	{ .name = "queue", .arg = "DIR", .kind = CMD_VAL_FILE,
	  .help = "try every `*.patch` and `*.diff` file in DIR, in name order, one by one on "
		  "a clean worktree, and rank them" },
	{ .name = "patch", .arg = "FILE", .kind = CMD_VAL_FILE, .many = 1,
	  .help = "try this patch file as part of a queue (after DIR's; repeat for more)" },
	{ .name = "json", .help = "print one JSON document" },
	{ 0 },
};

const struct cmd_entry cmd_try_entry = {
	.name = "try",
	.summary = "try the worktree's change or a queue of patches: validate, build, bench, "
		   "profile, judge",
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
		"   \"Time\" is the bench's metric (`bench.metric`): a reason judged on another\n"
		"   metric names it (\"faster by instructions\", \"the same by work; ...\").\n"
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
		"keep` never keeps an unjudged change.\n"
		"\n"
		"The gain the profile predicts is shown beside the gain measured: the touched\n"
		"functions' share of samples that went away (base% - new% summed over the diff's\n"
		"touched rows), and times the baseline's median when the verdict judges a time\n"
		"(wall, cpu), \"profile predicts -X% (Y ms), measured -Z%\", so that a hotspot\n"
		"win that does not reach the end-to-end time shows (in --json as `expected`).\n"
		"\n"
		"With --queue DIR or --patch FILE (several candidates at once), the worktree must\n"
		"be clean (else the changed files are named and nothing is tried). Each patch in\n"
		"turn is applied with `git apply` (the files only, all or nothing, no 3-way\n"
		"merge), tried as above with its description (a mail's Subject, else the first\n"
		"line before the diff) as the message, then the worktree is put back to HEAD and\n"
		"the artifact to HEAD's build (the baseline's bytes), so the next one starts\n"
		"from HEAD; nothing is committed. A patch that does not apply is recorded as a\n"
		"`failed` experiment with git's message. The baseline is profiled once for all.\n"
		"Then the ranking: keep, keep-flat, inconclusive, reject, failed, each by its\n"
		"time ratio, with the ratio's interval, the touched hotspots' deltas and the\n"
		"predicted gain, and the command to keep the best: `perfloop keep --experiment\n"
		"N`. Ctrl-C records the experiment under way as interrupted, puts the worktree\n"
		"back to HEAD, lists the patches not tried and exits 130. The exit status is\n"
		"the best candidate's, as its own try would exit (3 when no patch applied).\n",
	.exit = "0 keep or keep-flat, 1 reject, 2 inconclusive, 3 a step failed, 4 timeout, 130 "
		"interrupted (of a queue: its best candidate's).",
	.flags = CMD_NEED_CONFIG | CMD_DEFER_SIGNALS,
	.exec = cmd_try,
};
