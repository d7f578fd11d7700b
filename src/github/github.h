/*
 * github.h: the GitHub REST calls the loop needs, over libcurl and jansson:
 * find the benchmark workflow and the branch's pull request, dispatch the
 * workflow, list the runs that belong to a dispatch, update a branch through
 * the Git Data API when `git push` cannot, read a file's blob hash on a
 * branch (contents API), and keep a comment on the pull request.
 *
 * Like every core module this never prints: calls return -1 and put one line
 * in a caller's `struct strbuf *err` saying what failed (status, method and
 * path), on what (repository, workflow, branch) and what to do. The token is
 * sent only in the Authorization header, over https (plain http only to a
 * loopback address, for tests), and never appears in any error text: server
 * text is scrubbed of it before it reaches err.
 *
 * Server errors (5xx), dropped connections and rate limits (403/429 with
 * Retry-After, x-ratelimit-remaining: 0 or a "secondary rate limit" message)
 * are retried with exponential backoff, bounded by `retries` and `retry_max`.
 * Response bodies are bounded by `max_body`.
 *
 * The client and transport are github-http.c, the Actions and pull request
 * calls github-actions.c, the Git Data and contents API github-gitdata.c,
 * the pull request's comments github-comments.c.
 */
#ifndef GITHUB_H
#define GITHUB_H

#include <stddef.h>
#include <stdint.h>
#include "strbuf.h"

struct config;

#define GH_API_DEFAULT "https://api.github.com"

struct gh_client {
	/* set by gh_init (owned, read-only for callers) */
	char *api_base; /* without a trailing '/' */
	char *host;	/* host of api_base, for network errors */
	char *token;	/* NULL when calls go unauthenticated */
	char *owner, *repo;
	/* where the token came from ("GH_TOKEN", ...), for messages; owned, may be NULL */
	char *token_source;

	/* knobs: gh_init sets the defaults; callers may change them afterwards */
	double timeout;		/* seconds for one request (30) */
	double connect_timeout; /* seconds to connect (10) */
	int retries;		/* extra attempts after a retryable failure (4) */
	double retry_delay;	/* first backoff in seconds, doubled per retry (1) */
	double retry_max;	/* longest single wait (60); a server asking for more fails */
	size_t max_body;	/* largest response body accepted (8 MiB) */
	int per_page;		/* page size of list calls (100) */
	int max_pages;		/* most pages read by a list call (50) */

	/* counters, for callers and tests */
	int requests;	  /* HTTP requests sent, retries included */
	int retried;	  /* of which retries */
	long last_status; /* HTTP status of the last response, 0 when there was none */

	void *curl; /* CURL *, reused so connections are kept alive */
};

/*
 * Find a token: $GH_TOKEN, then $GITHUB_TOKEN, then `gh auth token` when gh
 * is installed. Empty values are skipped. On success the token is in `token`
 * and where it came from in `source` ("GH_TOKEN", "GITHUB_TOKEN",
 * "gh auth token"); returns 0. Returns 1 when there is none (both untouched).
 */
int gh_token_discover(struct strbuf *token, struct strbuf *source);

/*
 * Owner and repository name from a git remote URL: https (with or without
 * ".git", with "user@" or "user:password@"), "git@host:o/r.git",
 * "ssh://git@host[:port]/o/r.git", "git://host/o/r". On github.com the
 * first two path components are owner and name (github.com/o/r/tree/main is
 * o/r); on another host the last two (GitHub Enterprise under a path prefix
 * works). On success returns 0 with *owner and *repo newly allocated;
 * returns -1 (both NULL) for anything else, e.g. a local path.
 */
int gh_parse_remote(const char *url, char **owner, char **repo);

/*
 * Copy of a URL for messages: any "user:password@" becomes "***@", a query
 * or fragment "?***" or "#***", and a path part that looks like a token
 * (ghp_..., github_pat_..., a long mixed-case run with digits) "***".
 * Newly allocated.
 */
char *gh_redact_url(const char *url);

/*
 * Set up a client for owner/repo at api_base (NULL = GH_API_DEFAULT; GitHub
 * Enterprise is "https://HOST/api/v3"). `token` may be NULL (public data
 * only). Refuses a malformed base URL, a scheme other than https (http only
 * to 127.0.0.1/localhost/::1), and a token with whitespace or control
 * characters. Returns 0, or -1 with err; release the client either way.
 */
