// SPDX-License-Identifier: GPL-2.0-or-later
/* wgpolicy check: parse, validate and lint; exit 1 on any error. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "daemon/health.h"
#include "load/load.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: wgpolicy check [-C DIR] [--json] [FILE...]\n"
		     "\n"
		     "Parse, validate and lint the configuration: every *.conf file in DIR\n"
		     "(default " DEFAULT_CONFIG_DIR "), or the FILEs given. Needs neither root\n"
		     "nor the network. Exit 0 when valid (warnings allowed), 1 on errors.\n"
		     "\n"
		     "  -C, --config DIR  read the configuration from DIR\n"
		     "  -j, --json        print the diagnostics as a JSON array\n"
		     "  -h, --help        show this help\n");
}

static void summary(const struct conf *c)
{
	size_t peers = 0;

	vec_foreach(it, &c->ifaces)
		peers += (*it)->peers.n;
	if (c->diags.errors)
		fprintf(stderr, "%zu error%s, %zu warning%s\n", c->diags.errors,
			c->diags.errors == 1 ? "" : "s", c->diags.warnings,
			c->diags.warnings == 1 ? "" : "s");
	else
		fprintf(stderr, "configuration valid: %zu interface%s, %zu peer%s, %zu polic%s, "
				"%zu set%s, %zu warning%s\n",
			c->ifaces.n, c->ifaces.n == 1 ? "" : "s", peers, peers == 1 ? "" : "s",
			c->policies.n, c->policies.n == 1 ? "y" : "ies", c->sets.n,
			c->sets.n == 1 ? "" : "s", c->diags.warnings,
			c->diags.warnings == 1 ? "" : "s");
}

/* What will judge each target of a policy with a choice: its probe and its peers' handshakes. */
static void probes(const struct conf *c)
{
	struct health h;
	size_t i;

	if (c->diags.errors || health_init(&h, c, -1))
		return;
	for (i = 0; i < h.n; i++) {
		const struct probe *pr = &h.v[i];
		char buf[160], hs[320], name[64];

		fprintf(stderr, "policy %s, target %s: %s; %s\n", pr->policy->name,
			target_name(&pr->policy->via.v[pr->index], name, sizeof(name)),
			health_describe(pr, buf, sizeof(buf)),
			health_describe_handshake(pr, hs, sizeof(hs)));
	}
	health_free(&h);
}

int check_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL;
	bool json = false;
	struct conf *c;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "C:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'C':
			dir = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (dir && optind < argc) {
		fprintf(stderr, "wgpolicy check: give -C DIR or FILEs, not both\n");
		return EXIT_USAGE;
	}
	ret = load_config(dir, argv + optind, argc - optind, &c);
	if (ret) {
		fprintf(stderr, "wgpolicy check: %s\n", strerror(-ret));
		return EXIT_ERROR;
	}
	load_print_diags(stdout, &c->diags, json);
	fflush(stdout); /* the summary on stderr comes last, also through 2>&1 */
	if (!json) {
		probes(c);
		summary(c);
	}
	ret = c->diags.errors ? EXIT_ERROR : EXIT_OK;
	conf_free(c);
	return ret;
}
