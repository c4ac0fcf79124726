/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_ENGINE_ENGINE_H
#define WGP_ENGINE_ENGINE_H

/*
 * The pipeline the commands and the daemon share: configuration → facts →
 * desired state; live state → plan → execution. A command runs it once; the
 * daemon keeps the configuration and runs a round whenever something changed.
 * Failures are reported through util/log.h; functions return 0 or -1.
 */

#include <stdio.h>

#include "compile/compile.h"
#include "reconcile/reconcile.h"
#include "state/plan.h"

struct engine_opts {
	const char *dir;
	char *const *files; /* instead of dir */
	int nfiles;
	const char *const *scope; /* interfaces to limit to; NULL: all */
	size_t n_scope;
	bool down;        /* desired state: nothing */
	bool need_config; /* fail when the configuration has errors (down does not) */
	bool keep_marks;  /* many rounds (the daemon): reconcile_keep_marks */
	bool every_path_mtu; /* doctor: see struct reconcile */
};

struct engine {
	struct engine_opts o;
	struct conf *conf;
	struct reconcile r;
	bool opened;
	/* health, as the compiler asks it; NULL: every target up */
	target_up_fn target_up;
	const void *health;
	/* ops engine_apply leaves out of its log (see struct reconcile) */
	bool (*quiet)(void *ctx, const struct op *op);
	void *quiet_ctx;
	/* where endpoints' addresses come from; NULL: looked up now (reconcile_facts) */
	endpoint_fn endpoint;
	void *endpoint_ctx;
	/* shown each round's live state before it is compiled against (the daemon's health) */
	void (*observe)(void *ctx, const struct state *live);
	void *observe_ctx;
	/* one round: freed and made again by each engine_plan */
	struct state *live, *desired;
	struct facts facts;
	struct arena arena;
	struct plan plan;
};

void engine_init(struct engine *e, const struct engine_opts *o);
void engine_free(struct engine *e);
/*
 * Read the configuration. With errors (and need_config) they are reported
 * and the configuration the engine had stays: a reload never loses it.
 */
int engine_load(struct engine *e);
/* Dump, gather facts, compile with the current health, and plan. */
/* Free one round's state (live, desired, plan); engine_plan does it first anyway. */
void engine_end_round(struct engine *e);
int engine_plan(struct engine *e);
/* Execute the plan, verify by a fresh dump; on any failure undo everything. */
int engine_apply(struct engine *e, FILE *log);
/*
 * Before a plan that removes interfaces (down): write the running state of
 * each whose file says SaveConfig = true into that file. -1 when one cannot
 * be saved: then nothing must be removed.
 */
int engine_save_config(struct engine *e, FILE *log);
/* load + open + plan, for a command that runs the pipeline once. */
int engine_run(struct engine *e, const struct engine_opts *o);
/* Print the plan as command lines, or JSON. */
void engine_print_plan(const struct engine *e, FILE *out, bool json);

#endif
