/*
 * github-http.c: the GitHub client and its transport: finding the token,
 * setting up a client (gh_init, gh_setup), one CURL handle per client reset
 * before each request so no option leaks from one call into the next, and
 * gh_call(), through which every request goes: it retries, bounds the body,
 * parses JSON and turns failures into one line without the token (remote URL
 * parsing and redaction are here too). See github.h for the contracts.
 */
#include "github/github-http.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "config.h"
#include "git.h"
#include "github/curl-lazy.h"
#include "proc.h"
#include "version.h"
#include "banned.h"

/* A GitHub owner or repository name: letters, digits, '.', '_', '-'. */
static int valid_name(const char *s, size_t n)
{
	if (!n || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return 0;
	return 1;
}

/* Is [host, end) github.com itself (where a repository is always the path's first two parts)? */
static int is_github_com(const char *host, const char *end)
{
	const char *at = NULL, *colon;
	for (const char *p = host; p < end; p++)
		if (*p == '@')
			at = p;
	if (at)
		host = at + 1;
	colon = memchr(host, ':', (size_t)(end - host));
	if (colon)
		end = colon;
	return ((size_t)(end - host) == 10 && !strncasecmp(host, "github.com", 10)) ||
	       ((size_t)(end - host) == 14 && !strncasecmp(host, "www.github.com", 14));
}

int gh_parse_remote(const char *url, char **owner, char **repo)
{
	static const char *schemes[] = {"https", "http", "ssh", "git", "git+ssh", "ssh+git"};
	const char *path, *end, *r, *re, *oe, *o, *sep;
	int known = 0, github;

	*owner = *repo = NULL;
	if (!url || !*url)
		return -1;
	sep = strstr(url, "://");
	if (sep) {
		for (size_t i = 0; i < ARRAY_SIZE(schemes); i++)
			if (strlen(schemes[i]) == (size_t)(sep - url) &&
			    !strncasecmp(url, schemes[i], (size_t)(sep - url)))
				known = 1;
		if (!known)
			return -1;
		path = strchr(sep + 3, '/');
		if (!path || path == sep + 3)
			return -1;
		github = is_github_com(sep + 3, path);
	} else {
		/* scp-like "[user@]host:path"; a '/' before the ':' makes it a local path */
		const char *colon = strchr(url, ':');
		const char *slash = strchr(url, '/');
		if (!colon || colon == url || (slash && slash < colon))
			return -1;
		path = colon + 1;
		github = is_github_com(url, colon);
	}
	end = path + strlen(path);
	while (end > path && end[-1] == '/')
		end--;
	if (github) {
		/* github.com/OWNER/NAME/anything-else names OWNER/NAME, as on the site */
		for (o = path; o < end && *o == '/'; o++)
			;
		oe = memchr(o, '/', (size_t)(end - o));
		if (!oe)
			return -1;
		r = oe + 1;
		re = memchr(r, '/', (size_t)(end - r));
		if (!re)
			re = end;
	} else {
		/* elsewhere (GitHub Enterprise) the last two parts, after any path prefix */
		for (r = end; r > path && r[-1] != '/'; r--)
			;
		if (r == path)
			return -1;
		re = end;
		oe = r - 1;
		for (o = oe; o > path && o[-1] != '/'; o--)
			;
	}
	if (re - r >= 4 && !strncmp(re - 4, ".git", 4))
		re -= 4;
	if (!valid_name(o, (size_t)(oe - o)) || !valid_name(r, (size_t)(re - r)))
		return -1;
	*owner = xstrndup(o, (size_t)(oe - o));
	*repo = xstrndup(r, (size_t)(re - r));
	return 0;
}

/*
 * Could this part of a URL be a credential? GitHub's and GitLab's token
 * prefixes, or a long run of letters and digits mixing both cases and digits
 * (what random tokens look like, and repository names seldom do).
 */
static int token_like(const char *s, size_t n)
{
	static const char *prefixes[] = {"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",
					 "glpat-"};
	int upper = 0, lower = 0, digit = 0;
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (n > strlen(prefixes[i]) && !strncmp(s, prefixes[i], strlen(prefixes[i])))
			return 1;
	if (n < 20)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isupper(c))
			upper = 1;
		else if (islower(c))
			lower = 1;
		else if (isdigit(c))
			digit = 1;
		else if (c != '_' && c != '-')
			return 0;
	}
	return upper && lower && digit;
}

