// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * src/kernel's pure half: every encoder byte for byte (most expectations are
 * the bytes iproute2 sends for the same command, as strace shows them), the
 * decoders on what the encoders make and on hand-made messages with unknown
 * and malformed attributes. No socket, no kernel.
 */
#include <errno.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <linux/fib_rules.h>
#include <linux/genetlink.h>
#include <linux/if_addr.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>

#include "kernel/codec.h"
#include "kernel/kernel.h"
#include "kernel/nft.h"
#include "kernel/nl.h"

/* Netlink is in host byte order. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define U16(x) (uint8_t)((x)&0xff), (uint8_t)(((x) >> 8) & 0xff)
#define U32(x) U16((x)&0xffff), U16(((x) >> 16) & 0xffff)
#else
#define U16(x) (uint8_t)(((x) >> 8) & 0xff), (uint8_t)((x)&0xff)
#define U32(x) U16(((x) >> 16) & 0xffff), U16((x)&0xffff)
#endif
#define NLH(len, type, flags) U32(len), U16(type), U16(flags), U32(0), U32(0)
#define NLA(len, type)	      U16(len), U16(type)
#define RTMSG(fam, dlen, table, proto, scope, type)                                                \
	fam, dlen, 0, 0, table, proto, scope, type, U32(0)

#define CREATE_EXCL (NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL)
#define IFINDEX	    7

static struct prefix pfx(const char *s)
{
	struct prefix p;

	assert_null(prefix_parse(s, &p, NULL));
	return p;
}

static void hexdump(const char *what, const uint8_t *b, size_t n)
{
	size_t i;

	print_message("# %s:", what);
	for (i = 0; i < n; i++)
		print_message("%s%02x", i % 16 ? " " : "\n#   ", b[i]);
	print_message("\n");
}

static void expect_bytes(const uint8_t *got, int len, const uint8_t *want, size_t wlen)
{
	if (len < 0 || (size_t)len != wlen || memcmp(got, want, wlen)) {
		if (len >= 0)
			hexdump("got", got, (size_t)len);
		hexdump("want", want, wlen);
		fail_msg("encoded %d bytes, want %zu", len, wlen);
	}
}

#define EXPECT(len, ...)                                                                           \
	do {                                                                                       \
		static const uint8_t want_[] = {__VA_ARGS__};                                      \
		expect_bytes(buf, (len), want_, sizeof(want_));                                    \
	} while (0)

static struct st_route route(const char *dst, enum route_type t, uint32_t table, uint32_t metric)
{
	return (struct st_route){.dst = pfx(dst),
				 .type = t,
				 .table = table,
				 .metric = metric,
				 .protocol = 199,
				 .ifname = "wgpk0"};
}

/* The expected bytes are laid out a field or an attribute a line: keep them so. */
/* clang-format off */
static void route_add_v4_big_table(void **unused)
{
	struct st_route r = route("10.1.0.0/16", ROUTE_UNICAST, 1000, 0);
	uint8_t buf[KMSG_MAX];

	(void)unused;
	/* ip route add 10.1.0.0/16 dev wgpk0 table 1000 proto 199 */
	EXPECT(route_encode(buf, sizeof(buf), OP_ADD, &r, IFINDEX),
	       NLH(52, RTM_NEWROUTE, CREATE_EXCL),
	       RTMSG(AF_INET, 16, RT_TABLE_UNSPEC, 199, RT_SCOPE_LINK, RTN_UNICAST),
	       NLA(8, RTA_DST), 10, 1, 0, 0,
	       NLA(8, RTA_TABLE), U32(1000),
	       NLA(8, RTA_OIF), U32(IFINDEX));
}

static void route_replace_v6_small_table(void **unused)
{
	struct st_route r = route("2001:db8::/64", ROUTE_UNICAST, 100, 1024);
	uint8_t buf[KMSG_MAX];

	(void)unused;
	/* ip -6 route replace 2001:db8::/64 dev wgpk0 table 100 metric 1024 proto 199 */
	EXPECT(route_encode(buf, sizeof(buf), OP_CHANGE, &r, IFINDEX),
	       NLH(64, RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE),
	       RTMSG(AF_INET6, 64, 100, 199, RT_SCOPE_UNIVERSE, RTN_UNICAST),
	       NLA(20, RTA_DST), 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	       NLA(8, RTA_PRIORITY), U32(1024),
	       NLA(8, RTA_OIF), U32(IFINDEX));
}

static void route_unreachable_add_and_del(void **unused)
{
	struct st_route r = route("10.2.0.0/24", ROUTE_UNREACHABLE, 1000, 100);
	uint8_t buf[KMSG_MAX];

	(void)unused;
	r.ifname[0] = '\0';
	/* ip route add unreachable 10.2.0.0/24 table 1000 metric 100 proto 199 */
	EXPECT(route_encode(buf, sizeof(buf), OP_ADD, &r, 0),
	       NLH(52, RTM_NEWROUTE, CREATE_EXCL),
	       RTMSG(AF_INET, 24, RT_TABLE_UNSPEC, 199, RT_SCOPE_UNIVERSE, RTN_UNREACHABLE),
	       NLA(8, RTA_DST), 10, 2, 0, 0,
	       NLA(8, RTA_TABLE), U32(1000),
	       NLA(8, RTA_PRIORITY), U32(100));
	/* ip route del unreachable 10.2.0.0/24 table 1000 metric 100 proto 199 */
	EXPECT(route_encode(buf, sizeof(buf), OP_DEL, &r, 0),
	       NLH(52, RTM_DELROUTE, NLM_F_REQUEST),
	       RTMSG(AF_INET, 24, RT_TABLE_UNSPEC, 199, RT_SCOPE_NOWHERE, RTN_UNREACHABLE),
	       NLA(8, RTA_DST), 10, 2, 0, 0,
	       NLA(8, RTA_TABLE), U32(1000),
	       NLA(8, RTA_PRIORITY), U32(100));
}

static void route_default_and_explicit_scope(void **unused)
{
	struct st_route r = route("0.0.0.0/0", ROUTE_UNICAST, 254, 0);
	uint8_t buf[KMSG_MAX];

	(void)unused;
	r.scope = RT_SCOPE_HOST;
	/* "default": no RTA_DST at all; the model's explicit scope wins. */
	EXPECT(route_encode(buf, sizeof(buf), OP_ADD, &r, IFINDEX),
	       NLH(36, RTM_NEWROUTE, CREATE_EXCL),
	       RTMSG(AF_INET, 0, RT_TABLE_MAIN, 199, RT_SCOPE_HOST, RTN_UNICAST),
	       NLA(8, RTA_OIF), U32(IFINDEX));
}

static void route_get_with_mark(void **unused)
{
	struct prefix dst = pfx("192.0.2.1");
	uint8_t buf[KMSG_MAX];

	(void)unused;
	/* ip route get 192.0.2.1 mark 0x77, answered with the table the lookup ended in */
	EXPECT(route_encode_get(buf, sizeof(buf), &dst, 0x77),
	       NLH(44, RTM_GETROUTE, NLM_F_REQUEST),
	       AF_INET, 32, 0, 0, 0, 0, 0, 0, U32(RTM_F_LOOKUP_TABLE),
	       NLA(8, RTA_DST), 192, 0, 2, 1,
	       NLA(8, RTA_MARK), U32(0x77));
}

static void route_query_every_selector(void **unused)
{
	struct route_query q = {
		.dst = pfx("203.0.113.5"), .src = pfx("10.0.1.2"), .iif = IFINDEX,
		.mark = 0x1000000, .uid = 1001, .ipproto = 6, .sport = 5000, .dport = 443,
		.fibmatch = true,
	};
	uint8_t buf[KMSG_MAX];

	(void)unused;
	/* ip route get 203.0.113.5 from 10.0.1.2 iif IF mark 0x1000000 uid 1001 ipproto tcp
	 * sport 5000 dport 443 fibmatch (iproute2 sets no RTM_F_LOOKUP_TABLE: we want the table) */
	EXPECT(route_encode_query(buf, sizeof(buf), &q),
	       NLH(92, RTM_GETROUTE, NLM_F_REQUEST),
	       AF_INET, 32, 32, 0, 0, 0, 0, 0, U32(RTM_F_LOOKUP_TABLE | RTM_F_FIB_MATCH),
	       NLA(8, RTA_SRC), 10, 0, 1, 2,
	       NLA(8, RTA_DST), 203, 0, 113, 5,
	       NLA(8, RTA_IIF), U32(IFINDEX),
	       NLA(8, RTA_MARK), U32(0x1000000),
	       NLA(8, RTA_UID), U32(1001),
	       NLA(5, RTA_IP_PROTO), 6, 0, 0, 0,
	       NLA(6, RTA_SPORT), 0x13, 0x88, 0, 0,
	       NLA(6, RTA_DPORT), 0x01, 0xbb, 0, 0);
	/* Nothing but a destination and no user: a packet no uidrange holds. */
	q = (struct route_query){ .dst = pfx("2001:db8::1"), .uid = ROUTE_QUERY_NO_UID };
	EXPECT(route_encode_query(buf, sizeof(buf), &q),
	       NLH(56, RTM_GETROUTE, NLM_F_REQUEST),
	       AF_INET6, 128, 0, 0, 0, 0, 0, 0, U32(RTM_F_LOOKUP_TABLE),
	       NLA(20, RTA_DST), 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	       NLA(8, RTA_UID), U32(0xffffffff));
	q.src = pfx("10.0.0.1");
	assert_int_equal(route_encode_query(buf, sizeof(buf), &q), -EINVAL);
}

