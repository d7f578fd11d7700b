/*
 * github-actions.c: the GitHub Actions and pull request calls: find the
 * benchmark workflow and the branch's pull request, dispatch the workflow,
 * list the runs of a dispatch (see github.h).
 */
#include "github/github-http.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "banned.h"

double gh_parse_time(const char *s)
{
	int y, mo, d, h, mi, sec, n = 0;
	long off = 0;
	struct tm tm;
	time_t t;

	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
	    n != 19)
		return -1;
	s += n;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++)
			;
	if (*s == 'Z' && !s[1]) {
		off = 0;
	} else if ((*s == '+' || *s == '-') && isdigit((unsigned char)s[1]) &&
		   isdigit((unsigned char)s[2]) && s[3] == ':' && isdigit((unsigned char)s[4]) &&
		   isdigit((unsigned char)s[5]) && !s[6]) {
		off = ((s[1] - '0') * 10 + (s[2] - '0')) * 3600L +
		      ((s[4] - '0') * 10 + (s[5] - '0')) * 60L;
		if (*s == '-')
			off = -off;
	} else {
		return -1;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970 ||
	    h < 0 || mi < 0 || sec < 0)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	return (double)t - (double)off;
}

void gh_format_time(char *buf, size_t len, double t)
{
	time_t tt = (time_t)floor(t);
	struct tm tm;
	if (!len)
		return;
	buf[0] = '\0';
	if (gmtime_r(&tt, &tm))
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int gh_run_matches(const struct gh_run *r, const char *event, const char *actor, double since)
{
	if (event && *event && strcmp(r->event, event))
		return 0;
	if (actor && *actor && strcasecmp(r->actor, actor))
		return 0;
	if (since > 0 && (r->created < 0 || r->created < since))
		return 0;
	return 1;
}

int gh_workflow_matches(const char *name, const char *wf_name, const char *wf_path)
{
	if (!name || !*name)
		return 0;
	if (wf_name && !strcasecmp(name, wf_name))
		return 1;
	if (wf_path && (!strcmp(name, wf_path) || !strcmp(name, path_basename(wf_path))))
		return 1;
	return 0;
}

static const char *jstr(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

struct wf_search {
	const char *name;
	int64_t id;
	int found, active;
	struct strbuf names;
	int listed;
};

static int wf_each(json_t *w, void *data)
{
	struct wf_search *s = data;
	const char *name = jstr(w, "name");
	json_t *id = json_object_get(w, "id");
	int active = !strcmp(jstr(w, "state"), "active");
	long num;
	int match = gh_workflow_matches(s->name, name, jstr(w, "path")) ||
		    (!parse_long(s->name, &num) && num == (long)json_integer_value(id));

	if (s->listed < 12) {
		strbuf_addf(&s->names, "%s'%s'", s->listed ? ", " : "", name);
		s->listed++;
	} else if (s->listed++ == 12) {
		strbuf_addstr(&s->names, ", ...");
	}
	if (json_is_integer(id) && match && (!s->found || (active && !s->active))) {
		s->id = (int64_t)json_integer_value(id);
		s->found = 1;
		s->active = active;
	}
	return s->found && s->active;
}

int gh_find_workflow(struct gh_client *gh, const char *name, int64_t *id, struct strbuf *err)
{
	struct wf_search s = {name, 0, 0, 0, STRBUF_INIT, 0};
	char *path = gh_repo_path(gh, "/actions/workflows");
	int ret = -1;

	if (gh_each(gh, path, NULL, "workflows", NULL, wf_each, &s, err))
		goto out;
	if (!s.found) {
		strbuf_addf(
		    err,
		    "GitHub: no workflow named '%s' in '%s/%s' (%s%s); check [github] workflow",
		    name, gh->owner, gh->repo, s.listed ? "it has " : "it has no workflows",
		    s.names.buf);
		goto out;
	}
	*id = s.id;
	ret = 0;
out:
	strbuf_release(&s.names);
	free(path);
	return ret;
}

int gh_find_pr(struct gh_client *gh, const char *branch, int *number, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT, label = STRBUF_INIT;
	char *path = gh_repo_path(gh, "/pulls");
	json_t *doc = NULL;
	int ret = -1;

	strbuf_addf(&label, "%s:%s", gh->owner, branch);
	strbuf_addstr(&q, "state=open&per_page=30&head=");
	gh_add_escaped(&q, label.buf, 0);
	if (gh_call(gh, "GET", path, q.buf, NULL, NULL, 0, &doc, err))
		goto out;
	if (!json_is_array(doc)) {
		strbuf_addf(err, "GitHub sent an unexpected reply to GET %s (no list)", path);
		goto out;
	}
	ret = 1;
	for (size_t i = 0; i < json_array_size(doc); i++) {
		json_t *pr = json_array_get(doc, i), *head = json_object_get(pr, "head");
		json_t *num = json_object_get(pr, "number");
		const char *lab = json_string_value(json_object_get(head, "label"));
		if (json_is_integer(num) && !strcmp(jstr(head, "ref"), branch) &&
		    (!lab || !strcasecmp(lab, label.buf)) && strcmp(jstr(pr, "state"), "closed")) {
			*number = (int)json_integer_value(num);
			ret = 0;
			break;
		}
	}
out:
	json_decref(doc);
	strbuf_release(&q);
	strbuf_release(&label);
	free(path);
	return ret;
}

int gh_dispatch(struct gh_client *gh, int64_t workflow_id, const char *ref, const char *input_name,
		const char *input_value, struct strbuf *err)
{
	char *path = gh_repo_path(gh, "/actions/workflows/%lld/dispatches", (long long)workflow_id);
	char *what =
	    xstrfmt("workflow %lld in '%s/%s'", (long long)workflow_id, gh->owner, gh->repo);
	json_t *body = json_object(), *inputs = json_object(), *j;
	int ret = -1;

	if (!ref || !*ref) {
		strbuf_addstr(err, "no ref to dispatch the workflow on; set [github] ref");
		goto out;
	}
	if (!(j = gh_jstring(ref, "the ref", err)))
		goto out;
	json_object_set_new(body, "ref", j);
	if (input_name) {
		if (!(j = gh_jstring(input_value, "the input value", err)))
			goto out;
		if (json_object_set_new(inputs, input_name, j)) {
			strbuf_addf(err, "the input name '%s' is not valid UTF-8", input_name);
			goto out;
		}
	}
	json_object_set(body, "inputs", inputs);
	ret = gh_call(gh, "POST", path, NULL, body, what, 0, NULL, err);
	if (ret && gh->last_status == 422)
		strbuf_addstr(err, "; check [github] input and ref against the workflow's "
				   "workflow_dispatch inputs");
out:
	json_decref(inputs);
	json_decref(body);
	free(what);
	free(path);
	return ret ? -1 : 0;
}

int gh_current_user(struct gh_client *gh, char **login, struct strbuf *err)
{
	json_t *doc = NULL;
	const char *l;
	int ret = -1;
	*login = NULL;
	if (gh_call(gh, "GET", "/user", NULL, NULL, "the token's user", 0, &doc, err))
		return -1;
	l = json_string_value(json_object_get(doc, "login"));
	if (!l || !*l)
		strbuf_addstr(err, "GitHub sent an unexpected reply to GET /user (no login)");
	else {
		*login = xstrdup(l);
		ret = 0;
	}
	json_decref(doc);
	return ret;
}

static void run_clear(struct gh_run *r)
{
	free(r->status);
	free(r->conclusion);
	free(r->html_url);
	free(r->head_branch);
	free(r->event);
	free(r->actor);
}

struct run_list {
	const char *event, *actor;
	double since;
	struct gh_run *runs;
	size_t nr, alloc;
};

static int run_each(json_t *it, void *data)
{
	struct run_list *l = data;
	struct gh_run r;
	json_t *id = json_object_get(it, "id");
	if (!json_is_integer(id))
		return 0;
	r.id = (int64_t)json_integer_value(id);
	r.created = gh_parse_time(jstr(it, "created_at"));
	/* newest first: once older than `since`, the rest are older too */
	if (l->since > 0 && r.created >= 0 && r.created < l->since)
		return 1;
	r.status = xstrdup(jstr(it, "status"));
	r.conclusion = xstrdup(jstr(it, "conclusion"));
	r.html_url = xstrdup(jstr(it, "html_url"));
	r.head_branch = xstrdup(jstr(it, "head_branch"));
	r.event = xstrdup(jstr(it, "event"));
	r.actor = xstrdup(jstr(json_object_get(it, "actor"), "login"));
	if (!gh_run_matches(&r, l->event, l->actor, l->since)) {
		run_clear(&r);
		return 0;
	}
	ALLOC_GROW(l->runs, l->nr + 1, l->alloc);
	l->runs[l->nr++] = r;
	return 0;
}

int gh_list_runs(struct gh_client *gh, int64_t workflow_id, const char *event, const char *actor,
		 double since_epoch, struct gh_run **runs, size_t *nr, struct strbuf *err)
{
	struct run_list l = {event, actor, since_epoch, NULL, 0, 0};
	struct strbuf q = STRBUF_INIT;
	char *path = gh_repo_path(gh, "/actions/workflows/%lld/runs", (long long)workflow_id);
	char *what =
	    xstrfmt("workflow %lld in '%s/%s'", (long long)workflow_id, gh->owner, gh->repo);
	int ret;

	*runs = NULL;
	*nr = 0;
	if (event && *event) {
		strbuf_addstr(&q, "event=");
		gh_add_escaped(&q, event, 0);
	}
	if (actor && *actor) {
		strbuf_addf(&q, "%sactor=", q.len ? "&" : "");
		gh_add_escaped(&q, actor, 0);
	}
	if (since_epoch > 0) {
		char ts[32], *crit;
		gh_format_time(ts, sizeof(ts), since_epoch);
		crit = xstrfmt(">=%s", ts);
		strbuf_addf(&q, "%screated=", q.len ? "&" : "");
		gh_add_escaped(&q, crit, 0);
		free(crit);
	}
	ret = gh_each(gh, path, q.len ? q.buf : NULL, "workflow_runs", what, run_each, &l, err);
	if (ret) {
		gh_runs_free(l.runs, l.nr);
	} else {
		*runs = l.runs;
		*nr = l.nr;
	}
	strbuf_release(&q);
	free(path);
	free(what);
	return ret;
}

void gh_runs_free(struct gh_run *runs, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		run_clear(&runs[i]);
	free(runs);
}
