/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_KERNEL_CONNTRACK_H
#define WGP_KERNEL_CONNTRACK_H

#include "state/flow.h"

/*
 * Delete the conntrack entries @m takes (libnetfilter_conntrack: a dump of
 * the table, then one delete per entry), so that their next packets are
 * tracked, routed and masqueraded anew. The number deleted goes in @deleted.
 * 0, or a negative errno (-EPROTONOSUPPORT: no conntrack in this kernel).
 */
int conntrack_flush(const struct flow_match *m, unsigned *deleted);

#endif
