// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon: one thread, one epoll. Kernel change notifications, probe
 * answers, signals, the control socket and endpoint lookups wake it; a
 * reconcile round runs when something changed (after a short pause that
 * coalesces a burst), and a round is the engine's: dump, judge the peers'
 * handshakes from it, compile with the current health and endpoint
 * addresses, plan, execute. Re-assertion and failover are the same path.
 * Host names are looked up by a worker thread of daemon/resolve.c, the one
 * thing besides the loop, which only ever waits on getaddrinfo.
 */
#include <errno.h>
#include <malloc.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "daemon/control.h"
#include "daemon/daemon.h"
#include "daemon/flap.h"
#include "daemon/health.h"
#include "daemon/metrics.h"
#include "daemon/notify.h"
#include "daemon/resolve.h"
#include "engine/engine.h"
#include "kernel/conntrack.h"
#include "kernel/monitor.h"
#include "util/log.h"

#define COALESCE_MS 20	       /* a burst of notifications becomes one round */
#define RESYNC_MS (30 * 1000) /* what no notification reports (peers, sysctls) */
#define METRICS_MS (5 * 1000) /* probe counters move between rounds */
/* At start, endpoints' names have this long to answer before the first round goes without. */
#define STARTUP_LOOKUP_MS (5 * 1000)
/* While handshakes hold a target down, its next handshake is looked for this often. */
#define DEAD_LOOK_MS (5 * 1000)

struct daemon {
	struct engine e;
	struct health h;
	struct peers peers;
	struct resolver res;
	struct monitor *mon;
	int epfd, sigfd, ctlfd;
	bool stop, dirty;
	uint64_t due_ms, next_resync_ms, next_metrics_ms, started_ms;
	uint64_t next_look_ms;   /* a round, when a handshake verdict could change; 0: none */
	uint64_t next_lookup_ms; /* the resolver's next due lookup; 0: none */
	struct policy_run *run; /* per policy of the configuration */
	struct counters n;
	bool metrics_failed;
	struct flaps flaps;
};

/* The earlier of two times, 0 being none. */
static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !b || (a && a < b) ? a : b;
}

static void watch(struct daemon *d, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (fd >= 0)
		epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void mark_dirty(struct daemon *d, uint64_t in_ms)
{
	uint64_t due = now_ms() + in_ms;

	if (!d->dirty || due < d->due_ms)
		d->due_ms = due;
	d->dirty = true;
}

/*
 * Established flows would keep to the old path: a source-NATed one keeps the
 * old tunnel's address, which the new tunnel's peer refuses. Their conntrack
 * entries go (unless Conntrack = keep), so that their next packets are
 * tracked, routed and translated anew.
 */
static void flush_moved(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->e.conf->policies.n; i++) {
		const struct conf_policy *p = d->e.conf->policies.v[i];
		struct flow_match m;
		unsigned n = 0;
		int err;

		if (!d->run[i].moved)
			continue;
		d->run[i].moved = false;
		if (IS_SET(p->conntrack) && p->conntrack.v == CONNTRACK_KEEP)
			continue;
		err = compile_flows(d->e.conf, d->e.desired, p, &d->e.arena, &m);
		if (err == -EOPNOTSUPP) {
			log_warn("policy %s: conntrack cannot tell its flows from others (User, "
				 "Group, Cgroup, IncomingInterface, FirewallMark): they stay",
				 p->name);
			continue;
		}
		err = err ?: conntrack_flush(&m, &n);
		d->n.conntrack_deleted += n;
		if (err)
			log_err("policy %s: deleting its conntrack entries: %s", p->name,
				strerror(-err));
		else
			log_note("policy %s: %u conntrack entr%s deleted, so established flows "
				 "follow", p->name, n, n == 1 ? "y" : "ies");
	}
}

/* An op's object as the flap accounting names it: its type and the line that would add it. */
static const char *flap_name(const struct op *op, char *buf, size_t len)
{
	char line[OP_LINE_MAX];

	snprintf(buf, len, "%s '%s'", obj_ops[op->type].name,
		 obj_render(op->type, op->obj, line, sizeof(line)));
	return buf;
}

