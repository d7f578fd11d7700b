/*
 * bench.c: the interleaved benchmark engine and its ledger records.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "store.h"
#include "banned.h"

const char *bench_key(const char *dir, const char *command, const char *env_name,
		      const char *const *extra_env)
{
	static char hex[HASH_HEX];
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s%c%s%c%s", dir, 0, command, 0, env_name ? env_name : "");
	for (const char *const *e = extra_env; e && *e; e++)
		strbuf_addf(&sb, "%c%s", 0, *e);
	hash_mem(sb.buf, sb.len, hex);
	hex[16] = '\0';
	strbuf_release(&sb);
	return hex;
}

int bench_noise_history(struct ledger *l, const char *key, int limit, double *sigma, double *df,
			struct strbuf *err)
{
	sqlite3_stmt *st = ledger_query(l, err,
					"SELECT ss, df FROM calibrations WHERE key = ? AND host = ? "
					"ORDER BY id DESC LIMIT ?",
					"tti", key, host_name(), (int64_t)limit);
	struct noise_pool np = { 0, 0 };
	int rc;
	if (!st)
		return -1;
	while ((rc = ledger_step(l, st, err)) > 0) {
		np.ss += sqlite3_column_double(st, 0);
		np.df += sqlite3_column_double(st, 1);
	}
	sqlite3_finalize(st);
	if (rc < 0)
		return -1;
	if (np.df < 1)
		return 0;
	*sigma = noise_pool_sigma(&np);
	*df = np.df;
	return 1;
}

size_t bench_side(const struct bench_result *res, char side, double *wall, double *cpu,
		  double *rss)
{
	size_t n = 0;
	for (size_t i = 0; i < res->nr; i++) {
		const struct bench_run *r = &res->runs[i];
		if (r->side != side || r->warmup || r->status != 0)
			continue;
		if (wall)
			wall[n] = r->wall;
		if (cpu)
			cpu[n] = r->user + r->sys;
		if (rss)
			rss[n] = (double)r->max_rss_kb;
		n++;
	}
	return n;
}

struct planned {
	char side;
	int pair;
	int warmup;
};

static struct planned *plan_runs(const struct bench_spec *spec, int *total)
{
	int two = spec->base_path != NULL;
	int n = spec->warmup * (two ? 2 : 1) + spec->max_pairs * (two ? 2 : 1), i = 0;
	struct planned *p = xcalloc((size_t)n + 1, sizeof(*p));
	for (int w = 0; w < spec->warmup; w++) {
		if (two)
			p[i++] = (struct planned){ 'A', 0, 1 };
		p[i++] = (struct planned){ 'B', 0, 1 };
	}
	for (int k = 1; k <= spec->max_pairs; k++) {
		if (!two) {
			p[i++] = (struct planned){ 'B', k, 0 };
		} else if (k % 2) {
			p[i++] = (struct planned){ 'A', k, 0 };
			p[i++] = (struct planned){ 'B', k, 0 };
		} else {
			p[i++] = (struct planned){ 'B', k, 0 };
			p[i++] = (struct planned){ 'A', k, 0 };
		}
	}
	*total = n;
	return p;
}

struct tick_state {
	const struct bench_hooks *hooks;
	struct bench_progress prog;
	double bench_start;
	double per_run; /* expected seconds per run, < 0 unknown */
};

static void update_eta(struct tick_state *ts, double run_elapsed)
{
	int left = ts->prog.total - ts->prog.run + 1;
	ts->prog.run_elapsed = run_elapsed;
	ts->prog.elapsed = now_mono() - ts->bench_start;
	if (ts->per_run < 0) {
		ts->prog.eta = -1;
		return;
	}
	ts->prog.eta = left * ts->per_run - run_elapsed;
	if (ts->prog.eta < 0)
		ts->prog.eta = 0;
}

static void on_tick(void *data, double elapsed)
{
	struct tick_state *ts = data;
	update_eta(ts, elapsed);
	if (ts->hooks && ts->hooks->progress)
		ts->hooks->progress(ts->hooks->data, &ts->prog);
}

