// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket: an abstract Unix socket (named in the network
 * namespace, so daemons of different namespaces never collide), one request
 * a connection, root only (SO_PEERCRED).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/control.h"
#include "daemon/daemon.h"

static socklen_t control_addr(struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	/* sun_path[0] = '\0': the abstract namespace. */
	memcpy(sun->sun_path + 1, CONTROL_NAME, strlen(CONTROL_NAME));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(CONTROL_NAME));
}

int control_listen(void)
{
	struct sockaddr_un sun;
	socklen_t len = control_addr(&sun);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, len) || listen(fd, 8)) {
		int err = errno == EADDRINUSE ? -EADDRINUSE : -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Accept one client, read its one-line request; -EPERM for anyone but root. */
int control_accept(int lfd, char *req, size_t len)
{
	struct timeval tv = { 0, 200000 };
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) || cred.uid != 0) {
		static const char no[] = "{\"error\":\"root only\"}\n";

		if (write(fd, no, sizeof(no) - 1) < 0) {
			/* nothing more to tell it */
		}
		close(fd);
		return -EPERM;
	}
	/* A local client writes at once; a stuck one must not stall the daemon. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	n = read(fd, req, len - 1);
	req[n > 0 ? n : 0] = '\0';
	req[strcspn(req, "\r\n")] = '\0';
	return fd;
}

void control_reply(int fd, const char *text)
{
	size_t len = strlen(text), off = 0;

	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
}

int control_request(const char *cmd, char **out)
{
	struct sockaddr_un sun;
	socklen_t len = control_addr(&sun);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t cap = 4096, used = 0;
	char *buf;
	ssize_t n;

	*out = NULL;
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, len) ||
	    write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd) || shutdown(fd, SHUT_WR)) {
		int err = -errno;

		close(fd);
		return err;
	}
	buf = malloc(cap);
	while (buf && (n = read(fd, buf + used, cap - used - 1)) > 0) {
		used += (size_t)n;
		if (used + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb)
				break;
			buf = nb;
		}
	}
	close(fd);
	if (!buf)
		return -ENOMEM;
	buf[used] = '\0';
	*out = buf;
	return 0;
}
