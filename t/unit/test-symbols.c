/*
 * test-symbols.c: demangling as perf does, symbol tables from this very
 * executable (with the symbol cache, which must never be trusted blindly),
 * kallsyms and JIT maps, and the radix sort.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <xxhash.h>

#include "perf/symbols.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/perfloop-symbols-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return remove_tree(dir);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void check_demangle(const char *raw, const char *want)
{
	char *d = sym_demangle(raw);
	if (!want) {
		assert_null(d);
		return;
	}
	assert_non_null(d);
	assert_string_equal(d, want);
	free(d);
}

static void test_demangle(void **state)
{
	(void)state;
	/* C++ without parameters, as perf report shows it */
	check_demangle("_ZN2ns1K4workElI", "ns::K::work");
	check_demangle("_ZN2v88internal4Heap8ScavengeEv.cold", "v8::internal::Heap::Scavenge");
	check_demangle("_Z3fooIiEvT_", "foo<int>");
	/* Rust legacy (hash dropped) and v0 */
	check_demangle("_ZN5hotrs5hot_a17h060dc3037b7b694aE", "hotrs::hot_a");
	check_demangle(
	    "_ZN9hashbrown3raw21RawTable$LT$T$C$A$GT$14reserve_rehash17h0123456789abcdefE",
	    "hashbrown::raw::RawTable<T,A>::reserve_rehash");
	check_demangle("_RNvCs15kBYyAo9fc_7mycrate4main", "mycrate::main");
	/* ... with the suffixes ThinLTO and GCC add, as perf report shows them */
	check_demangle("_ZN9hashbrown3raw21RawTable$LT$T$C$A$GT$14reserve_rehash"
		       "17h0123456789abcdefE.llvm.10715497326521137521",
		       "hashbrown::raw::RawTable<T,A>::reserve_rehash");
	check_demangle("_ZN5hotrs5hot_a17h060dc3037b7b694aE.cold", "hotrs::hot_a");
	check_demangle("_ZN5hotrs5hot_a17h060dc3037b7b694aE.lto_priv.0", "hotrs::hot_a");
	check_demangle("_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$"
		       "17h0bc496d25dc06da7E.llvm.3124135514975195003",
		       "std::rt::lang_start::{{closure}}");
	check_demangle("_RNvNtNtCsjrHSEGnQ3l9_3std2io5stdio31print_to_buffer_if_capture_used"
		       ".llvm.3643936799275306673",
		       "std::io::stdio::print_to_buffer_if_capture_used");
	/* not mangled */
	check_demangle("main", NULL);
	check_demangle("_start", NULL);
	check_demangle("", NULL);
}

/* Keys spread over 2^(shift + 2): packed with their index below 2^32, in pairs above. */
static void check_radix_sort(int shift)
{
	enum { N = 5000 };
	uint64_t *k = malloc(N * sizeof(*k));
	uint32_t *idx = malloc(N * sizeof(*idx));
	uint64_t x = 88172645463325252ull;
	for (uint32_t i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		k[i] = (i % 7 == 0) ? 42 : x % 100000 + ((uint64_t)(i & 3) << shift);
		idx[i] = i;
	}
	radix_sort_u64(k, idx, N);
	for (uint32_t i = 1; i < N; i++) {
		assert_true(k[i - 1] <= k[i]);
		if (k[i - 1] == k[i])
			assert_true(idx[i - 1] < idx[i]); /* stable */
	}
	free(k);
	free(idx);
}

static void test_radix_sort(void **state)
{
	(void)state;
	check_radix_sort(40);
	check_radix_sort(20);
}

__attribute__((noinline)) int perfloop_test_marker(int x);
__attribute__((noinline)) int perfloop_test_marker(int x)
{
	return x * 3 + 1;
}

/* File offset of a function of this executable, from /proc/self/maps. */
static uint64_t self_offset(uint64_t addr)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	uint64_t off = 0;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e, pg;
		if (sscanf(line, "%llx-%llx %*s %llx", &s, &e, &pg) == 3 && addr >= s && addr < e) {
			off = addr - s + pg;
			break;
		}
	}
	fclose(f);
	assert_true(off != 0);
	return off;
}

