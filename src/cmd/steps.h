/*
 * steps.h: narration shared by the loop commands (build, validate, try):
 * they run the core steps and print progress, results and failures the same
 * way whichever command asked.
 */
#ifndef STEPS_H
#define STEPS_H

#include <jansson.h>

#include "artifact-state.h"
#include "build.h"
#include "loop.h"
#include "validate.h"

/*
 * Build with a progress line; on failure print the last 30 log lines and
 * the log path. Returns 0 when the artifact was built, else the exit code.
 */
int run_build(struct project *c, const char *patch_hash, struct build_result *res);

/*
 * Run the [validate] commands, one line per step; on failure print its log
 * tail. Returns 0 when all passed (or were skipped), else the exit code.
 */
int run_validate(struct project *c, struct validate_result *res);

/*
 * Hooks the loop commands give the core procedures (try_hooks, keep_hooks,
 * sync_hooks...): their lines said as info() and warning(), and the build
 * and validate steps with the narration above (run_build(), run_validate()).
 */
void say_info(void *data, const char *text);
void say_warning(void *data, const char *text);
int build_hook(void *data, struct project *c, const char *patch_hash, struct build_result *res);
int validate_hook(void *data, struct project *c, struct validate_result *res);

/*
 * keep, revert and runs --wait, after their own work: bring the report
 * comment on the loop's PR up to date (pr_comment_update(); pr as there),
 * say what was done as info() or the failure as one warning(), and return
 * it as JSON for the command's --json document (null when skipped). A
 * failure never changes the command's exit status.
 */
json_t *update_pr_comment(struct project *c, const struct loop_state *ls, int pr,
			  const char *command);

/* Load the loop state of this worktree, dying with advice when there is none. */
void require_loop(struct project *c, struct loop_state *ls);

/* The artifact's state as JSON: state, path, hash, build, baseline, why. */
json_t *art_state_json(const struct art_state *s);

/*
 * After revert or sync moved the worktree: make the artifact HEAD's build
 * again by restoring the loop baseline's bytes when they are HEAD's
 * (art_restore_baseline()), else leave it, said to be stale. Sets doc's
 * "artifact" member and, unless json, prints a line when it restored the
 * bytes or the artifact is not HEAD's build.
 */
void settle_artifact(struct project *c, const struct loop_state *ls, int json, json_t *doc);

/*
 * In a loop, die with the reason and what to run when the artifact is stale
 * (profile and bench of build.artifact would measure other sources, baseline
 * save would record them against the wrong commit). `anyway` ends the advice:
 * "(or pass --artifact PATH <anyway>)".
 */
void refuse_stale_artifact(struct project *c, const char *anyway);

#endif
