// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The parser builds the model: each key lands in its field, with its file and
 * line; lists accumulate; wgpolicy's sections and references resolve.
 */
#include <errno.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf/values.h"
#include "testenv.h"

#define N(a) (sizeof(a) / sizeof(*(a)))

/* wg-quick(8)'s example keys. */
#define PRIV "oK56DE9Ue9zK76rAc8pBl6opph+1v36lm7cXXsQKrQM="
#define PUB1 "GtL7fZc/bLnqZldpVofMCD6hDjrK28SsdLxevJ+qtKU="
#define PUB2 "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define PUB3 "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="
#define PSK "/UwcSPg38hW/D9Y3tcS1FOV0K1wuURMbS0sesJEP5ak="

struct src {
	const char *path, *text;
};

static struct conf *parse_all(const struct src *v, size_t n, const struct conf_env *env)
{
	struct conf *c = conf_new();
	size_t i;

	assert_non_null(c);
	for (i = 0; i < n; i++) {
		struct conf_source s = { .path = v[i].path, .data = v[i].text, .len = strlen(v[i].text) };

		assert_int_equal(conf_parse(c, &s, env), 0);
	}
	conf_finish(c);
	return c;
}

/* Parse and expect not a single diagnostic. */
static struct conf *parse_clean(const struct src *v, size_t n)
{
	struct conf *c = parse_all(v, n, &test_env);

	if (c->diags.list.n) {
		dump_diags(c);
		fail_msg("%zu unexpected diagnostics", c->diags.list.n);
	}
	return c;
}

static void assert_key(const struct wg_key *k, const char *b64)
{
	struct wg_key want;

	assert_null(parse_key(b64, &want));
	assert_memory_equal(k->b, want.b, WG_KEY_LEN);
}

static void assert_prefix(const struct prefix *p, const char *want)
{
	char buf[PREFIX_STRLEN];

	assert_string_equal(prefix_format(p, buf, false), want);
}

/* The expected diagnostics of a text, as "LINE:severity:part of the message" each. */
static void assert_diags(const struct conf *c, const char *const *want, size_t n)
{
	size_t i;

	if (c->diags.list.n != n) {
		dump_diags(c);
		fail_msg("%zu diagnostics, want %zu", c->diags.list.n, n);
	}
	for (i = 0; i < n; i++) {
		const struct diag *g = &c->diags.list.v[i];
		char head[32];
		int len = snprintf(head, sizeof(head), "%u:%s:", g->loc.line, severity_name(g->sev));

		if (strncmp(want[i], head, (size_t)len) || !strstr(g->msg, want[i] + len))
			fail_msg("diagnostic %zu is '%s%s', want '%s'", i, head, g->msg, want[i]);
	}
}

static const char wg0_text[] =
	"# wg0: every key wg-quick reads, and ours\n"	   /* 1 */
	"[Interface]\n"					   /* 2 */
	"PrivateKey = " PRIV "\n"			   /* 3 */
	"ListenPort = 51820\n"				   /* 4 */
	"FwMark = 0xca6c\n"				   /* 5 */
	"Address = 10.8.0.2/24, fd08::2/64\n"		   /* 6 */
	"DNS = 10.8.0.1\n"				   /* 7 */
	"MTU = 1420\n"					   /* 8 */
	"Table = 1234\n"				   /* 9 */
	"PreUp = echo pre %i\n"				   /* 10 */
	"PostUp = iptables -A FORWARD -i %i -j ACCEPT; echo \"$(date +%s)\"\n" /* 11 */
	"PostUp = echo second\n"			   /* 12 */
	"PreDown = echo predown\n"			   /* 13 */
	"PostDown = echo postdown\n"			   /* 14 */
	"SaveConfig = true\n"				   /* 15 */
	"Underlay = eth1\n"				   /* 16 */
	"Backend = /usr/bin/wireguard-go\n"		   /* 17 */
	"\n"						   /* 18 */
	"[Peer]\n"					   /* 19 */
	"Name = ams1\n"					   /* 20 */
	"PublicKey = " PUB1 "\n"			   /* 21 */
	"PresharedKey = " PSK "\n"			   /* 22 */
	"Endpoint = [2001:db8::1]:51820\n"		   /* 23 */
	"AllowedIPs = 0.0.0.0/0\n"			   /* 24 */
	"PersistentKeepalive = 25\n"			   /* 25 */
	"Probe = 10.8.0.1\n"				   /* 26 */
	"[Peer]\n"					   /* 27 */
	"PublicKey = " PUB2 "\n"			   /* 28 */
	"Endpoint = gw.example.net:4500\n"		   /* 29 */
	"PersistentKeepalive = off\n";			   /* 30 */

