// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wgpolicy explain: which policy, rule, table, route, interface and peer a
 * packet takes, and why, from the configuration (src/explain, pure) and from
 * the live kernel (an RTM_GETROUTE lookup and the WireGuard peers), and
 * whether the two agree. Built as JSON; the text is printed from it.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "cmd/cmd.h"
#include "conf/values.h"
#include "engine/engine.h"
#include "explain/explain.h"
#include "kernel/kernel.h"
#include "kernel/sysctl.h"
#include "load/load.h"
#include "util/sysctl_name.h"
#include "util/log.h"

static const char usage[] =
    "Usage: wgpolicy explain [-C DIR] [--json] SELECTOR...\n"
    "\n"
    "Which policy, rule, table, route, interface and WireGuard peer a packet\n"
    "takes, and why: from the configuration (which policy matches, which\n"
    "selector excludes the others, failover and kill switch), from what it\n"
    "compiles to (nftables mark, rule, table, route, peer by AllowedIPs), and\n"
    "from the live kernel (a route lookup as `ip route get` does it, the\n"
    "peer's endpoint and latest handshake); then whether they agree.\n"
    "\n"
    "Selectors, as ip route get and ip rule write them:\n"
    "  to ADDR           the destination (required; a bare address is one)\n"
    "  from ADDR         the source (forwarded packets: with iif)\n"
    "  iif IFACE         came in by IFACE (forwarded); without it, sent from this host\n"
    "  uid N|NAME        the sending user;  gid N|NAME  its group\n"
    "  mark N[/M]        the firewall mark it carries already\n"
    "  ipproto P         tcp, udp, icmp, ... or a number\n"
    "  sport N, dport N  ports\n"
    "  cgroup PATH       the sender's cgroup v2 path (user.slice/app.scope)\n"
    "  exec POLICY       sent by a command `wgpolicy exec POLICY` runs\n"
    "\n"
    "  -C, --config DIR  read the configuration from DIR (default " DEFAULT_CONFIG_DIR ")\n"
    "  -j, --json        print JSON\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 explained (whether or not the kernel agrees), 1 error, 64 usage.\n";

struct explain {
	struct engine e;
	struct packet pk;
	json_t *daemon;
	struct arena a;
	struct config_view cv;
	struct simulation sim;
	struct route_query q;
	struct kernel_route kr;
	const struct st_wgpeer *live_peer;
	/* The packet's incoming interface forwards nothing: the sysctl that says so; "": it does. */
	char not_forwarding[96];
};

static const char *table_name(uint32_t id, char *buf, size_t len)
{
	if (id == RT_TABLE_MAIN_ID)
		return "main";
	snprintf(buf, len, "%u", id);
	return buf;
}

static json_t *loc_json(const struct loc *loc)
{
	return loc->line ? json_sprintf("%s:%u", loc->file, loc->line) : json_null();
}

/* ---- the configuration ---- */

static json_t *verdicts_json(const struct config_view *cv)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < cv->n; i++) {
		const struct verdict *v = &cv->v[i];
		bool later = cv->chosen && v > cv->chosen;

		json_array_append_new(arr,
				      json_pack("{s:s, s:I, s:b, s:b, s:s?, s:o}", "name",
						v->p->name, "priority", (json_int_t)v->priority,
						"match", v->match, "reached", !later, "reason",
						v->reason, "where", loc_json(&v->loc)));
	}
	return arr;
}

static json_t *config_json(const struct explain *x)
{
	const struct config_view *cv = &x->cv;
	char buf[64];
	json_t *via = json_array();

	char dns[PREFIX_STRLEN];

	if (cv->chosen)
		vec_foreach(t, &cv->chosen->p->via)
		    json_array_append_new(via, json_string(target_name(t, buf, sizeof(buf))));
	/* "dns": where the policy's DNS redirects the query, "drop", or absent: left as it is. */
	return json_pack("{s:o, s:s?, s:o, s:s?, s:b, s:b, s:s, s:s?}", "policies",
			 verdicts_json(cv), "policy", cv->chosen ? cv->chosen->p->name : NULL,
			 "via", via, "target", target_name(cv->active, buf, sizeof(buf)),
			 "killswitch", cv->killswitch, "leak_guard", cv->guard, "health",
			 json_is_object(x->daemon) ? "daemon" : "assumed", "dns",
			 cv->dns_to ? prefix_format(cv->dns_to, dns, false)
			 : cv->dns_dropped ? "drop"
					   : NULL);
}

/* ---- the compiled state ---- */

