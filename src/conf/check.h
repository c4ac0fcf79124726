/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_CONF_CHECK_H
#define WGP_CONF_CHECK_H

/* Internal to conf/: helpers shared by validate.c, coverage.c and lint.c. */

#include "conf/conf.h"

/* Bit set of address families. */
enum { FAM_V4 = 1, FAM_V6 = 2, FAM_ALL = 3 };

unsigned fam_bit(uint8_t family);
/*
 * Families a list of address selectors names (sets expanded); 0 for an empty
 * list; both when it names a missing set or one with an invalid line.
 */
unsigned sel_families(const struct conf *c, const struct addr_sel *v, size_t n);
/* The families a policy can match, from From, To and Family. */
unsigned policy_families(const struct conf *c, const struct conf_policy *p);
/* Call @fn for each prefix of a selector list, expanding @sets. */
typedef void (*prefix_fn)(void *arg, const struct prefix *p, struct loc loc);
void sel_foreach(const struct conf *c, const struct addr_sel *v, size_t n, prefix_fn fn, void *arg);

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
void conf_validate_policy(struct conf *c, struct conf_policy *p);
void conf_check_duplicate_policies(struct conf *c);

#endif
