// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/cidr.h"

static void parses_v4_and_v6(void **state)
{
	struct prefix p;
	char buf[PREFIX_STRLEN];
	bool had_len;

	(void)state;
	assert_null(prefix_parse("10.0.1.0/24", &p, &had_len));
	assert_true(had_len);
	assert_int_equal(p.family, FAMILY_V4);
	assert_string_equal(prefix_format(&p, buf, true), "10.0.1.0/24");
	assert_null(prefix_parse("2001:db8::1", &p, &had_len));
	assert_false(had_len);
	assert_int_equal(p.len, 128);
	assert_string_equal(prefix_format(&p, buf, false), "2001:db8::1");
}

static void rejects_bad_prefixes(void **state)
{
	static const char *const bad[] = { "10.0.0.0/33", "::/129", "10.0.0/8", "10.0.0.0/",
					   "10.0.0.0/08", "/8", "10.0.0.256", "fe80::1::2",
					   "10.0.0.0/-1", "10.0.0.0/8/8", "" };
	struct prefix p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_non_null(prefix_parse(bad[i], &p, NULL));
}

static void containment_and_host_bits(void **state)
{
	struct prefix a, b;

	(void)state;
	assert_null(prefix_parse("10.0.0.0/8", &a, NULL));
	assert_null(prefix_parse("10.1.2.0/24", &b, NULL));
	assert_true(prefix_contains(&a, &b));
	assert_false(prefix_contains(&b, &a));
	assert_false(prefix_has_host_bits(&a));
	assert_null(prefix_parse("10.1.2.3/24", &b, NULL));
	assert_true(prefix_has_host_bits(&b));
	b = prefix_network(&b);
	assert_false(prefix_has_host_bits(&b));
	assert_null(prefix_parse("::/0", &a, NULL));
	assert_null(prefix_parse("10.0.0.0/8", &b, NULL));
	assert_false(prefix_contains(&a, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_v4_and_v6),
		cmocka_unit_test(rejects_bad_prefixes),
		cmocka_unit_test(containment_and_host_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
