// SPDX-License-Identifier: GPL-2.0-or-later
/* The netlink socket: the only code of wgpolicy that sends netlink (see nl.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "kernel/kernel.h"
#include "kernel/nl.h"

/*
 * Dump replies come in skbs of up to 32 KiB (the kernel sizes them after
 * the largest read it has seen, capped there); a generic netlink dump may
 * ask for more, so read with twice that.
 */
#define NL_RECV_SIZE 65536

/*
 * A batch is sent when its messages make this many answers, or hold this
 * many bytes. The kernel queues one ack skb (about 1 KiB of receive buffer
 * each, counted by truesize) per message, and one more per echo, before we
 * read any: too many and the last are dropped with ENOBUFS, their results lost.
 */
#define NL_BATCH_MAX_ANSWERS 256
#define NL_BATCH_MAX_BYTES   65536
#define NL_RCVBUF	     (1 << 20)

struct nl {
	struct mnl_socket *sock;
	uint32_t seq;
	uint8_t *rbuf;
};

struct nl_batch_entry {
	uint32_t seq;
	bool answered;
	size_t tag;
};

static void set_opt(struct nl *nl, int level, int name, int v)
{
	setsockopt(mnl_socket_get_fd(nl->sock), level, name, &v, sizeof(v));
}

struct nl *nl_open(int bus)
{
	struct nl *nl = calloc(1, sizeof(*nl));
	int err = ENOMEM;

	if (!nl || !(nl->rbuf = malloc(NL_RECV_SIZE)))
		goto fail;
	nl->sock = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail_errno;
	nl->seq = (uint32_t)time(NULL);
	/* Without ext acks a failed route is just "Invalid argument"; the text says which part. */
	if (mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &(int){1}, sizeof(int)) < 0)
		goto fail_errno;
	/* Errors need not echo our whole request back: it would only eat receive buffer. */
	set_opt(nl, SOL_NETLINK, NETLINK_CAP_ACK, 1);
	/* Room for a full batch of acks; FORCE works for root beyond rmem_max, else best effort. */
	set_opt(nl, SOL_SOCKET, SO_RCVBUF, NL_RCVBUF);
	set_opt(nl, SOL_SOCKET, SO_RCVBUFFORCE, NL_RCVBUF);
	return nl;
fail_errno:
	err = errno;
fail:
	nl_close(nl);
	errno = err;
	return NULL;
}

void nl_set_strict(struct nl *nl, bool on)
{
	set_opt(nl, SOL_NETLINK, NETLINK_GET_STRICT_CHK, on);
}

struct nl *nl_open_route(void)
{
	return nl_open(NETLINK_ROUTE);
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->rbuf);
	free(nl);
}

static int nl_send(struct nl *nl, const void *buf, size_t len)
{
	ssize_t n = mnl_socket_sendto(nl->sock, buf, len);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

/* One read; its length, or a negative errno (MSG_TRUNC comes back from mnl as ENOSPC). */
static ssize_t nl_recv(struct nl *nl)
{
	ssize_t n;

	do
		n = mnl_socket_recvfrom(nl->sock, nl->rbuf, NL_RECV_SIZE);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static const struct nl_policy errattr_policy[NLMSGERR_ATTR_MSG + 1] = {
    [NLMSGERR_ATTR_MSG] = {NL_A_STRING, 0},
};

/* The extended ack TLVs of an NLMSG_ERROR or NLMSG_DONE, which start @off bytes into it. */
static void parse_ext_ack(const struct nlmsghdr *nlh, size_t off, struct nl_ack *ack)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MSG + 1];

	ack->msg[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    nl_parse(nlh, off, errattr_policy, NLMSGERR_ATTR_MSG, tb) < 0 || !tb[NLMSGERR_ATTR_MSG])
		return;
	snprintf(ack->msg, sizeof(ack->msg), "%s", mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
}

/* An NLMSG_ERROR: error 0 is the ack. */
static void parse_error(const struct nlmsghdr *nlh, struct nl_ack *ack)
{
	const struct nlmsgerr *e = nl_msg_header(nlh, sizeof(*e));
	size_t off = sizeof(*e);

	if (!e) {
		ack->error = -EBADMSG;
		ack->msg[0] = '\0';
		return;
	}
	ack->error = e->error > 0 ? -e->error : e->error;
	/* Uncapped, the request's own payload sits between the error and the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len > MNL_NLMSG_HDRLEN)
		off += MNL_ALIGN(e->msg.nlmsg_len - MNL_NLMSG_HDRLEN);
	parse_ext_ack(nlh, off, ack);
}

/* A dump's NLMSG_DONE carries the dump's own error, and ext acks after it. */
static void parse_done(const struct nlmsghdr *nlh, struct nl_ack *ack)
{
	const int *e = nl_msg_header(nlh, sizeof(int));

	ack->error = e && *e < 0 ? *e : 0;
	parse_ext_ack(nlh, sizeof(int), ack);
}

struct call {
	uint32_t seq;
	nl_msg_cb cb;
	void *data;
	struct nl_ack ack;
	int cb_err;
	bool intr, done;
};

static void call_one(struct call *c, const struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_seq != c->seq || nlh->nlmsg_type == NLMSG_NOOP)
		return;
	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR:
		parse_error(nlh, &c->ack);
		c->done = true;
		return;
	case NLMSG_DONE:
		parse_done(nlh, &c->ack);
		c->done = true;
		return;
	case NLMSG_OVERRUN:
		c->ack.error = -EOVERFLOW;
		c->done = true;
		return;
	}
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		c->intr = true;
	/* After a callback failed, keep reading (so the socket stays in step) but stop calling. */
	if (!c->cb_err && c->cb)
		c->cb_err = c->cb(nlh, c->data);
	if (c->cb_err > 0)
		c->cb_err = 0;
}

