// SPDX-License-Identifier: GPL-2.0-or-later
/* The UAPI socket exchange around the pure codec of uapi.c. */
#include "wg/uapi.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "wg/internal.h"
#include "wg/wg.h"

int wg_uapi_path(const char *ifname, char *buf, size_t len)
{
	int n;

	if (!*ifname || strlen(ifname) >= ST_IFNAMSIZ || strchr(ifname, '/') || ifname[0] == '.')
		return -ENAMETOOLONG;
	n = snprintf(buf, len, "%s/%s.sock", WG_UAPI_DIR, ifname);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	int n;

	do
		n = poll(&pfd, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

#define READ_MIN 65536

static bool answer_complete(const struct wg_text *a)
{
	return a->len >= 2 && a->p[a->len - 1] == '\n' && a->p[a->len - 2] == '\n';
}

/*
 * Write everything. A daemon that rejects a set stops reading and answers at
 * once: a write failing with EPIPE leaves that answer to be read.
 */
static int send_all(int fd, const char *req, size_t len, int timeout_ms)
{
	size_t off = 0;
	ssize_t n;
	int err;

	while (off < len) {
		if ((err = wait_fd(fd, POLLOUT, timeout_ms)))
			return err;
		n = send(fd, req + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			break;
		if (n < 0)
			return -errno;
		off += (size_t)n;
	}
	return 0;
}

/* Read to the blank line. */
static int receive(int fd, struct wg_text *answer, int timeout_ms)
{
	ssize_t n;
	int err;

	while (!answer_complete(answer)) {
		if ((err = wait_fd(fd, POLLIN, timeout_ms)))
			return err;
		/* All the room there is: a device of 10,000 peers answers 2 MB. */
		if (!wg_text_reserve(answer, READ_MIN + 1))
			return -ENOMEM;
		n = recv(fd, answer->p + answer->len, answer->cap - answer->len - 1, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET; /* closed before the blank line */
		answer->len += (size_t)n;
		answer->p[answer->len] = '\0';
	}
	return 0;
}

void wg_uapi_ask(struct wg_uapi_ask *ask, const char *ifname, const char *req, size_t len,
		 int timeout_ms)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	memset(ask, 0, sizeof(*ask));
	ask->fd = -1;
	snprintf(ask->ifname, sizeof(ask->ifname), "%s", ifname);
	ask->err = wg_uapi_path(ifname, sun.sun_path, sizeof(sun.sun_path));
	if (ask->err)
		return; /* what = NULL: the name */
	ask->what = "connect to";
	ask->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ask->fd < 0)
		ask->err = -errno;
	else if (connect(ask->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		ask->err = -errno;
	else if (!(ask->what = "write", ask->err = send_all(ask->fd, req, len, timeout_ms)))
		ask->what = "read";
}

int wg_uapi_answer(struct wg_uapi_ask *ask, struct wg_text *answer, int timeout_ms, char *errmsg,
		   size_t errlen)
{
	int err = ask->err ? ask->err : receive(ask->fd, answer, timeout_ms);

	wg_uapi_forget(ask);
	if (err && !ask->what)
		wg_errf(errmsg, errlen, "%s: not an interface name", ask->ifname);
	else if (err)
		wg_errf(errmsg, errlen, "%s %s/%s.sock: %s", ask->what, WG_UAPI_DIR, ask->ifname,
			err == -ETIMEDOUT ? "no answer in time" : strerror(-err));
	return err;
}

void wg_uapi_forget(struct wg_uapi_ask *ask)
{
	if (ask->fd >= 0)
		close(ask->fd);
	ask->fd = -1;
}

int wg_uapi_exchange(const char *ifname, const char *req, size_t len, struct wg_text *answer,
		     int timeout_ms, char *errmsg, size_t errlen)
{
	struct wg_uapi_ask ask;

	wg_uapi_ask(&ask, ifname, req, len, timeout_ms);
	return wg_uapi_answer(&ask, answer, timeout_ms, errmsg, errlen);
}

static const char get_req[] = "get=1\n\n";

void wg_uapi_get_ask(struct wg_uapi_ask *ask, const char *ifname)
{
	wg_uapi_ask(ask, ifname, get_req, sizeof(get_req) - 1, WG_UAPI_TIMEOUT_MS);
}

int wg_uapi_get_answer(struct wg_uapi_ask *ask, struct state *live, char *errmsg, size_t errlen)
{
	struct wg_text answer = {0};
	int err = wg_uapi_answer(ask, &answer, WG_UAPI_TIMEOUT_MS, errmsg, errlen);

	if (!err)
		err = wg_uapi_decode_get(answer.p, answer.len, ask->ifname, live, errmsg, errlen);
	wg_text_free(&answer);
	return err;
}

int wg_uapi_set(const char *ifname, const struct st_wgdev *dev, const struct op *ops, size_t n,
		char *errmsg, size_t errlen)
{
	struct wg_text req = {0}, answer = {0};
	int err;

	if (!dev && !n)
		return 0;
	err = wg_uapi_encode_set(&req, dev, ops, n);
	if (err) {
		wg_errf(errmsg, errlen, "%s: %s", ifname, strerror(-err));
		goto out;
	}
	err = wg_uapi_exchange(ifname, req.p, req.len, &answer, WG_UAPI_TIMEOUT_MS, errmsg, errlen);
	if (err)
		goto out;
	err = wg_uapi_decode_errno(answer.p, answer.len);
	if (err == -EPROTO)
		wg_errf(errmsg, errlen, "%s: malformed answer to set", ifname);
	else if (err)
		wg_errf(errmsg, errlen, "%s: the userspace implementation refused the settings: %s",
			ifname, strerror(-err));
out:
	wg_text_free(&req);
	wg_text_free(&answer);
	return err;
}
