/*
 * stats.c: summaries, distribution quantiles and the sequential A/B verdict.
 */
#include "stats.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double median_of(const double *x, size_t n)
{
	double *c, m;
	if (!n)
		return 0;
	c = xmalloc(n * sizeof(*c));
	memcpy(c, x, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_double);
	m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return m;
}

void summarize(const double *x, size_t n, struct summary *s)
{
	double sum = 0, ss = 0;
	memset(s, 0, sizeof(*s));
	if (!n)
		return;
	s->n = n;
	s->min = s->max = x[0];
	for (size_t i = 0; i < n; i++) {
		sum += x[i];
		if (x[i] < s->min)
			s->min = x[i];
		if (x[i] > s->max)
			s->max = x[i];
	}
	s->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - s->mean) * (x[i] - s->mean);
	s->stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
	s->median = median_of(x, n);
}

double normal_cdf(double x)
{
	return 0.5 * erfc(-x / M_SQRT2);
}

/* Acklam's rational approximation, refined by one Halley step. */
double normal_quantile(double p)
{
	static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
				    -2.759285104469687e+02, 1.383577518672690e+02,
				    -3.066479806614716e+01, 2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
				    -1.556989798598866e+02, 6.680131188771972e+01,
				    -1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
				    -2.400758277161838e+00, -2.549732539343734e+00,
				    4.374664141464968e+00, 2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
				    2.445134137142996e+00, 3.754408661907416e+00 };
	double q, r, x, e, u;
	if (p <= 0)
		return -INFINITY;
	if (p >= 1)
		return INFINITY;
	if (p < 0.02425) {
		q = sqrt(-2 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	} else if (p <= 1 - 0.02425) {
		q = p - 0.5;
		r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
		    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
	} else {
		q = sqrt(-2 * log(1 - p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	e = normal_cdf(x) - p;
	u = e * sqrt(2 * M_PI) * exp(x * x / 2);
	return x - u / (1 + x * u / 2);
}

/* Continued fraction for the regularized incomplete beta (modified Lentz). */
static double betacf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap, h;
	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (int m = 1; m <= 300; m++) {
		int m2 = 2 * m;
		double aa = m * (b - m) * x / ((qam + m2) * (a + m2)), del;
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-14)
			break;
	}
	return h;
}

static double incbeta(double a, double b, double x)
{
	double bt;
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	bt = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(1 - x));
	if (x < (a + 1) / (a + b + 2))
		return bt * betacf(a, b, x) / a;
	return 1 - bt * betacf(b, a, 1 - x) / b;
}

double t_cdf(double t, double df)
{
	double x, tail;
	if (df > 1e7)
		return normal_cdf(t);
	x = df / (df + t * t);
	tail = 0.5 * incbeta(df / 2, 0.5, x);
	return t > 0 ? 1 - tail : tail;
}

double f_cdf(double x, double d1, double d2)
{
	if (!(x > 0))
		return 0;
	if (isinf(x))
		return 1;
	return incbeta(d1 / 2, d2 / 2, d1 * x / (d1 * x + d2));
}

/* Upper tail of F, computed directly so that small p-values keep their digits. */
static double f_sf(double x, double d1, double d2)
{
	if (!(x > 0))
		return 1;
	if (isinf(x))
		return 0;
	return incbeta(d2 / 2, d1 / 2, d2 / (d2 + d1 * x));
}

static double t_pdf(double t, double df)
{
	return exp(lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * log(df * M_PI) -
		   (df + 1) / 2 * log1p(t * t / df));
}

/* Newton's method from the normal quantile, guarded by a bracket. */
double t_quantile(double p, double df)
{
	double lo = 0, hi, x;
	if (df > 1e7)
		return normal_quantile(p);
	if (p <= 0)
		return -INFINITY;
	if (p >= 1)
		return INFINITY;
	if (p < 0.5)
		return -t_quantile(1 - p, df);
	if (p == 0.5)
		return 0;
	x = normal_quantile(p);
	hi = x > 1 ? x : 1;
	while (t_cdf(hi, df) < p)
		hi *= 2;
	for (int i = 0; i < 100; i++) {
		double f = t_cdf(x, df) - p, nx;
		if (f < 0)
			lo = x;
		else
			hi = x;
		if (fabs(f) < 1e-13)
			break;
		nx = x - f / t_pdf(x, df);
		x = nx > lo && nx < hi ? nx : (lo + hi) / 2;
		if (hi - lo < 1e-12)
			break;
	}
	return x;
}

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_CONTINUE: return "continue";
	case VERDICT_FASTER: return "faster";
	case VERDICT_SLOWER: return "slower";
	case VERDICT_SAME: return "same";
	case VERDICT_INCONCLUSIVE: return "inconclusive";
	}
	return "?";
}

