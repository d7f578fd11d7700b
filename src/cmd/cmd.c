/*
 * cmd.c: helpers for the command layer: output formats, the progress line
 * (the parser is args.c).
 */
#include "cmd/cmd.h"

#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "metric.h"
#include "banned.h"

static int progress_shown;

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
