/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which TCP segments open a flow (flows tcp_pickup, dfp_dp.h), through real
 * PMDs in-process (dp_fixture.h). By default (no pickup, WFP's model: the
 * ALE_AUTH layers authorise connection requests) a segment that matches no
 * flow and is not a SYN without ACK and RST creates no flow and is not
 * classified at ALE_AUTH_RECV_ACCEPT/CONNECT: it is dropped as TCP_NO_FLOW.
 * A SYN opens and authorises its flow, and the rest of the connection
 * (SYN+ACK included) follows it; once the flow ended, its late segments
 * are TCP_NO_FLOW too. With tcp_pickup on, any segment opens a flow and is
 * authorised as a new connection (mid-stream pickup). Every test checks
 * that accounting closes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>

#include <cmocka.h>

#include "dfp_callout.h"
#include "dfp_ctl.h"
#include "dfp_dp.h"
#include "dp_fixture.h"
#include "test_eal.h"

/* Outside (remote) client and inside (local) server. */
#define CLIENT "198.51.100.30"
#define SERVER "192.0.2.30"

/* TCP flags. */
#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

/* Classifications seen by inspection callouts at both ALE_AUTH layers (release/acquire). */
static uint64_t ale_calls;

static void
ale_classify(const struct dfp_callout_classify_in *in, const struct dfp_engine_filter_rt *filter,
		uint64_t flow_context, struct dfp_classify_out *out)
{
	(void)in;
	(void)filter;
	(void)flow_context;
	(void)out;
	__atomic_store_n(&ale_calls, __atomic_load_n(&ale_calls, __ATOMIC_RELAXED) + 1,
		__ATOMIC_RELEASE);
}

static uint64_t
ale_seen(struct fx *f)
{
	fx_settle(f);
	return __atomic_load_n(&ale_calls, __ATOMIC_ACQUIRE);
}

/* An inspection callout matching everything at ALE_AUTH_RECV_ACCEPT_V4 and ALE_AUTH_CONNECT_V4. */
static void
probe_ale(struct fx *f)
{
	struct dfp_guid key;

	__atomic_store_n(&ale_calls, 0, __ATOMIC_RELEASE);
	fx_callout_add(f, "probe-accept", DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, ale_classify, NULL,
		NULL, 0, &key);
	fx_filter_add(f, DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, DFP_ACTION_CALLOUT_INSPECTION, 1000,
		NULL, 0, &key);
	fx_callout_add(f, "probe-connect", DFP_LAYER_ALE_AUTH_CONNECT_V4, ale_classify, NULL,
		NULL, 0, &key);
	fx_filter_add(f, DFP_LAYER_ALE_AUTH_CONNECT_V4, DFP_ACTION_CALLOUT_INSPECTION, 1000,
		NULL, 0, &key);
}

static struct frame_spec
tcp(bool from_client, uint16_t cport, uint8_t flags, uint16_t payload)
{
	return fx_conn_spec(CLIENT, SERVER, from_client, 6, cport, 80, flags, payload);
}

/* A segment from the client (outside) that must come out on the inside. */
static void
pass_in(struct fx *f, uint16_t cport, uint8_t flags, uint16_t payload)
{
	struct frame_spec fs = tcp(true, cport, flags, payload);

	fx_send(f, &f->out, &fs);
	assert_int_equal(fx_collect(&f->in, 1, NULL, 0), 1);
}

/* A segment from the server (inside) that must come out on the outside. */
static void
pass_out(struct fx *f, uint16_t cport, uint8_t flags, uint16_t payload)
{
	struct frame_spec fs = tcp(false, cport, flags, payload);

	fx_send(f, &f->in, &fs);
	assert_int_equal(fx_collect(&f->out, 1, NULL, 0), 1);
}

/* A segment that must come out nowhere; returns the TCP_NO_FLOW drops so far. */
static uint64_t
stopped(struct fx *f, bool from_client, uint16_t cport, uint8_t flags)
{
	struct frame_spec fs = tcp(from_client, cport, flags, 0);
	struct dfp_dp_stats s;

	fx_send(f, from_client ? &f->out : &f->in, &fs);
	fx_settle(f);
	assert_int_equal(fx_collect(from_client ? &f->in : &f->out, 0, NULL, 0), 0);
	fx_stats(f, &s);
	return s.drops[DFP_DP_DROP_TCP_NO_FLOW];
}

