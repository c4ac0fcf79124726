// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/nft.h"
#include "reconcile/reconcile.h"
#include "reconcile/saved.h"
#include "wg/wg.h"

int reconcile_open(struct reconcile *r, uint8_t protocol)
{
	memset(r, 0, sizeof(*r));
	r->protocol = protocol;
	r->nl = nl_open_route();
	return r->nl ? 0 : -errno;
}

void reconcile_close(struct reconcile *r)
{
	nl_close(r->nl);
	r->nl = NULL;
	reconcile_forget_marks(r);
}

/* Addresses of links wgpolicy does not own are none of its business. */
static void keep_owned_addrs(struct state *live)
{
	size_t i, kept = 0;

	for (i = 0; i < live->addrs.n; i++) {
		const struct st_link *l = state_link(live, live->addrs.v[i].ifname);

		if (l && l->owned)
			live->addrs.v[kept++] = live->addrs.v[i];
	}
	live->addrs.n = kept;
}

static bool any(unsigned kinds, enum obj_type a, enum obj_type b)
{
	return kinds & (OBJ_BIT(a) | OBJ_BIT(b));
}

/* The owned WireGuard devices' reads, asked for as soon as the links are known. */
struct wg_reads {
	struct wg_read *v;
	size_t n;
	int err;
};

static void start_wg_reads(void *ctx, const struct state *live)
{
	struct wg_reads *w = ctx;

	w->v = calloc(live->links.n ? live->links.n : 1, sizeof(*w->v));
	if (!w->v) {
		w->err = -ENOMEM;
		return;
	}
	vec_foreach(l, &live->links)
		if (l->owned)
			wg_read_start(&w->v[w->n++], l->name, l->backend);
}

/* Every answer taken, the first error returned; the rest are closed unread. */
static int finish_wg_reads(struct wg_reads *w, struct state *live, int err)
{
	size_t i;

	err = err ? err : w->err;
	for (i = 0; i < w->n; i++) {
		if (err)
			wg_read_cancel(&w->v[i]);
		else
			err = wg_read_finish(&w->v[i], live, NULL, 0);
	}
	free(w->v);
	return err;
}

/*
 * wireguard-go prepares a device's answer in its own process while the
 * routes, rules and nftables are read here: at 10,000 routes of 100 peers,
 * each half takes a few ms.
 */
static int dump_kinds(struct reconcile *r, struct state *live, unsigned kinds, uint8_t route_protocol)
{
	struct wg_reads wg = {0};
	bool read_wg = any(kinds, OBJ_WGDEV, OBJ_WGPEER);
	int err = kernel_dump_then(r->nl, live, kinds, route_protocol,
				   read_wg ? start_wg_reads : NULL, &wg);

	if (!err)
		keep_owned_addrs(live);
	if (!err && (kinds & OBJ_BIT(OBJ_NFT)))
		err = nft_dump(live);
	if (!err && any(kinds, OBJ_SYSCTL, OBJ_DNS))
		err = saved_load(live);
	err = finish_wg_reads(&wg, live, err);
	if (!err && read_wg)
		err = saved_endpoints_load(live);
	if (!err)
		state_sort(live);
	return err;
}

int reconcile_dump(struct reconcile *r, struct state *live)
{
	return dump_kinds(r, live, OBJ_ALL, 0);
}

int reconcile_read_back(struct reconcile *r, struct state *live, unsigned kinds)
{
	return dump_kinds(r, live, kinds, r->protocol);
}
