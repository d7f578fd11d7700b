/*
 * proc.c: spawning children with process groups, timeouts, rusage and interruption.
 *
 * The parent waits in poll() on a self-pipe fed by SIGCHLD, SIGINT and SIGTERM
 * handlers, so the end of a run is seen at once (no sleep-polling that would
 * add latency to every measured run).
 */
#include "proc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpuset.h"
#include "banned.h"

extern char **environ;

volatile int proc_interrupted;
static int sigpipe_fds[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;
	if (sig == SIGINT || sig == SIGTERM)
		proc_interrupted = sig;
	if (sigpipe_fds[1] >= 0) {
		ssize_t r = write(sigpipe_fds[1], &c, 1);
		(void)r;
	}
	errno = saved;
}

static int ensure_sigpipe(void)
{
	if (sigpipe_fds[0] >= 0)
		return 0;
	if (pipe2(sigpipe_fds, O_CLOEXEC | O_NONBLOCK))
		return -1;
	return 0;
}

int cmd_needs_shell(const char *cmd)
{
	return strpbrk(cmd, "|&;<>()$`\\\"'\n*?[#~=%{}") != NULL;
}

/* Split plain text on spaces and tabs (for text without shell syntax). */
char **cmd_split_words(const char *cmd)
{
	char **argv = NULL;
	size_t nr = 0, alloc = 0;
	const char *p = cmd;
	for (;;) {
		const char *s;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		s = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		ALLOC_GROW(argv, nr + 2, alloc);
		argv[nr++] = xstrndup(s, (size_t)(p - s));
	}
	ALLOC_GROW(argv, nr + 1, alloc);
	argv[nr] = NULL;
	return argv;
}

char **cmd_argv(const char *cmd)
{
	char **argv;
	if (cmd_needs_shell(cmd)) {
		argv = xcalloc(4, sizeof(*argv));
		argv[0] = xstrdup("/bin/sh");
		argv[1] = xstrdup("-c");
		argv[2] = xstrdup(cmd);
		return argv;
	}
	argv = cmd_split_words(cmd);
	if (!argv[0]) {
		cmd_free_words(argv);
		return NULL;
	}
	return argv;
}

