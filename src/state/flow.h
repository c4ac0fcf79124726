/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_STATE_FLOW_H
#define WGP_STATE_FLOW_H

/*
 * A policy's flows as conntrack records them: by the connection mark the
 * policy's nftables rules give its packets (a marked policy), or else by
 * the original direction's addresses, protocol and ports. compile/flows.c
 * makes one from a policy; kernel/conntrack.c deletes the entries it takes.
 */

#include "state/state.h"

/*
 * Growable in an arena, as VEC(): vec_push() and vec_foreach() take them.
 * flow_prefixes_index() sorts them for flow_matches(), which may meet
 * a set's 100,000 prefixes and as many conntrack entries.
 */
struct flow_prefixes {
	struct prefix *v;
	size_t n, cap;
	struct prefix_lens lens;
};

void flow_prefixes_index(struct flow_prefixes *p);

struct flow_ports {
	struct port_range *v;
	size_t n, cap;
};

struct flow_match {
	uint32_t mark, mask; /* mask 0: not by mark */
	uint8_t family;      /* FAMILY_V4 or FAMILY_V6; 0: both */
	/* Each list empty: any. Source and destination of the original direction. */
	struct flow_prefixes src, dst;
	VEC(uint8_t) protos;
	struct flow_ports sports, dports;
};

/* One conntrack entry's original direction, and its mark. */
struct flow_tuple {
	uint8_t family;
	uint8_t src[16], dst[16];
	uint8_t proto;
	uint16_t sport, dport; /* 0 for protocols without ports */
	uint32_t mark;
};

bool flow_matches(const struct flow_match *m, const struct flow_tuple *t);

#endif
