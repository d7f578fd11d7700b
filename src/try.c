/*
 * try.c: the steps of one experiment (`perfloop try`), each recorded on the
 * experiment as it goes, and its verdict.
 */
#include "try.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "git.h"
#include "proc.h"
#include "banned.h"

/* The experiment under way, for close_on_exit(). */
static struct ledger *running_ledger;
static int64_t running_id;

/*
 * When the process exits in a step (a hook died: a git command or the bench
 * setup cut short by Ctrl-C, the ledger gone), the experiment must not stay
 * "building" for ever: it ends interrupted (or failed), never with a verdict.
 */
static void close_on_exit(void)
{
	struct strbuf err = STRBUF_INIT;
	if (running_id)
		experiment_close_unfinished(running_ledger, running_id, proc_interrupted, &err);
	running_id = 0;
	strbuf_release(&err);
}

/*
 * A step stopped the experiment: record it as failed, or as interrupted when
 * Ctrl-C or SIGTERM stopped it (whatever the step made of that), never with
 * a verdict. 0, or -1 when the ledger failed.
 */
static int stopped(struct project *c, const struct try_hooks *h, struct try_result *r,
		   const char *step, const char *log, int code, struct strbuf *err)
{
	int interrupted = code == EXIT_INTERRUPTED || proc_interrupted;
	r->status = interrupted ? EXP_INTERRUPTED : EXP_FAILED;
	r->step_code = code;
	strbuf_reset(&r->reason);
	if (interrupted)
		strbuf_addf(&r->reason, "interrupted during the %s", step);
	else
		strbuf_addf(&r->reason, "%s failed", step);
	if (experiment_stop(c->ledger, r->id, r->status, r->reason.buf, log, err))
		return -1;
	if (interrupted)
		hook_say(h->note, h->data,
			 "experiment %lld: interrupted, no verdict (%s); its patch is saved: "
			 "perfloop patch %lld",
			 (long long)r->id, r->reason.buf, (long long)r->id);
	else
		hook_say(h->note, h->data, "experiment %lld: failed (%s)", (long long)r->id,
			 r->reason.buf);
	return 0;
}

/* Step 1: save the diff before anything can go wrong; its touched functions in *touched. */
static int save(struct project *c, const struct try_request *req, const struct try_hooks *h,
		struct try_result *r, struct strbuf *touched, struct strbuf *err)
{
	struct strbuf patch = STRBUF_INIT, files = STRBUF_INIT, head = STRBUF_INIT;
	int ret = -1;
	if (project_worktree_patch(c, &patch, &files, err))
		goto out;
	if (!patch.len) {
		strbuf_addstr(err, "nothing to try: the worktree has no uncommitted changes");
		goto out;
	}
	git_head(c->worktree, &head);
	r->id = experiment_save(c->ledger, req->message, patch.buf, files.buf,
				head.len ? head.buf : NULL, err);
	if (r->id < 0) {
		r->id = 0;
		goto out;
	}
	running_ledger = c->ledger;
	running_id = r->id;
	patch_hash(patch.buf, patch.len, r->hash);
	touched_functions(patch.buf, touched);
	hook_say(h->note, h->data, "experiment %lld: saved patch %.12s (%zu bytes)",
		 (long long)r->id, r->hash, patch.len);
	ret = 0;
	if (touched->len) {
		json_t *arr = json_array();
		char *text;
		for (const char *p = touched->buf; *p;) {
			const char *eol = strchr(p, '\n');
			json_array_append_new(arr, json_stringn(p, (size_t)(eol - p)));
			p = eol + 1;
		}
		text = json_dumps(arr, JSON_COMPACT);
		if (experiment_set_touched(c->ledger, r->id, text, err))
			ret = -1;
		else
			hook_say(h->note, h->data, "  touched functions: %s", text);
		free(text);
		json_decref(arr);
	}
out:
	strbuf_release(&patch);
	strbuf_release(&files);
	strbuf_release(&head);
	return ret;
}

/* Steps 2 and 3: validate, build. 1 when one stopped the experiment, 0 built, -1 (err). */
static int validate_and_build(struct project *c, const struct try_request *req,
			      const struct try_hooks *h, struct try_result *r,
			      struct build_result *bres, struct strbuf *err)
{
	struct ledger *l = c->ledger;
	int code;
	if (!req->no_validate) {
		struct validate_result vres;
		if (experiment_record_step(l, r->id, EXP_VALIDATING, err))
			return -1;
		code = h->validate(h->data, c, &vres);
		if (code || proc_interrupted) {
			code = stopped(c, h, r, "validation", vres.log, code, err);
			validate_result_release(&vres);
			return code ? -1 : 1;
		}
		validate_result_release(&vres);
	}
	if (experiment_record_step(l, r->id, EXP_BUILDING, err))
		return -1;
	code = h->build(h->data, c, r->hash, bres);
	if (bres->id > 0 && experiment_record_build(l, r->id, bres->id, err))
		return -1;
	if (code || proc_interrupted)
		return stopped(c, h, r, "build", bres->log, code, err) ? -1 : 1;
	return 0;
}

