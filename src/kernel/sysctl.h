/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_KERNEL_SYSCTL_H
#define WGP_KERNEL_SYSCTL_H

#include <stddef.h>

/*
 * @name is dotted ("net.ipv4.conf.all.src_valid_mark"), a '/' standing for a dot
 * within a component, as sysctl(8) takes it; values are read without the newline.
 */
int sysctl_read(const char *name, char *value, size_t len);
int sysctl_write(const char *name, const char *value);

#endif
