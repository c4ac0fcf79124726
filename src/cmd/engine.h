/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_CMD_ENGINE_H
#define WGP_CMD_ENGINE_H

/*
 * The pipeline the commands share: configuration → facts → desired state,
 * live state → plan. plan, apply, up, down and status are thin layers on it.
 */

#include "compile/compile.h"
#include "reconcile/reconcile.h"
#include "state/plan.h"

struct engine {
	struct conf *conf; /* NULL for down without a configuration */
	struct reconcile r;
	struct state *live, *desired;
	struct facts facts;
	struct arena arena;
	struct plan plan;
	bool opened;
};

struct engine_opts {
	const char *dir;
	char *const *files; /* instead of dir */
	int nfiles;
	const char *const *scope; /* interfaces to limit to; NULL: all */
	size_t n_scope;
	bool down;        /* desired state: nothing */
	bool need_config; /* fail when the configuration has errors (down does not) */
};

/*
 * Run the pipeline up to the plan. Prints configuration diagnostics and
 * errors itself; returns 0, or an exit code (EXIT_ERROR) on failure.
 */
int engine_plan(struct engine *e, const struct engine_opts *o);
void engine_free(struct engine *e);
/* Execute the plan, then check the kernel took it (a new dump plans nothing). */
int engine_apply(struct engine *e, FILE *log);
/* Print the plan as command lines, or JSON. */
void engine_print_plan(const struct engine *e, FILE *out, bool json);

#endif
