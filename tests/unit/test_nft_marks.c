// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The mark bits of other nftables tables, from libnftables' JSON. The files
 * under tests/unit/nft are real listings: each NAME.json is what nft 1.0.6
 * printed for NAME.nft, made in a network namespace of its own with
 *   unshare -n sh -c 'nft -f NAME.nft && nft -j -t list ruleset' > NAME.json
 */
#include <errno.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/nft.h"

#define ALL UINT32_MAX

static const char *dir;

struct want {
	const char *table, *chain;
	uint32_t set, matched;
};

static char *slurp(const char *name)
{
	char path[4096];
	FILE *f;
	char *text;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return text;
}

static void assert_uses(const char *json, const struct want *want, size_t n)
{
	struct st_mark_uses uses = { 0 };
	struct arena a;
	size_t i;

	arena_init(&a);
	assert_int_equal(nft_mark_uses_parse(json, &a, &uses), 0);
	for (i = 0; i < uses.n && i < n; i++) {
		assert_string_equal(uses.v[i].table, want[i].table);
		assert_string_equal(uses.v[i].chain, want[i].chain);
		assert_int_equal(uses.v[i].set, want[i].set);
		assert_int_equal(uses.v[i].matched, want[i].matched);
	}
	assert_int_equal(uses.n, n);
	arena_free(&a);
}

static void assert_file_uses(const char *name, const struct want *want, size_t n)
{
	char *json = slurp(name);

	assert_uses(json, want, n);
	free(json);
}

/* One rule of statements @expr (JSON), in chain c of table ip t. */
static void assert_rule_uses(const char *expr, uint32_t set, uint32_t matched)
{
	char json[2048];
	const struct want w = { "ip t", "c", set, matched };

	snprintf(json, sizeof(json),
		 "{\"nftables\": [{\"rule\": {\"family\": \"ip\", \"table\": \"t\", "
		 "\"chain\": \"c\", \"handle\": 1, \"expr\": [%s]}}]}",
		 expr);
	assert_uses(json, &w, set || matched ? 1 : 0);
}

#define MARK "{\"meta\": {\"key\": \"mark\"}}"
#define CTMARK "{\"ct\": {\"key\": \"mark\"}}"

/* Tailscale sets and matches 0x40000 within 0xff0000; its input chain has no marks. */
static void tailscale(void **state)
{
	const struct want w[] = {
		{ "ip filter", "ts-forward", 0x00ff0000, 0x00ff0000 },
		{ "ip nat", "ts-postrouting", 0, 0x00ff0000 },
		{ "ip6 filter", "ts-forward", 0x00ff0000, 0x00ff0000 },
		{ "ip6 nat", "ts-postrouting", 0, 0x00ff0000 },
	};

	(void)state;
	assert_file_uses("tailscale.json", w, 4);
}

static void mwan3(void **state)
{
	const struct want w[] = {
		{ "inet mwan3", "mwan3_hook", 0x3f00, 0x3f00 },
		{ "inet mwan3", "mwan3_ifaces_in", 0x3f00, 0x3f00 },
		{ "inet mwan3", "mwan3_policy_balanced", 0x3f00, 0x3f00 },
	};

	(void)state;
	assert_file_uses("mwan3.json", w, 3);
}

/* Docker uses no marks; wgpolicy's own table is not another's. */
static void docker(void **state)
{
	(void)state;
	assert_file_uses("docker.json", NULL, 0);
}

/*
 * wg-quick restores and saves whole marks, but the only value it moves is its
 * fwmark (51820): only those bits count, as for its `not fwmark` rule.
 */
static void wg_quick(void **state)
{
	const struct want w[] = {
		{ "ip wg-quick-wg0", "postmangle", 0xca6c, 0xca6c },
	};

	(void)state;
	assert_file_uses("wg-quick.json", w, 1);
}

static void whole_marks(void **state)
{
	(void)state;
	/* meta mark set 0x1: every bit replaced. */
	assert_rule_uses("{\"mangle\": {\"key\": " MARK ", \"value\": 1}}", ALL, 0);
	/* ct mark set 0x5 */
	assert_rule_uses("{\"mangle\": {\"key\": " CTMARK ", \"value\": 5}}", ALL, 0);
	/* meta mark 0x1 accept: a packet we marked no longer equals 0x1. */
	assert_rule_uses("{\"match\": {\"op\": \"==\", \"left\": " MARK ", \"right\": 1}}, "
			 "{\"accept\": null}",
			 0, ALL);
	/* meta mark { 0x1, 0x2 } */
	assert_rule_uses("{\"match\": {\"op\": \"==\", \"left\": " MARK
			 ", \"right\": {\"set\": [1, 2]}}}",
			 0, ALL);
	/* meta mark set ip saddr map { 10.0.0.1 : 0x1 } */
	assert_rule_uses("{\"mangle\": {\"key\": " MARK ", \"value\": {\"map\": {\"key\": "
			 "{\"payload\": {\"protocol\": \"ip\", \"field\": \"saddr\"}}, \"data\": "
			 "{\"set\": [[\"10.0.0.1\", 1]]}}}}}",
			 ALL, 0);
	/* The table the integration scenarios load beside wgpolicy's (coexist, daemon-marks). */
	{
		const struct want w[] = { { "ip other", "out", ALL, 0 } };

		assert_file_uses("whole-mark.json", w, 1);
	}
}

