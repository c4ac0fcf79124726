// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SaveConfig's text (compile/saveconf.c): the running state is the state the
 * file compiles to, changed as `wg set` and `ip address add` would change it.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testenv.h"

/* A private key as the kernel keeps it (clamped), so that the running one is the same. */
#define PRIV "OCZYc6zpcmuJRw8nvG5KeYlno8LJOuJsGkG1X3Z8d2g="
#define SRV "syEwPRoxZ3TynBHIz71KEmMsXblt173LjtSsE/qaQSU="
#define SRV2 "rKpRQvcOJ+LzgWy/yttfMBwqOPB0FN0zKNUecu54km8="
/* A file with one address and one peer, up to the peer's AllowedIPs. */
#define ONE_PEER                                                                                   \
	"[Interface]\n"                                                                            \
	"PrivateKey = " PRIV "\n"                                                                  \
	"Address = 10.8.0.2/24\n"                                                                  \
	"SaveConfig = true\n"                                                                      \
	"[Peer]\n"                                                                                 \
	"PublicKey = " SRV "\n"

/* The state @text compiles to, as if running: listening on 40000, one more address. */
static struct state *running(const struct conf *c)
{
	struct state *s = state_new(), *empty = state_new();
	struct test_facts tf;
	struct diags d;
	struct st_addr *a;

	assert_non_null(s);
	diags_init(&d, &s->arena);
	assert_int_equal(compile_state(c, test_facts(&tf, c, empty), s, &d), 0);
	test_facts_free(&tf);
	state_free(empty);
	vec_foreach(dev, &s->wgdevs) {
		dev->has_listen_port = true;
		dev->listen_port = 40000;
	}
	a = vec_push(&s->arena, &s->addrs);
	assert_non_null(a);
	*a = s->addrs.v[0];
	a->order = (uint32_t)s->addrs.n - 1;
	assert_null(prefix_parse("10.9.0.2/24", &a->addr, NULL));
	return s;
}

/* A peer added at runtime, as `wg set wg0 peer SRV2 allowed-ips 10.8.0.3/32`. */
static void add_peer(struct state *s)
{
	struct st_wgpeer *p = vec_push(&s->arena, &s->wgpeers);
	struct conf *k = parse_text("k.conf", "[Interface]\nPrivateKey = " SRV2 "\n");

	if (!p || !k)
		fail();
	memset(p, 0, sizeof(*p));
	snprintf(p->ifname, sizeof(p->ifname), "wg0");
	/* Any 32 bytes will do for a public key: take them from a parsed private key. */
	memcpy(p->public_key.b, k->ifaces.v[0]->private_key.v.b, ST_KEY_LEN);
	p->allowed_ips = arena_alloc(&s->arena, sizeof(*p->allowed_ips));
	assert_null(prefix_parse("10.8.0.3/32", &p->allowed_ips[0], NULL));
	p->n_allowed_ips = 1;
	p->listed = (uint32_t)s->wgpeers.n - 1;
	conf_free(k);
}

/* The kernel lists the addresses the other way round, the device the peers. */
static void reverse_order(struct state *s)
{
	vec_foreach(a, &s->addrs)
		a->order = (uint32_t)(s->addrs.v + s->addrs.n - a);
	vec_foreach(p, &s->wgpeers)
		p->listed = (uint32_t)(s->wgpeers.v + s->wgpeers.n - p);
}

enum { MORE_PEER = 1, REVERSED = 2 };

static void check(const char *file, const char *want, unsigned changes)
{
	struct conf *c = parse_text("wg0.conf", file);
	struct state *s;
	char *got;

	assert_non_null(c);
	if (c->diags.errors)
		dump_diags(c);
	assert_int_equal(c->diags.errors, 0);
	s = running(c);
	if (changes & MORE_PEER)
		add_peer(s);
	if (changes & REVERSED)
		reverse_order(s);
	got = compile_saved_config(c->ifaces.v[0], file, strlen(file), s);
	assert_non_null(got);
	if (strcmp(got, want))
		fprintf(stderr, "# got:\n%s# want:\n%s", got, want);
	assert_string_equal(got, want);
	free(got);
	state_free(s);
	conf_free(c);
}

/*
 * A wg-quick file: written as wg-quick's save_config writes it, the peer added at runtime
 * too, AllowedIPs in the order WireGuard keeps them (the order they were given in).
 */
static void wg_quick_file(void **state)
{
	(void)state;
	check("# a comment that goes, as with wg-quick\n"
	      "[Interface]\n"
	      "PrivateKey = " PRIV "\n"
	      "Address = 10.8.0.2/24\n"
	      "DNS = 10.8.0.1, corp.example\n"
	      "MTU = 1380\n"
	      "Table = custom\n"
	      "SaveConfig = TRUE\n"
	      "PostUp = echo %i up\n"
	      "[Peer]\n"
	      "PublicKey = " SRV "\n"
	      "Endpoint = 192.0.2.1:51820\n"
	      "AllowedIPs = 10.8.0.0/24, 0.0.0.0/0\n"
	      "PersistentKeepalive = 25\n",
	      "[Interface]\n"
	      "Address = 10.8.0.2/24\n"
	      "Address = 10.9.0.2/24\n"
	      "DNS = 10.8.0.1\n"
	      "DNS = corp.example\n"
	      "MTU = 1380\n"
	      "Table = custom\n"
	      "SaveConfig = true\n"
	      "PostUp = echo %i up\n"
	      "ListenPort = 40000\n"
	      "PrivateKey = " PRIV "\n"
	      "\n"
	      "[Peer]\n"
	      "PublicKey = " SRV "\n"
	      "AllowedIPs = 10.8.0.0/24, 0.0.0.0/0\n"
	      "Endpoint = 192.0.2.1:51820\n"
	      "PersistentKeepalive = 25\n"
	      "\n"
	      "[Peer]\n"
	      "PublicKey = " SRV2 "\n"
	      "AllowedIPs = 10.8.0.3/32\n",
	      MORE_PEER);
}

