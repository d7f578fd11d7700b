/*
 * test-keep.c: keep's push step against the core API (keep_push()): git push
 * first, the Git Data API fallback when it fails, and what the ledger records
 * (the experiment's push, the loop's remote-only commit) in each case. The
 * two push paths are injected (struct push_ops), so no network is involved;
 * the ledger is a real SQLite file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "experiment.h"
#include "keep.h"
#include "proc.h"

#define API_SHA "1111111111111111111111111111111111111111"
#define TRACKING_SHA "2222222222222222222222222222222222222222"
#define REMOTE_ONLY_SHA "3333333333333333333333333333333333333333"

/* What the fake push paths do, and what they were asked. */
struct fake {
	const char *git_error;     /* git push fails with this, NULL: it works */
	const char *tracking;      /* the tracking ref's head, NULL: none */
	const char *api_error;     /* the API push fails with this, NULL: it works */
	int git_calls, api_calls;
	char expected[64];         /* the head the API push was asked to build on */
	struct strbuf notes, warnings;
};

static int fake_git_push(void *data, const char *worktree, const char *remote,
			 const char *branch, struct strbuf *why)
{
	struct fake *f = data;
	f->git_calls++;
	if (!f->git_error)
		return 0;
	strbuf_addstr(why, f->git_error);
	return -1;
}

static int fake_tracking_head(void *data, const char *worktree, const char *remote,
			      const char *branch, struct strbuf *sha)
{
	struct fake *f = data;
	if (!f->tracking)
		return -1;
	strbuf_addstr(sha, f->tracking);
	return 0;
}

static int fake_api_push(void *data, const char *worktree, const char *branch, const char *commit,
			 const char *expected_head, char new_sha[41], struct strbuf *err)
{
	struct fake *f = data;
	f->api_calls++;
	snprintf(f->expected, sizeof(f->expected), "%s", expected_head);
	if (f->api_error) {
		strbuf_addstr(err, f->api_error);
		return -1;
	}
	memcpy(new_sha, API_SHA, 41);
	return 0;
}

static void note(void *data, const char *text)
{
	strbuf_addf(&((struct fake *)data)->notes, "%s\n", text);
}

static void warn(void *data, const char *text)
{
	strbuf_addf(&((struct fake *)data)->warnings, "%s\n", text);
}

static char dir[64];

/* A fresh ledger with a loop on perf/x and one experiment, id 1, decided keep. */
struct env {
	struct ledger *l;
	struct loop_state ls;
	struct keep_result r;
	struct fake f;
	struct push_ops ops;
	struct keep_hooks hooks;
	struct strbuf err;
};

