// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * [Policy] sections as routing policy: one table per policy holding its
 * destinations (a longest-prefix lookup, however many), and rules with the
 * RPDB's own selectors in front of it, in configuration order, after one rule
 * per tunnel that lets the tunnel's own encrypted packets through untouched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compile/compile_internal.h"
#include "compile/nft.h"
#include "compile/policy.h"

#define ROUTE_METRIC_LAST UINT32_MAX /* the kill switch's unreachable sits behind everything */

#define RANGE_LO(opt, dflt) (IS_SET(opt) ? (opt).v.lo : (dflt))
#define RANGE_HI(opt, dflt) (IS_SET(opt) ? (opt).v.hi : (dflt))

uint32_t policy_mark_mask(const struct conf *c)
{
	return IS_SET(c->global.mark_mask) ? c->global.mark_mask.v : GLOBAL_DEFAULT_MARK_MASK;
}

/* The k-th value of the mark space: k times the mask's lowest bit, if it fits the mask. */
uint32_t policy_mark(const struct conf *c, uint32_t k)
{
	uint32_t mask = policy_mark_mask(c), step = mask & -mask;
	uint64_t v = (uint64_t)k * step;

	return v <= UINT32_MAX && ((uint32_t)v & ~mask) == 0 ? (uint32_t)v : 0;
}

static bool mark_held(const struct compile_ctx *ctx, uint32_t v, uint32_t mask)
{
	vec_foreach(d, &ctx->out->wgdevs)
		if (d->fwmark && (d->fwmark & mask) == v)
			return true;
	return false;
}

uint32_t policy_next_mark(struct compile_ctx *ctx, uint32_t *next)
{
	uint32_t mask = policy_mark_mask(ctx->c), v;

	while ((v = policy_mark(ctx->c, (*next)++)))
		if (!mark_held(ctx, v, mask))
			return v;
	return 0;
}

struct table_ctx {
	struct compile_ctx *ctx;
	const struct conf_policy *p;
	const struct target *t;
	uint32_t table;
	uint8_t family;
	bool killswitch;
	bool balance;
};

static void emit_route(struct table_ctx *tc, const struct prefix *dst, enum route_type type,
		       uint32_t metric)
{
	struct st_route *r = EMIT(tc->ctx, routes);

	if (!r)
		return;
	r->table = tc->table;
	r->dst = prefix_network(dst);
	r->type = type;
	r->metric = metric;
	r->protocol = tc->ctx->protocol;
	if (type == ROUTE_UNICAST)
		copy_ifname(r->ifname, tc->t->iface->name);
}

/*
 * The kernel takes no IPv6 multipath route of devices alone ("Device only
 * routes can not be added for IPv6 using the multipath API": its ECMP
 * siblings need gateways). Each IPv6 way names this link-local gateway, which
 * no host has and nothing uses: WireGuard sends by AllowedIPs, and its
 * devices resolve no neighbours (NOARP).
 */
static const struct prefix way_gateway6 = {
	.family = FAMILY_V6, .len = 128, .addr = { 0xfe, 0x80, [13] = 0x57, [14] = 0x47, [15] = 0x50 }
};

/*
 * Mode = balance: one route over every target up that carries the family,
 * weighted (a single one makes a plain route: the kernel keeps no multipath
 * of one). Returns false when there is none, as when a failover has none.
 */
static bool emit_balanced(struct table_ctx *tc, const struct prefix *dst, uint32_t metric)
{
	const struct conf_policy *p = tc->p;
	struct st_nexthop ways[ST_MAX_NEXTHOPS] = { 0 };
	struct st_route way = { .nh = ways };
	size_t i;

	for (i = 0; i < p->via.n && way.n_nh < ST_MAX_NEXTHOPS; i++) {
		const struct target *t = &p->via.v[i];

		if (!t->iface || !iface_carries(t->iface, dst->family) ||
		    (tc->ctx->f->target_up && !tc->ctx->f->target_up(tc->ctx->f->health, p, i)))
			continue;
		copy_ifname(way.nh[way.n_nh].ifname, t->iface->name);
		way.nh[way.n_nh++].weight = p->weights.n == p->via.n ? (uint16_t)p->weights.v[i].v : 1;
	}
	if (!way.n_nh)
		return false;
	struct st_route *r = EMIT(tc->ctx, routes);
	if (!r)
		return true;
	*r = way;
	r->table = tc->table;
	r->dst = prefix_network(dst);
	r->type = ROUTE_UNICAST;
	r->metric = metric;
	r->protocol = tc->ctx->protocol;
	if (r->n_nh == 1) {
		copy_ifname(r->ifname, r->nh[0].ifname);
		r->n_nh = 0;
	}
	for (i = 0; i < r->n_nh && dst->family == FAMILY_V6; i++)
		r->nh[i].gw = way_gateway6;
	if (st_route_keep_nexthops(r, &tc->ctx->out->arena))
		tc->ctx->err = -ENOMEM;
	return true;
}

