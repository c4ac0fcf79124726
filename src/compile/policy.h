/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_COMPILE_POLICY_H
#define WGP_COMPILE_POLICY_H

#include "compile/compile_internal.h"

void compile_policies(struct compile_ctx *ctx);
/* Refuse priorities, tables and mark bits that other programs use already. */
void compile_coexist(struct compile_ctx *ctx);
/* Tunnels' own packets: a mark each, and one rule each before any policy (at @prio). */
void compile_tunnels(struct compile_ctx *ctx, uint32_t prio);
/*
 * The rules of one policy in front of @table, with the RPDB's own selectors:
 * one rule per combination of selector values, per family. When @table is
 * the main table (Via = direct), the destinations go into the rules too.
 */
void compile_policy_rules(struct compile_ctx *ctx, const struct conf_policy *p, unsigned fams,
			  uint32_t prio, uint32_t table);
/* Rules that keep traffic from a policy's From prefixes to those prefixes on the main table. */
void compile_source_locality(struct compile_ctx *ctx, const struct conf_policy *p, unsigned fams,
			     uint32_t prio);

/*
 * Beyond this many rules per policy (its locality rules included),
 * selectors are matched by nftables and one fwmark rule. Every packet walks
 * the rules one by one, matching or not: each costs a forwarded packet about
 * 0.8% of a router's rate here, about what the nftables lookup and the mark
 * rule cost at 8 (bench/README.md).
 */
#define NATIVE_RULES_MAX 8

/* Does @p need more than NATIVE_RULES_MAX rules? @locality: compile_source_locality's too. */
bool policy_needs_marks(struct compile_ctx *ctx, const struct conf_policy *p, unsigned fams,
			bool to_in_rules, bool locality);
uint32_t policy_mark_mask(const struct conf *c);
/*
 * Can conntrack tell @p's flows only by a mark on the connection? Their
 * addresses, ports and protocol do not show a user, group, cgroup, incoming
 * interface or someone else's mark.
 */
bool policy_flows_need_mark(const struct conf_policy *p);
uint32_t policy_mark(const struct conf *c, uint32_t k);
/*
 * The first value of the mark space from the @next-th on that no tunnel's own fwmark
 * holds (a FwMark the file sets, a full tunnel's), so that a tunnel's packets never match a
 * mark rule of another; *@next moves past it. 0 when the space is used up.
 */
uint32_t policy_next_mark(struct compile_ctx *ctx, uint32_t *next);

#endif