static int setup(void **state)
{
	static struct env e;
	struct strbuf err = STRBUF_INIT;
	char *path;
	snprintf(dir, sizeof(dir), "/tmp/perfloop-keep-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	memset(&e, 0, sizeof(e));
	path = xstrfmt("%s/ledger.db", dir);
	e.l = ledger_open(path, 0, &err);
	free(path);
	if (!e.l)
		fail_msg("%s", err.buf);
	e.ls.present = 1;
	e.ls.branch = xstrdup("perf/x");
	e.ls.base_ref = xstrdup("origin/main");
	e.ls.worktree = xstrdup(dir);
	e.ls.created = 1;
	if (loop_save(e.l, &e.ls, &err) ||
	    experiment_save(e.l, "faster", "diff --git a/x b/x\n", "x\n", NULL, &err) != 1 ||
	    experiment_decide(e.l, 1, TRY_KEEP, "end-to-end time is faster", &err))
		fail_msg("%s", err.buf);
	e.r.experiment = 1;
	e.r.commit = xstrdup("4444444444444444444444444444444444444444");
	e.r.baseline.name = xstrdup("kept-1");
	strbuf_init(&e.f.notes, 0);
	strbuf_init(&e.f.warnings, 0);
	e.ops = (struct push_ops){ fake_git_push, fake_tracking_head, fake_api_push, &e.f };
	e.hooks = (struct keep_hooks){ NULL, note, warn, &e.f };
	strbuf_init(&e.err, 0);
	strbuf_release(&err);
	*state = &e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	ledger_close(e->l);
	loop_release(&e->ls);
	keep_result_release(&e->r);
	strbuf_release(&e->f.notes);
	strbuf_release(&e->f.warnings);
	strbuf_release(&e->err);
	proc_interrupted = 0;
	return remove_tree(dir);
}

/* experiments.pushed of experiment 1, "" when NULL (a copy). */
static char *pushed(struct ledger *l)
{
	struct strbuf err = STRBUF_INIT;
	sqlite3_stmt *st =
		ledger_query(l, &err, "SELECT pushed FROM experiments WHERE id = 1", NULL);
	char *v;
	assert_non_null(st);
	assert_int_equal(ledger_step(l, st, &err), 1);
	v = xstrdup(col_text(st, 0));
	sqlite3_finalize(st);
	strbuf_release(&err);
	return v;
}

/* The loop as the ledger has it now. */
static void reload(struct ledger *l, struct loop_state *ls)
{
	struct strbuf err = STRBUF_INIT;
	assert_int_equal(loop_load(l, ls, &err), 0);
	assert_true(ls->present);
	strbuf_release(&err);
}

static int run(struct env *e, const char *no_api)
{
	return keep_push(e->l, &e->ls, dir, "origin", &e->ops, no_api, &e->hooks, &e->r, &e->err);
}

static void test_git_push_works(void **state)
{
	struct env *e = *state;
	struct loop_state now;
	char *via;
	e->f.tracking = TRACKING_SHA;
	assert_int_equal(run(e, NULL), 0);
	assert_int_equal(e->f.git_calls, 1);
	assert_int_equal(e->f.api_calls, 0);
	assert_int_equal(e->r.pushed, KEEP_PUSHED_GIT);
	assert_string_equal(e->r.api_sha, "");
	assert_string_equal(e->f.notes.buf, "pushed perf/x to origin\n");
	assert_int_equal(e->f.warnings.len, 0);
	assert_string_equal(via = pushed(e->l), "git");
	reload(e->l, &now);
	assert_false(now.remote_only);
	assert_null(now.remote_head);
	free(via);
	loop_release(&now);
}

static void test_network_failure_uses_the_api(void **state)
{
	struct env *e = *state;
	struct loop_state now;
	char *via;
	e->f.git_error = "fatal: unable to access 'https://github.com/o/r/': Could not resolve "
			 "host";
	e->f.tracking = TRACKING_SHA;
	assert_int_equal(run(e, NULL), 0);
	assert_int_equal(e->f.api_calls, 1);
	/* built on the remote branch's head as the clone last saw it */
	assert_string_equal(e->f.expected, TRACKING_SHA);
	assert_int_equal(e->r.pushed, KEEP_PUSHED_API);
	assert_string_equal(e->r.api_sha, API_SHA);
	assert_non_null(strstr(e->f.warnings.buf, "git push failed (fatal: unable to access"));
	assert_non_null(strstr(e->f.notes.buf, "updated perf/x through the API: remote commit "
					       "111111111111 (local HEAD lacks it"));
	/* recorded: the experiment went through the API, the loop's HEAD lacks the commit */
	assert_string_equal(via = pushed(e->l), "api");
	assert_true(e->ls.remote_only);
	reload(e->l, &now);
	assert_true(now.remote_only);
	assert_string_equal(now.remote_head, API_SHA);
	free(via);
	loop_release(&now);
}

static void test_refused_fallback_records_nothing(void **state)
{
	struct env *e = *state;
	struct loop_state now;
	char *via;
	e->f.git_error = "Could not resolve host: github.com";
	e->f.tracking = TRACKING_SHA;
	e->f.api_error = "GitHub refused to move 'perf/x' to the new commit: the branch moved "
			 "(not a fast-forward)";
	assert_int_equal(run(e, NULL), -1);
	assert_int_equal(e->r.failure, KEEP_FAIL_GITHUB);
	assert_string_equal(e->err.buf, e->f.api_error);
	assert_int_equal(e->r.pushed, KEEP_NOT_PUSHED);
	assert_string_equal(via = pushed(e->l), "");
	assert_false(e->ls.remote_only);
	reload(e->l, &now);
	assert_false(now.remote_only);
	assert_null(now.remote_head);
	free(via);
	loop_release(&now);
}

static void test_no_token_is_one_clear_error(void **state)
{
	struct env *e = *state;
	char *via;
	e->f.git_error = "Could not resolve host: github.com";
	e->f.tracking = TRACKING_SHA;
	assert_int_equal(run(e, "no GitHub token: set GITHUB_TOKEN or [github] token-file"), -1);
	assert_int_equal(e->r.failure, KEEP_FAIL_GITHUB);
	assert_string_equal(e->err.buf, "cannot push: Could not resolve host: github.com; and no "
					"API fallback: no GitHub token: set GITHUB_TOKEN or "
					"[github] token-file");
	assert_null(strchr(e->err.buf, '\n'));
	assert_int_equal(e->f.api_calls, 0);
	assert_string_equal(via = pushed(e->l), "");
	free(via);
}

static void test_branch_missing_on_the_remote(void **state)
{
	struct env *e = *state;
	e->f.git_error = "Could not resolve host: github.com";
	assert_int_equal(run(e, NULL), -1);
	assert_int_equal(e->r.failure, KEEP_FAIL_GITHUB);
	assert_non_null(strstr(e->err.buf, "the API fallback can only update a branch that exists "
					   "on origin"));
	assert_int_equal(e->f.api_calls, 0);
}

static void test_remote_only_branch_skips_git(void **state)
{
	struct env *e = *state;
	/* a commit pushed through the API before: git push would fork the branch */
	e->ls.remote_only = 1;
	e->ls.remote_head = xstrdup(REMOTE_ONLY_SHA);
	e->f.tracking = TRACKING_SHA;
	assert_int_equal(run(e, NULL), 0);
	assert_int_equal(e->f.git_calls, 0);
	assert_string_equal(e->f.expected, REMOTE_ONLY_SHA);
	assert_int_equal(e->r.pushed, KEEP_PUSHED_API);
	assert_string_equal(e->ls.remote_head, API_SHA);
}

static void test_interrupted_push_has_no_fallback(void **state)
{
	struct env *e = *state;
	char *via;
	e->f.git_error = "killed by signal 2";
	e->f.tracking = TRACKING_SHA;
	proc_interrupted = 1;
	assert_int_equal(run(e, NULL), -1);
	proc_interrupted = 0;
	assert_int_equal(e->r.failure, KEEP_FAIL_ERROR);
	assert_int_equal(e->f.api_calls, 0);
	assert_non_null(strstr(e->err.buf, "interrupted after committing 444444444444 (the new "
					   "baseline 'kept-1'): not pushed"));
	assert_string_equal(via = pushed(e->l), "");
	free(via);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_git_push_works, setup, teardown),
		cmocka_unit_test_setup_teardown(test_network_failure_uses_the_api, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_fallback_records_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_token_is_one_clear_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_branch_missing_on_the_remote, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remote_only_branch_skips_git, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupted_push_has_no_fallback, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
