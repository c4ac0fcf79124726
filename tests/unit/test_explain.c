// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * src/explain: which policy a packet matches and which selector keeps the
 * others away; the nftables mark it gets; the rule, table, route and peer the
 * compiled state gives it; and whether a kernel answer agrees. Several
 * configurations, compiled by the real compiler with fixed facts.
 */
#include <errno.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "explain/explain.h"
#include "testenv.h"

#define KEY_A "YHc5sW8SCn+NXFbEVgR6gr9B5jVz3X5VkYTU4t6uHXs="
#define PUB_A "8GNJNFvZust1HJW+ALrd+jEP/RhrjHTVDNsfgyvscWY="
#define PUB_B "9ENUCwZjqFWX4q6jey58E0z4BeKxCyHLg9JrCbmfRm0="

static const char wg0[] = "[Interface]\nPrivateKey = " KEY_A "\nTable = off\n"
			  "[Peer]\nName = ams1\nPublicKey = " PUB_A "\n"
			  "Endpoint = 203.0.113.10:51820\nAllowedIPs = 0.0.0.0/0, ::/0\n";
static const char wg1[] = "[Interface]\nPrivateKey = " KEY_A "\nTable = off\n"
			  "[Peer]\nPublicKey = " PUB_B "\n"
			  "Endpoint = 203.0.113.11:51820\nAllowedIPs = 0.0.0.0/0\n";

/* A gateway: an exception, a subnet, users, an application, a port, a failover. */
static const char gateway[] =
    "[Policy lan-direct]\nTo = 192.168.1.0/24\nVia = direct\n"
    "[Policy office]\nFrom = 10.0.1.0/24, fd00:1::/64\nVia = wg0\n"
    "[Policy backup]\nUser = alice, 2000-2010\nVia = wg1\n"
    "[Policy app]\nCgroup = user.slice/app.scope\nVia = wg0\n"
    "[Policy web]\nIPProtocol = tcp\nDestinationPort = 443, 8443\nVia = wg1\nKillSwitch = no\n"
    "[Policy corp]\nTo = 172.16.0.0/12\nVia = wg0, wg1\n";

/* Marks by a mask of one's own, a FirewallMark selector, a policy past the native limit. */
static const char marks[] =
    "[Global]\nFirewallMarkMask = 0x00ff0000\n"
    "[Policy tagged]\nFirewallMark = 0x10/0xff\nVia = wg1\n"
    "[Policy many]\nFrom = 10.1.0.0/24, 10.2.0.0/24, 10.3.0.0/24, 10.4.0.0/24, 10.5.0.0/24\n"
    "DestinationPort = 1-2, 3-4, 5-6, 7-8, 9-10, 11-12, 13-14, 15-16, 17-18, 19-20, 21-22, "
    "23-24, 25-26, 27-28\nVia = wg0\n"
    "[Policy staff]\nGroup = staff\nVia = wg1\n";

static const char *down_target; /* "corp:0": corp's first target is down */

static bool target_up(const void *ctx, const struct conf_policy *p, size_t i)
{
	char me[64];

	(void)ctx;
	snprintf(me, sizeof(me), "%s:%zu", p->name, i);
	return !down_target || strcmp(down_target, me);
}

struct fx {
	struct conf *c;
	struct state *desired;
	struct test_facts tf;
	struct facts *f;
	struct arena a;
};

static void build(struct fx *fx, const char *policies)
{
	struct conf_source srcs[] = {
	    {.path = "wg0.conf", .data = wg0, .len = sizeof(wg0) - 1},
	    {.path = "wg1.conf", .data = wg1, .len = sizeof(wg1) - 1},
	    {.path = "policy.conf", .data = policies, .len = strlen(policies)},
	};
	struct state *live = state_new();
	struct diags d;

	fx->c = parse_sources(srcs, 3);
	fx->desired = state_new();
	fx->f = test_facts(&fx->tf, fx->c, live);
	fx->f->target_up = target_up;
	diags_init(&d, &fx->desired->arena);
	assert_int_equal(compile_state(fx->c, fx->f, fx->desired, &d), 0);
	state_free(live);
	arena_init(&fx->a);
}

static void done(struct fx *fx)
{
	test_facts_free(&fx->tf);
	arena_free(&fx->a);
	state_free(fx->desired);
	conf_free(fx->c);
	down_target = NULL;
}

