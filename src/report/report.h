/*
 * report.h: what `perfloop report` shows, gathered from the loop's ledger:
 * the branch and its base, baseline vs current end-to-end time, every
 * experiment in order (message, patch, verdict and why, time ratio with its
 * interval, commit, perf.data path, top hotspot deltas), the workflow runs
 * of its dispatches, and totals with the cumulative speed-up of the kept
 * experiments.
 *
 * report_load() reads the ledger into a struct report; report_md(),
 * report_html() and report_json() render it. Tables are built once
 * (report_table_*) as cells of a few kinds, so Markdown and HTML show the
 * same columns. Nothing here prints.
 *
 * Every figure is of a metric and names it (metric.h): a bench's ratio,
 * interval and runs are of the metric its verdict judged; the loop's times,
 * headline and time chart are of the loop's metric, its newest bench's.
 *
 * Statistics (documented in README "perfloop report"):
 *  - an artifact's time is the median of the loop's metric over all its
 *    measured runs in the loop's benches, with a distribution-free interval between two
 *    order statistics (binomial coverage >= REPORT_LEVEL when there are
 *    enough runs; the coverage reached is reported);
 *  - each bench's standard error of mean ln(B/A) is derived from its stored
 *    decision interval and level (t quantile with the bench's degrees of
 *    freedom), else from its pairs' log-ratios;
 *  - the cumulative time ratio of the kept experiments is exp(sum of their
 *    mean log-ratios), its interval exp(sum +- q * sqrt(sum of variances)),
 *    q the t quantile at Welch-Satterthwaite degrees of freedom.
 */
#ifndef REPORT_H
#define REPORT_H

#include <jansson.h>
#include <stdint.h>
#include "experiment.h"
#include "guard.h"
#include "ledger.h"
#include "metric.h"

struct config;

#define REPORT_TOP_HOT 8   /* hotspot rows kept per experiment */
#define REPORT_LEVEL 0.95  /* confidence of medians' and of the cumulative interval */
#define REPORT_NO_HOTSPOTS \
	"No experiment has a hotspot diff (tried with --no-profile, or without profiles)."

/* Time of one artifact over its measured runs in the report's metric (seconds). */
struct report_time {
	size_t runs;
	double median, lo, hi; /* [lo, hi]: order-statistic interval of the median */
	double level;          /* its coverage; 0 with fewer than two runs */
};

/* One row of an experiment's hotspot diff (shares in percent of samples). */
struct report_hot {
	char *symbol, *dso;
	double base, cand, delta, noise;
	int touched, within_noise;
};

struct report_bench {
	int64_t id;
	char *status;         /* done, failed, ... */
	char *verdict;        /* faster/slower/same/inconclusive, NULL when none */
	int early_reject, pairs;
	double ratio, lo, hi, level; /* exp(mean ln(B/A)) and its decision interval; NAN unknown */
	double log_mean, se, df;     /* mean ln(B/A), its standard error and df; NAN unknown */
	const struct metric *metric; /* what the verdict judged (wall when the ledger lacks it) */
	double *a, *b;               /* measured values of that metric per side, in run order */
	size_t na, nb;
	int64_t candidate;           /* artifact id of B */
};

struct report_exp {
	int64_t id;
	double created;
	char *message, *patch_hash, *reason, *commit, *pushed;
	enum exp_status status;
	enum try_verdict verdict; /* TRY_NONE: none */
	int has_bench;
	struct report_bench bench;
	int64_t profile_id;       /* 0: not profiled */
	char *profile_path;       /* perf.data, NULL when unknown */
	const char *profile_note; /* why there is no path (static text), or NULL */
	char **touched;           /* function names the change touched */
	size_t ntouched;
	struct report_hot *hot;   /* touched first, then by |delta|; at most REPORT_TOP_HOT */
	size_t nhot;
	struct report_time time;  /* kept: its candidate's time over all benches */
	struct exp_expected expected; /* the gain its hotspot diff predicts (every row) */
	const struct guard_row *guards; /* its guard benchmarks' judgements (in r->guard_rows) */
	size_t nguards;
};

/* A dispatch of the CI workflow and the run it started, if known. */
struct report_wf {
	int64_t dispatch, experiment, run; /* 0 = none */
	char *commit, *workflow, *dispatch_status, *message;
	char *status, *conclusion, *url;   /* of the run; NULL when none yet */
	int pr;
};

