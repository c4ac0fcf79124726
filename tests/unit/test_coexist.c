// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Mark bits other nftables tables use: a FirewallMarkMask that overlaps them
 * is refused, naming the table and chain, at the line of the mask.
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
	"[Peer]\nPublicKey = 8GNJNFvZust1HJW+ALrd+jEP/RhrjHTVDNsfgyvscWY=\n"
	"Endpoint = 203.0.113.10:51820\nAllowedIPs = 0.0.0.0/0, ::/0\n";

static const char policy[] = "[Policy office]\nFrom = 10.0.1.0/24\nVia = wg0\n";
static const char tailscale_mask[] = "[Global]\nFirewallMarkMask = 0x00ff0000\n";

/* Tailscale's chains, as kernel/nft_marks.c reads them. */
static struct st_mark_use tailscale[] = {
	{ "ip filter", "ts-forward", 0x00ff0000, 0x00ff0000 },
	{ "ip nat", "ts-postrouting", 0, 0x00ff0000 },
};

/*
 * Compile wg0.conf, with @pol as policy.conf when not NULL, against an empty
 * live state and the mark uses @uses; the errors, one a line, "FILE:LINE:
 * MESSAGE", into @out.
 */
static int compile_errors(const char *pol, struct st_mark_use *uses, size_t n,
			  const char *uses_error, char *out, size_t len)
{
	struct conf_source srcs[] = {
		{ .path = "wg0.conf", .data = wg0, .len = sizeof(wg0) - 1 },
		{ .path = "policy.conf", .data = pol, .len = pol ? strlen(pol) : 0 },
	};
	struct state *live = state_new(), *out_state = state_new();
	struct conf *c = conf_new();
	struct test_facts tf;
	struct facts *f;
	struct diags d;
	size_t i;
	int ret;

	for (i = 0; i < (pol ? 2u : 1u); i++)
		assert_int_equal(conf_parse(c, &srcs[i], &test_env), 0);
	conf_finish(c);
	if (c->diags.errors)
		dump_diags(c);
	assert_int_equal(c->diags.errors, 0);
	f = test_facts(&tf, c, live);
	f->mark_uses = (struct st_mark_uses){ .v = uses, .n = n, .cap = n };
	f->mark_uses_error = uses_error;
	diags_init(&d, &out_state->arena);
	ret = compile_state(c, f, out_state, &d);
	out[0] = '\0';
	vec_foreach(g, &d.list) {
		size_t used = strlen(out);

		snprintf(out + used, len - used, "%s:%u: %s\n", g->loc.file ? g->loc.file : "",
			 g->loc.line, g->msg);
	}
	test_facts_free(&tf);
	state_free(out_state);
	state_free(live);
	conf_free(c);
	return ret;
}

static void tailscale_bits_refused(void **state)
{
	char pol[256], errs[1024];

	(void)state;
	snprintf(pol, sizeof(pol), "%s%s", policy, tailscale_mask);
	assert_int_not_equal(compile_errors(pol, tailscale, 2, NULL, errs, sizeof(errs)), 0);
	assert_string_equal(errs, "policy.conf:5: FirewallMarkMask 0x00ff0000 overlaps mark bits "
				  "0x00ff0000 that nftables table ip filter sets (chain "
				  "ts-forward); choose bits nobody else uses\n");
}

static void beside_tailscale(void **state)
{
	char errs[1024];

	(void)state;
	assert_int_equal(compile_errors(policy, tailscale, 2, NULL, errs, sizeof(errs)), 0);
	assert_string_equal(errs, "");
}

/* A chain that only reads our bits is named as matching them. */
static void matched_bits_refused(void **state)
{
	char pol[256], errs[1024];

	(void)state;
	snprintf(pol, sizeof(pol), "%s%s", policy, tailscale_mask);
	assert_int_not_equal(compile_errors(pol, &tailscale[1], 1, NULL, errs, sizeof(errs)), 0);
	assert_non_null(strstr(errs, "that nftables table ip nat matches (chain ts-postrouting)"));
}

/* A whole mark set (wg-quick's `meta mark set ct mark`) collides with any mask. */
static void whole_mark_refused(void **state)
{
	struct st_mark_use wgquick = { "ip wg-quick-wg1", "premangle", UINT32_MAX, UINT32_MAX };
	char errs[1024];

	(void)state;
	assert_int_not_equal(compile_errors(policy, &wgquick, 1, NULL, errs, sizeof(errs)), 0);
	assert_string_equal(errs, ":0: FirewallMarkMask 0xff000000 overlaps mark bits 0xffffffff "
				  "that nftables table ip wg-quick-wg1 sets (chain premangle); "
				  "choose bits nobody else uses\n");
}

/* Without policies wgpolicy takes no mark bits: nothing to collide with. */
static void no_policies_no_marks(void **state)
{
	struct st_mark_use wgquick = { "ip wg-quick-wg1", "premangle", UINT32_MAX, UINT32_MAX };
	char errs[1024];

	(void)state;
	assert_int_equal(compile_errors(NULL, &wgquick, 1, NULL, errs, sizeof(errs)), 0);
	assert_string_equal(errs, "");
}

static void unreadable_ruleset_refused(void **state)
{
	char errs[1024];

	(void)state;
	assert_int_not_equal(compile_errors(policy, NULL, 0, "Operation not permitted", errs,
					    sizeof(errs)),
			     0);
	assert_non_null(strstr(errs, "cannot tell which mark bits other nftables tables use: "
				     "Operation not permitted"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tailscale_bits_refused),
		cmocka_unit_test(beside_tailscale),
		cmocka_unit_test(matched_bits_refused),
		cmocka_unit_test(whole_mark_refused),
		cmocka_unit_test(no_policies_no_marks),
		cmocka_unit_test(unreadable_ruleset_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
