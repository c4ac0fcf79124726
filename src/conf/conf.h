/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_CONF_CONF_H
#define WGP_CONF_CONF_H

/*
 * Reading a configuration: the pure part. The caller hands in each file's
 * bytes and an environment for the few questions the files raise about the
 * system (users, groups, table names, [Set] files), so that this code makes
 * no system call and is tested and fuzzed without a system.
 */

#include <stddef.h>
#include <stdint.h>

#include "conf/model.h"

struct conf_source {
	const char *path;
	const char *data;
	size_t len;
	bool world_accessible;
};

struct conf_env {
	void *ctx;
	/* 0 and *id set, or -ENOENT. */
	int (*lookup_user)(void *ctx, const char *name, uint32_t *uid);
	int (*lookup_group)(void *ctx, const char *name, uint32_t *gid);
	int (*lookup_table)(void *ctx, const char *name, uint32_t *id);
	/* A UDP service's port by name, as getaddrinfo finds it for wg's Endpoint. */
	int (*lookup_service)(void *ctx, const char *name, uint32_t *port);
	/*
	 * Read a whole file into memory the caller frees with free(), with a NUL after its
	 * *len bytes (the [Set] File reader splits lines in place); negative errno on failure.
	 */
	int (*read_file)(void *ctx, const char *path, char **data, size_t *len);
	/* Can others than the owner read @path (wg-quick's "world accessible")? */
	bool (*world_accessible)(void *ctx, const char *path);
};

/* NULL when out of memory. */
struct conf *conf_new(void);
void conf_free(struct conf *c);
/* Parse one file into the model; problems become records in c->diags. */
int conf_parse(struct conf *c, const struct conf_source *src, const struct conf_env *env);
/* After every file: resolve references, check meaning, lint; sorts c->diags. */
void conf_finish(struct conf *c);


/* Is @name a valid interface name as wg-quick requires? */
bool conf_valid_ifname(const char *name);

#endif