static int record_run(struct ledger *l, int64_t bench_id, int seq, const struct bench_run *r,
		      struct strbuf *err)
{
	return ledger_exec(l, err,
			   "INSERT INTO runs(bench_id, seq, side, pair, warmup, started, wall, user, "
			   "sys, max_rss_kb, status, log_out, log_err, out_off, out_len, err_off, "
			   "err_len) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			   "iitiiddddiitt" "iiii", bench_id, (int64_t)seq, r->side == 'A' ? "A" : "B",
			   (int64_t)r->pair, (int64_t)r->warmup, r->started, r->wall, r->user, r->sys,
			   (int64_t)r->max_rss_kb, (int64_t)r->status, r->log_out, r->log_err,
			   (int64_t)r->out_off, (int64_t)r->out_len, (int64_t)r->err_off,
			   (int64_t)r->err_len);
}

/*
 * Write the runs not yet in the ledger, in one transaction. Runs of a real
 * harness (seconds) are written one by one as they finish; very short runs
 * are batched so the ledger does not dominate their overhead. Never called
 * while a child runs, so no lock is held across a run.
 */
static int flush_runs(struct ledger *l, struct bench_result *res, size_t *recorded,
		      struct strbuf *err)
{
	if (*recorded >= res->nr)
		return 0;
	if (ledger_begin(l, err))
		return -1;
	for (; *recorded < res->nr; (*recorded)++)
		if (record_run(l, res->id, (int)*recorded + 1, &res->runs[*recorded], err)) {
			sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	return ledger_commit(l, err);
}

static const char *status_name(enum bench_status s)
{
	switch (s) {
	case BENCH_DONE: return "done";
	case BENCH_FAILED: return "failed";
	case BENCH_TIMEOUT: return "timeout";
	case BENCH_INTERRUPTED: return "interrupted";
	}
	return "?";
}

double bench_median(const struct bench_spec *spec, const struct bench_result *res, char side)
{
	double *x = xmalloc((res->nr + 1) * sizeof(double));
	size_t n = spec->metric_cpu ? bench_side(res, side, NULL, x, NULL)
				    : bench_side(res, side, x, NULL, NULL);
	double m = n ? median_of(x, n) : NAN;
	free(x);
	return m;
}

/* B/A ratio of the medians of the judged metric (wall, or user+sys); 0 when a side has none. */
static double ratio_of_medians(const struct bench_spec *spec, const struct bench_result *res)
{
	double a = bench_median(spec, res, 'A'), b = bench_median(spec, res, 'B');
	return isfinite(a) && isfinite(b) ? b / a : 0;
}

/* <log dir>/index: which bytes of stdout.log and stderr.log each run wrote. */
static void write_index(const struct bench_result *res)
{
	struct strbuf sb = STRBUF_INIT;
	char *dir, *path;
	if (!res->log_out)
		return;
	dir = path_dirname(res->log_out);
	path = xstrfmt("%s/index", dir);
	strbuf_addstr(&sb, "# run side pair stdout-bytes stderr-bytes exit wall(s)\n");
	for (size_t i = 0; i < res->nr; i++) {
		const struct bench_run *r = &res->runs[i];
		char pair[16];
		if (r->warmup)
			snprintf(pair, sizeof(pair), "warmup");
		else
			snprintf(pair, sizeof(pair), "%d", r->pair);
		strbuf_addf(&sb, "%zu %c %s %ld-%ld %ld-%ld %d %.6f\n", i + 1, r->side, pair,
			    r->out_off, r->out_off + r->out_len, r->err_off, r->err_off + r->err_len,
			    r->status, r->wall);
	}
	{
		struct strbuf ignore = STRBUF_INIT;
		strbuf_write_file_atomic(&sb, path, &ignore); /* a convenience: the ledger has it all */
		strbuf_release(&ignore);
	}
	strbuf_release(&sb);
	free(path);
	free(dir);
}

static int finish_bench(struct ledger *l, const struct bench_spec *spec, struct bench_result *res,
			struct strbuf *err)
{
	json_t *doc = bench_json(spec, res);
	char *text = json_dumps(doc, JSON_COMPACT);
	const struct verdict_result *vr = &res->vr;
	double ratio = ratio_of_medians(spec, res);
	/* a calibration (A/A) measures noise: it has no verdict to record */
	int ok = res->has_verdict && res->status == BENCH_DONE && strcmp(spec->kind, "calibrate");
	int r;
	res->finished = now_wall();
	write_index(res);
	r = ledger_exec(l, err,
			"UPDATE benches SET finished = ?, status = ?, verdict = ?, early_reject = ?, "
			"pairs = ?, ratio = ?, ratio_mean = ?, ratio_lo = ?, ratio_hi = ?, level = ?, "
			"sigma = ?, sigma_source = ?, result = ? WHERE id = ?",
			"dttii" "ddddd" "dtti", res->finished, status_name(res->status),
			ok ? verdict_name(vr->verdict) : NULL, (int64_t)(ok && vr->early_reject),
			(int64_t)res->npairs, ratio > 0 ? ratio : NAN,
			res->npairs ? exp(vr->mean) : NAN, isfinite(vr->lo) ? exp(vr->lo) : NAN,
			isfinite(vr->hi) ? exp(vr->hi) : NAN, vr->level,
			res->has_verdict ? vr->sigma : NAN,
			res->has_verdict ? noise_source_name(vr->source) : NULL, text, res->id);
	free(text);
	json_decref(doc);
	return r;
}

int bench_execute(struct ledger *l, const struct bench_spec *spec, const struct bench_hooks *hooks,
		  struct bench_result *res, struct strbuf *err)
{
	struct planned *plan = NULL;
	struct tick_state ts;
	char *log_dir = NULL, *env_a = NULL, *env_b = NULL;
	const char **envv = NULL;
	size_t nextra = 0;
	int total, ret = -1;
	double la[3], hist_per_run, last_flush = now_mono();
	size_t recorded = 0;
	int out_fd = -1, err_fd = -1;
	long out_end = 0, err_end = 0;