static struct symtab *load_self(const char *cache, struct strbuf *warn)
{
	struct sym_request rq;
	char *exe = realpath("/proc/self/exe", NULL);
	struct symtab *t;
	memset(&rq, 0, sizeof(rq));
	rq.path = exe;
	rq.cache_dir = cache;
	t = symtab_load(&rq, warn);
	free(exe);
	return t;
}

static void expect_marker(struct symtab *t)
{
	uint64_t off = self_offset((uint64_t)(uintptr_t)&perfloop_test_marker);
	long i = symtab_find(t, off);
	assert_true(i >= 0);
	assert_string_equal(symtab_pretty(t, (size_t)i), "perfloop_test_marker");
	assert_string_equal(symtab_name(t, (size_t)i), "perfloop_test_marker");
	/* a few bytes in is still the function */
	assert_int_equal(symtab_find(t, off + 2), i);
}

/* The one file named *.EXT in a cache directory, NULL when none. */
static char *only_file(const char *cache, const char *ext)
{
	char *cmd = xstrfmt("ls %s/*.%s", cache, ext), *r = NULL;
	FILE *p = popen(cmd, "r");
	char line[512];
	if (p && fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		r = xstrdup(line);
	}
	if (p)
		pclose(p);
	free(cmd);
	return r;
}

static void test_own_binary_and_cache(void **state)
{
	struct strbuf warn = STRBUF_INIT;
	char *cache = xstrfmt("%s/cache", dir), *file;
	struct symtab *t;
	size_t nr;
	(void)state;
	(void)perfloop_test_marker(1);
	t = load_self(NULL, &warn);
	assert_non_null(t);
	assert_false(t->from_cache);
	nr = t->nr;
	assert_true(nr > 100);
	expect_marker(t);
	symtab_free(t);

	/* first load writes the cache, the second maps it */
	t = load_self(cache, &warn);
	assert_false(t->from_cache);
	symtab_free(t);
	t = load_self(cache, &warn);
	assert_true(t->from_cache);
	assert_int_equal(t->nr, nr);
	expect_marker(t);
	symtab_free(t);

	/* a flipped byte in the payload: ignored (and rewritten) */
	file = only_file(cache, "sym");
	assert_non_null(file);
	{
		FILE *f = fopen(file, "r+b");
		int c;
		assert_non_null(f);
		fseek(f, -5, SEEK_END);
		c = fgetc(f);
		fseek(f, -5, SEEK_END);
		fputc(c ^ 0x5a, f);
		fclose(f);
	}
	t = load_self(cache, &warn);
	assert_false(t->from_cache);
	expect_marker(t);
	symtab_free(t);
	t = load_self(cache, &warn);
	assert_true(t->from_cache);
	symtab_free(t);

	/* truncated, or another file under the same name: ignored */
	assert_int_equal(truncate(file, 200), 0);
	t = load_self(cache, &warn);
	assert_false(t->from_cache);
	expect_marker(t);
	symtab_free(t);
	write_text(file, "PLSYMS junk that is not a cache file at all, but long enough to have "
			 "a header-sized prefix ............................................."
			 "........................................................");
	t = load_self(cache, &warn);
	assert_false(t->from_cache);
	expect_marker(t);
	symtab_free(t);
	assert_int_equal(warn.len, 0);
	free(file);
	free(cache);
	strbuf_release(&warn);
}

/* Flip one byte of a file, `back` bytes before its end. */
static void flip_byte(const char *file, long back)
{
	FILE *f = fopen(file, "r+b");
	int c;
	assert_non_null(f);
	fseek(f, -back, SEEK_END);
	c = fgetc(f);
	fseek(f, -back, SEEK_END);
	fputc(c ^ 0x5a, f);
	fclose(f);
}

/*
 * One body under four names (as Rust generics folded into one body, or C++
 * constructor aliases): perf keeps the name with the fewest leading
 * underscores, then the longest, both read on the DEMANGLED names. On the raw
 * names the C name (no underscore) or the ".llvm." one (longest) would win.
 */
