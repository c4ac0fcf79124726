// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Questions to the kernel's routing: the path MTU towards an address, as
 * wg-quick asks it; where a packet goes, as `ip route get` asks it.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/rtnetlink.h>

#include "kernel/codec.h"
#include "kernel/kernel.h"
#include "kernel/nl.h"

struct path {
	bool found;
	int oif;
	uint32_t table;
	uint32_t mtu;
	uint32_t metric;
};

/* The answer to RTM_GETROUTE: one route, a clone or a local one. */
static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct path *p = data;
	struct route_msg rm;
	int err = route_decode(nlh, &rm);

	if (err < 0)
		return err;
	*p = (struct path){.found = true, .oif = rm.oif, .table = rm.route.table, .mtu = rm.mtu};
	return 0;
}

/* `ip route show default`: the main table's IPv4 default routes, the best metric first. */
static int default_cb(const struct nlmsghdr *nlh, void *data)
{
	struct path *p = data;
	struct route_msg rm;
	int err = route_decode(nlh, &rm);

	if (err)
		return err < 0 ? err : 0;
	if (rm.route.table != RT_TABLE_MAIN || rm.route.dst.len || rm.route.type != ROUTE_UNICAST ||
	    !rm.oif || (p->found && rm.route.metric >= p->metric))
		return 0;
	*p = (struct path){.found = true,
			    .oif = rm.oif,
			    .table = rm.route.table,
			    .mtu = rm.mtu,
			    .metric = rm.route.metric};
	return 0;
}

static int link_mtu_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_msg lm;
	int err = link_decode(nlh, &lm);

	if (err)
		return err < 0 ? err : 0;
	*(uint32_t *)data = lm.link.mtu;
	return 0;
}

static int find_path(struct nl *nl, const struct prefix *dst, uint32_t mark, struct path *p)
{
	uint8_t buf[KMSG_MAX];
	int len = dst ? route_encode_get(buf, sizeof(buf), dst, mark)
		      : dump_encode(buf, sizeof(buf), RTM_GETROUTE, AF_INET);
	int err;

	if (len < 0)
		return len;
	err = nl_call(nl, (struct nlmsghdr *)buf, dst ? get_cb : default_cb, p, NULL);
	/* No route at all is an answer, not a failure: wg-quick then falls back to 1500. */
	if (err == -ENETUNREACH || err == -EHOSTUNREACH)
		return 0;
	return err;
}

static int link_mtu(struct nl *nl, int ifindex, struct link_mtus *memo, uint32_t *mtu)
{
	uint8_t buf[KMSG_MAX];
	int err;

	for (unsigned i = 0; memo && i < memo->n; i++)
		if (memo->ifindex[i] == ifindex) {
			*mtu = memo->mtu[i];
			return 0;
		}
	err = link_encode_get(buf, sizeof(buf), ifindex);
	err = err < 0 ? err : nl_call(nl, (struct nlmsghdr *)buf, link_mtu_cb, mtu, NULL);
	if (!err && memo && memo->n < LINK_MTUS_MAX) {
		memo->ifindex[memo->n] = ifindex;
		memo->mtu[memo->n++] = *mtu;
	}
	return err;
}

int kernel_route_mtu(struct nl *nl, const struct prefix *dst, uint32_t mark,
		     struct link_mtus *memo, struct route_path *out)
{
	struct path p = {0};
	int err = find_path(nl, dst, mark, &p);

	*out = (struct route_path){.oif = p.oif, .table = p.table, .mtu = p.mtu};
	if (err < 0 || !p.found || p.mtu || !p.oif)
		return err;
	return link_mtu(nl, p.oif, memo, &out->mtu);
}

static int answer_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_answer *a = data;
	struct route_msg rm;
	int err = route_decode(nlh, &rm);

	if (err < 0)
		return err;
	*a = (struct route_answer){
		.type = rm.route.type,
		.local = rm.local,
		.table = rm.route.table,
		.oif = rm.oif,
		.dst = rm.route.dst,
		.gw = rm.route.gw,
		.prefsrc = rm.prefsrc,
		.metric = rm.route.metric,
	};
	return 0;
}

int kernel_route_get(struct nl *nl, const struct route_query *q, struct route_answer *out)
{
	uint8_t buf[KMSG_MAX];
	int len = route_encode_query(buf, sizeof(buf), q);

	memset(out, 0, sizeof(*out));
	if (len < 0)
		return len;
	return nl_call(nl, (struct nlmsghdr *)buf, answer_cb, out, NULL);
}
