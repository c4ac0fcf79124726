// SPDX-License-Identifier: GPL-2.0-or-later
/* The keys of wgpolicy's own sections: [Policy NAME], [Set NAME], [Global]. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/parse.h"
#include "conf/read.h"
#include "conf/values.h"

static int addr_sel_item(struct parse_ctx *ctx, char *item, struct loc loc, void *vec_ptr)
{
	VEC(struct addr_sel) *vec = vec_ptr;
	struct addr_sel sel = { .loc = loc };
	const char *err;

	if (item[0] == '@') {
		if (!item[1])
			return report_value(ctx, loc, "address", item, "'@' must name a [Set]");
		OOM_IF_NULL(sel.set = arena_strdup(ctx->a, item + 1));
	} else if ((err = prefix_parse(item, &sel.p, NULL))) {
		return report_value(ctx, loc, "address", item, err);
	}
	struct addr_sel *slot = vec_push(ctx->a, vec);
	OOM_IF_NULL(slot);
	*slot = sel;
	return 0;
}

static int key_from(struct parse_ctx *ctx, char *value, struct loc loc)
{
	return list_key(ctx, "From", value, loc, addr_sel_item, &ctx->policy->from);
}

static int key_to(struct parse_ctx *ctx, char *value, struct loc loc)
{
	return list_key(ctx, "To", value, loc, addr_sel_item, &ctx->policy->to);
}

static int iif_item(struct parse_ctx *ctx, char *item, struct loc loc, void *unused)
{
	(void)unused;
	if (!conf_valid_ifname(item))
		return report_value(ctx, loc, "IncomingInterface", item,
				    "not a valid interface name");
	return push_lstr(ctx, &ctx->policy->iif, item, loc);
}

static int key_iif(struct parse_ctx *ctx, char *value, struct loc loc)
{
	return list_key(ctx, "IncomingInterface", value, loc, iif_item, NULL);
}

struct id_kind {
	const char *key, *what;
	int (*lookup)(void *ctx, const char *name, uint32_t *id);
	void *vec;
};

/* A name, a number, or "LO-HI"; user names may contain '-', so a range is digits only. */
static int id_item(struct parse_ctx *ctx, char *item, struct loc loc, void *arg)
{
	const struct id_kind *kind = arg;
	VEC(struct range32) *vec = kind->vec;
	struct range32 r = { .loc = loc };
	size_t digits = strspn(item, "0123456789");
	const char *err;

	if (digits && (!item[digits] || (item[digits] == '-' && is_number(item + digits + 1)))) {
		err = parse_range(item, 0, UINT32_MAX - 1, &r);
		if (err)
			return report_value(ctx, loc, kind->key, item, err);
	} else if (!kind->lookup || kind->lookup(ctx->env->ctx, item, &r.lo)) {
		conf_error(ctx->d, loc, "unknown %s '%s'", kind->what, item);
		return 0;
	} else {
		r.hi = r.lo;
	}
	struct range32 *slot = vec_push(ctx->a, vec);
	OOM_IF_NULL(slot);
	*slot = r;
	return 0;
}

static int key_user(struct parse_ctx *ctx, char *value, struct loc loc)
{
	struct id_kind kind = { "User", "user", ctx->env ? ctx->env->lookup_user : NULL,
				&ctx->policy->users };

	return list_key(ctx, "User", value, loc, id_item, &kind);
}

static int key_group(struct parse_ctx *ctx, char *value, struct loc loc)
{
	struct id_kind kind = { "Group", "group", ctx->env ? ctx->env->lookup_group : NULL,
				&ctx->policy->groups };

	return list_key(ctx, "Group", value, loc, id_item, &kind);
}

static int cgroup_item(struct parse_ctx *ctx, char *item, struct loc loc, void *unused)
{
	char *p = item;

	(void)unused;
	while (*p == '/')
		p++;
	if (!*p || strstr(p, "//") || !strcmp(p, "..") || !strncmp(p, "../", 3) ||
	    strstr(p, "/../") || (strlen(p) >= 3 && !strcmp(p + strlen(p) - 3, "/..")))
		return report_value(ctx, loc, "Cgroup", item,
				    "expected a cgroup v2 path such as user.slice/app.scope");
	return push_lstr(ctx, &ctx->policy->cgroups, p, loc);
}

