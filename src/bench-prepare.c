/*
 * bench-prepare.c: from configuration and options to a ready bench_spec.
 */
#include "bench-prepare.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "cpuset.h"
#include "proc.h"
#include "valgrind.h"
#include "banned.h"

struct env_acc {
	char **v;
	size_t nr, alloc;
};

static int add_env(const struct cfg_entry *e, void *data)
{
	struct env_acc *acc = data;
	ALLOC_GROW(acc->v, acc->nr + 2, acc->alloc);
	acc->v[acc->nr++] = xstrfmt("%s=%s", e->key, e->value);
	acc->v[acc->nr] = NULL;
	return 0;
}

static int existing_file(const char *path, const char *what, const char *hint, struct strbuf *err)
{
	if (!file_exists(path)) {
		strbuf_addf(err, "%s '%s' does not exist%s", what, path, hint);
		return -1;
	}
	if (is_dir(path)) {
		strbuf_addf(err, "%s '%s' is a directory, not a file", what, path);
		return -1;
	}
	return 0;
}

/*
 * The configuration name that gives `key` to this bench: the guard's own
 * key, or [bench]'s (config_guard_key()), into buf.
 */
#define KEY_MAX 96
static const char *key_of(struct project *c, const char *guard, const char *key, char *buf)
{
	char *name = config_guard_key(&c->cfg, guard, key);
	snprintf(buf, KEY_MAX, "%s", name);
	free(name);
	return buf;
}

/* "FILE:LINE" of a key for messages, or "set KEY" when it is a default. */
static void where(struct project *c, const char *key, struct strbuf *out)
{
	const struct cfg_entry *e = config_entry(&c->cfg, key);
	if (e)
		strbuf_addf(out, "%s, %s:%d", key, e->file, e->line);
	else
		strbuf_addf(out, "%s", key);
}

/*
 * How instructions are counted: hardware counters when the machine has
 * them (bench.instructions = auto or pmu), else valgrind (auto or
 * valgrind). 0 or -1 with err saying what is missing and what to do.
 */
static int instruction_source(struct project *c, const struct bench_request *req,
			      struct bench_setup *s, struct strbuf *err)
{
	struct bench_spec *sp = &s->spec;
	const char *how = config_get(&c->cfg, "bench.instructions");
	struct strbuf why = STRBUF_INIT, at = STRBUF_INIT;
	struct valgrind_info vi;
	int ret = -1;
	if (strcmp(how, "valgrind") && counters_pmu_present(&why)) {
		ret = 0;
		goto out;
	}
	if (why.len)
		s->pmu_absent = xstrdup(why.buf);
	where(c, "bench.instructions", &at);
	if (!strcmp(how, "pmu")) {
		strbuf_addf(err, "bench.metric is instructions and %s is pmu, but this machine "
			    "counts no instructions (%s): set bench.instructions = auto to count "
			    "them with valgrind",
			    at.buf, why.buf);
		goto out;
	}
	strbuf_reset(&why);
	if (valgrind_detect(config_get(&c->cfg, "bench.valgrind"), &vi, &why)) {
		strbuf_addf(err, "bench.metric is instructions: this machine has no hardware "
			    "counters (%s) and valgrind cannot count them: %s (apt-get install "
			    "valgrind, or set bench.valgrind)",
			    s->pmu_absent ? s->pmu_absent : "bench.instructions = valgrind",
			    why.buf);
		goto out;
	}
	s->valgrind = vi.path;
	s->valgrind_version = vi.version;
	sp->valgrind = 1;
	sp->valgrind_program = s->valgrind;
	/* a calibration measures every metric's noise: as many native pairs */
	sp->native_pairs = req->calibrate ? sp->max_pairs
					  : (int)config_get_int(&c->cfg, "bench.native-pairs");
	ret = 0;
out:
	strbuf_release(&why);
	strbuf_release(&at);
	return ret;
}

static int add_metric_rule(const struct cfg_entry *e, void *data)
{
	struct bench_setup *s = data;
	struct strbuf why = STRBUF_INIT;
	size_t n = 0;
	int r = 0;
	/* a later entry of the same name (an override) wins */
	while (s->required && s->required[n])
		if (!strcmp(s->required[n++], e->key))
			return 0;
	s->required = xrealloc(s->required, (n + 2) * sizeof(*s->required));
	s->required[n] = e->key;
	s->required[n + 1] = NULL;
	if (strcmp(e->value, "file") && hmetric_rules_add(&s->rules, e->key, e->value, &why))
		r = -1; /* checked when the file was loaded */
	strbuf_release(&why);
	return r;
}

