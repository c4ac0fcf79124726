// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "testenv.h"
#include "util/cidr.h"
#include "util/sysctl_name.h"

#define N(a) (sizeof(a) / sizeof(*(a)))

static struct prefix P(const char *s)
{
	struct prefix p;

	assert_null(prefix_parse(s, &p, NULL));
	return p;
}

static void parses_v4_and_v6(void **state)
{
	static const struct {
		const char *in;
		uint8_t family, len;
		bool had_len;
		const char *full, *bare; /* prefix_format with and without always_len */
	} cases[] = {
		{ "10.0.1.0/24", FAMILY_V4, 24, true, "10.0.1.0/24", "10.0.1.0/24" },
		{ "10.0.1.7", FAMILY_V4, 32, false, "10.0.1.7/32", "10.0.1.7" },
		{ "10.0.1.7/32", FAMILY_V4, 32, true, "10.0.1.7/32", "10.0.1.7" },
		{ "0.0.0.0/0", FAMILY_V4, 0, true, "0.0.0.0/0", "0.0.0.0/0" },
		{ "255.255.255.255", FAMILY_V4, 32, false, "255.255.255.255/32", "255.255.255.255" },
		{ "2001:db8::1", FAMILY_V6, 128, false, "2001:db8::1/128", "2001:db8::1" },
		{ "2001:DB8:0:0::/64", FAMILY_V6, 64, true, "2001:db8::/64", "2001:db8::/64" },
		{ "::/0", FAMILY_V6, 0, true, "::/0", "::/0" },
		{ "::", FAMILY_V6, 128, false, "::/128", "::" },
		{ "::ffff:192.0.2.1/128", FAMILY_V6, 128, true, "::ffff:192.0.2.1/128",
		  "::ffff:192.0.2.1" },
		{ "fe80::1/10", FAMILY_V6, 10, true, "fe80::1/10", "fe80::1/10" },
	};
	char buf[PREFIX_STRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct prefix p;
		bool had_len = !cases[i].had_len;

		assert_verdict(cases[i].in, prefix_parse(cases[i].in, &p, &had_len), NULL);
		assert_int_equal(p.family, cases[i].family);
		assert_int_equal(p.len, cases[i].len);
		assert_int_equal(had_len, cases[i].had_len);
		assert_string_equal(prefix_format(&p, buf, true), cases[i].full);
		assert_string_equal(prefix_format(&p, buf, false), cases[i].bare);
	}
}

static void rejects_bad_prefixes(void **state)
{
	static const struct {
		const char *in, *err;
	} cases[] = {
		{ "10.0.0.0/33", "prefix length above 32 for IPv4" },
		{ "::/129", "prefix length above 128 for IPv6" },
		{ "::/1000000000000", "prefix length above 128 for IPv6" },
		{ "10.0.0/8", "not a valid IPv4 address" },
		{ "10.0.0.0.0/8", "not a valid IPv4 address" },
		{ "10.0.0.256", "not a valid IPv4 address" },
		{ "010.0.0.1", "not a valid IPv4 address" },
		{ " 10.0.0.1", "not a valid IPv4 address" },
		{ "10.0.0.1 ", "not a valid IPv4 address" },
		{ "10.0.0.0/", "empty prefix length" },
		{ "10.0.0.0/08", "prefix length with a leading zero" },
		{ "10.0.0.0/00", "prefix length with a leading zero" },
		{ "/8", "missing address" },
		{ "", "missing address" },
		{ "10.0.0.0/-1", "prefix length is not a number" },
		{ "10.0.0.0/+8", "prefix length is not a number" },
		{ "10.0.0.0/8/8", "prefix length is not a number" },
		{ "10.0.0.0/8 ", "prefix length is not a number" },
		{ "fe80::1::2", "not a valid IPv6 address" },
		{ "fe80:::1", "not a valid IPv6 address" },
		{ "2001:db8::g", "not a valid IPv6 address" },
		{ "1:2:3:4:5:6:7:8:9", "not a valid IPv6 address" },
		{ "fe80::1%eth0", "not a valid IPv6 address" },
		{ "[2001:db8::1]", "not a valid IPv6 address" },
		{ "example.com", "not a valid IPv4 address" },
		{ "0123456789012345678901234567890123456789012345678901234567/8", "address too long" },
	};
	struct prefix p;
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++)
		assert_verdict(cases[i].in, prefix_parse(cases[i].in, &p, NULL), cases[i].err);
	assert_non_null(addr_parse("10.0.0.0/8", &p));
	assert_null(addr_parse("10.0.0.1", &p));
	assert_int_equal(p.len, 32);
}

