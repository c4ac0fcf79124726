// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * MSS clamping where the kernel has egress hooks: one chain per tunnel in
 * the table netdev wgpolicy, by the tunnel's MTU; without them (Linux before
 * 5.16), a postrouting rule in the inet table, by the route's MTU; with the
 * leak guard, the guard's first rules, by the tunnel's MTU, on any kernel.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "testenv.h"

static const char wg0[] =
	"[Interface]\nPrivateKey = YHc5sW8SCn+NXFbEVgR6gr9B5jVz3X5VkYTU4t6uHXs=\nTable = off\n"
	"MTU = 1400\n"
	"[Peer]\nPublicKey = 8GNJNFvZust1HJW+ALrd+jEP/RhrjHTVDNsfgyvscWY=\n"
	"Endpoint = 203.0.113.10:51820\nAllowedIPs = 0.0.0.0/0, ::/0\n";

static const char unguarded[] = "[Policy office]\nFrom = 10.0.1.0/24\nVia = wg0\n"
				"KillSwitch = routes\n";
static const char guarded[] = "[Policy office]\nFrom = 10.0.1.0/24\nVia = wg0\n";

static struct state *compiled(bool egress, const char *policy)
{
	struct conf_source srcs[] = {
		{ .path = "wg0.conf", .data = wg0, .len = sizeof(wg0) - 1 },
		{ .path = "policy.conf", .data = policy, .len = strlen(policy) },
	};
	struct state *live = state_new(), *out = state_new();
	struct conf *c = parse_sources(srcs, 2);
	struct test_facts tf;
	struct facts *f = test_facts(&tf, c, live);
	struct diags d;

	f->nft_egress = egress;
	diags_init(&d, &out->arena);
	assert_int_equal(compile_state(c, f, out, &d), 0);
	test_facts_free(&tf);
	state_free(live);
	conf_free(c);
	return out;
}

static const struct st_nft *table(const struct state *s, const char *name)
{
	vec_foreach(t, &s->nft)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

static void egress_hook_by_the_tunnels_mtu(void **unused)
{
	struct state *s = compiled(true, unguarded);
	const struct st_nft *t = table(s, NFT_NETDEV_TABLE);

	(void)unused;
	assert_non_null(t);
	assert_null(table(s, "inet wgpolicy")); /* routes alone: nothing else in nftables */
	assert_non_null(strstr(t->ruleset, "hook egress device \"wg0\""));
	assert_non_null(strstr(t->ruleset, "meta protocol ip tcp flags & (syn | rst) == syn "
					   "tcp option maxseg size > 1360 tcp option maxseg size set 1360"));
	assert_non_null(strstr(t->ruleset, "maxseg size set 1340"));
	assert_int_equal(t->n_chains, 1);
	state_free(s);
}

static void postrouting_without_egress_hooks(void **unused)
{
	struct state *s = compiled(false, unguarded);
	const struct st_nft *t = table(s, "inet wgpolicy");

	(void)unused;
	assert_null(table(s, NFT_NETDEV_TABLE));
	assert_non_null(t);
	assert_non_null(strstr(t->ruleset, "hook postrouting priority mangle"));
	assert_non_null(strstr(t->ruleset, "oifname { \"wg0\" } tcp flags & (syn | rst) == syn "
					   "tcp option maxseg size set rt mtu"));
	assert_int_equal(t->n_rules, 1);
	state_free(s);
}

/* The guard's hook is paid already: no egress hook, whatever the kernel has. */
static void guard_clamps_first(void **unused)
{
	static const bool kernels[] = { true, false };
	size_t i;

	(void)unused;
	for (i = 0; i < 2; i++) {
		struct state *s = compiled(kernels[i], guarded);
		const struct st_nft *t = table(s, "inet wgpolicy");
		const char *clamp, *verdict;

		assert_null(table(s, NFT_NETDEV_TABLE));
		assert_non_null(t);
		clamp = strstr(t->ruleset, "tcp flags & (syn | rst) == syn meta nfproto ipv4 "
					   "oifname \"wg0\" tcp option maxseg size > 1360 "
					   "tcp option maxseg size set 1360");
		verdict = strstr(t->ruleset, "jump guard");
		assert_non_null(clamp);
		assert_non_null(verdict);
		assert_true(strstr(t->ruleset, "hook postrouting priority filter") < clamp);
		assert_true(clamp < verdict);
		assert_non_null(strstr(t->ruleset, "meta nfproto ipv6 oifname \"wg0\" "
						   "tcp option maxseg size > 1340"));
		assert_null(strstr(t->ruleset, "rt mtu"));
		state_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(egress_hook_by_the_tunnels_mtu),
		cmocka_unit_test(postrouting_without_egress_hooks),
		cmocka_unit_test(guard_clamps_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
