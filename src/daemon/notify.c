// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/notify.h"

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#include <time.h>

void notify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

/* systemd 253 wants the time of the reload with it. */
void notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		   (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
}

void notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

static uint64_t watchdog_next_ms;

void notify_watchdog(uint64_t now_ms)
{
	static uint64_t usec;
	static int enabled = -1;

	if (enabled < 0)
		enabled = sd_watchdog_enabled(0, &usec) > 0;
	if (!enabled || now_ms < watchdog_next_ms)
		return;
	sd_notify(0, "WATCHDOG=1");
	watchdog_next_ms = now_ms + usec / 2000;
}

uint64_t notify_watchdog_due(void)
{
	return watchdog_next_ms;
}
#else
void notify_ready(const char *status)
{
	(void)status;
}

void notify_reloading(void)
{
}

void notify_stopping(void)
{
}

void notify_watchdog(uint64_t now_ms)
{
	(void)now_ms;
}

uint64_t notify_watchdog_due(void)
{
	return 0;
}
#endif
