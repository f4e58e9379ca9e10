/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow behaviour of the datapath through real PMDs in-process
 * (dp_fixture.h): TCP establishment and teardown with flow contexts, UDP
 * establishment and DATAGRAM_DATA directions, idle aging, the full flow
 * table policies, VLANs and QinQ, IPv4 fragments, re-authorisation after a
 * commit, pended flows meeting TCP teardown, fragments and many releases at
 * once, and shutdown. Every test also checks that accounting closes:
 * rx_packets == tx_packets + drops + held_now (and the teardown checks it
 * again once the datapath stopped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <cmocka.h>

#include "dfp_callout.h"
#include "dfp_ctl.h"
#include "dfp_dp.h"
#include "dfp_flow.h"
#include "dp_fixture.h"
#include "test_eal.h"

/* Outside (remote) client and inside (local) server. */
#define CLIENT "198.51.100.20"
#define SERVER "192.0.2.10"

/* TCP flags. */
#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

/* ---- A probe: callouts at ALE_FLOW_ESTABLISHED, STREAM/DATAGRAM_DATA, ALE auth ---- */

#define PROBE_MAX 64
#define PROBE_CTX_BASE UINT64_C(0xC0DE0000)

/*
 * What the callouts saw. Static: flowDeleteFn may run after a test returns
 * (its teardown stops the datapath). Written by whichever thread classifies
 * (the worker, or the control thread while stopping); counters are
 * published with release stores and read with acquire loads.
 */
struct probe {
	struct fx *f;
	uint16_t data_layer;       /* STREAM_V4 or DATAGRAM_DATA_V4. */
	uint32_t data_id;          /* The companion callout at data_layer. */
	/* ALE_FLOW_ESTABLISHED_V4. */
	uint64_t est_calls;
	uint64_t est_assoc_failed;
	uint32_t est_dirs[PROBE_MAX];
	uint64_t est_flows[PROBE_MAX];
	/* data_layer. */
	uint64_t data_calls;
	uint32_t data_dirs[PROBE_MAX];
	uint64_t data_ctxs[PROBE_MAX];
	uint16_t data_payloads[PROBE_MAX];
	/* flowDeleteFn of the companion. */
	uint64_t deletes;
	uint64_t deleted[PROBE_MAX];
	uint64_t deleted_tsc;
	/* ALE_AUTH_RECV_ACCEPT_V4 inspection. */
	uint64_t ale_calls;
	uint32_t ale_flags[PROBE_MAX];
	uint32_t ale_reasons[PROBE_MAX];
};

static struct probe P;

static uint64_t
load(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_ACQUIRE);
}

/* The context associated at the n-th establishment (n from 1). */
static uint64_t
ctx_of(uint64_t n)
{
	return PROBE_CTX_BASE + n;
}

static void
est_classify(const struct dfp_callout_classify_in *in, const struct dfp_engine_filter_rt *filter,
		uint64_t flow_context, struct dfp_classify_out *out)
{
	struct probe *p = in->callout_ctx;
	uint64_t n = p->est_calls + 1;

	(void)filter;
	(void)flow_context;
	(void)out;
	if (n <= PROBE_MAX) {
		p->est_dirs[n - 1] = in->values->direction;
		p->est_flows[n - 1] = in->meta->flow_handle;
	}
	/* The msnmntr pattern: a context for the companion at the data layer. */
	if (!(in->meta->present & DFP_META_FLOW_HANDLE) ||
			dfp_callout_flow_associate(dfp_ctl_callouts(p->f->ctl),
				in->meta->flow_handle, p->data_layer, p->data_id,
				ctx_of(n)) != DFP_STATUS_SUCCESS)
		__atomic_store_n(&p->est_assoc_failed, p->est_assoc_failed + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&p->est_calls, n, __ATOMIC_RELEASE);
}

static void
data_classify(const struct dfp_callout_classify_in *in, const struct dfp_engine_filter_rt *filter,
		uint64_t flow_context, struct dfp_classify_out *out)
{
	struct probe *p = in->callout_ctx;
	const struct rte_mbuf *m = in->layer_data;
	uint64_t n = p->data_calls;

	(void)filter;
	(void)out;
	if (n < PROBE_MAX) {
		p->data_dirs[n] = in->values->direction;
		p->data_ctxs[n] = flow_context;
		p->data_payloads[n] = (uint16_t)(rte_pktmbuf_pkt_len(m) -
			(in->meta->ip_header_size + in->meta->transport_header_size + 14));
	}
	__atomic_store_n(&p->data_calls, n + 1, __ATOMIC_RELEASE);
}

static void
data_delete(void *ctx, uint16_t layer_id, uint32_t callout_id, uint64_t flow_context)
{
	struct probe *p = ctx;
	uint64_t n = p->deletes;

	if (layer_id != p->data_layer || callout_id != p->data_id)
		return;
	if (n < PROBE_MAX)
		p->deleted[n] = flow_context;
	p->deleted_tsc = rte_get_tsc_cycles();
	__atomic_store_n(&p->deletes, n + 1, __ATOMIC_RELEASE);
}

static void
ale_classify(const struct dfp_callout_classify_in *in, const struct dfp_engine_filter_rt *filter,
		uint64_t flow_context, struct dfp_classify_out *out)
{
	struct probe *p = in->callout_ctx;
	uint64_t n = p->ale_calls;

	(void)filter;
	(void)flow_context;
	(void)out;
	if (n < PROBE_MAX) {
		p->ale_flags[n] = in->values->flags;
		p->ale_reasons[n] = in->values->reauth_reason;
	}
	__atomic_store_n(&p->ale_calls, n + 1, __ATOMIC_RELEASE);
}

static void
probe_reset(struct fx *f)
{
	memset(&P, 0, sizeof(P));
	P.f = f;
}

/*
 * An inspection callout at ALE_FLOW_ESTABLISHED_V4 that associates a
 * context for its companion, an inspection callout at data_layer with a
 * flowDeleteFn. Both have one filter matching everything.
 */
static void
probe_flows(struct fx *f, uint16_t data_layer)
{
	struct dfp_guid est_key, data_key;

	probe_reset(f);
	P.data_layer = data_layer;
	P.data_id = fx_callout_add(f, "probe-data", data_layer, data_classify, data_delete, &P, 0,
		&data_key);
	fx_callout_add(f, "probe-est", DFP_LAYER_ALE_FLOW_ESTABLISHED_V4, est_classify, NULL, &P, 0,
		&est_key);
	fx_filter_add(f, data_layer, DFP_ACTION_CALLOUT_INSPECTION, 10, NULL, 0, &data_key);
	fx_filter_add(f, DFP_LAYER_ALE_FLOW_ESTABLISHED_V4, DFP_ACTION_CALLOUT_INSPECTION, 10, NULL,
		0, &est_key);
}

