/*
 * dlharness: a benchmark harness for tests that loads the library named by
 * $LIBWORK with dlopen(), as Rspack's CLI loads the binding named by
 * RSPACK_BINDING, calls its `unsigned long long work(void)` and prints the
 * result. Exits 2 when the library or the symbol is missing.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	const char *path = getenv("LIBWORK");
	void *h;
	unsigned long long (*work)(void);
	if (!path) {
		fprintf(stderr, "dlharness: LIBWORK is not set\n");
		return 2;
	}
	h = dlopen(path, RTLD_NOW);
	if (!h) {
		fprintf(stderr, "dlharness: %s\n", dlerror());
		return 2;
	}
	*(void **)&work = dlsym(h, "work");
	if (!work) {
		fprintf(stderr, "dlharness: no work() in %s\n", path);
		return 2;
	}
	printf("result %llu\n", work());
	dlclose(h);
	return 0;
}
