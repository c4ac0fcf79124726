// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The checklist's pure judgements (src/explain/checks.c, peers.c): a live
 * state made from the desired one, then spoiled one way at a time, must give
 * the FAIL or warn that names the problem, and ok when nothing is wrong.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "explain/doctor.h"
#include "testenv.h"

#define KEY   "YHc5sW8SCn+NXFbEVgR6gr9B5jVz3X5VkYTU4t6uHXs="
#define PUB_A "8GNJNFvZust1HJW+ALrd+jEP/RhrjHTVDNsfgyvscWY="
#define PROTO 87

static const char wg0[] = "[Interface]\nPrivateKey = " KEY "\nTable = off\n"
			  "[Peer]\nName = ams1\nPublicKey = " PUB_A "\n"
			  "Endpoint = 203.0.113.10:51820\nAllowedIPs = 0.0.0.0/0, ::/0\n";
static const char policies[] = "[Policy office]\nFrom = 10.0.1.0/24\nVia = wg0\n"
			       "[Policy app]\nCgroup = user.slice/app.scope\nVia = wg0\n";

struct fx {
	struct conf *c;
	struct state *desired, *live;
	struct test_facts tf;
	struct arena a;
	struct findings f;
};

static void build(struct fx *fx, const char *iface, const char *pol)
{
	struct conf_source srcs[] = {
	    {.path = "wg0.conf", .data = iface, .len = strlen(iface)},
	    {.path = "policy.conf", .data = pol, .len = strlen(pol)},
	};
	struct state *none = state_new();
	struct diags d;

	fx->c = parse_sources(srcs, 2);
	fx->desired = state_new();
	fx->live = NULL;
	diags_init(&d, &fx->desired->arena);
	assert_int_equal(compile_state(fx->c, test_facts(&fx->tf, fx->c, none), fx->desired, &d),
			 0);
	state_free(none);
	arena_init(&fx->a);
	fx->f = (struct findings){&fx->a, {0}};
}

#define COPY(list)                                                                                 \
	vec_foreach(o, &fx->desired->list) *                                                       \
	    (__typeof__(o))vec_push(&fx->live->arena, &fx->live->list) = *o

/* The live state as apply leaves it: what was desired, owned links, fresh handshakes. */
static void applied(struct fx *fx)
{
	fx->live = state_new();
	COPY(rules);
	COPY(routes);
	COPY(nft);
	COPY(wgpeers);
	vec_foreach(l, &fx->desired->links)
	{
		struct st_link *k = vec_push(&fx->live->arena, &fx->live->links);

		*k = *l;
		k->owned = true;
		k->mtu = 1420;
	}
	vec_foreach(p, &fx->live->wgpeers)
	{
		p->last_handshake_sec = 1000;
		p->endpoint.family = FAMILY_V4;
	}
	state_sort(fx->live);
}

static void done(struct fx *fx)
{
	test_facts_free(&fx->tf);
	arena_free(&fx->a);
	state_free(fx->live);
	state_free(fx->desired);
	conf_free(fx->c);
}

/* The one finding of @check: its level, and its reason must hold @needle. */
static void expect(struct fx *fx, const char *check, enum level level, const char *needle)
{
	vec_foreach(x, &fx->f.v)
	{
		if (strcmp(x->check, check) || x->level != level ||
		    (needle && !strstr(x->reason, needle)))
			continue;
		fx->f.v.n = 0;
		return;
	}
	vec_foreach(x, &fx->f.v) print_message("# %s %d: %s\n", x->check, x->level, x->reason);
	fail_msg("no %s finding of level %d with '%s'", check, level, needle ? needle : "");
}

