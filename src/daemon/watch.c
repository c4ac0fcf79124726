// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/watch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void session_start(struct session *s, uint64_t now_ms)
{
	memset(s, 0, sizeof(*s));
	s->seen_ms = now_ms;
	s->fresh_ms = now_ms;
}

/* When a new handshake happened: by the wall clock, but not before the previous look. */
static uint64_t handshake_ms(const struct session *s, int64_t handshake, int64_t now_s,
			     uint64_t now_ms)
{
	int64_t age_s = now_s - handshake;
	uint64_t age = age_s > 0 ? (uint64_t)age_s * 1000 : 0, since_look = now_ms - s->seen_ms;

	return now_ms - (age < since_look ? age : since_look);
}

void session_observe(struct session *s, const struct st_wgpeer *p, int64_t now_s,
		     uint64_t now_ms)
{
	if (!p) {
		/* Gone (its interface made anew, say): a new peer gets a grace period. */
		session_start(s, now_ms);
		return;
	}
	if (!s->present || (s->handshake && !p->last_handshake_sec)) {
		/* New, back, or made anew: its handshake tells nothing of when yet. */
		s->fresh_ms = now_ms;
	} else if (p->last_handshake_sec != s->handshake) {
		uint64_t t = handshake_ms(s, p->last_handshake_sec, now_s, now_ms);

		if (t > s->fresh_ms)
			s->fresh_ms = t;
	}
	s->sending = s->present && p->tx_bytes > s->tx_bytes;
	s->present = true;
	s->handshake = p->last_handshake_sec;
	s->tx_bytes = p->tx_bytes;
	s->seen_ms = now_ms;
}

uint64_t session_age_ms(const struct session *s, uint64_t now_ms)
{
	return now_ms > s->fresh_ms ? now_ms - s->fresh_ms : 0;
}

uint64_t session_dead_after_ms(uint16_t keepalive)
{
	if (!keepalive)
		return 0;
	return WG_REJECT_AFTER_TIME_MS + (uint64_t)keepalive * 1000 + SESSION_DEAD_MARGIN_MS;
}

bool session_dead(const struct session *s, uint16_t keepalive, uint64_t now_ms)
{
	return keepalive && s->present && session_age_ms(s, now_ms) > session_dead_after_ms(keepalive);
}

bool session_stale(const struct session *s, uint16_t keepalive, uint64_t now_ms)
{
	return s->present && (keepalive || s->sending) &&
	       session_age_ms(s, now_ms) > SESSION_STALE_MS;
}

uint64_t session_next_ms(const struct session *s, uint16_t keepalive)
{
	uint64_t stale = s->fresh_ms + SESSION_STALE_MS + 1;
	uint64_t dead = s->fresh_ms + session_dead_after_ms(keepalive) + 1;

	/* An idle peer without keepalive is judged at the next look that finds it sending. */
	if (!s->present || (!keepalive && !s->sending))
		return 0;
	if (s->seen_ms < stale)
		return stale;
	return keepalive && s->seen_ms < dead ? dead : 0;
}

uint16_t peer_keepalive(const struct conf_peer *peer)
{
	return IS_SET(peer->keepalive) ? (uint16_t)peer->keepalive.v : 0;
}

static int cmp_peer_address(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)(*(const struct peer_watch *const *)a)->peer;
	uintptr_t y = (uintptr_t)(*(const struct peer_watch *const *)b)->peer;

	return x < y ? -1 : x > y;
}

/* Each a sorted list of pointers into @w->v: with 10,000 peers, no search may be linear. */
static const struct peer_watch **sorted_watches(const struct peers *w,
						int (*cmp)(const void *, const void *))
{
	const struct peer_watch **v = malloc((w->n + 1) * sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < w->n; i++)
		v[i] = &w->v[i];
	qsort(v, w->n, sizeof(*v), cmp);
	return v;
}

int peers_init(struct peers *w, const struct conf *c, uint64_t now_ms)
{
	size_t n = 0;

	memset(w, 0, sizeof(*w));
	vec_foreach(iface, &c->ifaces)
		n += (*iface)->peers.n;
	w->v = calloc(n + 1, sizeof(*w->v));
	if (!w->v)
		return -ENOMEM;
	vec_foreach(iface, &c->ifaces) {
		vec_foreach(peer, &(*iface)->peers) {
			struct peer_watch *pw = &w->v[w->n++];

			pw->peer = *peer;
			session_start(&pw->s, now_ms);
		}
	}
	w->by_peer = sorted_watches(w, cmp_peer_address);
	if (!w->by_peer) {
		peers_free(w);
		return -ENOMEM;
	}
	return 0;
}

