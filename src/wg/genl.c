// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel's WireGuard generic netlink family: set messages and dump
 * decoding, pure (the exchange through kernel/nl.h is genl_io.c). The message layout
 * and the splitting of long peer lists follow linux/wireguard.h and
 * wireguard-tools' ipc-linux.h.
 */
#include "wg/genl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "kernel/nl.h"
#include "wg/internal.h"

/* ---- Encoding ---------------------------------------------------------------------------- */

/* Room an attribute of @len payload bytes takes. */
static size_t attr_size(size_t len)
{
	return NLA_HDRLEN + NLA_ALIGN(len);
}

static size_t endpoint_size(const struct st_endpoint *e)
{
	if (e->family == FAMILY_V4)
		return attr_size(sizeof(struct sockaddr_in));
	if (e->family == FAMILY_V6)
		return attr_size(sizeof(struct sockaddr_in6));
	return 0;
}

static size_t ip_size(const struct prefix *p)
{
	return NLA_HDRLEN + attr_size(2) + attr_size(p->family == FAMILY_V4 ? 4 : 16) +
	       attr_size(1);
}

static uint32_t peer_flags(enum op_kind kind, bool continuation)
{
	if (kind == OP_DEL)
		return WGPEER_F_REMOVE_ME;
	if (kind == OP_CHANGE)
		return WGPEER_F_UPDATE_ONLY | (continuation ? 0 : WGPEER_F_REPLACE_ALLOWEDIPS);
	return continuation ? 0 : WGPEER_F_REPLACE_ALLOWEDIPS;
}

/* Room the start of a peer takes: everything but its allowed IPs. */
static size_t peer_head_size(const struct op *op, bool continuation)
{
	const struct st_wgpeer *p = op->obj;
	size_t n = NLA_HDRLEN + attr_size(ST_KEY_LEN);

	if (peer_flags(op->kind, continuation))
		n += attr_size(4);
	if (op->kind == OP_DEL || continuation)
		return n;
	if (p->has_preshared_key || op->kind == OP_CHANGE)
		n += attr_size(ST_KEY_LEN);
	return n + endpoint_size(&p->endpoint) + attr_size(2);
}

static void put_endpoint(struct nl_msg *m, const struct st_endpoint *e)
{
	if (e->family == FAMILY_V4) {
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(e->port)};

		memcpy(&sin.sin_addr, e->addr, 4);
		nl_put(m, WGPEER_A_ENDPOINT, &sin, sizeof(sin));
	} else if (e->family == FAMILY_V6) {
		struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(e->port)};

		memcpy(&sin6.sin6_addr, e->addr, 16);
		nl_put(m, WGPEER_A_ENDPOINT, &sin6, sizeof(sin6));
	}
}

static void put_peer_head(struct nl_msg *m, const struct op *op, bool continuation)
{
	static const struct st_key zero;
	const struct st_wgpeer *p = op->obj;
	uint32_t flags = peer_flags(op->kind, continuation);

	nl_put(m, WGPEER_A_PUBLIC_KEY, p->public_key.b, ST_KEY_LEN);
	if (flags)
		nl_put_u32(m, WGPEER_A_FLAGS, flags);
	if (op->kind == OP_DEL || continuation)
		return;
	if (p->has_preshared_key || op->kind == OP_CHANGE)
		nl_put(m, WGPEER_A_PRESHARED_KEY,
		       p->has_preshared_key ? p->preshared_key.b : zero.b, ST_KEY_LEN);
	put_endpoint(m, &p->endpoint);
	nl_put_u16(m, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, p->keepalive);
}

static void put_ip(struct nl_msg *m, const struct prefix *p)
{
	struct nlattr *nest = nl_nest_start(m, 0);

	nl_put_u16(m, WGALLOWEDIP_A_FAMILY, p->family);
	nl_put(m, WGALLOWEDIP_A_IPADDR, p->addr, p->family == FAMILY_V4 ? 4 : 16);
	nl_put_u8(m, WGALLOWEDIP_A_CIDR_MASK, p->len);
	nl_nest_end(m, nest);
}

