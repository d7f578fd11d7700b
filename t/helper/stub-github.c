/*
 * stub-github.c: a small stand-in for the GitHub REST API, for the tests.
 *
 * A single-threaded HTTP/1.1 server on 127.0.0.1 (one request per
 * connection, "Connection: close", Content-Length bodies only, bounded
 * reads with a timeout) serving the endpoints perfloop uses:
 *
 *   GET   /user
 *   GET   /repos/O/R
 *   GET   /repos/O/R/actions/workflows
 *   POST  /repos/O/R/actions/workflows/{id|file}/dispatches
 *   GET   /repos/O/R/actions/workflows/{id|file}/runs
 *   GET   /repos/O/R/pulls
 *   GET   /repos/O/R/git/ref/heads/BRANCH
 *   PATCH /repos/O/R/git/refs/heads/BRANCH
 *   GET   /repos/O/R/git/commits/SHA, POST /repos/O/R/git/commits
 *   POST  /repos/O/R/git/blobs, POST /repos/O/R/git/trees
 *   GET   /repos/O/R/contents/PATH
 *   GET   /repos/O/R/issues/N/comments, POST /repos/O/R/issues/N/comments
 *   PATCH /repos/O/R/issues/comments/ID, DELETE /repos/O/R/issues/comments/ID
 *
 * The Git Data and contents endpoints are backed by a real bare repository
 * (--bare), driven with the git CLI, so tests can check that the branch
 * really moved. A dispatch adds a run that goes queued -> in_progress ->
 * completed over successive listings; --config can add runs that were
 * there before (an in-progress push run on main, someone else's dispatch).
 *
 * Every request is appended to the --record file as one JSON line: seq,
 * method, target (path and query as sent), path, the Accept, API version,
 * User-Agent and Content-Type headers, "auth" (ok / wrong / none / present:
 * the Authorization header is compared with $STUB_GITHUB_TOKEN, never
 * written), the status sent, the injected failure if any, and the body
 * (parsed when JSON).
 *
 * usage: stub-github --port-file FILE --record FILE [--config FILE.json]
 *        [--bare DIR] [--fail 'METHOD GLOB=CODE,CODE...']... [--control FILE]
 *        [--no-run-filter] [--port N]
 *
 * Failure injection: a rule "POST /repos/o/r/actions/workflows/ * /dispatches=500,200"
 * (no spaces around '*'; METHOD may be '*'; GLOB is fnmatch(3) on the path
 * without query) answers its next matching requests with the codes in turn,
 * then serves normally. Codes: 200 (serve normally), 401, 403, 404, 422,
 * 429[:RETRY_AFTER], 5xx, secondary (403 secondary rate limit, no headers),
 * ratelimit[:SECS] (403 with x-ratelimit-remaining: 0), drop (close the
 * connection without an answer), hang:SECS (answer nothing for SECS seconds,
 * then drop), echo (401 echoing the Authorization value
 * back, to check that the client scrubs it), big (200 with a 1 MiB body). The --control file holds
 * rules too, one per line; it is re-read before each request and takes precedence (rewriting it
 * restarts its sequences).
 *
 * --config JSON: {"owner": "o", "repo": "r", "login": "octocat",
 *   "workflows": [{"id": 7, "name": "Bench", "path": ".github/workflows/bench.yml",
 *                  "inputs": ["pr"], "required": ["pr"], "state": "active"}],
 *   "pulls": [{"number": 42, "head": "perf-x", "state": "open"}],
 *   "runs": [{"workflow": 7, "event": "push", "head_branch": "main", "actor": "octocat",
 *             "status": "in_progress", "conclusion": null, "created_offset": -5}],
 *   "dispatch_conclusion": "success",
 *   "comments": [{"issue": 42, "user": "someone", "body": "..."}]}
 * Comments live in memory: issue N must be one of "pulls" (else 404), a body
 * over 65536 characters is refused (422) as GitHub does, a comment may be
 * edited only by its author (403), and a deleted one answers 404.
 * --no-run-filter: the runs list ignores event/actor/created (as a careless
 * server might), so the client's own filter is what the test sees.
 *
 * SIGTERM or SIGINT: finish the current request, clean up, exit 0. It also
 * exits when its parent (the test script) is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <jansson.h>

#include "github/github.h"
#include "proc.h"
#include "strbuf.h"
#include "util.h"
#include "banned.h"

#define MAX_HEADER (64u << 10)
#define MAX_BODY   (64u << 20)

struct rule {
	char *method, *glob;
	char **codes;
	size_t nr, pos;
};

struct rules {
	struct rule *v;
	size_t nr, alloc;
};

struct run {
	int64_t id, wf;
	char *event, *actor, *branch, *status, *conclusion;
	double created;
	int dynamic, polls;
};

static volatile sig_atomic_t stop_flag;
static const char *bare, *control_path;
static char *tmpdir;
static FILE *record;
static long seq;
static json_t *cfg;
static const char *owner = "o", *repo = "r", *login = "octocat";
static char *expect_token;
static int no_run_filter;
static struct rules cli_rules, ctl_rules;
static char *ctl_text;
static struct run *runs;
static size_t runs_nr, runs_alloc;
static int64_t next_run_id = 90001;

struct comment {
	int64_t id;
	long issue;
	char *user, *body;
	double created, updated;
	int deleted;
};
static struct comment *comments;
static size_t comments_nr, comments_alloc;
static int64_t next_comment_id = 1700001;

struct req {
	char method[16];
	char *target, *path, *query;
	struct strbuf body;
	const char *auth;
	char ua[200], accept[200], api_version[64], ctype[100];
};

struct resp {
	int status;
	struct strbuf body;
	struct strbuf headers;
	int drop;
	const char *injected;
	int expect_continue;
};

static void on_term(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* ---- small helpers ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char *url_decode(const char *s, size_t n, int plus_space)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		int h, l;
		if (s[i] == '%' && i + 2 < n && (h = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (l = hexval((unsigned char)s[i + 2])) >= 0) {
			strbuf_addch(&sb, (char)(h * 16 + l));
			i += 2;
		} else if (plus_space && s[i] == '+') {
			strbuf_addch(&sb, ' ');
		} else {
			strbuf_addch(&sb, s[i]);
		}
	}
	return strbuf_detach(&sb, NULL);
}

/* Decoded value of key in the query, or NULL. */
static char *qget(const char *query, const char *key)
{
	size_t kl = strlen(key);
	const char *p = query;
	while (p && *p) {
		const char *amp = strchrnul(p, '&');
		if ((size_t)(amp - p) > kl && !strncmp(p, key, kl) && p[kl] == '=')
			return url_decode(p + kl + 1, (size_t)(amp - p) - kl - 1, 1);
		p = *amp ? amp + 1 : NULL;
	}
	return NULL;
}

static long qget_long(const char *query, const char *key, long def)
{
	char *v = qget(query, key);
	long l;
	if (!v || parse_long(v, &l) || l <= 0)
		l = def;
	free(v);
	return l;
}

static void iso_time(char *buf, size_t len, double t)
{
	gh_format_time(buf, len, t);
}

static int is_hex(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);
	if (n < min || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (hexval((unsigned char)s[i]) < 0)
			return 0;
	return 1;
}

static void reply(struct resp *r, int status, json_t *doc)
{
	r->status = status;
	strbuf_reset(&r->body);
	if (doc) {
		char *s = json_dumps(doc, JSON_COMPACT);
		strbuf_addstr(&r->body, s);
		free(s);
		json_decref(doc);
	}
}

