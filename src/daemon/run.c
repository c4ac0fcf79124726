// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/run.h"

#include <stdio.h>
#include <string.h>

#include "daemon/health.h"
#include "util/log.h"

static bool is_balance(const struct conf_policy *p)
{
	return IS_SET(p->mode) && p->mode.v == MODE_BALANCE;
}

/* With Mode = balance, the targets up (bit i: Via's i-th), the ways of its multipath route. */
static uint32_t balance_ways(const struct facts *f, const struct conf_policy *p)
{
	uint32_t ways = 0;
	size_t i;

	/* Validation allows a balance over 8 targets at most. */
	for (i = 0; is_balance(p) && i < p->via.n && i < 32; i++)
		if (!f->target_up || f->target_up(f->health, p, i))
			ways |= 1u << i;
	return ways;
}

/* @ways of @p by name ("A, B"), or @none. */
static const char *ways_name(const struct conf_policy *p, uint32_t ways, const char *none,
			     char *buf, size_t len)
{
	size_t i, at = 0;
	char name[64];

	for (i = 0; i < p->via.n && i < 32 && at < len; i++)
		if (ways & 1u << i)
			at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : "",
					       target_name(&p->via.v[i], name, sizeof(name)));
	return ways ? buf : none;
}

static void log_failover(const struct conf_policy *p, const struct policy_run *r,
			 const struct target *now, uint32_t ways)
{
	const char *none = "nothing: every target is down";
	char a[600], b[600];

	if (is_balance(p))
		log_note("policy %s: now over %s (was %s)", p->name,
			 ways_name(p, ways, none, a, sizeof(a)),
			 ways_name(p, r->ways, "nothing", b, sizeof(b)));
	else
		log_note("policy %s: now via %s (was %s)", p->name,
			 now ? target_name(now, a, sizeof(a)) : none,
			 r->active ? target_name(r->active, b, sizeof(b)) : "nothing");
}

bool policy_runs_note(struct policy_run *run, const struct conf *c, const struct facts *f)
{
	bool any = false;
	size_t i;

	for (i = 0; i < c->policies.n; i++) {
		const struct conf_policy *p = c->policies.v[i];
		const struct target *now = facts_active_target(f, p);
		uint32_t ways = balance_ways(f, p);
		struct policy_run *r = &run[i];

		if (r->known && (r->active != now || r->ways != ways)) {
			log_failover(p, r, now, ways);
			r->failovers++;
			r->last_failover = time(NULL);
			r->moved = true;
			any = true;
		}
		r->active = now;
		r->ways = ways;
		r->known = true;
	}
	return any;
}

/* The ways of a balance, from the old policy's Via (@from) to the new one's (@to). */
static uint32_t carry_ways(uint32_t ways, const struct conf_policy *from,
			   const struct conf_policy *to)
{
	uint32_t carried = 0;
	size_t k;

	for (k = 0; k < from->via.n && k < 32; k++) {
		if (!(ways & 1u << k))
			continue;
		vec_foreach(t, &to->via)
			if (conf_target_same(&from->via.v[k], t) && t - to->via.v < 32)
				carried |= 1u << (t - to->via.v);
	}
	return carried;
}

/* A policy of the old configuration by name, its run carried over to the new one. */
static void carry_run(struct policy_run *to, const struct conf_policy *p, const struct conf *old,
		      const struct policy_run *old_run)
{
	size_t i;

	for (i = 0; i < old->policies.n; i++) {
		const struct policy_run *o = &old_run[i];

		if (strcmp(old->policies.v[i]->name, p->name))
			continue;
		to->failovers = o->failovers;
		to->last_failover = o->last_failover;
		/* Its active target, if the new Via still has it: not a failover then. */
		vec_foreach(t, &p->via) {
			if (o->known && o->active && conf_target_same(o->active, t)) {
				to->active = t;
				to->known = true;
			}
		}
		to->known |= o->known && !o->active;
		to->ways = carry_ways(o->ways, old->policies.v[i], p);
	}
}

void policy_runs_carry(struct policy_run *run, const struct conf *c, const struct conf *old,
		       const struct policy_run *old_run)
{
	size_t i;

	for (i = 0; i < c->policies.n; i++)
		carry_run(&run[i], c->policies.v[i], old, old_run);
}

bool policy_run_takes(const struct conf_policy *p, const struct policy_run *r,
		      const struct target *t)
{
	size_t i = (size_t)(t - p->via.v);

	if (is_balance(p))
		return i < 32 && (r->ways & 1u << i);
	return r->active == t;
}
