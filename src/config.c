/*
 * config.c: the perfloop.ini parser and the table of every known key.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cpuset.h"
#include "harness-metrics.h"
#include "banned.h"

const struct cfg_keydoc cfg_keys[] = {
	{ "core", "state", CFG_PATH, ".perfloop",
	  "state directory: ledger, artifact store, logs, profiles (relative to the ini file)" },
	{ "core", "busy-timeout", CFG_REAL, "10",
	  "seconds to wait for another perfloop process holding the ledger" },

	{ "bench", "dir", CFG_PATH, ".", "directory the harness runs in (relative to the ini file)" },
	{ "bench", "command", CFG_STR, NULL,
	  "harness command, run with /bin/sh -c (directly when it has no shell syntax)" },
	{ "bench", "env", CFG_ENVNAME, NULL,
	  "environment variable set to the artifact's absolute path for each run (letters, "
	  "digits, _; not also in [env])" },
	{ "bench", "runs", CFG_COUNT, "3", "most A/B pairs before a verdict (at least 1)" },
	{ "bench", "warmup", CFG_INT, "0", "unmeasured runs of each side before the pairs" },
	{ "bench", "timeout", CFG_REAL, "600", "seconds per run before its process group is killed" },
	{ "bench", "margin", CFG_PCT, "1%",
	  "smallest change that matters: 'faster'/'slower' need the whole interval beyond it" },
	{ "bench", "reject", CFG_PCT, "3%",
	  "least slowdown after one pair for an early reject (also needs to be well beyond noise)" },
	{ "bench", "noise-floor", CFG_PCT, "0.5%",
	  "smallest per-pair noise assumed when there is no A/A history" },
	{ "bench", "calibrate-pairs", CFG_INT, "8", "A/A pairs run by 'perfloop calibrate'" },
	{ "bench", "metric", CFG_STR, "wall",
	  "what the verdict judges: wall (end-to-end time), cpu (user+sys time of the harness, "
	  "robust to other load on a shared machine for a CPU-bound harness), instructions "
	  "(user-space instructions: hardware counters, else valgrind) or a [metrics] name" },
	{ "bench", "instructions", CFG_STR, "auto",
	  "how instructions are counted: auto (hardware counters when the machine has a PMU, "
	  "else valgrind), pmu or valgrind" },
	{ "bench", "native-pairs", CFG_INT, "1",
	  "with instructions counted by valgrind: pairs also run natively, for the wall-time "
	  "cross-check (calibrate runs as many native pairs as valgrind ones)" },
	{ "bench", "valgrind", CFG_STR, "valgrind", "the valgrind program" },
	{ "bench", "cross-check", CFG_STR, "block",
	  "when a calibrated cross-check contradicts the verdict: block (try says inconclusive) "
	  "or warn (said, and the verdict's metric decides alone)" },
	{ "bench", "cpus", CFG_STR, NULL,
	  "pin the harness's process tree to these CPUs (a list like 0-3,6; sched_setaffinity)" },
	{ "bench", "aslr", CFG_BOOL, "on",
	  "off: run the harness without address-space randomization (as setarch -R)" },
	{ "bench", "repo", CFG_PATH, NULL,
	  "the bench repository's checkout (cloned from bench.clone by 'perfloop start' when missing)" },
	{ "bench", "clone", CFG_STR, NULL, "URL to clone the bench repository from" },
	{ "bench", "setup", CFG_STR, NULL,
	  "command run in bench.repo after cloning it (e.g. npm install)" },

	{ "project", "worktree", CFG_STR, "/tmp/{repo}-perf-%Y%m%d",
	  "where 'perfloop start' puts the loop's worktree: strftime pattern, {repo} is the "
	  "repository's name; -2, -3... is appended when taken" },
	{ "project", "base", CFG_STR, "origin/main",
	  "what 'perfloop start' branches from and 'perfloop sync' rebases on" },
	{ "project", "remote", CFG_STR, "origin", "the remote to fetch from and push to" },

	{ "build", "command", CFG_STR, NULL, "command that builds the artifact, run in the worktree" },
	{ "build", "artifact", CFG_WTPATH, NULL, "the built artifact, relative to the worktree" },
	{ "build", "timeout", CFG_REAL, "7200", "seconds before a build is killed" },

	{ "validate", "command", CFG_LIST, NULL,
	  "checks run in order by 'perfloop validate' and 'try' (repeat the key for more); "
	  "{crates} expands to -p NAME per Cargo package owning a changed file, {changed} to "
	  "the changed paths" },
	{ "validate", "timeout", CFG_REAL, "3600", "seconds before a check is killed" },

	{ "commit", "template", CFG_STR, "refactor({scope}): {message}",
	  "commit message of 'perfloop keep': {scope} and {message} are filled in" },

	{ "profile", "event", CFG_STR, "cycles:u",
	  "event recorded by 'perfloop profile' (perf record -e); without a hardware PMU (most VMs) "
	  "perf records cpu-clock instead, and perfloop says so" },
	{ "profile", "freq", CFG_INT, "2500", "samples per second (perf record -F)" },
	{ "profile", "runs", CFG_INT, "1",
	  "harness runs recorded into one profile, one after the other (more samples: less noise "
	  "in the diff); try uses it for both sides" },
	{ "profile", "callgraph", CFG_STR, "none",
	  "call graphs: none, fp (frame pointers) or dwarf (perf record --call-graph; dwarf is very "
	  "expensive on a large binary)" },
	{ "profile", "percent-limit", CFG_REAL, "0.2",
	  "hide hotspot and diff rows below this many percent (perf report --percent-limit)" },
	{ "profile", "sort", CFG_STR, "dso,sym", "hotspot rows: sym, dso,sym or comm,dso,sym" },
	{ "profile", "limit", CFG_INT, "0", "most hotspot rows shown, 0 = every row above percent-limit" },
	{ "profile", "perf", CFG_STR, "perf", "the perf program" },
	{ "profile", "record-args", CFG_STR, NULL,
	  "more perf record options, split on spaces (e.g. -z to compress)" },
	{ "profile", "buildid-cache", CFG_BOOL, "false",
	  "let perf record also copy the profiled binaries into ~/.debug (perfloop keeps the "
	  "artifact's bytes itself)" },
	{ "profile", "symbol-cache", CFG_PATH, NULL,
	  "symbol cache directory (default: $XDG_CACHE_HOME/perfloop/symbols, else "
	  "~/.cache/perfloop/symbols)" },
	{ "profile", "hints", CFG_PATH, NULL,
	  "a hint rule file read after the built-in rules (format: 'perfloop help hotspots')" },

	{ "env", "*", CFG_STR, NULL, "extra environment variables for every harness run (NAME = value)" },
	{ "metrics", "*", CFG_STR, NULL,
	  "a harness metric: NAME = REGEX (one capture group around the number, matched in each "
	  "run's stdout+stderr, the last match wins) or NAME = file (a 'NAME VALUE' line the "
	  "harness writes to $PERFLOOP_METRICS_FILE); a run without it is invalid" },
	{ "fingerprint", "*", CFG_STR, NULL,
	  "commands whose output tells how an artifact was built (name = command, e.g. rustc = rustc -V)" },
	{ "include", "path", CFG_LIST, NULL, "another ini file to read at this point" },

	{ "github", "api", CFG_STR, "https://api.github.com",
	  "GitHub REST API base URL (GitHub Enterprise: https://HOST/api/v3)" },
	{ "github", "remote", CFG_STR, "origin",
	  "git remote whose URL names the GitHub repository (https or ssh form)" },
	{ "github", "repo", CFG_STR, NULL,
	  "OWNER/NAME of the GitHub repository; default: parsed from the remote's URL" },
	{ "github", "workflow", CFG_STR, NULL,
	  "workflow to dispatch after a kept commit: its name or file name (bench.yml); "
	  "none when unset" },
	{ "github", "input", CFG_STR, "pr", "workflow_dispatch input that receives the PR number" },
	{ "github", "pr", CFG_INT, NULL,
	  "pull request number; default: --pr, else the open PR whose head is this branch" },
	{ "github", "ref", CFG_STR, "main",
	  "branch or tag the workflow is dispatched on (its workflow file is read there)" },
	{ "github", "timeout", CFG_REAL, "30", "seconds for one GitHub API request (0 = none)" },
	{ "github", "retries", CFG_INT, "4",
	  "extra attempts after a 5xx, a dropped connection or a rate limit" },
	{ "github", "retry-delay", CFG_REAL, "1",
	  "first backoff in seconds, doubled per retry (60x for a rate limit without Retry-After)" },
	{ "github", "retry-max", CFG_REAL, "60",
	  "longest single wait in seconds; a rate limit asking for longer fails at once" },
	{ "github", "clock-skew", CFG_REAL, "60",
	  "seconds before the dispatch time from which a run counts as the dispatch's" },
	{ "github", "comment", CFG_BOOL, "true",
	  "keep, revert and runs --wait keep one comment on the loop's PR up to date with the "
	  "Markdown report (created, then edited; found again by a hidden marker)" },

	{ "loop", "goal", CFG_PCT, NULL,
	  "the loop's goal: a cumulative speed-up over its first baseline (5% = a speed-up of "
	  "1.05), reached when the lower bound of its 95% interval is at or past it (status, "
	  "report, status --check)" },
	{ "loop", "rounds", CFG_COUNT, NULL,
	  "most rounds of the loop: experiments benched to a verdict; status --check exits 2 once "
	  "they are used up without reaching the goal" },

	/*
	 * [guard "NAME"]: another harness that must not regress. Every key but
	 * runs and memory-margin falls back to [bench]'s (config_guard_key()).
	 */
	{ "guard.NAME", "dir", CFG_PATH, NULL,
	  "directory the guard's harness runs in (default: bench.dir)" },
	{ "guard.NAME", "command", CFG_STR, NULL, "the guard's harness command (default: bench.command)" },
	{ "guard.NAME", "env", CFG_ENVNAME, NULL,
	  "variable set to the artifact's absolute path (default: bench.env)" },
	{ "guard.NAME", "runs", CFG_COUNT, "2",
	  "most A/B pairs of the guard's bench in try (the target's pairs are bench.runs)" },
	{ "guard.NAME", "margin", CFG_PCT, NULL,
	  "smallest slowdown of the guard that rejects the change (default: bench.margin)" },
	{ "guard.NAME", "metric", CFG_STR, NULL,
	  "what the guard's verdict judges, as bench.metric (default: bench.metric)" },
	{ "guard.NAME", "timeout", CFG_REAL, NULL,
	  "seconds per run of the guard's harness (default: bench.timeout)" },
	{ "guard.NAME", "memory-margin", CFG_PCT, "30%",
	  "largest growth of the guard's peak memory (median max RSS, B/A - 1) that passes; "
	  "beyond it try rejects the change" },
	{ NULL, NULL, CFG_STR, NULL, NULL },
};

