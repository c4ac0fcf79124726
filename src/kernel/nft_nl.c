// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What nf_tables tells over netlink without libnftables: its ruleset
 * generation (NFT_MSG_GETGEN) and its tables (NFT_MSG_GETTABLE, a dump).
 * libnftables reads every table's chains, rules and sets' elements before it
 * answers even `list tables` (nft 1.0.6: a third of a second beside a set of
 * 100,000 elements, as much beside a foreign table of 10,000 rules); a
 * table's name and comment are in its own message.
 *
 * The messages are pure encoders and decoders, tested byte for byte in
 * tests/unit/test_kernel_encode.c; the two reads at the end are their I/O.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "kernel/codec.h"
#include "kernel/nft.h"
#include "kernel/nl.h"

/* libnftnl's user data of a table: TLVs of one byte each for type and length, unaligned. */
#define UDATA_TABLE_COMMENT 0 /* NFTNL_UDATA_TABLE_COMMENT: the text and its NUL */

#define NFT_MSG(m) (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | (m))

static int request(void *buf, size_t len, uint16_t msg, uint16_t flags, uint8_t family)
{
	struct nl_msg m;
	struct nfgenmsg *g =
	    nl_msg_init(&m, buf, len, NFT_MSG(msg), NLM_F_REQUEST | flags, sizeof(*g));

	if (g) {
		g->nfgen_family = family;
		g->version = NFNETLINK_V0;
	}
	return nl_msg_end(&m);
}

int nft_gen_encode(void *buf, size_t len)
{
	return request(buf, len, NFT_MSG_GETGEN, 0, NFPROTO_UNSPEC);
}

int nft_gen_decode(const struct nlmsghdr *nlh, uint32_t *gen)
{
	static const struct nl_policy pol[NFTA_GEN_ID + 1] = {
	    [NFTA_GEN_ID] = {NL_A_U32, 4},
	};
	const struct nlattr *tb[NFTA_GEN_ID + 1];

	if (!decode_start(nlh, NFT_MSG(NFT_MSG_NEWGEN), sizeof(struct nfgenmsg), pol, NFTA_GEN_ID,
			  tb) ||
	    !tb[NFTA_GEN_ID])
		return -EBADMSG;
	*gen = ntohl(*(const uint32_t *)((const char *)tb[NFTA_GEN_ID] + NLA_HDRLEN));
	return 0;
}

int nft_tables_encode(void *buf, size_t len, uint8_t family)
{
	return request(buf, len, NFT_MSG_GETTABLE, NLM_F_DUMP, family);
}

int nft_chains_encode(void *buf, size_t len, uint8_t family)
{
	return request(buf, len, NFT_MSG_GETCHAIN, NLM_F_DUMP, family);
}

int nft_chain_decode(const struct nlmsghdr *nlh, uint8_t *family, char *table, size_t len)
{
	static const struct nl_policy pol[NFTA_CHAIN_TABLE + 1] = {
	    [NFTA_CHAIN_TABLE] = {NL_A_STRING, NFT_TABLE_MAXNAMELEN},
	};
	const struct nlattr *tb[NFTA_CHAIN_TABLE + 1];
	const struct nfgenmsg *g =
	    decode_start(nlh, NFT_MSG(NFT_MSG_NEWCHAIN), sizeof(*g), pol, NFTA_CHAIN_TABLE, tb);

	if (!g || !tb[NFTA_CHAIN_TABLE])
		return -EBADMSG;
	*family = g->nfgen_family;
	snprintf(table, len, "%s", (const char *)tb[NFTA_CHAIN_TABLE] + NLA_HDRLEN);
	return 0;
}

/* The comment in a table's user data, if it has one; -EBADMSG when a TLV runs past the end. */
static int udata_comment(const struct nlattr *a, char *comment, size_t len)
{
	const uint8_t *p = (const uint8_t *)a + NLA_HDRLEN;
	size_t left = a->nla_len - NLA_HDRLEN;

	while (left) {
		uint8_t type, n;

		if (left < 2 || (size_t)p[1] + 2 > left)
			return -EBADMSG;
		type = p[0];
		n = p[1];
		if (type == UDATA_TABLE_COMMENT) {
			/* strnlen: the NUL nftables stores ends it, whatever follows. */
			size_t text = strnlen((const char *)p + 2, n);

			if (text >= len)
				return -EBADMSG;
			memcpy(comment, p + 2, text);
			comment[text] = '\0';
		}
		p += 2 + n;
		left -= 2 + (size_t)n;
	}
	return 0;
}

int nft_table_decode(const struct nlmsghdr *nlh, struct nft_table_msg *out)
{
	static const struct nl_policy pol[NFTA_TABLE_USERDATA + 1] = {
	    [NFTA_TABLE_NAME] = {NL_A_STRING, NFT_TABLE_MAXNAMELEN},
	    [NFTA_TABLE_USERDATA] = {NL_A_BINARY, 0},
	};
	const struct nlattr *tb[NFTA_TABLE_USERDATA + 1];
	const struct nfgenmsg *g =
	    decode_start(nlh, NFT_MSG(NFT_MSG_NEWTABLE), sizeof(*g), pol, NFTA_TABLE_USERDATA, tb);

	memset(out, 0, sizeof(*out));
	if (!g || !tb[NFTA_TABLE_NAME])
		return -EBADMSG;
	out->family = g->nfgen_family;
	snprintf(out->name, sizeof(out->name), "%s",
		 (const char *)tb[NFTA_TABLE_NAME] + NLA_HDRLEN);
	return tb[NFTA_TABLE_USERDATA]
		   ? udata_comment(tb[NFTA_TABLE_USERDATA], out->comment, sizeof(out->comment))
		   : 0;
}

