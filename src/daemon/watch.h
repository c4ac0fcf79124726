/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_DAEMON_WATCH_H
#define WGP_DAEMON_WATCH_H

/*
 * When the daemon looks an endpoint's host name up again. Pure: times come
 * in as arguments, so the rules are unit tested (tests/unit/test_watch.c).
 */

#include <stdbool.h>
#include <stdint.h>

/* When a host name is looked up: again every interval after an answer, sooner after a failure. */
#define LOOKUP_RETRY_MS (30 * 1000)

struct lookup_sched {
	bool busy;        /* a lookup is under way */
	uint64_t done_ms; /* the last one ended; 0: none yet */
	uint64_t due_ms;  /* the next one; 0: at once */
};

bool lookup_due(const struct lookup_sched *s, uint64_t now_ms);
void lookup_done(struct lookup_sched *s, bool answered, uint32_t interval_ms, uint64_t now_ms);

#endif
