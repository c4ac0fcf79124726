/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_EXPLAIN_EXPLAIN_H
#define WGP_EXPLAIN_EXPLAIN_H

/*
 * Why a packet goes where it goes, pure: which policy the configuration
 * gives it and which selector kept the others away (match.c); what the
 * compiled state does with it, replaying nftables' marking, the RPDB, the
 * routing table and WireGuard's cryptokey routing (simulate.c); and whether
 * the kernel's own answer agrees. The kernel's answer is asked elsewhere
 * (kernel/query.c) and handed in.
 */

#include "compile/compile.h"

/* A packet, in the words of `ip route get` and `ip rule`. */
struct packet {
	struct prefix to;      /* a host address: the packet's family */
	struct prefix from;    /* family 0: not given */
	char iif[ST_IFNAMSIZ]; /* "": generated on this host */
	bool has_uid, has_gid;
	uint32_t uid, gid;
	uint32_t mark; /* the mark it carries before wgpolicy's nftables */
	uint8_t proto; /* 0: not given */
	bool has_sport, has_dport;
	uint16_t sport, dport;
	const char *cgroup; /* the sender's cgroup v2 path, as Cgroup writes it; NULL: none */
};

/*
 * Read `to ADDR [from ADDR] [iif IFACE] [uid N|NAME] [gid N|NAME] [mark N[/M]]
 * [ipproto P] [sport N] [dport N] [cgroup PATH | exec POLICY]` (a bare address
 * is `to`); names through @env, `exec POLICY` as the cgroup `wgpolicy exec`
 * puts a command in. NULL on success, else what is wrong.
 */
const char *packet_parse(struct packet *pk, char *const *words, int n, const struct conf *c,
			 const struct conf_env *env, struct arena *a);
/* The packet as selectors again ("to 192.0.2.1 from 10.0.1.2 iif lan1 ipproto tcp dport 80"). */
char *packet_format(const struct packet *pk, char *buf, size_t len);
/* Is it forwarded (it came in by an interface) rather than generated here? */
bool packet_forwarded(const struct packet *pk);

/* ---- match.c: the configuration's view ---- */

struct verdict {
	const struct conf_policy *p;
	uint32_t priority;
	bool match;
	/* Why not: the selectors that exclude it ("From 10.0.1.0/24 does not hold 10.0.2.2"). */
	const char *reason;
	struct loc loc; /* of the first excluding selector */
};

struct config_view {
	struct verdict *v; /* every policy, in the order the kernel meets their rules */
	size_t n;
	const struct verdict *chosen; /* the first that matches; NULL: none */
	const struct target *active;  /* its target now (failover); NULL: every one down */
	bool killswitch; /* unreachable when no target can carry it */
	bool guard;	 /* and the leak guard (KillSwitch = yes) */
	/*
	 * A DNS query the chosen policy's DNS redirects: to dns_to, or
	 * dropped (no resolver of its family); neither: left as it is.
	 */
	const struct prefix *dns_to;
	bool dns_dropped;
};

/*
 * Judge each policy of @c for @pk. @f gives health (target_up), may be NULL
 * (every target up). Allocates in @a; -ENOMEM or 0.
 */
int explain_config(const struct conf *c, const struct facts *f, const struct packet *pk,
		   struct arena *a, struct config_view *out);
/* Does @p select @pk? If not, and @why, the reasons (at most a few). */
bool policy_selects(const struct conf *c, const struct conf_policy *p, const struct packet *pk,
		    struct arena *a, const char **why, struct loc *loc);

/* ---- simulate.c: the compiled state's view ---- */

enum sim_end {
	SIM_ROUTE,	 /* a route of a table whose routes the state holds */
	SIM_OTHER_TABLE, /* a table that is not wgpolicy's alone (main): the kernel knows */
	SIM_RULE_ACTION, /* the rule itself refuses it (unreachable, blackhole, prohibit) */
	SIM_NO_RULE,	 /* no rule took it */
};

