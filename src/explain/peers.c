// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The checklist's judgements of WireGuard: AllowedIPs too broad where it is a
 * mistake (a full tunnel that also serves policies; a peer's route in the
 * main table overlapping another program's; two peers claiming one prefix
 * `check` refuses already) or too narrow for a policy (the tunnel drops what
 * the policy sends it), handshakes, and tunnel MTUs against the path the
 * encrypted packets take.
 */
#include <stdlib.h>
#include <string.h>

#include "explain/doctor.h"
#include "state/plan.h"

#define WG_OVERHEAD_V4 60 /* IPv4 20 + UDP 8 + WireGuard 32 */
#define WG_OVERHEAD_V6 80 /* IPv6 40 + UDP 8 + WireGuard 32 */

const char *live_peer_label(struct arena *a, const struct conf *c, const char *ifname,
			    const struct st_key *key)
{
	const struct conf_iface *iface = conf_find_iface(c, ifname);
	char b64[ST_KEY_B64_LEN];

	if (iface)
		vec_foreach(p, &iface->peers) if (!memcmp((*p)->public_key.v.b, key->b,
							  ST_KEY_LEN)) return peer_label(a, *p);
	return arena_printf(a, "%s peer %.8s...", ifname, st_key_format(key, b64));
}

/* ---- AllowedIPs ---- */

struct coverage {
	const struct state *s;
	const char *ifname;
	unsigned fams; /* families the tunnel carries */
	struct prefix first;
	size_t missing;
};

static void covered(void *arg, const struct prefix *dst, struct loc loc)
{
	struct coverage *cv = arg;

	(void)loc;
	if (!(cv->fams & fam_bit_of(dst->family)) || allowedips_lookup(cv->s, cv->ifname, dst))
		return;
	if (!cv->missing++)
		cv->first = *dst;
}

static unsigned carried(const struct state *s, const char *ifname)
{
	unsigned fams = 0;
	uint32_t i;

	vec_foreach(p, &s->wgpeers) for (i = 0; !strcmp(p->ifname, ifname) && i < p->n_allowed_ips;
					 i++) fams |= fam_bit_of(p->allowed_ips[i].family);
	return fams;
}

static void policy_coverage(struct findings *f, const struct conf *c, const struct state *s,
			    const struct conf_policy *p)
{
	vec_foreach(t, &p->via)
	{
		struct coverage cv = {s, t->iface ? t->iface->name : NULL, 0, {0}, 0};
		struct prefix all[2] = {{.family = FAMILY_V4}, {.family = FAMILY_V6}};
		char buf[PREFIX_STRLEN];

		if (!t->iface || !carried(s, cv.ifname))
			continue;
		/* A tunnel without a family blocks it on purpose (compile/policy.c): not this. */
		cv.fams = carried(s, cv.ifname) & policy_families(c, p);
		if (p->to.n) {
			sel_foreach(c, p->to.v, p->to.n, covered, &cv);
		} else {
			covered(&cv, &all[0], p->loc);
			covered(&cv, &all[1], p->loc);
		}
		if (cv.missing)
			finding_add(f, "allowed-ips", LEVEL_FAIL,
				    "`wgpolicy apply` gives the peers their AllowedIPs again",
				    "policy %s sends %s%s by %s, but no peer of %s takes it in "
				    "AllowedIPs: WireGuard drops it",
				    p->name, prefix_format(&cv.first, buf, true),
				    cv.missing > 1 ? " (and more)" : "", cv.ifname, cv.ifname);
	}
}

/* wg-quick puts a /0 into main only with Table = auto (or main). */
static bool full_tunnel(const struct conf_iface *iface)
{
	const struct table_sel *t = &iface->table.v;

	if (IS_SET(iface->table) && t->kind != TABLE_AUTO &&
	    !(t->kind == TABLE_ID && t->id == RT_TABLE_MAIN_ID))
		return false;
	vec_foreach(peer, &iface->peers)
	    vec_foreach(lp, &(*peer)->allowed_ips) if (!lp->p.len) return true;
	return false;
}

