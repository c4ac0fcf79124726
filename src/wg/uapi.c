// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The UAPI protocol of userspace WireGuard (wireguard-go and friends): the
 * text codec, pure (the socket exchange is uapi_io.c), here its answers
 * (uapi_encode.c writes the requests). wireguard-tools' ipc-uapi.h speaks the
 * same protocol.
 */
#include "wg/uapi.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wg/internal.h"

/* ---- Decoding ---------------------------------------------------------------------------- */

/* The longest value of a key we know (an IPv6 endpoint with a zone is the longest). */
#define VALUE_MAX 128

struct get_parser {
	const char *ifname;
	struct state *live;
	size_t dev;   /* index in live->wgdevs */
	size_t peer0; /* first index in live->wgpeers of this device's peers */
	bool in_peer; /* a public_key was seen: peer keys apply to the last peer */
	bool seen_errno;
	int error;	   /* from errno=N */
	int64_t hs_nsec;   /* validated, unused: the model keeps whole seconds */
	struct wg_ips ips; /* the current peer's allowed IPs, until the peer ends */
};

static const char oom[] = "out of memory";

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

/* Each hex digit's value plus one; 0: not a hex digit. */
/* clang-format off */
static const uint8_t hex_plus1[256] = {
	['0'] = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	['a'] = 11, 12, 13, 14, 15, 16,
	['A'] = 11, 12, 13, 14, 15, 16,
};
/* clang-format on */

static bool parse_key(const char *s, struct st_key *k)
{
	size_t i;

	if (strlen(s) != 2 * ST_KEY_LEN)
		return false;
	for (i = 0; i < ST_KEY_LEN; i++) {
		unsigned hi = hex_plus1[(unsigned char)s[2 * i]];
		unsigned lo = hex_plus1[(unsigned char)s[2 * i + 1]];

		if (!hi || !lo)
			return false;
		k->b[i] = (uint8_t)((hi - 1) << 4 | (lo - 1));
	}
	return true;
}

static bool key_is_zero(const struct st_key *k)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < ST_KEY_LEN; i++)
		acc |= k->b[i];
	return !acc;
}

/* "1.2.3.4:51820" or "[2001:db8::1]:51820"; a zone ("%eth0") is dropped, the model has none. */
static bool parse_endpoint(char *s, struct st_endpoint *e)
{
	char *host = s, *port;
	uint64_t p;

	memset(e, 0, sizeof(*e));
	if (*s == '[') {
		char *end = strchr(s, ']'), *zone;

		if (!end || end[1] != ':')
			return false;
		*end = '\0';
		host = s + 1;
		port = end + 2;
		zone = strchr(host, '%');
		if (zone) {
			if (!zone[1])
				return false;
			*zone = '\0';
		}
		if (inet_pton(AF_INET6, host, e->addr) != 1)
			return false;
		e->family = FAMILY_V6;
	} else {
		port = strrchr(s, ':');
		if (!port)
			return false;
		*port++ = '\0';
		if (inet_pton(AF_INET, host, e->addr) != 1)
			return false;
		e->family = FAMILY_V4;
	}
	if (!parse_u64(port, 65535, &p))
		return false;
	e->port = (uint16_t)p;
	return true;
}

static struct st_wgdev *cur_dev(struct get_parser *g)
{
	return &g->live->wgdevs.v[g->dev];
}

static struct st_wgpeer *cur_peer(struct get_parser *g)
{
	return &g->live->wgpeers.v[g->live->wgpeers.n - 1];
}

/* The current peer is complete: its allowed IPs move into the state's arena, sorted. */
static const char *end_peer(struct get_parser *g)
{
	int err;

	if (!g->in_peer)
		return NULL;
	err = wg_ips_take(&g->ips, g->live, cur_peer(g));
	if (err == -EEXIST)
		return "allowed_ip listed twice for one peer";
	return err ? oom : NULL;
}

static const char *on_private_key(struct get_parser *g, char *v)
{
	struct st_wgdev *d = cur_dev(g);

	if (!parse_key(v, &d->private_key))
		return "private_key is not 64 hex digits";
	d->has_private_key = !key_is_zero(&d->private_key);
	return NULL;
}

static const char *on_listen_port(struct get_parser *g, char *v)
{
	uint64_t n;

	if (!parse_u64(v, 65535, &n))
		return "listen_port is not a number from 0 to 65535";
	cur_dev(g)->listen_port = (uint16_t)n;
	cur_dev(g)->has_listen_port = true;
	return NULL;
}

static const char *on_fwmark(struct get_parser *g, char *v)
{
	uint64_t n;

	if (!parse_u64(v, UINT32_MAX, &n))
		return "fwmark is not a number from 0 to 4294967295";
	cur_dev(g)->fwmark = (uint32_t)n;
	return NULL;
}

