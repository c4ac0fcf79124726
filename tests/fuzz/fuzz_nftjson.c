// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the decoder of libnftables' JSON listing of a
 * ruleset into the mark bits other tables use (nft_mark_uses_parse,
 * kernel/nft.h). The input is the listing's text.
 *
 * Beyond memory safety, the decoder's contract: an error appends nothing
 * when the text is no listing at all; every record names a table ("FAMILY
 * NAME") and a chain and uses some bit; two records in a row are never of
 * the same chain (they are merged); the same text decodes the same again.
 *
 * Seeds: the real listings of tests/unit/nft (tests/fuzz/run reads them in
 * place).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "kernel/nft.h"
#include "fuzz.h"

static void check_uses(const struct st_mark_uses *u)
{
	size_t i;

	for (i = 0; i < u->n; i++) {
		const struct st_mark_use *m = &u->v[i];

		REQUIRE(m->table && strchr(m->table, ' ') && m->chain);
		REQUIRE(m->set || m->matched);
		REQUIRE(!i || strcmp(u->v[i - 1].table, m->table) ||
			strcmp(u->v[i - 1].chain, m->chain));
	}
}

static bool same_uses(const struct st_mark_uses *a, const struct st_mark_uses *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].table, b->v[i].table) || strcmp(a->v[i].chain, b->v[i].chain) ||
		    a->v[i].set != b->v[i].set || a->v[i].matched != b->v[i].matched)
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct st_mark_uses first = {0}, again = {0};
	char *text = malloc(len + 1);
	struct arena a;
	int ret;

	if (!text)
		return 0;
	memcpy(text, data, len);
	text[len] = '\0';
	arena_init(&a);
	ret = nft_mark_uses_parse(text, &a, &first);
	REQUIRE(ret == 0 || ret == -EINVAL || ret == -ENOMEM);
	if (ret == -EINVAL)
		REQUIRE(first.n == 0);
	if (!ret) {
		check_uses(&first);
		REQUIRE(nft_mark_uses_parse(text, &a, &again) == 0);
		REQUIRE(same_uses(&first, &again));
	}
	arena_free(&a);
	free(text);
	return 0;
}
