/*
 * dispatch.c: the CI benchmark of a kept commit: the pull request it is for,
 * the workflow dispatch, and its row in the ledger's dispatches table (sent,
 * failed or skipped).
 */
#include "dispatch.h"

#include <stdio.h>
#include <stdlib.h>

#include "banned.h"

int resolve_pr(struct gh_client *gh, struct project *c, struct loop_state *ls, int pr, int *out,
	       struct strbuf *err)
{
	long cfg_pr = config_get(&c->cfg, "github.pr") ? config_get_int(&c->cfg, "github.pr") : 0;
	int r;
	if (pr > 0 || cfg_pr > 0 || ls->pr > 0) {
		*out = pr > 0 ? pr : cfg_pr > 0 ? (int)cfg_pr : ls->pr;
	} else {
		r = gh_find_pr(gh, ls->branch, out, err);
		if (r)
			return r;
	}
	if (*out != ls->pr) {
		ls->pr = *out;
		if (loop_save(c->ledger, ls, err))
			return -1;
	}
	return 0;
}

int64_t dispatch_workflow(struct gh_client *gh, struct project *c, int64_t experiment,
			  const char *commit, int pr, struct strbuf *err)
{
	const char *workflow = config_get(&c->cfg, "github.workflow");
	const char *ref = config_get(&c->cfg, "github.ref");
	const char *input = config_get(&c->cfg, "github.input");
	char prs[32];
	char *actor = NULL;
	int64_t wf = 0, id;
	double when = now_wall();
	struct strbuf why = STRBUF_INIT;
	int ok;

	snprintf(prs, sizeof(prs), "%d", pr);
	ok = !gh_find_workflow(gh, workflow, &wf, &why) && !gh_current_user(gh, &actor, &why) &&
	     !gh_dispatch(gh, wf, ref, input, prs, &why);
	id = ledger_insert(c->ledger, err,
			   "INSERT INTO dispatches(experiment_id, commit_id, workflow, workflow_id, "
			   "ref, pr, actor, created, status, message) "
			   "VALUES (NULLIF(?,0),?,?,NULLIF(?,0),?,?,?,?,?,?)",
			   "ittitit" "dtt", experiment, commit, workflow, wf, ref, (int64_t)pr,
			   actor, when, ok ? "sent" : "failed", ok ? NULL : why.buf);
	free(actor);
	if (!ok) {
		strbuf_addbuf(err, &why);
		id = -1;
	}
	strbuf_release(&why);
	return id;
}

int dispatch_skipped(struct project *c, int64_t experiment, const char *commit, const char *why,
		     struct strbuf *err)
{
	return ledger_exec(c->ledger, err,
			   "INSERT INTO dispatches(experiment_id, commit_id, workflow, created, "
			   "status, message) VALUES (NULLIF(?,0),?,?,?,'skipped',?)",
			   "ittdt", experiment, commit, config_get(&c->cfg, "github.workflow"),
			   now_wall(), why);
}

static void read_sent(sqlite3_stmt *st, void *row)
{
	struct sent_dispatch *d = row;
	d->id = sqlite3_column_int64(st, 0);
	d->workflow_id = sqlite3_column_int64(st, 1);
	d->created = sqlite3_column_double(st, 2);
	d->commit = xstrdup(col_text(st, 3));
	d->actor = xstrdup(col_text(st, 4));
	d->pr = sqlite3_column_int(st, 5);
}

static void release_sent(void *row)
{
	struct sent_dispatch *d = row;
	free(d->commit);
	free(d->actor);
}

int dispatch_list_sent(struct ledger *l, struct sent_dispatch **out, size_t *nr,
		       struct strbuf *err)
{
	*out = ledger_rows(l,
			   ledger_query(l, err,
					"SELECT id, workflow_id, created, commit_id, actor, pr FROM "
					"dispatches WHERE status = 'sent' ORDER BY created",
					NULL),
			   sizeof(**out), read_sent, release_sent, nr, err);
	return *out ? 0 : -1;
}

void sent_dispatches_free(struct sent_dispatch *d, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		release_sent(&d[i]);
	free(d);
}

int dispatch_record_run(struct ledger *l, int64_t dispatch_id, const struct gh_run *run,
			struct strbuf *err)
{
	return ledger_exec(l, err,
			   "INSERT INTO workflow_runs(id, dispatch_id, status, conclusion, url, "
			   "created, updated) VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
			   "status = excluded.status, conclusion = excluded.conclusion, "
			   "updated = excluded.updated",
			   "iitttdd", run->id, dispatch_id, run->status, run->conclusion,
			   run->html_url, run->created, now_wall());
}

int dispatch_open_runs(struct ledger *l, int64_t *n, struct strbuf *err)
{
	int64_t pending, awaiting;
	if (ledger_int(l, err, &pending, 0,
		       "SELECT count(*) FROM workflow_runs WHERE status IS NULL OR "
		       "status != 'completed'",
		       NULL) ||
	    ledger_int(l, err, &awaiting, 0,
		       "SELECT count(*) FROM dispatches d WHERE status = 'sent' AND NOT "
		       "EXISTS (SELECT 1 FROM workflow_runs w WHERE w.dispatch_id = d.id)",
		       NULL))
		return -1;
	*n = pending + awaiting;
	return 0;
}
