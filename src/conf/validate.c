// SPDX-License-Identifier: GPL-2.0-or-later
/* References and meaning: what no single line shows wrong. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conf/check.h"
#include "util/x25519.h"

unsigned fam_bit_of(uint8_t family)
{
	return family == FAMILY_V4 ? FAM_V4 : FAM_V6;
}

void sel_foreach(const struct conf *c, const struct addr_sel *v, size_t n, prefix_fn fn, void *arg)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct conf_set *set;

		if (!v[i].set) {
			fn(arg, &v[i].p, v[i].loc);
			continue;
		}
		set = conf_find_set(c, v[i].set);
		if (set)
			vec_foreach(lp, &set->prefixes)
				fn(arg, &lp->p, lp->loc);
	}
}

static void add_family(void *arg, const struct prefix *p, struct loc loc)
{
	(void)loc;
	*(unsigned *)arg |= fam_bit(p->family);
}

unsigned sel_families(const struct conf *c, const struct addr_sel *v, size_t n)
{
	unsigned fams = 0;
	size_t i;

	/* A missing or broken set is reported already; it must not also empty the policy. */
	for (i = 0; i < n; i++) {
		const struct conf_set *set = v[i].set ? conf_find_set(c, v[i].set) : NULL;

		if (v[i].set && (!set || set->had_errors))
			return FAM_ALL;
	}
	sel_foreach(c, v, n, add_family, &fams);
	return fams;
}

enum kill_switch policy_killswitch(const struct conf_policy *p)
{
	return IS_SET(p->killswitch) ? p->killswitch.v : POLICY_DEFAULT_KILLSWITCH;
}

unsigned policy_families(const struct conf *c, const struct conf_policy *p)
{
	unsigned fams = FAM_ALL;

	if (IS_SET(p->family) && p->family.v != FAMILY_BOTH)
		fams = p->family.v == FAMILY_ONLY_V4 ? FAM_V4 : FAM_V6;
	if (p->from.n)
		fams &= sel_families(c, p->from.v, p->from.n);
	if (p->to.n)
		fams &= sel_families(c, p->to.v, p->to.n);
	return fams;
}

void capped_add(struct capped *cap, struct loc loc, const char *fmt, ...)
{
	va_list ap;

	if (cap->shown >= CAPPED_MAX) {
		cap->extra++;
		return;
	}
	if (!cap->shown)
		cap->first = loc;
	cap->shown++;
	va_start(ap, fmt);
	diag_vadd(cap->d, cap->sev, loc, fmt, ap);
	va_end(ap);
}

void capped_end(struct capped *cap, const char *what)
{
	if (cap->extra)
		diag_add(cap->d, cap->sev, cap->first, "... and %u more %s", cap->extra, what);
}

static int cmp_key(const void *a, const void *b)
{
	const struct conf_peer *pa = *(struct conf_peer *const *)a;
	const struct conf_peer *pb = *(struct conf_peer *const *)b;
	int cmp = memcmp(pa->public_key.v.b, pb->public_key.v.b, WG_KEY_LEN);

	return cmp ? cmp : (pa->index > pb->index) - (pa->index < pb->index);
}

/*
 * WireGuard ignores a peer whose key is the interface's own public key (the kernel and
 * wireguard-go alike, without a word), and wg-quick, which routes what `wg show allowed-ips`
 * lists, routes none of its AllowedIPs: a mesh's one file for all its nodes lists each node
 * as a peer of itself. Such a peer is left out as they leave it out, with a word.
 */
static void drop_self_peers(struct conf *c, struct conf_iface *iface)
{
	uint8_t own[WG_KEY_LEN];
	size_t kept = 0;

	if (!IS_SET(iface->private_key))
		return;
	x25519_public(own, iface->private_key.v.b);
	vec_foreach(it, &iface->peers) {
		if (IS_SET((*it)->public_key) && !memcmp((*it)->public_key.v.b, own, WG_KEY_LEN)) {
			conf_warn(&c->diags, (*it)->public_key.loc,
				  "this PublicKey is %s's own (its PrivateKey's): WireGuard ignores "
				  "such a peer, and so does wgpolicy, its AllowedIPs unrouted as "
				  "wg-quick leaves them",
				  iface->name);
			continue;
		}
		iface->peers.v[kept++] = *it;
	}
	iface->peers.n = kept;
}

static void check_peer_keys(struct conf *c, struct conf_iface *iface)
{
	struct conf_peer **sorted;
	size_t n = 0, i;

	sorted = arena_alloc(&c->arena, sizeof(*sorted) * (iface->peers.n + 1));
	if (!sorted)
		return;
	vec_foreach(it, &iface->peers) {
		if (IS_SET((*it)->public_key))
			sorted[n++] = *it;
		else
			conf_error(&c->diags, (*it)->loc, "[Peer] without PublicKey");
	}
	qsort(sorted, n, sizeof(*sorted), cmp_key);
	for (i = 1; i < n; i++)
		if (!memcmp(sorted[i]->public_key.v.b, sorted[i - 1]->public_key.v.b, WG_KEY_LEN))
			conf_error(&c->diags, sorted[i]->public_key.loc,
				   "this PublicKey is also the peer's at line %u of %s: one key, "
				   "one peer",
				   sorted[i - 1]->public_key.loc.line, iface->name);
	for (i = 0; i < iface->peers.n; i++) {
		struct conf_peer *p = iface->peers.v[i];
		struct conf_peer *other = IS_SET(p->name) ? conf_find_peer(iface, p->name.v) : p;

		if (other != p)
			conf_error(&c->diags, p->name.loc, "peer name %s is already used at line %u",
				   p->name.v, other->name.loc.line);
	}
}

