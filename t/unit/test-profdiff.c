/*
 * test-profdiff.c: matching across rebuilds, deltas and the noise interval,
 * the samples and runs a noise width needs, touched functions in no profile,
 * the keep-flat rule try uses, and raw profile names matched to the
 * functions a patch names.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "perf/profdiff.h"

static struct hist_row mkrow(const char *dso, const char *sym, uint64_t samples)
{
	struct hist_row r;
	memset(&r, 0, sizeof(r));
	r.dso = dso;
	r.sym = sym;
	r.resolved = sym[0] != '0';
	r.level = '.';
	r.samples = samples;
	r.period = samples * 1000;
	return r;
}

static void mkevent(struct hist_event *e, struct hist_row *rows, size_t n)
{
	memset(e, 0, sizeof(*e));
	e->rows = rows;
	e->nr_rows = n;
	for (size_t i = 0; i < n; i++) {
		e->nr_samples += rows[i].samples;
		e->total_period += rows[i].period;
	}
}

static const struct diff_row *find(const struct diff_result *d, const char *sym)
{
	for (size_t i = 0; i < d->nr; i++)
		if (!strcmp(d->rows[i].symbol, sym))
			return &d->rows[i];
	return NULL;
}

static void check_norm(const char *in, const char *want)
{
	char *n = diff_normalize(in);
	assert_string_equal(n, want);
	free(n);
}

static void test_normalize(void **state)
{
	(void)state;
	check_norm("foo.cold", "foo");
	check_norm("foo.cold.3", "foo");
	check_norm("foo.isra.0", "foo");
	check_norm("foo.constprop.0.isra.0", "foo");
	check_norm("foo.part.1", "foo");
	check_norm("core::fmt::write.llvm.12345678901234", "core::fmt::write");
	check_norm("bar() [clone .cold]", "bar()");
	check_norm("hotrs::hot_a::h060dc3037b7b694a", "hotrs::hot_a");
	check_norm("std::vec::Vec<T,A>::push", "std::vec::Vec<T,A>::push");
	check_norm(".annobin_init.c", ".annobin_init.c");
	check_norm("foo.coldish", "foo.coldish");
	/* a Rust name demangled or not: two builds give one key */
	check_norm("lto::raw::RawTable<T,A>::reserve_rehash::h16bdcfd582886b87.llvm.2028710236",
		   "lto::raw::RawTable<T,A>::reserve_rehash");
	check_norm("_ZN3lto3raw21RawTable$LT$T$C$A$GT$14reserve_rehash17h16bdcfd582886b87E"
		   ".llvm.2028710236197151915",
		   "_ZN3lto3raw21RawTable$LT$T$C$A$GT$14reserve_rehashE");
	check_norm("_ZN3lto3raw21RawTable$LT$T$C$A$GT$14reserve_rehash17ha9e5fb1fb8131a0fE",
		   "_ZN3lto3raw21RawTable$LT$T$C$A$GT$14reserve_rehashE");
	check_norm("_ZN3foo17hzzzzzzzzzzzzzzzzE", "_ZN3foo17hzzzzzzzzzzzzzzzzE");
}

static void test_symbol_matches(void **state)
{
	(void)state;
	assert_true(diff_symbol_matches("rspack_core::ExportsInfoGetter::prefetch",
					"ExportsInfoGetter::prefetch"));
	assert_true(diff_symbol_matches("rspack_core::ExportsInfoGetter::prefetch", "prefetch"));
	assert_false(
	    diff_symbol_matches("rspack_core::ExportsInfoGetter::prefetch_all", "prefetch"));
	assert_true(diff_symbol_matches("a::OverlayMap<K,V>::get", "OverlayMap::get"));
	assert_true(diff_symbol_matches("get", "get"));
	assert_false(diff_symbol_matches("xget", "get"));
	assert_false(diff_symbol_matches("get", ""));
	assert_true(diff_symbol_matches("a::b::prefetch::{{closure}}::{{closure}}", "prefetch"));
	assert_false(diff_symbol_matches("a::b::{{closure}}", "prefetch"));
	/* build-specific parts do not hide the function */
	assert_true(diff_symbol_matches("lto::raw::RawTable<T,A>::reserve_rehash::h16bdcfd582886b87",
					"RawTable::reserve_rehash"));
	assert_true(diff_symbol_matches("lto::raw::RawTable<T,A>::reserve_rehash.llvm.2028710236",
					"reserve_rehash"));
}

