/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath's lifecycle and the appliance's view of it: waiting for
 * idle (dfp_dp_wait_idle), stop and start again (through net_ring, and
 * through net_pcap, whose capture is read again), stop when stopped,
 * is_running, the workers' lcores and (port, queue) pairs, the ports'
 * configuration, and the checks of worker lcores at create. Every wait is
 * bounded.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <cmocka.h>

#include "dfp_callout.h"
#include "dfp_ctl.h"
#include "dfp_dp.h"
#include "dp_fixture.h"
#include "test_eal.h"

#define CLIENT "198.51.100.30"
#define SERVER "192.0.2.30"

static uint64_t
ms_since(uint64_t tsc)
{
	return (rte_get_tsc_cycles() - tsc) * 1000 / rte_get_tsc_hz();
}

static struct frame_spec
udp(bool from_client, uint16_t cport, uint16_t sport_server)
{
	struct frame_spec fs;

	memset(&fs, 0, sizeof(fs));
	fs.src = from_client ? CLIENT : SERVER;
	fs.dst = from_client ? SERVER : CLIENT;
	fs.sport = from_client ? cport : sport_server;
	fs.dport = from_client ? sport_server : cport;
	fs.proto = 17;
	fs.payload = 16;
	return fs;
}

/* ---- Waiting for idle ---- */

static void
test_dp_wait_idle_returns_once_rx_has_been_quiet_for_100_ms(void **state)
{
	enum { N = 200 };
	struct fx *f = *state;
	struct dfp_dp_stats s;
	struct frame_spec fs;
	uint64_t sent;
	unsigned int i;

	for (i = 0; i < N; i++) {
		fs = udp(true, (uint16_t)(10000 + i % 20), 53);
		fx_send(f, &f->out, &fs);
	}
	sent = rte_get_tsc_cycles();
	assert_int_equal(dfp_dp_wait_idle(f->dp, FX_WAIT_MS), DFP_STATUS_SUCCESS);
	/* The last packet was received after it was sent: 100 ms of quiet came after. */
	assert_true(ms_since(sent) >= DFP_DP_IDLE_QUIET_MS);
	/* Idle means done: everything is counted and out, with no further wait. */
	fx_stats(f, &s);
	assert_int_equal(s.rx_packets, N);
	assert_int_equal(s.tx_packets, N);
	assert_int_equal(rte_ring_count(f->in.tx), N);
	assert_int_equal(fx_collect(&f->in, N, NULL, 0), N);
}

static void
test_dp_wait_idle_times_out_right_after_traffic(void **state)
{
	struct fx *f = *state;
	struct frame_spec fs;
	dfp_status_t st;
	uint64_t t0;

	fs = udp(true, 10100, 53);
	fx_send(f, &f->out, &fs);
	assert_int_equal(fx_collect(&f->in, 1, NULL, 0), 1);
	t0 = rte_get_tsc_cycles();
	st = dfp_dp_wait_idle(f->dp, 20);
	/* Unless this thread was descheduled for the whole quiet time, rx is too recent. */
	if (ms_since(t0) < DFP_DP_IDLE_QUIET_MS / 2)
		assert_int_equal(st, DFP_STATUS_IO_TIMEOUT);
	assert_int_equal(dfp_dp_wait_idle(f->dp, FX_WAIT_MS), DFP_STATUS_SUCCESS);
}

