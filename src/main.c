// SPDX-License-Identifier: GPL-2.0-or-later
/* wgpolicy: the command table and dispatch, nothing else. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

static const struct {
	const char *name;
	int (*main)(int argc, char *argv[]);
	const char *summary;
} commands[] = {
	{ "check", check_main, "parse, validate and lint the configuration" },
	{ "plan", plan_main, "show what apply would change" },
	{ "apply", apply_main, "make the kernel match the configuration" },
	{ "up", up_main, "bring up one interface (a name or a wg-quick file)" },
	{ "down", down_main, "remove what wgpolicy owns, or one interface's part" },
	{ "status", status_main, "interfaces, peers, owned rules and routes" },
	{ "explain", explain_main, "which policy, rule, route and peer a packet takes, and why" },
	{ "doctor", doctor_main, "the troubleshooting checklist against the live system" },
	{ "exec", exec_main, "run a command whose traffic follows a policy" },
	{ "daemon", daemon_main, "apply, then keep it so: re-assert, probe, fail over" },
	{ "reload", reload_main, "make the running daemon re-read its configuration" },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: wgpolicy COMMAND [OPTIONS]\n\n"
		     "Declarative policy routing for WireGuard.\n\nCommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nwgpolicy COMMAND --help tells more; see wgpolicy(8) and "
		     "wgpolicy.conf(5).\n");
}

int main(int argc, char *argv[])
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("wgpolicy %s\n", WGPOLICY_VERSION);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "wgpolicy: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
