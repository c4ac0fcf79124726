// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wgpolicy doctor: the troubleshooting checklist, automated, against the live
 * system of this network namespace. The judgements over states are pure
 * (src/explain/checks.c, peers.c); what only the system knows (sysctls, the
 * kernel's reverse path, the resolver) is in doctor_sys.c.
 */
#include <string.h>
#include <time.h>

#include "cmd/doctor.h"
#include "load/load.h"

static const char usage[] =
    "Usage: wgpolicy doctor [-C DIR] [--json] [--probe]\n"
    "\n"
    "Run the troubleshooting checklist against this network namespace: the\n"
    "configuration; the kernel against it (plan, rules, tables, nftables); rules\n"
    "of other programs that take a policy's traffic first; AllowedIPs too broad or\n"
    "too narrow; endpoints that do not resolve, or are routed into their own\n"
    "tunnel; stale handshakes; tunnel MTU against the path; rp_filter and\n"
    "src_valid_mark; DNS servers outside the tunnels; world-readable key files;\n"
    "the daemon. One line a check: ok, warn or FAIL, the reason and a hint.\n"
    "\n"
    "  -C, --config DIR  read the configuration from DIR (default " DEFAULT_CONFIG_DIR ")\n"
    "  -j, --json        print JSON\n"
    "      --probe       also ping through each tunnel with its whole MTU, Don't Fragment\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 no FAIL (warnings allowed), 1 a FAIL or an error, 64 usage.\n";

static void check_config(struct findings *f, const struct conf *c)
{
	const struct diag *first = NULL;

	vec_foreach(d, &c->diags.list) if (d->sev == SEV_ERROR && !first) first = d;
	if (first)
		finding_add(f, "config", LEVEL_FAIL, "`wgpolicy check` lists them",
			    "%zu error%s, first: %s:%u: %s", c->diags.errors,
			    c->diags.errors == 1 ? "" : "s", first->loc.file, first->loc.line,
			    first->msg);
	else if (c->diags.warnings)
		finding_add(f, "config", LEVEL_WARN, "`wgpolicy check` lists them",
			    "valid, with %zu warning%s", c->diags.warnings,
			    c->diags.warnings == 1 ? "" : "s");
	else
		finding_add(f, "config", LEVEL_OK, NULL, "valid: %zu interface%s, %zu polic%s",
			    c->ifaces.n, c->ifaces.n == 1 ? "" : "s", c->policies.n,
			    c->policies.n == 1 ? "y" : "ies");
}

static void check_keys(struct findings *f, const struct conf *c)
{
	size_t before = f->v.n;

	vec_foreach(iface,
		    &c->ifaces) if ((*iface)->world_accessible && IS_SET((*iface)->private_key))
	    finding_add(f, "keys", LEVEL_WARN, arena_printf(f->a, "chmod 600 %s", (*iface)->file),
			"%s holds %s's PrivateKey and is world accessible", (*iface)->file,
			(*iface)->name);
	if (f->v.n == before)
		finding_add(f, "keys", LEVEL_OK, NULL, "no private key is readable by others");
}

/* Failover and putting back what others change need the daemon; a plain apply does not. */
static void check_daemon(struct findings *f, const struct conf *c, const json_t *daemon)
{
	const struct conf_policy *needs = NULL;

	if (json_is_object(daemon)) {
		finding_add(
		    f, "daemon", LEVEL_OK, NULL, "running, pid %lld",
		    json_integer_value(json_object_get(json_object_get(daemon, "daemon"), "pid")));
		return;
	}
	vec_foreach(p, &c->policies) if (!needs && ((*p)->via.n > 1 || IS_SET((*p)->check))) needs =
	    *p;
	if (needs)
		finding_add(f, "daemon", LEVEL_WARN,
			    "`wgpolicy daemon`, or systemctl start wgpolicy",
			    "not running: policy %s's failover needs it", needs->name);
	else
		finding_add(f, "daemon", LEVEL_OK, NULL, "not running (no policy fails over)");
}

static void check_endpoints(struct findings *f, const struct facts *facts)
{
	size_t i, before = f->v.n;

	for (i = 0; i < facts->n_endpoints; i++) {
		const struct endpoint_fact *ef = &facts->endpoints[i];

		if (!ef->ep.family)
			finding_add(f, "endpoints", LEVEL_FAIL,
				    "check the name and this host's resolver, or give an address",
				    "Endpoint %s:%u does not resolve: %s", ef->host, ef->port,
				    ef->error ? ef->error : "no address");
	}
	if (f->v.n == before)
		finding_add(f, "endpoints", LEVEL_OK, NULL, "%zu endpoint%s resolve%s",
			    facts->n_endpoints, facts->n_endpoints == 1 ? "" : "s",
			    facts->n_endpoints == 1 ? "s" : "");
}

static void check_plan(struct findings *f, const struct engine *e, bool planned)
{
	char line[OP_LINE_MAX];

	if (!planned)
		finding_add(f, "plan", LEVEL_FAIL, "the messages above say why",
			    "cannot compare the kernel with the configuration");
	else if (e->plan.ops.n)
		finding_add(f, "plan", LEVEL_FAIL,
			    "`wgpolicy plan` lists them, `wgpolicy apply` "
			    "makes them",
			    "the kernel differs from the configuration: %zu change%s pending, "
			    "first: %s",
			    e->plan.ops.n, e->plan.ops.n == 1 ? "" : "s",
			    op_render(&e->plan.ops.v[0], line, sizeof(line)));
	else
		finding_add(f, "plan", LEVEL_OK, NULL, "the kernel matches the configuration");
}

/* The checks that need the kernel's state and the compiled one. */
static void check_kernel(struct findings *f, struct engine *e, bool planned, bool probe)
{
	const struct st_wgpeer *const *loops;
	size_t n_loops;

	check_endpoints(f, &e->facts);
	n_loops = check_endpoint_routes(f, e, &loops);
	check_plan(f, e, planned);
	if (planned) {
		check_rules(f, e->desired, e->live);
		check_tables(f, e->conf, e->desired, e->live);
		check_nft(f, e->desired, e->live);
		check_allowed_ips(f, e->conf, e->desired, e->live);
		check_sysctls(f, e->desired);
	}
	check_foreign_rules(f, e->conf, e->live, e->r.protocol);
	check_handshakes(f, e->conf, e->live, time(NULL));
	check_mtu(f, e->live, &e->facts, loops, n_loops);
	if (probe)
		check_mtu_probe(f, e);
	check_rp_filter(f, e);
	check_forwarding(f, e);
	check_dns(f, e);
}

static const char *const level_names[] = {"ok", "warn", "FAIL"};

static void print(const struct findings *f, bool json)
{
	json_t *arr = json ? json_array() : NULL;
	size_t count[3] = {0};

	vec_foreach(x, &f->v)
	{
		count[x->level]++;
		if (json)
			json_array_append_new(arr,
					      json_pack("{s:s, s:s, s:s, s:s?}", "check", x->check,
							"level", level_names[x->level], "reason",
							x->reason, "hint", x->hint));
		else
			printf("%-4s  %s: %s%s%s\n", level_names[x->level], x->check, x->reason,
			       x->hint && x->level ? " -- " : "",
			       x->hint && x->level ? x->hint : "");
	}
	if (json) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(arr);
		return;
	}
	printf("\n%zu ok, %zu warning%s, %zu failure%s\n", count[LEVEL_OK], count[LEVEL_WARN],
	       count[LEVEL_WARN] == 1 ? "" : "s", count[LEVEL_FAIL],
	       count[LEVEL_FAIL] == 1 ? "" : "s");
}

