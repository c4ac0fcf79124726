/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_DAEMON_RUN_H
#define WGP_DAEMON_RUN_H

/*
 * What the daemon remembers of each policy between rounds, and across
 * reloads by the policy's name: the paths its traffic takes (the active
 * target; with Mode = balance, every target up), and their changes.
 */

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "compile/compile.h"

struct policy_run {
	const struct target *active; /* after the last round */
	uint32_t ways;		     /* Mode = balance: the targets up (bit i: Via's i-th) */
	bool known;		     /* active is what a round chose: not a new policy */
	uint64_t failovers;	     /* changes of its paths, failbacks included */
	time_t last_failover;
	bool moved; /* its conntrack entries are due for deletion once the change is made */
};

/*
 * Log and count, in @run (one per policy of @c), the policies whose paths
 * changed with the health in @f. True if one did.
 */
bool policy_runs_note(struct policy_run *run, const struct conf *c, const struct facts *f);
/* What @old_run knew of @old's policies, carried to @run for those of @c by name. */
void policy_runs_carry(struct policy_run *run, const struct conf *c, const struct conf *old,
		       const struct policy_run *old_run);
/* Whether @p's traffic takes @t now: its active target, or with Mode = balance one of its ways. */
bool policy_run_takes(const struct conf_policy *p, const struct policy_run *r,
		      const struct target *t);

#endif
