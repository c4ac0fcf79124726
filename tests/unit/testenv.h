/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_TESTS_TESTENV_H
#define WGP_TESTS_TESTENV_H

/*
 * A fixed system for tests: users alice (1001) and bob (1002), groups staff
 * (50) and backup (34), table names "custom" (100) and "vpn" (200); files are
 * read from disk; nothing is world accessible.
 */

#include "compile/compile.h"
#include "conf/conf.h"

extern const struct conf_env test_env;

/* Parse @text as the file @path and finish; the caller frees with conf_free(). */
struct conf *parse_text(const char *path, const char *text);
/* Parse @n files as one configuration and finish; it must have no error. */
struct conf *parse_sources(const struct conf_source *srcs, size_t n);
/* Number of diagnostics of @sev whose message contains @needle. */
size_t count_diags(const struct conf *c, enum severity sev, const char *needle);
/* Print every diagnostic, for failing tests. */
void dump_diags(const struct conf *c);

/*
 * Fixed facts: no kernel WireGuard, literal endpoints resolve to themselves
 * and names to 203.0.113.99, path MTUs 1500, every uplink an Underlay names
 * exists with MTU 1500 and gateway 192.0.2.254; @live as the live state.
 */
struct test_facts {
	struct facts f;
	struct endpoint_fact *eps;
	struct uplink_fact *ups;
};
struct facts *test_facts(struct test_facts *tf, const struct conf *c, const struct state *live);
void test_facts_free(struct test_facts *tf);
/*
 * The verdict of a parser that returns NULL or a message: with @want NULL, @got
 * must be NULL (accepted); else @got must contain @want. A failure names @input.
 */
void assert_verdict(const char *input, const char *got, const char *want);
/*
 * The plan from @from to @to, everything owned, one rendered op a line in @out; only the ops
 * on @type unless it is -1.
 */
void plan_lines(const struct state *from, const struct state *to, int type, char *out,
		size_t len);

#endif
