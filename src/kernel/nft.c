// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wgpolicy's nftables table through libnftables: every change is one text of
 * commands, which libnftables sends as one batch, one kernel transaction.
 *
 * nft 1.0.6 resolves `socket cgroupv2 level N "PATH"` under /sys/fs/cgroup
 * only (it refuses a numeric id in text), and lists a rule's cgroup id back as
 * the path it finds there. Where cgroup2 is mounted elsewhere (the hybrid
 * layout: /sys/fs/cgroup/unified) or not at all (`ip netns exec` remounts
 * /sys), libnftables runs in a child process with a private mount namespace
 * that has cgroup2 on /sys/fs/cgroup. The rule holds the cgroup's id, so it
 * matches the same cgroup whatever the mounts of the process loading it.
 */
#include "kernel/nft.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <inttypes.h>
#include <limits.h>
#include <nftables/libnftables.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel/cgroup.h"

#define NFT_CGROUP2_DIR	 CGROUP2_DEFAULT_DIR /* where nft looks, whatever the system has */
#define CHILD_TIMEOUT_MS 30000

/* What libnftables is asked to do. */
struct job {
	const char *cmds;
	unsigned flags; /* NFT_CTX_OUTPUT_* */
	char **out;	/* NULL: the output is not wanted */
	char *err;	/* libnftables' error text, or ours */
	size_t errlen;
	const char *const *cgroups; /* to make (mkdir -p) in the cgroup2 hierarchy */
	uint32_t n_cgroups;
};

static int write_all(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len) {
		ssize_t n = write(fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * @text into the job's error buffer, trailing blanks cut, and the name
 * libnftables gives our commands' file (@path, if any) replaced by "ruleset".
 */
static void set_err(const struct job *j, const char *text, const char *path)
{
	size_t plen = path ? strlen(path) : 0, n = 0;

	if (!j->err || !j->errlen)
		return;
	if (!text || !*text)
		text = "libnftables failed";
	while (*text && n + 1 < j->errlen) {
		if (plen && !strncmp(text, path, plen) && text[plen] == ':') {
			n += (size_t)snprintf(j->err + n, j->errlen - n, "ruleset");
			n = n < j->errlen ? n : j->errlen - 1;
			text += plen;
			continue;
		}
		j->err[n++] = *text++;
	}
	while (n && (j->err[n - 1] == '\n' || j->err[n - 1] == ' '))
		n--;
	j->err[n] = '\0';
}

/* libnftables' text ends in the kernel's strerror(), if any: the error to return. */
static int errno_of(const char *text)
{
	static const int known[] = {EPERM, ENOENT, EEXIST, EOPNOTSUPP, EBUSY, ENOMEM, ENOSPC};
	size_t i;

	for (i = 0; text && i < sizeof(known) / sizeof(known[0]); i++)
		if (strstr(text, strerror(known[i])))
			return -known[i];
	return -EINVAL;
}

/*
 * libnftables 1.0.6 exits the whole process when it cannot open its netlink
 * socket (mnl.c, netlink_init_error): a kernel without nfnetlink, as the
 * test VM's. So ask first: -EPROTONOSUPPORT means no nftables at all.
 */
static int nfnetlink_present(const struct job *j)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER), err;

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	err = -errno;
	set_err(
	    j, err == -EPROTONOSUPPORT ? "this kernel has no nftables (nfnetlink)" : strerror(-err),
	    NULL);
	return err;
}

/*
 * The commands go through a file, not a buffer: under every error,
 * libnftables 1.0.6 quotes a buffer's first line, whatever line the error is
 * about; for a file it names the line and quotes that one. A file is one
 * batch, one transaction, all the same.
 */
