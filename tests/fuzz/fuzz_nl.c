// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the netlink decoders of src/kernel: the rtnetlink
 * ones (codec.h: link_decode, addr_decode, route_decode and rule_decode) and
 * nf_tables' (nft.h: nft_gen_decode, nft_chain_decode, nft_table_decode), over one netlink
 * message as a dump (or `ip route get`) would deliver it.
 *
 * The input is one message, header included, copied to a buffer of exactly
 * its length (fuzz_msg_copy in fuzz.h).
 *
 * Every decoder sees every message: the one of the message's type decodes
 * it, the others must refuse it with -EBADMSG. Beyond memory safety, what a
 * decoder accepts must be something the rest of wgpolicy can use: a route
 * or rule read from the kernel is deleted by re-encoding it (plan ops), so
 * decode → encode → decode must give the same object back; an address
 * or route must render as the `ip` line plan prints.
 *
 * Seeds (tests/fuzz/seeds-nl/) are messages a kernel sent in a network
 * namespace (links, addresses, routes of several types and tables, rules
 * with every selector, nf_tables' generation and a table with a comment) and
 * messages built by the encoders from the objects of
 * tests/unit/test_kernel_encode.c.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>

#include "kernel/codec.h"
#include "kernel/nft.h"
#include "fuzz.h"

static void render(enum obj_type type, const void *obj)
{
	char line[OP_LINE_MAX];

	obj_render(type, obj, line, sizeof(line));
	REQUIRE(strlen(line) < sizeof(line));
}

/* A message the encoder wrote, read back as a dump would hold it. */
static struct nlmsghdr *as_dump(uint8_t *buf, uint16_t type)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_MULTI;
	return nlh;
}

static void check_link(const struct link_msg *lm)
{
	uint8_t buf[KMSG_MAX];
	struct link_msg again;

	REQUIRE(lm->link.name[0] && strnlen(lm->link.name, ST_IFNAMSIZ) < ST_IFNAMSIZ);
	REQUIRE(strnlen(lm->kind, sizeof(lm->kind)) < sizeof(lm->kind));
	/* What apply sets on a link it owns reads back as owned, with that MTU and state. */
	REQUIRE(link_encode_set(buf, sizeof(buf), &lm->link) > 0);
	REQUIRE(link_decode(as_dump(buf, RTM_NEWLINK), &again) == 0);
	REQUIRE(!strcmp(again.link.name, lm->link.name) && again.link.owned);
	REQUIRE(again.link.up == lm->link.up && again.link.mtu == lm->link.mtu);
}

static void check_addr(const struct addr_msg *am)
{
	uint8_t buf[KMSG_MAX];
	struct addr_msg again;

	REQUIRE(prefix_ok(&am->addr.addr));
	render(OBJ_ADDR, &am->addr);
	/* Removed as it was read (down): the same address. */
	REQUIRE(addr_encode(buf, sizeof(buf), OP_DEL, &am->addr,
			    am->ifindex > 0 ? am->ifindex : 1) > 0);
	REQUIRE(addr_decode(as_dump(buf, RTM_NEWADDR), &again) == 0);
	REQUIRE(prefix_equal(&again.addr.addr, &am->addr.addr));
}

static void check_route(const struct route_msg *rm, int ret)
{
	uint8_t buf[KMSG_MAX];
	struct route_msg again;
	int oif = rm->oif > 0 ? rm->oif : 1;

	REQUIRE(prefix_ok(&rm->route.dst));
	render(OBJ_ROUTE, &rm->route);
	if (ret) /* not in the model: never planned, never deleted */
		return;
	/* A route of ours is deleted, and replaced, by what the decoder read. */
	REQUIRE(route_encode(buf, sizeof(buf), OP_DEL, &rm->route, 0) > 0);
	if (rm->route.n_nh && rm->route.type == ROUTE_UNICAST) {
		/* A multipath route is replaced way by way, each with its own device. */
		int nh[ST_MAX_NEXTHOPS];

		REQUIRE(route_encode(buf, sizeof(buf), OP_CHANGE, &rm->route, oif) == -EINVAL);
		/* More ways than wgpolicy makes: another program's, read but never written. */
		if (rm->route.n_nh > ST_MAX_NEXTHOPS) {
			REQUIRE(route_encode_mp(buf, sizeof(buf), OP_CHANGE, &rm->route, NULL) ==
				-EINVAL);
			return;
		}
		for (uint8_t k = 0; k < rm->route.n_nh; k++)
			nh[k] = rm->nh_oif[k] > 0 ? rm->nh_oif[k] : 1;
		REQUIRE(route_encode_mp(buf, sizeof(buf), OP_CHANGE, &rm->route, nh) > 0);
		REQUIRE(route_decode(as_dump(buf, RTM_NEWROUTE), &again) == 0);
		REQUIRE(again.route.n_nh == rm->route.n_nh);
		return;
	}
	REQUIRE(route_encode(buf, sizeof(buf), OP_CHANGE, &rm->route, oif) > 0);
	REQUIRE(route_decode(as_dump(buf, RTM_NEWROUTE), &again) == 0);
	REQUIRE(!st_route_key_cmp(&again.route, &rm->route));
	REQUIRE(again.route.type == rm->route.type && again.route.protocol == rm->route.protocol);
	REQUIRE(again.oif == (rm->route.type == ROUTE_UNICAST ? oif : 0));
	if (rm->route.type == ROUTE_UNICAST)
		REQUIRE(again.route.gw.family == rm->route.gw.family &&
			(!rm->route.gw.family || prefix_equal(&again.route.gw, &rm->route.gw)));
}

