/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_KERNEL_KERNEL_H
#define WGP_KERNEL_KERNEL_H

/*
 * rtnetlink through libmnl: dump links, addresses, routes and rules into the
 * state model, and execute plan ops on them. Only kernel/nl.c sends.
 */

#include <stddef.h>

#include "state/plan.h"

/* The alias wgpolicy gives the links it creates: how it knows them again (own by tag). */
#define WGPOLICY_LINK_ALIAS "wgpolicy"

struct nl;

/* A NETLINK_ROUTE socket with extended acks on. NULL with errno set on failure. */
struct nl *nl_open_route(void);
void nl_close(struct nl *nl);

/*
 * Append to @live: every WireGuard link (kind "wireguard", or a tun device
 * with a UAPI socket under /var/run/wireguard) with owned = alias matches;
 * the addresses of those links; every route of every table whose type is
 * unicast, unreachable, blackhole, prohibit or throw, but the kernel's
 * (RTPROT_KERNEL) on wgpolicy's links — foreign ones included, so the diff
 * can see conflicts; every rule of both families. Sorts nothing.
 * Only the types in @kinds (OBJ_BIT), and always the links: the rest need their names.
 */
int kernel_dump(struct nl *nl, struct state *live, unsigned kinds);
/*
 * The same, calling @links_read(@ctx, @live) once the links are in, before
 * the rest; with @route_protocol, only the routes of that protocol (0: all
 * as above). The kernel filters them itself where it can (strict
 * checking, Linux 4.20 and later), formatting none of the others: a host's
 * main table of 100,000 routes then costs a walk, not a dump.
 */
typedef void (*kernel_links_cb)(void *ctx, const struct state *live);
int kernel_dump_then(struct nl *nl, struct state *live, unsigned kinds, uint8_t route_protocol,
		     kernel_links_cb links_read, void *ctx);

/*
 * Execute @n ops on links (create kernel WireGuard link, set MTU/up/alias,
 * delete), addresses, routes and rules, in order, batching consecutive
 * messages into one sendmsg and checking every acknowledgement.
 * status[i] is 0 or a negative errno for ops[i]; on failure, errmsg (if not
 * NULL, @errlen bytes) gets the kernel's extended ack text for the first
 * failed op. Returns 0 when all succeeded, else the first error.
 * Link creation of a userspace backend is not done here (wg/spawn.c).
 *
 * Execution stops after the batch (or link op) in which an op failed: the
 * ops after it that were never sent get -ECANCELED; those sent with it were
 * executed by the kernel and have their own status, so a rollback undoes
 * exactly the ops whose status is 0. A link ADD (kernel backend) creates the
 * link, then sets MTU, up and the alias; if the set fails the new link is
 * deleted again. ADD of a userspace link and CHANGE only set. A route's
 * scope 0 means the one `ip route add` chooses (link for IPv4 device
 * routes), and kernel_dump reads such a scope back as 0.
 */
int kernel_exec(struct nl *nl, const struct op *ops, size_t n, int *status, char *errmsg,
		size_t errlen);

/*
 * kernel_exec, with each route op confirmed or not by the kernel's own reply:
 * stored[i] is true when ops[i] is a route add or change that the kernel
 * echoed (NLM_F_ECHO: the route as it stored it, sent before the ack)
 * exactly as asked, devices included, or a route delete it acknowledged; false
 * for anything else, and for an echo that differs or did not come. What a
 * delete removed, and what a replace replaced, is the first route matching
 * the request: unambiguous only where a single route held its destination
 * (the caller knows what it read).
 */
int kernel_exec_confirmed(struct nl *nl, const struct op *ops, size_t n, int *status,
			  bool *stored, char *errmsg, size_t errlen);

/* Create a kernel WireGuard link; -EOPNOTSUPP when the kernel has no WireGuard. */
int kernel_link_create_wireguard(struct nl *nl, const char *name);

/* The way towards an address, as `ip route get` finds it. */
struct route_path {
	uint32_t mtu; /* the route's mtu metric, else its output device's; 0: no route */
	int oif;      /* 0: none */
	uint32_t table;
};

/*
 * The path MTU towards @dst as `ip route get DST mark MARK` would find it:
 * the route's mtu metric, else the MTU of its output device. The mark is the
 * tunnel's own fwmark, so that a full tunnel already up does not route the
 * lookup into itself. With @dst NULL: the device of the IPv4 default route in
 * the main table (wg-quick's fallback). @memo (may be NULL) keeps the device
 * MTUs asked, for the next call: many endpoints leave by one uplink.
 */
#define LINK_MTUS_MAX 8
struct link_mtus {
	int ifindex[LINK_MTUS_MAX];
	uint32_t mtu[LINK_MTUS_MAX];
	unsigned n;
};
int kernel_route_mtu(struct nl *nl, const struct prefix *dst, uint32_t mark,
		     struct link_mtus *memo, struct route_path *out);

/* `ip route get` with every selector the kernel takes: a route lookup, nothing sent. */
struct route_query {
	struct prefix dst, src; /* src family 0: none */
	int iif;		/* 0: generated on this host */
	uint32_t mark;
	uint32_t uid; /* ROUTE_QUERY_NO_UID: a packet no user sent (no uidrange holds it) */
	uint8_t ipproto;
	uint16_t sport, dport;
	bool fibmatch; /* answer with the route that matched rather than the path (`fibmatch`) */
};
#define ROUTE_QUERY_NO_UID UINT32_MAX

struct route_answer {
	enum route_type type;
	bool local; /* delivered on this host */
	uint32_t table;
	int oif;
	struct prefix dst; /* fibmatch: the route that matched; else the host asked for */
	struct prefix gw, prefsrc; /* family 0: none */
	uint32_t metric;
};

/*
 * Ask the kernel where @q goes. 0 with @out filled, or the kernel's answer as
 * a negative errno: -ENETUNREACH (an unreachable route, a kill switch),
 * -EINVAL (a blackhole; or a source address not of this host without iif),
 * -EXDEV (the reverse path filter refuses a forwarded packet), -EACCES (prohibit).
 */
int kernel_route_get(struct nl *nl, const struct route_query *q, struct route_answer *out);

/* Whether this kernel can create WireGuard links (genl family known or module present). */
bool kernel_has_wireguard(void);
/* Does the running kernel have nftables' netdev egress hook (Linux 5.16 and later)? */
bool kernel_has_nft_egress(void);

#endif