static void masked_marks(void **state)
{
	(void)state;
	/* meta mark set meta mark | 0x2000 (iptables' --set-xmark 0x2000/0x2000) */
	assert_rule_uses("{\"mangle\": {\"key\": " MARK ", \"value\": {\"|\": [" MARK
			 ", 8192]}}}",
			 0x2000, 0);
	/* meta mark set meta mark & 0xffff: the top half cleared */
	assert_rule_uses("{\"mangle\": {\"key\": " MARK ", \"value\": {\"&\": [" MARK
			 ", 65535]}}}",
			 0xffff0000, 0);
	/* meta mark set mark and 0xff00ffff xor 0x40000, as nft 1.0.6 takes it in */
	assert_rule_uses("{\"mangle\": {\"key\": " MARK ", \"value\": {\"^\": [{\"&\": [" MARK
			 ", 4278255615]}, 262144]}}}",
			 0x00ff0000, 0);
	/* meta mark & 0xff vmap { 0x1 : accept } */
	assert_rule_uses("{\"vmap\": {\"key\": {\"&\": [" MARK ", 255]}, \"data\": {\"set\": "
			 "[[1, {\"accept\": null}]]}}}",
			 0, 0xff);
	/* meta mark & 0xffff0000 == 0x10000, which nft lists as a prefix */
	assert_rule_uses("{\"match\": {\"op\": \"==\", \"left\": " MARK
			 ", \"right\": {\"prefix\": {\"addr\": 65536, \"len\": 16}}}}",
			 0, 0xffff0000);
	/* ct mark & 0x3f00 != 0 */
	assert_rule_uses("{\"match\": {\"op\": \"!=\", \"left\": {\"&\": [" CTMARK
			 ", 16128]}, \"right\": 0}}",
			 0, 0x3f00);
}

static void marks_copied(void **state)
{
	(void)state;
	/* meta mark set ct mark and 0x3f00: the whole packet mark, 0x3f00 of the connection's. */
	assert_rule_uses("{\"mangle\": {\"key\": " MARK ", \"value\": {\"&\": [" CTMARK
			 ", 16128]}}}",
			 ALL, 0x3f00);
	/* ct mark set ct mark & 0xffffc0ff | meta mark & 0x3f00 (two registers, nft 1.1) */
	assert_rule_uses("{\"mangle\": {\"key\": " CTMARK ", \"value\": {\"|\": [{\"&\": [" CTMARK
			 ", 4294951167]}, {\"&\": [" MARK ", 16128]}]}}}",
			 0x3f00, 0x3f00);
	/* meta mark set meta mark >> 8: bits moved, none kept */
	assert_rule_uses("{\"mangle\": {\"key\": " MARK ", \"value\": {\">>\": [" MARK
			 ", 8]}}}",
			 ALL, 0);
}

/* iptables-nft's compat expressions hide their masks: every bit. */
static void xt_compat(void **state)
{
	(void)state;
	assert_rule_uses("{\"xt\": {\"type\": \"target\", \"name\": \"MARK\"}}", ALL, 0);
	assert_rule_uses("{\"xt\": {\"type\": \"target\", \"name\": \"CONNMARK\"}}", ALL, 0);
	assert_rule_uses("{\"xt\": {\"type\": \"match\", \"name\": \"connmark\"}}", 0, ALL);
	assert_rule_uses("{\"xt\": {\"type\": \"target\", \"name\": \"MASQUERADE\"}}", 0, 0);
}

static void no_marks(void **state)
{
	(void)state;
	/* socket mark is a socket's SO_MARK, not the packet's */
	assert_rule_uses("{\"match\": {\"op\": \"==\", \"left\": {\"socket\": {\"key\": "
			 "\"mark\"}}, \"right\": 1}}",
			 0, 0);
	assert_rule_uses("{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": "
			 "\"iifname\"}}, \"right\": \"eth0\"}}, {\"accept\": null}",
			 0, 0);
}

static void not_a_listing(void **state)
{
	struct st_mark_uses uses = { 0 };
	struct arena a;

	(void)state;
	arena_init(&a);
	assert_int_equal(nft_mark_uses_parse("table ip filter {", &a, &uses), -EINVAL);
	assert_int_equal(nft_mark_uses_parse("{\"nftables\": 1}", &a, &uses), -EINVAL);
	assert_int_equal(nft_mark_uses_parse("{\"nftables\": []}", &a, &uses), 0);
	assert_int_equal(uses.n, 0);
	arena_free(&a);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tailscale),	 cmocka_unit_test(mwan3),
		cmocka_unit_test(docker),	 cmocka_unit_test(wg_quick),
		cmocka_unit_test(whole_marks),	 cmocka_unit_test(masked_marks),
		cmocka_unit_test(marks_copied),	 cmocka_unit_test(xt_compat),
		cmocka_unit_test(no_marks),	 cmocka_unit_test(not_a_listing),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR (tests/unit/nft)\n", argv[0]);
		return 1;
	}
	dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