static void table_dest(void *arg, const struct prefix *dst, struct loc loc)
{
	struct table_ctx *tc = arg;
	uint32_t metric = dst->family == FAMILY_V6 ? IPV6_DEFAULT_METRIC : 0;

	(void)loc;
	if (dst->family != tc->family)
		return;
	if (tc->balance) {
		if (!emit_balanced(tc, dst, metric) && !tc->killswitch)
			return;
		emit_route(tc, dst, ROUTE_UNREACHABLE, ROUTE_METRIC_LAST);
		return;
	}
	/* Every target down: only the kill switch's unreachable, if there is one. */
	if (!tc->t) {
		if (tc->killswitch)
			emit_route(tc, dst, ROUTE_UNREACHABLE, ROUTE_METRIC_LAST);
		return;
	}
	if (tc->t->kind == TARGET_BLACKHOLE) {
		emit_route(tc, dst, ROUTE_BLACKHOLE, metric);
		return;
	}
	/* A tunnel without this family blocks it rather than letting it leak around. */
	if (!iface_carries(tc->t->iface, dst->family)) {
		emit_route(tc, dst, ROUTE_UNREACHABLE, metric);
		return;
	}
	emit_route(tc, dst, ROUTE_UNICAST, metric);
	if (tc->killswitch)
		emit_route(tc, dst, ROUTE_UNREACHABLE, ROUTE_METRIC_LAST);
}

/*
 * The policy's table: its destinations (To, or everything) by way of its
 * active target. A failover changes only the device of the same routes (one
 * atomic replace each); the kill switch's unreachable stays through it.
 */
static void emit_table(struct compile_ctx *ctx, const struct conf_policy *p,
		       const struct target *t, uint32_t table, unsigned fams)
{
	static const uint8_t families[] = { FAMILY_V4, FAMILY_V6 };
	struct table_ctx tc = { ctx, p, t, table, 0,
				policy_killswitch(p) != KILLSWITCH_NO,
				IS_SET(p->mode) && p->mode.v == MODE_BALANCE };
	size_t i;

	for (i = 0; i < 2; i++) {
		struct prefix all = { .family = families[i] };

		if (!(fams & fam_bit_of(families[i])))
			continue;
		tc.family = families[i];
		if (p->to.n)
			sel_foreach(ctx->c, p->to.v, p->to.n, table_dest, &tc);
		else
			table_dest(&tc, &all, p->loc);
	}
}

static uint32_t policy_prio(const struct conf_policy *p, uint32_t base, uint32_t step)
{
	if (IS_SET(p->priority))
		return p->priority.v;
	return base + 1 + p->index * step;
}

static uint32_t policy_table(const struct compile_ctx *ctx, const struct conf_policy *p)
{
	if (IS_SET(p->table))
		return p->table.v;
	return RANGE_LO(ctx->c->global.tables, GLOBAL_DEFAULT_TABLE_LO) + p->index;
}

static bool check_ranges(struct compile_ctx *ctx, uint32_t step)
{
	const struct conf_global *g = &ctx->c->global;
	uint32_t n = (uint32_t)ctx->c->policies.n;
	uint64_t prio_need = (uint64_t)RANGE_LO(g->priorities, GLOBAL_DEFAULT_PRIORITY_LO) + 1 +
			     (uint64_t)n * step;
	uint64_t table_need = (uint64_t)RANGE_LO(g->tables, GLOBAL_DEFAULT_TABLE_LO) + n;

	if (prio_need > (uint64_t)RANGE_HI(g->priorities, GLOBAL_DEFAULT_PRIORITY_HI) + 1) {
		conf_error(ctx->d, g->priorities.loc, "PriorityRange is too small for %u policies",
			   n);
		return false;
	}
	if (table_need > (uint64_t)RANGE_HI(g->tables, GLOBAL_DEFAULT_TABLE_HI) + 1) {
		conf_error(ctx->d, g->tables.loc, "TableRange is too small for %u policies", n);
		return false;
	}
	return true;
}

/* Leave room between policies for rules of one's own, when the range allows. */
static uint32_t prio_step(const struct conf *c)
{
	const struct conf_global *g = &c->global;
	uint64_t size = (uint64_t)RANGE_HI(g->priorities, GLOBAL_DEFAULT_PRIORITY_HI) -
			RANGE_LO(g->priorities, GLOBAL_DEFAULT_PRIORITY_LO);

	return (c->policies.n + 1) * 10 <= size ? 10 : 1;
}

