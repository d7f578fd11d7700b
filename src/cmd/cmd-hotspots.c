/*
 * cmd-hotspots.c: `perfloop hotspots`, the flat profile of a perf.data file
 * (perf report --stdio --no-children -g none, natively) with hint
 * categories, as text, JSON or folded stacks.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "perf/hints.h"
#include "perf/hists.h"
#include "perf/symbols.h"
#include "profile.h"
#include "banned.h"

#define MAX_HINTS 8

struct view {
	struct hints hints;
	double limit;
	long max_rows;
	enum hist_sort sort;
	/*
	 * categories shown, by rule index: bit 0 for rows given the generic
	 * advice, bit k + 1 for rows given the rule's lang_advice[k]
	 */
	unsigned *used;
	int caution_shown;
};

/*
 * Hint categories of a row, and whether its caution applies; marks which
 * advice of each category the legend must show (the symbol's language's).
 */
static size_t row_hints(struct view *v, const struct hist_event *e, const struct hist_row *row,
			size_t *idx, const char **caution)
{
	size_t n = hints_match(&v->hints, row->dso, row->resolved ? row->sym : NULL, row->level,
			       idx, MAX_HINTS);
	const char *lang = row->resolved ? sym_language(row->raw) : NULL;
	double pct = hist_percent(e, row);
	*caution = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct hint_rule *r = &v->hints.rules[idx[i]];
		int k = hints_lang_index(r, lang);
		if (r->caution && pct < r->caution_below)
			*caution = r->caution;
		v->used[idx[i]] |= k >= 0 && k < 31 ? 1u << (k + 1) : 1u;
	}
	return n;
}

static json_t *event_json(struct view *v, const struct hist_event *e)
{
	json_t *o = json_object(), *rows = json_array();
	long shown = 0;
	json_object_set_new(o, "event", json_string(e->name));
	json_object_set_new(o, "total_samples", json_integer((json_int_t)e->nr_samples));
	json_object_set_new(o, "total_period", json_integer((json_int_t)e->total_period));
	for (size_t i = 0; i < e->nr_rows; i++) {
		const struct hist_row *row = &e->rows[i];
		size_t idx[MAX_HINTS], n;
		const char *caution;
		json_t *r, *h;
		if (!hist_above_limit(e, row, v->limit) || (v->max_rows && shown >= v->max_rows))
			continue;
		shown++;
		r = json_object();
		if (row->comm)
			json_object_set_new(r, "comm", json_string(row->comm));
		json_object_set_new(r, "dso", json_string(row->dso));
		json_object_set_new(r, "symbol", json_string(row->sym));
		json_object_set_new(r, "percent", json_real(hist_percent(e, row)));
		json_object_set_new(r, "samples", json_integer((json_int_t)row->samples));
		json_object_set_new(r, "period", json_integer((json_int_t)row->period));
		json_object_set_new(r, "level", json_sprintf("%c", row->level));
		json_object_set_new(r, "resolved", json_boolean(row->resolved));
		json_object_set_new(r, "language", row->resolved && sym_language(row->raw)
							   ? json_string(sym_language(row->raw))
							   : json_null());
		n = row_hints(v, e, row, idx, &caution);
		h = json_array();
		for (size_t k = 0; k < n; k++)
			json_array_append_new(h, json_string(v->hints.rules[idx[k]].category));
		json_object_set_new(r, "hints", h);
		json_object_set_new(r, "caution", caution ? json_string(caution) : json_null());
		json_array_append_new(rows, r);
	}
	json_object_set_new(o, "rows", rows);
	return o;
}

