/*
 * bench-prepare.h: turn the configuration and a command's choices into a
 * bench_spec: which artifacts, which baseline, which noise history.
 */
#ifndef BENCH_PREPARE_H
#define BENCH_PREPARE_H

#include "baseline.h"
#include "bench.h"

struct bench_request {
	const char *artifact;      /* candidate path (NULL: build.artifact) */
	const char *vs;            /* baseline artifact path (NULL: a saved baseline) */
	const char *baseline_name; /* saved baseline to use (NULL: newest that matches) */
	int64_t baseline_id;       /* or exactly this saved baseline (the loop's) */
	int runs;                  /* 0: bench.runs */
	int warmup;                /* < 0: bench.warmup */
	int force;                 /* accept a fingerprint mismatch */
	int calibrate;             /* A/A: the baseline against itself */
	int no_baseline;           /* run the candidate alone */
	const char *guard;         /* a guard benchmark's name ([guard "NAME"]), NULL: the target */
};

struct bench_setup {
	struct bench_spec spec;
	struct artifact cand, base;
	struct baseline bl;        /* when a saved baseline is used */
	char *log_root;
	char *dir;                 /* bench.dir, absolute */
	char **extra_env;
	char key[HASH_HEX];
	struct strbuf warn;        /* things to tell the user before running */
	struct strbuf note;        /* how the baseline was chosen */
	struct hmetric_rules rules; /* [metrics] regexes */
	const char **required;     /* metrics every run must report */
	cpu_set_t cpus;            /* bench.cpus */
	struct metric_history *hist; /* A/A noise per metric */
	size_t nhist;
	char *valgrind;            /* the valgrind program found */
	char *valgrind_version;
	char *pmu_absent;          /* why the machine counts no instructions, when so */
	char *guard;               /* the guard's name, NULL for the target */
};

/*
 * A guard's bench (req->guard) takes each [guard "NAME"] key it sets and
 * [bench]'s for the others (config_guard_key()); its key in the ledger is its
 * own, and only its own metric is required of each run.
 *
 * Resolve everything; 0 or -1 with err filled (one line). The setup must be
 * released either way.
 */
int bench_prepare(struct project *c, const struct bench_request *req, struct bench_setup *s,
		  struct strbuf *err);
void bench_setup_release(struct bench_setup *s);

/*
 * The key of the configured bench (bench_key() of bench.dir, bench.command,
 * bench.env and [env]) into key (HASH_HEX bytes), as bench_prepare() makes
 * it, without running or checking anything else: whose A/A history applies.
 * 0, or -1 with err when bench.command or bench.env is not set.
 */
int bench_config_key(struct project *c, char *key, struct strbuf *err);

#endif