static void owned_objects_in_place(void **unused)
{
	struct fx fx;

	(void)unused;
	build(&fx, wg0, policies);
	applied(&fx);
	check_rules(&fx.f, fx.desired, fx.live);
	expect(&fx, "rules", LEVEL_OK, NULL);
	check_tables(&fx.f, fx.c, fx.desired, fx.live);
	expect(&fx, "tables", LEVEL_OK, NULL);
	check_nft(&fx.f, fx.desired, fx.live);
	expect(&fx, "nftables", LEVEL_OK, "in place");

	/* office's rule, its table's routes, the nftables table: gone one by one. */
	vec_foreach(r, &fx.live->rules) if (r->src.len == 24 && !r->dst.len) r->priority = 1;
	state_sort(fx.live);
	check_rules(&fx.f, fx.desired, fx.live);
	expect(&fx, "rules", LEVEL_FAIL, "from 10.0.1.0/24");
	vec_foreach(r, &fx.live->routes) r->table = 7;
	check_tables(&fx.f, fx.c, fx.desired, fx.live);
	expect(&fx, "tables", LEVEL_FAIL, "(policy office) is empty");
	fx.live->nft.v[0].hash ^= 1;
	check_nft(&fx.f, fx.desired, fx.live);
	expect(&fx, "nftables", LEVEL_FAIL, "not the one");
	fx.live->nft.n = 0;
	check_nft(&fx.f, fx.desired, fx.live);
	expect(&fx, "nftables", LEVEL_FAIL, "missing");
	done(&fx);
}

static struct st_rule *foreign(struct fx *fx, uint32_t prio, const char *src, uint32_t table)
{
	struct st_rule *r = vec_push(&fx->live->arena, &fx->live->rules);

	*r = (struct st_rule){.family = FAMILY_V4,
			      .priority = prio,
			      .table = table,
			      .suppress_prefixlen = -1,
			      .protocol = 3};
	if (src)
		assert_null(prefix_parse(src, &r->src, NULL));
	return r;
}

static struct st_route *route_in(struct fx *fx, uint32_t table, const char *dst)
{
	struct st_route *r = vec_push(&fx->live->arena, &fx->live->routes);

	*r = (struct st_route){
	    .table = table, .type = ROUTE_UNICAST, .ifname = "eth0", .protocol = 3};
	assert_null(prefix_parse(dst, &r->dst, NULL));
	return r;
}

static void foreign_rules_that_take_traffic(void **unused)
{
	static const char office[] = "[Policy office]\nFrom = 10.0.1.0/24\nVia = wg0\n";
	struct fx fx;

	(void)unused;
	build(&fx, wg0, office);
	applied(&fx);
	route_in(&fx, RT_TABLE_MAIN_ID, "0.0.0.0/0");
	route_in(&fx, 100, "192.0.2.0/24");
	check_foreign_rules(&fx.f, fx.c, fx.live, PROTO);
	expect(&fx, "foreign-rules", LEVEL_OK, NULL);

	/* Before office, its sources, to main and its default: taken. */
	foreign(&fx, 500, "10.0.1.0/25", RT_TABLE_MAIN_ID);
	check_foreign_rules(&fx.f, fx.c, fx.live, PROTO);
	expect(&fx, "foreign-rules", LEVEL_FAIL,
	       "takes policy office's traffic: 0.0.0.0/0 dev eth0");
	/* Another source, a mark of someone else's, a suppressed default, after the policies. */
	fx.live->rules.n--;
	foreign(&fx, 500, "10.0.2.0/24", RT_TABLE_MAIN_ID);
	foreign(&fx, 501, NULL, RT_TABLE_MAIN_ID)->fwmask = 0xff;
	foreign(&fx, 502, NULL, RT_TABLE_MAIN_ID)->suppress_prefixlen = 0;
	foreign(&fx, 20000, NULL, RT_TABLE_MAIN_ID);
	check_foreign_rules(&fx.f, fx.c, fx.live, PROTO);
	expect(&fx, "foreign-rules", LEVEL_OK, NULL);
	/* A table with a route of some destination: office has no To, so some of its traffic. */
	foreign(&fx, 503, NULL, 100);
	check_foreign_rules(&fx.f, fx.c, fx.live, PROTO);
	expect(&fx, "foreign-rules", LEVEL_FAIL, "192.0.2.0/24");
	fx.live->rules.n--;
	/* A rule that refuses, in front of everything. */
	foreign(&fx, 504, NULL, 0)->action = RULE_BLACKHOLE;
	check_foreign_rules(&fx.f, fx.c, fx.live, PROTO);
	expect(&fx, "foreign-rules", LEVEL_FAIL, "office");
	done(&fx);
}

