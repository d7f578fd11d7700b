/*
 * experiment.c: saving experiments and judging them.
 */
#include "experiment.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metric.h"
#include "store.h"
#include "banned.h"

static const char *const status_names[] = {
	[EXP_SAVED] = "saved",		 [EXP_VALIDATING] = "validating",
	[EXP_BUILDING] = "building",	 [EXP_BENCHING] = "benching",
	[EXP_PROFILING] = "profiling",	 [EXP_DECIDED] = "decided",
	[EXP_FAILED] = "failed",	 [EXP_INTERRUPTED] = "interrupted",
	[EXP_KEPT] = "kept",		 [EXP_REVERTED] = "reverted",
	[EXP_ABANDONED] = "abandoned",
};

const char *exp_status_name(enum exp_status s)
{
	return (size_t)s < ARRAY_SIZE(status_names) ? status_names[s] : "?";
}

int exp_status_parse(const char *name, enum exp_status *out)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(status_names); i++)
		if (!strcmp(name, status_names[i])) {
			*out = (enum exp_status)i;
			return 0;
		}
	return -1;
}

int exp_status_in_progress(enum exp_status s)
{
	return s <= EXP_PROFILING;
}

char *exp_in_progress_sql(void)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "status IN (");
	for (size_t i = 0; i < ARRAY_SIZE(status_names); i++)
		if (exp_status_in_progress((enum exp_status)i))
			strbuf_addf(&sb, "%s'%s'", i ? "," : "", status_names[i]);
	strbuf_addch(&sb, ')');
	return strbuf_detach(&sb, NULL);
}

static const char *const verdict_names[] = {
	[TRY_NONE] = NULL,
	[TRY_KEEP] = "keep",
	[TRY_KEEP_FLAT] = "keep-flat",
	[TRY_REJECT] = "reject",
	[TRY_INCONCLUSIVE] = "inconclusive",
};

const char *try_verdict_name(enum try_verdict v)
{
	return (size_t)v < ARRAY_SIZE(verdict_names) ? verdict_names[v] : "?";
}

int try_verdict_parse(const char *name, enum try_verdict *out)
{
	if (!name) {
		*out = TRY_NONE;
		return 0;
	}
	for (size_t i = 1; i < ARRAY_SIZE(verdict_names); i++)
		if (!strcmp(name, verdict_names[i])) {
			*out = (enum try_verdict)i;
			return 0;
		}
	return -1;
}

int try_verdict_keeps(enum try_verdict v)
{
	return v == TRY_KEEP || v == TRY_KEEP_FLAT;
}

void try_join_names(struct strbuf *sb, const char *const *names, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", names[i]);
}

enum try_verdict try_cross_check(enum try_verdict v, const char *contradiction, int warn_only,
				 const char *metric, struct strbuf *reason)
{
	if (!contradiction || (v != TRY_KEEP && v != TRY_REJECT))
		return v;
	if (warn_only) {
		strbuf_addf(reason, "; a cross-check disagrees: %s (bench.cross-check = warn: %s "
			    "decides alone)",
			    contradiction, metric);
		return v;
	}
	strbuf_reset(reason);
	strbuf_addf(reason, "the metrics disagree: %s; find out why, or set bench.cross-check = "
		    "warn to let %s decide alone",
		    contradiction, metric);
	return TRY_INCONCLUSIVE;
}

