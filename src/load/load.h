/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_LOAD_LOAD_H
#define WGP_LOAD_LOAD_H

/*
 * The configuration from disk: the imperative side of conf/. Reads a
 * directory's *.conf files (or the files named), answers conf/'s questions
 * about users, groups and table names from this system, and returns the
 * checked model. Used by every command and by the daemon's reload.
 */

#include <stdio.h>

#include "conf/conf.h"

#define DEFAULT_CONFIG_DIR "/etc/wgpolicy"

/*
 * @dir is used when @nfiles is 0. Returns 0 with *out set (problems are in
 * (*out)->diags), or a negative errno when out of memory.
 */
int load_config(const char *dir, char *const *files, int nfiles, struct conf **out);
/* The same with another environment (tests). */
int load_config_env(const char *dir, char *const *files, int nfiles, const struct conf_env *env,
		    struct conf **out);

/* This system's answers to conf/'s questions (users, groups, tables, files). */
const struct conf_env *load_system_env(void);

/* Print diagnostics as "FILE:LINE: severity: message", or as a JSON array. */
void load_print_diags(FILE *out, const struct diags *d, bool json);

/* Read a whole file; *data is NUL-terminated and freed with free(). */
int read_whole_file(const char *path, char **data, size_t *len);
/*
 * Replace the file @path (the one it links to, if a symbolic link) by @text,
 * mode 0600: written to a new file beside it, synced, and renamed over it, so
 * that it is the old file or the new one, never a mix, even after a crash.
 */
int write_config_file(const char *path, const char *text);

#endif