static struct packet pkt(struct fx *fx, const char *words)
{
	char buf[256], *w[24], *save = NULL, *t;
	struct packet pk;
	const char *err;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", words);
	for (t = strtok_r(buf, " ", &save); t && n < 24; t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	err = packet_parse(&pk, w, n, fx->c, &test_env, &fx->a);
	if (err)
		fail_msg("%s: %s", words, err);
	return pk;
}

static const struct verdict *verdict(const struct config_view *cv, const char *name)
{
	size_t i;

	for (i = 0; i < cv->n; i++)
		if (!strcmp(cv->v[i].p->name, name))
			return &cv->v[i];
	fail_msg("no policy %s", name);
	return NULL;
}

static const char *chosen(struct fx *fx, const char *words, struct config_view *cv)
{
	struct packet pk = pkt(fx, words);

	assert_int_equal(explain_config(fx->c, fx->f, &pk, &fx->a, cv), 0);
	return cv->chosen ? cv->chosen->p->name : "none";
}

static void assert_reason(const struct config_view *cv, const char *name, const char *needle)
{
	const struct verdict *v = verdict(cv, name);

	assert_false(v->match);
	if (!v->reason || !strstr(v->reason, needle))
		fail_msg("policy %s: reason '%s' lacks '%s'", name, v->reason, needle);
}

/* ---- the configuration's view ---- */

static void first_matching_policy_in_rule_order(void **unused)
{
	struct config_view cv;
	struct fx fx;

	(void)unused;
	build(&fx, gateway);
	/* The exception comes first; office matches too, but is not reached. */
	assert_string_equal(chosen(&fx, "to 192.168.1.9 from 10.0.1.7 iif lan1", &cv),
			    "lan-direct");
	assert_true(verdict(&cv, "office")->match);
	assert_true(verdict(&cv, "lan-direct") < verdict(&cv, "office"));
	assert_string_equal(chosen(&fx, "to 198.51.100.7 from 10.0.1.7 iif lan1", &cv), "office");
	assert_string_equal(cv.active->iface_name, "wg0");
	assert_true(cv.killswitch);
	assert_string_equal(chosen(&fx, "198.51.100.7 uid alice", &cv), "backup");
	assert_string_equal(chosen(&fx, "198.51.100.7 uid 2005", &cv), "backup");
	assert_string_equal(chosen(&fx, "198.51.100.7 cgroup /user.slice/app.scope/tab/", &cv),
			    "app");
	assert_string_equal(chosen(&fx, "198.51.100.7 exec app", &cv), "app");
	assert_string_equal(chosen(&fx, "198.51.100.7 ipproto tcp dport 8443", &cv), "web");
	assert_false(cv.killswitch);
	assert_string_equal(chosen(&fx, "198.51.100.7 ipproto udp dport 443", &cv), "none");
	done(&fx);
}

static void each_exclusion_says_which_selector(void **unused)
{
	struct config_view cv;
	struct fx fx;

	(void)unused;
	build(&fx, gateway);
	assert_string_equal(chosen(&fx, "to 198.51.100.7 from 10.0.2.7 iif lan2", &cv), "none");
	assert_reason(&cv, "lan-direct", "To 192.168.1.0/24 does not hold 198.51.100.7");
	assert_reason(&cv, "office", "From 10.0.1.0/24, fd00:1::/64 does not hold 10.0.2.7");
	assert_reason(&cv, "backup", "forwarded packet has no sending process");
	assert_reason(&cv, "app", "forwarded packet");
	assert_reason(&cv, "web", "no ipproto given");
	assert_reason(&cv, "web", "no dport given");
	assert_reason(&cv, "corp", "To 172.16.0.0/12 does not hold");
	/* The reason points at the selector's line. */
	assert_int_equal(verdict(&cv, "office")->loc.line, 5);

	chosen(&fx, "198.51.100.7 uid 1002 cgroup user.slice/other.scope", &cv);
	assert_reason(&cv, "office", "no source given");
	assert_reason(&cv, "backup", "User 1001, 2000-2010 does not hold 1002");
	assert_reason(&cv, "app",
		      "Cgroup user.slice/app.scope does not hold user.slice/other.scope");
	/* A prefix of a name is not the cgroup. */
	chosen(&fx, "198.51.100.7 cgroup user.slice/app.scope2", &cv);
	assert_reason(&cv, "app", "does not hold");
	chosen(&fx, "198.51.100.7", &cv);
	assert_reason(&cv, "backup", "no uid given");
	assert_reason(&cv, "app", "no cgroup given");
	done(&fx);
}

static void another_family_is_one_reason(void **unused)
{
	struct config_view cv;
	struct fx fx;

	(void)unused;
	build(&fx, gateway);
	assert_string_equal(chosen(&fx, "to 2001:db8::7 from fd00:1::7 iif lan1", &cv), "office");
	chosen(&fx, "to 2001:db8::7 from fd00:2::7 iif lan1", &cv);
	assert_reason(&cv, "lan-direct", "an IPv6 packet");
	/* Only the family: To's mismatch would say nothing more. */
	assert_null(strstr(verdict(&cv, "lan-direct")->reason, "does not hold"));
	done(&fx);
}

static void failover_and_kill_switch_state(void **unused)
{
	struct config_view cv;
	struct fx fx;

	(void)unused;
	down_target = "corp:0";
	build(&fx, gateway);
	assert_string_equal(chosen(&fx, "172.16.3.4", &cv), "corp");
	assert_string_equal(cv.active->iface_name, "wg1");
	done(&fx);
}

/* What a policy's DNS does with a packet: "10.8.0.1", "drop", or "" (left as it is). */
static const char *dns_verdict(struct fx *fx, const char *words, char *buf)
{
	struct config_view cv;

	chosen(fx, words, &cv);
	if (cv.dns_to)
		return prefix_format(cv.dns_to, buf, false);
	return cv.dns_dropped ? "drop" : "";
}

static void dns_queries_redirected_dropped_or_left(void **unused)
{
	static const char dns[] = "[Policy office]\nFrom = 10.0.1.0/24, fd00:1::/64\nVia = wg0\n"
				  "DNS = 10.8.0.1\n"
				  "[Policy user]\nUser = 2000\nVia = wg1\nDNS = 10.9.0.1, 10.9.0.2\n";
	static const char *const cases[][2] = {
		{ "to 203.0.113.53 from 10.0.1.2 iif lan1 ipproto udp dport 53", "10.8.0.1" },
		{ "to 10.0.1.1 from 10.0.1.2 iif lan1 ipproto tcp dport 53", "10.8.0.1" },
		{ "to 2001:db8::53 from fd00:1::2 iif lan1 ipproto udp dport 53", "drop" },
		{ "to 10.8.0.1 from 10.0.1.2 iif lan1 ipproto udp dport 53", "" },
		{ "to 203.0.113.53 from 10.0.1.2 iif lan1 ipproto udp dport 443", "" },
		{ "to 203.0.113.53 from 10.0.2.2 iif lan2 ipproto udp dport 53", "" },
		{ "to 203.0.113.53 uid 2000 ipproto udp dport 53", "10.9.0.1" },
		{ "to 10.9.0.2 uid 2000 ipproto udp dport 53", "" },
		{ "to 127.0.0.53 uid 2000 ipproto udp dport 53", "" },
	};
	char buf[PREFIX_STRLEN];
	struct fx fx;
	size_t i;

	(void)unused;
	build(&fx, dns);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = dns_verdict(&fx, cases[i][0], buf);

		if (strcmp(got, cases[i][1]))
			fail_msg("%s: DNS gives '%s', expected '%s'", cases[i][0], got, cases[i][1]);
	}
	done(&fx);
}