static bool op_flapping(void *ctx, const struct op *op)
{
	const struct daemon *d = ctx;
	char name[OP_LINE_MAX + 32];

	return flap_quiet(&d->flaps, flap_name(op, name, sizeof(name)));
}

/*
 * A re-assertion round's ops, counted per object: the one that starts a flap
 * is said with its rate, and ops of flapping objects go unlogged. Returns how
 * many ops are logged as usual.
 */
static size_t note_flaps(struct daemon *d)
{
	uint64_t now = now_ms();
	char name[OP_LINE_MAX + 32];
	const struct flap *fl;
	size_t loud = 0;

	vec_foreach(op, &d->e.plan.ops) {
		switch (flap_note(&d->flaps, flap_name(op, name, sizeof(name)), now)) {
		case FLAP_CALM:
			loud++;
			break;
		case FLAP_STARTED:
			fl = flap_find(&d->flaps, name);
			d->n.flaps++;
			log_warn("%s flapping: %llu changes in %.1f s (%.1f/s); put back without a "
				 "word until it is left alone for %d s",
				 fl->name, (unsigned long long)fl->changes, flap_seconds(fl),
				 flap_rate(fl), FLAP_WINDOW_MS / 1000);
			break;
		case FLAP_ONGOING:
			break;
		}
	}
	d->n.flapping = flap_count(&d->flaps);
	return loud;
}

static void end_flaps(struct daemon *d, uint64_t now)
{
	struct flap fl;

	while (flap_calmed(&d->flaps, now, &fl))
		log_note("%s calmed down: %llu changes in %.1f s (%.1f/s)", fl.name,
			 (unsigned long long)fl.changes, flap_seconds(&fl), flap_rate(&fl));
	d->n.flapping = flap_count(&d->flaps);
}

static void write_metrics(struct daemon *d)
{
	const char *path = IS_SET(d->e.conf->global.metrics) ? d->e.conf->global.metrics.v : NULL;
	int err;

	d->next_metrics_ms = path ? now_ms() + METRICS_MS : 0;
	if (!path)
		return;
	err = metrics_write(path, d->e.conf, d->run, &d->h, &d->n);
	/* Said once, not every few seconds. */
	if (err && !d->metrics_failed)
		log_err("writing the metrics to %s: %s", path, strerror(-err));
	d->metrics_failed = err != 0;
}

/* @expected: the configuration is new (start, reload), so changes are no re-assertion. */
static void round_work(struct daemon *d, bool expected)
{
	bool reassert;

	if (engine_plan(&d->e))
		return;
	reassert = !policy_runs_note(d->run, d->e.conf, &d->e.facts) && !expected;
	if (d->e.plan.ops.n) {
		if (!reassert || note_flaps(d))
			log_info("%zu change%s to make", d->e.plan.ops.n,
				 d->e.plan.ops.n == 1 ? "" : "s");
		d->e.quiet = reassert ? op_flapping : NULL;
		/* Undone: the old path stays, and its flows' entries, until a round works. */
		if (engine_apply(&d->e, stderr))
			return;
		d->n.changes += d->e.plan.ops.n;
		d->n.reassertions += reassert;
	}
	flush_moved(d);
	write_metrics(d);
}

/*
 * One round, and nothing of it kept: between rounds, which may be minutes
 * apart, the daemon holds only its configuration and health, and gives the
 * round's memory (the live and desired states, thousands of peers and
 * routes) back to the system.
 */
static void reconcile_round(struct daemon *d, bool expected)
{
	d->dirty = false;
	d->n.rounds++;
	round_work(d, expected);
	d->n.ruleset_listings = d->e.r.ruleset_listings;
	d->n.ruleset_reuses = d->e.r.ruleset_reuses;
	engine_end_round(&d->e);
	malloc_trim(0);
}

/*
 * Each round's live state, before the round compiles: the peers' sessions,
 * the targets their handshakes judge, and endpoints worth looking up again
 * because their peer's handshake is stale (as reresolve-dns.sh does).
 */
