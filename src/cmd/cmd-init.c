/*
 * cmd-init.c: `perfloop init`, write a commented perfloop.ini.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "banned.h"

static const char generic_ini[] =
	"; perfloop.ini: the optimization loop for a project shaped \"build an artifact,\n"
	"; run a harness that loads it through an environment variable\".\n"
	"; Every key: perfloop help config. Paths are relative to this file unless noted.\n"
	"\n"
	"[project]\n"
	"; where 'perfloop start BRANCH' creates the loop's worktree ({repo}, strftime)\n"
	"worktree = /tmp/{repo}-perf-%Y%m%d\n"
	"base = origin/main\n"
	"\n"
	"[build]\n"
	"; run in the worktree; must rewrite the artifact\n"
	"command = make\n"
	"; relative to the worktree\n"
	"artifact = build/libproject.so\n"
	"\n"
	"[bench]\n"
	"; where the harness runs\n"
	"dir = .\n"
	"command = ./harness\n"
	"; set to the artifact's absolute path for every run\n"
	"env = PROJECT_LIB\n"
	"; most A/B pairs before a verdict; a clearly bad first pair rejects at once\n"
	"runs = 3\n"
	"timeout = 600\n"
	"margin = 1%\n"
	"; what the verdict judges: wall, cpu, instructions or a [metrics] name\n"
	"metric = wall\n"
	"\n"
	"[validate]\n"
	"; checks run in order before each build of an experiment ({changed}, {crates})\n"
	"; command = make check\n"
	"\n"
	"[commit]\n"
	"template = refactor({scope}): {message}\n"
	"\n"
	"[loop]\n"
	"; the goal: a cumulative speed-up over the first baseline, reached when its 95%\n"
	"; interval's lower bound is at or past it; rounds: most experiments benched to a\n"
	"; verdict (perfloop status --check exits 0 reached, 1 not yet, 2 rounds used up)\n"
	"; goal = 5%\n"
	"; rounds = 10\n"
	"\n"
	"[fingerprint]\n"
	"; outputs that must match for two artifacts to count as built the same way\n"
	"cc = cc --version\n";

static const char rspack_ini[] =
	"; perfloop.ini for an Rspack checkout (perfloop init --preset rspack).\n"
	"; The loop of Rspack's perf-guided optimization procedure: a worktree from\n"
	"; origin/main, a profiling binding, cases/all of rspack-bench-repo loading it\n"
	"; through RSPACK_BINDING, flat cycles:u profiles, keep only what moves\n"
	"; end-to-end time, push, and run the Ecosystem Benchmark on the PR.\n"
	"; Every key: perfloop help config.\n"
	"\n"
	"[project]\n"
	"worktree = /tmp/rspack-perf-%Y%m%d\n"
	"base = origin/main\n"
	"remote = origin\n"
	"\n"
	"[build]\n"
	"command = pnpm run build:binding:profiling\n"
	"artifact = crates/node_binding/rspack.linux-x64-gnu.node\n"
	"\n"
	"[bench]\n"
	"; cloned beside this checkout by 'perfloop start' when missing\n"
	"repo = ../rspack-bench-repo\n"
	"clone = https://github.com/hardfist/rspack-bench-repo\n"
	"setup = pnpm install\n"
	"dir = ../rspack-bench-repo/cases/all\n"
	"command = ./node_modules/.bin/rspack -c ./rspack.config.js\n"
	"env = RSPACK_BINDING\n"
	"; one pair is enough to reject obviously bad ideas; up to 3 before keeping\n"
	"runs = 3\n"
	"timeout = 600\n"
	"margin = 1%\n"
	"; The verdict judges wall time, which load on a shared VM or CI runner blurs\n"
	"; (15% a pair on a loaded 2-core VM). To judge instruction counts instead,\n"
	"; uncomment metric and instructions below (auto: hardware counters, else\n"
	"; valgrind on a VM without them: 20-50x slower runs, plus one native pair for\n"
	"; the wall cross-check) and the [env] section. Rspack's own instruction-count\n"
	"; procedure runs with RAYON_NUM_THREADS=1: with several threads, rayon's work\n"
	"; stealing and spin loops make the count depend on thread scheduling, not on\n"
	"; the change; one thread makes it the same run after run. But one thread is\n"
	"; not the program users run (no parallel speed-up, no contention, and [env]\n"
	"; holds for the native wall pairs too): confirm a keep on wall time with\n"
	"; every thread (the Ecosystem Benchmark on the PR does).\n"
	"; metric = instructions\n"
	"; instructions = auto\n"
	"\n"
	"; [env]\n"
	"; RAYON_NUM_THREADS = 1\n"
	"\n"
	"[validate]\n"
	"command = cargo fmt --all --check\n"
	"command = cargo check {crates}\n"
	"\n"
	"[commit]\n"
	"template = refactor({scope}): {message}\n"
	"\n"
	"[profile]\n"
	"; a flat profile: DWARF call graphs are very expensive on the ~100 MB binding\n"
	"event = cycles:u\n"
	"freq = 2500\n"
	"callgraph = none\n"
	"percent-limit = 0.2\n"
	"; Rspack's known hotspots and the procedure's winning patterns\n"
	"hints = perfloop-hints.ini\n"
	"\n"
	"[github]\n"
	"; dispatched after every kept commit with pr=<the PR's number>\n"
	"workflow = Ecosystem Benchmark\n"
	"input = pr\n"
	"ref = main\n"
	"\n"
	"[fingerprint]\n"
	"rustc = rustc -V\n"
	"node = node -v\n";

/* The hint rules the rspack preset writes beside perfloop.ini (hints.h format). */
static const char rspack_hints[] =
	"; perfloop-hints.ini: Rspack's known hotspots in cases/all and the procedure's\n"
	"; common winning patterns, added to perfloop's built-in generic rules.\n"
	"; Format: one section per category; match = glob on the demangled symbol.\n"
	"\n"
	"[rspack-exports]\n"
	"match = *ExportsInfoGetter::prefetch*\n"
	"match = *get_used_name*\n"
	"match = *ExportsInfo*::get_*\n"
	"advice = exports info is recomputed per lookup: cache it per module, key maps by "
	"Identifier/Ukey (IdentifierMap, UkeyMap) instead of hashing strings, and return "
	"borrowed data instead of building Vecs\n"
	"\n"
	"[rspack-overlay]\n"
	"match = *OverlayMap*::get*\n"
	"match = *GetExportsTypeCache::get*\n"
	"advice = a lookup cache in the hot path: use (Identifier, bool) keys when one "
	"dimension is tiny, IdentifierMap/IdentifierSet, and avoid double lookups\n"
	"\n"
	"[rspack-parallel]\n"
	"match = *start_send*\n"
	"match = *Stealer*::steal*\n"
	"match = *rayon_core::*\n"
	"advice = tiny parallel tasks: batch the work, or collect in parallel plus a "
	"sequential apply, instead of one task per item\n"
	"\n"
	"[rspack-alloc]\n"
	"match = mi_free*\n"
	"match = *mi_malloc*\n"
	"match = *ArcPath*\n"
	"advice = repeated String or ArcPath creation: with_capacity/reserve in hot temporary "
	"collections, and an Atom, Identifier or borrowed string where a String is not needed\n"
	"\n"
	"[hash]\n"
	"advice-rust = hash tables: key by small integers (IdentifierMap/UkeyMap), reserve "
	"capacity, do not hash the same key twice\n"
	"caution-below = 5\n"
	"caution = a low-single-digit hash micro-hotspot: keep a change only if cases/all's "
	"end-to-end time moves\n"
	"\n"
	"[copies]\n"
	"advice-rust = copies and strings: borrow instead of cloning, use an Atom/Identifier "
	"instead of String, keep format! out of hot paths\n";

