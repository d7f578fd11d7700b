/*
 * cmd-log.c: `perfloop log`, the benches in the ledger, newest first.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "metric.h"
#include "banned.h"

/* The metric a bench's verdict judged, from its stored document (wall when none). */
static const struct metric *bench_metric(sqlite3_stmt *st, int col)
{
	json_t *doc = sqlite3_column_type(st, col) == SQLITE_NULL
			      ? NULL
			      : json_loads(col_text(st, col), 0, NULL);
	const struct metric *m = metric_of_doc(doc);
	json_decref(doc);
	return m;
}

static json_t *num_or_null(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static int cmd_log(const struct cmd_args *a, struct project *c)
{
	struct strbuf err = STRBUF_INIT;
	struct ledger *l;
	sqlite3_stmt *st;
	json_t *arr = json_array();
	int json = args_has(a, "json"), rows = 0, rc;
	long limit = args_int(a, "limit", 20);

	if (!(l = project_ledger(c, &err)))
		die("%s", err.buf);
	st = ledger_query(l, &err,
			  "SELECT b.id, b.started, b.kind, b.status, b.verdict, b.ratio, b.pairs, "
			  "ca.hash, ba.hash, bl.name, b.early_reject, b.finished, b.result "
			  "FROM benches b LEFT JOIN artifacts ca ON ca.id = b.candidate_id "
			  "LEFT JOIN artifacts ba ON ba.id = b.baseline_artifact_id "
			  "LEFT JOIN baselines bl ON bl.id = b.baseline_id "
			  "ORDER BY b.id DESC LIMIT ?",
			  "i", (int64_t)limit);
	if (!st)
		die("%s", err.buf);
	/* the medians and B/A are of each bench's own metric, named in its row */
	if (!json)
		printf("%-5s %-19s %-9s %-11s %-12s %-14s %-6s %9s %9s %7s  %s\n", "id", "started",
		       "kind", "status", "candidate", "baseline", "metric", "A median", "B median",
		       "B/A", "verdict");
	while ((rc = ledger_step(l, st, &err)) > 0) {
		int64_t id = sqlite3_column_int64(st, 0);
		const struct metric *m = bench_metric(st, 12);
		double ma, mb;
		double ratio = sqlite3_column_type(st, 5) == SQLITE_NULL ? NAN
									  : sqlite3_column_double(st, 5);
		/* a calibration runs one artifact on both sides: nothing to judge */
		const char *verdict = sqlite3_column_type(st, 4) == SQLITE_NULL ||
					      !strcmp(col_text(st, 2), "calibrate")
					      ? NULL
					      : col_text(st, 4);
		const char *base = sqlite3_column_type(st, 9) != SQLITE_NULL ? col_text(st, 9)
										: col_text(st, 8);
		if (metric_side_median(l, m, id, 'A', &ma, &err) ||
		    metric_side_median(l, m, id, 'B', &mb, &err))
			die("%s", err.buf);
		rows++;
		if (json) {
			json_t *o = json_object();
			json_object_set_new(o, "id", json_integer(id));
			json_object_set_new(o, "started", json_real(sqlite3_column_double(st, 1)));
			json_object_set_new(o, "kind", json_string(col_text(st, 2)));
			json_object_set_new(o, "status", json_string(col_text(st, 3)));
			json_object_set_new(o, "verdict", verdict ? json_string(verdict) : json_null());
			json_object_set_new(o, "early_reject", json_boolean(sqlite3_column_int(st, 10)));
			json_object_set_new(o, "pairs", json_integer(sqlite3_column_int(st, 6)));
			json_object_set_new(o, "metric", json_string(m->name));
			json_object_set_new(o, "ratio", num_or_null(ratio));
			json_object_set_new(o, "candidate_hash", json_string(col_text(st, 7)));
			json_object_set_new(o, "baseline_hash",
					    sqlite3_column_type(st, 8) == SQLITE_NULL
						    ? json_null()
						    : json_string(col_text(st, 8)));
			json_object_set_new(o, "baseline_name",
					    sqlite3_column_type(st, 9) == SQLITE_NULL
						    ? json_null()
						    : json_string(col_text(st, 9)));
			json_object_set_new(o, "median_a", num_or_null(ma));
			json_object_set_new(o, "median_b", num_or_null(mb));
			json_array_append_new(arr, o);
		} else {
			char when[32], sa[32], sb[32], rs[16];
			fmt_time(when, sizeof(when), sqlite3_column_double(st, 1));
			if (isfinite(ratio))
				snprintf(rs, sizeof(rs), "%.4f", ratio);
			else
				snprintf(rs, sizeof(rs), "-");
			printf("%-5lld %-19s %-9s %-11s %-12.12s %-14.14s %-6s %9s %9s %7s  %s%s\n",
			       (long long)id, when, col_text(st, 2), col_text(st, 3), col_text(st, 7),
			       *base ? base : "-", m->name,
			       isfinite(ma) ? fmt_secs(sa, sizeof(sa), ma) : "-",
			       isfinite(mb) ? fmt_secs(sb, sizeof(sb), mb) : "-", rs,
			       verdict ? verdict : "-",
			       sqlite3_column_int(st, 10) ? " (early reject)" : "");
		}
	}
	sqlite3_finalize(st);
	if (rc < 0)
		die("%s", err.buf);
	if (json)
		print_json(arr);
	else if (!rows)
		printf("(no benches yet: run 'perfloop bench')\n");
	json_decref(arr);
	strbuf_release(&err);
	return 0;
}

static const struct cmd_option log_options[] = {
	{ .name = "limit", .short_name = 'n', .arg = "N", .kind = CMD_VAL_INT, .min = 1,
	  .help = "show at most N benches (default 20)" },
	{ .name = "json", .help = "print a JSON array" },
	{ 0 },
};

const struct cmd_entry cmd_log_entry = {
	.name = "log",
	.summary = "list the benches in the ledger, newest first",
	.options = log_options,
	.help = "One line per bench: when, kind, status, candidate and baseline, the metric its\n"
		"verdict judges (`bench.metric`: wall or cpu), that metric's median per side, the\n"
		"B/A ratio of the medians and the verdict (none for a calibration). Status is\n"
		"running, done, failed, timeout, interrupted, or abandoned (the perfloop running it\n"
		"was killed).\n",
	.flags = CMD_NEED_CONFIG,
	.exec = cmd_log,
};