/*
 * The table's section of a section as written: every "guard.NAME" is the
 * table's "guard.NAME" (a section with a name, [guard "NAME"]).
 */
static const char *table_section(const char *section)
{
	return !strncmp(section, "guard.", 6) ? "guard.NAME" : section;
}

const char *cfg_type_name(enum cfg_type t)
{
	switch (t) {
	case CFG_STR: return "text";
	case CFG_PATH: return "path";
	case CFG_WTPATH: return "path in worktree";
	case CFG_INT: return "integer";
	case CFG_COUNT: return "integer >= 1";
	case CFG_REAL: return "number";
	case CFG_PCT: return "percent";
	case CFG_BOOL: return "boolean";
	case CFG_LIST: return "list";
	case CFG_ENVNAME: return "variable name";
	}
	return "?";
}

static const struct cfg_keydoc *find_key(const char *section, const char *key, int *section_known)
{
	*section_known = 0;
	section = table_section(section);
	for (const struct cfg_keydoc *k = cfg_keys; k->section; k++) {
		if (strcmp(k->section, section))
			continue;
		*section_known = 1;
		if (!strcmp(k->key, "*") || !strcmp(k->key, key))
			return k;
	}
	return NULL;
}

static int levenshtein(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int *row = xcalloc(lb + 1, sizeof(int));
	int res;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int prev = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int cur = row[j];
			int best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	res = row[lb];
	free(row);
	return res;
}

