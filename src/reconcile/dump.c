// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
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

static bool link_owned(const struct state *live, const char *ifname)
{
	vec_foreach(l, &live->links)
		if (!strcmp(l->name, ifname))
			return l->owned;
	return false;
}

/* Addresses of links wgpolicy does not own are none of its business. */
static void keep_owned_addrs(struct state *live)
{
	size_t i, kept = 0;

	for (i = 0; i < live->addrs.n; i++)
		if (link_owned(live, live->addrs.v[i].ifname))
			live->addrs.v[kept++] = live->addrs.v[i];
	live->addrs.n = kept;
}

static bool any(unsigned kinds, enum obj_type a, enum obj_type b)
{
	return kinds & (OBJ_BIT(a) | OBJ_BIT(b));
}

int reconcile_dump_kinds(struct reconcile *r, struct state *live, unsigned kinds)
{
	size_t i, n;
	int err = kernel_dump(r->nl, live, kinds);

	if (err)
		return err;
	keep_owned_addrs(live);
	/* wg_dump appends to live->links' neighbours only, never to links: index is stable. */
	n = any(kinds, OBJ_WGDEV, OBJ_WGPEER) ? live->links.n : 0;
	for (i = 0; i < n; i++) {
		const struct st_link *l = &live->links.v[i];

		if (!l->owned)
			continue;
		err = wg_dump(l->name, l->backend, live);
		if (err)
			return err;
	}
	if (n && (err = saved_endpoints_load(live)))
		return err;
	if (kinds & OBJ_BIT(OBJ_NFT))
		err = nft_dump(live);
	if (!err && any(kinds, OBJ_SYSCTL, OBJ_DNS))
		err = saved_load(live);
	if (!err)
		state_sort(live);
	return err;
}

int reconcile_dump(struct reconcile *r, struct state *live)
{
	return reconcile_dump_kinds(r, live, OBJ_ALL);
}
