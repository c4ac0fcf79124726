// SPDX-License-Identifier: GPL-2.0-or-later
/* A WireGuard interface as wg-quick brings it up: link, device, peers, addresses, routes, DNS. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/compile_internal.h"

static const char *const *hooks(struct compile_ctx *ctx, const struct conf_iface *iface,
				const struct lstr *v, size_t n, unsigned *count)
{
	const char **out = arena_alloc(&ctx->out->arena, sizeof(*out) * (n + 1));
	size_t i;

	*count = 0;
	if (!out) {
		ctx->err = -ENOMEM;
		return NULL;
	}
	/* wg-quick substitutes %i with the interface name, nothing else. */
	for (i = 0; i < n; i++) {
		const char *s = v[i].s;
		size_t cap = strlen(s) * ST_IFNAMSIZ + 1, w = 0;
		char *cmd = arena_alloc(&ctx->out->arena, cap);

		if (!cmd) {
			ctx->err = -ENOMEM;
			return NULL;
		}
		for (; *s; s++) {
			if (s[0] == '%' && s[1] == 'i') {
				w += (size_t)snprintf(cmd + w, cap - w, "%s", iface->name);
				s++;
			} else {
				cmd[w++] = *s;
			}
		}
		out[i] = cmd;
	}
	*count = (unsigned)n;
	return out;
}

static void set_hooks(struct compile_ctx *ctx, const struct conf_iface *iface, struct st_link *l);

static void emit_link(struct compile_ctx *ctx, const struct conf_iface *iface)
{
	struct st_link *l = EMIT(ctx, links);
	enum backend_kind want = IS_SET(iface->backend) ? iface->backend.v.kind : BACKEND_AUTO;

	if (!l)
		return;
	copy_ifname(l->name, iface->name);
	l->backend = want == BACKEND_KERNEL || (want == BACKEND_AUTO && ctx->f->kernel_wireguard)
			     ? WG_BACKEND_KERNEL
			     : WG_BACKEND_USERSPACE;
	l->allow_fallback = want == BACKEND_AUTO;
	l->program = IS_SET(iface->backend) && iface->backend.v.program ? iface->backend.v.program
									  : ctx->f->userspace_program;
	l->mtu = compile_mtu(ctx, iface);
	l->up = true;
	l->owned = true;
	set_hooks(ctx, iface, l);
}

static void set_hooks(struct compile_ctx *ctx, const struct conf_iface *iface, struct st_link *l)
{
	l->pre_up = hooks(ctx, iface, iface->pre_up.v, iface->pre_up.n, &l->n_pre_up);
	l->post_up = hooks(ctx, iface, iface->post_up.v, iface->post_up.n, &l->n_post_up);
	l->pre_down = hooks(ctx, iface, iface->pre_down.v, iface->pre_down.n, &l->n_pre_down);
	l->post_down = hooks(ctx, iface, iface->post_down.v, iface->post_down.n, &l->n_post_down);
}

/* The kernel keeps no hooks: a live link gets its configured ones, for PreDown and PostDown. */
int compile_link_hooks(const struct conf *c, struct state *live)
{
	struct compile_ctx ctx = { .c = c, .out = live };

	vec_foreach(l, &live->links) {
		const struct conf_iface *iface = l->owned ? conf_find_iface(c, l->name) : NULL;

		if (iface)
			set_hooks(&ctx, iface, l);
	}
	return ctx.err;
}

static void set_endpoint(struct compile_ctx *ctx, const struct conf_peer *peer,
			 struct st_wgpeer *p)
{
	const struct endpoint_fact *ef;

	if (!IS_SET(peer->endpoint))
		return;
	ef = facts_endpoint(ctx->f, peer->endpoint.v.host, peer->endpoint.v.port);
	if (ef && ef->ep.family) {
		p->endpoint = ef->ep;
		return;
	}
	/* No endpoint is "wherever the peer roams" (state.c): a live one stays as it is. */
	if (ef && ef->pending)
		return;
	conf_error(ctx->d, peer->endpoint.loc, "cannot resolve endpoint %s:%u: %s",
		   peer->endpoint.v.host, peer->endpoint.v.port,
		   ef && ef->error ? ef->error : "not looked up");
}

