/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole datapath on one worker lcore, with no I/O cost but ring
 * operations.
 *
 * Two net_ring ports, A (outside, peer B) and B (inside, peer A), wired in a
 * loop: B transmits into the ring A receives from, so every frame the
 * worker forwards comes back to it, and the pool never empties. B's own rx
 * ring stays empty (the worker still polls it, as a real two-port worker
 * does). `frames` 60-byte IPv4 frames are built up front and enqueued;
 * nothing else runs on the worker's lcore, and the main lcore only samples
 * counters.
 *
 * The 5-tuples come from a ClassBench trace (TCP and UDP headers,
 * deduplicated on addresses, destination port and protocol). An rx callback
 * on port A, which runs inside the worker's rte_eth_rx_burst(), writes each
 * received frame's IPv4 and transport header (40 bytes) from a table:
 *
 * - known flows: N flows in turn, so after warm-up every packet belongs to
 *   an existing flow (flow lookup, no ALE);
 * - new flows: each header of the table in turn, its source port shifted by
 *   one more on every pass over the table, so every packet is a 5-tuple the
 *   worker has never seen (flow insert and ALE_AUTH_RECV_ACCEPT). The flow
 *   table is sized for every flow of the run, so none is refused or aged.
 *
 * With --proto only the trace's TCP or UDP headers are used. With
 * --handshake (known flows) a TCP flow's first three packets carry SYN,
 * SYN+ACK with addresses and ports reversed, then ACK: the flow tracker
 * sees a handshake (direction comes from the addresses, not the port), so
 * the flow is established and every later segment, which carries 6 bytes
 * of payload, is classified at STREAM.
 *
 * The rewrite (a 40-byte copy) is part of the measured cost in both modes.
 * cycles/packet = TSC cycles elapsed / packets the worker received over the
 * measured window, which is valid because the worker never runs dry: at
 * most one burst of the `frames` is outside the ring at any time.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dfp_ctl.h"
#include "dfp_dp.h"
#include "bench.h"

#define L2_LEN 14
#define HDR_LEN 40                /* IPv4 (20) + TCP (20) or UDP (8) and 12 payload bytes. */
#define FRAME_LEN 60              /* Minimum Ethernet frame without FCS. */
#define RING_SIZE 4096
#define WAIT_MAX_S 300
#define FLOW_MARGIN 65536
/* Heap bytes to fault in per flow of capacity (an entry is 768 bytes today). */
#define PREFAULT_PER_FLOW 1024
#define PREFAULT_EXTRA (64u << 20)

/* The 40 bytes written into a frame after its Ethernet header. */
struct hdr {
	uint8_t b[HDR_LEN];
};

/* State of the rx callback; touched only by the worker once started. */
struct gen {
	struct hdr *tmpl;         /* Headers, in the order they are sent. */
	uint32_t n;               /* Headers. */
	uint32_t next;            /* Next header to write. */
	uint16_t round;           /* Passes completed over tmpl (new flows: sport shift). */
	bool new_flows;           /* Shift the source port by `round`. */
	bool handshake;           /* TCP: SYN, reversed SYN+ACK, ACK in rounds 0, 1, 2. */
} __rte_cache_aligned;

struct loop {
	struct rte_ring *loop;    /* B's tx ring and A's rx ring. */
	struct rte_ring *a_tx;    /* A's tx ring (B never receives: stays empty). */
	struct rte_ring *b_rx;    /* B's rx ring: always empty. */
	struct rte_mempool *pool; /* The circulating frames. */
	uint16_t port_a;
	uint16_t port_b;
	unsigned int n_ports;     /* Ports created (closed by dfp_dp_free() once it owns them). */
};

/* ---- Headers ---- */

