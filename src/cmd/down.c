// SPDX-License-Identifier: GPL-2.0-or-later
/* wgpolicy down: remove what wgpolicy owns, all of it or some interfaces' part. */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "engine/engine.h"
#include "load/load.h"

static const char usage[] =
	"Usage: wgpolicy down [-C DIR] [INTERFACE|FILE.conf...]\n"
	"\n"
	"Remove what wgpolicy owns: every interface, address, route, rule, sysctl\n"
	"and resolver entry it made, restoring sysctls and resolvers; or only what\n"
	"belongs to the interfaces named. Foreign objects are never touched. Works\n"
	"without a configuration (it reads ownership from the kernel). An interface\n"
	"whose file says SaveConfig = true has its running state written back to\n"
	"that file first. Refused while a wgpolicy daemon runs in this network\n"
	"namespace: it would put it all back. An INTERFACE that is not wgpolicy's,\n"
	"or is neither in the kernel nor in the configuration, is an error.\n"
	"\n"
	"  -C, --config DIR  the configuration (for [Global] Protocol; default " DEFAULT_CONFIG_DIR
	")\n"
	"  -h, --help        show this help\n";

/*
 * A daemon of this namespace would put back what down removes, and its rounds
 * would race down's verification: refuse, and say how to stop it.
 */
static bool daemon_running(void)
{
	json_t *d = daemon_json();
	json_int_t pid = json_integer_value(json_object_get(json_object_get(d, "daemon"), "pid"));
	bool running = json_is_object(d);

	if (running)
		fprintf(stderr,
			"wgpolicy down: a wgpolicy daemon runs in this network namespace (pid %lld) "
			"and would put back what down removes; stop it first (systemctl stop "
			"wgpolicy), or run it with --down-on-exit; nothing was changed\n",
			(long long)pid);
	json_decref(d);
	return running;
}

/*
 * An interface named that is another's (wg-quick's), or nobody's, is a
 * mistake to say, as wg-quick says it; one of the configuration that is down
 * already is nothing to do.
 */
static bool names_known(const struct engine *e, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct st_link *l = state_link(e->live, names[i]);

		if (l && !l->owned) {
			fprintf(stderr,
				"wgpolicy down: %s is not wgpolicy's (wg-quick's? `wg-quick down "
				"%s`); nothing was changed\n",
				names[i], names[i]);
			return false;
		}
		if (!l && !(e->conf && conf_find_iface(e->conf, names[i]))) {
			fprintf(stderr,
				"wgpolicy down: no WireGuard interface %s, in the kernel or the "
				"configuration; nothing was changed\n",
				names[i]);
			return false;
		}
	}
	return true;
}

int down_main(int argc, char *argv[])
{
	struct engine_opts eo = { .down = true };
	struct cmd_opts o;
	struct engine e;
	char (*names)[IFNAME_MAX + 1] = NULL;
	const char **scope = NULL;
	char **files = NULL;
	int i, ret = cmd_options(argc, argv, usage, false, &o);

	if (ret >= 0)
		return ret;
	if (o.nargs) {
		names = calloc((size_t)o.nargs, sizeof(*names));
		scope = calloc((size_t)o.nargs, sizeof(*scope));
		files = calloc((size_t)o.nargs, sizeof(*files));
		if (!names || !scope || !files) {
			ret = EXIT_ERROR;
			goto out;
		}
		for (i = 0; i < o.nargs; i++) {
			scope[i] = iface_operand(o.args[i], names[i], sizeof(names[i]));
			if (!scope[i]) {
				fprintf(stderr, "wgpolicy down: '%s' is not an interface name\n",
					o.args[i]);
				ret = EXIT_USAGE;
				goto out;
			}
			/* A wg-quick file given: its hooks (PreDown, PostDown) come from it. */
			if (strchr(o.args[i], '/') || strstr(o.args[i], ".conf"))
				files[eo.nfiles++] = o.args[i];
		}
		eo.files = eo.nfiles ? files : NULL;
		eo.scope = scope;
		eo.n_scope = (size_t)o.nargs;
	}
	eo.dir = o.dir;
	if (daemon_running()) {
		ret = EXIT_ERROR;
		goto out;
	}
	ret = engine_run(&e, &eo) ? EXIT_ERROR : 0;
	if (!ret && !names_known(&e, eo.scope, eo.n_scope))
		ret = EXIT_ERROR;
	else if (!ret && !e.plan.ops.n)
		fprintf(stderr, "wgpolicy: nothing of wgpolicy's to remove\n");
	else if (!ret)
		ret = engine_save_config(&e, stderr) || engine_apply(&e, stderr) ? EXIT_ERROR : 0;
	engine_free(&e);
out:
	free(names);
	free(scope);
	free(files);
	return ret;
}
