/*
 * cmd-runs.c: `perfloop runs`, the workflow runs started by this loop's
 * dispatches, and `--wait` for them to finish.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/steps.h"
#include "dispatch.h"
#include "banned.h"


static int cmp_run(const void *a, const void *b)
{
	const struct gh_run *x = a, *y = b;
	return x->created < y->created ? -1 : x->created > y->created;
}

static json_t *row(const struct sent_dispatch *d, const struct gh_run *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "dispatch", json_integer(d->id));
	json_object_set_new(o, "commit", json_string(d->commit));
	json_object_set_new(o, "pr", json_integer(d->pr));
	json_object_set_new(o, "run", r ? json_integer(r->id) : json_null());
	json_object_set_new(o, "status", json_string(r ? r->status : "waiting"));
	json_object_set_new(o, "conclusion", json_string(r ? r->conclusion : ""));
	json_object_set_new(o, "url", r ? json_string(r->html_url) : json_null());
	return o;
}

/*
 * Ask GitHub for the runs of the dispatches and record them. Runs are only
 * workflow_dispatch runs of the dispatching user created after the first
 * dispatch (within the clock skew); each dispatch, oldest first, takes the
 * oldest run not yet taken that was created after it. Returns the number of
 * runs not completed, plus dispatches without a run yet.
 */
static int refresh(struct gh_client *gh, struct project *c, struct sent_dispatch *d, size_t nd,
		   json_t *rows)
{
	double skew = config_get_real(&c->cfg, "github.clock-skew");
	struct strbuf err = STRBUF_INIT;
	unsigned char *taken = xcalloc(nd, 1);
	int open = 0;
	json_array_clear(rows);
	for (size_t i = 0; i < nd; i++) {
		struct gh_run *runs;
		size_t nr;
		unsigned char *used;
		if (taken[i])
			continue;
		strbuf_reset(&err);
		if (gh_list_runs(gh, d[i].workflow_id, "workflow_dispatch", d[i].actor,
				 d[i].created - skew, &runs, &nr, &err))
			die_code(EXIT_GITHUB, "%s", err.buf);
		qsort(runs, nr, sizeof(*runs), cmp_run);
		used = xcalloc(nr + 1, 1);
		/* every dispatch of this workflow and actor, oldest first */
		for (size_t j = i; j < nd; j++) {
			const struct gh_run *mine = NULL;
			if (taken[j] || d[j].workflow_id != d[i].workflow_id ||
			    strcmp(d[j].actor, d[i].actor))
				continue;
			taken[j] = 1;
			for (size_t k = 0; k < nr && !mine; k++)
				if (!used[k] && runs[k].created >= d[j].created - skew) {
					used[k] = 1;
					mine = &runs[k];
				}
			if (!mine || strcmp(mine->status, "completed"))
				open++;
			if (mine && dispatch_record_run(c->ledger, d[j].id, mine, &err))
				die("%s", err.buf);
			json_array_append_new(rows, row(&d[j], mine));
		}
		free(used);
		gh_runs_free(runs, nr);
	}
	free(taken);
	strbuf_release(&err);
	return open;
}

static void print_rows(json_t *rows)
{
	json_t *r;
	size_t i;
	printf("%-8s %-12s %-5s %-12s %-12s %-11s %s\n", "dispatch", "commit", "pr", "run",
	       "status", "conclusion", "url");
	json_array_foreach(rows, i, r) {
		json_t *run = json_object_get(r, "run"), *url = json_object_get(r, "url");
		char runs[24];
		snprintf(runs, sizeof(runs), "%lld", (long long)json_integer_value(run));
		printf("%-8lld %-12.12s %-5lld %-12s %-12s %-11s %s\n",
		       (long long)json_integer_value(json_object_get(r, "dispatch")),
		       json_string_value(json_object_get(r, "commit")),
		       (long long)json_integer_value(json_object_get(r, "pr")),
		       json_is_integer(run) ? runs : "-",
		       json_string_value(json_object_get(r, "status")),
		       json_string_value(json_object_get(r, "conclusion")),
		       json_is_string(url) ? json_string_value(url) : "(GitHub has not started it yet)");
	}
}

