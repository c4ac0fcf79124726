/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_WG_GENL_H
#define WGP_WG_GENL_H

/*
 * The kernel's "wireguard" generic netlink family (linux/wireguard.h):
 * WG_CMD_GET_DEVICE dumps into the model, WG_CMD_SET_DEVICE applies device
 * settings and incremental peer changes. Encoding and decoding are pure
 * (bytes in memory); wg_genl_get and wg_genl_set send through kernel/nl.h.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "state/plan.h"
#include "wg/internal.h"

/*
 * Largest set message: as wireguard-tools (libmnl's ideal buffer, a page of
 * at most 8 KiB), so that the kernel never has to take a huge allocation.
 */
#define WG_GENL_MSG_MAX 8192

/*
 * The messages of one set operation, produced one at a time: the device
 * settings in the first, then as many peers as fit; a peer whose allowed
 * IPs do not fit is continued in the next message (public key, the flags
 * that still apply and the rest of its allowed IPs), as wireguard-tools
 * and the kernel's documentation describe.
 *  - OP_ADD: public key, preshared key, endpoint, keepalive,
 *    WGPEER_F_REPLACE_ALLOWEDIPS and the allowed IPs;
 *  - OP_CHANGE: the same with WGPEER_F_UPDATE_ONLY, and a zero preshared key
 *    when it has none (removal);
 *  - OP_DEL: public key and WGPEER_F_REMOVE_ME.
 * Never WGDEVICE_F_REPLACE_PEERS. The private key is zero when the device has
 * none; without has_listen_port no port is sent (the device keeps its own).
 */
struct wg_genl_set {
	uint16_t family;
	const char *ifname;
	const struct st_wgdev *dev;
	const struct op *ops;
	size_t n;
	size_t next_op;	  /* the op the next message starts with */
	uint32_t next_ip; /* its first allowed IP not sent yet; nonzero: a continuation */
	bool started;	  /* the first message (with the device settings) was produced */
};

void wg_genl_set_init(struct wg_genl_set *s, uint16_t family, const char *ifname,
		      const struct st_wgdev *dev, const struct op *ops, size_t n);
/*
 * The next WG_CMD_SET_DEVICE request into @buf (@cap bytes): its length, 0
 * when everything was produced, -EMSGSIZE when @cap cannot hold even one
 * peer's start, -EINVAL for an op that is not about a peer.
 */
int wg_genl_set_next(struct wg_genl_set *s, void *buf, size_t cap);

/* The WG_CMD_GET_DEVICE dump request for @ifname: its length, or a negative errno. */
int wg_genl_get_request(void *buf, size_t cap, uint16_t family, const char *ifname);

/*
 * Decoding a dump: one call of wg_genl_dump_msg per reply message (it is an
 * nl_msg_cb), then wg_genl_dump_end. The device comes from the first
 * message; a peer continued from the previous message (same public key)
 * has its allowed IPs joined. Attributes are validated by size; unknown ones
 * are skipped; anything malformed is -EBADMSG.
 */
struct wg_genl_dump {
	const char *ifname;
	struct state *live;
	size_t n_dev0, n_peer0; /* the lists' lengths before, to undo a failed dump */
	bool have_dev;
	bool in_peer;	   /* the last peer of live->wgpeers is still collecting allowed IPs */
	struct wg_ips ips; /* its allowed IPs so far */
	char *errmsg;
	size_t errlen;
};

void wg_genl_dump_init(struct wg_genl_dump *d, const char *ifname, struct state *live, char *errmsg,
		       size_t errlen);
int wg_genl_dump_msg(const struct nlmsghdr *nlh, void *dump);
/*
 * Finish with @err the dump's outcome so far: on success the last peer is
 * completed and duplicate peers are refused; on any error everything this
 * dump appended to the state is removed. Frees the scratch space; returns
 * the final error.
 */
int wg_genl_dump_end(struct wg_genl_dump *d, int err);

/* wg_dump and wg_apply for the kernel backend; -ENOENT when the kernel has no WireGuard. */
int wg_genl_get(const char *ifname, struct state *live, char *errmsg, size_t errlen);
int wg_genl_set(const char *ifname, const struct st_wgdev *dev, const struct op *ops, size_t n,
		char *errmsg, size_t errlen);

#endif
