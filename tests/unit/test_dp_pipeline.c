/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath through real PMDs in-process: two net_ring ports (outside and
 * inside, peers of each other), one worker lcore, frames injected into the
 * ports' rx rings and collected from their tx rings. Every wait is bounded.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cmocka.h>

#include "dfp_callout.h"
#include "dfp_ctl.h"
#include "dfp_dp.h"
#include "dfp_flow.h"
#include "test_eal.h"

#define WAIT_MS 3000

struct port_rings {
	struct rte_ring *rx;      /* The test enqueues here: the port receives it. */
	struct rte_ring *tx;      /* The port transmits here: the test dequeues it. */
	uint16_t port_id;
};

struct fx {
	struct dfp_ctl *ctl;
	struct dfp_ctl_session *s;
	struct dfp_dp *dp;
	struct rte_mempool *pool;
	struct port_rings out;    /* Outside port: arrivals are INBOUND. */
	struct port_rings in;     /* Inside port: arrivals are OUTBOUND. */
};

static unsigned int fx_seq;

/* ---- Frames ---- */

struct frame_spec {
	const char *src, *dst;
	uint16_t sport, dport;
	uint8_t proto;
	uint8_t tcp_flags;
	uint16_t payload;
	uint16_t ip_id;
};

static uint16_t
be16(uint16_t v)
{
	return htons(v);
}

static struct rte_mbuf *
frame_make(struct fx *f, const struct frame_spec *fs)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(f->pool);
	uint16_t l4 = fs->proto == 6 ? 20 : 8;
	uint16_t ip_len = (uint16_t)(20 + l4 + fs->payload);
	uint8_t *b;
	uint32_t a;

	assert_non_null(m);
	b = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(14 + ip_len));
	assert_non_null(b);
	memset(b, 0, 14u + ip_len);
	memcpy(b, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	b[14] = 0x45;
	*(uint16_t *)(b + 16) = be16(ip_len);
	*(uint16_t *)(b + 18) = be16(fs->ip_id);
	b[22] = 64;
	b[23] = fs->proto;
	inet_pton(AF_INET, fs->src, &a);
	memcpy(b + 26, &a, 4);
	inet_pton(AF_INET, fs->dst, &a);
	memcpy(b + 30, &a, 4);
	*(uint16_t *)(b + 34) = be16(fs->sport);
	*(uint16_t *)(b + 36) = be16(fs->dport);
	if (fs->proto == 6) {
		b[46] = 5 << 4;
		b[47] = fs->tcp_flags;
	} else {
		*(uint16_t *)(b + 38) = be16((uint16_t)(8 + fs->payload));
	}
	return m;
}

static void
inject(struct port_rings *p, struct rte_mbuf *m)
{
	assert_int_equal(rte_ring_enqueue(p->rx, m), 0);
}

/* Time to wait when expecting that nothing comes out. */
#define QUIET_MS 300

/*
 * Wait until `want` frames came out of p (or time runs out); returns how
 * many. Expecting none (want 0) waits QUIET_MS for strays.
 */
static unsigned int
collect(struct port_rings *p, unsigned int want, struct rte_mbuf **keep, unsigned int keep_n)
{
	uint64_t end = rte_get_tsc_cycles() + rte_get_tsc_hz() * WAIT_MS / 1000;
	unsigned int got = 0;
	void *m;

	if (want == 0) {
		want = 1;
		end = rte_get_tsc_cycles() + rte_get_tsc_hz() * QUIET_MS / 1000;
	}
	while (got < want && rte_get_tsc_cycles() < end) {
		if (rte_ring_dequeue(p->tx, &m) != 0) {
			usleep(200);
			continue;
		}
		if (got < keep_n && keep != NULL)
			keep[got] = m;
		else
			rte_pktmbuf_free(m);
		got++;
	}
	return got;
}

