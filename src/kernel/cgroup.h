/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_KERNEL_CGROUP_H
#define WGP_KERNEL_CGROUP_H

/*
 * cgroup v2, found where it is mounted (never assumed at /sys/fs/cgroup: hybrid
 * layouts put it at /sys/fs/cgroup/unified).
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CGROUP2_DEFAULT_DIR "/sys/fs/cgroup"

/* The cgroup2 mount point: /sys/fs/cgroup when cgroup2 is there, else the first; -ENOENT. */
int cgroup2_dir(char *buf, size_t len);
/* mkdir -p @path under the cgroup2 mount. */
int cgroup_create(const char *path);
/* Move @pid into the existing cgroup @path. */
int cgroup_attach(const char *path, pid_t pid);

#endif
