// SPDX-License-Identifier: GPL-2.0-or-later
#include "testenv.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "load/load.h"
#include "compile/compile.h"
#include "state/plan.h"

static int lookup(const char *name, uint32_t *id, const char *const *names, const uint32_t *ids,
		  size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!strcmp(name, names[i])) {
			*id = ids[i];
			return 0;
		}
	}
	return -ENOENT;
}

static int user(void *ctx, const char *name, uint32_t *id)
{
	static const char *const names[] = { "root", "alice", "bob", "backup-user" };
	static const uint32_t ids[] = { 0, 1001, 1002, 1003 };

	(void)ctx;
	return lookup(name, id, names, ids, 4);
}

static int group(void *ctx, const char *name, uint32_t *id)
{
	static const char *const names[] = { "root", "staff", "backup" };
	static const uint32_t ids[] = { 0, 50, 34 };

	(void)ctx;
	return lookup(name, id, names, ids, 3);
}

static int table(void *ctx, const char *name, uint32_t *id)
{
	static const char *const names[] = { "custom", "vpn" };
	static const uint32_t ids[] = { 100, 200 };

	(void)ctx;
	return lookup(name, id, names, ids, 2);
}

/* A few of /etc/services' UDP ports, not the machine's file: tests see the same everywhere. */
static int service(void *ctx, const char *name, uint32_t *port)
{
	static const char *const names[] = { "https", "domain", "isakmp" };
	static const uint32_t ports[] = { 443, 53, 500 };

	(void)ctx;
	return lookup(name, port, names, ports, 3);
}

static int read_file(void *ctx, const char *path, char **data, size_t *len)
{
	(void)ctx;
	return read_whole_file(path, data, len);
}

static bool not_world_accessible(void *ctx, const char *path)
{
	(void)ctx;
	(void)path;
	return false;
}

const struct conf_env test_env = {
	.lookup_user = user,
	.lookup_group = group,
	.lookup_table = table,
	.lookup_service = service,
	.read_file = read_file,
	.world_accessible = not_world_accessible,
};

struct conf *parse_text(const char *path, const char *text)
{
	struct conf *c = conf_new();
	struct conf_source src = { .path = path, .data = text, .len = strlen(text) };

	if (!c || conf_parse(c, &src, &test_env) < 0) {
		conf_free(c);
		return NULL;
	}
	conf_finish(c);
	return c;
}

size_t count_diags(const struct conf *c, enum severity sev, const char *needle)
{
	size_t n = 0;

	vec_foreach(g, &c->diags.list)
		n += g->sev == sev && strstr(g->msg, needle) != NULL;
	return n;
}

void dump_diags(const struct conf *c)
{
	vec_foreach(g, &c->diags.list)
		fprintf(stderr, "# %s:%u: %s: %s\n", g->loc.file, g->loc.line,
			severity_name(g->sev), g->msg);
}

void assert_verdict(const char *input, const char *got, const char *want)
{
	if (!want && got)
		fail_msg("'%s': rejected with '%s', should be accepted", input, got);
	if (want && !got)
		fail_msg("'%s': accepted, should be rejected with '...%s...'", input, want);
	if (want && !strstr(got, want))
		fail_msg("'%s': rejected with '%s', should say '...%s...'", input, got, want);
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

struct facts *test_facts(struct test_facts *tf, const struct conf *c, const struct state *live)
{
	memset(tf, 0, sizeof(*tf));
	tf->f.default_mtu = 1500;
	tf->f.nft_egress = true;
	tf->f.live = live;
	tf->eps = fixed_endpoints(c, &tf->f.n_endpoints);
	tf->ups = fixed_uplinks(c, &tf->f.n_uplinks);
	tf->f.endpoints = tf->eps;
	tf->f.uplinks = tf->ups;
	facts_index(&tf->f);
	return &tf->f;
}

void test_facts_free(struct test_facts *tf)
{
	free(tf->eps);
	free(tf->ups);
}

struct conf *parse_sources(const struct conf_source *srcs, size_t n)
{
	struct conf *c = conf_new();
	size_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(conf_parse(c, &srcs[i], &test_env), 0);
	conf_finish(c);
	if (c->diags.errors)
		dump_diags(c);
	assert_int_equal(c->diags.errors, 0);
	return c;
}

static bool owned_all(void *ctx, enum obj_type t, const void *obj)
{
	(void)ctx, (void)t, (void)obj;
	return true;
}

void plan_lines(const struct state *from, const struct state *to, int type, char *out,
		size_t len)
{
	char line[OP_LINE_MAX];
	struct plan p;

	out[0] = '\0';
	plan_init(&p);
	assert_int_equal(plan_build(&p, to, from, owned_all, NULL, NULL, NULL), 0);
	vec_foreach(op, &p.ops) {
		if (type >= 0 && op->type != (enum obj_type)type)
			continue;
		strncat(out, op_render(op, line, sizeof(line)), len - strlen(out) - 1);
		strncat(out, "\n", len - strlen(out) - 1);
	}
	plan_free(&p);
}
