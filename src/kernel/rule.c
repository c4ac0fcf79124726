// SPDX-License-Identifier: GPL-2.0-or-later
/* Rules: RTM_NEWRULE/RTM_DELRULE requests and rule dump messages (pure, see codec.h). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include "kernel/codec.h"
#include "kernel/nl.h"

static const uint8_t fr_act_of[] = {
    [RULE_TO_TABLE] = FR_ACT_TO_TBL,
    [RULE_UNREACHABLE] = FR_ACT_UNREACHABLE,
    [RULE_BLACKHOLE] = FR_ACT_BLACKHOLE,
    [RULE_PROHIBIT] = FR_ACT_PROHIBIT,
};

static bool selector_ok(const struct prefix *p, uint8_t family)
{
	return !p->family || (p->family == family && prefix_ok(p));
}

static bool rule_ok(const struct st_rule *r)
{
	return (r->family == FAMILY_V4 || r->family == FAMILY_V6) &&
	       (unsigned)r->action < sizeof(fr_act_of) && selector_ok(&r->src, r->family) &&
	       selector_ok(&r->dst, r->family) && strnlen(r->iif, IFNAMSIZ) < IFNAMSIZ &&
	       strnlen(r->oif, IFNAMSIZ) < IFNAMSIZ;
}

static void put_ports(struct nl_msg *m, uint16_t type, const struct port_range *p)
{
	struct fib_rule_port_range range = {p->lo, p->hi};

	if (p->lo || p->hi)
		nl_put(m, type, &range, sizeof(range));
}

static void put_selectors(struct nl_msg *m, const struct st_rule *r)
{
	/* "from all" is no attribute at all: the kernel reads an absent FRA_SRC as length 0. */
	if (r->src.family && r->src.len)
		put_addr(m, FRA_SRC, &r->src);
	if (r->dst.family && r->dst.len)
		put_addr(m, FRA_DST, &r->dst);
	if (r->fwmask) {
		nl_put_u32(m, FRA_FWMARK, r->fwmark);
		nl_put_u32(m, FRA_FWMASK, r->fwmask);
	}
	if (r->iif[0])
		nl_put_str(m, FRA_IIFNAME, r->iif);
	if (r->oif[0])
		nl_put_str(m, FRA_OIFNAME, r->oif);
	if (r->has_uidrange) {
		struct fib_rule_uid_range uids = {r->uid_lo, r->uid_hi};

		nl_put(m, FRA_UID_RANGE, &uids, sizeof(uids));
	}
	if (r->ipproto)
		nl_put_u8(m, FRA_IP_PROTO, r->ipproto);
	put_ports(m, FRA_SPORT_RANGE, &r->sport);
	put_ports(m, FRA_DPORT_RANGE, &r->dport);
}

int rule_encode(void *buf, size_t len, enum op_kind kind, const struct st_rule *r)
{
	bool to_table = r->action == RULE_TO_TABLE;
	struct fib_rule_hdr *frh;
	struct nl_msg m;

	if ((kind != OP_ADD && kind != OP_DEL) || !rule_ok(r))
		return -EINVAL;
	/* EXCL: without it the kernel happily adds a second identical rule. */
	frh = nl_msg_init(&m, buf, len, kind == OP_ADD ? RTM_NEWRULE : RTM_DELRULE,
			  NLM_F_REQUEST | (kind == OP_ADD ? NLM_F_CREATE | NLM_F_EXCL : 0),
			  sizeof(*frh));
	if (frh) {
		frh->family = r->family;
		frh->src_len = r->src.family ? r->src.len : 0;
		frh->dst_len = r->dst.family ? r->dst.len : 0;
		frh->table = to_table && r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
		frh->action = fr_act_of[r->action];
		frh->flags = r->invert ? FIB_RULE_INVERT : 0;
	}
	/* Always: without FRA_PRIORITY the kernel picks one on add and matches any on delete. */
	nl_put_u32(&m, FRA_PRIORITY, r->priority);
	put_selectors(&m, r);
	if (to_table && r->table >= 256)
		nl_put_u32(&m, FRA_TABLE, r->table);
	if (r->suppress_prefixlen >= 0)
		nl_put_u32(&m, FRA_SUPPRESS_PREFIXLEN, (uint32_t)r->suppress_prefixlen);
	nl_put_u8(&m, FRA_PROTOCOL, r->protocol);
	return nl_msg_end(&m);
}

