// SPDX-License-Identifier: GPL-2.0-or-later
/* wgpolicy status: interfaces, peers, and the rules and tables wgpolicy owns, from the kernel. */
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "daemon/daemon.h"
#include "engine/engine.h"
#include "load/load.h"

static const char usage[] =
	"Usage: wgpolicy status [-C DIR] [--json]\n"
	"\n"
	"Show wgpolicy's interfaces (MTU, port, fwmark), their peers (endpoint,\n"
	"latest handshake age, bytes, keepalive, allowed IPs), the configuration's\n"
	"interfaces the kernel lacks (and the policies sent through them), and the\n"
	"rules and routes wgpolicy owns, as the kernel has them now.\n"
	"\n"
	"  -C, --config DIR  the configuration, for peer names and the interfaces it\n"
	"                    expects (default " DEFAULT_CONFIG_DIR ")\n"
	"  -j, --json        print JSON\n"
	"  -h, --help        show this help\n";

/* An endpoint's host name as the daemon knows it. */
static void print_name(FILE *out, const json_t *n)
{
	const char *addr = json_string_value(json_object_get(n, "address"));
	const char *err = json_string_value(json_object_get(n, "error"));
	const json_t *next = json_object_get(n, "next_lookup_ms");

	fprintf(out, "  endpoint %s: %s", json_string_value(json_object_get(n, "host")),
		addr ? addr : "no address yet");
	if (err)
		fprintf(out, " (last lookup failed: %s)", err);
	if (json_is_true(json_object_get(n, "busy")))
		fprintf(out, ", looking it up");
	else if (json_is_integer(next))
		fprintf(out, ", next lookup in %lld s", json_integer_value(next) / 1000);
	fputc('\n', out);
}

static void print_daemon(FILE *out, const json_t *d)
{
	const json_t *p, *t;
	long long flapping;
	size_t i, k;

	if (!json_is_object(d)) {
		fprintf(out, "daemon: not running in this network namespace\n");
		return;
	}
	fprintf(out, "daemon: pid %lld, %lld reconcile rounds, %lld changes, %lld reloads\n",
		json_integer_value(json_object_get(json_object_get(d, "daemon"), "pid")),
		json_integer_value(json_object_get(json_object_get(d, "daemon"), "rounds")),
		json_integer_value(json_object_get(json_object_get(d, "daemon"), "changes")),
		json_integer_value(json_object_get(json_object_get(d, "daemon"), "reloads")));
	flapping = json_integer_value(json_object_get(json_object_get(d, "daemon"), "flapping"));
	if (flapping)
		fprintf(out, "  %lld object%s flapping: put back without a word (see the log)\n",
			flapping, flapping == 1 ? "" : "s");
	json_array_foreach(json_object_get(d, "policies"), i, p) {
		const json_t *over = json_object_get(p, "over"), *w;

		fprintf(out, "  policy %s: via ", json_string_value(json_object_get(p, "name")));
		json_array_foreach(over, k, w)
			fprintf(out, "%s%s", k ? ", " : "", json_string_value(w));
		fprintf(out, "%s\n", json_array_size(over) ? "" : "nothing (every target down)");
		json_array_foreach(json_object_get(p, "targets"), k, t)
			fprintf(out, "    %s: %s%s, rtt %lld ms, %lld of %lld probes lost (%s; %s)\n",
				json_string_value(json_object_get(t, "target")),
				json_is_true(json_object_get(t, "up")) ? "up" : "DOWN",
				json_is_true(json_object_get(t, "handshake_dead")) ? " (no handshake)"
										    : "",
				json_integer_value(json_object_get(t, "rtt_ms")),
				json_integer_value(json_object_get(t, "lost")),
				json_integer_value(json_object_get(t, "sent")),
				json_string_value(json_object_get(t, "probe")),
				json_string_value(json_object_get(t, "handshake")));
	}
	json_array_foreach(json_object_get(d, "endpoints"), i, p)
		print_name(out, p);
}

/*
 * The configuration's interfaces the kernel does not have (deleted, or never
 * brought up), each with the policies sending through it: after a tunnel dies,
 * the kernel's view alone would not show it at all.
 */
static json_t *missing_json(const struct engine *e)
{
	json_t *missing = json_array();

	if (!e->conf || e->conf->diags.errors)
		return missing;
	vec_foreach(iface, &e->conf->ifaces)
	{
		json_t *policies = json_array();

		if (state_link(e->live, (*iface)->name)) {
			json_decref(policies);
			continue;
		}
		vec_foreach(p, &e->conf->policies)
		{
			bool through = false;

			vec_foreach(t, &(*p)->via) through |= t->iface == *iface;
			if (through)
				json_array_append_new(policies, json_string((*p)->name));
		}
		json_array_append_new(missing, json_pack("{s:s, s:o}", "name", (*iface)->name,
							 "policies", policies));
	}
	return missing;
}

