/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_COMPILE_INTERNAL_H
#define WGP_COMPILE_INTERNAL_H

#include "compile/compile.h"

struct compile_ctx {
	const struct conf *c;
	const struct facts *f;
	struct state *out;
	struct diags *d;
	uint8_t protocol;
	int err;
	uint32_t marks_used; /* values of the mark space taken by tunnels */
};

/* Push a zeroed object of the given list; sets ctx->err on failure. */
#define EMIT(ctx, list)                                                                            \
	({                                                                                         \
		__typeof__(&(ctx)->out->list.v[0]) _o = vec_push(&(ctx)->out->arena,             \
								  &(ctx)->out->list);             \
		if (!_o)                                                                           \
			(ctx)->err = -ENOMEM;                                                      \
		_o;                                                                                \
	})

void compile_iface(struct compile_ctx *ctx, const struct conf_iface *iface);
void compile_full_tunnel(struct compile_ctx *ctx, const struct conf_iface *iface,
			 struct st_wgdev *dev, const struct prefix *defaults, size_t n);
/* The nftables table of a full tunnel with marks @fwmark, for the families of @defaults. */
void compile_full_tunnel_nft(struct compile_ctx *ctx, const struct conf_iface *iface,
			     uint32_t fwmark, const struct prefix *defaults, size_t n);
/* A rule "lookup @table" of wgpolicy's, selectors to be filled by the caller. */
struct st_rule *emit_table_rule(struct compile_ctx *ctx, uint8_t family, uint32_t prio,
				uint32_t table);
/* Does some peer of @iface take destinations of @family (AllowedIPs)? */
bool iface_carries(const struct conf_iface *iface, uint8_t family);
void emit_dev_route(struct compile_ctx *ctx, const char *ifname, const struct prefix *dst,
		    uint32_t table);
void emit_sysctl(struct compile_ctx *ctx, const char *path, const char *value, const char *owner);
/* net.ipv4.conf.IFNAME.KNOB, needed by @ifname. */
void emit_iface_sysctl(struct compile_ctx *ctx, const char *ifname, const char *knob,
		       const char *value);
uint32_t compile_mtu(struct compile_ctx *ctx, const struct conf_iface *iface);
void copy_ifname(char dst[ST_IFNAMSIZ], const char *src);

#endif
