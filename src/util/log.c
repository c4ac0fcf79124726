// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static enum { PLAIN, STAMPED, JOURNAL } style = PLAIN;

void log_setup(bool daemon)
{
	/* systemd connects stderr to the journal and says so in $JOURNAL_STREAM. */
	if (!daemon)
		style = PLAIN;
	else if (getenv("JOURNAL_STREAM"))
		style = JOURNAL;
	else
		style = STAMPED;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (style == JOURNAL) {
		fprintf(stderr, "<%d>", level);
	} else if (style == STAMPED) {
		struct timespec ts;
		struct tm tm;
		char when[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld ", when, ts.tv_nsec / 1000000);
	} else {
		fputs("wgpolicy: ", stderr);
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
