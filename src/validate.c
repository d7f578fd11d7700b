/*
 * validate.c: Cargo package discovery, placeholder expansion and the
 * validate step runner.
 */
#include "validate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "git.h"
#include "proc.h"
#include "banned.h"

/* The [package] name of a Cargo.toml, or NULL. Minimal TOML: enough for manifests. */
static char *package_name(const char *manifest)
{
	struct strbuf text = STRBUF_INIT;
	char *name = NULL;
	int in_package = 0;
	if (strbuf_read_file(&text, manifest, 4 << 20) < 0) {
		strbuf_release(&text);
		return NULL;
	}
	for (char *p = text.buf; *p && !name;) {
		char *eol = strchr(p, '\n'), *s = p, *e;
		if (eol)
			*eol = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '[') {
			in_package = !strncmp(s, "[package]", 9);
		} else if (in_package && !strncmp(s, "name", 4)) {
			s += 4;
			while (*s == ' ' || *s == '\t')
				s++;
			if (*s == '=') {
				s++;
				while (*s == ' ' || *s == '\t')
					s++;
				if ((*s == '"' || *s == '\'') && (e = strchr(s + 1, *s)))
					name = xstrndup(s + 1, (size_t)(e - s - 1));
			}
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	strbuf_release(&text);
	return name;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cargo_packages(const char *root, const char *files, struct strbuf *out)
{
	char **names = NULL;
	size_t nr = 0, alloc = 0, distinct = 0;
	for (const char *p = files; *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char *rel = xstrndup(p, n), *dir = path_dirname(rel);
		/* walk up from the file's directory to the root */
		for (;;) {
			char *manifest = strcmp(dir, ".") ? xstrfmt("%s/%s/Cargo.toml", root, dir)
							  : xstrfmt("%s/Cargo.toml", root);
			char *name = file_exists(manifest) ? package_name(manifest) : NULL;
			free(manifest);
			if (name) {
				ALLOC_GROW(names, nr + 1, alloc);
				names[nr++] = name;
				break;
			}
			if (!strcmp(dir, ".") || !strcmp(dir, "/"))
				break;
			{
				char *up = path_dirname(dir);
				free(dir);
				dir = up;
			}
		}
		free(dir);
		free(rel);
		p += n + (eol ? 1 : 0);
	}
	if (nr)
		qsort(names, nr, sizeof(*names), cmp_str);
	for (size_t i = 0; i < nr; i++) {
		if (!i || strcmp(names[i], names[i - 1])) {
			strbuf_addf(out, "%s-p %s", out->len ? " " : "", names[i]);
			distinct++;
		}
	}
	for (size_t i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	return (int)distinct;
}

int validate_expand(const char *tmpl, const char *crates, const char *files, struct strbuf *out,
		    struct strbuf *reason)
{
	for (const char *p = tmpl; *p; p++) {
		if (!strncmp(p, "{crates}", 8)) {
			if (!*crates) {
				strbuf_addstr(reason, "no Cargo package owns the changed files");
				return 1;
			}
			strbuf_addstr(out, crates);
			p += 7;
		} else if (!strncmp(p, "{changed}", 9)) {
			int any = 0;
			for (const char *f = files; *f;) {
				const char *eol = strchr(f, '\n');
				size_t n = eol ? (size_t)(eol - f) : strlen(f);
				char *one = xstrndup(f, n);
				if (any)
					strbuf_addch(out, ' ');
				strbuf_addshq(out, one);
				free(one);
				any = 1;
				f += n + (eol ? 1 : 0);
			}
			if (!any) {
				strbuf_addstr(reason, "no changed files");
				return 1;
			}
			p += 8;
		} else {
			strbuf_addch(out, *p);
		}
	}
	return 0;
}

struct collect {
	const char **v;
	size_t nr, alloc;
};

static int collect_cmd(const struct cfg_entry *e, void *data)
{
	struct collect *c = data;
	ALLOC_GROW(c->v, c->nr + 1, c->alloc);
	c->v[c->nr++] = e->value;
	return 0;
}

int validate_run(struct project *c, const struct validate_hooks *hooks, struct validate_result *res,
		 struct strbuf *err)
{
	struct collect cmds = { NULL, 0, 0 };
	struct strbuf patch = STRBUF_INIT, files = STRBUF_INIT, crates = STRBUF_INIT;
	char *logdir = NULL;
	int fd = -1, ret = -1;

	memset(res, 0, sizeof(*res));
	config_each(&c->cfg, "validate", "command", collect_cmd, &cmds);
	if (!cmds.nr) {
		ret = 0;
		goto out;
	}
	if (project_worktree_patch(c, &patch, &files, err))
		goto out;
	cargo_packages(c->worktree, files.buf, &crates);
	if (!(logdir = project_state_subdir(c, "logs", err)))
		goto out;
	res->log = xstrfmt("%s/validate-%lld.log", logdir, (long long)(now_wall() * 1000));
	fd = open(res->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		strbuf_addf(err, "cannot write '%s': %s", res->log, strerror(errno));
		goto out;
	}
	res->steps = xcalloc(cmds.nr, sizeof(*res->steps));
	for (size_t i = 0; i < cmds.nr; i++) {
		struct validate_step *s = &res->steps[i];
		struct strbuf cmd = STRBUF_INIT, why = STRBUF_INIT;
		struct child ch = CHILD_INIT;
		res->nr++;
		s->skipped = validate_expand(cmds.v[i], crates.buf, files.buf, &cmd, &why);
		s->command = s->skipped ? xstrdup(cmds.v[i]) : strbuf_detach(&cmd, NULL);
		strbuf_release(&cmd);
		if (s->skipped) {
			s->reason = strbuf_detach(&why, NULL);
			if (hooks && hooks->done)
				hooks->done(hooks->data, s, i, cmds.nr);
			continue;
		}
		strbuf_release(&why);
		if (hooks && hooks->start)
			hooks->start(hooks->data, s, i, cmds.nr);
		dprintf(fd, "==> %s <==\n", s->command);
		ch.cmd = s->command;
		ch.dir = c->worktree;
		ch.fds_given = 1;
		ch.out_fd = ch.err_fd = fd;
		ch.timeout = config_get_real(&c->cfg, "validate.timeout");
		if (child_run(&ch, err))
			goto out;
		s->status = ch.status;
		s->timed_out = ch.timed_out;
		s->interrupted = ch.interrupted;
		s->seconds = ch.wall;
		if (hooks && hooks->done)
			hooks->done(hooks->data, s, i, cmds.nr);
		if (ch.status || ch.timed_out || ch.interrupted) {
			res->failed = (int)i + 1;
			break;
		}
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(cmds.v);
	free(logdir);
	strbuf_release(&patch);
	strbuf_release(&files);
	strbuf_release(&crates);
	return ret;
}

void validate_result_release(struct validate_result *res)
{
	for (size_t i = 0; i < res->nr; i++) {
		free(res->steps[i].command);
		free(res->steps[i].reason);
	}
	free(res->steps);
	free(res->log);
	memset(res, 0, sizeof(*res));
}
