// SPDX-License-Identifier: GPL-2.0-or-later
/* Building and validating netlink messages in memory: pure, no socket (see nl.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "kernel/nl.h"

void *nl_msg_init(struct nl_msg *m, void *buf, size_t cap, uint16_t type, uint16_t flags,
		  size_t hdrlen)
{
	m->nlh = NULL;
	m->cap = cap;
	m->overflow = true;
	if (cap < MNL_NLMSG_HDRLEN + MNL_ALIGN(hdrlen) || cap > UINT32_MAX)
		return NULL;
	m->overflow = false;
	m->nlh = mnl_nlmsg_put_header(buf);
	m->nlh->nlmsg_type = type;
	m->nlh->nlmsg_flags = flags;
	return hdrlen ? mnl_nlmsg_put_extra_header(m->nlh, hdrlen) : mnl_nlmsg_get_payload(m->nlh);
}

void *nl_genl_msg_init(struct nl_msg *m, void *buf, size_t cap, uint16_t family, uint8_t cmd,
		       uint8_t version, uint16_t flags)
{
	struct genlmsghdr *g = nl_msg_init(m, buf, cap, family, flags, sizeof(*g));

	if (g) {
		g->cmd = cmd;
		g->version = version;
	}
	return g;
}

void nl_put(struct nl_msg *m, uint16_t type, const void *data, size_t len)
{
	size_t at;

	/* mnl takes a uint16_t length: a longer payload must not wrap around. */
	if (m->overflow || len > UINT16_MAX - MNL_ATTR_HDRLEN) {
		m->overflow = true;
		return;
	}
	at = m->nlh->nlmsg_len + MNL_ATTR_HDRLEN + len;
	if (!mnl_attr_put_check(m->nlh, m->cap, type, len, data)) {
		m->overflow = true;
		return;
	}
	/* libmnl before 1.0.5 leaves the padding as the buffer had it: the same object, other
	 * bytes. */
	memset((uint8_t *)m->nlh + at, 0, MNL_ALIGN(len) - len);
}

void nl_put_u8(struct nl_msg *m, uint16_t type, uint8_t v)
{
	nl_put(m, type, &v, sizeof(v));
}

void nl_put_u16(struct nl_msg *m, uint16_t type, uint16_t v)
{
	nl_put(m, type, &v, sizeof(v));
}

void nl_put_u32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	nl_put(m, type, &v, sizeof(v));
}

void nl_put_u64(struct nl_msg *m, uint16_t type, uint64_t v)
{
	nl_put(m, type, &v, sizeof(v));
}

void nl_put_str(struct nl_msg *m, uint16_t type, const char *s)
{
	nl_put(m, type, s, strlen(s) + 1);
}

struct nlattr *nl_nest_start(struct nl_msg *m, uint16_t type)
{
	struct nlattr *nest = NULL;

	if (!m->overflow)
		nest = mnl_attr_nest_start_check(m->nlh, m->cap, type);
	if (!nest)
		m->overflow = true;
	return nest;
}

void nl_nest_end(struct nl_msg *m, struct nlattr *nest)
{
	if (nest && !m->overflow)
		mnl_attr_nest_end(m->nlh, nest);
}

int nl_msg_end(const struct nl_msg *m)
{
	return m->overflow ? -EMSGSIZE : (int)m->nlh->nlmsg_len;
}

const void *nl_msg_header(const struct nlmsghdr *nlh, size_t hdrlen)
{
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + hdrlen)
		return NULL;
	return mnl_nlmsg_get_payload(nlh);
}

static bool attr_valid(const struct nlattr *a, const struct nl_policy *p)
{
	size_t len = a->nla_len - MNL_ATTR_HDRLEN;
	const char *s = mnl_attr_get_payload(a);
	static const uint8_t fixed[] = {
	    [NL_A_U8] = 1,
	    [NL_A_U16] = 2,
	    [NL_A_U32] = 4,
	    [NL_A_U64] = 8,
	};

	switch (p->kind) {
	case NL_A_U8:
	case NL_A_U16:
	case NL_A_U32:
	case NL_A_U64:
		return len == fixed[p->kind];
	case NL_A_STRING:
		return len > 0 && memchr(s, '\0', len) && (!p->len || len <= p->len);
	case NL_A_BINARY:
		return !p->len || len == p->len;
	case NL_A_FLAG:
		return len == 0;
	default:
		return true;
	}
}

/*
 * Attributes in [p, p + len). Unlike mnl_attr_parse, a truncated attribute
 * is an error rather than the silent end of the list: a dump parser must not
 * take half a message for a whole one.
 */
static int parse_attrs(const uint8_t *p, size_t len, const struct nl_policy *pol, uint16_t maxtype,
		       const struct nlattr **tb)
{
	memset(tb, 0, ((size_t)maxtype + 1) * sizeof(*tb));
	while (len >= MNL_ATTR_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		uint16_t type = a->nla_type & NLA_TYPE_MASK;
		size_t step = MNL_ALIGN(a->nla_len);

		if (a->nla_len < MNL_ATTR_HDRLEN || a->nla_len > len)
			return -EBADMSG;
		if (type <= maxtype && pol[type].kind != NL_A_UNSPEC) {
			if (!attr_valid(a, &pol[type]))
				return -EBADMSG;
			tb[type] = a;
		}
		/* The last attribute's padding may be missing. */
		if (step > len)
			step = len;
		p += step;
		len -= step;
	}
	return len ? -EBADMSG : 0;
}

int nl_parse(const struct nlmsghdr *nlh, size_t hdrlen, const struct nl_policy *pol,
	     uint16_t maxtype, const struct nlattr **tb)
{
	size_t off = MNL_NLMSG_HDRLEN + MNL_ALIGN(hdrlen);

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + hdrlen)
		return -EBADMSG;
	if (nlh->nlmsg_len <= off)
		return parse_attrs(NULL, 0, pol, maxtype, tb);
	return parse_attrs((const uint8_t *)nlh + off, nlh->nlmsg_len - off, pol, maxtype, tb);
}

int nl_parse_nested(const struct nlattr *nest, const struct nl_policy *pol, uint16_t maxtype,
		    const struct nlattr **tb)
{
	return parse_attrs(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest), pol, maxtype,
			   tb);
}

int nl_parse_buf(const void *p, size_t len, const struct nl_policy *pol, uint16_t maxtype,
		 const struct nlattr **tb)
{
	return parse_attrs(p, len, pol, maxtype, tb);
}

int nl_attr_addr(const struct nlattr *a, uint8_t family, uint8_t out[16])
{
	size_t want = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;

	if (!want || mnl_attr_get_payload_len(a) != want)
		return -EBADMSG;
	memset(out, 0, 16);
	memcpy(out, mnl_attr_get_payload(a), want);
	return 0;
}
