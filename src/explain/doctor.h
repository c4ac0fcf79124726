/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_EXPLAIN_DOCTOR_H
#define WGP_EXPLAIN_DOCTOR_H

/*
 * The troubleshooting checklist's judgements that need no system: over the
 * configuration, the desired state and a live state dumped beforehand. Each
 * check adds findings: ok, warn or FAIL, a one-line reason and a hint.
 * cmd/doctor.c gathers what only the system knows and prints them.
 */

#include "explain/explain.h"

enum level { LEVEL_OK, LEVEL_WARN, LEVEL_FAIL };

struct finding {
	const char *check; /* "rules", "handshakes", ... */
	enum level level;
	const char *reason;
	const char *hint; /* NULL: none */
};

struct findings {
	struct arena *a;
	VEC(struct finding) v;
};

void finding_add(struct findings *f, const char *check, enum level level, const char *hint,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The worst level among the findings. */
enum level findings_worst(const struct findings *f);

/* Owned rules, routes of owned tables and the nftables table, desired but not live. */
void check_rules(struct findings *f, const struct state *desired, const struct state *live);
void check_tables(struct findings *f, const struct conf *c, const struct state *desired,
		  const struct state *live);
void check_nft(struct findings *f, const struct state *desired, const struct state *live);
/*
 * Rules that are not wgpolicy's (@protocol), before a policy's, whose
 * selectors overlap the policy's and whose action or table takes its traffic.
 */
void check_foreign_rules(struct findings *f, const struct conf *c, const struct state *live,
			 uint8_t protocol);
/*
 * AllowedIPs: a policy's destinations no peer of its tunnel takes in @live
 * (cryptokey routing drops them; `check` refuses such a configuration, so
 * someone changed the peers since); a full tunnel that is also a policy's
 * target; a peer's route in the main table (@desired's) that overlaps another
 * program's route there in @live, either way.
 */
void check_allowed_ips(struct findings *f, const struct conf *c, const struct state *desired,
		       const struct state *live);

#define HANDSHAKE_STALE_SECONDS 180 /* REKEY_AFTER_TIME 120 + REKEY_TIMEOUT and jitter */
/* The handshake of each live peer of wgpolicy's links, at time @now. */
void check_handshakes(struct findings *f, const struct conf *c, const struct state *live,
		      int64_t now);

/*
 * Tunnel MTUs against the path MTU towards each endpoint (the facts'), but for
 * the @n_loops peers of @loops, whose endpoints are routed into their own tunnel.
 */
void check_mtu(struct findings *f, const struct state *live, const struct facts *facts,
	       const struct st_wgpeer *const *loops, size_t n_loops);
/* A live peer as findings name it: its Name or place in the configuration, else its key. */
const char *live_peer_label(struct arena *a, const struct conf *c, const char *ifname,
			    const struct st_key *key);

#endif