static const char *rendered(enum obj_type type, const void *obj, char *buf, size_t len)
{
	const char *s = obj_render(type, obj, buf, len);
	const char *add = strstr(s, " add ");

	/* "ip -4 rule add from ..." → "from ...": the words ip rule and ip route show. */
	return add ? add + 5 : s;
}

static json_t *desired_peer_json(const struct conf *c, const struct st_wgpeer *p)
{
	char key[ST_KEY_B64_LEN], buf[PREFIX_STRLEN];
	json_t *ips = json_array();
	const char *name = NULL;
	uint32_t i;

	for (i = 0; i < p->n_allowed_ips; i++)
		json_array_append_new(ips,
				      json_string(prefix_format(&p->allowed_ips[i], buf, true)));
	vec_foreach(it, &conf_find_iface(c, p->ifname)->peers) if (IS_SET((*it)->name) &&
								   !memcmp((*it)->public_key.v.b,
									   p->public_key.b, 32))
	    name = (*it)->name.v;
	return json_pack("{s:s, s:s, s:s?, s:o}", "interface", p->ifname, "public_key",
			 st_key_format(&p->public_key, key), "name", name, "allowed_ips", ips);
}

static const char *const sim_ends[] = {"route", "other-table", "refused", "none"};

static json_t *compiled_json(const struct explain *x)
{
	const struct simulation *s = &x->sim;
	char rule[OP_LINE_MAX], route[OP_LINE_MAX], t[16];
	const char *dev = s->route && s->route->type == ROUTE_UNICAST && !s->route->n_nh
			      ? s->route->ifname
			      : NULL;

	return json_pack(
	    "{s:o, s:s?, s:o, s:s?, s:o, s:s, s:s?, s:s?, s:o, s:i}", "mark",
	    s->marked_by ? json_integer(s->mark) : json_null(), "marked_by",
	    s->marked_by ? s->marked_by->name : NULL, "priority",
	    json_integer(s->rule			? s->rule->priority
			 : s->table == RT_TABLE_MAIN_ID ? 32766
							: 32767),
	    "rule", s->rule ? rendered(OBJ_RULE, s->rule, rule, sizeof(rule)) : NULL, "table",
	    s->end == SIM_NO_RULE ? json_null() : json_string(table_name(s->table, t, 16)), "end",
	    sim_ends[s->end], "route",
	    s->route ? rendered(OBJ_ROUTE, s->route, route, sizeof(route)) : NULL, "interface", dev,
	    "peer", s->peer ? desired_peer_json(x->e.conf, s->peer) : json_null(),
	    "suppressed_lookups", (int)s->skipped_suppress);
}

/* ---- the kernel ---- */

static int fill_query(struct explain *x)
{
	const struct packet *pk = &x->pk;
	struct route_query *q = &x->q;

	memset(q, 0, sizeof(*q));
	q->dst = pk->to;
	q->src = pk->from;
	q->mark = x->sim.mark;
	/* Only a local sender has a user; not naming one must not make it root's. */
	q->uid = pk->has_uid && !packet_forwarded(pk) ? pk->uid : ROUTE_QUERY_NO_UID;
	q->ipproto = pk->proto;
	q->sport = pk->has_sport ? pk->sport : 0;
	q->dport = pk->has_dport ? pk->dport : 0;
	if (!packet_forwarded(pk))
		return 0;
	q->iif = (int)if_nametoindex(pk->iif);
	return q->iif ? 0 : -ENODEV;
}

/* The lookup as `ip route get` words: the mark as nftables leaves it, no socket selectors. */
static char *query_text(const struct explain *x, char *buf, size_t n)
{
	struct packet asked = x->pk;
	size_t at = (size_t)snprintf(buf, n, "ip route get ");

	asked.mark = x->q.mark;
	asked.has_uid = x->q.uid != ROUTE_QUERY_NO_UID;
	asked.has_gid = false;
	asked.cgroup = NULL;
	if (!x->q.iif)
		asked.iif[0] = '\0';
	packet_format(&asked, buf + at, at < n ? n - at : 0);
	return buf;
}

/*
 * A forwarded packet the kernel refuses as unreachable may meet no route at
 * all: its incoming interface does not forward (net.ipv4.ip_forward = 0, a
 * gateway's classic). Say so rather than blame a kill switch.
 */
static void check_forwarding(struct explain *x)
{
	char value[16];

	iface_sysctl_name(x->not_forwarding, sizeof(x->not_forwarding),
			  x->pk.to.family == FAMILY_V4 ? "ipv4" : "ipv6", x->pk.iif, "forwarding");
	if (sysctl_read(x->not_forwarding, value, sizeof(value)) || strcmp(value, "0"))
		x->not_forwarding[0] = '\0';
}

