// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wgpolicy doctor's checks that ask the system: sysctls as the kernel has
 * them, the routes WireGuard's own packets take to the endpoints, the
 * kernel's own reverse path check on replies from a tunnel, and by which
 * interface the resolver's nameservers are reached.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "cmd/doctor.h"
#include "kernel/kernel.h"
#include "kernel/sysctl.h"
#include "util/sysctl_name.h"

#define RESOLV_CONF "/etc/resolv.conf"
/* A reply "from the internet": TEST-NET-3, which the default route takes as any address would. */
#define REMOTE_V4 "203.0.113.1"

static const char *sysctl_why(const char *path)
{
	if (strstr(path, "src_valid_mark"))
		return "replies to marked traffic fail the reverse path check";
	if (strstr(path, "rp_filter"))
		return "strict reverse path filtering drops replies to marked traffic";
	if (strstr(path, "multipath_hash"))
		return "a balance hashes addresses only, so one host's flows share one tunnel";
	return "the configuration needs it";
}

void check_sysctls(struct findings *f, const struct state *desired)
{
	size_t before = f->v.n;

	vec_foreach(s, &desired->sysctls)
	{
		char have[64];
		int err = sysctl_read(s->path, have, sizeof(have));

		if (err)
			finding_add(f, "sysctls", LEVEL_FAIL, "`wgpolicy apply` sets it",
				    "%s cannot be read: %s", s->path, strerror(-err));
		else if (strcmp(have, s->value))
			finding_add(f, "sysctls", LEVEL_FAIL, "`wgpolicy apply` sets it",
				    "%s is %s, not %s: %s", s->path, have, s->value,
				    sysctl_why(s->path));
	}
	if (f->v.n == before)
		finding_add(f, "sysctls", LEVEL_OK, NULL,
			    desired->sysctls.n ? "the %zu sysctls the configuration needs are set"
					       : "no sysctl needed%.0zu",
			    desired->sysctls.n);
}

/* ---- endpoint routes ---- */

/*
 * Does WireGuard's own packet to @p's endpoint go back into @l? It carries the
 * device's fwmark, and uid 0 (kernel sockets, and wireguard-go run as root).
 */
static bool into_itself(struct engine *e, const struct st_link *l, const struct st_wgpeer *p,
			uint32_t *table)
{
	const struct st_wgdev *dev = state_wgdev(e->live, l->name);
	struct route_query q = {.mark = dev ? dev->fwmark : 0, .uid = 0};
	struct route_answer a;

	q.dst.family = p->endpoint.family;
	q.dst.len = (uint8_t)prefix_max_len(p->endpoint.family);
	memcpy(q.dst.addr, p->endpoint.addr, sizeof(q.dst.addr));
	if (kernel_route_get(e->r.nl, &q, &a) || a.oif != l->ifindex)
		return false;
	*table = a.table;
	return true;
}

static void endpoint_loop(struct findings *f, struct engine *e, const struct st_wgpeer *p,
			  uint32_t table)
{
	char ep[ST_ENDPOINT_STRLEN], tab[16];

	snprintf(tab, sizeof(tab), "%u", table);
	finding_add(f, "endpoint-routes", LEVEL_FAIL,
		    arena_printf(f->a,
				 "keep it out of the routes into %s: AllowedIPs without it, "
				 "Table = off and a policy, or a route for it by the uplink",
				 p->ifname),
		    "Endpoint %s of %s is routed into %s itself (table %s): its handshakes "
		    "and packets never leave",
		    st_endpoint_format(&p->endpoint, ep),
		    live_peer_label(f->a, e->conf, p->ifname, &p->public_key), p->ifname,
		    table == RT_TABLE_MAIN_ID ? "main" : tab);
}

size_t check_endpoint_routes(struct findings *f, struct engine *e,
			     const struct st_wgpeer *const **loops)
{
	const struct st_wgpeer **v = arena_alloc(f->a, sizeof(*v) * (e->live->wgpeers.n + 1));
	size_t before = f->v.n, n = 0, routed = 0;

	*loops = v;
	if (!v)
		return 0;
	vec_foreach(l, &e->live->links)
	{
		if (!l->owned)
			continue;
		vec_foreach(p, &e->live->wgpeers)
		{
			uint32_t table;

			if (strcmp(p->ifname, l->name) || !p->endpoint.family)
				continue;
			routed++;
			if (!into_itself(e, l, p, &table))
				continue;
			v[n++] = p;
			endpoint_loop(f, e, p, table);
		}
	}
	if (f->v.n == before)
		finding_add(f, "endpoint-routes", LEVEL_OK, NULL,
			    "%zu endpoint%s reached outside %s own tunnel", routed,
			    routed == 1 ? "" : "s", routed == 1 ? "its" : "their");
	return n;
}

/* ---- rp_filter ---- */

/* The kernel takes the larger of all's and the interface's value (ip-sysctl.rst). */
static int rp_filter(const char *ifname)
{
	char path[64], all[8], dev[8];

	iface_sysctl_name(path, sizeof(path), "ipv4", ifname, "rp_filter");
	if (sysctl_read("net.ipv4.conf.all.rp_filter", all, sizeof(all)) ||
	    sysctl_read(path, dev, sizeof(dev)))
		return -1;
	return all[0] > dev[0] ? all[0] - '0' : dev[0] - '0';
}

