// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * src/kernel against the real kernel, only ever inside the network namespace
 * tests/kernel/run.sh made for it (it refuses to run in the initial one):
 *
 *   lo up        wgpk0 ====veth==== wgpk1          wgpk2 ====veth==== wgpk3
 *                mtu 1450, up      mtu 1300, up    down              down
 *                main: default dev wgpk0; 10.6.0.0/16 dev wgpk0 mtu 1400
 *   $WGPK_WGGO   a wireguard-go tun link, when wireguard-go is installed
 *
 * Every object goes in through kernel_exec and comes back through
 * kernel_dump, which must return it unchanged.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "kernel/kernel.h"

#define PROTO 199

static struct nl *nl;

static struct prefix pfx(const char *s)
{
	struct prefix p;

	assert_null(prefix_parse(s, &p, NULL));
	return p;
}

static struct st_route rt(const char *dst, enum route_type type, const char *dev, uint32_t table,
			  uint32_t metric)
{
	struct st_route r = {
	    .table = table, .dst = pfx(dst), .metric = metric, .type = type, .protocol = PROTO};

	snprintf(r.ifname, sizeof(r.ifname), "%s", dev ? dev : "");
	return r;
}

static struct state *dump(void)
{
	struct state *s = state_new();

	assert_non_null(s);
	assert_int_equal(kernel_dump(nl, s, OBJ_ALL), 0);
	state_sort(s);
	return s;
}

/* Run @n objects of type @t (an array of @t's struct) as ops of @kind. */
static int run(enum op_kind kind, enum obj_type t, const void *objs, size_t n, int *status,
	       char *msg, size_t msglen)
{
	struct op *ops = calloc(n, sizeof(*ops));
	size_t i;
	int err;

	assert_non_null(ops);
	for (i = 0; i < n; i++)
		ops[i] = (struct op){
		    .kind = kind, .type = t, .obj = (const char *)objs + i * obj_ops[t].size};
	err = kernel_exec(nl, ops, n, status, msg, msglen);
	free(ops);
	return err;
}

/* All @n ops of @kind must succeed. */
static void run_ok(enum op_kind kind, enum obj_type t, const void *objs, size_t n)
{
	int *status = calloc(n, sizeof(int));
	char msg[256];
	size_t i;

	assert_non_null(status);
	if (run(kind, t, objs, n, status, msg, sizeof(msg))) {
		for (i = 0; i < n; i++)
			if (status[i])
				print_message("# op %zu: %s (%s)\n", i, strerror(-status[i]), msg);
		fail();
	}
	free(status);
}

static const void *find(const struct state *s, enum obj_type t, const void *want)
{
	const struct obj_list *l = state_list_const(s, t);
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!obj_ops[t].key_cmp(obj_at(l, t, i), want))
			return obj_at(l, t, i);
	return NULL;
}

static void expect_in(const struct state *s, enum obj_type t, const void *want)
{
	char a[OP_LINE_MAX], b[OP_LINE_MAX];
	const void *got = find(s, t, want);
	bool same = got && (obj_ops[t].equal ? obj_ops[t].equal(got, want) : true);

	/* Rule identity leaves the protocol out; the dump must still carry it. */
	if (same && t == OBJ_RULE)
		same = ((const struct st_rule *)got)->protocol ==
		       ((const struct st_rule *)want)->protocol;
	if (!same)
		fail_msg("want %s, dump has %s", obj_render(t, want, a, sizeof(a)),
			 got ? obj_render(t, got, b, sizeof(b)) : "nothing");
}

/* Routes of @protocol, in @table unless it is 0. */
static size_t count_routes(const struct state *s, uint8_t protocol, uint32_t table)
{
	size_t n = 0;

	vec_foreach(r, &s->routes) n += r->protocol == protocol && (!table || r->table == table);
	return n;
}

/* Whether we run in another namespace than the one run.sh started in (never to be touched). */
static bool own_namespace(void)
{
	const char *outer = getenv("WGPK_OUTER_NETNS");
	struct stat self;
	char here[64];

	if (!outer || !getenv("WGPK_NETNS") || stat("/proc/self/ns/net", &self))
		return false;
	snprintf(here, sizeof(here), "%lu:%lu", (unsigned long)self.st_dev,
		 (unsigned long)self.st_ino);
	return strcmp(here, outer) != 0;
}