void cmd_free_words(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

static int name_matches(const char *entry, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(entry, name, n) && entry[n] == '=';
}

/* environ minus `unset` and overridden names, plus `add`; caller frees the array only. */
static char **build_env(const char *const *add, const char *const *unset)
{
	char **env = NULL;
	size_t nr = 0, alloc = 0;
	for (char **e = environ; e && *e; e++) {
		int drop = 0;
		for (const char *const *u = unset; u && *u && !drop; u++)
			drop = name_matches(*e, *u);
		for (const char *const *a = add; a && *a && !drop; a++) {
			const char *eq = strchr(*a, '=');
			size_t n = eq ? (size_t)(eq - *a) : strlen(*a);
			drop = !strncmp(*e, *a, n) && (*e)[n] == '=';
		}
		if (drop)
			continue;
		ALLOC_GROW(env, nr + 1, alloc);
		env[nr++] = *e;
	}
	for (const char *const *a = add; a && *a; a++) {
		ALLOC_GROW(env, nr + 1, alloc);
		env[nr++] = (char *)*a;
	}
	ALLOC_GROW(env, nr + 1, alloc);
	env[nr] = NULL;
	return env;
}

static int open_out(const char *path, struct strbuf *err)
{
	int fd = open(path ? path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		strbuf_addf(err, "cannot open log '%s': %s", path, strerror(errno));
	return fd;
}

static void drain_into(int fd, struct strbuf *sb, size_t max)
{
	char buf[8192];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return;
		if (sb && sb->len < max)
			strbuf_add(sb, buf, (size_t)n > max - sb->len ? max - sb->len : (size_t)n);
	}
}

/* Seconds between SIGTERM to a child's group and SIGKILL to what is left of it. */
#define KILL_GRACE 2.0

/* While the child is not reaped: its group, or the child alone if it left the group. */
static void kill_group(pid_t pid, int sig)
{
	if (kill(-pid, sig) && errno == ESRCH)
		kill(pid, sig);
}

/*
 * Field `index` of /proc/PID/stat counted from the state (field 3) as 0,
 * read after the last ')' since the command name may hold any byte; the
 * name goes to comm when given. -1 when there is no such file or field.
 */
static long long stat_field(const char *pid, int index, char *comm, size_t comm_size)
{
	char path[64], buf[1024];
	const char *p, *open_paren;
	ssize_t n;
	int fd;
	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!(open_paren = strchr(buf, '(')) || !(p = strrchr(buf, ')')))
		return -1;
	if (comm && comm_size) {
		size_t len = (size_t)(p - open_paren - 1);
		if (len >= comm_size)
			len = comm_size - 1;
		memcpy(comm, open_paren + 1, len);
		comm[len] = '\0';
	}
	p++;
	while (*p == ' ')
		p++;
	if (!index)
		return (unsigned char)*p;
	for (int i = 0; i < index; i++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	return strtoll(p, NULL, 10);
}

long long proc_start_time(int pid)
{
	char num[32];
	long long state;
	snprintf(num, sizeof(num), "%d", pid);
	state = stat_field(num, 0, NULL, 0);
	if (state < 0)
		return access("/proc/self/stat", R_OK) ? 0 : -1;
	if (state == 'Z' || state == 'X')
		return -1;
	return stat_field(num, 19, NULL, 0);
}

int proc_alive(int pid, long long start)
{
	long long now;
	if (pid <= 0 || (kill(pid, 0) && errno == ESRCH))
		return 0;
	now = proc_start_time(pid);
	return now >= 0 && (!start || !now || now == start);
}

/*
 * How many processes of group pgid still run: zombies have ended, they only
 * wait for their parent. A reaped leader's pgid names its group as long as
 * any member lives. When c is given, one of them goes into its leftover_pid
 * and leftover_comm.
 */
static int group_members(pid_t pgid, struct child *c)
{
	DIR *d;
	struct dirent *de;
	int n = 0;
	if (kill(-pgid, 0) && errno == ESRCH)
		return 0;
	if (!(d = opendir("/proc")))
		return 1; /* something is there; what, cannot be told */
	while ((de = readdir(d))) {
		char comm[sizeof(c->leftover_comm)];
		long long state;
		if (!isdigit((unsigned char)de->d_name[0]) ||
		    stat_field(de->d_name, 2, NULL, 0) != (long long)pgid)
			continue;
		state = stat_field(de->d_name, 0, comm, sizeof(comm));
		if (state < 0 || state == 'Z' || state == 'X')
			continue;
		if (!n++ && c) {
			c->leftover_pid = atoi(de->d_name);
			memcpy(c->leftover_comm, comm, sizeof(comm));
		}
	}
	closedir(d);
	return n;
}

/*
 * Wait until group pgid has no running process, or the clock passes until;
 * returns how many are left. Its members are not our children, so no SIGCHLD
 * tells of their end: this polls, often at first.
 */
static int wait_group(pid_t pgid, double until)
{
	int n, ms = 2;
	while ((n = group_members(pgid, NULL)) && now_mono() < until) {
		poll(NULL, 0, ms);
		if (ms < 100)
			ms *= 2;
	}
	return n;
}

/*
 * The child is reaped, but its group may live on: members that ignore
 * SIGTERM, background jobs it started. After a timeout or an interrupt
 * (SIGTERM sent, SIGKILL due at kill_at) the group gets SIGKILL at the end of
 * the grace period whatever the child did. After a normal exit, leftovers are
 * stopped the same way when asked, and counted.
 */
static void settle_group(struct child *c, pid_t pgid, double kill_at)
{
	if (!c->timed_out && !c->interrupted) {
		if (!c->stop_leftovers || !(c->leftovers = group_members(pgid, c)))
			return;
		kill(-pgid, SIGTERM);
		kill_at = now_mono() + KILL_GRACE;
	}
	if (wait_group(pgid, kill_at)) {
		kill(-pgid, SIGKILL);
		wait_group(pgid, now_mono() + KILL_GRACE);
	}
}

static struct sigaction old_chld, old_int, old_term;
static int devnull_fd = -1;

/* Is dir the current directory? Then the child needs no chdir(). */
static int same_dir(const char *dir)
{
	char cwd[4096];
	return getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, dir);
}
static int hold_depth;