static void full_tunnel_targets(struct findings *f, const struct conf *c)
{
	vec_foreach(iface, &c->ifaces)
	{
		if (!full_tunnel(*iface))
			continue;
		vec_foreach(p, &c->policies) vec_foreach(t, &(*p)->via) if (t->iface == *iface)
		{
			finding_add(f, "allowed-ips", LEVEL_WARN,
				    "Table = off keeps it to the policies",
				    "%s is a full tunnel (a /0 in AllowedIPs, Table = "
				    "auto) and policy %s's target: what no policy "
				    "takes leaves by %s too",
				    (*iface)->name, (*p)->name, (*iface)->name);
			goto next;
		}
	next:;
	}
}

/* ---- AllowedIPs routes against the main table's other routes ---- */

/*
 * Another program's route of the main table (the kernel's own, for the host's
 * subnets, are not in a live state): not the default route, which a tunnel's
 * more specific route is meant to beat, nor a route into a tunnel of ours (a
 * multipath route has no ifname of its own: another program's).
 */
/* A LAN's own subnet winning over a wider AllowedIPs is what people expect: no finding. */
static bool others_route(const struct conf *c, const struct st_route *o)
{
	return o->table == RT_TABLE_MAIN_ID && o->dst.len && o->protocol != ROUTE_PROTO_KERNEL &&
	       !conf_find_iface(c, o->ifname);
}

/*
 * Both sides sorted, so that a hub's 10,000 peers against a router's full
 * table cost a binary search each: the peers' prefixes with their peers, and
 * the other routes' destinations.
 */
struct peer_net {
	struct prefix net;
	const struct conf_iface *iface;
	const struct conf_peer *peer;
};

struct main_view {
	struct peer_net *peers;
	size_t n_peers;
	struct prefix *others;
	size_t n_others;
	struct prefix_lens lens;
};

static int cmp_peer_net(const void *a, const void *b)
{
	const struct peer_net *x = a, *y = b;
	int cmp = prefix_cmp(&x->net, &y->net);

	return cmp ? cmp : (x->iface > y->iface) - (x->iface < y->iface);
}

static bool main_view(struct main_view *m, struct arena *a, const struct conf *c,
		      const struct state *live)
{
	size_t n = 0;

	memset(m, 0, sizeof(*m));
	vec_foreach(it, &c->ifaces) vec_foreach(peer, &(*it)->peers) n += (*peer)->allowed_ips.n;
	m->peers = arena_alloc(a, sizeof(*m->peers) * (n + 1));
	m->others = arena_alloc(a, sizeof(*m->others) * (live->routes.n + 1));
	if (!m->peers || !m->others)
		return false;
	vec_foreach(it, &c->ifaces) vec_foreach(peer, &(*it)->peers)
		vec_foreach(lp, &(*peer)->allowed_ips) m->peers[m->n_peers++] =
			(struct peer_net){ prefix_network(&lp->p), *it, *peer };
	qsort(m->peers, m->n_peers, sizeof(*m->peers), cmp_peer_net);
	vec_foreach(o, &live->routes) {
		if (!others_route(c, o))
			continue;
		m->others[m->n_others++] = o->dst;
		prefix_lens_add(&m->lens, &o->dst);
	}
	prefix_sort(m->others, m->n_others);
	return true;
}

/* The peer of @iface whose AllowedIPs made the route to @dst. */
static const struct conf_peer *route_peer(const struct main_view *m,
					  const struct conf_iface *iface, const struct prefix *dst)
{
	struct peer_net key = { *dst, iface, NULL };
	const struct peer_net *hit = bsearch(&key, m->peers, m->n_peers, sizeof(key), cmp_peer_net);

	return hit ? hit->peer : NULL;
}