static const char *on_public_key(struct get_parser *g, char *v)
{
	struct st_wgpeer *p;
	const char *err = end_peer(g);

	if (err)
		return err;
	p = vec_push(&g->live->arena, &g->live->wgpeers);
	if (!p)
		return oom;
	g->in_peer = true;
	memcpy(p->ifname, g->ifname, strlen(g->ifname) + 1); /* its length checked up front */
	if (!parse_key(v, &p->public_key))
		return "public_key is not 64 hex digits";
	return NULL;
}

static const char *on_preshared_key(struct get_parser *g, char *v)
{
	static const char none[2 * ST_KEY_LEN + 1] =
	    "0000000000000000000000000000000000000000000000000000000000000000";
	struct st_wgpeer *p = cur_peer(g);

	/* What wireguard-go says of every peer without one: no need to decode it. */
	if (!strcmp(v, none)) {
		memset(&p->preshared_key, 0, sizeof(p->preshared_key));
		p->has_preshared_key = false;
		return NULL;
	}
	if (!parse_key(v, &p->preshared_key))
		return "preshared_key is not 64 hex digits";
	p->has_preshared_key = !key_is_zero(&p->preshared_key);
	return NULL;
}

static const char *on_endpoint(struct get_parser *g, char *v)
{
	if (!parse_endpoint(v, &cur_peer(g)->endpoint))
		return "endpoint is not ADDRESS:PORT or [ADDRESS]:PORT";
	return NULL;
}

static const char *on_keepalive(struct get_parser *g, char *v)
{
	uint64_t n;

	if (!parse_u64(v, 65535, &n))
		return "persistent_keepalive_interval is not a number from 0 to 65535";
	cur_peer(g)->keepalive = (uint16_t)n;
	return NULL;
}

static const char *on_allowed_ip(struct get_parser *g, char *v)
{
	struct prefix p;
	bool had_len;

	if (prefix_parse(v, &p, &had_len) || !had_len)
		return "allowed_ip is not ADDRESS/LENGTH";
	if (wg_ips_push(&g->ips, &p))
		return oom;
	return NULL;
}

static const char *on_handshake_sec(struct get_parser *g, char *v)
{
	uint64_t n;

	if (!parse_u64(v, INT64_MAX, &n))
		return "last_handshake_time_sec is not a number";
	cur_peer(g)->last_handshake_sec = (int64_t)n;
	return NULL;
}

static const char *on_handshake_nsec(struct get_parser *g, char *v)
{
	uint64_t n;

	if (!parse_u64(v, 999999999, &n))
		return "last_handshake_time_nsec is not a number from 0 to 999999999";
	g->hs_nsec = (int64_t)n;
	return NULL;
}

static const char *on_rx_bytes(struct get_parser *g, char *v)
{
	if (!parse_u64(v, UINT64_MAX, &cur_peer(g)->rx_bytes))
		return "rx_bytes is not a number";
	return NULL;
}

static const char *on_tx_bytes(struct get_parser *g, char *v)
{
	if (!parse_u64(v, UINT64_MAX, &cur_peer(g)->tx_bytes))
		return "tx_bytes is not a number";
	return NULL;
}

static const char *on_protocol_version(struct get_parser *g, char *v)
{
	uint64_t n;

	(void)g;
	if (!parse_u64(v, UINT32_MAX, &n))
		return "protocol_version is not a number";
	return NULL;
}

/* errno=N: wireguard-go writes it negative ("errno=-22"), the protocol text positive. */
static const char *on_errno(struct get_parser *g, char *v)
{
	uint64_t n;

	if (!parse_u64(v + (*v == '-'), 4095, &n))
		return "errno is not a number";
	g->error = -(int)n;
	g->seen_errno = true;
	return NULL;
}

enum key_scope { SCOPE_DEVICE, SCOPE_PEER, SCOPE_ANY };

/* Every line of an answer is looked up here: lengths first, no strlen per line and key. */
#define GET_KEY(k, scope, fn)                                                                      \
	{                                                                                          \
		k, sizeof(k) - 1, scope, fn, false                                                 \
	}
/* A key whose value is wiped from the stack after use. */
#define GET_SECRET(k, scope, fn)                                                                   \
	{                                                                                          \
		k, sizeof(k) - 1, scope, fn, true                                                  \
	}

static const struct {
	const char *key;
	size_t len;
	enum key_scope scope;
	const char *(*fn)(struct get_parser *g, char *value);
	bool secret;
} get_keys[] = {
    GET_SECRET("private_key", SCOPE_DEVICE, on_private_key),
    GET_KEY("listen_port", SCOPE_DEVICE, on_listen_port),
    GET_KEY("fwmark", SCOPE_DEVICE, on_fwmark),
    GET_KEY("public_key", SCOPE_ANY, on_public_key),
    GET_SECRET("preshared_key", SCOPE_PEER, on_preshared_key),
    GET_KEY("endpoint", SCOPE_PEER, on_endpoint),
    GET_KEY("persistent_keepalive_interval", SCOPE_PEER, on_keepalive),
    GET_KEY("allowed_ip", SCOPE_PEER, on_allowed_ip),
    GET_KEY("last_handshake_time_sec", SCOPE_PEER, on_handshake_sec),
    GET_KEY("last_handshake_time_nsec", SCOPE_PEER, on_handshake_nsec),
    GET_KEY("rx_bytes", SCOPE_PEER, on_rx_bytes),
    GET_KEY("tx_bytes", SCOPE_PEER, on_tx_bytes),
    GET_KEY("protocol_version", SCOPE_PEER, on_protocol_version),
    GET_KEY("errno", SCOPE_ANY, on_errno),
};

