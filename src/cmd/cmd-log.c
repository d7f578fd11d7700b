/*
 * cmd-log.c: `perfloop log`, the benches in the ledger, newest first.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cmd/cmd.h"
#include "metric.h"
#include "banned.h"

/* The metric a bench's verdict judged, from its stored document (wall when none). */
static const struct metric *bench_metric(const char *result)
{
	json_t *doc = result ? json_loads(result, 0, NULL) : NULL;
	const struct metric *m = metric_of_doc(doc);
	json_decref(doc);
	return m;
}

static json_t *num_or_null(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static json_t *row_json(const struct bench_row *b, const struct metric *m, const char *verdict,
			double ma, double mb)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(b->id));
	json_object_set_new(o, "started", json_real(b->started));
	json_object_set_new(o, "kind", json_string(b->kind));
	json_object_set_new(o, "benchmark", json_string(b->guard ? b->guard : "target"));
	json_object_set_new(o, "status", json_string(b->status));
	json_object_set_new(o, "verdict", verdict ? json_string(verdict) : json_null());
	json_object_set_new(o, "early_reject", json_boolean(b->early_reject));
	json_object_set_new(o, "pairs", json_integer(b->pairs));
	json_object_set_new(o, "metric", json_string(m->name));
	json_object_set_new(o, "ratio", num_or_null(b->ratio));
	json_object_set_new(o, "candidate_hash", json_string(b->cand_hash));
	json_object_set_new(o, "baseline_hash",
			    b->base_hash ? json_string(b->base_hash) : json_null());
	json_object_set_new(o, "baseline_name",
			    b->baseline_name ? json_string(b->baseline_name) : json_null());
	json_object_set_new(o, "median_a", num_or_null(ma));
	json_object_set_new(o, "median_b", num_or_null(mb));
	return o;
}

static void print_row(const struct bench_row *b, const struct metric *m, const char *verdict,
		      const char *base, double ma, double mb)
{
	char when[32], sa[32], sb[32], rs[16];
	fmt_time(when, sizeof(when), b->started);
	if (isfinite(b->ratio))
		snprintf(rs, sizeof(rs), "%.4f", b->ratio);
	else
		snprintf(rs, sizeof(rs), "-");
	printf("%-5lld %-19s %-9s %-12.12s %-11s %-12.12s %-14.14s %-12s %9s %9s %7s  %s%s\n",
	       (long long)b->id, when, b->kind, b->guard ? b->guard : "target", b->status, b->cand_hash, *base ? base : "-",
	       m->name, metric_format(m, ma, sa, sizeof(sa)), metric_format(m, mb, sb, sizeof(sb)),
	       rs, verdict ? verdict : "-",
	       b->early_reject ? " (early reject)" : "");
}

static int cmd_log(const struct cmd_args *a, struct project *c)
{
	struct strbuf err = STRBUF_INIT;
	struct ledger *l;
	struct bench_row *rows;
	json_t *arr = json_array();
	size_t nr;
	int json = args_has(a, "json");
	long limit = args_int(a, "limit", 20);

	if (!(l = project_ledger(c, &err)))
		die("%s", err.buf);
	if (bench_list(l, limit, &rows, &nr, &err))
		die("%s", err.buf);
	/* the medians and B/A are of each bench's own metric, named in its row */
	if (!json)
		printf("%-5s %-19s %-9s %-12s %-11s %-12s %-14s %-12s %9s %9s %7s  %s\n", "id",
		       "started", "kind", "benchmark", "status", "candidate", "baseline", "metric", "A median", "B median",
		       "B/A", "verdict");
	for (size_t i = 0; i < nr; i++) {
		const struct bench_row *b = &rows[i];
		const struct metric *m = bench_metric(b->result);
		double ma, mb;
		/* a calibration runs one artifact on both sides: nothing to judge */
		const char *verdict = !strcmp(b->kind, "calibrate") ? NULL : b->verdict;
		const char *base = b->baseline_name  ? b->baseline_name
				   : b->base_hash ? b->base_hash
						  : "";
		if (metric_side_median(l, m, b->id, 'A', &ma, &err) ||
		    metric_side_median(l, m, b->id, 'B', &mb, &err))
			die("%s", err.buf);
		if (json)
			json_array_append_new(arr, row_json(b, m, verdict, ma, mb));
		else
			print_row(b, m, verdict, base, ma, mb);
	}
	bench_rows_free(rows, nr);
	if (json)
		print_json(arr);
	else if (!nr)
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
	.help = "One line per bench: when, kind, the benchmark it measured (`target`, or a guard\n"
		"benchmark's name, `[guard \"NAME\"]`; in --json `benchmark`), status, candidate and\n"
		"baseline, the metric its verdict judges (`bench.metric`: wall, cpu, instructions or\n"
		"a harness metric), that metric's median per side (counts as 1.43 G), the B/A ratio\n"
		"of the medians and the verdict (none for a calibration). Status is running, done,\n"
		"failed, timeout, interrupted, or abandoned (the perfloop running it was killed).\n",
	.flags = CMD_NEED_CONFIG,
	.exec = cmd_log,
};
