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

extern const struct cmd_entry cmd_calibrate_entry;

static int cmd_calibrate(int argc, char **argv, struct project *c)
{
	static const struct option longopts[] = {
		{ "pairs", required_argument, NULL, 'n' },
		{ "artifact", required_argument, NULL, 'a' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd_entry *e = &cmd_calibrate_entry;
	struct bench_request req = { 0 };
	struct bench_setup s;
	struct bench_result res;
	struct strbuf err = STRBUF_INIT;
	int json = 0, opt, ret = 0, r;
	double sigma, df;
	long v;

	req.warmup = -1;
	req.calibrate = 1;
	while ((opt = next_opt(e, argc, argv, "n:a:", longopts)) != -1) {
		switch (opt) {
		case 'n':
			if (opt_int(e, "--pairs", optarg, 2, &v))
				return EXIT_USAGE;
			req.runs = (int)v;
			break;
		case 'a': req.artifact = optarg; req.no_baseline = 1; break;
		case 'b': req.baseline_name = optarg; break;
		case 'w':
			if (opt_int(e, "--warmup", optarg, 0, &v))
				return EXIT_USAGE;
			req.warmup = (int)v;
			break;
		case 'f': req.force = 1; break;
		case 'j': json = 1; break;
		default: return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return usage_error(e, "unexpected argument '%s'", argv[optind]);
	if (req.artifact && req.baseline_name)
		return usage_error(e, "--artifact and --baseline are alternatives");

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

const struct cmd_entry cmd_calibrate_entry = {
	"calibrate", cmd_calibrate, CMD_NEED_CONFIG,
	"perfloop calibrate [--pairs N] [--baseline NAME|--artifact PATH] [--warmup N] [--json]",
	"measure this host's noise: run the baseline against itself (A/A)",
	"Runs the baseline against itself in interleaved pairs and stores the spread of\n"
	"ln(B/A) in the ledger as this host's noise for this bench. 'perfloop bench' pools the\n"
	"five newest calibrations and uses them for its interval, and for the early reject.\n\n"
	"  -n, --pairs N      pairs to run (default bench.calibrate-pairs, at least 2)\n"
	"  --baseline NAME    saved baseline to use (default: newest built the same way)\n"
	"  -a, --artifact P   calibrate on this file instead of a saved baseline\n"
	"  --warmup N         unmeasured runs per side first\n"
	"  --json             print one JSON document\n",
};
