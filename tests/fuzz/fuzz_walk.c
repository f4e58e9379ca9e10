/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the datapath's whole per-packet walk: raw frames
 * through the worker pipeline (parse, MAC/IPPACKET/TRANSPORT, flow lookup,
 * ALE authorisation and re-authorisation, pends with held packets,
 * ESTABLISHED, STREAM/DATAGRAM_DATA, fragments, TCP teardown, aging) on a
 * small fixed rule base: three sublayers, static filters at most layers,
 * and the built-in modules as the appliance declares them (count at
 * ALE_FLOW_ESTABLISHED_V4/V6 with its STREAM and DATAGRAM_DATA companions,
 * verdict pending flows at ALE_AUTH_RECV_ACCEPT_V4 and ALE_AUTH_CONNECT_V6,
 * conn_limit at ALE_AUTH_RECV_ACCEPT_V4 and, with veto, ALE_AUTH_CONNECT_V4).
 *
 * There is no entry point that classifies a burst of mbufs without ports,
 * so this file includes lib/dp/worker.c and drives its static pipeline
 * functions (burst_run(), completions_poll(), tx_flush(), worker_age(),
 * stats_flush()) on the main thread, exactly as worker_iterate() does,
 * with frames put straight into the burst instead of rte_eth_rx_burst():
 * single-threaded, so deterministic and fast. The ports are two net_ring
 * devices (outside and inside, peers), whose tx rings are drained after
 * each burst. Time is the TSC plus an offset the input advances (aging,
 * fragment records, pend timeouts via expire).
 *
 * Input: records.
 *   frame:   [h][len hi][len lo][len bytes]  h bits 0-1 = 0 (outside) or 1
 *            (inside), bit 2 = end the burst after it, bit 3 = two
 *            segments, bits 4-6 = time step before it (0, 1 ms .. 90 s).
 *   control: [h][arg]  h bits 0-1 = 2 or 3, bits 2-7 = op: complete the
 *            arg-th pended handle (permit, block, re-authorise), abort a
 *            flow, toggle a filter (commit: re-authorisation), advance
 *            time, expire every pend, remove a flow's contexts, idle loop,
 *            configuration (before the first frame only, as if the
 *            appliance had been started with it: full flow table policy
 *            fail-open, TCP mid-stream pickup; both off otherwise).
 * Bursts are cut at 32 frames, at a port change and before a control.
 *
 * Invariants (abort on violation): after every loop iteration the
 * worker's counters balance (rx == tx + drops + held_now) and the frames
 * found on the tx rings are tx_packets; at the end of each input, after
 * the datapath's stop sequence (expire every pend, drain: completions,
 * end every flow), nothing is held, no flow is left, every mbuf is back in
 * the pool, no classify handle is in use or pended, no callout has a flow
 * context, and the modules' live counts are 0 (each association's
 * flowDeleteFn ran). ASan/UBSan and LeakSanitizer do the rest.
 */
#include "worker.c"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_eth_ring.h>
#include <rte_ring.h>

#include "dfp_conf.h"
#include "dfp_module.h"
#include "dfp_wfp.h"
#include "fuzz_eal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WAN 0
#define LAN 1
#define FLOW_CAPACITY 16
#define HOLD_PACKETS 4
#define BURST 32
#define MAX_FRAME 2048
#define MAX_INST 8
#define N_TOGGLES 4

struct inst {
	const char *name;
	struct dfp_module_instance inst;
};

static struct {
	struct dfp_ctl *ctl;
	struct dfp_ctl_session *s;
	struct dfp_callout_rt *rt;
	struct dfp_dp *dp;
	struct dp_worker *w;
	struct dp_burst *b;
	struct rte_ring *rx[2], *tx[2];
	uint16_t port_id[2];
	struct inst inst[MAX_INST];
	unsigned int n_inst;
	struct dfp_guid sl_hi, sl_lo;
	uint64_t toggles[N_TOGGLES];
	uint64_t offset;
	uint64_t tx_seen;         /* Frames taken off the tx rings (cumulative). */
	unsigned int frames;      /* Frames of the current input so far. */
} F;

#define die(...) fuzz_die("fuzz_walk", __VA_ARGS__)

/* ---- The rule base ---- */

static void
log_drop(uint32_t level, const char *module, const char *fmt, ...)
{
	(void)level;
	(void)module;
	(void)fmt;
}

static struct dfp_module_host host = {
	.log = log_drop,
};