static void
test_dp_wait_idle_waits_for_a_pended_classification(void **state)
{
	struct dfp_classify_out co = {.action_type = DFP_ACTION_PERMIT};
	struct dfp_callout_rt *rt;
	struct fx *f = *state;
	struct frame_spec fs;
	uint64_t h;

	rt = dfp_ctl_callouts(f->ctl);
	fx_pend_setup(f, 7500, DFP_ACTION_BLOCK);
	fs = udp(true, 10200, 7500);
	fx_send(f, &f->out, &fs);
	fx_send(f, &f->out, &fs);
	h = fx_wait_pended(f, 1);
	assert_int_not_equal(h, 0);
	/* Rx is quiet, but two packets are held and the pend is outstanding. */
	assert_int_equal(dfp_dp_wait_idle(f->dp, 2 * DFP_DP_IDLE_QUIET_MS + 100),
		DFP_STATUS_IO_TIMEOUT);
	assert_int_equal(dfp_callout_handle_complete(rt, h, &co), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_callout_handle_release(rt, h), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_dp_wait_idle(f->dp, FX_WAIT_MS), DFP_STATUS_SUCCESS);
	/* The released packets were out before idle was declared. */
	assert_int_equal(rte_ring_count(f->in.tx), 2);
	assert_int_equal(fx_collect(&f->in, 2, NULL, 0), 2);
	fx_assert_accounting(f);
}

static void
test_dp_wait_idle_is_refused_when_not_running(void **state)
{
	struct fx *f = *state;

	assert_int_equal(dfp_dp_wait_idle(NULL, 10), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_dp_stop(f->dp), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_dp_wait_idle(f->dp, 10), DFP_STATUS_INVALID_DEVICE_STATE);
}

/* ---- Stop and start ---- */

static void
test_dp_stop_when_stopped_does_nothing_and_start_when_running_is_refused(void **state)
{
	struct fx *f = *state;

	assert_true(dfp_dp_is_running(f->dp));
	assert_false(dfp_dp_is_running(NULL));
	assert_int_equal(dfp_dp_start(f->dp), DFP_STATUS_INVALID_DEVICE_STATE);
	assert_int_equal(dfp_dp_stop(f->dp), DFP_STATUS_SUCCESS);
	assert_false(dfp_dp_is_running(f->dp));
	assert_int_equal(dfp_dp_stop(f->dp), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_dp_stop(f->dp), DFP_STATUS_SUCCESS);
	assert_false(dfp_dp_is_running(f->dp));
	assert_int_equal(dfp_dp_stop(NULL), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_dp_start(NULL), DFP_STATUS_INVALID_PARAMETER);
}

/*
 * A run with an established flow and a pended flow holding packets, a
 * stop (the pend completes with its default, BLOCK; every flow ends), and
 * a second run where the same 5-tuples make new flows and forward.
 */
static void
test_dp_restarted_datapath_starts_with_no_flows_and_counts_on(void **state)
{
	struct dfp_callout_rt *rt;
	struct fx *f = *state;
	struct dfp_dp_stats s;
	struct frame_spec fs;
	unsigned int run, i;
	uint64_t h;

	rt = dfp_ctl_callouts(f->ctl);
	fx_pend_setup(f, 7600, DFP_ACTION_BLOCK);
	for (run = 1; run <= 3; run++) {
		if (run > 1) {
			assert_int_equal(dfp_dp_start(f->dp), DFP_STATUS_SUCCESS);
			assert_true(dfp_dp_is_running(f->dp));
		}
		fs = udp(true, 10300, 53);
		fx_send(f, &f->out, &fs);
		assert_int_equal(fx_collect(&f->in, 1, NULL, 0), 1);
		fs = udp(false, 10300, 53);
		fx_send(f, &f->in, &fs);
		assert_int_equal(fx_collect(&f->out, 1, NULL, 0), 1);
		fs = udp(true, 10301, 7600);
		for (i = 0; i < 3; i++)
			fx_send(f, &f->out, &fs);
		h = fx_wait_pended(f, run);
		assert_int_not_equal(h, 0);
		assert_int_equal(FX_WAIT_STAT(f, held_now, 3, FX_WAIT_MS), 3);
		assert_int_equal(dfp_dp_stop(f->dp), DFP_STATUS_SUCCESS);
		assert_false(dfp_dp_is_running(f->dp));
		assert_int_equal(dfp_callout_handle_release(rt, h), DFP_STATUS_SUCCESS);
		fx_stats(f, &s);
		/* Each run: two new flows, both ended by the stop; three held packets blocked. */
		assert_int_equal(s.flows_created, 2 * run);
		assert_int_equal(s.flows_ended, 2 * run);
		assert_int_equal(s.pends, run);
		assert_int_equal(s.held_now, 0);
		assert_int_equal(s.rx_packets, 5 * run);
		assert_int_equal(s.tx_packets, 2 * run);
		assert_int_equal(s.drops[DFP_DP_DROP_PEND_BLOCKED] + s.drops[DFP_DP_DROP_SHUTDOWN],
			3 * run);
		fx_assert_accounting(f);
		assert_int_equal(fx_collect(&f->in, 0, NULL, 0), 0);
	}
	/* The fixture's teardown stops a stopped datapath: a no-op. */
}

