// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A driver of src/wg for the integration test: each command is one call of
 * the wg API, so the script can check what the API did against `wg`.
 *
 *   wgtool spawn IFNAME [PROGRAM]    wg_spawn
 *   wgtool present IFNAME            wg_uapi_present (exit 0 or 1)
 *   wgtool dump IFNAME               wg_dump, printed as `wg show IFNAME dump` does, except
 *                                    the device's keys: "(hidden)" or "(none)", then "-"
 *   wgtool set IFNAME < SPEC         one wg_apply of every line of SPEC:
 *       dev PRIVATE_KEY PORT FWMARK
 *       add|change PUBLIC_KEY PSK|- ENDPOINT|- KEEPALIVE IP,IP...|-
 *       del PUBLIC_KEY
 *       gen N                        N new peers, keys and addresses made up
 * Keys are in base64, as wg prints them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wg/wg.h"

static struct state *st;

struct op_vec {
	struct op *v;
	size_t n, cap;
};

static int b64(char c)
{
	const char *abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(abc, c) : NULL;

	return p ? (int)(p - abc) : -1;
}

static int parse_key(const char *s, struct st_key *k)
{
	unsigned i, j = 0;
	uint32_t v = 0;

	if (strlen(s) != 44 || s[43] != '=')
		return -1;
	for (i = 0; i < 43; i++) {
		if (b64(s[i]) < 0)
			return -1;
		v = v << 6 | (uint32_t)b64(s[i]);
		if (i % 4 == 3) {
			k->b[j++] = (uint8_t)(v >> 16);
			k->b[j++] = (uint8_t)(v >> 8);
			k->b[j++] = (uint8_t)v;
			v = 0;
		}
	}
	/* 43 characters: 40 make 30 bytes, the last 3 make 18 bits, 16 of them the last two bytes.
	 */
	k->b[30] = (uint8_t)(v >> 10);
	k->b[31] = (uint8_t)(v >> 2);
	return 0;
}

/* A key in base64, as wg prints it (44 characters, one '='). */
static const char *format_key(const struct st_key *k, char out[45])
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned i, j = 0;

	for (i = 0; i < ST_KEY_LEN; i += 3) {
		uint32_t v = (uint32_t)k->b[i] << 16 | (uint32_t)k->b[i + 1] << 8 |
			     (i + 2 < ST_KEY_LEN ? k->b[i + 2] : 0);

		out[j++] = abc[v >> 18];
		out[j++] = abc[(v >> 12) & 63];
		out[j++] = abc[(v >> 6) & 63];
		out[j++] = i + 2 < ST_KEY_LEN ? abc[v & 63] : '=';
	}
	out[j] = '\0';
	return out;
}

static int parse_endpoint(char *s, struct st_endpoint *e)
{
	char *port = strrchr(s, ':');
	struct prefix a;

	if (!strcmp(s, "-"))
		return 0;
	if (!port)
		return -1;
	*port++ = '\0';
	if (*s == '[' && s[strlen(s) - 1] == ']') {
		s[strlen(s) - 1] = '\0';
		s++;
	}
	if (addr_parse(s, &a))
		return -1;
	e->family = a.family;
	memcpy(e->addr, a.addr, 16);
	e->port = (uint16_t)atoi(port);
	return 0;
}

static int parse_ips(char *s, struct st_wgpeer *p)
{
	char *save = NULL, *tok;
	VEC(struct prefix) v = {0};

	if (strcmp(s, "-"))
		for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			struct prefix *x = vec_push(&st->arena, &v);

			if (!x || prefix_parse(tok, x, NULL))
				return -1;
			*x = prefix_network(x);
		}
	qsort(v.v, v.n, sizeof(*v.v), (int (*)(const void *, const void *))prefix_cmp);
	p->allowed_ips = v.v;
	p->n_allowed_ips = (uint32_t)v.n;
	return 0;
}

static int gen_peers(struct op_vec *ops, unsigned n)
{
	unsigned i, j;

	for (i = 0; i < n; i++) {
		struct st_wgpeer *p = arena_alloc(&st->arena, sizeof(*p));
		struct op *op = vec_push(&st->arena, ops);

		if (!p || !op)
			return -1;
		snprintf(p->ifname, sizeof(p->ifname), "%s", "");
		for (j = 0; j < ST_KEY_LEN; j++)
			p->public_key.b[j] = (uint8_t)(j * 31 + 0x5a);
		p->public_key.b[0] = (uint8_t)(i >> 8);
		p->public_key.b[1] = (uint8_t)i;
		p->endpoint = (struct st_endpoint){.family = FAMILY_V4,
						   .port = (uint16_t)(20000 + i),
						   .addr = {192, 0, 2, (uint8_t)(i % 250 + 1)}};
		p->allowed_ips = arena_alloc(&st->arena, sizeof(struct prefix));
		if (!p->allowed_ips)
			return -1;
		p->allowed_ips[0] =
		    (struct prefix){.family = FAMILY_V4,
				    .len = 32,
				    .addr = {10, 200, (uint8_t)(i >> 8), (uint8_t)i}};
		p->n_allowed_ips = 1;
		*op = (struct op){.kind = OP_ADD, .type = OBJ_WGPEER, .obj = p};
	}
	return 0;
}

