// SPDX-License-Identifier: GPL-2.0-or-later
#include "engine/engine.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <unistd.h>

#include "explain/explain.h"
#include "load/load.h"
#include "util/log.h"

int engine_load(struct engine *e)
{
	struct conf *c;
	int err = load_config(e->o.dir, e->o.files, e->o.nfiles, &c);

	if (err) {
		log_err("%s", strerror(-err));
		return -1;
	}
	/* down and status need the configuration for little: its errors are no obstacle. */
	if (e->o.need_config && (c->diags.errors || c->diags.warnings))
		load_print_diags(stderr, &c->diags, false);
	if (e->o.need_config && c->diags.errors) {
		log_err("the configuration has errors; nothing was changed");
		conf_free(c);
		return -1;
	}
	conf_free(e->conf);
	e->conf = c;
	return 0;
}

/* The kernel takes one route of a table, destination and metric (IPv4; IPv6 one per device). */
static void route_conflict(const struct st_route *r)
{
	char line[OP_LINE_MAX], dst[PREFIX_STRLEN];

	log_err("a route of wgpolicy's would take the place of '%s', which is not wgpolicy's "
		"(nothing was changed)",
		obj_render(OBJ_ROUTE, r, line, sizeof(line)));
	if (r->table == RT_TABLE_MAIN_ID)
		log_err("a peer's AllowedIPs hold %s, which another route of the main table has "
			"already (a LAN's subnet?): narrow AllowedIPs, or give the interface a Table",
			prefix_format(&r->dst, dst, true));
}

static void conflict_message(enum obj_type type, const void *obj)
{
	const char *link = type == OBJ_LINK ? ((const struct st_link *)obj)->name : NULL;
	char line[OP_LINE_MAX];

	if (type == OBJ_ROUTE) {
		route_conflict(obj);
		return;
	}
	/* A link by its name: the line that would create it says nothing of the one that is. */
	log_err("%s '%s' exists and is not wgpolicy's; refusing to change it "
		"(nothing was changed)",
		link ? "interface" : obj_ops[type].name,
		link ? link : obj_render(type, obj, line, sizeof(line)));
	if (link)
		log_err("if wg-quick brought it up, `wg-quick down %s` first, then let wgpolicy "
			"bring it up",
			link);
}

/*
 * Compile, and again while a tunnel's path MTU turns out to be another
 * tunnel's (explain_tunnel_paths): a chain of them settles one link a round.
 */
static int compile_settled(struct engine *e, struct diags *d)
{
	for (int round = 0;; round++) {
		int err;

		diags_init(d, &e->arena);
		err = compile_state(e->conf, &e->facts, e->desired, d);
		if (err || round == MAX_TUNNEL_HOPS ||
		    !explain_tunnel_paths(e->conf, &e->facts, e->desired, &e->arena))
			return err;
		state_free(e->desired);
		e->desired = state_new();
		if (!e->desired)
			return -ENOMEM;
	}
}

static int compile_desired(struct engine *e)
{
	struct diags d;
	int err;

	if (e->o.down)
		return 0;
	err = reconcile_facts(&e->r, e->conf, e->live, e->endpoint, e->endpoint_ctx, &e->facts,
			      &e->arena);
	if (err) {
		log_err("gathering facts: %s", strerror(-err));
		return -1;
	}
	e->facts.target_up = e->target_up;
	e->facts.health = e->health;
	err = compile_settled(e, &d);
	load_print_diags(stderr, &d, false);
	if (err) {
		log_err("%s; nothing was changed",
			err == -EINVAL ? "cannot compile the configuration" : strerror(-err));
		return -1;
	}
	return 0;
}

