// SPDX-License-Identifier: GPL-2.0-or-later
/* The diff: a merge walk over two sorted states, then a stable sort into phases. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/plan.h"

/*
 * Make before break: everything new goes in first, in dependency order (a
 * link before its addresses, routes before the rules that point at their
 * tables); then what is no longer wanted goes, in reverse dependency order.
 * A tunnel's packets must only ever take the way its fwmark's rule gives (an
 * Underlay), never the main table's, which would show the far endpoint to
 * the local network. A tunnel sends only to its peers, so:
 * - peers come in after the rules: a peer with an endpoint may send at once
 *   (PersistentKeepalive). A first handshake that went another way would also
 *   stay there: both WireGuard implementations reuse the source address
 *   (wireguard-go also the device) the answer came in by;
 * - peers go out before the rules, those of a link that goes too (after the
 *   PreDown hooks, which wg-quick runs first of all).
 * Routes through a link that loses its last IPv4 address come back after the
 * addresses go (PHASE_ROUTE_BACK, see loses_ipv4).
 */
enum { PHASE_ROUTE_BACK = 17 };

static unsigned phase_of(enum op_kind kind, enum obj_type type, enum hook_kind hook)
{
	static const unsigned add_phase[OBJ_TYPE_COUNT] = {
		[OBJ_LINK] = 1, [OBJ_WGDEV] = 2,  [OBJ_ADDR] = 4,   [OBJ_ROUTE] = 6, [OBJ_NFT] = 6,
		[OBJ_RULE] = 7, [OBJ_WGPEER] = 8, [OBJ_SYSCTL] = 8, [OBJ_DNS] = 9,
	};
	static const unsigned del_phase[OBJ_TYPE_COUNT] = {
		[OBJ_WGPEER] = 12, [OBJ_RULE] = 13, [OBJ_NFT] = 14,  [OBJ_ROUTE] = 14, [OBJ_DNS] = 15,
		[OBJ_ADDR] = 16,   [OBJ_WGDEV] = 16, [OBJ_LINK] = 18, [OBJ_SYSCTL] = 20,
	};
	static const unsigned hook_phase[] = {
		[HOOK_PRE_UP] = 0, [HOOK_POST_UP] = 10, [HOOK_PRE_DOWN] = 11, [HOOK_POST_DOWN] = 19,
	};

	switch (kind) {
	case OP_HOOK:
		return hook_phase[hook];
	case OP_DEL:
		return del_phase[type];
	case OP_CHANGE:
		return type == OBJ_LINK ? 5 : add_phase[type];
	default:
		return add_phase[type];
	}
}

static int push_at(struct plan *p, enum op_kind kind, enum obj_type type, const void *obj,
		   const void *old, unsigned phase)
{
	struct op *op = vec_push(&p->arena, &p->ops);

	if (!op)
		return -ENOMEM;
	op->kind = kind;
	op->type = type;
	op->obj = obj;
	op->old = old;
	op->phase = phase;
	return 0;
}

static int push(struct plan *p, enum op_kind kind, enum obj_type type, const void *obj,
		const void *old)
{
	return push_at(p, kind, type, obj, old, phase_of(kind, type, 0));
}

static int push_hook(struct plan *p, const struct st_link *link, enum hook_kind hook)
{
	static const size_t count_off[] = {
		[HOOK_PRE_UP] = offsetof(struct st_link, n_pre_up),
		[HOOK_POST_UP] = offsetof(struct st_link, n_post_up),
		[HOOK_PRE_DOWN] = offsetof(struct st_link, n_pre_down),
		[HOOK_POST_DOWN] = offsetof(struct st_link, n_post_down),
	};
	struct op *op;

	if (!*(const unsigned *)((const char *)link + count_off[hook]))
		return 0;
	op = vec_push(&p->arena, &p->ops);
	if (!op)
		return -ENOMEM;
	op->kind = OP_HOOK;
	op->type = OBJ_LINK;
	op->obj = link;
	op->hook = hook;
	op->phase = phase_of(OP_HOOK, OBJ_LINK, hook);
	return 0;
}

