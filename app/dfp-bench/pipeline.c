/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole datapath on one worker lcore (pipe.h has the port set-ups).
 *
 * Ports. By default two net_null ports, A (outside) and B (inside): every
 * poll of either returns a full burst of freshly allocated mbufs, and what
 * the worker transmits is freed, so the worker never runs dry and nothing
 * but the datapath and the generators runs on its lcore; the main lcore
 * only samples counters. This is the set-up testpmd's io forwarding is
 * measured on (tools/bench/pipeline.py runs both). --ports ring keeps the
 * earlier set-up: two net_ring ports wired in a loop, `frames` 60-byte
 * frames recirculating, B's rx ring always empty.
 *
 * Traffic. The 5-tuples come from a ClassBench trace (TCP and UDP headers,
 * deduplicated on addresses, destination port and protocol). An rx callback
 * on each generating port, which runs inside the worker's
 * rte_eth_rx_burst(), writes each received frame from a table (net_null:
 * the whole frame, Ethernet header, IPv4 and TCP/UDP headers and zeroed
 * payload, since net_null's buffers hold nothing defined; net_ring: the 40
 * bytes of IPv4 and transport header):
 *
 * - known flows: N flows in turn, so after warm-up every packet belongs to
 *   an existing flow (flow lookup, no ALE). With net_null, A sends flow j's
 *   client-to-server packets and B its replies (addresses and ports
 *   swapped); A is polled first, so B's packet of flow j always follows
 *   A's.
 * - new flows: each header of the table in turn, its source port shifted by
 *   one more on every pass over the table, so every packet is a 5-tuple the
 *   worker has never seen (flow insert and ALE_AUTH_RECV_ACCEPT). With
 *   net_null B opens its own new flows from inside (swapped headers whose
 *   client port is shifted by 0x8000 more, so they never meet A's; flow
 *   insert and ALE_AUTH_CONNECT). The flow table is sized for every flow of
 *   the run, so none is refused or aged.
 *
 * With --proto only the trace's TCP or UDP headers are used. With
 * --handshake (known flows) a TCP flow opens with SYN, SYN+ACK from the
 * other end and ACK, so the flow is established and every later segment,
 * which carries payload, is classified at STREAM: net_null sends SYN from
 * A and SYN+ACK from B in their first pass and ACK segments afterwards;
 * net_ring sends all three from A (the SYN+ACK with addresses and ports
 * swapped: the flow tracker takes direction from the addresses).
 *
 * Cost of the generators. Each callback reads the TSC on entry and exit and
 * accumulates the difference. Over a window, that sum divided by the
 * window's TSC cycles is the share of the worker's time spent generating;
 * the generators' cycles per packet are that share of the on-CPU cycles
 * per packet, and "net" is the rest: the datapath's own cost. (Taking the
 * share rather than the TSC sum itself keeps the split right when the
 * worker thread is preempted: time off the CPU inside a callback would
 * otherwise count as generator cost.) The two TSC reads per burst stay in
 * both figures.
 *
 * cycles/packet = cycles over the measured window / packets the worker
 * received in it (both ports). It is valid because the worker never runs
 * dry.
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
#include <rte_dev.h>
#include <rte_eal.h>
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
#include "pipe.h"

#define L2_LEN 14
#define HDR_LEN 40                /* IPv4 (20) + TCP (20) or UDP (8) and 12 payload bytes. */
#define RING_FRAME_LEN 60         /* net_ring frames: minimum Ethernet frame without FCS. */
#define RING_SIZE 4096
#define WAIT_MAX_S 300
#define FLOW_MARGIN 65536
/* B's new flows: client ports shifted this much more than A's. */
#define REVERSE_SHIFT 0x8000
/* Heap bytes to fault in per flow of capacity (an entry is 768 bytes today). */
#define PREFAULT_PER_FLOW 1024
#define PREFAULT_EXTRA (64u << 20)
/* Left out of the DPDK heap block touched by heap_prefault(): element headers. */
#define PREFAULT_DPDK_MARGIN (1u << 20)

/* The 40 bytes written into a frame after its Ethernet header. */
struct hdr {
	uint8_t b[HDR_LEN];
};

/* What a generator does to a TCP header in its first passes (--handshake). */
enum gen_hs {
	HS_NONE,
	HS_ONE_PORT,              /* net_ring: SYN, swapped SYN+ACK, ACK in passes 0, 1, 2. */
	HS_CLIENT,                /* net_null A: SYN in pass 0. */
	HS_SERVER,                /* net_null B: SYN+ACK in pass 0. */
};

