// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A policy's selectors as ip rules. The RPDB matches one value per selector
 * in a rule, so lists multiply into rules; past a few dozen, a policy is
 * marked by nftables instead (compile/nft.c), since the kernel walks rules one
 * by one for every packet.
 */
#include <errno.h>
#include <string.h>

#include "compile/policy.h"

enum dim { D_SRC, D_DST, D_IIF, D_UID, D_MARK, D_PROTO, D_SPORT, D_DPORT, D_COUNT };

struct dims {
	size_t n[D_COUNT]; /* 0: the selector is absent (matches anything) */
	struct prefix *src, *dst;
	const struct conf_policy *p;
};

struct collect {
	struct prefix *v;
	size_t n;
	uint8_t family;
};

static void count_family(void *arg, const struct prefix *p, struct loc loc)
{
	struct collect *c = arg;

	(void)loc;
	c->n += p->family == c->family;
}

static void take_family(void *arg, const struct prefix *p, struct loc loc)
{
	struct collect *c = arg;

	(void)loc;
	if (p->family == c->family)
		c->v[c->n++] = prefix_network(p);
}

static struct prefix *family_prefixes(struct compile_ctx *ctx, const struct addr_sel *v, size_t n,
				      uint8_t family, size_t *count)
{
	struct collect c = { NULL, 0, family };

	sel_foreach(ctx->c, v, n, count_family, &c);
	*count = c.n;
	c.v = arena_alloc(&ctx->out->arena, sizeof(*c.v) * (c.n + 1));
	if (!c.v) {
		ctx->err = -ENOMEM;
		return NULL;
	}
	c.n = 0;
	sel_foreach(ctx->c, v, n, take_family, &c);
	return c.v;
}

static size_t policy_rule_count(const struct dims *d)
{
	size_t total = 1;
	int i;

	for (i = 0; i < D_COUNT; i++)
		if (d->n[i])
			total = total > SIZE_MAX / d->n[i] ? SIZE_MAX : total * d->n[i];
	return total;
}

static void set_dims(struct compile_ctx *ctx, struct dims *d, const struct conf_policy *p,
		     uint8_t family, bool to_in_rules)
{
	memset(d, 0, sizeof(*d));
	d->p = p;
	d->src = family_prefixes(ctx, p->from.v, p->from.n, family, &d->n[D_SRC]);
	if (to_in_rules)
		d->dst = family_prefixes(ctx, p->to.v, p->to.n, family, &d->n[D_DST]);
	d->n[D_IIF] = p->iif.n;
	d->n[D_UID] = p->users.n;
	d->n[D_MARK] = p->fwmarks.n;
	d->n[D_PROTO] = p->protocols.n;
	d->n[D_SPORT] = p->sports.n;
	d->n[D_DPORT] = p->dports.n;
}

static struct port_range port(const struct range32 *r)
{
	return (struct port_range){ (uint16_t)r->lo, (uint16_t)r->hi };
}

/* Fill the selectors of rule @r from the combination @at of the dimensions. */
static void fill(struct st_rule *r, const struct dims *d, const size_t *at)
{
	const struct conf_policy *p = d->p;

	if (d->n[D_SRC])
		r->src = d->src[at[D_SRC]];
	if (d->n[D_DST])
		r->dst = d->dst[at[D_DST]];
	if (d->n[D_IIF])
		copy_ifname(r->iif, p->iif.v[at[D_IIF]].s);
	if (d->n[D_UID]) {
		r->has_uidrange = true;
		r->uid_lo = p->users.v[at[D_UID]].lo;
		r->uid_hi = p->users.v[at[D_UID]].hi;
	}
	if (d->n[D_MARK]) {
		r->fwmark = p->fwmarks.v[at[D_MARK]].value;
		r->fwmask = p->fwmarks.v[at[D_MARK]].mask;
	}
	if (d->n[D_PROTO])
		r->ipproto = (uint8_t)p->protocols.v[at[D_PROTO]].v;
	if (d->n[D_SPORT])
		r->sport = port(&p->sports.v[at[D_SPORT]]);
	if (d->n[D_DPORT])
		r->dport = port(&p->dports.v[at[D_DPORT]]);
}

/* Next combination, odometer style; false after the last. */
static bool next(size_t *at, const struct dims *d)
{
	int i;

	for (i = D_COUNT - 1; i >= 0; i--) {
		if (d->n[i] && ++at[i] < d->n[i])
			return true;
		at[i] = 0;
	}
	return false;
}

static void emit_combinations(struct compile_ctx *ctx, const struct dims *d, uint8_t family,
			      uint32_t prio, uint32_t table)
{
	size_t at[D_COUNT] = { 0 };

	do {
		struct st_rule *r = emit_table_rule(ctx, family, prio, table);

		if (!r)
			return;
		fill(r, d, at);
	} while (next(at, d));
}

bool policy_needs_marks(struct compile_ctx *ctx, const struct conf_policy *p, unsigned fams,
			bool to_in_rules, bool locality)
{
	static const uint8_t families[] = { FAMILY_V4, FAMILY_V6 };
	size_t i, total = 0;

	if (p->groups.n || p->cgroups.n)
		return true;
	for (i = 0; i < 2; i++) {
		struct dims d;

		if (!(fams & fam_bit_of(families[i])))
			continue;
		set_dims(ctx, &d, p, families[i], to_in_rules);
		total += policy_rule_count(&d) + (locality ? d.n[D_SRC] : 0);
	}
	return total > NATIVE_RULES_MAX;
}

void compile_policy_rules(struct compile_ctx *ctx, const struct conf_policy *p, unsigned fams,
			  uint32_t prio, uint32_t table)
{
	static const uint8_t families[] = { FAMILY_V4, FAMILY_V6 };
	size_t i;

	for (i = 0; i < 2 && !ctx->err; i++) {
		struct dims d;

		if (!(fams & fam_bit_of(families[i])))
			continue;
		set_dims(ctx, &d, p, families[i], table == RT_TABLE_MAIN_ID);
		emit_combinations(ctx, &d, families[i], prio, table);
	}
}

/*
 * A subnet sent through a tunnel still talks to itself and to its gateway:
 * from the policy's sources to those same prefixes, the main table's own
 * routes (connected networks; its default suppressed) come first, so the
 * gateway's replies and ICMP errors (PMTU) to the subnet stay on the LAN,
 * while whatever main would send by its default still takes the tunnel.
 */
void compile_source_locality(struct compile_ctx *ctx, const struct conf_policy *p, unsigned fams,
			     uint32_t prio)
{
	static const uint8_t families[] = { FAMILY_V4, FAMILY_V6 };
	size_t i, k;

	for (i = 0; i < 2 && !ctx->err; i++) {
		struct dims d;

		if (!(fams & fam_bit_of(families[i])))
			continue;
		set_dims(ctx, &d, p, families[i], false);
		for (k = 0; k < d.n[D_SRC]; k++) {
			struct st_rule *r = emit_table_rule(ctx, families[i], prio, RT_TABLE_MAIN_ID);

			if (!r)
				return;
			r->src = d.src[k];
			r->dst = d.src[k];
			r->suppress_prefixlen = 0;
		}
	}
}
