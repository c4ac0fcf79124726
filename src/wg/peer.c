// SPDX-License-Identifier: GPL-2.0-or-later
/* Building the live peers of a dump: what the UAPI and genl decoders share. Pure. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wg/internal.h"

int wg_ips_push(struct wg_ips *ips, const struct prefix *p)
{
	if (ips->n == ips->cap) {
		size_t cap = ips->cap ? 2 * ips->cap : 16;
		struct prefix *v = realloc(ips->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ips->v = v;
		ips->cap = cap;
	}
	ips->v[ips->n++] = prefix_network(p);
	return 0;
}

static int cmp_prefix(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

static bool ips_sorted(const struct prefix *v, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (prefix_cmp(&v[i - 1], &v[i]) >= 0)
			return false;
	return true;
}

/* The device's order is kept only where it is not the sorted one: a dump of many peers. */
static int keep_order(const struct wg_ips *ips, struct state *live, struct st_wgpeer *peer)
{
	struct prefix *order;

	if (ips_sorted(ips->v, ips->n))
		return 0;
	order = arena_alloc(&live->arena, ips->n * sizeof(*ips->v));
	if (!order)
		return -ENOMEM;
	memcpy(order, ips->v, ips->n * sizeof(*ips->v));
	peer->allowed_ips_order = order;
	return 0;
}

int wg_ips_take(struct wg_ips *ips, struct state *live, struct st_wgpeer *peer)
{
	size_t i, n = ips->n;
	int err;

	if (!n)
		return 0;
	err = keep_order(ips, live, peer);
	ips->n = 0;
	if (err)
		return err;
	qsort(ips->v, n, sizeof(*ips->v), cmp_prefix);
	for (i = 1; i < n; i++)
		if (!prefix_cmp(&ips->v[i - 1], &ips->v[i]))
			return -EEXIST;
	peer->allowed_ips = arena_alloc(&live->arena, n * sizeof(*ips->v));
	if (!peer->allowed_ips)
		return -ENOMEM;
	memcpy(peer->allowed_ips, ips->v, n * sizeof(*ips->v));
	peer->n_allowed_ips = (uint32_t)n;
	return 0;
}

void wg_ips_free(struct wg_ips *ips)
{
	free(ips->v);
	memset(ips, 0, sizeof(*ips));
}

/* One device's peers: the same ifname, so the key alone orders them as st_wgpeer_key_cmp. */
static int cmp_peer(const void *a, const void *b)
{
	const struct st_wgpeer *x = a, *y = b;

	return memcmp(x->public_key.b, y->public_key.b, ST_KEY_LEN);
}

bool wg_peers_unique(struct state *live, size_t from)
{
	size_t n = live->wgpeers.n - from, i;
	struct st_wgpeer *v;

	/* Not before: a device without peers has no vector yet, and NULL + 0 is undefined. */
	if (n < 2)
		return true;
	v = live->wgpeers.v + from;
	for (i = 0; i < n; i++)
		v[i].listed = (uint32_t)i;
	qsort(v, n, sizeof(*v), cmp_peer);
	for (i = 1; i < n; i++)
		if (!cmp_peer(&v[i - 1], &v[i]))
			return false;
	return true;
}
