// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel WireGuard family's messages, byte for byte, without a kernel:
 * set messages against bytes written here by hand (independently of
 * kernel/nl.h and libmnl), their splitting, and dump decoding.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <netinet/in.h>

#include "kernel/nl.h"
#include "wg/genl.h"

#define FAMILY 0x1b
#define N(a)   (sizeof(a) / sizeof(*(a)))

/* ---- A hand-written netlink writer for the expected bytes --------------------------------- */

struct tb {
	uint8_t b[65536];
	size_t len;
	size_t msg; /* offset of the current message */
};

static void t_bytes(struct tb *t, const void *p, size_t n)
{
	assert_true(t->len + n <= sizeof(t->b));
	memcpy(t->b + t->len, p, n);
	t->len += n;
	while (t->len % 4)
		t->b[t->len++] = 0;
}

static void t_msg(struct tb *t, uint16_t flags, uint8_t cmd)
{
	struct nlmsghdr h = {.nlmsg_type = FAMILY, .nlmsg_flags = flags};
	struct genlmsghdr g = {.cmd = cmd, .version = 1};

	t->msg = t->len;
	t_bytes(t, &h, sizeof(h));
	t_bytes(t, &g, sizeof(g));
}

static void t_msg_end(struct tb *t)
{
	uint32_t len = (uint32_t)(t->len - t->msg);

	memcpy(t->b + t->msg, &len, 4);
}

static void t_attr(struct tb *t, uint16_t type, const void *p, size_t n)
{
	uint16_t hdr[2] = {(uint16_t)(4 + n), type};

	assert_true(t->len + 4 + n <= sizeof(t->b));
	memcpy(t->b + t->len, hdr, 4);
	t->len += 4;
	t_bytes(t, p, n);
}

static void t_u8(struct tb *t, uint16_t type, uint8_t v)
{
	t_attr(t, type, &v, 1);
}

static void t_u16(struct tb *t, uint16_t type, uint16_t v)
{
	t_attr(t, type, &v, 2);
}

static void t_u32(struct tb *t, uint16_t type, uint32_t v)
{
	t_attr(t, type, &v, 4);
}

static void t_u64(struct tb *t, uint16_t type, uint64_t v)
{
	t_attr(t, type, &v, 8);
}

static size_t t_nest(struct tb *t, uint16_t type)
{
	size_t at = t->len;
	uint16_t hdr[2] = {0, (uint16_t)(type | NLA_F_NESTED)};

	t_bytes(t, hdr, 4);
	return at;
}

static void t_nest_end(struct tb *t, size_t at)
{
	uint16_t len = (uint16_t)(t->len - at);

	memcpy(t->b + at, &len, 2);
}

static void t_ip(struct tb *t, const char *s)
{
	struct prefix p;
	size_t n;

	assert_null(prefix_parse(s, &p, NULL));
	n = t_nest(t, 0);
	t_u16(t, WGALLOWEDIP_A_FAMILY, p.family);
	t_attr(t, WGALLOWEDIP_A_IPADDR, p.addr, p.family == FAMILY_V4 ? 4 : 16);
	t_u8(t, WGALLOWEDIP_A_CIDR_MASK, p.len);
	t_nest_end(t, n);
}

static void expect_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len)
{
	size_t i;

	for (i = 0; i < got_len && i < want_len; i++)
		if (got[i] != want[i])
			fail_msg("byte %zu: got 0x%02x, want 0x%02x", i, got[i], want[i]);
	if (got_len != want_len)
		fail_msg("length %zu, want %zu", got_len, want_len);
}

/* ---- The model side ----------------------------------------------------------------------- */

static struct st_key key_of(uint8_t seed)
{
	struct st_key k;
	unsigned i;

	for (i = 0; i < ST_KEY_LEN; i++)
		k.b[i] = (uint8_t)(seed * 7 + i);
	return k;
}

static struct st_wgpeer mk_peer(uint8_t seed, const char *const *ips, size_t n, struct prefix *buf)
{
	struct st_wgpeer p = {.ifname = "wg0", .public_key = key_of(seed)};
	size_t i;

	for (i = 0; i < n; i++)
		assert_null(prefix_parse(ips[i], &buf[i], NULL));
	p.allowed_ips = buf;
	p.n_allowed_ips = (uint32_t)n;
	return p;
}

