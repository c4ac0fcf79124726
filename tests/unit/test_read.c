// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The line reader: what it hands over, line by line, and what it reports.
 * Each case compares a transcript of the callback's lines: "2[Policy office]"
 * for a section, "3!" for a header the reader rejected, "4Key=value" for a key.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf/read.h"
#include "testenv.h"

#define N(a) (sizeof(a) / sizeof(*(a)))

struct transcript {
	char text[1024];
	size_t len;
	unsigned stop_at; /* return 7 from the callback on this line */
	size_t value_len; /* of the last key, for the long lines */
};

static int record(void *arg, const struct conf_line *l)
{
	struct transcript *t = arg;
	const char *sep = t->len ? " " : "";
	size_t room = sizeof(t->text) - t->len;
	int n;

	if (l->kind == LINE_SECTION)
		n = snprintf(t->text + t->len, room, "%s%u[%s%s%s]", sep, l->loc.line, l->section,
			     l->arg ? " " : "", l->arg ? l->arg : "");
	else if (l->kind == LINE_BAD_SECTION)
		n = snprintf(t->text + t->len, room, "%s%u!", sep, l->loc.line);
	else
		n = snprintf(t->text + t->len, room, "%s%u%s=%.40s", sep, l->loc.line, l->key,
			     l->value);
	assert_true(n > 0 && (size_t)n < room);
	t->len += (size_t)n;
	if (l->kind == LINE_KEY)
		t->value_len = strlen(l->value);
	return l->loc.line == t->stop_at ? 7 : 0;
}

/* Read @len bytes of @data as "t.conf"; check the transcript and the diagnostics. */
static void read_case(const char *data, size_t len, const char *want, size_t ndiags,
		      unsigned diag_line, const char *diag_text)
{
	struct transcript t = { .len = 0 };
	struct arena a;
	struct diags d;

	arena_init(&a);
	diags_init(&d, &a);
	assert_int_equal(conf_read("t.conf", data, len, &d, record, &t), 0);
	if (strcmp(t.text, want))
		fail_msg("'%s': handed over '%s', want '%s'", data, t.text, want);
	if (d.list.n != ndiags)
		fail_msg("'%s': %zu diagnostics, want %zu", data, d.list.n, ndiags);
	if (ndiags) {
		assert_int_equal(d.list.v[0].sev, SEV_ERROR);
		assert_string_equal(d.list.v[0].loc.file, "t.conf");
		assert_int_equal(d.list.v[0].loc.line, diag_line);
		assert_verdict(data, d.list.v[0].msg, diag_text);
	}
	arena_free(&a);
}

