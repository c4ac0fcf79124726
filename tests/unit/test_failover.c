// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A failover is recompile → diff → plan: from the state compiled with every
 * target up to the one compiled with the primary down, the plan must be the
 * smallest, atomic change, and back again on failback.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "state/plan.h"
#include "testenv.h"

static const char *down_policy;
static size_t down_index = (size_t)-1;

static bool target_up(const void *ctx, const struct conf_policy *p, size_t i)
{
	(void)ctx;
	return !(down_policy && !strcmp(p->name, down_policy) && i == down_index);
}

static struct state *compile_with(const struct conf *c, size_t down)
{
	struct state *s = state_new(), *live = state_new();
	struct test_facts tf;
	struct facts *f = test_facts(&tf, c, live);
	struct diags d;

	down_index = down;
	f->target_up = target_up;
	diags_init(&d, &s->arena);
	assert_int_equal(compile_state(c, f, s, &d), 0);
	test_facts_free(&tf);
	state_free(live);
	return s;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static const char two_tunnels[] =
	"[Interface]\nPrivateKey = YHc5sW8SCn+NXFbEVgR6gr9B5jVz3X5VkYTU4t6uHXs=\nTable = off\n"
	"[Peer]\nName = ams1\nPublicKey = 8GNJNFvZust1HJW+ALrd+jEP/RhrjHTVDNsfgyvscWY=\n"
	"Endpoint = 203.0.113.10:51820\nAllowedIPs = 0.0.0.0/0\n"
	"[Peer]\nName = fra1\nPublicKey = nZriK2YVx5HxX6hlLrfAAfMXON5WR64I2hJvxbpiaio=\n"
	"Endpoint = 203.0.113.20:51820\nAllowedIPs = 10.8.0.20/32\n"
	"[Policy corp]\nTo = 192.168.100.0/24\nVia = wg0, wg1\n"
	"[Policy exit]\nFrom = 10.0.1.0/24\nVia = wg0:ams1, wg0:fra1\n";

static struct conf *parse_two(void)
{
	struct conf *c = conf_new();
	struct conf_source a = { .path = "wg0.conf", .data = two_tunnels,
				 .len = sizeof(two_tunnels) - 1 };
	static const char wg1[] =
		"[Interface]\nPrivateKey = YHc5sW8SCn+NXFbEVgR6gr9B5jVz3X5VkYTU4t6uHXs=\nTable = off\n"
		"[Peer]\nPublicKey = Zl0E1Cs1ViQso3GTm3ixwJ+5Zo42TRKUQfPSS8Fya2c=\n"
		"Endpoint = 198.51.100.1:51820\nAllowedIPs = 0.0.0.0/0\n";
	struct conf_source b = { .path = "wg1.conf", .data = wg1, .len = sizeof(wg1) - 1 };

	assert_non_null(c);
	assert_int_equal(conf_parse(c, &a, &test_env), 0);
	assert_int_equal(conf_parse(c, &b, &test_env), 0);
	conf_finish(c);
	if (c->diags.errors)
		dump_diags(c);
	assert_int_equal(c->diags.errors, 0);
	return c;
}

static void interface_failover_is_one_route_replace(void **state)
{
	struct conf *c = parse_two();
	struct state *up, *down;
	char lines[4096];

	(void)state;
	down_policy = "corp";
	up = compile_with(c, (size_t)-1);
	down = compile_with(c, 0);
	plan_lines(up, down, -1, lines, sizeof(lines));
	assert_string_equal(lines,
			    "ip -4 route replace 192.168.100.0/24 dev wg1 table 52000 proto 87\n");
	plan_lines(down, up, -1, lines, sizeof(lines));
	assert_string_equal(lines,
			    "ip -4 route replace 192.168.100.0/24 dev wg0 table 52000 proto 87\n");
	state_free(up);
	state_free(down);
	conf_free(c);
}

static void peer_failover_moves_allowed_ips(void **state)
{
	struct conf *c = parse_two();
	struct state *up, *down;
	char lines[4096];

	(void)state;
	down_policy = "exit";
	up = compile_with(c, (size_t)-1);
	down = compile_with(c, 0);
	plan_lines(up, down, -1, lines, sizeof(lines));
	/* Two peer changes in one set: ams1 loses 0.0.0.0/0, fra1 gets it. Routes stay. */
	assert_non_null(strstr(lines, "endpoint 203.0.113.10:51820 persistent-keepalive off "
				      "allowed-ips \n"));
	assert_non_null(strstr(lines, "allowed-ips 0.0.0.0/0,10.8.0.20/32\n"));
	assert_null(strstr(lines, "route"));
	assert_int_equal(count_lines(lines), 2);
	state_free(up);
	state_free(down);
	conf_free(c);
}

/* A private key that is not clamped (plain random bytes) is stored clamped: plan it so. */
static void private_key_is_clamped(void **state)
{
	static const char text[] = "[Interface]\nPrivateKey = "
				   "//////////////////////////////////////////8=\n";
	struct conf *c = parse_text("wg9.conf", text);
	struct state *s;

	(void)state;
	assert_int_equal(c->diags.errors, 0);
	s = compile_with(c, (size_t)-1);
	assert_int_equal(s->wgdevs.n, 1);
	assert_int_equal(s->wgdevs.v[0].private_key.b[0], 0xf8);
	assert_int_equal(s->wgdevs.v[0].private_key.b[31], 0x7f);
	state_free(s);
	conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(interface_failover_is_one_route_replace),
		cmocka_unit_test(peer_failover_moves_allowed_ips),
		cmocka_unit_test(private_key_is_clamped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
