/*
 * cmd-bench.c: `perfloop bench`, interleaved A/B benchmark with a verdict.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "benchcmd.h"
#include "benchsetup.h"
#include "cmd.h"
#include "loopcmd.h"
#include "banned.h"

extern const struct cmd_entry cmd_bench_entry;

static void on_progress(void *data, const struct bench_progress *p)
{
	char el[32], eta[32];
	(void)data;
	if (p->ratio > 0)
		progress_line("run %d of %d (%c%s)  %s elapsed  ETA %s  B/A so far %.3f", p->run,
			      p->total, p->side, p->warmup ? ", warmup" : "",
			      fmt_secs(el, sizeof(el), p->elapsed),
			      p->eta < 0 ? "?" : fmt_secs(eta, sizeof(eta), p->eta), p->ratio);
	else
		progress_line("run %d of %d (%c%s)  %s elapsed  ETA %s", p->run, p->total, p->side,
			      p->warmup ? ", warmup" : "", fmt_secs(el, sizeof(el), p->elapsed),
			      p->eta < 0 ? "?" : fmt_secs(eta, sizeof(eta), p->eta));
}

const struct bench_hooks bench_progress_hooks = { on_progress, NULL };

static double jnum(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Median of a JSON number array, element-wise plus `b` when given. */
static double arr_median(json_t *a, json_t *b)
{
	size_t n = json_array_size(a);
	double *x = xmalloc((n + 1) * sizeof(double)), m;
	for (size_t i = 0; i < n; i++)
		x[i] = json_number_value(json_array_get(a, i)) +
		       (b ? json_number_value(json_array_get(b, i)) : 0);
	m = median_of(x, n);
	free(x);
	return m;
}

static void side_row(const char *label, json_t *side)
{
	char med[32], mn[32], mx[32], cpu[32], rss[32];
	double median = jnum(side, "median"), sd = jnum(side, "stddev"), mean = jnum(side, "mean");
	json_t *wall = json_object_get(side, "wall");
	if (!json_array_size(wall)) {
		printf("%-12s  (no complete runs)\n", label);
		return;
	}
	printf("%-12s %9s %9s %9s %7.1f%% %9s %10s %4zu\n", label,
	       fmt_secs(med, sizeof(med), median), fmt_secs(mn, sizeof(mn), jnum(side, "min")),
	       fmt_secs(mx, sizeof(mx), jnum(side, "max")), mean > 0 ? 100 * sd / mean : 0,
	       fmt_secs(cpu, sizeof(cpu),
			arr_median(json_object_get(side, "user"), json_object_get(side, "sys"))),
	       fmt_kb(rss, sizeof(rss), arr_median(json_object_get(side, "max_rss_kb"), NULL)),
	       json_array_size(wall));
}

static const char *verdict_words(const char *v)
{
	if (!strcmp(v, "faster"))
		return "faster: the whole interval is below -margin";
	if (!strcmp(v, "slower"))
		return "slower: the whole interval is above +margin";
	if (!strcmp(v, "same"))
		return "same: the whole interval is inside +-margin";
	return "inconclusive: the interval straddles the margin; run more pairs "
	       "(--runs) or calibrate the noise";
}