static void
hdr_build(struct hdr *h, const struct classbench_packet *p, uint16_t sport_shift)
{
	uint16_t v16;
	uint32_t v32;

	memset(h, 0, sizeof(*h));
	h->b[0] = 0x45;
	v16 = htons(FRAME_LEN - L2_LEN);
	memcpy(&h->b[2], &v16, 2);
	h->b[6] = 0x40;           /* DF. */
	h->b[8] = 64;
	h->b[9] = p->proto;
	v32 = htonl(p->src_addr);
	memcpy(&h->b[12], &v32, 4);
	v32 = htonl(p->dst_addr);
	memcpy(&h->b[16], &v32, 4);
	v16 = htons((uint16_t)(p->src_port + sport_shift));
	memcpy(&h->b[20], &v16, 2);
	v16 = htons(p->dst_port);
	memcpy(&h->b[22], &v16, 2);
	if (p->proto == IPPROTO_TCP) {
		h->b[32] = 5 << 4;        /* Data offset: 20 bytes, 6 bytes of payload. */
		h->b[33] = 0x10;          /* ACK. */
		h->b[34] = 0xff;
		h->b[35] = 0xff;
	} else {
		v16 = htons(FRAME_LEN - L2_LEN - 20);
		memcpy(&h->b[24], &v16, 2);
	}
}

/* Order by (source, destination, destination port, protocol), then trace position. */
static int
uniq_cmp(const void *a, const void *b)
{
	const struct classbench_packet *x = *(const struct classbench_packet *const *)a;
	const struct classbench_packet *y = *(const struct classbench_packet *const *)b;

	if (x->src_addr != y->src_addr)
		return x->src_addr < y->src_addr ? -1 : 1;
	if (x->dst_addr != y->dst_addr)
		return x->dst_addr < y->dst_addr ? -1 : 1;
	if (x->dst_port != y->dst_port)
		return x->dst_port < y->dst_port ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x < y ? -1 : (x > y);
}

static bool
same_key(const struct classbench_packet *x, const struct classbench_packet *y)
{
	return x->src_addr == y->src_addr && x->dst_addr == y->dst_addr &&
		x->dst_port == y->dst_port && x->proto == y->proto;
}

static int
ptr_cmp(const void *a, const void *b)
{
	const void *x = *(const void *const *)a;
	const void *y = *(const void *const *)b;

	return x < y ? -1 : (x > y);
}

/*
 * TCP/UDP headers of the trace, one per (source, destination, destination
 * port, protocol), in trace order. Two different entries therefore never
 * give the same 5-tuple whatever their source ports are shifted by.
 */
static const struct classbench_packet **
uniq_headers(const struct bench_set *set, uint8_t proto, uint32_t *n_out)
{
	const struct classbench_packet **all, **out;
	uint32_t i, n = 0, k = 0;

	all = calloc(set->n_pkts + 1, sizeof(*all));
	out = calloc(set->n_pkts + 1, sizeof(*out));
	if (all == NULL || out == NULL) {
		free(all);
		free(out);
		return NULL;
	}
	for (i = 0; i < set->n_pkts; i++)
		if ((set->pkts[i].proto == IPPROTO_TCP || set->pkts[i].proto == IPPROTO_UDP) &&
				(proto == 0 || set->pkts[i].proto == proto))
			all[n++] = &set->pkts[i];
	qsort(all, n, sizeof(*all), uniq_cmp);
	/* The first of each run of equal keys is the earliest in the trace. */
	for (i = 0; i < n; i++)
		if (i == 0 || !same_key(all[i - 1], all[i]))
			out[k++] = all[i];
	/* Back to trace order. */
	qsort(out, k, sizeof(*out), ptr_cmp);
	free(all);
	*n_out = k;
	return out;
}

