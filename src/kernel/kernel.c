// SPDX-License-Identifier: GPL-2.0-or-later
/* Live state from rtnetlink dumps, and the plan's link/address/route/rule ops executed. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <linux/rtnetlink.h>

#include "kernel/codec.h"
#include "kernel/kernel.h"
#include "kernel/nl.h"

/* Where userspace implementations put their UAPI sockets (wg/wg.h's WG_UAPI_DIR). */
#define UAPI_DIR "/var/run/wireguard"

/* A dump that keeps changing under us is retried from scratch this many times. */
#define DUMP_TRIES 5

struct ifname_map {
	int ifindex;
	bool wireguard;
	bool owned; /* a WireGuard link of wgpolicy's */
	char name[IFNAMSIZ];
};

struct dump_ctx {
	struct state *live;
	uint8_t route_protocol; /* 0: every route */
	struct ifname_map *ifs;
	size_t n_ifs, cap_ifs;
};

static int ifindex_cmp(const void *a, const void *b)
{
	const struct ifname_map *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

/* Asked once per route: many links (containers) times many routes must not go quadratic. */
static const struct ifname_map *find_if(const struct dump_ctx *d, int ifindex)
{
	struct ifname_map key = {.ifindex = ifindex};

	return d->n_ifs ? bsearch(&key, d->ifs, d->n_ifs, sizeof(*d->ifs), ifindex_cmp) : NULL;
}

static bool uapi_socket_exists(const char *ifname)
{
	char path[sizeof(UAPI_DIR) + IFNAMSIZ + 8];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s.sock", UAPI_DIR, ifname);
	return !stat(path, &st) && S_ISSOCK(st.st_mode);
}

static int remember_if(struct dump_ctx *d, const struct st_link *l, bool wireguard)
{
	struct ifname_map *m;

	if (d->n_ifs == d->cap_ifs) {
		size_t cap = d->cap_ifs ? 2 * d->cap_ifs : 16;
		void *p = realloc(d->ifs, cap * sizeof(*d->ifs));

		if (!p)
			return -ENOMEM;
		d->ifs = p;
		d->cap_ifs = cap;
	}
	m = &d->ifs[d->n_ifs++];
	m->ifindex = l->ifindex;
	m->wireguard = wireguard;
	m->owned = wireguard && l->owned;
	memcpy(m->name, l->name, IFNAMSIZ);
	return 0;
}

/* Append a copy of @obj to @live's list of @t. */
static int push(struct state *live, enum obj_type t, const void *obj)
{
	struct obj_list *l = state_list(live, t);

	if (vec_reserve_(&live->arena, &l->v, &l->cap, l->n + 1, obj_ops[t].size))
		return -ENOMEM;
	memcpy(obj_at(l, t, l->n++), obj, obj_ops[t].size);
	return 0;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	struct link_msg lm;
	bool kernel, user;
	int err = link_decode(nlh, &lm);

	if (err)
		return err < 0 ? err : 0;
	kernel = !strcmp(lm.kind, "wireguard");
	/* wireguard-go and friends use a tun device and serve it on a UAPI socket. */
	user = !kernel && !strcmp(lm.kind, "tun") && uapi_socket_exists(lm.link.name);
	err = remember_if(d, &lm.link, kernel || user);
	if (err || !(kernel || user))
		return err;
	lm.link.backend = kernel ? WG_BACKEND_KERNEL : WG_BACKEND_USERSPACE;
	return push(d->live, OBJ_LINK, &lm.link);
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	const struct ifname_map *m;
	struct addr_msg am;
	int err = addr_decode(nlh, &am);

	if (err)
		return err < 0 ? err : 0;
	m = find_if(d, am.ifindex);
	/* IPv6 link-local addresses are the kernel's own, made when the link comes up. */
	if (!m || !m->wireguard || (am.addr.addr.family == FAMILY_V6 && am.scope == RT_SCOPE_LINK))
		return 0;
	memcpy(am.addr.ifname, m->name, IFNAMSIZ);
	am.addr.order = (uint32_t)d->live->addrs.n;
	return push(d->live, OBJ_ADDR, &am.addr);
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	const struct ifname_map *m;
	struct route_msg rm;
	int err = route_decode(nlh, &rm);

	if (err)
		return err < 0 ? err : 0;
	if (d->route_protocol && rm.route.protocol != d->route_protocol)
		return 0;
	m = rm.oif ? find_if(d, rm.oif) : NULL;
	/*
	 * The kernel's own routes (of addresses, fe80::/64) are never wgpolicy's
	 * to change; on its own links they follow its addresses. On others they
	 * stay in view as another program's would: IPv4 takes no second route
	 * of one table, destination and metric (a peer's AllowedIPs equal to a
	 * LAN's subnet), and the plan must say so, not apply fail halfway.
	 */
	if (rm.route.protocol == RTPROT_KERNEL && (!m || m->owned))
		return 0;
	if (m)
		memcpy(rm.route.ifname, m->name, IFNAMSIZ);
	for (uint8_t k = 0; k < rm.route.n_nh; k++) {
		m = find_if(d, rm.nh_oif[k]);
		if (m)
			memcpy(rm.route.nh[k].ifname, m->name, IFNAMSIZ);
	}
	return st_route_keep_nexthops(&rm.route, &d->live->arena)
		       ?: push(d->live, OBJ_ROUTE, &rm.route);
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	struct st_rule rule;
	int err = rule_decode(nlh, &rule);

	if (err)
		return err < 0 ? err : 0;
	return push(d->live, OBJ_RULE, &rule);
}

static const struct dump_kind {
	uint16_t type;
	enum obj_type obj;
	nl_msg_cb cb;
} dumps[] = {
    /* Links first: the others need their names. */
    {RTM_GETLINK, OBJ_LINK, link_cb},
    {RTM_GETADDR, OBJ_ADDR, addr_cb},
    {RTM_GETROUTE, OBJ_ROUTE, route_cb},
    {RTM_GETRULE, OBJ_RULE, rule_cb},
};

static int dump_one(struct nl *nl, const struct dump_kind *k, struct dump_ctx *d)
{
	struct obj_list *l = state_list(d->live, k->obj);
	size_t n0 = l->n, ifs0 = d->n_ifs;
	bool filter = k->obj == OBJ_ROUTE && d->route_protocol;
	uint8_t buf[128];
	int err, tries;

	err = filter ? route_dump_encode(buf, sizeof(buf), d->route_protocol)
		     : dump_encode(buf, sizeof(buf), k->type, AF_UNSPEC);
	/* The kernel then walks every table but formats only those routes. */
	if (filter)
		nl_set_strict(nl, true);
	for (tries = 0; err >= 0 && tries < DUMP_TRIES; tries++) {
		err = nl_call(nl, (struct nlmsghdr *)buf, k->cb, d, NULL);
		if (err != -EAGAIN)
			break;
		/* Interrupted by a change: what we read may be inconsistent, read it all again. */
		l->n = n0;
		d->n_ifs = ifs0;
	}
	if (filter)
		nl_set_strict(nl, false);
	return err < 0 ? err : 0;
}

int kernel_dump_then(struct nl *nl, struct state *live, unsigned kinds, uint8_t route_protocol,
		     kernel_links_cb links_read, void *ctx)
{
	struct dump_ctx d = {.live = live, .route_protocol = route_protocol};
	size_t i;
	int err = 0;

	kinds |= OBJ_BIT(OBJ_LINK);
	for (i = 0; !err && i < sizeof(dumps) / sizeof(*dumps); i++) {
		if (!(kinds & OBJ_BIT(dumps[i].obj)))
			continue;
		err = dump_one(nl, &dumps[i], &d);
		if (err || dumps[i].obj != OBJ_LINK)
			continue;
		if (d.n_ifs > 1)
			qsort(d.ifs, d.n_ifs, sizeof(*d.ifs), ifindex_cmp);
		if (links_read)
			links_read(ctx, live);
	}
	free(d.ifs);
	return err;
}

int kernel_dump(struct nl *nl, struct state *live, unsigned kinds)
{
	return kernel_dump_then(nl, live, kinds, 0, NULL, NULL);
}

/* ---- Whether the kernel has WireGuard ---- */

/* Does modules.dep or modules.builtin name a file @mod.ko (any compression, any directory)? */
static bool list_has_module(const char *path, const char *mod)
{
	char line[1024], want[64];
	FILE *f = fopen(path, "re");
	bool found = false;

	if (!f)
		return false;
	snprintf(want, sizeof(want), "/%s.ko", mod);
	while (!found && fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, want);

		found = p && strchr(":. \n", p[strlen(want)]);
	}
	fclose(f);
	return found;
}

static bool module_present(const char *mod)
{
	static const char *const lists[] = {"modules.dep", "modules.builtin"};
	struct utsname u;
	char path[512];
	size_t i;

	if (uname(&u) < 0)
		return false;
	for (i = 0; i < sizeof(lists) / sizeof(*lists); i++) {
		snprintf(path, sizeof(path), "/lib/modules/%s/%s", u.release, lists[i]);
		if (list_has_module(path, mod))
			return true;
	}
	return false;
}

bool kernel_has_nft_egress(void)
{
	struct utsname u;
	unsigned major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 5 || (major == 5 && minor >= 16);
}

bool kernel_has_wireguard(void)
{
	struct nl *nl = nl_open(NETLINK_GENERIC);
	struct nl_genl_family fam;
	bool known = nl && !nl_genl_family(nl, "wireguard", &fam);

	nl_close(nl);
	/* Not loaded yet is fine: creating the link loads it. */
	return known || module_present("wireguard");
}
