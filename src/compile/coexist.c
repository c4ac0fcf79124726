// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Other users of the RPDB and the marks: refuse, before anything changes, a
 * desired rule priority or table another program already uses, and mark bits
 * that other rules match on or other nftables tables set or match. Foreign
 * objects are whatever does not carry wgpolicy's protocol.
 */
#include <stdlib.h>
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

static int table_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Where @table is in the sorted @tables, or -1. */
static long table_index(const uint32_t *tables, size_t n, uint32_t table)
{
	const uint32_t *t = bsearch(&table, tables, n, sizeof(*tables), table_cmp);

	return t ? t - tables : -1;
}

/*
 * The first of our routes (in order) whose table holds another's route, named
 * by the first such route: one pass over each list, not each route against
 * each (20,000 and 20,000 routes beside a set of 10,000 prefixes).
 */
static void check_tables(struct compile_ctx *ctx, const struct state *live)
{
	size_t n = 0, m = 0, i;
	uint32_t *tables = malloc(sizeof(*tables) * (ctx->out->routes.n + 1));
	const struct st_route **first = calloc(ctx->out->routes.n + 1, sizeof(*first));

	if (!tables || !first) { /* refused, not unchecked */
		conf_error(ctx->d, ctx->c->global.tables.loc, "out of memory checking the tables");
		goto out;
	}
	vec_foreach(mine, &ctx->out->routes)
		if (mine->table != RT_TABLE_MAIN_ID)
			tables[n++] = mine->table;
	qsort(tables, n, sizeof(*tables), table_cmp);
	for (i = 0; i < n; i++) /* unique */
		if (!i || tables[i] != tables[m - 1])
			tables[m++] = tables[i];
	n = m;
	vec_foreach(r, &live->routes) {
		long k = r->protocol != ctx->protocol ? table_index(tables, n, r->table) : -1;

		if (k >= 0 && !first[k])
			first[k] = r;
	}
	vec_foreach(mine, &ctx->out->routes) {
		long k = mine->table == RT_TABLE_MAIN_ID ? -1 : table_index(tables, n, mine->table);
		char buf[OP_LINE_MAX];

		if (k < 0 || !first[k])
			continue;
		conf_error(ctx->d, ctx->c->global.tables.loc,
			   "routing table %u holds routes that are not wgpolicy's (%s); choose "
			   "another TableRange or Table",
			   mine->table, obj_render(OBJ_ROUTE, first[k], buf, sizeof(buf)));
		break;
	}
out:
	free(first);
	free(tables);
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
