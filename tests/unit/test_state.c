// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The names of wgpolicy's nftables tables: made from an interface, and read back from nft.
 * A peer that roamed: its endpoint is left where WireGuard moved it.
 * Routes through a link that loses its last IPv4 address: out before it, back after it.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "state/state.h"
#include "testenv.h"

#define N(a) (sizeof(a) / sizeof(*(a)))

static void names_round_trip(void **state)
{
	static const struct {
		const char *ifname, *table;
	} cases[] = {
		{ NULL, "inet wgpolicy" },
		{ "wg0", "inet wgpolicy-wg0" },
		{ "a.b-c_d", "inet wgpolicy-a.b-c_d" },
		{ "wg=a+b", "inet wgpolicy-wg/3da/2bb" },
		{ "===============", "inet wgpolicy-/3d/3d/3d/3d/3d/3d/3d/3d/3d/3d/3d/3d/3d/3d/3d" },
	};
	char name[ST_NFT_NAMSIZ], ifname[ST_IFNAMSIZ];
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		st_nft_name(name, cases[i].ifname);
		assert_string_equal(name, cases[i].table);
		assert_true(st_nft_parse_name(name, ifname));
		assert_string_equal(ifname, cases[i].ifname ? cases[i].ifname : "");
	}
}

static void other_tables_are_not_ours(void **state)
{
	static const char *const foreign[] = {
		"inet wgpolicyx", "inet wgpolicy-", "ip wgpolicy", "inet wg-quick-wg0",
		"inet wgpolicy-wg/3e0", "inet wgpolicy-wg/", "inet wgpolicy-0123456789abcdef",
	};
	char ifname[ST_IFNAMSIZ];
	size_t i;

	(void)state;
	for (i = 0; i < N(foreign); i++)
		assert_false(st_nft_parse_name(foreign[i], ifname));
}

/* @n distinct routes in @runs sorted runs, one per table, tables descending (as a dump may give). */
static struct state *routes_in_runs(size_t n, size_t runs)
{
	struct state *s = state_new();
	size_t i;

	assert_non_null(s);
	for (i = 0; i < n; i++) {
		struct st_route *r = vec_push(&s->arena, &s->routes);

		assert_non_null(r);
		r->table = (uint32_t)(1000 + runs - i * runs / n);
		r->dst.family = FAMILY_V4;
		r->dst.len = 32;
		r->dst.addr[0] = 10;
		r->dst.addr[2] = (uint8_t)(i >> 8);
		r->dst.addr[3] = (uint8_t)i;
		r->metric = (uint32_t)(i % 2);
	}
	return s;
}

/* Merged runs or sorted from scratch, the order is the identity's. */
static void sort_merges_runs(void **state)
{
	static const size_t runs[] = { 1, 2, 3, 7, 16, 17, 500 };
	size_t i, k;

	(void)state;
	for (i = 0; i < N(runs); i++) {
		struct state *s = routes_in_runs(1000, runs[i]);

		state_sort(s);
		/* 1000 distinct routes in strictly increasing order: each one, once. */
		assert_int_equal(s->routes.n, 1000);
		for (k = 1; k < s->routes.n; k++)
			assert_true(st_route_key_cmp(&s->routes.v[k - 1], &s->routes.v[k]) < 0);
		state_free(s);
	}
}

/* A state of one peer of wg0 at 192.0.2.@host:51820, with @keepalive and @set recorded. */
static struct state *one_peer(uint8_t host, uint16_t keepalive, const char *set)
{
	struct st_wgpeer peer = { .ifname = "wg0", .keepalive = keepalive, .endpoint_set = set };
	struct state *s = state_new();
	struct st_wgpeer *p = vec_push(&s->arena, &s->wgpeers);

	memset(peer.public_key.b, 7, sizeof(peer.public_key.b));
	peer.endpoint = (struct st_endpoint){ .family = FAMILY_V4, .addr = { 192, 0, 2, host },
					      .port = 51820 };
	assert_non_null(p);
	*p = peer;
	return s;
}

