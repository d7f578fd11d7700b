/*
 * github-http.h: what the parts of src/github/ share, private to them: the
 * one request function every call goes through (gh_call, in github-http.c)
 * and small helpers for building requests and messages. The public API is
 * github.h.
 */
#ifndef GITHUB_HTTP_H
#define GITHUB_HTTP_H

#include <jansson.h>

#include "github/github.h"

#define GH_ALLOW_404 1u /* gh_call returns 1 on 404 instead of an error */
#define GH_ALLOW_422 2u /* gh_call returns 2 on 422 with the error document in *out */

/*
 * One API call: method on path (starting with '/') with an optional query
 * (already escaped) and JSON body. Retries as gh_retry_delay() says.
 * Returns 0 on 2xx with the parsed body in *out (NULL when empty or out is
 * NULL), 1 on 404 with GH_ALLOW_404, 2 on 422 with GH_ALLOW_422 (the error
 * document in *out), -1 with err.
 */
int gh_call(struct gh_client *gh, const char *method, const char *path, const char *query,
	    json_t *body, const char *what, unsigned flags, json_t **out, struct strbuf *err);

/*
 * Call fn on each element of a paginated list (`key` names the array in an
 * object reply, NULL when the reply is the array). fn returns 0 to go on, 1
 * to stop. Returns 0 or -1 with err.
 */
int gh_each(struct gh_client *gh, const char *path, const char *query, const char *key,
	    const char *what, int (*fn)(json_t *item, void *data), void *data, struct strbuf *err);

/* "/repos/OWNER/REPO" + suffix (printf-style). Newly allocated. */
char *gh_repo_path(const struct gh_client *gh, const char *fmt, ...) PL_PRINTF(2, 3);

/* Append s URL-escaped; '/' kept when keep_slash (paths and branch names). */
void gh_add_escaped(struct strbuf *sb, const char *s, int keep_slash);

/* Append s flattened to one line (control characters to spaces), at most max bytes. */
void gh_add_oneline(struct strbuf *sb, const char *s, size_t max);

/* json_string that reports invalid UTF-8 instead of returning NULL silently. */
json_t *gh_jstring(const char *s, const char *what, struct strbuf *err);

#endif
