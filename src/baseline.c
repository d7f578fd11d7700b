/*
 * baseline.c: artifact rows, the store, fingerprints and named baselines.
 */
#include "baseline.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "git.h"
#include "proc.h"
#include "banned.h"

void artifact_release(struct artifact *a)
{
	free(a->path);
	free(a->stored);
	memset(a, 0, sizeof(*a));
}

int artifact_register(struct ledger *l, const char *path, struct artifact *a, struct strbuf *err)
{
	sqlite3_stmt *st;
	int rc;
	memset(a, 0, sizeof(*a));
	if (hash_file(path, a->hash, &a->size, err))
		return -1;
	a->path = xstrdup(path);
	if (ledger_exec(l, err,
			"INSERT OR IGNORE INTO artifacts(hash, size, path, created) VALUES (?,?,?,?)",
			"titd", a->hash, (int64_t)a->size, path, now_wall()))
		return -1;
	st = ledger_query(l, err, "SELECT id, stored FROM artifacts WHERE hash = ?", "t", a->hash);
	if (!st)
		return -1;
	if ((rc = ledger_step(l, st, err)) <= 0) {
		sqlite3_finalize(st);
		if (!rc)
			strbuf_addf(err, "ledger '%s': artifact %s vanished as it was recorded",
				    l->path, a->hash);
		return -1;
	}
	a->id = sqlite3_column_int64(st, 0);
	if (sqlite3_column_type(st, 1) != SQLITE_NULL)
		a->stored = xstrdup(col_text(st, 1));
	sqlite3_finalize(st);
	return 0;
}

int artifact_store(struct project *c, struct artifact *a, struct strbuf *err)
{
	char *dir, *stored = NULL;
	struct ledger *l = project_ledger(c, err);
	if (!l)
		return -1;
	if (a->stored && file_exists(a->stored))
		return 0;
	dir = project_state_subdir(c, "store", err);
	if (!dir)
		return -1;
	if (store_put(dir, a->path, a->hash, &stored, err)) {
		free(dir);
		return -1;
	}
	free(dir);
	free(a->stored);
	a->stored = stored;
	return ledger_exec(l, err, "UPDATE artifacts SET stored = ? WHERE id = ?", "ti", stored,
			   a->id);
}

static int add_fp_command(const struct cfg_entry *e, void *data)
{
	json_t *obj = data;
	struct child ch = CHILD_INIT;
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	ch.cmd = e->value;
	ch.out = &out;
	ch.errbuf = &err;
	ch.capture_max = 64 << 10;
	ch.timeout = 60;
	if (child_run(&ch, &err) || ch.status) {
		strbuf_reset(&out);
		strbuf_addf(&out, "failed: exit %d", ch.status);
	}
	strbuf_trim(&out);
	json_object_set_new(obj, e->key, json_string(out.buf));
	strbuf_release(&out);
	strbuf_release(&err);
	return 0;
}

