/*
 * cmd-try.c: `perfloop try`, one experiment of the loop: save the diff,
 * validate, build, bench against the baseline (early reject after one pair),
 * profile and diff hotspots, and judge it by the procedure's rule.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench-prepare.h"
#include "cmd/bench-print.h"
#include "cmd/cmd.h"
#include "cmd/steps.h"
#include "experiment.h"
#include "git.h"
#include "proc.h"
#include "try-profile.h"
#include "banned.h"

struct try_opts {
	const char *message;
	int no_profile, no_validate, json, force;
	int runs;
};

/* The experiment under way, for finish_on_exit(). */
static struct ledger *running_ledger;
static int64_t running_id;

/*
 * When try dies in a step (a git command or the bench setup cut short by
 * Ctrl-C, the ledger gone), the experiment must not stay "building" for
 * ever: it ends interrupted (or failed), and never with a verdict.
 */
static void finish_on_exit(void)
{
	struct strbuf err = STRBUF_INIT;
	if (!running_id)
		return;
	ledger_exec(running_ledger, &err,
		    "UPDATE experiments SET status = ?, reason = ?, finished = ? WHERE id = ? AND "
		    "status IN ('saved', 'validating', 'building', 'benching', 'profiling')",
		    "ttdi", proc_interrupted ? "interrupted" : "failed",
		    proc_interrupted ? "interrupted" : "perfloop stopped with an error", now_wall(),
		    running_id);
	strbuf_release(&err);
}

/*
 * A step stopped the experiment: record it as failed, or as interrupted when
 * Ctrl-C or SIGTERM stopped it (whatever the step made of that), never with
 * a verdict. Returns the exit code.
 */
static int step_stopped(struct ledger *l, int64_t id, const char *step, const char *log, int code)
{
	struct strbuf err = STRBUF_INIT, reason = STRBUF_INIT;
	int interrupted = code == EXIT_INTERRUPTED || proc_interrupted;
	const char *status = interrupted ? "interrupted" : "failed";
	if (interrupted)
		strbuf_addf(&reason, "interrupted during the %s", step);
	else
		strbuf_addf(&reason, "%s failed", step);
	if (experiment_set(l, id, "status", status, &err) ||
	    experiment_set(l, id, "reason", reason.buf, &err) ||
	    (log && experiment_set(l, id, "log", log, &err)) ||
	    ledger_exec(l, &err, "UPDATE experiments SET finished = ? WHERE id = ?", "di",
			now_wall(), id))
		die("%s", err.buf);
	if (interrupted)
		info("experiment %lld: interrupted, no verdict (%s); its patch is saved: "
		     "perfloop patch %lld", (long long)id, reason.buf, (long long)id);
	else
		info("experiment %lld: failed (%s)", (long long)id, reason.buf);
	strbuf_release(&err);
	strbuf_release(&reason);
	return interrupted ? EXIT_INTERRUPTED : code;
}

