/*
 * cmd-status.c: `perfloop status`, the loop's state in a few lines and the
 * next command to run.
 */
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "cmd/cmd.h"
#include "cmd/steps.h"
#include "dispatch.h"
#include "experiment.h"
#include "git.h"
#include "pr-comment.h"
#include "report/report.h"
#include "banned.h"

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/*
 * Goal progress (report_set_goal() over the ledger's report) into *state,
 * its sentence into line and its JSON; the JSON is null without [loop] goal
 * or rounds, unless `check` asks for it.
 */
static json_t *goal_progress(struct project *c, int check, enum report_goal_state *state,
			     struct strbuf *line)
{
	struct strbuf err = STRBUF_INIT;
	struct report r;
	json_t *doc = json_null();
	*state = GOAL_NONE;
	if (check && !config_get(&c->cfg, "loop.goal"))
		die("status --check needs a goal: set [loop] goal in perfloop.ini (goal = 5%% "
		    "for a speed-up of ×1.05)");
	if (!check && !config_get(&c->cfg, "loop.goal") && !config_get(&c->cfg, "loop.rounds"))
		return doc;
	if (report_load(c->ledger, &r, &err)) {
		if (check)
			die("%s", err.buf);
		/* progress is advice here: say why it is unknown */
		strbuf_addf(line, "cannot tell: %s", err.buf);
	} else {
		report_set_goal(&r, &c->cfg);
		*state = r.goal.state;
		report_goal_line(&r.goal, line);
		json_decref(doc);
		doc = report_goal_json(&r.goal);
	}
	report_release(&r);
	strbuf_release(&err);
	return doc;
}

/* The newest update of the PR's report comment, as JSON; its line into line. */
static json_t *comment_state(struct ledger *l, struct strbuf *line)
{
	struct strbuf err = STRBUF_INIT;
	struct pr_comment_state s;
	json_t *o;
	char when[32];
	int r = pr_comment_last(l, &s, &err);
	if (r < 0)
		die("%s", err.buf);
	strbuf_release(&err);
	if (!r)
		return json_null();
	fmt_time(when, sizeof(when), s.attempted);
	if (s.message)
		strbuf_addf(line, "PR #%d: not updated by %s at %s: %s", s.pr,
			    s.command ? s.command : "?", when, s.message);
	else
		strbuf_addf(line, "PR #%d: %s by %s at %s%s%s%s", s.pr, s.status,
			    s.command ? s.command : "?", when,
			    s.cut ? " (cut to GitHub's size limit)" : "", s.url ? ", " : "",
			    s.url ? s.url : "");
	o = json_object();
	json_object_set_new(o, "pr", json_integer(s.pr));
	json_object_set_new(o, "id", s.id ? json_integer(s.id) : json_null());
	json_object_set_new(o, "url", str_or_null(s.url));
	json_object_set_new(o, "status", str_or_null(s.status));
	json_object_set_new(o, "error", str_or_null(s.message));
	json_object_set_new(o, "command", str_or_null(s.command));
	json_object_set_new(o, "cut", json_boolean(s.cut));
	json_object_set_new(o, "attempted", json_real(s.attempted));
	json_object_set_new(o, "succeeded", s.succeeded > 0 ? json_real(s.succeeded) : json_null());
	pr_comment_state_release(&s);
	return o;
}

