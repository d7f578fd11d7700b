/*
 * strbuf.h: growable strings (git's strbuf). `buf` is never NULL and always
 * NUL-terminated; STRBUF_INIT needs no allocation. strbuf_release() frees the
 * contents, strbuf_detach() hands the string to the caller.
 */
#ifndef STRBUF_H
#define STRBUF_H

#include <stddef.h>
#include <stdarg.h>
#include "util.h"

struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT { 0, 0, strbuf_slopbuf }

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_setlen(struct strbuf *sb, size_t len);
#define strbuf_reset(sb) strbuf_setlen((sb), 0)

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addbuf(struct strbuf *sb, const struct strbuf *other);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) PL_PRINTF(2, 3);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Replace the contents with a formatted string. */
void strbuf_setf(struct strbuf *sb, const char *fmt, ...) PL_PRINTF(2, 3);
/* Append `s` quoted for /bin/sh (single quotes). */
void strbuf_addshq(struct strbuf *sb, const char *s);

void strbuf_trim(struct strbuf *sb);

/*
 * The next line of ini-style text into `line`, trimmed: *p advances past it
 * and *lineno counts every line read; blank lines and lines starting with
 * ';' or '#' are skipped. Returns 0 at the end of the text.
 */
int strbuf_ini_line(struct strbuf *line, const char **p, int *lineno);
void strbuf_rtrim(struct strbuf *sb);

/*
 * Read a whole file, appending to sb. At most `max` bytes are read when
 * max > 0 (curl's dynbuf limit); returns bytes read or -1 with errno set.
 */
long strbuf_read_file(struct strbuf *sb, const char *path, size_t max);
/* Read from fd until EOF (or `max` bytes when max > 0); returns bytes or -1. */
long strbuf_read_fd(struct strbuf *sb, int fd, size_t max);
/* Append the bytes [off, off + len) of a file; 0, or -1 with errno (a short file too). */
int strbuf_read_range(struct strbuf *sb, const char *path, long off, long len);
/* Append the last `n` lines of a file (for error tails); returns 0 or -1. */
int strbuf_tail_file(struct strbuf *sb, const char *path, int n);
/* The same for the byte range [off, off + len) of a file. */
int strbuf_tail_range(struct strbuf *sb, const char *path, long off, long len, int n);

/*
 * Write sb's contents to path atomically: a temporary file in the same
 * directory (mode 0666 less the umask), flushed, then renamed over path, so
 * readers see the old file or the whole new one. 0, or -1 with err filled
 * (the temporary file is removed).
 */
int strbuf_write_file_atomic(const struct strbuf *sb, const char *path, struct strbuf *err);

#endif
