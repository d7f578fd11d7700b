/*
 * bench-print.h: running and printing a bench the same way in every command
 * that shows one (bench, calibrate, try, show); bench-print.c.
 */
#ifndef BENCH_PRINT_H
#define BENCH_PRINT_H

#include <jansson.h>
#include "bench.h"

/* Progress hooks that draw the progress line. */
extern const struct bench_hooks bench_progress_hooks;

/* Print a bench's JSON document as the human table. */
void print_bench_doc(json_t *doc);

/*
 * The plan in words: "3 pairs at 1.80% per pair (wall, A/A history) detect
 * >= 3.1% (80% power)"; and the warning when the margin is far below it,
 * with the pairs that detect target (stats.h, verdict_plan()).
 */
struct metric;
void plan_sentence(int pairs, int history, double sigma, double mde, const struct metric *m,
		   struct strbuf *out);
void plan_warning(int pairs, double mde, double margin, double target, int needed,
		  struct strbuf *out);

/* Write hyperfine's JSON export format for a bench document. 0 or -1. */
int export_hyperfine(json_t *doc, const char *path, struct strbuf *err);

struct bench_request;
struct bench_setup;
struct project;

/*
 * Prepare and run a bench with the progress line, saying what the
 * preparation noted. Returns 0 when it ran to a result; otherwise prints why
 * it stopped and returns the exit code. Dies when it could not run at all.
 * The caller releases s and res either way.
 */
int run_bench(struct project *c, const struct bench_request *req, struct bench_setup *s,
	      struct bench_result *res);

/* Print why a bench stopped (failed, timeout, interrupted); returns the exit code. */
int report_bench_failure(const struct bench_spec *spec, const struct bench_result *res);

#endif
