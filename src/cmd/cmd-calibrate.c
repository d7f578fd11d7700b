/*
 * cmd-calibrate.c: `perfloop calibrate`, A/A runs that measure this host's
 * noise for the bench, stored as history for later verdicts.
 */
#include <math.h>
#include <stdlib.h>

#include "bench-prepare.h"
#include "cmd/bench-print.h"
#include "cmd/cmd.h"
#include "doctor.h"
#include "banned.h"

/*
 * Calibrate one benchmark (guard NULL: the target): print its noise, or with
 * --json put its document into *out. 0, or the bench's exit code.
 */
static int calibrate_one(const struct cmd_args *a, struct project *c, const char *guard,
			 json_t **out)
{
	struct bench_request req = { 0 };
	struct bench_setup s;
	struct bench_result res;
	struct strbuf err = STRBUF_INIT, advice = STRBUF_INIT;
	struct bench_noise *noise;
	json_t *doc, *metrics;
	double verdict_sigma = 0;
	int json = args_has(a, "json"), ret = 0;
	size_t n;

	req.guard = guard;
	req.calibrate = 1;
	req.runs = (int)args_int(a, "pairs", 0);
	req.artifact = args_get(a, "artifact");
	req.no_baseline = req.artifact != NULL;
	req.baseline_name = args_get(a, "baseline");
	req.warmup = (int)args_int(a, "warmup", -1);
	req.force = args_has(a, "force");

	if ((ret = run_bench(c, &req, &s, &res)))
		goto out;
	if (bench_save_calibration(c->ledger, &s.spec, &res, &err))
		die("%s", err.buf);
	n = bench_calibration_noise(&s.spec, &res, &noise);
	doc = bench_json(&s.spec, &res);
	metrics = json_array();
	if (!json) {
		printf("A/A noise on %s, per pair (%d pairs; pooled: with the newest calibrations "
		       "that bench uses; pairs that detect a change of",
		       host_name(), res.npairs);
		for (size_t k = 0; k < CALIBRATE_EFFECTS; k++)
			printf("%s%g%%", k ? ", " : " ", 100 * calibrate_effects[k]);
		printf(" with %.0f%% power at bench.margin %.1f%%):\n", 100 * VERDICT_POWER,
		       100 * s.spec.vp.margin);
		printf("  %-16s %8s %8s", "metric", "this", "pooled");
		for (size_t k = 0; k < CALIBRATE_EFFECTS; k++) {
			char col[32];
			snprintf(col, sizeof(col), "%g%%", 100 * calibrate_effects[k]);
			printf(" %6s", col);
		}
		printf("\n");
	}
	for (size_t i = 0; i < n; i++) {
		const struct bench_noise *x = &noise[i];
		json_t *o = json_object(), *need = json_object();
		int needed[CALIBRATE_EFFECTS];
		double sigma, df;
		int r = bench_noise_history(c->ledger, s.spec.key, x->m->name, x->valgrind, 5,
					    &sigma, &df, &err);
		if (r < 0)
			die("%s", err.buf);
		if (!r)
			die("the calibration of %s was not stored in the ledger", x->m->name);
		json_object_set_new(o, "metric", json_string(x->m->name));
		json_object_set_new(o, "valgrind", json_boolean(x->valgrind));
		json_object_set_new(o, "pairs", json_integer(x->pairs));
		json_object_set_new(o, "sigma", json_real(x->sigma));
		json_object_set_new(o, "df", json_real(x->df));
		json_object_set_new(o, "pooled_sigma", json_real(sigma));
		json_object_set_new(o, "pooled_df", json_real(df));
		if (!json)
			printf("  %-16s %7.2f%% %7.2f%%", x->m->name, 100 * x->sigma, 100 * sigma);
		verdict_pairs_table(&s.spec.vp, sigma, df, needed);
		for (size_t k = 0; k < CALIBRATE_EFFECTS; k++) {
			char key[32];
			snprintf(key, sizeof(key), "%g%%", 100 * calibrate_effects[k]);
			json_object_set_new(need, key,
					    needed[k] ? json_integer(needed[k]) : json_null());
			if (json)
				continue;
			if (needed[k])
				printf(" %6d", needed[k]);
			else
				printf(" %6s", "-");
		}
		if (!json)
			printf("%s%s\n", x->m == s.spec.metric ? "  (the verdict's metric)" : "",
			       x->valgrind ? "  (under valgrind)" : "");
		json_object_set_new(o, "pairs_needed", need);
		json_array_append_new(metrics, o);
		if (x->m == s.spec.metric)
			verdict_sigma = sigma;
	}
	/* a noisy verdict metric: what the doctor recommends instead */
	if (doctor_bench_advice(c, s.spec.metric, verdict_sigma, &advice, &err) < 0)
		die("%s", err.buf);
	if (json) {
		/* bench_json holds this calibration's sigma and df of the verdict's metric */
		json_t *cal = json_object_get(doc, "calibration");
		json_t *first = json_array_get(metrics, 0);
		json_object_set(cal, "pooled_sigma", json_object_get(first, "pooled_sigma"));
		json_object_set(cal, "pooled_df", json_object_get(first, "pooled_df"));
		json_object_set(cal, "metrics", metrics);
		json_object_set_new(doc, "advice",
				    advice.len ? json_string(advice.buf) : json_null());
		*out = json_incref(doc);
	} else {
		printf("  ('-': not above bench.margin, or more than %d pairs)\n",
		       VERDICT_MAX_PLAN);
		if (verdict_sigma > DOCTOR_NOISY)
			printf("%swarning%s: this host is noisy for %s; verdicts will need many "
			       "pairs\n",
			       color(1, "\033[1;33m"), color(1, "\033[m"), s.spec.metric->name);
		if (advice.len)
			printf("note: %s\n", advice.buf);
	}
	json_decref(metrics);
	json_decref(doc);
	free(noise);
out:
	bench_result_release(&res);
	bench_setup_release(&s);
	strbuf_release(&err);
	strbuf_release(&advice);
	return ret;
}

