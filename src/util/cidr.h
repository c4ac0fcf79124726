/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_UTIL_CIDR_H
#define WGP_UTIL_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Address families, numerically equal to AF_INET / AF_INET6. */
enum { FAMILY_V4 = 2, FAMILY_V6 = 10 };

struct prefix {
	uint8_t family;
	uint8_t len;
	uint8_t addr[16];
};

#define PREFIX_STRLEN 64

/*
 * Parse "ADDR" or "ADDR/LEN". Without a length the prefix is a host route
 * (/32 or /128), as `ip address add` treats it. Returns NULL on success, else
 * a message explaining what is wrong; *had_len tells whether "/LEN" was given.
 */
const char *prefix_parse(const char *s, struct prefix *p, bool *had_len);
/* Parse a plain address, no "/LEN". */
const char *addr_parse(const char *s, struct prefix *p);
unsigned prefix_max_len(uint8_t family);
bool prefix_has_host_bits(const struct prefix *p);
/* Is the address @a in 127.0.0.0/8, or ::1? */
bool addr_is_loopback(const struct prefix *a);
/* A copy of @p with the host bits cleared. */
struct prefix prefix_network(const struct prefix *p);
/* Does @outer contain all of @inner (same family, shorter or equal, same bits)? */
bool prefix_contains(const struct prefix *outer, const struct prefix *inner);
/* Do @a and @b share an address (one contains the other)? */
bool prefix_overlaps(const struct prefix *a, const struct prefix *b);
bool prefix_equal(const struct prefix *a, const struct prefix *b);
/* Total order: family, then address, then length. */
int prefix_cmp(const struct prefix *a, const struct prefix *b);
/*
 * Containment in a large list of prefixes: sorted by prefix_cmp with their
 * host bits clear, one binary search per prefix length that occurs.
 */
struct prefix_lens {
	uint64_t bits[2][3]; /* [IPv4, IPv6][length / 64], bit length % 64 */
};
void prefix_sort(struct prefix *v, size_t n);
void prefix_lens_add(struct prefix_lens *l, const struct prefix *p);
/* Does one of @v (sorted, lengths in @l) contain all of @p? */
bool prefix_sorted_covers(const struct prefix *v, size_t n, const struct prefix_lens *l,
			  const struct prefix *p);
/* The shortest of @v (sorted, lengths in @l) that contains all of @p, or NULL. */
const struct prefix *prefix_sorted_cover(const struct prefix *v, size_t n,
					 const struct prefix_lens *l, const struct prefix *p);
/* @p itself in @v (sorted), or NULL. */
const struct prefix *prefix_sorted_find(const struct prefix *v, size_t n, const struct prefix *p);
/* The first of @v (sorted) that @p contains and is not @p itself, or NULL. */
const struct prefix *prefix_sorted_inside(const struct prefix *v, size_t n,
					  const struct prefix *p);
/* "10.0.0.0/8"; with @always_len false, host prefixes are printed bare. */
char *prefix_format(const struct prefix *p, char buf[PREFIX_STRLEN], bool always_len);
const char *family_name(uint8_t family);
/*
 * @v in decimal at @s, without a NUL; returns the end. By hand, as
 * prefix_format: apply writes numbers for every peer and route, and
 * snprintf costs ten times as much.
 */
char *decimal_put(char *s, uint32_t v);

#endif