/*
 * The verdict's metric and how every metric is measured: counters, the
 * harness's metrics, instructions, pinning and ASLR. 0 or -1 with err.
 */
static int prepare_metrics(struct project *c, const struct bench_request *req,
			   struct bench_setup *s, struct strbuf *err)
{
	struct bench_spec *sp = &s->spec;
	const struct cfg_entry *cpus = config_entry(&c->cfg, "bench.cpus");
	char name[KEY_MAX];
	/* bench.metric, [metrics] and the choices were checked when the file was loaded */
	sp->metric = metric_lookup(config_get(&c->cfg, key_of(c, req->guard, "metric", name)));
	if (!sp->metric)
		sp->metric = METRIC_WALL;
	s->rules = (struct hmetric_rules)HMETRIC_RULES_INIT;
	/* newest entries first: config_each goes in file order, so collect then reverse */
	for (size_t i = c->cfg.nr; i-- > 0;) {
		const struct cfg_entry *e = &c->cfg.entries[i];
		if (!strcmp(e->section, "metrics") && add_metric_rule(e, s)) {
			strbuf_addf(err, "%s:%d: [metrics] %s: bad regex", e->file, e->line,
				    e->key);
			return -1;
		}
	}
	if (req->guard && s->required) {
		/* another harness: it owes only its own verdict's metric */
		size_t n = 0;
		for (size_t i = 0; s->required[i]; i++)
			if (!strcmp(s->required[i], sp->metric->name))
				s->required[n++] = s->required[i];
		s->required[n] = NULL;
	}
	sp->rules = &s->rules;
	sp->required = (const char *const *)s->required;
	sp->counters = COUNTERS_ALL;
	if (sp->metric->counter == COUNTER_INSTRUCTIONS + 1 && instruction_source(c, req, s, err))
		return -1;
	if (cpus) {
		cpu_set_t online, allowed;
		struct strbuf why = STRBUF_INIT;
		int r = cpulist_parse(cpus->value, &s->cpus, &why) ||
			cpus_online(NULL, &online, &why) ||
			sched_getaffinity(0, sizeof(allowed), &allowed) ||
			cpulist_check(&s->cpus, &online, &allowed, &why);
		if (r)
			strbuf_addf(err, "bench.cpus (%s:%d): %s", cpus->file, cpus->line,
				    why.len ? why.buf : strerror(errno));
		strbuf_release(&why);
		if (r)
			return -1;
		sp->cpus = &s->cpus;
	}
	sp->no_aslr = !config_get_bool(&c->cfg, "bench.aslr");
	sp->cross_warn = !strcmp(config_get(&c->cfg, "bench.cross-check"), "warn");
	/*
	 * bench.noise-floor is a time's floor; an instruction count's own
	 * noise is far lower, so without an explicit floor counts get theirs.
	 */
	sp->floor_time = config_get_real(&c->cfg, "bench.noise-floor");
	sp->floor_count = config_entry(&c->cfg, "bench.noise-floor") ? sp->floor_time
								      : METRIC_COUNT_FLOOR;
	return 0;
}

int bench_config_key(struct project *c, char *key, struct strbuf *err)
{
	const char *command, *env_name;
	struct env_acc env = { NULL, 0, 0 };
	char *dir;
	if (!(command = project_require(c, "bench.command", err)) ||
	    !(env_name = project_require(c, "bench.env", err)))
		return -1;
	dir = config_get_path(&c->cfg, "bench.dir");
	config_each(&c->cfg, "env", NULL, add_env, &env);
	snprintf(key, HASH_HEX, "%s",
		 bench_key(dir, command, env_name, (const char *const *)env.v, NULL));
	for (size_t i = 0; i < env.nr; i++)
		free(env.v[i]);
	free(env.v);
	free(dir);
	return 0;
}

int bench_prepare(struct project *c, const struct bench_request *req, struct bench_setup *s,
		  struct strbuf *err)
{
	struct bench_spec *sp = &s->spec;
	struct ledger *l;
	struct env_acc env = { NULL, 0, 0 };
	const char *command, *env_name;
	char *dir;
	char *cand_path = NULL;
	const struct metric_history *hist;
	char name[KEY_MAX];