static void put_device(struct nl_msg *m, const struct st_wgdev *dev)
{
	static const struct st_key zero;

	if (!dev->keep_private_key)
		nl_put(m, WGDEVICE_A_PRIVATE_KEY,
		       dev->has_private_key ? dev->private_key.b : zero.b, ST_KEY_LEN);
	if (dev->has_listen_port)
		nl_put_u16(m, WGDEVICE_A_LISTEN_PORT, dev->listen_port);
	nl_put_u32(m, WGDEVICE_A_FWMARK, dev->fwmark);
}

void wg_genl_set_init(struct wg_genl_set *s, uint16_t family, const char *ifname,
		      const struct st_wgdev *dev, const struct op *ops, size_t n)
{
	*s = (struct wg_genl_set){
	    .family = family,
	    .ifname = ifname,
	    .dev = dev,
	    .ops = ops,
	    .n = n,
	};
}

static size_t room(const struct nl_msg *m)
{
	return m->overflow ? 0 : m->cap - m->nlh->nlmsg_len;
}

/* Write as much of ops[next_op...] as fits; the number of peers started. */
static size_t put_peers(struct wg_genl_set *s, struct nl_msg *m)
{
	size_t count = 0;

	while (s->next_op < s->n) {
		const struct op *op = &s->ops[s->next_op];
		const struct st_wgpeer *p = op->obj;
		const struct prefix *order = st_wgpeer_ips_in_order(p);
		uint32_t n_ips = op->kind == OP_DEL ? 0 : p->n_allowed_ips;
		size_t need = peer_head_size(op, s->next_ip > 0);
		struct nlattr *peer;

		if (s->next_ip < n_ips)
			need += NLA_HDRLEN + ip_size(&order[s->next_ip]);
		if (room(m) < need)
			break;
		peer = nl_nest_start(m, 0);
		put_peer_head(m, op, s->next_ip > 0);
		if (s->next_ip < n_ips) {
			struct nlattr *ips = nl_nest_start(m, WGPEER_A_ALLOWEDIPS);

			while (s->next_ip < n_ips && room(m) >= ip_size(&order[s->next_ip]))
				put_ip(m, &order[s->next_ip++]);
			nl_nest_end(m, ips);
		}
		nl_nest_end(m, peer);
		count++;
		if (s->next_ip < n_ips)
			break; /* full: this peer goes on in the next message */
		s->next_op++;
		s->next_ip = 0;
	}
	return count;
}

int wg_genl_set_next(struct wg_genl_set *s, void *buf, size_t cap)
{
	bool with_dev = !s->started && s->dev;
	struct nlattr *peers;
	struct nl_msg m;
	size_t i;
	uint32_t before;

	if (!s->started) {
		for (i = 0; i < s->n; i++)
			if (s->ops[i].type != OBJ_WGPEER || s->ops[i].kind > OP_DEL ||
			    !s->ops[i].obj)
				return -EINVAL;
		if (!s->dev && !s->n)
			return 0;
	} else if (s->next_op >= s->n) {
		return 0;
	}
	if (!nl_genl_msg_init(&m, buf, cap, s->family, WG_CMD_SET_DEVICE, WG_GENL_VERSION,
			      NLM_F_REQUEST | NLM_F_ACK))
		return -EMSGSIZE;
	nl_put_str(&m, WGDEVICE_A_IFNAME, s->ifname);
	if (with_dev)
		put_device(&m, s->dev);
	s->started = true;
	if (s->next_op < s->n && !m.overflow) {
		before = m.nlh->nlmsg_len;
		peers = nl_nest_start(&m, WGDEVICE_A_PEERS);
		if (put_peers(s, &m)) {
			nl_nest_end(&m, peers);
		} else if (with_dev) {
			m.nlh->nlmsg_len =
			    before; /* no room left after the device: peers come next */
			m.overflow = false;
		} else {
			return -EMSGSIZE;
		}
	}
	return nl_msg_end(&m);
}

