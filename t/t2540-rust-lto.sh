#!/bin/bash
# A Rust release build with ThinLTO: its hot functions are named
# _ZN...17h<hash>E.llvm.<n> (legacy mangling, then LLVM's promotion suffix).
# perfloop shows them as perf report does (RawTable<T,A>, no hash, no
# suffix), and two builds whose hashes and suffixes differ diff row by row.
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
. "$(dirname "$0")/lib.sh"

command -v perf >/dev/null 2>&1 || test_skip_all "perf is not installed (apt-get install linux-perf)"
perf record -q -o probe.data -e cycles:u -F 1000 -- true >/dev/null 2>&1 ||
	test_skip_all "perf cannot record here (kernel.perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null))"
rustc --version >/dev/null 2>&1 || test_skip_all "no usable rustc"
command -v nm >/dev/null 2>&1 || test_skip_all "nm is needed to check the fixture's symbol names"
command -v python3 >/dev/null 2>&1 || test_skip_all "python3 is needed to compare with perf report"

CMP="python3 $SRC/t/helper/perf-compare.py"
# two builds of one program that differ only in the crate's metadata, so in
# every symbol hash; each is named "lto", as one artifact rebuilt would be
build_lto() { # build_lto DIR METADATA
	mkdir -p "$1" &&
	rustc -C opt-level=3 -C lto=thin -C codegen-units=16 -C metadata="$2" \
		-C symbol-mangling-version=legacy -o "$1/lto" "$SRC/t/data/lto.rs" 2>/dev/null ||
	rustc -C opt-level=3 -C lto=thin -C codegen-units=16 -C metadata="$2" \
		-o "$1/lto" "$SRC/t/data/lto.rs"
}
build_lto a one && build_lto b two || test_skip_all "cannot build t/data/lto.rs"
pattern='^_ZN3lto3raw21RawTable\$LT\$T\$C\$A\$GT\$14reserve_rehash17h[0-9a-f]{16}E\.llvm\.[0-9]+$'
nm a/lto | awk '{print $3}' | grep -Eq "$pattern" ||
	test_skip_all "$(rustc --version) names no function _ZN...17h<hash>E.llvm.<n> in t/data/lto.rs"

test_expect_success 'the fixture: legacy names with .llvm suffixes that differ between builds' '
	nm a/lto | awk "{print \$3}" | grep -E "$pattern" >a.syms &&
	nm b/lto | awk "{print \$3}" | grep -E "$pattern" >b.syms &&
	test $(wc -l <a.syms) -eq 1 && test $(wc -l <b.syms) -eq 1 && ! cmp -s a.syms b.syms
'

test_expect_success 'ThinLTO names read like perf report' '
	perf record -q -o a.data -e cycles:u -F 2500 a/lto 5 >/dev/null 2>&1 &&
	"$PERFLOOP" hotspots a.data --json >h.json &&
	json_get h.json "[r[\"symbol\"] for r in d[\"rows\"]][:2]" >syms &&
	grep_q "lto::raw::RawTable<T,A>::reserve_rehash" syms &&
	grep_q "lto::raw::RawTable<T,A>::probe_seq" syms &&
	for s in sym dso,sym; do $CMP report "$PERFLOOP" a.data $s 0 || return 1; done
'

test_expect_success 'two builds with other hashes and suffixes: diff matches the rows' '
	perf record -q -o b.data -e cycles:u -F 2500 b/lto 5 >/dev/null 2>&1 &&
	$CMP diff "$PERFLOOP" a.data b.data &&
	"$PERFLOOP" diff a.data b.data --json >d.json &&
	json_get d.json "{r[\"symbol\"]: r[\"status\"] for r in d[\"rows\"] if r[\"dso\"] == \"lto\"}" >st &&
	grep_q ".lto::raw::RawTable<T,A>::reserve_rehash.: .matched." st &&
	grep_q ".lto::raw::RawTable<T,A>::probe_seq.: .matched." st &&
	# a function sampled a few times in one run only is gone or new (both
	# profiles are short); a name left unmatched across the builds would be
	# gone and new at once
	json_get d.json "sorted(set(r[\"symbol\"] for r in d[\"rows\"] if r[\"status\"] == \"gone\") & set(r[\"symbol\"] for r in d[\"rows\"] if r[\"status\"] == \"new\"))" >both &&
	echo "[]" >none && diff none both &&
	json_get d.json "[r for r in d[\"rows\"] if r[\"status\"] in (\"gone\", \"new\") and max(r[\"base\"], r[\"new\"]) >= 2]" >big &&
	diff none big
'

test_done
