// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Allocations that must not collide with what the system already uses: the
 * table and rule priorities of a wg-quick style full tunnel. Sticky: what
 * wgpolicy allocated before (seen in the live state) is kept.
 */
#include <errno.h>
#include <string.h>

#include "compile/compile_internal.h"
#include "compile/policy.h"
#include "util/sysctl_name.h"

#define PRIO_BEFORE_MAIN 32765 /* the main table's rule is 32766 */

static bool our_route(const struct compile_ctx *ctx, const struct st_route *r,
		      const char *ifname)
{
	return r->protocol == ctx->protocol && !strcmp(r->ifname, ifname);
}

static bool table_taken(const struct compile_ctx *ctx, uint32_t table, const char *ifname)
{
	const struct state *live = ctx->f->live;

	if (live) {
		vec_foreach(r, &live->routes)
			if (r->table == table && !our_route(ctx, r, ifname))
				return true;
	}
	/* Another interface of this compile took it already. */
	vec_foreach(d, &ctx->out->wgdevs)
		if (d->fwmark == table && strcmp(d->ifname, ifname))
			return true;
	return false;
}

/*
 * wg-quick: the first table from 51820 with no routes in it; we keep the one we had, unless
 * what the tunnel had was a mark of the policies' (it was their target, not a full tunnel).
 */
static uint32_t full_tunnel_table(struct compile_ctx *ctx, const struct conf_iface *iface)
{
	const struct st_wgdev *had = ctx->f->live ? state_wgdev(ctx->f->live, iface->name) : NULL;
	uint32_t t;

	if (had && had->fwmark >= WGQUICK_TABLE_BASE && !(had->fwmark & policy_mark_mask(ctx->c)) &&
	    !table_taken(ctx, had->fwmark, iface->name))
		return had->fwmark;
	for (t = WGQUICK_TABLE_BASE; t < WGQUICK_TABLE_BASE + 10000; t++)
		if (!table_taken(ctx, t, iface->name))
			return t;
	conf_error(ctx->d, iface->loc, "no free routing table from %u for %s's full tunnel",
		   WGQUICK_TABLE_BASE, iface->name);
	return 0;
}

static bool is_our_tunnel_rule(const struct compile_ctx *ctx, const struct st_rule *r,
			       uint32_t table)
{
	return r->protocol == ctx->protocol &&
	       ((r->invert && r->fwmark == table && r->table == table) ||
		(r->table == RT_TABLE_MAIN_ID && r->suppress_prefixlen == 0));
}

static bool prio_taken(const struct compile_ctx *ctx, uint8_t family, uint32_t prio,
		       uint32_t table)
{
	if (ctx->f->live) {
		vec_foreach(r, &ctx->f->live->rules)
			if (r->family == family && r->priority == prio &&
			    !is_our_tunnel_rule(ctx, r, table))
				return true;
	}
	vec_foreach(r, &ctx->out->rules)
		if (r->family == family && r->priority == prio)
			return true;
	return false;
}

/* Where our own rule for this table sits already, to keep it there. */
static uint32_t had_prio(const struct compile_ctx *ctx, uint8_t family, uint32_t table)
{
	if (!ctx->f->live)
		return 0;
	vec_foreach(r, &ctx->f->live->rules)
		if (r->family == family && r->protocol == ctx->protocol && r->invert &&
		    r->fwmark == table && r->table == table)
			return r->priority;
	return 0;
}

/*
 * wg-quick leaves the priority to the kernel, which takes the one below the
 * lowest non-local rule: 32765 and 32764 on a fresh system, the next pair
 * down beside another full tunnel. We pick the highest free pair below the
 * main table's rule: the same numbers there, and always after wgpolicy's own
 * policy rules, which must see packets first.
 */
static uint32_t tunnel_prio(struct compile_ctx *ctx, const struct conf_iface *iface,
			    uint8_t family, uint32_t table)
{
	uint32_t p = had_prio(ctx, family, table);

	if (p > 1 && !prio_taken(ctx, family, p, table) && !prio_taken(ctx, family, p - 1, table))
		return p;
	for (p = PRIO_BEFORE_MAIN; p > 1; p--)
		if (!prio_taken(ctx, family, p, table) && !prio_taken(ctx, family, p - 1, table))
			return p;
	conf_error(ctx->d, iface->loc, "no free rule priorities for %s's full tunnel", iface->name);
	return 0;
}

static void emit_rule_pair(struct compile_ctx *ctx, uint8_t family, uint32_t prio, uint32_t table)
{
	struct st_rule *r = emit_table_rule(ctx, family, prio, table);

	if (!r)
		return;
	r->invert = true;
	r->fwmark = table;
	r->fwmask = UINT32_MAX;
	r = emit_table_rule(ctx, family, prio - 1, RT_TABLE_MAIN_ID);
	if (r)
		r->suppress_prefixlen = 0;
}

/* @owner: the interface that needs it (so `up` of another leaves it), or NULL for every one. */
void emit_sysctl(struct compile_ctx *ctx, const char *path, const char *value, const char *owner)
{
	struct st_sysctl *s = NULL;

	vec_foreach(it, &ctx->out->sysctls)
		if (!strcmp(it->path, path))
			s = it;
	if (!s) {
		s = EMIT(ctx, sysctls);
		if (!s)
			return;
		s->path = path;
		s->value = value;
		s->owners = owner;
		return;
	}
	if (s->owners && owner)
		s->owners = arena_printf(&ctx->out->arena, "%s %s", s->owners, owner);
	else
		s->owners = NULL;
}

/* A sysctl of one interface's own, named as sysctl(8) takes it: a dot in the name becomes '/'. */
void emit_iface_sysctl(struct compile_ctx *ctx, const char *ifname, const char *knob,
		       const char *value)
{
	char name[128];
	char *path;

	iface_sysctl_name(name, sizeof(name), "ipv4", ifname, knob);
	path = arena_strdup(&ctx->out->arena, name);
	if (!path) {
		ctx->err = -ENOMEM;
		return;
	}
	emit_sysctl(ctx, path, value, ifname);
}

/*
 * wg-quick's full tunnel: packets without the tunnel's fwmark look up the
 * tunnel's table; the main table is consulted first for everything but its
 * default route (suppress_prefixlength 0), so local networks stay reachable.
 */
void compile_full_tunnel(struct compile_ctx *ctx, const struct conf_iface *iface,
			 struct st_wgdev *dev, const struct prefix *defaults, size_t n)
{
	uint32_t table = dev->fwmark ? dev->fwmark : full_tunnel_table(ctx, iface);
	size_t i;

	if (!table)
		return;
	dev->fwmark = table;
	for (i = 0; i < n; i++) {
		uint32_t prio = tunnel_prio(ctx, iface, defaults[i].family, table);

		if (!prio)
			return;
		emit_rule_pair(ctx, defaults[i].family, prio, table);
		emit_dev_route(ctx, iface->name, &defaults[i], table);
		if (defaults[i].family == FAMILY_V4)
			emit_sysctl(ctx, "net.ipv4.conf.all.src_valid_mark", "1", iface->name);
	}
	compile_full_tunnel_nft(ctx, iface, table, defaults, n);
}
