/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_TESTS_FUZZ_FUZZ_H
#define WGP_TESTS_FUZZ_FUZZ_H

/* What the decoder fuzzers share: checking invariants, and messages cut from the input. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* An invariant broken: say which, and abort, so that libFuzzer saves the input. */
#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: broken: %s\n", __FILE__, __LINE__, #cond);         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/*
 * The netlink message at @data (@len >= a header's worth of bytes), copied to
 * a buffer of exactly its length, so that any read past its end is an ASan
 * report. A length field that does not fit @len, or is shorter than a header,
 * is replaced by @len: mutations then reach the attributes rather than dying
 * on the first check. NULL when out of memory.
 */
static inline struct nlmsghdr *fuzz_msg_copy(const uint8_t *data, size_t len)
{
	struct nlmsghdr hdr;
	uint8_t *msg;

	memcpy(&hdr, data, sizeof(hdr));
	if (hdr.nlmsg_len < sizeof(hdr) || hdr.nlmsg_len > len)
		hdr.nlmsg_len = (uint32_t)len;
	msg = malloc(hdr.nlmsg_len);
	if (!msg)
		return NULL;
	memcpy(msg, data, hdr.nlmsg_len);
	memcpy(msg, &hdr, sizeof(hdr));
	return (struct nlmsghdr *)msg;
}

#endif