void print_bench_doc(json_t *doc)
{
	json_t *base = json_object_get(doc, "baseline"), *cand = json_object_get(doc, "candidate");
	json_t *verdict = json_object_get(doc, "verdict"), *noise = json_object_get(doc, "noise");
	json_t *checks = json_object_get(doc, "checks"), *iv = json_object_get(doc, "interval");
	const char *bold = color(1, "\033[1m"), *reset = color(1, "\033[m");

	printf("%sbench %lld%s (%s) in %s\n", bold,
	       (long long)json_integer_value(json_object_get(doc, "id")), reset,
	       json_string_value(json_object_get(doc, "kind")),
	       json_string_value(json_object_get(doc, "dir")));
	printf("  %s\n", json_string_value(json_object_get(doc, "command")));
	printf("\n%-12s %9s %9s %9s %8s %9s %10s %4s\n", "", "median", "min", "max", "CV",
	       "user+sys", "max RSS", "runs");
	if (json_is_object(base))
		side_row("A baseline", base);
	side_row(json_is_object(base) ? "B candidate" : "candidate", cand);
	printf("\n");
	if (json_is_object(base)) {
		double ratio = jnum(doc, "ratio");
		printf("B/A          median ratio %.4f", ratio);
		if (json_is_array(iv) && json_is_number(json_array_get(iv, 0)) &&
		    !json_is_true(json_object_get(doc, "early_reject")))
			printf(", mean ratio %.4f [%.4f, %.4f] (%.*f%% interval, sequential)",
			       jnum(doc, "ratio_mean"), json_number_value(json_array_get(iv, 0)),
			       json_number_value(json_array_get(iv, 1)),
			       jnum(doc, "level") > 0.99 ? 2 : 0, 100 * jnum(doc, "level"));
		printf("\n");
	}
	if (!strcmp(json_string_value(json_object_get(doc, "metric")), "cpu"))
		printf("metric       user+sys CPU time (bench.metric = cpu); wall ratio %.4f\n",
		       jnum(doc, "wall_ratio"));
	if (json_is_object(noise))
		printf("noise        %.2f%% per pair, from %s (%s)\n", 100 * jnum(noise, "sigma"),
		       json_string_value(json_object_get(noise, "source")),
		       !strcmp(json_string_value(json_object_get(noise, "source")), "history")
			       ? "A/A calibrations on this host"
			       : "no A/A history: run 'perfloop calibrate' for sharper verdicts");
	if (json_is_string(verdict)) {
		const char *v = json_string_value(verdict);
		const char *col = !strcmp(v, "faster")	 ? "\033[1;32m"
				  : !strcmp(v, "slower") ? "\033[1;31m"
							 : "\033[1;33m";
		printf("verdict      %s%s%s", color(1, col), v, reset);
		if (json_is_true(json_object_get(doc, "early_reject")))
			printf(" (early reject after one pair: more than %.0f%% slower)\n",
			       100 * jnum(noise, "reject_at"));
		else
			printf(" after %lld of at most %lld pairs, margin %.1f%% (%s)\n",
			       (long long)json_integer_value(json_object_get(doc, "pairs")),
			       (long long)json_integer_value(json_object_get(doc, "max_pairs")),
			       100 * jnum(doc, "margin"), verdict_words(v));
	} else if (!json_is_object(base)) {
		printf("verdict      none (no baseline)\n");
	}
	if (json_is_object(checks) && json_is_number(json_object_get(checks, "min_ratio"))) {
		printf("checks       min ratio %.4f, user+sys ratio %.4f, max RSS ratio %.3f%s\n",
		       jnum(checks, "min_ratio"), jnum(checks, "cpu_ratio"), jnum(checks, "rss_ratio"),
		       json_is_true(json_object_get(checks, "rss_flag")) ? "  <-- memory grew >= 1.3x"
									  : "");
	}
	if (json_is_true(json_object_get(checks, "noisy"))) {
		json_t *r;
		size_t i;
		printf("%swarning%s      the host looks noisy:", color(1, "\033[1;33m"), reset);
		json_array_foreach(json_object_get(checks, "noisy_reasons"), i, r)
			printf("%s %s", i ? ";" : "", json_string_value(r));
		printf("\n");
	}
}

static json_t *hf_result(json_t *side, const char *env_name)
{
	json_t *o = json_object(), *times = json_object_get(side, "wall");
	json_t *user = json_object_get(side, "user"), *sys = json_object_get(side, "sys");
	double su = 0, ss = 0;
	size_t n = json_array_size(times);
	for (size_t i = 0; i < n; i++) {
		su += json_number_value(json_array_get(user, i));
		ss += json_number_value(json_array_get(sys, i));
	}
	json_object_set_new(o, "command",
			    json_sprintf("%s=%s", env_name,
					 json_string_value(json_object_get(side, "artifact"))));
	json_object_set(o, "mean", json_object_get(side, "mean"));
	json_object_set(o, "stddev", json_object_get(side, "stddev"));
	json_object_set(o, "median", json_object_get(side, "median"));
	json_object_set_new(o, "user", json_real(n ? su / n : 0));
	json_object_set_new(o, "system", json_real(n ? ss / n : 0));
	json_object_set(o, "min", json_object_get(side, "min"));
	json_object_set(o, "max", json_object_get(side, "max"));
	json_object_set(o, "times", times);
	{
		json_t *mem = json_array(), *kb;
		size_t i;
		json_array_foreach(json_object_get(side, "max_rss_kb"), i, kb)
			json_array_append_new(mem, json_integer(json_integer_value(kb) * 1024));
		json_object_set_new(o, "memory_usage_byte", mem);
	}
	json_object_set(o, "exit_codes", json_object_get(side, "exit_codes"));
	return o;
}

