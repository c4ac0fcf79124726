// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's judgement of WireGuard sessions and its lookup schedule
 * (src/daemon/watch.c): when an old handshake means a dead peer, when it
 * only means an idle one, and when an endpoint's name is looked up again.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/watch.h"
#include "testenv.h"

#define S 1000ull
#define WALL0 1700000000 /* the wall clock, seconds, when the test's monotonic clock reads 0 */

/* A live peer with this handshake (seconds after WALL0; -1: none) and transmitted bytes. */
static struct st_wgpeer live(int64_t handshake, uint64_t tx)
{
	struct st_wgpeer p = { .tx_bytes = tx };

	p.last_handshake_sec = handshake < 0 ? 0 : WALL0 + handshake;
	return p;
}

/* A look at @p at monotonic @ms with a wall clock that agrees with it. */
static void look(struct session *s, const struct st_wgpeer *p, uint64_t ms)
{
	session_observe(s, p, WALL0 + (int64_t)(ms / S), ms);
}

static void keepalive_peer_renewing_is_never_dead(void **state)
{
	struct session s;
	uint64_t t;

	(void)state;
	session_start(&s, 0);
	/* The worst a reachable peer with keepalive 25 does: a handshake every 205 s. */
	for (t = 0; t <= 3600 * S; t += 5 * S) {
		struct st_wgpeer p = live((int64_t)(t / S / 205 * 205), t);

		look(&s, &p, t);
		assert_false(session_dead(&s, 25, t));
	}
}

static void keepalive_peer_silent_is_dead_after_reject_time(void **state)
{
	struct session s;
	struct st_wgpeer p = live(10, 100);

	(void)state;
	session_start(&s, 0);
	look(&s, &p, 5 * S);  /* seen at 5 s: grace from there */
	look(&s, &p, 20 * S); /* the handshake of 10 s is not new */
	assert_int_equal(session_dead_after_ms(25), (180 + 25 + 15) * S);
	assert_false(session_dead(&s, 25, 5 * S + 220 * S));
	assert_true(session_dead(&s, 25, 5 * S + 220 * S + 1));
	/* A new handshake: alive again at once. */
	p = live(230, 200);
	look(&s, &p, 231 * S);
	assert_false(session_dead(&s, 25, 231 * S));
	assert_int_equal(session_age_ms(&s, 231 * S), 1 * S);
}

static void idle_peer_without_keepalive_is_never_judged(void **state)
{
	struct session s;
	struct st_wgpeer p = live(-1, 0);

	(void)state;
	session_start(&s, 0);
	look(&s, &p, 0);
	look(&s, &p, 3600 * S);
	assert_true(session_age_ms(&s, 3600 * S) > session_dead_after_ms(25));
	assert_false(session_dead(&s, 0, 3600 * S));
	assert_false(session_stale(&s, 0, 3600 * S));
	assert_int_equal(session_next_ms(&s, 0), 0);
}

static void peer_sent_to_without_handshake_is_stale(void **state)
{
	struct session s;
	struct st_wgpeer p = live(-1, 1000);

	(void)state;
	session_start(&s, 0);
	look(&s, &p, 0);
	p.tx_bytes += 148; /* a handshake initiation, unanswered */
	look(&s, &p, 100 * S);
	assert_false(session_stale(&s, 0, 100 * S)); /* not yet 135 s */
	p.tx_bytes += 148;
	look(&s, &p, 136 * S);
	assert_true(session_stale(&s, 0, 136 * S));
	assert_false(session_dead(&s, 0, 136 * S)); /* no keepalive: never dead */
	look(&s, &p, 166 * S);                       /* nothing sent since */
	assert_false(session_stale(&s, 0, 166 * S));
	/* With keepalive the peer is expected alive whether or not it is sent to. */
	assert_true(session_stale(&s, 25, 166 * S));
}

static void wall_clock_step_does_not_age_a_session(void **state)
{
	struct session s;
	struct st_wgpeer p = live(-1, 0);

	(void)state;
	session_start(&s, 0);
	look(&s, &p, 0);
	/* The wall clock jumps an hour ahead (NTP at boot); a handshake comes. */
	p.last_handshake_sec = WALL0 + 3600 + 100;
	session_observe(&s, &p, WALL0 + 3600 + 110, 110 * S);
	assert_int_equal(session_age_ms(&s, 110 * S), 10 * S);
	/* A handshake older than the previous look by the wall clock counts from that look. */
	p.last_handshake_sec = WALL0 - 5000;
	session_observe(&s, &p, WALL0 + 3600 + 130, 130 * S);
	assert_int_equal(session_age_ms(&s, 130 * S), 20 * S);
}

