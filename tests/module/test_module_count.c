/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * builtin:count through the real datapath (net_ring ports, dp_fixture.h):
 * a TCP and a UDP flow counted both ways at the companion that matches
 * their protocol, flowDeleteFn reporting once at TCP teardown, at aging and
 * at shutdown, describe() totals, the companions' registrations and
 * unregistration (STATUS_DEVICE_BUSY while a flow carries a context), and
 * an exhausted context pool.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include <cmocka.h>

#include "dfp_callout.h"
#include "dfp_ctl.h"
#include "dfp_dp.h"
#include "dfp_flow.h"
#include "dfp_module.h"
#include "mod_host.h"
#include "test_eal.h"

#define CLIENT "198.51.100.20"
#define SERVER "192.0.2.10"

#define FIN 0x01
#define SYN 0x02
#define PSH 0x08
#define ACK 0x10

/* Ethernet + IPv4 + TCP/UDP header bytes of the fixture's frames. */
#define TCP_HDRS (14 + 20 + 20)
#define UDP_HDRS (14 + 20 + 8)

static struct frame_spec
tcp(bool from_client, uint16_t cport, uint8_t flags, uint16_t payload)
{
	return fx_conn_spec(CLIENT, SERVER, from_client, 6, cport, 80, flags, payload);
}

static struct frame_spec
udp(bool from_client, uint16_t cport, uint16_t payload)
{
	struct frame_spec fs;

	memset(&fs, 0, sizeof(fs));
	fs.src = from_client ? CLIENT : SERVER;
	fs.dst = from_client ? SERVER : CLIENT;
	fs.sport = from_client ? cport : 53;
	fs.dport = from_client ? 53 : cport;
	fs.proto = 17;
	fs.payload = payload;
	return fs;
}

/* Send from the client (outside, INBOUND) or the server (inside, OUTBOUND); expect it through. */
static void
pass(struct fx *f, const struct frame_spec *fs, bool from_client)
{
	fx_send(f, from_client ? &f->out : &f->in, fs);
	assert_int_equal(fx_collect(from_client ? &f->in : &f->out, 1, NULL, 0), 1);
}

static void
tcp_handshake(struct fx *f, uint16_t cport)
{
	struct frame_spec fs;

	fs = tcp(true, cport, SYN, 0);
	pass(f, &fs, true);
	fs = tcp(false, cport, SYN | ACK, 0);
	pass(f, &fs, false);
	fs = tcp(true, cport, ACK, 0);
	pass(f, &fs, true);
}

/* count at ALE_FLOW_ESTABLISHED_V4 named "cnt", with a match-all inspection filter. */
static struct mh_inst *
count_declare(struct mt *t, const struct dfp_module_param *params, unsigned int n_params)
{
	struct mh_inst *mi = mt_inst(t);

	mh_declare(t->f, mi, dfp_module_builtin("count"), "cnt", DFP_LAYER_ALE_FLOW_ESTABLISHED_V4,
		params, n_params);
	mh_filter_add(t->f, mi, DFP_ACTION_CALLOUT_INSPECTION, 10, NULL, 0);
	return mi;
}

/* The associations lib/flow holds now. */
struct ctx_list {
	unsigned int n;
	struct dfp_flow_context_info c[16];
};

static int
ctx_collect(void *arg, const struct dfp_flow_context_info *c)
{
	struct ctx_list *l = arg;

	if (l->n < RTE_DIM(l->c))
		l->c[l->n] = *c;
	l->n++;
	return 0;
}

static void
contexts(struct fx *f, struct ctx_list *l)
{
	memset(l, 0, sizeof(*l));
	dfp_flow_foreach_context(dfp_ctl_flows(f->ctl), ctx_collect, l);
}

/* The log line expected for a flow (flow id included). */
static void
expect_line(uint64_t flow_id, unsigned int proto, const char *src, unsigned int sport,
		const char *dst, unsigned int dport, uint64_t pin, uint64_t pout, uint64_t bin,
		uint64_t bout)
{
	char want[256];

	snprintf(want, sizeof(want), "count cnt: flow 0x%" PRIx64 " proto %u %s:%u > %s:%u "
		"packets %" PRIu64 "/%" PRIu64 " bytes %" PRIu64 "/%" PRIu64, flow_id, proto, src,
		sport, dst, dport, pin, pout, bin, bout);
	if (mh_log_count(want) != 1) {
		char line[256];

		print_error("expected once: %s\n", want);
		for (unsigned int i = 0; mh_log_line(i, line, sizeof(line)) != NULL; i++)
			print_error("logged: %s\n", line);
	}
	assert_int_equal(mh_log_count(want), 1);
}