/* Steps 4 and 5: bench, then profile unless rejected early. 1 stopped, 0 done, -1 (err). */
static int bench_and_profile(struct project *c, const struct loop_state *ls,
			     const struct try_request *req, const struct try_hooks *h,
			     struct try_result *r, const char *artifact, const char *touched,
			     struct strbuf *err)
{
	struct bench_request breq = { 0 };
	struct ledger *l = c->ledger;
	int code, profile;
	if (experiment_record_step(l, r->id, EXP_BENCHING, err) ||
	    experiment_record_baseline(l, r->id, ls->baseline_id, err))
		return -1;
	breq.artifact = artifact;
	breq.baseline_id = ls->baseline_id;
	breq.runs = req->runs;
	breq.warmup = -1;
	breq.force = req->force;
	r->have_bench = 1;
	code = h->bench(h->data, c, &breq, &r->setup, &r->bench);
	if (experiment_record_bench(l, r->id, r->bench.id, err))
		return -1;
	if (code || proc_interrupted)
		return stopped(c, h, r, "bench", NULL, code, err) ? -1 : 1;

	try_profile_init(&r->profile, touched);
	r->have_profile_step = 1;
	profile = !req->no_profile && !r->bench.vr.early_reject;
	if (profile) {
		if (experiment_record_step(l, r->id, EXP_PROFILING, err))
			return -1;
		if (try_profile_run(c, r->id, r->bench.id, &r->setup, h->profile, &r->profile,
				    err) &&
		    !proc_interrupted)
			hook_say(h->warn, h->data, "no hotspot diff: %s", err->buf);
		strbuf_reset(err);
	}
	/* a verdict only from steps that ran to their end: no keep from a cut profile */
	if (proc_interrupted)
		return stopped(c, h, r, profile ? "profile" : "verdict", NULL, EXIT_INTERRUPTED,
			       err) ? -1 : 1;
	return 0;
}

/*
 * Step 7, when the target's verdict would keep the change: every guard
 * benchmark against the same baseline, each recorded with its judgement.
 * 1 stopped (interrupted), 0 done, -1 (err).
 */
static int bench_guards(struct project *c, const struct loop_state *ls,
			const struct try_request *req, const struct try_hooks *h,
			struct try_result *r, const char *artifact, struct strbuf *err)
{
	const char **names;
	size_t n = config_guards(&c->cfg, &names);
	int ret = 0;
	r->guards_run = 1;
	r->guards = n ? xcalloc(n, sizeof(*r->guards)) : NULL;
	if (n && experiment_record_step(c->ledger, r->id, EXP_BENCHING, err))
		ret = -1;
	for (size_t i = 0; i < n && !ret; i++) {
		struct guard_run *g = &r->guards[i];
		struct bench_request breq = { 0 };
		breq.artifact = artifact;
		breq.baseline_id = ls->baseline_id;
		breq.warmup = -1;
		breq.force = req->force;
		breq.guard = names[i];
		hook_say(h->note, h->data, "guard '%s': benching it against the baseline too",
			 names[i]);
		r->nguards++;
		g->have_bench = 1;
		h->bench(h->data, c, &breq, &g->setup, &g->bench);
		if (proc_interrupted) {
			char *step = xstrfmt("bench of guard '%s'", names[i]);
			ret = stopped(c, h, r, step, NULL, EXIT_INTERRUPTED, err) ? -1 : 1;
			free(step);
			break;
		}
		guard_judge_bench(&c->cfg, names[i], &g->setup.spec, &g->bench, &g->j);
		if (guard_record(c->ledger, r->id, &g->j, g->bench.id, err))
			ret = -1;
		else
			hook_say(guard_blocks(g->j.outcome) ? h->warn : h->note, h->data, "%s",
				 g->j.reason);
	}
	free(names);
	return ret;
}

