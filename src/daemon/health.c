// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/health.h"

#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/icmp.h"
#include "util/log.h"

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void probe_target(struct probe *pr, const struct conf_policy *p, const struct target *t)
{
	static const struct probe_check dflt = { .interval_ms = CHECK_DEFAULT_INTERVAL_MS,
						 .timeout_ms = CHECK_DEFAULT_TIMEOUT_MS,
						 .down = CHECK_DEFAULT_DOWN,
						 .up = CHECK_DEFAULT_UP };

	pr->check = IS_SET(p->check) ? p->check.v : dflt;
	target_probe_addr(p, t, &pr->addr);
}

static int open_socket(struct probe *pr)
{
	bool v4 = pr->addr.family == FAMILY_V4;
	int fd = socket(v4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);

	if (fd < 0)
		return -errno;
	/* Out of this tunnel and no other, whatever the routing tables say. */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, pr->ifname, (socklen_t)strlen(pr->ifname))) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (!v4) {
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	}
	pr->fd = fd;
	return 0;
}

static void ensure_socket(struct health *h, struct probe *pr)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (pr->fd >= 0 || !pr->addr.family || open_socket(pr))
		return;
	ev.data.fd = pr->fd;
	epoll_ctl(h->epfd, EPOLL_CTL_ADD, pr->fd, &ev);
}

int health_init(struct health *h, const struct conf *c, int epfd)
{
	size_t n = 0;

	memset(h, 0, sizeof(*h));
	h->epfd = epfd;
	vec_foreach(p, &c->policies)
		n += (*p)->via.n;
	h->v = calloc(n + 1, sizeof(*h->v));
	if (!h->v)
		return -ENOMEM;
	vec_foreach(it, &c->policies) {
		size_t i;

		for (i = 0; i < (*it)->via.n; i++) {
			const struct target *t = &(*it)->via.v[i];
			struct probe *pr;

			/* One target alone has nothing to fail over to: no probe needed. */
			if (!t->iface || (*it)->via.n < 2)
				continue;
			pr = &h->v[h->n++];
			pr->policy = *it;
			pr->index = i;
			pr->ifname = t->iface->name;
			pr->fd = -1;
			pr->up = true;
			pr->id = (uint16_t)(getpid() ^ (h->n << 8));
			probe_target(pr, *it, t);
		}
	}
	return 0;
}

void health_free(struct health *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->v[i].fd >= 0)
			close(h->v[i].fd);
	free(h->v);
	memset(h, 0, sizeof(*h));
}

static const struct probe *find_same(const struct health *h, const struct probe *pr)
{
	const struct target *t = &pr->policy->via.v[pr->index];
	size_t i;

	for (i = 0; i < h->n; i++) {
		const struct probe *o = &h->v[i];

		if (!strcmp(o->policy->name, pr->policy->name) &&
		    conf_target_same(&o->policy->via.v[o->index], t))
			return o;
	}
	return NULL;
}

void health_carry(struct health *to, const struct health *from)
{
	size_t i;

	for (i = 0; i < to->n; i++) {
		struct probe *pr = &to->v[i];
		const struct probe *o = find_same(from, pr);

		if (!o)
			continue;
		pr->up = o->up;
		pr->handshake_dead = o->handshake_dead;
		pr->losses = o->losses;
		pr->answers = o->answers;
		pr->rtt_ms = o->rtt_ms;
		pr->sent = o->sent;
		pr->lost = o->lost;
		pr->last_change = o->last_change;
	}
}

bool health_up(const struct probe *pr)
{
	return pr->up && !pr->handshake_dead;
}

bool health_target_up(const void *ctx, const struct conf_policy *p, size_t i)
{
	const struct health *h = ctx;
	size_t k;

	for (k = 0; k < h->n; k++)
		if (h->v[k].policy == p && h->v[k].index == i)
			return health_up(&h->v[k]);
	return true;
}

static bool set_handshake(struct probe *pr, bool dead, uint64_t age_ms)
{
	bool was = health_up(pr);
	char name[64];
	const char *target = target_name(&pr->policy->via.v[pr->index], name, sizeof(name));

	if (pr->handshake_dead == dead)
		return false;
	pr->handshake_dead = dead;
	if (dead)
		log_note("policy %s: target %s is down (no handshake for %llus from its peers "
			 "with PersistentKeepalive)",
			 pr->policy->name, target, (unsigned long long)(age_ms / 1000));
	else
		log_note("policy %s: target %s has a new handshake%s", pr->policy->name, target,
			 health_up(pr) ? ": up again" : " (its probes still fail)");
	if (was == health_up(pr))
		return false;
	pr->last_change = time(NULL);
	return true;
}

bool health_handshakes(struct health *h, const struct peers *w, uint64_t now)
{
	bool changed = false;
	size_t i;

	for (i = 0; i < h->n; i++) {
		const struct probe *pr = &h->v[i];
		uint64_t age;
		bool dead = target_handshakes_dead(w, &pr->policy->via.v[pr->index], now, &age);

		changed |= set_handshake(&h->v[i], dead, age);
	}
	return changed;
}