static void baseline_dump(void **unused)
{
	struct state *s = dump();
	struct st_rule main4 = {.family = FAMILY_V4,
				.priority = 32766,
				.table = 254,
				.suppress_prefixlen = -1,
				.protocol = 2};
	struct st_rule local6 = {.family = FAMILY_V6,
				 .priority = 0,
				 .table = 255,
				 .suppress_prefixlen = -1,
				 .protocol = 2};
	struct st_route dflt = rt("0.0.0.0/0", ROUTE_UNICAST, "wgpk0", 254, 0);
	struct st_route lan = rt("10.5.0.0/24", ROUTE_UNICAST, "wgpk1", 254, 0);

	(void)unused;
	expect_in(s, OBJ_RULE, &main4);
	expect_in(s, OBJ_RULE, &local6);
	dflt.protocol = 3; /* RTPROT_BOOT: what `ip route add` gives */
	expect_in(s, OBJ_ROUTE, &dflt);
	/*
	 * The kernel's own routes of links not wgpolicy's are in view, as any
	 * other program's (a route of wgpolicy's cannot take their place); those
	 * of the local table (local and broadcast types) are not modelled.
	 */
	lan.protocol = 2;
	expect_in(s, OBJ_ROUTE, &lan);
	assert_int_equal(count_routes(s, 2, 255), 0);
	state_free(s);
}

static void routes_round_trip(void **unused)
{
	struct st_route r[] = {
	    rt("10.1.0.0/16", ROUTE_UNICAST, "wgpk0", 1000, 0),
	    rt("10.1.0.0/16", ROUTE_UNICAST, "wgpk1", 1000, 50),
	    rt("10.2.0.0/24", ROUTE_UNREACHABLE, NULL, 1000, 100),
	    rt("10.3.0.0/24", ROUTE_BLACKHOLE, NULL, 100, 0),
	    rt("10.4.0.0/24", ROUTE_PROHIBIT, NULL, 1000, 0),
	    rt("10.5.0.0/24", ROUTE_THROW, NULL, 70000, 0),
	    rt("0.0.0.0/0", ROUTE_UNREACHABLE, NULL, 1000, UINT32_MAX),
	    rt("2001:db8:1::/64", ROUTE_UNICAST, "wgpk0", 1000, 1024),
	    rt("2001:db8:2::/64", ROUTE_UNREACHABLE, NULL, 1000, 1024),
	    rt("2001:db8:3::/64", ROUTE_BLACKHOLE, NULL, 70000, 1024),
	    rt("2001:db8:4::/64", ROUTE_THROW, NULL, 100, 1024),
	    rt("::/0", ROUTE_UNREACHABLE, NULL, 1000, UINT32_MAX),
	};
	const size_t n = sizeof(r) / sizeof(*r);
	int status[sizeof(r) / sizeof(*r)];
	struct state *s;
	size_t i;

	(void)unused;
	run_ok(OP_ADD, OBJ_ROUTE, r, n);
	s = dump();
	for (i = 0; i < n; i++)
		expect_in(s, OBJ_ROUTE, &r[i]);
	assert_int_equal(count_routes(s, PROTO, 0), n);
	state_free(s);

	/* Added again, each one is refused on its own. */
	assert_int_equal(run(OP_ADD, OBJ_ROUTE, r, n, status, NULL, 0), -EEXIST);
	for (i = 0; i < n; i++)
		assert_int_equal(status[i], -EEXIST);

	/* Replace in place: another device, another type; the identity stays. */
	strcpy(r[0].ifname, "wgpk1");
	r[2].type = ROUTE_BLACKHOLE;
	r[7].protocol = PROTO + 1;
	run_ok(OP_CHANGE, OBJ_ROUTE, r, n);
	s = dump();
	for (i = 0; i < n; i++)
		expect_in(s, OBJ_ROUTE, &r[i]);
	state_free(s);

	run_ok(OP_DEL, OBJ_ROUTE, r, n);
	s = dump();
	assert_int_equal(count_routes(s, PROTO, 0) + count_routes(s, PROTO + 1, 0), 0);
	state_free(s);
}

static struct st_rule rl(uint8_t family, uint32_t priority, enum rule_action action, uint32_t table)
{
	return (struct st_rule){.family = family,
				.priority = priority,
				.action = action,
				.table = table,
				.suppress_prefixlen = -1,
				.protocol = PROTO};
}

