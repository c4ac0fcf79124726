// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The mark bits other nftables tables use (kernel/nft_marks.c), for the
 * compiler's coexistence check. Reading them means listing the whole ruleset
 * through libnftables: 0.4 s beside a foreign table of 10,000 rules, too much
 * for each of the daemon's rounds, most of which follow no nftables change at
 * all (a route, a probe, an endpoint, the 30-second resync).
 *
 * A rule changes only by a committed transaction, and every committed
 * transaction changes nftables' generation (kernel/nft_nl.c). So the daemon
 * keeps its last scan with the generation read before the listing, and uses
 * it again while the generation is the same. A transaction between that read
 * and the listing leaves the scan newer than its generation says: the next
 * round sees another generation and lists again. Never the other way round:
 * a scan is never taken for a generation it did not see.
 */
#include <errno.h>
#include <stdlib.h>

#include "kernel/nft.h"
#include "reconcile/reconcile.h"

struct mark_memo {
	bool valid;
	uint32_t gen; /* nftables' generation before the listing of @uses */
	struct arena arena;
	struct st_mark_uses uses;
};

/* Append a copy of @from to @to, in @a. */
static int copy_uses(const struct st_mark_uses *from, struct arena *a, struct st_mark_uses *to)
{
	vec_foreach(u, from) {
		struct st_mark_use *c = vec_push(a, to);

		if (!c)
			return -ENOMEM;
		*c = *u;
		c->table = arena_strdup(a, u->table);
		c->chain = arena_strdup(a, u->chain);
		if (!c->table || !c->chain)
			return -ENOMEM;
	}
	return 0;
}

static void forget(struct mark_memo *m)
{
	arena_free(&m->arena);
	arena_init(&m->arena);
	m->uses = (struct st_mark_uses){0};
	m->valid = false;
}

/* Keep @uses, listed when nftables' generation was @gen; forgotten if it cannot be copied. */
static void remember(struct mark_memo *m, uint32_t gen, const struct st_mark_uses *uses)
{
	forget(m);
	if (copy_uses(uses, &m->arena, &m->uses)) {
		forget(m);
		return;
	}
	m->gen = gen;
	m->valid = true;
}

int reconcile_keep_marks(struct reconcile *r)
{
	struct mark_memo *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	arena_init(&m->arena);
	r->marks = m;
	return 0;
}

void reconcile_forget_marks(struct reconcile *r)
{
	if (!r->marks)
		return;
	arena_free(&r->marks->arena);
	free(r->marks);
	r->marks = NULL;
}

int reconcile_mark_uses(struct reconcile *r, struct arena *a, struct st_mark_uses *out, char *err,
			size_t errlen)
{
	struct mark_memo *m = r->marks;
	uint32_t gen = 0;
	/* Read first: the listing then holds for this generation, or a later one. */
	bool known = m && !nft_generation(&gen);
	int ret;

	if (known && m->valid && m->gen == gen) {
		r->ruleset_reuses++;
		return copy_uses(&m->uses, a, out);
	}
	r->ruleset_listings++;
	ret = nft_mark_uses(a, out, err, errlen);
	if (!m)
		return ret;
	/* A failed listing is said this round and tried again the next. */
	if (!ret && known)
		remember(m, gen, out);
	else
		forget(m);
	return ret;
}
