/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_COMPILE_NFT_H
#define WGP_COMPILE_NFT_H

#include "compile/compile_internal.h"

/* What compile_policies decided per policy, for the nftables side. */
struct pol_info {
	const struct conf_policy *p;
	unsigned fams;
	uint32_t prio;
	uint32_t mark; /* nonzero: selected by nftables, then one fwmark rule */
	const struct target *active; /* the target now in use; NULL when every one is down */
	bool killswitch, mssclamp;
	bool tunnels; /* some target is a tunnel */
	bool to_in_rules; /* Via = direct: destinations are matched by the rules */
};

/*
 * Render the inet wgpolicy table for @pols (sorted by priority): marking of
 * the policies that need it, masquerade where a mark re-routes local traffic,
 * MSS clamping on the tunnels policies use, and the leak guard. Emits nothing
 * when no policy needs any of it.
 */
void compile_nft(struct compile_ctx *ctx, const struct pol_info *pols, size_t n);
/*
 * Emit the table of @ifname's full tunnel (NULL: the policies' table) with
 * @body (in the state's arena) holding @rules rules; NULL when out of memory.
 */
struct st_nft *emit_nft_table(struct compile_ctx *ctx, const char *ifname, const char *body,
			      uint32_t rules);
/* Move each peer-targeted policy's destinations to its active peer's AllowedIPs. */
void compile_peer_failover(struct compile_ctx *ctx, const struct pol_info *pols, size_t n);

#endif
