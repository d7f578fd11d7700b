/*
 * cmd-start.c: `perfloop start BRANCH`, an isolated worktree for a new loop.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "git.h"
#include "loop.h"
#include "proc.h"
#include "banned.h"

/* Clone the bench repository when it is missing and a URL is configured. */
static void ensure_bench_repo(struct project *c)
{
	char *repo = config_get_path(&c->cfg, "bench.repo");
	char *dir = config_get_path(&c->cfg, "bench.dir");
	const char *url = config_get(&c->cfg, "bench.clone");
	const char *setup = config_get(&c->cfg, "bench.setup");
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;

	if (repo && !file_exists(repo) && url) {
		const char *argv[] = { "git", "clone", url, repo, NULL };
		info("cloning the bench repository %s into %s", url, repo);
		if (capture_argv(argv, NULL, &out, &err))
			die("cannot clone '%s' into '%s': %s", url, repo, err.buf);
		if (setup) {
			struct child ch = CHILD_INIT;
			char *log = xstrfmt("%s/.perfloop-setup.log", repo);
			ch.cmd = setup;
			ch.dir = repo;
			ch.out_path = log;
			info("running '%s' in %s (log: %s)", setup, repo, log);
			strbuf_reset(&err);
			if (child_run(&ch, &err) || ch.status)
				die("bench setup '%s' failed in '%s' (exit %d); see %s", setup, repo,
				    ch.status, log);
			free(log);
		}
	}
	if (dir && !is_dir(dir))
		warning("bench directory '%s' does not exist yet (bench.dir)%s", dir,
			url ? "" : "; set bench.clone and bench.repo to have it cloned");
	free(repo);
	free(dir);
	strbuf_release(&err);
	strbuf_release(&out);
}

