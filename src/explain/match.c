// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The configuration's view of a packet: each policy, in the order the kernel
 * meets their rules, selects it or not, and if not, which selector kept it
 * out. The semantics are the RPDB's and nftables' (one value of a list
 * suffices; every selector given must hold), as compile/ gives them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/values.h"
#include "explain/explain.h"

#define MAX_REASONS 3
#define MAX_LISTED  3 /* items of a selector list shown in a reason */

struct judge {
	const struct conf *c;
	const struct packet *pk;
	struct arena *a;
	const char *reasons[MAX_REASONS];
	struct loc loc;
	size_t n;
	bool failed;
};

static void exclude(struct judge *j, struct loc loc, const char *reason)
{
	if (!j->failed)
		j->loc = loc;
	j->failed = true;
	if (j->n < MAX_REASONS)
		j->reasons[j->n++] = reason;
}

/* ---- selector lists as text ---- */

static const char *addr_list(struct arena *a, const struct addr_sel *v, size_t n)
{
	char buf[PREFIX_STRLEN];
	const char *s = "";
	size_t i;

	for (i = 0; i < n && i < MAX_LISTED; i++)
		s = arena_printf(a, "%s%s%s%s", s, i ? ", " : "", v[i].set ? "@" : "",
				 v[i].set ? v[i].set : prefix_format(&v[i].p, buf, true));
	return n > MAX_LISTED ? arena_printf(a, "%s, ...", s) : s;
}

static const char *range_list(struct arena *a, const struct range32 *v, size_t n)
{
	const char *s = "";
	size_t i;

	for (i = 0; i < n && i < MAX_LISTED; i++)
		s = v[i].lo == v[i].hi
			? arena_printf(a, "%s%s%u", s, i ? ", " : "", v[i].lo)
			: arena_printf(a, "%s%s%u-%u", s, i ? ", " : "", v[i].lo, v[i].hi);
	return n > MAX_LISTED ? arena_printf(a, "%s, ...", s) : s;
}

static const char *str_list(struct arena *a, const struct lstr *v, size_t n)
{
	const char *s = "";
	size_t i;

	for (i = 0; i < n && i < MAX_LISTED; i++)
		s = arena_printf(a, "%s%s%s", s, i ? ", " : "", v[i].s);
	return n > MAX_LISTED ? arena_printf(a, "%s, ...", s) : s;
}

/* ---- one selector each ---- */

struct holds {
	const struct prefix *addr;
	bool found;
};

static void holds_addr(void *arg, const struct prefix *p, struct loc loc)
{
	struct holds *h = arg;

	(void)loc;
	h->found |= prefix_contains(p, h->addr);
}

static void judge_addrs(struct judge *j, const char *key, const struct addr_sel *v, size_t n,
			const struct prefix *addr, const char *word)
{
	char buf[PREFIX_STRLEN];
	struct holds h = {addr, false};

	if (!n)
		return;
	if (!addr->family) {
		exclude(j, v[0].loc,
			arena_printf(j->a, "%s %s: no source given (add `%s ADDR`)", key,
				     addr_list(j->a, v, n), word));
		return;
	}
	sel_foreach(j->c, v, n, holds_addr, &h);
	if (!h.found)
		exclude(j, v[0].loc,
			arena_printf(j->a, "%s %s does not hold %s", key, addr_list(j->a, v, n),
				     prefix_format(addr, buf, false)));
}

static bool in_ranges(const struct range32 *v, size_t n, uint32_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].lo <= x && x <= v[i].hi)
			return true;
	return false;
}

/* User, Group, SourcePort, DestinationPort: a number the packet may not carry. */
static void judge_ranges(struct judge *j, const char *key, const struct range32 *v, size_t n,
			 bool has, uint32_t x, const char *missing)
{
	if (!n)
		return;
	if (!has)
		exclude(j, v[0].loc,
			arena_printf(j->a, "%s %s: %s", key, range_list(j->a, v, n), missing));
	else if (!in_ranges(v, n, x))
		exclude(
		    j, v[0].loc,
		    arena_printf(j->a, "%s %s does not hold %u", key, range_list(j->a, v, n), x));
}

