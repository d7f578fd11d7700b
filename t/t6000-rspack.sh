#!/bin/bash
# Real Rspack, end to end: @rspack/cli and @rspack/core from npm, a generated
# project of a few thousand modules, perfloop with the npm binding as the
# artifact (the build copies the .node into place): bench with RSPACK_BINDING,
# profile, hotspots (the .node row shows up), an A/A comparison on CPU time
# that must not say faster or slower, and demangled Rust symbols from the debug binding.
# Skipped, with the reason, without the npm registry or without perf.
. "$(dirname "$0")/lib.sh"

cache=${PERFLOOP_RSPACK_DIR:-/tmp/perfloop-rspack}
perf record -q -o perf-probe.data -- true >/dev/null 2>&1 ||
	test_skip_all "perf cannot record here (perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null))"
# the benches build in $cache (its dist/): one run of this script at a time
mkdir -p "$(dirname "$cache")" && exec 8>"$cache.test.lock" && flock -w 3600 8 ||
	{ echo "Bail out! cannot hold $cache.test.lock (another run of t6000 has it)"; exit 1; }
"$SRC/examples/rspack/setup" "$cache" --modules 2000 >setup.log 2>&1
rc=$?
[ $rc -eq 77 ] && test_skip_all "$(grep -h skipped setup.log | tail -1)"
[ $rc -eq 0 ] || { cat setup.log; echo "Bail out! examples/rspack/setup failed"; exit 1; }
. "$cache/bindings.env"

# the "worktree": a git repo whose build puts a binding where Rspack's build would
git init -q repo && mkdir -p repo/crates/node_binding &&
	(cd repo && echo "binding" >README && git add README && git commit -qm init)
cat >repo/perfloop.ini <<INI
[build]
command = cp "\$BINDING_SRC" crates/node_binding/rspack.linux-x64-gnu.node
artifact = crates/node_binding/rspack.linux-x64-gnu.node
[bench]
dir = $cache
command = ./node_modules/.bin/rspack -c ./rspack.config.js
env = RSPACK_BINDING
; the A/A below is judged on CPU time with a 10% margin: under load Rspack's
; wall time varies 2-9% per pair and its CPU time 2-5%, drifting by a few %
; for minutes; a real bias (a binding not loaded, a copy read cold every run)
; still shows
metric = cpu
runs = 6
margin = 10%
timeout = 300
[profile]
event = cycles:u
freq = 1000
INI
R() { (cd repo && "$PERFLOOP" "$@"); }

test_expect_success 'build copies the npm binding into place' '
	(cd repo && BINDING_SRC="$RSPACK_BINDING_STRIPPED" "$PERFLOOP" build) >build.out &&
	cmp "$RSPACK_BINDING_STRIPPED" repo/crates/node_binding/rspack.linux-x64-gnu.node
'

test_expect_success 'bench runs Rspack with RSPACK_BINDING set to the artifact' '
	R bench --alone --runs 2 --json >alone.json &&
	json_get alone.json "len(d[\"candidate\"][\"wall\"]) == 2 and min(d[\"candidate\"][\"wall\"]) > 0.2" | grep -q True
'

test_expect_success 'a missing binding fails the bench (RSPACK_BINDING is honoured)' '
	echo "not a binding" >bogus.node &&
	expect_exit 3 R bench --alone --runs 1 --artifact "$TEST_DIR/bogus.node" 2>err
'

test_expect_success 'A/A: the same binding against its stored copy is never faster or slower' '
	R baseline save npm >/dev/null &&
	R bench --json >aa.json &&
	json_get aa.json "d[\"metric\"]" | grep -qx cpu &&
	json_get aa.json "d[\"verdict\"] in (\"same\", \"inconclusive\")" | grep -q True
'

test_expect_success 'profile and hotspots: the .node row shows up' '
	R profile --json >prof.json &&
	R hotspots --json >top.json &&
	json_get top.json "[r[\"dso\"] for r in d[\"rows\"][:5]]" | grep -q rspack.linux-x64-gnu.node &&
	R hotspots --percent-limit 0 --json >all.json &&
	# the stripped binding has no symbols: its samples spread over addresses
	# of about 1% each, so a libc row can lead; the .node holds most samples
	json_get all.json "sum(r[\"percent\"] for r in d[\"rows\"] if r[\"dso\"] == \"rspack.linux-x64-gnu.node\") > 50" | grep -q True
'

test_expect_success 'the debug binding gives demangled Rust symbols' '
	test -n "$RSPACK_BINDING_DEBUG" || { echo "no debug binding installed"; return 1; }
	(cd repo && BINDING_SRC="$RSPACK_BINDING_DEBUG" "$PERFLOOP" build) >/dev/null &&
	R profile --json >dprof.json &&
	R hotspots --sort sym --limit 30 --json >sym.json &&
	json_get sym.json "sum(1 for r in d[\"rows\"] if \"::\" in r[\"symbol\"] and \"_ZN\" not in r[\"symbol\"] and not r[\"symbol\"].startswith(\"_R\"))" >n &&
	test "$(cat n)" -ge 5
'

test_done