static void test_compute(void **state)
{
	struct hist_row ra[] = {
	    mkrow("libapp.so", "hot", 500),
	    mkrow("libapp.so", "warm.cold", 50),
	    mkrow("libapp.so", "warm", 150),
	    mkrow("libapp.so", "gone", 100),
	    mkrow("[JIT] tid 11", "0x00007f0000001000", 100),
	    mkrow("libc.so.6", "malloc", 100),
	};
	struct hist_row rb[] = {
	    mkrow("libapp.so", "hot", 300),    mkrow("libapp.so", "warm", 200),
	    mkrow("libapp.so", "fresh", 100),  mkrow("[JIT] tid 99", "0x00007f0000009000", 100),
	    mkrow("libc.so.6", "malloc", 300),
	};
	struct hist_event a, b;
	struct diff_opts o = {0, 0};
	struct diff_result d;
	const struct diff_row *r;
	double p1, p2, want;
	(void)state;
	mkevent(&a, ra, ARRAY_SIZE(ra));
	mkevent(&b, rb, ARRAY_SIZE(rb));
	diff_compute(&a, &b, &o, &d);
	assert_int_equal(d.base_samples, 1000);
	assert_int_equal(d.new_samples, 1000);

	r = find(&d, "hot");
	assert_non_null(r);
	assert_int_equal(r->status, DIFF_MATCHED);
	assert_true(fabs(r->base - 50) < 1e-9 && fabs(r->new_ - 30) < 1e-9);
	assert_true(fabs(r->delta + 20) < 1e-9);
	/* the noise: 1.96 * sqrt(p1 q1 / n1 + p2 q2 / n2), p = (s + 0.5) / (n + 1) */
	p1 = 500.5 / 1001;
	p2 = 300.5 / 1001;
	want = 100 * 1.96 * sqrt(p1 * (1 - p1) / 1000 + p2 * (1 - p2) / 1000);
	assert_true(fabs(r->noise - want) < 1e-9);
	assert_false(r->within_noise);
	/* warm and warm.cold are one function across the rebuild */
	r = find(&d, "warm");
	assert_int_equal(r->merged, 2);
	assert_true(fabs(r->delta) < 1e-9);
	assert_true(r->within_noise);
	assert_int_equal(find(&d, "gone")->status, DIFF_GONE);
	assert_int_equal(find(&d, "fresh")->status, DIFF_NEW);
	/* JIT addresses of two processes are one row */
	r = find(&d, "[unknown]");
	assert_non_null(r);
	assert_string_equal(r->dso, "[JIT]");
	assert_int_equal(r->status, DIFF_MATCHED);
	/* sorted by |delta| */
	for (size_t i = 1; i < d.nr; i++)
		assert_true(fabs(d.rows[i - 1].delta) >= fabs(d.rows[i].delta));
	assert_string_equal(d.rows[0].symbol, "hot");
	/* totals per DSO */
	for (size_t i = 0; i < d.nr_dsos; i++)
		if (!strcmp(d.dsos[i].dso, "libc.so.6"))
			assert_true(fabs(d.dsos[i].delta - 20) < 1e-9);
	diff_release(&d);

	/* the limit drops rows small on both sides */
	o.percent_limit = 12;
	diff_compute(&a, &b, &o, &d);
	assert_null(find(&d, "gone"));
	assert_non_null(find(&d, "hot"));
	assert_non_null(find(&d, "malloc"));
	diff_release(&d);
}

