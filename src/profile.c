/*
 * profile.c: perf record on the bench harness, and the profiles table.
 */
#include "profile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-prepare.h"
#include "perf/perfdata.h"
#include "proc.h"
#include "store.h"
#include "banned.h"

#define PROFILE_COLUMNS                                                                            \
	"p.id, p.created, p.finished, p.wall, p.status, p.path, p.artifact_id, p.artifact_hash, "  \
	"p.artifact_path, p.event, p.event_recorded, p.freq, p.callgraph, p.samples, p.lost, "     \
	"p.key, p.dir, p.command, p.perf_command, p.exit_status, p.log_out, p.log_err, "           \
	"p.message, p.bench_id, a.stored, a.path, p.runs"

void profile_release(struct profile *p)
{
	free(p->status);
	free(p->path);
	free(p->artifact_hash);
	free(p->artifact_path);
	free(p->orig_path);
	free(p->stored);
	free(p->event);
	free(p->event_recorded);
	free(p->callgraph);
	free(p->key);
	free(p->dir);
	free(p->command);
	free(p->perf_command);
	free(p->log_out);
	free(p->log_err);
	free(p->message);
	memset(p, 0, sizeof(*p));
}

/* A row of PROFILE_COLUMNS into a struct profile (a ledger_rows() reader). */
static void read_row(sqlite3_stmt *st, void *row)
{
	struct profile *p = row;
	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(st, 0);
	p->created = sqlite3_column_double(st, 1);
	p->finished = sqlite3_column_double(st, 2);
	p->wall = sqlite3_column_double(st, 3);
	p->status = col_dup(st, 4);
	p->path = col_dup(st, 5);
	p->artifact_id = sqlite3_column_int64(st, 6);
	p->artifact_hash = col_dup(st, 7);
	p->artifact_path = col_dup(st, 8);
	p->event = col_dup(st, 9);
	p->event_recorded = col_dup(st, 10);
	p->freq = (long)sqlite3_column_int64(st, 11);
	p->callgraph = col_dup(st, 12);
	p->samples = sqlite3_column_int64(st, 13);
	p->lost = sqlite3_column_int64(st, 14);
	p->key = col_dup(st, 15);
	p->dir = col_dup(st, 16);
	p->command = col_dup(st, 17);
	p->perf_command = col_dup(st, 18);
	p->exit_status = sqlite3_column_int(st, 19);
	p->log_out = col_dup(st, 20);
	p->log_err = col_dup(st, 21);
	p->message = col_dup(st, 22);
	p->bench_id = sqlite3_column_int64(st, 23);
	p->stored = col_dup(st, 24);
	p->orig_path = col_dup(st, 25);
	p->runs = sqlite3_column_int(st, 26);
}

/* Run a prepared profile query; 0 with *out, 1 when no row, -1 on error. */
static int one_profile(struct ledger *l, sqlite3_stmt *st, struct profile *out, struct strbuf *err)
{
	int rc;
	if (!st)
		return -1;
	rc = ledger_step(l, st, err);
	if (rc > 0)
		read_row(st, out);
	sqlite3_finalize(st);
	return rc < 0 ? -1 : !rc;
}

int profile_get(struct ledger *l, int64_t id, struct profile *out, struct strbuf *err)
{
	return one_profile(l,
			   ledger_query(l, err,
					"SELECT " PROFILE_COLUMNS
					" FROM profiles p LEFT JOIN artifacts a "
					"ON a.id = p.artifact_id WHERE p.id = ?",
					"i", id),
			   out, err);
}

static void release_profile(void *row)
{
	profile_release(row);
}

int profile_list(struct ledger *l, long limit, struct profile **out, size_t *nr,
		 struct strbuf *err)
{
	*out = ledger_rows(l,
			   ledger_query(l, err,
					"SELECT " PROFILE_COLUMNS " FROM profiles p LEFT JOIN "
					"artifacts a ON a.id = p.artifact_id ORDER BY p.id DESC LIMIT ?",
					"i", (int64_t)limit),
			   sizeof(**out), read_row, release_profile, nr, err);
	return *out ? 0 : -1;
}

