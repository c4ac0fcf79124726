// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/watch.h"

bool lookup_due(const struct lookup_sched *s, uint64_t now_ms)
{
	return !s->busy && now_ms >= s->due_ms;
}

void lookup_done(struct lookup_sched *s, bool answered, uint32_t interval_ms, uint64_t now_ms)
{
	uint64_t wait = answered ? interval_ms : LOOKUP_RETRY_MS;

	if (!answered && interval_ms && interval_ms < wait)
		wait = interval_ms;
	s->busy = false;
	s->done_ms = now_ms;
	s->due_ms = wait ? now_ms + wait : UINT64_MAX;
}