static int
setup_pickup(void **state)
{
	struct fx_opts o = {.tcp_pickup = true};

	return fx_setup_opts(state, &o);
}

/* ---- Default: no pickup ---- */

static void
test_dp_lone_ack_rst_and_fin_open_no_flow_and_are_dropped_unclassified(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;

	probe_ale(f);
	/* Inbound (would be RECV_ACCEPT) and outbound (would be CONNECT). */
	assert_int_equal(stopped(f, true, 41000, ACK), 1);
	assert_int_equal(stopped(f, true, 41001, RST), 2);
	assert_int_equal(stopped(f, true, 41002, RST | ACK), 3);
	assert_int_equal(stopped(f, true, 41003, FIN | ACK), 4);
	assert_int_equal(stopped(f, true, 41004, ACK | PSH), 5);
	assert_int_equal(stopped(f, false, 41005, ACK), 6);
	assert_int_equal(stopped(f, false, 41006, RST), 7);
	/* A SYN+ACK with no SYN seen is no connection request either. */
	assert_int_equal(stopped(f, false, 41007, SYN | ACK), 8);
	assert_int_equal(stopped(f, true, 41008, SYN | RST), 9);
	assert_int_equal(ale_seen(f), 0);
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, 0);
	assert_int_equal(fx_drops(&s), 9);
	assert_int_equal(s.tx_packets, 0);
	fx_assert_accounting(f);
}

static void
test_dp_ack_flood_without_a_flow_fills_no_flow_table(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;
	struct frame_spec fs;
	unsigned int i;

	probe_ale(f);
	for (i = 0; i < 200; i++) {
		fs = tcp(true, (uint16_t)(20000 + i), ACK, 0);
		fx_send(f, &f->out, &fs);
	}
	fx_settle(f);
	assert_int_equal(FX_WAIT_STAT(f, drops[DFP_DP_DROP_TCP_NO_FLOW], 200, FX_WAIT_MS), 200);
	assert_int_equal(fx_collect(&f->in, 0, NULL, 0), 0);
	assert_int_equal(ale_seen(f), 0);
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, 0);
	fx_assert_accounting(f);
}

static void
test_dp_syn_opens_and_authorises_its_flow_and_the_connection_passes(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;

	probe_ale(f);
	pass_in(f, 42000, SYN, 0);
	assert_int_equal(ale_seen(f), 1);
	pass_out(f, 42000, SYN | ACK, 0);
	pass_in(f, 42000, ACK, 0);
	pass_in(f, 42000, ACK | PSH, 100);
	pass_out(f, 42000, ACK | PSH, 200);
	pass_in(f, 42000, FIN | ACK, 0);
	pass_out(f, 42000, FIN | ACK, 0);
	pass_in(f, 42000, ACK, 0);
	/* One authorisation for the whole connection. */
	assert_int_equal(ale_seen(f), 1);
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, 1);
	assert_int_equal(s.flows_ended, 1);
	assert_int_equal(fx_drops(&s), 0);
	assert_int_equal(s.tx_packets, 8);
	fx_assert_accounting(f);
}

static void
test_dp_outbound_syn_opens_its_flow_at_connect(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;

	probe_ale(f);
	pass_out(f, 42100, SYN, 0);
	pass_in(f, 42100, SYN | ACK, 0);
	pass_out(f, 42100, ACK, 0);
	assert_int_equal(ale_seen(f), 1);
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, 1);
	assert_int_equal(fx_drops(&s), 0);
	fx_assert_accounting(f);
}

static void
test_dp_late_segments_after_a_rst_are_dropped_as_tcp_no_flow(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;

	probe_ale(f);
	pass_in(f, 43000, SYN, 0);
	pass_out(f, 43000, SYN | ACK, 0);
	pass_in(f, 43000, ACK, 0);
	pass_out(f, 43000, RST | ACK, 0);
	assert_int_equal(FX_WAIT_STAT(f, flows_ended, 1, FX_WAIT_MS), 1);
	/* A late data segment, a retransmitted RST, the peer's answer. */
	assert_int_equal(stopped(f, true, 43000, ACK | PSH), 1);
	assert_int_equal(stopped(f, false, 43000, RST | ACK), 2);
	assert_int_equal(stopped(f, true, 43000, RST), 3);
	assert_int_equal(ale_seen(f), 1);
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, 1);
	assert_int_equal(fx_drops(&s), 3);
	fx_assert_accounting(f);
}