int gh_init(struct gh_client *gh, const char *api_base, const char *token, const char *owner,
	    const char *repo, struct strbuf *err);

/*
 * gh_init from perfloop.ini's [github] section for the git repository in
 * `dir`: api, repo (else parsed from the URL of `remote`), timeout, retries,
 * retry-delay, retry-max, and the token from gh_token_discover(). No token
 * is an error here (the loop's calls all need one); a remote that names no
 * repository and a missing token are said together in the one line.
 * Returns 0 or -1 with err; release the client either way.
 */
int gh_setup(struct gh_client *gh, const struct config *cfg, const char *dir, struct strbuf *err);

/* Free everything the client holds; it may be gh_init'ed again. Cannot fail. */
void gh_release(struct gh_client *gh);

/*
 * Id of the workflow whose name (case-insensitive), path, file name
 * (".github/workflows/X.yml" or "X.yml") or numeric id equals `name`; an
 * active one is preferred. Reads every page.
 * Returns 0, or -1 with err (also when there is no such workflow; err then
 * lists the workflows there are).
 */
int gh_find_workflow(struct gh_client *gh, const char *name, int64_t *id, struct strbuf *err);

/*
 * Number of the open pull request whose head is owner:branch (owner of the
 * client's repository). Returns 0 with *number, 1 when there is none, -1
 * with err.
 */
int gh_find_pr(struct gh_client *gh, const char *branch, int *number, struct strbuf *err);

/*
 * POST a workflow_dispatch for the workflow on `ref` with the body
 * {"ref": ref, "inputs": {input_name: input_value}} ("inputs" is {} when
 * input_name is NULL). Returns 0, or -1 with err (422: GitHub's message, for
 * example that the workflow has no such input).
 */
int gh_dispatch(struct gh_client *gh, int64_t workflow_id, const char *ref, const char *input_name,
		const char *input_value, struct strbuf *err);

/* Login of the token's user (GET /user). Returns 0 with *login newly allocated, or -1. */
int gh_current_user(struct gh_client *gh, char **login, struct strbuf *err);

/* One workflow run. Strings are never NULL ("" when GitHub had none, e.g. conclusion). */
struct gh_run {
	int64_t id;
	char *status;	  /* queued, in_progress, completed, ... */
	char *conclusion; /* success, failure, cancelled, ...; "" until completed */
	char *html_url;
	char *head_branch; /* the ref the workflow ran on (main for a dispatch on main) */
	char *event;	   /* workflow_dispatch, push, schedule, ... */
	char *actor;	   /* login of the user who started it */
	double created;	   /* created_at as seconds since the epoch */
};

/*
 * Runs of the workflow that belong to a dispatch: created at or after
 * `since` (the dispatch time minus a small allowance for clock skew), with
 * this `event` and by this `actor` (each check skipped when NULL / 0). The
 * filter is asked of GitHub and applied again here, so a run on main started
 * by a push or a schedule, or by someone else, is never returned. Newest
 * first. On success returns 0 with *runs (free with gh_runs_free) and *nr;
 * -1 with err (*runs NULL, *nr 0).
 */
int gh_list_runs(struct gh_client *gh, int64_t workflow_id, const char *event, const char *actor,
		 double since_epoch, struct gh_run **runs, size_t *nr, struct strbuf *err);

void gh_runs_free(struct gh_run *runs, size_t nr);

/*
 * The comments of an issue or pull request `number` (github-comments.c).
 *
 * gh_find_comment: the newest comment (highest id) whose body holds `marker`
 * and whose author is `login` (case-insensitive; NULL: anyone), reading
 * every page. Returns 0 with *id and *url (newly allocated), 1 when there is
 * none, -1 with err (a 404: no such pull request).
 *
 * gh_create_comment: a new comment with `body`; 0 with *id and *url, or -1.
 *
 * gh_update_comment: comment id's body replaced; 0 with *url, 1 when the
 * comment is gone (404: deleted), -1 with err.
 */
int gh_find_comment(struct gh_client *gh, int number, const char *marker, const char *login,
		    int64_t *id, char **url, struct strbuf *err);
int gh_create_comment(struct gh_client *gh, int number, const char *body, int64_t *id,
		      char **url, struct strbuf *err);
int gh_update_comment(struct gh_client *gh, int64_t id, const char *body, char **url,
		      struct strbuf *err);