char *gh_redact_url(const char *url)
{
	const char *sep = url ? strstr(url, "://") : NULL;
	const char *auth, *p, *at = NULL, *q;
	struct strbuf sb = STRBUF_INIT;
	if (!url)
		return xstrdup("");
	p = url;
	if (sep) {
		const char *slash;
		auth = sep + 3;
		slash = strchr(auth, '/');
		for (const char *c = auth; *c && (!slash || c < slash); c++)
			if (*c == '@')
				at = c;
		if (at) {
			strbuf_add(&sb, url, (size_t)(auth - url));
			strbuf_addstr(&sb, "***");
			p = at;
		}
	}
	/* the query and fragment can carry anything: never shown */
	q = p + strcspn(p, "?#");
	while (p < q) {
		size_t n = strcspn(p, "/:@");
		if (n > (size_t)(q - p))
			n = (size_t)(q - p);
		if (token_like(p, n))
			strbuf_addstr(&sb, "***");
		else
			strbuf_add(&sb, p, n);
		p += n;
		if (p < q)
			strbuf_addch(&sb, *p++);
	}
	if (*q)
		strbuf_addf(&sb, "%c***", *q);
	return strbuf_detach(&sb, NULL);
}

/* Replace every occurrence of the token in sb (GitHub may echo what it got). */
static void scrub(struct strbuf *sb, const char *token)
{
	size_t tl = token ? strlen(token) : 0;
	char *hit;
	if (tl < 4)
		return;
	while ((hit = strstr(sb->buf, token))) {
		struct strbuf out = STRBUF_INIT;
		size_t at = (size_t)(hit - sb->buf);
		strbuf_add(&out, sb->buf, at);
		strbuf_addstr(&out, "<token>");
		strbuf_addstr(&out, hit + tl);
		strbuf_release(sb);
		*sb = out;
	}
}

/* Append s flattened to one line (control characters to spaces), at most max bytes. */
void gh_add_oneline(struct strbuf *sb, const char *s, size_t max)
{
	size_t n = strlen(s), start = sb->len;
	int cut = n > max;
	if (cut) {
		n = max;
		while (n && ((unsigned char)s[n] & 0xC0) == 0x80) /* not inside a UTF-8 sequence */
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int space = c < 0x20 || c == 0x7f;
		if (space && sb->len > start && sb->buf[sb->len - 1] == ' ')
			continue;
		strbuf_addch(sb, space ? ' ' : (char)c);
	}
	strbuf_rtrim(sb);
	if (sb->len < start)
		strbuf_setlen(sb, start);
	if (cut)
		strbuf_addstr(sb, "...");
}

/* GitHub's "message" and errors[] from an error body, as one short line. */
static void github_message(const struct gh_response *r, struct strbuf *out)
{
	json_error_t je;
	json_t *doc, *errors;
	const char *msg;
	if (!r->body.len)
		return;
	doc = json_loadb(r->body.buf, r->body.len, 0, &je);
	if (!doc) {
		if (r->body.buf[0] != '<') /* not an HTML error page */
			gh_add_oneline(out, r->body.buf, 200);
		return;
	}
	msg = json_string_value(json_object_get(doc, "message"));
	if (msg)
		gh_add_oneline(out, msg, 300);
	errors = json_object_get(doc, "errors");
	for (size_t i = 0; i < json_array_size(errors) && i < 5; i++) {
		json_t *e = json_array_get(errors, i);
		const char *em = json_is_string(e)
				     ? json_string_value(e)
				     : json_string_value(json_object_get(e, "message"));
		const char *field = json_string_value(json_object_get(e, "field"));
		const char *code = json_string_value(json_object_get(e, "code"));
		if (out->len)
			strbuf_addstr(out, "; ");
		if (em)
			gh_add_oneline(out, em, 200);
		else if (field || code)
			strbuf_addf(out, "%s%s%s", field ? field : "", field && code ? ": " : "",
				    code ? code : "");
	}
	json_decref(doc);
}