static void rules_round_trip(void **unused)
{
	struct st_rule r[10];
	struct state *before = dump(), *s;
	const size_t n = sizeof(r) / sizeof(*r);
	int status[sizeof(r) / sizeof(*r)];
	size_t i;

	(void)unused;
	/* Every selector at once. */
	r[0] = rl(FAMILY_V4, 100, RULE_TO_TABLE, 1000);
	r[0].invert = true;
	r[0].src = pfx("10.0.1.0/24");
	r[0].dst = pfx("192.168.0.0/16");
	r[0].fwmark = 0x10;
	r[0].fwmask = 0xff;
	strcpy(r[0].iif, "wgpk0");
	strcpy(r[0].oif, "wgpk1");
	r[0].has_uidrange = true;
	r[0].uid_lo = 1000;
	r[0].uid_hi = 2000;
	r[0].ipproto = 6;
	r[0].sport = (struct port_range){1000, 2000};
	r[0].dport = (struct port_range){443, 443};
	/* "fwmark 0": unmarked packets, the whole mark compared. */
	r[1] = rl(FAMILY_V4, 101, RULE_TO_TABLE, 1000);
	r[1].fwmask = UINT32_MAX;
	/* wg-quick's pair: suppress_prefixlength 0 in main, "not fwmark" to its table. */
	r[2] = rl(FAMILY_V4, 102, RULE_TO_TABLE, 254);
	r[2].suppress_prefixlen = 0;
	r[3] = rl(FAMILY_V4, 103, RULE_TO_TABLE, 51820);
	r[3].invert = true;
	r[3].fwmark = 0xca6c;
	r[3].fwmask = UINT32_MAX;
	r[4] = rl(FAMILY_V4, 104, RULE_UNREACHABLE, 0);
	r[4].src = pfx("10.9.0.0/16");
	r[5] = rl(FAMILY_V4, 105, RULE_BLACKHOLE, 0);
	r[5].ipproto = 17;
	r[5].dport = (struct port_range){53, 53};
	r[6] = rl(FAMILY_V4, 106, RULE_PROHIBIT, 0);
	r[6].has_uidrange = true;
	r[7] = rl(FAMILY_V6, 100, RULE_TO_TABLE, 1000);
	r[7].src = pfx("fd00::/8");
	r[7].dst = pfx("2001:db8::/32");
	r[8] = rl(FAMILY_V6, 200, RULE_TO_TABLE, 100000);
	r[8].fwmark = 1;
	r[8].fwmask = 1;
	r[8].suppress_prefixlen = 64;
	r[9] = rl(FAMILY_V6, 300, RULE_UNREACHABLE, 0);
	strcpy(r[9].iif, "lo");

	run_ok(OP_ADD, OBJ_RULE, r, n);
	s = dump();
	for (i = 0; i < n; i++)
		expect_in(s, OBJ_RULE, &r[i]);
	assert_int_equal(s->rules.n, before->rules.n + n);
	state_free(s);

	assert_int_equal(run(OP_ADD, OBJ_RULE, r, n, status, NULL, 0), -EEXIST);
	for (i = 0; i < n; i++)
		assert_int_equal(status[i], -EEXIST);

	run_ok(OP_DEL, OBJ_RULE, r, n);
	s = dump();
	assert_int_equal(s->rules.n, before->rules.n);
	for (i = 0; i < before->rules.n; i++)
		expect_in(s, OBJ_RULE, &before->rules.v[i]);
	state_free(s);
	state_free(before);
}

static void failures_map_to_their_op(void **unused)
{
	struct st_route r[] = {
	    rt("10.20.0.0/16", ROUTE_UNICAST, "wgpk0", 1000, 0),
	    rt("10.21.0.0/16", ROUTE_UNICAST, "wgpk2", 1000, 0), /* down */
	    rt("10.22.0.0/16", ROUTE_UNICAST, "wgpk0", 1000, 0),
	};
	struct st_route gone[] = {
	    rt("10.23.0.0/16", ROUTE_UNICAST, "nosuch0", 1000, 0),
	    rt("10.24.0.0/16", ROUTE_UNICAST, "wgpk0", 1000, 0),
	};
	int status[3];
	char msg[256];

	(void)unused;
	/* One batch: the kernel goes on after a failure, and each ack finds its op. */
	assert_int_equal(run(OP_ADD, OBJ_ROUTE, r, 3, status, msg, sizeof(msg)), -ENETDOWN);
	assert_int_equal(status[0], 0);
	assert_int_equal(status[1], -ENETDOWN);
	assert_int_equal(status[2], 0);
	/* The kernel's own words (they vary: "Nexthop device is not up", "Device for nexthop ...").
	 */
	assert_non_null(strstr(msg, "not up"));

	/* A failure before sending: the ops after it are never tried. */
	assert_int_equal(run(OP_ADD, OBJ_ROUTE, gone, 2, status, msg, sizeof(msg)), -ENODEV);
	assert_int_equal(status[0], -ENODEV);
	assert_int_equal(status[1], -ECANCELED);
	assert_string_equal(msg, "Cannot find device \"nosuch0\"");

	/* Deleting what is not there says so. */
	assert_int_equal(run(OP_DEL, OBJ_ROUTE, r, 3, status, msg, sizeof(msg)), -ESRCH);
	assert_int_equal(status[0], 0);
	assert_int_equal(status[1], -ESRCH);
	assert_int_equal(status[2], 0);
}