static void lines(void **state)
{
	static const struct {
		const char *in, *want;
		unsigned diag_line; /* 0: no diagnostic */
		const char *diag;
	} cases[] = {
		{ "[Interface]\nPrivateKey = abc\n", "1[Interface] 2PrivateKey=abc" },
		{ "[Interface]\r\nAddress = 10.0.0.1/24\r\n\r\n", "1[Interface] 2Address=10.0.0.1/24" },
		{ "\xef\xbb\xbf[Interface]\nMTU = 1420", "1[Interface] 2MTU=1420" },
		{ "[Peer]\nKey = v", "1[Peer] 2Key=v" },
		{ "", "" },
		{ "\n\n  \n\t\r\n\v\f\n", "" },
		{ "\n\n# x\n[Set s]\n", "4[Set s]" },
		/* comments: from '#' to the end of the line, anywhere, as wg-quick strips them */
		{ "# c\n[Interface] # c\nKey = v # c\nKey2 = a#b\n  # indented\n\tKey3=\t x \t\n",
		  "2[Interface] 3Key=v 4Key2=a 6Key3=x" },
		{ "#[Interface]\nKey = v#w#x", "2Key=v" },
		{ "PostUp = a; b # c; d", "1PostUp=a; b" },
		/* the value is everything after the first '=' */
		{ "PresharedKey = abc=\nA==B", "1PresharedKey=abc= 2A==B" },
		{ "Key =\nKey2=", "1Key= 2Key2=" },
		{ "\vKey = v\f\n", "1Key=v" },
		{ "Key = [x]", "1Key=[x]" },
		{ "Allowed IPs = x", "1Allowed IPs=x" },
		/* section headers: blanks inside are fine, the name is kept as written */
		{ "[ Policy   office  ]", "1[Policy office]" },
		{ "[Policy a b]", "1[Policy a b]" },
		{ "[\tSet\tcorp ]", "1[Set corp]" },
		{ "[iNtErFaCe]", "1[iNtErFaCe]" },
		{ "[Interface]   # c", "1[Interface]" },
		/* errors: reported on their line; a bad header is still handed over */
		{ "[Interface]\njunk", "1[Interface]", 2, "'junk' is not a section header nor" },
		{ "[Interface]\n= v\nKey = w", "1[Interface] 3Key=w", 2, "missing key name before '='" },
		{ "[Interface\nKey = v", "1! 2Key=v", 1, "'[Interface' is missing its closing ']'" },
		{ "[Policy a#b]", "1!", 1, "'[Policy a' is missing its closing ']'" },
		{ "[Peer] x", "1!", 1, "unexpected text 'x' after section header" },
		{ "[Set a]]", "1!", 1, "unexpected text ']' after section header" },
		{ "[Interface] = x", "1!", 1, "unexpected text '= x' after section header" },
		{ "[]", "1!", 1, "empty section header '[]'" },
		{ "[Interface]\rKey = v\r", "", 1, "lines end in CR alone (as in classic Mac OS)" },
		{ "[Interface]\r", "1[Interface]" },
		{ "[Interface]\n; c", "1[Interface]", 2, "'; c' is not a section header nor a "
						   "'Key = value' line (comments start with '#')" },
		{ "\n[ \t ]", "2!", 2, "empty section header" },
		/* one BOM only, and only at the start */
		{ "\xef\xbb\xbf\xef\xbb\xbf[Peer]", "", 1, "is not a section header nor" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++)
		read_case(cases[i].in, strlen(cases[i].in), cases[i].want, cases[i].diag_line ? 1 : 0,
			  cases[i].diag_line, cases[i].diag);
}

/* The reader keeps to @len: the bytes after it are not its to read. */
static void reads_only_len_bytes(void **state)
{
	static const char data[] = "[Interface]\nKey = v\nGARBAGE";

	(void)state;
	read_case(data, 20, "1[Interface] 2Key=v", 0, 0, NULL);
	read_case(data, 18, "1[Interface] 2Key=", 0, 0, NULL);
	read_case(data, 16, "1[Interface]", 1, 2, "'Key' is not a section header nor");
}

/* A NUL byte makes the file binary: one error on the NUL's line, nothing handed over. */
static void nul_byte(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		unsigned line;
	} cases[] = {
		{ "\0[Interface]\n", 13, 1 },
		{ "[Interface]\nKey = v\nKe\0y = w\n", 28, 3 },
		{ "[Interface]\nKey = v\n\0", 21, 3 },
		{ "[Interface]\r\n\r\n\r\nMTU = 1420\0", 28, 4 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++)
		read_case(cases[i].in, cases[i].len, "", 1, cases[i].line,
			  "NUL byte: this is a binary file, not a configuration");
}

/* A file saved as "Unicode" by a Windows editor is UTF-16: say so, not "binary". */
static void utf16(void **state)
{
	(void)state;
	read_case("\xff\xfe[\0I\0]\0\n\0", 10, "", 1, 1,
		  "this file is UTF-16 (as Windows editors save \"Unicode\"): save it as UTF-8");
	read_case("\xfe\xff\0[\0I\0]\0\n", 10, "", 1, 1, "this file is UTF-16");
	read_case("[\0I\0]\0\n\0", 8, "", 1, 1, "this file is UTF-16");
}

/* Lines of any length are read whole; the line after one is still counted right. */
static void long_lines(void **state)
{
	static const size_t sizes[] = { 199, 200, 201, 4096, 65536, 1 << 20 };
	size_t i;

	(void)state;
	for (i = 0; i < N(sizes); i++) {
		size_t n = sizes[i], len = 0;
		char *data = malloc(n + 64);
		struct transcript t = { .len = 0 };
		struct arena a;
		struct diags d;

		assert_non_null(data);
		len += (size_t)sprintf(data, "PostUp = ");
		memset(data + len, 'x', n);
		len += n;
		len += (size_t)sprintf(data + len, " # end\r\nKey = v\n");
		arena_init(&a);
		diags_init(&d, &a);
		assert_int_equal(conf_read("t.conf", data, len, &d, record, &t), 0);
		assert_int_equal(d.list.n, 0);
		assert_non_null(strstr(t.text, " 2Key=v"));
		assert_int_equal(t.value_len, 1);
		t = (struct transcript){ .stop_at = 1 };
		assert_int_equal(conf_read("t.conf", data, len, &d, record, &t), 7);
		assert_int_equal(t.value_len, n);
		arena_free(&a);
		free(data);
	}
}

/* A non-zero return from the callback stops the reading and is returned. */
static void callback_stops(void **state)
{
	static const char data[] = "[Interface]\nA = 1\nB = 2\nC = 3\n";
	struct transcript t = { .stop_at = 3 };
	struct arena a;
	struct diags d;

	(void)state;
	arena_init(&a);
	diags_init(&d, &a);
	assert_int_equal(conf_read("t.conf", data, strlen(data), &d, record, &t), 7);
	assert_string_equal(t.text, "1[Interface] 2A=1 3B=2");
	arena_free(&a);
}

static void trims(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "", "" },	      { "  ", "" },		 { "a", "a" },
		{ " a ", "a" },	      { "\t\r\v\fa b\t\r\n", "a b\t\r\n" },
		{ "a\r", "a" },	      { " a\t b ", "a\t b" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		assert_string_equal(conf_trim(buf), cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines),	   cmocka_unit_test(reads_only_len_bytes),
		cmocka_unit_test(nul_byte),	   cmocka_unit_test(utf16),	   cmocka_unit_test(long_lines),
		cmocka_unit_test(callback_stops), cmocka_unit_test(trims),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
