#!/bin/bash
# The perf.data reader against perf report on synthetic files perf itself
# reads: little- and big-endian, zstd-compressed (perf record -z), pipe mode,
# two events, call chains. Needs the perf program, not the right to record.
. "$(dirname "$0")/lib.sh"

command -v perf >/dev/null 2>&1 || test_skip_all "perf is not installed (apt-get install linux-perf)"
command -v python3 >/dev/null 2>&1 || test_skip_all "python3 is needed to compare with perf report"
CMP="python3 $SRC/t/helper/perf-compare.py"

# (perf 6.1 cannot read big-endian pipe files: it does not swap HEADER_FEATURE ids;
# t/unit/test-perfdata.c checks that perfloop reads them like the little-endian one)
for variant in "" "be" "zstd" "be zstd" "pipe" "callchain two" "be zstd callchain two"; do
	name=$(echo "le $variant" | tr ' ' '-')
	test_expect_success "perf report and perfloop agree on the $name file" '
		"$HELPERS/mkperfdata" '"$name"'.data '"$variant"' &&
		for s in sym dso,sym comm,dso,sym; do
			$CMP report "$PERFLOOP" '"$name"'.data $s 0 || return 1
		done
	'
done

test_expect_success 'a file that is not on this machine is named in a warning' '
	"$HELPERS/mkperfdata" w.data &&
	"$PERFLOOP" hotspots w.data >out 2>err &&
	grep -q "/usr/bin/app. is not on this machine" err && grep -q "0x0000000000001010" out
'

test_done
