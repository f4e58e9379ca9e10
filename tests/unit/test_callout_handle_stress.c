/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classify handles under concurrency (spec §6.3): two "worker" threads
 * acquire and pend (and poll their own completion rings), one thread
 * completes, one releases, one expires pends, in whatever order the
 * scheduler makes. Release before or after completion, complete racing
 * expire. Afterwards nothing is held or pended, and every pend produced
 * exactly one completion.
 *
 * Handles travel between threads through single-slot mailboxes written and
 * read with relaxed atomics only, so the test adds no happens-before edge
 * of its own: under ThreadSanitizer, the runtime's own ordering (pend ->
 * complete, free -> reuse, complete -> poll) is what is checked.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_rcu_qsbr.h>

#include <cmocka.h>

#include "dfp_callout.h"
#include "test_eal.h"

#define N_WORKERS 2
#define ITERATIONS 25000     /* Per worker: about 4.5 operations each. */
#define MBOX_SLOTS 64
#define MAX_HANDLES 1024

/* A single-producer single-consumer mailbox of handles (0 = empty slot). */
struct mbox {
	uint64_t slot[MBOX_SLOTS];
	unsigned int head;  /* Producer only. */
	unsigned int tail;  /* Consumer only. */
};

static bool
mbox_put(struct mbox *m, uint64_t h)
{
	uint64_t *s = &m->slot[m->head % MBOX_SLOTS];

	/* Relaxed: the handle is the only datum (see the file comment). */
	if (__atomic_load_n(s, __ATOMIC_RELAXED) != 0)
		return false;
	__atomic_store_n(s, h, __ATOMIC_RELAXED);
	m->head++;
	return true;
}

static uint64_t
mbox_get(struct mbox *m)
{
	uint64_t *s = &m->slot[m->tail % MBOX_SLOTS];
	uint64_t h = __atomic_load_n(s, __ATOMIC_RELAXED);

	if (h != 0) {
		__atomic_store_n(s, 0, __ATOMIC_RELAXED);
		m->tail++;
	}
	return h;
}

struct worker {
	struct stress *s;
	unsigned int id;
	uint64_t rng;
	struct mbox to_completer;
	struct mbox to_releaser;
	/* Counts, read by the main thread after join. */
	uint64_t ops;
	uint64_t acquired;
	uint64_t pended;
	uint64_t cannot_pend;
	uint64_t exhausted;
	uint64_t completions[3];  /* By kind. */
	uint64_t errors;          /* Unexpected statuses or misrouted completions. */
};

struct stress {
	struct dfp_callout_rt *rt;
	struct worker w[N_WORKERS];
	/*
	 * Release/acquire: a thread that sees the count sees everything the
	 * counted threads did (their last handles, their last completions).
	 * These edges are at the very end only.
	 */
	unsigned int workers_done;
	unsigned int consumers_done;
	/* Completer / releaser / expirer counts. */
	uint64_t completed;
	uint64_t completer_invalid;
	uint64_t completer_retries;
	uint64_t released;
	uint64_t release_failed;
	uint64_t expired;
	uint64_t expire_calls;
};

static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static unsigned int
poll_own(struct worker *w)
{
	struct dfp_callout_completion c[32];
	unsigned int i, n;

	n = dfp_callout_completion_poll(w->s->rt, w->id, c, RTE_DIM(c));
	for (i = 0; i < n; i++) {
		if ((unsigned int)c[i].kind < RTE_DIM(w->completions))
			w->completions[c[i].kind]++;
		/* The completion is for this worker's own packet, as pended. */
		if ((c[i].packet_tag >> 56) != w->id || c[i].handle == 0 ||
				c[i].filter_id != (c[i].packet_tag & 0xffffffu) ||
				c[i].flow_id != c[i].filter_id + 1 || c[i].layer_id == 0)
			w->errors++;
	}
	w->ops++;
	return n;
}

static void
put_or_poll(struct worker *w, struct mbox *m, uint64_t h)
{
	while (!mbox_put(m, h)) {
		poll_own(w);
		sched_yield();
	}
}