/* ---- the compiled state's view ---- */

static void simulate(struct fx *fx, const char *words, struct simulation *sim)
{
	struct packet pk = pkt(fx, words);

	explain_simulate(fx->c, fx->desired, &pk, &fx->a, sim);
}

static uint32_t table_of(struct fx *fx, const char *name)
{
	struct compiled_policy v;

	vec_foreach(p, &fx->c->policies) if (!strcmp((*p)->name, name))
	{
		compile_policy_view(fx->c, fx->desired, *p, &v);
		return v.table;
	}
	fail_msg("no policy %s", name);
	return 0;
}

static void rule_table_route_and_peer(void **unused)
{
	struct simulation sim;
	struct fx fx;

	(void)unused;
	build(&fx, gateway);
	simulate(&fx, "to 198.51.100.7 from 10.0.1.7 iif lan1", &sim);
	assert_int_equal(sim.end, SIM_ROUTE);
	assert_int_equal(sim.table, table_of(&fx, "office"));
	assert_int_equal(sim.rule->table, sim.table);
	assert_string_equal(sim.route->ifname, "wg0");
	assert_int_equal(sim.route->type, ROUTE_UNICAST);
	assert_non_null(sim.peer);
	assert_string_equal(sim.peer->ifname, "wg0");
	assert_null(sim.marked_by);

	/* Via = direct: the main table, whose routes are not wgpolicy's to know. */
	simulate(&fx, "to 192.168.1.9 from 10.0.1.7 iif lan1", &sim);
	assert_int_equal(sim.end, SIM_OTHER_TABLE);
	assert_int_equal(sim.table, RT_TABLE_MAIN_ID);
	assert_non_null(sim.rule);

	/* No policy: the kernel's main rule. */
	simulate(&fx, "to 198.51.100.7 from 10.0.2.7 iif lan2", &sim);
	assert_int_equal(sim.end, SIM_OTHER_TABLE);
	assert_null(sim.rule);

	simulate(&fx, "198.51.100.7 uid 2001", &sim);
	assert_int_equal(sim.table, table_of(&fx, "backup"));
	assert_string_equal(sim.route->ifname, "wg1");
	done(&fx);
}

