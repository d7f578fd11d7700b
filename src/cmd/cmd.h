/*
 * cmd.h: the command table's entry type and helpers shared by the commands (src/cmd/).
 * Only the command layer prints and parses argv.
 */
#ifndef CMD_H
#define CMD_H

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

/*
 * What an option's value is, for the parser (CMD_VAL_INT is checked against
 * .min) and for completion (files, one of .words).
 */
enum cmd_value {
	CMD_VAL_STRING = 0, /* anything */
	CMD_VAL_INT,        /* a whole number >= .min */
	CMD_VAL_FILE,       /* a path: completion offers files */
	CMD_VAL_WORDS,      /* one of .words: usage shows them, completion offers them */
};

/*
 * One option of a command, declared once: the parser, the usage line,
 * `perfloop help CMD`, the man page, README's command reference and bash
 * completion are all made from it.
 */
struct cmd_option {
	const char *name;   /* long name without "--": "runs" */
	int short_name;     /* 'n', or 0 */
	const char *arg;    /* placeholder of its value ("N", "PATH"); NULL: a flag */
	const char *help;   /* one line; `code` in backticks */
	enum cmd_value kind;
	const char *words;  /* CMD_VAL_WORDS: "md html json" (the command checks the value) */
	long min;           /* CMD_VAL_INT: the smallest value */
	int alt;            /* nonzero: options sharing it are alternatives, given at most one */
	int many;           /* may be given more than once: every value kept (args_all) */
};

struct cmd_args;

/*
 * A command (or a subcommand), declared once with named fields (as tmux's
 * cmd_entry). Help text (.help, .exit, option help) is plain text as a
 * terminal shows it: paragraphs split by blank lines, lines of at most 88
 * columns, "- " list items, 4-space indented literal blocks, and `code` in
 * backticks (shown as 'code' on a terminal, as code in Markdown).
 */
struct cmd_entry {
	const char *name;    /* "bench"; a subcommand "save", or "--list" when a flag picks it */
	const char *summary; /* one line for the command list */
	const char *args;    /* positional synopsis: "[PROFILE]", "BRANCH", "[A] [B]" (the words
			      * bound how many are accepted; "..." none); NULL: none */
	enum cmd_value args_kind;          /* what the positionals are, for completion */
	const struct cmd_option *options;  /* ends with { 0 }; NULL: none */
	const char *help;    /* what it does, after the usage and summary */
	const char *exit;    /* exit statuses, when they say more than README's table */
	unsigned flags;      /* CMD_NEED_CONFIG...; a command's, for its subcommands too */
	int (*exec)(const struct cmd_args *a, struct project *c); /* NULL: a subcommand is needed */
	const struct cmd_entry *const *subcommands; /* NULL-terminated: baseline save|list */
};

/* Help text is wrapped at this many columns. */
#define CMD_HELP_WIDTH 88

/* Most options a command declares. */
#define CMD_MAX_OPTIONS 24

/* A command line parsed against its entry: what the command's body starts from. */
struct cmd_args {
	const struct cmd_entry *entry;  /* what runs: the command or its subcommand */
	const struct cmd_entry *parent; /* the command of a subcommand, else NULL */
	const char *value[CMD_MAX_OPTIONS]; /* per option: its (last) value, "" for a flag */
	long num[CMD_MAX_OPTIONS];          /* per CMD_VAL_INT option: its value */
	const char **all[CMD_MAX_OPTIONS];  /* per .many option: every value, in order */
	size_t nr_all[CMD_MAX_OPTIONS];
	int argc;                           /* the positional arguments */
	char **argv;
};

extern const struct cmd_entry *const commands[];
const struct cmd_entry *find_command(const char *name);

/*
 * Parse argv (argv[0] the command's name) against e and its subcommands into
 * *a. Options may come anywhere before "--". On a bad command line (unknown
 * option, missing value, bad number, alternatives given together, too many
 * arguments, no or an unknown subcommand) prints the problem and the usage
 * and returns EXIT_USAGE; else 0. Release *a with cmd_args_release().
 */
int cmd_parse(const struct cmd_entry *e, int argc, char **argv, struct cmd_args *a);
void cmd_args_release(struct cmd_args *a);

/* Whether the option was given; its value (NULL when not given). */
int args_has(const struct cmd_args *a, const char *name);
const char *args_get(const struct cmd_args *a, const char *name);
/* Every value of a .many option, in the order given (*out NULL when none); how many. */
size_t args_all(const struct cmd_args *a, const char *name, const char *const **out);
/* A CMD_VAL_INT option's value, or def when it was not given. */
long args_int(const struct cmd_args *a, const char *name, long def);

/* One form of e: "perfloop bench [--artifact PATH] ..."; parent is its command, or NULL. */
void cmd_synopsis(struct strbuf *sb, const struct cmd_entry *e, const struct cmd_entry *parent);
/*
 * Every form of e (its own, its subcommands'), one per line wrapped at
 * CMD_HELP_WIDTH, the first after prefix, the others after or_prefix.
 */
void cmd_forms(struct strbuf *sb, const struct cmd_entry *e, const struct cmd_entry *parent,
	       const char *prefix, const char *or_prefix);
/* cmd_forms() with "usage: " and "   or: " */
void cmd_usage(struct strbuf *sb, const struct cmd_entry *e, const struct cmd_entry *parent);

/* Print the problem and the usage of the command on stderr; returns EXIT_USAGE. */
int usage_error(const struct cmd_args *a, const char *fmt, ...) PL_PRINTF(2, 3);

/* Parse a whole number >= min (e.g. a positional ID), or print the problem and return -1. */
int args_parse_int(const struct cmd_args *a, const char *what, const char *val, long min,
		   long *out);

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