	memset(res, 0, sizeof(*res));
	memset(&ts, 0, sizeof(ts));
	res->started = now_wall();
	res->loadavg = getloadavg(la, 1) == 1 ? la[0] : -1;
	res->d = xcalloc((size_t)spec->max_pairs + 1, sizeof(double));
	res->dcpu = xcalloc((size_t)spec->max_pairs + 1, sizeof(double));

	res->id = ledger_insert(l, err,
				"INSERT INTO benches(kind, key, host, dir, command, started, status, "
				"candidate_id, baseline_artifact_id, baseline_id, max_pairs, warmup, "
				"owner_pid, owner_start, owner_host) VALUES (?,?,?,?,?,?,'running',"
				"NULLIF(?,0),NULLIF(?,0),NULLIF(?,0),?,?,?,?,?)",
				"tttttdiiiii" "iit", spec->kind, spec->key, host_name(), spec->dir,
				spec->command, res->started, spec->cand_id, spec->base_id,
				spec->baseline_id, (int64_t)spec->max_pairs, (int64_t)spec->warmup,
				ledger_owner()->pid, ledger_owner()->start, ledger_owner()->host);
	if (res->id < 0)
		goto out;
	log_dir = xstrfmt("%s/bench-%lld", spec->log_root, (long long)res->id);
	if (mkdir_p(log_dir, 0755)) {
		strbuf_addf(err, "cannot create log directory '%s': %s", log_dir, strerror(errno));
		goto out;
	}
	/*
	 * One stdout and one stderr log per bench, each run a byte range of
	 * them (in the ledger, and in the index file written at the end):
	 * creating two files, or even writing a header line, per run would cost
	 * more than the runs of a fast harness.
	 */
	res->log_out = xstrfmt("%s/stdout.log", log_dir);
	res->log_err = xstrfmt("%s/stderr.log", log_dir);
	out_fd = open(res->log_out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	err_fd = open(res->log_err, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out_fd < 0 || err_fd < 0) {
		strbuf_addf(err, "cannot create log '%s': %s", out_fd < 0 ? res->log_out : res->log_err,
			    strerror(errno));
		goto out;
	}

	for (const char *const *e = spec->extra_env; e && *e; e++)
		nextra++;
	envv = xcalloc(nextra + 2, sizeof(*envv));
	for (size_t i = 0; i < nextra; i++)
		envv[i + 1] = spec->extra_env[i];
	env_b = xstrfmt("%s=%s", spec->env_name, spec->cand_path);
	if (spec->base_path)
		env_a = xstrfmt("%s=%s", spec->env_name, spec->base_path);

	plan = plan_runs(spec, &total);
	ts.hooks = hooks;
	ts.bench_start = now_mono();
	ts.prog.total = total;
	if (ledger_real(l, err, &hist_per_run, -1,
			"SELECT avg(wall) FROM (SELECT r.wall FROM runs r JOIN benches b "
			"ON b.id = r.bench_id WHERE b.key = ? AND r.status = 0 AND "
			"r.warmup = 0 ORDER BY r.id DESC LIMIT 20)",
			"t", spec->key))
		goto out;
	ts.per_run = hist_per_run;

	res->status = BENCH_DONE;
	proc_signals_hold();
	for (int i = 0; i < total; i++) {
		struct child c = CHILD_INIT;
		struct bench_run *r;
		struct strbuf why = STRBUF_INIT;

		ALLOC_GROW(res->runs, res->nr + 1, res->alloc);
		r = &res->runs[res->nr];
		memset(r, 0, sizeof(*r));
		r->side = plan[i].side;
		r->pair = plan[i].pair;
		r->warmup = plan[i].warmup;
		r->log_out = res->log_out;
		r->log_err = res->log_err;
		/* the logs are ours and O_APPEND: their ends are known without a seek */
		r->out_off = out_end;
		r->err_off = err_end;

		envv[0] = r->side == 'A' ? env_a : env_b;
		c.cmd = spec->command;
		c.dir = spec->dir;
		c.env = envv;
		c.fds_given = 1;
		c.out_fd = out_fd;
		c.err_fd = err_fd;
		c.timeout = spec->timeout;
		c.stop_leftovers = 1;
		c.tick = on_tick;
		c.tick_data = &ts;

		ts.prog.run = i + 1;
		ts.prog.side = r->side;
		ts.prog.warmup = r->warmup;
		on_tick(&ts, 0);

		r->started = now_wall();
		if (child_run(&c, &why)) {
			strbuf_addf(err, "cannot run '%s' in '%s': %s", spec->command, spec->dir,
				    why.buf);
			strbuf_release(&why);
			res->status = BENCH_FAILED;
			if (!flush_runs(l, res, &recorded, &why))
				finish_bench(l, spec, res, &why);
			goto out;
		}
		strbuf_release(&why);
		out_end = (long)lseek(out_fd, 0, SEEK_END);
		err_end = (long)lseek(err_fd, 0, SEEK_END);
		r->out_len = out_end - r->out_off;
		r->err_len = err_end - r->err_off;
		r->wall = c.wall;
		r->user = c.user;
		r->sys = c.sys;
		r->max_rss_kb = c.max_rss_kb;
		r->status = c.status;
		res->nr++;
		if (c.leftovers && !res->leftover_runs++) {
			res->leftover_run = res->nr;
			res->leftover_pid = c.leftover_pid;
			snprintf(res->leftover_comm, sizeof(res->leftover_comm), "%s",
				 c.leftover_comm);
		}
		if ((r->wall > 0.05 || now_mono() - last_flush > 0.25 || c.status != 0 ||
		     c.interrupted || c.timed_out)) {
			if (flush_runs(l, res, &recorded, err))
				goto out;
			last_flush = now_mono();
		}

		if (c.interrupted) {
			res->status = BENCH_INTERRUPTED;
			res->failed = r;
			break;
		}
		if (c.timed_out) {
			res->status = BENCH_TIMEOUT;
			res->failed = r;
			break;
		}
		if (c.status != 0) {
			res->status = BENCH_FAILED;
			res->failed = r;
			res->exec_failed = c.exec_failed;
			break;
		}

		if (hist_per_run < 0) {
			double sum = 0;
			for (size_t j = 0; j < res->nr; j++)
				sum += res->runs[j].wall;
			ts.per_run = sum / (double)res->nr;
		}

		/* a pair is complete when its second run finished */
		if (!r->warmup && spec->base_path && res->nr >= 2 &&
		    res->runs[res->nr - 2].pair == r->pair && !res->runs[res->nr - 2].warmup) {
			const struct bench_run *x = &res->runs[res->nr - 2];
			const struct bench_run *ra = r->side == 'A' ? r : x, *rb = r->side == 'B' ? r : x;
			double cpu = log(fmax(rb->user + rb->sys, 1e-6) / fmax(ra->user + ra->sys, 1e-6));
			double sum = 0;
			res->dcpu[res->npairs] = cpu;
			res->d[res->npairs++] = spec->metric_cpu ? cpu : log(rb->wall / ra->wall);
			for (int k = 0; k < res->npairs; k++)
				sum += res->d[k];
			ts.prog.ratio = exp(sum / res->npairs);
			res->has_verdict = 1;
			if (verdict_eval_cpu(&spec->vp, res->d, spec->metric_cpu ? NULL : res->dcpu,
					     res->npairs, &res->vr) !=
				    VERDICT_CONTINUE &&
			    !spec->all_pairs)
				break;
		}
	}
	if (res->has_verdict && res->vr.verdict == VERDICT_CONTINUE)
		res->vr.verdict = VERDICT_INCONCLUSIVE;
	if (flush_runs(l, res, &recorded, err) || finish_bench(l, spec, res, err))
		goto out;
	ret = 0;
out:
	proc_signals_release();
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	free(plan);
	free(log_dir);
	free(env_a);
	free(env_b);
	free(envv);
	return ret;
}

static json_t *num_array(const double *x, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_real(x[i]));
	return a;
}

static json_t *side_json(const struct bench_result *res, char side, const char *path,
			 const char *hash, const char *name)
{
	size_t cap = res->nr + 1, n = 0;
	double *wall = xmalloc(cap * sizeof(double)), *user = xmalloc(cap * sizeof(double));
	double *sys = xmalloc(cap * sizeof(double)), *rss = xmalloc(cap * sizeof(double));
	json_t *o = json_object(), *rssa = json_array(), *codes = json_array();
	struct summary s;
	for (size_t i = 0; i < res->nr; i++) {
		const struct bench_run *r = &res->runs[i];
		if (r->side != side || r->warmup)
			continue;
		wall[n] = r->wall;
		user[n] = r->user;
		sys[n] = r->sys;
		rss[n] = (double)r->max_rss_kb;
		json_array_append_new(rssa, json_integer(r->max_rss_kb));
		json_array_append_new(codes, json_integer(r->status));
		n++;
	}
	summarize(wall, n, &s);
	json_object_set_new(o, "artifact", json_string(path));
	json_object_set_new(o, "hash", hash ? json_string(hash) : json_null());
	if (name)
		json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "wall", num_array(wall, n));
	json_object_set_new(o, "user", num_array(user, n));
	json_object_set_new(o, "sys", num_array(sys, n));
	json_object_set_new(o, "max_rss_kb", rssa);
	json_object_set_new(o, "exit_codes", codes);
	json_object_set_new(o, "median", json_real(s.median));
	json_object_set_new(o, "mean", json_real(s.mean));
	json_object_set_new(o, "min", json_real(s.min));
	json_object_set_new(o, "max", json_real(s.max));
	json_object_set_new(o, "stddev", json_real(s.stddev));
	free(wall);
	free(user);
	free(sys);
	free(rss);
	return o;
}