/* A socket's selectors: forwarded packets have no socket, nftables and the RPDB see none. */
static void judge_socket(struct judge *j, const struct conf_policy *p)
{
	const struct packet *pk = j->pk;
	bool fwd = packet_forwarded(pk);

	if (fwd && (p->users.n || p->groups.n || p->cgroups.n)) {
		struct loc loc = p->users.n    ? p->users.v[0].loc
				 : p->groups.n ? p->groups.v[0].loc
					       : p->cgroups.v[0].loc;

		exclude(j, loc,
			arena_printf(j->a, "%s: a forwarded packet has no sending process",
				     p->users.n	   ? "User"
				     : p->groups.n ? "Group"
						   : "Cgroup"));
		return;
	}
	judge_ranges(j, "User", p->users.v, p->users.n, pk->has_uid, pk->uid,
		     "no uid given (add `uid N`)");
	judge_ranges(j, "Group", p->groups.v, p->groups.n, pk->has_gid, pk->gid,
		     "no gid given (add `gid N`)");
	if (p->cgroups.n && !pk->cgroup)
		exclude(j, p->cgroups.v[0].loc,
			arena_printf(j->a,
				     "Cgroup %s: no cgroup given (add `cgroup PATH` or "
				     "`exec POLICY`)",
				     str_list(j->a, p->cgroups.v, p->cgroups.n)));
	else if (p->cgroups.n) {
		bool in = false;

		/* nftables' `socket cgroupv2 level N` matches the cgroup and everything below it.
		 */
		vec_foreach(cg, &p->cgroups)
		{
			size_t len = strlen(cg->s);

			in |= !strncmp(pk->cgroup, cg->s, len) &&
			      (pk->cgroup[len] == '\0' || pk->cgroup[len] == '/');
		}
		if (!in)
			exclude(j, p->cgroups.v[0].loc,
				arena_printf(j->a, "Cgroup %s does not hold %s",
					     str_list(j->a, p->cgroups.v, p->cgroups.n),
					     pk->cgroup));
	}
}

static void judge_iif(struct judge *j, const struct conf_policy *p)
{
	const char *iif = packet_forwarded(j->pk) ? j->pk->iif : "lo";

	vec_foreach(s, &p->iif) if (!strcmp(s->s, iif)) return;
	if (p->iif.n)
		exclude(j, p->iif.v[0].loc,
			arena_printf(j->a, "IncomingInterface %s: the packet %s%s",
				     str_list(j->a, p->iif.v, p->iif.n),
				     packet_forwarded(j->pk) ? "comes in by " : "is generated here",
				     packet_forwarded(j->pk) ? j->pk->iif : ""));
}

static void judge_mark(struct judge *j, const struct conf_policy *p)
{
	vec_foreach(m, &p->fwmarks) if ((j->pk->mark & m->mask) == m->value) return;
	if (p->fwmarks.n)
		exclude(j, p->fwmarks.v[0].loc,
			arena_printf(j->a, "FirewallMark 0x%x/0x%x%s: the packet's mark is 0x%x",
				     p->fwmarks.v[0].value, p->fwmarks.v[0].mask,
				     p->fwmarks.n > 1 ? ", ..." : "", j->pk->mark));
}

static void judge_proto(struct judge *j, const struct conf_policy *p)
{
	const char *name;

	vec_foreach(pr, &p->protocols) if (pr->v == j->pk->proto) return;
	if (!p->protocols.n)
		return;
	name = ip_protocol_name(p->protocols.v[0].v);
	exclude(j, p->protocols.v[0].loc,
		j->pk->proto
		    ? arena_printf(j->a, "IPProtocol %s%s does not hold %u", name ? name : "",
				   p->protocols.n > 1 ? ", ..." : "", j->pk->proto)
		    : arena_printf(j->a,
				   "IPProtocol %s%s: no ipproto given (add `ipproto "
				   "tcp`...)",
				   name ? name : "", p->protocols.n > 1 ? ", ..." : ""));
}

static void judge_family(struct judge *j, const struct conf_policy *p)
{
	unsigned fams = policy_families(j->c, p);

	if (!(fams & fam_bit_of(j->pk->to.family)))
		exclude(j, IS_SET(p->family) ? p->family.loc : p->loc,
			arena_printf(
			    j->a,
			    "an %s packet: Family, From and To leave the policy "
			    "%s only",
			    family_name(j->pk->to.family),
			    family_name(j->pk->to.family == FAMILY_V4 ? FAMILY_V6 : FAMILY_V4)));
}

