/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_STATE_PLAN_H
#define WGP_STATE_PLAN_H

/*
 * Diff and plan: from a desired and a live state to an ordered list of
 * operations, each rendered as the ip/wg/sysctl/resolvconf command that
 * would do it. Pure; the executors (reconcile/exec.c) run the ops.
 */

#include <stdio.h>

#include "state/state.h"

enum op_kind {
	OP_ADD,
	OP_CHANGE,
	OP_DEL,
	OP_HOOK, /* run a wg-quick hook (Pre/PostUp, Pre/PostDown) */
};

enum hook_kind { HOOK_PRE_UP, HOOK_POST_UP, HOOK_PRE_DOWN, HOOK_POST_DOWN };

struct op {
	enum op_kind kind;
	enum obj_type type;
	const void *obj; /* ADD, CHANGE: the desired object; DEL: the live one; HOOK: the link */
	const void *old; /* CHANGE: the live object */
	enum hook_kind hook;
	unsigned phase;
};

struct plan {
	struct arena arena;
	VEC(struct op) ops;
};

/* Which live objects may be changed or removed: wgpolicy's own, within the scope asked. */
typedef bool (*owned_fn)(void *ctx, enum obj_type type, const void *live);

/*
 * Compute the operations that turn @live into @desired, ordered
 * make-before-break. Both states must be sorted (state_sort). Objects of
 * @live that @owned rejects are never touched; a desired object whose
 * identity matches an unowned live object is a conflict, reported in
 * @conflict (the first one) and the function returns -EEXIST.
 */
int plan_build(struct plan *p, const struct state *desired, const struct state *live,
	       owned_fn owned, void *ctx, const void **conflict, enum obj_type *conflict_type);
void plan_init(struct plan *p);
void plan_free(struct plan *p);

/* The inverse of an op, for rollback; false if it has none (hooks). */
bool op_inverse(const struct op *op, struct op *inv);

/* Render an op as a command line into @buf; returns @buf. Private keys are never shown. */
char *op_render(const struct op *op, char *buf, size_t len);
/* Render a state object as it would be added, e.g. "10.0.0.0/8 dev wg0 table 100". */
char *obj_render(enum obj_type type, const void *obj, char *buf, size_t len);

#define OP_LINE_MAX 4096

#endif
