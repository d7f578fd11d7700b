/*
 * cmd-bench.c: `perfloop bench`, interleaved A/B benchmark with a verdict.
 */
#include "bench-prepare.h"
#include "cmd/bench-print.h"
#include "cmd/cmd.h"
#include "cmd/steps.h"
#include "banned.h"

extern const struct cmd_entry cmd_bench_entry;

static int cmd_bench(int argc, char **argv, struct project *c)
{
	static const struct option longopts[] = {
		{ "artifact", required_argument, NULL, 'a' },
		{ "vs", required_argument, NULL, 'v' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "runs", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "force", no_argument, NULL, 'f' },
		{ "alone", no_argument, NULL, 'A' },
		{ "json", no_argument, NULL, 'j' },
		{ "export-hyperfine", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd_entry *e = &cmd_bench_entry;
	struct bench_request req = { 0 };
	struct bench_setup s;
	struct bench_result res;
	struct strbuf err = STRBUF_INIT;
	const char *hyperfine = NULL;
	int json = 0, opt, ret;
	long v;
	json_t *doc;

	req.warmup = -1;
	while ((opt = next_opt(e, argc, argv, "a:n:", longopts)) != -1) {
		switch (opt) {
		case 'a': req.artifact = optarg; break;
		case 'v': req.vs = optarg; break;
		case 'b': req.baseline_name = optarg; break;
		case 'n':
			if (opt_int(e, "--runs", optarg, 1, &v))
				return EXIT_USAGE;
			req.runs = (int)v;
			break;
		case 'w':
			if (opt_int(e, "--warmup", optarg, 0, &v))
				return EXIT_USAGE;
			req.warmup = (int)v;
			break;
		case 'f': req.force = 1; break;
		case 'A': req.no_baseline = 1; break;
		case 'j': json = 1; break;
		case 'H': hyperfine = optarg; break;
		default: return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return usage_error(e, "unexpected argument '%s'", argv[optind]);
	if (req.vs && req.baseline_name)
		return usage_error(e, "--vs and --baseline are alternatives");
	if (req.no_baseline && (req.vs || req.baseline_name))
		return usage_error(e, "--alone takes no baseline");

	if (!req.artifact)
		refuse_stale_artifact(c, "to measure it anyway");
	if ((ret = run_bench(c, &req, &s, &res)))
		goto out;
	doc = bench_json(&s.spec, &res);
	if (json)
		print_json(doc);
	else
		print_bench_doc(doc);
	if (hyperfine && export_hyperfine(doc, hyperfine, &err))
		die("%s", err.buf);
	json_decref(doc);
	ret = 0;
out:
	bench_result_release(&res);
	bench_setup_release(&s);
	strbuf_release(&err);
	return ret;
}

const struct cmd_entry cmd_bench_entry = {
	"bench", cmd_bench, CMD_NEED_CONFIG,
	"perfloop bench [--artifact PATH] [--vs PATH|--baseline NAME|--alone] [--runs N] "
	"[--warmup N] [--force] [--json] [--export-hyperfine FILE]",
	"time the artifact against a baseline with interleaved runs and give a verdict",
	"Runs bench.command in bench.dir with bench.env set to the artifact's absolute path.\n"
	"Baseline (A) and candidate (B) runs alternate A B B A A B ...; each B is paired with its\n"
	"neighbouring A and judged on d = ln(B/A) after every pair: 'faster' when the whole\n"
	"interval lies below -margin, 'slower' above +margin, 'same' inside +-margin, else it\n"
	"runs another pair, up to --runs, and says 'inconclusive'. A first pair far slower than\n"
	"noise rejects at once. Noise comes from 'perfloop calibrate' history on this host, or\n"
	"from the pairs themselves with a floor. Every run is recorded in the ledger; its output\n"
	"goes to a log under the state directory. A run past bench.timeout, or Ctrl-C, kills\n"
	"the run's whole process group; processes a run leaves running when it exits are\n"
	"stopped before the next run, with a warning.\n\n"
	"  --artifact PATH          candidate (default: build.artifact in the worktree)\n"
	"  --vs PATH                baseline artifact file\n"
	"  --baseline NAME          saved baseline (default: newest built the same way)\n"
	"  --alone                  time the candidate alone, no verdict\n"
	"  -n, --runs N             most pairs (default bench.runs)\n"
	"  --warmup N               unmeasured runs per side first (default bench.warmup)\n"
	"  --force                  compare with a baseline built differently\n"
	"  --json                   print one JSON document\n"
	"  --export-hyperfine FILE  also write hyperfine's JSON export format\n\n"
	"In a loop, the artifact of build.artifact must be the build of the worktree as it\n"
	"is: a stale one (after revert or sync) is refused, saying what it is; run\n"
	"'perfloop build', or pass --artifact to time a file anyway.\n\n"
	"Exit: 0 whatever the verdict, 3 a run failed, 4 a run timed out, 130 interrupted,\n"
	"128 a stale artifact in a loop.\n",
};