static void judge_rest(struct judge *j, const struct conf_policy *p)
{
	const struct packet *pk = j->pk;

	judge_addrs(j, "From", p->from.v, p->from.n, &pk->from, "from");
	judge_addrs(j, "To", p->to.v, p->to.n, &pk->to, "to");
	judge_iif(j, p);
	judge_socket(j, p);
	judge_mark(j, p);
	judge_proto(j, p);
	judge_ranges(j, "SourcePort", p->sports.v, p->sports.n, pk->has_sport, pk->sport,
		     "no sport given (add `sport N`)");
	judge_ranges(j, "DestinationPort", p->dports.v, p->dports.n, pk->has_dport, pk->dport,
		     "no dport given (add `dport N`)");
}

bool policy_selects(const struct conf *c, const struct conf_policy *p, const struct packet *pk,
		    struct arena *a, const char **why, struct loc *loc)
{
	struct judge j = {.c = c, .pk = pk, .a = a};
	size_t i;

	/* Another family says it all: the rest would only repeat it. */
	judge_family(&j, p);
	if (!j.failed)
		judge_rest(&j, p);
	if (why)
		*why = NULL;
	if (why && j.failed) {
		*why = j.reasons[0];
		for (i = 1; i < j.n && *why; i++)
			*why = arena_printf(a, "%s; %s", *why, j.reasons[i]);
		if (j.failed && !*why)
			*why = "(out of memory)";
	}
	if (loc)
		*loc = j.loc;
	return !j.failed;
}

static int by_priority(const void *x, const void *y)
{
	const struct verdict *a = x, *b = y;

	if (a->priority != b->priority)
		return a->priority < b->priority ? -1 : 1;
	return a->p->index < b->p->index ? -1 : a->p->index > b->p->index;
}

/*
 * What the chosen policy's DNS does with @pk (compile/nft_dns.c): a query to
 * one of its resolvers or, sent here, to loopback stays; the rest goes to the
 * first of its family, or is dropped. (A query this host sends to another of
 * its own addresses stays too, which the configuration alone cannot tell.)
 */
static void dns_redirect(const struct packet *pk, struct config_view *out)
{
	const struct lprefix *v;
	size_t n, i;

	if ((pk->proto != 6 && pk->proto != 17) || !pk->has_dport || pk->dport != 53 ||
	    (!packet_forwarded(pk) && addr_is_loopback(&pk->to)))
		return;
	v = policy_dns_servers(out->chosen->p, out->active, &n);
	for (i = 0; i < n; i++)
		if (prefix_equal(&v[i].p, &pk->to))
			return;
	for (i = 0; i < n && !out->dns_to; i++)
		if (v[i].p.family == pk->to.family)
			out->dns_to = &v[i].p;
	out->dns_dropped = n && !out->dns_to;
}

int explain_config(const struct conf *c, const struct facts *f, const struct packet *pk,
		   struct arena *a, struct config_view *out)
{
	static const struct facts all_up;
	struct verdict *v = arena_alloc(a, sizeof(*v) * (c->policies.n + 1));
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < c->policies.n; i++) {
		const struct conf_policy *p = c->policies.v[i];

		v[i] = (struct verdict){.p = p, .priority = policy_priority(c, p)};
		v[i].match = policy_selects(c, p, pk, a, &v[i].reason, &v[i].loc);
	}
	qsort(v, c->policies.n, sizeof(*v), by_priority);
	out->v = v;
	out->n = c->policies.n;
	for (i = 0; i < out->n && !out->chosen; i++)
		if (v[i].match && v[i].p->via.n)
			out->chosen = &v[i];
	if (!out->chosen)
		return 0;
	out->active = facts_active_target(f ? f : &all_up, out->chosen->p);
	out->killswitch = policy_killswitch(out->chosen->p) != KILLSWITCH_NO;
	out->guard = policy_killswitch(out->chosen->p) == KILLSWITCH_YES;
	dns_redirect(pk, out);
	return 0;
}
