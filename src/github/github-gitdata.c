/*
 * github-gitdata.c: the Git Data API (blobs, trees, commits, refs) that
 * updates a branch when `git push` cannot, and the contents API that reads a
 * file's blob hash on a branch (see github.h).
 */
#include "github/github-http.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

void gh_base64(struct strbuf *out, const void *data, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	strbuf_grow(out, (len + 2) / 3 * 4);
	for (size_t i = 0; i < len; i += 3) {
		size_t n = len - i;
		unsigned long v = (unsigned long)p[i] << 16;
		char q[4];
		if (n > 1)
			v |= (unsigned long)p[i + 1] << 8;
		if (n > 2)
			v |= p[i + 2];
		q[0] = tab[(v >> 18) & 63];
		q[1] = tab[(v >> 12) & 63];
		q[2] = n > 1 ? tab[(v >> 6) & 63] : '=';
		q[3] = n > 2 ? tab[v & 63] : '=';
		strbuf_add(out, q, 4);
	}
}

static int valid_sha(const char *s)
{
	size_t i;
	if (!s)
		return 0;
	for (i = 0; i < 40; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return s[40] == '\0';
}

/* The "sha" member of a reply, checked; NULL with err when missing. */
static const char *reply_sha(json_t *doc, const char *key, const char *call, struct strbuf *err)
{
	const char *s = json_string_value(json_object_get(doc, key));
	if (!valid_sha(s)) {
		strbuf_addf(err, "GitHub sent an unexpected reply to %s (no %s)", call, key);
		return NULL;
	}
	return s;
}

static int valid_repo_path(const char *p)
{
	const char *seg = p;
	if (!p || !*p || *p == '/')
		return 0;
	for (;;) {
		const char *e = strchrnul(seg, '/');
		size_t n = (size_t)(e - seg);
		if (!n || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.') ||
		    (n == 4 && !strncmp(seg, ".git", 4)))
			return 0;
		if (!*e)
			return 1;
		seg = e + 1;
	}
}

/*
 * GET path and copy the "sha" of member `obj` (of the reply itself when NULL)
 * into sha. Returns 0, 1 on 404 when flags has GH_ALLOW_404, -1 with err.
 */
static int get_sha(struct gh_client *gh, const char *path, const char *what, unsigned flags,
		   const char *obj, const char *call, char sha[41], struct strbuf *err)
{
	json_t *doc = NULL;
	const char *s;
	int r = gh_call(gh, "GET", path, NULL, NULL, what, flags, &doc, err);
	if (!r) {
		if ((s = reply_sha(obj ? json_object_get(doc, obj) : doc, "sha", call, err)))
			memcpy(sha, s, 41);
		else
			r = -1;
	}
	json_decref(doc);
	return r;
}

/* POST body (reference stolen) to path and copy the reply's "sha" into sha; 0 or -1. */
static int post_sha(struct gh_client *gh, const char *path, json_t *body, const char *what,
		    const char *call, char sha[41], struct strbuf *err)
{
	json_t *doc = NULL;
	const char *s;
	int r = gh_call(gh, "POST", path, NULL, body, what, 0, &doc, err);
	json_decref(body);
	if (!r && (s = reply_sha(doc, "sha", call, err)))
		memcpy(sha, s, 41);
	else
		r = -1;
	json_decref(doc);
	return r;
}

static int push_args_ok(const char *branch, const char *expected, const struct gh_file *files,
			size_t nr, struct strbuf *err)
{
	if (!branch || !*branch || branch[0] == '-' || strstr(branch, "..")) {
		strbuf_addf(err, "bad branch name '%s'", branch ? branch : "");
		return 0;
	}
	if (!valid_sha(expected)) {
		strbuf_addf(err,
			    "refusing to update branch '%s' without the expected remote head "
			    "(a 40-hex commit hash)",
			    branch);
		return 0;
	}
	if (!nr) {
		strbuf_addf(err, "no files to push to branch '%s'", branch);
		return 0;
	}
	for (size_t i = 0; i < nr; i++) {
		int mode = files[i].mode ? files[i].mode : 0100644;
		if (!valid_repo_path(files[i].path)) {
			strbuf_addf(err, "bad path '%s' to push",
				    files[i].path ? files[i].path : "");
			return 0;
		}
		if (mode != 0100644 && mode != 0100755 && mode != 0120000) {
			strbuf_addf(err,
				    "'%s' has mode %o; only files (644, 755) and symlinks can be "
				    "pushed",
				    files[i].path, (unsigned)mode);
			return 0;
		}
	}
	return 1;
}

/* The tree entries for files, creating a blob for each file kept; NULL with err. */
static json_t *tree_entries(struct gh_client *gh, const struct gh_file *files, size_t nr,
			    const char *what, struct strbuf *err)
{
	char *blobs = gh_repo_path(gh, "/git/blobs");
	json_t *entries = json_array();
	struct strbuf b64 = STRBUF_INIT;

	for (size_t i = 0; i < nr && entries; i++) {
		const struct gh_file *f = &files[i];
		char mode[16], sha[41];
		json_t *e, *path = gh_jstring(f->path, "a file path", err), *body;
		if (!path) {
			json_decref(entries);
			entries = NULL;
			break;
		}
		snprintf(mode, sizeof(mode), "%o", (unsigned)(f->mode ? f->mode : 0100644));
		e = json_pack("{s:o, s:s, s:s}", "path", path, "mode", mode, "type", "blob");
		json_array_append_new(entries, e);
		if (f->deleted) {
			json_object_set_new(e, "sha", json_null());
			continue;
		}
		strbuf_reset(&b64);
		gh_base64(&b64, f->content, f->len);
		body = json_pack("{s:s%, s:s}", "content", b64.buf, b64.len, "encoding", "base64");
		if (post_sha(gh, blobs, body, what, "POST git blob", sha, err)) {
			json_decref(entries);
			entries = NULL;
			break;
		}
		json_object_set_new(e, "sha", json_string(sha));
	}
	strbuf_release(&b64);
	free(blobs);
	return entries;
}

int gh_push_files(struct gh_client *gh, const char *branch, const char *expected_head_sha,
		  const struct gh_file *files, size_t nr, const char *message,
		  const char *author_name, const char *author_email, char new_sha[41],
		  struct strbuf *err)
{
	struct strbuf ref = STRBUF_INIT;
	char *path = NULL, *what = NULL, head[41], tree[41], commit[41];
	json_t *doc = NULL, *body, *entries, *msg, *author = NULL;
	int ret = -1, r;

	if (!push_args_ok(branch, expected_head_sha, files, nr, err))
		return -1;
	gh_add_escaped(&ref, branch, 1);
	what = xstrfmt("branch '%s' of '%s/%s'", branch, gh->owner, gh->repo);

	/* 1. the remote head must be the commit the local one was built on */
	path = gh_repo_path(gh, "/git/ref/heads/%s", ref.buf);
	r = get_sha(gh, path, what, GH_ALLOW_404, "object", "GET git ref", head, err);
	if (r == 1)
		strbuf_addf(err,
			    "GitHub: branch '%s' does not exist in '%s/%s'; the API fallback only "
			    "updates an existing branch (push it once with git)",
			    branch, gh->owner, gh->repo);
	if (r)
		goto out;
	if (strcasecmp(head, expected_head_sha)) {
		strbuf_addf(
		    err,
		    "refusing to update branch '%s' on GitHub: it is at %.12s, not at %.12s "
		    "as expected (it has commits this worktree lacks: not a fast-forward); "
		    "fetch and rebase first",
		    branch, head, expected_head_sha);
		goto out;
	}

	/* 2. its tree, and a new tree on top of it */
	free(path);
	path = gh_repo_path(gh, "/git/commits/%s", head);
	if (get_sha(gh, path, what, 0, "tree", "GET git commit", tree, err))
		goto out;
	if (!(entries = tree_entries(gh, files, nr, what, err)))
		goto out;
	free(path);
	path = gh_repo_path(gh, "/git/trees");
	body = json_pack("{s:s, s:o}", "base_tree", tree, "tree", entries);
	if (post_sha(gh, path, body, what, "POST git tree", tree, err))
		goto out;

	/* 3. the commit on the remote head */
	if (!(msg = gh_jstring(message, "the commit message", err)))
		goto out;
	if (author_name && *author_name && author_email && *author_email) {
		json_t *n = gh_jstring(author_name, "the author name", err);
		json_t *m = n ? gh_jstring(author_email, "the author email", err) : NULL;
		if (!m) {
			json_decref(n);
			json_decref(msg);
			goto out;
		}
		author = json_pack("{s:o, s:o}", "name", n, "email", m);
	}
	body = json_pack("{s:o, s:s, s:[s]}", "message", msg, "tree", tree, "parents", head);
	if (author)
		json_object_set_new(body, "author", author);
	free(path);
	path = gh_repo_path(gh, "/git/commits");
	if (post_sha(gh, path, body, what, "POST git commit", commit, err))
		goto out;

	/* 4. move the branch, never forcing */
	free(path);
	path = gh_repo_path(gh, "/git/refs/heads/%s", ref.buf);
	body = json_pack("{s:s, s:b}", "sha", commit, "force", 0);
	r = gh_call(gh, "PATCH", path, NULL, body, what, GH_ALLOW_422, &doc, err);
	json_decref(body);
	if (r == 2) {
		struct strbuf m = STRBUF_INIT;
		const char *gm = json_string_value(json_object_get(doc, "message"));
		if (gm)
			gh_add_oneline(&m, gm, 200);
		strbuf_addf(err,
			    "GitHub refused to move branch '%s' to %.12s (422%s%s): it moved "
			    "meanwhile, not a fast-forward; fetch and rebase first",
			    branch, commit, m.len ? ": " : "", m.buf);
		strbuf_release(&m);
		goto out;
	}
	if (r)
		goto out;
	memcpy(new_sha, commit, 41);
	ret = 0;
out:
	json_decref(doc);
	strbuf_release(&ref);
	free(path);
	free(what);
	return ret;
}

int gh_contents_sha(struct gh_client *gh, const char *path, const char *ref, char sha[41],
		    struct strbuf *err)
{
	struct strbuf p = STRBUF_INIT, q = STRBUF_INIT;
	char *api, *what;
	json_t *doc = NULL;
	const char *s;
	int ret = -1, r;

	if (!valid_repo_path(path)) {
		strbuf_addf(err, "bad repository path '%s'", path ? path : "");
		return -1;
	}
	gh_add_escaped(&p, path, 1);
	api = gh_repo_path(gh, "/contents/%s", p.buf);
	if (ref && *ref) {
		strbuf_addstr(&q, "ref=");
		gh_add_escaped(&q, ref, 0);
	}
	what = xstrfmt("'%s' at '%s' in '%s/%s'", path, ref ? ref : "the default branch", gh->owner,
		       gh->repo);
	r = gh_call(gh, "GET", api, q.len ? q.buf : NULL, NULL, what, GH_ALLOW_404, &doc, err);
	if (r == 1) {
		ret = 1;
		goto out;
	}
	if (r)
		goto out;
	if (json_is_array(doc)) {
		strbuf_addf(err, "GitHub: %s is a directory, not a file", what);
		goto out;
	}
	if (!(s = reply_sha(doc, "sha", "GET contents", err)))
		goto out;
	memcpy(sha, s, 41);
	ret = 0;
out:
	json_decref(doc);
	strbuf_release(&p);
	strbuf_release(&q);
	free(api);
	free(what);
	return ret;
}
