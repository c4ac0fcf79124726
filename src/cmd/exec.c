// SPDX-License-Identifier: GPL-2.0-or-later
/* wgpolicy exec: run a command whose traffic follows a policy, by placing it in its cgroup. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "kernel/cgroup.h"
#include "load/load.h"

static const char usage[] =
	"Usage: wgpolicy exec [-C DIR] POLICY -- COMMAND [ARG...]\n"
	"\n"
	"Run COMMAND in the cgroup of POLICY (its first Cgroup path), so that its\n"
	"traffic follows the policy once it is applied. The cgroup is created if\n"
	"missing. Needs the right to move processes between cgroups (root).\n"
	"\n"
	"  -C, --config DIR  read the configuration from DIR (default " DEFAULT_CONFIG_DIR ")\n"
	"  -h, --help        show this help\n";

static const struct conf_policy *find_policy(const struct conf *c, const char *name)
{
	vec_foreach(it, &c->policies)
		if (!strcmp((*it)->name, name))
			return *it;
	return NULL;
}

static int enter_cgroup(const char *dir, const char *name)
{
	const struct conf_policy *p;
	struct conf *c;
	int ret = EXIT_ERROR, err = load_config(dir, NULL, 0, &c);

	if (err) {
		fprintf(stderr, "wgpolicy exec: %s\n", strerror(-err));
		return EXIT_ERROR;
	}
	p = find_policy(c, name);
	if (!p)
		fprintf(stderr, "wgpolicy exec: no [Policy %s] in the configuration\n", name);
	else if (!p->cgroups.n)
		fprintf(stderr,
			"wgpolicy exec: policy %s selects no Cgroup; give it one, e.g.\n"
			"  Cgroup = wgpolicy.slice/%s.scope\n",
			name, name);
	else if ((err = cgroup_create(p->cgroups.v[0].s)) ||
		 (err = cgroup_attach(p->cgroups.v[0].s, getpid())))
		fprintf(stderr, "wgpolicy exec: cgroup %s: %s\n", p->cgroups.v[0].s,
			strerror(-err));
	else
		ret = EXIT_OK;
	conf_free(c); /* p is gone with it */
	return ret;
}

int exec_main(int argc, char *argv[])
{
	struct cmd_opts o;
	int ret = cmd_options(argc, argv, usage, false, &o);

	if (ret >= 0)
		return ret;
	/* getopt moved "--" out of the way: POLICY, then the command. */
	if (o.nargs < 2) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	ret = enter_cgroup(o.dir, o.args[0]);
	if (ret)
		return ret;
	execvp(o.args[1], o.args + 1);
	fprintf(stderr, "wgpolicy exec: %s: %s\n", o.args[1], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