char *fingerprint_compute(struct project *c)
{
	json_t *obj = json_object();
	const char *build = config_get(&c->cfg, "build.command");
	char *text;
	json_object_set_new(obj, "build", json_string(build ? build : ""));
	config_each(&c->cfg, "fingerprint", NULL, add_fp_command, obj);
	text = json_dumps(obj, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(obj);
	if (!text)
		BUG("cannot encode fingerprint");
	{
		char *r = xstrdup(text);
		free(text);
		return r;
	}
}

/* The [fingerprint] commands' names, the command each runs being left out. */
static int add_fp_name(const struct cfg_entry *e, void *data)
{
	json_object_set_new(data, e->key, json_string(""));
	return 0;
}

int fingerprint_config_diff(struct project *c, const char *base, struct strbuf *why)
{
	json_t *a = json_loads(base, 0, NULL), *names = json_object(), *v;
	const char *build = config_get(&c->cfg, "build.command"), *key, *was;
	int ret = 0;
	if (!json_is_object(a)) {
		ret = -1;
		goto out;
	}
	config_each(&c->cfg, "fingerprint", NULL, add_fp_name, names);
	was = json_string_value(json_object_get(a, "build"));
	if (strcmp(was ? was : "", build ? build : "")) {
		strbuf_addf(why, "build.command was \"%s\", is \"%s\"", was ? was : "",
			    build ? build : "");
		ret = 1;
		goto out;
	}
	json_object_foreach(a, key, v) {
		if (strcmp(key, "build") && !json_object_get(names, key)) {
			strbuf_addf(why, "[fingerprint] %s is no longer in the config", key);
			ret = 1;
			goto out;
		}
	}
	json_object_foreach(names, key, v) {
		if (!json_object_get(a, key)) {
			strbuf_addf(why, "[fingerprint] %s is new in the config", key);
			ret = 1;
			goto out;
		}
	}
out:
	json_decref(a);
	json_decref(names);
	return ret;
}

int fingerprint_diff(const char *base, const char *now, struct strbuf *why)
{
	json_t *a = json_loads(base, 0, NULL), *b = json_loads(now, 0, NULL);
	const char *key;
	json_t *va;
	int ret = 0;
	if (!json_is_object(a) || !json_is_object(b)) {
		ret = -1;
		goto out;
	}
	json_object_foreach(a, key, va) {
		json_t *vb = json_object_get(b, key);
		const char *sa = json_string_value(va), *sb = vb ? json_string_value(vb) : NULL;
		if (!sb) {
			strbuf_addf(why, "the baseline's fingerprint has '%s' (\"%s\") but the "
				    "current config does not", key, sa ? sa : "");
			ret = 1;
			goto out;
		}
		if (strcmp(sa ? sa : "", sb)) {
			strbuf_addf(why, "'%s' differs: baseline \"%s\", now \"%s\"", key,
				    sa ? sa : "", sb);
			ret = 1;
			goto out;
		}
	}
	json_object_foreach(b, key, va) {
		if (!json_object_get(a, key)) {
			strbuf_addf(why, "the current fingerprint has '%s' (\"%s\") that the "
				    "baseline lacks", key, json_string_value(va));
			ret = 1;
			goto out;
		}
	}
out:
	json_decref(a);
	json_decref(b);
	return ret;
}

void baseline_release(struct baseline *b)
{
	free(b->name);
	free(b->commit);
	free(b->fingerprint);
	artifact_release(&b->art);
	memset(b, 0, sizeof(*b));
}

int baseline_prepare(struct project *c, const char *path, struct baseline *out, struct strbuf *err)
{
	memset(out, 0, sizeof(*out));
	if (!project_ledger(c, err) || artifact_register(c->ledger, path, &out->art, err) ||
	    artifact_store(c, &out->art, err))
		goto fail;
	out->fingerprint = fingerprint_compute(c);
	/* a [fingerprint] command cut short would record a wrong fingerprint */
	if (proc_interrupted) {
		strbuf_addstr(err, "cut short while computing the fingerprint: no baseline saved");
		goto fail;
	}
	return 0;
fail:
	baseline_release(out);
	return -1;
}

int baseline_record(struct project *c, const char *name, const char *commit, int dirty,
		    struct baseline *b, struct strbuf *err)
{
	free(b->name);
	free(b->commit);
	b->commit = commit ? xstrdup(commit) : NULL;
	b->dirty = dirty;
	if (name)
		b->name = xstrdup(name);
	else if (commit)
		b->name = xstrndup(commit, 12);
	else
		b->name = xstrdup("baseline");
	b->created = now_wall();
	b->id = ledger_insert(c->ledger, err,
			      "INSERT INTO baselines(name, artifact_id, commit_id, dirty, "
			      "build_command, fingerprint, created) VALUES (?,?,?,?,?,?,?)",
			      "titittd", b->name, b->art.id, b->commit, (int64_t)b->dirty,
			      config_get(&c->cfg, "build.command"), b->fingerprint, b->created);
	return b->id < 0 ? -1 : 0;
}

int baseline_save(struct project *c, const char *name, const char *path, struct baseline *out,
		  struct strbuf *err)
{
	struct strbuf head = STRBUF_INIT;
	int have_head, dirty = 0;
	if (baseline_prepare(c, path, out, err))
		return -1;
	have_head = !git_head(c->worktree, &head);
	if (have_head)
		dirty = git_dirty(c->worktree) > 0;
	if (proc_interrupted) {
		strbuf_addstr(err, "cut short: no baseline saved");
		goto fail;
	}
	if (baseline_record(c, name, have_head ? head.buf : NULL, dirty, out, err))
		goto fail;
	strbuf_release(&head);
	return 0;
fail:
	strbuf_release(&head);
	baseline_release(out);
	return -1;
}

#define BASELINE_COLS                                                                     \
	"SELECT b.id, b.name, b.commit_id, b.dirty, b.fingerprint, b.created, a.id, a.hash, " \
	"a.size, a.path, a.stored FROM baselines b JOIN artifacts a ON a.id = b.artifact_id "

static void baseline_from_row(sqlite3_stmt *st, struct baseline *b)
{
	memset(b, 0, sizeof(*b));
	b->id = sqlite3_column_int64(st, 0);
	b->name = xstrdup(col_text(st, 1));
	if (sqlite3_column_type(st, 2) != SQLITE_NULL)
		b->commit = xstrdup(col_text(st, 2));
	b->dirty = sqlite3_column_int(st, 3);
	b->fingerprint = xstrdup(col_text(st, 4));
	b->created = sqlite3_column_double(st, 5);
	b->art.id = sqlite3_column_int64(st, 6);
	snprintf(b->art.hash, sizeof(b->art.hash), "%s", col_text(st, 7));
	b->art.size = (uint64_t)sqlite3_column_int64(st, 8);
	b->art.path = xstrdup(col_text(st, 9));
	if (sqlite3_column_type(st, 10) != SQLITE_NULL)
		b->art.stored = xstrdup(col_text(st, 10));
}

static int list_rows(struct ledger *l, sqlite3_stmt *st, struct baseline **out, size_t *nr,
		     struct strbuf *err)
{
	size_t alloc = 0;
	int rc;
	*out = NULL;
	*nr = 0;
	if (!st)
		return -1;
	while ((rc = ledger_step(l, st, err)) > 0) {
		ALLOC_GROW(*out, *nr + 1, alloc);
		baseline_from_row(st, &(*out)[(*nr)++]);
	}
	sqlite3_finalize(st);
	return rc;
}

int baseline_list(struct ledger *l, const char *name, struct baseline **out, size_t *nr,
		  struct strbuf *err)
{
	sqlite3_stmt *st = name ? ledger_query(l, err, BASELINE_COLS "WHERE b.name = ? ORDER BY "
					       "b.id DESC", "t", name)
				: ledger_query(l, err, BASELINE_COLS "ORDER BY b.id DESC", NULL);
	return list_rows(l, st, out, nr, err);
}

int baseline_list_hash(struct ledger *l, const char *hash, struct baseline **out, size_t *nr,
		       struct strbuf *err)
{
	sqlite3_stmt *st = ledger_query(l, err, BASELINE_COLS "WHERE a.hash = ? ORDER BY b.id DESC",
					"t", hash);
	return list_rows(l, st, out, nr, err);
}

int baseline_get(struct ledger *l, int64_t id, struct baseline *out, struct strbuf *err)
{
	sqlite3_stmt *st = ledger_query(l, err, BASELINE_COLS "WHERE b.id = ?", "i", id);
	int rc;
	if (!st)
		return -1;
	rc = ledger_step(l, st, err);
	if (rc > 0)
		baseline_from_row(st, out);
	sqlite3_finalize(st);
	return rc < 0 ? -1 : !rc;
}

int baseline_select(struct ledger *l, const char *name, const char *fp, int force,
		    struct baseline *out, struct strbuf *warn, struct strbuf *err)
{
	struct baseline *all;
	size_t nr, pick = 0;
	int found = 0, ret;
	struct strbuf why = STRBUF_INIT;

	memset(out, 0, sizeof(*out));
	if (baseline_list(l, name, &all, &nr, err))
		return -1;
	if (!nr) {
		free(all);
		if (name) {
			strbuf_addf(err, "no baseline named '%s': see 'perfloop baseline list'", name);
			return -1;
		}
		return 1;
	}
	for (size_t i = 0; i < nr && !found; i++) {
		strbuf_reset(&why);
		if (!fingerprint_diff(all[i].fingerprint, fp, &why)) {
			pick = i;
			found = 1;
		}
	}
	if (!found) {
		strbuf_reset(&why);
		fingerprint_diff(all[0].fingerprint, fp, &why);
		if (force) {
			strbuf_addf(warn, "baseline '%s' was not built the same way (%s); comparing "
				    "anyway (--force)", all[0].name, why.buf);
			found = 1;
		} else {
			strbuf_addf(err, "baseline '%s' was not built the same way: %s; rebuild and "
				    "save a baseline, or pass --force", all[0].name, why.buf);
		}
	}
	if (found) {
		*out = all[pick];
		memset(&all[pick], 0, sizeof(all[pick]));
		ret = 0;
	} else {
		ret = -1;
	}
	for (size_t i = 0; i < nr; i++)
		baseline_release(&all[i]);
	free(all);
	strbuf_release(&why);
	return ret;
}