static void addr_add_v4_del_v6(void **unused)
{
	struct st_addr a4 = { .ifname = "wgpk0", .addr = pfx("10.99.0.1/24") };
	struct st_addr a6 = { .ifname = "wgpk0", .addr = pfx("fd99::1/64") };
	uint8_t buf[KMSG_MAX];

	(void)unused;
	/* ip address add 10.99.0.1/24 dev wgpk0 */
	EXPECT(addr_encode(buf, sizeof(buf), OP_ADD, &a4, IFINDEX),
	       NLH(40, RTM_NEWADDR, CREATE_EXCL),
	       AF_INET, 24, 0, RT_SCOPE_UNIVERSE, U32(IFINDEX),
	       NLA(8, IFA_LOCAL), 10, 99, 0, 1,
	       NLA(8, IFA_ADDRESS), 10, 99, 0, 1);
	/* ip -6 address del fd99::1/64 dev wgpk0 */
	EXPECT(addr_encode(buf, sizeof(buf), OP_DEL, &a6, IFINDEX),
	       NLH(64, RTM_DELADDR, NLM_F_REQUEST),
	       AF_INET6, 64, 0, RT_SCOPE_UNIVERSE, U32(IFINDEX),
	       NLA(20, IFA_LOCAL), 0xfd, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	       NLA(20, IFA_ADDRESS), 0xfd, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
}

static void link_create_set_del(void **unused)
{
	struct st_link l = { .name = "wg0", .mtu = 1380, .up = true };
	uint8_t buf[KMSG_MAX];

	(void)unused;
	/* ip link add wgx type wireguard (libmnl marks the nest NLA_F_NESTED, ip does not) */
	EXPECT(link_encode_create(buf, sizeof(buf), "wgx", "wireguard"),
	       NLH(60, RTM_NEWLINK, CREATE_EXCL),
	       AF_UNSPEC, 0, U16(0), U32(0), U32(0), U32(0),
	       NLA(8, IFLA_IFNAME), 'w', 'g', 'x', 0,
	       NLA(20, IFLA_LINKINFO | NLA_F_NESTED),
	       NLA(14, IFLA_INFO_KIND), 'w', 'i', 'r', 'e', 'g', 'u', 'a', 'r', 'd', 0, 0, 0);
	/* ip link set dev wg0 mtu 1380 up alias wgpolicy, by name */
	EXPECT(link_encode_set(buf, sizeof(buf), &l),
	       NLH(64, RTM_NEWLINK, NLM_F_REQUEST),
	       AF_UNSPEC, 0, U16(0), U32(0), U32(IFF_UP), U32(IFF_UP),
	       NLA(8, IFLA_IFNAME), 'w', 'g', '0', 0,
	       NLA(8, IFLA_MTU), U32(1380),
	       NLA(13, IFLA_IFALIAS), 'w', 'g', 'p', 'o', 'l', 'i', 'c', 'y', 0, 0, 0, 0);
	l.up = false;
	l.mtu = 0;
	/* Down; MTU 0 leaves the MTU alone. */
	EXPECT(link_encode_set(buf, sizeof(buf), &l),
	       NLH(56, RTM_NEWLINK, NLM_F_REQUEST),
	       AF_UNSPEC, 0, U16(0), U32(0), U32(0), U32(IFF_UP),
	       NLA(8, IFLA_IFNAME), 'w', 'g', '0', 0,
	       NLA(13, IFLA_IFALIAS), 'w', 'g', 'p', 'o', 'l', 'i', 'c', 'y', 0, 0, 0, 0);
	EXPECT(link_encode_del(buf, sizeof(buf), "wg0"),
	       NLH(40, RTM_DELLINK, NLM_F_REQUEST),
	       AF_UNSPEC, 0, U16(0), U32(0), U32(0), U32(0),
	       NLA(8, IFLA_IFNAME), 'w', 'g', '0', 0);
	EXPECT(link_encode_get(buf, sizeof(buf), 9),
	       NLH(32, RTM_GETLINK, NLM_F_REQUEST),
	       AF_UNSPEC, 0, U16(0), U32(9), U32(0), U32(0));
}

static struct st_rule every_selector(void)
{
	struct st_rule r = { .family = FAMILY_V4, .priority = 100, .invert = true,
			     .src = pfx("10.0.1.0/24"), .dst = pfx("192.168.0.0/16"),
			     .iif = "wgpk0", .oif = "wgpk1", .fwmark = 0x10, .fwmask = 0xff,
			     .has_uidrange = true, .uid_lo = 1000, .uid_hi = 2000, .ipproto = 6,
			     .sport = { 1000, 2000 }, .dport = { 443, 443 },
			     .action = RULE_TO_TABLE, .table = 1000, .suppress_prefixlen = -1,
			     .protocol = 199 };
	return r;
}

static void rule_every_selector(void **unused)
{
	struct st_rule r = every_selector();
	uint8_t buf[KMSG_MAX];

	(void)unused;
	/*
	 * ip rule add not from 10.0.1.0/24 to 192.168.0.0/16 fwmark 0x10/0xff iif wgpk0
	 * oif wgpk1 uidrange 1000-2000 ipproto 6 sport 1000-2000 dport 443 table 1000
	 * pref 100 proto 199 (144 bytes there too, the priority placed last)
	 */
	EXPECT(rule_encode(buf, sizeof(buf), OP_ADD, &r),
	       NLH(144, RTM_NEWRULE, CREATE_EXCL),
	       AF_INET, 16, 24, 0, RT_TABLE_UNSPEC, 0, 0, FR_ACT_TO_TBL, U32(FIB_RULE_INVERT),
	       NLA(8, FRA_PRIORITY), U32(100),
	       NLA(8, FRA_SRC), 10, 0, 1, 0,
	       NLA(8, FRA_DST), 192, 168, 0, 0,
	       NLA(8, FRA_FWMARK), U32(0x10),
	       NLA(8, FRA_FWMASK), U32(0xff),
	       NLA(10, FRA_IIFNAME), 'w', 'g', 'p', 'k', '0', 0, 0, 0,
	       NLA(10, FRA_OIFNAME), 'w', 'g', 'p', 'k', '1', 0, 0, 0,
	       NLA(12, FRA_UID_RANGE), U32(1000), U32(2000),
	       NLA(5, FRA_IP_PROTO), 6, 0, 0, 0,
	       NLA(8, FRA_SPORT_RANGE), U16(1000), U16(2000),
	       NLA(8, FRA_DPORT_RANGE), U16(443), U16(443),
	       NLA(8, FRA_TABLE), U32(1000),
	       NLA(5, FRA_PROTOCOL), 199, 0, 0, 0);
}

static void rule_v6_suppress_and_actions(void **unused)
{
	struct st_rule r = { .family = FAMILY_V6, .priority = 200, .fwmark = 1, .fwmask = 1,
			     .action = RULE_TO_TABLE, .table = 100000, .suppress_prefixlen = 64,
			     .protocol = 199 };
	uint8_t buf[KMSG_MAX];

	(void)unused;
	/* ip -6 rule add pref 200 fwmark 1/1 table 100000 suppress_prefixlength 64 proto 199 */
	EXPECT(rule_encode(buf, sizeof(buf), OP_ADD, &r),
	       NLH(76, RTM_NEWRULE, CREATE_EXCL),
	       AF_INET6, 0, 0, 0, RT_TABLE_UNSPEC, 0, 0, FR_ACT_TO_TBL, U32(0),
	       NLA(8, FRA_PRIORITY), U32(200),
	       NLA(8, FRA_FWMARK), U32(1),
	       NLA(8, FRA_FWMASK), U32(1),
	       NLA(8, FRA_TABLE), U32(100000),
	       NLA(8, FRA_SUPPRESS_PREFIXLEN), U32(64),
	       NLA(5, FRA_PROTOCOL), 199, 0, 0, 0);
	/* A small table in the header; unreachable has none at all. */
	r = (struct st_rule){ .family = FAMILY_V4, .priority = 32765, .action = RULE_TO_TABLE,
			      .table = 254, .suppress_prefixlen = 0, .protocol = 3 };
	EXPECT(rule_encode(buf, sizeof(buf), OP_DEL, &r),
	       NLH(52, RTM_DELRULE, NLM_F_REQUEST),
	       AF_INET, 0, 0, 0, RT_TABLE_MAIN, 0, 0, FR_ACT_TO_TBL, U32(0),
	       NLA(8, FRA_PRIORITY), U32(32765),
	       NLA(8, FRA_SUPPRESS_PREFIXLEN), U32(0),
	       NLA(5, FRA_PROTOCOL), 3, 0, 0, 0);
	r.action = RULE_UNREACHABLE;
	r.suppress_prefixlen = -1;
	EXPECT(rule_encode(buf, sizeof(buf), OP_ADD, &r),
	       NLH(44, RTM_NEWRULE, CREATE_EXCL),
	       AF_INET, 0, 0, 0, RT_TABLE_UNSPEC, 0, 0, FR_ACT_UNREACHABLE, U32(0),
	       NLA(8, FRA_PRIORITY), U32(32765),
	       NLA(5, FRA_PROTOCOL), 3, 0, 0, 0);
}

static void dump_and_genl_requests(void **unused)
{
	uint8_t buf[KMSG_MAX];
	struct nl_msg m;

	(void)unused;
	EXPECT(dump_encode(buf, sizeof(buf), RTM_GETRULE, AF_UNSPEC),
	       NLH(28, RTM_GETRULE, NLM_F_REQUEST | NLM_F_DUMP),
	       AF_UNSPEC, 0, 0, 0, 0, 0, 0, 0, U32(0));
	EXPECT(dump_encode(buf, sizeof(buf), RTM_GETADDR, AF_INET6),
	       NLH(24, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP),
	       AF_INET6, 0, 0, 0, U32(0));
	assert_int_equal(dump_encode(buf, sizeof(buf), RTM_NEWROUTE, AF_UNSPEC), -EINVAL);
	/* The routes of protocol 87 alone: rtm_protocol, the filter a strict dump applies. */
	EXPECT(route_dump_encode(buf, sizeof(buf), 87),
	       NLH(28, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP),
	       AF_UNSPEC, 0, 0, 0, 0, 87, 0, 0, U32(0));
	/* What nl_genl_family() asks the controller. */
	nl_genl_msg_init(&m, buf, sizeof(buf), GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1,
			 NLM_F_REQUEST);
	nl_put_str(&m, CTRL_ATTR_FAMILY_NAME, "wireguard");
	EXPECT(nl_msg_end(&m),
	       NLH(36, GENL_ID_CTRL, NLM_F_REQUEST),
	       CTRL_CMD_GETFAMILY, 1, U16(0),
	       NLA(14, CTRL_ATTR_FAMILY_NAME), 'w', 'i', 'r', 'e', 'g', 'u', 'a', 'r', 'd', 0, 0, 0);
}

#define NFT_MSG(m) ((NFNL_SUBSYS_NFTABLES << 8) | (m))
/* struct nfgenmsg: family, version, res_id (big endian) */
#define NFGENMSG(fam, res) fam, NFNETLINK_V0, 0, res

/* What nft 1.0.6 sends for the generation and for a dump of tables, as strace shows them. */
static void nft_requests(void **unused)
{
	uint8_t buf[KMSG_MAX];

	(void)unused;
	EXPECT(nft_gen_encode(buf, sizeof(buf)),
	       NLH(20, NFT_MSG(NFT_MSG_GETGEN), NLM_F_REQUEST), NFGENMSG(NFPROTO_UNSPEC, 0));
	EXPECT(nft_tables_encode(buf, sizeof(buf), NFPROTO_INET),
	       NLH(20, NFT_MSG(NFT_MSG_GETTABLE), NLM_F_REQUEST | NLM_F_DUMP),
	       NFGENMSG(NFPROTO_INET, 0));
	EXPECT(nft_chains_encode(buf, sizeof(buf), NFPROTO_UNSPEC),
	       NLH(20, NFT_MSG(NFT_MSG_GETCHAIN), NLM_F_REQUEST | NLM_F_DUMP),
	       NFGENMSG(NFPROTO_UNSPEC, 0));
	assert_int_equal(nft_gen_encode(buf, 19), -EMSGSIZE);
}

/* The kernel's answers (Linux 6.18, strace of `nft list tables`), sequence and port 0. */
static const uint8_t newgen[] = {
	NLH(44, NFT_MSG(NFT_MSG_NEWGEN), 0), NFGENMSG(NFPROTO_UNSPEC, 2),
	NLA(8, NFTA_GEN_ID), 0, 0, 0, 2,
	NLA(8, NFTA_GEN_PROC_PID), 0, 0, 0x4c, 0xb0,
	NLA(8, NFTA_GEN_PROC_NAME), 'n', 'f', 't', 0,
};
static const uint8_t newtable[] = {
	NLH(96, NFT_MSG(NFT_MSG_NEWTABLE), NLM_F_MULTI), NFGENMSG(NFPROTO_INET, 2),
	NLA(13, NFTA_TABLE_NAME), 'w', 'g', 'p', 'o', 'l', 'i', 'c', 'y', 0, 0, 0, 0,
	NLA(8, NFTA_TABLE_USE), 0, 0, 0, 0,
	NLA(12, NFTA_TABLE_HANDLE), 0, 0, 0, 0, 0, 0, 0, 1,
	NLA(8, NFTA_TABLE_FLAGS), 0, 0, 0, 0,
	NLA(32, NFTA_TABLE_USERDATA), 0, 26,
		'w', 'g', 'p', 'o', 'l', 'i', 'c', 'y', ':', '0', '0', '0', '0', '0', '0', '0',
		'0', '0', '0', '0', '0', '0', '0', 'a', '1', 0,
};

/* clang-format on */

/* A copy of @msg in @buf, to be changed. */
static struct nlmsghdr *msg_copy(uint8_t *buf, const uint8_t *msg, size_t len)
{
	memcpy(buf, msg, len);
	return (struct nlmsghdr *)buf;
}

static void nft_gen_answers(void **unused)
{
	uint8_t buf[KMSG_MAX];
	struct nlmsghdr *nlh;
	uint32_t gen = 0;

	(void)unused;
	assert_int_equal(nft_gen_decode((const void *)newgen, &gen), 0);
	assert_int_equal(gen, 2);
	/* Big endian on the wire. */
	nlh = msg_copy(buf, newgen, sizeof(newgen));
	buf[20 + 4] = 1;
	assert_int_equal(nft_gen_decode(nlh, &gen), 0);
	assert_int_equal(gen, 0x01000002);
	/* No id; an id of the wrong size; another message. */
	nlh->nlmsg_len = 20;
	assert_int_equal(nft_gen_decode(nlh, &gen), -EBADMSG);
	nlh = msg_copy(buf, newgen, sizeof(newgen));
	buf[20] = 6;
	assert_int_equal(nft_gen_decode(nlh, &gen), -EBADMSG);
	assert_int_equal(nft_gen_decode((const void *)newtable, &gen), -EBADMSG);
	nlh = msg_copy(buf, newgen, sizeof(newgen));
	nlh->nlmsg_len = 18; /* shorter than its nfgenmsg */
	assert_int_equal(nft_gen_decode(nlh, &gen), -EBADMSG);
}

static void nft_table_answers(void **unused)
{
	uint8_t buf[KMSG_MAX];
	struct nft_table_msg t;
	struct nlmsghdr *nlh;

	(void)unused;
	assert_int_equal(nft_table_decode((const void *)newtable, &t), 0);
	assert_int_equal(t.family, NFPROTO_INET);
	assert_string_equal(t.name, "wgpolicy");
	assert_string_equal(t.comment, "wgpolicy:00000000000000a1");
	assert_true(nft_comment_hash(t.comment) == 0xa1);
	assert_int_equal(nft_table_decode((const void *)newgen, &t), -EBADMSG);

	/* Without user data: no comment. */
	nlh = msg_copy(buf, newtable, sizeof(newtable));
	nlh->nlmsg_len = 64;
	assert_int_equal(nft_table_decode(nlh, &t), 0);
	assert_string_equal(t.comment, "");
	/* User data of other types around the comment; unknown attributes. */
	{
		static const uint8_t udata[] = {7, 2, 'x', 'y', 0, 4, 'a', 'b', 'c', 0, 9, 0};
		struct nl_msg m;
		struct nfgenmsg *g = nl_msg_init(&m, buf, sizeof(buf), NFT_MSG(NFT_MSG_NEWTABLE),
						 NLM_F_MULTI, sizeof(*g));

		g->nfgen_family = NFPROTO_IPV4;
		nl_put_u32(&m, 200, 1);
		nl_put_str(&m, NFTA_TABLE_NAME, "filter");
		nl_put(&m, NFTA_TABLE_USERDATA, udata, sizeof(udata));
		assert_int_equal(nft_table_decode(m.nlh, &t), 0);
		assert_int_equal(t.family, NFPROTO_IPV4);
		assert_string_equal(t.name, "filter");
		assert_string_equal(t.comment, "abc");
		/* A TLV running past the user data; one with its length byte missing. */
		nl_msg_init(&m, buf, sizeof(buf), NFT_MSG(NFT_MSG_NEWTABLE), 0, sizeof(*g));
		nl_put_str(&m, NFTA_TABLE_NAME, "filter");
		nl_put(&m, NFTA_TABLE_USERDATA, udata, 5);
		assert_int_equal(nft_table_decode(m.nlh, &t), -EBADMSG);
		nl_msg_init(&m, buf, sizeof(buf), NFT_MSG(NFT_MSG_NEWTABLE), 0, sizeof(*g));
		nl_put_str(&m, NFTA_TABLE_NAME, "filter");
		nl_put(&m, NFTA_TABLE_USERDATA, udata, 1);
		assert_int_equal(nft_table_decode(m.nlh, &t), -EBADMSG);
		/* No name. */
		nl_msg_init(&m, buf, sizeof(buf), NFT_MSG(NFT_MSG_NEWTABLE), 0, sizeof(*g));
		nl_put(&m, NFTA_TABLE_USERDATA, udata, sizeof(udata));
		assert_int_equal(nft_table_decode(m.nlh, &t), -EBADMSG);
	}
}

/* A chain's table, what the chain count of nft_dump needs of a NEWCHAIN. */
static void nft_chain_answers(void **unused)
{
	uint8_t buf[KMSG_MAX];
	char table[64];
	uint8_t family = 0;
	struct nl_msg m;
	struct nfgenmsg *g = nl_msg_init(&m, buf, sizeof(buf), NFT_MSG(NFT_MSG_NEWCHAIN), NLM_F_MULTI,
					 sizeof(*g));

	(void)unused;
	g->nfgen_family = NFPROTO_NETDEV;
	nl_put_str(&m, NFTA_CHAIN_TABLE, "wgpolicy");
	nl_put_str(&m, NFTA_CHAIN_NAME, "mss0");
	nl_put_u32(&m, 200, 1); /* unknown: skipped */
	assert_int_equal(nft_chain_decode(m.nlh, &family, table, sizeof(table)), 0);
	assert_int_equal(family, NFPROTO_NETDEV);
	assert_string_equal(table, "wgpolicy");
	/* No table; another message. */
	nl_msg_init(&m, buf, sizeof(buf), NFT_MSG(NFT_MSG_NEWCHAIN), 0, sizeof(*g));
	nl_put_str(&m, NFTA_CHAIN_NAME, "mss0");
	assert_int_equal(nft_chain_decode(m.nlh, &family, table, sizeof(table)), -EBADMSG);
	assert_int_equal(nft_chain_decode((const void *)newtable, &family, table, sizeof(table)),
			 -EBADMSG);
}

static void nft_comment_hashes(void **unused)
{
	(void)unused;
	assert_true(nft_comment_hash("wgpolicy:0123456789abcdef") == 0x0123456789abcdefULL);
	assert_true(nft_comment_hash("wgpolicy:0123456789abcde") == 0);
	assert_true(nft_comment_hash("wgpolicy:0123456789abcdef0") == 0);
	assert_true(nft_comment_hash("wgpolicy:0123456789ABCDEF") == 0);
	assert_true(nft_comment_hash("wgpolicy: 123456789abcdef") == 0);
	assert_true(nft_comment_hash("other:0123456789abcdef") == 0);
	assert_true(nft_comment_hash("") == 0);
}

static void refuses_what_it_cannot_express(void **unused)
{
	struct st_route r = route("10.0.0.0/8", ROUTE_UNICAST, 1000, 0);
	struct st_rule rule = every_selector();
	struct st_addr a = {.ifname = "wg0", .addr = pfx("10.0.0.1/8")};
	struct st_link l = {0};
	uint8_t buf[KMSG_MAX];

	(void)unused;
	memset(l.name, 'a', sizeof(l.name)); /* no room left for the NUL */
	assert_int_equal(route_encode(buf, sizeof(buf), OP_ADD, &r, 0), -EINVAL); /* no device */
	r.dst.len = 33;
	assert_int_equal(route_encode(buf, sizeof(buf), OP_DEL, &r, 0), -EINVAL);
	rule.src = pfx("fd00::/8"); /* an IPv6 source in an IPv4 rule */
	assert_int_equal(rule_encode(buf, sizeof(buf), OP_ADD, &rule), -EINVAL);
	rule = every_selector();
	assert_int_equal(rule_encode(buf, sizeof(buf), OP_CHANGE, &rule), -EINVAL);
	assert_int_equal(addr_encode(buf, sizeof(buf), OP_CHANGE, &a, IFINDEX), -EINVAL);
	assert_int_equal(addr_encode(buf, sizeof(buf), OP_ADD, &a, 0), -EINVAL);
	assert_int_equal(link_encode_set(buf, sizeof(buf), &l), -EINVAL);
	assert_int_equal(link_encode_create(buf, sizeof(buf), "", "wireguard"), -EINVAL);
}

/* ---- No encoder writes past the buffer it was given ---- */

static int enc_route(void *b, size_t n)
{
	struct st_route r = route("2001:db8::/64", ROUTE_UNICAST, 100000, 1024);

	return route_encode(b, n, OP_ADD, &r, IFINDEX);
}

static int enc_rule(void *b, size_t n)
{
	struct st_rule r = every_selector();

	return rule_encode(b, n, OP_ADD, &r);
}

static int enc_addr(void *b, size_t n)
{
	struct st_addr a = {.ifname = "wg0", .addr = pfx("fd00::1/64")};

	return addr_encode(b, n, OP_ADD, &a, IFINDEX);
}

static int enc_link(void *b, size_t n)
{
	struct st_link l = {.name = "wg0", .mtu = 1420, .up = true};

	return link_encode_set(b, n, &l);
}

static int enc_create(void *b, size_t n)
{
	return link_encode_create(b, n, "wg0", "wireguard");
}

static void short_buffers_are_refused(void **unused)
{
	int (*const enc[])(void *, size_t) = {enc_route, enc_rule, enc_addr, enc_link, enc_create};
	uint8_t buf[KMSG_MAX + 64];
	size_t i, len, k;

	(void)unused;
	for (i = 0; i < sizeof(enc) / sizeof(*enc); i++) {
		int need = enc[i](buf, KMSG_MAX);

		assert_true(need > 0);
		for (len = 0; len < (size_t)need; len++) {
			memset(buf, 0xa5, sizeof(buf));
			assert_int_equal(enc[i](buf, len), -EMSGSIZE);
			for (k = len; k < sizeof(buf); k++)
				assert_int_equal(buf[k], 0xa5);
		}
	}
}

/* ---- Decoding what the encoders make ---- */

/* An encoded request turned into what a dump would hold. */
static const struct nlmsghdr *as_dump(uint8_t *buf, uint16_t type)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_MULTI;
	return nlh;
}

