/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_WG_WG_H
#define WGP_WG_WG_H

/*
 * WireGuard device configuration, behind one interface with two backends:
 * the kernel's generic netlink family (genl.c) and the cross-platform UAPI
 * socket of userspace implementations (uapi*.c). Which one serves a link is
 * known from the link itself (kind wireguard, or a UAPI socket).
 */

#include "state/plan.h"

#define WG_UAPI_DIR "/var/run/wireguard"

/*
 * Is there a UAPI socket for @ifname that accepts connections, and a link of
 * that name in this network namespace (a userspace implementation serves it)?
 * The socket directory is shared by all namespaces: the socket alone may be
 * another namespace's.
 */
bool wg_uapi_present(const char *ifname);

/*
 * Append @ifname's device settings and peers (with handshake times and byte
 * counts) to @live.
 */
int wg_dump(const char *ifname, enum wg_backend backend, struct state *live);

/* A UAPI request written, its answer not yet read (uapi_io.c; members private to wg/). */
struct wg_uapi_ask {
	int fd, err;      /* err: the asking failed, reported with the answer */
	const char *what; /* the step that failed; NULL: the name */
	char ifname[ST_IFNAMSIZ];
};

/*
 * wg_dump in two halves. A userspace implementation prepares its answer in
 * its own process (wireguard-go: 25 ms at 10,000 peers), so a caller asks
 * first (wg_read_start), reads the kernel meanwhile, and takes the answer
 * last (wg_read_finish: errors of either half, with wg_dump_err's message).
 * The kernel backend answers within the call, at wg_read_finish.
 * wg_read_cancel drops a started read.
 */
struct wg_read {
	enum wg_backend backend;
	struct wg_uapi_ask ask;
};
void wg_read_start(struct wg_read *rd, const char *ifname, enum wg_backend backend);
int wg_read_finish(struct wg_read *rd, struct state *live, char *errmsg, size_t errlen);
void wg_read_cancel(struct wg_read *rd);

/*
 * Apply device settings (@dev, or NULL) and peer ops (OP_ADD, OP_CHANGE,
 * OP_DEL of OBJ_WGPEER, all for @ifname) in one set operation: peers not
 * named are left alone, so their sessions survive. A changed peer gets its
 * AllowedIPs replaced, its other settings updated in place.
 */
int wg_apply(const char *ifname, enum wg_backend backend, const struct st_wgdev *dev,
	     const struct op *peer_ops, size_t n);

/*
 * Start the userspace implementation for @ifname (@program, else
 * $WGPOLICY_USERSPACE_IMPLEMENTATION, else wireguard-go) and wait until its
 * UAPI socket answers.
 */
int wg_spawn(const char *ifname, const char *program);

/*
 * The same three, with a message for the user in @errmsg (@errlen bytes) on
 * failure: the interface, what failed and why, never a key.
 */
int wg_dump_err(const char *ifname, enum wg_backend backend, struct state *live, char *errmsg,
		size_t errlen);
int wg_apply_err(const char *ifname, enum wg_backend backend, const struct st_wgdev *dev,
		 const struct op *peer_ops, size_t n, char *errmsg, size_t errlen);
/*
 * @timeout_ms: how long to wait for the socket to answer (0: WG_SPAWN_TIMEOUT_MS).
 * -ENOENT: the program is missing; -EIO: it failed (exit status or signal in
 * @errmsg); -ETIMEDOUT: no answer in time; -EEXIST: a socket for @ifname
 * already answers (in this or another network namespace: they share
 * /var/run/wireguard).
 */
int wg_spawn_err(const char *ifname, const char *program, int timeout_ms, char *errmsg,
		 size_t errlen);

#define WG_SPAWN_TIMEOUT_MS  15000 /* a loaded machine starts wireguard-go slowly */
#define WG_USERSPACE_ENV     "WGPOLICY_USERSPACE_IMPLEMENTATION"
#define WG_USERSPACE_DEFAULT "wireguard-go"

/* What wg_spawn runs: @program, else $WGPOLICY_USERSPACE_IMPLEMENTATION, else wireguard-go. */
const char *wg_userspace_program(const char *program);

#endif