int nl_call(struct nl *nl, struct nlmsghdr *req, nl_msg_cb cb, void *data, struct nl_ack *ack)
{
	struct call c = {.seq = ++nl->seq, .cb = cb, .data = data};
	int err;

	if ((req->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		req->nlmsg_flags |= NLM_F_ACK;
	req->nlmsg_flags |= NLM_F_REQUEST;
	req->nlmsg_seq = c.seq;
	req->nlmsg_pid = 0;
	err = nl_send(nl, req, req->nlmsg_len);
	while (!err && !c.done) {
		ssize_t n = nl_recv(nl);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)nl->rbuf;
		int left = (int)n;

		if (n < 0) {
			err = (int)n;
			break;
		}
		for (; mnl_nlmsg_ok(nlh, left) && !c.done; nlh = mnl_nlmsg_next(nlh, &left))
			call_one(&c, nlh);
	}
	if (!err)
		err = c.ack.error ? c.ack.error : c.cb_err ? c.cb_err : c.intr ? -EAGAIN : 0;
	if (ack) {
		*ack = c.ack;
		ack->error = err;
	}
	return err;
}

/* ---- Batches ---- */

void nl_batch_init(struct nl_batch *b, struct nl *nl, nl_result_cb cb, void *data)
{
	memset(b, 0, sizeof(*b));
	b->nl = nl;
	b->cb = cb;
	b->data = data;
}

void nl_batch_on_reply(struct nl_batch *b, nl_reply_cb reply)
{
	b->reply = reply;
}

void nl_batch_free(struct nl_batch *b)
{
	free(b->buf);
	free(b->msgs);
	b->buf = NULL;
	b->msgs = NULL;
	b->len = b->cap = b->n = b->msgs_cap = b->answers = 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t elsize)
{
	size_t ncap = *cap ? *cap : 16;
	void *np;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * elsize);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

void *nl_batch_reserve(struct nl_batch *b, size_t max)
{
	if (grow((void **)&b->buf, &b->cap, b->len + MNL_ALIGN(max), 1) < 0)
		return NULL;
	return b->buf + b->len;
}

int nl_batch_add(struct nl_batch *b, size_t tag)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)(b->buf + b->len);
	struct nl_batch_entry *e;

	if (b->len + MNL_NLMSG_HDRLEN > b->cap || nlh->nlmsg_len < MNL_NLMSG_HDRLEN ||
	    b->len + nlh->nlmsg_len > b->cap)
		return -EINVAL;
	if (grow((void **)&b->msgs, &b->msgs_cap, b->n + 1, sizeof(*b->msgs)) < 0)
		return -ENOMEM;
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++b->nl->seq;
	nlh->nlmsg_pid = 0;
	e = &b->msgs[b->n++];
	*e = (struct nl_batch_entry){.seq = nlh->nlmsg_seq, .tag = tag};
	b->len += MNL_ALIGN(nlh->nlmsg_len);
	b->answers += nlh->nlmsg_flags & NLM_F_ECHO ? 2 : 1;
	if (b->answers >= NL_BATCH_MAX_ANSWERS || b->len >= NL_BATCH_MAX_BYTES)
		return nl_batch_flush(b);
	return 0;
}

