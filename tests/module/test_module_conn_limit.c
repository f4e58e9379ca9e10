/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * builtin:conn_limit through the real datapath (net_ring ports,
 * dp_fixture.h), declared at ALE_AUTH_RECV_ACCEPT_V4 so the remote address
 * is the client's: the flow beyond `max` from one address is blocked while
 * another address passes; a count comes back when its flow ends (RST,
 * aging of a flow that never established, shutdown); re-authorisations are
 * not counted twice; a full table fails closed for new addresses only;
 * under a hard permit it limits only with `veto: yes` (a veto, counted by
 * the module and the datapath), and under a hard block it counts nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include <cmocka.h>

#include "dfp_callout.h"
#include "dfp_ctl.h"
#include "dfp_dp.h"
#include "dfp_module.h"
#include "mod_host.h"
#include "test_eal.h"

#define CLIENT_A "198.51.100.20"
#define CLIENT_B "198.51.100.21"
#define SERVER "192.0.2.10"

#define SYN 0x02
#define RST 0x04
#define ACK 0x10

static struct frame_spec
flow_in(const char *client, uint8_t proto, uint16_t cport, uint8_t flags)
{
	struct frame_spec fs;

	memset(&fs, 0, sizeof(fs));
	fs.src = client;
	fs.dst = SERVER;
	fs.sport = cport;
	fs.dport = 80;
	fs.proto = proto;
	fs.tcp_flags = flags;
	fs.payload = proto == 17 ? 4 : 0;
	return fs;
}

/*
 * Send from a client; true if it came out on the inside, false if the
 * datapath dropped it (waits for one or the other, bounded).
 */
static bool
passes(struct fx *f, const char *client, uint8_t proto, uint16_t cport, uint8_t flags)
{
	struct frame_spec fs = flow_in(client, proto, cport, flags);
	uint64_t end = rte_get_tsc_cycles() + rte_get_tsc_hz() * FX_WAIT_MS / 1000;
	struct dfp_dp_stats s0, s;

	fx_stats(f, &s0);
	fx_send(f, &f->out, &fs);
	do {
		fx_stats(f, &s);
		if (s.tx_packets > s0.tx_packets || fx_drops(&s) > fx_drops(&s0))
			break;
		usleep(200);
	} while (rte_get_tsc_cycles() < end);
	if (s.tx_packets > s0.tx_packets) {
		assert_int_equal(fx_collect(&f->in, 1, NULL, 0), 1);
		return true;
	}
	assert_int_equal(fx_drops(&s), fx_drops(&s0) + 1);
	return false;
}

static struct mh_inst *
limit_declare(struct mt *t, const char *max, const char *table_size)
{
	struct dfp_module_param p[2] = {{"max", max}, {"table_size", table_size}};
	struct mh_inst *mi = mt_inst(t);

	mh_declare(t->f, mi, dfp_module_builtin("conn_limit"), "lim",
		DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, p, table_size != NULL ? 2 : 1);
	mh_filter_add(t->f, mi, DFP_ACTION_CALLOUT_TERMINATING, 10, NULL, 0);
	return mi;
}

static void
test_conn_limit_blocks_the_flow_beyond_max_while_another_address_passes(void **state)
{
	struct mt *t = *state;
	struct fx *f = t->f;
	struct mh_inst *mi = limit_declare(t, "2", NULL);
	struct dfp_dp_stats s;

	assert_true(passes(f, CLIENT_A, 17, 7000, 0));
	assert_true(passes(f, CLIENT_A, 17, 7001, 0));
	assert_false(passes(f, CLIENT_A, 17, 7002, 0));
	assert_true(passes(f, CLIENT_B, 17, 7000, 0));
	assert_true(passes(f, CLIENT_B, 17, 7001, 0));
	assert_false(passes(f, CLIENT_B, 17, 7002, 0));
	/* Admitted flows keep going; their later packets are not classified again. */
	assert_true(passes(f, CLIENT_A, 17, 7000, 0));
	assert_true(passes(f, CLIENT_A, 17, 7001, 0));
	assert_int_equal(mh_stat(mi, "admitted"), 4);
	assert_int_equal(mh_stat(mi, "blocked"), 2);
	assert_int_equal(mh_stat(mi, "live"), 4);
	fx_stats(f, &s);
	assert_int_equal(s.drops[DFP_DP_DROP_FILTER_BLOCK], 2);
	/* Shutdown ends every flow: every count comes back. */
	assert_int_equal(dfp_dp_stop(f->dp), DFP_STATUS_SUCCESS);
	assert_int_equal(mh_stat(mi, "live"), 0);
	fx_assert_accounting(f);
}