void profiles_free(struct profile *p, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		profile_release(&p[i]);
	free(p);
}

/* The newest finished profile of an artifact (NULL: any), not `exclude`, over `runs` (0: any). */
static int newest(struct ledger *l, const char *artifact_hash, int64_t exclude, int runs,
		  struct profile *out, struct strbuf *err)
{
	return one_profile(l,
			   ledger_query(l, err,
					"SELECT " PROFILE_COLUMNS
					" FROM profiles p LEFT JOIN artifacts a "
					"ON a.id = p.artifact_id WHERE p.status = 'done' AND "
					"(? IS NULL OR p.artifact_hash = ?) AND p.id != ? AND "
					"(? = 0 OR p.runs = ?) ORDER BY p.id DESC LIMIT 1",
					"ttiii", artifact_hash, artifact_hash, exclude,
					(int64_t)runs, (int64_t)runs),
			   out, err);
}

int profile_newest(struct ledger *l, const char *artifact_hash, int64_t exclude,
		   struct profile *out, struct strbuf *err)
{
	return newest(l, artifact_hash, exclude, 0, out, err);
}

int profile_newest_runs(struct ledger *l, const char *artifact_hash, int runs,
			struct profile *out, struct strbuf *err)
{
	return newest(l, artifact_hash, 0, runs, out, err);
}

int profile_select_pair(struct ledger *l, const char *cand_hash, struct profile *a,
			struct profile *b, struct strbuf *note, struct strbuf *err)
{
	sqlite3_stmt *st;
	char *base_hash = NULL, *base_name = NULL;
	int r;
	memset(a, 0, sizeof(*a));
	r = profile_newest(l, cand_hash, 0, b, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		strbuf_addstr(err, cand_hash
				       ? "no profile of the current artifact yet: run 'perfloop "
					 "profile' first"
				       : "no profiles yet: run 'perfloop profile' first");
		return -1;
	}
	st = ledger_query(l, err,
			  "SELECT a.hash, b.name FROM baselines b JOIN artifacts a ON a.id = "
			  "b.artifact_id ORDER BY b.id DESC LIMIT 1",
			  NULL);
	if (!st)
		return -1;
	if ((r = ledger_step(l, st, err)) > 0) {
		base_hash = xstrdup(col_text(st, 0));
		base_name = xstrdup(col_text(st, 1));
	}
	sqlite3_finalize(st);
	if (r < 0) {
		profile_release(b);
		return -1;
	}
	r = 1;
	if (base_hash && (!b->artifact_hash || strcmp(base_hash, b->artifact_hash))) {
		r = profile_newest(l, base_hash, b->id, a, err);
		if (!r)
			strbuf_addf(note, "baseline: profile %lld of baseline '%s'",
				    (long long)a->id, base_name);
	}
	if (r == 1) {
		r = one_profile(l,
				ledger_query(l, err,
					     "SELECT " PROFILE_COLUMNS " FROM profiles p LEFT JOIN "
					     "artifacts a ON a.id = p.artifact_id WHERE p.status = "
					     "'done' AND p.id < ? ORDER BY p.id DESC LIMIT 1",
					     "i", b->id),
				a, err);
		if (!r)
			strbuf_addf(note, "baseline: profile %lld, the one recorded before %lld%s",
				    (long long)a->id, (long long)b->id,
				    base_hash
					? " (the saved baseline has no profile: record one with "
					  "'perfloop profile --baseline NAME')"
					: "");
	}
	free(base_hash);
	free(base_name);
	if (r < 0)
		return -1;
	if (r > 0) {
		strbuf_addf(err,
			    "only one profile (%lld) to compare: record another, e.g. of the "
			    "baseline with 'perfloop profile --baseline NAME'",
			    (long long)b->id);
		profile_release(b);
		return -1;
	}
	return 0;
}

