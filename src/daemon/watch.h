/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_DAEMON_WATCH_H
#define WGP_DAEMON_WATCH_H

/*
 * What the daemon concludes from what WireGuard shows of each peer, and when
 * it looks an endpoint's host name up again. Pure: times come in as
 * arguments, so the rules are unit tested (tests/unit/test_watch.c).
 *
 * WireGuard's timers (the whitepaper, section 6.1): a session's keys are
 * renewed by a new handshake after REKEY_AFTER_TIME (120 s) when the
 * initiator sends, and refused after REJECT_AFTER_TIME (180 s), when the
 * next packet to send starts a new handshake; an unanswered handshake is
 * sent again every REKEY_TIMEOUT (5 s). A peer with PersistentKeepalive is
 * sent a packet at least every keepalive interval, so while it is reachable
 * its latest handshake is never older than REJECT_AFTER_TIME plus that
 * interval. An idle peer without keepalive is sent nothing and renews
 * nothing: an old handshake says nothing about it.
 */

#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"
#include "state/state.h"

#define WG_REJECT_AFTER_TIME_MS (180 * 1000)
#define WG_REKEY_TIMEOUT_MS (5 * 1000)
/*
 * Dead: no handshake for REJECT_AFTER_TIME + keepalive + three handshake
 * attempts. Stale: older than wireguard-tools' reresolve-dns.sh allows (135 s),
 * worth looking the endpoint's name up again, which costs nothing if wrong.
 */
#define SESSION_DEAD_MARGIN_MS (3 * WG_REKEY_TIMEOUT_MS)
#define SESSION_STALE_MS (135 * 1000)

/* A peer's session as the daemon saw it. Times in ms are monotonic. */
struct session {
	bool present;       /* the peer was in the live state at the last look */
	bool sending;       /* its transmitted bytes grew since the look before */
	int64_t handshake;  /* latest handshake as last seen, seconds since the epoch; 0: none */
	uint64_t tx_bytes;  /* as last seen */
	uint64_t seen_ms;   /* the last look */
	uint64_t fresh_ms;  /* the session was last known fresh: a handshake, or the watch began */
};

/* Watching begins: no verdict for a full grace period from @now_ms. */
void session_start(struct session *s, uint64_t now_ms);
/*
 * One look at the peer as WireGuard shows it (@p NULL: not there). @now_s is
 * the wall clock, which handshake times use; a new handshake counts from
 * when it happened, but never from before the previous look, so that a step
 * of the wall clock cannot age a session.
 */
void session_observe(struct session *s, const struct st_wgpeer *p, int64_t now_s,
		     uint64_t now_ms);
uint64_t session_age_ms(const struct session *s, uint64_t now_ms);
/* Past this age a peer with @keepalive (seconds) is dead; 0: never judged (no keepalive). */
uint64_t session_dead_after_ms(uint16_t keepalive);
bool session_dead(const struct session *s, uint16_t keepalive, uint64_t now_ms);
/* The peer should be alive (keepalive, or being sent to) and its handshake is old. */
bool session_stale(const struct session *s, uint16_t keepalive, uint64_t now_ms);
/* When a verdict changes next if nothing new is seen; 0: none will. */
uint64_t session_next_ms(const struct session *s, uint16_t keepalive);

/* The sessions of every configured peer. */
struct peer_watch {
	const struct conf_peer *peer;
	struct session s;
};

struct peers {
	struct peer_watch *v;
	size_t n;
	/* v's items by the address of their configured peer, for peers_find */
	const struct peer_watch **by_peer;
};

int peers_init(struct peers *w, const struct conf *c, uint64_t now_ms);
void peers_free(struct peers *w);
/* After a reload: a peer of the same interface and key keeps its session. */
void peers_carry(struct peers *to, const struct peers *from);
void peers_observe(struct peers *w, const struct state *live, int64_t now_s, uint64_t now_ms);
const struct session *peers_find(const struct peers *w, const struct conf_peer *peer);
uint64_t peers_next_ms(const struct peers *w);
uint16_t peer_keepalive(const struct conf_peer *peer);
/* The peers whose handshakes judge a target: its own, or its interface's, with keepalive. */
bool target_judged_by(const struct target *t, const struct conf_peer *peer);
/*
 * A target's handshakes say it is dead: each peer that judges it is dead, and
 * one does at least. @age_ms: the youngest of their sessions.
 */
bool target_handshakes_dead(const struct peers *w, const struct target *t, uint64_t now_ms,
			    uint64_t *age_ms);

/*
 * When a host name is looked up: again every interval after an answer
 * (0: only when asked), sooner after a failure, and at once when a stale
 * handshake asks, unless the last lookup ended less than LOOKUP_GAP_MS ago
 * (the handshake, still stale at a later look, asks again).
 */
#define LOOKUP_RETRY_MS (30 * 1000)
#define LOOKUP_GAP_MS (30 * 1000)

struct lookup_sched {
	bool busy;        /* a lookup is under way */
	uint64_t done_ms; /* the last one ended; 0: none yet */
	uint64_t due_ms;  /* the next one; 0: at once */
};

bool lookup_due(const struct lookup_sched *s, uint64_t now_ms);
void lookup_done(struct lookup_sched *s, bool answered, uint32_t interval_ms, uint64_t now_ms);
/* A stale handshake asks; true when that makes a lookup due now. */
bool lookup_hurry(struct lookup_sched *s, uint64_t now_ms);

#endif
