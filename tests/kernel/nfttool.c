// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A driver of src/kernel/nft.c for tests/kernel/nft.sh: each command is one
 * call of the API, so the script can check what it did with nft(8).
 *
 *   nfttool load HASH [CGROUP...] < BODY   nft_load (HASH in hex)
 *   nfttool delete                         nft_delete
 *   nfttool dump                           nft_dump: "NAME HASH [IFNAME]" (16 hex digits) a
 *                                          table, or nothing
 *   nfttool save                           nft_save: the text, or nothing
 *   nfttool restore < TEXT                 nft_restore
 *   nfttool gen                            nft_generation: the number
 * of table "inet wgpolicy", or the one $NFTTOOL_TABLE names.
 * Exit 0 on success; on failure 1, with the error and its text on stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/nft.h"

static char *read_stdin(void)
{
	size_t n = 0, cap = 0, got;
	char *buf = NULL;

	do {
		if (cap - n < 4096) {
			char *v = realloc(buf, cap * 2 + 4096);

			if (!v) {
				free(buf);
				return NULL;
			}
			buf = v;
			cap = cap * 2 + 4096;
		}
		got = fread(buf + n, 1, cap - n - 1, stdin);
		n += got;
	} while (got);
	buf[n] = '\0';
	return buf;
}

static const char *table(void)
{
	const char *t = getenv("NFTTOOL_TABLE");

	return t ? t : "inet " NFT_TABLE_NAME;
}

static int load(int argc, char **argv, char *err, size_t errlen)
{
	struct st_nft n = {0};
	char *body;
	int ret;

	if (argc < 3)
		return -EINVAL;
	snprintf(n.name, sizeof(n.name), "%s", table());
	n.hash = strtoull(argv[2], NULL, 16);
	n.cgroups = (const char *const *)argv + 3;
	n.n_cgroups = (uint32_t)(argc - 3);
	body = read_stdin();
	if (!body)
		return -ENOMEM;
	n.ruleset = body;
	ret = nft_load(&n, err, errlen);
	free(body);
	return ret;
}

static int dump(void)
{
	struct state *s = state_new();
	int ret;

	if (!s)
		return -ENOMEM;
	ret = nft_dump(s);
	vec_foreach(n, &s->nft)
		printf("%s %016" PRIx64 "%s%s\n", n->name, n->hash, *n->ifname ? " " : "", n->ifname);
	state_free(s);
	return ret;
}

static int save(char *err, size_t errlen)
{
	char *text = NULL;
	int ret = nft_save(table(), &text, err, errlen);

	if (text)
		fputs(text, stdout);
	free(text);
	return ret;
}

static int restore(char *err, size_t errlen)
{
	char *text = read_stdin();
	int ret;

	if (!text)
		return -ENOMEM;
	ret = nft_restore(table(), text, err, errlen);
	free(text);
	return ret;
}

static int gen(void)
{
	uint32_t g;
	int ret = nft_generation(&g);

	if (!ret)
		printf("%" PRIu32 "\n", g);
	return ret;
}

int main(int argc, char **argv)
{
	char err[4096] = "";
	const char *cmd = argc > 1 ? argv[1] : "";
	int ret = -EINVAL;

	if (!strcmp(cmd, "load"))
		ret = load(argc, argv, err, sizeof(err));
	else if (!strcmp(cmd, "delete"))
		ret = nft_delete(table(), err, sizeof(err));
	else if (!strcmp(cmd, "dump"))
		ret = dump();
	else if (!strcmp(cmd, "save"))
		ret = save(err, sizeof(err));
	else if (!strcmp(cmd, "restore"))
		ret = restore(err, sizeof(err));
	else if (!strcmp(cmd, "gen"))
		ret = gen();
	else
		fprintf(stderr,
			"usage: nfttool load HASH [CGROUP...] | delete | dump | save | restore "
			"| gen\n");
	if (ret)
		fprintf(stderr, "nfttool %s: %s%s%s\n", cmd, strerror(-ret), *err ? ": " : "", err);
	return ret ? 1 : 0;
}
