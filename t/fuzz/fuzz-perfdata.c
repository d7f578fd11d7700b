/*
 * fuzz-perfdata.c: libFuzzer target for the perf.data reader and the
 * replay that builds hotspot rows (no symbol files are read). Built with
 * clang -fsanitize=fuzzer,address,undefined by t/run-fuzz; the seed corpus
 * is t/fuzz/corpus/.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "perf/hists.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hist_report r;
	struct hist_opts o;
	struct strbuf err = STRBUF_INIT;
	memset(&o, 0, sizeof(o));
	o.no_symbols = 1;
	o.folded = 1;
	o.sort = size & 1 ? HIST_SORT_COMM_DSO_SYM : HIST_SORT_SYM;
	hists_build_mem(data, size, "fuzz.data", &o, &r, &err);
	hists_release(&r);
	strbuf_release(&err);
	return 0;
}
