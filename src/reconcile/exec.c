// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Run a plan across backends in order; remember what was done; on the first
 * failure undo it all in reverse, so that a failed apply leaves the system
 * as it found it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "kernel/kernel.h"
#include "kernel/nft.h"
#include "kernel/sysctl.h"
#include "reconcile/reconcile.h"
#include "reconcile/saved.h"
#include "util/run.h"
#include "wg/wg.h"

struct run {
	struct reconcile *r;
	struct arena arena; /* copies of objects made during the run (sysctl originals) */
	VEC(struct op) done;
	char *err;
	size_t errlen;
	bool rolling_back;
	bool route_unconfirmed; /* a route op the kernel's reply did not confirm (see verify_fn) */
	/* The op lines of the current step, written at its end: one write, not one per peer. */
	char *lines;
	size_t lines_len, lines_cap;
};

static bool lines_reserve(struct run *x, size_t more)
{
	size_t cap = x->lines_cap ? x->lines_cap : 4096;
	char *p;

	if (x->lines_len + more <= x->lines_cap)
		return true;
	while (cap < x->lines_len + more)
		cap *= 2;
	p = realloc(x->lines, cap);
	if (!p)
		return false;
	x->lines = p;
	x->lines_cap = cap;
	return true;
}

static void lines_flush(struct run *x)
{
	if (x->lines_len)
		fwrite(x->lines, 1, x->lines_len, x->r->log);
	x->lines_len = 0;
}

static void log_op(struct run *x, const struct op *op)
{
	const char *head = x->rolling_back ? "[#] (undo) " : "[#] ";
	size_t hn = strlen(head), n;
	char line[OP_LINE_MAX];

	/* An undo is always said: it means something failed. */
	if (!x->r->log ||
	    (!x->rolling_back && x->r->quiet && x->r->quiet(x->r->quiet_ctx, op)))
		return;
	op_render(op, line, sizeof(line));
	n = strlen(line);
	if (!lines_reserve(x, hn + n + 1)) {
		lines_flush(x);
		fprintf(x->r->log, "%s%s\n", head, line);
		return;
	}
	memcpy(x->lines + x->lines_len, head, hn);
	x->lines_len += hn;
	memcpy(x->lines + x->lines_len, line, n);
	x->lines_len += n;
	x->lines[x->lines_len++] = '\n';
}

static int remember(struct run *x, const struct op *op)
{
	struct op *slot;

	if (x->rolling_back || op->kind == OP_HOOK)
		return 0;
	slot = vec_push(&x->arena, &x->done);
	if (!slot)
		return -ENOMEM;
	*slot = *op;
	return 0;
}

static void fail(struct run *x, const struct op *op, int err, const char *detail)
{
	char line[OP_LINE_MAX];

	if (x->rolling_back || !x->err || x->err[0])
		return;
	snprintf(x->err, x->errlen, "%s: %s%s%s", op_render(op, line, sizeof(line)),
		 strerror(-err), detail && *detail ? ": " : "", detail ? detail : "");
}

static bool is_kernel_op(const struct op *op)
{
	if (op->kind == OP_HOOK)
		return false;
	if (op->type == OBJ_LINK)
		return op->kind != OP_ADD;
	return op->type == OBJ_ADDR || op->type == OBJ_ROUTE || op->type == OBJ_RULE;
}

static const char *wg_ifname(const struct op *op)
{
	if (op->kind == OP_HOOK)
		return NULL;
	if (op->type == OBJ_WGDEV)
		return ((const struct st_wgdev *)op->obj)->ifname;
	if (op->type == OBJ_WGPEER)
		return ((const struct st_wgpeer *)op->obj)->ifname;
	return NULL;
}

/* A link gone takes its peers with it, and the endpoints recorded for them. */
static int forget_endpoints(struct run *x, const struct op *op)
{
	int err = saved_endpoints_forget(((const struct st_link *)op->obj)->name);

	if (err)
		fail(x, op, err, "cannot forget its peers' endpoints");
	return err;
}

