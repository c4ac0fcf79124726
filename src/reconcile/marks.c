// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The mark bits other nftables tables use (kernel/nft_marks.c), for the
 * compiler's coexistence check. Reading them means listing the whole ruleset
 * through libnftables: 0.4 s beside foreign tables of 10,000 rules (bench/
 * README.md), too much for each plan, apply, or round of the daemon, most of
 * which follow no nftables change at all.
 *
 * A rule changes only by a committed transaction, and every committed
 * transaction changes nftables' generation (kernel/nft_nl.c), by exactly one.
 * So a scan is kept with the generation read before the listing, and used
 * again while the generation is the same: in this process (the daemon), and
 * across processes in SAVED_DIR, one file per network namespace named by its
 * cookie (never given twice in a boot; without a cookie nothing is kept
 * there), holding the boot's id. A transaction between that read and the
 * listing leaves the scan newer than its generation says: the next run sees
 * another generation and lists again. Never the other way round: a scan is
 * never taken for a generation it did not see.
 *
 * wgpolicy's own commits change the generation too, but not the other
 * tables: after applying, when the generation is the scan's plus exactly the
 * transactions this process committed (nft_own_commits), nobody else
 * committed in between, and the scan is kept for the new generation.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/nft.h"
#include "reconcile/reconcile.h"
#include "reconcile/saved.h"

#define BOOT_ID_FILE "/proc/sys/kernel/random/boot_id"
#define BOOT_ID_LEN  36

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

/* This namespace's file of the last scan; -EOPNOTSUPP where it has no cookie. */
static int memo_path(char *buf, size_t len)
{
	uint64_t cookie;
	int err = saved_netns_cookie(&cookie);

	if (!err)
		snprintf(buf, len, SAVED_DIR "/marks-netns-cookie-%llu.json",
			 (unsigned long long)cookie);
	return err;
}

static int boot_id(char id[BOOT_ID_LEN + 1])
{
	int fd = open(BOOT_ID_FILE, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, id, BOOT_ID_LEN);

	if (fd >= 0)
		close(fd);
	if (n != BOOT_ID_LEN)
		return -EIO;
	id[BOOT_ID_LEN] = '\0';
	return 0;
}

/* The file's record if it is of this boot; NULL otherwise (or none). */
static json_t *file_load(void)
{
	char path[128], id[BOOT_ID_LEN + 1];
	json_t *root;

	if (memo_path(path, sizeof(path)) || boot_id(id))
		return NULL;
	root = json_load_file(path, 0, NULL);
	if (!json_is_object(root) ||
	    strcmp(json_string_value(json_object_get(root, "boot")) ?: "", id) ||
	    !json_is_integer(json_object_get(root, "generation"))) {
		json_decref(root);
		return NULL;
	}
	return root;
}

static bool file_gen_is(const json_t *root, uint32_t gen)
{
	return json_integer_value(json_object_get(root, "generation")) == (json_int_t)gen;
}

static int file_store(json_t *root, uint32_t gen)
{
	char path[128];
	int err = memo_path(path, sizeof(path));

	if (!err && json_object_set_new(root, "generation", json_integer(gen)))
		err = -ENOMEM;
	return err ? err : saved_write_json(path, root);
}

/* Record @uses, listed when the generation was @gen. A failure only costs a listing later. */
static void file_remember(uint32_t gen, const struct st_mark_uses *uses)
{
	char id[BOOT_ID_LEN + 1];
	json_t *root = json_object(), *arr = json_array();

	if (boot_id(id) || !root || !arr || json_object_set_new(root, "boot", json_string(id)))
		goto out;
	vec_foreach(u, uses)
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:I}", "table", u->table,
							 "chain", u->chain, "set", (json_int_t)u->set,
							 "matched", (json_int_t)u->matched)))
			goto out;
	if (!json_object_set(root, "uses", arr))
		file_store(root, gen);
