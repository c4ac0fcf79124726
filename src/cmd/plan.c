// SPDX-License-Identifier: GPL-2.0-or-later
/* wgpolicy plan: what apply would change, one command a line. */
#include "cmd/cmd.h"
#include "engine/engine.h"
#include "load/load.h"

static const char usage[] =
	"Usage: wgpolicy plan [-C DIR] [--json] [INTERFACE|FILE.conf]\n"
	"\n"
	"Show what `wgpolicy apply` would change, in order, one change a line, each\n"
	"written as the ip/wg/sysctl/resolvconf/nft command that would make it. Changes\n"
	"nothing. With an interface or a wg-quick file: what `wgpolicy up` of it would\n"
	"change. Exit 0: nothing to do; 2: there are changes; 1: error.\n"
	"\n"
	"  -C, --config DIR  read the configuration from DIR (default " DEFAULT_CONFIG_DIR ")\n"
	"  -j, --json        print the plan as a JSON array\n"
	"  -h, --help        show this help\n";

int plan_main(int argc, char *argv[])
{
	struct engine_opts eo = { .need_config = true };
	char name[IFNAME_MAX + 1];
	const char *scope[1];
	struct cmd_opts o;
	struct engine e;
	int ret = cmd_options(argc, argv, usage, true, &o);

	if (ret >= 0)
		return ret;
	eo.dir = o.dir;
	if (o.nargs && iface_scope(&o, &eo, name, scope)) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	ret = engine_run(&e, &eo) ? EXIT_ERROR : 0;
	if (!ret && !iface_scope_known(&e, &eo, "plan"))
		ret = EXIT_ERROR;
	if (!ret) {
		warn_system(&e);
		engine_print_plan(&e, stdout, o.json);
		ret = e.plan.ops.n ? EXIT_CHANGES : EXIT_OK;
	}
	engine_free(&e);
	return ret;
}
