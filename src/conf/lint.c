// SPDX-License-Identifier: GPL-2.0-or-later
/* Warnings: valid configurations that probably do not do what their author wants. */
#include <string.h>

#include "conf/check.h"

#define WG_OVERHEAD_V6 80 /* IPv6 40 + UDP 8 + WireGuard 32 */
#define WG_DEFAULT_MTU 1420

static void lint_key_file(struct conf *c, const struct conf_iface *iface)
{
	/* wg-quick warns the same way: the file and its folder are world accessible. */
	if (iface->world_accessible && IS_SET(iface->private_key))
		conf_warn(&c->diags, iface->private_key.loc,
			  "%s holds a PrivateKey and is world accessible: chmod 600 it",
			  iface->file);
}

static void lint_full_tunnel_dns(struct conf *c, const struct conf_iface *iface)
{
	const struct lprefix *lp = conf_full_tunnel_prefix(iface);
	char buf[PREFIX_STRLEN];

	if (lp && !iface->dns.n)
		conf_warn(&c->diags, lp->loc,
			  "%s is a full tunnel (AllowedIPs %s) without DNS: name lookups "
			  "would go to the local network's resolver and leak",
			  iface->name, prefix_format(&lp->p, buf, true));
}

static void lint_search_only(struct conf *c, const struct conf_iface *iface)
{
	if (iface->dns_search.n && !iface->dns.n)
		conf_warn(&c->diags, iface->dns_search.v[0].loc,
			  "DNS gives search domains but no server: as wg-quick, wgpolicy sets "
			  "none of them");
}

static uint32_t iface_mtu(const struct conf_iface *iface)
{
	if (IS_SET(iface->mtu) && !iface->mtu.v.is_auto)
		return iface->mtu.v.value;
	return WG_DEFAULT_MTU;
}

static void lint_underlay_mtu(struct conf *c, const struct conf_iface *iface)
{
	const struct conf_iface *under;
	uint32_t room;

	if (!IS_SET(iface->underlay) || !IS_SET(iface->mtu) || iface->mtu.v.is_auto)
		return;
	under = conf_find_iface(c, iface->underlay.v);
	if (!under)
		return;
	room = iface_mtu(under) > WG_OVERHEAD_V6 ? iface_mtu(under) - WG_OVERHEAD_V6 : 0;
	if (iface->mtu.v.value > room)
		conf_warn(&c->diags, iface->mtu.loc,
			  "MTU %u is above what underlay %s (MTU %u) carries after WireGuard's "
			  "overhead: at most %u",
			  iface->mtu.v.value, under->name, iface_mtu(under), room);
}

static void lint_host_bits(struct capped *cap, const struct prefix *p, struct loc loc)
{
	char have[PREFIX_STRLEN], net[PREFIX_STRLEN];
	struct prefix n;

	if (!prefix_has_host_bits(p))
		return;
	n = prefix_network(p);
	capped_add(cap, loc, "%s has host bits set; it means %s", prefix_format(p, have, true),
		   prefix_format(&n, net, true));
}

static void lint_prefixes(struct conf *c)
{
	struct capped cap = { &c->diags, SEV_WARNING };

	vec_foreach(iface, &c->ifaces)
		vec_foreach(peer, &(*iface)->peers)
			vec_foreach(lp, &(*peer)->allowed_ips)
				lint_host_bits(&cap, &lp->p, lp->loc);
	vec_foreach(p, &c->policies) {
		vec_foreach(s, &(*p)->from)
			if (!s->set)
				lint_host_bits(&cap, &s->p, s->loc);
		vec_foreach(s, &(*p)->to)
			if (!s->set)
				lint_host_bits(&cap, &s->p, s->loc);
	}
	vec_foreach(set, &c->sets) {
		if (!(*set)->prefixes.n && !(*set)->had_errors)
			conf_warn(&c->diags, (*set)->loc, "set %s is empty", (*set)->name);
		vec_foreach(lp, &(*set)->prefixes)
			lint_host_bits(&cap, &lp->p, lp->loc);
	}
	capped_end(&cap, "prefixes with host bits set");
}

