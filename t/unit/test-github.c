/*
 * test-github.c: the pure parts of the GitHub layer: remote URL parsing and
 * redaction, time parsing, base64, backoff, rate-limit detection, the
 * one-line error messages (token never in them), run and workflow matching,
 * and gh_init's refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "github/github.h"

#define TOKEN "ghp_unitTESTtoken0123456789abcdef"

static void expect_remote(const char *url, const char *owner, const char *repo)
{
	char *o, *r;
	if (gh_parse_remote(url, &o, &r))
		fail_msg("'%s' did not parse", url);
	if (strcmp(o, owner) || strcmp(r, repo))
		fail_msg("'%s' parsed as %s/%s, want %s/%s", url, o, r, owner, repo);
	free(o);
	free(r);
}

static void expect_not_remote(const char *url)
{
	char *o = (char *)1, *r = (char *)1;
	if (!gh_parse_remote(url, &o, &r))
		fail_msg("'%s' parsed as %s/%s", url, o, r);
	assert_null(o);
	assert_null(r);
}

static void test_parse_remote(void **state)
{
	(void)state;
	expect_remote("https://github.com/web-infra-dev/rspack.git", "web-infra-dev", "rspack");
	expect_remote("https://github.com/web-infra-dev/rspack", "web-infra-dev", "rspack");
	expect_remote("https://github.com/o/r/", "o", "r");
	expect_remote("https://github.com/o/r.git/", "o", "r");
	expect_remote("https://user@github.com/o/r.git", "o", "r");
	expect_remote("https://user:ghp_x@github.com/o/r.git", "o", "r");
	expect_remote("http://ghe.example.com/team/proj.git", "team", "proj");
	expect_remote("https://ghe.example.com/prefix/team/proj", "team", "proj");
	expect_remote("git@github.com:hardfist/rspack-bench-repo.git", "hardfist",
		      "rspack-bench-repo");
	expect_remote("git@github.com:o/r", "o", "r");
	expect_remote("github.com:o/r.git", "o", "r");
	expect_remote("ssh://git@github.com/o/r.git", "o", "r");
	expect_remote("ssh://git@github.com:22/o/r.git", "o", "r");
	expect_remote("git+ssh://git@github.com/o/r.git", "o", "r");
	expect_remote("git://github.com/o/my.repo.git", "o", "my.repo");
	expect_remote("HTTPS://github.com/O_1/R-2", "O_1", "R-2");
	/* on github.com the repository is the path's first two parts, whatever follows */
	expect_remote("https://github.com/o/r/extra/path", "o", "r");
	expect_remote("https://github.com/o/r.git/extra", "o", "r");
	expect_remote("https://u:p@GitHub.com:443/o/r/tree/main", "o", "r");
	expect_remote("git@github.com:o/r/x.git", "o", "r");
	expect_remote("https://www.github.com/o/r/", "o", "r");
	/* elsewhere the last two: a path prefix */
	expect_remote("https://ghe.example.com/a/b/team/proj.git", "team", "proj");

	expect_not_remote(NULL);
	expect_not_remote("");
	expect_not_remote("/tmp/origin.git");
	expect_not_remote("../origin.git");
	expect_not_remote("file:///tmp/origin.git");
	expect_not_remote("ftp://github.com/o/r.git");
	expect_not_remote("https://github.com/o");
	expect_not_remote("https://github.com/");
	expect_not_remote("https://github.com");
	expect_not_remote("git@github.com:r.git");
	expect_not_remote("./dir:o/r");
	expect_not_remote("https://github.com/o/r%20x");
	expect_not_remote("https://github.com/../r");
}

static void expect_redacted(const char *url, const char *want)
{
	char *s = gh_redact_url(url);
	if (strcmp(s, want))
		fail_msg("'%s' redacted as '%s', want '%s'", url, s, want);
	free(s);
}