int gh_is_rate_limited(const struct gh_response *r)
{
	if (r->status == 429)
		return 1;
	if (r->status != 403)
		return 0;
	if (r->retry_after >= 0 || r->ratelimit_remaining == 0)
		return 1;
	return r->body.len && strcasestr(r->body.buf, "rate limit") != NULL;
}

double gh_retry_delay(const struct gh_client *gh, const struct gh_response *r, int attempt,
		      double now)
{
	double expo = gh->retry_delay * ldexp(1.0, attempt < 0 ? 0 : attempt > 30 ? 30 : attempt);
	if (r->status == 0)
		return r->transient ? fmin(expo, gh->retry_max) : -1;
	if (gh_is_rate_limited(r)) {
		if (r->retry_after >= 0)
			return r->retry_after;
		if (r->ratelimit_remaining == 0 && r->ratelimit_reset > 0) {
			double d = r->ratelimit_reset - now + 1;
			return d < 0 ? 0 : d;
		}
		return fmin(60 * expo, gh->retry_max);
	}
	if (r->status >= 500 && r->status <= 599) {
		double d = fmin(expo, gh->retry_max);
		return r->retry_after > d ? r->retry_after : d;
	}
	return -1;
}

static const char *no_token_advice =
    "set GH_TOKEN or GITHUB_TOKEN, or log in with 'gh auth login' (scopes: repo, workflow)";

void gh_describe_error(const struct gh_client *gh, const struct gh_response *r, const char *method,
		       const char *path, const char *what, int attempts, struct strbuf *err)
{
	struct strbuf msg = STRBUF_INIT, line = STRBUF_INIT;
	char *repo =
	    xstrfmt("repository '%s/%s'", gh->owner ? gh->owner : "?", gh->repo ? gh->repo : "?");
	const char *sep;
	long st = r->status;

	github_message(r, &msg);
	sep = msg.len ? ": " : "";
	if (!what)
		what = repo;
	if (st == 401) {
		if (!gh->token)
			strbuf_addf(&line, "GitHub needs a token (401 on %s %s): %s", method, path,
				    no_token_advice);
		else
			strbuf_addf(
			    &line,
			    "GitHub rejected the token%s%s (401 on %s %s%s%s): it is invalid "
			    "or expired; use a token with the repo and workflow scopes",
			    gh->token_source ? " from " : "",
			    gh->token_source ? gh->token_source : "", method, path, sep, msg.buf);
	} else if (gh_is_rate_limited(r)) {
		double wait = r->retry_after >= 0 ? r->retry_after
			      : r->ratelimit_remaining == 0 && r->ratelimit_reset > 0
				  ? r->ratelimit_reset - now_wall()
				  : -1;
		strbuf_addf(&line, "GitHub rate limit (%ld on %s %s%s%s)", st, method, path, sep,
			    msg.buf);
		if (wait >= 0)
			strbuf_addf(&line,
				    "; GitHub asks to wait %.0f s (github.retry-max is %.0f s)",
				    ceil(wait), gh->retry_max);
		if (attempts > 1)
			strbuf_addf(&line, " after %d attempts", attempts);
		strbuf_addstr(&line, "; try again later");
	} else if (st == 403) {
		if (!gh->token)
			strbuf_addf(&line, "GitHub refused %s %s without a token (403%s%s): %s",
				    method, path, sep, msg.buf, no_token_advice);
		else
			strbuf_addf(
			    &line,
			    "GitHub refused %s %s (403%s%s): the token%s%s lacks a scope or "
			    "access to %s; it needs %s%s%s%s",
			    method, path, sep, msg.buf, gh->token_source ? " from " : "",
			    gh->token_source ? gh->token_source : "", repo,
			    r->accepted_scopes[0] ? r->accepted_scopes
						  : "the repo and workflow scopes",
			    r->scopes[0] ? " (it has: " : "", r->scopes, r->scopes[0] ? ")" : "");
	} else if (st == 404) {
		strbuf_addf(&line, "GitHub: %s not found (404 on %s %s); check the name%s", what,
			    method, path,
			    gh->token ? " and that the token can see it"
				      : ", and set a token: without one private repositories look "
					"missing");
	} else if (st == 422) {
		strbuf_addf(&line, "GitHub rejected %s %s as invalid (422%s%s)", method, path, sep,
			    msg.buf);
	} else if (st >= 500) {
		strbuf_addf(&line,
			    "GitHub server error (%ld on %s %s%s%s) after %d attempt%s; try "
			    "again later",
			    st, method, path, sep, msg.buf, attempts, attempts == 1 ? "" : "s");
	} else {
		strbuf_addf(&line, "GitHub API error (%ld on %s %s%s%s)", st, method, path, sep,
			    msg.buf);
	}
	scrub(&line, gh->token);
	strbuf_addbuf(err, &line);
	strbuf_release(&line);
	strbuf_release(&msg);
	free(repo);
}

