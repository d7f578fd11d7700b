/*
 * valgrind.c: instruction counts of a run under cachegrind: finding
 * valgrind, the command prefix, and summing the per-process counts (see
 * valgrind.h for what is counted and how deterministic it is).
 */
#include "valgrind.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "banned.h"

/* The program to run: a path as given, or the first executable in PATH. */
static char *find_program(const char *program)
{
	const char *path = getenv("PATH"), *p;

	if (strchr(program, '/'))
		return access(program, X_OK) ? NULL : xstrdup(program);
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p++) {
		size_t len = strcspn(p, ":");
		char *cand =
		    len ? xstrfmt("%.*s/%s", (int)len, p, program) : xstrfmt("./%s", program);

		if (!access(cand, X_OK))
			return cand;
		free(cand);
		p += len;
		if (!*p)
			return NULL;
	}
}

int valgrind_detect(const char *program, struct valgrind_info *vi, struct strbuf *err)
{
	struct strbuf out = STRBUF_INIT, errout = STRBUF_INIT;
	const char *argv[3];
	const char *v;
	int rc, n, major = 0, minor = 0, micro = 0;

	memset(vi, 0, sizeof(*vi));
	if (!program || !*program)
		program = "valgrind";
	vi->path = find_program(program);
	if (!vi->path) {
		strbuf_addf(err, "valgrind '%s' not found%s", program,
			    strchr(program, '/') ? " or not executable" : " in PATH");
		return -1;
	}
	argv[0] = vi->path;
	argv[1] = "--version";
	argv[2] = NULL;
	rc = capture_argv(argv, NULL, &out, &errout);
	if (rc) {
		strbuf_trim(&errout);
		strbuf_addf(err, "'%s --version' failed", vi->path);
		if (rc > 0)
			strbuf_addf(err, " with exit status %d", rc);
		if (errout.len)
			strbuf_addf(err, ": %.200s", errout.buf);
		goto fail;
	}
	/* "valgrind-3.19.0", or "valgrind-3.23.0.GIT" for a development build */
	v = out.buf;
	if (strncmp(v, "valgrind-", 9) ||
	    (n = sscanf(v + 9, "%d.%d.%d", &major, &minor, &micro)) < 2) {
		strbuf_addf(err, "'%s --version' printed '%.80s', not a valgrind version", vi->path,
			    out.buf);
		goto fail;
	}
	vi->version = xstrdup(v + 9);
	vi->major = major;
	vi->minor = minor;
	vi->micro = n == 3 ? micro : 0;
	strbuf_release(&out);
	strbuf_release(&errout);
	return 0;
fail:
	strbuf_release(&out);
	strbuf_release(&errout);
	valgrind_info_release(vi);
	return -1;
}

void valgrind_info_release(struct valgrind_info *vi)
{
	free(vi->path);
	free(vi->version);
	memset(vi, 0, sizeof(*vi));
}

/* dir with each '%' doubled: valgrind expands %p, %q{VAR} and %% in file names */
static void add_escaped(struct strbuf *sb, const char *dir)
{
	for (; *dir; dir++) {
		if (*dir == '%')
			strbuf_addch(sb, '%');
		strbuf_addch(sb, *dir);
	}
}

static const char *const fixed_options[] = {
    "--tool=cachegrind",
    "--cache-sim=no",
    "--trace-children=yes",
    "--vgdb=no",
};

char **valgrind_wrap(const char *program, const char *dir, const char *const *argv)
{
	size_t nargs = 0, i, n = 0;
	struct strbuf sb = STRBUF_INIT;
	char **v;

	while (argv && argv[nargs])
		nargs++;
	v = xcalloc(1 + ARRAY_SIZE(fixed_options) + 2 + nargs + 1, sizeof(*v));
	v[n++] = xstrdup(program && *program ? program : "valgrind");
	for (i = 0; i < ARRAY_SIZE(fixed_options); i++)
		v[n++] = xstrdup(fixed_options[i]);
	strbuf_addstr(&sb, "--cachegrind-out-file=");
	add_escaped(&sb, dir);
	strbuf_addstr(&sb, "/cg.%p");
	v[n++] = strbuf_detach(&sb, NULL);
	strbuf_addstr(&sb, "--log-file=");
	add_escaped(&sb, dir);
	strbuf_addstr(&sb, "/valgrind.%p.log");
	v[n++] = strbuf_detach(&sb, NULL);
	for (i = 0; i < nargs; i++)
		v[n++] = xstrdup(argv[i]);
	v[n] = NULL;
	return v;
}

char **valgrind_prefix(const char *program, const char *dir)
{
	return valgrind_wrap(program, dir, NULL);
}

/* "cg.PID" or "valgrind.PID.log": the pid, else -1 */
static long output_pid(const char *name, int *is_log)
{
	const char *p, *end;
	long pid = 0;

	if (!strncmp(name, "cg.", 3)) {
		p = name + 3;
		end = p + strlen(p);
		*is_log = 0;
	} else if (!strncmp(name, "valgrind.", 9) && strlen(name) > 13 &&
		   !strcmp(name + strlen(name) - 4, ".log")) {
		p = name + 9;
		end = name + strlen(name) - 4;
		*is_log = 1;
	} else {
		return -1;
	}
	if (p == end || end - p > 9)
		return -1;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		pid = pid * 10 + (*p - '0');
	}
	return pid;
}