static void reply_msg(struct resp *r, int status, const char *msg)
{
	reply(r, status,
	      json_pack("{s:s, s:s}", "message", msg, "documentation_url",
			"https://docs.github.com/rest"));
}

/* ---- git ---- */

/*
 * Run git --git-dir=BARE ARGS with extra env; stdout (trimmed) into out.
 * Returns git's exit status, or -1 when it could not run.
 */
static int git_env(struct strbuf *out, const char *const *env, ...)
{
	const char *argv[40];
	size_t n = 0;
	va_list ap;
	struct child c = CHILD_INIT;
	struct strbuf junk = STRBUF_INIT, errbuf = STRBUF_INIT, err = STRBUF_INIT;
	int ret;

	argv[n++] = "git";
	argv[n++] = "--git-dir";
	argv[n++] = bare;
	va_start(ap, env);
	for (const char *a; (a = va_arg(ap, const char *)) && n < ARRAY_SIZE(argv) - 1;)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	c.argv = argv;
	c.env = env;
	c.out = out ? out : &junk;
	c.errbuf = &errbuf;
	c.timeout = 30;
	if (out)
		strbuf_reset(out);
	ret = child_run(&c, &err) ? -1 : c.status;
	if (ret && (errbuf.len || err.len)) /* a plain "no" (exit 1, silent) is an answer */
		fprintf(stderr, "stub-github: git %s: %s%s\n", argv[3], errbuf.buf, err.buf);
	if (out)
		strbuf_trim(out);
	strbuf_release(&junk);
	strbuf_release(&errbuf);
	strbuf_release(&err);
	return ret;
}

#define git(out, ...) git_env(out, NULL, __VA_ARGS__, NULL)

/* The object's type, or "" when it does not exist. */
static void object_type(const char *sha, struct strbuf *out)
{
	if (!is_hex(sha, 40, 40) || git(out, "cat-file", "-t", sha))
		strbuf_reset(out);
}

/* ---- failure injection ---- */

static void rules_clear(struct rules *rs)
{
	for (size_t i = 0; i < rs->nr; i++) {
		struct rule *r = &rs->v[i];
		for (size_t j = 0; j < r->nr; j++)
			free(r->codes[j]);
		free(r->codes);
		free(r->method);
		free(r->glob);
	}
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

static int rule_add(struct rules *rs, const char *spec)
{
	const char *sp = strchr(spec, ' '), *eq = strrchr(spec, '=');
	struct rule r = {0};
	size_t alloc = 0;
	const char *p;
	if (!sp || !eq || eq < sp)
		return -1;
	r.method = xstrndup(spec, (size_t)(sp - spec));
	while (*sp == ' ')
		sp++;
	r.glob = xstrndup(sp, (size_t)(eq - sp));
	for (size_t n = strlen(r.glob); n && r.glob[n - 1] == ' ';)
		r.glob[--n] = '\0';
	for (p = eq + 1; *p;) {
		const char *comma = strchrnul(p, ',');
		ALLOC_GROW(r.codes, r.nr + 1, alloc);
		r.codes[r.nr++] = xstrndup(p, (size_t)(comma - p));
		p = *comma ? comma + 1 : comma;
	}
	ALLOC_GROW(rs->v, rs->nr + 1, rs->alloc);
	rs->v[rs->nr++] = r;
	return 0;
}

static void reload_control(void)
{
	struct strbuf sb = STRBUF_INIT;
	if (!control_path)
		return;
	if (strbuf_read_file(&sb, control_path, 1 << 16) < 0)
		strbuf_reset(&sb);
	if (ctl_text && !strcmp(ctl_text, sb.buf)) {
		strbuf_release(&sb);
		return;
	}
	free(ctl_text);
	ctl_text = xstrdup(sb.buf);
	rules_clear(&ctl_rules);
	for (char *line = sb.buf; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		struct strbuf l = STRBUF_INIT;
		strbuf_addstr(&l, line);
		strbuf_trim(&l);
		if (l.len && l.buf[0] != '#' && rule_add(&ctl_rules, l.buf))
			fprintf(stderr, "stub-github: bad rule in %s: %s\n", control_path, l.buf);
		strbuf_release(&l);
		line = nl ? nl + 1 : NULL;
	}
	strbuf_release(&sb);
}

static const char *take_code(struct rules *rs, const struct req *q)
{
	for (size_t i = 0; i < rs->nr; i++) {
		struct rule *r = &rs->v[i];
		if (r->pos >= r->nr)
			continue;
		if (strcmp(r->method, "*") && strcasecmp(r->method, q->method))
			continue;
		if (fnmatch(r->glob, q->path, 0))
			continue;
		return r->codes[r->pos++];
	}
	return NULL;
}

/* Answer with an injected failure; 0 when the code says "serve normally". */
static int inject(const char *code, const struct req *q, struct resp *r)
{
	const char *colon = strchr(code, ':');
	long arg = 0;
	if (colon && parse_long(colon + 1, &arg))
		arg = 0;
	r->injected = code;
	if (!strcmp(code, "200") || !strcmp(code, "pass"))
		return 0;
	if (!strncmp(code, "hang", 4)) { /* answer nothing for a while, then drop */
		struct timespec ts = {0, 50 * 1000 * 1000};
		for (long i = 0; i < arg * 20 && !stop_flag; i++)
			nanosleep(&ts, NULL);
		r->drop = 1;
		return 1;
	}
	if (!strcmp(code, "drop")) {
		r->drop = 1;
		return 1;
	}
	if (!strcmp(code, "401")) {
		reply_msg(r, 401, "Bad credentials");
	} else if (!strcmp(code, "echo")) {
		char *m = xstrfmt("Bad credentials: got '%s'", q->auth ? q->auth : "");
		reply_msg(r, 401, m);
		free(m);
	} else if (!strcmp(code, "403")) {
		reply_msg(r, 403, "Resource not accessible by personal access token");
		strbuf_addstr(&r->headers, "X-OAuth-Scopes: read:org\r\n"
					   "X-Accepted-OAuth-Scopes: repo\r\n");
	} else if (!strcmp(code, "404")) {
		reply_msg(r, 404, "Not Found");
	} else if (!strcmp(code, "422")) {
		reply(r, 422,
		      json_pack("{s:s, s:[{s:s, s:s, s:s}]}", "message", "Validation Failed",
				"errors", "resource", "stub", "code", "invalid", "message",
				"injected by the stub"));
	} else if (!strncmp(code, "429", 3)) {
		reply_msg(r, 429, "You have exceeded a secondary rate limit.");
		strbuf_addf(&r->headers, "Retry-After: %ld\r\n", arg);
	} else if (!strcmp(code, "secondary")) {
		reply_msg(r, 403,
			  "You have exceeded a secondary rate limit. Please wait a few "
			  "minutes before you try again.");
	} else if (!strncmp(code, "ratelimit", 9)) {
		reply_msg(r, 403, "API rate limit exceeded for user ID 1.");
		strbuf_addf(&r->headers,
			    "X-RateLimit-Limit: 5000\r\nX-RateLimit-Remaining: 0\r\n"
			    "X-RateLimit-Reset: %ld\r\n",
			    (long)time(NULL) - 1 + arg);
	} else if (!strcmp(code, "big")) {
		r->status = 200;
		strbuf_addstr(&r->body, "{\"message\":\"");
		for (int i = 0; i < (1 << 20); i++)
			strbuf_addch(&r->body, 'x');
		strbuf_addstr(&r->body, "\"}");
	} else if (code[0] == '5' && strlen(code) == 3) {
		reply_msg(r, atoi(code), "Server Error");
	} else {
		fprintf(stderr, "stub-github: unknown injected code '%s'\n", code);
		reply_msg(r, 500, "stub: unknown injected code");
	}
	return 1;
}

/* ---- configuration ---- */

static json_t *find_workflow(const char *key)
{
	json_t *wfs = json_object_get(cfg, "workflows"), *w;
	size_t i;
	json_array_foreach(wfs, i, w)
	{
		const char *path = json_string_value(json_object_get(w, "path"));
		char idbuf[32];
		snprintf(idbuf, sizeof(idbuf), "%lld",
			 (long long)json_integer_value(json_object_get(w, "id")));
		if (!strcmp(key, idbuf) || (path && (!strcmp(key, path_basename(path)))))
			return w;
	}
	return NULL;
}

static int wf_has_input(json_t *w, const char *name, const char *list)
{
	json_t *inputs = json_object_get(w, list), *v;
	size_t i;
	json_array_foreach(inputs, i, v)
	{
		if (json_is_string(v) && !strcmp(json_string_value(v), name))
			return 1;
	}
	return 0;
}

static const char *cfg_str(json_t *o, const char *key, const char *def)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : def;
}

