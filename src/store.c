/*
 * store.c: XXH3-128 hashing (libxxhash) and the content-addressed store.
 */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "banned.h"

static void to_hex(XXH128_hash_t h, char hex[HASH_HEX])
{
	snprintf(hex, HASH_HEX, "%016llx%016llx", (unsigned long long)h.high64,
		 (unsigned long long)h.low64);
}

void hash_mem(const void *data, size_t len, char hex[HASH_HEX])
{
	to_hex(XXH3_128bits(data, len), hex);
}

int hash_file(const char *path, char hex[HASH_HEX], uint64_t *size, struct strbuf *err)
{
	XXH3_state_t *st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	char *buf;
	uint64_t total = 0;
	int ret = -1;

	if (fd < 0) {
		strbuf_addf(err, "cannot read artifact '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		strbuf_addf(err, "artifact '%s' is not a regular file", path);
		close(fd);
		return -1;
	}
	st = XXH3_createState();
	buf = xmalloc(1 << 20);
	if (!st)
		BUG("XXH3_createState failed");
	XXH3_128bits_reset(st);
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 20);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			strbuf_addf(err, "cannot read artifact '%s': %s", path, strerror(errno));
			goto out;
		}
		if (!n)
			break;
		XXH3_128bits_update(st, buf, (size_t)n);
		total += (uint64_t)n;
	}
	to_hex(XXH3_128bits_digest(st), hex);
	if (size)
		*size = total;
	ret = 0;
out:
	XXH3_freeState(st);
	free(buf);
	close(fd);
	return ret;
}

char *store_find(const char *store_dir, const char *hex)
{
	char *dir = xstrfmt("%s/%.2s/%s", store_dir, hex, hex), *found = NULL;
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && !strstr(de->d_name, ".tmp.")) {
			found = xstrfmt("%s/%s", dir, de->d_name);
			break;
		}
	if (d)
		closedir(d);
	free(dir);
	return found;
}

static int copy_fd(int in, int out)
{
	char *buf;
	/* copy_file_range lets the file system share extents where it can */
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
			    errno == EOPNOTSUPP)
				break;
			return -1;
		}
	}
	buf = xmalloc(1 << 20);
	for (;;) {
		ssize_t n = read(in, buf, 1 << 20), off = 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			return (int)n;
		}
		while (off < n) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				free(buf);
				return -1;
			}
			off += w;
		}
	}
}

int file_copy_atomic(const char *src, const char *dest, unsigned mode, struct strbuf *err)
{
	char *tmp = xstrfmt("%.*s.%s.tmp.%ld", (int)(path_basename(dest) - dest), dest,
			    path_basename(dest), (long)getpid());
	sigset_t old;
	int in, out = -1, ret = -1;

	/* from the temporary file's creation to its rename or removal */
	interrupts_block(&old);
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		strbuf_addf(err, "cannot read '%s': %s", src, strerror(errno));
		goto out;
	}
	{
		/* an executable stays executable (profile --baseline, a restored binary) */
		struct stat sb;
		mode_t m = (mode_t)mode | (!fstat(in, &sb) ? (sb.st_mode & 0111) : 0);
		out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, m);
	}
	if (out < 0) {
		strbuf_addf(err, "cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	if (copy_fd(in, out) || fsync(out)) {
		strbuf_addf(err, "cannot copy '%s' to '%s': %s", src, dest, strerror(errno));
		goto out;
	}
	if (close(out)) {
		out = -1;
		strbuf_addf(err, "cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	out = -1;
	if (rename(tmp, dest)) {
		strbuf_addf(err, "cannot rename '%s': %s", tmp, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (ret)
		unlink(tmp);
	interrupts_restore(&old);
	free(tmp);
	return ret;
}

int store_put(const char *store_dir, const char *path, const char *hex, char **stored,
	      struct strbuf *err)
{
	char *dir = xstrfmt("%s/%.2s/%s", store_dir, hex, hex), *dest = NULL;
	int ret = -1;

	if ((*stored = store_find(store_dir, hex))) {
		ret = 0;
		goto out;
	}
	if (mkdir_p(dir, 0755)) {
		strbuf_addf(err, "cannot create store directory '%s': %s", dir, strerror(errno));
		goto out;
	}
	dest = xstrfmt("%s/%s", dir, path_basename(path));
	/* read-only: nothing may change the bytes a baseline or profile refers to */
	if (file_copy_atomic(path, dest, 0444, err))
		goto out;
	*stored = dest;
	dest = NULL;
	ret = 0;
out:
	free(dir);
	free(dest);
	return ret;
}