static void roamed_peer_keeps_its_endpoint(void **state)
{
	static const char *const key = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
	struct state *want = one_peer(2, 0, NULL), *want_ka = one_peer(2, 25, NULL);
	struct state *roamed = one_peer(3, 0, "192.0.2.2:51820");
	struct state *unknown = one_peer(3, 0, NULL), *moved = one_peer(3, 0, "192.0.2.9:51820");
	char text[1024], line[256];

	(void)state;
	/* Set 192.0.2.2, roamed to 192.0.2.3: nothing to do. */
	plan_lines(roamed, want, -1, text, sizeof(text));
	assert_string_equal(text, "");
	/* Changed for its keepalive: set without an endpoint, so it stays at 192.0.2.3. */
	plan_lines(roamed, want_ka, -1, text, sizeof(text));
	snprintf(line, sizeof(line), "wg set wg0 peer %s persistent-keepalive 25 allowed-ips \n",
		 key);
	assert_string_equal(text, line);
	/* No record (set by an older wgpolicy, or by hand), or another one: the configured one. */
	snprintf(line, sizeof(line), "wg set wg0 peer %s endpoint 192.0.2.2:51820 %s\n", key,
		 "persistent-keepalive off allowed-ips ");
	plan_lines(unknown, want, -1, text, sizeof(text));
	assert_string_equal(text, line);
	plan_lines(moved, want, -1, text, sizeof(text));
	assert_string_equal(text, line);
	state_free(want), state_free(want_ka), state_free(roamed), state_free(unknown);
	state_free(moved);
}

/* wg0 with the addresses in @addrs (space-separated) and routes 10.98.0.0/16 and fd98::/64 through it. */
static struct state *link_with(const char *addrs)
{
	static const char *const routes[] = { "10.98.0.0/16", "fd98::/64" };
	struct state *s = state_new();
	struct st_link *l = vec_push(&s->arena, &s->links);
	char buf[256], *tok, *save = NULL;
	size_t i;

	assert_non_null(l);
	*l = (struct st_link){ .name = "wg0" };
	snprintf(buf, sizeof(buf), "%s", addrs);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		struct st_addr *a = vec_push(&s->arena, &s->addrs);

		assert_non_null(a);
		*a = (struct st_addr){ .ifname = "wg0", .order = (uint32_t)(s->addrs.n - 1) };
		assert_null(prefix_parse(tok, &a->addr, NULL));
	}
	for (i = 0; i < N(routes); i++) {
		struct st_route *r = vec_push(&s->arena, &s->routes);

		assert_non_null(r);
		*r = (struct st_route){ .table = 254, .ifname = "wg0", .protocol = 87 };
		assert_null(prefix_parse(routes[i], &r->dst, NULL));
		r->metric = r->dst.family == FAMILY_V6 ? 1024 : 0;
	}
	state_sort(s);
	return s;
}

static void last_ipv4_address_takes_routes_out_and_back(void **state)
{
	static const struct {
		const char *from, *to, *plan;
	} cases[] = {
		/* The kernel flushes the IPv4 routes through wg0 when its last IPv4 address goes. */
		{ "10.99.0.1/16 fd99::1/64", "fd99::1/64",
		  "ip -4 route del 10.98.0.0/16 dev wg0 table main proto 87\n"
		  "ip -4 address del 10.99.0.1/16 dev wg0\n"
		  "ip -4 route add 10.98.0.0/16 dev wg0 table main proto 87\n" },
		/* Another address stays (promote_secondaries keeps a subnet's): routes stay. */
		{ "10.99.0.1/16", "10.99.0.2/16",
		  "ip -4 address add 10.99.0.2/16 dev wg0\n"
		  "ip -4 address del 10.99.0.1/16 dev wg0\n" },
		/* An IPv6 address takes no route with it. */
		{ "fd99::1/64", "fd99::2/64",
		  "ip -6 address add fd99::2/64 dev wg0\n"
		  "ip -6 address del fd99::1/64 dev wg0\n" },
	};
	char text[1024];
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct state *from = link_with(cases[i].from), *to = link_with(cases[i].to);

		plan_lines(from, to, -1, text, sizeof(text));
		assert_string_equal(text, cases[i].plan);
		state_free(from), state_free(to);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_round_trip),
		cmocka_unit_test(other_tables_are_not_ours),
		cmocka_unit_test(roamed_peer_keeps_its_endpoint),
		cmocka_unit_test(last_ipv4_address_takes_routes_out_and_back),
		cmocka_unit_test(sort_merges_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
