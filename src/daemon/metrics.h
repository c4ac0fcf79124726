/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_DAEMON_METRICS_H
#define WGP_DAEMON_METRICS_H

/*
 * What the daemon counts, shown by status and written for node_exporter's
 * textfile collector (Metrics = PATH in [Global]) in Prometheus' text format.
 */

#include <stdint.h>
#include <time.h>

#include "daemon/health.h"

/* What the daemon remembers of a policy between rounds, and across reloads by its name. */
struct policy_run {
	const struct target *active; /* after the last round */
	uint32_t ways;               /* Mode = balance: the targets up (bit i: Via's i-th) */
	bool known;                  /* active is what a round chose: not a new policy */
	uint64_t failovers;          /* changes of the active target, failbacks included */
	time_t last_failover;
	bool moved; /* its conntrack entries are due for deletion once the change is made */
};

/* Whether @p's traffic takes @t now: its active target, or with Mode = balance one of its ways. */
bool policy_run_takes(const struct conf_policy *p, const struct policy_run *r,
		      const struct target *t);

struct counters {
	uint64_t rounds;       /* reconcile rounds */
	uint64_t changes;      /* operations executed */
	uint64_t reassertions; /* rounds that put back what was changed behind our back */
	uint64_t reloads, overruns, conntrack_deleted;
	uint64_t flaps;    /* flaps of owned objects (see daemon/flap.h), each said once */
	unsigned flapping; /* objects flapping now */
	time_t started;
};

/*
 * Write the metrics to @path: to a temporary file beside it, renamed over it,
 * so that a reader never sees half of them. 0 or a negative errno.
 */
int metrics_write(const char *path, const struct conf *c, const struct policy_run *run,
		  const struct health *h, const struct counters *n);

#endif