static void interface_and_peer_keys(void **state)
{
	const struct src s = { "/etc/wgpolicy/wg0.conf", wg0_text };
	struct conf *c = parse_clean(&s, 1);
	struct conf_iface *i;
	struct conf_peer *p;

	(void)state;
	assert_int_equal(c->ifaces.n, 1);
	i = c->ifaces.v[0];
	assert_string_equal(i->name, "wg0");
	assert_string_equal(i->file, "/etc/wgpolicy/wg0.conf");
	assert_int_equal(i->loc.line, 2);
	assert_key(&i->private_key.v, PRIV);
	assert_int_equal(i->private_key.loc.line, 3);
	assert_string_equal(i->private_key.loc.file, "/etc/wgpolicy/wg0.conf");
	assert_int_equal(i->listen_port.v, 51820);
	assert_int_equal(i->fwmark.v, 0xca6c);
	assert_int_equal(i->fwmark.loc.line, 5);
	assert_int_equal(i->addresses.n, 2);
	assert_prefix(&i->addresses.v[1].p, "fd08::2/64");
	assert_int_equal(i->addresses.v[1].loc.line, 6);
	assert_false(i->mtu.v.is_auto);
	assert_int_equal(i->mtu.v.value, 1420);
	assert_int_equal(i->table.v.kind, TABLE_ID);
	assert_int_equal(i->table.v.id, 1234);
	assert_int_equal(i->pre_up.n, 1);
	assert_string_equal(i->pre_up.v[0].s, "echo pre %i");
	assert_int_equal(i->post_up.n, 2);
	assert_string_equal(i->post_up.v[0].s,
			    "iptables -A FORWARD -i %i -j ACCEPT; echo \"$(date +%s)\"");
	assert_int_equal(i->post_up.v[1].loc.line, 12);
	assert_string_equal(i->pre_down.v[0].s, "echo predown");
	assert_string_equal(i->post_down.v[0].s, "echo postdown");
	assert_true(i->save_config.v);
	assert_string_equal(i->underlay.v, "eth1");
	assert_int_equal(i->backend.v.kind, BACKEND_USERSPACE);
	assert_string_equal(i->backend.v.program, "/usr/bin/wireguard-go");

	assert_int_equal(i->peers.n, 2);
	p = i->peers.v[0];
	assert_ptr_equal(p->iface, i);
	assert_int_equal(p->index, 0);
	assert_int_equal(p->loc.line, 19);
	assert_string_equal(p->name.v, "ams1");
	assert_key(&p->public_key.v, PUB1);
	assert_int_equal(p->public_key.loc.line, 21);
	assert_key(&p->preshared_key.v, PSK);
	assert_string_equal(p->endpoint.v.host, "2001:db8::1");
	assert_int_equal(p->endpoint.v.port, 51820);
	assert_int_equal(p->allowed_ips.n, 1);
	assert_prefix(&p->allowed_ips.v[0].p, "0.0.0.0/0");
	assert_int_equal(p->keepalive.v, 25);
	assert_prefix(&p->probe.v, "10.8.0.1");
	assert_ptr_equal(conf_find_peer(i, "ams1"), p);

	p = i->peers.v[1];
	assert_int_equal(p->index, 1);
	assert_false(IS_SET(p->name));
	assert_false(IS_SET(p->preshared_key));
	assert_string_equal(p->endpoint.v.host, "gw.example.net");
	assert_true(IS_SET(p->keepalive));
	assert_int_equal(p->keepalive.v, 0);
	assert_int_equal(p->allowed_ips.n, 0);
	assert_string_equal(peer_label(&c->arena, p), "wg0 peer #2 (line 27)");
	conf_free(c);
}

/* AllowedIPs, Address and DNS accumulate over lines; DNS splits servers from search domains. */
static void lists_accumulate(void **state)
{
	static const char text[] = "[Interface]\n"
				   "Address = 10.0.0.2/24 10.0.1.2/24,fd00::2/64\n"
				   "Address = 10.0.2.2\n"
				   "DNS = 10.0.0.1, corp.example.com\n"
				   "DNS = fd00::1 lab.example.org,example.net.\n"
				   "DNS =\n"
				   "[Peer]\n"
				   "PublicKey = " PUB1 "\n"
				   "AllowedIPs = 10.0.0.0/24, 10.0.1.0/24\n"
				   "# AllowedIPs = 10.9.0.0/16 is a comment\n"
				   "AllowedIPs = fd00::/64\n"
				   "AllowedIPs = 192.168.0.0/16,172.16.0.0/12\n";
	static const struct {
		const char *prefix;
		unsigned line;
	} addrs[] = { { "10.0.0.2/24", 2 }, { "10.0.1.2/24", 2 }, { "fd00::2/64", 2 }, { "10.0.2.2", 3 } },
	  dns[] = { { "10.0.0.1", 4 }, { "fd00::1", 5 } },
	  allowed[] = { { "10.0.0.0/24", 9 }, { "10.0.1.0/24", 9 }, { "fd00::/64", 11 },
			{ "192.168.0.0/16", 12 }, { "172.16.0.0/12", 12 } };
	static const char *const search[] = { "corp.example.com", "lab.example.org", "example.net." };
	const struct src s = { "wg0.conf", text };
	struct conf *c = parse_clean(&s, 1);
	struct conf_iface *i = c->ifaces.v[0];
	struct conf_peer *p = i->peers.v[0];
	size_t k;

	(void)state;
	assert_int_equal(i->addresses.n, N(addrs));
	for (k = 0; k < N(addrs); k++) {
		assert_prefix(&i->addresses.v[k].p, addrs[k].prefix);
		assert_int_equal(i->addresses.v[k].loc.line, addrs[k].line);
	}
	assert_int_equal(i->dns.n, N(dns));
	for (k = 0; k < N(dns); k++) {
		assert_prefix(&i->dns.v[k].p, dns[k].prefix);
		assert_int_equal(i->dns.v[k].loc.line, dns[k].line);
	}
	assert_int_equal(i->dns_search.n, N(search));
	for (k = 0; k < N(search); k++)
		assert_string_equal(i->dns_search.v[k].s, search[k]);
	assert_int_equal(i->dns_search.v[1].loc.line, 5);
	assert_int_equal(p->allowed_ips.n, N(allowed));
	for (k = 0; k < N(allowed); k++) {
		assert_prefix(&p->allowed_ips.v[k].p, allowed[k].prefix);
		assert_int_equal(p->allowed_ips.v[k].loc.line, allowed[k].line);
	}
	conf_free(c);
}

/* One [Interface] value at a time, in a file of its own: what lands in the model. */
static struct conf *parse_iface_value(const char *line)
{
	char text[256];
	const struct src s = { "wg0.conf", text };

	snprintf(text, sizeof(text), "[Interface]\n%s\n", line);
	return parse_all(&s, 1, &test_env);
}

static void tables(void **state)
{
	static const struct {
		const char *line;
		enum table_kind kind;
		uint32_t id;
		bool bad;
	} cases[] = {
		{ "Table = auto", TABLE_AUTO },	 { "Table = AUTO", .bad = true },
		{ "Table = off", TABLE_OFF },	 { "Table = Off", .bad = true },
		{ "Table = 1234", TABLE_ID, 1234 }, { "Table = 4294967295", TABLE_ID, UINT32_MAX },
		{ "Table = main", TABLE_ID, 254 }, { "Table = local", TABLE_ID, 255 },
		{ "Table = default", TABLE_ID, 253 }, { "Table = custom", TABLE_ID, 100 },
		{ "Table = vpn", TABLE_ID, 200 }, { "Table = nosuch", .bad = true },
		{ "Table = MAIN", .bad = true }, { "Table = 0", .bad = true },
		{ "Table = 0x100", TABLE_ID, 256 }, { "Table = 010", TABLE_ID, 8 }, /* ip: base 0 */
		{ "Table = -1", .bad = true },
	};
	size_t k;

	(void)state;
	for (k = 0; k < N(cases); k++) {
		struct conf *c = parse_iface_value(cases[k].line);
		struct conf_iface *i = c->ifaces.v[0];

		assert_int_equal(c->diags.errors, cases[k].bad);
		assert_int_equal(IS_SET(i->table), !cases[k].bad);
		if (!cases[k].bad) {
			assert_int_equal(i->table.v.kind, cases[k].kind);
			assert_int_equal(i->table.v.id, cases[k].id);
			assert_int_equal(i->table.loc.line, 2);
		}
		conf_free(c);
	}
}