static void add_run(int64_t wf, const char *event, const char *actor, const char *branch,
		    const char *status, const char *conclusion, double created, int dynamic)
{
	struct run *r;
	ALLOC_GROW(runs, runs_nr + 1, runs_alloc);
	r = &runs[runs_nr++];
	memset(r, 0, sizeof(*r));
	r->id = next_run_id++;
	r->wf = wf;
	r->event = xstrdup(event);
	r->actor = xstrdup(actor);
	r->branch = xstrdup(branch);
	r->status = xstrdup(status);
	r->conclusion = conclusion ? xstrdup(conclusion) : NULL;
	r->created = created;
	r->dynamic = dynamic;
}

static void load_config_runs(double now)
{
	json_t *list = json_object_get(cfg, "runs"), *it;
	json_t *wfs = json_object_get(cfg, "workflows");
	int64_t first = (int64_t)json_integer_value(json_object_get(json_array_get(wfs, 0), "id"));
	size_t i;
	json_array_foreach(list, i, it)
	{
		json_t *wf = json_object_get(it, "workflow");
		add_run(wf ? (int64_t)json_integer_value(wf) : first, cfg_str(it, "event", "push"),
			cfg_str(it, "actor", login), cfg_str(it, "head_branch", "main"),
			cfg_str(it, "status", "in_progress"),
			json_string_value(json_object_get(it, "conclusion")),
			now + json_number_value(json_object_get(it, "created_offset")), 0);
	}
}

/* ---- endpoints ---- */

static void ep_workflows(const struct req *q, struct resp *r)
{
	json_t *wfs = json_object_get(cfg, "workflows"), *out = json_array(), *w;
	long per = qget_long(q->query, "per_page", 30), page = qget_long(q->query, "page", 1);
	size_t i, total = json_array_size(wfs);
	json_array_foreach(wfs, i, w)
	{
		if (i < (size_t)((page - 1) * per) || i >= (size_t)(page * per))
			continue;
		json_array_append_new(out, json_pack("{s:I, s:s, s:s, s:s}", "id",
						     json_integer_value(json_object_get(w, "id")),
						     "name", cfg_str(w, "name", ""), "path",
						     cfg_str(w, "path", ""), "state",
						     cfg_str(w, "state", "active")));
	}
	reply(r, 200, json_pack("{s:I, s:o}", "total_count", (json_int_t)total, "workflows", out));
}

static void ep_dispatch(const char *wfkey, const struct req *q, struct resp *r)
{
	json_t *w = find_workflow(wfkey), *body = NULL, *inputs, *v, *unexpected = json_array();
	json_error_t je;
	const char *ref, *key;
	struct strbuf sb = STRBUF_INIT;
	char *spec = NULL;
	size_t i;

	if (!w) {
		reply_msg(r, 404, "Not Found");
		goto out;
	}
	body = json_loadb(q->body.buf, q->body.len, 0, &je);
	if (!json_is_object(body)) {
		reply_msg(r, 400, "Problems parsing JSON");
		goto out;
	}
	ref = json_string_value(json_object_get(body, "ref"));
	if (!ref || !*ref) {
		reply_msg(r, 422, "Invalid request.\n\n\"ref\" wasn't supplied.");
		goto out;
	}
	spec = xstrfmt("%s^{commit}", ref);
	if (bare && (ref[0] == '-' || git(NULL, "rev-parse", "--verify", "-q", spec))) {
		char *m = xstrfmt("No ref found for: %s", ref);
		reply_msg(r, 422, m);
		free(m);
		goto out;
	}
	inputs = json_object_get(body, "inputs");
	if (inputs && !json_is_object(inputs)) {
		reply_msg(r, 422,
			  "Invalid request.\n\nFor 'properties/inputs', it is not an object.");
		goto out;
	}
	json_object_foreach(inputs, key, v)
	{
		if (!wf_has_input(w, key, "inputs"))
			json_array_append_new(unexpected, json_string(key));
		else if (!json_is_string(v)) {
			char *m = xstrfmt(
			    "Invalid request.\n\nFor 'properties/%s', it is not a string.", key);
			reply_msg(r, 422, m);
			free(m);
			goto out;
		}
	}
	if (json_array_size(unexpected)) {
		char *list = json_dumps(unexpected, JSON_COMPACT);
		strbuf_addf(&sb, "Unexpected inputs provided: %s", list);
		free(list);
		reply_msg(r, 422, sb.buf);
		goto out;
	}
	json_array_foreach(json_object_get(w, "required"), i, v)
	{
		if (json_is_string(v) && !json_object_get(inputs, json_string_value(v))) {
			strbuf_addf(&sb, "Required input '%s' not provided", json_string_value(v));
			reply_msg(r, 422, sb.buf);
			goto out;
		}
	}
	add_run((int64_t)json_integer_value(json_object_get(w, "id")), "workflow_dispatch", login,
		ref, "queued", NULL, now_wall(), 1);
	reply(r, 204, NULL);
out:
	free(spec);
	json_decref(body);
	json_decref(unexpected);
	strbuf_release(&sb);
}

static int run_newer(const void *a, const void *b)
{
	const struct run *x = *(const struct run *const *)a, *y = *(const struct run *const *)b;
	if (x->created != y->created)
		return x->created > y->created ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id;
}

