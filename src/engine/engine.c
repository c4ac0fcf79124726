// SPDX-License-Identifier: GPL-2.0-or-later
#include "engine/engine.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <unistd.h>

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

static void conflict_message(enum obj_type type, const void *obj)
{
	const char *link = type == OBJ_LINK ? ((const struct st_link *)obj)->name : NULL;
	char line[OP_LINE_MAX];

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
	diags_init(&d, &e->arena);
	err = compile_state(e->conf, &e->facts, e->desired, &d);
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

static unsigned changed_kinds(const struct plan *p)
{
	unsigned k = 0;

	vec_foreach(op, &p->ops)
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
 */
static int verify(void *ctx, char *err, size_t errlen)
{
	struct engine *e = ctx;
	struct state *after = state_new();
	unsigned kinds = changed_kinds(&e->plan);
	struct plan again;
	char line[OP_LINE_MAX];
	int ret;

	plan_init(&again);
	ret = after ? reconcile_dump_kinds(&e->r, after, kinds) : -ENOMEM;
	if (!ret) {
		lend_lists(after, e->live, kinds, true);
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

int engine_apply(struct engine *e, FILE *log)
{
	char err[OP_LINE_MAX + 600];
	int ret;

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
