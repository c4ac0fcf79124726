/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_COMPILE_COMPILE_H
#define WGP_COMPILE_COMPILE_H

/*
 * The compiler: (model, facts) → desired state. Pure: everything it needs to
 * know about the system comes in as facts, gathered beforehand by
 * reconcile/facts.c (resolved endpoints, path MTUs, what the live kernel
 * already uses), so that the same inputs always give the same state.
 */

#include "conf/conf.h"
#include "state/state.h"

struct endpoint_fact {
	const char *host;
	uint16_t port;
	struct st_endpoint ep; /* family 0: could not be resolved */
	const char *error;     /* why, when not resolved */
	/* No address yet, and being looked up (the daemon): the peer goes without one meanwhile. */
	bool pending;
};

struct mtu_fact {
	const char *ifname; /* whose peer's endpoint: the tunnel's mark routes it */
	struct prefix addr; /* an endpoint address */
	uint32_t mtu;       /* the path MTU towards it, past wgpolicy's own tunnels; 0: unknown */
	/*
	 * The route of main its packets met, when a full tunnel's
	 * `suppress_prefixlength 0` may pass them on (family 0: not asked).
	 */
	struct prefix main_route;
};

/* Tunnels inside tunnels are followed this deep: a loop of them is the kernel's to drop. */
#define MAX_TUNNEL_HOPS 4

/* An uplink named by an Underlay: its gateways from the main table's default routes. */
struct uplink_fact {
	const char *ifname;
	bool exists;
	bool p2p; /* the device alone is a way out: point to point, or no ARP */
	uint32_t mtu;
	struct prefix gw[2]; /* IPv4, IPv6; family 0: none */
};

/*
 * Health, an input like any other fact: is target @i of policy @p up? The
 * daemon answers from its probes; without an answer every target is up.
 */
typedef bool (*target_up_fn)(const void *ctx, const struct conf_policy *p, size_t i);

struct facts {
	bool kernel_wireguard;         /* the kernel can create WireGuard links */
	bool nft_egress;               /* nftables has egress hooks (Linux 5.16) */
	const char *userspace_program; /* $WGPOLICY_USERSPACE_IMPLEMENTATION, or NULL */
	struct endpoint_fact *endpoints;
	size_t n_endpoints;
	struct mtu_fact *mtus;
	size_t n_mtus;
	uint32_t default_mtu; /* MTU of the IPv4 default route's device; 0: none */
	const struct uplink_fact *uplinks;
	size_t n_uplinks;
	const struct state *live; /* sorted; for allocations that must not collide */
	/* Mark bits of other nftables tables, read only when compile_uses_marks(). */
	struct st_mark_uses mark_uses;
	const char *mark_uses_error; /* why they could not be read; NULL: they were */
	target_up_fn target_up;
	const void *health;
};

/* wg-quick's first table for full tunnels, and its fwmark. */
#define WGQUICK_TABLE_BASE 51820
#define RT_TABLE_MAIN_ID 254
#define IPV6_DEFAULT_METRIC 1024

/*
 * Compile @c into @out (which must be empty). Problems that only show with
 * facts (an endpoint that does not resolve, no free table) are added to @d as
 * errors and the function returns -EINVAL. The result is sorted.
 */
int compile_state(const struct conf *c, const struct facts *f, struct state *out, struct diags *d);

/* Give the owned links of @live their configured hooks (PreDown and PostDown run from them). */
int compile_link_hooks(const struct conf *c, struct state *live);

struct flow_match;
/*
 * Policy @p's flows as conntrack records them, in @desired (compiled from
 * @c): by its mark when it has one, else by From, To, Family, IPProtocol and
 * ports. -EOPNOTSUPP when a selector conntrack does not record (User, Group,
 * Cgroup, IncomingInterface, FirewallMark) leaves them indistinguishable.
 */
int compile_flows(const struct conf *c, const struct state *desired, const struct conf_policy *p,
		  struct arena *a, struct flow_match *out);

/* Whether @c takes values of the FirewallMarkMask: for policies, or for Underlay. */
bool compile_uses_marks(const struct conf *c);
/*
 * Is some interface's MTU left to the paths (unset, or auto)? Only then may
 * compiling fall back to the default route's device MTU (facts.default_mtu):
 * finding it lists the whole IPv4 routing table.
 */
bool compile_needs_default_mtu(const struct conf *c);

/*
 * SaveConfig: the text of @iface's file as `down` saves it, from @live, the
 * running state, and @orig (@len bytes), the file as it is (compile/saveconf.c
 * says what is kept). It holds the private key: explicit_bzero it before
 * free. NULL when out of memory.
 */
char *compile_saved_config(const struct conf_iface *iface, const char *orig, size_t len,
			   const struct state *live);

/* What the compiler made of one policy in a desired state (explain shows it). */
struct compiled_policy {
	uint32_t priority; /* of its rules */
	uint32_t table;    /* the table its rules look up (main for Via = direct); 0: no rule */
	uint32_t mark;     /* set by nftables, then one fwmark rule; 0: matched by ip rules alone */
	uint32_t mask;     /* of the mark: wgpolicy's bits */
};

/* Policy @p's priority, table and mark in @desired, which was compiled from @c. */
void compile_policy_view(const struct conf *c, const struct state *desired,
			 const struct conf_policy *p, struct compiled_policy *out);
/* The priority of the policy's rules. */
uint32_t policy_priority(const struct conf *c, const struct conf_policy *p);

/* The rtnetlink protocol wgpolicy tags its routes and rules with. */
uint8_t compile_protocol(const struct conf *c);

/* The policy's active target (failover: the first one up), or NULL when none is up. */
const struct target *facts_active_target(const struct facts *f, const struct conf_policy *p);
const struct uplink_fact *facts_uplink(const struct facts *f, const char *ifname);

/*
 * Sort the endpoint and MTU facts for the look-ups below, once they are all
 * gathered: a configuration of 10,000 peers asks for each of them.
 */
void facts_index(struct facts *f);
/* Does @iface's MTU follow the path to its endpoints (no MTU, or auto; no Underlay)? */
bool compile_mtu_by_path(const struct conf_iface *iface);
/* The path MTU from @ifname towards a resolved endpoint; 0: unknown. */
uint32_t facts_path_mtu(const struct facts *f, const char *ifname, const struct st_endpoint *ep);
/* Its fact; NULL: none. */
struct mtu_fact *facts_mtu(const struct facts *f, const char *ifname, const struct st_endpoint *ep);
/* Look up a resolved endpoint. */
const struct endpoint_fact *facts_endpoint(const struct facts *f, const char *host, uint16_t port);

#endif
