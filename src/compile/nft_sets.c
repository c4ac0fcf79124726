// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Address selectors in nftables: a short list inline, a long one as a named
 * set. Prefixes of few lengths (the common large set: /24s, or hosts) are
 * looked up in one hash per length, with the address masked to it; any
 * other mix, in one interval set. The kernel looks a hash up in constant
 * time, an interval set by walking a tree or searching an array: 170 against
 * 730 ns a packet for 10,000 /24s here, and for 10 /24s inline about 90 ns
 * less as a hash than as intervals (bench/README.md), paid by every packet
 * the leak guard or the marking sees. A named hash set is declared with its
 * size, which makes the kernel choose its fixed-size hash over its resizable
 * one (a lookup about 50 ns cheaper): the table is replaced whole on every
 * change (kernel/nft.c), so a set never grows past what it was made with.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compile/nft_internal.h"

#define NAMED_SET_MIN 16 /* longer lists become named sets */

struct elems {
	FILE *f;
	uint8_t family;
	uint8_t len; /* only prefixes of this length; ADDR_ANY_LEN: all */
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
	struct elems e = { NULL, fam, ADDR_ANY_LEN, 0 };

	sel_foreach(c, v, n, put_elem, &e);
	return e.n;
}

struct lengths {
	uint8_t family;
	struct addr_ways *w;
	bool many;
};

static void note_length(void *arg, const struct prefix *p, struct loc loc)
{
	struct lengths *l = arg;
	unsigned i;

	(void)loc;
	if (p->family != l->family || l->many)
		return;
	for (i = 0; i < l->w->n; i++)
		if (l->w->len[i] == p->len)
			return;
	if (l->w->n == HASH_LENGTHS_MAX)
		l->many = true;
	else
		l->w->len[l->w->n++] = p->len;
}

/*
 * An inline list becomes a hash only when its prefixes have one length: a
 * rule per length would cost a short mixed list more than its intervals.
 */
void addr_ways(const struct conf *c, const struct addr_sel *v, size_t n, uint8_t fam,
	       struct addr_ways *out)
{
	struct lengths l = { fam, out, false };
	size_t count = n ? count_family(c, v, n, fam) : 0;

	out->n = 0;
	if (count > 1)
		sel_foreach(c, v, n, note_length, &l);
	if (!out->n || l.many || (count < NAMED_SET_MIN && out->n > 1)) {
		out->n = 1;
		out->len[0] = ADDR_ANY_LEN;
	}
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

struct net_list {
	struct arena *a;
	uint8_t family, len;
	VEC(struct prefix) v;
	bool failed;
};

static void collect_net(void *arg, const struct prefix *p, struct loc loc)
{
	struct net_list *l = arg;
	struct prefix *slot;

	(void)loc;
	if (p->family != l->family || p->len != l->len)
		return;
	slot = vec_push(l->a, &l->v);
	if (!slot)
		l->failed = true;
	else
		*slot = prefix_network(p);
}

static int cmp_prefix(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

/* The networks of length @len, each once (two sets may name one), as hash set elements. */
static size_t put_nets(struct out *o, FILE *f, const struct addr_sel *v, size_t n, uint8_t fam,
		       uint8_t len)
{
	struct net_list l = { &o->ctx->out->arena, fam, len, { 0 }, false };
	char buf[PREFIX_STRLEN];
	size_t i, k = 0;

	sel_foreach(o->ctx->c, v, n, collect_net, &l);
	if (l.failed) {
		o->ctx->err = -ENOMEM;
		return 0;
	}
	if (l.v.n)
		qsort(l.v.v, l.v.n, sizeof(*l.v.v), cmp_prefix);
	for (i = 0; i < l.v.n; i++) {
		if (k && prefix_equal(&l.v.v[i], &l.v.v[i - 1]))
			continue;
		l.v.v[i].len = prefix_max_len(fam); /* an address, without /len */
		fprintf(f, "%s%s", k++ ? ", " : "", prefix_format(&l.v.v[i], buf, false));
		l.v.v[i].len = len;
	}
	return k;
}

/* "255.255.255.0", "ffff:ffff::": the mask of a /@len. */
static const char *mask_text(uint8_t fam, uint8_t len, char buf[PREFIX_STRLEN])
{
	struct prefix m = { .family = fam, .len = prefix_max_len(fam) };
	unsigned i;

	for (i = 0; i < len; i++)
		m.addr[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	return prefix_format(&m, buf, false);
}

/* The elements of the way of length @len, into @f; their count. */
static size_t put_way(struct out *o, FILE *f, const struct addr_sel *v, size_t n, uint8_t fam,
		      uint8_t len)
{
	struct elems e = { f, fam, len, 0 };

	if (len != ADDR_ANY_LEN)
		return put_nets(o, f, v, n, fam, len);
	sel_foreach(o->ctx->c, v, n, put_elem, &e);
	return e.n;
}

static void declare(struct out *o, FILE *sets, const char *name, uint8_t fam, uint8_t len,
		    const struct addr_sel *v, size_t n)
{
	char *text = NULL;
	size_t tlen = 0, k;
	FILE *f = open_memstream(&text, &tlen);

	if (!f) {
		o->ctx->err = -ENOMEM;
		return;
	}
	k = put_way(o, f, v, n, fam, len);
	fclose(f);
	fprintf(sets, "\tset %s {\n\t\ttype %s_addr;", name, fam == FAMILY_V4 ? "ipv4" : "ipv6");
	if (len == ADDR_ANY_LEN)
		fprintf(sets, " flags interval; auto-merge;");
	else
		fprintf(sets, " size %zu;", k);
	fprintf(sets, "\n\t\telements = { %s }\n\t}\n", text);
	free(text);
	o->sets++;
	o->elements += (uint32_t)k;
}

/* " ip daddr", or " ip daddr & 255.255.255.0" for the hash of the /24s. */
static void masked(FILE *rule, const char *ip, const char *dir, uint8_t fam, uint8_t len)
{
	char mask[PREFIX_STRLEN];

	fprintf(rule, " %s %s", ip, dir);
	if (len != ADDR_ANY_LEN && len != prefix_max_len(fam))
		fprintf(rule, " & %s", mask_text(fam, len, mask));
}

void addr_match(struct out *o, FILE *rule, FILE *sets, const struct conf_policy *p,
		const struct addr_sel *v, size_t n, uint8_t fam, const char *dir, uint8_t len)
{
	const char *ip = fam == FAMILY_V4 ? "ip" : "ip6";
	char name[64];
	uint32_t key = ((p->index * 4 + (dir[0] == 'd') * 2 + (fam == FAMILY_V6)) << 8) | len;

	if (!n)
		return;
	masked(rule, ip, dir, fam, len);
	if (count_family(o->ctx->c, v, n, fam) < NAMED_SET_MIN) {
		fprintf(rule, " { ");
		put_way(o, rule, v, n, fam, len);
		fprintf(rule, " }");
		return;
	}
	if (len == ADDR_ANY_LEN)
		snprintf(name, sizeof(name), "p%u_%s%c", p->index, dir, fam == FAMILY_V4 ? '4' : '6');
	else
		snprintf(name, sizeof(name), "p%u_%s%c_%u", p->index, dir,
			 fam == FAMILY_V4 ? '4' : '6', len);
	fprintf(rule, " @%s", name);
	if (first_use(o, key))
		declare(o, sets, name, fam, len, v, n);
}
