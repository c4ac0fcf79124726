// SPDX-License-Identifier: GPL-2.0-or-later
/* A packet from the words `ip route get` and `ip rule` use, and back. */
#include <stdio.h>
#include <string.h>

#include "conf/values.h"
#include "explain/explain.h"

bool packet_forwarded(const struct packet *pk)
{
	return pk->iif[0] && strcmp(pk->iif, "lo");
}

static const char *parse_id(const char *s, const struct conf_env *env, bool user, uint32_t *id)
{
	int (*lookup)(void *, const char *, uint32_t *) =
	    user ? env->lookup_user : env->lookup_group;

	if (is_number(s))
		return parse_uint(s, 0, UINT32_MAX - 1, id);
	if (!lookup || lookup(env->ctx, s, id))
		return user ? "no such user" : "no such group";
	return NULL;
}

static const char *parse_port(const char *s, bool *has, uint16_t *port)
{
	uint32_t v;
	const char *err = parse_uint(s, 0, 65535, &v);

	if (!err) {
		*has = true;
		*port = (uint16_t)v;
	}
	return err;
}

static const char *exec_cgroup(const struct conf *c, const char *name, const char **cgroup)
{
	vec_foreach(it, &c->policies)
	{
		if (strcmp((*it)->name, name))
			continue;
		if (!(*it)->cgroups.n)
			return "that policy has no Cgroup, so `wgpolicy exec` cannot place a "
			       "command";
		*cgroup = (*it)->cgroups.v[0].s;
		return NULL;
	}
	return "no such policy";
}

static const char *parse_cgroup(struct arena *a, const char *s, const char **cgroup)
{
	size_t len;

	while (*s == '/')
		s++;
	len = strlen(s);
	while (len && s[len - 1] == '/')
		len--;
	*cgroup = arena_printf(a, "%.*s", (int)len, s);
	return *cgroup ? NULL : "out of memory";
}

static const char *parse_word(struct packet *pk, const char *key, const char *val,
			      const struct conf *c, const struct conf_env *env, struct arena *a)
{
	uint32_t v, mask;
	const char *err;

	if (!strcmp(key, "to"))
		return addr_parse(val, &pk->to);
	if (!strcmp(key, "from"))
		return addr_parse(val, &pk->from);
	if (!strcmp(key, "iif")) {
		if (!conf_valid_ifname(val))
			return "not an interface name";
		snprintf(pk->iif, sizeof(pk->iif), "%s", val);
		return NULL;
	}
	if (!strcmp(key, "uid"))
		return (pk->has_uid = true, parse_id(val, env, true, &pk->uid));
	if (!strcmp(key, "gid"))
		return (pk->has_gid = true, parse_id(val, env, false, &pk->gid));
	if (!strcmp(key, "mark")) {
		err = parse_mark(val, &v, &mask);
		pk->mark = v & mask;
		return err;
	}
	if (!strcmp(key, "ipproto")) {
		err = parse_ip_protocol(val, &v);
		pk->proto = (uint8_t)v;
		return err;
	}
	if (!strcmp(key, "sport"))
		return parse_port(val, &pk->has_sport, &pk->sport);
	if (!strcmp(key, "dport"))
		return parse_port(val, &pk->has_dport, &pk->dport);
	if (!strcmp(key, "cgroup"))
		return parse_cgroup(a, val, &pk->cgroup);
	if (!strcmp(key, "exec"))
		return exec_cgroup(c, val, &pk->cgroup);
	return "unknown selector (to, from, iif, uid, gid, mark, ipproto, sport, dport, cgroup, "
	       "exec)";
}

static const char *check_packet(const struct packet *pk)
{
	if (!pk->to.family)
		return "`to ADDR` is required";
	if (pk->from.family && pk->from.family != pk->to.family)
		return "`from` and `to` are of different families";
	if ((pk->has_sport || pk->has_dport) && pk->proto && pk->proto != 6 && pk->proto != 17 &&
	    pk->proto != 132 && pk->proto != 33)
		return "ports need a protocol with ports (tcp, udp, sctp, dccp)";
	return NULL;
}

const char *packet_parse(struct packet *pk, char *const *words, int n, const struct conf *c,
			 const struct conf_env *env, struct arena *a)
{
	static char msg[160];
	const char *err;
	int i;

	memset(pk, 0, sizeof(*pk));
	for (i = 0; i < n; i += 2) {
		const char *key = words[i], *val = i + 1 < n ? words[i + 1] : NULL;

		/* A bare address is the destination, as `ip route get ADDR`. */
		if (!pk->to.family && !addr_parse(key, &pk->to)) {
			i--;
			continue;
		}
		if (!val) {
			snprintf(msg, sizeof(msg), "%s: a value is missing", key);
			return msg;
		}
		err = parse_word(pk, key, val, c, env, a);
		if (err) {
			snprintf(msg, sizeof(msg), "%s %s: %s", key, val, err);
			return msg;
		}
	}
	return check_packet(pk);
}

char *packet_format(const struct packet *pk, char *buf, size_t len)
{
	char a[PREFIX_STRLEN];
	const char *proto = ip_protocol_name(pk->proto);
	size_t at = 0;

#define PUT(...) (at += (size_t)snprintf(buf + at, at < len ? len - at : 0, __VA_ARGS__))
	PUT("to %s", prefix_format(&pk->to, a, false));
	if (pk->from.family)
		PUT(" from %s", prefix_format(&pk->from, a, false));
	if (pk->iif[0])
		PUT(" iif %s", pk->iif);
	if (pk->has_uid)
		PUT(" uid %u", pk->uid);
	if (pk->has_gid)
		PUT(" gid %u", pk->gid);
	if (pk->mark)
		PUT(" mark 0x%x", pk->mark);
	if (pk->proto)
		proto ? PUT(" ipproto %s", proto) : PUT(" ipproto %u", pk->proto);
	if (pk->has_sport)
		PUT(" sport %u", pk->sport);
	if (pk->has_dport)
		PUT(" dport %u", pk->dport);
	if (pk->cgroup)
		PUT(" cgroup %s", pk->cgroup);
#undef PUT
	return buf;
}
