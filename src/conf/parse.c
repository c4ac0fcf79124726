// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/read.h"

static const struct section_def sections[] = {
	{ "Interface", SEC_INTERFACE, interface_keys },
	{ "Peer", SEC_PEER, peer_keys },
	{ "Policy", SEC_POLICY, policy_keys },
	{ "Set", SEC_SET, set_keys },
	{ "Global", SEC_GLOBAL, global_keys },
};
#define N_SECTIONS (sizeof(sections) / sizeof(*sections))

struct conf *conf_new(void)
{
	struct conf *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	arena_init(&c->arena);
	diags_init(&c->diags, &c->arena);
	return c;
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	arena_free(&c->arena);
	free(c);
}

bool conf_valid_ifname(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n <= IFNAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_=+.-") == n;
}

static const struct key_def *find_key(const struct key_def *keys, const char *name)
{
	for (; keys->name; keys++)
		if (!strcasecmp(keys->name, name))
			return keys;
	return NULL;
}

static void unknown_key(struct parse_ctx *ctx, const struct section_def *sec, const char *key,
			struct loc loc)
{
	const char *names[64];
	size_t n = 0, i;
	const struct key_def *k;
	const char *hint = conf_foreign_key_hint(key);

	if (hint) {
		conf_error(ctx->d, loc, "unknown key '%s' in [%s]: %s", key, sec->name, hint);
		return;
	}
	for (i = 0; i < N_SECTIONS; i++) {
		if (&sections[i] != sec && find_key(sections[i].keys, key)) {
			conf_error(ctx->d, loc, "key '%s' belongs in [%s], not in [%s]", key,
				   sections[i].name, sec->name);
			return;
		}
	}
	for (k = sec->keys; k->name && n < 64; k++)
		names[n++] = k->name;
	hint = conf_closest(key, names, n);
	if (hint)
		conf_error(ctx->d, loc, "unknown key '%s' in [%s]; did you mean '%s'?", key,
			   sec->name, hint);
	else
		conf_error(ctx->d, loc, "unknown key '%s' in [%s]", key, sec->name);
}

/*
 * Key names are a few short words. Anything else may be a secret pasted with or
 * without its key name (a base64 key ends in '=', where the reader splits the
 * line; it is 43 characters before that): never echo it.
 */
static bool plausible_key_name(const char *key)
{
	size_t n;

	/* A loop, not strspn: glibc's strspn builds a table of its set on every call. */
	for (n = 0; key[n]; n++) {
		char c = key[n];

		if (n == 32 || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				 (c >= '0' && c <= '9') || c == '_' || c == '-' || c == ' ' ||
				 c == '\t'))
			return false;
	}
	return true;
}

static const struct section_def *find_section(const char *name)
{
	size_t i;

	for (i = 0; i < N_SECTIONS; i++)
		if (!strcasecmp(sections[i].name, name))
			return &sections[i];
	return NULL;
}

static const struct section_def *current_section(const struct parse_ctx *ctx)
{
	size_t i;

	for (i = 0; i < N_SECTIONS; i++)
		if (sections[i].kind == ctx->section)
			return &sections[i];
	return NULL;
}

int report_value(struct parse_ctx *ctx, struct loc loc, const char *key, const char *value,
		 const char *why)
{
	if (conf_may_hold_key(value))
		conf_error(ctx->d, loc, "invalid %s (not shown: it may hold a key): %s", key, why);
	else
		conf_error(ctx->d, loc, "invalid %s '%s': %s", key, value, why);
	return 0;
}

void note_repeat(struct parse_ctx *ctx, const struct loc *prev, struct loc now, const char *key)
{
	if (prev->line)
		conf_warn(ctx->d, now, "%s is set again; this value replaces the one on line %u",
			  key, prev->line);
}

int parse_list(struct parse_ctx *ctx, char *value, struct loc loc, bool blanks, item_fn fn,
	       void *arg)
{
	char *rest = value;
	int ret = 0;

	while (!ret && rest) {
		char *item = conf_trim(strsep(&rest, ","));
		char *sub;

		/* wg-quick makes the commas blanks and splits at blanks: an empty item is none. */
		if (!*item && blanks) {
			conf_warn(ctx->d, loc, "empty item in a comma-separated list: there is none, "
					       "as wg-quick reads it");
			continue;
		}
		if (!*item) {
			conf_error(ctx->d, loc, "empty item in a comma-separated list");
			continue;
		}
		if (!blanks) {
			ret = fn(ctx, item, loc, arg);
			continue;
		}
		/* wg-quick splits Address and DNS on blanks as well as commas. */
		while (!ret && (sub = strsep(&item, " \t")))
			if (*sub)
				ret = fn(ctx, sub, loc, arg);
	}
	return ret;
}

