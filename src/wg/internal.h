/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_WG_INTERNAL_H
#define WGP_WG_INTERNAL_H

/* What the two backends' decoders share (peer.c), and error messages (wg.c). */

#include <stdbool.h>
#include <stddef.h>

#include "state/state.h"

/*
 * Write a message for the user into @buf (@len bytes; nothing when @buf is
 * NULL). Callers never pass key material: messages name a key by its role
 * ("private_key"), never by its value.
 */
void wg_errf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Scratch space for one peer's allowed IPs while a dump is read. */
struct wg_ips {
	struct prefix *v;
	size_t n, cap;
};

/* Append @p with its host bits cleared. 0 or -ENOMEM. */
int wg_ips_push(struct wg_ips *ips, const struct prefix *p);
/*
 * Give @peer the allowed IPs collected in @ips, sorted, copied into @live's
 * arena, and in the device's order when that differs; empties @ips. -EEXIST
 * when one is listed twice, -ENOMEM.
 */
int wg_ips_take(struct wg_ips *ips, struct state *live, struct st_wgpeer *peer);
void wg_ips_free(struct wg_ips *ips);

/*
 * Are the peers live->wgpeers[from..] distinct? Sorts them by identity, each
 * keeping its place in the device's listing (listed).
 */
bool wg_peers_unique(struct state *live, size_t from);

#endif
