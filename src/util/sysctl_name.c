// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/sysctl_name.h"

#include <stdio.h>
#include <string.h>

int iface_sysctl_name(char *buf, size_t len, const char *family, const char *ifname,
		      const char *knob)
{
	int n = snprintf(buf, len, "net.%s.conf.%s.%s", family, ifname, knob);
	size_t at = strlen("net.") + strlen(family) + strlen(".conf.");

	for (size_t i = 0; ifname[i] && at + i + 1 < len; i++)
		if (ifname[i] == '.')
			buf[at + i] = '/';
	return n;
}
