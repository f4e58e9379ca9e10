/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow layers classify a burst per layer (ALE_FLOW_ESTABLISHED, then
 * STREAM and DATAGRAM_DATA, one engine call per layer and family) with the
 * results of walking each packet to its end before the next, and the burst
 * leaves in arrival order. Whole bursts are injected at once
 * (rte_ring_enqueue_bulk), so the worker receives them in one
 * rte_eth_rx_burst(); recording callouts show which packets each layer
 * saw, and in what order.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cmocka.h>

#include "dfp_callout.h"
#include "dfp_ctl.h"
#include "dfp_dp.h"
#include "dp_fixture.h"
#include "test_eal.h"

#define CLIENT "198.51.100.40"
#define SERVER "192.0.2.40"

#define SYN 0x02
#define RST 0x04
#define ACK 0x10

#define REC_MAX 256

/* What one recording callout saw, in call order. Written by the worker only. */
struct rec {
	uint64_t calls;           /* Published with release; read with acquire. */
	uint16_t ids[REC_MAX];    /* IP id of each packet. */
	uint64_t flows[REC_MAX];  /* Flow handle of each call. */
	uint64_t seqs[REC_MAX];   /* Position among the calls of every recorder. */
};

static struct rec est_rec, data_rec, stream_rec;
static uint64_t rec_seq;

static uint16_t
ip_id_of(const struct rte_mbuf *m)
{
	const uint8_t *b = rte_pktmbuf_mtod(m, const uint8_t *);

	return (uint16_t)(b[14 + 4] << 8 | b[14 + 5]);
}

static void
rec_classify(const struct dfp_callout_classify_in *in, const struct dfp_engine_filter_rt *filter,
		uint64_t flow_context, struct dfp_classify_out *out)
{
	struct rec *r = in->callout_ctx;
	uint64_t n = r->calls;

	(void)filter;
	(void)flow_context;
	(void)out;
	if (n < REC_MAX) {
		r->ids[n] = ip_id_of(in->layer_data);
		r->flows[n] = in->meta->flow_handle;
		r->seqs[n] = ++rec_seq;
	}
	__atomic_store_n(&r->calls, n + 1, __ATOMIC_RELEASE);
}

static uint64_t
calls(const struct rec *r)
{
	return __atomic_load_n(&r->calls, __ATOMIC_ACQUIRE);
}

/* A recording inspection callout at `layer`, with a filter matching everything. */
static void
recorder(struct fx *f, const char *name, uint16_t layer, struct rec *r)
{
	struct dfp_guid key;

	memset(r, 0, sizeof(*r));
	fx_callout_add(f, name, layer, rec_classify, NULL, r, 0, &key);
	fx_filter_add(f, layer, DFP_ACTION_CALLOUT_INSPECTION, 10, NULL, 0, &key);
}

/* A block filter on IP_LOCAL_PORT == port, lighter than the recorders. */
static void
block_port(struct fx *f, uint16_t layer, uint16_t port)
{
	struct dfp_engine_cond c;

	memset(&c, 0, sizeof(c));
	c.field = DFP_FIELD_IP_LOCAL_PORT;
	c.match = DFP_MATCH_EQUAL;
	c.value.lo = port;
	fx_filter_add(f, layer, DFP_ACTION_BLOCK, 5, &c, 1, NULL);
}

static struct frame_spec
frame(uint8_t proto, bool from_client, uint16_t cport, uint16_t sport, uint8_t flags,
		uint16_t payload, uint16_t id)
{
	struct frame_spec fs = fx_conn_spec(CLIENT, SERVER, from_client, proto, cport, sport,
		flags, payload);

	fs.ip_id = id;
	return fs;
}

/* Inject n frames into p's rx ring at once (one burst for the worker). */
static void
inject_bulk(struct fx_port *p, struct rte_mbuf **m, unsigned int n)
{
	assert_int_equal(rte_ring_enqueue_bulk(p->rx, (void **)m, n, NULL), n);
}