/* An inspection callout at ALE_AUTH_RECV_ACCEPT_V4, heavier than any other filter there. */
static void
probe_ale(struct fx *f)
{
	struct dfp_guid key;

	probe_reset(f);
	fx_callout_add(f, "probe-ale", DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, ale_classify, NULL, &P, 0,
		&key);
	fx_filter_add(f, DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, DFP_ACTION_CALLOUT_INSPECTION, 1000,
		NULL, 0, &key);
}

/* ---- Helpers ---- */

static struct frame_spec
tcp(bool from_client, uint16_t cport, uint8_t flags, uint16_t payload)
{
	return fx_conn_spec(CLIENT, SERVER, from_client, 6, cport, 80, flags, payload);
}

static struct frame_spec
udp(bool from_client, uint16_t cport, uint16_t sport_server, uint16_t payload)
{
	struct frame_spec fs;

	memset(&fs, 0, sizeof(fs));
	fs.src = from_client ? CLIENT : SERVER;
	fs.dst = from_client ? SERVER : CLIENT;
	fs.sport = from_client ? cport : sport_server;
	fs.dport = from_client ? sport_server : cport;
	fs.proto = 17;
	fs.payload = payload;
	return fs;
}

/* Send one frame from the client (outside) and expect it on the inside. */
static void
pass_in(struct fx *f, const struct frame_spec *fs)
{
	fx_send(f, &f->out, fs);
	assert_int_equal(fx_collect(&f->in, 1, NULL, 0), 1);
}

/* Send one frame from the server (inside) and expect it on the outside. */
static void
pass_out(struct fx *f, const struct frame_spec *fs)
{
	fx_send(f, &f->in, fs);
	assert_int_equal(fx_collect(&f->out, 1, NULL, 0), 1);
}

/* Client's SYN, server's SYN+ACK, client's ACK. */
static void
tcp_handshake(struct fx *f, uint16_t cport)
{
	struct frame_spec fs;

	fs = tcp(true, cport, SYN, 0);
	pass_in(f, &fs);
	fs = tcp(false, cport, SYN | ACK, 0);
	pass_out(f, &fs);
	fs = tcp(true, cport, ACK, 0);
	pass_in(f, &fs);
}

/* How many times v appears in the first n of a. */
static unsigned int
count_of(const uint64_t *a, uint64_t n, uint64_t v)
{
	unsigned int c = 0;
	uint64_t i;

	for (i = 0; i < n && i < PROBE_MAX; i++)
		c += a[i] == v;
	return c;
}

static void
assert_no_drops(struct fx *f)
{
	struct dfp_dp_stats s;

	fx_settle(f);
	fx_stats(f, &s);
	assert_int_equal(fx_drops(&s), 0);
	assert_int_equal(s.rx_packets, s.tx_packets);
}

/*
 * An IPv4 UDP datagram to port dport in three fragments: the first carries
 * the UDP header and 16 bytes, the others 24 and 8 bytes.
 */
static void
fragments(struct frame_spec fs[3], uint16_t dport, uint16_t id)
{
	unsigned int i;

	for (i = 0; i < 3; i++) {
		fs[i] = udp(true, 9000, dport, 0);
		fs[i].ip_id = id;
	}
	fs[0].payload = 16;
	fs[0].more_frags = true;
	fs[1].frag_off = 24;
	fs[1].payload = 24;
	fs[1].more_frags = true;
	fs[2].frag_off = 48;
	fs[2].payload = 8;
}

/* ---- 1. TCP establishment and teardown ---- */

static void
test_dp_tcp_established_once_at_the_final_ack(void **state)
{
	struct fx *f = *state;
	struct frame_spec fs;

	probe_flows(f, DFP_LAYER_STREAM_V4);
	fs = tcp(true, 40000, SYN, 0);
	pass_in(f, &fs);
	fs = tcp(false, 40000, SYN | ACK, 0);
	pass_out(f, &fs);
	fx_settle(f);
	assert_int_equal(load(&P.est_calls), 0);
	fs = tcp(true, 40000, ACK, 0);
	pass_in(f, &fs);
	assert_int_equal(fx_wait_u64(&P.est_calls, 1, FX_WAIT_MS), 1);
	/* Later segments do not establish it again. */
	fs = tcp(false, 40000, ACK, 0);
	pass_out(f, &fs);
	fs = tcp(true, 40000, ACK, 0);
	pass_in(f, &fs);
	fx_settle(f);
	assert_int_equal(load(&P.est_calls), 1);
	assert_int_equal(P.est_dirs[0], DFP_DIRECTION_INBOUND);
	assert_int_equal(load(&P.est_assoc_failed), 0);
	assert_no_drops(f);
	fx_assert_accounting(f);
}

static void
test_dp_tcp_stream_sees_data_with_the_flow_context(void **state)
{
	struct fx *f = *state;
	struct frame_spec fs;

	probe_flows(f, DFP_LAYER_STREAM_V4);
	tcp_handshake(f, 40001);
	/* A bare ACK has no payload: not a STREAM indication. */
	fx_settle(f);
	assert_int_equal(load(&P.data_calls), 0);
	fs = tcp(true, 40001, ACK | PSH, 100);
	pass_in(f, &fs);
	fs = tcp(false, 40001, ACK | PSH, 200);
	pass_out(f, &fs);
	fs = tcp(true, 40001, ACK, 0);
	pass_in(f, &fs);
	assert_int_equal(fx_wait_u64(&P.data_calls, 2, FX_WAIT_MS), 2);
	fx_settle(f);
	assert_int_equal(load(&P.data_calls), 2);
	assert_int_equal(P.data_ctxs[0], ctx_of(1));
	assert_int_equal(P.data_ctxs[1], ctx_of(1));
	assert_int_equal(P.data_dirs[0], DFP_DIRECTION_INBOUND);
	assert_int_equal(P.data_dirs[1], DFP_DIRECTION_OUTBOUND);
	assert_int_equal(P.data_payloads[0], 100);
	assert_int_equal(P.data_payloads[1], 200);
	assert_no_drops(f);
	fx_assert_accounting(f);
}

