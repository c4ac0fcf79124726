// SPDX-License-Identifier: GPL-2.0-or-later
#include "state/state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct state *state_new(void)
{
	struct state *s = calloc(1, sizeof(*s));

	if (s)
		arena_init(&s->arena);
	return s;
}

void state_free(struct state *s)
{
	if (!s)
		return;
	arena_free(&s->arena);
	free(s);
}

#define CMP(a, b)                                                                                  \
	do {                                                                                       \
		if ((a) != (b))                                                                    \
			return (a) < (b) ? -1 : 1;                                                 \
	} while (0)

static int cmp_prefix_any(const struct prefix *a, const struct prefix *b)
{
	CMP(a->family, b->family);
	if (!a->family)
		return 0;
	return prefix_cmp(a, b);
}

int st_link_key_cmp(const struct st_link *a, const struct st_link *b)
{
	return strcmp(a->name, b->name);
}

int st_wgdev_key_cmp(const struct st_wgdev *a, const struct st_wgdev *b)
{
	return strcmp(a->ifname, b->ifname);
}

int st_wgpeer_key_cmp(const struct st_wgpeer *a, const struct st_wgpeer *b)
{
	int c = strcmp(a->ifname, b->ifname);

	return c ? c : memcmp(a->public_key.b, b->public_key.b, ST_KEY_LEN);
}

int st_addr_key_cmp(const struct st_addr *a, const struct st_addr *b)
{
	int c = strcmp(a->ifname, b->ifname);

	return c ? c : prefix_cmp(&a->addr, &b->addr);
}

int st_addr_order_cmp(const struct st_addr *a, const struct st_addr *b)
{
	int c = strcmp(a->ifname, b->ifname);

	return c ? c : (a->order > b->order) - (a->order < b->order);
}

/* The kernel's identity of a route: family, table, destination and metric (tos is unused). */
int st_route_key_cmp(const struct st_route *a, const struct st_route *b)
{
	CMP(a->dst.family, b->dst.family);
	CMP(a->table, b->table);
	int c = prefix_cmp(&a->dst, &b->dst);

	if (c)
		return c;
	CMP(a->metric, b->metric);
	return 0;
}

int st_rule_key_cmp(const struct st_rule *a, const struct st_rule *b)
{
	int c;

	CMP(a->family, b->family);
	CMP(a->priority, b->priority);
	CMP(a->invert, b->invert);
	if ((c = cmp_prefix_any(&a->src, &b->src)) || (c = cmp_prefix_any(&a->dst, &b->dst)))
		return c;
	if ((c = strcmp(a->iif, b->iif)) || (c = strcmp(a->oif, b->oif)))
		return c;
	CMP(a->fwmark, b->fwmark);
	CMP(a->fwmask, b->fwmask);
	CMP(a->has_uidrange, b->has_uidrange);
	CMP(a->uid_lo, b->uid_lo);
	CMP(a->uid_hi, b->uid_hi);
	CMP(a->ipproto, b->ipproto);
	CMP(a->sport.lo, b->sport.lo);
	CMP(a->sport.hi, b->sport.hi);
	CMP(a->dport.lo, b->dport.lo);
	CMP(a->dport.hi, b->dport.hi);
	CMP(a->action, b->action);
	CMP(a->table, b->table);
	CMP(a->suppress_prefixlen, b->suppress_prefixlen);
	return 0;
}

int st_sysctl_key_cmp(const struct st_sysctl *a, const struct st_sysctl *b)
{
	return strcmp(a->path, b->path);
}

int st_dns_key_cmp(const struct st_dns *a, const struct st_dns *b)
{
	return strcmp(a->ifname, b->ifname);
}

int st_nft_key_cmp(const struct st_nft *a, const struct st_nft *b)
{
	return strcmp(a->name, b->name);
}

bool st_nft_equal(const struct st_nft *a, const struct st_nft *b)
{
	return !st_nft_key_cmp(a, b) && a->hash == b->hash && a->n_chains == b->n_chains;
}

