/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_CMD_CMD_H
#define WGP_CMD_CMD_H

/* One file per command, dispatched from main.c's table (as wireguard-tools' wg.c). */

#include <stdbool.h>
#include <stdio.h>

#include "conf/conf.h"

/* Exit codes, documented in wgpolicy(8). */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,
	EXIT_CHANGES = 2, /* plan: there is something to do */
	EXIT_USAGE = 64,
};

int check_main(int argc, char *argv[]);

/* Print diagnostics as "FILE:LINE: severity: message", or as a JSON array. */
void print_diags(FILE *out, const struct diags *d, bool json);

#endif
