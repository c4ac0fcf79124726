/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_UTIL_X25519_H
#define WGP_UTIL_X25519_H

#include <stdint.h>

/*
 * The X25519 public key of a private key (RFC 7748), as `wg pubkey` derives it
 * (through libsodium): to know a [Peer] that is the interface itself, which
 * WireGuard ignores. All zero when it cannot be had.
 */
void x25519_public(uint8_t pub[32], const uint8_t priv[32]);

#endif
