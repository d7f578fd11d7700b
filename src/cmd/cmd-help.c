/*
 * cmd-help.c: `perfloop help` and `perfloop version`. Everything said about
 * the commands is made here from their cmd_entry: `perfloop help CMD`, the
 * manual page (--man), README's command reference (--markdown, checked by
 * t0001) and what bash completion offers (--complete).
 */
#include <string.h>

#include "cmd/cmd.h"
#include "config.h"
#include "version.h"
#include "banned.h"

extern const struct cmd_entry cmd_help_entry;

static const char exit_codes[] =
    "exit codes:\n"
    "    0    success (try: keep or keep-flat)\n"
    "    1    try: the change was rejected; status --check: the goal is not reached yet\n"
    "    2    try: the bench was inconclusive; status --check: the rounds are used up\n"
    "         without reaching the goal\n"
    "    3    a bench, build or validate command failed (exit status, last lines of its log)\n"
    "    4    a command ran past its timeout and was killed\n"
    "    5    a GitHub API call failed\n"
    "  128    any other error: configuration, ledger, file system; status --check without\n"
    "         a goal ([loop] goal)\n"
    "  129    bad command line\n"
    "  130    interrupted (Ctrl-C, SIGTERM); the step in progress (a bench, build, try's\n"
    "         experiment) is recorded as interrupted, never with a verdict\n";

/* Where help text goes: a terminal, troff, or Markdown. */
enum doc_format { DOC_TEXT, DOC_MAN, DOC_MD };

static void add_spaces(struct strbuf *sb, size_t n)
{
	while (n--)
		strbuf_addch(sb, ' ');
}

static size_t nr_options(const struct cmd_entry *e)
{
	size_t n = 0;
	while (e->options && e->options[n].name)
		n++;
	return n;
}

/* troff: escape backslashes, minus signs, and dots or quotes starting a line. */
static void man_escape(struct strbuf *out, const char *s)
{
	int bol = !out->len || out->buf[out->len - 1] == '\n';
	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			strbuf_addstr(out, "\\&");
		if (*s == '\\')
			strbuf_addstr(out, "\\e");
		else if (*s == '-')
			strbuf_addstr(out, "\\-");
		else
			strbuf_addch(out, *s);
		bol = *s == '\n';
	}
}

/* Markdown outside code: what would otherwise be emphasis, HTML or a heading. */
static void md_escape(struct strbuf *out, const char *s, size_t len, int bol)
{
	for (size_t i = 0; i < len; i++) {
		if (strchr("\\*_~|", s[i]) || (bol && !i && s[i] == '#'))
			strbuf_addch(out, '\\');
		if (s[i] == '<')
			strbuf_addstr(out, "&lt;");
		else
			strbuf_addch(out, s[i]);
	}
}

/*
 * One line (or one-line text) of prose: `code` becomes 'code' on a terminal
 * and in troff, stays code in Markdown.
 */
static void add_prose(struct strbuf *out, const char *s, size_t len, enum doc_format f)
{
	struct strbuf t = STRBUF_INIT;
	const char *end = s + len;
	int bol = 1;
	while (s < end) {
		const char *tick = memchr(s, '`', (size_t)(end - s));
		const char *close = tick ? memchr(tick + 1, '`', (size_t)(end - tick - 1)) : NULL;
		if (!close)
			tick = close = end;
		if (f == DOC_MD) {
			md_escape(out, s, (size_t)(tick - s), bol);
			if (tick < end)
				strbuf_add(out, tick, (size_t)(close - tick + 1));
		} else {
			strbuf_add(&t, s, (size_t)(tick - s));
			if (tick < end) {
				strbuf_addch(&t, '\'');
				strbuf_add(&t, tick + 1, (size_t)(close - tick - 1));
				strbuf_addch(&t, '\'');
			}
		}
		bol = 0;
		s = close < end ? close + 1 : end;
	}
	if (f == DOC_MAN)
		man_escape(out, t.buf);
	else
		strbuf_addbuf(out, &t);
	strbuf_release(&t);
}

