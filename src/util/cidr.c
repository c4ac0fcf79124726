// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/cidr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

unsigned prefix_max_len(uint8_t family)
{
	return family == FAMILY_V4 ? 32 : 128;
}

static unsigned addr_bytes(uint8_t family)
{
	return family == FAMILY_V4 ? 4 : 16;
}

/*
 * inet_pton(AF_INET) as glibc writes it (four decimal octets, no leading
 * zeros, nothing else), without its call overhead: configurations and
 * dumps hold hundreds of thousands of addresses.
 */
static bool parse_v4(const char *s, uint8_t out[4])
{
	unsigned octets = 0, v = 0;
	bool digit = false;

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			if (digit && v == 0)
				return false;
			v = v * 10 + (unsigned)(*s - '0');
			if (v > 255 || (!digit && ++octets > 4))
				return false;
			digit = true;
		} else if (*s == '.' && digit && octets < 4) {
			out[octets - 1] = (uint8_t)v;
			v = 0;
			digit = false;
		} else {
			return false;
		}
	}
	if (octets < 4 || !digit)
		return false;
	out[3] = (uint8_t)v;
	return true;
}

const char *addr_parse(const char *s, struct prefix *p)
{
	memset(p, 0, sizeof(*p));
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, p->addr) != 1)
			return "not a valid IPv6 address";
		p->family = FAMILY_V6;
	} else {
		if (!parse_v4(s, p->addr))
			return "not a valid IPv4 address";
		p->family = FAMILY_V4;
	}
	p->len = (uint8_t)prefix_max_len(p->family);
	return NULL;
}

static const char *parse_len(const char *s, unsigned max, uint8_t *len)
{
	unsigned v = 0;

	if (!*s)
		return "empty prefix length";
	if (s[0] == '0' && s[1])
		return "prefix length with a leading zero";
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return "prefix length is not a number";
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return max == 32 ? "prefix length above 32 for IPv4"
					 : "prefix length above 128 for IPv6";
	}
	*len = (uint8_t)v;
	return NULL;
}

const char *prefix_parse(const char *s, struct prefix *p, bool *had_len)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	const char *err;

	if (had_len)
		*had_len = slash != NULL;
	if (alen == 0)
		return "missing address";
	if (alen >= sizeof(buf))
		return "address too long";
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	err = addr_parse(buf, p);
	if (err)
		return err;
	if (slash)
		return parse_len(slash + 1, prefix_max_len(p->family), &p->len);
	return NULL;
}

