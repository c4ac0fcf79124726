// SPDX-License-Identifier: GPL-2.0-or-later
#include "kernel/monitor.h"

#include <errno.h>
#include <stdlib.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>

struct monitor {
	struct mnl_socket *route, *nft;
};

static struct mnl_socket *subscribe(int bus, const unsigned *groups, size_t n)
{
	struct mnl_socket *s = mnl_socket_open2(bus, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int rcvbuf = 4 << 20;
	size_t i;

	if (!s)
		return NULL;
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	for (i = 0; i < n; i++) {
		int g = (int)groups[i];

		if (mnl_socket_setsockopt(s, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0)
			goto fail;
	}
	/* A burst of changes (a flush of many routes) must not overrun us needlessly. */
	mnl_socket_setsockopt(s, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return s;
fail:
	mnl_socket_close(s);
	return NULL;
}

struct monitor *monitor_open(void)
{
	static const unsigned route_groups[] = {
		RTNLGRP_LINK,	     RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
		RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_RULE,	 RTNLGRP_IPV6_RULE,
	};
	static const unsigned nft_groups[] = { NFNLGRP_NFTABLES };
	struct monitor *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->route = subscribe(NETLINK_ROUTE, route_groups,
			     sizeof(route_groups) / sizeof(*route_groups));
	/* Without nftables in the kernel there is simply nothing to watch there. */
	m->nft = subscribe(NETLINK_NETFILTER, nft_groups, 1);
	if (!m->route) {
		monitor_close(m);
		return NULL;
	}
	return m;
}

void monitor_close(struct monitor *m)
{
	if (!m)
		return;
	if (m->route)
		mnl_socket_close(m->route);
	if (m->nft)
		mnl_socket_close(m->nft);
	free(m);
}

int monitor_fd_route(const struct monitor *m)
{
	return mnl_socket_get_fd(m->route);
}

int monitor_fd_nft(const struct monitor *m)
{
	return m->nft ? mnl_socket_get_fd(m->nft) : -1;
}

int monitor_drain(struct monitor *m, int fd)
{
	struct mnl_socket *s = fd == monitor_fd_route(m) ? m->route : m->nft;
	char buf[32768]; /* MNL_SOCKET_BUFFER_SIZE is a run-time value */
	int count = 0;
	ssize_t n;

	while ((n = mnl_socket_recvfrom(s, buf, sizeof(buf))) > 0) {
		const struct nlmsghdr *nlh = (const void *)buf;
		int len = (int)n;

		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			count++;
	}
	if (n < 0 && errno == ENOBUFS)
		return -ENOBUFS;
	return count;
}