static bool key_is_zero(const struct wg_key *k)
{
	static const struct wg_key zero;

	return !memcmp(k->b, zero.b, sizeof(zero.b));
}

static int cmp_prefix(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

static void emit_peer(struct compile_ctx *ctx, const struct conf_iface *iface,
		      const struct conf_peer *peer)
{
	struct st_wgpeer *p = EMIT(ctx, wgpeers);
	uint32_t i, n = (uint32_t)peer->allowed_ips.n;

	if (!p)
		return;
	copy_ifname(p->ifname, iface->name);
	memcpy(p->public_key.b, peer->public_key.v.b, ST_KEY_LEN);
	/* An all-zero key is none to wg and the kernel (they show none): compare as they show it. */
	p->has_preshared_key = IS_SET(peer->preshared_key) && !key_is_zero(&peer->preshared_key.v);
	if (p->has_preshared_key)
		memcpy(p->preshared_key.b, peer->preshared_key.v.b, ST_KEY_LEN);
	p->keepalive = IS_SET(peer->keepalive) ? (uint16_t)peer->keepalive.v : 0;
	p->name = IS_SET(peer->name) ? peer->name.v : NULL;
	set_endpoint(ctx, peer, p);
	p->allowed_ips = arena_alloc(&ctx->out->arena, sizeof(*p->allowed_ips) * (2 * n + 1));
	if (!p->allowed_ips) {
		ctx->err = -ENOMEM;
		return;
	}
	/* The kernel keeps AllowedIPs masked; compare as it will show them. */
	for (i = 0; i < n; i++)
		p->allowed_ips[n + i] = prefix_network(&peer->allowed_ips.v[i].p);
	memcpy(p->allowed_ips, p->allowed_ips + n, sizeof(*p->allowed_ips) * n);
	qsort(p->allowed_ips, n, sizeof(*p->allowed_ips), cmp_prefix);
	p->n_allowed_ips = n;
	p->allowed_ips_order = p->allowed_ips + n;
}

static void emit_addrs(struct compile_ctx *ctx, const struct conf_iface *iface)
{
	vec_foreach(lp, &iface->addresses) {
		struct st_addr *a = EMIT(ctx, addrs);

		if (!a)
			return;
		copy_ifname(a->ifname, iface->name);
		a->addr = lp->p;
		a->order = (uint32_t)(lp - iface->addresses.v);
	}
}

/*
 * An IPv4 address added in the subnet of one already there is that one's
 * secondary; deleting the primary then deletes its secondaries too, unless
 * promote_secondaries is on (default 0 in a new network namespace), and the
 * last IPv4 address going flushes every IPv4 route through the device. So
 * replacing an address within its subnet (make before break: the new one is
 * added first) would lose the new address and the routes: promote instead.
 */
static void emit_promote_secondaries(struct compile_ctx *ctx, const struct conf_iface *iface)
{
	vec_foreach(lp, &iface->addresses) {
		if (lp->p.family == FAMILY_V4) {
			emit_iface_sysctl(ctx, iface->name, "promote_secondaries", "1");
			return;
		}
	}
}

static void emit_dns(struct compile_ctx *ctx, const struct conf_iface *iface)
{
	struct st_dns *d;
	const char **search;
	size_t i;

	/* wg-quick registers nothing without a server: search domains alone stay unset. */
	if (!iface->dns.n)
		return;
	d = EMIT(ctx, dns);
	if (!d)
		return;
	copy_ifname(d->ifname, iface->name);
	d->servers = arena_alloc(&ctx->out->arena, sizeof(*d->servers) * (iface->dns.n + 1));
	search = arena_alloc(&ctx->out->arena, sizeof(*search) * (iface->dns_search.n + 1));
	if (!d->servers || !search) {
		ctx->err = -ENOMEM;
		return;
	}
	for (i = 0; i < iface->dns.n; i++)
		d->servers[i] = iface->dns.v[i].p;
	for (i = 0; i < iface->dns_search.n; i++)
		search[i] = iface->dns_search.v[i].s;
	d->n_servers = (uint32_t)iface->dns.n;
	d->search = search;
	d->n_search = (uint32_t)iface->dns_search.n;
}

void emit_dev_route(struct compile_ctx *ctx, const char *ifname, const struct prefix *dst,
		    uint32_t table)
{
	struct st_route *r = EMIT(ctx, routes);

	if (!r)
		return;
	r->table = table;
	r->dst = prefix_network(dst);
	r->metric = dst->family == FAMILY_V6 ? IPV6_DEFAULT_METRIC : 0;
	r->type = ROUTE_UNICAST;
	copy_ifname(r->ifname, ifname);
	r->protocol = ctx->protocol;
	/* scope 0: what `ip route add` picks, link for a device route (kernel/route.c) */
}

/* wg-quick skips a prefix that a main-table route via the interface already covers. */
static bool covered_by_address(const struct conf_iface *iface, const struct prefix *p)
{
	vec_foreach(lp, &iface->addresses) {
		struct prefix net = prefix_network(&lp->p);

		if (lp->p.len < prefix_max_len(lp->p.family) && prefix_contains(&net, p))
			return true;
	}
	return false;
}

static void emit_routes(struct compile_ctx *ctx, const struct conf_iface *iface,
			struct st_wgdev *dev)
{
	const struct table_sel *t = IS_SET(iface->table) ? &iface->table.v : NULL;
	struct prefix defaults[2];
	size_t n_defaults = 0;

	if (t && t->kind == TABLE_OFF)
		return;
	vec_foreach(peer, &iface->peers) {
		vec_foreach(lp, &(*peer)->allowed_ips) {
			struct prefix net = prefix_network(&lp->p);

			if (t && t->kind == TABLE_ID) {
				if (t->id != RT_TABLE_MAIN_ID || !covered_by_address(iface, &net))
					emit_dev_route(ctx, iface->name, &net, t->id);
			} else if (net.len == 0) {
				if (n_defaults < 2)
					defaults[n_defaults++] = net;
			} else if (!covered_by_address(iface, &net)) {
				emit_dev_route(ctx, iface->name, &net, RT_TABLE_MAIN_ID);
			}
		}
	}
	if (n_defaults)
		compile_full_tunnel(ctx, iface, dev, defaults, n_defaults);
}

void compile_iface(struct compile_ctx *ctx, const struct conf_iface *iface)
{
	struct st_wgdev *dev;

	emit_link(ctx, iface);
	dev = EMIT(ctx, wgdevs);
	if (!dev)
		return;
	copy_ifname(dev->ifname, iface->name);
	dev->has_private_key = IS_SET(iface->private_key);
	dev->keep_private_key = !dev->has_private_key; /* PostUp = wg set %i private-key FILE */
	memcpy(dev->private_key.b, iface->private_key.v.b, ST_KEY_LEN);
	/* Curve25519 clamping, as wg and the kernel store the key: compare as they show it. */
	dev->private_key.b[0] &= 248;
	dev->private_key.b[31] = (dev->private_key.b[31] & 127) | 64;
	/* ListenPort = 0 asks for a port of WireGuard's choosing, which any port it shows is. */
	dev->has_listen_port = IS_SET(iface->listen_port) && iface->listen_port.v;
	dev->listen_port = (uint16_t)iface->listen_port.v;
	dev->fwmark = IS_SET(iface->fwmark) ? iface->fwmark.v : 0;
	vec_foreach(peer, &iface->peers)
		emit_peer(ctx, iface, *peer);
	emit_addrs(ctx, iface);
	emit_promote_secondaries(ctx, iface);
	emit_routes(ctx, iface, dev);
	emit_dns(ctx, iface);
}
