// SPDX-License-Identifier: GPL-2.0-or-later
/* The kernel WireGuard family's exchanges, through kernel/nl.h, around the codec of genl.c. */
#include "wg/genl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/wireguard.h>
#include <sys/socket.h>

#include "kernel/nl.h"
#include "wg/internal.h"

/* A dump marked inconsistent (peers changed meanwhile) is read again, this many times. */
#define DUMP_TRIES 5

static int open_family(const char *ifname, struct nl **out, struct nl_genl_family *fam,
		       char *errmsg, size_t errlen)
{
	struct nl *nl = nl_open(NETLINK_GENERIC);
	int err;

	if (!nl) {
		err = -errno;
		wg_errf(errmsg, errlen, "%s: generic netlink: %s", ifname, strerror(-err));
		return err;
	}
	err = nl_genl_family(nl, WG_GENL_NAME, fam);
	if (err) {
		wg_errf(errmsg, errlen, "%s: %s", ifname,
			err == -ENOENT ? "the kernel has no WireGuard (module not loaded)"
				       : strerror(-err));
		nl_close(nl);
		return err;
	}
	*out = nl;
	return 0;
}

int wg_genl_get(const char *ifname, struct state *live, char *errmsg, size_t errlen)
{
	struct nl_genl_family fam;
	uint8_t req[64];
	struct nl_ack ack = {0};
	struct wg_genl_dump d;
	struct nl *nl;
	int err, tries = 0, len;

	if (strlen(ifname) >= ST_IFNAMSIZ)
		return -ENAMETOOLONG;
	err = open_family(ifname, &nl, &fam, errmsg, errlen);
	if (err)
		return err;
	len = wg_genl_get_request(req, sizeof(req), fam.id, ifname);
	if (len < 0) {
		nl_close(nl);
		return len;
	}
	do {
		wg_genl_dump_init(&d, ifname, live, errmsg, errlen);
		err = nl_call(nl, (struct nlmsghdr *)req, wg_genl_dump_msg, &d, &ack);
		err = wg_genl_dump_end(&d, err);
	} while (err == -EAGAIN && ++tries < DUMP_TRIES);
	if (err && err != -EBADMSG)
		wg_errf(errmsg, errlen, "%s: reading the WireGuard device: %s%s%s", ifname,
			strerror(-err), ack.msg[0] ? ": " : "", ack.msg);
	nl_close(nl);
	return err;
}

int wg_genl_set(const char *ifname, const struct st_wgdev *dev, const struct op *ops, size_t n,
		char *errmsg, size_t errlen)
{
	struct nl_genl_family fam;
	struct wg_genl_set s;
	struct nl_ack ack = {0};
	struct nl *nl;
	uint8_t *buf;
	int len, err = 0;

	if (!dev && !n)
		return 0;
	if (strlen(ifname) >= ST_IFNAMSIZ)
		return -ENAMETOOLONG;
	buf = malloc(WG_GENL_MSG_MAX);
	if (!buf)
		return -ENOMEM;
	err = open_family(ifname, &nl, &fam, errmsg, errlen);
	if (err)
		goto out;
	wg_genl_set_init(&s, fam.id, ifname, dev, ops, n);
	while ((len = wg_genl_set_next(&s, buf, WG_GENL_MSG_MAX)) > 0) {
		err = nl_call(nl, (struct nlmsghdr *)buf, NULL, NULL, &ack);
		explicit_bzero(buf, (size_t)len); /* the first message holds the private key */
		if (err)
			break;
	}
	if (len < 0)
		err = len;
	if (err)
		wg_errf(errmsg, errlen, "%s: setting the WireGuard device: %s%s%s", ifname,
			strerror(-err), ack.msg[0] ? ": " : "", ack.msg);
	nl_close(nl);
out:
	free(buf);
	return err;
}