static json_t *real_or_null(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

json_t *bench_json(const struct bench_spec *spec, const struct bench_result *res)
{
	json_t *doc = json_object(), *checks = json_object(), *reasons = json_array();
	const struct verdict_result *vr = &res->vr;
	int ok = res->has_verdict && res->status == BENCH_DONE && spec->base_path &&
		 strcmp(spec->kind, "calibrate");
	size_t cap = res->nr + 1;
	double *wa = xmalloc(cap * sizeof(double)), *wb = xmalloc(cap * sizeof(double));
	double *ca = xmalloc(cap * sizeof(double)), *cb = xmalloc(cap * sizeof(double));
	double *ra = xmalloc(cap * sizeof(double)), *rb = xmalloc(cap * sizeof(double));
	size_t na = bench_side(res, 'A', wa, ca, ra), nb = bench_side(res, 'B', wb, cb, rb);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	json_object_set_new(doc, "id", json_integer(res->id));
	json_object_set_new(doc, "kind", json_string(spec->kind));
	json_object_set_new(doc, "status", json_string(status_name(res->status)));
	json_object_set_new(doc, "verdict", ok ? json_string(verdict_name(vr->verdict)) : json_null());
	json_object_set_new(doc, "early_reject", json_boolean(ok && vr->early_reject));
	json_object_set_new(doc, "metric", json_string(spec->metric_cpu ? "cpu" : "wall"));
	json_object_set_new(doc, "ratio", na && nb ? json_real(ratio_of_medians(spec, res))
						   : json_null());
	json_object_set_new(doc, "wall_ratio", na && nb ? json_real(median_of(wb, nb) /
								     median_of(wa, na))
							: json_null());
	json_object_set_new(doc, "ratio_mean", res->npairs ? json_real(exp(vr->mean)) : json_null());
	if (res->npairs) {
		json_t *iv = json_array();
		json_array_append_new(iv, real_or_null(exp(vr->lo)));
		json_array_append_new(iv, real_or_null(exp(vr->hi)));
		json_object_set_new(doc, "interval", iv);
		json_object_set_new(doc, "level", json_real(vr->level));
	} else {
		json_object_set_new(doc, "interval", json_null());
		json_object_set_new(doc, "level", json_null());
	}
	json_object_set_new(doc, "pairs", json_integer(res->npairs));
	json_object_set_new(doc, "max_pairs", json_integer(spec->max_pairs));
	json_object_set_new(doc, "margin", json_real(spec->vp.margin));
	if (res->has_verdict) {
		json_t *noise = json_object();
		json_object_set_new(noise, "source", json_string(noise_source_name(vr->source)));
		json_object_set_new(noise, "sigma", json_real(vr->sigma));
		json_object_set_new(noise, "df", json_real(vr->df));
		json_object_set_new(noise, "reject_at", real_or_null(expm1(vr->reject_at)));
		json_object_set_new(doc, "noise", noise);
	} else {
		json_object_set_new(doc, "noise", json_null());
	}
	if (!strcmp(spec->kind, "calibrate")) {
		/* the noise this A/A bench measured, as 'perfloop calibrate' stores it */
		json_t *cal = json_object();
		struct noise_pool np = { 0, 0 };
		noise_pool_add(&np, res->d, (size_t)res->npairs);
		json_object_set_new(cal, "sigma", real_or_null(np.df >= 1 ? noise_pool_sigma(&np)
									  : NAN));
		json_object_set_new(cal, "df", json_real(np.df));
		json_object_set_new(doc, "calibration", cal);
	}
	json_object_set_new(doc, "command", json_string(spec->command));
	json_object_set_new(doc, "dir", json_string(spec->dir));
	json_object_set_new(doc, "env", json_string(spec->env_name));
	json_object_set_new(doc, "host", json_string(host_name()));
	json_object_set_new(doc, "started", json_real(res->started));
	json_object_set_new(doc, "finished", json_real(res->finished ? res->finished : now_wall()));
	json_object_set_new(doc, "baseline",
			    spec->base_path ? side_json(res, 'A', spec->base_path, spec->base_hash,
							spec->baseline_name)
					    : json_null());
	json_object_set_new(doc, "candidate",
			    side_json(res, 'B', spec->cand_path, spec->cand_hash, NULL));

	if (na && nb) {
		double rss = median_of(rb, nb) / fmax(median_of(ra, na), 1);
		double mina = wa[0], minb = wb[0];
		for (size_t i = 1; i < na; i++)
			mina = fmin(mina, wa[i]);
		for (size_t i = 1; i < nb; i++)
			minb = fmin(minb, wb[i]);
		json_object_set_new(checks, "min_ratio", json_real(minb / mina));
		json_object_set_new(checks, "cpu_ratio",
				    json_real(median_of(cb, nb) / fmax(median_of(ca, na), 1e-9)));
		json_object_set_new(checks, "rss_ratio", json_real(rss));
		json_object_set_new(checks, "rss_flag", json_boolean(rss >= 1.3));
	}
	json_object_set_new(checks, "loadavg", real_or_null(res->loadavg >= 0 ? res->loadavg : NAN));
	json_object_set_new(checks, "leftover_runs", json_integer(res->leftover_runs));
	if (res->loadavg > 0.5 * (double)(ncpu > 0 ? ncpu : 1))
		json_array_append_new(reasons, json_sprintf("load average %.2f on %ld cores before "
							    "the bench", res->loadavg, ncpu));
	if (res->has_verdict && vr->sigma > 0.03)
		json_array_append_new(reasons, json_sprintf("noise of %.1f%% per pair (%s)",
							    vr->sigma * 100,
							    noise_source_name(vr->source)));
	{
		struct summary s;
		const double *x = spec->base_path ? wa : wb;
		size_t n = spec->base_path ? na : nb;
		summarize(x, n, &s);
		if (n > 1 && s.mean > 0 && s.stddev / s.mean > 0.03)
			json_array_append_new(reasons, json_sprintf("%s runs spread %.1f%% (CV)",
								    spec->base_path ? "baseline"
										    : "candidate",
								    100 * s.stddev / s.mean));
	}
	{
		/*
		 * Wall time spreading far more than CPU time means the harness
		 * waited for a CPU: another load on the machine.
		 */
		struct summary sw, sc;
		summarize(wa, na, &sw);
		summarize(ca, na, &sc);
		if (na > 2 && sw.mean > 0 && sc.mean > 0 && sw.stddev / sw.mean > 0.03 &&
		    sw.stddev / sw.mean > 3 * sc.stddev / sc.mean)
			json_array_append_new(reasons,
					      json_sprintf("wall time spreads %.1f%% but CPU time %.1f%%: "
							   "the harness waited for a CPU%s",
							   100 * sw.stddev / sw.mean,
							   100 * sc.stddev / sc.mean,
							   spec->metric_cpu ? ""
									    : " (for a CPU-bound harness, "
									      "bench.metric = cpu is robust to "
									      "that)"));
	}
	json_object_set_new(checks, "noisy", json_boolean(json_array_size(reasons) > 0));
	json_object_set_new(checks, "noisy_reasons", reasons);
	json_object_set_new(doc, "checks", checks);
	free(wa);
	free(wb);
	free(ca);
	free(cb);
	free(ra);
	free(rb);
	return doc;
}

void bench_result_release(struct bench_result *res)
{
	free(res->log_out);
	free(res->log_err);
	free(res->runs);
	free(res->d);
	free(res->dcpu);
	memset(res, 0, sizeof(*res));
}

int bench_save_calibration(struct ledger *l, const struct bench_spec *spec,
			   const struct bench_result *res, struct strbuf *err)
{
	struct noise_pool np = { 0, 0 };
	noise_pool_add(&np, res->d, (size_t)res->npairs);
	if (np.df < 1) {
		strbuf_addstr(err, "a calibration needs at least 2 complete pairs");
		return -1;
	}
	return ledger_exec(l, err,
			   "INSERT INTO calibrations(bench_id, key, host, pairs, ss, df, sigma, created) "
			   "VALUES (?,?,?,?,?,?,?,?)",
			   "ittidddd", res->id, spec->key, host_name(), (int64_t)res->npairs, np.ss,
			   np.df, noise_pool_sigma(&np), now_wall());
}

static void read_bench_row(sqlite3_stmt *st, void *row)
{
	struct bench_row *b = row;
	b->id = sqlite3_column_int64(st, 0);
	b->started = sqlite3_column_double(st, 1);
	b->kind = xstrdup(col_text(st, 2));
	b->status = xstrdup(col_text(st, 3));
	b->verdict = col_dup(st, 4);
	b->ratio = sqlite3_column_type(st, 5) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 5);
	b->pairs = sqlite3_column_int(st, 6);
	b->cand_hash = xstrdup(col_text(st, 7));
	b->base_hash = col_dup(st, 8);
	b->baseline_name = col_dup(st, 9);
	b->early_reject = sqlite3_column_int(st, 10);
	b->result = col_dup(st, 11);
}