uint64_t nft_comment_hash(const char *comment)
{
	size_t tag = strlen(NFT_COMMENT_TAG);
	const char *hex = comment + tag;

	if (strncmp(comment, NFT_COMMENT_TAG, tag) || strlen(hex) != 16 ||
	    strspn(hex, "0123456789abcdef") != 16)
		return 0;
	return strtoull(hex, NULL, 16);
}

/* ---- I/O ---- */

/* A NETLINK_NETFILTER socket; NULL with errno EPROTONOSUPPORT when the kernel has no nfnetlink. */
static struct nl *nfnl_open(void)
{
	return nl_open(NETLINK_NETFILTER);
}

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	return nft_gen_decode(nlh, data);
}

int nft_generation(uint32_t *gen)
{
	struct nl *nl = nfnl_open();
	uint8_t buf[64];
	int err;

	if (!nl)
		return -errno;
	err = nft_gen_encode(buf, sizeof(buf));
	if (err >= 0)
		err = nl_call(nl, (struct nlmsghdr *)buf, gen_cb, gen, NULL);
	nl_close(nl);
	return err < 0 ? err : 0;
}

/*
 * "inet wgpolicy", "netdev wgpolicy"...: is table @name of @family one of
 * ours? Its full name into @full.
 */
static bool ours(uint8_t family, const char *name, char full[ST_NFT_NAMSIZ],
		 char ifname[ST_IFNAMSIZ])
{
	const char *fam = family == NFPROTO_INET ? "inet" : family == NFPROTO_NETDEV ? "netdev" : NULL;
	size_t a, b;

	if (!fam)
		return false;
	a = strlen(fam);
	b = strlen(name);
	if (a + 1 + b >= ST_NFT_NAMSIZ)
		return false;
	memcpy(full, fam, a);
	full[a] = ' ';
	memcpy(full + a + 1, name, b + 1);
	return st_nft_parse_name(full, ifname);
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct state *live = data;
	char name[ST_NFT_NAMSIZ], ifname[ST_IFNAMSIZ];
	struct nft_table_msg t;
	struct st_nft *n;
	int err = nft_table_decode(nlh, &t);

	if (err)
		return err;
	if (!ours(t.family, t.name, name, ifname)) {
		live->nft_others++;
		return 0;
	}
	n = vec_push(&live->arena, &live->nft);
	if (!n)
		return -ENOMEM;
	memcpy(n->name, name, sizeof(n->name));
	snprintf(n->ifname, sizeof(n->ifname), "%s", ifname);
	n->hash = nft_comment_hash(t.comment);
	return 0;
}

struct chain_count {
	struct state *live;
	size_t from; /* the tables this dump found */
	uint32_t others; /* others' tables before it */
};

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct chain_count *cc = data;
	char table[NFT_TABLE_MAXNAMELEN], name[ST_NFT_NAMSIZ], ifname[ST_IFNAMSIZ];
	uint8_t family;
	size_t i;
	int err = nft_chain_decode(nlh, &family, table, sizeof(table));

	if (err)
		return err;
	if (!ours(family, table, name, ifname))
		return 0;
	for (i = cc->from; i < cc->live->nft.n; i++)
		cc->live->nft.v[i].n_chains += !strcmp(cc->live->nft.v[i].name, name);
	return 0;
}

#define DUMP_TRIES 5

/* @req's dump, again while a transaction comes in between (-EAGAIN), after @reset. */
static int dump(struct nl *nl, void *req, nl_msg_cb cb, void *data, void (*reset)(void *),
		void *reset_ctx)
{
	int err = 0, tries;

	for (tries = 0; tries < DUMP_TRIES; tries++) {
		err = nl_call(nl, (struct nlmsghdr *)req, cb, data, NULL);
		if (err != -EAGAIN)
			break;
		reset(reset_ctx);
	}
	return err;
}

static void forget_tables(void *arg)
{
	struct chain_count *cc = arg;

	cc->live->nft.n = cc->from;
	cc->live->nft_others = cc->others;
}

static void forget_chains(void *arg)
{
	struct chain_count *cc = arg;
	size_t i;

	for (i = cc->from; i < cc->live->nft.n; i++)
		cc->live->nft.v[i].n_chains = 0;
}

int nft_dump(struct state *live)
{
	struct nl *nl = nfnl_open();
	struct chain_count cc = { live, live->nft.n, live->nft_others };
	uint8_t tables[64], chains[64];
	int err;

	if (!nl)
		return errno == EPROTONOSUPPORT ? 0 : -errno; /* no nftables, no table */
	/* Every family: the policies' tables are inet and netdev. */
	err = nft_tables_encode(tables, sizeof(tables), NFPROTO_UNSPEC);
	if (err >= 0)
		err = nft_chains_encode(chains, sizeof(chains), NFPROTO_UNSPEC);
	if (err >= 0)
		err = dump(nl, tables, table_cb, live, forget_tables, &cc);
	if (err >= 0 && live->nft.n > cc.from)
		err = dump(nl, chains, chain_cb, &cc, forget_chains, &cc);
	nl_close(nl);
	return err < 0 ? err : 0;
}
