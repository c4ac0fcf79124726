/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_UTIL_ICMP_H
#define WGP_UTIL_ICMP_H

#include <stddef.h>
#include <stdint.h>

/* The Internet checksum (RFC 1071) of @len bytes, in network byte order. */
uint16_t icmp_checksum(const void *data, size_t len);

#endif