static int run_here(const struct job *j)
{
	int fd, ret = nfnetlink_present(j);
	struct nft_ctx *ctx = NULL;
	char path[64];

	if (ret)
		return ret;
	fd = memfd_create("wgpolicy.nft", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ret = write_all(fd, j->cmds, strlen(j->cmds));
	if (!ret && !(ctx = nft_ctx_new(NFT_CTX_DEFAULT)))
		ret = -ENOMEM;
	if (ret)
		goto out;
	nft_ctx_output_set_flags(ctx, j->flags);
	if (nft_ctx_buffer_output(ctx) || nft_ctx_buffer_error(ctx)) {
		ret = -ENOMEM;
		goto out;
	}
	/* libnftables says why in text only: the parser's or the kernel's message. */
	if (nft_run_cmd_from_filename(ctx, path)) {
		/* Once: each call rewinds the buffer. */
		const char *text = nft_ctx_get_error_buffer(ctx);

		set_err(j, text, path);
		ret = errno_of(text);
	} else if (j->out && !(*j->out = strdup(nft_ctx_get_output_buffer(ctx)))) {
		ret = -ENOMEM;
	}
out:
	if (ctx)
		nft_ctx_free(ctx);
	close(fd);
	return ret;
}

static bool cgroup2_where_nft_looks(void)
{
	char dir[PATH_MAX];

	return !cgroup2_dir(dir, sizeof(dir)) && !strcmp(dir, NFT_CGROUP2_DIR);
}

/* mkdir -p every cgroup of the job, under the cgroup2 mount this process sees. */
static int make_cgroups(const struct job *j)
{
	char why[PATH_MAX + 64];
	uint32_t i;
	int err = 0;

	for (i = 0; i < j->n_cgroups && !err; i++) {
		err = cgroup_create(j->cgroups[i]);
		if (err == -EINVAL)
			snprintf(why, sizeof(why),
				 "cgroup %s: not a path inside the cgroup v2 hierarchy",
				 j->cgroups[i]);
		else if (err)
			snprintf(why, sizeof(why), "cgroup %s: %s", j->cgroups[i], strerror(-err));
		if (err)
			set_err(j, why, NULL);
	}
	return err;
}

/* In a new mount namespace of this process only: cgroup2 where nft looks for it. */
static int private_cgroup2(const struct job *j)
{
	char why[256];
	int err = 0;

	if (unshare(CLONE_NEWNS))
		err = -errno;
	/* Private first: /sys is usually a shared mount, and the host must not see ours. */
	else if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		err = -errno;
	else if (mount("cgroup2", NFT_CGROUP2_DIR, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		       NULL))
		err = -errno;
	if (err) {
		snprintf(why, sizeof(why),
			 "cannot mount cgroup2 on " NFT_CGROUP2_DIR
			 " in a private mount namespace: %s",
			 strerror(-err));
		set_err(j, why, NULL);
	}
	return err;
}

/* The child's answer on @fd: the status (int32), the error text and its NUL, the output. */
_Noreturn static void child(const struct job *parent_job, int fd)
{
	char err[4096] = "", *out = NULL;
	struct job j = *parent_job;
	int32_t ret;

	j.err = err;
	j.errlen = sizeof(err);
	j.out = parent_job->out ? &out : NULL;
	ret = private_cgroup2(&j) ?: make_cgroups(&j) ?: run_here(&j);
	if (write_all(fd, &ret, sizeof(ret)) || write_all(fd, err, strlen(err) + 1) ||
	    (out && write_all(fd, out, strlen(out))))
		_exit(1);
	_exit(0);
}

struct buf {
	char *v;
	size_t n, cap;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Everything the child writes, until it closes the pipe; -ETIMEDOUT after CHILD_TIMEOUT_MS. */
static int read_answer(int fd, struct buf *b)
{
	long long deadline = now_ms() + CHILD_TIMEOUT_MS;

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		long long left = deadline - now_ms();
		ssize_t n;
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		if (b->cap - b->n < 4096) {
			char *v = realloc(b->v, b->cap * 2 + 8192);

			if (!v)
				return -ENOMEM;
			b->v = v;
			b->cap = b->cap * 2 + 8192;
		}
		n = read(fd, b->v + b->n, b->cap - b->n - 1);
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return -errno;
		if (n == 0)
			break;
		if (n > 0)
			b->n += (size_t)n;
	}
	if (b->v)
		b->v[b->n] = '\0';
	return 0;
}

static int parse_answer(const struct job *j, const struct buf *b)
{
	int32_t ret;
	size_t errlen;

	if (b->n < sizeof(ret) + 1) {
		set_err(j, "the process running libnftables died without an answer", NULL);
		return -EIO;
	}
	memcpy(&ret, b->v, sizeof(ret));
	errlen = strlen(b->v + sizeof(ret));
	if (ret)
		set_err(j, b->v + sizeof(ret), NULL);
	else if (j->out && !(*j->out = strdup(b->v + sizeof(ret) + errlen + 1)))
		ret = -ENOMEM;
	return ret;
}

static int run_private(const struct job *j)
{
	struct buf b = {0};
	int fds[2], ret, status = 0;
	pid_t pid, w;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(fds[0]);
		close(fds[1]);
		return ret;
	}
	if (pid == 0) {
		close(fds[0]);
		child(j, fds[1]);
	}
	close(fds[1]);
	ret = read_answer(fds[0], &b);
	close(fds[0]);
	if (ret == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		set_err(j, "libnftables did not answer in time", NULL);
	}
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	/* A child that died while writing leaves half an answer (ECHILD: a handler reaped it). */
	if (!ret && w == pid && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		ret = -EIO;
	if (!ret)
		ret = parse_answer(j, &b);
	else if (ret == -EIO)
		set_err(j, "the process running libnftables died without an answer", NULL);
	free(b.v);
	return ret;
}

/* Run @j where nft resolves cgroup paths, if @cgroups: privately unless cgroup2 is there. */
static int run(const struct job *j, bool cgroups)
{
	if (cgroups && !cgroup2_where_nft_looks())
		return run_private(j);
	return run_here(j);
}

/*
 * Transactions this process committed, each to one of wgpolicy's own tables
 * (see nft_own_commits). Every change below is "table X; delete table X; ...":
 * never an empty batch, so each success is exactly one commit, one step of
 * nftables' generation.
 */
static uint32_t own_commits;

uint32_t nft_own_commits(void)
{
	return own_commits;
}

/* Run the change @j to wgpolicy's table @name; a success is counted. */
static int commit(const struct job *j, bool cgroups, const char *name)
{
	char ifname[ST_IFNAMSIZ];
	int ret;

	if (!st_nft_parse_name(name, ifname))
		return -EINVAL; /* only our own tables are ever changed */
	ret = run(j, cgroups);
	if (!ret)
		own_commits++;
	return ret;
}

/*
 * "add the table; delete it; TEXT": the delete cannot fail, whether the table
 * was there or not, and all of it is one transaction. One line, so that the
 * line numbers in errors are TEXT's own.
 */
static char *replace_cmds(const char *name, const char *text)
{
	char *cmds;

	if (asprintf(&cmds, "table %s; delete table %s; %s", name, name, text) < 0)
		return NULL;
	return cmds;
}

int nft_load(const struct st_nft *n, char *err, size_t errlen)
{
	struct job j = {
	    .err = err, .errlen = errlen, .cgroups = n->cgroups, .n_cgroups = n->n_cgroups};
	char dir[PATH_MAX], *table = NULL, *cmds = NULL;
	bool cgroups = n->n_cgroups || (n->ruleset && strstr(n->ruleset, "cgroupv2"));
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!n->ruleset)
		return -EINVAL;
	if (asprintf(&table, "table %s { comment \"" NFT_COMMENT_TAG "%016" PRIx64 "\"; %s\n}\n",
		     n->name, n->hash, n->ruleset) < 0)
		return -ENOMEM;
	cmds = replace_cmds(n->name, table);
	free(table);
	if (!cmds)
		return -ENOMEM;
	j.cmds = cmds;
	/*
	 * Made in the hierarchy this process sees, if it sees one; the private
	 * child makes them (again) in the one it mounts: the same hierarchy.
	 */
	ret = cgroups && !cgroup2_dir(dir, sizeof(dir)) ? make_cgroups(&j) : 0;
	if (!ret)
		ret = commit(&j, cgroups, n->name);
	free(cmds);
	return ret;
}

