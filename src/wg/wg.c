// SPDX-License-Identifier: GPL-2.0-or-later
/* One interface over two backends, as wireguard-tools' ipc.c: dispatch, and error messages. */
#include "wg/wg.h"

#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "wg/genl.h"
#include "wg/internal.h"
#include "wg/uapi.h"

void wg_errf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/*
 * A socket that accepts connections, and a link of that name here: the
 * socket directory is shared by every network namespace, so a socket alone
 * may belong to another namespace's interface. A socket nobody listens on
 * is what a crashed implementation leaves behind.
 */
bool wg_uapi_present(const char *ifname)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct stat st;
	bool ok;
	int fd;

	if (wg_uapi_path(ifname, sun.sun_path, sizeof(sun.sun_path)) || stat(sun.sun_path, &st) ||
	    !S_ISSOCK(st.st_mode) || !if_nametoindex(ifname))
		return false;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return false;
	/* EAGAIN: a full backlog, someone is listening. */
	ok = !connect(fd, (struct sockaddr *)&sun, sizeof(sun)) || errno == EAGAIN;
	close(fd);
	return ok;
}

static int check_name(const char *ifname, char *errmsg, size_t errlen)
{
	if (!*ifname || strlen(ifname) >= ST_IFNAMSIZ) {
		wg_errf(errmsg, errlen, "\"%.*s\": not an interface name", ST_IFNAMSIZ, ifname);
		return -EINVAL;
	}
	return 0;
}

void wg_read_start(struct wg_read *rd, const char *ifname, enum wg_backend backend)
{
	rd->backend = backend;
	if (backend == WG_BACKEND_USERSPACE) {
		wg_uapi_get_ask(&rd->ask, ifname);
		return;
	}
	memset(&rd->ask, 0, sizeof(rd->ask));
	rd->ask.fd = -1;
	snprintf(rd->ask.ifname, sizeof(rd->ask.ifname), "%s", ifname);
}

int wg_read_finish(struct wg_read *rd, struct state *live, char *errmsg, size_t errlen)
{
	if (rd->backend == WG_BACKEND_USERSPACE)
		return wg_uapi_get_answer(&rd->ask, live, errmsg, errlen);
	return wg_genl_get(rd->ask.ifname, live, errmsg, errlen);
}

void wg_read_cancel(struct wg_read *rd)
{
	wg_uapi_forget(&rd->ask);
}

int wg_dump_err(const char *ifname, enum wg_backend backend, struct state *live, char *errmsg,
		size_t errlen)
{
	struct wg_read rd;
	int err = check_name(ifname, errmsg, errlen);

	if (err)
		return err;
	wg_read_start(&rd, ifname, backend);
	return wg_read_finish(&rd, live, errmsg, errlen);
}

int wg_dump(const char *ifname, enum wg_backend backend, struct state *live)
{
	return wg_dump_err(ifname, backend, live, NULL, 0);
}

int wg_apply_err(const char *ifname, enum wg_backend backend, const struct st_wgdev *dev,
		 const struct op *peer_ops, size_t n, char *errmsg, size_t errlen)
{
	int err = check_name(ifname, errmsg, errlen);
	size_t i;

	if (err)
		return err;
	for (i = 0; i < n; i++) {
		const struct op *op = &peer_ops[i];

		if (op->type != OBJ_WGPEER || op->kind > OP_DEL || !op->obj ||
		    strcmp(((const struct st_wgpeer *)op->obj)->ifname, ifname)) {
			wg_errf(errmsg, errlen, "%s: op %zu is not a change of one of its peers",
				ifname, i);
			return -EINVAL;
		}
	}
	if (dev && strcmp(dev->ifname, ifname)) {
		wg_errf(errmsg, errlen, "%s: device settings of %s", ifname, dev->ifname);
		return -EINVAL;
	}
	if (backend == WG_BACKEND_USERSPACE)
		return wg_uapi_set(ifname, dev, peer_ops, n, errmsg, errlen);
	return wg_genl_set(ifname, dev, peer_ops, n, errmsg, errlen);
}

int wg_apply(const char *ifname, enum wg_backend backend, const struct st_wgdev *dev,
	     const struct op *peer_ops, size_t n)
{
	return wg_apply_err(ifname, backend, dev, peer_ops, n, NULL, 0);
}
