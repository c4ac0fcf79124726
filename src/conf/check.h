/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_CONF_CHECK_H
#define WGP_CONF_CHECK_H

/* Internal to conf/: helpers shared by validate.c, coverage.c and lint.c. */

#include "conf/conf.h"

#define fam_bit fam_bit_of

/* Reports "and N more" after the first few of a kind, so a 100,000-line set cannot flood. */
struct capped {
	struct diags *d;
	enum severity sev;
	unsigned shown, extra;
	struct loc first;
};
#define CAPPED_MAX 5
void capped_add(struct capped *cap, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void capped_end(struct capped *cap, const char *what);

void conf_check_coverage(struct conf *c, struct conf_policy *p);
void conf_validate(struct conf *c);
void conf_validate_policy(struct conf *c, struct conf_policy *p);
void conf_check_duplicate_policies(struct conf *c);

#endif