static void test_redact_url(void **state)
{
	(void)state;
	expect_redacted("https://user:" TOKEN "@github.com/o/r.git", "https://***@github.com/o/r.git");
	expect_redacted("https://github.com/o/r@x.git", "https://github.com/o/r@x.git");
	expect_redacted("git@github.com:o/r.git", "git@github.com:o/r.git");
	/* a token in the path or the query never shows */
	expect_redacted("https://example.com/" TOKEN "/o/r.git", "https://example.com/***/o/r.git");
	expect_redacted("https://example.com/o/r.git?access_token=abc&x=1#frag",
			"https://example.com/o/r.git?***");
	expect_redacted("https://tok:" TOKEN "@example.com/x/github_pat_11ABCDEF/r?t=" TOKEN,
			"https://***@example.com/x/***/r?***");
	expect_redacted("git@example.com:aB3dE5fG7hJ9kL1mN3pQ5rS/r.git", "git@example.com:***/r.git");
	/* ordinary names stay readable */
	expect_redacted("https://example.com/web-infra-dev/rspack-bench-repo.git",
			"https://example.com/web-infra-dev/rspack-bench-repo.git");
}

static void test_time(void **state)
{
	char buf[32];
	(void)state;
	assert_true(gh_parse_time("1970-01-01T00:00:00Z") == 0);
	assert_true(gh_parse_time("2024-05-01T10:00:00Z") == 1714557600);
	assert_true(gh_parse_time("2024-05-01T10:00:00.123Z") == 1714557600);
	assert_true(gh_parse_time("2024-05-01T12:00:00+02:00") == 1714557600);
	assert_true(gh_parse_time("2024-05-01T08:30:00-01:30") == 1714557600);
	assert_true(gh_parse_time("2024-05-01 10:00:00Z") < 0);
	assert_true(gh_parse_time("2024-13-01T10:00:00Z") < 0);
	assert_true(gh_parse_time("2024-05-01T10:00:00") < 0);
	assert_true(gh_parse_time("2024-05-01T10:00:00Zjunk") < 0);
	assert_true(gh_parse_time("") < 0);
	assert_true(gh_parse_time(NULL) < 0);
	gh_format_time(buf, sizeof(buf), 1714557600.7);
	assert_string_equal(buf, "2024-05-01T10:00:00Z");
}

static void test_base64(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {
	    {"", ""},
	    {"f", "Zg=="},
	    {"fo", "Zm8="},
	    {"foo", "Zm9v"},
	    {"foob", "Zm9vYg=="},
	    {"fooba", "Zm9vYmE="},
	    {"foobar", "Zm9vYmFy"},
	};
	struct strbuf sb = STRBUF_INIT;
	const unsigned char bin[] = {0, 0xff, 0xfe, 0x80, 0};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		strbuf_reset(&sb);
		gh_base64(&sb, v[i].in, strlen(v[i].in));
		assert_string_equal(sb.buf, v[i].out);
	}
	strbuf_reset(&sb);
	gh_base64(&sb, bin, sizeof(bin));
	assert_string_equal(sb.buf, "AP/+gAA=");
	strbuf_release(&sb);
}

static struct gh_client client(int with_token)
{
	struct gh_client gh;
	memset(&gh, 0, sizeof(gh));
	gh.retry_delay = 0.5;
	gh.retry_max = 60;
	gh.retries = 4;
	gh.owner = (char *)"o";
	gh.repo = (char *)"r";
	gh.token = with_token ? (char *)TOKEN : NULL;
	gh.token_source = with_token ? (char *)"GH_TOKEN" : NULL;
	return gh;
}

static struct gh_response response(long status, const char *body)
{
	struct gh_response r = GH_RESPONSE_INIT;
	r.status = status;
	if (body)
		strbuf_addstr(&r.body, body);
	return r;
}