static void check_rule(const struct st_rule *r)
{
	uint8_t buf[KMSG_MAX];
	struct st_rule again;

	render(OBJ_RULE, r);
	/* A rule is deleted by its full identity: what was read must encode to the same rule. */
	REQUIRE(rule_encode(buf, sizeof(buf), OP_DEL, r) > 0);
	REQUIRE(rule_decode(as_dump(buf, RTM_NEWRULE), &again) == 0);
	REQUIRE(!st_rule_key_cmp(&again, r) && again.protocol == r->protocol);
}

#define NFT_MSG(m) ((NFNL_SUBSYS_NFTABLES << 8) | (m))

static void decode_nft(const struct nlmsghdr *nlh)
{
	struct nft_table_msg t;
	char table[64];
	uint8_t family;
	uint32_t gen;
	int ret = nft_gen_decode(nlh, &gen);

	REQUIRE(ret == 0 || ret == -EBADMSG);
	REQUIRE(nlh->nlmsg_type == NFT_MSG(NFT_MSG_NEWGEN) || ret == -EBADMSG);

	ret = nft_chain_decode(nlh, &family, table, sizeof(table));
	REQUIRE(ret == 0 || ret == -EBADMSG);
	REQUIRE(nlh->nlmsg_type == NFT_MSG(NFT_MSG_NEWCHAIN) || ret == -EBADMSG);
	REQUIRE(ret || strnlen(table, sizeof(table)) < sizeof(table));

	ret = nft_table_decode(nlh, &t);
	REQUIRE(ret == 0 || ret == -EBADMSG);
	REQUIRE(nlh->nlmsg_type == NFT_MSG(NFT_MSG_NEWTABLE) || ret == -EBADMSG);
	if (ret)
		return;
	/* Strings within their buffers: the dump builds "inet NAME" and parses the comment. */
	REQUIRE(strnlen(t.name, sizeof(t.name)) < sizeof(t.name));
	REQUIRE(strnlen(t.comment, sizeof(t.comment)) < sizeof(t.comment));
	nft_comment_hash(t.comment);
}

static void decode_all(const struct nlmsghdr *nlh)
{
	uint16_t type = nlh->nlmsg_type;
	struct link_msg lm;
	struct addr_msg am;
	struct route_msg rm;
	struct st_rule rule;
	int ret;

	ret = link_decode(nlh, &lm);
	REQUIRE(ret == 0 || ret == -EBADMSG);
	REQUIRE(type == RTM_NEWLINK || ret == -EBADMSG);
	if (!ret)
		check_link(&lm);

	ret = addr_decode(nlh, &am);
	REQUIRE(ret == 0 || ret == 1 || ret == -EBADMSG);
	REQUIRE(type == RTM_NEWADDR || ret == -EBADMSG);
	if (!ret)
		check_addr(&am);

	ret = route_decode(nlh, &rm);
	REQUIRE(ret == 0 || ret == 1 || ret == -EBADMSG);
	REQUIRE(type == RTM_NEWROUTE || ret == -EBADMSG);
	/* 1 with a route filled in: an `ip route get` answer (clone, local route). */
	if (ret >= 0 && rm.route.dst.family)
		check_route(&rm, ret);

	ret = rule_decode(nlh, &rule);
	REQUIRE(ret == 0 || ret == 1 || ret == -EBADMSG);
	REQUIRE(type == RTM_NEWRULE || ret == -EBADMSG);
	if (!ret)
		check_rule(&rule);

	decode_nft(nlh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct nlmsghdr *msg;

	if (len < sizeof(*msg) || len > UINT32_MAX)
		return 0;
	msg = fuzz_msg_copy(data, len);
	if (msg)
		decode_all(msg);
	free(msg);
	return 0;
}
