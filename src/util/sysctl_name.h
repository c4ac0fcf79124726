/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_UTIL_SYSCTL_NAME_H
#define WGP_UTIL_SYSCTL_NAME_H

#include <stddef.h>

/*
 * "net.FAMILY.conf.IFNAME.KNOB" in @buf, as sysctl(8) names it: a dot within
 * IFNAME (a VLAN's eth0.100) is written as '/'. An empty @knob leaves the
 * prefix of the interface's sysctls, "net.ipv4.conf.IFNAME.". Returns the
 * length, as snprintf.
 */
int iface_sysctl_name(char *buf, size_t len, const char *family, const char *ifname,
		      const char *knob);

#endif