static void old_handshake_at_first_look_gets_grace(void **state)
{
	struct session s;
	struct st_wgpeer p = live(-1, 0);

	(void)state;
	p.last_handshake_sec = WALL0 - 86400; /* a day old, or the clock is wrong */
	session_start(&s, 50 * S);
	look(&s, &p, 50 * S);
	assert_int_equal(session_age_ms(&s, 60 * S), 10 * S);
	assert_false(session_dead(&s, 25, 60 * S));
}

static void gone_and_made_anew_gets_grace(void **state)
{
	struct session s;
	struct st_wgpeer p = live(0, 0);

	(void)state;
	session_start(&s, 0);
	look(&s, &p, 0);
	look(&s, NULL, 300 * S);
	assert_false(session_dead(&s, 25, 300 * S));
	assert_false(session_stale(&s, 25, 300 * S));
	look(&s, &p, 301 * S);
	assert_int_equal(session_age_ms(&s, 310 * S), 9 * S);
	/* Made anew between two looks: its handshake falls back to none. */
	look(&s, &p, 600 * S);
	p = live(-1, 0);
	look(&s, &p, 601 * S);
	assert_int_equal(session_age_ms(&s, 601 * S), 0);
}

static void next_verdict_time(void **state)
{
	struct session s;
	struct st_wgpeer p = live(-1, 0);

	(void)state;
	session_start(&s, 0);
	look(&s, &p, 0);
	assert_int_equal(session_next_ms(&s, 25), 135 * S + 1);
	look(&s, &p, 135 * S + 1);
	assert_true(session_stale(&s, 25, 135 * S + 1));
	assert_int_equal(session_next_ms(&s, 25), 220 * S + 1);
	look(&s, &p, 220 * S + 1);
	assert_true(session_dead(&s, 25, 220 * S + 1));
	assert_int_equal(session_next_ms(&s, 25), 0);
}

static void lookup_schedule(void **state)
{
	struct lookup_sched l = { 0 };

	(void)state;
	assert_true(lookup_due(&l, 0)); /* a new name: at once */
	l.busy = true;
	assert_false(lookup_due(&l, 10 * S));
	lookup_done(&l, true, 300 * S, 10 * S);
	assert_false(lookup_due(&l, 309 * S));
	assert_true(lookup_due(&l, 310 * S));
	/* A failure: again after 30 s, or the interval when shorter. */
	lookup_done(&l, false, 300 * S, 310 * S);
	assert_int_equal(l.due_ms, 340 * S);
	lookup_done(&l, false, 1 * S, 400 * S);
	assert_int_equal(l.due_ms, 401 * S);
	/* Interval off: only when asked, but failures are retried. */
	lookup_done(&l, true, 0, 500 * S);
	assert_false(lookup_due(&l, 100000 * S));
	lookup_done(&l, false, 0, 500 * S);
	assert_int_equal(l.due_ms, 530 * S);
}

static void stale_handshake_hurries_lookup(void **state)
{
	struct lookup_sched l = { 0 };

	(void)state;
	lookup_done(&l, true, 300 * S, 100 * S);
	/* 10 s after the last: too soon, and nothing is kept for later. */
	assert_false(lookup_hurry(&l, 110 * S));
	assert_int_equal(l.due_ms, 400 * S);
	assert_true(lookup_hurry(&l, 130 * S)); /* 30 s after: now */
	assert_int_equal(l.due_ms, 130 * S);
	assert_false(lookup_hurry(&l, 131 * S)); /* already due */
	l.busy = true;
	assert_false(lookup_hurry(&l, 140 * S)); /* under way */
	lookup_done(&l, true, 0, 150 * S);      /* interval off */
	assert_true(lookup_hurry(&l, 180 * S));
	l = (struct lookup_sched){ 0 };
	assert_false(lookup_hurry(&l, 5 * S)); /* never looked up: due already */
	assert_int_equal(l.due_ms, 0);
}

static const char two_peers[] =
	"[Interface]\nPrivateKey = YHc5sW8SCn+NXFbEVgR6gr9B5jVz3X5VkYTU4t6uHXs=\n"
	"[Peer]\nPublicKey = 8GNJNFvZust1HJW+ALrd+jEP/RhrjHTVDNsfgyvscWY=\n"
	"Endpoint = vpn.example.test:51820\nAllowedIPs = 10.8.0.1/32\nPersistentKeepalive = 25\n"
	"[Peer]\nPublicKey = nZriK2YVx5HxX6hlLrfAAfMXON5WR64I2hJvxbpiaio=\n"
	"AllowedIPs = 10.8.0.2/32\n";

