// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/x25519.h"

#include <sodium.h>
#include <string.h>

void x25519_public(uint8_t pub[32], const uint8_t priv[32])
{
	/* Idempotent and thread-safe; it only picks the fastest implementation. */
	if (sodium_init() < 0 || crypto_scalarmult_curve25519_base(pub, priv))
		memset(pub, 0, 32); /* no key to compare with: nothing matches it */
}
