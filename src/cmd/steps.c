/*
 * steps.c: progress and failure output of builds and validations, and the
 * loop commands' handling of a stale artifact.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/steps.h"
#include "pr-comment.h"
#include "banned.h"

static void build_tick(void *data, double elapsed, double expected)
{
	char el[32], eta[32];
	(void)data;
	if (expected > 0)
		progress_line("building: %s elapsed, ETA %s", fmt_secs(el, sizeof(el), elapsed),
			      fmt_secs(eta, sizeof(eta), expected > elapsed ? expected - elapsed : 0));
	else
		progress_line("building: %s elapsed", fmt_secs(el, sizeof(el), elapsed));
}

int run_build(struct project *c, const char *patch_hash, struct build_result *res)
{
	struct strbuf err = STRBUF_INIT, tail = STRBUF_INIT;
	char secs[32];
	int code = 0;
	info("build: %s", config_get(&c->cfg, "build.command"));
	if (build_run(c, patch_hash, build_tick, NULL, res, &err)) {
		progress_clear();
		die("%s", err.buf);
	}
	progress_clear();
	switch (res->status) {
	case BUILD_OK:
		info("built %s in %s (%.12s, %llu bytes)", res->artifact_path,
		     fmt_secs(secs, sizeof(secs), res->seconds), res->art.hash,
		     (unsigned long long)res->art.size);
		break;
	case BUILD_NO_ARTIFACT:
		error("%s", res->why);
		code = EXIT_CMDFAIL;
		break;
	case BUILD_INTERRUPTED:
		error("build interrupted; log: %s", res->log);
		code = EXIT_INTERRUPTED;
		break;
	case BUILD_TIMEOUT:
	case BUILD_FAILED:
		if (res->status == BUILD_TIMEOUT)
			error("build ran past build.timeout and was killed");
		else
			error("build failed with exit status %d: '%s' in %s", res->exit_status,
			      config_get(&c->cfg, "build.command"), c->worktree);
		if (!strbuf_tail_file(&tail, res->log, 30))
			fprintf(stderr, "%s", tail.buf);
		fprintf(stderr, "full log: %s\n", res->log);
		code = res->status == BUILD_TIMEOUT ? EXIT_TIMEOUT : EXIT_CMDFAIL;
		break;
	}
	strbuf_release(&err);
	strbuf_release(&tail);
	return code;
}

static void step_start(void *data, const struct validate_step *s, size_t i, size_t n)
{
	(void)data;
	progress_line("validate %zu/%zu: %s", i + 1, n, s->command);
}

static void step_done(void *data, const struct validate_step *s, size_t i, size_t n)
{
	char secs[32];
	(void)data;
	progress_clear();
	if (s->skipped)
		info("validate %zu/%zu: skipped '%s': %s", i + 1, n, s->command, s->reason);
	else if (s->status || s->timed_out || s->interrupted)
		info("validate %zu/%zu: FAILED '%s'", i + 1, n, s->command);
	else
		info("validate %zu/%zu: ok '%s' (%s)", i + 1, n, s->command,
		     fmt_secs(secs, sizeof(secs), s->seconds));
}

int run_validate(struct project *c, struct validate_result *res)
{
	static const struct validate_hooks hooks = { step_start, step_done, NULL };
	struct strbuf err = STRBUF_INIT, tail = STRBUF_INIT;
	const struct validate_step *s;
	int code = 0;
	if (validate_run(c, &hooks, res, &err)) {
		progress_clear();
		die("%s", err.buf);
	}
	if (!res->nr) {
		info("validate: no [validate] commands configured");
		goto out;
	}
	if (!res->failed)
		goto out;
	s = &res->steps[res->failed - 1];
	if (s->interrupted) {
		error("validation interrupted");
		code = EXIT_INTERRUPTED;
		goto out;
	}
	if (s->timed_out)
		error("'%s' ran past validate.timeout and was killed", s->command);
	else
		error("'%s' failed with exit status %d", s->command, s->status);
	if (!strbuf_tail_file(&tail, res->log, 30))
		fprintf(stderr, "%s", tail.buf);
	fprintf(stderr, "full log: %s\n", res->log);
	code = s->timed_out ? EXIT_TIMEOUT : EXIT_CMDFAIL;
out:
	strbuf_release(&err);
	strbuf_release(&tail);
	return code;
}

json_t *update_pr_comment(struct project *c, const struct loop_state *ls, int pr,
			  const char *command)
{
	struct strbuf err = STRBUF_INIT;
	struct pr_comment_result r;
	json_t *doc = json_null();
	int failed = pr_comment_update(c, ls, pr, command, &r, &err);
	if (failed)
		warning("%s (the loop goes on; 'perfloop status' shows it)", err.buf);
	else if (r.action != PRC_SKIPPED)
		info("%s the report comment on PR #%d%s%s%s", pr_comment_action_name(r.action),
		     r.pr, r.cut ? " (cut to GitHub's size limit)" : "", r.url ? ": " : "",
		     r.url ? r.url : "");
	if (failed || r.action != PRC_SKIPPED) {
		doc = json_object();
		json_object_set_new(doc, "pr", json_integer(r.pr));
		json_object_set_new(doc, "action", json_string(pr_comment_action_name(r.action)));
		json_object_set_new(doc, "id", r.id ? json_integer(r.id) : json_null());
		json_object_set_new(doc, "url", r.url ? json_string(r.url) : json_null());
		json_object_set_new(doc, "cut", json_boolean(r.cut));
		json_object_set_new(doc, "error", failed ? json_string(err.buf) : json_null());
	}
	pr_comment_result_release(&r);
	strbuf_release(&err);
	return doc;
}

void say_info(void *data, const char *text)
{
	info("%s", text);
}

void say_warning(void *data, const char *text)
{
	warning("%s", text);
}

int build_hook(void *data, struct project *c, const char *patch_hash, struct build_result *res)
{
	return run_build(c, patch_hash, res);
}

int validate_hook(void *data, struct project *c, struct validate_result *res)
{
	return run_validate(c, res);
}

void require_loop(struct project *c, struct loop_state *ls)
{
	struct strbuf err = STRBUF_INIT;
	struct ledger *l = project_ledger(c, &err);
	if (!l || loop_load(l, ls, &err))
		die("%s", err.buf);
	if (!ls->present)
		die("no loop here: run 'perfloop start BRANCH' in the project's checkout, then work "
		    "in the worktree it creates");
	strbuf_release(&err);
}

json_t *art_state_json(const struct art_state *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "state", json_string(art_fresh_name(s->state)));
	json_object_set_new(o, "path", json_string(s->path));
	json_object_set_new(o, "hash", *s->hash ? json_string(s->hash) : json_null());
	json_object_set_new(o, "build", s->build_id ? json_integer(s->build_id) : json_null());
	json_object_set_new(o, "baseline", s->baseline ? json_string(s->baseline) : json_null());
	json_object_set_new(o, "why", s->why ? json_string(s->why) : json_null());
	return o;
}

void settle_artifact(struct project *c, const struct loop_state *ls, int json, json_t *doc)
{
	struct strbuf err = STRBUF_INIT;
	struct baseline b = { 0 };
	struct art_state as;
	json_t *o;
	int r = -1, have_b = ls->baseline_id && !baseline_get(c->ledger, ls->baseline_id, &b, &err);
	strbuf_reset(&err); /* no baseline: nothing to restore, said below */
	/* the worktree has moved already: a failure here is a warning, not the command's */
	if (art_state_get(c, NULL, &as, &err) ||
	    (r = art_restore_baseline(c, have_b ? &b : NULL, &as, &err)) < 0) {
		warning("cannot make the artifact HEAD's build: %s; run 'perfloop build'",
			err.buf);
		json_object_set_new(doc, "artifact", json_null());
		goto out;
	}
	o = art_state_json(&as);
	json_object_set_new(o, "restored", json_boolean(r));
	json_object_set_new(doc, "artifact", o);
	if (!json && r)
		printf("artifact restored from baseline '%s': it is HEAD's build\n", b.name);
	else if (!json && as.state != ART_CURRENT)
		printf("artifact %s: %s; run 'perfloop build' before profile or bench\n",
		       art_fresh_name(as.state), as.why);
out:
	art_state_release(&as);
	if (have_b)
		baseline_release(&b);
	strbuf_release(&err);
}

void refuse_stale_artifact(struct project *c, const char *anyway)
{
	struct strbuf err = STRBUF_INIT;
	struct loop_state ls;
	struct art_state as;
	struct ledger *l = project_ledger(c, &err);
	if (!l || loop_load(l, &ls, &err))
		die("%s", err.buf);
	if (ls.present) {
		if (art_state_get(c, NULL, &as, &err))
			die("%s", err.buf);
		if (as.state == ART_STALE)
			die("artifact '%s' is stale, not the build of the worktree: %s; run "
			    "'perfloop build' first (or pass --artifact PATH %s)",
			    as.path, as.why, anyway);
		art_state_release(&as);
	}
	loop_release(&ls);
	strbuf_release(&err);
}
