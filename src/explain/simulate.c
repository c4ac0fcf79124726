// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The compiled state's view of a packet: nftables' marking as compile/nft.c
 * writes it, then the RPDB (rules by priority, the kernel's own main and
 * default rules after them), the routing table's longest prefix match, and
 * WireGuard's cryptokey routing over the peers' AllowedIPs.
 */
#include <stdlib.h>
#include <string.h>

#include "explain/explain.h"

#define RT_TABLE_DEFAULT_ID 253
#define RT_TABLE_LOCAL_ID   255

/* ---- nftables ---- */

static bool tunnel_mark(const struct state *s, uint32_t mark)
{
	vec_foreach(dev, &s->wgdevs) if (dev->fwmark && dev->fwmark == mark) return true;
	return false;
}

/* The chain a packet passes: output marks local traffic, prerouting forwarded traffic. */
static bool hook_marks(const struct conf_policy *p, const struct packet *pk)
{
	if (packet_forwarded(pk))
		return !(p->users.n || p->groups.n || p->cgroups.n);
	return !p->iif.n;
}

static bool nft_selects(const struct conf *c, const struct conf_policy *p,
			const struct compiled_policy *v, const struct packet *pk, struct arena *a)
{
	struct conf_policy without_to = *p;

	/* Destinations are the table's business, unless the rules take them (Via = direct). */
	if (v->table != RT_TABLE_MAIN_ID)
		without_to.to.n = 0;
	return policy_selects(c, &without_to, pk, a, NULL, NULL);
}

uint32_t explain_nft_mark(const struct conf *c, const struct state *desired,
			  const struct packet *pk, struct arena *a, const struct conf_policy **by)
{
	const struct conf_policy *best = NULL;
	struct compiled_policy bv = {0};

	*by = NULL;
	/* Already marked (by its tunnel, or wgpolicy's bits taken): nftables leaves it. */
	if (tunnel_mark(desired, pk->mark))
		return 0;
	vec_foreach(it, &c->policies)
	{
		struct compiled_policy v;

		compile_policy_view(c, desired, *it, &v);
		if (!v.mark || (pk->mark & v.mask) || !hook_marks(*it, pk) ||
		    (best && (v.priority > bv.priority ||
			      (v.priority == bv.priority && (*it)->index > best->index))))
			continue;
		if (nft_selects(c, *it, &v, pk, a)) {
			best = *it;
			bv = v;
		}
	}
	*by = best;
	return best ? bv.mark : 0;
}

/* ---- the RPDB ---- */

static bool in_port_range(const struct port_range *r, bool has, uint16_t port)
{
	if (!r->lo && !r->hi)
		return true;
	return has && r->lo <= port && port <= r->hi;
}

static bool selects(const struct st_rule *r, const struct packet *pk, uint32_t mark)
{
	const char *iif = packet_forwarded(pk) ? pk->iif : "lo";

	if (r->src.len && (!pk->from.family || !prefix_contains(&r->src, &pk->from)))
		return false;
	if (r->dst.len && !prefix_contains(&r->dst, &pk->to))
		return false;
	if ((r->iif[0] && strcmp(r->iif, iif)) || r->oif[0])
		return false;
	if (r->fwmask && (mark & r->fwmask) != r->fwmark)
		return false;
	/* A forwarded packet, or one whose sender is not given, has no uid a range holds. */
	if (r->has_uidrange &&
	    (packet_forwarded(pk) || !pk->has_uid || pk->uid < r->uid_lo || pk->uid > r->uid_hi))
		return false;
	if (r->ipproto && r->ipproto != pk->proto)
		return false;
	return in_port_range(&r->sport, pk->has_sport, pk->sport) &&
	       in_port_range(&r->dport, pk->has_dport, pk->dport);
}

bool rule_selects(const struct st_rule *r, const struct packet *pk, uint32_t mark)
{
	if (r->family != pk->to.family)
		return false;
	return selects(r, pk, mark) != r->invert;
}

const struct st_route *table_lookup(const struct state *s, uint32_t table, const struct prefix *dst)
{
	const struct st_route *best = NULL;

	vec_foreach(r, &s->routes)
	{
		if (r->table != table || !prefix_contains(&r->dst, dst))
			continue;
		if (!best || r->dst.len > best->dst.len ||
		    (r->dst.len == best->dst.len && r->metric < best->metric))
			best = r;
	}
	return best;
}

const struct st_wgpeer *allowedips_lookup(const struct state *s, const char *ifname,
					  const struct prefix *dst)
{
	const struct st_wgpeer *best = NULL;
	unsigned best_len = 0;
	uint32_t i;

	vec_foreach(p, &s->wgpeers)
	{
		if (strcmp(p->ifname, ifname))
			continue;
		for (i = 0; i < p->n_allowed_ips; i++) {
			const struct prefix *a = &p->allowed_ips[i];

			if (prefix_contains(a, dst) && (!best || a->len > best_len)) {
				best = p;
				best_len = a->len;
			}
		}
	}
	return best;
}