static void test_keep_flat(void **state)
{
	/* the touched function loses 100 of 300 samples; seven others keep 100 each */
	struct hist_row ra[] = {mkrow("x", "ns::prefetch", 300), mkrow("x", "o1", 100),
				mkrow("x", "o2", 100),		 mkrow("x", "o3", 100),
				mkrow("x", "o4", 100),		 mkrow("x", "o5", 100),
				mkrow("x", "o6", 100),		 mkrow("x", "o7", 100)};
	struct hist_row rb[] = {mkrow("x", "ns::prefetch", 200), mkrow("x", "o1", 100),
				mkrow("x", "o2", 100),		 mkrow("x", "o3", 100),
				mkrow("x", "o4", 100),		 mkrow("x", "o5", 100),
				mkrow("x", "o6", 100),		 mkrow("x", "o7", 100)};
	struct hist_row rc[] = {mkrow("x", "ns::prefetch", 200), mkrow("x", "o1", 100),
				mkrow("x", "o2", 100),		 mkrow("x", "o3", 100),
				mkrow("x", "o4", 100),		 mkrow("x", "o5", 100),
				mkrow("x", "o6", 100),		 mkrow("x", "grower", 300)};
	struct hist_event a, b, c;
	struct diff_opts o = {0, 0};
	struct diff_result d;
	struct strbuf why = STRBUF_INIT;
	const char *touched[] = {"prefetch"}, *untouched[] = {"nothing_here"};
	(void)state;
	mkevent(&a, ra, ARRAY_SIZE(ra));
	mkevent(&b, rb, ARRAY_SIZE(rb));
	mkevent(&c, rc, ARRAY_SIZE(rc));
	diff_compute(&a, &b, &o, &d);
	assert_int_equal(diff_keep_flat(&d, touched, 1, &why), 1);
	strbuf_reset(&why);
	assert_int_equal(diff_keep_flat(&d, untouched, 1, &why), -1);
	assert_non_null(strstr(why.buf, "none of the touched"));
	diff_release(&d);
	/* the touched row dropped, but something else grew beyond noise */
	diff_compute(&a, &c, &o, &d);
	strbuf_reset(&why);
	assert_int_equal(diff_keep_flat(&d, touched, 1, &why), 0);
	assert_non_null(strstr(why.buf, "grower"));
	diff_release(&d);
	/* a touched row within noise is not enough */
	diff_compute(&a, &a, &o, &d);
	strbuf_reset(&why);
	assert_int_equal(diff_keep_flat(&d, touched, 1, &why), 0);
	assert_non_null(strstr(why.buf, "did not drop"));
	diff_release(&d);
	strbuf_release(&why);
}