static void
test_dp_tcp_fin_fin_ack_ends_the_flow_and_deletes_its_context_once(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;
	struct frame_spec fs;

	probe_flows(f, DFP_LAYER_STREAM_V4);
	tcp_handshake(f, 40002);
	fs = tcp(true, 40002, ACK | PSH, 10);
	pass_in(f, &fs);
	fs = tcp(true, 40002, FIN | ACK, 0);
	pass_in(f, &fs);
	fs = tcp(false, 40002, FIN | ACK, 0);
	pass_out(f, &fs);
	fx_settle(f);
	/* Both FINs seen, the last ACK not yet: the flow lives. */
	assert_int_equal(load(&P.deletes), 0);
	fs = tcp(true, 40002, ACK, 0);
	pass_in(f, &fs);
	assert_int_equal(fx_wait_u64(&P.deletes, 1, FX_WAIT_MS), 1);
	fx_settle(f);
	assert_int_equal(load(&P.deletes), 1);
	assert_int_equal(P.deleted[0], ctx_of(1));
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, 1);
	assert_int_equal(s.flows_ended, 1);
	assert_int_equal(s.rx_packets, 7);
	assert_no_drops(f);
	fx_assert_accounting(f);
}

static void
test_dp_tcp_rst_ends_the_flow_and_deletes_its_context_once(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;
	struct frame_spec fs;

	probe_flows(f, DFP_LAYER_STREAM_V4);
	tcp_handshake(f, 40003);
	fs = tcp(true, 40003, ACK | PSH, 10);
	pass_in(f, &fs);
	fs = tcp(false, 40003, RST | ACK, 0);
	pass_out(f, &fs);
	assert_int_equal(fx_wait_u64(&P.deletes, 1, FX_WAIT_MS), 1);
	fx_settle(f);
	assert_int_equal(load(&P.deletes), 1);
	assert_int_equal(P.deleted[0], ctx_of(1));
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, 1);
	assert_int_equal(s.flows_ended, 1);
	assert_int_equal(s.rx_packets, 5);
	assert_no_drops(f);
	fx_assert_accounting(f);
}

/* ---- 2. UDP ---- */

static void
test_dp_udp_established_at_the_first_authorised_packet(void **state)
{
	struct fx *f = *state;
	struct frame_spec fs;

	probe_flows(f, DFP_LAYER_DATAGRAM_DATA_V4);
	fs = udp(true, 5353, 53, 20);
	pass_in(f, &fs);
	assert_int_equal(fx_wait_u64(&P.est_calls, 1, FX_WAIT_MS), 1);
	fs = udp(false, 5353, 53, 40);
	pass_out(f, &fs);
	fs = udp(true, 5353, 53, 20);
	pass_in(f, &fs);
	assert_int_equal(fx_wait_u64(&P.data_calls, 3, FX_WAIT_MS), 3);
	fx_settle(f);
	assert_int_equal(load(&P.est_calls), 1);
	assert_int_equal(P.est_dirs[0], DFP_DIRECTION_INBOUND);
	assert_int_equal(load(&P.est_assoc_failed), 0);
	/* Established before its own DATAGRAM_DATA: the first one has the context. */
	assert_int_equal(P.data_ctxs[0], ctx_of(1));
	assert_no_drops(f);
	fx_assert_accounting(f);
}

static void
test_dp_udp_datagram_data_sees_both_directions(void **state)
{
	struct fx *f = *state;
	struct frame_spec fs;
	unsigned int i;

	probe_flows(f, DFP_LAYER_DATAGRAM_DATA_V4);
	fs = udp(true, 5354, 53, 20);
	pass_in(f, &fs);
	fs = udp(false, 5354, 53, 40);
	pass_out(f, &fs);
	fs = udp(true, 5354, 53, 20);
	pass_in(f, &fs);
	fs = udp(false, 5354, 53, 40);
	pass_out(f, &fs);
	assert_int_equal(fx_wait_u64(&P.data_calls, 4, FX_WAIT_MS), 4);
	fx_settle(f);
	assert_int_equal(load(&P.data_calls), 4);
	for (i = 0; i < 4; i++) {
		/* Outside arrivals are inbound, inside arrivals outbound. */
		assert_int_equal(P.data_dirs[i], i % 2 == 0 ? DFP_DIRECTION_INBOUND :
			DFP_DIRECTION_OUTBOUND);
		assert_int_equal(P.data_ctxs[i], ctx_of(1));
		assert_int_equal(P.data_payloads[i], i % 2 == 0 ? 20 : 40);
	}
	assert_no_drops(f);
	fx_assert_accounting(f);
}

/* ---- 3. Idle aging ---- */

static int
setup_idle_1s(void **state)
{
	struct fx_opts o = {.idle_timeout_s = 1};

	return fx_setup_opts(state, &o);
}

static void
test_dp_idle_udp_flow_ages_out_and_its_context_is_deleted_once(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;
	struct frame_spec fs;
	uint64_t sent, hz = rte_get_tsc_hz();

	probe_flows(f, DFP_LAYER_DATAGRAM_DATA_V4);
	fs = udp(true, 6000, 53, 8);
	sent = rte_get_tsc_cycles();
	pass_in(f, &fs);
	assert_int_equal(fx_wait_u64(&P.est_calls, 1, FX_WAIT_MS), 1);
	fx_sleep_ms(500);
	assert_int_equal(load(&P.deletes), 0);
	assert_int_equal(fx_wait_u64(&P.deletes, 1, FX_WAIT_MS), 1);
	/*
	 * After the idle timeout (1 s), within a second more (last_seen is the
	 * start of the worker loop that received the packet: allow 10 ms).
	 */
	assert_true(P.deleted_tsc - sent >= hz - hz / 100);
	assert_true(P.deleted_tsc - sent < 2 * hz);
	assert_int_equal(P.deleted[0], ctx_of(1));
	fx_settle(f);
	assert_int_equal(load(&P.deletes), 1);
	fx_stats(f, &s);
	assert_int_equal(s.flows_aged, 1);
	assert_int_equal(s.flows_ended, 1);
	fx_assert_accounting(f);
}

static void
test_dp_active_udp_flow_does_not_age(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;
	struct frame_spec fs;
	unsigned int i;

	probe_flows(f, DFP_LAYER_DATAGRAM_DATA_V4);
	for (i = 0; i < 6; i++) {
		fs = udp(i % 2 == 0, 6001, 53, 8);
		if (i % 2 == 0)
			pass_in(f, &fs);
		else
			pass_out(f, &fs);
		fx_sleep_ms(300);
	}
	fx_stats(f, &s);
	assert_int_equal(s.flows_aged, 0);
	assert_int_equal(load(&P.deletes), 0);
	assert_int_equal(load(&P.est_calls), 1);
	assert_int_equal(s.flows_created, 1);
	fx_assert_accounting(f);
}

