// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/probe.h"

#include <string.h>

/* Up, but the last probe was lost: find out quickly whether it is down. */
static bool suspect(const struct probe *pr)
{
	return pr->up && pr->losses > 0 && pr->check.down > 1;
}

static uint64_t spacing(const struct probe *pr)
{
	uint64_t i = pr->check.interval_ms;

	return suspect(pr) ? (i / pr->check.down ?: 1) : i;
}

/* One probe out at a time, unless suspect. */
static bool room(const struct probe *pr)
{
	return suspect(pr) ? pr->n_out < PROBE_WINDOW : pr->n_out == 0;
}

bool probe_due(const struct probe *pr, uint64_t now)
{
	return pr->addr.family && now >= pr->next_send_ms && room(pr);
}

uint16_t probe_sending(struct probe *pr, uint64_t now)
{
	pr->seq++;
	pr->out[pr->n_out].seq = pr->seq;
	pr->out[pr->n_out].sent_ms = now;
	pr->n_out++;
	pr->sent++;
	pr->next_send_ms = now + spacing(pr);
	return pr->seq;
}

static bool set_state(struct probe *pr, bool up)
{
	pr->up = up;
	pr->last_change = time(NULL);
	return true;
}

static bool lost(struct probe *pr)
{
	pr->lost++;
	pr->answers = 0;
	pr->losses++;
	return pr->up && pr->losses >= pr->check.down && set_state(pr, false);
}

bool probe_answer(struct probe *pr, uint16_t seq, uint64_t now)
{
	unsigned k;

	for (k = 0; k < pr->n_out && pr->out[k].seq != seq; k++)
		;
	if (k == pr->n_out)
		return false; /* not ours, or late: already counted lost */
	pr->rtt_ms = (uint32_t)(now - pr->out[k].sent_ms);
	pr->n_out -= k + 1;
	memmove(pr->out, pr->out + k + 1, pr->n_out * sizeof(*pr->out));
	pr->losses = 0;
	pr->answers++;
	return !pr->up && pr->answers >= pr->check.up && set_state(pr, true);
}

bool probe_unsent(struct probe *pr, uint64_t now)
{
	bool changed;

	pr->sent++;
	changed = lost(pr);
	pr->next_send_ms = now + spacing(pr);
	return changed;
}

bool probe_expire(struct probe *pr, uint64_t now)
{
	bool changed = false;

	/* Sent in order with one timeout, so they expire in order. */
	while (pr->n_out && now >= pr->out[0].sent_ms + pr->check.timeout_ms) {
		pr->n_out--;
		memmove(pr->out, pr->out + 1, pr->n_out * sizeof(*pr->out));
		changed |= lost(pr);
	}
	return changed;
}

uint64_t probe_next_event(const struct probe *pr)
{
	uint64_t next = UINT64_MAX;

	if (!pr->addr.family)
		return next;
	if (pr->n_out)
		next = pr->out[0].sent_ms + pr->check.timeout_ms;
	if (room(pr) && pr->next_send_ms < next)
		next = pr->next_send_ms;
	return next;
}