size_t profile_aliases(const struct profile *p, const char *name, struct dso_alias *out)
{
	size_t n = 0;
	const char *show = name		      ? name
			   : p->orig_path     ? path_basename(p->orig_path)
			   : p->artifact_path ? path_basename(p->artifact_path)
					      : NULL;
	const char *file = p->stored && file_exists(p->stored) ? p->stored : NULL;
	if (p->artifact_path) {
		out[n].path = p->artifact_path;
		out[n].file = file;
		out[n].name = show;
		n++;
	}
	if (p->stored && (!p->artifact_path || strcmp(p->stored, p->artifact_path))) {
		out[n].path = p->stored;
		out[n].file = file;
		out[n].name = show;
		n++;
	}
	return n;
}

char *profile_symbol_cache(const struct config *cfg)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	if (config_get(cfg, "profile.symbol-cache"))
		return config_get_path(cfg, "profile.symbol-cache");
	if (xdg && *xdg == '/')
		return xstrfmt("%s/perfloop/symbols", xdg);
	if (home && *home)
		return xstrfmt("%s/.cache/perfloop/symbols", home);
	return NULL;
}

void profile_hist_opts(const struct config *cfg, struct hist_opts *o, char **cache_dir)
{
	memset(o, 0, sizeof(*o));
	*cache_dir = profile_symbol_cache(cfg);
	o->cache_dir = *cache_dir;
	o->sort = HIST_SORT_DSO_SYM;
}

void profile_source_release(struct profile_source *s)
{
	free(s->path);
	free(s->label);
	profile_release(&s->prof);
	memset(s, 0, sizeof(*s));
}

static int from_ledger(struct profile_source *out)
{
	out->path = xstrdup(out->prof.path);
	out->label = xstrfmt("profile %lld", (long long)out->prof.id);
	out->nr_aliases = profile_aliases(&out->prof, NULL, out->aliases);
	return 0;
}

void profile_source_from(struct profile_source *s, struct profile *p)
{
	memset(s, 0, sizeof(*s));
	s->prof = *p;
	memset(p, 0, sizeof(*p));
	from_ledger(s);
}

/* Read one side: its rows and first event with samples. */
static int compare_side(struct profile_source *s, const struct hist_opts *base,
			struct hist_report *r, const struct hist_event **ev, struct strbuf *warn,
			struct strbuf *err)
{
	struct hist_opts o = *base;
	const char *p;
	o.aliases = s->aliases;
	o.nr_aliases = s->nr_aliases;
	if (hists_build(s->path, &o, r, err))
		return -1;
	for (size_t i = 0; i < r->nr_events && !*ev; i++)
		if (r->events[i].nr_samples)
			*ev = &r->events[i];
	for (p = r->warn.buf; *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		strbuf_addf(warn, "%s: %.*s\n", s->label, (int)n, p);
		p += n + (eol ? 1 : 0);
	}
	if (!*ev) {
		strbuf_addf(err, "%s has no samples", s->label);
		return -1;
	}
	return 0;
}

int profile_compare(struct project *c, struct profile_source *a, struct profile_source *b,
		    const struct diff_opts *o, struct profile_comparison *out, struct strbuf *warn,
		    struct strbuf *err)
{
	struct hist_opts ho;
	char *cache = NULL;
	int ret = -1;
	memset(out, 0, sizeof(*out));
	profile_hist_opts(&c->cfg, &ho, &cache);
	ho.sort = HIST_SORT_DSO_SYM;
	/* the artifact of both sides under one name, so it matches across rebuilds */
	if (a->nr_aliases && b->nr_aliases)
		for (size_t i = 0; i < a->nr_aliases; i++)
			a->aliases[i].name = b->aliases[0].name;
	if (!compare_side(a, &ho, &out->ra, &out->a, warn, err) &&
	    !compare_side(b, &ho, &out->rb, &out->b, warn, err)) {
		diff_compute(out->a, out->b, o, &out->diff);
		ret = 0;
	}
	free(cache);
	return ret;
}