const char *noise_source_name(enum noise_source s)
{
	switch (s) {
	case NOISE_HISTORY: return "history";
	case NOISE_PAIRS: return "pairs";
	case NOISE_FLOOR: return "floor";
	case NOISE_PAIRS_OVER_HISTORY: return "pairs (history too quiet)";
	}
	return "?";
}

/*
 * O'Brien-Fleming constants c(K): with at most K looks and a boundary of
 * c(K)*sqrt(K/k) at look k, the chance that a null effect ever crosses one
 * side is alpha (Monte Carlo, 2e6 paths each). Beyond the tables the limit of
 * the continuous case, z(1 - alpha/2), is used, which is conservative.
 * With A/A history the noise estimate is steadier, so a 5% boundary keeps the
 * realized error under the 5% target; without it 4% is used (bench/verdicts).
 */
static const double obf_c4[] = { 0,      1.7502, 1.7768, 1.8068, 1.8311, 1.8481, 1.8609,
				 1.8710, 1.8801, 1.8888, 1.8965, 1.9032, 1.9077, 1.9127,
				 1.9162, 1.9196, 1.9241, 1.9262, 1.9324, 1.9332, 1.9381 };
static const double obf_c5[] = { 0,      1.6433, 1.6773, 1.7090, 1.7342, 1.7504, 1.7652,
				 1.7761, 1.7851, 1.7936, 1.8014, 1.8079, 1.8129, 1.8185,
				 1.8215, 1.8256, 1.8289, 1.8330, 1.8380, 1.8387, 1.8429 };

double seq_boundary_z(int k, int K, int history)
{
	const double *tab = history ? obf_c5 : obf_c4;
	double c = K < (int)ARRAY_SIZE(obf_c4) ? tab[K] : (history ? 1.9600 : 2.0537);
	if (k < 1)
		k = 1;
	if (k > K)
		k = K;
	return c * sqrt((double)K / (double)k);
}

enum verdict verdict_eval(const struct verdict_params *p, const double *d, int n,
			  struct verdict_result *r)
{
	return verdict_eval_cpu(p, d, NULL, n, r);
}

/* Judge by the pairs alone: their spread, never below the floor, on n-1 degrees of freedom. */
static void pairs_noise(struct verdict_result *r, double s, double floor, int n)
{
	r->source = n > 1 && s >= floor ? NOISE_PAIRS : NOISE_FLOOR;
	r->sigma = fmax(s, floor);
	r->df = n > 1 ? n - 1 : 0;
}

/*
 * Early-reject threshold with history: a 0.5% tail of noise up to
 * VERDICT_REGIME_GUARD times the history's (a load change since the
 * calibration makes the first pair noisier, and one pair cannot show it), but
 * never stricter than without history, nor below bench.reject.
 */
static double history_reject_at(const struct verdict_params *p, double margin)
{
	double guard =
	    margin + VERDICT_REGIME_GUARD * p->hist_sigma * t_quantile(0.995, p->hist_df);
	return fmax(log1p(p->reject), fmin(log1p(BLIND_REJECT), guard));
}

