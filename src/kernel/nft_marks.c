// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The mark bits other nftables tables use, from libnftables' JSON listing of
 * the ruleset. Pure: text in, records out; kernel/nft.c does the listing.
 *
 * What counts, per rule, for the packet mark and the conntrack mark alike:
 *
 *  - set: the bits a `meta mark set` or `ct mark set` may change. The value
 *    is followed bit by bit: `meta mark set meta mark & 0xff00ffff | 0x40000`
 *    keeps every bit but 0x00ff0000, so it sets 0x00ff0000 only. A value that
 *    does not keep the mark's own bits (`meta mark set 0x1`, `meta mark set
 *    ct mark`, a map) replaces the whole mark: all 32 bits, ours included.
 *  - matched: the bits a decision reads. `meta mark & 0x3f00 == 0x100` reads
 *    0x3f00 (and `meta mark & 0xffff0000 == 0x10000`, which nft lists as the
 *    prefix 0x10000/16, 0xffff0000); `meta mark 0x1`, a set or a map of whole
 *    marks, reads all 32 (a packet wgpolicy marked no longer equals 0x1).
 *  - iptables-nft's compat expressions (`xt target "MARK"`, `xt match
 *    "connmark"`, ...) hide their masks from nft: all 32 bits.
 *
 * A mark read in order to keep its own bits (the `meta mark &` of a masked
 * set) is no use of those bits.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "kernel/nft.h"

#define ALL_BITS UINT32_MAX
#define NFT_NAME_MAX 256 /* the kernel's NFT_NAME_MAXLEN, NUL included */

/*
 * What is known of an expression's value, bit by bit, when it is stored into
 * the mark @target: bits that are that mark's own (kept), known 0, known 1.
 */
struct bits {
	uint32_t kept, zero, one;
};

/* "meta" or "ct" when @e is the packet's or the connection's mark, else NULL. */
static const char *mark_of(const json_t *e)
{
	static const char *const keys[] = { "meta", "ct" };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *key = json_string_value(json_object_get(json_object_get(e, keys[i]),
								    "key"));

		if (key && !strcmp(key, "mark"))
			return keys[i];
	}
	return NULL;
}

static bool same_mark(const json_t *e, const char *target)
{
	const char *m = target ? mark_of(e) : NULL;

	return m && !strcmp(m, target);
}

/* @e as a binary operation on bits ("&", "|", "^"): its operator, and its operands. */
static char binop(const json_t *e, const json_t **a, const json_t **b)
{
	static const char ops[] = "&|^";
	size_t i;

	for (i = 0; ops[i]; i++) {
		const char key[2] = { ops[i], '\0' };
		const json_t *args = json_object_get(e, key);

		if (json_array_size(args) == 2) {
			*a = json_array_get(args, 0);
			*b = json_array_get(args, 1);
			return ops[i];
		}
	}
	return 0;
}

static struct bits combine(char op, struct bits a, struct bits b)
{
	struct bits r;

	switch (op) {
	case '&':
		r.zero = a.zero | b.zero;
		r.one = a.one & b.one;
		r.kept = ((a.kept & (b.kept | b.one)) | (b.kept & a.one)) & ~r.zero;
		break;
	case '|':
		r.zero = a.zero & b.zero;
		r.one = a.one | b.one;
		r.kept = ((a.kept & (b.kept | b.zero)) | (b.kept & a.zero)) & ~r.one;
		break;
	default: /* '^' */
		r.zero = (a.zero & b.zero) | (a.one & b.one);
		r.one = (a.one & b.zero) | (a.zero & b.one);
		r.kept = (a.kept & b.zero) | (b.kept & a.zero);
		break;
	}
	return r;
}

/* What is known of @e's value stored into the mark @target (NULL: constants only). */
static struct bits value_bits(const json_t *e, const char *target)
{
	const json_t *a, *b;
	char op;

	if (same_mark(e, target))
		return (struct bits){ .kept = ALL_BITS };
	if (json_is_integer(e)) {
		uint32_t v = (uint32_t)json_integer_value(e);

		return (struct bits){ .zero = ~v, .one = v };
	}
	op = binop(e, &a, &b);
	if (op)
		return combine(op, value_bits(a, target), value_bits(b, target));
	return (struct bits){ 0 }; /* anything else: nothing known */
}

/*
 * The mark bits @e reads, of the @care bits of its value that matter; the
 * mark @skip (NULL: none) is not counted, being the one a set keeps.
 */
static uint32_t reads(const json_t *e, uint32_t care, const char *skip)
{
	const json_t *a, *b, *v;
	uint32_t n = 0;
	const char *k;
	size_t i;
	char op;

	if (mark_of(e))
		return same_mark(e, skip) ? 0 : care;
	op = binop(e, &a, &b);
	if (op) {
		struct bits ka = value_bits(a, NULL), kb = value_bits(b, NULL);
		/* Under "& 0", or "| 1", the other operand's bit does not matter. */
		uint32_t hide_a = op == '&' ? kb.zero : op == '|' ? kb.one : 0;
		uint32_t hide_b = op == '&' ? ka.zero : op == '|' ? ka.one : 0;

		return reads(a, care & ~hide_a, skip) | reads(b, care & ~hide_b, skip);
	}
	/* Any other structure (sets, maps, shifts, statements): all of whatever it holds. */
	if (json_is_object(e))
		json_object_foreach((json_t *)e, k, v)
			n |= reads(v, ALL_BITS, skip);
	else if (json_is_array(e))
		json_array_foreach(e, i, v)
			n |= reads(v, ALL_BITS, skip);
	return n;
}

/* iptables' mark matches and targets, whose masks nft does not show. */
static bool xt_mark(const char *name)
{
	static const char *const names[] = { "mark", "MARK", "connmark", "CONNMARK", "TPROXY",
					     "HMARK" };
	size_t i;

	for (i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* nft lists `meta mark & 0xff000000 == 0` as the prefix 0/8: a match of the top bits only. */
static bool prefix_match(const json_t *match, uint32_t *bits)
{
	const json_t *len = json_object_get(
	    json_object_get(json_object_get(match, "right"), "prefix"), "len");
	json_int_t n = json_integer_value(len);

	if (!mark_of(json_object_get(match, "left")) || !json_is_integer(len) || n < 0 || n > 32)
		return false;
	*bits = n ? ALL_BITS << (32 - n) : 0;
	return true;
}

static void statement_use(const json_t *stmt, struct st_mark_use *u)
{
	const json_t *mangle = json_object_get(stmt, "mangle"), *xt = json_object_get(stmt, "xt");
	const json_t *match = json_object_get(stmt, "match");
	const char *target;
	uint32_t bits;

	if (match && prefix_match(match, &bits)) {
		u->matched |= bits;
	} else if (mangle && (target = mark_of(json_object_get(mangle, "key")))) {
		const json_t *value = json_object_get(mangle, "value");

		u->set |= ~value_bits(value, target).kept;
		u->matched |= reads(value, ALL_BITS, target);
	} else if (xt && xt_mark(json_string_value(json_object_get(xt, "name")))) {
		const char *type = json_string_value(json_object_get(xt, "type"));

		if (type && !strcmp(type, "target"))
			u->set |= ALL_BITS;
		else
			u->matched |= ALL_BITS;
	} else {
		u->matched |= reads(stmt, ALL_BITS, NULL);
	}
}

/* The policies' table and the full tunnels' (inet wgpolicy-IFACE) are wgpolicy's own. */
static bool own_table(const char *family, const char *table)
{
	char name[2 * NFT_NAME_MAX], ifname[ST_IFNAMSIZ];

	snprintf(name, sizeof(name), "%s %s", family, table);
	return st_nft_parse_name(name, ifname);
}

/*
 * wg-quick's full tunnel (table ip or ip6 wg-quick-IFACE) moves whole marks,
 * but only one value ever moves: it saves the mark into the connection when it
 * equals its fwmark, and restores it from there, where wgpolicy's marking
 * leaves its own bits too (compile/nft.c). As with its `not fwmark` rule
 * (compile/coexist.c), only the bits of the fwmark it compares count.
 */
static bool wg_quick_table(const char *table)
{
	return !strncmp(table, "wg-quick-", strlen("wg-quick-"));
}

static void wg_quick_use(const json_t *stmt, struct st_mark_use *u)
{
	const json_t *match = json_object_get(stmt, "match");
	const json_t *right = json_object_get(match, "right");

	if (match && mark_of(json_object_get(match, "left")) && json_is_integer(right)) {
		u->set |= (uint32_t)json_integer_value(right);
		u->matched |= (uint32_t)json_integer_value(right);
	}
}

/*
 * Add @rule's use to @out: to the last record when it is of the same chain
 * (a listing keeps a chain's rules together).
 */
static int rule_use(const json_t *rule, struct arena *a, struct st_mark_uses *out)
{
	const char *family = json_string_value(json_object_get(rule, "family"));
	const char *table = json_string_value(json_object_get(rule, "table"));
	const char *chain = json_string_value(json_object_get(rule, "chain"));
	struct st_mark_use u = { 0 }, *last = out->n ? &out->v[out->n - 1] : NULL;
	const json_t *stmt;
	char name[2 * NFT_NAME_MAX];
	size_t i;

	if (!family || !table || !chain || own_table(family, table))
		return 0;
	json_array_foreach(json_object_get(rule, "expr"), i, stmt) {
		if (wg_quick_table(table))
			wg_quick_use(stmt, &u);
		else
			statement_use(stmt, &u);
	}
	if (!u.set && !u.matched)
		return 0;
	snprintf(name, sizeof(name), "%s %s", family, table);
	if (last && !strcmp(last->table, name) && !strcmp(last->chain, chain)) {
		last->set |= u.set;
		last->matched |= u.matched;
		return 0;
	}
	u.table = arena_strdup(a, name);
	u.chain = arena_strdup(a, chain);
	if (!u.table || !u.chain || !(last = vec_push(a, out)))
		return -ENOMEM;
	*last = u;
	return 0;
}

int nft_mark_uses_parse(const char *json, struct arena *a, struct st_mark_uses *out)
{
	json_t *root = json_loads(json, 0, NULL);
	const json_t *objs = json_object_get(root, "nftables"), *obj;
	int err = json_is_array(objs) ? 0 : -EINVAL;
	size_t i;

	json_array_foreach(objs, i, obj) {
		const json_t *rule = json_object_get(obj, "rule");

		if (rule && (err = rule_use(rule, a, out)))
			break;
	}
	json_decref(root);
	return err;
}
