/*
 * bench/verdicts.c: simulate perfloop's sequential verdict procedure on
 * synthetic log-normal run times and print its error rates.
 *
 * For each noise level (per-run CV), true effect and --runs setting, many
 * trials run the exact verdict code of src/stats.c: pairs are drawn one at a
 * time until it decides. Two noise sources are simulated: an A/A history of
 * `calibrate-pairs` pairs (what `perfloop calibrate` stores), and none (the
 * pairs themselves with the floor). A third table calibrates at CV 1% and then
 * runs at a higher CV: the load changed, and the history is too quiet.
 *
 * Hard targets: false 'faster' <= 5% whenever the effect is >= 0, false
 * 'slower' (early reject included) <= 5% whenever it is <= 0.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "util.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static double uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(void)
{
	static int have;
	static double spare;
	double u, v, r;
	if (have) {
		have = 0;
		return spare;
	}
	u = uniform();
	v = uniform();
	r = sqrt(-2 * log(u));
	spare = r * sin(2 * M_PI * v);
	have = 1;
	return r * cos(2 * M_PI * v);
}

/* log of one run time with per-run coefficient of variation cv */
static double run_log(double cv)
{
	double s = sqrt(log1p(cv * cv));
	return s * gauss();
}

/* one simulated bench: fills r with the verdict at the pair it stopped */
static void simulate(int runs, double hist_cv, int hist_pairs, double cv, double effect,
		     struct verdict_result *r)
{
	struct verdict_params p = { runs, 0.01, 0.03, 0.005, 0, 0, 0 };
	double d[64];
	if (hist_pairs) {
		struct noise_pool np = { 0, 0 };
		double h[64];
		for (int i = 0; i < hist_pairs; i++)
			h[i] = run_log(hist_cv) - run_log(hist_cv);
		noise_pool_add(&np, h, (size_t)hist_pairs);
		p.have_history = 1;
		p.hist_sigma = noise_pool_sigma(&np);
		p.hist_df = np.df;
	}
	for (int n = 1; n <= runs; n++) {
		d[n - 1] = log1p(effect) + run_log(cv) - run_log(cv);
		if (verdict_eval(&p, d, n, r) != VERDICT_CONTINUE)
			break;
	}
}

/* share of trials judged faster within `within` pairs */
static double power_of(int trials, int runs, double hist_cv, int hist_pairs, double cv,
		       double effect, int within)
{
	int hits = 0;
	for (int t = 0; t < trials; t++) {
		struct verdict_result r;
		simulate(runs, hist_cv, hist_pairs, cv, effect, &r);
		hits += r.verdict == VERDICT_FASTER && r.n <= within;
	}
	return 100.0 * hits / trials;
}

/* one table row; returns 1 when a hard target is missed */
static int cell(int trials, int runs, double hist_cv, int hist_pairs, double cv, double effect)
{
	int count[5] = { 0 }, early = 0, over = 0;
	long pairs = 0;
	double f, s;
	for (int t = 0; t < trials; t++) {
		struct verdict_result r;
		simulate(runs, hist_cv, hist_pairs, cv, effect, &r);
		count[r.verdict]++;
		pairs += r.n;
		early += r.early_reject;
	}
	f = 100.0 * count[VERDICT_FASTER] / trials;
	s = 100.0 * count[VERDICT_SLOWER] / trials;
	over = (effect >= 0 && f > 5) || (effect <= 0 && s > 5);
	printf("%5d %5.0f%% %+6.0f%% | %7.2f%% %7.2f%% %6.2f%% %6.2f%% | %6.2f %5.2f%%%s\n", runs,
	       cv * 100, effect * 100, f, s, 100.0 * count[VERDICT_SAME] / trials,
	       100.0 * count[VERDICT_INCONCLUSIVE] / trials, (double)pairs / trials,
	       100.0 * early / trials, over ? "  <-- over target" : "");
	return over;
}