static int key_cgroup(struct parse_ctx *ctx, char *value, struct loc loc)
{
	return list_key(ctx, "Cgroup", value, loc, cgroup_item, NULL);
}

static int mark_item(struct parse_ctx *ctx, char *item, struct loc loc, void *unused)
{
	struct mark_sel m = { .loc = loc };
	const char *err = parse_mark(item, &m.value, &m.mask);

	(void)unused;
	if (err)
		return report_value(ctx, loc, "FirewallMark", item, err);
	struct mark_sel *slot = vec_push(ctx->a, &ctx->policy->fwmarks);
	OOM_IF_NULL(slot);
	*slot = m;
	return 0;
}

static int key_fwmark_sel(struct parse_ctx *ctx, char *value, struct loc loc)
{
	return list_key(ctx, "FirewallMark", value, loc, mark_item, NULL);
}

static int proto_item(struct parse_ctx *ctx, char *item, struct loc loc, void *unused)
{
	struct lu32 p = { .loc = loc };
	const char *err = parse_ip_protocol(item, &p.v);

	(void)unused;
	if (err)
		return report_value(ctx, loc, "IPProtocol", item, err);
	struct lu32 *slot = vec_push(ctx->a, &ctx->policy->protocols);
	OOM_IF_NULL(slot);
	*slot = p;
	return 0;
}

static int key_ipproto(struct parse_ctx *ctx, char *value, struct loc loc)
{
	return list_key(ctx, "IPProtocol", value, loc, proto_item, NULL);
}

static int port_item(struct parse_ctx *ctx, char *item, struct loc loc, void *vec_ptr)
{
	VEC(struct range32) *vec = vec_ptr;
	struct range32 r = { .loc = loc };
	const char *err = parse_range(item, 1, 65535, &r);

	if (err)
		return report_value(ctx, loc, "port", item,
				    strstr(err, "backwards") ? err : "ports are numbers in 1-65535");
	struct range32 *slot = vec_push(ctx->a, vec);
	OOM_IF_NULL(slot);
	*slot = r;
	return 0;
}

static int key_sport(struct parse_ctx *ctx, char *value, struct loc loc)
{
	return list_key(ctx, "SourcePort", value, loc, port_item, &ctx->policy->sports);
}

static int key_dport(struct parse_ctx *ctx, char *value, struct loc loc)
{
	return list_key(ctx, "DestinationPort", value, loc, port_item, &ctx->policy->dports);
}

static int key_family(struct parse_ctx *ctx, char *value, struct loc loc)
{
	enum family_sel f;

	if (!strcasecmp(value, "ipv4"))
		f = FAMILY_ONLY_V4;
	else if (!strcasecmp(value, "ipv6"))
		f = FAMILY_ONLY_V6;
	else if (!strcasecmp(value, "both"))
		f = FAMILY_BOTH;
	else
		return report_value(ctx, loc, "Family", value, "expected ipv4, ipv6 or both");
	SET_OPT(ctx, ctx->policy->family, f, loc, "Family");
	return 0;
}

static int via_item(struct parse_ctx *ctx, char *item, struct loc loc, void *unused)
{
	struct target t = { .loc = loc };
	char *colon = strchr(item, ':');

	(void)unused;
	if (!strcasecmp(item, "direct")) {
		t.kind = TARGET_DIRECT;
	} else if (!strcasecmp(item, "blackhole")) {
		t.kind = TARGET_BLACKHOLE;
	} else {
		t.kind = colon ? TARGET_PEER : TARGET_IFACE;
		if (colon)
			*colon = '\0';
		if (!conf_valid_ifname(item) || (colon && !colon[1]))
			return report_value(ctx, loc, "Via", colon ? (*colon = ':', item) : item,
					    "expected an interface, INTERFACE:PEER, direct or "
					    "blackhole");
		OOM_IF_NULL(t.iface_name = arena_strdup(ctx->a, item));
		if (colon)
			OOM_IF_NULL(t.peer_name = arena_strdup(ctx->a, colon + 1));
	}
	struct target *slot = vec_push(ctx->a, &ctx->policy->via);
	OOM_IF_NULL(slot);
	*slot = t;
	return 0;
}

