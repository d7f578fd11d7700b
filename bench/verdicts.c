/*
 * bench/verdicts.c: simulate perfloop's sequential verdict procedure on
 * synthetic log-normal run times and print its error rates.
 *
 * For each noise level (per-run CV), true effect and --runs setting, many
 * trials run the exact verdict code of src/stats.c: pairs are drawn one at a
 * time until it decides. Two noise sources are simulated: an A/A history of
 * `calibrate-pairs` pairs (what `perfloop calibrate` stores), and none (the
 * pairs themselves with the floor).
 *
 * Hard targets: false 'faster' <= 5% whenever the effect is >= 0, false
 * 'slower' (early reject included) <= 5% whenever it is <= 0.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/stats.h"

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

int main(int argc, char **argv)
{
	static const double cvs[] = { 0.02, 0.05, 0.10 };
	static const double effects[] = { -0.05, -0.02, 0, 0.02, 0.05 };
	static const int runs[] = { 3, 6 };
	int trials = argc > 1 ? atoi(argv[1]) : 20000;
	int hist_pairs = 8, fails = 0;
	double aim = 0;

	printf("verdict simulation: %d trials per cell, margin 1%%, reject 3%%, floor 0.5%%, "
	       "history = one calibration of %d A/A pairs\n\n", trials, hist_pairs);
	for (int mode = 0; mode < 2; mode++) {
		printf("noise from %s\n", mode ? "the pairs (no A/A history)" : "A/A history");
		printf("%5s %6s %7s | %8s %8s %7s %7s | %6s %6s\n", "runs", "cv", "effect", "faster",
		       "slower", "same", "inconc", "pairs", "early");
		for (size_t ri = 0; ri < 2; ri++) {
			for (size_t ci = 0; ci < 3; ci++) {
				for (size_t ei = 0; ei < 5; ei++) {
					int count[5] = { 0 }, early = 0, within3 = 0;
					long pairs = 0;
					for (int t = 0; t < trials; t++) {
						struct verdict_params p = { runs[ri], 0.01, 0.03, 0.005, 0, 0, 0 };
						struct verdict_result r;
						double d[64];
						if (!mode) {
							struct noise_pool np = { 0, 0 };
							double h[64];
							for (int i = 0; i < hist_pairs; i++)
								h[i] = run_log(cvs[ci]) - run_log(cvs[ci]);
							noise_pool_add(&np, h, (size_t)hist_pairs);
							p.have_history = 1;
							p.hist_sigma = noise_pool_sigma(&np);
							p.hist_df = np.df;
						}
						for (int n = 1; n <= runs[ri]; n++) {
							d[n - 1] = log1p(effects[ei]) + run_log(cvs[ci]) -
								   run_log(cvs[ci]);
							if (verdict_eval(&p, d, n, &r) != VERDICT_CONTINUE)
								break;
						}
						count[r.verdict]++;
						pairs += r.n;
						early += r.early_reject;
						within3 += r.verdict == VERDICT_FASTER && r.n <= 3;
					}
					double f = 100.0 * count[VERDICT_FASTER] / trials;
					double s = 100.0 * count[VERDICT_SLOWER] / trials;
					const char *mark = "";
					if ((effects[ei] >= 0 && f > 5) || (effects[ei] <= 0 && s > 5)) {
						mark = "  <-- over target";
						fails++;
					}
					if (!mode && ri == 0 && ci == 0 && ei == 0)
						aim = 100.0 * within3 / trials;
					printf("%5d %5.0f%% %+6.0f%% | %7.2f%% %7.2f%% %6.2f%% %6.2f%% | %6.2f "
					       "%5.2f%%%s\n",
					       runs[ri], cvs[ci] * 100, effects[ei] * 100, f, s,
					       100.0 * count[VERDICT_SAME] / trials,
					       100.0 * count[VERDICT_INCONCLUSIVE] / trials,
					       (double)pairs / trials, 100.0 * early / trials, mark);
				}
			}
		}
		printf("\n");
	}
	printf("aim: true -5%% at CV 2%% (history, --runs 3) judged faster within 3 pairs: %.1f%% "
	       "(aim >= 80%%)\n", aim);
	/* the same cell with more A/A history pooled (several calibrations) */
	for (int h = 16; h <= 64; h *= 2) {
		int hits = 0;
		for (int t = 0; t < trials; t++) {
			struct verdict_params p = { 3, 0.01, 0.03, 0.005, 1, 0, 0 };
			struct verdict_result r;
			struct noise_pool np = { 0, 0 };
			double hd[64], d[3];
			for (int i = 0; i < h; i++)
				hd[i] = run_log(0.02) - run_log(0.02);
			noise_pool_add(&np, hd, (size_t)h);
			p.hist_sigma = noise_pool_sigma(&np);
			p.hist_df = np.df;
			for (int n = 1; n <= 3; n++) {
				d[n - 1] = log1p(-0.05) + run_log(0.02) - run_log(0.02);
				if (verdict_eval(&p, d, n, &r) != VERDICT_CONTINUE)
					break;
			}
			hits += r.verdict == VERDICT_FASTER;
		}
		printf("     with %d A/A pairs of history: %.1f%%\n", h, 100.0 * hits / trials);
	}
	printf("hard targets: %s\n", fails ? "MISSED" : "met in every cell");
	return fails ? 1 : 0;
}
