// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Executing a plan's link, address, route and rule ops: links one at a time
 * (what follows may need the new link's index), everything else batched.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/codec.h"
#include "kernel/kernel.h"
#include "kernel/nl.h"

/* Plans name few devices, each for many routes: remember the last few lookups. */
#define IFCACHE 8

struct exec {
	struct nl *nl;
	const struct op *ops;
	int *status;
	bool *stored;	       /* NULL: no route is to be confirmed */
	struct route_msg *echo; /* where an echo is decoded (11 kB: not on the stack) */
	char *errmsg;
	size_t errlen;
	size_t first_failed; /* n while none failed */
	struct {
		char name[IFNAMSIZ];
		int ifindex;
	} cache[IFCACHE];
	unsigned next_slot;
};

static void fail(struct exec *x, size_t i, int err, const char *msg)
{
	x->status[i] = err;
	if (i >= x->first_failed)
		return;
	x->first_failed = i;
	if (x->errmsg && x->errlen)
		snprintf(x->errmsg, x->errlen, "%s", msg);
}

static bool is_route_delete(const struct op *op)
{
	return op->type == OBJ_ROUTE && op->kind == OP_DEL;
}

static void on_result(void *data, size_t tag, const struct nl_ack *ack)
{
	struct exec *x = data;

	x->status[tag] = ack->error;
	if (ack->error)
		fail(x, tag, ack->error, ack->msg);
	/* A delete names the route whole (identity, type, protocol): acknowledged, it is gone. */
	if (x->stored)
		x->stored[tag] = ack->error ? false : x->stored[tag] || is_route_delete(&x->ops[tag]);
}

/* The index of device @name (0 if none), from the cache or the kernel. */
static int lookup_index(struct exec *x, const char *name)
{
	unsigned s;
	int ifindex;

	for (s = 0; s < IFCACHE; s++)
		if (x->cache[s].ifindex && !strcmp(x->cache[s].name, name))
			return x->cache[s].ifindex;
	ifindex = (int)if_nametoindex(name);
	if (ifindex <= 0)
		return 0;
	s = x->next_slot++ % IFCACHE;
	snprintf(x->cache[s].name, IFNAMSIZ, "%s", name);
	x->cache[s].ifindex = ifindex;
	return ifindex;
}

/* The index of device @name, or a negative errno with the message `ip` would give. */
static int resolve(struct exec *x, size_t i, const char *name)
{
	int ifindex = lookup_index(x, name);
	char msg[64];

	if (ifindex)
		return ifindex;
	snprintf(msg, sizeof(msg), "Cannot find device \"%s\"", name);
	fail(x, i, -ENODEV, msg);
	return -ENODEV;
}

/*
 * The echo's devices are indexes: each takes the name asked for when the
 * index is that device's. Any other stays unnamed, so the route differs.
 */
static void name_echo(struct exec *x, const struct st_route *want, struct route_msg *echo)
{
	struct st_route *r = &echo->route;
	uint8_t k;

	if (echo->oif && want->ifname[0] && echo->oif == lookup_index(x, want->ifname))
		memcpy(r->ifname, want->ifname, sizeof(r->ifname));
	for (k = 0; k < r->n_nh && k < want->n_nh; k++)
		if (echo->nh_oif[k] == lookup_index(x, want->nh[k].ifname))
			memcpy(r->nh[k].ifname, want->nh[k].ifname, sizeof(r->nh[k].ifname));
}

/* The route as the kernel stored it, sent before the ack: is it the one asked for? */
static void on_echo(void *data, size_t tag, const struct nlmsghdr *nlh)
{
	struct exec *x = data;
	const struct op *op = &x->ops[tag];

	if (op->type != OBJ_ROUTE || route_decode(nlh, x->echo))
		return;
	name_echo(x, op->obj, x->echo);
	x->stored[tag] = st_route_equal(op->obj, &x->echo->route);
}

static int encode_op(struct exec *x, size_t i, void *buf)
{
	const struct op *op = &x->ops[i];
	int ifindex = 0;

	switch (op->type) {
	case OBJ_ADDR: {
		const struct st_addr *a = op->obj;

		ifindex = resolve(x, i, a->ifname);
		return ifindex < 0 ? ifindex : addr_encode(buf, KMSG_MAX, op->kind, a, ifindex);
	}
	case OBJ_ROUTE: {
		const struct st_route *r = op->obj;
		int nh[ST_MAX_NEXTHOPS] = { 0 };
		uint8_t k;

		/* A delete goes by identity, so a route whose device is gone can still go. */
		if (r->type != ROUTE_UNICAST || op->kind == OP_DEL)
			return route_encode(buf, KMSG_MAX, op->kind, r, 0);
		if (!r->n_nh) {
			ifindex = resolve(x, i, r->ifname);
			return ifindex < 0 ? ifindex : route_encode(buf, KMSG_MAX, op->kind, r, ifindex);
		}
		for (k = 0; k < r->n_nh; k++)
			if ((nh[k] = resolve(x, i, r->nh[k].ifname)) < 0)
				return nh[k];
		return route_encode_mp(buf, KMSG_MAX, op->kind, r, nh);
	}
	case OBJ_RULE:
		return rule_encode(buf, KMSG_MAX, op->kind, op->obj);
	default:
		return -EINVAL;
	}
}

static int queue_op(struct exec *x, struct nl_batch *b, size_t i)
{
	void *buf = nl_batch_reserve(b, KMSG_MAX);
	int len;

	if (!buf) {
		fail(x, i, -ENOMEM, "");
		return -ENOMEM;
	}
	len = encode_op(x, i, buf);
	if (len < 0) {
		fail(x, i, len, "");
		return len;
	}
	if (x->stored && x->ops[i].type == OBJ_ROUTE && x->ops[i].kind != OP_DEL)
		((struct nlmsghdr *)buf)->nlmsg_flags |= NLM_F_ECHO;
	return nl_batch_add(b, i);
}

/* One request, its result recorded as op @i's. */
static int call(struct exec *x, size_t i, int len, void *buf)
{
	struct nl_ack ack;

	if (len < 0) {
		fail(x, i, len, "");
		return len;
	}
	nl_call(x->nl, buf, NULL, NULL, &ack);
	if (ack.error)
		fail(x, i, ack.error, ack.msg);
	return ack.error;
}

static int link_exec(struct exec *x, size_t i)
{
	const struct op *op = &x->ops[i];
	const struct st_link *l = op->obj;
	uint8_t buf[KMSG_MAX];
	int err;

	/* The index cache may name a link that is about to go, or miss one about to come. */
	memset(x->cache, 0, sizeof(x->cache));
	if (op->kind == OP_DEL)
		return call(x, i, link_encode_del(buf, sizeof(buf), l->name), buf);
	/* A userspace implementation's link exists already (wg/spawn.c made it): set it only. */
	if (op->kind == OP_ADD && l->backend == WG_BACKEND_KERNEL) {
		err = call(x, i, link_encode_create(buf, sizeof(buf), l->name, "wireguard"), buf);
		if (err)
			return err;
	}
	err = call(x, i, link_encode_set(buf, sizeof(buf), l), buf);
	/* Half a link op is none: a link we created but could not set is removed again. */
	if (err && op->kind == OP_ADD && l->backend == WG_BACKEND_KERNEL &&
	    link_encode_del(buf, sizeof(buf), l->name) > 0)
		nl_call(x->nl, (struct nlmsghdr *)buf, NULL, NULL, NULL);
	return err;
}

int kernel_exec_confirmed(struct nl *nl, const struct op *ops, size_t n, int *status,
			  bool *stored, char *errmsg, size_t errlen)
{
	struct exec x = {.nl = nl,
			 .ops = ops,
			 .status = status,
			 .stored = stored,
			 .errmsg = errmsg,
			 .errlen = errlen,
			 .first_failed = n};
	struct nl_batch b;
	size_t i;

	if (errmsg && errlen)
		errmsg[0] = '\0';
	for (i = 0; i < n; i++)
		status[i] = -ECANCELED;
	/* Without room to read an echo, nothing is confirmed: the caller reads back instead. */
	if (stored) {
		memset(stored, 0, n * sizeof(*stored));
		x.echo = malloc(sizeof(*x.echo));
		if (!x.echo)
			x.stored = NULL;
	}
	nl_batch_init(&b, nl, on_result, &x);
	if (x.stored)
		nl_batch_on_reply(&b, on_echo);
	/* Stop at the first failure: the caller rolls back what did succeed. */
	for (i = 0; i < n && x.first_failed == n; i++) {
		if (ops[i].kind == OP_HOOK) {
			fail(&x, i, -EINVAL, "");
		} else if (ops[i].type == OBJ_LINK) {
			if (!nl_batch_flush(&b) && x.first_failed == n)
				status[i] = link_exec(&x, i);
		} else {
			queue_op(&x, &b, i);
		}
	}
	nl_batch_flush(&b);
	nl_batch_free(&b);
	free(x.echo);
	return x.first_failed < n ? status[x.first_failed] : 0;
}

int kernel_exec(struct nl *nl, const struct op *ops, size_t n, int *status, char *errmsg,
		size_t errlen)
{
	return kernel_exec_confirmed(nl, ops, n, status, NULL, errmsg, errlen);
}

int kernel_link_create_wireguard(struct nl *nl, const char *name)
{
	uint8_t buf[KMSG_MAX];
	int len = link_encode_create(buf, sizeof(buf), name, "wireguard");

	return len < 0 ? len : nl_call(nl, (struct nlmsghdr *)buf, NULL, NULL, NULL);
}
