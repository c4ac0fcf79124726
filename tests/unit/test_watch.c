// SPDX-License-Identifier: GPL-2.0-or-later
/* When the daemon looks an endpoint's name up again (src/daemon/watch.c). */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/watch.h"

#define S 1000ull

static void lookup_schedule(void **state)
{
	struct lookup_sched l = { 0 };

	(void)state;
	assert_true(lookup_due(&l, 0)); /* a new name: at once */
	l.busy = true;
	assert_false(lookup_due(&l, 10 * S));
	lookup_done(&l, true, 300 * S, 10 * S);
	assert_false(lookup_due(&l, 309 * S));
	assert_true(lookup_due(&l, 310 * S));
	/* A failure: again after 30 s, or the interval when shorter. */
	lookup_done(&l, false, 300 * S, 310 * S);
	assert_int_equal(l.due_ms, 340 * S);
	lookup_done(&l, false, 1 * S, 400 * S);
	assert_int_equal(l.due_ms, 401 * S);
	/* Interval off: only when asked, but failures are retried. */
	lookup_done(&l, true, 0, 500 * S);
	assert_false(lookup_due(&l, 100000 * S));
	lookup_done(&l, false, 0, 500 * S);
	assert_int_equal(l.due_ms, 530 * S);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lookup_schedule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