/* Collect `want` frames from p and check their IP ids are `ids`, in order. */
static void
expect_in_order(struct fx_port *p, const uint16_t *ids, unsigned int want)
{
	struct rte_mbuf *got[REC_MAX];
	unsigned int i, n;

	n = fx_collect(p, want, got, REC_MAX);
	assert_int_equal(n, want);
	for (i = 0; i < n; i++) {
		assert_int_equal(ip_id_of(got[i]), ids[i]);
		rte_pktmbuf_free(got[i]);
	}
	assert_int_equal(fx_collect(p, 0, NULL, 0), 0);
}

/*
 * One burst of 26 frames through every case of the batch:
 * - 8 new UDP flows, two packets each, interleaved: each flow is
 *   established once (its second packet waits for the first's verdict);
 * - a UDP flow blocked at DATAGRAM_DATA and one blocked at
 *   ALE_FLOW_ESTABLISHED, two packets each: the second packet of the
 *   latter is dropped by the flow's BLOCKED phase, without another call;
 * - an established TCP flow's segments at STREAM, then its RST, then a
 *   SYN with the same 5-tuple, which must make a new flow;
 * - two non-IP frames.
 * The forwarded frames leave in arrival order.
 */
static void
test_dp_burst_classified_per_layer_is_walked_as_packet_by_packet_and_leaves_in_order(
		void **state)
{
	struct fx *f = *state;
	uint16_t fwd[32], data_ids[32], stream_ids[8];
	struct rte_mbuf *m[32];
	unsigned int n = 0, n_fwd = 0, n_data = 0, n_stream = 0, i, k;
	struct dfp_dp_stats s;
	struct frame_spec fs;
	uint16_t id = 100;

	recorder(f, "est", DFP_LAYER_ALE_FLOW_ESTABLISHED_V4, &est_rec);
	recorder(f, "data", DFP_LAYER_DATAGRAM_DATA_V4, &data_rec);
	recorder(f, "stream", DFP_LAYER_STREAM_V4, &stream_rec);
	block_port(f, DFP_LAYER_DATAGRAM_DATA_V4, 7777);
	block_port(f, DFP_LAYER_ALE_FLOW_ESTABLISHED_V4, 6666);

	/* The TCP flow, established before the burst (one frame at a time). */
	fs = frame(6, true, 40000, 80, SYN, 0, 1);
	fx_send(f, &f->out, &fs);
	assert_int_equal(fx_collect(&f->in, 1, NULL, 0), 1);
	fs = frame(6, false, 40000, 80, SYN | ACK, 0, 2);
	fx_send(f, &f->in, &fs);
	assert_int_equal(fx_collect(&f->out, 1, NULL, 0), 1);
	fs = frame(6, true, 40000, 80, ACK, 0, 3);
	fx_send(f, &f->out, &fs);
	assert_int_equal(fx_collect(&f->in, 1, NULL, 0), 1);
	assert_int_equal(calls(&est_rec), 1);
	memset(&est_rec, 0, sizeof(est_rec));

	for (k = 0; k < 2; k++) {
		for (i = 0; i < 8; i++) {
			fs = frame(17, true, (uint16_t)(30000 + i), 53, 0, 8, id);
			m[n++] = fx_frame(f, &fs);
			fwd[n_fwd++] = id;
			data_ids[n_data++] = id++;
			if (i == 3) {
				/* A TCP segment of the established flow. */
				fs = frame(6, true, 40000, 80, ACK, 10, id);
				m[n++] = fx_frame(f, &fs);
				fwd[n_fwd++] = id;
				stream_ids[n_stream++] = id++;
			}
		}
		fs = frame(17, true, 31000, 7777, 0, 8, id);
		m[n++] = fx_frame(f, &fs);
		data_ids[n_data++] = id++;
		fs = frame(17, true, 31001, 6666, 0, 8, id++);
		m[n++] = fx_frame(f, &fs);
		/* A non-IP frame (ARP's ethertype over the same bytes). */
		fs = frame(17, true, 31002, 9, 0, 8, id);
		m[n] = fx_frame(f, &fs);
		rte_pktmbuf_mtod(m[n], uint8_t *)[12] = 0x08;
		rte_pktmbuf_mtod(m[n], uint8_t *)[13] = 0x06;
		n++;
		fwd[n_fwd++] = id++;
	}
	/* The TCP flow's RST, then a new connection on the same 5-tuple. */
	fs = frame(6, true, 40000, 80, RST | ACK, 0, id);
	m[n++] = fx_frame(f, &fs);
	fwd[n_fwd++] = id++;
	fs = frame(6, true, 40000, 80, SYN, 0, id);
	m[n++] = fx_frame(f, &fs);
	fwd[n_fwd++] = id++;
	assert_int_equal(n, 26);

	inject_bulk(&f->out, m, n);
	expect_in_order(&f->in, fwd, n_fwd);
	fx_settle(f);

	/* Establishment: once per flow (8 + the two blocked ones), in walk order. */
	assert_int_equal(calls(&est_rec), 10);
	for (i = 0; i < 8; i++)
		assert_int_equal(est_rec.ids[i], 100 + i + (i > 3));
	/* Every UDP packet of a permitted flow reached DATAGRAM_DATA once, in order. */
	assert_int_equal(calls(&data_rec), n_data);
	for (i = 0; i < n_data; i++)
		assert_int_equal(data_rec.ids[i], data_ids[i]);
	/* The established flow's segments reached STREAM; its RST and the SYN did not. */
	assert_int_equal(calls(&stream_rec), n_stream);
	for (i = 0; i < n_stream; i++)
		assert_int_equal(stream_rec.ids[i], stream_ids[i]);
	assert_int_equal(stream_rec.flows[0], stream_rec.flows[1]);

	fx_stats(f, &s);
	/* 7777: both at DATAGRAM_DATA; 6666: the first at establishment, the second by phase. */
	assert_int_equal(s.drops[DFP_DP_DROP_FILTER_BLOCK], 4);
	assert_int_equal(fx_drops(&s), 4);
	/* TCP, 8 UDP, 7777, 6666, and the SYN's new flow after the RST ended the first. */
	assert_int_equal(s.flows_created, 12);
	assert_int_equal(s.flows_ended, 1);
	fx_assert_accounting(f);
}