static int cmd_start(const struct cmd_args *a, struct project *c)
{
	struct strbuf err = STRBUF_INIT, top = STRBUF_INIT, where = STRBUF_INIT, out = STRBUF_INIT;
	struct loop_state ls = { 0 };
	struct ledger *l;
	const char *branch, *base = args_get(a, "base"), *remote;
	char *wt, *ledger_path, *state, *main_ledger;
	int n, json = args_has(a, "json");

	if (!a->argc)
		return usage_error(a, "name the branch for this loop");
	branch = a->argv[0];
	if (git_run(NULL, NULL, NULL, "check-ref-format", "--branch", branch, NULL))
		return usage_error(a, "'%s' is not a valid branch name", branch);
	if (git_toplevel(NULL, &top))
		die("not inside a git repository: run 'perfloop start' in the project's checkout");
	if (!base)
		base = config_get(&c->cfg, "project.base");
	remote = config_get(&c->cfg, "project.remote");

	info("fetching %s", remote);
	if (git_run(top.buf, NULL, &err, "fetch", remote, NULL))
		die("git fetch %s failed in '%s': %s", remote, top.buf, err.buf);

	if (git_branch_worktree(top.buf, branch, &where) == 1) {
		int dirty = git_dirty(where.buf);
		die("branch '%s' is checked out at '%s'%s: do not run experiments on it; pick "
		    "another branch name", branch, where.buf,
		    dirty > 0 ? " and has uncommitted changes" : "");
	}
	wt = loop_worktree_path(config_get(&c->cfg, "project.worktree"), path_basename(top.buf),
				now_wall());
	if (git_branch_exists(top.buf, branch)) {
		info("reusing branch '%s' in a new worktree %s", branch, wt);
		n = git_run(top.buf, &out, &err, "worktree", "add", wt, branch, NULL);
	} else {
		info("creating worktree %s on new branch '%s' from %s", wt, branch, base);
		n = git_run(top.buf, &out, &err, "worktree", "add", "-b", branch, wt, base, NULL);
	}
	if (n)
		die("git worktree add '%s' failed: %s", wt, err.buf);

	if (loop_write_ini(wt, c->cfg.path, branch, base, &err) ||
	    git_exclude_add(wt, "/.perfloop/", &err) || git_exclude_add(wt, "/perfloop.ini", &err))
		die("%s", err.buf);
	state = xstrfmt("%s/.perfloop", wt);
	if (mkdir_p(state, 0755))
		die("cannot create '%s'", state);
	ledger_path = xstrfmt("%s/ledger.db", state);
	if (!(l = ledger_open(ledger_path, 0, &err)))
		die("%s", err.buf);
	ls.branch = xstrdup(branch);
	ls.base_ref = xstrdup(base);
	strbuf_reset(&out);
	if (!git_run(wt, &out, NULL, "rev-parse", "HEAD", NULL))
		ls.base_commit = xstrdup(out.buf);
	ls.worktree = xstrdup(wt);
	ls.config = xstrdup(c->cfg.path);
	ls.created = now_wall();
	if (loop_save(l, &ls, &err))
		die("%s", err.buf);
	main_ledger = xstrfmt("%s/ledger.db", c->state_dir);
	strbuf_reset(&err);
	n = loop_import_calibrations(l, main_ledger, &err);
	if (n < 0)
		warning("could not import noise calibrations from '%s': %s", main_ledger, err.buf);
	else if (n > 0)
		info("imported %d A/A calibration(s) of this host from %s", n, main_ledger);
	ledger_close(l);
	ensure_bench_repo(c);

	if (json) {
		json_t *doc = json_object();
		json_object_set_new(doc, "branch", json_string(branch));
		json_object_set_new(doc, "base", json_string(base));
		json_object_set_new(doc, "base_commit", ls.base_commit ? json_string(ls.base_commit)
								       : json_null());
		json_object_set_new(doc, "worktree", json_string(wt));
		json_object_set_new(doc, "state", json_string(state));
		print_json(doc);
		json_decref(doc);
	} else {
		printf("loop ready: branch %s from %s at %.12s\n  worktree %s\n  state    %s\n",
		       branch, base, ls.base_commit ? ls.base_commit : "?", wt, state);
		printf("next: cd %s && perfloop build && perfloop baseline save\n", wt);
	}
	free(wt);
	free(state);
	free(ledger_path);
	free(main_ledger);
	loop_release(&ls);
	strbuf_release(&err);
	strbuf_release(&top);
	strbuf_release(&where);
	strbuf_release(&out);
	return 0;
}

static const struct cmd_option start_options[] = {
	{ .name = "base", .short_name = 'b', .arg = "REF",
	  .help = "branch from REF instead of `project.base`" },
	{ .name = "json", .help = "print the branch, base, worktree and state directory as JSON" },
	{ 0 },
};

const struct cmd_entry cmd_start_entry = {
	.name = "start",
	.summary = "fetch, then create an isolated worktree on BRANCH for a new loop",
	.args = "BRANCH",
	.options = start_options,
	.help = "Runs `git fetch` on `project.remote`, then `git worktree add <dir> -b BRANCH <base>`\n"
		"(an existing BRANCH that is checked out nowhere is reused). `<dir>` comes from\n"
		"`project.worktree` (default `/tmp/{repo}-perf-%Y%m%d`, with -2, -3... when taken);\n"
		"the base from --base or `project.base` (default origin/main). A branch checked out\n"
		"in another worktree is refused, saying whether it has uncommitted changes. The\n"
		"worktree gets its own `perfloop.ini` (an `[include]` of this one) and state\n"
		"directory `.perfloop/`, both in git's `info/exclude`, so perf.data files, logs and\n"
		"the ledger are never committed and never leave the worktree. This host's A/A\n"
		"calibrations are copied into the new ledger. When `bench.repo` is missing and\n"
		"`bench.clone` is set, the bench repository is cloned (and `bench.setup` run in it).\n",
	.flags = CMD_NEED_CONFIG,
	.exec = cmd_start,
};
