// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A tunnel pinned to an uplink (Underlay = eth1): the way out of its table
 * depends on what the uplink is. With a gateway, by the gateway; a point to
 * point link, by the device; an Ethernet-like link without a gateway, no way
 * at all (unreachable, and a warning), never a device route that would ask
 * the local network for the endpoint. And going down, it loses its peers
 * before the rule that sends its packets to eth1 goes. A tunnel's own fwmark (one its file
 * sets, a full tunnel's) is never the mark of another tunnel or of a policy. A policy
 * takes a mark (nftables and one fwmark rule) past NATIVE_RULES_MAX rules, its
 * locality rules counted; its leak guard lets the LAN's own traffic pass where
 * the RPDB's locality rule keeps it.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "state/plan.h"
#include "testenv.h"

static const char pinned[] =
	"[Interface]\nPrivateKey = YHc5sW8SCn+NXFbEVgR6gr9B5jVz3X5VkYTU4t6uHXs=\nTable = off\n"
	"Underlay = eth1\n"
	"[Peer]\nPublicKey = 8GNJNFvZust1HJW+ALrd+jEP/RhrjHTVDNsfgyvscWY=\n"
	"Endpoint = 203.0.113.10:51820\nAllowedIPs = 0.0.0.0/0\n";

/* Compile the pinned tunnel with eth1 as @p2p and @gw4 say; *@warnings gets their number. */
static struct state *compile_pinned(bool p2p, const char *gw4, size_t *warnings)
{
	struct conf *c = parse_text("/etc/wgpolicy/wg0.conf", pinned);
	struct state *s = state_new(), *live = state_new();
	struct test_facts tf;
	struct facts *f = test_facts(&tf, c, live);
	struct diags d;

	assert_int_equal(f->n_uplinks, 1);
	memset(tf.ups[0].gw, 0, sizeof(tf.ups[0].gw));
	tf.ups[0].p2p = p2p;
	if (gw4)
		assert_null(addr_parse(gw4, &tf.ups[0].gw[0]));
	diags_init(&d, &s->arena);
	assert_int_equal(compile_state(c, f, s, &d), 0);
	*warnings = d.warnings;
	test_facts_free(&tf);
	state_free(live);
	conf_free(c);
	return s;
}

static const struct {
	const char *name;
	bool p2p;
	const char *gw4;
	size_t warnings;
	const char *routes;
} cases[] = {
	{ "by the gateway", false, "192.0.2.254", 0,
	  "ip -4 route add 0.0.0.0/0 via 192.0.2.254 dev eth1 table 52000 proto 87\n"
	  "ip -4 route add unreachable 0.0.0.0/0 table 52000 metric 4294967295 proto 87\n"
	  "ip -6 route add unreachable ::/0 table 52000 metric 4294967295 proto 87\n" },
	{ "point to point: by the device", true, NULL, 0,
	  "ip -4 route add 0.0.0.0/0 dev eth1 table 52000 proto 87\n"
	  "ip -4 route add unreachable 0.0.0.0/0 table 52000 metric 4294967295 proto 87\n"
	  "ip -6 route add ::/0 dev eth1 table 52000 metric 1024 proto 87\n"
	  "ip -6 route add unreachable ::/0 table 52000 metric 4294967295 proto 87\n" },
	{ "no gateway: held back, with a warning", false, NULL, 1,
	  "ip -4 route add unreachable 0.0.0.0/0 table 52000 metric 4294967295 proto 87\n"
	  "ip -6 route add unreachable ::/0 table 52000 metric 4294967295 proto 87\n" },
};

static void uplink_ways(void **state)
{
	struct state *none = state_new();
	char routes[1024];
	size_t i, warnings;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct state *s = compile_pinned(cases[i].p2p, cases[i].gw4, &warnings);

		plan_lines(none, s, OBJ_ROUTE, routes, sizeof(routes));
		if (warnings != cases[i].warnings || strcmp(routes, cases[i].routes))
			fail_msg("%s: %zu warnings, routes:\n%s", cases[i].name, warnings, routes);
		state_free(s);
	}
	state_free(none);
}

/*
 * Going down, the tunnel loses its peer before its rule goes: it sends
 * nothing more, not even a handshake that the main table would carry past
 * eth1.
 */
static void peer_goes_before_the_rule(void **state)
{
	size_t warnings;
	struct state *s = compile_pinned(false, "192.0.2.254", &warnings), *none = state_new();
	char ops[4096];
	const char *peer, *rule;

	(void)state;
	plan_lines(s, none, -1, ops, sizeof(ops));
	peer = strstr(ops, "wg set wg0 peer 8GNJNFvZust1HJW+ALrd+jEP/RhrjHTVDNsfgyvscWY= remove\n");
	rule = strstr(ops, "rule del fwmark");
	if (!peer || !rule || peer > rule)
		fail_msg("the peer does not go before the tunnel's rule:\n%s", ops);
	state_free(s);
	state_free(none);
}

