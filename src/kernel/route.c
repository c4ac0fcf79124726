// SPDX-License-Identifier: GPL-2.0-or-later
/* Routes: RTM_NEWROUTE/RTM_DELROUTE/RTM_GETROUTE requests and route messages (pure, see codec.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "kernel/codec.h"
#include "kernel/kernel.h"
#include "kernel/nl.h"

static const uint8_t rtn_of[] = {
    [ROUTE_UNICAST] = RTN_UNICAST,     [ROUTE_UNREACHABLE] = RTN_UNREACHABLE,
    [ROUTE_BLACKHOLE] = RTN_BLACKHOLE, [ROUTE_PROHIBIT] = RTN_PROHIBIT,
    [ROUTE_THROW] = RTN_THROW,
};

uint8_t route_default_scope(uint8_t family, enum route_type type, bool gateway)
{
	/* IPv6 has no route scopes: the kernel reports universe whatever it is given. */
	if (family == FAMILY_V4 && type == ROUTE_UNICAST && !gateway)
		return RT_SCOPE_LINK;
	return RT_SCOPE_UNIVERSE;
}

/* The header and identity every route message carries: family, table, destination, metric. */
static struct rtmsg *route_start(struct nl_msg *m, void *buf, size_t len, uint16_t type,
				 uint16_t flags, const struct st_route *r)
{
	struct rtmsg *rtm = nl_msg_init(m, buf, len, type, NLM_F_REQUEST | flags, sizeof(*rtm));

	if (rtm) {
		rtm->rtm_family = r->dst.family;
		rtm->rtm_dst_len = r->dst.len;
		/* rtm_table is 8 bits: larger tables go in RTA_TABLE alone, as ip does. */
		rtm->rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
		rtm->rtm_protocol = r->protocol;
		rtm->rtm_type = rtn_of[r->type];
	}
	/* Attributes in the order `ip route` sends them, so that its bytes and ours compare. */
	if (r->dst.len)
		put_addr(m, RTA_DST, &r->dst);
	if (r->table >= 256)
		nl_put_u32(m, RTA_TABLE, r->table);
	/* IPv6 turns metric 0 into 1024, IPv4 keeps 0: the model says which it is. */
	if (r->metric)
		nl_put_u32(m, RTA_PRIORITY, r->metric);
	return rtm;
}

/*
 * RTA_MULTIPATH: one rtnexthop per way, its weight as hops - 1, followed by
 * the way's RTA_GATEWAY if it has one (as ip sends it).
 */
static void put_nexthops(struct nl_msg *m, const struct st_route *r, const int *nh_ifindex)
{
	uint8_t buf[ST_MAX_NEXTHOPS * (sizeof(struct rtnexthop) + RTA_SPACE(16))] = { 0 };
	size_t len = 0;
	uint8_t i;

	for (i = 0; i < r->n_nh; i++) {
		const struct prefix *gw = &r->nh[i].gw;
		struct rtnexthop *nh = (struct rtnexthop *)(buf + len);
		struct rtattr *a = RTNH_DATA(nh);
		size_t alen = gw->family == FAMILY_V4 ? 4 : 16;

		*nh = (struct rtnexthop){
			.rtnh_len = sizeof(*nh),
			.rtnh_hops = (uint8_t)(r->nh[i].weight - 1),
			.rtnh_ifindex = nh_ifindex[i],
		};
		if (gw->family) {
			a->rta_type = RTA_GATEWAY;
			a->rta_len = (unsigned short)RTA_LENGTH(alen);
			memcpy(RTA_DATA(a), gw->addr, alen);
			nh->rtnh_len += RTA_SPACE(alen);
		}
		len += RTNH_ALIGN(nh->rtnh_len);
	}
	nl_put(m, RTA_MULTIPATH, buf, len);
}

