/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_DAEMON_RESOLVE_H
#define WGP_DAEMON_RESOLVE_H

/*
 * Endpoints' host names for the daemon: cached, looked up again on a
 * schedule and when a peer's handshake goes stale (daemon/watch.h), and
 * never on the event loop. getaddrinfo(3) blocks for as long as the
 * resolver takes (an unanswering server costs resolv.conf(5)'s timeout
 * times its attempts), so one worker thread runs it: the loop hands it a
 * job through a pipe, at most one per name, and gets the job back answered
 * through another pipe its epoll watches. Only the loop touches the cache;
 * the worker touches only the job it holds: nothing is shared, nothing is
 * locked. A name keeps its last address while lookups fail (as
 * wireguard-tools' reresolve-dns.sh does); until a name has answered once,
 * its peers go without an endpoint.
 */

#include <jansson.h>
#include <pthread.h>

#include "compile/compile.h"
#include "daemon/watch.h"

struct name {
	char *host;
	struct lookup_sched sched;
	struct st_endpoint addr; /* its last answer (port unused); family 0: none yet */
	char *error;             /* the last failure; NULL after an answer */
	uint64_t lookups;
};

struct resolver {
	struct name *v;
	size_t n;
	uint32_t interval_ms; /* [Global] ResolveInterval; 0: only when a handshake is stale */
	int to_worker[2], from_worker[2];
	pthread_t worker;
	bool running;
};

/* Start the worker (after signals are blocked: it inherits the mask, signalfd needs that). */
int resolver_start(struct resolver *r);
void resolver_stop(struct resolver *r);
int resolver_fd(const struct resolver *r);
/* The host names of @c's endpoints: names still named keep their cache entry. */
int resolver_adopt(struct resolver *r, const struct conf *c);
/* Hand the worker the lookups that are due; ms until the next is (-1: none). */
int resolver_tick(struct resolver *r, uint64_t now_ms);
/* Take the worker's answers; true when a name's address changed. */
bool resolver_read(struct resolver *r, uint64_t now_ms);
/* Wait, at most @budget_ms, for the lookups under way: at start, before the first round. */
void resolver_settle(struct resolver *r, uint64_t budget_ms);
/* Look @host up again now (its peer's handshake is stale); true unless it is too soon. */
bool resolver_hurry(struct resolver *r, const char *host, uint64_t now_ms);
/* An endpoint_fn: literal addresses as they are, names from the cache or pending. */
void resolver_endpoint(void *r, struct endpoint_fact *ef, struct arena *a);
/* The cache, for status: each name's address, last error, lookups and next lookup. */
json_t *resolver_json(const struct resolver *r, uint64_t now_ms);

#endif