static void send_probe(struct probe *pr, uint64_t now)
{
	uint8_t pkt[16] = { 0 };
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;

	pkt[0] = pr->addr.family == FAMILY_V4 ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	memcpy(pkt + 4, &(uint16_t){ htons(pr->id) }, 2);
	memcpy(pkt + 6, &(uint16_t){ htons(probe_sending(pr, now)) }, 2);
	if (pr->addr.family == FAMILY_V4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		uint16_t sum = icmp_checksum(pkt, sizeof(pkt));

		memcpy(pkt + 2, &sum, 2);
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, pr->addr.addr, 4);
		sl = sizeof(*sin);
	} else {
		/* The kernel computes ICMPv6 checksums of raw sockets itself. */
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, pr->addr.addr, 16);
		sl = sizeof(*sin6);
	}
	/* A send that fails is a loss like any other, at the deadline; a gone device, a new socket. */
	if (sendto(pr->fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&ss, sl) < 0 &&
	    (errno == ENODEV || errno == ENXIO)) {
		close(pr->fd);
		pr->fd = -1;
	}
}

/* Log a change of a target's state: what, and the probes that made it. */
static bool changed_state(const struct probe *pr, bool changed)
{
	char buf[PREFIX_STRLEN], name[64];

	if (changed)
		log_note("policy %s: target %s is %s (probe %s: %u %s in a row)", pr->policy->name,
			 target_name(&pr->policy->via.v[pr->index], name, sizeof(name)),
			 pr->up ? "up again" : "down", prefix_format(&pr->addr, buf, false),
			 pr->up ? pr->answers : pr->losses, pr->up ? "answers" : "losses");
	return changed;
}

bool health_tick(struct health *h, uint64_t now)
{
	bool changed = false;
	size_t i;

	for (i = 0; i < h->n; i++) {
		struct probe *pr = &h->v[i];

		changed |= changed_state(pr, probe_expire(pr, now));
		if (!probe_due(pr, now))
			continue;
		ensure_socket(h, pr);
		/* No socket (no such tunnel now): that probe is lost too. */
		if (pr->fd >= 0)
			send_probe(pr, now);
		else
			changed |= changed_state(pr, probe_unsent(pr, now));
	}
	return changed;
}

int health_timeout(const struct health *h, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	size_t i;

	for (i = 0; i < h->n; i++) {
		uint64_t t = probe_next_event(&h->v[i]);

		if (t < next)
			next = t;
	}
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

/* An echo reply with our id from the address probed: its sequence number in @seq. */
static bool is_reply(const struct probe *pr, const uint8_t *b, ssize_t n, const void *from,
		     uint16_t *seq)
{
	size_t off = 0;

	if (pr->addr.family == FAMILY_V4) {
		off = (size_t)(b[0] & 0x0f) * 4; /* raw IPv4 sockets get the IP header */
		if (n < (ssize_t)off + 8 || b[off] != ICMP_ECHOREPLY ||
		    memcmp(&((const struct sockaddr_in *)from)->sin_addr, pr->addr.addr, 4))
			return false;
	} else if (n < 8 || b[0] != ICMP6_ECHO_REPLY ||
		   memcmp(&((const struct sockaddr_in6 *)from)->sin6_addr, pr->addr.addr, 16)) {
		return false;
	}
	*seq = ntohs(*(const uint16_t *)(b + off + 6));
	return ntohs(*(const uint16_t *)(b + off + 4)) == pr->id;
}

bool health_read(struct health *h, int fd, uint64_t now)
{
	bool changed = false;
	size_t i;

	for (i = 0; i < h->n; i++) {
		struct probe *pr = &h->v[i];
		uint8_t buf[512];
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		uint16_t seq;
		ssize_t n;

		if (pr->fd != fd)
			continue;
		while ((n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl)) > 0) {
			if (is_reply(pr, buf, n, &from, &seq))
				changed |= changed_state(pr, probe_answer(pr, seq, now));
			fl = sizeof(from);
		}
	}
	return changed;
}

const char *health_describe(const struct probe *p, char *buf, size_t len)
{
	char a[PREFIX_STRLEN];

	if (!p->addr.family)
		snprintf(buf, len, "no probe address (give Check or the peer's Probe)");
	else
		snprintf(buf, len, "probe %s every %ums, timeout %ums, down %u, up %u",
			 prefix_format(&p->addr, a, false), p->check.interval_ms,
			 p->check.timeout_ms, p->check.down, p->check.up);
	return buf;
}

bool health_handshake_down(const struct health *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->v[i].handshake_dead)
			return true;
	return false;
}

const char *health_describe_handshake(const struct probe *pr, char *buf, size_t len)
{
	const struct target *t = &pr->policy->via.v[pr->index];
	struct arena a;
	size_t w = 0;

	arena_init(&a);
	vec_foreach(peer, &t->iface->peers) {
		const char *label;

		if (!target_judged_by(t, *peer) || w >= len)
			continue;
		label = peer_label(&a, *peer);
		w += (size_t)snprintf(buf + w, len - w, "%s%s has had none for %llus",
				      w ? " and " : "handshake: down when ", label ? label : "?",
				      (unsigned long long)session_dead_after_ms(peer_keepalive(*peer)) /
					      1000);
	}
	if (!w)
		snprintf(buf, len, "handshake: not judged (no peer with PersistentKeepalive)");
	arena_free(&a);
	return buf;
}
