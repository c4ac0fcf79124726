/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_TESTS_TESTENV_H
#define WGP_TESTS_TESTENV_H

/*
 * A fixed system for tests: users alice (1001) and bob (1002), groups staff
 * (50) and backup (34), table names "custom" (100) and "vpn" (200); files are
 * read from disk; nothing is world accessible.
 */

#include "conf/conf.h"

extern const struct conf_env test_env;

/* Parse @text as the file @path and finish; the caller frees with conf_free(). */
struct conf *parse_text(const char *path, const char *text);
/* Number of diagnostics of @sev whose message contains @needle. */
size_t count_diags(const struct conf *c, enum severity sev, const char *needle);
/* Print every diagnostic, for failing tests. */
void dump_diags(const struct conf *c);
/*
 * The verdict of a parser that returns NULL or a message: with @want NULL, @got
 * must be NULL (accepted); else @got must contain @want. A failure names @input.
 */
void assert_verdict(const char *input, const char *got, const char *want);

#endif