static void ep_runs(const char *wfkey, const struct req *q, struct resp *r)
{
	json_t *w = find_workflow(wfkey), *out;
	char *event = qget(q->query, "event"), *actor = qget(q->query, "actor");
	char *created = qget(q->query, "created");
	long per = qget_long(q->query, "per_page", 30), page = qget_long(q->query, "page", 1);
	double since = 0;
	struct run **sel = NULL;
	size_t nsel = 0, alloc = 0, total;
	int64_t wf;

	if (!w) {
		reply_msg(r, 404, "Not Found");
		goto out;
	}
	wf = (int64_t)json_integer_value(json_object_get(w, "id"));
	if (created && !strncmp(created, ">=", 2))
		since = gh_parse_time(created + 2);
	for (size_t i = 0; i < runs_nr; i++) {
		struct run *x = &runs[i];
		if (x->wf != wf)
			continue;
		if (!no_run_filter &&
		    ((event && strcmp(event, x->event)) || (actor && strcmp(actor, x->actor)) ||
		     (since > 0 && x->created < since)))
			continue;
		ALLOC_GROW(sel, nsel + 1, alloc);
		sel[nsel++] = x;
	}
	if (nsel)
		qsort(sel, nsel, sizeof(*sel), run_newer);
	total = nsel;
	out = json_array();
	for (size_t i = (size_t)((page - 1) * per); i < nsel && i < (size_t)(page * per); i++) {
		struct run *x = sel[i];
		char ts[32], *url;
		const char *status = x->status, *concl = x->conclusion;
		if (x->dynamic) {
			status = x->polls == 0	 ? "queued"
				 : x->polls == 1 ? "in_progress"
						 : "completed";
			concl =
			    x->polls >= 2 ? cfg_str(cfg, "dispatch_conclusion", "success") : NULL;
			x->polls++;
		}
		iso_time(ts, sizeof(ts), x->created);
		url = xstrfmt("https://github.com/%s/%s/actions/runs/%lld", owner, repo,
			      (long long)x->id);
		json_array_append_new(
		    out,
		    json_pack("{s:I, s:I, s:s, s:s, s:o, s:s, s:s, s:s, s:{s:s}, s:{s:s}, s:s}",
			      "id", (json_int_t)x->id, "workflow_id", (json_int_t)x->wf, "name",
			      cfg_str(w, "name", ""), "status", status, "conclusion",
			      concl ? json_string(concl) : json_null(), "html_url", url,
			      "head_branch", x->branch, "event", x->event, "actor", "login",
			      x->actor, "triggering_actor", "login", x->actor, "created_at", ts));
		free(url);
	}
	reply(r, 200,
	      json_pack("{s:I, s:o}", "total_count", (json_int_t)total, "workflow_runs", out));
out:
	free(sel);
	free(event);
	free(actor);
	free(created);
}

static void ep_pulls(const struct req *q, struct resp *r)
{
	json_t *pulls = json_object_get(cfg, "pulls"), *p, *out = json_array();
	char *state = qget(q->query, "state"), *head = qget(q->query, "head");
	size_t i;
	json_array_foreach(pulls, i, p)
	{
		const char *ref = cfg_str(p, "head", ""), *st = cfg_str(p, "state", "open");
		char *label = xstrfmt("%s:%s", cfg_str(p, "owner", owner), ref);
		int keep = (!head || !strcmp(head, label)) &&
			   (!state || !strcmp(state, "all") || !strcmp(state, st));
		if (keep) {
			json_int_t num = json_integer_value(json_object_get(p, "number"));
			char *url = xstrfmt("https://github.com/%s/%s/pull/%lld", owner, repo,
					    (long long)num);
			json_array_append_new(
			    out, json_pack("{s:I, s:s, s:s, s:{s:s, s:s}, s:{s:s}}", "number", num,
					   "state", st, "html_url", url, "head", "ref", ref,
					   "label", label, "base", "ref", "main"));
			free(url);
		}
		free(label);
	}
	reply(r, 200, out);
	free(state);
	free(head);
}

/* ---- issue comments ---- */

static int issue_exists(long number)
{
	json_t *pulls = json_object_get(cfg, "pulls"), *p;
	size_t i;
	json_array_foreach(pulls, i, p)
	{
		if (json_integer_value(json_object_get(p, "number")) == number)
			return 1;
	}
	return 0;
}

static struct comment *add_comment(long issue, const char *user, const char *body)
{
	struct comment *c;
	ALLOC_GROW(comments, comments_nr + 1, comments_alloc);
	c = &comments[comments_nr++];
	memset(c, 0, sizeof(*c));
	c->id = next_comment_id++;
	c->issue = issue;
	c->user = xstrdup(user);
	c->body = xstrdup(body);
	c->created = c->updated = now_wall();
	return c;
}

static struct comment *find_comment(const char *id)
{
	long n;
	if (parse_long(id, &n))
		return NULL;
	for (size_t i = 0; i < comments_nr; i++)
		if (comments[i].id == n && !comments[i].deleted)
			return &comments[i];
	return NULL;
}

static json_t *comment_json(const struct comment *c)
{
	char created[32], updated[32], *url;
	json_t *o;
	iso_time(created, sizeof(created), c->created);
	iso_time(updated, sizeof(updated), c->updated);
	url = xstrfmt("https://github.com/%s/%s/pull/%ld#issuecomment-%lld", owner, repo,
		      c->issue, (long long)c->id);
	o = json_pack("{s:I, s:s, s:s, s:{s:s}, s:s, s:s}", "id", (json_int_t)c->id, "html_url",
		      url, "body", c->body, "user", "login", c->user, "created_at", created,
		      "updated_at", updated);
	free(url);
	return o;
}

static void load_config_comments(void)
{
	json_t *list = json_object_get(cfg, "comments"), *it;
	size_t i;
	json_array_foreach(list, i, it)
	{
		add_comment((long)json_integer_value(json_object_get(it, "issue")),
			    cfg_str(it, "user", login), cfg_str(it, "body", ""));
	}
}

/* The "body" of a comment request, or NULL after answering 422 (missing, too long). */
static const char *comment_body(json_t *body, struct resp *r)
{
	const char *text = json_string_value(json_object_get(body, "body"));
	size_t chars = 0;
	if (!text) {
		reply_msg(r, 422, "Invalid request.\n\n\"body\" wasn't supplied.");
		return NULL;
	}
	for (const char *p = text; *p; p++) /* GitHub counts characters, not bytes */
		chars += ((unsigned char)*p & 0xC0) != 0x80;
	if (chars > 65536) {
		reply(r, 422,
		      json_pack("{s:s, s:[{s:s, s:s, s:s, s:s}]}", "message", "Validation Failed",
				"errors", "resource", "IssueComment", "code", "custom", "field",
				"body", "message",
				"body is too long (maximum is 65536 characters)"));
		return NULL;
	}
	return text;
}

static void ep_comments(const char *issue, const struct req *q, struct resp *r)
{
	long number, per = qget_long(q->query, "per_page", 30);
	long page = qget_long(q->query, "page", 1);
	json_error_t je;
	json_t *body = NULL, *out;
	const char *text;
	size_t seen = 0;
	if (parse_long(issue, &number) || !issue_exists(number)) {
		reply_msg(r, 404, "Not Found");
		return;
	}
	if (!strcmp(q->method, "POST")) {
		body = json_loadb(q->body.buf, q->body.len, 0, &je);
		if ((text = comment_body(body, r)))
			reply(r, 201, comment_json(add_comment(number, login, text)));
		json_decref(body);
		return;
	}
	out = json_array();
	for (size_t i = 0; i < comments_nr; i++) {
		if (comments[i].issue != number || comments[i].deleted)
			continue;
		if (seen >= (size_t)((page - 1) * per) && seen < (size_t)(page * per))
			json_array_append_new(out, comment_json(&comments[i]));
		seen++;
	}
	reply(r, 200, out);
}

static void ep_comment(const char *id, const struct req *q, struct resp *r)
{
	struct comment *c = find_comment(id);
	json_error_t je;
	json_t *body;
	const char *text;
	if (!c) {
		reply_msg(r, 404, "Not Found");
		return;
	}
	if (strcmp(c->user, login)) {
		reply_msg(r, 403, "You must be the author of this comment to change it.");
		return;
	}
	if (!strcmp(q->method, "DELETE")) {
		c->deleted = 1;
		reply(r, 204, NULL);
		return;
	}
	body = json_loadb(q->body.buf, q->body.len, 0, &je);
	if ((text = comment_body(body, r))) {
		free(c->body);
		c->body = xstrdup(text);
		c->updated = now_wall();
		reply(r, 200, comment_json(c));
	}
	json_decref(body);
}

