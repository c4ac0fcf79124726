// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The nftables side of policies: only what the RPDB cannot do (DESIGN.md):
 * cgroups, groups and large selector lists mark packets for one fwmark rule;
 * marked local traffic is masqueraded on its tunnel; TCP MSS is clamped on
 * tunnels; and the leak guard drops what a kill-switched policy matched but
 * that is about to leave by another interface.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/nft.h"
#include "compile/policy.h"
#include "conf/values.h"

#define NAMED_SET_MIN 16 /* longer lists become named sets, looked up by hash or interval tree */

struct out {
	struct compile_ctx *ctx;
	FILE *set_decls; /* where named sets are declared */
	uint32_t rules, sets, elements;
	VEC(uint32_t) declared; /* named sets written, by policy index and kind */
};

/* ---- selector expressions ---- */

struct elems {
	struct out *o;
	FILE *f;
	uint8_t family;
	size_t n;
};

static void put_elem(void *arg, const struct prefix *p, struct loc loc)
{
	struct elems *e = arg;
	char buf[PREFIX_STRLEN];
	struct prefix net;

	(void)loc;
	if (p->family != e->family)
		return;
	if (e->f) {
		net = prefix_network(p);
		fprintf(e->f, "%s%s", e->n ? ", " : "", prefix_format(&net, buf, false));
	}
	e->n++;
}

static size_t count_family(const struct conf *c, const struct addr_sel *v, size_t n, uint8_t fam)
{
	struct elems e = { NULL, NULL, fam, 0 };

	sel_foreach(c, v, n, put_elem, &e);
	return e.n;
}

/* Each named set once, however many rules use it. */
static bool first_use(struct out *o, uint32_t key)
{
	uint32_t *slot;

	vec_foreach(it, &o->declared)
		if (*it == key)
			return false;
	slot = vec_push(&o->ctx->out->arena, &o->declared);
	if (!slot)
		o->ctx->err = -ENOMEM;
	else
		*slot = key;
	return true;
}

/* "ip saddr { ... }" or "ip saddr @name" with the set declared up front. */
static void addr_match(struct out *o, FILE *rule, FILE *sets, const struct conf_policy *p,
		       const struct addr_sel *v, size_t n, uint8_t fam, const char *dir)
{
	const char *ip = fam == FAMILY_V4 ? "ip" : "ip6";
	size_t count = count_family(o->ctx->c, v, n, fam);
	struct elems e = { o, NULL, fam, 0 };

	if (!n)
		return;
	if (count < NAMED_SET_MIN) {
		e.f = rule;
		fprintf(rule, " %s %s { ", ip, dir);
		sel_foreach(o->ctx->c, v, n, put_elem, &e);
		fprintf(rule, " }");
		return;
	}
	fprintf(rule, " %s %s @p%u_%s%c", ip, dir, p->index, dir, fam == FAMILY_V4 ? '4' : '6');
	if (!first_use(o, p->index * 4 + (dir[0] == 'd') * 2 + (fam == FAMILY_V6)))
		return;
	e.f = sets;
	fprintf(sets, "\tset p%u_%s%c {\n\t\ttype %s_addr; flags interval; auto-merge;\n"
		      "\t\telements = { ",
		p->index, dir, fam == FAMILY_V4 ? '4' : '6', fam == FAMILY_V4 ? "ipv4" : "ipv6");
	sel_foreach(o->ctx->c, v, n, put_elem, &e);
	fprintf(sets, " }\n\t}\n");
	o->sets++;
	o->elements += (uint32_t)e.n;
}

static void ranges(FILE *f, const char *what, const struct range32 *v, size_t n)
{
	size_t i;

	if (!n)
		return;
	fprintf(f, " %s { ", what);
	for (i = 0; i < n; i++)
		fprintf(f, v[i].lo == v[i].hi ? "%s%u" : "%s%u-%u", i ? ", " : "", v[i].lo, v[i].hi);
	fprintf(f, " }");
}

