// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which conntrack entries are a policy's flows: a marked policy's by its
 * mark (the one its rules look for), a native one's by addresses, protocol
 * and ports; a policy conntrack cannot tell apart has none.
 */
#include <errno.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "state/flow.h"
#include "testenv.h"

static const char wg0[] =
	"[Interface]\nPrivateKey = YHc5sW8SCn+NXFbEVgR6gr9B5jVz3X5VkYTU4t6uHXs=\nTable = off\n"
	"[Peer]\nPublicKey = 8GNJNFvZust1HJW+ALrd+jEP/RhrjHTVDNsfgyvscWY=\n"
	"Endpoint = 203.0.113.10:51820\nAllowedIPs = 0.0.0.0/0, ::/0\n";

static const char policies[] =
	"[Policy office]\nFrom = 10.0.1.0/24\nTo = 192.168.100.0/24, fd00:100::/64\n"
	"IPProtocol = udp\nDestinationPort = 5060-5061\nVia = wg0\n"
	"[Policy app]\nCgroup = user.slice/app.scope\nVia = wg0\n"
	"[Policy user]\nUser = alice\nVia = wg0\n"
	/* 70 sources: more than the RPDB takes as rules, so nftables marks them */
	"[Policy branch]\nVia = wg0\nFrom = "
	"10.50.0.0/24, 10.50.2.0/24, 10.50.4.0/24, 10.50.6.0/24, 10.50.8.0/24, "
	"10.50.10.0/24, 10.50.12.0/24, 10.50.14.0/24, 10.50.16.0/24, 10.50.18.0/24, "
	"10.50.20.0/24, 10.50.22.0/24, 10.50.24.0/24, 10.50.26.0/24, 10.50.28.0/24, "
	"10.50.30.0/24, 10.50.32.0/24, 10.50.34.0/24, 10.50.36.0/24, 10.50.38.0/24, "
	"10.50.40.0/24, 10.50.42.0/24, 10.50.44.0/24, 10.50.46.0/24, 10.50.48.0/24, "
	"10.50.50.0/24, 10.50.52.0/24, 10.50.54.0/24, 10.50.56.0/24, 10.50.58.0/24, "
	"10.50.60.0/24, 10.50.62.0/24, 10.50.64.0/24, 10.50.66.0/24, 10.50.68.0/24, "
	"10.50.70.0/24, 10.50.72.0/24, 10.50.74.0/24, 10.50.76.0/24, 10.50.78.0/24, "
	"10.50.80.0/24, 10.50.82.0/24, 10.50.84.0/24, 10.50.86.0/24, 10.50.88.0/24, "
	"10.50.90.0/24, 10.50.92.0/24, 10.50.94.0/24, 10.50.96.0/24, 10.50.98.0/24, "
	"10.50.100.0/24, 10.50.102.0/24, 10.50.104.0/24, 10.50.106.0/24, 10.50.108.0/24, "
	"10.50.110.0/24, 10.50.112.0/24, 10.50.114.0/24, 10.50.116.0/24, 10.50.118.0/24, "
	"10.50.120.0/24, 10.50.122.0/24, 10.50.124.0/24, 10.50.126.0/24, 10.50.128.0/24, "
	"10.50.130.0/24, 10.50.132.0/24, 10.50.134.0/24, 10.50.136.0/24, 10.50.138.0/24"
	"\n";

struct fixture {
	struct conf *c;
	struct state *desired;
	struct arena a;
};

static int setup(void **state)
{
	static struct fixture fx;
	struct conf_source srcs[] = {
		{ .path = "wg0.conf", .data = wg0, .len = sizeof(wg0) - 1 },
		{ .path = "policy.conf", .data = policies, .len = sizeof(policies) - 1 },
	};
	struct state *live = state_new();
	struct test_facts tf;
	struct diags d;
	size_t i;

	fx.c = conf_new();
	for (i = 0; i < 2; i++)
		assert_int_equal(conf_parse(fx.c, &srcs[i], &test_env), 0);
	conf_finish(fx.c);
	if (fx.c->diags.errors)
		dump_diags(fx.c);
	assert_int_equal(fx.c->diags.errors, 0);
	fx.desired = state_new();
	diags_init(&d, &fx.desired->arena);
	assert_int_equal(compile_state(fx.c, test_facts(&tf, fx.c, live), fx.desired, &d), 0);
	test_facts_free(&tf);
	state_free(live);
	arena_init(&fx.a);
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	arena_free(&fx->a);
	state_free(fx->desired);
	conf_free(fx->c);
	return 0;
}

