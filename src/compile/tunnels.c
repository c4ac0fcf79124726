// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where a tunnel's own encrypted packets go. They carry its fwmark, and one
 * rule per tunnel, before any policy, decides: the main table (so that no
 * policy loops a tunnel into itself or another), or, with Underlay, a table
 * of the tunnel's own that sends them through another tunnel (multi-hop) or
 * out of one uplink whatever the main table's default route says.
 */
#include <errno.h>
#include <string.h>

#include "compile/policy.h"

#define ROUTE_METRIC_LAST UINT32_MAX

static struct st_rule *tunnel_rule(struct compile_ctx *ctx, uint8_t family, uint32_t prio,
				   uint32_t mark, uint32_t table)
{
	struct st_rule *r = emit_table_rule(ctx, family, prio, table);

	if (r) {
		r->fwmark = mark;
		r->fwmask = UINT32_MAX;
	}
	return r;
}

static void table_route(struct compile_ctx *ctx, uint32_t table, uint8_t family,
			enum route_type type, const char *dev, const struct prefix *gw, uint32_t metric)
{
	struct st_route *r = EMIT(ctx, routes);

	if (!r)
		return;
	r->table = table;
	r->dst.family = family;
	r->type = type;
	r->metric = metric ? metric : family == FAMILY_V6 ? IPV6_DEFAULT_METRIC : 0;
	r->protocol = ctx->protocol;
	if (dev)
		copy_ifname(r->ifname, dev);
	if (gw)
		r->gw = *gw;
}

/*
 * The underlay table: a default route by the underlay for each family it can
 * carry, and unreachable behind it, so that the outer tunnel's packets never
 * take another way when the underlay is gone (which would show the far
 * endpoint to the local network). An uplink that needs a gateway and has
 * none (no default route by it, or it went down) carries nothing until it
 * has one: a route by its device alone would only ask the local network for
 * the endpoint's address.
 */
static void underlay_table(struct compile_ctx *ctx, const struct conf_iface *iface,
			   uint32_t table)
{
	static const uint8_t fams[] = { FAMILY_V4, FAMILY_V6 };
	const char *name = iface->underlay.v;
	const struct conf_iface *under = conf_find_iface(ctx->c, name);
	const struct uplink_fact *up = under ? NULL : facts_uplink(ctx->f, name);
	bool any = false;
	size_t i;

	if (!under && (!up || !up->exists)) {
		conf_error(ctx->d, iface->underlay.loc, "Underlay %s: no such interface here", name);
		return;
	}
	for (i = 0; i < 2; i++) {
		const struct prefix *gw = up && up->gw[i].family ? &up->gw[i] : NULL;
		bool via = under ? iface_carries(under, fams[i]) : gw || up->p2p;

		if (via)
			table_route(ctx, table, fams[i], ROUTE_UNICAST, name, gw, 0);
		table_route(ctx, table, fams[i], ROUTE_UNREACHABLE, NULL, NULL, ROUTE_METRIC_LAST);
		any = any || via;
	}
	if (up && !any)
		conf_warn(ctx->d, iface->underlay.loc,
			  "Underlay %s: no default route by %s in the main table gives its gateway; "
			  "%s's packets are held back until one does (a second uplink's can have a "
			  "higher metric)",
			  name, name, iface->name);
}

/* Underlay tables follow the policies' in TableRange. */
static uint32_t underlay_table_id(struct compile_ctx *ctx, const struct conf_iface *iface,
				  uint32_t k)
{
	const struct conf_global *g = &ctx->c->global;
	uint32_t lo = IS_SET(g->tables) ? g->tables.v.lo : GLOBAL_DEFAULT_TABLE_LO;
	uint32_t hi = IS_SET(g->tables) ? g->tables.v.hi : GLOBAL_DEFAULT_TABLE_HI;
	uint64_t id = (uint64_t)lo + ctx->c->policies.n + k;

	if (id > hi) {
		conf_error(ctx->d, iface->underlay.loc,
			   "TableRange %u-%u has no table left for this Underlay", lo, hi);
		return 0;
	}
	return (uint32_t)id;
}

static bool any_underlay(const struct conf *c)
{
	vec_foreach(iface, &c->ifaces)
		if (IS_SET((*iface)->underlay))
			return true;
	return false;
}

bool compile_uses_marks(const struct conf *c)
{
	return c->policies.n || any_underlay(c);
}

void compile_tunnels(struct compile_ctx *ctx, uint32_t prio)
{
	static const uint8_t fams[] = { FAMILY_V4, FAMILY_V6 };
	uint32_t next = 1, k = 0;
	size_t i;

	if (!compile_uses_marks(ctx->c))
		return;
	vec_foreach(dev, &ctx->out->wgdevs) {
		const struct conf_iface *iface = conf_find_iface(ctx->c, dev->ifname);
		uint32_t table = RT_TABLE_MAIN_ID;

		if (!dev->fwmark)
			dev->fwmark = policy_next_mark(ctx, &next);
		if (!dev->fwmark) {
			conf_error(ctx->d, ctx->c->global.mark_mask.loc,
				   "FirewallMarkMask has too few values for every tunnel's mark");
			return;
		}
		if (iface && IS_SET(iface->underlay)) {
			table = underlay_table_id(ctx, iface, k++);
			if (!table)
				return;
			underlay_table(ctx, iface, table);
		}
		for (i = 0; i < 2; i++)
			if (!tunnel_rule(ctx, fams[i], prio, dev->fwmark, table))
				return;
	}
	ctx->marks_used = next - 1;
}
