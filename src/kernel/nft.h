/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_KERNEL_NFT_H
#define WGP_KERNEL_NFT_H

/*
 * wgpolicy's nftables tables (state/state.h: the policies' and one per full
 * tunnel) through libnftables: each change is one transaction that replaces
 * a whole table (or deletes it). A table's comment carries "wgpolicy:HASH"
 * of the ruleset loaded, so that the next plan knows, from the kernel alone,
 * whether the table is what it wants. Other tables are only read, for the
 * mark bits they use.
 *
 * Errors are negative errnos, the one libnftables' text ends in where it
 * names one (-EINVAL for the parser's), with that text in @err. A kernel
 * without nftables has no table: dump, save and delete find none, and load
 * fails with -EPROTONOSUPPORT.
 */

#include <linux/netlink.h>

#include "state/state.h"

/* A table's comment: this, then the hash of its ruleset in 16 hex digits. */
#define NFT_COMMENT_TAG "wgpolicy:"

/*
 * Load @n: "table NAME { comment ...; BODY }" after removing any
 * previous version, in one transaction. Cgroup paths that @n names are
 * created (mkdir -p) under the cgroup v2 hierarchy first, and the ruleset is
 * loaded where nft resolves them: in a private mount namespace with cgroup2
 * mounted on /sys/fs/cgroup when the host has it elsewhere (hybrid layout).
 * On failure @err gets libnftables' own message.
 */
int nft_load(const struct st_nft *n, char *err, size_t errlen);
/* Delete the table @name ("inet wgpolicy"); 0 if it is not there. */
int nft_delete(const char *name, char *err, size_t errlen);

/*
 * How many transactions nft_load, nft_delete and nft_restore committed in this
 * process so far: each success is one, to one of wgpolicy's own tables (a
 * name that is not one is refused). A scan of other tables' marks made when
 * nftables' generation was G still holds at G plus this count's growth since.
 */
uint32_t nft_own_commits(void);

/*
 * For rollback: the live table @name as nft lists it ("table inet wgpolicy { ... }",
 * comment included) in *@text, malloc'd; NULL when there is no table. Cgroup
 * paths are listed as nft resolves them under /sys/fs/cgroup (in a private
 * mount namespace, as nft_load), so that the text loads again.
 */
int nft_save(const char *name, char **text, char *err, size_t errlen);
/* Replace the table @name by a text from nft_save, in one transaction. */
int nft_restore(const char *name, const char *text, char *err, size_t errlen);

/*
 * The mark bits each chain of every other nftables table (all but wgpolicy's)
 * sets or matches, appended to @out, allocated in @a (see kernel/nft_marks.c
 * for what counts). A kernel without nftables has none.
 */
int nft_mark_uses(struct arena *a, struct st_mark_uses *out, char *err, size_t errlen);
/* The same from @json, libnftables' JSON listing of a ruleset; -EINVAL if it is not one. */
int nft_mark_uses_parse(const char *json, struct arena *a, struct st_mark_uses *out);

/* ---- kernel/nft_nl.c: what nf_tables tells over netlink, without libnftables ---- */

/*
 * Append every live table of wgpolicy's (name, interface and hash from its
 * comment) to @live; a table without a "wgpolicy:HASH" comment gets hash 0,
 * so that any desired table differs from it and replaces it; and how many
 * chains each has. Dumps of the tables' and the chains' own messages: no
 * rule or set is read.
 */
int nft_dump(struct state *live);

/*
 * nftables' ruleset generation in this network namespace (NFT_MSG_GETGEN):
 * every committed transaction, whoever commits it, changes it, and nothing
 * else does. What a listing read after the generation was G holds for as long
 * as the generation stays G. -EPROTONOSUPPORT: no nftables in this kernel.
 */
int nft_generation(uint32_t *gen);

/* The messages, pure: requests into @buf (their length, or -EMSGSIZE), answers decoded. */
int nft_gen_encode(void *buf, size_t len);
/* NFT_MSG_NEWGEN's NFTA_GEN_ID; -EBADMSG for anything else. */
int nft_gen_decode(const struct nlmsghdr *nlh, uint32_t *gen);
/* A dump of the tables of @family (NFPROTO_INET...), or of their chains. */
int nft_tables_encode(void *buf, size_t len, uint8_t family);
int nft_chains_encode(void *buf, size_t len, uint8_t family);
/* NFT_MSG_NEWCHAIN: the family and name of the chain's table, into @table_out. */
int nft_chain_decode(const struct nlmsghdr *nlh, uint8_t *family, char *table, size_t len);

struct nft_table_msg {
	uint8_t family;	   /* NFPROTO_* */
	char name[256];	   /* NFT_TABLE_MAXNAMELEN, NUL included */
	char comment[256]; /* from libnftnl's user data; "" when it has none */
};

/* NFT_MSG_NEWTABLE; -EBADMSG when malformed (no name, user data running past its end). */
int nft_table_decode(const struct nlmsghdr *nlh, struct nft_table_msg *out);
/* The hash in a table comment "wgpolicy:HASH"; 0 for any other comment. */
uint64_t nft_comment_hash(const char *comment);

#endif