out:
	json_decref(arr);
	json_decref(root);
}

static int use_of(const json_t *o, struct arena *a, struct st_mark_use *u)
{
	const char *table = json_string_value(json_object_get(o, "table"));
	const char *chain = json_string_value(json_object_get(o, "chain"));
	const json_t *set = json_object_get(o, "set"), *matched = json_object_get(o, "matched");

	if (!table || !chain || !json_is_integer(set) || !json_is_integer(matched))
		return -EINVAL;
	u->table = arena_strdup(a, table);
	u->chain = arena_strdup(a, chain);
	u->set = (uint32_t)json_integer_value(set);
	u->matched = (uint32_t)json_integer_value(matched);
	return u->table && u->chain ? 0 : -ENOMEM;
}

/* Append the file's scan to @out if it was listed at @gen: 0, else nothing appended. */
static int file_recall(uint32_t gen, struct arena *a, struct st_mark_uses *out)
{
	json_t *root = file_load(), *arr = json_object_get(root, "uses"), *o;
	size_t before = out->n, i;
	int err = root && file_gen_is(root, gen) && json_is_array(arr) ? 0 : -ENOENT;

	json_array_foreach(arr, i, o) {
		struct st_mark_use *u;

		if (err)
			break;
		u = vec_push(a, out);
		err = u ? use_of(o, a, u) : -ENOMEM;
	}
	if (err)
		out->n = before;
	json_decref(root);
	return err;
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

/* The scan of this run holds at @gen, and this process had committed @commits then. */
static void scanned(struct reconcile *r, uint32_t gen)
{
	r->marks_scanned = true;
	r->marks_gen = gen;
	r->marks_commits = nft_own_commits();
}

/*
 * Without another program's table there is nothing to list, and nothing to
 * keep: a kept scan is a file left in SAVED_DIR for each namespace until
 * reboot, worth it beside a ruleset that takes long to list, not beside none.
 * One left from when there were some goes.
 */
static void file_forget(void)
{
	char path[128];

	if (!memo_path(path, sizeof(path)))
		unlink(path);
}

int reconcile_mark_uses(struct reconcile *r, const struct state *live, struct arena *a,
			struct st_mark_uses *out, char *err, size_t errlen)
{
	struct mark_memo *m = r->marks;
	uint32_t gen = 0;
	bool known;
	int ret;

	r->marks_scanned = false;
	if (!live->nft_others) {
		file_forget();
		return 0;
	}
	/* Read first: the listing then holds for this generation, or a later one. */
	known = !nft_generation(&gen);
	if (known && m && m->valid && m->gen == gen) {
		r->ruleset_reuses++;
		scanned(r, gen);
		return copy_uses(&m->uses, a, out);
	}
	if (known && !file_recall(gen, a, out)) {
		r->ruleset_reuses++;
		scanned(r, gen);
		if (m)
			remember(m, gen, out);
		return 0;
	}
	r->ruleset_listings++;
	ret = nft_mark_uses(a, out, err, errlen);
	/* A failed listing is said this round and tried again the next. */
	if (!ret && known) {
		scanned(r, gen);
		file_remember(gen, out);
	}
	if (!m)
		return ret;
	if (!ret && known)
		remember(m, gen, out);
	else
		forget(m);
	return ret;
}

void reconcile_marks_committed(struct reconcile *r)
{
	uint32_t now, mine = nft_own_commits() - r->marks_commits;
	json_t *root;

	if (!r->marks_scanned || !mine || nft_generation(&now) || now != r->marks_gen + mine)
		return;
	/* Only our own transactions since the scan: the other tables are as it saw them. */
	if (r->marks && r->marks->valid && r->marks->gen == r->marks_gen)
		r->marks->gen = now;
	root = file_load();
	if (root && file_gen_is(root, r->marks_gen))
		file_store(root, now);
	json_decref(root);
	r->marks_gen = now;
	r->marks_commits += mine;
}