/* ---- What runs where ---- */

static void
test_dp_worker_and_port_info_describe_the_configuration(void **state)
{
	struct dfp_dp_worker_info wi;
	const struct dfp_dp_port_conf *pc;
	struct fx *f = *state;
	unsigned int len = 0;
	const uint8_t *key;

	assert_int_equal(dfp_dp_n_workers(f->dp), 1);
	assert_int_equal(dfp_dp_n_workers(NULL), 0);
	memset(&wi, 0xff, sizeof(wi));
	assert_int_equal(dfp_dp_worker_info(f->dp, 0, &wi), DFP_STATUS_SUCCESS);
	assert_int_equal(wi.lcore, rte_get_next_lcore(rte_get_main_lcore(), 1, 0));
	/* One worker polls queue 0 of both ports, in port order. */
	assert_int_equal(wi.n_rxqs, 2);
	assert_int_equal(wi.rxqs[0].port, 0);
	assert_int_equal(wi.rxqs[0].port_id, f->out.port_id);
	assert_int_equal(wi.rxqs[0].queue, 0);
	assert_int_equal(wi.rxqs[1].port, 1);
	assert_int_equal(wi.rxqs[1].port_id, f->in.port_id);
	assert_int_equal(wi.rxqs[1].queue, 0);
	assert_int_equal(dfp_dp_worker_info(f->dp, 1, &wi), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_dp_worker_info(f->dp, 0, NULL), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_dp_worker_info(NULL, 0, &wi), DFP_STATUS_INVALID_PARAMETER);

	assert_int_equal(dfp_dp_n_ports(f->dp), 2);
	assert_int_equal(dfp_dp_n_ports(NULL), 0);
	pc = dfp_dp_port(f->dp, 0);
	assert_non_null(pc);
	assert_string_equal(pc->name, "wan");
	assert_int_equal(pc->port_id, f->out.port_id);
	assert_int_equal(pc->role, DFP_DP_ROLE_OUTSIDE);
	assert_int_equal(pc->peer, 1);
	assert_int_equal(pc->rx_queues, 1);
	pc = dfp_dp_port(f->dp, 1);
	assert_non_null(pc);
	assert_string_equal(pc->name, "lan");
	assert_int_equal(pc->role, DFP_DP_ROLE_INSIDE);
	assert_int_equal(pc->peer, 0);
	assert_null(dfp_dp_port(f->dp, 2));
	assert_null(dfp_dp_port(NULL, 0));

	key = dfp_dp_rss_key(&len);
	assert_non_null(key);
	assert_int_equal(len, 40);
}

/* A configuration on the fixture's ports (validation fails before they are touched). */
static void
conf_on_fixture(const struct fx *f, struct dfp_dp_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->n_ports = 2;
	snprintf(c->ports[0].name, sizeof(c->ports[0].name), "wan");
	c->ports[0].port_id = f->out.port_id;
	c->ports[0].role = DFP_DP_ROLE_OUTSIDE;
	c->ports[0].peer = 1;
	c->ports[0].rx_queues = 1;
	snprintf(c->ports[1].name, sizeof(c->ports[1].name), "lan");
	c->ports[1].port_id = f->in.port_id;
	c->ports[1].role = DFP_DP_ROLE_INSIDE;
	c->ports[1].peer = 0;
	c->ports[1].rx_queues = 1;
	c->n_workers = 1;
	c->burst = 32;
	c->flow_capacity = 64;
	c->hold_packets = 4;
	c->mbufs = 2048;
}

