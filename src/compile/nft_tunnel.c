// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A full tunnel's nftables table, as wg-quick loads it (its add_default) for
 * each family with a default route through the tunnel:
 *
 * - a packet for one of the tunnel's addresses that arrives by another
 *   interface, from a source that is not local, is dropped: nobody on a LAN
 *   reaches the tunnel's address by routing through this host;
 * - the tunnel's own UDP flows keep its fwmark in conntrack, and the peer's
 *   replies get it back in prerouting: the reverse-path check (rp_filter,
 *   with src_valid_mark) then looks them up as the tunnel's own packets, in
 *   the main table, and not in the tunnel's table, whose default route points
 *   into the tunnel and would fail the check.
 *
 * One difference: wg-quick gives every UDP packet its flow's conntrack mark;
 * here only the tunnel's own flows get theirs back. Policies keep their marks
 * in conntrack too (compile/nft.c), and a reply given a policy's mark would
 * be routed back into the policy's tunnel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "compile/nft.h"

static const char *nfproto(unsigned fams)
{
	if (fams == (FAM_V4 | FAM_V6))
		return "";
	return fams & FAM_V4 ? "meta nfproto ipv4 " : "meta nfproto ipv6 ";
}

/* wg-quick's preraw, for the addresses of the families with a default route. */
static uint32_t anti_spoof(FILE *f, const struct conf_iface *iface, unsigned fams)
{
	uint32_t rules = 0;

	vec_foreach(lp, &iface->addresses) {
		struct prefix host = lp->p;
		char buf[PREFIX_STRLEN];

		if (!(fams & fam_bit_of(host.family)))
			continue;
		if (!rules++)
			fprintf(f, "\tchain preraw {\n"
				   "\t\ttype filter hook prerouting priority raw; policy accept;\n");
		host.len = (uint8_t)prefix_max_len(host.family);
		fprintf(f, "\t\tiifname != \"%s\" %s daddr %s fib saddr type != local drop\n",
			iface->name, host.family == FAMILY_V4 ? "ip" : "ip6",
			prefix_format(&host, buf, false));
	}
	if (rules)
		fprintf(f, "\t}\n");
	return rules;
}

/* wg-quick's premangle and postmangle: the fwmark saved to conntrack and restored. */
static uint32_t mark_keeping(FILE *f, uint32_t fwmark, unsigned fams)
{
	fprintf(f,
		"\tchain premangle {\n"
		"\t\ttype filter hook prerouting priority mangle; policy accept;\n"
		"\t\t%smeta l4proto udp ct mark 0x%x meta mark set ct mark\n"
		"\t}\n"
		"\tchain postmangle {\n"
		"\t\ttype filter hook postrouting priority mangle; policy accept;\n"
		"\t\t%smeta l4proto udp meta mark 0x%x ct mark set meta mark\n"
		"\t}\n",
		nfproto(fams), fwmark, nfproto(fams), fwmark);
	return 2;
}

struct full_tunnel {
	const struct conf_iface *iface;
	uint32_t fwmark;
	unsigned fams;
};

static uint32_t full_tunnel_body(struct compile_ctx *ctx, FILE *f, const void *arg)
{
	const struct full_tunnel *t = arg;

	(void)ctx;
	return anti_spoof(f, t->iface, t->fams) + mark_keeping(f, t->fwmark, t->fams);
}

void compile_full_tunnel_nft(struct compile_ctx *ctx, const struct conf_iface *iface,
			     uint32_t fwmark, const struct prefix *defaults, size_t n)
{
	struct full_tunnel t = { iface, fwmark, 0 };
	char name[ST_NFT_NAMSIZ];
	size_t i;

	for (i = 0; i < n; i++)
		t.fams |= fam_bit_of(defaults[i].family);
	st_nft_name(name, iface->name);
	emit_nft_written(ctx, name, iface->name, full_tunnel_body, &t);
}
