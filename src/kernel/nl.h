/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_KERNEL_NL_H
#define WGP_KERNEL_NL_H

/*
 * Netlink for every bus wgpolicy speaks (NETLINK_ROUTE, NETLINK_GENERIC,
 * NETLINK_NETFILTER), over libmnl. Three parts:
 *
 *  1. Building messages into a caller's buffer (struct nl_msg): pure, every
 *     write checked against the buffer's size; an overflow is sticky and
 *     nl_msg_end() reports it, so encoders stay straight-line code.
 *  2. Validating received messages through a const table per message type
 *     (struct nl_policy): unknown attributes are skipped, attributes of the
 *     wrong size rejected. Pure.
 *  3. The socket (struct nl): increasing sequence numbers, extended acks,
 *     request/dump with callbacks, batches of many messages in one sendmsg
 *     with every acknowledgement mapped back to its message, and generic
 *     netlink family resolution. nl.c is the only file that sends netlink.
 *
 * All functions return 0 (or a length) on success and a negative errno on
 * failure.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

/* ---- 1. Building messages ---------------------------------------------------------------- */

struct nl_msg {
	struct nlmsghdr *nlh; /* NULL when even the headers did not fit */
	size_t cap;	      /* bytes available at nlh */
	bool overflow;	      /* a write did not fit: nl_msg_end() says -EMSGSIZE */
};

/*
 * Start a message of @type with @flags in @buf (@cap bytes), followed by a
 * zeroed family header of @hdrlen bytes (struct rtmsg, genlmsghdr, ...),
 * returned (NULL on overflow) for the caller to fill. nlmsg_seq and
 * nlmsg_pid stay 0: the socket stamps them when it sends.
 */
void *nl_msg_init(struct nl_msg *m, void *buf, size_t cap, uint16_t type, uint16_t flags,
		  size_t hdrlen);
void nl_put(struct nl_msg *m, uint16_t type, const void *data, size_t len);
void nl_put_u8(struct nl_msg *m, uint16_t type, uint8_t v);
void nl_put_u16(struct nl_msg *m, uint16_t type, uint16_t v);
void nl_put_u32(struct nl_msg *m, uint16_t type, uint32_t v);
void nl_put_u64(struct nl_msg *m, uint16_t type, uint64_t v);
/* A NUL-terminated string attribute, NUL included (as the kernel's NLA_NUL_STRING wants). */
void nl_put_str(struct nl_msg *m, uint16_t type, const char *s);
/* Open a nested attribute; close it with nl_nest_end(). NULL on overflow (nl_nest_end accepts it).
 */
struct nlattr *nl_nest_start(struct nl_msg *m, uint16_t type);
void nl_nest_end(struct nl_msg *m, struct nlattr *nest);
/* The message's length, or -EMSGSIZE if anything did not fit. */
int nl_msg_end(const struct nl_msg *m);

/*
 * A generic netlink message: netlink header of type @family, then struct
 * genlmsghdr { @cmd, @version }. Returns like nl_msg_init (non-NULL when it fit).
 */
void *nl_genl_msg_init(struct nl_msg *m, void *buf, size_t cap, uint16_t family, uint8_t cmd,
		       uint8_t version, uint16_t flags);

/* ---- 2. Validating messages -------------------------------------------------------------- */

enum nl_attr_kind {
	NL_A_UNSPEC = 0, /* not listed: skipped, whatever its size */
	NL_A_U8,
	NL_A_U16,
	NL_A_U32,
	NL_A_U64,
	NL_A_STRING, /* NUL-terminated within the attribute, at most .len bytes with the NUL */
	NL_A_NESTED, /* any size; parse it with nl_parse_nested() */
	NL_A_BINARY, /* exactly .len bytes; .len 0: any size (addresses: see nl_attr_addr) */
	NL_A_FLAG,   /* no payload */
};

struct nl_policy {
	uint8_t kind; /* enum nl_attr_kind */
	uint16_t len;
};

/*
 * Split the attributes of @nlh (after @hdrlen bytes of family header) into
 * @tb[0..maxtype], validated by @pol[0..maxtype]: attributes beyond maxtype
 * or NL_A_UNSPEC are skipped; a wrong size, an unterminated string or an
 * attribute running past the message is -EBADMSG. A header shorter than
 * @hdrlen is -EBADMSG too. NLA_F_NESTED and NLA_F_NET_BYTEORDER are ignored.
 */
int nl_parse(const struct nlmsghdr *nlh, size_t hdrlen, const struct nl_policy *pol,
	     uint16_t maxtype, const struct nlattr **tb);
int nl_parse_nested(const struct nlattr *nest, const struct nl_policy *pol, uint16_t maxtype,
		    const struct nlattr **tb);
/* The same over @len bytes at @p: attributes after a header of their own (struct rtnexthop). */
int nl_parse_buf(const void *p, size_t len, const struct nl_policy *pol, uint16_t maxtype,
		 const struct nlattr **tb);
/* The family header of @nlh if the message holds @hdrlen bytes of it, else NULL. */
const void *nl_msg_header(const struct nlmsghdr *nlh, size_t hdrlen);

/* Copy an address attribute of @family (AF_INET: 4 bytes, AF_INET6: 16); -EBADMSG on size. */
int nl_attr_addr(const struct nlattr *a, uint8_t family, uint8_t out[16]);

/* ---- 3. The socket ----------------------------------------------------------------------- */

struct nl;

/* Text of an extended ack (NLMSGERR_ATTR_MSG), truncated to fit. */
#define NL_ERRMSG_MAX 256