/* The scalar [Interface] keys with each of their spellings. */
static void interface_values(void **state)
{
	static const struct {
		const char *line;
		size_t off;	/* where in struct conf_iface */
		uint32_t want;	/* the value as the model holds it, or... */
		bool is_auto;	/* ...MTU = auto */
	} cases[] = {
		{ "ListenPort = 0", offsetof(struct conf_iface, listen_port), 0 },
		{ "ListenPort = 65535", offsetof(struct conf_iface, listen_port), 65535 },
		{ "ListenPort = https", offsetof(struct conf_iface, listen_port), 443 }, /* wg: getaddrinfo */
		{ "FwMark = off", offsetof(struct conf_iface, fwmark), 0 },
		{ "FwMark = OFF", offsetof(struct conf_iface, fwmark), 0 },
		{ "FwMark = 0", offsetof(struct conf_iface, fwmark), 0 },
		{ "FwMark = 51820", offsetof(struct conf_iface, fwmark), 51820 },
		{ "FwMark = 0xFFFFFFFF", offsetof(struct conf_iface, fwmark), UINT32_MAX },
		{ "FwMark = 010", offsetof(struct conf_iface, fwmark), 10 }, /* wg: decimal */
		{ "SaveConfig = TRUE", offsetof(struct conf_iface, save_config), 1 },
		{ "MTU = 68", offsetof(struct conf_iface, mtu), 68 },
		{ "MTU = 65535", offsetof(struct conf_iface, mtu), 65535 },
		{ "MTU = 0x500", offsetof(struct conf_iface, mtu), 1280 }, /* ip: base 0 */
		{ "MTU = 02400", offsetof(struct conf_iface, mtu), 1280 },
		{ "MTU = auto", offsetof(struct conf_iface, mtu), 0, true },
		{ "MTU = Auto", offsetof(struct conf_iface, mtu), 0, true },
		{ "SaveConfig = true", offsetof(struct conf_iface, save_config), 1 },
		{ "SaveConfig = false", offsetof(struct conf_iface, save_config), 0 },
	};
	size_t k;

	(void)state;
	for (k = 0; k < N(cases); k++) {
		struct conf *c = parse_iface_value(cases[k].line);
		const char *field = (const char *)c->ifaces.v[0] + cases[k].off;

		if (c->diags.list.n) {
			dump_diags(c);
			fail_msg("'%s' should parse clean", cases[k].line);
		}
		if (cases[k].off == offsetof(struct conf_iface, mtu)) {
			const struct mtu_sel *m = (const void *)field;

			assert_int_equal(m->is_auto, cases[k].is_auto);
			assert_int_equal(m->value, cases[k].want);
		} else if (cases[k].off == offsetof(struct conf_iface, save_config)) {
			assert_int_equal(*(const bool *)field, cases[k].want);
		} else {
			assert_int_equal(*(const uint32_t *)field, cases[k].want);
		}
		conf_free(c);
	}
}

static void backends(void **state)
{
	static const struct {
		const char *line;
		enum backend_kind kind;
		const char *program;
	} cases[] = {
		{ "Backend = auto", BACKEND_AUTO },
		{ "Backend = kernel", BACKEND_KERNEL },
		{ "Backend = Kernel", BACKEND_KERNEL },
		{ "Backend = userspace", BACKEND_USERSPACE },
		{ "Backend = boringtun-cli --foreground", BACKEND_USERSPACE,
		  "boringtun-cli --foreground" },
	};
	size_t k;

	(void)state;
	for (k = 0; k < N(cases); k++) {
		struct conf *c = parse_iface_value(cases[k].line);
		const struct backend_sel *b = &c->ifaces.v[0]->backend.v;

		assert_int_equal(c->diags.list.n, 0);
		assert_int_equal(b->kind, cases[k].kind);
		if (cases[k].program)
			assert_string_equal(b->program, cases[k].program);
		else
			assert_null(b->program);
		conf_free(c);
	}
}

/* Keys and section names in any case, as wg reads them; the last value of a repeated key wins. */
static void case_and_repeats(void **state)
{
	static const char text[] = "[iNtErFaCe]\n"
				   "privatekey = " PRIV "\n"
				   "LISTENPORT = 1\n"
				   "listenPort = 2\n"
				   "[interface]\n" /* wg-quick merges a second [Interface] */
				   "mtu = 1280\n"
				   "[PEER]\n"
				   "publickey = " PUB1 "\n"
				   "ALLOWEDIPS = 10.0.0.0/8\n";
	static const char *const want[] = { "4:warning:ListenPort is set again; this value "
					    "replaces the one on line 3" };
	const struct src s = { "wg0.conf", text };
	struct conf *c = parse_all(&s, 1, &test_env);
	struct conf_iface *i = c->ifaces.v[0];

	(void)state;
	assert_diags(c, want, N(want));
	assert_int_equal(c->ifaces.n, 1);
	assert_int_equal(i->loc.line, 1);
	assert_int_equal(i->listen_port.v, 2);
	assert_int_equal(i->listen_port.loc.line, 4);
	assert_int_equal(i->mtu.v.value, 1280);
	assert_key(&i->peers.v[0]->public_key.v, PUB1);
	assert_int_equal(i->peers.v[0]->allowed_ips.n, 1);
	conf_free(c);
}

static const char policy_wg0[] = "[Interface]\n"
				 "PrivateKey = " PRIV "\n"
				 "DNS = 10.8.0.1\n"
				 "[Peer]\n"
				 "Name = ams1\n"
				 "PublicKey = " PUB1 "\n"
				 "AllowedIPs = 0.0.0.0/0, ::/0\n"
				 "[Peer]\n"
				 "Name = fra1\n"
				 "PublicKey = " PUB2 "\n"
				 "AllowedIPs = 10.8.0.3/32\n";
