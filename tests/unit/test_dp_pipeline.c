/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath through real PMDs in-process (dp_fixture.h): forwarding,
 * per-packet and ALE blocks, parse drops, pended flows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <cmocka.h>

#include "dfp_callout.h"
#include "dfp_ctl.h"
#include "dfp_dp.h"
#include "dp_fixture.h"
#include "test_eal.h"

/* ---- Tests ---- */

static void
test_dp_forwards_between_peers_both_ways(void **state)
{
	struct frame_spec in = {"198.51.100.1", "192.0.2.1", 5000, 53, 17, 0, 10, 1};
	struct frame_spec out = {"192.0.2.1", "198.51.100.1", 53, 5000, 17, 0, 10, 2};
	struct fx *f = *state;
	struct dfp_dp_stats s;

	fx_inject(&f->out, fx_frame(f, &in));
	assert_int_equal(fx_collect(&f->in, 1, NULL, 0), 1);
	fx_inject(&f->in, fx_frame(f, &out));
	assert_int_equal(fx_collect(&f->out, 1, NULL, 0), 1);
	fx_settle(f);
	fx_stats(f, &s);
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

	fx_add_port_filter(f, DFP_LAYER_INBOUND_TRANSPORT_V4, 23, DFP_ACTION_BLOCK);
	fx_inject(&f->out, fx_frame(f, &telnet));
	fx_inject(&f->out, fx_frame(f, &web));
	assert_int_equal(fx_collect(&f->in, 1, NULL, 0), 1);
	fx_settle(f);
	fx_stats(f, &s);
	assert_int_equal(s.drops[DFP_DP_DROP_FILTER_BLOCK], 1);
	assert_int_equal(s.rx_packets, s.tx_packets + s.drops[DFP_DP_DROP_FILTER_BLOCK]);
}

static void
test_dp_truncated_frame_is_dropped_by_reason(void **state)
{
	struct frame_spec fs = {"198.51.100.1", "192.0.2.1", 1, 2, 17, 0, 0, 5};
	struct fx *f = *state;
	struct dfp_dp_stats s;
	struct rte_mbuf *m = fx_frame(f, &fs);

	/* Cut inside the IPv4 header. */
	rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - 20);
	fx_inject(&f->out, m);
	fx_settle(f);
	fx_stats(f, &s);
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

	fx_add_port_filter(f, DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, 9999, DFP_ACTION_BLOCK);
	fx_inject(&f->out, fx_frame(f, &fs));
	fx_inject(&f->out, fx_frame(f, &fs));
	fx_settle(f);
	assert_int_equal(fx_collect(&f->in, 0, NULL, 0), 0);
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, 1);
	assert_int_equal(s.drops[DFP_DP_DROP_FILTER_BLOCK], 2);
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

	fx_pend_setup(f, 7777, 0);
	for (i = 0; i < 3; i++) {
		fs.ip_id = (uint16_t)(100 + i);
		fx_inject(&f->out, fx_frame(f, &fs));
	}
	h = fx_wait_pended(f, 1);
	assert_int_not_equal(h, 0);
	fx_settle(f);
	fx_stats(f, &s);
	assert_int_equal(s.held_now, 3);
	assert_int_equal(fx_collect(&f->in, 0, NULL, 0), 0);

	assert_int_equal(dfp_callout_handle_complete(dfp_ctl_callouts(f->ctl), h, &co),
		DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_handle_release(dfp_ctl_callouts(f->ctl), h),
		DFP_STATUS_SUCCESS);
	assert_int_equal(fx_collect(&f->in, 3, got, 3), 3);
	for (i = 0; i < 3; i++) {
		const uint8_t *b = rte_pktmbuf_mtod(got[i], const uint8_t *);

		/* In arrival order: IP identification 100, 101, 102. */
		assert_int_equal((b[18] << 8) | b[19], 100 + i);
		rte_pktmbuf_free(got[i]);
	}
	fx_stats(f, &s);
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

	fx_pend_setup(f, 7778, 0);
	fx_inject(&f->out, fx_frame(f, &fs));
	fx_inject(&f->out, fx_frame(f, &fs));
	h = fx_wait_pended(f, 1);
	assert_int_not_equal(h, 0);
	fx_settle(f);
	assert_int_equal(dfp_callout_handle_complete(dfp_ctl_callouts(f->ctl), h, &co),
		DFP_STATUS_SUCCESS);
	dfp_callout_handle_release(dfp_ctl_callouts(f->ctl), h);
	fx_settle(f);
	assert_int_equal(fx_collect(&f->in, 0, NULL, 0), 0);
	fx_stats(f, &s);
	assert_int_equal(s.drops[DFP_DP_DROP_PEND_BLOCKED], 2);
	assert_int_equal(s.held_now, 0);
	/* Later packets of the flow are blocked too. */
	fx_inject(&f->out, fx_frame(f, &fs));
	fx_settle(f);
	fx_stats(f, &s);
	assert_int_equal(s.drops[DFP_DP_DROP_FILTER_BLOCK], 1);
}

static void
test_dp_pend_timeout_completes_with_the_default(void **state)
{
	struct frame_spec fs = {"198.51.100.9", "192.0.2.1", 6002, 7779, 17, 0, 0, 0};
	struct fx *f = *state;
	struct dfp_dp_stats s;
	uint64_t end, h;

	fx_pend_setup(f, 7779, 0);
	fx_inject(&f->out, fx_frame(f, &fs));
	h = fx_wait_pended(f, 1);
	assert_int_not_equal(h, 0);
	/* The pend timeout is 500 ms; the callout's default is BLOCK. */
	end = rte_get_tsc_cycles() + rte_get_tsc_hz() * FX_WAIT_MS / 1000;
	while (dfp_callout_pend_expire(dfp_ctl_callouts(f->ctl)) == 0 &&
			rte_get_tsc_cycles() < end)
		fx_sleep_ms(10);
	dfp_callout_handle_release(dfp_ctl_callouts(f->ctl), h);
	fx_settle(f);
	fx_stats(f, &s);
	assert_int_equal(s.drops[DFP_DP_DROP_PEND_BLOCKED], 1);
	assert_int_equal(s.held_now, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dp_forwards_between_peers_both_ways, fx_setup,
			fx_teardown),
		cmocka_unit_test_setup_teardown(test_dp_block_at_inbound_transport_drops_and_counts,
			fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_dp_truncated_frame_is_dropped_by_reason,
			fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_dp_ale_block_blocks_the_whole_flow, fx_setup,
			fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_dp_pended_flow_holds_packets_then_permit_releases_them_in_order,
			fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_dp_pended_flow_completed_with_block_drops_held_packets, fx_setup,
			fx_teardown),
		cmocka_unit_test_setup_teardown(test_dp_pend_timeout_completes_with_the_default,
			fx_setup, fx_teardown),
	};

	if (dfp_test_eal_init(NULL, 0) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