static void release_bench_row(void *row)
{
	struct bench_row *b = row;
	free(b->kind);
	free(b->status);
	free(b->verdict);
	free(b->cand_hash);
	free(b->base_hash);
	free(b->baseline_name);
	free(b->result);
}

int bench_list(struct ledger *l, long limit, struct bench_row **out, size_t *nr,
	       struct strbuf *err)
{
	*out = ledger_rows(l,
			   ledger_query(l, err,
					"SELECT b.id, b.started, b.kind, b.status, b.verdict, b.ratio, "
					"b.pairs, ca.hash, ba.hash, bl.name, b.early_reject, b.result "
					"FROM benches b LEFT JOIN artifacts ca ON ca.id = b.candidate_id "
					"LEFT JOIN artifacts ba ON ba.id = b.baseline_artifact_id "
					"LEFT JOIN baselines bl ON bl.id = b.baseline_id "
					"ORDER BY b.id DESC LIMIT ?",
					"i", (int64_t)limit),
			   sizeof(**out), read_bench_row, release_bench_row, nr, err);
	return *out ? 0 : -1;
}

void bench_rows_free(struct bench_row *rows, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		release_bench_row(&rows[i]);
	free(rows);
}

int bench_load(struct ledger *l, int64_t id, char **result, char **status, char **message,
	       struct strbuf *err)
{
	sqlite3_stmt *st = ledger_query(l, err,
					"SELECT result, status, message FROM benches WHERE id = ?", "i",
					id);
	int rc;
	*result = *status = *message = NULL;
	if (!st)
		return -1;
	if ((rc = ledger_step(l, st, err)) > 0) {
		*result = col_dup(st, 0);
		*status = xstrdup(col_text(st, 1));
		*message = col_dup(st, 2);
	}
	sqlite3_finalize(st);
	return rc;
}