/* Selectors that are lists reject an empty value: dropping a selector widens a policy. */
int list_key(struct parse_ctx *ctx, const char *key, char *value, struct loc loc, item_fn fn,
	     void *arg)
{
	if (!*value) {
		conf_error(ctx->d, loc, "%s has no value", key);
		return 0;
	}
	return parse_list(ctx, value, loc, false, fn, arg);
}

int push_lstr(struct parse_ctx *ctx, void *vec_ptr, const char *s, struct loc loc)
{
	VEC(struct lstr) *vec = vec_ptr;
	struct lstr *slot = vec_push(ctx->a, vec);

	OOM_IF_NULL(slot);
	OOM_IF_NULL(slot->s = arena_strdup(ctx->a, s));
	slot->loc = loc;
	return 0;
}

static const char *file_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static struct conf_iface *file_iface(struct parse_ctx *ctx, struct loc loc)
{
	const char *base = file_base(ctx->file);
	size_t n;
	struct conf_iface *iface, **slot;

	if (ctx->iface)
		return ctx->iface;
	n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".conf"))
		n -= 5;
	iface = arena_alloc(ctx->a, sizeof(*iface));
	slot = iface ? vec_push(ctx->a, &ctx->c->ifaces) : NULL;
	if (!slot)
		return NULL;
	iface->name = arena_strndup(ctx->a, base, n);
	if (!iface->name)
		return NULL;
	iface->file = ctx->file;
	iface->loc = loc;
	iface->world_accessible = ctx->src->world_accessible;
	*slot = iface;
	ctx->iface = iface;
	return iface;
}

static int open_interface(struct parse_ctx *ctx, struct loc loc)
{
	struct conf_iface *other;

	if (ctx->seen_interface_section) /* wg-quick merges a repeated [Interface] */
		return 0;
	ctx->seen_interface_section = true;
	/* A [Peer] above may have made the interface already: check it here all the same. */
	OOM_IF_NULL(file_iface(ctx, loc));
	ctx->iface->loc = loc;
	/* wg-quick's rule: the file is the interface's name followed by .conf (wg0.conf.bak is not). */
	if (!conf_valid_ifname(ctx->iface->name) || !strcmp(ctx->iface->name, file_base(ctx->file)))
		conf_error(ctx->d, loc,
			   "file name '%s' does not make a valid interface name: it must be 1-15 "
			   "characters of a-z A-Z 0-9 _ = + . - followed by .conf",
			   file_base(ctx->file));
	vec_foreach(it, &ctx->c->ifaces) {
		other = *it;
		if (other != ctx->iface && !strcmp(other->name, ctx->iface->name))
			conf_error(ctx->d, loc, "interface %s is already defined in %s:%u",
				   other->name, other->file, other->loc.line);
	}
	return 0;
}

static int open_peer(struct parse_ctx *ctx, struct loc loc)
{
	struct conf_iface *iface = file_iface(ctx, loc);
	struct conf_peer *peer, **slot;

	OOM_IF_NULL(iface);
	peer = arena_alloc(ctx->a, sizeof(*peer));
	OOM_IF_NULL(peer);
	slot = vec_push(ctx->a, &iface->peers);
	OOM_IF_NULL(slot);
	peer->loc = loc;
	peer->iface = iface;
	peer->index = (unsigned)(iface->peers.n - 1);
	*slot = peer;
	ctx->peer = peer;
	return 0;
}

static bool valid_object_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 63 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static int open_named(struct parse_ctx *ctx, const struct section_def *sec, const char *arg,
		      struct loc loc)
{
	const char *name;

