/*
 * test-stats.c: summaries, quantiles and verdicts on synthetic samples.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <cmocka.h>

#include "stats.h"

static void test_summary(void **state)
{
	double x[] = { 3, 1, 2, 10 };
	struct summary s;
	(void)state;
	summarize(x, 4, &s);
	assert_int_equal(s.n, 4);
	assert_float_equal(s.median, 2.5, 1e-12);
	assert_float_equal(s.mean, 4, 1e-12);
	assert_float_equal(s.min, 1, 1e-12);
	assert_float_equal(s.max, 10, 1e-12);
	assert_float_equal(s.stddev, sqrt(((1 + 9 + 4 + 36)) / 3.0), 1e-12);
	summarize(x, 0, &s);
	assert_int_equal(s.n, 0);
	assert_float_equal(median_of(x, 3), 2, 1e-12);
}

static void test_quantiles(void **state)
{
	(void)state;
	assert_float_equal(normal_quantile(0.975), 1.959963985, 1e-8);
	assert_float_equal(normal_quantile(0.5), 0, 1e-12);
	assert_float_equal(normal_quantile(0.001), -3.090232306, 1e-8);
	assert_float_equal(normal_cdf(1.959963985), 0.975, 1e-9);
	/* Student t table values */
	assert_float_equal(t_quantile(0.975, 1), 12.70620474, 1e-6);
	assert_float_equal(t_quantile(0.975, 2), 4.30265273, 1e-7);
	assert_float_equal(t_quantile(0.95, 5), 2.01504837, 1e-7);
	assert_float_equal(t_quantile(0.975, 30), 2.04227246, 1e-7);
	assert_float_equal(t_quantile(0.025, 10), -2.22813885, 1e-7);
	assert_float_equal(t_quantile(0.975, 2.5), 3.574655, 1e-5); /* fractional df (numeric integration) */
	assert_float_equal(t_cdf(t_quantile(0.9, 7), 7), 0.9, 1e-10);
	assert_true(isinf(t_quantile(1, 3)));
}

static void test_boundaries(void **state)
{
	(void)state;
	/* O'Brien-Fleming: strict early, decreasing, about 1.8 at the last of 3 */
	assert_true(seq_boundary_z(1, 3, 0) > seq_boundary_z(2, 3, 0));
	assert_true(seq_boundary_z(2, 3, 0) > seq_boundary_z(3, 3, 0));
	assert_float_equal(seq_boundary_z(3, 3, 0), 1.8068, 1e-4);
	assert_true(seq_boundary_z(3, 3, 1) < seq_boundary_z(3, 3, 0));
	assert_float_equal(seq_boundary_z(50, 50, 0), 2.0537, 1e-4);
}

static struct verdict_params params(int max_pairs)
{
	struct verdict_params p = { max_pairs, 0.01, 0.03, 0.005, 0, 0, 0 };
	return p;
}

static void test_verdict_faster_slower(void **state)
{
	struct verdict_params p = params(6);
	struct verdict_result r;
	double fast[] = { log(0.90), log(0.91), log(0.895), log(0.905) };
	double slow[] = { log(1.10), log(1.09), log(1.105), log(1.095) };
	(void)state;
	/* one pair, no history: undecided unless far slower */
	assert_int_equal(verdict_eval(&p, fast, 1, &r), VERDICT_CONTINUE);
	assert_int_equal(r.source, NOISE_FLOOR);
	assert_int_equal(verdict_eval(&p, fast, 3, &r), VERDICT_FASTER);
	assert_int_equal(r.source, NOISE_PAIRS);
	assert_true(r.hi < -log1p(0.01));
	assert_int_equal(verdict_eval(&p, slow, 3, &r), VERDICT_SLOWER);
	assert_true(r.lo > log1p(0.01));
	assert_int_equal(r.early_reject, 0);
}

