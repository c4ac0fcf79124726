// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*out = !strcasecmp(s, yes[i]);
			return NULL;
		}
	}
	return "expected yes or no";
}

bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

const char *parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	static char msg[96];

	if (!is_number(s))
		return "not a number";
	for (; *s; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			break;
	}
	if (v < min || v > max) {
		snprintf(msg, sizeof(msg), "out of range %u-%u", min, max);
		return msg;
	}
	*out = (uint32_t)v;
	return NULL;
}

static const char *parse_u32_base(const char *s, int base, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return "not a number";
	for (; *s; s++) {
		int d = -1;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		if (d < 0 || d >= base)
			return base == 8 ? "a leading 0 makes an octal number, and this is not one"
					 : "not a decimal, 0x-hexadecimal or 0-octal number";
		v = v * (uint64_t)base + (uint64_t)d;
		if (v > UINT32_MAX)
			return "larger than 32 bits";
	}
	*out = (uint32_t)v;
	return NULL;
}

/* strtoul's base 0, as `ip rule fwmark` reads marks: 0x hex, leading 0 octal. */
const char *parse_u32_any(const char *s, uint32_t *out)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return parse_u32_base(s + 2, 16, out);
	return parse_u32_base(s, s[0] == '0' && s[1] ? 8 : 10, out);
}

/* wg's parse_fwmark: hexadecimal after a lower-case "0x", else decimal (010 is ten). */
const char *parse_wg_fwmark(const char *s, uint32_t *out)
{
	const char *err = s[0] == '0' && s[1] == 'x' ? parse_u32_base(s + 2, 16, out)
						       : parse_u32_base(s, 10, out);

	return err && strstr(err, "octal") ? "not a decimal or 0x-hexadecimal number" : err;
}

const char *parse_mark(const char *s, uint32_t *value, uint32_t *mask)
{
	const char *slash = strchr(s, '/');
	char buf[32];
	const char *err;

	*mask = UINT32_MAX;
	if (!slash)
		return parse_u32_any(s, value);
	if ((size_t)(slash - s) >= sizeof(buf))
		return "value too long";
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	err = parse_u32_any(buf, value);
	if (!err)
		err = parse_u32_any(slash + 1, mask);
	if (!err && *mask == 0)
		return "a mask of 0 matches every packet";
	if (!err && (*value & ~*mask))
		return "value has bits outside its mask";
	return err;
}

const char *parse_range(const char *s, uint32_t min, uint32_t max, struct range32 *r)
{
	const char *dash = strchr(s, '-');
	char buf[16];
	const char *err;

	if (!dash) {
		err = parse_uint(s, min, max, &r->lo);
		r->hi = r->lo;
		return err;
	}
	if ((size_t)(dash - s) >= sizeof(buf))
		return "not a number";
	memcpy(buf, s, (size_t)(dash - s));
	buf[dash - s] = '\0';
	err = parse_uint(buf, min, max, &r->lo);
	if (!err)
		err = parse_uint(dash + 1, min, max, &r->hi);
	if (!err && r->lo > r->hi)
		return "range given backwards (the first number must be the smaller)";
	return err;
}

/*
 * Each base64 character's value plus one; 0: not base64. A table, not a
 * chain of ranges: 10,000 peers' keys are 430,000 characters.
 */
/* clang-format off */
static const uint8_t b64_plus1[256] = {
	['A'] = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
	14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
	['a'] = 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39,
	40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52,
	['0'] = 53, 54, 55, 56, 57, 58, 59, 60, 61, 62,
	['+'] = 63,
	['/'] = 64,
};
/* clang-format on */

/* 32 bytes encode to 43 characters and one '='; the last character carries 2 unused bits. */
const char *parse_key(const char *s, struct wg_key *key)
{
	uint32_t acc = 0;
	unsigned bits = 0, out = 0;
	size_t i;

	if (strlen(s) != 44 || s[43] != '=')
		return "not a WireGuard key (44 characters of base64 ending in '=')";
	for (i = 0; i < 43; i++) {
		unsigned v = b64_plus1[(unsigned char)s[i]];

		if (!v)
			return "not a WireGuard key (invalid base64 character)";
		acc = (acc << 6) | (v - 1);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			key->b[out++] = (uint8_t)(acc >> bits);
		}
	}
	if (acc & ((1u << bits) - 1))
		return "not a WireGuard key (not canonical base64)";
	return NULL;
}

/* Up to four parts of an IPv4 address as iproute2's get_addr_ipv4 reads them; NULL: none. */
static const char *ip_v4_parts(const char *s, uint8_t out[4])
{
	for (int i = 0; i < 4; i++) {
		unsigned long n;
		char *end;

		if (*s < '0' || *s > '9')
			return NULL;
		n = strtoul(s, &end, 0);
		if (n > 255)
			return NULL;
		out[i] = (uint8_t)n;
		if (*end != '.' || i == 3)
			return end;
		s = end + 1;
	}
	return NULL;
}

