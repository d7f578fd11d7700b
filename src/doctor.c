/*
 * doctor.c: the host's facts, the bench's A/A noise and the one metric to
 * judge by (see doctor.h).
 */
#include "doctor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench-prepare.h"
#include "metric.h"
#include "valgrind.h"
#include "banned.h"

/* ---------- the recommendation (pure) ---------- */

/* The quietest native entry of the noise that is quiet enough, of a kind (harness metrics). */
static const struct metric_history *quietest_harness(const struct doctor_inputs *in)
{
	const struct metric_history *best = NULL;
	for (size_t i = 0; i < in->nnoise; i++) {
		const struct metric_history *h = &in->noise[i];
		const struct metric *m = metric_lookup(h->name);
		if (h->valgrind || !m || m->kind != METRIC_HARNESS || !(h->sigma <= DOCTOR_NOISY))
			continue;
		if (!best || h->sigma < best->sigma)
			best = h;
	}
	return best;
}

static const struct metric_history *noise_of(const struct doctor_inputs *in, const char *name)
{
	const struct metric *m = metric_find(name);
	return m ? metric_history_find(in->noise, in->nnoise, m, 0) : NULL;
}

static void rec_set(struct doctor_rec *rec, const char *metric, const char *tool)
{
	rec->metric = xstrdup(metric);
	rec->tool = tool;
}

void doctor_recommend(const struct doctor_inputs *in, struct doctor_rec *rec)
{
	const struct metric_history *wall = noise_of(in, "wall"), *cpu = noise_of(in, "cpu");
	const struct metric_history *h = quietest_harness(in);
	struct strbuf brief = STRBUF_INIT, why = STRBUF_INIT, trigger = STRBUF_INIT;
	int busy = in->load_known && in->cpus > 0 && in->load > 0.5 * in->cpus;

	memset(rec, 0, sizeof(*rec));
	if (in->pmu == HI_YES) {
		/* exact, native speed, blind to load: nothing beats it */
		rec_set(rec, "instructions", "pmu");
		strbuf_addstr(&brief, "hardware counters");
		strbuf_addstr(&why,
			      "this machine counts user-space instructions with hardware "
			      "counters (instructions:u): counts repeat within a few parts in "
			      "100,000 whatever the load, at native speed");
		goto out;
	}
	if (h && (!wall || h->sigma < wall->sigma)) {
		/* what the harness itself measures, and quiet here: it */
		rec_set(rec, h->name, NULL);
		strbuf_addf(&brief, "calibrated: %.2f%% per pair", 100 * h->sigma);
		strbuf_addf(&why,
			    "the harness's metric '%s' has an A/A noise of %.2f%% per pair "
			    "(%d pairs)",
			    h->name, 100 * h->sigma, h->pairs);
		if (wall)
			strbuf_addf(&why, ", wall time's %.2f%%", 100 * wall->sigma);
		strbuf_addstr(&why, ": it measures what the harness reports, at native speed");
		goto out;
	}
	if (wall && wall->sigma > DOCTOR_NOISY)
		strbuf_addf(&trigger, "wall time's A/A noise is %.1f%% per pair (%d pairs)",
			    100 * wall->sigma, wall->pairs);
	else if (!wall && busy)
		strbuf_addf(&trigger,
			    "wall time is not calibrated here%s and the load average is "
			    "%.2f on %.3g usable CPUs",
			    in->project ? "" : " (outside a project)", in->load, in->cpus);
	if (trigger.len) {
		/* wall time is noisy here: the quietest way out */
		if (cpu && cpu->sigma <= DOCTOR_QUIET) {
			const struct metric *im = metric_find("instructions");
			const struct metric_history *vg =
				im ? metric_history_find(in->noise, in->nnoise, im, 1) : NULL;
			rec_set(rec, "cpu", NULL);
			strbuf_addf(&brief, "cpu noise %.2f%%", 100 * cpu->sigma);
			strbuf_addf(&why,
				    "%s, user+sys CPU time's %.2f%%: the harness waits "
				    "for CPUs, and CPU time leaves the waiting out (right for a "
				    "CPU-bound harness)",
				    trigger.buf, 100 * cpu->sigma);
			/* instructions under valgrind calibrated here: as good, only slower */
			if (vg && vg->sigma <= DOCTOR_QUIET)
				strbuf_addf(&why,
					    "; instructions counted by valgrind are as steady here "
					    "(%.2f%% per pair) and blind to the load, at %d-%dx the "
					    "run time: keep them when that time is acceptable",
					    100 * vg->sigma, VALGRIND_SLOWDOWN_TYPICAL,
					    VALGRIND_SLOWDOWN_MAX);
		} else if (in->valgrind == HI_YES) {
			rec_set(rec, "instructions", "valgrind");
			strbuf_addstr(&brief, "no PMU: valgrind");
			strbuf_addf(&why,
				    "%s; without hardware counters valgrind counts "
				    "instructions exactly, the same count run after run whatever "
				    "the load, at %d-%dx the run time",
				    trigger.buf, VALGRIND_SLOWDOWN_TYPICAL, VALGRIND_SLOWDOWN_MAX);
		} else if (cpu && wall && cpu->sigma < wall->sigma) {
			rec_set(rec, "cpu", NULL);
			strbuf_addf(&brief, "cpu noise %.1f%%", 100 * cpu->sigma);
			strbuf_addf(&why,
				    "%s, user+sys CPU time's %.1f%%, lower; with valgrind "
				    "installed, instructions would be exact",
				    trigger.buf, 100 * cpu->sigma);
		} else {
			rec_set(rec, "wall", NULL);
			strbuf_addstr(&brief, "no quieter metric here");
			strbuf_addf(&why,
				    "%s, and nothing quieter is available here (no hardware "
				    "counters, no valgrind%s): lower the load, pin the harness "
				    "(bench.cpus), or install valgrind",
				    trigger.buf, cpu ? ", cpu no quieter" : "");
		}
		goto out;
	}
	rec_set(rec, "wall", NULL);
	if (wall) {
		strbuf_addf(&brief, "calibrated: %.2f%% per pair", 100 * wall->sigma);
		strbuf_addf(&why,
			    "wall time's A/A noise is %.2f%% per pair (%d pairs), low enough "
			    "to judge changes of a few percent, and wall time is what users wait "
			    "for",
			    100 * wall->sigma, wall->pairs);
	} else if (in->project) {
		strbuf_addstr(&brief, "not calibrated");
		strbuf_addstr(&why,
			      "this bench is not calibrated on this host yet: wall time by "
			      "default; `perfloop calibrate` measures the noise of every metric");
	} else {
		strbuf_addstr(&brief, "no project");
		strbuf_addstr(&why,
			      "outside a project there is no A/A noise to go by: wall time "
			      "by default; in a project, `perfloop calibrate` measures the noise "
			      "of every metric");
	}
out:
	rec->brief = strbuf_detach(&brief, NULL);
	rec->reason = strbuf_detach(&why, NULL);
	strbuf_release(&trigger);
}