static const char policy_wg1[] = "[Interface]\n"
				 "PrivateKey = " PRIV "\n"
				 "DNS = 10.9.0.1\n"
				 "[Peer]\n"
				 "PublicKey = " PUB3 "\n"
				 "AllowedIPs = 0.0.0.0/0, ::/0\n";

static const char policy_text[] =
	"[Policy all]\n"					       /* 1 */
	"From = 10.0.1.0/24, @corp\n"				       /* 2 */
	"To = 192.168.0.0/16, fd00::/8\n"			       /* 3 */
	"IncomingInterface = eth1, br-lan\n"			       /* 4 */
	"FirewallMark = 0x10/0xff, 7\n"				       /* 5 */
	"IPProtocol = tcp, 17\n"				       /* 6 */
	"SourcePort = 1024-65535\n"				       /* 7 */
	"DestinationPort = 443, 8000-8999\n"			       /* 8 */
	"Family = both\n"					       /* 9 */
	"Via = wg0, wg0:fra1, wg1, direct\n"			       /* 10 */
	"Mode = failover\n"					       /* 11 */
	"# a comment line\n"					       /* 12 */
	"KillSwitch = yes\n"					       /* 13 */
	"MSSClamp = on\n"					       /* 14 */
	"Conntrack = keep\n"					       /* 15 */
	"Priority = 100\n"					       /* 16 */
	"Table = 1100\n"					       /* 17 */
	"Check = PROBE 10.8.0.1 interval 1s timeout 500ms down 2 up 7\n" /* 18 */
	"[Policy local]\n"					       /* 19 */
	"User = alice, 0, 2000-2999, backup-user\n"		       /* 20 */
	"Group = staff, 34-40\n"				       /* 21 */
	"Cgroup = /user.slice/app.scope, system.slice\n"	       /* 22 */
	"Family = IPv6\n"					       /* 23 */
	"Via = wg1, wg0\n"					       /* 24 */
	"Check = probe fd08::1\n"				       /* 25 */
	"Mode = balance\n"					       /* 26 */
	"Weight = 3, 256\n"					       /* 27 */
	"[Set corp]\n"						       /* 28 */
	"Address = 172.16.0.0/12, 10.20.0.0/16\n"		       /* 29 */
	"Address = 2001:db8:100::/48\n"				       /* 30 */
	"[Global]\n"						       /* 31 */
	"PriorityRange = 20000-20999\n"				       /* 32 */
	"TableRange = 1000-1999\n"				       /* 33 */
	"FirewallMarkMask = 0xff0000\n"				       /* 34 */
	"Protocol = 200\n"					       /* 35 */
	"Metrics = /run/wgpolicy.prom\n"			       /* 36 */
	"ResolveInterval = 90s\n"				       /* 37 */
	"[Policy sink]\n"					       /* 38 */
	"To = 198.51.100.0/24\n"				       /* 39 */
	"Via = BLACKHOLE\n";					       /* 40 */

static void assert_ranges(const struct range32 *r, size_t n, const uint32_t (*want)[2], size_t nwant)
{
	size_t k;

	assert_int_equal(n, nwant);
	for (k = 0; k < n; k++) {
		assert_int_equal(r[k].lo, want[k][0]);
		assert_int_equal(r[k].hi, want[k][1]);
	}
}

static void policy_selectors(void **state)
{
	static const uint32_t users[][2] = { { 1001, 1001 }, { 0, 0 }, { 2000, 2999 }, { 1003, 1003 } };
	static const uint32_t groups[][2] = { { 50, 50 }, { 34, 40 } };
	static const uint32_t sports[][2] = { { 1024, 65535 } };
	static const uint32_t dports[][2] = { { 443, 443 }, { 8000, 8999 } };
	static const uint32_t weights[] = { 3, 256 };
	const struct src s[] = { { "d/wg0.conf", policy_wg0 },
				 { "d/wg1.conf", policy_wg1 },
				 { "d/policy.conf", policy_text } };
	struct conf *c = parse_clean(s, N(s));
	struct conf_policy *p = c->policies.v[0];
	struct conf_iface *wg0 = conf_find_iface(c, "wg0");
	size_t k;

	(void)state;
	assert_int_equal(c->policies.n, 3);
	assert_string_equal(p->name, "all");
	assert_int_equal(p->loc.line, 1);
	assert_string_equal(p->loc.file, "d/policy.conf");
	assert_int_equal(p->from.n, 2);
	assert_prefix(&p->from.v[0].p, "10.0.1.0/24");
	assert_null(p->from.v[0].set);
	assert_string_equal(p->from.v[1].set, "corp");
	assert_int_equal(p->to.n, 2);
	assert_prefix(&p->to.v[1].p, "fd00::/8");
	assert_int_equal(p->to.v[1].loc.line, 3);
	assert_string_equal(p->iif.v[1].s, "br-lan");
	assert_int_equal(p->fwmarks.n, 2);
	assert_int_equal(p->fwmarks.v[0].value, 0x10);
	assert_int_equal(p->fwmarks.v[0].mask, 0xff);
	assert_int_equal(p->fwmarks.v[1].mask, UINT32_MAX);
	assert_int_equal(p->protocols.v[0].v, 6);
	assert_int_equal(p->protocols.v[1].v, 17);
	assert_ranges(p->sports.v, p->sports.n, sports, N(sports));
	assert_ranges(p->dports.v, p->dports.n, dports, N(dports));
	assert_int_equal(p->family.v, FAMILY_BOTH);

	/* Via: kinds in order, resolved to the model's objects by conf_finish */
	assert_int_equal(p->via.n, 4);
	assert_int_equal(p->via.v[0].kind, TARGET_IFACE);
	assert_ptr_equal(p->via.v[0].iface, wg0);
	assert_int_equal(p->via.v[1].kind, TARGET_PEER);
	assert_string_equal(p->via.v[1].iface_name, "wg0");
	assert_string_equal(p->via.v[1].peer_name, "fra1");
	assert_ptr_equal(p->via.v[1].peer, wg0->peers.v[1]);
	assert_ptr_equal(p->via.v[2].iface, conf_find_iface(c, "wg1"));
	assert_int_equal(p->via.v[3].kind, TARGET_DIRECT);
	assert_null(p->via.v[3].iface);
	assert_int_equal(p->via.v[3].loc.line, 10);

	assert_int_equal(p->mode.v, MODE_FAILOVER);
	assert_int_equal(p->weights.n, 0);
	assert_true(p->killswitch.v);
	assert_true(p->mssclamp.v);
	assert_int_equal(p->conntrack.v, CONNTRACK_KEEP);
	assert_int_equal(p->priority.v, 100);
	assert_int_equal(p->table.v, 1100);
	assert_prefix(&p->check.v.addr, "10.8.0.1");
	assert_int_equal(p->check.v.interval_ms, 1000);
	assert_int_equal(p->check.v.timeout_ms, 500);
	assert_int_equal(p->check.v.down, 2);
	assert_int_equal(p->check.v.up, 7);
	assert_int_equal(p->check.loc.line, 18);

	p = c->policies.v[1];
	assert_int_equal(p->index, 1);
	assert_ranges(p->users.v, p->users.n, users, N(users));
	assert_ranges(p->groups.v, p->groups.n, groups, N(groups));
	assert_int_equal(p->cgroups.n, 2);
	assert_string_equal(p->cgroups.v[0].s, "user.slice/app.scope");
	assert_string_equal(p->cgroups.v[1].s, "system.slice");
	assert_int_equal(p->family.v, FAMILY_ONLY_V6);
	assert_int_equal(p->mode.v, MODE_BALANCE);
	assert_int_equal(p->weights.n, N(weights));
	for (k = 0; k < N(weights); k++)
		assert_int_equal(p->weights.v[k].v, weights[k]);
	assert_false(IS_SET(p->killswitch));
	assert_false(IS_SET(p->conntrack));
	/* Check's defaults */
	assert_prefix(&p->check.v.addr, "fd08::1");
	assert_int_equal(p->check.v.interval_ms, CHECK_DEFAULT_INTERVAL_MS);
	assert_int_equal(p->check.v.timeout_ms, CHECK_DEFAULT_TIMEOUT_MS);
	assert_int_equal(p->check.v.down, CHECK_DEFAULT_DOWN);
	assert_int_equal(p->check.v.up, CHECK_DEFAULT_UP);

	assert_int_equal(c->sets.n, 1);
	assert_ptr_equal(conf_find_set(c, "corp"), c->sets.v[0]);
	assert_int_equal(c->sets.v[0]->prefixes.n, 3);
	assert_int_equal(c->sets.v[0]->prefixes.v[2].loc.line, 30);
	assert_int_equal(c->policies.v[2]->via.v[0].kind, TARGET_BLACKHOLE);

	assert_int_equal(c->global.loc.line, 31);
	assert_int_equal(c->global.priorities.v.lo, 20000);
	assert_int_equal(c->global.priorities.v.hi, 20999);
	assert_int_equal(c->global.tables.v.lo, 1000);
	assert_int_equal(c->global.mark_mask.v, 0xff0000);
	assert_int_equal(c->global.protocol.v, 200);
	assert_string_equal(c->global.metrics.v, "/run/wgpolicy.prom");
	assert_int_equal(c->global.resolve_interval.v, 90000);
	conf_free(c);
}