	if (!arg) {
		conf_error(ctx->d, loc, "[%s] needs a name: [%s NAME]", sec->name, sec->name);
		return 1;
	}
	if (!valid_object_name(arg)) {
		conf_error(ctx->d, loc,
			   "invalid %s name '%s': use 1-63 characters of a-z A-Z 0-9 _ . -",
			   sec->name, arg);
		return 1;
	}
	name = arena_strdup(ctx->a, arg);
	OOM_IF_NULL(name);
	if (sec->kind == SEC_POLICY) {
		struct conf_policy *p = arena_alloc(ctx->a, sizeof(*p)), **slot;

		OOM_IF_NULL(p);
		vec_foreach(it, &ctx->c->policies)
			if (!strcmp((*it)->name, name))
				conf_error(ctx->d, loc, "policy %s is already defined at %s:%u",
					   name, (*it)->loc.file, (*it)->loc.line);
		OOM_IF_NULL(slot = vec_push(ctx->a, &ctx->c->policies));
		p->name = name;
		p->loc = loc;
		p->index = (unsigned)ctx->c->policies.n - 1;
		*slot = ctx->policy = p;
	} else {
		struct conf_set *s = arena_alloc(ctx->a, sizeof(*s)), **slot;

		OOM_IF_NULL(s);
		vec_foreach(it, &ctx->c->sets)
			if (!strcmp((*it)->name, name))
				conf_error(ctx->d, loc, "set %s is already defined at %s:%u", name,
					   (*it)->loc.file, (*it)->loc.line);
		OOM_IF_NULL(slot = vec_push(ctx->a, &ctx->c->sets));
		s->name = name;
		s->loc = loc;
		*slot = ctx->set = s;
	}
	return 0;
}

static int open_section(struct parse_ctx *ctx, const struct conf_line *line)
{
	const struct section_def *sec = find_section(line->section);
	int ret;

	ctx->section = SEC_BAD;
	if (!sec) {
		const char *names[N_SECTIONS];
		const char *hint;
		size_t i;

		for (i = 0; i < N_SECTIONS; i++)
			names[i] = sections[i].name;
		hint = conf_closest(line->section, names, N_SECTIONS);
		if (hint)
			conf_error(ctx->d, line->loc, "unknown section [%s]; did you mean [%s]?",
				   line->section, hint);
		else
			conf_error(ctx->d, line->loc,
				   "unknown section [%s]; sections are [Interface], [Peer], "
				   "[Policy NAME], [Set NAME] and [Global]",
				   line->section);
		return 0;
	}
	if (line->arg && sec->kind != SEC_POLICY && sec->kind != SEC_SET) {
		conf_error(ctx->d, line->loc, "[%s] takes no name, found '%s'", sec->name,
			   line->arg);
		return 0;
	}
	switch (sec->kind) {
	case SEC_INTERFACE:
		ret = open_interface(ctx, line->loc);
		break;
	case SEC_PEER:
		ret = open_peer(ctx, line->loc);
		break;
	case SEC_POLICY:
	case SEC_SET:
		ret = open_named(ctx, sec, line->arg, line->loc);
		break;
	default:
		if (IS_SET(ctx->c->global))
			conf_warn(ctx->d, line->loc, "[Global] also appears at %s:%u; both apply",
				  ctx->c->global.loc.file, ctx->c->global.loc.line);
		else
			ctx->c->global.loc = line->loc;
		ret = 0;
	}
	if (ret == 0)
		ctx->section = sec->kind;
	return ret < 0 ? ret : 0;
}

/*
 * One mistake, one message: a policy whose selector was dropped matches more,
 * and judging it whole (duplicates, coverage, contradictions) would report the
 * mistake again elsewhere. Mark the policy or set, and let validation skip it.
 */
static void note_errors(struct parse_ctx *ctx, size_t before)
{
	if (ctx->d->errors == before)
		return;
	if (ctx->section == SEC_POLICY)
		ctx->policy->had_errors = true;
	else if (ctx->section == SEC_SET)
		ctx->set->had_errors = true;
}

/*
 * wg setconf, which reads wg-quick's [Interface] and [Peer] lines, drops every blank of a
 * line first, so "Allowed IPs", as WireGuard's apps label the field, is AllowedIPs to it,
 * and "192.0.2.1 : 51820" is 192.0.2.1:51820. wg-quick's own keys (Address, DNS, ...) are
 * matched whole and split by wg-quick's rules, so they are not.
 */