static void *
worker_main(void *arg)
{
	static const uint16_t layers[] = {
		DFP_LAYER_ALE_AUTH_CONNECT_V4, DFP_LAYER_ALE_AUTH_CONNECT_V6,
		DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V6,
		DFP_LAYER_ALE_FLOW_ESTABLISHED_V4, DFP_LAYER_INBOUND_TRANSPORT_V4,
	};
	struct worker *w = arg;
	struct dfp_callout_rt *rt = w->s->rt;
	struct dfp_callout_pkt pkt;
	struct dfp_classify_out o;
	unsigned int i;
	dfp_status_t st;
	uint64_t h, r;

	for (i = 0; i < ITERATIONS; i++) {
		r = rnd(&w->rng);
		memset(&pkt, 0, sizeof(pkt));
		pkt.meta.present = DFP_META_FLOW_HANDLE;
		pkt.meta.flow_handle = i + 1;
		pkt.layer_id = layers[r % RTE_DIM(layers)];
		pkt.callout_id = 1 + (unsigned int)(r >> 8) % 3;
		pkt.worker = w->id;
		pkt.packet_tag = ((uint64_t)w->id << 56) | i;
		pkt.reauth = (r >> 16) % 16 == 0;
		while ((st = dfp_callout_handle_acquire(rt, &pkt, &h)) ==
				DFP_STATUS_INSUFFICIENT_RESOURCES) {
			w->exhausted++;
			poll_own(w);
			sched_yield();
		}
		if (st != DFP_STATUS_SUCCESS) {
			w->errors++;
			continue;
		}
		w->acquired++;
		w->ops++;
		memset(&o, 0, sizeof(o));
		o.action_type = DFP_ACTION_PERMIT;
		o.rights = DFP_RIGHT_ACTION_WRITE;
		st = dfp_callout_handle_pend(rt, h, i, &o);
		w->ops++;
		if (st == DFP_STATUS_SUCCESS) {
			w->pended++;
			put_or_poll(w, &w->to_completer, h);
			/* Release right after pending, or later from the releaser. */
			if ((r >> 24) % 2 == 0) {
				if (dfp_callout_handle_release(rt, h) != DFP_STATUS_SUCCESS)
					w->errors++;
				w->ops++;
			} else {
				put_or_poll(w, &w->to_releaser, h);
			}
		} else {
			if (st != DFP_STATUS_FWP_CANNOT_PEND)
				w->errors++;
			w->cannot_pend++;
			put_or_poll(w, &w->to_releaser, h);
		}
		/* Every fourth stretch of 1024 iterations the worker stops polling: rings fill. */
		if (i % 8 == 0 && (i / 1024) % 4 != 3)
			poll_own(w);
	}
	__atomic_fetch_add(&w->s->workers_done, 1, __ATOMIC_RELEASE);
	/* Keep draining until completer, releaser and expirer are done. */
	while (__atomic_load_n(&w->s->consumers_done, __ATOMIC_ACQUIRE) < 3) {
		poll_own(w);
		sched_yield();
	}
	/* The expirer's last sweep may have filled the ring: drain it whole. */
	while (poll_own(w) != 0)
		;
	return NULL;
}

/* Take from the workers' mailboxes in turn until they are done and empty. */
static uint64_t
next_handle(struct stress *s, size_t mbox_off, unsigned int *turn, bool *finished)
{
	unsigned int k, done;
	uint64_t h;

	for (;;) {
		/* Read before the sweep: a sweep after all finished sees everything. */
		done = __atomic_load_n(&s->workers_done, __ATOMIC_ACQUIRE);
		for (k = 0; k < N_WORKERS; k++) {
			struct worker *w = &s->w[(*turn + k) % N_WORKERS];

			h = mbox_get((struct mbox *)((char *)w + mbox_off));
			if (h != 0) {
				*turn = *turn + k + 1;
				return h;
			}
		}
		if (done == N_WORKERS) {
			*finished = true;
			return 0;
		}
		sched_yield();
	}
}