int wg_genl_get_request(void *buf, size_t cap, uint16_t family, const char *ifname)
{
	struct nl_msg m;

	if (!nl_genl_msg_init(&m, buf, cap, family, WG_CMD_GET_DEVICE, WG_GENL_VERSION,
			      NLM_F_REQUEST | NLM_F_DUMP))
		return -EMSGSIZE;
	nl_put_str(&m, WGDEVICE_A_IFNAME, ifname);
	return nl_msg_end(&m);
}

/* ---- Decoding ---------------------------------------------------------------------------- */

static const struct nl_policy device_policy[WGDEVICE_A_PEERS + 1] = {
    [WGDEVICE_A_IFINDEX] = {NL_A_U32, 0},
    [WGDEVICE_A_IFNAME] = {NL_A_STRING, ST_IFNAMSIZ},
    [WGDEVICE_A_PRIVATE_KEY] = {NL_A_BINARY, ST_KEY_LEN},
    [WGDEVICE_A_PUBLIC_KEY] = {NL_A_BINARY, ST_KEY_LEN},
    [WGDEVICE_A_FLAGS] = {NL_A_U32, 0},
    [WGDEVICE_A_LISTEN_PORT] = {NL_A_U16, 0},
    [WGDEVICE_A_FWMARK] = {NL_A_U32, 0},
    [WGDEVICE_A_PEERS] = {NL_A_NESTED, 0},
};

static const struct nl_policy peer_policy[WGPEER_A_PROTOCOL_VERSION + 1] = {
    [WGPEER_A_PUBLIC_KEY] = {NL_A_BINARY, ST_KEY_LEN},
    [WGPEER_A_PRESHARED_KEY] = {NL_A_BINARY, ST_KEY_LEN},
    [WGPEER_A_FLAGS] = {NL_A_U32, 0},
    [WGPEER_A_ENDPOINT] = {NL_A_BINARY, 0}, /* sockaddr_in or sockaddr_in6: checked below */
    [WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL] = {NL_A_U16, 0},
    [WGPEER_A_LAST_HANDSHAKE_TIME] = {NL_A_BINARY, 16}, /* struct __kernel_timespec */
    [WGPEER_A_RX_BYTES] = {NL_A_U64, 0},
    [WGPEER_A_TX_BYTES] = {NL_A_U64, 0},
    [WGPEER_A_ALLOWEDIPS] = {NL_A_NESTED, 0},
    [WGPEER_A_PROTOCOL_VERSION] = {NL_A_U32, 0},
};

static const struct nl_policy ip_policy[WGALLOWEDIP_A_CIDR_MASK + 1] = {
    [WGALLOWEDIP_A_FAMILY] = {NL_A_U16, 0},
    [WGALLOWEDIP_A_IPADDR] = {NL_A_BINARY, 0}, /* 4 or 16 bytes: nl_attr_addr checks */
    [WGALLOWEDIP_A_CIDR_MASK] = {NL_A_U8, 0},
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof(*(a)))

static const void *payload(const struct nlattr *a)
{
	return (const uint8_t *)a + NLA_HDRLEN;
}

static size_t payload_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

/*
 * The elements of a nested list (peers, allowed IPs): each must lie inside
 * the list, and nothing may follow the last one.
 */
static int for_each_nested(const struct nlattr *list,
			   int (*fn)(struct wg_genl_dump *d, const struct nlattr *a),
			   struct wg_genl_dump *d)
{
	const uint8_t *p = payload(list);
	size_t len = payload_len(list);
	int err;

	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		size_t step = NLA_ALIGN(a->nla_len);

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return -EBADMSG;
		if ((err = fn(d, a)))
			return err;
		if (step > len)
			step = len;
		p += step;
		len -= step;
	}
	return len ? -EBADMSG : 0;
}