/* ---- Git Data API on the bare repository ---- */

static void ep_get_ref(const char *branch, struct resp *r)
{
	struct strbuf sha = STRBUF_INIT;
	char *ref = xstrfmt("refs/heads/%s", branch);
	if (branch[0] == '-' || git(NULL, "check-ref-format", ref) ||
	    git(&sha, "rev-parse", "--verify", "-q", ref)) {
		reply_msg(r, 404, "Not Found");
	} else {
		reply(r, 200,
		      json_pack("{s:s, s:{s:s, s:s}}", "ref", ref, "object", "sha", sha.buf, "type",
				"commit"));
	}
	strbuf_release(&sha);
	free(ref);
}

static void ep_get_commit(const char *sha, struct resp *r)
{
	struct strbuf out = STRBUF_INIT, type = STRBUF_INIT;
	json_t *parents = json_array();
	const char *tree = NULL;
	object_type(sha, &type);
	if (strcmp(type.buf, "commit") || git(&out, "cat-file", "commit", sha)) {
		reply_msg(r, 404, "Not Found");
		json_decref(parents);
		goto out;
	}
	for (char *line = out.buf; line && *line && *line != '\n';) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (!strncmp(line, "tree ", 5))
			tree = line + 5;
		else if (!strncmp(line, "parent ", 7))
			json_array_append_new(parents, json_pack("{s:s}", "sha", line + 7));
		line = nl ? nl + 1 : NULL;
	}
	reply(r, 200,
	      json_pack("{s:s, s:{s:s}, s:o}", "sha", sha, "tree", "sha", tree ? tree : "",
			"parents", parents));
out:
	strbuf_release(&out);
	strbuf_release(&type);
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode base64 (whitespace ignored); -1 on a bad character. */
static int b64_decode(const char *s, struct strbuf *out)
{
	unsigned long acc = 0;
	int bits = 0;
	for (; *s; s++) {
		int v;
		if (*s == '=' || *s == '\n' || *s == '\r' || *s == ' ')
			continue;
		if ((v = b64val((unsigned char)*s)) < 0)
			return -1;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			strbuf_addch(out, (char)((acc >> bits) & 0xff));
		}
	}
	return 0;
}

/* Write bytes as a blob; sha into out. */
static int write_blob(const char *data, size_t len, struct strbuf *out)
{
	char *path = xstrfmt("%s/blob", tmpdir);
	FILE *f = fopen(path, "wb");
	int ret = -1;
	if (f && fwrite(data, 1, len, f) == len && !fclose(f)) {
		f = NULL;
		ret = git(out, "hash-object", "-w", "--no-filters", "--", path) ? -1 : 0;
	}
	if (f)
		fclose(f);
	free(path);
	return ret;
}

static void ep_post_blob(const struct req *q, struct resp *r)
{
	json_error_t je;
	json_t *body = json_loadb(q->body.buf, q->body.len, 0, &je);
	const char *content = json_string_value(json_object_get(body, "content"));
	const char *enc = cfg_str(body, "encoding", "utf-8");
	struct strbuf data = STRBUF_INIT, sha = STRBUF_INIT;
	if (!content) {
		reply_msg(r, 422, "Invalid request.\n\n\"content\" wasn't supplied.");
	} else if (!strcmp(enc, "base64") ? b64_decode(content, &data)
		   : strcmp(enc, "utf-8") && strcmp(enc, "utf8")
		       ? -1
		       : (strbuf_addstr(&data, content), 0)) {
		reply_msg(r, 422, "Invalid request: bad content or encoding");
	} else if (write_blob(data.buf, data.len, &sha)) {
		reply_msg(r, 500, "stub: git hash-object failed");
	} else {
		reply(r, 201,
		      json_pack("{s:s, s:I}", "sha", sha.buf, "size", (json_int_t)data.len));
	}
	json_decref(body);
	strbuf_release(&data);
	strbuf_release(&sha);
}

static int valid_mode(const char *m)
{
	return m && (!strcmp(m, "100644") || !strcmp(m, "100755") || !strcmp(m, "120000"));
}

static void ep_post_tree(const struct req *q, struct resp *r)
{
	json_error_t je;
	json_t *body = json_loadb(q->body.buf, q->body.len, 0, &je), *tree, *e;
	const char *base = json_string_value(json_object_get(body, "base_tree"));
	char *idx = xstrfmt("GIT_INDEX_FILE=%s/index", tmpdir);
	char *wt = xstrfmt("GIT_WORK_TREE=%s/wt", tmpdir);
	const char *env[] = {idx, wt, NULL};
	struct strbuf sha = STRBUF_INIT, type = STRBUF_INIT, m = STRBUF_INIT;
	size_t i;

	unlink(idx + strlen("GIT_INDEX_FILE="));
	tree = json_object_get(body, "tree");
	if (!json_is_array(tree)) {
		reply_msg(r, 422, "Invalid request.\n\n\"tree\" wasn't supplied.");
		goto out;
	}
	if (base) {
		object_type(base, &type);
		if (strcmp(type.buf, "tree") && strcmp(type.buf, "commit")) {
			reply_msg(r, 422, "Invalid request: base_tree is not a tree");
			goto out;
		}
	}
	if (git_env(NULL, env, "read-tree", base ? base : "--empty", NULL)) {
		reply_msg(r, 500, "stub: git read-tree failed");
		goto out;
	}
	json_array_foreach(tree, i, e)
	{
		const char *path = json_string_value(json_object_get(e, "path"));
		const char *mode = json_string_value(json_object_get(e, "mode"));
		json_t *jsha = json_object_get(e, "sha");
		const char *content = json_string_value(json_object_get(e, "content"));
		char *info;
		if (!path || !*path || path[0] == '/' || !valid_mode(mode) ||
		    strcmp(cfg_str(e, "type", "blob"), "blob")) {
			strbuf_setf(&m, "GitTree: bad entry %zu (path, mode or type)", i);
			reply_msg(r, 422, m.buf);
			goto out;
		}
		if (json_is_null(jsha)) {
			if (git_env(NULL, env, "update-index", "--force-remove", "--", path,
				    NULL)) {
				reply_msg(r, 500, "stub: git update-index failed");
				goto out;
			}
			continue;
		}
		if (content) {
			if (write_blob(content, strlen(content), &sha)) {
				reply_msg(r, 500, "stub: git hash-object failed");
				goto out;
			}
		} else {
			strbuf_reset(&sha);
			strbuf_addstr(&sha, json_string_value(jsha) ? json_string_value(jsha) : "");
			object_type(sha.buf, &type);
			if (strcmp(type.buf, "blob")) {
				strbuf_setf(&m, "GitRPC::BadObjectState: tree.sha %s is not a blob",
					    sha.buf);
				reply_msg(r, 422, m.buf);
				goto out;
			}
		}
		info = xstrfmt("%s,%s,%s", mode, sha.buf, path);
		if (git_env(NULL, env, "update-index", "--add", "--cacheinfo", info, NULL)) {
			free(info);
			reply_msg(r, 422, "GitTree: cannot add the entry");
			goto out;
		}
		free(info);
	}
	if (git_env(&sha, env, "write-tree", NULL)) {
		reply_msg(r, 500, "stub: git write-tree failed");
		goto out;
	}
	reply(r, 201, json_pack("{s:s, s:[]}", "sha", sha.buf, "tree"));
out:
	json_decref(body);
	strbuf_release(&sha);
	strbuf_release(&type);
	strbuf_release(&m);
	free(idx);
	free(wt);
}