/* Closest known "section.key" to the given one, for "did you mean". */
static void suggest(struct strbuf *err, const char *section, const char *key)
{
	char *want = xstrfmt("%s.%s", table_section(section), key);
	const struct cfg_keydoc *best = NULL;
	int bestd = 3;
	for (const struct cfg_keydoc *k = cfg_keys; k->section; k++) {
		char *have;
		int d;
		if (!strcmp(k->key, "*"))
			continue;
		have = xstrfmt("%s.%s", k->section, k->key);
		d = levenshtein(want, have);
		if (d < bestd) {
			bestd = d;
			best = k;
		}
		free(have);
	}
	if (best)
		strbuf_addf(err, " (did you mean '%s.%s'?)",
			    !strcmp(best->section, table_section(section)) ? section : best->section,
			    best->key);
	free(want);
}

static int parse_bool(const char *v)
{
	static const char *yes[] = { "true", "yes", "on", "1" };
	static const char *no[] = { "false", "no", "off", "0" };
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(v, yes[i]))
			return 1;
		if (!strcasecmp(v, no[i]))
			return 0;
	}
	return -1;
}

static int parse_pct(const char *v, double *out)
{
	size_t n = strlen(v);
	if (n && v[n - 1] == '%') {
		char *num = xstrndup(v, n - 1);
		int r = parse_double(num, out);
		free(num);
		if (r || *out < 0)
			return -1;
		*out /= 100.0;
		return 0;
	}
	return parse_double(v, out) || *out < 0 ? -1 : 0;
}

