/*
 * build.c: run the build, check the artifact, record both.
 */
#include "build.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "git.h"
#include "proc.h"
#include "banned.h"

struct tick_data {
	build_tick_fn fn;
	void *data;
	double expected;
};

static void on_tick(void *data, double elapsed)
{
	struct tick_data *t = data;
	if (t->fn)
		t->fn(t->data, elapsed, t->expected);
}

static const char *status_name(enum build_status s)
{
	switch (s) {
	case BUILD_OK: return "ok";
	case BUILD_FAILED: return "failed";
	case BUILD_TIMEOUT: return "timeout";
	case BUILD_INTERRUPTED: return "interrupted";
	case BUILD_NO_ARTIFACT: return "no-artifact";
	}
	return "?";
}

int build_run(struct project *c, const char *patch_hash, build_tick_fn tick, void *data,
	      struct build_result *res, struct strbuf *err)
{
	struct ledger *l = project_ledger(c, err);
	const char *command = project_require(c, "build.command", err);
	struct child ch = CHILD_INIT;
	struct tick_data td = { tick, data, -1 };
	struct strbuf head = STRBUF_INIT;
	char state[HASH_HEX], *logdir = NULL;
	struct stat st;
	double started;
	int r, ret = -1;

	memset(res, 0, sizeof(*res));
	if (!l || !command || !(res->artifact_path = project_artifact(c, err)))
		return -1;
	if (!(logdir = project_state_subdir(c, "logs", err)))
		return -1;
	/* what is built: HEAD and the uncommitted change (art_state_get() looks for it) */
	if (patch_hash)
		git_head(c->worktree, &head);
	else if ((r = project_worktree_state(c, NULL, &head, state, err)) < 0)
		goto out;
	else if (!r)
		patch_hash = state;
	started = now_wall();
	res->id = ledger_insert(l, err,
				"INSERT INTO builds(started, status, command, commit_id, patch_hash, "
				"owner_pid, owner_start, owner_host) VALUES (?, 'running', ?, ?, ?, ?, ?, ?)",
				"dttt" "iit", started, command, head.len ? head.buf : NULL, patch_hash,
				ledger_owner()->pid, ledger_owner()->start, ledger_owner()->host);
	if (res->id < 0)
		goto out;
	res->log = xstrfmt("%s/build-%lld.log", logdir, (long long)res->id);
	if (ledger_real(l, err, &td.expected, -1,
			"SELECT avg(finished - started) FROM (SELECT * FROM builds "
			"WHERE status = 'ok' ORDER BY id DESC LIMIT 5)",
			NULL))
		goto out;

	ch.cmd = command;
	ch.dir = c->worktree;
	ch.out_path = res->log;
	ch.timeout = config_get_real(&c->cfg, "build.timeout");
	ch.tick = on_tick;
	ch.tick_data = &td;
	if (child_run(&ch, err))
		goto out;
	res->seconds = ch.wall;
	res->exit_status = ch.status;
	if (ch.interrupted || proc_interrupted)
		res->status = BUILD_INTERRUPTED;
	else if (ch.timed_out)
		res->status = BUILD_TIMEOUT;
	else if (ch.status)
		res->status = BUILD_FAILED;
	else if (stat(res->artifact_path, &st)) {
		res->status = BUILD_NO_ARTIFACT;
		res->why = xstrfmt("the build succeeded but artifact '%s' does not exist: check "
				   "build.artifact", res->artifact_path);
	} else if ((double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9 < started - 1) {
		res->status = BUILD_NO_ARTIFACT;
		res->why = xstrfmt("the build succeeded but did not rewrite '%s' (it is older than "
				   "the build): check build.command and build.artifact",
				   res->artifact_path);
	} else {
		res->status = BUILD_OK;
		if (artifact_register(l, res->artifact_path, &res->art, err))
			goto out;
		res->fingerprint = fingerprint_compute(c);
		/* a [fingerprint] command cut short would record a wrong fingerprint */
		if (proc_interrupted) {
			res->status = BUILD_INTERRUPTED;
			free(res->fingerprint);
			res->fingerprint = NULL;
		}
	}
	if (ledger_exec(l, err,
			"UPDATE builds SET finished = ?, status = ?, log = ?, artifact_id = NULLIF(?, 0), "
			"fingerprint = ? WHERE id = ?",
			"dttiti", now_wall(), status_name(res->status), res->log, res->art.id,
			res->fingerprint, res->id))
		goto out;
	ret = 0;
out:
	free(logdir);
	strbuf_release(&head);
	return ret;
}

int build_origins(struct ledger *l, const char *hash, struct build_origin **out, size_t *nr,
		  struct strbuf *err)
{
	sqlite3_stmt *st;
	size_t alloc = 0;
	int rc;
	*out = NULL;
	*nr = 0;
	st = ledger_query(l, err,
			  "SELECT b.id, b.commit_id, b.patch_hash FROM builds b JOIN artifacts a "
			  "ON a.id = b.artifact_id WHERE a.hash = ? AND b.status = 'ok' "
			  "ORDER BY b.id DESC",
			  "t", hash);
	if (!st)
		return -1;
	while ((rc = ledger_step(l, st, err)) > 0) {
		struct build_origin *o;
		ALLOC_GROW(*out, *nr + 1, alloc);
		o = &(*out)[(*nr)++];
		o->id = sqlite3_column_int64(st, 0);
		o->commit = col_dup(st, 1);
		o->patch_hash = col_dup(st, 2);
	}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

void build_origins_release(struct build_origin *o, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		free(o[i].commit);
		free(o[i].patch_hash);
	}
	free(o);
}

void build_result_release(struct build_result *res)
{
	free(res->log);
	free(res->artifact_path);
	free(res->fingerprint);
	free(res->why);
	artifact_release(&res->art);
	memset(res, 0, sizeof(*res));
}
