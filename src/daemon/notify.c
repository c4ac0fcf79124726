// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The sd_notify(3) protocol spoken directly, not through libsystemd: one
 * datagram of "KEY=VALUE" lines to the socket in $NOTIFY_SOCKET, a path or,
 * after '@', an abstract name. Linking libsystemd had every command (apply,
 * plan...) load it and six more libraries it needs (compression, crypto,
 * capabilities) at each start, for these few lines in the daemon.
 */
#include "daemon/notify.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = path ? strlen(path) : 0;
	int fd;

	/* Not under a service manager, or an address this protocol does not know (vsock). */
	if (!len || (path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	/* An abstract name's length is the address's: no terminating NUL counts. */
	sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (const struct sockaddr *)&sa,
	       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}

void notify_ready(const char *status)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", status);
	notify(msg);
}

/* systemd 253 wants the time of the reload with it. */
void notify_reloading(void)
{
	struct timespec ts;
	char msg[64];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
	notify(msg);
}

void notify_stopping(void)
{
	notify("STOPPING=1");
}

/* sd_watchdog_enabled(3): $WATCHDOG_USEC, for this process if $WATCHDOG_PID names one. */
static uint64_t watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");

	if (!usec || (pid && strtol(pid, NULL, 10) != (long)getpid()))
		return 0;
	return strtoull(usec, NULL, 10);
}

static uint64_t watchdog_next_ms;

void notify_watchdog(uint64_t now_ms)
{
	static uint64_t usec;
	static bool read;

	if (!read) {
		usec = watchdog_usec();
		read = true;
	}
	if (!usec || now_ms < watchdog_next_ms)
		return;
	notify("WATCHDOG=1");
	watchdog_next_ms = now_ms + usec / 2000;
}

uint64_t notify_watchdog_due(void)
{
	return watchdog_next_ms;
}
