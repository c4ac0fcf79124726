// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/flap.h"

#include <stdio.h>
#include <string.h>

/* FNV-1a: names are whole command lines, compared by hash, kept short for the log only. */
static uint64_t name_key(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 0x100000001b3ULL;
	return h;
}

static const struct flap *find_key(const struct flaps *f, uint64_t key)
{
	size_t i;

	for (i = 0; i < FLAP_SLOTS; i++)
		if (f->v[i].used && f->v[i].key == key)
			return &f->v[i];
	return NULL;
}

/*
 * A slot for a new object: a free one, else the one put back longest ago that
 * does not flap (it is forgotten: its few changes were logged). A flap keeps
 * its slot until it ends, so that it is summed up; NULL when all flap.
 */
static struct flap *take(struct flaps *f)
{
	struct flap *best = NULL;
	size_t i;

	for (i = 0; i < FLAP_SLOTS; i++) {
		struct flap *fl = &f->v[i];

		if (!fl->used)
			return fl;
		if (!fl->flapping && (!best || fl->last_ms < best->last_ms))
			best = fl;
	}
	return best;
}

enum flap_verdict flap_note(struct flaps *f, const char *name, uint64_t now_ms)
{
	uint64_t key = name_key(name), oldest;
	struct flap *fl = (struct flap *)find_key(f, key);

	if (!fl) {
		fl = take(f);
		if (!fl)
			return FLAP_CALM;
		memset(fl, 0, sizeof(*fl));
		fl->used = true;
		fl->key = key;
		snprintf(fl->name, sizeof(fl->name), "%s", name);
	}
	fl->last_ms = now_ms;
	if (fl->flapping) {
		fl->changes++;
		return FLAP_ONGOING;
	}
	fl->recent[fl->seen++ % FLAP_CHANGES] = now_ms;
	/* The ring's next slot holds the oldest of the last FLAP_CHANGES. */
	oldest = fl->recent[fl->seen % FLAP_CHANGES];
	if (fl->seen < FLAP_CHANGES || now_ms - oldest > FLAP_WINDOW_MS)
		return FLAP_CALM;
	fl->flapping = true;
	fl->first_ms = oldest;
	fl->changes = FLAP_CHANGES;
	return FLAP_STARTED;
}

const struct flap *flap_find(const struct flaps *f, const char *name)
{
	return find_key(f, name_key(name));
}

bool flap_quiet(const struct flaps *f, const char *name)
{
	const struct flap *fl = flap_find(f, name);

	return fl && fl->flapping;
}

bool flap_calmed(struct flaps *f, uint64_t now_ms, struct flap *out)
{
	size_t i;

	for (i = 0; i < FLAP_SLOTS; i++) {
		struct flap *fl = &f->v[i];

		if (!fl->used || !fl->flapping || now_ms < fl->last_ms + FLAP_WINDOW_MS)
			continue;
		*out = *fl;
		fl->used = false;
		return true;
	}
	return false;
}

uint64_t flap_due(const struct flaps *f)
{
	uint64_t due = 0;
	size_t i;

	for (i = 0; i < FLAP_SLOTS; i++) {
		const struct flap *fl = &f->v[i];

		if (fl->used && fl->flapping && (!due || fl->last_ms + FLAP_WINDOW_MS < due))
			due = fl->last_ms + FLAP_WINDOW_MS;
	}
	return due;
}

unsigned flap_count(const struct flaps *f)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < FLAP_SLOTS; i++)
		n += f->v[i].used && f->v[i].flapping;
	return n;
}

double flap_seconds(const struct flap *fl)
{
	return (double)(fl->last_ms - fl->first_ms) / 1000.0;
}

double flap_rate(const struct flap *fl)
{
	/* Changes in the same millisecond: a rate per millisecond, not a division by zero. */
	double s = flap_seconds(fl);

	return (double)fl->changes / (s > 0.001 ? s : 0.001);
}