/* Keep only the desired objects within the scope: `up wg0` brings up wg0 alone. */
static void filter_desired(struct engine *e)
{
	int t;

	for (t = 0; t < OBJ_TYPE_COUNT; t++) {
		struct obj_list *l = state_list(e->desired, (enum obj_type)t);
		size_t i, kept = 0;

		for (i = 0; i < l->n; i++) {
			void *obj = obj_at(l, (enum obj_type)t, i);

			if (!reconcile_owned(&e->r, (enum obj_type)t, obj))
				continue;
			if (kept != i)
				memcpy(obj_at(l, (enum obj_type)t, kept), obj, obj_ops[t].size);
			kept++;
		}
		l->n = kept;
	}
}

void engine_init(struct engine *e, const struct engine_opts *o)
{
	memset(e, 0, sizeof(*e));
	e->o = *o;
	arena_init(&e->arena);
	plan_init(&e->plan);
}

void engine_end_round(struct engine *e)
{
	plan_free(&e->plan);
	state_free(e->live);
	state_free(e->desired);
	arena_free(&e->arena);
	e->live = e->desired = NULL;
	memset(&e->facts, 0, sizeof(e->facts));
	plan_init(&e->plan);
}

static int open_kernel(struct engine *e)
{
	int err;

	if (e->opened)
		return 0;
	if (geteuid() != 0)
		log_warn("not running as root: reading the kernel may fail");
	err = reconcile_open(&e->r, compile_protocol(e->conf));
	e->r.every_path_mtu = e->o.every_path_mtu;
	if (!err && e->o.keep_marks)
		err = reconcile_keep_marks(&e->r);
	if (err) {
		reconcile_close(&e->r);
		log_err("netlink: %s", strerror(-err));
		return -1;
	}
	e->opened = true;
	return 0;
}

int engine_plan(struct engine *e)
{
	const void *conflict = NULL;
	enum obj_type ctype = 0;
	int err;

	engine_end_round(e);
	e->live = state_new();
	e->desired = state_new();
	if (!e->live || !e->desired || open_kernel(e))
		return -1;
	err = reconcile_dump(&e->r, e->live);
	if (!err && e->conf)
		err = compile_link_hooks(e->conf, e->live);
	if (err) {
		log_err("reading the live state: %s", strerror(-err));
		return -1;
	}
	if (e->observe)
		e->observe(e->observe_ctx, e->live);
	if (compile_desired(e))
		return -1;
	if (reconcile_scope(&e->r, e->live, e->desired, e->o.scope, e->o.n_scope, &e->arena))
		return -1;
	if (e->o.scope)
		filter_desired(e);
	err = plan_build(&e->plan, e->desired, e->live, reconcile_owned, &e->r, &conflict, &ctype);
	if (err == -EEXIST) {
		conflict_message(ctype, conflict);
		return -1;
	}
	if (err) {
		log_err("%s", strerror(-err));
		return -1;
	}
	return 0;
}

int engine_run(struct engine *e, const struct engine_opts *o)
{
	engine_init(e, o);
	return engine_load(e) || engine_plan(e) ? -1 : 0;
}

/*
 * The types of object the plan changed, and those the kernel changes along:
 * a link takes its addresses, routes and peers with it, an address the routes
 * through it, a hook may do anything; a device's peers are read with it, and
 * the saved sysctls with the DNS. A new link changes no nftables table:
 * wgpolicy's names interfaces (iifname, oifname) and is bound to none.
 */
static unsigned op_kinds(const struct op *op)
{
	if (op->kind == OP_HOOK)
		return OBJ_ALL;
	if (op->type == OBJ_LINK)
		return op->kind == OP_ADD ? OBJ_ALL & ~OBJ_BIT(OBJ_NFT) : OBJ_ALL;
	return OBJ_BIT(op->type);
}