static int cmd_status(const struct cmd_args *a, struct project *c)
{
	struct strbuf err = STRBUF_INIT, patch = STRBUF_INIT, out = STRBUF_INIT;
	struct loop_state ls;
	struct baseline b = { 0 };
	struct art_state as;
	struct ledger *l;
	struct exp_summary e;
	struct exp_decision d;
	enum try_verdict diff_verdict = TRY_NONE;
	json_t *doc = json_object(), *last = json_null();
	const char *next;
	char hash[HASH_HEX] = "", *tracking;
	int json = args_has(a, "json"), check = args_has(a, "check"), r, have_baseline = 0;
	int baseline_of_head = 0, fp_differs = 0;
	struct strbuf fp_why = STRBUF_INIT;
	struct strbuf goal_line = STRBUF_INIT, comment_line = STRBUF_INIT;
	enum report_goal_state goal_state;
	json_t *goal, *comment;
	long unpushed = -1;
	int64_t pending;

	require_loop(c, &ls);
	l = c->ledger;
	if (ls.baseline_id) {
		if ((r = baseline_get(l, ls.baseline_id, &b, &err)) < 0)
			die("%s", err.buf);
		have_baseline = !r;
	}

	if ((r = experiment_last(l, &e, &err)) < 0)
		die("%s", err.buf);
	if (r) {
		last = json_object();
		json_object_set_new(last, "id", json_integer(e.id));
		json_object_set_new(last, "message", str_or_null(e.message));
		json_object_set_new(last, "status", json_string(exp_status_name(e.status)));
		json_object_set_new(last, "verdict", str_or_null(try_verdict_name(e.verdict)));
		json_object_set_new(last, "reason", json_string(e.reason));
		json_object_set_new(last, "ratio", e.has_ratio ? json_real(e.ratio) : json_null());
		json_object_set_new(last, "metric",
				    e.has_ratio ? json_string(e.metric->name) : json_null());
		json_object_set_new(last, "commit", str_or_null(e.commit));
		exp_summary_release(&e);
	}

	if (project_worktree_patch(c, &patch, NULL, &err))
		die("%s", err.buf);
	if (patch.len) {
		patch_hash(patch.buf, patch.len, hash);
		if ((r = experiment_decided(l, hash, &d, &err)) < 0)
			die("%s", err.buf);
		diff_verdict = r ? d.verdict : TRY_NONE;
		exp_decision_release(&d);
	}
	/* is the artifact the build of the worktree as it is, and the baseline HEAD's? */
	if (art_state_get(c, &patch, &as, &err)) {
		/* advice, not the point of status: say why it cannot tell */
		free(as.why);
		as.why = xstrfmt("cannot tell: %s", err.buf);
		strbuf_reset(&err);
	}
	baseline_of_head = have_baseline && as.head && b.commit && !b.dirty &&
			   git_same_tree(c->worktree, b.commit, as.head);
	/* a config edit that bench and try would refuse the baseline for */
	if (have_baseline)
		fp_differs = fingerprint_config_diff(c, b.fingerprint, &fp_why) == 1;
	tracking = xstrfmt("%s/%s..HEAD", config_get(&c->cfg, "project.remote"), ls.branch);
	if (!git_run(c->worktree, &out, NULL, "rev-list", "--count", tracking, NULL))
		unpushed = strtol(out.buf, NULL, 10);
	free(tracking);
	if (dispatch_open_runs(l, &pending, &err))
		die("%s", err.buf);
	goal = goal_progress(c, check, &goal_state, &goal_line);
	comment = comment_state(l, &comment_line);

	if (!have_baseline)
		next = "perfloop build && perfloop baseline save";
	else if (fp_differs && !patch.len)
		next = "perfloop build && perfloop baseline save (the baseline was built another "
		       "way: bench and try refuse it)";
	else if (fp_differs)
		next = "set perfloop.ini back, or set the diff aside (git stash), perfloop build && "
		       "perfloop baseline save, git stash pop (the baseline was built another way: "
		       "try refuses it)";
	else if (ls.remote_only && !patch.len)
		next = "perfloop sync";
	else if (patch.len && !diff_verdict)
		next = "perfloop try -m \"...\"";
	else if (try_verdict_keeps(diff_verdict))
		next = "perfloop keep";
	else if (diff_verdict == TRY_INCONCLUSIVE)
		next = "perfloop try --runs 6 (or perfloop revert)";
	else if (diff_verdict)
		next = "perfloop revert";
	else if (unpushed > 0 && !ls.remote_only)
		next = "git push (or perfloop keep for the next change)";
	else if (pending)
		next = "perfloop runs --wait";
	else if (goal_state == GOAL_REACHED)
		next = "the goal is reached: perfloop report for the PR (or raise [loop] goal)";
	else if (goal_state == GOAL_EXHAUSTED)
		next = "the rounds are used up without reaching the goal: perfloop report (or "
		       "raise [loop] rounds)";
	else if (!baseline_of_head)
		next = "perfloop build && perfloop baseline save (the baseline is not HEAD's "
		       "build: tries would be measured against other sources)";
	else if (as.state != ART_CURRENT)
		next = "perfloop build (the artifact is not HEAD's build), then perfloop "
		       "profile && perfloop hotspots";
	else
		next = "perfloop profile && perfloop hotspots (find the next hotspot)";

	json_object_set_new(doc, "branch", json_string(ls.branch));
	json_object_set_new(doc, "base", json_string(ls.base_ref));
	json_object_set_new(doc, "base_commit", str_or_null(ls.base_commit));
	json_object_set_new(doc, "worktree", json_string(ls.worktree));
	json_object_set_new(doc, "pr", ls.pr ? json_integer(ls.pr) : json_null());
	json_object_set_new(doc, "baseline", have_baseline ? json_string(b.name) : json_null());
	json_object_set_new(doc, "baseline_hash", have_baseline ? json_string(b.art.hash) : json_null());
	json_object_set_new(doc, "baseline_of_head", json_boolean(baseline_of_head));
	json_object_set_new(doc, "baseline_built_otherwise",
			    fp_differs ? json_string(fp_why.buf) : json_null());
	json_object_set_new(doc, "artifact", art_state_json(&as));
	json_object_set_new(doc, "last_experiment", last);
	json_object_set_new(doc, "uncommitted", patch.len ? json_string(hash) : json_null());
	json_object_set_new(doc, "uncommitted_verdict", str_or_null(try_verdict_name(diff_verdict)));
	json_object_set_new(doc, "unpushed", unpushed >= 0 ? json_integer(unpushed) : json_null());
	json_object_set_new(doc, "remote_only", json_boolean(ls.remote_only));
	json_object_set_new(doc, "remote_head", str_or_null(ls.remote_head));
	json_object_set_new(doc, "pending_runs", json_integer(pending));
	json_object_set_new(doc, "goal", goal);
	json_object_set_new(doc, "pr_comment", comment);
	json_object_set_new(doc, "next", json_string(next));

	if (json) {
		print_json(doc);
	} else {
		printf("branch    %s (from %s at %.12s)\n", ls.branch, ls.base_ref,
		       ls.base_commit ? ls.base_commit : "?");
		if (ls.pr)
			printf("pr        #%d\n", ls.pr);
		printf("worktree  %s\n", ls.worktree);
		if (have_baseline)
			printf("baseline  '%s' (%.12s, commit %.12s)%s\n", b.name, b.art.hash,
			       b.commit ? b.commit : "?",
			       baseline_of_head ? "" : ", not HEAD's build");
		else
			printf("baseline  none yet\n");
		if (fp_differs)
			printf("          built another way than the config says: %s\n", fp_why.buf);
		if (as.state == ART_CURRENT && as.baseline)
			printf("artifact  HEAD's build (%.12s, baseline '%s')\n", as.hash,
			       as.baseline);
		else if (as.state == ART_CURRENT)
			printf("artifact  %s (%.12s, build %lld)\n",
			       as.clean ? "HEAD's build" : "the build of the uncommitted diff",
			       as.hash, (long long)as.build_id);
		else
			printf("artifact  %s: %s\n", art_fresh_name(as.state), as.why);
		if (json_is_object(last)) {
			json_t *v = json_object_get(last, "verdict");
			json_t *m = json_object_get(last, "message");
			json_t *ratio = json_object_get(last, "ratio");
			printf("last      experiment %lld%s%s%s: %s%s%s",
			       (long long)json_integer_value(json_object_get(last, "id")),
			       json_is_string(m) ? " \"" : "", json_is_string(m) ? json_string_value(m) : "",
			       json_is_string(m) ? "\"" : "",
			       json_string_value(json_object_get(last, "status")),
			       json_is_string(v) ? ", " : "", json_is_string(v) ? json_string_value(v) : "");
			/* the ratio names the metric its verdict judged */
			if (json_is_number(ratio))
				printf(" (B/A %s ×%.3f)",
				       json_string_value(json_object_get(last, "metric")),
				       json_number_value(ratio));
			printf("\n");
		}
		if (patch.len)
			printf("changes   uncommitted diff %.12s%s%s\n", hash,
			       diff_verdict ? ", judged " : ", not tried yet",
			       diff_verdict ? try_verdict_name(diff_verdict) : "");
		if (unpushed >= 0)
			printf("unpushed  %ld commit(s)\n", unpushed);
		if (ls.remote_only)
			printf("remote    %s holds %.12s, pushed through the GitHub API; local HEAD "
			       "lacks it, so git status may show changes that are committed "
			       "remotely ('perfloop sync')\n",
			       ls.branch, ls.remote_head ? ls.remote_head : "?");
		if (pending)
			printf("workflow  %lld run(s) pending\n", (long long)pending);
		if (comment_line.len)
			printf("comment   %s\n", comment_line.buf);
		if (goal_line.len)
			printf("goal      %s\n", goal_line.buf);
		printf("next      %s\n", next);
	}
	json_decref(doc);
	art_state_release(&as);
	if (have_baseline)
		baseline_release(&b);
	loop_release(&ls);
	strbuf_release(&err);
	strbuf_release(&patch);
	strbuf_release(&out);
	strbuf_release(&goal_line);
	strbuf_release(&comment_line);
	strbuf_release(&fp_why);
	if (!check)
		return 0;
	return goal_state == GOAL_REACHED ? 0 : goal_state == GOAL_EXHAUSTED ? 2 : 1;
}