/* What the kernel said about one request: its errno and its extended ack text ("" if none). */
struct nl_ack {
	int error; /* 0 or negative errno */
	char msg[NL_ERRMSG_MAX];
};

/*
 * Open a netlink socket on @bus (NETLINK_ROUTE, NETLINK_GENERIC, NETLINK_NETFILTER) with
 * NETLINK_EXT_ACK and NETLINK_CAP_ACK on. NULL with errno set on failure.
 * nl_open_route() (kernel.h) is nl_open(NETLINK_ROUTE).
 */
struct nl *nl_open(int bus);
void nl_close(struct nl *nl);
/*
 * Strict checking of requests (NETLINK_GET_STRICT_CHK, Linux 4.20 and
 * later): a dump then applies the filters its header carries (a route
 * dump's table, protocol, type), and the kernel refuses what it cannot read
 * whole. Off by default; a kernel without it keeps ignoring the filters, so
 * a caller filters the replies too.
 */
void nl_set_strict(struct nl *nl, bool on);

/* Called for every reply message that is not an ack; a negative return stops (and is returned). */
typedef int (*nl_msg_cb)(const struct nlmsghdr *nlh, void *data);

/*
 * Send one request (built with nl_msg; the length is taken from its header)
 * and run @cb over the replies. The socket stamps a fresh sequence number.
 * With NLM_F_DUMP in the request, the replies run until NLMSG_DONE;
 * otherwise NLM_F_ACK is added and they run until the ack. Replies to other
 * sequence numbers are dropped. Returns 0, the kernel's error (with its ext
 * ack text in @ack if not NULL), @cb's first negative return, or -EAGAIN when
 * the kernel marked the dump inconsistent (NLM_F_DUMP_INTR: the caller may
 * retry from scratch). The reply is always read to its end, so the socket
 * stays usable after any error.
 */
int nl_call(struct nl *nl, struct nlmsghdr *req, nl_msg_cb cb, void *data, struct nl_ack *ack);

/*
 * A batch: many requests in one sendmsg, each acknowledged, every ack
 * (or NLMSG_ERROR) mapped back to the @tag its message was added with by
 * its sequence number. The kernel executes all the messages of a sendmsg
 * even when one fails, so every tag gets its own result.
 *
 *	struct nl_batch b;
 *	nl_batch_init(&b, nl, on_result, ctx);
 *	for (...) {
 *		void *buf = nl_batch_reserve(&b, 1024);     (room for one message)
 *		int len = encode(obj, buf, 1024);           (nl_msg into buf)
 *		err = len < 0 ? len : nl_batch_add(&b, tag);
 *	}
 *	err = nl_batch_flush(&b);
 *	nl_batch_free(&b);
 *
 * nl_batch_add() sends by itself when the batch is full (a few hundred
 * messages, so the acks fit the socket's receive buffer), which calls
 * @cb for those messages before nl_batch_add returns.
 */
typedef void (*nl_result_cb)(void *data, size_t tag, const struct nl_ack *ack);
/*
 * A message the kernel sent for a request of the batch before its ack: what
 * NLM_F_ECHO asks for (the object as the kernel stored it). See nl_batch_on_reply.
 */
typedef void (*nl_reply_cb)(void *data, size_t tag, const struct nlmsghdr *nlh);

struct nl_batch_entry;

struct nl_batch {
	struct nl *nl;
	nl_result_cb cb;
	nl_reply_cb reply; /* NULL: replies other than acks are dropped */
	void *data;
	uint8_t *buf;
	size_t len, cap;
	struct nl_batch_entry *msgs;
	size_t n, msgs_cap;
	size_t answers; /* what the queued messages will have the kernel send: acks and echoes */
};

void nl_batch_init(struct nl_batch *b, struct nl *nl, nl_result_cb cb, void *data);
/*
 * Also hand @reply the messages that answer a request before its ack (the
 * echo of one sent with NLM_F_ECHO), with the request's tag. A message with
 * NLM_F_ECHO counts twice towards a full batch: its echo takes receive
 * buffer as its ack does.
 */
void nl_batch_on_reply(struct nl_batch *b, nl_reply_cb reply);
/* Room for a message of up to @max bytes at the batch's end; NULL when out of memory. */
void *nl_batch_reserve(struct nl_batch *b, size_t max);
/*
 * Queue the message just built at the reserved place, tagged @tag: stamps
 * its sequence number and NLM_F_ACK. Returns 0, or the error of sending
 * the batch when it was full (the results went to the callback).
 */
int nl_batch_add(struct nl_batch *b, size_t tag);
/*
 * Send what is queued and wait for every ack. Returns 0 when the exchange
 * worked (the results, failed ones included, went to the callback), or a
 * negative errno when it did not (the messages without an answer are
 * reported to the callback with that error).
 */
int nl_batch_flush(struct nl_batch *b);
void nl_batch_free(struct nl_batch *b);

/* ---- Generic netlink ---------------------------------------------------------------------- */

struct nl_genl_family {
	uint16_t id;
	uint8_t version;
	uint32_t hdrsize; /* the family's own header after genlmsghdr */
	uint32_t maxattr;
};

/*
 * Resolve a generic netlink family by name (CTRL_CMD_GETFAMILY) on a
 * NETLINK_GENERIC socket. -ENOENT when the kernel does not know it.
 */
int nl_genl_family(struct nl *nl, const char *name, struct nl_genl_family *fam);

#endif