static void
test_conn_limit_count_comes_back_when_the_flow_ends(void **state)
{
	struct mt *t = *state;
	struct fx *f = t->f;
	struct mh_inst *mi = limit_declare(t, "1", NULL);

	/* A's TCP connection: handshake done. */
	assert_true(passes(f, CLIENT_A, 6, 41000, SYN));
	{
		struct frame_spec fs = flow_in(CLIENT_A, 6, 41000, SYN | ACK);

		fs.src = SERVER;
		fs.dst = CLIENT_A;
		fs.sport = 80;
		fs.dport = 41000;
		fx_send(f, &f->in, &fs);
		assert_int_equal(fx_collect(&f->out, 1, NULL, 0), 1);
	}
	assert_true(passes(f, CLIENT_A, 6, 41000, ACK));
	/* A second connection from A is one too many. */
	assert_false(passes(f, CLIENT_A, 6, 41001, SYN));
	assert_int_equal(mh_stat(mi, "live"), 1);
	/* A resets its first connection: the flow ends and its count comes back. */
	assert_true(passes(f, CLIENT_A, 6, 41000, RST | ACK));
	assert_int_equal(mh_stat(mi, "live"), 0);
	assert_true(passes(f, CLIENT_A, 6, 41002, SYN));
	assert_int_equal(mh_stat(mi, "admitted"), 2);
	assert_int_equal(mh_stat(mi, "blocked"), 1);
	assert_int_equal(mh_stat(mi, "live"), 1);
	fx_assert_accounting(f);
}

static void
test_conn_limit_flow_that_never_establishes_gives_its_count_back_when_it_ages(void **state)
{
	struct mt *t = *state;
	struct fx *f = t->f;
	struct mh_inst *mi = limit_declare(t, "1", NULL);
	struct dfp_dp_stats s;

	/* A SYN that never gets its handshake: counted at authorisation ... */
	assert_true(passes(f, CLIENT_A, 6, 42000, SYN));
	assert_false(passes(f, CLIENT_A, 6, 42001, SYN));
	/* ... and given back when the flow ages out (idle timeout 1 s), not leaked. */
	assert_int_equal(FX_WAIT_STAT(f, flows_aged, 2, 5000), 2);
	assert_int_equal(mh_stat(mi, "live"), 0);
	assert_true(passes(f, CLIENT_A, 6, 42002, SYN));
	fx_stats(f, &s);
	assert_int_equal(s.flows_created, 3);
	assert_int_equal(mh_stat(mi, "admitted"), 2);
	fx_assert_accounting(f);
}

static void
test_conn_limit_reauthorization_is_permitted_and_not_counted_twice(void **state)
{
	struct mt *t = *state;
	struct fx *f = t->f;
	struct mh_inst *mi = limit_declare(t, "1", NULL);
	struct dfp_dp_stats s;

	assert_true(passes(f, CLIENT_A, 17, 7100, 0));
	/* A commit on the ALE layer: the flow's next packet is re-authorised. */
	fx_add_port_filter(f, DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, 9999, DFP_ACTION_PERMIT);
	assert_true(passes(f, CLIENT_A, 17, 7100, 0));
	fx_stats(f, &s);
	assert_int_equal(s.reauthorizations, 1);
	assert_int_equal(mh_stat(mi, "readmitted"), 1);
	assert_int_equal(mh_stat(mi, "admitted"), 1);
	assert_int_equal(mh_stat(mi, "live"), 1);
	/* Still one flow for A: a new one is refused, and the one count goes once. */
	assert_false(passes(f, CLIENT_A, 17, 7101, 0));
	assert_int_equal(dfp_dp_stop(f->dp), DFP_STATUS_SUCCESS);
	assert_int_equal(mh_stat(mi, "live"), 0);
	fx_assert_accounting(f);
}

