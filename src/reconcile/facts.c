// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The facts the compiler needs about this system: endpoints, path MTUs,
 * WireGuard support, the mark bits of other nftables tables.
 */
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"
#include "reconcile/reconcile.h"

int reconcile_lookup(const char *host, uint16_t port, bool numeric, struct st_endpoint *ep,
		     char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_protocol = IPPROTO_UDP,
				  .ai_flags = numeric ? AI_NUMERICHOST : 0 };
	struct addrinfo *res = NULL;
	char service[8];
	int ret;

	snprintf(service, sizeof(service), "%u", port);
	ret = getaddrinfo(host, service, &hints, &res);
	if (ret) {
		snprintf(err, errlen, "%s",
			 ret == EAI_SYSTEM ? strerror(errno) : gai_strerror(ret));
		return ret;
	}
	memset(ep, 0, sizeof(*ep));
	if (res->ai_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)res->ai_addr;

		ep->family = FAMILY_V4;
		memcpy(ep->addr, &sin->sin_addr, 4);
	} else if (res->ai_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)res->ai_addr;

		ep->family = FAMILY_V6;
		memcpy(ep->addr, &sin6->sin6_addr, 16);
	}
	ep->port = port;
	freeaddrinfo(res);
	return 0;
}

/* The one-shot commands' way: look each name up now, as wg-quick does. */
static void lookup_now(void *ctx, struct endpoint_fact *ef, struct arena *a)
{
	char err[128];

	(void)ctx;
	if (reconcile_lookup(ef->host, ef->port, false, &ef->ep, err, sizeof(err)))
		ef->error = arena_strdup(a, err);
}

static uint32_t iface_mark(const struct conf_iface *iface, const struct state *live)
{
	const struct st_wgdev *d = state_wgdev(live, iface->name);

	/* FwMark = off is none: a full tunnel's mark is then its table's, as without one. */
	if (IS_SET(iface->fwmark) && iface->fwmark.v)
		return iface->fwmark.v;
	return d ? d->fwmark : 0;
}

/* The device of wgpolicy's own tunnel of ifindex @oif in @live; NULL: not one. */
static const struct st_wgdev *own_tunnel(const struct state *live, int oif)
{
	vec_foreach(l, &live->links)
		if (l->ifindex == oif && l->owned)
			return state_wgdev(live, l->name);
	return NULL;
}

/*
 * The path MTU towards an endpoint, as the kernel routes @mark's packets now,
 * but never through one of wgpolicy's own tunnels: whether they go there
 * after the apply is the desired state's to say (explain_tunnel_paths). Such
 * a tunnel's own packets (its fwmark) leave by its underlay: ask as them.
 * A tunnel without a mark, or whose marked packets come back to it, has no
 * underlay to ask: unknown, as before the tunnel's routes were there, when
 * wg-quick sized it (by the default route then); else the next apply would
 * size it by itself.
 * With @full_tunnels, also which route of main took them: a full tunnel's
 * `suppress_prefixlength 0` passes a default route on, a LAN's route not.
 */
static void endpoint_mtu(struct reconcile *r, const struct state *live, struct mtu_fact *mf,
			 uint32_t mark, bool full_tunnels, struct link_mtus *memo)
{
	struct route_path p = {0};
	struct route_query q = {.dst = mf->addr, .uid = ROUTE_QUERY_NO_UID, .fibmatch = true};
	struct route_answer match;

	for (int hops = 0; hops < MAX_TUNNEL_HOPS; hops++) {
		const struct st_wgdev *through;

		kernel_route_mtu(r->nl, &mf->addr, mark, memo, &p);
		through = p.oif ? own_tunnel(live, p.oif) : NULL;
		if (!through)
			break;
		if (!through->fwmark || through->fwmark == mark) {
			p.mtu = 0;
			break;
		}
		mark = through->fwmark;
	}
	mf->mtu = p.mtu;
	if (!full_tunnels || !p.mtu || p.table != RT_TABLE_MAIN_ID)
		return;
	q.mark = mark;
	if (!kernel_route_get(r->nl, &q, &match) && match.table == RT_TABLE_MAIN_ID)
		mf->main_route = match.dst;
}

/* Never an own tunnel's (Table = main, 0.0.0.0/0): wg-quick sized it before its routes. */
static uint32_t default_route_mtu(struct reconcile *r, const struct state *live)
{
	struct route_path p;

	kernel_route_mtu(r->nl, NULL, 0, NULL, &p);
	return p.oif && own_tunnel(live, p.oif) ? 0 : p.mtu;
}

static bool has_full_tunnel(const struct conf *c)
{
	vec_foreach(iface, &c->ifaces)
		if (conf_full_tunnel_prefix(*iface))
			return true;
	return false;
}

static size_t count_endpoints(const struct conf *c)
{
	size_t n = 0;

	vec_foreach(iface, &c->ifaces)
		vec_foreach(peer, &(*iface)->peers)
			n += IS_SET((*peer)->endpoint);
	return n;
}