/* The samples a noise width needs are the noise formula solved for n. */
static void test_samples_for_width(void **state)
{
	/* an 80% row on ~2000 samples a side: about +-2.5 points of noise */
	struct hist_row ra[] = {mkrow("x", "hot", 1600), mkrow("x", "rest", 400)};
	struct hist_row rb[] = {mkrow("x", "hot", 4800), mkrow("x", "rest", 1200)};
	struct hist_event a, b;
	struct diff_opts o = {0, 0};
	struct diff_result d;
	const struct diff_row *r;
	double p1, p2, want;
	uint64_t n;
	(void)state;
	mkevent(&a, ra, ARRAY_SIZE(ra));
	mkevent(&b, rb, ARRAY_SIZE(rb));
	diff_compute(&a, &b, &o, &d);
	r = find(&d, "hot");
	p1 = 1600.5 / 2001;
	p2 = 4800.5 / 6001;
	/* n = (100 z / W)^2 (p1 q1 + p2 q2), rounded up */
	want = (100 * 1.96 / 0.5) * (100 * 1.96 / 0.5) * (p1 * (1 - p1) + p2 * (1 - p2));
	n = diff_samples_for_width(&d, r, 0.5, 0);
	assert_true(n == (uint64_t)ceil(want));
	assert_true(n > 49000 && n < 49300);
	/* with n samples on both sides the noise is the width asked for */
	assert_true(fabs(100 * 1.96 * sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / (double)n) - 0.5) <
		    1e-3);
	/* half the width: four times the samples; another z scales as z^2 */
	assert_true(llabs((long long)diff_samples_for_width(&d, r, 0.25, 0) - 4 * (long long)n) <=
		    4);
	assert_true(llabs((long long)diff_samples_for_width(&d, r, 0.5, 3.92) -
			  4 * (long long)n) <= 4);
	/* runs at the lower rate: A 2000 in 1 run, B 6000 in 3 runs -> 2000 a run */
	assert_int_equal(diff_runs_for_samples(&d, 49172, 1, 3), 25);
	assert_int_equal(diff_runs_for_samples(&d, 2000, 1, 3), 1);
	assert_int_equal(diff_runs_for_samples(&d, 2001, 0, 0), 2);
	/* B over 6 runs gives 1000 a run: it decides */
	assert_int_equal(diff_runs_for_samples(&d, 49172, 1, 6), 50);
	diff_release(&d);
	/* no samples on a side: no estimate */
	ra[0].samples = ra[1].samples = 0;
	mkevent(&a, ra, ARRAY_SIZE(ra));
	diff_compute(&a, &b, &o, &d);
	assert_int_equal(diff_runs_for_samples(&d, 100, 1, 1), 0);
	diff_release(&d);
}

/* Touched functions matched against every row of both profiles, limit or not. */
static void test_touched_missing(void **state)
{
	struct hist_row ra[] = {mkrow("x", "ns::hot_loop", 900), mkrow("x", "tiny.cold", 1),
				mkrow("x", "0x0000000000001000", 50)};
	struct hist_row rb[] = {mkrow("x", "ns::hot_loop", 900), mkrow("x", "only_b", 2)};
	struct hist_event a, b;
	const char *touched[] = {"hot_loop", "always_inlined", "tiny", "only_b", "0x"};
	const char *missing[5];
	(void)state;
	mkevent(&a, ra, ARRAY_SIZE(ra));
	mkevent(&b, rb, ARRAY_SIZE(rb));
	assert_int_equal(diff_touched_missing(&a, &b, touched, 5, missing), 2);
	assert_string_equal(missing[0], "always_inlined");
	assert_string_equal(missing[1], "0x");
	assert_int_equal(diff_touched_missing(&a, &b, touched, 1, missing), 0);
}

/* Raw profile names, as normalized by the diff, match the functions a patch names. */
static int raw_matches(const char *raw, const char *name)
{
	char *n = diff_normalize(raw);
	int r = diff_symbol_matches(n, name);
	free(n);
	return r;
}

static void test_raw_symbol_matches(void **state)
{
	(void)state;
	assert_true(raw_matches("hash_one", "hash_one"));
	assert_true(raw_matches("hash_one.cold", "hash_one"));
	assert_true(raw_matches("hash_one.isra.0", "hash_one"));
	assert_true(raw_matches("rspack_core::exports::ExportsInfoGetter::prefetch", "prefetch"));
	assert_true(raw_matches("rspack_core::exports::ExportsInfoGetter::prefetch::h0123456789abcdef",
				"prefetch"));
	assert_true(raw_matches("a::b::prefetch::{{closure}}", "prefetch"));
	assert_false(raw_matches("prefetch_all", "prefetch"));
	assert_false(raw_matches("a::my_prefetch", "prefetch"));
	assert_false(raw_matches("0x1234", "prefetch"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_normalize), cmocka_unit_test(test_symbol_matches),
	    cmocka_unit_test(test_compute),   cmocka_unit_test(test_keep_flat),
	    cmocka_unit_test(test_samples_for_width), cmocka_unit_test(test_touched_missing),
	    cmocka_unit_test(test_raw_symbol_matches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