static void print_event(struct view *v, const struct hist_event *e)
{
	int dso_w = 13, comm_w = 7;
	long shown = 0;
	for (size_t i = 0; i < e->nr_rows && (!v->max_rows || (long)i < v->max_rows); i++) {
		int n = (int)strlen(e->rows[i].dso);
		if (n > dso_w)
			dso_w = n > 40 ? 40 : n;
		if (e->rows[i].comm && (int)strlen(e->rows[i].comm) > comm_w)
			comm_w =
			    (int)strlen(e->rows[i].comm) > 24 ? 24 : (int)strlen(e->rows[i].comm);
	}
	printf("# Overhead  Samples  ");
	if (v->sort == HIST_SORT_COMM_DSO_SYM)
		printf("%-*s  ", comm_w, "Command");
	if (v->sort != HIST_SORT_SYM)
		printf("%-*s  ", dso_w, "Shared Object");
	printf("Symbol  [hints]\n");
	for (size_t i = 0; i < e->nr_rows; i++) {
		const struct hist_row *row = &e->rows[i];
		size_t idx[MAX_HINTS], n;
		const char *caution;
		if (!hist_above_limit(e, row, v->limit))
			continue;
		if (v->max_rows && shown >= v->max_rows) {
			printf("# ... more rows above %.2f%%: --limit 0 shows them all\n",
			       v->limit);
			break;
		}
		shown++;
		printf("%9.2f%%  %7llu  ", hist_percent(e, row), (unsigned long long)row->samples);
		if (v->sort == HIST_SORT_COMM_DSO_SYM)
			printf("%-*s  ", comm_w, row->comm);
		if (v->sort != HIST_SORT_SYM)
			printf("%-*s  ", dso_w, row->dso);
		printf("[%c] %s", row->level, row->sym);
		n = row_hints(v, e, row, idx, &caution);
		for (size_t k = 0; k < n; k++)
			printf("%s%s", k ? "," : "  [", v->hints.rules[idx[k]].category);
		if (n)
			printf("%s]", caution ? " *" : "");
		if (caution)
			v->caution_shown = 1;
		printf("\n");
	}
	if (!shown)
		printf("# no row at or above %.2f%%\n", v->limit);
}

static void print_legend(struct view *v)
{
	int any = 0;
	for (size_t i = 0; i < v->hints.nr; i++) {
		const struct hint_rule *r = &v->hints.rules[i];
		if ((v->used[i] & 1u) && r->advice) {
			if (!any++)
				printf("\nhints:\n");
			printf("  %-10s %s\n", r->category, r->advice);
		}
		for (size_t k = 0; k < r->nr_lang && k < 31; k++) {
			if (!(v->used[i] & (1u << (k + 1))))
				continue;
			if (!any++)
				printf("\nhints:\n");
			printf("  %-10s %s: %s\n", r->category, r->lang_advice[k].lang,
			       r->lang_advice[k].text);
		}
	}
	for (size_t i = 0; v->caution_shown && i < v->hints.nr; i++) {
		const struct hint_rule *r = &v->hints.rules[i];
		if (v->used[i] && r->caution)
			printf("  * %s (%s rows under %.0f%%)\n", r->caution, r->category,
			       r->caution_below);
	}
}

/* {"rust": "..."}: the language-specific advice some row was given. */
static json_t *lang_advice_json(const struct hint_rule *r, unsigned used)
{
	json_t *o = json_object();
	for (size_t k = 0; k < r->nr_lang && k < 31; k++)
		if (used & (1u << (k + 1)))
			json_object_set_new(o, r->lang_advice[k].lang,
					    json_string(r->lang_advice[k].text));
	return o;
}

static int print_folded(const struct hist_report *r, const char *label)
{
	if (r->dwarf_callchains)
		return error("%s has DWARF call graphs (--callgraph dwarf), which need stack "
			     "unwinding perfloop does not do: record with --callgraph fp for folded "
			     "stacks",
			     label);
	if (!r->has_callchains)
		return error("%s has no call chains (recorded with callgraph none): record it with "
			     "'perfloop profile --callgraph fp' to get folded stacks",
			     label);
	for (size_t i = 0; i < r->nr_folded; i++)
		printf("%s %llu\n", r->folded[i].stack, (unsigned long long)r->folded[i].samples);
	return 0;
}

static void print_warnings(const struct strbuf *w)
{
	const char *p = w->buf;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		warning("%.*s", (int)n, p);
		p += n + (eol ? 1 : 0);
	}
}