static const char *link_of(enum obj_type type, const void *obj)
{
	switch (type) {
	case OBJ_WGDEV:
		return ((const struct st_wgdev *)obj)->ifname;
	case OBJ_ADDR:
		return ((const struct st_addr *)obj)->ifname;
	default:
		return NULL;
	}
}

/*
 * Objects that vanish with their link need no op of their own when the link
 * goes; its peers do, to go before the rules (see phase_of).
 */
static bool dies_with_link(const struct state *desired, enum obj_type type, const void *obj)
{
	const char *ifname = link_of(type, obj);
	struct st_link key;

	if (!ifname)
		return false;
	memset(&key, 0, sizeof(key));
	snprintf(key.name, sizeof(key.name), "%s", ifname);
	return !bsearch(&key, desired->links.v, desired->links.n, sizeof(key),
			(int (*)(const void *, const void *))st_link_key_cmp);
}

struct walk {
	struct plan *p;
	const struct state *desired;
	owned_fn owned;
	void *ctx;
	const void *conflict;
	enum obj_type conflict_type;
	VEC(const char *) losing_ipv4; /* links whose last IPv4 address the plan deletes */
};

static bool has_ipv4(const struct state *s, const char *ifname, const struct walk *w)
{
	vec_foreach(a, &s->addrs)
		if (a->addr.family == FAMILY_V4 && !strcmp(a->ifname, ifname) &&
		    (!w || w->owned(w->ctx, OBJ_ADDR, a)))
			return true;
	return false;
}

/*
 * Deleting a device's last IPv4 address makes the kernel flush every IPv4
 * route through it (fib_disable_ip), ours among them. A link that keeps
 * routes but none of its IPv4 addresses has each such route deleted before
 * the addresses and added back after them: the plan says what happens, and
 * an undo, in reverse, puts every route back.
 */
static int find_links_losing_ipv4(struct walk *w, const struct state *live)
{
	const char **name;

	vec_foreach(l, &w->desired->links) {
		if (has_ipv4(w->desired, l->name, NULL) || !has_ipv4(live, l->name, w))
			continue;
		name = vec_push(&w->p->arena, &w->losing_ipv4);
		if (!name)
			return -ENOMEM;
		*name = l->name;
	}
	return 0;
}

static bool loses_ipv4(const struct walk *w, const struct st_route *r)
{
	if (r->dst.family != FAMILY_V4 || r->n_nh || !r->ifname[0])
		return false;
	vec_foreach(name, &w->losing_ipv4)
		if (!strcmp(*name, r->ifname))
			return true;
	return false;
}

static int on_add(struct walk *w, enum obj_type t, const void *d)
{
	int ret;

	if (t == OBJ_ROUTE && loses_ipv4(w, d))
		return push_at(w->p, OP_ADD, t, d, NULL, PHASE_ROUTE_BACK);
	ret = push(w->p, OP_ADD, t, d, NULL);

	if (!ret && t == OBJ_LINK)
		ret = push_hook(w->p, d, HOOK_PRE_UP) ?: push_hook(w->p, d, HOOK_POST_UP);
	return ret;
}

static int on_del(struct walk *w, enum obj_type t, const void *l)
{
	int ret = 0;

	if (!w->owned(w->ctx, t, l) || dies_with_link(w->desired, t, l))
		return 0;
	if (t == OBJ_LINK)
		ret = push_hook(w->p, l, HOOK_PRE_DOWN) ?: push_hook(w->p, l, HOOK_POST_DOWN);
	return ret ?: push(w->p, OP_DEL, t, l, NULL);
}

/* A peer changed for another reason keeps the endpoint it roamed to: the change sets none. */
static int push_roamed_peer(struct plan *p, const struct st_wgpeer *d, const struct st_wgpeer *l)
{
	struct st_wgpeer *keep = arena_alloc(&p->arena, sizeof(*keep));

	if (!keep)
		return -ENOMEM;
	*keep = *d;
	memset(&keep->endpoint, 0, sizeof(keep->endpoint));
	return push(p, OP_CHANGE, OBJ_WGPEER, keep, l);
}

