// SPDX-License-Identifier: GPL-2.0-or-later
/* The keys wg-quick reads, with wg-quick's and wg's semantics. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf/parse.h"
#include "conf/values.h"

static int add_prefix(struct parse_ctx *ctx, void *vec_ptr, const struct prefix *p, struct loc loc)
{
	VEC(struct lprefix) *vec = vec_ptr;
	struct lprefix *lp = vec_push(ctx->a, vec);

	OOM_IF_NULL(lp);
	lp->p = *p;
	lp->loc = loc;
	return 0;
}

static int key_private_key(struct parse_ctx *ctx, char *value, struct loc loc)
{
	struct wg_key k;
	const char *err = parse_key(value, &k);

	/* Never echo a private key, not even a malformed one. */
	if (err) {
		conf_error(ctx->d, loc, "invalid PrivateKey: %s", err);
		return 0;
	}
	SET_OPT(ctx, ctx->iface->private_key, k, loc, "PrivateKey");
	return 0;
}

/* wg reads ports with getaddrinfo, for UDP: a service's name in /etc/services is one too. */
static bool service_port(struct parse_ctx *ctx, const char *name, uint32_t *port)
{
	return *name && !is_number(name) && ctx->env && ctx->env->lookup_service &&
	       !ctx->env->lookup_service(ctx->env->ctx, name, port);
}

static int key_listen_port(struct parse_ctx *ctx, char *value, struct loc loc)
{
	uint32_t port;

	/* wg truncates 70000 to 4464 without a word; we refuse. 0 asks for a random port. */
	if (parse_uint(value, 0, 65535, &port) && !service_port(ctx, value, &port))
		return report_value(ctx, loc, "ListenPort", value,
				    "a port must be a number in 1-65535 (0 for a random port) or "
				    "the name of a UDP service in /etc/services");
	SET_OPT(ctx, ctx->iface->listen_port, port, loc, "ListenPort");
	return 0;
}

static int key_fwmark(struct parse_ctx *ctx, char *value, struct loc loc)
{
	uint32_t mark = 0;
	const char *err = NULL;

	if (strcasecmp(value, "off"))
		err = parse_wg_fwmark(value, &mark);
	if (err)
		return report_value(ctx, loc, "FwMark", value, err);
	SET_OPT(ctx, ctx->iface->fwmark, mark, loc, "FwMark");
	return 0;
}

/*
 * wg-quick hands an Address to ip as written, which reads 10.1 as 10.1.0.0, 010 as 8 and /024
 * as /20, where getaddrinfo reads 10.1 as 10.0.0.1: such a file is refused, saying what ip
 * would have made of it.
 */
static const char *as_ip_reads(const char *item, const char *err, char *buf, size_t cap)
{
	struct prefix p;
	char ip[PREFIX_STRLEN];

	if (!ip_reads_v4_prefix(item, &p))
		return err;
	snprintf(buf, cap,
		 "%s; ip, which wg-quick hands it to, reads it as %s: write that, if it is meant",
		 err, prefix_format(&p, ip, true));
	return buf;
}

/*
 * ip takes an IPv4 Address's length as a netmask too (10.8.0.2/255.255.255.0),
 * if its ones are contiguous: @item with the length instead, in @buf; else @item.
 */
static const char *netmask_as_length(const char *item, char *buf, size_t cap)
{
	const char *slash = strchr(item, '/');
	struct prefix mask;
	uint32_t m;
	int len;

	if (!slash || !strchr(slash, '.') || addr_parse(slash + 1, &mask) ||
	    mask.family != FAMILY_V4)
		return item;
	m = (uint32_t)mask.addr[0] << 24 | mask.addr[1] << 16 | mask.addr[2] << 8 | mask.addr[3];
	for (len = 0; len < 32 && (m & (0x80000000u >> len)); len++)
		;
	if (len < 32 && (m << len))
		return item; /* ones after a zero: not a mask ip takes */
	snprintf(buf, cap, "%.*s/%d", (int)(slash - item), item, len);
	return buf;
}

