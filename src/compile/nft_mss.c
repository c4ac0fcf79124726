// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TCP MSS clamping on the tunnels policies use, where it costs least.
 * With the leak guard, whose postrouting hook every packet passes anyway,
 * the clamp is the guard's first rules: a packet that is no TCP SYN fails
 * their first test (the protocol's byte). Without it, an egress hook on
 * each tunnel device, in the table netdev wgpolicy: packets that leave by
 * other interfaces, most of what a router forwards, pay nothing, where a
 * postrouting hook costs every forwarded packet about 120 ns here, 4% of a
 * minimum packet's path; but the tunnel's own packets pay the egress hook
 * about 200 ns, where the guard's rules cost them under 20 (bench/README.md).
 * Either way the clamp is the tunnel's MTU less the IP and TCP headers (an
 * egress hook cannot read the route's). A kernel without egress hooks
 * (before 5.16) and without the guard gets the clamp in the inet table's
 * postrouting, by the route's MTU.
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

static const struct {
	const char *netdev, *inet; /* the family, as each table's rules name it */
	uint32_t headers;
} mss_fams[] = { { "ip", "ipv4", IPV4_TCP_HEADERS }, { "ip6", "ipv6", IPV6_TCP_HEADERS } };

static uint32_t tunnel_mss(struct compile_ctx *ctx, const struct conf_iface *iface, size_t fam)
{
	uint32_t mtu = compile_mtu(ctx, iface);

	return mtu > mss_fams[fam].headers ? mtu - mss_fams[fam].headers : 0;
}

static void egress_chain(struct compile_ctx *ctx, FILE *f, size_t i, const struct conf_iface *iface)
{
	size_t j;

	fprintf(f, "\tchain mss%zu {\n\t\ttype filter hook egress device \"%s\" priority filter; "
		   "policy accept;\n", i, iface->name);
	for (j = 0; j < 2; j++) {
		uint32_t mss = tunnel_mss(ctx, iface, j);

		fprintf(f, "\t\tmeta protocol %s tcp flags & (syn | rst) == syn "
			   "tcp option maxseg size > %u tcp option maxseg size set %u\n",
			mss_fams[j].netdev, mss, mss);
	}
	fprintf(f, "\t}\n");
}

/* The TCP test first: the protocol's byte, which nearly every packet fails. */
static uint32_t guard_rules(struct compile_ctx *ctx, FILE *f, const struct conf_iface **v, size_t k)
{
	size_t i, j;

	for (i = 0; i < k; i++)
		for (j = 0; j < 2; j++) {
			uint32_t mss = tunnel_mss(ctx, v[i], j);

			fprintf(f, "\t\ttcp flags & (syn | rst) == syn meta nfproto %s oifname \"%s\" "
				   "tcp option maxseg size > %u tcp option maxseg size set %u\n",
				mss_fams[j].inet, v[i]->name, mss, mss);
		}
	return (uint32_t)(2 * k);
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
		     FILE *guard_chain, FILE *inet_chain)
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
	if (guard_chain)
		return guard_rules(ctx, guard_chain, v, k);
	if (ctx->f->nft_egress) {
		struct tunnels t = { v, k };

		emit_nft_written(ctx, NFT_NETDEV_TABLE, NULL, egress_chains, &t);
		return 0;
	}
	inet_rule(inet_chain, v, k);
	return 1;
}
