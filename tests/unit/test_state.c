// SPDX-License-Identifier: GPL-2.0-or-later
/* The names of wgpolicy's nftables tables: made from an interface, and read back from nft. */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "state/state.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_round_trip),
		cmocka_unit_test(other_tables_are_not_ours),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