void proc_signals_hold(void)
{
	struct sigaction sa;
	if (hold_depth++)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, &old_chld);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
}

void proc_signals_release(void)
{
	if (!hold_depth || --hold_depth)
		return;
	sigaction(SIGCHLD, &old_chld, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
}

void proc_cleanup_begin(struct proc_cleanup *s)
{
	interrupts_block(&s->mask);
	s->interrupted = proc_interrupted;
	proc_interrupted = 0;
}

void proc_cleanup_end(struct proc_cleanup *s)
{
	if (s->interrupted && !proc_interrupted)
		proc_interrupted = s->interrupted;
	interrupts_restore(&s->mask);
}

int child_run(struct child *c, struct strbuf *err)
{
	char **words = NULL, **envp = NULL;
	const char *const *argv;
	const char *shargv[4];
	int out_fd = -1, err_fd = -1, cap_out[2] = { -1, -1 }, cap_err[2] = { -1, -1 };
	int ret = -1, status = 0;
	size_t capmax = c->capture_max ? c->capture_max : (16u << 20);
	double start, deadline = 0, next_tick, kill_at = 0;
	struct rusage ru;
	struct spawn_persona persona = SPAWN_PERSONA_INIT;
	struct counter_snapshot before;
	struct strbuf junk = STRBUF_INIT;
	pid_t pid;

	c->status = -1;
	memset(&c->counts, 0, sizeof(c->counts));
	c->exec_failed = c->timed_out = c->interrupted = 0;
	c->wall = c->user = c->sys = 0;
	c->max_rss_kb = 0;
	c->leftovers = c->leftover_pid = 0;
	c->leftover_comm[0] = '\0';

	if (c->dir && !is_dir(c->dir)) {
		strbuf_addf(err, "directory '%s' does not exist", c->dir);
		return -1;
	}
	if (ensure_sigpipe()) {
		strbuf_addf(err, "cannot create a pipe: %s", strerror(errno));
		return -1;
	}

	if (c->cmd) {
		if (cmd_needs_shell(c->cmd)) {
			shargv[0] = "/bin/sh";
			shargv[1] = "-c";
			shargv[2] = c->cmd;
			shargv[3] = NULL;
			argv = shargv;
		} else {
			words = cmd_split_words(c->cmd);
			if (!words[0]) {
				strbuf_addstr(err, "empty command");
				goto out;
			}
			argv = (const char *const *)words;
		}
	} else {
		argv = c->argv;
	}

	if (c->fds_given) {
		/* the caller's descriptors: dup'ed into the child, never closed here */
	} else if (c->out) {
		if (pipe2(cap_out, O_CLOEXEC))
			goto pipe_fail;
	} else if ((out_fd = open_out(c->out_path, err)) < 0) {
		goto out;
	}
	if (c->fds_given) {
	} else if (c->errbuf) {
		if (pipe2(cap_err, O_CLOEXEC))
			goto pipe_fail;
	} else if (c->err_path || c->out) {
		if ((err_fd = open_out(c->err_path, err)) < 0)
			goto out;
	}
	envp = build_env(c->env, c->unset);

	proc_signals_hold();
	if (proc_interrupted) {
		/* Ctrl-C arrived between runs: start nothing */
		c->interrupted = 1;
		ret = 0;
		goto restore;
	}
	{
		/* empty the self-pipe of stale bytes */
		char junk[64];
		while (read(sigpipe_fds[0], junk, sizeof(junk)) > 0)
			;
	}

	/*
	 * posix_spawn (clone with CLONE_VFORK in glibc) does not copy the
	 * parent's page tables as fork() does: less overhead per measured run.
	 */
	{
		posix_spawn_file_actions_t fa;
		posix_spawnattr_t attr;
		sigset_t none, defaults;
		int rc;

		posix_spawn_file_actions_init(&fa);
		/* one /dev/null for every child: an open() less per measured run */
		if (devnull_fd < 0)
			devnull_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (devnull_fd >= 0)
			posix_spawn_file_actions_adddup2(&fa, devnull_fd, 0);
		else
			posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
		if (c->fds_given) {
			posix_spawn_file_actions_adddup2(&fa, c->out_fd, 1);
			posix_spawn_file_actions_adddup2(&fa, c->err_fd, 2);
		} else {
			posix_spawn_file_actions_adddup2(&fa, c->out ? cap_out[1] : out_fd, 1);
			posix_spawn_file_actions_adddup2(&fa, c->errbuf ? cap_err[1]
							  : err_fd >= 0 ? err_fd : out_fd, 2);
		}
		if (c->dir && !same_dir(c->dir))
			posix_spawn_file_actions_addchdir_np(&fa, c->dir);
		posix_spawnattr_init(&attr);
		sigemptyset(&none);
		sigemptyset(&defaults);
		sigaddset(&defaults, SIGINT);
		sigaddset(&defaults, SIGTERM);
		sigaddset(&defaults, SIGCHLD);
		sigaddset(&defaults, SIGPIPE);
		posix_spawnattr_setsigmask(&attr, &none);
		posix_spawnattr_setsigdefault(&attr, &defaults);
		posix_spawnattr_setpgroup(&attr, 0);
		posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
							POSIX_SPAWN_SETSIGDEF);
		/*
		 * The child inherits the affinity, the personality and the
		 * counters at clone; perfloop's own are restored (and its
		 * counters never count: it does not exec) as soon as it returns.
		 */
		persona.cpus = c->cpus;
		persona.no_aslr = c->no_aslr;
		if ((c->cpus || c->no_aslr) && spawn_persona_begin(&persona, err)) {
			posix_spawnattr_destroy(&attr);
			posix_spawn_file_actions_destroy(&fa);
			goto restore;
		}
		if (c->counters && counters_snapshot(c->counters, &before, &junk))
			strbuf_reset(&junk); /* that counter will have no value */
		start = now_mono();
		rc = posix_spawnp(&pid, argv[0], &fa, &attr, (char *const *)argv, envp);
		if ((c->cpus || c->no_aslr) && spawn_persona_end(&persona, &junk))
			die("%s", junk.buf); /* perfloop itself would stay pinned */
		posix_spawnattr_destroy(&attr);
		posix_spawn_file_actions_destroy(&fa);
		if (rc) {
			/* nothing ran: report it as a shell would */
			c->wall = now_mono() - start;
			c->exec_failed = 1;
			c->status = rc == ENOENT ? 127 : 126;
			strbuf_addf(err, "%s: %s", argv[0], strerror(rc));
			ret = 0;
			goto restore;
		}
	}
	if (cap_out[1] >= 0) {
		close(cap_out[1]);
		cap_out[1] = -1;
	}
	if (cap_err[1] >= 0) {
		close(cap_err[1]);
		cap_err[1] = -1;
	}

	if (c->timeout > 0)
		deadline = start + c->timeout;
	next_tick = start + 1.0;
	for (;;) {
		struct pollfd pfd[3];
		int nfd = 0, wait_ms;
		double now;
		pid_t w = wait4(pid, &status, WNOHANG, &ru);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			strbuf_addf(err, "waitpid failed: %s", strerror(errno));
			goto restore;
		}
		now = now_mono();
		if (proc_interrupted && !c->interrupted) {
			c->interrupted = 1;
			kill_group(pid, SIGTERM);
			kill_at = now + KILL_GRACE;
		}
		if (deadline && now >= deadline && !c->timed_out && !c->interrupted) {
			c->timed_out = 1;
			kill_group(pid, SIGTERM);
			kill_at = now + KILL_GRACE;
		}
		if (kill_at && now >= kill_at) {
			kill_group(pid, SIGKILL);
			kill_at = 0;
		}
		if (c->tick && now >= next_tick) {
			c->tick(c->tick_data, now - start);
			next_tick = now + 1.0;
		}
		{
			double until = next_tick;
			if (deadline && !c->timed_out && deadline < until)
				until = deadline;
			if (kill_at && kill_at < until)
				until = kill_at;
			wait_ms = (int)((until - now) * 1000) + 1;
			if (!c->tick && !deadline && !kill_at)
				wait_ms = 1000;
		}
		pfd[nfd].fd = sigpipe_fds[0];
		pfd[nfd++].events = POLLIN;
		if (cap_out[0] >= 0) {
			pfd[nfd].fd = cap_out[0];
			pfd[nfd++].events = POLLIN;
		}
		if (cap_err[0] >= 0) {
			pfd[nfd].fd = cap_err[0];
			pfd[nfd++].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)nfd, wait_ms) > 0) {
			char junk[64];
			if (pfd[0].revents & POLLIN)
				while (read(sigpipe_fds[0], junk, sizeof(junk)) > 0)
					;
			for (int i = 1; i < nfd; i++) {
				if (!(pfd[i].revents & (POLLIN | POLLHUP)))
					continue;
				if (pfd[i].fd == cap_out[0] || pfd[i].fd == cap_err[0]) {
					char buf[8192];
					ssize_t n = read(pfd[i].fd, buf, sizeof(buf));
					struct strbuf *sb = pfd[i].fd == cap_out[0] ? c->out : c->errbuf;
					if (n <= 0) {
						close(pfd[i].fd);
						if (pfd[i].fd == cap_out[0])
							cap_out[0] = -1;
						else
							cap_err[0] = -1;
					} else if (sb->len < capmax) {
						size_t take = (size_t)n;
						if (take > capmax - sb->len)
							take = capmax - sb->len;
						strbuf_add(sb, buf, take);
					}
				}
			}
		}
	}
	c->wall = now_mono() - start;
	/* at once: what the tree does from here (leftovers being stopped) is not the run's */
	if (c->counters && counters_delta(c->counters, &before, &c->counts, &junk))
		strbuf_reset(&junk); /* a counter that cannot be read has no value: not valid */
	if (proc_interrupted && !c->interrupted) {
		/* Ctrl-C as the child ended: the rest of its group goes too */
		c->interrupted = 1;
		kill(-pid, SIGTERM);
		kill_at = now_mono() + KILL_GRACE;
	}
	/* before draining: a member left running may hold the pipes open */
	settle_group(c, pid, kill_at);
	if (cap_out[0] >= 0)
		drain_into(cap_out[0], c->out, capmax);
	if (cap_err[0] >= 0)
		drain_into(cap_err[0], c->errbuf, capmax);
	c->user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	c->sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	c->max_rss_kb = ru.ru_maxrss;
	if (WIFEXITED(status))
		c->status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		c->status = 128 + WTERMSIG(status);
	ret = 0;
restore:
	proc_signals_release();
	goto out;
pipe_fail:
	strbuf_addf(err, "cannot create a pipe: %s", strerror(errno));
out:
	{
		int fds[] = { out_fd, err_fd, cap_out[0], cap_out[1], cap_err[0], cap_err[1] };
		for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
			if (fds[i] >= 0)
				close(fds[i]);
	}
	free(envp);
	cmd_free_words(words);
	strbuf_release(&junk);
	return ret;
}

int capture_argv(const char *const *argv, const char *dir, struct strbuf *out,
		 struct strbuf *errout)
{
	struct child c = CHILD_INIT;
	struct strbuf err = STRBUF_INIT, junk = STRBUF_INIT;
	c.argv = argv;
	c.dir = dir;
	c.out = out;
	c.errbuf = errout ? errout : &junk;
	if (child_run(&c, &err)) {
		if (errout)
			strbuf_addbuf(errout, &err);
		strbuf_release(&err);
		strbuf_release(&junk);
		return -1;
	}
	strbuf_release(&err);
	strbuf_release(&junk);
	strbuf_trim(out);
	if (c.interrupted)
		return -1;
	return c.status;
}