static void many_routes_in_batches(void **unused)
{
	enum { N = 3000 };
	struct st_route *r = calloc(N, sizeof(*r));
	struct state *s;
	char dst[32];
	size_t i;

	(void)unused;
	assert_non_null(r);
	for (i = 0; i < N; i++) {
		snprintf(dst, sizeof(dst), "10.%zu.%zu.0/24", 100 + i / 256, i % 256);
		r[i] = rt(dst, ROUTE_UNICAST, "wgpk0", 1001, 0);
	}
	run_ok(OP_ADD, OBJ_ROUTE, r, N);
	s = dump();
	assert_int_equal(count_routes(s, PROTO, 1001), N);
	state_free(s);
	run_ok(OP_DEL, OBJ_ROUTE, r, N);
	s = dump();
	assert_int_equal(count_routes(s, PROTO, 1001), 0);
	state_free(s);
	free(r);
}

/* Run @n routes as ops of @kind asking for the kernel's echo; how many it confirmed. */
static size_t run_confirmed(enum op_kind kind, const struct st_route *r, size_t n, int *status,
			    bool *stored)
{
	struct op *ops = calloc(n, sizeof(*ops));
	size_t i, confirmed = 0;

	assert_non_null(ops);
	for (i = 0; i < n; i++)
		ops[i] = (struct op){.kind = kind, .type = OBJ_ROUTE, .obj = &r[i]};
	kernel_exec_confirmed(nl, ops, n, status, stored, NULL, 0);
	for (i = 0; i < n; i++)
		confirmed += stored[i];
	free(ops);
	return confirmed;
}

/*
 * What the kernel stored, as it answers NLM_F_ECHO, confirms each add and
 * change asked for, and only when it is what was asked; an acknowledged
 * delete confirms itself. 600 routes: more echoes and acks than one batch.
 */
static void routes_confirmed_by_echo(void **unused)
{
	enum { N = 600 };
	struct st_route *r = calloc(N, sizeof(*r));
	struct st_nexthop ways[2] = {{.ifname = "wgpk0", .weight = 1},
				     {.ifname = "wgpk1", .weight = 3}};
	int *status = calloc(N, sizeof(int));
	bool *stored = calloc(N, sizeof(bool));
	struct st_route v6;
	char dst[32];
	size_t i;

	(void)unused;
	assert_true(r && status && stored);
	for (i = 0; i < N; i++) {
		snprintf(dst, sizeof(dst), "10.%zu.%zu.0/24", 130 + i / 256, i % 256);
		r[i] = rt(dst, ROUTE_UNICAST, "wgpk0", 1002, 0);
	}
	r[1] = rt("10.140.0.0/24", ROUTE_UNREACHABLE, NULL, 1002, 7);
	r[2] = rt("2001:db8:5::/64", ROUTE_UNICAST, "wgpk1", 1002, 1024);
	r[3] = rt("10.141.0.0/24", ROUTE_UNICAST, "", 1002, 0);
	r[3].n_nh = 2;
	r[3].nh = ways;
	assert_int_equal(run_confirmed(OP_ADD, r, N, status, stored), N);

	/* Replaced in place: the echo is the new route. */
	strcpy(r[0].ifname, "wgpk1");
	r[1].type = ROUTE_BLACKHOLE;
	assert_int_equal(run_confirmed(OP_CHANGE, r, 2, status, stored), 2);

	/* IPv6 stores metric 0 as 1024: taken, acknowledged, and not what was asked. */
	v6 = rt("2001:db8:6::/64", ROUTE_UNICAST, "wgpk0", 1002, 0);
	assert_int_equal(run_confirmed(OP_ADD, &v6, 1, status, stored), 0);
	assert_int_equal(status[0], 0);
	v6.metric = 1024;
	assert_int_equal(run_confirmed(OP_DEL, &v6, 1, status, stored), 1);

	/* Refused: not confirmed either. */
	assert_int_equal(run_confirmed(OP_ADD, &r[2], 1, status, stored), 0);
	assert_int_equal(status[0], -EEXIST);

	assert_int_equal(run_confirmed(OP_DEL, r, N, status, stored), N);
	/* Gone: deleting again is refused, and confirms nothing. */
	assert_int_equal(run_confirmed(OP_DEL, r, 1, status, stored), 0);
	assert_int_equal(status[0], -ESRCH);
	free(r);
	free(status);
	free(stored);
}

