// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Starting a userspace WireGuard implementation the way wg-quick does:
 * `PROGRAM IFNAME`, which creates the tun link and the UAPI socket and puts
 * itself in the background. Then wait, bounded, until the socket answers.
 */
#include "wg/wg.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wg/internal.h"
#include "wg/uapi.h"

extern char **environ;

/* How often the socket is tried while the implementation starts. */
#define POLL_MS 20

const char *wg_userspace_program(const char *program)
{
	const char *env = getenv(WG_USERSPACE_ENV);

	if (program && *program)
		return program;
	return env && *env ? env : WG_USERSPACE_DEFAULT;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Does the socket answer a get with errno=0? */
static bool answers(const char *ifname, int timeout_ms)
{
	static const char req[] = "get=1\n\n";
	static const char ok[] = "errno=0\n\n";
	struct wg_text a = {0};
	bool yes;

	yes = !wg_uapi_exchange(ifname, req, sizeof(req) - 1, &a, timeout_ms, NULL, 0) &&
	      a.len >= sizeof(ok) - 1 &&
	      !memcmp(a.p + a.len - (sizeof(ok) - 1), ok, sizeof(ok) - 1);
	wg_text_free(&a);
	return yes;
}

/*
 * The program's output goes to our standard error: wireguard-go prints a
 * banner on its standard output, which must not mix with `--json` output.
 */
static int start(const char *prog, const char *ifname, pid_t *pid)
{
	char *const argv[] = {(char *)prog, (char *)ifname, NULL};
	posix_spawn_file_actions_t fa;
	int err;

	if ((err = posix_spawn_file_actions_init(&fa)))
		return -err;
	err = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	if (!err)
		err = posix_spawnp(pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return -err;
}

static void describe_exit(const char *prog, const char *ifname, int status, char *errmsg,
			  size_t errlen)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		wg_errf(errmsg, errlen, "%s %s: the program could not be run (exit status 127)",
			prog, ifname);
	else if (WIFEXITED(status))
		wg_errf(errmsg, errlen, "%s %s: failed with exit status %d", prog, ifname,
			WEXITSTATUS(status));
	else
		wg_errf(errmsg, errlen, "%s %s: killed by signal %d (%s)", prog, ifname,
			WTERMSIG(status), strsignal(WTERMSIG(status)));
}

/* A descriptor that becomes readable when @pid exits (Linux 5.3); -1 without one. */
static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

/*
 * Sleep POLL_MS, but wake when the child exits: wireguard-go's first process
 * exits as soon as its daemon listens, and a bring-up should not wait up to
 * POLL_MS more for that (wg-quick waits for exactly that exit).
 */
static void pause_ms(int pidfd)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};

	if (pidfd < 0 || poll(&p, 1, POLL_MS) < 0)
		nanosleep(&(struct timespec){.tv_nsec = POLL_MS * 1000000L}, NULL);
}

/* The child has exited or changed: 0 still running, 1 exited well, -EIO failed. */
static int reap(const char *prog, const char *ifname, pid_t pid, char *errmsg, size_t errlen)
{
	int status;
	pid_t r = waitpid(pid, &status, WNOHANG);

	if (r == 0 || (r < 0 && errno == EINTR))
		return 0;
	if (r == pid && (!WIFEXITED(status) || WEXITSTATUS(status))) {
		describe_exit(prog, ifname, status, errmsg, errlen);
		return -EIO;
	}
	return 1;
}

/*
 * Wait for the socket while watching the child: an implementation that
 * daemonizes exits 0 at once and its daemon answers soon after; one that
 * stays in the foreground answers while still running (and is left so).
 */
static int wait_ready(const char *prog, const char *ifname, pid_t pid, int timeout_ms, char *errmsg,
		      size_t errlen)
{
	int64_t deadline = now_ms() + timeout_ms;
	int pidfd = pidfd_of(pid), ret = 0;
	bool running = true;

	for (;;) {
		if (running) {
			int r = reap(prog, ifname, pid, errmsg, errlen);

			if (r < 0) {
				ret = r;
				goto out;
			}
			running = !r;
		}
		if (answers(ifname, 1000))
			goto out;
		if (now_ms() >= deadline)
			break;
		pause_ms(running ? pidfd : -1);
	}
	if (running) {
		/* Ours, hung: do not leave it behind. */
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	wg_errf(errmsg, errlen, "%s %s: %s/%s.sock did not answer within %d ms", prog, ifname,
		WG_UAPI_DIR, ifname, timeout_ms);
	ret = -ETIMEDOUT;
out:
	if (pidfd >= 0)
		close(pidfd);
	return ret;
}

int wg_spawn_err(const char *ifname, const char *program, int timeout_ms, char *errmsg,
		 size_t errlen)
{
	const char *prog = wg_userspace_program(program);
	char path[sizeof(WG_UAPI_DIR) + ST_IFNAMSIZ + 8];
	pid_t pid;
	int err;

	if (wg_uapi_path(ifname, path, sizeof(path))) {
		wg_errf(errmsg, errlen, "\"%.*s\": not an interface name", ST_IFNAMSIZ, ifname);
		return -EINVAL;
	}
	if (timeout_ms <= 0)
		timeout_ms = WG_SPAWN_TIMEOUT_MS;
	if (answers(ifname, 1000)) {
		wg_errf(errmsg, errlen,
			"%s: %s already answers (an interface of that name in this or another "
			"network namespace)",
			ifname, path);
		return -EEXIST;
	}
	err = start(prog, ifname, &pid);
	if (err == -ENOENT)
		wg_errf(errmsg, errlen,
			"%s: not found (install wireguard-go, or name another userspace "
			"implementation with Backend = or " WG_USERSPACE_ENV ")",
			prog);
	else if (err)
		wg_errf(errmsg, errlen, "%s: cannot start: %s", prog, strerror(-err));
	if (err)
		return err;
	return wait_ready(prog, ifname, pid, timeout_ms, errmsg, errlen);
}

int wg_spawn(const char *ifname, const char *program)
{
	return wg_spawn_err(ifname, program, 0, NULL, 0);
}