static void test_verdict_same_and_inconclusive(void **state)
{
	struct verdict_params p = params(4);
	struct verdict_result r;
	double same[] = { 0.001, -0.001, 0.0005, -0.0005 };
	double noisy[] = { 0.05, -0.06, 0.04, -0.03 };
	(void)state;
	assert_int_equal(verdict_eval(&p, same, 4, &r), VERDICT_SAME);
	assert_int_equal(r.source, NOISE_FLOOR); /* spread is below the floor */
	assert_int_equal(verdict_eval(&p, noisy, 3, &r), VERDICT_CONTINUE);
	assert_int_equal(verdict_eval(&p, noisy, 4, &r), VERDICT_INCONCLUSIVE);
}

static void test_early_reject(void **state)
{
	struct verdict_params p = params(3);
	struct verdict_result r;
	double awful[] = { log(1.8) };
	double bad[] = { log(1.2) };
	(void)state;
	/* without history only a >= 40% slowdown rejects after one pair */
	assert_int_equal(verdict_eval(&p, awful, 1, &r), VERDICT_SLOWER);
	assert_int_equal(r.early_reject, 1);
	assert_int_equal(verdict_eval(&p, bad, 1, &r), VERDICT_CONTINUE);
	/* with a quiet history, 20% is far beyond noise */
	p.have_history = 1;
	p.hist_sigma = 0.01;
	p.hist_df = 10;
	assert_int_equal(verdict_eval(&p, bad, 1, &r), VERDICT_SLOWER);
	assert_int_equal(r.early_reject, 1);
	assert_int_equal(r.source, NOISE_HISTORY);
	/* but the reject threshold never drops below bench.reject */
	p.hist_sigma = 0.0001;
	bad[0] = log(1.02);
	assert_int_equal(verdict_eval(&p, bad, 1, &r), VERDICT_CONTINUE);
	assert_int_equal(r.early_reject, 0);
	assert_float_equal(r.reject_at, log1p(0.03), 1e-12);
	/* a slow first run that did not use more CPU is a load burst: no early reject */
	{
		double wall[] = { log(1.5) }, cpu_same[] = { log(1.01) }, cpu_more[] = { log(1.45) };
		p.hist_sigma = 0.01;
		assert_int_equal(verdict_eval_cpu(&p, wall, cpu_same, 1, &r), VERDICT_CONTINUE);
		assert_int_equal(r.early_reject, 0);
		assert_int_equal(verdict_eval_cpu(&p, wall, cpu_more, 1, &r), VERDICT_SLOWER);
		assert_int_equal(r.early_reject, 1);
	}
	/* a noisy history raises the threshold */
	p.hist_sigma = 0.10;
	bad[0] = log(1.2);
	assert_int_equal(verdict_eval(&p, bad, 1, &r), VERDICT_CONTINUE);
}

static void test_history_decides_on_three_pairs(void **state)
{
	struct verdict_params p = params(3);
	struct verdict_result r;
	double fast[] = { log(0.9), log(0.905), log(0.9) };
	(void)state;
	p.have_history = 1;
	p.hist_sigma = 0.005;
	p.hist_df = 20;
	/* one or two pairs never say faster, however quiet the history */
	assert_int_equal(verdict_eval(&p, fast, 1, &r), VERDICT_CONTINUE);
	assert_int_equal(verdict_eval(&p, fast, 2, &r), VERDICT_CONTINUE);
	assert_int_equal(r.source, NOISE_HISTORY);
	assert_true(isinf(r.hi));
	assert_int_equal(verdict_eval(&p, fast, 3, &r), VERDICT_FASTER);
	assert_float_equal(r.df, 22, 1e-12); /* history pooled with this bench's pairs */
	assert_int_equal(r.source, NOISE_HISTORY);
	/* --runs 2 with history: nothing but the early reject can decide */
	p.max_pairs = 2;
	assert_int_equal(verdict_eval(&p, fast, 2, &r), VERDICT_INCONCLUSIVE);
}