void doctor_rec_release(struct doctor_rec *rec)
{
	free(rec->metric);
	free(rec->brief);
	free(rec->reason);
	memset(rec, 0, sizeof(*rec));
}

int doctor_advice_line(const struct metric *m, double sigma, const struct doctor_rec *rec,
		       struct strbuf *out)
{
	if (!(sigma > DOCTOR_NOISY) || !rec->metric)
		return 0;
	strbuf_addf(out,
		    "%s noise %.1f%% per pair on this host; `perfloop doctor` recommends "
		    "bench.metric = %s (%s)",
		    m->name, 100 * sigma, rec->metric, rec->brief);
	return 1;
}

static void add_warning(char ***out, size_t *n, size_t *alloc, char *text)
{
	ALLOC_GROW(*out, *n + 1, *alloc);
	(*out)[(*n)++] = text;
}

size_t doctor_host_warnings(const struct hostinfo *hi, char ***out)
{
	double cpus = hostinfo_usable_cpus(hi);
	size_t n = 0, alloc = 0;
	*out = NULL;
	if (hi->load_known && cpus > 0 && hi->load[0] > 0.5 * cpus)
		add_warning(out, &n, &alloc,
			    xstrfmt("load average %.2f on %.3g usable CPUs: other work competes "
				    "with the harness for CPUs (wall time suffers most)",
				    hi->load[0], cpus));
	if (hi->cpu_quota > 0 && hi->cpus_allowed > 0 && hi->cpu_quota < hi->cpus_allowed)
		add_warning(out, &n, &alloc,
			    xstrfmt("cgroup CPU quota of %.3g CPUs below the %d allowed: a harness "
				    "using more CPUs is throttled, which shows in wall time",
				    hi->cpu_quota, hi->cpus_allowed));
	if (hi->governor && strcmp(hi->governor, "performance"))
		add_warning(out, &n, &alloc,
			    xstrfmt("frequency governor '%s': the clock follows the load; "
				    "'performance' holds it steady",
				    hi->governor));
	if (hi->boost == HI_YES)
		add_warning(out, &n, &alloc,
			    xstrdup("turbo boost on: the clock depends on temperature and on the "
				    "other cores' load"));
	if (hi->smt == HI_YES)
		add_warning(out, &n, &alloc,
			    xstrdup("SMT on: a sibling hardware thread may share the harness's "
				    "core (bench.cpus can pin it to one thread per core)"));
	return n;
}

/* ---------- gathering ---------- */