static void routes_decode_as_encoded(void **unused)
{
	struct st_route rs[] = {
	    route("10.1.0.0/16", ROUTE_UNICAST, 1000, 0),
	    route("0.0.0.0/0", ROUTE_UNICAST, 254, 10),
	    route("2001:db8::/64", ROUTE_UNICAST, 100, 1024),
	    route("10.2.0.0/24", ROUTE_UNREACHABLE, 1000, UINT32_MAX),
	    route("::/0", ROUTE_BLACKHOLE, 70000, 1024),
	    route("10.3.0.0/24", ROUTE_PROHIBIT, 255, 0),
	    route("10.4.0.0/24", ROUTE_THROW, 1, 0),
	};
	uint8_t buf[KMSG_MAX];
	struct route_msg rm;
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof(rs) / sizeof(*rs); i++) {
		bool unicast = rs[i].type == ROUTE_UNICAST;

		if (!unicast)
			rs[i].ifname[0] = '\0';
		assert_true(route_encode(buf, sizeof(buf), OP_ADD, &rs[i], unicast ? IFINDEX : 0) >
			    0);
		assert_int_equal(route_decode(as_dump(buf, RTM_NEWROUTE), &rm), 0);
		assert_int_equal(rm.oif, unicast ? IFINDEX : 0);
		memcpy(rm.route.ifname, rs[i].ifname, sizeof(rm.route.ifname));
		assert_true(st_route_equal(&rm.route, &rs[i]));
	}
}

