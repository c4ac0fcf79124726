// SPDX-License-Identifier: GPL-2.0-or-later
/* Addresses: RTM_NEWADDR/RTM_DELADDR requests and dump messages (pure, see codec.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "kernel/codec.h"
#include "kernel/nl.h"

int addr_encode(void *buf, size_t len, enum op_kind kind, const struct st_addr *a, int ifindex)
{
	const struct prefix *p = &a->addr;
	uint16_t type = kind == OP_DEL ? RTM_DELADDR : RTM_NEWADDR;
	uint16_t flags = kind == OP_DEL ? 0 : NLM_F_CREATE | NLM_F_EXCL;
	struct ifaddrmsg *ifa;
	struct nl_msg m;

	if (!prefix_ok(p) || ifindex <= 0 || kind == OP_CHANGE)
		return -EINVAL;
	ifa = nl_msg_init(&m, buf, len, type, NLM_F_REQUEST | flags, sizeof(*ifa));
	if (ifa) {
		ifa->ifa_family = p->family;
		ifa->ifa_prefixlen = p->len;
		ifa->ifa_index = (uint32_t)ifindex;
	}
	/*
	 * As `ip address` does: IFA_LOCAL is the address, IFA_ADDRESS the peer
	 * of a point-to-point link, which without a peer is the address itself.
	 */
	put_addr(&m, IFA_LOCAL, p);
	put_addr(&m, IFA_ADDRESS, p);
	return nl_msg_end(&m);
}

static const struct nl_policy addr_policy[IFA_MAX + 1] = {
    [IFA_ADDRESS] = {NL_A_BINARY, 0},
    [IFA_LOCAL] = {NL_A_BINARY, 0},
    [IFA_FLAGS] = {NL_A_U32, 0},
};

int addr_decode(const struct nlmsghdr *nlh, struct addr_msg *out)
{
	const struct nlattr *tb[IFA_MAX + 1];
	const struct ifaddrmsg *ifa =
	    decode_start(nlh, RTM_NEWADDR, sizeof(*ifa), addr_policy, IFA_MAX, tb);
	const struct nlattr *local;
	struct prefix *p = &out->addr.addr;
	int err;

	memset(out, 0, sizeof(*out));
	if (!ifa)
		return -EBADMSG;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 1;
	/* IPv4 names the local address IFA_LOCAL; IPv6 only sends it for a peer address. */
	local = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!local)
		return -EBADMSG;
	err = decode_prefix(local, ifa->ifa_family, ifa->ifa_prefixlen, p);
	if (err < 0)
		return err;
	out->ifindex = (int)ifa->ifa_index;
	out->scope = ifa->ifa_scope;
	/* ifa_flags holds only the low 8 bits; IFA_FLAGS all of them. */
	out->flags = tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	return 0;
}