static void ask_kernel(struct explain *x)
{
	struct route_answer path, fib;
	struct kernel_route *k = &x->kr;
	int err = fill_query(x);

	memset(k, 0, sizeof(*k));
	if (!err)
		err = kernel_route_get(x->e.r.nl, &x->q, &path);
	k->error = err;
	if (err == -EHOSTUNREACH && packet_forwarded(&x->pk))
		check_forwarding(x);
	if (err)
		return;
	k->local = path.local;
	k->table = path.table;
	k->gw = path.gw;
	k->src = path.prefsrc;
	if (path.oif && !if_indextoname((unsigned)path.oif, k->dev))
		k->dev[0] = '\0';
	x->q.fibmatch = true;
	if (!kernel_route_get(x->e.r.nl, &x->q, &fib))
		k->matched = fib.dst;
	x->q.fibmatch = false;
	if (k->dev[0])
		x->live_peer = allowedips_lookup(x->e.live, k->dev, &x->pk.to);
}

static const char *kernel_error(const struct explain *x, char *buf, size_t len)
{
	int err = x->kr.error;

	if (x->not_forwarding[0]) {
		snprintf(buf, len, "No route to host: %s does not forward (%s = 0)", x->pk.iif,
			 x->not_forwarding);
		return buf;
	}
	if (err == -ENODEV)
		return "no such interface (iif)";
	if (err == -EINVAL && x->pk.from.family && !packet_forwarded(&x->pk))
		return "Invalid argument: the source is not an address of this host (a forwarded "
		       "packet needs `iif IFACE`), or a blackhole route";
	if (err == -EINVAL && packet_forwarded(&x->pk))
		return "Invalid argument: a martian source, or the reverse path filter (rp_filter) "
		       "drops it";
	if (err == -EHOSTUNREACH)
		return "No route to host: an unreachable route refuses it (a kill switch holds)";
	if (err == -EXDEV)
		return "Invalid cross-device link: the reverse path filter (rp_filter) drops it";
	return strerror(-err);
}

static json_t *kernel_json(const struct explain *x)
{
	const struct kernel_route *k = &x->kr;
	char q[512], t[16], gw[PREFIX_STRLEN], src[PREFIX_STRLEN], m[PREFIX_STRLEN], e[192];

	query_text(x, q, sizeof(q));
	if (k->error)
		return json_pack("{s:s, s:s}", "query", q, "error", kernel_error(x, e, sizeof(e)));
	return json_pack("{s:s, s:n, s:b, s:s, s:s?, s:s?, s:s?, s:s?, s:o}", "query", q, "error",
			 "local", k->local, "table", table_name(k->table, t, sizeof(t)),
			 "interface", k->dev[0] ? k->dev : NULL, "gateway",
			 k->gw.family ? prefix_format(&k->gw, gw, false) : NULL, "source",
			 k->src.family ? prefix_format(&k->src, src, false) : NULL, "route",
			 k->matched.family ? prefix_format(&k->matched, m, true) : NULL, "peer",
			 x->live_peer ? peer_json(x->e.conf, x->live_peer, time(NULL))
				      : json_null());
}

/* The kernel's main rule decides what no rule of the configuration takes. */
#define PRIO_MAIN_RULE 32766

/* A rule of another program that takes the packet before the configuration's rule, as text. */
static const char *foreign_first(const struct explain *x, char *buf, size_t len)
{
	uint32_t prio = x->sim.rule ? x->sim.rule->priority : PRIO_MAIN_RULE;
	const struct st_rule *r =
		explain_foreign_first(x->e.live, &x->pk, x->sim.mark, prio, x->e.r.protocol);

	return r ? explain_shown(OBJ_RULE, r, buf, len) : NULL;
}