/* A filter; conds as "FIELD MATCH VALUE" texts. Returns its id. */
static uint64_t
filter_add(uint16_t layer, const struct dfp_guid *sublayer, uint32_t action, uint64_t weight,
		uint32_t flags, const struct dfp_guid *callout, const char *cond)
{
	struct dfp_engine_filter_spec fs;
	struct dfp_engine_cond c;
	char field[64], match[32], value[64], err[128];
	uint64_t id = 0;
	dfp_status_t st;

	memset(&fs, 0, sizeof(fs));
	fs.name = "fuzz";
	fs.layer_id = layer;
	if (sublayer != NULL)
		fs.sublayer_key = *sublayer;
	fs.weight_type = DFP_ENGINE_WEIGHT_EXPLICIT;
	fs.weight = weight;
	fs.flags = flags;
	fs.action = action;
	if (callout != NULL)
		fs.callout_key = *callout;
	if (cond != NULL) {
		if (sscanf(cond, "%63s %31s %63s", field, match, value) != 3 ||
				dfp_conf_cond_parse(layer, field, match, value, &c, err, sizeof(err)) !=
				DFP_STATUS_SUCCESS)
			die("condition '%s' at layer %u: %s", cond, layer, err);
		fs.conds = &c;
		fs.n_conds = 1;
	}
	st = dfp_ctl_filter_add(F.s, &fs, &id);
	if (st != DFP_STATUS_SUCCESS)
		die("filter at layer %u (%s): %s", layer, cond != NULL ? cond : "all",
			dfp_status_name(st));
	return id;
}

/*
 * Declare a built-in module's callout as the appliance does: create(),
 * management objects, the companions' match-all inspection filters,
 * registration (companions first). Returns the declared callout's key.
 */
static struct dfp_guid
declare(const char *module, const char *name, uint16_t layer,
		const struct dfp_module_param *params, unsigned int n_params)
{
	const struct dfp_module *m = dfp_module_builtin(module);
	struct dfp_engine_callout_spec cs;
	struct dfp_module_args a;
	struct dfp_guid inspection;
	struct inst *in;
	char err[256];
	unsigned int i, k, n;
	dfp_status_t st;
	uint32_t id;

	if (m == NULL || F.n_inst == MAX_INST)
		die("module %s", module);
	in = &F.inst[F.n_inst++];
	in->name = module;
	memset(&a, 0, sizeof(a));
	a.name = name;
	dfp_guid_generate(&a.key);
	a.layer_id = layer;
	a.n_params = n_params;
	a.params = params;
	a.host = &host;
	if (m->create(&a, &in->inst, err, sizeof(err)) != DFP_STATUS_SUCCESS)
		die("%s create: %s", module, err);
	dfp_guid_parse(DFP_ENGINE_SUBLAYER_INSPECTION_KEY, &inspection);
	n = in->inst.n_callouts;
	for (i = 0; i < n; i++) {
		const struct dfp_module_callout *co = &in->inst.callouts[i];

		memset(&cs, 0, sizeof(cs));
		cs.key = co->key;
		cs.name = co->name;
		cs.layer_id = co->layer_id;
		if (dfp_ctl_callout_add(F.s, &cs, NULL) != DFP_STATUS_SUCCESS)
			die("%s: callout object", name);
		if (co->add_filter)
			filter_add(co->layer_id, &inspection, DFP_ACTION_CALLOUT_INSPECTION, 0, 0,
				&co->key, NULL);
	}
	for (k = 0; k < n; k++) {
		const struct dfp_module_callout *co = &in->inst.callouts[(k + 1) % n];
		struct dfp_callout_desc d;

		if (co->register_fn != NULL) {
			st = co->register_fn(in->inst.state, (k + 1) % n, &id);
		} else {
			d = co->desc;
			d.key = co->key;
			d.name = co->name;
			st = dfp_ctl_callout_register(F.ctl, &d, &id);
		}
		if (st != DFP_STATUS_SUCCESS)
			die("%s: register %s: %s", name, co->name, dfp_status_name(st));
	}
	return in->inst.callouts[0].key;
}