int route_encode(void *buf, size_t len, enum op_kind kind, const struct st_route *r, int ifindex)
{
	/* One device for many ways cannot be right; a delete needs none of them. */
	if (r->n_nh && kind != OP_DEL)
		return -EINVAL;
	return route_encode_mp(buf, len, kind, r, &ifindex);
}

int route_encode_mp(void *buf, size_t len, enum op_kind kind, const struct st_route *r,
		    const int *nh_ifindex)
{
	int ifindex = r->n_nh ? 0 : nh_ifindex[0];
	static const uint16_t flags[] = {
	    [OP_ADD] = NLM_F_CREATE | NLM_F_EXCL,
	    [OP_CHANGE] = NLM_F_CREATE | NLM_F_REPLACE,
	    [OP_DEL] = 0,
	};
	bool unicast = r->type == ROUTE_UNICAST;
	struct rtmsg *rtm;
	struct nl_msg m;

	if (!prefix_ok(&r->dst) || (unsigned)r->type >= sizeof(rtn_of) || kind > OP_DEL ||
	    (kind != OP_DEL && r->n_nh > ST_MAX_NEXTHOPS) ||
	    (unicast && kind != OP_DEL && !r->n_nh && ifindex <= 0))
		return -EINVAL;
	rtm =
	    route_start(&m, buf, len, kind == OP_DEL ? RTM_DELROUTE : RTM_NEWROUTE, flags[kind], r);
	if (rtm)
		/* On delete, RT_SCOPE_NOWHERE matches any scope (as `ip route del`). */
		rtm->rtm_scope = kind == OP_DEL ? RT_SCOPE_NOWHERE
				 : r->scope	? r->scope
					    : route_default_scope(r->dst.family, r->type,
								  r->gw.family || r->n_nh);
	if (unicast && r->gw.family)
		put_addr(&m, RTA_GATEWAY, &r->gw);
	if (unicast && ifindex > 0)
		nl_put_u32(&m, RTA_OIF, (uint32_t)ifindex);
	if (unicast && r->n_nh && kind != OP_DEL)
		put_nexthops(&m, r, nh_ifindex);
	return nl_msg_end(&m);
}

int route_dump_encode(void *buf, size_t len, uint8_t protocol)
{
	int n = dump_encode(buf, len, RTM_GETROUTE, AF_UNSPEC);

	if (n > 0)
		((struct rtmsg *)NLMSG_DATA(buf))->rtm_protocol = protocol;
	return n;
}

int route_encode_get(void *buf, size_t len, const struct prefix *dst, uint32_t mark)
{
	struct rtmsg *rtm;
	struct nl_msg m;

	if (!prefix_ok(dst))
		return -EINVAL;
	rtm = nl_msg_init(&m, buf, len, RTM_GETROUTE, NLM_F_REQUEST, sizeof(*rtm));
	if (rtm) {
		rtm->rtm_family = dst->family;
		rtm->rtm_dst_len = (uint8_t)prefix_max_len(dst->family);
		rtm->rtm_flags = RTM_F_LOOKUP_TABLE;
	}
	put_addr(&m, RTA_DST, dst);
	if (mark)
		nl_put_u32(&m, RTA_MARK, mark);
	return nl_msg_end(&m);
}

int route_encode_query(void *buf, size_t len, const struct route_query *q)
{
	struct rtmsg *rtm;
	struct nl_msg m;

	if (!prefix_ok(&q->dst) || (q->src.family && q->src.family != q->dst.family))
		return -EINVAL;
	rtm = nl_msg_init(&m, buf, len, RTM_GETROUTE, NLM_F_REQUEST, sizeof(*rtm));
	if (rtm) {
		rtm->rtm_family = q->dst.family;
		rtm->rtm_dst_len = (uint8_t)prefix_max_len(q->dst.family);
		rtm->rtm_src_len = q->src.family ? rtm->rtm_dst_len : 0;
		/* The table the lookup ended in, rather than main: which policy took it. */
		rtm->rtm_flags = RTM_F_LOOKUP_TABLE | (q->fibmatch ? RTM_F_FIB_MATCH : 0);
	}
	/* In the order `ip route get` sends them. */
	if (q->src.family)
		put_addr(&m, RTA_SRC, &q->src);
	put_addr(&m, RTA_DST, &q->dst);
	if (q->iif > 0)
		nl_put_u32(&m, RTA_IIF, (uint32_t)q->iif);
	if (q->mark)
		nl_put_u32(&m, RTA_MARK, q->mark);
	nl_put_u32(&m, RTA_UID, q->uid);
	if (q->ipproto)
		nl_put_u8(&m, RTA_IP_PROTO, q->ipproto);
	if (q->sport)
		nl_put_u16(&m, RTA_SPORT, htons(q->sport));
	if (q->dport)
		nl_put_u16(&m, RTA_DPORT, htons(q->dport));
	return nl_msg_end(&m);
}