/* wg0 and wg1, each with @wg0_body or @wg1_body after its key, and @policy: compiled over @live. */
static struct state *compile_two(const char *wg0_body, const char *wg1_body, const char *policy,
				 const struct state *live)
{
	char wg0[512], wg1[512];
	const char *peer = "[Peer]\nPublicKey = 8GNJNFvZust1HJW+ALrd+jEP/RhrjHTVDNsfgyvscWY=\n"
			   "Endpoint = 203.0.113.10:51820\nAllowedIPs = 0.0.0.0/0\n";
	struct conf_source srcs[3] = {
		{ .path = "wg0.conf", .data = wg0 },
		{ .path = "wg1.conf", .data = wg1 },
		{ .path = "policy.conf", .data = policy, .len = strlen(policy) },
	};
	struct state *s = state_new();
	struct test_facts tf;
	struct conf *c;
	struct diags d;

	snprintf(wg0, sizeof(wg0), "[Interface]\nPrivateKey = %s\n%s%s",
		 "YHc5sW8SCn+NXFbEVgR6gr9B5jVz3X5VkYTU4t6uHXs=", wg0_body, peer);
	snprintf(wg1, sizeof(wg1), "[Interface]\nPrivateKey = %s\n%s%s",
		 "2NTFlSfX7F5u0lTYmnHN7DyyTOLcJfsz/VlpAe6K10A=", wg1_body, peer);
	srcs[0].len = strlen(wg0);
	srcs[1].len = strlen(wg1);
	c = parse_sources(srcs, 3);
	diags_init(&d, &s->arena);
	assert_int_equal(compile_state(c, test_facts(&tf, c, live), s, &d), 0);
	if (d.errors)
		fail_msg("compile: %zu errors", d.errors);
	test_facts_free(&tf);
	conf_free(c);
	return s;
}

static uint32_t fwmark_of(const struct state *s, const char *ifname)
{
	vec_foreach(d, &s->wgdevs)
		if (!strcmp(d->ifname, ifname))
			return d->fwmark;
	fail_msg("no device %s", ifname);
	return 0;
}

/* No rule matches @mark under the policies' mask but the tunnel's own: fwmark @mark lookup main. */
static void mark_is_the_tunnels_alone(const struct state *s, uint32_t mark)
{
	vec_foreach(r, &s->rules)
		if (r->fwmark && (r->fwmark & (r->fwmask ? r->fwmask : ~0u) & 0xff000000) ==
					 (mark & 0xff000000) &&
		    !(r->fwmark == mark && r->table == RT_TABLE_MAIN_ID))
			fail_msg("rule pref %u fwmark 0x%x/0x%x takes the tunnel's packets",
				 r->priority, r->fwmark, r->fwmask);
}

static void marks_pass_a_files_fwmark_by(void **state)
{
	/* wg1 sets the mark space's first value; tunnel marks and a group's mark come after it. */
	struct state *s = compile_two("Table = off\n", "Table = off\nFwMark = 0x1000000\n",
				      "[Policy office]\nFrom = 10.0.1.0/24\nVia = wg0\n"
				      "[Policy staff]\nGroup = staff\nVia = wg0\n", NULL);

	(void)state;
	assert_int_equal(fwmark_of(s, "wg1"), 0x1000000);
	assert_int_not_equal(fwmark_of(s, "wg0"), 0x1000000);
	mark_is_the_tunnels_alone(s, 0x1000000);
	mark_is_the_tunnels_alone(s, fwmark_of(s, "wg0"));
	state_free(s);
}

static void full_tunnel_drops_its_policy_mark(void **state)
{
	/* wg0 was the policies' tunnel, with their first mark; now it is a full tunnel too. */
	struct state *live = state_new(), *s;
	struct st_wgdev *had = vec_push(&live->arena, &live->wgdevs);

	(void)state;
	assert_non_null(had);
	*had = (struct st_wgdev){ .ifname = "wg0", .fwmark = 0x1000000 };
	s = compile_two("", "Table = off\n", "[Policy office]\nFrom = 10.0.1.0/24\nVia = wg0\n",
			live);
	assert_int_equal(fwmark_of(s, "wg0"), 51820);
	assert_int_not_equal(fwmark_of(s, "wg1"), 51820);
	mark_is_the_tunnels_alone(s, fwmark_of(s, "wg1"));
	state_free(s);
	state_free(live);
}

static const char *inet_table(const struct state *s)
{
	vec_foreach(t, &s->nft)
		if (!strcmp(t->name, "inet wgpolicy"))
			return t->ruleset;
	fail_msg("no inet wgpolicy table");
	return NULL;
}

/* Rules selecting by source, and rules by a policy's mark (not a tunnel's: those look up main). */
static void count_rules(const struct state *s, size_t *by_source, size_t *by_mark)
{
	*by_source = *by_mark = 0;
	vec_foreach(r, &s->rules) {
		*by_source += r->src.len != 0;
		*by_mark += r->fwmark && r->table != RT_TABLE_MAIN_ID;
	}
}