/* Those of every op of @p; not the route ops' own when the kernel confirmed them. */
static unsigned changed_kinds(const struct plan *p, bool routes_confirmed)
{
	unsigned k = 0;

	vec_foreach(op, &p->ops)
		if (!(routes_confirmed && op->kind != OP_HOOK && op->type == OBJ_ROUTE))
			k |= op_kinds(op);
	if (k & OBJ_BIT(OBJ_ADDR))
		k |= OBJ_BIT(OBJ_ROUTE);
	if (k & (OBJ_BIT(OBJ_WGDEV) | OBJ_BIT(OBJ_WGPEER)))
		k |= OBJ_BIT(OBJ_WGDEV) | OBJ_BIT(OBJ_WGPEER);
	if (k & (OBJ_BIT(OBJ_SYSCTL) | OBJ_BIT(OBJ_DNS)))
		k |= OBJ_BIT(OBJ_SYSCTL) | OBJ_BIT(OBJ_DNS);
	return k | OBJ_BIT(OBJ_LINK);
}

/* Lend @from's lists of the types not in @kinds to @to (lend = false: take them back). */
static void lend_lists(struct state *to, const struct state *from, unsigned kinds, bool lend)
{
	int t;

	for (t = 0; t < OBJ_TYPE_COUNT; t++) {
		if (kinds & OBJ_BIT(t))
			continue;
		if (lend)
			*state_list(to, (enum obj_type)t) = *state_list_const(from, (enum obj_type)t);
		else
			memset(state_list(to, (enum obj_type)t), 0, sizeof(struct obj_list));
	}
}

/*
 * How many routes of @live (sorted) the kernel could take for @r: those of its
 * family, table, prefix and metric, of any metric when @r has none (IPv4's
 * delete then takes the first match whatever its metric).
 */
static size_t routes_matching(const struct state *live, const struct st_route *r)
{
	struct st_route probe = *r;
	size_t lo = 0, hi = live->routes.n, n = 0;

	probe.metric = 0; /* the first route of that prefix, whatever its metric */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st_route_key_cmp(&live->routes.v[mid], &probe) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < live->routes.n; lo++) {
		const struct st_route *l = &live->routes.v[lo];

		probe.metric = l->metric;
		if (st_route_key_cmp(l, &probe))
			break;
		n += !r->metric || l->metric == r->metric;
	}
	return n;
}

/*
 * Whether the kernel's replies to the route ops stand for reading the routes
 * back: every add and change echoed as asked and every delete acknowledged
 * (@confirmed, kernel_exec_confirmed), and each op aimed at a destination
 * that held at most one route when the plan was made, so that the route a
 * delete removed or a replace replaced was the one meant: the kernel takes
 * the first that matches, and IPv4 (with `ip route append`) and IPv6 (device
 * routes) can hold several of one prefix and metric. The kernel matches
 * metrics exactly otherwise, so ops of one plan on one prefix (of other
 * metrics: the same would be one change) do not meet.
 */
static bool routes_confirmed(const struct engine *e, unsigned confirmed)
{
	if (!(confirmed & OBJ_BIT(OBJ_ROUTE)))
		return false;
	vec_foreach(op, &e->plan.ops)
		if (op->kind != OP_HOOK && op->type == OBJ_ROUTE &&
		    routes_matching(e->live, op->obj) > 1)
			return false;
	return true;
}

/*
 * Trust, but verify: a fresh dump must plan nothing more. Only what the plan
 * changed is read back; the rest is as it was read before (10,000 peers take
 * wireguard-go tens of ms to list).
 *
 * A WireGuard device the plan changed is read back too, though its set was
 * acknowledged (errno=0, the genl ACK): the acknowledgement says every line
 * was taken, not that the device keeps what it was told. WireGuard ignores a
 * peer holding the interface's own key without an error; it clamps private
 * keys and shows an all-zero preshared key as none, both of which this check
 * found before the compiler learnt them. The read cannot be narrowed to the
 * peers that changed (get=1 and WG_CMD_GET_DEVICE list every peer); it costs
 * wireguard-go 30 to 40 ms at 10,000 peers (bench/README.md), against the
 * half second the set takes it.
 *
 * Routes are not read back when the kernel answered each route op with the
 * route as it stored it (routes_confirmed): that answer is the object itself,
 * not an acknowledgement, and the dump of a table of 10,000 routes cost more
 * than the rest of changing one of them.
 */
