// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The nftables side of policies: only what the RPDB cannot do (DESIGN.md):
 * cgroups, groups and large selector lists mark packets for one fwmark rule;
 * marked local traffic is masqueraded on its tunnel; and the leak guard drops
 * what a policy with `KillSwitch = yes` takes (by its mark, or its selectors
 * replayed) but that is about to leave by another interface. MSS clamping has
 * its own table (compile/nft_mss.c).
 *
 * A policy with `KillSwitch = routes` has its kill switch in its tables
 * alone, an `unreachable` beside each destination or at its end: no hook and
 * no set lookup for every forwarded packet (bench/README.md), and no defence
 * against a foreign rule placed before wgpolicy's, which `plan`, `apply` and
 * `doctor` report, or a rule of wgpolicy's deleted, which the daemon puts back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/nft.h"
#include "compile/nft_internal.h"
#include "compile/policy.h"
#include "conf/values.h"

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

/* One rule's choices among a policy's alternatives. */
struct combo {
	uint8_t fam;
	const struct lstr *cg;	  /* a cgroup, or none */
	const struct mark_sel *m; /* a mark selector, or none */
	uint8_t from_len, to_len; /* the way of each address selector (nft_internal.h) */
};

/*
 * The policy's whole match for one combination of alternatives, into
 * @rule. @with_to adds the destinations, for the guard, which must know
 * which packets the policy's table really took.
 */
static void policy_match(struct out *o, FILE *rule, FILE *sets, const struct pol_info *pi,
			 const struct combo *k, bool with_to)
{
	const struct conf_policy *p = pi->p;

	if (pi->fams != FAM_ALL || p->from.n || (with_to && p->to.n))
		fprintf(rule, " meta nfproto %s", k->fam == FAMILY_V4 ? "ipv4" : "ipv6");
	names(rule, "iifname", p->iif.v, p->iif.n);
	addr_match(o, rule, sets, p, p->from.v, p->from.n, k->fam, "saddr", k->from_len);
	if (with_to || pi->to_in_rules)
		addr_match(o, rule, sets, p, p->to.v, p->to.n, k->fam, "daddr", k->to_len);
	ranges(rule, "meta skuid", p->users.v, p->users.n);
	ranges(rule, "meta skgid", p->groups.v, p->groups.n);
	protocols(rule, p);
	ranges(rule, "th sport", p->sports.v, p->sports.n);
	ranges(rule, "th dport", p->dports.v, p->dports.n);
	if (k->m)
		fprintf(rule, " meta mark & 0x%x == 0x%x", k->m->mask, k->m->value);
	if (k->cg)
		fprintf(rule, " socket cgroupv2 level %u \"%s\"", cgroup_level(k->cg->s), k->cg->s);
}

typedef void (*rule_fn)(struct out *o, FILE *chain, const char *match, const struct pol_info *pi,
			uint8_t fam);

static void emit_combo(struct out *o, FILE *chain, FILE *sets, const struct pol_info *pi,
		       const struct combo *k, bool with_to, rule_fn fn)
{
	char *match = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&match, &len);

	if (!mf) {
		o->ctx->err = -ENOMEM;
		return;
	}
	policy_match(o, mf, sets, pi, k, with_to);
	fclose(mf);
	fn(o, chain, match, pi, k->fam);
	free(match);
}

/*
 * One rule per family the policy has, per way its addresses are looked up
 * (a hash set per prefix length), per cgroup and per mark selector it lists.
 */
static void for_each_match(struct out *o, FILE *chain, FILE *sets, const struct pol_info *pi,
			   bool with_to, rule_fn fn)
{
	static const uint8_t fams[] = { FAMILY_V4, FAMILY_V6 };
	const struct conf_policy *p = pi->p;
	size_t f, a, b, c, m, ncg = p->cgroups.n ? p->cgroups.n : 1;
	size_t nm = p->fwmarks.n ? p->fwmarks.n : 1;
	bool split = pi->fams != FAM_ALL || p->from.n || (with_to && p->to.n);
	struct addr_ways from, to;

	for (f = 0; f < (split ? 2 : 1); f++) {
		if (split && !(pi->fams & fam_bit_of(fams[f])))
			continue;
		addr_ways(o->ctx->c, p->from.v, p->from.n, fams[f], &from);
		addr_ways(o->ctx->c, p->to.v, with_to || pi->to_in_rules ? p->to.n : 0, fams[f], &to);
		for (a = 0; a < from.n; a++)
			for (b = 0; b < to.n; b++)
				for (c = 0; c < ncg; c++)
					for (m = 0; m < nm; m++) {
						struct combo k = {
							fams[f], p->cgroups.n ? &p->cgroups.v[c] : NULL,
							p->fwmarks.n ? &p->fwmarks.v[m] : NULL,
							from.len[a], to.len[b]
						};

						emit_combo(o, chain, sets, pi, &k, with_to, fn);
					}
	}
}