bool ip_reads_v4_prefix(const char *s, struct prefix *p)
{
	const char *end;
	unsigned long len = 32;

	*p = (struct prefix){ .family = FAMILY_V4 };
	end = ip_v4_parts(s, p->addr);
	if (end && *end == '/') {
		char *len_end;

		if (end[1] < '0' || end[1] > '9')
			return false;
		len = strtoul(end + 1, &len_end, 0);
		end = len_end;
	}
	if (!end || *end || len > 32)
		return false;
	p->len = (uint8_t)len;
	return true;
}

bool valid_hostname(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (len == 0 || len > 253)
		return false;
	for (; *s; s++) {
		if (*s == '.') {
			if (label == 0 || s[-1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
		if (label == 0 && *s == '-')
			return false;
		if (++label > 63)
			return false;
	}
	return s[-1] != '-';
}

static const char *endpoint_host(const char *host, size_t n, bool bracketed, char *buf, size_t cap)
{
	struct prefix p;
	char *zone;

	if (n == 0)
		return "missing host";
	if (n >= cap)
		return "host name too long";
	memcpy(buf, host, n);
	buf[n] = '\0';
	if (bracketed) {
		zone = strchr(buf, '%');
		if (zone)
			*zone = '\0';
		if (addr_parse(buf, &p) || p.family != FAMILY_V6)
			return "not a valid IPv6 address between '[' and ']'";
		memcpy(buf, host, n);
		return NULL;
	}
	if (strchr(buf, ':'))
		return "an IPv6 endpoint must be written [ADDRESS]:PORT";
	if (is_number(buf) || strspn(buf, "0123456789.") == n)
		return addr_parse(buf, &p) ? "not a valid IPv4 address" : NULL;
	return valid_hostname(buf) ? NULL : "not a valid host name";
}

const char *parse_endpoint(struct arena *a, const char *s, struct endpoint *ep)
{
	char host[256];
	const char *colon, *err;
	bool bracketed = s[0] == '[';
	uint32_t port;

	if (bracketed) {
		const char *close = strchr(s, ']');

		if (!close)
			return "missing ']' after the IPv6 address";
		if (close[1] != ':')
			return "missing ':PORT' after ']'";
		colon = close + 1;
		err = endpoint_host(s + 1, (size_t)(close - s - 1), true, host, sizeof(host));
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return "missing ':PORT'";
		err = endpoint_host(s, (size_t)(colon - s), false, host, sizeof(host));
	}
	if (err)
		return err;
	if (parse_uint(colon + 1, 1, 65535, &port))
		return is_number(colon + 1) ? "port must be a number in 1-65535"
					    : "port must be a number in 1-65535 or the name of a "
					      "UDP service in /etc/services";
	ep->host = arena_strdup(a, host);
	ep->port = (uint16_t)port;
	return ep->host ? NULL : "out of memory";
}

const char *parse_duration_ms(const char *s, uint32_t *ms)
{
	size_t digits = strspn(s, "0123456789");
	const char *unit = s + digits;
	uint32_t scale, v;
	char buf[16];

	if (!strcmp(unit, "ms"))
		scale = 1;
	else if (!strcmp(unit, "s"))
		scale = 1000;
	else if (!strcmp(unit, "min"))
		scale = 60 * 1000;
	else if (!*unit)
		return "missing unit: write e.g. 200ms or 2s";
	else
		return "expected a time such as 200ms or 2s";
	if (digits == 0)
		return "expected a time such as 200ms or 2s";
	if (digits >= sizeof(buf))
		return "time out of range (at most one day)";
	memcpy(buf, s, digits);
	buf[digits] = '\0';
	if (parse_uint(buf, 0, 86400000 / scale, &v))
		return "time out of range (at most one day)";
	*ms = v * scale;
	return NULL;
}

static const struct {
	const char *name;
	uint32_t number;
} protocols[] = {
	{ "icmp", 1 },	  { "igmp", 2 }, { "ipip", 4 },	   { "tcp", 6 },   { "udp", 17 },
	{ "gre", 47 },	  { "esp", 50 }, { "ah", 51 },	   { "icmpv6", 58 }, { "ipv6-icmp", 58 },
	{ "ospf", 89 },	  { "sctp", 132 }, { "udplite", 136 }, { "dccp", 33 },
};

const char *parse_ip_protocol(const char *s, uint32_t *proto)
{
	size_t i;

	for (i = 0; i < sizeof(protocols) / sizeof(*protocols); i++) {
		if (!strcasecmp(s, protocols[i].name)) {
			*proto = protocols[i].number;
			return NULL;
		}
	}
	if (is_number(s))
		return parse_uint(s, 0, 255, proto);
	return "unknown IP protocol (a name such as tcp, udp, icmp, or a number 0-255)";
}

const char *ip_protocol_name(uint32_t proto)
{
	size_t i;

	for (i = 0; i < sizeof(protocols) / sizeof(*protocols); i++)
		if (protocols[i].number == proto)
			return protocols[i].name;
	return NULL;
}
