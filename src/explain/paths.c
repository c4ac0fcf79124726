// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where a tunnel's own encrypted packets go once the desired state stands.
 * The facts asked the kernel as it is now, past wgpolicy's own tunnels; but
 * after the apply another tunnel of the configuration may carry them: a full
 * tunnel's `not fwmark` rule takes every packet without its mark (wg-quick's
 * does the same), and a policy may take them. Their path MTU is then that
 * tunnel's. Sized by the path of before, the first apply would set one MTU
 * and the next another.
 */
#include <netinet/in.h>
#include <string.h>

#include "explain/explain.h"

/* Another tunnel of @desired that carries @iface's packets to @mf's endpoint; NULL: none. */
static const struct st_link *carrier(const struct conf *c, const struct state *desired,
				     const struct conf_iface *iface, const struct mtu_fact *mf,
				     uint16_t port, struct arena *a)
{
	const struct st_wgdev *dev = state_wgdev(desired, iface->name);
	struct packet pk = {
	    .to = mf->addr,
	    .mark = dev ? dev->fwmark : 0,
	    .proto = IPPROTO_UDP,
	    .has_dport = true,
	    .dport = port,
	};
	/* What the kernel said of main settles a full tunnel's suppress_prefixlength. */
	struct kernel_route main = {.table = RT_TABLE_MAIN_ID, .matched = mf->main_route};
	struct simulation sim;
	const struct st_link *l;

	explain_route(c, desired, &pk, a, &sim);
	explain_settle(&sim, &main);
	if (sim.end != SIM_ROUTE || sim.route->type != ROUTE_UNICAST || !*sim.route->ifname)
		return NULL;
	l = state_link(desired, sim.route->ifname);
	return l && strcmp(l->name, iface->name) ? l : NULL;
}

bool explain_tunnel_paths(const struct conf *c, struct facts *f, const struct state *desired,
			  struct arena *a)
{
	bool changed = false;

	if (c->ifaces.n < 2)
		return false;
	vec_foreach(iface, &c->ifaces) {
		if (!compile_mtu_by_path(*iface))
			continue;
		vec_foreach(peer, &(*iface)->peers) {
			const struct endpoint *ep = &(*peer)->endpoint.v;
			const struct endpoint_fact *ef;
			const struct st_link *via;
			struct mtu_fact *mf;

			if (!IS_SET((*peer)->endpoint))
				continue;
			ef = facts_endpoint(f, ep->host, ep->port);
			mf = ef && ef->ep.family ? facts_mtu(f, (*iface)->name, &ef->ep) : NULL;
			via = mf ? carrier(c, desired, *iface, mf, ep->port, a) : NULL;
			if (via && via->mtu && via->mtu != mf->mtu) {
				mf->mtu = via->mtu;
				changed = true;
			}
		}
	}
	return changed;
}