static json_t *status_json(const struct engine *e)
{
	json_t *ifaces = json_array(), *rules = json_array(), *routes = json_array();
	char line[OP_LINE_MAX];
	time_t now = time(NULL);

	vec_foreach(l, &e->live->links) {
		const struct st_wgdev *dev = NULL;
		json_t *peers = json_array();

		vec_foreach(d, &e->live->wgdevs)
			if (!strcmp(d->ifname, l->name))
				dev = d;
		vec_foreach(p, &e->live->wgpeers)
			if (!strcmp(p->ifname, l->name))
				json_array_append_new(peers, peer_json(e->conf, p, now));
		json_array_append_new(
			ifaces, json_pack("{s:s, s:b, s:s, s:i, s:b, s:o, s:o, s:o}", "name", l->name,
					  "owned", l->owned, "backend",
					  l->backend == WG_BACKEND_KERNEL ? "kernel" : "userspace",
					  "mtu", (int)l->mtu, "up", l->up, "listen_port",
					  dev ? json_integer(dev->listen_port) : json_null(), "fwmark",
					  dev ? json_integer(dev->fwmark) : json_null(), "peers",
					  peers));
	}
	vec_foreach(r, &e->live->rules)
		if (r->protocol == e->r.protocol)
			json_array_append_new(rules, json_string(obj_render(OBJ_RULE, r, line,
									    sizeof(line))));
	vec_foreach(r, &e->live->routes)
		if (r->protocol == e->r.protocol)
			json_array_append_new(routes, json_string(obj_render(OBJ_ROUTE, r, line,
									     sizeof(line))));
	return json_pack("{s:o, s:o, s:o, s:o, s:o}", "interfaces", ifaces, "missing_interfaces",
			 missing_json(e), "rules", rules, "routes", routes, "daemon", daemon_json());
}

static void print_text(const struct engine *e, FILE *out)
{
	json_t *root = status_json(e), *iface, *peer, *v;
	size_t i, j, k;
	time_t now = time(NULL);

	json_array_foreach(json_object_get(root, "interfaces"), i, iface) {
		fprintf(out, "interface: %s (%s%s)\n  mtu: %lld%s\n",
			json_string_value(json_object_get(iface, "name")),
			json_is_true(json_object_get(iface, "owned")) ? "wgpolicy, " : "not wgpolicy's, ",
			json_string_value(json_object_get(iface, "backend")),
			json_integer_value(json_object_get(iface, "mtu")),
			json_is_true(json_object_get(iface, "up")) ? "" : " (down)");
		if (json_is_integer(json_object_get(iface, "listen_port")))
			fprintf(out, "  listening port: %lld\n  fwmark: 0x%llx\n",
				json_integer_value(json_object_get(iface, "listen_port")),
				json_integer_value(json_object_get(iface, "fwmark")));
		json_array_foreach(json_object_get(iface, "peers"), j, peer) {
			const char *name = json_string_value(json_object_get(peer, "name"));

			fprintf(out, "\n  peer: %s%s%s%s\n",
				json_string_value(json_object_get(peer, "public_key")),
				name ? " (" : "", name ? name : "", name ? ")" : "");
			if ((v = json_object_get(peer, "endpoint")) && json_is_string(v))
				fprintf(out, "    endpoint: %s\n", json_string_value(v));
			fprintf(out, "    allowed ips:");
			json_array_foreach(json_object_get(peer, "allowed_ips"), k, v)
				fprintf(out, "%s %s", k ? "," : "", json_string_value(v));
			fprintf(out, "%s\n    latest handshake: ",
				json_array_size(json_object_get(peer, "allowed_ips")) ? "" : " (none)");
			print_age(out, json_integer_value(json_object_get(peer, "latest_handshake")), now);
			fprintf(out, "    transfer: %lld B received, %lld B sent\n",
				json_integer_value(json_object_get(peer, "rx_bytes")),
				json_integer_value(json_object_get(peer, "tx_bytes")));
			if ((k = (size_t)json_integer_value(json_object_get(peer, "persistent_keepalive"))))
				fprintf(out, "    persistent keepalive: every %zu seconds\n", k);
		}
		fputc('\n', out);
	}
	json_array_foreach(json_object_get(root, "missing_interfaces"), i, iface) {
		fprintf(out, "interface: %s (in the configuration, not in the kernel)\n",
			json_string_value(json_object_get(iface, "name")));
		json_array_foreach(json_object_get(iface, "policies"), j, v)
			fprintf(out, "%s%s", j ? ", " : "  policies through it: ", json_string_value(v));
		fprintf(out, "%s  `wgpolicy apply` brings it up\n\n",
			json_array_size(json_object_get(iface, "policies")) ? "\n" : "");
	}
	fprintf(out, "rules (wgpolicy's):\n");
	json_array_foreach(json_object_get(root, "rules"), i, v)
		fprintf(out, "  %s\n", json_string_value(v));
	fprintf(out, "routes (wgpolicy's):\n");
	json_array_foreach(json_object_get(root, "routes"), i, v)
		fprintf(out, "  %s\n", json_string_value(v));
	print_daemon(out, json_object_get(root, "daemon"));
	json_decref(root);
}

int status_main(int argc, char *argv[])
{
	struct engine_opts eo = { .down = true };
	struct cmd_opts o;
	struct engine e;
	int ret = cmd_options(argc, argv, usage, true, &o);

	if (ret >= 0)
		return ret;
	if (o.nargs) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	eo.dir = o.dir;
	ret = engine_run(&e, &eo) ? EXIT_ERROR : 0;
	if (!ret && o.json) {
		json_t *root = status_json(&e);

		json_dumpf(root, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(root);
	} else if (!ret) {
		print_text(&e, stdout);
	}
	engine_free(&e);
	return ret;
}
