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
#include "banned.h"

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
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
	int json = args_has(a, "json"), r, have_baseline = 0, baseline_of_head = 0;
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
	tracking = xstrfmt("%s/%s..HEAD", config_get(&c->cfg, "project.remote"), ls.branch);
	if (!git_run(c->worktree, &out, NULL, "rev-list", "--count", tracking, NULL))
		unpushed = strtol(out.buf, NULL, 10);
	free(tracking);
	if (dispatch_open_runs(l, &pending, &err))
		die("%s", err.buf);

	if (!have_baseline)
		next = "perfloop build && perfloop baseline save";
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
	json_object_set_new(doc, "artifact", art_state_json(&as));
	json_object_set_new(doc, "last_experiment", last);
	json_object_set_new(doc, "uncommitted", patch.len ? json_string(hash) : json_null());
	json_object_set_new(doc, "uncommitted_verdict", str_or_null(try_verdict_name(diff_verdict)));
	json_object_set_new(doc, "unpushed", unpushed >= 0 ? json_integer(unpushed) : json_null());
	json_object_set_new(doc, "remote_only", json_boolean(ls.remote_only));
	json_object_set_new(doc, "remote_head", str_or_null(ls.remote_head));
	json_object_set_new(doc, "pending_runs", json_integer(pending));
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
			printf("last      experiment %lld%s%s%s: %s%s%s\n",
			       (long long)json_integer_value(json_object_get(last, "id")),
			       json_is_string(m) ? " \"" : "", json_is_string(m) ? json_string_value(m) : "",
			       json_is_string(m) ? "\"" : "",
			       json_string_value(json_object_get(last, "status")),
			       json_is_string(v) ? ", " : "", json_is_string(v) ? json_string_value(v) : "");
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
	return 0;
}

static const struct cmd_option status_options[] = {
	{ .name = "json", .help = "print the state as one JSON document" },
	{ 0 },
};

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.summary = "the loop's state in a few lines, and the next command to run",
	.options = status_options,
	.help = "Branch and base, the baseline (and whether it is HEAD's build), the artifact\n"
		"(HEAD's build, the build of the uncommitted diff, stale and what it is instead, or\n"
		"missing), the last experiment and its verdict, whether the uncommitted diff has\n"
		"been tried, unpushed commits, a remote-only commit left by the API push fallback,\n"
		"pending workflow runs, and the next command to run: `perfloop build` before\n"
		"`profile` when the artifact is stale, `perfloop build && perfloop baseline save`\n"
		"when the baseline is of other sources (after `sync` moved HEAD).\n",
	.flags = CMD_NEED_CONFIG,
	.exec = cmd_status,
};