static int key_via(struct parse_ctx *ctx, char *value, struct loc loc)
{
	if (ctx->policy->via.n)
		conf_warn(ctx->d, loc, "Via is given again; its targets are added after those of "
				       "line %u",
			  ctx->policy->via.v[0].loc.line);
	return list_key(ctx, "Via", value, loc, via_item, NULL);
}

static int key_mode(struct parse_ctx *ctx, char *value, struct loc loc)
{
	enum policy_mode m;

	if (!strcasecmp(value, "failover"))
		m = MODE_FAILOVER;
	else if (!strcasecmp(value, "balance"))
		m = MODE_BALANCE;
	else
		return report_value(ctx, loc, "Mode", value, "expected failover or balance");
	SET_OPT(ctx, ctx->policy->mode, m, loc, "Mode");
	return 0;
}

static int weight_item(struct parse_ctx *ctx, char *item, struct loc loc, void *unused)
{
	struct lu32 w = { .loc = loc };

	(void)unused;
	/* The kernel's multipath weights are 1-256. */
	if (parse_uint(item, 1, 256, &w.v))
		return report_value(ctx, loc, "Weight", item, "expected a number in 1-256");
	struct lu32 *slot = vec_push(ctx->a, &ctx->policy->weights);
	OOM_IF_NULL(slot);
	*slot = w;
	return 0;
}

static int key_weight(struct parse_ctx *ctx, char *value, struct loc loc)
{
	return list_key(ctx, "Weight", value, loc, weight_item, NULL);
}

static int key_killswitch(struct parse_ctx *ctx, char *value, struct loc loc)
{
	enum kill_switch ks;
	bool on;

	if (!parse_bool(value, &on))
		ks = on ? KILLSWITCH_YES : KILLSWITCH_NO;
	else if (!strcasecmp(value, "routes"))
		ks = KILLSWITCH_ROUTES;
	else
		return report_value(ctx, loc, "KillSwitch", value, "expected yes, routes or no");
	SET_OPT(ctx, ctx->policy->killswitch, ks, loc, "KillSwitch");
	return 0;
}

static int key_mssclamp(struct parse_ctx *ctx, char *value, struct loc loc)
{
	bool on;

	if (parse_bool(value, &on))
		return report_value(ctx, loc, "MSSClamp", value, "expected yes or no");
	SET_OPT(ctx, ctx->policy->mssclamp, on, loc, "MSSClamp");
	return 0;
}

static int key_conntrack(struct parse_ctx *ctx, char *value, struct loc loc)
{
	enum conntrack_mode m;

	if (!strcasecmp(value, "flush"))
		m = CONNTRACK_FLUSH;
	else if (!strcasecmp(value, "keep"))
		m = CONNTRACK_KEEP;
	else
		return report_value(ctx, loc, "Conntrack", value, "expected flush or keep");
	SET_OPT(ctx, ctx->policy->conntrack, m, loc, "Conntrack");
	return 0;
}

static int key_priority(struct parse_ctx *ctx, char *value, struct loc loc)
{
	uint32_t prio;

	/* Above 32765 a rule would come after the main table's and never match. */
	if (parse_uint(value, 1, 32765, &prio))
		return report_value(ctx, loc, "Priority", value, "expected a number in 1-32765");
	SET_OPT(ctx, ctx->policy->priority, prio, loc, "Priority");
	return 0;
}

static bool reserved_table(uint32_t id)
{
	return id == 0 || id == 253 || id == 254 || id == 255;
}

static int key_policy_table(struct parse_ctx *ctx, char *value, struct loc loc)
{
	uint32_t id;

	if (parse_uint(value, 1, UINT32_MAX, &id) || reserved_table(id))
		return report_value(ctx, loc, "Table", value,
				    "expected a table number other than 253 (default), 254 (main) "
				    "and 255 (local)");
	SET_OPT(ctx, ctx->policy->table, id, loc, "Table");
	return 0;
}