static void cgroup_policy_is_marked_by_nftables(void **unused)
{
	const struct conf_policy *by;
	struct simulation sim;
	struct fx fx;
	struct packet pk;

	(void)unused;
	build(&fx, gateway);
	simulate(&fx, "198.51.100.7 cgroup user.slice/app.scope", &sim);
	assert_non_null(sim.marked_by);
	assert_string_equal(sim.marked_by->name, "app");
	assert_int_equal(sim.mark & GLOBAL_DEFAULT_MARK_MASK, sim.mark);
	assert_int_not_equal(sim.mark, 0);
	assert_int_equal(sim.rule->fwmark, sim.mark);
	assert_string_equal(sim.route->ifname, "wg0");
	/* Forwarded packets have no socket; marked ones are left alone. */
	pk = pkt(&fx, "to 198.51.100.7 from 10.0.2.7 iif lan2 cgroup user.slice/app.scope");
	assert_int_equal(explain_nft_mark(fx.c, fx.desired, &pk, &fx.a, &by), 0);
	pk = pkt(&fx, "198.51.100.7 cgroup user.slice/app.scope mark 0x1000000");
	assert_int_equal(explain_nft_mark(fx.c, fx.desired, &pk, &fx.a, &by), 0);
	done(&fx);
}

static void a_tunnels_own_packets_take_main(void **unused)
{
	struct simulation sim;
	char words[64];
	struct fx fx;

	(void)unused;
	build(&fx, gateway);
	snprintf(words, sizeof(words), "198.51.100.7 uid 2001 mark 0x%x",
		 fx.desired->wgdevs.v[0].fwmark);
	simulate(&fx, words, &sim);
	assert_int_equal(sim.end, SIM_OTHER_TABLE);
	assert_int_equal(sim.table, RT_TABLE_MAIN_ID);
	assert_int_equal(sim.rule->fwmark, fx.desired->wgdevs.v[0].fwmark);
	assert_null(sim.marked_by);
	done(&fx);
}

static void marks_of_another_mask_and_mark_selectors(void **unused)
{
	struct simulation sim;
	struct config_view cv;
	struct fx fx;

	(void)unused;
	build(&fx, marks);
	/* FirewallMark stays a native rule selector; its value is not wgpolicy's mark. */
	simulate(&fx, "198.51.100.7 mark 0x310", &sim);
	assert_null(sim.marked_by);
	assert_int_equal(sim.table, table_of(&fx, "tagged"));
	assert_string_equal(chosen(&fx, "198.51.100.7 mark 0x11", &cv), "none");
	assert_reason(&cv, "tagged", "FirewallMark 0x10/0xff: the packet's mark is 0x11");
	/* 5 sources x 14 port ranges is more than the RPDB should walk: nftables marks. */
	simulate(&fx, "to 198.51.100.7 from 10.3.0.9 iif lan ipproto udp dport 20", &sim);
	assert_string_equal(sim.marked_by->name, "many");
	assert_int_equal(sim.mark & ~0x00ff0000u, 0);
	assert_int_equal(sim.table, table_of(&fx, "many"));
	assert_string_equal(sim.route->ifname, "wg0");
	simulate(&fx, "to 198.51.100.7 from 10.3.0.9 iif lan ipproto udp dport 29", &sim);
	assert_null(sim.marked_by);
	/* A group only nftables sees. */
	simulate(&fx, "198.51.100.7 gid staff", &sim);
	assert_string_equal(sim.marked_by->name, "staff");
	assert_string_equal(sim.route->ifname, "wg1");
	done(&fx);
}