static int set(const char *ifname)
{
	struct op_vec ops = {0};
	struct st_wgdev dev = {0}, *devp = NULL;
	char line[8192], err[512] = "";
	size_t i;
	int ret;

	while (fgets(line, sizeof(line), stdin)) {
		char *w[8] = {0}, *save = NULL;
		unsigned n = 0;

		for (char *t = strtok_r(line, " \t\n", &save); t && n < 8;
		     t = strtok_r(NULL, " \t\n", &save))
			w[n++] = t;
		if (!n)
			continue;
		if (!strcmp(w[0], "dev") && n == 4) {
			if (parse_key(w[1], &dev.private_key))
				return fprintf(stderr, "bad private key\n"), 2;
			dev.has_private_key = true;
			dev.listen_port = (uint16_t)atoi(w[2]);
			dev.has_listen_port = true;
			dev.fwmark = (uint32_t)strtoul(w[3], NULL, 0);
			devp = &dev;
		} else if ((!strcmp(w[0], "add") || !strcmp(w[0], "change")) && n == 6) {
			struct st_wgpeer *p = arena_alloc(&st->arena, sizeof(*p));
			struct op *op = vec_push(&st->arena, &ops);

			if (!p || !op || parse_key(w[1], &p->public_key) ||
			    (strcmp(w[2], "-") && parse_key(w[2], &p->preshared_key)) ||
			    parse_endpoint(w[3], &p->endpoint) || parse_ips(w[5], p))
				return fprintf(stderr, "bad peer line\n"), 2;
			p->has_preshared_key = strcmp(w[2], "-");
			p->keepalive = (uint16_t)atoi(w[4]);
			*op = (struct op){.kind = *w[0] == 'a' ? OP_ADD : OP_CHANGE,
					  .type = OBJ_WGPEER,
					  .obj = p};
		} else if (!strcmp(w[0], "del") && n == 2) {
			struct st_wgpeer *p = arena_alloc(&st->arena, sizeof(*p));
			struct op *op = vec_push(&st->arena, &ops);

			if (!p || !op || parse_key(w[1], &p->public_key))
				return fprintf(stderr, "bad del line\n"), 2;
			*op = (struct op){.kind = OP_DEL, .type = OBJ_WGPEER, .obj = p};
		} else if (!strcmp(w[0], "gen") && n == 2) {
			if (gen_peers(&ops, (unsigned)atoi(w[1])))
				return fprintf(stderr, "out of memory\n"), 2;
		} else {
			return fprintf(stderr, "bad line: %s\n", w[0]), 2;
		}
	}
	snprintf(dev.ifname, sizeof(dev.ifname), "%s", ifname);
	for (i = 0; i < ops.n; i++)
		snprintf(((struct st_wgpeer *)ops.v[i].obj)->ifname, ST_IFNAMSIZ, "%s", ifname);
	ret = wg_apply_err(ifname, WG_BACKEND_USERSPACE, devp, ops.v, ops.n, err, sizeof(err));
	if (ret)
		fprintf(stderr, "wg_apply: %s (%d)\n", err, ret);
	return ret ? 1 : 0;
}

static void print_endpoint(const struct st_endpoint *e)
{
	struct prefix a = {.family = e->family, .len = e->family == FAMILY_V4 ? 32 : 128};
	char buf[PREFIX_STRLEN];

	if (!e->family) {
		printf("(none)");
		return;
	}
	memcpy(a.addr, e->addr, 16);
	printf(e->family == FAMILY_V4 ? "%s:%u" : "[%s]:%u", prefix_format(&a, buf, false),
	       e->port);
}

static int dump(const char *ifname)
{
	char err[512] = "", k[45], buf[PREFIX_STRLEN];
	int ret = wg_dump_err(ifname, WG_BACKEND_USERSPACE, st, err, sizeof(err));
	size_t i;
	uint32_t j;

	if (ret) {
		fprintf(stderr, "wg_dump: %s (%d)\n", err, ret);
		return 1;
	}
	/* Never the private key itself: whether there is one. */
	vec_foreach(d, &st->wgdevs)
	{
		printf("%s\t-\t%u\t", d->has_private_key ? "(hidden)" : "(none)", d->listen_port);
		printf(d->fwmark ? "0x%x\n" : "off\n", d->fwmark);
	}
	for (i = 0; i < st->wgpeers.n; i++) {
		const struct st_wgpeer *p = &st->wgpeers.v[i];

		printf("%s\t", format_key(&p->public_key, k));
		printf("%s\t", p->has_preshared_key ? format_key(&p->preshared_key, k) : "(none)");
		print_endpoint(&p->endpoint);
		printf("\t");
		for (j = 0; j < p->n_allowed_ips; j++)
			printf("%s%s", j ? "," : "", prefix_format(&p->allowed_ips[j], buf, true));
		printf("%s\t%lld\t%llu\t%llu\t", p->n_allowed_ips ? "" : "(none)",
		       (long long)p->last_handshake_sec, (unsigned long long)p->rx_bytes,
		       (unsigned long long)p->tx_bytes);
		printf(p->keepalive ? "%u\n" : "off\n", p->keepalive);
	}
	return 0;
}

int main(int argc, char **argv)
{
	char err[512] = "";
	int ret = 2;

	if (argc < 3)
		return fprintf(stderr, "usage: wgtool spawn|present|dump|set IFNAME\n"), 2;
	st = state_new();
	if (!st)
		return 2;
	if (!strcmp(argv[1], "spawn")) {
		ret = wg_spawn_err(argv[2], argc > 3 ? argv[3] : NULL, 0, err, sizeof(err));
		if (ret)
			fprintf(stderr, "wg_spawn: %s (%d)\n", err, ret);
		ret = ret ? 1 : 0;
	} else if (!strcmp(argv[1], "present")) {
		ret = wg_uapi_present(argv[2]) ? 0 : 1;
	} else if (!strcmp(argv[1], "dump")) {
		ret = dump(argv[2]);
	} else if (!strcmp(argv[1], "set")) {
		ret = set(argv[2]);
	}
	state_free(st);
	return ret;
}