static void sources_take_a_mark_past_the_native_limit(void **state)
{
	static const char four[] = "[Policy office]\nFrom = 10.0.1.0/24, 10.0.2.0/24, "
				   "10.0.3.0/24, 10.0.4.0/24\nVia = wg0\nKillSwitch = routes\n";
	static const char five[] = "[Policy office]\nFrom = 10.0.1.0/24, 10.0.2.0/24, "
				   "10.0.3.0/24, 10.0.4.0/24, 10.0.5.0/24\nVia = wg0\n"
				   "KillSwitch = routes\n";
	struct state *s = compile_two("Table = off\n", "Table = off\n", four, NULL);
	const char *marking;
	size_t by_source, by_mark;

	(void)state;
	/* Four sources: four rules and four locality rules, eight: native. */
	count_rules(s, &by_source, &by_mark);
	assert_int_equal(by_source, 8);
	assert_int_equal(by_mark, 0);
	state_free(s);
	s = compile_two("Table = off\n", "Table = off\n", five, NULL);
	count_rules(s, &by_source, &by_mark);
	assert_int_equal(by_source, 0);
	assert_int_equal(by_mark, 1);
	marking = inet_table(s);
	assert_non_null(strstr(marking, "ip saddr & 255.255.255.0 { 10.0.1.0, 10.0.2.0, 10.0.3.0, "
					"10.0.4.0, 10.0.5.0 }"));
	/* The tunnels' marks are under the mask: the marking rules pass them without a rule. */
	assert_null(strstr(marking, "} return"));
	state_free(s);
}

/* Where the guard lets from S to S pass: @before must come before @after in the table. */
static void guard_order(const char *policy, const char *before, const char *after)
{
	struct state *s = compile_two("Table = off\n", "Table = off\n", policy, NULL);
	const char *t = inet_table(s), *b = strstr(t, before), *a = strstr(t, after);

	if (!a || !b || b > a)
		fail_msg("want \"%s\" before \"%s\" in:\n%s", before, after, t);
	state_free(s);
}

static void guard_keeps_the_lan_local(void **state)
{
	static const char *const local = "ip saddr { 10.0.1.0/24 } ip daddr { 10.0.1.0/24 } accept";

	(void)state;
	/* Every packet from its sources is the policy's: the locality check waits in its chain. */
	guard_order("[Policy office]\nFrom = 10.0.1.0/24\nVia = wg0\n", "chain guard0 {", local);
	/* Not so with ports: the RPDB's locality rule comes first for all ports, and so does it. */
	guard_order("[Policy office]\nFrom = 10.0.1.0/24\nIPProtocol = tcp\n"
		    "DestinationPort = 443\nVia = wg0\n",
		    local, "jump guard0");
	guard_order("[Policy office]\nFrom = 10.0.1.0/24\nIPProtocol = tcp\n"
		    "DestinationPort = 443\nVia = wg0\n",
		    "jump guard0", "chain guard0 {");
}

/* The guard's test of a policy whose destinations are @to: @want in the table. */
static void guard_test(const char *to, const char *want)
{
	char policy[1024];
	struct state *s;

	snprintf(policy, sizeof(policy), "[Policy office]\nTo = %s\nVia = wg0\n", to);
	s = compile_two("Table = off\n", "Table = off\n", policy, NULL);
	if (!strstr(inet_table(s), want))
		fail_msg("want \"%s\" in:\n%s", want, inet_table(s));
	state_free(s);
}

static void prefixes_of_one_length_are_hashed(void **state)
{
	char many[1024];
	size_t i, n = 0;

	(void)state;
	guard_test("10.0.1.0/24, 10.0.2.0/24",
		   "ip daddr & 255.255.255.0 { 10.0.1.0, 10.0.2.0 } jump guard0");
	guard_test("10.0.1.1, 10.0.1.2", "ip daddr { 10.0.1.1, 10.0.1.2 } jump guard0");
	/* A short list of mixed lengths: one interval lookup, not one rule per length. */
	guard_test("10.0.1.0/24, 10.1.0.0/16", "ip daddr { 10.0.1.0/24, 10.1.0.0/16 } jump guard0");
	/* A named hash set is sized: the kernel's fixed-size hash, not its resizable one. */
	for (i = 0; i < 20; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "%s10.0.%zu.0/24", i ? ", " : "", i);
	guard_test(many, "ip daddr & 255.255.255.0 @p0_daddr4_24 jump guard0");
	guard_test(many, "set p0_daddr4_24 {\n\t\ttype ipv4_addr; size 20;\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uplink_ways),
		cmocka_unit_test(sources_take_a_mark_past_the_native_limit),
		cmocka_unit_test(guard_keeps_the_lan_local),
		cmocka_unit_test(prefixes_of_one_length_are_hashed),
		cmocka_unit_test(peer_goes_before_the_rule),
		cmocka_unit_test(marks_pass_a_files_fwmark_by),
		cmocka_unit_test(full_tunnel_drops_its_policy_mark),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
