// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wgpolicy doctor --probe: the checklist's "ping with large packets and the
 * DF flag", through each tunnel. An echo of the tunnel's whole MTU that is
 * lost while a small one comes back is a path MTU black hole: the tunnel's
 * MTU is above what the path under it carries.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cmd/doctor.h"
#include "util/icmp.h"

#define IPV4_HEADER 20
#define SMALL_PROBE 84 /* ping's default: 56 bytes of data */
#define TRIES	    3
#define WAIT_MS	    1000

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Out of @ifname only, Don't Fragment, whatever the route's cached path MTU says. */
static int open_probe(const char *ifname)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	int pmtu = IP_PMTUDISC_PROBE;

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static bool is_reply(const uint8_t *b, ssize_t n, uint16_t id, uint16_t seq)
{
	size_t off = (size_t)(b[0] & 0x0f) * 4; /* raw IPv4 sockets get the IP header */

	return n >= (ssize_t)off + 8 && b[off] == ICMP_ECHOREPLY &&
	       !memcmp(b + off + 4, &(uint16_t){htons(id)}, 2) &&
	       !memcmp(b + off + 6, &(uint16_t){htons(seq)}, 2);
}

/* Wait for the reply to (@id, @seq) until @deadline; bounded by the clock. */
static bool await(int fd, uint16_t id, uint16_t seq, int64_t deadline)
{
	static uint8_t buf[65536];
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int64_t left;

	while ((left = deadline - now_ms()) > 0 && poll(&pfd, 1, (int)left) > 0) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n > 0 && is_reply(buf, n, id, seq))
			return true;
	}
	return false;
}

/* 1 answered, 0 not, or a negative errno: an echo of @size bytes (IP header included). */
static int df_echo(const char *ifname, const struct prefix *dst, size_t size)
{
	static uint8_t pkt[65536];
	struct sockaddr_in sin = {.sin_family = AF_INET};
	uint16_t id = (uint16_t)getpid(), seq, sum;
	size_t len = size - IPV4_HEADER;
	int fd = open_probe(ifname), ret = 0;

	if (fd < 0)
		return fd;
	memcpy(&sin.sin_addr, dst->addr, 4);
	for (seq = 1; seq <= TRIES && !ret; seq++) {
		memset(pkt, 0, len);
		pkt[0] = ICMP_ECHO;
		memcpy(pkt + 4, &(uint16_t){htons(id)}, 2);
		memcpy(pkt + 6, &(uint16_t){htons(seq)}, 2);
		sum = icmp_checksum(pkt, len);
		memcpy(pkt + 2, &sum, 2);
		if (sendto(fd, pkt, len, 0, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			ret = -errno;
		else if (await(fd, id, seq, now_ms() + WAIT_MS))
			ret = 1;
	}
	close(fd);
	return ret;
}

/* What to ping through @iface: a policy target's probe address, else its peers' own. */
static bool probe_addr(const struct conf *c, const struct conf_iface *iface, struct prefix *out)
{
	struct target self = {
	    .kind = TARGET_IFACE, .iface_name = iface->name, .iface = (struct conf_iface *)iface};

	vec_foreach(p, &c->policies)
	    vec_foreach(t, &(*p)->via) if (t->iface == iface && target_probe_addr(*p, t, out) &&
					   out->family == FAMILY_V4) return true;
	return target_probe_addr(NULL, &self, out) && out->family == FAMILY_V4;
}

static void probe_link(struct findings *f, const struct conf *c, const struct st_link *l)
{
	const struct conf_iface *iface = conf_find_iface(c, l->name);
	char a[PREFIX_STRLEN];
	struct prefix addr;
	int big, small;

	if (!iface || !probe_addr(c, iface, &addr)) {
		finding_add(f, "mtu-probe", LEVEL_WARN, "give its peer an IPv4 Probe = ADDR",
			    "%s: no IPv4 address to ping through it", l->name);
		return;
	}
	prefix_format(&addr, a, false);
	big = df_echo(l->name, &addr, l->mtu);
	small = big == 1 ? 1 : df_echo(l->name, &addr, SMALL_PROBE);
	if (big == 1)
		finding_add(f, "mtu-probe", LEVEL_OK, NULL,
			    "%s: %u bytes, Don't Fragment, to %s and back", l->name, l->mtu, a);
	else if (small == 1)
		finding_add(f, "mtu-probe", LEVEL_FAIL, "lower the tunnel's MTU (or MTU = auto)",
			    "%s: %u bytes with Don't Fragment to %s are lost, %u bytes come back: "
			    "the path under the tunnel carries less than its MTU",
			    l->name, l->mtu, a, SMALL_PROBE);
	else
		finding_add(f, "mtu-probe", LEVEL_WARN, "Probe = an address that answers pings",
			    "%s: %s answers no ping through it%s%s", l->name, a,
			    small < 0 ? ": " : "", small < 0 ? strerror(-small) : "");
}

void check_mtu_probe(struct findings *f, struct engine *e)
{
	vec_foreach(l, &e->live->links) if (l->owned && l->up) probe_link(f, e->conf, l);
}
