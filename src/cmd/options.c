// SPDX-License-Identifier: GPL-2.0-or-later
/* The options every command shares: -C DIR, --json, --help. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

int cmd_options(int argc, char *argv[], const char *usage, bool allow_json, struct cmd_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((opt = getopt_long(argc, argv, allow_json ? "C:jh" : "C:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'C':
			o->dir = optarg;
			break;
		case 'j':
			if (!allow_json)
				goto bad;
			o->json = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			goto bad;
		}
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	return -1;
bad:
	fputs(usage, stderr);
	return EXIT_USAGE;
}
