/*
 * ledger.c: opening, validating and migrating the SQLite ledger, and small
 * helpers for bound statements. Tables are documented in the migrations.
 */
#include "ledger.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "experiment.h"
#include "proc.h"
#define LEDGER_INTERNAL /* the one place that calls sqlite3_step() */
#include "banned.h"

/*
 * Tables that the step adding 'abandoned' rebuilds (SQLite cannot alter a
 * CHECK constraint): their columns up to the last, given the statuses allowed,
 * shared by the step that created them and the one that rebuilt them.
 */
#define RUN_STATUSES "'running','done','failed','timeout','interrupted'"
#define BUILD_STATUSES "'running','ok','failed','timeout','interrupted','no-artifact'"
#define BENCHES_COLUMNS(statuses) \
	"  id INTEGER PRIMARY KEY,\n" \
	"  kind TEXT NOT NULL CHECK(kind IN ('bench','calibrate')),\n" \
	"  key TEXT NOT NULL,              -- identity of dir+command+env\n" \
	"  host TEXT NOT NULL,\n" \
	"  dir TEXT NOT NULL,\n" \
	"  command TEXT NOT NULL,\n" \
	"  started REAL NOT NULL,\n" \
	"  finished REAL,\n" \
	"  status TEXT NOT NULL CHECK(status IN " \
	"(" statuses ")),\n" \
	"  candidate_id INTEGER REFERENCES artifacts(id),\n" \
	"  baseline_artifact_id INTEGER REFERENCES artifacts(id),\n" \
	"  baseline_id INTEGER REFERENCES baselines(id),\n" \
	"  max_pairs INTEGER NOT NULL,\n" \
	"  warmup INTEGER NOT NULL,\n" \
	"  verdict TEXT,                   -- faster/slower/same/inconclusive, NULL alone\n" \
	"  early_reject INTEGER NOT NULL DEFAULT 0,\n" \
	"  pairs INTEGER NOT NULL DEFAULT 0,\n" \
	"  ratio REAL,                     -- median B / median A\n" \
	"  ratio_mean REAL,                -- exp(mean ln(B/A))\n" \
	"  ratio_lo REAL, ratio_hi REAL, level REAL,\n" \
	"  sigma REAL, sigma_source TEXT,\n" \
	"  message TEXT,                   -- why it failed, when it did\n"

#define PROFILES_COLUMNS(statuses) \
	"  id INTEGER PRIMARY KEY,\n" \
	"  created REAL NOT NULL,\n" \
	"  finished REAL,\n" \
	"  status TEXT NOT NULL CHECK(status IN " \
	"(" statuses ")),\n" \
	"  artifact_id INTEGER REFERENCES artifacts(id),\n" \
	"  artifact_hash TEXT,             -- XXH3-128 of the artifact profiled\n" \
	"  artifact_path TEXT,             -- the path the harness loaded (as mapped)\n" \
	"  path TEXT NOT NULL,             -- the perf.data file\n" \
	"  event TEXT NOT NULL,            -- event requested (perf record -e)\n" \
	"  event_recorded TEXT,            -- what perf recorded (cpu-clock on VMs without a PMU)\n" \
	"  freq INTEGER NOT NULL,          -- perf record -F\n" \
	"  callgraph TEXT NOT NULL CHECK(callgraph IN ('none','fp','dwarf')),\n" \
	"  samples INTEGER,\n" \
	"  lost INTEGER,                   -- samples the kernel dropped\n" \
	"  key TEXT NOT NULL,              -- bench identity (dir+command+env)\n" \
	"  host TEXT NOT NULL,\n" \
	"  dir TEXT NOT NULL,\n" \
	"  command TEXT NOT NULL,          -- the harness command\n" \
	"  perf_command TEXT NOT NULL,     -- the perf record command line\n" \
	"  exit_status INTEGER,            -- of perf record (the harness's, or 255)\n" \
	"  wall REAL,\n" \
	"  log_out TEXT, log_err TEXT,\n" \
	"  message TEXT,                   -- why it failed, when it did\n"

#define BUILDS_COLUMNS(statuses) \
	"  id INTEGER PRIMARY KEY,\n" \
	"  started REAL NOT NULL, finished REAL,\n" \
	"  status TEXT NOT NULL CHECK(status IN " \
	"(" statuses ")),\n" \
	"  command TEXT NOT NULL,\n" \
	"  log TEXT,\n" \
	"  commit_id TEXT, patch_hash TEXT,\n" \
	"  artifact_id INTEGER REFERENCES artifacts(id),\n"

/* Who runs a row in progress: perfloop's pid, its start time, the host. */
#define OWNER_COLUMNS \
	"  owner_pid INTEGER,              -- the perfloop process of a row in progress\n" \
	"  owner_start INTEGER,            -- its start time, against pid reuse\n" \
	"  owner_host TEXT"

/*
 * migrations[i] brings the schema from version i to i + 1. Append only: a
 * released step never changes.
 */
