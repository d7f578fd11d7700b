/*
 * queue.c: a queue of candidate patches, each applied to the clean
 * worktree, tried, and put back, then ranked.
 */
#include "queue.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "artifact-state.h"
#include "git.h"
#include "proc.h"
#include "revert.h"
#include "banned.h"

/* Largest patch file read (the ledger keeps the text of one that does not apply). */
#define QUEUE_PATCH_MAX (256u << 20)

/* The queue under way, for put_back_on_exit(). */
static struct {
	struct project *c;
	struct baseline *b;
	int applied; /* a candidate's patch is in the worktree */
} running;

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void add_item(struct queue_result *r, size_t *alloc, const char *path)
{
	ALLOC_GROW(r->items, r->nr + 1, *alloc);
	memset(&r->items[r->nr], 0, sizeof(r->items[r->nr]));
	r->items[r->nr++].path = xstrdup(path);
}

/* Every *.patch and *.diff file of dir, by name. */
static int collect_dir(const char *dir, struct queue_result *r, size_t *alloc, struct strbuf *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, nalloc = 0;
	if (!d) {
		strbuf_addf(err, "cannot read queue directory '%s': %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		char *path;
		if (de->d_name[0] == '.' ||
		    !(ends_with(de->d_name, ".patch") || ends_with(de->d_name, ".diff")))
			continue;
		path = xstrfmt("%s/%s", dir, de->d_name);
		if (is_dir(path)) {
			free(path);
			continue;
		}
		ALLOC_GROW(names, n + 1, nalloc);
		names[n++] = path;
	}
	closedir(d);
	if (!n) {
		strbuf_addf(err, "no *.patch or *.diff file in queue directory '%s'", dir);
		return -1;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		add_item(r, alloc, names[i]);
		free(names[i]);
	}
	free(names);
	return 0;
}

/* Read a candidate's patch file into text: 0, or -1 with err. */
static int read_patch(const struct queue_item *it, struct strbuf *text, struct strbuf *err)
{
	strbuf_reset(text);
	if (strbuf_read_file(text, it->path, QUEUE_PATCH_MAX) < 0) {
		strbuf_addf(err, "cannot read patch '%s': %s", it->path, strerror(errno));
		return -1;
	}
	if (!text->len) {
		strbuf_addf(err, "patch '%s' is empty", it->path);
		return -1;
	}
	return 0;
}

/* The candidates, each readable, with its description: 0, or -1 with err. */
static int collect(const struct queue_request *req, struct queue_result *r, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	size_t alloc = 0;
	int ret = -1;
	if (req->dir && collect_dir(req->dir, r, &alloc, err))
		goto out;
	for (size_t i = 0; i < req->nr_patches; i++)
		add_item(r, &alloc, req->patches[i]);
	if (!r->nr) {
		strbuf_addstr(err, "no patch to try: give --queue DIR or --patch FILE");
		goto out;
	}
	for (size_t i = 0; i < r->nr; i++) {
		if (read_patch(&r->items[i], &text, err))
			goto out;
		r->items[i].message = patch_description(text.buf, path_basename(r->items[i].path));
	}
	r->rank = xcalloc(r->nr, sizeof(*r->rank));
	for (size_t i = 0; i < r->nr; i++)
		r->rank[i] = i;
	ret = 0;
out:
	strbuf_release(&text);
	return ret;
}

/*
 * The worktree back to HEAD and the artifact back to HEAD's build (the
 * baseline's bytes, when the baseline is HEAD's), even after Ctrl-C: the
 * next candidate, or the user, starts from HEAD. 0, or -1 with err when the
 * worktree could not be restored; the artifact's state goes into r (NULL:
 * not recorded).
 */
static int put_back(struct project *c, const struct baseline *b, struct queue_result *r,
		    struct strbuf *err)
{
	struct strbuf aerr = STRBUF_INIT;
	struct proc_cleanup pc;
	struct art_state as;
	int ret, restored = -1;
	proc_cleanup_begin(&pc);
	ret = revert_restore_head(c, err);
	if (!ret) {
		running.applied = 0;
		memset(&as, 0, sizeof(as));
		if (!art_state_get(c, NULL, &as, &aerr))
			restored = art_restore_baseline(c, b, &as, &aerr);
		if (r) {
			free(r->artifact_stale);
			r->artifact_stale = NULL;
			if (restored < 0)
				r->artifact_stale = xstrfmt("cannot tell or restore it: %s", aerr.buf);
			else if (as.state != ART_CURRENT)
				r->artifact_stale = xstrdup(as.why ? as.why : "not HEAD's build");
			r->artifact_restored |= restored > 0;
		}
		art_state_release(&as);
	}
	proc_cleanup_end(&pc);
	strbuf_release(&aerr);
	return ret;
}

/* perfloop exiting in a candidate's step (a hook died): the worktree back to HEAD all the same. */
static void put_back_on_exit(void)
{
	struct strbuf err = STRBUF_INIT;
	if (running.applied)
		put_back(running.c, running.b, NULL, &err);
	running.applied = 0;
	strbuf_release(&err);
}

/* A patch git apply refused: a failed experiment with git's message. 0 or -1 (err). */
static int record_no_apply(struct project *c, struct queue_item *it, const char *why,
			   struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT, head = STRBUF_INIT, reason = STRBUF_INIT;
	int ret = -1;
	if (read_patch(it, &text, err))
		goto out;
	git_head(c->worktree, &head);
	strbuf_addf(&reason, "the patch does not apply to HEAD: %s", why);
	it->experiment = experiment_save_failed(c->ledger, it->message, text.buf,
						head.len ? head.buf : NULL, reason.buf, err);
	if (it->experiment < 0) {
		it->experiment = 0;
		goto out;
	}
	it->outcome = QUEUE_NO_APPLY;
	it->why = xstrdup(why);
	ret = 0;
out:
	strbuf_release(&text);
	strbuf_release(&head);
	strbuf_release(&reason);
	return ret;
}

/* One candidate: applied and tried, or recorded as not applying. 0, or -1 (err). */
static int try_one(struct project *c, const struct loop_state *ls, const struct queue_request *req,
		   const struct queue_hooks *h, struct queue_item *it, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	struct try_request treq = req->try;
	char *path, cwd[4096];
	int ret = -1;
	/* git runs in the worktree: the file as the user named it, from here */
	path = path_join_abs(getcwd(cwd, sizeof(cwd)) ? cwd : ".", it->path);
	if (git_apply(c->worktree, path, &why)) {
		/* git apply cut short by Ctrl-C: not tried, not failed */
		ret = proc_interrupted ? 0 : record_no_apply(c, it, why.buf, err);
		goto out;
	}
	running.applied = 1;
	treq.message = it->message;
	if (try_run(c, ls, &treq, h->try, &it->res, err))
		goto out;
	it->outcome = QUEUE_TRIED;
	it->experiment = it->res.id;
	ret = 0;
out:
	free(path);
	strbuf_release(&why);
	return ret;
}

int queue_run(struct project *c, const struct loop_state *ls, const struct queue_request *req,
	      const struct queue_hooks *h, struct queue_result *r, struct strbuf *err)
{
	static int registered;
	struct baseline b = { 0 };
	int ret = -1;

	memset(r, 0, sizeof(*r));
	if (!ls->baseline_id) {
		strbuf_addstr(err, "the loop has no baseline yet: build HEAD and run 'perfloop "
				   "baseline save' first");
		return -1;
	}
	if (collect(req, r, err) ||
	    project_worktree_clean(c, "a queue tries each patch on a clean worktree; 'perfloop "
				  "try' them, or 'perfloop revert' them first", err) ||
	    baseline_get(c->ledger, ls->baseline_id, &b, err))
		return -1;
	running.c = c;
	running.b = &b;
	if (!registered) {
		atexit(put_back_on_exit);
		registered = 1;
	}
	for (size_t i = 0; i < r->nr && !proc_interrupted; i++) {
		struct queue_item *it = &r->items[i];
		int failed;
		if (h->start)
			h->start(h->data, it, i, r->nr);
		failed = try_one(c, ls, req, h, it, err);
		if (running.applied) {
			struct strbuf perr = STRBUF_INIT;
			if (put_back(c, &b, r, &perr)) {
				if (!failed)
					strbuf_addf(err, "cannot put the worktree back to HEAD after "
						    "'%s': %s", it->path, perr.buf);
				strbuf_release(&perr);
				goto out;
			}
			strbuf_release(&perr);
		}
		if (failed)
			goto out;
		if (h->done)
			h->done(h->data, it, i, r->nr);
	}
	r->interrupted = proc_interrupted != 0;
	queue_rank(r);
	ret = 0;
out:
	running.c = NULL;
	running.b = NULL;
	baseline_release(&b);
	return ret;
}

void queue_result_release(struct queue_result *r)
{
	for (size_t i = 0; i < r->nr; i++) {
		struct queue_item *it = &r->items[i];
		free(it->path);
		free(it->message);
		free(it->why);
		if (it->outcome == QUEUE_TRIED)
			try_result_release(&it->res);
		strbuf_release(&it->res.reason);
	}
	free(r->items);
	free(r->rank);
	free(r->artifact_stale);
	memset(r, 0, sizeof(*r));
}

static const char *outcome_name(enum queue_outcome o)
{
	return o == QUEUE_TRIED ? "tried" : o == QUEUE_NO_APPLY ? "no-apply" : "not-tried";
}

static json_t *real_or_null(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

int64_t queue_best(const struct queue_result *r)
{
	const struct queue_item *it = r->nr ? &r->items[r->rank[0]] : NULL;
	return it && queue_class(it) <= 1 ? it->experiment : 0;
}

static json_t *item_json(const struct queue_item *it, size_t rank)
{
	json_t *o = json_object(), *doc = NULL, *touched = json_array(), *row;
	const struct try_result *tr = &it->res;
	int decided = it->outcome == QUEUE_TRIED && tr->status == EXP_DECIDED;
	double lo = NAN, hi = NAN;
	size_t i;
	if (decided) {
		doc = try_result_json(tr, it->message);
		try_interval(tr, &lo, &hi);
		json_array_foreach(json_object_get(doc, "hotspots"), i, row)
			if (json_is_true(json_object_get(row, "touched")))
				json_array_append(touched, row);
	}
	json_object_set_new(o, "rank", json_integer((json_int_t)rank));
	json_object_set_new(o, "file", json_string(it->path));
	json_object_set_new(o, "message", json_string(it->message));
	json_object_set_new(o, "experiment",
			    it->experiment ? json_integer(it->experiment) : json_null());
	json_object_set_new(o, "outcome", json_string(outcome_name(it->outcome)));
	json_object_set_new(o, "status",
			    it->outcome == QUEUE_TRIED  ? json_string(exp_status_name(tr->status))
			    : it->outcome == QUEUE_NO_APPLY ? json_string("failed")
							    : json_null());
	json_object_set_new(o, "verdict", decided ? json_string(try_verdict_name(tr->verdict))
						  : json_null());
	json_object_set_new(o, "reason",
			    it->outcome == QUEUE_TRIED ? json_string(tr->reason.buf)
			    : it->why		       ? json_string(it->why)
						       : json_null());
	json_object_set_new(o, "ratio", decided ? real_or_null(try_ratio(tr)) : json_null());
	if (isfinite(lo) && isfinite(hi)) {
		json_t *iv = json_array();
		json_array_append_new(iv, json_real(lo));
		json_array_append_new(iv, json_real(hi));
		json_object_set_new(o, "interval", iv);
	} else {
		json_object_set_new(o, "interval", json_null());
	}
	json_object_set_new(o, "early_reject", json_boolean(decided && tr->bench.vr.early_reject));
	json_object_set_new(o, "touched_hotspots", touched);
	json_object_set_new(o, "expected", decided ? json_incref(json_object_get(doc, "expected"))
						   : json_null());
	json_object_set_new(o, "try", doc ? doc : json_null());
	return o;
}

json_t *queue_result_json(const struct queue_result *r)
{
	json_t *doc = json_object(), *cands = json_array(), *not_tried = json_array();
	json_t *art = json_object();
	int64_t best = queue_best(r);
	for (size_t i = 0; i < r->nr; i++) {
		const struct queue_item *it = &r->items[r->rank[i]];
		json_array_append_new(cands, item_json(it, i + 1));
		if (it->outcome == QUEUE_NOT_TRIED)
			json_array_append_new(not_tried, json_string(it->path));
	}
	json_object_set_new(doc, "candidates", cands);
	json_object_set_new(doc, "best", best ? json_integer(best) : json_null());
	json_object_set_new(doc, "interrupted", json_boolean(r->interrupted));
	json_object_set_new(doc, "not_tried", not_tried);
	json_object_set_new(art, "restored", json_boolean(r->artifact_restored));
	json_object_set_new(art, "stale", r->artifact_stale ? json_string(r->artifact_stale)
							    : json_null());
	json_object_set_new(doc, "artifact", art);
	return doc;
}

int queue_class(const struct queue_item *it)
{
	if (it->outcome == QUEUE_NOT_TRIED)
		return 6;
	if (it->outcome == QUEUE_NO_APPLY || it->res.status == EXP_FAILED)
		return 4;
	if (it->res.status != EXP_DECIDED)
		return 5;
	switch (it->res.verdict) {
	case TRY_KEEP:
		return 0;
	case TRY_KEEP_FLAT:
		return 1;
	case TRY_INCONCLUSIVE:
		return 2;
	default:
		return 3;
	}
}

struct rank_key {
	int class;
	double ratio;
	size_t index;
};

static int cmp_key(const void *pa, const void *pb)
{
	const struct rank_key *a = pa, *b = pb;
	int fa = isfinite(a->ratio), fb = isfinite(b->ratio);
	if (a->class != b->class)
		return a->class < b->class ? -1 : 1;
	if (fa != fb)
		return fa ? -1 : 1;
	if (fa && a->ratio != b->ratio)
		return a->ratio < b->ratio ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

void queue_rank(struct queue_result *r)
{
	struct rank_key *k = xcalloc(r->nr + 1, sizeof(*k));
	for (size_t i = 0; i < r->nr; i++) {
		k[i].class = queue_class(&r->items[i]);
		k[i].ratio = r->items[i].outcome == QUEUE_TRIED ? try_ratio(&r->items[i].res) : NAN;
		k[i].index = i;
	}
	qsort(k, r->nr, sizeof(*k), cmp_key);
	if (!r->rank && r->nr)
		r->rank = xcalloc(r->nr, sizeof(*r->rank));
	for (size_t i = 0; i < r->nr; i++)
		r->rank[i] = k[i].index;
	free(k);
}

/* The line of text starting at p (without its newline) into out. */
static const char *take_line(const char *p, struct strbuf *out)
{
	size_t n = strcspn(p, "\n");
	strbuf_reset(out);
	strbuf_add(out, p, n);
	strbuf_trim(out);
	return p[n] ? p + n + 1 : p + n;
}

static int diff_starts(const char *line)
{
	return !strncmp(line, "diff ", 5) || !strncmp(line, "--- ", 4) ||
	       !strncmp(line, "Index: ", 7);
}

/* Does the line start with "NAME:", or with a patch file's name ("x.patch:", "y.diff:")? */
static int names_file(const char *line, const char *name)
{
	size_t n = strlen(name), w = strcspn(line, ": \t");
	if (line[w] != ':' || !line[w + 1] || (line[w + 1] != ' ' && line[w + 1] != '\t'))
		return 0;
	return (w == n && !strncmp(line, name, n)) ||
	       (w > 6 && !strncmp(line + w - 6, ".patch", 6)) ||
	       (w > 5 && !strncmp(line + w - 5, ".diff", 5));
}

char *patch_description(const char *text, const char *name)
{
	struct strbuf line = STRBUF_INIT, first = STRBUF_INIT, subject = STRBUF_INIT;
	const char *p = text;
	while (*p && !diff_starts(p)) {
		int subj = !strncmp(p, "Subject:", 8);
		p = take_line(p, &line);
		if (subj && !subject.len) {
			strbuf_addstr(&subject, line.buf + 8);
			/* a folded header goes on in lines that start with blanks */
			while (*p == ' ' || *p == '\t') {
				p = take_line(p, &line);
				strbuf_addf(&subject, " %s", line.buf);
			}
			strbuf_trim(&subject);
		} else if (line.len && !first.len) {
			strbuf_addbuf(&first, &line);
		}
	}
	if (subject.len) {
		strbuf_reset(&first);
		/* "[PATCH 2/3] fix x" -> "fix x" */
		if (subject.buf[0] == '[' && strchr(subject.buf, ']'))
			strbuf_addstr(&first, strchr(subject.buf, ']') + 1);
		else
			strbuf_addbuf(&first, &subject);
		strbuf_trim(&first);
	} else if (names_file(first.buf, name)) {
		/* "good.patch: hash with FNV-1a." -> "hash with FNV-1a" */
		strbuf_reset(&line);
		strbuf_addstr(&line, strchr(first.buf, ':') + 1);
		strbuf_trim(&line);
		strbuf_reset(&first);
		strbuf_addbuf(&first, &line);
	}
	if (first.len && first.buf[first.len - 1] == '.' &&
	    !(first.len > 1 && first.buf[first.len - 2] == '.'))
		strbuf_setlen(&first, first.len - 1);
	if (!first.len)
		strbuf_addstr(&first, name);
	strbuf_release(&line);
	strbuf_release(&subject);
	return strbuf_detach(&first, NULL);
}