static void kill_switch_refuses_when_every_target_is_down(void **unused)
{
	struct kernel_route k = {.error = -ENETUNREACH};
	struct simulation sim;
	struct config_view cv;
	const char *why;
	struct fx fx;

	(void)unused;
	down_target = "office:0";
	build(&fx, gateway);
	assert_string_equal(chosen(&fx, "to 198.51.100.7 from 10.0.1.7 iif lan1", &cv), "office");
	assert_null(cv.active);
	simulate(&fx, "to 198.51.100.7 from 10.0.1.7 iif lan1", &sim);
	assert_int_equal(sim.end, SIM_ROUTE);
	assert_int_equal(sim.route->type, ROUTE_UNREACHABLE);
	assert_int_equal(explain_agree(&sim, &k, &why), AGREE);
	k = (struct kernel_route){.table = RT_TABLE_MAIN_ID, .dev = "eth0"};
	assert_int_equal(explain_agree(&sim, &k, &why), DISAGREE);
	done(&fx);
}

/* wg-quick's full tunnel: main's specific routes first (suppress_prefixlength 0), then 51820. */
static void wg_quick_full_tunnel(void **unused)
{
	static const char full[] = "[Interface]\nPrivateKey = " KEY_A "\nAddress = 10.8.0.2/24\n"
				   "[Peer]\nPublicKey = " PUB_A "\nEndpoint = 203.0.113.10:51820\n"
				   "AllowedIPs = 0.0.0.0/0\n";
	struct conf_source src = {.path = "wg0.conf", .data = full, .len = sizeof(full) - 1};
	struct state *desired = state_new(), *live = state_new();
	struct test_facts tf;
	struct simulation sim;
	struct packet pk;
	struct conf *c = parse_sources(&src, 1);
	struct arena a;
	struct diags d;
	char *to[] = {"198.51.100.7"}, mark[32], *marked[] = {"198.51.100.7", "mark", mark};
	struct kernel_route k;
	const char *why;

	(void)unused;
	arena_init(&a);
	diags_init(&d, &desired->arena);
	assert_int_equal(compile_state(c, test_facts(&tf, c, live), desired, &d), 0);
	assert_null(packet_parse(&pk, to, 1, c, &test_env, &a));
	explain_simulate(c, desired, &pk, &a, &sim);
	assert_int_equal(sim.end, SIM_ROUTE);
	assert_int_equal(sim.table, WGQUICK_TABLE_BASE);
	assert_true(sim.rule->invert);
	assert_string_equal(sim.route->ifname, "wg0");
	assert_int_equal(sim.skipped_suppress, 1);
	/* The tunnel's own packets carry its fwmark: main. */
	snprintf(mark, sizeof(mark), "0x%x", desired->wgdevs.v[0].fwmark);
	assert_null(packet_parse(&pk, marked, 3, c, &test_env, &a));
	explain_simulate(c, desired, &pk, &a, &sim);
	assert_int_equal(sim.end, SIM_OTHER_TABLE);
	assert_int_equal(sim.table, RT_TABLE_MAIN_ID);
	/* The LAN: main's own route is more specific than the default it suppresses. */
	assert_null(packet_parse(&pk, to, 1, c, &test_env, &a));
	explain_simulate(c, desired, &pk, &a, &sim);
	k = (struct kernel_route){.table = RT_TABLE_MAIN_ID, .dev = "eth0"};
	assert_null(prefix_parse("198.51.100.0/24", &k.matched, NULL));
	explain_settle(&sim, &k);
	assert_ptr_equal(sim.rule, sim.suppressed);
	assert_int_equal(sim.rule->suppress_prefixlen, 0);
	assert_int_equal(explain_agree(&sim, &k, &why), AGREE);
	/* main's default route: the suppressed rule did not take it, the tunnel's table is gone. */
	explain_simulate(c, desired, &pk, &a, &sim);
	assert_null(prefix_parse("0.0.0.0/0", &k.matched, NULL));
	explain_settle(&sim, &k);
	assert_int_equal(sim.table, WGQUICK_TABLE_BASE);
	assert_int_equal(explain_agree(&sim, &k, &why), DISAGREE);
	test_facts_free(&tf);
	arena_free(&a);
	state_free(live);
	state_free(desired);
	conf_free(c);
}