/*
 * Bursts where every packet establishes a new flow: one classify call per
 * family at ALE_FLOW_ESTABLISHED, yet each flow is established exactly
 * once and every packet reaches DATAGRAM_DATA after its own flow's
 * establishment.
 */
static void
test_dp_burst_of_new_flows_establishes_each_once_before_its_data(void **state)
{
	enum { BURSTS = 4, PER = 32 };
	struct fx *f = *state;
	struct rte_mbuf *m[PER];
	struct dfp_dp_stats s;
	struct frame_spec fs;
	unsigned int b, i, k;
	uint16_t id = 1;

	rec_seq = 0;
	recorder(f, "est", DFP_LAYER_ALE_FLOW_ESTABLISHED_V4, &est_rec);
	recorder(f, "data", DFP_LAYER_DATAGRAM_DATA_V4, &data_rec);
	for (b = 0; b < BURSTS; b++) {
		for (i = 0; i < PER; i++) {
			/* Half the burst is new flows, half their second packets. */
			fs = frame(17, true, (uint16_t)(32000 + b * PER + i % (PER / 2)), 53, 0, 8,
				id++);
			m[i] = fx_frame(f, &fs);
		}
		inject_bulk(&f->out, m, PER);
		assert_int_equal(fx_collect(&f->in, PER, NULL, 0), PER);
	}
	fx_settle(f);
	assert_int_equal(calls(&est_rec), BURSTS * PER / 2);
	assert_int_equal(calls(&data_rec), BURSTS * PER);
	/* Each packet's data call came after its own flow's one establishment. */
	for (i = 0; i < BURSTS * PER; i++) {
		unsigned int found = 0;

		assert_int_equal(data_rec.ids[i], i + 1);
		for (k = 0; k < BURSTS * PER / 2; k++) {
			if (est_rec.flows[k] != data_rec.flows[i])
				continue;
			found++;
			assert_true(est_rec.seqs[k] < data_rec.seqs[i]);
		}
		assert_int_equal(found, 1);
	}
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, BURSTS * PER / 2);
	assert_int_equal(fx_drops(&s), 0);
	fx_assert_accounting(f);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_dp_burst_classified_per_layer_is_walked_as_packet_by_packet_and_leaves_in_order),
		T(test_dp_burst_of_new_flows_establishes_each_once_before_its_data),
	};

	if (dfp_test_eal_init(NULL, 0) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