static int cmd_hotspots(const struct cmd_args *a, struct project *c)
{
	struct strbuf err = STRBUF_INIT, note = STRBUF_INIT;
	struct profile_source src;
	struct hist_opts o;
	struct hist_report r;
	struct view v;
	const char *sort = config_get(&c->cfg, "profile.sort"), *hints_file;
	const char *sort_opt = args_get(a, "sort"), *limit = args_get(a, "percent-limit");
	char *cache = NULL;
	int json = args_has(a, "json"), folded = args_has(a, "folded"), ret = EXIT_FATAL;
	const struct hist_event *first = NULL;

	memset(&v, 0, sizeof(v));
	memset(&src, 0, sizeof(src));
	v.limit = config_get_real(&c->cfg, "profile.percent-limit");
	v.max_rows = args_int(a, "limit", config_get_int(&c->cfg, "profile.limit"));
	if (sort_opt && hist_sort_parse(sort_opt, &v.sort))
		return usage_error(a, "--sort takes sym, dso,sym or comm,dso,sym, not '%s'", sort_opt);
	if (sort_opt)
		sort = NULL;
	if (limit && (parse_double(limit, &v.limit) || v.limit < 0 || v.limit > 100))
		return usage_error(a, "--percent-limit needs a percentage, not '%s'", limit);
	memset(&r, 0, sizeof(r));
	if (sort && hist_sort_parse(sort, &v.sort)) {
		const struct cfg_entry *ce = config_entry(&c->cfg, "profile.sort");
		die("bad value '%s' for profile.sort (%s:%d): use sym, dso,sym or comm,dso,sym",
		    sort, ce ? ce->file : "?", ce ? ce->line : 0);
	}
	/* from here on errors release what they hold: no die() */
	if (profile_source_resolve(c, a->argc ? a->argv[0] : NULL, &src, &note, &err)) {
		error("%s", err.buf);
		goto out;
	}
	if (note.len)
		info("%s", note.buf);
	profile_hist_opts(&c->cfg, &o, &cache);
	o.sort = v.sort;
	o.folded = folded;
	o.name_limit = v.limit;
	/* rows not shown count only for the column widths: over the first --limit rows */
	o.hidden_sorted = v.max_rows > 0 ? (size_t)v.max_rows : 0;
	o.aliases = src.aliases;
	o.nr_aliases = src.nr_aliases;
	hints_builtin(&v.hints);
	hints_file = config_get(&c->cfg, "profile.hints");
	if (hints_file && !folded) {
		char *p = config_get_path(&c->cfg, "profile.hints");
		int bad = hints_load_file(&v.hints, p, &err);
		free(p);
		if (bad) {
			error("%s", err.buf);
			goto out;
		}
	}
	if (hists_build(src.path, &o, &r, &err)) {
		error("%s", err.buf);
		goto out;
	}
	print_warnings(&r.warn);
	if (folded) {
		if (!print_folded(&r, src.label))
			ret = 0;
		goto out;
	}
	v.used = xcalloc(v.hints.nr + 1, sizeof(*v.used));
	for (size_t i = 0; i < r.nr_events; i++)
		if (r.events[i].nr_samples && !first)
			first = &r.events[i];

	if (json) {
		json_t *doc = json_object(), *events = json_array(), *hints = json_object();
		json_t *top = NULL;
		json_object_set_new(doc, "profile",
				    src.prof.id ? json_integer(src.prof.id) : json_null());
		json_object_set_new(doc, "path", json_string(src.path));
		json_object_set_new(doc, "sort", json_string(hist_sort_name(v.sort)));
		json_object_set_new(doc, "percent_limit", json_real(v.limit));
		json_object_set_new(doc, "event_requested",
				    src.prof.event ? json_string(src.prof.event) : json_null());
		json_object_set_new(doc, "lost", json_integer((json_int_t)r.lost));
		for (size_t i = 0; i < r.nr_events; i++) {
			json_t *ev;
			if (!r.events[i].nr_samples)
				continue;
			ev = event_json(&v, &r.events[i]);
			if (&r.events[i] == first)
				top = ev;
			json_array_append_new(events, ev);
		}
		json_object_set_new(doc, "event", json_string(first ? first->name : ""));
		json_object_set_new(doc, "total_samples",
				    json_integer(first ? (json_int_t)first->nr_samples : 0));
		json_object_set_new(doc, "total_period",
				    json_integer(first ? (json_int_t)first->total_period : 0));
		if (top)
			json_object_set(doc, "rows", json_object_get(top, "rows"));
		else
			json_object_set_new(doc, "rows", json_array());
		json_object_set_new(doc, "events", events);
		for (size_t i = 0; i < v.hints.nr; i++) {
			json_t *h;
			if (!v.used[i])
				continue;
			h = json_object();
			json_object_set_new(h, "advice",
					    v.hints.rules[i].advice
						? json_string(v.hints.rules[i].advice)
						: json_null());
			json_object_set_new(h, "languages", lang_advice_json(&v.hints.rules[i],
									     v.used[i]));
			json_object_set_new(h, "caution",
					    v.hints.rules[i].caution
						? json_string(v.hints.rules[i].caution)
						: json_null());
			json_object_set_new(hints, v.hints.rules[i].category, h);
		}
		json_object_set_new(doc, "hints", hints);
		print_json(doc);
		json_decref(doc);
	} else {
		if (strcmp(src.label, src.path))
			printf("# %s: %s\n", src.label, src.path);
		else
			printf("# %s\n", src.path);
		for (size_t i = 0; i < r.nr_events; i++) {
			const struct hist_event *ev = &r.events[i];
			if (!ev->nr_samples)
				continue;
			printf("# event %s: %llu samples, event count %llu", ev->name,
			       (unsigned long long)ev->nr_samples,
			       (unsigned long long)ev->total_period);
			if (src.prof.event && profile_event_substituted(src.prof.event, ev->name))
				printf(" (%s was requested: not available here)", src.prof.event);
			printf("\n");
			if (r.lost)
				printf("# %llu samples lost\n", (unsigned long long)r.lost);
			print_event(&v, ev);
		}
		if (!first)
			printf("# no samples\n");
		print_legend(&v);
	}
	ret = 0;
out:
	hints_release(&v.hints);
	free(v.used);
	hists_release(&r);
	profile_source_release(&src);
	free(cache);
	strbuf_release(&err);
	strbuf_release(&note);
	return ret;
}