/* Consecutive address, route, rule and link-setting ops go to the kernel in one batch. */
static int exec_kernel(struct run *x, const struct op *ops, size_t n)
{
	int *status = calloc(n, sizeof(*status));
	bool *stored = calloc(n, sizeof(*stored));
	char msg[512] = "";
	size_t i;
	int ret = -ENOMEM;

	if (!status || !stored)
		goto out;
	ret = kernel_exec_confirmed(x->r->nl, ops, n, status, x->r->confirm_routes ? stored : NULL,
				    msg, sizeof(msg));
	for (i = 0; i < n; i++) {
		if (status[i]) {
			fail(x, &ops[i], status[i], msg);
			continue;
		}
		if (ops[i].type == OBJ_ROUTE && !stored[i])
			x->route_unconfirmed = true;
		log_op(x, &ops[i]);
		if (remember(x, &ops[i]))
			ret = -ENOMEM;
		else if (ops[i].type == OBJ_LINK && ops[i].kind == OP_DEL)
			ret = forget_endpoints(x, &ops[i]) ?: ret;
	}
out:
	free(status);
	free(stored);
	return ret;
}

static int exec_link_add(struct run *x, const struct op *op)
{
	const struct st_link *l = op->obj;
	struct op set = { .kind = OP_CHANGE, .type = OBJ_LINK, .obj = l, .old = l };
	char msg[512] = "";
	int err = -EOPNOTSUPP, status;

	if (l->backend == WG_BACKEND_KERNEL)
		err = kernel_link_create_wireguard(x->r->nl, l->name);
	if (err == -EOPNOTSUPP && (l->backend == WG_BACKEND_USERSPACE || l->allow_fallback)) {
		if (l->backend == WG_BACKEND_KERNEL && x->r->log)
			fprintf(x->r->log, "[!] no WireGuard in this kernel: starting %s for %s\n",
				l->program ? l->program : "the userspace implementation", l->name);
		err = wg_spawn(l->name, l->program);
	}
	if (err) {
		fail(x, op, err, NULL);
		return err;
	}
	log_op(x, op);
	err = remember(x, op);
	if (!err && (err = saved_sysctls_forget_link(l->name)))
		fail(x, op, err, "cannot forget the sysctls saved of an earlier link of its name");
	if (!err && (err = saved_endpoints_forget(l->name)))
		fail(x, op, err, "cannot forget the endpoints saved of an earlier link of its name");
	if (err)
		return err;
	/* The link exists now: its mark, MTU and state are part of the add (logged above). */
	err = kernel_exec(x->r->nl, &set, 1, &status, msg, sizeof(msg));
	if (err)
		fail(x, op, err, msg);
	return err;
}

static int exec_wg(struct run *x, const struct op *ops, size_t n)
{
	const char *ifname = wg_ifname(&ops[0]);
	enum wg_backend backend = wg_uapi_present(ifname) ? WG_BACKEND_USERSPACE : WG_BACKEND_KERNEL;
	const struct st_wgdev *dev = NULL;
	size_t first_peer = 0, i;
	int err;

	if (ops[0].type == OBJ_WGDEV) {
		if (ops[0].kind == OP_DEL) /* goes with its link */
			return 0;
		dev = ops[0].obj;
		first_peer = 1;
	}
	err = wg_apply(ifname, backend, dev, ops + first_peer, n - first_peer);
	if (err) {
		fail(x, &ops[0], err, NULL);
		return err;
	}
	for (i = 0; i < n; i++) {
		log_op(x, &ops[i]);
		if (remember(x, &ops[i]))
			return -ENOMEM;
	}
	err = saved_endpoints_update(ops + first_peer, n - first_peer);
	if (err)
		fail(x, &ops[0], err, "cannot record the endpoints set");
	return err;
}

