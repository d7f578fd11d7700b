#!/bin/bash
# The Rspack shape: a Rust cdylib loaded with dlopen by a harness from an
# environment variable. Its profile reads like perf report's, a baseline
# profiled from the store shows under the artifact's own name, and after a
# rebuild the diff matches the functions that stayed and shows the renamed
# one as gone and new.
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
. "$(dirname "$0")/lib.sh"

command -v perf >/dev/null 2>&1 || test_skip_all "perf is not installed (apt-get install linux-perf)"
perf record -q -o probe.data -e cycles:u -F 1000 -- true >/dev/null 2>&1 ||
	test_skip_all "perf cannot record here (kernel.perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null))"
rustc --version >/dev/null 2>&1 || test_skip_all "no usable rustc"
command -v python3 >/dev/null 2>&1 || test_skip_all "python3 is needed to compare with perf report"

CMP="python3 $SRC/t/helper/perf-compare.py"
cp "$HELPERS/dlharness" dlharness || test_skip_all "build the test helpers first (make test)"
rustc --crate-type cdylib -O -g -o libhot.so "$SRC/t/data/hotlib.rs" || test_skip_all "cannot build the cdylib"
printf "[bench]\ncommand = ./dlharness 4\nenv = LIBWORK\ntimeout = 120\n[build]\nartifact = libhot.so\n" >perfloop.ini

test_expect_success 'a dlopened cdylib reads like perf report' '
	"$PERFLOOP" profile --json >p.json &&
	f=$(json_get p.json "d[\"path\"]") &&
	"$PERFLOOP" hotspots 1 --json >h.json &&
	json_get h.json "[(r[\"dso\"], r[\"symbol\"]) for r in d[\"rows\"]][:2]" >rows &&
	grep_q "(.libhot.so., .hotlib::crunch::Table::probe.)" rows &&
	grep_q "(.libhot.so., .hotlib::mix.)" rows &&
	for s in sym dso,sym; do $CMP report "$PERFLOOP" "$f" $s 0 || return 1; done
'

test_expect_success 'a baseline profiled from the store shows under its own name' '
	"$PERFLOOP" baseline save main >/dev/null &&
	"$PERFLOOP" profile --baseline main --json >b.json &&
	json_get b.json "d[\"artifact\"]" | grep -q "/store/" &&
	"$PERFLOOP" hotspots 2 --json >h.json &&
	json_get h.json "d[\"rows\"][0][\"dso\"]" >dso && grep_q "^libhot.so$" dso
'

test_expect_success 'after a rebuild: old profiles still symbolize, the diff matches names' '
	sed "s/fn mix/fn blend/; s/mix(std/blend(std/" "$SRC/t/data/hotlib.rs" >hotlib2.rs &&
	rustc --crate-type cdylib --crate-name hotlib -O -g -o libhot.so hotlib2.rs &&
	"$PERFLOOP" profile >/dev/null &&
	"$PERFLOOP" hotspots 1 --json >h.json 2>err &&
	json_get h.json "[r[\"symbol\"] for r in d[\"rows\"]]" >syms && grep_q "hotlib::mix" syms &&
	"$PERFLOOP" diff --json >d.json 2>err &&
	grep_q "baseline: profile 2 of baseline .main." err &&
	json_get d.json "{r[\"symbol\"]: r[\"status\"] for r in d[\"rows\"]}" >st &&
	grep_q ".hotlib::crunch::Table::probe.: .matched." st &&
	grep_q ".hotlib::mix.: .gone." st &&
	grep_q ".hotlib::blend.: .new." st &&
	json_get d.json "[x[\"dso\"] for x in d[\"dsos\"]]" >dsos && grep_q "libhot.so" dsos
'

test_done
