/*
 * github-comments.c: the comments of a pull request (the issues API): find
 * perfloop's own comment by its marker, create one, edit one (see github.h).
 */
#include "github/github-http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "banned.h"

struct comment_search {
	const char *marker, *login;
	int64_t id;
	char *url;
};

static int comment_each(json_t *c, void *data)
{
	struct comment_search *s = data;
	json_t *id = json_object_get(c, "id");
	const char *body = json_string_value(json_object_get(c, "body"));
	const char *user = json_string_value(json_object_get(json_object_get(c, "user"), "login"));
	const char *url = json_string_value(json_object_get(c, "html_url"));
	if (!json_is_integer(id) || !body || !strstr(body, s->marker))
		return 0;
	/* only the token's user may edit it: another's marked comment is not ours */
	if (s->login && (!user || strcasecmp(user, s->login)))
		return 0;
	if ((int64_t)json_integer_value(id) > s->id) {
		s->id = (int64_t)json_integer_value(id);
		free(s->url);
		s->url = xstrdup(url ? url : "");
	}
	return 0;
}

int gh_find_comment(struct gh_client *gh, int number, const char *marker, const char *login,
		    int64_t *id, char **url, struct strbuf *err)
{
	struct comment_search s = { marker, login, 0, NULL };
	char *path = gh_repo_path(gh, "/issues/%d/comments", number);
	char *what = xstrfmt("pull request #%d in '%s/%s'", number, gh->owner, gh->repo);
	int ret = gh_each(gh, path, NULL, NULL, what, comment_each, &s, err);
	*id = 0;
	*url = NULL;
	if (!ret && s.id) {
		*id = s.id;
		*url = s.url;
		s.url = NULL;
	} else if (!ret) {
		ret = 1;
	}
	free(s.url);
	free(what);
	free(path);
	return ret;
}

/* id and html_url of a comment GitHub sent back. */
static int comment_reply(json_t *doc, const char *method, const char *path, int64_t *id,
			 char **url, struct strbuf *err)
{
	json_t *jid = json_object_get(doc, "id");
	const char *u = json_string_value(json_object_get(doc, "html_url"));
	if (!json_is_integer(jid)) {
		strbuf_addf(err, "GitHub sent an unexpected reply to %s %s (no comment id)", method,
			    path);
		return -1;
	}
	if (id)
		*id = (int64_t)json_integer_value(jid);
	*url = xstrdup(u ? u : "");
	return 0;
}

int gh_create_comment(struct gh_client *gh, int number, const char *body, int64_t *id,
		      char **url, struct strbuf *err)
{
	char *path = gh_repo_path(gh, "/issues/%d/comments", number);
	char *what = xstrfmt("pull request #%d in '%s/%s'", number, gh->owner, gh->repo);
	json_t *req = json_object(), *doc = NULL, *j;
	int ret = -1;
	*url = NULL;
	if (!(j = gh_jstring(body, "the comment", err)))
		goto out;
	json_object_set_new(req, "body", j);
	if (gh_call(gh, "POST", path, NULL, req, what, 0, &doc, err))
		goto out;
	ret = comment_reply(doc, "POST", path, id, url, err);
out:
	json_decref(doc);
	json_decref(req);
	free(what);
	free(path);
	return ret;
}

int gh_update_comment(struct gh_client *gh, int64_t id, const char *body, char **url,
		      struct strbuf *err)
{
	char *path = gh_repo_path(gh, "/issues/comments/%lld", (long long)id);
	char *what = xstrfmt("comment %lld in '%s/%s'", (long long)id, gh->owner, gh->repo);
	json_t *req = json_object(), *doc = NULL, *j;
	int ret = -1;
	*url = NULL;
	if (!(j = gh_jstring(body, "the comment", err)))
		goto out;
	json_object_set_new(req, "body", j);
	ret = gh_call(gh, "PATCH", path, NULL, req, what, GH_ALLOW_404, &doc, err);
	if (!ret)
		ret = comment_reply(doc, "PATCH", path, NULL, url, err);
out:
	json_decref(doc);
	json_decref(req);
	free(what);
	free(path);
	return ret;
}