/* ---- token, client ---- */

int gh_token_discover(struct strbuf *token, struct strbuf *source)
{
	static const char *vars[] = {"GH_TOKEN", "GITHUB_TOKEN"};
	const char *argv[] = {"gh", "auth", "token", NULL};
	struct strbuf out = STRBUF_INIT, errout = STRBUF_INIT;
	int found = 0;

	for (size_t i = 0; i < ARRAY_SIZE(vars); i++) {
		const char *v = getenv(vars[i]);
		struct strbuf t = STRBUF_INIT;
		if (!v)
			continue;
		strbuf_addstr(&t, v);
		strbuf_trim(&t);
		if (t.len) {
			strbuf_reset(token);
			strbuf_addbuf(token, &t);
			strbuf_reset(source);
			strbuf_addstr(source, vars[i]);
			explicit_bzero(t.buf, t.len);
			strbuf_release(&t);
			return 0;
		}
		strbuf_release(&t);
	}
	/* exit 127 when gh is not installed; non-zero when it has no login */
	if (capture_argv(argv, NULL, &out, &errout) == 0 && out.len && !strchr(out.buf, '\n')) {
		strbuf_reset(token);
		strbuf_addbuf(token, &out);
		strbuf_reset(source);
		strbuf_addstr(source, "gh auth token");
		found = 1;
	}
	explicit_bzero(out.buf, out.len);
	strbuf_release(&out);
	strbuf_release(&errout);
	return found ? 0 : 1;
}

static int is_loopback(const char *host)
{
	return !strcmp(host, "127.0.0.1") || !strcasecmp(host, "localhost") ||
	       !strcmp(host, "[::1]") || !strcmp(host, "::1");
}

