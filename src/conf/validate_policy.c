// SPDX-License-Identifier: GPL-2.0-or-later
/* A [Policy]'s references and meaning. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/check.h"

static const char *closest_iface(const struct conf *c, const char *name)
{
	size_t nlen = strlen(name);

	/* A cheap hint: an interface with the same name but one character. */
	vec_foreach(it, &c->ifaces) {
		const char *cand = (*it)->name;
		size_t clen = strlen(cand), i, diff = 0;

		if (clen != nlen)
			continue;
		for (i = 0; i < nlen; i++)
			diff += cand[i] != name[i];
		if (diff == 1)
			return cand;
	}
	return NULL;
}

static void resolve_target(struct conf *c, struct target *t)
{
	const char *hint;

	if (t->kind == TARGET_DIRECT || t->kind == TARGET_BLACKHOLE)
		return;
	t->iface = conf_find_iface(c, t->iface_name);
	if (!t->iface) {
		hint = closest_iface(c, t->iface_name);
		if (hint)
			conf_error(&c->diags, t->loc,
				   "Via names interface %s, which no file defines; did you mean %s?",
				   t->iface_name, hint);
		else
			conf_error(&c->diags, t->loc,
				   "Via names interface %s, which no file defines (an interface "
				   "is a file %s.conf with an [Interface] section)",
				   t->iface_name, t->iface_name);
		return;
	}
	if (t->kind != TARGET_PEER)
		return;
	t->peer = conf_find_peer(t->iface, t->peer_name);
	if (!t->peer)
		conf_error(&c->diags, t->loc,
			   "Via names peer %s:%s, but %s has no peer with Name = %s", t->iface_name,
			   t->peer_name, t->iface_name, t->peer_name);
}

static bool same_target(const struct target *a, const struct target *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == TARGET_DIRECT || a->kind == TARGET_BLACKHOLE)
		return true;
	return !strcmp(a->iface_name, b->iface_name) &&
	       (a->kind != TARGET_PEER || !strcmp(a->peer_name, b->peer_name));
}

static void check_via(struct conf *c, struct conf_policy *p)
{
	size_t i, j;

	if (!p->via.n) {
		if (!p->had_errors) /* an invalid Via line is reported already */
			conf_error(&c->diags, p->loc,
				   "policy %s has no Via: say where its traffic goes", p->name);
		return;
	}
	for (i = 0; i < p->via.n; i++) {
		struct target *t = &p->via.v[i];

		resolve_target(c, t);
		for (j = 0; j < i; j++)
			if (same_target(&p->via.v[j], t))
				conf_error(&c->diags, t->loc, "Via lists the same target twice");
		if (i + 1 < p->via.n && (t->kind == TARGET_BLACKHOLE || t->kind == TARGET_DIRECT))
			conf_warn(&c->diags, t->loc,
				  "%s never fails, so the targets after it in Via are never used",
				  t->kind == TARGET_DIRECT ? "direct" : "blackhole");
	}
}

static void check_mode(struct conf *c, struct conf_policy *p)
{
	bool balance = IS_SET(p->mode) && p->mode.v == MODE_BALANCE;

	if (p->weights.n && !balance)
		conf_error(&c->diags, p->weights.v[0].loc, "Weight is only meaningful with Mode = balance");
	if (balance && p->weights.n && p->weights.n != p->via.n)
		conf_error(&c->diags, p->weights.v[0].loc,
			   "Weight gives %zu weights for %zu Via targets: give one for each",
			   p->weights.n, p->via.n);
	if (!balance)
		return;
	vec_foreach(t, &p->via)
		if (t->kind == TARGET_DIRECT || t->kind == TARGET_BLACKHOLE)
			conf_error(&c->diags, t->loc,
				   "Mode = balance spreads flows over tunnels; %s cannot be one",
				   t->kind == TARGET_DIRECT ? "direct" : "blackhole");
	if (p->via.n < 2)
		conf_warn(&c->diags, p->mode.loc, "Mode = balance with a single Via target");
	if (p->via.n > 8)
		conf_error(&c->diags, p->mode.loc, "Mode = balance spreads over at most 8 targets");
	vec_foreach(t, &p->via)
		if (t->kind == TARGET_PEER)
			conf_error(&c->diags, t->loc,
				   "Mode = balance spreads flows over interfaces; peers of one "
				   "interface cannot share a destination (use failover)");
}

static void check_set_refs(struct conf *c, const struct addr_sel *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].set && !conf_find_set(c, v[i].set))
			conf_error(&c->diags, v[i].loc, "@%s names no [Set %s]", v[i].set, v[i].set);
}

static bool protocol_has_ports(uint32_t proto)
{
	return proto == 6 || proto == 17 || proto == 33 || proto == 132 || proto == 136;
}

