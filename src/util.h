/*
 * util.h: memory helpers that die on exhaustion, graded errors for the
 * command layer, and small helpers shared by every module.
 *
 * Core modules never call die()/warning(): they return -1 and describe the
 * problem in a caller's struct strbuf *err. Only src/cmd/ and main.c print.
 */
#ifndef UTIL_H
#define UTIL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define PL_NORETURN __attribute__((noreturn))
#define PL_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Exit codes, documented in README and `perfloop help exit-codes`. */
enum {
	EXIT_OK = 0,
	EXIT_REJECT = 1,       /* try: the change was rejected */
	EXIT_INCONCLUSIVE = 2, /* try: the bench could not decide */
	EXIT_CMDFAIL = 3,      /* a bench/build/validate command failed */
	EXIT_TIMEOUT = 4,      /* a command ran past its timeout */
	EXIT_GITHUB = 5,       /* a GitHub API call failed */
	EXIT_FATAL = 128,      /* any other error (config, ledger, I/O) */
	EXIT_USAGE = 129,      /* bad command line */
	EXIT_INTERRUPTED = 130 /* Ctrl-C or SIGTERM */
};

/* Out of memory is fatal: these never return NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xstrfmt(const char *fmt, ...) PL_PRINTF(1, 2);

/*
 * Grow an array so that it holds at least `nr` elements; `alloc` tracks the
 * capacity (git's ALLOC_GROW).
 */
#define ALLOC_GROW(x, nr, alloc)                                              \
	do {                                                                  \
		if ((size_t)(nr) > (size_t)(alloc)) {                         \
			size_t na_ = ((size_t)(alloc) + 16) * 3 / 2;          \
			if (na_ < (size_t)(nr))                               \
				na_ = (nr);                                   \
			(x) = xrealloc((x), na_ * sizeof(*(x)));              \
			(alloc) = na_;                                        \
		}                                                             \
	} while (0)

/*
 * Command-layer reporting. die() exits EXIT_FATAL (or the code set by
 * die_code), or EXIT_INTERRUPTED once the flag given to die_watch_interrupts()
 * (main: proc_interrupted) is set.
 */
void die_watch_interrupts(volatile int *flag);
void die(const char *fmt, ...) PL_PRINTF(1, 2) PL_NORETURN;
void die_code(int code, const char *fmt, ...) PL_PRINTF(2, 3) PL_NORETURN;
int error(const char *fmt, ...) PL_PRINTF(1, 2);
void warning(const char *fmt, ...) PL_PRINTF(1, 2);
void BUG_fl(const char *file, int line, const char *fmt, ...) PL_PRINTF(3, 4) PL_NORETURN;
#define BUG(...) BUG_fl(__FILE__, __LINE__, __VA_ARGS__)

/*
 * Core modules never print: they hand what they have to say to their
 * caller's hooks. Format a line and pass it to fn(data, line); nothing when
 * fn is NULL.
 */
typedef void (*say_fn)(void *data, const char *text);
void hook_say(say_fn fn, void *data, const char *fmt, ...) PL_PRINTF(3, 4);

/* Set by -q: suppresses progress and informational lines (not errors). */
extern int quiet;
/* Print an informational line on stderr unless quiet. */
void info(const char *fmt, ...) PL_PRINTF(1, 2);

/* Colour helpers: colours only when stdout/stderr is a terminal and NO_COLOR is unset. */
int use_color(int fd);
const char *color(int fd, const char *code);

/* Monotonic clock in seconds. */
double now_mono(void);
/* Wall-clock time as seconds since the epoch. */
double now_wall(void);
/* Format an epoch time as local "YYYY-MM-DD HH:MM:SS" into buf (>= 20 bytes). */
void fmt_time(char *buf, size_t len, double t);

/* Parse a non-negative integer / double fully; return 0 on success, -1 otherwise. */
int parse_long(const char *s, long *out);
int parse_double(const char *s, double *out);

/* Does the file exist (any type)? Is it a directory? */
int file_exists(const char *path);
int is_dir(const char *path);
/* mkdir -p; returns 0 or -1 with errno set. */
int mkdir_p(const char *path, unsigned mode);
/* Remove a directory tree; returns 0 or -1. Used for temporary data only. */
int remove_tree(const char *path);

/* Absolute, normalized path of `path` relative to `base` (no symlink resolution). */
char *path_join_abs(const char *base, const char *path);
/* Directory part of a path (newly allocated; "." when none). */
char *path_dirname(const char *path);
/* Final component of a path (pointer into `path`). */
const char *path_basename(const char *path);

/*
 * Hold SIGINT, SIGTERM and SIGHUP back (saving the mask in *old) around a
 * step that must not be cut in two (a copy and its rename, a commit and the
 * rows saying what it is); they are delivered when the mask is restored.
 */
void interrupts_block(sigset_t *old);
void interrupts_restore(const sigset_t *old);

/* Short host name (for noise history); never NULL. */
const char *host_name(void);

#endif