	memset(s, 0, sizeof(*s));
	strbuf_init(&s->warn, 0);
	strbuf_init(&s->note, 0);
	if (req->guard && !config_has_guard(&c->cfg, req->guard)) {
		strbuf_addf(err, "no guard '%s' in %s: add a [guard \"%s\"] section", req->guard,
			    c->cfg.path ? c->cfg.path : "perfloop.ini", req->guard);
		return -1;
	}
	s->guard = req->guard ? xstrdup(req->guard) : NULL;
	if (!(command = project_require(c, key_of(c, req->guard, "command", name), err)) ||
	    !(env_name = project_require(c, key_of(c, req->guard, "env", name), err)))
		return -1;
	dir = s->dir = config_get_path(&c->cfg, key_of(c, req->guard, "dir", name));
	if (!is_dir(dir)) {
		const struct cfg_entry *e = config_entry(&c->cfg, name);
		if (e)
			strbuf_addf(err, "bench directory '%s' does not exist (%s, %s:%d)", dir,
				    name, e->file, e->line);
		else
			strbuf_addf(err, "bench directory '%s' does not exist (set bench.dir)", dir);
		return -1;
	}
	if (!(l = project_ledger(c, err)))
		return -1;

	config_each(&c->cfg, "env", NULL, add_env, &env);
	s->extra_env = env.v;
	s->log_root = project_state_subdir(c, "logs", err);
	if (!s->log_root)
		return -1;

	/* the candidate */
	if (req->artifact)
		cand_path = path_join_abs(NULL, req->artifact);
	else if (!(cand_path = project_artifact(c, err)))
		return -1;
	if (!req->calibrate || req->artifact || req->vs) {
		if (existing_file(cand_path, "artifact",
				  req->artifact ? "" : ": build it first, or pass --artifact PATH", err)) {
			free(cand_path);
			return -1;
		}
		if (artifact_register(l, cand_path, &s->cand, err)) {
			free(cand_path);
			return -1;
		}
	}
	free(cand_path);

	/* the baseline */
	if (req->vs) {
		char *p = path_join_abs(NULL, req->vs);
		int r = existing_file(p, "baseline artifact", "", err) ||
			artifact_register(l, p, &s->base, err);
		free(p);
		if (r)
			return -1;
		strbuf_addf(&s->note, "baseline: %s (--vs)", s->base.path);
	} else if (!req->no_baseline) {
		char *fp = fingerprint_compute(c);
		int r;
		if (proc_interrupted) {
			/* not a fingerprint mismatch: a [fingerprint] command was cut short */
			free(fp);
			strbuf_addstr(err, "interrupted while computing the build fingerprint");
			return -1;
		}
		if (req->baseline_id) {
			struct strbuf why = STRBUF_INIT;
			r = baseline_get(l, req->baseline_id, &s->bl, err);
			if (r == 1) {
				strbuf_addf(err, "baseline %lld is missing from the ledger",
					    (long long)req->baseline_id);
				r = -1;
			} else if (!r && fingerprint_diff(s->bl.fingerprint, fp, &why) == 1) {
				if (req->force) {
					strbuf_addf(&s->warn, "baseline '%s' was not built the same way "
						    "(%s); comparing anyway (--force)", s->bl.name, why.buf);
				} else {
					strbuf_addf(err, "baseline '%s' was not built the same way: %s; "
						    "rebuild and save a baseline, or pass --force",
						    s->bl.name, why.buf);
					r = -1;
				}
			}
			strbuf_release(&why);
		} else {
			r = baseline_select(l, req->baseline_name, fp, req->force, &s->bl, &s->warn,
					    err);
		}
		free(fp);
		if (r < 0)
			return -1;
		if (r == 0) {
			s->base = s->bl.art;
			memset(&s->bl.art, 0, sizeof(s->bl.art));
			free(s->base.path);
			s->base.path = xstrdup(s->base.stored ? s->base.stored : "");
			if (!s->base.stored || !file_exists(s->base.stored)) {
				strbuf_addf(err, "the stored copy of baseline '%s' is missing from the "
					    "store ('%s'): save the baseline again", s->bl.name,
					    s->base.stored ? s->base.stored : "?");
				return -1;
			}
			strbuf_addf(&s->note, "baseline: '%s' (%.12s%s)", s->bl.name,
				    s->bl.commit ? s->bl.commit : "no commit",
				    s->bl.dirty ? ", dirty" : "");
		} else if (req->calibrate) {
			/* no saved baseline: calibrate on the current artifact */
		} else {
			strbuf_addstr(&s->note, "no baseline saved: timing the candidate alone "
				      "(save one with 'perfloop baseline save')");
		}
	}
	if (req->calibrate) {
		/* A/A: both sides are the same bytes */
		if (s->base.path) {
			artifact_release(&s->cand);
			s->cand.id = s->base.id;
			memcpy(s->cand.hash, s->base.hash, sizeof(s->cand.hash));
			s->cand.path = xstrdup(s->base.path);
		} else if (s->cand.path) {
			s->base.id = s->cand.id;
			memcpy(s->base.hash, s->cand.hash, sizeof(s->base.hash));
			s->base.path = xstrdup(s->cand.path);
		} else {
			char *p = project_artifact(c, err);
			int r = !p || existing_file(p, "artifact", ": build it or save a baseline first",
						    err) ||
				artifact_register(l, p, &s->cand, err);
			free(p);
			if (r)
				return -1;
			s->base.id = s->cand.id;
			memcpy(s->base.hash, s->cand.hash, sizeof(s->base.hash));
			s->base.path = xstrdup(s->cand.path);
		}
	}

