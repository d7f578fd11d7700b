/*
 * cmd-keep.c: `perfloop keep`, commit an experiment judged keep/keep-flat,
 * push it, dispatch the CI benchmark, and make it the new baseline.
 */
#include "cmd/cmd.h"
#include "cmd/steps.h"
#include "keep.h"
#include "banned.h"

extern const struct cmd_entry cmd_keep_entry;

static const struct keep_hooks keep_hooks = { build_hook, say_info, say_warning, NULL };

static void print_keep_json(const struct keep_result *r)
{
	json_t *doc = json_object();
	const char *pushed = keep_pushed_name(r->pushed);
	json_object_set_new(doc, "experiment",
			    r->experiment ? json_integer(r->experiment) : json_null());
	json_object_set_new(doc, "commit", json_string(r->commit));
	json_object_set_new(doc, "message", json_string(r->message));
	json_object_set_new(doc, "pushed", pushed ? json_string(pushed) : json_null());
	json_object_set_new(doc, "remote_commit",
			    *r->api_sha ? json_string(r->api_sha) : json_null());
	json_object_set_new(doc, "pr", r->pr ? json_integer(r->pr) : json_null());
	json_object_set_new(doc, "dispatch", json_string(keep_dispatch_name(r->dispatch)));
	json_object_set_new(doc, "baseline", json_string(r->baseline.name));
	print_json(doc);
	json_decref(doc);
}

static int cmd_keep(int argc, char **argv, struct project *c)
{
	static const struct option longopts[] = {
		{ "message", required_argument, NULL, 'm' },
		{ "scope", required_argument, NULL, 's' },
		{ "force", no_argument, NULL, 'f' },
		{ "pr", required_argument, NULL, 'p' },
		{ "no-push", no_argument, NULL, 'N' },
		{ "no-dispatch", no_argument, NULL, 'D' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd_entry *e = &cmd_keep_entry;
	struct strbuf err = STRBUF_INIT;
	struct loop_state ls;
	struct keep_request req;
	struct keep_result r;
	const char *message = NULL, *scope_opt = NULL;
	int force = 0, no_push = 0, no_dispatch = 0, json = 0, opt, pr = 0;
	long v;

	while ((opt = next_opt(e, argc, argv, "m:s:", longopts)) != -1) {
		switch (opt) {
		case 'm': message = optarg; break;
		case 's': scope_opt = optarg; break;
		case 'f': force = 1; break;
		case 'N': no_push = 1; break;
		case 'D': no_dispatch = 1; break;
		case 'j': json = 1; break;
		case 'p':
			if (opt_int(e, "--pr", optarg, 1, &v))
				return EXIT_USAGE;
			pr = (int)v;
			break;
		default: return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return usage_error(e, "unexpected argument '%s'", argv[optind]);
	require_loop(c, &ls);
	req = (struct keep_request){ message, scope_opt, pr, force, no_push, no_dispatch };
	if (keep_run(c, &ls, &req, &keep_hooks, &r, &err))
		die_code(r.failure == KEEP_FAIL_GITHUB ? EXIT_GITHUB
			 : r.failure == KEEP_FAIL_BUILD ? r.build_code
							 : EXIT_FATAL,
			 "%s", err.buf);
	if (json)
		print_keep_json(&r);
	else
		printf("kept %.12s as the new baseline '%s'\n", r.commit, r.baseline.name);
	keep_result_release(&r);
	loop_release(&ls);
	strbuf_release(&err);
	return 0;
}

const struct cmd_entry cmd_keep_entry = {
	"keep", cmd_keep, CMD_NEED_CONFIG | CMD_DEFER_SIGNALS,
	"perfloop keep [-m MESSAGE] [--scope S] [--pr N] [--force] [--no-push] [--no-dispatch] "
	"[--json]",
	"commit a kept experiment, push it, dispatch the CI benchmark, make it the baseline",
	"Only after a keep or keep-flat verdict of 'perfloop try' on exactly the current diff\n"
	"(same patch hash), unless --force. Then:\n"
	"  - when the artifact is not the build of exactly this diff on HEAD (--force\n"
	"    without a try, a rebuild since), the change is built first; nothing is\n"
	"    committed when that build fails or is interrupted,\n"
	"  - that build becomes the loop's new baseline 'kept-<experiment>' of the commit,\n"
	"  - the change is committed with commit.template (default\n"
	"    'refactor({scope}): {message}'; scope: the single Cargo package or top\n"
	"    directory touched, else 'perf'; message: -m or try's -m),\n"
	"  - pushed with 'git push -u <remote> <branch>'; when that fails (network, DNS,\n"
	"    auth) the PR branch is updated through the GitHub Git Data API instead (blobs,\n"
	"    tree on the remote head, commit, fast-forward ref update) and the loop records\n"
	"    that local HEAD lacks the remote-only commit ('perfloop sync' reconciles),\n"
	"  - [github] workflow is dispatched on [github] ref with [github] input = the PR\n"
	"    number (--pr, github.pr, or the open PR whose head is the branch). Without a\n"
	"    workflow set, or without a token, the dispatch is skipped and the reason said.\n\n"
	"Exit: 3/4 when the build failed or timed out (nothing committed), 5 when a GitHub\n"
	"call failed, 130 interrupted: before the commit nothing is committed; during the\n"
	"push or dispatch the commit and its baseline stand and the rest is skipped.\n",
};