uint32_t st_nft_count_chains(const char *text)
{
	uint32_t n = 0;
	const char *p;

	for (p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += !strncmp(p + strspn(p, " \t"), "chain ", 6);
	return n;
}

/*
 * nft takes letters, digits and "/-_." in a name, an interface name also "="
 * and "+": those two become "/3d" and "/2b", which no interface name holds.
 */
#define NFT_NAME_PREFIX "inet " NFT_TABLE_NAME

void st_nft_name(char name[ST_NFT_NAMSIZ], const char *ifname)
{
	size_t n = (size_t)snprintf(name, ST_NFT_NAMSIZ, NFT_NAME_PREFIX "%s", ifname ? "-" : "");

	for (; ifname && *ifname && n + 4 < ST_NFT_NAMSIZ; ifname++) {
		const char *esc = *ifname == '=' ? "/3d" : *ifname == '+' ? "/2b" : NULL;

		if (esc) {
			memcpy(name + n, esc, 3);
			n += 3;
		} else {
			name[n++] = *ifname;
		}
	}
	name[n] = '\0';
}

bool st_nft_parse_name(const char *table, char ifname[ST_IFNAMSIZ])
{
	const char *p = table + strlen(NFT_NAME_PREFIX);
	size_t n;

	ifname[0] = '\0';
	if (!strcmp(table, NFT_NETDEV_TABLE))
		return true;
	if (strncmp(table, NFT_NAME_PREFIX, strlen(NFT_NAME_PREFIX)))
		return false;
	if (!*p)
		return true;
	if (*p++ != '-' || !*p)
		return false;
	for (n = 0; *p && n + 1 < ST_IFNAMSIZ; n++) {
		if (*p != '/') {
			ifname[n] = *p++;
		} else if (!strncmp(p, "/3d", 3) || !strncmp(p, "/2b", 3)) {
			ifname[n] = p[2] == 'd' ? '=' : '+';
			p += 3;
		} else {
			return false;
		}
	}
	ifname[n] = '\0';
	return !*p;
}

bool st_link_equal(const struct st_link *a, const struct st_link *b)
{
	return !st_link_key_cmp(a, b) && a->mtu == b->mtu && a->up == b->up;
}

bool st_wgdev_equal(const struct st_wgdev *a, const struct st_wgdev *b)
{
	return !st_wgdev_key_cmp(a, b) &&
	       (a->keep_private_key || b->keep_private_key ||
		(a->has_private_key == b->has_private_key &&
		 (!a->has_private_key ||
		  !memcmp(&a->private_key, &b->private_key, ST_KEY_LEN)))) &&
	       (!a->has_listen_port || !b->has_listen_port || a->listen_port == b->listen_port) &&
	       a->fwmark == b->fwmark;
}

/* No endpoint on one side means "wherever the peer roams": WireGuard cannot unset one anyway. */
static bool same_endpoint(const struct st_endpoint *a, const struct st_endpoint *b)
{
	return !a->family || !b->family ||
	       (a->family == b->family && a->port == b->port && !memcmp(a->addr, b->addr, 16));
}

/*
 * WireGuard moves a peer's endpoint to wherever its authenticated packets come
 * from (roaming). A live endpoint other than the one wgpolicy set, while the
 * configuration still asks for that one, is such a move: setting it back
 * would send to where the peer no longer is. A new endpoint in the
 * configuration (or a new address of its host name) is set again.
 */
bool st_wgpeer_roamed(const struct st_wgpeer *desired, const struct st_wgpeer *live)
{
	char buf[ST_ENDPOINT_STRLEN];

	return live->endpoint_set && desired->endpoint.family &&
	       !strcmp(st_endpoint_format(&desired->endpoint, buf), live->endpoint_set);
}

static bool endpoint_agrees(const struct st_wgpeer *a, const struct st_wgpeer *b)
{
	return same_endpoint(&a->endpoint, &b->endpoint) || st_wgpeer_roamed(a, b) ||
	       st_wgpeer_roamed(b, a);
}

bool st_wgpeer_equal(const struct st_wgpeer *a, const struct st_wgpeer *b)
{
	uint32_t i;

	if (st_wgpeer_key_cmp(a, b) || a->has_preshared_key != b->has_preshared_key ||
	    (a->has_preshared_key && memcmp(&a->preshared_key, &b->preshared_key, ST_KEY_LEN)) ||
	    !endpoint_agrees(a, b) || a->keepalive != b->keepalive ||
	    a->n_allowed_ips != b->n_allowed_ips)
		return false;
	for (i = 0; i < a->n_allowed_ips; i++)
		if (prefix_cmp(&a->allowed_ips[i], &b->allowed_ips[i]))
			return false;
	return true;
}

static bool same_nexthops(const struct st_route *a, const struct st_route *b)
{
	uint8_t i;

	if (a->n_nh != b->n_nh)
		return false;
	for (i = 0; i < a->n_nh; i++)
		if (strcmp(a->nh[i].ifname, b->nh[i].ifname) || a->nh[i].weight != b->nh[i].weight ||
		    cmp_prefix_any(&a->nh[i].gw, &b->nh[i].gw))
			return false;
	return true;
}

bool st_route_equal(const struct st_route *a, const struct st_route *b)
{
	return !st_route_key_cmp(a, b) && a->type == b->type && !strcmp(a->ifname, b->ifname) &&
	       !cmp_prefix_any(&a->gw, &b->gw) && same_nexthops(a, b) && a->protocol == b->protocol &&
	       a->scope == b->scope;
}

bool st_sysctl_equal(const struct st_sysctl *a, const struct st_sysctl *b)
{
	return !st_sysctl_key_cmp(a, b) && !strcmp(a->value, b->value);
}

bool st_dns_equal(const struct st_dns *a, const struct st_dns *b)
{
	uint32_t i;

	if (st_dns_key_cmp(a, b) || a->n_servers != b->n_servers || a->n_search != b->n_search)
		return false;
	for (i = 0; i < a->n_servers; i++)
		if (prefix_cmp(&a->servers[i], &b->servers[i]))
			return false;
	for (i = 0; i < a->n_search; i++)
		if (strcmp(a->search[i], b->search[i]))
			return false;
	return true;
}

#define OPS(type, tname, eq)                                                                       \
	{                                                                                          \
		.name = tname, .size = sizeof(struct st_##type),                                   \
		.key_cmp = (int (*)(const void *, const void *))st_##type##_key_cmp,              \
		.equal = (bool (*)(const void *, const void *))(eq),                               \
	}

const struct obj_ops obj_ops[OBJ_TYPE_COUNT] = {
	[OBJ_LINK] = OPS(link, "link", st_link_equal),
	[OBJ_WGDEV] = OPS(wgdev, "wireguard device", st_wgdev_equal),
	[OBJ_WGPEER] = OPS(wgpeer, "peer", st_wgpeer_equal),
	[OBJ_ADDR] = OPS(addr, "address", NULL),
	[OBJ_ROUTE] = OPS(route, "route", st_route_equal),
	[OBJ_RULE] = OPS(rule, "rule", NULL),
	[OBJ_SYSCTL] = OPS(sysctl, "sysctl", st_sysctl_equal),
	[OBJ_DNS] = OPS(dns, "dns", st_dns_equal),
	[OBJ_NFT] = OPS(nft, "nftables table", st_nft_equal),
};

static const size_t list_offset[OBJ_TYPE_COUNT] = {
	[OBJ_LINK] = offsetof(struct state, links),
	[OBJ_WGDEV] = offsetof(struct state, wgdevs),
	[OBJ_WGPEER] = offsetof(struct state, wgpeers),
	[OBJ_ADDR] = offsetof(struct state, addrs),
	[OBJ_ROUTE] = offsetof(struct state, routes),
	[OBJ_RULE] = offsetof(struct state, rules),
	[OBJ_SYSCTL] = offsetof(struct state, sysctls),
	[OBJ_DNS] = offsetof(struct state, dns),
	[OBJ_NFT] = offsetof(struct state, nft),
};

struct obj_list *state_list(struct state *s, enum obj_type t)
{
	return (struct obj_list *)((char *)s + list_offset[t]);
}

const struct obj_list *state_list_const(const struct state *s, enum obj_type t)
{
	return (const struct obj_list *)((const char *)s + list_offset[t]);
}

void *obj_at(const struct obj_list *l, enum obj_type t, size_t i)
{
	return (char *)l->v + i * obj_ops[t].size;
}

/* More sorted runs than this, and a list is sorted from scratch. */
#define MAX_RUNS 16

/* Where each sorted run of @l starts, @start[n] = l->n; how many runs, or 0 for too many. */
static size_t find_runs(const struct obj_list *l, enum obj_type t, size_t start[MAX_RUNS + 1])
{
	size_t i, n = 1;

	start[0] = 0;
	for (i = 1; i < l->n; i++) {
		if (obj_ops[t].key_cmp(obj_at(l, t, i - 1), obj_at(l, t, i)) <= 0)
			continue;
		if (n == MAX_RUNS)
			return 0;
		start[n++] = i;
	}
	start[n] = l->n;
	return n;
}

/*
 * Merge the adjacent runs [@a, @b) and [@b, @c) of @l in place, the shorter
 * one set aside in @tmp: from the front if it is the first, else from the back.
 * (A route dump's big table and the few routes of main: little is copied.)
 */
static void merge_adjacent(struct obj_list *l, enum obj_type t, size_t a, size_t b, size_t c,
			   char *tmp)
{
	int (*cmp)(const void *, const void *) = obj_ops[t].key_cmp;
	size_t size = obj_ops[t].size, i, j, k;
	char *v = l->v;

	if (b - a <= c - b) {
		memcpy(tmp, v + a * size, (b - a) * size);
		for (i = 0, j = b, k = a; i < b - a; k++) {
			bool second = j < c && cmp(v + j * size, tmp + i * size) < 0;

			memmove(v + k * size, second ? v + j++ * size : tmp + i++ * size, size);
		}
		return;
	}
	memcpy(tmp, v + b * size, (c - b) * size);
	for (i = c - b, j = b, k = c; i > 0;) {
		bool first = j > a && cmp(v + (j - 1) * size, tmp + (i - 1) * size) > 0;

		k--;
		memmove(v + k * size, first ? v + --j * size : tmp + --i * size, size);
	}
}

/*
 * Merge @l's @n runs pairwise until one is left: n comparisons a round, and
 * log2(runs) rounds. False when out of memory (nothing moved).
 */
static bool merge_runs(struct obj_list *l, enum obj_type t, size_t *start, size_t n)
{
	/* Never more than half the list is set aside; what is not touched costs nothing. */
	char *tmp = malloc((l->n / 2 + 1) * obj_ops[t].size);
	size_t r, kept;

	if (!tmp)
		return false;
	while (n > 1) {
		for (r = 0, kept = 0; r < n; r += 2, kept++) {
			if (r + 1 < n)
				merge_adjacent(l, t, start[r], start[r + 1], start[r + 2], tmp);
			start[kept] = start[r];
		}
		start[kept] = l->n;
		n = kept;
	}
	free(tmp);
	return true;
}

/*
 * Dumps come mostly sorted already (a device's peers, by its decoder): n - 1
 * comparisons then. A route dump comes as one sorted run per routing table,
 * in the kernel's order of tables, which is not theirs: the runs are merged.
 */
const struct st_link *state_link(const struct state *s, const char *name)
{
	vec_foreach(l, &s->links)
		if (!strcmp(l->name, name))
			return l;
	return NULL;
}

const struct st_wgdev *state_wgdev(const struct state *s, const char *name)
{
	vec_foreach(d, &s->wgdevs)
		if (!strcmp(d->ifname, name))
			return d;
	return NULL;
}

void state_sort(struct state *s)
{
	size_t start[MAX_RUNS + 1];
	int t;

	for (t = 0; t < OBJ_TYPE_COUNT; t++) {
		struct obj_list *l = state_list(s, (enum obj_type)t);
		size_t runs = l->n > 1 ? find_runs(l, (enum obj_type)t, start) : 1;

		if (runs == 1 || (runs && merge_runs(l, (enum obj_type)t, start, runs)))
			continue;
		qsort(l->v, l->n, obj_ops[t].size, obj_ops[t].key_cmp);
	}
}

char *st_key_format(const struct st_key *k, char buf[ST_KEY_B64_LEN])
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned i, j = 0;
	uint32_t v;

	for (i = 0; i + 2 < ST_KEY_LEN; i += 3) {
		v = (uint32_t)k->b[i] << 16 | (uint32_t)k->b[i + 1] << 8 | k->b[i + 2];
		buf[j++] = b64[v >> 18];
		buf[j++] = b64[(v >> 12) & 63];
		buf[j++] = b64[(v >> 6) & 63];
		buf[j++] = b64[v & 63];
	}
	/* 32 = 3 * 10 + 2: the last two bytes make three characters and one '='. */
	v = (uint32_t)k->b[30] << 16 | (uint32_t)k->b[31] << 8;
	buf[j++] = b64[v >> 18];
	buf[j++] = b64[(v >> 12) & 63];
	buf[j++] = b64[(v >> 6) & 63];
	buf[j++] = '=';
	buf[j] = '\0';
	return buf;
}

char *st_endpoint_format(const struct st_endpoint *e, char buf[ST_ENDPOINT_STRLEN])
{
	char a[INET6_ADDRSTRLEN];

	buf[0] = '\0';
	if (e->family == FAMILY_V4 && inet_ntop(AF_INET, e->addr, a, sizeof(a)))
		snprintf(buf, ST_ENDPOINT_STRLEN, "%s:%u", a, e->port);
	else if (e->family == FAMILY_V6 && inet_ntop(AF_INET6, e->addr, a, sizeof(a)))
		snprintf(buf, ST_ENDPOINT_STRLEN, "[%s]:%u", a, e->port);
	return buf;
}

int st_route_keep_nexthops(struct st_route *r, struct arena *a)
{
	struct st_nexthop *nh = NULL;

	if (r->n_nh) {
		nh = arena_alloc(a, sizeof(*nh) * r->n_nh);
		if (!nh)
			return -ENOMEM;
		memcpy(nh, r->nh, sizeof(*nh) * r->n_nh);
	}
	r->nh = nh;
	return 0;
}