/* The table the rx callback writes from (see the file comment). */
static int
gen_init(struct gen *g, const struct bench_opts *o, const struct bench_set *set)
{
	const struct classbench_packet **u;
	uint32_t n_u, i;

	memset(g, 0, sizeof(*g));
	u = uniq_headers(set, o->proto, &n_u);
	if (u == NULL || n_u == 0) {
		fprintf(stderr, "the trace has no %s header\n", o->proto == IPPROTO_TCP ? "TCP" :
			o->proto == IPPROTO_UDP ? "UDP" : "TCP or UDP");
		free(u);
		return -1;
	}
	g->new_flows = o->flows == BENCH_FLOWS_NEW;
	g->handshake = o->handshake && !g->new_flows;
	g->n = g->new_flows ? n_u : o->n_flows;
	if (g->new_flows && (o->warmup + (uint64_t)o->repeat * o->packets) / n_u >= UINT16_MAX) {
		fprintf(stderr, "%u distinct headers cannot make enough new flows\n", n_u);
		free(u);
		return -1;
	}
	if (!g->new_flows && o->n_flows / n_u >= UINT16_MAX) {
		free(u);
		return -1;
	}
	g->tmpl = calloc(g->n, sizeof(*g->tmpl));
	if (g->tmpl == NULL) {
		free(u);
		return -1;
	}
	/* Known flow j: header j mod n_u, source port shifted by j / n_u. */
	for (i = 0; i < g->n; i++)
		hdr_build(&g->tmpl[i], u[i % n_u], (uint16_t)(i / n_u));
	printf("  %u distinct %s headers in the trace; %s\n", n_u,
		o->proto == IPPROTO_TCP ? "TCP" : o->proto == IPPROTO_UDP ? "UDP" : "TCP/UDP",
		g->new_flows ? "every packet a new flow" : "known flows");
	free(u);
	return 0;
}

/* Round 0: SYN; round 1: SYN+ACK from the other end (addresses and ports swapped). */
static void
handshake_rewrite(uint8_t *d, uint16_t round)
{
	uint8_t t[4];

	if (round == 0) {
		d[33] = 0x02;
		return;
	}
	d[33] = 0x12;
	memcpy(t, d + 12, 4);
	memcpy(d + 12, d + 16, 4);
	memcpy(d + 16, t, 4);
	memcpy(t, d + 20, 2);
	memcpy(d + 20, d + 22, 2);
	memcpy(d + 22, t, 2);
}

/* Runs in the worker, inside rte_eth_rx_burst() on port A. */
static uint16_t
rx_rewrite(uint16_t port, uint16_t queue, struct rte_mbuf *pkts[], uint16_t n, uint16_t max,
		void *arg)
{
	struct gen *g = arg;
	uint16_t i, sport;

	RTE_SET_USED(port);
	RTE_SET_USED(queue);
	RTE_SET_USED(max);
	for (i = 0; i < n; i++) {
		uint8_t *d = rte_pktmbuf_mtod_offset(pkts[i], uint8_t *, L2_LEN);

		memcpy(d, &g->tmpl[g->next], HDR_LEN);
		if (g->new_flows && g->round != 0) {
			memcpy(&sport, d + 20, 2);
			sport = htons((uint16_t)(ntohs(sport) + g->round));
			memcpy(d + 20, &sport, 2);
		}
		if (g->handshake && g->round < 2 && d[9] == IPPROTO_TCP)
			handshake_rewrite(d, g->round);
		if (++g->next == g->n) {
			g->next = 0;
			g->round++;
		}
	}
	return n;
}

/* ---- Ports ---- */

static int
loop_create(struct loop *l, unsigned int frames)
{
	static const uint8_t eth[L2_LEN] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
	static unsigned int seq;
	int socket = (int)rte_socket_id();
	struct rte_mbuf *m;
	char name[64];
	unsigned int i;
	int rc;

	memset(l, 0, sizeof(*l));
	seq++;
	snprintf(name, sizeof(name), "bench_loop%u", seq);
	l->loop = rte_ring_create(name, RING_SIZE, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "bench_atx%u", seq);
	l->a_tx = rte_ring_create(name, RING_SIZE, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "bench_brx%u", seq);
	l->b_rx = rte_ring_create(name, 64, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "bench_frames%u", seq);
	l->pool = rte_pktmbuf_pool_create(name, frames + 512, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
		socket);
	if (l->loop == NULL || l->a_tx == NULL || l->b_rx == NULL || l->pool == NULL)
		return -1;
	snprintf(name, sizeof(name), "bench_a%u", seq);
	rc = rte_eth_from_rings(name, &l->loop, 1, &l->a_tx, 1, (unsigned int)socket);
	if (rc < 0)
		return -1;
	l->port_a = (uint16_t)rc;
	l->n_ports = 1;
	snprintf(name, sizeof(name), "bench_b%u", seq);
	rc = rte_eth_from_rings(name, &l->b_rx, 1, &l->loop, 1, (unsigned int)socket);
	if (rc < 0)
		return -1;
	l->port_b = (uint16_t)rc;
	l->n_ports = 2;
	for (i = 0; i < frames; i++) {
		uint8_t *d;

		m = rte_pktmbuf_alloc(l->pool);
		if (m == NULL)
			return -1;
		d = (uint8_t *)rte_pktmbuf_append(m, FRAME_LEN);
		if (d == NULL)
			return -1;
		memset(d, 0, FRAME_LEN);
		memcpy(d, eth, sizeof(eth));
		if (rte_ring_enqueue(l->loop, m) != 0)
			return -1;
	}
	return 0;
}

