// SPDX-License-Identifier: GPL-2.0-or-later
/* Links: RTM_NEWLINK/RTM_DELLINK requests and RTM_NEWLINK dump messages (pure, see codec.h). */
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "kernel/codec.h"
#include "kernel/kernel.h"
#include "kernel/nl.h"

static struct ifinfomsg *link_start(struct nl_msg *m, void *buf, size_t len, uint16_t type,
				    uint16_t flags, const char *name)
{
	struct ifinfomsg *ifi = nl_msg_init(m, buf, len, type, NLM_F_REQUEST | flags, sizeof(*ifi));

	if (ifi)
		ifi->ifi_family = AF_UNSPEC;
	/* By name, not index: the index of a link we just created is not known yet. */
	nl_put_str(m, IFLA_IFNAME, name);
	return ifi;
}

static bool name_ok(const char *name)
{
	size_t n = strnlen(name, IFNAMSIZ);

	return n > 0 && n < IFNAMSIZ;
}

int link_encode_create(void *buf, size_t len, const char *name, const char *kind)
{
	struct nl_msg m;
	struct nlattr *info;

	if (!name_ok(name))
		return -EINVAL;
	link_start(&m, buf, len, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, name);
	info = nl_nest_start(&m, IFLA_LINKINFO);
	nl_put_str(&m, IFLA_INFO_KIND, kind);
	nl_nest_end(&m, info);
	return nl_msg_end(&m);
}

int link_encode_set(void *buf, size_t len, const struct st_link *l)
{
	struct nl_msg m;
	struct ifinfomsg *ifi;

	if (!name_ok(l->name))
		return -EINVAL;
	ifi = link_start(&m, buf, len, RTM_NEWLINK, 0, l->name);
	if (ifi) {
		ifi->ifi_flags = l->up ? IFF_UP : 0;
		ifi->ifi_change = IFF_UP;
	}
	if (l->mtu)
		nl_put_u32(&m, IFLA_MTU, l->mtu);
	/*
	 * The kernel does not take IFLA_IFALIAS when it creates a link (only
	 * do_setlink reads it), so the alias always comes with the set.
	 */
	nl_put_str(&m, IFLA_IFALIAS, WGPOLICY_LINK_ALIAS);
	return nl_msg_end(&m);
}

int link_encode_del(void *buf, size_t len, const char *name)
{
	struct nl_msg m;

	if (!name_ok(name))
		return -EINVAL;
	link_start(&m, buf, len, RTM_DELLINK, 0, name);
	return nl_msg_end(&m);
}

int link_encode_get(void *buf, size_t len, int ifindex)
{
	struct nl_msg m;
	struct ifinfomsg *ifi;

	if (ifindex <= 0)
		return -EINVAL;
	ifi = nl_msg_init(&m, buf, len, RTM_GETLINK, NLM_F_REQUEST, sizeof(*ifi));
	if (ifi)
		ifi->ifi_index = ifindex;
	return nl_msg_end(&m);
}

static const struct nl_policy link_policy[IFLA_MAX + 1] = {
    [IFLA_IFNAME] = {NL_A_STRING, IFNAMSIZ},
    [IFLA_MTU] = {NL_A_U32, 0},
    [IFLA_IFALIAS] = {NL_A_STRING, 0},
    [IFLA_LINKINFO] = {NL_A_NESTED, 0},
};

static const struct nl_policy linkinfo_policy[IFLA_INFO_MAX + 1] = {
    [IFLA_INFO_KIND] = {NL_A_STRING, 0},
};

static int decode_kind(const struct nlattr *linkinfo, char *kind, size_t len)
{
	const struct nlattr *tb[IFLA_INFO_MAX + 1];
	int err;

	kind[0] = '\0';
	if (!linkinfo)
		return 0;
	err = nl_parse_nested(linkinfo, linkinfo_policy, IFLA_INFO_MAX, tb);
	if (err < 0)
		return err;
	if (tb[IFLA_INFO_KIND])
		snprintf(kind, len, "%s", mnl_attr_get_str(tb[IFLA_INFO_KIND]));
	return 0;
}

int link_decode(const struct nlmsghdr *nlh, struct link_msg *out)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi =
	    decode_start(nlh, RTM_NEWLINK, sizeof(*ifi), link_policy, IFLA_MAX, tb);
	struct st_link *l = &out->link;
	int err;

	memset(out, 0, sizeof(*out));
	if (!ifi || !tb[IFLA_IFNAME] || !*mnl_attr_get_str(tb[IFLA_IFNAME]))
		return -EBADMSG;
	err = decode_kind(tb[IFLA_LINKINFO], out->kind, sizeof(out->kind));
	if (err < 0)
		return err;
	snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	l->ifindex = ifi->ifi_index;
	l->up = ifi->ifi_flags & IFF_UP;
	l->mtu = tb[IFLA_MTU] ? mnl_attr_get_u32(tb[IFLA_MTU]) : 0;
	l->owned =
	    tb[IFLA_IFALIAS] && !strcmp(mnl_attr_get_str(tb[IFLA_IFALIAS]), WGPOLICY_LINK_ALIAS);
	return 0;
}