int gh_init(struct gh_client *gh, const char *api_base, const char *token, const char *owner,
	    const char *repo, struct strbuf *err)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL, *query = NULL;
	size_t n;
	int ret = -1;

	memset(gh, 0, sizeof(*gh));
	gh->timeout = 30;
	gh->connect_timeout = 10;
	gh->retries = 4;
	gh->retry_delay = 1;
	gh->retry_max = 60;
	gh->max_body = 8u << 20;
	gh->per_page = 100;
	gh->max_pages = 50;

	if (!api_base || !*api_base)
		api_base = GH_API_DEFAULT;
	if (!owner || !repo || !valid_name(owner, strlen(owner)) ||
	    !valid_name(repo, strlen(repo))) {
		strbuf_addf(err, "bad GitHub repository '%s/%s': expected OWNER/NAME",
			    owner ? owner : "", repo ? repo : "");
		return -1;
	}
	u = curl_url();
	if (!u)
		die("out of memory");
	if (curl_url_set(u, CURLUPART_URL, api_base, 0) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0)) {
		strbuf_addf(err,
			    "bad GitHub API URL '%s' (github.api): expected https://HOST[/PATH]",
			    api_base);
		goto out;
	}
	if (!curl_url_get(u, CURLUPART_QUERY, &query, 0) && query) {
		strbuf_addf(err, "bad GitHub API URL '%s' (github.api): it has a query", api_base);
		goto out;
	}
	if (strcasecmp(scheme, "https") && !(!strcasecmp(scheme, "http") && is_loopback(host))) {
		strbuf_addf(err,
			    "refusing GitHub API URL '%s' (github.api): the token would travel "
			    "unencrypted; use https (plain http only to 127.0.0.1)",
			    api_base);
		goto out;
	}
	if (token) {
		for (const char *p = token; *p; p++)
			if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
				strbuf_addstr(err,
					      "the GitHub token contains whitespace or control "
					      "characters; check GH_TOKEN or GITHUB_TOKEN");
				goto out;
			}
		if (*token)
			gh->token = xstrdup(token);
	}
	gh->api_base = xstrdup(api_base);
	n = strlen(gh->api_base);
	while (n && gh->api_base[n - 1] == '/')
		gh->api_base[--n] = '\0';
	gh->host = xstrdup(host);
	gh->owner = xstrdup(owner);
	gh->repo = xstrdup(repo);
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		strbuf_addf(err, "cannot initialize libcurl (%s): install libcurl4",
			    curl_lazy_error());
		goto out;
	}
	gh->curl = curl_easy_init();
	if (!gh->curl) {
		curl_global_cleanup();
		strbuf_addstr(err, "cannot initialize libcurl");
		goto out;
	}
	ret = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(query);
	curl_url_cleanup(u);
	return ret;
}

void gh_release(struct gh_client *gh)
{
	if (gh->curl) {
		curl_easy_cleanup(gh->curl);
		curl_global_cleanup();
	}
	if (gh->token) {
		explicit_bzero(gh->token, strlen(gh->token));
		free(gh->token);
	}
	free(gh->api_base);
	free(gh->host);
	free(gh->owner);
	free(gh->repo);
	free(gh->token_source);
	memset(gh, 0, sizeof(*gh));
}

int gh_setup(struct gh_client *gh, const struct config *cfg, const char *dir, struct strbuf *err)
{
	struct strbuf tok = STRBUF_INIT, src = STRBUF_INIT, url = STRBUF_INIT, gerr = STRBUF_INIT;
	const char *slug = config_get(cfg, "github.repo");
	const char *remote = config_get(cfg, "github.remote");
	char *owner = NULL, *repo = NULL;
	size_t had = err->len;
	int ret = -1;

	memset(gh, 0, sizeof(*gh));
	if (!remote || !*remote)
		remote = "origin";
	if (slug && *slug) {
		const char *slash = strchr(slug, '/');
		if (!slash || strchr(slash + 1, '/') || !valid_name(slug, (size_t)(slash - slug)) ||
		    !valid_name(slash + 1, strlen(slash + 1))) {
			strbuf_addf(err, "bad value for 'github.repo': '%s' is not OWNER/NAME",
				    slug);
			goto out;
		}
		owner = xstrndup(slug, (size_t)(slash - slug));
		repo = xstrdup(slash + 1);
	} else {
		if (remote[0] == '-' ||
		    git_run(dir, &url, &gerr, "remote", "get-url", remote, NULL) || !url.len) {
			strbuf_addf(err,
				    "cannot read the URL of git remote '%s' in '%s'%s%s%s; set "
				    "[github] remote, or [github] repo = OWNER/NAME",
				    remote, dir ? dir : ".", gerr.len ? " (" : "", gerr.buf,
				    gerr.len ? ")" : "");
		} else if (gh_parse_remote(url.buf, &owner, &repo)) {
			char *shown = gh_redact_url(url.buf);
			strbuf_addf(err,
				    "the URL of git remote '%s' ('%s') does not name a GitHub "
				    "repository; set [github] repo = OWNER/NAME",
				    remote, shown);
			free(shown);
		}
	}
	/* say every problem at once: a wrong remote and no token are two fixes */
	if (gh_token_discover(&tok, &src)) {
		strbuf_addf(err, "%sno GitHub token: %s", err->len > had ? "; and " : "",
			    no_token_advice);
		goto out;
	}
	if (err->len > had) {
		scrub(err, tok.buf);
		goto out;
	}
	if (gh_init(gh, config_get(cfg, "github.api"), tok.buf, owner, repo, err))
		goto out;
	gh->token_source = strbuf_detach(&src, NULL);
	gh->timeout = config_get_real(cfg, "github.timeout");
	gh->retries = (int)config_get_int(cfg, "github.retries");
	gh->retry_delay = config_get_real(cfg, "github.retry-delay");
	gh->retry_max = config_get_real(cfg, "github.retry-max");
	ret = 0;
out:
	explicit_bzero(tok.buf, tok.len);
	strbuf_release(&tok);
	strbuf_release(&src);
	strbuf_release(&url);
	strbuf_release(&gerr);
	free(owner);
	free(repo);
	return ret;
}