/* A name the shell and env(1) take as a variable: [A-Za-z_][A-Za-z0-9_]*. */
static int valid_env_name(const char *s)
{
	if (!*s || isdigit((unsigned char)*s))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

/* Check a value against its declared type; fills err (no location). */
static int check_value(const struct cfg_keydoc *k, const char *v, struct strbuf *err)
{
	long l;
	double d;
	switch (k->type) {
	case CFG_INT:
		if (parse_long(v, &l)) {
			strbuf_addf(err, "'%s' is not a whole number >= 0", v);
			return -1;
		}
		break;
	case CFG_COUNT:
		if (parse_long(v, &l) || l < 1) {
			strbuf_addf(err, "'%s' is not a whole number >= 1", v);
			return -1;
		}
		break;
	case CFG_ENVNAME:
		if (!valid_env_name(v)) {
			strbuf_addf(err,
				    "'%s' is not an environment variable name (letters, digits and "
				    "'_', not starting with a digit)",
				    v);
			return -1;
		}
		break;
	case CFG_REAL:
		if (parse_double(v, &d) || d < 0) {
			strbuf_addf(err, "'%s' is not a number >= 0", v);
			return -1;
		}
		break;
	case CFG_PCT:
		if (parse_pct(v, &d)) {
			strbuf_addf(err, "'%s' is not a percentage like '1%%' or '0.01'", v);
			return -1;
		}
		break;
	case CFG_BOOL:
		if (parse_bool(v) < 0) {
			strbuf_addf(err, "'%s' is not true or false", v);
			return -1;
		}
		break;
	case CFG_PATH:
	case CFG_WTPATH:
		if (!*v) {
			strbuf_addstr(err, "empty path");
			return -1;
		}
		break;
	case CFG_STR:
	case CFG_LIST:
		break;
	}
	return 0;
}

static int valid_name(const char *s, int allow_dot)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && !(allow_dot && *s == '.'))
			return 0;
	return 1;
}

static void add_entry(struct config *cfg, const char *section, const char *key, const char *value,
		      const char *file, int line)
{
	struct cfg_entry *e;
	ALLOC_GROW(cfg->entries, cfg->nr + 1, cfg->alloc);
	e = &cfg->entries[cfg->nr++];
	e->section = xstrdup(section);
	e->key = xstrdup(key);
	e->value = xstrdup(value);
	e->file = xstrdup(file);
	e->line = line;
}

/*
 * Parse the value part of "key = value": quoted or bare, comments stripped.
 * Returns 0 or -1 with the reason in err.
 */
static int parse_value(const char *s, struct strbuf *out, struct strbuf *err)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '"') {
		for (s++; *s && *s != '"'; s++) {
			if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
				s++;
			strbuf_addch(out, *s);
		}
		if (*s != '"') {
			strbuf_addstr(err, "unterminated quoted value");
			return -1;
		}
		for (s++; *s == ' ' || *s == '\t'; s++)
			;
		if (*s && *s != ';' && *s != '#') {
			strbuf_addstr(err, "text after the closing quote");
			return -1;
		}
		return 0;
	}
	for (const char *p = s; *p; p++) {
		if ((*p == ';' || *p == '#') && (p == s || p[-1] == ' ' || p[-1] == '\t'))
			break;
		strbuf_addch(out, *p);
	}
	strbuf_trim(out);
	return 0;
}

/* Longest guard name: "guard." and it fit the section buffers of config_entry(). */
#define GUARD_NAME_MAX 40

/*
 * A section header's text (between the brackets) into out: "bench" as
 * "bench", lowercased; 'guard "NAME"' as "guard.NAME", the name kept as
 * written. 0, or -1 with why.
 */
static int section_header(const char *text, struct strbuf *out, struct strbuf *why)
{
	const char *q = strchr(text, '"');
	strbuf_addstr(out, text);
	if (q)
		strbuf_setlen(out, (size_t)(q - text));
	strbuf_trim(out);
	for (size_t i = 0; i < out->len; i++)
		out->buf[i] = (char)tolower((unsigned char)out->buf[i]);
	if (!valid_name(out->buf, 0)) {
		strbuf_addf(why, "unknown section [%s]", text);
		return -1;
	}
	if (!q && strcmp(out->buf, "guard"))
		return 0;
	if (strcmp(out->buf, "guard")) {
		strbuf_addf(why, "[%s] takes no name (only [guard \"NAME\"] does)", out->buf);
		return -1;
	} else if (!q) {
		strbuf_addstr(why, "a guard needs a name: [guard \"NAME\"]");
		return -1;
	} else {
		const char *end = strchr(q + 1, '"');
		const char *rest = end ? end + 1 : NULL;
		size_t n = end ? (size_t)(end - q - 1) : 0;
		char *name;
		int ok;
		while (rest && (*rest == ' ' || *rest == '\t'))
			rest++;
		if (!end || *rest) {
			strbuf_addstr(why, "bad section header: write [guard \"NAME\"]");
			return -1;
		}
		name = xstrndup(q + 1, n);
		ok = valid_name(name, 0) && n <= GUARD_NAME_MAX && strcmp(name, "target");
		if (!ok)
			strbuf_addf(why, "bad guard name '%s': up to %d letters, digits, '-' and "
				    "'_', and not 'target' (the bench's own name)", name, GUARD_NAME_MAX);
		else
			strbuf_addf(out, ".%s", name);
		free(name);
		return ok ? 0 : -1;
	}
}

/*
 * A [guard "NAME"] section that set no key (entries stayed at nr) would be
 * no guard at all, silently: an error at its header's line.
 */
