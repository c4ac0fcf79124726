// SPDX-License-Identifier: GPL-2.0-or-later
#include "reconcile/saved.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/sysctl.h"
#include "util/sysctl_name.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

int saved_netns_cookie(uint64_t *cookie)
{
	socklen_t cl = sizeof(*cookie);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	*cookie = 0;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &cl))
		err = -errno;
	else if (!*cookie)
		err = -EOPNOTSUPP;
	close(fd);
	return err;
}

/*
 * One file per network namespace, named by its cookie: unlike the inode,
 * which a new namespace reuses, the cookie is never given twice in a boot
 * (Linux 5.14); the inode only where the kernel has no cookie. The
 * endpoints of an interface's peers (@ifname) have a file of their own
 * beside it: 10,000 of them are read only when that interface is.
 */
static int saved_path(char *buf, size_t len, const char *ifname)
{
	char part[32] = "";
	uint64_t cookie;
	struct stat st;

	if (ifname)
		snprintf(part, sizeof(part), ".endpoints.%s", ifname);
	if (!saved_netns_cookie(&cookie)) {
		snprintf(buf, len, SAVED_DIR "/netns-cookie-%llu%s.json", (unsigned long long)cookie,
			 part);
		return 0;
	}
	if (stat("/proc/self/ns/net", &st))
		return -errno;
	snprintf(buf, len, SAVED_DIR "/netns-%lu-%lu%s.json", (unsigned long)st.st_dev,
		 (unsigned long)st.st_ino, part);
	return 0;
}

static json_t *load_json_of(const char *ifname)
{
	char path[160];
	json_t *root = NULL;

	if (!saved_path(path, sizeof(path), ifname))
		root = json_load_file(path, 0, NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		root = json_object();
	}
	return root;
}

int saved_write_json(const char *path, json_t *root)
{
	char tmp[PATH_MAX];
	int err;

	if (mkdir(SAVED_DIR, 0700) && errno != EEXIST)
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	if (json_dump_file(root, tmp, JSON_INDENT(2)))
		return -EIO;
	if (rename(tmp, path)) {
		err = -errno;
		unlink(tmp);
		return err;
	}
	return 0;
}

static json_t *load_json(void)
{
	return load_json_of(NULL);
}

static json_t *section(json_t *root, const char *name)
{
	json_t *s = json_object_get(root, name);

	if (!json_is_object(s)) {
		s = json_object();
		json_object_set_new(root, name, s);
	}
	return s;
}

static int load_sysctls(struct state *live, json_t *sysctls)
{
	const char *path;
	json_t *orig;

	json_object_foreach(sysctls, path, orig) {
		struct st_sysctl *s;
		char now[64];

		if (!json_is_string(orig) || sysctl_read(path, now, sizeof(now)))
			continue;
		s = vec_push(&live->arena, &live->sysctls);
		if (!s)
			return -ENOMEM;
		s->path = arena_strdup(&live->arena, path);
		s->value = arena_strdup(&live->arena, now);
		s->original = arena_strdup(&live->arena, json_string_value(orig));
		if (!s->path || !s->value || !s->original)
			return -ENOMEM;
	}
	return 0;
}

static int load_prefixes(struct arena *a, json_t *arr, struct prefix **out, uint32_t *n)
{
	size_t i;
	json_t *v;

	*out = arena_alloc(a, sizeof(**out) * (json_array_size(arr) + 1));
	if (!*out)
		return -ENOMEM;
	*n = 0;
	json_array_foreach(arr, i, v)
		if (json_is_string(v) && !addr_parse(json_string_value(v), &(*out)[*n]))
			(*n)++;
	return 0;
}

static int load_dns(struct state *live, json_t *dns)
{
	const char *ifname;
	json_t *entry;

	json_object_foreach(dns, ifname, entry) {
		struct st_dns *d = vec_push(&live->arena, &live->dns);
		json_t *search = json_object_get(entry, "search");
		const char **names;
		size_t i;
		json_t *v;

		if (!d)
			return -ENOMEM;
		snprintf(d->ifname, sizeof(d->ifname), "%s", ifname);
		if (load_prefixes(&live->arena, json_object_get(entry, "servers"), &d->servers,
				  &d->n_servers))
			return -ENOMEM;
		names = arena_alloc(&live->arena, sizeof(*names) * (json_array_size(search) + 1));
		if (!names)
			return -ENOMEM;
		json_array_foreach(search, i, v)
			if (json_is_string(v))
				names[d->n_search++] = arena_strdup(&live->arena, json_string_value(v));
		d->search = names;
	}
	return 0;
}

int saved_load(struct state *live)
{
	json_t *root = load_json();
	int err = load_sysctls(live, section(root, "sysctl"));

	if (!err)
		err = load_dns(live, section(root, "dns"));
	json_decref(root);
	return err;
}

static bool empty(json_t *root)
{
	const char *k;
	json_t *v;

	json_object_foreach(root, k, v)
		if (json_object_size(v))
			return false;
	return true;
}

