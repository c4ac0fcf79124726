// SPDX-License-Identifier: GPL-2.0-or-later
/* Ops as the ip/wg/sysctl/resolvconf lines that would make them (wg-quick's "[#]" lines). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "state/plan.h"

struct out {
	char *buf;
	size_t len, used;
};

/* @s as it is: the same as put(o, "%s", s), without vsnprintf (10,000 peers make 10,000 lines). */
static void put_str(struct out *o, const char *s)
{
	size_t n = strlen(s), room;

	if (o->used >= o->len)
		return;
	room = o->len - o->used - 1;
	if (n > room)
		n = room;
	memcpy(o->buf + o->used, s, n);
	o->used += n;
	o->buf[o->used] = '\0';
}

/* @label, then @v in decimal: the numbers of route and peer lines, again without vsnprintf. */
static void put_uint(struct out *o, const char *label, uint32_t v)
{
	char digits[11];

	*decimal_put(digits, v) = '\0';
	put_str(o, label);
	put_str(o, digits);
}

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->used >= o->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->used += (size_t)n < o->len - o->used ? (size_t)n : o->len - o->used - 1;
}

static const char *fam_flag(uint8_t family)
{
	return family == FAMILY_V4 ? "-4" : "-6";
}

static void put_key(struct out *o, const struct st_key *k)
{
	char s[ST_KEY_B64_LEN];

	put_str(o, st_key_format(k, s));
}

static void put_prefix(struct out *o, const struct prefix *p)
{
	char buf[PREFIX_STRLEN];

	put_str(o, prefix_format(p, buf, true));
}

static void put_endpoint(struct out *o, const struct st_endpoint *e)
{
	char buf[ST_ENDPOINT_STRLEN];

	put_str(o, st_endpoint_format(e, buf));
}

static void render_link(struct out *o, enum op_kind kind, const struct st_link *l)
{
	if (kind == OP_DEL) {
		put(o, "ip link delete dev %s", l->name);
		return;
	}
	if (kind == OP_ADD) {
		if (l->backend == WG_BACKEND_USERSPACE)
			put(o, "%s %s; ", l->program ? l->program : "wireguard-go", l->name);
		else
			put(o, "ip link add %s type wireguard; ", l->name);
	}
	put(o, "ip link set mtu %u %s dev %s", l->mtu, l->up ? "up" : "down", l->name);
}

static void render_wgdev(struct out *o, const struct st_wgdev *d)
{
	put(o, "wg set %s", d->ifname);
	if (d->has_private_key)
		put(o, " private-key (hidden)");
	if (d->has_listen_port)
		put(o, " listen-port %u", d->listen_port);
	if (d->fwmark)
		put(o, " fwmark 0x%x", d->fwmark);
	else
		put(o, " fwmark off");
}

static void render_peer(struct out *o, enum op_kind kind, const struct st_wgpeer *p)
{
	uint32_t i;

	put_str(o, "wg set ");
	put_str(o, p->ifname);
	put_str(o, " peer ");
	put_key(o, &p->public_key);
	if (kind == OP_DEL) {
		put_str(o, " remove");
		return;
	}
	if (p->has_preshared_key)
		put_str(o, " preshared-key (hidden)");
	if (p->endpoint.family) {
		put_str(o, " endpoint ");
		put_endpoint(o, &p->endpoint);
	}
	if (p->keepalive)
		put_uint(o, " persistent-keepalive ", p->keepalive);
	else
		put_str(o, " persistent-keepalive off");
	put_str(o, " allowed-ips ");
	for (i = 0; i < p->n_allowed_ips; i++) {
		if (i)
			put_str(o, ",");
		put_prefix(o, &st_wgpeer_ips_in_order(p)[i]);
	}
}

static void render_addr(struct out *o, enum op_kind kind, const struct st_addr *a)
{
	put(o, "ip %s address %s ", fam_flag(a->addr.family), kind == OP_DEL ? "del" : "add");
	put_prefix(o, &a->addr);
	put(o, " dev %s", a->ifname);
}

static const char *route_type_name(enum route_type t)
{
	static const char *const names[] = { "", "unreachable ", "blackhole ", "prohibit ",
					     "throw " };
	return names[t];
}

static void put_table(struct out *o, uint32_t table)
{
	if (table == 254)
		put_str(o, " table main");
	else
		put_uint(o, " table ", table);
}

static void put_via(struct out *o, const struct prefix *gw)
{
	char buf[PREFIX_STRLEN];

	if (gw->family)
		put(o, " via %s", prefix_format(gw, buf, false));
}

static void render_route(struct out *o, enum op_kind kind, const struct st_route *r)
{
	put(o, "ip %s route %s %s", fam_flag(r->dst.family),
	    kind == OP_DEL ? "del" : kind == OP_CHANGE ? "replace" : "add",
	    route_type_name(r->type));
	put_prefix(o, &r->dst);
	put_via(o, &r->gw);
	if (r->ifname[0]) {
		put_str(o, " dev ");
		put_str(o, r->ifname);
	}
	for (uint8_t i = 0; i < r->n_nh; i++) {
		put(o, " nexthop");
		put_via(o, &r->nh[i].gw);
		put(o, " dev %s weight %u", r->nh[i].ifname, r->nh[i].weight);
	}
	put_table(o, r->table);
	if (r->metric)
		put_uint(o, " metric ", r->metric);
	if (r->protocol == ROUTE_PROTO_KERNEL)
		put_str(o, " proto kernel");
	else
		put_uint(o, " proto ", r->protocol);
}