/* Close the ports unless the datapath did; free the frames, rings and pool. */
static void
loop_free(struct loop *l, bool ports_closed)
{
	void *m;

	if (!ports_closed && l->n_ports > 0)
		rte_eth_dev_close(l->port_a);
	if (!ports_closed && l->n_ports > 1)
		rte_eth_dev_close(l->port_b);
	if (l->loop != NULL)
		while (rte_ring_dequeue(l->loop, &m) == 0)
			rte_pktmbuf_free(m);
	if (l->a_tx != NULL)
		while (rte_ring_dequeue(l->a_tx, &m) == 0)
			rte_pktmbuf_free(m);
	rte_ring_free(l->loop);
	rte_ring_free(l->a_tx);
	rte_ring_free(l->b_rx);
	rte_mempool_free(l->pool);
}

/* ---- Rules ---- */

/* Load the rule set at o->layer in one transaction; returns filters added or -1. */
static int
rules_load(const struct bench_opts *o, const struct bench_set *set, struct dfp_ctl_session *s)
{
	struct dfp_engine_cond conds[CLASSBENCH_MAX_CONDS];
	struct dfp_engine_filter_spec spec;
	uint32_t i, k, kept;
	dfp_status_t st;
	char name[32];

	if (set->n_rules == 0)
		return 0;
	if (dfp_ctl_txn_begin(s, 0) != DFP_STATUS_SUCCESS)
		return -1;
	for (i = 0; i < set->n_rules; i++) {
		if (classbench_rule_spec(&set->rules[i], i, set->n_rules, 0, conds, name,
				sizeof(name), &spec) != 0)
			goto out_abort;
		spec.layer_id = o->layer;
		/* Keep the conditions the layer offers (all five at every layer used here). */
		for (k = 0, kept = 0; k < spec.n_conds; k++)
			if (dfp_engine_layer_has_field(o->layer, (enum dfp_field)conds[k].field))
				conds[kept++] = conds[k];
		spec.n_conds = kept;
		st = dfp_ctl_filter_add(s, &spec, NULL);
		if (st != DFP_STATUS_SUCCESS) {
			fprintf(stderr, "rule at line %u: %s\n", set->rules[i].line,
				dfp_status_name(st));
			goto out_abort;
		}
	}
	st = dfp_ctl_txn_commit(s);
	if (st != DFP_STATUS_SUCCESS) {
		fprintf(stderr, "commit: %s\n", dfp_status_name(st));
		goto out_abort;
	}
	return (int)set->n_rules;

out_abort:
	dfp_ctl_txn_abort(s);
	return -1;
}

/* ---- Measurement ---- */

/*
 * lib/flow allocates a table's entries with aligned_alloc() and leaves them
 * untouched, so a run of new flows takes a page fault every few inserts: a
 * start-up cost, not the steady state of a table whose slots are reused.
 * Keep large allocations on the heap (no mmap) and never trimmed, then
 * fault in and free a block as large as the table: its allocation reuses
 * those pages.
 */
static void
heap_prefault(uint64_t flows)
{
	size_t size = (size_t)flows * PREFAULT_PER_FLOW + PREFAULT_EXTRA;
	void *p;

	mallopt(M_MMAP_MAX, 0);
	mallopt(M_TRIM_THRESHOLD, INT_MAX);
	p = malloc(size);
	if (p == NULL)
		return;
	memset(p, 0x5a, size);
	free(p);
}