/* Another program's route of the main table to @dst. */
static const struct st_route *others_route_to(const struct conf *c, const struct state *live,
					      const struct prefix *dst)
{
	vec_foreach(o, &live->routes) if (others_route(c, o) && prefix_equal(&o->dst, dst)) return o;
	return NULL;
}

/*
 * An other route that overlaps @r: a more specific one first (it takes part
 * of @r's destinations around the tunnel), then one to the same prefix, then
 * one that holds @r (the tunnel takes part of it).
 */
static const struct st_route *overlapping(const struct main_view *m, const struct conf *c,
					  const struct state *live, const struct st_route *r)
{
	const struct prefix *o = prefix_sorted_inside(m->others, m->n_others, &r->dst);

	if (!o)
		o = prefix_sorted_find(m->others, m->n_others, &r->dst);
	if (!o)
		o = prefix_sorted_cover(m->others, m->n_others, &m->lens, &r->dst);
	return o ? others_route_to(c, live, o) : NULL;
}

/* Does @o win over the tunnel's route @r for some destinations of @r? */
static bool wins_over(const struct st_route *o, const struct st_route *r)
{
	return prefix_contains(&r->dst, &o->dst) &&
	       (o->dst.len > r->dst.len || o->metric < r->metric);
}

static void main_overlap(struct findings *f, const struct conf_peer *peer, const struct st_route *r,
			 const struct st_route *o)
{
	char mine[PREFIX_STRLEN], theirs[PREFIX_STRLEN], buf[OP_LINE_MAX];
	const char *who = peer_label(f->a, peer);
	const char *shown = explain_shown(OBJ_ROUTE, o, buf, sizeof(buf));

	prefix_format(&r->dst, mine, true);
	prefix_format(&o->dst, theirs, true);
	if (wins_over(o, r))
		finding_add(f, "allowed-ips", LEVEL_WARN,
			    arena_printf(f->a,
					 "narrow AllowedIPs, or a policy with To = %s if the "
					 "tunnel should carry it",
					 theirs),
			    "%s: AllowedIPs %s, but '%s' wins for %s: it bypasses the tunnel", who,
			    mine, shown, theirs);
	else
		finding_add(f, "allowed-ips", LEVEL_WARN,
			    "narrow AllowedIPs, or Table = off and a policy for what the tunnel "
			    "should carry",
			    "%s: AllowedIPs %s takes %s from '%s' into the tunnel", who, mine, mine,
			    shown);
}

/*
 * The routes AllowedIPs put in the main table (wg-quick's Table = auto)
 * against the other routes there: a more specific one takes part of a peer's
 * prefix around the tunnel, or the peer's takes part of another's into it.
 */
static void main_table_overlaps(struct findings *f, const struct conf *c,
				const struct state *desired, const struct state *live)
{
	struct main_view m;

	if (!main_view(&m, f->a, c, live))
		return;
	vec_foreach(r, &desired->routes) {
		const struct conf_iface *iface;
		const struct conf_peer *peer;
		const struct st_route *o;

		if (r->table != RT_TABLE_MAIN_ID || !(iface = conf_find_iface(c, r->ifname)))
			continue;
		peer = route_peer(&m, iface, &r->dst);
		if (peer && (o = overlapping(&m, c, live, r)))
			main_overlap(f, peer, r, o);
	}
}

void check_allowed_ips(struct findings *f, const struct conf *c, const struct state *desired,
		       const struct state *live)
{
	size_t before = f->v.n;

	vec_foreach(p, &c->policies) policy_coverage(f, c, live, *p);
	full_tunnel_targets(f, c);
	main_table_overlaps(f, c, desired, live);
	if (f->v.n == before)
		finding_add(f, "allowed-ips", LEVEL_OK, NULL,
			    "every policy's destinations have a peer of its tunnel");
}

/* ---- handshakes ---- */

static bool owned_link(const struct state *live, const char *ifname)
{
	const struct st_link *l = state_link(live, ifname);

	return l && l->owned;
}