static void add_prose_line(struct strbuf *out, const char *s, enum doc_format f)
{
	add_prose(out, s, strlen(s), f);
	strbuf_addch(out, '\n');
}

/*
 * Help text, line by line: prose as add_prose() makes it, and blocks
 * indented by 4 after a blank line as they are (fenced in Markdown).
 */
static void add_text(struct strbuf *out, const char *text, enum doc_format f)
{
	int literal = 0, after_blank = 1;
	for (const char *p = text; *p;) {
		const char *eol = strchrnul(p, '\n');
		size_t len = (size_t)(eol - p);
		int indented = len >= 4 && !strncmp(p, "    ", 4);
		if (!len || !indented) {
			if (literal && f == DOC_MD)
				strbuf_addstr(out, "```\n");
			literal = 0;
		}
		if (indented && (after_blank || literal)) {
			if (!literal && f == DOC_MD)
				strbuf_addstr(out, "```\n");
			literal = 1;
			if (f == DOC_MAN) {
				struct strbuf t = STRBUF_INIT;
				strbuf_add(&t, p, len);
				man_escape(out, t.buf);
				strbuf_release(&t);
			} else {
				strbuf_add(out, f == DOC_MD ? p + 4 : p,
					   f == DOC_MD ? len - 4 : len);
			}
		} else {
			add_prose(out, p, len, f);
		}
		strbuf_addch(out, '\n');
		after_blank = !len;
		p = *eol ? eol + 1 : eol;
	}
	if (literal && f == DOC_MD)
		strbuf_addstr(out, "```\n");
}

/* "-n, --runs N" */
static void option_spec(struct strbuf *sb, const struct cmd_option *o)
{
	if (o->short_name)
		strbuf_addf(sb, "-%c, ", o->short_name);
	strbuf_addf(sb, "--%s", o->name);
	if (o->arg)
		strbuf_addf(sb, " %s", o->arg);
}

/* Words of text from column `col` on, wrapped at CMD_HELP_WIDTH with lines indented by `indent`. */
static void add_wrapped(struct strbuf *out, const char *text, size_t col, size_t indent)
{
	struct strbuf t = STRBUF_INIT;
	int first = 1;
	add_prose(&t, text, strlen(text), DOC_TEXT);
	for (const char *p = t.buf; *p;) {
		size_t n = strcspn(p, " ");
		if (!first && col + 1 + n > CMD_HELP_WIDTH) {
			strbuf_addch(out, '\n');
			add_spaces(out, indent);
			col = indent;
		} else if (!first) {
			strbuf_addch(out, ' ');
			col++;
		}
		strbuf_add(out, p, n);
		col += n;
		first = 0;
		p += n;
		p += strspn(p, " ");
	}
	strbuf_addch(out, '\n');
	strbuf_release(&t);
}

static void add_options(struct strbuf *out, const struct cmd_entry *e, enum doc_format f)
{
	size_t n = nr_options(e), w = 0;
	for (size_t i = 0; i < n; i++) {
		struct strbuf spec = STRBUF_INIT;
		option_spec(&spec, &e->options[i]);
		if (spec.len > w && spec.len <= 24)
			w = spec.len;
		strbuf_release(&spec);
	}
	/* a heading, so that a list ending the help text does not run on into the options */
	if (n && f == DOC_TEXT)
		strbuf_addstr(out, "options:\n");
	else if (n && f == DOC_MD)
		strbuf_addstr(out, "Options:\n\n");
	for (size_t i = 0; i < n; i++) {
		const struct cmd_option *o = &e->options[i];
		struct strbuf spec = STRBUF_INIT;
		option_spec(&spec, o);
		if (f == DOC_TEXT) {
			strbuf_addf(out, "  %-*s  ", (int)w, spec.buf);
			if (spec.len > w) {
				strbuf_addch(out, '\n');
				add_spaces(out, w + 4);
			}
			add_wrapped(out, o->help, w + 4, w + 4);
		} else if (f == DOC_MAN) {
			strbuf_addstr(out, ".TP\n.B ");
			man_escape(out, spec.buf);
			strbuf_addch(out, '\n');
			add_prose_line(out, o->help, f);
		} else {
			strbuf_addf(out, "- `%s`: ", spec.buf);
			add_prose_line(out, o->help, f);
		}
		strbuf_release(&spec);
	}
}