void profile_comparison_release(struct profile_comparison *pc)
{
	diff_release(&pc->diff);
	hists_release(&pc->ra);
	hists_release(&pc->rb);
	memset(pc, 0, sizeof(*pc));
}

int profile_source_resolve(struct project *c, const char *arg, struct profile_source *out,
			   struct strbuf *note, struct strbuf *err)
{
	struct ledger *l;
	long id = 0;
	int r, is_id;
	memset(out, 0, sizeof(*out));
	is_id = arg && !parse_long(arg, &id);
	if (arg && !is_id) {
		if (!file_exists(arg)) {
			strbuf_addf(err, "'%s' is neither a profile id nor a perf.data file", arg);
			return -1;
		}
		out->path = xstrdup(arg);
		out->label = xstrdup(arg);
		return 0;
	}
	/* an id, or the default: both need the ledger, which must exist already */
	if (!c->state_dir || !is_dir(c->state_dir)) {
		if (arg)
			strbuf_addf(err,
				    "no profile %s: there is no perfloop state here (%s); pass a "
				    "perf.data path",
				    arg, c->state_dir ? c->state_dir : "no perfloop.ini");
		else
			strbuf_addstr(err,
				      "no profile given and none recorded here: pass a profile id "
				      "or a perf.data path, or run 'perfloop profile'");
		return -1;
	}
	if (!(l = project_ledger(c, err)))
		return -1;
	if (arg) {
		r = profile_get(l, id, &out->prof, err);
		if (r > 0)
			strbuf_addf(err,
				    "no profile %ld in the ledger (see 'perfloop profile --list')",
				    id);
		if (r)
			return -1;
		return from_ledger(out);
	}
	r = 1;
	if (config_get(&c->cfg, "build.artifact")) {
		char *art = project_artifact(c, err);
		char hex[HASH_HEX];
		uint64_t size;
		struct strbuf ignore = STRBUF_INIT;
		if (art && file_exists(art) && !hash_file(art, hex, &size, &ignore)) {
			r = profile_newest(l, hex, 0, &out->prof, err);
			if (r > 0)
				strbuf_addf(note,
					    "no profile of the current artifact yet: showing the "
					    "newest profile");
		}
		if (r >= 0) /* an unreadable artifact only means: the newest profile */
			strbuf_reset(err);
		strbuf_release(&ignore);
		free(art);
	}
	if (r < 0)
		return -1;
	if (r > 0) {
		r = profile_newest(l, NULL, 0, &out->prof, err);
		if (r > 0)
			strbuf_addstr(err,
				      "no profiles recorded yet: run 'perfloop profile' first");
		if (r)
			return -1;
	}
	return from_ledger(out);
}

/* ---- checks before recording ---- */

/* Is `prog` runnable: a path that exists, or found on PATH? */
static int find_program(const char *prog)
{
	const char *path = getenv("PATH");
	if (strchr(prog, '/'))
		return !access(prog, X_OK);
	while (path && *path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);
		char *cand = xstrfmt("%.*s/%s", (int)n, n ? path : ".", prog);
		int ok = !access(cand, X_OK);
		free(cand);
		if (ok)
			return 1;
		path = colon ? colon + 1 : NULL;
	}
	return 0;
}

int profile_event_has_kernel(const char *event)
{
	const char *mod = strrchr(event, ':');
	if (!mod || strchr(mod, '/'))
		return 1;
	/* perf modifiers: u (user), k (kernel), h (hypervisor), p (precise), ... */
	return strchr(mod + 1, 'k') || !strchr(mod + 1, 'u');
}

