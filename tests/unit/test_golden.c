// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Golden files for compile and plan: each folder of tests/golden/ holds a
 * configuration and expected.plan, the plan from an empty kernel as `wgpolicy
 * plan` would print it. Facts are fixed: no kernel WireGuard, every name
 * resolves to 203.0.113.99, every path MTU is 1500, and every uplink an
 * Underlay names exists with MTU 1500 and IPv4 gateway 192.0.2.254. UPDATE_GOLDEN=1 rewrites
 * the expected files (on purpose only: review the diff).
 */
#include <dirent.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "compile/compile.h"
#include "load/load.h"
#include "state/plan.h"
#include "testenv.h"

static bool owned_all(void *ctx, enum obj_type t, const void *obj)
{
	(void)ctx;
	(void)t;
	(void)obj;
	return true;
}

/* Every endpoint of the configuration: literals resolve to themselves, names to 203.0.113.99. */
static struct endpoint_fact *fixed_endpoints(const struct conf *c, size_t *n)
{
	struct endpoint_fact *v = NULL;

	*n = 0;
	vec_foreach(iface, &c->ifaces) {
		vec_foreach(peer, &(*iface)->peers) {
			const struct endpoint *e = &(*peer)->endpoint.v;
			struct endpoint_fact *f;
			struct prefix p;

			if (!IS_SET((*peer)->endpoint))
				continue;
			v = realloc(v, sizeof(*v) * (*n + 1));
			f = &v[(*n)++];
			memset(f, 0, sizeof(*f));
			f->host = e->host;
			f->port = e->port;
			if (addr_parse(e->host, &p))
				addr_parse("203.0.113.99", &p);
			f->ep.family = p.family;
			memcpy(f->ep.addr, p.addr, 16);
			f->ep.port = e->port;
		}
	}
	return v;
}

static struct uplink_fact *fixed_uplinks(const struct conf *c, size_t *n)
{
	struct uplink_fact *v = calloc(c->ifaces.n + 1, sizeof(*v));

	*n = 0;
	vec_foreach(iface, &c->ifaces) {
		struct uplink_fact *up;

		if (!IS_SET((*iface)->underlay) || conf_find_iface(c, (*iface)->underlay.v))
			continue;
		up = &v[(*n)++];
		up->ifname = (*iface)->underlay.v;
		up->exists = true;
		up->mtu = 1500;
		addr_parse("192.0.2.254", &up->gw[0]);
	}
	return v;
}

static char *render_plan(const struct conf *c)
{
	struct facts f = { .default_mtu = 1500 };
	struct state *desired = state_new(), *live = state_new();
	struct endpoint_fact *eps = fixed_endpoints(c, &f.n_endpoints);
	struct plan p;
	char *out = NULL, line[OP_LINE_MAX];
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len);
	struct diags d;

	struct uplink_fact *ups = fixed_uplinks(c, &f.n_uplinks);

	f.endpoints = eps;
	f.uplinks = ups;
	f.live = live;
	diags_init(&d, &desired->arena);
	assert_int_equal(compile_state(c, &f, desired, &d), 0);
	plan_init(&p);
	assert_int_equal(plan_build(&p, desired, live, owned_all, NULL, NULL, NULL), 0);
	vec_foreach(op, &p.ops) {
		fprintf(mem, "%s\n", op_render(op, line, sizeof(line)));
		/* The plan shows the table in one line; the golden file pins all of it. */
		if (op->type == OBJ_NFT && op->kind != OP_DEL)
			fprintf(mem, "%s", ((const struct st_nft *)op->obj)->ruleset);
	}
	fclose(mem);
	plan_free(&p);
	state_free(desired);
	state_free(live);
	free(eps);
	free(ups);
	return out;
}

static void run_case(void **state)
{
	const char *dir = *state;
	char *expected_path, *expected = NULL, *got;
	size_t len;
	struct conf *c;

	assert_int_equal(load_config_env(dir, NULL, 0, &test_env, &c), 0);
	if (c->diags.errors)
		dump_diags(c);
	assert_int_equal(c->diags.errors, 0);
	got = render_plan(c);
	assert_true(asprintf(&expected_path, "%s/expected.plan", dir) > 0);
	if (getenv("UPDATE_GOLDEN")) {
		FILE *f = fopen(expected_path, "w");

		assert_non_null(f);
		fputs(got, f);
		fclose(f);
	}
	assert_int_equal(read_whole_file(expected_path, &expected, &len), 0);
	if (strcmp(expected, got))
		fprintf(stderr, "# %s: got:\n%s# expected:\n%s", dir, got, expected);
	assert_string_equal(expected, got);
	free(expected);
	free(expected_path);
	free(got);
	conf_free(c);
}

static int visible(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

int main(int argc, char *argv[])
{
	struct CMUnitTest *tests = NULL;
	struct dirent **list;
	int n, i, failed;

	if (argc != 2)
		return 1;
	n = scandir(argv[1], &list, visible, alphasort);
	if (n < 0)
		return 1;
	tests = calloc((size_t)n + 1, sizeof(*tests));
	for (i = 0; i < n; i++) {
		char *path;

		if (asprintf(&path, "%s/%s", argv[1], list[i]->d_name) < 0)
			return 1;
		tests[i] = (struct CMUnitTest){ .name = path, .test_func = run_case,
						.initial_state = path };
		free(list[i]);
	}
	free(list);
	failed = _cmocka_run_group_tests("golden", tests, (size_t)n, NULL, NULL);
	for (i = 0; i < n; i++)
		free((char *)tests[i].name);
	free(tests);
	return failed;
}