static int decode_endpoint(const struct nlattr *a, struct st_endpoint *e)
{
	size_t len = payload_len(a);
	sa_family_t family;

	if (len < sizeof(family))
		return -EBADMSG;
	memcpy(&family, payload(a), sizeof(family));
	memset(e, 0, sizeof(*e));
	if (family == AF_INET && len == sizeof(struct sockaddr_in)) {
		struct sockaddr_in sin;

		memcpy(&sin, payload(a), sizeof(sin));
		e->family = FAMILY_V4;
		memcpy(e->addr, &sin.sin_addr, 4);
		e->port = ntohs(sin.sin_port);
	} else if (family == AF_INET6 && len == sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, payload(a), sizeof(sin6));
		e->family = FAMILY_V6;
		memcpy(e->addr, &sin6.sin6_addr, 16);
		e->port = ntohs(sin6.sin6_port);
	} else {
		return -EBADMSG;
	}
	return 0;
}

static bool key_is_zero(const uint8_t *k)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < ST_KEY_LEN; i++)
		acc |= k[i];
	return !acc;
}

static int decode_ip(struct wg_genl_dump *d, const struct nlattr *a)
{
	const struct nlattr *tb[ARRAY_SIZE(ip_policy)];
	struct prefix p = {0};
	uint16_t family;
	int err = nl_parse_nested(a, ip_policy, ARRAY_SIZE(ip_policy) - 1, tb);

	if (err)
		return err;
	if (!tb[WGALLOWEDIP_A_FAMILY] || !tb[WGALLOWEDIP_A_IPADDR] || !tb[WGALLOWEDIP_A_CIDR_MASK])
		return -EBADMSG;
	memcpy(&family, payload(tb[WGALLOWEDIP_A_FAMILY]), 2);
	if (family != AF_INET && family != AF_INET6)
		return -EBADMSG;
	p.family = (uint8_t)family;
	if ((err = nl_attr_addr(tb[WGALLOWEDIP_A_IPADDR], p.family, p.addr)))
		return err;
	p.len = *(const uint8_t *)payload(tb[WGALLOWEDIP_A_CIDR_MASK]);
	if (p.len > prefix_max_len(p.family))
		return -EBADMSG;
	return wg_ips_push(&d->ips, &p);
}

static struct st_wgpeer *last_peer(struct wg_genl_dump *d)
{
	return &d->live->wgpeers.v[d->live->wgpeers.n - 1];
}

static int end_peer(struct wg_genl_dump *d)
{
	int err;

	if (!d->in_peer)
		return 0;
	d->in_peer = false;
	err = wg_ips_take(&d->ips, d->live, last_peer(d));
	return err == -EEXIST ? -EBADMSG : err;
}

static void fill_peer(struct st_wgpeer *p, const struct nlattr *const *tb)
{
	if (tb[WGPEER_A_PRESHARED_KEY]) {
		memcpy(p->preshared_key.b, payload(tb[WGPEER_A_PRESHARED_KEY]), ST_KEY_LEN);
		p->has_preshared_key = !key_is_zero(p->preshared_key.b);
	}
	if (tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL])
		memcpy(&p->keepalive, payload(tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]), 2);
	if (tb[WGPEER_A_LAST_HANDSHAKE_TIME])
		memcpy(&p->last_handshake_sec, payload(tb[WGPEER_A_LAST_HANDSHAKE_TIME]), 8);
	if (tb[WGPEER_A_RX_BYTES])
		memcpy(&p->rx_bytes, payload(tb[WGPEER_A_RX_BYTES]), 8);
	if (tb[WGPEER_A_TX_BYTES])
		memcpy(&p->tx_bytes, payload(tb[WGPEER_A_TX_BYTES]), 8);
}