/* ---- Tests ---- */

static void
test_count_tcp_flow_counted_both_ways_at_stream_and_reported_once_at_fin(void **state)
{
	struct mt *t = *state;
	struct fx *f = t->f;
	struct mh_inst *mi = count_declare(t, NULL, 0);
	static const uint16_t in[] = {100, 200, 300}, out[] = {50, 60};
	struct frame_spec fs;
	struct ctx_list l;
	uint64_t flow_id;
	unsigned int i;

	tcp_handshake(f, 40000);
	for (i = 0; i < RTE_DIM(in); i++) {
		fs = tcp(true, 40000, ACK | PSH, in[i]);
		pass(f, &fs, true);
	}
	for (i = 0; i < RTE_DIM(out); i++) {
		fs = tcp(false, 40000, ACK | PSH, out[i]);
		pass(f, &fs, false);
	}
	/* Without payload: not a STREAM indication, not counted. */
	fs = tcp(true, 40000, ACK, 0);
	pass(f, &fs, true);

	/* One context, at (flow, STREAM_V4, the stream companion). */
	contexts(f, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.c[0].layer_id, DFP_LAYER_STREAM_V4);
	assert_int_equal(l.c[0].callout_id, mi->ids[1]);
	flow_id = l.c[0].flow_id;
	assert_int_equal(mh_stat(mi, "live"), 1);
	assert_int_equal(mh_log_count("count cnt:"), 0);

	fs = tcp(true, 40000, FIN | ACK, 0);
	pass(f, &fs, true);
	fs = tcp(false, 40000, FIN | ACK, 0);
	pass(f, &fs, false);
	fs = tcp(true, 40000, ACK, 0);
	pass(f, &fs, true);
	assert_int_equal(mh_log_wait("count cnt:", 1, FX_WAIT_MS), 1);
	expect_line(flow_id, 6, CLIENT, 40000, SERVER, 80, 3, 2, 3 * TCP_HDRS + 600,
		2 * TCP_HDRS + 110);
	assert_int_equal(mh_stat(mi, "flows"), 1);
	assert_int_equal(mh_stat(mi, "packets"), 5);
	assert_int_equal(mh_stat(mi, "bytes"), 5 * TCP_HDRS + 710);
	assert_int_equal(mh_stat(mi, "live"), 0);
	contexts(f, &l);
	assert_int_equal(l.n, 0);
	/* Shutdown finds nothing more to report. */
	assert_int_equal(dfp_dp_stop(f->dp), DFP_STATUS_SUCCESS);
	assert_int_equal(mh_log_count("count cnt:"), 1);
	fx_assert_accounting(f);
}

static void
test_count_udp_flow_counted_both_ways_at_datagram_data_and_reported_once_at_aging(void **state)
{
	struct mt *t = *state;
	struct fx *f = t->f;
	struct mh_inst *mi = count_declare(t, NULL, 0);
	static const uint16_t in[] = {10, 20, 30}, out[] = {40, 50};
	struct frame_spec fs;
	struct dfp_dp_stats s;
	struct ctx_list l;
	uint64_t flow_id;
	unsigned int i;

	for (i = 0; i < RTE_DIM(in); i++) {
		fs = udp(true, 5000, in[i]);
		pass(f, &fs, true);
	}
	for (i = 0; i < RTE_DIM(out); i++) {
		fs = udp(false, 5000, out[i]);
		pass(f, &fs, false);
	}
	contexts(f, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.c[0].layer_id, DFP_LAYER_DATAGRAM_DATA_V4);
	assert_int_equal(l.c[0].callout_id, mi->ids[2]);
	flow_id = l.c[0].flow_id;

	/* Idle timeout 1 s: the flow ages out and its context is reported once. */
	assert_int_equal(mh_log_wait("count cnt:", 1, 5000), 1);
	fx_stats(f, &s);
	assert_int_equal(s.flows_aged, 1);
	expect_line(flow_id, 17, CLIENT, 5000, SERVER, 53, 3, 2, 3 * UDP_HDRS + 60,
		2 * UDP_HDRS + 90);
	assert_int_equal(mh_stat(mi, "flows"), 1);
	assert_int_equal(mh_stat(mi, "packets"), 5);
	assert_int_equal(mh_stat(mi, "bytes"), 5 * UDP_HDRS + 150);
	assert_int_equal(dfp_dp_stop(f->dp), DFP_STATUS_SUCCESS);
	assert_int_equal(mh_log_count("count cnt:"), 1);
	fx_assert_accounting(f);
}

