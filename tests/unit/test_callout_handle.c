/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classify handles (spec §6.3, §9 S7 and N7, §10.13/15): acquire, pend
 * (ALE_AUTH_CONNECT / RECV_ACCEPT only, never during re-authorisation),
 * complete with a decision or NULL (re-authorise), release before or after
 * completion, stale and double calls, full completion rings, pend timeouts
 * and the listing of held handles.
 */
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

#define CALLOUT_ID 7
#define FILTER_ID 1234
#define FLOW_ID 0xF10000000042ull
#define TAG 0x7A6ull

static struct rte_rcu_qsbr *rcu;
static struct dfp_callout_rt *rt;

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

static int
group_setup(void **state)
{
	size_t size = rte_rcu_qsbr_get_memsize(1);

	(void)state;
	if (dfp_test_eal_init(NULL, 0) != 0)
		return -1;
	unpin();
	rcu = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(size, RTE_CACHE_LINE_SIZE));
	if (rcu == NULL || rte_rcu_qsbr_init(rcu, 1) != 0)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	free(rcu);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	dfp_callout_rt_free(rt);
	rt = NULL;
	return 0;
}

/* A runtime with two workers. */
static void
rt_new(uint32_t max_handles, uint32_t ring_size, uint32_t timeout_ms)
{
	struct dfp_callout_params p;

	memset(&p, 0, sizeof(p));
	p.rcu = rcu;
	p.n_workers = 2;
	p.max_handles = max_handles;
	p.ring_size = ring_size;
	p.pend_timeout_ms = timeout_ms;
	assert_int_equal(dfp_callout_rt_create(&p, &rt), DFP_STATUS_SUCCESS);
}

/* What the invoke hook hands classifyFn as classify_context. */
static struct dfp_callout_pkt
pkt_at(uint16_t layer, unsigned int worker, uint64_t tag)
{
	struct dfp_callout_pkt pkt;

	memset(&pkt, 0, sizeof(pkt));
	pkt.meta.present = DFP_META_FLOW_HANDLE;
	pkt.meta.flow_handle = FLOW_ID;
	pkt.layer_id = layer;
	pkt.callout_id = CALLOUT_ID;
	pkt.worker = worker;
	pkt.packet_tag = tag;
	return pkt;
}

/* classifyOut as a terminating callout filter leaves it on entry. */
static struct dfp_classify_out
out_fresh(void)
{
	struct dfp_classify_out o;

	memset(&o, 0, sizeof(o));
	o.action_type = DFP_ACTION_PERMIT;
	o.rights = DFP_RIGHT_ACTION_WRITE;
	return o;
}

static uint64_t
acquire_at(uint16_t layer, unsigned int worker, uint64_t tag)
{
	struct dfp_callout_pkt pkt = pkt_at(layer, worker, tag);
	uint64_t h = 0;

	assert_int_equal(dfp_callout_handle_acquire(rt, &pkt, &h), DFP_STATUS_SUCCESS);
	return h;
}

/* Acquire and pend at ALE_AUTH_CONNECT_V4 on a worker. */
static uint64_t
pended_on(unsigned int worker, uint64_t tag)
{
	struct dfp_classify_out o = out_fresh();
	uint64_t h = acquire_at(DFP_LAYER_ALE_AUTH_CONNECT_V4, worker, tag);

	assert_int_equal(dfp_callout_handle_pend(rt, h, FILTER_ID, &o), DFP_STATUS_SUCCESS);
	return h;
}

static struct dfp_callout_stats
stats(void)
{
	struct dfp_callout_stats s;

	dfp_callout_stats_get(rt, &s);
	return s;
}

static unsigned int
poll_all(unsigned int worker, struct dfp_callout_completion *c, unsigned int n)
{
	return dfp_callout_completion_poll(rt, worker, c, n);
}

static void
test_acquire_gives_distinct_nonzero_handles(void **state)
{
	uint64_t h[8];
	unsigned int i, j;

	(void)state;
	rt_new(8, 0, 0);
	for (i = 0; i < RTE_DIM(h); i++) {
		h[i] = acquire_at(DFP_LAYER_ALE_AUTH_CONNECT_V4, 0, i);
		assert_true(h[i] != 0);
		for (j = 0; j < i; j++)
			assert_true(h[i] != h[j]);
	}
	assert_int_equal(stats().handles_in_use, 8);
	for (i = 0; i < RTE_DIM(h); i++)
		assert_int_equal(dfp_callout_handle_release(rt, h[i]), DFP_STATUS_SUCCESS);
	assert_int_equal(stats().handles_in_use, 0);
}