static int cmd_calibrate(const struct cmd_args *a, struct project *c)
{
	const char **names = NULL;
	size_t n = 0;
	json_t *docs = json_array(), *doc = NULL;
	int ret = 0, all = args_has(a, "all");
	if (all)
		n = config_guards(&c->cfg, &names);
	if (!all || !n) {
		ret = calibrate_one(a, c, args_get(a, "guard"), &doc);
		if (doc)
			print_json(doc);
		json_decref(doc);
		goto out;
	}
	/* the target, then every guard: each its own noise history */
	for (size_t i = 0; i <= n && !ret; i++) {
		doc = NULL;
		info("%scalibrating %s%s%s", color(2, "\033[1m"), i ? "guard '" : "the target",
		     i ? names[i - 1] : "", i ? "'" : "");
		ret = calibrate_one(a, c, i ? names[i - 1] : NULL, &doc);
		fflush(stdout);
		if (doc)
			json_array_append_new(docs, doc);
	}
	if (args_has(a, "json") && !ret) {
		json_t *o = json_object();
		json_object_set(o, "calibrations", docs);
		print_json(o);
		json_decref(o);
	}
out:
	json_decref(docs);
	free(names);
	return ret;
}

static const struct cmd_option calibrate_options[] = {
	{ .name = "pairs", .short_name = 'n', .arg = "N", .kind = CMD_VAL_INT, .min = 2,
	  .help = "pairs to run (default `bench.calibrate-pairs`, at least 2)" },
	{ .name = "artifact", .short_name = 'a', .arg = "PATH", .kind = CMD_VAL_FILE, .alt = 1,
	  .help = "calibrate on this file instead of a saved baseline" },
	{ .name = "baseline", .arg = "NAME", .alt = 1,
	  .help = "saved baseline to use (default: newest built the same way)" },
	{ .name = "warmup", .arg = "N", .kind = CMD_VAL_INT, .min = 0,
	  .help = "unmeasured runs per side first" },
	{ .name = "force", .help = "use a baseline built differently" },
	{ .name = "guard", .arg = "NAME", .alt = 2,
	  .help = "calibrate the guard benchmark `[guard \"NAME\"]` instead of the target" },
	{ .name = "all", .alt = 2, .help = "calibrate the target and then every guard benchmark" },
	{ .name = "json", .help = "print one JSON document (with --all: `calibrations`, one "
				  "per benchmark)" },
	{ 0 },
};

const struct cmd_entry cmd_calibrate_entry = {
	.name = "calibrate",
	.summary = "measure this host's noise: run the baseline against itself (A/A)",
	.options = calibrate_options,
	.help = "Runs the baseline against itself in interleaved pairs and stores the spread of\n"
		"ln(B/A) of every metric it measured (wall, cpu, task-clock, instructions, the\n"
		"harness's metrics) in the ledger as this host's noise for this bench. `perfloop\n"
		"bench` pools the five newest calibrations of its metric for its interval and early\n"
		"reject, and of the others for its cross-checks. Prints each metric's noise and the\n"
		"pairs that detect a change of 1%, 2%, 3% and 5%. With instructions counted by\n"
		"valgrind, every pair also runs natively, so the other metrics are calibrated too.\n"
		"When the verdict's metric is noisier than 3% per pair, a note names the metric\n"
		"`perfloop doctor` recommends on this host instead.\n"
		"\n"
		"Each guard benchmark (`[guard \"NAME\"]`) has a noise history of its own: calibrate\n"
		"it with --guard NAME, or the target and every guard at once with --all.\n",
	.flags = CMD_NEED_CONFIG,
	.exec = cmd_calibrate,
};