static void
test_dp_aborted_flow_ends_without_counting_as_aged(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;
	struct frame_spec fs;

	probe_flows(f, DFP_LAYER_DATAGRAM_DATA_V4);
	fs = udp(true, 6002, 53, 8);
	pass_in(f, &fs);
	assert_int_equal(fx_wait_u64(&P.est_calls, 1, FX_WAIT_MS), 1);
	assert_int_equal(dfp_flow_abort(dfp_ctl_flows(f->ctl), P.est_flows[0]),
		DFP_STATUS_SUCCESS);
	/* The owner ends it on its next aging pass, long before any idle timeout. */
	assert_int_equal(fx_wait_u64(&P.deletes, 1, FX_WAIT_MS), 1);
	assert_int_equal(FX_WAIT_STAT(f, flows_ended, 1, FX_WAIT_MS), 1);
	fx_stats(f, &s);
	assert_int_equal(s.flows_aged, 0);
	fx_assert_accounting(f);
}

/* ---- 4. Flow table full ---- */

static int
setup_capacity_4_fail_closed(void **state)
{
	struct fx_opts o = {.flow_capacity = 4, .full_policy = DFP_DP_FULL_FAIL_CLOSED};

	return fx_setup_opts(state, &o);
}

static int
setup_capacity_4_fail_open(void **state)
{
	struct fx_opts o = {.flow_capacity = 4, .full_policy = DFP_DP_FULL_FAIL_OPEN};

	return fx_setup_opts(state, &o);
}

/* Four flows fill the table; two packets of a fifth follow. */
static void
fill_then_fifth(struct fx *f)
{
	struct frame_spec fs;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		fs = udp(true, (uint16_t)(7000 + i), 53, 8);
		pass_in(f, &fs);
	}
	fs = udp(true, 7004, 53, 8);
	fx_send(f, &f->out, &fs);
	fs = udp(false, 7004, 53, 8);
	fx_send(f, &f->in, &fs);
	fx_settle(f);
}

static void
test_dp_full_flow_table_fail_closed_drops_new_flows(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;

	fill_then_fifth(f);
	assert_int_equal(fx_collect(&f->in, 0, NULL, 0), 0);
	assert_int_equal(fx_collect(&f->out, 0, NULL, 0), 0);
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, 4);
	assert_int_equal(s.drops[DFP_DP_DROP_FLOW_TABLE_FULL], 2);
	assert_int_equal(s.fail_open_packets, 0);
	assert_int_equal(s.tx_packets, 4);
	fx_assert_accounting(f);
}

static void
test_dp_full_flow_table_fail_open_forwards_and_counts(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;

	fill_then_fifth(f);
	assert_int_equal(fx_collect(&f->in, 1, NULL, 0), 1);
	assert_int_equal(fx_collect(&f->out, 1, NULL, 0), 1);
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, 4);
	assert_int_equal(s.drops[DFP_DP_DROP_FLOW_TABLE_FULL], 0);
	assert_int_equal(s.fail_open_packets, 2);
	assert_int_equal(s.tx_packets, 6);
	fx_assert_accounting(f);
}

static void
test_dp_fail_open_forwards_the_fragments_of_a_flow_it_could_not_create(void **state)
{
	struct fx *f = *state;
	struct frame_spec fs[3];
	struct dfp_dp_stats s;
	unsigned int i;

	fill_then_fifth(f);
	assert_int_equal(fx_collect(&f->in, 1, NULL, 0), 1);
	assert_int_equal(fx_collect(&f->out, 1, NULL, 0), 1);
	fragments(fs, 53, 0x6666);
	for (i = 0; i < 3; i++)
		fx_send(f, &f->out, &fs[i]);
	assert_int_equal(fx_collect(&f->in, 3, NULL, 0), 3);
	fx_stats(f, &s);
	assert_int_equal(s.fail_open_packets, 3);
	assert_no_drops(f);
	fx_assert_accounting(f);
}

/* ---- 5. VLAN ---- */

static void
assert_same_bytes(struct rte_mbuf *a, struct rte_mbuf *b)
{
	assert_int_equal(rte_pktmbuf_pkt_len(a), rte_pktmbuf_pkt_len(b));
	assert_memory_equal(rte_pktmbuf_mtod(a, const void *), rte_pktmbuf_mtod(b, const void *),
		rte_pktmbuf_data_len(a));
}

static void
test_dp_vlan_and_qinq_frames_are_forwarded_with_their_tags(void **state)
{
	struct fx *f = *state;
	struct rte_mbuf *got[2], *want[2];
	struct frame_spec fs[2];
	unsigned int i;

	fs[0] = udp(true, 8000, 53, 12);
	fs[0].n_vlans = 1;
	fs[0].vlans[0] = 10;
	fs[1] = udp(true, 8000, 53, 12);
	fs[1].n_vlans = 2;
	fs[1].vlans[0] = 20;
	fs[1].vlans[1] = 30;
	for (i = 0; i < 2; i++) {
		want[i] = fx_frame(f, &fs[i]);
		fx_send(f, &f->out, &fs[i]);
	}
	assert_int_equal(fx_collect(&f->in, 2, got, 2), 2);
	for (i = 0; i < 2; i++) {
		assert_same_bytes(got[i], want[i]);
		rte_pktmbuf_free(got[i]);
		rte_pktmbuf_free(want[i]);
	}
	assert_no_drops(f);
	fx_assert_accounting(f);
}

static void
test_dp_vlan_filter_at_inbound_transport_blocks_only_that_vlan(void **state)
{
	/* Outer tag, inner tag (0: none), blocked? */
	static const struct {
		uint16_t outer, inner;
		bool blocked;
	} cases[] = {{10, 0, true}, {11, 0, false}, {0, 0, false}, {10, 11, true},
		{11, 10, false}};
	struct fx *f = *state;
	struct dfp_engine_cond c;
	struct dfp_dp_stats s;
	struct frame_spec fs;
	unsigned int i;

	memset(&c, 0, sizeof(c));
	c.field = DFP_FIELD_VLAN_ID;
	c.match = DFP_MATCH_EQUAL;
	c.value.lo = 10;
	fx_filter_add(f, DFP_LAYER_INBOUND_TRANSPORT_V4, DFP_ACTION_BLOCK, 10, &c, 1, NULL);
	for (i = 0; i < RTE_DIM(cases); i++) {
		fs = udp(true, 8001, 53, 12);
		fs.n_vlans = cases[i].outer == 0 ? 0 : cases[i].inner == 0 ? 1 : 2;
		fs.vlans[0] = cases[i].outer;
		fs.vlans[1] = cases[i].inner;
		fx_send(f, &f->out, &fs);
		assert_int_equal(fx_collect(&f->in, cases[i].blocked ? 0 : 1, NULL, 0),
			cases[i].blocked ? 0 : 1);
	}
	fx_settle(f);
	fx_stats(f, &s);
	assert_int_equal(s.drops[DFP_DP_DROP_FILTER_BLOCK], 2);
	assert_int_equal(s.tx_packets, 3);
	fx_assert_accounting(f);
}

