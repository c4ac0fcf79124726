/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_DAEMON_FLAP_H
#define WGP_DAEMON_FLAP_H

/*
 * Flaps: an owned object that something else keeps changing while the daemon
 * keeps putting it back. Logged one by one, a flap would fill the journal with
 * the same two lines; instead, its FLAP_CHANGES-th re-assertion within
 * FLAP_WINDOW_MS starts a flap, said once with its rate, and the object's
 * changes go unlogged until it has been left alone for FLAP_WINDOW_MS, when
 * the flap is summed up. Pure: the caller gives the time and does the logging.
 */

#include <stdbool.h>
#include <stdint.h>

#define FLAP_CHANGES   4     /* "more than 3 ... */
#define FLAP_WINDOW_MS 10000 /* ... within 10 s" */
#define FLAP_SLOTS     64    /* objects followed at once; more are logged as usual */
#define FLAP_NAME_MAX  200

struct flap {
	uint64_t key;		       /* a hash of the object's whole description */
	char name[FLAP_NAME_MAX];      /* the description, maybe cut short, for the log */
	uint64_t recent[FLAP_CHANGES]; /* the last re-assertions, a ring */
	uint64_t seen;		       /* re-assertions since the slot was taken */
	uint64_t first_ms, last_ms;    /* of the flap, or of the last re-assertion */
	uint64_t changes;	       /* re-assertions during the flap */
	bool used, flapping;
};

struct flaps {
	struct flap v[FLAP_SLOTS];
};

enum flap_verdict {
	FLAP_CALM,    /* log the change as usual */
	FLAP_STARTED, /* this change starts a flap: say so, once */
	FLAP_ONGOING, /* part of a flap already said: stay quiet */
};

/* The object named @name was put back at @now_ms. */
enum flap_verdict flap_note(struct flaps *f, const char *name, uint64_t now_ms);
/* What is known of @name (NULL: nothing). */
const struct flap *flap_find(const struct flaps *f, const char *name);
/* Whether @name flaps: its changes are not logged one by one. */
bool flap_quiet(const struct flaps *f, const char *name);
/*
 * A flap that has ended by @now_ms, copied to @out and forgotten; false when
 * none has. Called until false, it returns each one once.
 */
bool flap_calmed(struct flaps *f, uint64_t now_ms, struct flap *out);
/* When the next flap ends if left alone (0: none is going on). */
uint64_t flap_due(const struct flaps *f);
/* How many objects flap now. */
unsigned flap_count(const struct flaps *f);
/* A flap's length in seconds and its changes per second. */
double flap_seconds(const struct flap *fl);
double flap_rate(const struct flap *fl);

#endif
