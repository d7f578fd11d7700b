/*
 * proc.h: running child processes (git's run-command, reduced).
 *
 * Every child runs in its own process group with stdin from /dev/null, so a
 * timeout or Ctrl-C ends the whole tree: SIGTERM to the group, then SIGKILL
 * to whatever is left of it after a grace period, even when the child itself
 * exited at once. Resource use is measured the way
 * /usr/bin/time does it: wall time on the monotonic clock from fork to reap,
 * user and system time of the child and every descendant it waited for, and
 * the peak RSS of the largest of them.
 *
 * SIGINT and SIGTERM received while a child runs kill the child's group and
 * set proc_interrupted; the caller decides what to record and exits 130.
 */
#ifndef PROC_H
#define PROC_H

#include <sched.h>

#include "counters.h"
#include <signal.h>
#include "strbuf.h"

struct child {
	/* input: exactly one of cmd (shell text) or argv */
	const char *cmd;
	const char *const *argv;
	const char *dir;             /* working directory, NULL = current */
	const char *const *env;      /* extra "NAME=value" entries, NULL-terminated */
	const char *const *unset;    /* variables to remove, NULL-terminated */
	const char *out_path;        /* stdout goes here (truncated); NULL = /dev/null */
	const char *err_path;        /* stderr; NULL = same as out_path */
	int fds_given;               /* use out_fd/err_fd (kept open) instead of paths */
	int out_fd, err_fd;
	struct strbuf *out;          /* capture stdout here instead (bounded) */
	struct strbuf *errbuf;       /* capture stderr here instead (bounded) */
	size_t capture_max;          /* bound for captures, 0 = 16 MiB */
	double timeout;              /* seconds, 0 = none */
	/*
	 * Stop processes the child leaves running in its group when it exits
	 * (a harness's background jobs, which would distort the next measured
	 * run) and report them in leftovers.
	 */
	int stop_leftovers;
	/* called about once a second while waiting, with the elapsed time */
	void (*tick)(void *data, double elapsed);
	void *tick_data;
	/*
	 * perf_event counters of the child's whole process tree: the caller's
	 * counters_start()ed set (NULL = none), read right before the spawn
	 * and as soon as the child is reaped, the difference into counts
	 * (counters.h says what they count).
	 */
	const struct counter_set *counters;
	/* spawn it pinned to these CPUs (NULL = as perfloop), without ASLR */
	const cpu_set_t *cpus;
	int no_aslr;

	/* results */
	int status;       /* exit code, or 128+signal when killed by one */
	int exec_failed;  /* the program could not be started (status 127/126) */
	int timed_out;
	int interrupted;
	double wall, user, sys;
	long max_rss_kb;
	struct counter_values counts; /* with counters */
	int leftovers;           /* processes its group still ran after it exited (stopped) */
	int leftover_pid;        /* one of them, */
	char leftover_comm[24];  /* and its name */
};

#define CHILD_INIT { 0 }

/* Set when SIGINT/SIGTERM arrived during child_run(); holds the signal. */
extern volatile int proc_interrupted;

/*
 * Keep perfloop's SIGCHLD/SIGINT/SIGTERM handlers installed across several
 * child_run() calls (a bench's runs), instead of per call. While held, a
 * Ctrl-C between runs sets proc_interrupted and the next child_run() starts
 * nothing. Calls nest; release restores the previous handlers.
 */
void proc_signals_hold(void);
void proc_signals_release(void);

/*
 * Cleanup that must run after a Ctrl-C (a queue putting the worktree back to
 * HEAD): between begin and end, children start although an interrupt was
 * received, and a further SIGINT or SIGTERM is held back; at the end
 * proc_interrupted holds the interrupt again and a held-back signal arrives.
 */
struct proc_cleanup {
	sigset_t mask;
	int interrupted;
};
void proc_cleanup_begin(struct proc_cleanup *s);
void proc_cleanup_end(struct proc_cleanup *s);

/*
 * Run the child to completion. Returns 0 when it ran (whatever its exit
 * status), -1 when it could not be started at all (err says why: a missing
 * directory, an unopenable log file).
 */
int child_run(struct child *c, struct strbuf *err);

/*
 * Run argv in dir and capture stdout (trimmed) into out. Returns the exit
 * status (0 = success) or -1 when it could not run; stderr goes to errout
 * when given, else is discarded.
 */
int capture_argv(const char *const *argv, const char *dir, struct strbuf *out,
		 struct strbuf *errout);

/*
 * Start time of process pid in clock ticks since boot (/proc/PID/stat field
 * 22), which tells a process from a later one given the same pid: > 0; 0 when
 * it cannot be read (no /proc); -1 when there is no such process running (a
 * zombie has ended).
 */
long long proc_start_time(int pid);

/* Does process pid, started at start (0: unknown), still run? */
int proc_alive(int pid, long long start);

/* Does the shell text need /bin/sh (has metacharacters)? */
int cmd_needs_shell(const char *cmd);

/*
 * The argv child_run() runs a command as: /bin/sh -c CMD when it has shell
 * syntax, else its words. Free it with cmd_free_words(); NULL when empty.
 */
char **cmd_argv(const char *cmd);

/*
 * Split text without shell syntax on spaces and tabs into a NULL-terminated
 * argv; free it with cmd_free_words().
 */
char **cmd_split_words(const char *cmd);
void cmd_free_words(char **argv);

#endif
