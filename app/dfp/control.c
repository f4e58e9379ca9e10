/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket (--control PATH): a Unix stream socket, mode 0600,
 * owned by the running user, speaking the console grammar. It is created
 * 0600 (never chmod-ed by name), only in a directory others cannot write
 * (or a sticky one), replacing nothing but a stale socket of ours (never a
 * symlink, another file, another user's socket or a live one); peers other
 * than this user and root are refused (SO_PEERCRED). Every
 * connection is a client with its own WFP engine session and its own
 * thread (a client waiting for another session's transaction blocks only
 * itself). Protocol: one command per line; the answer is the command's
 * output, whose last line is `status: NAME (0xXXXXXXXX)`.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "app.h"

/** Most clients at once. */
#define CONTROL_MAX_CLIENTS 32
/** Bytes of one line kept (longer lines are refused whole). */
#define CONTROL_LINE_MAX 4096

struct control_client {
	int fd;
	pthread_t thread;
	volatile bool done;
	bool used;
};

static struct {
	int listen_fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	pthread_t thread;
	volatile bool stop;
	bool started;
	pthread_mutex_t lock;
	dev_t dev;                       /* The socket file we made (removed at stop). */
	ino_t ino;
	struct control_client clients[CONTROL_MAX_CLIENTS];
} ctl_sock = {.listen_fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER};

static void *
client_thread(void *arg)
{
	struct control_client *cc = arg;
	struct app_client *c = app_client_new(cc->fd, "socket", true);
	char *line = malloc(CONTROL_LINE_MAX + 1);
	size_t len = 0;

	if (c == NULL || line == NULL) {
		static const char msg[] = "error: cannot open a session\n"
			"status: STATUS_INSUFFICIENT_RESOURCES (0xC000009A)\n";

		if (write(cc->fd, msg, sizeof(msg) - 1) < 0) {
			/* The peer is gone: nothing more to tell it. */
		}
		goto out;
	}
	while (!ctl_sock.stop && !dfp_app->quit && !c->broken) {
		struct pollfd pfd = {.fd = cc->fd, .events = POLLIN};
		char buf[1024];
		ssize_t n, i;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = read(cc->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				/* An overlong line keeps its first CONTROL_LINE_MAX bytes, which
				 * app_console_exec() refuses by length: one error, one status. */
				line[len] = '\0';
				app_console_exec_n(c, line, len);
				len = 0;
				if (dfp_app->quit)
					break;
				continue;
			}
			if (len < CONTROL_LINE_MAX)
				line[len++] = buf[i];
		}
	}
out:
	free(line);
	app_client_free(c);  /* Closes its session; cmdline_free closes nothing of ours. */
	close(cc->fd);
	cc->done = true;
	return NULL;
}

static void
reap_clients(bool all)
{
	unsigned int i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct control_client *cc = &ctl_sock.clients[i];

		if (cc->used && (all || cc->done)) {
			pthread_join(cc->thread, NULL);
			cc->used = false;
		}
	}
}

/*
 * The socket file is 0600, so only this user and root reach it; the peer's
 * credentials say so again should its mode or directory be loosened later.
 */
static bool
peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred))
		return false;
	return cred.uid == geteuid() || cred.uid == 0;
}

static void *
accept_thread(void *arg)
{
	(void)arg;
	while (!ctl_sock.stop) {
		struct pollfd pfd = {.fd = ctl_sock.listen_fd, .events = POLLIN};
		struct control_client *cc = NULL;
		unsigned int i;
		int fd;

		reap_clients(false);
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		fd = accept(ctl_sock.listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		if (!peer_allowed(fd)) {
			static const char msg[] = "error: the control socket serves this user "
				"and root only\nstatus: STATUS_ACCESS_DENIED (0xC0000022)\n";

			if (write(fd, msg, sizeof(msg) - 1) < 0) {
				/* Nothing to do: it is being refused anyway. */
			}
			close(fd);
			continue;
		}
		for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
			if (!ctl_sock.clients[i].used) {
				cc = &ctl_sock.clients[i];
				break;
			}
		}
		if (cc == NULL) {
			static const char msg[] = "error: too many control clients\n"
				"status: STATUS_INSUFFICIENT_RESOURCES (0xC000009A)\n";

			if (write(fd, msg, sizeof(msg) - 1) < 0) {
				/* Nothing to do: it is being refused anyway. */
			}
			close(fd);
			continue;
		}
		memset(cc, 0, sizeof(*cc));
		cc->fd = fd;
		cc->used = true;
		if (pthread_create(&cc->thread, NULL, client_thread, cc) != 0) {
			cc->used = false;
			close(fd);
		}
	}
	return NULL;
}

