/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath under test, as pipeline.c sets it up, shared with the
 * latency modes (latency.c): the control plane with the rule set loaded,
 * optional callout modules (modhost.h), two ports, their traffic generators
 * and one worker running lib/dp.
 *
 * Ports (enum bench_pipe_ports):
 * - NULL: two net_null vdevs (A outside, B inside). Both receive on every
 *   poll (net_null hands out freshly allocated mbufs whose contents are
 *   undefined) and free what is transmitted. An rx callback on each port,
 *   running inside the worker's rte_eth_rx_burst(), writes every received
 *   frame whole: A the client-to-server direction of the flows, B the
 *   server-to-client direction (replies of known flows; new flows opened
 *   from inside for --flows new). Both directions carry packets, as in
 *   testpmd's io forwarding between the same two ports.
 * - RING_LOOP: two net_ring ports wired in a loop (B transmits into A's
 *   rx ring); `frames` frames recirculate, A's callback rewrites their
 *   IPv4 and transport headers, B never receives.
 * - RING_OPEN: two net_ring ports that receive only what the control
 *   thread enqueues into A's rx ring; B's transmissions stay in its tx ring
 *   for the control thread to see (latency measurements).
 */
#ifndef DFP_BENCH_PIPE_H
#define DFP_BENCH_PIPE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <rte_ethdev.h>

#include "dfp_ctl.h"
#include "dfp_dp.h"
#include "bench.h"
#include "modhost.h"

enum bench_pipe_ports {
	BENCH_PIPE_NULL,
	BENCH_PIPE_RING_LOOP,
	BENCH_PIPE_RING_OPEN,
};

/* Most callout modules one setup declares. */
#define BENCH_PIPE_MAX_CALLOUTS 2

struct bench_gen;
struct rte_ring;
struct rte_mempool;

/* The two ports. */
struct bench_ports {
	enum bench_pipe_ports kind;
	uint16_t id[2];           /* A (outside), B (inside). */
	unsigned int n;           /* Ports created. */
	char vdev[2][64];         /* NULL: the vdev names (hot-unplugged at the end). */
	struct rte_ring *a_rx;    /* Ring ports: A's rx ring (RING_LOOP: also B's tx ring). */
	struct rte_ring *a_tx;    /* A's tx ring. */
	struct rte_ring *b_rx;    /* B's rx ring. */
	struct rte_ring *b_tx;    /* RING_OPEN: B's tx ring (RING_LOOP: a_rx). */
	struct rte_mempool *pool; /* Ring ports: frames the bench builds. */
};

/* A datapath set up for one measurement. */
struct bench_pipe {
	const struct bench_opts *o;
	struct bench_ports ports;
	struct bench_gen *gen[2];                  /* Per port; NULL for RING_OPEN. */
	const struct rte_eth_rxtx_callback *cb[2]; /* The generators' rx callbacks. */
	struct dfp_ctl *ctl;
	struct dfp_ctl_session *s;
	struct bench_callout co[BENCH_PIPE_MAX_CALLOUTS];
	unsigned int n_co;
	struct dfp_dp *dp;
	struct dfp_dp_conf conf;
	clockid_t clk;            /* The worker thread's CPU-time clock. */
	int n_filters;            /* Rule-set filters committed. */
	double commit_ms;         /* Their transaction, add to commit. */
	bool running;
};

/* The 5-tuple of a known flow as port A sends it (host byte order). */
struct bench_tuple {
	uint32_t src_addr;
	uint32_t dst_addr;
	uint16_t src_port;
	uint16_t dst_port;
	uint8_t proto;
};

/*
 * Set p up from o: control plane, the rule set at o's layers (one
 * transaction), `modules` (callouts, after the rules), ports of `kind`, the
 * generators (not RING_OPEN) and the datapath (not started). On failure
 * prints why, frees everything and returns -1.
 */
int bench_pipe_setup(struct bench_pipe *p, const struct bench_opts *o,
		const struct bench_set *set, enum bench_pipe_ports kind,
		const struct bench_module_spec *modules, unsigned int n_modules);

/* Start the worker; 0 or -1. */
int bench_pipe_start(struct bench_pipe *p);

/* Stop the worker (every flow ends); idempotent. */
void bench_pipe_stop(struct bench_pipe *p);

/* Stop and free everything bench_pipe_setup() made. Accepts a failed setup. */
void bench_pipe_teardown(struct bench_pipe *p);

/* TSC cycles the generators spent and packets they wrote, both ports. */
void bench_pipe_gen_cost(const struct bench_pipe *p, uint64_t *cycles, uint64_t *packets);

/* Known flow k (0..n_flows-1) as port A sends it; 0, or -1 without generators. */
int bench_pipe_flow(const struct bench_pipe *p, uint32_t k, struct bench_tuple *t);

/*
 * Poll the counters until the worker received `target` packets (sleeping
 * 200 us between polls, at most `max_s` seconds). Fills the counters, the
 * TSC and the worker's CPU time at that moment. Returns true if reached.
 */
bool bench_pipe_wait_rx(struct bench_pipe *p, uint64_t target, unsigned int max_s,
		struct dfp_dp_stats *s, uint64_t *tsc, uint64_t *cpu_ns);

#endif /* DFP_BENCH_PIPE_H */