/* One command or subcommand: its help, options and exit statuses. */
static void add_body(struct strbuf *out, const struct cmd_entry *e, enum doc_format f)
{
	if (e->help && *e->help) {
		strbuf_addstr(out, f == DOC_MAN ? ".PP\n.nf\n" : "\n");
		add_text(out, e->help, f);
		if (f == DOC_MAN)
			strbuf_addstr(out, ".fi\n");
	}
	if (nr_options(e))
		strbuf_addstr(out, f == DOC_MAN ? "" : "\n");
	add_options(out, e, f);
	if (e->exit) {
		strbuf_addstr(out, f == DOC_MAN ? ".PP\n" : "\n");
		if (f == DOC_TEXT) {
			strbuf_addstr(out, "Exit: ");
			add_wrapped(out, e->exit, 6, 0);
		} else {
			strbuf_addstr(out, f == DOC_MD ? "Exit status: " : "Exit status: ");
			add_prose_line(out, e->exit, f);
		}
	}
}

/* A subcommand's heading line, then its body. */
static void add_subcommands(struct strbuf *out, const struct cmd_entry *e, enum doc_format f)
{
	for (size_t i = 0; e->subcommands && e->subcommands[i]; i++) {
		const struct cmd_entry *s = e->subcommands[i];
		struct strbuf syn = STRBUF_INIT;
		cmd_synopsis(&syn, s, e);
		if (f == DOC_TEXT) {
			strbuf_addf(out, "\n%s %s: ", e->name, s->name);
			add_prose_line(out, s->summary, f);
		} else if (f == DOC_MAN) {
			strbuf_addstr(out, ".PP\n.B ");
			man_escape(out, syn.buf);
			strbuf_addstr(out, "\n.br\n");
			add_prose_line(out, s->summary, f);
		} else {
			strbuf_addf(out, "\n#### `perfloop %s %s`\n\n", e->name, s->name);
			add_prose_line(out, s->summary, f);
		}
		add_body(out, s, f);
		strbuf_release(&syn);
	}
}

/* `perfloop help CMD` */
static void help_command(struct strbuf *out, const struct cmd_entry *e)
{
	cmd_usage(out, e, NULL);
	strbuf_addch(out, '\n');
	add_prose_line(out, e->summary, DOC_TEXT);
	add_body(out, e, DOC_TEXT);
	add_subcommands(out, e, DOC_TEXT);
}

/* One command's section of README's command reference. */
static void markdown_command(struct strbuf *out, const struct cmd_entry *e)
{
	strbuf_addf(out, "### `perfloop %s`\n\n", e->name);
	add_prose(out, e->summary, strlen(e->summary), DOC_MD);
	strbuf_addstr(out, "\n\n```\n");
	cmd_forms(out, e, NULL, "", "");
	strbuf_addstr(out, "```\n");
	add_body(out, e, DOC_MD);
	add_subcommands(out, e, DOC_MD);
}

/* README's command reference: an index, then every command. */
static void markdown_commands(struct strbuf *out)
{
	strbuf_addstr(out, "| command | what it does |\n|---|---|\n");
	for (size_t i = 0; commands[i]; i++) {
		strbuf_addf(out, "| [`%s`](#perfloop-%s) | ", commands[i]->name, commands[i]->name);
		add_prose(out, commands[i]->summary, strlen(commands[i]->summary), DOC_MD);
		strbuf_addstr(out, " |\n");
	}
	for (size_t i = 0; commands[i]; i++) {
		strbuf_addch(out, '\n');
		markdown_command(out, commands[i]);
	}
}

static void man_command(struct strbuf *out, const struct cmd_entry *e)
{
	struct strbuf forms = STRBUF_INIT;
	strbuf_addf(out, ".SS %s\n.nf\n", e->name);
	cmd_forms(&forms, e, NULL, "", "");
	man_escape(out, forms.buf);
	strbuf_release(&forms);
	strbuf_addstr(out, ".fi\n");
	add_prose(out, e->summary, strlen(e->summary), DOC_MAN);
	strbuf_addstr(out, ".\n");
	add_body(out, e, DOC_MAN);
	add_subcommands(out, e, DOC_MAN);
}

