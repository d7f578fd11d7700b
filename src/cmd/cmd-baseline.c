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

/*
 * A fingerprint as lines: "build" first, then each [fingerprint] command's
 * output, a multi-line output indented under its first line.
 */
static void print_fingerprint(const char *text)
{
	json_t *fp = json_loads(text, 0, NULL), *v;
	const char *key, *label = "  fingerprint ";
	if (!json_is_object(fp)) {
		printf("%s%s\n", label, text);
		json_decref(fp);
		return;
	}
	for (int build_pass = 1; build_pass >= 0; build_pass--)
		json_object_foreach(fp, key, v) {
			const char *s = json_string_value(v), *nl;
			if (!s || (strcmp(key, "build") == 0) != build_pass)
				continue;
			printf("%s%s: ", label, key);
			label = "              ";
			while ((nl = strchr(s, '\n'))) {
				printf("%.*s\n%s  ", (int)(nl - s), s, label);
				s = nl + 1;
			}
			printf("%s\n", s);
		}
	json_decref(fp);
}

static int baseline_save_cmd(const struct cmd_args *a, struct project *c)
{
	struct strbuf err = STRBUF_INIT;
	struct baseline b;
	char *path = NULL;
	const char *artifact = args_get(a, "artifact"), *name = a->argc ? a->argv[0] : NULL;
	int json = args_has(a, "json");

	if (name && (!*name || strchr(name, '/') || strlen(name) > 100))
		return usage_error(a, "baseline name '%s' must be 1-100 characters without '/'", name);
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
		print_fingerprint(b.fingerprint);
	}
	baseline_release(&b);
	free(path);
	strbuf_release(&err);
	return 0;
}

static int baseline_list_cmd(const struct cmd_args *a, struct project *c)
{
	struct strbuf err = STRBUF_INIT;
	struct baseline *all;
	struct ledger *l;
	size_t nr;
	int json = args_has(a, "json");
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

static const struct cmd_option save_options[] = {
	{ .name = "artifact", .short_name = 'a', .arg = "PATH", .kind = CMD_VAL_FILE,
	  .help = "the file to save (default: `build.artifact` in the worktree)" },
	{ .name = "json", .help = "print the baseline as JSON" },
	{ 0 },
};

static const struct cmd_entry baseline_save_entry = {
	.name = "save",
	.summary = "save the artifact as a named baseline; it becomes the loop's baseline",
	.args = "[NAME]",
	.options = save_options,
	.help = "Copies the artifact into the state directory's content-addressed store (the same\n"
		"bytes are stored once) and records its fingerprint: the worktree's commit,\n"
		"`build.command`, and the output of each `[fingerprint]` command. NAME defaults to\n"
		"the short commit. `perfloop bench` then compares with the newest baseline whose\n"
		"fingerprint matches the current one.\n",
	.exec = baseline_save_cmd,
};

static const struct cmd_option list_options[] = {
	{ .name = "json", .help = "print a JSON array" },
	{ 0 },
};

static const struct cmd_entry baseline_list_entry = {
	.name = "list",
	.summary = "every baseline, newest first",
	.options = list_options,
	.exec = baseline_list_cmd,
};

const struct cmd_entry cmd_baseline_entry = {
	.name = "baseline",
	.summary = "save the current artifact as a named baseline, or list the baselines",
	.flags = CMD_NEED_CONFIG | CMD_DEFER_SIGNALS,
	.subcommands = (const struct cmd_entry *const[]){ &baseline_save_entry,
							  &baseline_list_entry, NULL },
};
