// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The checklist's judgements of the kernel's routing objects: wgpolicy's own
 * rules, tables and nftables table in place, and no foreign rule in front of
 * them that takes a policy's traffic (`ip rule show`, `ip route show table X`,
 * `nft list ruleset`, automated).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "explain/doctor.h"
#include "state/plan.h"

void finding_add(struct findings *f, const char *check, enum level level, const char *hint,
		 const char *fmt, ...)
{
	struct finding *x = vec_push(f->a, &f->v);
	char buf[1024];
	va_list ap;

	if (!x)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	*x = (struct finding){check, level, arena_strdup(f->a, buf), hint};
}

enum level findings_worst(const struct findings *f)
{
	enum level worst = LEVEL_OK;

	vec_foreach(x, &f->v) if (x->level > worst) worst = x->level;
	return worst;
}

/* "from 10.0.1.0/24 table 52000 pref 10011": an object as ip shows it, without the verb. */
const char *explain_shown(enum obj_type type, const void *obj, char *buf, size_t len)
{
	const char *s = obj_render(type, obj, buf, len);
	const char *add = strstr(s, " add ");

	return add ? add + 5 : s;
}

/* Is @obj's identity in @l, sorted by identity (state_sort)? A binary search: sets are large. */
static bool has_object(const struct obj_list *l, enum obj_type t, const void *obj)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = obj_ops[t].key_cmp(obj_at(l, t, mid), obj);

		if (!c)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

void check_rules(struct findings *f, const struct state *desired, const struct state *live)
{
	const struct st_rule *first = NULL;
	char buf[OP_LINE_MAX];
	size_t missing = 0;

	vec_foreach(r, &desired->rules)
	{
		if (has_object(state_list_const(live, OBJ_RULE), OBJ_RULE, r))
			continue;
		missing++;
		first = first ? first : r;
	}
	if (missing)
		finding_add(f, "rules", LEVEL_FAIL,
			    "`wgpolicy plan` shows them, `wgpolicy apply` puts "
			    "them back",
			    "%zu of wgpolicy's %zu rules missing, first: %s", missing,
			    desired->rules.n, explain_shown(OBJ_RULE, first, buf, sizeof(buf)));
	else
		finding_add(f, "rules", LEVEL_OK, NULL, "wgpolicy's %zu rules are in place",
			    desired->rules.n);
}

static const char *table_owner(const struct conf *c, const struct state *desired, uint32_t table)
{
	vec_foreach(p, &c->policies)
	{
		struct compiled_policy v;

		compile_policy_view(c, desired, *p, &v);
		if (v.table == table)
			return (*p)->name;
	}
	return NULL;
}

static void check_table(struct findings *f, const struct conf *c, const struct state *desired,
			const struct state *live, uint32_t table)
{
	const struct st_route *first = NULL;
	const char *owner = table_owner(c, desired, table);
	size_t want = 0, missing = 0;
	char buf[OP_LINE_MAX];

	vec_foreach(r, &desired->routes)
	{
		if (r->table != table)
			continue;
		want++;
		if (!has_object(state_list_const(live, OBJ_ROUTE), OBJ_ROUTE, r)) {
			missing++;
			first = first ? first : r;
		}
	}
	if (!missing)
		return;
	finding_add(f, "tables", LEVEL_FAIL, "`wgpolicy apply` fills it again",
		    "table %u%s%s%s %s: %s", table, owner ? " (policy " : "", owner ? owner : "",
		    owner ? ")" : "", missing == want ? "is empty" : "lacks routes",
		    explain_shown(OBJ_ROUTE, first, buf, sizeof(buf)));
}