/* Let the worker finish what it has (rings empty, then a little more). */
static void
settle(struct fx *f)
{
	uint64_t end = rte_get_tsc_cycles() + rte_get_tsc_hz() * WAIT_MS / 1000;

	while ((rte_ring_count(f->out.rx) || rte_ring_count(f->in.rx)) &&
			rte_get_tsc_cycles() < end)
		usleep(200);
	usleep(20000);
}

static void
stats(struct fx *f, struct dfp_dp_stats *s)
{
	dfp_dp_stats_get(f->dp, s);
}

/* ---- Fixture ---- */

static void
rings_make(struct port_rings *p, const char *name)
{
	char n[64];
	int rc;

	snprintf(n, sizeof(n), "%s_rx%u", name, fx_seq);
	p->rx = rte_ring_create(n, 1024, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(n, sizeof(n), "%s_tx%u", name, fx_seq);
	p->tx = rte_ring_create(n, 1024, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(p->rx);
	assert_non_null(p->tx);
	snprintf(n, sizeof(n), "dfp_%s%u", name, fx_seq);
	rc = rte_eth_from_rings(n, &p->rx, 1, &p->tx, 1, (unsigned int)rte_socket_id());
	assert_true(rc >= 0);
	p->port_id = (uint16_t)rc;
}

static int
setup(void **state)
{
	struct dfp_ctl_params cp;
	struct dfp_dp_conf c;
	struct fx *f;
	char n[64];

	if (rte_lcore_count() < 2)
		return -1;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -1;
	fx_seq++;
	snprintf(n, sizeof(n), "dp_test_pool%u", fx_seq);
	f->pool = rte_pktmbuf_pool_create(n, 4096, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
		(int)rte_socket_id());
	if (f->pool == NULL)
		return -1;
	rings_make(&f->out, "o");
	rings_make(&f->in, "i");
	memset(&cp, 0, sizeof(cp));
	cp.n_workers = 1;
	cp.pend_timeout_ms = 500;
	if (dfp_ctl_create(&cp, &f->ctl) != DFP_STATUS_SUCCESS ||
			dfp_ctl_session_open(f->ctl, 0, &f->s) != DFP_STATUS_SUCCESS)
		return -1;
	memset(&c, 0, sizeof(c));
	c.n_ports = 2;
	snprintf(c.ports[0].name, sizeof(c.ports[0].name), "wan");
	c.ports[0].port_id = f->out.port_id;
	c.ports[0].role = DFP_DP_ROLE_OUTSIDE;
	c.ports[0].peer = 1;
	c.ports[0].rx_queues = 1;
	snprintf(c.ports[1].name, sizeof(c.ports[1].name), "lan");
	c.ports[1].port_id = f->in.port_id;
	c.ports[1].role = DFP_DP_ROLE_INSIDE;
	c.ports[1].peer = 0;
	c.ports[1].rx_queues = 1;
	c.n_workers = 1;
	c.worker_lcores[0] = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	c.burst = 32;
	c.flow_capacity = 1024;
	c.idle_timeout_s = 60;
	c.hold_packets = 8;
	c.mbufs = 8192;
	if (dfp_dp_create(&c, f->ctl, &f->dp) != DFP_STATUS_SUCCESS ||
			dfp_dp_start(f->dp) != DFP_STATUS_SUCCESS)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	if (f == NULL)
		return 0;
	dfp_dp_stop(f->dp);
	dfp_dp_free(f->dp);
	dfp_ctl_session_close(f->s);
	dfp_ctl_destroy(f->ctl);
	rte_ring_free(f->out.rx);
	rte_ring_free(f->out.tx);
	rte_ring_free(f->in.rx);
	rte_ring_free(f->in.tx);
	rte_mempool_free(f->pool);
	free(f);
	return 0;
}

static void
add_port_filter(struct fx *f, uint16_t layer, uint16_t local_port, uint32_t action)
{
	struct dfp_engine_filter_spec spec;
	struct dfp_engine_cond c;

	memset(&c, 0, sizeof(c));
	c.field = DFP_FIELD_IP_LOCAL_PORT;
	c.match = DFP_MATCH_EQUAL;
	c.value.lo = local_port;
	memset(&spec, 0, sizeof(spec));
	spec.name = "port-filter";
	spec.layer_id = layer;
	spec.weight_type = DFP_ENGINE_WEIGHT_EXPLICIT;
	spec.weight = 10;
	spec.action = action;
	spec.conds = &c;
	spec.n_conds = 1;
	assert_int_equal(dfp_ctl_filter_add(f->s, &spec, NULL), DFP_STATUS_SUCCESS);
}

/* ---- Tests ---- */

static void
test_dp_forwards_between_peers_both_ways(void **state)
{
	struct frame_spec in = {"198.51.100.1", "192.0.2.1", 5000, 53, 17, 0, 10, 1};
	struct frame_spec out = {"192.0.2.1", "198.51.100.1", 53, 5000, 17, 0, 10, 2};
	struct fx *f = *state;
	struct dfp_dp_stats s;

	inject(&f->out, frame_make(f, &in));
	assert_int_equal(collect(&f->in, 1, NULL, 0), 1);
	inject(&f->in, frame_make(f, &out));
	assert_int_equal(collect(&f->out, 1, NULL, 0), 1);
	settle(f);
	stats(f, &s);
	assert_int_equal(s.rx_packets, 2);
	assert_int_equal(s.tx_packets, 2);
	assert_int_equal(s.flows_created, 1);
}

static void
test_dp_block_at_inbound_transport_drops_and_counts(void **state)
{
	struct frame_spec telnet = {"198.51.100.1", "192.0.2.1", 40000, 23, 6, 0x02, 0, 3};
	struct frame_spec web = {"198.51.100.1", "192.0.2.1", 40001, 80, 6, 0x02, 0, 4};
	struct fx *f = *state;
	struct dfp_dp_stats s;

	add_port_filter(f, DFP_LAYER_INBOUND_TRANSPORT_V4, 23, DFP_ACTION_BLOCK);
	inject(&f->out, frame_make(f, &telnet));
	inject(&f->out, frame_make(f, &web));
	assert_int_equal(collect(&f->in, 1, NULL, 0), 1);
	settle(f);
	stats(f, &s);
	assert_int_equal(s.drops[DFP_DP_DROP_FILTER_BLOCK], 1);
	assert_int_equal(s.rx_packets, s.tx_packets + s.drops[DFP_DP_DROP_FILTER_BLOCK]);
}

static void
test_dp_truncated_frame_is_dropped_by_reason(void **state)
{
	struct frame_spec fs = {"198.51.100.1", "192.0.2.1", 1, 2, 17, 0, 0, 5};
	struct fx *f = *state;
	struct dfp_dp_stats s;
	struct rte_mbuf *m = frame_make(f, &fs);

	/* Cut inside the IPv4 header. */
	rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - 20);
	inject(&f->out, m);
	settle(f);
	stats(f, &s);
	assert_int_equal(s.rx_packets, 1);
	assert_int_equal(s.tx_packets, 0);
	assert_int_equal(s.drops[DFP_DP_DROP_L3_TRUNCATED], 1);
}

static void
test_dp_ale_block_blocks_the_whole_flow(void **state)
{
	struct frame_spec fs = {"198.51.100.9", "192.0.2.1", 7000, 9999, 17, 0, 4, 6};
	struct fx *f = *state;
	struct dfp_dp_stats s;

	add_port_filter(f, DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, 9999, DFP_ACTION_BLOCK);
	inject(&f->out, frame_make(f, &fs));
	inject(&f->out, frame_make(f, &fs));
	settle(f);
	assert_int_equal(collect(&f->in, 0, NULL, 0), 0);
	stats(f, &s);
	assert_int_equal(s.flows_created, 1);
	assert_int_equal(s.drops[DFP_DP_DROP_FILTER_BLOCK], 2);
}

/* ---- Pend: a callout at ALE_AUTH_RECV_ACCEPT that pends every new flow ---- */

static uint64_t pended_handle;

static void
pend_classify(const struct dfp_callout_classify_in *in, const struct dfp_engine_filter_rt *filter,
		uint64_t flow_context, struct dfp_classify_out *out)
{
	struct dfp_callout_rt *rt = in->callout_ctx;
	uint64_t h;

	(void)flow_context;
	if (!(out->rights & DFP_RIGHT_ACTION_WRITE))
		return;
	if (dfp_callout_handle_acquire(rt, in->classify_context, &h) != DFP_STATUS_SUCCESS)
		return;
	if (dfp_callout_handle_pend(rt, h, filter->filter_id, out) == DFP_STATUS_SUCCESS)
		__atomic_store_n(&pended_handle, h, __ATOMIC_RELEASE);
	else
		dfp_callout_handle_release(rt, h);
}

static dfp_status_t
pend_notify(void *ctx, enum dfp_notify_type type, const struct dfp_guid *key,
		struct dfp_engine_filter_rt *filter)
{
	(void)ctx;
	(void)type;
	(void)key;
	(void)filter;
	return DFP_STATUS_SUCCESS;
}

static void
pend_setup(struct fx *f, uint16_t port)
{
	struct dfp_engine_callout_spec cs;
	struct dfp_engine_filter_spec spec;
	struct dfp_callout_desc d;
	struct dfp_engine_cond c;

	memset(&d, 0, sizeof(d));
	dfp_guid_generate(&d.key);
	d.classify = pend_classify;
	d.notify = pend_notify;
	d.ctx = dfp_ctl_callouts(f->ctl);
	d.name = "pender";
	assert_int_equal(dfp_ctl_callout_register(f->ctl, &d, NULL), DFP_STATUS_SUCCESS);
	memset(&cs, 0, sizeof(cs));
	cs.key = d.key;
	cs.name = "pender";
	cs.layer_id = DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4;
	assert_int_equal(dfp_ctl_callout_add(f->s, &cs, NULL), DFP_STATUS_SUCCESS);
	memset(&c, 0, sizeof(c));
	c.field = DFP_FIELD_IP_LOCAL_PORT;
	c.match = DFP_MATCH_EQUAL;
	c.value.lo = port;
	memset(&spec, 0, sizeof(spec));
	spec.name = "pend-filter";
	spec.layer_id = DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4;
	spec.action = DFP_ACTION_CALLOUT_TERMINATING;
	spec.callout_key = d.key;
	spec.conds = &c;
	spec.n_conds = 1;
	assert_int_equal(dfp_ctl_filter_add(f->s, &spec, NULL), DFP_STATUS_SUCCESS);
	__atomic_store_n(&pended_handle, 0, __ATOMIC_RELEASE);
}

static uint64_t
wait_pended(void)
{
	uint64_t end = rte_get_tsc_cycles() + rte_get_tsc_hz() * WAIT_MS / 1000;
	uint64_t h;

	while ((h = __atomic_load_n(&pended_handle, __ATOMIC_ACQUIRE)) == 0 &&
			rte_get_tsc_cycles() < end)
		usleep(200);
	return h;
}

static void
test_dp_pended_flow_holds_packets_then_permit_releases_them_in_order(void **state)
{
	struct frame_spec fs = {"198.51.100.7", "192.0.2.1", 6000, 7777, 17, 0, 0, 0};
	struct dfp_classify_out co = {.action_type = DFP_ACTION_PERMIT};
	struct rte_mbuf *got[4];
	struct fx *f = *state;
	struct dfp_dp_stats s;
	unsigned int i;
	uint64_t h;

	pend_setup(f, 7777);
	for (i = 0; i < 3; i++) {
		fs.ip_id = (uint16_t)(100 + i);
		inject(&f->out, frame_make(f, &fs));
	}
	h = wait_pended();
	assert_int_not_equal(h, 0);
	settle(f);
	stats(f, &s);
	assert_int_equal(s.held_now, 3);
	assert_int_equal(collect(&f->in, 0, NULL, 0), 0);

	assert_int_equal(dfp_callout_handle_complete(dfp_ctl_callouts(f->ctl), h, &co),
		DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_handle_release(dfp_ctl_callouts(f->ctl), h),
		DFP_STATUS_SUCCESS);
	assert_int_equal(collect(&f->in, 3, got, 3), 3);
	for (i = 0; i < 3; i++) {
		const uint8_t *b = rte_pktmbuf_mtod(got[i], const uint8_t *);

		/* In arrival order: IP identification 100, 101, 102. */
		assert_int_equal((b[18] << 8) | b[19], 100 + i);
		rte_pktmbuf_free(got[i]);
	}
	stats(f, &s);
	assert_int_equal(s.held_now, 0);
	assert_int_equal(s.released_packets, 3);
	assert_int_equal(s.pends, 1);
}

static void
test_dp_pended_flow_completed_with_block_drops_held_packets(void **state)
{
	struct frame_spec fs = {"198.51.100.8", "192.0.2.1", 6001, 7778, 17, 0, 0, 0};
	struct dfp_classify_out co = {.action_type = DFP_ACTION_BLOCK};
	struct fx *f = *state;
	struct dfp_dp_stats s;
	uint64_t h;

	pend_setup(f, 7778);
	inject(&f->out, frame_make(f, &fs));
	inject(&f->out, frame_make(f, &fs));
	h = wait_pended();
	assert_int_not_equal(h, 0);
	settle(f);
	assert_int_equal(dfp_callout_handle_complete(dfp_ctl_callouts(f->ctl), h, &co),
		DFP_STATUS_SUCCESS);
	dfp_callout_handle_release(dfp_ctl_callouts(f->ctl), h);
	settle(f);
	assert_int_equal(collect(&f->in, 0, NULL, 0), 0);
	stats(f, &s);
	assert_int_equal(s.drops[DFP_DP_DROP_PEND_BLOCKED], 2);
	assert_int_equal(s.held_now, 0);
	/* Later packets of the flow are blocked too. */
	inject(&f->out, frame_make(f, &fs));
	settle(f);
	stats(f, &s);
	assert_int_equal(s.drops[DFP_DP_DROP_FILTER_BLOCK], 1);
}

static void
test_dp_pend_timeout_completes_with_the_default(void **state)
{
	struct frame_spec fs = {"198.51.100.9", "192.0.2.1", 6002, 7779, 17, 0, 0, 0};
	struct fx *f = *state;
	struct dfp_dp_stats s;
	uint64_t end, h;

	pend_setup(f, 7779);
	inject(&f->out, frame_make(f, &fs));
	h = wait_pended();
	assert_int_not_equal(h, 0);
	/* The pend timeout is 500 ms; the callout's default is BLOCK. */
	end = rte_get_tsc_cycles() + rte_get_tsc_hz() * WAIT_MS / 1000;
	while (dfp_callout_pend_expire(dfp_ctl_callouts(f->ctl)) == 0 &&
			rte_get_tsc_cycles() < end)
		usleep(10000);
	dfp_callout_handle_release(dfp_ctl_callouts(f->ctl), h);
	settle(f);
	stats(f, &s);
	assert_int_equal(s.drops[DFP_DP_DROP_PEND_BLOCKED], 1);
	assert_int_equal(s.held_now, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dp_forwards_between_peers_both_ways, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_dp_block_at_inbound_transport_drops_and_counts,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_dp_truncated_frame_is_dropped_by_reason,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_dp_ale_block_blocks_the_whole_flow, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_dp_pended_flow_holds_packets_then_permit_releases_them_in_order,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_dp_pended_flow_completed_with_block_drops_held_packets, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_dp_pend_timeout_completes_with_the_default,
			setup, teardown),
	};

	if (dfp_test_eal_init(NULL, 0) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
