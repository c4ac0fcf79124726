/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_UTIL_ARENA_H
#define WGP_UTIL_ARENA_H

#include <stddef.h>
#include <string.h>

/*
 * A bump allocator: the configuration model and everything derived from it
 * live in one arena and die with one arena_free(). Memory stays linear in the
 * input because the most recent allocation grows in place (vectors being
 * filled one item at a time are almost always the most recent allocation).
 */
struct arena_block;

struct arena {
	struct arena_block *head;
	void *last;       /* most recent allocation, for in-place growth */
	size_t last_size;
};

void arena_init(struct arena *a);
void arena_free(struct arena *a);
/* Zeroed memory, aligned for any object; NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t size);
/*
 * Grow @p (from arena_alloc, @old bytes) to @size bytes; the new bytes are
 * as they come, not cleared: a vector's room to grow is mostly never written,
 * and clearing it had the kernel fault in pages nothing else touched.
 */
void *arena_grow(struct arena *a, void *p, size_t old, size_t size);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Typed growable arrays in an arena. vec_push() returns a pointer to a new
 * zeroed element, or NULL when out of memory. The room vec_reserve() makes
 * is not cleared: only what is pushed is.
 */
#define VEC(type)                                                                                  \
	struct {                                                                                   \
		type *v;                                                                           \
		size_t n, cap;                                                                     \
	}

int vec_reserve_(struct arena *a, void **v, size_t *cap, size_t need, size_t elsize);

#define vec_push(a, vec)                                                                           \
	(vec_reserve_((a), (void **)&(vec)->v, &(vec)->cap, (vec)->n + 1, sizeof(*(vec)->v))      \
		 ? NULL                                                                            \
		 : (__typeof__(&(vec)->v[0]))memset(&(vec)->v[(vec)->n++], 0, sizeof(*(vec)->v)))

/* Room for @need items in all, so that filling it moves it no more. 0 or -ENOMEM. */
#define vec_reserve(a, vec, need)                                                                  \
	vec_reserve_((a), (void **)&(vec)->v, &(vec)->cap, (need), sizeof(*(vec)->v))

/* An empty vector may have no storage: NULL + 0 is undefined in C, so test it first. */
#define vec_foreach(it, vec)                                                                       \
	for (__typeof__((vec)->v[0]) *it = (vec)->v; it && it < (vec)->v + (vec)->n; it++)

#endif