static int next(struct wg_genl_set *s, uint8_t *buf, size_t cap)
{
	return wg_genl_set_next(s, buf, cap);
}

/* The literal bytes of removing one peer: no help from any writer. */
static void remove_peer_literal(void **unused)
{
	static const uint8_t want[80] =
	    {
		80,  0,	  0,   0,    0x1b, 0,	0x05, 0,   0,	0,   0,	  0,   0,   0,
		0,   0,					 /* nlmsghdr */
		1,   1,	  0,   0,			 /* SET_DEVICE, v1 */
		8,   0,	  2,   0,    'w',  'g', '0',  0, /* IFNAME */
		52,  0,	  8,   0x80,			 /* PEERS */
		48,  0,	  0,   0x80,			 /* a peer */
		36,  0,	  1,   0,			 /* PUBLIC_KEY */
		21,  28,  35,  42,   49,   56,	63,   70,  77,	84,  91,  98,  105, 112,
		119, 126, 133, 140,  147,  154, 161,  168, 175, 182, 189, 196, 203, 210,
		217, 224, 231, 238,  8,	   0,	3,    0,   1,	0,   0,	  0, /* FLAGS: REMOVE_ME */
	    };
	struct st_wgpeer p = {.ifname = "wg0"};
	struct op op = {.kind = OP_DEL, .type = OBJ_WGPEER, .obj = &p};
	struct wg_genl_set s;
	uint8_t buf[256];
	unsigned i;

	(void)unused;
	for (i = 0; i < ST_KEY_LEN; i++)
		p.public_key.b[i] = (uint8_t)(21 + 7 * i);
	wg_genl_set_init(&s, FAMILY, "wg0", NULL, &op, 1);
	assert_int_equal(next(&s, buf, sizeof(buf)), sizeof(want));
	expect_bytes(buf, sizeof(want), want, sizeof(want));
	assert_int_equal(next(&s, buf, sizeof(buf)), 0);
}

static void get_request_literal(void **unused)
{
	static const uint8_t want[] = {
	    28, 0, 0, 0, 0x1b, 0, 0x01, 0x03, 0,   0,	0,   0, 0, 0, 0, 0, /* REQUEST | DUMP */
	    0,	1, 0, 0, 8,    0, 2,	0,    'w', 'g', '0', 0,
	};
	uint8_t buf[64];

	(void)unused;
	assert_int_equal(wg_genl_get_request(buf, sizeof(buf), FAMILY, "wg0"), sizeof(want));
	expect_bytes(buf, sizeof(want), want, sizeof(want));
	assert_int_equal(wg_genl_get_request(buf, 20, FAMILY, "wg0"), -EMSGSIZE);
}

