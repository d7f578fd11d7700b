/*
 * artifact-state.c: whether the worktree's artifact is the build of the worktree
 * as it is, and putting the baseline's bytes back when they are HEAD's.
 */
#include "artifact-state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "experiment.h"
#include "git.h"
#include "banned.h"

const char *art_fresh_name(enum art_fresh f)
{
	switch (f) {
	case ART_MISSING: return "missing";
	case ART_CURRENT: return "current";
	case ART_STALE: return "stale";
	}
	return "?";
}

/* s->why for bytes that are not the build of the worktree: what they are instead. */
static int explain(struct project *c, const struct build_origin *o, const struct baseline *bl,
		   const char *empty, struct art_state *s, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	if (bl && bl->commit) {
		/* a baseline names its commit: the clearest way to say what the bytes are */
		strbuf_addf(&why, "it holds baseline '%s' of %.12s", bl->name, bl->commit);
	} else if (o) {
		int dirty = o->patch_hash && strcmp(o->patch_hash, empty);
		int64_t exp = 0;
		if (dirty && experiment_of_patch(c->ledger, o->patch_hash, &exp, err)) {
			strbuf_release(&why);
			return -1;
		}
		strbuf_addf(&why, "it is build %lld of ", (long long)o->id);
		if (exp)
			strbuf_addf(&why, "experiment %lld's change on ", (long long)exp);
		else if (dirty)
			strbuf_addf(&why, "an uncommitted change (%.12s) on ", o->patch_hash);
		strbuf_addf(&why, "%.12s", o->commit ? o->commit : "an unknown commit");
	} else {
		strbuf_addstr(&why, "no build in the ledger made these bytes");
	}
	strbuf_addf(&why, ", while the worktree is %.12s%s", s->head,
		    s->clean ? "" : " with an uncommitted change");
	s->why = strbuf_detach(&why, NULL);
	return 0;
}

int art_state_get(struct project *c, const struct strbuf *patch, struct art_state *s,
		  struct strbuf *err)
{
	struct strbuf head = STRBUF_INIT;
	struct build_origin *o = NULL;
	struct baseline *bl = NULL;
	size_t no = 0, nb = 0;
	char state[HASH_HEX], empty[HASH_HEX];
	int r, ret = -1;

	memset(s, 0, sizeof(*s));
	s->state = ART_STALE;
	if (!project_ledger(c, err) || !(s->path = project_artifact(c, err)))
		return -1;
	r = project_worktree_state(c, patch, &head, state, err);
	if (r < 0)
		goto out;
	hash_mem("", 0, empty);
	s->clean = r == 0 && !strcmp(state, empty);
	if (r == 0)
		s->head = xstrdup(head.buf);
	if (!file_exists(s->path)) {
		s->state = ART_MISSING;
		s->why = xstrfmt("'%s' does not exist", s->path);
		ret = 0;
		goto out;
	}
	if (hash_file(s->path, s->hash, NULL, err))
		goto out;
	if (!s->head) {
		s->why = xstrdup("the worktree has no commit to build from");
		ret = 0;
		goto out;
	}
	if (build_origins(c->ledger, s->hash, &o, &no, err) ||
	    baseline_list_hash(c->ledger, s->hash, &bl, &nb, err))
		goto out;
	for (size_t i = 0; i < no && s->state != ART_CURRENT; i++)
		if (o[i].commit && o[i].patch_hash && !strcmp(o[i].patch_hash, state) &&
		    git_same_tree(c->worktree, o[i].commit, s->head)) {
			s->state = ART_CURRENT;
			s->build_id = o[i].id;
		}
	for (size_t i = 0; i < nb && s->state != ART_CURRENT && s->clean; i++)
		if (bl[i].commit && !bl[i].dirty &&
		    git_same_tree(c->worktree, bl[i].commit, s->head)) {
			s->state = ART_CURRENT;
			s->baseline = xstrdup(bl[i].name);
		}
	if (s->state != ART_CURRENT &&
	    explain(c, no ? &o[0] : NULL, nb ? &bl[0] : NULL, empty, s, err))
		goto out;
	ret = 0;
out:
	build_origins_release(o, no);
	for (size_t i = 0; i < nb; i++)
		baseline_release(&bl[i]);
	free(bl);
	strbuf_release(&head);
	return ret;
}

void art_state_release(struct art_state *s)
{
	free(s->path);
	free(s->head);
	free(s->baseline);
	free(s->why);
	memset(s, 0, sizeof(*s));
}

int art_restore_baseline(struct project *c, const struct baseline *b, struct art_state *s,
			 struct strbuf *err)
{
	char *dir;
	if (s->state == ART_CURRENT || !s->clean || !s->head || !b || b->dirty || !b->commit ||
	    !b->art.stored || !file_exists(b->art.stored) ||
	    !git_same_tree(c->worktree, b->commit, s->head))
		return 0;
	dir = path_dirname(s->path);
	if (mkdir_p(dir, 0755)) {
		strbuf_addf(err, "cannot create directory '%s': %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	free(dir);
	/* writable like a build output; the store's copy stays read-only */
	if (file_copy_atomic(b->art.stored, s->path, 0644, err))
		return -1;
	art_state_release(s);
	return art_state_get(c, NULL, s, err) ? -1 : 1;
}
