// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/health.h"
#include "reconcile/reconcile.h"
#include "util/log.h"

/* How long stopping waits for a lookup under way before leaving the worker to the exit. */
#define STOP_WAIT_MS 1000

/* One lookup, owned by whoever holds the pointer: the loop, a pipe, or the worker. */
struct job {
	char *host;
	int ret; /* 0, or getaddrinfo's error */
	struct st_endpoint addr;
	char error[128];
};

struct worker_fds {
	int in, out;
};

static void job_free(struct job *j)
{
	if (j)
		free(j->host);
	free(j);
}

static ssize_t read_retry(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_pipes(struct resolver *r)
{
	close_fd(&r->to_worker[0]);
	close_fd(&r->to_worker[1]);
	close_fd(&r->from_worker[0]);
	close_fd(&r->from_worker[1]);
}

static void *work(void *arg)
{
	struct worker_fds fds = *(struct worker_fds *)arg;
	struct job *j;

	free(arg);
	/* Pointers are smaller than PIPE_BUF: each read and write is whole (pipe(7)). */
	while (read_retry(fds.in, &j, sizeof(j)) == sizeof(j)) {
		j->ret = reconcile_lookup(j->host, 0, false, &j->addr, j->error, sizeof(j->error));
		if (write(fds.out, &j, sizeof(j)) != sizeof(j))
			job_free(j);
	}
	return NULL;
}

int resolver_start(struct resolver *r)
{
	struct worker_fds *fds = malloc(sizeof(*fds));
	int err = 0;

	memset(r, 0, sizeof(*r));
	r->to_worker[0] = r->to_worker[1] = r->from_worker[0] = r->from_worker[1] = -1;
	if (!fds || pipe2(r->to_worker, O_CLOEXEC) || pipe2(r->from_worker, O_CLOEXEC))
		err = errno;
	if (!err) {
		/* The loop never waits on the worker: it writes and reads without blocking. */
		fcntl(r->to_worker[1], F_SETFL, O_NONBLOCK);
		fcntl(r->from_worker[0], F_SETFL, O_NONBLOCK);
		fds->in = r->to_worker[0];
		fds->out = r->from_worker[1];
		err = pthread_create(&r->worker, NULL, work, fds);
	}
	if (err) {
		free(fds);
		close_pipes(r);
		return -err;
	}
	r->running = true;
	return 0;
}

static void free_names(struct resolver *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].host);
		free(r->v[i].error);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

void resolver_stop(struct resolver *r)
{
	struct timespec until;
	struct job *j;

	close_fd(&r->to_worker[1]); /* the worker reads the end of its input, and returns */
	if (r->running) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += STOP_WAIT_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		/*
		 * A lookup that hangs is not waited for: the worker is left to the
		 * process's exit, with its pipes, which it may still write to.
		 */
		if (pthread_timedjoin_np(r->worker, NULL, &until)) {
			pthread_detach(r->worker);
			free_names(r);
			return;
		}
	}
	while (r->from_worker[0] >= 0 && read(r->from_worker[0], &j, sizeof(j)) == sizeof(j))
		job_free(j);
	close_pipes(r);
	free_names(r);
}

int resolver_fd(const struct resolver *r)
{
	return r->from_worker[0];
}

static struct name *find_in(struct name *v, size_t n, const char *host)
{
	size_t i;

	/* An entry moved to a new cache has no host left. */
	for (i = 0; i < n; i++)
		if (v[i].host && !strcmp(v[i].host, host))
			return &v[i];
	return NULL;
}

static struct name *find(const struct resolver *r, const char *host)
{
	return find_in(r->v, r->n, host);
}

static bool is_literal(const char *host)
{
	struct st_endpoint ep;
	char err[64];

	return !reconcile_lookup(host, 0, true, &ep, err, sizeof(err));
}

/* A new interval counts from each name's last answer. */
static void set_interval(struct resolver *r, uint32_t interval_ms)
{
	size_t i;

	if (interval_ms == r->interval_ms)
		return;
	r->interval_ms = interval_ms;
	for (i = 0; i < r->n; i++) {
		struct name *n = &r->v[i];

		if (!n->sched.busy && n->sched.done_ms && !n->error)
			lookup_done(&n->sched, true, interval_ms, n->sched.done_ms);
	}
}

int resolver_adopt(struct resolver *r, const struct conf *c)
{
	struct resolver fresh = { 0 };
	size_t n = 0;
	bool oom;

	vec_foreach(iface, &c->ifaces)
		n += (*iface)->peers.n;
	fresh.v = calloc(n + 1, sizeof(*fresh.v));
	oom = !fresh.v;
	vec_foreach(iface, &c->ifaces) {
		vec_foreach(peer, &(*iface)->peers) {
			const char *host = (*peer)->endpoint.v.host;
			struct name *was, *to = &fresh.v[fresh.n];

			if (!fresh.v || !IS_SET((*peer)->endpoint) || find(&fresh, host) ||
			    is_literal(host))
				continue;
			/* A name still named keeps what it knows: moved, not copied. */
			was = find(r, host);
			if (was) {
				*to = *was;
				memset(was, 0, sizeof(*was));
			} else if (!(to->host = strdup(host))) {
				oom = true;
				continue;
			}
			fresh.n++;
		}
	}
	free_names(r);
	r->v = fresh.v;
	r->n = fresh.n;
	set_interval(r, IS_SET(c->global.resolve_interval) ? c->global.resolve_interval.v
							   : GLOBAL_DEFAULT_RESOLVE_INTERVAL_MS);
	return oom ? -ENOMEM : 0;
}

