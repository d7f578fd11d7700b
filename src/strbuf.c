/*
 * strbuf.c: growable strings; see strbuf.h for the contract.
 */
#include "strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "banned.h"

char strbuf_slopbuf[1];

void strbuf_init(struct strbuf *sb, size_t hint)
{
	sb->alloc = sb->len = 0;
	sb->buf = strbuf_slopbuf;
	if (hint)
		strbuf_grow(sb, hint);
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb, 0);
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *res;
	strbuf_grow(sb, 0);
	res = sb->buf;
	if (len)
		*len = sb->len;
	strbuf_init(sb, 0);
	return res;
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
	int new_buf = !sb->alloc;
	if (sb->len + extra + 1 <= sb->len)
		BUG("strbuf size overflow");
	if (new_buf)
		sb->buf = NULL;
	ALLOC_GROW(sb->buf, sb->len + extra + 1, sb->alloc);
	if (new_buf)
		sb->buf[0] = '\0';
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
	if (len > (sb->alloc ? sb->alloc - 1 : 0))
		BUG("strbuf_setlen beyond allocation");
	sb->len = len;
	if (sb->buf != strbuf_slopbuf)
		sb->buf[len] = '\0';
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	strbuf_grow(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, int c)
{
	strbuf_grow(sb, 1);
	sb->buf[sb->len++] = (char)c;
	sb->buf[sb->len] = '\0';
}

void strbuf_addbuf(struct strbuf *sb, const struct strbuf *other)
{
	strbuf_add(sb, other->buf, other->len);
}

void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	strbuf_grow(sb, 64);
	va_copy(cp, ap);
	n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		BUG("vsnprintf failed for '%s'", fmt);
	if ((size_t)n >= sb->alloc - sb->len) {
		strbuf_grow(sb, (size_t)n);
		n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
	}
	sb->len += (size_t)n;
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_setf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	strbuf_reset(sb);
	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_addshq(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_addstr(sb, "'\\''");
		else
			strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '\'');
}

void strbuf_rtrim(struct strbuf *sb)
{
	while (sb->len && (sb->buf[sb->len - 1] == ' ' || sb->buf[sb->len - 1] == '\t' ||
			   sb->buf[sb->len - 1] == '\n' || sb->buf[sb->len - 1] == '\r'))
		sb->len--;
	if (sb->alloc)
		sb->buf[sb->len] = '\0';
}

void strbuf_trim(struct strbuf *sb)
{
	size_t i = 0;
	strbuf_rtrim(sb);
	while (i < sb->len && (sb->buf[i] == ' ' || sb->buf[i] == '\t' || sb->buf[i] == '\n' ||
			       sb->buf[i] == '\r'))
		i++;
	if (i) {
		memmove(sb->buf, sb->buf + i, sb->len - i);
		strbuf_setlen(sb, sb->len - i);
	}
}

long strbuf_read_fd(struct strbuf *sb, int fd, size_t max)
{
	size_t start = sb->len;
	for (;;) {
		size_t want = 8192;
		ssize_t n;
		if (max) {
			size_t got = sb->len - start;
			if (got >= max)
				break;
			if (want > max - got)
				want = max - got;
		}
		strbuf_grow(sb, want);
		/* fill all the room there is: a 5 MB file is a few reads, not 700 */
		if (sb->alloc - sb->len - 1 > want &&
		    (!max || sb->alloc - sb->len - 1 <= max - (sb->len - start)))
			want = sb->alloc - sb->len - 1;
		n = read(fd, sb->buf + sb->len, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			strbuf_setlen(sb, start);
			return -1;
		}
		if (n == 0)
			break;
		sb->len += (size_t)n;
	}
	sb->buf[sb->len] = '\0';
	return (long)(sb->len - start);
}

long strbuf_read_file(struct strbuf *sb, const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	long n;
	int saved;
	if (fd < 0)
		return -1;
	/* room for the whole file at once (procfs says 0 and grows as it reads) */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (!max || (uint64_t)st.st_size <= max))
		strbuf_grow(sb, (size_t)st.st_size);
	n = strbuf_read_fd(sb, fd, max);
	saved = errno;
	close(fd);
	errno = saved;
	return n;
}

int strbuf_read_range(struct strbuf *sb, const char *path, long off, long len)
{
	int fd;
	long got;
	if (len <= 0)
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (lseek(fd, off, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	got = strbuf_read_fd(sb, fd, (size_t)len);
	close(fd);
	if (got >= 0 && got < len)
		errno = EIO; /* the file was cut */
	return got == len ? 0 : -1;
}

int strbuf_tail_range(struct strbuf *sb, const char *path, long off, long len, int n)
{
	struct strbuf all = STRBUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t from;
	const char *p;
	int lines = 0;
	if (fd < 0)
		return -1;
	if (off < 0) {
		off = 0;
		len = (long)lseek(fd, 0, SEEK_END);
	}
	/* only the end matters: read at most the last 64 KiB of the range */
	from = len > 65536 ? off + len - 65536 : off;
	if (lseek(fd, from, SEEK_SET) < 0 ||
	    strbuf_read_fd(&all, fd, (size_t)(off + len - from)) < 0) {
		close(fd);
		strbuf_release(&all);
		return -1;
	}
	close(fd);
	strbuf_rtrim(&all);
	p = all.buf + all.len;
	while (p > all.buf) {
		if (p[-1] == '\n' && ++lines >= n)
			break;
		p--;
	}
	strbuf_addstr(sb, p);
	if (all.len)
		strbuf_addch(sb, '\n');
	strbuf_release(&all);
	return 0;
}

int strbuf_tail_file(struct strbuf *sb, const char *path, int n)
{
	return strbuf_tail_range(sb, path, -1, 0, n);
}

int strbuf_write_file_atomic(const struct strbuf *sb, const char *path, struct strbuf *err)
{
	char *dir = path_dirname(path);
	char *tmp = xstrfmt("%s/.%s.tmp-XXXXXX", dir, path_basename(path));
	mode_t mask = umask(0);
	const char *what = "create a temporary file for";
	size_t done = 0;
	int fd, ret = -1;
	umask(mask);
	fd = mkstemp(tmp);
	if (fd < 0)
		goto out;
	what = "write";
	while (done < sb->len) {
		ssize_t n = write(fd, sb->buf + done, sb->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		done += (size_t)n;
	}
	if (done < sb->len || fchmod(fd, 0666 & ~mask) || fsync(fd)) {
		int e = errno;
		close(fd);
		errno = e;
		goto fail;
	}
	if (close(fd))
		goto fail;
	what = "rename a temporary file onto";
	if (rename(tmp, path))
		goto fail;
	ret = 0;
	goto out;
fail:
	{
		int e = errno;
		unlink(tmp);
		errno = e;
	}
out:
	if (ret)
		strbuf_addf(err, "cannot %s '%s': %s", what, path, strerror(errno));
	free(tmp);
	free(dir);
	return ret;
}

int strbuf_ini_line(struct strbuf *line, const char **p, int *lineno)
{
	while (**p) {
		const char *eol = strchr(*p, '\n');
		size_t n = eol ? (size_t)(eol - *p) : strlen(*p);
		(*lineno)++;
		strbuf_reset(line);
		strbuf_add(line, *p, n);
		*p += n + (eol ? 1 : 0);
		strbuf_trim(line);
		if (line->len && line->buf[0] != ';' && line->buf[0] != '#')
			return 1;
	}
	return 0;
}