int export_hyperfine(json_t *doc, const char *path, struct strbuf *err)
{
	json_t *out = json_object(), *results = json_array();
	json_t *base = json_object_get(doc, "baseline");
	const char *env_name = json_string_value(json_object_get(doc, "env"));
	int r;
	if (json_is_object(base))
		json_array_append_new(results, hf_result(base, env_name));
	json_array_append_new(results, hf_result(json_object_get(doc, "candidate"), env_name));
	json_object_set_new(out, "results", results);
	r = json_dump_file(out, path, JSON_INDENT(2));
	json_decref(out);
	if (r) {
		strbuf_addf(err, "cannot write '%s'", path);
		return -1;
	}
	return 0;
}

int report_bench_failure(const struct bench_spec *spec, const struct bench_result *res)
{
	const struct bench_run *r = res->failed;
	struct strbuf tail = STRBUF_INIT;
	char secs[32];
	if (res->status == BENCH_INTERRUPTED) {
		error("interrupted: bench %lld recorded as interrupted (not valid)",
		      (long long)res->id);
		return EXIT_INTERRUPTED;
	}
	if (res->status == BENCH_TIMEOUT) {
		error("run %zu (%c) of bench %lld ran past %s (bench.timeout) and was killed with "
		      "its process group; log: %s",
		      (size_t)(r - res->runs) + 1, r->side, (long long)res->id,
		      fmt_secs(secs, sizeof(secs), spec->timeout), r->log_err);
		return EXIT_TIMEOUT;
	}
	if (r->status == 127)
		error("run %zu (%c) of bench %lld: command not found (exit 127): '%s' in %s; check "
		      "bench.command and PATH",
		      (size_t)(r - res->runs) + 1, r->side, (long long)res->id, spec->command,
		      spec->dir);
	else if (r->status > 128)
		error("run %zu (%c) of bench %lld was killed by signal %d: '%s' in %s",
		      (size_t)(r - res->runs) + 1, r->side, (long long)res->id, r->status - 128,
		      spec->command, spec->dir);
	else
		error("run %zu (%c) of bench %lld failed with exit status %d: '%s' in %s",
		      (size_t)(r - res->runs) + 1, r->side, (long long)res->id, r->status,
		      spec->command, spec->dir);
	if (!strbuf_tail_range(&tail, r->log_err, r->err_off, r->err_len, 20) && tail.len)
		fprintf(stderr, "last lines of its stderr (%s, run %zu):\n%s", r->log_err,
			    (size_t)(r - res->runs) + 1, tail.buf);
	else
		fprintf(stderr, "(its stderr was empty; stdout is in %s)\n", r->log_out);
	strbuf_release(&tail);
	return EXIT_CMDFAIL;
}

int run_bench(struct ctx *c, const struct bench_request *req, struct bench_setup *s,
	      struct bench_result *res)
{
	struct strbuf err = STRBUF_INIT;
	if (bench_prepare(c, req, s, &err))
		die("%s", err.buf);
	if (s->warn.len)
		warning("%s", s->warn.buf);
	if (req->calibrate)
		info("calibrating: %d A/A pairs of %s", s->spec.max_pairs, s->spec.cand_path);
	else if (s->note.len)
		info("%s", s->note.buf);
	if (bench_execute(c->ledger, &s->spec, &bench_progress_hooks, res, &err)) {
		progress_clear();
		die("%s", err.buf);
	}
	progress_clear();
	strbuf_release(&err);
	return res->status == BENCH_DONE ? 0 : report_bench_failure(&s->spec, res);
}

static int cmd_bench(int argc, char **argv, struct ctx *c)
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
		refuse_stale_artifact(c);
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
	"goes to a log under the state directory.\n\n"
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