/* Store @root (the file of @ifname's endpoints, or NULL: the namespace's), and drop it. */
static int commit_of(json_t *root, const char *ifname)
{
	char path[160];
	int err = saved_path(path, sizeof(path), ifname);

	/* Endpoints were kept here before they had files of their own. */
	if (!ifname)
		json_object_del(root, "endpoints");
	if (!err && (ifname ? !json_object_size(root) : empty(root)))
		/* Nothing left to restore: no file left behind either. */
		err = unlink(path) && errno != ENOENT ? -errno : 0;
	else if (!err)
		err = saved_write_json(path, root);
	json_decref(root);
	return err;
}

static int commit(json_t *root)
{
	return commit_of(root, NULL);
}

static int update(const char *sec, const char *key, json_t *value)
{
	json_t *root = load_json();
	json_t *s = section(root, sec);

	if (value)
		json_object_set_new(s, key, value);
	else
		json_object_del(s, key);
	return commit(root);
}

int saved_sysctl_set(const char *path, const char *original)
{
	json_t *root = load_json();
	bool known = json_object_get(section(root, "sysctl"), path) != NULL;

	json_decref(root);
	return known ? 0 : update("sysctl", path, json_string(original));
}

int saved_sysctl_forget(const char *path)
{
	return update("sysctl", path, NULL);
}

int saved_sysctls_forget_link(const char *ifname)
{
	json_t *root = load_json(), *s = section(root, "sysctl"), *v;
	char prefix[64];
	const char *path;
	void *tmp;
	size_t n = (size_t)iface_sysctl_name(prefix, sizeof(prefix), "ipv4", ifname, "");
	bool gone = false;

	json_object_foreach_safe(s, tmp, path, v) {
		if (!strncmp(path, prefix, n)) {
			json_object_del(s, path);
			gone = true;
		}
	}
	if (gone)
		return commit(root);
	json_decref(root);
	return 0;
}

int saved_dns_set(const struct st_dns *d)
{
	json_t *entry = json_object(), *servers = json_array(), *search = json_array();
	char buf[PREFIX_STRLEN];
	uint32_t i;

	for (i = 0; i < d->n_servers; i++)
		json_array_append_new(servers,
				      json_string(prefix_format(&d->servers[i], buf, false)));
	for (i = 0; i < d->n_search; i++)
		json_array_append_new(search, json_string(d->search[i]));
	json_object_set_new(entry, "servers", servers);
	json_object_set_new(entry, "search", search);
	return update("dns", d->ifname, entry);
}

int saved_dns_forget(const char *ifname)
{
	return update("dns", ifname, NULL);
}

int saved_endpoints_load(struct state *live)
{
	const char *loaded = NULL;
	json_t *peers = NULL;
	char key[ST_KEY_B64_LEN];
	int err = 0;

	vec_foreach(p, &live->wgpeers) {
		json_t *e;

		/* A device's peers come together: its file is read once. */
		if (!loaded || strcmp(loaded, p->ifname)) {
			json_decref(peers);
			peers = load_json_of(p->ifname);
			loaded = p->ifname;
		}
		/* Most devices have no record: spare 10,000 peers their keys' encoding. */
		if (!json_object_size(peers))
			continue;
		e = json_object_get(peers, st_key_format(&p->public_key, key));
		if (!json_is_string(e))
			continue;
		p->endpoint_set = arena_strdup(&live->arena, json_string_value(e));
		if (!p->endpoint_set) {
			err = -ENOMEM;
			break;
		}
	}
	json_decref(peers);
	return err;
}

int saved_endpoints_update(const struct op *ops, size_t n)
{
	char key[ST_KEY_B64_LEN], ep[ST_ENDPOINT_STRLEN];
	const char *loaded = NULL;
	json_t *peers = NULL;
	bool changed = false;
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		const struct st_wgpeer *p = ops[i].obj;

		if (ops[i].type != OBJ_WGPEER || (ops[i].kind != OP_DEL && !p->endpoint.family))
			continue; /* no endpoint set: the one recorded stays what wgpolicy set */
		if (!loaded || strcmp(loaded, p->ifname)) {
			err = changed ? commit_of(peers, loaded) : (json_decref(peers), 0);
			peers = load_json_of(p->ifname);
			loaded = p->ifname;
			changed = false;
		}
		st_key_format(&p->public_key, key);
		if (ops[i].kind == OP_DEL)
			json_object_del(peers, key);
		else
			json_object_set_new(peers, key,
					    json_string(st_endpoint_format(&p->endpoint, ep)));
		changed = true;
	}
	if (changed && !err)
		return commit_of(peers, loaded);
	json_decref(peers);
	return err;
}

int saved_endpoints_forget(const char *ifname)
{
	char path[160];
	int err = saved_path(path, sizeof(path), ifname);

	return err ? err : unlink(path) && errno != ENOENT ? -errno : 0;
}
