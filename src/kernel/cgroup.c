// SPDX-License-Identifier: GPL-2.0-or-later

#include "kernel/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mountinfo escapes blanks and backslashes as \ooo (proc(5)). */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/* The mount point (5th field) of a mountinfo line whose file system type is cgroup2, or NULL. */
static char *cgroup2_mount_point(char *line)
{
	char *sep = strstr(line, " - "), *save = NULL, *field;
	int i;

	if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
		return NULL;
	*sep = '\0';
	field = strtok_r(line, " ", &save);
	for (i = 1; i < 5 && field; i++)
		field = strtok_r(NULL, " ", &save);
	if (field)
		unescape(field);
	return field;
}

int cgroup2_dir(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, *mnt;
	size_t cap = 0;
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		mnt = cgroup2_mount_point(line);
		if (!mnt || strlen(mnt) >= len || (!ret && strcmp(mnt, CGROUP2_DEFAULT_DIR)))
			continue;
		strcpy(buf, mnt);
		ret = 0;
		if (!strcmp(mnt, CGROUP2_DEFAULT_DIR))
			break;
	}
	free(line);
	fclose(f);
	return ret;
}

/* A relative path that stays inside the hierarchy (no "..", no empty parts). */
static bool cgroup_path_ok(const char *path)
{
	const char *p = path;

	if (!*path || *path == '/')
		return false;
	while (p) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 2 && !strncmp(p, "..", 2)) || (n == 1 && *p == '.'))
			return false;
		p = p[n] ? p + n + 1 : NULL;
	}
	return true;
}

static int full_path(const char *path, char *buf, size_t len)
{
	char root[PATH_MAX];
	int err;

	if (!cgroup_path_ok(path))
		return -EINVAL;
	if ((err = cgroup2_dir(root, sizeof(root))))
		return err;
	if ((size_t)snprintf(buf, len, "%s/%s", root, path) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int cgroup_create(const char *path)
{
	char full[PATH_MAX], *part, *slash;
	int err = full_path(path, full, sizeof(full));

	if (err)
		return err;
	/* Every component below the mount, parents first. */
	for (part = full + strlen(full) - strlen(path); (slash = strchr(part, '/')); part = slash + 1) {
		*slash = '\0';
		err = mkdir(full, 0755) && errno != EEXIST ? -errno : 0;
		*slash = '/';
		if (err)
			return err;
	}
	return mkdir(full, 0755) && errno != EEXIST ? -errno : 0;
}

int cgroup_attach(const char *path, pid_t pid)
{
	char full[PATH_MAX], procs[PATH_MAX + 16], num[24];
	int fd, n, err = full_path(path, full, sizeof(full));

	if (err)
		return err;
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", full);
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(num, sizeof(num), "%d", (int)pid);
	err = write(fd, num, (size_t)n) == n ? 0 : -errno;
	close(fd);
	return err;
}