static int cmd_runs(const struct cmd_args *a, struct project *c)
{
	struct strbuf err = STRBUF_INIT;
	struct gh_client gh;
	struct loop_state ls;
	struct sent_dispatch *d;
	json_t *rows = json_array(), *r;
	size_t nd, i;
	int wait = args_has(a, "wait"), json = args_has(a, "json"), open, failed = 0;
	const char *iv = args_get(a, "interval"), *to = args_get(a, "timeout");
	double interval = 10, timeout = 3600, start = now_mono();

	if (iv && (parse_double(iv, &interval) || interval <= 0))
		return usage_error(a, "--interval needs seconds > 0");
	if (to && (parse_double(to, &timeout) || timeout <= 0))
		return usage_error(a, "--timeout needs seconds > 0");
	require_loop(c, &ls);
	if (dispatch_list_sent(c->ledger, &d, &nd, &err))
		die("%s", err.buf);
	if (!nd) {
		if (json)
			print_json(rows);
		else
			printf("no workflow dispatched by this loop yet ('perfloop keep' does it)\n");
		goto out;
	}
	if (gh_setup(&gh, &c->cfg, c->worktree, &err))
		die_code(EXIT_GITHUB, "%s", err.buf);
	for (;;) {
		open = refresh(&gh, c, d, nd, rows);
		if (!wait || !open)
			break;
		if (now_mono() - start + interval > timeout) {
			gh_release(&gh);
			die_code(EXIT_TIMEOUT, "%d workflow run(s) still pending after %.0f s "
				 "(--timeout)", open, timeout);
		}
		progress_line("%d run(s) pending; next look in %.0f s", open, interval);
		{
			struct timespec ts = { (time_t)interval,
					       (long)((interval - (time_t)interval) * 1e9) };
			nanosleep(&ts, NULL);
		}
		interval = interval * 2 > 60 ? 60 : interval * 2;
	}
	progress_clear();
	gh_release(&gh);
	json_array_foreach(rows, i, r) {
		const char *cl = json_string_value(json_object_get(r, "conclusion"));
		if (cl && *cl && strcmp(cl, "success") && strcmp(cl, "skipped"))
			failed = 1;
	}
	/* the runs are recorded: the PR's report comment shows their outcome */
	if (wait)
		json_decref(update_pr_comment(c, &ls, 0, "runs"));
	if (json)
		print_json(rows);
	else
		print_rows(rows);
out:
	sent_dispatches_free(d, nd);
	json_decref(rows);
	loop_release(&ls);
	strbuf_release(&err);
	return wait && failed ? EXIT_REJECT : 0;
}

static const struct cmd_option runs_options[] = {
	{ .name = "wait",
	  .help = "poll with backoff (from --interval, doubling up to 60 s) until every run "
		  "finished; exit 1 when one did not succeed, 4 after --timeout" },
	{ .name = "interval", .arg = "S", .help = "first polling interval (default 10)" },
	{ .name = "timeout", .arg = "S", .help = "give up waiting after S seconds (default 3600)" },
	{ .name = "json", .help = "print a JSON array" },
	{ 0 },
};

const struct cmd_entry cmd_runs_entry = {
	.name = "runs",
	.summary = "the CI benchmark runs started by this loop's dispatches",
	.options = runs_options,
	.help = "Lists the workflow's recent runs that belong to this loop's dispatches: only\n"
		"`workflow_dispatch` runs by the dispatching user, created after the dispatch\n"
		"(within `github.clock-skew`), each dispatch taking the oldest such run not taken\n"
		"by an earlier one; a run on main from a push or schedule is never taken for the\n"
		"PR's. Status, conclusion and URL are recorded in the ledger. Once --wait has\n"
		"seen every run finish, the report comment on the PR is brought up to date\n"
		"(`github.comment`), as after `keep`.\n",
	.exit = "0, or with --wait 1 when a run did not succeed, 4 after --timeout, 5 when a "
		"GitHub call failed.",
	.flags = CMD_NEED_CONFIG,
	.exec = cmd_runs,
};
