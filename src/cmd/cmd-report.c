/*
 * cmd-report.c: `perfloop report`, the loop's results as Markdown for a pull
 * request comment, one self-contained HTML page with charts, or JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "report/report.h"
#include "banned.h"

static int cmd_report(const struct cmd_args *a, struct project *c)
{
	const char *format = args_get(a, "format"), *output = args_get(a, "output");
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct report r;
	struct ledger *l;

	if (!format)
		format = "md";
	if (strcmp(format, "md") && strcmp(format, "html") && strcmp(format, "json"))
		return usage_error(a, "unknown format '%s': use md, html or json", format);
	if (output && !*output)
		return usage_error(a, "-o needs a file name");

	if (!(l = project_ledger(c, &err)) || report_load(l, &r, &err))
		die("%s", err.buf);
	report_set_goal(&r, &c->cfg);
	if (!strcmp(format, "md")) {
		report_md(&r, &out);
	} else if (!strcmp(format, "html")) {
		report_html(&r, &out);
	} else {
		json_t *doc = report_json(&r);
		char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		strbuf_addstr(&out, text);
		strbuf_addch(&out, '\n');
		free(text);
		json_decref(doc);
	}
	if (output) {
		if (strbuf_write_file_atomic(&out, output, &err))
			die("%s", err.buf);
		info("wrote the %s report to %s", format, output);
	} else {
		fwrite(out.buf, 1, out.len, stdout);
	}
	report_release(&r);
	strbuf_release(&out);
	strbuf_release(&err);
	return 0;
}

static const struct cmd_option report_options[] = {
	{ .name = "format", .short_name = 'f', .arg = "F", .kind = CMD_VAL_WORDS,
	  .words = "md html json",
	  .help = "md (default; GitHub-flavoured, ready for a PR comment), html (one self-contained "
		  "page: inline CSS and SVG charts of time across kept commits, each experiment's "
		  "A/B runs, and the latest hotspot deltas; no script, nothing fetched), or json "
		  "(the same data; keys in README)" },
	{ .name = "output", .short_name = 'o', .arg = "FILE", .kind = CMD_VAL_FILE,
	  .help = "write to FILE atomically (temporary file, then rename) instead of standard "
		  "output" },
	{ 0 },
};

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.summary = "the loop's results: Markdown for a PR comment, an HTML page with charts, or "
		   "JSON",
	.options = report_options,
	.help = "Everything the loop recorded, from its ledger:\n"
		"\n"
		"- the branch and its base; end-to-end time of the loop's first baseline and of\n"
		"  the newest kept commit (median of every measured run of that artifact, with\n"
		"  an order-statistic interval of the median, and the number of runs);\n"
		"- every experiment in order: message, patch hash, verdict and why, time ratio\n"
		"  B/A with its decision interval, commit (kept ones), perf.data path of its\n"
		"  profile, and its top hotspot deltas (touched functions first);\n"
		"- dispatches of the benchmark workflow and their runs: status, conclusion, URL,\n"
		"  or why the dispatch was skipped;\n"
		"- totals: kept, rejected, inconclusive, failed, and the cumulative speed-up of\n"
		"  the kept experiments (their log-ratios summed, variances added; a 95% t\n"
		"  interval at Welch-Satterthwaite degrees of freedom);\n"
		"- the goal (`loop.goal`, `loop.rounds`): whether the interval's lower bound\n"
		"  is at or past it, and the rounds used (experiments benched to a verdict).\n",
	.flags = CMD_NEED_CONFIG,
	.exec = cmd_report,
};
