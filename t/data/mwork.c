/*
 * mwork: a deterministic workload for t3000-metric-sources.sh.
 *   mwork spin N     N iterations of a loop (give N zero-padded to a fixed
 *                    width: argument bytes change instruction counts)
 *   mwork touch MIB  touch MIB MiB of fresh memory (one page fault a page)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	volatile unsigned long x = 0;
	long n, i;

	if (argc != 3) {
		fprintf(stderr, "usage: mwork spin|touch N\n");
		return 2;
	}
	n = strtol(argv[2], NULL, 10);
	if (!strcmp(argv[1], "touch")) {
		size_t len = (size_t)n << 20;
		char *p =
		    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 1;
		/* one fault per 4 KiB page, whatever the transparent huge page setting */
		madvise(p, len, MADV_NOHUGEPAGE);
		for (size_t off = 0; off < len; off += 4096)
			p[off] = 1;
		return 0;
	}
	for (i = 0; i < n; i++)
		x += (unsigned long)i;
	(void)x;
	return 0;
}