static void
test_dp_same_five_tuple_on_two_vlans_makes_two_flows(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;
	struct frame_spec fs;
	uint16_t v;

	for (v = 10; v <= 11; v++) {
		fs = udp(true, 8002, 53, 12);
		fs.n_vlans = 1;
		fs.vlans[0] = v;
		pass_in(f, &fs);
		/* The reply on the same VLAN joins that flow. */
		fs = udp(false, 8002, 53, 12);
		fs.n_vlans = 1;
		fs.vlans[0] = v;
		pass_out(f, &fs);
	}
	fx_settle(f);
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, 2);
	assert_no_drops(f);
	fx_assert_accounting(f);
}

static void
test_dp_qinq_flows_are_keyed_by_both_tags(void **state)
{
	/* Outer (service) tag, inner (customer) tag; 0 inner: single-tagged. */
	static const uint16_t tags[][2] = {{100, 10}, {100, 11}, {100, 0}, {101, 10}};
	struct fx *f = *state;
	struct dfp_dp_stats s;
	struct frame_spec fs;
	unsigned int i, round;

	/* Each tag pair twice, both ways: the second round finds every flow. */
	for (round = 0; round < 2; round++) {
		for (i = 0; i < RTE_DIM(tags); i++) {
			fs = udp(true, 8003, 53, 12);
			fs.n_vlans = tags[i][1] != 0 ? 2 : 1;
			fs.vlans[0] = tags[i][0];
			fs.vlans[1] = tags[i][1];
			pass_in(f, &fs);
			fs = udp(false, 8003, 53, 12);
			fs.n_vlans = tags[i][1] != 0 ? 2 : 1;
			fs.vlans[0] = tags[i][0];
			fs.vlans[1] = tags[i][1];
			pass_out(f, &fs);
		}
	}
	fx_settle(f);
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, RTE_DIM(tags));
	assert_no_drops(f);
	fx_assert_accounting(f);
}

/* ---- 6. Fragments ---- */

static void
test_dp_fragments_follow_a_permitted_first_fragment(void **state)
{
	struct fx *f = *state;
	struct frame_spec fs[3];
	struct dfp_dp_stats s;
	unsigned int i;

	fx_add_port_filter(f, DFP_LAYER_INBOUND_TRANSPORT_V4, 9999, DFP_ACTION_BLOCK);
	fragments(fs, 53, 0x1111);
	for (i = 0; i < 3; i++)
		fx_send(f, &f->out, &fs[i]);
	assert_int_equal(fx_collect(&f->in, 3, NULL, 0), 3);
	fx_settle(f);
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, 1);
	assert_no_drops(f);
	fx_assert_accounting(f);
}

static void
test_dp_fragments_of_a_blocked_first_fragment_are_dropped(void **state)
{
	struct fx *f = *state;
	struct frame_spec fs[3];
	struct dfp_dp_stats s;
	unsigned int i;

	fx_add_port_filter(f, DFP_LAYER_INBOUND_TRANSPORT_V4, 9999, DFP_ACTION_BLOCK);
	fragments(fs, 9999, 0x2222);
	for (i = 0; i < 3; i++)
		fx_send(f, &f->out, &fs[i]);
	fx_settle(f);
	assert_int_equal(fx_collect(&f->in, 0, NULL, 0), 0);
	fx_stats(f, &s);
	/* The later fragments share their first fragment's fate and reason. */
	assert_int_equal(s.drops[DFP_DP_DROP_FILTER_BLOCK], 3);
	assert_int_equal(s.tx_packets, 0);
	fx_assert_accounting(f);
}

static void
test_dp_later_fragment_without_its_first_is_dropped_as_frag_no_flow(void **state)
{
	struct fx *f = *state;
	struct frame_spec fs[3];
	struct dfp_dp_stats s;

	fragments(fs, 53, 0x3333);
	fx_send(f, &f->out, &fs[1]);
	fx_send(f, &f->out, &fs[2]);
	fx_settle(f);
	assert_int_equal(fx_collect(&f->in, 0, NULL, 0), 0);
	fx_stats(f, &s);
	assert_int_equal(s.drops[DFP_DP_DROP_FRAG_NO_FLOW], 2);
	fx_assert_accounting(f);
}

static void
test_dp_blocked_first_fragment_overrides_an_earlier_permit_with_the_same_id(void **state)
{
	struct fx *f = *state;
	struct frame_spec ok[3], bad[3];
	struct dfp_dp_stats s;
	unsigned int i;

	fx_add_port_filter(f, DFP_LAYER_INBOUND_TRANSPORT_V4, 9999, DFP_ACTION_BLOCK);
	/* Same addresses, protocol and IP id (the id wrapped, or was forged). */
	fragments(ok, 53, 0x4444);
	fragments(bad, 9999, 0x4444);
	for (i = 0; i < 3; i++)
		fx_send(f, &f->out, &ok[i]);
	assert_int_equal(fx_collect(&f->in, 3, NULL, 0), 3);
	for (i = 0; i < 3; i++)
		fx_send(f, &f->out, &bad[i]);
	fx_settle(f);
	assert_int_equal(fx_collect(&f->in, 0, NULL, 0), 0);
	fx_stats(f, &s);
	assert_int_equal(s.drops[DFP_DP_DROP_FILTER_BLOCK], 3);
	assert_int_equal(s.tx_packets, 3);
	fx_assert_accounting(f);
}

static void
test_dp_fragment_record_expires_with_the_idle_timeout(void **state)
{
	struct fx *f = *state;
	struct frame_spec fs[3];
	struct dfp_dp_stats s;

	fragments(fs, 53, 0x5555);
	pass_in(f, &fs[0]);
	pass_in(f, &fs[1]);
	/* A straggler after the idle timeout (1 s) has no first fragment any more. */
	fx_sleep_ms(1500);
	fx_send(f, &f->out, &fs[2]);
	fx_settle(f);
	assert_int_equal(fx_collect(&f->in, 0, NULL, 0), 0);
	fx_stats(f, &s);
	assert_int_equal(s.drops[DFP_DP_DROP_FRAG_NO_FLOW], 1);
	fx_assert_accounting(f);
}

/* ---- 7. Re-authorisation after a commit ---- */