/* Read back with one protocol's routes: the kernel filters, and nothing else comes. */
static void routes_of_one_protocol(void **unused)
{
	struct st_route r[] = {
	    rt("10.150.0.0/24", ROUTE_UNICAST, "wgpk0", 1003, 0),
	    rt("10.151.0.0/24", ROUTE_UNREACHABLE, NULL, 1003, 0),
	    rt("2001:db8:7::/64", ROUTE_UNICAST, "wgpk1", 1004, 1024),
	    rt("10.152.0.0/24", ROUTE_UNICAST, "wgpk0", 1003, 0),
	};
	const size_t n = sizeof(r) / sizeof(*r);
	struct state *s = state_new();
	size_t i;

	(void)unused;
	r[3].protocol = PROTO + 1;
	run_ok(OP_ADD, OBJ_ROUTE, r, n);
	assert_non_null(s);
	assert_int_equal(kernel_dump_then(nl, s, OBJ_BIT(OBJ_ROUTE), PROTO, NULL, NULL), 0);
	state_sort(s);
	assert_int_equal(s->routes.n, n - 1);
	for (i = 0; i < n - 1; i++)
		expect_in(s, OBJ_ROUTE, &r[i]);
	state_free(s);
	/* The socket is as it was: a plain dump has every route, the main table's too. */
	s = dump();
	expect_in(s, OBJ_ROUTE, &r[3]);
	assert_true(s->routes.n > n);
	state_free(s);
	run_ok(OP_DEL, OBJ_ROUTE, r, n);
}

static void kernel_wireguard_link(void **unused)
{
	struct st_link l = {.name = "wgpkk", .backend = WG_BACKEND_KERNEL, .mtu = 1420, .up = true};
	struct st_addr a[2] = {{.ifname = "wgpkk", .addr = pfx("10.98.0.1/24")},
			       {.ifname = "wgpkk", .addr = pfx("fd98::1/64")}};
	struct state *s;
	int status;
	char msg[256];

	(void)unused;
	if (!kernel_has_wireguard()) {
		/* No module here: the kernel refuses the kind, and says which. */
		assert_int_equal(kernel_link_create_wireguard(nl, "wgpkk"), -EOPNOTSUPP);
		assert_int_equal(run(OP_ADD, OBJ_LINK, &l, 1, &status, msg, sizeof(msg)),
				 -EOPNOTSUPP);
		assert_string_equal(msg, "Unknown device type");
		s = dump();
		assert_null(find(s, OBJ_LINK, &l));
		state_free(s);
		return;
	}
	run_ok(OP_ADD, OBJ_LINK, &l, 1);
	run_ok(OP_ADD, OBJ_ADDR, a, 2);
	s = dump();
	expect_in(s, OBJ_LINK, &l);
	assert_true(((const struct st_link *)find(s, OBJ_LINK, &l))->owned);
	assert_int_equal(((const struct st_link *)find(s, OBJ_LINK, &l))->backend,
			 WG_BACKEND_KERNEL);
	/* Its addresses, and only those (no veth's, no link-local). */
	assert_int_equal(s->addrs.n, 2);
	expect_in(s, OBJ_ADDR, &a[0]);
	expect_in(s, OBJ_ADDR, &a[1]);
	state_free(s);
	run_ok(OP_DEL, OBJ_LINK, &l, 1);
	s = dump();
	assert_null(find(s, OBJ_LINK, &l));
	assert_int_equal(s->addrs.n, 0);
	state_free(s);
}

