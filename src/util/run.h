/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef WGP_UTIL_RUN_H
#define WGP_UTIL_RUN_H

/*
 * Run a program, feeding @input (or nothing) to its standard input; its
 * output goes to ours. Returns its exit status (0 success), 128+N when killed
 * by signal N, or a negative errno when it could not be started.
 */
int run_program(const char *const argv[], const char *input);

#endif