static int guard_empty(const struct config *cfg, int line, size_t nr, const char *file,
		       const char *section, struct strbuf *err)
{
	if (!line || cfg->nr > nr)
		return 0;
	strbuf_addf(err, "%s:%d: [guard \"%s\"] sets no key: give it at least a command or an "
		    "env of its own", file, line, section + 6);
	return -1;
}

#define MAX_INCLUDE_DEPTH 8

/* The files being read, outermost first: an include of one of them is a loop. */
struct include_stack {
	const char *path[MAX_INCLUDE_DEPTH + 2];
	int nr;
};

static int parse_text(struct config *cfg, const char *name, const char *dir, const char *text,
		      struct include_stack *stack, struct strbuf *err);

/* path's canonical form (symbolic links resolved) when it exists, else a copy. */
static char *real_or_copy(const char *path)
{
	char *r = realpath(path, NULL);
	return r ? r : xstrdup(path);
}

static int same_file(const char *a, const char *b)
{
	char *ra = real_or_copy(a), *rb = real_or_copy(b);
	int same = !strcmp(ra, rb);
	free(ra);
	free(rb);
	return same;
}

int config_reads(const struct config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->nr_files; i++)
		if (same_file(cfg->files[i], path))
			return 1;
	return 0;
}

/*
 * Read and parse one file. Errors inside it already name FILE:LINE; those
 * about the file as a whole (cannot read, too big, binary) do not: *located
 * says which, so the includer adds its own line only where it helps.
 */
static int include_file(struct config *cfg, const char *path, struct include_stack *stack,
			int *located, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	char *dir;
	long n;
	int ret;
	*located = 0;
	n = strbuf_read_file(&text, path, CONFIG_MAX_BYTES + 1);
	if (n < 0) {
		strbuf_addf(err, "cannot read '%s': %s", path, strerror(errno));
		strbuf_release(&text);
		return -1;
	}
	if ((size_t)n > CONFIG_MAX_BYTES) {
		strbuf_addf(err, "'%s' is larger than %u MiB: not a perfloop configuration", path,
			    CONFIG_MAX_BYTES >> 20);
		strbuf_release(&text);
		return -1;
	}
	if (memchr(text.buf, '\0', text.len)) {
		strbuf_addf(err, "%s: not a text file (NUL byte)", path);
		strbuf_release(&text);
		return -1;
	}
	ALLOC_GROW(cfg->files, cfg->nr_files + 1, cfg->alloc_files);
	cfg->files[cfg->nr_files++] = xstrdup(path);
	dir = path_dirname(path);
	stack->path[stack->nr++] = path;
	*located = 1;
	ret = parse_text(cfg, path, dir, text.buf, stack, err);
	stack->nr--;
	free(dir);
	strbuf_release(&text);
	return ret;
}

/* "a.ini -> b.ini -> a.ini": the include chain from the file `at` on, back to it. */
static void describe_loop(struct strbuf *sb, const struct include_stack *stack, int at,
			  const char *again)
{
	for (int i = at; i < stack->nr; i++)
		strbuf_addf(sb, "%s -> ", stack->path[i]);
	strbuf_addstr(sb, again);
}

/* An include at name:lineno of the (absolute) path: refuse loops and deep nesting. */
static int include_at(struct config *cfg, const char *name, int lineno, const char *path,
		      struct include_stack *stack, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	int located;
	for (int i = 0; i < stack->nr; i++) {
		if (!same_file(stack->path[i], path))
			continue;
		strbuf_addf(err, "%s:%d: include loop: ", name, lineno);
		describe_loop(err, stack, i, path);
		return -1;
	}
	if (stack->nr > MAX_INCLUDE_DEPTH) {
		strbuf_addf(err, "%s:%d: includes nested more than %d deep", name, lineno,
			    MAX_INCLUDE_DEPTH);
		return -1;
	}
	if (include_file(cfg, path, stack, &located, &why)) {
		if (located)
			strbuf_addbuf(err, &why);
		else
			strbuf_addf(err, "%s:%d: %s", name, lineno, why.buf);
		strbuf_release(&why);
		return -1;
	}
	strbuf_release(&why);
	return 0;
}

static int parse_text(struct config *cfg, const char *name, const char *dir, const char *text,
		      struct include_stack *stack, struct strbuf *err)
{
	struct strbuf section = STRBUF_INIT, line = STRBUF_INIT, value = STRBUF_INIT;
	struct strbuf why = STRBUF_INIT;
	int lineno = 0, ret = -1, guard_line = 0;
	size_t guard_nr = 0;
	const char *p = text;

	/* editors on some systems start a UTF-8 file with a byte order mark */
	if (!strncmp(p, "\xEF\xBB\xBF", 3))
		p += 3;