static const char *const migrations[] = {
	/* 0 -> 1: artifacts, baselines, benches, runs, calibrations */
	"CREATE TABLE artifacts(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  hash TEXT NOT NULL UNIQUE,      -- XXH3-128 of the bytes, hex\n"
	"  size INTEGER NOT NULL,\n"
	"  path TEXT NOT NULL,             -- where it was first seen\n"
	"  stored TEXT,                    -- copy in the content-addressed store\n"
	"  created REAL NOT NULL);\n"
	"CREATE TABLE baselines(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL,\n"
	"  artifact_id INTEGER NOT NULL REFERENCES artifacts(id),\n"
	"  commit_id TEXT,                 -- worktree HEAD when saved\n"
	"  dirty INTEGER NOT NULL DEFAULT 0,\n"
	"  build_command TEXT,\n"
	"  fingerprint TEXT NOT NULL,      -- JSON object: name -> output\n"
	"  created REAL NOT NULL);\n"
	"CREATE INDEX baselines_name ON baselines(name, created);\n"
	"CREATE TABLE benches(\n" BENCHES_COLUMNS(RUN_STATUSES)
	"  result TEXT);                   -- the --json document\n"
	"CREATE INDEX benches_key ON benches(key, host, started);\n"
	"CREATE TABLE runs(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  bench_id INTEGER NOT NULL REFERENCES benches(id) ON DELETE CASCADE,\n"
	"  seq INTEGER NOT NULL,           -- order of execution, from 1\n"
	"  side TEXT NOT NULL CHECK(side IN ('A','B')),\n"
	"  pair INTEGER,                   -- pair number, NULL for warmups\n"
	"  warmup INTEGER NOT NULL DEFAULT 0,\n"
	"  started REAL NOT NULL,\n"
	"  wall REAL, user REAL, sys REAL,\n"
	"  max_rss_kb INTEGER,\n"
	"  status INTEGER,                 -- exit status, 128+signal\n"
	"  log_out TEXT, log_err TEXT,      -- the bench's stdout/stderr logs\n"
	"  out_off INTEGER, out_len INTEGER, -- this run's bytes in log_out\n"
	"  err_off INTEGER, err_len INTEGER);\n"
	"CREATE INDEX runs_bench ON runs(bench_id, seq);\n"
	"CREATE TABLE calibrations(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  bench_id INTEGER REFERENCES benches(id),\n"
	"  key TEXT NOT NULL, host TEXT NOT NULL,\n"
	"  pairs INTEGER NOT NULL,\n"
	"  ss REAL NOT NULL,               -- sum of squared deviations of d\n"
	"  df REAL NOT NULL,\n"
	"  sigma REAL NOT NULL,\n"
	"  created REAL NOT NULL);\n"
	"CREATE INDEX calibrations_key ON calibrations(key, host, created);\n",

	/* 1 -> 2: profiles recorded with perf record */
	"CREATE TABLE profiles(\n" PROFILES_COLUMNS(RUN_STATUSES)
	"  bench_id INTEGER REFERENCES benches(id));\n"
	"CREATE INDEX profiles_artifact ON profiles(artifact_hash, created);\n",

	/* 2 -> 3: the loop: its state, builds, experiments, dispatches, workflow runs */
	"CREATE TABLE loop(\n"
	"  id INTEGER PRIMARY KEY CHECK (id = 1),\n"
	"  branch TEXT NOT NULL,\n"
	"  base_ref TEXT NOT NULL,         -- e.g. origin/main\n"
	"  base_commit TEXT,               -- what base_ref was at start\n"
	"  worktree TEXT NOT NULL,\n"
	"  config TEXT,                    -- the ini the loop was started from\n"
	"  pr INTEGER,                     -- the pull request, once known\n"
	"  remote_head TEXT,               -- commit pushed through the API fallback\n"
	"  remote_only INTEGER NOT NULL DEFAULT 0, -- local HEAD lacks remote_head\n"
	"  baseline_id INTEGER REFERENCES baselines(id),\n"
	"  created REAL NOT NULL);\n"
	"CREATE TABLE builds(\n" BUILDS_COLUMNS(BUILD_STATUSES)
	"  fingerprint TEXT);\n"
	"CREATE TABLE experiments(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  created REAL NOT NULL, finished REAL,\n"
	"  message TEXT,\n"
	"  patch TEXT NOT NULL,            -- git diff --binary against base_commit\n"
	"  patch_hash TEXT NOT NULL,\n"
	"  base_commit TEXT,\n"
	"  files TEXT,                     -- JSON array of changed paths\n"
	"  status TEXT NOT NULL,           -- saved, validating, building, benching, profiling,\n"
	"                                  -- decided, failed, interrupted, kept, reverted\n"
	"  verdict TEXT CHECK(verdict IN ('keep','keep-flat','reject','inconclusive')),\n"
	"  reason TEXT,\n"
	"  build_id INTEGER REFERENCES builds(id),\n"
	"  bench_id INTEGER REFERENCES benches(id),\n"
	"  baseline_id INTEGER REFERENCES baselines(id),\n"
	"  profile_id INTEGER, base_profile_id INTEGER,\n"
	"  diff TEXT,                      -- JSON hotspot diff\n"
	"  touched TEXT,                   -- JSON array of touched function names\n"
	"  log TEXT,                       -- validate/build log of the failing step\n"
	"  commit_id TEXT,                 -- set by keep\n"
	"  pushed TEXT);                   -- 'git', 'api' or NULL\n"
	"CREATE INDEX experiments_hash ON experiments(patch_hash);\n"
	"CREATE TABLE dispatches(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  experiment_id INTEGER REFERENCES experiments(id),\n"
	"  commit_id TEXT,\n"
	"  workflow TEXT, workflow_id INTEGER,\n"
	"  ref TEXT, pr INTEGER, actor TEXT,\n"
	"  created REAL NOT NULL,\n"
	"  status TEXT NOT NULL CHECK(status IN ('sent','failed','skipped')),\n"
	"  message TEXT);\n"
	"CREATE TABLE workflow_runs(\n"
	"  id INTEGER PRIMARY KEY,         -- GitHub's run id\n"
	"  dispatch_id INTEGER REFERENCES dispatches(id),\n"
	"  status TEXT, conclusion TEXT, url TEXT,\n"
	"  created REAL, updated REAL);\n",

	/*
	 * 3 -> 4: rows in progress name the perfloop process running them, so a
	 * later perfloop marks them 'abandoned' once that process is gone
	 * (SIGKILL, a crash); benches, profiles and builds are rebuilt to allow
	 * that status, as SQLite's ALTER TABLE cannot change a CHECK.
	 */
	"CREATE TABLE benches_new(\n" BENCHES_COLUMNS(RUN_STATUSES ",'abandoned'")
	"  result TEXT,                    -- the --json document\n" OWNER_COLUMNS ");\n"
	"INSERT INTO benches_new SELECT *, NULL, NULL, NULL FROM benches;\n"
	"DROP TABLE benches;\n"
	"ALTER TABLE benches_new RENAME TO benches;\n"
	"CREATE INDEX benches_key ON benches(key, host, started);\n"
	"CREATE TABLE profiles_new(\n" PROFILES_COLUMNS(RUN_STATUSES ",'abandoned'")
	"  bench_id INTEGER REFERENCES benches(id),\n" OWNER_COLUMNS ");\n"
	"INSERT INTO profiles_new SELECT *, NULL, NULL, NULL FROM profiles;\n"
	"DROP TABLE profiles;\n"
	"ALTER TABLE profiles_new RENAME TO profiles;\n"
	"CREATE INDEX profiles_artifact ON profiles(artifact_hash, created);\n"
	"CREATE TABLE builds_new(\n" BUILDS_COLUMNS(BUILD_STATUSES ",'abandoned'")
	"  fingerprint TEXT,\n" OWNER_COLUMNS ");\n"
	"INSERT INTO builds_new SELECT *, NULL, NULL, NULL FROM builds;\n"
	"DROP TABLE builds;\n"
	"ALTER TABLE builds_new RENAME TO builds;\n"
	"ALTER TABLE experiments ADD COLUMN owner_pid INTEGER;\n"
	"ALTER TABLE experiments ADD COLUMN owner_start INTEGER;\n"
	"ALTER TABLE experiments ADD COLUMN owner_host TEXT;\n",

	/* 4 -> 5: harness runs recorded into one profile (perfloop profile --runs) */
	"ALTER TABLE profiles ADD COLUMN runs INTEGER NOT NULL DEFAULT 1;\n",

	/*
	 * 5 -> 6: metrics per run (perf_event counters, valgrind instructions,
	 * harness metrics), the metric a bench's verdict judged, and A/A noise
	 * history per metric. cpu-metric benches and calibrations were told
	 * apart by a "-cpu" suffix of their key: it becomes the metric.
	 */
	"ALTER TABLE runs ADD COLUMN tool TEXT; -- 'valgrind': its times are the tool's\n"
	"CREATE TABLE run_metrics(\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  name TEXT NOT NULL,             -- instructions, task-clock, a harness metric ...\n"
	"  value REAL NOT NULL,\n"
	"  PRIMARY KEY(run_id, name)) WITHOUT ROWID;\n"
	"ALTER TABLE benches ADD COLUMN metric TEXT; -- what the verdict judged: wall, cpu ...\n"
	"ALTER TABLE benches ADD COLUMN metric_source TEXT; -- instructions: 'pmu' or 'valgrind'\n"
	"ALTER TABLE benches ADD COLUMN contradiction TEXT; -- a cross-check against the verdict\n"
	"UPDATE benches SET metric = CASE WHEN key LIKE '%-cpu' THEN 'cpu' ELSE 'wall' END;\n"
	"UPDATE benches SET key = substr(key, 1, length(key) - 4) WHERE key LIKE '%-cpu';\n"
	"ALTER TABLE calibrations ADD COLUMN metric TEXT NOT NULL DEFAULT 'wall';\n"
	"ALTER TABLE calibrations ADD COLUMN tool TEXT; -- 'valgrind' when measured under it\n"
	"UPDATE calibrations SET metric = 'cpu', key = substr(key, 1, length(key) - 4) "
	"WHERE key LIKE '%-cpu';\n"
	"DROP INDEX calibrations_key;\n"
	"CREATE INDEX calibrations_key ON calibrations(key, host, metric, created);\n",

	/* 6 -> 7: the loop's report comment on its pull request (pr-comment.c) */
	"CREATE TABLE pr_comments(\n"
	"  pr INTEGER PRIMARY KEY,         -- the pull request\n"
	"  comment_id INTEGER,             -- GitHub's id of perfloop's comment, once made\n"
	"  url TEXT,\n"
	"  status TEXT NOT NULL CHECK(status IN ('created','updated','recreated','failed')),\n"
	"  message TEXT,                   -- why the last update failed (one line)\n"
	"  command TEXT,                   -- what asked for it: keep, revert, runs\n"
	"  chars INTEGER,                  -- characters of the body sent\n"
	"  cut INTEGER NOT NULL DEFAULT 0, -- the report was cut to GitHub's limit\n"
	"  attempted REAL NOT NULL,        -- the last update, failed or not\n"
	"  succeeded REAL);                -- the last one that worked\n",

	/*
	 * 7 -> 8: guard benchmarks ([guard "NAME"]): the guard a bench measured
	 * (benches.guard, NULL for the target), and each guard's judgement of
	 * an experiment (guard.c)
	 */
	"ALTER TABLE benches ADD COLUMN guard TEXT; -- the guard benched, NULL: the target\n"
	"CREATE TABLE experiment_guards(\n"
	"  experiment_id INTEGER NOT NULL REFERENCES experiments(id),\n"
	"  guard TEXT NOT NULL,\n"
	"  bench_id INTEGER REFERENCES benches(id),\n"
	"  outcome TEXT NOT NULL CHECK(outcome IN ('pass','slower','memory','undecided',"
	"'failed','broken')),\n"
	"  verdict TEXT,                   -- its bench's: faster, slower, same, inconclusive\n"
	"  ratio REAL, lo REAL, hi REAL,   -- B/A of its metric and the decision interval\n"
	"  rss_ratio REAL,                 -- B/A of the medians of max RSS\n"
	"  reason TEXT NOT NULL,           -- one line\n"
	"  PRIMARY KEY(experiment_id, guard));\n",
};

