// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the configuration parser: conf_parse() of every file,
 * then conf_finish(), as `wgpolicy check` does, in an environment that never
 * touches the disk; then the text SaveConfig would write over wg0.conf (with
 * nothing running), which reads the file's sections again.
 *
 * The input is split on the line "%%" (SEP below) into parts:
 *   part 0        wg0.conf
 *   part 1        the content of any [Set] File (absent: the file cannot be read)
 *   part 2, 3, 4  wg1.conf, policy.conf and a file whose name is no interface name
 * so that an input without the separator, such as a file of tests/corpus or
 * examples/, is one configuration file, and cross-file references (Via,
 * Underlay, @sets, duplicate interfaces, policies and ports) are reachable.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compile/compile.h"
#include "conf/conf.h"

#define SEP "\n%%\n"
#define MAX_PARTS 5
#define SET_PART 1

struct part {
	const char *data;
	size_t len;
};

struct input {
	struct part parts[MAX_PARTS];
	size_t n;
};

static const char *const conf_names[MAX_PARTS] = {
	"/etc/wgpolicy/wg0.conf",
	NULL,
	"/etc/wgpolicy/wg1.conf",
	"/etc/wgpolicy/policy.conf",
	"/etc/wgpolicy/not-an-interface-name.conf",
};

/* The last part keeps any further separators: they are then plain text. */
static void split(const uint8_t *data, size_t len, struct input *in)
{
	const char *p = (const char *)data, *end = p + len;

	in->n = 0;
	while (in->n < MAX_PARTS - 1) {
		const char *sep = memmem(p, (size_t)(end - p), SEP, strlen(SEP));

		if (!sep)
			break;
		in->parts[in->n++] = (struct part){ p, (size_t)(sep - p) };
		p = sep + strlen(SEP);
	}
	in->parts[in->n++] = (struct part){ p, (size_t)(end - p) };
}

/* The system the fuzzer pretends to run on: a few users, groups and table names. */
enum id_kind { ID_USER, ID_GROUP, ID_TABLE };

static const struct {
	enum id_kind kind;
	const char *name;
	uint32_t id;
} known_ids[] = {
	{ ID_USER, "root", 0 },	   { ID_USER, "alice", 1000 },	{ ID_USER, "backup", 34 },
	{ ID_GROUP, "root", 0 },   { ID_GROUP, "staff", 50 },	{ ID_GROUP, "users", 100 },
	{ ID_TABLE, "vpn", 200 }, { ID_TABLE, "custom", 4294967295u },
};

static int lookup_id(enum id_kind kind, const char *name, uint32_t *id)
{
	size_t i;

	for (i = 0; i < sizeof(known_ids) / sizeof(*known_ids); i++) {
		if (known_ids[i].kind == kind && !strcmp(known_ids[i].name, name)) {
			*id = known_ids[i].id;
			return 0;
		}
	}
	return -ENOENT;
}

static int user(void *ctx, const char *name, uint32_t *id)
{
	(void)ctx;
	return lookup_id(ID_USER, name, id);
}

static int group(void *ctx, const char *name, uint32_t *id)
{
	(void)ctx;
	return lookup_id(ID_GROUP, name, id);
}

static int table(void *ctx, const char *name, uint32_t *id)
{
	(void)ctx;
	return lookup_id(ID_TABLE, name, id);
}

/* As read_whole_file(): a malloc'd copy with a NUL after the last byte. */
static int read_file(void *ctx, const char *path, char **data, size_t *len)
{
	const struct input *in = ctx;
	const struct part *set = &in->parts[SET_PART];
	char *copy;

	(void)path;
	if (in->n <= SET_PART)
		return -ENOENT;
	copy = malloc(set->len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, set->data, set->len);
	copy[set->len] = '\0';
	*data = copy;
	*len = set->len;
	return 0;
}

static bool world_accessible(void *ctx, const char *path)
{
	(void)ctx;
	return strstr(path, "wg1") != NULL;
}

static void save(const struct conf *c, const struct part *wg0)
{
	const struct conf_iface *iface = conf_find_iface(c, "wg0");
	struct state *none = state_new();
	char *text;

	if (iface && none) {
		text = compile_saved_config(iface, wg0->data, wg0->len, none);
		free(text);
	}
	state_free(none);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct input in;
	const struct conf_env env = {
		.ctx = &in,
		.lookup_user = user,
		.lookup_group = group,
		.lookup_table = table,
		.read_file = read_file,
		.world_accessible = world_accessible,
	};
	struct conf *c = conf_new();
	size_t i;

	if (!c)
		return 0;
	split(data, len, &in);
	for (i = 0; i < in.n; i++) {
		struct conf_source src = { .path = conf_names[i],
					   .data = in.parts[i].data,
					   .len = in.parts[i].len };

		if (i == SET_PART)
			continue;
		src.world_accessible = world_accessible(NULL, src.path);
		if (conf_parse(c, &src, &env) < 0)
			goto out;
	}
	conf_finish(c);
	save(c, &in.parts[0]);
out:
	conf_free(c);
	return 0;
}