static void networks_and_host_bits(void **state)
{
	static const struct {
		const char *in, *net;
	} cases[] = {
		{ "10.1.2.3/24", "10.1.2.0/24" },   { "10.1.2.3/8", "10.0.0.0/8" },
		{ "10.1.2.3/0", "0.0.0.0/0" },	    { "10.1.2.3/32", "10.1.2.3/32" },
		{ "10.1.2.255/25", "10.1.2.128/25" }, { "10.1.2.3/31", "10.1.2.2/31" },
		{ "2001:db8::1/64", "2001:db8::/64" }, { "2001:db8:ffff::/33", "2001:db8:8000::/33" },
		{ "::1/127", "::/127" },	    { "ffff::/1", "8000::/1" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/65", "ffff:ffff:ffff:ffff:8000::/65" },
	};
	char buf[PREFIX_STRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct prefix p = P(cases[i].in), n = prefix_network(&p);

		assert_string_equal(prefix_format(&n, buf, true), cases[i].net);
		assert_false(prefix_has_host_bits(&n));
		assert_int_equal(prefix_has_host_bits(&p), strcmp(cases[i].in, cases[i].net) != 0);
	}
}

/* Every length of both families: the network of all-ones keeps exactly its first len bits. */
static void networks_at_every_length(void **state)
{
	static const uint8_t families[] = { FAMILY_V4, FAMILY_V6 };
	size_t f;

	(void)state;
	for (f = 0; f < N(families); f++) {
		unsigned max = prefix_max_len(families[f]), len, bit;

		for (len = 0; len <= max; len++) {
			struct prefix p = { .family = families[f], .len = (uint8_t)len }, n;

			memset(p.addr, 0xff, max / 8);
			n = prefix_network(&p);
			for (bit = 0; bit < 128; bit++)
				assert_int_equal(n.addr[bit / 8] >> (7 - bit % 8) & 1,
						 bit < len && bit < max);
		}
	}
}

static void containment(void **state)
{
	static const struct {
		const char *outer, *inner;
		bool contains;
	} cases[] = {
		{ "10.0.0.0/8", "10.1.2.0/24", true },
		{ "10.1.2.0/24", "10.0.0.0/8", false },
		{ "10.0.0.0/8", "10.0.0.0/8", true },
		{ "0.0.0.0/0", "192.0.2.1/32", true },
		{ "::/0", "10.0.0.0/8", false },
		{ "0.0.0.0/0", "::/0", false },
		{ "::/0", "2001:db8::/32", true },
		{ "10.0.0.0/8", "11.0.0.0/8", false },
		{ "10.0.0.0/7", "11.0.0.0/8", true },
		{ "2001:db8::/32", "2001:db9::/48", false },
		{ "fd00::/8", "fd00:5::/32", true },
		/* host bits of the outer prefix do not count */
		{ "10.9.9.9/8", "10.1.0.0/16", true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct prefix a = P(cases[i].outer), b = P(cases[i].inner);

		if (prefix_contains(&a, &b) != cases[i].contains)
			fail_msg("%s contains %s: should be %d", cases[i].outer, cases[i].inner,
				 cases[i].contains);
	}
}

/* A sorted list answers as a walk over it would, by one search per length it holds. */
static void sorted_list_containment(void **state)
{
	static const char *const list[] = { "10.0.0.0/8", "192.0.2.128/25", "198.51.100.7/32",
					     "2001:db8::/32", "fd00:1::/64", "0.0.0.0/1" };
	static const char *const probes[] = { "10.200.1.1", "11.0.0.1", "127.0.0.1",
					      "192.0.2.200", "192.0.2.100", "198.51.100.7",
					      "198.51.100.8", "203.0.113.9", "2001:db8:1::1",
					      "2001:db9::1", "fd00:1::9", "fd00:2::9",
					      "192.0.2.128/26", "10.0.0.0/7", "::/0" };
	struct prefix v[N(list)];
	struct prefix_lens lens = { { { 0 } } };
	size_t i, j;

	(void)state;
	for (i = 0; i < N(list); i++) {
		v[i] = P(list[i]);
		prefix_lens_add(&lens, &v[i]);
	}
	prefix_sort(v, N(v));
	for (i = 0; i < N(probes); i++) {
		struct prefix p = P(probes[i]);
		bool walk = false;

		for (j = 0; j < N(v); j++)
			walk |= prefix_contains(&v[j], &p);
		if (prefix_sorted_covers(v, N(v), &lens, &p) != walk)
			fail_msg("%s: the sorted list says %d, a walk %d", probes[i], !walk, walk);
	}
	/* No length 24 in the list: a /24 of 10/8 is still covered, by the /8. */
	{
		struct prefix net = P("10.1.2.0/24");

		assert_true(prefix_sorted_covers(v, N(v), &lens, &net));
	}
	/* Which one: the shortest holder, the prefix itself, and what a prefix holds. */
	{
		struct prefix a = P("10.1.2.0/24"), b = P("192.0.2.0/24"), c = P("198.51.100.7/32");
		struct prefix d = P("10.0.0.0/8"), e = P("0.0.0.0/0"), want = P("0.0.0.0/1");

		assert_true(prefix_equal(prefix_sorted_cover(v, N(v), &lens, &a), &want));
		assert_non_null(prefix_sorted_find(v, N(v), &c));
		assert_null(prefix_sorted_find(v, N(v), &a));
		assert_null(prefix_sorted_inside(v, N(v), &a));
		assert_null(prefix_sorted_inside(v, N(v), &d)); /* itself is not inside */
		want = P("192.0.2.128/25");
		assert_true(prefix_equal(prefix_sorted_inside(v, N(v), &b), &want));
		want = P("0.0.0.0/1"); /* the same address, longer: right after it */
		assert_true(prefix_equal(prefix_sorted_inside(v, N(v), &e), &want));
	}
}

/* Sorted as prefix_cmp promises: family, then address, then length. */
static void total_order(void **state)
{
	static const char *const sorted[] = {
		"0.0.0.0/0",	 "10.0.0.0/8",	  "10.0.0.0/16",	"10.0.0.1/32",
		"10.0.0.255/32", "10.0.1.0/24",	  "127.255.255.255/32", "128.0.0.0/1",
		"192.0.2.0/24",	 "255.255.255.255/32", "::/0",		"::1/128",
		"2001:db8::/32", "2001:db8::/64", "fd00::/8",
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < N(sorted); i++) {
		for (j = 0; j < N(sorted); j++) {
			struct prefix a = P(sorted[i]), b = P(sorted[j]);
			int want = i < j ? -1 : i > j;

			if (prefix_cmp(&a, &b) != want)
				fail_msg("cmp(%s, %s) should be %d", sorted[i], sorted[j], want);
			assert_int_equal(prefix_equal(&a, &b), i == j);
		}
	}
	assert_string_equal(family_name(FAMILY_V4), "IPv4");
	assert_string_equal(family_name(FAMILY_V6), "IPv6");
	assert_int_equal(prefix_max_len(FAMILY_V4), 32);
	assert_int_equal(prefix_max_len(FAMILY_V6), 128);
}

/* prefix_format writes IPv4 by hand: every octet width, every length, as inet_ntop and %u would. */
static void formats_v4_as_inet_ntop(void **state)
{
	static const uint8_t octets[] = { 0, 1, 9, 10, 42, 99, 100, 109, 110, 199, 200, 255 };
	char buf[PREFIX_STRLEN], want[PREFIX_STRLEN], addr[INET_ADDRSTRLEN];
	struct prefix p = { .family = FAMILY_V4 };
	size_t a, b;

	(void)state;
	for (a = 0; a < N(octets); a++) {
		for (b = 0; b < N(octets); b++) {
			memcpy(p.addr, (uint8_t[]){ octets[a], octets[b], octets[N(octets) - 1 - b],
						    octets[(a + b) % N(octets)] }, 4);
			p.len = (uint8_t)((a * N(octets) + b) % 33);
			assert_non_null(inet_ntop(AF_INET, p.addr, addr, sizeof(addr)));
			snprintf(want, sizeof(want), "%s/%u", addr, p.len);
			assert_string_equal(prefix_format(&p, buf, true), want);
			if (p.len == 32)
				assert_string_equal(prefix_format(&p, buf, false), addr);
		}
	}
}

static unsigned next(uint32_t *seed)
{
	*seed = *seed * 1103515245 + 12345;
	return *seed >> 16;
}

/* addr_parse reads IPv4 by hand: it must take exactly what inet_pton takes, and read the same. */
static void parses_v4_as_inet_pton(void **state)
{
	static const char *const fixed[] = {
		"0.0.0.0", "255.255.255.255", "256.1.1.1", "01.1.1.1", "1.1.1.01", "1.1.1.00",
		"1.1.1", "1.1.1.1.", ".1.1.1.1", "1..1.1", "1.1.1.1.1", "1.1.1.1a", "",
		"1234.1.1.1", "0.0.0.0000", "10.0.0.1 ", "+1.1.1.1",
	};
	static const char alphabet[] = "0123456789.x";
	uint32_t seed = 1;
	char buf[24];
	size_t i, j;

	(void)state;
	for (i = 0; i < N(fixed) + 50000; i++) {
		const char *in = buf;
		struct prefix p;
		uint8_t want[4];
		int ok;

		if (i < N(fixed)) {
			in = fixed[i];
		} else if (i % 2) {
			/* four groups of one to three digits, leading zeros and values over 255 too */
			size_t len = 0, g;

			for (g = 0; g < 4; g++) {
				size_t digits = 1 + next(&seed) % 3;

				for (j = 0; j < digits; j++)
					buf[len++] = (char)('0' + next(&seed) % 10);
				buf[len++] = '.';
			}
			buf[len - 1] = '\0';
		} else {
			size_t len = next(&seed) % 16;

			for (j = 0; j < len; j++)
				buf[j] = alphabet[next(&seed) % (sizeof(alphabet) - 1)];
			buf[len] = '\0';
		}
		ok = inet_pton(AF_INET, in, want);
		if (ok != 1) {
			if (addr_parse(in, &p) == NULL)
				fail_msg("addr_parse took \"%s\", inet_pton did not", in);
			continue;
		}
		if (addr_parse(in, &p))
			fail_msg("addr_parse refused \"%s\", inet_pton took it", in);
		assert_memory_equal(p.addr, want, 4);
	}
}

/* decimal_put against %u, at each width and at the ends of uint32_t. */
static void decimal_as_printf(void **state)
{
	static const uint32_t values[] = { 0,	    1,	      9,	 10,	    99,
					   100,	    65535,    65536,	 999999999, 1000000000,
					   4294967294u, 4294967295u };
	char buf[16], want[16];
	size_t i;

	(void)state;
	for (i = 0; i < N(values); i++) {
		*decimal_put(buf, values[i]) = '\0';
		snprintf(want, sizeof(want), "%u", values[i]);
		assert_string_equal(buf, want);
	}
}

/* sysctl(8)'s names: a dot within an interface's name is a '/', the others are not. */
static void interface_sysctl_names(void **unused)
{
	char buf[64];

	(void)unused;
	assert_int_equal(iface_sysctl_name(buf, sizeof(buf), "ipv4", "wg0", "rp_filter"), 27);
	assert_string_equal(buf, "net.ipv4.conf.wg0.rp_filter");
	iface_sysctl_name(buf, sizeof(buf), "ipv6", "eth0.100", "forwarding");
	assert_string_equal(buf, "net.ipv6.conf.eth0/100.forwarding");
	iface_sysctl_name(buf, sizeof(buf), "ipv4", "a.b.c", "");
	assert_string_equal(buf, "net.ipv4.conf.a/b/c.");
	/* Cut short, never past the buffer. */
	iface_sysctl_name(buf, 18, "ipv4", "e.100", "x");
	assert_string_equal(buf, "net.ipv4.conf.e/1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_v4_and_v6),
		cmocka_unit_test(formats_v4_as_inet_ntop),
		cmocka_unit_test(decimal_as_printf),
		cmocka_unit_test(parses_v4_as_inet_pton),
		cmocka_unit_test(rejects_bad_prefixes),
		cmocka_unit_test(networks_and_host_bits),
		cmocka_unit_test(networks_at_every_length),
		cmocka_unit_test(containment),
		cmocka_unit_test(sorted_list_containment),
		cmocka_unit_test(total_order),
		cmocka_unit_test(interface_sysctl_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
