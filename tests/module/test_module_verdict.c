/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * builtin:verdict through the real datapath (net_ring ports,
 * dp_fixture.h): a new flow is pended and its packets held until the
 * completion the console's `pend complete HANDLE permit|block|reauth`
 * makes (dfp_callout_handle_complete() and nothing else: verdict has
 * already released its own reference). Permit forwards the held packets in
 * order, block drops them, a timeout applies the `default` param, and a
 * re-authorisation (after a commit, or a `reauth` completion) is decided
 * with the default, never pended again.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include <cmocka.h>

#include "dfp_callout.h"
#include "dfp_ctl.h"
#include "dfp_dp.h"
#include "dfp_module.h"
#include "mod_host.h"
#include "test_eal.h"

#define CLIENT "198.51.100.20"
#define SERVER "192.0.2.10"

/* Ethernet + IPv4 + UDP header bytes of the fixture's frames. */
#define UDP_HDRS (14 + 20 + 8)

static struct frame_spec
udp_in(uint16_t cport, uint16_t payload)
{
	struct frame_spec fs;

	memset(&fs, 0, sizeof(fs));
	fs.src = CLIENT;
	fs.dst = SERVER;
	fs.sport = cport;
	fs.dport = 53;
	fs.proto = 17;
	fs.payload = payload;
	return fs;
}

/* verdict at ALE_AUTH_RECV_ACCEPT_V4 ("v") naming every new inbound flow. */
static struct mh_inst *
verdict_declare(struct mt *t, const struct dfp_module_param *params, unsigned int n_params)
{
	struct mh_inst *mi = mt_inst(t);

	mh_declare(t->f, mi, dfp_module_builtin("verdict"), "v", DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4,
		params, n_params);
	mh_filter_add(t->f, mi, DFP_ACTION_CALLOUT_TERMINATING, 10, NULL, 0);
	return mi;
}

struct pended {
	unsigned int n;
	struct dfp_callout_handle_info h[8];
};

static int
pended_collect(void *arg, const struct dfp_callout_handle_info *h)
{
	struct pended *p = arg;

	if (p->n < RTE_DIM(p->h))
		p->h[p->n] = *h;
	p->n++;
	return 0;
}

/* The handles in use now (console `show pended`). */
static void
pended_list(struct fx *f, struct pended *p)
{
	memset(p, 0, sizeof(*p));
	dfp_callout_handle_foreach(dfp_ctl_callouts(f->ctl), pended_collect, p);
}

/* Send n datagrams of one new flow (payloads 1..n); wait until all are held; return its handle. */
static uint64_t
pend_flow(struct mt *t, struct mh_inst *mi, uint16_t cport, unsigned int n)
{
	struct fx *f = t->f;
	struct frame_spec fs;
	struct dfp_dp_stats s;
	struct pended p;
	unsigned int i;

	fx_stats(f, &s);
	for (i = 1; i <= n; i++) {
		fs = udp_in(cport, (uint16_t)i);
		fx_send(f, &f->out, &fs);
	}
	assert_int_equal(FX_WAIT_STAT(f, held_now, s.held_now + n, FX_WAIT_MS), s.held_now + n);
	/* Held, not forwarded. */
	assert_int_equal(fx_collect(&f->in, 0, NULL, 0), 0);
	pended_list(f, &p);
	assert_int_equal(p.n, 1);
	assert_true(p.h[0].pended);
	assert_int_equal(p.h[0].layer_id, DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4);
	assert_int_equal(p.h[0].callout_id, mi->ids[0]);
	return p.h[0].handle;
}

/* What the console's `pend complete HANDLE permit|block` does: complete, nothing else. */
static void
complete(struct fx *f, uint64_t h, uint32_t action)
{
	struct dfp_classify_out out;

	memset(&out, 0, sizeof(out));
	out.action_type = action;
	assert_int_equal(dfp_callout_handle_complete(dfp_ctl_callouts(f->ctl), h, &out),
		DFP_STATUS_SUCCESS);
}

