/*
 * test-ledger.c: opening, migrating and refusing ledgers; bound statements.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "bench.h"
#include "metric.h"
#include "ledger.h"
#include "loop.h"
#include "proc.h"

/* One integer from the ledger; the query must succeed. */
static int64_t qint(struct ledger *l, const char *sql)
{
	struct strbuf err = STRBUF_INIT;
	int64_t v = 0;
	assert_int_equal(ledger_int(l, &err, &v, -1, sql, NULL), 0);
	strbuf_release(&err);
	return v;
}

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/perfloop-ledger-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return remove_tree(dir);
}

static char *path_in(const char *name)
{
	return xstrfmt("%s/%s", dir, name);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* A statement that must succeed. */
static void exec_ok(struct ledger *l, const char *sql)
{
	struct strbuf err = STRBUF_INIT;
	if (ledger_exec(l, &err, sql, NULL))
		fail_msg("%s: %s", sql, err.buf);
	strbuf_release(&err);
}

/* A one-value query that must succeed. */
static int64_t q_int(struct ledger *l, const char *sql)
{
	struct strbuf err = STRBUF_INIT;
	int64_t v;
	if (ledger_int(l, &err, &v, -1, sql, NULL))
		fail_msg("%s: %s", sql, err.buf);
	strbuf_release(&err);
	return v;
}

static struct strbuf read_all(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	assert_true(strbuf_read_file(&sb, path, 0) >= 0);
	return sb;
}

static void test_fresh_and_reopen(void **state)
{
	char *p = path_in("fresh.db");
	struct strbuf err = STRBUF_INIT;
	struct ledger *l;
	(void)state;
	l = ledger_open(p, 0, &err);
	assert_non_null(l);
	assert_int_equal(q_int(l, "PRAGMA user_version"), ledger_schema_version());
	assert_int_equal(q_int(l, "PRAGMA application_id"), LEDGER_APP_ID);
	assert_int_equal(q_int(l, "PRAGMA foreign_keys"), 1);
	{
		sqlite3_stmt *st = ledger_query(l, &err, "PRAGMA journal_mode", NULL);
		assert_non_null(st);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal(col_text(st, 0), "wal");
		sqlite3_finalize(st);
	}
	assert_true(ledger_insert(l, &err, "INSERT INTO artifacts(hash, size, path, created) "
				  "VALUES (?,?,?,?)", "titd", "abc", (int64_t)3, "/x", 1.0) > 0);
	/* foreign keys are enforced */
	assert_int_equal(ledger_exec(l, &err, "INSERT INTO baselines(name, artifact_id, "
				     "fingerprint, created) VALUES ('b', 999, '{}', 0)", NULL), -1);
	assert_non_null(strstr(err.buf, "FOREIGN KEY"));
	ledger_close(l);
	strbuf_reset(&err);
	l = ledger_open(p, 0, &err);
	assert_non_null(l);
	assert_int_equal(q_int(l, "SELECT count(*) FROM artifacts"), 1);
	ledger_close(l);
	strbuf_release(&err);
	free(p);
}

static void test_migrates_forward_keeping_data(void **state)
{
	char *p = path_in("old.db");
	struct strbuf err = STRBUF_INIT;
	struct ledger *l;
	int latest = ledger_schema_version();
	(void)state;
	/* every intermediate version migrates to the latest with data kept */
	for (int v = 1; v <= latest; v++) {
		unlink(p);
		l = ledger_open_version(p, 0, v, &err);
		assert_non_null(l);
		assert_int_equal(q_int(l, "PRAGMA user_version"), v);
		assert_true(ledger_insert(l, &err, "INSERT INTO artifacts(hash, size, path, created) "
					  "VALUES ('h', 1, '/p', 0)", NULL) > 0);
		ledger_close(l);
		l = ledger_open(p, 0, &err);
		assert_non_null(l);
		assert_int_equal(q_int(l, "PRAGMA user_version"), latest);
		assert_int_equal(q_int(l, "SELECT count(*) FROM artifacts WHERE hash='h'"), 1);
		ledger_close(l);
	}
	strbuf_release(&err);
	free(p);
}

/*
 * Version 6: a cpu-metric bench or calibration of version 5 had a "-cpu"
 * suffix on its key; it becomes metric 'cpu' under the plain key. Run
 * metrics go with their run.
 */
static void test_metric_columns(void **state)
{
	char *p = path_in("v5.db");
	struct strbuf err = STRBUF_INIT;
	struct ledger *l;
	(void)state;
	unlink(p);
	l = ledger_open_version(p, 0, 5, &err);
	assert_non_null(l);
	/* one statement per call */
	exec_ok(l, "INSERT INTO calibrations(key, host, pairs, ss, df, sigma, created) "
		"VALUES ('0123456789abcdef', 'h', 3, 1, 2, 0.7, 1), "
		"('0123456789abcdef-cpu', 'h', 3, 1, 2, 0.7, 2)");
	exec_ok(l, "INSERT INTO benches(id, kind, key, host, dir, command, started, "
		"status, max_pairs, warmup) VALUES "
		"(1, 'bench', '0123456789abcdef-cpu', 'h', '/', 'c', 0, 'done', 3, 0), "
		"(2, 'bench', '0123456789abcdef', 'h', '/', 'c', 0, 'done', 3, 0)");
	exec_ok(l, "INSERT INTO runs(id, bench_id, seq, side, started, wall) VALUES "
		"(7, 2, 1, 'B', 1, 0.5)");
	ledger_close(l);
	l = ledger_open(p, 0, &err);
	assert_non_null(l);
	assert_int_equal(q_int(l, "SELECT count(*) FROM calibrations WHERE key = "
			      "'0123456789abcdef' AND metric = 'cpu' AND tool IS NULL"), 1);
	assert_int_equal(q_int(l, "SELECT count(*) FROM calibrations WHERE key = "
			      "'0123456789abcdef' AND metric = 'wall'"), 1);
	assert_int_equal(q_int(l, "SELECT count(*) FROM benches WHERE key = '0123456789abcdef' "
			      "AND metric = CASE id WHEN 1 THEN 'cpu' ELSE 'wall' END"), 2);
	exec_ok(l, "INSERT INTO run_metrics(run_id, name, value) "
		"VALUES (7, 'task-clock', 5e8), (7, 'page-faults', 90)");
	/* one value per run and name */
	assert_int_equal(ledger_exec(l, &err, "INSERT INTO run_metrics(run_id, name, value) "
				     "VALUES (7, 'task-clock', 1)", NULL), -1);
	strbuf_reset(&err);
	assert_int_equal(ledger_exec(l, &err, "DELETE FROM runs WHERE id = 7", NULL), 0);
	assert_int_equal(q_int(l, "SELECT count(*) FROM run_metrics"), 0);
	ledger_close(l);
	strbuf_release(&err);
	free(p);
}

/*
 * start copies this host's calibrations from the project's ledger, which may
 * be of an older schema: its "-cpu" keys become metric 'cpu'.
 */
static void test_import_calibrations(void **state)
{
	char *old = path_in("old5.db"), *cur = path_in("cur.db"), *dst = path_in("dst.db");
	struct strbuf err = STRBUF_INIT;
	struct ledger *l;
	char *sql;
	(void)state;
	unlink(old);
	unlink(cur);
	unlink(dst);
	l = ledger_open_version(old, 0, 5, &err);
	assert_non_null(l);
	sql = xstrfmt("INSERT INTO calibrations(key, host, pairs, ss, df, sigma, created) VALUES "
		      "('0123456789abcdef', '%s', 3, 1, 2, 0.7, 1), "
		      "('0123456789abcdef-cpu', '%s', 3, 1, 2, 0.5, 2), "
		      "('0123456789abcdef', 'elsewhere', 3, 1, 2, 0.9, 3)",
		      host_name(), host_name());
	exec_ok(l, sql);
	free(sql);
	ledger_close(l);
	l = ledger_open(cur, 0, &err);
	assert_non_null(l);
	sql = xstrfmt("INSERT INTO calibrations(key, host, pairs, ss, df, sigma, created, metric, "
		      "tool) VALUES ('0123456789abcdef', '%s', 3, 0, 2, 0, 4, 'instructions', "
		      "'valgrind')",
		      host_name());
	exec_ok(l, sql);
	free(sql);
	ledger_close(l);

	l = ledger_open(dst, 0, &err);
	assert_non_null(l);
	assert_int_equal(loop_import_calibrations(l, old, &err), 2);
	assert_int_equal(loop_import_calibrations(l, cur, &err), 1);
	assert_int_equal(q_int(l, "SELECT count(*) FROM calibrations WHERE key = "
			      "'0123456789abcdef' AND ((metric = 'wall' AND sigma = 0.7) OR "
			      "(metric = 'cpu' AND sigma = 0.5) OR (metric = 'instructions' AND "
			      "tool = 'valgrind')) AND (tool IS NULL) = (metric != 'instructions')"),
			 3);
	ledger_close(l);
	strbuf_release(&err);
	free(old);
	free(cur);
	free(dst);
}

/* Version 2 adds profiles; a version-1 ledger gains the table with its data kept. */
static void test_profiles_table(void **state)
{
	char *p = path_in("v1.db");
	struct strbuf err = STRBUF_INIT;
	struct ledger *l;
	int64_t art, prof;
	(void)state;
	l = ledger_open_version(p, 0, 1, &err);
	assert_non_null(l);
	assert_int_equal(q_int(l, "SELECT count(*) FROM sqlite_master WHERE name = 'profiles'"), 0);
	art = ledger_insert(l, &err, "INSERT INTO artifacts(hash, size, path, created) "
			    "VALUES ('h1', 1, '/a', 0)", NULL);
	assert_true(art > 0);
	ledger_close(l);
	l = ledger_open(p, 0, &err);
	assert_non_null(l);
	assert_true(ledger_schema_version() >= 2);
	prof = ledger_insert(l, &err, "INSERT INTO profiles(created, status, artifact_id, "
			     "artifact_hash, path, event, freq, callgraph, key, host, dir, command, "
			     "perf_command) VALUES (1, 'done', ?, 'h1', '/p.data', 'cycles:u', 2500, "
			     "'none', 'k', 'host', '/d', 'cmd', 'perf record')", "i", art);
	assert_true(prof > 0);
	/* the checks hold: a bad status or call graph mode is refused */
	assert_int_equal(ledger_exec(l, &err, "UPDATE profiles SET status = 'bogus'", NULL), -1);
	assert_int_equal(ledger_exec(l, &err, "UPDATE profiles SET callgraph = 'lbr'", NULL), -1);
	assert_int_equal(ledger_exec(l, &err, "UPDATE profiles SET artifact_id = 999", NULL), -1);
	assert_int_equal(q_int(l, "SELECT count(*) FROM artifacts WHERE hash = 'h1'"), 1);
	ledger_close(l);
	strbuf_release(&err);
	free(p);
}

/*
 * Schema 3 -> latest rebuilds benches, profiles and builds (for 'abandoned'):
 * every row survives, the runs that reference a bench are not cascaded
 * away, and the constraints hold afterwards.
 */
static void test_rebuild_keeps_rows_and_constraints(void **state)
{
	char *p = path_in("v3.db");
	struct strbuf err = STRBUF_INIT;
	struct ledger *l;
	(void)state;
	l = ledger_open_version(p, 0, 3, &err);
	assert_non_null(l);
	assert_int_equal(sqlite3_exec(l->db,
		"INSERT INTO artifacts(id, hash, size, path, created) VALUES (1, 'h', 1, '/a', 0);"
		"INSERT INTO benches(id, kind, key, host, dir, command, started, status, "
		"candidate_id, max_pairs, warmup) VALUES (7, 'bench', 'k', 'x', '/d', 'c', 1, "
		"'running', 1, 3, 0);"
		"INSERT INTO runs(bench_id, seq, side, started, wall) VALUES (7, 1, 'B', 1, 0.5);"
		"INSERT INTO profiles(created, status, path, event, freq, callgraph, key, host, dir, "
		"command, perf_command, bench_id) VALUES (1, 'done', '/p', 'e', 1, 'none', 'k', "
		"'x', '/d', 'c', 'perf', 7);"
		"INSERT INTO builds(id, started, status, command, artifact_id) VALUES "
		"(3, 1, 'ok', 'make', 1);"
		"INSERT INTO experiments(created, patch, patch_hash, status, build_id, bench_id) "
		"VALUES (1, 'diff', 'ph', 'benching', 3, 7)", NULL, NULL, NULL), SQLITE_OK);
	ledger_close(l);
	l = ledger_open(p, 0, &err);
	assert_non_null(l);
	assert_int_equal(qint(l, "PRAGMA foreign_keys"), 1);
	assert_int_equal(qint(l, "SELECT count(*) FROM runs WHERE bench_id = 7"), 1);
	assert_int_equal(qint(l, "SELECT count(*) FROM profiles WHERE bench_id = 7"), 1);
	assert_int_equal(qint(l, "SELECT count(*) FROM builds WHERE artifact_id = 1"), 1);
	/* rows from before owners were recorded are left as they are */
	assert_int_equal(qint(l, "SELECT count(*) FROM benches WHERE id = 7 AND "
				    "status = 'running' AND owner_pid IS NULL"), 1);
	assert_int_equal(qint(l, "SELECT count(*) FROM experiments WHERE "
				    "status = 'benching'"), 1);
	assert_int_equal(qint(l, "SELECT count(*) FROM pragma_foreign_key_check"),
			 0);
	assert_int_equal(qint(l, "SELECT count(*) FROM sqlite_master WHERE name IN "
				    "('benches_key', 'profiles_artifact')"), 2);
	/* the new status is allowed, others still are not; references are enforced */
	assert_int_equal(ledger_exec(l, &err, "UPDATE benches SET status = 'abandoned'", NULL), 0);
	assert_int_equal(ledger_exec(l, &err, "UPDATE builds SET status = 'abandoned'", NULL), 0);
	assert_int_equal(ledger_exec(l, &err, "UPDATE profiles SET status = 'abandoned'", NULL), 0);
	assert_int_equal(ledger_exec(l, &err, "UPDATE benches SET status = 'bogus'", NULL), -1);
	assert_int_equal(ledger_exec(l, &err, "UPDATE builds SET status = 'bogus'", NULL), -1);
	assert_int_equal(ledger_exec(l, &err, "UPDATE profiles SET bench_id = 999", NULL), -1);
	assert_int_equal(ledger_exec(l, &err, "INSERT INTO runs(bench_id, seq, side, started) "
				     "VALUES (999, 1, 'A', 1)", NULL), -1);
	/* and a bench still takes its runs with it */
	assert_int_equal(sqlite3_exec(l->db, "DELETE FROM profiles; UPDATE experiments SET "
				      "bench_id = NULL; DELETE FROM benches", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(qint(l, "SELECT count(*) FROM runs"), 0);
	ledger_close(l);
	strbuf_release(&err);
	free(p);
}

/* A pid that no process has any more. */
static int dead_pid(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return (int)pid;
}

static void add_bench(struct ledger *l, int64_t id, const char *status, int64_t pid,
		      int64_t start, const char *host)
{
	struct strbuf err = STRBUF_INIT;
	assert_int_equal(ledger_exec(l, &err,
		"INSERT INTO benches(id, kind, key, host, dir, command, started, status, max_pairs, "
		"warmup, owner_pid, owner_start, owner_host) VALUES (?, 'bench', 'k', 'x', '/d', "
		"'c', 1, ?, 3, 0, NULLIF(?, 0), ?, ?)",
		"itiit", id, status, pid, start, host), 0);
	strbuf_release(&err);
}

static const char *bench_status(struct ledger *l, int64_t id)
{
	static char buf[32];
	struct strbuf err = STRBUF_INIT;
	sqlite3_stmt *st = ledger_query(l, &err, "SELECT status FROM benches WHERE id = ?", "i",
					id);
	assert_non_null(st);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(buf, sizeof(buf), "%s", col_text(st, 0));
	sqlite3_finalize(st);
	strbuf_release(&err);
	return buf;
}

/* Rows whose perfloop is gone become 'abandoned' when the ledger is opened, and only those. */
static void test_abandoned_rows(void **state)
{
	char *p = path_in("owners.db");
	struct strbuf err = STRBUF_INIT;
	const struct ledger_owner *me = ledger_owner();
	struct ledger *l;
	int dead = dead_pid();
	(void)state;
	assert_true(me->pid == getpid() && me->start > 0 && me->host && *me->host);
	assert_true(proc_alive((int)me->pid, me->start));
	assert_false(proc_alive(dead, 0));
	assert_false(proc_alive((int)me->pid, me->start + 1));

	l = ledger_open(p, 0, &err);
	assert_non_null(l);
	add_bench(l, 1, "running", dead, 0, me->host);             /* killed: abandoned */
	add_bench(l, 2, "running", me->pid, me->start, me->host);  /* alive: running */
	add_bench(l, 3, "running", me->pid, me->start + 1, me->host); /* pid reused: abandoned */
	add_bench(l, 4, "running", dead, 0, "another-host");        /* cannot tell: running */
	add_bench(l, 5, "running", 0, 0, NULL);                     /* no owner recorded */
	add_bench(l, 6, "done", dead, 0, me->host);                 /* finished: kept */
	assert_int_equal(ledger_exec(l, &err,
		"INSERT INTO builds(id, started, status, command, owner_pid, owner_host) VALUES "
		"(1, 1, 'running', 'make', ?, ?), (2, 1, 'ok', 'make', ?, ?)",
		"itit", (int64_t)dead, me->host, (int64_t)dead, me->host), 0);
	assert_int_equal(ledger_exec(l, &err,
		"INSERT INTO profiles(id, created, status, path, event, freq, callgraph, key, host, "
		"dir, command, perf_command, owner_pid, owner_host) VALUES (1, 1, 'running', '/p', "
		"'e', 1, 'none', 'k', 'x', '/d', 'c', 'perf', ?, ?)",
		"it", (int64_t)dead, me->host), 0);
	{
		static const char *const statuses[] = { "saved", "validating", "building",
							"benching", "profiling", "decided",
							"kept" };
		for (size_t i = 0; i < ARRAY_SIZE(statuses); i++)
			assert_int_equal(ledger_exec(l, &err,
				"INSERT INTO experiments(created, patch, patch_hash, status, "
				"owner_pid, owner_host) VALUES (1, 'diff', 'ph', ?, ?, ?)",
				"tit", statuses[i], (int64_t)dead, me->host), 0);
	}
	ledger_close(l);

	l = ledger_open(p, 0, &err);
	assert_non_null(l);
	assert_string_equal(bench_status(l, 1), "abandoned");
	assert_string_equal(bench_status(l, 2), "running");
	assert_string_equal(bench_status(l, 3), "abandoned");
	assert_string_equal(bench_status(l, 4), "running");
	assert_string_equal(bench_status(l, 5), "running");
	assert_string_equal(bench_status(l, 6), "done");
	{
		struct strbuf e = STRBUF_INIT;
		int64_t n = 0;
		assert_int_equal(ledger_int(l, &e, &n, -1,
					    "SELECT count(*) FROM benches WHERE id = 1 AND message = "
					    "'the perfloop process running it (pid ' || ? || "
					    "') is gone: killed or crashed'",
					    "i", (int64_t)dead),
				 0);
		assert_int_equal(n, 1);
		strbuf_release(&e);
	}
	assert_int_equal(qint(l, "SELECT count(*) FROM builds WHERE status = "
				    "'abandoned'"), 1);
	assert_int_equal(qint(l, "SELECT count(*) FROM builds WHERE id = 2 AND "
				    "status = 'ok'"), 1);
	assert_int_equal(qint(l, "SELECT count(*) FROM profiles WHERE status = "
				    "'abandoned' AND message LIKE 'the perfloop process %'"), 1);
	assert_int_equal(qint(l, "SELECT count(*) FROM experiments WHERE status = "
				    "'abandoned' AND reason LIKE 'the perfloop process %'"), 5);
	assert_int_equal(qint(l, "SELECT count(*) FROM experiments WHERE status IN "
				    "('decided', 'kept')"), 2);
	ledger_close(l);
	strbuf_release(&err);
	free(p);
}

/* Version 5 adds profiles.runs; profiles of an older ledger were one harness run. */
static void test_profile_runs_column(void **state)
{
	char *p = path_in("v3-runs.db");
	struct strbuf err = STRBUF_INIT;
	struct ledger *l;
	(void)state;
	unlink(p);
	l = ledger_open_version(p, 0, 3, &err);
	assert_non_null(l);
	assert_true(ledger_insert(l, &err, "INSERT INTO profiles(created, status, path, event, "
				  "freq, callgraph, key, host, dir, command, perf_command) VALUES "
				  "(1, 'done', '/p.data', 'cycles:u', 2500, 'none', 'k', 'host', "
				  "'/d', 'cmd', 'perf record')", NULL) > 0);
	ledger_close(l);
	l = ledger_open(p, 0, &err);
	assert_non_null(l);
	assert_true(ledger_schema_version() >= 5);
	assert_int_equal(qint(l, "SELECT runs FROM profiles"), 1);
	ledger_close(l);
	strbuf_release(&err);
	free(p);
}

static void expect_refused(const char *name, const char *want)
{
	char *p = path_in(name);
	struct strbuf before = read_all(p), after, err = STRBUF_INIT;
	struct ledger *l = ledger_open(p, 100, &err);
	assert_null(l);
	if (!strstr(err.buf, want))
		fail_msg("expected '%s' in: %s", want, err.buf);
	assert_null(strchr(err.buf, '\n'));
	after = read_all(p);
	assert_int_equal(before.len, after.len);
	assert_memory_equal(before.buf, after.buf, before.len);
	strbuf_release(&before);
	strbuf_release(&after);
	strbuf_release(&err);
	free(p);
}

static void test_refusals(void **state)
{
	char junk[4096];
	char *p;
	struct strbuf err = STRBUF_INIT;
	struct ledger *l;
	(void)state;
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	p = path_in("junk.db");
	write_file(p, junk, sizeof(junk));
	free(p);
	expect_refused("junk.db", "corrupt or not a SQLite database");

	/* a valid SQLite header with garbage pages */
	p = path_in("corrupt.db");
	l = ledger_open(p, 0, &err);
	assert_non_null(l);
	ledger_close(l);
	{
		struct strbuf sb = read_all(p);
		FILE *f = fopen(p, "r+b");
		assert_true(sb.len > 1024);
		fseek(f, 100, SEEK_SET);
		fwrite(junk, 1, sb.len - 100 < sizeof(junk) ? sb.len - 100 : sizeof(junk), f);
		fclose(f);
		strbuf_release(&sb);
	}
	free(p);
	expect_refused("corrupt.db", "corrupt");

	p = path_in("newer.db");
	l = ledger_open(p, 0, &err);
	assert_non_null(l);
	assert_int_equal(ledger_exec(l, &err, "PRAGMA user_version=4242", NULL), 0);
	ledger_close(l);
	free(p);
	expect_refused("newer.db", "schema version 4242, newer than this perfloop");

	p = path_in("other.db");
	l = ledger_open(p, 0, &err);
	assert_non_null(l);
	assert_int_equal(ledger_exec(l, &err, "PRAGMA application_id=1234", NULL), 0);
	ledger_close(l);
	free(p);
	expect_refused("other.db", "SQLite database of another program");
	strbuf_release(&err);
}

/* What ledger.c records in <ledger>-checked after a clean check of path. */
static void forge_clean_record(const char *path)
{
	struct stat st;
	char *rec = xstrfmt("%s-checked", path), *line;
	assert_int_equal(stat(path, &st), 0);
	line = xstrfmt("perfloop-ledger-checked %llu %llu %lld %lld.%09ld %lld.%09ld\n",
		       (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		       (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		       (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
	write_file(rec, line, strlen(line));
	free(line);
	free(rec);
}

static void zero_page(const char *path, int64_t page)
{
	static const char zeros[4096];
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, (long)(page - 1) * 4096, SEEK_SET), 0);
	assert_int_equal(fwrite(zeros, 1, sizeof(zeros), f), sizeof(zeros));
	fclose(f);
}

/*
 * A damaged page the open-time check did not see (its record says the file
 * is clean) is an error of the query that meets it, not the end of its rows;
 * from then on nothing is written, and the next open checks the whole file.
 */
static void test_damage_found_by_a_query(void **state)
{
	char *p = path_in("damaged.db"), *rec;
	struct strbuf err = STRBUF_INIT, before, after;
	struct ledger *l = ledger_open(p, 0, &err);
	sqlite3_stmt *st;
	int64_t root, n;
	double x;
	(void)state;
	assert_non_null(l);
	assert_int_equal(q_int(l, "PRAGMA page_size"), 4096);
	for (int i = 0; i < 200; i++)
		assert_true(ledger_insert(l, &err, "INSERT INTO artifacts(hash, size, path, created) "
					  "VALUES (printf('h%d', ?1), 1, printf('%0100d', ?1), 0)",
					  "i", (int64_t)i) > 0);
	root = q_int(l, "SELECT rootpage FROM sqlite_master WHERE name = 'artifacts'");
	assert_true(q_int(l, "PRAGMA page_count") > root + 3);
	ledger_close(l);
	rec = xstrfmt("%s-checked", p);
	assert_true(file_exists(rec));

	zero_page(p, root);
	forge_clean_record(p);
	before = read_all(p);
	l = ledger_open(p, 0, &err);
	assert_non_null(l); /* the record said clean: no check */

	/* path, not hash: the unique index on hash would answer without the table */
	st = ledger_query(l, &err, "SELECT path FROM artifacts", NULL);
	assert_non_null(st);
	assert_int_equal(ledger_step(l, st, &err), -1);
	sqlite3_finalize(st);
	if (!strstr(err.buf, "is corrupt or not a SQLite database"))
		fail_msg("unexpected: %s", err.buf);
	assert_non_null(strstr(err.buf, p));
	assert_null(strchr(err.buf, '\n'));
	assert_false(file_exists(rec));

	strbuf_reset(&err);
	n = 7;
	assert_int_equal(ledger_int(l, &err, &n, 0, "SELECT count(path) FROM artifacts", NULL),
			 -1);
	assert_non_null(strstr(err.buf, "corrupt"));
	strbuf_reset(&err);
	assert_int_equal(ledger_real(l, &err, &x, 0, "SELECT avg(size) FROM artifacts", NULL), -1);
	assert_non_null(strstr(err.buf, "corrupt"));
	/* a table on a sound page still reads, but nothing is written any more */
	assert_int_equal(ledger_int(l, &err, &n, -1, "SELECT count(*) FROM benches", NULL), 0);
	assert_int_equal(n, 0);
	strbuf_reset(&err);
	assert_int_equal(ledger_exec(l, &err, "INSERT INTO calibrations(key, host, pairs, ss, df, "
				     "sigma, created) VALUES ('k', 'h', 2, 1, 1, 1, 0)", NULL), -1);
	assert_non_null(strstr(err.buf, "corrupt"));
	strbuf_reset(&err);
	assert_int_equal(ledger_begin(l, &err), -1);
	assert_non_null(strstr(err.buf, "corrupt"));
	ledger_close(l);
	after = read_all(p);
	assert_int_equal(before.len, after.len);
	assert_memory_equal(before.buf, after.buf, before.len);
	assert_false(file_exists(rec));

	/* the record is gone, so the next open checks and refuses */
	strbuf_reset(&err);
	assert_null(ledger_open(p, 0, &err));
	assert_non_null(strstr(err.buf, "is corrupt or not a SQLite database"));
	strbuf_release(&before);
	strbuf_release(&after);
	strbuf_release(&err);
	free(rec);
	free(p);
}

/* ledger_step(), ledger_int() and ledger_real() on a sound ledger. */
static void test_step_and_values(void **state)
{
	char *p = path_in("values.db");
	struct strbuf err = STRBUF_INIT;
	struct ledger *l = ledger_open(p, 0, &err);
	sqlite3_stmt *st;
	int64_t n;
	double x;
	(void)state;
	assert_non_null(l);
	st = ledger_query(l, &err, "SELECT 1 UNION ALL SELECT 2", NULL);
	assert_int_equal(ledger_step(l, st, &err), 1);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	assert_int_equal(ledger_step(l, st, &err), 1);
	assert_int_equal(ledger_step(l, st, &err), 0);
	sqlite3_finalize(st);
	/* no row and NULL give the default */
	assert_int_equal(ledger_int(l, &err, &n, 42, "SELECT 1 WHERE 0", NULL), 0);
	assert_int_equal(n, 42);
	assert_int_equal(ledger_real(l, &err, &x, -1, "SELECT avg(wall) FROM runs", NULL), 0);
	assert_float_equal(x, -1, 0);
	assert_int_equal(ledger_real(l, &err, &x, -1, "SELECT ? / 4.0", "i", (int64_t)3), 0);
	assert_float_equal(x, 0.75, 0);
	assert_int_equal(err.len, 0);
	/* a failing statement is an error, not the default */
	assert_int_equal(ledger_int(l, &err, &n, 0, "SELECT no_such_column FROM runs", NULL), -1);
	assert_non_null(strstr(err.buf, "no_such_column"));
	strbuf_reset(&err);
	assert_int_equal(ledger_int(l, &err, &n, 0, "SELECT abs(-9223372036854775807 - 1)", NULL),
			 -1);
	assert_non_null(strstr(err.buf, "integer overflow"));
	ledger_close(l);
	strbuf_release(&err);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_and_reopen),
		cmocka_unit_test(test_migrates_forward_keeping_data),
		cmocka_unit_test(test_profiles_table),
		cmocka_unit_test(test_rebuild_keeps_rows_and_constraints),
		cmocka_unit_test(test_abandoned_rows),
		cmocka_unit_test(test_profile_runs_column),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_damage_found_by_a_query),
		cmocka_unit_test(test_step_and_values),
		cmocka_unit_test(test_metric_columns),
		cmocka_unit_test(test_import_calibrations),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