static void render_rule_match(struct out *o, const struct st_rule *r)
{
	if (r->invert)
		put(o, " not");
	if (r->src.family) {
		put(o, " from ");
		put_prefix(o, &r->src);
	}
	if (r->dst.family) {
		put(o, " to ");
		put_prefix(o, &r->dst);
	}
	if (r->fwmask)
		put(o, r->fwmask == UINT32_MAX ? " fwmark 0x%x" : " fwmark 0x%x/0x%x", r->fwmark,
		    r->fwmask);
	if (r->iif[0])
		put(o, " iif %s", r->iif);
	if (r->oif[0])
		put(o, " oif %s", r->oif);
	if (r->has_uidrange)
		put(o, " uidrange %u-%u", r->uid_lo, r->uid_hi);
	if (r->ipproto)
		put(o, " ipproto %u", r->ipproto);
	if (r->sport.lo)
		put(o, r->sport.lo == r->sport.hi ? " sport %u" : " sport %u-%u", r->sport.lo,
		    r->sport.hi);
	if (r->dport.lo)
		put(o, r->dport.lo == r->dport.hi ? " dport %u" : " dport %u-%u", r->dport.lo,
		    r->dport.hi);
}

static void render_rule(struct out *o, enum op_kind kind, const struct st_rule *r)
{
	static const char *const actions[] = { "", "unreachable", "blackhole", "prohibit" };

	put(o, "ip %s rule %s", fam_flag(r->family), kind == OP_DEL ? "del" : "add");
	render_rule_match(o, r);
	if (r->action == RULE_TO_TABLE)
		put_table(o, r->table);
	else
		put(o, " %s", actions[r->action]);
	if (r->suppress_prefixlen >= 0)
		put(o, " suppress_prefixlength %d", r->suppress_prefixlen);
	put(o, " pref %u proto %u", r->priority, r->protocol);
}

static void render_dns(struct out *o, enum op_kind kind, const struct st_dns *d)
{
	uint32_t i;

	if (kind == OP_DEL) {
		put(o, "resolvconf -d %s -f", d->ifname);
		return;
	}
	put(o, "resolvconf -a %s -m 0 -x <<<'", d->ifname);
	for (i = 0; i < d->n_servers; i++) {
		char buf[PREFIX_STRLEN];

		put(o, "%snameserver %s", i ? "\\n" : "", prefix_format(&d->servers[i], buf, false));
	}
	for (i = 0; i < d->n_search; i++)
		put(o, "%s%s", i ? " " : "\\nsearch ", d->search[i]);
	put(o, "'");
}

static void render_nft(struct out *o, enum op_kind kind, const struct st_nft *n)
{
	if (kind == OP_DEL) {
		put(o, "nft delete table %s", n->name);
		return;
	}
	put(o, "nft -f - # %s table %s: %u rules, %u sets of %u elements (%016llx)",
	    kind == OP_ADD ? "add" : "replace", n->name, n->n_rules, n->n_sets, n->n_elements,
	    (unsigned long long)n->hash);
}

static void render_hook(struct out *o, const struct op *op)
{
	const struct st_link *l = op->obj;
	const char *const *cmds[] = { l->pre_up, l->post_up, l->pre_down, l->post_down };
	unsigned counts[] = { l->n_pre_up, l->n_post_up, l->n_pre_down, l->n_post_down };
	unsigned i;

	for (i = 0; i < counts[op->hook]; i++)
		put(o, "%s%s", i ? "; " : "", cmds[op->hook][i]);
}

char *obj_render(enum obj_type type, const void *obj, char *buf, size_t len)
{
	struct op op = { .kind = OP_ADD, .type = type, .obj = obj };

	return op_render(&op, buf, len);
}

char *op_render(const struct op *op, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };

	buf[0] = '\0';
	if (op->kind == OP_HOOK) {
		render_hook(&o, op);
		return buf;
	}
	switch (op->type) {
	case OBJ_LINK:
		render_link(&o, op->kind, op->obj);
		break;
	case OBJ_WGDEV:
		render_wgdev(&o, op->obj);
		break;
	case OBJ_WGPEER:
		render_peer(&o, op->kind, op->obj);
		break;
	case OBJ_ADDR:
		render_addr(&o, op->kind, op->obj);
		break;
	case OBJ_ROUTE:
		render_route(&o, op->kind, op->obj);
		break;
	case OBJ_RULE:
		render_rule(&o, op->kind, op->obj);
		break;
	case OBJ_SYSCTL: {
		const struct st_sysctl *s = op->obj;

		put(&o, "sysctl -w %s=%s", s->path,
		    op->kind == OP_DEL && s->original ? s->original : s->value);
		break;
	}
	case OBJ_DNS:
		render_dns(&o, op->kind, op->obj);
		break;
	case OBJ_NFT:
		render_nft(&o, op->kind, op->obj);
		break;
	default:
		break;
	}
	return buf;
}
