/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The example plugin (examples/plugin, module "port_block") loaded with
 * dfp_module_plugin_load() and run through the real datapath (net_ring
 * ports, dp_fixture.h): its register_fn calls FwpsCalloutRegister1, which
 * it resolves from this executable, and its WFP-style classifyFn blocks
 * the configured remote port at INBOUND_TRANSPORT_V4.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include <cmocka.h>

#include "dfp_callout.h"
#include "dfp_ctl.h"
#include "dfp_dp.h"
#include "dfp_engine.h"
#include "dfp_module.h"
#include "mod_host.h"
#include "test_eal.h"

#define CLIENT "198.51.100.20"
#define SERVER "192.0.2.10"

static struct dfp_module_plugin *plugin;
static const struct dfp_module *port_block;

static struct frame_spec
udp_in(uint16_t sport, uint16_t dport)
{
	struct frame_spec fs;

	memset(&fs, 0, sizeof(fs));
	fs.src = CLIENT;
	fs.dst = SERVER;
	fs.sport = sport;
	fs.dport = dport;
	fs.proto = 17;
	fs.payload = 8;
	return fs;
}

static int
setup(void **state)
{
	const char *dir = getenv("DFP_PLUGIN_DIR");
	char path[512], err[512];

	snprintf(path, sizeof(path), "%s/dfp_example_plugin.so", dir != NULL ? dir : ".");
	if (dfp_module_plugin_load(path, &plugin, &port_block, err, sizeof(err)) !=
			DFP_STATUS_SUCCESS) {
		print_error("%s\n", err);
		return -1;
	}
	return mt_setup(state);
}

/* The instances go first (unregistered, destroyed), then the shared object. */
static int
teardown(void **state)
{
	int rc = mt_teardown(state);

	dfp_module_plugin_unload(plugin);
	plugin = NULL;
	return rc;
}

static void
test_plugin_port_block_blocks_its_remote_port_through_the_datapath(void **state)
{
	static const struct dfp_module_param p[] = {{"port", "6666"}};
	struct mt *t = *state;
	struct fx *f = t->f;
	struct mh_inst *mi = mt_inst(t);
	struct frame_spec fs;
	struct dfp_dp_stats s;
	char d[128];

	mh_declare(f, mi, port_block, "pb", DFP_LAYER_INBOUND_TRANSPORT_V4, p, RTE_DIM(p));
	/* Registered by the plugin itself (FwpsCalloutRegister1), under its key. */
	assert_non_null(mi->inst.callouts[0].register_fn);
	assert_true(dfp_callout_is_registered(dfp_ctl_callouts(f->ctl), mi->ids[0]));
	mh_filter_add(f, mi, DFP_ACTION_CALLOUT_TERMINATING, 10, NULL, 0);

	/* Remote port 6666 (the client's source port, inbound): blocked. */
	fs = udp_in(6666, 53);
	fx_send(f, &f->out, &fs);
	assert_int_equal(FX_WAIT_STAT(f, drops[DFP_DP_DROP_FILTER_BLOCK], 1, FX_WAIT_MS), 1);
	assert_int_equal(fx_collect(&f->in, 0, NULL, 0), 0);
	/* Any other remote port: permitted, even towards local port 6666. */
	fs = udp_in(7777, 53);
	fx_send(f, &f->out, &fs);
	assert_int_equal(fx_collect(&f->in, 1, NULL, 0), 1);
	fs = udp_in(7778, 6666);
	fx_send(f, &f->out, &fs);
	assert_int_equal(fx_collect(&f->in, 1, NULL, 0), 1);
	/* Outbound packets are not at INBOUND_TRANSPORT. */
	fs = udp_in(53, 6666);
	fs.src = SERVER;
	fs.dst = CLIENT;
	fx_send(f, &f->in, &fs);
	assert_int_equal(fx_collect(&f->out, 1, NULL, 0), 1);

	assert_string_equal(mh_describe(mi, d, sizeof(d)), "port 6666 blocked 1 permitted 2");
	fx_stats(f, &s);
	assert_int_equal(s.drops[DFP_DP_DROP_FILTER_BLOCK], 1);
	fx_assert_accounting(f);
}

/* A filter naming one instance's callout for one remote port. */
static void
remote_port_filter(struct fx *f, struct mh_inst *mi, uint16_t port)
{
	struct dfp_engine_cond c;

	memset(&c, 0, sizeof(c));
	c.field = DFP_FIELD_IP_REMOTE_PORT;
	c.match = DFP_MATCH_EQUAL;
	c.value.lo = port;
	mh_filter_add(f, mi, DFP_ACTION_CALLOUT_TERMINATING, 10, &c, 1);
}

static void
test_plugin_instances_are_told_apart_by_their_callout_ids(void **state)
{
	static const struct dfp_module_param p1[] = {{"port", "1111"}};
	static const struct dfp_module_param p2[] = {{"port", "2222"}};
	struct mt *t = *state;
	struct fx *f = t->f;
	struct mh_inst *a = mt_inst(t), *b = mt_inst(t);
	struct frame_spec fs;
	char d[128];

	mh_declare(f, a, port_block, "pb1", DFP_LAYER_INBOUND_TRANSPORT_V4, p1, 1);
	mh_declare(f, b, port_block, "pb2", DFP_LAYER_INBOUND_TRANSPORT_V4, p2, 1);
	assert_int_not_equal(a->ids[0], b->ids[0]);
	/* Each instance is asked about its own port only: each must use its own param. */
	remote_port_filter(f, a, 1111);
	remote_port_filter(f, b, 2222);

	fs = udp_in(1111, 53);
	fx_send(f, &f->out, &fs);
	assert_int_equal(FX_WAIT_STAT(f, drops[DFP_DP_DROP_FILTER_BLOCK], 1, FX_WAIT_MS), 1);
	fs = udp_in(2222, 53);
	fx_send(f, &f->out, &fs);
	assert_int_equal(FX_WAIT_STAT(f, drops[DFP_DP_DROP_FILTER_BLOCK], 2, FX_WAIT_MS), 2);
	/* Neither filter matches: nobody is asked, the packet goes on. */
	fs = udp_in(3333, 53);
	fx_send(f, &f->out, &fs);
	assert_int_equal(fx_collect(&f->in, 1, NULL, 0), 1);
	assert_string_equal(mh_describe(a, d, sizeof(d)), "port 1111 blocked 1 permitted 0");
	assert_string_equal(mh_describe(b, d, sizeof(d)), "port 2222 blocked 1 permitted 0");
	fx_assert_accounting(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_plugin_port_block_blocks_its_remote_port_through_the_datapath,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_plugin_instances_are_told_apart_by_their_callout_ids, setup, teardown),
	};

	if (dfp_test_eal_init(NULL, 0) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
