// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Does a tunnel accept what a policy sends it? WireGuard drops a packet whose
 * destination no peer's AllowedIPs covers, so a policy routing such traffic
 * into the tunnel would blackhole it silently.
 */
#include <stdlib.h>
#include <string.h>

#include "conf/check.h"

struct cover {
	struct prefix *v;
	size_t n;
	struct prefix_lens lens;
	unsigned fams;
	bool has_default[2];
};

static int fam_index(uint8_t family)
{
	return family == FAMILY_V4 ? 0 : 1;
}

static bool target_wants_peer(const struct conf_policy *p, const struct conf_iface *iface,
			      const struct conf_peer *peer)
{
	vec_foreach(t, &p->via)
		if (t->iface == iface && (t->kind == TARGET_IFACE || t->peer == peer))
			return true;
	return false;
}

static bool build_cover(struct conf *c, const struct conf_policy *p,
			const struct conf_iface *iface, struct cover *cv)
{
	size_t n = 0;

	memset(cv, 0, sizeof(*cv));
	vec_foreach(it, &iface->peers)
		n += (*it)->allowed_ips.n;
	cv->v = arena_alloc(&c->arena, sizeof(*cv->v) * (n + 1));
	if (!cv->v)
		return false;
	vec_foreach(it, &iface->peers) {
		if (!target_wants_peer(p, iface, *it))
			continue;
		vec_foreach(lp, &(*it)->allowed_ips) {
			struct prefix net = prefix_network(&lp->p);
			int fi = fam_index(net.family);

			cv->v[cv->n++] = net;
			prefix_lens_add(&cv->lens, &net);
			cv->fams |= fam_bit(net.family);
			cv->has_default[fi] |= net.len == 0;
		}
	}
	prefix_sort(cv->v, cv->n);
	return true;
}

struct dest_check {
	struct conf *c;
	const struct conf_policy *p;
	const struct conf_iface *iface;
	const struct cover *cv;
	unsigned fams;
	struct capped cap;
};

static void check_dest(void *arg, const struct prefix *d, struct loc loc)
{
	struct dest_check *dc = arg;
	char buf[PREFIX_STRLEN];

	if (!(dc->fams & fam_bit(d->family)) ||
	    prefix_sorted_covers(dc->cv->v, dc->cv->n, &dc->cv->lens, d))
		return;
	capped_add(&dc->cap, loc,
		   "policy %s sends %s via %s, but no peer of %s has it in AllowedIPs: "
		   "WireGuard would drop these packets",
		   dc->p->name, prefix_format(d, buf, false), dc->iface->name, dc->iface->name);
}

static void check_all_dests(struct conf *c, const struct conf_policy *p, const struct target *t,
			    const struct cover *cv, unsigned fams)
{
	static const uint8_t families[] = { FAMILY_V4, FAMILY_V6 };
	size_t i;

	if (!cv->fams && fams) {
		conf_error(&c->diags, t->loc,
			   "policy %s sends its traffic via %s, but no peer it may use there has "
			   "AllowedIPs: WireGuard would drop all of it",
			   p->name, t->iface->name);
		return;
	}
	for (i = 0; i < 2; i++) {
		uint8_t f = families[i];

		if (!(fams & fam_bit(f)) || cv->has_default[fam_index(f)])
			continue;
		if (cv->fams & fam_bit(f))
			conf_error(&c->diags, t->loc,
				   "policy %s sends all its %s traffic via %s, but its peers accept "
				   "only some %s destinations (AllowedIPs): WireGuard would drop the "
				   "rest; add %s to a peer or narrow the policy with To",
				   p->name, family_name(f), t->iface->name, family_name(f),
				   f == FAMILY_V4 ? "0.0.0.0/0" : "::/0");
		else if (fams == fam_bit(f))
			conf_error(&c->diags, t->loc,
				   "policy %s sends %s traffic via %s, which carries no %s (no peer "
				   "has %s AllowedIPs)",
				   p->name, family_name(f), t->iface->name, family_name(f),
				   family_name(f));
		else
			conf_warn(&c->diags, t->loc,
				  "%s carries no %s: the %s traffic of policy %s will be blocked, "
				  "not sent around the tunnel",
				  t->iface->name, family_name(f), family_name(f), p->name);
	}
}

void conf_check_coverage(struct conf *c, struct conf_policy *p)
{
	unsigned fams = policy_families(c, p);
	size_t i, j;

	for (i = 0; i < p->via.n; i++) {
		const struct target *t = &p->via.v[i];
		struct cover cv;
		bool seen = false;

		if (!t->iface || (t->kind == TARGET_PEER && !t->peer))
			continue;
		for (j = 0; j < i; j++)
			seen |= p->via.v[j].iface == t->iface;
		if (seen || !build_cover(c, p, t->iface, &cv))
			continue;
		if (!p->to.n) {
			check_all_dests(c, p, t, &cv, fams);
			continue;
		}
		struct dest_check dc = { c, p, t->iface, &cv, fams, { &c->diags, SEV_ERROR } };

		sel_foreach(c, p->to.v, p->to.n, check_dest, &dc);
		capped_end(&dc.cap, "destinations the tunnel does not carry");
	}
}