/* A reload keeps what was seen of a peer; the live state is matched by interface and key. */
static void peers_follow_live_state_and_reloads(void **state)
{
	struct conf *c = parse_text("wg0.conf", two_peers), *c2 = parse_text("wg0.conf", two_peers);
	struct state *s = state_new();
	struct st_wgpeer *lp = vec_push(&s->arena, &s->wgpeers);
	struct peers w, w2;

	(void)state;
	assert_non_null(lp);
	strcpy(lp->ifname, "wg0");
	memcpy(lp->public_key.b, c->ifaces.v[0]->peers.v[0]->public_key.v.b, ST_KEY_LEN);
	assert_int_equal(peers_init(&w, c, 0), 0);
	assert_int_equal(w.n, 2);
	peers_observe(&w, s, WALL0, 0);
	peers_observe(&w, s, WALL0 + 300, 300 * S);
	assert_true(session_dead(peers_find(&w, c->ifaces.v[0]->peers.v[0]), 25, 300 * S));
	assert_false(peers_find(&w, c->ifaces.v[0]->peers.v[1])->present);
	assert_int_equal(peers_next_ms(&w), 0);

	assert_int_equal(peers_init(&w2, c2, 300 * S), 0);
	peers_carry(&w2, &w);
	assert_true(session_dead(peers_find(&w2, c2->ifaces.v[0]->peers.v[0]), 25, 300 * S));
	peers_free(&w);
	peers_free(&w2);
	state_free(s);
	conf_free(c);
	conf_free(c2);
}

static const char three_peers[] =
	"[Interface]\nPrivateKey = YHc5sW8SCn+NXFbEVgR6gr9B5jVz3X5VkYTU4t6uHXs=\n"
	"[Peer]\nName = a\nPublicKey = 8GNJNFvZust1HJW+ALrd+jEP/RhrjHTVDNsfgyvscWY=\n"
	"AllowedIPs = 10.8.0.1/32\nPersistentKeepalive = 25\n"
	"[Peer]\nName = b\nPublicKey = nZriK2YVx5HxX6hlLrfAAfMXON5WR64I2hJvxbpiaio=\n"
	"AllowedIPs = 10.8.0.2/32\nPersistentKeepalive = 10\n"
	"[Peer]\nName = c\nPublicKey = Zl0E1Cs1ViQso3GTm3ixwJ+5Zo42TRKUQfPSS8Fya2c=\n"
	"AllowedIPs = 10.8.0.3/32\n";

/*
 * An interface target is dead when each of its peers with keepalive is; a
 * peer target when its peer is; a peer without keepalive judges nothing.
 */
static void target_dead_when_each_judging_peer_is(void **state)
{
	struct conf *c = parse_text("wg0.conf", three_peers);
	struct conf_iface *wg0 = c->ifaces.v[0];
	const struct target iface = { .kind = TARGET_IFACE, .iface = wg0 };
	const struct target a = { .kind = TARGET_PEER, .iface = wg0, .peer = wg0->peers.v[0] };
	const struct target only_c = { .kind = TARGET_PEER, .iface = wg0, .peer = wg0->peers.v[2] };
	struct state *live = state_new();
	struct peers w;
	uint64_t age;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct st_wgpeer *p = vec_push(&live->arena, &live->wgpeers);

		assert_non_null(p);
		strcpy(p->ifname, "wg0");
		memcpy(p->public_key.b, wg0->peers.v[i]->public_key.v.b, ST_KEY_LEN);
	}
	state_sort(live);
	assert_int_equal(peers_init(&w, c, 0), 0);
	peers_observe(&w, live, WALL0, 0);
	peers_observe(&w, live, WALL0 + 215, 215 * S);
	/* b (keepalive 10) is dead after 205 s, a (25) not before 220 s. */
	assert_false(target_handshakes_dead(&w, &iface, 215 * S, &age));
	peers_observe(&w, live, WALL0 + 300, 300 * S);
	assert_true(target_handshakes_dead(&w, &iface, 300 * S, &age));
	assert_int_equal(age, 300 * S);
	assert_true(target_handshakes_dead(&w, &a, 300 * S, &age));
	assert_false(target_handshakes_dead(&w, &only_c, 300 * S, &age));
	assert_false(target_judged_by(&iface, wg0->peers.v[2]));
	assert_true(target_judged_by(&iface, wg0->peers.v[1]));
	assert_false(target_judged_by(&a, wg0->peers.v[1]));
	/* b shakes hands: the interface lives, peer a is still dead. */
	for (i = 0; i < 3; i++)
		if (!memcmp(live->wgpeers.v[i].public_key.b, wg0->peers.v[1]->public_key.v.b,
			    ST_KEY_LEN))
			live->wgpeers.v[i].last_handshake_sec = WALL0 + 299;
	peers_observe(&w, live, WALL0 + 301, 301 * S);
	assert_false(target_handshakes_dead(&w, &iface, 301 * S, &age));
	assert_true(target_handshakes_dead(&w, &a, 301 * S, &age));
	peers_free(&w);
	state_free(live);
	conf_free(c);
}

