/*
 * cmd-help.c: `perfloop help [COMMAND|config|exit-codes]` and `perfloop version`.
 */
#include <string.h>

#include "cmd/cmd.h"
#include "config.h"
#include "version.h"
#include "banned.h"

static const char exit_codes[] =
	"exit codes:\n"
	"    0    success (try: keep or keep-flat)\n"
	"    1    try: the change was rejected\n"
	"    2    try: the bench was inconclusive\n"
	"    3    a bench, build or validate command failed (exit status, last lines of its log)\n"
	"    4    a command ran past its timeout and was killed\n"
	"    5    a GitHub API call failed\n"
	"  128    any other error: configuration, ledger, file system\n"
	"  129    bad command line\n"
	"  130    interrupted (Ctrl-C, SIGTERM); the step in progress (a bench, build, try's\n"
	"         experiment) is recorded as interrupted, never with a verdict\n";

static void list_commands(void)
{
	printf("usage: perfloop [-c FILE] [-q] COMMAND [ARGS]\n\n"
	       "perfloop drives a perf-guided optimization loop: benchmark an artifact against a\n"
	       "baseline with interleaved runs and an honest verdict, and remember every\n"
	       "experiment in a SQLite ledger.\n\ncommands:\n");
	for (size_t i = 0; commands[i]; i++)
		printf("  %-11s %s\n", commands[i]->name, commands[i]->summary);
	printf("\nglobal options:\n"
	       "  -c FILE     use this perfloop.ini (default: found in . or a parent)\n"
	       "  -q          quiet: no progress or informational lines\n"
	       "  --version   print the version\n\n"
	       "more: perfloop help COMMAND, perfloop help config, perfloop help exit-codes\n");
}

static void help_config(void)
{
	const char *section = "";
	printf("perfloop.ini: found in the current directory or a parent, or given with -c.\n"
	       "Unknown sections and keys are errors. Comments start with ';' or '#' at the\n"
	       "start of a line or after whitespace; double-quote a value to keep them.\n"
	       "Relative paths are relative to the file that sets them.\n");
	for (const struct cfg_keydoc *k = cfg_keys; k->section; k++) {
		if (strcmp(section, k->section)) {
			section = k->section;
			printf("\n[%s]\n", section);
		}
		if (!strcmp(k->key, "*"))
			printf("  NAME = VALUE\n      %s\n", k->doc);
		else
			printf("  %s = <%s>%s%s%s\n      %s\n", k->key, cfg_type_name(k->type),
			       k->def ? "  (default: " : "", k->def ? k->def : "",
			       k->def ? ")" : "", k->doc);
	}
}

/* Text for troff: escape backslashes and leading dots/quotes. */
static void man_text(const char *s)
{
	int bol = 1;
	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", stdout);
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-')
			fputs("\\-", stdout);
		else
			putchar(*s);
		bol = *s == '\n';
	}
}