static void set_bytes(void **unused)
{
	static const char *const ips1[] = {"10.0.0.0/8", "fd00::/64"}, *const ips2[] = {
									   "192.168.1.1/32"};
	static const struct st_key zero;
	struct prefix b1[2], b2[1];
	struct st_wgdev dev = {.ifname = "wg0",
			       .has_private_key = true,
			       .private_key = key_of(1),
			       .has_listen_port = true,
			       .listen_port = 51820,
			       .fwmark = 0x1234};
	struct st_wgpeer add = mk_peer(2, ips1, 2, b1), change = mk_peer(3, ips2, 1, b2),
			 del = mk_peer(4, NULL, 0, NULL);
	struct op ops[] = {
	    {.kind = OP_ADD, .type = OBJ_WGPEER, .obj = &add},
	    {.kind = OP_CHANGE, .type = OBJ_WGPEER, .obj = &change, .old = &change},
	    {.kind = OP_DEL, .type = OBJ_WGPEER, .obj = &del},
	};
	struct sockaddr_in sin = {
	    .sin_family = AF_INET, .sin_port = htons(51820), .sin_addr = {htonl(0xc0000201)}};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(443)};
	static struct tb t;
	struct wg_genl_set s;
	uint8_t buf[WG_GENL_MSG_MAX];
	size_t peers, peer, ipn;

	(void)unused;
	add.has_preshared_key = true;
	add.preshared_key = key_of(5);
	add.endpoint =
	    (struct st_endpoint){.family = FAMILY_V4, .port = 51820, .addr = {192, 0, 2, 1}};
	add.keepalive = 25;
	change.endpoint = (struct st_endpoint){
	    .family = FAMILY_V6, .port = 443, .addr = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
	memcpy(&sin6.sin6_addr, change.endpoint.addr, 16);

	memset(&t, 0, sizeof(t));
	t_msg(&t, NLM_F_REQUEST | NLM_F_ACK, WG_CMD_SET_DEVICE);
	t_attr(&t, WGDEVICE_A_IFNAME, "wg0", 4);
	t_attr(&t, WGDEVICE_A_PRIVATE_KEY, dev.private_key.b, 32);
	t_u16(&t, WGDEVICE_A_LISTEN_PORT, 51820);
	t_u32(&t, WGDEVICE_A_FWMARK, 0x1234);
	peers = t_nest(&t, WGDEVICE_A_PEERS);
	/* add */
	peer = t_nest(&t, 0);
	t_attr(&t, WGPEER_A_PUBLIC_KEY, add.public_key.b, 32);
	t_u32(&t, WGPEER_A_FLAGS, WGPEER_F_REPLACE_ALLOWEDIPS);
	t_attr(&t, WGPEER_A_PRESHARED_KEY, add.preshared_key.b, 32);
	t_attr(&t, WGPEER_A_ENDPOINT, &sin, sizeof(sin));
	t_u16(&t, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 25);
	ipn = t_nest(&t, WGPEER_A_ALLOWEDIPS);
	t_ip(&t, "10.0.0.0/8");
	t_ip(&t, "fd00::/64");
	t_nest_end(&t, ipn);
	t_nest_end(&t, peer);
	/* change: update only, allowed IPs replaced, the preshared key cleared */
	peer = t_nest(&t, 0);
	t_attr(&t, WGPEER_A_PUBLIC_KEY, change.public_key.b, 32);
	t_u32(&t, WGPEER_A_FLAGS, WGPEER_F_UPDATE_ONLY | WGPEER_F_REPLACE_ALLOWEDIPS);
	t_attr(&t, WGPEER_A_PRESHARED_KEY, zero.b, 32);
	t_attr(&t, WGPEER_A_ENDPOINT, &sin6, sizeof(sin6));
	t_u16(&t, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 0);
	ipn = t_nest(&t, WGPEER_A_ALLOWEDIPS);
	t_ip(&t, "192.168.1.1/32");
	t_nest_end(&t, ipn);
	t_nest_end(&t, peer);
	/* del */
	peer = t_nest(&t, 0);
	t_attr(&t, WGPEER_A_PUBLIC_KEY, del.public_key.b, 32);
	t_u32(&t, WGPEER_A_FLAGS, WGPEER_F_REMOVE_ME);
	t_nest_end(&t, peer);
	t_nest_end(&t, peers);
	t_msg_end(&t);

	wg_genl_set_init(&s, FAMILY, "wg0", &dev, ops, N(ops));
	assert_int_equal(next(&s, buf, sizeof(buf)), (int)t.len);
	expect_bytes(buf, t.len, t.b, t.len);
	assert_int_equal(next(&s, buf, sizeof(buf)), 0);

	/* Device only; no private key: zeros remove it; no port wanted: none sent. */
	dev.has_private_key = false;
	dev.has_listen_port = false;
	memset(&t, 0, sizeof(t));
	t_msg(&t, NLM_F_REQUEST | NLM_F_ACK, WG_CMD_SET_DEVICE);
	t_attr(&t, WGDEVICE_A_IFNAME, "wg0", 4);
	t_attr(&t, WGDEVICE_A_PRIVATE_KEY, zero.b, 32);
	t_u32(&t, WGDEVICE_A_FWMARK, 0x1234);
	t_msg_end(&t);
	wg_genl_set_init(&s, FAMILY, "wg0", &dev, NULL, 0);
	assert_int_equal(next(&s, buf, sizeof(buf)), (int)t.len);
	expect_bytes(buf, t.len, t.b, t.len);
	assert_int_equal(next(&s, buf, sizeof(buf)), 0);

	/* Nothing to do: no message at all. */
	wg_genl_set_init(&s, FAMILY, "wg0", NULL, NULL, 0);
	assert_int_equal(next(&s, buf, sizeof(buf)), 0);

	/* Not a peer op. */
	ops[1].type = OBJ_ROUTE;
	wg_genl_set_init(&s, FAMILY, "wg0", NULL, ops, N(ops));
	assert_int_equal(next(&s, buf, sizeof(buf)), -EINVAL);
}