void peers_free(struct peers *w)
{
	free(w->v);
	free(w->by_peer);
	memset(w, 0, sizeof(*w));
}

/* A peer's identity across reloads: its interface's name and its key. */
static int cmp_peer_identity(const void *a, const void *b)
{
	const struct conf_peer *x = (*(const struct peer_watch *const *)a)->peer;
	const struct conf_peer *y = (*(const struct peer_watch *const *)b)->peer;
	int c = strcmp(x->iface->name, y->iface->name);

	return c ? c : memcmp(x->public_key.v.b, y->public_key.v.b, WG_KEY_LEN);
}

void peers_carry(struct peers *to, const struct peers *from)
{
	const struct peer_watch **old = sorted_watches(from, cmp_peer_identity);
	size_t i;

	/* Without memory the sessions start anew: a grace period, never a wrong verdict. */
	if (!old)
		return;
	for (i = 0; i < to->n; i++) {
		const struct peer_watch *key = &to->v[i], *const *hit;

		hit = bsearch(&key, old, from->n, sizeof(*old), cmp_peer_identity);
		if (hit)
			to->v[i].s = (*hit)->s;
	}
	free(old);
}

static int cmp_wgpeer(const void *a, const void *b)
{
	return st_wgpeer_key_cmp(a, b);
}

/* The live state is sorted by identity (reconcile_dump): a binary search finds a peer. */
static const struct st_wgpeer *live_peer(const struct state *live, const struct conf_peer *peer)
{
	struct st_wgpeer key = { 0 };

	snprintf(key.ifname, sizeof(key.ifname), "%s", peer->iface->name);
	memcpy(key.public_key.b, peer->public_key.v.b, ST_KEY_LEN);
	return live->wgpeers.n ? bsearch(&key, live->wgpeers.v, live->wgpeers.n, sizeof(key),
					 cmp_wgpeer)
			       : NULL;
}

void peers_observe(struct peers *w, const struct state *live, int64_t now_s, uint64_t now_ms)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		session_observe(&w->v[i].s, live_peer(live, w->v[i].peer), now_s, now_ms);
}

const struct session *peers_find(const struct peers *w, const struct conf_peer *peer)
{
	const struct peer_watch want = { .peer = peer }, *key = &want, *const *hit;

	if (!w->n)
		return NULL;
	hit = bsearch(&key, w->by_peer, w->n, sizeof(*w->by_peer), cmp_peer_address);
	return hit ? &(*hit)->s : NULL;
}

uint64_t peers_next_ms(const struct peers *w)
{
	uint64_t next = 0;
	size_t i;

	for (i = 0; i < w->n; i++) {
		uint64_t t = session_next_ms(&w->v[i].s, peer_keepalive(w->v[i].peer));

		if (t && (!next || t < next))
			next = t;
	}
	return next;
}

bool target_judged_by(const struct target *t, const struct conf_peer *peer)
{
	return (!t->peer || t->peer == peer) && peer_keepalive(peer);
}

bool target_handshakes_dead(const struct peers *w, const struct target *t, uint64_t now_ms,
			    uint64_t *age_ms)
{
	size_t judged = 0;

	*age_ms = UINT64_MAX;
	vec_foreach(peer, &t->iface->peers) {
		const struct session *s = peers_find(w, *peer);

		if (!target_judged_by(t, *peer))
			continue;
		if (!s || !session_dead(s, peer_keepalive(*peer), now_ms))
			return false;
		if (session_age_ms(s, now_ms) < *age_ms)
			*age_ms = session_age_ms(s, now_ms);
		judged++;
	}
	return judged > 0;
}

bool lookup_due(const struct lookup_sched *s, uint64_t now_ms)
{
	return !s->busy && now_ms >= s->due_ms;
}

void lookup_done(struct lookup_sched *s, bool answered, uint32_t interval_ms, uint64_t now_ms)
{
	uint64_t wait = answered ? interval_ms : LOOKUP_RETRY_MS;

	if (!answered && interval_ms && interval_ms < wait)
		wait = interval_ms;
	s->busy = false;
	s->done_ms = now_ms;
	s->due_ms = wait ? now_ms + wait : UINT64_MAX;
}

bool lookup_hurry(struct lookup_sched *s, uint64_t now_ms)
{
	if (s->due_ms <= now_ms || (s->done_ms && now_ms < s->done_ms + LOOKUP_GAP_MS))
		return false;
	s->due_ms = now_ms;
	return true;
}