struct report_cumulative {
	const struct metric *metric; /* of the composed benches; NULL when they mix metrics */
	size_t n;                    /* kept experiments composed */
	size_t missing;              /* kept ones without a bench estimate (left out) */
	double log_sum, se, df;      /* sum of mean ln(B/A); sqrt(sum se^2); W-S df */
	double ratio, lo, hi, level; /* time ratio exp(log_sum) and interval; NAN unknown */
};

/* Where the loop stands against its goal ([loop] goal and rounds). */
enum report_goal_state {
	GOAL_NONE,      /* no [loop] goal */
	GOAL_REACHED,   /* the cumulative speed-up's lower bound is at or past the goal */
	GOAL_PENDING,   /* not reached, rounds left (or no [loop] rounds) */
	GOAL_EXHAUSTED, /* not reached, and every round is used */
};

/*
 * Goal progress, one computation that status, report and the PR comment
 * show: the cumulative speed-up of the kept experiments (report_cumulative,
 * 1 / its time ratio) with its interval, against [loop] goal; and the
 * rounds used against [loop] rounds. A round is an experiment benched to a
 * verdict (keep, keep-flat, reject, inconclusive), whatever became of it
 * after; a change reverted without a try, and a try that failed, was
 * interrupted or abandoned before its verdict, use none.
 */
struct report_goal {
	enum report_goal_state state;
	double goal;                   /* wanted speed-up - 1 (0.05: ×1.05); NAN when none */
	long rounds;                   /* [loop] rounds; 0: no limit */
	size_t used;                   /* rounds used */
	size_t kept;                   /* kept experiments composed into the speed-up */
	const struct metric *metric;   /* of the composed ratios; NULL when they mix metrics */
	double speedup, lo, hi, level; /* cumulative speed-up and interval; NAN unknown */
};

struct report {
	double generated;
	char *ledger;
	char *branch, *base_ref, *base_commit, *worktree;
	int pr;
	const struct metric *metric; /* the loop's: its newest bench's; every time is in it */
	int have_baseline;
	char *baseline_name, *baseline_commit;
	struct report_time baseline; /* the loop's first baseline */
	struct report_exp *exp;      /* every experiment, oldest first */
	size_t nexp;
	struct report_wf *wf;
	size_t nwf;
	int kept, rejected, inconclusive, failed; /* failed: also interrupted, abandoned */
	size_t rounds_used;                       /* experiments benched to a verdict */
	struct report_cumulative cum;
	struct report_goal goal;                  /* GOAL_NONE until report_set_goal() */
	/*
	 * Guard benchmarks: every stored judgement (guard.c), by experiment;
	 * a "guards" section after "experiments" shows them (and so does the
	 * PR comment, which shows the sections).
	 */
	struct guard_row *guard_rows;
	size_t nguard_rows;
};

/*
 * Read the loop of ledger l. Returns 0, or -1 with err filled (one line)
 * when the ledger holds no loop or cannot be read. Release with
 * report_release() in either case.
 */
int report_load(struct ledger *l, struct report *r, struct strbuf *err);
void report_release(struct report *r);

/*
 * The goal of configuration cfg ([loop] goal, [loop] rounds) against the
 * loaded report: fills r->goal, which the renderers then show.
 */
void report_set_goal(struct report *r, const struct config *cfg);

/* The newest kept experiment (the current state), NULL when none. */
const struct report_exp *report_current(const struct report *r);

/* The newest experiment with hotspot rows, NULL when none has any. */
const struct report_exp *report_latest_hot(const struct report *r);

/* Render: Markdown (GitHub-flavoured), one self-contained HTML page. */
void report_md(const struct report *r, struct strbuf *out);
void report_html(const struct report *r, struct strbuf *out);
/* The report as JSON (new reference); keys are listed in README. */
json_t *report_json(const struct report *r);

/* --- tables shared by the Markdown and HTML renderers --- */

enum report_cell_kind {
	CELL_TEXT,   /* plain text */
	CELL_CODE,   /* a hash, path or symbol: monospace */
	CELL_STRONG, /* a verdict */
	CELL_LINK,   /* text linking to href */
};

struct report_cell {
	enum report_cell_kind kind;
	char *text;
	char *href;
};

struct report_table {
	size_t ncols, nrows;
	char **head;             /* ncols titles (owned: they may name a metric) */
	const char *align;       /* 'l' or 'r' per column */
	struct report_cell *cells; /* nrows * ncols, row-major */
	size_t ncells, alloc;
};

