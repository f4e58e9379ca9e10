/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow contexts under concurrency (spec §5, N6): two owner threads, each
 * with its own table, allocate flows, classify them (begin, context_get,
 * sometimes a removal from "inside the classifyFn", end) and end them, while
 * two mutator threads associate, remove and abort on ids picked from the
 * owners' recent allocations, live or stale.
 *
 * Every associate uses a fresh context value, the index of a record that
 * says which (flow, layer, callout) it was for. Checked:
 * - every successful association's hook runs exactly once, with its own
 *   (layer, callout), and no failed association's hook ever runs;
 * - STATUS_SUCCESS from a removal means the hook already ran, on the
 *   remover's thread, for that flow's context with that key;
 * - a context delivered by context_get belongs to that flow and key, and its
 *   hook does not run before the classification ends;
 * - a removal inside a classification never returns STATUS_SUCCESS;
 * - the tables are empty at the end (ASan: nothing leaked; TSan: no race).
 *
 * Bounded by operation count and wall time: DFP_TEST_STRESS_MS, else
 * DFP_TEST_CONCURRENCY_MS (set by tests/sanitize/run.sh), else 3000 ms.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_pause.h>

#include <cmocka.h>

#include "dfp_flow.h"

#define N_OWNERS 2
#define N_MUTATORS 2
#define TABLE_CAP 64
#define OWNER_LIVE 40          /* Live flows per owner; the rest lets ended ones retire. */
#define N_LAYERS 3
#define N_CALLOUTS 3
#define N_RECENT 64            /* Recent ids published per owner. */
#define TARGET_OPS 2000000
#define MIN_OPS 100000         /* Required even when the time cap is hit. */
#define MAX_CTX (1u << 21)     /* Context records (fresh value per associate). */
#define DEFAULT_TIME_MS 3000
#define MUTATOR_PAUSES 16

struct ctx_rec {
	/* Written by the associater before it calls associate. */
	uint64_t flow_id;
	uint32_t callout_id;
	uint16_t layer_id;
	/* Written by the associater after SUCCESS; read after join. */
	uint8_t associated;
	/* Hook calls (atomic). */
	uint8_t hooks;
};

struct shared {
	struct dfp_flow_dir *dir;
	struct dfp_flow_table *tables[N_OWNERS];
	struct ctx_rec *recs;
	uint32_t next_ctx;                     /* Atomic. */
	uint64_t recent[N_OWNERS][N_RECENT];   /* Ids, relaxed atomics. */
	int stop;                              /* Release by main. */
	uint64_t ops;                          /* Atomic, relaxed. */
	uint64_t failures;                     /* Atomic: broken invariants. */
	/* Outcomes (atomic adds), to show both sides of each race were hit. */
	uint64_t n_assoc_ok, n_assoc_stale, n_assoc_exists, n_assoc_full;
	uint64_t n_remove_ok, n_remove_pending, n_remove_none;
	uint64_t n_owner_pending, n_delivered, n_aborts, n_classified;
};

static struct shared *g;

/* Last hook run on this thread, to check STATUS_SUCCESS from a removal. */
static __thread uint64_t tls_hooks;
static __thread uint64_t tls_context;
static __thread uint16_t tls_layer;
static __thread uint32_t tls_callout;

static void
broken(const char *what)
{
	if (__atomic_fetch_add(&g->failures, 1, __ATOMIC_RELAXED) < 10)
		fprintf(stderr, "flow stress: %s\n", what);
}

static void
stress_hook(void *ctx, uint16_t layer_id, uint32_t callout_id, uint64_t context)
{
	struct shared *s = ctx;
	struct ctx_rec *r;

	if (context == 0 || context > MAX_CTX) {
		broken("hook with a context never associated");
		return;
	}
	r = &s->recs[context - 1];
	/* Plain reads: the library orders them after the associater's writes. */
	if (r->layer_id != layer_id || r->callout_id != callout_id)
		broken("hook key differs from the association's");
	if (__atomic_fetch_add(&r->hooks, 1, __ATOMIC_RELAXED) != 0)
		broken("hook ran twice for one association");
	tls_hooks++;
	tls_context = context;
	tls_layer = layer_id;
	tls_callout = callout_id;
}

