/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_DAEMON_PROBE_H
#define WGP_DAEMON_PROBE_H

/*
 * One target's probing, without sockets: when the next echo goes out, which
 * are overdue, what an answer or a loss does to the target's health.
 *
 * Probes go out every `interval`, each lost when unanswered after `timeout`;
 * `down` losses in a row take the target down, `up` answers in a row bring it
 * back. After a loss the target is suspect: until it answers or is down, the
 * probes go out `down` times as often (every interval/down), so the losses
 * that confirm it come within about one more timeout instead of `down - 1`
 * more intervals. Several probes may then be out at once; an answer to one
 * speaks for those sent before it too (the path works), so they count as
 * neither lost nor answered.
 */

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "conf/conf.h"

#define PROBE_WINDOW 8 /* probes out at once, at most */

struct probe {
	const struct conf_policy *policy;
	size_t index; /* in policy->via */
	const char *ifname;
	struct prefix addr; /* what is probed; family 0: nothing to probe */
	struct probe_check check;
	int fd;
	uint16_t id, seq; /* seq: of the last probe sent */
	bool up;             /* the probes' verdict */
	bool handshake_dead; /* the handshakes' verdict (health.h) */
	unsigned losses, answers; /* in a row */
	uint64_t next_send_ms;
	struct {
		uint16_t seq;
		uint64_t sent_ms;
	} out[PROBE_WINDOW]; /* unanswered, oldest first */
	unsigned n_out;
	uint32_t rtt_ms;
	uint64_t sent, lost; /* counters for status and metrics */
	time_t last_change;
};

/* Is a probe due at @now (the window has room)? */
bool probe_due(const struct probe *pr, uint64_t now);
/* A probe goes out at @now: its sequence number. */
uint16_t probe_sending(struct probe *pr, uint64_t now);
/* An echo reply with sequence @seq at @now; true when the target came up. */
bool probe_answer(struct probe *pr, uint16_t seq, uint64_t now);
/* A probe that could not be sent at all counts as lost at once; true when the target went down. */
bool probe_unsent(struct probe *pr, uint64_t now);
/* Probes unanswered for `timeout` are lost; true when the target went down. */
bool probe_expire(struct probe *pr, uint64_t now);
/* The next moment something is due: a probe to send or one to expire. */
uint64_t probe_next_event(const struct probe *pr);

#endif
