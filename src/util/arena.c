// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/arena.h"

#include <errno.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN alignof(max_align_t)
#define BLOCK_MIN (64 * 1024)
#define BLOCK_MAX_STEP (4 * 1024 * 1024)
#define ROOM_MAX       (64 * 1024 * 1024)

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	alignas(max_align_t) unsigned char data[];
};

static size_t align_up(size_t n)
{
	return (n + ALIGN - 1) & ~(ALIGN - 1);
}

void arena_init(struct arena *a)
{
	memset(a, 0, sizeof(*a));
}

void arena_free(struct arena *a)
{
	struct arena_block *b = a->head;

	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	arena_init(a);
}

static struct arena_block *new_block(struct arena *a, size_t need)
{
	size_t cap = BLOCK_MIN;
	struct arena_block *b;

	/* Blocks double up to a bound so that small arenas stay small. */
	if (a->head && a->head->cap < BLOCK_MAX_STEP)
		cap = a->head->cap * 2;
	else if (a->head)
		cap = BLOCK_MAX_STEP;
	/*
	 * A large allocation that did not fit is most likely a vector on the
	 * move: room for it to double twice in place spares copying it. Pages
	 * never touched cost no memory.
	 */
	if (need > BLOCK_MIN) {
		size_t room = need < ROOM_MAX ? 3 * need : ROOM_MAX;

		if (need <= SIZE_MAX - room && cap < need + room)
			cap = need + room;
	}
	if (cap < need)
		cap = need;
	if (cap > SIZE_MAX - sizeof(*b))
		return NULL;
	b = malloc(sizeof(*b) + cap);
	if (!b)
		return NULL;
	b->next = a->head;
	b->used = 0;
	b->cap = cap;
	a->head = b;
	return b;
}

/* @size bytes as they are: the callers clear what they do not write. */
static void *bump(struct arena *a, size_t size)
{
	struct arena_block *b = a->head;
	size_t need = align_up(size ? size : 1);
	void *p;

	if (need < size)
		return NULL;
	if (!b || b->cap - b->used < need) {
		b = new_block(a, need);
		if (!b)
			return NULL;
	}
	p = b->data + b->used;
	b->used += need;
	a->last = p;
	a->last_size = need;
	return p;
}

void *arena_alloc(struct arena *a, size_t size)
{
	void *p = bump(a, size);

	if (p)
		memset(p, 0, size);
	return p;
}

void *arena_grow(struct arena *a, void *p, size_t old, size_t size)
{
	struct arena_block *b = a->head;
	void *q;

	if (size <= old)
		return p;
	if (p && p == a->last && b) {
		size_t need = align_up(size);
		size_t start = (size_t)((unsigned char *)p - b->data);

		if (need >= size && b->cap - start >= need) {
			b->used = start + need;
			a->last_size = need;
			return p;
		}
	}
	q = bump(a, size);
	if (q && p)
		memcpy(q, p, old);
	return q;
}

int vec_reserve_(struct arena *a, void **v, size_t *cap, size_t need, size_t elsize)
{
	size_t ncap;
	void *nv;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 4;
	while (ncap < need)
		ncap *= 2;
	if (ncap > SIZE_MAX / elsize)
		return -ENOMEM;
	nv = arena_grow(a, *v, *cap * elsize, ncap * elsize);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *d = arena_alloc(a, n + 1);

	if (d)
		memcpy(d, s, n);
	return d;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	s = arena_alloc(a, (size_t)n + 1);
	if (!s)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}