/*
 * A From or To whose items are all sets without a prefix (a file not filled yet) selects
 * nothing: say so, rather than that its families clash. True when it said so.
 */
static bool empty_sets_only(struct conf *c, const struct conf_policy *p, const char *key,
			    const struct addr_sel *v, size_t n)
{
	char names[256] = "";
	size_t i, len = 0;

	if (!n || sel_families(c, v, n))
		return false;
	for (i = 0; i < n; i++) {
		const struct conf_set *set = v[i].set ? conf_find_set(c, v[i].set) : NULL;

		if (!set || set->prefixes.n)
			return false;
		if (len < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s@%s",
						i ? ", " : "", set->name);
	}
	conf_error(&c->diags, v[0].loc, "policy %s matches nothing: its %s holds only empty sets (%s)",
		   p->name, key, names);
	return true;
}

/* Combinations of selectors that no packet can satisfy. */
static void check_contradictions(struct conf *c, struct conf_policy *p)
{
	bool socket_sel = p->users.n || p->groups.n || p->cgroups.n;
	bool forwarded_only = false;

	vec_foreach(s, &p->iif)
		forwarded_only |= strcmp(s->s, "lo") != 0;
	if (socket_sel && forwarded_only)
		conf_error(&c->diags, p->iif.v[0].loc,
			   "policy %s matches nothing: User, Group and Cgroup match only packets "
			   "this host sends, IncomingInterface only packets it forwards",
			   p->name);
	if ((p->sports.n || p->dports.n) && p->protocols.n) {
		bool any = false;

		vec_foreach(pr, &p->protocols)
			any |= protocol_has_ports(pr->v);
		if (!any)
			conf_error(&c->diags, p->protocols.v[0].loc,
				   "SourcePort and DestinationPort need IPProtocol tcp, udp, sctp, "
				   "udplite or dccp");
	}
	if (empty_sets_only(c, p, "From", p->from.v, p->from.n) ||
	    empty_sets_only(c, p, "To", p->to.v, p->to.n))
		return;
	if (policy_families(c, p) == 0)
		conf_error(&c->diags, p->loc,
			   "policy %s matches nothing: its From, To and Family select no common "
			   "address family",
			   p->name);
}

static void check_probe(struct conf *c, struct conf_policy *p)
{
	if (!IS_SET(p->check))
		return;
	if (p->check.v.timeout_ms > p->check.v.interval_ms)
		conf_warn(&c->diags, p->check.loc,
			  "probe timeout %ums is longer than its interval %ums: probes overlap",
			  p->check.v.timeout_ms, p->check.v.interval_ms);
}

/* DNS redirects the queries of the policy's senders, to resolvers reached from outside. */
static void check_dns(struct conf *c, struct conf_policy *p)
{
	struct loc loc = IS_SET(p->dns_tunnel) ? p->dns_tunnel.loc : p->dns.n ? p->dns.v[0].loc : p->loc;
	char buf[PREFIX_STRLEN];
	bool tunnels = false;

	if (!IS_SET(p->dns_tunnel) && !p->dns.n)
		return;
	if (!policy_selects_senders(p))
		conf_error(&c->diags, loc,
			   "DNS redirects the queries of the policy's senders, but policy %s selects "
			   "by To alone: give From, IncomingInterface, User, Group, Cgroup or "
			   "FirewallMark",
			   p->name);
	vec_foreach(lp, &p->dns)
		if (addr_is_loopback(&lp->p))
			conf_error(&c->diags, lp->loc,
				   "DNS %s is a loopback address, which a redirected query cannot "
				   "reach: give a resolver beyond the tunnel",
				   prefix_format(&lp->p, buf, false));
	if (!IS_SET(p->dns_tunnel))
		return;
	vec_foreach(t, &p->via) {
		if (!t->iface)
			continue;
		tunnels = true;
		if (!t->iface->dns.n)
			conf_error(&c->diags, p->dns_tunnel.loc,
				   "DNS = tunnel, but Via's %s sets no DNS server: give it DNS = "
				   "ADDRESS in %s, or give the policy the resolvers' addresses",
				   t->iface->name, t->iface->file ? t->iface->file : t->iface->name);
	}
	if (!tunnels && p->via.n)
		conf_error(&c->diags, p->dns_tunnel.loc,
			   "DNS = tunnel, but Via names no tunnel: give the resolvers' addresses");
}