/* A sample of the worker's progress. */
struct sample {
	uint64_t tsc;             /* TSC. */
	uint64_t cpu_ns;          /* The worker thread's CPU time. */
	struct dfp_dp_stats s;    /* Datapath counters. */
};

/* Runs on the worker lcore before the datapath starts: its CPU-time clock. */
static int
worker_clock(void *arg)
{
	return pthread_getcpuclockid(pthread_self(), arg);
}

/* Wait until the worker received `target` packets; sample then. */
static bool
wait_rx(struct dfp_dp *dp, clockid_t clk, uint64_t target, struct sample *sm)
{
	uint64_t deadline = rte_rdtsc() + (uint64_t)WAIT_MAX_S * rte_get_tsc_hz();
	struct dfp_dp_stats *s = &sm->s;
	uint64_t *tsc = &sm->tsc;

	for (;;) {
		dfp_dp_stats_get(dp, s);
		*tsc = rte_rdtsc();
		sm->cpu_ns = bench_cpu_ns(clk);
		if (s->rx_packets >= target)
			return true;
		if (*tsc > deadline)
			return false;
		rte_delay_us_sleep(200);
	}
}

static void
dp_conf_fill(struct dfp_dp_conf *c, const struct bench_opts *o, const struct loop *l)
{
	memset(c, 0, sizeof(*c));
	c->n_ports = 2;
	snprintf(c->ports[0].name, sizeof(c->ports[0].name), "a");
	c->ports[0].port_id = l->port_a;
	c->ports[0].role = DFP_DP_ROLE_OUTSIDE;
	c->ports[0].peer = 1;
	c->ports[0].rx_queues = 1;
	snprintf(c->ports[1].name, sizeof(c->ports[1].name), "b");
	c->ports[1].port_id = l->port_b;
	c->ports[1].role = DFP_DP_ROLE_INSIDE;
	c->ports[1].peer = 0;
	c->ports[1].rx_queues = 1;
	c->n_workers = 1;
	c->worker_lcores[0] = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	c->burst = o->burst;
	/* Room for every flow of the run: nothing is refused, nothing ages. */
	if (o->flows == BENCH_FLOWS_NEW)
		c->flow_capacity = (uint32_t)(o->warmup + (uint64_t)o->repeat * o->packets +
			FLOW_MARGIN);
	else
		c->flow_capacity = RTE_MAX(2 * o->n_flows, 4096u);
	c->idle_timeout_s = 3600;
	c->hold_packets = 8;
	c->full_policy = DFP_DP_FULL_FAIL_CLOSED;
	/*
	 * The generated TCP segments carry ACK (no SYN unless --handshake):
	 * pickup makes each new 5-tuple a flow insert and an ALE
	 * classification, as the new-flows mode measures.
	 */
	c->tcp_pickup = true;
	c->mbufs = 4096;
}

unsigned int
bench_pipeline_run(const struct bench_opts *o, const struct bench_set *set,
		struct bench_result res[BENCH_MAX_RESULTS])
{
	double cpp[BENCH_MAX_WINDOWS], cpu[BENCH_MAX_WINDOWS];
	const struct rte_eth_rxtx_callback *cb = NULL;
	struct dfp_ctl_session *s = NULL;
	struct bench_result *r = &res[0];
	unsigned int n_res = 0, i, w;
	struct sample m0, m1, first;
	struct dfp_ctl *ctl = NULL;
	struct dfp_dp_stats s_end;
	struct dfp_ctl_params cp;
	uint64_t t0, drops = 0;
	struct dfp_dp *dp = NULL;
	struct dfp_dp_conf conf;
	bool stopped = false;
	int n_filters = 0;
	struct gen *g;
	struct loop l;
	char what[96];
	clockid_t clk;