int ledger_schema_version(void)
{
	return (int)ARRAY_SIZE(migrations);
}

/* Forget that the file was checked: the next open runs PRAGMA quick_check. */
static void forget_clean(struct ledger *l);

static void damaged_error(struct ledger *l, struct strbuf *err, const char *detail)
{
	strbuf_addf(err, "ledger '%s' is corrupt or not a SQLite database (%s); perfloop will not "
		    "touch it: move it aside, with any '-wal' file next to it, to start a new one "
		    "('sqlite3 FILE .recover' salvages what it can)", l->path, detail);
}

void ledger_error(struct ledger *l, struct strbuf *err, const char *what)
{
	int code = l->db ? sqlite3_extended_errcode(l->db) & 0xff : SQLITE_ERROR;
	const char *msg = l->db ? sqlite3_errmsg(l->db) : "cannot allocate";
	switch (code) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		strbuf_addf(err, "ledger '%s' is locked by another perfloop process; wait for it to "
			    "finish and retry", l->path);
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		/* from now on nothing is written, and the next open checks the whole file */
		l->damaged = 1;
		forget_clean(l);
		damaged_error(l, err, msg);
		break;
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
		strbuf_addf(err, "cannot write ledger '%s' (%s): check its permissions", l->path, msg);
		break;
	case SQLITE_FULL:
	case SQLITE_IOERR:
		strbuf_addf(err, "cannot write ledger '%s' (%s): check free disk space", l->path, msg);
		break;
	default:
		strbuf_addf(err, "ledger '%s': %s failed: %s", l->path, what, msg);
	}
}

