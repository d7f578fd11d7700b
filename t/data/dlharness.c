/*
 * dlharness.c: a harness shaped like Rspack's CLI for the profile tests: it
 * loads the library named by $HOT_LIB with dlopen (as rspack loads
 * $RSPACK_BINDING) and calls its hot_entry(N) (N from argv[1], millions).
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	const char *lib = getenv("HOT_LIB");
	void *h;
	uint64_t (*entry)(uint64_t);
	if (!lib) {
		fprintf(stderr, "dlharness: HOT_LIB is not set\n");
		return 2;
	}
	h = dlopen(lib, RTLD_NOW);
	if (!h) {
		fprintf(stderr, "dlharness: %s\n", dlerror());
		return 2;
	}
	*(void **)&entry = dlsym(h, "hot_entry");
	if (!entry) {
		fprintf(stderr, "dlharness: no hot_entry in %s\n", lib);
		return 2;
	}
	printf("%llu\n", (unsigned long long)entry((uint64_t)(argc > 1 ? atol(argv[1]) : 3) * 1000000));
	return 0;
}