static void submit(struct resolver *r, struct name *n, uint64_t now)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j)
		j->host = strdup(n->host);
	if (!j || !j->host || write(r->to_worker[1], &j, sizeof(j)) != sizeof(j)) {
		job_free(j);
		n->sched.due_ms = now + 1000; /* out of memory, or a full pipe: a moment later */
		return;
	}
	n->sched.busy = true;
}

int resolver_tick(struct resolver *r, uint64_t now_ms)
{
	uint64_t next = UINT64_MAX;
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct name *n = &r->v[i];

		if (lookup_due(&n->sched, now_ms))
			submit(r, n, now_ms);
		if (!n->sched.busy && n->sched.due_ms < next)
			next = n->sched.due_ms;
	}
	if (next == UINT64_MAX)
		return -1;
	return next <= now_ms ? 0 : next - now_ms > INT32_MAX ? INT32_MAX : (int)(next - now_ms);
}

static const char *addr_text(const struct st_endpoint *a, char buf[PREFIX_STRLEN])
{
	struct prefix p = { .family = a->family, .len = (uint8_t)prefix_max_len(a->family) };

	memcpy(p.addr, a->addr, sizeof(p.addr));
	return prefix_format(&p, buf, false);
}

static void failed(struct name *n, const struct job *j)
{
	/* Said when it starts failing, or fails otherwise; not at every retry. */
	bool news = !n->error || strcmp(n->error, j->error);
	char a[PREFIX_STRLEN];

	if (news && n->addr.family)
		log_warn("endpoint %s: cannot resolve: %s; keeping %s", n->host, j->error,
			 addr_text(&n->addr, a));
	else if (news)
		log_warn("endpoint %s: cannot resolve: %s; its peers go without an endpoint "
			 "until it does",
			 n->host, j->error);
	free(n->error);
	n->error = strdup(j->error);
}

/* An answer for @n; true when its address changed. */
static bool answered(struct resolver *r, struct name *n, const struct job *j, uint64_t now)
{
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];
	bool ok = !j->ret && j->addr.family;

	n->lookups++;
	lookup_done(&n->sched, ok, r->interval_ms, now);
	if (!ok) {
		failed(n, j);
		return false;
	}
	free(n->error);
	n->error = NULL;
	if (n->addr.family == j->addr.family && !memcmp(n->addr.addr, j->addr.addr, 16))
		return false;
	if (n->addr.family)
		log_note("endpoint %s: now %s (was %s)", n->host, addr_text(&j->addr, a),
			 addr_text(&n->addr, b));
	else
		log_info("endpoint %s: %s", n->host, addr_text(&j->addr, a));
	n->addr = j->addr;
	return true;
}

bool resolver_read(struct resolver *r, uint64_t now_ms)
{
	bool changed = false;
	struct job *j;

	while (read(r->from_worker[0], &j, sizeof(j)) == sizeof(j)) {
		/* A name the configuration dropped meanwhile: its answer goes unused. */
		struct name *n = find(r, j->host);

		if (n)
			changed |= answered(r, n, j, now_ms);
		job_free(j);
	}
	return changed;
}

static bool any_busy(const struct resolver *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].sched.busy)
			return true;
	return false;
}

void resolver_settle(struct resolver *r, uint64_t budget_ms)
{
	uint64_t now = now_ms(), end = now + budget_ms;

	resolver_tick(r, now);
	while (any_busy(r) && now < end) {
		struct pollfd p = { .fd = r->from_worker[0], .events = POLLIN };

		poll(&p, 1, (int)(end - now));
		now = now_ms();
		resolver_read(r, now);
	}
}

bool resolver_hurry(struct resolver *r, const char *host, uint64_t now_ms)
{
	struct name *n = find(r, host);

	return n && lookup_hurry(&n->sched, now_ms);
}

void resolver_endpoint(void *ctx, struct endpoint_fact *ef, struct arena *a)
{
	const struct resolver *r = ctx;
	const struct name *n;
	char err[64];

	/* A literal address needs no resolver, and never blocks. */
	if (!reconcile_lookup(ef->host, ef->port, true, &ef->ep, err, sizeof(err)))
		return;
	n = find(r, ef->host);
	if (n && n->addr.family) {
		ef->ep = n->addr;
		ef->ep.port = ef->port;
		return;
	}
	ef->pending = true;
	ef->error = n && n->error ? arena_strdup(a, n->error) : NULL;
}

json_t *resolver_json(const struct resolver *r, uint64_t now_ms)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct name *n = &r->v[i];
		char a[PREFIX_STRLEN];
		uint64_t in = n->sched.due_ms > now_ms ? n->sched.due_ms - now_ms : 0;
		json_t *next = n->sched.busy || n->sched.due_ms == UINT64_MAX
				       ? json_null()
				       : json_integer((json_int_t)in);

		json_array_append_new(arr, json_pack("{s:s, s:s?, s:s?, s:I, s:b, s:o}", "host",
						     n->host, "address",
						     n->addr.family ? addr_text(&n->addr, a) : NULL,
						     "error", n->error, "lookups",
						     (json_int_t)n->lookups, "busy", n->sched.busy,
						     "next_lookup_ms", next));
	}
	return arr;
}
