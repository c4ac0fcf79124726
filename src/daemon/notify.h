/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_DAEMON_NOTIFY_H
#define WGP_DAEMON_NOTIFY_H

/* sd_notify(3) for Type=notify units; nothing when $NOTIFY_SOCKET is not set. */

#include <stdint.h>

void notify_ready(const char *status);
void notify_reloading(void);
void notify_stopping(void);
/* WATCHDOG=1 at half the interval systemd asks for. */
void notify_watchdog(uint64_t now_ms);
/* When the next WATCHDOG=1 is due (0: no watchdog): an idle loop must wake for it. */
uint64_t notify_watchdog_due(void);

#endif