__attribute__((noinline)) int perfloop_alias_target(int x);
__attribute__((noinline)) int perfloop_alias_target(int x)
{
	return x * 5 + 2;
}
extern int
perfloop_alias_r(int) __asm__("_ZN8perfloop5alias18the_longest_of_all17h0123456789abcdefE")
    __attribute__((alias("perfloop_alias_target")));
extern int perfloop_alias_z(int) __asm__(
    "_ZN8perfloop5alias3one17h0123456789abcdefE.llvm.12345678901234567890")
    __attribute__((alias("perfloop_alias_target")));
extern int perfloop_alias_x(int) __asm__("_ZN1x1yE")
    __attribute__((alias("perfloop_alias_target")));

/* The index of the alias group at perfloop_alias_target. */
static long alias_entry(struct symtab *t)
{
	long i = symtab_find(t, self_offset((uint64_t)(uintptr_t)&perfloop_alias_target));
	assert_true(i >= 0);
	assert_true(t->flags[i] & SYM_ALIAS);
	assert_true(t->name[i] < t->alias_nr);
	assert_true(t->alias_first[t->name[i] + 1] - t->alias_first[t->name[i]] == 4);
	return i;
}

/*
 * The group's choice: not made (nothing demangled) until a name is asked
 * for, unless `known` (read from the choices kept beside the cache).
 */
static void expect_alias_choice(struct symtab *t, int known)
{
	long i = alias_entry(t);
	if (known)
		assert_int_not_equal(t->aliases->winner[t->name[i]], 0);
	else
		assert_int_equal(t->aliases->winner[t->name[i]], 0);
	assert_string_equal(symtab_pretty(t, (size_t)i), "perfloop::alias::the_longest_of_all");
	assert_string_equal(symtab_name(t, (size_t)i),
			    "_ZN8perfloop5alias18the_longest_of_all17h0123456789abcdefE");
	assert_int_not_equal(t->aliases->winner[t->name[i]], 0);
	/* and once chosen, the same again */
	assert_string_equal(symtab_pretty(t, (size_t)i), "perfloop::alias::the_longest_of_all");
	assert_int_equal(
	    symtab_find(t, self_offset((uint64_t)(uintptr_t)&perfloop_alias_target) + 1), i);
}

