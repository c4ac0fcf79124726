/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_UTIL_LOG_H
#define WGP_UTIL_LOG_H

/*
 * Messages for people. Commands write "wgpolicy: ..." to stderr; the daemon
 * timestamps them (or leaves that to journald, which stamps stderr itself,
 * with the priority as a "<N>" prefix it understands).
 */

#include <stdbool.h>

enum log_level { LOG_ERR = 3, LOG_WARN = 4, LOG_NOTE = 5, LOG_INFO = 6, LOG_DEBUG = 7 };

/* @daemon: timestamps, or "<N>" priority prefixes when stderr is the journal. */
void log_setup(bool daemon);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_note(...) log_msg(LOG_NOTE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)

#endif
