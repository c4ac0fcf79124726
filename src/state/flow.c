// SPDX-License-Identifier: GPL-2.0-or-later
#include "state/flow.h"

#include <string.h>

void flow_prefixes_index(struct flow_prefixes *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		p->v[i] = prefix_network(&p->v[i]);
		prefix_lens_add(&p->lens, &p->v[i]);
	}
	prefix_sort(p->v, p->n);
}

static bool addr_in(const struct flow_prefixes *p, uint8_t family, const uint8_t *addr)
{
	struct prefix host = { .family = family, .len = (uint8_t)prefix_max_len(family) };

	if (!p->n)
		return true;
	memcpy(host.addr, addr, family == FAMILY_V4 ? 4 : 16);
	return prefix_sorted_covers(p->v, p->n, &p->lens, &host);
}

/* A port range list says nothing of a protocol without ports: such a flow is not the policy's. */
static bool port_in(const struct port_range *v, size_t n, uint16_t port)
{
	size_t i;

	if (!n)
		return true;
	for (i = 0; i < n; i++)
		if (port && port >= v[i].lo && port <= v[i].hi)
			return true;
	return false;
}

bool flow_matches(const struct flow_match *m, const struct flow_tuple *t)
{
	size_t i;
	bool proto = !m->protos.n;

	if (m->mask)
		return (t->mark & m->mask) == m->mark;
	if (m->family && m->family != t->family)
		return false;
	for (i = 0; i < m->protos.n; i++)
		proto |= m->protos.v[i] == t->proto;
	return proto && addr_in(&m->src, t->family, t->src) && addr_in(&m->dst, t->family, t->dst) &&
	       port_in(m->sports.v, m->sports.n, t->sport) &&
	       port_in(m->dports.v, m->dports.n, t->dport);
}
