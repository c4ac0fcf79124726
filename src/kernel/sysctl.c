// SPDX-License-Identifier: GPL-2.0-or-later
/* Sysctls through /proc/sys, as sysctl(8) does; per network namespace for net.*. */
#include "kernel/sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * As sysctl(8): dots separate the components, and a '/' stands for a dot
 * inside one (an interface named "wg.0": net.ipv4.conf.wg/0.rp_filter).
 * No component may be empty, "." or "..": the path stays under /proc/sys.
 */
static int proc_path(const char *name, char *buf, size_t len)
{
	size_t i, off = (size_t)snprintf(buf, len, "/proc/sys/");
	const char *c;

	if (off + strlen(name) >= len)
		return -EINVAL;
	for (i = 0; name[i]; i++)
		buf[off + i] = name[i] == '.' ? '/' : name[i] == '/' ? '.' : name[i];
	buf[off + i] = '\0';
	for (c = buf + off - 1; c; c = strchr(c + 1, '/')) {
		size_t n = strcspn(c + 1, "/");

		if (!n || (n <= 2 && !strncmp(c + 1, "..", n)))
			return -EINVAL;
	}
	return 0;
}

int sysctl_read(const char *name, char *value, size_t len)
{
	char path[256];
	ssize_t n;
	int fd, err = proc_path(name, path, sizeof(path));

	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, value, len - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	value[n] = '\0';
	value[strcspn(value, "\n")] = '\0';
	return 0;
}

int sysctl_write(const char *name, const char *value)
{
	char path[256];
	size_t len = strlen(value);
	int fd, err = proc_path(name, path, sizeof(path));

	if (err)
		return err;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = write(fd, value, len) == (ssize_t)len ? 0 : -errno;
	if (close(fd) && !err)
		err = -errno;
	return err;
}