static const struct nl_policy rule_policy[FRA_MAX + 1] = {
    [FRA_DST] = {NL_A_BINARY, 0},
    [FRA_SRC] = {NL_A_BINARY, 0},
    [FRA_IIFNAME] = {NL_A_STRING, IFNAMSIZ},
    [FRA_PRIORITY] = {NL_A_U32, 0},
    [FRA_FWMARK] = {NL_A_U32, 0},
    [FRA_TUN_ID] = {NL_A_U64, 0},
    [FRA_SUPPRESS_PREFIXLEN] = {NL_A_U32, 0},
    [FRA_TABLE] = {NL_A_U32, 0},
    [FRA_FWMASK] = {NL_A_U32, 0},
    [FRA_OIFNAME] = {NL_A_STRING, IFNAMSIZ},
    [FRA_L3MDEV] = {NL_A_U8, 0},
    [FRA_UID_RANGE] = {NL_A_BINARY, sizeof(struct fib_rule_uid_range)},
    [FRA_PROTOCOL] = {NL_A_U8, 0},
    [FRA_IP_PROTO] = {NL_A_U8, 0},
    [FRA_SPORT_RANGE] = {NL_A_BINARY, sizeof(struct fib_rule_port_range)},
    [FRA_DPORT_RANGE] = {NL_A_BINARY, sizeof(struct fib_rule_port_range)},
};

static uint32_t get_u32(const struct nlattr *a, uint32_t dflt)
{
	return a ? mnl_attr_get_u32(a) : dflt;
}

static void get_str(const struct nlattr *a, char out[IFNAMSIZ])
{
	snprintf(out, IFNAMSIZ, "%s", a ? mnl_attr_get_str(a) : "");
}

static void get_ports(const struct nlattr *a, struct port_range *p)
{
	const struct fib_rule_port_range *range = a ? mnl_attr_get_payload(a) : NULL;

	*p = range ? (struct port_range){range->start, range->end} : (struct port_range){0, 0};
}

/* A selector: any (family 0) when the length is 0, as the kernel dumps it. */
static int get_selector(const struct nlattr *a, uint8_t family, uint8_t len, struct prefix *p)
{
	int err = decode_prefix(a, family, len, p);

	if (!err && !len)
		memset(p, 0, sizeof(*p));
	return err;
}

/*
 * What has no effect is left out, as rule_encode leaves it out: a mark under
 * an empty mask (it matches every mark), the table of a rule that looks up
 * none, a negative suppress_prefixlength (it never suppresses; ip refuses
 * one, the kernel stores it). Read as is, such a rule would differ from the
 * same rule compiled, and from what its deletion sends.
 */
static void decode_attrs(const struct nlattr **tb, struct st_rule *r)
{
	r->priority = get_u32(tb[FRA_PRIORITY], 0);
	r->table = r->action == RULE_TO_TABLE ? get_u32(tb[FRA_TABLE], r->table) : 0;
	r->fwmark = get_u32(tb[FRA_FWMARK], 0);
	/* A mark without a mask means the whole mark (the kernel's default). */
	r->fwmask = get_u32(tb[FRA_FWMASK], r->fwmark ? UINT32_MAX : 0);
	if (!r->fwmask)
		r->fwmark = 0;
	get_str(tb[FRA_IIFNAME], r->iif);
	get_str(tb[FRA_OIFNAME], r->oif);
	if (tb[FRA_UID_RANGE]) {
		const struct fib_rule_uid_range *u = mnl_attr_get_payload(tb[FRA_UID_RANGE]);

		r->has_uidrange = true;
		r->uid_lo = u->start;
		r->uid_hi = u->end;
	}
	r->ipproto = tb[FRA_IP_PROTO] ? mnl_attr_get_u8(tb[FRA_IP_PROTO]) : 0;
	get_ports(tb[FRA_SPORT_RANGE], &r->sport);
	get_ports(tb[FRA_DPORT_RANGE], &r->dport);
	r->suppress_prefixlen = (int32_t)get_u32(tb[FRA_SUPPRESS_PREFIXLEN], UINT32_MAX);
	if (r->suppress_prefixlen < 0)
		r->suppress_prefixlen = -1;
	r->protocol = tb[FRA_PROTOCOL] ? mnl_attr_get_u8(tb[FRA_PROTOCOL]) : 0;
}

int rule_decode(const struct nlmsghdr *nlh, struct st_rule *r)
{
	const struct nlattr *tb[FRA_MAX + 1];
	const struct fib_rule_hdr *frh =
	    decode_start(nlh, RTM_NEWRULE, sizeof(*frh), rule_policy, FRA_MAX, tb);
	int action, err;

	memset(r, 0, sizeof(*r));
	if (!frh)
		return -EBADMSG;
	action = codec_index(fr_act_of, sizeof(fr_act_of), frh->action);
	/*
	 * Not in the model: other families (ipmr, ...), goto and nop rules, and
	 * selectors it has no field for (tos, l3mdev, tunnel id). Read without
	 * them, such a rule would pass for a wider one.
	 */
	if ((frh->family != AF_INET && frh->family != AF_INET6) || action < 0 || frh->tos ||
	    tb[FRA_L3MDEV] || tb[FRA_TUN_ID])
		return 1;
	r->action = (enum rule_action)action;
	r->family = frh->family;
	r->invert = frh->flags & FIB_RULE_INVERT;
	r->table = frh->table;
	if ((err = get_selector(tb[FRA_SRC], frh->family, frh->src_len, &r->src)) < 0 ||
	    (err = get_selector(tb[FRA_DST], frh->family, frh->dst_len, &r->dst)) < 0)
		return err;
	decode_attrs(tb, r);
	return 0;
}
