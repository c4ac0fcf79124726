// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Golden files for compile and plan: each folder of tests/golden/ holds a
 * configuration and expected.plan, the plan from an empty kernel as `wgpolicy
 * plan` would print it. Facts are fixed: no kernel WireGuard, every name
 * resolves to 203.0.113.99, every path MTU is 1500, and every uplink an
 * Underlay names exists with MTU 1500 and IPv4 gateway 192.0.2.254. A
 * file "health" in a case lists the targets that are down, "POLICY INDEX" a
 * line: the plan is then the one a failover makes from an empty kernel. UPDATE_GOLDEN=1 rewrites
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

struct health {
	char policy[64][64];
	unsigned index[64];
	size_t n;
};

static bool target_up(const void *ctx, const struct conf_policy *p, size_t i)
{
	const struct health *h = ctx;
	size_t k;

	for (k = 0; k < h->n; k++)
		if (!strcmp(h->policy[k], p->name) && h->index[k] == i)
			return false;
	return true;
}

static void read_health(const char *dir, struct health *h)
{
	char *path;
	FILE *f;

	memset(h, 0, sizeof(*h));
	assert_true(asprintf(&path, "%s/health", dir) > 0);
	f = fopen(path, "r");
	free(path);
	while (f && h->n < 64 && fscanf(f, "%63s %u", h->policy[h->n], &h->index[h->n]) == 2)
		h->n++;
	if (f)
		fclose(f);
}

static char *render_plan(const struct conf *c, const struct health *h)
{
	struct test_facts tf;
	struct state *desired = state_new(), *live = state_new();
	struct plan p;
	char *out = NULL, line[OP_LINE_MAX];
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len);
	struct diags d;

	struct facts *f = test_facts(&tf, c, live);

	f->target_up = target_up;
	f->health = h;
	diags_init(&d, &desired->arena);
	assert_int_equal(compile_state(c, f, desired, &d), 0);
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
	test_facts_free(&tf);
	return out;
}

static void run_case(void **state)
{
	const char *dir = *state;
	char *expected_path, *expected = NULL, *got;
	struct health health;
	size_t len;
	struct conf *c;

	assert_int_equal(load_config_env(dir, NULL, 0, &test_env, &c), 0);
	if (c->diags.errors)
		dump_diags(c);
	assert_int_equal(c->diags.errors, 0);
	read_health(dir, &health);
	got = render_plan(c, &health);
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
