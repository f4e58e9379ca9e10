/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/conf under allocation failure: the k-th allocation the loader makes
 * fails, for every k until a load gets through. Each load must end with
 * STATUS_NO_MEMORY and no configuration, and (under ASan/LSan) leak nothing.
 * malloc, calloc, realloc and strdup are wrapped at link time
 * (-Wl,--wrap=...), so only calls from the statically linked dfp code fail,
 * never libyaml's or cmocka's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfp_conf.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);

/* Allocations left before one fails; negative: never fail. */
static long countdown = -1;
static unsigned long n_failed;

static bool
fail_now(void)
{
	if (countdown < 0)
		return false;
	if (countdown-- == 0) {
		n_failed++;
		return true;
	}
	return false;
}

void *
__wrap_malloc(size_t size)
{
	return fail_now() ? NULL : __real_malloc(size);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t size)
{
	return fail_now() ? NULL : __real_realloc(p, size);
}

char *
__wrap_strdup(const char *s)
{
	return fail_now() ? NULL : __real_strdup(s);
}

static const char text[] =
	"version: 1\n"
	"eal: [\"--no-huge\", \"-m\", \"512\"]\n"
	"ports:\n"
	"  - {name: wan, port: 0, role: outside, peer: lan}\n"
	"  - {name: lan, port: 1, role: inside, peer: wan}\n"
	"workers: {lcores: [1], burst: 32}\n"
	"sublayers:\n"
	"  - {name: fw, key: 4f1b6a0e-0d6e-4b4e-9a43-2f3c9d1e7a10, weight: 10}\n"
	"callouts:\n"
	"  - name: limiter\n"
	"    key: fcfc37f5-ee86-4dc4-a5e3-94b815230ab0\n"
	"    layer: ALE_AUTH_RECV_ACCEPT_V4\n"
	"    module: builtin:conn_limit\n"
	"    params: {max: 4, mode: strict}\n"
	"filters:\n"
	"  - name: a\n"
	"    layer: ALE_AUTH_RECV_ACCEPT_V4\n"
	"    sublayer: fw\n"
	"    action: callout_terminating\n"
	"    callout: limiter\n"
	"    conditions:\n"
	"      - {field: IP_LOCAL_PORT, match: equal, value: 22}\n"
	"      - {field: IP_REMOTE_ADDRESS, match: equal, value: 10.0.0.0/8}\n"
	"  - {name: b, layer: STREAM_V4, action: block,\n"
	"     conditions: [{field: IP_LOCAL_PORT, match: range, value: [1, 1023]}]}\n";

/* The same with an error: failures before and after the error is found. */
static const char bad_text[] =
	"version: 1\n"
	"callouts:\n"
	"  - {name: c, key: fcfc37f5-ee86-4dc4-a5e3-94b815230ab0, layer: STREAM_V4,\n"
	"     module: builtin:count, params: {x: 1}}\n"
	"filters:\n"
	"  - {name: a, layer: STREAM_V4, action: block}\n"
	"  - {name: a, layer: STREAM_V4, action: permit}\n";

static void
run_failures(const char *buf, dfp_status_t final)
{
	struct dfp_conf_errors errs;
	struct dfp_conf *c;
	dfp_status_t st;
	long k;

	for (k = 0; k < 100000; k++) {
		c = (struct dfp_conf *)0x1;
		n_failed = 0;
		countdown = k;
		st = dfp_conf_load_buffer("nomem.yaml", buf, strlen(buf), 0, &c, &errs);
		countdown = -1;
		if (n_failed == 0) {
			/* Every allocation succeeded: the normal outcome. */
			assert_int_equal(st, final);
			assert_true(k > 10);
			print_message("%ld allocation failures survived\n", k);
			if (c != NULL && c != (struct dfp_conf *)0x1)
				dfp_conf_free(c);
			return;
		}
		if (st != DFP_STATUS_NO_MEMORY)
			fail_msg("allocation %ld failed: status 0x%08x", k, (unsigned int)st);
		assert_null(c);
		assert_true(errs.n >= 1);
	}
	fail_msg("the load never completed");
}

static void
test_every_allocation_failure_good_file(void **state)
{
	(void)state;
	run_failures(text, DFP_STATUS_SUCCESS);
}

static void
test_every_allocation_failure_bad_file(void **state)
{
	(void)state;
	run_failures(bad_text, DFP_STATUS_INVALID_PARAMETER);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_allocation_failure_good_file),
		cmocka_unit_test(test_every_allocation_failure_bad_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