static void *
completer_main(void *arg)
{
	struct timespec lag = { .tv_sec = 0, .tv_nsec = 2000000 };
	struct stress *s = arg;
	struct dfp_classify_out d;
	bool finished = false;
	unsigned int turn = 0;
	uint64_t h, n = 0;
	dfp_status_t st;

	while ((h = next_handle(s, offsetof(struct worker, to_completer), &turn, &finished)) != 0) {
		/* Now and then fall behind the 1 ms timeout: expire races us. */
		if (n % 512 == 511)
			nanosleep(&lag, NULL);
		memset(&d, 0, sizeof(d));
		d.action_type = (n++ % 2) ? DFP_ACTION_PERMIT : DFP_ACTION_BLOCK;
		while ((st = dfp_callout_handle_complete(s->rt, h, n % 3 == 0 ? NULL : &d)) ==
				DFP_STATUS_INSUFFICIENT_RESOURCES) {
			s->completer_retries++;
			sched_yield();
		}
		if (st == DFP_STATUS_SUCCESS)
			s->completed++;
		else
			s->completer_invalid++;  /* Timed out first. */
	}
	__atomic_fetch_add(&s->consumers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *
releaser_main(void *arg)
{
	struct stress *s = arg;
	bool finished = false;
	unsigned int turn = 0;
	uint64_t h;

	while ((h = next_handle(s, offsetof(struct worker, to_releaser), &turn, &finished)) != 0) {
		if (dfp_callout_handle_release(s->rt, h) == DFP_STATUS_SUCCESS)
			s->released++;
		else
			s->release_failed++;
	}
	__atomic_fetch_add(&s->consumers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int
list_cb(void *arg, const struct dfp_callout_handle_info *h)
{
	(void)h;
	(*(uint64_t *)arg)++;
	return 0;
}

static void *
expirer_main(void *arg)
{
	struct stress *s = arg;
	uint64_t listed = 0;

	/* Until the completer is done: after that no pend is left to race. */
	while (__atomic_load_n(&s->consumers_done, __ATOMIC_ACQUIRE) < 2) {
		s->expired += dfp_callout_pend_expire(s->rt);
		s->expire_calls++;
		if (s->expire_calls % 16 == 0)
			dfp_callout_handle_foreach(s->rt, list_cb, &listed);
		sched_yield();
	}
	s->expired += dfp_callout_pend_expire(s->rt);
	__atomic_fetch_add(&s->consumers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* EAL pins the main thread to one CPU and threads inherit it: spread out. */
static void
unpin(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	long i;

	CPU_ZERO(&set);
	for (i = 0; i < n && i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void
test_concurrent_acquire_pend_complete_release_expire_balance(void **state)
{
	struct dfp_callout_completion c[8];
	uint64_t acquired = 0, pended = 0, cannot = 0, errors = 0, got[3] = { 0, 0, 0 }, ops;
	pthread_t tw[N_WORKERS], tc, tr, te;
	struct dfp_callout_params p;
	struct dfp_callout_stats st;
	struct rte_rcu_qsbr *rcu;
	struct stress *s;
	unsigned int i;
	size_t size;

	(void)state;
	assert_int_equal(dfp_test_eal_init(NULL, 0), 0);
	unpin();
	size = RTE_ALIGN_CEIL(rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
	rcu = aligned_alloc(RTE_CACHE_LINE_SIZE, size);
	assert_non_null(rcu);
	assert_int_equal(rte_rcu_qsbr_init(rcu, 1), 0);
	s = calloc(1, sizeof(*s));
	assert_non_null(s);
	memset(&p, 0, sizeof(p));
	p.rcu = rcu;
	p.n_workers = N_WORKERS;
	p.max_handles = MAX_HANDLES;
	p.ring_size = 64;          /* Small: full rings happen. */
	p.pend_timeout_ms = 1;     /* Short: expire races the completer. */
	assert_int_equal(dfp_callout_rt_create(&p, &s->rt), DFP_STATUS_SUCCESS);

	for (i = 0; i < N_WORKERS; i++) {
		s->w[i].s = s;
		s->w[i].id = i;
		s->w[i].rng = 0x9E3779B97F4A7C15ull * (i + 1);
		assert_int_equal(pthread_create(&tw[i], NULL, worker_main, &s->w[i]), 0);
	}
	assert_int_equal(pthread_create(&tc, NULL, completer_main, s), 0);
	assert_int_equal(pthread_create(&tr, NULL, releaser_main, s), 0);
	assert_int_equal(pthread_create(&te, NULL, expirer_main, s), 0);
	for (i = 0; i < N_WORKERS; i++)
		pthread_join(tw[i], NULL);
	pthread_join(tc, NULL);
	pthread_join(tr, NULL);
	pthread_join(te, NULL);

	ops = s->completed + s->completer_invalid + s->released + s->expire_calls;
	for (i = 0; i < N_WORKERS; i++) {
		acquired += s->w[i].acquired;
		pended += s->w[i].pended;
		cannot += s->w[i].cannot_pend;
		got[0] += s->w[i].completions[0];
		got[1] += s->w[i].completions[1];
		got[2] += s->w[i].completions[2];
		ops += s->w[i].ops;
		errors += s->w[i].errors;
		assert_int_equal(dfp_callout_completion_poll(s->rt, i, c, RTE_DIM(c)), 0);
	}
	dfp_callout_stats_get(s->rt, &st);
	print_message("ops %" PRIu64 ": %" PRIu64 " acquired, %" PRIu64 " pended, %" PRIu64
		" cannot pend; completions %" PRIu64 " decision, %" PRIu64 " reauth, %" PRIu64
		" timeout; completer retries %" PRIu64 ", ring full %" PRIu64 ", stale %" PRIu64 "\n",
		ops, acquired, pended, cannot, got[0], got[1], got[2], s->completer_retries,
		st.ring_full, st.stale_handle_calls);
	assert_true(errors == 0);
	assert_true(ops >= 100000);
	assert_true(acquired == N_WORKERS * (uint64_t)ITERATIONS);
	assert_true(pended + cannot == acquired);
	/* Nothing held, nothing pended, nothing lost. */
	assert_true(st.handles_in_use == 0);
	assert_true(st.pended == 0);
	assert_true(s->release_failed == 0);
	/*
	 * Every pend: exactly one completion. A pend's reference is dropped
	 * only once its completion is enqueued, so handles_in_use == 0 means
	 * each pend produced at least one; equal totals then mean exactly one.
	 */
	assert_true(got[0] + got[1] + got[2] == pended);
	assert_true(s->completed == got[0] + got[1]);
	assert_true(s->expired == got[2]);
	assert_true(st.pend_timeouts == got[2]);
	/* The completer's only failures are pends that timed out first. */
	assert_true(s->completer_invalid == got[2]);
	assert_true(st.stale_handle_calls == s->completer_invalid);

	dfp_callout_rt_free(s->rt);
	free(s);
	free(rcu);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_acquire_pend_complete_release_expire_balance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
