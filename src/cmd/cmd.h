/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_CMD_CMD_H
#define WGP_CMD_CMD_H

/* One file per command, dispatched from main.c's table (as wireguard-tools' wg.c). */

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "conf/conf.h"
#include "state/state.h"

/* Exit codes, documented in wgpolicy(8). */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,
	EXIT_CHANGES = 2, /* plan: there is something to do */
	EXIT_USAGE = 64,
};

int check_main(int argc, char *argv[]);
int plan_main(int argc, char *argv[]);
int apply_main(int argc, char *argv[]);
int up_main(int argc, char *argv[]);
int down_main(int argc, char *argv[]);
int status_main(int argc, char *argv[]);
int exec_main(int argc, char *argv[]);
int daemon_main(int argc, char *argv[]);
int reload_main(int argc, char *argv[]);
int explain_main(int argc, char *argv[]);
int doctor_main(int argc, char *argv[]);

struct cmd_opts {
	const char *dir;
	bool json;
	char **args; /* operands after the options */
	int nargs;
};

/* "wg0" or "/etc/wireguard/wg0.conf" → "wg0" in @name; NULL when neither. */
const char *iface_operand(const char *arg, char *name, size_t len);

struct engine_opts;
/* One operand, a name or a wg-quick file: limit @eo to that interface (and read that file). */
int iface_scope(const struct cmd_opts *o, struct engine_opts *eo, char name[IFNAME_MAX + 1],
		const char **scope);
struct engine;
/* Is the interface @eo is limited to one of the configuration's? Else says so, for @cmd. */
bool iface_scope_known(const struct engine *e, const struct engine_opts *eo, const char *cmd);

/* Parse the shared options; returns -1 to go on, else the exit code (after --help: 0). */
int cmd_options(int argc, char *argv[], const char *usage, bool allow_json, struct cmd_opts *o);

/* ---- show.c: what several commands show alike ---- */

/* A live peer as status shows it; @c (may be NULL) gives its Name. */
json_t *peer_json(const struct conf *c, const struct st_wgpeer *p, time_t now);
/* "5 seconds ago", "never", and a newline. */
void print_age(FILE *out, int64_t when, time_t now);
/* What the daemon of this namespace says (health, active targets), or null when none runs. */
json_t *daemon_json(void);
/* target_up_fn over daemon_json()'s answer: unknown targets are up. */
bool daemon_target_up(const void *daemon, const struct conf_policy *p, size_t i);
/*
 * Warn on stderr of what in the system keeps policies from working, as
 * `wgpolicy doctor` reports it: rules of other programs that take a policy's
 * traffic before wgpolicy's rules do (its kill switch, in wgpolicy's tables,
 * never sees that traffic), and a host that forwards none of the other
 * hosts' packets a policy selects.
 */
void warn_system(struct engine *e);

#endif
