/*
 * loopcmd.h: narration shared by the loop commands (build, validate, try):
 * they run the core steps and print progress, results and failures the same
 * way whichever command asked.
 */
#ifndef LOOPCMD_H
#define LOOPCMD_H

#include "build.h"
#include "loop.h"
#include "validate.h"

/*
 * Build with a progress line; on failure print the last 30 log lines and
 * the log path. Returns 0 when the artifact was built, else the exit code.
 */
int run_build(struct ctx *c, const char *patch_hash, struct build_result *res);

/*
 * Run the [validate] commands, one line per step; on failure print its log
 * tail. Returns 0 when all passed (or were skipped), else the exit code.
 */
int run_validate(struct ctx *c, struct validate_result *res);

/* Load the loop state of this worktree, dying with advice when there is none. */
void require_loop(struct ctx *c, struct loop_state *ls);

#endif