static const struct nl_policy route_policy[RTA_MAX + 1] = {
    [RTA_DST] = {NL_A_BINARY, 0},     [RTA_OIF] = {NL_A_U32, 0},
    [RTA_GATEWAY] = {NL_A_BINARY, 0}, [RTA_PRIORITY] = {NL_A_U32, 0},
    [RTA_METRICS] = {NL_A_NESTED, 0}, [RTA_MULTIPATH] = {NL_A_BINARY, 0},
    [RTA_TABLE] = {NL_A_U32, 0},      [RTA_VIA] = {NL_A_BINARY, 0},
    [RTA_PREFSRC] = {NL_A_BINARY, 0},
};

static const struct nl_policy metrics_policy[RTAX_MAX + 1] = {
    [RTAX_MTU] = {NL_A_U32, 0},
};

static int decode_mtu(const struct nlattr *metrics, uint32_t *mtu)
{
	const struct nlattr *tb[RTAX_MAX + 1];
	int err;

	*mtu = 0;
	if (!metrics)
		return 0;
	err = nl_parse_nested(metrics, metrics_policy, RTAX_MAX, tb);
	if (err < 0)
		return err;
	if (tb[RTAX_MTU])
		*mtu = mnl_attr_get_u32(tb[RTAX_MTU]);
	return 0;
}

static const struct nl_policy nexthop_policy[RTA_MAX + 1] = {
    [RTA_GATEWAY] = {NL_A_BINARY, 0},
};

/* A way's attributes after its rtnexthop: its gateway, if any, of the route's family. */
static int decode_way_gateway(const struct rtnexthop *nh, uint8_t family, struct prefix *gw)
{
	const struct nlattr *tb[RTA_MAX + 1];
	int err = nl_parse_buf(RTNH_DATA(nh), nh->rtnh_len - sizeof(*nh), nexthop_policy, RTA_MAX,
			       tb);

	if (err < 0)
		return err;
	memset(gw, 0, sizeof(*gw));
	return tb[RTA_GATEWAY]
		   ? decode_prefix(tb[RTA_GATEWAY], family, (uint8_t)prefix_max_len(family), gw)
		   : 0;
}

/* The ways of a multipath route: device index, weight and gateway each. */
static int decode_nexthops(const struct nlattr *mp, struct route_msg *out)
{
	const uint8_t *p = mnl_attr_get_payload(mp);
	size_t left = mnl_attr_get_payload_len(mp);
	struct st_route *r = &out->route;

	while (left >= sizeof(struct rtnexthop)) {
		const struct rtnexthop *nh = (const void *)p;
		size_t step = RTNH_ALIGN(nh->rtnh_len);

		/* A negative index would come back as an errno. */
		if (nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > left || nh->rtnh_ifindex < 0 ||
		    r->n_nh == ROUTE_MSG_WAYS)
			return -EBADMSG;
		memset(&r->nh[r->n_nh], 0, sizeof(r->nh[0]));
		if (decode_way_gateway(nh, r->dst.family, &r->nh[r->n_nh].gw) < 0)
			return -EBADMSG;
		out->nh_oif[r->n_nh] = nh->rtnh_ifindex;
		r->nh[r->n_nh++].weight = (uint16_t)(nh->rtnh_hops + 1);
		if (step >= left)
			break;
		p += step;
		left -= step;
	}
	return r->n_nh ? 0 : -EBADMSG;
}