/* ---- chains ---- */

/* The table's pieces, in the order join() writes them. */
enum { C_SETS, C_MARK_OUT, C_MARK_IN, C_NAT, C_DNS_IN, C_DNS_OUT, C_DNS, C_GUARD, C_GUARDS, C_MSS,
       C_COUNT };

struct chains {
	FILE *sets, *mark_out, *mark_in, *nat, *dns_in, *dns_out, *dns, *guard, *guards, *mss;
	char *text[C_COUNT];
	size_t len[C_COUNT];
};

static FILE **chain_file(struct chains *ch, int i)
{
	FILE **f[C_COUNT] = { &ch->sets,   &ch->mark_out, &ch->mark_in, &ch->nat,
			      &ch->dns_in, &ch->dns_out,  &ch->dns,	    &ch->guard,
			      &ch->guards, &ch->mss };

	return f[i];
}

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
	/* The first policy to match marks; the mark's other bits are someone else's. */
	fprintf(chain, "\t\tmeta mark & 0x%x == 0%s meta mark set meta mark & 0x%x | 0x%x", mask,
		match, ~mask, pi->mark);
	/*
	 * A failover finds the policy's conntrack entries by the connection's mark
	 * where their addresses and ports cannot tell them (compile/flows.c). Only
	 * then: the conntrack mark turns conntrack on for every packet.
	 */
	if (policy_flows_need_mark(pi->p))
		fprintf(chain, " ct mark set ct mark & 0x%x | 0x%x", ~mask, pi->mark);
	fprintf(chain, "\n");
	o->rules++;
}

/* The set of @p's tunnels' names. */
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
 * Tunnels' own packets carry their marks: never re-marked, never guarded.
 * @outside_mask: only the marks with no bit under the policies' mask (a
 * file's FwMark, a full tunnel's), for the marking chains, whose rules take
 * only packets with none of those bits: they pass the others already, and
 * every forwarded packet would pay the rule.
 */
static void tunnel_marks(struct out *o, FILE *chain, const char *verdict, bool outside_mask)
{
	size_t n = 0;

	vec_foreach(dev, &o->ctx->out->wgdevs) {
		if (!dev->fwmark || (outside_mask && (dev->fwmark & mask_of(o))))
			continue;
		fprintf(chain, "%s0x%x", n++ ? ", " : "\t\tmeta mark { ", dev->fwmark);
	}
	if (!n)
		return;
	fprintf(chain, " } %s\n", verdict);
	o->rules++;
}

/*
 * A replay of the RPDB's first match, the guard's and the DNS redirect's: in
 * priority order, what a policy the replay is for (o->replay) takes jumps to
 * that policy's own chain; what another policy takes is let pass, before a
 * later policy's selectors, or mark, could take it. A packet no policy takes
 * pays one rule (a lookup) a selector, and nothing else: every forwarded
 * packet of a router passes the guard.
 */
static void replay_rule(struct out *o, FILE *chain, const char *match, const struct pol_info *pi,
			uint8_t fam)
{
	const char *m = *match ? match + 1 : "", *sp = *match ? " " : "";

	(void)fam;
	if (o->replay->takes(pi))
		fprintf(chain, "\t\t%s%sjump %s%u\n", m, sp, o->replay->chain, pi->p->index);
	else
		fprintf(chain, "\t\t%s%saccept\n", m, sp);
	o->rules++;
}

bool replay_needs(const struct out *o, const struct pol_info *pols, size_t i, size_t n)
{
	for (; i < n; i++)
		if (o->replay->takes(&pols[i]) && (!o->replay->passes || o->replay->passes(&pols[i])))
			return true;
	return false;
}

void replay_policy(struct out *o, FILE *chain, const struct pol_info *pi)
{
	char match[64];

	if (!pi->mark) {
		for_each_match(o, chain, o->set_decls, pi, true, replay_rule);
		return;
	}
	/* A marked policy's packets are known by their mark. */
	snprintf(match, sizeof(match), " meta mark & 0x%x == 0x%x", mask_of(o), pi->mark);
	replay_rule(o, chain, match, pi, 0);
}