/* Rewrite winner[g] of a choices file, and its hash: only the check of the value is left. */
static void set_choice(const char *file, size_t g, uint32_t value)
{
	FILE *f = fopen(file, "r+b");
	long size;
	char *buf;
	uint64_t h;
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	buf = malloc((size_t)size);
	fseek(f, 0, SEEK_SET);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	memcpy(buf + 32 + 4 * g, &value, 4);
	h = XXH3_64bits(buf + 32, (size_t)size - 32);
	memcpy(buf + 24, &h, 8);
	fseek(f, 0, SEEK_SET);
	assert_int_equal(fwrite(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	free(buf);
}

static void test_alias_groups(void **state)
{
	struct strbuf warn = STRBUF_INIT;
	char *cache = xstrfmt("%s/alias-cache", dir), *file;
	struct symtab *t;
	size_t g;
	uint32_t end;
	(void)state;
	assert_int_equal(perfloop_alias_x(1), 7);
	t = load_self(NULL, &warn);
	assert_non_null(t);
	expect_alias_choice(t, 0);
	symtab_free(t);

	/* the first load writes the cache; its choice, asked by name only, is kept when freed */
	t = load_self(cache, &warn);
	assert_false(t->from_cache);
	assert_string_equal(symtab_name(t, (size_t)alias_entry(t)),
			    "_ZN8perfloop5alias18the_longest_of_all17h0123456789abcdefE");
	g = t->name[alias_entry(t)];
	end = t->alias_first[g + 1];
	symtab_free(t);
	file = only_file(cache, "alias");
	assert_non_null(file);

	/* the next load maps the cache and knows the choice */
	t = load_self(cache, &warn);
	assert_true(t->from_cache);
	expect_alias_choice(t, 1);
	symtab_free(t);

	/* a damaged choices file is ignored: the choice is made again, the same */
	flip_byte(file, 2);
	t = load_self(cache, &warn);
	assert_true(t->from_cache);
	expect_alias_choice(t, 0);
	symtab_free(t);
	/* a choice outside its group (with a good hash) is made again too */
	set_choice(file, g, 0xffffffffu);
	t = load_self(cache, &warn);
	expect_alias_choice(t, 1);
	symtab_free(t);
	/* 1 + the first member after the group: a member of the next group, or of none */
	set_choice(file, g, end + 1);
	t = load_self(cache, &warn);
	expect_alias_choice(t, 1);
	symtab_free(t);
	assert_int_equal(warn.len, 0);
	free(file);
	free(cache);
	strbuf_release(&warn);
}

/*
 * A sample in a PLT entry is the entry (fopen@plt), even where the
 * zero-sized _init before .plt grew over it when ends were fixed up: perf 6.1
 * names one or the other depending on its rb-tree's shape, the entry is what
 * the program called.
 */
static void test_plt_entry(void **state)
{
	struct strbuf warn = STRBUF_INIT;
	struct symtab *t;
	size_t checked = 0;
	(void)state;
	t = load_self(NULL, &warn);
	assert_non_null(t);
	for (size_t i = 0; i < t->nr; i++) {
		const char *name;
		if (!(t->flags[i] & SYM_PLT) || t->size[i] < 2)
			continue;
		assert_int_equal(symtab_find(t, t->start[i] + 1), (long)i);
		name = symtab_pretty(t, i);
		assert_non_null(strstr(name, "@plt"));
		checked++;
	}
	assert_true(checked > 5);
	symtab_free(t);
	strbuf_release(&warn);
}

static void test_missing_file(void **state)
{
	struct strbuf warn = STRBUF_INIT;
	struct sym_request rq;
	(void)state;
	memset(&rq, 0, sizeof(rq));
	rq.path = "/nonexistent/libgone.so";
	assert_null(symtab_load(&rq, &warn));
	assert_non_null(strstr(warn.buf, "libgone.so' is not on this machine"));
	strbuf_release(&warn);
}

static void expect_kernel(struct symtab *t, uint64_t addr, const char *name, const char *mod)
{
	long i = symtab_find(t, addr);
	assert_true(i >= 0);
	assert_string_equal(symtab_pretty(t, (size_t)i), name);
	if (mod)
		assert_string_equal(symtab_module(t, (size_t)i), mod);
	else
		assert_null(symtab_module(t, (size_t)i));
}

static void test_kallsyms(void **state)
{
	struct strbuf warn = STRBUF_INIT;
	char *path = xstrfmt("%s/kallsyms", dir);
	struct symtab *t;
	long i;
	(void)state;
	write_text(path, "ffffffff81000000 T _stext\n"
			 "ffffffff81000100 t do_work\n"
			 "ffffffff81000200 d some_data\n"
			 "ffffffff81000300 W weak_fn\n"
			 "ffffffff81000400 a absolute_ignored\n"
			 "ffffffffc0000000 t mod_fn\t[mymod]\n"
			 "ffffffffc0000100 t mod_fn2\t[mymod]\n");
	t = symtab_load_kallsyms(path, NULL, &warn);
	assert_non_null(t);
	i = symtab_find(t, 0xffffffff81000150ull);
	assert_true(i >= 0);
	assert_string_equal(symtab_pretty(t, (size_t)i), "do_work");
	assert_null(symtab_module(t, (size_t)i));
	/* the last kernel symbol ends at the next page, not at the first module's */
	i = symtab_find(t, 0xffffffff81000350ull);
	assert_string_equal(symtab_pretty(t, (size_t)i), "weak_fn");
	assert_int_equal(symtab_find(t, 0xffffffff81002100ull), -1);
	i = symtab_find(t, 0xffffffffc0000010ull);
	assert_string_equal(symtab_pretty(t, (size_t)i), "mod_fn");
	assert_string_equal(symtab_module(t, (size_t)i), "[mymod]");
	symtab_free(t);

	/* a module's symbols around a kernel one; a last line without its newline */
	write_text(path, "ffffffff81000000 T _stext\n"
			 "ffffffffc0000000 t m1\t[mymod]\n"
			 "ffffffffc0000050 t k1\n"
			 "ffffffffc0000100 t m2\t  [mymod]\n"
			 "ffffffffc0001000 t m3\t[other]");
	t = symtab_load_kallsyms(path, NULL, &warn);
	assert_non_null(t);
	expect_kernel(t, 0xffffffffc0000010ull, "m1", "[mymod]");
	expect_kernel(t, 0xffffffffc0000060ull, "k1", NULL);
	expect_kernel(t, 0xffffffffc0000110ull, "m2", "[mymod]");
	expect_kernel(t, 0xffffffffc0001010ull, "m3", "[other]");
	symtab_free(t);

	/* hidden addresses (kptr_restrict): no table, one warning */
	write_text(path, "0000000000000000 T _stext\n0000000000000000 t do_work\n");
	assert_null(symtab_load_kallsyms(path, NULL, &warn));
	assert_non_null(strstr(warn.buf, "kptr_restrict"));
	free(path);
	strbuf_release(&warn);
}

/*
 * Lines read by the fast path (16 hex digits, a name scanned a word at a
 * time) and the lines it must leave to the careful one: what is kept and
 * where must be the same as a digit at a time.
 */
static void test_kallsyms_lines(void **state)
{
	static const char text[] =
	    "FFFFFFFF81000000 T Upper_Case_Addr\n"
	    "ffffffff8100Ab00 t mixed_case_hex_digits_and_a_name_over_many_words\n"
	    "fffffffff81000200 t seventeen_digits\n"
	    "ffffffff8100030g t bad_g\n"
	    "ffffffff81000@00 t bad_at\n"
	    "ffffffff81000`00 t bad_backtick\n"
	    "ffffffff81000G00 t bad_G\n"
	    "ffffffff81000:00 t bad_colon\n"
	    "ffffffff81000/00 t bad_slash\n"
	    "ffffffff81000\xc6"
	    "00 t bad_high\n"
	    "ffffffff8100c000 t\tbad_type\n"
	    "ffffffff8100d000 \n"
	    "81000500 T short_addr\n"
	    "ffffffff8100e000 t nul\0after\t[modx]\n"
	    "ffffffff8100e100 t tabbed\t\t [mody]\n"
	    "ffffffff8100f000 t x";
	char *path = xstrfmt("%s/kallsyms-lines", dir);
	struct strbuf warn = STRBUF_INIT;
	struct symtab *t;
	FILE *f = fopen(path, "wb");
	(void)state;
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, sizeof(text) - 1, f), sizeof(text) - 1);
	fclose(f);
	t = symtab_load_kallsyms(path, NULL, &warn);
	assert_non_null(t);
	assert_int_equal(t->nr, 6);
	expect_kernel(t, 0x81000500ull, "short_addr", NULL);
	expect_kernel(t, 0xffffffff81000000ull, "Upper_Case_Addr", NULL);
	expect_kernel(t, 0xffffffff8100ab00ull, "mixed_case_hex_digits_and_a_name_over_many_words",
		      NULL);
	expect_kernel(t, 0xffffffff8100e000ull, "nul", "[modx]");
	expect_kernel(t, 0xffffffff8100e100ull, "tabbed", "[mody]");
	expect_kernel(t, 0xffffffff8100f000ull, "x", NULL);
	assert_int_equal(t->start[1], 0xffffffff81000000ull);
	assert_int_equal(t->start[2], 0xffffffff8100ab00ull);
	symtab_free(t);
	free(path);
	strbuf_release(&warn);
}