static int exec_plain(struct ledger *l, const char *sql, struct strbuf *err, const char *what)
{
	if (sqlite3_exec(l->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		ledger_error(l, err, what);
		return -1;
	}
	return 0;
}

int ledger_step(struct ledger *l, sqlite3_stmt *st, struct strbuf *err)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	ledger_error(l, err, "reading");
	return -1;
}

/*
 * The integrity check. PRAGMA quick_check reads every page, O(file size), so
 * it runs only when the file is not as a clean perfloop session left it: the
 * side file <ledger>-checked holds the device, inode, size, mtime and ctime of
 * the ledger after the last check that passed, or after the last session that
 * met no damage closed it. Any change made outside perfloop (a disk error, a
 * stray dd, a copy) changes the ctime, which tools cannot set back, so the next
 * open checks. A side file and not a table: recording in the ledger would
 * change the file being described, and a damaged file cannot be trusted to
 * say it is clean. A missing or garbled side file only costs a check.
 */
static char *clean_path(struct ledger *l)
{
	return xstrfmt("%s-checked", l->path);
}

/* What the ledger file is now, as one line; NULL when it cannot be stat()ed. */
static char *file_stamp(const char *path)
{
	struct stat st;
	if (stat(path, &st))
		return NULL;
	return xstrfmt("perfloop-ledger-checked %llu %llu %lld %lld.%09ld %lld.%09ld\n",
		       (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		       (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		       (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
}

static int stamp_recorded(struct ledger *l, const char *stamp)
{
	struct strbuf sb = STRBUF_INIT;
	char *p = clean_path(l);
	int same = strbuf_read_file(&sb, p, 4096) >= 0 && !strcmp(sb.buf, stamp);
	strbuf_release(&sb);
	free(p);
	return same;
}

/* Best effort: failing to record only costs a check at the next open. */
static void record_clean(struct ledger *l, const char *stamp)
{
	struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT;
	char *p = clean_path(l);
	if (stamp) {
		strbuf_addstr(&sb, stamp);
		strbuf_write_file_atomic(&sb, p, &err);
	}
	strbuf_release(&sb);
	strbuf_release(&err);
	free(p);
}

static void forget_clean(struct ledger *l)
{
	char *p = clean_path(l);
	unlink(p);
	free(p);
}

static int check_integrity(struct ledger *l, struct strbuf *err)
{
	char *stamp = file_stamp(l->path);
	sqlite3_stmt *st = NULL;
	int ret = -1, rc;
	if (stamp && stamp_recorded(l, stamp)) {
		free(stamp);
		return 0;
	}
	/* one error is enough to refuse the file, and stops the check early */
	if (sqlite3_prepare_v2(l->db, "PRAGMA quick_check(1)", -1, &st, NULL) != SQLITE_OK) {
		ledger_error(l, err, "checking integrity");
		goto out;
	}
	if ((rc = ledger_step(l, st, err)) < 0)
		goto out;
	if (rc && strcmp(col_text(st, 0), "ok")) {
		static const char prefix[] = "*** in database main ***";
		struct strbuf why = STRBUF_INIT;
		const char *s = col_text(st, 0);
		if (!strncmp(s, prefix, strlen(prefix)))
			s += strlen(prefix);
		/* quick_check's report spans lines: keep the message on one */
		for (s += strspn(s, " \n"); *s; s++)
			strbuf_addch(&why, *s == '\n' ? ' ' : *s);
		l->damaged = 1;
		forget_clean(l);
		damaged_error(l, err, why.buf);
		strbuf_release(&why);
		goto out;
	}
	record_clean(l, stamp);
	ret = 0;
out:
	sqlite3_finalize(st);
	free(stamp);
	return ret;
}

/* The header fields migrate() decides on, read in one statement: one snapshot. */
struct ledger_head {
	int64_t version, app, tables;
};

static int read_head(struct ledger *l, struct ledger_head *h, struct strbuf *err)
{
	sqlite3_stmt *st;
	int rc;
	if (sqlite3_prepare_v2(l->db,
			       "SELECT (SELECT user_version FROM pragma_user_version), "
			       "(SELECT application_id FROM pragma_application_id), "
			       "(SELECT count(*) FROM sqlite_master)",
			       -1, &st, NULL) != SQLITE_OK) {
		ledger_error(l, err, "reading the schema");
		return -1;
	}
	rc = ledger_step(l, st, err);
	if (rc > 0) {
		h->version = sqlite3_column_int64(st, 0);
		h->app = sqlite3_column_int64(st, 1);
		h->tables = sqlite3_column_int64(st, 2);
	} else if (!rc) {
		ledger_error(l, err, "reading the schema");
	}
	sqlite3_finalize(st);
	return rc > 0 ? 0 : -1;
}

/* Refuse what is not a perfloop ledger this build understands. */
static int check_head(struct ledger *l, const struct ledger_head *h, struct strbuf *err)
{
	if (h->app != 0 && h->app != LEDGER_APP_ID) {
		strbuf_addf(err, "'%s' is a SQLite database of another program; perfloop will not "
			    "touch it: move it aside or set [core] state elsewhere", l->path);
		return -1;
	}
	if (h->version == 0 && h->tables > 0) {
		strbuf_addf(err, "'%s' is a SQLite database but not a perfloop ledger; perfloop will "
			    "not touch it: move it aside or set [core] state elsewhere", l->path);
		return -1;
	}
	if (h->version > ledger_schema_version()) {
		strbuf_addf(err, "ledger '%s' has schema version %lld, newer than this perfloop "
			    "understands (%d): upgrade perfloop", l->path, (long long)h->version,
			    ledger_schema_version());
		return -1;
	}
	return 0;
}

/*
 * Switch the file to WAL. SQLite does not always call the busy handler for
 * this switch: while another process opens or switches the new file, it can
 * fail at once with SQLITE_BUSY. Retry until the busy timeout has passed.
 */
static int enable_wal(struct ledger *l, struct strbuf *err)
{
	double until = now_mono() + l->busy_ms / 1000.0;
	struct timespec pause = { 0, 5 * 1000 * 1000 };
	while (sqlite3_exec(l->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK) {
		if ((sqlite3_extended_errcode(l->db) & 0xff) != SQLITE_BUSY || now_mono() >= until) {
			ledger_error(l, err, "enabling WAL");
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	return 0;
}

static int migrate(struct ledger *l, int target, struct strbuf *err)
{
	struct ledger_head h;
	int ret = -1;

	/* read-only checks first: nothing is written to a file we refuse */
	if (read_head(l, &h, err) || check_head(l, &h, err))
		return -1;
	if (h.version >= target)
		return 0;
	/*
	 * Foreign keys are off while migrating (the pragma does nothing inside
	 * a transaction): a step may rebuild a table, and dropping the old one
	 * must not cascade to the rows that reference it. Each step is checked
	 * for broken references before it commits.
	 */
	if (enable_wal(l, err) ||
	    exec_plain(l, "PRAGMA foreign_keys=OFF", err, "migrating the schema"))
		return -1;
	/*
	 * Each step in its own transaction, deciding what to do only once it
	 * holds the write lock: processes started together on a new ledger all
	 * see version 0 above, and all but the first find the work done here.
	 */
	for (;;) {
		char *bump;
		int64_t broken = 0;
		int bad;
		if (exec_plain(l, "BEGIN IMMEDIATE", err, "starting a migration"))
			goto out;
		if (read_head(l, &h, err) || check_head(l, &h, err)) {
			sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
			goto out;
		}
		if (h.version >= target) {
			if (exec_plain(l, "COMMIT", err, "migrating the schema"))
				goto out;
			break;
		}
		bump = xstrfmt("PRAGMA user_version=%lld; PRAGMA application_id=%d;",
			       (long long)h.version + 1, LEDGER_APP_ID);
		bad = exec_plain(l, migrations[h.version], err, "migrating the schema") ||
		      ledger_int(l, err, &broken, 0, "SELECT count(*) FROM pragma_foreign_key_check",
				 NULL) ||
		      exec_plain(l, bump, err, "migrating the schema");
		free(bump);
		if (!bad && broken) {
			strbuf_addf(err, "ledger '%s': migrating the schema to version %lld would "
				    "break %lld references; the ledger is left as it was",
				    l->path, (long long)h.version + 1, (long long)broken);
			bad = 1;
		}
		if (bad || exec_plain(l, "COMMIT", err, "migrating the schema")) {
			sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
			goto out;
		}
	}
	ret = 0;
out:
	/* after a failure, err already says why: the pragma's own error is dropped */
	if (ret)
		sqlite3_exec(l->db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
	else if (exec_plain(l, "PRAGMA foreign_keys=ON", err, "enabling foreign keys"))
		ret = -1;
	return ret;
}

const struct ledger_owner *ledger_owner(void)
{
	static struct ledger_owner self;
	if (!self.pid) {
		self.pid = getpid();
		self.start = proc_start_time((int)self.pid);
		if (self.start < 0)
			self.start = 0;
		self.host = host_name();
	}
	return &self;
}

/*
 * Tables with rows in progress: which rows those are (NULL: an experiment's
 * steps, named by experiment.c), the column saying why one ended.
 */
static const struct {
	const char *table, *in_progress, *why;
} in_progress[] = {
	{ "benches", "status = 'running'", "message" },
	{ "profiles", "status = 'running'", "message" },
	{ "builds", "status = 'running'", NULL },
	{ "experiments", NULL, "reason" },
};

/* Mark the rows of in_progress[i] whose owner on this host is gone 'abandoned'. */
static int abandon_rows(struct ledger *l, size_t i, struct strbuf *err)
{
	const char *table = in_progress[i].table, *why = in_progress[i].why;
	char *cond = in_progress[i].in_progress ? xstrdup(in_progress[i].in_progress)
						: exp_in_progress_sql();
	char *sql = xstrfmt("SELECT id, owner_pid, owner_start FROM %s WHERE %s AND "
			    "owner_pid IS NOT NULL AND owner_host = ?",
			    table, cond);
	sqlite3_stmt *st = ledger_query(l, err, sql, "t", host_name());
	int64_t *ids = NULL, *pids = NULL;
	size_t nr = 0, alloc = 0, alloc2 = 0;
	int rc, ret = 0;
	free(sql);
	if (!st) {
		free(cond);
		return -1;
	}
	while ((rc = ledger_step(l, st, err)) > 0) {
		int64_t pid = sqlite3_column_int64(st, 1);
		if (pid > 0 && pid <= INT32_MAX &&
		    proc_alive((int)pid, (long long)sqlite3_column_int64(st, 2)))
			continue;
		ALLOC_GROW(ids, nr + 1, alloc);
		ALLOC_GROW(pids, nr + 1, alloc2);
		ids[nr] = sqlite3_column_int64(st, 0);
		pids[nr++] = pid;
	}
	sqlite3_finalize(st);
	if (rc < 0)
		ret = -1;
	/* their owner cannot finish them any more; the condition guards against a reused pid */
	if (why)
		sql = xstrfmt("UPDATE %s SET status = 'abandoned', %s = ? WHERE id = ? AND %s AND "
			      "owner_pid = ?",
			      table, why, cond);
	else
		sql = xstrfmt("UPDATE %s SET status = 'abandoned' WHERE id = ? AND %s AND "
			      "owner_pid = ?",
			      table, cond);
	for (size_t k = 0; k < nr && !ret; k++) {
		char *msg = xstrfmt("the perfloop process running it (pid %lld) is gone: killed "
				    "or crashed", (long long)pids[k]);
		ret = why ? ledger_exec(l, err, sql, "tii", msg, ids[k], pids[k])
			  : ledger_exec(l, err, sql, "ii", ids[k], pids[k]);
		free(msg);
	}
	free(sql);
	free(cond);
	free(ids);
	free(pids);
	return ret;
}

int ledger_mark_abandoned(struct ledger *l, struct strbuf *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(in_progress); i++)
		if (abandon_rows(l, i, err))
			return -1;
	return 0;
}

struct ledger *ledger_open(const char *path, int busy_ms, struct strbuf *err)
{
	struct ledger *l = ledger_open_version(path, busy_ms, ledger_schema_version(), err);
	/* rows a killed perfloop left in progress are not current: say so once, here */
	if (l && ledger_mark_abandoned(l, err)) {
		ledger_close(l);
		return NULL;
	}
	return l;
}

struct ledger *ledger_open_version(const char *path, int busy_ms, int target, struct strbuf *err)
{
	struct ledger *l = xcalloc(1, sizeof(*l));
	l->path = xstrdup(path);
	if (sqlite3_open_v2(path, &l->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		ledger_error(l, err, "opening");
		goto fail;
	}
	sqlite3_extended_result_codes(l->db, 1);
	l->busy_ms = busy_ms > 0 ? busy_ms : 10000;
	sqlite3_busy_timeout(l->db, l->busy_ms);
	if (exec_plain(l, "PRAGMA foreign_keys=ON", err, "enabling foreign keys") ||
	    check_integrity(l, err) || migrate(l, target, err))
		goto fail;
	/* WAL makes commits cheap; NORMAL is durable across application crashes */
	if (exec_plain(l, "PRAGMA synchronous=NORMAL", err, "setting synchronous"))
		goto fail;
	l->opened = 1;
	return l;
fail:
	ledger_close(l);
	return NULL;
}

/* Has the WAL more than its 32-byte header? */
static int wal_has_frames(struct ledger *l)
{
	char *wal = xstrfmt("%s-wal", l->path);
	struct stat st;
	int r = !stat(wal, &st) && st.st_size > 32;
	free(wal);
	return r;
}

void ledger_close(struct ledger *l)
{
	if (!l)
		return;
	/*
	 * The last connection to close copies the WAL's frames into the file:
	 * not into one that was refused or found damaged.
	 */
	if (l->db && (!l->opened || l->damaged) && wal_has_frames(l))
		sqlite3_db_config(l->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	/*
	 * The file as this session leaves it (after SQLite's final checkpoint)
	 * is as clean as it was when checked, unless SQLite reported damage.
	 */
	if (l->db && sqlite3_close(l->db) == SQLITE_OK && l->opened && !l->damaged) {
		char *stamp = file_stamp(l->path);
		if (stamp && !stamp_recorded(l, stamp))
			record_clean(l, stamp);
		free(stamp);
	}
	free(l->path);
	free(l);
}

/* Nothing is written to a ledger SQLite found damaged during this session. */
static int refuse_damaged(struct ledger *l, struct strbuf *err)
{
	if (!l->damaged)
		return 0;
	damaged_error(l, err, "damage found earlier in this session");
	return -1;
}

int ledger_begin(struct ledger *l, struct strbuf *err)
{
	if (refuse_damaged(l, err))
		return -1;
	return exec_plain(l, "BEGIN IMMEDIATE", err, "starting a transaction");
}

int ledger_commit(struct ledger *l, struct strbuf *err)
{
	return exec_plain(l, "COMMIT", err, "committing");
}

/* Bind fmt's parameters (see ledger_exec()) to st; 0, or -1 with err. */
static int vbind(struct ledger *l, sqlite3_stmt *st, struct strbuf *err, const char *fmt,
		 va_list ap)
{
	int i = 1;
	for (const char *f = fmt ? fmt : ""; *f; f++, i++) {
		int rc = SQLITE_OK;
		switch (*f) {
		case 't': {
			const char *s = va_arg(ap, const char *);
			rc = s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT)
			       : sqlite3_bind_null(st, i);
			break;
		}
		case 'i':
			rc = sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
			break;
		case 'd':
			rc = sqlite3_bind_double(st, i, va_arg(ap, double));
			break;
		case 'n':
			rc = sqlite3_bind_null(st, i);
			break;
		default:
			BUG("bad bind format '%c'", *f);
		}
		if (rc != SQLITE_OK) {
			ledger_error(l, err, "binding a parameter");
			return -1;
		}
	}
	return 0;
}

static sqlite3_stmt *vprepare(struct ledger *l, struct strbuf *err, const char *sql,
			      const char *fmt, va_list ap)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK) {
		ledger_error(l, err, "preparing a statement");
		return NULL;
	}
	if (vbind(l, st, err, fmt, ap)) {
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

int ledger_rebind(struct ledger *l, sqlite3_stmt *st, struct strbuf *err, const char *fmt, ...)
{
	va_list ap;
	int r;
	if (refuse_damaged(l, err))
		return -1;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	va_start(ap, fmt);
	r = vbind(l, st, err, fmt, ap);
	va_end(ap);
	return r;
}

static int64_t vrun(struct ledger *l, struct strbuf *err, const char *sql, const char *fmt,
		    va_list ap)
{
	sqlite3_stmt *st;
	int rc;
	if (refuse_damaged(l, err) || !(st = vprepare(l, err, sql, fmt, ap)))
		return -1;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		ledger_error(l, err, "writing");
		return -1;
	}
	return sqlite3_last_insert_rowid(l->db);
}

int ledger_exec(struct ledger *l, struct strbuf *err, const char *sql, const char *fmt, ...)
{
	va_list ap;
	int64_t r;
	va_start(ap, fmt);
	r = vrun(l, err, sql, fmt, ap);
	va_end(ap);
	return r < 0 ? -1 : 0;
}

int64_t ledger_insert(struct ledger *l, struct strbuf *err, const char *sql, const char *fmt, ...)
{
	va_list ap;
	int64_t r;
	va_start(ap, fmt);
	r = vrun(l, err, sql, fmt, ap);
	va_end(ap);
	return r;
}

sqlite3_stmt *ledger_query(struct ledger *l, struct strbuf *err, const char *sql, const char *fmt,
			   ...)
{
	va_list ap;
	sqlite3_stmt *st;
	va_start(ap, fmt);
	st = vprepare(l, err, sql, fmt, ap);
	va_end(ap);
	return st;
}

/* Step a query for one value: 1 with a non-NULL first column, 0 without, -1 on error. */
static int first_value(struct ledger *l, sqlite3_stmt *st, struct strbuf *err)
{
	int rc;
	if (!st)
		return -1;
	rc = ledger_step(l, st, err);
	return rc > 0 && sqlite3_column_type(st, 0) == SQLITE_NULL ? 0 : rc;
}

int ledger_int(struct ledger *l, struct strbuf *err, int64_t *out, int64_t def, const char *sql,
	       const char *fmt, ...)
{
	va_list ap;
	sqlite3_stmt *st;
	int rc;
	va_start(ap, fmt);
	st = vprepare(l, err, sql, fmt, ap);
	va_end(ap);
	rc = first_value(l, st, err);
	*out = rc > 0 ? sqlite3_column_int64(st, 0) : def;
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

int ledger_real(struct ledger *l, struct strbuf *err, double *out, double def, const char *sql,
		const char *fmt, ...)
{
	va_list ap;
	sqlite3_stmt *st;
	int rc;
	va_start(ap, fmt);
	st = vprepare(l, err, sql, fmt, ap);
	va_end(ap);
	rc = first_value(l, st, err);
	*out = rc > 0 ? sqlite3_column_double(st, 0) : def;
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

void *ledger_rows(struct ledger *l, sqlite3_stmt *st, size_t size,
		  void (*read)(sqlite3_stmt *st, void *row), void (*release)(void *row),
		  size_t *nr, struct strbuf *err)
{
	unsigned char *rows = xcalloc(1, size);
	size_t alloc = 1;
	int rc = -1;
	*nr = 0;
	while (st && (rc = ledger_step(l, st, err)) > 0) {
		if (*nr == alloc) {
			alloc *= 2;
			if (alloc > SIZE_MAX / size)
				die("out of memory: %zu rows of %zu bytes", alloc, size);
			rows = xrealloc(rows, alloc * size);
		}
		memset(rows + *nr * size, 0, size);
		read(st, rows + (*nr)++ * size);
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		for (size_t i = 0; i < *nr; i++)
			release(rows + i * size);
		free(rows);
		*nr = 0;
		return NULL;
	}
	return rows;
}

int ledger_row(struct ledger *l, sqlite3_stmt *st,
	       int (*read)(sqlite3_stmt *st, void *out, struct strbuf *err), void *out,
	       struct strbuf *err)
{
	int rc;
	if (!st)
		return -1;
	if ((rc = ledger_step(l, st, err)) > 0 && read(st, out, err))
		rc = -1;
	sqlite3_finalize(st);
	return rc;
}

const char *col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	return s ? (const char *)s : "";
}

const char *col_text_or_null(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NULL : col_text(st, col);
}

char *col_dup(sqlite3_stmt *st, int col)
{
	const char *s = col_text_or_null(st, col);
	return s ? xstrdup(s) : NULL;
}
