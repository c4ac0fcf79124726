// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The UAPI protocol of userspace WireGuard, the requests: a set of the
 * device and of the peers a plan changes, as text (uapi.c reads the answers).
 * Unlike `wg setconf` we never send replace_peers, so peers not named keep
 * their sessions.
 */
#include "wg/uapi.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wg/internal.h"

/* ---- Text buffer ------------------------------------------------------------------------- */

void wg_text_free(struct wg_text *t)
{
	if (t->p) {
		explicit_bzero(t->p, t->cap);
		free(t->p);
	}
	memset(t, 0, sizeof(*t));
}

/* Grow without realloc(): the old block may hold a private key and is wiped first. */
bool wg_text_reserve(struct wg_text *t, size_t more)
{
	size_t cap = t->cap ? t->cap : 256;
	char *p;

	if (t->oom || t->len + more < t->len)
		return (t->oom = true, false);
	if (t->len + more <= t->cap)
		return true;
	while (cap < t->len + more)
		cap *= 2;
	p = malloc(cap);
	if (!p)
		return (t->oom = true, false);
	if (t->p) {
		memcpy(p, t->p, t->len);
		explicit_bzero(t->p, t->cap);
		free(t->p);
	}
	t->p = p;
	t->cap = cap;
	return true;
}

static void text_append(struct wg_text *t, const void *data, size_t len)
{
	if (!wg_text_reserve(t, len + 1))
		return;
	memcpy(t->p + t->len, data, len);
	t->len += len;
	t->p[t->len] = '\0';
}

/* "key=value\n", without printf: a set of 10,000 peers is 40,000 lines. */
static void put_line(struct wg_text *t, const char *key, const char *value)
{
	size_t k = strlen(key), v = strlen(value);

	if (!wg_text_reserve(t, k + v + 3))
		return;
	memcpy(t->p + t->len, key, k);
	t->p[t->len + k] = '=';
	memcpy(t->p + t->len + k + 1, value, v);
	t->len += k + v + 2;
	t->p[t->len - 1] = '\n';
	t->p[t->len] = '\0';
}

static void put_number(struct wg_text *t, const char *key, uint32_t v)
{
	char digits[11];

	*decimal_put(digits, v) = '\0';
	put_line(t, key, digits);
}

/* ---- Encoding ---------------------------------------------------------------------------- */

static void put_key(struct wg_text *t, const char *name, const uint8_t key[ST_KEY_LEN])
{
	static const char hex[] = "0123456789abcdef";
	char line[16 + 2 * ST_KEY_LEN + 2];
	size_t n = strlen(name), i;

	memcpy(line, name, n);
	line[n++] = '=';
	for (i = 0; i < ST_KEY_LEN; i++) {
		line[n++] = hex[key[i] >> 4];
		line[n++] = hex[key[i] & 15];
	}
	line[n++] = '\n';
	text_append(t, line, n);
	explicit_bzero(line, sizeof(line));
}

static void put_endpoint(struct wg_text *t, const struct st_endpoint *e)
{
	char buf[ST_ENDPOINT_STRLEN];

	if (*st_endpoint_format(e, buf))
		put_line(t, "endpoint", buf);
}

static void put_peer(struct wg_text *t, enum op_kind kind, const struct st_wgpeer *p)
{
	static const struct st_key zero;
	const struct prefix *ips = st_wgpeer_ips_in_order(p);
	char a[PREFIX_STRLEN];
	uint32_t i;

	put_key(t, "public_key", p->public_key.b);
	if (kind == OP_DEL) {
		put_line(t, "remove", "true");
		return;
	}
	if (kind == OP_CHANGE)
		put_line(t, "update_only", "true");
	if (p->has_preshared_key)
		put_key(t, "preshared_key", p->preshared_key.b);
	else if (kind == OP_CHANGE)
		put_key(t, "preshared_key", zero.b);
	put_endpoint(t, &p->endpoint);
	put_number(t, "persistent_keepalive_interval", p->keepalive);
	put_line(t, "replace_allowed_ips", "true");
	for (i = 0; i < p->n_allowed_ips; i++)
		put_line(t, "allowed_ip", prefix_format(&ips[i], a, true));
}

int wg_uapi_encode_set(struct wg_text *t, const struct st_wgdev *dev, const struct op *ops,
		       size_t n)
{
	static const struct st_key zero;
	size_t i;

	for (i = 0; i < n; i++)
		if (ops[i].type != OBJ_WGPEER || ops[i].kind > OP_DEL || !ops[i].obj)
			return -EINVAL;
	put_line(t, "set", "1");
	if (dev) {
		if (!dev->keep_private_key)
			put_key(t, "private_key",
				dev->has_private_key ? dev->private_key.b : zero.b);
		if (dev->has_listen_port)
			put_number(t, "listen_port", dev->listen_port);
		put_number(t, "fwmark", dev->fwmark);
	}
	for (i = 0; i < n; i++)
		put_peer(t, ops[i].kind, ops[i].obj);
	text_append(t, "\n", 1);
	return t->oom ? -ENOMEM : 0;
}
