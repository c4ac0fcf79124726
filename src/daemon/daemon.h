/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_DAEMON_DAEMON_H
#define WGP_DAEMON_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

/* The control socket: abstract, so one per network namespace, root only. */
#define CONTROL_NAME "wgpolicy"

struct daemon_opts {
	const char *dir;
	bool down_on_exit;
};

/* Apply, then keep it so until SIGTERM or SIGINT; returns the exit code. */
int daemon_run(const struct daemon_opts *o);

/*
 * Ask a running daemon (in this network namespace): "status" answers JSON,
 * "reload" re-reads the configuration. The answer goes into @out (malloc'd).
 * -ECONNREFUSED or -ENOENT when no daemon runs here.
 */
int control_request(const char *cmd, char **out);

#endif
