/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_CONF_MODEL_H
#define WGP_CONF_MODEL_H

/*
 * The configuration model: what the files say, after parsing and checking,
 * before anything is compiled. Every value keeps the file and line it came
 * from; a scalar is "set" when its loc.line is not zero.
 */

#include <stdbool.h>
#include <stdint.h>

#include "conf/diag.h"
#include "util/arena.h"
#include "util/cidr.h"

#define OPT(type)                                                                                  \
	struct {                                                                                   \
		type v;                                                                            \
		struct loc loc;                                                                    \
	}
#define IS_SET(opt) ((opt).loc.line != 0)

#define WG_KEY_LEN 32
#define IFNAME_MAX 15

struct wg_key {
	uint8_t b[WG_KEY_LEN];
};

struct lstr {
	const char *s;
	struct loc loc;
};

struct lprefix {
	struct prefix p;
	struct loc loc;
};

/* An address selector item: a prefix, or a reference to a [Set] (set != NULL). */
struct addr_sel {
	struct prefix p;
	const char *set;
	struct loc loc;
};

struct lu32 {
	uint32_t v;
	struct loc loc;
};

struct range32 {
	uint32_t lo, hi;
	struct loc loc;
};

struct mark_sel {
	uint32_t value, mask;
	struct loc loc;
};

struct endpoint {
	const char *host; /* a literal address or a DNS name, resolved at apply time */
	uint16_t port;
};

enum table_kind { TABLE_AUTO, TABLE_OFF, TABLE_ID };

struct table_sel {
	enum table_kind kind;
	uint32_t id;
	const char *name; /* TABLE_ID by a name (main, one of rt_tables), as written; else NULL */
};

struct mtu_sel {
	bool is_auto;
	uint32_t value;
};

struct conf_iface;

struct conf_peer {
	struct loc loc; /* the [Peer] line */
	struct conf_iface *iface;
	unsigned index; /* position in the interface */
	OPT(const char *) name;
	OPT(struct wg_key) public_key;
	OPT(struct wg_key) preshared_key;
	OPT(struct endpoint) endpoint;
	VEC(struct lprefix) allowed_ips;
	OPT(uint32_t) keepalive; /* 0: off */
	OPT(struct prefix) probe;
};

enum backend_kind { BACKEND_AUTO, BACKEND_KERNEL, BACKEND_USERSPACE };

struct backend_sel {
	enum backend_kind kind;
	const char *program; /* userspace implementation; NULL for the default */
};

struct conf_iface {
	const char *name;
	const char *file;
	struct loc loc; /* the first [Interface] line */
	bool world_accessible; /* the file (and its directory) can be read by others */
	OPT(struct wg_key) private_key;
	OPT(uint32_t) listen_port; /* 0: random */
	OPT(uint32_t) fwmark;      /* 0: off */
	VEC(struct lprefix) addresses;
	VEC(struct lprefix) dns;
	VEC(struct lstr) dns_search;
	OPT(struct mtu_sel) mtu;
	OPT(struct table_sel) table;
	VEC(struct lstr) pre_up, post_up, pre_down, post_down;
	OPT(bool) save_config;
	OPT(const char *) underlay;
	OPT(struct backend_sel) backend;
	VEC(struct conf_peer *) peers;
};

enum family_sel { FAMILY_BOTH, FAMILY_ONLY_V4, FAMILY_ONLY_V6 };
enum policy_mode { MODE_FAILOVER, MODE_BALANCE };
enum conntrack_mode { CONNTRACK_FLUSH, CONNTRACK_KEEP };
/*
 * yes: unreachable routes and the nftables leak guard; routes: the routes
 * alone, no cost per packet (compile/nft.c says what the guard adds).
 */
enum kill_switch { KILLSWITCH_NO, KILLSWITCH_YES, KILLSWITCH_ROUTES };
enum target_kind { TARGET_IFACE, TARGET_PEER, TARGET_DIRECT, TARGET_BLACKHOLE };

struct target {
	enum target_kind kind;
	const char *iface_name, *peer_name;
	struct loc loc;
	/* resolved by validation; NULL for direct and blackhole */
	struct conf_iface *iface;
	struct conf_peer *peer;
};

struct probe_check {
	struct prefix addr;
	uint32_t interval_ms, timeout_ms;
	uint32_t down, up;
};

/*
 * Defaults of a policy. The kill switch is on: a tunnel that dies must not
 * send its traffic out by the default gateway unless the configuration says
 * so. MSS clamping is on for tunnels carrying policy traffic.
 */
#define POLICY_DEFAULT_KILLSWITCH KILLSWITCH_YES
#define POLICY_DEFAULT_MSSCLAMP true
#define POLICY_DEFAULT_CONNTRACK CONNTRACK_FLUSH

#define CHECK_DEFAULT_INTERVAL_MS 200
#define CHECK_DEFAULT_TIMEOUT_MS 200
#define CHECK_DEFAULT_DOWN 3
#define CHECK_DEFAULT_UP 5

