// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/model.h"

#include <stdio.h>
#include <string.h>

struct conf_iface *conf_find_iface(const struct conf *c, const char *name)
{
	vec_foreach(it, &c->ifaces)
		if (!strcmp((*it)->name, name))
			return *it;
	return NULL;
}

struct conf_peer *conf_find_peer(const struct conf_iface *iface, const char *name)
{
	vec_foreach(it, &iface->peers)
		if (IS_SET((*it)->name) && !strcmp((*it)->name.v, name))
			return *it;
	return NULL;
}

struct conf_set *conf_find_set(const struct conf *c, const char *name)
{
	vec_foreach(it, &c->sets)
		if (!strcmp((*it)->name, name))
			return *it;
	return NULL;
}

static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

bool conf_target_same(const struct target *a, const struct target *b)
{
	return a->kind == b->kind && str_same(a->iface_name, b->iface_name) &&
	       str_same(a->peer_name, b->peer_name);
}

/* "wg0:ams1", or "wg0 peer #2" for a peer without a Name. */
const char *peer_label(struct arena *a, const struct conf_peer *peer)
{
	if (IS_SET(peer->name))
		return arena_printf(a, "%s:%s", peer->iface->name, peer->name.v);
	return arena_printf(a, "%s peer #%u (line %u)", peer->iface->name, peer->index + 1,
			    peer->loc.line);
}

const char *target_name(const struct target *t, char *buf, size_t len)
{
	if (!t)
		return NULL;
	if (t->kind == TARGET_DIRECT || t->kind == TARGET_BLACKHOLE)
		return t->kind == TARGET_DIRECT ? "direct" : "blackhole";
	if (!t->peer_name)
		return t->iface_name;
	snprintf(buf, len, "%s:%s", t->iface_name, t->peer_name);
	return buf;
}
