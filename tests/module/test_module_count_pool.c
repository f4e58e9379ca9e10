/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * count's pool of flow contexts (mod_count.c, compiled into this test so
 * its static functions can be driven directly): a lock-free stack that
 * workers pop and any thread pushes. Checked single-threaded (LIFO, empty,
 * every context once) and with racing threads: no context is ever handed
 * to two owners at once, and every one is back at the end.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include <cmocka.h>

/* The library links its own copy of the descriptor: rename this one. */
#define mod_count mod_count_under_test
#include "mod_count.c"
#undef mod_count

#include "dfp_ctl.h"
#include "test_eal.h"

static struct dfp_ctl *ctl;
static struct dfp_module_host host;

static struct count_state *
pool_new(const char *max_flows, struct dfp_module_instance *inst)
{
	struct dfp_module_param p[2] = {{"max_flows", max_flows}, {"log", "no"}};
	struct dfp_module_args a;
	char err[256];

	memset(&a, 0, sizeof(a));
	a.name = "p";
	a.layer_id = DFP_LAYER_ALE_FLOW_ESTABLISHED_V4;
	a.n_params = 2;
	a.params = p;
	a.host = &host;
	if (mod_count_under_test.create(&a, inst, err, sizeof(err)) != DFP_STATUS_SUCCESS)
		fail_msg("%s", err);
	return inst->state;
}

/*
 * Contexts in the free list (walked while nobody else touches it), or
 * UINT32_MAX if the list visits one twice.
 */
static uint32_t
pool_len(struct count_state *s)
{
	uint32_t idx = (uint32_t)s->head, n = 0;
	uint8_t seen[256];

	assert_true(s->n_ctxs <= sizeof(seen));
	memset(seen, 0, sizeof(seen));
	while (idx != COUNT_NIL) {
		if (idx >= s->n_ctxs || seen[idx])
			return UINT32_MAX;
		seen[idx] = 1;
		n++;
		idx = s->ctxs[idx].next;
	}
	return n;
}

static int
group_setup(void **state)
{
	(void)state;
	if (dfp_ctl_create(NULL, &ctl) != DFP_STATUS_SUCCESS)
		return -1;
	host.ctl = ctl;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	dfp_ctl_destroy(ctl);
	return 0;
}

static void
test_pool_hands_out_each_context_once_then_runs_dry(void **state)
{
	struct dfp_module_instance inst;
	struct count_state *s = pool_new("4", &inst);
	struct count_ctx *c[5];
	unsigned int i, j;

	(void)state;
	assert_int_equal(pool_len(s), 4);
	for (i = 0; i < 4; i++) {
		c[i] = pool_get(s);
		assert_non_null(c[i]);
		for (j = 0; j < i; j++)
			assert_ptr_not_equal(c[i], c[j]);
	}
	assert_null(pool_get(s));
	assert_int_equal(pool_len(s), 0);
	pool_put(s, c[2]);
	pool_put(s, c[0]);
	/* A stack: the last context back is the first out. */
	assert_ptr_equal(pool_get(s), c[0]);
	assert_ptr_equal(pool_get(s), c[2]);
	for (i = 0; i < 4; i++)
		pool_put(s, c[i]);
	assert_int_equal(pool_len(s), 4);
	inst.destroy(inst.state);
}

/* ---- Racing threads ---- */

#define RACE_THREADS 4
#define RACE_CTXS 64
#define RACE_HOLD 8
#define RACE_MS 800

struct race {
	struct count_state *s;
	uint8_t owned[RACE_CTXS];   /* 1 while a thread holds the context. */
	uint64_t double_owner;      /* Contexts handed out while owned. */
	uint64_t gets, empties;
	uint64_t end_tsc;
};

static void *
race_thread(void *arg)
{
	struct race *r = arg;
	struct count_ctx *held[RACE_HOLD];
	uint64_t x = (uint64_t)pthread_self() | 1;
	unsigned int n = 0, i;

	while (rte_get_tsc_cycles() < r->end_tsc) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (n == RACE_HOLD || (n > 0 && (x & 1))) {
			/* Give one back (as flowDeleteFn does, from any thread). */
			i = (unsigned int)((x >> 8) % n);
			__atomic_store_n(&r->owned[held[i] - r->s->ctxs], 0, __ATOMIC_RELAXED);
			pool_put(r->s, held[i]);
			held[i] = held[--n];
			continue;
		}
		held[n] = pool_get(r->s);
		if (held[n] == NULL) {
			__atomic_fetch_add(&r->empties, 1, __ATOMIC_RELAXED);
			continue;
		}
		__atomic_fetch_add(&r->gets, 1, __ATOMIC_RELAXED);
		/* The pool must never give out a context someone holds. */
		if (__atomic_exchange_n(&r->owned[held[n] - r->s->ctxs], 1, __ATOMIC_RELAXED))
			__atomic_fetch_add(&r->double_owner, 1, __ATOMIC_RELAXED);
		/* Touch it as the owning worker does. */
		held[n]->packets[0]++;
		n++;
	}
	for (i = 0; i < n; i++) {
		__atomic_store_n(&r->owned[held[i] - r->s->ctxs], 0, __ATOMIC_RELAXED);
		pool_put(r->s, held[i]);
	}
	return NULL;
}

static void
test_pool_under_racing_threads_never_hands_a_context_to_two_owners(void **state)
{
	struct dfp_module_instance inst;
	pthread_t th[RACE_THREADS];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	static struct race r;
	pthread_attr_t attr;
	cpu_set_t cpus;
	unsigned int i;

	(void)state;
	memset(&r, 0, sizeof(r));
	/* Fewer contexts than the threads may hold: the pool also runs dry. */
	r.s = pool_new("24", &inst);
	r.end_tsc = rte_get_tsc_cycles() + rte_get_tsc_hz() * RACE_MS / 1000;
	for (i = 0; i < RACE_THREADS; i++) {
		/* Pinned apart: threads inherit the EAL main thread's single core. */
		CPU_ZERO(&cpus);
		CPU_SET((int)((sched_getcpu() + (long)i) % ncpu), &cpus);
		assert_int_equal(pthread_attr_init(&attr), 0);
		assert_int_equal(pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus), 0);
		assert_int_equal(pthread_create(&th[i], &attr, race_thread, &r), 0);
		pthread_attr_destroy(&attr);
	}
	for (i = 0; i < RACE_THREADS; i++)
		pthread_join(th[i], NULL);
	print_message("gets %lu empties %lu\n", (unsigned long)r.gets, (unsigned long)r.empties);
	assert_int_equal(r.double_owner, 0);
	assert_true(r.gets > 1000);
	assert_true(r.empties > 0);
	/* All back, each once. */
	assert_int_equal(pool_len(r.s), 24);
	inst.destroy(inst.state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_hands_out_each_context_once_then_runs_dry),
		cmocka_unit_test(test_pool_under_racing_threads_never_hands_a_context_to_two_owners),
	};

	if (dfp_test_eal_init(NULL, 0) != 0)
		return 1;
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
