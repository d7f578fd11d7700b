/*
 * cmd-calibrate.c: `perfloop calibrate`, A/A runs that measure this host's
 * noise for the bench, stored as history for later verdicts.
 */
#include <math.h>
#include <stdlib.h>

#include "bench-prepare.h"
#include "cmd/bench-print.h"
#include "cmd/cmd.h"
#include "banned.h"

static int cmd_calibrate(const struct cmd_args *a, struct project *c)
{
	struct bench_request req = { 0 };
	struct bench_setup s;
	struct bench_result res;
	struct strbuf err = STRBUF_INIT;
	int json = args_has(a, "json"), ret = 0, r;
	double sigma, df;

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
	if ((r = bench_noise_history(c->ledger, s.spec.key, 5, &sigma, &df, &err)) < 0)
		die("%s", err.buf);
	if (!r)
		die("calibration was not stored in the ledger");
	if (json) {
		/* bench_json holds this calibration's sigma and df; add the pool's */
		json_t *doc = bench_json(&s.spec, &res), *cal = json_object_get(doc, "calibration");
		json_object_set_new(cal, "pooled_sigma", json_real(sigma));
		json_object_set_new(cal, "pooled_df", json_real(df));
		print_json(doc);
		json_decref(doc);
	} else {
		struct noise_pool np = { 0, 0 };
		noise_pool_add(&np, res.d, (size_t)res.npairs);
		printf("A/A noise on %s: %.2f%% per pair (%d pairs, mean ratio %.4f)\n", host_name(),
		       100 * noise_pool_sigma(&np), res.npairs, exp(res.vr.mean));
		printf("pooled history used by bench: %.2f%% per pair, %.0f degrees of freedom\n",
		       100 * sigma, df);
		if (sigma > 0.03)
			printf("%swarning%s: this host is noisy; verdicts will need many pairs\n",
			       color(1, "\033[1;33m"), color(1, "\033[m"));
	}
out:
	bench_result_release(&res);
	bench_setup_release(&s);
	strbuf_release(&err);
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
	{ .name = "json", .help = "print one JSON document" },
	{ 0 },
};

const struct cmd_entry cmd_calibrate_entry = {
	.name = "calibrate",
	.summary = "measure this host's noise: run the baseline against itself (A/A)",
	.options = calibrate_options,
	.help = "Runs the baseline against itself in interleaved pairs and stores the spread of\n"
		"ln(B/A) in the ledger as this host's noise for this bench. `perfloop bench` pools\n"
		"the five newest calibrations and uses them for its interval, and for the early\n"
		"reject.\n",
	.flags = CMD_NEED_CONFIG,
	.exec = cmd_calibrate,
};
