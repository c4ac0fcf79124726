// SPDX-License-Identifier: GPL-2.0-or-later
/* What several commands show the same way: WireGuard peers, ages. */
#include <string.h>

#include "cmd/cmd.h"
#include "daemon/daemon.h"
#include "engine/engine.h"
#include "cmd/doctor.h"
#include "explain/doctor.h"

static const char *peer_name(const struct conf *c, const struct st_wgpeer *p)
{
	const struct conf_iface *iface = c ? conf_find_iface(c, p->ifname) : NULL;

	if (!iface)
		return NULL;
	vec_foreach(it, &iface->peers)
		if (IS_SET((*it)->name) && !memcmp((*it)->public_key.v.b, p->public_key.b, 32))
			return (*it)->name.v;
	return NULL;
}

json_t *peer_json(const struct conf *c, const struct st_wgpeer *p, time_t now)
{
	char key[ST_KEY_B64_LEN], ep[ST_ENDPOINT_STRLEN], buf[PREFIX_STRLEN];
	json_t *ips = json_array();
	uint32_t i;

	for (i = 0; i < p->n_allowed_ips; i++)
		json_array_append_new(ips,
				      json_string(prefix_format(&p->allowed_ips[i], buf, true)));
	st_endpoint_format(&p->endpoint, ep);
	return json_pack("{s:s, s:s?, s:s?, s:o, s:o, s:o, s:I, s:I, s:i}", "public_key",
			 st_key_format(&p->public_key, key), "name", peer_name(c, p), "endpoint",
			 p->endpoint.family ? ep : NULL, "allowed_ips", ips, "latest_handshake",
			 p->last_handshake_sec ? json_integer(p->last_handshake_sec) : json_null(),
			 "handshake_age_seconds",
			 p->last_handshake_sec ? json_integer(now - p->last_handshake_sec)
					       : json_null(),
			 "rx_bytes", (json_int_t)p->rx_bytes, "tx_bytes", (json_int_t)p->tx_bytes,
			 "persistent_keepalive", (int)p->keepalive);
}

void print_age(FILE *out, int64_t when, time_t now)
{
	int64_t age = now - when;

	if (!when)
		fprintf(out, "never\n");
	else if (age < 120)
		fprintf(out, "%lld second%s ago\n", (long long)age, age == 1 ? "" : "s");
	else if (age < 7200)
		fprintf(out, "%lld minutes ago\n", (long long)(age / 60));
	else
		fprintf(out, "%lld hours ago\n", (long long)(age / 3600));
}

/* What the daemon of this namespace knows (health, active targets), or null when none runs. */
json_t *daemon_json(void)
{
	char *text = NULL;
	json_t *j = NULL;

	if (!control_request("status", &text) && text)
		j = json_loads(text, 0, NULL);
	free(text);
	return j ? j : json_null();
}

/* The compiler's health question, answered from what the daemon said; unknown: up. */
bool daemon_target_up(const void *daemon, const struct conf_policy *p, size_t i)
{
	const json_t *pol, *t;
	char buf[64];
	const char *want = target_name(&p->via.v[i], buf, sizeof(buf));
	size_t k, n;

	json_array_foreach(json_object_get(daemon, "policies"), k, pol)
	{
		if (strcmp(json_string_value(json_object_get(pol, "name")) ?: "", p->name))
			continue;
		json_array_foreach(
		    json_object_get(pol, "targets"), n,
		    t) if (!strcmp(json_string_value(json_object_get(t, "target")) ?: "",
				   want)) return !json_is_false(json_object_get(t, "up"));
	}
	return true;
}

void warn_system(struct engine *e)
{
	struct findings f = { .a = &e->arena };

	check_foreign_rules(&f, e->conf, e->live, e->r.protocol);
	check_forwarding(&f, e);
	vec_foreach(x, &f.v)
		if (x->level != LEVEL_OK)
			fprintf(stderr, "wgpolicy: warning: %s: %s\n", x->reason, x->hint);
}
