// SPDX-License-Identifier: GPL-2.0-or-later
/* What the object codecs share: addresses as attributes, dump requests (pure, see codec.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "kernel/codec.h"
#include "kernel/nl.h"

bool prefix_ok(const struct prefix *p)
{
	return (p->family == FAMILY_V4 || p->family == FAMILY_V6) &&
	       p->len <= prefix_max_len(p->family);
}

void put_addr(struct nl_msg *m, uint16_t type, const struct prefix *p)
{
	nl_put(m, type, p->addr, p->family == FAMILY_V4 ? 4 : 16);
}

int decode_prefix(const struct nlattr *a, uint8_t family, uint8_t len, struct prefix *p)
{
	memset(p, 0, sizeof(*p));
	if (len > prefix_max_len(family) || (len && !a))
		return -EBADMSG;
	p->family = family;
	p->len = len;
	return a ? nl_attr_addr(a, family, p->addr) : 0;
}

int codec_index(const uint8_t *table, size_t n, uint8_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (table[i] == v)
			return (int)i;
	return -1;
}

const void *decode_start(const struct nlmsghdr *nlh, uint16_t type, size_t hdrlen,
			 const struct nl_policy *pol, uint16_t maxtype, const struct nlattr **tb)
{
	const void *hdr = nl_msg_header(nlh, hdrlen);

	if (nlh->nlmsg_type != type || !hdr || nl_parse(nlh, hdrlen, pol, maxtype, tb) < 0)
		return NULL;
	return hdr;
}

int dump_encode(void *buf, size_t len, uint16_t type, uint8_t family)
{
	/* Each request type has its own header; a kernel with strict checking wants the exact one.
	 */
	size_t hdrlen = type == RTM_GETLINK    ? sizeof(struct ifinfomsg)
			: type == RTM_GETADDR  ? sizeof(struct ifaddrmsg)
			: type == RTM_GETROUTE ? sizeof(struct rtmsg)
			: type == RTM_GETRULE  ? sizeof(struct fib_rule_hdr)
					       : 0;
	uint8_t *hdr;
	struct nl_msg m;

	if (!hdrlen)
		return -EINVAL;
	hdr = nl_msg_init(&m, buf, len, type, NLM_F_REQUEST | NLM_F_DUMP, hdrlen);
	/* The family is the first byte of every one of them. */
	if (hdr)
		hdr[0] = family;
	return nl_msg_end(&m);
}