int profile_check_perf(const char *perf, const char *event, struct strbuf *err)
{
	struct strbuf sb = STRBUF_INIT;
	long level;
	int kernel = profile_event_has_kernel(event);
	if (!find_program(perf)) {
		strbuf_addf(err,
			    "'%s' is not installed or not on PATH: run 'apt-get install "
			    "linux-perf' (Debian; 'linux-tools-generic' on Ubuntu) or set "
			    "profile.perf",
			    perf);
		return -1;
	}
	if (geteuid() == 0)
		return 0;
	if (strbuf_read_file(&sb, "/proc/sys/kernel/perf_event_paranoid", 64) < 0) {
		strbuf_release(&sb);
		return 0; /* let perf say what is wrong */
	}
	strbuf_trim(&sb);
	level = strtol(sb.buf, NULL, 10);
	strbuf_release(&sb);
	if (level > 2 || (kernel && level > 1)) {
		strbuf_addf(err,
			    "kernel.perf_event_paranoid is %ld, which forbids profiling %s as "
			    "this user: run 'sudo sysctl kernel.perf_event_paranoid=%d'%s",
			    level, kernel ? "kernel and user code" : "user code", kernel ? 1 : 2,
			    kernel ? " or profile user code only (an event ending in ':u', e.g. "
				     "cycles:u)"
				   : "");
		return -1;
	}
	return 0;
}

static char *base_event(const char *e)
{
	size_t n = strcspn(e, ":/");
	return xstrndup(e, n);
}

int profile_event_substituted(const char *requested, const char *recorded)
{
	char *a = base_event(requested), *b = base_event(recorded);
	int r = strcmp(a, b) != 0;
	free(a);
	free(b);
	return r;
}

/* ---- recording ---- */

int profile_runs(const struct config *cfg, int runs, struct strbuf *err)
{
	long v;
	if (runs > 0)
		return runs;
	v = config_get_int(cfg, "profile.runs");
	if (v < 1 || v > 1000000) {
		const struct cfg_entry *e = config_entry(cfg, "profile.runs");
		strbuf_addf(err, "bad value %ld for profile.runs: use a number of harness runs "
			    "from 1 to 1000000", v);
		if (e)
			strbuf_addf(err, " (%s:%d)", e->file, e->line);
		return -1;
	}
	return (int)v;
}

/* sh -c script for --runs: $1 runs of the command in "$@" after it */
#define RUNS_LOOP                                                                                  \
	"n=$1; shift; i=0; while [ \"$i\" -lt \"$n\" ]; do \"$@\" || exit; i=$((i + 1)); done"

struct count {
	int64_t samples, lost;
};

static int count_records(void *data, const struct pd_event *ev)
{
	struct count *c = data;
	if (ev->type == PERF_RECORD_SAMPLE)
		c->samples++;
	else if (ev->type == PERF_RECORD_LOST || ev->type == PERF_RECORD_LOST_SAMPLES)
		c->lost += (int64_t)ev->u.lost.lost;
	return 0;
}

/* Fill event_recorded/samples/lost from the file; a problem goes to message. */
static void inspect(struct profile *p)
{
	struct pd_file f;
	struct strbuf err = STRBUF_INIT, names = STRBUF_INIT;
	struct count c = {0, 0};
	if (pd_open(&f, p->path, &err) || pd_iterate(&f, count_records, &c, &err)) {
		if (!p->message)
			p->message = strbuf_detach(&err, NULL);
	} else {
		for (size_t i = 0; i < f.nr_attrs; i++) {
			char *n = pd_attr_name(&f.attrs[i]);
			if (strncmp(n, "dummy", 5)) {
				if (names.len)
					strbuf_addch(&names, ',');
				strbuf_addstr(&names, n);
			}
			free(n);
		}
		p->event_recorded = strbuf_detach(&names, NULL);
		p->samples = c.samples;
		p->lost = c.lost;
	}
	pd_close(&f);
	strbuf_release(&err);
	strbuf_release(&names);
}

