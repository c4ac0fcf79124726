// SPDX-License-Identifier: GPL-2.0-or-later
/* wgpolicy apply, and up: make the kernel match the configuration, or one interface of it. */
#include <string.h>

#include "cmd/cmd.h"
#include "engine/engine.h"
#include "load/load.h"

static const char apply_usage[] =
	"Usage: wgpolicy apply [-C DIR]\n"
	"\n"
	"Make the kernel match the configuration: create, change and remove what\n"
	"wgpolicy owns, never anything else. Each change is printed as it is made.\n"
	"On any failure everything done is undone. Running it again changes nothing.\n"
	"\n"
	"  -C, --config DIR  read the configuration from DIR (default " DEFAULT_CONFIG_DIR ")\n"
	"  -h, --help        show this help\n";

static const char up_usage[] =
	"Usage: wgpolicy up [-C DIR] INTERFACE|FILE.conf\n"
	"\n"
	"Bring up one interface: by name from the configuration, or from a wg-quick\n"
	"file, so interfaces can move from wg-quick one at a time. Other interfaces\n"
	"are left as they are.\n"
	"\n"
	"  -C, --config DIR  read the configuration from DIR (default " DEFAULT_CONFIG_DIR ")\n"
	"  -h, --help        show this help\n";

static int run(struct engine_opts *eo)
{
	struct engine e;
	int ret = engine_run(&e, eo) ? EXIT_ERROR : 0;

	if (!ret && !iface_scope_known(&e, eo, "up")) {
		engine_free(&e);
		return EXIT_ERROR;
	}
	if (!ret)
		warn_system(&e);
	if (!ret && !e.plan.ops.n)
		fprintf(stderr, "wgpolicy: nothing to change\n");
	else if (!ret)
		ret = engine_apply(&e, stderr) ? EXIT_ERROR : 0;
	engine_free(&e);
	return ret;
}

int apply_main(int argc, char *argv[])
{
	struct engine_opts eo = { .need_config = true };
	struct cmd_opts o;
	int ret = cmd_options(argc, argv, apply_usage, false, &o);

	if (ret >= 0)
		return ret;
	if (o.nargs) {
		fputs(apply_usage, stderr);
		return EXIT_USAGE;
	}
	eo.dir = o.dir;
	return run(&eo);
}

/* "wg0" or "/etc/wireguard/wg0.conf" → "wg0"; NULL when neither. */
const char *iface_operand(const char *arg, char *name, size_t len)
{
	const char *base = strrchr(arg, '/');
	size_t n;

	base = base ? base + 1 : arg;
	n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".conf"))
		n -= 5;
	else if (base != arg)
		return NULL;
	if (n >= len)
		return NULL;
	memcpy(name, base, n);
	name[n] = '\0';
	return conf_valid_ifname(name) ? name : NULL;
}

int iface_scope(const struct cmd_opts *o, struct engine_opts *eo, char name[IFNAME_MAX + 1],
		const char **scope)
{
	if (o->nargs != 1)
		return -1;
	if (!iface_operand(o->args[0], name, IFNAME_MAX + 1)) {
		/* As wg-quick's refusal: say what an operand must be. */
		fprintf(stderr,
			"wgpolicy: '%s' is neither an interface name nor a file named after one: "
			"NAME or FILE/NAME.conf, NAME being 1-15 characters of a-z A-Z 0-9 _ = + . -\n",
			o->args[0]);
		return -1;
	}
	scope[0] = name;
	eo->scope = scope;
	eo->n_scope = 1;
	if (strchr(o->args[0], '/') || strstr(o->args[0], ".conf")) {
		eo->files = o->args;
		eo->nfiles = 1;
	}
	return 0;
}

/*
 * `up NAME` or `plan NAME` of a name the configuration does not have is a mistake, not a no-op.
 * So is `up FILE` of a file without [Interface] (empty, or comments alone), which wg-quick
 * brings up as a bare interface: more likely a file cut short or the wrong one than a wish.
 */
bool iface_scope_known(const struct engine *e, const struct engine_opts *eo, const char *cmd)
{
	if (!eo->n_scope || conf_find_iface(e->conf, eo->scope[0]))
		return true;
	if (eo->nfiles) {
		fprintf(stderr,
			"%s: error: no [Interface] section: nothing says what %s is (wg-quick "
			"would bring up a bare %s from it; write [Interface] alone for that)\n",
			eo->files[0], eo->scope[0], eo->scope[0]);
		return false;
	}
	fprintf(stderr, "wgpolicy %s: no interface %s in the configuration (%s)\n", cmd,
		eo->scope[0], eo->dir ? eo->dir : DEFAULT_CONFIG_DIR);
	return false;
}

int up_main(int argc, char *argv[])
{
	struct engine_opts eo = { .need_config = true };
	char name[IFNAME_MAX + 1];
	const char *scope[1];
	struct cmd_opts o;
	int ret = cmd_options(argc, argv, up_usage, false, &o);

	if (ret >= 0)
		return ret;
	eo.dir = o.dir;
	if (iface_scope(&o, &eo, name, scope)) {
		fputs(up_usage, stderr);
		return EXIT_USAGE;
	}
	return run(&eo);
}