	while (strbuf_ini_line(&line, &p, &lineno)) {
		char *eq, *key;
		const struct cfg_keydoc *k;
		int known;

		if (line.buf[0] == '[') {
			char *close = strchr(line.buf, ']');
			char *rest;
			if (!close) {
				strbuf_addf(err, "%s:%d: missing ']' in section header", name, lineno);
				goto out;
			}
			rest = close + 1;
			while (*rest == ' ' || *rest == '\t')
				rest++;
			if (*rest && *rest != ';' && *rest != '#') {
				strbuf_addf(err, "%s:%d: text after section header", name, lineno);
				goto out;
			}
			*close = '\0';
			if (guard_empty(cfg, guard_line, guard_nr, name, section.buf, err))
				goto out;
			guard_line = 0;
			strbuf_reset(&section);
			if (section_header(line.buf + 1, &section, &why)) {
				strbuf_addf(err, "%s:%d: %s", name, lineno, why.buf);
				goto out;
			}
			find_key(section.buf, "", &known);
			if (!known) {
				strbuf_addf(err, "%s:%d: unknown section [%s]", name, lineno, section.buf);
				goto out;
			}
			if (!strncmp(section.buf, "guard.", 6)) {
				guard_line = lineno;
				guard_nr = cfg->nr;
			}
			continue;
		}

		eq = strchr(line.buf, '=');
		if (!eq) {
			strbuf_addf(err, "%s:%d: expected 'key = value' or '[section]'", name, lineno);
			goto out;
		}
		if (!section.len) {
			strbuf_addf(err, "%s:%d: key outside any [section]", name, lineno);
			goto out;
		}
		*eq = '\0';
		key = line.buf;
		{
			size_t kl = strlen(key);
			while (kl && (key[kl - 1] == ' ' || key[kl - 1] == '\t'))
				key[--kl] = '\0';
		}
		/* keys are case-insensitive, except in free-form sections like [env] */
		if (!find_key(section.buf, "", &known))
			for (char *c = key; *c; c++)
				*c = (char)tolower((unsigned char)*c);
		k = find_key(section.buf, key, &known);
		if (!valid_name(key, 1)) {
			strbuf_addf(err, "%s:%d: bad key name '%s'", name, lineno, key);
			goto out;
		}
		if (!k) {
			strbuf_addf(err, "%s:%d: unknown key '%s.%s'", name, lineno, section.buf, key);
			suggest(err, section.buf, key);
			goto out;
		}
		strbuf_reset(&value);
		strbuf_reset(&why);
		if (parse_value(eq + 1, &value, &why) || check_value(k, value.buf, &why)) {
			strbuf_addf(err, "%s:%d: bad value for '%s.%s': %s", name, lineno, section.buf, key,
				    why.buf);
			goto out;
		}
		if (k->type != CFG_LIST) {
			for (size_t i = 0; i < cfg->nr; i++) {
				struct cfg_entry *e = &cfg->entries[i];
				if (!strcmp(e->section, section.buf) && !strcmp(e->key, key) &&
				    !strcmp(e->file, name)) {
					strbuf_addf(err, "%s:%d: '%s.%s' is set twice (first at line %d)",
						    name, lineno, section.buf, key, e->line);
					goto out;
				}
			}
		}
		if (k->type == CFG_PATH || !strcmp(section.buf, "include")) {
			char *abs = path_join_abs(dir, value.buf);
			strbuf_reset(&value);
			strbuf_addstr(&value, abs);
			free(abs);
		}
		if (!strcmp(section.buf, "include")) {
			if (include_at(cfg, name, lineno, value.buf, stack, err))
				goto out;
			continue;
		}
		add_entry(cfg, section.buf, key, value.buf, name, lineno);
	}
	if (guard_empty(cfg, guard_line, guard_nr, name, section.buf, err))
		goto out;
	ret = 0;
out:
	strbuf_release(&section);
	strbuf_release(&line);
	strbuf_release(&value);
	strbuf_release(&why);
	return ret;
}

/*
 * Rules across keys, checked once everything is read: the bench's metrics
 * (check_metrics()), and an [env] entry for bench.env's variable would
 * replace the artifact's path in the harness's environment, so both sides
 * would run the same file.
 */
static int check_metrics(const struct config *cfg, struct strbuf *err);

static int check_whole(const struct config *cfg, struct strbuf *err)
{
	const struct cfg_entry *var = config_entry(cfg, "bench.env");
	if (check_metrics(cfg, err))
		return -1;
	if (!var)
		return 0;
	for (size_t i = 0; i < cfg->nr; i++) {
		const struct cfg_entry *e = &cfg->entries[i];
		if (strcmp(e->section, "env") || strcmp(e->key, var->value))
			continue;
		strbuf_addf(err,
			    "%s:%d: [env] sets %s, the variable bench.env gives the artifact's "
			    "path (%s:%d): both sides would run the same file; remove it from "
			    "[env]",
			    e->file, e->line, e->key, var->file, var->line);
		return -1;
	}
	return 0;
}