/* ---- HTTP ---- */

void gh_response_release(struct gh_response *r)
{
	strbuf_release(&r->body);
}

static void response_reset(struct gh_response *r)
{
	r->status = 0;
	r->transient = 0;
	strbuf_reset(&r->body);
	r->retry_after = -1;
	r->ratelimit_remaining = -1;
	r->ratelimit_reset = 0;
	r->scopes[0] = r->accepted_scopes[0] = '\0';
}

struct sink {
	struct gh_response *r;
	size_t max;
	int too_big;
};

static size_t on_body(char *p, size_t size, size_t n, void *data)
{
	struct sink *s = data;
	size_t len = size * n;
	if (s->r->body.len + len > s->max) {
		s->too_big = 1;
		return 0; /* makes curl fail with CURLE_WRITE_ERROR */
	}
	strbuf_add(&s->r->body, p, len);
	return len;
}

static void copy_field(char *dst, size_t max, const char *v)
{
	size_t n = strlen(v);
	if (n >= max)
		n = max - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *data)
{
	struct sink *s = data;
	struct gh_response *r = s->r;
	size_t len = size * n, nl;
	const char *colon;
	char name[40], val[256];
	double d;
	long l;

	if (len >= 5 && !strncmp(p, "HTTP/", 5)) {
		/* a new response (after a redirect): forget the previous headers */
		r->retry_after = -1;
		r->ratelimit_remaining = -1;
		r->ratelimit_reset = 0;
		r->scopes[0] = r->accepted_scopes[0] = '\0';
		return len;
	}
	colon = memchr(p, ':', len);
	if (!colon || (size_t)(colon - p) >= sizeof(name))
		return len;
	nl = (size_t)(colon - p);
	for (size_t i = 0; i < nl; i++)
		name[i] = (char)tolower((unsigned char)p[i]);
	name[nl] = '\0';
	colon++;
	while (colon < p + len && (*colon == ' ' || *colon == '\t'))
		colon++;
	nl = (size_t)(p + len - colon);
	while (nl && (colon[nl - 1] == '\r' || colon[nl - 1] == '\n' || colon[nl - 1] == ' '))
		nl--;
	if (nl >= sizeof(val))
		nl = sizeof(val) - 1;
	memcpy(val, colon, nl);
	val[nl] = '\0';

	if (!strcmp(name, "retry-after")) {
		if (!parse_double(val, &d)) {
			r->retry_after = d;
		} else {
			time_t t = curl_getdate(val, NULL);
			if (t != (time_t)-1)
				r->retry_after = fmax(0, (double)t - now_wall());
		}
	} else if (!strcmp(name, "x-ratelimit-remaining")) {
		if (!parse_long(val, &l))
			r->ratelimit_remaining = l;
	} else if (!strcmp(name, "x-ratelimit-reset")) {
		if (!parse_double(val, &d))
			r->ratelimit_reset = d;
	} else if (!strcmp(name, "x-oauth-scopes")) {
		copy_field(r->scopes, sizeof(r->scopes), val);
	} else if (!strcmp(name, "x-accepted-oauth-scopes")) {
		copy_field(r->accepted_scopes, sizeof(r->accepted_scopes), val);
	}
	return len;
}

