/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_RECONCILE_RECONCILE_H
#define WGP_RECONCILE_RECONCILE_H

/*
 * The one place that knows every backend: gather facts, dump the live state
 * from the kernel, WireGuard and wgpolicy's own saved records, and execute a
 * plan across backends, rolling back in reverse on failure.
 */

#include <stdio.h>

#include "compile/compile.h"
#include "state/plan.h"

struct nl;
struct mark_memo;

struct reconcile {
	struct nl *nl;
	uint8_t protocol;
	/* Restrict what is ours to some interfaces (see reconcile_scope); NULL: all. */
	const char *const *scope;
	size_t n_scope;
	uint32_t *scope_tables; /* tables holding the scoped interfaces' routes */
	size_t n_scope_tables;
	bool scope_has_all_links; /* the scope covers every link wgpolicy owns */
	const struct state *scope_live, *scope_desired;
	/*
	 * Ask the path MTU towards every endpoint (doctor checks each tunnel's
	 * MTU against it), not only of tunnels sized by it (compile_mtu_by_path).
	 */
	bool every_path_mtu;
	/* Log each executed op as its command line ("[#] ..."), like wg-quick. */
	FILE *log;
	/*
	 * Have route adds and changes echoed, and route ops confirmed from the
	 * kernel's replies (kernel_exec_confirmed), for verify_fn's @confirmed.
	 */
	bool confirm_routes;
	/* Ops to leave out of that log (the daemon's flapping objects); NULL: none. */
	bool (*quiet)(void *ctx, const struct op *op);
	void *quiet_ctx;
	/* The daemon's last scan of other tables' marks (reconcile_keep_marks); NULL: none. */
	struct mark_memo *marks;
	/* Scans of other tables' marks: listed through libnftables, or the kept one reused. */
	uint64_t ruleset_listings, ruleset_reuses;
	/* The last scan holds at generation marks_gen, when nft_own_commits() was marks_commits. */
	bool marks_scanned;
	uint32_t marks_gen, marks_commits;
};

int reconcile_open(struct reconcile *r, uint8_t protocol);
void reconcile_close(struct reconcile *r);

/* The live state, sorted: kernel objects, WireGuard devices, saved sysctls and DNS. */
int reconcile_dump(struct reconcile *r, struct state *live);
/*
 * What an apply changed, read back: the types in @kinds (OBJ_BIT) only
 * (links are always read), and of the routes only wgpolicy's own. Others'
 * routes matter to a plan as conflicts, and the plan was made against them;
 * whether an owned route is there as asked does not depend on them.
 */
int reconcile_read_back(struct reconcile *r, struct state *live, unsigned kinds);

/*
 * A host name or a literal address to an endpoint, as wg does: getaddrinfo,
 * any family, the first answer. A name blocks for as long as the resolver
 * takes; @numeric takes literal addresses only, and never blocks. Returns 0,
 * or an EAI_* code with the reason in @err.
 */
int reconcile_lookup(const char *host, uint16_t port, bool numeric, struct st_endpoint *ep,
		     char *err, size_t errlen);

/* How facts learn an endpoint's address: sets ef->ep, else ef->error or ef->pending. */
typedef void (*endpoint_fn)(void *ctx, struct endpoint_fact *ef, struct arena *a);

/*
 * Facts for compiling @c against @live; allocated in @a. Endpoints come from
 * @lookup, or when NULL are looked up now (blocking, as wg-quick does).
 */
int reconcile_facts(struct reconcile *r, const struct conf *c, const struct state *live,
		    endpoint_fn lookup, void *lookup_ctx, struct facts *f, struct arena *a);

/*
 * The mark bits other nftables tables use, appended to @out in @a (see
 * nft_mark_uses). The last listing serves again as long as nftables'
 * generation has not changed since it was read: kept in SAVED_DIR for the
 * next process, and in this one with reconcile_keep_marks (reconcile/marks.c).
 * @live: the live state; with no other program's table in it, nothing is listed.
 */
int reconcile_mark_uses(struct reconcile *r, const struct state *live, struct arena *a,
			struct st_mark_uses *out, char *err,
			size_t errlen);
/*
 * After this process changed its own nftables tables: when nobody else
 * committed since the last scan (the generation moved by our commits alone),
 * the scan is kept for the new generation, here and in SAVED_DIR.
 */
void reconcile_marks_committed(struct reconcile *r);
/* For a process that runs many rounds (the daemon): keep each scan for the next. 0 or -ENOMEM. */
int reconcile_keep_marks(struct reconcile *r);
/* Free what reconcile_keep_marks keeps; reconcile_close does it too. */
void reconcile_forget_marks(struct reconcile *r);

/*
 * Limit ownership to @names (NULL: everything wgpolicy owns) and what hangs
 * on them in @live and @desired (their routing tables); allocated in @a.
 */
int reconcile_scope(struct reconcile *r, const struct state *live, const struct state *desired,
		    const char *const *names, size_t n, struct arena *a);

/* The owned_fn for plan_build: wgpolicy's own objects within r->scope. */
bool reconcile_owned(void *r, enum obj_type type, const void *live);

/*
 * Checks, after all ops ran, that the kernel shows what was asked; 0 or an
 * error. @confirmed: the types of object (OBJ_BIT) whose every op the
 * kernel's own replies confirmed as done as asked (routes: see
 * kernel_exec_confirmed), which need not be read back for that.
 */
typedef int (*verify_fn)(void *ctx, unsigned confirmed, char *err, size_t errlen);

/*
 * Execute @p in order, then @verify (if not NULL). On failure of either,
 * everything done is undone in reverse and @err (@errlen bytes) says which
 * op failed and why; returns the error.
 */
int reconcile_exec(struct reconcile *r, const struct plan *p, verify_fn verify, void *vctx,
		   char *err, size_t errlen);

#endif
