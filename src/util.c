/*
 * util.c: allocation that dies on exhaustion, graded error reporting for the
 * command layer, clocks, number parsing and path helpers.
 */
#include "util.h"
#include "strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"

int quiet;

static PL_NORETURN void oom(size_t n)
{
	fprintf(stderr, "fatal: out of memory (allocating %zu bytes)\n", n);
	exit(EXIT_FATAL);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(nmemb * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		oom(strlen(s) + 1);
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		oom(n + 1);
	return p;
}

char *xstrfmt(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return strbuf_detach(&sb, NULL);
}

static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, color(2, "\033[1;31m"));
	strbuf_addstr(&sb, prefix);
	strbuf_addstr(&sb, color(2, "\033[m"));
	strbuf_vaddf(&sb, fmt, ap);
	strbuf_addch(&sb, '\n');
	fflush(stdout);
	fwrite(sb.buf, 1, sb.len, stderr);
	strbuf_release(&sb);
}

static void report(const char *prefix, const char *fmt, ...) PL_PRINTF(2, 3);
static void report(const char *prefix, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(prefix, fmt, ap);
	va_end(ap);
}

static volatile int *interrupt_flag;

void die_watch_interrupts(volatile int *flag)
{
	interrupt_flag = flag;
}

static int interrupted(void)
{
	return interrupt_flag && *interrupt_flag;
}

/*
 * A failure that follows a Ctrl-C (a git command killed by it, a step that
 * started nothing) is the interrupt's doing: say so, and die() exits 130.
 */
static void die_report(const char *fmt, va_list ap)
{
	struct strbuf msg = STRBUF_INIT;
	strbuf_vaddf(&msg, fmt, ap);
	report(interrupted() && strncmp(msg.buf, "interrupted", 11) ? "fatal: interrupted: "
								    : "fatal: ",
	       "%s", msg.buf);
	strbuf_release(&msg);
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	die_report(fmt, ap);
	va_end(ap);
	exit(interrupted() ? EXIT_INTERRUPTED : EXIT_FATAL);
}

void die_code(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	die_report(fmt, ap);
	va_end(ap);
	exit(interrupted() ? EXIT_INTERRUPTED : code);
}

int error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

void BUG_fl(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "BUG: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void hook_say(say_fn fn, void *data, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	if (!fn)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	fn(data, sb.buf);
	strbuf_release(&sb);
}

void info(const char *fmt, ...)
{
	va_list ap;
	struct strbuf sb = STRBUF_INIT;
	if (quiet)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strbuf_addch(&sb, '\n');
	fflush(stdout);
	fwrite(sb.buf, 1, sb.len, stderr);
	strbuf_release(&sb);
}

int use_color(int fd)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	if (nc && *nc)
		return 0;
	if (term && !strcmp(term, "dumb"))
		return 0;
	return isatty(fd);
}

const char *color(int fd, const char *code)
{
	return use_color(fd) ? code : "";
}

double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double now_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void fmt_time(char *buf, size_t len, double t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

int parse_long(const char *s, long *out)
{
	char *end;
	long v;
	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0)
		return -1;
	*out = v;
	return 0;
}

int parse_double(const char *s, double *out)
{
	char *end;
	double v;
	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || v != v)
		return -1;
	*out = v;
	return 0;
}

int file_exists(const char *path)
{
	struct stat st;
	return !stat(path, &st);
}

int is_dir(const char *path)
{
	struct stat st;
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

int mkdir_p(const char *path, unsigned mode)
{
	char *p = xstrdup(path);
	int ret = 0;
	for (char *s = p + 1; ; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = '\0';
			if (mkdir(p, mode) && errno != EEXIST) {
				ret = -1;
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	if (!ret && !is_dir(path)) {
		errno = ENOTDIR;
		ret = -1;
	}
	free(p);
	return ret;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int remove_tree(const char *path)
{
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *path_join_abs(const char *base, const char *path)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	if (path[0] == '/') {
		strbuf_addstr(&in, path);
	} else {
		if (base && base[0] == '/') {
			strbuf_addstr(&in, base);
		} else {
			char cwd[PATH_MAX];
			if (!getcwd(cwd, sizeof(cwd)))
				die("cannot get the current directory: %s", strerror(errno));
			strbuf_addstr(&in, cwd);
			if (base && *base) {
				strbuf_addch(&in, '/');
				strbuf_addstr(&in, base);
			}
		}
		strbuf_addch(&in, '/');
		strbuf_addstr(&in, path);
	}
	/* normalize: drop "." and empty components, resolve ".." lexically */
	const char *s = in.buf;
	while (*s) {
		while (*s == '/')
			s++;
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 0)
			break;
		if (n == 1 && s[0] == '.') {
			/* skip */
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			char *slash = strrchr(out.buf, '/');
			strbuf_setlen(&out, slash ? (size_t)(slash - out.buf) : 0);
		} else {
			strbuf_addch(&out, '/');
			strbuf_add(&out, s, n);
		}
		s += n;
	}
	if (!out.len)
		strbuf_addch(&out, '/');
	strbuf_release(&in);
	return strbuf_detach(&out, NULL);
}

char *path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

const char *path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

void interrupts_block(sigset_t *old)
{
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, old);
}

void interrupts_restore(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

const char *host_name(void)
{
	static char name[256];
	if (!name[0]) {
		if (gethostname(name, sizeof(name) - 1) || !name[0])
			memcpy(name, "localhost", sizeof("localhost"));
		name[sizeof(name) - 1] = '\0';
	}
	return name;
}