static int cfg_choice(struct project *c, const char *key, const char *val, const char *const *ok,
		      struct strbuf *err)
{
	const struct cfg_entry *e;
	for (size_t i = 0; ok[i]; i++)
		if (!strcmp(val, ok[i]))
			return 0;
	e = config_entry(&c->cfg, key);
	strbuf_addf(err, "bad value '%s' for %s: use none, fp or dwarf", val, key);
	if (e)
		strbuf_addf(err, " (%s:%d)", e->file, e->line);
	return -1;
}

static void add_arg(char ***argv, size_t *nr, size_t *alloc, const char *a)
{
	ALLOC_GROW(*argv, *nr + 2, *alloc);
	(*argv)[(*nr)++] = xstrdup(a);
	(*argv)[*nr] = NULL;
}

int profile_record(struct project *c, const struct profile_request *req, struct profile *out,
		   struct strbuf *err)
{
	static const char *const callgraphs[] = {"none", "fp", "dwarf", NULL};
	struct bench_request breq = {0};
	struct bench_setup s;
	struct child ch = CHILD_INIT;
	struct strbuf why = STRBUF_INIT, cmdline = STRBUF_INIT;
	const char *event = req->event ? req->event : config_get(&c->cfg, "profile.event");
	const char *cg = req->callgraph ? req->callgraph : config_get(&c->cfg, "profile.callgraph");
	const char *perf = config_get(&c->cfg, "profile.perf");
	const char *extra = config_get(&c->cfg, "profile.record-args");
	long freq = req->freq > 0 ? req->freq : config_get_int(&c->cfg, "profile.freq");
	int runs;
	char *prof_dir = NULL, *log_dir = NULL, *env_art = NULL, *real = NULL;
	char **argv = NULL, **words = NULL;
	const char **envv = NULL;
	size_t nr = 0, alloc = 0, nextra = 0;
	struct ledger *l;
	int ret = -1, prepared = 0;
	char num[32];

	memset(out, 0, sizeof(*out));
	if (cfg_choice(c, "profile.callgraph", cg, callgraphs, err))
		return -1;
	if (!event || !*event) {
		strbuf_addstr(err, "profile.event is empty: set an event such as cycles:u");
		return -1;
	}
	if (freq < 1) {
		strbuf_addstr(err, "profile.freq must be at least 1 sample per second");
		return -1;
	}
	if ((runs = profile_runs(&c->cfg, req->runs, err)) < 0)
		return -1;
	if (profile_check_perf(perf, event, err))
		return -1;
	breq.artifact = req->artifact;
	breq.no_baseline = 1;
	breq.warmup = -1;
	prepared = 1;
	if (bench_prepare(c, &breq, &s, err))
		goto out_setup;
	l = c->ledger;
	if (!(prof_dir = project_state_subdir(c, "profiles", err)) ||
	    !(log_dir = project_state_subdir(c, "logs", err)))
		goto out_setup;

	real = realpath(s.cand.path, NULL);
	out->created = now_wall();
	out->status = xstrdup("running");
	out->event = xstrdup(event);
	out->freq = freq;
	out->callgraph = xstrdup(cg);
	out->key = xstrdup(s.key);
	out->dir = xstrdup(s.dir);
	out->command = xstrdup(s.spec.command);
	out->artifact_id = s.cand.id;
	out->artifact_hash = xstrdup(s.cand.hash);
	out->artifact_path = xstrdup(real ? real : s.cand.path);
	out->bench_id = req->bench_id;
	out->runs = runs;