/* A route through a gateway (underlay pinning): RTA_GATEWAY, universe scope, read back equal. */
static void route_with_gateway(void **unused)
{
	struct st_route r = route("0.0.0.0/0", ROUTE_UNICAST, 52100, 0);
	uint8_t buf[KMSG_MAX];
	struct route_msg rm;
	const struct rtmsg *rtm = (const void *)(buf + sizeof(struct nlmsghdr));
	int len;

	(void)unused;
	assert_null(addr_parse("198.51.100.1", &r.gw));
	len = route_encode(buf, sizeof(buf), OP_ADD, &r, IFINDEX);
	assert_true(len > 0);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(route_decode(as_dump(buf, RTM_NEWROUTE), &rm), 0);
	assert_true(rm.gateway);
	memcpy(rm.route.ifname, r.ifname, sizeof(rm.route.ifname));
	assert_true(st_route_equal(&rm.route, &r));
	rm.route.gw.addr[3]++;
	assert_false(st_route_equal(&rm.route, &r));
}

/* Mode = balance: two ways with weights 3 and 1 go out and come back as they were. */
/* clang-format off */
/* What `ip route get` answers: a clone with the source chosen, or a local route. */
static void route_get_answers(void **unused)
{
	static const uint8_t clone[] = {
		NLH(60, RTM_NEWROUTE, 0),
		AF_INET, 32, 0, 0, RT_TABLE_UNSPEC, RTPROT_UNSPEC, 0, RTN_UNICAST,
		U32(RTM_F_CLONED | RTM_F_LOOKUP_TABLE),
		NLA(8, RTA_TABLE), U32(52001),
		NLA(8, RTA_DST), 203, 0, 113, 11,
		NLA(8, RTA_OIF), U32(IFINDEX),
		NLA(8, RTA_PREFSRC), 10, 8, 0, 2,
	};
	static const uint8_t local[] = {
		NLH(36, RTM_NEWROUTE, 0),
		AF_INET, 32, 0, 0, RT_TABLE_LOCAL, RTPROT_UNSPEC, 0, RTN_LOCAL, U32(RTM_F_CLONED),
		NLA(8, RTA_DST), 10, 8, 0, 2,
	};
	static const uint8_t bad_src[] = {
		NLH(32, RTM_NEWROUTE, 0),
		AF_INET, 32, 0, 0, 0, 0, 0, RTN_UNICAST, U32(0),
		NLA(6, RTA_PREFSRC), 10, 8,
	};
	struct route_msg rm;
	char buf[PREFIX_STRLEN];

	(void)unused;
	/* Clones are no objects of the model (1), but decoded all the same. */
	assert_int_equal(route_decode((const void *)clone, &rm), 1);
	assert_int_equal(rm.route.table, 52001);
	assert_int_equal(rm.oif, IFINDEX);
	assert_false(rm.local);
	assert_string_equal(prefix_format(&rm.prefsrc, buf, false), "10.8.0.2");
	assert_int_equal(route_decode((const void *)local, &rm), 1);
	assert_true(rm.local);
	assert_int_equal(rm.prefsrc.family, 0);
	assert_int_equal(route_decode((const void *)bad_src, &rm), -EBADMSG);
}
/* clang-format on */

