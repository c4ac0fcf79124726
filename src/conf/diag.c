// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void diags_init(struct diags *d, struct arena *a)
{
	memset(d, 0, sizeof(*d));
	d->arena = a;
}

void diag_vadd(struct diags *d, enum severity sev, struct loc loc, const char *fmt, va_list ap)
{
	struct diag *r;
	va_list copy;
	char *msg;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	msg = n < 0 ? NULL : arena_alloc(d->arena, (size_t)n + 1);
	r = msg ? vec_push(d->arena, &d->list) : NULL;
	if (!r) {
		d->oom = 1;
		d->errors++;
		return;
	}
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	r->sev = sev;
	r->loc = loc;
	r->msg = msg;
	r->seq = d->list.n;
	if (sev == SEV_ERROR)
		d->errors++;
	else
		d->warnings++;
}

void diag_add(struct diags *d, enum severity sev, struct loc loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, sev, loc, fmt, ap);
	va_end(ap);
}

static int cmp_diag(const void *pa, const void *pb)
{
	const struct diag *a = pa, *b = pb;
	int c = strcmp(a->loc.file ? a->loc.file : "", b->loc.file ? b->loc.file : "");

	if (c)
		return c;
	if (a->loc.line != b->loc.line)
		return a->loc.line < b->loc.line ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void diags_sort(struct diags *d)
{
	if (d->list.n > 1)
		qsort(d->list.v, d->list.n, sizeof(*d->list.v), cmp_diag);
}

const char *severity_name(enum severity sev)
{
	return sev == SEV_ERROR ? "error" : "warning";
}