static void
test_dp_commit_on_the_ale_layer_reauthorizes_the_next_packet(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;
	struct frame_spec fs;

	probe_ale(f);
	fs = udp(true, 9100, 53, 8);
	pass_in(f, &fs);
	pass_in(f, &fs);
	/* The flow's ALE decision is cached: one classification for two packets. */
	assert_int_equal(load(&P.ale_calls), 1);
	assert_int_equal(P.ale_flags[0] & DFP_COND_FLAG_IS_REAUTHORIZE, 0);
	fx_add_port_filter(f, DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, 53, DFP_ACTION_BLOCK);
	fx_send(f, &f->out, &fs);
	assert_int_equal(fx_wait_u64(&P.ale_calls, 2, FX_WAIT_MS), 2);
	assert_true(P.ale_flags[1] & DFP_COND_FLAG_IS_REAUTHORIZE);
	assert_true(P.ale_reasons[1] & DFP_REAUTH_REASON_POLICY_CHANGE);
	fx_settle(f);
	assert_int_equal(fx_collect(&f->in, 0, NULL, 0), 0);
	/* Blocked now; later packets are dropped without another classification. */
	fx_send(f, &f->out, &fs);
	fx_settle(f);
	assert_int_equal(fx_collect(&f->in, 0, NULL, 0), 0);
	assert_int_equal(load(&P.ale_calls), 2);
	fx_stats(f, &s);
	assert_int_equal(s.reauthorizations, 1);
	assert_int_equal(s.drops[DFP_DP_DROP_FILTER_BLOCK], 2);
	assert_int_equal(s.flows_created, 1);
	fx_assert_accounting(f);
}

static void
test_dp_commit_on_another_layer_does_not_reauthorize(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;
	struct frame_spec fs;

	probe_ale(f);
	fs = udp(true, 9101, 53, 8);
	pass_in(f, &fs);
	fx_add_port_filter(f, DFP_LAYER_OUTBOUND_TRANSPORT_V4, 1, DFP_ACTION_BLOCK);
	fx_add_port_filter(f, DFP_LAYER_ALE_AUTH_CONNECT_V4, 53, DFP_ACTION_BLOCK);
	pass_in(f, &fs);
	fs = udp(false, 9101, 53, 8);
	pass_out(f, &fs);
	fx_settle(f);
	assert_int_equal(load(&P.ale_calls), 1);
	fx_stats(f, &s);
	assert_int_equal(s.reauthorizations, 0);
	assert_no_drops(f);
	fx_assert_accounting(f);
}

static void
test_dp_blocked_flow_is_authorised_afresh_after_the_block_is_removed(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;
	struct frame_spec fs;
	uint64_t id;

	probe_ale(f);
	id = fx_add_port_filter(f, DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, 53, DFP_ACTION_BLOCK);
	fs = udp(true, 9102, 53, 8);
	fx_send(f, &f->out, &fs);
	fx_settle(f);
	assert_int_equal(fx_collect(&f->in, 0, NULL, 0), 0);
	assert_int_equal(dfp_ctl_filter_delete_by_id(f->s, id), DFP_STATUS_SUCCESS);
	/* The cached block went with the policy: the next packet passes. */
	pass_in(f, &fs);
	assert_int_equal(load(&P.ale_calls), 2);
	/* A flow that was never permitted is authorised, not re-authorised [port]. */
	assert_int_equal(P.ale_flags[1] & DFP_COND_FLAG_IS_REAUTHORIZE, 0);
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, 1);
	assert_int_equal(s.drops[DFP_DP_DROP_FILTER_BLOCK], 1);
	fx_assert_accounting(f);
}

/* ---- Pended flows ---- */

static void
test_dp_rst_held_while_pended_ends_the_flow_after_release(void **state)
{
	struct dfp_classify_out co = {.action_type = DFP_ACTION_PERMIT};
	struct fx *f = *state;
	struct rte_mbuf *got[2];
	struct dfp_dp_stats s;
	struct frame_spec fs;
	unsigned int i;
	uint64_t h;

	fx_pend_setup(f, 80, 0);
	fs = tcp(true, 41000, SYN, 0);
	fx_send(f, &f->out, &fs);
	h = fx_wait_pended(f, 1);
	assert_int_not_equal(h, 0);
	fs = tcp(true, 41000, RST, 0);
	fx_send(f, &f->out, &fs);
	assert_int_equal(FX_WAIT_STAT(f, held_now, 2, FX_WAIT_MS), 2);
	assert_int_equal(dfp_callout_handle_complete(dfp_ctl_callouts(f->ctl), h, &co),
		DFP_STATUS_SUCCESS);
	dfp_callout_handle_release(dfp_ctl_callouts(f->ctl), h);
	/* Both go, in order: the RST is walked (and ends the flow) after the SYN. */
	assert_int_equal(fx_collect(&f->in, 2, got, 2), 2);
	for (i = 0; i < 2; i++) {
		const uint8_t *b = rte_pktmbuf_mtod(got[i], const uint8_t *);

		assert_int_equal(b[14 + 20 + 13], i == 0 ? SYN : RST);
		rte_pktmbuf_free(got[i]);
	}
	assert_int_equal(FX_WAIT_STAT(f, flows_ended, 1, FX_WAIT_MS), 1);
	fx_stats(f, &s);
	assert_int_equal(s.released_packets, 2);
	assert_no_drops(f);
	fx_assert_accounting(f);
}

/* The fragment offset (bytes) of an IPv4 frame without VLAN tags. */
static uint16_t
frag_off_of(const struct rte_mbuf *m)
{
	const uint8_t *b = rte_pktmbuf_mtod(m, const uint8_t *);

	return (uint16_t)(((b[14 + 6] & 0x1f) << 8 | b[14 + 7]) * 8);
}

static void
test_dp_later_fragments_wait_with_their_pended_first_fragment(void **state)
{
	struct dfp_classify_out co = {.action_type = DFP_ACTION_PERMIT};
	struct fx *f = *state;
	struct rte_mbuf *got[3];
	struct frame_spec fs[3];
	struct dfp_dp_stats s;
	unsigned int i;
	uint64_t h;

	fx_pend_setup(f, 7700, DFP_ACTION_BLOCK);
	fragments(fs, 7700, 0x6666);
	fx_send(f, &f->out, &fs[0]);
	h = fx_wait_pended(f, 1);
	assert_int_not_equal(h, 0);
	/* The followers arrive while the first fragment is held: they wait with it. */
	fx_send(f, &f->out, &fs[1]);
	fx_send(f, &f->out, &fs[2]);
	assert_int_equal(FX_WAIT_STAT(f, held_now, 3, FX_WAIT_MS), 3);
	fx_stats(f, &s);
	assert_int_equal(s.drops[DFP_DP_DROP_FRAG_NO_FLOW], 0);
	assert_int_equal(dfp_callout_handle_complete(dfp_ctl_callouts(f->ctl), h, &co),
		DFP_STATUS_SUCCESS);
	dfp_callout_handle_release(dfp_ctl_callouts(f->ctl), h);
	/* All three leave, in order. */
	assert_int_equal(fx_collect(&f->in, 3, got, 3), 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(frag_off_of(got[i]), fs[i].frag_off);
		rte_pktmbuf_free(got[i]);
	}
	/* A straggler (a duplicate of the last) after the release follows the recorded permit. */
	pass_in(f, &fs[2]);
	fx_stats(f, &s);
	assert_int_equal(s.released_packets, 3);
	assert_int_equal(s.held_packets, 3);
	assert_no_drops(f);
	fx_assert_accounting(f);
}