static void test_f_cdf(void **state)
{
	(void)state;
	/* F(2, n) has the closed form 1 - (1 + 2x/n)^(-n/2) */
	assert_float_equal(f_cdf(3, 2, 7), 0.885437783660932, 1e-10);
	/* F(1, n) is the square of t(n) */
	assert_float_equal(f_cdf(pow(t_quantile(0.95, 7), 2), 1, 7), 0.9, 1e-10);
	assert_float_equal(f_cdf(0, 3, 5), 0, 0);
	assert_float_equal(f_cdf(INFINITY, 3, 5), 1, 0);
}

static void test_regime_change(void **state)
{
	struct verdict_params p = params(6);
	struct verdict_result r;
	/* spread about 1% per pair, as the history; then about 4% */
	double calm[] = { 0.010, -0.005, 0.002, -0.012 };
	double loud[] = { 0.040, -0.035, 0.005, -0.045 };
	(void)state;
	p.have_history = 1;
	p.hist_sigma = 0.01;
	p.hist_df = 7;
	assert_int_equal(verdict_eval(&p, calm, 4, &r), VERDICT_CONTINUE);
	assert_int_equal(r.source, NOISE_HISTORY);
	assert_true(r.regime_p >= VERDICT_REGIME_LEVEL);
	assert_float_equal(r.df, 10, 1e-12);
	assert_float_equal(r.sigma, sqrt((7e-4 + 3 * r.pairs_sigma * r.pairs_sigma) / 10), 1e-12);
	/* the load changed: the pairs alone, with their own degrees of freedom */
	assert_int_equal(verdict_eval(&p, loud, 4, &r), VERDICT_CONTINUE);
	assert_int_equal(r.source, NOISE_PAIRS_OVER_HISTORY);
	assert_true(r.regime_p < VERDICT_REGIME_LEVEL);
	assert_float_equal(r.sigma, r.pairs_sigma, 0);
	assert_true(r.pairs_sigma > 0.035);
	assert_float_equal(r.df, 3, 0);
	assert_string_equal(noise_source_name(r.source), "pairs (history too quiet)");
	/* the p-value is the upper tail of F(3, 7) at s^2 / sigma_hist^2 */
	assert_float_equal(r.regime_p, 1 - f_cdf(r.pairs_sigma * r.pairs_sigma / 1e-4, 3, 7),
			   1e-12);
}

/*
 * The motivating false keep: cpu metric, a quiet A/A history (0.6% per pair,
 * 7 df), three pairs spreading 1.8% with a mean ratio of 0.976. Pooled, they
 * gave "faster, x0.976 [0.965, 0.987]"; the change was x0.991 measured alone.
 */
static void test_quiet_history_false_keep(void **state)
{
	struct verdict_params p = params(3);
	struct verdict_result r;
	double d[] = { -0.0425, -0.0243, -0.0061 };
	(void)state;
	p.have_history = 1;
	p.hist_sigma = 0.006;
	p.hist_df = 7;
	assert_int_not_equal(verdict_eval(&p, d, 3, &r), VERDICT_FASTER);
	assert_int_equal(r.verdict, VERDICT_INCONCLUSIVE);
	assert_int_equal(r.source, NOISE_PAIRS_OVER_HISTORY);
	/* F = 9.2 on (2, 7) df: p = (1 + 2F/7)^(-7/2) */
	assert_float_equal(r.regime_p, pow(1 + 2 * 9.20111111111111 / 7, -3.5), 1e-9);
	assert_float_equal(exp(r.mean), 0.975992867973446, 1e-12);
	/* the pairs' own interval on 2 df, no-history boundary */
	assert_float_equal(exp(r.lo), 0.940198846396255, 1e-6);
	assert_float_equal(exp(r.hi), 1.013149592754942, 1e-6);
}

