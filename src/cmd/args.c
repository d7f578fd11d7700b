/*
 * args.c: the one command-line parser of the commands. Each command declares
 * its options and positionals once in its cmd_entry; this parses argv against
 * them (the same errors and exit code for every command), picks a subcommand,
 * and makes the usage lines. A command's body starts from the parsed
 * struct cmd_args, never from argv.
 */
#include "cmd/cmd.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

static size_t nr_options(const struct cmd_entry *e)
{
	size_t n = 0;
	while (e->options && e->options[n].name)
		n++;
	return n;
}

static int option_index(const struct cmd_entry *e, const char *name)
{
	for (size_t i = 0; i < nr_options(e); i++)
		if (!strcmp(e->options[i].name, name))
			return (int)i;
	return -1;
}

/* A name the command did not declare is the caller's bug, not the user's. */
static int declared(const struct cmd_args *a, const char *name)
{
	int i = option_index(a->entry, name);
	if (i < 0)
		BUG("command '%s' has no option '--%s'", a->entry->name, name);
	return i;
}

int args_has(const struct cmd_args *a, const char *name)
{
	return a->value[declared(a, name)] != NULL;
}

const char *args_get(const struct cmd_args *a, const char *name)
{
	return a->value[declared(a, name)];
}

size_t args_all(const struct cmd_args *a, const char *name, const char *const **out)
{
	int i = declared(a, name);
	if (!a->entry->options[i].many)
		BUG("option '--%s' of '%s' is given once", name, a->entry->name);
	*out = a->all[i];
	return a->nr_all[i];
}

long args_int(const struct cmd_args *a, const char *name, long def)
{
	int i = declared(a, name);
	if (a->entry->options[i].kind != CMD_VAL_INT)
		BUG("option '--%s' of '%s' is not a number", name, a->entry->name);
	return a->value[i] ? a->num[i] : def;
}

/*
 * Most positionals e takes: one per upper-case word of .args ("[A] [B]" two,
 * "[COMMAND [SUBCOMMAND]|config]" two), unbounded (-1) when it says "...".
 */
static int max_args(const struct cmd_entry *e)
{
	int n = 0, in_word = 0;
	if (!e->args)
		return 0;
	if (strstr(e->args, "..."))
		return -1;
	for (const char *p = e->args; *p; p++) {
		int upper = *p >= 'A' && *p <= 'Z';
		if (upper && !in_word)
			n++;
		in_word = upper;
	}
	return n;
}

/* What an option looks like in the usage line: "--runs N", "--format md|html|json". */
static void option_synopsis(struct strbuf *sb, const struct cmd_option *o)
{
	strbuf_addf(sb, "--%s", o->name);
	if (o->kind == CMD_VAL_WORDS) {
		strbuf_addch(sb, ' ');
		for (const char *w = o->words; *w; w++)
			strbuf_addch(sb, *w == ' ' ? '|' : *w);
	} else if (o->arg) {
		strbuf_addf(sb, " %s", o->arg);
	}
}

void cmd_synopsis(struct strbuf *sb, const struct cmd_entry *e, const struct cmd_entry *parent)
{
	size_t n = nr_options(e);
	strbuf_addstr(sb, "perfloop");
	if (parent)
		strbuf_addf(sb, " %s", parent->name);
	strbuf_addf(sb, " %s", e->name);
	for (size_t i = 0; i < n; i++) {
		const struct cmd_option *o = &e->options[i];
		int first = !i || !o->alt || e->options[i - 1].alt != o->alt;
		int last = i + 1 == n || !o->alt || e->options[i + 1].alt != o->alt;
		strbuf_addstr(sb, first ? " [" : "|");
		option_synopsis(sb, o);
		if (last)
			strbuf_addstr(sb, o->many ? "]..." : "]");
	}
	if (e->args)
		strbuf_addf(sb, " %s", e->args);
}

/* One form wrapped between its words (never inside brackets), continuing under the options. */
static void add_form(struct strbuf *sb, const char *prefix, const struct cmd_entry *e,
		     const struct cmd_entry *parent)
{
	struct strbuf syn = STRBUF_INIT;
	size_t indent = strlen(prefix) + strlen("perfloop ") + strlen(e->name) + 1, col;
	int depth = 0;
	const char *p, *word;

	if (parent)
		indent += strlen(parent->name) + 1;
	cmd_synopsis(&syn, e, parent);
	strbuf_addstr(sb, prefix);
	col = strlen(prefix);
	for (p = word = syn.buf;; p++) {
		if (*p && (*p != ' ' || depth)) {
			depth += (*p == '[') - (*p == ']');
			continue;
		}
		if (word > syn.buf && col + 1 + (size_t)(p - word) > CMD_HELP_WIDTH &&
		    col > indent) {
			strbuf_addch(sb, '\n');
			for (size_t i = 0; i < indent; i++)
				strbuf_addch(sb, ' ');
			col = indent;
		} else if (word > syn.buf) {
			strbuf_addch(sb, ' ');
			col++;
		}
		strbuf_add(sb, word, (size_t)(p - word));
		col += (size_t)(p - word);
		if (!*p)
			break;
		word = p + 1;
	}
	strbuf_addch(sb, '\n');
	strbuf_release(&syn);
}