/* Baseline and current time in the report's metric. */
void report_table_times(const struct report *r, struct report_table *t);
/* Every experiment. */
void report_table_experiments(const struct report *r, struct report_table *t);
/* One experiment's top hotspot deltas. */
void report_table_hotspots(const struct report_exp *e, struct report_table *t);
/*
 * Every experiment that benched guard benchmarks: a row for its target bench,
 * then one per guard (outcome, B/A of its metric and interval, max RSS B/A,
 * why).
 */
void report_table_guards(const struct report *r, struct report_table *t);
/* Dispatches and workflow runs. */
void report_table_runs(const struct report *r, struct report_table *t);
void report_table_release(struct report_table *t);

/* A section of the document: a heading, a sentence (or none), a table (or none). */
struct report_section {
	int level;           /* 2 for the main sections, 3 below them */
	char id[32];         /* "times", "experiments", "hotspots", "hotspots-<id>", "runs" */
	char *heading;
	const char *text;    /* a plain-text paragraph, NULL when none */
	struct report_table table; /* shown when it has rows */
};

/*
 * The sections after the summary, in order; the HTML form puts its charts
 * after "times". Free with report_sections_release().
 */
void report_sections(const struct report *r, struct report_section **out, size_t *n);
void report_sections_release(struct report_section *s, size_t n);

/* Sentences of plain text: time headline, totals, cumulative speed-up, goal. */
void report_summary(const struct report *r, struct strbuf *out);

/*
 * The goal in one sentence, without a trailing newline ("Goal ×1.050 (5%):
 * reached ..."); nothing when there is neither a goal nor a round limit.
 */
void report_goal_line(const struct report_goal *g, struct strbuf *out);

/* "reached", "not reached", "rounds used up", "no goal" */
const char *report_goal_state_name(enum report_goal_state s);

/* The goal as JSON (README "perfloop report", key goal). */
json_t *report_goal_json(const struct report_goal *g);

/* --- pure helpers (unit-tested) --- */

/* Median of x[0..n) and the order-statistic interval of coverage >= level. */
void report_median_interval(const double *x, size_t n, double level, struct report_time *t);

/*
 * Standard error of mean ln(B/A) from a bench's stored interval of the ratio
 * [lo, hi] at two-sided `level` with `df` degrees of freedom (df <= 0 or
 * infinite: normal). NAN when the interval cannot give one.
 */
double report_se_from_interval(double lo, double hi, double level, double df);

/* Mean, standard error and df (n - 1) of log-ratios d[0..n); se NAN when n < 2. */
void report_se_from_pairs(const double *d, size_t n, double *mean, double *se, double *df);

/*
 * Compose n independent estimates of ln ratios (mean, se, df per estimate)
 * into a cumulative ratio at two-sided `level`. The interval is NAN when any
 * se or df is unknown.
 */
void report_compose(const double *mean, const double *se, const double *df, size_t n,
		    double level, struct report_cumulative *c);

/*
 * Goal progress from the cumulative estimate c: `goal` the wanted speed-up
 * - 1 (NAN: none), `rounds` the limit (0: none), `used` the rounds used.
 */
void report_goal_compute(const struct report_cumulative *c, size_t used, double goal,
			 long rounds, struct report_goal *g);

/* "152.3 ms", "1.234 s", "12.35 µs": four significant digits; "?" for NAN. */
const char *report_fmt_secs(char *buf, size_t len, double s);
/*
 * A value of metric m: times as report_fmt_secs() (task-clock's ns too),
 * counts as "1.43 G", harness metrics with four significant digits and no
 * unit; "?" for NAN.
 */
const char *report_fmt_value(char *buf, size_t len, const struct metric *m, double v);
/* "×0.667"; "?" for NAN. */
const char *report_fmt_ratio(char *buf, size_t len, double r);
/* A ratio as a change: "-33.3%", "+5.0%"; "?" for NAN. */
const char *report_fmt_change(char *buf, size_t len, double r);

/* A confidence level in percent that never rounds up to 100: "95%", "99.97%", ">99.99%". */
const char *report_fmt_level(char *buf, size_t len, double level);

/* Append s for a GitHub Markdown table cell: | escaped, newlines as spaces, <>& as entities. */
void report_md_escape(struct strbuf *sb, const char *s);

#endif