static void test_early_reject_allows_for_load_change(void **state)
{
	struct verdict_params p = params(3);
	struct verdict_result r;
	double tenth[] = { log(1.1) }, half[] = { log(1.5) };
	(void)state;
	p.have_history = 1;
	p.hist_sigma = 0.01;
	p.hist_df = 10;
	/* 10% is ten sigmas of this history, but not of five times its noise */
	assert_int_equal(verdict_eval(&p, tenth, 1, &r), VERDICT_CONTINUE);
	assert_float_equal(r.reject_at, log1p(0.01) + 5 * 0.01 * 3.169272672616951, 1e-9);
	/* a noisy history never makes the early reject stricter than none */
	p.hist_sigma = 0.10;
	assert_int_equal(verdict_eval(&p, half, 1, &r), VERDICT_SLOWER);
	assert_float_equal(r.reject_at, log1p(BLIND_REJECT), 1e-12);
}

static void test_mde(void **state)
{
	struct verdict_params p = params(3);
	(void)state;
	/* values from an independent computation (mpmath) of the documented formula */
	assert_float_equal(verdict_mde(&p, 0.02, 7, 3, 0.8), 0.0475970031524431, 1e-9);
	assert_float_equal(verdict_mde(&p, 0.02, 7, 6, 0.8), 0.0366513352852021, 1e-9);
	assert_float_equal(verdict_mde(&p, 0.02, 0, 6, 0.8), 0.0387654447519714, 1e-9);
	/* without history the floor is the least noise */
	assert_float_equal(verdict_mde(&p, 0.001, 0, 3, 0.8), 0.0254905198267701, 1e-9);
	/* too few pairs to decide */
	assert_true(isinf(verdict_mde(&p, 0.02, 7, 2, 0.8)));
	assert_true(isinf(verdict_mde(&p, 0.02, 0, 1, 0.8)));
	assert_true(verdict_mde(&p, 0.02, 7, 20, 0.8) < verdict_mde(&p, 0.02, 7, 10, 0.8));
}

static void test_pairs_needed(void **state)
{
	struct verdict_params p = params(3);
	(void)state;
	/* mde at 4, 5 pairs: 4.26%, 3.92% */
	assert_int_equal(verdict_pairs_needed(&p, 0.02, 7, 0.04, 0.8), 5);
	assert_int_equal(verdict_pairs_needed(&p, 0.02, 7, 0.0476, 0.8), 3);
	assert_int_equal(verdict_pairs_needed(&p, 0.02, 7, 0.0475, 0.8), 4);
	/* the margin itself, or less, is never detected */
	assert_int_equal(verdict_pairs_needed(&p, 0.02, 7, 0.01, 0.8), 0);
	assert_int_equal(verdict_pairs_needed(&p, 0.02, 7, 0.005, 0.8), 0);
	/* more pairs than the plan allows */
	assert_int_equal(verdict_pairs_needed(&p, 0.5, 0, 0.0101, 0.8), 0);
}

static void test_pairs_table(void **state)
{
	struct verdict_params p = params(3);
	struct verdict_params hist = p;
	int needed[CALIBRATE_EFFECTS], k3 = -1;
	(void)state;
	/* calibrate plans for 1%, 2%, 3% and 5%, in that order */
	assert_int_equal(CALIBRATE_EFFECTS, 4);
	for (int k = 0; k < CALIBRATE_EFFECTS; k++)
		if (calibrate_effects[k] == 0.03)
			k3 = k;
	assert_int_equal(k3, 2);
	/* p's own history (none here) is replaced by the given one */
	verdict_pairs_table(&p, 0.02, 7, needed);
	hist.have_history = 1;
	hist.hist_sigma = 0.02;
	hist.hist_df = 7;
	for (int k = 0; k < CALIBRATE_EFFECTS; k++)
		assert_int_equal(needed[k], verdict_pairs_needed(&hist, 0.02, 7,
								 calibrate_effects[k], VERDICT_POWER));
	/* the margin is never detected; 3% needs more pairs than 5% and fewer than 2% */
	assert_int_equal(needed[0], 0);
	assert_true(needed[1] > needed[2] && needed[2] > needed[3] && needed[3] > 0);
	assert_true(verdict_mde(&hist, 0.02, 7, needed[2], VERDICT_POWER) <= 0.03);
	assert_true(verdict_mde(&hist, 0.02, 7, needed[2] - 1, VERDICT_POWER) > 0.03);
	/* a count that never varies (valgrind): three pairs, the least with history */
	verdict_pairs_table(&p, 0, 5, needed);
	assert_int_equal(needed[0], 0);
	for (int k = 1; k < CALIBRATE_EFFECTS; k++)
		assert_int_equal(needed[k], 3);
}