void cmd_forms(struct strbuf *sb, const struct cmd_entry *e, const struct cmd_entry *parent,
	       const char *prefix, const char *or_prefix)
{
	if (e->exec || !e->subcommands) {
		add_form(sb, prefix, e, parent);
		prefix = or_prefix;
	}
	for (size_t i = 0; !parent && e->subcommands && e->subcommands[i]; i++) {
		add_form(sb, prefix, e->subcommands[i], e);
		prefix = or_prefix;
	}
}

void cmd_usage(struct strbuf *sb, const struct cmd_entry *e, const struct cmd_entry *parent)
{
	cmd_forms(sb, e, parent, "usage: ", "   or: ");
}

static int vusage_error(const struct cmd_entry *e, const struct cmd_entry *parent, const char *fmt,
			va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "error: ");
	strbuf_vaddf(&sb, fmt, ap);
	strbuf_addch(&sb, '\n');
	cmd_usage(&sb, e, parent);
	strbuf_addf(&sb, "(see 'perfloop help %s')\n", parent ? parent->name : e->name);
	fputs(sb.buf, stderr);
	strbuf_release(&sb);
	return EXIT_USAGE;
}

static int entry_usage_error(const struct cmd_entry *e, const struct cmd_entry *parent,
			     const char *fmt, ...) PL_PRINTF(3, 4);