int valgrind_prepare_dir(const char *dir, struct strbuf *err)
{
	DIR *d;
	struct dirent *de;
	int ret = 0;

	if (mkdir_p(dir, 0777)) {
		strbuf_addf(err, "cannot create '%s': %s", dir, strerror(errno));
		return -1;
	}
	d = opendir(dir);
	if (!d) {
		strbuf_addf(err, "cannot read '%s': %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		int is_log;
		char *path;

		if (output_pid(de->d_name, &is_log) < 0)
			continue;
		path = xstrfmt("%s/%s", dir, de->d_name);
		if (unlink(path) && errno != ENOENT && !ret) {
			strbuf_addf(err, "cannot remove '%s': %s", path, strerror(errno));
			ret = -1;
		}
		free(path);
	}
	closedir(d);
	return ret;
}

static int parse_counts(const char *s, uint64_t *v, int max)
{
	int n = 0;

	for (;;) {
		char *end;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '\n')
			return n;
		if (*s < '0' || *s > '9' || n == max)
			return -1;
		errno = 0;
		v[n++] = strtoull(s, &end, 10);
		if (errno)
			return -1;
		s = end;
	}
}

#define MAX_EVENTS 32

int valgrind_cg_count(const char *path, uint64_t *count, struct strbuf *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t alloc = 0;
	long lineno = 0;
	int ir = -1, ret = 0;

	if (!f) {
		strbuf_addf(err, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &alloc, f) > 0) {
		lineno++;
		if (!strncmp(line, "events:", 7)) {
			/* "events: Ir" (--cache-sim=no), or "events: Ir I1mr ILmr ..." */
			const char *p = line + 7;
			int col = 0;

			ir = -1;
			for (;;) {
				size_t len;

				p += strspn(p, " \t");
				len = strcspn(p, " \t\n");
				if (!len)
					break;
				if (len == 2 && !strncmp(p, "Ir", 2))
					ir = col;
				col++;
				p += len;
			}
			if (ir < 0) {
				strbuf_addf(err, "'%s' line %ld: no Ir event (cachegrind output?)",
					    path, lineno);
				ret = -1;
				break;
			}
		} else if (!strncmp(line, "summary:", 8)) {
			uint64_t v[MAX_EVENTS];
			int n = parse_counts(line + 8, v, MAX_EVENTS);

			if (ir < 0 || n <= ir) {
				strbuf_addf(err, "'%s' line %ld: malformed summary line", path,
					    lineno);
				ret = -1;
				break;
			}
			*count = v[ir];
			ret = 1;
			break;
		}
	}
	if (!ret && ferror(f)) {
		strbuf_addf(err, "cannot read '%s': %s", path, strerror(errno));
		ret = -1;
	}
	free(line);
	fclose(f);
	return ret;
}

struct proc_out {
	long pid;
	int has_log, has_cg;
};

static struct proc_out *find_or_add(struct proc_out **v, size_t *nr, size_t *alloc, long pid)
{
	size_t i;

	for (i = 0; i < *nr; i++)
		if ((*v)[i].pid == pid)
			return &(*v)[i];
	ALLOC_GROW(*v, *nr + 1, *alloc);
	memset(&(*v)[*nr], 0, sizeof(**v));
	(*v)[*nr].pid = pid;
	return &(*v)[(*nr)++];
}

static int cmp_pid(const void *a, const void *b)
{
	long x = ((const struct proc_out *)a)->pid, y = ((const struct proc_out *)b)->pid;
	return (x > y) - (x < y);
}

int valgrind_collect(const char *dir, struct valgrind_result *r, struct strbuf *err)
{
	struct proc_out *procs = NULL;
	size_t nr = 0, alloc = 0, i;
	DIR *d;
	struct dirent *de;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	r->incomplete_pid = -1;
	d = opendir(dir);
	if (!d) {
		strbuf_addf(err, "cannot read valgrind's output directory '%s': %s", dir,
			    strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		int is_log;
		long pid = output_pid(de->d_name, &is_log);

		if (pid < 0)
			continue;
		if (is_log)
			find_or_add(&procs, &nr, &alloc, pid)->has_log = 1;
		else
			find_or_add(&procs, &nr, &alloc, pid)->has_cg = 1;
	}
	closedir(d);
	if (!nr) {
		strbuf_addf(err, "no process ran under valgrind (nothing in '%s')", dir);
		free(procs);
		return -1;
	}
	/* in pid order, so the first incomplete one named is stable */
	qsort(procs, nr, sizeof(*procs), cmp_pid);
	for (i = 0; i < nr && !ret; i++) {
		uint64_t count = 0;
		int found = 0;

		r->processes++;
		if (procs[i].has_cg) {
			char *path = xstrfmt("%s/cg.%ld", dir, procs[i].pid);

			found = valgrind_cg_count(path, &count, err);
			free(path);
			if (found < 0)
				ret = -1;
		}
		if (found > 0) {
			r->instructions += count;
		} else if (!ret) {
			if (!r->incomplete)
				r->incomplete_pid = procs[i].pid;
			r->incomplete++;
		}
	}
	free(procs);
	return ret;
}
