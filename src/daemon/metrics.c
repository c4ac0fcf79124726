// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/metrics.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A label value: backslash, double quote and line feed escaped, as the format wants. */
static void label(FILE *f, const char *name, const char *v)
{
	fprintf(f, "%s=\"", name);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP wgpolicy_%s %s\n# TYPE wgpolicy_%s %s\n", name, help, name, type);
}

static void probe_metric(FILE *f, const struct health *h, const char *name, int which)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		const struct probe *pr = &h->v[i];
		char buf[64];

		fprintf(f, "wgpolicy_%s{", name);
		label(f, "policy", pr->policy->name);
		fputc(',', f);
		label(f, "target", target_name(&pr->policy->via.v[pr->index], buf, sizeof(buf)));
		if (which == 0)
			fprintf(f, "} %d\n", health_up(pr));
		else if (which == 1)
			fprintf(f, "} %llu\n", (unsigned long long)pr->sent);
		else if (which == 2)
			fprintf(f, "} %llu\n", (unsigned long long)pr->lost);
		else
			fprintf(f, "} %.3f\n", pr->rtt_ms / 1000.0);
	}
}

static void targets(FILE *f, const struct health *h)
{
	head(f, "target_up", "gauge", "Whether the target passes its health check.");
	probe_metric(f, h, "target_up", 0);
	head(f, "probes_sent_total", "counter", "Health probes sent through the target.");
	probe_metric(f, h, "probes_sent_total", 1);
	head(f, "probes_lost_total", "counter", "Health probes left unanswered.");
	probe_metric(f, h, "probes_lost_total", 2);
	head(f, "probe_rtt_seconds", "gauge", "Round-trip time of the last answered probe.");
	probe_metric(f, h, "probe_rtt_seconds", 3);
}

static void policies(FILE *f, const struct conf *c, const struct policy_run *run)
{
	size_t i;

	head(f, "policy_active", "gauge",
	     "Whether the policy's traffic takes the target now (with Mode = balance, several).");
	for (i = 0; i < c->policies.n; i++) {
		const struct conf_policy *p = c->policies.v[i];

		vec_foreach(t, &p->via) {
			char buf[64];

			fputs("wgpolicy_policy_active{", f);
			label(f, "policy", p->name);
			fputc(',', f);
			label(f, "target", target_name(t, buf, sizeof(buf)));
			fprintf(f, "} %d\n", policy_run_takes(p, &run[i], t));
		}
	}
	head(f, "failovers_total", "counter",
	     "Changes of the policy's active target (with Mode = balance, of its targets up), "
	     "failbacks included.");
	for (i = 0; i < c->policies.n; i++) {
		fputs("wgpolicy_failovers_total{", f);
		label(f, "policy", c->policies.v[i]->name);
		fprintf(f, "} %llu\n", (unsigned long long)run[i].failovers);
	}
	head(f, "last_failover_timestamp_seconds", "gauge",
	     "When the policy's active target last changed (0: never).");
	for (i = 0; i < c->policies.n; i++) {
		fputs("wgpolicy_last_failover_timestamp_seconds{", f);
		label(f, "policy", c->policies.v[i]->name);
		fprintf(f, "} %lld\n", (long long)run[i].last_failover);
	}
}

static void counter(FILE *f, const char *name, const char *help, uint64_t v)
{
	head(f, name, "counter", help);
	fprintf(f, "wgpolicy_%s %llu\n", name, (unsigned long long)v);
}

static void daemon_counters(FILE *f, const struct counters *n)
{
	counter(f, "rounds_total", "Reconcile rounds run.", n->rounds);
	counter(f, "changes_total", "Kernel changes made.", n->changes);
	counter(f, "reassertions_total", "Rounds that put back what others changed.",
		n->reassertions);
	counter(f, "reloads_total", "Configurations reloaded (refused ones not counted).",
		n->reloads);
	counter(f, "netlink_overruns_total", "Kernel notifications lost, each a full resync.",
		n->overruns);
	counter(f, "conntrack_deleted_total", "Conntrack entries deleted on failovers.",
		n->conntrack_deleted);
	counter(f, "flaps_total",
		"Flaps: an owned object changed behind the daemon's back 4 times within 10 s.",
		n->flaps);
	counter(f, "nft_ruleset_listings_total",
		"Listings of the whole nftables ruleset, for the mark bits other tables use.",
		n->ruleset_listings);
	counter(f, "nft_ruleset_reuses_total",
		"Rounds that reused the last listing, nftables' generation being the same.",
		n->ruleset_reuses);
	head(f, "flapping_objects", "gauge", "Owned objects flapping now.");
	fprintf(f, "wgpolicy_flapping_objects %u\n", n->flapping);
	head(f, "start_time_seconds", "gauge", "When the daemon started.");
	fprintf(f, "wgpolicy_start_time_seconds %lld\n", (long long)n->started);
}

int metrics_write(const char *path, const struct conf *c, const struct policy_run *run,
		  const struct health *h, const struct counters *n)
{
	char tmp[4096];
	FILE *f;
	int err = 0;

	/* node_exporter reads *.prom only: PATH.tmp is never half read. */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	targets(f, h);
	policies(f, c, run);
	daemon_counters(f, n);
	if (ferror(f))
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
