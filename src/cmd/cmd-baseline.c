/*
 * cmd-baseline.c: `perfloop baseline save|list`, named copies of artifacts
 * with the fingerprint of how they were built.
 */
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "cmd/cmd.h"
#include "cmd/steps.h"
#include "loop.h"
#include "banned.h"

extern const struct cmd_entry cmd_baseline_entry;

static json_t *baseline_json(const struct baseline *b)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(b->id));
	json_object_set_new(o, "name", json_string(b->name));
	json_object_set_new(o, "commit", b->commit ? json_string(b->commit) : json_null());
	json_object_set_new(o, "dirty", json_boolean(b->dirty));
	json_object_set_new(o, "created", json_real(b->created));
	json_object_set_new(o, "hash", json_string(b->art.hash));
	json_object_set_new(o, "size", json_integer((json_int_t)b->art.size));
	json_object_set_new(o, "artifact", json_string(b->art.path));
	json_object_set_new(o, "stored", b->art.stored ? json_string(b->art.stored) : json_null());
	json_object_set_new(o, "fingerprint", json_loads(b->fingerprint, 0, NULL));
	return o;
}

static int baseline_save_cmd(int argc, char **argv, struct project *c)
{
	static const struct option longopts[] = {
		{ "artifact", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd_entry *e = &cmd_baseline_entry;
	struct strbuf err = STRBUF_INIT;
	struct baseline b;
	char *path = NULL;
	const char *artifact = NULL, *name = NULL;
	int opt, json = 0;

	while ((opt = next_opt(e, argc, argv, "a:", longopts)) != -1) {
		switch (opt) {
		case 'a': artifact = optarg; break;
		case 'j': json = 1; break;
		default: return EXIT_USAGE;
		}
	}
	if (optind < argc)
		name = argv[optind++];
	if (optind < argc)
		return usage_error(e, "unexpected argument '%s'", argv[optind]);
	if (name && (!*name || strchr(name, '/') || strlen(name) > 100))
		return usage_error(e, "baseline name '%s' must be 1-100 characters without '/'", name);
	if (artifact)
		path = path_join_abs(NULL, artifact);
	else if (!(path = project_artifact(c, &err)))
		die("%s", err.buf);
	if (!file_exists(path))
		die("artifact '%s' does not exist: build it first, or pass --artifact PATH", path);
	/* a baseline's bytes belong to the commit it is recorded against */
	if (!artifact)
		refuse_stale_artifact(c, "to save those bytes anyway");
	if (baseline_save(c, name, path, &b, &err) || loop_set_baseline(c->ledger, b.id, &err))
		die("%s", err.buf);
	if (json) {
		json_t *doc = baseline_json(&b);
		print_json(doc);
		json_decref(doc);
	} else {
		printf("saved baseline '%s': %s (%.12s, %llu bytes)%s\n", b.name, b.art.stored,
		       b.art.hash, (unsigned long long)b.art.size,
		       b.dirty ? " from a worktree with uncommitted changes" : "");
		if (b.commit)
			printf("  commit %s\n", b.commit);
		printf("  fingerprint %s\n", b.fingerprint);
	}
	baseline_release(&b);
	free(path);
	strbuf_release(&err);
	return 0;
}

static int baseline_list_cmd(int argc, char **argv, struct project *c)
{
	struct strbuf err = STRBUF_INIT;
	struct baseline *all;
	struct ledger *l;
	size_t nr;
	int json, r;
	if ((r = parse_json_only(&cmd_baseline_entry, argc, argv, &json)))
		return r;
	if (!(l = project_ledger(c, &err)) || baseline_list(l, NULL, &all, &nr, &err))
		die("%s", err.buf);
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < nr; i++)
			json_array_append_new(arr, baseline_json(&all[i]));
		print_json(arr);
		json_decref(arr);
	} else if (!nr) {
		printf("no baselines: save one with 'perfloop baseline save [NAME]'\n");
	} else {
		printf("%-4s %-19s %-20s %-12s %-12s %s\n", "id", "saved", "name", "commit", "hash",
		       "size");
		for (size_t i = 0; i < nr; i++) {
			char when[32];
			fmt_time(when, sizeof(when), all[i].created);
			printf("%-4lld %-19s %-20s %-12.12s %-12.12s %llu%s\n", (long long)all[i].id,
			       when, all[i].name, all[i].commit ? all[i].commit : "-", all[i].art.hash,
			       (unsigned long long)all[i].art.size, all[i].dirty ? " (dirty)" : "");
		}
	}
	for (size_t i = 0; i < nr; i++)
		baseline_release(&all[i]);
	free(all);
	strbuf_release(&err);
	return 0;
}

static int cmd_baseline(int argc, char **argv, struct project *c)
{
	const struct cmd_entry *e = &cmd_baseline_entry;
	if (argc < 2)
		return usage_error(e, "say 'save' or 'list'");
	if (!strcmp(argv[1], "save"))
		return baseline_save_cmd(argc - 1, argv + 1, c);
	if (!strcmp(argv[1], "list"))
		return baseline_list_cmd(argc - 1, argv + 1, c);
	return usage_error(e, "unknown subcommand '%s'", argv[1]);
}

const struct cmd_entry cmd_baseline_entry = {
	"baseline", cmd_baseline, CMD_NEED_CONFIG | CMD_DEFER_SIGNALS,
	"perfloop baseline save [NAME] [--artifact PATH] [--json] | baseline list [--json]",
	"save the current artifact as a named baseline, or list the baselines",
	"save: copies the artifact (default build.artifact in the worktree) into the state\n"
	"directory's content-addressed store (the same bytes are stored once) and records its\n"
	"fingerprint: the worktree's commit, build.command, and the output of each [fingerprint]\n"
	"command. NAME defaults to the short commit. 'perfloop bench' then compares with the\n"
	"newest baseline whose fingerprint matches the current one.\n\n"
	"list: every baseline, newest first.\n",
};
