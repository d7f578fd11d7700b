/*
 * harness-metrics.h: metrics a benchmark harness reports about its own run, as
 * numbers perfloop can judge like wall time.
 *
 * Two sources, merged into one name -> value set per run:
 *  - a `[metrics]` rule `NAME = REGEX`: an extended POSIX regex with exactly
 *    one capture group, matched against the run's output (stdout then stderr
 *    bytes). The output is searched line by line ('\n' ends a line, a
 *    trailing '\r' is dropped, a NUL byte also ends a line, so binary output
 *    is safe and ^ and $ anchor at line ends). The LAST match wins: the last
 *    line that matches, and in it the last match, so a harness printing
 *    progress and then a final figure is read at its final figure. The
 *    captured text, blanks trimmed, must be a whole finite number.
 *  - the metrics file: the harness writes `NAME VALUE` lines to the file
 *    named by $PERFLOOP_METRICS_FILE. Blank lines and lines starting with
 *    '#' are ignored; at most 1 MiB. A name given twice is an error (it is
 *    what a harness appending to a stale file would produce, and nothing
 *    says which value is meant).
 * A name comes from one source only: the same name from the file and a
 * regex is an error.
 *
 * Names: 1 to 64 characters of [A-Za-z0-9_.-], not one of perfloop's own
 * metrics (wall, cpu, user, sys, rss, and the counters' names; compared
 * ignoring case).
 */
#ifndef HARNESS_METRICS_H
#define HARNESS_METRICS_H

#include <regex.h>
#include <stddef.h>

#include "strbuf.h"

#define HMETRIC_NAME_MAX  64
#define HMETRICS_FILE_MAX (1u << 20)
/* The variable naming the metrics file in the harness's environment. */
#define HMETRICS_FILE_ENV "PERFLOOP_METRICS_FILE"

/* Is name usable for a harness metric? -1 with err saying why not. */
int hmetric_name_check(const char *name, struct strbuf *err);

struct hmetric_rule {
	char *name;
	char *pattern;
	regex_t re;
};

struct hmetric_rules {
	struct hmetric_rule *v;
	size_t nr, alloc;
};

#define HMETRIC_RULES_INIT                                                                         \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/*
 * Add `name = regex` (a [metrics] line): checks the name, that it is not
 * defined yet, and that the regex compiles with exactly one capture group.
 * The error names the metric: "metric 'parse_ms': the regex has 2 capture
 * groups; it needs exactly one, around the number".
 */
int hmetric_rules_add(struct hmetric_rules *rules, const char *name, const char *regex,
		      struct strbuf *err);
void hmetric_rules_release(struct hmetric_rules *rules);

struct hmetric_value {
	char *name;
	double value;
	int line; /* line of the metrics file, 0 when from a regex */
};

struct hmetric_set {
	struct hmetric_value *v;
	size_t nr, alloc;
	int file_found; /* hmetrics_file_read() found the file */
};

#define HMETRIC_SET_INIT                                                                           \
	{                                                                                          \
		NULL, 0, 0, 0                                                                      \
	}

/* The value's entry, or NULL. */
const struct hmetric_value *hmetric_set_get(const struct hmetric_set *set, const char *name);
/* Set name to value (replacing an existing one). */
void hmetric_set_put(struct hmetric_set *set, const char *name, double value, int line);
void hmetric_set_release(struct hmetric_set *set);

/*
 * Match a rule against output bytes (may hold NULs). 1 with *value set when
 * it matched, 0 when nothing matched, -1 with err when the last match's
 * group is not a number ("metric 'x': matched 'abc', which is not a number").
 */
int hmetric_extract(const struct hmetric_rule *rule, const char *out, size_t len, double *value,
		    struct strbuf *err);

/*
 * Parse metrics-file text into set (which must not hold these names yet).
 * -1 with err naming the line: "line 3: 'x y' is not a number".
 */
int hmetrics_file_parse(const char *text, size_t len, struct hmetric_set *set, struct strbuf *err);

/*
 * Read and parse the metrics file at path. 1 when read (set->file_found),
 * 0 when it does not exist (the harness wrote none: not an error), -1 with
 * err (the message names the path; too large, unreadable, a bad line).
 */
int hmetrics_file_read(const char *path, struct hmetric_set *set, struct strbuf *err);

/*
 * One run's metrics: the file at file_path (NULL = none expected), then
 * every rule over the output. A rule that does not match adds nothing
 * (see hmetrics_missing()). -1 with err on a bad file, a match that is not a
 * number, or a name both sources give.
 */
int hmetrics_collect(const struct hmetric_rules *rules, const char *out, size_t len,
		     const char *file_path, struct hmetric_set *set, struct strbuf *err);

/*
 * The first of the names in `required` (NULL-terminated: the configured
 * regex metrics, a metric the verdict judges) that the set lacks, or NULL.
 */
const char *hmetrics_missing(const struct hmetric_set *set, const char *const *required);

/*
 * Explain a missing metric in one line: its regex matched nothing, or it was
 * expected from the metrics file, which the harness did or did not write.
 */
void hmetrics_missing_message(const struct hmetric_rules *rules, const struct hmetric_set *set,
			      const char *name, struct strbuf *err);

#endif
