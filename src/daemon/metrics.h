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
#include "daemon/run.h"

struct counters {
	uint64_t rounds;       /* reconcile rounds */
	uint64_t changes;      /* operations executed */
	uint64_t reassertions; /* rounds that put back what was changed behind our back */
	uint64_t reloads, overruns, conntrack_deleted;
	uint64_t flaps;    /* flaps of owned objects (see daemon/flap.h), each said once */
	unsigned flapping; /* objects flapping now */
	/* other nftables tables' marks: listed, or the last listing reused (reconcile/marks.c) */
	uint64_t ruleset_listings, ruleset_reuses;
	time_t started;
};

/*
 * Write the metrics to @path: to a temporary file beside it, renamed over it,
 * so that a reader never sees half of them. 0 or a negative errno.
 */
int metrics_write(const char *path, const struct conf *c, const struct policy_run *run,
		  const struct health *h, const struct counters *n);

#endif
