/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_STATE_STATE_H
#define WGP_STATE_STATE_H

/*
 * The kernel object model, shared by the compiler (desired state), the
 * dumpers (live state), the diff and the executors. One struct per kernel
 * object type; each type has one identity comparison (what makes two objects
 * "the same object") and one equality (same object, same attributes), and
 * the diff, dedup and ownership checks all use those two and nothing else.
 */

#include <stdbool.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/cidr.h"

#define ST_IFNAMSIZ 16
#define ST_KEY_LEN 32

enum obj_type {
	OBJ_LINK,
	OBJ_WGDEV,
	OBJ_WGPEER,
	OBJ_ADDR,
	OBJ_ROUTE,
	OBJ_RULE,
	OBJ_SYSCTL,
	OBJ_DNS,
	OBJ_NFT,
	OBJ_TYPE_COUNT,
};

enum wg_backend { WG_BACKEND_KERNEL, WG_BACKEND_USERSPACE };

/* A WireGuard interface. Identity: name. */
struct st_link {
	char name[ST_IFNAMSIZ];
	enum wg_backend backend;
	const char *program; /* userspace implementation to start; NULL: the default */
	bool allow_fallback; /* may fall back to userspace when the kernel has no WireGuard */
	uint32_t mtu;
	bool up;
	bool owned; /* live: carries wgpolicy's mark (see kernel/link.c) */
	int ifindex; /* live only */
	/* Hooks run around creation and removal, wg-quick's Pre/PostUp and Pre/PostDown. */
	const char *const *pre_up, *const *post_up, *const *pre_down, *const *post_down;
	unsigned n_pre_up, n_post_up, n_pre_down, n_post_down;
};

struct st_key {
	uint8_t b[ST_KEY_LEN];
};

#define ST_KEY_B64_LEN 45
/* A public key in base64, as wg shows it. Never call it on a private key for output. */
char *st_key_format(const struct st_key *k, char buf[ST_KEY_B64_LEN]);

/* A WireGuard device's own settings. Identity: ifname. */
struct st_wgdev {
	char ifname[ST_IFNAMSIZ];
	bool has_private_key;
	struct st_key private_key;
	/* The configuration gives none: the device's stays as it is (a hook may set it). */
	bool keep_private_key;
	bool has_listen_port; /* without one the device picks a port: any is fine */
	uint16_t listen_port;
	uint32_t fwmark;
};

struct st_endpoint {
	uint8_t family; /* 0: none */
	uint8_t addr[16];
	uint16_t port;
};

#define ST_ENDPOINT_STRLEN 56
/* "192.0.2.1:51820" or "[2001:db8::1]:51820", as wg shows an endpoint; "" for none. */
char *st_endpoint_format(const struct st_endpoint *e, char buf[ST_ENDPOINT_STRLEN]);

/* A WireGuard peer. Identity: (ifname, public key). */
struct st_wgpeer {
	char ifname[ST_IFNAMSIZ];
	struct st_key public_key;
	bool has_preshared_key;
	struct st_key preshared_key;
	struct st_endpoint endpoint;
	uint16_t keepalive;
	struct prefix *allowed_ips; /* sorted by prefix_cmp, host bits cleared */
	uint32_t n_allowed_ips;
	/*
	 * The same in the configuration's order (desired), or in the device's (live, when it is
	 * not sorted), or NULL. WireGuard lists a peer's AllowedIPs in the order it was given
	 * them, so wg show shows them as under wg-quick, and SaveConfig writes them so.
	 */
	const struct prefix *allowed_ips_order;
	/* live only */
	uint32_t listed; /* its place in the device's listing of its peers, as wg showconf's */
	int64_t last_handshake_sec;
	uint64_t rx_bytes, tx_bytes;
	const char *name; /* the config's Name, for display */
	const char *endpoint_set; /* the endpoint wgpolicy last set, as formatted; NULL: unknown */
};

/* A peer's AllowedIPs in the order to give them to WireGuard. */
static inline const struct prefix *st_wgpeer_ips_in_order(const struct st_wgpeer *p)
{
	return p->allowed_ips_order ? p->allowed_ips_order : p->allowed_ips;
}

/* An interface address. Identity: (ifname, family, address, prefix length). */
struct st_addr {
	char ifname[ST_IFNAMSIZ];
	struct prefix addr; /* address with its prefix length; host bits kept */
	/*
	 * Not identity: desired, its place in the configuration, the order wg-quick adds them in
	 * (a subnet's first address is its primary, the source of its packets); live, its place
	 * in the kernel's listing, the order `ip address show` and wg-quick's SaveConfig give.
	 */
	uint32_t order;
};