static void allowed_ips_too_broad_or_too_narrow(void **unused)
{
	static const char full[] = "[Interface]\nPrivateKey = " KEY "\n"
				   "[Peer]\nPublicKey = " PUB_A "\nAllowedIPs = 0.0.0.0/0\n";
	static const char corp[] = "[Policy corp]\nTo = 192.168.100.0/24\nVia = wg0\n";
	struct prefix narrow;
	struct fx fx;

	(void)unused;
	build(&fx, wg0, policies);
	applied(&fx);
	check_allowed_ips(&fx.f, fx.c, fx.desired, fx.live);
	expect(&fx, "allowed-ips", LEVEL_OK, NULL);
	/* `wg set wg0 peer ... allowed-ips 10.8.0.0/24` behind wgpolicy's back. */
	assert_null(prefix_parse("10.8.0.0/24", &narrow, NULL));
	fx.live->wgpeers.v[0].allowed_ips = &narrow;
	fx.live->wgpeers.v[0].n_allowed_ips = 1;
	check_allowed_ips(&fx.f, fx.c, fx.desired, fx.live);
	expect(&fx, "allowed-ips", LEVEL_FAIL, "policy office sends 0.0.0.0/0 by wg0");
	done(&fx);

	build(&fx, full, corp);
	applied(&fx);
	check_allowed_ips(&fx.f, fx.c, fx.desired, fx.live);
	expect(&fx, "allowed-ips", LEVEL_WARN, "full tunnel");
	done(&fx);
}

/* Table = auto puts AllowedIPs into main, where another program's routes may overlap them. */
static void allowed_ips_against_main(void **unused)
{
	static const char wide[] = "[Interface]\nPrivateKey = " KEY "\n"
				   "[Peer]\nName = ams1\nPublicKey = " PUB_A "\n"
				   "AllowedIPs = 10.0.0.0/8, 192.168.100.0/24\n";
	struct fx fx;

	(void)unused;
	build(&fx, wide, "");
	applied(&fx);
	/* What overlaps nothing: the default route, another table's, one into the tunnel. */
	route_in(&fx, RT_TABLE_MAIN_ID, "0.0.0.0/0");
	route_in(&fx, 100, "10.1.0.0/16");
	route_in(&fx, RT_TABLE_MAIN_ID, "172.16.0.0/12");
	strcpy(route_in(&fx, RT_TABLE_MAIN_ID, "10.9.0.0/16")->ifname, "wg0");
	check_allowed_ips(&fx.f, fx.c, fx.desired, fx.live);
	expect(&fx, "allowed-ips", LEVEL_OK, NULL);
	/* A more specific route takes part of the peer's prefix around the tunnel. */
	route_in(&fx, RT_TABLE_MAIN_ID, "10.1.0.0/16");
	check_allowed_ips(&fx.f, fx.c, fx.desired, fx.live);
	expect(&fx, "allowed-ips", LEVEL_WARN,
	       "wg0:ams1: AllowedIPs 10.0.0.0/8, but '10.1.0.0/16 dev eth0 table main proto 3' "
	       "wins for 10.1.0.0/16");
	/* The same prefix, and a metric no lower than the tunnel's (0): the tunnel's wins. */
	fx.live->routes.n--;
	route_in(&fx, RT_TABLE_MAIN_ID, "10.0.0.0/8");
	check_allowed_ips(&fx.f, fx.c, fx.desired, fx.live);
	expect(&fx, "allowed-ips", LEVEL_WARN,
	       "AllowedIPs 10.0.0.0/8 takes 10.0.0.0/8 from '10.0.0.0/8 dev eth0 table main");
	/* The peer's prefix is more specific: it takes part of the other route into the tunnel. */
	fx.live->routes.n--;
	route_in(&fx, RT_TABLE_MAIN_ID, "192.168.0.0/16");
	check_allowed_ips(&fx.f, fx.c, fx.desired, fx.live);
	expect(&fx, "allowed-ips", LEVEL_WARN,
	       "wg0:ams1: AllowedIPs 192.168.100.0/24 takes 192.168.100.0/24 from "
	       "'192.168.0.0/16 dev eth0 table main");
	done(&fx);
}