static int address_item(struct parse_ctx *ctx, char *item, struct loc loc, void *vec)
{
	char masked[INET6_ADDRSTRLEN + 8];
	struct prefix p;
	const char *err = prefix_parse(netmask_as_length(item, masked, sizeof(masked)), &p, NULL);
	char why[256];

	if (err)
		return report_value(ctx, loc, "Address", item,
				    as_ip_reads(item, err, why, sizeof(why)));
	return add_prefix(ctx, vec, &p, loc);
}

static int key_address(struct parse_ctx *ctx, char *value, struct loc loc)
{
	if (!*value) /* wg-quick adds nothing */
		return 0;
	return parse_list(ctx, value, loc, true, address_item, &ctx->iface->addresses);
}

/* wg-quick: an item that looks like an address is a server, anything else a search domain. */
static int dns_item(struct parse_ctx *ctx, char *item, struct loc loc, void *unused)
{
	struct conf_iface *iface = ctx->iface;
	struct prefix p;

	(void)unused;
	if (strspn(item, "0123456789.") == strlen(item) || strchr(item, ':')) {
		if (addr_parse(item, &p))
			return report_value(ctx, loc, "DNS", item, "not a valid IP address");
		return add_prefix(ctx, &iface->dns, &p, loc);
	}
	if (!valid_hostname(item))
		return report_value(ctx, loc, "DNS", item,
				    "neither an IP address nor a valid search domain");
	return push_lstr(ctx, &iface->dns_search, item, loc);
}

static int key_dns(struct parse_ctx *ctx, char *value, struct loc loc)
{
	if (!*value)
		return 0;
	return parse_list(ctx, value, loc, true, dns_item, NULL);
}

