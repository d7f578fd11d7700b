/*
 * valgrind.h: exact instruction counts of a run under Valgrind's cachegrind,
 * for machines without hardware counters.
 *
 * A run's command is prefixed with
 *   valgrind --tool=cachegrind --cache-sim=no --trace-children=yes --vgdb=no
 *     --cachegrind-out-file=DIR/cg.%p --log-file=DIR/valgrind.%p.log
 * so every process of the run writes its own cg.PID file (its instruction
 * count on the `summary:` line) and its own log (valgrind's banner and
 * messages stay out of the harness's stdout and stderr). After the run,
 * valgrind_collect() sums the counts.
 *
 * --cache-sim=no must be given explicitly: before Valgrind 3.21 it defaulted
 * to yes, which costs a cache simulation the count does not need.
 * --vgdb=no: no gdbserver FIFOs in /tmp for each process.
 *
 * What is counted: user-space instructions (cachegrind's Ir) of every process
 * of the tree, from its last exec to its exit, dynamic loader and libc
 * start-up included. Instructions a process ran before it exec'd another
 * program are lost (cachegrind writes its file at exit; an exec restarts the
 * tool under the same pid and log name). A process killed before it could
 * exit normally (SIGKILL, a timeout) leaves a log but no count: it is
 * reported as incomplete, and such a run must not be judged.
 *
 * Determinism: the same binary, arguments and environment give the same
 * count run after run (valgrind places the program at fixed addresses and
 * nothing depends on the time). The count still depends on the bytes of the
 * arguments and environment (start-up code walks them, getenv() compares
 * names, the program copies values), typically by a few instructions per
 * byte. Callers comparing two artifacts must keep every per-run value the
 * same length, e.g. artifact paths of equal length, and a run number
 * zero-padded to a fixed width.
 *
 * Slowdown: wall, user, sys and RSS of a run under valgrind are valgrind's,
 * not the program's; do not judge them. Measured with 3.19 and
 * --cache-sim=no on x86-64: about 10x for a tight integer loop, plus about
 * 0.2 s of start-up per traced process; real programs are slower (up to
 * ~50x). Timeouts for such runs need the factor below.
 */
#ifndef VALGRIND_H
#define VALGRIND_H

#include <stdint.h>

#include "strbuf.h"

/* Typical and worst-case slowdown of a program under cachegrind --cache-sim=no. */
#define VALGRIND_SLOWDOWN_TYPICAL 10
#define VALGRIND_SLOWDOWN_MAX	  50
/* Start-up cost per traced process, in seconds. */
#define VALGRIND_STARTUP_SECONDS 0.2

struct valgrind_info {
	char *path;    /* the program found (absolute when searched in PATH) */
	char *version; /* "3.19.0" */
	int major, minor, micro;
};

/*
 * Find valgrind: `program` is a configured path or command name (NULL =
 * "valgrind", searched in PATH); runs `PROGRAM --version`. 0 when it works,
 * -1 with err saying why not (not found, not executable, odd output).
 */
int valgrind_detect(const char *program, struct valgrind_info *vi, struct strbuf *err);
void valgrind_info_release(struct valgrind_info *vi);

/*
 * The command prefix above for output directory `dir` (a '%' in dir is
 * escaped for valgrind's file-name expansion), as a NULL-terminated argv;
 * append the program's argv (a shell command as "/bin/sh", "-c", TEXT).
 * valgrind_wrap() returns prefix + argv. Free both with cmd_free_words().
 */
char **valgrind_prefix(const char *program, const char *dir);
char **valgrind_wrap(const char *program, const char *dir, const char *const *argv);

/*
 * Make dir an empty output directory: create it (and its parents) or remove
 * the cg.* and valgrind.*.log files a previous run left. 0 or -1 with err.
 */
int valgrind_prepare_dir(const char *dir, struct strbuf *err);

struct valgrind_result {
	uint64_t instructions; /* sum over the processes that wrote a count */
	int processes;	       /* processes that ran under valgrind */
	int incomplete;	       /* of those, how many wrote no count (died mid-run) */
	long incomplete_pid;   /* the first of them, for messages */
};

/*
 * Sum the counts a run left in dir. -1 with err when no process ran under
 * valgrind (valgrind could not start the program) or a count file is
 * malformed; incomplete processes are not an error (see above).
 */
int valgrind_collect(const char *dir, struct valgrind_result *r, struct strbuf *err);

/*
 * The instruction count of one cachegrind output file: the `summary:` line's
 * column for `Ir` as named by the `events:` line. 1 when found, 0 when the
 * file has no summary line (the process died mid-run), -1 with err.
 */
int valgrind_cg_count(const char *path, uint64_t *count, struct strbuf *err);

#endif
