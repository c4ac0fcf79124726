/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_WG_UAPI_H
#define WGP_WG_UAPI_H

/*
 * The cross-platform UAPI protocol of userspace WireGuard implementations
 * (https://www.wireguard.com/xplatform/): "key=value" lines over the Unix
 * socket /var/run/wireguard/NAME.sock, a request ended by a blank line,
 * answered by "errno=N" and a blank line. Keys are in hex.
 *
 * The encoder and the decoders are pure (text in memory, uapi_encode.c and
 * uapi.c); wg_uapi_get_* and wg_uapi_set do the socket I/O around them
 * (uapi_io.c).
 */

#include <stdbool.h>
#include <stddef.h>

#include "state/plan.h"
#include "wg/wg.h"

/* A growable text buffer. It may hold a private key: wg_text_free() wipes it. */
struct wg_text {
	char *p;
	size_t len, cap;
	bool oom; /* an append failed: the text is incomplete */
};

void wg_text_free(struct wg_text *t);
/* Room for @more bytes after the text; false (and oom set) when out of memory. */
bool wg_text_reserve(struct wg_text *t, size_t more);

/*
 * Append the "set=1" request for @dev (NULL: leave the device settings
 * alone) and @n peer ops to @t, blank line included:
 *  - OP_ADD: public_key, preshared_key, endpoint, persistent_keepalive_interval,
 *    replace_allowed_ips=true and the allowed IPs;
 *  - OP_CHANGE: the same after update_only=true, so a peer that vanished is
 *    not created again; a peer without preshared key gets a zero one (removal);
 *  - OP_DEL: public_key and remove=true.
 * Never replace_peers: peers not named keep their sessions. The device's
 * private key is zero when it has none (removal); without has_listen_port
 * the device keeps the port it has. Returns 0, -ENOMEM or -EINVAL (an op that
 * is not about a peer).
 */
int wg_uapi_encode_set(struct wg_text *t, const struct st_wgdev *dev, const struct op *ops,
		       size_t n);

/*
 * Decode the answer to "get=1" (@len bytes, ending with the blank line) into
 * a device and its peers for @ifname, appended to @live. Unknown keys are
 * ignored; a malformed line, a peer key before any public_key, a device key
 * after one, a peer listed twice or a missing "errno=" line is -EPROTO with
 * @errmsg (if not NULL) naming the line; a nonzero errno=N is -|N|. On error
 * nothing is appended. Key values are never copied into @errmsg.
 */
int wg_uapi_decode_get(const char *text, size_t len, const char *ifname, struct state *live,
		       char *errmsg, size_t errlen);

/* Decode the answer to "set=1": "errno=N" and a blank line. 0, -|N|, or -EPROTO. */
int wg_uapi_decode_errno(const char *text, size_t len);

/* "/var/run/wireguard/NAME.sock" into @buf; -ENAMETOOLONG for a name that is not an ifname. */
int wg_uapi_path(const char *ifname, char *buf, size_t len);

/*
 * Send @req (@len bytes) on @ifname's socket and read the answer, up to its
 * blank line, into @answer. Bounded in time by @timeout_ms for each read or
 * write. @errmsg says what failed.
 */
int wg_uapi_exchange(const char *ifname, const char *req, size_t len, struct wg_text *answer,
		     int timeout_ms, char *errmsg, size_t errlen);
/*
 * The same in two halves: wg_uapi_ask connects and writes (a failure is kept
 * in @ask for the answer to report), wg_uapi_answer reads and closes. In
 * between, the implementation prepares its answer while the caller works.
 * wg_uapi_forget closes an ask whose answer is no longer wanted.
 */
void wg_uapi_ask(struct wg_uapi_ask *ask, const char *ifname, const char *req, size_t len,
		 int timeout_ms);
int wg_uapi_answer(struct wg_uapi_ask *ask, struct wg_text *answer, int timeout_ms, char *errmsg,
		   size_t errlen);
void wg_uapi_forget(struct wg_uapi_ask *ask);

/* wg_read_* and wg_apply for the userspace backend: a get in the two halves above. */
void wg_uapi_get_ask(struct wg_uapi_ask *ask, const char *ifname);
int wg_uapi_get_answer(struct wg_uapi_ask *ask, struct state *live, char *errmsg, size_t errlen);
int wg_uapi_set(const char *ifname, const struct st_wgdev *dev, const struct op *ops, size_t n,
		char *errmsg, size_t errlen);

/* Each read or write on the socket may take this long before the exchange is abandoned. */
#define WG_UAPI_TIMEOUT_MS 10000

#endif
