// SPDX-License-Identifier: GPL-2.0-or-later
#include "load/load.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int read_whole_file(const char *path, char **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *buf = NULL;
	struct stat st;
	int err = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		err = -errno;
	else if (S_ISDIR(st.st_mode))
		err = -EISDIR;
	if (err) {
		close(fd);
		return err;
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size + 1;
	for (;;) {
		ssize_t r;

		if (!buf || n + 1 >= cap) {
			char *nbuf = realloc(buf, buf ? cap * 2 : cap);

			if (!nbuf) {
				err = -ENOMEM;
				break;
			}
			cap = buf ? cap * 2 : cap;
			buf = nbuf;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

static int env_read_file(void *ctx, const char *path, char **data, size_t *len)
{
	(void)ctx;
	return read_whole_file(path, data, len);
}

static int lookup_user(void *ctx, const char *name, uint32_t *uid)
{
	struct passwd *pw;

	(void)ctx;
	errno = 0;
	pw = getpwnam(name);
	if (!pw)
		return -ENOENT;
	*uid = pw->pw_uid;
	return 0;
}

static int lookup_group(void *ctx, const char *name, uint32_t *gid)
{
	struct group *gr;

	(void)ctx;
	gr = getgrnam(name);
	if (!gr)
		return -ENOENT;
	*gid = gr->gr_gid;
	return 0;
}

/* iproute2's table names: "ID NAME" lines, '#' comments. */
static int table_in_file(const char *path, const char *name, uint32_t *id)
{
	FILE *f = fopen(path, "re");
	char line[512], word[256];
	unsigned long v;
	int ret = -ENOENT;

	if (!f)
		return -ENOENT;
	while (ret && fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#');

		if (hash)
			*hash = '\0';
		if (sscanf(line, "%lu %255s", &v, word) == 2 && !strcmp(word, name) &&
		    v <= UINT32_MAX) {
			*id = (uint32_t)v;
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

static int lookup_table(void *ctx, const char *name, uint32_t *id)
{
	static const char *const files[] = { "/etc/iproute2/rt_tables",
					     "/usr/share/iproute2/rt_tables",
					     "/usr/lib/iproute2/rt_tables" };
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof(files) / sizeof(*files); i++)
		if (!table_in_file(files[i], name, id))
			return 0;
	return -ENOENT;
}

/* getaddrinfo's lookup of wg's Endpoint port, for a datagram socket: the UDP services. */
static int lookup_service(void *ctx, const char *name, uint32_t *port)
{
	struct servent entry, *found = NULL;
	char buf[1024];

	(void)ctx;
	if (getservbyname_r(name, "udp", &entry, buf, sizeof(buf), &found) || !found)
		return -ENOENT;
	*port = ntohs((uint16_t)found->s_port);
	return 0;
}

/*
 * As wg-quick: warn when both the file and its folder let others in. Like wg-quick
 * (readlink -f), judge a link's target in the target's folder, not the link's.
 */
static bool world_accessible(void *ctx, const char *path)
{
	char real[PATH_MAX];
	struct stat file, dir;

	(void)ctx;
	if (!realpath(path, real) || stat(real, &file))
		return false;
	if (stat(dirname(real), &dir))
		return false;
	return (file.st_mode & dir.st_mode & 0007) != 0;
}

static const struct conf_env system_env = {
	.lookup_user = lookup_user,
	.lookup_group = lookup_group,
	.lookup_table = lookup_table,
	.lookup_service = lookup_service,
	.read_file = env_read_file,
	.world_accessible = world_accessible,
};

const struct conf_env *load_system_env(void)
{
	return &system_env;
}

/* @given: named on the command line, where a folder is a mistake for -C. */
static void load_file(struct conf *c, const char *path, bool given, const struct conf_env *env)
{
	struct conf_source src = { .path = path };
	char *data;
	size_t len;
	int err = read_whole_file(path, &data, &len);

	if (err) {
		bool dir = given && err == -EISDIR;

		conf_error(&c->diags, ((struct loc){ arena_strdup(&c->arena, path), 0 }),
			   "cannot read: %s%s%s", strerror(-err), dir ? "; read a folder with -C " : "",
			   dir ? path : "");
		return;
	}
	src.data = data;
	src.len = len;
	src.world_accessible = env->world_accessible && env->world_accessible(env->ctx, path);
	conf_parse(c, &src, env);
	free(data);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int conf_entry(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return e->d_name[0] != '.' && n > 5 && !strcmp(e->d_name + n - 5, ".conf");
}

/* Files in name order, so that policies keep a stable order across directories. */
static void load_dir(struct conf *c, const char *dir, const struct conf_env *env)
{
	struct dirent **list;
	int n = scandir(dir, &list, conf_entry, by_name), i;
	struct loc where = { arena_strdup(&c->arena, dir), 0 };

	if (n < 0) {
		conf_error(&c->diags, where, "cannot read configuration folder: %s",
			   strerror(errno));
		return;
	}
	if (n == 0)
		conf_error(&c->diags, where, "no *.conf files in this folder");
	for (i = 0; i < n; i++) {
		char *path;

		if (asprintf(&path, "%s/%s", dir, list[i]->d_name) >= 0) {
			load_file(c, path, false, env);
			free(path);
		}
		free(list[i]);
	}
	free(list);
}

int load_config(const char *dir, char *const *files, int nfiles, struct conf **out)
{
	return load_config_env(dir, files, nfiles, &system_env, out);
}

int load_config_env(const char *dir, char *const *files, int nfiles, const struct conf_env *env,
		    struct conf **out)
{
	struct conf *c = conf_new();
	int i;

	if (!c)
		return -ENOMEM;
	if (nfiles == 0)
		load_dir(c, dir ? dir : DEFAULT_CONFIG_DIR, env);
	for (i = 0; i < nfiles; i++)
		load_file(c, files[i], true, env);
	conf_finish(c);
	if (c->diags.oom) {
		conf_free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

static json_t *diag_json(const struct diag *g)
{
	return json_pack("{s:s?, s:o, s:s, s:s}", "file", g->loc.file, "line",
			 g->loc.line ? json_integer(g->loc.line) : json_null(), "severity",
			 severity_name(g->sev), "message", g->msg);
}

void load_print_diags(FILE *out, const struct diags *d, bool json)
{
	if (json) {
		json_t *arr = json_array();

		vec_foreach(g, &d->list)
			json_array_append_new(arr, diag_json(g));
		json_dumpf(arr, out, JSON_INDENT(2));
		fputc('\n', out);
		json_decref(arr);
		return;
	}
	vec_foreach(g, &d->list) {
		if (g->loc.line)
			fprintf(out, "%s:%u: %s: %s\n", g->loc.file, g->loc.line,
				severity_name(g->sev), g->msg);
		else
			fprintf(out, "%s: %s: %s\n", g->loc.file ? g->loc.file : "wgpolicy",
				severity_name(g->sev), g->msg);
	}
}

