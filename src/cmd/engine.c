// SPDX-License-Identifier: GPL-2.0-or-later
#include "cmd/engine.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "load/load.h"

static int load(struct engine *e, const struct engine_opts *o)
{
	int err = load_config(o->dir, o->files, o->nfiles, &e->conf);

	if (err) {
		fprintf(stderr, "wgpolicy: %s\n", strerror(-err));
		return EXIT_ERROR;
	}
	if (!o->need_config) /* down and status need the configuration for little */
		return 0;
	if (e->conf->diags.errors || e->conf->diags.warnings)
		print_diags(stderr, &e->conf->diags, false);
	if (e->conf->diags.errors) {
		fprintf(stderr, "wgpolicy: the configuration has errors; nothing was changed\n");
		return EXIT_ERROR;
	}
	return 0;
}

static void conflict_message(enum obj_type type, const void *obj)
{
	const char *link = type == OBJ_LINK ? ((const struct st_link *)obj)->name : NULL;
	char line[OP_LINE_MAX];

	/* A link by its name: the line that would create it says nothing of the one that is. */
	fprintf(stderr,
		"wgpolicy: %s '%s' exists and is not wgpolicy's; refusing to change it "
		"(nothing was changed)\n",
		link ? "interface" : obj_ops[type].name,
		link ? link : obj_render(type, obj, line, sizeof(line)));
	if (link)
		fprintf(stderr, "wgpolicy: if wg-quick brought it up, `wg-quick down %s` first, "
				"then let wgpolicy bring it up\n",
			link);
}

static int compile_desired(struct engine *e, const struct engine_opts *o)
{
	struct diags d;
	int err;

	if (o->down)
		return 0;
	err = reconcile_facts(&e->r, e->conf, e->live, &e->facts, &e->arena);
	if (err) {
		fprintf(stderr, "wgpolicy: gathering facts: %s\n", strerror(-err));
		return EXIT_ERROR;
	}
	diags_init(&d, &e->arena);
	err = compile_state(e->conf, &e->facts, e->desired, &d);
	print_diags(stderr, &d, false);
	if (err) {
		fprintf(stderr, "wgpolicy: %s; nothing was changed\n",
			err == -EINVAL ? "cannot compile the configuration" : strerror(-err));
		return EXIT_ERROR;
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

int engine_plan(struct engine *e, const struct engine_opts *o)
{
	const void *conflict = NULL;
	enum obj_type ctype = 0;
	int err;

	memset(e, 0, sizeof(*e));
	arena_init(&e->arena);
	plan_init(&e->plan);
	if ((err = load(e, o)))
		return err;
	e->live = state_new();
	e->desired = state_new();
	if (!e->live || !e->desired)
		return EXIT_ERROR;
	if (geteuid() != 0)
		fprintf(stderr, "wgpolicy: not running as root: reading the kernel may fail\n");
	err = reconcile_open(&e->r, compile_protocol(e->conf));
	if (!err) {
		e->opened = true;
		err = reconcile_dump(&e->r, e->live);
	}
	if (err) {
		fprintf(stderr, "wgpolicy: reading the live state: %s\n", strerror(-err));
		return EXIT_ERROR;
	}
	if ((err = compile_desired(e, o)))
		return err;
	if (reconcile_scope(&e->r, e->live, e->desired, o->scope, o->n_scope, &e->arena))
		return EXIT_ERROR;
	if (o->scope)
		filter_desired(e);
	err = plan_build(&e->plan, e->desired, e->live, reconcile_owned, &e->r, &conflict, &ctype);
	if (err == -EEXIST) {
		conflict_message(ctype, conflict);
		return EXIT_ERROR;
	}
	if (err) {
		fprintf(stderr, "wgpolicy: %s\n", strerror(-err));
		return EXIT_ERROR;
	}
	return 0;
}

/* Trust, but verify: a fresh dump must plan nothing more. */
static int verify(void *ctx, char *err, size_t errlen)
{
	struct engine *e = ctx;
	struct state *after = state_new();
	struct plan again;
	char line[OP_LINE_MAX];
	int ret;

	plan_init(&again);
	ret = after ? reconcile_dump(&e->r, after) : -ENOMEM;
	if (!ret)
		ret = plan_build(&again, e->desired, after, reconcile_owned, &e->r, NULL, NULL);
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

	e->r.log = log;
	if (reconcile_exec(&e->r, &e->plan, verify, e, err, sizeof(err))) {
		fprintf(stderr, "wgpolicy: failed: %s\nwgpolicy: everything done was undone\n", err);
		return EXIT_ERROR;
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
	if (e->opened)
		reconcile_close(&e->r);
	plan_free(&e->plan);
	state_free(e->live);
	state_free(e->desired);
	conf_free(e->conf);
	arena_free(&e->arena);
}
