/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_COMPILE_NFT_H
#define WGP_COMPILE_NFT_H

#include <stdio.h>

#include "compile/compile_internal.h"

/* What compile_policies decided per policy, for the nftables side. */
struct pol_info {
	const struct conf_policy *p;
	unsigned fams;
	uint32_t prio;
	uint32_t mark; /* nonzero: selected by nftables, then one fwmark rule */
	const struct target *active; /* the target now in use; NULL when every one is down */
	bool killswitch, mssclamp;
	bool guard; /* KillSwitch = yes: the leak guard too */
	bool tunnels; /* some target is a tunnel */
	bool to_in_rules; /* Via = direct: destinations are matched by the rules */
};

/*
 * Render the inet wgpolicy table for @pols (sorted by priority): marking of
 * the policies that need it, masquerade where a mark re-routes local traffic,
 * and the leak guard; and MSS clamping on the tunnels policies use. Emits
 * nothing when no policy needs any of it.
 */
void compile_nft(struct compile_ctx *ctx, const struct pol_info *pols, size_t n);
/* Does @pi's traffic get its TCP MSS clamped (MSSClamp, a tunnel among its targets)? */
bool pol_clamped(const struct pol_info *pi);
/*
 * MSS clamping of the tunnels of @pols (compile/nft_mss.c): rules into
 * @guard_chain, the leak guard's, when there is one; else the table netdev
 * wgpolicy, or where the kernel has no egress hook, a rule into @inet_chain.
 * Returns the rules written into the inet table.
 */
uint32_t compile_mss(struct compile_ctx *ctx, const struct pol_info *pols, size_t n,
		     FILE *guard_chain, FILE *inet_chain);
/* Emit the table @name (in the state's arena: @body, @rules rules); NULL when out of memory. */
struct st_nft *emit_nft_named(struct compile_ctx *ctx, const char *name, const char *ifname,
			      const char *body, uint32_t rules);
/* Emit the table @name with the body @write writes for @arg; it returns the rules written. */
typedef uint32_t (*nft_writer)(struct compile_ctx *ctx, FILE *f, const void *arg);
void emit_nft_written(struct compile_ctx *ctx, const char *name, const char *ifname,
		      nft_writer write, const void *arg);
/* Move each peer-targeted policy's destinations to its active peer's AllowedIPs. */
void compile_peer_failover(struct compile_ctx *ctx, const struct pol_info *pols, size_t n);

#endif
