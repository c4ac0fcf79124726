/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_CONF_READ_H
#define WGP_CONF_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/diag.h"

/*
 * The line reader: sections and "key = value" lines with their file and
 * line, read as wg-quick reads them: '#' starts a comment anywhere on a line,
 * surrounding blanks go, CRLF is accepted, lines have no length limit and
 * are never joined.
 */

/*
 * LINE_BAD_SECTION: a header the reader rejected (and reported); the keys
 * below it must not fall into the section before it.
 */
enum conf_line_kind { LINE_SECTION, LINE_BAD_SECTION, LINE_KEY };

struct conf_line {
	enum conf_line_kind kind;
	struct loc loc;
	char *section; /* LINE_SECTION: "Policy" of "[Policy office]" */
	char *arg;     /* LINE_SECTION: "office", or NULL */
	char *key;     /* LINE_KEY */
	char *value;   /* LINE_KEY: may be empty */
	bool cut;      /* a '#' ended the line's text: a comment, or part of a value lost */
};

/* A non-zero return from the callback stops reading and is returned. */
typedef int (*conf_line_fn)(void *ctx, const struct conf_line *line);

/*
 * Feed every line of @data to @fn. Syntax errors are added to @d and the line
 * skipped, except a broken section header, which comes as LINE_BAD_SECTION;
 * a NUL byte makes the whole file an error. Returns 0, a callback's
 * non-zero value, or -ENOMEM.
 */
int conf_read(const char *file, const char *data, size_t len, struct diags *d, conf_line_fn fn,
	      void *ctx);

/* Past a UTF-8 byte order mark at the start of @data, which editors write; @len shrinks. */
const char *conf_skip_bom(const char *data, size_t *len);

/*
 * Could @s hold a key (a run of 40 base64 characters: 43 and a '=' make one)? A
 * diagnostic must not show it then: it may be a private key pasted in the wrong place.
 */
bool conf_may_hold_key(const char *s);

/* Trim blanks (space, tab, CR, VT, FF) at both ends, in place. */
char *conf_trim(char *s);

#endif