static int on_both(struct walk *w, enum obj_type t, const void *d, const void *l)
{
	const struct obj_ops *ops = &obj_ops[t];

	if (!w->owned(w->ctx, t, l)) {
		if (!w->conflict) {
			w->conflict = l;
			w->conflict_type = t;
		}
		return -EEXIST;
	}
	if (t == OBJ_ROUTE && loses_ipv4(w, d))
		return push(w->p, OP_DEL, t, l, NULL) ?:
		       push_at(w->p, OP_ADD, t, d, NULL, PHASE_ROUTE_BACK);
	if (!ops->equal || ops->equal(d, l))
		return 0;
	if (t == OBJ_WGPEER && st_wgpeer_roamed(d, l))
		return push_roamed_peer(w->p, d, l);
	return push(w->p, OP_CHANGE, t, d, l);
}

static int walk_type(struct walk *w, enum obj_type t, const struct obj_list *dl,
		     const struct obj_list *ll)
{
	size_t i = 0, j = 0;
	int ret = 0, err;

	while (i < dl->n || j < ll->n) {
		const void *d = i < dl->n ? obj_at(dl, t, i) : NULL;
		const void *l = j < ll->n ? obj_at(ll, t, j) : NULL;
		int c = !d ? 1 : !l ? -1 : obj_ops[t].key_cmp(d, l);

		if (c < 0)
			err = on_add(w, t, d), i++;
		else if (c > 0)
			err = on_del(w, t, l), j++;
		else
			err = on_both(w, t, d, l), i++, j++;
		if (err == -ENOMEM)
			return err;
		if (err && !ret)
			ret = err;
	}
	return ret;
}

static int cmp_phase(const void *a, const void *b)
{
	const struct op *x = a, *y = b;

	if (x->phase != y->phase)
		return x->phase < y->phase ? -1 : 1;
	/* A link's addresses go on in the configuration's order, as wg-quick adds them. */
	if (x->kind == OP_ADD && y->kind == OP_ADD && x->type == OBJ_ADDR && y->type == OBJ_ADDR) {
		int c = st_addr_order_cmp(x->obj, y->obj);

		if (c)
			return c;
	}
	/* Keep the walk's order (sorted by identity) within a phase: qsort is not stable. */
	return x < y ? -1 : x > y;
}

void plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
	arena_init(&p->arena);
}

void plan_free(struct plan *p)
{
	arena_free(&p->arena);
}

int plan_build(struct plan *p, const struct state *desired, const struct state *live,
	       owned_fn owned, void *ctx, const void **conflict, enum obj_type *conflict_type)
{
	struct walk w = { p, desired, owned, ctx, NULL, 0, { 0 } };
	int t, ret = 0, err;

	if (find_links_losing_ipv4(&w, live))
		return -ENOMEM;
	for (t = 0; t < OBJ_TYPE_COUNT; t++) {
		err = walk_type(&w, (enum obj_type)t, state_list_const(desired, (enum obj_type)t),
				state_list_const(live, (enum obj_type)t));
		if (err == -ENOMEM)
			return err;
		if (err && !ret)
			ret = err;
	}
	if (conflict)
		*conflict = w.conflict;
	if (conflict_type)
		*conflict_type = w.conflict_type;
	if (p->ops.n > 1)
		qsort(p->ops.v, p->ops.n, sizeof(*p->ops.v), cmp_phase);
	return ret;
}

bool op_inverse(const struct op *op, struct op *inv)
{
	*inv = *op;
	switch (op->kind) {
	case OP_ADD:
		inv->kind = OP_DEL;
		return true;
	case OP_DEL:
		inv->kind = OP_ADD;
		return true;
	case OP_CHANGE:
		inv->obj = op->old;
		inv->old = op->obj;
		return true;
	default:
		return false;
	}
}
