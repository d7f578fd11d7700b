/*
 * metric.h: what a bench records per run and what its verdict can judge.
 *
 * Every run records wall time, user+sys CPU time ("cpu"), the perf_event
 * counters of its process tree (instructions and cycles with a PMU,
 * task-clock, context-switches, cpu-migrations and page-faults always),
 * instructions under valgrind when the verdict asks for them and there is
 * no PMU, and the harness's own metrics ([metrics] regexes and
 * $PERFLOOP_METRICS_FILE). The bench document names the metric its verdict
 * judged ("metric"); whoever prints a figure takes it from there and names
 * it, so an instruction-count verdict is never shown beside wall times as if
 * they agreed.
 *
 * A metric says how to get one run's value from the ledger (run_sql, over
 * the runs table named `runs`, with run_metrics for everything but wall and
 * cpu) and from a side of a bench document; it is one row of the table in
 * metric.c. Harness metrics have the names the configuration gives them:
 * metric_lookup() makes their descriptors on demand.
 */
#ifndef METRIC_H
#define METRIC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "ledger.h"

enum metric_kind {
	METRIC_TIME,    /* seconds (wall, cpu) or nanoseconds (task-clock) */
	METRIC_COUNT,   /* events: instructions, page faults ... */
	METRIC_HARNESS, /* a number the harness reported: unit unknown */
};

struct metric {
	const char *name;    /* bench.metric, the document's "metric", run_metrics.name */
	const char *title;   /* in sentences and axis titles: "wall time" */
	const char *heading; /* a report's heading: "End-to-end wall time" */
	const char *run_sql; /* one run's value over the runs table (NULL when it has none) */
	const char *unit;    /* "s", "ns", "" (counts), "" (harness metrics) */
	enum metric_kind kind;
	/*
	 * A cost: lower is better and B/A ratios of it judge speed, so it can
	 * be the verdict's metric or contradict it as a cross-check (wall, cpu,
	 * instructions, cycles, task-clock, harness metrics). Context
	 * switches, migrations and page faults are contention signs: shown,
	 * never judged.
	 */
	int cost;
	int verdict; /* bench.metric may name it */
	int counter; /* counter_id + 1 of its perf_event counter, 0 for none */
};

/*
 * The noise floor of counts (instructions) without an explicit
 * bench.noise-floor: 0.01%. Valgrind's counts repeat exactly, a PMU's within
 * a few parts in 10^5 for a single-threaded program; a harness that varies
 * more shows it in its pairs' own spread.
 */
#define METRIC_COUNT_FLOOR 0.0001

/* The built-in metrics, wall first; ends with a NULL name. */
extern const struct metric metrics[];
#define METRIC_WALL (&metrics[0])
#define METRIC_CPU  (&metrics[1])

/* The built-in metric called name, NULL when there is none. */
const struct metric *metric_find(const char *name);

/*
 * A built-in metric, or a harness metric of that name (any name
 * hmetric_name_check() accepts; its descriptor lives until exit). NULL for a
 * name no harness metric can have.
 */
const struct metric *metric_lookup(const char *name);

/* The metric of a counter (enum counter_id). */
const struct metric *metric_of_counter(int counter_id);

/* A bench document's metric; wall for a document without one (older ledgers). */
const struct metric *metric_of_doc(json_t *doc);

/*
 * The per-run values of metric m in a side of a bench document, in run order,
 * into out (room for metric_side_runs(side)): its native runs, or for
 * instructions counted by valgrind its valgrind runs. A run without a value
 * gives NAN. Returns how many.
 */
size_t metric_side_values(const struct metric *m, json_t *side, double *out);
/* Room metric_side_values() needs: the side's native and valgrind runs. */
size_t metric_side_runs(json_t *side);

/*
 * A value with its unit for tables: times as "1.234s" (task-clock's
 * nanoseconds as seconds), counts as "1.43 G", "12.3 M", "4.56 k" or "812",
 * harness metrics with 4 significant digits. "-" for NAN.
 */
const char *metric_format(const struct metric *m, double v, char *buf, size_t len);
/* Seconds compactly: "1.234s", "12.3s", "2m05s" ("?" when negative). */
const char *format_seconds(double s, char *buf, size_t len);
/* A count with thousands separators: "1,432,118,907". */
const char *format_count(double v, char *buf, size_t len);

/*
 * Median of metric m over side 'A' or 'B' of a bench's measured runs (not
 * warm-ups, exit status 0, with a value) in the ledger into *out, NAN when
 * there is none. Returns 0, or -1 with err filled when the ledger could not
 * be read.
 */
int metric_side_median(struct ledger *l, const struct metric *m, int64_t bench, char side,
		       double *out, struct strbuf *err);

#endif