static void multipath_round_trip(void **unused)
{
	struct st_route r = route("0.0.0.0/0", ROUTE_UNICAST, 52001, 0);
	struct st_nexthop ways[2] = { 0 };
	const int nh[] = { 7, 8 };
	uint8_t buf[KMSG_MAX];
	struct route_msg rm;

	(void)unused;
	r.ifname[0] = '\0';
	r.n_nh = 2;
	r.nh = ways;
	snprintf(r.nh[0].ifname, sizeof(r.nh[0].ifname), "wg0");
	r.nh[0].weight = 3;
	snprintf(r.nh[1].ifname, sizeof(r.nh[1].ifname), "wg1");
	r.nh[1].weight = 1;
	assert_true(route_encode_mp(buf, sizeof(buf), OP_ADD, &r, nh) > 0);
	assert_int_equal(route_decode(as_dump(buf, RTM_NEWROUTE), &rm), 0);
	assert_int_equal(rm.route.n_nh, 2);
	assert_int_equal(rm.nh_oif[0], 7);
	assert_int_equal(rm.nh_oif[1], 8);
	memcpy(rm.route.nh[0].ifname, "wg0", 4);
	memcpy(rm.route.nh[1].ifname, "wg1", 4);
	assert_true(st_route_equal(&rm.route, &r));
}

/*
 * IPv6 takes no multipath route of devices alone: each way carries a
 * gateway, inside its rtnexthop as ip puts it, and comes back with it.
 */
static void multipath_v6_gateways_round_trip(void **unused)
{
	static const struct nl_policy pol[RTA_MAX + 1] = { [RTA_MULTIPATH] = { NL_A_BINARY, 0 } };
	struct st_route r = route("::/0", ROUTE_UNICAST, 52001, 1024);
	const struct nlattr *tb[RTA_MAX + 1], *gw;
	const int nh[] = { 7, 8 };
	const struct rtnexthop *way;
	uint8_t buf[KMSG_MAX];
	struct st_nexthop ways[2] = { 0 };
	struct route_msg rm;
	uint8_t i;

	(void)unused;
	r.ifname[0] = '\0';
	r.n_nh = 2;
	r.nh = ways;
	for (i = 0; i < 2; i++) {
		snprintf(r.nh[i].ifname, sizeof(r.nh[i].ifname), "wg%u", i);
		r.nh[i].weight = (uint16_t)(i + 1);
		r.nh[i].gw = pfx("fe80::57:4750/128");
	}
	assert_true(route_encode_mp(buf, sizeof(buf), OP_ADD, &r, nh) > 0);
	assert_int_equal(nl_parse((const struct nlmsghdr *)buf, sizeof(struct rtmsg), pol, RTA_MAX, tb),
			 0);
	assert_non_null(tb[RTA_MULTIPATH]);
	/* Each way: its rtnexthop, then an RTA_GATEWAY of 16 bytes: 8 + 20. */
	assert_int_equal(tb[RTA_MULTIPATH]->nla_len, NLA_HDRLEN + 2 * 28);
	way = (const struct rtnexthop *)((const uint8_t *)tb[RTA_MULTIPATH] + NLA_HDRLEN);
	assert_int_equal(way->rtnh_len, 28);
	assert_int_equal(way->rtnh_ifindex, 7);
	gw = (const struct nlattr *)RTNH_DATA(way);
	assert_int_equal(gw->nla_type, RTA_GATEWAY);
	assert_int_equal(gw->nla_len, 20);
	assert_memory_equal((const uint8_t *)gw + NLA_HDRLEN, r.nh[0].gw.addr, 16);
	assert_int_equal(route_decode(as_dump(buf, RTM_NEWROUTE), &rm), 0);
	assert_int_equal(rm.route.n_nh, 2);
	assert_int_equal(rm.nh_oif[1], 8);
	memcpy(rm.route.nh[0].ifname, "wg0", 4);
	memcpy(rm.route.nh[1].ifname, "wg1", 4);
	assert_true(st_route_equal(&rm.route, &r));
	/* Another gateway is another route. */
	rm.route.nh[1].gw.addr[15]++;
	assert_false(st_route_equal(&rm.route, &r));
}

