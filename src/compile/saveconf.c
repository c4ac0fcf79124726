// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SaveConfig: an interface's file written anew from its running state when
 * it goes down, as wg-quick's save_config writes it: [Interface] with the
 * live addresses in the kernel's order, DNS, the MTU (when the file sets
 * one), the keys that are configuration rather than state as the file has
 * them (Table, SaveConfig, the hooks), then what `wg showconf` shows of the
 * device and its peers, in the device's order, and their AllowedIPs in the
 * order it keeps them.
 *
 * Beyond wg-quick, nothing of the file's meaning is lost:
 * - wgpolicy's own keys stay: Underlay, Backend, a peer's Name (policies
 *   name peers by it) and Probe; MTU = auto stays auto;
 * - DNS search domains stay (wg-quick's save keeps the servers only);
 * - a peer's Endpoint given as a host name stays: the running address is
 *   what it resolved to, which the next up resolves again;
 * - FwMark is written when the file sets it, or for a full tunnel, where
 *   the mark is the number of its table (as wg-quick writes it); a mark
 *   wgpolicy gave a tunnel for its policies, it gives again;
 * - the file's other sections ([Policy], [Set], [Global]) are kept as
 *   written, comments included, after the peers. Comments in [Interface]
 *   and [Peer] go, as with wg-quick.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compile/compile.h"
#include "conf/read.h"

static const struct st_dns *live_dns(const struct state *s, const char *name)
{
	vec_foreach(d, &s->dns)
		if (!strcmp(d->ifname, name))
			return d;
	return NULL;
}

/* wg-quick's test in del_if: Table unset or auto, and a peer takes a /0. */
static bool full_tunnel(const struct conf_iface *iface, const struct state *live)
{
	uint32_t i;

	if (IS_SET(iface->table) && iface->table.v.kind != TABLE_AUTO)
		return false;
	vec_foreach(p, &live->wgpeers)
		for (i = 0; !strcmp(p->ifname, iface->name) && i < p->n_allowed_ips; i++)
			if (!p->allowed_ips[i].len)
				return true;
	return false;
}

static void put_lines(FILE *f, const char *key, const struct lstr *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%s = %s\n", key, v[i].s);
}

static void put_dns(FILE *f, const struct st_dns *d, const struct conf_iface *iface)
{
	char buf[PREFIX_STRLEN];
	uint32_t i;

	/* Search domains without a server were never registered (as by wg-quick): the file's stay. */
	if (!d)
		put_lines(f, "DNS", iface->dns_search.v, iface->dns_search.n);
	for (i = 0; d && i < d->n_servers; i++)
		fprintf(f, "DNS = %s\n", prefix_format(&d->servers[i], buf, false));
	for (i = 0; d && i < d->n_search; i++)
		fprintf(f, "DNS = %s\n", d->search[i]);
}

/* What the file says that is configuration, not state: as it says it. */
static void put_settings(FILE *f, const struct conf_iface *iface, const struct st_link *l)
{
	const struct table_sel *t = &iface->table.v;
	const struct backend_sel *b = &iface->backend.v;
	static const char *const backends[] = { "auto", "kernel", "userspace" };

	if (IS_SET(iface->mtu) && iface->mtu.v.is_auto)
		fprintf(f, "MTU = auto\n");
	else if (IS_SET(iface->mtu) && l)
		fprintf(f, "MTU = %u\n", l->mtu);
	if (IS_SET(iface->table) && t->name)
		fprintf(f, "Table = %s\n", t->name);
	else if (IS_SET(iface->table) && t->kind == TABLE_ID)
		fprintf(f, "Table = %u\n", t->id);
	else if (IS_SET(iface->table))
		fprintf(f, "Table = %s\n", t->kind == TABLE_OFF ? "off" : "auto");
	fprintf(f, "SaveConfig = true\n");
	put_lines(f, "PreUp", iface->pre_up.v, iface->pre_up.n);
	put_lines(f, "PostUp", iface->post_up.v, iface->post_up.n);
	put_lines(f, "PreDown", iface->pre_down.v, iface->pre_down.n);
	put_lines(f, "PostDown", iface->post_down.v, iface->post_down.n);
	if (IS_SET(iface->underlay))
		fprintf(f, "Underlay = %s\n", iface->underlay.v);
	if (IS_SET(iface->backend))
		fprintf(f, "Backend = %s\n", b->program ? b->program : backends[b->kind]);
}

static void put_device(FILE *f, const struct st_wgdev *dev, bool mark)
{
	char key[ST_KEY_B64_LEN];

	if (dev->has_listen_port && dev->listen_port)
		fprintf(f, "ListenPort = %u\n", dev->listen_port);
	if (mark && dev->fwmark)
		fprintf(f, "FwMark = 0x%x\n", dev->fwmark);
	/* The one place a private key is written out: into the file that holds it. */
	if (dev->has_private_key)
		fprintf(f, "PrivateKey = %s\n", st_key_format(&dev->private_key, key));
	explicit_bzero(key, sizeof(key));
}

_Static_assert(offsetof(struct st_addr, ifname) == 0 && offsetof(struct st_wgpeer, ifname) == 0,
	       "of_iface reads a record's ifname at its start");

/*
 * Interface @name's records among the @n of @size bytes at @v (each begins with its
 * ifname), ordered by @cmp, which compares pointers to them; NULL without memory.
 */
static const void **of_iface(const void *v, size_t n, size_t size, const char *name,
			     int (*cmp)(const void *, const void *), size_t *count)
{
	const void **out = malloc((n ? n : 1) * sizeof(*out));
	size_t i;

	*count = 0;
	for (i = 0; out && i < n; i++)
		if (!strcmp((const char *)v + i * size, name))
			out[(*count)++] = (const char *)v + i * size;
	if (out)
		qsort(out, *count, sizeof(*out), cmp);
	return out;
}

static int addr_order(const void *a, const void *b)
{
	return st_addr_order_cmp(*(const struct st_addr *const *)a,
				 *(const struct st_addr *const *)b);
}

/* As wg-quick's save lists them: in the kernel's order (`ip address show`). */
static int put_addresses(FILE *f, const struct conf_iface *iface, const struct state *live)
{
	char buf[PREFIX_STRLEN];
	size_t n, i;
	const struct st_addr **v = (const struct st_addr **)of_iface(
	    live->addrs.v, live->addrs.n, sizeof(*live->addrs.v), iface->name, addr_order, &n);

	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		fprintf(f, "Address = %s\n", prefix_format(&v[i]->addr, buf, true));
	free(v);
	return 0;
}

static int put_interface(FILE *f, const struct conf_iface *iface, const struct state *live)
{
	const struct st_wgdev *dev = state_wgdev(live, iface->name);

	fprintf(f, "[Interface]\n");
	if (put_addresses(f, iface, live))
		return -ENOMEM;
	put_dns(f, live_dns(live, iface->name), iface);
	put_settings(f, iface, state_link(live, iface->name));
	if (dev)
		put_device(f, dev, IS_SET(iface->fwmark) || full_tunnel(iface, live));
	return 0;
}

/* A configured Endpoint that is a host name, not an address: it stays. */
static bool endpoint_by_name(const struct conf_peer *cp)
{
	struct prefix p;

	return cp && IS_SET(cp->endpoint) && addr_parse(cp->endpoint.v.host, &p) != NULL;
}

static void put_peer(FILE *f, const struct st_wgpeer *p, const struct conf_peer *cp)
{
	char buf[ST_KEY_B64_LEN > PREFIX_STRLEN ? ST_KEY_B64_LEN : PREFIX_STRLEN];
	char ep[ST_ENDPOINT_STRLEN];
	const struct prefix *ips = st_wgpeer_ips_in_order(p);
	uint32_t i;

	fprintf(f, "\n[Peer]\n");
	if (cp && IS_SET(cp->name))
		fprintf(f, "Name = %s\n", cp->name.v);
	fprintf(f, "PublicKey = %s\n", st_key_format(&p->public_key, buf));
	if (p->has_preshared_key)
		fprintf(f, "PresharedKey = %s\n", st_key_format(&p->preshared_key, buf));
	explicit_bzero(buf, sizeof(buf));
	for (i = 0; i < p->n_allowed_ips; i++)
		fprintf(f, "%s%s%s", i ? ", " : "AllowedIPs = ",
			prefix_format(&ips[i], buf, true),
			i + 1 == p->n_allowed_ips ? "\n" : "");
	if (endpoint_by_name(cp))
		fprintf(f, "Endpoint = %s:%u\n", cp->endpoint.v.host, cp->endpoint.v.port);
	else if (*st_endpoint_format(&p->endpoint, ep))
		fprintf(f, "Endpoint = %s\n", ep);
	if (p->keepalive)
		fprintf(f, "PersistentKeepalive = %u\n", p->keepalive);
	if (cp && IS_SET(cp->probe))
		fprintf(f, "Probe = %s\n", prefix_format(&cp->probe.v, buf, false));
}

static const struct conf_peer *conf_peer_of(const struct conf_iface *iface,
					    const struct st_wgpeer *p)
{
	vec_foreach(cp, &iface->peers)
		if (!memcmp((*cp)->public_key.v.b, p->public_key.b, ST_KEY_LEN))
			return *cp;
	return NULL;
}

static int peer_order(const void *a, const void *b)
{
	const struct st_wgpeer *x = *(const struct st_wgpeer *const *)a;
	const struct st_wgpeer *y = *(const struct st_wgpeer *const *)b;

	return (x->listed > y->listed) - (x->listed < y->listed);
}

/* The running peers, those added since up too, in the device's order, as wg showconf's. */
static int put_peers(FILE *f, const struct conf_iface *iface, const struct state *live)
{
	size_t n, i;
	const struct st_wgpeer **v = (const struct st_wgpeer **)of_iface(
	    live->wgpeers.v, live->wgpeers.n, sizeof(*live->wgpeers.v), iface->name, peer_order, &n);

	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		put_peer(f, v[i], conf_peer_of(iface, v[i]));
	free(v);
	return 0;
}

/* ---- the file's other sections, as written ---- */

struct sections {
	struct arena *a;
	VEC(unsigned) lines; /* each section's header line */
	VEC(bool) keep;
};

static int on_line(void *ctx, const struct conf_line *line)
{
	struct sections *s = ctx;
	unsigned *at;
	bool *keep;

	if (line->kind == LINE_KEY)
		return 0;
	at = vec_push(s->a, &s->lines);
	keep = vec_push(s->a, &s->keep);
	if (!at || !keep)
		return -ENOMEM;
	*at = line->loc.line;
	*keep = line->kind == LINE_BAD_SECTION || (strcasecmp(line->section, "Interface") &&
						    strcasecmp(line->section, "Peer"));
	return 0;
}

/* Line @k holds only blanks; and blanks or a comment. */
static bool blank(const char **lines, unsigned k)
{
	const char *p = lines[k];

	while (p < lines[k + 1] && strchr(" \t\r\n\v\f", *p))
		p++;
	return p == lines[k + 1];
}

static bool blank_or_comment(const char **lines, unsigned k)
{
	const char *p = lines[k];

	while (p < lines[k + 1] && strchr(" \t\r\v\f", *p))
		p++;
	return blank(lines, k) || *p == '#';
}

/* Where each line starts (1-based; [n + 1] is the end). */
static const char **line_starts(struct arena *a, const char *text, size_t len, unsigned *n)
{
	const char **v;
	size_t i, k = 1;

	*n = 0;
	for (i = 0; i < len; i++)
		*n += text[i] == '\n' || i + 1 == len;
	v = arena_alloc(a, sizeof(*v) * (*n + 2));
	if (!v)
		return NULL;
	v[1] = text;
	for (i = 0; i < len; i++)
		if (text[i] == '\n' && k < *n)
			v[++k] = text + i + 1;
	v[*n + 1] = text + len;
	return v;
}

/*
 * A section runs from its header to the next one; the comments right above a
 * header are the next section's, as they describe it. Blank lines at either
 * end go: put_span separates sections with one.
 */
static unsigned above(const char **lines, unsigned header, unsigned floor)
{
	while (header > floor + 1 && blank_or_comment(lines, header - 1))
		header--;
	return header;
}

static void section_span(const char **lines, unsigned n, const struct sections *s, size_t i,
			 unsigned *start, unsigned *end)
{
	unsigned header = s->lines.v[i];

	*start = above(lines, header, i ? s->lines.v[i - 1] : 0);
	while (*start < header && blank(lines, *start))
		(*start)++;
	*end = i + 1 < s->lines.n ? above(lines, s->lines.v[i + 1], header) : n + 1;
	while (*end > header + 1 && blank(lines, *end - 1))
		(*end)--;
}

/* After a blank line, as written, and ending in a newline. */
static void put_span(FILE *f, const char *from, const char *to)
{
	fprintf(f, "\n%.*s%s", (int)(to - from), from, to > from && to[-1] != '\n' ? "\n" : "");
}

static int put_other_sections(FILE *f, const char *orig, size_t len)
{
	struct arena a;
	struct diags d;
	struct sections s = { .a = &a };
	const char **lines = NULL;
	unsigned n = 0, i, start, end;
	int err;

	arena_init(&a);
	diags_init(&d, &a);
	err = conf_read("", orig, len, &d, on_line, &s);
	if (!err && !(lines = line_starts(&a, orig, len, &n)))
		err = -ENOMEM;
	for (i = 0; !err && i < s.lines.n; i++) {
		if (!s.keep.v[i])
			continue;
		section_span(lines, n, &s, i, &start, &end);
		put_span(f, lines[start], lines[end]);
	}
	arena_free(&a);
	return err;
}

char *compile_saved_config(const struct conf_iface *iface, const char *orig, size_t len,
			   const struct state *live)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	int err;

	if (!f)
		return NULL;
	err = put_interface(f, iface, live);
	if (!err)
		err = put_peers(f, iface, live);
	if (!err)
		err = put_other_sections(f, orig, len);
	if (fclose(f) || err) {
		explicit_bzero(text, size);
		free(text);
		return NULL;
	}
	return text;
}