static void observe(void *ctx, const struct state *live)
{
	struct daemon *d = ctx;
	uint64_t now = now_ms();
	size_t i;

	peers_observe(&d->peers, live, time(NULL), now);
	health_handshakes(&d->h, &d->peers, now);
	d->next_look_ms = peers_next_ms(&d->peers);
	/* Nothing else would: WireGuard announces no handshake, and the resync is 30 s away. */
	if (health_handshake_down(&d->h))
		d->next_look_ms = earliest(d->next_look_ms, now + DEAD_LOOK_MS);
	for (i = 0; i < d->peers.n; i++) {
		const struct peer_watch *pw = &d->peers.v[i];
		const char *host = pw->peer->endpoint.v.host;

		if (IS_SET(pw->peer->endpoint) &&
		    session_stale(&pw->s, peer_keepalive(pw->peer), now) &&
		    resolver_hurry(&d->res, host, now))
			log_info("peer %s: no handshake for %llus: looking %s up again",
				 peer_label(&d->e.arena, pw->peer),
				 (unsigned long long)(session_age_ms(&pw->s, now) / 1000), host);
	}
}

/*
 * Health, the peers' sessions, the endpoints' names and the policies' runs
 * follow the configuration; what the old one (@old, NULL at start) knew of a
 * policy, a peer or a name that is still there stays known.
 */
static int adopt_config(struct daemon *d, const struct conf *old)
{
	const struct conf *c = d->e.conf;
	struct policy_run *run = calloc(c->policies.n + 1, sizeof(*run));
	struct health h;
	struct peers w;
	size_t i;

	if (!run || health_init(&h, c, d->epfd)) {
		free(run);
		log_err("cannot watch the targets' health: %s", strerror(ENOMEM));
		return -1;
	}
	if (peers_init(&w, c, now_ms()) || resolver_adopt(&d->res, c)) {
		free(run);
		health_free(&h);
		peers_free(&w);
		log_err("cannot watch the peers: %s", strerror(ENOMEM));
		return -1;
	}
	if (old) {
		policy_runs_carry(run, c, old, d->run);
		health_carry(&h, &d->h);
		peers_carry(&w, &d->peers);
	}
	health_free(&d->h);
	peers_free(&d->peers);
	free(d->run);
	d->h = h;
	d->peers = w;
	d->run = run;
	for (i = 0; i < d->h.n; i++) {
		const struct probe *pr = &d->h.v[i];
		char buf[160], hs[320], name[64];

		log_info("policy %s, target %s: %s; %s", pr->policy->name,
			 target_name(&pr->policy->via.v[pr->index], name, sizeof(name)),
			 health_describe(pr, buf, sizeof(buf)),
			 health_describe_handshake(pr, hs, sizeof(hs)));
	}
	d->e.target_up = health_target_up;
	d->e.health = &d->h;
	d->e.endpoint = resolver_endpoint;
	d->e.endpoint_ctx = &d->res;
	d->e.observe = observe;
	d->e.observe_ctx = d;
	return 0;
}

static bool reload(struct daemon *d)
{
	struct conf *old = d->e.conf;
	bool ok;

	notify_reloading();
	/* engine_load frees the configuration it replaces: keep it to carry health over. */
	d->e.conf = NULL;
	ok = !engine_load(&d->e);
	/* A configuration with errors is refused; the running one stays. */
	if (ok) {
		d->n.reloads++;
		adopt_config(d, old);
		conf_free(old);
		log_note("configuration reloaded");
		reconcile_round(d, true);
	} else {
		d->e.conf = old;
		log_err("reload refused: the configuration stays as it was");
	}
	notify_ready(ok ? "reloaded" : "running; the last reload was refused");
	return ok;
}

