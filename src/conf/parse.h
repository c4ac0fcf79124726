/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_CONF_PARSE_H
#define WGP_CONF_PARSE_H

/* Internal to conf/: the state of parsing one file, and the key tables. */

#include "conf/conf.h"

enum section_kind { SEC_NONE, SEC_INTERFACE, SEC_PEER, SEC_POLICY, SEC_SET, SEC_GLOBAL, SEC_BAD };

struct parse_ctx {
	struct conf *c;
	struct arena *a;
	struct diags *d;
	const struct conf_env *env;
	const struct conf_source *src;
	const char *file;
	enum section_kind section;
	bool seen_interface_section;
	bool line_cut; /* the line being parsed lost its end to a '#' */
	struct conf_iface *iface; /* this file's interface, once it has one */
	struct conf_peer *peer;
	struct conf_policy *policy;
	struct conf_set *set;
	unsigned policy_count;
};

typedef int (*key_parse_fn)(struct parse_ctx *ctx, char *value, struct loc loc);

struct key_def {
	const char *name;
	key_parse_fn parse;
};

struct section_def {
	const char *name;
	enum section_kind kind;
	const struct key_def *keys; /* NULL-name terminated */
};

extern const struct key_def interface_keys[], peer_keys[], policy_keys[], set_keys[],
	global_keys[];

/* For each item of a comma list (and blank-separated, when @blanks), call @fn. */
typedef int (*item_fn)(struct parse_ctx *ctx, char *item, struct loc loc, void *arg);
/* conf/suggest.c: the name of @names within a typo or two of @word (case aside), or NULL. */
const char *conf_closest(const char *word, const char *const *names, size_t n);
/* What does the work of another WireGuard tool's key here, or NULL. */
const char *conf_foreign_key_hint(const char *key);

int parse_list(struct parse_ctx *ctx, char *value, struct loc loc, bool blanks, item_fn fn,
	       void *arg);
/* Warn that a single-valued key is given again; the later value wins, as in wg-quick. */
void note_repeat(struct parse_ctx *ctx, const struct loc *prev, struct loc now, const char *key);
int report_value(struct parse_ctx *ctx, struct loc loc, const char *key, const char *value,
		 const char *why);
/* A list-valued selector: an empty value is an error, as dropping a selector widens a policy. */
int list_key(struct parse_ctx *ctx, const char *key, char *value, struct loc loc, item_fn fn,
	     void *arg);
int push_lstr(struct parse_ctx *ctx, void *vec, const char *s, struct loc loc);

#define SET_OPT(ctx, opt, value, loc, key)                                                         \
	do {                                                                                       \
		note_repeat((ctx), &(opt).loc, (loc), (key));                                      \
		(opt).v = (value);                                                                 \
		(opt).loc = (loc);                                                                 \
	} while (0)

#define OOM_IF_NULL(p)                                                                             \
	do {                                                                                       \
		if (!(p))                                                                          \
			return -ENOMEM;                                                            \
	} while (0)

#endif
