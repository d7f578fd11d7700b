/*
 * cmd-diff.c: `perfloop diff`, two profiles symbol by symbol with a noise
 * interval for every delta.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "perf/profdiff.h"
#include "profile.h"
#include "banned.h"

static void print_warnings(const struct strbuf *w)
{
	for (const char *p = w->buf; *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		warning("%.*s", (int)n, p);
		p += n + (eol ? 1 : 0);
	}
}

static const char *status_name(enum diff_status s)
{
	return s == DIFF_NEW ? "new" : s == DIFF_GONE ? "gone" : "matched";
}

static json_t *side_json(const struct profile_source *s, const struct hist_event *ev)
{
	json_t *o = json_object();
	json_object_set_new(o, "profile", s->prof.id ? json_integer(s->prof.id) : json_null());
	json_object_set_new(o, "path", json_string(s->path));
	json_object_set_new(o, "event", json_string(ev->name));
	json_object_set_new(o, "total_samples", json_integer((json_int_t)ev->nr_samples));
	json_object_set_new(o, "total_period", json_integer((json_int_t)ev->total_period));
	json_object_set_new(o, "runs", s->prof.id ? json_integer(s->prof.runs) : json_null());
	return o;
}

static void print_side(const char *tag, const struct profile_source *s,
		       const struct hist_event *ev)
{
	printf("# %s: %s (%s), %s, %llu samples", tag, s->label, s->path, ev->name,
	       (unsigned long long)ev->nr_samples);
	if (s->prof.id)
		printf(" of %d harness run%s", s->prof.runs, s->prof.runs == 1 ? "" : "s");
	printf("\n");
}

/* What a row needs for a +-`width` noise: samples per profile, and runs for them. */
static void row_need(const struct diff_result *d, const struct diff_row *r,
		     const struct profile_source *a, const struct profile_source *b, double width,
		     double z, uint64_t *samples, uint64_t *runs)
{
	*samples = diff_samples_for_width(d, r, width, z);
	*runs = diff_runs_for_samples(d, *samples, a->prof.runs, b->prof.runs);
}

