// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/read.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

char *conf_trim(char *s)
{
	size_t n;

	while (is_blank(*s))
		s++;
	n = strlen(s);
	while (n && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

bool conf_may_hold_key(const char *s)
{
	size_t run = 0;

	for (; *s && run < 40; s++) {
		bool b64 = (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
			   (*s >= '0' && *s <= '9') || *s == '+' || *s == '/';

		run = b64 ? run + 1 : 0;
	}
	return run >= 40;
}

/* @s quoted for a message, or why it is not shown. */
static const char *shown(struct diags *d, const char *s)
{
	const char *quoted;

	if (conf_may_hold_key(s))
		return "(not shown: it may hold a key)";
	quoted = arena_printf(d->arena, "'%s'", s);
	return quoted ? quoted : "(out of memory)";
}

static int read_section(char *s, struct conf_line *line, struct diags *d)
{
	char *end = strchr(s, ']');
	char *name, *arg, *junk;

	if (!end) {
		conf_error(d, line->loc, "section header %s is missing its closing ']'", shown(d, s));
		return -1;
	}
	junk = conf_trim(end + 1);
	if (*junk) {
		conf_error(d, line->loc, "unexpected text %s after section header", shown(d, junk));
		return -1;
	}
	*end = '\0';
	name = conf_trim(s + 1);
	arg = name + strcspn(name, " \t");
	if (*arg) {
		*arg++ = '\0';
		arg = conf_trim(arg);
	}
	if (!*name) {
		conf_error(d, line->loc, "empty section header '[]'");
		return -1;
	}
	line->kind = LINE_SECTION;
	line->section = name;
	line->arg = *arg ? arg : NULL;
	return 0;
}

static int read_key(char *s, struct conf_line *line, struct diags *d)
{
	char *eq = strchr(s, '=');

	if (!eq) {
		conf_error(d, line->loc, "%s is not a section header nor a 'Key = value' line%s",
			   shown(d, s), *s == ';' ? " (comments start with '#')" : "");
		return -1;
	}
	*eq = '\0';
	line->kind = LINE_KEY;
	line->key = conf_trim(s);
	line->value = conf_trim(eq + 1);
	if (!*line->key) {
		conf_error(d, line->loc, "missing key name before '='");
		return -1;
	}
	return 0;
}

/* Strip the comment and blanks; classify; hand over. */
static int read_line(char *s, struct conf_line *line, struct diags *d, conf_line_fn fn, void *ctx)
{
	char *hash = strchr(s, '#');

	if (hash)
		*hash = '\0';
	line->cut = hash != NULL;
	s = conf_trim(s);
	if (!*s)
		return 0;
	if (*s == '[') {
		if (read_section(s, line, d))
			line->kind = LINE_BAD_SECTION;
		return fn(ctx, line);
	}
	if (read_key(s, line, d))
		return 0;
	return fn(ctx, line);
}

const char *conf_skip_bom(const char *data, size_t *len)
{
	if (*len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3)) {
		*len -= 3;
		return data + 3;
	}
	return data;
}

/* A UTF-16 byte order mark, or ASCII text with a NUL after (or before) each character. */
static bool utf16(const char *data, size_t len)
{
	const unsigned char *u = (const unsigned char *)data;

	if (len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff)))
		return true;
	return len >= 4 && ((u[0] && !u[1] && u[2] && !u[3]) || (!u[0] && u[1] && !u[2] && u[3]));
}

/* Do CRs alone end lines? (Not a single line's CR at the end of a file.) */
static bool cr_only(const char *data, size_t len)
{
	size_t n = len;

	while (n && data[n - 1] == '\r')
		n--;
	return memchr(data, '\r', n) && !memchr(data, '\n', len);
}

int conf_read(const char *file, const char *data, size_t len, struct diags *d, conf_line_fn fn,
	      void *ctx)
{
	const char *nul = memchr(data, '\0', len);
	const char *p, *end;
	char *buf = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int ret = 0;

	if (nul && utf16(data, len)) {
		conf_error(d, ((struct loc){ file, 1 }),
			   "this file is UTF-16 (as Windows editors save \"Unicode\"): save it as "
			   "UTF-8");
		return 0;
	}
	if (nul) {
		unsigned at = 1;

		for (p = data; p < nul; p++)
			at += *p == '\n';
		conf_error(d, ((struct loc){ file, at }),
			   "NUL byte: this is a binary file, not a configuration");
		return 0;
	}
	/* wg-quick would read such a file as one line: say why, not what that line lacks. */
	if (cr_only(data, len)) {
		conf_error(d, ((struct loc){ file, 1 }),
			   "lines end in CR alone (as in classic Mac OS): save the file with LF "
			   "or CR LF line ends");
		return 0;
	}
	data = conf_skip_bom(data, &len);
	for (p = data, end = data + len; p < end && !ret; p++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct conf_line line = { .loc = { file, ++lineno } };

		if (n + 1 > cap) {
			char *nbuf = realloc(buf, n + 1);

			if (!nbuf) {
				ret = -ENOMEM;
				break;
			}
			buf = nbuf;
			cap = n + 1;
		}
		memcpy(buf, p, n);
		buf[n] = '\0';
		ret = read_line(buf, &line, d, fn, ctx);
		p += n;
	}
	free(buf);
	return ret;
}