/* Without [Global], nothing is set: the defaults are the compiler's to apply. */
static void global_unset(void **state)
{
	const struct src s = { "wg0.conf", "[Interface]\nPrivateKey = " PRIV "\n" };
	struct conf *c = parse_clean(&s, 1);

	(void)state;
	assert_false(IS_SET(c->global));
	assert_false(IS_SET(c->global.priorities));
	assert_false(IS_SET(c->global.tables));
	assert_false(IS_SET(c->global.mark_mask));
	assert_false(IS_SET(c->global.protocol));
	assert_int_equal(c->policies.n, 0);
	conf_free(c);
}

/* 60,000 prefixes on one line are read whole; one bad prefix among them is reported there. */
static char *many_prefixes(size_t n, size_t bad_at)
{
	char *line = malloc(n * 20 + 64), *w = line;
	size_t k;

	assert_non_null(line);
	w += sprintf(w, "[Interface]\n[Peer]\nPublicKey = %s\nAllowedIPs = ", PUB1);
	for (k = 0; k < n; k++)
		w += sprintf(w, "%s10.%zu.%zu.%zu/32", k ? ", " : "", k >> 16,
			     k == bad_at ? 300 : (k >> 8) & 0xff, k & 0xff);
	sprintf(w, "\nPersistentKeepalive = 25\n");
	return line;
}

static void long_allowed_ips_line(void **state)
{
	static const size_t n = 60000;
	char *text = many_prefixes(n, (size_t)-1);
	const struct src s = { "wg0.conf", text };
	struct conf *c = parse_clean(&s, 1);
	struct conf_peer *p = c->ifaces.v[0]->peers.v[0];

	(void)state;
	assert_int_equal(p->allowed_ips.n, n);
	assert_prefix(&p->allowed_ips.v[n - 1].p, "10.0.234.95");
	assert_int_equal(p->allowed_ips.v[n - 1].loc.line, 4);
	assert_int_equal(p->keepalive.loc.line, 5);
	conf_free(c);
	free(text);

	text = many_prefixes(n, n / 2);
	c = parse_all(&(struct src){ "wg0.conf", text }, 1, &test_env);
	p = c->ifaces.v[0]->peers.v[0];
	assert_int_equal(c->diags.list.n, 1);
	assert_int_equal(c->diags.list.v[0].loc.line, 4);
	assert_string_equal(c->diags.list.v[0].msg,
			    "invalid AllowedIPs '10.0.300.48/32': not a valid IPv4 address");
	assert_int_equal(p->allowed_ips.n, n - 1);
	assert_int_equal(p->keepalive.v, 25);
	conf_free(c);
	free(text);
}

/* A broken header closes the section above it: its keys go nowhere. */
static void broken_header_closes_section(void **state)
{
	static const char text[] = "[Policy a]\nFrom = 10.0.1.0/24\nVia = direct\n"
				   "[Policy b\nFrom = 10.0.2.0/24\nVia = blackhole\n"
				   "[Interface] x\nPrivateKey = " PRIV "\n";
	static const char *const want[] = { "4:error:section header '[Policy b' is missing",
					    "7:error:unexpected text 'x' after section header" };
	const struct src s = { "p.conf", text };
	struct conf *c = parse_all(&s, 1, &test_env);

	(void)state;
	assert_diags(c, want, N(want));
	assert_int_equal(c->policies.n, 1);
	assert_int_equal(c->policies.v[0]->from.n, 1);
	assert_int_equal(c->policies.v[0]->via.n, 1);
	assert_int_equal(c->ifaces.n, 0);
	conf_free(c);
}

