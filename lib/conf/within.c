/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loading a configuration file confined to a directory (dfp_conf_load_within):
 * what the console and the control socket may read (`config load|check`).
 *
 * The name is resolved with realpath() (every symlink and `..`) and must lie
 * in the directory's real path or below it, and be a regular file, before
 * anything is opened: a device node or a FIFO elsewhere is never opened
 * (opening some devices has effects of its own, a FIFO would block). The
 * file is then opened without following a final symlink, and what was
 * opened is checked once more through its /proc/self/fd link, so a path
 * component swapped for a symlink between the check and the open cannot
 * escape either. A name that does not resolve is "not found" only when its
 * parent directory resolves inside; otherwise it is refused like any other
 * name outside, so the answer tells nothing about files elsewhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_private.h"

/* One error at 0:0 (the file was not read), as dfp_conf_load() reports them. */
static dfp_status_t __attribute__((format(printf, 3, 4)))
refuse(struct dfp_conf_errors *errs, dfp_status_t st, const char *fmt, ...)
{
	va_list ap;

	errs->n = 1;
	errs->e[0].pos.line = 0;
	errs->e[0].pos.col = 0;
	va_start(ap, fmt);
	vsnprintf(errs->e[0].message, sizeof(errs->e[0].message), fmt, ap);
	va_end(ap);
	return st;
}

/* True if real (an absolute real path) is dir (one too) or below it. */
static bool
is_inside(const char *dir, const char *real)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return real[0] == '/';
	return strncmp(real, dir, n) == 0 && (real[n] == '\0' || real[n] == '/');
}

/* The real path of name's parent directory (name is absolute), or false. */
static bool
parent_real(const char *name, char *out)
{
	char parent[PATH_MAX];
	char *slash;

	if (snprintf(parent, sizeof(parent), "%s", name) >= (int)sizeof(parent))
		return false;
	/* Trailing slashes name the same directory entry. */
	for (slash = parent + strlen(parent) - 1; slash > parent && *slash == '/'; slash--)
		*slash = '\0';
	slash = strrchr(parent, '/');
	if (slash == NULL)
		return false;
	if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';
	return realpath(parent, out) != NULL;
}

dfp_status_t
dfp_conf_load_within(const char *dir, const char *path, uint32_t flags, struct dfp_conf **out,
		struct dfp_conf_errors *errs)
{
	char rdir[PATH_MAX], name[PATH_MAX], real[PATH_MAX], link[64], opened[PATH_MAX + 1];
	char ebuf[128];
	struct stat before, after;
	dfp_status_t st;
	size_t len = 0;
	char *buf = NULL;
	ssize_t ln;
	int fd, rc;

	if (errs == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	snprintf(errs->path, sizeof(errs->path), "%s", path != NULL ? path : "(null)");
	errs->n = 0;
	if (dir == NULL || path == NULL || out == NULL || path[0] == '\0')
		return refuse(errs, DFP_STATUS_INVALID_PARAMETER, "no directory, path or output");
	*out = NULL;
	if (realpath(dir, rdir) == NULL)
		return refuse(errs, DFP_STATUS_ACCESS_DENIED, "the allowed directory %.100s "
			"cannot be resolved: %s", dir, strerror_r(errno, ebuf, sizeof(ebuf)));
	if (path[0] == '/')
		rc = snprintf(name, sizeof(name), "%s", path);
	else
		rc = snprintf(name, sizeof(name), "%s/%s", strcmp(rdir, "/") == 0 ? "" : rdir,
			path);
	if (rc < 0 || (size_t)rc >= sizeof(name))
		return refuse(errs, DFP_STATUS_ACCESS_DENIED, "path too long");
	if (realpath(name, real) == NULL) {
		int e = errno;

		if (e == ENOENT && parent_real(name, real) && is_inside(rdir, real))
			return refuse(errs, DFP_STATUS_OBJECT_NAME_NOT_FOUND, "cannot open: %s",
				strerror_r(e, ebuf, sizeof(ebuf)));
		return refuse(errs, DFP_STATUS_ACCESS_DENIED, "not a file inside the allowed "
			"directory %.100s", rdir);
	}
	if (!is_inside(rdir, real))
		return refuse(errs, DFP_STATUS_ACCESS_DENIED, "resolves outside the allowed "
			"directory %.100s", rdir);
	if (stat(real, &before) != 0 || !S_ISREG(before.st_mode))
		return refuse(errs, DFP_STATUS_ACCESS_DENIED, "not a regular file");
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return refuse(errs, errno == ENOENT ? DFP_STATUS_OBJECT_NAME_NOT_FOUND :
			DFP_STATUS_ACCESS_DENIED, "cannot open: %s",
			strerror_r(errno, ebuf, sizeof(ebuf)));
	/* What was opened, whatever happened to the path since realpath(). */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ln = readlink(link, opened, sizeof(opened) - 1);
	if (ln < 0 || (size_t)ln >= sizeof(opened) - 1 || fstat(fd, &after) != 0) {
		close(fd);
		return refuse(errs, DFP_STATUS_ACCESS_DENIED, "cannot verify the opened file "
			"(is /proc mounted?)");
	}
	opened[ln] = '\0';
	if (!S_ISREG(after.st_mode) || !is_inside(rdir, opened) ||
			after.st_dev != before.st_dev || after.st_ino != before.st_ino) {
		close(fd);
		return refuse(errs, DFP_STATUS_ACCESS_DENIED, "changed while it was opened: "
			"refused");
	}
	rc = conf_read_fd(fd, &buf, &len);
	close(fd);
	if (rc == -ENOMEM)
		return refuse(errs, DFP_STATUS_NO_MEMORY, "out of memory");
	if (rc != 0)
		return refuse(errs, DFP_STATUS_OBJECT_NAME_NOT_FOUND, "cannot read: %s",
			strerror_r(-rc, ebuf, sizeof(ebuf)));
	st = dfp_conf_load_buffer(path, buf, len, flags, out, errs);
	free(buf);
	return st;
}
