/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_DAEMON_HEALTH_H
#define WGP_DAEMON_HEALTH_H

/*
 * Health of each policy target, from two inputs. Probes: ICMP echoes sent
 * through that target alone (a raw socket bound to the tunnel's device, so
 * no other path can carry it or answer), counted by probe.h. Handshakes: down
 * while every peer of the target that has PersistentKeepalive has had none
 * for longer than a reachable one can go without (daemon/watch.h); peers
 * without keepalive are not judged, since an idle session renews nothing. A
 * target is up when both say so. Targets start up, so the first choice is
 * the first in Via until the inputs say otherwise.
 */

#include "daemon/probe.h"
#include "daemon/watch.h"

struct health {
	struct probe *v;
	size_t n;
	int epfd; /* sockets opened later are watched here */
};

/*
 * One probe per target of every policy that has a choice. Sockets open when
 * their tunnel exists, and again when it was made anew (a socket bound to a
 * device follows its index, which a new device does not have).
 */
int health_init(struct health *h, const struct conf *c, int epfd);
void health_free(struct health *h);
/*
 * After a reload: each target of a policy of the same name keeps its state
 * and counters, so a reload neither revives a dead target nor forgets losses.
 */
void health_carry(struct health *to, const struct health *from);
/* The compiler's question: is target @i of @p up? */
bool health_target_up(const void *h, const struct conf_policy *p, size_t i);
/* Both inputs say the target is up. */
bool health_up(const struct probe *pr);
/* Judge each target by its peers' handshakes; true when some target changed state. */
bool health_handshakes(struct health *h, const struct peers *w, uint64_t now);
/* Some target is down for want of handshakes. */
bool health_handshake_down(const struct health *h);
/* Milliseconds until the next probe event (-1: none). */
int health_timeout(const struct health *h, uint64_t now);
/* Send due probes and expire late ones; true when some target changed state. */
bool health_tick(struct health *h, uint64_t now);
/* Read an answer on @fd; true when a target changed state. */
bool health_read(struct health *h, int fd, uint64_t now);
/* The probe address each target uses, or why none: for `check` and status. */
const char *health_describe(const struct probe *p, char *buf, size_t len);
/* Which peers' handshakes judge the target, and after how long: for `check` and status. */
const char *health_describe_handshake(const struct probe *p, char *buf, size_t len);
uint64_t now_ms(void);

#endif