int nft_delete(const char *name, char *err, size_t errlen)
{
	struct job j = {.cmds = replace_cmds(name, ""), .err = err, .errlen = errlen};
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!j.cmds)
		return -ENOMEM;
	ret = commit(&j, false, name);
	free((char *)j.cmds);
	if (ret == -EPROTONOSUPPORT && err && errlen)
		err[0] = '\0';
	return ret == -EPROTONOSUPPORT ? 0 : ret; /* no nftables, no table */
}

static bool table_listed(const char *tables, const char *name)
{
	const char *p = tables;
	size_t len = strlen(name);

	for (; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, "table ", 6) && !strncmp(p + 6, name, len) &&
		    (p[6 + len] == '\n' || !p[6 + len]))
			return true;
	return false;
}

/*
 * `list table @name` as @flags say, in *@out; NULL and 0 when there is no
 * table. libnftables tells "no such table" from other failures in text only,
 * so the failure is checked against `list tables`.
 */
static int list_table(const char *name, unsigned flags, bool cgroups, char **out, char *err,
		      size_t errlen)
{
	struct job j = {.flags = flags, .out = out, .err = err, .errlen = errlen};
	char cmd[ST_NFT_NAMSIZ + 16], *tables = NULL;
	int ret;

	snprintf(cmd, sizeof(cmd), "list table %s", name);
	j.cmds = cmd;
	*out = NULL;
	ret = run(&j, cgroups);
	if (!ret || ret == -EPROTONOSUPPORT) { /* no nftables, no table */
		if (ret && err && errlen)
			err[0] = '\0';
		return 0;
	}
	j = (struct job){.cmds = "list tables", .out = &tables};
	if (!run_here(&j) && !table_listed(tables, name)) {
		ret = 0;
		if (err && errlen)
			err[0] = '\0';
	}
	free(tables);
	return ret;
}