struct simulation {
	const struct conf_policy *marked_by; /* the policy nftables marks it for; NULL: none */
	uint32_t mark;			     /* the packet's mark after nftables */
	const struct st_rule *rule;	     /* the rule that decided */
	enum sim_end end;
	uint32_t table;
	const struct st_route *route; /* SIM_ROUTE, or a route of wgpolicy's in main */
	const struct st_wgpeer *peer; /* the route's WireGuard peer by AllowedIPs */
	unsigned skipped_suppress;    /* suppress_prefixlength lookups assumed to pass */
	const struct st_rule *suppressed; /* the first of them; NULL: none */
};

/* Replay @pk through @desired (compiled from @c); scratch in @a. Pointers point into @desired. */
void explain_simulate(const struct conf *c, const struct state *desired, const struct packet *pk,
		      struct arena *a, struct simulation *out);
/* The same up to the route: no peer. */
void explain_route(const struct conf *c, const struct state *desired, const struct packet *pk,
		   struct arena *a, struct simulation *out);
/* An object as doctor and explain name it: its ip line without "ip -4 rule add". */
const char *explain_shown(enum obj_type type, const void *obj, char *buf, size_t len);
/*
 * The first rule of another program in @live (not of @protocol), before priority @prio, that
 * takes @pk carrying @mark: it selects the packet, and its table has a route for it. NULL: none.
 */
const struct st_rule *explain_foreign_first(const struct state *live, const struct packet *pk,
					    uint32_t mark, uint32_t prio, uint8_t protocol);
/* The nftables mark @pk gets from @desired's marked policies, and the policy; 0, NULL: none. */
uint32_t explain_nft_mark(const struct conf *c, const struct state *desired,
			  const struct packet *pk, struct arena *a, const struct conf_policy **by);
/* Does rule @r select @pk carrying @mark (suppress_prefixlength aside)? */
bool rule_selects(const struct st_rule *r, const struct packet *pk, uint32_t mark);
/* The longest prefix match among @s's routes of @table for @dst (lowest metric on a tie). */
const struct st_route *table_lookup(const struct state *s, uint32_t table,
				    const struct prefix *dst);
/*
 * WireGuard's cryptokey routing: the peer of @ifname whose AllowedIPs hold @dst
 * best (a host, or a prefix one entry must hold whole).
 */
const struct st_wgpeer *allowedips_lookup(const struct state *s, const char *ifname,
					  const struct prefix *dst);

/* ---- paths.c: where the tunnels' own packets go ---- */

/*
 * Tunnels sized by the path to their endpoints whose packets another tunnel
 * of @desired (compiled from @c and @f) will carry: set their path MTU in @f
 * to that tunnel's. True if one changed: compile again with @f.
 */
bool explain_tunnel_paths(const struct conf *c, struct facts *f, const struct state *desired,
			  struct arena *a);

/* ---- the kernel's answer, and whether it agrees ---- */

struct kernel_route {
	int error;  /* 0, or the kernel's negative errno (-ENETUNREACH...) */
	bool local; /* delivered on this host */
	uint32_t table;
	char dev[ST_IFNAMSIZ]; /* "" for none */
	struct prefix gw, src; /* family 0: none */
	struct prefix matched; /* the route that matched (fibmatch); family 0: unknown */
};

enum agreement { AGREE, DISAGREE, UNDECIDED };

/*
 * What the simulation had to assume, settled by the kernel's answer: a
 * suppress_prefixlength lookup in main (whose routes the state does not hold)
 * taken as passing, while the kernel found the packet's route in main, more
 * specific than suppressed (a source's own subnet, a full tunnel's LAN): that
 * rule decided. Then @sim says so.
 */
void explain_settle(struct simulation *sim, const struct kernel_route *k);
/* Does the kernel send @pk where @sim says? @why (static text) tells how they differ. */
enum agreement explain_agree(const struct simulation *sim, const struct kernel_route *k,
			     const char **why);

/*
 * Would the kill switch's leak guard (compile/nft.c) drop what the kernel does
 * with it: the chosen policy's packet leaving by an interface not its tunnels?
 */
bool explain_guard_drops(const struct config_view *cv, const struct simulation *sim,
			 const struct kernel_route *k);

#endif
