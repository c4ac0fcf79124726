// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "util/run.h"

/*
 * wg-quick's record name: the interface, behind the first "NAME*" pattern of
 * resolvconf's interface-order (Debian's gives "tun."), so that the tunnel's
 * servers are ordered first.
 */
static void record_name(char *buf, size_t len, const char *ifname)
{
	FILE *f = fopen("/etc/resolvconf/interface-order", "re");
	char line[256], prefix[64] = "";

	while (f && fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\n");

		line[n] = '\0';
		if (n > 1 && n < sizeof(prefix) && line[n - 1] == '*' &&
		    strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") ==
			    n - 1) {
			snprintf(prefix, sizeof(prefix), "%.*s.", (int)(n - 1), line);
			break;
		}
	}
	if (f)
		fclose(f);
	snprintf(buf, len, "%s%s", prefix, ifname);
}

static char *resolv_text(const struct st_dns *d)
{
	char *text = NULL, buf[PREFIX_STRLEN];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	uint32_t i;

	if (!f)
		return NULL;
	for (i = 0; i < d->n_servers; i++)
		fprintf(f, "nameserver %s\n", prefix_format(&d->servers[i], buf, false));
	for (i = 0; i < d->n_search; i++)
		fprintf(f, "%s%s", i ? " " : "search ", d->search[i]);
	if (d->n_search)
		fputc('\n', f);
	fclose(f);
	return text;
}

static int status_to_errno(int status)
{
	if (status < 0)
		return status;
	return status ? -EIO : 0;
}

int dns_set(const struct st_dns *d)
{
	char name[96];
	const char *argv[] = { "resolvconf", "-a", name, "-m", "0", "-x", NULL };
	char *text = resolv_text(d);
	int ret;

	if (!text)
		return -ENOMEM;
	record_name(name, sizeof(name), d->ifname);
	ret = status_to_errno(run_program(argv, text));
	free(text);
	return ret;
}

int dns_remove(const char *ifname)
{
	char name[96];
	const char *argv[] = { "resolvconf", "-d", name, "-f", NULL };

	record_name(name, sizeof(name), ifname);
	return status_to_errno(run_program(argv, NULL));
}