/* Map one message read back to its batch entry; returns whether it was that entry's ack. */
static bool batch_answer(struct nl_batch *b, const struct nlmsghdr *nlh)
{
	uint32_t i = nlh->nlmsg_seq - b->msgs[0].seq;
	struct nl_ack ack;

	if (i >= b->n || b->msgs[i].seq != nlh->nlmsg_seq || b->msgs[i].answered)
		return false;
	if (nlh->nlmsg_type != NLMSG_ERROR) {
		/* An echo comes before the ack, from the handler that did the work. */
		if (b->reply && nlh->nlmsg_type >= NLMSG_MIN_TYPE)
			b->reply(b->data, b->msgs[i].tag, nlh);
		return false;
	}
	parse_error(nlh, &ack);
	b->msgs[i].answered = true;
	b->cb(b->data, b->msgs[i].tag, &ack);
	return true;
}

static int batch_collect(struct nl_batch *b)
{
	size_t answered = 0;

	while (answered < b->n) {
		ssize_t n = nl_recv(b->nl);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)b->nl->rbuf;
		int left = (int)n;

		if (n < 0)
			return (int)n;
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
			answered += batch_answer(b, nlh);
	}
	return 0;
}

int nl_batch_flush(struct nl_batch *b)
{
	int err;
	size_t i;

	if (!b->n)
		return 0;
	err = nl_send(b->nl, b->buf, b->len);
	if (!err)
		err = batch_collect(b);
	for (i = 0; err && i < b->n; i++) {
		struct nl_ack ack = {.error = err};

		if (!b->msgs[i].answered)
			b->cb(b->data, b->msgs[i].tag, &ack);
	}
	b->n = 0;
	b->len = 0;
	b->answers = 0;
	return err;
}

/* ---- Generic netlink ---- */

static const struct nl_policy ctrl_policy[CTRL_ATTR_MAXATTR + 1] = {
    [CTRL_ATTR_FAMILY_ID] = {NL_A_U16, 0}, [CTRL_ATTR_FAMILY_NAME] = {NL_A_STRING, GENL_NAMSIZ},
    [CTRL_ATTR_VERSION] = {NL_A_U32, 0},   [CTRL_ATTR_HDRSIZE] = {NL_A_U32, 0},
    [CTRL_ATTR_MAXATTR] = {NL_A_U32, 0},
};

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_genl_family *fam = data;
	const struct nlattr *tb[CTRL_ATTR_MAXATTR + 1];
	int err = nl_parse(nlh, GENL_HDRLEN, ctrl_policy, CTRL_ATTR_MAXATTR, tb);

	if (err < 0)
		return err;
	if (!tb[CTRL_ATTR_FAMILY_ID])
		return -EBADMSG;
	fam->id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	fam->version = tb[CTRL_ATTR_VERSION] ? (uint8_t)mnl_attr_get_u32(tb[CTRL_ATTR_VERSION]) : 0;
	fam->hdrsize = tb[CTRL_ATTR_HDRSIZE] ? mnl_attr_get_u32(tb[CTRL_ATTR_HDRSIZE]) : 0;
	fam->maxattr = tb[CTRL_ATTR_MAXATTR] ? mnl_attr_get_u32(tb[CTRL_ATTR_MAXATTR]) : 0;
	return 0;
}

int nl_genl_family(struct nl *nl, const char *name, struct nl_genl_family *fam)
{
	uint8_t buf[256];
	struct nl_msg m;

	memset(fam, 0, sizeof(*fam));
	nl_genl_msg_init(&m, buf, sizeof(buf), GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_REQUEST);
	nl_put_str(&m, CTRL_ATTR_FAMILY_NAME, name);
	if (nl_msg_end(&m) < 0)
		return -ENAMETOOLONG;
	int err = nl_call(nl, m.nlh, family_cb, fam, NULL);

	/* Without the reply, the ack alone is no answer. */
	return err ? err : fam->id ? 0 : -ENOENT;
}
