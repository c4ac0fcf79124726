// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Data-driven checks over tests/corpus/. Each case is a .conf file or a
 * folder of them (with any [Set] files). Expectations sit on the line they
 * are about, after a comment the parser never sees:
 *
 *     AllowedIPs = 10.0.0.0/8,   #! error: empty item
 *
 * Every diagnostic must be announced so on its line (file, line, severity,
 * a part of the message) and every announcement must be met: an unexpected
 * warning fails a case as surely as a missing error. valid/ cases must give
 * nothing but what they announce.
 */
#include <dirent.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "load/load.h"
#include "testenv.h"

struct expect {
	char *file;
	unsigned line;
	enum severity sev;
	char *text;
	bool met;
};

struct expectations {
	struct expect *v;
	size_t n;
};

/* @text ends at the line's end or at the next announcement on the same line. */
static void add_expect(struct expectations *e, const char *file, unsigned line, char *mark,
		       char *next)
{
	enum severity sev = strncmp(mark, "error:", 6) ? SEV_WARNING : SEV_ERROR;
	char *text = strchr(mark, ':');
	size_t n;

	assert_non_null(text);
	if (sev == SEV_WARNING)
		assert_int_equal(strncmp(mark, "warning:", 8), 0);
	text++;
	while (*text == ' ')
		text++;
	n = next ? (size_t)(next - text) : strcspn(text, "\r\n");
	while (n && text[n - 1] == ' ')
		n--;
	text[n] = '\0';
	e->v = realloc(e->v, sizeof(*e->v) * (e->n + 1));
	assert_non_null(e->v);
	e->v[e->n++] = (struct expect){ strdup(file), line, sev, strdup(text), false };
}

static void scan_expectations(struct expectations *e, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;

	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		char *mark, *next;

		lineno++;
		/* A line may announce several diagnostics: "#! error: a #! warning: b". */
		for (mark = strstr(line, "#! "); mark; mark = next) {
			next = strstr(mark + 3, "#! ");
			add_expect(e, path, lineno, mark + 3, next);
		}
	}
	free(line);
	fclose(f);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void scan_case(struct expectations *e, const char *path)
{
	struct dirent *ent;
	DIR *d;

	if (!is_dir(path)) {
		scan_expectations(e, path);
		return;
	}
	d = opendir(path);
	assert_non_null(d);
	while ((ent = readdir(d))) {
		char *sub;

		if (ent->d_name[0] == '.')
			continue;
		assert_true(asprintf(&sub, "%s/%s", path, ent->d_name) > 0);
		scan_expectations(e, sub);
		free(sub);
	}
	closedir(d);
}

static bool meets(struct expect *x, const struct diag *g)
{
	return !x->met && x->sev == g->sev && x->line == g->loc.line &&
	       !strcmp(x->file, g->loc.file) && strstr(g->msg, x->text);
}

static void run_case(void **state)
{
	const char *path = *state;
	struct expectations e = { 0 };
	struct conf *c = NULL;
	char *files[1] = { (char *)path };
	int failures = 0;
	size_t i;

	scan_case(&e, path);
	if (is_dir(path))
		assert_int_equal(load_config_env(path, NULL, 0, &test_env, &c), 0);
	else
		assert_int_equal(load_config_env(NULL, files, 1, &test_env, &c), 0);
	vec_foreach(g, &c->diags.list) {
		bool ok = false;

		for (i = 0; i < e.n && !ok; i++)
			ok = meets(&e.v[i], g) ? (e.v[i].met = true) : false;
		if (!ok) {
			fprintf(stderr, "# unexpected: %s:%u: %s: %s\n", g->loc.file, g->loc.line,
				severity_name(g->sev), g->msg);
			failures++;
		}
	}
	for (i = 0; i < e.n; i++) {
		if (!e.v[i].met) {
			fprintf(stderr, "# missing: %s:%u: %s: ...%s...\n", e.v[i].file, e.v[i].line,
				severity_name(e.v[i].sev), e.v[i].text);
			failures++;
		}
		free(e.v[i].file);
		free(e.v[i].text);
	}
	free(e.v);
	conf_free(c);
	assert_int_equal(failures, 0);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int visible(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

int main(int argc, char *argv[])
{
	struct CMUnitTest *tests = NULL;
	size_t n = 0;
	int i, failed;

	for (i = 1; i < argc; i++) {
		struct dirent **list;
		int k, m = scandir(argv[i], &list, visible, by_name);

		if (m < 0) {
			perror(argv[i]);
			return 1;
		}
		for (k = 0; k < m; k++) {
			char *path;

			if (asprintf(&path, "%s/%s", argv[i], list[k]->d_name) < 0)
				return 1;
			tests = realloc(tests, sizeof(*tests) * (n + 1));
			tests[n++] = (struct CMUnitTest){ .name = path,
							   .test_func = run_case,
							   .initial_state = path };
			free(list[k]);
		}
		free(list);
	}
	failed = _cmocka_run_group_tests("corpus", tests, n, NULL, NULL);
	for (size_t j = 0; j < n; j++)
		free((char *)tests[j].name);
	free(tests);
	return failed;
}