int nft_save(const char *name, char **text, char *err, size_t errlen)
{
	int ret;

	if (err && errlen)
		err[0] = '\0';
	ret = list_table(name, 0, false, text, err, errlen);
	/* Listed here, a cgroup's path may be one under another mount: list it where nft looks. */
	if (!ret && *text && strstr(*text, "cgroupv2") && !cgroup2_where_nft_looks()) {
		free(*text);
		ret = list_table(name, 0, true, text, err, errlen);
	}
	return ret;
}

int nft_restore(const char *name, const char *text, char *err, size_t errlen)
{
	struct job j = {.cmds = replace_cmds(name, text), .err = err, .errlen = errlen};
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!j.cmds)
		return -ENOMEM;
	ret = commit(&j, strstr(text, "cgroupv2"), name);
	free((char *)j.cmds);
	return ret;
}

int nft_mark_uses(struct arena *a, struct st_mark_uses *out, char *err, size_t errlen)
{
	char *json = NULL;
	/* Terse: no set's elements, which say nothing of marks and may be many (ours). */
	struct job j = {.cmds = "list ruleset",
			.flags = NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_TERSE,
			.out = &json,
			.err = err,
			.errlen = errlen};
	int ret;

	if (err && errlen)
		err[0] = '\0';
	ret = run_here(&j);
	if (ret == -EPROTONOSUPPORT) { /* no nftables, no other tables */
		if (err && errlen)
			err[0] = '\0';
		return 0;
	}
	if (!ret) {
		ret = nft_mark_uses_parse(json, a, out);
		if (ret == -EINVAL && err && errlen)
			snprintf(err, errlen,
				 "libnftables' JSON listing of the ruleset is unreadable");
	}
	free(json);
	return ret;
}
