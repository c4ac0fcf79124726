// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A policy's DNS: its DNS queries (UDP and TCP to port 53) are DNAT-ed to its
 * resolvers, so that the query itself follows the policy into its tunnel,
 * rather than out to the resolver its sender asked, which the local network
 * sees. The policy's packets are picked out as the leak guard picks them
 * (compile/nft.c's replay), forwarded ones in prerouting, this host's own in
 * output; a NAT chain sees only a connection's first packet.
 *
 * A query of this host's to one of its own addresses (a local stub such as
 * 127.0.0.53) is left alone: the kernel does not route a packet from a
 * loopback source out (route_localnet aside), and the stub's own queries
 * upstream are the stub's traffic, not the policy's. A LAN host's query to
 * this gateway's address is forwarded traffic to redirect: it is redirected.
 */
#include <stdio.h>

#include "compile/nft.h"
#include "compile/nft_internal.h"

static bool redirects(const struct pol_info *pi)
{
	return IS_SET(pi->p->dns_tunnel) || pi->p->dns.n;
}

/*
 * The queries of a family already for one of the resolvers pass; the rest go
 * to the first; a family with none is dropped rather than let leak.
 */
static void dns_family(struct out *o, FILE *f, const struct lprefix *v, size_t n, uint8_t family)
{
	const char *ip = family == FAMILY_V4 ? "ip" : "ip6";
	const char *nfproto = family == FAMILY_V4 ? "ipv4" : "ipv6";
	const struct prefix *first = NULL;
	char buf[PREFIX_STRLEN];
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].p.family != family)
			continue;
		if (first)
			fputs(", ", f);
		else
			fprintf(f, "\t\t%s daddr { ", ip);
		fputs(prefix_format(&v[i].p, buf, false), f);
		if (!first)
			first = &v[i].p;
	}
	if (!first) {
		fprintf(f, "\t\tmeta nfproto %s drop\n", nfproto);
		o->rules++;
		return;
	}
	fprintf(f, " } accept\n\t\tmeta nfproto %s dnat %s to %s\n", nfproto, ip,
		prefix_format(first, buf, false));
	o->rules += 2;
}

/* The policy's chain dnsN, for the families it carries. */
static void dns_chain(struct out *o, FILE *f, const struct pol_info *pi)
{
	size_t n;
	const struct lprefix *v = policy_dns_servers(pi->p, pi->active, &n);

	fprintf(f, "\tchain dns%u {\n", pi->p->index);
	if (pi->fams & FAM_V4)
		dns_family(o, f, v, n, FAMILY_V4);
	if (pi->fams & FAM_V6)
		dns_family(o, f, v, n, FAMILY_V6);
	fprintf(f, "\t}\n");
}

/*
 * One hook's base chain: what is no query passes at once, then the replay;
 * @mine: the queries this hook leaves alone besides.
 */
static void dns_hook(struct out *o, FILE *chain, const char *mine, const struct pol_info *pols,
		     size_t n)
{
	size_t i;

	if (!replay_needs(o, pols, 0, n))
		return;
	fprintf(chain, "\t\tmeta l4proto != { tcp, udp } accept\n\t\tth dport != 53 accept\n%s",
		mine);
	o->rules += 2 + (*mine != '\0');
	for (i = 0; i < n && replay_needs(o, pols, i, n); i++)
		if (o->replay->passes(&pols[i]))
			replay_policy(o, chain, &pols[i]);
}

void compile_dns(struct out *o, FILE *in, FILE *out, FILE *chains, const struct pol_info *pols,
		 size_t n)
{
	static const struct replay forwarded = {redirects, pol_forwarded, "dns"};
	static const struct replay sent = {redirects, pol_sent, "dns"};
	size_t i;

	for (i = 0; i < n; i++)
		if (redirects(&pols[i]))
			dns_chain(o, chains, &pols[i]);
	o->replay = &forwarded;
	dns_hook(o, in, "", pols, n);
	o->replay = &sent;
	dns_hook(o, out, "\t\tfib daddr type local accept\n", pols, n);
}
