/*
 * metric.c: the metrics a bench records and a verdict can judge, reading
 * and formatting their values.
 */
#include "metric.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "harness-metrics.h"
#include "stats.h"
#include "banned.h"

/* one run's value of a run_metrics row, over the runs table */
#define RUN_METRIC(name)                                                                           \
	"(SELECT value FROM run_metrics WHERE run_id = runs.id AND name = '" name "')"

/*
 * Times of a run under valgrind are valgrind's, never the harness's: NULL.
 * (runs.tool names the tool a run ran under.)
 */
const struct metric metrics[] = {
	{ "wall", "wall time", "End-to-end wall time",
	  "(CASE WHEN runs.tool IS NULL THEN runs.wall END)", "s", METRIC_TIME, 1, 1, 0 },
	{ "cpu", "user+sys CPU time", "User+sys CPU time",
	  "(CASE WHEN runs.tool IS NULL THEN runs.user + runs.sys END)", "s", METRIC_TIME, 1, 1,
	  0 },
	{ "instructions", "user-space instructions", "Instructions (user space)",
	  RUN_METRIC("instructions"), "", METRIC_COUNT, 1, 1, COUNTER_INSTRUCTIONS + 1 },
	{ "cycles", "user-space cycles", "Cycles (user space)", RUN_METRIC("cycles"), "",
	  METRIC_COUNT, 1, 0, COUNTER_CYCLES + 1 },
	{ "task-clock", "task-clock (time on a CPU)", "Task clock", RUN_METRIC("task-clock"), "ns",
	  METRIC_TIME, 1, 0, COUNTER_TASK_CLOCK + 1 },
	{ "context-switches", "context switches", "Context switches",
	  RUN_METRIC("context-switches"), "", METRIC_COUNT, 0, 0, COUNTER_CONTEXT_SWITCHES + 1 },
	{ "cpu-migrations", "CPU migrations", "CPU migrations", RUN_METRIC("cpu-migrations"), "",
	  METRIC_COUNT, 0, 0, COUNTER_CPU_MIGRATIONS + 1 },
	{ "page-faults", "page faults", "Page faults", RUN_METRIC("page-faults"), "", METRIC_COUNT,
	  0, 0, COUNTER_PAGE_FAULTS + 1 },
	{ NULL, NULL, NULL, NULL, NULL, METRIC_TIME, 0, 0, 0 },
};

const struct metric *metric_find(const char *name)
{
	for (const struct metric *m = metrics; name && m->name; m++)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

const struct metric *metric_of_counter(int counter_id)
{
	for (const struct metric *m = metrics; m->name; m++)
		if (m->counter == counter_id + 1)
			return m;
	return NULL;
}

/* Harness metrics' descriptors, made once per name and kept until exit. */
static struct harness_metric {
	struct metric m;
	struct harness_metric *next;
} *harness_metrics;

const struct metric *metric_lookup(const char *name)
{
	const struct metric *m = metric_find(name);
	struct harness_metric *h;
	struct strbuf why = STRBUF_INIT;
	int bad;
	if (m || !name)
		return m;
	for (h = harness_metrics; h; h = h->next)
		if (!strcmp(h->m.name, name))
			return &h->m;
	bad = hmetric_name_check(name, &why);
	strbuf_release(&why);
	if (bad)
		return NULL;
	h = xcalloc(1, sizeof(*h));
	h->m.name = xstrdup(name);
	h->m.title = xstrfmt("harness metric '%s'", name);
	h->m.heading = xstrfmt("Harness metric %s", name);
	/* names are [A-Za-z0-9_.-]: nothing to quote */
	h->m.run_sql = xstrfmt("(SELECT value FROM run_metrics WHERE run_id = runs.id AND "
			       "name = '%s')",
			       name);
	h->m.unit = "";
	h->m.kind = METRIC_HARNESS;
	h->m.cost = 1;
	h->m.verdict = 1;
	h->next = harness_metrics;
	harness_metrics = h;
	return &h->m;
}

const struct metric *metric_of_doc(json_t *doc)
{
	const struct metric *m = metric_lookup(json_string_value(json_object_get(doc, "metric")));
	return m ? m : METRIC_WALL;
}

size_t metric_side_runs(json_t *side)
{
	return json_array_size(json_object_get(side, "wall")) +
	       json_array_size(json_object_get(json_object_get(side, "valgrind"), "wall"));
}

size_t metric_side_values(const struct metric *m, json_t *side, double *out)
{
	size_t n = json_array_size(json_object_get(side, "wall"));
	json_t *series = json_object_get(json_object_get(side, "metrics"), m->name);
	if (!series && m->kind != METRIC_TIME) {
		/* instructions counted by valgrind are in its runs' arrays */
		series = json_object_get(
		    json_object_get(json_object_get(side, "valgrind"), "metrics"), m->name);
		if (series)
			n = json_array_size(series);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *v;
		if (m == METRIC_WALL) {
			v = json_array_get(json_object_get(side, "wall"), i);
		} else if (m == METRIC_CPU) {
			json_t *u = json_array_get(json_object_get(side, "user"), i);
			json_t *s = json_array_get(json_object_get(side, "sys"), i);
			out[i] = json_is_number(u) && json_is_number(s)
					 ? json_number_value(u) + json_number_value(s)
					 : NAN;
			continue;
		} else {
			v = json_array_get(series, i);
		}
		out[i] = json_is_number(v) ? json_number_value(v) : NAN;
	}
	return n;
}

const char *format_seconds(double s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "?");
	else if (s < 10)
		snprintf(buf, len, "%.3fs", s);
	else if (s < 100)
		snprintf(buf, len, "%.2fs", s);
	else if (s < 600)
		snprintf(buf, len, "%.1fs", s);
	else
		snprintf(buf, len, "%dm%02ds", (int)s / 60, (int)s % 60);
	return buf;
}

