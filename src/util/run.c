// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int feed(int fd, const char *input)
{
	size_t len = strlen(input), off = 0;

	while (off < len) {
		ssize_t n = write(fd, input + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off += (size_t)n;
	}
	return 0;
}

int run_program(const char *const argv[], const char *input)
{
	posix_spawn_file_actions_t fa;
	int pipefd[2] = { -1, -1 }, status, err;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[0], STDIN_FILENO);
	err = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[0]);
	if (err) {
		close(pipefd[1]);
		return -err;
	}
	/* A program that does not read its input must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (input)
		feed(pipefd[1], input);
	close(pipefd[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