/* Selectors that say nothing about addresses match both families. */
static void lint_family(struct conf *c, const struct conf_policy *p)
{
	if (p->had_errors || !IS_SET(p->family) || p->family.v != FAMILY_ONLY_V4 || p->from.n ||
	    p->to.n)
		return;
	conf_warn(&c->diags, p->family.loc,
		  "policy %s is for IPv4 only: the IPv6 traffic it would otherwise match leaves "
		  "by the default route, untunnelled (remove Family to tunnel or block it)",
		  p->name);
}

static bool has_family(const struct lprefix *v, size_t n, uint8_t family)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].p.family == family)
			return true;
	return false;
}

/* A family the policy carries with no resolver of its own: its queries are dropped. */
static void lint_dns_family(struct conf *c, const struct conf_policy *p, uint8_t family)
{
	struct loc loc = IS_SET(p->dns_tunnel) ? p->dns_tunnel.loc : p->dns.v[0].loc;
	const char *fam = family == FAMILY_V4 ? "IPv4" : "IPv6";

	if (!IS_SET(p->dns_tunnel)) {
		if (!has_family(p->dns.v, p->dns.n, family))
			conf_warn(&c->diags, loc,
				  "policy %s's DNS has no %s resolver: its %s queries are dropped",
				  p->name, fam, fam);
		return;
	}
	vec_foreach(t, &p->via)
		if (t->iface && t->iface->dns.n && !has_family(t->iface->dns.v, t->iface->dns.n, family))
			conf_warn(&c->diags, loc,
				  "%s's DNS has no %s server: policy %s's %s queries are dropped "
				  "while it uses %s",
				  t->iface->name, fam, p->name, fam, t->iface->name);
}

static void lint_dns(struct conf *c, const struct conf_policy *p)
{
	unsigned fams = policy_families(c, p);

	if (p->had_errors || (!IS_SET(p->dns_tunnel) && !p->dns.n))
		return;
	if (fams & FAM_V4)
		lint_dns_family(c, p, FAMILY_V4);
	if (fams & FAM_V6)
		lint_dns_family(c, p, FAMILY_V6);
	if (p->users.n || p->groups.n || p->cgroups.n)
		conf_warn(&c->diags, IS_SET(p->dns_tunnel) ? p->dns_tunnel.loc : p->dns.v[0].loc,
			  "policy %s's DNS leaves alone its programs' queries to this host's own "
			  "resolver (a stub such as 127.0.0.53), whose queries upstream are its own, "
			  "not the policy's",
			  p->name);
}

static void lint_priorities(struct conf *c)
{
	size_t i, j;

	for (i = 0; i < c->policies.n; i++) {
		const struct conf_policy *p = c->policies.v[i];

		for (j = 0; j < i && IS_SET(p->priority); j++) {
			const struct conf_policy *q = c->policies.v[j];

			if (IS_SET(q->priority) && q->priority.v == p->priority.v) {
				conf_warn(&c->diags, p->priority.loc,
					  "Priority %u is also policy %s's", p->priority.v,
					  q->name);
				break;
			}
		}
	}
}

static void conf_lint(struct conf *c)
{
	vec_foreach(iface, &c->ifaces) {
		lint_key_file(c, *iface);
		lint_full_tunnel_dns(c, *iface);
		lint_search_only(c, *iface);
		lint_underlay_mtu(c, *iface);
	}
	vec_foreach(p, &c->policies) {
		lint_family(c, *p);
		lint_dns(c, *p);
	}
	lint_prefixes(c);
	lint_priorities(c);
}

void conf_finish(struct conf *c)
{
	conf_validate(c);
	conf_lint(c);
	diags_sort(&c->diags);
}
