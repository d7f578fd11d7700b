/*
 * pr-comment.c: the report comment on the loop's pull request (see
 * pr-comment.h): its body, the GitHub calls that create or edit it, and the
 * pr_comments table.
 */
#include "pr-comment.h"

#include <stdlib.h>
#include <string.h>

#include "github/github.h"
#include "report/report.h"
#include "banned.h"

const char *pr_comment_action_name(enum pr_comment_action a)
{
	switch (a) {
	case PRC_CREATED: return "created";
	case PRC_UPDATED: return "updated";
	case PRC_RECREATED: return "recreated";
	case PRC_FAILED: return "failed";
	case PRC_SKIPPED: break;
	}
	return "skipped";
}

/* Characters of s[0..n) as UTF-16 code units: a 4-byte sequence is two. */
static size_t chars_of(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char b = (unsigned char)s[i];
		if ((b & 0xC0) != 0x80)
			c += b >= 0xF0 ? 2 : 1;
	}
	return c;
}

size_t pr_comment_body(const char *markdown, size_t limit, struct strbuf *out, int *cut)
{
	struct strbuf note = STRBUF_INIT;
	size_t used, room;
	const char *p = markdown;
	strbuf_addstr(out, PR_COMMENT_MARKER "\n");
	used = chars_of(out->buf, out->len);
	*cut = used + chars_of(markdown, strlen(markdown)) > limit;
	if (!*cut) {
		strbuf_addstr(out, markdown);
		return used + chars_of(markdown, strlen(markdown));
	}
	strbuf_addf(&note, "\n_The report is cut here to fit GitHub's limit of %zu characters "
		    "per comment: `perfloop report` in the loop's worktree prints all of it._\n",
		    limit);
	room = limit - used - chars_of(note.buf, note.len);
	/* whole lines only: a table row or code span is never split */
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) + 1 : strlen(p), c = chars_of(p, n);
		if (c > room)
			break;
		strbuf_add(out, p, n);
		room -= c;
		used += c;
		p += n;
	}
	strbuf_addbuf(out, &note);
	used += chars_of(note.buf, note.len);
	strbuf_release(&note);
	return used;
}

/* ---- the pr_comments table ---- */

static int stored_id(struct ledger *l, int pr, int64_t *id, struct strbuf *err)
{
	return ledger_int(l, err, id, 0, "SELECT comment_id FROM pr_comments WHERE pr = ?", "i",
			  (int64_t)pr);
}

static int record_success(struct ledger *l, const struct pr_comment_result *r,
			  const char *command, struct strbuf *err)
{
	double now = now_wall();
	return ledger_exec(l, err,
			   "INSERT INTO pr_comments(pr, comment_id, url, status, message, command, "
			   "chars, cut, attempted, succeeded) VALUES (?,?,?,?,NULL,?,?,?,?,?) "
			   "ON CONFLICT(pr) DO UPDATE SET comment_id = excluded.comment_id, "
			   "url = excluded.url, status = excluded.status, message = NULL, "
			   "command = excluded.command, chars = excluded.chars, "
			   "cut = excluded.cut, attempted = excluded.attempted, "
			   "succeeded = excluded.succeeded",
			   "iittt" "iidd", (int64_t)r->pr, r->id, r->url,
			   pr_comment_action_name(r->action), command, (int64_t)r->chars,
			   (int64_t)r->cut, now, now);
}

/* A failed attempt: the comment's id and last success stay as they were. */
static int record_failure(struct ledger *l, int pr, const char *message, const char *command,
			  struct strbuf *err)
{
	return ledger_exec(l, err,
			   "INSERT INTO pr_comments(pr, status, message, command, attempted) "
			   "VALUES (?,'failed',?,?,?) ON CONFLICT(pr) DO UPDATE SET "
			   "status = 'failed', message = excluded.message, "
			   "command = excluded.command, attempted = excluded.attempted",
			   "ittd", (int64_t)pr, message, command, now_wall());
}

static int read_state(sqlite3_stmt *st, void *out, struct strbuf *err)
{
	struct pr_comment_state *s = out;
	s->pr = sqlite3_column_int(st, 0);
	s->id = sqlite3_column_int64(st, 1);
	s->url = col_dup(st, 2);
	s->status = col_dup(st, 3);
	s->message = col_dup(st, 4);
	s->command = col_dup(st, 5);
	s->cut = sqlite3_column_int(st, 6);
	s->attempted = sqlite3_column_double(st, 7);
	s->succeeded = sqlite3_column_double(st, 8);
	return 0;
}