/* A NUL byte makes the whole file an error, reported on its line, and adds nothing. */
static void nul_byte_in_file(void **state)
{
	static const char text[] = "[Interface]\nPrivateKey = " PRIV "\n[Peer]\0\nPublicKey = x\n";
	struct conf *c = conf_new();
	struct conf_source s = { .path = "wg0.conf", .data = text, .len = sizeof(text) - 1 };
	static const char *const want[] = { "3:error:NUL byte: this is a binary file" };

	(void)state;
	assert_non_null(c);
	assert_int_equal(conf_parse(c, &s, &test_env), 0);
	conf_finish(c);
	assert_diags(c, want, N(want));
	assert_int_equal(c->ifaces.n, 0);
	conf_free(c);
}

/* [Set] File: through the environment; its errors, a NUL byte, an unreadable file. */
static int fake_read(void *ctx, const char *path, char **data, size_t *len)
{
	static const struct {
		const char *path, *text;
		size_t len;
		int err;
	} files[] = {
		{ "d/nets.txt", "10.1.0.0/16\r\n\n# c\n10.2.0.0/16 # c\n2001:db8::/32", 47 },
		{ "/abs/nets.txt", "192.0.2.0/24\n", 13 },
		{ "d/binary.txt", "10.1.0.0/16\n\0\n", 14 },
		{ "d/secret.txt", NULL, 0, -EACCES },
		{ "d/empty.txt", "", 0 },
	};
	size_t k;

	(void)ctx;
	for (k = 0; k < N(files); k++) {
		if (strcmp(path, files[k].path))
			continue;
		if (files[k].err)
			return files[k].err;
		*data = malloc(files[k].len + 1);
		assert_non_null(*data);
		memcpy(*data, files[k].text, files[k].len + 1);
		*len = files[k].len;
		return 0;
	}
	return -ENOENT;
}

static void set_files(void **state)
{
	static const char text[] = "[Set a]\n"
				   "File = nets.txt\n"
				   "File = /abs/nets.txt\n"
				   "File = empty.txt\n"
				   "[Set b]\n"
				   "File = binary.txt\n"
				   "File = secret.txt\n"
				   "File = missing.txt\n"
				   "Address = 10.9.0.0/16\n";
	static const char *const want[] = {
		"6:error:set file d/binary.txt is a binary file (it holds a NUL byte)",
		"7:error:cannot read set file d/secret.txt: Permission denied",
		"8:error:cannot read set file d/missing.txt: No such file or directory",
	};
	static const struct {
		const char *prefix, *file;
		unsigned line;
	} prefixes[] = { { "10.1.0.0/16", "d/nets.txt", 1 },
			 { "10.2.0.0/16", "d/nets.txt", 4 },
			 { "2001:db8::/32", "d/nets.txt", 5 },
			 { "192.0.2.0/24", "/abs/nets.txt", 1 } };
	struct conf_env env = test_env;
	const struct src s = { "d/policy.conf", text };
	struct conf *c;
	struct conf_set *a;
	size_t k;

	(void)state;
	env.read_file = fake_read;
	c = parse_all(&s, 1, &env);
	assert_diags(c, want, N(want));
	a = c->sets.v[0];
	assert_int_equal(a->prefixes.n, N(prefixes));
	for (k = 0; k < N(prefixes); k++) {
		assert_prefix(&a->prefixes.v[k].p, prefixes[k].prefix);
		assert_string_equal(a->prefixes.v[k].loc.file, prefixes[k].file);
		assert_int_equal(a->prefixes.v[k].loc.line, prefixes[k].line);
	}
	assert_int_equal(a->files.n, 3);
	assert_string_equal(a->files.v[0].s, "d/nets.txt");
	assert_int_equal(a->files.v[1].loc.line, 3);
	assert_int_equal(c->sets.v[1]->prefixes.n, 1);
	conf_free(c);
}

/* Without an environment, what needs the system fails as unknown; nothing crashes. */
static void no_environment(void **state)
{
	static const char text[] = "[Interface]\nTable = custom\n"
				   "[Policy p]\nUser = alice\nGroup = staff\nVia = blackhole\n"
				   "[Set s]\nFile = nets.txt\nAddress = 10.0.0.0/8\n";
	static const char *const want[] = {
		"2:error:invalid Table 'custom'",
		"4:error:unknown user 'alice'",
		"5:error:unknown group 'staff'",
		"8:error:cannot read set file nets.txt",
	};
	const struct src s = { "wg0.conf", text };
	struct conf *c = parse_all(&s, 1, NULL);

	(void)state;
	assert_diags(c, want, N(want));
	conf_free(c);
}

/* A PrivateKey in a file others can read warns on its line; the key itself never shows. */
static void world_readable_private_key(void **state)
{
	static const char *const texts[] = {
		"[Interface]\nAddress = 10.0.0.1/24\nPrivateKey = " PRIV "\n",
		"[Interface]\nAddress = 10.0.0.1/24\n",
	};
	size_t k;

	(void)state;
	for (k = 0; k < N(texts); k++) {
		struct conf *c = conf_new();
		struct conf_source s = { .path = "/etc/wgpolicy/wg0.conf",
					 .data = texts[k],
					 .len = strlen(texts[k]),
					 .world_accessible = true };
		static const char *const want[] = {
			"3:warning:/etc/wgpolicy/wg0.conf holds a PrivateKey and is world accessible"
		};

		assert_int_equal(conf_parse(c, &s, &test_env), 0);
		conf_finish(c);
		assert_diags(c, want, k == 0 ? 1 : 0);
		assert_true(c->ifaces.v[0]->world_accessible);
		conf_free(c);
	}
}

