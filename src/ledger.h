/*
 * ledger.h: the SQLite ledger of every artifact, baseline, bench, run,
 * calibration and verdict.
 *
 * One file (state/ledger.db) in WAL mode with foreign keys on and a busy
 * timeout, so two perfloop processes can share it. The schema version lives in
 * PRAGMA user_version and is migrated forward step by step, each step in its
 * own transaction taken with the write lock, so processes starting together on
 * a new ledger migrate it once. A file that is corrupt (PRAGMA quick_check when
 * it changed since the last clean check, or any SQLite corruption error), not
 * SQLite, not a perfloop ledger, locked past the timeout, or of a newer schema
 * is refused with one line and never written to.
 */
#ifndef LEDGER_H
#define LEDGER_H

#include <stdint.h>
#include <sqlite3.h>
#include "strbuf.h"

#define LEDGER_APP_ID 0x50464c50 /* "PFLP" */

struct ledger {
	sqlite3 *db;
	char *path;
	int busy_ms;          /* how long to wait for another process's lock */
	unsigned opened : 1;  /* checked and migrated: a clean close may say so */
	unsigned damaged : 1; /* SQLite reported corruption: write nothing more */
};

/* Schema version this build writes. */
int ledger_schema_version(void);

/*
 * Open (creating when missing) and migrate the ledger at path, and mark rows
 * a dead perfloop left in progress abandoned (ledger_mark_abandoned()).
 * busy_ms is how long to wait for another process's lock (0 = default 10 s).
 * Returns NULL with err filled on any failure; the file is left untouched then.
 */
struct ledger *ledger_open(const char *path, int busy_ms, struct strbuf *err);
void ledger_close(struct ledger *l);

/* As ledger_open(), migrating only up to schema `target` (tests of migrations). */
struct ledger *ledger_open_version(const char *path, int busy_ms, int target, struct strbuf *err);

/*
 * This process as the owner of the rows it creates in progress (a running
 * bench, build or profile, an experiment being tried): their owner_pid,
 * owner_start and owner_host columns, bound as "iit".
 */
struct ledger_owner {
	int64_t pid, start; /* start: clock ticks since boot (/proc/PID/stat), 0 unknown */
	const char *host;
};
const struct ledger_owner *ledger_owner(void);

/*
 * Mark rows in progress whose owner on this host is gone (perfloop was
 * killed with SIGKILL, or crashed) 'abandoned', saying so in their message or
 * reason. ledger_open() does it; 0 or -1.
 */
int ledger_mark_abandoned(struct ledger *l, struct strbuf *err);

/* Wrap several writes in one transaction (for speed); 0 or -1. */
int ledger_begin(struct ledger *l, struct strbuf *err);
int ledger_commit(struct ledger *l, struct strbuf *err);

/*
 * Run one statement with bound parameters. fmt has one letter per '?':
 * 't' const char * (NULL binds NULL), 'i' int64_t, 'd' double, 'n' NULL.
 * Returns 0 or -1 (err filled). ledger_insert() returns the new rowid or -1.
 */
int ledger_exec(struct ledger *l, struct strbuf *err, const char *sql, const char *fmt, ...);
int64_t ledger_insert(struct ledger *l, struct strbuf *err, const char *sql, const char *fmt, ...);

/*
 * Prepare a query with bound parameters (same fmt); step it with
 * ledger_step() and finalize it. Returns NULL with err filled on failure.
 */
sqlite3_stmt *ledger_query(struct ledger *l, struct strbuf *err, const char *sql, const char *fmt,
			   ...);

/*
 * A statement run many times (a bench's rows of runs): prepare it once with
 * ledger_query() and no parameters, then before each run ledger_rebind()
 * resets it and binds fmt's parameters; step it with ledger_step(). Saves
 * parsing the SQL each time. 0, or -1 with err.
 */
int ledger_rebind(struct ledger *l, sqlite3_stmt *st, struct strbuf *err, const char *fmt, ...);

/*
 * Step a query: 1 with a row, 0 when there are no more, -1 on error with err
 * filled. An error (a damaged page, a lock) is never the end of the rows.
 */
int ledger_step(struct ledger *l, sqlite3_stmt *st, struct strbuf *err);

/*
 * Every row of a prepared query (st NULL: preparing it failed, err says
 * why) into a new array of `size`-byte elements, each zeroed then filled by
 * read(st, row); st is finalized. Returns the array (never NULL on success,
 * *nr rows), or NULL with err when a step failed: the rows read so far are
 * released with release(row) first.
 */
void *ledger_rows(struct ledger *l, sqlite3_stmt *st, size_t size,
		  void (*read)(sqlite3_stmt *st, void *row), void (*release)(void *row),
		  size_t *nr, struct strbuf *err);

/*
 * The first row of a prepared query (st NULL: preparing it failed) read by
 * read(st, out, err), which returns 0 or -1 with err; st is finalized.
 * 1 read, 0 when there is no row, -1 with err.
 */
int ledger_row(struct ledger *l, sqlite3_stmt *st,
	       int (*read)(sqlite3_stmt *st, void *out, struct strbuf *err), void *out,
	       struct strbuf *err);

/*
 * First column of the first row as int64/double in *out, `def` when there is
 * no row or it is NULL. 0, or -1 with err filled.
 */
int ledger_int(struct ledger *l, struct strbuf *err, int64_t *out, int64_t def, const char *sql,
	       const char *fmt, ...);
int ledger_real(struct ledger *l, struct strbuf *err, double *out, double def, const char *sql,
		const char *fmt, ...);

/*
 * A text column: col_text() is never NULL ("" for NULL), col_text_or_null()
 * is NULL for NULL, col_dup() is a copy of it (NULL for NULL).
 */
const char *col_text(sqlite3_stmt *st, int col);
const char *col_text_or_null(sqlite3_stmt *st, int col);
char *col_dup(sqlite3_stmt *st, int col);

/* Describe the last SQLite error of the ledger in err (one line). */
void ledger_error(struct ledger *l, struct strbuf *err, const char *what);

#endif