static int exec_sysctl(struct run *x, const struct op *op)
{
	const struct st_sysctl *s = op->obj;
	struct st_sysctl *undo;
	char now[64] = "";
	int err = sysctl_read(s->path, now, sizeof(now));

	/* A per-interface sysctl goes with its interface: nothing is left to restore. */
	if (err == -ENOENT && op->kind == OP_DEL)
		err = saved_sysctl_forget(s->path);
	else if (!err && op->kind == OP_DEL)
		err = sysctl_write(s->path, s->original ? s->original : s->value) ?:
		      saved_sysctl_forget(s->path);
	else if (!err)
		err = saved_sysctl_set(s->path, now) ?: sysctl_write(s->path, s->value);
	if (err) {
		fail(x, op, err, NULL);
		return err;
	}
	log_op(x, op);
	/* The undo of an addition restores the value found, so keep it with the op. */
	undo = arena_alloc(&x->arena, sizeof(*undo));
	if (!undo)
		return -ENOMEM;
	*undo = *s;
	undo->original = arena_strdup(&x->arena, now);
	struct op rec = *op;
	rec.obj = undo;
	return remember(x, &rec);
}

static int exec_dns(struct run *x, const struct op *op)
{
	const struct st_dns *d = op->obj;
	int err;

	if (op->kind == OP_DEL)
		err = dns_remove(d->ifname) ?: saved_dns_forget(d->ifname);
	else
		err = dns_set(d) ?: saved_dns_set(d);
	if (err) {
		fail(x, op, err, "resolvconf failed (is it installed?)");
		return err;
	}
	log_op(x, op);
	return remember(x, op);
}

/*
 * An nftables table is replaced whole, and its undo needs the text it had,
 * which the live state (a name and a hash) does not hold: before a change or
 * a deletion the table is listed (nft_save) and the text kept with the op,
 * for the rollback to load again (nft_restore). When it cannot be listed,
 * the op goes ahead all the same (`down` must not stick on it), and the
 * rollback of a change deletes the table: no table rather than a wrong one.
 */
static int remember_nft(struct run *x, const struct op *op, const char *text)
{
	const struct st_nft *was = op->kind == OP_DEL ? op->obj : op->old;
	struct st_nft *undo;
	struct op rec = *op;

	if (op->kind == OP_ADD)
		return remember(x, op);
	undo = arena_alloc(&x->arena, sizeof(*undo));
	if (!undo || (text && !(text = arena_strdup(&x->arena, text))))
		return -ENOMEM;
	*undo = *was;
	undo->ruleset = text; /* a whole "table ... { }" text, not a body: see undo_nft */
	if (op->kind == OP_DEL)
		rec.obj = undo;
	else
		rec.old = undo;
	return remember(x, &rec);
}

/* A line of the log that is not an op: "[!] ..." */
__attribute__((format(printf, 2, 3))) static void note(struct run *x, const char *fmt, ...)
{
	va_list ap;

	if (!x->r->log)
		return;
	fprintf(x->r->log, "[!] %s", x->rolling_back ? "(undo) " : "");
	va_start(ap, fmt);
	vfprintf(x->r->log, fmt, ap);
	va_end(ap);
	fputc('\n', x->r->log);
}

/* The inverse of a done op: delete what was added, load back the text kept for the rest. */
static int undo_nft(struct run *x, const struct op *op)
{
	const struct st_nft *n = op->obj;
	char msg[1024] = "";
	int err = 0;

	if (op->kind == OP_ADD && !n->ruleset) {
		note(x, "table %s was deleted unlisted: not restored", n->name);
		return 0;
	}
	if (op->kind == OP_CHANGE && !n->ruleset)
		note(x, "table %s as it was is unknown: deleting it", n->name);
	if (op->kind == OP_DEL || !n->ruleset) {
		err = nft_delete(n->name, msg, sizeof(msg));
		if (x->r->log)
			fprintf(x->r->log, "[#] (undo) nft delete table %s\n", n->name);
	} else {
		err = nft_restore(n->name, n->ruleset, msg, sizeof(msg));
		if (x->r->log)
			fprintf(x->r->log, "[#] (undo) nft -f - # table %s as it was (%016llx)\n",
				n->name, (unsigned long long)n->hash);
	}
	if (err)
		note(x, "table %s: %s", n->name, msg[0] ? msg : strerror(-err));
	return err;
}

