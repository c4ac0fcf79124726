// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Flap accounting: the 4th re-assertion of one object within 10 s starts a
 * flap, said once; its changes are quiet until 10 s pass without one; then
 * the flap is summed up once, with its count, length and rate.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/flap.h"

static const char route[] = "route 'ip -4 route add 0.0.0.0/0 dev wg0 table 52000 proto 87'";
static const char rule[] = "rule 'ip -4 rule add from 10.0.1.0/24 table 52000 pref 10001 proto 87'";

static struct flaps f;

static int reset(void **state)
{
	(void)state;
	memset(&f, 0, sizeof(f));
	return 0;
}

/* @n changes of @name, @step_ms apart from @t; the verdict of each in @v. */
static void changes(const char *name, uint64_t t, uint64_t step_ms, int n, enum flap_verdict *v)
{
	for (int i = 0; i < n; i++)
		v[i] = flap_note(&f, name, t + (uint64_t)i * step_ms);
}

static void fourth_change_in_ten_seconds_starts_a_flap(void **state)
{
	enum flap_verdict v[6];

	(void)state;
	changes(route, 1000, 500, 3, v);
	assert_int_equal(v[0], FLAP_CALM);
	assert_int_equal(v[1], FLAP_CALM);
	assert_int_equal(v[2], FLAP_CALM);
	assert_false(flap_quiet(&f, route));
	changes(route, 2500, 500, 3, v + 3);
	assert_int_equal(v[3], FLAP_STARTED);
	assert_int_equal(v[4], FLAP_ONGOING);
	assert_int_equal(v[5], FLAP_ONGOING);
	assert_true(flap_quiet(&f, route));
	assert_int_equal(flap_count(&f), 1);
	/* Another object is not part of it. */
	assert_false(flap_quiet(&f, rule));
	assert_int_equal(flap_note(&f, rule, 4000), FLAP_CALM);
}

static void slow_changes_never_flap(void **state)
{
	enum flap_verdict v[12];

	(void)state;
	/* 3.4 s apart: four of them span 10.2 s, just over the window. */
	changes(route, 0, 3400, 12, v);
	for (int i = 0; i < 12; i++)
		assert_int_equal(v[i], FLAP_CALM);
	assert_int_equal(flap_count(&f), 0);
	assert_int_equal(flap_due(&f), 0);
}

static void window_is_inclusive(void **state)
{
	enum flap_verdict v[4];

	(void)state;
	/* Four changes spanning exactly 10 s: within 10 s. */
	changes(route, 0, FLAP_WINDOW_MS / 3 + 1, 3, v);
	assert_int_equal(flap_note(&f, route, FLAP_WINDOW_MS), FLAP_STARTED);
}

/* A burst after a calm stretch: only the burst counts, not the old changes. */
static void old_changes_fall_out_of_the_window(void **state)
{
	enum flap_verdict v[3];

	(void)state;
	changes(route, 0, 100, 3, v);
	changes(route, 60000, 100, 3, v);
	assert_int_equal(v[2], FLAP_CALM);
	assert_int_equal(flap_note(&f, route, 60300), FLAP_STARTED);
}

static void flap_ends_after_ten_quiet_seconds_with_a_summary(void **state)
{
	enum flap_verdict v[10];
	struct flap out;

	(void)state;
	/* 10 changes, 250 ms apart: from 2000 to 4250 ms. */
	changes(route, 2000, 250, 10, v);
	assert_int_equal(flap_due(&f), 4250 + FLAP_WINDOW_MS);
	assert_false(flap_calmed(&f, 4250 + FLAP_WINDOW_MS - 1, &out));
	assert_true(flap_quiet(&f, route));
	assert_true(flap_calmed(&f, 4250 + FLAP_WINDOW_MS, &out));
	assert_string_equal(out.name, route);
	assert_int_equal(out.changes, 10);
	/* From the first change of the flap (the 1st of the 4 that started it) to the last. */
	assert_int_equal(out.first_ms, 2000);
	assert_int_equal(out.last_ms, 4250);
	assert_true(flap_seconds(&out) > 2.249 && flap_seconds(&out) < 2.251);
	assert_true(flap_rate(&out) > 4.44 && flap_rate(&out) < 4.45);
	/* Said once, then forgotten: the next change is a fresh start. */
	assert_false(flap_calmed(&f, 100000, &out));
	assert_false(flap_quiet(&f, route));
	assert_int_equal(flap_count(&f), 0);
	assert_int_equal(flap_due(&f), 0);
	assert_int_equal(flap_note(&f, route, 100000), FLAP_CALM);
}