static int cmd_diff(const struct cmd_args *args, struct project *c)
{
	struct strbuf err = STRBUF_INIT, note = STRBUF_INIT;
	struct profile_source a, b;
	struct profile_comparison pc;
	struct diff_opts dopt = {0, 0};
	struct strbuf warn = STRBUF_INIT;
	const struct diff_result *d = &pc.diff;
	const char *limit = args_get(args, "percent-limit"), *w = args_get(args, "width");
	int json = args_has(args, "json"), ret = EXIT_FATAL, argc = args->argc;
	char **argv = args->argv;
	long max_rows = args_int(args, "limit", 0);
	double width = 0.5;
	uint64_t need, runs;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&pc, 0, sizeof(pc));
	dopt.percent_limit = config_get_real(&c->cfg, "profile.percent-limit");
	if (limit && (parse_double(limit, &dopt.percent_limit) || dopt.percent_limit > 100))
		return usage_error(args, "--percent-limit needs a percentage, not '%s'", limit);
	if (w && (parse_double(w, &width) || !(width > 0) || width > 100))
		return usage_error(args, "--width needs percentage points above 0, not '%s'", w);

	/* errors from here on release what they hold (no die()) */
	if (argc == 2) {
		if (profile_source_resolve(c, argv[0], &a, &note, &err) ||
		    profile_source_resolve(c, argv[1], &b, &note, &err)) {
			error("%s", err.buf);
			goto out;
		}
	} else {
		/* the default pair: the baseline's profile and the newest one */
		struct profile pa, pb;
		struct ledger *l;
		if (!c->state_dir || !is_dir(c->state_dir)) {
			error("no profiles recorded here: pass two profile ids or perf.data files");
			goto out;
		}
		if (!(l = project_ledger(c, &err))) {
			error("%s", err.buf);
			goto out;
		}
		memset(&pb, 0, sizeof(pb));
		if (argc == 1) {
			if (profile_source_resolve(c, argv[0], &a, &note, &err) ||
			    profile_newest(l, NULL, a.prof.id, &pb, &err)) {
				error("%s", err.len ? err.buf : "no other profile to compare with");
				profile_release(&pb);
				goto out;
			}
		} else {
			if (profile_select_pair(l, NULL, &pa, &pb, &note, &err)) {
				error("%s", err.buf);
				goto out;
			}
			profile_source_from(&a, &pa);
		}
		profile_source_from(&b, &pb);
	}
	if (note.len)
		info("%s", note.buf);

	if (profile_compare(c, &a, &b, &dopt, &pc, &warn, &err)) {
		print_warnings(&warn);
		error("%s", err.buf);
		goto out;
	}
	print_warnings(&warn);
	if (profile_event_substituted(pc.a->name, pc.b->name))
		warning("the profiles recorded different events (%s, %s): the shares still compare, "
			"the meaning may not",
			pc.a->name, pc.b->name);

	if (json) {
		json_t *doc = json_object(), *rows = json_array(), *dsos = json_array();
		json_object_set_new(doc, "a", side_json(&a, pc.a));
		json_object_set_new(doc, "b", side_json(&b, pc.b));
		json_object_set_new(doc, "percent_limit", json_real(dopt.percent_limit));
		json_object_set_new(doc, "width", json_real(width));
		for (size_t i = 0; i < d->nr && (!max_rows || (long)i < max_rows); i++) {
			const struct diff_row *r = &d->rows[i];
			json_t *o2 = json_object();
			json_object_set_new(o2, "symbol", json_string(r->symbol));
			json_object_set_new(o2, "dso", json_string(r->dso));
			json_object_set_new(o2, "base", json_real(r->base));
			json_object_set_new(o2, "new", json_real(r->new_));
			json_object_set_new(o2, "delta", json_real(r->delta));
			json_object_set_new(o2, "noise", json_real(r->noise));
			json_object_set_new(o2, "within_noise", json_boolean(r->within_noise));
			json_object_set_new(o2, "status", json_string(status_name(r->status)));
			json_object_set_new(o2, "base_samples",
					    json_integer((json_int_t)r->base_samples));
			json_object_set_new(o2, "new_samples",
					    json_integer((json_int_t)r->new_samples));
			json_object_set_new(o2, "merged", json_integer(r->merged));
			row_need(d, r, &a, &b, width, dopt.z, &need, &runs);
			json_object_set_new(o2, "samples_for_width",
					    json_integer((json_int_t)need));
			json_object_set_new(o2, "runs_for_width", json_integer((json_int_t)runs));
			json_array_append_new(rows, o2);
		}
		for (size_t i = 0; i < d->nr_dsos; i++) {
			json_t *o2 = json_object();
			json_object_set_new(o2, "dso", json_string(d->dsos[i].dso));
			json_object_set_new(o2, "base", json_real(d->dsos[i].base));
			json_object_set_new(o2, "new", json_real(d->dsos[i].new_));
			json_object_set_new(o2, "delta", json_real(d->dsos[i].delta));
			json_object_set_new(o2, "noise", json_real(d->dsos[i].noise));
			json_array_append_new(dsos, o2);
		}
		json_object_set_new(doc, "rows", rows);
		json_object_set_new(doc, "dsos", dsos);
		print_json(doc);
		json_decref(doc);
	} else {
		int dso_w = 13;
		print_side("A", &a, pc.a);
		print_side("B", &b, pc.b);
		for (size_t i = 0; i < d->nr && (!max_rows || (long)i < max_rows); i++)
			if ((int)strlen(d->rows[i].dso) > dso_w)
				dso_w =
				    strlen(d->rows[i].dso) > 40 ? 40 : (int)strlen(d->rows[i].dso);
		printf("# Samples, Runs: what each profile needs for a +-Noise of %.2f points "
		       "(--width)\n",
		       width);
		printf("#   Base      New    Delta  +-Noise   Samples   Runs  %-*s  Symbol\n",
		       dso_w, "Shared Object");
		for (size_t i = 0; i < d->nr; i++) {
			const struct diff_row *r = &d->rows[i];
			char base[16], nw[16];
			if (max_rows && (long)i >= max_rows) {
				printf("# ... %zu more rows: --limit 0 shows them all\n", d->nr - i);
				break;
			}
			snprintf(base, sizeof(base), "%.2f%%", r->base);
			snprintf(nw, sizeof(nw), "%.2f%%", r->new_);
			row_need(d, r, &a, &b, width, dopt.z, &need, &runs);
			printf("%8s %8s %+8.2f  %7.2f  %8llu  %5llu  %-*s  %s%s\n",
			       r->status == DIFF_NEW ? "-" : base,
			       r->status == DIFF_GONE ? "-" : nw, r->delta, r->noise,
			       (unsigned long long)need, (unsigned long long)runs, dso_w, r->dso,
			       r->symbol,
			       r->within_noise		? "  (within noise)"
			       : r->status == DIFF_NEW	? "  (new)"
			       : r->status == DIFF_GONE ? "  (gone)"
							: "");
		}
		if (!d->nr)
			printf("# no row at or above %.2f%% in either profile\n",
			       dopt.percent_limit);
		printf("\n# per shared object\n");
		for (size_t i = 0; i < d->nr_dsos; i++) {
			const struct diff_dso *x = &d->dsos[i];
			if (x->base < 0.005 && x->new_ < 0.005)
				continue;
			printf("%7.2f%% %7.2f%% %+8.2f  %7.2f  %s%s\n", x->base, x->new_, x->delta,
			       x->noise, x->dso,
			       fabs(x->delta) <= x->noise ? "  (within noise)" : "");
		}
	}
	ret = 0;
