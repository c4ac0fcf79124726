// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Endpoints are facts: the compiler sets what it is given, goes without an
 * address that is still being looked up (the daemon's), and fails on one
 * that could not be had (apply's).
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "testenv.h"

static const char named[] =
	"[Interface]\nPrivateKey = YHc5sW8SCn+NXFbEVgR6gr9B5jVz3X5VkYTU4t6uHXs=\nTable = off\n"
	"[Peer]\nPublicKey = 8GNJNFvZust1HJW+ALrd+jEP/RhrjHTVDNsfgyvscWY=\n"
	"Endpoint = vpn.example.test:51820\nAllowedIPs = 10.8.0.1/32\n";

/* Compile with the one endpoint fact changed by @set; the error count, the peer in @peer. */
static size_t compile_with(void (*set)(struct endpoint_fact *ef), struct st_endpoint *peer)
{
	struct conf *c = parse_text("wg0.conf", named);
	struct state *s = state_new(), *live = state_new();
	struct test_facts tf;
	struct facts *f = test_facts(&tf, c, live);
	struct diags d;
	size_t errors;

	assert_int_equal(f->n_endpoints, 1);
	set(&tf.eps[0]);
	diags_init(&d, &s->arena);
	compile_state(c, f, s, &d);
	errors = d.errors;
	assert_int_equal(s->wgpeers.n, 1);
	*peer = s->wgpeers.v[0].endpoint;
	test_facts_free(&tf);
	state_free(live);
	state_free(s);
	conf_free(c);
	return errors;
}

static void resolved(struct endpoint_fact *ef)
{
	(void)ef; /* testenv: names are 203.0.113.99 */
}

static void pending(struct endpoint_fact *ef)
{
	memset(&ef->ep, 0, sizeof(ef->ep));
	ef->pending = true;
}

static void failed(struct endpoint_fact *ef)
{
	memset(&ef->ep, 0, sizeof(ef->ep));
	ef->error = "Name or service not known";
}

static void resolved_endpoint_is_set(void **state)
{
	struct st_endpoint ep;

	(void)state;
	assert_int_equal(compile_with(resolved, &ep), 0);
	assert_int_equal(ep.family, FAMILY_V4);
	assert_int_equal(ep.port, 51820);
	assert_memory_equal(ep.addr, ((uint8_t[]){ 203, 0, 113, 99 }), 4);
}

static void pending_name_leaves_peer_without_endpoint(void **state)
{
	struct st_endpoint ep;

	(void)state;
	assert_int_equal(compile_with(pending, &ep), 0);
	assert_int_equal(ep.family, 0);
}

static void unresolvable_name_is_an_error(void **state)
{
	struct st_endpoint ep;

	(void)state;
	assert_int_equal(compile_with(failed, &ep), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(resolved_endpoint_is_set),
		cmocka_unit_test(pending_name_leaves_peer_without_endpoint),
		cmocka_unit_test(unresolvable_name_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
