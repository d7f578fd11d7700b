/*
 * main.c: the entry point: global options, setting up the project, running
 * the command (the table is src/cmd/commands.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>

#include "cmd/cmd.h"
#include "proc.h"
#include "version.h"
#include "banned.h"

static const char global_usage[] =
	"usage: perfloop [-c FILE] [-q] COMMAND [ARGS]\n"
	"       perfloop help [COMMAND|config|exit-codes]\n"
	"       perfloop --version\n";

int main(int argc, char **argv)
{
	const char *config_path = NULL;
	const struct cmd_entry *e;
	struct cmd_args args;
	struct project c = PROJECT_INIT;
	struct strbuf err = STRBUF_INIT;
	int i = 1, ret;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-c") || !strcmp(a, "--config")) {
			if (++i >= argc) {
				fprintf(stderr, "error: '%s' needs a file\n%s", a, global_usage);
				return EXIT_USAGE;
			}
			config_path = argv[i];
		} else if (!strncmp(a, "--config=", 9)) {
			config_path = a + 9;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			quiet = 1;
		} else if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			printf("perfloop %s\n", PERFLOOP_VERSION);
			return 0;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			argv[i] = (char *)"help";
			break;
		} else {
			fprintf(stderr, "error: unknown option '%s'\n%s", a, global_usage);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		fputs(global_usage, stderr);
		fputs("(see 'perfloop help' for the commands)\n", stderr);
		return EXIT_USAGE;
	}
	e = find_command(argv[i]);
	if (!e) {
		fprintf(stderr, "error: unknown command '%s' (see 'perfloop help')\n", argv[i]);
		return EXIT_USAGE;
	}
	/* a bad command line is said before anything is read or run */
	if ((ret = cmd_parse(e, argc - i, argv + i, &args)))
		return ret;
	signal(SIGPIPE, SIG_IGN);
	die_watch_interrupts(&proc_interrupted);
	c.lazy_worktree = (e->flags & CMD_LAZY_WORKTREE) != 0;
	if (!(e->flags & CMD_NO_CONFIG) &&
	    project_setup(&c, config_path, (e->flags & CMD_NEED_CONFIG) != 0, &err))
		die("%s", err.buf);
	if (e->flags & CMD_DEFER_SIGNALS)
		proc_signals_hold();
	ret = args.entry->exec(&args, &c);
	cmd_args_release(&args);
	/* whatever the command made of it, an interrupted command says so */
	if (proc_interrupted && ret != EXIT_USAGE)
		ret = EXIT_INTERRUPTED;
	project_release(&c);
	strbuf_release(&err);
	/* a full disk must not look like success (git's run_builtin) */
	if (fflush(stdout) || ferror(stdout)) {
		if (errno != EPIPE)
			die("write failure on standard output: %s", strerror(errno));
	}
	return ret;
}
