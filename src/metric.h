/*
 * metric.h: what a bench's verdict judges, per run: wall time, or the
 * harness's user+sys CPU time (bench.metric). The bench document names its
 * metric ("metric"); whoever prints a figure takes it from there and names
 * it, so a CPU verdict is never shown beside wall times as if they agreed.
 *
 * A metric says how to get one run's value from the runs table (run_sql)
 * and from a side of a bench document (the per-run arrays it sums), so a
 * new metric is one more row of the table in metric.c.
 */
#ifndef METRIC_H
#define METRIC_H

#include <jansson.h>
#include <stdint.h>
#include "ledger.h"

struct metric {
	const char *name;        /* bench.metric and the document's "metric": "wall", "cpu" */
	const char *title;       /* in sentences and axis titles: "wall time" */
	const char *heading;     /* a report's heading: "End-to-end wall time" */
	const char *run_sql;     /* one run's value over the columns of the runs table */
	const char *doc_keys[2]; /* per-run arrays of a document's side summed for a value */
	const char *unit;        /* "s": every metric so far is a time in seconds */
};

/* Every metric, the default (wall) first; ends with a NULL name. */
extern const struct metric metrics[];

/* The metric called name, NULL when there is none. */
const struct metric *metric_find(const char *name);

/* A bench document's metric; wall for a document without one (older ledgers). */
const struct metric *metric_of_doc(json_t *doc);

/*
 * The per-run values of metric m in a side of a bench document, in run order,
 * into out (room for json_array_size of the side's "wall"). Returns how many.
 */
size_t metric_side_values(const struct metric *m, json_t *side, double *out);

/*
 * Median of metric m over side 'A' or 'B' of a bench's measured runs (not
 * warm-ups, exit status 0) in the ledger into *out, NAN when there is none.
 * Returns 0, or -1 with err filled when the ledger could not be read.
 */
int metric_side_median(struct ledger *l, const struct metric *m, int64_t bench, char side,
		       double *out, struct strbuf *err);

#endif
