/*
 * cmd-build.c: `perfloop build` and `perfloop validate`.
 */
#include "cmd/cmd.h"
#include "cmd/steps.h"
#include "banned.h"

extern const struct cmd_entry cmd_build_entry, cmd_validate_entry;

static int cmd_build(int argc, char **argv, struct project *c)
{
	struct build_result res;
	int code, json;
	if ((code = parse_json_only(&cmd_build_entry, argc, argv, &json)))
		return code;
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

const struct cmd_entry cmd_build_entry = {
	"build", cmd_build, CMD_NEED_CONFIG | CMD_DEFER_SIGNALS, "perfloop build [--json]",
	"build the artifact in the worktree and check it was rewritten",
	"Runs build.command in the worktree with its output in <state>/logs/build-<id>.log and\n"
	"a progress line (elapsed, and an ETA from earlier builds). Then checks that\n"
	"build.artifact exists and was rewritten by this build, and records its hash and\n"
	"fingerprint in the ledger. A failed build prints the last 30 log lines and the log\n"
	"path. Exit 3 when it failed, 4 past build.timeout.\n\n"
	"  --json   print the build (artifact, hash, size, seconds, log, fingerprint) as JSON\n",
};

static int cmd_validate(int argc, char **argv, struct project *c)
{
	struct validate_result res;
	int code, json;
	if ((code = parse_json_only(&cmd_validate_entry, argc, argv, &json)))
		return code;
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

const struct cmd_entry cmd_validate_entry = {
	"validate", cmd_validate, CMD_NEED_CONFIG | CMD_DEFER_SIGNALS,
	"perfloop validate [--json]",
	"run the [validate] checks on the worktree's changes",
	"Runs each [validate] command in order in the worktree and stops at the first\n"
	"failure, printing its log tail. Placeholders: {crates} becomes one '-p NAME' per\n"
	"Cargo package owning a changed file (the nearest Cargo.toml with a [package] name);\n"
	"{changed} the changed paths. A command whose placeholder has nothing to expand is\n"
	"skipped, and the skip is said. Exit 3 when a check failed.\n\n"
	"  --json   print every step (command, skipped and why, exit status, seconds) as JSON\n",
};
