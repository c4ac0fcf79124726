/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_DAEMON_HEALTH_H
#define WGP_DAEMON_HEALTH_H

/*
 * Health of each policy target, from ICMP echo probes sent through that
 * target alone (a raw socket bound to the tunnel's device, so no other path
 * can carry it or answer), counted by probe.h. Targets start up, so the
 * first choice is the first in Via until probes say otherwise.
 */

#include "daemon/probe.h"

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
/* Milliseconds until the next probe event (-1: none). */
int health_timeout(const struct health *h, uint64_t now);
/* Send due probes and expire late ones; true when some target changed state. */
bool health_tick(struct health *h, uint64_t now);
/* Read an answer on @fd; true when a target changed state. */
bool health_read(struct health *h, int fd, uint64_t now);
/* The probe address each target uses, or why none: for `check` and status. */
const char *health_describe(const struct probe *p, char *buf, size_t len);
uint64_t now_ms(void);

#endif