static void
rule_base(void)
{
	static const struct dfp_module_param cl_in[] = {{"max", "2"}, {"table_size", "64"}};
	static const struct dfp_module_param cl_out[] = {
		{"max", "3"}, {"table_size", "64"}, {"veto", "yes"},
	};
	static const struct dfp_module_param count[] = {{"max_flows", "64"}};
	struct dfp_engine_sublayer_spec ss;
	struct dfp_guid k;

	memset(&ss, 0, sizeof(ss));
	ss.name = "fuzz-hi";
	ss.weight = 0x8000;
	if (dfp_ctl_sublayer_add(F.s, &ss, &F.sl_hi) != DFP_STATUS_SUCCESS)
		die("sublayer");
	ss.name = "fuzz-lo";
	ss.weight = 0x10;
	if (dfp_ctl_sublayer_add(F.s, &ss, &F.sl_lo) != DFP_STATUS_SUCCESS)
		die("sublayer");

	/* Per-packet layers. */
	filter_add(DFP_LAYER_INBOUND_MAC_FRAME_ETHERNET, NULL, DFP_ACTION_BLOCK, 10, 0, NULL,
		"ETHER_TYPE equal 0x88cc");
	filter_add(DFP_LAYER_OUTBOUND_MAC_FRAME_ETHERNET, &F.sl_lo, DFP_ACTION_BLOCK, 10, 0, NULL,
		"VLAN_ID equal 99");
	filter_add(DFP_LAYER_INBOUND_IPPACKET_V4, NULL, DFP_ACTION_BLOCK, 10, 0, NULL,
		"IP_REMOTE_ADDRESS equal 192.0.2.0/24");
	filter_add(DFP_LAYER_INBOUND_IPPACKET_V6, NULL, DFP_ACTION_BLOCK, 10, 0, NULL,
		"IP_REMOTE_ADDRESS equal 2001:db8::/32");
	filter_add(DFP_LAYER_INBOUND_TRANSPORT_V4, NULL, DFP_ACTION_BLOCK, 10, 0, NULL,
		"IP_LOCAL_PORT equal 9");
	filter_add(DFP_LAYER_OUTBOUND_TRANSPORT_V4, &F.sl_hi, DFP_ACTION_PERMIT, 20,
		DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT, NULL, "IP_REMOTE_PORT equal 53");
	filter_add(DFP_LAYER_OUTBOUND_TRANSPORT_V4, &F.sl_lo, DFP_ACTION_BLOCK, 10, 0, NULL,
		"IP_PROTOCOL equal 17");
	filter_add(DFP_LAYER_OUTBOUND_TRANSPORT_V6, NULL, DFP_ACTION_BLOCK, 10, 0, NULL,
		"IP_PROTOCOL equal 132");

	/* ALE authorisation: modules, hard and soft permits, blocks across sublayers. */
	k = declare("verdict", "fz-verdict4", DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, NULL, 0);
	filter_add(DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, &F.sl_hi, DFP_ACTION_CALLOUT_TERMINATING, 30,
		0, &k, "IP_LOCAL_PORT equal 8080");
	k = declare("conn_limit", "fz-limit-in", DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, cl_in, 2);
	filter_add(DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, NULL, DFP_ACTION_CALLOUT_TERMINATING, 20, 0,
		&k, "IP_LOCAL_PORT range 1000-2000");
	filter_add(DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, &F.sl_hi, DFP_ACTION_PERMIT, 10,
		DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT, NULL, "IP_LOCAL_PORT equal 22");
	filter_add(DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, &F.sl_lo, DFP_ACTION_BLOCK, 10, 0, NULL,
		"IP_LOCAL_PORT equal 23");
	k = declare("conn_limit", "fz-limit-out", DFP_LAYER_ALE_AUTH_CONNECT_V4, cl_out, 3);
	filter_add(DFP_LAYER_ALE_AUTH_CONNECT_V4, &F.sl_lo, DFP_ACTION_CALLOUT_TERMINATING, 10, 0,
		&k, NULL);
	filter_add(DFP_LAYER_ALE_AUTH_CONNECT_V4, &F.sl_hi, DFP_ACTION_PERMIT, 10,
		DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT, NULL, "IP_REMOTE_PORT equal 443");
	k = declare("verdict", "fz-verdict6", DFP_LAYER_ALE_AUTH_CONNECT_V6, NULL, 0);
	filter_add(DFP_LAYER_ALE_AUTH_CONNECT_V6, NULL, DFP_ACTION_CALLOUT_TERMINATING, 10,
		DFP_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED, &k, "IP_REMOTE_PORT equal 8443");
	filter_add(DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V6, NULL, DFP_ACTION_BLOCK, 10, 0, NULL,
		"IP_LOCAL_PORT equal 23");

	/* Established flows: count (companions at STREAM and DATAGRAM_DATA). */
	k = declare("count", "fz-count4", DFP_LAYER_ALE_FLOW_ESTABLISHED_V4, count, 1);
	filter_add(DFP_LAYER_ALE_FLOW_ESTABLISHED_V4, NULL, DFP_ACTION_CALLOUT_INSPECTION, 10, 0,
		&k, NULL);
	k = declare("count", "fz-count6", DFP_LAYER_ALE_FLOW_ESTABLISHED_V6, count, 1);
	filter_add(DFP_LAYER_ALE_FLOW_ESTABLISHED_V6, NULL, DFP_ACTION_CALLOUT_INSPECTION, 10, 0,
		&k, NULL);

	/* Data layers. */
	filter_add(DFP_LAYER_STREAM_V4, NULL, DFP_ACTION_BLOCK, 10, 0, NULL,
		"IP_REMOTE_PORT equal 6667");
	filter_add(DFP_LAYER_DATAGRAM_DATA_V4, NULL, DFP_ACTION_BLOCK, 10, 0, NULL,
		"IP_REMOTE_PORT equal 19");
	filter_add(DFP_LAYER_DATAGRAM_DATA_V6, NULL, DFP_ACTION_BLOCK, 10, 0, NULL,
		"IP_LOCAL_PORT equal 19");
}