	/* perf record -o FILE -e EVENT -F FREQ [--call-graph ...] [...] -- COMMAND */
	out->id = ledger_insert(
	    l, err,
	    "INSERT INTO profiles(created, status, artifact_id, artifact_hash, "
	    "artifact_path, path, event, freq, callgraph, key, host, dir, command, "
	    "perf_command, bench_id, runs, owner_pid, owner_start, owner_host) VALUES "
	    "(?,'running',?,?,?,'',?,?,?,?,?,?,?,'',NULLIF(?,0),?,?,?,?)",
	    "ditttittttti" "iiit", out->created, out->artifact_id, out->artifact_hash,
	    out->artifact_path, event, (int64_t)freq, cg, out->key, host_name(), out->dir,
	    out->command, req->bench_id, (int64_t)runs, ledger_owner()->pid,
	    ledger_owner()->start, ledger_owner()->host);
	if (out->id < 0)
		goto out_setup;
	out->path = xstrfmt("%s/%lld.perf.data", prof_dir, (long long)out->id);
	out->log_out = xstrfmt("%s/profile-%lld.out", log_dir, (long long)out->id);
	out->log_err = xstrfmt("%s/profile-%lld.err", log_dir, (long long)out->id);

	add_arg(&argv, &nr, &alloc, perf);
	add_arg(&argv, &nr, &alloc, "record");
	add_arg(&argv, &nr, &alloc, "-o");
	add_arg(&argv, &nr, &alloc, out->path);
	add_arg(&argv, &nr, &alloc, "-e");
	add_arg(&argv, &nr, &alloc, event);
	add_arg(&argv, &nr, &alloc, "-F");
	snprintf(num, sizeof(num), "%ld", freq);
	add_arg(&argv, &nr, &alloc, num);
	if (strcmp(cg, "none")) {
		add_arg(&argv, &nr, &alloc, "--call-graph");
		add_arg(&argv, &nr, &alloc, cg);
	}
	if (!config_get_bool(&c->cfg, "profile.buildid-cache"))
		add_arg(&argv, &nr, &alloc, "--no-buildid-cache");
	if (extra && *extra) {
		words = cmd_split_words(extra);
		for (char **w = words; *w; w++)
			add_arg(&argv, &nr, &alloc, *w);
		cmd_free_words(words);
	}
	add_arg(&argv, &nr, &alloc, "--");
	if (runs > 1) {
		/*
		 * One perf record over a loop running the harness (as bench runs it:
		 * the command words, or sh -c COMMAND) `runs` times; the first failure
		 * ends it with that status. The loop is a process of the recorded
		 * group, so a timeout or Ctrl-C stops every run.
		 */
		add_arg(&argv, &nr, &alloc, "/bin/sh");
		add_arg(&argv, &nr, &alloc, "-c");
		add_arg(&argv, &nr, &alloc, RUNS_LOOP);
		add_arg(&argv, &nr, &alloc, "perfloop-runs");
		snprintf(num, sizeof(num), "%d", runs);
		add_arg(&argv, &nr, &alloc, num);
	}
	if (cmd_needs_shell(s.spec.command)) {
		add_arg(&argv, &nr, &alloc, "/bin/sh");
		add_arg(&argv, &nr, &alloc, "-c");
		add_arg(&argv, &nr, &alloc, s.spec.command);
	} else {
		words = cmd_split_words(s.spec.command);
		for (char **w = words; *w; w++)
			add_arg(&argv, &nr, &alloc, *w);
		cmd_free_words(words);
	}
	for (size_t i = 0; i < nr; i++) {
		if (i)
			strbuf_addch(&cmdline, ' ');
		if (cmd_needs_shell(argv[i]) || strchr(argv[i], ' ') || !*argv[i])
			strbuf_addshq(&cmdline, argv[i]);
		else
			strbuf_addstr(&cmdline, argv[i]);
	}
	out->perf_command = strbuf_detach(&cmdline, NULL);

	for (const char *const *e = s.spec.extra_env; e && *e; e++)
		nextra++;
	envv = xcalloc(nextra + 2, sizeof(*envv));
	env_art = xstrfmt("%s=%s", s.spec.env_name, s.cand.path);
	envv[0] = env_art;
	for (size_t i = 0; i < nextra; i++)
		envv[i + 1] = s.spec.extra_env[i];