/* ---- agreement ---- */

static void kernel_answers_compared(void **unused)
{
	struct simulation sim;
	struct kernel_route k = {0};
	const char *why;
	struct fx fx;

	(void)unused;
	build(&fx, gateway);
	simulate(&fx, "to 198.51.100.7 from 10.0.1.7 iif lan1", &sim);
	k.table = sim.table;
	snprintf(k.dev, sizeof(k.dev), "wg0");
	assert_int_equal(explain_agree(&sim, &k, &why), AGREE);
	/* The rule is gone from the kernel: main takes it, by eth0. */
	k.table = RT_TABLE_MAIN_ID;
	snprintf(k.dev, sizeof(k.dev), "eth0");
	assert_int_equal(explain_agree(&sim, &k, &why), DISAGREE);
	assert_non_null(strstr(why, "another table"));
	k.table = sim.table;
	assert_int_equal(explain_agree(&sim, &k, &why), DISAGREE);
	assert_non_null(strstr(why, "another interface"));
	k.error = -ENETUNREACH;
	assert_int_equal(explain_agree(&sim, &k, &why), DISAGREE);
	/* iif names no interface here (a typo): the kernel cannot say, it does not disagree. */
	k.error = -ENODEV;
	assert_int_equal(explain_agree(&sim, &k, &why), UNDECIDED);
	assert_non_null(strstr(why, "no interface"));
	/* No policy: the main table in both. */
	simulate(&fx, "to 198.51.100.7 from 10.0.2.7 iif lan2", &sim);
	k = (struct kernel_route){.table = RT_TABLE_MAIN_ID, .dev = "eth0"};
	assert_int_equal(explain_agree(&sim, &k, &why), AGREE);
	k.table = table_of(&fx, "office");
	assert_int_equal(explain_agree(&sim, &k, &why), DISAGREE);
	done(&fx);
}

/* ---- the selectors ---- */

static void packet_words(void **unused)
{
	char *bad[][4] = {
	    {"from", "10.0.0.1"},
	    {"to", "10.0.0.1", "sport"},
	    {"to", "10.0.0.1", "tos", "1"},
	    {"to", "10.0.0.1", "uid", "nobody-here"},
	    {"to", "10.0.0.1", "exec", "office"},
	    {"to", "10.0.0.1", "from", "fd00::1"},
	    {"to", "10.0.0.1", "dport", "70000"},
	};
	const int nbad[] = {2, 3, 4, 4, 4, 4, 4};
	char pkbuf[256];
	struct packet pk;
	struct fx fx;
	size_t i;

	(void)unused;
	build(&fx, gateway);
	for (i = 0; i < sizeof(nbad) / sizeof(*nbad); i++)
		assert_non_null(packet_parse(&pk, bad[i], nbad[i], fx.c, &test_env, &fx.a));
	pk = pkt(&fx, "203.0.113.5 from 10.0.1.2 iif lan1 uid alice mark 0x10/0xf0 ipproto tcp "
		      "sport 5000 dport 443");
	assert_int_equal(pk.uid, 1001);
	assert_int_equal(pk.mark, 0x10);
	assert_true(packet_forwarded(&pk));
	assert_string_equal(packet_format(&pk, pkbuf, sizeof(pkbuf)),
			    "to 203.0.113.5 from 10.0.1.2 iif lan1 uid 1001 mark 0x10 ipproto tcp "
			    "sport 5000 dport 443");
	pk = pkt(&fx, "to 203.0.113.5 iif lo");
	assert_false(packet_forwarded(&pk));
	done(&fx);
}

