// SPDX-License-Identifier: GPL-2.0-or-later
/* Whether the kernel's answer is the compiled state's: where config and kernel part ways. */
#include <errno.h>
#include <string.h>

#include "explain/explain.h"

static bool refused(const struct simulation *sim)
{
	if (sim->end == SIM_RULE_ACTION)
		return true;
	return sim->end == SIM_ROUTE && sim->route->type != ROUTE_UNICAST;
}

static bool same_dev(const struct st_route *r, const char *dev)
{
	uint8_t i;

	if (!r->n_nh)
		return !strcmp(r->ifname, dev);
	for (i = 0; i < r->n_nh; i++)
		if (!strcmp(r->nh[i].ifname, dev))
			return true;
	return false;
}

static enum agreement on_error(const struct simulation *sim, int error, const char **why)
{
	if (error == -ENODEV) {
		*why = "the kernel has no interface of that name (iif): it cannot say where the "
		       "packet goes; is the name right?";
		return UNDECIDED;
	}
	if (refused(sim)) {
		*why = "the kernel refuses it, as the configuration says";
		return AGREE;
	}
	if (sim->end == SIM_OTHER_TABLE) {
		*why = "the kernel has no route for it in a table that is not wgpolicy's alone";
		return UNDECIDED;
	}
	*why = "the configuration has a route for it, the kernel refuses it";
	return DISAGREE;
}

static enum agreement in_other_table(const struct simulation *sim, const struct kernel_route *k,
				     const char **why)
{
	if (k->table != sim->table) {
		*why = "the kernel looks it up in another table than the configuration";
		return DISAGREE;
	}
	if (sim->route && !same_dev(sim->route, k->dev)) {
		*why = "a route that is not wgpolicy's is more specific than its own";
		return UNDECIDED;
	}
	*why = "the kernel looks it up in the same table";
	return AGREE;
}

void explain_settle(struct simulation *sim, const struct kernel_route *k)
{
	const struct st_rule *r = sim->suppressed;

	if (!r || k->error || k->local || k->table != r->table || sim->table == r->table ||
	    !k->matched.family || k->matched.len <= r->suppress_prefixlen)
		return;
	sim->rule = r;
	sim->end = SIM_OTHER_TABLE;
	sim->table = r->table;
	sim->route = NULL;
	sim->peer = NULL;
}

enum agreement explain_agree(const struct simulation *sim, const struct kernel_route *k,
			     const char **why)
{
	if (k->error)
		return on_error(sim, k->error, why);
	if (k->local) {
		*why = "the destination is this host: the kernel delivers it locally";
		return UNDECIDED;
	}
	switch (sim->end) {
	case SIM_OTHER_TABLE:
		return in_other_table(sim, k, why);
	case SIM_ROUTE:
		if (refused(sim)) {
			*why = "the configuration refuses it, the kernel sends it";
			return DISAGREE;
		}
		if (k->table != sim->table) {
			*why = "the kernel looks it up in another table than the configuration";
			return DISAGREE;
		}
		if (!same_dev(sim->route, k->dev)) {
			*why = "the kernel sends it by another interface than the configuration";
			return DISAGREE;
		}
		*why = "same table, same interface";
		return AGREE;
	default:
		*why = "the configuration's rules do not decide it";
		return UNDECIDED;
	}
}

bool explain_guard_drops(const struct config_view *cv, const struct simulation *sim,
			 const struct kernel_route *k)
{
	bool tunnels = false;

	/* A suppress_prefixlength rule that decided keeps sources to their own subnets: the
	 * guard lets that pass. */
	if (!cv->chosen || !cv->guard || k->error || k->local || !k->dev[0] ||
	    !strcmp(k->dev, "lo") || (sim->rule && sim->rule == sim->suppressed))
		return false;
	vec_foreach(t, &cv->chosen->p->via)
	{
		if (!t->iface)
			continue;
		if (!strcmp(t->iface->name, k->dev))
			return false;
		tunnels = true;
	}
	return tunnels;
}
