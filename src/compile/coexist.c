// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Other users of the RPDB and the marks: refuse, before anything changes, a
 * desired rule priority or table another program already uses, and mark bits
 * that other rules match on or other nftables tables set or match. Foreign
 * objects are whatever does not carry wgpolicy's protocol.
 */
#include <string.h>

#include "compile/policy.h"
#include "state/plan.h"

/* "from 10.0.0.0/8 table 100 pref 500 proto boot", as ip rule shows it. */
static const char *foreign_rule(const struct st_rule *r, char *buf, size_t len)
{
	return obj_render(OBJ_RULE, r, buf, len) + strlen("ip -4 rule add");
}

/* The kernel's own rules (local, main, default) are nobody's to collide with. */
static bool kernel_default(const struct st_rule *r)
{
	return r->priority == 0 || r->priority == 32766 || r->priority == 32767;
}

static void check_priorities(struct compile_ctx *ctx, const struct state *live)
{
	vec_foreach(mine, &ctx->out->rules) {
		vec_foreach(r, &live->rules) {
			char buf[OP_LINE_MAX];

			if (r->protocol == ctx->protocol || kernel_default(r) ||
			    r->family != mine->family || r->priority != mine->priority)
				continue;
			conf_error(ctx->d, ctx->c->global.priorities.loc,
				   "rule priority %u is taken by a rule that is not wgpolicy's (%s); "
				   "choose another PriorityRange or Priority",
				   r->priority, foreign_rule(r, buf, sizeof(buf)));
			return;
		}
	}
}

static void check_tables(struct compile_ctx *ctx, const struct state *live)
{
	vec_foreach(mine, &ctx->out->routes) {
		if (mine->table == RT_TABLE_MAIN_ID)
			continue;
		vec_foreach(r, &live->routes) {
			char buf[OP_LINE_MAX];

			if (r->protocol == ctx->protocol || r->table != mine->table)
				continue;
			conf_error(ctx->d, ctx->c->global.tables.loc,
				   "routing table %u holds routes that are not wgpolicy's (%s); choose "
				   "another TableRange or Table",
				   r->table, obj_render(OBJ_ROUTE, r, buf, sizeof(buf)));
			return;
		}
	}
}

/* Another program's rules matching marks within our bits would see our marks, and we theirs. */
static void check_marks(struct compile_ctx *ctx, const struct state *live)
{
	uint32_t mask = policy_mark_mask(ctx->c);

	vec_foreach(r, &live->rules) {
		char buf[OP_LINE_MAX];

		if (r->protocol == ctx->protocol || !r->fwmask || !(r->fwmask & mask))
			continue;
		/* wg-quick's full tunnel matches its own fwmark: only its bits count. */
		if (r->fwmask == UINT32_MAX && !(r->fwmark & mask))
			continue;
		conf_error(ctx->d, ctx->c->global.mark_mask.loc,
			   "FirewallMarkMask 0x%08x overlaps the marks another rule matches (%s); "
			   "choose bits nobody else uses",
			   mask, foreign_rule(r, buf, sizeof(buf)));
		return;
	}
}

/*
 * Another nftables table whose chains set or match bits of our mask would
 * overwrite our marks, have its own overwritten, or take our packets for its
 * own. A whole mark set or matched without a mask is all 32 bits: setting it
 * clears ours, and a packet we marked no longer equals the value it matches
 * (kernel/nft_marks.c reads the bits).
 */
static void check_nft_marks(struct compile_ctx *ctx)
{
	uint32_t mask = policy_mark_mask(ctx->c);

	if (ctx->f->mark_uses_error) {
		conf_error(ctx->d, ctx->c->global.mark_mask.loc,
			   "cannot tell which mark bits other nftables tables use: %s",
			   ctx->f->mark_uses_error);
		return;
	}
	vec_foreach(u, &ctx->f->mark_uses) {
		uint32_t bits = u->set | u->matched;

		if (!(bits & mask))
			continue;
		conf_error(ctx->d, ctx->c->global.mark_mask.loc,
			   "FirewallMarkMask 0x%08x overlaps mark bits 0x%08x that nftables "
			   "table %s %s (chain %s); choose bits nobody else uses",
			   mask, bits, u->table, u->set & mask ? "sets" : "matches", u->chain);
		return;
	}
}

void compile_coexist(struct compile_ctx *ctx)
{
	const struct state *live = ctx->f->live;

	if (!live || (!ctx->c->policies.n && !ctx->out->nft.n && !ctx->out->rules.n))
		return;
	check_priorities(ctx, live);
	check_tables(ctx, live);
	if (compile_uses_marks(ctx->c)) {
		check_marks(ctx, live);
		check_nft_marks(ctx);
	}
}