const char *format_count(double v, char *buf, size_t len)
{
	char digits[32], out[48];
	size_t n, k = 0;
	if (!isfinite(v) || fabs(v) >= 1e18) {
		snprintf(buf, len, "%g", v);
		return buf;
	}
	n = (size_t)snprintf(digits, sizeof(digits), "%.0f", fabs(v));
	if (v < 0 && llround(v) != 0)
		out[k++] = '-';
	for (size_t i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[k++] = ',';
		out[k++] = digits[i];
	}
	out[k] = '\0';
	snprintf(buf, len, "%s", out);
	return buf;
}

static const char *format_scaled(double v, char *buf, size_t len)
{
	static const struct {
		double at;
		const char *suffix;
	} scale[] = { { 1e12, "T" }, { 1e9, "G" }, { 1e6, "M" }, { 1e3, "k" } };
	for (size_t i = 0; i < ARRAY_SIZE(scale); i++) {
		if (fabs(v) < scale[i].at)
			continue;
		double x = v / scale[i].at;
		snprintf(buf, len,
			 fabs(x) < 10 ? "%.2f %s" : fabs(x) < 100 ? "%.1f %s" : "%.0f %s", x,
			 scale[i].suffix);
		return buf;
	}
	snprintf(buf, len, "%.0f", v);
	return buf;
}

const char *metric_format(const struct metric *m, double v, char *buf, size_t len)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (m->kind == METRIC_TIME)
		format_seconds(!strcmp(m->unit, "ns") ? v / 1e9 : v, buf, len);
	else if (m->kind == METRIC_COUNT)
		format_scaled(v, buf, len);
	else
		snprintf(buf, len, "%.6g", v);
	return buf;
}

int metric_side_median(struct ledger *l, const struct metric *m, int64_t bench, char side,
		       double *out, struct strbuf *err)
{
	char *sql = xstrfmt("SELECT %s FROM runs WHERE bench_id = ? AND side = ? AND warmup = 0 "
			    "AND status = 0 AND %s IS NOT NULL",
			    m->run_sql, m->run_sql);
	char sides[2] = { side, '\0' };
	sqlite3_stmt *st = ledger_query(l, err, sql, "it", bench, sides);
	double *x = NULL;
	size_t n = 0, alloc = 0;
	int rc;
	free(sql);
	*out = NAN;
	if (!st)
		return -1;
	while ((rc = ledger_step(l, st, err)) > 0) {
		ALLOC_GROW(x, n + 1, alloc);
		x[n++] = sqlite3_column_double(st, 0);
	}
	sqlite3_finalize(st);
	if (rc == 0 && n)
		*out = median_of(x, n);
	free(x);
	return rc < 0 ? -1 : 0;
}