static json_t *verdict_json(const struct explain *x)
{
	const char *why;
	enum agreement ag = explain_agree(&x->sim, &x->kr, &why);
	size_t pending = x->e.plan.ops.n;
	const char *hint = NULL, *foreign = NULL;
	char rule[OP_LINE_MAX], text[OP_LINE_MAX + 128];
	/* The guard is in the kernel only while wgpolicy's table is. */
	bool dropped = x->e.live->nft.n && explain_guard_drops(&x->cv, &x->sim, &x->kr);
	bool holds = x->cv.chosen && x->cv.killswitch && x->kr.error == -EHOSTUNREACH &&
		     !x->not_forwarding[0];

	if (ag == DISAGREE && !x->not_forwarding[0])
		foreign = foreign_first(x, rule, sizeof(rule));
	if (x->not_forwarding[0]) {
		snprintf(text, sizeof(text),
			 "this host forwards nothing that comes in by %s: sysctl -w %s=1 (for "
			 "every interface: net.%s.conf.all.forwarding=1)",
			 x->pk.iif, x->not_forwarding, x->pk.to.family == FAMILY_V4 ? "ipv4" : "ipv6");
		hint = text;
	} else if (foreign) {
		snprintf(text, sizeof(text),
			 "rule '%s' is not wgpolicy's and takes it first: move it after wgpolicy's "
			 "rules (PriorityRange), or narrow it",
			 foreign);
		hint = text;
	} else if (ag == DISAGREE) {
		hint = pending ? "not applied? run `wgpolicy plan` to see what differs"
			       : "wgpolicy's objects are all in place: a rule or route that is not "
				 "wgpolicy's takes it first (`ip rule`, `wgpolicy doctor`)";
	}
	return json_pack("{s:o, s:s, s:b, s:b, s:i, s:s?, s:s?}", "agree",
			 ag == UNDECIDED ? json_null() : json_boolean(ag == AGREE), "reason", why,
			 "leak_guard_drops", dropped, "kill_switch_holds", holds, "pending_changes",
			 (int)pending, "foreign_rule", foreign, "hint", hint);
}

static json_t *explain_json(struct explain *x)
{
	char pk[512];

	return json_pack("{s:s, s:o, s:o, s:o, s:o}", "packet",
			 packet_format(&x->pk, pk, sizeof(pk)), "configuration", config_json(x),
			 "compiled", compiled_json(x), "kernel", kernel_json(x), "verdict",
			 verdict_json(x));
}

/* ---- text ---- */

#define STR(obj, key) json_string_value(json_object_get(obj, key))

static void print_config(FILE *out, const json_t *c)
{
	const json_t *v;
	size_t i;

	fprintf(out, "configuration:\n");
	json_array_foreach(json_object_get(c, "policies"), i, v)
	{
		bool reached = json_is_true(json_object_get(v, "reached"));
		bool match = json_is_true(json_object_get(v, "match"));

		fprintf(out, "  %5lld policy %s: %s%s%s%s\n",
			json_integer_value(json_object_get(v, "priority")), STR(v, "name"),
			match ? (reached ? "MATCH" : "matches too, not reached") : "no",
			match ? "" : " (", match ? "" : STR(v, "reason"), match ? "" : ")");
	}
	if (!STR(c, "policy")) {
		fprintf(out, "  -> no policy: the main table decides, as without wgpolicy\n");
		return;
	}
	fprintf(out, "  -> policy %s: via %s, kill switch %s (%s)\n", STR(c, "policy"),
		STR(c, "target") ? STR(c, "target") : "nothing (every target down)",
		!json_is_true(json_object_get(c, "killswitch"))	 ? "off"
		: json_is_true(json_object_get(c, "leak_guard")) ? "on"
								 : "on, by routes alone",
		!strcmp(STR(c, "health"), "daemon") ? "health from the daemon"
						    : "no daemon: the first target is taken as up");
	if (!STR(c, "dns"))
		return;
	if (!strcmp(STR(c, "dns"), "drop"))
		fprintf(out, "  -> a DNS query: dropped by its DNS, which has no resolver of its "
			     "family\n");
	else
		fprintf(out, "  -> a DNS query: its DNS redirects it to %s, by way of the policy\n",
			STR(c, "dns"));
}

static void print_compiled(FILE *out, const json_t *s)
{
	const json_t *peer = json_object_get(s, "peer"), *v;
	size_t i;

	fprintf(out, "compiled:\n");
	if (STR(s, "marked_by"))
		fprintf(out, "  nftables: mark 0x%llx (policy %s)\n",
			json_integer_value(json_object_get(s, "mark")), STR(s, "marked_by"));
	else
		fprintf(out, "  nftables: no mark\n");
	fprintf(out, "  rule: %s\n", STR(s, "rule") ? STR(s, "rule") : "the kernel's own");
	if (STR(s, "route"))
		fprintf(out, "  route: %s\n", STR(s, "route"));
	else if (STR(s, "table"))
		fprintf(out,
			"  table %s: not wgpolicy's alone: the kernel's answer tells the route\n",
			STR(s, "table"));
	if (!json_is_object(peer))
		return;
	fprintf(out, "  peer: %s%s%s%s, allowed ips", STR(peer, "public_key"),
		STR(peer, "name") ? " (" : "", STR(peer, "name") ?: "",
		STR(peer, "name") ? ")" : "");
	json_array_foreach(json_object_get(peer, "allowed_ips"), i, v)
	    fprintf(out, "%s %s", i ? "," : "", json_string_value(v));
	fputc('\n', out);
}