static const char *const wg_keys[] = { "PrivateKey", "ListenPort",   "FwMark",
				       "PublicKey",  "PresharedKey", "AllowedIPs",
				       "Endpoint",   "PersistentKeepalive" };

static const char *wg_key_name(const struct section_def *sec, const char *name)
{
	size_t i;

	if (sec->kind != SEC_INTERFACE && sec->kind != SEC_PEER)
		return NULL;
	for (i = 0; i < sizeof(wg_keys) / sizeof(*wg_keys); i++)
		if (!strcasecmp(name, wg_keys[i]))
			return wg_keys[i];
	return NULL;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Does the blank at @p stand next to a comma (or the end), between a list's items? */
static bool beside_comma(const char *start, const char *out, const char *p)
{
	while (blank(*p))
		p++;
	return *p == ',' || !*p || (out > start && out[-1] == ',');
}

/* Drop @s's blanks, as wg does; true when one stood inside an item, not by a comma. */
static bool drop_blanks(char *s)
{
	char *out = s;
	const char *p;
	bool inside = false;

	for (p = s; *p; p++) {
		if (!blank(*p))
			*out++ = *p;
		else if (!beside_comma(s, out, p))
			inside = true;
	}
	*out = '\0';
	return inside;
}

static const struct key_def *find_wg_key_with_blanks(const struct section_def *sec,
						     const char *name)
{
	char joined[33]; /* plausible_key_name allows 32 characters */
	size_t n = 0;
	const char *key;

	for (; *name && n < sizeof(joined) - 1; name++)
		if (*name != ' ' && *name != '\t')
			joined[n++] = *name;
	joined[n] = '\0';
	key = wg_key_name(sec, joined);
	return key ? find_key(sec->keys, key) : NULL;
}

static int on_key(struct parse_ctx *ctx, const struct conf_line *line)
{
	const struct section_def *sec = current_section(ctx);
	const struct key_def *key;

	if (!plausible_key_name(line->key)) {
		conf_error(ctx->d, line->loc,
			   "the text before '=' is not a key name (not shown: it may hold a key, "
			   "as in 'PrivateKey KEY=' without its '=')");
		return 0;
	}
	if (!sec) {
		conf_error(ctx->d, line->loc, "'%s' is outside any section; put it under a section "
					      "header such as [Interface]",
			   line->key);
		return 0;
	}
	key = find_key(sec->keys, line->key);
	if (!key && (key = find_wg_key_with_blanks(sec, line->key)))
		conf_warn(ctx->d, line->loc, "'%s' is read as %s, as wg reads it: write %s",
			  line->key, key->name, key->name);
	if (!key) {
		unknown_key(ctx, sec, line->key, line->loc);
		return 0;
	}
	ctx->line_cut = line->cut;
	/* Not shown: the value may be a key. */
	if (wg_key_name(sec, key->name) && drop_blanks(line->value))
		conf_warn(ctx->d, line->loc,
			  "blanks inside the value of %s are dropped, as wg drops them", key->name);
	return key->parse(ctx, line->value, line->loc);
}

static int on_line(void *arg, const struct conf_line *line)
{
	struct parse_ctx *ctx = arg;
	size_t before = ctx->d->errors;
	int ret;

	if (line->kind == LINE_SECTION)
		return open_section(ctx, line);
	if (line->kind == LINE_BAD_SECTION) {
		ctx->section = SEC_BAD;
		return 0;
	}
	if (ctx->section == SEC_BAD) /* the section's header was already reported */
		return 0;
	ret = on_key(ctx, line);
	note_errors(ctx, before);
	return ret;
}

int conf_parse(struct conf *c, const struct conf_source *src, const struct conf_env *env)
{
	struct parse_ctx ctx = {
		.c = c,
		.a = &c->arena,
		.d = &c->diags,
		.env = env,
		.src = src,
	};
	int ret;

	ctx.file = arena_strdup(&c->arena, src->path);
	if (!ctx.file)
		return -ENOMEM;
	ret = conf_read(ctx.file, src->data, src->len, &c->diags, on_line, &ctx);
	if (ret == 0 && ctx.iface && !ctx.seen_interface_section)
		conf_error(&c->diags, ctx.iface->loc,
			   "[Peer] in a file without [Interface]: peers belong to the interface "
			   "of their file");
	if (c->diags.oom)
		return -ENOMEM;
	return ret;
}