static int verify(void *ctx, unsigned confirmed, char *err, size_t errlen)
{
	struct engine *e = ctx;
	struct state *after = state_new();
	bool routes_stored = routes_confirmed(e, confirmed);
	unsigned kinds = changed_kinds(&e->plan, routes_stored);
	struct plan again;
	char line[OP_LINE_MAX];
	int ret;

	plan_init(&again);
	ret = after ? reconcile_read_back(&e->r, after, kinds) : -ENOMEM;
	if (!ret) {
		lend_lists(after, e->live, kinds, true);
		/* Routes the kernel confirmed op by op stand as desired: none is left to plan. */
		if (routes_stored && !(kinds & OBJ_BIT(OBJ_ROUTE)))
			after->routes = e->desired->routes;
		ret = plan_build(&again, e->desired, after, reconcile_owned, &e->r, NULL, NULL);
		lend_lists(after, e->live, kinds, false);
	}
	if (!ret && again.ops.n) {
		snprintf(err, errlen, "the kernel does not show what was asked: %zu change%s left, "
				      "first: %s",
			 again.ops.n, again.ops.n == 1 ? "" : "s",
			 op_render(&again.ops.v[0], line, sizeof(line)));
		ret = -EAGAIN;
	} else if (ret) {
		snprintf(err, errlen, "reading the state back: %s", strerror(-ret));
	}
	plan_free(&again);
	state_free(after);
	return ret;
}

/*
 * Whether the kernel's replies may stand for reading the routes back: not
 * when another op has them read back anyway (an address, a link, a hook),
 * nor for many adds and changes. An echo is a message of its own, read with
 * a system call of its own; a dump packs a hundred routes in each: 10,000
 * routes added took 5 ms more echoed than dumped once (bench/README.md).
 */
static bool confirm_routes(const struct engine *e)
{
	size_t echoed = 0;

	if (changed_kinds(&e->plan, true) & OBJ_BIT(OBJ_ROUTE))
		return false;
	vec_foreach(op, &e->plan.ops)
		echoed += op->kind != OP_HOOK && op->type == OBJ_ROUTE && op->kind != OP_DEL;
	return echoed * 4 <= e->desired->routes.n;
}

int engine_apply(struct engine *e, FILE *log)
{
	char err[OP_LINE_MAX + 600];
	int ret;

	e->r.confirm_routes = confirm_routes(e);
	e->r.log = log;
	e->r.quiet = e->quiet;
	e->r.quiet_ctx = e->quiet_ctx;
	ret = reconcile_exec(&e->r, &e->plan, verify, e, err, sizeof(err));
	reconcile_marks_committed(&e->r);
	if (ret) {
		log_err("failed: %s", err);
		log_err("everything done was undone");
		return -1;
	}
	return 0;
}

static const char *kind_name(enum op_kind k)
{
	static const char *const names[] = { "add", "change", "delete", "run" };

	return names[k];
}

void engine_print_plan(const struct engine *e, FILE *out, bool json)
{
	char line[OP_LINE_MAX];
	json_t *arr = json ? json_array() : NULL;

	vec_foreach(op, &e->plan.ops) {
		op_render(op, line, sizeof(line));
		if (!json) {
			fprintf(out, "%s\n", line);
			continue;
		}
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "action", kind_name(op->kind),
						     "type", obj_ops[op->type].name, "command",
						     line));
	}
	if (json) {
		json_dumpf(arr, out, JSON_INDENT(2));
		fputc('\n', out);
		json_decref(arr);
	}
}

void engine_free(struct engine *e)
{
	engine_end_round(e);
	if (e->opened)
		reconcile_close(&e->r);
	conf_free(e->conf);
	e->conf = NULL;
}