/* What compile_source_locality keeps on the LAN, the guard lets pass. */
static void locality(struct out *o, FILE *chain, const char *match, const struct pol_info *pi,
		     uint8_t fam)
{
	(void)match;
	fprintf(chain, "\t\tmeta nfproto %s", fam == FAMILY_V4 ? "ipv4" : "ipv6");
	addr_match(o, chain, o->set_decls, pi->p, pi->p->from.v, pi->p->from.n, fam, "saddr",
		   ADDR_ANY_LEN);
	addr_match(o, chain, o->set_decls, pi->p, pi->p->from.v, pi->p->from.n, fam, "daddr",
		   ADDR_ANY_LEN);
	fprintf(chain, " accept\n");
	o->rules++;
}

/*
 * Where the locality rules go: into the policy's chain when every packet
 * they pass is one the policy takes (it selects by its sources alone), else
 * before the policy's rules, as the RPDB's locality rule comes before them.
 */
static FILE *locality_chain(struct chains *ch, const struct conf_policy *p)
{
	bool sources_alone = !p->iif.n && !p->users.n && !p->groups.n && !p->cgroups.n &&
			     !p->fwmarks.n && !p->protocols.n && !p->sports.n && !p->dports.n;

	return sources_alone ? ch->guards : ch->guard;
}

/*
 * A guarded policy's chain: what leaves by its tunnels or loopback, the
 * tunnels' own packets (by their marks), neighbour discovery and what
 * compile_source_locality keeps on the LAN pass; the rest drops.
 */
static void guard_chain(struct out *o, struct chains *ch, const struct pol_info *pi)
{
	FILE *f = ch->guards;
	bool local = !pi->mark && pi->p->from.n && !pi->p->to.n;

	fprintf(f, "\tchain guard%u {\n", pi->p->index);
	/*
	 * The interfaces first: the policy's packets leave by its tunnels,
	 * mostly. A rule each: comparing a name costs a packet less than
	 * looking it up in a set (about 60 ns here).
	 */
	vec_foreach(t, &pi->p->via)
		if (t->iface) {
			fprintf(f, "\t\toifname \"%s\" accept\n", t->iface->name);
			o->rules++;
		}
	fprintf(f, "\t\toifname \"lo\" accept\n");
	o->rules++;
	tunnel_marks(o, f, "accept", false);
	/*
	 * Neighbour discovery never leaves its link and no route chose its
	 * interface, but a router's NS and NA carry its address on that link,
	 * which a From prefix holds: dropped, the LAN loses its IPv6 router.
	 */
	if (pi->fams & FAM_V6) {
		fprintf(f, "\t\ticmpv6 type { nd-router-solicit, nd-router-advert, "
			   "nd-neighbor-solicit, nd-neighbor-advert } accept\n");
		o->rules++;
	}
	if (local)
		for_each_match(o, locality_chain(ch, pi->p), ch->sets, pi, false, locality);
	fprintf(f, "\t\tdrop\n\t}\n");
	o->rules++;
}

static void guard(struct out *o, struct chains *ch, const struct pol_info *pols, size_t i,
		  size_t n)
{
	const struct pol_info *pi = &pols[i];

	if (!replay_needs(o, pols, i, n))
		return;
	if (guarded(pi))
		guard_chain(o, ch, pi);
	replay_policy(o, ch->guard, pi);
}

bool pol_forwarded(const struct pol_info *pi)
{
	return !pi->p->users.n && !pi->p->groups.n && !pi->p->cgroups.n;
}

bool pol_sent(const struct pol_info *pi)
{
	return !pi->p->iif.n;
}

