/*
 * cmd.h: the command table's entry type and helpers shared by the commands (src/cmd/).
 * Only the command layer prints and parses argv.
 */
#ifndef CMD_H
#define CMD_H

#include <getopt.h>
#include <jansson.h>
#include "project.h"

enum {
	CMD_NEED_CONFIG = 1 << 0, /* perfloop.ini must exist */
	CMD_NO_CONFIG = 1 << 1,   /* do not read it at all */
	CMD_LAZY_WORKTREE = 1 << 2, /* find the worktree (git) only when asked (project_worktree) */
	/*
	 * Ctrl-C and SIGTERM never kill the command between two writes: they
	 * set proc_interrupted (and stop a running child), the command records
	 * the step as interrupted and main() exits 130 (try, keep, build...).
	 */
	CMD_DEFER_SIGNALS = 1 << 3,
};

struct cmd_entry {
	const char *name;
	int (*fn)(int argc, char **argv, struct project *c);
	unsigned flags;
	const char *usage;   /* "perfloop bench [--runs N] ..." */
	const char *summary; /* one line for the command list */
	const char *help;    /* option and behaviour text for `perfloop help CMD` */
};

extern const struct cmd_entry *const commands[];
const struct cmd_entry *find_command(const char *name);

/* Print usage for a command on stderr and return EXIT_USAGE. */
int usage_error(const struct cmd_entry *e, const char *fmt, ...) PL_PRINTF(2, 3);

/*
 * getopt_long over argv with permutation off and error messages of our own.
 * Returns the option (or -1 at the end); on an unknown option or a missing
 * argument prints the problem and usage, and returns '?'.
 */
int next_opt(const struct cmd_entry *e, int argc, char **argv, const char *shortopts,
	     const struct option *longopts);

/*
 * For commands whose only option is --json: sets *json, returns 0, or prints
 * the problem and returns EXIT_USAGE (an unknown option, an argument).
 */
int parse_json_only(const struct cmd_entry *e, int argc, char **argv, int *json);

/* Parse an integer option value >= min, or print the problem and return -1. */
int opt_int(const struct cmd_entry *e, const char *opt, const char *val, long min, long *out);

/* Print a JSON document on stdout (indented) and a newline. */
void print_json(json_t *doc);

/* Format seconds compactly: "1.234s", "12.3s", "2m05s". */
const char *fmt_secs(char *buf, size_t len, double s);
/* Format kilobytes as "123.4 MB". */
const char *fmt_kb(char *buf, size_t len, double kb);

/* Progress line on stderr (only on a terminal and without -q); clear with NULL. */
void progress_line(const char *fmt, ...) PL_PRINTF(1, 2);
void progress_clear(void);

/* Die with err's text when the call failed (ret != 0). */
#define CHECK(call, err)                                                  \
	do {                                                              \
		if ((call))                                               \
			die("%s", (err)->buf);                            \
	} while (0)

#endif