/*
 * The socket's directory must not let anyone but us (or root) replace the
 * socket once it is made: owned by us or root, and not writable by group or
 * others unless sticky (as /tmp is: then only an entry's owner may remove
 * or rename it). 0, or -1 with a message printed.
 */
static int
check_directory(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) != 0) {
		fprintf(stderr, "dfp: control socket directory %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "dfp: control socket directory %s is not a directory\n", dir);
		return -1;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		fprintf(stderr, "dfp: control socket directory %s is owned by uid %u, neither "
			"this user nor root: refused\n", dir, (unsigned int)st.st_uid);
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0) {
		fprintf(stderr, "dfp: control socket directory %s is writable by others and not "
			"sticky (mode %04o): refused\n", dir, (unsigned int)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/*
 * What is at path before the bind: nothing, or a stale socket of ours that
 * nobody listens on (removed). Any other file, a symlink (never followed),
 * another user's socket or a live one is refused and left alone.
 * 0, or -1 with a message printed.
 */
static int
clear_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "dfp: control socket %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "dfp: %s exists and is not a socket (%s): left alone\n", path,
			S_ISLNK(st.st_mode) ? "a symbolic link" : "another kind of file");
		return -1;
	}
	if (st.st_uid != geteuid()) {
		fprintf(stderr, "dfp: %s is a socket of uid %u, not ours: left alone\n", path,
			(unsigned int)st.st_uid);
		return -1;
	}
	/* A socket someone still listens on is not stale: another appliance owns it. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "dfp: control socket: %s\n", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0) {
		fprintf(stderr, "dfp: %s is in use by another process: left alone\n", path);
		return -1;
	}
	if (errno != ECONNREFUSED) {
		fprintf(stderr, "dfp: control socket %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		fprintf(stderr, "dfp: cannot remove the stale socket %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

static void
listen_fail(const char *path, bool created)
{
	fprintf(stderr, "dfp: control socket %s: %s\n", path, strerror(errno));
	close(ctl_sock.listen_fd);
	ctl_sock.listen_fd = -1;
	if (created)
		unlink(path);
}

int
app_control_start(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old;
	int rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "dfp: control socket path too long (at most %zu bytes)\n",
			sizeof(sa.sun_path) - 1);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (check_directory(path) != 0 || clear_stale(path, &sa) != 0)
		return -1;
	ctl_sock.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctl_sock.listen_fd < 0) {
		fprintf(stderr, "dfp: control socket: %s\n", strerror(errno));
		return -1;
	}
	/*
	 * The file is born 0600: bind() gives it the socket inode's mode less the
	 * umask, so both are narrowed first (no chmod by name afterwards, which
	 * would follow a symlink put there meanwhile). bind() itself never
	 * follows or replaces an existing name: it fails with EADDRINUSE.
	 */
	if (fchmod(ctl_sock.listen_fd, 0600) != 0) {
		listen_fail(path, false);
		return -1;
	}
	old = umask(0177);
	rc = bind(ctl_sock.listen_fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0) {
		listen_fail(path, false);
		return -1;
	}
	/* What the name now holds is ours: a socket, this user's, 0600. */
	if (lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode) || st.st_uid != geteuid() ||
			(st.st_mode & 0777) != 0600) {
		fprintf(stderr, "dfp: control socket %s: not created as a 0600 socket of this "
			"user: refused\n", path);
		close(ctl_sock.listen_fd);
		ctl_sock.listen_fd = -1;
		return -1;
	}
	ctl_sock.dev = st.st_dev;
	ctl_sock.ino = st.st_ino;
	if (listen(ctl_sock.listen_fd, 16) != 0) {
		listen_fail(path, true);
		return -1;
	}
	snprintf(ctl_sock.path, sizeof(ctl_sock.path), "%s", path);
	ctl_sock.stop = false;
	if (pthread_create(&ctl_sock.thread, NULL, accept_thread, NULL) != 0) {
		errno = EAGAIN;
		listen_fail(path, true);
		return -1;
	}
	ctl_sock.started = true;
	return 0;
}

void
app_control_stop(void)
{
	struct stat st;

	if (!ctl_sock.started)
		return;
	ctl_sock.stop = true;
	pthread_join(ctl_sock.thread, NULL);
	reap_clients(true);
	close(ctl_sock.listen_fd);
	ctl_sock.listen_fd = -1;
	/* Remove our socket only: not whatever may have been put in its place. */
	if (lstat(ctl_sock.path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == ctl_sock.dev &&
			st.st_ino == ctl_sock.ino)
		unlink(ctl_sock.path);
	ctl_sock.started = false;
}