static void handshakes(void **unused)
{
	struct st_wgpeer *p;
	struct fx fx;

	(void)unused;
	build(&fx, wg0, policies);
	applied(&fx);
	p = &fx.live->wgpeers.v[0];
	check_handshakes(&fx.f, fx.c, fx.live, 1100);
	expect(&fx, "handshakes", LEVEL_OK, "1 peer");
	check_handshakes(&fx.f, fx.c, fx.live, 1000 + HANDSHAKE_STALE_SECONDS + 1);
	expect(&fx, "handshakes", LEVEL_WARN, "wg0:ams1: latest handshake 181 s ago");
	p->keepalive = 25;
	check_handshakes(&fx.f, fx.c, fx.live, 1000 + HANDSHAKE_STALE_SECONDS + 1);
	expect(&fx, "handshakes", LEVEL_FAIL, "181 s ago");
	p->last_handshake_sec = 0;
	check_handshakes(&fx.f, fx.c, fx.live, 1100);
	expect(&fx, "handshakes", LEVEL_FAIL, "keepalives ask");
	p->keepalive = 0;
	check_handshakes(&fx.f, fx.c, fx.live, 1100);
	expect(&fx, "handshakes", LEVEL_WARN, "no handshake yet");
	p->endpoint.family = 0;
	check_handshakes(&fx.f, fx.c, fx.live, 1100);
	expect(&fx, "handshakes", LEVEL_WARN, "no handshake yet");
	done(&fx);
}

static void mtu_against_the_path(void **unused)
{
	struct mtu_fact path = {.ifname = "wg0", .mtu = 1500};
	struct facts facts = {.mtus = &path, .n_mtus = 1};
	struct st_wgpeer *p;
	struct fx fx;

	(void)unused;
	build(&fx, wg0, policies);
	applied(&fx);
	p = &fx.live->wgpeers.v[0];
	memcpy(p->endpoint.addr, (uint8_t[]){203, 0, 113, 10}, 4);
	assert_null(prefix_parse("203.0.113.10", &path.addr, NULL));
	check_mtu(&fx.f, fx.live, &facts, NULL, 0);
	expect(&fx, "mtu", LEVEL_OK, "1 endpoint");
	fx.live->links.v[0].mtu = 1500;
	check_mtu(&fx.f, fx.live, &facts, NULL, 0);
	expect(&fx, "mtu", LEVEL_FAIL,
	       "wg0 has MTU 1500, but the path to its peer carries 1500: 1440");
	/* An endpoint routed into its own tunnel: its path is no path, endpoint-routes says so. */
	check_mtu(&fx.f, fx.live, &facts, (const struct st_wgpeer *const[]){p}, 1);
	expect(&fx, "mtu", LEVEL_OK, "0 endpoints");
	done(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(owned_objects_in_place),
	    cmocka_unit_test(foreign_rules_that_take_traffic),
	    cmocka_unit_test(allowed_ips_too_broad_or_too_narrow),
	    cmocka_unit_test(allowed_ips_against_main),
	    cmocka_unit_test(handshakes),
	    cmocka_unit_test(mtu_against_the_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