static void marking(struct out *o, struct chains *ch, const struct pol_info *pi)
{
	if (!pi->mark)
		return;
	if (pol_sent(pi))
		for_each_match(o, ch->mark_out, ch->sets, pi, false, mark_rule);
	if (pol_forwarded(pi))
		for_each_match(o, ch->mark_in, ch->sets, pi, false, mark_rule);
	/*
	 * A mark re-routes local traffic after its source address was chosen:
	 * masquerade. Not when a From selector chose the source, as the RPDB's
	 * own `from` rule would send it unchanged.
	 */
	if (pi->tunnels && !pi->p->iif.n && !pi->p->from.n) {
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
	return pi->guard && pi->tunnels;
}

static bool marked(const struct pol_info *pi)
{
	return pi->mark != 0;
}

static int open_chains(struct chains *ch)
{
	int i;

	memset(ch, 0, sizeof(*ch));
	for (i = 0; i < C_COUNT; i++) {
		*chain_file(ch, i) = open_memstream(&ch->text[i], &ch->len[i]);
		if (!*chain_file(ch, i))
			return -ENOMEM;
	}
	return 0;
}

/* The base chains' heads; the sets and the policies' guard chains are written whole. */
static const char *const chain_heads[C_COUNT] = {
	[C_MARK_OUT] = "chain mark_out {\n\t\ttype route hook output priority mangle; policy accept;\n",
	[C_MARK_IN] = "chain mark_in {\n\t\ttype filter hook prerouting priority mangle; "
		      "policy accept;\n",
	[C_NAT] = "chain nat_out {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n",
	[C_DNS_IN] = "chain dns_in {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n",
	[C_DNS_OUT] = "chain dns_out {\n\t\ttype nat hook output priority -100; policy accept;\n",
	[C_GUARD] = "chain guard {\n\t\ttype filter hook postrouting priority filter; "
		    "policy accept;\n",
	[C_MSS] = "chain mss {\n\t\ttype filter hook postrouting priority mangle; policy accept;\n",
};

/* Join the pieces into the table's body; chains left empty are left out. */
static char *join(struct out *o, struct chains *ch)
{
	size_t total = 1;
	char *body, *w;
	int i;

	for (i = 0; i < C_COUNT; i++)
		if (*chain_file(ch, i))
			fclose(*chain_file(ch, i));
	for (i = 0; i < C_COUNT; i++)
		total += ch->len[i] + 128;
	body = w = arena_alloc(&o->ctx->out->arena, total);
	for (i = 0; body && i < C_COUNT; i++) {
		if (!ch->len[i])
			continue;
		if (chain_heads[i])
			w += sprintf(w, "\t%s%s\t}\n", chain_heads[i], ch->text[i]);
		else
			w += sprintf(w, "%s", ch->text[i]);
	}
	for (i = 0; i < C_COUNT; i++)
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

struct st_nft *emit_nft_named(struct compile_ctx *ctx, const char *name, const char *ifname,
			      const char *body, uint32_t rules)
{
	struct st_nft *t = EMIT(ctx, nft);

	if (!t)
		return NULL;
	snprintf(t->name, sizeof(t->name), "%s", name);
	if (ifname)
		copy_ifname(t->ifname, ifname);
	t->ruleset = body;
	t->hash = fnv1a(body);
	t->n_chains = st_nft_count_chains(body);
	t->n_rules = rules;
	return t;
}

void emit_nft_written(struct compile_ctx *ctx, const char *name, const char *ifname,
		      nft_writer write, const void *arg)
{
	char *body = NULL, *kept;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	uint32_t rules;

	if (!f) {
		ctx->err = -ENOMEM;
		return;
	}
	rules = write(ctx, f, arg);
	fclose(f);
	kept = arena_strdup(&ctx->out->arena, body);
	free(body);
	if (!kept || !emit_nft_named(ctx, name, ifname, kept, rules))
		ctx->err = -ENOMEM;
}

static void emit_nft(struct out *o, const char *body, const struct pol_info *pols, size_t n)
{
	char name[ST_NFT_NAMSIZ];
	struct st_nft *t;
	const char **cgroups;
	size_t i, k = 0;

	st_nft_name(name, NULL);
	t = emit_nft_named(o->ctx, name, NULL, body, o->rules);
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
	static const struct replay guard_replay = { guarded, NULL, "guard" };
	struct out o = { .ctx = ctx };
	struct chains ch;
	bool guard_on = any(pols, n, guarded);
	size_t i;
	char *body;

	if (open_chains(&ch)) {
		ctx->err = -ENOMEM;
		return;
	}
	o.set_decls = ch.sets;
	if (any(pols, n, marked)) {
		tunnel_marks(&o, ch.mark_out, "return", true);
		tunnel_marks(&o, ch.mark_in, "return", true);
	}
	for (i = 0; i < n; i++)
		marking(&o, &ch, &pols[i]);
	/* The clamp before the guard's verdicts, in the hook its packets pass anyway. */
	o.rules += compile_mss(ctx, pols, n, guard_on ? ch.guard : NULL, ch.mss);
	if (guard_on) {
		o.replay = &guard_replay;
		for (i = 0; i < n; i++)
			guard(&o, &ch, pols, i, n);
	}
	compile_dns(&o, ch.dns_in, ch.dns_out, ch.dns, pols, n);
	body = join(&o, &ch);
	if (!body)
		ctx->err = -ENOMEM;
	else if (o.rules)
		emit_nft(&o, body, pols, n);
}