	sp->kind = req->calibrate ? "calibrate" : "bench";
	sp->guard = s->guard;
	sp->dir = dir;
	sp->command = command;
	sp->env_name = env_name;
	sp->extra_env = (const char *const *)s->extra_env;
	sp->log_root = s->log_root;
	snprintf(s->key, sizeof(s->key), "%s", bench_key(dir, command, env_name, sp->extra_env,
							      req->guard));
	sp->key = s->key;
	key_of(c, req->guard, "runs", name);
	sp->max_pairs = req->runs > 0 ? req->runs
				      : (int)config_get_int(&c->cfg, req->calibrate ? "bench.calibrate-pairs"
										   : name);
	if (sp->max_pairs < 1)
		sp->max_pairs = 1;
	if (req->calibrate && sp->max_pairs < 2) {
		strbuf_addstr(err, "a calibration needs at least 2 pairs");
		return -1;
	}
	sp->warmup = req->warmup >= 0 ? req->warmup : (int)config_get_int(&c->cfg, "bench.warmup");
	sp->timeout = config_get_real(&c->cfg, key_of(c, req->guard, "timeout", name));
	if (prepare_metrics(c, req, s, err))
		return -1;
	sp->vp.max_pairs = sp->max_pairs;
	sp->vp.margin = config_get_real(&c->cfg, key_of(c, req->guard, "margin", name));
	sp->vp.reject = config_get_real(&c->cfg, "bench.reject");
	sp->vp.floor = bench_floor(sp, sp->metric);
	if (bench_noise_histories(l, sp->key, 5, &s->hist, &s->nhist, err))
		return -1;
	sp->hist = s->hist;
	sp->nhist = s->nhist;
	hist = metric_history_find(s->hist, s->nhist, sp->metric, sp->valgrind);
	if (!req->calibrate && hist) {
		sp->vp.have_history = 1;
		sp->vp.hist_sigma = hist->sigma;
		sp->vp.hist_df = hist->df;
	}
	sp->all_pairs = req->calibrate;
	sp->cand_path = s->cand.path;
	sp->cand_id = s->cand.id;
	sp->cand_hash = s->cand.hash;
	if (s->base.path) {
		sp->base_path = s->base.path;
		sp->base_id = s->base.id;
		sp->base_hash = s->base.hash;
		sp->baseline_id = s->bl.id;
		sp->baseline_name = s->bl.name;
	}
	return 0;
}

void bench_setup_release(struct bench_setup *s)
{
	artifact_release(&s->cand);
	artifact_release(&s->base);
	baseline_release(&s->bl);
	free(s->log_root);
	free(s->dir);
	if (s->extra_env) {
		for (char **e = s->extra_env; *e; e++)
			free(*e);
		free(s->extra_env);
	}
	strbuf_release(&s->warn);
	strbuf_release(&s->note);
	hmetric_rules_release(&s->rules);
	free(s->required);
	metric_histories_free(s->hist, s->nhist);
	free(s->valgrind);
	free(s->valgrind_version);
	free(s->pmu_absent);
	free(s->guard);
}