struct first_v4 {
	struct prefix *out;
};

static void take_v4(void *arg, const struct prefix *p, struct loc loc)
{
	struct first_v4 *x = arg;

	(void)loc;
	if (x->out->family || p->family != FAMILY_V4)
		return;
	*x->out = prefix_network(p);
	/* A host in it, not the network's own address. */
	if (p->len < 32)
		x->out->addr[3] |= 1;
	x->out->len = 32;
}

/*
 * A reply to the policy, as it comes back by @ifname: from a destination of
 * the policy (or the internet) to one of its sources (or the tunnel's own
 * address, for traffic of this host).
 */
static bool reply_of(const struct conf *c, const struct conf_policy *p,
		     const struct conf_iface *iface, struct route_query *q)
{
	struct first_v4 remote = {&q->src}, local = {&q->dst};

	if (p->to.n)
		sel_foreach(c, p->to.v, p->to.n, take_v4, &remote);
	if (!q->src.family)
		addr_parse(REMOTE_V4, &q->src);
	if (p->from.n)
		sel_foreach(c, p->from.v, p->from.n, take_v4, &local);
	vec_foreach(a, &iface->addresses)
	{
		if (q->dst.family || a->p.family != FAMILY_V4)
			continue;
		q->dst = a->p;
		q->dst.len = 32;
	}
	q->iif = (int)if_nametoindex(iface->name);
	q->uid = ROUTE_QUERY_NO_UID;
	return q->dst.family && q->iif;
}

static void rp_filter_policy(struct findings *f, struct engine *e, const struct conf_policy *p,
			     size_t *strict)
{
	vec_foreach(t, &p->via)
	{
		struct route_query q = {0};
		struct route_answer a;
		char from[PREFIX_STRLEN], to[PREFIX_STRLEN], knob[64];
		int err;

		if (!t->iface || rp_filter(t->iface->name) != 1 ||
		    !reply_of(e->conf, p, t->iface, &q))
			continue;
		(*strict)++;
		/* The kernel answers a failed reverse path check as a martian source. */
		err = kernel_route_get(e->r.nl, &q, &a);
		if (err != -EXDEV && err != -EINVAL)
			continue;
		iface_sysctl_name(knob, sizeof(knob), "ipv4", t->iface->name, "rp_filter");
		finding_add(f, "rp_filter", LEVEL_FAIL,
			    arena_printf(f->a, "sysctl -w %s=2 (loose)", knob),
			    "strict on %s drops policy %s's replies (from %s to %s: the reverse "
			    "route leaves by another interface)",
			    t->iface->name, p->name, prefix_format(&q.src, from, false),
			    prefix_format(&q.dst, to, false));
	}
}

void check_rp_filter(struct findings *f, struct engine *e)
{
	size_t before = f->v.n, strict = 0;

	vec_foreach(p, &e->conf->policies) rp_filter_policy(f, e, *p, &strict);
	if (f->v.n == before)
		finding_add(f, "rp_filter", LEVEL_OK, NULL,
			    strict ? "strict on some tunnels, but the kernel lets the policies' "
				     "replies through"
				   : "no policy's tunnel filters reverse paths strictly");
}

/* ---- forwarding ---- */

struct other_hosts {
	const struct ifaddrs *local;
	unsigned fams;
};

static bool is_local(const struct ifaddrs *ifa, const struct prefix *p)
{
	for (; ifa; ifa = ifa->ifa_next) {
		const struct sockaddr *sa = ifa->ifa_addr;

		if (sa && sa->sa_family == AF_INET && p->family == FAMILY_V4 &&
		    !memcmp(&((const struct sockaddr_in *)sa)->sin_addr, p->addr, 4))
			return true;
		if (sa && sa->sa_family == AF_INET6 && p->family == FAMILY_V6 &&
		    !memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, p->addr, 16))
			return true;
	}
	return false;
}

/* A source prefix holds other hosts unless it is one address of this host. */
static void other_hosts_of(void *arg, const struct prefix *p, struct loc loc)
{
	struct other_hosts *o = arg;

	(void)loc;
	if (p->len != prefix_max_len(p->family) || !is_local(o->local, p))
		o->fams |= fam_bit_of(p->family);
}

/* The families of other hosts' packets @p selects (by source or incoming interface); 0: none. */
static unsigned forwarded_families(const struct conf *c, const struct conf_policy *p,
				   const struct ifaddrs *local)
{
	struct other_hosts o = {local, 0};

	if (p->from.n) {
		sel_foreach(c, p->from.v, p->from.n, other_hosts_of, &o);
		return policy_families(c, p) & o.fams;
	}
	/* By interface alone: IPv6 only if asked for, many gateways forward IPv4 alone. */
	return p->iif.n ? (IS_SET(p->family) ? policy_families(c, p) : FAM_V4) : 0;
}

