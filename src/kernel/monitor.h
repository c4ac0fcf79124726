/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_KERNEL_MONITOR_H
#define WGP_KERNEL_MONITOR_H

/*
 * Change notifications, for the daemon to re-assert its state: links,
 * addresses, routes and rules (rtnetlink), and nftables tables (nfnetlink).
 * Receive only; nothing here sends.
 */

struct monitor;

/* The sockets' receive buffer in bytes; tests make it small to provoke overruns. */
#define MONITOR_RCVBUF (4 << 20)

/* @rcvbuf: the receive buffer in bytes, 0 for MONITOR_RCVBUF. */
struct monitor *monitor_open(int rcvbuf);
void monitor_close(struct monitor *m);
int monitor_fd_route(const struct monitor *m);
int monitor_fd_nft(const struct monitor *m);
/*
 * Drain @fd (a bounded number of reads: epoll reports what is left). Returns
 * the number of notifications read, or -ENOBUFS when the kernel dropped some
 * (the caller must then resync everything).
 */
int monitor_drain(struct monitor *m, int fd);

#endif