static struct curl_slist *add_header(struct curl_slist *list, const char *h)
{
	struct curl_slist *n = curl_slist_append(list, h);
	if (!n)
		die("out of memory");
	return n;
}

static int is_transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/*
 * One exchange. On no response r->status is 0 and neterr says why; returns
 * 1 when the body was too large (not a network problem), else 0.
 */
static int http_once(struct gh_client *gh, const char *method, const char *url, const char *body,
		     struct gh_response *r, struct strbuf *neterr)
{
	CURL *c = gh->curl;
	struct curl_slist *h = NULL;
	struct sink s = {r, gh->max_body, 0};
	char errbuf[CURL_ERROR_SIZE];
	CURLcode rc;

	errbuf[0] = '\0';
	curl_easy_reset(c);
	h = add_header(h, "Accept: application/vnd.github+json");
	h = add_header(h, "X-GitHub-Api-Version: 2022-11-28");
	if (gh->token) {
		char *auth = xstrfmt("Authorization: Bearer %s", gh->token);
		h = add_header(h, auth);
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	if (body)
		h = add_header(h, "Content-Type: application/json");
	h = add_header(h, "Expect:"); /* no 100-continue round trip */

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "perfloop/" PERFLOOP_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &s);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(gh->timeout * 1000));
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(gh->connect_timeout * 1000));
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	if (!strcmp(method, "GET")) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(body ? strlen(body) : 0));
		if (strcmp(method, "POST"))
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	rc = curl_easy_perform(c);
	curl_slist_free_all(h);
	if (s.too_big) {
		r->status = 0;
		strbuf_addf(neterr, "is larger than %zu bytes (the limit); refusing it",
			    gh->max_body);
	} else if (rc != CURLE_OK) {
		r->status = 0;
		r->transient = is_transient(rc);
		strbuf_addstr(neterr, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	}
	/* the connection cache outlives the reset; the header list must not be referenced */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	return s.too_big;
}

static void sleep_for(double secs)
{
	struct timespec ts, rem;
	if (secs <= 0)
		return;
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &rem) && errno == EINTR)
		ts = rem;
}

/*
 * One API call: method on path (starting with '/') with an optional query
 * (already escaped) and JSON body. Retries as gh_retry_delay() says.
 * Returns 0 on 2xx with the parsed body in *out (NULL when empty or out is
 * NULL), 1 on 404 with GH_ALLOW_404, 2 on 422 with GH_ALLOW_422 (the error
 * document in *out), -1 with err.
 */