static void
test_acquire_when_exhausted_returns_insufficient_resources(void **state)
{
	struct dfp_callout_pkt pkt = pkt_at(DFP_LAYER_ALE_AUTH_CONNECT_V4, 0, 0);
	uint64_t h[4], x = 0;
	unsigned int i;

	(void)state;
	rt_new(4, 0, 0);
	for (i = 0; i < RTE_DIM(h); i++)
		h[i] = acquire_at(DFP_LAYER_ALE_AUTH_CONNECT_V4, 0, i);
	assert_int_equal(dfp_callout_handle_acquire(rt, &pkt, &x), DFP_STATUS_INSUFFICIENT_RESOURCES);
	assert_int_equal(dfp_callout_handle_release(rt, h[2]), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_handle_acquire(rt, &pkt, &x), DFP_STATUS_SUCCESS);
	assert_true(x != 0 && x != h[2]);
	assert_int_equal(dfp_callout_handle_release(rt, x), DFP_STATUS_SUCCESS);
	for (i = 0; i < RTE_DIM(h); i++)
		if (i != 2)
			assert_int_equal(dfp_callout_handle_release(rt, h[i]), DFP_STATUS_SUCCESS);
}

static void
test_acquire_with_null_arguments_is_invalid(void **state)
{
	struct dfp_callout_pkt pkt = pkt_at(DFP_LAYER_ALE_AUTH_CONNECT_V4, 0, 0);
	uint64_t h;

	(void)state;
	rt_new(4, 0, 0);
	assert_int_equal(dfp_callout_handle_acquire(rt, NULL, &h), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_callout_handle_acquire(rt, &pkt, NULL), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_callout_handle_acquire(NULL, &pkt, &h), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(stats().handles_in_use, 0);
}

static void
test_pend_at_ale_auth_layers_sets_block_absorb_and_clears_right(void **state)
{
	static const uint16_t layers[] = {
		DFP_LAYER_ALE_AUTH_CONNECT_V4, DFP_LAYER_ALE_AUTH_CONNECT_V6,
		DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V6,
	};
	struct dfp_classify_out o;
	unsigned int i;
	uint64_t h;

	(void)state;
	rt_new(8, 0, 0);
	for (i = 0; i < RTE_DIM(layers); i++) {
		h = acquire_at(layers[i], 0, i);
		o = out_fresh();
		assert_int_equal(dfp_callout_handle_pend(rt, h, FILTER_ID, &o), DFP_STATUS_SUCCESS);
		assert_int_equal(o.action_type, DFP_ACTION_BLOCK);
		assert_int_equal(o.rights & DFP_RIGHT_ACTION_WRITE, 0);
		assert_int_equal(o.flags & DFP_CLASSIFY_OUT_FLAG_ABSORB, DFP_CLASSIFY_OUT_FLAG_ABSORB);
		assert_int_equal(dfp_callout_handle_release(rt, h), DFP_STATUS_SUCCESS);
		assert_int_equal(dfp_callout_handle_complete(rt, h, NULL), DFP_STATUS_SUCCESS);
	}
	assert_int_equal(stats().handles_in_use, 0);
}

/* N7: pend fails with CANNOT_PEND, leaves *out alone; the handle is still held and releasable. */
static void
assert_cannot_pend(uint16_t layer, bool reauth)
{
	struct dfp_callout_pkt pkt = pkt_at(layer, 0, 0);
	struct dfp_classify_out o = out_fresh();
	uint64_t h;

	pkt.reauth = reauth;
	assert_int_equal(dfp_callout_handle_acquire(rt, &pkt, &h), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_handle_pend(rt, h, FILTER_ID, &o), DFP_STATUS_FWP_CANNOT_PEND);
	assert_int_equal(o.action_type, DFP_ACTION_PERMIT);
	assert_int_equal(o.rights, DFP_RIGHT_ACTION_WRITE);
	assert_int_equal(o.flags, 0);
	assert_int_equal(stats().pended, 0);
	assert_int_equal(dfp_callout_handle_release(rt, h), DFP_STATUS_SUCCESS);
	assert_int_equal(stats().handles_in_use, 0);
	assert_int_equal(stats().stale_handle_calls, 0);
}

static void
test_pend_at_flow_established_cannot_pend(void **state)
{
	(void)state;
	rt_new(4, 0, 0);
	assert_cannot_pend(DFP_LAYER_ALE_FLOW_ESTABLISHED_V4, false);
	assert_cannot_pend(DFP_LAYER_ALE_FLOW_ESTABLISHED_V6, false);
}

static void
test_pend_at_packet_layer_cannot_pend(void **state)
{
	(void)state;
	rt_new(4, 0, 0);
	assert_cannot_pend(DFP_LAYER_INBOUND_TRANSPORT_V4, false);
	assert_cannot_pend(DFP_LAYER_OUTBOUND_IPPACKET_V6, false);
	assert_cannot_pend(DFP_LAYER_DATAGRAM_DATA_V4, false);
	assert_cannot_pend(DFP_LAYER_STREAM_V6, false);
	assert_cannot_pend(DFP_LAYER_INBOUND_MAC_FRAME_ETHERNET, false);
}

static void
test_pend_during_reauthorization_cannot_pend(void **state)
{
	(void)state;
	rt_new(4, 0, 0);
	assert_cannot_pend(DFP_LAYER_ALE_AUTH_CONNECT_V4, true);
	assert_cannot_pend(DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V6, true);
}

static void
test_pend_twice_is_invalid(void **state)
{
	struct dfp_classify_out o = out_fresh();
	uint64_t h;

	(void)state;
	rt_new(4, 0, 0);
	h = pended_on(0, 1);
	assert_int_equal(dfp_callout_handle_pend(rt, h, FILTER_ID, &o), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(stats().stale_handle_calls, 1);
	assert_int_equal(stats().pended, 1);
	assert_int_equal(dfp_callout_handle_pend(rt, h, FILTER_ID, NULL), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_callout_handle_complete(rt, h, NULL), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_handle_release(rt, h), DFP_STATUS_SUCCESS);
}

static void
test_complete_with_decision_delivers_one_completion_to_owner(void **state)
{
	struct dfp_callout_completion c[4];
	struct dfp_classify_out d;
	uint64_t h;

	(void)state;
	rt_new(4, 0, 0);
	h = pended_on(1, TAG);
	assert_int_equal(stats().pended, 1);
	memset(&d, 0, sizeof(d));
	d.action_type = DFP_ACTION_PERMIT;
	d.rights = DFP_RIGHT_ACTION_WRITE;
	assert_int_equal(dfp_callout_handle_complete(rt, h, &d), DFP_STATUS_SUCCESS);
	assert_int_equal(stats().pended, 0);
	assert_int_equal(poll_all(0, c, RTE_DIM(c)), 0);
	assert_int_equal(poll_all(1, c, RTE_DIM(c)), 1);
	assert_int_equal(c[0].kind, DFP_CALLOUT_COMPLETE_DECISION);
	assert_true(c[0].handle == h);
	assert_true(c[0].flow_id == FLOW_ID);
	assert_int_equal(c[0].layer_id, DFP_LAYER_ALE_AUTH_CONNECT_V4);
	assert_int_equal(c[0].callout_id, CALLOUT_ID);
	assert_int_equal(c[0].filter_id, FILTER_ID);
	assert_true(c[0].packet_tag == TAG);
	assert_memory_equal(&c[0].out, &d, sizeof(d));
	assert_int_equal(poll_all(1, c, RTE_DIM(c)), 0);
	assert_int_equal(dfp_callout_handle_release(rt, h), DFP_STATUS_SUCCESS);
}

static void
test_complete_with_null_delivers_reauth(void **state)
{
	struct dfp_callout_completion c[4];
	uint64_t h;

	(void)state;
	rt_new(4, 0, 0);
	h = pended_on(0, TAG);
	assert_int_equal(dfp_callout_handle_complete(rt, h, NULL), DFP_STATUS_SUCCESS);
	assert_int_equal(poll_all(1, c, RTE_DIM(c)), 0);
	assert_int_equal(poll_all(0, c, RTE_DIM(c)), 1);
	assert_int_equal(c[0].kind, DFP_CALLOUT_COMPLETE_REAUTH);
	assert_true(c[0].handle == h);
	assert_true(c[0].flow_id == FLOW_ID);
	assert_int_equal(c[0].layer_id, DFP_LAYER_ALE_AUTH_CONNECT_V4);
	assert_int_equal(c[0].filter_id, FILTER_ID);
	assert_true(c[0].packet_tag == TAG);
	assert_int_equal(poll_all(0, c, RTE_DIM(c)), 0);
	assert_int_equal(dfp_callout_handle_release(rt, h), DFP_STATUS_SUCCESS);
}

static void
test_release_then_complete_frees_handle(void **state)
{
	struct dfp_callout_completion c[2];
	uint64_t h, h2;

	(void)state;
	rt_new(1, 0, 0);
	h = pended_on(0, TAG);
	assert_int_equal(dfp_callout_handle_release(rt, h), DFP_STATUS_SUCCESS);
	/* The pend's reference keeps it: still in use, still pended. */
	assert_int_equal(stats().handles_in_use, 1);
	assert_int_equal(stats().pended, 1);
	assert_int_equal(dfp_callout_handle_complete(rt, h, NULL), DFP_STATUS_SUCCESS);
	assert_int_equal(stats().handles_in_use, 0);
	assert_int_equal(poll_all(0, c, RTE_DIM(c)), 1);
	/* The one entry is reused under a new handle value. */
	h2 = acquire_at(DFP_LAYER_ALE_AUTH_CONNECT_V4, 0, 0);
	assert_true(h2 != h);
	assert_true((uint32_t)h2 == (uint32_t)h);
	assert_int_equal(dfp_callout_handle_release(rt, h2), DFP_STATUS_SUCCESS);
	assert_int_equal(stats().stale_handle_calls, 0);
}

static void
test_complete_then_release_frees_handle(void **state)
{
	struct dfp_callout_completion c[2];
	uint64_t h, h2;

	(void)state;
	rt_new(1, 0, 0);
	h = pended_on(0, TAG);
	assert_int_equal(dfp_callout_handle_complete(rt, h, NULL), DFP_STATUS_SUCCESS);
	/* The caller's reference keeps it. */
	assert_int_equal(stats().handles_in_use, 1);
	assert_int_equal(stats().pended, 0);
	assert_int_equal(dfp_callout_handle_release(rt, h), DFP_STATUS_SUCCESS);
	assert_int_equal(stats().handles_in_use, 0);
	assert_int_equal(poll_all(0, c, RTE_DIM(c)), 1);
	h2 = acquire_at(DFP_LAYER_ALE_AUTH_CONNECT_V4, 0, 0);
	assert_true(h2 != h);
	assert_int_equal(dfp_callout_handle_release(rt, h2), DFP_STATUS_SUCCESS);
	assert_int_equal(stats().stale_handle_calls, 0);
}

static void
test_double_release_is_invalid_and_counted(void **state)
{
	uint64_t h, p;

	(void)state;
	rt_new(2, 0, 0);
	/* Released while pended: the second release must not drop the pend's reference. */
	p = pended_on(0, TAG);
	assert_int_equal(dfp_callout_handle_release(rt, p), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_handle_release(rt, p), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(stats().stale_handle_calls, 1);
	assert_int_equal(stats().handles_in_use, 1);
	assert_int_equal(stats().pended, 1);
	assert_int_equal(dfp_callout_handle_complete(rt, p, NULL), DFP_STATUS_SUCCESS);
	/* Plain acquired handle, released twice. */
	h = acquire_at(DFP_LAYER_ALE_FLOW_ESTABLISHED_V4, 0, 0);
	assert_int_equal(dfp_callout_handle_release(rt, h), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_handle_release(rt, h), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(stats().stale_handle_calls, 2);
	assert_int_equal(stats().handles_in_use, 0);
	/* Handles that never existed. */
	assert_int_equal(dfp_callout_handle_release(rt, 0), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_callout_handle_release(rt, 3), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(stats().stale_handle_calls, 4);
}

static int
count_cb(void *arg, const struct dfp_callout_handle_info *h)
{
	(void)h;
	(*(unsigned int *)arg)++;
	return 0;
}

static unsigned int
n_listed(void)
{
	unsigned int n = 0;

	dfp_callout_handle_foreach(rt, count_cb, &n);
	return n;
}

static void
test_release_of_stale_handle_leaves_reused_entry_intact(void **state)
{
	struct dfp_callout_completion c[2];
	uint64_t old, h;

	(void)state;
	rt_new(1, 0, 0);
	old = acquire_at(DFP_LAYER_ALE_AUTH_CONNECT_V4, 0, 0);
	assert_int_equal(dfp_callout_handle_release(rt, old), DFP_STATUS_SUCCESS);
	h = pended_on(0, TAG);
	assert_true((uint32_t)h == (uint32_t)old);
	assert_int_equal(dfp_callout_handle_release(rt, old), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(stats().stale_handle_calls, 1);
	/* The reused entry is untouched: still held, pended, completable, releasable once. */
	assert_int_equal(stats().handles_in_use, 1);
	assert_int_equal(stats().pended, 1);
	assert_int_equal(n_listed(), 1);
	assert_int_equal(dfp_callout_handle_complete(rt, h, NULL), DFP_STATUS_SUCCESS);
	assert_int_equal(poll_all(0, c, RTE_DIM(c)), 1);
	assert_true(c[0].handle == h);
	assert_int_equal(dfp_callout_handle_release(rt, h), DFP_STATUS_SUCCESS);
	assert_int_equal(stats().handles_in_use, 0);
}

static void
test_complete_of_stale_handle_is_invalid_and_leaves_reused_entry_intact(void **state)
{
	struct dfp_callout_completion c[2];
	uint64_t old, h;

	(void)state;
	rt_new(1, 0, 0);
	old = pended_on(0, 1);
	assert_int_equal(dfp_callout_handle_complete(rt, old, NULL), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_handle_release(rt, old), DFP_STATUS_SUCCESS);
	assert_int_equal(poll_all(0, c, RTE_DIM(c)), 1);
	h = pended_on(0, 2);
	assert_int_equal(dfp_callout_handle_complete(rt, old, NULL), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(stats().stale_handle_calls, 1);
	assert_int_equal(stats().pended, 1);
	assert_int_equal(poll_all(0, c, RTE_DIM(c)), 0);
	assert_int_equal(dfp_callout_handle_complete(rt, h, NULL), DFP_STATUS_SUCCESS);
	assert_int_equal(poll_all(0, c, RTE_DIM(c)), 1);
	assert_true(c[0].packet_tag == 2);
	assert_int_equal(dfp_callout_handle_release(rt, h), DFP_STATUS_SUCCESS);
}

static void
test_complete_of_unpended_handle_is_invalid(void **state)
{
	struct dfp_callout_completion c[2];
	uint64_t h;

	(void)state;
	rt_new(2, 0, 0);
	h = acquire_at(DFP_LAYER_ALE_AUTH_CONNECT_V4, 0, 0);
	assert_int_equal(dfp_callout_handle_complete(rt, h, NULL), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(stats().stale_handle_calls, 1);
	assert_int_equal(poll_all(0, c, RTE_DIM(c)), 0);
	/* Still an ordinary acquired handle. */
	assert_int_equal(dfp_callout_handle_release(rt, h), DFP_STATUS_SUCCESS);
	assert_int_equal(stats().handles_in_use, 0);
}

static void
test_complete_twice_is_invalid(void **state)
{
	struct dfp_callout_completion c[4];
	uint64_t h;

	(void)state;
	rt_new(2, 0, 0);
	h = pended_on(0, TAG);
	assert_int_equal(dfp_callout_handle_complete(rt, h, NULL), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_handle_complete(rt, h, NULL), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(stats().stale_handle_calls, 1);
	assert_int_equal(stats().handles_in_use, 1);
	assert_int_equal(poll_all(0, c, RTE_DIM(c)), 1);
	assert_int_equal(dfp_callout_handle_release(rt, h), DFP_STATUS_SUCCESS);
	assert_int_equal(stats().handles_in_use, 0);
}

static void
test_complete_on_full_ring_fails_and_pend_stays_completable(void **state)
{
	struct dfp_callout_completion c[4];
	uint64_t h[3];
	unsigned int i;

	(void)state;
	rt_new(4, 2, 0);
	for (i = 0; i < RTE_DIM(h); i++) {
		h[i] = pended_on(0, i);
		assert_int_equal(dfp_callout_handle_release(rt, h[i]), DFP_STATUS_SUCCESS);
	}
	assert_int_equal(dfp_callout_handle_complete(rt, h[0], NULL), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_handle_complete(rt, h[1], NULL), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_handle_complete(rt, h[2], NULL),
		DFP_STATUS_INSUFFICIENT_RESOURCES);
	assert_int_equal(stats().ring_full, 1);
	assert_int_equal(stats().pended, 1);
	assert_int_equal(stats().handles_in_use, 1);
	/* The other worker's ring is separate. */
	assert_int_equal(poll_all(1, c, RTE_DIM(c)), 0);
	assert_int_equal(poll_all(0, c, RTE_DIM(c)), 2);
	assert_int_equal(dfp_callout_handle_complete(rt, h[2], NULL), DFP_STATUS_SUCCESS);
	assert_int_equal(poll_all(0, c, RTE_DIM(c)), 1);
	assert_true(c[0].handle == h[2] && c[0].packet_tag == 2);
	assert_int_equal(stats().handles_in_use, 0);
	assert_int_equal(stats().stale_handle_calls, 0);
}

static dfp_status_t
notify_ok(void *ctx, enum dfp_notify_type type, const struct dfp_guid *key,
		struct dfp_engine_filter_rt *filter)
{
	(void)ctx;
	(void)type;
	(void)key;
	(void)filter;
	return DFP_STATUS_SUCCESS;
}

static void
classify_nop(const struct dfp_callout_classify_in *in, const struct dfp_engine_filter_rt *filter,
		uint64_t flow_context, struct dfp_classify_out *out)
{
	(void)in;
	(void)filter;
	(void)flow_context;
	(void)out;
}

static void
register_callout(uint32_t id, uint32_t pend_default)
{
	struct dfp_callout_desc d;

	memset(&d, 0, sizeof(d));
	d.key.data1 = id;
	d.classify = classify_nop;
	d.notify = notify_ok;
	d.pend_default_action = pend_default;
	d.name = "pender";
	assert_int_equal(dfp_callout_register(rt, &d, id), DFP_STATUS_SUCCESS);
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void
test_expire_completes_only_old_pends_with_default_action(void **state)
{
	struct dfp_callout_completion c[4];
	uint64_t old, young;

	(void)state;
	rt_new(4, 0, 100);
	register_callout(CALLOUT_ID, DFP_ACTION_PERMIT);
	old = pended_on(1, 1);
	sleep_ms(150);
	young = pended_on(1, 2);
	assert_int_equal(dfp_callout_pend_expire(rt), 1);
	assert_int_equal(stats().pend_timeouts, 1);
	assert_int_equal(stats().pended, 1);
	assert_int_equal(poll_all(1, c, RTE_DIM(c)), 1);
	assert_int_equal(c[0].kind, DFP_CALLOUT_COMPLETE_TIMEOUT);
	assert_true(c[0].handle == old && c[0].packet_tag == 1);
	assert_int_equal(c[0].filter_id, FILTER_ID);
	assert_int_equal(c[0].out.action_type, DFP_ACTION_PERMIT);
	assert_int_equal(c[0].out.rights & DFP_RIGHT_ACTION_WRITE, 0);
	/* Timed out: a late completion is refused; the caller still releases. */
	assert_int_equal(dfp_callout_handle_complete(rt, old, NULL), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_callout_handle_release(rt, old), DFP_STATUS_SUCCESS);
	/* Nothing else is old yet; expiring again changes nothing. */
	assert_int_equal(dfp_callout_pend_expire(rt), 0);
	assert_int_equal(dfp_callout_handle_complete(rt, young, NULL), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_handle_release(rt, young), DFP_STATUS_SUCCESS);
	assert_int_equal(poll_all(1, c, RTE_DIM(c)), 1);
	assert_int_equal(c[0].kind, DFP_CALLOUT_COMPLETE_REAUTH);
	assert_int_equal(dfp_callout_unregister_by_id(rt, CALLOUT_ID), DFP_STATUS_SUCCESS);
}

static void
test_expire_all_completes_young_pends_with_default_action(void **state)
{
	struct dfp_callout_completion c[4];
	uint64_t a, b;

	(void)state;
	rt_new(4, 0, 60000);
	register_callout(CALLOUT_ID, DFP_ACTION_PERMIT);
	a = pended_on(1, 1);
	b = pended_on(1, 2);
	/* The timeout is a minute away: plain expiry leaves both. */
	assert_int_equal(dfp_callout_pend_expire(rt), 0);
	assert_int_equal(dfp_callout_pend_expire_all(rt), 2);
	assert_int_equal(stats().pended, 0);
	assert_int_equal(poll_all(1, c, RTE_DIM(c)), 2);
	assert_int_equal(c[0].kind, DFP_CALLOUT_COMPLETE_TIMEOUT);
	assert_int_equal(c[0].out.action_type, DFP_ACTION_PERMIT);
	assert_int_equal(c[1].kind, DFP_CALLOUT_COMPLETE_TIMEOUT);
	assert_int_equal(dfp_callout_pend_expire_all(rt), 0);
	assert_int_equal(dfp_callout_handle_release(rt, a), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_handle_release(rt, b), DFP_STATUS_SUCCESS);
	assert_int_equal(stats().handles_in_use, 0);
	assert_int_equal(dfp_callout_unregister_by_id(rt, CALLOUT_ID), DFP_STATUS_SUCCESS);
}

static void
test_expire_without_registration_blocks(void **state)
{
	struct dfp_callout_completion c[2];
	uint64_t h;

	(void)state;
	rt_new(4, 0, 10);
	h = pended_on(0, 1);
	assert_int_equal(dfp_callout_handle_release(rt, h), DFP_STATUS_SUCCESS);
	sleep_ms(30);
	assert_int_equal(dfp_callout_pend_expire(rt), 1);
	assert_int_equal(poll_all(0, c, RTE_DIM(c)), 1);
	assert_int_equal(c[0].kind, DFP_CALLOUT_COMPLETE_TIMEOUT);
	assert_int_equal(c[0].out.action_type, DFP_ACTION_BLOCK);
	assert_int_equal(stats().handles_in_use, 0);
}

#define RACE_N 4096

struct race {
	uint64_t h[RACE_N];
	unsigned int completed;   /* By the completer thread. */
	unsigned int expired;     /* By the expire thread. */
	unsigned int lost;        /* Completer got INVALID_PARAMETER. */
	pthread_barrier_t go;
};

static void *
race_completer(void *arg)
{
	struct race *r = arg;
	dfp_status_t st;
	unsigned int i;

	pthread_barrier_wait(&r->go);
	/* Downwards, against expire's upward scan, so that they meet. */
	for (i = RACE_N; i-- > 0;) {
		while ((st = dfp_callout_handle_complete(rt, r->h[i], NULL)) ==
				DFP_STATUS_INSUFFICIENT_RESOURCES)
			sched_yield();
		if (st == DFP_STATUS_SUCCESS)
			r->completed++;
		else
			r->lost++;
	}
	return NULL;
}

static void *
race_expirer(void *arg)
{
	struct race *r = arg;

	pthread_barrier_wait(&r->go);
	r->expired += dfp_callout_pend_expire(rt);
	r->expired += dfp_callout_pend_expire(rt);
	return NULL;
}

static void
test_expire_racing_complete_yields_exactly_one_completion(void **state)
{
	struct dfp_callout_completion c[64];
	static uint8_t seen[RACE_N];
	pthread_t a, b;
	unsigned int i, n, got = 0, timeouts = 0;
	struct race r;

	(void)state;
	rt_new(RACE_N, RACE_N * 2, 1);
	memset(&r, 0, sizeof(r));
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < RACE_N; i++) {
		r.h[i] = pended_on(0, i);
		assert_int_equal(dfp_callout_handle_release(rt, r.h[i]), DFP_STATUS_SUCCESS);
	}
	sleep_ms(5);
	pthread_barrier_init(&r.go, NULL, 2);
	assert_int_equal(pthread_create(&a, NULL, race_completer, &r), 0);
	assert_int_equal(pthread_create(&b, NULL, race_expirer, &r), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	pthread_barrier_destroy(&r.go);
	while ((n = poll_all(0, c, RTE_DIM(c))) != 0) {
		for (i = 0; i < n; i++) {
			assert_true(c[i].packet_tag < RACE_N);
			assert_int_equal(seen[c[i].packet_tag], 0);
			seen[c[i].packet_tag] = 1;
			assert_true(c[i].handle == r.h[c[i].packet_tag]);
			if (c[i].kind == DFP_CALLOUT_COMPLETE_TIMEOUT)
				timeouts++;
			else
				assert_int_equal(c[i].kind, DFP_CALLOUT_COMPLETE_REAUTH);
		}
		got += n;
	}
	print_message("race: %u completed, %u expired\n", r.completed, r.expired);
	assert_int_equal(got, RACE_N);
	assert_int_equal(r.completed + r.expired, RACE_N);
	assert_int_equal(r.lost, r.expired);
	assert_int_equal(timeouts, r.expired);
	assert_int_equal(stats().pend_timeouts, r.expired);
	assert_int_equal(stats().stale_handle_calls, r.lost);
	assert_int_equal(stats().handles_in_use, 0);
	assert_int_equal(stats().pended, 0);
}

struct listing {
	struct dfp_callout_handle_info h[4];
	unsigned int n;
};

static int
list_cb(void *arg, const struct dfp_callout_handle_info *h)
{
	struct listing *l = arg;

	if (l->n < RTE_DIM(l->h))
		l->h[l->n++] = *h;
	return 0;
}

static int
stop_cb(void *arg, const struct dfp_callout_handle_info *h)
{
	(void)h;
	(*(unsigned int *)arg)++;
	return 1;
}

static void
test_foreach_lists_held_handles_with_ages(void **state)
{
	struct dfp_callout_completion c[2];
	struct listing l;
	uint64_t a, p;
	unsigned int i, n = 0;

	(void)state;
	rt_new(8, 0, 0);
	assert_int_equal(n_listed(), 0);
	a = acquire_at(DFP_LAYER_ALE_FLOW_ESTABLISHED_V6, 1, 0);
	p = pended_on(0, TAG);
	sleep_ms(30);
	memset(&l, 0, sizeof(l));
	dfp_callout_handle_foreach(rt, list_cb, &l);
	assert_int_equal(l.n, 2);
	for (i = 0; i < l.n; i++) {
		assert_true(l.h[i].handle == a || l.h[i].handle == p);
		assert_true(l.h[i].flow_id == FLOW_ID);
		assert_int_equal(l.h[i].callout_id, CALLOUT_ID);
		assert_true(l.h[i].age_ms >= 25 && l.h[i].age_ms < 5000);
		if (l.h[i].handle == a) {
			assert_int_equal(l.h[i].layer_id, DFP_LAYER_ALE_FLOW_ESTABLISHED_V6);
			assert_false(l.h[i].pended);
		} else {
			assert_int_equal(l.h[i].layer_id, DFP_LAYER_ALE_AUTH_CONNECT_V4);
			assert_true(l.h[i].pended);
		}
	}
	/* A non-zero return stops the walk. */
	dfp_callout_handle_foreach(rt, stop_cb, &n);
	assert_int_equal(n, 1);
	/* Released but still pended: still listed; completed and released: gone. */
	assert_int_equal(dfp_callout_handle_release(rt, p), DFP_STATUS_SUCCESS);
	assert_int_equal(n_listed(), 2);
	assert_int_equal(dfp_callout_handle_complete(rt, p, NULL), DFP_STATUS_SUCCESS);
	assert_int_equal(poll_all(0, c, RTE_DIM(c)), 1);
	memset(&l, 0, sizeof(l));
	dfp_callout_handle_foreach(rt, list_cb, &l);
	assert_int_equal(l.n, 1);
	assert_true(l.h[0].handle == a);
	assert_int_equal(dfp_callout_handle_release(rt, a), DFP_STATUS_SUCCESS);
	assert_int_equal(n_listed(), 0);
}

static void
test_poll_of_unknown_worker_returns_nothing(void **state)
{
	struct dfp_callout_completion c[2];

	(void)state;
	rt_new(2, 0, 0);
	assert_int_equal(dfp_callout_completion_poll(rt, 2, c, RTE_DIM(c)), 0);
	assert_int_equal(dfp_callout_completion_poll(rt, 0, NULL, 2), 0);
	assert_int_equal(dfp_callout_completion_poll(NULL, 0, c, 2), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_acquire_gives_distinct_nonzero_handles, teardown),
		cmocka_unit_test_teardown(test_acquire_when_exhausted_returns_insufficient_resources,
			teardown),
		cmocka_unit_test_teardown(test_acquire_with_null_arguments_is_invalid, teardown),
		cmocka_unit_test_teardown(test_pend_at_ale_auth_layers_sets_block_absorb_and_clears_right,
			teardown),
		cmocka_unit_test_teardown(test_pend_at_flow_established_cannot_pend, teardown),
		cmocka_unit_test_teardown(test_pend_at_packet_layer_cannot_pend, teardown),
		cmocka_unit_test_teardown(test_pend_during_reauthorization_cannot_pend, teardown),
		cmocka_unit_test_teardown(test_pend_twice_is_invalid, teardown),
		cmocka_unit_test_teardown(test_complete_with_decision_delivers_one_completion_to_owner,
			teardown),
		cmocka_unit_test_teardown(test_complete_with_null_delivers_reauth, teardown),
		cmocka_unit_test_teardown(test_release_then_complete_frees_handle, teardown),
		cmocka_unit_test_teardown(test_complete_then_release_frees_handle, teardown),
		cmocka_unit_test_teardown(test_double_release_is_invalid_and_counted, teardown),
		cmocka_unit_test_teardown(test_release_of_stale_handle_leaves_reused_entry_intact,
			teardown),
		cmocka_unit_test_teardown(
			test_complete_of_stale_handle_is_invalid_and_leaves_reused_entry_intact, teardown),
		cmocka_unit_test_teardown(test_complete_of_unpended_handle_is_invalid, teardown),
		cmocka_unit_test_teardown(test_complete_twice_is_invalid, teardown),
		cmocka_unit_test_teardown(test_complete_on_full_ring_fails_and_pend_stays_completable,
			teardown),
		cmocka_unit_test_teardown(test_expire_completes_only_old_pends_with_default_action,
			teardown),
		cmocka_unit_test_teardown(test_expire_all_completes_young_pends_with_default_action,
			teardown),
		cmocka_unit_test_teardown(test_expire_without_registration_blocks, teardown),
		cmocka_unit_test_teardown(test_expire_racing_complete_yields_exactly_one_completion,
			teardown),
		cmocka_unit_test_teardown(test_foreach_lists_held_handles_with_ages, teardown),
		cmocka_unit_test_teardown(test_poll_of_unknown_worker_returns_nothing, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
