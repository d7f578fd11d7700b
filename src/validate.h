/*
 * validate.h: the [validate] checks of the loop (cargo fmt --check, cargo
 * check -p CRATE, tests...), with placeholders filled from the worktree's
 * changed files.
 */
#ifndef VALIDATE_H
#define VALIDATE_H

#include "project.h"

/*
 * The Cargo packages owning `files` (paths relative to root, one per line):
 * for each file the nearest Cargo.toml above it that has a [package] name.
 * Appends "-p NAME" per distinct package (sorted) to out; returns how many.
 */
int cargo_packages(const char *root, const char *files, struct strbuf *out);

/*
 * Fill {crates} and {changed} in a command. Returns 1 when it should be
 * skipped (a placeholder expanded to nothing; reason says which), else 0.
 */
int validate_expand(const char *tmpl, const char *crates, const char *files, struct strbuf *out,
		    struct strbuf *reason);

struct validate_step {
	char *command;  /* expanded */
	int skipped;
	char *reason;   /* why skipped */
	int status;     /* exit status, 128+signal */
	int timed_out, interrupted;
	double seconds;
};

struct validate_result {
	struct validate_step *steps;
	size_t nr;
	int failed;     /* index + 1 of the failing step, 0 when all passed */
	char *log;      /* every step's output, one after the other */
};

/* Hooks for the command layer's narration. */
struct validate_hooks {
	void (*start)(void *data, const struct validate_step *s, size_t i, size_t n);
	void (*done)(void *data, const struct validate_step *s, size_t i, size_t n);
	void *data;
};

/*
 * Run every [validate] command in order in the worktree, stopping at the
 * first failure. Returns 0 when they ran (res->failed says whether one
 * failed), -1 with err when they could not run. No commands: 0, nr == 0.
 */
int validate_run(struct project *c, const struct validate_hooks *hooks, struct validate_result *res,
		 struct strbuf *err);
void validate_result_release(struct validate_result *res);

#endif