static void rules_decode_as_encoded(void **unused)
{
	struct st_rule rs[4] = {every_selector()};
	uint8_t buf[KMSG_MAX];
	struct st_rule got;
	size_t i;

	(void)unused;
	rs[1] = (struct st_rule){.family = FAMILY_V6,
				 .priority = 5,
				 .src = pfx("fd00::/8"),
				 .action = RULE_TO_TABLE,
				 .table = 200,
				 .fwmask = UINT32_MAX,
				 .suppress_prefixlen = 0,
				 .protocol = 2};
	rs[2] = (struct st_rule){.family = FAMILY_V4,
				 .action = RULE_BLACKHOLE,
				 .has_uidrange = true,
				 .suppress_prefixlen = -1};
	rs[3] = (struct st_rule){.family = FAMILY_V6,
				 .priority = UINT32_MAX - 1,
				 .action = RULE_PROHIBIT,
				 .oif = "wg0",
				 .sport = {1, 65534},
				 .suppress_prefixlen = -1};
	for (i = 0; i < sizeof(rs) / sizeof(*rs); i++) {
		assert_true(rule_encode(buf, sizeof(buf), OP_ADD, &rs[i]) > 0);
		assert_int_equal(rule_decode(as_dump(buf, RTM_NEWRULE), &got), 0);
		assert_int_equal(st_rule_key_cmp(&got, &rs[i]), 0);
		assert_int_equal(got.protocol, rs[i].protocol);
	}
}

static void addrs_and_links_decode_as_encoded(void **unused)
{
	struct st_addr a = {.addr = pfx("fd00::1/64")};
	struct st_link l = {.name = "wg0", .mtu = 1420, .up = true};
	uint8_t buf[KMSG_MAX];
	struct addr_msg am;
	struct link_msg lm;

	(void)unused;
	assert_true(addr_encode(buf, sizeof(buf), OP_ADD, &a, IFINDEX) > 0);
	assert_int_equal(addr_decode(as_dump(buf, RTM_NEWADDR), &am), 0);
	assert_int_equal(am.ifindex, IFINDEX);
	assert_true(prefix_equal(&am.addr.addr, &a.addr));

	assert_true(link_encode_set(buf, sizeof(buf), &l) > 0);
	assert_int_equal(link_decode(as_dump(buf, RTM_NEWLINK), &lm), 0);
	assert_string_equal(lm.link.name, "wg0");
	assert_int_equal(lm.link.mtu, 1420);
	assert_true(lm.link.up);
	assert_true(lm.link.owned);
	assert_string_equal(lm.kind, "");

	assert_true(link_encode_create(buf, sizeof(buf), "wg1", "wireguard") > 0);
	assert_int_equal(link_decode(as_dump(buf, RTM_NEWLINK), &lm), 0);
	assert_string_equal(lm.kind, "wireguard");
	assert_false(lm.link.owned);
}

/* ---- Hand-made messages, as a kernel (or a fuzzer) might send them ---- */

static struct rtmsg *route_msg(struct nl_msg *m, uint8_t *buf, uint8_t family, uint8_t type)
{
	struct rtmsg *rtm = nl_msg_init(m, buf, KMSG_MAX, RTM_NEWROUTE, NLM_F_MULTI, sizeof(*rtm));

	rtm->rtm_family = family;
	rtm->rtm_type = type;
	rtm->rtm_table = RT_TABLE_COMPAT; /* what the kernel says for tables above 255 */
	return rtm;
}

/*
 * Another program's ECMP route of 20 ways (more than wgpolicy makes): read
 * whole, so that the dump goes on, and never written back but to delete it.
 */
static void foreign_multipath_of_many_ways(void **unused)
{
	struct rtnexthop ways[20];
	uint8_t buf[KMSG_MAX];
	struct route_msg rm;
	struct nl_msg m;
	int i;

	(void)unused;
	for (i = 0; i < 20; i++)
		ways[i] = (struct rtnexthop){ .rtnh_len = sizeof(ways[i]), .rtnh_ifindex = 10 + i };
	route_msg(&m, buf, AF_INET, RTN_UNICAST);
	nl_put(&m, RTA_MULTIPATH, ways, sizeof(ways));
	assert_int_equal(route_decode(m.nlh, &rm), 0);
	assert_int_equal(rm.route.n_nh, 20);
	assert_int_equal(rm.nh_oif[19], 29);
	assert_true(route_encode(buf, sizeof(buf), OP_DEL, &rm.route, 0) > 0);
	assert_int_equal(route_encode_mp(buf, sizeof(buf), OP_ADD, &rm.route, rm.nh_oif), -EINVAL);
}

/* Found by fuzzing: a multipath route needs a device per way, and ways on a route to nowhere go. */
static void multipath_misuse(void **unused)
{
	struct st_route r = route("0.0.0.0/0", ROUTE_UNICAST, 52001, 0);
	struct rtnexthop nh = { .rtnh_len = sizeof(nh), .rtnh_ifindex = 9 };
	uint8_t buf[KMSG_MAX];
	struct route_msg rm;
	struct nl_msg m;

	(void)unused;
	r.n_nh = 2;
	r.nh = (struct st_nexthop[2]){ 0 };
	assert_int_equal(route_encode(buf, sizeof(buf), OP_ADD, &r, 7), -EINVAL);
	assert_true(route_encode(buf, sizeof(buf), OP_DEL, &r, 0) > 0);
	route_msg(&m, buf, AF_INET, RTN_UNREACHABLE);
	nl_put(&m, RTA_MULTIPATH, &nh, sizeof(nh));
	assert_int_equal(route_decode(m.nlh, &rm), 0);
	assert_int_equal(rm.route.n_nh, 0);
}


static void route_decoder_skips_unknown_attributes(void **unused)
{
	static const uint8_t unknown[6] = {1, 2, 3, 4, 5, 6};
	uint8_t buf[KMSG_MAX];
	struct route_msg rm;
	struct nlattr *nest;
	struct nl_msg m;
	struct rtmsg *rtm = route_msg(&m, buf, AF_INET, RTN_UNICAST);

	(void)unused;
	rtm->rtm_dst_len = 8;
	rtm->rtm_scope = RT_SCOPE_LINK;
	nl_put(&m, 0x7ff0, unknown, sizeof(unknown));
	nl_put(&m, RTA_DST, (uint8_t[]){10, 0, 0, 0}, 4);
	nl_put_u32(&m, RTA_TABLE, 1000);
	nl_put_u32(&m, RTA_OIF, 3);
	nl_put(&m, RTA_CACHEINFO, unknown, sizeof(unknown)); /* known to the kernel, not to us */
	nest = nl_nest_start(&m, RTA_METRICS);
	nl_put_u32(&m, RTAX_ADVMSS, 1360);
	nl_put_u32(&m, RTAX_MTU, 1400);
	nl_nest_end(&m, nest);
	assert_true(nl_msg_end(&m) > 0);
	assert_int_equal(route_decode(m.nlh, &rm), 0);
	assert_int_equal(rm.route.table, 1000);
	assert_int_equal(rm.route.dst.len, 8);
	assert_int_equal(rm.route.dst.addr[0], 10);
	assert_int_equal(rm.oif, 3);
	assert_int_equal(rm.mtu, 1400);
	assert_int_equal(rm.route.scope, 0); /* link is the default for a v4 device route */
}