enum try_verdict try_decide(enum verdict time, const char *metric, const struct diff_result *diff,
			    const char *const *touched, size_t nr_touched,
			    const char *const *missing, size_t nr_missing, struct strbuf *reason)
{
	struct strbuf why = STRBUF_INIT, same = STRBUF_INIT;
	int by = metric && strcmp(metric, "wall");
	enum try_verdict v;
	int r;
	switch (time) {
	case VERDICT_FASTER:
		if (by)
			strbuf_addf(reason, "faster by %s", metric);
		else
			strbuf_addstr(reason, "end-to-end time is faster");
		return TRY_KEEP;
	case VERDICT_SLOWER:
		if (by)
			strbuf_addf(reason, "slower by %s", metric);
		else
			strbuf_addstr(reason, "end-to-end time is slower");
		return TRY_REJECT;
	case VERDICT_INCONCLUSIVE:
	case VERDICT_CONTINUE:
		strbuf_addstr(reason, "the bench could not tell: run more pairs (--runs) or "
			      "calibrate the noise");
		return TRY_INCONCLUSIVE;
	case VERDICT_SAME:
		break;
	}
	if (by)
		strbuf_addf(&same, "the same by %s", metric);
	else
		strbuf_addstr(&same, "time is the same");
	if (!diff) {
		strbuf_addf(reason, "%s and there is no profile to show a clearly better hotspot "
			    "profile", same.buf);
		strbuf_release(&same);
		return TRY_REJECT;
	}
	if (!nr_touched) {
		strbuf_addf(reason, "%s and the change names no function to find in the profile",
			    same.buf);
		strbuf_release(&same);
		return TRY_REJECT;
	}
	r = diff_keep_flat(diff, touched, nr_touched, &why);
	if (r < 0) {
		/* nothing to judge: say why rather than call it a reshuffle */
		strbuf_addf(reason, "%s and keep-flat could not be judged: ", same.buf);
		if (nr_missing) {
			strbuf_addstr(reason, "touched ");
			try_join_names(reason, missing, nr_missing);
			strbuf_addf(reason, " not in either profile (" TRY_MISSING_HINT ")%s",
				    nr_missing < nr_touched ? ", the others under the percent limit"
							    : "");
		} else {
			strbuf_addstr(reason, "the touched functions are under the percent limit "
					      "in both profiles");
		}
		strbuf_release(&why);
		strbuf_release(&same);
		return TRY_REJECT;
	}
	v = r ? TRY_KEEP_FLAT : TRY_REJECT;
	strbuf_addf(reason, "%s; %s%s", same.buf, why.buf,
		    v == TRY_REJECT ? ": a reshuffle without a time gain" : "");
	if (nr_missing) {
		strbuf_addstr(reason, " (not in either profile: ");
		try_join_names(reason, missing, nr_missing);
		strbuf_addch(reason, ')');
	}
	strbuf_release(&why);
	strbuf_release(&same);
	return v;
}

static const char *const expect_names[] = {
	[EXPECT_NO_PROFILE] = "no-profile",
	[EXPECT_NO_TOUCHED] = "no-touched",
	[EXPECT_NOT_FOUND] = "not-found",
	[EXPECT_OK] = "ok",
};

const char *exp_expect_name(enum exp_expect s)
{
	return (size_t)s < ARRAY_SIZE(expect_names) ? expect_names[s] : "?";
}

void exp_expected_gain(json_t *rows, size_t nr_touched, double base_median,
		       struct exp_expected *out)
{
	json_t *row;
	size_t i;
	memset(out, 0, sizeof(*out));
	out->seconds = NAN;
	if (!json_is_array(rows)) {
		out->state = EXPECT_NO_PROFILE;
		return;
	}
	json_array_foreach(rows, i, row) {
		json_t *base = json_object_get(row, "base"), *cand = json_object_get(row, "new");
		if (!json_is_true(json_object_get(row, "touched")) || !json_is_number(base) ||
		    !json_is_number(cand))
			continue;
		out->points += json_number_value(base) - json_number_value(cand);
		out->rows++;
	}
	out->state = out->rows ? EXPECT_OK : nr_touched ? EXPECT_NOT_FOUND : EXPECT_NO_TOUCHED;
	if (out->state != EXPECT_OK)
		out->points = 0;
	else if (isfinite(base_median) && base_median > 0)
		out->seconds = out->points / 100 * base_median;
}

/* "-74.0 ms", "+1.23 s" */
static void add_secs(struct strbuf *sb, double s)
{
	if (fabs(s) < 1)
		strbuf_addf(sb, "%+.1f ms", s * 1000);
	else
		strbuf_addf(sb, "%+.3g s", s);
}

void exp_expected_text(const struct exp_expected *x, double ratio, struct strbuf *out)
{
	switch (x->state) {
	case EXPECT_NO_PROFILE:
		strbuf_addstr(out, "no profile to predict the gain from");
		break;
	case EXPECT_NO_TOUCHED:
		strbuf_addstr(out, "the change names no function: the profile predicts nothing");
		break;
	case EXPECT_NOT_FOUND:
		strbuf_addstr(out, "the touched functions are not in the hotspot diff (" TRY_MISSING_HINT
			      ", or under the percent limit): the profile predicts nothing");
		break;
	case EXPECT_OK:
		strbuf_addf(out, "profile predicts %+.1f%%", -x->points);
		if (isfinite(x->seconds)) {
			strbuf_addstr(out, " (");
			add_secs(out, -x->seconds);
			strbuf_addch(out, ')');
		}
		break;
	}
	if (isfinite(ratio) && ratio > 0)
		strbuf_addf(out, ", measured %+.1f%%", (ratio - 1) * 100);
}