/* No diagnostic ever shows a private or preshared key, however the line is broken. */
static void secrets_never_echoed(void **state)
{
	static const char *const lines[] = {
		"PrivateKey = " PRIV "x",
		"PrivateKey = x" PRIV,
		"PrivateKey " PRIV,
		PRIV,
		"Private Key = " PRIV,
		"[Peer]\nPresharedKey = " PSK "x",
		"[Peer]\nPresharedKey " PSK,
		"[Peer]\n" PSK,
		"[Policy p]\n" PRIV,
		"[Nope]\n" PRIV,
		"[Peer] PrivateKey = " PRIV,		/* a header and a key on one line */
		"[Peer]\rPrivateKey = " PRIV,		/* CR alone ends lines (classic Mac OS) */
		"oK56DE9Ue9zK76rAc8pBl6opph+1v36lm7cXXsQKrQM", /* a key without its '=' */
		"[Peer]\nx oK56DE9Ue9zK76rAc8pBl6opph+1v36lm7cXXsQKrQM",
		"[Peer]\nAllowedIPs = " PRIV,	/* a key pasted into the wrong value */
		"[Peer]\nEndpoint = " PRIV,
		"Address = " PRIV,
		"[Set s]\nAddress = " PRIV,	/* as a set File naming a key file reads it */
	};
	size_t k;

	(void)state;
	for (k = 0; k < N(lines); k++) {
		char text[256];
		const struct src s[] = { { "wg0.conf", text }, { "top.conf", lines[k] } };
		struct conf *c;

		snprintf(text, sizeof(text), "[Interface]\n%s\n", lines[k]);
		c = parse_all(s, N(s), &test_env);
		assert_true(c->diags.errors > 0);
		vec_foreach(g, &c->diags.list) {
			if (strstr(g->msg, "oK56DE9Ue9zK76rAc8pB") || strstr(g->msg, "UwcSPg38hW/D9Y3tcS1F"))
				fail_msg("'%s' echoes a secret: %s", lines[k], g->msg);
		}
		conf_free(c);
	}
}

/* A [Peer] before [Interface] belongs to the file's interface; the name is checked on [Interface]. */
static void peer_before_interface(void **state)
{
	static const char text[] = "[Peer]\nPublicKey = " PUB1 "\nAllowedIPs = 10.0.0.0/8\n"
				   "[Interface]\nPrivateKey = " PRIV "\n";
	static const char *const want[] = { "4:error:file name 'wg0-is-far-too-long.conf' does not "
					    "make a valid interface name" };
	struct conf *c = parse_all(&(struct src){ "wg0.conf", text }, 1, &test_env);

	(void)state;
	assert_int_equal(c->diags.list.n, 0);
	assert_int_equal(c->ifaces.n, 1);
	assert_int_equal(c->ifaces.v[0]->loc.line, 4);
	assert_int_equal(c->ifaces.v[0]->peers.n, 1);
	conf_free(c);
	c = parse_all(&(struct src){ "x/wg0-is-far-too-long.conf", text }, 1, &test_env);
	assert_diags(c, want, N(want));
	conf_free(c);
}

/* Interface names: from the file name, 1-15 characters of wg-quick's set. */
static void interface_names(void **state)
{
	static const struct {
		const char *name;
		bool valid;
	} cases[] = {
		{ "wg0", true },		{ "a", true },
		{ "123456789012345", true },	{ "a-Z_0=9+b.c-d.e", true },
		{ "1234567890123456", false },	{ "", false },
		{ "wg 0", false },		{ "wg/0", false },
		{ "wg@home", false },		{ "wg:0", false },
		{ "wgé", false },
	};
	size_t k;

	(void)state;
	for (k = 0; k < N(cases); k++)
		if (conf_valid_ifname(cases[k].name) != cases[k].valid)
			fail_msg("'%s' should be %s", cases[k].name, cases[k].valid ? "valid" : "invalid");
}

/* As wg setconf: a prefix goes to the last peer that lists it, at the place of that mention. */
static void allowed_ips_last_mention_wins(void **state)
{
	struct conf *c = parse_text("/etc/wgpolicy/wg0.conf",
				    "[Interface]\n"				  /* 1 */
				    "DNS = 10.8.0.1\n"				  /* 2 */
				    "[Peer]\n"					  /* 3 */
				    "PublicKey = " PUB1 "\n"			  /* 4 */
				    "AllowedIPs = 10.1.0.0/16, 0.0.0.0/0, ::/0\n" /* 5 */
				    "AllowedIPs = 10.9.0.0/16, 10.1.2.3/16\n"	  /* 6 */
				    "[Peer]\n"					  /* 7 */
				    "PublicKey = " PUB2 "\n"			  /* 8 */
				    "AllowedIPs = 0.0.0.0/0\n");		  /* 9 */
	const struct conf_peer *a, *b;
	const char *const want[] = {
		"5:warning:AllowedIPs 0.0.0.0/0 is also the peer's at line 7",
		"6:warning:AllowedIPs 10.1.0.0/16 is listed twice for this peer",
		"6:warning:10.1.2.3/16 has host bits set",
	};

	(void)state;
	assert_diags(c, want, N(want));
	a = c->ifaces.v[0]->peers.v[0];
	b = c->ifaces.v[0]->peers.v[1];
	assert_int_equal(a->allowed_ips.n, 3);
	assert_prefix(&a->allowed_ips.v[0].p, "::/0");
	assert_prefix(&a->allowed_ips.v[1].p, "10.9.0.0/16");
	assert_prefix(&a->allowed_ips.v[2].p, "10.1.2.3/16");
	assert_int_equal(b->allowed_ips.n, 1);
	assert_prefix(&b->allowed_ips.v[0].p, "0.0.0.0/0");
	conf_free(c);
}

/* wg-quick takes an empty MTU or Table for one not given (a line above it too), runs an empty hook. */
static void empty_values_as_wg_quick(void **state)
{
	struct conf *c = parse_text("/etc/wgpolicy/wg0.conf",
				    "[Interface]\n" /* 1 */
				    "MTU = 1300\n"  /* 2 */
				    "Table = 1234\n" /* 3 */
				    "MTU =\n"	    /* 4 */
				    "Table =\n"	    /* 5 */
				    "PostUp =\n");   /* 6 */
	const struct conf_iface *i = c->ifaces.v[0];
	const char *const want[] = {
		"4:warning:empty MTU: taken as not given, as wg-quick takes it",
		"5:warning:empty Table: taken as not given",
		"6:warning:empty PostUp: there is nothing to run",
	};

	(void)state;
	assert_diags(c, want, N(want));
	assert_false(IS_SET(i->mtu));
	assert_false(IS_SET(i->table));
	assert_int_equal(i->post_up.n, 0);
	conf_free(c);
}