static void print_kernel(FILE *out, const json_t *k)
{
	const json_t *peer = json_object_get(k, "peer");

	fprintf(out, "kernel:\n  %s\n", STR(k, "query"));
	if (STR(k, "error")) {
		fprintf(out, "  refused: %s\n", STR(k, "error"));
		return;
	}
	fprintf(out, "  %stable %s, dev %s",
		json_is_true(json_object_get(k, "local")) ? "local, " : "", STR(k, "table"),
		STR(k, "interface") ?: "(none)");
	if (STR(k, "gateway"))
		fprintf(out, ", via %s", STR(k, "gateway"));
	if (STR(k, "source"))
		fprintf(out, ", src %s", STR(k, "source"));
	if (STR(k, "route"))
		fprintf(out, " (route %s)", STR(k, "route"));
	fputc('\n', out);
	if (!json_is_object(peer))
		return;
	fprintf(out, "  peer: %s%s%s%s, endpoint %s, latest handshake: ", STR(peer, "public_key"),
		STR(peer, "name") ? " (" : "", STR(peer, "name") ?: "",
		STR(peer, "name") ? ")" : "", STR(peer, "endpoint") ?: "(none)");
	print_age(out, json_integer_value(json_object_get(peer, "latest_handshake")), time(NULL));
}

static void print_verdict(FILE *out, const json_t *v)
{
	const json_t *agree = json_object_get(v, "agree");
	long long pending = json_integer_value(json_object_get(v, "pending_changes"));

	fprintf(out, "verdict: %s: %s\n",
		json_is_null(agree)   ? "undecided"
		: json_is_true(agree) ? "agree"
				      : "DISAGREE",
		STR(v, "reason"));
	if (json_is_true(json_object_get(v, "leak_guard_drops")))
		fprintf(out,
			"  nftables' leak guard drops it there: the policy's kill switch lets it "
			"leave by its tunnels only\n");
	if (json_is_true(json_object_get(v, "kill_switch_holds")))
		fprintf(out, "  the kill switch holds: the policy's traffic is refused, not sent "
			     "another way\n");
	if (STR(v, "hint"))
		fprintf(out, "  %s\n", STR(v, "hint"));
	if (pending)
		fprintf(out,
			"  %lld change%s pending between the configuration and the kernel "
			"(`wgpolicy plan`)\n",
			pending, pending == 1 ? "" : "s");
}

static void print_text(FILE *out, const json_t *root)
{
	fprintf(out, "packet: %s\n\n", STR(root, "packet"));
	print_config(out, json_object_get(root, "configuration"));
	fputc('\n', out);
	print_compiled(out, json_object_get(root, "compiled"));
	fputc('\n', out);
	print_kernel(out, json_object_get(root, "kernel"));
	fputc('\n', out);
	print_verdict(out, json_object_get(root, "verdict"));
}

/* ---- the run ---- */

static int prepare(struct explain *x, const struct cmd_opts *o)
{
	struct engine_opts eo = {.dir = o->dir, .need_config = true};
	const char *err;

	engine_init(&x->e, &eo);
	if (engine_load(&x->e))
		return EXIT_ERROR;
	err = packet_parse(&x->pk, o->args, o->nargs, x->e.conf, load_system_env(), &x->a);
	if (err) {
		fprintf(stderr, "wgpolicy explain: %s\n\n%s", err, usage);
		return EXIT_USAGE;
	}
	x->daemon = daemon_json();
	if (json_is_object(x->daemon)) {
		x->e.target_up = daemon_target_up;
		x->e.health = x->daemon;
	}
	if (engine_plan(&x->e))
		return EXIT_ERROR;
	return explain_config(x->e.conf, &x->e.facts, &x->pk, &x->a, &x->cv) ? EXIT_ERROR : 0;
}

int explain_main(int argc, char *argv[])
{
	struct explain x = {0};
	struct cmd_opts o;
	int ret = cmd_options(argc, argv, usage, true, &o);
	json_t *root;

	if (ret >= 0)
		return ret;
	arena_init(&x.a);
	ret = prepare(&x, &o);
	if (!ret) {
		explain_simulate(x.e.conf, x.e.desired, &x.pk, &x.a, &x.sim);
		ask_kernel(&x);
		explain_settle(&x.sim, &x.kr);
		root = explain_json(&x);
		if (o.json) {
			json_dumpf(root, stdout, JSON_INDENT(2));
			fputc('\n', stdout);
		} else {
			print_text(stdout, root);
		}
		json_decref(root);
	}
	json_decref(x.daemon);
	engine_free(&x.e);
	arena_free(&x.a);
	return ret;
}