static int entry_usage_error(const struct cmd_entry *e, const struct cmd_entry *parent,
			     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vusage_error(e, parent, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

int usage_error(const struct cmd_args *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vusage_error(a->entry, a->parent, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

int args_parse_int(const struct cmd_args *a, const char *what, const char *val, long min, long *out)
{
	if (parse_long(val, out) || *out < min) {
		usage_error(a, "%s needs a whole number >= %ld, not '%s'", what, min, val);
		return -1;
	}
	return 0;
}

/* The option "--name" (or an unambiguous start of a long name, as getopt_long takes). */
static int find_long(const struct cmd_entry *e, const char *name, size_t len)
{
	int found = -1, nr = 0;
	for (size_t i = 0; i < nr_options(e); i++) {
		const char *n = e->options[i].name;
		if (strncmp(n, name, len))
			continue;
		if (!n[len])
			return (int)i;
		found = (int)i;
		nr++;
	}
	return nr == 1 ? found : -1;
}

static int find_short(const struct cmd_entry *e, int c)
{
	for (size_t i = 0; i < nr_options(e); i++)
		if (e->options[i].short_name == c)
			return (int)i;
	return -1;
}

/* Record option i's value; a number is checked against its minimum. */
static int set_option(struct cmd_args *a, int i, const char *val)
{
	const struct cmd_option *o = &a->entry->options[i];
	a->value[i] = val ? val : "";
	if (o->many) {
		a->all[i] = xrealloc(a->all[i], (a->nr_all[i] + 1) * sizeof(*a->all[i]));
		a->all[i][a->nr_all[i]++] = a->value[i];
	}
	if (o->kind == CMD_VAL_INT) {
		struct strbuf what = STRBUF_INIT;
		int r;
		strbuf_addf(&what, "--%s", o->name);
		r = args_parse_int(a, what.buf, val, o->min, &a->num[i]);
		strbuf_release(&what);
		return r ? EXIT_USAGE : 0;
	}
	return 0;
}

/* argv[*i] is "--name" or "--name=value"; a value may be the next word. */
static int parse_long_option(struct cmd_args *a, int argc, char **argv, int *i)
{
	const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
	int k = find_long(a->entry, arg, eq ? (size_t)(eq - arg) : strlen(arg));
	if (k < 0)
		return usage_error(a, "unknown option '%s'", argv[*i]);
	if (!a->entry->options[k].arg) {
		if (eq)
			return usage_error(a, "option '--%s' takes no value",
					   a->entry->options[k].name);
		return set_option(a, k, NULL);
	}
	if (eq)
		return set_option(a, k, eq + 1);
	if (*i + 1 >= argc)
		return usage_error(a, "option '%s' needs a value", argv[*i]);
	return set_option(a, k, argv[++*i]);
}

/* argv[*i] is "-x", "-xVALUE" or flags together ("-xy"). */
static int parse_short_options(struct cmd_args *a, int argc, char **argv, int *i)
{
	for (const char *p = argv[*i] + 1; *p; p++) {
		int k = find_short(a->entry, (unsigned char)*p);
		if (k < 0)
			return usage_error(a, "unknown option '-%c'", *p);
		if (!a->entry->options[k].arg) {
			if (set_option(a, k, NULL))
				return EXIT_USAGE;
			continue;
		}
		if (p[1])
			return set_option(a, k, p + 1);
		if (*i + 1 >= argc)
			return usage_error(a, "option '%s' needs a value", argv[*i]);
		return set_option(a, k, argv[++*i]);
	}
	return 0;
}

/* At most one option of each group of alternatives, named in the table's order. */
static int check_alternatives(const struct cmd_args *a)
{
	const struct cmd_option *o = a->entry->options;
	for (size_t i = 0; i < nr_options(a->entry); i++)
		for (size_t j = i + 1; o[i].alt && a->value[i] && j < nr_options(a->entry); j++)
			if (o[j].alt == o[i].alt && a->value[j])
				return usage_error(a, "--%s and --%s are alternatives", o[i].name,
						   o[j].name);
	return 0;
}

/*
 * The subcommand argv picks: by its name as the first argument ("baseline
 * save"), or by a flag anywhere before "--" ("profile --list"), skipping the
 * values of the command's own options. Returns the index of the word that
 * named it (0 when none did: the command itself runs).
 */
static int pick_subcommand(const struct cmd_entry *e, int argc, char **argv,
			   const struct cmd_entry **sub)
{
	*sub = NULL;
	if (!e->subcommands)
		return 0;
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		int k = -1;
		for (size_t s = 0; e->subcommands[s]; s++) {
			const char *n = e->subcommands[s]->name;
			if (!strcmp(argv[i], n) && (n[0] == '-' || i == 1)) {
				*sub = e->subcommands[s];
				return i;
			}
		}
		if (!strncmp(argv[i], "--", 2) && !strchr(argv[i], '='))
			k = find_long(e, argv[i] + 2, strlen(argv[i] + 2));
		else if (argv[i][0] == '-' && argv[i][1] && !argv[i][2])
			k = find_short(e, (unsigned char)argv[i][1]);
		if (k >= 0 && e->options[k].arg)
			i++;
	}
	return 0;
}

/* "say 'save' or 'list'" */
static void name_subcommands(struct strbuf *sb, const struct cmd_entry *e)
{
	for (size_t s = 0; e->subcommands[s]; s++)
		strbuf_addf(sb, "%s'%s'",
			    !s			    ? ""
			    : e->subcommands[s + 1] ? ", "
						    : " or ",
			    e->subcommands[s]->name);
}

int cmd_parse(const struct cmd_entry *e, int argc, char **argv, struct cmd_args *a)
{
	const struct cmd_entry *sub;
	int skip = pick_subcommand(e, argc, argv, &sub), options = 1, max;

	memset(a, 0, sizeof(*a));
	a->entry = sub ? sub : e;
	a->parent = sub ? e : NULL;
	if (nr_options(a->entry) > CMD_MAX_OPTIONS)
		BUG("command '%s' declares more than %d options", a->entry->name, CMD_MAX_OPTIONS);
	if (!a->entry->exec) {
		struct strbuf names = STRBUF_INIT;
		int r;
		name_subcommands(&names, e);
		if (argc < 2)
			r = entry_usage_error(e, NULL, "say %s", names.buf);
		else
			r = entry_usage_error(e, NULL, "unknown subcommand '%s'", argv[1]);
		strbuf_release(&names);
		return r;
	}
	a->argv = xcalloc((size_t)argc + 1, sizeof(*a->argv));
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		int r = 0;
		if (i == skip)
			continue;
		if (options && !strcmp(arg, "--"))
			options = 0;
		else if (options && arg[0] == '-' && arg[1] == '-')
			r = parse_long_option(a, argc, argv, &i);
		else if (options && arg[0] == '-' && arg[1])
			r = parse_short_options(a, argc, argv, &i);
		else
			a->argv[a->argc++] = argv[i];
		if (r) {
			cmd_args_release(a);
			return r;
		}
	}
	max = max_args(a->entry);
	if ((max >= 0 && a->argc > max) || check_alternatives(a)) {
		if (max >= 0 && a->argc > max)
			usage_error(a, "unexpected argument '%s'", a->argv[max]);
		cmd_args_release(a);
		return EXIT_USAGE;
	}
	return 0;
}

void cmd_args_release(struct cmd_args *a)
{
	for (size_t i = 0; i < CMD_MAX_OPTIONS; i++) {
		free(a->all[i]);
		a->all[i] = NULL;
		a->nr_all[i] = 0;
	}
	free(a->argv);
	a->argv = NULL;
	a->argc = 0;
}
