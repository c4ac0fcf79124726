// SPDX-License-Identifier: GPL-2.0-or-later
/* What a mistyped or foreign key or section was probably meant to be. */
#include "conf/parse.h"

#include <string.h>
#include <strings.h>

/* Levenshtein distance, case-insensitive, for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[64];

	if (la >= 64 || lb >= 64)
		return 64;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = (a[i - 1] | 0x20) == (b[j - 1] | 0x20) ? 0 : 1;
			size_t best = diag + cost;

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *conf_closest(const char *word, const char *const *names, size_t n)
{
	size_t best = (size_t)-1, i, limit = strlen(word) < 5 ? 1 : 2;
	const char *found = NULL;

	for (i = 0; i < n; i++) {
		size_t dist = edit_distance(word, names[i]);

		if (dist < best) {
			best = dist;
			found = names[i];
		}
	}
	return best <= limit ? found : NULL;
}

/* Keys of other WireGuard tools that people bring along, and what does their work here. */
static const struct {
	const char *key, *hint;
} foreign_keys[] = {
    {"IncludedApplications", "WireGuard for Android's key: here a [Policy] selects programs "
			     "by User, Group or Cgroup, or runs them with wgpolicy exec"},
    {"ExcludedApplications", "WireGuard for Android's key: here a [Policy] selects programs "
			     "by User, Group or Cgroup, or runs them with wgpolicy exec"},
    {"PrivateKeyFile", "systemd-networkd's key: in this format, PostUp = wg set %i "
		       "private-key FILE reads the key from a file"},
    {"PresharedKeyFile", "systemd-networkd's key: in this format, PostUp = wg set %i peer "
			 "PUBLICKEY preshared-key FILE reads it from a file"},
};

const char *conf_foreign_key_hint(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(foreign_keys) / sizeof(*foreign_keys); i++)
		if (!strcasecmp(key, foreign_keys[i].key))
			return foreign_keys[i].hint;
	return NULL;
}