static const struct cmd_option hotspots_options[] = {
	{ .name = "sort", .short_name = 's', .arg = "KEYS", .kind = CMD_VAL_WORDS,
	  .words = "sym dso,sym comm,dso,sym",
	  .help = "sym, dso,sym or comm,dso,sym (default `profile.sort`, dso,sym)" },
	{ .name = "percent-limit", .arg = "X",
	  .help = "hide rows under X percent (default `profile.percent-limit`, 0.2)" },
	{ .name = "limit", .short_name = 'n', .arg = "N", .kind = CMD_VAL_INT, .min = 0,
	  .help = "at most N rows (default `profile.limit`; 0 = all)" },
	{ .name = "json",
	  .help = "one document: event, total_samples, total_period, rows (dso, symbol, percent, "
		  "samples, period, language, hints, caution), hints (advice, languages, caution), "
		  "events" },
	{ .name = "folded",
	  .help = "folded stacks (`comm;outer;...;inner count`) for flamegraph.pl, inferno or "
		  "speedscope; needs call chains (`perfloop profile --callgraph fp`)" },
	{ 0 },
};

const struct cmd_entry cmd_hotspots_entry = {
    .name = "hotspots",
    .summary = "the hottest symbols of a profile, with hints (a fast `perf report`)",
    .args = "[PROFILE]",
    .args_kind = CMD_VAL_FILE,
    .options = hotspots_options,
    .help =
	"PROFILE is a profile id from the ledger or any perf.data file (no `perfloop.ini`\n"
	"needed); the default is the newest profile of the current artifact. Rows are what\n"
	"`perf report --stdio --no-children -g none --sort KEYS --percent-limit X` shows on\n"
	"the same file: overhead weighted by each sample's period, symbols from the binaries\n"
	"(or their stored copies, so old profiles still symbolize after a rebuild), demangled.\n"
	"The default sort dso,sym merges the per-thread rows perf's default comm,dso,sym\n"
	"splits.\n"
	"\n"
	"Each row carries the hint categories of the rules its symbol matches: built-in\n"
	"allocator, hash, parallel, copies and kernel, plus the rules of `profile.hints`, a\n"
	"file of sections like:\n"
	"\n"
	"    [hash]\n"
	"    match = *reserve_rehash*      ; shell glob on the demangled symbol (repeatable)\n"
	"    dso = libfoo.so*              ; glob on the DSO (repeatable; '\\[' for '[')\n"
	"    level = k                     ; kernel rows\n"
	"    advice = what tends to work   ; in words that fit any language\n"
	"    advice-rust = ...             ; instead, for rows whose symbol is Rust (or c++)\n"
	"    caution-below = 5             ; rows under 5% are marked * with the caution\n"
	"    caution = keep only if the end-to-end time moves\n",
    .flags = CMD_LAZY_WORKTREE,
    .exec = cmd_hotspots,
};