enum verdict verdict_eval_cpu(const struct verdict_params *p, const double *d,
			      const double *dcpu, int n, struct verdict_result *r)
{
	double sum = 0, ss = 0, margin = log1p(p->margin), se, q, tail;
	int K = p->max_pairs < 1 ? 1 : p->max_pairs, history = 0;

	memset(r, 0, sizeof(*r));
	r->n = n;
	for (int i = 0; i < n; i++)
		sum += d[i];
	r->mean = n ? sum / n : 0;
	for (int i = 0; i < n; i++)
		ss += (d[i] - r->mean) * (d[i] - r->mean);
	r->pairs_sigma = n > 1 ? sqrt(ss / (n - 1)) : 0;
	r->regime_p = 1;

	if (p->have_history) {
		double h2 = p->hist_sigma * p->hist_sigma, s2 = r->pairs_sigma * r->pairs_sigma;
		/* pool the history with this bench's own pairs */
		r->source = NOISE_HISTORY;
		r->df = p->hist_df + (n - 1);
		r->sigma = sqrt((h2 * p->hist_df + ss) / r->df);
		r->reject_at = history_reject_at(p, margin);
		if (n > 1)
			r->regime_p = h2 > 0 ? f_sf(s2 / h2, n - 1, p->hist_df) : s2 > 0 ? 0 : 1;
		history = r->regime_p >= VERDICT_REGIME_LEVEL;
		if (!history) /* the load changed since the calibrations: they are too quiet */
			pairs_noise(r, r->pairs_sigma, p->floor, n);
		if (r->source == NOISE_PAIRS || r->source == NOISE_FLOOR)
			r->source = NOISE_PAIRS_OVER_HISTORY;
	} else {
		pairs_noise(r, r->pairs_sigma, p->floor, n);
		r->reject_at = fmax(log1p(p->reject), log1p(BLIND_REJECT));
	}

	/* the procedure's "one run is enough to reject obviously bad ideas" */
	if (n == 1 && d[0] > r->reject_at && (!dcpu || dcpu[0] > r->reject_at / 2)) {
		r->early_reject = 1;
		r->verdict = VERDICT_SLOWER;
		r->lo = r->hi = d[0];
		r->level = 0;
		return r->verdict;
	}

	if (r->df <= 0 || n == 1 || (p->have_history && n == 2)) {
		/*
		 * One pair decides nothing but the early reject: without history
		 * there is nothing to judge the noise by, and with it a single
		 * disturbed run (a load burst on a shared machine) would count as
		 * an effect. With history two pairs decide nothing either: one
		 * degree of freedom cannot show whether the history still holds.
		 */
		r->lo = -INFINITY;
		r->hi = INFINITY;
		r->verdict = n >= K ? VERDICT_INCONCLUSIVE : VERDICT_CONTINUE;
		return r->verdict;
	}

	tail = 1 - normal_cdf(seq_boundary_z(n, K, history));
	q = t_quantile(1 - tail, r->df);
	se = r->sigma / sqrt((double)n);
	r->lo = r->mean - q * se;
	r->hi = r->mean + q * se;
	r->level = 1 - 2 * tail;

	if (r->hi < -margin)
		r->verdict = VERDICT_FASTER;
	else if (r->lo > margin)
		r->verdict = VERDICT_SLOWER;
	else if (r->lo >= -margin && r->hi <= margin)
		r->verdict = VERDICT_SAME;
	else
		r->verdict = n >= K ? VERDICT_INCONCLUSIVE : VERDICT_CONTINUE;
	return r->verdict;
}

double verdict_mde(const struct verdict_params *p, double sigma, double hist_df, int pairs,
		   double power)
{
	int history = hist_df > 0;
	double df = (history ? hist_df : 0) + pairs - 1, nu, tail, q, z;

	if (pairs < (history ? 3 : 2))
		return INFINITY;
	if (history) {
		/* only the pairs' share of the pooled sigma is random */
		nu = df * df / (pairs - 1);
		/* a needless switch to the pairs' noise counts as a miss */
		power /= 1 - VERDICT_REGIME_LEVEL;
	} else {
		sigma = fmax(sigma, p->floor);
		nu = df;
	}
	if (power >= 1)
		return INFINITY;
	tail = 1 - normal_cdf(seq_boundary_z(pairs, pairs, history));
	q = t_quantile(1 - tail, df);
	/* normal approximation to the noncentral t: sigma is estimated on nu df */
	z = normal_quantile(power) * sqrt(1 + q * q / (2 * nu));
	return expm1(log1p(p->margin) + (q + z) * sigma / sqrt((double)pairs));
}

int verdict_pairs_needed(const struct verdict_params *p, double sigma, double hist_df,
			 double effect, double power)
{
	if (!(effect > p->margin))
		return 0;
	for (int k = 1; k <= VERDICT_MAX_PLAN; k++)
		if (verdict_mde(p, sigma, hist_df, k, power) <= effect)
			return k;
	return 0;
}

const double calibrate_effects[CALIBRATE_EFFECTS] = { 0.01, 0.02, 0.03, 0.05 };