static bool host_forwards(const char *family)
{
	char name[48], value[16];

	snprintf(name, sizeof(name), "net.%s.conf.all.forwarding", family);
	return sysctl_read(name, value, sizeof(value)) || strcmp(value, "0");
}

/* A gateway's policies for its LAN come to nothing while the kernel forwards nothing. */
void check_forwarding(struct findings *f, struct engine *e)
{
	static const char *const family[] = {"ipv4", "ipv6"};
	size_t before = f->v.n;
	struct ifaddrs *local = NULL;
	bool asked = false;

	for (unsigned i = 0; i < 2; i++) {
		if (!e->conf->policies.n || host_forwards(family[i]))
			continue;
		/* This host's addresses, only once a family goes unforwarded (plan asks too). */
		if (!asked && getifaddrs(&local))
			local = NULL;
		asked = true;
		vec_foreach(p, &e->conf->policies) {
			if (!(forwarded_families(e->conf, *p, local) & (i ? FAM_V6 : FAM_V4)))
				continue;
			finding_add(f, "forwarding", LEVEL_FAIL,
				    arena_printf(f->a, "sysctl -w net.%s.conf.all.forwarding=1",
						 family[i]),
				    "policy %s selects other hosts' packets (%s), but this host "
				    "forwards no %s: the kernel drops them",
				    (*p)->name, (*p)->from.n ? "From" : "IncomingInterface",
				    i ? "IPv6" : "IPv4");
			break;
		}
	}
	freeifaddrs(local);
	if (f->v.n == before)
		finding_add(f, "forwarding", LEVEL_OK, NULL,
			    "the host forwards what the policies select of other hosts' packets");
}

/* ---- DNS ---- */

/* The interface a query of this host to @ns leaves by ("" when none). */
static int ns_route(struct engine *e, const struct prefix *ns, char dev[IF_NAMESIZE])
{
	struct route_query q = {.dst = *ns, .uid = ROUTE_QUERY_NO_UID, .ipproto = 17, .dport = 53};
	struct route_answer a;
	int err = kernel_route_get(e->r.nl, &q, &a);

	dev[0] = '\0';
	if (!err && a.oif && !if_indextoname((unsigned)a.oif, dev))
		dev[0] = '\0';
	return err;
}

static const char *tunnel_dns(const struct conf *c)
{
	vec_foreach(iface, &c->ifaces) if ((*iface)->dns.n) return (*iface)->name;
	return NULL;
}

/* A full tunnel (wg-quick's default route) that sets no DNS: its host asks what it had. */
static const char *full_tunnel_without_dns(const struct conf *c)
{
	vec_foreach(iface, &c->ifaces)
		if (!(*iface)->dns.n && conf_full_tunnel_prefix(*iface))
			return (*iface)->name;
	return NULL;
}

static void nameserver(struct findings *f, struct engine *e, const char *text, size_t *fine)
{
	const char *dns_iface = tunnel_dns(e->conf), *full = full_tunnel_without_dns(e->conf);
	char dev[IF_NAMESIZE];
	struct prefix ns;
	int err;

	if (addr_parse(text, &ns))
		return;
	err = ns_route(e, &ns, dev);
	if (err)
		finding_add(f, "dns", LEVEL_WARN, "check the resolver's address and the routes",
			    "nameserver %s cannot be reached: %s", text, strerror(-err));
	else if (full && !dns_iface && !state_link(e->live, dev))
		/* A resolver on the local network wins over the full tunnel by its own route. */
		finding_add(f, "dns", LEVEL_WARN,
			    arena_printf(f->a, "set DNS in %s's [Interface] to a resolver the "
					       "tunnel reaches", full),
			    "nameserver %s is reached by %s, outside the full tunnel %s, which "
			    "sets no DNS: queries leak around the tunnel",
			    text, dev[0] ? dev : "no interface", full);
	else if (dns_iface && !state_link(e->live, dev))
		finding_add(
		    f, "dns", LEVEL_WARN,
		    arena_printf(f->a,
				 "let %s's DNS serve this host, or route %s into a "
				 "tunnel with a policy",
				 dns_iface, text),
		    "nameserver %s is reached by %s, outside every tunnel, while %s sets DNS: "
		    "queries leak around the tunnel",
		    text, dev[0] ? dev : "no interface", dns_iface);
	else
		(*fine)++;
}

void check_dns(struct findings *f, struct engine *e)
{
	FILE *rc = fopen(RESOLV_CONF, "re");
	size_t before = f->v.n, fine = 0;
	char line[256], word[32], addr[64];

	if (!rc) {
		finding_add(f, "dns", LEVEL_OK, NULL,
			    RESOLV_CONF " is missing: no resolver to check");
		return;
	}
	while (fgets(line, sizeof(line), rc))
		if (sscanf(line, "%31s %63s", word, addr) == 2 && !strcmp(word, "nameserver"))
			nameserver(f, e, addr, &fine);
	fclose(rc);
	if (f->v.n == before)
		finding_add(f, "dns", LEVEL_OK, NULL, "%zu nameserver%s reached as %s", fine,
			    fine == 1 ? "" : "s",
			    tunnel_dns(e->conf) ? "the tunnels' DNS wants" : "no tunnel sets DNS");
}