struct owned_prefix {
	struct prefix net;
	const struct conf_peer *peer;
	struct lprefix *lp;
	size_t seq; /* the item's place in the file */
};

static int cmp_owned(const void *a, const void *b)
{
	const struct owned_prefix *x = a, *y = b;
	int cmp = prefix_cmp(&x->net, &y->net);

	return cmp ? cmp : (x->seq > y->seq) - (x->seq < y->seq);
}

/* Drop the items marked (loc.line 0) by check_allowed_ips, keeping the others' order. */
static void drop_marked(struct conf_peer *peer)
{
	size_t i, n = 0;

	for (i = 0; i < peer->allowed_ips.n; i++)
		if (peer->allowed_ips.v[i].loc.line)
			peer->allowed_ips.v[n++] = peer->allowed_ips.v[i];
	peer->allowed_ips.n = n;
}

/*
 * WireGuard (wg setconf under wg-quick) gives a prefix to the last peer that names it, at
 * the place of that last mention: so does the model, with a warning, and every later step
 * (routes, the device, explain) sees one owner per prefix, as the kernel will have it.
 */
static void check_allowed_ips(struct conf *c, struct conf_iface *iface)
{
	struct owned_prefix *all;
	size_t n = 0, i;

	vec_foreach(it, &iface->peers)
		n += (*it)->allowed_ips.n;
	all = arena_alloc(&c->arena, sizeof(*all) * (n + 1));
	if (!all)
		return;
	n = 0;
	vec_foreach(it, &iface->peers) {
		vec_foreach(lp, &(*it)->allowed_ips) {
			all[n] = (struct owned_prefix){ prefix_network(&lp->p), *it, lp, n };
			n++;
		}
	}
	qsort(all, n, sizeof(*all), cmp_owned);
	for (i = 1; i < n; i++) {
		char buf[PREFIX_STRLEN];

		if (!prefix_equal(&all[i].net, &all[i - 1].net))
			continue;
		prefix_format(&all[i].net, buf, true);
		if (all[i].peer == all[i - 1].peer)
			conf_warn(&c->diags, all[i].lp->loc,
				  "AllowedIPs %s is listed twice for this peer", buf);
		else
			conf_warn(&c->diags, all[i - 1].lp->loc,
				  "AllowedIPs %s is also the peer's at line %u: WireGuard gives a "
				  "prefix to the last peer that lists it, so this one will not have it",
				  buf, all[i].peer->loc.line);
		all[i - 1].lp->loc.line = 0;
	}
	vec_foreach(it, &iface->peers)
		drop_marked(*it);
}

static void check_mtu(struct conf *c, struct conf_iface *iface)
{
	if (!IS_SET(iface->mtu) || iface->mtu.v.is_auto || iface->mtu.v.value >= 1280)
		return;
	vec_foreach(lp, &iface->addresses) {
		if (lp->p.family == FAMILY_V6) {
			conf_error(&c->diags, iface->mtu.loc,
				   "MTU %u is below 1280, the minimum for IPv6, and %s has an IPv6 "
				   "address",
				   iface->mtu.v.value, iface->name);
			return;
		}
	}
}

static void check_underlay_cycle(struct conf *c, struct conf_iface *start)
{
	struct conf_iface *it = start;
	size_t steps;

	for (steps = 0; steps <= c->ifaces.n && it && IS_SET(it->underlay); steps++) {
		it = conf_find_iface(c, it->underlay.v);
		if (it == start) {
			conf_error(&c->diags, start->underlay.loc,
				   "Underlay = %s makes a cycle: %s would carry its own packets",
				   start->underlay.v, start->name);
			return;
		}
	}
}

static void check_listen_ports(struct conf *c)
{
	size_t i, j;

	for (i = 0; i < c->ifaces.n; i++) {
		const struct conf_iface *a = c->ifaces.v[i];

		if (!IS_SET(a->listen_port) || a->listen_port.v == 0)
			continue;
		for (j = 0; j < i; j++) {
			const struct conf_iface *b = c->ifaces.v[j];

			if (IS_SET(b->listen_port) && b->listen_port.v == a->listen_port.v)
				conf_error(&c->diags, a->listen_port.loc,
					   "ListenPort %u is also %s's (%s:%u)", a->listen_port.v,
					   b->name, b->listen_port.loc.file, b->listen_port.loc.line);
		}
	}
}

/* wg-quick's second `ip address add` of the same address fails, and it tears the interface down. */
static void check_addresses(struct conf *c, const struct conf_iface *iface)
{
	size_t i, j;

	for (i = 1; i < iface->addresses.n; i++)
		for (j = 0; j < i; j++) {
			const struct lprefix *a = &iface->addresses.v[i], *b = &iface->addresses.v[j];
			char buf[PREFIX_STRLEN];

			if (prefix_cmp(&a->p, &b->p))
				continue;
			prefix_format(&a->p, buf, false);
			conf_error(&c->diags, a->loc, "Address %s is already given at line %u", buf,
				   b->loc.line);
			break;
		}
}

static void validate_iface(struct conf *c, struct conf_iface *iface)
{
	check_addresses(c, iface);
	drop_self_peers(c, iface);
	check_peer_keys(c, iface);
	check_allowed_ips(c, iface);
	check_mtu(c, iface);
	check_underlay_cycle(c, iface);
}

void conf_validate(struct conf *c)
{
	vec_foreach(it, &c->ifaces)
		validate_iface(c, *it);
	check_listen_ports(c);
	vec_foreach(it, &c->policies)
		conf_validate_policy(c, *it);
	conf_check_duplicate_policies(c);
}
