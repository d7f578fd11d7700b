/*
 * cmd-build.c: `perfloop build` and `perfloop validate`.
 */
#include "cmd.h"
#include "loopcmd.h"
#include "banned.h"

extern const struct cmd_entry cmd_build_entry, cmd_validate_entry;

static int cmd_build(int argc, char **argv, struct ctx *c)
{
	struct build_result res;
	int code;
	if (argc > 1)
		return usage_error(&cmd_build_entry, "unexpected argument '%s'", argv[1]);
	code = run_build(c, NULL, &res);
	if (!code)
		printf("%s\n", res.artifact_path);
	build_result_release(&res);
	return code;
}

const struct cmd_entry cmd_build_entry = {
	"build", cmd_build, CMD_NEED_CONFIG, "perfloop build",
	"build the artifact in the worktree and check it was rewritten",
	"Runs build.command in the worktree with its output in <state>/logs/build-<id>.log and\n"
	"a progress line (elapsed, and an ETA from earlier builds). Then checks that\n"
	"build.artifact exists and was rewritten by this build, and records its hash and\n"
	"fingerprint in the ledger. A failed build prints the last 30 log lines and the log\n"
	"path. Exit 3 when it failed, 4 past build.timeout.\n",
};

static int cmd_validate(int argc, char **argv, struct ctx *c)
{
	struct validate_result res;
	int code;
	if (argc > 1)
		return usage_error(&cmd_validate_entry, "unexpected argument '%s'", argv[1]);
	code = run_validate(c, &res);
	validate_result_release(&res);
	return code;
}

const struct cmd_entry cmd_validate_entry = {
	"validate", cmd_validate, CMD_NEED_CONFIG, "perfloop validate",
	"run the [validate] checks on the worktree's changes",
	"Runs each [validate] command in order in the worktree and stops at the first\n"
	"failure, printing its log tail. Placeholders: {crates} becomes one '-p NAME' per\n"
	"Cargo package owning a changed file (the nearest Cargo.toml with a [package] name);\n"
	"{changed} the changed paths. A command whose placeholder has nothing to expand is\n"
	"skipped, and the skip is said. Exit 3 when a check failed.\n",
};