/* As wg-quick: an interface's file is its name followed by .conf, nothing after. */
static void interface_file_names(void **state)
{
	static const struct {
		const char *path;
		bool valid;
	} cases[] = {
		{ "/etc/wireguard/wg0.conf", true },	 { "wg.home.conf", true },
		{ "/etc/wireguard/wg0.conf.bak", false }, { "/etc/wireguard/wg0", false },
		{ "/etc/wireguard/.conf", false },	 { "/tmp/toolonginterface.conf", false },
	};
	size_t k;

	(void)state;
	for (k = 0; k < N(cases); k++) {
		struct conf *c = parse_text(cases[k].path, "[Interface]\n");

		if (count_diags(c, SEV_ERROR, "does not make a valid interface name") !=
		    !cases[k].valid)
			fail_msg("%s should be %s", cases[k].path, cases[k].valid ? "valid" : "refused");
		conf_free(c);
	}
}

static void assert_endpoint(const struct conf_peer *p, const char *host, unsigned port)
{
	assert_true(IS_SET(p->endpoint));
	assert_string_equal(p->endpoint.v.host, host);
	assert_int_equal(p->endpoint.v.port, port);
}

/*
 * wg resolves an Endpoint's port with getaddrinfo: a UDP service's name is a port too
 * (https is 443). wgpolicy looks it up the same way; a name no service has is refused.
 * A bare IPv6 address is split at its last colon, as wg splits it, with a warning.
 */
static void endpoint_ports_as_wg(void **state)
{
	struct conf *c = parse_text("/etc/wgpolicy/wg0.conf",
				    "[Interface]\n"				/* 1 */
				    "[Peer]\n"					/* 2 */
				    "PublicKey = " PUB1 "\n"			/* 3 */
				    "Endpoint = vpn.example.com:https\n"	/* 4 */
				    "[Peer]\n"					/* 5 */
				    "PublicKey = " PUB2 "\n"			/* 6 */
				    "Endpoint = [2001:db8::1]:isakmp\n"	/* 7 */
				    "[Peer]\n"					/* 8 */
				    "PublicKey = " PUB3 "\n"			/* 9 */
				    "Endpoint = 192.0.2.1:no-such-service\n"	/* 10 */
				    "[Peer]\n"					/* 11 */
				    "PublicKey = " PSK "\n"			/* 12 */
				    "Endpoint = 2001:db8::1:51820\n");	/* 13 */
	const struct conf_iface *i = c->ifaces.v[0];
	const char *const want[] = {
		"10:error:no-such-service': port must be a number in 1-65535 or the name of a UDP service",
		"13:warning:read as [2001:db8::1]:51820, as wg reads it",
	};

	(void)state;
	assert_diags(c, want, N(want));
	assert_endpoint(i->peers.v[0], "vpn.example.com", 443);
	assert_endpoint(i->peers.v[1], "2001:db8::1", 500);
	assert_false(IS_SET(i->peers.v[2]->endpoint));
	assert_endpoint(i->peers.v[3], "2001:db8::1", 51820);
	conf_free(c);
}

/* wg-quick cuts a hook at '#' even inside quotes: say so when that leaves a quote open. */
static void hook_cut_by_comment(void **state)
{
	struct conf *c = parse_text("/etc/wgpolicy/wg0.conf",
				    "[Interface]\n"					/* 1 */
				    "PostUp = echo 'a # b'\n"				/* 2 */
				    "PostUp = iptables -A FORWARD -i %i -j ACCEPT # lan\n"	/* 3 */
				    "PostUp = echo \"it's\" # fine\n"			/* 4 */
				    "PreDown = echo \"#$USER\"\n"				/* 5 */
				    "PostDown = echo \\' # escaped\n");			/* 6 */
	const char *const want[] = {
		"2:warning:PostUp is cut at '#', which starts a comment even inside quotes",
		"5:warning:PreDown is cut at '#'",
	};

	(void)state;
	assert_diags(c, want, N(want));
	assert_string_equal(c->ifaces.v[0]->post_up.v[0].s, "echo 'a");
	conf_free(c);
}

/* A peer with the interface's own key is ignored by WireGuard, so by wgpolicy, with a warning. */
static void peer_with_own_key(void **state)
{
	struct conf *c = parse_text("/etc/wgpolicy/wg0.conf",
				    "[Interface]\n"					/* 1 */
				    "PrivateKey = " PRIV "\n"				/* 2 */
				    "[Peer]\n"						/* 3 */
				    "PublicKey = cL9S5KV5wAy/AsKyYct3qz9BHxe5FYqxlb/eDthF/VY=\n" /* 4 */
				    "AllowedIPs = 10.1.0.0/16\n"				/* 5 */
				    "[Peer]\n"						/* 6 */
				    "PublicKey = " PUB1 "\n"				/* 7 */
				    "AllowedIPs = 10.2.0.0/16\n");			/* 8 */
	const struct conf_iface *i = c->ifaces.v[0];
	const char *const want[] = {
		"4:warning:this PublicKey is wg0's own (its PrivateKey's): WireGuard ignores such a "
		"peer, and so does wgpolicy",
	};

	(void)state;
	assert_diags(c, want, N(want));
	/* Left out as WireGuard leaves it out: the device, routes and MTU see the other alone. */
	assert_int_equal(i->peers.n, 1);
	assert_int_equal(i->peers.v[0]->loc.line, 6);
	conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(interface_and_peer_keys),
		cmocka_unit_test(lists_accumulate),
		cmocka_unit_test(tables),
		cmocka_unit_test(interface_values),
		cmocka_unit_test(backends),
		cmocka_unit_test(case_and_repeats),
		cmocka_unit_test(policy_selectors),
		cmocka_unit_test(global_unset),
		cmocka_unit_test(long_allowed_ips_line),
		cmocka_unit_test(broken_header_closes_section),
		cmocka_unit_test(nul_byte_in_file),
		cmocka_unit_test(set_files),
		cmocka_unit_test(no_environment),
		cmocka_unit_test(world_readable_private_key),
		cmocka_unit_test(secrets_never_echoed),
		cmocka_unit_test(peer_before_interface),
		cmocka_unit_test(interface_names),
		cmocka_unit_test(allowed_ips_last_mention_wins),
		cmocka_unit_test(empty_values_as_wg_quick),
		cmocka_unit_test(interface_file_names),
		cmocka_unit_test(endpoint_ports_as_wg),
		cmocka_unit_test(hook_cut_by_comment),
		cmocka_unit_test(peer_with_own_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