static void
test_dp_create_refuses_worker_lcores_that_cannot_run_a_worker(void **state)
{
	struct dfp_dp *dp = NULL;
	struct fx *f = *state;
	struct dfp_dp_conf c;
	unsigned int lc;

	/* The main lcore runs the control thread. */
	conf_on_fixture(f, &c);
	c.worker_lcores[0] = rte_get_main_lcore();
	assert_int_equal(dfp_dp_create(&c, f->ctl, &dp), DFP_STATUS_INVALID_PARAMETER);
	assert_null(dp);
	/* An lcore EAL was not given. */
	for (lc = 0; lc < RTE_MAX_LCORE && rte_lcore_is_enabled(lc); lc++)
		;
	assert_true(lc < RTE_MAX_LCORE);
	c.worker_lcores[0] = lc;
	assert_int_equal(dfp_dp_create(&c, f->ctl, &dp), DFP_STATUS_INVALID_PARAMETER);
	c.worker_lcores[0] = RTE_MAX_LCORE;
	assert_int_equal(dfp_dp_create(&c, f->ctl, &dp), DFP_STATUS_INVALID_PARAMETER);
	/* The same lcore twice. */
	c.n_workers = 2;
	c.worker_lcores[0] = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	c.worker_lcores[1] = c.worker_lcores[0];
	assert_int_equal(dfp_dp_create(&c, f->ctl, &dp), DFP_STATUS_INVALID_PARAMETER);
	assert_null(dp);
	/* The running datapath was not disturbed. */
	assert_true(dfp_dp_is_running(f->dp));
}

/* ---- Restart through net_pcap: the PMD reads its capture again ---- */

#define PCAP_FRAMES 40

static char pcap_dir[128];

/* Write PCAP_FRAMES UDP frames (distinct flows) to path. */
static void
pcap_write(struct fx *f, const char *path)
{
	struct pcap_pkthdr h;
	pcap_dumper_t *d;
	struct frame_spec fs;
	unsigned int i;
	pcap_t *p;

	p = pcap_open_dead(DLT_EN10MB, 65535);
	assert_non_null(p);
	d = pcap_dump_open(p, path);
	assert_non_null(d);
	for (i = 0; i < PCAP_FRAMES; i++) {
		struct rte_mbuf *m;

		fs = udp(true, (uint16_t)(11000 + i), 53);
		m = fx_frame(f, &fs);
		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = 1;
		h.ts.tv_usec = i;
		h.caplen = rte_pktmbuf_pkt_len(m);
		h.len = h.caplen;
		pcap_dump((u_char *)d, &h, rte_pktmbuf_mtod(m, const u_char *));
		rte_pktmbuf_free(m);
	}
	pcap_dump_close(d);
	pcap_close(p);
}

static uint16_t
pcap_port(const char *name, const char *rx, const char *tx)
{
	char devargs[600];
	uint16_t port;
	int rc;

	snprintf(devargs, sizeof(devargs), "%s,rx_pcap=%s,tx_pcap=%s", name, rx, tx);
	rc = rte_dev_probe(devargs);
	if (rc != 0)
		fail_msg("rte_dev_probe(%s): %s", devargs, rte_strerror(-rc));
	assert_int_equal(rte_eth_dev_get_port_by_name(name, &port), 0);
	return port;
}

