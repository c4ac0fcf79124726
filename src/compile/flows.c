// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A policy's flows, as conntrack can find them, so that a failover can send
 * established flows to the new path (a masqueraded flow otherwise keeps the
 * old tunnel's source address, which the new tunnel's peer refuses).
 */
#include <errno.h>
#include <string.h>

#include "compile/policy.h"
#include "state/flow.h"

/* Its mark rules, if the policy was marked: the mark they look for. */
static uint32_t find_mark(const struct conf *c, const struct state *desired,
			  const struct conf_policy *p)
{
	uint32_t prio = policy_priority(c, p), mask = policy_mark_mask(c);

	vec_foreach(r, &desired->rules)
		if (r->priority == prio && r->fwmask == mask && r->fwmark)
			return r->fwmark;
	return 0;
}

struct collect {
	struct arena *a;
	struct flow_prefixes *vec;
	int err;
};

static void add_prefix(void *arg, const struct prefix *pf, struct loc loc)
{
	struct collect *col = arg;
	struct prefix *slot = vec_push(col->a, col->vec);

	(void)loc;
	if (!slot)
		col->err = -ENOMEM;
	else
		*slot = prefix_network(pf);
}

static int copy_ranges(struct arena *a, const struct range32 *v, size_t n, struct flow_ports *o)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct port_range *r = vec_push(a, o);

		if (!r)
			return -ENOMEM;
		r->lo = (uint16_t)v[i].lo;
		r->hi = (uint16_t)v[i].hi;
	}
	return 0;
}

int compile_flows(const struct conf *c, const struct state *desired, const struct conf_policy *p,
		  struct arena *a, struct flow_match *out)
{
	struct collect src = { a, &out->src, 0 }, dst = { a, &out->dst, 0 };

	memset(out, 0, sizeof(*out));
	out->mark = find_mark(c, desired, p);
	if (out->mark) {
		out->mask = policy_mark_mask(c);
		return 0;
	}
	/* What conntrack does not record: without a mark, these flows cannot be told apart. */
	if (p->users.n || p->groups.n || p->cgroups.n || p->iif.n || p->fwmarks.n)
		return -EOPNOTSUPP;
	if (IS_SET(p->family) && p->family.v != FAMILY_BOTH)
		out->family = p->family.v == FAMILY_ONLY_V4 ? FAMILY_V4 : FAMILY_V6;
	sel_foreach(c, p->from.v, p->from.n, add_prefix, &src);
	sel_foreach(c, p->to.v, p->to.n, add_prefix, &dst);
	vec_foreach(pr, &p->protocols) {
		uint8_t *slot = vec_push(a, &out->protos);

		if (!slot)
			return -ENOMEM;
		*slot = (uint8_t)pr->v;
	}
	if (src.err || dst.err || copy_ranges(a, p->sports.v, p->sports.n, &out->sports) ||
	    copy_ranges(a, p->dports.v, p->dports.n, &out->dports))
		return -ENOMEM;
	return 0;
}