static void test_retry_delay(void **state)
{
	struct gh_client gh = client(1);
	struct gh_response r;
	(void)state;

	/* 5xx: exponential from retry_delay, capped at retry_max */
	r = response(500, "{\"message\":\"Server Error\"}");
	assert_true(gh_retry_delay(&gh, &r, 0, 0) == 0.5);
	assert_true(gh_retry_delay(&gh, &r, 1, 0) == 1.0);
	assert_true(gh_retry_delay(&gh, &r, 3, 0) == 4.0);
	assert_true(gh_retry_delay(&gh, &r, 20, 0) == 60);
	r.status = 502;
	assert_true(gh_retry_delay(&gh, &r, 2, 0) == 2.0);
	r.retry_after = 9; /* a 503 with Retry-After waits at least that */
	assert_true(gh_retry_delay(&gh, &r, 0, 0) == 9);
	gh_response_release(&r);

	/* transient network failures retry, refused connections do not */
	r = response(0, NULL);
	r.transient = 1;
	assert_true(gh_retry_delay(&gh, &r, 1, 0) == 1.0);
	r.transient = 0;
	assert_true(gh_retry_delay(&gh, &r, 0, 0) < 0);

	/* secondary rate limits: Retry-After, else reset, else 60x backoff */
	r = response(429, "{}");
	r.retry_after = 7;
	assert_true(gh_retry_delay(&gh, &r, 3, 0) == 7);
	gh_response_release(&r);
	r = response(403, "{\"message\":\"You have exceeded a secondary rate limit.\"}");
	assert_true(gh_retry_delay(&gh, &r, 0, 0) == 30);
	assert_true(gh_retry_delay(&gh, &r, 1, 0) == 60);
	assert_true(gh_retry_delay(&gh, &r, 2, 0) == 60);
	gh_response_release(&r);
	r = response(403, "{\"message\":\"API rate limit exceeded\"}");
	r.ratelimit_remaining = 0;
	r.ratelimit_reset = 1000;
	assert_true(gh_retry_delay(&gh, &r, 0, 900) == 101); /* may exceed retry_max */
	assert_true(gh_retry_delay(&gh, &r, 0, 2000) == 0);
	gh_response_release(&r);

	/* other client errors never retry */
	for (long st = 400; st < 500; st++) {
		if (st == 429 || st == 403)
			continue;
		r = response(st, "{\"message\":\"x\"}");
		assert_true(gh_retry_delay(&gh, &r, 0, 0) < 0);
		gh_response_release(&r);
	}
	r = response(403, "{\"message\":\"Resource not accessible by integration\"}");
	assert_true(gh_retry_delay(&gh, &r, 0, 0) < 0);
	gh_response_release(&r);
}

static void test_rate_limited(void **state)
{
	struct gh_response r;
	(void)state;
	r = response(429, NULL);
	assert_true(gh_is_rate_limited(&r));
	r.status = 403;
	assert_false(gh_is_rate_limited(&r));
	r.ratelimit_remaining = 0;
	assert_true(gh_is_rate_limited(&r));
	r.ratelimit_remaining = 10;
	assert_false(gh_is_rate_limited(&r));
	r.retry_after = 0;
	assert_true(gh_is_rate_limited(&r));
	gh_response_release(&r);
	r = response(403, "{\"message\":\"You have exceeded a Secondary Rate Limit\"}");
	assert_true(gh_is_rate_limited(&r));
	r.status = 404;
	assert_false(gh_is_rate_limited(&r));
	gh_response_release(&r);
}

/* The message for status/body, checked for one line and no token. */
static char *describe(const struct gh_client *gh, struct gh_response *r, const char *what,
		      int attempts)
{
	struct strbuf err = STRBUF_INIT;
	gh_describe_error(gh, r, "POST", "/repos/o/r/x", what, attempts, &err);
	if (strchr(err.buf, '\n'))
		fail_msg("more than one line: %s", err.buf);
	if (strstr(err.buf, TOKEN) || strstr(err.buf, "unitTESTtoken"))
		fail_msg("token in: %s", err.buf);
	gh_response_release(r);
	return strbuf_detach(&err, NULL);
}

static void expect_in(char *msg, const char *want)
{
	if (!strstr(msg, want))
		fail_msg("expected '%s' in: %s", want, msg);
}