static void check_handshake(struct findings *f, const char *who, const struct st_wgpeer *p,
			    int64_t now)
{
	int64_t age = now - p->last_handshake_sec;

	if (!p->last_handshake_sec && !p->endpoint.family)
		finding_add(f, "handshakes", LEVEL_WARN,
			    "it has no Endpoint: it must reach us first", "%s: no handshake yet",
			    who);
	else if (!p->last_handshake_sec && p->keepalive)
		finding_add(f, "handshakes", LEVEL_FAIL,
			    "is the endpoint reachable (UDP), are both keys right?",
			    "%s: no handshake, though keepalives ask for one", who);
	else if (!p->last_handshake_sec)
		finding_add(
		    f, "handshakes", LEVEL_WARN,
		    "WireGuard shakes hands when traffic asks: if some did, is the endpoint "
		    "reachable, are both keys right?",
		    "%s: no handshake yet", who);
	else if (age > HANDSHAKE_STALE_SECONDS && p->keepalive)
		finding_add(f, "handshakes", LEVEL_FAIL,
			    "keepalives should have renewed it: is the peer up?",
			    "%s: latest handshake %lld s ago (stale beyond %d s)", who,
			    (long long)age, HANDSHAKE_STALE_SECONDS);
	else if (age > HANDSHAKE_STALE_SECONDS)
		finding_add(f, "handshakes", LEVEL_WARN,
			    "without traffic or PersistentKeepalive WireGuard is silent",
			    "%s: latest handshake %lld s ago (stale beyond %d s)", who,
			    (long long)age, HANDSHAKE_STALE_SECONDS);
}

void check_handshakes(struct findings *f, const struct conf *c, const struct state *live,
		      int64_t now)
{
	size_t before = f->v.n, n = 0;

	vec_foreach(p, &live->wgpeers)
	{
		if (!owned_link(live, p->ifname))
			continue;
		n++;
		check_handshake(f, live_peer_label(f->a, c, p->ifname, &p->public_key), p, now);
	}
	if (f->v.n == before)
		finding_add(f, "handshakes", LEVEL_OK, NULL,
			    "%zu peer%s with a handshake within %d s", n, n == 1 ? "" : "s",
			    HANDSHAKE_STALE_SECONDS);
}

/* ---- MTU ---- */

static bool looped(const struct st_wgpeer *p, const struct st_wgpeer *const *loops, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (loops[i] == p)
			return true;
	return false;
}

void check_mtu(struct findings *f, const struct state *live, const struct facts *facts,
	       const struct st_wgpeer *const *loops, size_t n_loops)
{
	size_t before = f->v.n, n = 0;

	vec_foreach(l, &live->links)
	{
		if (!l->owned)
			continue;
		vec_foreach(p, &live->wgpeers)
		{
			uint32_t path, room;

			/* A path into the tunnel itself has no MTU to fit: endpoint-routes says so. */
			if (strcmp(p->ifname, l->name) || !p->endpoint.family ||
			    looped(p, loops, n_loops) ||
			    !(path = facts_path_mtu(facts, p->ifname, &p->endpoint)))
				continue;
			n++;
			room = path -
			       (p->endpoint.family == FAMILY_V4 ? WG_OVERHEAD_V4 : WG_OVERHEAD_V6);
			if (l->mtu > room)
				finding_add(
				    f, "mtu", LEVEL_FAIL,
				    "MTU = auto, or lower MTU to what the path carries",
				    "%s has MTU %u, but the path to its peer carries %u: %u after "
				    "WireGuard's overhead; larger packets are lost",
				    l->name, l->mtu, path, room);
		}
	}
	if (f->v.n == before)
		finding_add(f, "mtu", LEVEL_OK, NULL,
			    "every tunnel's MTU fits the path to its %zu endpoint%s", n,
			    n == 1 ? "" : "s");
}