/* A number as ip reads one, where wg-quick hands MTU and Table to it: 0x hexadecimal, 0 octal. */
static int parse_ip_number(const char *value, uint32_t min, uint32_t max, uint32_t *out)
{
	uint32_t v;

	if (parse_u32_any(value, &v) || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* wg-quick takes an empty MTU or Table for one not given, an earlier line's value too. */
static int unset_by_empty(struct parse_ctx *ctx, struct loc *opt, const char *key, struct loc loc)
{
	conf_warn(ctx->d, loc, "empty %s: taken as not given, as wg-quick takes it", key);
	*opt = (struct loc){ 0 };
	return 0;
}

static int key_mtu(struct parse_ctx *ctx, char *value, struct loc loc)
{
	struct mtu_sel mtu = { 0 };

	if (!*value)
		return unset_by_empty(ctx, &ctx->iface->mtu.loc, "MTU", loc);
	if (!strcasecmp(value, "auto"))
		mtu.is_auto = true;
	else if (parse_ip_number(value, 68, 65535, &mtu.value))
		return report_value(ctx, loc, "MTU", value, "expected auto or a number in 68-65535");
	SET_OPT(ctx, ctx->iface->mtu, mtu, loc, "MTU");
	return 0;
}

static int parse_table_id(struct parse_ctx *ctx, const char *value, uint32_t *id)
{
	static const struct {
		const char *name;
		uint32_t id;
	} builtin[] = { { "main", 254 }, { "local", 255 }, { "default", 253 } };
	size_t i;

	for (i = 0; i < sizeof(builtin) / sizeof(*builtin); i++) {
		if (!strcmp(value, builtin[i].name)) {
			*id = builtin[i].id;
			return 0;
		}
	}
	if (!parse_ip_number(value, 1, UINT32_MAX, id))
		return 0;
	if (ctx->env && ctx->env->lookup_table)
		return ctx->env->lookup_table(ctx->env->ctx, value, id) ? -ENOENT : 0;
	return -ENOENT;
}

static int key_table(struct parse_ctx *ctx, char *value, struct loc loc)
{
	struct table_sel t = { 0 };

	if (!*value)
		return unset_by_empty(ctx, &ctx->iface->table.loc, "Table", loc);
	/* wg-quick tests them case-sensitively: Off is a table's name to it, which ip refuses. */
	if (strcmp(value, "off") && strcmp(value, "auto") &&
	    (!strcasecmp(value, "off") || !strcasecmp(value, "auto")))
		return report_value(ctx, loc, "Table", value,
				    "write off or auto in lower case (wg-quick takes any other "
				    "spelling for a table's name, which ip refuses)");
	if (!strcmp(value, "off"))
		t.kind = TABLE_OFF;
	else if (!strcmp(value, "auto"))
		t.kind = TABLE_AUTO;
	else if (parse_table_id(ctx, value, &t.id) == 0)
		t.kind = TABLE_ID;
	else if (!parse_ip_number(value, 0, 0, &t.id))
		/* ip route add ... table 0 asks for none, and the kernel takes main. */
		return report_value(ctx, loc, "Table", value,
				    "0 is no table (ip puts wg-quick's routes in main): write "
				    "main for that, or off for no routes");
	else
		return report_value(ctx, loc, "Table", value,
				    "expected off, auto, a table number or a name from rt_tables");
	if (t.kind == TABLE_ID && !is_number(value))
		OOM_IF_NULL(t.name = arena_strdup(ctx->a, value));
	SET_OPT(ctx, ctx->iface->table, t, loc, "Table");
	return 0;
}

/* Does @cmd leave a quote open, as the shell reads it? */
static bool quote_open(const char *cmd)
{
	char quote = 0;

	for (; *cmd; cmd++) {
		if (*cmd == '\\' && quote != '\'' && cmd[1])
			cmd++;
		else if (quote && *cmd == quote)
			quote = 0;
		else if (!quote && (*cmd == '\'' || *cmd == '"'))
			quote = *cmd;
	}
	return quote != 0;
}

static int add_hook(struct parse_ctx *ctx, void *vec_ptr, const char *key, char *value,
		    struct loc loc)
{
	/* wg-quick runs an empty command, which does nothing. */
	if (!*value) {
		conf_warn(ctx->d, loc, "empty %s: there is nothing to run", key);
		return 0;
	}
	/* wg-quick cuts at a '#' inside quotes too; the shell then fails on the open quote. */
	if (ctx->line_cut && quote_open(value))
		conf_warn(ctx->d, loc,
			  "%s is cut at '#', which starts a comment even inside quotes (as in "
			  "wg-quick): the command left has an open quote and will fail",
			  key);
	return push_lstr(ctx, vec_ptr, value, loc);
}

static int key_pre_up(struct parse_ctx *ctx, char *value, struct loc loc)
{
	return add_hook(ctx, &ctx->iface->pre_up, "PreUp", value, loc);
}

static int key_post_up(struct parse_ctx *ctx, char *value, struct loc loc)
{
	return add_hook(ctx, &ctx->iface->post_up, "PostUp", value, loc);
}

static int key_pre_down(struct parse_ctx *ctx, char *value, struct loc loc)
{
	return add_hook(ctx, &ctx->iface->pre_down, "PreDown", value, loc);
}

static int key_post_down(struct parse_ctx *ctx, char *value, struct loc loc)
{
	return add_hook(ctx, &ctx->iface->post_down, "PostDown", value, loc);
}

static int key_save_config(struct parse_ctx *ctx, char *value, struct loc loc)
{
	/* wg-quick's read_bool: true or false, case-insensitive (nocasematch), else it dies. */
	if (strcasecmp(value, "true") && strcasecmp(value, "false"))
		return report_value(ctx, loc, "SaveConfig", value, "expected true or false");
	SET_OPT(ctx, ctx->iface->save_config, !strcasecmp(value, "true"), loc, "SaveConfig");
	return 0;
}

static int key_underlay(struct parse_ctx *ctx, char *value, struct loc loc)
{
	const char *name;

	if (!conf_valid_ifname(value))
		return report_value(ctx, loc, "Underlay", value, "not a valid interface name");
	OOM_IF_NULL(name = arena_strdup(ctx->a, value));
	SET_OPT(ctx, ctx->iface->underlay, name, loc, "Underlay");
	return 0;
}

static int key_backend(struct parse_ctx *ctx, char *value, struct loc loc)
{
	struct backend_sel b = { 0 };

	if (!*value)
		return report_value(ctx, loc, "Backend", value,
				    "expected auto, kernel, userspace or a program");
	if (!strcasecmp(value, "auto"))
		b.kind = BACKEND_AUTO;
	else if (!strcasecmp(value, "kernel"))
		b.kind = BACKEND_KERNEL;
	else if (!strcasecmp(value, "userspace"))
		b.kind = BACKEND_USERSPACE;
	else {
		b.kind = BACKEND_USERSPACE;
		OOM_IF_NULL(b.program = arena_strdup(ctx->a, value));
	}
	SET_OPT(ctx, ctx->iface->backend, b, loc, "Backend");
	return 0;
}

const struct key_def interface_keys[] = {
	{ "PrivateKey", key_private_key },
	{ "ListenPort", key_listen_port },
	{ "FwMark", key_fwmark },
	{ "Address", key_address },
	{ "DNS", key_dns },
	{ "MTU", key_mtu },
	{ "Table", key_table },
	{ "PreUp", key_pre_up },
	{ "PostUp", key_post_up },
	{ "PreDown", key_pre_down },
	{ "PostDown", key_post_down },
	{ "SaveConfig", key_save_config },
	{ "Underlay", key_underlay },
	{ "Backend", key_backend },
	{ NULL, NULL },
};

static int key_public_key(struct parse_ctx *ctx, char *value, struct loc loc)
{
	struct wg_key k;
	const char *err = parse_key(value, &k);

	if (err)
		return report_value(ctx, loc, "PublicKey", value, err);
	SET_OPT(ctx, ctx->peer->public_key, k, loc, "PublicKey");
	return 0;
}

static int key_preshared_key(struct parse_ctx *ctx, char *value, struct loc loc)
{
	struct wg_key k;
	const char *err = parse_key(value, &k);

	if (err) {
		conf_error(ctx->d, loc, "invalid PresharedKey: %s", err);
		return 0;
	}
	SET_OPT(ctx, ctx->peer->preshared_key, k, loc, "PresharedKey");
	return 0;
}

/*
 * wg reads an AllowedIPs length in decimal, leading zeros and all (/08 is /8), and wg-quick
 * routes what wg read: @item with its length's leading zeros dropped, in @buf.
 */
static const char *decimal_length(const char *item, char *buf, size_t cap)
{
	const char *len = strchr(item, '/');
	size_t zeros = len ? strspn(len + 1, "0") : 0;

	if (zeros && !len[1 + zeros])
		zeros--; /* /00 is /0 */
	if (!zeros || snprintf(buf, cap, "%.*s%s", (int)(len + 1 - item), item,
			       len + 1 + zeros) >= (int)cap)
		return item;
	return buf;
}

static int allowed_ip_item(struct parse_ctx *ctx, char *item, struct loc loc, void *unused)
{
	char buf[PREFIX_STRLEN];
	struct prefix p;
	const char *err = prefix_parse(decimal_length(item, buf, sizeof(buf)), &p, NULL);

	(void)unused;
	if (err)
		return report_value(ctx, loc, "AllowedIPs", item, err);
	return add_prefix(ctx, &ctx->peer->allowed_ips, &p, loc);
}

static int key_allowed_ips(struct parse_ctx *ctx, char *value, struct loc loc)
{
	/* A peer without AllowedIPs is fine; wg setconf, under wg-quick, refuses the empty line. */
	if (!*value) {
		conf_warn(ctx->d, loc,
			  "empty AllowedIPs: nothing is added to the peer's (wg-quick refuses "
			  "this line; leave it out)");
		return 0;
	}
	return parse_list(ctx, value, loc, false, allowed_ip_item, NULL);
}

static bool is_ipv6(const char *s, size_t n)
{
	char buf[INET6_ADDRSTRLEN];
	struct prefix p;

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return !addr_parse(buf, &p) && p.family == FAMILY_V6;
}

/*
 * An IPv4 address written short or as one number (127.1, 10.0.513, 2130706433), which
 * getaddrinfo, under wg, reads as inet_aton does (127.0.0.1): true, and the address in full
 * in @out.
 */
static bool is_short_ipv4(const char *s, size_t n, char out[INET_ADDRSTRLEN])
{
	char buf[INET_ADDRSTRLEN];
	struct prefix p;
	struct in_addr a;

	if (!n || n >= sizeof(buf) || strspn(s, "0123456789.") < n)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return addr_parse(buf, &p) && inet_aton(buf, &a) &&
	       inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

/*
 * wg splits an Endpoint at its last colon and hands both halves to getaddrinfo: an IPv6
 * address without brackets is read so (with a warning: it looks like an address without a
 * port), an IPv4 address written short is one in full (127.1 is 127.0.0.1, also with a
 * warning), and a UDP service's name is a port (https is 443). Returns @value, or the same
 * endpoint as wg reads it in @buf: brackets around a bare IPv6 address, an IPv4 address in
 * full, a service's number.
 */
static const char *endpoint_as_wg(struct parse_ctx *ctx, const char *value, struct loc loc,
				  char *buf, size_t cap)
{
	const char *colon = strrchr(value, ':');
	int host_len = colon ? (int)(colon - value) : 0;
	bool bare_v6 = colon && value[0] != '[' && is_ipv6(value, (size_t)host_len);
	char v4[INET_ADDRSTRLEN], port[12];
	bool short_v4 = colon && is_short_ipv4(value, (size_t)host_len, v4);
	uint32_t number = 0;
	bool named = colon && service_port(ctx, colon + 1, &number);
	int n;

	if (!bare_v6 && !short_v4 && !named)
		return value;
	snprintf(port, sizeof(port), "%u", number);
	n = snprintf(buf, cap, "%s%.*s%s:%s", bare_v6 ? "[" : "",
		     short_v4 ? (int)strlen(v4) : host_len, short_v4 ? v4 : value,
		     bare_v6 ? "]" : "", named ? port : colon + 1);
	if (n < 0 || (size_t)n >= cap)
		return value;
	if (bare_v6 || short_v4)
		conf_warn(ctx->d, loc, "Endpoint %s is read as %s, as wg reads it: write it so",
			  value, buf);
	return buf;
}

static int key_endpoint(struct parse_ctx *ctx, char *value, struct loc loc)
{
	struct endpoint ep;
	char buf[320]; /* a host name of 253 characters, brackets, a port */
	const char *err = parse_endpoint(ctx->a, endpoint_as_wg(ctx, value, loc, buf, sizeof(buf)),
					 &ep);

	if (err)
		return report_value(ctx, loc, "Endpoint", value, err);
	/* The peer's endpoint is an address and a port in wgpolicy's state: no scope. */
	if (strchr(ep.host, '%'))
		conf_warn(ctx->d, loc,
			  "the zone %s is not kept: the endpoint is set without it, and a "
			  "link-local address without its interface is not reached",
			  strchr(ep.host, '%'));
	SET_OPT(ctx, ctx->peer->endpoint, ep, loc, "Endpoint");
	return 0;
}

static int key_keepalive(struct parse_ctx *ctx, char *value, struct loc loc)
{
	uint32_t secs = 0;

	if (strcasecmp(value, "off") && parse_uint(value, 0, 65535, &secs))
		return report_value(ctx, loc, "PersistentKeepalive", value,
				    "expected off or seconds in 0-65535");
	SET_OPT(ctx, ctx->peer->keepalive, secs, loc, "PersistentKeepalive");
	return 0;
}

static int key_peer_name(struct parse_ctx *ctx, char *value, struct loc loc)
{
	const char *name;

	if (!*value || strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				     "0123456789_.-") != strlen(value) ||
	    strlen(value) > 63)
		return report_value(ctx, loc, "Name", value,
				    "use 1-63 characters of a-z A-Z 0-9 _ . -");
	OOM_IF_NULL(name = arena_strdup(ctx->a, value));
	SET_OPT(ctx, ctx->peer->name, name, loc, "Name");
	return 0;
}

static int key_probe(struct parse_ctx *ctx, char *value, struct loc loc)
{
	struct prefix p;

	if (addr_parse(value, &p))
		return report_value(ctx, loc, "Probe", value, "expected an IP address");
	SET_OPT(ctx, ctx->peer->probe, p, loc, "Probe");
	return 0;
}

const struct key_def peer_keys[] = {
	{ "PublicKey", key_public_key },
	{ "PresharedKey", key_preshared_key },
	{ "AllowedIPs", key_allowed_ips },
	{ "Endpoint", key_endpoint },
	{ "PersistentKeepalive", key_keepalive },
	{ "Name", key_peer_name },
	{ "Probe", key_probe },
	{ NULL, NULL },
};
