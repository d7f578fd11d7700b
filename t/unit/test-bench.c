/*
 * test-bench.c: the noise history a bench pools (bench.c): the newest
 * calibrations of this bench on this host, from a real ledger.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bench.h"
#include "metric.h"
#include "ledger.h"
#include "util.h"

static char *dir; /* the ledger's directory, made by setup() */

static int setup(void **state)
{
	(void)state;
	dir = xstrdup("/tmp/perfloop-bench-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	int ret = remove_tree(dir);
	(void)state;
	free(dir);
	return ret;
}

static char *path_in(const char *name)
{
	return xstrfmt("%s/%s", dir, name);
}

static void test_calibration_pooling(void **state)
{
	char *p = path_in("cal.db");
	struct strbuf err = STRBUF_INIT;
	struct ledger *l = ledger_open(p, 0, &err);
	double sigma, df;
	(void)state;
	assert_non_null(l);
	assert_int_equal(bench_noise_history(l, "k", "wall", 0, 5, &sigma, &df, &err), 0);
	for (int i = 0; i < 7; i++)
		assert_int_equal(ledger_exec(l, &err, "INSERT INTO calibrations(key, host, pairs, ss, df, "
					     "sigma, created) VALUES (?,?,?,?,?,?,?)",
					     "ttidddd", "k", host_name(), (int64_t)5,
					     i < 2 ? 100.0 : 4.0, 4.0, 1.0, (double)i),
				 0);
	/* another host's and another bench's history do not count */
	assert_int_equal(ledger_exec(l, &err, "INSERT INTO calibrations(key, host, pairs, ss, df, "
				     "sigma, created) VALUES ('k', 'elsewhere', 5, 1e6, 4, 1, 0), "
				     "('other', ?, 5, 1e6, 4, 1, 0)", "t", host_name()), 0);
	/* nor another metric's, nor the same metric counted under valgrind */
	assert_int_equal(ledger_exec(l, &err, "INSERT INTO calibrations(key, host, pairs, ss, df, "
				     "sigma, created, metric, tool) VALUES "
				     "('k', ?, 5, 1e6, 4, 1, 9, 'cpu', NULL), "
				     "('k', ?, 5, 36, 4, 1, 9, 'wall', 'valgrind')",
				     "tt", host_name(), host_name()), 0);
	assert_int_equal(bench_noise_history(l, "k", "wall", 0, 5, &sigma, &df, &err), 1);
	/* the five newest: ss 4 each, df 4 each */
	assert_float_equal(df, 20, 1e-12);
	assert_float_equal(sigma, 1.0, 1e-12);
	assert_int_equal(bench_noise_history(l, "k", "wall", 1, 5, &sigma, &df, &err), 1);
	assert_float_equal(sigma, 3.0, 1e-12);
	{
		/* every metric at once, each pooled over its own newest five */
		struct metric_history *h;
		size_t n;
		const struct metric_history *w;
		assert_int_equal(bench_noise_histories(l, "k", 5, &h, &n, &err), 0);
		assert_int_equal(n, 3);
		w = metric_history_find(h, n, metric_find("wall"), 0);
		assert_non_null(w);
		assert_float_equal(w->df, 20, 1e-12);
		assert_float_equal(w->sigma, 1.0, 1e-12);
		assert_float_equal(metric_history_find(h, n, metric_find("cpu"), 0)->sigma,
				   500.0, 1e-9);
		assert_float_equal(metric_history_find(h, n, metric_find("wall"), 1)->sigma, 3.0,
				   1e-12);
		assert_null(metric_history_find(h, n, metric_find("task-clock"), 0));
		metric_histories_free(h, n);
	}
	ledger_close(l);
	strbuf_release(&err);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calibration_pooling),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