	memset(&l, 0, sizeof(l));
	g = rte_zmalloc("bench_gen", sizeof(*g), RTE_CACHE_LINE_SIZE);
	if (rte_lcore_count() < 2 || g == NULL || gen_init(g, o, set) != 0) {
		fprintf(stderr, "pipeline needs two lcores and a usable trace\n");
		goto out;
	}
	memset(&cp, 0, sizeof(cp));
	cp.n_workers = 1;
	if (dfp_ctl_create(&cp, &ctl) != DFP_STATUS_SUCCESS ||
			dfp_ctl_session_open(ctl, 0, &s) != DFP_STATUS_SUCCESS)
		goto out;
	t0 = rte_rdtsc();
	n_filters = rules_load(o, set, s);
	if (n_filters < 0)
		goto out;
	printf("  %d filters committed in %.0f ms\n", n_filters, bench_ms(t0, rte_rdtsc()));
	if (loop_create(&l, o->frames) != 0) {
		fprintf(stderr, "rings, ports or frames: %s\n", rte_strerror(rte_errno));
		goto out;
	}
	dp_conf_fill(&conf, o, &l);
	if (o->prefault)
		heap_prefault(conf.flow_capacity);
	if (dfp_dp_create(&conf, ctl, &dp) != DFP_STATUS_SUCCESS)
		goto out;
	cb = rte_eth_add_rx_callback(l.port_a, 0, rx_rewrite, g);
	if (cb == NULL)
		goto out;
	/* The worker lcore's thread: its CPU time tells how long it really ran. */
	if (rte_eal_remote_launch(worker_clock, &clk, conf.worker_lcores[0]) != 0 ||
			rte_eal_wait_lcore(conf.worker_lcores[0]) != 0) {
		fprintf(stderr, "no CPU-time clock for the worker lcore\n");
		goto out;
	}
	if (dfp_dp_start(dp) != DFP_STATUS_SUCCESS)
		goto out;

	if (!wait_rx(dp, clk, o->warmup, &m0)) {
		fprintf(stderr, "the worker stopped receiving\n");
		goto out;
	}
	first = m0;
	for (w = 0; w < o->repeat; w++) {
		uint64_t n;

		if (!wait_rx(dp, clk, m0.s.rx_packets + o->packets, &m1)) {
			fprintf(stderr, "the worker stopped receiving\n");
			goto out;
		}
		n = m1.s.rx_packets - m0.s.rx_packets;
		cpp[w] = (double)(m1.tsc - m0.tsc) / (double)n;
		cpu[w] = bench_ns_to_cycles(m1.cpu_ns - m0.cpu_ns, n);
		m0 = m1;
	}
	dfp_dp_stop(dp);
	stopped = true;
	dfp_dp_stats_get(dp, &s_end);
	for (i = 0; i < DFP_DP_DROP_COUNT; i++)
		drops += s_end.drops[i];

	snprintf(what, sizeof(what), "pipeline: %s flows", o->flows == BENCH_FLOWS_NEW ?
		"new" : "known");
	bench_result_init(r, o, (uint32_t)n_filters, what);
	if (o->flows == BENCH_FLOWS_KNOWN)
		snprintf(r->flows, sizeof(r->flows), "%u known", o->n_flows);
	else
		snprintf(r->flows, sizeof(r->flows), "all new");
	r->packets = m1.s.rx_packets - first.s.rx_packets;
	bench_result_windows(r, cpp, cpu, o->repeat);
	snprintf(r->note, sizeof(r->note), "measured: %" PRIu64 " flows created, %" PRIu64
		" forwarded; whole run: rx %" PRIu64 ", tx %" PRIu64 ", drops %" PRIu64 "%s",
		m1.s.flows_created - first.s.flows_created, m1.s.tx_packets - first.s.tx_packets,
		s_end.rx_packets, s_end.tx_packets, drops,
		o->flows == BENCH_FLOWS_NEW && !o->prefault ? "; flow table not pre-faulted" : "");
	n_res = 1;

out:
	if (dp != NULL && !stopped)
		dfp_dp_stop(dp);
	if (cb != NULL)
		rte_eth_remove_rx_callback(l.port_a, 0, cb);
	dfp_dp_free(dp);
	loop_free(&l, dp != NULL);
	dfp_ctl_session_close(s);
	dfp_ctl_destroy(ctl);
	if (g != NULL)
		free(g->tmpl);
	rte_free(g);
	return n_res;
}