/* The manual page, made from the command table and the key table. */
static void help_man(void)
{
	const char *section = "";
	printf(".TH PERFLOOP 1 \"\" \"perfloop %s\" \"perfloop manual\"\n", PERFLOOP_VERSION);
	printf(".SH NAME\nperfloop \\- drive a perf\\-guided optimization loop\n");
	printf(".SH SYNOPSIS\n.B perfloop\n[\\-c FILE] [\\-q] COMMAND [ARGS]\n");
	printf(".SH DESCRIPTION\nperfloop builds an artifact, runs a benchmark harness that loads it "
	       "through an environment variable, records flat perf profiles, and judges each change "
	       "with interleaved baseline/candidate runs and an honest verdict (faster, slower, same "
	       "or inconclusive). It keeps every experiment in a SQLite ledger, commits and pushes "
	       "kept changes, and dispatches the CI benchmark workflow of the pull request.\n");
	printf(".SH OPTIONS\n.TP\n.B \\-c FILE\nuse this perfloop.ini (default: found in the "
	       "current directory or a parent)\n.TP\n.B \\-q\nquiet: no progress or "
	       "informational lines\n.TP\n.B \\-\\-version\nprint the version\n");
	printf(".SH COMMANDS\n");
	for (size_t i = 0; commands[i]; i++) {
		printf(".SS %s\n.nf\n", commands[i]->name);
		man_text(commands[i]->usage);
		printf("\n.fi\n");
		man_text(commands[i]->summary);
		printf(".\n.PP\n.nf\n");
		man_text(commands[i]->help);
		printf(".fi\n");
	}
	printf(".SH CONFIGURATION\nperfloop.ini; unknown sections and keys are errors. Relative paths "
	       "are relative to the file that sets them.\n");
	for (const struct cfg_keydoc *k = cfg_keys; k->section; k++) {
		if (strcmp(section, k->section)) {
			section = k->section;
			printf(".SS [%s]\n", section);
		}
		printf(".TP\n.B %s\n", strcmp(k->key, "*") ? k->key : "NAME");
		man_text(k->doc);
		if (k->def) {
			printf(" (default: ");
			man_text(k->def);
			printf(")");
		}
		printf("\n");
	}
	printf(".SH EXIT STATUS\n.nf\n");
	man_text(exit_codes);
	printf(".fi\n.SH ENVIRONMENT\n.TP\n.B NO_COLOR\nno colours even on a terminal\n"
	       ".TP\n.B GH_TOKEN, GITHUB_TOKEN\nGitHub token (else \\fBgh auth token\\fR)\n"
	       ".TP\n.B XDG_CACHE_HOME\nwhere the symbol cache lives when not in the state "
	       "directory\n");
	printf(".SH FILES\n.TP\n.B perfloop.ini\nthe configuration\n.TP\n.B .perfloop/ledger.db\n"
	       "the SQLite ledger\n.TP\n.B .perfloop/store/\ncontent\\-addressed artifact store\n"
	       ".TP\n.B .perfloop/logs/\nbench, build and validate logs\n");
	printf(".SH SEE ALSO\nperf(1), perf\\-report(1), git\\-worktree(1), hyperfine(1)\n");
}

static int cmd_help(int argc, char **argv, struct project *c)
{
	const struct cmd_entry *e;
	(void)c;
	if (argc >= 2 && !strcmp(argv[1], "--man")) {
		help_man();
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "--commands")) {
		for (size_t i = 0; commands[i]; i++)
			printf("%s\n", commands[i]->name);
		return 0;
	}
	if (argc < 2) {
		list_commands();
		return 0;
	}
	if (!strcmp(argv[1], "config")) {
		help_config();
		return 0;
	}
	if (!strcmp(argv[1], "exit-codes")) {
		fputs(exit_codes, stdout);
		return 0;
	}
	e = find_command(argv[1]);
	if (!e) {
		fprintf(stderr, "error: no help on '%s' (see 'perfloop help')\n", argv[1]);
		return EXIT_USAGE;
	}
	printf("usage: %s\n\n%s\n\n%s", e->usage, e->summary, e->help);
	return 0;
}

const struct cmd_entry cmd_help_entry = {
	"help", cmd_help, CMD_NO_CONFIG, "perfloop help [COMMAND|config|exit-codes]",
	"show help on a command, the configuration keys or the exit codes",
	"  perfloop help              list the commands\n"
	"  perfloop help COMMAND      usage and options of COMMAND\n"
	"  perfloop help config       every perfloop.ini key with its default\n"
	"  perfloop help exit-codes   what each exit status means\n"
	"  perfloop help --man        the manual page (troff), as 'make' installs it\n"
	"  perfloop help --commands   the command names, one per line (for completion)\n",
};

static int cmd_version(int argc, char **argv, struct project *c)
{
	(void)argc;
	(void)argv;
	(void)c;
	printf("perfloop %s\n", PERFLOOP_VERSION);
	return 0;
}

const struct cmd_entry cmd_version_entry = {
	"version", cmd_version, CMD_NO_CONFIG, "perfloop version", "print the version", "",
};