/*
 * An uplink's MTU, and whether its device alone is a way out (no neighbour to
 * resolve: point to point, or no ARP), of this network namespace (sysfs may
 * show another one's).
 */
static void link_facts(struct uplink_fact *up)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", up->ifname);
	if (!ioctl(fd, SIOCGIFMTU, &ifr))
		up->mtu = (uint32_t)ifr.ifr_mtu;
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr))
		up->p2p = ifr.ifr_flags & (IFF_POINTOPOINT | IFF_NOARP);
	close(fd);
}

/* An uplink's gateways: those of the main table's default routes out of it. */
static void uplink_gateways(struct uplink_fact *up, const struct state *live)
{
	vec_foreach(r, &live->routes) {
		int i = r->dst.family == FAMILY_V4 ? 0 : 1;

		if (r->table == RT_TABLE_MAIN_ID && r->dst.len == 0 && r->type == ROUTE_UNICAST &&
		    !strcmp(r->ifname, up->ifname) && r->gw.family && !up->gw[i].family)
			up->gw[i] = r->gw;
	}
}

static int uplink_facts(const struct conf *c, const struct state *live, struct facts *f,
			struct arena *a)
{
	struct uplink_fact *ups = arena_alloc(a, sizeof(*ups) * (c->ifaces.n + 1));

	if (!ups)
		return -ENOMEM;
	f->uplinks = ups;
	vec_foreach(iface, &c->ifaces) {
		struct uplink_fact *up;

		if (!IS_SET((*iface)->underlay) || conf_find_iface(c, (*iface)->underlay.v))
			continue;
		up = &ups[f->n_uplinks++];
		up->ifname = (*iface)->underlay.v;
		up->exists = if_nametoindex(up->ifname) != 0;
		link_facts(up);
		uplink_gateways(up, live);
	}
	return 0;
}

/* Other nftables tables' mark bits; a failure to read them is the compiler's to report. */
static int mark_use_facts(struct reconcile *r, const struct conf *c, struct facts *f,
			  struct arena *a)
{
	char err[512];
	int ret;

	if (!compile_uses_marks(c))
		return 0;
	ret = reconcile_mark_uses(r, f->live, a, &f->mark_uses, err, sizeof(err));
	if (!ret || ret == -ENOMEM)
		return ret;
	f->mark_uses_error = arena_strdup(a, *err ? err : strerror(-ret));
	return f->mark_uses_error ? 0 : -ENOMEM;
}

int reconcile_facts(struct reconcile *r, const struct conf *c, const struct state *live,
		    endpoint_fn lookup, void *lookup_ctx, struct facts *f, struct arena *a)
{
	size_t n = count_endpoints(c);
	bool full_tunnels = has_full_tunnel(c);
	struct link_mtus memo = {0};
	struct endpoint_fact *eps = arena_alloc(a, sizeof(*eps) * (n + 1));
	struct mtu_fact *mtus = arena_alloc(a, sizeof(*mtus) * (n + 1));

	if (!eps || !mtus)
		return -ENOMEM;
	memset(f, 0, sizeof(*f));
	f->live = live;
	f->kernel_wireguard = kernel_has_wireguard();
	f->nft_egress = kernel_has_nft_egress();
	f->userspace_program = getenv("WGPOLICY_USERSPACE_IMPLEMENTATION");
	f->endpoints = eps;
	f->mtus = mtus;
	if (compile_needs_default_mtu(c))
		f->default_mtu = default_route_mtu(r, live);
	if (uplink_facts(c, live, f, a) || mark_use_facts(r, c, f, a))
		return -ENOMEM;
	vec_foreach(iface, &c->ifaces) {
		bool mtus_asked = r->every_path_mtu || compile_mtu_by_path(*iface);
		uint32_t mark = iface_mark(*iface, live);

		vec_foreach(peer, &(*iface)->peers) {
			struct endpoint_fact *ef;
			struct mtu_fact *mf;

			if (!IS_SET((*peer)->endpoint))
				continue;
			ef = &eps[f->n_endpoints++];
			ef->host = (*peer)->endpoint.v.host;
			ef->port = (*peer)->endpoint.v.port;
			(lookup ? lookup : lookup_now)(lookup_ctx, ef, a);
			if (!ef->ep.family || !mtus_asked)
				continue;
			mf = &mtus[f->n_mtus++];
			*mf = (struct mtu_fact){.ifname = (*iface)->name};
			mf->addr.family = ef->ep.family;
			mf->addr.len = (uint8_t)prefix_max_len(ef->ep.family);
			memcpy(mf->addr.addr, ef->ep.addr, 16);
			endpoint_mtu(r, live, mf, mark, full_tunnels, &memo);
		}
	}
	facts_index(f);
	return 0;
}