/* The MTU of link @name in @desired. */
static uint32_t link_mtu(const struct state *desired, const char *name)
{
	vec_foreach(l, &desired->links) if (!strcmp(l->name, name)) return l->mtu;
	fail_msg("no link %s", name);
	return 0;
}

/*
 * B's packets go inside the full tunnel A once both are up: its path MTU is
 * A's, unless a route of main for B's endpoint (the LAN) takes them first.
 */
static void a_tunnel_inside_a_full_tunnel(void **unused)
{
	static const char a_conf[] = "[Interface]\nPrivateKey = " KEY_A "\nMTU = auto\n"
				     "[Peer]\nPublicKey = " PUB_A "\nEndpoint = 203.0.113.10:51820\n"
				     "AllowedIPs = 0.0.0.0/0\n";
	static const char b_conf[] = "[Interface]\nPrivateKey = " KEY_A "\nMTU = auto\n"
				     "[Peer]\nPublicKey = " PUB_B "\nEndpoint = 198.51.100.7:51820\n"
				     "AllowedIPs = 10.8.0.0/24\n";
	struct conf_source srcs[] = {
	    {.path = "wga.conf", .data = a_conf, .len = sizeof(a_conf) - 1},
	    {.path = "wgb.conf", .data = b_conf, .len = sizeof(b_conf) - 1},
	};
	struct conf *c = parse_sources(srcs, 2);
	struct state *live = state_new(), *desired;
	struct mtu_fact mtus[2] = {{.ifname = "wga", .mtu = 1500}, {.ifname = "wgb", .mtu = 1500}};
	struct test_facts tf;
	struct facts *f = test_facts(&tf, c, live);
	struct arena a;
	struct diags d;
	int round;

	(void)unused;
	arena_init(&a);
	assert_null(addr_parse("203.0.113.10", &mtus[0].addr));
	assert_null(addr_parse("198.51.100.7", &mtus[1].addr));
	assert_null(prefix_parse("0.0.0.0/0", &mtus[1].main_route, NULL));
	f->mtus = mtus;
	f->n_mtus = 2;
	for (round = 0; round < 3; round++) {
		desired = state_new();
		diags_init(&d, &desired->arena);
		assert_int_equal(compile_state(c, f, desired, &d), 0);
		if (!explain_tunnel_paths(c, f, desired, &a))
			break;
		state_free(desired);
	}
	assert_int_equal(round, 1); /* one round to learn B's path, the next changes nothing */
	assert_int_equal(mtus[0].mtu, 1500);
	assert_int_equal(mtus[1].mtu, 1440);
	assert_int_equal(link_mtu(desired, "wga"), 1440);
	assert_int_equal(link_mtu(desired, "wgb"), 1380);

	/* B's endpoint on the LAN: main's /24 beats the suppressed default, A does not carry it. */
	mtus[1].mtu = 1500;
	assert_null(prefix_parse("198.51.100.0/24", &mtus[1].main_route, NULL));
	assert_false(explain_tunnel_paths(c, f, desired, &a));
	assert_int_equal(mtus[1].mtu, 1500);
	/* Not asked of the kernel: the simulation's own assumption, A carries it. */
	mtus[1].main_route = (struct prefix){0};
	assert_true(explain_tunnel_paths(c, f, desired, &a));

	state_free(desired);
	state_free(live);
	test_facts_free(&tf);
	arena_free(&a);
	conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(first_matching_policy_in_rule_order),
	    cmocka_unit_test(each_exclusion_says_which_selector),
	    cmocka_unit_test(another_family_is_one_reason),
	    cmocka_unit_test(failover_and_kill_switch_state),
	    cmocka_unit_test(dns_queries_redirected_dropped_or_left),
	    cmocka_unit_test(rule_table_route_and_peer),
	    cmocka_unit_test(cgroup_policy_is_marked_by_nftables),
	    cmocka_unit_test(a_tunnels_own_packets_take_main),
	    cmocka_unit_test(marks_of_another_mask_and_mark_selectors),
	    cmocka_unit_test(kill_switch_refuses_when_every_target_is_down),
	    cmocka_unit_test(wg_quick_full_tunnel),
	    cmocka_unit_test(kernel_answers_compared),
	    cmocka_unit_test(packet_words),
	    cmocka_unit_test(a_tunnel_inside_a_full_tunnel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