/* Filters the input adds and deletes (each commit re-authorises the flows of its layer). */
static void
toggle(unsigned int k)
{
	static const struct {
		uint16_t layer;
		uint32_t action;
		const char *cond;
	} t[N_TOGGLES] = {
		{DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4, DFP_ACTION_BLOCK, "IP_LOCAL_PORT equal 80"},
		{DFP_LAYER_ALE_AUTH_CONNECT_V4, DFP_ACTION_PERMIT, NULL},
		{DFP_LAYER_ALE_AUTH_CONNECT_V6, DFP_ACTION_BLOCK, "IP_PROTOCOL equal 17"},
		{DFP_LAYER_ALE_FLOW_ESTABLISHED_V4, DFP_ACTION_BLOCK, "IP_PROTOCOL equal 17"},
	};

	k %= N_TOGGLES;
	if (F.toggles[k] != 0) {
		if (dfp_ctl_filter_delete_by_id(F.s, F.toggles[k]) != DFP_STATUS_SUCCESS)
			die("toggle delete");
		F.toggles[k] = 0;
	} else {
		F.toggles[k] = filter_add(t[k].layer, &F.sl_hi, t[k].action, 50, 0, NULL, t[k].cond);
	}
}

/* ---- Ports and datapath ---- */

static void
port_make(unsigned int i, const char *name)
{
	char n[64];
	int rc;

	snprintf(n, sizeof(n), "fz_%s_rx", name);
	F.rx[i] = rte_ring_create(n, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(n, sizeof(n), "fz_%s_tx", name);
	F.tx[i] = rte_ring_create(n, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (F.rx[i] == NULL || F.tx[i] == NULL)
		die("rings");
	snprintf(n, sizeof(n), "fz_%s", name);
	rc = rte_eth_from_rings(n, &F.rx[i], 1, &F.tx[i], 1, (unsigned int)rte_socket_id());
	if (rc < 0)
		die("net_ring port");
	F.port_id[i] = (uint16_t)rc;
}

static void
datapath(void)
{
	struct dfp_dp_conf c;

	memset(&c, 0, sizeof(c));
	c.n_ports = 2;
	snprintf(c.ports[WAN].name, sizeof(c.ports[WAN].name), "wan");
	c.ports[WAN].port_id = F.port_id[WAN];
	c.ports[WAN].role = DFP_DP_ROLE_OUTSIDE;
	c.ports[WAN].peer = LAN;
	c.ports[WAN].rx_queues = 1;
	snprintf(c.ports[LAN].name, sizeof(c.ports[LAN].name), "lan");
	c.ports[LAN].port_id = F.port_id[LAN];
	c.ports[LAN].role = DFP_DP_ROLE_INSIDE;
	c.ports[LAN].peer = WAN;
	c.ports[LAN].rx_queues = 1;
	c.n_workers = 1;
	c.worker_lcores[0] = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	c.burst = BURST;
	c.flow_capacity = FLOW_CAPACITY;
	c.idle_timeout_s = 60;
	c.hold_packets = HOLD_PACKETS;
	c.full_policy = DFP_DP_FULL_FAIL_CLOSED;
	c.mbufs = 4096;
	if (dfp_dp_create(&c, F.ctl, &F.dp) != DFP_STATUS_SUCCESS)
		die("dfp_dp_create");
	/* What dfp_dp_start() does but the launch: this thread is the worker. */
	if (dp_ports_start(F.dp) != 0)
		die("ports");
	F.w = F.dp->workers[0];
	F.b = calloc(1, sizeof(*F.b));
	if (F.b == NULL)
		die("burst");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct dfp_ctl_params cp;

	(void)argc;
	(void)argv;
	fuzz_eal_init("fuzz_walk", 2);
	memset(&cp, 0, sizeof(cp));
	cp.n_workers = 1;
	cp.max_handles = 256;
	cp.pend_timeout_ms = 60000;
	if (dfp_ctl_create(&cp, &F.ctl) != DFP_STATUS_SUCCESS ||
			dfp_ctl_session_open(F.ctl, 0, &F.s) != DFP_STATUS_SUCCESS)
		die("control plane");
	F.rt = dfp_ctl_callouts(F.ctl);
	dfp_wfp_bind(F.ctl);
	host.ctl = F.ctl;
	host.n_workers = 1;
	host.tsc_hz = rte_get_tsc_hz();
	port_make(WAN, "wan");
	port_make(LAN, "lan");
	rule_base();
	datapath();
	return 0;
}

/* ---- Checks ---- */

/* Take everything off the tx rings (the peers' wires). */
static void
collect_tx(void)
{
	void *objs[64];
	unsigned int i, p, n;

	for (p = 0; p < 2; p++) {
		while ((n = rte_ring_dequeue_burst(F.tx[p], objs, RTE_DIM(objs), NULL)) != 0) {
			for (i = 0; i < n; i++)
				rte_pktmbuf_free(objs[i]);
			F.tx_seen += n;
		}
	}
}

static void
check_accounting(const char *when)
{
	const struct dfp_dp_stats *s = &F.w->stats;

	if (s->rx_packets != s->tx_packets + dfp_dp_stats_drops(s) + s->held_now)
		die("%s: rx %" PRIu64 " != tx %" PRIu64 " + drops %" PRIu64 " + held %" PRIu64, when,
			s->rx_packets, s->tx_packets, dfp_dp_stats_drops(s), s->held_now);
	if (s->tx_packets != F.tx_seen)
		die("%s: tx_packets %" PRIu64 " but %" PRIu64 " frames left on the wire", when,
			s->tx_packets, F.tx_seen);
}

static int
live_reg_cb(void *arg, const struct dfp_callout_reg_info *r)
{
	if (r->n_contexts != 0)
		die("callout %s (%u) still has %" PRIu64 " flow contexts", r->name, r->callout_id,
			r->n_contexts);
	(void)arg;
	return 0;
}

static void
check_idle(void)
{
	struct dfp_callout_stats cs;
	char buf[512];
	const char *p;
	unsigned int i;

	check_accounting("end of input");
	if (F.w->stats.held_now != 0)
		die("%" PRIu64 " packets still held", F.w->stats.held_now);
	if (dfp_flow_table_count(F.w->flows) != 0)
		die("%u flows left", dfp_flow_table_count(F.w->flows));
	if (rte_mempool_in_use_count(F.dp->pool) != 0)
		die("%u mbufs not back in the pool", rte_mempool_in_use_count(F.dp->pool));
	dfp_callout_stats_get(F.rt, &cs);
	if (cs.handles_in_use != 0 || cs.pended != 0)
		die("classify handles: %" PRIu64 " in use, %" PRIu64 " pended", cs.handles_in_use,
			cs.pended);
	dfp_callout_foreach(F.rt, live_reg_cb, NULL);
	for (i = 0; i < F.n_inst; i++) {
		const struct dfp_module_instance *in = &F.inst[i].inst;

		if (in->describe == NULL)
			continue;
		in->describe(in->state, buf, sizeof(buf));
		p = strstr(buf, "live ");
		if (p != NULL && strtoull(p + 5, NULL, 10) != 0)
			die("%s: %s", F.inst[i].name, buf);
	}
}

/* ---- The loop ---- */

/* One iteration of the worker loop (worker_iterate()) with these frames as its rx burst. */
static void
iterate(struct rte_mbuf **m, unsigned int n, unsigned int port)
{
	struct dp_worker *w = F.w;
	struct dp_burst *b = F.b;
	uint64_t now = rte_rdtsc() + F.offset;
	unsigned int i;

	b->rs = dfp_ctl_ruleset_get(w->ruleset_slot);
	completions_poll(w, b->rs);
	if (n != 0) {
		b->port = &w->dp->ports[port];
		b->inbound = b->port->role == DFP_DP_ROLE_OUTSIDE;
		b->n = n;
		for (i = 0; i < n; i++)
			b->pkts[i].m = m[i];
		burst_run(w, b, now);
	}
	tx_flush(w);
	worker_age(w, now);
	stats_flush(w);
	collect_tx();
	check_accounting("after a loop iteration");
}

static struct rte_mbuf *
frame(const uint8_t *data, uint16_t len, bool split)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(F.dp->pool), *m2;
	uint16_t len1 = len;
	uint8_t *p;

	if (m == NULL)
		return NULL;
	if (split && len >= 2)
		len1 = (uint16_t)(1 + data[len - 1] % (len - 1));
	p = (uint8_t *)rte_pktmbuf_append(m, len1);
	if (p == NULL && len1 > 0)
		goto out_free;
	if (len1 > 0)
		memcpy(p, data, len1);
	if (len1 == len)
		return m;
	m2 = rte_pktmbuf_alloc(F.dp->pool);
	if (m2 == NULL)
		goto out_free;
	p = (uint8_t *)rte_pktmbuf_append(m2, (uint16_t)(len - len1));
	if (p == NULL || rte_pktmbuf_chain(m, m2) != 0) {
		rte_pktmbuf_free(m2);
		goto out_free;
	}
	memcpy(p, data + len1, len - len1);
	return m;

out_free:
	rte_pktmbuf_free(m);
	return NULL;
}

struct pick {
	unsigned int k;
	unsigned int n;
	uint64_t id;
};

static int
pick_pended(void *arg, const struct dfp_callout_handle_info *h)
{
	struct pick *p = arg;

	if (!h->pended)
		return 0;
	if (p->n++ == p->k)
		p->id = h->handle;
	return 0;
}

static int
pick_flow(void *arg, const struct dfp_flow_info *f)
{
	struct pick *p = arg;

	if (p->n++ == p->k) {
		p->id = f->flow_id;
		return 1;
	}
	return 0;
}

static const uint64_t step_ms[8] = {0, 1, 10, 100, 1000, 5000, 31000, 90000};

static void
control(unsigned int op, uint8_t arg)
{
	struct dfp_classify_out out;
	struct dfp_flow_info info;
	struct pick p = {arg, 0, 0};
	unsigned int i;

	switch (op % 8) {
	case 0:
		/* Complete a pended classification: permit, block or re-authorise. */
		p.k = UINT32_MAX;
		dfp_callout_handle_foreach(F.rt, pick_pended, &p);
		if (p.n == 0)
			break;
		p.k = arg % p.n;
		p.n = 0;
		dfp_callout_handle_foreach(F.rt, pick_pended, &p);
		memset(&out, 0, sizeof(out));
		out.action_type = (arg >> 6) == 1 ? DFP_ACTION_BLOCK : DFP_ACTION_PERMIT;
		(void)dfp_callout_handle_complete(F.rt, p.id, (arg >> 6) == 2 ? NULL : &out);
		break;
	case 1:
		/* FwpsFlowAbort0: the aging scan ends the flow. */
		p.k %= FLOW_CAPACITY;
		dfp_flow_foreach(dfp_ctl_flows(F.ctl), pick_flow, &p);
		if (p.id != 0)
			(void)dfp_flow_abort(dfp_ctl_flows(F.ctl), p.id);
		break;
	case 2:
		toggle(arg);
		break;
	case 3:
		F.offset += (uint64_t)(arg + 1) * rte_get_tsc_hz() / 4;
		break;
	case 4:
		dfp_callout_pend_expire_all(F.rt);
		break;
	case 7:
		/* Settings read per packet; only before any flow exists (see the top). */
		if (F.frames == 0) {
			F.dp->conf.full_policy = (arg & 1) ? DFP_DP_FULL_FAIL_OPEN :
				DFP_DP_FULL_FAIL_CLOSED;
			F.dp->conf.tcp_pickup = (arg & 2) != 0;
		}
		break;
	case 5:
		/* FwpsFlowRemoveContext0 for every context of a flow. */
		p.k %= FLOW_CAPACITY;
		dfp_flow_foreach(dfp_ctl_flows(F.ctl), pick_flow, &p);
		if (p.id == 0 || dfp_flow_get(dfp_ctl_flows(F.ctl), p.id, &info) != DFP_STATUS_SUCCESS)
			break;
		for (i = 0; i < info.n_contexts && i < DFP_FLOW_MAX_CONTEXTS; i++)
			(void)dfp_callout_flow_remove(F.rt, p.id, info.contexts[i].layer_id,
				info.contexts[i].callout_id);
		break;
	default:
		break;
	}
	iterate(NULL, 0, 0);
}

/* FUZZ_WALK_TRACE=1: the counters that moved and the modules' lines, after each input. */
static void
trace(const struct dfp_dp_stats *before)
{
	const uint64_t *a = (const uint64_t *)before, *b = (const uint64_t *)&F.w->stats;
#define FZ_ONE_(name) +1
	const unsigned int n_counters = 0 DFP_DP_COUNTER_LIST(FZ_ONE_);
#undef FZ_ONE_
	char buf[512];
	unsigned int i;

	for (i = 0; i < sizeof(struct dfp_dp_stats) / sizeof(uint64_t); i++) {
		if (a[i] == b[i])
			continue;
		if (dfp_dp_counter_name(i) != NULL)
			fprintf(stderr, " %s %" PRIu64, dfp_dp_counter_name(i), b[i] - a[i]);
		else if (i - n_counters < DFP_DP_DROP_COUNT)
			fprintf(stderr, " drop/%s %" PRIu64,
				dfp_dp_drop_name((enum dfp_dp_drop)(i - n_counters)), b[i] - a[i]);
	}
	fprintf(stderr, "\n");
	for (i = 0; i < F.n_inst; i++) {
		if (F.inst[i].inst.describe == NULL)
			continue;
		F.inst[i].inst.describe(F.inst[i].inst.state, buf, sizeof(buf));
		fprintf(stderr, "  %s: %s\n", F.inst[i].name, buf);
	}
}

/* The datapath's stop sequence (dp_halt()), then everything must be back. */
static void
finish(void)
{
	struct dfp_callout_stats cs;
	unsigned int round = 0;

	do {
		dfp_callout_pend_expire_all(F.rt);
		dp_worker_drain(F.w);
		collect_tx();
		dfp_callout_stats_get(F.rt, &cs);
	} while (cs.pended != 0 && ++round < 4);
	check_idle();
	/* The next input starts from the same rule base. */
	for (round = 0; round < N_TOGGLES; round++)
		if (F.toggles[round] != 0)
			toggle(round);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *burst[BURST];
	unsigned int n = 0, port = WAN;
	size_t off = 0;

	struct dfp_dp_stats before = F.w->stats;

	dp_worker_reset(F.w);
	F.offset = 0;
	F.frames = 0;
	F.dp->conf.full_policy = DFP_DP_FULL_FAIL_CLOSED;
	F.dp->conf.tcp_pickup = false;
	while (off < size) {
		uint8_t h = data[off++];
		struct rte_mbuf *m;
		uint16_t len;

		if ((h & 3) >= 2) {
			if (n != 0)
				iterate(burst, n, port);
			n = 0;
			control(h >> 2, off < size ? data[off] : 0);
			off++;
			continue;
		}
		if (off + 2 > size)
			break;
		len = (uint16_t)((data[off] << 8) | data[off + 1]);
		off += 2;
		if (len > size - off)
			len = (uint16_t)(size - off);
		if (len > MAX_FRAME)
			len = MAX_FRAME;
		if (n != 0 && ((h & 1) != port || n == BURST)) {
			iterate(burst, n, port);
			n = 0;
		}
		F.offset += step_ms[(h >> 4) & 7] * rte_get_tsc_hz() / 1000;
		m = frame(data + off, len, (h & 8) != 0);
		off += len;
		if (m == NULL)
			die("mbuf pool exhausted");
		port = h & 1;
		burst[n++] = m;
		F.frames++;
		if (h & 4) {
			iterate(burst, n, port);
			n = 0;
		}
	}
	if (n != 0)
		iterate(burst, n, port);
	finish();
	if (getenv("FUZZ_WALK_TRACE") != NULL)
		trace(&before);
	return 0;
}
