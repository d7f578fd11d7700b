/*
 * commands.c: the command table, in the order `perfloop help` lists them,
 * and finding a command by name.
 */
#include <string.h>

#include "cmd/cmd.h"
#include "banned.h"

extern const struct cmd_entry cmd_baseline_entry, cmd_bench_entry, cmd_build_entry,
	cmd_calibrate_entry, cmd_diff_entry, cmd_doctor_entry, cmd_help_entry, cmd_hotspots_entry,
	cmd_init_entry,
	cmd_keep_entry, cmd_log_entry, cmd_patch_entry, cmd_profile_entry, cmd_report_entry,
	cmd_revert_entry, cmd_runs_entry, cmd_show_entry, cmd_start_entry, cmd_status_entry,
	cmd_sync_entry, cmd_try_entry, cmd_validate_entry, cmd_version_entry;

/* One line per command. */
const struct cmd_entry *const commands[] = {
	&cmd_init_entry,
	&cmd_start_entry,
	&cmd_build_entry,
	&cmd_validate_entry,
	&cmd_try_entry,
	&cmd_keep_entry,
	&cmd_revert_entry,
	&cmd_status_entry,
	&cmd_sync_entry,
	&cmd_runs_entry,
	&cmd_report_entry,
	&cmd_patch_entry,
	&cmd_bench_entry,
	&cmd_calibrate_entry,
	&cmd_doctor_entry,
	&cmd_baseline_entry,
	&cmd_log_entry,
	&cmd_show_entry,
	&cmd_profile_entry,
	&cmd_hotspots_entry,
	&cmd_diff_entry,
	&cmd_help_entry,
	&cmd_version_entry,
	NULL,
};

const struct cmd_entry *find_command(const char *name)
{
	for (size_t i = 0; commands[i]; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}
