/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/conf: dfp_conf_load_within(), the confinement of the files a console
 * or control-socket line may make dfp read (`config load|check FILE`).
 * A scratch tree per test:
 *
 *   T/conf/good.yaml         a valid file            (allowed directory: T/conf)
 *   T/conf/sub/deep.yaml     a valid file below it
 *   T/conf/bad.yaml          a file with an error at 2:1
 *   T/conf/in-link.yaml  ->  good.yaml               (symlink that stays inside)
 *   T/conf/out-link.yaml ->  T/outside/secret.yaml   (symlink that leaves)
 *   T/conf/out-dir       ->  T/outside               (directory symlink that leaves)
 *   T/conf/fifo              a FIFO (never opened: a read would block)
 *   T/conf2/sibling.yaml     shares T/conf's name as a prefix, outside
 *   T/outside/secret.yaml    a valid file outside
 *
 * No EAL.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dfp_conf.h"

static const char good_text[] = "version: 1\nsublayers:\n  - {name: inside, weight: 7}\n";
static const char secret_text[] = "version: 1\nsublayers:\n  - {name: SECRET-CONTENT, weight: 9}\n";

struct tree {
	char root[64];
	char conf[128];
};

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void __attribute__((format(printf, 3, 4)))
pathf(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < size);
}

static int
setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	char p[PATH_MAX], q[PATH_MAX];

	if (t == NULL)
		return -1;
	snprintf(t->root, sizeof(t->root), "/tmp/dfp_conf_within.XXXXXX");
	if (mkdtemp(t->root) == NULL)
		return -1;
	pathf(t->conf, sizeof(t->conf), "%s/conf", t->root);
	assert_int_equal(mkdir(t->conf, 0700), 0);
	pathf(p, sizeof(p), "%s/sub", t->conf);
	assert_int_equal(mkdir(p, 0700), 0);
	pathf(p, sizeof(p), "%s/conf2", t->root);
	assert_int_equal(mkdir(p, 0700), 0);
	pathf(p, sizeof(p), "%s/outside", t->root);
	assert_int_equal(mkdir(p, 0700), 0);
	pathf(p, sizeof(p), "%s/good.yaml", t->conf);
	put(p, good_text);
	pathf(p, sizeof(p), "%s/sub/deep.yaml", t->conf);
	put(p, good_text);
	pathf(p, sizeof(p), "%s/bad.yaml", t->conf);
	put(p, "version: 1\nfrobnicate: 1\n");
	pathf(p, sizeof(p), "%s/conf2/sibling.yaml", t->root);
	put(p, secret_text);
	pathf(q, sizeof(q), "%s/outside/secret.yaml", t->root);
	put(q, secret_text);
	pathf(p, sizeof(p), "%s/out-link.yaml", t->conf);
	assert_int_equal(symlink(q, p), 0);
	pathf(p, sizeof(p), "%s/in-link.yaml", t->conf);
	assert_int_equal(symlink("good.yaml", p), 0);
	pathf(q, sizeof(q), "%s/outside", t->root);
	pathf(p, sizeof(p), "%s/out-dir", t->conf);
	assert_int_equal(symlink(q, p), 0);
	pathf(p, sizeof(p), "%s/fifo", t->conf);
	assert_int_equal(mkfifo(p, 0600), 0);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct tree *t = *state;
	static const char *const rel[] = {
		"conf/good.yaml", "conf/sub/deep.yaml", "conf/bad.yaml", "conf/out-link.yaml",
		"conf/in-link.yaml", "conf/out-dir", "conf/fifo", "conf2/sibling.yaml",
		"outside/secret.yaml", "conf/sub", "conf", "conf2", "outside",
	};
	char p[PATH_MAX];
	unsigned int i;

	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", t->root, rel[i]);
		if (unlink(p) != 0)
			rmdir(p);
	}
	rmdir(t->root);
	free(t);
	return 0;
}

/* Load path within t->conf; returns the status, checks the no-config contract on failure. */
static dfp_status_t
load(const struct tree *t, const char *path, struct dfp_conf **c, struct dfp_conf_errors *errs)
{
	dfp_status_t st;

	*c = (struct dfp_conf *)0x1;
	st = dfp_conf_load_within(t->conf, path, 0, c, errs);
	if (st != DFP_STATUS_SUCCESS) {
		assert_null(*c);
		assert_true(errs->n >= 1);
	}
	return st;
}

/* Refused with STATUS_ACCESS_DENIED, one error at 0:0, nothing of the outside file shown. */
static void
assert_denied(const struct tree *t, const char *path)
{
	struct dfp_conf_errors errs;
	struct dfp_conf *c;

	assert_int_equal(load(t, path, &c, &errs), DFP_STATUS_ACCESS_DENIED);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.e[0].pos.line, 0);
	assert_int_equal(errs.e[0].pos.col, 0);
	assert_string_equal(errs.path, path);
	assert_null(strstr(errs.e[0].message, "SECRET"));
}

static void
assert_loads_inside(const struct tree *t, const char *path)
{
	struct dfp_conf_errors errs;
	struct dfp_conf *c;

	assert_int_equal(load(t, path, &c, &errs), DFP_STATUS_SUCCESS);
	assert_int_equal(c->n_sublayers, 1);
	assert_string_equal(c->sublayers[0].name, "inside");
	assert_string_equal(c->path, path);
	dfp_conf_free(c);
}