static int decode_attrs(const struct nlattr **tb, uint8_t rtn, struct route_msg *out)
{
	struct st_route *r = &out->route;

	if (tb[RTA_TABLE])
		r->table = mnl_attr_get_u32(tb[RTA_TABLE]);
	if (tb[RTA_PRIORITY])
		r->metric = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	out->gateway = tb[RTA_GATEWAY] || tb[RTA_VIA] || tb[RTA_MULTIPATH];
	if (tb[RTA_GATEWAY]) {
		int err = decode_prefix(tb[RTA_GATEWAY], r->dst.family,
					(uint8_t)prefix_max_len(r->dst.family), &r->gw);

		if (err < 0)
			return err;
	}
	if (tb[RTA_PREFSRC]) {
		int err = decode_prefix(tb[RTA_PREFSRC], r->dst.family,
					(uint8_t)prefix_max_len(r->dst.family), &out->prefsrc);

		if (err < 0)
			return err;
	}
	if (tb[RTA_MULTIPATH]) {
		int err = decode_nexthops(tb[RTA_MULTIPATH], out);

		if (err < 0)
			return err;
	}
	if (tb[RTA_OIF])
		out->oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	/* IPv6 reports its unreachable, blackhole and prohibit routes on lo: no device in the
	 * model. */
	if (rtn == RTN_UNREACHABLE || rtn == RTN_BLACKHOLE || rtn == RTN_PROHIBIT ||
	    rtn == RTN_THROW) {
		out->oif = 0;
		r->n_nh = 0; /* nor ways: such a route goes nowhere */
	}
	return decode_mtu(tb[RTA_METRICS], &out->mtu);
}

int route_decode(const struct nlmsghdr *nlh, struct route_msg *out)
{
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm =
	    decode_start(nlh, RTM_NEWROUTE, sizeof(*rtm), route_policy, RTA_MAX, tb);
	struct st_route *r = &out->route;
	bool modelled;
	int type, err;

	memset(out, 0, offsetof(struct route_msg, nh_oif));
	r->nh = out->nh;
	if (!rtm)
		return -EBADMSG;
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return 1;
	/*
	 * Not in the model, but decoded as far as it goes (`ip route get`
	 * answers with a clone, for a local address with a local route):
	 * cached clones, local/broadcast/multicast types, and IPv6
	 * source-specific routes (their identity includes the source).
	 */
	type = codec_index(rtn_of, sizeof(rtn_of), rtm->rtm_type);
	r->type = type < 0 ? ROUTE_UNICAST : (enum route_type)type;
	modelled = !(rtm->rtm_flags & RTM_F_CLONED) && type >= 0 && !rtm->rtm_src_len;
	err = decode_prefix(tb[RTA_DST], rtm->rtm_family, rtm->rtm_dst_len, &r->dst);
	if (err < 0)
		return err;
	/* The kernel keeps routes masked: stray host bits are no part of the route's identity. */
	r->dst = prefix_network(&r->dst);
	r->table = rtm->rtm_table;
	r->protocol = rtm->rtm_protocol;
	out->local = rtm->rtm_type == RTN_LOCAL;
	err = decode_attrs(tb, rtm->rtm_type, out);
	if (err < 0)
		return err;
	/*
	 * Scope 0 in the model means "as ip would choose", so that a route
	 * compiled without a scope reads back equal. (A foreign IPv4 device
	 * route of universe scope reads back as 0 too: the model cannot tell.)
	 */
	r->scope = rtm->rtm_scope == route_default_scope(r->dst.family, r->type, out->gateway)
		       ? 0
		       : rtm->rtm_scope;
	return modelled ? 0 : 1;
}
