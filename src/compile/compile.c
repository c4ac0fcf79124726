// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/compile_internal.h"
#include "compile/policy.h"

#define WG_OVERHEAD_V4 60 /* IPv4 20 + UDP 8 + WireGuard 32 */
#define WG_OVERHEAD_V6 80 /* IPv6 40 + UDP 8 + WireGuard 32 */
#define DEFAULT_LINK_MTU 1500

/* As snprintf(dst, ST_IFNAMSIZ, "%s", src), at a tenth of the cost: it runs for every peer. */
void copy_ifname(char dst[ST_IFNAMSIZ], const char *src)
{
	size_t n = strnlen(src, ST_IFNAMSIZ - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

struct st_rule *emit_table_rule(struct compile_ctx *ctx, uint8_t family, uint32_t prio,
				uint32_t table)
{
	struct st_rule *r = EMIT(ctx, rules);

	if (!r)
		return NULL;
	r->family = family;
	r->priority = prio;
	r->action = RULE_TO_TABLE;
	r->table = table;
	r->suppress_prefixlen = -1;
	r->protocol = ctx->protocol;
	return r;
}

bool iface_carries(const struct conf_iface *iface, uint8_t family)
{
	vec_foreach(peer, &iface->peers)
		vec_foreach(lp, &(*peer)->allowed_ips)
			if (lp->p.family == family)
				return true;
	return false;
}

uint8_t compile_protocol(const struct conf *c)
{
	return IS_SET(c->global.protocol) ? (uint8_t)c->global.protocol.v : GLOBAL_DEFAULT_PROTOCOL;
}

static int endpoint_fact_cmp(const void *x, const void *y)
{
	const struct endpoint_fact *a = x, *b = y;
	int c = strcmp(a->host, b->host);

	return c ? c : (a->port > b->port) - (a->port < b->port);
}

static int mtu_fact_cmp(const void *x, const void *y)
{
	const struct mtu_fact *a = x, *b = y;
	int c = strcmp(a->ifname, b->ifname);

	return c ? c : prefix_cmp(&a->addr, &b->addr);
}

void facts_index(struct facts *f)
{
	if (f->n_endpoints > 1)
		qsort(f->endpoints, f->n_endpoints, sizeof(*f->endpoints), endpoint_fact_cmp);
	if (f->n_mtus > 1)
		qsort(f->mtus, f->n_mtus, sizeof(*f->mtus), mtu_fact_cmp);
}

const struct endpoint_fact *facts_endpoint(const struct facts *f, const char *host, uint16_t port)
{
	const struct endpoint_fact key = {.host = host, .port = port};

	return f->n_endpoints ? bsearch(&key, f->endpoints, f->n_endpoints,
					sizeof(*f->endpoints), endpoint_fact_cmp)
			      : NULL;
}

const struct target *facts_active_target(const struct facts *f, const struct conf_policy *p)
{
	size_t i;

	for (i = 0; i < p->via.n; i++) {
		const struct target *t = &p->via.v[i];

		/* direct and blackhole cannot fail. */
		if (!t->iface || !f->target_up || f->target_up(f->health, p, i))
			return t;
	}
	return NULL;
}

const struct uplink_fact *facts_uplink(const struct facts *f, const char *ifname)
{
	size_t i;

	for (i = 0; i < f->n_uplinks; i++)
		if (!strcmp(f->uplinks[i].ifname, ifname))
			return &f->uplinks[i];
	return NULL;
}

struct mtu_fact *facts_mtu(const struct facts *f, const char *ifname, const struct st_endpoint *ep)
{
	struct mtu_fact key = {.ifname = ifname};

	key.addr.family = ep->family;
	key.addr.len = (uint8_t)prefix_max_len(ep->family);
	memcpy(key.addr.addr, ep->addr, 16);
	return f->n_mtus ? bsearch(&key, f->mtus, f->n_mtus, sizeof(*f->mtus), mtu_fact_cmp) : NULL;
}

uint32_t facts_path_mtu(const struct facts *f, const char *ifname, const struct st_endpoint *ep)
{
	const struct mtu_fact *mf = facts_mtu(f, ifname, ep);

	return mf ? mf->mtu : 0;
}

/*
 * Through an underlay, the path is the underlay's: its MTU (itself computed
 * the same way for a tunnel), minus this tunnel's overhead, which depends on
 * the family of the endpoints (all IPv4: 60, else 80; wg-quick's 80 without
 * MTU = auto).
 */
static uint32_t underlay_mtu(struct compile_ctx *ctx, const struct conf_iface *iface, bool is_auto)
{
	const struct conf_iface *under = conf_find_iface(ctx->c, iface->underlay.v);
	const struct uplink_fact *up = under ? NULL : facts_uplink(ctx->f, iface->underlay.v);
	uint32_t m = under ? compile_mtu(ctx, under) : up && up->mtu ? up->mtu : DEFAULT_LINK_MTU;
	uint32_t overhead = WG_OVERHEAD_V6;

	if (is_auto) {
		overhead = WG_OVERHEAD_V4;
		vec_foreach(peer, &iface->peers) {
			const struct endpoint_fact *ef;

			if (!IS_SET((*peer)->endpoint))
				continue;
			ef = facts_endpoint(ctx->f, (*peer)->endpoint.v.host,
					    (*peer)->endpoint.v.port);
			if (!ef || ef->ep.family != FAMILY_V4)
				overhead = WG_OVERHEAD_V6;
		}
	}
	return m > overhead + 68 ? m - overhead : 68;
}

/*
 * Without MTU, wg-quick's rule exactly: the largest path MTU towards any
 * endpoint (else the default route's device MTU, else 1500), minus 80.
 * MTU = auto: the smallest per endpoint, minus the overhead of its family.
 */
uint32_t compile_mtu(struct compile_ctx *ctx, const struct conf_iface *iface)
{
	bool is_auto = IS_SET(iface->mtu) && iface->mtu.v.is_auto;
	uint32_t best = 0, fallback;

	if (IS_SET(iface->mtu) && !is_auto)
		return iface->mtu.v.value;
	if (IS_SET(iface->underlay))
		return underlay_mtu(ctx, iface, is_auto);
	vec_foreach(peer, &iface->peers) {
		const struct endpoint_fact *ef;
		uint32_t m, room;

		if (!IS_SET((*peer)->endpoint))
			continue;
		ef = facts_endpoint(ctx->f, (*peer)->endpoint.v.host, (*peer)->endpoint.v.port);
		m = ef && ef->ep.family ? facts_path_mtu(ctx->f, iface->name, &ef->ep) : 0;
		if (!m)
			continue;
		if (!is_auto) {
			best = m > best ? m : best;
			continue;
		}
		room = m - (ef->ep.family == FAMILY_V4 ? WG_OVERHEAD_V4 : WG_OVERHEAD_V6);
		best = !best || room < best ? room : best;
	}
	if (best)
		return is_auto ? best : best - WG_OVERHEAD_V6;
	fallback = ctx->f->default_mtu ? ctx->f->default_mtu : DEFAULT_LINK_MTU;
	return fallback - WG_OVERHEAD_V6;
}

bool compile_mtu_by_path(const struct conf_iface *iface)
{
	return (!IS_SET(iface->mtu) || iface->mtu.v.is_auto) && !IS_SET(iface->underlay);
}

bool compile_needs_default_mtu(const struct conf *c)
{
	vec_foreach(iface, &c->ifaces)
		if (!IS_SET((*iface)->mtu) || (*iface)->mtu.v.is_auto)
			return true;
	return false;
}

int compile_state(const struct conf *c, const struct facts *f, struct state *out, struct diags *d)
{
	struct compile_ctx ctx = { c, f, out, d, compile_protocol(c), 0 };
	size_t errors = d->errors, peers = 0;

	/* Sized once: growing 10,000 peers by doubling copies them over and over. */
	vec_foreach(iface, &c->ifaces)
		peers += (*iface)->peers.n;
	if (vec_reserve(&out->arena, &out->wgpeers, out->wgpeers.n + peers))
		return -ENOMEM;
	vec_foreach(iface, &c->ifaces) {
		compile_iface(&ctx, *iface);
		if (ctx.err)
			return ctx.err;
	}
	compile_tunnels(&ctx, IS_SET(c->global.priorities) ? c->global.priorities.v.lo
							   : GLOBAL_DEFAULT_PRIORITY_LO);
	compile_policies(&ctx);
	if (ctx.err)
		return ctx.err;
	compile_coexist(&ctx);
	state_sort(out);
	return d->errors > errors ? -EINVAL : 0;
}
