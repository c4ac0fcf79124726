// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The single-value parsers of conf/values.c, each over a table of inputs: what
 * it accepts and yields, what it refuses and with which words.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "conf/values.h"
#include "util/x25519.h"
#include "testenv.h"

#define N(a) (sizeof(a) / sizeof(*(a)))

static void bools(void **state)
{
	static const struct {
		const char *in, *err;
		bool want;
	} cases[] = {
		{ "yes", NULL, true },	    { "true", NULL, true },   { "on", NULL, true },
		{ "1", NULL, true },	    { "YES", NULL, true },    { "True", NULL, true },
		{ "no", NULL, false },	    { "false", NULL, false }, { "off", NULL, false },
		{ "0", NULL, false },	    { "OFF", NULL, false },   { "", "expected yes or no" },
		{ "2", "expected yes or no" }, { "yess", "expected yes or no" },
		{ "y", "expected yes or no" }, { "enabled", "expected yes or no" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		bool got = !cases[i].want;

		assert_verdict(cases[i].in, parse_bool(cases[i].in, &got), cases[i].err);
		if (!cases[i].err)
			assert_int_equal(got, cases[i].want);
	}
}

static void uints(void **state)
{
	static const struct {
		const char *in;
		uint32_t min, max;
		const char *err;
		uint32_t want;
	} cases[] = {
		{ "0", 0, 10, NULL, 0 },
		{ "10", 0, 10, NULL, 10 },
		{ "11", 0, 10, "out of range 0-10" },
		{ "0", 1, 10, "out of range 1-10" },
		{ "65535", 0, 65535, NULL, 65535 },
		{ "70000", 0, 65535, "out of range 0-65535" },
		{ "4294967295", 0, UINT32_MAX, NULL, UINT32_MAX },
		{ "4294967296", 0, UINT32_MAX, "out of range" },
		{ "99999999999999999999999999", 0, UINT32_MAX, "out of range" },
		{ "007", 0, 10, NULL, 7 },
		{ "", 0, 10, "not a number" },
		{ "-1", 0, 10, "not a number" },
		{ "+1", 0, 10, "not a number" },
		{ " 1", 0, 10, "not a number" },
		{ "1 ", 0, 10, "not a number" },
		{ "0x10", 0, 100, "not a number" },
		{ "1e3", 0, 10000, "not a number" },
		{ "1.0", 0, 10, "not a number" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		uint32_t got = 12345;

		assert_verdict(cases[i].in, parse_uint(cases[i].in, cases[i].min, cases[i].max, &got),
			       cases[i].err);
		assert_int_equal(got, cases[i].err ? 12345 : cases[i].want);
	}
}

static void marks(void **state)
{
	static const struct {
		const char *in, *err;
		uint32_t value, mask;
	} cases[] = {
		{ "0", NULL, 0, UINT32_MAX },
		{ "51820", NULL, 51820, UINT32_MAX },
		{ "0xca6c", NULL, 0xca6c, UINT32_MAX },
		{ "0XCA6C", NULL, 0xca6c, UINT32_MAX },
		{ "0xffffffff", NULL, UINT32_MAX, UINT32_MAX },
		{ "4294967295", NULL, UINT32_MAX, UINT32_MAX },
		{ "0x10/0xff", NULL, 0x10, 0xff },
		{ "16/255", NULL, 16, 255 },
		{ "0x300/0x300", NULL, 0x300, 0x300 },
		{ "0/0x1", NULL, 0, 1 },
		{ "010", NULL, 8, UINT32_MAX }, /* octal, as wg and ip read it */
		{ "0777/0777", NULL, 0777, 0777 },
		{ "08", "a leading 0 makes an octal number" },
		{ "0x100000000", "larger than 32 bits" },
		{ "4294967296", "larger than 32 bits" },
		{ "0x", "not a number" },
		{ "", "not a number" },
		{ "12abc", "not a decimal, 0x-hexadecimal or 0-octal number" },
		{ "0xg", "not a decimal, 0x-hexadecimal or 0-octal number" },
		{ "-1", "not a decimal, 0x-hexadecimal or 0-octal number" },
		{ "0x100/0xff", "value has bits outside its mask" },
		{ "0x1/0", "a mask of 0 matches every packet" },
		{ "1/", "not a number" },
		{ "/0xff", "not a number" },
		{ "1/2/3", "not a decimal, 0x-hexadecimal or 0-octal number" },
		{ "1/0x1ffffffff", "larger than 32 bits" },
		{ "0x00000000000000000000000000000001/1", "value too long" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		uint32_t value = 7, mask = 7;

		assert_verdict(cases[i].in, parse_mark(cases[i].in, &value, &mask), cases[i].err);
		if (cases[i].err)
			continue;
		assert_int_equal(value, cases[i].value);
		assert_int_equal(mask, cases[i].mask);
	}
}

static void ranges(void **state)
{
	static const struct {
		const char *in;
		uint32_t max;
		const char *err;
		uint32_t lo, hi;
	} cases[] = {
		{ "5", 100, NULL, 5, 5 },
		{ "1001-1010", 65535, NULL, 1001, 1010 },
		{ "7-7", 100, NULL, 7, 7 },
		{ "0-4294967294", UINT32_MAX - 1, NULL, 0, UINT32_MAX - 1 },
		{ "1010-1001", 65535, "range given backwards" },
		{ "1-65536", 65535, "out of range" },
		{ "65536", 65535, "out of range" },
		{ "5-", 100, "not a number" },
		{ "-5", 100, "not a number" },
		{ "1-2-3", 100, "not a number" },
		{ "a-b", 100, "not a number" },
		{ "", 100, "not a number" },
		{ "12345678901234567890-1", UINT32_MAX, "not a number" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct range32 r = { 0 };

		assert_verdict(cases[i].in, parse_range(cases[i].in, 0, cases[i].max, &r),
			       cases[i].err);
		if (cases[i].err)
			continue;
		assert_int_equal(r.lo, cases[i].lo);
		assert_int_equal(r.hi, cases[i].hi);
	}
}

/* wg-quick(8)'s example private key, and its bytes. */
static const char man_key[] = "oK56DE9Ue9zK76rAc8pBl6opph+1v36lm7cXXsQKrQM=";
static const uint8_t man_key_bytes[WG_KEY_LEN] = {
	0xa0, 0xae, 0x7a, 0x0c, 0x4f, 0x54, 0x7b, 0xdc, 0xca, 0xef, 0xaa, 0xc0, 0x73, 0xca, 0x41, 0x97,
	0xaa, 0x29, 0xa6, 0x1f, 0xb5, 0xbf, 0x7e, 0xa5, 0x9b, 0xb7, 0x17, 0x5e, 0xc4, 0x0a, 0xad, 0x03,
};

static const uint8_t alphabet_bytes[2][WG_KEY_LEN] = {
	{ 0x00, 0x10, 0x83, 0x10, 0x51, 0x87, 0x20, 0x92, 0x8b, 0x30, 0xd3, 0x8f, 0x41, 0x14, 0x93,
	  0x51, 0x55, 0x97, 0x61, 0x96, 0x9b, 0x71, 0xd7, 0x9f, 0x82, 0x18, 0xa3, 0x92, 0x59, 0xa7,
	  0xa2, 0x9a },
	{ 0xaa, 0xbb, 0x2d, 0xba, 0xfc, 0x31, 0xcb, 0x3d, 0x35, 0xdb, 0x7e, 0x39, 0xeb, 0xbf, 0x3d,
	  0xfb, 0xf0, 0x01, 0x08, 0x31, 0x05, 0x18, 0x72, 0x09, 0x28, 0xb3, 0x0d, 0x38, 0xf4, 0x11,
	  0x49, 0x35 },
};

static void keys(void **state)
{
	static const struct {
		const char *in, *err;
	} cases[] = {
		{ "oK56DE9Ue9zK76rAc8pBl6opph+1v36lm7cXXsQKrQM=", NULL },
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", NULL },
		{ "//////////////////////////////////////////8=", NULL },
		/* the last digit carries 4 bits and 2 unused ones, which must be zero (as in wg) */
		{ "oK56DE9Ue9zK76rAc8pBl6opph+1v36lm7cXXsQKrQN=", "not canonical base64" },
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=", "not canonical base64" },
		{ "///////////////////////////////////////////=", "not canonical base64" },
		{ "oK56DE9Ue9zK76rAc8pBl6opph+1v36lm7cXXsQKrQM", "44 characters of base64 ending in '='" },
		{ "oK56DE9Ue9zK76rAc8pBl6opph+1v36lm7cXXsQKrQMA", "ending in '='" },
		{ "oK56DE9Ue9zK76rAc8pBl6opph+1v36lm7cXXsQKrQ==", "invalid base64 character" },
		{ "oK56DE9Ue9zK76rAc8pBl6opph+1v36lm7cXXsQKrQM==", "44 characters" },
		{ "oK56DE9Ue9zK76rAc8pBl6opph-1v36lm7cXXsQKrQM=", "invalid base64 character" },
		{ "oK56DE9Ue9zK76rAc8pBl6opph_1v36lm7cXXsQKrQM=", "invalid base64 character" },
		{ "oK56DE9Ue9zK76rAc8pBl6opph 1v36lm7cXXsQKrQM=", "invalid base64 character" },
		{ "", "44 characters" },
		{ "a0ae7a0c4f547bdccaefaac073ca4197aa29a61fb5bf7ea59bb7175ec40aad03", "44 characters" },
	};
	struct wg_key k;
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++)
		assert_verdict(cases[i].in, parse_key(cases[i].in, &k), cases[i].err);
	assert_null(parse_key(man_key, &k));
	assert_memory_equal(k.b, man_key_bytes, WG_KEY_LEN);
	assert_null(parse_key("//////////////////////////////////////////8=", &k));
	for (i = 0; i < WG_KEY_LEN; i++)
		assert_int_equal(k.b[i], 0xff);
	/* every character of the alphabet, against Python's base64 */
	assert_null(parse_key("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopo=", &k));
	assert_memory_equal(k.b, alphabet_bytes[0], WG_KEY_LEN);
	assert_null(parse_key("qrstuvwxyz0123456789+/ABCDEFGHIJKLMNOPQRSTU=", &k));
	assert_memory_equal(k.b, alphabet_bytes[1], WG_KEY_LEN);
}

static void endpoints(void **state)
{
	static const struct {
		const char *in, *err, *host;
		uint16_t port;
	} cases[] = {
		{ "demo.wireguard.com:51820", NULL, "demo.wireguard.com", 51820 },
		{ "192.95.5.67:1234", NULL, "192.95.5.67", 1234 },
		{ "[2607:5300:60:6b0::c05f:543]:2468", NULL, "2607:5300:60:6b0::c05f:543", 2468 },
		{ "[fe80::1%eth0]:51820", NULL, "fe80::1%eth0", 51820 },
		{ "[::1]:1", NULL, "::1", 1 },
		{ "host_1.example:65535", NULL, "host_1.example", 65535 },
		{ "example.com.:443", NULL, "example.com.", 443 },
		{ "localhost:51820", NULL, "localhost", 51820 },
		{ "vpn.example.com", "missing ':PORT'" },
		{ "vpn.example.com:", "port must be a number in 1-65535" },
		{ "vpn.example.com:0", "port must be a number in 1-65535" },
		{ "vpn.example.com:65536", "port must be a number in 1-65535" },
		{ "vpn.example.com:-1", "port must be a number in 1-65535" },
		{ "vpn.example.com:http", "port must be a number in 1-65535 or the name of a UDP service" },
		{ ":51820", "missing host" },
		{ "[]:51820", "missing host" },
		{ "2001:db8::1:51820", "an IPv6 endpoint must be written [ADDRESS]:PORT" },
		{ "[2001:db8::1]51820", "missing ':PORT' after ']'" },
		{ "[2001:db8::1]", "missing ':PORT' after ']'" },
		{ "[2001:db8::1:51820", "missing ']' after the IPv6 address" },
		{ "[192.0.2.1]:51820", "not a valid IPv6 address between '[' and ']'" },
		{ "[vpn.example.com]:51820", "not a valid IPv6 address between '[' and ']'" },
		{ "192.0.2.256:51820", "not a valid IPv4 address" },
		{ "192.0.2:51820", "not a valid IPv4 address" },
		{ "1234:51820", "not a valid IPv4 address" },
		{ "-vpn.example.com:51820", "not a valid host name" },
		{ "vpn-.example.com:51820", "not a valid host name" },
		{ "vpn..example.com:51820", "not a valid host name" },
		{ ".example.com:51820", "not a valid host name" },
		{ "vpn!.example.com:51820", "not a valid host name" },
		{ "v p n:51820", "not a valid host name" },
	};
	struct arena a;
	size_t i;

	(void)state;
	arena_init(&a);
	for (i = 0; i < N(cases); i++) {
		struct endpoint ep = { 0 };

		assert_verdict(cases[i].in, parse_endpoint(&a, cases[i].in, &ep), cases[i].err);
		if (cases[i].err)
			continue;
		assert_string_equal(ep.host, cases[i].host);
		assert_int_equal(ep.port, cases[i].port);
	}
	arena_free(&a);
}

/* A host of 253 characters is the longest DNS name; one more is too long. */
static void endpoint_host_lengths(void **state)
{
	char name[300], in[320];
	struct endpoint ep;
	struct arena a;
	size_t len;

	(void)state;
	arena_init(&a);
	for (len = 250; len <= 256; len++) {
		size_t i;

		for (i = 0; i < len; i++)
			name[i] = i % 50 == 49 ? '.' : 'a';
		name[len] = '\0';
		snprintf(in, sizeof(in), "%s:51820", name);
		assert_verdict(in, parse_endpoint(&a, in, &ep),
			       len <= 253 ? NULL : len < 256 ? "not a valid host name"
							: "host name too long");
	}
	arena_free(&a);
}

static void durations(void **state)
{
	static const struct {
		const char *in, *err;
		uint32_t ms;
	} cases[] = {
		{ "200ms", NULL, 200 },
		{ "2s", NULL, 2000 },
		{ "0ms", NULL, 0 },
		{ "0s", NULL, 0 },
		{ "86400s", NULL, 86400000 },
		{ "86400000ms", NULL, 86400000 },
		{ "5min", NULL, 300000 },
		{ "1440min", NULL, 86400000 },
		{ "1441min", "time out of range" },
		{ "5mins", "expected a time" },
		{ "86401s", "time out of range (at most one day)" },
		{ "86400001ms", "time out of range" },
		{ "99999999999999s", "time out of range" },
		{ "0000000000000000000000001s", "time out of range" },
		{ "200", "missing unit: write e.g. 200ms or 2s" },
		{ "", "missing unit" },
		{ "ms", "expected a time such as 200ms or 2s" },
		{ "s", "expected a time" },
		{ "1.5s", "expected a time" },
		{ "2m", "expected a time" },
		{ "2 s", "expected a time" },
		{ "2S", "expected a time" },
		{ "2MS", "expected a time" },
		{ "-2s", "expected a time" },
		{ "2sec", "expected a time" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		uint32_t ms = 7;

		assert_verdict(cases[i].in, parse_duration_ms(cases[i].in, &ms), cases[i].err);
		assert_int_equal(ms, cases[i].err ? 7 : cases[i].ms);
	}
}

static void protocols(void **state)
{
	static const struct {
		const char *in, *err;
		uint32_t number;
	} cases[] = {
		{ "tcp", NULL, 6 },	  { "udp", NULL, 17 },	    { "icmp", NULL, 1 },
		{ "icmpv6", NULL, 58 },	  { "ipv6-icmp", NULL, 58 }, { "gre", NULL, 47 },
		{ "esp", NULL, 50 },	  { "ah", NULL, 51 },	    { "sctp", NULL, 132 },
		{ "udplite", NULL, 136 }, { "dccp", NULL, 33 },	    { "ospf", NULL, 89 },
		{ "igmp", NULL, 2 },	  { "ipip", NULL, 4 },	    { "TCP", NULL, 6 },
		{ "Udp", NULL, 17 },	  { "0", NULL, 0 },	    { "255", NULL, 255 },
		{ "6", NULL, 6 },
		{ "256", "out of range 0-255" },
		{ "tcpp", "unknown IP protocol" },
		{ "", "unknown IP protocol" },
		{ "-1", "unknown IP protocol" },
		{ "0x6", "unknown IP protocol" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		uint32_t got = 999;

		assert_verdict(cases[i].in, parse_ip_protocol(cases[i].in, &got), cases[i].err);
		assert_int_equal(got, cases[i].err ? 999 : cases[i].number);
	}
	assert_string_equal(ip_protocol_name(6), "tcp");
	assert_string_equal(ip_protocol_name(17), "udp");
	assert_string_equal(ip_protocol_name(58), "icmpv6");
	assert_null(ip_protocol_name(200));
}

static void hostnames_and_numbers(void **state)
{
	static const struct {
		const char *in;
		bool hostname, number;
	} cases[] = {
		{ "example.com", true, false },	 { "a", true, false },
		{ "x-1.example", true, false },	 { "_srv.example", true, false },
		{ "example.com.", true, false }, { "123", true, true },
		{ "0", true, true },		 { "", false, false },
		{ ".", false, false },		 { "-a", false, false },
		{ "a-", false, false },		 { "a-.b", false, false },
		{ "a..b", false, false },	 { "a b", false, false },
		{ "ex@mple", false, false },	 { "1.5", true, false },
		{ "-1", false, false },		 { "+1", false, false },
		/* a label of 64 characters */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com", false, false },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com", true, false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		if (valid_hostname(cases[i].in) != cases[i].hostname)
			fail_msg("valid_hostname('%s') should be %d", cases[i].in, cases[i].hostname);
		if (is_number(cases[i].in) != cases[i].number)
			fail_msg("is_number('%s') should be %d", cases[i].in, cases[i].number);
	}
}

/* X25519 public keys as `wg pubkey` derives them (RFC 7748's first, an unclamped key too). */
static void public_keys(void **state)
{
	static const struct {
		const char *priv, *pub;
	} cases[] = {
		{ "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=", "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=" },
		{ "oK56DE9Ue9zK76rAc8pBl6opph+1v36lm7cXXsQKrQM=", "cL9S5KV5wAy/AsKyYct3qz9BHxe5FYqxlb/eDthF/VY=" },
		{ "uFET/yeLm4RU3JEZ9PgvUsl5a5MD+lel4s5VvTBb5XM=", "APPFeaL000zREjc9DeiUWDmlTp3ue//tX3wvSLwTYWQ=" },
		{ "WJ5h7amseQAsysMDyCFAa6OLP4l3BWoKsXia5EmGaHE=", "H3KnMVfBtwF7IFhvwLfy69QuSepJmp8AuMQoZn85aiI=" },
		{ "wON9jhA2mxtBTMeKcfYjFbpTM9QtypCH6wChrdxV1Uk=", "2afoy1Q7SqUZFC5SFFl0ZgMk0srbElJjoCw4AZ2h6w0=" },
		{ "//////////////////////////////////////////8=", "hHwNLDdSNPNl5mCVUYejc1oPdhPRYJ06ak2MU66qWiI=" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct wg_key priv, want;
		uint8_t pub[32];

		assert_null(parse_key(cases[i].priv, &priv));
		assert_null(parse_key(cases[i].pub, &want));
		x25519_public(pub, priv.b);
		assert_memory_equal(pub, want.b, 32);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bools),
		cmocka_unit_test(uints),
		cmocka_unit_test(marks),
		cmocka_unit_test(ranges),
		cmocka_unit_test(keys),
		cmocka_unit_test(endpoints),
		cmocka_unit_test(endpoint_host_lengths),
		cmocka_unit_test(durations),
		cmocka_unit_test(protocols),
		cmocka_unit_test(hostnames_and_numbers),
		cmocka_unit_test(public_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