static void list_commands(void)
{
	printf("usage: perfloop [-c FILE] [-q] COMMAND [ARGS]\n\n"
	       "perfloop drives a perf-guided optimization loop: benchmark an artifact against a\n"
	       "baseline with interleaved runs and an honest verdict, and remember every\n"
	       "experiment in a SQLite ledger.\n\ncommands:\n");
	for (size_t i = 0; commands[i]; i++) {
		struct strbuf sum = STRBUF_INIT;
		add_prose(&sum, commands[i]->summary, strlen(commands[i]->summary), DOC_TEXT);
		printf("  %-11s %s\n", commands[i]->name, sum.buf);
		strbuf_release(&sum);
	}
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
			if (!strcmp(section, "guard.NAME"))
				printf("\n[guard.NAME]\n  (written [guard \"NAME\"]: one section per guard "
				       "benchmark)\n");
			else
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

/* README's table of the keys. */
static void markdown_config(struct strbuf *out)
{
	strbuf_addstr(out, "| key | default | meaning |\n|---|---|---|\n");
	for (const struct cfg_keydoc *k = cfg_keys; k->section; k++) {
		if (!strcmp(k->key, "*"))
			strbuf_addf(out, "| `[%s] NAME = VALUE` | ", k->section);
		else
			strbuf_addf(out, "| `%s.%s` | ", k->section, k->key);
		if (k->def)
			strbuf_addf(out, "`%s` | ", k->def);
		else
			strbuf_addstr(out, "— | ");
		add_prose(out, k->doc, strlen(k->doc), DOC_MD);
		strbuf_addstr(out, " |\n");
	}
}

/* The manual page, made from the command table and the key table. */
static void help_man(void)
{
	struct strbuf out = STRBUF_INIT;
	const char *section = "";
	strbuf_addf(&out, ".TH PERFLOOP 1 \"\" \"perfloop %s\" \"perfloop manual\"\n",
		    PERFLOOP_VERSION);
	strbuf_addstr(&out, ".SH NAME\nperfloop \\- drive a perf\\-guided optimization loop\n");
	strbuf_addstr(&out, ".SH SYNOPSIS\n.B perfloop\n[\\-c FILE] [\\-q] COMMAND [ARGS]\n");
	strbuf_addstr(
	    &out, ".SH DESCRIPTION\nperfloop builds an artifact, runs a benchmark harness that "
		  "loads it through an environment variable, records flat perf profiles, and "
		  "judges each change with interleaved baseline/candidate runs and an honest "
		  "verdict (faster, slower, same or inconclusive). It keeps every experiment in "
		  "a SQLite ledger, commits and pushes kept changes, and dispatches the CI "
		  "benchmark workflow of the pull request.\n");
	strbuf_addstr(&out,
		      ".SH OPTIONS\n.TP\n.B \\-c FILE\nuse this perfloop.ini (default: found "
		      "in the current directory or a parent)\n.TP\n.B \\-q\nquiet: no progress "
		      "or informational lines\n.TP\n.B \\-\\-version\nprint the version\n");
	strbuf_addstr(&out, ".SH COMMANDS\n");
	for (size_t i = 0; commands[i]; i++)
		man_command(&out, commands[i]);
	strbuf_addstr(&out,
		      ".SH CONFIGURATION\nperfloop.ini; unknown sections and keys are errors. "
		      "Relative paths are relative to the file that sets them.\n");
	for (const struct cfg_keydoc *k = cfg_keys; k->section; k++) {
		if (strcmp(section, k->section)) {
			section = k->section;
			if (!strcmp(section, "guard.NAME"))
				strbuf_addstr(&out, ".SS [guard \"NAME\"]\n");
			else
				strbuf_addf(&out, ".SS [%s]\n", section);
		}
		strbuf_addf(&out, ".TP\n.B %s\n", strcmp(k->key, "*") ? k->key : "NAME");
		man_escape(&out, k->doc);
		if (k->def) {
			strbuf_addstr(&out, " (default: ");
			man_escape(&out, k->def);
			strbuf_addstr(&out, ")");
		}
		strbuf_addch(&out, '\n');
	}
	strbuf_addstr(&out, ".SH EXIT STATUS\n.nf\n");
	man_escape(&out, exit_codes);
	strbuf_addstr(&out,
		      ".fi\n.SH ENVIRONMENT\n.TP\n.B NO_COLOR\nno colours even on a terminal\n"
		      ".TP\n.B GH_TOKEN, GITHUB_TOKEN\nGitHub token (else \\fBgh auth token\\fR)\n"
		      ".TP\n.B XDG_CACHE_HOME\nwhere the symbol cache lives when not in the state "
		      "directory\n");
	strbuf_addstr(&out,
		      ".SH FILES\n.TP\n.B perfloop.ini\nthe configuration\n.TP\n"
		      ".B .perfloop/ledger.db\nthe SQLite ledger\n.TP\n.B .perfloop/store/\n"
		      "content\\-addressed artifact store\n.TP\n.B .perfloop/logs/\nbench, build "
		      "and validate logs\n");
	strbuf_addstr(&out, ".SH SEE ALSO\nperf(1), perf\\-report(1), git\\-worktree(1), "
			    "hyperfine(1)\n");
	fputs(out.buf, stdout);
	strbuf_release(&out);
}

static int option_declared(const struct cmd_entry *e, const char *name)
{
	for (size_t i = 0; i < nr_options(e); i++)
		if (!strcmp(e->options[i].name, name))
			return 1;
	return 0;
}

/* What the arguments of e are: "none" when it takes none. */
static const char *args_kind(const struct cmd_entry *e)
{
	return !e->args ? "none" : e->args_kind == CMD_VAL_FILE ? "file" : "value";
}

static const char *kind_name(enum cmd_value k)
{
	return k == CMD_VAL_FILE ? "file" : k == CMD_VAL_WORDS ? "words" : "value";
}

/*
 * For bash completion, one line per option and one for the positionals:
 * "--name flag", "--name value", "--name file", "--name words W1 W2...",
 * the same with "-x" for a short name, and "* KIND [WORDS]" for the
 * arguments ("* subcommand save list" when a subcommand is needed).
 */
static void complete_entry(struct strbuf *out, const struct cmd_entry *e,
			   const struct cmd_entry *parent)
{
	for (size_t i = 0; i < nr_options(e); i++) {
		const struct cmd_option *o = &e->options[i];
		if (parent && option_declared(parent, o->name))
			continue;
		const char *kind = o->arg ? kind_name(o->kind) : "flag";
		const char *words = o->kind == CMD_VAL_WORDS ? o->words : NULL;
		strbuf_addf(out, "--%s %s%s%s\n", o->name, kind, words ? " " : "",
			    words ? words : "");
		if (o->short_name)
			strbuf_addf(out, "-%c %s%s%s\n", o->short_name, kind, words ? " " : "",
				    words ? words : "");
	}
}

static int help_complete(const struct cmd_args *a)
{
	struct strbuf out = STRBUF_INIT;
	const struct cmd_entry *e = a->argc ? find_command(a->argv[0]) : NULL;
	if (!a->argc) {
		strbuf_addstr(&out, "-c file\n--config file\n-q flag\n--quiet flag\n"
				    "--version flag\n--help flag\n* words");
		for (size_t i = 0; commands[i]; i++)
			strbuf_addf(&out, " %s", commands[i]->name);
		strbuf_addch(&out, '\n');
	} else if (!e) {
		return usage_error(a, "no command '%s'", a->argv[0]);
	} else if (a->argc > 1) {
		const struct cmd_entry *s = NULL;
		for (size_t i = 0; e->subcommands && e->subcommands[i]; i++)
			if (!strcmp(e->subcommands[i]->name, a->argv[1]))
				s = e->subcommands[i];
		if (!s) {
			strbuf_release(&out);
			return usage_error(a, "'%s' has no subcommand '%s'", e->name, a->argv[1]);
		}
		complete_entry(&out, s, NULL);
		strbuf_addf(&out, "* %s\n", args_kind(s));
	} else {
		int named = e->subcommands && !e->exec;
		complete_entry(&out, e, NULL);
		/* a subcommand picked by a flag (profile --list): the flag, then its options */
		for (size_t i = 0; e->subcommands && e->subcommands[i]; i++) {
			if (e->subcommands[i]->name[0] != '-')
				continue;
			strbuf_addf(&out, "%s flag\n", e->subcommands[i]->name);
			complete_entry(&out, e->subcommands[i], e);
		}
		if (named) {
			strbuf_addstr(&out, "* subcommand");
			for (size_t i = 0; e->subcommands[i]; i++)
				strbuf_addf(&out, " %s", e->subcommands[i]->name);
			strbuf_addch(&out, '\n');
		} else if (!strcmp(e->name, "help")) {
			strbuf_addstr(&out, "* words config exit-codes");
			for (size_t i = 0; commands[i]; i++)
				strbuf_addf(&out, " %s", commands[i]->name);
			strbuf_addch(&out, '\n');
		} else {
			strbuf_addf(&out, "* %s\n", args_kind(e));
		}
	}
	fputs(out.buf, stdout);
	strbuf_release(&out);
	return 0;
}

static int cmd_help(const struct cmd_args *a, struct project *c)
{
	struct strbuf out = STRBUF_INIT;
	const char *topic = a->argc ? a->argv[0] : NULL;
	const struct cmd_entry *e = topic ? find_command(topic) : NULL;

	if (args_has(a, "complete"))
		return help_complete(a);
	if (args_has(a, "commands")) {
		for (size_t i = 0; commands[i]; i++)
			printf("%s\n", commands[i]->name);
		return 0;
	}
	if (args_has(a, "man")) {
		help_man();
		return 0;
	}
	if (!topic && args_has(a, "markdown")) {
		markdown_commands(&out);
	} else if (!topic) {
		list_commands();
	} else if (!strcmp(topic, "config") && args_has(a, "markdown")) {
		markdown_config(&out);
	} else if (!strcmp(topic, "config")) {
		help_config();
	} else if (!strcmp(topic, "exit-codes")) {
		fputs(exit_codes, stdout);
	} else if (!e) {
		fprintf(stderr, "error: no help on '%s' (see 'perfloop help')\n", topic);
		return EXIT_USAGE;
	} else if (args_has(a, "markdown")) {
		markdown_command(&out, e);
	} else {
		help_command(&out, e);
	}
	fputs(out.buf, stdout);
	strbuf_release(&out);
	return 0;
}

static const struct cmd_option help_options[] = {
    {.name = "man", .help = "the manual page (troff), as `make` installs it", .alt = 1},
    {.name = "markdown",
     .help = "README's command reference (or COMMAND's part of it, or with `config` its "
	     "table of keys) in Markdown",
     .alt = 1},
    {.name = "commands", .help = "the command names, one per line", .alt = 1},
    {.name = "complete",
     .help = "what bash completion offers: COMMAND's (or SUBCOMMAND's) options, each with "
	     "what its value is (flag, value, file, words and the words), and `*` for its "
	     "arguments",
     .alt = 1},
    {0},
};

const struct cmd_entry cmd_help_entry = {
    .name = "help",
    .summary = "show help on a command, the configuration keys or the exit codes",
    .args = "[COMMAND [SUBCOMMAND]|config|exit-codes]",
    .options = help_options,
    .help = "Without an argument, lists the commands. `perfloop help COMMAND` shows its usage,\n"
	    "what it does and its options; `perfloop help config` every `perfloop.ini` key\n"
	    "with its default; `perfloop help exit-codes` what each exit status means.\n",
    .flags = CMD_NO_CONFIG,
    .exec = cmd_help,
};

static int cmd_version(const struct cmd_args *a, struct project *c)
{
	printf("perfloop %s\n", PERFLOOP_VERSION);
	return 0;
}

const struct cmd_entry cmd_version_entry = {
    .name = "version",
    .summary = "print the version",
    .flags = CMD_NO_CONFIG,
    .exec = cmd_version,
};