/* ---- Splitting ---------------------------------------------------------------------------- */

/* What one peer fragment of a set message said. */
struct frag {
	struct st_key key;
	uint32_t flags;
	bool settings; /* preshared key, endpoint or keepalive present */
	size_t n_ips;
};

static const struct nl_policy dev_pol[WGDEVICE_A_PEERS + 1] = {
    [WGDEVICE_A_IFNAME] = {NL_A_STRING, 16}, [WGDEVICE_A_PRIVATE_KEY] = {NL_A_BINARY, 32},
    [WGDEVICE_A_FLAGS] = {NL_A_U32, 0},	     [WGDEVICE_A_LISTEN_PORT] = {NL_A_U16, 0},
    [WGDEVICE_A_FWMARK] = {NL_A_U32, 0},     [WGDEVICE_A_PEERS] = {NL_A_NESTED, 0},
};
static const struct nl_policy peer_pol[WGPEER_A_ALLOWEDIPS + 1] = {
    [WGPEER_A_PUBLIC_KEY] = {NL_A_BINARY, 32},
    [WGPEER_A_PRESHARED_KEY] = {NL_A_BINARY, 32},
    [WGPEER_A_FLAGS] = {NL_A_U32, 0},
    [WGPEER_A_ENDPOINT] = {NL_A_BINARY, 0},
    [WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL] = {NL_A_U16, 0},
    [WGPEER_A_ALLOWEDIPS] = {NL_A_NESTED, 0},
};

static size_t count_nested(const struct nlattr *nest)
{
	const uint8_t *p = (const uint8_t *)nest + NLA_HDRLEN;
	size_t len = nest->nla_len - NLA_HDRLEN, n = 0;

	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		size_t step = NLA_ALIGN(a->nla_len);

		n++;
		p += step;
		len -= step < len ? step : len;
	}
	return n;
}

/* Every peer fragment of message @nlh, appended to @f. */
static size_t frags_of(const struct nlmsghdr *nlh, struct frag *f, size_t n, bool *has_dev)
{
	const struct nlattr *tb[N(dev_pol)], *ptb[N(peer_pol)];
	const uint8_t *p;
	size_t len;

	assert_int_equal(nl_parse(nlh, GENL_HDRLEN, dev_pol, N(dev_pol) - 1, tb), 0);
	assert_non_null(tb[WGDEVICE_A_IFNAME]);
	assert_null(tb[WGDEVICE_A_FLAGS]); /* never WGDEVICE_F_REPLACE_PEERS */
	*has_dev = tb[WGDEVICE_A_PRIVATE_KEY] || tb[WGDEVICE_A_FWMARK];
	if (!tb[WGDEVICE_A_PEERS])
		return n;
	p = (const uint8_t *)tb[WGDEVICE_A_PEERS] + NLA_HDRLEN;
	len = tb[WGDEVICE_A_PEERS]->nla_len - NLA_HDRLEN;
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		size_t step = NLA_ALIGN(a->nla_len);

		assert_int_equal(nl_parse_nested(a, peer_pol, N(peer_pol) - 1, ptb), 0);
		memcpy(f[n].key.b, (const uint8_t *)ptb[WGPEER_A_PUBLIC_KEY] + NLA_HDRLEN, 32);
		f[n].flags = 0;
		if (ptb[WGPEER_A_FLAGS])
			memcpy(&f[n].flags, (const uint8_t *)ptb[WGPEER_A_FLAGS] + NLA_HDRLEN, 4);
		f[n].settings = ptb[WGPEER_A_PRESHARED_KEY] || ptb[WGPEER_A_ENDPOINT] ||
				ptb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL];
		f[n].n_ips = ptb[WGPEER_A_ALLOWEDIPS] ? count_nested(ptb[WGPEER_A_ALLOWEDIPS]) : 0;
		n++;
		p += step;
		len -= step < len ? step : len;
	}
	return n;
}