static void
test_count_flows_still_live_are_reported_once_at_shutdown(void **state)
{
	struct mt *t = *state;
	struct fx *f = t->f;
	struct mh_inst *mi = count_declare(t, NULL, 0);
	struct frame_spec fs;
	struct ctx_list l;
	char needle[64];
	unsigned int i;

	tcp_handshake(f, 40100);
	fs = tcp(true, 40100, ACK | PSH, 1);
	pass(f, &fs, true);
	fs = udp(true, 5100, 7);
	pass(f, &fs, true);
	fs = udp(false, 5100, 8);
	pass(f, &fs, false);
	contexts(f, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(mh_stat(mi, "live"), 2);
	assert_int_equal(dfp_dp_stop(f->dp), DFP_STATUS_SUCCESS);
	/* dfp_dp_stop ends every flow: each context's flowDeleteFn ran, once. */
	assert_int_equal(mh_log_count("count cnt:"), 2);
	for (i = 0; i < 2; i++) {
		snprintf(needle, sizeof(needle), "flow 0x%" PRIx64 " ", l.c[i].flow_id);
		assert_int_equal(mh_log_count(needle), 1);
	}
	expect_line(l.c[0].layer_id == DFP_LAYER_STREAM_V4 ? l.c[0].flow_id : l.c[1].flow_id, 6,
		CLIENT, 40100, SERVER, 80, 1, 0, TCP_HDRS + 1, 0);
	assert_int_equal(mh_stat(mi, "flows"), 2);
	assert_int_equal(mh_stat(mi, "packets"), 3);
	assert_int_equal(mh_stat(mi, "bytes"), TCP_HDRS + 1 + 2 * UDP_HDRS + 15);
	assert_int_equal(mh_stat(mi, "live"), 0);
	fx_assert_accounting(f);
}

struct reg_list {
	unsigned int n;
	struct dfp_callout_reg_info r[8];
};

static int
reg_collect(void *arg, const struct dfp_callout_reg_info *r)
{
	struct reg_list *l = arg;

	if (l->n < RTE_DIM(l->r))
		l->r[l->n] = *r;
	l->n++;
	return 0;
}

static const struct dfp_callout_reg_info *
reg_find(const struct reg_list *l, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < l->n && i < RTE_DIM(l->r); i++)
		if (l->r[i].callout_id == id)
			return &l->r[i];
	return NULL;
}

