// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TCP MSS clamping on the tunnels policies use, where only the tunnels'
 * packets pass: an egress hook on each tunnel device, in the table netdev
 * wgpolicy. Packets that leave by other interfaces, most of what a router
 * forwards, pay nothing; a postrouting hook costs every forwarded packet
 * about 120 ns here, 4% of a minimum packet's path (bench/README.md).
 * An egress hook cannot read the route (`rt mtu`): the clamp is the tunnel's
 * MTU less the IP and TCP headers. A kernel without egress hooks (before
 * 5.16) gets the clamp in the inet table's postrouting, by the route's MTU.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "compile/nft.h"

#define IPV4_TCP_HEADERS 40
#define IPV6_TCP_HEADERS 60

bool pol_clamped(const struct pol_info *pi)
{
	return pi->mssclamp && pi->tunnels;
}

/* The tunnels clamped policies use, each once, in the policies' order; their count. */
static size_t clamped_tunnels(const struct pol_info *pols, size_t n, const struct conf_iface **v)
{
	size_t i, j, k = 0;

	for (i = 0; i < n; i++) {
		if (!pol_clamped(&pols[i]))
			continue;
		vec_foreach(t, &pols[i].p->via) {
			for (j = 0; t->iface && j < k && v[j] != t->iface; j++)
				;
			if (t->iface && j == k)
				v[k++] = t->iface;
		}
	}
	return k;
}

static void inet_rule(FILE *chain, const struct conf_iface **v, size_t k)
{
	size_t i;

	fprintf(chain, "\t\toifname { ");
	for (i = 0; i < k; i++)
		fprintf(chain, "%s\"%s\"", i ? ", " : "", v[i]->name);
	fprintf(chain, " } tcp flags & (syn | rst) == syn tcp option maxseg size set rt mtu\n");
}

static void egress_chain(struct compile_ctx *ctx, FILE *f, size_t i, const struct conf_iface *iface)
{
	static const struct { const char *proto; uint32_t headers; } fams[] = {
		{ "ip", IPV4_TCP_HEADERS }, { "ip6", IPV6_TCP_HEADERS } };
	uint32_t mtu = compile_mtu(ctx, iface);
	size_t j;

	fprintf(f, "\tchain mss%zu {\n\t\ttype filter hook egress device \"%s\" priority filter; "
		   "policy accept;\n", i, iface->name);
	for (j = 0; j < 2; j++) {
		uint32_t mss = mtu > fams[j].headers ? mtu - fams[j].headers : 0;

		fprintf(f, "\t\tmeta protocol %s tcp flags & (syn | rst) == syn "
			   "tcp option maxseg size > %u tcp option maxseg size set %u\n",
			fams[j].proto, mss, mss);
	}
	fprintf(f, "\t}\n");
}

struct tunnels {
	const struct conf_iface **v;
	size_t n;
};

static uint32_t egress_chains(struct compile_ctx *ctx, FILE *f, const void *arg)
{
	const struct tunnels *t = arg;
	size_t i;

	for (i = 0; i < t->n; i++)
		egress_chain(ctx, f, i, t->v[i]);
	return (uint32_t)(2 * t->n);
}

uint32_t compile_mss(struct compile_ctx *ctx, const struct pol_info *pols, size_t n,
		     FILE *inet_chain)
{
	const struct conf_iface **v =
		arena_alloc(&ctx->out->arena, sizeof(*v) * (ctx->c->ifaces.n + 1));
	size_t k;

	if (!v) {
		ctx->err = -ENOMEM;
		return 0;
	}
	k = clamped_tunnels(pols, n, v);
	if (!k)
		return 0;
	if (ctx->f->nft_egress) {
		struct tunnels t = { v, k };

		emit_nft_written(ctx, NFT_NETDEV_TABLE, NULL, egress_chains, &t);
		return 0;
	}
	inet_rule(inet_chain, v, k);
	return 1;
}
