/*
 * gh-cli.c: drives src/github/ from the shell, so the end-to-end tests can
 * exercise the GitHub layer against t/helper/stub-github before the loop
 * commands use it. Prints results on stdout, "error: ..." on stderr.
 *
 * usage: gh-cli [--api URL] [--repo OWNER/NAME] [--no-token] [--retries N]
 *               [--retry-delay S] [--retry-max S] [--per-page N] [--timeout S]
 *               [--max-body BYTES] [-c INI] [--stats] COMMAND ARGS...
 *
 *   token-source                   where the token came from (never the token)
 *   parse-remote URL               "OWNER NAME"
 *   user                           the token's login
 *   find-workflow NAME             the workflow id
 *   find-pr BRANCH                 the PR number (exit 1 when none)
 *   dispatch WORKFLOW REF [INPUT VALUE]
 *   runs WORKFLOW EVENT|- ACTOR|- SINCE   one run per line: id status conclusion event
 *                                  actor head_branch url (SINCE in epoch seconds, 0 = any)
 *   push-files BRANCH EXPECTED_SHA MESSAGE [PATH=FILE | PATH@MODE=FILE | -PATH]...
 *                                  the new commit's hash
 *   contents-sha PATH REF          the blob hash (exit 1 when absent)
 *
 * WORKFLOW is a name or file name (resolved with gh_find_workflow) or a
 * number. With -c, the client comes from gh_setup() on that ini file and the
 * git repository in the current directory (--api is ignored); otherwise --repo is required and
 * the token from gh_token_discover() (unless --no-token). Exit codes: 0, 1
 * (not found), 2 (usage), 5 (GitHub error).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "github/github.h"
#include "strbuf.h"
#include "util.h"
#include "banned.h"

static int usage(void)
{
	fputs("usage: gh-cli [--api URL] [--repo OWNER/NAME] [--no-token] [--retries N]\n"
	      "              [--retry-delay S] [--retry-max S] [--per-page N] [--timeout S]\n"
	      "              [--max-body BYTES] [-c INI] [--stats] COMMAND ARGS...\n",
	      stderr);
	return 2;
}

static int fail(struct strbuf *err)
{
	fprintf(stderr, "error: %s\n", err->buf);
	return 5;
}

static int workflow_id(struct gh_client *gh, const char *arg, int64_t *id, struct strbuf *err)
{
	long l;
	if (!parse_long(arg, &l)) {
		*id = l;
		return 0;
	}
	return gh_find_workflow(gh, arg, id, err);
}

static int cmd_push(struct gh_client *gh, int argc, char **argv, struct strbuf *err)
{
	struct gh_file *files;
	struct strbuf *bufs;
	char sha[41];
	int n = argc - 3, ret;
	if (argc < 4)
		return usage();
	files = xcalloc((size_t)n, sizeof(*files));
	bufs = xcalloc((size_t)n, sizeof(*bufs));
	for (int i = 0; i < n; i++) {
		char *spec = argv[3 + i], *eq, *at;
		strbuf_init(&bufs[i], 0);
		if (spec[0] == '-') {
			files[i].path = spec + 1;
			files[i].deleted = 1;
			continue;
		}
		eq = strchr(spec, '=');
		if (!eq) {
			fprintf(stderr, "error: '%s' is not PATH=FILE\n", spec);
			return 2;
		}
		*eq = '\0';
		at = strchr(spec, '@');
		if (at) {
			*at = '\0';
			files[i].mode = (int)strtol(at + 1, NULL, 8);
		}
		if (strbuf_read_file(&bufs[i], eq + 1, 0) < 0) {
			fprintf(stderr, "error: cannot read '%s'\n", eq + 1);
			return 2;
		}
		files[i].path = spec;
		files[i].content = bufs[i].buf;
		files[i].len = bufs[i].len;
	}
	ret = gh_push_files(gh, argv[0], argv[1], files, (size_t)n, argv[2], "perfloop test",
			    "test@perfloop.invalid", sha, err);
	if (!ret)
		printf("%s\n", sha);
	for (int i = 0; i < n; i++)
		strbuf_release(&bufs[i]);
	free(bufs);
	free(files);
	return ret ? fail(err) : 0;
}

static int run(struct gh_client *gh, int argc, char **argv, struct strbuf *err)
{
	const char *cmd = argv[0];
	int64_t id;
	argc--;
	argv++;
	if (!strcmp(cmd, "user") && argc == 0) {
		char *login;
		if (gh_current_user(gh, &login, err))
			return fail(err);
		printf("%s\n", login);
		free(login);
	} else if (!strcmp(cmd, "find-workflow") && argc == 1) {
		if (gh_find_workflow(gh, argv[0], &id, err))
			return fail(err);
		printf("%" PRId64 "\n", id);
	} else if (!strcmp(cmd, "find-pr") && argc == 1) {
		int num, r = gh_find_pr(gh, argv[0], &num, err);
		if (r < 0)
			return fail(err);
		if (r == 1) {
			fprintf(stderr, "no open pull request for '%s'\n", argv[0]);
			return 1;
		}
		printf("%d\n", num);
	} else if (!strcmp(cmd, "dispatch") && (argc == 2 || argc == 4)) {
		if (workflow_id(gh, argv[0], &id, err) ||
		    gh_dispatch(gh, id, argv[1], argc == 4 ? argv[2] : NULL,
				argc == 4 ? argv[3] : NULL, err))
			return fail(err);
		printf("dispatched %" PRId64 " on %s\n", id, argv[1]);
	} else if (!strcmp(cmd, "runs") && argc == 4) {
		struct gh_run *runs;
		size_t nr;
		double since;
		if (parse_double(argv[3], &since))
			return usage();
		if (workflow_id(gh, argv[0], &id, err) ||
		    gh_list_runs(gh, id, strcmp(argv[1], "-") ? argv[1] : NULL,
				 strcmp(argv[2], "-") ? argv[2] : NULL, since, &runs, &nr, err))
			return fail(err);
		for (size_t i = 0; i < nr; i++)
			printf("%" PRId64 " %s %s %s %s %s %s\n", runs[i].id, runs[i].status,
			       *runs[i].conclusion ? runs[i].conclusion : "-", runs[i].event,
			       runs[i].actor, runs[i].head_branch, runs[i].html_url);
		gh_runs_free(runs, nr);
	} else if (!strcmp(cmd, "push-files")) {
		return cmd_push(gh, argc, argv, err);
	} else if (!strcmp(cmd, "contents-sha") && argc == 2) {
		char sha[41];
		int r = gh_contents_sha(gh, argv[0], argv[1], sha, err);
		if (r < 0)
			return fail(err);
		if (r == 1) {
			fprintf(stderr, "'%s' does not exist at '%s'\n", argv[0], argv[1]);
			return 1;
		}
		printf("%s\n", sha);
	} else {
		return usage();
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"api", required_argument, NULL, 'a'},
	    {"repo", required_argument, NULL, 'R'},
	    {"no-token", no_argument, NULL, 'n'},
	    {"retries", required_argument, NULL, 'r'},
	    {"retry-delay", required_argument, NULL, 'd'},
	    {"retry-max", required_argument, NULL, 'm'},
	    {"per-page", required_argument, NULL, 'P'},
	    {"timeout", required_argument, NULL, 't'},
	    {"stats", no_argument, NULL, 's'},
	    {"max-body", required_argument, NULL, 'B'},
	    {NULL, 0, NULL, 0},
	};
	const char *api = NULL, *slug = NULL, *ini = NULL;
	long retries = -1, per_page = 0, max_body = 0;
	double delay = -1, rmax = -1, timeout = -1;
	int no_token = 0, stats = 0, opt, ret;
	struct strbuf err = STRBUF_INIT, tok = STRBUF_INIT, src = STRBUF_INIT;
	struct config cfg = CONFIG_INIT;
	struct gh_client gh;

	memset(&gh, 0, sizeof(gh));

	while ((opt = getopt_long(argc, argv, "+c:", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			api = optarg;
			break;
		case 'R':
			slug = optarg;
			break;
		case 'n':
			no_token = 1;
			break;
		case 'c':
			ini = optarg;
			break;
		case 's':
			stats = 1;
			break;
		case 'r':
			if (parse_long(optarg, &retries))
				return usage();
			break;
		case 'd':
			if (parse_double(optarg, &delay))
				return usage();
			break;
		case 'm':
			if (parse_double(optarg, &rmax))
				return usage();
			break;
		case 't':
			if (parse_double(optarg, &timeout))
				return usage();
			break;
		case 'P':
			if (parse_long(optarg, &per_page))
				return usage();
			break;
		case 'B':
			if (parse_long(optarg, &max_body))
				return usage();
			break;
		default:
			return usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return usage();

	if (!strcmp(argv[0], "token-source")) {
		if (gh_token_discover(&tok, &src)) {
			puts("none");
			return 1;
		}
		printf("%s (%zu characters)\n", src.buf, tok.len);
		strbuf_release(&tok);
		strbuf_release(&src);
		return 0;
	}
	if (!strcmp(argv[0], "parse-remote") && argc == 2) {
		char *o, *r;
		if (gh_parse_remote(argv[1], &o, &r)) {
			char *shown = gh_redact_url(argv[1]);
			fprintf(stderr, "error: '%s' is not a GitHub remote URL\n", shown);
			free(shown);
			return 1;
		}
		printf("%s %s\n", o, r);
		free(o);
		free(r);
		return 0;
	}

	if (ini) {
		if (config_load(&cfg, ini, &err) || gh_setup(&gh, &cfg, ".", &err)) {
			ret = fail(&err);
			goto out;
		}
	} else {
		const char *slash = slug ? strchr(slug, '/') : NULL;
		char *owner = slash ? xstrndup(slug, (size_t)(slash - slug)) : NULL;
		if (!slash)
			return usage();
		if (!no_token)
			gh_token_discover(&tok, &src);
		ret = gh_init(&gh, api, tok.len ? tok.buf : NULL, owner, slash + 1, &err);
		free(owner);
		if (ret) {
			ret = fail(&err);
			goto out;
		}
		if (src.len)
			gh.token_source = strbuf_detach(&src, NULL);
	}
	if (retries >= 0)
		gh.retries = (int)retries;
	if (delay >= 0)
		gh.retry_delay = delay;
	if (rmax >= 0)
		gh.retry_max = rmax;
	if (timeout >= 0)
		gh.timeout = timeout;
	if (per_page > 0)
		gh.per_page = (int)per_page;
	if (max_body > 0)
		gh.max_body = (size_t)max_body;
	ret = run(&gh, argc, argv, &err);
	if (stats)
		fprintf(stderr, "requests %d retried %d\n", gh.requests, gh.retried);
out:
	gh_release(&gh);
	config_release(&cfg);
	strbuf_release(&err);
	strbuf_release(&tok);
	strbuf_release(&src);
	return ret;
}