static void
test_dp_late_segments_after_a_fin_close_are_dropped_as_tcp_no_flow(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;

	probe_ale(f);
	pass_in(f, 44000, SYN, 0);
	pass_out(f, 44000, SYN | ACK, 0);
	pass_in(f, 44000, ACK, 0);
	pass_in(f, 44000, FIN | ACK, 0);
	pass_out(f, 44000, FIN | ACK, 0);
	pass_in(f, 44000, ACK, 0);
	assert_int_equal(FX_WAIT_STAT(f, flows_ended, 1, FX_WAIT_MS), 1);
	/* Retransmissions of the close. */
	assert_int_equal(stopped(f, false, 44000, FIN | ACK), 1);
	assert_int_equal(stopped(f, true, 44000, ACK), 2);
	assert_int_equal(ale_seen(f), 1);
	/* A new connection on the same 5-tuple opens a new flow. */
	pass_in(f, 44000, SYN, 0);
	assert_int_equal(ale_seen(f), 2);
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, 2);
	assert_int_equal(fx_drops(&s), 2);
	fx_assert_accounting(f);
}

static void
test_dp_udp_still_opens_a_flow_at_its_first_packet(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;
	struct frame_spec fs = tcp(true, 45000, 0, 8);

	probe_ale(f);
	fs.proto = 17;
	fs.dport = 53;
	fx_send(f, &f->out, &fs);
	assert_int_equal(fx_collect(&f->in, 1, NULL, 0), 1);
	assert_int_equal(ale_seen(f), 1);
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, 1);
	assert_int_equal(fx_drops(&s), 0);
	fx_assert_accounting(f);
}

/* ---- tcp_pickup: yes ---- */

static void
test_dp_pickup_authorises_a_lone_ack_as_a_new_flow(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;

	probe_ale(f);
	pass_in(f, 46000, ACK | PSH, 10);
	assert_int_equal(ale_seen(f), 1);
	pass_out(f, 46000, ACK, 0);
	pass_in(f, 46000, ACK, 0);
	assert_int_equal(ale_seen(f), 1);
	/* Outbound: authorised at CONNECT. */
	pass_out(f, 46001, ACK, 0);
	assert_int_equal(ale_seen(f), 2);
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, 2);
	assert_int_equal(s.drops[DFP_DP_DROP_TCP_NO_FLOW], 0);
	assert_int_equal(fx_drops(&s), 0);
	fx_assert_accounting(f);
}

static void
test_dp_pickup_authorises_a_late_segment_after_the_flow_ended(void **state)
{
	struct fx *f = *state;
	struct dfp_dp_stats s;

	probe_ale(f);
	pass_in(f, 47000, SYN, 0);
	pass_out(f, 47000, SYN | ACK, 0);
	pass_in(f, 47000, ACK, 0);
	pass_out(f, 47000, RST | ACK, 0);
	assert_int_equal(FX_WAIT_STAT(f, flows_ended, 1, FX_WAIT_MS), 1);
	/* A lone RST opens, is authorised and ends a flow of its own. */
	pass_in(f, 47000, RST, 0);
	assert_int_equal(ale_seen(f), 2);
	assert_int_equal(FX_WAIT_STAT(f, flows_ended, 2, FX_WAIT_MS), 2);
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, 2);
	assert_int_equal(fx_drops(&s), 0);
	fx_assert_accounting(f);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
#define TP(name) cmocka_unit_test_setup_teardown(name, setup_pickup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_dp_lone_ack_rst_and_fin_open_no_flow_and_are_dropped_unclassified),
		T(test_dp_ack_flood_without_a_flow_fills_no_flow_table),
		T(test_dp_syn_opens_and_authorises_its_flow_and_the_connection_passes),
		T(test_dp_outbound_syn_opens_its_flow_at_connect),
		T(test_dp_late_segments_after_a_rst_are_dropped_as_tcp_no_flow),
		T(test_dp_late_segments_after_a_fin_close_are_dropped_as_tcp_no_flow),
		T(test_dp_udp_still_opens_a_flow_at_its_first_packet),
		TP(test_dp_pickup_authorises_a_lone_ack_as_a_new_flow),
		TP(test_dp_pickup_authorises_a_late_segment_after_the_flow_ended),
	};

	if (dfp_test_eal_init(NULL, 0) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
