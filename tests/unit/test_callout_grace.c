/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The unregistration grace-period proof (spec §4.1, §7 [port]): once
 * dfp_ctl_callout_unregister_by_id/by_key returns STATUS_SUCCESS, no worker
 * is inside the callout's classifyFn and none ever enters it again.
 *
 * A worker thread (an RCU reader reporting a quiescent state once per loop)
 * classifies bursts at INBOUND_IPPACKET_V4, where one CALLOUT_TERMINATING
 * filter names the callout. Its classifyFn counts entries and exits, spins
 * a little (so unregistrations often land while a call is in flight) and
 * returns PERMIT; while the callout is unregistered the filter falls back to
 * BLOCK (spec §3.3), so every verdict must be PERMIT exactly when the
 * classifyFn ran for that packet. The control thread registers the callout,
 * waits until the worker has entered it, unregisters it, and then checks
 * that entries == exits (no call in flight at return) and that the entry
 * count stays unchanged while the worker classifies many more bursts.
 *
 * Repeated CYCLES times, bounded by DFP_TEST_CONCURRENCY_MS (default 4000).
 * The count of unregistrations that started while a call was in flight is
 * printed: those are the ones the grace period had to wait for.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_pause.h>

#include <cmocka.h>

#include "dfp_ctl.h"
#include "dfp_thread.h"
#include "test_eal.h"
#include "test_engine_fixture.h"

#define LAYER DFP_LAYER_INBOUND_IPPACKET_V4
#define BURST 8
#define CYCLES 2000
#define MIN_CYCLES 50          /* Required even when the time cap is hit. */
#define DEFAULT_TIME_MS 4000
#define AFTER_BURSTS 32        /* Bursts the worker must run after each unregister. */
#define WAIT_MS 5000           /* Bound on each wait for the worker. */
#define READER_ID 1

struct grace {
	struct dfp_ctl *ctl;
	/* Written by the classifyFn (worker), read by the control thread. */
	uint64_t enters;
	uint64_t exits;
	/* Worker state. */
	uint64_t bursts;
	int reader_ok;
	int stop;
	uint64_t errors;
	char msg[256];
};