static void read_run_row(sqlite3_stmt *st, void *row)
{
	struct bench_run_row *r = row;
	r->seq = sqlite3_column_int(st, 0);
	r->side = xstrdup(col_text(st, 1));
	r->pair = sqlite3_column_int(st, 2);
	r->warmup = sqlite3_column_int(st, 3);
	r->wall = sqlite3_column_double(st, 4);
	r->user = sqlite3_column_double(st, 5);
	r->sys = sqlite3_column_double(st, 6);
	r->max_rss_kb = sqlite3_column_int64(st, 7);
	r->status = sqlite3_column_int(st, 8);
	r->log_out = xstrdup(col_text(st, 9));
	r->log_err = xstrdup(col_text(st, 10));
	r->started = sqlite3_column_double(st, 11);
	r->out_off = sqlite3_column_int64(st, 12);
	r->out_len = sqlite3_column_int64(st, 13);
	r->err_off = sqlite3_column_int64(st, 14);
	r->err_len = sqlite3_column_int64(st, 15);
}

static void release_run_row(void *row)
{
	struct bench_run_row *r = row;
	free(r->side);
	free(r->log_out);
	free(r->log_err);
}

int bench_load_runs(struct ledger *l, int64_t id, struct bench_run_row **out, size_t *nr,
		    struct strbuf *err)
{
	*out = ledger_rows(l,
			   ledger_query(l, err,
					"SELECT seq, side, pair, warmup, wall, user, sys, max_rss_kb, "
					"status, log_out, log_err, started, out_off, out_len, err_off, "
					"err_len FROM runs WHERE bench_id = ? ORDER BY seq",
					"i", id),
			   sizeof(**out), read_run_row, release_run_row, nr, err);
	return *out ? 0 : -1;
}

void bench_run_rows_free(struct bench_run_row *rows, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		release_run_row(&rows[i]);
	free(rows);
}