static char *status_json(struct daemon *d)
{
	json_t *pols = json_array(), *root;
	size_t i;
	char *text;

	for (i = 0; i < d->e.conf->policies.n; i++) {
		const struct conf_policy *p = d->e.conf->policies.v[i];
		const struct policy_run *r = &d->run[i];
		json_t *targets = json_array(), *over = json_array();
		char name[64];

		vec_foreach(t, &p->via)
			if (policy_run_takes(p, r, t))
				json_array_append_new(over,
						      json_string(target_name(t, name, sizeof(name))));
		for (size_t k = 0; k < d->h.n; k++) {
			const struct probe *pr = &d->h.v[k];
			char desc[160], hs[320];

			if (pr->policy != p)
				continue;
			json_array_append_new(
				targets,
				json_pack("{s:s, s:b, s:b, s:b, s:s, s:s, s:i, s:I, s:I, s:I}",
					  "target",
					  target_name(&p->via.v[pr->index], name, sizeof(name)),
					  "up", health_up(pr), "probe_up", pr->up, "handshake_dead",
					  pr->handshake_dead, "probe",
					  health_describe(pr, desc, sizeof(desc)), "handshake",
					  health_describe_handshake(pr, hs, sizeof(hs)), "rtt_ms",
					  (int)pr->rtt_ms, "sent", (json_int_t)pr->sent, "lost",
					  (json_int_t)pr->lost, "last_change",
					  (json_int_t)pr->last_change));
		}
		json_array_append_new(
			pols, json_pack("{s:s, s:s?, s:o, s:I, s:I, s:o}", "name", p->name, "active",
					r->active ? target_name(r->active, name, sizeof(name)) : NULL,
					"over", over, "failovers", (json_int_t)r->failovers,
					"last_failover", (json_int_t)r->last_failover, "targets",
					targets));
	}
	root = json_pack(
	    "{s:{s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:I, s:I}, s:o, s:o}", "daemon",
	    "pid", (int)getpid(), "uptime_ms", (json_int_t)(now_ms() - d->started_ms), "rounds",
	    (json_int_t)d->n.rounds, "changes", (json_int_t)d->n.changes, "reassertions",
	    (json_int_t)d->n.reassertions, "reloads", (json_int_t)d->n.reloads, "overruns",
	    (json_int_t)d->n.overruns, "conntrack_deleted", (json_int_t)d->n.conntrack_deleted,
	    "flaps", (json_int_t)d->n.flaps, "flapping", (int)d->n.flapping, "ruleset_listings",
	    (json_int_t)d->n.ruleset_listings, "ruleset_reuses", (json_int_t)d->n.ruleset_reuses,
	    "policies", pols, "endpoints", resolver_json(&d->res, now_ms()));
	text = root ? json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(root);
	return text;
}

static void on_control(struct daemon *d)
{
	char req[64];
	int fd = control_accept(d->ctlfd, req, sizeof(req));
	char *text;

	if (fd < 0)
		return;
	if (!strcmp(req, "reload")) {
		control_reply(fd, reload(d) ? "{\"reloaded\":true}\n"
					    : "{\"reloaded\":false,\"error\":\"the configuration has "
					      "errors (see the daemon's log); the running one stays\"}\n");
		return;
	}
	text = status_json(d);
	control_reply(fd, text ? text : "{}");
	free(text);
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(d);
		else
			d->stop = true;
	}
}

static void on_event(struct daemon *d, int fd)
{
	int n;

	if (fd == d->sigfd) {
		on_signal(d);
	} else if (fd == d->ctlfd) {
		on_control(d);
	} else if (fd == resolver_fd(&d->res)) {
		if (resolver_read(&d->res, now_ms()))
			mark_dirty(d, 0);
	} else if (fd == monitor_fd_route(d->mon) || fd == monitor_fd_nft(d->mon)) {
		n = monitor_drain(d->mon, fd);
		if (n == -ENOBUFS) {
			d->n.overruns++;
			log_warn("kernel notifications overran: resyncing everything");
			mark_dirty(d, 0);
		} else if (n > 0) {
			mark_dirty(d, COALESCE_MS);
		}
	} else if (health_read(&d->h, fd, now_ms())) {
		mark_dirty(d, 0);
	}
}

static int next_timeout(const struct daemon *d, uint64_t now)
{
	int t = health_timeout(&d->h, now);
	uint64_t wake = d->dirty ? d->due_ms : d->next_resync_ms;
	int until;

	wake = earliest(wake, d->next_metrics_ms);
	wake = earliest(wake, notify_watchdog_due());
	wake = earliest(wake, flap_due(&d->flaps));
	wake = earliest(wake, d->next_look_ms);
	wake = earliest(wake, d->next_lookup_ms);
	until = wake <= now ? 0 : (int)(wake - now);

	return t < 0 || until < t ? until : t;
}