enum route_type { ROUTE_UNICAST, ROUTE_UNREACHABLE, ROUTE_BLACKHOLE, ROUTE_PROHIBIT, ROUTE_THROW };

/* One way of a multipath route (Mode = balance). */
#define ST_MAX_NEXTHOPS 8
struct st_nexthop {
	char ifname[ST_IFNAMSIZ];
	uint16_t weight; /* 1-256 */
	struct prefix gw; /* family 0: none (a device's way) */
};

/* A route. Identity: (family, table, destination, metric); the rest can be replaced in place. */
struct st_route {
	uint32_t table;
	struct prefix dst;
	uint32_t metric;
	enum route_type type;
	char ifname[ST_IFNAMSIZ];
	struct prefix gw; /* family 0: no gateway (a device route) */
	uint8_t n_nh;     /* a multipath route: its ways, and no ifname of its own */
	/*
	 * Its n_nh ways, where the route's record lives (its state's arena, a
	 * route_msg): out of line, since few routes have any and a route table
	 * may hold 100,000 routes.
	 */
	struct st_nexthop *nh;
	uint8_t protocol; /* ROUTE_PROTO_KERNEL: a route the kernel made for an address */
	uint8_t scope;
};

#define ROUTE_PROTO_KERNEL 2 /* RTPROT_KERNEL */

enum rule_action { RULE_TO_TABLE, RULE_UNREACHABLE, RULE_BLACKHOLE, RULE_PROHIBIT };

struct port_range {
	uint16_t lo, hi; /* 0/0: any */
};

/* A routing policy rule. Identity: every field but the protocol (as the kernel compares them). */
struct st_rule {
	uint8_t family;
	uint32_t priority;
	bool invert;
	struct prefix src, dst; /* len 0 with family 0: any */
	char iif[ST_IFNAMSIZ], oif[ST_IFNAMSIZ];
	uint32_t fwmark, fwmask; /* fwmask 0: no fwmark match */
	bool has_uidrange;
	uint32_t uid_lo, uid_hi;
	uint8_t ipproto;
	struct port_range sport, dport;
	enum rule_action action;
	uint32_t table;
	int32_t suppress_prefixlen; /* -1: none */
	uint8_t protocol;
};

/*
 * A sysctl value. Identity: path under /proc/sys. Live state holds only the
 * sysctls wgpolicy changed, with the value they had before, to restore.
 */
struct st_sysctl {
	const char *path;
	const char *value;
	const char *original; /* live only */
	const char *owners;   /* desired only: the interfaces that need it, "wg0 wg1"; NULL: all */
};

/* Resolver settings for an interface. Identity: ifname. */
struct st_dns {
	char ifname[ST_IFNAMSIZ];
	struct prefix *servers;
	uint32_t n_servers;
	const char *const *search;
	uint32_t n_search;
};

/*
 * An nftables table wgpolicy owns, replaced whole in one transaction: "inet
 * wgpolicy" for the policies, "netdev wgpolicy" for what only packets leaving
 * by a tunnel need (MSS clamping, in egress hooks of the tunnels), and one
 * "inet wgpolicy-IFNAME" per full tunnel (what wg-quick loads as "ip
 * wg-quick-IFNAME" and "ip6 wg-quick-IFNAME"), so that up and down of one
 * interface change its table alone. Identity: the name. Live state knows only
 * the hash of what was loaded, which the table carries in its comment, and
 * how many chains it holds: a kernel before 6.6 or so deletes a device's
 * egress chain with the device, and the table's comment stays.
 */
#define NFT_TABLE_NAME "wgpolicy"
#define NFT_NETDEV_TABLE "netdev " NFT_TABLE_NAME
#define ST_NFT_NAMSIZ 64
struct st_nft {
	char name[ST_NFT_NAMSIZ]; /* "inet wgpolicy", "inet wgpolicy-wg0" */
	char ifname[ST_IFNAMSIZ]; /* the full tunnel's interface; "": the policies' table */
	const char *ruleset; /* desired: the table's body; live: NULL */
	uint64_t hash;       /* of the ruleset */
	const char *const *cgroups; /* cgroup v2 paths the ruleset matches: they must exist */
	uint32_t n_cgroups;
	uint32_t n_chains;
	uint32_t n_rules, n_sets, n_elements; /* for the plan's one line */
};

/*
 * Mark bits that one chain of another nftables table sets or matches: no
 * object of wgpolicy's, a fact for refusing a FirewallMarkMask that would
 * collide with them. The packet mark and the conntrack mark count as one
 * space: wgpolicy uses the same bits of both. kernel/nft_marks.c says what
 * counts as used.
 */
