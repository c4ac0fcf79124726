// SPDX-License-Identifier: GPL-2.0-or-later
/* A configuration file written back (SaveConfig): all of the new text, or the old file intact. */
#include "load/load.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* On disk before it is renamed over the old file, and the rename on disk after. */
static int write_synced(int fd, const char *text)
{
	FILE *f = fdopen(fd, "w");
	int err = 0;

	if (!f) {
		err = -errno;
		close(fd);
		return err;
	}
	if (fputs(text, f) == EOF || fflush(f) || fsync(fd))
		err = errno ? -errno : -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

static void sync_dir(const char *path)
{
	char copy[PATH_MAX];
	int fd;

	snprintf(copy, sizeof(copy), "%s", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int write_config_file(const char *path, const char *text)
{
	char real[PATH_MAX], tmp[PATH_MAX + 8];
	int fd, err;

	/* Through a symbolic link, the file it points to is replaced and the link stays. */
	if (!realpath(path, real))
		return -errno;
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", real) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	/* Mode 0600 from the start, as wg-quick's umask 077: the file holds the private key. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	errno = 0;
	err = write_synced(fd, text);
	if (!err && rename(tmp, real))
		err = -errno;
	if (err)
		unlink(tmp);
	else
		sync_dir(real);
	return err;
}