static void route_decoder_rejects_malformed(void **unused)
{
	uint8_t buf[KMSG_MAX];
	struct route_msg rm;
	struct nlattr *nest;
	struct nl_msg m;
	struct rtmsg *rtm;

	(void)unused;
	/* RTA_OIF of two bytes. */
	route_msg(&m, buf, AF_INET, RTN_UNICAST);
	nl_put_u16(&m, RTA_OIF, 3);
	assert_int_equal(route_decode(m.nlh, &rm), -EBADMSG);
	/* An IPv6-sized destination in an IPv4 route. */
	rtm = route_msg(&m, buf, AF_INET, RTN_UNICAST);
	rtm->rtm_dst_len = 8;
	nl_put(&m, RTA_DST, pfx("fd00::").addr, 16);
	assert_int_equal(route_decode(m.nlh, &rm), -EBADMSG);
	/* A prefix length beyond the family's, and a length without an address. */
	rtm = route_msg(&m, buf, AF_INET, RTN_UNICAST);
	rtm->rtm_dst_len = 33;
	nl_put(&m, RTA_DST, pfx("10.0.0.0").addr, 4);
	assert_int_equal(route_decode(m.nlh, &rm), -EBADMSG);
	rtm = route_msg(&m, buf, AF_INET, RTN_UNICAST);
	rtm->rtm_dst_len = 8;
	assert_int_equal(route_decode(m.nlh, &rm), -EBADMSG);
	/* A metric of the wrong size inside the nest. */
	route_msg(&m, buf, AF_INET, RTN_UNICAST);
	nest = nl_nest_start(&m, RTA_METRICS);
	nl_put_u16(&m, RTAX_MTU, 1400);
	nl_nest_end(&m, nest);
	assert_int_equal(route_decode(m.nlh, &rm), -EBADMSG);
	/* An attribute that runs past the message; one shorter than its own header. */
	route_msg(&m, buf, AF_INET, RTN_UNICAST);
	nl_put_u32(&m, RTA_OIF, 3);
	((struct nlattr *)(buf + m.nlh->nlmsg_len - 8))->nla_len = 12;
	assert_int_equal(route_decode(m.nlh, &rm), -EBADMSG);
	((struct nlattr *)(buf + m.nlh->nlmsg_len - 8))->nla_len = 2;
	assert_int_equal(route_decode(m.nlh, &rm), -EBADMSG);
	/* Trailing bytes too few for an attribute header. */
	route_msg(&m, buf, AF_INET, RTN_UNICAST);
	m.nlh->nlmsg_len += 2;
	assert_int_equal(route_decode(m.nlh, &rm), -EBADMSG);
	/* A header cut short. */
	route_msg(&m, buf, AF_INET, RTN_UNICAST);
	m.nlh->nlmsg_len = sizeof(struct nlmsghdr) + 4;
	assert_int_equal(route_decode(m.nlh, &rm), -EBADMSG);
	/* A nexthop whose device index is negative: malformed, not an errno of its own. */
	route_msg(&m, buf, AF_INET, RTN_UNICAST);
	nl_put(&m, RTA_MULTIPATH, &(struct rtnexthop){.rtnh_len = 8, .rtnh_ifindex = -1}, 8);
	assert_int_equal(route_decode(m.nlh, &rm), -EBADMSG);
}

/* The kernel keeps routes masked: host bits sent anyway are no part of the route. */
static void route_decoder_masks_the_destination(void **unused)
{
	uint8_t buf[KMSG_MAX], again[KMSG_MAX];
	struct route_msg rm, rm2;
	struct nl_msg m;
	struct rtmsg *rtm;

	(void)unused;
	rtm = route_msg(&m, buf, AF_INET, RTN_PROHIBIT);
	rtm->rtm_dst_len = 0;
	nl_put(&m, RTA_DST, pfx("10.4.0.0").addr, 4);
	assert_int_equal(route_decode(m.nlh, &rm), 0);
	assert_true(prefix_equal(&rm.route.dst, &(struct prefix){.family = FAMILY_V4}));
	rtm = route_msg(&m, buf, AF_INET6, RTN_UNICAST);
	rtm->rtm_dst_len = 64;
	nl_put(&m, RTA_DST, pfx("2001:db8::1").addr, 16);
	assert_int_equal(route_decode(m.nlh, &rm), 0);
	assert_true(prefix_equal(&rm.route.dst, &(struct prefix){.family = FAMILY_V6,
								 .len = 64,
								 .addr = {0x20, 0x01, 0x0d, 0xb8}}));
	/* So that what is deleted by what was read is the same route. */
	assert_true(route_encode(again, sizeof(again), OP_DEL, &rm.route, 0) > 0);
	assert_int_equal(route_decode(as_dump(again, RTM_NEWROUTE), &rm2), 0);
	assert_int_equal(st_route_key_cmp(&rm2.route, &rm.route), 0);
}

static void route_decoder_leaves_out_the_unmodelled(void **unused)
{
	uint8_t buf[KMSG_MAX];
	struct route_msg rm;
	struct nl_msg m;
	struct rtmsg *rtm;
	struct rtnexthop nh = {.rtnh_len = sizeof(nh), .rtnh_ifindex = 9};

	(void)unused;
	route_msg(&m, buf, AF_INET, RTN_LOCAL);
	nl_put_u32(&m, RTA_OIF, 1);
	assert_int_equal(route_decode(m.nlh, &rm), 1);
	assert_int_equal(rm.oif, 1); /* still read: `ip route get` of a local address */
	rtm = route_msg(&m, buf, AF_INET, RTN_UNICAST);
	rtm->rtm_flags = RTM_F_CLONED;
	assert_int_equal(route_decode(m.nlh, &rm), 1);
	route_msg(&m, buf, 28 /* AF_MPLS */, RTN_UNICAST);
	assert_int_equal(route_decode(m.nlh, &rm), 1);
	/* IPv6 puts unreachable routes on lo: the model has no device for them. */
	route_msg(&m, buf, AF_INET6, RTN_UNREACHABLE);
	nl_put_u32(&m, RTA_OIF, 1);
	assert_int_equal(route_decode(m.nlh, &rm), 0);
	assert_int_equal(rm.oif, 0);
	assert_int_equal(rm.route.type, ROUTE_UNREACHABLE);
	/* Multipath: each way's device and weight, and a gateway route's default scope. */
	route_msg(&m, buf, AF_INET, RTN_UNICAST);
	nl_put(&m, RTA_MULTIPATH, &nh, sizeof(nh));
	assert_int_equal(route_decode(m.nlh, &rm), 0);
	assert_int_equal(rm.route.n_nh, 1);
	assert_int_equal(rm.nh_oif[0], 9);
	assert_int_equal(rm.route.nh[0].weight, 1);
	assert_true(rm.gateway);
	assert_int_equal(rm.route.scope, 0);
}

static struct fib_rule_hdr *rule_msg(struct nl_msg *m, uint8_t *buf, uint8_t family, uint8_t action)
{
	struct fib_rule_hdr *frh =
	    nl_msg_init(m, buf, KMSG_MAX, RTM_NEWRULE, NLM_F_MULTI, sizeof(*frh));

	frh->family = family;
	frh->action = action;
	return frh;
}

static void rule_decoder_defaults_and_malformed(void **unused)
{
	uint8_t buf[KMSG_MAX];
	struct st_rule r;
	struct nl_msg m;
	struct fib_rule_hdr *frh;

	(void)unused;
	/* A mark without a mask is the whole mark; no suppress attribute is -1. */
	rule_msg(&m, buf, AF_INET, FR_ACT_TO_TBL);
	nl_put_u32(&m, FRA_FWMARK, 5);
	nl_put_u32(&m, FRA_TABLE, 1000);
	nl_put_u64(&m, 0x7ff0, 42); /* unknown */
	assert_int_equal(rule_decode(m.nlh, &r), 0);
	assert_int_equal(r.fwmark, 5);
	assert_int_equal(r.fwmask, UINT32_MAX);
	assert_int_equal(r.suppress_prefixlen, -1);
	assert_int_equal(r.table, 1000);
	/* An unterminated interface name, and one longer than IFNAMSIZ. */
	rule_msg(&m, buf, AF_INET, FR_ACT_TO_TBL);
	nl_put(&m, FRA_IIFNAME, "wg0", 3);
	assert_int_equal(rule_decode(m.nlh, &r), -EBADMSG);
	rule_msg(&m, buf, AF_INET, FR_ACT_TO_TBL);
	nl_put_str(&m, FRA_OIFNAME, "a-name-far-too-long");
	assert_int_equal(rule_decode(m.nlh, &r), -EBADMSG);
	/* A uid range of the wrong size; a source longer than its address. */
	rule_msg(&m, buf, AF_INET, FR_ACT_TO_TBL);
	nl_put_u32(&m, FRA_UID_RANGE, 0);
	assert_int_equal(rule_decode(m.nlh, &r), -EBADMSG);
	frh = rule_msg(&m, buf, AF_INET, FR_ACT_TO_TBL);
	frh->src_len = 40;
	nl_put(&m, FRA_SRC, pfx("10.0.0.0").addr, 4);
	assert_int_equal(rule_decode(m.nlh, &r), -EBADMSG);
	/* What the model cannot hold is left out, not widened. */
	rule_msg(&m, buf, AF_INET, FR_ACT_GOTO);
	assert_int_equal(rule_decode(m.nlh, &r), 1);
	frh = rule_msg(&m, buf, AF_INET, FR_ACT_TO_TBL);
	frh->tos = 0x10;
	assert_int_equal(rule_decode(m.nlh, &r), 1);
	rule_msg(&m, buf, AF_INET, FR_ACT_TO_TBL);
	nl_put_u8(&m, FRA_L3MDEV, 1);
	assert_int_equal(rule_decode(m.nlh, &r), 1);
	rule_msg(&m, buf, 128 /* RTNL_FAMILY_IPMR */, FR_ACT_TO_TBL);
	assert_int_equal(rule_decode(m.nlh, &r), 1);
}