/* One "key=value" line (without its newline). */
static const char *get_line(struct get_parser *g, const char *line, size_t len)
{
	const char *eq = memchr(line, '=', len);
	char value[VALUE_MAX + 1];
	const char *err = NULL;
	size_t klen, vlen, i;

	if (!eq || eq == line)
		return "not a key=value line";
	if (memchr(line, '\0', len))
		return "NUL byte in the line";
	if (g->seen_errno)
		return "a line after errno";
	klen = (size_t)(eq - line);
	vlen = len - klen - 1;
	for (i = 0; i < sizeof(get_keys) / sizeof(*get_keys); i++)
		if (get_keys[i].len == klen && !memcmp(get_keys[i].key, line, klen))
			break;
	if (i == sizeof(get_keys) / sizeof(*get_keys))
		return NULL; /* unknown keys are for newer implementations: ignored */
	if (get_keys[i].scope == SCOPE_DEVICE && g->in_peer)
		return "a device key after the first peer";
	if (get_keys[i].scope == SCOPE_PEER && !g->in_peer)
		return "a peer key before any public_key";
	if (vlen > VALUE_MAX)
		return "value too long";
	memcpy(value, eq + 1, vlen);
	value[vlen] = '\0';
	err = get_keys[i].fn(g, value);
	if (get_keys[i].secret)
		explicit_bzero(value, vlen + 1);
	return err;
}

/* How many peers the answer lists: a line for each begins with "public_key=". */
static size_t count_peers(const char *text, size_t len)
{
	static const char key[] = "\npublic_key=";
	const char *p = text, *end = text + len;
	size_t n = 0;

	while ((p = memmem(p, (size_t)(end - p), key, sizeof(key) - 1))) {
		n++;
		p += sizeof(key) - 1;
	}
	return n;
}

int wg_uapi_decode_get(const char *text, size_t len, const char *ifname, struct state *live,
		       char *errmsg, size_t errlen)
{
	struct get_parser g = {.ifname = ifname, .live = live};
	size_t n_dev = live->wgdevs.n, n_peer = live->wgpeers.n;
	const char *p = text, *end = text + len, *err = NULL;
	struct st_wgdev *d;
	unsigned lineno = 0;
	int ret = 0;

	if (strlen(ifname) >= ST_IFNAMSIZ)
		return -ENAMETOOLONG;
	/* Sized once: growing 10,000 peers by doubling copies them over and over. */
	if (vec_reserve(&live->arena, &live->wgpeers, n_peer + count_peers(text, len) + 1))
		return -ENOMEM;
	d = vec_push(&live->arena, &live->wgdevs);
	if (!d)
		return -ENOMEM;
	snprintf(d->ifname, sizeof(d->ifname), "%s", ifname);
	g.dev = live->wgdevs.n - 1;
	g.peer0 = n_peer;

	while (!err) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		lineno++;
		if (!nl) {
			err =
			    p == end ? "the answer ends without a blank line" : "unterminated line";
			break;
		}
		if (nl == p) {
			if (nl + 1 != end)
				err = "data after the blank line ending the answer";
			break;
		}
		err = get_line(&g, p, (size_t)(nl - p));
		p = nl + 1;
	}
	if (!err)
		err = end_peer(&g);
	if (!err && !g.seen_errno)
		err = "no errno line";
	if (!err && !g.error)
		err = wg_peers_unique(live, g.peer0) ? NULL : "a peer is listed twice";
	if (err == oom)
		ret = -ENOMEM;
	else if (err)
		ret = -EPROTO;
	else
		ret = g.error;
	if (err && err != oom)
		wg_errf(errmsg, errlen, "%s: line %u: %s", ifname, lineno, err);
	else if (ret)
		wg_errf(errmsg, errlen, "%s: %s", ifname, strerror(-ret));
	if (ret) {
		live->wgdevs.n = n_dev;
		live->wgpeers.n = n_peer;
	}
	wg_ips_free(&g.ips);
	return ret;
}

int wg_uapi_decode_errno(const char *text, size_t len)
{
	char value[16];
	uint64_t n;
	size_t vlen;

	if (len < 9 || memcmp(text, "errno=", 6) || memcmp(text + len - 2, "\n\n", 2))
		return -EPROTO;
	vlen = len - 8;
	if (vlen >= sizeof(value) || memchr(text + 6, '\n', vlen))
		return -EPROTO;
	memcpy(value, text + 6, vlen);
	value[vlen] = '\0';
	if (!parse_u64(value + (*value == '-'), 4095, &n))
		return -EPROTO;
	return -(int)n;
}