void verdict_pairs_table(const struct verdict_params *p, double sigma, double hist_df,
			 int needed[CALIBRATE_EFFECTS])
{
	struct verdict_params vp = *p;
	vp.have_history = 1;
	vp.hist_sigma = sigma;
	vp.hist_df = hist_df;
	for (int k = 0; k < CALIBRATE_EFFECTS; k++)
		needed[k] = verdict_pairs_needed(&vp, sigma, hist_df, calibrate_effects[k],
						 VERDICT_POWER);
}

void verdict_plan(const struct verdict_params *p, int pairs, struct verdict_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
	plan->pairs = pairs;
	plan->history = p->have_history;
	plan->sigma = p->have_history ? p->hist_sigma : p->floor;
	plan->hist_df = p->have_history ? p->hist_df : 0;
	plan->mde = verdict_mde(p, plan->sigma, plan->hist_df, pairs, VERDICT_POWER);
	plan->target = VERDICT_PLAN_FACTOR * p->margin;
	plan->warn = !(plan->mde <= plan->target);
	if (plan->warn)
		plan->needed = verdict_pairs_needed(p, plan->sigma, plan->hist_df, plan->target,
						    VERDICT_POWER);
}

void cross_check_eval(const double *d, int n, const struct verdict_params *hist, int family,
		      struct cross_check *cc)
{
	double sum = 0, ss = 0, s = 0, tail, q;
	int pairs_only = !hist->have_history;

	memset(cc, 0, sizeof(*cc));
	cc->n = n;
	cc->lo = -INFINITY;
	cc->hi = INFINITY;
	cc->calibrated = hist->have_history;
	if (n < 1)
		return;
	for (int i = 0; i < n; i++)
		sum += d[i];
	cc->mean = sum / n;
	for (int i = 0; i < n; i++)
		ss += (d[i] - cc->mean) * (d[i] - cc->mean);
	if (n > 1)
		s = sqrt(ss / (n - 1));
	if (hist->have_history) {
		double h2 = hist->hist_sigma * hist->hist_sigma;
		if (n > 1 && (h2 > 0 ? f_sf(s * s / h2, n - 1, hist->hist_df) : s > 0 ? 0 : 1) <
				     VERDICT_REGIME_LEVEL) {
			pairs_only = 1; /* the load changed since the calibration */
		} else {
			cc->source = NOISE_HISTORY;
			cc->df = hist->hist_df + (n - 1);
			cc->sigma = sqrt((h2 * hist->hist_df + ss) / cc->df);
			if (n < 3) /* too few pairs to see a load change: allow for one */
				cc->sigma = fmax(cc->sigma,
						 VERDICT_REGIME_GUARD * hist->hist_sigma);
			cc->sigma = fmax(cc->sigma, hist->floor);
		}
	}
	if (pairs_only) {
		if (n < 2)
			return;
		cc->source = hist->have_history ? NOISE_PAIRS_OVER_HISTORY
			     : s >= hist->floor	    ? NOISE_PAIRS
						    : NOISE_FLOOR;
		cc->sigma = fmax(s, hist->floor);
		cc->df = n - 1;
	}
	if (!(cc->df > 0))
		return;
	if (family < 1)
		family = 1;
	tail = CROSS_CHECK_ALPHA / (2.0 * family);
	q = t_quantile(1 - tail, cc->df);
	cc->lo = cc->mean - q * cc->sigma / sqrt((double)n);
	cc->hi = cc->mean + q * cc->sigma / sqrt((double)n);
	cc->level = 1 - 2 * tail;
}

int cross_check_contradicts(enum verdict v, const struct cross_check *cc)
{
	if (!cc->calibrated || !(cc->level > 0))
		return 0;
	return (v == VERDICT_FASTER && cc->lo > 0) || (v == VERDICT_SLOWER && cc->hi < 0);
}

void noise_pool_add(struct noise_pool *np, const double *d, size_t n)
{
	double mean = 0;
	if (n < 2)
		return;
	for (size_t i = 0; i < n; i++)
		mean += d[i];
	mean /= (double)n;
	for (size_t i = 0; i < n; i++)
		np->ss += (d[i] - mean) * (d[i] - mean);
	np->df += (double)(n - 1);
}

double noise_pool_sigma(const struct noise_pool *np)
{
	return np->df > 0 ? sqrt(np->ss / np->df) : 0;
}