	ch.argv = (const char *const *)argv;
	ch.dir = s.dir;
	ch.env = envv;
	ch.out_path = out->log_out;
	ch.err_path = out->log_err;
	/* bench.timeout is per run: the recording of `runs` runs gets as many */
	ch.timeout = config_get_real(&c->cfg, "bench.timeout") * (double)runs;
	ch.stop_leftovers = 1;
	ch.tick = req->tick;
	ch.tick_data = req->tick_data;
	if (child_run(&ch, &why)) {
		strbuf_addf(err, "cannot run '%s' in '%s': %s", perf, s.dir, why.buf);
		free(out->status);
		out->status = xstrdup("failed");
		out->message = xstrdup(err->buf);
	} else {
		out->wall = ch.wall;
		out->exit_status = ch.status;
		out->leftovers = ch.leftovers;
		free(out->status);
		if (ch.interrupted) {
			out->status = xstrdup("interrupted");
			out->message = xstrdup("interrupted (Ctrl-C or SIGTERM)");
		} else if (ch.timed_out) {
			out->status = xstrdup("timeout");
			out->message =
			    runs > 1 ? xstrfmt("ran past %d runs of bench.timeout (%.0f s) and was "
					       "killed",
					       runs, ch.timeout)
				     : xstrfmt("ran past bench.timeout (%.0f s) and was killed",
					       ch.timeout);
		} else if (ch.status) {
			out->status = xstrdup("failed");
			out->message =
			    ch.status == 255 || ch.exec_failed
				? xstrfmt("perf record could not run the harness (exit %d): see %s",
					  ch.status, out->log_err)
				: xstrfmt(
				      "the harness failed under perf record (exit status %d): see "
				      "%s",
				      ch.status, out->log_err);
		} else {
			out->status = xstrdup("done");
		}
		if (file_exists(out->path))
			inspect(out);
		else if (!out->message)
			out->message =
			    xstrfmt("perf record wrote no '%s': see %s", out->path, out->log_err);
		if (!strcmp(out->status, "done") && out->message) {
			free(out->status);
			out->status = xstrdup("failed");
		}
		ret = 0;
	}

	/* keep the bytes that ran, so the profile symbolizes after a rebuild */
	if (artifact_store(c, &s.cand, &why)) {
		if (!out->message)
			out->message = xstrfmt("could not store the artifact: %s", why.buf);
	} else {
		out->stored = xstrdup(s.cand.stored);
	}
	strbuf_reset(&why);
	{
		sqlite3_stmt *st = ledger_query(l, &why, "SELECT path FROM artifacts WHERE id = ?",
						"i", out->artifact_id);
		int rc = st ? ledger_step(l, st, &why) : -1;
		if (rc > 0)
			out->orig_path = xstrdup(col_text(st, 0));
		sqlite3_finalize(st);
		if (rc < 0 && !ret) {
			strbuf_addbuf(err, &why);
			ret = -1;
		}
		if (!out->orig_path)
			out->orig_path = xstrdup(s.cand.path);
	}
	out->finished = now_wall();
	if (ledger_exec(
		l, &why,
		"UPDATE profiles SET finished = ?, wall = ?, status = ?, path = ?, "
		"event_recorded = ?, samples = ?, lost = ?, perf_command = ?, exit_status = ?, "
		"log_out = ?, log_err = ?, message = ? WHERE id = ?",
		"ddttti"
		"itittti",
		out->finished, out->wall, out->status, out->path, out->event_recorded, out->samples,
		out->lost, out->perf_command, (int64_t)out->exit_status, out->log_out, out->log_err,
		out->message, out->id)) {
		if (!ret) {
			strbuf_addbuf(err, &why);
			ret = -1;
		}
	}
	goto out;
out_setup:
	ret = -1;
out:
	if (argv) {
		for (char **a = argv; *a; a++)
			free(*a);
		free(argv);
	}
	free(envv);
	free(env_art);
	free(real);
	free(prof_dir);
	free(log_dir);
	strbuf_release(&why);
	strbuf_release(&cmdline);
	if (prepared)
		bench_setup_release(&s);
	return ret;
}
