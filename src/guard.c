/*
 * guard.c: the judgement of guard benchmarks and their table in the ledger
 * (experiment_guards).
 */
#include "guard.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

const char *guard_outcome_name(enum guard_outcome o)
{
	switch (o) {
	case GUARD_PASS:
		return "pass";
	case GUARD_SLOWER:
		return "slower";
	case GUARD_MEMORY:
		return "memory";
	case GUARD_UNDECIDED:
		return "undecided";
	case GUARD_FAILED:
		return "failed";
	case GUARD_BROKEN:
		return "broken";
	}
	return "?";
}

int guard_blocks(enum guard_outcome o)
{
	return o == GUARD_SLOWER || o == GUARD_MEMORY || o == GUARD_BROKEN;
}

/* " ×1.234 [1.200, 1.270]" or " ×1.234" of the guard's metric; nothing when unknown. */
static void ratio_text(const struct guard_judgement *g, struct strbuf *sb)
{
	if (!isfinite(g->ratio))
		return;
	strbuf_addf(sb, " %s ×%.3f", g->metric ? g->metric : "B/A", g->ratio);
	if (isfinite(g->lo) && isfinite(g->hi))
		strbuf_addf(sb, " [%.3f, %.3f]", g->lo, g->hi);
	else if (g->early_reject)
		strbuf_addstr(sb, " after one pair");
}

void guard_judge(struct guard_judgement *g, int done, const char *why, enum verdict v,
		 int early_reject, double ratio, double lo, double hi, double rss_ratio)
{
	struct strbuf sb = STRBUF_INIT;
	int memory = isfinite(rss_ratio) && rss_ratio - 1 > g->memory_margin;
	g->have_verdict = done && v != VERDICT_CONTINUE;
	g->verdict = v;
	g->early_reject = done && early_reject;
	g->ratio = ratio;
	g->lo = lo;
	g->hi = hi;
	g->rss_ratio = rss_ratio;
	if (done < 0) {
		/* the change breaks this harness: a regression, not a broken guard */
		g->outcome = GUARD_BROKEN;
		strbuf_addf(&sb, "guard '%s' fails with the change: its candidate run %s where the "
			    "baseline's ran", g->name, why ? why : "failed");
	} else if (!done) {
		g->outcome = GUARD_FAILED;
		strbuf_addf(&sb, "guard '%s' could not decide: its bench %s; it does not block",
			    g->name, why ? why : "did not finish");
	} else if (v == VERDICT_SLOWER) {
		g->outcome = GUARD_SLOWER;
		strbuf_addf(&sb, "guard '%s' is slower:", g->name);
		ratio_text(g, &sb);
		strbuf_addf(&sb, " beyond its margin %.3g%%", 100 * g->margin);
	} else if (memory) {
		g->outcome = GUARD_MEMORY;
		strbuf_addf(&sb,
			    "guard '%s' takes more memory: max RSS ×%.2f (%+.0f%%) beyond its "
			    "memory margin %.3g%%",
			    g->name, rss_ratio, 100 * (rss_ratio - 1), 100 * g->memory_margin);
	} else if (v == VERDICT_INCONCLUSIVE || v == VERDICT_CONTINUE) {
		g->outcome = GUARD_UNDECIDED;
		strbuf_addf(&sb, "guard '%s' could not decide (inconclusive", g->name);
		ratio_text(g, &sb);
		strbuf_addstr(&sb, "); it does not block");
	} else {
		g->outcome = GUARD_PASS;
		strbuf_addf(&sb, "guard '%s' passed (%s", g->name, verdict_name(v));
		ratio_text(g, &sb);
		strbuf_addstr(&sb, ")");
	}
	if (memory && g->outcome == GUARD_SLOWER)
		strbuf_addf(&sb, ", and max RSS ×%.2f beyond its memory margin", rss_ratio);
	snprintf(g->reason, sizeof(g->reason), "%s", sb.buf);
	strbuf_release(&sb);
}

enum try_verdict guard_apply(enum try_verdict v, const struct guard_judgement *g, size_t n,
			     struct strbuf *reason)
{
	struct strbuf sb = STRBUF_INIT;
	int blocked = 0;
	if (!try_verdict_keeps(v) || !n)
		return v;
	for (size_t i = 0; i < n; i++)
		if (guard_blocks(g[i].outcome))
			strbuf_addf(&sb, "%s%s", blocked++ ? "; " : "", g[i].reason);
	if (blocked) {
		/* the guard first: it is why; then what the target's bench said */
		strbuf_addf(&sb, "; the target alone would %s: %s", try_verdict_name(v),
			    reason->buf);
		strbuf_reset(reason);
		strbuf_addbuf(reason, &sb);
		v = TRY_REJECT;
	}
	for (size_t i = 0; i < n; i++)
		if (g[i].outcome == GUARD_UNDECIDED || g[i].outcome == GUARD_FAILED)
			strbuf_addf(reason, "; %s", g[i].reason);
	strbuf_release(&sb);
	return v;
}