static bool bits_equal(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned bytes = len / 8, rest = len % 8;

	if (memcmp(a, b, bytes))
		return false;
	if (!rest)
		return true;
	return ((a[bytes] ^ b[bytes]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

struct prefix prefix_network(const struct prefix *p)
{
	struct prefix n = *p;
	unsigned nbytes = addr_bytes(p->family), full = p->len / 8;

	/* The byte the length ends in keeps its high bits (none when the length ends before it). */
	if (full < nbytes) {
		n.addr[full] &= (uint8_t)(0xff << (8 - p->len % 8));
		memset(n.addr + full + 1, 0, nbytes - full - 1);
	}
	return n;
}

bool prefix_has_host_bits(const struct prefix *p)
{
	struct prefix n = prefix_network(p);

	return memcmp(n.addr, p->addr, sizeof(n.addr)) != 0;
}

bool addr_is_loopback(const struct prefix *a)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };

	return a->family == FAMILY_V4 ? a->addr[0] == 127 : !memcmp(a->addr, v6_loopback, 16);
}

bool prefix_contains(const struct prefix *outer, const struct prefix *inner)
{
	return outer->family == inner->family && outer->len <= inner->len &&
	       bits_equal(outer->addr, inner->addr, outer->len);
}

bool prefix_overlaps(const struct prefix *a, const struct prefix *b)
{
	return prefix_contains(a, b) || prefix_contains(b, a);
}

bool prefix_equal(const struct prefix *a, const struct prefix *b)
{
	return prefix_cmp(a, b) == 0;
}

int prefix_cmp(const struct prefix *a, const struct prefix *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	/* IPv4 as one number, not through memcmp: sorting 100,000 prefixes compares millions. */
	if (a->family == FAMILY_V4) {
		uint32_t x = (uint32_t)a->addr[0] << 24 | a->addr[1] << 16 | a->addr[2] << 8 | a->addr[3];
		uint32_t y = (uint32_t)b->addr[0] << 24 | b->addr[1] << 16 | b->addr[2] << 8 | b->addr[3];

		c = x < y ? -1 : x > y;
	} else {
		c = memcmp(a->addr, b->addr, 16);
	}
	if (c)
		return c < 0 ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return 0;
}

static int cmp_prefix(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

void prefix_sort(struct prefix *v, size_t n)
{
	if (n)
		qsort(v, n, sizeof(*v), cmp_prefix);
}

static unsigned fam_index(uint8_t family)
{
	return family == FAMILY_V4 ? 0 : 1;
}

static bool has_len(const struct prefix_lens *l, uint8_t family, unsigned len)
{
	return l->bits[fam_index(family)][len / 64] >> (len % 64) & 1;
}

void prefix_lens_add(struct prefix_lens *l, const struct prefix *p)
{
	l->bits[fam_index(p->family)][p->len / 64] |= 1ull << (p->len % 64);
}

const struct prefix *prefix_sorted_find(const struct prefix *v, size_t n, const struct prefix *p)
{
	return n ? bsearch(p, v, n, sizeof(*v), cmp_prefix) : NULL;
}

const struct prefix *prefix_sorted_cover(const struct prefix *v, size_t n,
					 const struct prefix_lens *l, const struct prefix *p)
{
	unsigned len;

	for (len = 0; len <= p->len; len++) {
		struct prefix q = *p;
		const struct prefix *hit;

		if (!has_len(l, p->family, len))
			continue;
		q.len = (uint8_t)len;
		q = prefix_network(&q);
		if ((hit = prefix_sorted_find(v, n, &q)))
			return hit;
	}
	return NULL;
}

bool prefix_sorted_covers(const struct prefix *v, size_t n, const struct prefix_lens *l,
			  const struct prefix *p)
{
	return prefix_sorted_cover(v, n, l, p) != NULL;
}

/*
 * What @p contains sorts right after it: a network inside @p's range that is
 * not longer than @p is @p's own address, and sorts before it by length.
 */
const struct prefix *prefix_sorted_inside(const struct prefix *v, size_t n,
					  const struct prefix *p)
{
	struct prefix net = prefix_network(p);
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_prefix(&v[mid], &net) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && prefix_contains(&net, &v[lo]) ? &v[lo] : NULL;
}

char *decimal_put(char *s, uint32_t v)
{
	char digits[10];
	size_t n = 0;

	do
		digits[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		*s++ = digits[--n];
	return s;
}

/*
 * By hand, not with inet_ntop and snprintf: glibc's inet_ntop formats IPv4
 * through sprintf, ten times the cost of this, and apply formats every
 * AllowedIP and route twice (the request, the log line): 10,000 peers showed it.
 */
char *prefix_format(const struct prefix *p, char buf[PREFIX_STRLEN], bool always_len)
{
	char *end = buf;
	int i;

	if (p->family == FAMILY_V4) {
		for (i = 0; i < 4; i++) {
			end = decimal_put(end, p->addr[i]);
			*end++ = '.';
		}
		end--;
	} else if (inet_ntop(AF_INET6, p->addr, buf, INET6_ADDRSTRLEN)) {
		end = buf + strlen(buf);
	} else {
		*end++ = '?';
	}
	if (always_len || p->len != prefix_max_len(p->family)) {
		*end++ = '/';
		end = decimal_put(end, p->len);
	}
	*end = '\0';
	return buf;
}

const char *family_name(uint8_t family)
{
	return family == FAMILY_V4 ? "IPv4" : "IPv6";
}
