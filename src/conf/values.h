/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_CONF_VALUES_H
#define WGP_CONF_VALUES_H

/*
 * Parsers for single values. Each returns NULL on success, else a message
 * saying what is wrong, in words a user can act on.
 */

#include <stdbool.h>
#include <stdint.h>

#include "conf/model.h"

const char *parse_bool(const char *s, bool *out);
/* Decimal, no sign, within [min, max]; leading zeros are read as decimal, as wg reads ports. */
const char *parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *out);
/* A 32-bit number read as strtoul(s, 0) does, as `ip rule fwmark` reads marks: decimal,
 * 0x hexadecimal or 0-prefixed octal. */
const char *parse_u32_any(const char *s, uint32_t *out);
/* An interface FwMark as wg reads it: hexadecimal after "0x", else decimal. */
const char *parse_wg_fwmark(const char *s, uint32_t *out);
/* "VALUE" or "VALUE/MASK"; without a mask, the mask is all ones. */
const char *parse_mark(const char *s, uint32_t *value, uint32_t *mask);
/* "N" or "LO-HI" with LO <= HI <= max. */
const char *parse_range(const char *s, uint32_t min, uint32_t max, struct range32 *r);
/* 32 bytes in base64, exactly as `wg` accepts them. */
const char *parse_key(const char *s, struct wg_key *key);
/* "HOST:PORT" or "[IPV6]:PORT"; host copied into @a. */
const char *parse_endpoint(struct arena *a, const char *s, struct endpoint *ep);
/* "200ms" or "2s". */
const char *parse_duration_ms(const char *s, uint32_t *ms);
/* An IP protocol by name (tcp, udp, icmp, ...) or number. */
const char *parse_ip_protocol(const char *s, uint32_t *proto);
const char *ip_protocol_name(uint32_t proto);
/*
 * An IPv4 prefix as `ip address add` reads it (iproute2's get_prefix): each part by strtoul
 * base 0 (010 octal, 0x10 hexadecimal), the missing ones zero (10.1 is 10.1.0.0), the length
 * base 0 too (/024 is /20). false: ip refuses it as well.
 */
bool ip_reads_v4_prefix(const char *s, struct prefix *p);
bool valid_hostname(const char *s);
bool is_number(const char *s);

#endif