struct st_mark_use {
	const char *table; /* family and name, as nft names it: "ip filter" */
	const char *chain;
	uint32_t set;     /* bits its rules may change */
	uint32_t matched; /* bits its rules' matches depend on */
};

struct st_mark_uses {
	struct st_mark_use *v;
	size_t n, cap;
};

/* The name of @ifname's table (NULL: the policies'), in the characters nft takes in a name. */
void st_nft_name(char name[ST_NFT_NAMSIZ], const char *ifname);
/*
 * Is @table ("inet wgpolicy-wg0", as `nft list tables` names it after "table ")
 * one of wgpolicy's? If so, @ifname gets its interface ("" for the policies').
 */
bool st_nft_parse_name(const char *table, char ifname[ST_IFNAMSIZ]);
/* The chains in a table's body, as the compiler writes it ("\tchain NAME {"). */
uint32_t st_nft_count_chains(const char *text);

struct state {
	struct arena arena;
	VEC(struct st_link) links;
	VEC(struct st_wgdev) wgdevs;
	VEC(struct st_wgpeer) wgpeers;
	VEC(struct st_addr) addrs;
	VEC(struct st_route) routes;
	VEC(struct st_rule) rules;
	VEC(struct st_sysctl) sysctls;
	VEC(struct st_dns) dns;
	VEC(struct st_nft) nft;
	uint32_t nft_others; /* live: how many nftables tables are other programs' */
};

/* A set of object types, for reading only some of the live state back. */
#define OBJ_BIT(t) (1u << (t))
#define OBJ_ALL ((1u << OBJ_TYPE_COUNT) - 1)

/*
 * Give @r a copy of its ways in @a, where its record is going (the ways of a
 * route_msg or a local array would not outlive it). 0, or -ENOMEM.
 */
int st_route_keep_nexthops(struct st_route *r, struct arena *a);

struct state *state_new(void);
void state_free(struct state *s);

/* Identity: <0, 0, >0 like strcmp; 0 means "the same kernel object". */
int st_link_key_cmp(const struct st_link *a, const struct st_link *b);
int st_wgdev_key_cmp(const struct st_wgdev *a, const struct st_wgdev *b);
int st_wgpeer_key_cmp(const struct st_wgpeer *a, const struct st_wgpeer *b);
int st_addr_key_cmp(const struct st_addr *a, const struct st_addr *b);
/* By interface, then by order (see st_addr). */
int st_addr_order_cmp(const struct st_addr *a, const struct st_addr *b);
int st_route_key_cmp(const struct st_route *a, const struct st_route *b);
int st_rule_key_cmp(const struct st_rule *a, const struct st_rule *b);
int st_sysctl_key_cmp(const struct st_sysctl *a, const struct st_sysctl *b);
int st_dns_key_cmp(const struct st_dns *a, const struct st_dns *b);
int st_nft_key_cmp(const struct st_nft *a, const struct st_nft *b);

/* Same identity and same attributes: nothing to change. */
bool st_link_equal(const struct st_link *a, const struct st_link *b);
bool st_wgdev_equal(const struct st_wgdev *a, const struct st_wgdev *b);
bool st_wgpeer_equal(const struct st_wgpeer *a, const struct st_wgpeer *b);
/* Has @live's peer roamed away from the endpoint @desired asks for, which wgpolicy set? */
bool st_wgpeer_roamed(const struct st_wgpeer *desired, const struct st_wgpeer *live);
bool st_route_equal(const struct st_route *a, const struct st_route *b);
bool st_sysctl_equal(const struct st_sysctl *a, const struct st_sysctl *b);
bool st_dns_equal(const struct st_dns *a, const struct st_dns *b);
bool st_nft_equal(const struct st_nft *a, const struct st_nft *b);

/*
 * The same, generically: one descriptor per type, so that diff and sort are
 * written once. Every VEC in struct state has the layout of struct obj_list.
 */
struct obj_ops {
	const char *name;
	size_t size;
	int (*key_cmp)(const void *a, const void *b);
	bool (*equal)(const void *a, const void *b); /* NULL: identity is everything */
};

struct obj_list {
	void *v;
	size_t n, cap;
};

extern const struct obj_ops obj_ops[OBJ_TYPE_COUNT];
/* The link, or the WireGuard device, named @name in @s; NULL: none. */
const struct st_link *state_link(const struct state *s, const char *name);
const struct st_wgdev *state_wgdev(const struct state *s, const char *name);
struct obj_list *state_list(struct state *s, enum obj_type t);
const struct obj_list *state_list_const(const struct state *s, enum obj_type t);
void *obj_at(const struct obj_list *l, enum obj_type t, size_t i);

/* Sort every list by identity, so diff is a merge walk and output is stable. */
void state_sort(struct state *s);

#endif
