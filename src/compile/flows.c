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

/* A policy's own FirewallMark selector, not a mark wgpolicy gave it. */
static bool selects_mark(const struct conf_policy *p, const struct st_rule *r)
{
	vec_foreach(m, &p->fwmarks)
		if (m->value == r->fwmark && m->mask == r->fwmask)
			return true;
	return false;
}

void compile_policy_view(const struct conf *c, const struct state *desired,
			 const struct conf_policy *p, struct compiled_policy *out)
{
	memset(out, 0, sizeof(*out));
	out->priority = policy_priority(c, p);
	out->mask = policy_mark_mask(c);
	vec_foreach(r, &desired->rules) {
		if (r->priority != out->priority || r->action != RULE_TO_TABLE)
			continue;
		out->table = r->table;
		/* Its mark rules, if the policy was marked: the mark they look for. */
		if (r->fwmask == out->mask && r->fwmark && !selects_mark(p, r))
			out->mark = r->fwmark;
	}
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
		*slot = *pf;
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

bool policy_flows_need_mark(const struct conf_policy *p)
{
	return p->users.n || p->groups.n || p->cgroups.n || p->iif.n || p->fwmarks.n;
}

int compile_flows(const struct conf *c, const struct state *desired, const struct conf_policy *p,
		  struct arena *a, struct flow_match *out)
{
	struct collect src = { a, &out->src, 0 }, dst = { a, &out->dst, 0 };
	struct compiled_policy view;

	memset(out, 0, sizeof(*out));
	if (policy_flows_need_mark(p)) {
		compile_policy_view(c, desired, p, &view);
		if (!view.mark)
			return -EOPNOTSUPP;
		out->mark = view.mark;
		out->mask = view.mask;
		return 0;
	}
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
	flow_prefixes_index(&out->src);
	flow_prefixes_index(&out->dst);
	return 0;
}
