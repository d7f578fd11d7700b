/*
 * cmd-build.c: `perfloop build` and `perfloop validate`.
 */
#include "cmd/cmd.h"
#include "cmd/steps.h"
#include "banned.h"

static int cmd_build(const struct cmd_args *a, struct project *c)
{
	struct build_result res;
	int code, json = args_has(a, "json");
	code = run_build(c, NULL, &res);
	if (!code && json) {
		json_t *doc = json_object();
		json_object_set_new(doc, "build", json_integer(res.id));
		json_object_set_new(doc, "artifact", json_string(res.artifact_path));
		json_object_set_new(doc, "hash", json_string(res.art.hash));
		json_object_set_new(doc, "size", json_integer((json_int_t)res.art.size));
		json_object_set_new(doc, "seconds", json_real(res.seconds));
		json_object_set_new(doc, "log", json_string(res.log));
		json_object_set_new(doc, "fingerprint", json_loads(res.fingerprint, 0, NULL));
		print_json(doc);
		json_decref(doc);
	} else if (!code) {
		printf("%s\n", res.artifact_path);
	}
	build_result_release(&res);
	return code;
}

static const struct cmd_option build_options[] = {
	{ .name = "json",
	  .help = "print the build (artifact, hash, size, seconds, log, fingerprint) as JSON" },
	{ 0 },
};

const struct cmd_entry cmd_build_entry = {
	.name = "build",
	.summary = "build the artifact in the worktree and check it was rewritten",
	.options = build_options,
	.help = "Runs `build.command` in the worktree with its output in\n"
		"`<state>/logs/build-<id>.log` and a progress line (elapsed, and an ETA from earlier\n"
		"builds). Then checks that `build.artifact` exists and was rewritten by this build,\n"
		"and records its hash and fingerprint in the ledger with what was built: HEAD and\n"
		"the hash of the uncommitted change (the same patch hash `try` uses). A failed build\n"
		"prints the last 30 log lines and the log path.\n",
	.exit = "3 the build failed, 4 past `build.timeout`, 130 interrupted.",
	.flags = CMD_NEED_CONFIG | CMD_DEFER_SIGNALS,
	.exec = cmd_build,
};

static int cmd_validate(const struct cmd_args *a, struct project *c)
{
	struct validate_result res;
	int code, json = args_has(a, "json");
	code = run_validate(c, &res);
	if (json) {
		json_t *doc = json_object(), *steps = json_array();
		for (size_t i = 0; i < res.nr; i++) {
			const struct validate_step *s = &res.steps[i];
			json_t *o = json_object();
			json_object_set_new(o, "command", json_string(s->command));
			json_object_set_new(o, "skipped", json_boolean(s->skipped));
			json_object_set_new(o, "reason", s->reason ? json_string(s->reason) : json_null());
			json_object_set_new(o, "status", s->skipped ? json_null() : json_integer(s->status));
			json_object_set_new(o, "timed_out", json_boolean(s->timed_out));
			json_object_set_new(o, "seconds", json_real(s->seconds));
			json_array_append_new(steps, o);
		}
		json_object_set_new(doc, "passed", json_boolean(!res.failed));
		json_object_set_new(doc, "steps", steps);
		json_object_set_new(doc, "log", res.log ? json_string(res.log) : json_null());
		print_json(doc);
		json_decref(doc);
	}
	validate_result_release(&res);
	return code;
}

static const struct cmd_option validate_options[] = {
	{ .name = "json",
	  .help = "print every step (command, skipped and why, exit status, seconds) as JSON" },
	{ 0 },
};

const struct cmd_entry cmd_validate_entry = {
	.name = "validate",
	.summary = "run the `[validate]` checks on the worktree's changes",
	.options = validate_options,
	.help = "Runs each `[validate] command` in order in the worktree and stops at the first\n"
		"failure, printing its log tail. Placeholders: `{crates}` becomes one `-p NAME` per\n"
		"Cargo package owning a changed file (the nearest `Cargo.toml` with a `[package]`\n"
		"name); `{changed}` the changed paths (shell-quoted). A command whose placeholder\n"
		"has nothing to expand is skipped, and the skip is said.\n",
	.exit = "3 a check failed, 4 past `validate.timeout`, 130 interrupted.",
	.flags = CMD_NEED_CONFIG | CMD_DEFER_SIGNALS,
	.exec = cmd_validate,
};
