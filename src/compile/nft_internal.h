/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_COMPILE_NFT_INTERNAL_H
#define WGP_COMPILE_NFT_INTERNAL_H

/* Shared by compile/nft.c (the table) and compile/nft_sets.c (address matches). */

#include <stdio.h>

#include "compile/compile_internal.h"

struct out {
	struct compile_ctx *ctx;
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

#endif