/* Addresses in the kernel's order, as `ip address show` lists them; peers in the device's. */
static void running_order(void **state)
{
	(void)state;
	check(ONE_PEER
	      "AllowedIPs = 10.8.0.0/24\n",
	      "[Interface]\n"
	      "Address = 10.9.0.2/24\n"
	      "Address = 10.8.0.2/24\n"
	      "SaveConfig = true\n"
	      "ListenPort = 40000\n"
	      "PrivateKey = " PRIV "\n"
	      "\n"
	      "[Peer]\n"
	      "PublicKey = " SRV2 "\n"
	      "AllowedIPs = 10.8.0.3/32\n"
	      "\n"
	      "[Peer]\n"
	      "PublicKey = " SRV "\n"
	      "AllowedIPs = 10.8.0.0/24\n",
	      MORE_PEER | REVERSED);
}

/* A full tunnel: its mark, the number of its table, is written as wg-quick writes it. */
static void full_tunnel_mark(void **state)
{
	(void)state;
	check(ONE_PEER
	      "AllowedIPs = 0.0.0.0/0\n",
	      "[Interface]\n"
	      "Address = 10.8.0.2/24\n"
	      "Address = 10.9.0.2/24\n"
	      "SaveConfig = true\n"
	      "ListenPort = 40000\n"
	      "FwMark = 0xca6c\n"
	      "PrivateKey = " PRIV "\n"
	      "\n"
	      "[Peer]\n"
	      "PublicKey = " SRV "\n"
	      "AllowedIPs = 0.0.0.0/0\n",
	      0);
}

/*
 * wgpolicy's keys stay, a host name stays the endpoint, and the other sections
 * stay as written: the comments above a header with it, blank lines between
 * sections one, the last line ended.
 */
static void wgpolicy_file(void **state)
{
	(void)state;
	check("[Interface]\n"
	      "PrivateKey = " PRIV "\n"
	      "Address = 10.8.0.2/24\n"
	      "MTU = auto\n"
	      "Table = off\n"
	      "Backend = userspace\n"
	      "SaveConfig = true\n"
	      "\n"
	      "# the office\n"
	      "[Policy office]\n"
	      "To = 192.168.100.0/24   # the LAN\n"
	      "Via = wg0:ams1\n"
	      "\n"
	      "\n"
	      "[Peer]\n"
	      "Name = ams1\n"
	      "PublicKey = " SRV "\n"
	      "Endpoint = vpn.example.net:51820\n"
	      "AllowedIPs = 192.168.100.0/24\n"
	      "Probe = 10.8.0.1\n"
	      "# kept: above [Set]\n"
	      "[Set spare]\n"
	      "Address = 172.16.0.0/12",
	      "[Interface]\n"
	      "Address = 10.8.0.2/24\n"
	      "Address = 10.9.0.2/24\n"
	      "MTU = auto\n"
	      "Table = off\n"
	      "SaveConfig = true\n"
	      "Backend = userspace\n"
	      "ListenPort = 40000\n"
	      "PrivateKey = " PRIV "\n"
	      "\n"
	      "[Peer]\n"
	      "Name = ams1\n"
	      "PublicKey = " SRV "\n"
	      "AllowedIPs = 192.168.100.0/24\n"
	      "Endpoint = vpn.example.net:51820\n"
	      "Probe = 10.8.0.1\n"
	      "\n"
	      "# the office\n"
	      "[Policy office]\n"
	      "To = 192.168.100.0/24   # the LAN\n"
	      "Via = wg0:ams1\n"
	      "\n"
	      "# kept: above [Set]\n"
	      "[Set spare]\n"
	      "Address = 172.16.0.0/12\n",
	      0);
}

/* Search domains without a server are not registered, as by wg-quick, and stay in the file. */
static void search_domains_alone(void **state)
{
	const char *file = "[Interface]\n"
			   "PrivateKey = " PRIV "\n"
			   "Address = 10.8.0.2/24\n"
			   "DNS = corp.example, lab.example\n"
			   "SaveConfig = true\n";
	struct conf *c = parse_text("wg0.conf", file);
	struct state *s = running(c);

	(void)state;
	assert_int_equal(s->dns.n, 0);
	state_free(s);
	conf_free(c);
	check(file,
	      "[Interface]\n"
	      "Address = 10.8.0.2/24\n"
	      "Address = 10.9.0.2/24\n"
	      "DNS = corp.example\n"
	      "DNS = lab.example\n"
	      "SaveConfig = true\n"
	      "ListenPort = 40000\n"
	      "PrivateKey = " PRIV "\n",
	      0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wg_quick_file),
		cmocka_unit_test(running_order),
		cmocka_unit_test(full_tunnel_mark),
		cmocka_unit_test(wgpolicy_file),
		cmocka_unit_test(search_domains_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
