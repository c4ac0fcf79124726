// SPDX-License-Identifier: GPL-2.0-or-later
#include "kernel/conntrack.h"

#include <errno.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

struct flush {
	const struct flow_match *m;
	struct nfct_handle *del; /* a dump's handle cannot send while it receives */
	unsigned deleted;
	int err;
};

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP ||
	       proto == IPPROTO_DCCP || proto == IPPROTO_UDPLITE;
}

static void tuple_of(const struct nf_conntrack *ct, struct flow_tuple *t)
{
	memset(t, 0, sizeof(*t));
	t->family = nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO);
	if (t->family == AF_INET) {
		memcpy(t->src, nfct_get_attr(ct, ATTR_ORIG_IPV4_SRC), 4);
		memcpy(t->dst, nfct_get_attr(ct, ATTR_ORIG_IPV4_DST), 4);
	} else if (t->family == AF_INET6) {
		memcpy(t->src, nfct_get_attr(ct, ATTR_ORIG_IPV6_SRC), 16);
		memcpy(t->dst, nfct_get_attr(ct, ATTR_ORIG_IPV6_DST), 16);
	}
	t->proto = nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO);
	if (has_ports(t->proto)) {
		t->sport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_SRC));
		t->dport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));
	}
	t->mark = nfct_attr_is_set(ct, ATTR_MARK) > 0 ? nfct_get_attr_u32(ct, ATTR_MARK) : 0;
}

static int on_entry(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *data)
{
	struct flush *f = data;
	struct flow_tuple t;

	(void)type;
	tuple_of(ct, &t);
	if (t.family != AF_INET && t.family != AF_INET6)
		return NFCT_CB_CONTINUE;
	if (!flow_matches(f->m, &t))
		return NFCT_CB_CONTINUE;
	/* Gone meanwhile (it timed out, or its flow ended): nothing left to do. */
	if (!nfct_query(f->del, NFCT_Q_DESTROY, ct))
		f->deleted++;
	else if (errno != ENOENT && !f->err)
		f->err = -errno;
	return NFCT_CB_CONTINUE;
}

int conntrack_flush(const struct flow_match *m, unsigned *deleted)
{
	struct nfct_handle *dump = nfct_open(CONNTRACK, 0);
	struct flush f = { m, nfct_open(CONNTRACK, 0), 0, 0 };
	uint32_t family = AF_UNSPEC; /* both */
	int err = 0;

	*deleted = 0;
	if (!dump || !f.del) {
		err = errno ? -errno : -ENOMEM;
		goto out;
	}
	nfct_callback_register(dump, NFCT_T_ALL, on_entry, &f);
	if (nfct_query(dump, NFCT_Q_DUMP, &family))
		err = -errno;
	*deleted = f.deleted;
	if (!err)
		err = f.err;
out:
	if (dump)
		nfct_close(dump);
	if (f.del)
		nfct_close(f.del);
	return err;
}