/* No handle is left and none was released twice: verdict released exactly once. */
static void
assert_handles_clean(struct fx *f)
{
	struct dfp_callout_stats cs;
	struct pended p;

	pended_list(f, &p);
	assert_int_equal(p.n, 0);
	dfp_callout_stats_get(dfp_ctl_callouts(f->ctl), &cs);
	assert_int_equal(cs.handles_in_use, 0);
	assert_int_equal(cs.stale_handle_calls, 0);
}

static void
test_verdict_permit_forwards_the_held_packets_in_order(void **state)
{
	static const struct dfp_module_param p[] = {{"log", "yes"}};
	struct mt *t = *state;
	struct fx *f = t->f;
	struct mh_inst *mi = verdict_declare(t, p, RTE_DIM(p));
	struct rte_mbuf *got[3];
	struct frame_spec fs;
	char needle[96];
	unsigned int i;
	uint64_t h;

	h = pend_flow(t, mi, 6000, 3);
	assert_int_equal(mh_stat(mi, "pended"), 1);
	/* log=yes: one line per pend, with the handle the operator completes. */
	snprintf(needle, sizeof(needle), "pended as handle 0x%" PRIx64 " (pend complete 0x%" PRIx64,
		h, h);
	assert_int_equal(mh_log_count(needle), 1);
	complete(f, h, DFP_ACTION_PERMIT);
	assert_int_equal(fx_collect(&f->in, 3, got, 3), 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(rte_pktmbuf_pkt_len(got[i]), UDP_HDRS + 1 + i);
		rte_pktmbuf_free(got[i]);
	}
	/* The flow is authorised: later packets go straight through. */
	fs = udp_in(6000, 9);
	fx_send(f, &f->out, &fs);
	assert_int_equal(fx_collect(&f->in, 1, NULL, 0), 1);
	assert_int_equal(mh_stat(mi, "pended"), 1);
	assert_handles_clean(f);
	fx_assert_accounting(f);
}

static void
test_verdict_block_drops_the_held_packets_and_the_flow(void **state)
{
	struct mt *t = *state;
	struct fx *f = t->f;
	struct mh_inst *mi = verdict_declare(t, NULL, 0);
	struct frame_spec fs;
	struct dfp_dp_stats s;
	uint64_t h;

	h = pend_flow(t, mi, 6001, 2);
	complete(f, h, DFP_ACTION_BLOCK);
	assert_int_equal(FX_WAIT_STAT(f, drops[DFP_DP_DROP_PEND_BLOCKED], 2, FX_WAIT_MS), 2);
	assert_int_equal(fx_collect(&f->in, 0, NULL, 0), 0);
	/* The flow stays blocked without being pended again. */
	fs = udp_in(6001, 5);
	fx_send(f, &f->out, &fs);
	assert_int_equal(FX_WAIT_STAT(f, drops[DFP_DP_DROP_FILTER_BLOCK], 1, FX_WAIT_MS), 1);
	assert_int_equal(fx_collect(&f->in, 0, NULL, 0), 0);
	fx_stats(f, &s);
	assert_int_equal(s.held_now, 0);
	assert_int_equal(mh_stat(mi, "pended"), 1);
	assert_handles_clean(f);
	fx_assert_accounting(f);
}

static void
test_verdict_pend_timeout_applies_default_permit(void **state)
{
	static const struct dfp_module_param p[] = {{"default", "permit"}};
	struct mt *t = *state;
	struct fx *f = t->f;
	struct mh_inst *mi = verdict_declare(t, p, RTE_DIM(p));
	struct dfp_callout_stats cs;

	pend_flow(t, mi, 6002, 2);
	/* The appliance's housekeeping expires pends older than pend_timeout_ms (500). */
	assert_int_equal(dfp_callout_pend_expire(dfp_ctl_callouts(f->ctl)), 0);
	fx_sleep_ms(600);
	assert_int_equal(dfp_callout_pend_expire(dfp_ctl_callouts(f->ctl)), 1);
	assert_int_equal(fx_collect(&f->in, 2, NULL, 0), 2);
	dfp_callout_stats_get(dfp_ctl_callouts(f->ctl), &cs);
	assert_int_equal(cs.pend_timeouts, 1);
	assert_handles_clean(f);
	fx_assert_accounting(f);
}