/* Write text to path unless it exists (or force); dies on failure. */
static void write_new(const char *path, const char *text, int force)
{
	FILE *f;
	if (file_exists(path) && !force)
		die("'%s' already exists: pass --force to overwrite it", path);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		die("cannot write '%s': %s", path, strerror(errno));
}

static int cmd_init(const struct cmd_args *a, struct project *c)
{
	const char *preset = args_get(a, "preset"), *text;
	const char *path = a->argc ? a->argv[0] : "perfloop.ini";
	int force = args_has(a, "force");

	if (!preset)
		preset = "generic";
	if (!strcmp(preset, "rspack"))
		text = rspack_ini;
	else if (!strcmp(preset, "generic"))
		text = generic_ini;
	else
		return usage_error(a, "unknown preset '%s' (rspack or generic)", preset);
	write_new(path, text, force);
	if (text == rspack_ini) {
		char *dir = path_dirname(path), *hints = xstrfmt("%s/perfloop-hints.ini", dir);
		write_new(hints, rspack_hints, force);
		printf("wrote %s (hint rules for Rspack's known hotspots)\n", hints);
		free(hints);
		free(dir);
	}
	printf("wrote %s (preset %s); check it with 'perfloop help config', then "
	       "'perfloop start BRANCH'\n", path, preset);
	return 0;
}

static const struct cmd_option init_options[] = {
	{ .name = "preset", .arg = "P", .kind = CMD_VAL_WORDS, .words = "rspack generic",
	  .help = "rspack or generic (default generic)" },
	{ .name = "force", .help = "overwrite an existing file" },
	{ 0 },
};

const struct cmd_entry cmd_init_entry = {
	.name = "init",
	.summary = "write a commented `perfloop.ini`",
	.args = "[FILE]",
	.args_kind = CMD_VAL_FILE,
	.options = init_options,
	.help = "Writes `perfloop.ini` (or FILE) in the current directory. The rspack preset\n"
		"follows Rspack's optimization procedure: worktree `/tmp/rspack-perf-%Y%m%d` from\n"
		"origin/main, `pnpm run build:binding:profiling`, the binding\n"
		"`crates/node_binding/rspack.linux-x64-gnu.node`, rspack-bench-repo's cases/all\n"
		"with `RSPACK_BINDING`, `cargo fmt --all --check` and `cargo check {crates}` as\n"
		"validation, the `refactor({scope}): {message}` commit template, rustc/node\n"
		"fingerprints, flat cycles:u profiles at 2500 Hz, the `Ecosystem Benchmark` workflow\n"
		"with input pr, and `perfloop-hints.ini` beside it: hint rules for Rspack's known\n"
		"hotspots (`ExportsInfoGetter::prefetch`, `get_used_name`, `OverlayMap::get`,\n"
		"`GetExportsTypeCache::get`, `start_send`, `Stealer::steal`, `mi_free`...) with the\n"
		"procedure's winning patterns. Commented out in it: the verdict on instruction\n"
		"counts (`bench.metric = instructions`, `bench.instructions = auto`) with `[env]\n"
		"RAYON_NUM_THREADS = 1`, as Rspack's instruction-count procedure runs: one thread\n"
		"makes the count the same run after run, but is not the program users run.\n",
	.flags = CMD_NO_CONFIG,
	.exec = cmd_init,
};