/* A file to write (or delete) with gh_push_files. */
struct gh_file {
	const char *path;    /* relative to the repository root, '/'-separated */
	const char *content; /* bytes (any, NUL included); ignored when deleted */
	size_t len;
	int mode;    /* 0100644 (also when 0), 0100755 or 0120000 (symlink) */
	int deleted; /* remove the path instead */
};

/*
 * Update `branch` on GitHub without git: one blob per file, a tree on top of
 * the remote head's tree, a commit whose parent is the remote head, then the
 * ref moved with force=false. Refuses (nothing created) when the remote head
 * is not `expected_head_sha` (someone pushed: non-fast-forward), and fails
 * when GitHub refuses the ref update as not a fast-forward. author_name and
 * author_email may be NULL (GitHub then uses the token's user). On success
 * returns 0 with the new commit's hash in new_sha.
 */
int gh_push_files(struct gh_client *gh, const char *branch, const char *expected_head_sha,
		  const struct gh_file *files, size_t nr, const char *message,
		  const char *author_name, const char *author_email, char new_sha[41],
		  struct strbuf *err);

/*
 * Blob hash of `path` at `ref` (contents API "sha"; compare with
 * `git hash-object FILE`). Returns 0 with sha filled, 1 when the path does
 * not exist there, -1 with err (also when the path is a directory).
 */
int gh_contents_sha(struct gh_client *gh, const char *path, const char *ref, char sha[41],
		    struct strbuf *err);

/*
 * The pure parts, exposed for the unit tests.
 */

/* What one HTTP exchange returned. */
struct gh_response {
	long status;		   /* HTTP status; 0 when there was no response */
	int transient;		   /* status 0: a dropped connection or timeout, worth a retry */
	struct strbuf body;	   /* bounded by max_body */
	double retry_after;	   /* Retry-After in seconds, -1 when absent */
	long ratelimit_remaining;  /* x-ratelimit-remaining, -1 when absent */
	double ratelimit_reset;	   /* x-ratelimit-reset (epoch seconds), 0 when absent */
	char scopes[200];	   /* X-OAuth-Scopes: what the token has */
	char accepted_scopes[200]; /* X-Accepted-OAuth-Scopes: what the call needs */
};

#define GH_RESPONSE_INIT                                                                           \
	{                                                                                          \
		0, 0, STRBUF_INIT, -1, -1, 0, "", ""                                               \
	}

void gh_response_release(struct gh_response *r);

/* Is this a (primary or secondary) rate-limit response? */
int gh_is_rate_limited(const struct gh_response *r);

/*
 * Seconds to wait before retrying after response r, where `attempt` is the
 * number of retries already made (0 for the first). 5xx and transient
 * network failures: retry_delay * 2^attempt, at most retry_max. Rate limits:
 * Retry-After when given, else the time until x-ratelimit-reset when
 * remaining is 0 (both may exceed retry_max: the caller gives up then), else
 * 60 * retry_delay * 2^attempt, at most retry_max. Returns -1 when the
 * response is not worth retrying (any other 4xx, a refused connection).
 */
double gh_retry_delay(const struct gh_client *gh, const struct gh_response *r, int attempt,
		      double now);

/*
 * The one-line message for a failed call: `method` and `path` (no query) name
 * the request, `what` names the object a 404 means is missing (NULL: the
 * repository), `attempts` is how many requests were made. GitHub's message
 * (and its errors[]) is included, flattened to one line, cut short, and
 * scrubbed of the client's token. Appends to err.
 */
void gh_describe_error(const struct gh_client *gh, const struct gh_response *r, const char *method,
		       const char *path, const char *what, int attempts, struct strbuf *err);

/* Does run r pass the filter of gh_list_runs()? */
int gh_run_matches(const struct gh_run *r, const char *event, const char *actor, double since);

/* Does a workflow named wf_name at wf_path answer to `name`? */
int gh_workflow_matches(const char *name, const char *wf_name, const char *wf_path);

/* "2024-05-01T10:00:00Z" (or with a ±hh:mm offset) as epoch seconds; -1 when malformed. */
double gh_parse_time(const char *iso);
/* Epoch seconds as "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 21 bytes). */
void gh_format_time(char *buf, size_t len, double t);

/* Append the base64 (RFC 4648, padded) encoding of data. */
void gh_base64(struct strbuf *out, const void *data, size_t len);

#endif
