/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_RECONCILE_SAVED_H
#define WGP_RECONCILE_SAVED_H

/*
 * What the kernel cannot tell: the value a sysctl had before wgpolicy
 * changed it, the resolver entries wgpolicy registered, and the endpoint it
 * last set on each peer (to tell a peer that roamed from one whose
 * configuration changed). Kept per network
 * namespace in /run/wgpolicy (tmpfs: it ends with the boot, as the state it
 * describes does).
 */

#include <jansson.h>

#include "state/plan.h"
#include "state/state.h"

#define SAVED_DIR "/run/wgpolicy"

/*
 * This network namespace's cookie (SO_NETNS_COOKIE, Linux 5.14): never given
 * to two namespaces in one boot. -EOPNOTSUPP (or another error) without one.
 */
int saved_netns_cookie(uint64_t *cookie);

/* Write @root to @path in SAVED_DIR (made if missing): to a temporary file, renamed, never half. */
int saved_write_json(const char *path, json_t *root);

/* Append the saved sysctls (with their current values) and DNS entries to @live. */
int saved_load(struct state *live);
/* Record @s's original value, unless one is recorded already. */
int saved_sysctl_set(const char *path, const char *original);
int saved_sysctl_forget(const char *path);
/*
 * Forget what was saved of @ifname's own sysctls: a link made anew starts
 * from the kernel's defaults, whatever an earlier link of its name had (one
 * deleted behind wgpolicy's back left its originals here).
 */
int saved_sysctls_forget_link(const char *ifname);
int saved_dns_set(const struct st_dns *d);
int saved_dns_forget(const char *ifname);
/* Give @live's peers the endpoints wgpolicy last set on them (st_wgpeer.endpoint_set). */
int saved_endpoints_load(struct state *live);
/* Record the endpoints that @n executed peer ops set; a removed peer's goes. */
int saved_endpoints_update(const struct op *ops, size_t n);
/* Forget the endpoints of @ifname's peers: the interface is gone, or made anew. */
int saved_endpoints_forget(const char *ifname);

#endif