static void
test_dp_later_fragments_of_a_pend_completed_with_block_are_dropped_with_it(void **state)
{
	struct dfp_classify_out co = {.action_type = DFP_ACTION_BLOCK};
	struct fx *f = *state;
	struct frame_spec fs[3];
	struct dfp_dp_stats s;
	uint64_t h;

	fx_pend_setup(f, 7701, DFP_ACTION_PERMIT);
	fragments(fs, 7701, 0x6767);
	fx_send(f, &f->out, &fs[0]);
	h = fx_wait_pended(f, 1);
	assert_int_not_equal(h, 0);
	fx_send(f, &f->out, &fs[1]);
	assert_int_equal(FX_WAIT_STAT(f, held_now, 2, FX_WAIT_MS), 2);
	assert_int_equal(dfp_callout_handle_complete(dfp_ctl_callouts(f->ctl), h, &co),
		DFP_STATUS_SUCCESS);
	dfp_callout_handle_release(dfp_ctl_callouts(f->ctl), h);
	assert_int_equal(FX_WAIT_STAT(f, drops[DFP_DP_DROP_PEND_BLOCKED], 2, FX_WAIT_MS), 2);
	/* The last fragment comes after the decision: dropped for the same reason. */
	fx_send(f, &f->out, &fs[2]);
	fx_settle(f);
	assert_int_equal(fx_collect(&f->in, 0, NULL, 0), 0);
	fx_stats(f, &s);
	assert_int_equal(s.drops[DFP_DP_DROP_PEND_BLOCKED], 3);
	assert_int_equal(fx_drops(&s), 3);
	assert_int_equal(s.held_now, 0);
	fx_assert_accounting(f);
}

static void
test_dp_later_fragments_held_at_stop_are_accounted_with_their_flow(void **state)
{
	struct fx *f = *state;
	struct frame_spec fs[3];
	struct dfp_dp_stats s;
	unsigned int i;
	uint64_t h;

	/* The pend's default is PERMIT: stop completes it, and all three go on. */
	fx_pend_setup(f, 7702, DFP_ACTION_PERMIT);
	fragments(fs, 7702, 0x6868);
	for (i = 0; i < 3; i++)
		fx_send(f, &f->out, &fs[i]);
	h = fx_wait_pended(f, 1);
	assert_int_not_equal(h, 0);
	assert_int_equal(FX_WAIT_STAT(f, held_now, 3, FX_WAIT_MS), 3);
	assert_int_equal(dfp_dp_stop(f->dp), DFP_STATUS_SUCCESS);
	assert_int_equal(fx_collect(&f->in, 3, NULL, 0), 3);
	fx_stats(f, &s);
	assert_int_equal(s.held_now, 0);
	assert_int_equal(fx_drops(&s), 0);
	fx_assert_accounting(f);
	dfp_callout_handle_release(dfp_ctl_callouts(f->ctl), h);
}

static int
setup_hold_64(void **state)
{
	struct fx_opts o = {.hold_packets = 64};

	return fx_setup_opts(state, &o);
}

static void
test_dp_many_held_packets_released_at_once_are_all_forwarded(void **state)
{
	enum { FLOWS = 8, PER_FLOW = 60 };
	struct dfp_classify_out co = {.action_type = DFP_ACTION_PERMIT};
	struct dfp_callout_rt *rt;
	struct fx *f = *state;
	struct dfp_dp_stats s;
	struct frame_spec fs;
	unsigned int i, k;

	rt = dfp_ctl_callouts(f->ctl);
	fx_pend_setup(f, 7200, 0);
	for (i = 0; i < FLOWS; i++) {
		for (k = 0; k < PER_FLOW; k++) {
			fs = udp(true, (uint16_t)(20000 + i), 7200, 8);
			fs.ip_id = (uint16_t)k;
			fx_send(f, &f->out, &fs);
		}
	}
	assert_int_not_equal(fx_wait_pended(f, FLOWS), 0);
	assert_int_equal(FX_WAIT_STAT(f, held_now, FLOWS * PER_FLOW, FX_WAIT_MS),
		FLOWS * PER_FLOW);
	/* Completions land together: one worker loop may release them all. */
	for (i = 0; i < FLOWS; i++)
		assert_int_equal(dfp_callout_handle_complete(rt, f->pended[i], &co),
			DFP_STATUS_SUCCESS);
	for (i = 0; i < FLOWS; i++)
		dfp_callout_handle_release(rt, f->pended[i]);
	assert_int_equal(fx_collect(&f->in, FLOWS * PER_FLOW, NULL, 0), FLOWS * PER_FLOW);
	fx_stats(f, &s);
	assert_int_equal(s.drops[DFP_DP_DROP_TX_FULL], 0);
	assert_int_equal(s.released_packets, FLOWS * PER_FLOW);
	assert_no_drops(f);
	fx_assert_accounting(f);
}

/* ---- 9. Shutdown ---- */

/*
 * Two established UDP flows and one established TCP flow carrying contexts,
 * and one pended flow holding three packets.
 */
static uint64_t
shutdown_scene(struct fx *f, uint32_t pend_default)
{
	struct frame_spec fs;
	unsigned int i;
	uint64_t h;

	probe_flows(f, DFP_LAYER_DATAGRAM_DATA_V4);
	fx_pend_setup(f, 7300, pend_default);
	fs = udp(true, 9200, 53, 8);
	pass_in(f, &fs);
	fs = udp(true, 9201, 53, 8);
	pass_in(f, &fs);
	tcp_handshake(f, 42000);
	for (i = 0; i < 3; i++) {
		fs = udp(true, 9202, 7300, 8);
		fx_send(f, &f->out, &fs);
	}
	h = fx_wait_pended(f, 1);
	assert_int_not_equal(h, 0);
	assert_int_equal(FX_WAIT_STAT(f, held_now, 3, FX_WAIT_MS), 3);
	/* UDP flows' contexts are for DATAGRAM_DATA; TCP's establishment makes one too. */
	assert_int_equal(fx_wait_u64(&P.est_calls, 3, FX_WAIT_MS), 3);
	assert_int_equal(load(&P.est_assoc_failed), 0);
	return h;
}