static bool listed(const uint32_t *v, size_t n, uint32_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

void check_tables(struct findings *f, const struct conf *c, const struct state *desired,
		  const struct state *live)
{
	size_t before = f->v.n;
	VEC(uint32_t) tables = {0};

	vec_foreach(r, &desired->routes)
	{
		uint32_t *slot;

		if (r->table == RT_TABLE_MAIN_ID || listed(tables.v, tables.n, r->table))
			continue;
		slot = vec_push(f->a, &tables);
		if (!slot)
			return;
		*slot = r->table;
		check_table(f, c, desired, live, r->table);
	}
	if (f->v.n == before)
		finding_add(f, "tables", LEVEL_OK, NULL, "wgpolicy's %zu tables hold their routes",
			    tables.n);
}

static const struct st_nft *find_nft(const struct state *s, const char *name)
{
	vec_foreach(t, &s->nft)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

/* What is off while @t is not loaded. */
static const char *nft_serves(const struct st_nft *t)
{
	if (t->ifname[0])
		return "the full tunnel's anti-spoofing and mark keeping are";
	if (!strcmp(t->name, NFT_NETDEV_TABLE))
		return "MSS clamping is";
	return "marking, masquerade, the kill switch's leak guard and its MSS clamping are";
}

void check_nft(struct findings *f, const struct state *desired, const struct state *live)
{
	size_t before = f->v.n;

	vec_foreach(want, &desired->nft) {
		const struct st_nft *have = find_nft(live, want->name);

		if (!have)
			finding_add(f, "nftables", LEVEL_FAIL, "`wgpolicy apply` loads it",
				    "table %s is missing: %s off", want->name, nft_serves(want));
		else if (!st_nft_equal(want, have))
			finding_add(f, "nftables", LEVEL_FAIL, "`wgpolicy apply` replaces it",
				    "table %s is not the one the configuration makes", want->name);
	}
	vec_foreach(have, &live->nft)
		if (!find_nft(desired, have->name))
			finding_add(f, "nftables", LEVEL_WARN, "`wgpolicy apply` removes it",
				    "table %s is loaded but no longer needed", have->name);
	if (f->v.n == before && desired->nft.n)
		finding_add(f, "nftables", LEVEL_OK, NULL, "wgpolicy's %zu nftables tables are in place",
			    desired->nft.n);
	else if (f->v.n == before)
		finding_add(f, "nftables", LEVEL_OK, NULL, "no nftables table needed");
}

/* ---- rules that are not wgpolicy's ---- */

struct overlap {
	const struct prefix *with;
	bool any;
};

static void overlaps_one(void *arg, const struct prefix *p, struct loc loc)
{
	struct overlap *o = arg;

	(void)loc;
	o->any |= prefix_overlaps(p, o->with);
}

/* An address selector of the rule against the policy's list (empty: everything). */
static bool addrs_overlap(const struct conf *c, const struct addr_sel *v, size_t n,
			  const struct prefix *rule)
{
	struct overlap o = {rule, false};

	if (!rule->len || !n)
		return true;
	sel_foreach(c, v, n, overlaps_one, &o);
	return o.any;
}

static bool ranges_overlap(const struct range32 *v, size_t n, uint32_t lo, uint32_t hi)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].lo <= hi && lo <= v[i].hi)
			return true;
	return !n;
}

/* Could one packet match both the foreign rule and the policy? */
static bool selects_policy(const struct conf *c, const struct st_rule *r,
			   const struct conf_policy *p)
{
	bool iif = !r->iif[0] || !p->iif.n;

	vec_foreach(s, &p->iif) iif |= !strcmp(s->s, r->iif);
	/* Inverted rules and marks of someone else's are too murky to call: only plain ones. */
	if (r->invert || r->oif[0] || r->fwmask || !iif ||
	    !(policy_families(c, p) & fam_bit_of(r->family)))
		return false;
	if (!addrs_overlap(c, p->from.v, p->from.n, &r->src) ||
	    !addrs_overlap(c, p->to.v, p->to.n, &r->dst))
		return false;
	if (r->has_uidrange && !ranges_overlap(p->users.v, p->users.n, r->uid_lo, r->uid_hi))
		return false;
	if (r->dport.hi && !ranges_overlap(p->dports.v, p->dports.n, r->dport.lo, r->dport.hi))
		return false;
	return !r->sport.hi || ranges_overlap(p->sports.v, p->sports.n, r->sport.lo, r->sport.hi);
}

/* A route of the rule's table, not suppressed, towards some of the policy's destinations. */
static const struct st_route *table_takes(const struct conf *c, const struct state *live,
					  const struct st_rule *r, const struct conf_policy *p)
{
	vec_foreach(rt, &live->routes)
	{
		struct overlap o = {&rt->dst, false};

		if (rt->table != r->table || rt->dst.family != r->family ||
		    (r->suppress_prefixlen >= 0 && rt->dst.len <= r->suppress_prefixlen) ||
		    rt->type == ROUTE_THROW)
			continue;
		if (!p->to.n)
			return rt;
		sel_foreach(c, p->to.v, p->to.n, overlaps_one, &o);
		if (o.any)
			return rt;
	}
	return NULL;
}

static void foreign_rule(struct findings *f, const struct conf *c, const struct state *live,
			 const struct st_rule *r)
{
	char rule[OP_LINE_MAX], route[OP_LINE_MAX];

	vec_foreach(p, &c->policies)
	{
		const struct st_route *rt = NULL;

		if (r->priority >= policy_priority(c, *p) || !selects_policy(c, r, *p))
			continue;
		if (r->action == RULE_TO_TABLE && !(rt = table_takes(c, live, r, *p)))
			continue;
		finding_add(f, "foreign-rules", LEVEL_FAIL,
			    "move it after wgpolicy's rules (PriorityRange), or narrow it",
			    "'%s' is not wgpolicy's, comes first and takes policy %s's traffic%s%s",
			    explain_shown(OBJ_RULE, r, rule, sizeof(rule)), (*p)->name,
			    rt ? ": " : "",
			    rt ? explain_shown(OBJ_ROUTE, rt, route, sizeof(route)) : "");
		return;
	}
}

void check_foreign_rules(struct findings *f, const struct conf *c, const struct state *live,
			 uint8_t protocol)
{
	size_t before = f->v.n;

	vec_foreach(r, &live->rules)
	    /* Priority 0 is the kernel's local table: every host's own addresses, nothing else. */
	    if (r->protocol != protocol && r->priority) foreign_rule(f, c, live, r);
	if (f->v.n == before)
		finding_add(f, "foreign-rules", LEVEL_OK, NULL,
			    "no rule of another program takes a policy's traffic first");
}
