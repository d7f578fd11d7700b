/*
 * cmd.c: helpers for the command layer (option parsing, output formats,
 * the progress line).
 */
#include "cmd/cmd.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metric.h"
#include "banned.h"

static int progress_shown;

int usage_error(const struct cmd_entry *e, const char *fmt, ...)
{
	va_list ap;
	struct strbuf sb = STRBUF_INIT;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	fprintf(stderr, "error: %s\nusage: %s\n(see 'perfloop help %s')\n", sb.buf, e->usage,
		e->name);
	strbuf_release(&sb);
	return EXIT_USAGE;
}

int next_opt(const struct cmd_entry *e, int argc, char **argv, const char *shortopts,
	     const struct option *longopts)
{
	int idx = 0, c;
	struct strbuf so = STRBUF_INIT;
	strbuf_addch(&so, ':');
	strbuf_addstr(&so, shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, so.buf, longopts, &idx);
	strbuf_release(&so);
	if (c == '?' || c == ':') {
		const char *bad = argv[optind - 1];
		if (c == ':')
			usage_error(e, "option '%s' needs a value", bad);
		else if (optopt)
			usage_error(e, "unknown option '-%c'", optopt);
		else
			usage_error(e, "unknown option '%s'", bad);
		return '?';
	}
	return c;
}

int parse_json_only(const struct cmd_entry *e, int argc, char **argv, int *json)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	*json = 0;
	while ((opt = next_opt(e, argc, argv, "", longopts)) != -1) {
		if (opt != 'j')
			return EXIT_USAGE;
		*json = 1;
	}
	if (optind < argc)
		return usage_error(e, "unexpected argument '%s'", argv[optind]);
	return 0;
}

int opt_int(const struct cmd_entry *e, const char *opt, const char *val, long min, long *out)
{
	if (parse_long(val, out) || *out < min) {
		usage_error(e, "%s needs a whole number >= %ld, not '%s'", opt, min, val);
		return -1;
	}
	return 0;
}

void print_json(json_t *doc)
{
	char *s = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
	if (!s)
		die("cannot encode JSON output");
	fputs(s, stdout);
	fputc('\n', stdout);
	free(s);
}

const char *fmt_secs(char *buf, size_t len, double s)
{
	return format_seconds(s, buf, len);
}

const char *fmt_kb(char *buf, size_t len, double kb)
{
	if (kb >= 1024 * 1024)
		snprintf(buf, len, "%.2f GB", kb / 1024 / 1024);
	else
		snprintf(buf, len, "%.1f MB", kb / 1024);
	return buf;
}

void progress_line(const char *fmt, ...)
{
	va_list ap;
	struct strbuf sb = STRBUF_INIT;
	if (quiet || !isatty(2))
		return;
	strbuf_addstr(&sb, "\r\033[K");
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	fwrite(sb.buf, 1, sb.len, stderr);
	fflush(stderr);
	progress_shown = 1;
	strbuf_release(&sb);
}

void progress_clear(void)
{
	if (!progress_shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	progress_shown = 0;
}