static void
test_verdict_pend_timeout_applies_default_block_when_not_given(void **state)
{
	struct mt *t = *state;
	struct fx *f = t->f;
	struct mh_inst *mi = verdict_declare(t, NULL, 0);

	pend_flow(t, mi, 6003, 2);
	fx_sleep_ms(600);
	assert_int_equal(dfp_callout_pend_expire(dfp_ctl_callouts(f->ctl)), 1);
	assert_int_equal(FX_WAIT_STAT(f, drops[DFP_DP_DROP_PEND_BLOCKED], 2, FX_WAIT_MS), 2);
	assert_int_equal(fx_collect(&f->in, 0, NULL, 0), 0);
	assert_handles_clean(f);
	fx_assert_accounting(f);
}

static void
test_verdict_reauthorization_after_a_commit_is_decided_with_the_default(void **state)
{
	struct mt *t = *state;
	struct fx *f = t->f;
	struct mh_inst *mi = verdict_declare(t, NULL, 0);
	struct frame_spec fs;
	uint64_t h;

	h = pend_flow(t, mi, 6004, 1);
	complete(f, h, DFP_ACTION_PERMIT);
	assert_int_equal(fx_collect(&f->in, 1, NULL, 0), 1);
	/* A commit on the flow's ALE layer: its next packet is re-authorised. */
	fx_add_port_filter(f, DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, 9999, DFP_ACTION_PERMIT);
	fs = udp_in(6004, 2);
	fx_send(f, &f->out, &fs);
	/* Not pended (nothing held): decided at once with the default, block. */
	assert_int_equal(FX_WAIT_STAT(f, reauthorizations, 1, FX_WAIT_MS), 1);
	assert_int_equal(FX_WAIT_STAT(f, drops[DFP_DP_DROP_FILTER_BLOCK], 1, FX_WAIT_MS), 1);
	assert_int_equal(fx_collect(&f->in, 0, NULL, 0), 0);
	assert_int_equal(mh_stat(mi, "reauthorized"), 1);
	assert_int_equal(mh_stat(mi, "pended"), 1);
	assert_int_equal(mh_stat(mi, "pend_failures"), 0);
	assert_handles_clean(f);
	fx_assert_accounting(f);
}

static void
test_verdict_reauth_completion_is_decided_with_the_default_not_pended_again(void **state)
{
	static const struct dfp_module_param p[] = {{"default", "permit"}};
	struct mt *t = *state;
	struct fx *f = t->f;
	struct mh_inst *mi = verdict_declare(t, p, RTE_DIM(p));
	uint64_t h;

	h = pend_flow(t, mi, 6005, 2);
	/* `pend complete HANDLE reauth`: a NULL classifyOut asks for re-authorisation. */
	assert_int_equal(dfp_callout_handle_complete(dfp_ctl_callouts(f->ctl), h, NULL),
		DFP_STATUS_SUCCESS);
	assert_int_equal(fx_collect(&f->in, 2, NULL, 0), 2);
	assert_int_equal(mh_stat(mi, "reauthorized"), 1);
	assert_int_equal(mh_stat(mi, "pended"), 1);
	assert_handles_clean(f);
	fx_assert_accounting(f);
}

#define T(name) cmocka_unit_test_setup_teardown(name, mt_setup, mt_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_verdict_permit_forwards_the_held_packets_in_order),
		T(test_verdict_block_drops_the_held_packets_and_the_flow),
		T(test_verdict_pend_timeout_applies_default_permit),
		T(test_verdict_pend_timeout_applies_default_block_when_not_given),
		T(test_verdict_reauthorization_after_a_commit_is_decided_with_the_default),
		T(test_verdict_reauth_completion_is_decided_with_the_default_not_pended_again),
	};

	if (dfp_test_eal_init(NULL, 0) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