static json_t *real_or_null(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

json_t *exp_expected_json(const struct exp_expected *x, double ratio)
{
	json_t *o = json_object();
	struct strbuf text = STRBUF_INIT;
	int ok = x->state == EXPECT_OK;
	exp_expected_text(x, ratio, &text);
	json_object_set_new(o, "state", json_string(exp_expect_name(x->state)));
	json_object_set_new(o, "points", ok ? json_real(x->points) : json_null());
	json_object_set_new(o, "change", ok ? json_real(-x->points / 100) : json_null());
	json_object_set_new(o, "seconds", ok ? real_or_null(x->seconds) : json_null());
	json_object_set_new(o, "measured_change",
			    isfinite(ratio) && ratio > 0 ? json_real(ratio - 1) : json_null());
	json_object_set_new(o, "text", json_string(text.buf));
	strbuf_release(&text);
	return o;
}

static int is_ident(int c)
{
	return isalnum(c) || c == '_';
}

/* The identifier right before the first '(' in s, or in "fn NAME"; into out. */
static int function_in_line(const char *s, size_t len, struct strbuf *out)
{
	char *line = xstrndup(s, len), *p, *paren, *end, *start;
	int found = 0;
	if ((p = strstr(line, "fn ")) && (p == line || !is_ident((unsigned char)p[-1]))) {
		start = p + 3;
		while (*start == ' ')
			start++;
		end = start;
		while (is_ident((unsigned char)*end))
			end++;
		if (end > start) {
			strbuf_add(out, start, (size_t)(end - start));
			found = 1;
		}
	} else {
		/* the identifier before a '(' that is not an attribute or a keyword */
		static const char *const skip[] = { "__attribute__", "__declspec", "alignas",
						    "if", "while", "for", "switch", "return",
						    "sizeof", "defined", "__typeof__", "typeof" };
		for (paren = strchr(line, '('); paren && !found; paren = strchr(paren + 1, '(')) {
			int keyword = 0;
			end = paren;
			while (end > line && end[-1] == ' ')
				end--;
			start = end;
			while (start > line && is_ident((unsigned char)start[-1]))
				start--;
			if (end == start || isdigit((unsigned char)*start))
				continue;
			for (size_t i = 0; i < ARRAY_SIZE(skip); i++)
				if ((size_t)(end - start) == strlen(skip[i]) &&
				    !strncmp(start, skip[i], strlen(skip[i])))
					keyword = 1;
			if (keyword)
				continue;
			strbuf_add(out, start, (size_t)(end - start));
			found = 1;
		}
	}
	free(line);
	return found;
}

static void add_unique(struct strbuf *out, const char *name, int *count)
{
	size_t n = strlen(name);
	for (const char *p = out->buf; *p;) {
		const char *eol = strchr(p, '\n');
		size_t l = eol ? (size_t)(eol - p) : strlen(p);
		if (l == n && !strncmp(p, name, n))
			return;
		p += l + (eol ? 1 : 0);
	}
	strbuf_addstr(out, name);
	strbuf_addch(out, '\n');
	(*count)++;
}

/*
 * Is a hunk header's context a declaration, not the function around the
 * change? git takes the nearest line that starts with a letter, which in a
 * header is often a prototype ("int f(void);" and a comment): it ends in ';'
 * once a trailing comment is dropped.
 */
static int is_declaration(const char *s, size_t l)
{
	const char *c;
	while (l && isspace((unsigned char)s[l - 1]))
		l--;
	if (l >= 2 && s[l - 2] == '*' && s[l - 1] == '/') {
		for (c = s + l - 2; c > s && !(c[-1] == '/' && c[0] == '*'); c--)
			;
		if (c > s)
			l = (size_t)(c - 1 - s);
	} else if ((c = memmem(s, l, "//", 2))) {
		l = (size_t)(c - s);
	}
	while (l && isspace((unsigned char)s[l - 1]))
		l--;
	return l && s[l - 1] == ';';
}

/* Does a diff line's text define a function: Rust "fn x(", or a C/C++ "type name(" at column 0? */
static int is_definition(const char *s, size_t l)
{
	const char *fn = memmem(s, l, "fn ", 3);
	if (fn && (fn == s || !is_ident((unsigned char)fn[-1])) && memchr(s, '(', l))
		return 1;
	return l && (isalpha((unsigned char)*s) || *s == '_') && memchr(s, '(', l) &&
	       s[l - 1] != ';' && !memchr(s, '=', l);
}

int touched_functions(const char *patch, struct strbuf *out)
{
	struct strbuf cur = STRBUF_INIT, name = STRBUF_INIT;
	int count = 0;
	for (const char *p = patch; *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		const char *s = p + 1;
		size_t l = n ? n - 1 : 0;
		int changed = n && (*p == '+' || *p == '-') && strncmp(p, "+++", 3) &&
			      strncmp(p, "---", 3);
		if (!strncmp(p, "diff ", 5)) {
			strbuf_reset(&cur);
		} else if (n > 2 && !strncmp(p, "@@", 2)) {
			/* "@@ -a,b +c,d @@ context": git names the enclosing function */
			const char *ctx = memmem(p + 2, n - 2, "@@", 2);
			size_t cl = ctx ? n - (size_t)(ctx + 2 - p) : 0;
			strbuf_reset(&cur);
			if (ctx && !is_declaration(ctx + 2, cl))
				function_in_line(ctx + 2, cl, &cur);
		} else if (changed || (n && *p == ' ')) {
			/* follow definitions inside the hunk; a change counts for its function */
			strbuf_reset(&name);
			if (is_definition(s, l) && function_in_line(s, l, &name)) {
				strbuf_reset(&cur);
				strbuf_addbuf(&cur, &name);
				if (changed)
					add_unique(out, cur.buf, &count);
			} else if (l == 1 && *s == '}' && !changed) {
				strbuf_reset(&cur);
			} else if (changed && cur.len) {
				add_unique(out, cur.buf, &count);
			}
		}
		p += n + (eol ? 1 : 0);
	}
	strbuf_release(&cur);
	strbuf_release(&name);
	return count;
}

void patch_hash(const char *patch, size_t len, char *hex)
{
	hash_mem(patch, len, hex);
}

int64_t experiment_save(struct ledger *l, const char *message, const char *patch,
			const char *files, const char *base_commit, struct strbuf *err)
{
	char hex[HASH_HEX];
	json_t *arr = json_array();
	char *files_json;
	int64_t id;
	for (const char *p = files; *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		json_array_append_new(arr, json_stringn(p, n));
		p += n + (eol ? 1 : 0);
	}
	files_json = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	patch_hash(patch, strlen(patch), hex);
	id = ledger_insert(l, err,
			   "INSERT INTO experiments(created, message, patch, patch_hash, base_commit, "
			   "files, status, owner_pid, owner_start, owner_host) "
			   "VALUES (?,?,?,?,?,?,'saved',?,?,?)",
			   "dttttt" "iit", now_wall(), message, patch, hex, base_commit, files_json,
			   ledger_owner()->pid, ledger_owner()->start, ledger_owner()->host);
	free(files_json);
	return id;
}

int64_t experiment_save_failed(struct ledger *l, const char *message, const char *patch,
			       const char *base_commit, const char *reason, struct strbuf *err)
{
	char hex[HASH_HEX];
	double now = now_wall();
	patch_hash(patch, strlen(patch), hex);
	return ledger_insert(l, err,
			     "INSERT INTO experiments(created, finished, message, patch, patch_hash, "
			     "base_commit, files, status, reason) VALUES (?,?,?,?,?,?,'[]','failed',?)",
			     "ddttttt", now, now, message, patch, hex, base_commit, reason);
}

int experiment_set_touched(struct ledger *l, int64_t id, const char *touched_json,
			   struct strbuf *err)
{
	return ledger_exec(l, err, "UPDATE experiments SET touched = ? WHERE id = ?", "ti",
			   touched_json, id);
}

int experiment_record_step(struct ledger *l, int64_t id, enum exp_status step, struct strbuf *err)
{
	if (!exp_status_in_progress(step))
		BUG("experiment step '%s' is not a step", exp_status_name(step));
	return ledger_exec(l, err, "UPDATE experiments SET status = ? WHERE id = ?", "ti",
			   exp_status_name(step), id);
}

int experiment_record_build(struct ledger *l, int64_t id, int64_t build_id, struct strbuf *err)
{
	return ledger_exec(l, err, "UPDATE experiments SET build_id = NULLIF(?, 0) WHERE id = ?",
			   "ii", build_id, id);
}

int experiment_record_baseline(struct ledger *l, int64_t id, int64_t baseline_id,
			       struct strbuf *err)
{
	return ledger_exec(l, err,
			   "UPDATE experiments SET baseline_id = NULLIF(?, 0) WHERE id = ?", "ii",
			   baseline_id, id);
}

int experiment_record_bench(struct ledger *l, int64_t id, int64_t bench_id, struct strbuf *err)
{
	return ledger_exec(l, err, "UPDATE experiments SET bench_id = NULLIF(?, 0) WHERE id = ?",
			   "ii", bench_id, id);
}

int experiment_record_profile(struct ledger *l, int64_t id, int64_t profile_id,
			      int64_t base_profile_id, const char *diff_json, struct strbuf *err)
{
	return ledger_exec(l, err,
			   "UPDATE experiments SET profile_id = NULLIF(?, 0), "
			   "base_profile_id = NULLIF(?, 0), diff = ? WHERE id = ?",
			   "iiti", profile_id, base_profile_id, diff_json, id);
}

int experiment_stop(struct ledger *l, int64_t id, enum exp_status status, const char *reason,
		    const char *log, struct strbuf *err)
{
	if (status != EXP_FAILED && status != EXP_INTERRUPTED)
		BUG("an experiment stops failed or interrupted, not '%s'", exp_status_name(status));
	return ledger_exec(l, err,
			   "UPDATE experiments SET status = ?, reason = ?, log = COALESCE(?, log), "
			   "finished = ? WHERE id = ?",
			   "tttdi", exp_status_name(status), reason, log, now_wall(), id);
}

int experiment_decide(struct ledger *l, int64_t id, enum try_verdict verdict, const char *reason,
		      struct strbuf *err)
{
	if (verdict == TRY_NONE)
		BUG("deciding experiment %lld without a verdict", (long long)id);
	return ledger_exec(l, err,
			   "UPDATE experiments SET status = 'decided', verdict = ?, reason = ?, "
			   "finished = ? WHERE id = ?",
			   "ttdi", try_verdict_name(verdict), reason, now_wall(), id);
}

int experiment_close_unfinished(struct ledger *l, int64_t id, int interrupted, struct strbuf *err)
{
	char *cond = exp_in_progress_sql();
	char *sql = xstrfmt("UPDATE experiments SET status = ?, reason = ?, finished = ? "
			    "WHERE id = ? AND %s",
			    cond);
	enum exp_status status = interrupted ? EXP_INTERRUPTED : EXP_FAILED;
	const char *why = interrupted ? "interrupted" : "perfloop stopped with an error";
	int r = ledger_exec(l, err, sql, "ttdi", exp_status_name(status), why, now_wall(), id);
	free(sql);
	free(cond);
	return r;
}

int experiment_keep(struct ledger *l, int64_t id, const char *commit, struct strbuf *err)
{
	return ledger_exec(l, err,
			   "UPDATE experiments SET status = 'kept', commit_id = ? WHERE id = ?", "ti",
			   commit, id);
}

int experiment_record_push(struct ledger *l, int64_t id, const char *via, struct strbuf *err)
{
	return ledger_exec(l, err, "UPDATE experiments SET pushed = ? WHERE id = ?", "ti", via, id);
}

int experiment_revert(struct ledger *l, const char *patch, const char *files,
		      const char *base_commit, int64_t *id, struct strbuf *err)
{
	char hash[HASH_HEX];
	patch_hash(patch, strlen(patch), hash);
	if (experiment_of_patch(l, hash, id, err))
		return -1;
	if (!*id) {
		*id = experiment_save(l, NULL, patch, files, base_commit, err);
		if (*id < 0 ||
		    ledger_exec(l, err,
				"UPDATE experiments SET verdict = 'reject', reason = 'reverted "
				"without a try' WHERE id = ?",
				"i", *id))
			return -1;
	}
	return ledger_exec(l, err,
			   "UPDATE experiments SET status = 'reverted', "
			   "verdict = COALESCE(verdict, 'reject'), "
			   "finished = COALESCE(finished, ?) WHERE id = ?",
			   "di", now_wall(), *id);
}

int experiment_of_patch(struct ledger *l, const char *patch_hash, int64_t *id, struct strbuf *err)
{
	return ledger_int(l, err, id, 0, "SELECT max(id) FROM experiments WHERE patch_hash = ?",
			  "t", patch_hash);
}

/* The verdict in column col of experiment id; -1 (err) for a name that is none. */
static int read_verdict(sqlite3_stmt *st, int col, int64_t id, enum try_verdict *out,
			struct strbuf *err)
{
	const char *name = col_text_or_null(st, col);
	if (!try_verdict_parse(name, out))
		return 0;
	strbuf_addf(err, "experiment %lld has an unknown verdict '%s' in the ledger", (long long)id,
		    name);
	return -1;
}

static int read_decision(sqlite3_stmt *st, void *out, struct strbuf *err)
{
	struct exp_decision *d = out;
	d->id = sqlite3_column_int64(st, 0);
	d->message = col_dup(st, 2);
	return read_verdict(st, 1, d->id, &d->verdict, err);
}

int experiment_decided(struct ledger *l, const char *patch_hash, struct exp_decision *out,
		       struct strbuf *err)
{
	int rc;
	memset(out, 0, sizeof(*out));
	rc = ledger_row(l,
			ledger_query(l, err,
				     "SELECT id, verdict, message FROM experiments "
				     "WHERE patch_hash = ? AND status = 'decided' "
				     "ORDER BY id DESC LIMIT 1",
				     "t", patch_hash),
			read_decision, out, err);
	if (rc < 0)
		exp_decision_release(out);
	return rc;
}

void exp_decision_release(struct exp_decision *d)
{
	free(d->message);
	memset(d, 0, sizeof(*d));
}

static int read_summary(sqlite3_stmt *st, void *out, struct strbuf *err)
{
	struct exp_summary *e = out;
	e->id = sqlite3_column_int64(st, 0);
	e->message = col_dup(st, 1);
	e->reason = xstrdup(col_text(st, 4));
	e->has_ratio = sqlite3_column_type(st, 5) != SQLITE_NULL;
	e->ratio = sqlite3_column_double(st, 5);
	e->commit = col_dup(st, 6);
	e->base_commit = col_dup(st, 7);
	e->baseline_id = sqlite3_column_int64(st, 8);
	/* a bench from before metrics were recorded judged wall time */
	e->metric = metric_lookup(col_text_or_null(st, 9));
	if (!e->metric)
		e->metric = METRIC_WALL;
	if (exp_status_parse(col_text(st, 2), &e->status)) {
		strbuf_addf(err, "experiment %lld has an unknown status '%s' in the ledger",
			    (long long)e->id, col_text(st, 2));
		return -1;
	}
	return read_verdict(st, 3, e->id, &e->verdict, err);
}

#define SUMMARY_SQL                                                                   \
	"SELECT e.id, e.message, e.status, e.verdict, e.reason, b.ratio, e.commit_id, "  \
	"e.base_commit, e.baseline_id, b.metric FROM experiments e "                    \
	"LEFT JOIN benches b ON b.id = e.bench_id "

int experiment_last(struct ledger *l, struct exp_summary *out, struct strbuf *err)
{
	int rc;
	memset(out, 0, sizeof(*out));
	rc = ledger_row(l, ledger_query(l, err, SUMMARY_SQL "ORDER BY e.id DESC LIMIT 1", NULL),
			read_summary, out, err);
	if (rc < 0)
		exp_summary_release(out);
	return rc;
}

int experiment_get(struct ledger *l, int64_t id, struct exp_summary *out, struct strbuf *err)
{
	int rc;
	memset(out, 0, sizeof(*out));
	rc = ledger_row(l, ledger_query(l, err, SUMMARY_SQL "WHERE e.id = ?", "i", id),
			read_summary, out, err);
	if (rc < 0)
		exp_summary_release(out);
	return rc;
}

void exp_summary_release(struct exp_summary *e)
{
	free(e->message);
	free(e->reason);
	free(e->commit);
	free(e->base_commit);
	memset(e, 0, sizeof(*e));
}

int experiment_patch(struct ledger *l, int64_t id, struct strbuf *out, struct strbuf *err)
{
	sqlite3_stmt *st =
		ledger_query(l, err, "SELECT patch FROM experiments WHERE id = ?", "i", id);
	int rc;
	if (!st)
		return -1;
	if ((rc = ledger_step(l, st, err)) > 0 && sqlite3_column_bytes(st, 0) > 0)
		strbuf_add(out, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	sqlite3_finalize(st);
	return rc;
}