static void test_kallsyms_cache(void **state)
{
	struct strbuf warn = STRBUF_INIT;
	char *path = xstrfmt("%s/kallsyms2", dir), *cache = xstrfmt("%s/kcache", dir), *file;
	struct symtab *t;
	(void)state;
	write_text(path, "ffffffff81000000 T _stext\n"
			 "ffffffff81000100 t do_work\n"
			 "ffffffffc0000000 t mod_fn\t[mymod]\n"
			 "ffffffffc0000100 t mod_fn2\t[mymod]\n"
			 "ffffffffc0001000 t other_fn\t[other]\n");
	/* the first load parses and writes the cache, the second maps it */
	t = symtab_load_kallsyms(path, cache, &warn);
	assert_non_null(t);
	assert_false(t->from_cache);
	symtab_free(t);
	t = symtab_load_kallsyms(path, cache, &warn);
	assert_non_null(t);
	assert_true(t->from_cache);
	assert_int_equal(t->nr, 5);
	expect_kernel(t, 0xffffffff81000150ull, "do_work", NULL);
	expect_kernel(t, 0xffffffffc0000110ull, "mod_fn2", "[mymod]");
	expect_kernel(t, 0xffffffffc0001010ull, "other_fn", "[other]");
	symtab_free(t);

	/* a name changed in the pool: the hash says so, the file is parsed again */
	file = only_file(cache, "sym");
	assert_non_null(file);
	flip_byte(file, 12);
	t = symtab_load_kallsyms(path, cache, &warn);
	assert_false(t->from_cache);
	expect_kernel(t, 0xffffffffc0001010ull, "other_fn", "[other]");
	symtab_free(t);

	/* another kallsyms (a module loaded): not the cached table */
	write_text(path, "ffffffff81000000 T _stext\n"
			 "ffffffff81000100 t do_work\n"
			 "ffffffffc0002000 t new_fn\t[newmod]\n");
	t = symtab_load_kallsyms(path, cache, &warn);
	assert_false(t->from_cache);
	expect_kernel(t, 0xffffffffc0002010ull, "new_fn", "[newmod]");
	symtab_free(t);
	t = symtab_load_kallsyms(path, cache, &warn);
	assert_true(t->from_cache);
	expect_kernel(t, 0xffffffffc0002010ull, "new_fn", "[newmod]");
	symtab_free(t);
	assert_int_equal(warn.len, 0);

	/* hidden addresses write no cache and still warn */
	write_text(path, "0000000000000000 T _stext\n");
	assert_null(symtab_load_kallsyms(path, cache, &warn));
	assert_non_null(strstr(warn.buf, "kptr_restrict"));
	free(file);
	free(path);
	free(cache);
	strbuf_release(&warn);
}