static void header(const char *what)
{
	printf("noise from %s\n", what);
	printf("%5s %6s %7s | %8s %8s %7s %7s | %6s %6s\n", "runs", "cv", "effect", "faster",
	       "slower", "same", "inconc", "pairs", "early");
}

int main(int argc, char **argv)
{
	static const double cvs[] = { 0.02, 0.05, 0.10 };
	static const double effects[] = { -0.05, -0.02, 0, 0.02, 0.05 };
	static const double load_cvs[] = { 0.02, 0.03, 0.05 };
	static const double load_effects[] = { -0.02, 0, 0.02 };
	static const int runs[] = { 3, 6 };
	int trials = argc > 1 ? atoi(argv[1]) : 20000;
	int hist_pairs = 8, fails = 0;

	printf("verdict simulation: %d trials per cell, margin 1%%, reject 3%%, floor 0.5%%, "
	       "history = one calibration of %d A/A pairs\n\n", trials, hist_pairs);
	for (int mode = 0; mode < 2; mode++) {
		int hp = mode ? 0 : hist_pairs;
		header(mode ? "the pairs (no A/A history)" : "A/A history");
		for (size_t ri = 0; ri < ARRAY_SIZE(runs); ri++)
			for (size_t ci = 0; ci < ARRAY_SIZE(cvs); ci++)
				for (size_t ei = 0; ei < ARRAY_SIZE(effects); ei++)
					fails += cell(trials, runs[ri], cvs[ci], hp, cvs[ci],
						      effects[ei]);
		printf("\n");
	}
	/* the load changed after the calibration: the history is too quiet */
	header("A/A history at CV 1%, runs at a higher CV (the load changed)");
	for (size_t ri = 0; ri < ARRAY_SIZE(runs); ri++)
		for (size_t ci = 0; ci < ARRAY_SIZE(load_cvs); ci++)
			for (size_t ei = 0; ei < ARRAY_SIZE(load_effects); ei++)
				fails += cell(trials, runs[ri], 0.01, hist_pairs, load_cvs[ci],
					      load_effects[ei]);
	printf("\n");

	printf("aim: true -5%% at CV 2%% (history, --runs 3) judged faster within 3 pairs: %.1f%% "
	       "(aim >= 80%%)\n", power_of(trials, 3, 0.02, hist_pairs, 0.02, -0.05, 3));
	/* the same cell with more A/A history pooled (several calibrations) */
	for (int h = 16; h <= 64; h *= 2)
		printf("     with %d A/A pairs of history: %.1f%%\n", h,
		       power_of(trials, 3, 0.02, h, 0.02, -0.05, 3));

	/* the planning figure against the simulation, at 80% power */
	printf("\nminimum detectable effect (verdict_mde, %.0f%% power) against the simulated "
	       "power at it:\n", VERDICT_POWER * 100);
	for (int mode = 0; mode < 2; mode++)
		for (size_t ci = 0; ci < 2; ci++)
			for (size_t ri = 0; ri < ARRAY_SIZE(runs); ri++) {
				struct verdict_params p = { runs[ri], 0.01, 0.03, 0.005, 0, 0, 0 };
				double sigma = M_SQRT2 * sqrt(log1p(cvs[ci] * cvs[ci]));
				double mde = verdict_mde(&p, sigma, mode ? 0 : hist_pairs - 1,
							 runs[ri], VERDICT_POWER);
				printf("  %-10s CV %2.0f%%: %d pairs at %.1f%% per pair detect >= "
				       "%4.1f%%; simulated: %.1f%%\n",
				       mode ? "no history" : "history", cvs[ci] * 100, runs[ri],
				       sigma * 100, mde * 100,
				       power_of(trials, runs[ri], cvs[ci], mode ? 0 : hist_pairs,
						cvs[ci], 1 / (1 + mde) - 1, runs[ri]));
			}
	printf("\nhard targets: %s\n", fails ? "MISSED" : "met in every cell");
	return fails ? 1 : 0;
}
