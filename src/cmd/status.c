// SPDX-License-Identifier: GPL-2.0-or-later
/* wgpolicy status: interfaces, peers, and the rules and tables wgpolicy owns, from the kernel. */
#include <arpa/inet.h>
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
	"latest handshake age, bytes, keepalive, allowed IPs), and the rules and\n"
	"routes wgpolicy owns, as the kernel has them now.\n"
	"\n"
	"  -C, --config DIR  the configuration, for peer names (default " DEFAULT_CONFIG_DIR ")\n"
	"  -j, --json        print JSON\n"
	"  -h, --help        show this help\n";

static const char *peer_name(const struct conf *c, const struct st_wgpeer *p)
{
	const struct conf_iface *iface = c ? conf_find_iface(c, p->ifname) : NULL;

	if (!iface)
		return NULL;
	vec_foreach(it, &iface->peers)
		if (IS_SET((*it)->name) && !memcmp((*it)->public_key.v.b, p->public_key.b, 32))
			return (*it)->name.v;
	return NULL;
}

static void format_endpoint(const struct st_endpoint *e, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!e->family) {
		snprintf(buf, len, "(none)");
		return;
	}
	inet_ntop(e->family == FAMILY_V4 ? AF_INET : AF_INET6, e->addr, a, sizeof(a));
	snprintf(buf, len, e->family == FAMILY_V4 ? "%s:%u" : "[%s]:%u", a, e->port);
}

static json_t *peer_json(const struct conf *c, const struct st_wgpeer *p, time_t now)
{
	char key[ST_KEY_B64_LEN], ep[80], buf[PREFIX_STRLEN];
	json_t *ips = json_array();
	uint32_t i;

	for (i = 0; i < p->n_allowed_ips; i++)
		json_array_append_new(ips, json_string(prefix_format(&p->allowed_ips[i], buf, true)));
	format_endpoint(&p->endpoint, ep, sizeof(ep));
	return json_pack("{s:s, s:s?, s:s?, s:o, s:o, s:o, s:I, s:I, s:i}", "public_key",
			 st_key_format(&p->public_key, key), "name", peer_name(c, p),
			 "endpoint", p->endpoint.family ? ep : NULL, "allowed_ips", ips,
			 "latest_handshake",
			 p->last_handshake_sec ? json_integer(p->last_handshake_sec) : json_null(),
			 "handshake_age_seconds",
			 p->last_handshake_sec ? json_integer(now - p->last_handshake_sec)
					       : json_null(),
			 "rx_bytes", (json_int_t)p->rx_bytes, "tx_bytes", (json_int_t)p->tx_bytes,
			 "persistent_keepalive", (int)p->keepalive);
}

/* What the daemon of this namespace knows (health, active targets), or null when none runs. */
static json_t *daemon_json(void)
{
	char *text = NULL;
	json_t *j = NULL;

	if (!control_request("status", &text) && text)
		j = json_loads(text, 0, NULL);
	free(text);
	return j ? j : json_null();
}

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
	json_array_foreach(json_object_get(d, "policies"), i, p) {
		const char *active = json_string_value(json_object_get(p, "active"));

		fprintf(out, "  policy %s: via %s\n", json_string_value(json_object_get(p, "name")),
			active ? active : "nothing (every target down)");
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
	return json_pack("{s:o, s:o, s:o, s:o}", "interfaces", ifaces, "rules", rules, "routes",
			 routes, "daemon", daemon_json());
}

static void print_age(FILE *out, int64_t when, time_t now)
{
	int64_t age = now - when;

	if (!when)
		fprintf(out, "never\n");
	else if (age < 120)
		fprintf(out, "%lld seconds ago\n", (long long)age);
	else if (age < 7200)
		fprintf(out, "%lld minutes ago\n", (long long)(age / 60));
	else
		fprintf(out, "%lld hours ago\n", (long long)(age / 3600));
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