out:
	profile_comparison_release(&pc);
	profile_source_release(&a);
	profile_source_release(&b);
	strbuf_release(&warn);
	strbuf_release(&err);
	strbuf_release(&note);
	return ret;
}

static const struct cmd_option diff_options[] = {
	{ .name = "percent-limit", .arg = "X",
	  .help = "hide rows under X percent in both profiles (default `profile.percent-limit`)" },
	{ .name = "limit", .short_name = 'n', .arg = "N", .kind = CMD_VAL_INT, .min = 0,
	  .help = "at most N rows (0 = all)" },
	{ .name = "width", .arg = "W",
	  .help = "the +-Noise, in points, to plan Samples and Runs for (default 0.5)" },
	{ .name = "json",
	  .help = "one document: a, b (with runs), width, rows (symbol, dso, base, new, delta, noise, "
		  "within_noise, status, samples_for_width, runs_for_width), dsos" },
	{ 0 },
};

const struct cmd_entry cmd_diff_entry = {
    .name = "diff",
    .summary = "compare two profiles symbol by symbol, with noise",
    .args = "[A] [B]",
    .args_kind = CMD_VAL_FILE,
    .options = diff_options,
    .help =
	"A (baseline) and B (candidate) are profile ids or perf.data files. Without them: B is\n"
	"the newest profile and A the newest profile of the newest saved baseline's artifact,\n"
	"else the profile recorded before B. With only A, B is the newest other profile.\n"
	"\n"
	"Per symbol: its share in A and in B (percent of each profile's event count), the delta\n"
	"in percentage points (perf diff's Delta), and +-Noise, the half-width of a ~95%\n"
	"interval for that delta from the sample counts; rows whose delta is within it are\n"
	"marked. Rows are sorted by |delta|. Symbols match across rebuilds by demangled name\n"
	"with compiler suffixes removed (.cold, .isra.N, .constprop.N, .part.N, .llvm.N, Rust\n"
	"hashes); rows on one side only are new or gone. Totals per shared object follow.\n"
	"\n"
	"Samples and Runs say what each profile would need for a row's +-Noise to be W points\n"
	"(--width): n = (100 z / W)^2 (p1 (1 - p1) + p2 (1 - p2)) samples with z = 1.96, and\n"
	"the harness runs that give them at the lower samples-per-run rate of the two profiles\n"
	"(record them with `perfloop profile --runs N` or `[profile] runs`; a perf.data file\n"
	"counts as one run).\n",
    .flags = CMD_LAZY_WORKTREE,
    .exec = cmd_diff,
};
