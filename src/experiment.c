/*
 * experiment.c: saving experiments and judging them.
 */
#include "experiment.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "banned.h"

const char *try_verdict_name(enum try_verdict v)
{
	switch (v) {
	case TRY_KEEP: return "keep";
	case TRY_KEEP_FLAT: return "keep-flat";
	case TRY_REJECT: return "reject";
	case TRY_INCONCLUSIVE: return "inconclusive";
	}
	return "?";
}

void try_join_names(struct strbuf *sb, const char *const *names, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", names[i]);
}

enum try_verdict try_decide(enum verdict time, const struct diff_result *diff,
			    const char *const *touched, size_t nr_touched,
			    const char *const *missing, size_t nr_missing, struct strbuf *reason)
{
	struct strbuf why = STRBUF_INIT;
	enum try_verdict v;
	int r;
	switch (time) {
	case VERDICT_FASTER:
		strbuf_addstr(reason, "end-to-end time is faster");
		return TRY_KEEP;
	case VERDICT_SLOWER:
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
	if (!diff) {
		strbuf_addstr(reason, "time is the same and there is no profile to show a clearly "
			      "better hotspot profile");
		return TRY_REJECT;
	}
	if (!nr_touched) {
		strbuf_addstr(reason, "time is the same and the change names no function to find "
			      "in the profile");
		return TRY_REJECT;
	}
	r = diff_keep_flat(diff, touched, nr_touched, &why);
	if (r < 0) {
		/* nothing to judge: say why rather than call it a reshuffle */
		strbuf_addstr(reason, "time is the same and keep-flat could not be judged: ");
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
		return TRY_REJECT;
	}
	v = r ? TRY_KEEP_FLAT : TRY_REJECT;
	strbuf_addf(reason, "time is the same; %s%s", why.buf,
		    v == TRY_REJECT ? ": a reshuffle without a time gain" : "");
	if (nr_missing) {
		strbuf_addstr(reason, " (not in either profile: ");
		try_join_names(reason, missing, nr_missing);
		strbuf_addch(reason, ')');
	}
	strbuf_release(&why);
	return v;
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

int experiment_set(struct ledger *l, int64_t id, const char *column, const char *value,
		   struct strbuf *err)
{
	char *sql = xstrfmt("UPDATE experiments SET %s = ? WHERE id = ?", column);
	int r = ledger_exec(l, err, sql, "ti", value, id);
	free(sql);
	return r;
}

int experiment_set_id(struct ledger *l, int64_t id, const char *column, int64_t value,
		      struct strbuf *err)
{
	char *sql = xstrfmt("UPDATE experiments SET %s = NULLIF(?, 0) WHERE id = ?", column);
	int r = ledger_exec(l, err, sql, "ii", value, id);
	free(sql);
	return r;
}

int experiment_of_patch(struct ledger *l, const char *patch_hash, int64_t *id, struct strbuf *err)
{
	return ledger_int(l, err, id, 0, "SELECT max(id) FROM experiments WHERE patch_hash = ?",
			  "t", patch_hash);
}