int pr_comment_last(struct ledger *l, struct pr_comment_state *s, struct strbuf *err)
{
	memset(s, 0, sizeof(*s));
	return ledger_row(l,
			  ledger_query(l, err,
				       "SELECT pr, comment_id, url, status, message, command, cut, "
				       "attempted, succeeded FROM pr_comments "
				       "ORDER BY attempted DESC LIMIT 1",
				       NULL),
			  read_state, s, err);
}

void pr_comment_state_release(struct pr_comment_state *s)
{
	free(s->url);
	free(s->status);
	free(s->message);
	free(s->command);
	memset(s, 0, sizeof(*s));
}

/* ---- the update ---- */

/* The Markdown report with the goal, as the comment's body. */
static int make_body(struct project *c, struct pr_comment_result *r, struct strbuf *body,
		     struct strbuf *err)
{
	struct strbuf md = STRBUF_INIT;
	struct report rep;
	int ret = report_load(c->ledger, &rep, err);
	if (!ret) {
		report_set_goal(&rep, &c->cfg);
		report_md(&rep, &md);
		r->chars = pr_comment_body(md.buf, PR_COMMENT_LIMIT, body, &r->cut);
	}
	report_release(&rep);
	strbuf_release(&md);
	return ret;
}

/*
 * Edit perfloop's comment, or make one: the stored id first; when there is
 * none or it is gone, the newest marked comment of the token's user; when
 * there is none, a new comment (recreated when the stored one was deleted).
 */
static int publish(struct gh_client *gh, int64_t stored, const char *body,
		   struct pr_comment_result *r, struct strbuf *err)
{
	char *login = NULL;
	int found, gone = 0, ret = -1;
	if (stored) {
		found = gh_update_comment(gh, stored, body, &r->url, err);
		if (found <= 0) {
			r->id = stored;
			r->action = PRC_UPDATED;
			return found;
		}
		gone = 1;
	}
	if (gh_current_user(gh, &login, err))
		return -1;
	found = gh_find_comment(gh, r->pr, PR_COMMENT_MARKER, login, &r->id, &r->url, err);
	if (found < 0)
		goto out;
	if (!found) {
		free(r->url);
		r->url = NULL;
		/* 1: deleted between the listing and the edit */
		if ((found = gh_update_comment(gh, r->id, body, &r->url, err)) <= 0) {
			r->action = PRC_UPDATED;
			ret = found;
			goto out;
		}
	}
	if (gh_create_comment(gh, r->pr, body, &r->id, &r->url, err))
		goto out;
	r->action = gone ? PRC_RECREATED : PRC_CREATED;
	ret = 0;
out:
	free(login);
	return ret;
}

int pr_comment_update(struct project *c, const struct loop_state *ls, int pr,
		      const char *command, struct pr_comment_result *r, struct strbuf *err)
{
	struct strbuf body = STRBUF_INIT, why = STRBUF_INIT, rec = STRBUF_INIT;
	struct gh_client gh;
	int64_t stored = 0;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	memset(&gh, 0, sizeof(gh));
	if (pr <= 0 && config_get(&c->cfg, "github.pr"))
		pr = (int)config_get_int(&c->cfg, "github.pr");
	if (pr <= 0)
		pr = ls->pr;
	r->pr = pr;
	if (!config_get_bool(&c->cfg, "github.comment")) {
		r->why = "github.comment is false";
		return 0;
	}
	if (pr <= 0) {
		r->why = "no pull request known";
		return 0;
	}
	if (!make_body(c, r, &body, &why) && !stored_id(c->ledger, pr, &stored, &why) &&
	    !gh_setup(&gh, &c->cfg, c->worktree, &why) && !publish(&gh, stored, body.buf, r, &why))
		ret = 0;
	gh_release(&gh);
	if (!ret && record_success(c->ledger, r, command, &rec)) {
		strbuf_addf(err, "report comment on PR #%d %s, but not recorded: %s", pr,
			    pr_comment_action_name(r->action), rec.buf);
		ret = -1;
	} else if (ret) {
		r->action = PRC_FAILED;
		strbuf_addf(err, "report comment on PR #%d not updated: %s", pr, why.buf);
		/* the loop goes on: what failed is in the ledger for status to show */
		if (record_failure(c->ledger, pr, why.buf, command, &rec))
			strbuf_addf(err, "; and not recorded: %s", rec.buf);
	}
	strbuf_release(&body);
	strbuf_release(&why);
	strbuf_release(&rec);
	return ret;
}

void pr_comment_result_release(struct pr_comment_result *r)
{
	free(r->url);
	memset(r, 0, sizeof(*r));
}
