// SPDX-License-Identifier: GPL-2.0-or-later
/* The keys of [Set NAME] and [Global]. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/parse.h"
#include "conf/read.h"
#include "conf/values.h"

static int set_prefix(struct parse_ctx *ctx, char *item, struct loc loc, void *set_ptr)
{
	struct conf_set *set = set_ptr;
	struct lprefix lp = { .loc = loc };
	const char *err = item[0] == '@' ? "a set holds prefixes, not other sets"
					 : prefix_parse(item, &lp.p, NULL);

	if (err)
		return report_value(ctx, loc, "address", item, err);
	struct lprefix *slot = vec_push(ctx->a, &set->prefixes);
	OOM_IF_NULL(slot);
	*slot = lp;
	return 0;
}

static int key_set_address(struct parse_ctx *ctx, char *value, struct loc loc)
{
	return list_key(ctx, "Address", value, loc, set_prefix, ctx->set);
}

/* A [Set] file holds one prefix a line; '#' comments and blank lines are fine. */
static int set_file_line(struct parse_ctx *ctx, struct conf_set *set, char *line, struct loc loc)
{
	char *hash = strchr(line, '#');

	if (hash)
		*hash = '\0';
	line = conf_trim(line);
	if (!*line)
		return 0;
	return set_prefix(ctx, line, loc, set);
}

static const char *set_file_path(struct parse_ctx *ctx, const char *path)
{
	const char *slash = strrchr(ctx->file, '/');

	if (path[0] == '/' || !slash)
		return arena_strdup(ctx->a, path);
	return arena_printf(ctx->a, "%.*s/%s", (int)(slash - ctx->file), ctx->file, path);
}

static int key_set_file(struct parse_ctx *ctx, char *value, struct loc loc)
{
	const char *path;
	char *data = NULL, *line, *rest;
	const char *text;
	size_t len;
	unsigned lineno = 0;
	int err, ret = 0;

	if (!*value) {
		conf_error(ctx->d, loc, "File has no value");
		return 0;
	}
	OOM_IF_NULL(path = set_file_path(ctx, value));
	err = ctx->env && ctx->env->read_file ? ctx->env->read_file(ctx->env->ctx, path, &data, &len)
					      : -ENOSYS;
	if (err) {
		conf_error(ctx->d, loc, "cannot read set file %s: %s", path, strerror(-err));
		return 0;
	}
	if (memchr(data, '\0', len)) {
		conf_error(ctx->d, loc, "set file %s is a binary file (it holds a NUL byte)", path);
		free(data);
		return 0;
	}
	text = conf_skip_bom(data, &len); /* an editor's byte order mark, as in a .conf */
	for (rest = data + (text - data); !ret && rest && (size_t)(rest - text) < len;) {
		line = strsep(&rest, "\n");
		ret = set_file_line(ctx, ctx->set, line, (struct loc){ path, ++lineno });
	}
	free(data);
	if (!ret)
		ret = push_lstr(ctx, &ctx->set->files, path, loc);
	return ret;
}

const struct key_def set_keys[] = {
	{ "Address", key_set_address },
	{ "File", key_set_file },
	{ NULL, NULL },
};

/* @check, when given, vets a well-formed range before it is kept. */
static int global_range(struct parse_ctx *ctx, const char *key, char *value, struct loc loc,
			uint32_t min, uint32_t max, const char *(*check)(const struct range32 *r),
			void *opt_ptr)
{
	OPT(struct range32) *opt = opt_ptr;
	struct range32 r = { .loc = loc };
	const char *err = parse_range(value, min, max, &r);

	if (!err && check)
		err = check(&r);
	if (err)
		return report_value(ctx, loc, key, value, err);
	SET_OPT(ctx, *opt, r, loc, key);
	return 0;
}

static int key_priority_range(struct parse_ctx *ctx, char *value, struct loc loc)
{
	return global_range(ctx, "PriorityRange", value, loc, 1, 32765, NULL,
			    &ctx->c->global.priorities);
}

static const char *not_kernel_tables(const struct range32 *r)
{
	if (r->lo <= 255 && r->hi >= 253)
		return "it includes the kernel's tables 253-255 (default, main, local)";
	return NULL;
}

static int key_table_range(struct parse_ctx *ctx, char *value, struct loc loc)
{
	return global_range(ctx, "TableRange", value, loc, 1, UINT32_MAX - 1, not_kernel_tables,
			    &ctx->c->global.tables);
}

static int key_mark_mask(struct parse_ctx *ctx, char *value, struct loc loc)
{
	uint32_t mask;
	const char *err = parse_u32_any(value, &mask);

	if (!err && __builtin_popcount(mask) < 2)
		err = "the mask needs at least two bits";
	if (err)
		return report_value(ctx, loc, "FirewallMarkMask", value, err);
	SET_OPT(ctx, ctx->c->global.mark_mask, mask, loc, "FirewallMarkMask");
	return 0;
}

static int key_protocol(struct parse_ctx *ctx, char *value, struct loc loc)
{
	uint32_t proto;

	/* 0-4 are the kernel's own (RTPROT_UNSPEC .. RTPROT_STATIC, which `ip` uses). */
	if (parse_uint(value, 5, 255, &proto))
		return report_value(ctx, loc, "Protocol", value,
				    "expected an rtnetlink protocol number in 5-255");
	SET_OPT(ctx, ctx->c->global.protocol, proto, loc, "Protocol");
	return 0;
}

static int key_metrics(struct parse_ctx *ctx, char *value, struct loc loc)
{
	const char *path;

	if (value[0] != '/')
		return report_value(ctx, loc, "Metrics", value, "expected an absolute file path");
	OOM_IF_NULL(path = arena_strdup(ctx->a, value));
	SET_OPT(ctx, ctx->c->global.metrics, path, loc, "Metrics");
	return 0;
}

static int key_resolve_interval(struct parse_ctx *ctx, char *value, struct loc loc)
{
	uint32_t ms = 0;
	const char *err = strcmp(value, "off") ? parse_duration_ms(value, &ms) : NULL;

	/* Shorter would only load the resolver: a stale handshake asks at once anyway. */
	if (!err && strcmp(value, "off") && ms < 1000)
		err = "at least 1s, or off";
	if (err)
		return report_value(ctx, loc, "ResolveInterval", value, err);
	SET_OPT(ctx, ctx->c->global.resolve_interval, ms, loc, "ResolveInterval");
	return 0;
}

const struct key_def global_keys[] = {
	{ "PriorityRange", key_priority_range },
	{ "TableRange", key_table_range },
	{ "FirewallMarkMask", key_mark_mask },
	{ "Protocol", key_protocol },
	{ "Metrics", key_metrics },
	{ "ResolveInterval", key_resolve_interval },
	{ NULL, NULL },
};