/* One of the words of a NULL-terminated list, or an error at e's file:line. */
static int check_choice(const struct cfg_entry *e, const char *const *words, struct strbuf *err)
{
	if (!e)
		return 0;
	for (const char *const *w = words; *w; w++)
		if (!strcmp(e->value, *w))
			return 0;
	strbuf_addf(err, "%s:%d: bad value for '%s.%s': '%s' is not ", e->file, e->line,
		    e->section, e->key, e->value);
	for (const char *const *w = words; *w; w++)
		strbuf_addf(err, "%s%s", w == words ? "" : w[1] ? ", " : " or ", *w);
	return -1;
}

/*
 * The bench's metrics: every [metrics] entry is a valid name with a regex
 * of one capture group (or "file"), bench.metric names a metric there is,
 * and the choices and CPU list of the other bench keys are valid.
 */
static int check_metrics(const struct config *cfg, struct strbuf *err)
{
	static const char *const instructions[] = { "auto", "pmu", "valgrind", NULL };
	static const char *const cross[] = { "block", "warn", NULL };
	static const char *const builtin[] = { "wall", "cpu", "instructions", NULL };
	const struct cfg_entry *metric = config_entry(cfg, "bench.metric");
	const struct cfg_entry *cpus = config_entry(cfg, "bench.cpus");
	struct hmetric_rules rules = HMETRIC_RULES_INIT;
	struct strbuf why = STRBUF_INIT;
	int found = !metric, ret = -1;
	cpu_set_t set;

	for (size_t i = 0; i < cfg->nr; i++) {
		const struct cfg_entry *e = &cfg->entries[i];
		int later = 0, bad;
		if (strcmp(e->section, "metrics"))
			continue;
		/* a later file (the loop's ini after its include) may set it again: that wins */
		for (size_t k = i + 1; k < cfg->nr && !later; k++)
			later = !strcmp(cfg->entries[k].section, "metrics") &&
				!strcmp(cfg->entries[k].key, e->key);
		if (later)
			continue;
		bad = !strcmp(e->value, "file") ? hmetric_name_check(e->key, &why)
						: hmetric_rules_add(&rules, e->key, e->value, &why);
		if (bad) {
			strbuf_addf(err, "%s:%d: [metrics] %s: %s", e->file, e->line, e->key,
				    why.buf);
			goto out;
		}
		if (metric && !strcmp(metric->value, e->key))
			found = 1;
	}
	for (const char *const *w = builtin; metric && !found && *w; w++)
		found = !strcmp(metric->value, *w);
	if (!found) {
		strbuf_addf(err,
			    "%s:%d: bad value for 'bench.metric': '%s' is not wall, cpu, "
			    "instructions or a metric of [metrics]",
			    metric->file, metric->line, metric->value);
		goto out;
	}
	for (size_t i = 0; i < cfg->nr; i++) {
		const struct cfg_entry *e = &cfg->entries[i];
		if (strncmp(e->section, "guard.", 6) || strcmp(e->key, "metric"))
			continue;
		found = 0;
		for (const char *const *w = builtin; !found && *w; w++)
			found = !strcmp(e->value, *w);
		for (size_t k = 0; k < cfg->nr && !found; k++)
			found = !strcmp(cfg->entries[k].section, "metrics") &&
				!strcmp(cfg->entries[k].key, e->value);
		if (!found) {
			strbuf_addf(err,
				    "%s:%d: bad value for '%s.metric': '%s' is not wall, cpu, "
				    "instructions or a metric of [metrics]",
				    e->file, e->line, e->section, e->value);
			goto out;
		}
	}
	if (check_choice(config_entry(cfg, "bench.instructions"), instructions, err) ||
	    check_choice(config_entry(cfg, "bench.cross-check"), cross, err))
		goto out;
	if (cpus && cpulist_parse(cpus->value, &set, &why)) {
		strbuf_addf(err, "%s:%d: bad value for 'bench.cpus': %s", cpus->file, cpus->line,
			    why.buf);
		goto out;
	}
	ret = 0;
out:
	hmetric_rules_release(&rules);
	strbuf_release(&why);
	return ret;
}

int config_parse(struct config *cfg, const char *name, const char *dir, const char *text,
		 struct strbuf *err)
{
	struct include_stack stack = { { name }, 1 };
	if (!cfg->dir)
		cfg->dir = xstrdup(dir);
	if (parse_text(cfg, name, dir, text, &stack, err))
		return -1;
	return check_whole(cfg, err);
}

int config_load(struct config *cfg, const char *path, struct strbuf *err)
{
	struct include_stack stack = { { NULL }, 0 };
	char *abs = path_join_abs(NULL, path);
	char *dir = path_dirname(abs);
	int located;
	free(cfg->path);
	free(cfg->dir);
	cfg->path = abs;
	cfg->dir = dir;
	if (is_dir(abs)) {
		strbuf_addf(err, "cannot read '%s': it is a directory", abs);
		return -1;
	}
	if (include_file(cfg, abs, &stack, &located, err))
		return -1;
	return check_whole(cfg, err);
}