struct conf_policy {
	const char *name;
	struct loc loc;
	unsigned index; /* configuration order, files in name order */
	VEC(struct addr_sel) from, to;
	VEC(struct lstr) iif;
	VEC(struct range32) users, groups;
	VEC(struct lstr) cgroups;
	VEC(struct mark_sel) fwmarks;
	VEC(struct lu32) protocols;
	VEC(struct range32) sports, dports;
	OPT(enum family_sel) family;
	VEC(struct target) via;
	OPT(enum policy_mode) mode;
	VEC(struct lu32) weights; /* one per Via target */
	OPT(enum kill_switch) killswitch;
	OPT(bool) mssclamp;
	OPT(enum conntrack_mode) conntrack;
	OPT(uint32_t) priority;
	OPT(uint32_t) table;
	OPT(struct probe_check) check;
	/*
	 * DNS: the resolvers its DNS queries are redirected to, or with
	 * dns_tunnel set (DNS = tunnel) those of its active Via tunnel.
	 */
	VEC(struct lprefix) dns;
	OPT(bool) dns_tunnel;
	bool had_errors; /* a line of it was invalid, so the whole of it is not judged */
};

struct conf_set {
	const char *name;
	struct loc loc;
	VEC(struct lprefix) prefixes; /* from Address lines and from Files, each with its own loc */
	VEC(struct lstr) files;
	bool had_errors; /* as conf_policy's */
};

struct conf_global {
	struct loc loc;
	OPT(struct range32) priorities;
	OPT(struct range32) tables;
	OPT(uint32_t) mark_mask;
	OPT(uint32_t) protocol;
	OPT(const char *) metrics;
	OPT(uint32_t) resolve_interval; /* ms; 0: only when a handshake goes stale */
};

/* Defaults of [Global]: the ranges wgpolicy owns unless told otherwise. */
#define GLOBAL_DEFAULT_PRIORITY_LO 10000
#define GLOBAL_DEFAULT_PRIORITY_HI 10999
#define GLOBAL_DEFAULT_TABLE_LO 52000
#define GLOBAL_DEFAULT_TABLE_HI 52999
#define GLOBAL_DEFAULT_MARK_MASK 0xff000000u
#define GLOBAL_DEFAULT_PROTOCOL 87
#define GLOBAL_DEFAULT_RESOLVE_INTERVAL_MS (5 * 60 * 1000)

struct conf {
	struct arena arena;
	struct diags diags;
	VEC(struct conf_iface *) ifaces;
	VEC(struct conf_policy *) policies;
	VEC(struct conf_set *) sets;
	struct conf_global global;
};

/* Questions about the model that the checks and the compiler both ask. */

/* Bit set of address families. */
enum { FAM_V4 = 1, FAM_V6 = 2, FAM_ALL = 3 };

unsigned fam_bit_of(uint8_t family);
/*
 * Families a list of address selectors names (sets expanded); 0 for an empty
 * list; both when it names a missing set or one with an invalid line.
 */
unsigned sel_families(const struct conf *c, const struct addr_sel *v, size_t n);
/* The families a policy can match, from From, To and Family. */
unsigned policy_families(const struct conf *c, const struct conf_policy *p);
/* Its KillSwitch, or the default. */
enum kill_switch policy_killswitch(const struct conf_policy *p);
/* Call @fn for each prefix of a selector list, expanding @sets. */
typedef void (*prefix_fn)(void *arg, const struct prefix *p, struct loc loc);
void sel_foreach(const struct conf *c, const struct addr_sel *v, size_t n, prefix_fn fn, void *arg);

struct conf_iface *conf_find_iface(const struct conf *c, const char *name);
/*
 * A peer's AllowedIPs of length 0 as the interface's default route in main, as
 * wg-quick makes it (Table = auto or main): the /0, or NULL when it is no full tunnel.
 */
const struct lprefix *conf_full_tunnel_prefix(const struct conf_iface *iface);
struct conf_peer *conf_find_peer(const struct conf_iface *iface, const char *name);
struct conf_set *conf_find_set(const struct conf *c, const char *name);
const char *peer_label(struct arena *a, const struct conf_peer *peer);
/* A target's name as Via gives it: wg0, wg0:ams1, direct, blackhole; NULL: none. */
const char *target_name(const struct target *t, char *buf, size_t len);
/*
 * What a tunnel target's health probe pings: its peer's Probe, else the
 * policy's Check address (@p may be NULL), else the peer's own tunnel address
 * from its AllowedIPs; false when there is none.
 */
bool target_probe_addr(const struct conf_policy *p, const struct target *t, struct prefix *out);
/*
 * The resolvers @p's DNS redirects its queries to, while @active is its
 * target in use: its DNS addresses, or with DNS = tunnel the DNS servers of
 * @active, or of its first tunnel while no tunnel is in use. @n = 0: none.
 */
const struct lprefix *policy_dns_servers(const struct conf_policy *p, const struct target *active,
					 size_t *n);
/* Does @p select by who sends (From, IncomingInterface, User, ...), not by destination alone? */
bool policy_selects_senders(const struct conf_policy *p);
/* The same target, as the files name it (across two readings of the configuration). */
bool conf_target_same(const struct target *a, const struct target *b);

#endif
