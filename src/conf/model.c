// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/model.h"

#include <stdio.h>
#include <string.h>

struct conf_iface *conf_find_iface(const struct conf *c, const char *name)
{
	vec_foreach(it, &c->ifaces)
		if (!strcmp((*it)->name, name))
			return *it;
	return NULL;
}

/*
 * wg-quick makes a /0 the default route only with Table = auto (or main); with
 * another table the route goes there (wg-quick(8)'s ssh example), with off nowhere.
 */
static bool default_route_in_main(const struct conf_iface *iface)
{
	const struct table_sel *t = &iface->table.v;

	return !IS_SET(iface->table) || t->kind == TABLE_AUTO ||
	       (t->kind == TABLE_ID && t->id == 254);
}

const struct lprefix *conf_full_tunnel_prefix(const struct conf_iface *iface)
{
	if (!default_route_in_main(iface))
		return NULL;
	vec_foreach(peer, &iface->peers)
		vec_foreach(lp, &(*peer)->allowed_ips)
			if (!lp->p.len)
				return lp;
	return NULL;
}

struct conf_peer *conf_find_peer(const struct conf_iface *iface, const char *name)
{
	vec_foreach(it, &iface->peers)
		if (IS_SET((*it)->name) && !strcmp((*it)->name.v, name))
			return *it;
	return NULL;
}

struct conf_set *conf_find_set(const struct conf *c, const char *name)
{
	vec_foreach(it, &c->sets)
		if (!strcmp((*it)->name, name))
			return *it;
	return NULL;
}

static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

bool conf_target_same(const struct target *a, const struct target *b)
{
	return a->kind == b->kind && str_same(a->iface_name, b->iface_name) &&
	       str_same(a->peer_name, b->peer_name);
}

/* "wg0:ams1", or "wg0 peer #2" for a peer without a Name. */
const char *peer_label(struct arena *a, const struct conf_peer *peer)
{
	if (IS_SET(peer->name))
		return arena_printf(a, "%s:%s", peer->iface->name, peer->name.v);
	return arena_printf(a, "%s peer #%u (line %u)", peer->iface->name, peer->index + 1,
			    peer->loc.line);
}

const char *target_name(const struct target *t, char *buf, size_t len)
{
	if (!t)
		return NULL;
	if (t->kind == TARGET_DIRECT || t->kind == TARGET_BLACKHOLE)
		return t->kind == TARGET_DIRECT ? "direct" : "blackhole";
	if (!t->peer_name)
		return t->iface_name;
	snprintf(buf, len, "%s:%s", t->iface_name, t->peer_name);
	return buf;
}

/*
 * Without a Check or a Probe, the peer's own tunnel address: a host route in
 * its AllowedIPs that lies inside one of the interface's subnets.
 */
static bool derive_addr(const struct conf_iface *iface, const struct conf_peer *only,
			struct prefix *out)
{
	vec_foreach(peer, &iface->peers) {
		if (only && *peer != only)
			continue;
		vec_foreach(lp, &(*peer)->allowed_ips) {
			if (lp->p.len != prefix_max_len(lp->p.family))
				continue;
			vec_foreach(a, &iface->addresses) {
				struct prefix net = prefix_network(&a->p);

				if (a->p.len < prefix_max_len(a->p.family) &&
				    prefix_contains(&net, &lp->p)) {
					*out = lp->p;
					return true;
				}
			}
		}
	}
	return false;
}

bool target_probe_addr(const struct conf_policy *p, const struct target *t, struct prefix *out)
{
	if (t->peer && IS_SET(t->peer->probe)) {
		*out = t->peer->probe.v;
		return true;
	}
	/* An interface target: the Probe of its (first) peer that has one. */
	vec_foreach(peer, &t->iface->peers) {
		if (!t->peer && IS_SET((*peer)->probe)) {
			*out = (*peer)->probe.v;
			return true;
		}
	}
	if (p && IS_SET(p->check)) {
		*out = p->check.v.addr;
		return true;
	}
	return derive_addr(t->iface, t->peer, out);
}

const struct lprefix *policy_dns_servers(const struct conf_policy *p, const struct target *active,
					 size_t *n)
{
	const struct conf_iface *iface = active ? active->iface : NULL;

	if (!IS_SET(p->dns_tunnel)) {
		*n = p->dns.n;
		return p->dns.v;
	}
	for (size_t i = 0; !iface && i < p->via.n; i++)
		iface = p->via.v[i].iface;
	*n = iface ? iface->dns.n : 0;
	return iface ? iface->dns.v : NULL;
}

bool policy_selects_senders(const struct conf_policy *p)
{
	return p->from.n || p->iif.n || p->users.n || p->groups.n || p->cgroups.n || p->fwmarks.n;
}