char *config_discover(const char *start)
{
	char *dir = path_join_abs(NULL, start ? start : ".");
	for (;;) {
		char *cand = xstrfmt("%s%sperfloop.ini", dir, strcmp(dir, "/") ? "/" : "");
		if (file_exists(cand)) {
			free(dir);
			return cand;
		}
		free(cand);
		if (!strcmp(dir, "/"))
			break;
		{
			char *up = path_dirname(dir);
			free(dir);
			dir = up;
		}
	}
	free(dir);
	return NULL;
}

void config_release(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nr; i++) {
		free(cfg->entries[i].section);
		free(cfg->entries[i].key);
		free(cfg->entries[i].value);
		free(cfg->entries[i].file);
	}
	free(cfg->entries);
	for (size_t i = 0; i < cfg->nr_files; i++)
		free(cfg->files[i]);
	free(cfg->files);
	free(cfg->path);
	free(cfg->dir);
	memset(cfg, 0, sizeof(*cfg));
}

static void split_name(const char *name, char *section, size_t slen, const char **key)
{
	const char *dot = strrchr(name, '.'); /* "guard.NAME.key": the section has a dot */
	size_t n;
	if (!dot)
		BUG("config name '%s' has no section", name);
	n = (size_t)(dot - name);
	if (n >= slen)
		BUG("config section too long in '%s'", name);
	memcpy(section, name, n);
	section[n] = '\0';
	*key = dot + 1;
}

const struct cfg_entry *config_entry(const struct config *cfg, const char *name)
{
	char section[64];
	const char *key;
	split_name(name, section, sizeof(section), &key);
	for (size_t i = cfg->nr; i-- > 0;) {
		const struct cfg_entry *e = &cfg->entries[i];
		if (!strcmp(e->section, section) && !strcmp(e->key, key))
			return e;
	}
	return NULL;
}

const char *config_get(const struct config *cfg, const char *name)
{
	char section[64];
	const char *key;
	const struct cfg_entry *e = config_entry(cfg, name);
	int known;
	const struct cfg_keydoc *k;
	if (e)
		return e->value;
	split_name(name, section, sizeof(section), &key);
	k = find_key(section, key, &known);
	if (!k)
		BUG("config key '%s' is not in the table", name);
	return k->def;
}

long config_get_int(const struct config *cfg, const char *name)
{
	long v = 0;
	const char *s = config_get(cfg, name);
	if (s && parse_long(s, &v))
		BUG("invalid integer for %s", name);
	return v;
}

double config_get_real(const struct config *cfg, const char *name)
{
	double v = 0;
	const char *s = config_get(cfg, name);
	char section[64];
	const char *key;
	int known;
	const struct cfg_keydoc *k;
	if (!s)
		return 0;
	split_name(name, section, sizeof(section), &key);
	k = find_key(section, key, &known);
	if (k && k->type == CFG_PCT) {
		if (parse_pct(s, &v))
			BUG("invalid percentage for %s", name);
	} else if (parse_double(s, &v)) {
		BUG("invalid number for %s", name);
	}
	return v;
}

int config_get_bool(const struct config *cfg, const char *name)
{
	const char *s = config_get(cfg, name);
	return s ? parse_bool(s) == 1 : 0;
}

char *config_get_path(const struct config *cfg, const char *name)
{
	const char *s = config_get(cfg, name);
	return s ? path_join_abs(cfg->dir, s) : NULL;
}

int config_each(const struct config *cfg, const char *section, const char *key,
		int (*fn)(const struct cfg_entry *e, void *data), void *data)
{
	for (size_t i = 0; i < cfg->nr; i++) {
		const struct cfg_entry *e = &cfg->entries[i];
		int r;
		if (strcmp(e->section, section) || (key && strcmp(e->key, key)))
			continue;
		r = fn(e, data);
		if (r)
			return r;
	}
	return 0;
}

size_t config_guards(const struct config *cfg, const char ***out)
{
	const char **names = NULL;
	size_t n = 0, alloc = 0;
	for (size_t i = 0; i < cfg->nr; i++) {
		const char *sec = cfg->entries[i].section;
		size_t k;
		if (strncmp(sec, "guard.", 6))
			continue;
		for (k = 0; k < n && strcmp(names[k], sec + 6); k++)
			;
		if (k < n)
			continue;
		ALLOC_GROW(names, n + 1, alloc);
		names[n++] = sec + 6;
	}
	*out = names;
	return n;
}

int config_has_guard(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nr; i++)
		if (!strncmp(cfg->entries[i].section, "guard.", 6) &&
		    !strcmp(cfg->entries[i].section + 6, name))
			return 1;
	return 0;
}

char *config_guard_key(const struct config *cfg, const char *guard, const char *key)
{
	char *name;
	int known;
	const struct cfg_keydoc *k;
	if (!guard)
		return xstrfmt("bench.%s", key);
	name = xstrfmt("guard.%s.%s", guard, key);
	k = find_key("guard.NAME", key, &known);
	if (config_entry(cfg, name) || (k && k->def))
		return name;
	free(name);
	return xstrfmt("bench.%s", key);
}