/* State of one port's rx callback; touched only by the worker once started. */
struct bench_gen {
	struct hdr *tmpl;         /* Headers, in the order they are sent (A's direction). */
	uint32_t n;               /* Headers. */
	uint32_t next;            /* Next header to write. */
	uint16_t round;           /* Passes completed over tmpl (new flows: sport shift). */
	uint16_t shift_base;      /* New flows: added to the client port's shift. */
	bool owner;               /* tmpl is this generator's to free. */
	bool new_flows;           /* Shift the client port by round + shift_base. */
	bool reverse;             /* Swap addresses and ports: the server's side. */
	bool whole;               /* Write the Ethernet header and zero the payload too. */
	enum gen_hs hs;
	uint16_t frame_len;       /* Frame length (net_null: its size). */
	uint8_t eth[L2_LEN];      /* Ethernet header (whole frames). */
	uint64_t cycles;          /* TSC cycles spent in the callback (relaxed stores). */
	uint64_t packets;         /* Frames written (relaxed stores). */
} __rte_cache_aligned;

/* ---- Headers ---- */

static void
hdr_build(struct hdr *h, const struct classbench_packet *p, uint16_t sport_shift,
		uint16_t frame_len)
{
	uint16_t v16;
	uint32_t v32;

	memset(h, 0, sizeof(*h));
	h->b[0] = 0x45;
	v16 = htons((uint16_t)(frame_len - L2_LEN));
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
		h->b[32] = 5 << 4;        /* Data offset: 20 bytes; the rest of the frame is payload. */
		h->b[33] = 0x10;          /* ACK. */
		h->b[34] = 0xff;
		h->b[35] = 0xff;
	} else {
		v16 = htons((uint16_t)(frame_len - L2_LEN - 20));
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

/*
 * Port A's generator (see the file comment): the header table, and for
 * net_null whole frames. `generating_ports` is how many ports share the
 * run's packets (the new-flow passes are counted per port).
 */
static int
gen_init_a(struct bench_gen *g, const struct bench_opts *o, const struct bench_set *set,
		bool whole, unsigned int generating_ports)
{
	static const uint8_t eth[L2_LEN] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
	const struct classbench_packet **u;
	uint64_t per_port;
	uint32_t n_u, i;

	memset(g, 0, sizeof(*g));
	u = uniq_headers(set, o->proto, &n_u);
	if (u == NULL || n_u == 0) {
		fprintf(stderr, "the trace has no %s header\n", o->proto == IPPROTO_TCP ? "TCP" :
			o->proto == IPPROTO_UDP ? "UDP" : "TCP or UDP");
		free(u);
		return -1;
	}
	g->owner = true;
	g->whole = whole;
	g->frame_len = (uint16_t)(whole ? o->frame_size : RING_FRAME_LEN);
	memcpy(g->eth, eth, sizeof(eth));
	g->new_flows = o->flows == BENCH_FLOWS_NEW;
	g->hs = o->handshake && !g->new_flows ? (whole ? HS_CLIENT : HS_ONE_PORT) : HS_NONE;
	g->n = g->new_flows ? n_u : o->n_flows;
	per_port = (o->warmup + (uint64_t)o->repeat * o->packets) / generating_ports + 1;
	/* B's new flows are shifted REVERSE_SHIFT more: the passes must stay below it. */
	if (g->new_flows && per_port / n_u >= REVERSE_SHIFT) {
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
		hdr_build(&g->tmpl[i], u[i % n_u], (uint16_t)(i / n_u), g->frame_len);
	printf("  %u distinct %s headers in the trace; %s\n", n_u,
		o->proto == IPPROTO_TCP ? "TCP" : o->proto == IPPROTO_UDP ? "UDP" : "TCP/UDP",
		g->new_flows ? "every packet a new flow" : "known flows");
	free(u);
	return 0;
}

/* Port B's generator on net_null: A's table, the other direction. */
static void
gen_init_b(struct bench_gen *b, const struct bench_gen *a)
{
	unsigned int i;

	*b = *a;
	b->owner = false;
	b->reverse = true;
	b->cycles = 0;
	b->packets = 0;
	if (a->new_flows)
		b->shift_base = REVERSE_SHIFT;
	if (a->hs == HS_CLIENT)
		b->hs = HS_SERVER;
	/* Ethernet addresses swapped. */
	for (i = 0; i < 6; i++) {
		b->eth[i] = a->eth[6 + i];
		b->eth[6 + i] = a->eth[i];
	}
}

/* Swap addresses and ports of the 40-byte header at d. */
static inline void
hdr_swap(uint8_t *d)
{
	uint8_t t[4];

	memcpy(t, d + 12, 4);
	memcpy(d + 12, d + 16, 4);
	memcpy(d + 16, t, 4);
	memcpy(t, d + 20, 2);
	memcpy(d + 20, d + 22, 2);
	memcpy(d + 22, t, 2);
}

/* TCP flags of a handshake pass (--handshake). */
static inline void
hdr_handshake(uint8_t *d, enum gen_hs hs, uint16_t round)
{
	switch (hs) {
	case HS_ONE_PORT:
		if (round == 0) {
			d[33] = 0x02;
		} else if (round == 1) {
			d[33] = 0x12;
			hdr_swap(d);
		}
		break;
	case HS_CLIENT:
		if (round == 0)
			d[33] = 0x02;
		break;
	case HS_SERVER:
		if (round == 0)
			d[33] = 0x12;
		break;
	case HS_NONE:
		break;
	}
}

/* Runs in the worker, inside rte_eth_rx_burst(): writes each frame received. */
static uint16_t
rx_generate(uint16_t port, uint16_t queue, struct rte_mbuf *pkts[], uint16_t n, uint16_t max,
		void *arg)
{
	struct bench_gen *g = arg;
	uint64_t t0 = rte_rdtsc(), t1;
	uint16_t i, sport;

	RTE_SET_USED(port);
	RTE_SET_USED(queue);
	RTE_SET_USED(max);
	for (i = 0; i < n; i++) {
		uint8_t *f = rte_pktmbuf_mtod(pkts[i], uint8_t *);
		uint8_t *d = f + L2_LEN;

		if (g->whole) {
			memcpy(f, g->eth, L2_LEN);
			memset(d + HDR_LEN, 0, (size_t)g->frame_len - L2_LEN - HDR_LEN);
		}
		memcpy(d, &g->tmpl[g->next], HDR_LEN);
		if (g->new_flows && (g->round | g->shift_base) != 0) {
			memcpy(&sport, d + 20, 2);
			sport = htons((uint16_t)(ntohs(sport) + g->round + g->shift_base));
			memcpy(d + 20, &sport, 2);
		}
		if (g->hs != HS_NONE && g->round < 2 && d[9] == IPPROTO_TCP)
			hdr_handshake(d, g->hs, g->round);
		if (g->reverse)
			hdr_swap(d);
		if (++g->next == g->n) {
			g->next = 0;
			g->round++;
		}
	}
	t1 = rte_rdtsc();
	/* One writer; the control thread reads them at window boundaries. */
	__atomic_store_n(&g->cycles, g->cycles + (t1 - t0), __ATOMIC_RELAXED);
	__atomic_store_n(&g->packets, g->packets + n, __ATOMIC_RELAXED);
	return n;
}

/* ---- Ports ---- */

/* Two net_null vdevs of `size`-byte frames. */
static int
null_ports(struct bench_ports *pp, unsigned int size)
{
	static unsigned int seq;
	char args[32];
	unsigned int i;

	seq++;
	snprintf(args, sizeof(args), "size=%u", size);
	for (i = 0; i < 2; i++) {
		snprintf(pp->vdev[i], sizeof(pp->vdev[i]), "net_null_bench%u%c", seq, 'a' + i);
		if (rte_eal_hotplug_add("vdev", pp->vdev[i], args) != 0) {
			pp->vdev[i][0] = '\0';
			return -1;
		}
		/* Counted once it has a port id (closed by ports_free()); the vdev is removed anyway. */
		if (rte_eth_dev_get_port_by_name(pp->vdev[i], &pp->id[i]) != 0)
			return -1;
		pp->n++;
	}
	return 0;
}

/* Two net_ring ports: looped (B transmits into A's rx ring, `frames` frames in it) or open. */
static int
ring_ports(struct bench_ports *pp, bool loop, unsigned int frames)
{
	static const uint8_t eth[L2_LEN] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
	static unsigned int seq;
	int socket = (int)rte_socket_id();
	struct rte_mbuf *m;
	char name[64];
	unsigned int i;
	int rc;

	seq++;
	snprintf(name, sizeof(name), "bench_arx%u", seq);
	pp->a_rx = rte_ring_create(name, RING_SIZE, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "bench_atx%u", seq);
	pp->a_tx = rte_ring_create(name, RING_SIZE, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "bench_brx%u", seq);
	pp->b_rx = rte_ring_create(name, 64, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (loop) {
		pp->b_tx = pp->a_rx;
	} else {
		snprintf(name, sizeof(name), "bench_btx%u", seq);
		pp->b_tx = rte_ring_create(name, RING_SIZE, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	}
	snprintf(name, sizeof(name), "bench_frames%u", seq);
	pp->pool = rte_pktmbuf_pool_create(name, frames + 512, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
		socket);
	if (pp->a_rx == NULL || pp->a_tx == NULL || pp->b_rx == NULL || pp->b_tx == NULL ||
			pp->pool == NULL)
		return -1;
	snprintf(name, sizeof(name), "bench_a%u", seq);
	rc = rte_eth_from_rings(name, &pp->a_rx, 1, &pp->a_tx, 1, (unsigned int)socket);
	if (rc < 0)
		return -1;
	pp->id[0] = (uint16_t)rc;
	pp->n = 1;
	snprintf(name, sizeof(name), "bench_b%u", seq);
	rc = rte_eth_from_rings(name, &pp->b_rx, 1, &pp->b_tx, 1, (unsigned int)socket);
	if (rc < 0)
		return -1;
	pp->id[1] = (uint16_t)rc;
	pp->n = 2;
	for (i = 0; loop && i < frames; i++) {
		uint8_t *d;

		m = rte_pktmbuf_alloc(pp->pool);
		if (m == NULL)
			return -1;
		d = (uint8_t *)rte_pktmbuf_append(m, RING_FRAME_LEN);
		if (d == NULL)
			return -1;
		memset(d, 0, RING_FRAME_LEN);
		memcpy(d, eth, sizeof(eth));
		if (rte_ring_enqueue(pp->a_rx, m) != 0)
			return -1;
	}
	return 0;
}

static void
ring_drain(struct rte_ring *r)
{
	void *m;

	if (r == NULL)
		return;
	while (rte_ring_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
}

/* Close the ports unless the datapath did; free the vdevs, frames, rings and pool. */
static void
ports_free(struct bench_ports *pp, bool ports_closed)
{
	unsigned int i;

	for (i = 0; i < pp->n && !ports_closed; i++)
		rte_eth_dev_close(pp->id[i]);
	for (i = 0; i < 2; i++)
		if (pp->vdev[i][0] != '\0' && rte_eal_hotplug_remove("vdev", pp->vdev[i]) != 0)
			fprintf(stderr, "%s: hot-unplug failed\n", pp->vdev[i]);
	ring_drain(pp->a_rx);
	ring_drain(pp->a_tx);
	if (pp->b_tx != pp->a_rx) {
		ring_drain(pp->b_tx);
		rte_ring_free(pp->b_tx);
	}
	rte_ring_free(pp->a_rx);
	rte_ring_free(pp->a_tx);
	rte_ring_free(pp->b_rx);
	rte_mempool_free(pp->pool);
	memset(pp, 0, sizeof(*pp));
}

/* ---- Rules ---- */

/* The layers o's rules go to: o->layers, or o->layer alone. */
static unsigned int
rule_layers(const struct bench_opts *o, uint16_t layers[BENCH_MAX_LAYERS])
{
	if (o->n_layers == 0) {
		layers[0] = o->layer;
		return 1;
	}
	memcpy(layers, o->layers, o->n_layers * sizeof(layers[0]));
	return o->n_layers;
}

/* Load the rule set at each of o's layers in one transaction; returns filters added or -1. */
static int
rules_load(const struct bench_opts *o, const struct bench_set *set, struct dfp_ctl_session *s)
{
	struct dfp_engine_cond conds[CLASSBENCH_MAX_CONDS];
	struct dfp_engine_filter_spec spec;
	uint16_t layers[BENCH_MAX_LAYERS];
	unsigned int n_layers, l;
	uint32_t i, k, kept;
	dfp_status_t st;
	char name[32];

	if (set->n_rules == 0)
		return 0;
	n_layers = rule_layers(o, layers);
	if (dfp_ctl_txn_begin(s, 0) != DFP_STATUS_SUCCESS)
		return -1;
	for (l = 0; l < n_layers; l++) {
		for (i = 0; i < set->n_rules; i++) {
			if (classbench_rule_spec(&set->rules[i], i, set->n_rules, 0, conds, name,
					sizeof(name), &spec) != 0)
				goto out_abort;
			spec.layer_id = layers[l];
			/* Keep the conditions the layer offers (all five at the layers used here). */
			for (k = 0, kept = 0; k < spec.n_conds; k++)
				if (dfp_engine_layer_has_field(layers[l],
						(enum dfp_field)conds[k].field))
					conds[kept++] = conds[k];
			spec.n_conds = kept;
			st = dfp_ctl_filter_add(s, &spec, NULL);
			if (st != DFP_STATUS_SUCCESS) {
				fprintf(stderr, "rule at line %u, layer %s: %s\n",
					set->rules[i].line, dfp_engine_layer_name(layers[l]),
					dfp_status_name(st));
				goto out_abort;
			}
		}
	}
	st = dfp_ctl_txn_commit(s);
	if (st != DFP_STATUS_SUCCESS) {
		fprintf(stderr, "commit: %s\n", dfp_status_name(st));
		goto out_abort;
	}
	return (int)(set->n_rules * n_layers);

out_abort:
	dfp_ctl_txn_abort(s);
	return -1;
}

/* ---- Set-up ---- */

/*
 * lib/flow allocates a table's entries with aligned_alloc() and leaves them
 * untouched, so a run of new flows takes a page fault every few inserts: a
 * start-up cost, not the steady state of a table whose slots are reused.
 * Keep large allocations on the heap (no mmap) and never trimmed, then
 * fault in and free a block as large as the table: its allocation reuses
 * those pages. The same holds for DPDK's heap without hugepages (the flow
 * hash's key store): its memory is mapped at start-up but faulted in on
 * first use, and rte_zmalloc() skips clearing memory never used, so the
 * largest free block is touched and freed as well (with hugepages the
 * pages are already resident).
 */
static void
heap_prefault(uint64_t flows)
{
	size_t size = (size_t)flows * PREFAULT_PER_FLOW + PREFAULT_EXTRA;
	struct rte_malloc_socket_stats st;
	void *p;

	mallopt(M_MMAP_MAX, 0);
	mallopt(M_TRIM_THRESHOLD, INT_MAX);
	p = malloc(size);
	if (p != NULL) {
		memset(p, 0x5a, size);
		free(p);
	}
	if (rte_eal_has_hugepages() ||
			rte_malloc_get_socket_stats((int)rte_socket_id(), &st) != 0 ||
			st.greatest_free_size <= PREFAULT_DPDK_MARGIN)
		return;
	size = st.greatest_free_size - PREFAULT_DPDK_MARGIN;
	p = rte_malloc("bench_prefault", size, 0);
	if (p != NULL) {
		memset(p, 0x5a, size);
		rte_free(p);
	}
}

/* Runs on the worker lcore before the datapath starts: its CPU-time clock. */
static int
worker_clock(void *arg)
{
	return pthread_getcpuclockid(pthread_self(), arg);
}

/* Flows the run creates at most (its flow table's capacity). */
static uint32_t
flow_capacity(const struct bench_opts *o)
{
	if (o->flows == BENCH_FLOWS_NEW)
		return (uint32_t)RTE_MIN(o->warmup + (uint64_t)o->repeat * o->packets +
			FLOW_MARGIN, (uint64_t)UINT32_MAX);
	return RTE_MAX(2 * o->n_flows, 4096u);
}

static void
dp_conf_fill(struct dfp_dp_conf *c, const struct bench_opts *o, const struct bench_ports *pp)
{
	memset(c, 0, sizeof(*c));
	c->n_ports = 2;
	snprintf(c->ports[0].name, sizeof(c->ports[0].name), "a");
	c->ports[0].port_id = pp->id[0];
	c->ports[0].role = DFP_DP_ROLE_OUTSIDE;
	c->ports[0].peer = 1;
	c->ports[0].rx_queues = 1;
	snprintf(c->ports[1].name, sizeof(c->ports[1].name), "b");
	c->ports[1].port_id = pp->id[1];
	c->ports[1].role = DFP_DP_ROLE_INSIDE;
	c->ports[1].peer = 0;
	c->ports[1].rx_queues = 1;
	c->n_workers = 1;
	c->worker_lcores[0] = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	c->burst = o->burst;
	/* Room for every flow of the run: nothing is refused, nothing ages. */
	c->flow_capacity = flow_capacity(o);
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

int
bench_pipe_setup(struct bench_pipe *p, const struct bench_opts *o,
		const struct bench_set *set, enum bench_pipe_ports kind,
		const struct bench_module_spec *modules, unsigned int n_modules)
{
	struct dfp_ctl_params cp;
	unsigned int i, n_gen;
	uint64_t t0;

	memset(p, 0, sizeof(*p));
	p->o = o;
	if (rte_lcore_count() < 2 || n_modules > BENCH_PIPE_MAX_CALLOUTS) {
		fprintf(stderr, "the datapath needs two lcores\n");
		return -1;
	}
	memset(&cp, 0, sizeof(cp));
	cp.n_workers = 1;
	if (dfp_ctl_create(&cp, &p->ctl) != DFP_STATUS_SUCCESS ||
			dfp_ctl_session_open(p->ctl, 0, &p->s) != DFP_STATUS_SUCCESS)
		goto fail;
	t0 = rte_rdtsc();
	p->n_filters = rules_load(o, set, p->s);
	if (p->n_filters < 0)
		goto fail;
	p->commit_ms = bench_ms(t0, rte_rdtsc());
	printf("  %d filters committed in %.0f ms\n", p->n_filters, p->commit_ms);
	for (i = 0; i < n_modules; i++) {
		p->n_co++;
		if (bench_callout_add(p->ctl, p->s, &modules[i], &p->co[i]) != 0)
			goto fail;
	}
	p->ports.kind = kind;
	if ((kind == BENCH_PIPE_NULL ? null_ports(&p->ports, o->frame_size) :
			ring_ports(&p->ports, kind == BENCH_PIPE_RING_LOOP, o->frames)) != 0) {
		fprintf(stderr, "ports: %s\n", rte_strerror(rte_errno));
		goto fail;
	}
	n_gen = kind == BENCH_PIPE_NULL ? 2 : kind == BENCH_PIPE_RING_LOOP ? 1 : 0;
	for (i = 0; i < n_gen; i++) {
		p->gen[i] = rte_zmalloc("bench_gen", sizeof(*p->gen[i]), RTE_CACHE_LINE_SIZE);
		if (p->gen[i] == NULL)
			goto fail;
	}
	if (n_gen > 0 && gen_init_a(p->gen[0], o, set, kind == BENCH_PIPE_NULL, n_gen) != 0)
		goto fail;
	if (n_gen > 1)
		gen_init_b(p->gen[1], p->gen[0]);
	dp_conf_fill(&p->conf, o, &p->ports);
	if (o->prefault && o->flows == BENCH_FLOWS_NEW)
		heap_prefault(p->conf.flow_capacity);
	if (dfp_dp_create(&p->conf, p->ctl, &p->dp) != DFP_STATUS_SUCCESS)
		goto fail;
	for (i = 0; i < n_gen; i++) {
		p->cb[i] = rte_eth_add_rx_callback(p->ports.id[i], 0, rx_generate, p->gen[i]);
		if (p->cb[i] == NULL)
			goto fail;
	}
	/* The worker lcore's thread: its CPU time tells how long it really ran. */
	if (rte_eal_remote_launch(worker_clock, &p->clk, p->conf.worker_lcores[0]) != 0 ||
			rte_eal_wait_lcore(p->conf.worker_lcores[0]) != 0) {
		fprintf(stderr, "no CPU-time clock for the worker lcore\n");
		goto fail;
	}
	return 0;

fail:
	bench_pipe_teardown(p);
	return -1;
}

int
bench_pipe_start(struct bench_pipe *p)
{
	if (dfp_dp_start(p->dp) != DFP_STATUS_SUCCESS)
		return -1;
	p->running = true;
	return 0;
}

void
bench_pipe_stop(struct bench_pipe *p)
{
	if (p->running)
		dfp_dp_stop(p->dp);
	p->running = false;
}

void
bench_pipe_teardown(struct bench_pipe *p)
{
	unsigned int i;

	bench_pipe_stop(p);
	for (i = 0; i < 2; i++)
		if (p->cb[i] != NULL)
			rte_eth_remove_rx_callback(p->ports.id[i], 0, p->cb[i]);
	dfp_dp_free(p->dp);
	ports_free(&p->ports, p->dp != NULL);
	p->dp = NULL;
	/* Every flow has ended: no context is left in a module's pool. */
	for (i = 0; i < p->n_co; i++)
		bench_callout_remove(p->ctl, &p->co[i]);
	p->n_co = 0;
	dfp_ctl_session_close(p->s);
	dfp_ctl_destroy(p->ctl);
	p->s = NULL;
	p->ctl = NULL;
	for (i = 0; i < 2; i++) {
		if (p->gen[i] != NULL && p->gen[i]->owner)
			free(p->gen[i]->tmpl);
		rte_free(p->gen[i]);
		p->gen[i] = NULL;
	}
}

void
bench_pipe_gen_cost(const struct bench_pipe *p, uint64_t *cycles, uint64_t *packets)
{
	unsigned int i;

	*cycles = 0;
	*packets = 0;
	for (i = 0; i < 2; i++) {
		if (p->gen[i] == NULL)
			continue;
		*cycles += __atomic_load_n(&p->gen[i]->cycles, __ATOMIC_RELAXED);
		*packets += __atomic_load_n(&p->gen[i]->packets, __ATOMIC_RELAXED);
	}
}

int
bench_pipe_flow(const struct bench_pipe *p, uint32_t k, struct bench_tuple *t)
{
	const struct bench_gen *g = p->gen[0];
	const uint8_t *d;
	uint32_t v32;
	uint16_t v16;

	if (g == NULL || g->new_flows || k >= g->n)
		return -1;
	d = g->tmpl[k].b;
	memcpy(&v32, d + 12, 4);
	t->src_addr = ntohl(v32);
	memcpy(&v32, d + 16, 4);
	t->dst_addr = ntohl(v32);
	memcpy(&v16, d + 20, 2);
	t->src_port = ntohs(v16);
	memcpy(&v16, d + 22, 2);
	t->dst_port = ntohs(v16);
	t->proto = d[9];
	return 0;
}

bool
bench_pipe_wait_rx(struct bench_pipe *p, uint64_t target, unsigned int max_s,
		struct dfp_dp_stats *s, uint64_t *tsc, uint64_t *cpu_ns)
{
	uint64_t deadline = rte_rdtsc() + (uint64_t)max_s * rte_get_tsc_hz();

	for (;;) {
		dfp_dp_stats_get(p->dp, s);
		*tsc = rte_rdtsc();
		*cpu_ns = bench_cpu_ns(p->clk);
		if (s->rx_packets >= target)
			return true;
		if (*tsc > deadline)
			return false;
		rte_delay_us_sleep(200);
	}
}

/* ---- The measurement ---- */

/* A sample of the worker's progress. */
struct sample {
	uint64_t tsc;             /* TSC. */
	uint64_t cpu_ns;          /* The worker thread's CPU time. */
	uint64_t gen_cycles;      /* The generators' cycles ... */
	uint64_t gen_packets;     /* ... and frames. */
	struct dfp_dp_stats s;    /* Datapath counters. */
};

static bool
sample_at(struct bench_pipe *p, uint64_t target, struct sample *sm)
{
	if (!bench_pipe_wait_rx(p, target, WAIT_MAX_S, &sm->s, &sm->tsc, &sm->cpu_ns))
		return false;
	bench_pipe_gen_cost(p, &sm->gen_cycles, &sm->gen_packets);
	return true;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of v (sorted in place). */
static double
median_of(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), dbl_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* "IPPACKET_V4 in" style short names of the rule layers, for the note. */
static void
layers_label(const struct bench_opts *o, char *buf, size_t len)
{
	uint16_t layers[BENCH_MAX_LAYERS];
	unsigned int n = rule_layers(o, layers), i;
	size_t off = 0;

	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++) {
		const char *name = dfp_engine_layer_name(layers[i]);
		int w = snprintf(buf + off, len - off, "%s%s", i ? "+" : "",
			name != NULL ? name : "?");

		if (w < 0)
			break;
		off += (size_t)w;
	}
}

/* The count module, declared as the appliance's configuration does it. */
static void
count_spec(struct bench_module_spec *m, const struct bench_opts *o, char *max_flows, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->module = "count";
	m->name = "bench-count";
	m->layer_id = DFP_LAYER_ALE_FLOW_ESTABLISHED_V4;
	m->action = DFP_ACTION_CALLOUT_INSPECTION;
	/* A context for every flow the run can establish. */
	snprintf(max_flows, len, "%u", flow_capacity(o));
	m->params[0].key = "max_flows";
	m->params[0].value = max_flows;
	m->params[1].key = "log";
	m->params[1].value = "no";
	m->n_params = 2;
}

unsigned int
bench_pipeline_run(const struct bench_opts *o, const struct bench_set *set,
		struct bench_result res[BENCH_MAX_RESULTS])
{
	double cpp[BENCH_MAX_WINDOWS], cpu[BENCH_MAX_WINDOWS], gen[BENCH_MAX_WINDOWS];
	double net[BENCH_MAX_WINDOWS];
	struct bench_result *r = &res[0];
	struct bench_module_spec mod;
	struct sample m0, m1, first;
	char what[96], layers[200], co_desc[200] = "", max_flows[16];
	double gen_med, net_med;
	struct dfp_dp_stats s_end;
	struct bench_pipe p;
	uint64_t drops = 0;
	unsigned int w, n_res = 0;
	bool null_ports_ = !o->ring_ports;

	count_spec(&mod, o, max_flows, sizeof(max_flows));
	if (bench_pipe_setup(&p, o, set, null_ports_ ? BENCH_PIPE_NULL : BENCH_PIPE_RING_LOOP,
			&mod, o->count ? 1 : 0) != 0)
		return 0;
	if (bench_pipe_start(&p) != 0)
		goto out;
	if (!sample_at(&p, o->warmup, &m0)) {
		fprintf(stderr, "the worker stopped receiving\n");
		goto out;
	}
	first = m0;
	for (w = 0; w < o->repeat; w++) {
		uint64_t n;

		if (!sample_at(&p, m0.s.rx_packets + o->packets, &m1)) {
			fprintf(stderr, "the worker stopped receiving\n");
			goto out;
		}
		n = m1.s.rx_packets - m0.s.rx_packets;
		cpp[w] = (double)(m1.tsc - m0.tsc) / (double)n;
		cpu[w] = bench_ns_to_cycles(m1.cpu_ns - m0.cpu_ns, n);
		/* The generators' share of the window, applied to the on-CPU cycles. */
		gen[w] = cpu[w] * (double)(m1.gen_cycles - m0.gen_cycles) /
			(double)(m1.tsc - m0.tsc);
		net[w] = cpu[w] - gen[w];
		m0 = m1;
	}
	bench_pipe_stop(&p);
	dfp_dp_stats_get(p.dp, &s_end);
	drops = dfp_dp_stats_drops(&s_end);
	if (p.n_co > 0)
		bench_callout_describe(&p.co[0], co_desc, sizeof(co_desc));

	snprintf(what, sizeof(what), "pipeline %s: %s flows%s", null_ports_ ? "net_null" :
		"net_ring", o->flows == BENCH_FLOWS_NEW ? "new" : "known",
		o->count ? ", count callout" : "");
	bench_result_init(r, o, (uint32_t)p.n_filters, what);
	if (o->n_layers > 1 && p.n_filters > 0)
		snprintf(r->layer, sizeof(r->layer), "%u layers", o->n_layers);
	if (o->flows == BENCH_FLOWS_KNOWN)
		snprintf(r->flows, sizeof(r->flows), "%u known", o->n_flows);
	else
		snprintf(r->flows, sizeof(r->flows), "all new");
	r->packets = m1.s.rx_packets - first.s.rx_packets;
	gen_med = median_of(gen, o->repeat);
	net_med = median_of(net, o->repeat);
	bench_result_windows(r, cpp, cpu, o->repeat);
	layers_label(o, layers, sizeof(layers));
	snprintf(r->note, sizeof(r->note), "generator %.1f cyc/pkt, net of it %.0f cyc/pkt = "
		"%.2f Mpps; %" PRIu64 " flows created; run: rx %" PRIu64 " tx %" PRIu64 " drops %"
		PRIu64 "%s%s", gen_med, net_med, (double)rte_get_tsc_hz() / net_med / 1e6,
		m1.s.flows_created - first.s.flows_created, s_end.rx_packets, s_end.tx_packets,
		drops, co_desc[0] != '\0' ? "; count: " : "", co_desc);
	printf("  layers: %s\n", p.n_filters > 0 ? layers : "-");
	bench_result_metric(r, "generator_cycles_per_packet", gen_med);
	bench_result_metric(r, "cycles_per_packet_cpu_net", net_med);
	bench_result_metric(r, "mpps_cpu_net", (double)rte_get_tsc_hz() / net_med / 1e6);
	bench_result_metric(r, "commit_ms", p.commit_ms);
	bench_result_metric(r, "rule_layers", o->n_layers > 0 ? o->n_layers : 1);
	bench_result_metric(r, "frame_bytes", null_ports_ ? o->frame_size : RING_FRAME_LEN);
	bench_result_metric(r, "net_null", null_ports_);
	bench_result_metric(r, "flows_created", (double)(m1.s.flows_created -
		first.s.flows_created));
	bench_result_metric(r, "run_rx", (double)s_end.rx_packets);
	bench_result_metric(r, "run_tx", (double)s_end.tx_packets);
	bench_result_metric(r, "run_drops", (double)drops);
	n_res = 1;

out:
	bench_pipe_teardown(&p);
	return n_res;
}
