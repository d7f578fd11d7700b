/*
 * hot.c: a workload with known hot functions for the profile tests.
 *
 *   hot [MILLIONS] [SPLIT]
 *
 * spends about SPLIT/(SPLIT+1) of MILLIONS million iterations in hot_alpha
 * and the rest in hot_beta (both called from hot_outer, so frame-pointer
 * call chains have three levels), plus a little malloc/free churn.
 */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) double hot_alpha(long n)
{
	double s = 0;
	for (long i = 0; i < n; i++)
		s += (double)i * 0.5 + (double)(i & 7);
	return s;
}

__attribute__((noinline)) double hot_beta(long n)
{
	double s = 1;
	for (long i = 0; i < n; i++)
		s = s * 0.999999 + (double)(i % 13);
	return s;
}

__attribute__((noinline)) long churn(long n)
{
	long sum = 0;
	for (long i = 0; i < n; i++) {
		char *p = malloc((size_t)(i % 256) + 16);
		if (!p)
			return -1;
		p[0] = (char)i;
		sum += p[0];
		free(p);
	}
	return sum;
}

__attribute__((noinline)) double hot_outer(long n, long split)
{
	long a = n / (split + 1) * split, b = n - a;
	return hot_alpha(a) + hot_beta(b);
}

int main(int argc, char **argv)
{
	long m = argc > 1 ? atol(argv[1]) : 40, split = argc > 2 ? atol(argv[2]) : 3;
	double r = 0;
	for (int k = 0; k < 10; k++)
		r += hot_outer(m * 1000000 + k, split);
	printf("%f %ld\n", r, churn(m * 20000));
	return 0;
}