static void ep_post_commit(const struct req *q, struct resp *r)
{
	json_error_t je;
	json_t *body = json_loadb(q->body.buf, q->body.len, 0, &je), *parents, *p;
	json_t *author, *committer, *jparents = json_array();
	const char *msg = json_string_value(json_object_get(body, "message"));
	const char *tree = json_string_value(json_object_get(body, "tree"));
	struct strbuf type = STRBUF_INIT, sha = STRBUF_INIT;
	const char *argv[64];
	char *env[7] = {NULL};
	char *msgfile = xstrfmt("%s/msg", tmpdir), *email = xstrfmt("%s@users.noreply", login);
	size_t n = 0, i;
	FILE *f;
	struct child c = CHILD_INIT;
	struct strbuf err = STRBUF_INIT, errbuf = STRBUF_INIT;

	if (!msg || !tree) {
		reply_msg(r, 422, "Invalid request.\n\n\"message\" and \"tree\" are required.");
		goto out;
	}
	object_type(tree, &type);
	if (strcmp(type.buf, "tree")) {
		reply_msg(r, 422, "Tree SHA does not exist");
		goto out;
	}
	argv[n++] = "git";
	argv[n++] = "--git-dir";
	argv[n++] = bare;
	argv[n++] = "commit-tree";
	argv[n++] = tree;
	parents = json_object_get(body, "parents");
	json_array_foreach(parents, i, p)
	{
		const char *ps = json_string_value(p);
		object_type(ps ? ps : "", &type);
		if (strcmp(type.buf, "commit") || n >= ARRAY_SIZE(argv) - 4) {
			reply_msg(r, 422, "Parent SHA does not exist or is not a commit object");
			goto out;
		}
		argv[n++] = "-p";
		argv[n++] = ps;
		json_array_append_new(jparents, json_pack("{s:s}", "sha", ps));
	}
	f = fopen(msgfile, "w");
	if (!f || fputs(msg, f) < 0 || fclose(f)) {
		reply_msg(r, 500, "stub: cannot write the message");
		goto out;
	}
	argv[n++] = "-F";
	argv[n++] = msgfile;
	argv[n] = NULL;
	author = json_object_get(body, "author");
	committer = json_object_get(body, "committer");
	if (!committer)
		committer = author;
	env[0] = xstrfmt("GIT_AUTHOR_NAME=%s", cfg_str(author, "name", login));
	env[1] = xstrfmt("GIT_AUTHOR_EMAIL=%s", cfg_str(author, "email", email));
	env[2] = xstrfmt("GIT_COMMITTER_NAME=%s", cfg_str(committer, "name", login));
	env[3] = xstrfmt("GIT_COMMITTER_EMAIL=%s", cfg_str(committer, "email", email));
	n = 4;
	if (json_string_value(json_object_get(author, "date")))
		env[n++] = xstrfmt("GIT_AUTHOR_DATE=%s", cfg_str(author, "date", ""));
	if (json_string_value(json_object_get(committer, "date")))
		env[n++] = xstrfmt("GIT_COMMITTER_DATE=%s", cfg_str(committer, "date", ""));
	c.argv = argv;
	c.env = (const char *const *)env;
	c.out = &sha;
	c.errbuf = &errbuf;
	if (child_run(&c, &err) || c.status) {
		fprintf(stderr, "stub-github: git commit-tree: %s%s\n", errbuf.buf, err.buf);
		reply_msg(r, 500, "stub: git commit-tree failed");
		goto out;
	}
	strbuf_trim(&sha);
	reply(r, 201,
	      json_pack("{s:s, s:{s:s}, s:O, s:s}", "sha", sha.buf, "tree", "sha", tree, "parents",
			jparents, "message", msg));
out:
	for (i = 0; i < ARRAY_SIZE(env); i++)
		free(env[i]);
	json_decref(jparents);
	json_decref(body);
	strbuf_release(&type);
	strbuf_release(&sha);
	strbuf_release(&err);
	strbuf_release(&errbuf);
	free(msgfile);
	free(email);
}

static void ep_patch_ref(const char *branch, const struct req *q, struct resp *r)
{
	json_error_t je;
	json_t *body = json_loadb(q->body.buf, q->body.len, 0, &je);
	const char *sha = json_string_value(json_object_get(body, "sha"));
	int force = json_is_true(json_object_get(body, "force"));
	char *ref = xstrfmt("refs/heads/%s", branch);
	struct strbuf old = STRBUF_INIT, type = STRBUF_INIT;

	if (!sha) {
		reply_msg(r, 422, "Invalid request.\n\n\"sha\" wasn't supplied.");
		goto out;
	}
	if (branch[0] == '-' || git(&old, "rev-parse", "--verify", "-q", ref)) {
		reply_msg(r, 422, "Reference does not exist");
		goto out;
	}
	object_type(sha, &type);
	if (strcmp(type.buf, "commit")) {
		reply_msg(r, 422, "Object does not exist");
		goto out;
	}
	if (!force && strcmp(old.buf, sha) &&
	    git(NULL, "merge-base", "--is-ancestor", old.buf, sha)) {
		reply_msg(r, 422, "Update is not a fast forward");
		goto out;
	}
	if (git(NULL, "update-ref", ref, sha, old.buf)) {
		reply_msg(r, 422, "Reference cannot be updated");
		goto out;
	}
	reply(r, 200,
	      json_pack("{s:s, s:{s:s, s:s}}", "ref", ref, "object", "sha", sha, "type", "commit"));
out:
	json_decref(body);
	strbuf_release(&old);
	strbuf_release(&type);
	free(ref);
}

static void ep_contents(const char *path, const struct req *q, struct resp *r)
{
	char *ref = qget(q->query, "ref"), *spec;
	struct strbuf sha = STRBUF_INIT, type = STRBUF_INIT, size = STRBUF_INIT;
	if (!ref)
		ref = xstrdup("HEAD");
	spec = xstrfmt("%s:%s", ref, path);
	if (ref[0] == '-' || git(&sha, "rev-parse", "--verify", "-q", spec)) {
		reply_msg(r, 404, "Not Found");
		goto out;
	}
	object_type(sha.buf, &type);
	if (!strcmp(type.buf, "tree")) {
		reply(r, 200, json_array());
	} else if (!strcmp(type.buf, "blob") && !git(&size, "cat-file", "-s", sha.buf)) {
		reply(r, 200,
		      json_pack("{s:s, s:s, s:s, s:s, s:I}", "type", "file", "name",
				path_basename(path), "path", path, "sha", sha.buf, "size",
				(json_int_t)atoll(size.buf)));
	} else {
		reply_msg(r, 404, "Not Found");
	}
out:
	strbuf_release(&sha);
	strbuf_release(&type);
	strbuf_release(&size);
	free(spec);
	free(ref);
}

/* ---- routing ---- */

/* Join segs[from..n) with '/'. */
static char *join_from(char **segs, size_t n, size_t from)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = from; i < n; i++) {
		if (i > from)
			strbuf_addch(&sb, '/');
		strbuf_addstr(&sb, segs[i]);
	}
	return strbuf_detach(&sb, NULL);
}

static int is(const char *a, const char *b)
{
	return !strcmp(a, b);
}