void guard_judge_bench(const struct config *cfg, const char *name, const struct bench_spec *spec,
		       const struct bench_result *res, struct guard_judgement *g)
{
	char *margin = config_guard_key(cfg, name, "margin");
	char *memory = config_guard_key(cfg, name, "memory-margin");
	double *a = xcalloc(res->nr + 1, sizeof(double)), *b = xcalloc(res->nr + 1, sizeof(double));
	size_t na = bench_side(res, 'A', NULL, NULL, a), nb = bench_side(res, 'B', NULL, NULL, b);
	double ma = na ? median_of(a, na) : NAN, mb = nb ? median_of(b, nb) : NAN;
	int done = res->status == BENCH_DONE && res->has_verdict && spec->base_path;
	const struct verdict_result *vr = &res->vr;
	const char *why = res->status == BENCH_DONE ? "has no baseline to compare with"
						     : bench_status_name(res->status);
	/* the candidate failed (or timed out) after the baseline ran: the change broke it */
	if ((res->status == BENCH_FAILED || res->status == BENCH_TIMEOUT) && res->failed &&
	    res->failed->side == 'B' && !res->exec_failed) {
		for (size_t k = 0; k < res->nr; k++)
			if (res->runs[k].side == 'A' && res->runs[k].status == 0)
				done = -1;
		why = res->status == BENCH_TIMEOUT ? "timed out" : "failed";
	}
	int ok = done && res->npairs;
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->margin = config_get_real(cfg, margin);
	g->memory_margin = config_get_real(cfg, memory);
	g->metric = spec->metric ? spec->metric->name : NULL;
	guard_judge(g, done, why, vr->verdict, vr->early_reject, ok ? exp(vr->mean) : NAN,
		    ok && !vr->early_reject && isfinite(vr->lo) ? exp(vr->lo) : NAN,
		    ok && !vr->early_reject && isfinite(vr->hi) ? exp(vr->hi) : NAN,
		    ma > 0 && mb > 0 ? mb / ma : NAN);
	free(a);
	free(b);
	free(margin);
	free(memory);
}

static json_t *real_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

json_t *guard_judgement_json(const struct guard_judgement *g, int64_t bench_id, json_t *bench_doc)
{
	json_t *o = json_object();
	json_object_set_new(o, "guard", json_string(g->name));
	json_object_set_new(o, "outcome", json_string(guard_outcome_name(g->outcome)));
	json_object_set_new(o, "blocks", json_boolean(guard_blocks(g->outcome)));
	json_object_set_new(o, "verdict",
			    g->have_verdict ? json_string(verdict_name(g->verdict)) : json_null());
	json_object_set_new(o, "metric", g->metric ? json_string(g->metric) : json_null());
	json_object_set_new(o, "ratio", real_or_null(g->ratio));
	if (isfinite(g->lo) && isfinite(g->hi)) {
		json_t *iv = json_array();
		json_array_append_new(iv, json_real(g->lo));
		json_array_append_new(iv, json_real(g->hi));
		json_object_set_new(o, "interval", iv);
	} else {
		json_object_set_new(o, "interval", json_null());
	}
	json_object_set_new(o, "rss_ratio", real_or_null(g->rss_ratio));
	json_object_set_new(o, "margin", json_real(g->margin));
	json_object_set_new(o, "memory_margin", json_real(g->memory_margin));
	json_object_set_new(o, "reason", json_string(g->reason));
	json_object_set_new(o, "bench_id", bench_id > 0 ? json_integer(bench_id) : json_null());
	if (bench_doc)
		json_object_set_new(o, "bench", bench_doc);
	return o;
}

void guard_run_release(struct guard_run *r)
{
	if (r->have_bench) {
		bench_result_release(&r->bench);
		bench_setup_release(&r->setup);
	}
	memset(r, 0, sizeof(*r));
}

int guard_record(struct ledger *l, int64_t exp, const struct guard_judgement *g, int64_t bench_id,
		 struct strbuf *err)
{
	return ledger_exec(
	    l, err,
	    "INSERT OR REPLACE INTO experiment_guards(experiment_id, guard, bench_id, "
	    "outcome, verdict, ratio, lo, hi, rss_ratio, reason) "
	    "VALUES (?,?,NULLIF(?,0),?,?,?,?,?,?,?)",
	    "itit"
	    "tddddt",
	    exp, g->name, bench_id, guard_outcome_name(g->outcome),
	    g->have_verdict ? verdict_name(g->verdict) : NULL, g->ratio, g->lo, g->hi, g->rss_ratio,
	    g->reason);
}

static double real_col(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NAN : sqlite3_column_double(st, col);
}

static void read_row(sqlite3_stmt *st, void *row)
{
	struct guard_row *g = row;
	g->experiment = sqlite3_column_int64(st, 0);
	g->guard = xstrdup(col_text(st, 1));
	g->bench = sqlite3_column_int64(st, 2);
	g->outcome = xstrdup(col_text(st, 3));
	g->verdict = col_dup(st, 4);
	g->ratio = real_col(st, 5);
	g->lo = real_col(st, 6);
	g->hi = real_col(st, 7);
	g->rss_ratio = real_col(st, 8);
	g->reason = xstrdup(col_text(st, 9));
}

static void release_row(void *row)
{
	struct guard_row *g = row;
	free(g->guard);
	free(g->outcome);
	free(g->verdict);
	free(g->reason);
}

int guard_rows_load(struct ledger *l, struct guard_row **out, size_t *nr, struct strbuf *err)
{
	*out = ledger_rows(l,
			   ledger_query(l, err,
					"SELECT experiment_id, guard, bench_id, outcome, verdict, "
					"ratio, lo, hi, rss_ratio, reason FROM experiment_guards "
					"ORDER BY experiment_id, guard",
					NULL),
			   sizeof(**out), read_row, release_row, nr, err);
	return *out ? 0 : -1;
}

void guard_rows_free(struct guard_row *rows, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		release_row(&rows[i]);
	free(rows);
}