static void
test_dp_stop_ends_every_flow_once_and_accounts_for_held_packets(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;
	uint64_t h, n, i;

	h = shutdown_scene(f, DFP_ACTION_BLOCK);
	assert_int_equal(load(&P.deletes), 0);
	assert_int_equal(dfp_dp_stop(f->dp), DFP_STATUS_SUCCESS);
	n = load(&P.deletes);
	assert_int_equal(n, 3);
	for (i = 1; i <= 3; i++)
		assert_int_equal(count_of(P.deleted, n, ctx_of(i)), 1);
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, 4);
	assert_int_equal(s.flows_ended, 4);
	assert_int_equal(s.held_now, 0);
	/* Completed with the default (BLOCK) first, or dropped as the flow ended. */
	assert_int_equal(s.drops[DFP_DP_DROP_PEND_BLOCKED] + s.drops[DFP_DP_DROP_SHUTDOWN], 3);
	fx_assert_accounting(f);
	dfp_callout_handle_release(dfp_ctl_callouts(f->ctl), h);
	/* A second stop finds nothing more to do. */
	assert_int_equal(dfp_dp_stop(f->dp), DFP_STATUS_SUCCESS);
	assert_int_equal(load(&P.deletes), 3);
}

static void
test_dp_stop_completes_more_pends_than_one_poll_takes(void **state)
{
	enum { FLOWS = 20 };
	struct fx *f = *state;
	struct dfp_dp_stats s;
	struct frame_spec fs;
	unsigned int i;

	fx_pend_setup(f, 7400, DFP_ACTION_PERMIT);
	for (i = 0; i < FLOWS; i++) {
		fs = udp(true, (uint16_t)(21000 + i), 7400, 8);
		fx_send(f, &f->out, &fs);
	}
	assert_int_not_equal(fx_wait_pended(f, FLOWS), 0);
	assert_int_equal(FX_WAIT_STAT(f, held_now, FLOWS, FX_WAIT_MS), FLOWS);
	assert_int_equal(dfp_dp_stop(f->dp), DFP_STATUS_SUCCESS);
	/* Every pend completed with its default (PERMIT): every held packet went on. */
	assert_int_equal(fx_collect(&f->in, FLOWS, NULL, 0), FLOWS);
	fx_stats(f, &s);
	assert_int_equal(s.drops[DFP_DP_DROP_SHUTDOWN], 0);
	assert_int_equal(s.released_packets, FLOWS);
	fx_assert_accounting(f);
	for (i = 0; i < FLOWS; i++)
		dfp_callout_handle_release(dfp_ctl_callouts(f->ctl), f->pended[i]);
}

/*
 * dfp_dp_stop() completes pends with their callout's default before the
 * flows end (DESIGN §1 "Shutdown", spec §4.5; dfp_callout_pend_expire_all()
 * in dfp_dp_stop()).
 */
static void
test_dp_stop_completes_pends_with_the_callout_default_first(void **state)
{
	struct dfp_callout_stats cs;
	struct fx *f = *state;
	struct dfp_dp_stats s;
	uint64_t h;

	h = shutdown_scene(f, DFP_ACTION_PERMIT);
	assert_int_equal(dfp_dp_stop(f->dp), DFP_STATUS_SUCCESS);
	dfp_callout_stats_get(dfp_ctl_callouts(f->ctl), &cs);
	assert_int_equal(cs.pend_timeouts, 1);
	/* Default PERMIT: the held packets went on to the inside port. */
	assert_int_equal(fx_collect(&f->in, 3, NULL, 0), 3);
	fx_stats(f, &s);
	assert_int_equal(s.held_now, 0);
	assert_int_equal(s.drops[DFP_DP_DROP_SHUTDOWN], 0);
	/* The released flow was established too: four contexts, each deleted once. */
	assert_int_equal(load(&P.deletes), 4);
	assert_int_equal(s.flows_ended, 4);
	fx_assert_accounting(f);
	dfp_callout_handle_release(dfp_ctl_callouts(f->ctl), h);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
#define TS(name, setup) cmocka_unit_test_setup_teardown(name, setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_dp_tcp_established_once_at_the_final_ack),
		T(test_dp_tcp_stream_sees_data_with_the_flow_context),
		T(test_dp_tcp_fin_fin_ack_ends_the_flow_and_deletes_its_context_once),
		T(test_dp_tcp_rst_ends_the_flow_and_deletes_its_context_once),
		T(test_dp_udp_established_at_the_first_authorised_packet),
		T(test_dp_udp_datagram_data_sees_both_directions),
		TS(test_dp_idle_udp_flow_ages_out_and_its_context_is_deleted_once, setup_idle_1s),
		TS(test_dp_active_udp_flow_does_not_age, setup_idle_1s),
		T(test_dp_aborted_flow_ends_without_counting_as_aged),
		TS(test_dp_full_flow_table_fail_closed_drops_new_flows,
			setup_capacity_4_fail_closed),
		TS(test_dp_full_flow_table_fail_open_forwards_and_counts,
			setup_capacity_4_fail_open),
		TS(test_dp_fail_open_forwards_the_fragments_of_a_flow_it_could_not_create,
			setup_capacity_4_fail_open),
		T(test_dp_vlan_and_qinq_frames_are_forwarded_with_their_tags),
		T(test_dp_vlan_filter_at_inbound_transport_blocks_only_that_vlan),
		T(test_dp_same_five_tuple_on_two_vlans_makes_two_flows),
		T(test_dp_qinq_flows_are_keyed_by_both_tags),
		T(test_dp_fragments_follow_a_permitted_first_fragment),
		T(test_dp_fragments_of_a_blocked_first_fragment_are_dropped),
		T(test_dp_later_fragment_without_its_first_is_dropped_as_frag_no_flow),
		T(test_dp_blocked_first_fragment_overrides_an_earlier_permit_with_the_same_id),
		TS(test_dp_fragment_record_expires_with_the_idle_timeout, setup_idle_1s),
		T(test_dp_commit_on_the_ale_layer_reauthorizes_the_next_packet),
		T(test_dp_commit_on_another_layer_does_not_reauthorize),
		T(test_dp_blocked_flow_is_authorised_afresh_after_the_block_is_removed),
		T(test_dp_rst_held_while_pended_ends_the_flow_after_release),
		T(test_dp_later_fragments_wait_with_their_pended_first_fragment),
		T(test_dp_later_fragments_of_a_pend_completed_with_block_are_dropped_with_it),
		T(test_dp_later_fragments_held_at_stop_are_accounted_with_their_flow),
		TS(test_dp_many_held_packets_released_at_once_are_all_forwarded, setup_hold_64),
		T(test_dp_stop_ends_every_flow_once_and_accounts_for_held_packets),
		T(test_dp_stop_completes_pends_with_the_callout_default_first),
		T(test_dp_stop_completes_more_pends_than_one_poll_takes),
	};

	if (dfp_test_eal_init(NULL, 0) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