static struct prefix nth_prefix(size_t i)
{
	struct prefix p = {.family = i % 3 ? FAMILY_V4 : FAMILY_V6};

	if (p.family == FAMILY_V4) {
		p.len = 32;
		p.addr[0] = 10;
		p.addr[1] = (uint8_t)(i >> 16);
		p.addr[2] = (uint8_t)(i >> 8);
		p.addr[3] = (uint8_t)i;
	} else {
		p.len = 128;
		p.addr[0] = 0xfd;
		p.addr[13] = (uint8_t)(i >> 16);
		p.addr[14] = (uint8_t)(i >> 8);
		p.addr[15] = (uint8_t)i;
	}
	return p;
}

static int cmp_prefix(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

#define PEERS 400

static void splits_long_lists(void **unused)
{
	static struct prefix ips[PEERS * 20 + 3000];
	static struct st_wgpeer peers[PEERS];
	static struct op ops[PEERS];
	static struct frag frags[PEERS * 4];
	static uint8_t msgs[64][WG_GENL_MSG_MAX];
	struct st_wgdev dev = {.ifname = "wg0",
			       .has_private_key = true,
			       .private_key = key_of(9),
			       .has_listen_port = true,
			       .listen_port = 1};
	struct state *got = state_new();
	struct wg_genl_dump d;
	struct wg_genl_set s;
	size_t i, j, n_msgs = 0, n_frags = 0, used = 0, k;
	int len;

	(void)unused;
	for (i = 0; i < PEERS; i++) {
		/* Peer 7 has 3000 allowed IPs: it cannot fit one message. */
		size_t n = i == 7 ? 3000 : i % 21;
		struct st_wgpeer *p = &peers[i];

		memset(p, 0, sizeof(*p));
		snprintf(p->ifname, sizeof(p->ifname), "wg0");
		p->public_key = key_of((uint8_t)i);
		p->public_key.b[31] = (uint8_t)(i >> 8);
		p->public_key.b[30] = (uint8_t)i;
		p->has_preshared_key = i % 2;
		if (p->has_preshared_key)
			p->preshared_key = key_of((uint8_t)(i + 1));
		if (i % 4) {
			p->endpoint.family = i % 4 == 1 ? FAMILY_V4 : FAMILY_V6;
			p->endpoint.addr[0] = (uint8_t)i;
			p->endpoint.port = (uint16_t)(1000 + i);
		}
		p->keepalive = (uint16_t)(i % 30);
		p->allowed_ips = ips + used;
		for (j = 0; j < n; j++)
			ips[used + j] = nth_prefix(used + j);
		qsort(p->allowed_ips, n, sizeof(*ips), cmp_prefix);
		p->n_allowed_ips = (uint32_t)n;
		used += n;
		ops[i] = (struct op){.kind = i % 5 == 3	  ? OP_DEL
					     : i % 5 == 1 ? OP_CHANGE
							  : OP_ADD,
				     .type = OBJ_WGPEER,
				     .obj = p};
	}
	wg_genl_set_init(&s, FAMILY, "wg0", &dev, ops, PEERS);
	while ((len = next(&s, msgs[n_msgs], WG_GENL_MSG_MAX)) > 0) {
		bool has_dev;

		assert_true(len <= WG_GENL_MSG_MAX);
		n_frags = frags_of((struct nlmsghdr *)msgs[n_msgs], frags, n_frags, &has_dev);
		assert_int_equal(has_dev, n_msgs == 0); /* device settings once, first */
		n_msgs++;
		assert_true(n_msgs < N(msgs));
	}
	assert_int_equal(len, 0);
	assert_true(n_msgs > 5);

	/* Fragments: in op order; a peer's first says everything, continuations only its IPs. */
	for (i = 0, k = 0; i < PEERS; i++) {
		const struct op *op = &ops[i];
		size_t ips_seen = 0;
		bool first = true;

		while (k < n_frags && !memcmp(frags[k].key.b, peers[i].public_key.b, 32)) {
			uint32_t want =
			    op->kind == OP_DEL ? WGPEER_F_REMOVE_ME
			    : op->kind == OP_CHANGE
				? WGPEER_F_UPDATE_ONLY | (first ? WGPEER_F_REPLACE_ALLOWEDIPS : 0)
				: (first ? WGPEER_F_REPLACE_ALLOWEDIPS : 0);

			assert_int_equal(frags[k].flags, want);
			assert_int_equal(frags[k].settings, first && op->kind != OP_DEL);
			ips_seen += frags[k].n_ips;
			first = false;
			k++;
		}
		assert_false(first);
		assert_int_equal(ips_seen, op->kind == OP_DEL ? 0 : peers[i].n_allowed_ips);
	}
	assert_int_equal(k, n_frags);

	/* Set messages have the layout of dump messages: the dump decoder joins them back. */
	wg_genl_dump_init(&d, "wg0", got, NULL, 0);
	for (i = 0; i < n_msgs; i++)
		assert_int_equal(wg_genl_dump_msg((struct nlmsghdr *)msgs[i], &d), 0);
	assert_int_equal(wg_genl_dump_end(&d, 0), 0);
	assert_int_equal(got->wgdevs.n, 1);
	assert_true(st_wgdev_equal(&got->wgdevs.v[0], &dev));
	assert_int_equal(got->wgpeers.n, PEERS);
	for (i = 0; i < PEERS; i++) {
		const struct st_wgpeer *g = NULL;

		for (j = 0; j < got->wgpeers.n; j++)
			if (!st_wgpeer_key_cmp(&got->wgpeers.v[j], &peers[i]))
				g = &got->wgpeers.v[j];
		assert_non_null(g);
		if (ops[i].kind == OP_DEL)
			assert_int_equal(g->n_allowed_ips, 0);
		else
			assert_true(st_wgpeer_equal(g, &peers[i]));
	}
	state_free(got);
}

static void too_small_buffers(void **unused)
{
	static const char *const ips[] = {"10.0.0.0/8"};
	struct prefix b[1];
	struct st_wgdev dev = {.ifname = "wg0"};
	struct st_wgpeer p = mk_peer(1, ips, 1, b);
	struct op op = {.kind = OP_ADD, .type = OBJ_WGPEER, .obj = &p};
	struct wg_genl_set s;
	uint8_t buf[256];

	(void)unused;
	wg_genl_set_init(&s, FAMILY, "wg0", NULL, &op, 1);
	assert_int_equal(next(&s, buf, 60), -EMSGSIZE);
	/* Room for the device but not the peer: the device goes alone, then the peer can't. */
	wg_genl_set_init(&s, FAMILY, "wg0", &dev, &op, 1);
	assert_int_equal(next(&s, buf, 90), 28 + 36 + 8);
	assert_int_equal(next(&s, buf, 90), -EMSGSIZE);
	/*
	 * The smallest room for the peer with its one IP: header and name 28, peers 4,
	 * peer 4 + key 36 + flags 8 + keepalive 8, allowed IPs 4 + one IPv4 28.
	 */
	wg_genl_set_init(&s, FAMILY, "wg0", NULL, &op, 1);
	assert_int_equal(next(&s, buf, 119), -EMSGSIZE);
	wg_genl_set_init(&s, FAMILY, "wg0", NULL, &op, 1);
	assert_int_equal(next(&s, buf, 120), 120);
	assert_int_equal(next(&s, buf, sizeof(buf)), 0);
}

/* ---- Dump decoding ------------------------------------------------------------------------ */

enum defect {
	D_NONE,
	D_PRIVKEY_SHORT,
	D_PORT_U32,
	D_NO_PUBKEY,
	D_ENDPOINT_FAMILY,
	D_ENDPOINT_SHORT,
	D_IP_FAMILY,
	D_IP_CIDR,
	D_IP_ADDR_LEN,
	D_IP_NO_CIDR,
	D_TRUNCATED,
	D_TRAILING,
	D_OTHER_IFNAME,
	D_PEER_TWICE,
	D_IP_TWICE,
	D_HANDSHAKE_LEN,
	D_COUNT,
};

/* Two messages as the kernel sends them, peer B continued in the second; with @defect. */
static size_t build_dump(struct tb *t, enum defect defect, size_t *second)
{
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(51820)};
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(7)};
	struct st_key priv = key_of(1), pub = key_of(2), a = key_of(3), b = key_of(4);
	int64_t ts[2] = {1700000000, 5};
	static const struct st_key zero;
	size_t peers, peer, ipn;

	memset(t, 0, sizeof(*t));
	sin6.sin6_addr.s6_addr[0] = 0x20;
	sin6.sin6_addr.s6_addr[15] = 9;
	sin.sin_addr.s_addr = htonl(0x0a000001);
	t_msg(t, NLM_F_MULTI, WG_CMD_GET_DEVICE);
	t_u32(t, WGDEVICE_A_IFINDEX, 4);
	t_attr(t, WGDEVICE_A_IFNAME, defect == D_OTHER_IFNAME ? "wg1" : "wg0", 4);
	t_attr(t, WGDEVICE_A_PRIVATE_KEY, priv.b, defect == D_PRIVKEY_SHORT ? 31 : 32);
	t_attr(t, WGDEVICE_A_PUBLIC_KEY, pub.b, 32);
	if (defect == D_PORT_U32)
		t_u32(t, WGDEVICE_A_LISTEN_PORT, 51820);
	else
		t_u16(t, WGDEVICE_A_LISTEN_PORT, 51820);
	t_u32(t, WGDEVICE_A_FWMARK, 0);
	t_u32(t, 200, 1); /* from a newer kernel: skipped */
	peers = t_nest(t, WGDEVICE_A_PEERS);
	peer = t_nest(t, 0);
	if (defect != D_NO_PUBKEY)
		t_attr(t, WGPEER_A_PUBLIC_KEY, a.b, 32);
	t_attr(t, WGPEER_A_PRESHARED_KEY, zero.b, 32);
	if (defect == D_ENDPOINT_FAMILY)
		sin6.sin6_family = AF_INET;
	t_attr(t, WGPEER_A_ENDPOINT, &sin6, defect == D_ENDPOINT_SHORT ? 1 : sizeof(sin6));
	t_u16(t, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 25);
	t_attr(t, WGPEER_A_LAST_HANDSHAKE_TIME, ts, defect == D_HANDSHAKE_LEN ? 8 : 16);
	t_u64(t, WGPEER_A_RX_BYTES, 1000);
	t_u64(t, WGPEER_A_TX_BYTES, 2000);
	t_u32(t, WGPEER_A_PROTOCOL_VERSION, 1);
	t_u32(t, 50, 0); /* unknown: skipped */
	ipn = t_nest(t, WGPEER_A_ALLOWEDIPS);
	t_ip(t, "10.1.0.0/16");
	if (defect == D_IP_TWICE)
		t_ip(t, "10.1.0.0/16");
	{
		size_t n = t_nest(t, 0);
		uint8_t v4[5] = {10, 2, 0, 0, 0};

		t_u16(t, WGALLOWEDIP_A_FAMILY, defect == D_IP_FAMILY ? 7 : AF_INET);
		t_attr(t, WGALLOWEDIP_A_IPADDR, v4, defect == D_IP_ADDR_LEN ? 5 : 4);
		if (defect != D_IP_NO_CIDR)
			t_u8(t, WGALLOWEDIP_A_CIDR_MASK, defect == D_IP_CIDR ? 33 : 16);
		t_nest_end(t, n);
	}
	t_nest_end(t, ipn);
	t_nest_end(t, peer);
	peer = t_nest(t, 0);
	t_attr(t, WGPEER_A_PUBLIC_KEY, b.b, 32);
	t_attr(t, WGPEER_A_ENDPOINT, &sin, sizeof(sin));
	ipn = t_nest(t, WGPEER_A_ALLOWEDIPS);
	t_ip(t, "fd00::/64");
	t_nest_end(t, ipn);
	t_nest_end(t, peer);
	if (defect == D_TRAILING)
		t->len += 4, t->b[t->len - 4] = 2; /* three bytes of nothing, one of a length */
	t_nest_end(t, peers);
	t_msg_end(t);

	*second = t->len;
	t_msg(t, NLM_F_MULTI, WG_CMD_GET_DEVICE);
	t_attr(t, WGDEVICE_A_IFNAME, "wg0", 4);
	peers = t_nest(t, WGDEVICE_A_PEERS);
	peer = t_nest(t, 0);
	t_attr(t, WGPEER_A_PUBLIC_KEY, b.b, 32);
	ipn = t_nest(t, WGPEER_A_ALLOWEDIPS);
	t_ip(t, "192.168.0.0/24");
	t_nest_end(t, ipn);
	t_nest_end(t, peer);
	if (defect == D_PEER_TWICE) {
		peer = t_nest(t, 0);
		t_attr(t, WGPEER_A_PUBLIC_KEY, a.b, 32);
		t_nest_end(t, peer);
	}
	t_nest_end(t, peers);
	if (defect == D_TRUNCATED) {
		uint16_t big = 200;

		memcpy(t->b + peers, &big, 2);
	}
	t_msg_end(t);
	return t->len;
}

