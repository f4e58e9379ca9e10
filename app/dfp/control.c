/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket (--control PATH): a Unix stream socket, mode 0600,
 * owned by the running user, speaking the console grammar. Every
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

int
app_control_start(const char *path)
{
	struct sockaddr_un sa;
	struct stat stt;
	mode_t old;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "dfp: control socket path too long (at most %zu bytes)\n",
			sizeof(sa.sun_path) - 1);
		return -1;
	}
	/* Replace a stale socket, never any other kind of file. */
	if (lstat(path, &stt) == 0) {
		if (!S_ISSOCK(stt.st_mode)) {
			fprintf(stderr, "dfp: %s exists and is not a socket\n", path);
			return -1;
		}
		unlink(path);
	}
	ctl_sock.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctl_sock.listen_fd < 0) {
		fprintf(stderr, "dfp: control socket: %s\n", strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	old = umask(0177);
	if (bind(ctl_sock.listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		umask(old);
		fprintf(stderr, "dfp: control socket %s: %s\n", path, strerror(errno));
		close(ctl_sock.listen_fd);
		ctl_sock.listen_fd = -1;
		return -1;
	}
	umask(old);
	if (chmod(path, 0600) != 0 || listen(ctl_sock.listen_fd, 16) != 0) {
		fprintf(stderr, "dfp: control socket %s: %s\n", path, strerror(errno));
		close(ctl_sock.listen_fd);
		unlink(path);
		ctl_sock.listen_fd = -1;
		return -1;
	}
	snprintf(ctl_sock.path, sizeof(ctl_sock.path), "%s", path);
	ctl_sock.stop = false;
	if (pthread_create(&ctl_sock.thread, NULL, accept_thread, NULL) != 0) {
		close(ctl_sock.listen_fd);
		unlink(path);
		ctl_sock.listen_fd = -1;
		return -1;
	}
	ctl_sock.started = true;
	return 0;
}

void
app_control_stop(void)
{
	if (!ctl_sock.started)
		return;
	ctl_sock.stop = true;
	pthread_join(ctl_sock.thread, NULL);
	reap_clients(true);
	close(ctl_sock.listen_fd);
	ctl_sock.listen_fd = -1;
	unlink(ctl_sock.path);
	ctl_sock.started = false;
}
