/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Verdicts a known flow keeps for its per-packet layers (worker.c, "Kept
 * verdicts"), through real PMDs in-process (dp_fixture.h). A flow may reuse
 * the IPPACKET/TRANSPORT verdict its earlier packets got only where the
 * layer's verdict is fixed by the flow key; these tests prove that nothing a
 * packet-by-packet classification would decide differently is decided
 * differently: a commit at the layer applies to the flow's very next packet
 * (block, then permit again), every kept verdict counts its filter's hit, a
 * callout at the layer still sees every packet, a condition on a field the
 * key does not fix (TCP flags) is evaluated per packet, and a packet going
 * the other way within the same flow gets its own verdict. Every test checks
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
#define CLIENT "198.51.100.40"
#define SERVER "192.0.2.40"
#define SPORT 53
#define CPORT 40000

#define SYN 0x02
#define PSH 0x08
#define ACK 0x10

static struct frame_spec
udp(bool from_client, uint16_t cport)
{
	return fx_conn_spec(CLIENT, SERVER, from_client, 17, cport, SPORT, 0, 32);
}

/* Send one frame on `on`; true if it came out on `to`, false if it came out nowhere. */
static bool
passes(struct fx *f, struct fx_port *on, struct fx_port *to, const struct frame_spec *fs)
{
	unsigned int n;

	fx_send(f, on, fs);
	n = fx_collect(to, 1, NULL, 0);
	if (n == 0)
		fx_settle(f);
	return n == 1;
}

static uint64_t
hits_of(struct fx *f, uint64_t id)
{
	struct dfp_engine_filter_info info;

	assert_int_equal(dfp_ctl_filter_get(f->s, id, &info), DFP_STATUS_SUCCESS);
	return info.hits;
}

static uint64_t
blocked(struct fx *f)
{
	struct dfp_dp_stats s;

	fx_stats(f, &s);
	return s.drops[DFP_DP_DROP_FILTER_BLOCK];
}

/* A commit at the layer applies to a known flow's next packet, both ways. */
static void
test_dp_known_flow_follows_each_commit_at_its_transport_layer(void **state)
{
	struct fx *f = *state;
	struct frame_spec fs = udp(true, CPORT);
	uint64_t id;
	int i;

	for (i = 0; i < 4; i++)
		assert_true(passes(f, &f->out, &f->in, &fs));
	id = fx_add_port_filter(f, DFP_LAYER_INBOUND_TRANSPORT_V4, SPORT, DFP_ACTION_BLOCK);
	for (i = 0; i < 3; i++)
		assert_false(passes(f, &f->out, &f->in, &fs));
	assert_int_equal(blocked(f), 3);
	assert_int_equal(hits_of(f, id), 3);
	assert_int_equal(dfp_ctl_filter_delete_by_id(f->s, id), DFP_STATUS_SUCCESS);
	for (i = 0; i < 3; i++)
		assert_true(passes(f, &f->out, &f->in, &fs));
	assert_int_equal(blocked(f), 3);
	fx_assert_accounting(f);
}

/* The same at IPPACKET, with a permit filter whose hits count every packet. */
static void
test_dp_kept_verdicts_count_every_packet_as_a_hit(void **state)
{
	struct fx *f = *state;
	struct frame_spec fs = udp(true, CPORT + 1);
	struct dfp_engine_cond c;
	uint64_t permit, block;
	int i;

	memset(&c, 0, sizeof(c));
	c.field = DFP_FIELD_IP_PROTOCOL;
	c.match = DFP_MATCH_EQUAL;
	c.value.lo = 17;
	permit = fx_filter_add(f, DFP_LAYER_INBOUND_IPPACKET_V4, DFP_ACTION_PERMIT, 5, &c, 1, NULL);
	for (i = 0; i < 20; i++)
		assert_true(passes(f, &f->out, &f->in, &fs));
	assert_int_equal(hits_of(f, permit), 20);
	/* A heavier block at the same layer takes over the flow at once. */
	block = fx_filter_add(f, DFP_LAYER_INBOUND_IPPACKET_V4, DFP_ACTION_BLOCK, 50, &c, 1, NULL);
	for (i = 0; i < 5; i++)
		assert_false(passes(f, &f->out, &f->in, &fs));
	assert_int_equal(hits_of(f, block), 5);
	assert_int_equal(hits_of(f, permit), 20);
	assert_int_equal(blocked(f), 5);
	fx_assert_accounting(f);
}

/* Inspection callout classifications seen (release/acquire). */
static uint64_t calls;

static void
count_classify(const struct dfp_callout_classify_in *in,
		const struct dfp_engine_filter_rt *filter, uint64_t flow_context,
		struct dfp_classify_out *out)
{
	(void)in;
	(void)filter;
	(void)flow_context;
	(void)out;
	__atomic_store_n(&calls, __atomic_load_n(&calls, __ATOMIC_RELAXED) + 1, __ATOMIC_RELEASE);
}

/* A layer with a callout filter keeps nothing: the callout sees every packet. */
static void
test_dp_callout_at_the_layer_sees_every_packet_of_a_known_flow(void **state)
{
	struct fx *f = *state;
	struct frame_spec fs = udp(true, CPORT + 2);
	struct dfp_guid key;
	int i;

	__atomic_store_n(&calls, 0, __ATOMIC_RELEASE);
	fx_callout_add(f, "kept-probe", DFP_LAYER_INBOUND_TRANSPORT_V4, count_classify, NULL, NULL,
		0, &key);
	fx_filter_add(f, DFP_LAYER_INBOUND_TRANSPORT_V4, DFP_ACTION_CALLOUT_INSPECTION, 100, NULL, 0,
		&key);
	/* A static filter beside it, which alone would make the layer's verdict keepable. */
	fx_add_port_filter(f, DFP_LAYER_INBOUND_TRANSPORT_V4, SPORT, DFP_ACTION_PERMIT);
	for (i = 0; i < 12; i++)
		assert_true(passes(f, &f->out, &f->in, &fs));
	fx_settle(f);
	assert_int_equal(__atomic_load_n(&calls, __ATOMIC_ACQUIRE), 12);
	fx_assert_accounting(f);
}

/* A condition on TCP flags (not in the flow key) is evaluated per packet. */
static void
test_dp_condition_outside_the_flow_key_is_evaluated_per_packet(void **state)
{
	struct fx *f = *state;
	struct frame_spec syn = fx_conn_spec(CLIENT, SERVER, true, 6, CPORT + 3, 80, SYN, 0);
	struct frame_spec synack = fx_conn_spec(CLIENT, SERVER, false, 6, CPORT + 3, 80,
		SYN | ACK, 0);
	struct frame_spec ack = fx_conn_spec(CLIENT, SERVER, true, 6, CPORT + 3, 80, ACK, 0);
	struct frame_spec data = fx_conn_spec(CLIENT, SERVER, true, 6, CPORT + 3, 80, PSH | ACK,
		10);
	struct dfp_engine_cond c;
	uint64_t id;
	int i;

	/* Block bare ACKs from outside; everything else at the layer passes. */
	memset(&c, 0, sizeof(c));
	c.field = DFP_FIELD_DFP_TCP_FLAGS;
	c.match = DFP_MATCH_EQUAL;
	c.value.lo = ACK;
	id = fx_filter_add(f, DFP_LAYER_INBOUND_TRANSPORT_V4, DFP_ACTION_BLOCK, 10, &c, 1, NULL);
	assert_true(passes(f, &f->out, &f->in, &syn));
	assert_true(passes(f, &f->in, &f->out, &synack));
	for (i = 0; i < 3; i++) {
		assert_true(passes(f, &f->out, &f->in, &data));
		assert_false(passes(f, &f->out, &f->in, &ack));
	}
	assert_true(passes(f, &f->out, &f->in, &data));
	assert_int_equal(hits_of(f, id), 3);
	assert_int_equal(blocked(f), 3);
	fx_assert_accounting(f);
}

/*
 * The flow's two directions arriving on one port (the server's packets
 * coming in from outside too) take their own verdicts: a block on the remote
 * port SPORT hits only the packets the server sent.
 */
static void
test_dp_each_direction_of_a_flow_keeps_its_own_verdict(void **state)
{
	struct fx *f = *state;
	struct frame_spec fwd = udp(true, CPORT + 4);
	struct frame_spec rev = udp(false, CPORT + 4);
	struct dfp_engine_cond c;
	int i;

	memset(&c, 0, sizeof(c));
	c.field = DFP_FIELD_IP_REMOTE_PORT;
	c.match = DFP_MATCH_EQUAL;
	c.value.lo = SPORT;
	fx_filter_add(f, DFP_LAYER_INBOUND_TRANSPORT_V4, DFP_ACTION_BLOCK, 10, &c, 1, NULL);
	for (i = 0; i < 3; i++) {
		assert_true(passes(f, &f->out, &f->in, &fwd));
		assert_false(passes(f, &f->out, &f->in, &rev));
	}
	assert_int_equal(blocked(f), 3);
	fx_assert_accounting(f);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_dp_known_flow_follows_each_commit_at_its_transport_layer),
		T(test_dp_kept_verdicts_count_every_packet_as_a_hit),
		T(test_dp_callout_at_the_layer_sees_every_packet_of_a_known_flow),
		T(test_dp_condition_outside_the_flow_key_is_evaluated_per_packet),
		T(test_dp_each_direction_of_a_flow_keeps_its_own_verdict),
	};

	if (dfp_test_eal_init(NULL, 0) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