int try_run(struct project *c, const struct loop_state *ls, const struct try_request *req,
	    const struct try_hooks *h, struct try_result *r, struct strbuf *err)
{
	static int registered;
	struct strbuf touched = STRBUF_INIT;
	struct build_result bres;
	struct try_profile *tp = &r->profile;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	strbuf_init(&r->reason, 0);
	memset(&bres, 0, sizeof(bres));
	if (!ls->baseline_id) {
		strbuf_addstr(err, "the loop has no baseline yet: build HEAD and run 'perfloop "
				   "baseline save' first");
		goto out;
	}
	if (!registered) {
		atexit(close_on_exit);
		registered = 1;
	}
	if (save(c, req, h, r, &touched, err))
		goto out;
	if ((ret = validate_and_build(c, req, h, r, &bres, err)) != 0)
		goto out;
	if ((ret = bench_and_profile(c, ls, req, h, r, bres.artifact_path, touched.buf, err)) != 0)
		goto out;

	/* 6. the verdict */
	r->verdict = try_decide(r->bench.vr.verdict, r->setup.spec.metric->name,
				tp->have_profile ? &tp->diff : NULL,
				tp->touched, tp->nr_touched, tp->missing, tp->nr_missing,
				&r->reason);
	/* a calibrated cross-check against the verdict's metric makes it inconclusive */
	r->verdict = try_cross_check(r->verdict, r->bench.contradiction, r->setup.spec.cross_warn,
				     r->setup.spec.metric->name, &r->reason);
	if (try_verdict_keeps(r->verdict)) {
		struct guard_judgement *js;
		if ((ret = bench_guards(c, ls, req, h, r, bres.artifact_path, err)) != 0)
			goto out;
		js = xcalloc(r->nguards + 1, sizeof(*js));
		for (size_t i = 0; i < r->nguards; i++)
			js[i] = r->guards[i].j;
		r->verdict = guard_apply(r->verdict, js, r->nguards, &r->reason);
		free(js);
	}
	if (experiment_decide(c->ledger, r->id, r->verdict, r->reason.buf, err))
		goto out;
	r->status = EXP_DECIDED;
	{
		json_t *rows = tp->have_profile ? try_profile_json(tp) : NULL;
		const struct metric *m = r->setup.spec.metric;
		/* the predicted gain in seconds only when the verdict's metric is in seconds */
		double base = m == METRIC_WALL || m == METRIC_CPU
				  ? bench_median(&r->setup.spec, &r->bench, 'A')
				  : NAN;
		exp_expected_gain(rows, tp->nr_touched, base, &r->expected);
		json_decref(rows);
	}
	ret = 0;
out:
	if (ret > 0) /* a step stopped it: recorded, as try's result */
		ret = 0;
	else if (ret < 0)
		close_on_exit(); /* the caller dies of err: nothing left in progress */
	running_id = 0;      /* the ledger closes after return: nothing left for close_on_exit() */
	if (ret < 0)
		try_result_release(r);
	build_result_release(&bres);
	strbuf_release(&touched);
	return ret;
}

double try_ratio(const struct try_result *r)
{
	return r->have_bench && r->bench.npairs ? exp(r->bench.vr.mean) : NAN;
}

void try_interval(const struct try_result *r, double *lo, double *hi)
{
	int ok = r->have_bench && r->bench.npairs && !r->bench.vr.early_reject;
	*lo = ok && isfinite(r->bench.vr.lo) ? exp(r->bench.vr.lo) : NAN;
	*hi = ok && isfinite(r->bench.vr.hi) ? exp(r->bench.vr.hi) : NAN;
}

json_t *try_result_json(const struct try_result *r, const char *message)
{
	json_t *doc = json_object(), *bdoc = bench_json(&r->setup.spec, &r->bench);
	const struct try_profile *tp = &r->profile;
	json_object_set_new(doc, "experiment", json_integer(r->id));
	json_object_set_new(doc, "patch_hash", json_string(r->hash));
	json_object_set_new(doc, "message", message ? json_string(message) : json_null());
	json_object_set_new(doc, "verdict", json_string(try_verdict_name(r->verdict)));
	json_object_set_new(doc, "reason", json_string(r->reason.buf));
	json_object_set_new(doc, "time", json_object_get(bdoc, "verdict")
						 ? json_incref(json_object_get(bdoc, "verdict"))
						 : json_null());
	json_object_set_new(doc, "max_pairs", json_integer(r->setup.spec.max_pairs));
	json_object_set_new(doc, "bench", bdoc);
	json_object_set_new(doc, "profile",
			    tp->profile_id ? json_integer(tp->profile_id) : json_null());
	json_object_set_new(doc, "profile_path", tp->profile_path ? json_string(tp->profile_path)
								 : json_null());
	json_object_set_new(doc, "hotspots", try_profile_json(tp));
	json_object_set_new(doc, "expected", exp_expected_json(&r->expected, try_ratio(r)));
	{
		json_t *guards = json_array();
		for (size_t i = 0; i < r->nguards; i++) {
			const struct guard_run *g = &r->guards[i];
			json_array_append_new(guards,
					      guard_judgement_json(&g->j, g->bench.id,
								   bench_json(&g->setup.spec,
									      &g->bench)));
		}
		json_object_set_new(doc, "guards", guards);
		json_object_set_new(doc, "guards_run", json_boolean(r->guards_run));
	}
	try_profile_doc(tp, doc);
	return doc;
}

void try_result_release(struct try_result *r)
{
	if (r->have_profile_step)
		try_profile_release(&r->profile);
	if (r->have_bench) {
		bench_result_release(&r->bench);
		bench_setup_release(&r->setup);
	}
	for (size_t i = 0; i < r->nguards; i++)
		guard_run_release(&r->guards[i]);
	free(r->guards);
	strbuf_release(&r->reason);
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->reason, 0);
}