/* Per packet, through layer_data: did the classifyFn run for it? */
struct grace_pkt {
	unsigned int called;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t
time_limit_ms(void)
{
	const char *s = getenv("DFP_TEST_CONCURRENCY_MS");
	long v = s != NULL ? strtol(s, NULL, 10) : 0;

	return v > 0 ? (uint64_t)v : DEFAULT_TIME_MS;
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
grace_classify(const struct dfp_callout_classify_in *in, const struct dfp_engine_filter_rt *f,
		uint64_t flow_ctx, struct dfp_classify_out *out)
{
	struct grace *g = in->callout_ctx;
	struct grace_pkt *p = in->layer_data;
	unsigned int i;

	(void)f;
	(void)flow_ctx;
	/* Seq-cst: the control thread's reads after unregister must see this entry. */
	__atomic_fetch_add(&g->enters, 1, __ATOMIC_SEQ_CST);
	p->called++;
	for (i = 0; i < 64; i++)
		rte_pause();
	out->action_type = DFP_ACTION_PERMIT;
	/* Last touch of callout state: release pairs with the control thread's acquire. */
	__atomic_fetch_add(&g->exits, 1, __ATOMIC_RELEASE);
}

static dfp_status_t
grace_notify(void *ctx, enum dfp_notify_type type, const struct dfp_guid *key,
		struct dfp_engine_filter_rt *filter)
{
	(void)ctx;
	(void)type;
	(void)key;
	(void)filter;
	return DFP_STATUS_SUCCESS;
}

static void __attribute__((format(printf, 2, 3)))
worker_fail(struct grace *g, const char *fmt, ...)
{
	va_list ap;

	if (g->errors++ > 0)
		return;
	va_start(ap, fmt);
	vsnprintf(g->msg, sizeof(g->msg), fmt, ap);
	va_end(ap);
}

static void *
worker_main(void *arg)
{
	const struct dfp_engine_values *vals[BURST];
	struct dfp_engine_classify_env env;
	struct dfp_engine_values v[BURST];
	struct dfp_engine_verdict out[BURST];
	struct dfp_callout_pkt pkt[BURST];
	struct grace_pkt rec[BURST];
	struct dfp_engine_ruleset *const *slot;
	void *ctxs[BURST];
	struct grace *g = arg;
	uint64_t t0 = now_ms();
	unsigned int i;

	unpin();
	env.invoke = dfp_callout_invoke;
	env.ctx = dfp_ctl_callouts(g->ctl);
	env.hits = NULL;
	slot = dfp_ctl_ruleset_slot(g->ctl);
	for (i = 0; i < BURST; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		v[i].ip_protocol = 17;
		v[i].local_port = (uint16_t)(1000 + i);
		vals[i] = &v[i];
		memset(&pkt[i], 0, sizeof(pkt[i]));
		pkt[i].layer_data = &rec[i];
		ctxs[i] = &pkt[i];
	}
	if (dfp_ctl_reader_register(g->ctl, READER_ID) != DFP_STATUS_SUCCESS) {
		worker_fail(g, "reader_register failed");
		return NULL;
	}
	__atomic_store_n(&g->reader_ok, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE) && now_ms() - t0 < 4 * WAIT_MS +
			time_limit_ms()) {
		memset(rec, 0, sizeof(rec));
		dfp_engine_classify_burst(dfp_ctl_ruleset_get(slot), LAYER, vals, ctxs, BURST, &env,
			out);
		for (i = 0; i < BURST; i++) {
			uint32_t want = rec[i].called ? DFP_ACTION_PERMIT : DFP_ACTION_BLOCK;

			if (rec[i].called > 1 || out[i].action != want)
				worker_fail(g, "packet %u: %u classifyFn calls, verdict 0x%x", i,
					rec[i].called, out[i].action);
		}
		__atomic_fetch_add(&g->bursts, 1, __ATOMIC_RELEASE);
		dfp_ctl_reader_quiescent(g->ctl, READER_ID);
	}
	dfp_ctl_reader_unregister(g->ctl, READER_ID);
	return NULL;
}

/* Wait until *p has moved at least `by` past `from`; false on timeout. */
static bool
wait_advance(const uint64_t *p, uint64_t from, uint64_t by)
{
	uint64_t t0 = now_ms();

	while (__atomic_load_n(p, __ATOMIC_ACQUIRE) - from < by) {
		if (now_ms() - t0 > WAIT_MS)
			return false;
		sched_yield();
	}
	return true;
}

static void
test_callout_never_entered_after_unregister_returns(void **state)
{
	struct dfp_engine_filter_spec f = fx_spec("grace", LAYER, DFP_ACTION_CALLOUT_TERMINATING);
	struct dfp_engine_callout_spec cs;
	struct dfp_callout_desc desc;
	struct dfp_ctl_session *s;
	struct dfp_ctl_params p;
	struct grace g;
	uint64_t limit, t0, e0, x0, e1, b0, total_in_flight = 0;
	unsigned int cycles = 0, overlaps = 0;
	uint32_t id = 0, rid;
	pthread_t th;

	(void)state;
	memset(&g, 0, sizeof(g));
	memset(&p, 0, sizeof(p));
	p.max_readers = 4;
	assert_int_equal(dfp_ctl_create(&p, &g.ctl), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_session_open(g.ctl, 0, &s), DFP_STATUS_SUCCESS);
	memset(&cs, 0, sizeof(cs));
	cs.key = fx_guid_n(0x6ace);
	cs.name = "grace";
	cs.layer_id = LAYER;
	assert_int_equal(dfp_ctl_callout_add(s, &cs, &id), DFP_STATUS_SUCCESS);
	f.callout_key = cs.key;
	assert_int_equal(dfp_ctl_filter_add(s, &f, NULL), DFP_STATUS_SUCCESS);
	memset(&desc, 0, sizeof(desc));
	desc.key = cs.key;
	desc.classify = grace_classify;
	desc.notify = grace_notify;
	desc.ctx = &g;
	desc.name = "grace";

	assert_int_equal(pthread_create(&th, NULL, worker_main, &g), 0);
	t0 = now_ms();
	while (!__atomic_load_n(&g.reader_ok, __ATOMIC_ACQUIRE) && now_ms() - t0 < WAIT_MS)
		sched_yield();
	assert_true(__atomic_load_n(&g.reader_ok, __ATOMIC_ACQUIRE));

	limit = time_limit_ms();
	t0 = now_ms();
	while (cycles < CYCLES && now_ms() - t0 < limit) {
		dfp_status_t st;

		e0 = __atomic_load_n(&g.enters, __ATOMIC_ACQUIRE);
		rid = 0;
		assert_int_equal(dfp_ctl_callout_register(g.ctl, &desc, &rid), DFP_STATUS_SUCCESS);
		assert_int_equal(rid, id);
		/* The worker is calling it now; vary the phase a little. */
		if (!wait_advance(&g.enters, e0, 1 + cycles % 3))
			fail_msg("cycle %u: the worker never entered the callout", cycles);
		if (__atomic_load_n(&g.enters, __ATOMIC_SEQ_CST) !=
				__atomic_load_n(&g.exits, __ATOMIC_ACQUIRE))
			overlaps++;
		st = cycles % 2 ? dfp_ctl_callout_unregister_by_key(g.ctl, &desc.key) :
			dfp_ctl_callout_unregister_by_id(g.ctl, id);
		assert_int_equal(st, DFP_STATUS_SUCCESS);
		/* Nothing in flight at return. */
		e0 = __atomic_load_n(&g.enters, __ATOMIC_SEQ_CST);
		x0 = __atomic_load_n(&g.exits, __ATOMIC_ACQUIRE);
		total_in_flight += e0 - x0;
		if (e0 != x0)
			fail_msg("cycle %u: %" PRIu64 " classifyFn call(s) in flight after unregister",
				cycles, e0 - x0);
		/* And never entered again while the worker goes on classifying. */
		b0 = __atomic_load_n(&g.bursts, __ATOMIC_ACQUIRE);
		if (!wait_advance(&g.bursts, b0, AFTER_BURSTS))
			fail_msg("cycle %u: the worker stalled", cycles);
		e1 = __atomic_load_n(&g.enters, __ATOMIC_SEQ_CST);
		if (e1 != e0)
			fail_msg("cycle %u: classifyFn entered %" PRIu64 " time(s) after unregister",
				cycles, e1 - e0);
		cycles++;
	}
	__atomic_store_n(&g.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);

	print_message("grace: %u register/unregister cycles (%u began with a call in flight), %"
		PRIu64 " classifyFn calls, %" PRIu64 " bursts in %" PRIu64 " ms\n", cycles, overlaps,
		g.enters, g.bursts, now_ms() - t0);
	if (g.errors != 0)
		fail_msg("worker: %" PRIu64 " error(s), first: %s", g.errors, g.msg);
	assert_int_equal(total_in_flight, 0);
	assert_true(cycles >= MIN_CYCLES);
	assert_int_equal(dfp_callout_is_registered(dfp_ctl_callouts(g.ctl), id), false);
	assert_int_equal(dfp_ctl_session_close(s), DFP_STATUS_SUCCESS);
	dfp_ctl_destroy(g.ctl);
}

static int
group_setup(void **state)
{
	(void)state;
	return dfp_test_eal_init(NULL, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_callout_never_entered_after_unregister_returns),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
