// SPDX-License-Identifier: GPL-2.0-or-later
/* wgpolicy daemon, and reload: keep the kernel as configured; tell a running daemon to re-read. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "daemon/daemon.h"
#include "load/load.h"

static const char usage[] =
	"Usage: wgpolicy daemon [-C DIR] [--down-on-exit]\n"
	"\n"
	"Apply the configuration, then keep it so, in the foreground: re-assert what\n"
	"is changed behind wgpolicy's back, judge each policy's targets by probes and\n"
	"handshakes and fail over (and back), look endpoints' host names up again\n"
	"(every ResolveInterval, and when a handshake goes stale), reload on SIGHUP or\n"
	"`wgpolicy reload`, notify systemd. Stops on SIGTERM or SIGINT, leaving the\n"
	"state in place unless --down-on-exit.\n"
	"\n"
	"  -C, --config DIR    read the configuration from DIR (default " DEFAULT_CONFIG_DIR ")\n"
	"      --down-on-exit  remove what wgpolicy owns when stopping\n"
	"  -h, --help          show this help\n";

int daemon_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'C' },
		{ "down-on-exit", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon_opts o = { 0 };
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "C:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'C':
			o.dir = optarg;
			break;
		case 'D':
			o.down_on_exit = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			fputs(usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	return daemon_run(&o);
}

static const char reload_usage[] = "Usage: wgpolicy reload\n"
				   "\n"
				   "Tell the daemon of this network namespace to re-read its\n"
				   "configuration (as SIGHUP does) and print its answer, one line of\n"
				   "JSON: {\"reloaded\":true}, or {\"reloaded\":false,\"error\":...}.\n"
				   "A configuration with errors is refused and the running one stays\n"
				   "(exit 1, as when no daemon answers).\n";

int reload_main(int argc, char *argv[])
{
	char *answer;
	int err;

	if (argc > 1) {
		fputs(reload_usage, !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ? stdout
											 : stderr);
		return strcmp(argv[1], "-h") && strcmp(argv[1], "--help") ? EXIT_USAGE : EXIT_OK;
	}
	err = control_request("reload", &answer);
	if (err) {
		fprintf(stderr, "wgpolicy reload: no daemon answers here: %s\n", strerror(-err));
		return EXIT_ERROR;
	}
	fputs(answer, stdout);
	err = strstr(answer, "\"reloaded\":true") ? EXIT_OK : EXIT_ERROR;
	free(answer);
	return err;
}