static const struct cmd_option status_options[] = {
	{ .name = "json", .help = "print the state as one JSON document" },
	{ .name = "check",
	  .help = "exit 0 when the goal (`loop.goal`) is reached, 1 when not yet, 2 when the "
		  "rounds (`loop.rounds`) are used up without reaching it" },
	{ 0 },
};

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.summary = "the loop's state in a few lines, and the next command to run",
	.options = status_options,
	.help = "Branch and base, the baseline (and whether it is HEAD's build), the artifact\n"
		"(HEAD's build, the build of the uncommitted diff, stale and what it is instead, or\n"
		"missing), the last experiment, its verdict and its B/A named by the metric that\n"
		"verdict judged, whether the uncommitted diff has been tried, unpushed commits, a\n"
		"remote-only commit left by the API push fallback, pending workflow runs, and the\n"
		"next command to run: `perfloop build` before `profile` when the artifact is stale,\n"
		"`perfloop build && perfloop baseline save` when the baseline is of other sources\n"
		"(after `sync` moved HEAD) or was built another way than the config now says\n"
		"(`build.command` or the `[fingerprint]` commands' names changed; the commands are\n"
		"not run here, so a changed output shows at the next bench).\n"
		"\n"
		"With `loop.goal` or `loop.rounds` set, the goal's progress: the cumulative\n"
		"speed-up of the kept experiments with its 95% interval (as `perfloop report`\n"
		"computes it) against the goal, reached when the interval's lower bound is at\n"
		"or past it, and the rounds used: experiments benched to a verdict (a change\n"
		"reverted untried, or a try that failed or was interrupted before its verdict,\n"
		"uses none). The last update of the PR's report comment, and why it failed if\n"
		"it did.\n",
	.exit = "0; with --check 0 when the goal is reached, 1 when it is not yet, 2 when the "
		"rounds are used up without reaching it, 128 when no `loop.goal` is set.",
	.flags = CMD_NEED_CONFIG,
	.exec = cmd_status,
};