static void route(const struct req *q, struct resp *r)
{
	char **seg = NULL, *rest = NULL;
	size_t n = 0, alloc = 0, m;
	const char *method = q->method;
	char **s;

	for (const char *p = q->path; *p;) {
		const char *e;
		if (*p == '/') {
			p++;
			continue;
		}
		e = strchrnul(p, '/');
		ALLOC_GROW(seg, n + 1, alloc);
		seg[n++] = xstrndup(p, (size_t)(e - p));
		p = e;
	}
	reply_msg(r, 404, "Not Found");
	if (n == 1 && is(seg[0], "user") && is(method, "GET")) {
		reply(r, 200, json_pack("{s:s, s:I}", "login", login, "id", (json_int_t)1));
		goto out;
	}
	if (n < 3 || !is(seg[0], "repos"))
		goto out;
	if (strcmp(seg[1], owner) || strcmp(seg[2], repo))
		goto out;
	s = seg + 3;
	m = n - 3;
	if (m == 0 && is(method, "GET")) {
		char *full = xstrfmt("%s/%s", owner, repo);
		reply(r, 200, json_pack("{s:s, s:s}", "full_name", full, "default_branch", "main"));
		free(full);
	} else if (m == 2 && is(s[0], "actions") && is(s[1], "workflows") && is(method, "GET")) {
		ep_workflows(q, r);
	} else if (m == 4 && is(s[0], "actions") && is(s[1], "workflows") &&
		   is(s[3], "dispatches") && is(method, "POST")) {
		ep_dispatch(s[2], q, r);
	} else if (m == 4 && is(s[0], "actions") && is(s[1], "workflows") && is(s[3], "runs") &&
		   is(method, "GET")) {
		ep_runs(s[2], q, r);
	} else if (m == 1 && is(s[0], "pulls") && is(method, "GET")) {
		ep_pulls(q, r);
	} else if (m == 3 && is(s[0], "issues") && is(s[2], "comments") &&
		   (is(method, "GET") || is(method, "POST"))) {
		ep_comments(s[1], q, r);
	} else if (m == 3 && is(s[0], "issues") && is(s[1], "comments") &&
		   (is(method, "PATCH") || is(method, "DELETE"))) {
		ep_comment(s[2], q, r);
	} else if (!bare && m >= 1 && (is(s[0], "git") || is(s[0], "contents"))) {
		reply_msg(r, 409, "Git Repository is empty.");
	} else if (m >= 4 && is(s[0], "git") && is(s[1], "ref") && is(s[2], "heads") &&
		   is(method, "GET")) {
		rest = join_from(s, m, 3);
		ep_get_ref(rest, r);
	} else if (m >= 4 && is(s[0], "git") && is(s[1], "refs") && is(s[2], "heads") &&
		   is(method, "PATCH")) {
		rest = join_from(s, m, 3);
		ep_patch_ref(rest, q, r);
	} else if (m == 3 && is(s[0], "git") && is(s[1], "commits") && is(method, "GET")) {
		ep_get_commit(s[2], r);
	} else if (m == 2 && is(s[0], "git") && is(method, "POST")) {
		if (is(s[1], "commits"))
			ep_post_commit(q, r);
		else if (is(s[1], "blobs"))
			ep_post_blob(q, r);
		else if (is(s[1], "trees"))
			ep_post_tree(q, r);
	} else if (m >= 2 && is(s[0], "contents") && is(method, "GET")) {
		rest = join_from(s, m, 1);
		ep_contents(rest, q, r);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(seg[i]);
	free(seg);
	free(rest);
}

/* ---- HTTP ---- */

static const char *reason(int st)
{
	switch (st) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 409:
		return "Conflict";
	case 413:
		return "Payload Too Large";
	case 422:
		return "Unprocessable Entity";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	default:
		return "Status";
	}
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void header_value(const char *hdrs, const char *name, char *out, size_t max)
{
	size_t nl = strlen(name);
	out[0] = '\0';
	for (const char *l = hdrs; l && *l;) {
		const char *e = strstr(l, "\r\n");
		if (!e)
			e = l + strlen(l);
		if ((size_t)(e - l) > nl && !strncasecmp(l, name, nl) && l[nl] == ':') {
			const char *v = l + nl + 1;
			size_t n;
			while (*v == ' ' || *v == '\t')
				v++;
			n = (size_t)(e - v);
			if (n >= max)
				n = max - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return;
		}
		l = *e ? e + 2 : NULL;
	}
}

static void record_request(const struct req *q, const struct resp *r, const char *auth_state)
{
	json_t *body = NULL, *line;
	json_error_t je;
	char *s;
	if (q->body.len) {
		body = json_loadb(q->body.buf, q->body.len, 0, &je);
		if (!body)
			body = json_stringn(q->body.buf, q->body.len);
	}
	line = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:o, s:o}", "seq",
			 (json_int_t)seq, "method", q->method, "target", q->target, "path", q->path,
			 "auth", auth_state, "accept", q->accept, "api_version", q->api_version,
			 "user_agent", q->ua, "content_type", q->ctype, "status",
			 r->drop ? 0 : r->status, "injected",
			 r->injected ? json_string(r->injected) : json_null(), "body",
			 body ? body : json_null());
	if (!line) {
		fprintf(stderr, "stub-github: cannot record request %ld\n", seq);
		return;
	}
	s = json_dumps(line, JSON_COMPACT | JSON_ENSURE_ASCII);
	fprintf(record, "%s\n", s);
	fflush(record);
	free(s);
	json_decref(line);
}