static void
test_conn_limit_full_table_fails_closed_for_new_addresses_only(void **state)
{
	static const char *const clients[] = {"203.0.113.1", "203.0.113.2", "203.0.113.3",
		"203.0.113.4"};
	struct mt *t = *state;
	struct fx *f = t->f;
	struct mh_inst *mi = limit_declare(t, "5", "4");
	unsigned int i;

	/* Four slots, four addresses. */
	for (i = 0; i < RTE_DIM(clients); i++)
		assert_true(passes(f, clients[i], 6, 43000, SYN));
	assert_false(passes(f, CLIENT_A, 6, 43000, SYN));
	assert_int_equal(mh_stat(mi, "table_full"), 1);
	/* Addresses already in the table still get new flows. */
	assert_true(passes(f, clients[0], 6, 43001, SYN));
	/* The last flow of an address ends: its slot is free for another address. */
	assert_true(passes(f, clients[3], 6, 43000, RST));
	assert_true(passes(f, CLIENT_A, 6, 43002, SYN));
	assert_int_equal(mh_stat(mi, "table_full"), 1);
	assert_int_equal(mh_stat(mi, "admitted"), 6);
	assert_int_equal(mh_stat(mi, "live"), 5);
	fx_assert_accounting(f);
}

/*
 * The limiter (max 1, veto param) in a sublayer "lo" (weight 100) under a
 * static filter of action `above` in UNIVERSAL (0x8000): a hard permit
 * (CLEAR_ACTION_RIGHT) or a block, both hard.
 */
static struct mh_inst *
limit_under(struct mt *t, const char *veto, uint32_t above)
{
	struct dfp_module_param p[2] = {{"max", "1"}, {"veto", veto}};
	struct mh_inst *mi = mt_inst(t);
	struct dfp_engine_sublayer_spec sl;
	struct dfp_engine_filter_spec fs;
	struct dfp_guid lo;
	uint64_t id;

	mh_declare(t->f, mi, dfp_module_builtin("conn_limit"), "lim",
		DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, p, 2);
	memset(&sl, 0, sizeof(sl));
	sl.name = "lo";
	sl.weight = 100;
	assert_int_equal(dfp_ctl_sublayer_add(t->f->s, &sl, &lo), DFP_STATUS_SUCCESS);
	memset(&fs, 0, sizeof(fs));
	fs.name = "above";
	fs.layer_id = DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4;
	fs.weight_type = DFP_ENGINE_WEIGHT_EXPLICIT;
	fs.weight = 1;
	fs.flags = above == DFP_ACTION_PERMIT ? DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT : 0;
	fs.action = above;
	assert_int_equal(dfp_ctl_filter_add(t->f->s, &fs, &id), DFP_STATUS_SUCCESS);
	memset(&fs, 0, sizeof(fs));
	fs.name = "limit";
	fs.layer_id = DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4;
	fs.sublayer_key = lo;
	fs.weight_type = DFP_ENGINE_WEIGHT_EXPLICIT;
	fs.weight = 10;
	fs.action = DFP_ACTION_CALLOUT_TERMINATING;
	fs.callout_key = mi->inst.callouts[0].key;
	assert_int_equal(dfp_ctl_filter_add(t->f->s, &fs, &id), DFP_STATUS_SUCCESS);
	/* mh_remove() deletes it before the callout object. */
	mi->filters[mi->n_filters++] = id;
	return mi;
}