static void test_plan(void **state)
{
	struct verdict_params p = params(3);
	struct verdict_plan plan;
	(void)state;
	/* without history: the floor, a best case */
	verdict_plan(&p, 3, &plan);
	assert_int_equal(plan.history, 0);
	assert_float_equal(plan.sigma, p.floor, 1e-15);
	assert_float_equal(plan.mde, verdict_mde(&p, p.floor, 0, 3, VERDICT_POWER), 1e-15);
	/* with history: its sigma and degrees of freedom */
	p.have_history = 1;
	p.hist_sigma = 0.02;
	p.hist_df = 7;
	verdict_plan(&p, 3, &plan);
	assert_int_equal(plan.history, 1);
	assert_float_equal(plan.mde, 0.0475970031524431, 1e-9);
	/* 4.76% is above twice the 1% margin: warned, with the pairs that detect 2% */
	assert_float_equal(plan.target, 0.02, 1e-15);
	assert_int_equal(plan.warn, 1);
	assert_int_equal(plan.needed, verdict_pairs_needed(&p, 0.02, 7, 0.02, VERDICT_POWER));
	assert_true(plan.needed > 3);
	assert_true(verdict_mde(&p, 0.02, 7, plan.needed, VERDICT_POWER) <= 0.02);
	/* quiet enough: no warning */
	p.hist_sigma = 0.001;
	verdict_plan(&p, 6, &plan);
	assert_int_equal(plan.warn, 0);
	assert_int_equal(plan.needed, 0);
	/* two pairs with history decide nothing */
	verdict_plan(&p, 2, &plan);
	assert_true(isinf(plan.mde) && plan.warn);
}

