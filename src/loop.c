/*
 * loop.c: the loop row of the ledger and the files `perfloop start` writes.
 */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "banned.h"

int loop_load(struct ledger *l, struct loop_state *s, struct strbuf *err)
{
	sqlite3_stmt *st;
	int rc;
	memset(s, 0, sizeof(*s));
	st = ledger_query(l, err,
			  "SELECT branch, base_ref, base_commit, worktree, config, pr, remote_head, "
			  "remote_only, baseline_id, created FROM loop WHERE id = 1",
			  NULL);
	if (!st)
		return -1;
	rc = ledger_step(l, st, err);
	if (rc > 0) {
		s->present = 1;
		s->branch = col_dup(st, 0);
		s->base_ref = col_dup(st, 1);
		s->base_commit = col_dup(st, 2);
		s->worktree = col_dup(st, 3);
		s->config = col_dup(st, 4);
		s->pr = sqlite3_column_int(st, 5);
		s->remote_head = col_dup(st, 6);
		s->remote_only = sqlite3_column_int(st, 7);
		s->baseline_id = sqlite3_column_int64(st, 8);
		s->created = sqlite3_column_double(st, 9);
	}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

int loop_save(struct ledger *l, const struct loop_state *s, struct strbuf *err)
{
	return ledger_exec(l, err,
			   "INSERT OR REPLACE INTO loop(id, branch, base_ref, base_commit, worktree, "
			   "config, pr, remote_head, remote_only, baseline_id, created) "
			   "VALUES (1,?,?,?,?,?,NULLIF(?,0),?,?,NULLIF(?,0),?)",
			   "ttttt" "itii" "d", s->branch, s->base_ref, s->base_commit, s->worktree,
			   s->config, (int64_t)s->pr, s->remote_head, (int64_t)s->remote_only,
			   s->baseline_id, s->created);
}

void loop_release(struct loop_state *s)
{
	free(s->branch);
	free(s->base_ref);
	free(s->base_commit);
	free(s->worktree);
	free(s->config);
	free(s->remote_head);
	memset(s, 0, sizeof(*s));
}

int loop_set_baseline(struct ledger *l, int64_t id, struct strbuf *err)
{
	return ledger_exec(l, err, "UPDATE loop SET baseline_id = ? WHERE id = 1", "i", id);
}

char *loop_worktree_path(const char *pattern, const char *repo_name, double when)
{
	struct strbuf pat = STRBUF_INIT;
	char buf[4096];
	time_t t = (time_t)when;
	struct tm tm;
	char *base, *path;
	for (const char *p = pattern; *p; p++) {
		if (!strncmp(p, "{repo}", 6)) {
			strbuf_addstr(&pat, repo_name);
			p += 5;
		} else {
			strbuf_addch(&pat, *p);
		}
	}
	localtime_r(&t, &tm);
	if (!strftime(buf, sizeof(buf), pat.buf, &tm))
		snprintf(buf, sizeof(buf), "%s", pat.buf);
	strbuf_release(&pat);
	base = path_join_abs(NULL, buf);
	path = xstrdup(base);
	for (int n = 2; file_exists(path); n++) {
		free(path);
		path = xstrfmt("%s-%d", base, n);
	}
	free(base);
	return path;
}

int loop_write_ini(const char *worktree, const char *source_ini, const char *branch,
		   const char *base, struct strbuf *err)
{
	char *path = xstrfmt("%s/perfloop.ini", worktree);
	struct strbuf quoted = STRBUF_INIT;
	FILE *f;
	char when[32];
	int ret = 0;
	/* an ini value is one line; inside quotes '"' and '\' are escaped */
	if (strchr(source_ini, '\n') || strchr(source_ini, '\r')) {
		strbuf_addf(err, "cannot include '%s' from the loop's perfloop.ini: its path holds "
			    "a line break; move the project to a path without one", source_ini);
		free(path);
		return -1;
	}
	for (const char *p = source_ini; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_addch(&quoted, '\\');
		strbuf_addch(&quoted, *p);
	}
	fmt_time(when, sizeof(when), now_wall());
	f = fopen(path, "w");
	if (!f || fprintf(f,
			  "; perfloop loop on branch %s from %s, started %s by 'perfloop start'.\n"
			  "; The settings come from the included file; this worktree keeps its own\n"
			  "; state (ledger, artifact store, logs, profiles) in .perfloop/, which git\n"
			  "; ignores through info/exclude.\n"
			  "[include]\npath = \"%s\"\n[core]\nstate = .perfloop\n",
			  branch, base, when, quoted.buf) < 0 ||
	    fclose(f)) {
		strbuf_addf(err, "cannot write '%s': %s", path, strerror(errno));
		ret = -1;
	}
	strbuf_release(&quoted);
	free(path);
	return ret;
}

int loop_import_calibrations(struct ledger *l, const char *other_path, struct strbuf *err)
{
	int64_t per_metric = 0;
	int n;
	if (!file_exists(other_path))
		return 0;
	if (ledger_exec(l, err, "ATTACH DATABASE ? AS other", "t", other_path))
		return -1;
	/*
	 * The other ledger may be of an older schema (it is not migrated here):
	 * without the metric and tool columns, a "-cpu" key suffix meant cpu.
	 */
	if (ledger_int(l, err, &per_metric, 0,
		       "SELECT count(*) FROM pragma_table_info('calibrations', 'other') "
		       "WHERE name = 'metric'",
		       NULL) ||
	    ledger_exec(l, err,
			per_metric ? "INSERT INTO calibrations(key, host, pairs, ss, df, sigma, "
				     "created, metric, tool) SELECT key, host, pairs, ss, df, "
				     "sigma, created, metric, tool FROM other.calibrations "
				     "WHERE host = ? ORDER BY id"
				   : "INSERT INTO calibrations(key, host, pairs, ss, df, sigma, "
				     "created, metric) SELECT CASE WHEN key LIKE '%-cpu' THEN "
				     "substr(key, 1, length(key) - 4) ELSE key END, host, pairs, "
				     "ss, df, sigma, created, CASE WHEN key LIKE '%-cpu' THEN "
				     "'cpu' ELSE 'wall' END FROM other.calibrations "
				     "WHERE host = ? ORDER BY id",
			"t", host_name())) {
		ledger_exec(l, err, "DETACH DATABASE other", NULL);
		return -1;
	}
	n = sqlite3_changes(l->db);
	if (ledger_exec(l, err, "DETACH DATABASE other", NULL))
		return -1;
	return n;
}
