// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A tunnel pinned to an uplink (Underlay = eth1): the way out of its table
 * depends on what the uplink is. With a gateway, by the gateway; a point to
 * point link, by the device; an Ethernet-like link without a gateway, no way
 * at all (unreachable, and a warning), never a device route that would ask
 * the local network for the endpoint. And going down, it loses its peers
 * before the rule that sends its packets to eth1 goes.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uplink_ways),
		cmocka_unit_test(peer_goes_before_the_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