static void names(FILE *f, const char *what, const struct lstr *v, size_t n)
{
	size_t i;

	if (!n)
		return;
	fprintf(f, " %s { ", what);
	for (i = 0; i < n; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", v[i].s);
	fprintf(f, " }");
}

static void protocols(FILE *f, const struct conf_policy *p)
{
	size_t i;

	if (!p->protocols.n)
		return;
	fprintf(f, " meta l4proto { ");
	for (i = 0; i < p->protocols.n; i++)
		fprintf(f, "%s%u", i ? ", " : "", p->protocols.v[i].v);
	fprintf(f, " }");
}

static unsigned cgroup_level(const char *path)
{
	unsigned level = 1;

	for (; *path; path++)
		level += *path == '/';
	return level;
}

/*
 * The policy's whole match for one family, one cgroup (or none) and one mark
 * selector (or none), into @rule. @with_to adds the destinations, for the
 * guard, which must know which packets the policy's table really took.
 */
static void policy_match(struct out *o, FILE *rule, FILE *sets, const struct pol_info *pi,
			 uint8_t fam, const struct lstr *cg, const struct mark_sel *m, bool with_to)
{
	const struct conf_policy *p = pi->p;

	if (pi->fams != FAM_ALL || p->from.n || (with_to && p->to.n))
		fprintf(rule, " meta nfproto %s", fam == FAMILY_V4 ? "ipv4" : "ipv6");
	names(rule, "iifname", p->iif.v, p->iif.n);
	addr_match(o, rule, sets, p, p->from.v, p->from.n, fam, "saddr");
	if (with_to || pi->to_in_rules)
		addr_match(o, rule, sets, p, p->to.v, p->to.n, fam, "daddr");
	ranges(rule, "meta skuid", p->users.v, p->users.n);
	ranges(rule, "meta skgid", p->groups.v, p->groups.n);
	protocols(rule, p);
	ranges(rule, "th sport", p->sports.v, p->sports.n);
	ranges(rule, "th dport", p->dports.v, p->dports.n);
	if (m)
		fprintf(rule, " meta mark & 0x%x == 0x%x", m->mask, m->value);
	if (cg)
		fprintf(rule, " socket cgroupv2 level %u \"%s\"", cgroup_level(cg->s), cg->s);
}

typedef void (*rule_fn)(struct out *o, FILE *chain, const char *match, const struct pol_info *pi,
			uint8_t fam);

/* One rule per family the policy has, per cgroup and per mark selector it lists. */
static void for_each_match(struct out *o, FILE *chain, FILE *sets, const struct pol_info *pi,
			   bool with_to, rule_fn fn)
{
	static const uint8_t fams[] = { FAMILY_V4, FAMILY_V6 };
	const struct conf_policy *p = pi->p;
	size_t f, c, m, ncg = p->cgroups.n ? p->cgroups.n : 1, nm = p->fwmarks.n ? p->fwmarks.n : 1;
	bool split = pi->fams != FAM_ALL || p->from.n || (with_to && p->to.n);

	for (f = 0; f < (split ? 2 : 1); f++) {
		if (split && !(pi->fams & fam_bit_of(fams[f])))
			continue;
		for (c = 0; c < ncg; c++) {
			for (m = 0; m < nm; m++) {
				char *match = NULL;
				size_t len = 0;
				FILE *mf = open_memstream(&match, &len);

				if (!mf) {
					o->ctx->err = -ENOMEM;
					return;
				}
				policy_match(o, mf, sets, pi, fams[f],
					     p->cgroups.n ? &p->cgroups.v[c] : NULL,
					     p->fwmarks.n ? &p->fwmarks.v[m] : NULL, with_to);
				fclose(mf);
				fn(o, chain, match, pi, fams[f]);
				free(match);
			}
		}
	}
}

/* ---- chains ---- */

struct chains {
	FILE *sets, *mark_out, *mark_in, *nat, *guard, *mss;
	char *text[6];
	size_t len[6];
};

static uint32_t mask_of(const struct out *o)
{
	return policy_mark_mask(o->ctx->c);
}

static bool guarded(const struct pol_info *pi);

static void mark_rule(struct out *o, FILE *chain, const char *match, const struct pol_info *pi,
		      uint8_t fam)
{
	uint32_t mask = mask_of(o);

	(void)fam;
	/*
	 * The first policy to match marks; the mark's other bits are someone else's.
	 * The connection keeps the mark too: a failover finds the policy's
	 * conntrack entries by it (kernel/conntrack.c).
	 */
	fprintf(chain,
		"\t\tmeta mark & 0x%x == 0%s meta mark set meta mark & 0x%x | 0x%x "
		"ct mark set ct mark & 0x%x | 0x%x\n",
		mask, match, ~mask, pi->mark, ~mask, pi->mark);
	o->rules++;
}

static void tunnels(FILE *f, const struct conf_policy *p)
{
	size_t i, n = 0;

	fprintf(f, "{ ");
	for (i = 0; i < p->via.n; i++)
		if (p->via.v[i].iface)
			fprintf(f, "%s\"%s\"", n++ ? ", " : "", p->via.v[i].iface->name);
	fprintf(f, " }");
}

/*
 * The guard replays the RPDB's first match: in priority order, what a policy
 * takes may leave by its tunnels (or anywhere, without a kill switch); what a
 * kill-switched policy takes and is about to leave by another interface drops.
 */
static void guard_rule(struct out *o, FILE *chain, const char *match, const struct pol_info *pi,
		       uint8_t fam)
{
	const char *m = *match ? match + 1 : "", *sp = *match ? " " : "";

	(void)fam;
	if (!guarded(pi)) {
		fprintf(chain, "\t\t%s%saccept\n", m, sp);
		o->rules++;
		return;
	}
	/*
	 * The interface first: most packets leave by another one and then skip the
	 * set lookup of this rule (the drop below needs its own), which every
	 * forwarded packet would otherwise pay twice.
	 */
	fprintf(chain, "\t\toifname ");
	tunnels(chain, pi->p);
	fprintf(chain, "%s accept\n\t\t%s%sdrop\n", match, m, sp);
	o->rules += 2;
}

/* What compile_source_locality keeps on the LAN, the guard lets pass. */
static void locality(struct out *o, FILE *chain, const char *match, const struct pol_info *pi,
		     uint8_t fam)
{
	(void)match;
	fprintf(chain, "\t\tmeta nfproto %s", fam == FAMILY_V4 ? "ipv4" : "ipv6");
	addr_match(o, chain, o->set_decls, pi->p, pi->p->from.v, pi->p->from.n, fam, "saddr");
	addr_match(o, chain, o->set_decls, pi->p, pi->p->from.v, pi->p->from.n, fam, "daddr");
	fprintf(chain, " accept\n");
	o->rules++;
}

static void guard(struct out *o, struct chains *ch, const struct pol_info *pi)
{
	char match[64];

	if (!pi->mark && pi->p->from.n && !pi->p->to.n && pi->tunnels && guarded(pi))
		for_each_match(o, ch->guard, ch->sets, pi, false, locality);
	if (!pi->mark) {
		for_each_match(o, ch->guard, ch->sets, pi, true, guard_rule);
		return;
	}
	/* A marked policy's packets are known by their mark. */
	snprintf(match, sizeof(match), " meta mark & 0x%x == 0x%x", mask_of(o), pi->mark);
	guard_rule(o, ch->guard, match, pi, 0);
}

static bool socket_only(const struct conf_policy *p)
{
	return p->users.n || p->groups.n || p->cgroups.n;
}

static void marking(struct out *o, struct chains *ch, const struct pol_info *pi)
{
	if (!pi->mark)
		return;
	if (!pi->p->iif.n)
		for_each_match(o, ch->mark_out, ch->sets, pi, false, mark_rule);
	if (!socket_only(pi->p))
		for_each_match(o, ch->mark_in, ch->sets, pi, false, mark_rule);
	/* A mark re-routes local traffic after its source address was chosen: masquerade. */
	if (pi->tunnels && !pi->p->iif.n) {
		fprintf(ch->nat, "\t\tmeta mark & 0x%x == 0x%x oifname ", mask_of(o), pi->mark);
		tunnels(ch->nat, pi->p);
		fprintf(ch->nat, " fib saddr type local masquerade\n");
		o->rules++;
	}
}

static bool any(const struct pol_info *pols, size_t n, bool (*want)(const struct pol_info *))
{
	size_t i;

	for (i = 0; i < n; i++)
		if (want(&pols[i]))
			return true;
	return false;
}

static bool guarded(const struct pol_info *pi)
{
	return pi->killswitch && pi->tunnels;
}

static bool clamped(const struct pol_info *pi)
{
	return pi->mssclamp && pi->tunnels;
}

static bool marked(const struct pol_info *pi)
{
	return pi->mark != 0;
}

/* Tunnels' own packets carry their marks: never re-marked, never guarded. */
static void tunnel_marks(struct out *o, FILE *chain)
{
	size_t n = 0;

	fprintf(chain, "\t\tmeta mark { ");
	vec_foreach(dev, &o->ctx->out->wgdevs)
		fprintf(chain, "%s0x%x", n++ ? ", " : "", dev->fwmark);
	fprintf(chain, " } return\n");
	o->rules++;
}

static bool named_before(const struct pol_info *pols, size_t i, const struct target *t)
{
	size_t j;

	for (j = 0; j <= i; j++) {
		const struct target *u;

		for (u = pols[j].p->via.v; u < pols[j].p->via.v + pols[j].p->via.n; u++) {
			if (j == i && u == t)
				return false;
			if (clamped(&pols[j]) && u->iface == t->iface)
				return true;
		}
	}
	return false;
}

static void mss(struct out *o, FILE *chain, const struct pol_info *pols, size_t n)
{
	size_t i, k = 0;

	fprintf(chain, "\t\toifname { ");
	for (i = 0; i < n; i++) {
		const struct target *t;

		if (!clamped(&pols[i]))
			continue;
		for (t = pols[i].p->via.v; t < pols[i].p->via.v + pols[i].p->via.n; t++)
			if (t->iface && !named_before(pols, i, t))
				fprintf(chain, "%s\"%s\"", k++ ? ", " : "", t->iface->name);
	}
	fprintf(chain, " } tcp flags & (syn | rst) == syn tcp option maxseg size set rt mtu\n");
	o->rules++;
}

static int open_chains(struct chains *ch)
{
	FILE **f[] = { &ch->sets, &ch->mark_out, &ch->mark_in, &ch->nat, &ch->guard, &ch->mss };
	size_t i;

	memset(ch, 0, sizeof(*ch));
	for (i = 0; i < 6; i++) {
		*f[i] = open_memstream(&ch->text[i], &ch->len[i]);
		if (!*f[i])
			return -ENOMEM;
	}
	return 0;
}

static const char *const chain_heads[] = {
	NULL,
	"chain mark_out {\n\t\ttype route hook output priority mangle; policy accept;\n",
	"chain mark_in {\n\t\ttype filter hook prerouting priority mangle; policy accept;\n",
	"chain nat_out {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n",
	"chain guard {\n\t\ttype filter hook postrouting priority filter; policy accept;\n",
	"chain mss {\n\t\ttype filter hook postrouting priority mangle; policy accept;\n",
};

/* Join the pieces into the table's body; chains left empty are left out. */
static char *join(struct out *o, struct chains *ch)
{
	FILE **f[] = { &ch->sets, &ch->mark_out, &ch->mark_in, &ch->nat, &ch->guard, &ch->mss };
	size_t i, total = 1;
	char *body, *w;

	for (i = 0; i < 6; i++)
		if (*f[i])
			fclose(*f[i]);
	for (i = 0; i < 6; i++)
		total += ch->len[i] + 128;
	body = w = arena_alloc(&o->ctx->out->arena, total);
	for (i = 0; body && i < 6; i++) {
		if (!ch->len[i])
			continue;
		if (chain_heads[i])
			w += sprintf(w, "\t%s%s\t}\n", chain_heads[i], ch->text[i]);
		else
			w += sprintf(w, "%s", ch->text[i]);
	}
	for (i = 0; i < 6; i++)
		free(ch->text[i]);
	return body;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

struct st_nft *emit_nft_table(struct compile_ctx *ctx, const char *ifname, const char *body,
			      uint32_t rules)
{
	struct st_nft *t = EMIT(ctx, nft);

	if (!t)
		return NULL;
	st_nft_name(t->name, ifname);
	if (ifname)
		copy_ifname(t->ifname, ifname);
	t->ruleset = body;
	t->hash = fnv1a(body);
	t->n_rules = rules;
	return t;
}

static void emit_nft(struct out *o, const char *body, const struct pol_info *pols, size_t n)
{
	struct st_nft *t = emit_nft_table(o->ctx, NULL, body, o->rules);
	const char **cgroups;
	size_t i, k = 0;

	if (!t)
		return;
	t->n_sets = o->sets;
	t->n_elements = o->elements;
	for (i = 0; i < n; i++)
		k += pols[i].mark ? pols[i].p->cgroups.n : 0;
	cgroups = arena_alloc(&o->ctx->out->arena, sizeof(*cgroups) * (k + 1));
	if (!cgroups) {
		o->ctx->err = -ENOMEM;
		return;
	}
	for (i = 0, k = 0; i < n; i++)
		vec_foreach(cg, &pols[i].p->cgroups)
			if (pols[i].mark)
				cgroups[k++] = cg->s;
	t->cgroups = cgroups;
	t->n_cgroups = (uint32_t)k;
}

void compile_nft(struct compile_ctx *ctx, const struct pol_info *pols, size_t n)
{
	struct out o = { .ctx = ctx };
	struct chains ch;
	size_t i;
	char *body;

	if (!any(pols, n, marked) && !any(pols, n, guarded) && !any(pols, n, clamped))
		return;
	if (open_chains(&ch)) {
		ctx->err = -ENOMEM;
		return;
	}
	o.set_decls = ch.sets;
	if (any(pols, n, marked)) {
		tunnel_marks(&o, ch.mark_out);
		tunnel_marks(&o, ch.mark_in);
	}
	for (i = 0; i < n; i++)
		marking(&o, &ch, &pols[i]);
	if (any(pols, n, guarded)) {
		tunnel_marks(&o, ch.guard);
		fprintf(ch.guard, "\t\toifname \"lo\" accept\n");
		/*
		 * Neighbour discovery never leaves its link and no route chose its
		 * interface, but a router's NS and NA carry its address on that link,
		 * which a From prefix holds: dropped, the LAN loses its IPv6 router.
		 */
		fprintf(ch.guard, "\t\ticmpv6 type { nd-router-solicit, nd-router-advert, "
				  "nd-neighbor-solicit, nd-neighbor-advert } accept\n");
		o.rules++;
		for (i = 0; i < n; i++)
			guard(&o, &ch, &pols[i]);
	}
	if (any(pols, n, clamped))
		mss(&o, ch.mss, pols, n);
	body = join(&o, &ch);
	if (!body) {
		ctx->err = -ENOMEM;
		return;
	}
	emit_nft(&o, body, pols, n);
}
