// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the WireGuard dump decoders of src/wg: the UAPI
 * answer to "get=1" (wg_uapi_decode_get, uapi.h) and the kernel's generic
 * netlink WG_CMD_GET_DEVICE dump (wg_genl_dump_msg/_end, genl.h).
 *
 * The first byte chooses: even, the rest is the UAPI answer text; odd, the
 * rest is a dump, one or more netlink messages back to back (the kernel
 * continues a long peer list in the next message, and the decoder joins
 * them); a length field that does not fit makes the rest of the input the
 * last message (fuzz_msg_copy in fuzz.h). Text and messages are copied to
 * buffers of exactly their length: any read past the end is an ASan report.
 *
 * Beyond memory safety, the decoders' contracts: on error nothing is
 * appended to the state; on success one device and distinct peers whose
 * allowed IPs are sorted, distinct and masked; a decoded kernel device
 * encoded again as set messages (which have the dump's layout) decodes to
 * the same device and peers.
 *
 * Seeds (tests/fuzz/seeds-wg/): the wireguard-go answers captured in
 * tests/unit/test_wg.c and one more captured the same way, and dumps built
 * as the kernel writes them (every attribute; a peer continued in a second
 * message, as in tests/unit/test_wg_genl.c).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "wg/genl.h"
#include "wg/uapi.h"
#include "fuzz.h"

#define IFNAME	 "wg0"
#define FAMILY	 0x1d /* any generic netlink family id: the decoder does not look */
#define MAX_MSGS 64

static void check_peers(const struct state *s)
{
	char line[OP_LINE_MAX];
	size_t i, j;

	for (i = 0; i < s->wgpeers.n; i++) {
		const struct st_wgpeer *p = &s->wgpeers.v[i];

		REQUIRE(!strcmp(p->ifname, IFNAME));
		for (j = 0; j < i; j++)
			REQUIRE(st_wgpeer_key_cmp(&s->wgpeers.v[j], p));
		for (j = 0; j < p->n_allowed_ips; j++) {
			struct prefix net = prefix_network(&p->allowed_ips[j]);

			REQUIRE(prefix_equal(&net, &p->allowed_ips[j]));
			REQUIRE(!j || prefix_cmp(&p->allowed_ips[j - 1], &p->allowed_ips[j]) < 0);
		}
		obj_render(OBJ_WGPEER, p, line, sizeof(line));
	}
}

/* What a decoder left: nothing on error, one device and well-formed peers on success. */
static void check_result(const struct state *s, int ret)
{
	if (ret) {
		REQUIRE(ret < 0 && !s->wgdevs.n && !s->wgpeers.n);
		return;
	}
	REQUIRE(s->wgdevs.n == 1 && !strcmp(s->wgdevs.v[0].ifname, IFNAME));
	check_peers(s);
}

static void fuzz_uapi(const uint8_t *data, size_t len)
{
	struct state *s = state_new();
	char errmsg[256] = "";
	char *text = malloc(len ? len : 1);
	int ret;

	if (!s || !text)
		goto out;
	memcpy(text, data, len);
	ret = wg_uapi_decode_get(text, len, IFNAME, s, errmsg, sizeof(errmsg));
	REQUIRE(memchr(errmsg, '\0', sizeof(errmsg)));
	check_result(s, ret);
	ret = wg_uapi_decode_errno(text, len);
	REQUIRE(ret <= 0 && ret >= -4095);
out:
	free(text);
	state_free(s);
}

/* Split @data into messages (copies, see fuzz_msg_copy); their number. */
static size_t split(const uint8_t *data, size_t len, struct nlmsghdr **msgs)
{
	size_t n = 0, take;

	while (len >= sizeof(struct nlmsghdr) && n < MAX_MSGS) {
		msgs[n] = fuzz_msg_copy(data, len);
		if (!msgs[n])
			break;
		take = NLMSG_ALIGN(msgs[n]->nlmsg_len);
		take = take < len ? take : len;
		data += take;
		len -= take;
		n++;
	}
	return n;
}

static int genl_decode(struct nlmsghdr *const *msgs, size_t n, struct state *s)
{
	struct wg_genl_dump d;
	char errmsg[256] = "";
	size_t i;
	int err = 0;

	wg_genl_dump_init(&d, IFNAME, s, errmsg, sizeof(errmsg));
	for (i = 0; i < n && !err; i++)
		err = wg_genl_dump_msg(msgs[i], &d);
	err = wg_genl_dump_end(&d, err);
	REQUIRE(memchr(errmsg, '\0', sizeof(errmsg)));
	REQUIRE(err == 0 || err == -EBADMSG || err == -ENOMEM);
	return err;
}

/* The device and peers as set messages: a dump of them must read back the same. */
static void genl_round_trip(const struct state *s)
{
	struct op *ops = calloc(s->wgpeers.n + 1, sizeof(*ops));
	struct nlmsghdr *msgs[MAX_MSGS];
	struct state *again = state_new();
	struct wg_genl_set set;
	size_t i, n = 0;
	int len = 0;

	if (!ops || !again)
		goto out;
	for (i = 0; i < s->wgpeers.n; i++)
		ops[i] = (struct op){.kind = OP_ADD, .type = OBJ_WGPEER, .obj = &s->wgpeers.v[i]};
	wg_genl_set_init(&set, FAMILY, IFNAME, &s->wgdevs.v[0], ops, s->wgpeers.n);
	while (n < MAX_MSGS) {
		msgs[n] = malloc(WG_GENL_MSG_MAX);
		if (!msgs[n])
			goto free_msgs;
		len = wg_genl_set_next(&set, msgs[n], WG_GENL_MSG_MAX);
		if (len <= 0) {
			free(msgs[n]);
			break;
		}
		n++;
	}
	REQUIRE(len == 0);
	REQUIRE(genl_decode(msgs, n, again) == 0);
	REQUIRE(again->wgdevs.n == 1 && st_wgdev_equal(&again->wgdevs.v[0], &s->wgdevs.v[0]));
	REQUIRE(again->wgpeers.n == s->wgpeers.n);
	for (i = 0; i < s->wgpeers.n; i++)
		REQUIRE(st_wgpeer_equal(&again->wgpeers.v[i], &s->wgpeers.v[i]));
free_msgs:
	while (n)
		free(msgs[--n]);
out:
	state_free(again);
	free(ops);
}

static void fuzz_genl(const uint8_t *data, size_t len)
{
	struct nlmsghdr *msgs[MAX_MSGS];
	struct state *s = state_new();
	size_t n = split(data, len, msgs), i;
	int ret;

	if (!s)
		goto out;
	ret = genl_decode(msgs, n, s);
	check_result(s, ret);
	/* Peers come sorted by identity (the duplicate check sorts them): so do the encoded. */
	if (!ret)
		genl_round_trip(s);
out:
	for (i = 0; i < n; i++)
		free(msgs[i]);
	state_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (!len)
		return 0;
	if (data[0] & 1)
		fuzz_genl(data + 1, len - 1);
	else
		fuzz_uapi(data + 1, len - 1);
	return 0;
}