static int doctor(const struct cmd_opts *o, bool probe)
{
	struct engine_opts eo = {.dir = o->dir, .every_path_mtu = true};
	struct arena a;
	struct findings f = {&a, {0}};
	struct engine e;
	json_t *daemon = daemon_json();
	bool planned;
	int ret = EXIT_ERROR;

	arena_init(&a);
	engine_init(&e, &eo);
	if (engine_load(&e))
		goto out;
	check_config(&f, e.conf);
	check_keys(&f, e.conf);
	check_daemon(&f, e.conf, daemon);
	if (!e.conf->diags.errors) {
		if (json_is_object(daemon)) {
			e.target_up = daemon_target_up;
			e.health = daemon;
		}
		planned = !engine_plan(&e);
		if (e.live)
			check_kernel(&f, &e, planned, probe);
	}
	print(&f, o->json);
	ret = findings_worst(&f) == LEVEL_FAIL ? EXIT_ERROR : EXIT_OK;
out:
	engine_free(&e);
	json_decref(daemon);
	arena_free(&a);
	return ret;
}

int doctor_main(int argc, char *argv[])
{
	struct cmd_opts o;
	bool probe = false;
	int i, n = 0, ret;

	/* --probe is doctor's own: taken out before the options every command shares. */
	for (i = 0; i < argc; i++) {
		if (i && !strcmp(argv[i], "--probe"))
			probe = true;
		else
			argv[n++] = argv[i];
	}
	ret = cmd_options(n, argv, usage, true, &o);
	if (ret >= 0)
		return ret;
	if (o.nargs) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	return doctor(&o, probe);
}
