/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_DAEMON_CONTROL_H
#define WGP_DAEMON_CONTROL_H

#include <stddef.h>

/* Listening socket (non-blocking), or -EADDRINUSE when a daemon runs here already. */
int control_listen(void);
/* The client's fd with its request in @req, or a negative errno (-EPERM: not root). */
int control_accept(int lfd, char *req, size_t len);
/* Send @text and close. */
void control_reply(int fd, const char *text);

#endif