int gh_call(struct gh_client *gh, const char *method, const char *path, const char *query,
	    json_t *body, const char *what, unsigned flags, json_t **out, struct strbuf *err)
{
	struct gh_response r = GH_RESPONSE_INIT;
	struct strbuf neterr = STRBUF_INIT, line = STRBUF_INIT;
	char *url = xstrfmt("%s%s%s%s", gh->api_base, path, query ? "?" : "", query ? query : "");
	char *payload = NULL;
	json_error_t je;
	int attempt = 0, ret = -1, too_big = 0;

	if (out)
		*out = NULL;
	if (!gh->curl) {
		strbuf_addstr(err, "the GitHub client is not initialized");
		free(url);
		return -1;
	}
	if (body) {
		payload = json_dumps(body, JSON_COMPACT);
		if (!payload) {
			strbuf_addf(err, "cannot encode the request body for %s %s", method, path);
			goto out;
		}
	}
	for (;;) {
		double delay;
		response_reset(&r);
		strbuf_reset(&neterr);
		too_big = http_once(gh, method, url, payload, &r, &neterr);
		gh->requests++;
		gh->last_status = r.status;
		if (r.status >= 200 && r.status < 300)
			break;
		if (r.status == 404 && (flags & GH_ALLOW_404)) {
			ret = 1;
			goto out;
		}
		delay = gh_retry_delay(gh, &r, attempt, now_wall());
		if (delay >= 0 && delay <= gh->retry_max && attempt < gh->retries) {
			sleep_for(delay);
			attempt++;
			gh->retried++;
			continue;
		}
		if (r.status == 422 && (flags & GH_ALLOW_422) && out) {
			*out = json_loadb(r.body.buf, r.body.len, 0, &je);
			ret = 2;
			goto out;
		}
		if (too_big) {
			strbuf_addf(&line, "GitHub's response to %s %s %s", method, path,
				    neterr.buf);
		} else if (r.status == 0) {
			strbuf_addf(&line, "cannot reach %s (%s %s): %s", gh->host, method, path,
				    neterr.buf);
			if (attempt)
				strbuf_addf(&line, " after %d attempts", attempt + 1);
			strbuf_addstr(&line,
				      "; check the network, the proxy settings and github.api");
		} else {
			gh_describe_error(gh, &r, method, path, what, attempt + 1, &line);
		}
		goto out;
	}
	if (out && r.body.len) {
		*out = json_loadb(r.body.buf, r.body.len, 0, &je);
		if (!*out) {
			strbuf_addf(&line, "GitHub sent invalid JSON for %s %s (%s at line %d)",
				    method, path, je.text, je.line);
			goto out;
		}
	}
	ret = 0;
out:
	scrub(&line, gh->token);
	strbuf_addbuf(err, &line);
	strbuf_release(&line);
	strbuf_release(&neterr);
	gh_response_release(&r);
	free(payload);
	free(url);
	return ret;
}

/* Append s URL-escaped; '/' kept when keep_slash (paths and branch names). */
void gh_add_escaped(struct strbuf *sb, const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || strchr("-._~", c) || (keep_slash && c == '/')) {
			strbuf_addch(sb, (char)c);
		} else {
			strbuf_addch(sb, '%');
			strbuf_addch(sb, hex[c >> 4]);
			strbuf_addch(sb, hex[c & 15]);
		}
	}
}

/* "/repos/OWNER/REPO" + suffix (printf-style). */
char *gh_repo_path(const struct gh_client *gh, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	strbuf_addf(&sb, "/repos/%s/%s", gh->owner, gh->repo);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return strbuf_detach(&sb, NULL);
}

/*
 * Call fn on each element of a paginated list (`key` names the array in an
 * object reply, NULL when the reply is the array). fn returns 0 to go on, 1
 * to stop. Returns 0 or -1 with err.
 */
int gh_each(struct gh_client *gh, const char *path, const char *query, const char *key,
	    const char *what, int (*fn)(json_t *item, void *data), void *data, struct strbuf *err)
{
	int per_page = gh->per_page > 0 ? gh->per_page : 100;
	for (int page = 1; page <= gh->max_pages; page++) {
		char *q = xstrfmt("%s%sper_page=%d&page=%d", query ? query : "", query ? "&" : "",
				  per_page, page);
		json_t *doc = NULL, *arr;
		size_t n;
		int stop = 0, r = gh_call(gh, "GET", path, q, NULL, what, 0, &doc, err);
		free(q);
		if (r)
			return -1;
		arr = key ? json_object_get(doc, key) : doc;
		if (!json_is_array(arr)) {
			strbuf_addf(err, "GitHub sent an unexpected reply to GET %s (no %s list)",
				    path, key ? key : "JSON");
			json_decref(doc);
			return -1;
		}
		n = json_array_size(arr);
		for (size_t i = 0; i < n && !stop; i++)
			stop = fn(json_array_get(arr, i), data);
		json_decref(doc);
		if (stop || n < (size_t)per_page)
			return 0;
	}
	return 0;
}

/* json_string that reports invalid UTF-8 instead of returning NULL silently. */
json_t *gh_jstring(const char *s, const char *what, struct strbuf *err)
{
	json_t *j = json_string(s ? s : "");
	if (!j)
		strbuf_addf(err, "%s is not valid UTF-8", what);
	return j;
}
