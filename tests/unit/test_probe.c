// SPDX-License-Identifier: GPL-2.0-or-later
/* The probe state machine (daemon/probe.c): when probes go out, what losses and answers do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/probe.h"

static struct probe new_probe(uint32_t interval, uint32_t timeout, unsigned down, unsigned up)
{
	struct probe pr = { .up = true };

	pr.addr.family = FAMILY_V4;
	pr.check.interval_ms = interval;
	pr.check.timeout_ms = timeout;
	pr.check.down = down;
	pr.check.up = up;
	return pr;
}

/*
 * Run @pr from @from to @to ms in 1 ms steps with a dead path (answer = false)
 * or one that answers every probe at once; returns the ms it went down or up
 * (0: it did not change). Counts the probes sent in *sent.
 */
static uint64_t run(struct probe *pr, uint64_t from, uint64_t to, bool answer, unsigned *sent)
{
	uint64_t t;

	for (t = from; t <= to; t++) {
		bool changed = probe_expire(pr, t);

		if (!changed && probe_due(pr, t)) {
			uint16_t seq = probe_sending(pr, t);

			(*sent)++;
			changed = answer && probe_answer(pr, seq, t);
		}
		if (changed)
			return t;
	}
	return 0;
}

static void healthy_path_one_probe_per_interval(void **state)
{
	struct probe pr = new_probe(100, 100, 3, 3);
	unsigned sent = 0;

	(void)state;
	assert_int_equal(run(&pr, 0, 999, true, &sent), 0);
	assert_true(pr.up);
	assert_int_equal(sent, 10);
	assert_int_equal(pr.lost, 0);
}

/* First probe lost at 100; then every 33 ms: lost at 200 and 233, down at the third loss. */
static void dead_path_confirmed_within_one_more_timeout(void **state)
{
	struct probe pr = new_probe(100, 100, 3, 3);
	unsigned sent = 0;

	(void)state;
	assert_int_equal(run(&pr, 0, 2000, false, &sent), 233);
	assert_false(pr.up);
	assert_int_equal(pr.losses, 3);
	assert_int_equal(pr.lost, 3);
}

/* down 1 has nothing to confirm: one lost probe is enough, at the plain interval. */
static void down_one_is_one_loss(void **state)
{
	struct probe pr = new_probe(200, 150, 1, 1);
	unsigned sent = 0;

	(void)state;
	assert_int_equal(run(&pr, 0, 2000, false, &sent), 150);
	assert_int_equal(sent, 1);
}

/* Once down, probes go back to one per interval; `up` answers in a row bring it back. */
static void down_target_recovers_after_up_answers(void **state)
{
	struct probe pr = new_probe(100, 100, 3, 3);
	unsigned sent = 0;
	uint64_t down, back;

	(void)state;
	down = run(&pr, 0, 2000, false, &sent);
	assert_int_not_equal(down, 0);
	/* Probes sent while suspect are still out: they expire first (at most one timeout). */
	sent = 0;
	back = run(&pr, down + 1, down + 2000, true, &sent);
	assert_true(pr.up);
	assert_int_equal(sent, 3);
	assert_true(back - down <= 100 + 2 * 100 + 1);
	assert_int_equal(pr.losses, 0);
}

/* A suspect target that answers is no longer suspect: one loss alone takes nothing down. */
static void one_loss_then_answer_resets(void **state)
{
	struct probe pr = new_probe(100, 100, 3, 3);
	unsigned sent = 0;

	(void)state;
	assert_int_equal(run(&pr, 0, 100, false, &sent), 0);
	assert_int_equal(pr.losses, 1);
	assert_int_equal(run(&pr, 101, 1000, true, &sent), 0);
	assert_true(pr.up);
	assert_int_equal(pr.losses, 0);
	assert_int_equal(pr.n_out, 0);
}

/* An answer to a later probe speaks for the earlier ones still out; a late one is ignored. */
static void answer_clears_older_probes(void **state)
{
	struct probe pr = new_probe(90, 100, 3, 3);
	uint16_t a, b;

	(void)state;
	pr.losses = 1; /* suspect: several probes may be out */
	a = probe_sending(&pr, 0);
	assert_true(probe_due(&pr, 30));
	b = probe_sending(&pr, 30);
	assert_int_equal(pr.n_out, 2);
	assert_false(probe_answer(&pr, b, 40));
	assert_int_equal(pr.n_out, 0);
	assert_int_equal(pr.rtt_ms, 10);
	assert_false(probe_answer(&pr, a, 41));
	assert_int_equal(pr.lost, 0);
}

/* With no socket (the tunnel is gone) each due probe is a loss at once. */
static void unsent_probes_are_losses(void **state)
{
	struct probe pr = new_probe(100, 100, 3, 3);
	uint64_t t;
	bool down = false;

	(void)state;
	for (t = 0; t < 1000 && !down; t++)
		if (probe_due(&pr, t))
			down = probe_unsent(&pr, t);
	assert_true(down);
	assert_int_equal(pr.sent, 3);
	assert_true(t <= 100);
}

static void next_event(void **state)
{
	struct probe pr = new_probe(100, 80, 3, 3);

	(void)state;
	assert_int_equal(probe_next_event(&pr), 0);
	probe_sending(&pr, 5);
	assert_int_equal(probe_next_event(&pr), 85); /* its expiry; no second probe yet */
	pr.addr.family = 0;
	assert_int_equal(probe_next_event(&pr), UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(healthy_path_one_probe_per_interval),
		cmocka_unit_test(dead_path_confirmed_within_one_more_timeout),
		cmocka_unit_test(down_one_is_one_loss),
		cmocka_unit_test(down_target_recovers_after_up_answers),
		cmocka_unit_test(one_loss_then_answer_resets),
		cmocka_unit_test(answer_clears_older_probes),
		cmocka_unit_test(unsent_probes_are_losses),
		cmocka_unit_test(next_event),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