static void userspace_link_and_addresses(void **unused)
{
	const char *name = getenv("WGPK_WGGO");
	struct st_link l = {.backend = WG_BACKEND_USERSPACE, .mtu = 1380, .up = true};
	struct st_addr a[2] = {{.addr = pfx("10.99.0.1/24")}, {.addr = pfx("fd99::1/64")}};
	struct st_route net99 = rt("10.99.0.0/24", ROUTE_UNICAST, "", 254, 0);
	const struct st_link *got;
	struct state *s;

	(void)unused;
	if (!name || !*name)
		skip();
	snprintf(l.name, sizeof(l.name), "%s", name);
	s = dump();
	got = find(s, OBJ_LINK, &l);
	assert_non_null(got);
	assert_int_equal(got->backend, WG_BACKEND_USERSPACE);
	assert_false(got->owned);
	state_free(s);

	/* What apply does after spawning: alias, MTU, up. */
	run_ok(OP_CHANGE, OBJ_LINK, &l, 1);
	snprintf(a[0].ifname, sizeof(a[0].ifname), "%s", name);
	snprintf(a[1].ifname, sizeof(a[1].ifname), "%s", name);
	run_ok(OP_ADD, OBJ_ADDR, a, 2);
	s = dump();
	expect_in(s, OBJ_LINK, &l);
	assert_true(((const struct st_link *)find(s, OBJ_LINK, &l))->owned);
	assert_int_equal(s->addrs.n, 2);
	expect_in(s, OBJ_ADDR, &a[0]);
	expect_in(s, OBJ_ADDR, &a[1]);
	/* The kernel's prefix route of wgpolicy's own address follows the address: not in view. */
	assert_null(find(s, OBJ_ROUTE, &net99));
	state_free(s);

	run_ok(OP_DEL, OBJ_ADDR, a, 2);
	run_ok(OP_DEL, OBJ_LINK, &l, 1);
	s = dump();
	assert_int_equal(s->addrs.n, 0);
	assert_null(find(s, OBJ_LINK, &l));
	state_free(s);
}

static void path_mtu(void **unused)
{
	struct st_rule mark = rl(FAMILY_V4, 50, RULE_TO_TABLE, 1002);
	struct st_route via1 = rt("10.7.0.0/16", ROUTE_UNICAST, "wgpk1", 1002, 0);
	struct prefix dst;
	struct route_path p;

	(void)unused;
	dst = pfx("10.6.1.1");
	assert_int_equal(kernel_route_mtu(nl, &dst, 0, NULL, &p), 0);
	assert_int_equal(p.mtu, 1400); /* the route's mtu metric */
	dst = pfx("10.7.0.1");
	assert_int_equal(kernel_route_mtu(nl, &dst, 0, NULL, &p), 0);
	assert_int_equal(p.mtu, 1450); /* the default route's device */
	assert_int_equal(kernel_route_mtu(nl, NULL, 0, NULL, &p), 0);
	assert_int_equal(p.mtu, 1450);
	dst = pfx("2001:db8:ffff::1");
	assert_int_equal(kernel_route_mtu(nl, &dst, 0, NULL, &p), 0);
	assert_int_equal(p.mtu, 0); /* no IPv6 route at all */

	/* With a mark, the lookup follows the fwmark rules. */
	mark.fwmark = 0x77;
	mark.fwmask = UINT32_MAX;
	run_ok(OP_ADD, OBJ_RULE, &mark, 1);
	run_ok(OP_ADD, OBJ_ROUTE, &via1, 1);
	dst = pfx("10.7.0.1");
	assert_int_equal(kernel_route_mtu(nl, &dst, 0x77, NULL, &p), 0);
	assert_int_equal(p.mtu, 1300);
	assert_int_equal(p.table, 1002);
	assert_int_not_equal(p.oif, 0);
	run_ok(OP_DEL, OBJ_ROUTE, &via1, 1);
	run_ok(OP_DEL, OBJ_RULE, &mark, 1);
}

static int setup(void **unused)
{
	(void)unused;
	nl = nl_open_route();
	return nl ? 0 : -1;
}

static int teardown(void **unused)
{
	(void)unused;
	nl_close(nl);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(baseline_dump),
	    cmocka_unit_test(routes_round_trip),
	    cmocka_unit_test(rules_round_trip),
	    cmocka_unit_test(failures_map_to_their_op),
	    cmocka_unit_test(many_routes_in_batches),
	    cmocka_unit_test(routes_confirmed_by_echo),
	    cmocka_unit_test(routes_of_one_protocol),
	    cmocka_unit_test(kernel_wireguard_link),
	    cmocka_unit_test(userspace_link_and_addresses),
	    cmocka_unit_test(path_mtu),
	};

	if (!own_namespace()) {
		printf(
		    "1..0 # SKIP not in a network namespace of its own: run tests/kernel/run.sh\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