static uint64_t
rnd(uint64_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 7;
	*st ^= *st << 17;
	return *st;
}

static bool
stopping(void)
{
	return __atomic_load_n(&g->stop, __ATOMIC_ACQUIRE) != 0;
}

static void
count(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/* Check a delivered context; 0 if none. */
static void
check_delivered(uint64_t v, uint64_t id, uint16_t layer_id, uint32_t callout_id)
{
	const struct ctx_rec *r;

	if (v == 0)
		return;
	if (v > MAX_CTX) {
		broken("context_get returned a value never associated");
		return;
	}
	r = &g->recs[v - 1];
	if (r->flow_id != id || r->layer_id != layer_id || r->callout_id != callout_id)
		broken("context_get returned another flow's or key's context");
	if (__atomic_load_n(&r->hooks, __ATOMIC_RELAXED) != 0)
		broken("a delivered context's hook ran during the classification");
	count(&g->n_delivered);
}

struct live {
	struct dfp_flow *f;
	uint64_t id;
};

/* One classification of flow e, as the callout runtime brackets it. */
static void
owner_classify(struct dfp_flow_table *t, const struct live *e, uint64_t *rs)
{
	uint32_t callouts[3];
	uint16_t layers[3];
	uint64_t seen[3];
	dfp_status_t st;
	unsigned int i;
	uint64_t r;

	r = rnd(rs);
	dfp_flow_classify_begin(e->f);
	for (i = 0; i < 3; i++) {
		layers[i] = rnd(rs) % N_LAYERS;
		callouts[i] = rnd(rs) % N_CALLOUTS;
		seen[i] = dfp_flow_context_get(e->f, layers[i], callouts[i]);
		check_delivered(seen[i], e->id, layers[i], callouts[i]);
	}
	if (r % 8 == 0) {
		/* A classifyFn removing a context of its own flow. */
		st = dfp_flow_context_remove(g->dir, e->id, layers[0], callouts[0]);
		if (st == DFP_STATUS_SUCCESS)
			broken("removal inside a classification returned SUCCESS");
		else if (st == DFP_STATUS_PENDING)
			count(&g->n_owner_pending);
	}
	/* Widen the window in which mutators meet an open classification. */
	if (r % 128 == 1)
		sched_yield();
	else
		for (i = 0; i < 16; i++)
			rte_pause();
	for (i = 0; i < 3; i++)
		check_delivered(seen[i], e->id, layers[i], callouts[i]);
	dfp_flow_classify_end(t, e->f);
	count(&g->n_classified);
}

static void *
owner_main(void *arg)
{
	unsigned int o = (unsigned int)(uintptr_t)arg;
	unsigned int n = 0, pos = 0, k;
	struct live live[OWNER_LIVE];
	struct dfp_flow_table *t;
	uint64_t rs, r;

	t = g->tables[o];
	rs = 0x9e3779b97f4a7c15ULL * (o + 1);
	while (!stopping()) {
		r = rnd(&rs);
		if (n < OWNER_LIVE && (n == 0 || r % 4 == 0)) {
			live[n].id = dfp_flow_alloc(t, &live[n].f);
			if (live[n].id != 0) {
				__atomic_store_n(&g->recent[o][pos++ % N_RECENT], live[n].id,
						__ATOMIC_RELAXED);
				n++;
			}
		} else {
			k = (r >> 8) % n;
			if (dfp_flow_abort_requested(live[k].f) || r % 16 == 1) {
				dfp_flow_end(t, live[k].f);
				live[k] = live[--n];
			} else {
				owner_classify(t, &live[k], &rs);
			}
		}
		count(&g->ops);
	}
	while (n > 0)
		dfp_flow_end(t, live[--n].f);
	return NULL;
}

/* An id from an owner's recent allocations, sometimes forged stale. */
static uint64_t
pick_id(uint64_t *rs)
{
	uint64_t r = rnd(rs);
	uint64_t id;

	id = __atomic_load_n(&g->recent[r % N_OWNERS][(r >> 4) % N_RECENT], __ATOMIC_RELAXED);
	if (r % 64 == 3)
		id += UINT64_C(2) << 24;   /* A generation not issued yet. */
	return id;
}

static void
mutate_associate(uint64_t id, uint16_t layer_id, uint32_t callout_id)
{
	uint32_t idx = __atomic_fetch_add(&g->next_ctx, 1, __ATOMIC_RELAXED);
	struct ctx_rec *r;
	dfp_status_t st;

	if (idx >= MAX_CTX)
		return;
	r = &g->recs[idx];
	r->flow_id = id;
	r->layer_id = layer_id;
	r->callout_id = callout_id;
	st = dfp_flow_context_associate(g->dir, id, layer_id, callout_id, idx + 1);
	if (st == DFP_STATUS_SUCCESS) {
		r->associated = 1;
		count(&g->n_assoc_ok);
	} else if (st == DFP_STATUS_INVALID_PARAMETER) {
		count(&g->n_assoc_stale);
	} else if (st == DFP_STATUS_OBJECT_NAME_EXISTS) {
		count(&g->n_assoc_exists);
	} else if (st == DFP_STATUS_INSUFFICIENT_RESOURCES) {
		count(&g->n_assoc_full);
	} else {
		broken("associate returned an unexpected status");
	}
}

static void
mutate_remove(uint64_t id, uint16_t layer_id, uint32_t callout_id)
{
	uint64_t before = tls_hooks;
	dfp_status_t st;

	st = dfp_flow_context_remove(g->dir, id, layer_id, callout_id);
	if (st == DFP_STATUS_SUCCESS) {
		if (tls_hooks != before + 1 || tls_layer != layer_id || tls_callout != callout_id)
			broken("SUCCESS from a removal whose hook did not run on its thread");
		else if (g->recs[tls_context - 1].flow_id != id)
			broken("a removal ended another flow's context");
		count(&g->n_remove_ok);
	} else if (st == DFP_STATUS_PENDING) {
		count(&g->n_remove_pending);
	} else if (st == DFP_STATUS_UNSUCCESSFUL) {
		count(&g->n_remove_none);
	} else {
		broken("remove returned an unexpected status");
	}
}

static void *
mutator_main(void *arg)
{
	uint64_t rs = 0xd1b54a32d192ed03ULL * ((uintptr_t)arg + 7);
	uint32_t callout_id;
	uint16_t layer_id;
	uint64_t id, r;
	unsigned int i;

	while (!stopping()) {
		id = pick_id(&rs);
		if (id == 0) {
			rte_pause();
			continue;
		}
		r = rnd(&rs);
		layer_id = r % N_LAYERS;
		callout_id = (r >> 8) % N_CALLOUTS;
		if ((r >> 16) % 128 < 64)
			mutate_associate(id, layer_id, callout_id);
		else if ((r >> 16) % 128 < 127)
			mutate_remove(id, layer_id, callout_id);
		else if (dfp_flow_abort(g->dir, id) == DFP_STATUS_SUCCESS)
			count(&g->n_aborts);
		count(&g->ops);
		/* Keep the mutators' pace near the owners'. */
		for (i = 0; i < MUTATOR_PAUSES; i++)
			rte_pause();
	}
	return NULL;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
time_cap_ms(void)
{
	const char *v = getenv("DFP_TEST_STRESS_MS");

	if (v == NULL)
		v = getenv("DFP_TEST_CONCURRENCY_MS");
	return v != NULL && atoi(v) > 0 ? (uint64_t)atoi(v) : DEFAULT_TIME_MS;
}

static void
test_flow_stress_every_association_ends_exactly_once(void **state)
{
	pthread_t owners[N_OWNERS], mutators[N_MUTATORS];
	uint64_t t0 = now_ms(), cap = time_cap_ms();
	uint64_t assoc = 0, hooked = 0;
	unsigned int i;
	uint32_t n;

	(void)state;
	g = calloc(1, sizeof(*g));
	assert_non_null(g);
	g->recs = calloc(MAX_CTX, sizeof(*g->recs));
	assert_non_null(g->recs);
	assert_int_equal(dfp_flow_dir_create(stress_hook, g, &g->dir), DFP_STATUS_SUCCESS);
	for (i = 0; i < N_OWNERS; i++)
		assert_int_equal(dfp_flow_table_create(g->dir, i, TABLE_CAP, &g->tables[i]),
				DFP_STATUS_SUCCESS);
	for (i = 0; i < N_OWNERS; i++)
		assert_int_equal(pthread_create(&owners[i], NULL, owner_main,
				(void *)(uintptr_t)i), 0);
	for (i = 0; i < N_MUTATORS; i++)
		assert_int_equal(pthread_create(&mutators[i], NULL, mutator_main,
				(void *)(uintptr_t)i), 0);
	/* Until TARGET_OPS, or the time cap once MIN_OPS are done (hard stop at 4x). */
	while (__atomic_load_n(&g->ops, __ATOMIC_RELAXED) < TARGET_OPS &&
			now_ms() - t0 < 4 * cap && (now_ms() - t0 < cap ||
			__atomic_load_n(&g->ops, __ATOMIC_RELAXED) < MIN_OPS))
		usleep(1000);
	__atomic_store_n(&g->stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < N_MUTATORS; i++)
		assert_int_equal(pthread_join(mutators[i], NULL), 0);
	for (i = 0; i < N_OWNERS; i++)
		assert_int_equal(pthread_join(owners[i], NULL), 0);

	n = g->next_ctx < MAX_CTX ? g->next_ctx : MAX_CTX;
	for (i = 0; i < n; i++) {
		assoc += g->recs[i].associated;
		hooked += g->recs[i].hooks;
		if (g->recs[i].hooks != g->recs[i].associated)
			broken(g->recs[i].associated ? "an association's hook never ran" :
					"a failed association's hook ran");
	}
	printf("flow stress: %" PRIu64 " ops in %" PRIu64 " ms; associate ok %" PRIu64
			" stale %" PRIu64 " exists %" PRIu64 " full %" PRIu64 "; remove ok %"
			PRIu64 " pending %" PRIu64 " none %" PRIu64 "; owner pending %" PRIu64
			"; classified %" PRIu64 " delivered %" PRIu64 "; aborts %" PRIu64
			"; hooks %" PRIu64 "\n",
			g->ops, now_ms() - t0, g->n_assoc_ok, g->n_assoc_stale, g->n_assoc_exists,
			g->n_assoc_full, g->n_remove_ok, g->n_remove_pending, g->n_remove_none,
			g->n_owner_pending, g->n_classified, g->n_delivered, g->n_aborts, hooked);
	assert_int_equal(g->failures, 0);
	assert_int_equal(hooked, assoc);
	assert_true(g->ops >= MIN_OPS);
	/* Both sides of the races were exercised. */
	assert_true(g->n_assoc_ok > 0 && g->n_assoc_stale > 0 && g->n_assoc_exists > 0);
	assert_true(g->n_remove_ok > 0 && g->n_remove_pending > 0 && g->n_owner_pending > 0);
	assert_true(g->n_delivered > 0 && g->n_aborts > 0);
	for (i = 0; i < N_OWNERS; i++) {
		assert_int_equal(dfp_flow_table_count(g->tables[i]), 0);
		dfp_flow_table_free(g->tables[i]);
	}
	dfp_flow_dir_free(g->dir);
	free(g->recs);
	free(g);
	g = NULL;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_stress_every_association_ends_exactly_once),
	};

	return cmocka_run_group_tests_name("flow_stress", tests, NULL, NULL);
}