static void test_errors(void **state)
{
	struct gh_client with = client(1), without = client(0);
	struct gh_response r;
	char *m;
	(void)state;

	r = response(401, "{\"message\":\"Bad credentials\"}");
	m = describe(&with, &r, NULL, 1);
	expect_in(m, "GitHub rejected the token from GH_TOKEN (401 on POST /repos/o/r/x: Bad "
		     "credentials)");
	expect_in(m, "repo and workflow scopes");
	free(m);
	r = response(401, "{\"message\":\"Requires authentication\"}");
	m = describe(&without, &r, NULL, 1);
	expect_in(m, "GitHub needs a token (401 on POST /repos/o/r/x)");
	expect_in(m, "GH_TOKEN");
	free(m);

	r = response(403, "{\"message\":\"Resource not accessible by personal access token\"}");
	snprintf(r.accepted_scopes, sizeof(r.accepted_scopes), "repo");
	snprintf(r.scopes, sizeof(r.scopes), "read:org, gist");
	m = describe(&with, &r, NULL, 1);
	expect_in(m, "GitHub refused POST /repos/o/r/x (403: Resource not accessible");
	expect_in(m, "it needs repo (it has: read:org, gist)");
	free(m);
	r = response(403, "{\"message\":\"Forbidden\"}");
	m = describe(&with, &r, NULL, 1);
	expect_in(m, "it needs the repo and workflow scopes");
	free(m);

	r = response(404, "{\"message\":\"Not Found\"}");
	m = describe(&with, &r, NULL, 1);
	expect_in(m, "GitHub: repository 'o/r' not found (404 on POST /repos/o/r/x)");
	free(m);
	r = response(404, "{\"message\":\"Not Found\"}");
	m = describe(&without, &r, "workflow 7 in 'o/r'", 1);
	expect_in(m, "GitHub: workflow 7 in 'o/r' not found");
	expect_in(m, "private repositories look missing");
	free(m);

	r = response(422, "{\"message\":\"Unexpected inputs provided: [\\\"prx\\\"]\"}");
	m = describe(&with, &r, NULL, 1);
	expect_in(m, "as invalid (422: Unexpected inputs provided: [\"prx\"])");
	free(m);
	r = response(422, "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":\"Ref\","
			  "\"field\":\"sha\",\"code\":\"invalid\"},\"plain text\"]}");
	m = describe(&with, &r, NULL, 1);
	expect_in(m, "Validation Failed; sha: invalid; plain text");
	free(m);

	r = response(502, "<html>\n<body>Bad Gateway</body></html>");
	m = describe(&with, &r, NULL, 5);
	expect_in(m, "GitHub server error (502 on POST /repos/o/r/x) after 5 attempts");
	free(m);

	r = response(429, "{\"message\":\"You have exceeded a secondary rate limit\"}");
	r.retry_after = 3600;
	m = describe(&with, &r, NULL, 1);
	expect_in(m, "GitHub rate limit (429 on POST /repos/o/r/x: You have exceeded");
	expect_in(m, "asks to wait 3600 s");
	free(m);

	/* a server echoing the token: scrubbed, and flattened to one line */
	r = response(401, "{\"message\":\"Bad credentials: got 'Bearer " TOKEN "'\\nline two\"}");
	m = describe(&with, &r, NULL, 1);
	expect_in(m, "Bearer <token>' line two");
	free(m);

	/* a long message is cut */
	{
		struct strbuf big = STRBUF_INIT;
		strbuf_addstr(&big, "{\"message\":\"");
		for (int i = 0; i < 1000; i++)
			strbuf_addch(&big, 'x');
		strbuf_addstr(&big, "\"}");
		r = response(418, big.buf);
		m = describe(&with, &r, NULL, 1);
		assert_true(strlen(m) < 500);
		expect_in(m, "GitHub API error (418 on POST /repos/o/r/x: xxx");
		expect_in(m, "...)");
		free(m);
		strbuf_release(&big);
	}
}

