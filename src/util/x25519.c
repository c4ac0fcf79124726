// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * X25519 scalar multiplication by the base point, after TweetNaCl's public-domain
 * crypto_scalarmult: field elements are 16 limbs of 16 bits in int64_t.
 */
#include "util/x25519.h"

#include <string.h>

typedef int64_t gf[16];

/* Propagate carries; the carry out of the top limb wraps around times 38 (2^256 = 38). */
static void carry(gf o)
{
	int64_t c;
	int i;

	for (i = 0; i < 16; i++) {
		o[i] += 65536;
		c = o[i] >> 16;
		o[(i + 1) * (i < 15)] += c - 1 + 37 * (c - 1) * (i == 15);
		o[i] -= c * 65536;
	}
}

/* Swap @p and @q when @b is 1, in the same time either way. */
static void swap_if(gf p, gf q, int64_t b)
{
	int64_t t, mask = ~(b - 1);
	int i;

	for (i = 0; i < 16; i++) {
		t = mask & (p[i] ^ q[i]);
		p[i] ^= t;
		q[i] ^= t;
	}
}

static void pack(uint8_t o[32], const gf n)
{
	gf m, t;
	int i, j;
	int64_t b;

	memcpy(t, n, sizeof(gf));
	carry(t);
	carry(t);
	carry(t);
	for (j = 0; j < 2; j++) { /* subtract p = 2^255 - 19 when t >= p */
		m[0] = t[0] - 0xffed;
		for (i = 1; i < 15; i++) {
			m[i] = t[i] - 0xffff - ((m[i - 1] >> 16) & 1);
			m[i - 1] &= 0xffff;
		}
		m[15] = t[15] - 0x7fff - ((m[14] >> 16) & 1);
		b = (m[15] >> 16) & 1;
		m[14] &= 0xffff;
		swap_if(t, m, 1 - b);
	}
	for (i = 0; i < 16; i++) {
		o[2 * i] = (uint8_t)(t[i] & 0xff);
		o[2 * i + 1] = (uint8_t)(t[i] >> 8);
	}
}

static void add(gf o, const gf a, const gf b)
{
	int i;

	for (i = 0; i < 16; i++)
		o[i] = a[i] + b[i];
}

static void sub(gf o, const gf a, const gf b)
{
	int i;

	for (i = 0; i < 16; i++)
		o[i] = a[i] - b[i];
}

static void mul(gf o, const gf a, const gf b)
{
	int64_t t[31] = { 0 };
	int i, j;

	for (i = 0; i < 16; i++)
		for (j = 0; j < 16; j++)
			t[i + j] += a[i] * b[j];
	for (i = 0; i < 15; i++)
		t[i] += 38 * t[i + 16];
	memcpy(o, t, sizeof(gf));
	carry(o);
	carry(o);
}

/* a^(p-2) = 1/a (Fermat). */
static void invert(gf o, const gf in)
{
	gf c;
	int a;

	memcpy(c, in, sizeof(gf));
	for (a = 253; a >= 0; a--) {
		mul(c, c, c);
		if (a != 2 && a != 4)
			mul(c, c, in);
	}
	memcpy(o, c, sizeof(gf));
}

void x25519_public(uint8_t pub[32], const uint8_t priv[32])
{
	static const gf a24 = { 0xdb41, 1 }; /* 121665 */
	uint8_t z[32];
	gf x = { 9 }, a = { 1 }, b = { 9 }, c = { 0 }, d = { 1 }, e, f;
	int i;

	memcpy(z, priv, 32); /* clamped, as WireGuard clamps a private key */
	z[31] = (uint8_t)((z[31] & 127) | 64);
	z[0] &= 248;
	for (i = 254; i >= 0; i--) { /* the Montgomery ladder */
		int64_t bit = (z[i >> 3] >> (i & 7)) & 1;

		swap_if(a, b, bit);
		swap_if(c, d, bit);
		add(e, a, c);
		sub(a, a, c);
		add(c, b, d);
		sub(b, b, d);
		mul(d, e, e);
		mul(f, a, a);
		mul(a, c, a);
		mul(c, b, e);
		add(e, a, c);
		sub(a, a, c);
		mul(b, a, a);
		sub(c, d, f);
		mul(a, c, a24);
		add(a, a, d);
		mul(c, c, a);
		mul(a, d, f);
		mul(d, b, x);
		mul(b, e, e);
		swap_if(a, b, bit);
		swap_if(c, d, bit);
	}
	invert(c, c);
	mul(a, a, c);
	pack(pub, a);
}