static void
test_dp_restart_over_net_pcap_reads_the_capture_again(void **state)
{
	char in[256], empty[256], out_a[256], out_b[256];
	struct dfp_ctl_session *s;
	struct dfp_ctl_params cp;
	struct fx *f = *state;
	struct dfp_dp_stats st;
	struct dfp_dp_conf c;
	struct dfp_ctl *ctl;
	struct dfp_dp *dp;
	unsigned int run;
	uint16_t pa, pb;

	snprintf(in, sizeof(in), "%s/in.pcap", pcap_dir);
	snprintf(empty, sizeof(empty), "%s/empty.pcap", pcap_dir);
	snprintf(out_a, sizeof(out_a), "%s/a.out.pcap", pcap_dir);
	snprintf(out_b, sizeof(out_b), "%s/b.out.pcap", pcap_dir);
	pcap_write(f, in);
	{
		pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
		pcap_dumper_t *d = pcap_dump_open(p, empty);

		assert_non_null(d);
		pcap_dump_close(d);
		pcap_close(p);
	}
	pa = pcap_port("net_pcap_lc_a", in, out_a);
	pb = pcap_port("net_pcap_lc_b", empty, out_b);

	memset(&cp, 0, sizeof(cp));
	cp.n_workers = 1;
	assert_int_equal(dfp_ctl_create(&cp, &ctl), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_ctl_session_open(ctl, 0, &s), DFP_STATUS_SUCCESS);
	conf_on_fixture(f, &c);
	c.ports[0].port_id = pa;
	c.ports[1].port_id = pb;
	c.worker_lcores[0] = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	/* The fixture's datapath holds the worker lcore: stop it first. */
	assert_int_equal(dfp_dp_stop(f->dp), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_dp_create(&c, ctl, &dp), DFP_STATUS_SUCCESS);
	for (run = 1; run <= 2; run++) {
		assert_int_equal(dfp_dp_start(dp), DFP_STATUS_SUCCESS);
		assert_int_equal(dfp_dp_wait_idle(dp, FX_WAIT_MS), DFP_STATUS_SUCCESS);
		dfp_dp_stats_get(dp, &st);
		/* Idle comes only once the whole capture went through, each run. */
		assert_int_equal(st.rx_packets, PCAP_FRAMES * run);
		assert_int_equal(st.tx_packets, PCAP_FRAMES * run);
		assert_int_equal(dfp_dp_stop(dp), DFP_STATUS_SUCCESS);
		dfp_dp_stats_get(dp, &st);
		assert_int_equal(st.flows_created, PCAP_FRAMES * run);
		assert_int_equal(st.flows_ended, PCAP_FRAMES * run);
	}
	dfp_dp_free(dp);
	assert_int_equal(rte_eal_hotplug_remove("vdev", "net_pcap_lc_a"), 0);
	assert_int_equal(rte_eal_hotplug_remove("vdev", "net_pcap_lc_b"), 0);
	assert_int_equal(dfp_ctl_session_close(s), DFP_STATUS_SUCCESS);
	dfp_ctl_destroy(ctl);
	unlink(in);
	unlink(empty);
	unlink(out_a);
	unlink(out_b);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_dp_wait_idle_returns_once_rx_has_been_quiet_for_100_ms),
		T(test_dp_wait_idle_times_out_right_after_traffic),
		T(test_dp_wait_idle_waits_for_a_pended_classification),
		T(test_dp_wait_idle_is_refused_when_not_running),
		T(test_dp_stop_when_stopped_does_nothing_and_start_when_running_is_refused),
		T(test_dp_restarted_datapath_starts_with_no_flows_and_counts_on),
		T(test_dp_worker_and_port_info_describe_the_configuration),
		T(test_dp_create_refuses_worker_lcores_that_cannot_run_a_worker),
		T(test_dp_restart_over_net_pcap_reads_the_capture_again),
	};
	int rc;

	snprintf(pcap_dir, sizeof(pcap_dir), "/tmp/dfp_dp_lifecycle.XXXXXX");
	if (mkdtemp(pcap_dir) == NULL)
		return 1;
	if (dfp_test_eal_init(NULL, 0) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(pcap_dir);
	return rc;
}
