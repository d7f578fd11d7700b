#!/bin/bash
# perfloop init: the generic and Rspack presets load as written; the Rspack
# preset's hint rules tag a Rust program's ExportsInfoGetter::prefetch and
# OverlayMap::get rows with the procedure's advice.
# rustup finds its toolchains through HOME, which lib.sh replaces
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
. "$(dirname "$0")/lib.sh"

test_expect_success 'init writes a generic ini that loads; refuses to overwrite without --force' '
	"$PERFLOOP" init >out && grep -q "wrote perfloop.ini (preset generic)" out &&
	"$PERFLOOP" log >/dev/null &&
	expect_exit 128 "$PERFLOOP" init 2>err && grep -q "already exists: pass --force" err &&
	"$PERFLOOP" init --force >/dev/null &&
	expect_exit 129 "$PERFLOOP" init --preset nope --force
'

test_expect_success 'the rspack preset follows the procedure' '
	mkdir rs && (cd rs && "$PERFLOOP" init --preset rspack >../out) &&
	test -f rs/perfloop-hints.ini &&
	(cd rs && "$PERFLOOP" help config >/dev/null && "$PERFLOOP" log >/dev/null) &&
	for want in "worktree = /tmp/rspack-perf-%Y%m%d" "base = origin/main" \
		"command = pnpm run build:binding:profiling" \
		"artifact = crates/node_binding/rspack.linux-x64-gnu.node" \
		"clone = https://github.com/hardfist/rspack-bench-repo" \
		"dir = ../rspack-bench-repo/cases/all" \
		"command = ./node_modules/.bin/rspack -c ./rspack.config.js" "env = RSPACK_BINDING" \
		"event = cycles:u" "freq = 2500" "percent-limit = 0.2" \
		"command = cargo fmt --all --check" "command = cargo check {crates}" \
		"template = refactor({scope}): {message}" "workflow = Ecosystem Benchmark" \
		"input = pr" "rustc = rustc -V" "node = node -v"; do
		grep -qF -- "$want" rs/perfloop.ini || die_test "preset lacks: $want" || return 1
	done &&
	# the instruction-count option, commented, loads once uncommented
	grep -q "^; metric = instructions$" rs/perfloop.ini &&
	grep -q "^; instructions = auto$" rs/perfloop.ini &&
	grep -q "^; RAYON_NUM_THREADS = 1$" rs/perfloop.ini &&
	grep -q "procedure runs with RAYON_NUM_THREADS=1: with several threads" rs/perfloop.ini &&
	grep -q "one thread makes it the same run after run" rs/perfloop.ini &&
	grep -q "confirm a keep on wall time with$" rs/perfloop.ini &&
	sed -e "s/^; metric = instructions$/metric = instructions/" -e "s/^; \[env\]$/[env]/" \
		-e "s/^; instructions = auto$/instructions = auto/" \
		-e "s/^; RAYON_NUM_THREADS = 1$/RAYON_NUM_THREADS = 1/" rs/perfloop.ini >rs/ins.ini &&
	grep -q "^RAYON_NUM_THREADS = 1$" rs/ins.ini && grep -q "^instructions = auto$" rs/ins.ini &&
	(cd rs && "$PERFLOOP" -c ins.ini log >/dev/null)
'

rustc --version >/dev/null 2>&1 || { echo "# no usable rustc: hint check skipped"; test_done; exit $?; }
perf record -q -o probe.data true 2>/dev/null || { echo "# perf cannot record: hint check skipped"; test_done; exit $?; }

test_expect_success 'the preset hints tag Rspack-shaped hotspots in a real profile' '
	cat >hot.rs <<-\RS &&
	pub struct ExportsInfoGetter;
	impl ExportsInfoGetter {
	    #[inline(never)]
	    pub fn prefetch(n: u64) -> u64 {
	        let mut x = 1u64;
	        for i in 0..n { x = x.wrapping_mul(6364136223846793005).wrapping_add(i); }
	        x
	    }
	}
	pub struct OverlayMap;
	impl OverlayMap {
	    #[inline(never)]
	    pub fn get(n: u64) -> u64 {
	        let mut x = 3u64;
	        for i in 0..n { x = x.rotate_left(5) ^ i; }
	        x
	    }
	}
	fn main() {
	    let n = std::hint::black_box(150_000_000u64);
	    println!("{}", ExportsInfoGetter::prefetch(n) ^ OverlayMap::get(n));
	}
	RS
	rustc -O -g -o hot hot.rs &&
	printf "[bench]\ncommand = %s/hot\nenv = UNUSED\n[profile]\nhints = rs/perfloop-hints.ini\n" "$TEST_DIR" >h.ini &&
	"$PERFLOOP" -c h.ini profile --artifact hot >/dev/null &&
	"$PERFLOOP" -c h.ini hotspots --sort sym --json >hot.json &&
	json_get hot.json "[r[\"hints\"] for r in d[\"rows\"] if r[\"symbol\"].endswith(\"ExportsInfoGetter::prefetch\")][0]" | grep -q rspack-exports &&
	json_get hot.json "[r[\"hints\"] for r in d[\"rows\"] if r[\"symbol\"].endswith(\"OverlayMap::get\")][0]" | grep -q rspack-overlay &&
	"$PERFLOOP" -c h.ini hotspots --sort sym >hot.txt && grep -q "IdentifierMap" hot.txt
'

test_expect_success 'hint advice follows the symbol'"'"'s language: generic for C, advice-rust for Rust' '
	cat >lang.ini <<-\EOF &&
	[hot]
	match = *prefetch*
	match = *OverlayMap*
	match = hot_alpha
	match = hot_beta
	advice = GENERIC-WORDS
	advice-rust = RUST-WORDS
	EOF
	cc -O1 -g -o chot "$SRC/t/data/hot.c" &&
	printf "[bench]\ncommand = \$HOT 10\nenv = HOT\n[profile]\nhints = lang.ini\n" >c.ini &&
	"$PERFLOOP" -c c.ini profile --artifact chot --json >cp.json &&
	cid=$(json_get cp.json "d[\"id\"]") &&
	"$PERFLOOP" -c c.ini hotspots "$cid" --sort sym >c.txt &&
	grep_q "^  hot  *GENERIC-WORDS" c.txt && ! grep -q "RUST-WORDS\|Atom\|format!" c.txt &&
	"$PERFLOOP" -c c.ini hotspots 1 --sort sym >r.txt &&
	grep_q "^  hot  *rust: RUST-WORDS" r.txt && ! grep -q "GENERIC-WORDS" r.txt &&
	"$PERFLOOP" -c c.ini hotspots 1 --sort sym --json >r.json &&
	json_get r.json "[r[\"language\"] for r in d[\"rows\"] if r[\"symbol\"].endswith(\"ExportsInfoGetter::prefetch\")][0]" | grep -qx rust &&
	json_get r.json "d[\"hints\"][\"hot\"][\"languages\"] == {\"rust\": \"RUST-WORDS\"}" | grep -q True
'

test_done