static const struct conf_policy *policy(const struct fixture *fx, const char *name)
{
	vec_foreach(p, &fx->c->policies)
		if (!strcmp((*p)->name, name))
			return *p;
	fail_msg("no policy %s", name);
	return NULL;
}

static struct flow_tuple v4(const char *src, const char *dst, uint8_t proto, uint16_t dport)
{
	struct flow_tuple t = { .family = FAMILY_V4, .proto = proto, .sport = 40000 };
	struct prefix p;

	t.dport = dport;
	assert_null(addr_parse(src, &p));
	memcpy(t.src, p.addr, 4);
	assert_null(addr_parse(dst, &p));
	memcpy(t.dst, p.addr, 4);
	return t;
}

static void native_policy_by_addresses_protocol_ports(void **state)
{
	struct fixture *fx = *state;
	struct flow_match m;
	struct flow_tuple t;

	assert_int_equal(compile_flows(fx->c, fx->desired, policy(fx, "office"), &fx->a, &m), 0);
	assert_int_equal(m.mask, 0);
	t = v4("10.0.1.7", "192.168.100.9", 17, 5060);
	assert_true(flow_matches(&m, &t));
	t = v4("10.0.2.7", "192.168.100.9", 17, 5060); /* another source */
	assert_false(flow_matches(&m, &t));
	t = v4("10.0.1.7", "192.168.101.9", 17, 5060); /* another destination */
	assert_false(flow_matches(&m, &t));
	t = v4("10.0.1.7", "192.168.100.9", 6, 5060); /* TCP */
	assert_false(flow_matches(&m, &t));
	t = v4("10.0.1.7", "192.168.100.9", 17, 5062); /* another port */
	assert_false(flow_matches(&m, &t));
}

static void marked_policy_by_its_rules_mark(void **state)
{
	struct fixture *fx = *state;
	const struct conf_policy *p = policy(fx, "app");
	struct flow_match m;
	struct flow_tuple t = v4("10.0.1.7", "192.168.100.9", 17, 5060);
	bool ruled = false;

	assert_int_equal(compile_flows(fx->c, fx->desired, p, &fx->a, &m), 0);
	assert_int_not_equal(m.mask, 0);
	assert_int_not_equal(m.mark, 0);
	/* The very mark its fwmark rule looks for, under wgpolicy's mask. */
	vec_foreach(r, &fx->desired->rules)
		ruled |= r->fwmark == m.mark && r->fwmask == m.mask;
	assert_true(ruled);
	t.mark = m.mark | 0x5; /* someone else's bits beside ours */
	assert_true(flow_matches(&m, &t));
	t.mark = 0;
	assert_false(flow_matches(&m, &t));
}

/*
 * Marked only because its list is long: its flows are found by their
 * addresses, and its packets' connections get no mark (which would turn
 * conntrack on for every packet of the router).
 */
static void marked_for_size_by_addresses(void **state)
{
	struct fixture *fx = *state;
	struct flow_match m;
	struct flow_tuple t;
	int marks = 0;

	assert_int_equal(compile_flows(fx->c, fx->desired, policy(fx, "branch"), &fx->a, &m), 0);
	assert_int_equal(m.mask, 0);
	assert_int_equal(m.src.n, 70);
	t = v4("10.50.68.9", "198.51.100.1", 6, 443);
	assert_true(flow_matches(&m, &t));
	t = v4("10.50.69.9", "198.51.100.1", 6, 443); /* the odd /24 beside: not the policy's */
	assert_false(flow_matches(&m, &t));
	t = v4("10.50.140.9", "198.51.100.1", 6, 443); /* past the list */
	assert_false(flow_matches(&m, &t));
	vec_foreach(n, &fx->desired->nft) {
		const char *line = n->ruleset ? strstr(n->ruleset, "@p3_saddr4_24") : NULL;

		for (; line; line = strstr(line + 1, "@p3_saddr4_24"), marks++)
			assert_null(memmem(line, strcspn(line, "\n"), "ct mark", 7));
	}
	assert_int_equal(marks, 2); /* output and prerouting */
}

static void user_policy_cannot_be_told_apart(void **state)
{
	struct fixture *fx = *state;
	struct flow_match m;

	assert_int_equal(compile_flows(fx->c, fx->desired, policy(fx, "user"), &fx->a, &m),
			 -EOPNOTSUPP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(native_policy_by_addresses_protocol_ports),
		cmocka_unit_test(marked_policy_by_its_rules_mark),
		cmocka_unit_test(marked_for_size_by_addresses),
		cmocka_unit_test(user_policy_cannot_be_told_apart),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