/* The same rule read back from what its deletion would send. */
static void rule_round_trip(const struct st_rule *r)
{
	uint8_t buf[KMSG_MAX];
	struct st_rule again;

	assert_true(rule_encode(buf, sizeof(buf), OP_DEL, r) > 0);
	assert_int_equal(rule_decode(as_dump(buf, RTM_NEWRULE), &again), 0);
	assert_int_equal(st_rule_key_cmp(&again, r), 0);
}

/*
 * What a rule holds without effect is left out of the model, as the encoder
 * leaves it out: a mark under an empty mask (matches every mark), the table
 * of a rule that is not a lookup, a negative suppress_prefixlength (never
 * suppresses). Otherwise what is read from the kernel would not be what its
 * deletion sends (the kernel takes a missing selector for a wildcard), nor
 * equal to the same rule compiled.
 */
static void rule_decoder_drops_what_has_no_effect(void **unused)
{
	/* Linux 6.1's dump of `ip rule add fwmark 5/0 table 6 pref 700 proto 87`. */
	static const uint8_t mark_no_mask[] = {
	    NLH(76, RTM_NEWRULE, NLM_F_MULTI),
	    AF_INET, 0, 0, 0, 6, 0, 0, FR_ACT_TO_TBL, U32(0),
	    NLA(8, FRA_TABLE), U32(6),
	    NLA(8, FRA_SUPPRESS_PREFIXLEN), U32(UINT32_MAX),
	    NLA(5, FRA_PROTOCOL), 87, 0, 0, 0,
	    NLA(8, FRA_PRIORITY), U32(700),
	    NLA(8, FRA_FWMARK), U32(5),
	    NLA(8, FRA_FWMASK), U32(0),
	};
	/* And of `ip rule add unreachable table 5 pref 1000 proto 87`. */
	static const uint8_t unreachable_table[] = {
	    NLH(60, RTM_NEWRULE, NLM_F_MULTI),
	    AF_INET, 0, 0, 0, 5, 0, 0, FR_ACT_UNREACHABLE, U32(0),
	    NLA(8, FRA_TABLE), U32(5),
	    NLA(8, FRA_SUPPRESS_PREFIXLEN), U32(UINT32_MAX),
	    NLA(5, FRA_PROTOCOL), 87, 0, 0, 0,
	    NLA(8, FRA_PRIORITY), U32(1000),
	};
	uint8_t buf[KMSG_MAX];
	struct st_rule r;
	struct nl_msg m;

	(void)unused;
	memcpy(buf, mark_no_mask, sizeof(mark_no_mask));
	assert_int_equal(rule_decode((struct nlmsghdr *)buf, &r), 0);
	assert_int_equal(r.fwmark, 0);
	assert_int_equal(r.fwmask, 0);
	assert_int_equal(r.table, 6);
	assert_int_equal(r.suppress_prefixlen, -1);
	rule_round_trip(&r);
	memcpy(buf, unreachable_table, sizeof(unreachable_table));
	assert_int_equal(rule_decode((struct nlmsghdr *)buf, &r), 0);
	assert_int_equal(r.action, RULE_UNREACHABLE);
	assert_int_equal(r.table, 0);
	assert_int_equal(r.priority, 1000);
	rule_round_trip(&r);
	/* ip refuses a negative suppress_prefixlength; the kernel stores one from anyone else. */
	rule_msg(&m, buf, AF_INET, FR_ACT_TO_TBL);
	nl_put_u32(&m, FRA_TABLE, 1000);
	nl_put_u32(&m, FRA_SUPPRESS_PREFIXLEN, (uint32_t)-2);
	assert_int_equal(rule_decode(m.nlh, &r), 0);
	assert_int_equal(r.suppress_prefixlen, -1);
	rule_round_trip(&r);
}

static void addr_and_link_decoders_malformed(void **unused)
{
	uint8_t buf[KMSG_MAX];
	struct addr_msg am;
	struct link_msg lm;
	struct nlattr *nest;
	struct nl_msg m;
	struct ifaddrmsg *ifa;

	(void)unused;
	/* IPv6 names its address IFA_ADDRESS alone. */
	ifa = nl_msg_init(&m, buf, sizeof(buf), RTM_NEWADDR, NLM_F_MULTI, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = 64;
	nl_put(&m, IFA_ADDRESS, pfx("fd00::1").addr, 16);
	assert_int_equal(addr_decode(m.nlh, &am), 0);
	assert_int_equal(am.addr.addr.len, 64);
	ifa = nl_msg_init(&m, buf, sizeof(buf), RTM_NEWADDR, NLM_F_MULTI, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	assert_int_equal(addr_decode(m.nlh, &am), -EBADMSG); /* no address at all */
	ifa = nl_msg_init(&m, buf, sizeof(buf), RTM_NEWADDR, NLM_F_MULTI, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	nl_put(&m, IFA_LOCAL, pfx("fd00::1").addr, 16);
	assert_int_equal(addr_decode(m.nlh, &am), -EBADMSG);

	/* A link without a name, or with an empty one; a kind nested wrong. */
	nl_msg_init(&m, buf, sizeof(buf), RTM_NEWLINK, NLM_F_MULTI, sizeof(struct ifinfomsg));
	nl_put_u32(&m, IFLA_MTU, 1500);
	assert_int_equal(link_decode(m.nlh, &lm), -EBADMSG);
	nl_put_str(&m, IFLA_IFNAME, "");
	assert_int_equal(link_decode(m.nlh, &lm), -EBADMSG);
	nl_msg_init(&m, buf, sizeof(buf), RTM_NEWLINK, NLM_F_MULTI, sizeof(struct ifinfomsg));
	nl_put_str(&m, IFLA_IFNAME, "wg0");
	nest = nl_nest_start(&m, IFLA_LINKINFO);
	nl_put(&m, IFLA_INFO_KIND, "tun", 3);
	nl_nest_end(&m, nest);
	assert_int_equal(link_decode(m.nlh, &lm), -EBADMSG);
	/* The wrong message type for the decoder. */
	assert_int_equal(rule_decode(m.nlh, &(struct st_rule){0}), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(route_add_v4_big_table),
	    cmocka_unit_test(route_replace_v6_small_table),
	    cmocka_unit_test(route_unreachable_add_and_del),
	    cmocka_unit_test(route_default_and_explicit_scope),
	    cmocka_unit_test(route_get_with_mark),
	    cmocka_unit_test(route_query_every_selector),
	    cmocka_unit_test(route_get_answers),
	    cmocka_unit_test(addr_add_v4_del_v6),
	    cmocka_unit_test(link_create_set_del),
	    cmocka_unit_test(rule_every_selector),
	    cmocka_unit_test(rule_v6_suppress_and_actions),
	    cmocka_unit_test(dump_and_genl_requests),
	    cmocka_unit_test(nft_requests),
	    cmocka_unit_test(nft_gen_answers),
	    cmocka_unit_test(nft_table_answers),
	    cmocka_unit_test(nft_chain_answers),
	    cmocka_unit_test(nft_comment_hashes),
	    cmocka_unit_test(refuses_what_it_cannot_express),
	    cmocka_unit_test(short_buffers_are_refused),
	    cmocka_unit_test(routes_decode_as_encoded),
	    cmocka_unit_test(route_with_gateway),
	    cmocka_unit_test(multipath_round_trip),
	    cmocka_unit_test(foreign_multipath_of_many_ways),
	    cmocka_unit_test(multipath_v6_gateways_round_trip),
	    cmocka_unit_test(multipath_misuse),
	    cmocka_unit_test(rules_decode_as_encoded),
	    cmocka_unit_test(addrs_and_links_decode_as_encoded),
	    cmocka_unit_test(route_decoder_skips_unknown_attributes),
	    cmocka_unit_test(route_decoder_rejects_malformed),
	    cmocka_unit_test(route_decoder_leaves_out_the_unmodelled),
	    cmocka_unit_test(route_decoder_masks_the_destination),
	    cmocka_unit_test(rule_decoder_defaults_and_malformed),
	    cmocka_unit_test(rule_decoder_drops_what_has_no_effect),
	    cmocka_unit_test(addr_and_link_decoders_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