static void
test_conn_limit_veto_blocks_over_a_hard_permit(void **state)
{
	struct mt *t = *state;
	struct fx *f = t->f;
	struct mh_inst *mi = limit_under(t, "yes", DFP_ACTION_PERMIT);
	struct dfp_dp_stats s;

	/* Counted under the hard permit: the first flow of A passes, the second is vetoed. */
	assert_true(passes(f, CLIENT_A, 17, 7200, 0));
	assert_false(passes(f, CLIENT_A, 17, 7201, 0));
	assert_true(passes(f, CLIENT_B, 17, 7200, 0));
	assert_true(passes(f, CLIENT_A, 17, 7200, 0));
	assert_int_equal(mh_stat(mi, "admitted"), 2);
	assert_int_equal(mh_stat(mi, "blocked"), 1);
	assert_int_equal(mh_stat(mi, "vetoed"), 1);
	assert_int_equal(mh_stat(mi, "no_right"), 0);
	assert_int_equal(mh_stat(mi, "live"), 2);
	fx_stats(f, &s);
	assert_int_equal(s.drops[DFP_DP_DROP_FILTER_BLOCK], 1);
	assert_int_equal(s.vetoes, 1);
	assert_int_equal(dfp_dp_stop(f->dp), DFP_STATUS_SUCCESS);
	assert_int_equal(mh_stat(mi, "live"), 0);
	fx_assert_accounting(f);
}

static void
test_conn_limit_without_veto_leaves_a_hard_permit_alone(void **state)
{
	struct mt *t = *state;
	struct fx *f = t->f;
	struct mh_inst *mi = limit_under(t, "no", DFP_ACTION_PERMIT);
	struct dfp_dp_stats s;

	assert_true(passes(f, CLIENT_A, 17, 7300, 0));
	assert_true(passes(f, CLIENT_A, 17, 7301, 0));
	assert_int_equal(mh_stat(mi, "no_right"), 2);
	assert_int_equal(mh_stat(mi, "admitted"), 0);
	assert_int_equal(mh_stat(mi, "vetoed"), 0);
	assert_int_equal(mh_stat(mi, "live"), 0);
	fx_stats(f, &s);
	assert_int_equal(s.vetoes, 0);
	fx_assert_accounting(f);
}

static void
test_conn_limit_veto_does_nothing_under_a_hard_block(void **state)
{
	struct mt *t = *state;
	struct fx *f = t->f;
	struct mh_inst *mi = limit_under(t, "yes", DFP_ACTION_BLOCK);
	struct dfp_dp_stats s;

	/* Dropped anyway; nothing counted, so no count waits for the flows to age. */
	assert_false(passes(f, CLIENT_A, 17, 7400, 0));
	assert_false(passes(f, CLIENT_A, 17, 7401, 0));
	assert_int_equal(mh_stat(mi, "no_right"), 2);
	assert_int_equal(mh_stat(mi, "admitted"), 0);
	assert_int_equal(mh_stat(mi, "vetoed"), 0);
	assert_int_equal(mh_stat(mi, "live"), 0);
	fx_stats(f, &s);
	assert_int_equal(s.vetoes, 0);
	fx_assert_accounting(f);
}

static int
setup_idle_1s(void **state)
{
	struct fx_opts o;

	memset(&o, 0, sizeof(o));
	o.idle_timeout_s = 1;
	return mt_setup_opts(state, &o);
}

#define T(name) cmocka_unit_test_setup_teardown(name, mt_setup, mt_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_conn_limit_blocks_the_flow_beyond_max_while_another_address_passes),
		T(test_conn_limit_count_comes_back_when_the_flow_ends),
		cmocka_unit_test_setup_teardown(
			test_conn_limit_flow_that_never_establishes_gives_its_count_back_when_it_ages,
			setup_idle_1s, mt_teardown),
		T(test_conn_limit_reauthorization_is_permitted_and_not_counted_twice),
		T(test_conn_limit_full_table_fails_closed_for_new_addresses_only),
		T(test_conn_limit_veto_blocks_over_a_hard_permit),
		T(test_conn_limit_without_veto_leaves_a_hard_permit_alone),
		T(test_conn_limit_veto_does_nothing_under_a_hard_block),
	};

	if (dfp_test_eal_init(NULL, 0) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