void conf_validate_policy(struct conf *c, struct conf_policy *p)
{
	check_set_refs(c, p->from.v, p->from.n);
	check_set_refs(c, p->to.v, p->to.n);
	check_via(c, p);
	check_probe(c, p);
	/* What an invalid line left out would make these report it again, elsewhere. */
	if (p->had_errors)
		return;
	check_mode(c, p);
	check_dns(c, p);
	check_contradictions(c, p);
	conf_check_coverage(c, p);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The items of one selector, formatted, sorted and joined: equal sets give equal strings. */
static const char *canonical(struct arena *a, char **items, size_t n)
{
	size_t len = 1, i;
	char *out, *w;

	qsort(items, n, sizeof(*items), cmp_str);
	for (i = 0; i < n; i++)
		len += strlen(items[i]) + 1;
	out = w = arena_alloc(a, len);
	if (!out)
		return "";
	for (i = 0; i < n; i++)
		w += sprintf(w, "%s,", items[i]);
	return out;
}

static const char *addr_items(struct arena *a, const struct addr_sel *v, size_t n)
{
	char **items = arena_alloc(a, sizeof(*items) * (n + 1));
	char buf[PREFIX_STRLEN];
	size_t i;

	if (!items)
		return "";
	for (i = 0; i < n; i++) {
		struct prefix net = prefix_network(&v[i].p);

		items[i] = v[i].set ? arena_printf(a, "@%s", v[i].set)
				    : arena_strdup(a, prefix_format(&net, buf, true));
		if (!items[i])
			return "";
	}
	return canonical(a, items, n);
}

static const char *range_items(struct arena *a, const struct range32 *v, size_t n)
{
	char **items = arena_alloc(a, sizeof(*items) * (n + 1));
	size_t i;

	if (!items)
		return "";
	for (i = 0; i < n; i++)
		if (!(items[i] = arena_printf(a, "%u-%u", v[i].lo, v[i].hi)))
			return "";
	return canonical(a, items, n);
}

static const char *str_items(struct arena *a, const struct lstr *v, size_t n)
{
	char **items = arena_alloc(a, sizeof(*items) * (n + 1));
	size_t i;

	if (!items)
		return "";
	for (i = 0; i < n; i++)
		items[i] = (char *)v[i].s;
	return canonical(a, items, n);
}

static const char *selector_key(struct conf *c, const struct conf_policy *p)
{
	struct arena *a = &c->arena;
	char **marks = arena_alloc(a, sizeof(*marks) * (p->fwmarks.n + p->protocols.n + 1));
	char **protos = marks ? marks + p->fwmarks.n : NULL;
	size_t i;

	if (!marks)
		return NULL;
	for (i = 0; i < p->fwmarks.n; i++)
		marks[i] = arena_printf(a, "%x/%x", p->fwmarks.v[i].value, p->fwmarks.v[i].mask);
	for (i = 0; i < p->protocols.n; i++)
		protos[i] = arena_printf(a, "%u", p->protocols.v[i].v);
	for (i = 0; i < p->fwmarks.n + p->protocols.n; i++)
		if (!marks[i])
			return NULL;
	return arena_printf(a, "from=%s to=%s iif=%s user=%s group=%s cgroup=%s mark=%s proto=%s "
			       "sport=%s dport=%s fam=%u",
			    addr_items(a, p->from.v, p->from.n), addr_items(a, p->to.v, p->to.n),
			    str_items(a, p->iif.v, p->iif.n),
			    range_items(a, p->users.v, p->users.n),
			    range_items(a, p->groups.v, p->groups.n),
			    str_items(a, p->cgroups.v, p->cgroups.n),
			    canonical(a, marks, p->fwmarks.n),
			    canonical(a, protos, p->protocols.n),
			    range_items(a, p->sports.v, p->sports.n),
			    range_items(a, p->dports.v, p->dports.n), policy_families(c, p));
}

static bool same_via(const struct conf_policy *a, const struct conf_policy *b)
{
	size_t i;

	if (a->via.n != b->via.n)
		return false;
	for (i = 0; i < a->via.n; i++)
		if (!same_target(&a->via.v[i], &b->via.v[i]))
			return false;
	return true;
}

/* Two policies matching the same packets: only the first would ever apply. */
void conf_check_duplicate_policies(struct conf *c)
{
	size_t n = c->policies.n, i, j;
	const char **keys = arena_alloc(&c->arena, sizeof(*keys) * (n + 1));

	if (!keys)
		return;
	for (i = 0; i < n; i++) {
		const struct conf_policy *p = c->policies.v[i];

		keys[i] = p->had_errors ? NULL : selector_key(c, p);
		for (j = 0; j < i && keys[i]; j++) {
			const struct conf_policy *q = c->policies.v[j];

			if (!keys[j] || strcmp(keys[i], keys[j]))
				continue;
			if (same_via(p, q))
				conf_warn(&c->diags, p->loc,
					  "policy %s repeats policy %s (%s:%u): same selectors, same "
					  "Via",
					  p->name, q->name, q->loc.file, q->loc.line);
			else
				conf_error(&c->diags, p->loc,
					   "policy %s has the same selectors as policy %s (%s:%u) but "
					   "another Via: which one applies would be an accident of "
					   "order",
					   p->name, q->name, q->loc.file, q->loc.line);
			break;
		}
	}
}