/* Tables whose every route the state holds: wgpolicy's own, not main, default or local. */
static bool table_known(const struct state *s, uint32_t table)
{
	if (table == RT_TABLE_MAIN_ID || table == RT_TABLE_DEFAULT_ID || table == RT_TABLE_LOCAL_ID)
		return false;
	vec_foreach(r, &s->routes) if (r->table == table) return true;
	return false;
}

static int by_priority(const void *x, const void *y)
{
	const struct st_rule *const *a = x, *const *b = y;

	if ((*a)->priority != (*b)->priority)
		return (*a)->priority < (*b)->priority ? -1 : 1;
	return *a < *b ? -1 : *a > *b;
}

/* The state's rules of the packet's family and the kernel's main and default rules, in order. */
static const struct st_rule **rpdb(const struct state *s, const struct st_rule *defaults,
				   uint8_t family, struct arena *a, size_t *n)
{
	const struct st_rule **v = arena_alloc(a, sizeof(*v) * (s->rules.n + 2));

	*n = 0;
	if (!v)
		return NULL;
	vec_foreach(r, &s->rules) if (r->family == family) v[(*n)++] = r;
	v[(*n)++] = &defaults[0];
	v[(*n)++] = &defaults[1];
	qsort(v, *n, sizeof(*v), by_priority);
	return v;
}

/* One rule's lookup: true when it decides, with @out filled; false to go on. */
static bool lookup(const struct state *s, const struct st_rule *r, const struct packet *pk,
		   struct simulation *out)
{
	const struct st_route *rt;

	if (r->action != RULE_TO_TABLE) {
		out->end = SIM_RULE_ACTION;
		return true;
	}
	rt = table_lookup(s, r->table, &pk->to);
	if (!table_known(s, r->table)) {
		/* main may hold a route more specific than the suppressed ones: the kernel knows.
		 */
		if (r->suppress_prefixlen >= 0 && !(rt && rt->dst.len > r->suppress_prefixlen)) {
			if (!out->skipped_suppress++)
				out->suppressed = r;
			return false;
		}
		out->end = SIM_OTHER_TABLE;
		out->route = rt && rt->type == ROUTE_UNICAST ? rt : NULL;
		return true;
	}
	if (!rt || rt->type == ROUTE_THROW ||
	    (r->suppress_prefixlen >= 0 && rt->dst.len <= r->suppress_prefixlen))
		return false;
	out->end = SIM_ROUTE;
	out->route = rt;
	return true;
}

void explain_route(const struct conf *c, const struct state *desired, const struct packet *pk,
		   struct arena *a, struct simulation *out)
{
	const uint8_t fam = pk->to.family;
	const struct st_rule defaults[2] = {
	    {.family = fam, .priority = 32766, .table = RT_TABLE_MAIN_ID, .suppress_prefixlen = -1},
	    {.family = fam,
	     .priority = 32767,
	     .table = RT_TABLE_DEFAULT_ID,
	     .suppress_prefixlen = -1},
	};
	const struct st_rule **rules;
	size_t n, i;

	memset(out, 0, sizeof(*out));
	out->end = SIM_NO_RULE;
	out->mark = pk->mark;
	if (explain_nft_mark(c, desired, pk, a, &out->marked_by)) {
		struct compiled_policy v;

		compile_policy_view(c, desired, out->marked_by, &v);
		out->mark = (pk->mark & ~v.mask) | v.mark;
	}
	rules = rpdb(desired, defaults, fam, a, &n);
	for (i = 0; rules && i < n; i++) {
		if (!rule_selects(rules[i], pk, out->mark) || !lookup(desired, rules[i], pk, out))
			continue;
		/* The defaults live on this stack: the caller gets the kernel's main rule as NULL.
		 */
		out->rule = rules[i] == &defaults[0] || rules[i] == &defaults[1] ? NULL : rules[i];
		out->table = rules[i]->table;
		break;
	}
}

void explain_simulate(const struct conf *c, const struct state *desired, const struct packet *pk,
		      struct arena *a, struct simulation *out)
{
	explain_route(c, desired, pk, a, out);
	if (out->route && out->route->type == ROUTE_UNICAST && !out->route->n_nh)
		out->peer = allowedips_lookup(desired, out->route->ifname, &pk->to);
}

/* Does @r's table have a route of @live for @dst that its suppress_prefixlength lets through? */
static bool live_table_takes(const struct state *live, const struct st_rule *r,
			     const struct prefix *dst)
{
	const struct st_route *rt;

	if (r->action != RULE_TO_TABLE)
		return true;
	rt = table_lookup(live, r->table, dst);
	return rt && rt->type != ROUTE_THROW &&
	       (r->suppress_prefixlen < 0 || rt->dst.len > r->suppress_prefixlen);
}

const struct st_rule *explain_foreign_first(const struct state *live, const struct packet *pk,
					    uint32_t mark, uint32_t prio, uint8_t protocol)
{
	const struct st_rule *first = NULL;

	vec_foreach(r, &live->rules)
	{
		/* Priority 0 is the kernel's local table: this host's own addresses alone. */
		if (r->protocol == protocol || !r->priority || r->priority >= prio ||
		    (first && r->priority >= first->priority) || !rule_selects(r, pk, mark) ||
		    !live_table_takes(live, r, &pk->to))
			continue;
		first = r;
	}
	return first;
}