uint32_t policy_priority(const struct conf *c, const struct conf_policy *p)
{
	return policy_prio(p, RANGE_LO(c->global.priorities, GLOBAL_DEFAULT_PRIORITY_LO),
			   prio_step(c));
}

static void emit_mark_rules(struct compile_ctx *ctx, const struct pol_info *pi, uint32_t table)
{
	static const uint8_t fams[] = { FAMILY_V4, FAMILY_V6 };
	size_t i;

	for (i = 0; i < 2; i++) {
		struct st_rule *r;

		if (!(pi->fams & fam_bit_of(fams[i])))
			continue;
		r = emit_table_rule(ctx, fams[i], pi->prio, table);
		if (!r)
			return;
		r->fwmark = pi->mark;
		r->fwmask = policy_mark_mask(ctx->c);
	}
}

/*
 * A mark re-routes a tunnel's replies' reverse path away from what the main
 * table says: validate sources with the mark and loosely, on that tunnel only.
 */
static void tunnel_sysctls(struct compile_ctx *ctx, const struct pol_info *pi)
{
	static const char *const knobs[][2] = { { "src_valid_mark", "1" }, { "rp_filter", "2" } };
	size_t i;

	vec_foreach(t, &pi->p->via) {
		if (!t->iface)
			continue;
		for (i = 0; i < 2; i++)
			emit_iface_sysctl(ctx, t->iface->name, knobs[i][0], knobs[i][1]);
	}
}

static int cmp_prio(const void *a, const void *b)
{
	const struct pol_info *x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	return x->p->index < y->p->index ? -1 : x->p->index > y->p->index;
}

static void compile_one(struct compile_ctx *ctx, struct pol_info *pi, uint32_t *next_mark)
{
	const struct conf_policy *p = pi->p;
	uint32_t table = RT_TABLE_MAIN_ID;
	bool local;

	/* Hash on the ports too, so that each flow stays on one tunnel of a balance. */
	if (IS_SET(p->mode) && p->mode.v == MODE_BALANCE) {
		emit_sysctl(ctx, "net.ipv4.fib_multipath_hash_policy", "1", NULL);
		emit_sysctl(ctx, "net.ipv6.fib_multipath_hash_policy", "1", NULL);
	}
	if (!pi->active || pi->active->kind != TARGET_DIRECT) {
		table = policy_table(ctx, p);
		emit_table(ctx, p, pi->active, table, pi->fams);
	}
	pi->to_in_rules = table == RT_TABLE_MAIN_ID;
	local = p->from.n && !p->to.n && pi->tunnels;
	if (!policy_needs_marks(ctx, p, pi->fams, pi->to_in_rules, local)) {
		if (local)
			compile_source_locality(ctx, p, pi->fams, pi->prio - 1);
		compile_policy_rules(ctx, p, pi->fams, pi->prio, table);
		return;
	}
	pi->mark = policy_next_mark(ctx, next_mark);
	if (!pi->mark) {
		conf_error(ctx->d, p->loc, "FirewallMarkMask has too few values to mark policy %s",
			   p->name);
		return;
	}
	emit_mark_rules(ctx, pi, table);
	tunnel_sysctls(ctx, pi);
}

void compile_policies(struct compile_ctx *ctx)
{
	uint32_t base = RANGE_LO(ctx->c->global.priorities, GLOBAL_DEFAULT_PRIORITY_LO);
	uint32_t step = prio_step(ctx->c), next_mark;
	struct pol_info *pols;
	size_t n = 0;

	if (!ctx->c->policies.n || !check_ranges(ctx, step))
		return;
	next_mark = ctx->marks_used + 1;
	pols = arena_alloc(&ctx->out->arena, sizeof(*pols) * ctx->c->policies.n);
	if (!pols) {
		ctx->err = -ENOMEM;
		return;
	}
	vec_foreach(it, &ctx->c->policies) {
		const struct conf_policy *p = *it;
		struct pol_info *pi = &pols[n];

		if (!p->via.n || ctx->err)
			continue;
		pi->p = p;
		pi->active = facts_active_target(ctx->f, p);
		vec_foreach(t, &p->via)
			pi->tunnels |= t->iface != NULL;
		pi->fams = policy_families(ctx->c, p);
		pi->prio = policy_prio(p, base, step);
		pi->killswitch = policy_killswitch(p) != KILLSWITCH_NO;
		pi->guard = policy_killswitch(p) == KILLSWITCH_YES;
		pi->mssclamp = IS_SET(p->mssclamp) ? p->mssclamp.v : POLICY_DEFAULT_MSSCLAMP;
		compile_one(ctx, pi, &next_mark);
		n++;
	}
	qsort(pols, n, sizeof(*pols), cmp_prio);
	if (!ctx->err)
		compile_peer_failover(ctx, pols, n);
	if (!ctx->err)
		compile_nft(ctx, pols, n);
}
