/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The console: clients and their output, the line dispatcher shared by the
 * terminal, --cmdline-file and the control socket, and the interactive
 * terminal loop (rte_cmdline's rdline for editing, history and completion).
 *
 * Every line goes through app_console_exec(): it is checked (length,
 * bytes) before rte_cmdline sees it, parsed with the one grammar (the
 * cmd_*.c families), and ends with exactly one `status:` line. Lines the
 * grammar does not know get STATUS_INVALID_PARAMETER (DESIGN §1).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_rdline.h>

#include "app.h"
#include "cmd.h"

/** Longest console line accepted (bytes, without the newline). */
#define CONSOLE_LINE_MAX 1024

static __thread struct app_client *cur_client;
static __thread bool cur_status_done;

struct app_client *
app_client_current(void)
{
	return cur_client;
}

static void
client_flush(struct app_client *c)
{
	size_t off = 0;

	while (off < c->len && !c->broken) {
		ssize_t n = write(c->out_fd, c->buf + off, c->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			c->broken = true;
			break;
		}
		off += (size_t)n;
	}
	c->len = 0;
}

/* A printf-like sink: the format attribute lets callers' formats be checked. */
static void __attribute__((format(printf, 2, 0)))
client_vprintf(struct app_client *c, const char *fmt, va_list ap)
{
	char line[2048];
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	size_t len;

	if (n < 0)
		return;
	len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	if (c->len + len > sizeof(c->buf))
		client_flush(c);
	memcpy(c->buf + c->len, line, len);
	c->len += len;
}

void
app_printf(const char *fmt, ...)
{
	va_list ap;

	if (cur_client == NULL)
		return;
	va_start(ap, fmt);
	client_vprintf(cur_client, fmt, ap);
	va_end(ap);
}

void
app_status(dfp_status_t st)
{
	char buf[96];

	if (cur_client == NULL || cur_status_done)
		return;
	cur_status_done = true;
	cur_client->last_status = st;
	app_printf("status: %s\n", dfp_status_format(st, buf, sizeof(buf)));
	client_flush(cur_client);
}

void
app_fail(dfp_status_t st, const char *fmt, ...)
{
	va_list ap;

	if (cur_client == NULL)
		return;
	app_printf("error: ");
	va_start(ap, fmt);
	client_vprintf(cur_client, fmt, ap);
	va_end(ap);
	app_printf("\n");
	app_status(st);
}

struct app_client *
app_client_new(int out_fd, const char *kind, bool own_session)
{
	struct app_client *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->out_fd = out_fd;
	c->kind = kind;
	if (own_session) {
		if (dfp_ctl_session_open(dfp_app->ctl, 0, &c->session) != DFP_STATUS_SUCCESS) {
			free(c);
			return NULL;
		}
	} else {
		c->session = dfp_app->session;
	}
	/* Input is fed line by line; cmdline only parses, completes and prints help. */
	c->cl = cmdline_new(app_console_ctx(), "", -1, out_fd == STDOUT_FILENO ? out_fd : -1);
	if (c->cl == NULL) {
		if (own_session)
			dfp_ctl_session_close(c->session);
		free(c);
		return NULL;
	}
	return c;
}

void
app_client_free(struct app_client *c)
{
	if (c == NULL)
		return;
	if (c->session != NULL && c->session != dfp_app->session)
		dfp_ctl_session_close(c->session);
	cmdline_free(c->cl);
	free(c);
}

/* A printable reason why a line is refused before parsing, or NULL. */
static const char *
line_check(const char *line, size_t len, char *why, size_t why_len)
{
	size_t i;

	if (len > CONSOLE_LINE_MAX) {
		snprintf(why, why_len, "line too long (%zu bytes, at most %u)", len,
			CONSOLE_LINE_MAX);
		return why;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if ((ch < 0x20 && ch != '\t') || ch >= 0x7f) {
			snprintf(why, why_len, "non-printable byte 0x%02x at column %zu", ch, i + 1);
			return why;
		}
	}
	return NULL;
}

dfp_status_t
app_console_exec(struct app_client *c, const char *line)
{
	return app_console_exec_n(c, line, strlen(line));
}

dfp_status_t
app_console_exec_n(struct app_client *c, const char *line, size_t len)
{
	struct app_client *saved = cur_client;
	bool saved_done = cur_status_done;
	char *buf, why[96];
	const char *p;
	int ret;
	dfp_status_t st = DFP_STATUS_SUCCESS;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	cur_client = c;
	cur_status_done = false;
	c->last_status = DFP_STATUS_SUCCESS;
	if (line_check(line, len, why, sizeof(why)) != NULL) {
		app_fail(DFP_STATUS_INVALID_PARAMETER, "%s", why);
		st = DFP_STATUS_INVALID_PARAMETER;
		goto out;
	}
	for (p = line; p < line + len && (*p == ' ' || *p == '\t'); p++)
		;
	if (p == line + len || *p == '#')
		goto out_quiet;
	buf = malloc(len + 2);
	if (buf == NULL) {
		app_fail(DFP_STATUS_NO_MEMORY, "out of memory");
		st = DFP_STATUS_NO_MEMORY;
		goto out;
	}
	memcpy(buf, line, len);
	buf[len] = '\n';
	buf[len + 1] = '\0';
	ret = cmdline_parse(c->cl, buf);
	free(buf);
	if (ret == CMDLINE_PARSE_AMBIGUOUS)
		app_fail(DFP_STATUS_INVALID_PARAMETER, "ambiguous command");
	else if (ret == CMDLINE_PARSE_NOMATCH)
		app_fail(DFP_STATUS_INVALID_PARAMETER, "unknown command (try 'help')");
	else if (ret == CMDLINE_PARSE_BAD_ARGS)
		app_fail(DFP_STATUS_INVALID_PARAMETER, "bad arguments (try 'help')");
	else if (ret < 0)
		app_fail(DFP_STATUS_INVALID_PARAMETER, "cannot parse the line");
	/* A handler that forgot its status still ends with one. */
	app_status(c->last_status);
	st = c->last_status;
	goto out;
out_quiet:
	client_flush(c);
out:
	cur_client = saved;
	cur_status_done = saved_done;
	return st;
}

int
app_console_run_file(const char *path)
{
	struct app_client *c;
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;

	if (f == NULL) {
		fprintf(stderr, "dfp: %s: %s\n", path, strerror(errno));
		return -1;
	}
	c = app_client_new(STDOUT_FILENO, "file", false);
	if (c == NULL) {
		fclose(f);
		return -1;
	}
	while (!dfp_app->quit && (got = getline(&line, &cap, f)) >= 0) {
		size_t n = (size_t)got;
		char why[96];

		/* Echo the command (as testpmd does) so the output reads as a transcript. */
		if (n > 0 && line_check(line, n - (line[n - 1] == '\n'), why, sizeof(why)) == NULL)
			printf("dfp> %s%s", line, line[n - 1] == '\n' ? "" : "\n");
		fflush(stdout);
		app_console_exec_n(c, line, n);
	}
	free(line);
	fclose(f);
	app_client_free(c);
	return 0;
}

/* ---- Interactive terminal ---- */

static int
term_write_char(struct rdline *rdl, char ch)
{
	(void)rdl;
	return write(STDOUT_FILENO, &ch, 1) == 1 ? 0 : -1;
}

static struct app_client *term_client;

static void
term_validate(struct rdline *rdl, const char *buf, unsigned int size)
{
	(void)rdl;
	(void)size;
	app_console_exec(term_client, buf);
}

static int
term_complete(struct rdline *rdl, const char *buf, char *dst, unsigned int dstsize, int *state)
{
	(void)rdl;
	return cmdline_complete(term_client->cl, buf, state, dst, dstsize);
}

/* Line mode for a console whose stdin is not a terminal (pipes, scripts). */
static void
console_lines(void)
{
	char *line = NULL;
	size_t cap = 0;

	while (!dfp_app->quit) {
		struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};

		printf("dfp> ");
		fflush(stdout);
		while (!dfp_app->quit && poll(&pfd, 1, 200) == 0)
			;
		if (dfp_app->quit || getline(&line, &cap, stdin) < 0)
			break;
		app_console_exec(term_client, line);
	}
	free(line);
}

