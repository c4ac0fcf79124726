// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What is wgpolicy's to change: by tag (protocol, link alias, the name of its
 * nftables table, saved records), within a scope.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "reconcile/reconcile.h"

static bool in_names(const struct reconcile *r, const char *ifname)
{
	size_t i;

	for (i = 0; i < r->n_scope; i++)
		if (!strcmp(r->scope[i], ifname))
			return true;
	return false;
}

static bool in_tables(const struct reconcile *r, uint32_t table)
{
	size_t i;

	for (i = 0; i < r->n_scope_tables; i++)
		if (r->scope_tables[i] == table)
			return true;
	return false;
}

static int add_scope_tables(struct reconcile *r, const struct state *s)
{
	vec_foreach(rt, &s->routes)
		if (rt->protocol == r->protocol && in_names(r, rt->ifname) &&
		    rt->table != RT_TABLE_MAIN_ID && !in_tables(r, rt->table))
			r->scope_tables[r->n_scope_tables++] = rt->table;
	return 0;
}

int reconcile_scope(struct reconcile *r, const struct state *live, const struct state *desired,
		    const char *const *names, size_t n, struct arena *a)
{
	size_t links = 0, scoped = 0;

	r->scope = names;
	r->n_scope = n;
	r->n_scope_tables = 0;
	r->scope_live = live;
	r->scope_desired = desired;
	if (!names)
		return 0;
	r->scope_tables =
		arena_alloc(a, sizeof(*r->scope_tables) * (live->routes.n + desired->routes.n + 1));
	if (!r->scope_tables)
		return -ENOMEM;
	add_scope_tables(r, live);
	add_scope_tables(r, desired);
	vec_foreach(l, &live->links) {
		links += l->owned;
		scoped += l->owned && in_names(r, l->name);
	}
	r->scope_has_all_links = scoped == links;
	return 0;
}

/* The fwmark rule of a full tunnel, right above its suppress_prefixlength rule. */
static bool tunnel_rule_above(const struct reconcile *r, const struct state *s,
			      const struct st_rule *suppress)
{
	if (!s)
		return false;
	vec_foreach(rule, &s->rules)
		if (rule->family == suppress->family && rule->priority == suppress->priority + 1 &&
		    rule->invert && rule->protocol == r->protocol && in_tables(r, rule->table))
			return true;
	return false;
}

static bool rule_in_scope(const struct reconcile *r, const struct st_rule *rule)
{
	if (rule->action == RULE_TO_TABLE && rule->table != RT_TABLE_MAIN_ID)
		return in_tables(r, rule->table);
	if (rule->suppress_prefixlen == 0)
		return tunnel_rule_above(r, r->scope_live, rule) ||
		       tunnel_rule_above(r, r->scope_desired, rule);
	return false;
}

static bool owners_in_scope(const struct reconcile *r, const char *owners)
{
	char word[ST_IFNAMSIZ + 1];
	int n;

	while (sscanf(owners, "%16s%n", word, &n) == 1) {
		if (in_names(r, word))
			return true;
		owners += n;
	}
	return false;
}

/* Does an interface in the scope want the sysctl at @path? */
static bool wanted_in_scope(const struct reconcile *r, const char *path)
{
	if (r->scope_desired)
		vec_foreach(d, &r->scope_desired->sysctls)
			if (d->owners && !strcmp(d->path, path) && owners_in_scope(r, d->owners))
				return true;
	return false;
}

/*
 * A desired sysctl names the interfaces that need it; a live one (from the
 * records) does not. Several interfaces may share it (two full tunnels,
 * src_valid_mark): it is the scope's when an interface in the scope wants it,
 * and given back only with the last interface.
 */
static bool sysctl_in_scope(const struct reconcile *r, const struct st_sysctl *s)
{
	if (s->owners)
		return owners_in_scope(r, s->owners);
	return r->scope_has_all_links || wanted_in_scope(r, s->path);
}

bool reconcile_owned(void *ctx, enum obj_type type, const void *obj)
{
	const struct reconcile *r = ctx;

	switch (type) {
	case OBJ_LINK:
		return ((const struct st_link *)obj)->owned &&
		       (!r->scope || in_names(r, ((const struct st_link *)obj)->name));
	case OBJ_WGDEV:
		return !r->scope || in_names(r, ((const struct st_wgdev *)obj)->ifname);
	case OBJ_WGPEER:
		return !r->scope || in_names(r, ((const struct st_wgpeer *)obj)->ifname);
	case OBJ_ADDR:
		return !r->scope || in_names(r, ((const struct st_addr *)obj)->ifname);
	case OBJ_DNS:
		return !r->scope || in_names(r, ((const struct st_dns *)obj)->ifname);
	case OBJ_ROUTE: {
		const struct st_route *rt = obj;

		return rt->protocol == r->protocol &&
		       (!r->scope || in_names(r, rt->ifname) || in_tables(r, rt->table));
	}
	case OBJ_RULE: {
		const struct st_rule *rule = obj;

		return rule->protocol == r->protocol && (!r->scope || rule_in_scope(r, rule));
	}
	case OBJ_SYSCTL:
		return !r->scope || sysctl_in_scope(r, obj);
	case OBJ_NFT: {
		const struct st_nft *n = obj;

		/* A full tunnel's table is its interface's; the policies' is every interface's. */
		if (n->ifname[0])
			return !r->scope || in_names(r, n->ifname);
		return !r->scope || r->scope_has_all_links;
	}
	default:
		return false;
	}
}