/* One "WORD VALUE" pair of a Check line. */
static const char *check_option(struct probe_check *pc, const char *word, const char *arg)
{
	const char *err;

	if (!arg)
		return "an option without its value";
	if (!strcmp(word, "interval") || !strcmp(word, "timeout")) {
		uint32_t *ms = word[0] == 'i' ? &pc->interval_ms : &pc->timeout_ms;

		err = parse_duration_ms(arg, ms);
		if (!err && *ms == 0)
			err = word[0] == 'i' ? "the interval must be above zero"
					     : "the timeout must be above zero";
		return err;
	}
	if (!strcmp(word, "down") || !strcmp(word, "up"))
		return parse_uint(arg, 1, 1000, word[0] == 'd' ? &pc->down : &pc->up)
			       ? "down and up count probes: a number in 1-1000"
			       : NULL;
	return "unknown option (expected interval, timeout, down or up)";
}

static int key_check(struct parse_ctx *ctx, char *value, struct loc loc)
{
	struct probe_check pc = { .interval_ms = CHECK_DEFAULT_INTERVAL_MS,
				  .timeout_ms = CHECK_DEFAULT_TIMEOUT_MS,
				  .down = CHECK_DEFAULT_DOWN,
				  .up = CHECK_DEFAULT_UP };
	char *tok[12], *rest = value, *word;
	size_t n = 0, i;
	const char *err;

	while ((word = strsep(&rest, " \t"))) {
		if (!*word)
			continue;
		if (n == sizeof(tok) / sizeof(*tok))
			return report_value(ctx, loc, "Check", word, "too many words");
		tok[n++] = word;
	}
	if (n < 1 || strcasecmp(tok[0], "probe"))
		return report_value(ctx, loc, "Check", n ? tok[0] : "",
				    "expected probe ADDR [interval T] [timeout T] [down N] [up M]");
	if (n < 2 || addr_parse(tok[1], &pc.addr))
		return report_value(ctx, loc, "Check", n < 2 ? "" : tok[1],
				    "expected the IP address to probe after 'probe'");
	for (i = 2; i < n; i += 2) {
		err = check_option(&pc, tok[i], i + 1 < n ? tok[i + 1] : NULL);
		if (err)
			return report_value(ctx, loc, "Check", tok[i], err);
	}
	SET_OPT(ctx, ctx->policy->check, pc, loc, "Check");
	return 0;
}

static int dns_item(struct parse_ctx *ctx, char *item, struct loc loc, void *unused)
{
	struct lprefix *slot;
	struct prefix addr;

	(void)unused;
	if (!strcasecmp(item, "tunnel"))
		return report_value(ctx, loc, "DNS", item,
				    "tunnel stands alone: DNS = tunnel, or DNS = ADDRESS, ...");
	if (addr_parse(item, &addr))
		return report_value(ctx, loc, "DNS", item,
				    "expected tunnel or the IP addresses of resolvers");
	OOM_IF_NULL(slot = vec_push(ctx->a, &ctx->policy->dns));
	slot->p = addr;
	slot->loc = loc;
	return 0;
}

/* DNS = tunnel, or DNS = ADDRESS, ...: where the policy's DNS queries go. */
static int key_dns(struct parse_ctx *ctx, char *value, struct loc loc)
{
	struct conf_policy *p = ctx->policy;

	if (IS_SET(p->dns_tunnel) || (p->dns.n && !strcasecmp(value, "tunnel")))
		return report_value(ctx, loc, "DNS", value,
				    "DNS is given again: DNS = tunnel takes no addresses beside it");
	if (!strcasecmp(value, "tunnel")) {
		p->dns_tunnel.v = true;
		p->dns_tunnel.loc = loc;
		return 0;
	}
	return list_key(ctx, "DNS", value, loc, dns_item, NULL);
}

const struct key_def policy_keys[] = {
	{ "From", key_from },
	{ "To", key_to },
	{ "IncomingInterface", key_iif },
	{ "User", key_user },
	{ "Group", key_group },
	{ "Cgroup", key_cgroup },
	{ "FirewallMark", key_fwmark_sel },
	{ "IPProtocol", key_ipproto },
	{ "SourcePort", key_sport },
	{ "DestinationPort", key_dport },
	{ "Family", key_family },
	{ "Via", key_via },
	{ "Mode", key_mode },
	{ "Weight", key_weight },
	{ "KillSwitch", key_killswitch },
	{ "MSSClamp", key_mssclamp },
	{ "Conntrack", key_conntrack },
	{ "Priority", key_priority },
	{ "Table", key_policy_table },
	{ "Check", key_check },
	{ "DNS", key_dns },
	{ NULL, NULL },
};