void
app_console_interactive(void)
{
	struct termios old, raw;
	struct rdline *rdl;
	bool tty = isatty(STDIN_FILENO) != 0;

	term_client = app_client_new(STDOUT_FILENO, "console", false);
	if (term_client == NULL)
		return;
	if (!tty) {
		console_lines();
		goto done;
	}
	rdl = rdline_new(term_write_char, term_validate, term_complete, NULL);
	if (rdl == NULL)
		goto done;
	tcgetattr(STDIN_FILENO, &old);
	raw = old;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	rdline_newline(rdl, "dfp> ");
	while (!dfp_app->quit) {
		struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
		char ch;
		int r;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		if (read(STDIN_FILENO, &ch, 1) != 1)
			break;
		if (ch == 3) {  /* Ctrl-C on a raw terminal: drop the line. */
			write(STDOUT_FILENO, "^C\r\n", 4);
			rdline_newline(rdl, "dfp> ");
			continue;
		}
		r = rdline_char_in(rdl, ch);
		if (r == RDLINE_RES_VALIDATED) {
			const char *b = rdline_get_buffer(rdl);

			if (b != NULL && b[0] != '\0' && b[0] != '\n')
				rdline_add_history(rdl, b);
			if (!dfp_app->quit)
				rdline_newline(rdl, "dfp> ");
		} else if (r == RDLINE_RES_EOF || r == RDLINE_RES_EXITED) {
			app_request_quit(0);
			break;
		}
	}
	tcsetattr(STDIN_FILENO, TCSANOW, &old);
	rdline_free(rdl);
done:
	app_client_free(term_client);
	term_client = NULL;
}
