// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Failover between peers of one interface (Via = wg0:ams1, wg0:fra1): the
 * route stays on wg0 and WireGuard picks the peer by AllowedIPs, so the
 * policy's destinations move to the active peer and away from the others.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compile/nft.h"

static struct st_wgpeer *find_peer(struct compile_ctx *ctx, const struct target *t)
{
	vec_foreach(sp, &ctx->out->wgpeers)
		if (!strcmp(sp->ifname, t->iface->name) &&
		    !memcmp(sp->public_key.b, t->peer->public_key.v.b, ST_KEY_LEN))
			return sp;
	return NULL;
}

static int cmp_prefix(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

struct dests {
	struct prefix *v;
	size_t n, cap;
	unsigned fams;
};

static void add_dest(void *arg, const struct prefix *p, struct loc loc)
{
	struct dests *d = arg;

	(void)loc;
	if (d->n < d->cap && (d->fams & fam_bit_of(p->family)))
		d->v[d->n++] = prefix_network(p);
}

static bool in_dests(const struct dests *d, const struct prefix *p)
{
	return bsearch(p, d->v, d->n, sizeof(*d->v), cmp_prefix) != NULL;
}

/* @sp's AllowedIPs with the destinations added (active) or taken out (standby). */
static void move(struct compile_ctx *ctx, struct st_wgpeer *sp, const struct dests *d, bool active)
{
	struct prefix *v = arena_alloc(&ctx->out->arena,
				       sizeof(*v) * (sp->n_allowed_ips + d->n + 1));
	size_t n = 0, i;

	if (!v) {
		ctx->err = -ENOMEM;
		return;
	}
	for (i = 0; i < sp->n_allowed_ips; i++)
		if (active || !in_dests(d, &sp->allowed_ips[i]))
			v[n++] = sp->allowed_ips[i];
	for (i = 0; active && i < d->n; i++)
		v[n++] = d->v[i];
	qsort(v, n, sizeof(*v), cmp_prefix);
	for (i = 1, sp->n_allowed_ips = n ? 1 : 0; i < n; i++)
		if (prefix_cmp(&v[i], &v[sp->n_allowed_ips - 1]))
			v[sp->n_allowed_ips++] = v[i];
	sp->allowed_ips = v;
	sp->allowed_ips_order = NULL; /* moved about: wg-quick knows no such order */
}

static bool has_peer_targets(const struct conf_policy *p)
{
	vec_foreach(t, &p->via)
		if (t->kind == TARGET_PEER)
			return true;
	return false;
}

static void failover_peers(struct compile_ctx *ctx, const struct pol_info *pi)
{
	const struct conf_policy *p = pi->p;
	struct dests d = { .fams = pi->fams };
	size_t cap = 2;

	vec_foreach(s, &p->to)
		cap += s->set ? (conf_find_set(ctx->c, s->set) ?
					 conf_find_set(ctx->c, s->set)->prefixes.n : 0) : 1;
	d.v = arena_alloc(&ctx->out->arena, sizeof(*d.v) * cap);
	if (!d.v) {
		ctx->err = -ENOMEM;
		return;
	}
	d.cap = cap;
	if (p->to.n) {
		sel_foreach(ctx->c, p->to.v, p->to.n, add_dest, &d);
	} else {
		struct prefix all4 = { .family = FAMILY_V4 }, all6 = { .family = FAMILY_V6 };

		add_dest(&d, &all4, p->loc);
		add_dest(&d, &all6, p->loc);
	}
	qsort(d.v, d.n, sizeof(*d.v), cmp_prefix);
	vec_foreach(t, &p->via) {
		struct st_wgpeer *sp;

		if (t->kind != TARGET_PEER || !(sp = find_peer(ctx, t)))
			continue;
		move(ctx, sp, &d, t == pi->active);
	}
}

void compile_peer_failover(struct compile_ctx *ctx, const struct pol_info *pols, size_t n)
{
	size_t i;

	for (i = 0; i < n && !ctx->err; i++)
		if (has_peer_targets(pols[i].p))
			failover_peers(ctx, &pols[i]);
}
