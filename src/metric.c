/*
 * metric.c: the metrics a verdict can judge, and reading their values.
 */
#include "metric.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "banned.h"

const struct metric metrics[] = {
	{ "wall", "wall time", "End-to-end wall time", "wall", { "wall", NULL }, "s" },
	{ "cpu", "user+sys CPU time", "User+sys CPU time", "user + sys", { "user", "sys" }, "s" },
	{ NULL, NULL, NULL, NULL, { NULL, NULL }, NULL },
};

const struct metric *metric_find(const char *name)
{
	for (const struct metric *m = metrics; name && m->name; m++)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

const struct metric *metric_of_doc(json_t *doc)
{
	const struct metric *m = metric_find(json_string_value(json_object_get(doc, "metric")));
	return m ? m : &metrics[0];
}

size_t metric_side_values(const struct metric *m, json_t *side, double *out)
{
	size_t n = json_array_size(json_object_get(side, "wall"));
	for (size_t i = 0; i < n; i++) {
		out[i] = 0;
		for (size_t k = 0; k < 2 && m->doc_keys[k]; k++)
			out[i] += json_number_value(
				json_array_get(json_object_get(side, m->doc_keys[k]), i));
	}
	return n;
}

int metric_side_median(struct ledger *l, const struct metric *m, int64_t bench, char side,
		       double *out, struct strbuf *err)
{
	char *sql = xstrfmt("SELECT %s FROM runs WHERE bench_id = ? AND side = ? AND warmup = 0 "
			    "AND status = 0",
			    m->run_sql);
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
