/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_DNS_DNS_H
#define WGP_DNS_DNS_H

/*
 * Resolver settings per interface. The resolvconf backend does what wg-quick
 * does: `resolvconf -a tun.IFACE -m 0 -x` with nameserver and search lines,
 * and `resolvconf -d tun.IFACE -f` to remove them.
 */

#include "state/state.h"

int dns_set(const struct st_dns *d);
int dns_remove(const char *ifname);

#endif