static void loop(struct daemon *d)
{
	struct epoll_event evs[16];

	while (!d->stop) {
		uint64_t now = now_ms();
		int i, n, lookup_in = resolver_tick(&d->res, now);

		d->next_lookup_ms = lookup_in < 0 ? 0 : now + (uint64_t)lookup_in;
		n = epoll_wait(d->epfd, evs, 16, next_timeout(d, now));

		for (i = 0; i < n; i++)
			on_event(d, evs[i].data.fd);
		now = now_ms();
		if (health_tick(&d->h, now))
			mark_dirty(d, 0);
		/* Once: the round's look at the peers sets the next. */
		if (d->next_look_ms && now >= d->next_look_ms) {
			d->next_look_ms = 0;
			mark_dirty(d, 0);
		}
		if (now >= d->next_resync_ms) {
			d->next_resync_ms = now + RESYNC_MS;
			mark_dirty(d, 0);
		}
		if (d->dirty && now >= d->due_ms)
			reconcile_round(d, false);
		end_flaps(d, now);
		if (d->next_metrics_ms && now >= d->next_metrics_ms)
			write_metrics(d);
		notify_watchdog(now);
	}
}

/* For tests only: a small receive buffer for notifications, to provoke overruns. */
static int test_rcvbuf(void)
{
	const char *v = getenv("WGPOLICY_TEST_NL_RCVBUF");

	return v ? atoi(v) : 0;
}

static int setup(struct daemon *d)
{
	sigset_t mask;
	int err;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	d->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	d->ctlfd = control_listen();
	if (d->ctlfd == -EADDRINUSE) {
		log_err("a wgpolicy daemon already runs in this network namespace");
		return -1;
	}
	d->mon = monitor_open(test_rcvbuf());
	if (d->sigfd < 0 || d->epfd < 0 || d->ctlfd < 0 || !d->mon) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		return -1;
	}
	watch(d, d->sigfd);
	watch(d, d->ctlfd);
	watch(d, monitor_fd_route(d->mon));
	watch(d, monitor_fd_nft(d->mon));
	/* After sigprocmask: the worker inherits the blocked signals, so signalfd gets them all. */
	err = resolver_start(&d->res);
	if (err) {
		log_err("cannot start the resolver's thread: %s", strerror(-err));
		return -1;
	}
	watch(d, resolver_fd(&d->res));
	return 0;
}

static void teardown(struct daemon *d, bool down)
{
	if (down) {
		d->e.o.down = true;
		d->e.quiet = NULL;
		log_note("stopping: removing what wgpolicy owns (--down-on-exit)");
		if (!engine_plan(&d->e) && d->e.plan.ops.n && !engine_save_config(&d->e, stderr))
			engine_apply(&d->e, stderr);
	}
	health_free(&d->h);
	peers_free(&d->peers);
	if (d->res.running)
		resolver_stop(&d->res);
	monitor_close(d->mon);
	free(d->run);
	engine_free(&d->e);
	if (d->ctlfd >= 0)
		close(d->ctlfd);
	close(d->sigfd);
	close(d->epfd);
}

int daemon_run(const struct daemon_opts *o)
{
	struct engine_opts eo = {.dir = o->dir, .need_config = true, .keep_marks = true};
	struct daemon d = { .sigfd = -1, .epfd = -1, .ctlfd = -1 };

	log_setup(true);
	engine_init(&d.e, &eo);
	d.started_ms = now_ms();
	d.e.quiet_ctx = &d;
	d.n.started = time(NULL);
	if (engine_load(&d.e) || setup(&d) || adopt_config(&d, NULL)) {
		teardown(&d, false);
		return 1;
	}
	resolver_settle(&d.res, STARTUP_LOOKUP_MS);
	reconcile_round(&d, true);
	d.next_resync_ms = now_ms() + RESYNC_MS;
	notify_ready("running");
	log_note("running: %zu interfaces, %zu policies", d.e.conf->ifaces.n,
		 d.e.conf->policies.n);
	loop(&d);
	notify_stopping();
	log_note("stopping");
	teardown(&d, o->down_on_exit);
	return 0;
}