/* A change during the flap pushes its end back. */
static void a_change_keeps_the_flap_going(void **state)
{
	enum flap_verdict v[4];
	struct flap out;

	(void)state;
	changes(route, 0, 100, 4, v);
	assert_int_equal(flap_note(&f, route, 9000), FLAP_ONGOING);
	assert_false(flap_calmed(&f, 300 + FLAP_WINDOW_MS, &out));
	assert_int_equal(flap_due(&f), 9000 + FLAP_WINDOW_MS);
	assert_true(flap_calmed(&f, 9000 + FLAP_WINDOW_MS, &out));
	assert_int_equal(out.changes, 5);
}

static void same_millisecond_rate_is_finite(void **state)
{
	enum flap_verdict v[4];
	struct flap out;

	(void)state;
	changes(route, 500, 0, 4, v);
	assert_int_equal(v[3], FLAP_STARTED);
	assert_true(flap_calmed(&f, 500 + FLAP_WINDOW_MS, &out));
	assert_true(flap_rate(&out) == 4000.0);
}

static void name_of(char *buf, size_t len, int i)
{
	snprintf(buf, len, "route 'ip -4 route add 10.%d.0.0/16 dev wg0 table 52000 proto 87'", i);
}

/* Only FLAP_SLOTS objects are followed: a flap keeps its slot, calm ones give theirs up. */
static void full_table_keeps_its_flaps(void **state)
{
	enum flap_verdict v[4];
	char name[FLAP_NAME_MAX];
	int i;

	(void)state;
	for (i = 0; i < FLAP_SLOTS; i++) {
		name_of(name, sizeof(name), i);
		changes(name, 1000, 10, 4, v);
		assert_int_equal(v[3], FLAP_STARTED);
	}
	assert_int_equal(flap_count(&f), FLAP_SLOTS);
	/* No room: logged as usual, never counted as a flap. */
	changes(route, 2000, 10, 4, v);
	for (i = 0; i < 4; i++)
		assert_int_equal(v[i], FLAP_CALM);
	assert_false(flap_quiet(&f, route));
	name_of(name, sizeof(name), 7);
	assert_true(flap_quiet(&f, name));
}

static void calm_objects_make_room(void **state)
{
	char name[FLAP_NAME_MAX];
	enum flap_verdict v[4];
	int i;

	(void)state;
	for (i = 0; i < FLAP_SLOTS; i++) {
		name_of(name, sizeof(name), i);
		flap_note(&f, name, 1000 + (uint64_t)i);
	}
	/* The new one takes the slot of the one put back longest ago (10.0.0.0/16). */
	changes(route, 2000, 10, 4, v);
	assert_int_equal(v[3], FLAP_STARTED);
	name_of(name, sizeof(name), 1);
	changes(name, 2100, 10, 3, v);
	assert_int_equal(v[2], FLAP_STARTED);
}

/* A name longer than the slot keeps its identity: the whole name is hashed. */
static void long_names_differ_by_their_end(void **state)
{
	char a[600], b[600];
	enum flap_verdict v[4];

	(void)state;
	memset(a, 'x', sizeof(a) - 2);
	a[sizeof(a) - 2] = 'a';
	a[sizeof(a) - 1] = '\0';
	memcpy(b, a, sizeof(a));
	b[sizeof(b) - 2] = 'b';
	changes(a, 0, 10, 4, v);
	assert_int_equal(v[3], FLAP_STARTED);
	assert_false(flap_quiet(&f, b));
	assert_int_equal(strlen(f.v[0].name), FLAP_NAME_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(fourth_change_in_ten_seconds_starts_a_flap, reset),
	    cmocka_unit_test_setup(slow_changes_never_flap, reset),
	    cmocka_unit_test_setup(window_is_inclusive, reset),
	    cmocka_unit_test_setup(old_changes_fall_out_of_the_window, reset),
	    cmocka_unit_test_setup(flap_ends_after_ten_quiet_seconds_with_a_summary, reset),
	    cmocka_unit_test_setup(a_change_keeps_the_flap_going, reset),
	    cmocka_unit_test_setup(same_millisecond_rate_is_finite, reset),
	    cmocka_unit_test_setup(full_table_keeps_its_flaps, reset),
	    cmocka_unit_test_setup(calm_objects_make_room, reset),
	    cmocka_unit_test_setup(long_names_differ_by_their_end, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