static void test_perfmap(void **state)
{
	char *path = xstrfmt("%s/perf-123.map", dir);
	struct symtab *t;
	long i;
	(void)state;
	write_text(path, "7f0000001000 10 LazyCompile:~old a.js:1\n"
			 "7f0000002000 8 JS:*bar b.js:2\n"
			 "garbage line\n"
			 "7f0000001000 20 JS:*newer a.js:1\n");
	t = symtab_load_perfmap(path);
	assert_non_null(t);
	i = symtab_find(t, 0x7f0000001018ull);
	assert_true(i >= 0);
	assert_string_equal(symtab_pretty(t, (size_t)i), "JS:*newer a.js:1");
	i = symtab_find(t, 0x7f0000002007ull);
	assert_string_equal(symtab_pretty(t, (size_t)i), "JS:*bar b.js:2");
	assert_int_equal(symtab_find(t, 0x7f0000002008ull), -1);
	symtab_free(t);
	assert_null(symtab_load_perfmap("/nonexistent/perf-1.map"));
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_demangle),
	    cmocka_unit_test(test_radix_sort),
	    cmocka_unit_test(test_own_binary_and_cache),
	    cmocka_unit_test(test_alias_groups),
	    cmocka_unit_test(test_plt_entry),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_kallsyms),
	    cmocka_unit_test(test_kallsyms_lines),
	    cmocka_unit_test(test_kallsyms_cache),
	    cmocka_unit_test(test_perfmap),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