static int decode_peer(struct wg_genl_dump *d, const struct nlattr *a)
{
	const struct nlattr *tb[ARRAY_SIZE(peer_policy)];
	const uint8_t *key;
	struct st_wgpeer *p;
	int err = nl_parse_nested(a, peer_policy, ARRAY_SIZE(peer_policy) - 1, tb);

	if (err)
		return err;
	if (!tb[WGPEER_A_PUBLIC_KEY])
		return -EBADMSG;
	key = payload(tb[WGPEER_A_PUBLIC_KEY]);
	/* The kernel continues a peer that did not fit in the next message: join them. */
	if (!d->in_peer || memcmp(last_peer(d)->public_key.b, key, ST_KEY_LEN)) {
		if ((err = end_peer(d)))
			return err;
		p = vec_push(&d->live->arena, &d->live->wgpeers);
		if (!p)
			return -ENOMEM;
		d->in_peer = true;
		snprintf(p->ifname, sizeof(p->ifname), "%s", d->ifname);
		memcpy(p->public_key.b, key, ST_KEY_LEN);
		if (tb[WGPEER_A_ENDPOINT] &&
		    (err = decode_endpoint(tb[WGPEER_A_ENDPOINT], &p->endpoint)))
			return err;
		fill_peer(p, tb);
	}
	if (tb[WGPEER_A_ALLOWEDIPS])
		return for_each_nested(tb[WGPEER_A_ALLOWEDIPS], decode_ip, d);
	return 0;
}

static int decode_device(struct wg_genl_dump *d, const struct nlattr *const *tb)
{
	struct st_wgdev *dev = vec_push(&d->live->arena, &d->live->wgdevs);

	if (!dev)
		return -ENOMEM;
	d->have_dev = true;
	snprintf(dev->ifname, sizeof(dev->ifname), "%s", d->ifname);
	if (tb[WGDEVICE_A_PRIVATE_KEY]) {
		memcpy(dev->private_key.b, payload(tb[WGDEVICE_A_PRIVATE_KEY]), ST_KEY_LEN);
		dev->has_private_key = !key_is_zero(dev->private_key.b);
	}
	if (tb[WGDEVICE_A_LISTEN_PORT]) {
		memcpy(&dev->listen_port, payload(tb[WGDEVICE_A_LISTEN_PORT]), 2);
		dev->has_listen_port = true;
	}
	if (tb[WGDEVICE_A_FWMARK])
		memcpy(&dev->fwmark, payload(tb[WGDEVICE_A_FWMARK]), 4);
	return 0;
}

void wg_genl_dump_init(struct wg_genl_dump *d, const char *ifname, struct state *live, char *errmsg,
		       size_t errlen)
{
	*d = (struct wg_genl_dump){
	    .ifname = ifname,
	    .live = live,
	    .errmsg = errmsg,
	    .errlen = errlen,
	    .n_dev0 = live->wgdevs.n,
	    .n_peer0 = live->wgpeers.n,
	};
}

int wg_genl_dump_msg(const struct nlmsghdr *nlh, void *dump)
{
	struct wg_genl_dump *d = dump;
	const struct nlattr *tb[ARRAY_SIZE(device_policy)];
	int err = nl_parse(nlh, GENL_HDRLEN, device_policy, ARRAY_SIZE(device_policy) - 1, tb);

	if (err)
		return err;
	if (tb[WGDEVICE_A_IFNAME] && strcmp(payload(tb[WGDEVICE_A_IFNAME]), d->ifname))
		return -EBADMSG; /* an answer about another device */
	if (!d->have_dev && (err = decode_device(d, tb)))
		return err;
	if (tb[WGDEVICE_A_PEERS])
		return for_each_nested(tb[WGDEVICE_A_PEERS], decode_peer, d);
	return 0;
}

int wg_genl_dump_end(struct wg_genl_dump *d, int err)
{
	if (!err)
		err = end_peer(d);
	if (!err && !d->have_dev)
		err = -EBADMSG;
	if (!err && !wg_peers_unique(d->live, d->n_peer0)) {
		wg_errf(d->errmsg, d->errlen, "%s: the kernel listed a peer twice", d->ifname);
		err = -EBADMSG;
	} else if (err == -EBADMSG) {
		wg_errf(d->errmsg, d->errlen, "%s: malformed WireGuard device dump", d->ifname);
	}
	if (err) {
		d->live->wgdevs.n = d->n_dev0;
		d->live->wgpeers.n = d->n_peer0;
	}
	wg_ips_free(&d->ips);
	return err;
}
