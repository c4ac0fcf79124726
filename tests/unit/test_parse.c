// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "conf/values.h"
#include "testenv.h"

static void placeholder_parse(void **state)
{
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(placeholder_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