/* Read one request; 0 when there is one, -1 to just close. */
static int read_request(int fd, struct req *q, struct resp *r, struct strbuf *raw)
{
	char buf[8192], clen[32], expect[64];
	char *hend = NULL, *sp1, *sp2, *qmark;
	size_t hlen;
	long want = 0;

	while (!(hend = strstr(raw->buf, "\r\n\r\n"))) {
		ssize_t got;
		if (raw->len > MAX_HEADER) {
			r->status = 431;
			return 0;
		}
		got = recv(fd, buf, sizeof(buf), 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		strbuf_add(raw, buf, (size_t)got);
	}
	hlen = (size_t)(hend - raw->buf) + 4;
	sp1 = memchr(raw->buf, ' ', hlen);
	sp2 = sp1 ? memchr(sp1 + 1, ' ', hlen - (size_t)(sp1 + 1 - raw->buf)) : NULL;
	if (!sp1 || !sp2 || (size_t)(sp1 - raw->buf) >= sizeof(q->method)) {
		r->status = 400;
		return 0;
	}
	memcpy(q->method, raw->buf, (size_t)(sp1 - raw->buf));
	q->method[sp1 - raw->buf] = '\0';
	q->target = xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	qmark = strchr(q->target, '?');
	q->path = url_decode(q->target, qmark ? (size_t)(qmark - q->target) : strlen(q->target), 0);
	q->query = xstrdup(qmark ? qmark + 1 : "");
	raw->buf[hlen - 2] = '\0'; /* headers end with one CRLF now */
	{
		const char *hdrs = strstr(raw->buf, "\r\n") + 2;
		char auth[1024];
		header_value(hdrs, "Content-Length", clen, sizeof(clen));
		header_value(hdrs, "User-Agent", q->ua, sizeof(q->ua));
		header_value(hdrs, "Accept", q->accept, sizeof(q->accept));
		header_value(hdrs, "X-GitHub-Api-Version", q->api_version, sizeof(q->api_version));
		header_value(hdrs, "Content-Type", q->ctype, sizeof(q->ctype));
		header_value(hdrs, "Expect", expect, sizeof(expect));
		header_value(hdrs, "Authorization", auth, sizeof(auth));
		q->auth = auth[0] ? xstrdup(auth) : NULL;
		explicit_bzero(auth, sizeof(auth));
	}
	if (clen[0] && (parse_long(clen, &want) || want > (long)MAX_BODY)) {
		r->status = 413;
		return 0;
	}
	if (!strcasecmp(expect, "100-continue") &&
	    send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25))
		return -1;
	strbuf_add(&q->body, raw->buf + hlen, raw->len - hlen);
	while (q->body.len < (size_t)want) {
		ssize_t got = recv(fd, buf, sizeof(buf), 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		strbuf_add(&q->body, buf, (size_t)got);
	}
	strbuf_setlen(&q->body, (size_t)want);
	return 0;
}

static const char *check_auth(const struct req *q)
{
	const char *v = q->auth, *tok;
	if (!v)
		return "none";
	if (!expect_token)
		return "present";
	if (!strncasecmp(v, "Bearer ", 7))
		tok = v + 7;
	else if (!strncasecmp(v, "token ", 6))
		tok = v + 6;
	else
		return "wrong";
	return strcmp(tok, expect_token) ? "wrong" : "ok";
}

static void serve(int fd)
{
	struct req q;
	struct resp r;
	struct strbuf raw = STRBUF_INIT, out = STRBUF_INIT;
	const char *code, *auth = "none";

	memset(&q, 0, sizeof(q));
	memset(&r, 0, sizeof(r));
	strbuf_init(&q.body, 0);
	strbuf_init(&r.body, 0);
	strbuf_init(&r.headers, 0);
	if (read_request(fd, &q, &r, &raw))
		goto out;
	seq++;
	if (r.status) { /* malformed or oversized */
		reply_msg(&r, r.status, "stub: bad request");
	} else {
		auth = check_auth(&q);
		reload_control();
		code = take_code(&ctl_rules, &q);
		if (!code)
			code = take_code(&cli_rules, &q);
		if (code && inject(code, &q, &r)) {
			/* answered with the failure */
		} else if (expect_token && strcmp(auth, "ok")) {
			reply_msg(&r, 401, "Bad credentials");
		} else {
			route(&q, &r);
		}
	}
	if (q.target)
		record_request(&q, &r, auth);
	if (r.drop)
		goto out;
	strbuf_addf(&out, "HTTP/1.1 %d %s\r\nServer: stub-github\r\nConnection: close\r\n",
		    r.status, reason(r.status));
	if (r.status != 204)
		strbuf_addf(&out,
			    "Content-Type: application/json; charset=utf-8\r\n"
			    "Content-Length: %zu\r\n",
			    r.body.len);
	strbuf_addbuf(&out, &r.headers);
	strbuf_addstr(&out, "\r\n");
	if (r.status != 204)
		strbuf_addbuf(&out, &r.body);
	send_all(fd, out.buf, out.len);
out:
	if (q.auth)
		explicit_bzero((char *)q.auth, strlen(q.auth));
	free((char *)q.auth);
	free(q.target);
	free(q.path);
	free(q.query);
	strbuf_release(&q.body);
	strbuf_release(&r.body);
	strbuf_release(&r.headers);
	strbuf_release(&raw);
	strbuf_release(&out);
}

static int write_port_file(const char *path, int port)
{
	char *tmp = xstrfmt("%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int ret = -1;
	if (f && fprintf(f, "%d\n", port) > 0 && !fclose(f)) {
		f = NULL;
		ret = rename(tmp, path);
	}
	if (f)
		fclose(f);
	free(tmp);
	return ret;
}

static void usage(void)
{
	fputs("usage: stub-github --port-file FILE --record FILE [--config FILE] [--bare DIR]\n"
	      "       [--fail 'METHOD GLOB=CODES'] [--control FILE] [--no-run-filter] [--port N]\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"port-file", required_argument, NULL, 'p'},
	    {"record", required_argument, NULL, 'r'},
	    {"config", required_argument, NULL, 'c'},
	    {"bare", required_argument, NULL, 'b'},
	    {"fail", required_argument, NULL, 'f'},
	    {"control", required_argument, NULL, 'C'},
	    {"no-run-filter", no_argument, NULL, 'N'},
	    {"port", required_argument, NULL, 'P'},
	    {NULL, 0, NULL, 0},
	};
	const char *port_file = NULL, *record_path = NULL, *config_path = NULL;
	struct sockaddr_in addr;
	socklen_t alen = sizeof(addr);
	struct sigaction sa;
	long port = 0;
	int lfd, opt, one = 1;
	pid_t parent;
	const char *tok;
	char tmpl[] = "/tmp/stub-github.XXXXXX";

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			port_file = optarg;
			break;
		case 'r':
			record_path = optarg;
			break;
		case 'c':
			config_path = optarg;
			break;
		case 'b':
			bare = optarg;
			break;
		case 'f':
			if (rule_add(&cli_rules, optarg)) {
				fprintf(stderr, "stub-github: bad --fail '%s'\n", optarg);
				return 2;
			}
			break;
		case 'C':
			control_path = optarg;
			break;
		case 'N':
			no_run_filter = 1;
			break;
		case 'P':
			if (parse_long(optarg, &port) || port > 65535)
				usage();
			break;
		default:
			usage();
		}
	}
	if (!port_file || !record_path || optind != argc)
		usage();
	if (config_path) {
		json_error_t je;
		cfg = json_load_file(config_path, 0, &je);
		if (!json_is_object(cfg)) {
			fprintf(stderr, "stub-github: %s:%d: %s\n", config_path, je.line, je.text);
			return 2;
		}
	} else {
		cfg = json_object();
	}
	owner = cfg_str(cfg, "owner", owner);
	repo = cfg_str(cfg, "repo", repo);
	login = cfg_str(cfg, "login", login);
	if ((tok = getenv("STUB_GITHUB_TOKEN")) && *tok)
		expect_token = xstrdup(tok);
	unsetenv("STUB_GITHUB_TOKEN");
	if (!mkdtemp(tmpl)) {
		perror("stub-github: mkdtemp");
		return 1;
	}
	tmpdir = xstrdup(tmpl);
	{
		char *wt = xstrfmt("%s/wt", tmpdir);
		mkdir(wt, 0700);
		free(wt);
	}
	record = fopen(record_path, "ae");
	if (!record) {
		fprintf(stderr, "stub-github: cannot open '%s': %s\n", record_path,
			strerror(errno));
		return 1;
	}
	load_config_runs(now_wall());
	load_config_comments();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = htons((unsigned short)port);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 16) ||
	    getsockname(lfd, (struct sockaddr *)&addr, &alen)) {
		perror("stub-github: listen");
		return 1;
	}
	if (write_port_file(port_file, ntohs(addr.sin_port))) {
		perror("stub-github: port file");
		return 1;
	}
	parent = getppid();
	/* an orphan (its test script died without stopping it) exits on its own */
	while (!stop_flag && !proc_interrupted && getppid() == parent) {
		struct pollfd pfd = {lfd, POLLIN, 0};
		struct timeval tv = {5, 0};
		int fd;
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		serve(fd);
		close(fd);
	}
	close(lfd);
	fclose(record);
	remove_tree(tmpdir);
	free(tmpdir);
	rules_clear(&cli_rules);
	rules_clear(&ctl_rules);
	free(ctl_text);
	for (size_t i = 0; i < runs_nr; i++) {
		free(runs[i].event);
		free(runs[i].actor);
		free(runs[i].branch);
		free(runs[i].status);
		free(runs[i].conclusion);
	}
	free(runs);
	for (size_t i = 0; i < comments_nr; i++) {
		free(comments[i].user);
		free(comments[i].body);
	}
	free(comments);
	free(expect_token);
	json_decref(cfg);
	return 0;
}