/* The calibrated noise of the configured bench on this host; a note when there is none. */
static int gather_noise(struct project *c, struct doctor_report *r, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	char *db;
	int ret = 0;
	if (bench_config_key(c, r->key, &why)) {
		r->key[0] = '\0';
		r->noise_note = xstrfmt("no bench configured (%s): no A/A noise", why.buf);
		strbuf_release(&why);
		return 0;
	}
	strbuf_release(&why);
	/* reading, never creating: a project without a ledger has no calibration */
	db = xstrfmt("%s/ledger.db", c->state_dir);
	if (file_exists(db)) {
		struct ledger *l = project_ledger(c, err);
		ret = !l || bench_noise_histories(l, r->key, DOCTOR_HISTORY, &r->noise, &r->nnoise,
						  err)
			  ? -1
			  : 0;
	}
	free(db);
	if (!ret && !r->nnoise)
		r->noise_note = xstrdup("this bench has no A/A calibration on this host yet: run "
					"`perfloop calibrate`");
	return ret;
}

static void inputs_of(const struct doctor_report *r, struct doctor_inputs *in)
{
	memset(in, 0, sizeof(*in));
	in->pmu = r->host.pmu;
	in->valgrind = r->host.valgrind;
	in->load_known = r->host.load_known;
	in->load = r->host.load[0];
	in->cpus = hostinfo_usable_cpus(&r->host);
	in->project = r->config != NULL;
	in->noise = r->noise;
	in->nnoise = r->nnoise;
}

/* Host facts, the project's bench and its noise; no recommendation yet. */
static int gather(struct project *c, double sample_seconds, struct doctor_report *r,
		  struct strbuf *err)
{
	struct hostinfo_opts ho = {NULL, 1, 1, NULL, sample_seconds, 0};
	memset(r, 0, sizeof(*r));
	r->host_name = host_name();
	if (c->cfg.path) {
		r->config = xstrdup(c->cfg.path);
		r->metric = config_get(&c->cfg, "bench.metric");
		ho.valgrind = config_get(&c->cfg, "bench.valgrind");
	}
	hostinfo_gather(&r->host, &ho);
	if (!c->cfg.path) {
		r->noise_note = xstrdup("outside a project (no perfloop.ini here or above): host "
					"facts only, no A/A noise");
		return 0;
	}
	return gather_noise(c, r, err);
}

int doctor_gather(struct project *c, const struct doctor_opts *o, struct doctor_report *r,
		  struct strbuf *err)
{
	struct doctor_inputs in;
	if (gather(c, o ? o->sample_seconds : 0, r, err))
		return -1;
	r->nwarnings = doctor_host_warnings(&r->host, &r->warnings);
	inputs_of(r, &in);
	doctor_recommend(&in, &r->rec);
	return 0;
}

void doctor_release(struct doctor_report *r)
{
	hostinfo_release(&r->host);
	free(r->config);
	metric_histories_free(r->noise, r->nnoise);
	free(r->noise_note);
	for (size_t i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	doctor_rec_release(&r->rec);
	memset(r, 0, sizeof(*r));
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *doctor_json(const struct doctor_report *r)
{
	json_t *doc = hostinfo_json(&r->host), *noise = json_array(), *warn = json_array();
	json_t *project = json_null();
	json_object_set_new(doc, "host", json_string(r->host_name));
	if (r->config) {
		project = json_object();
		json_object_set_new(project, "config", json_string(r->config));
		json_object_set_new(project, "bench_key",
				    r->key[0] ? json_string(r->key) : json_null());
		json_object_set_new(project, "metric", str_or_null(r->metric));
	}
	json_object_set_new(doc, "project", project);
	for (size_t i = 0; i < r->nnoise; i++) {
		const struct metric_history *h = &r->noise[i];
		json_t *o = json_object();
		json_object_set_new(o, "metric", json_string(h->name));
		json_object_set_new(o, "tool", json_string(h->valgrind ? "valgrind" : "native"));
		json_object_set_new(o, "sigma", json_real(h->sigma));
		json_object_set_new(o, "df", json_real(h->df));
		json_object_set_new(o, "pairs", json_integer(h->pairs));
		json_object_set_new(o, "calibrations", json_integer(h->calibrations));
		json_array_append_new(noise, o);
	}
	json_object_set_new(doc, "noise", noise);
	json_object_set_new(doc, "noise_note", str_or_null(r->noise_note));
	for (size_t i = 0; i < r->nwarnings; i++)
		json_array_append_new(warn, json_string(r->warnings[i]));
	json_object_set_new(doc, "warnings", warn);
	json_object_set_new(doc, "recommended_metric", json_string(r->rec.metric));
	json_object_set_new(doc, "recommended_tool", str_or_null(r->rec.tool));
	json_object_set_new(doc, "reason", json_string(r->rec.reason));
	return doc;
}

int doctor_bench_advice(struct project *c, const struct metric *m, double sigma, struct strbuf *out,
			struct strbuf *err)
{
	struct doctor_report r;
	int ret = 0;
	/* only then: probing valgrind runs it */
	if (!(sigma > DOCTOR_NOISY))
		return 0;
	if (doctor_gather(c, NULL, &r, err))
		ret = -1;
	else
		ret = doctor_advice_line(m, sigma, &r.rec, out);
	doctor_release(&r);
	return ret;
}