static const char three_peers_reordered[] =
	"[Interface]\nPrivateKey = YHc5sW8SCn+NXFbEVgR6gr9B5jVz3X5VkYTU4t6uHXs=\n"
	"[Peer]\nName = c\nPublicKey = Zl0E1Cs1ViQso3GTm3ixwJ+5Zo42TRKUQfPSS8Fya2c=\n"
	"AllowedIPs = 10.8.0.3/32\n"
	"[Peer]\nName = new\nPublicKey = +v2ahFKoNBU8jvMEqN75V276NyC9HYaMSRGMQ97waEQ=\n"
	"AllowedIPs = 10.8.0.9/32\n"
	"[Peer]\nName = b\nPublicKey = nZriK2YVx5HxX6hlLrfAAfMXON5WR64I2hJvxbpiaio=\n"
	"AllowedIPs = 10.8.0.2/32\n";

/* A reload that reorders peers: each finds its own session by key, a new key starts afresh. */
static void reload_carries_sessions_by_key(void **state)
{
	struct conf *c = parse_text("wg0.conf", three_peers);
	struct conf *c2 = parse_text("wg1.conf", three_peers_reordered);
	struct conf *c3 = parse_text("wg0.conf", three_peers_reordered);
	struct peers w, w2, w3;
	size_t i;

	(void)state;
	assert_int_equal(peers_init(&w, c, 0), 0);
	for (i = 0; i < w.n; i++)
		w.v[i].s.handshake = (int64_t)(100 + i);
	for (i = 0; i < w.n; i++)
		assert_ptr_equal(peers_find(&w, c->ifaces.v[0]->peers.v[i]), &w.v[i].s);
	assert_null(peers_find(&w, c3->ifaces.v[0]->peers.v[0]));
	/* the same keys on another interface are other peers */
	assert_int_equal(peers_init(&w2, c2, 0), 0);
	peers_carry(&w2, &w);
	for (i = 0; i < w2.n; i++)
		assert_int_equal(w2.v[i].s.handshake, 0);
	/* c3 holds c and b of c, in another order, a new peer between them, not a */
	assert_int_equal(peers_init(&w3, c3, 0), 0);
	peers_carry(&w3, &w);
	assert_int_equal(peers_find(&w3, c3->ifaces.v[0]->peers.v[0])->handshake, 102);
	assert_int_equal(peers_find(&w3, c3->ifaces.v[0]->peers.v[1])->handshake, 0);
	assert_int_equal(peers_find(&w3, c3->ifaces.v[0]->peers.v[2])->handshake, 101);
	peers_free(&w);
	peers_free(&w2);
	peers_free(&w3);
	conf_free(c);
	conf_free(c2);
	conf_free(c3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keepalive_peer_renewing_is_never_dead),
		cmocka_unit_test(keepalive_peer_silent_is_dead_after_reject_time),
		cmocka_unit_test(idle_peer_without_keepalive_is_never_judged),
		cmocka_unit_test(peer_sent_to_without_handshake_is_stale),
		cmocka_unit_test(wall_clock_step_does_not_age_a_session),
		cmocka_unit_test(old_handshake_at_first_look_gets_grace),
		cmocka_unit_test(gone_and_made_anew_gets_grace),
		cmocka_unit_test(next_verdict_time),
		cmocka_unit_test(lookup_schedule),
		cmocka_unit_test(stale_handshake_hurries_lookup),
		cmocka_unit_test(peers_follow_live_state_and_reloads),
		cmocka_unit_test(target_dead_when_each_judging_peer_is),
		cmocka_unit_test(reload_carries_sessions_by_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
