/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_CMD_DOCTOR_H
#define WGP_CMD_DOCTOR_H

/* wgpolicy doctor's checks that ask the system itself (doctor_sys.c). */

#include "cmd/cmd.h"
#include "engine/engine.h"
#include "explain/doctor.h"

/* The sysctls the configuration needs (src_valid_mark, rp_filter...), as the kernel has them. */
void check_sysctls(struct findings *f, const struct state *desired);
/*
 * The route WireGuard's own packets take to each endpoint: FAIL when it leads
 * back into the peer's own tunnel. Those peers are put in *@loops (in the
 * findings' arena), their number returned.
 */
size_t check_endpoint_routes(struct findings *f, struct engine *e,
			     const struct st_wgpeer *const **loops);
/* Strict rp_filter on a policy's tunnel, judged by the kernel's own reverse path check. */
void check_rp_filter(struct findings *f, struct engine *e);
/* A policy that selects other hosts' packets on a host that forwards none of that family. */
void check_forwarding(struct findings *f, struct engine *e);
/* resolv.conf's nameservers: by which interface they are reached, and leaks around tunnels. */
void check_dns(struct findings *f, struct engine *e);
/* A ping of each tunnel's whole MTU, Don't Fragment, through it (doctor_probe.c). */
void check_mtu_probe(struct findings *f, struct engine *e);

#endif
