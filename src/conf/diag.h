/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_CONF_DIAG_H
#define WGP_CONF_DIAG_H

#include <stdarg.h>
#include <stddef.h>

#include "util/arena.h"

/* Where a value came from. line 0 means "not set" (see IS_SET in model.h). */
struct loc {
	const char *file;
	unsigned line;
};

enum severity { SEV_ERROR, SEV_WARNING };

struct diag {
	enum severity sev;
	struct loc loc;
	const char *msg;
	size_t seq; /* order of report, to keep sorting stable */
};

/* Error records: the core reports, the commands print (nftables' way). */
struct diags {
	struct arena *arena;
	VEC(struct diag) list;
	size_t errors, warnings;
	int oom; /* set when a record could not be stored */
};

void diags_init(struct diags *d, struct arena *a);
void diag_add(struct diags *d, enum severity sev, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag_vadd(struct diags *d, enum severity sev, struct loc loc, const char *fmt, va_list ap);
/* Sort by file, then line, keeping the order of reports on one line. */
void diags_sort(struct diags *d);
const char *severity_name(enum severity sev);

#define conf_error(d, loc, ...) diag_add((d), SEV_ERROR, (loc), __VA_ARGS__)
#define conf_warn(d, loc, ...) diag_add((d), SEV_WARNING, (loc), __VA_ARGS__)

#endif
