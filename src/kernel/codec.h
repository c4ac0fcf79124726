/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_KERNEL_CODEC_H
#define WGP_KERNEL_CODEC_H

/*
 * The rtnetlink messages of the state model's objects: pure encoders (object
 * → request bytes in a caller buffer) and decoders (kernel message → object),
 * one pair per object type, in link.c, addr.c, route.c and rule.c. No socket
 * here: the I/O is in kernel.c and query.c, and the tests check these byte for
 * byte (tests/unit/test_kernel_encode.c).
 *
 * Encoders return the message's length, or -EMSGSIZE when @len is too small
 * (KMSG_MAX always suffices), -EINVAL for an object they cannot express.
 * nlmsg_seq, nlmsg_pid and NLM_F_ACK are left to the socket.
 *
 * Decoders take a whole message (nlmsg_len within the buffer, as
 * mnl_nlmsg_ok checks) and return 0 with the object filled in, 1 for a
 * well-formed message of something the model does not represent (the
 * caller skips it), or -EBADMSG when the message is malformed: a short
 * header, an attribute of the wrong size, an unterminated string. Unknown
 * attributes are skipped.
 */

#include <stdint.h>

#include <linux/netlink.h>

#include "state/plan.h"

#define KMSG_MAX 1024

struct nl_msg;
struct nl_policy;

/* ---- codec.c: shared by the object codecs ---- */

/* An IPv4 or IPv6 prefix of a valid length. */
bool prefix_ok(const struct prefix *p);
/* The address of @p as attribute @type: 4 or 16 bytes. */
void put_addr(struct nl_msg *m, uint16_t type, const struct prefix *p);
/*
 * An address attribute @a (may be NULL for length 0) with @len bits of
 * @family into @p; -EBADMSG if it is missing, too long or of the wrong size.
 */
int decode_prefix(const struct nlattr *a, uint8_t family, uint8_t len, struct prefix *p);
/* The index of @v in @table (@n entries), or -1: model enums to kernel numbers and back. */
int codec_index(const uint8_t *table, size_t n, uint8_t v);
/*
 * The start of every decoder: @nlh must be a message of @type with a family
 * header of @hdrlen bytes (returned) and valid attributes, split into @tb by
 * @pol. NULL when it is not (the decoder's -EBADMSG).
 */
const void *decode_start(const struct nlmsghdr *nlh, uint16_t type, size_t hdrlen,
			 const struct nl_policy *pol, uint16_t maxtype, const struct nlattr **tb);
/* A dump request for @type (RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE, RTM_GETRULE) of @family. */
int dump_encode(void *buf, size_t len, uint16_t type, uint8_t family);

/* ---- link.c ---- */

/* Create link @name of @kind ("wireguard"); nothing else, the settings follow with a set. */
int link_encode_create(void *buf, size_t len, const char *name, const char *kind);
/* Set @l's MTU (unless 0), up/down, and wgpolicy's alias, on the link named @l->name. */
int link_encode_set(void *buf, size_t len, const struct st_link *l);
int link_encode_del(void *buf, size_t len, const char *name);
/* RTM_GETLINK for the link with index @ifindex. */
int link_encode_get(void *buf, size_t len, int ifindex);

struct link_msg {
	struct st_link link; /* name, mtu, up, ifindex, owned (alias is WGPOLICY_LINK_ALIAS) */
	char kind[32];	     /* IFLA_INFO_KIND, "" if none */
};

int link_decode(const struct nlmsghdr *nlh, struct link_msg *out);

/* ---- addr.c ---- */

/* RTM_NEWADDR (OP_ADD) or RTM_DELADDR (OP_DEL) of @a on @ifindex, as `ip address` does. */
int addr_encode(void *buf, size_t len, enum op_kind kind, const struct st_addr *a, int ifindex);

struct addr_msg {
	struct st_addr addr; /* ifname left empty: the caller maps @ifindex */
	int ifindex;
	uint8_t scope;
	uint32_t flags; /* IFA_F_*, from IFA_FLAGS when present */
};

int addr_decode(const struct nlmsghdr *nlh, struct addr_msg *out);

/* ---- route.c ---- */

/*
 * OP_ADD: RTM_NEWROUTE, create, exclusive; OP_CHANGE: RTM_NEWROUTE with
 * NLM_F_REPLACE; OP_DEL: RTM_DELROUTE by identity (family, table, dst,
 * metric) plus type and protocol, so only our own route can match. @ifindex
 * is the output device of a unicast route (0 on delete: not needed).
 * A scope of 0 in the model means the one `ip route add` would choose.
 */
int route_encode(void *buf, size_t len, enum op_kind kind, const struct st_route *r, int ifindex);
/* The same for a multipath route: @nh_ifindex[i] is the device of r->nh[i]. */
int route_encode_mp(void *buf, size_t len, enum op_kind kind, const struct st_route *r,
		    const int *nh_ifindex);
/* A dump of the routes of @protocol (0: all), for a socket with strict checking on. */
int route_dump_encode(void *buf, size_t len, uint8_t protocol);
/* RTM_GETROUTE for the route towards host @dst (`ip route get DST mark MARK`; 0: no mark). */
int route_encode_get(void *buf, size_t len, const struct prefix *dst, uint32_t mark);

struct route_query;
/* RTM_GETROUTE with every selector of @q, as `ip route get ... [fibmatch]` sends it. */
int route_encode_query(void *buf, size_t len, const struct route_query *q);

/*
 * The ways of a route the decoder takes: any the kernel can hold (n_nh is a
 * uint8_t), since another program's ECMP route may have many more than the
 * ST_MAX_NEXTHOPS wgpolicy makes, and one route it could not read would fail
 * the whole dump.
 */
#define ROUTE_MSG_WAYS 255

struct route_msg {
	struct st_route route; /* ifname left empty: the caller maps @oif */
	struct prefix prefsrc; /* RTA_PREFSRC; family 0 if none */
	bool local;	       /* RTN_LOCAL: an answer that delivers on this host */
	int oif;	       /* RTA_OIF; 0 if none */
	bool gateway;	       /* via a gateway (not modelled, but it changes the default scope) */
	uint32_t mtu;	       /* RTAX_MTU metric, 0 if none */
	/*
	 * Last, and only the first route.n_nh are written: the decoder clears
	 * what comes before (11 kB of ways cleared per route cost a 10,000-route
	 * dump more than decoding it).
	 */
	int nh_oif[ROUTE_MSG_WAYS]; /* the devices of route.nh[], for the caller to map */
	struct st_nexthop nh[ROUTE_MSG_WAYS]; /* route.nh points here: copy them with the route */
};

/* Returns 1 also for clones and local routes (`ip route get` answers), with @out filled. */
int route_decode(const struct nlmsghdr *nlh, struct route_msg *out);
/* The scope `ip route add` gives a route: link for an IPv4 device route, else universe. */
uint8_t route_default_scope(uint8_t family, enum route_type type, bool gateway);

/* ---- rule.c ---- */

/* RTM_NEWRULE (OP_ADD, exclusive) or RTM_DELRULE (OP_DEL) with every selector of @r. */
int rule_encode(void *buf, size_t len, enum op_kind kind, const struct st_rule *r);
int rule_decode(const struct nlmsghdr *nlh, struct st_rule *out);

#endif