static int run_dump(struct tb *t, size_t second, struct state *s)
{
	struct wg_genl_dump d;
	int err;

	wg_genl_dump_init(&d, "wg0", s, NULL, 0);
	err = wg_genl_dump_msg((struct nlmsghdr *)t->b, &d);
	if (!err)
		err = wg_genl_dump_msg((struct nlmsghdr *)(t->b + second), &d);
	return wg_genl_dump_end(&d, err);
}

static void decodes_dump(void **unused)
{
	static struct tb t;
	struct state *s = state_new();
	const struct st_wgpeer *a, *b;
	struct prefix p;
	size_t second;

	(void)unused;
	build_dump(&t, D_NONE, &second);
	assert_int_equal(run_dump(&t, second, s), 0);
	assert_int_equal(s->wgdevs.n, 1);
	assert_true(s->wgdevs.v[0].has_private_key);
	assert_memory_equal(s->wgdevs.v[0].private_key.b, key_of(1).b, 32);
	assert_int_equal(s->wgdevs.v[0].listen_port, 51820);
	assert_int_equal(s->wgpeers.n, 2);
	state_sort(s);
	a = &s->wgpeers.v[0];
	b = &s->wgpeers.v[1];
	assert_memory_equal(a->public_key.b, key_of(3).b, 32);
	assert_false(a->has_preshared_key);
	assert_int_equal(a->endpoint.family, FAMILY_V6);
	assert_int_equal(a->endpoint.port, 51820);
	assert_int_equal(a->endpoint.addr[0], 0x20);
	assert_int_equal(a->endpoint.addr[15], 9);
	assert_int_equal(a->keepalive, 25);
	assert_int_equal(a->last_handshake_sec, 1700000000);
	assert_int_equal(a->rx_bytes, 1000);
	assert_int_equal(a->tx_bytes, 2000);
	assert_int_equal(a->n_allowed_ips, 2);
	assert_null(prefix_parse("10.1.0.0/16", &p, NULL));
	assert_true(prefix_equal(&a->allowed_ips[0], &p));
	/* Peer B came in two messages: one peer, both allowed IPs. */
	assert_int_equal(b->endpoint.family, FAMILY_V4);
	assert_int_equal(b->endpoint.port, 7);
	assert_int_equal(b->n_allowed_ips, 2);
	assert_null(prefix_parse("192.168.0.0/24", &p, NULL));
	assert_true(prefix_equal(&b->allowed_ips[0], &p));
	state_free(s);
}

static void rejects_malformed_dumps(void **unused)
{
	static struct tb t;
	struct state *s = state_new();
	size_t second;
	int d;

	(void)unused;
	for (d = D_NONE + 1; d < D_COUNT; d++) {
		int err;

		build_dump(&t, (enum defect)d, &second);
		err = run_dump(&t, second, s);
		if (err != -EBADMSG)
			fail_msg("defect %d: got %d, want -EBADMSG", d, err);
		assert_int_equal(s->wgdevs.n, 0);
		assert_int_equal(s->wgpeers.n, 0);
	}
	/* An answer without any message has no device. */
	{
		struct wg_genl_dump dump;

		wg_genl_dump_init(&dump, "wg0", s, NULL, 0);
		assert_int_equal(wg_genl_dump_end(&dump, 0), -EBADMSG);
	}
	state_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(remove_peer_literal),
	    cmocka_unit_test(get_request_literal),
	    cmocka_unit_test(set_bytes),
	    cmocka_unit_test(splits_long_lists),
	    cmocka_unit_test(too_small_buffers),
	    cmocka_unit_test(decodes_dump),
	    cmocka_unit_test(rejects_malformed_dumps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