static int exec_nft(struct run *x, const struct op *op)
{
	const struct st_nft *n = op->obj;
	char msg[2048] = "", *text = NULL;
	int err = 0;

	if (x->rolling_back)
		return undo_nft(x, op);
	if (op->kind != OP_ADD && nft_save(n->name, &text, msg, sizeof(msg)))
		note(x, "cannot list table %s to restore it on failure: %s", n->name, msg);
	if (op->kind == OP_DEL)
		err = nft_delete(n->name, msg, sizeof(msg));
	else
		err = nft_load(n, msg, sizeof(msg));
	if (err) {
		fail(x, op, err, msg);
	} else {
		log_op(x, op);
		err = remember_nft(x, op, text);
	}
	free(text);
	return err;
}

/* wg-quick runs hooks with bash and stops at the first that fails. */
static int exec_hook(struct run *x, const struct op *op)
{
	const struct st_link *l = op->obj;
	const char *const *cmds[] = { l->pre_up, l->post_up, l->pre_down, l->post_down };
	unsigned counts[] = { l->n_pre_up, l->n_post_up, l->n_pre_down, l->n_post_down };
	unsigned i;

	for (i = 0; i < counts[op->hook]; i++) {
		const char *argv[] = { "bash", "-c", cmds[op->hook][i], NULL };
		int status;

		if (x->r->log)
			fprintf(x->r->log, "[#] %s\n", cmds[op->hook][i]);
		status = run_program(argv, NULL);
		if (status) {
			char why[64];

			snprintf(why, sizeof(why), "exit status %d", status);
			fail(x, op, status < 0 ? status : -ECANCELED, why);
			return status < 0 ? status : -ECANCELED;
		}
	}
	return 0;
}

static size_t run_length(const struct op *ops, size_t n, size_t i)
{
	size_t j = i + 1;
	const char *ifname = wg_ifname(&ops[i]);

	if (is_kernel_op(&ops[i]))
		while (j < n && is_kernel_op(&ops[j]))
			j++;
	else if (ifname)
		while (j < n && wg_ifname(&ops[j]) && ops[j].type == OBJ_WGPEER &&
		       !strcmp(wg_ifname(&ops[j]), ifname) && ops[j].kind == ops[i].kind)
			j++;
	return j - i;
}

static int exec_ops(struct run *x, const struct op *ops, size_t n)
{
	size_t i = 0;
	int err = 0;

	while (i < n && !err) {
		size_t len = run_length(ops, n, i);
		const struct op *op = &ops[i];

		if (is_kernel_op(op))
			err = exec_kernel(x, op, len);
		else if (wg_ifname(op))
			err = exec_wg(x, op, len);
		else if (op->kind == OP_HOOK)
			err = exec_hook(x, op);
		else if (op->type == OBJ_LINK)
			err = exec_link_add(x, op);
		else if (op->type == OBJ_SYSCTL)
			err = exec_sysctl(x, op);
		else if (op->type == OBJ_DNS)
			err = exec_dns(x, op);
		else if (op->type == OBJ_NFT)
			err = exec_nft(x, op);
		if (x->r->log)
			lines_flush(x); /* before the next step's hooks and notes */
		i += len;
	}
	return err;
}

/* Undo in reverse; keep going past errors (an object may have gone with its link). */
static void rollback(struct run *x)
{
	size_t i, n = x->done.n;
	struct op *inv = calloc(n + 1, sizeof(*inv));

	if (!inv)
		return;
	for (i = 0; i < n; i++)
		op_inverse(&x->done.v[n - 1 - i], &inv[i]);
	x->rolling_back = true;
	for (i = 0; i < n; i++)
		exec_ops(x, &inv[i], 1);
	free(inv);
}

int reconcile_exec(struct reconcile *r, const struct plan *p, verify_fn verify, void *vctx,
		   char *err, size_t errlen)
{
	struct run x = { .r = r, .err = err, .errlen = errlen };
	int ret;

	if (err && errlen)
		err[0] = '\0';
	arena_init(&x.arena);
	ret = exec_ops(&x, p->ops.v, p->ops.n);
	/* What the kernel did not take is a failure too: nothing half-applied stays. */
	if (!ret && verify)
		ret = verify(vctx, x.route_unconfirmed || !r->confirm_routes ? 0 : OBJ_BIT(OBJ_ROUTE),
			     err, errlen);
	if (ret)
		rollback(&x);
	free(x.lines);
	arena_free(&x.arena);
	return ret;
}