static void test_run_matches(void **state)
{
	struct gh_run r = {1,
			   (char *)"completed",
			   (char *)"success",
			   (char *)"u",
			   (char *)"main",
			   (char *)"workflow_dispatch",
			   (char *)"octocat",
			   1000};
	(void)state;
	assert_true(gh_run_matches(&r, "workflow_dispatch", "octocat", 1000));
	assert_true(gh_run_matches(&r, "workflow_dispatch", "OctoCat", 999));
	assert_true(gh_run_matches(&r, NULL, NULL, 0));
	assert_false(gh_run_matches(&r, "workflow_dispatch", "octocat", 1000.5));
	assert_false(gh_run_matches(&r, "workflow_dispatch", "someone", 0));
	assert_false(gh_run_matches(&r, "push", "octocat", 0));
	/* an in-progress push run on main, started after the dispatch: never the PR's */
	r.event = (char *)"push";
	r.status = (char *)"in_progress";
	r.created = 2000;
	assert_false(gh_run_matches(&r, "workflow_dispatch", "octocat", 1000));
	/* an unparseable time never passes a since filter */
	r.event = (char *)"workflow_dispatch";
	r.created = -1;
	assert_false(gh_run_matches(&r, "workflow_dispatch", "octocat", 1000));
	assert_true(gh_run_matches(&r, "workflow_dispatch", "octocat", 0));
}

static void test_workflow_matches(void **state)
{
	const char *path = ".github/workflows/ecosystem-benchmark.yml";
	(void)state;
	assert_true(gh_workflow_matches("Ecosystem Benchmark", "Ecosystem Benchmark", path));
	assert_true(gh_workflow_matches("ecosystem benchmark", "Ecosystem Benchmark", path));
	assert_true(gh_workflow_matches("ecosystem-benchmark.yml", "Ecosystem Benchmark", path));
	assert_true(gh_workflow_matches(path, "Ecosystem Benchmark", path));
	assert_false(gh_workflow_matches("Ecosystem", "Ecosystem Benchmark", path));
	assert_false(gh_workflow_matches("ecosystem-benchmark", "Ecosystem Benchmark", path));
	assert_false(gh_workflow_matches("", "", ""));
}

static void expect_init_error(const char *api, const char *token, const char *owner,
			      const char *want)
{
	struct gh_client gh;
	struct strbuf err = STRBUF_INIT;
	if (!gh_init(&gh, api, token, owner, "r", &err))
		fail_msg("gh_init(%s) succeeded", api ? api : "NULL");
	if (!strstr(err.buf, want))
		fail_msg("expected '%s' in: %s", want, err.buf);
	if (token && strstr(err.buf, token))
		fail_msg("token in: %s", err.buf);
	gh_release(&gh);
	strbuf_release(&err);
}

static void test_init(void **state)
{
	struct gh_client gh;
	struct strbuf err = STRBUF_INIT;
	(void)state;
	assert_int_equal(gh_init(&gh, NULL, TOKEN, "o", "r", &err), 0);
	assert_string_equal(gh.api_base, "https://api.github.com");
	assert_string_equal(gh.host, "api.github.com");
	assert_int_equal(gh.retries, 4);
	gh_release(&gh);
	assert_null(gh.token);
	assert_int_equal(gh_init(&gh, "https://ghe.example.com/api/v3/", NULL, "o", "r", &err), 0);
	assert_string_equal(gh.api_base, "https://ghe.example.com/api/v3");
	gh_release(&gh);
	assert_int_equal(gh_init(&gh, "http://127.0.0.1:8080", TOKEN, "o", "r", &err), 0);
	gh_release(&gh);
	assert_string_equal(err.buf, "");

	expect_init_error("http://example.com", TOKEN, "o", "token would travel unencrypted");
	expect_init_error("ftp://example.com", TOKEN, "o", "use https");
	expect_init_error("not a url", TOKEN, "o", "bad GitHub API URL 'not a url'");
	expect_init_error("https://x/?a=b", TOKEN, "o", "it has a query");
	expect_init_error(NULL, "ghp_abc\r\nX-Evil: 1", "o", "whitespace or control characters");
	expect_init_error(NULL, TOKEN, "o/x", "bad GitHub repository 'o/x/r'");
	expect_init_error(NULL, TOKEN, "", "bad GitHub repository");
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_remote),
	    cmocka_unit_test(test_redact_url),
	    cmocka_unit_test(test_time),
	    cmocka_unit_test(test_base64),
	    cmocka_unit_test(test_retry_delay),
	    cmocka_unit_test(test_rate_limited),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_run_matches),
	    cmocka_unit_test(test_workflow_matches),
	    cmocka_unit_test(test_init),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