/* Cross-checks: an interval per metric, and when it contradicts a verdict. */
static void test_cross_check(void **state)
{
	struct verdict_params h = { 0 };
	struct cross_check cc;
	double up[] = { 0.05, 0.06, 0.04 }, flat[] = { 0.001, -0.002, 0.0005 };
	(void)state;
	h.floor = 0.005;
	/* without history: the pairs' spread on n-1 df, but not calibrated */
	cross_check_eval(up, 3, &h, 1, &cc);
	assert_int_equal(cc.calibrated, 0);
	assert_int_equal(cc.source, NOISE_PAIRS);
	assert_float_equal(cc.df, 2, 1e-12);
	assert_float_equal(cc.sigma, 0.01, 1e-12);
	assert_float_equal(cc.hi - cc.mean, t_quantile(0.975, 2) * 0.01 / sqrt(3), 1e-12);
	assert_true(cc.lo > 0);
	assert_int_equal(cross_check_contradicts(VERDICT_FASTER, &cc), 0);
	/* one pair without history: no interval */
	cross_check_eval(up, 1, &h, 1, &cc);
	assert_true(isinf(cc.lo) && cc.level == 0);

	/* with history: pooled, and a contradiction of 'faster' when it is clearly above 0 */
	h.have_history = 1;
	h.hist_sigma = 0.01;
	h.hist_df = 14;
	cross_check_eval(up, 3, &h, 1, &cc);
	assert_int_equal(cc.calibrated, 1);
	assert_int_equal(cc.source, NOISE_HISTORY);
	assert_float_equal(cc.df, 16, 1e-12);
	assert_float_equal(cc.sigma, sqrt((0.0001 * 14 + 0.0002) / 16), 1e-12);
	assert_true(cc.lo > 0);
	assert_int_equal(cross_check_contradicts(VERDICT_FASTER, &cc), 1);
	assert_int_equal(cross_check_contradicts(VERDICT_SLOWER, &cc), 0);
	assert_int_equal(cross_check_contradicts(VERDICT_SAME, &cc), 0);
	assert_int_equal(cross_check_contradicts(VERDICT_INCONCLUSIVE, &cc), 0);
	/* Bonferroni: with more calibrated cross-checks each interval is wider */
	{
		struct cross_check wide;
		cross_check_eval(up, 3, &h, 4, &wide);
		assert_float_equal(wide.level, 1 - 0.05 / 4, 1e-12);
		assert_true(wide.hi - wide.lo > cc.hi - cc.lo);
	}
	/* flat: no contradiction either way */
	cross_check_eval(flat, 3, &h, 1, &cc);
	assert_int_equal(cross_check_contradicts(VERDICT_FASTER, &cc), 0);
	assert_int_equal(cross_check_contradicts(VERDICT_SLOWER, &cc), 0);
	/* the mirror image contradicts 'slower' */
	{
		double down[] = { -0.05, -0.06, -0.04 };
		cross_check_eval(down, 3, &h, 1, &cc);
		assert_int_equal(cross_check_contradicts(VERDICT_SLOWER, &cc), 1);
		assert_int_equal(cross_check_contradicts(VERDICT_FASTER, &cc), 0);
	}
	/* fewer than 3 pairs: the history's sigma x VERDICT_REGIME_GUARD */
	cross_check_eval(up, 1, &h, 1, &cc);
	assert_float_equal(cc.sigma, VERDICT_REGIME_GUARD * 0.01, 1e-12);
	assert_float_equal(cc.df, 14, 1e-12);
	/* pairs far noisier than the history: judged by the pairs */
	{
		double wild[] = { 0.30, -0.25, 0.28, -0.2 };
		cross_check_eval(wild, 4, &h, 1, &cc);
		assert_int_equal(cc.source, NOISE_PAIRS_OVER_HISTORY);
		assert_float_equal(cc.df, 3, 1e-12);
		assert_int_equal(cc.calibrated, 1);
	}
	/* never below the floor, even with a history of zero noise */
	h.hist_sigma = 0;
	cross_check_eval(flat, 3, &h, 1, &cc);
	assert_true(cc.sigma >= h.floor);
}

static void test_noise_pool(void **state)
{
	struct noise_pool np = { 0, 0 };
	double a[] = { 1, 3 }, b[] = { 2, 4, 6 };
	(void)state;
	noise_pool_add(&np, a, 2);
	noise_pool_add(&np, b, 3);
	noise_pool_add(&np, b, 1); /* one value adds nothing */
	assert_float_equal(np.df, 3, 1e-12);
	assert_float_equal(np.ss, 2 + 8, 1e-12);
	assert_float_equal(noise_pool_sigma(&np), sqrt(10.0 / 3), 1e-12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_verdict_faster_slower),
		cmocka_unit_test(test_verdict_same_and_inconclusive),
		cmocka_unit_test(test_early_reject),
		cmocka_unit_test(test_history_decides_on_three_pairs),
		cmocka_unit_test(test_f_cdf),
		cmocka_unit_test(test_regime_change),
		cmocka_unit_test(test_quiet_history_false_keep),
		cmocka_unit_test(test_early_reject_allows_for_load_change),
		cmocka_unit_test(test_mde),
		cmocka_unit_test(test_pairs_needed),
		cmocka_unit_test(test_pairs_table),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_cross_check),
		cmocka_unit_test(test_noise_pool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
