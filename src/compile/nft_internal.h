/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_COMPILE_NFT_INTERNAL_H
#define WGP_COMPILE_NFT_INTERNAL_H

/* Shared by compile/nft.c (the table) and compile/nft_sets.c (address matches). */

#include <stdio.h>

#include "compile/compile_internal.h"

struct pol_info;

/* A replay of the RPDB's first match in one hook (compile/nft.c). */
struct replay {
	bool (*takes)(const struct pol_info *pi); /* its packets jump to chain NAME<index> */
	bool (*passes)(const struct pol_info *pi); /* its packets pass the hook; NULL: all */
	const char *chain; /* NAME */
};

struct out {
	struct compile_ctx *ctx;
	const struct replay *replay; /* the replay being written */
	FILE *set_decls; /* where named sets are declared */
	uint32_t rules, sets, elements;
	VEC(uint32_t) declared; /* named sets written, by policy index and kind */
};

/*
 * The ways a selector's prefixes of one family are looked up, one rule each:
 * as intervals, inline or in one set (n = 1, len[0] = ADDR_ANY_LEN), or one
 * hash per prefix length when they have few lengths (len[i] each; inline,
 * only when they have one).
 */
#define ADDR_ANY_LEN 255
#define HASH_LENGTHS_MAX 4
struct addr_ways {
	uint8_t len[HASH_LENGTHS_MAX];
	unsigned n;
};

void addr_ways(const struct conf *c, const struct addr_sel *v, size_t n, uint8_t fam,
	       struct addr_ways *out);
/*
 * " ip saddr { ... }", " ip saddr @p0_saddr4" (intervals) or
 * " ip saddr & 255.255.255.0 { ... }" and " ip saddr & 255.255.255.0
 * @p0_saddr4_24" (a hash of the /24s), for the way of length @len; the
 * named set is declared into @sets once.
 */
void addr_match(struct out *o, FILE *rule, FILE *sets, const struct conf_policy *p,
		const struct addr_sel *v, size_t n, uint8_t fam, const char *dir, uint8_t len);

/* Is a policy among @pols[i..n) one that o->replay takes, in its hook? */
bool replay_needs(const struct out *o, const struct pol_info *pols, size_t i, size_t n);
/* @pi's place in o->replay, in priority order: its match, to its chain or let pass. */
void replay_policy(struct out *o, FILE *chain, const struct pol_info *pi);
/* The hooks a policy's packets pass: prerouting (forwarded), output (sent by this host). */
bool pol_forwarded(const struct pol_info *pi);
bool pol_sent(const struct pol_info *pi);
/*
 * DNS = ...: the redirect of the policies' DNS queries (compile/nft_dns.c),
 * base chains into @in (prerouting) and @out (output), the policies' own
 * chains into @chains.
 */
void compile_dns(struct out *o, FILE *in, FILE *out, FILE *chains, const struct pol_info *pols,
		 size_t n);

#endif
