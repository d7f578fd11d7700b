/*
 * mkperfdata: write a small synthetic perf.data file (t/helper/pdwriter.h) for
 * tests and fuzz seeds.
 *
 *   mkperfdata FILE [be] [zstd] [pipe] [callchain] [two]
 *
 * be: big-endian; zstd: records compressed as perf record -z does; pipe:
 * pipe-mode layout; callchain: samples carry call chains; two: two events.
 */
#include <stdio.h>
#include <string.h>

#include "pdwriter.h"

int main(int argc, char **argv)
{
	static const uint64_t chain[] = {(uint64_t)-512, 0x401010, 0x402020};
	struct pdw w;
	struct strbuf out = STRBUF_INIT;
	int be = 0, zstd = 0, pipe = 0, cc = 0, two = 0;
	FILE *f;
	if (argc < 2) {
		fprintf(stderr, "usage: mkperfdata FILE [be] [zstd] [pipe] [callchain] [two]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		be |= !strcmp(argv[i], "be");
		zstd |= !strcmp(argv[i], "zstd");
		pipe |= !strcmp(argv[i], "pipe");
		cc |= !strcmp(argv[i], "callchain");
		two |= !strcmp(argv[i], "two");
	}
	pdw_init(&w, be, cc ? PDW_ST_CC : PDW_ST, two ? 2 : 1);
	pdw_comm(&w, 100, 100, "app", 1, 10);
	pdw_mmap2(&w, 100, 0x400000, 0x10000, 0, "/usr/bin/app", 11);
	pdw_mmap2(&w, 100, 0x7f0000000000, 0x20000, 0x1000, "/usr/lib/libfoo.so", 12);
	for (int i = 0; i < 20; i++)
		pdw_sample(&w, two && (i & 1) ? 200 : 100, i % 3 ? 0x401010 : 0x7f0000001234, 100,
			   100, 20 + (uint64_t)i, 1000 + (uint64_t)i, chain, cc ? 3 : 0);
	pdw_finished_round(&w);
	pdw_fork(&w, 200, 100, 200, 100, 60);
	pdw_comm(&w, 200, 200, "child", 1, 61);
	pdw_sample(&w, 100, 0x402020, 200, 200, 62, 500, chain, cc ? 3 : 0);
	pdw_lost(&w, 3, 63);
	if (zstd)
		pdw_compress(&w, 100);
	if (pipe)
		pdw_finish_pipe(&w, &out);
	else
		pdw_finish(&w, &out, zstd);
	f = fopen(argv[1], "wb");
	if (!f || fwrite(out.buf, 1, out.len, f) != out.len || fclose(f)) {
		perror(argv[1]);
		return 1;
	}
	pdw_release(&w);
	strbuf_release(&out);
	return 0;
}