static void
test_within_reads_files_inside_by_relative_and_absolute_name(void **state)
{
	const struct tree *t = *state;
	char p[PATH_MAX];

	assert_loads_inside(t, "good.yaml");
	assert_loads_inside(t, "./good.yaml");
	assert_loads_inside(t, "sub/deep.yaml");
	assert_loads_inside(t, "sub/../good.yaml");
	pathf(p, sizeof(p), "%s/good.yaml", t->conf);
	assert_loads_inside(t, p);
	/* The allowed directory itself may be named through `..` and symlinks. */
	pathf(p, sizeof(p), "%s/conf/sub/..", t->root);
	{
		struct dfp_conf_errors errs;
		struct dfp_conf *c = NULL;

		assert_int_equal(dfp_conf_load_within(p, "good.yaml", 0, &c, &errs),
			DFP_STATUS_SUCCESS);
		dfp_conf_free(c);
	}
}

static void
test_within_follows_a_symlink_that_stays_inside(void **state)
{
	assert_loads_inside(*state, "in-link.yaml");
}

static void
test_within_refuses_dotdot_escapes(void **state)
{
	const struct tree *t = *state;
	char p[PATH_MAX];

	assert_denied(t, "../outside/secret.yaml");
	assert_denied(t, "sub/../../outside/secret.yaml");
	pathf(p, sizeof(p), "%s/../outside/secret.yaml", t->conf);
	assert_denied(t, p);
	assert_denied(t, "../../../../../../../../etc/passwd");
}

static void
test_within_refuses_symlinks_that_leave(void **state)
{
	const struct tree *t = *state;

	assert_denied(t, "out-link.yaml");
	assert_denied(t, "out-dir/secret.yaml");
}

static void
test_within_refuses_absolute_names_outside(void **state)
{
	const struct tree *t = *state;
	char p[PATH_MAX];

	pathf(p, sizeof(p), "%s/outside/secret.yaml", t->root);
	assert_denied(t, p);
	assert_denied(t, "/etc/passwd");
	assert_denied(t, "/proc/self/environ");
	/* A directory whose name starts with the allowed one's is not inside it. */
	pathf(p, sizeof(p), "%s/conf2/sibling.yaml", t->root);
	assert_denied(t, p);
	assert_denied(t, "../conf2/sibling.yaml");
}

static void
test_within_refuses_fifos_devices_and_directories_unopened(void **state)
{
	const struct tree *t = *state;

	/* Opening the FIFO for reading would block until a writer came: it is not opened. */
	assert_denied(t, "fifo");
	assert_denied(t, "sub");
	assert_denied(t, ".");
	assert_denied(t, "/dev/zero");
}

static void
test_within_missing_file_is_not_found_inside_and_denied_outside(void **state)
{
	const struct tree *t = *state;
	struct dfp_conf_errors errs;
	struct dfp_conf *c;
	char p[PATH_MAX];

	assert_int_equal(load(t, "nonesuch.yaml", &c, &errs), DFP_STATUS_OBJECT_NAME_NOT_FOUND);
	assert_non_null(strstr(errs.e[0].message, "No such file"));
	assert_int_equal(load(t, "sub/nonesuch.yaml", &c, &errs),
		DFP_STATUS_OBJECT_NAME_NOT_FOUND);
	/* Outside, existing or not, the answer is the same. */
	assert_denied(t, "../outside/nonesuch.yaml");
	assert_denied(t, "/nonexistent/dfp.yaml");
	assert_denied(t, "nodir/nonesuch.yaml");
	pathf(p, sizeof(p), "%s/outside/nonesuch.yaml", t->root);
	assert_denied(t, p);
}

static void
test_within_reports_errors_at_the_name_as_written(void **state)
{
	const struct tree *t = *state;
	struct dfp_conf_errors errs;
	struct dfp_conf *c;

	assert_int_equal(load(t, "./bad.yaml", &c, &errs), DFP_STATUS_INVALID_PARAMETER);
	assert_string_equal(errs.path, "./bad.yaml");
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.e[0].pos.line, 2);
	assert_int_equal(errs.e[0].pos.col, 1);
	assert_non_null(strstr(errs.e[0].message, "frobnicate"));
}

static void
test_within_rejects_bad_arguments(void **state)
{
	const struct tree *t = *state;
	struct dfp_conf_errors errs;
	struct dfp_conf *c = NULL;

	assert_int_equal(dfp_conf_load_within(t->conf, "good.yaml", 0, &c, NULL),
		DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_conf_load_within(NULL, "good.yaml", 0, &c, &errs),
		DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_conf_load_within(t->conf, NULL, 0, &c, &errs),
		DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_conf_load_within(t->conf, "", 0, &c, &errs),
		DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_conf_load_within(t->conf, "good.yaml", 0, NULL, &errs),
		DFP_STATUS_INVALID_PARAMETER);
	/* An allowed directory that does not exist allows nothing. */
	assert_int_equal(dfp_conf_load_within("/nonexistent/dfp", "good.yaml", 0, &c, &errs),
		DFP_STATUS_ACCESS_DENIED);
	assert_null(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_within_reads_files_inside_by_relative_and_absolute_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_within_follows_a_symlink_that_stays_inside,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_within_refuses_dotdot_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_within_refuses_symlinks_that_leave, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_within_refuses_absolute_names_outside, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_within_refuses_fifos_devices_and_directories_unopened, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_within_missing_file_is_not_found_inside_and_denied_outside, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_within_reports_errors_at_the_name_as_written,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_within_rejects_bad_arguments, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