static void print_try(json_t *doc)
{
	json_t *bench = json_object_get(doc, "bench"), *rows = json_object_get(doc, "hotspots");
	const char *v = json_string_value(json_object_get(doc, "verdict"));
	const char *col = !strcmp(v, "keep") || !strcmp(v, "keep-flat") ? "\033[1;32m"
			  : !strcmp(v, "reject")			   ? "\033[1;31m"
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
	if (!strcmp(v, "keep") || !strcmp(v, "keep-flat"))
		printf("next: perfloop keep -m \"...\"\n");
	else if (!strcmp(v, "reject"))
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

static void profile_note(void *data, const char *text)
{
	info("%s", text);
}

static void profile_warn(void *data, const char *text)
{
	warning("%s", text);
}

static const struct try_profile_hooks profile_hooks = {
	profile_tick, profile_recorded, profile_note, profile_warn, NULL,
};

static int cmd_try(const struct cmd_args *a, struct project *c)
{
	struct try_opts o = { 0 };
	struct strbuf err = STRBUF_INIT, patch = STRBUF_INIT, files = STRBUF_INIT;
	struct strbuf reason = STRBUF_INIT, touched = STRBUF_INIT;
	struct loop_state ls;
	struct validate_result vres;
	struct build_result bres;
	struct bench_request req = { 0 };
	struct bench_setup s;
	struct bench_result res;
	struct try_profile tp;
	enum try_verdict verdict;
	struct ledger *l;
	char hash[HASH_HEX];
	json_t *doc, *bdoc;
	int64_t id;
	int code;

	o.message = args_get(a, "message");
	o.no_profile = args_has(a, "no-profile");
	o.no_validate = args_has(a, "no-validate");
	o.force = args_has(a, "force");
	o.json = args_has(a, "json");
	o.runs = (int)args_int(a, "runs", 0);

	require_loop(c, &ls);
	l = c->ledger;
	if (!ls.baseline_id)
		die("the loop has no baseline yet: build HEAD and run 'perfloop baseline save' first");

	/* 1. save the diff before anything can go wrong */
	if (project_worktree_patch(c, &patch, &files, &err))
		die("%s", err.buf);
	if (!patch.len)
		die("nothing to try: the worktree has no uncommitted changes");
	{
		struct strbuf head = STRBUF_INIT;
		git_head(c->worktree, &head);
		id = experiment_save(l, o.message, patch.buf, files.buf, head.len ? head.buf : NULL,
				     &err);
		strbuf_release(&head);
	}
	if (id < 0)
		die("%s", err.buf);
	running_ledger = l;
	running_id = id;
	atexit(finish_on_exit);
	patch_hash(patch.buf, patch.len, hash);
	touched_functions(patch.buf, &touched);
	info("experiment %lld: saved patch %.12s (%zu bytes)", (long long)id, hash, patch.len);
	if (touched.len) {
		json_t *arr = json_array();
		char *text;
		for (const char *p = touched.buf; *p;) {
			const char *eol = strchr(p, '\n');
			json_array_append_new(arr, json_stringn(p, (size_t)(eol - p)));
			p = eol + 1;
		}
		text = json_dumps(arr, JSON_COMPACT);
		if (experiment_set(l, id, "touched", text, &err))
			die("%s", err.buf);
		info("  touched functions: %s", text);
		free(text);
		json_decref(arr);
	}

	/* 2. validate */
	if (!o.no_validate) {
		if (experiment_set(l, id, "status", "validating", &err))
			die("%s", err.buf);
		code = run_validate(c, &vres);
		if (code || proc_interrupted) {
			code = step_stopped(l, id, "validation", vres.log, code);
			validate_result_release(&vres);
			goto out_early;
		}
		validate_result_release(&vres);
	}

	/* 3. build */
	if (experiment_set(l, id, "status", "building", &err))
		die("%s", err.buf);
	code = run_build(c, hash, &bres);
	if (bres.id > 0 && experiment_set_id(l, id, "build_id", bres.id, &err))
		die("%s", err.buf);
	if (code || proc_interrupted) {
		code = step_stopped(l, id, "build", bres.log, code);
		build_result_release(&bres);
		goto out_early;
	}

	/* 4. bench against the loop's baseline */
	if (experiment_set(l, id, "status", "benching", &err) ||
	    experiment_set_id(l, id, "baseline_id", ls.baseline_id, &err))
		die("%s", err.buf);
	req.artifact = bres.artifact_path;
	req.baseline_id = ls.baseline_id;
	req.runs = o.runs;
	req.warmup = -1;
	req.force = o.force;
	code = run_bench(c, &req, &s, &res);
	if (experiment_set_id(l, id, "bench_id", res.id, &err))
		die("%s", err.buf);
	if (code || proc_interrupted) {
		code = step_stopped(l, id, "bench", NULL, code);
		goto out;
	}

	/* 5. profile and hotspot diff, unless rejected early */
	try_profile_init(&tp, touched.buf);
	if (!o.no_profile && !res.vr.early_reject) {
		if (experiment_set(l, id, "status", "profiling", &err))
			die("%s", err.buf);
		if (try_profile_run(c, id, res.id, &s, &profile_hooks, &tp, &err) && !proc_interrupted)
			warning("no hotspot diff: %s", err.buf);
		strbuf_reset(&err);
	}
	/* a verdict only from steps that ran to their end: no keep from a cut profile */
	if (proc_interrupted) {
		const char *step = o.no_profile || res.vr.early_reject ? "verdict" : "profile";
		code = step_stopped(l, id, step, NULL, EXIT_INTERRUPTED);
		try_profile_release(&tp);
		goto out;
	}

	/* 6. verdict */
	verdict = try_decide(res.vr.verdict, tp.have_profile ? &tp.diff : NULL, tp.touched,
			     tp.nr_touched, tp.missing, tp.nr_missing, &reason);
	bdoc = bench_json(&s.spec, &res);
	if (ledger_exec(l, &err,
			"UPDATE experiments SET status = 'decided', verdict = ?, reason = ?, "
			"finished = ? WHERE id = ?",
			"ttdi", try_verdict_name(verdict), reason.buf, now_wall(), id))
		die("%s", err.buf);
	doc = json_object();
	json_object_set_new(doc, "experiment", json_integer(id));
	json_object_set_new(doc, "patch_hash", json_string(hash));
	json_object_set_new(doc, "message", o.message ? json_string(o.message) : json_null());
	json_object_set_new(doc, "verdict", json_string(try_verdict_name(verdict)));
	json_object_set_new(doc, "reason", json_string(reason.buf));
	json_object_set_new(doc, "time", json_object_get(bdoc, "verdict")
						 ? json_incref(json_object_get(bdoc, "verdict"))
						 : json_null());
	json_object_set_new(doc, "max_pairs", json_integer(s.spec.max_pairs));
	json_object_set_new(doc, "bench", bdoc);
	json_object_set_new(doc, "profile", tp.profile_id ? json_integer(tp.profile_id) : json_null());
	json_object_set_new(doc, "profile_path", tp.profile_path ? json_string(tp.profile_path)
								 : json_null());
	json_object_set_new(doc, "hotspots", try_profile_json(&tp));
	try_profile_doc(&tp, doc);
	if (o.json)
		print_json(doc);
	else
		print_try(doc);
	json_decref(doc);
	code = verdict == TRY_KEEP || verdict == TRY_KEEP_FLAT ? 0
	       : verdict == TRY_REJECT				  ? EXIT_REJECT
								  : EXIT_INCONCLUSIVE;
	try_profile_release(&tp);
out:
	bench_result_release(&res);
	bench_setup_release(&s);
	build_result_release(&bres);
out_early:
	running_id = 0; /* the ledger closes after return: nothing left for finish_on_exit() */
	loop_release(&ls);
	strbuf_release(&err);
	strbuf_release(&patch);
	strbuf_release(&files);
	strbuf_release(&reason);
	strbuf_release(&touched);
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
		"   could not tell, with the advice to run more pairs.\n"
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