static void
test_count_companions_are_registered_and_unregistered_with_it(void **state)
{
	struct mt *t = *state;
	struct fx *f = t->f;
	struct dfp_callout_rt *rt = dfp_ctl_callouts(f->ctl);
	struct mh_inst *mi = count_declare(t, NULL, 0);
	const struct dfp_callout_reg_info *r;
	struct dfp_guid key;
	struct frame_spec fs;
	struct reg_list rl;
	struct ctx_list l;
	unsigned int i;

	static const char *const names[] = {"cnt", "cnt.stream", "cnt.datagram"};
	static const uint16_t layers[] = {DFP_LAYER_ALE_FLOW_ESTABLISHED_V4, DFP_LAYER_STREAM_V4,
		DFP_LAYER_DATAGRAM_DATA_V4};

	assert_int_equal(mi->inst.n_callouts, 3);
	memset(&rl, 0, sizeof(rl));
	dfp_callout_foreach(rt, reg_collect, &rl);
	assert_int_equal(rl.n, 3);
	for (i = 0; i < 3; i++) {
		const struct dfp_module_callout *co = &mi->inst.callouts[i];

		r = reg_find(&rl, mi->ids[i]);
		assert_non_null(r);
		assert_string_equal(r->name, names[i]);
		assert_string_equal(co->name, names[i]);
		assert_int_equal(co->layer_id, layers[i]);
		assert_int_equal(co->add_filter, i != 0);
		dfp_module_companion_key(&mi->inst.callouts[0].key, i, &key);
		assert_true(dfp_guid_equal(&r->key, &key));
		assert_int_equal(r->flags, i != 0 ? DFP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW : 0);
	}

	/* A UDP flow carries a context of the datagram companion: it cannot go yet. */
	fs = udp(true, 5200, 4);
	pass(f, &fs, true);
	contexts(f, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(mh_unregister(mi), DFP_STATUS_DEVICE_BUSY);
	/* Companions first: the stream companion went, the datagram one and callouts[0] stay. */
	assert_false(dfp_callout_is_registered(rt, mi->ids[1]));
	assert_true(dfp_callout_is_registered(rt, mi->ids[2]));
	assert_true(dfp_callout_is_registered(rt, mi->ids[0]));

	/* A TCP flow established now finds no stream companion: counted, not tracked. */
	tcp_handshake(f, 40200);
	assert_int_equal(mh_stat(mi, "assoc_failed"), 1);
	contexts(f, &l);
	assert_int_equal(l.n, 1);

	/* Remove the context (FwpsFlowRemoveContext0): reported, then unregistration succeeds. */
	assert_int_equal(dfp_callout_flow_remove(rt, l.c[0].flow_id, l.c[0].layer_id,
		l.c[0].callout_id), DFP_STATUS_SUCCESS);
	assert_int_equal(mh_log_count("count cnt: flow"), 1);
	assert_int_equal(mh_stat(mi, "flows"), 1);
	assert_int_equal(mh_unregister(mi), DFP_STATUS_SUCCESS);
	memset(&rl, 0, sizeof(rl));
	dfp_callout_foreach(rt, reg_collect, &rl);
	assert_int_equal(rl.n, 0);
	/* The flow lives on without its context; nothing more is reported at shutdown. */
	fs = udp(false, 5200, 4);
	pass(f, &fs, false);
	assert_int_equal(dfp_dp_stop(f->dp), DFP_STATUS_SUCCESS);
	assert_int_equal(mh_log_count("count cnt: flow"), 1);
}

static void
test_count_flows_beyond_max_flows_go_uncounted_and_are_counted_as_such(void **state)
{
	static const struct dfp_module_param p[] = {{"max_flows", "1"}, {"log", "no"}};
	struct mt *t = *state;
	struct fx *f = t->f;
	struct mh_inst *mi = count_declare(t, p, RTE_DIM(p));
	struct frame_spec fs;
	struct ctx_list l;

	fs = udp(true, 5300, 1);
	pass(f, &fs, true);
	fs = udp(true, 5301, 1);
	pass(f, &fs, true);
	contexts(f, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(mh_stat(mi, "pool_exhausted"), 1);
	assert_int_equal(mh_stat(mi, "live"), 1);
	/* The context goes back to the pool when its flow ends; log=no reports nothing. */
	assert_int_equal(dfp_dp_stop(f->dp), DFP_STATUS_SUCCESS);
	assert_int_equal(mh_stat(mi, "flows"), 1);
	assert_int_equal(mh_stat(mi, "live"), 0);
	assert_int_equal(mh_log_count("count cnt:"), 0);
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
		T(test_count_tcp_flow_counted_both_ways_at_stream_and_reported_once_at_fin),
		cmocka_unit_test_setup_teardown(
			test_count_udp_flow_counted_both_ways_at_datagram_data_and_reported_once_at_aging,
			setup_idle_1s, mt_teardown),
		T(test_count_flows_still_live_are_reported_once_at_shutdown),
		T(test_count_companions_are_registered_and_unregistered_with_it),
		T(test_count_flows_beyond_max_flows_go_uncounted_and_are_counted_as_such),
	};

	if (dfp_test_eal_init(NULL, 0) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
