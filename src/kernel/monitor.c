// SPDX-License-Identifier: GPL-2.0-or-later
#include "kernel/monitor.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>

struct monitor {
	struct mnl_socket *route, *nft;
};

#define DRAIN_MAX 256 /* reads per drain: a storm cannot hold the loop; epoll calls again */

/*
 * A burst of changes (a flush of many routes) must not overrun us needlessly:
 * a large buffer, beyond net.core.rmem_max where CAP_NET_ADMIN allows it.
 * SOL_SOCKET, not mnl_socket_setsockopt's SOL_NETLINK, where SO_RCVBUF's
 * number is NETLINK_LISTEN_ALL_NSID: notifications from every namespace.
 */
static void set_rcvbuf(struct mnl_socket *s, int rcvbuf)
{
	int fd = mnl_socket_get_fd(s);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
}

static struct mnl_socket *subscribe(int bus, const unsigned *groups, size_t n, int rcvbuf)
{
	struct mnl_socket *s = mnl_socket_open2(bus, SOCK_NONBLOCK | SOCK_CLOEXEC);
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
	set_rcvbuf(s, rcvbuf > 0 ? rcvbuf : MONITOR_RCVBUF);
	return s;
fail:
	mnl_socket_close(s);
	return NULL;
}

struct monitor *monitor_open(int rcvbuf)
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
			     sizeof(route_groups) / sizeof(*route_groups), rcvbuf);
	/* Without nftables in the kernel there is simply nothing to watch there. */
	m->nft = subscribe(NETLINK_NETFILTER, nft_groups, 1, rcvbuf);
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
	bool overrun = false;
	int count = 0, reads;

	/*
	 * The kernel says ENOBUFS once, then delivers what it kept: read on, as
	 * what it kept is older than the resync the caller will make.
	 */
	for (reads = 0; reads < DRAIN_MAX; reads++) {
		ssize_t n = mnl_socket_recvfrom(s, buf, sizeof(buf));
		const struct nlmsghdr *nlh = (const void *)buf;
		int len = (int)n;

		if (n < 0 && errno == ENOBUFS) {
			overrun = true;
			continue;
		}
		if (n <= 0)
			break;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			count++;
	}
	return overrun ? -ENOBUFS : count;
}
