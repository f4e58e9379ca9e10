/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Datapath internals shared by dp.c (lifecycle, stats), port.c (ports) and
 * worker.c (the pipeline). Not for other modules.
 */
#ifndef DP_PRIVATE_H
#define DP_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "dfp_log.h"
#include "dfp_callout.h"
#include "dfp_ctl.h"
#include "dfp_engine.h"
#include "dfp_flow.h"
#include "dfp_flow_table.h"
#include "dfp_dp.h"

DFP_LOG_DECLARE(dp);

/* Largest burst the pipeline handles at once. */
#define DP_BURST_MAX 64

/* Bytes of headers copied when a frame's first segment is shorter. */
#define DP_HDR_COPY 256

/* Entries of a worker's fragment table (power of two). */
#define DP_FRAG_ENTRIES 1024

/* Longest life of a fragment record (Linux's ipfrag_time); shorter if the idle timeout is. */
#define DP_FRAG_TIMEOUT_S 30

struct dp_port {
	uint16_t port_id;         /* DPDK port id. */
	uint16_t peer;            /* Index of the peer in dfp_dp.ports. */
	enum dfp_dp_role role;
	uint16_t rx_queues;
	uint16_t tx_queues;       /* One per worker. */
	char name[32];
	struct dfp_dp_link link;  /* Written by dfp_dp_link_poll() (relaxed stores), read
				   * by any thread; a worker looks at it only for a
				   * frame the port refused. */
};

struct dp_rxq {
	uint16_t port;            /* Index in dfp_dp.ports. */
	uint16_t queue;
};

/* dp_frag.drop of a first fragment held while its flow is pended. */
#define DP_FRAG_HELD 0xffu

/* A first fragment's fate, for the fragments that follow it. */
struct dp_frag {
	uint8_t src[16];
	uint8_t dst[16];
	uint32_t id;
	uint8_t proto;
	uint8_t family;
	uint8_t drop;             /* enum dfp_dp_drop: NONE forwards the rest, else drops
				   * them for the first fragment's reason; DP_FRAG_HELD:
				   * not decided yet, the rest wait with it. */
	uint8_t used;
	uint64_t tsc;             /* When the first fragment was decided (or held). */
	uint64_t flow_id;         /* DP_FRAG_HELD: the pended flow holding it. */
};

struct dp_worker {
	/* Hot: read every burst. */
	struct dfp_dp_stats stats __rte_cache_aligned; /* Written only by this worker. */
	uint64_t last_rx_tsc;     /* TSC of the last non-empty rx burst: the worker
				   * stores (relaxed), dfp_dp_wait_idle() loads. */
	/* Counts of the iteration in progress: private, plain (worker.c, stats_flush()). */
	struct dfp_dp_stats acc __rte_cache_aligned;
	struct dfp_dp *dp;
	struct dfp_engine_ruleset *const *ruleset_slot;
	struct dfp_engine_classify_env env; /* Callout hook; hits: this worker's counter set
					    * (dfp_engine_counters_attach() in dp.c). */
	struct dfp_callout_rt *callouts;
	struct dfp_flow_table *flows;
	unsigned int index;       /* Worker index = RCU reader id = tx queue. */
	unsigned int lcore;
	unsigned int n_rxqs;
	struct dp_rxq rxqs[DFP_DP_MAX_WORKER_RXQS];
	/* Per-port transmit buffers, flushed once per burst. */
	uint16_t tx_n[DFP_DP_MAX_PORTS];
	struct rte_mbuf *tx[DFP_DP_MAX_PORTS][DP_BURST_MAX * 2];
	struct dp_frag frags[DP_FRAG_ENTRIES];
	uint64_t frag_timeout_tsc; /* A fragment record's life. */
	uint64_t age_last;        /* TSC of the last aging run. */
	uint64_t age_period_tsc;  /* Least time between aging runs. */
	bool running;             /* Read by the worker (acquire), cleared by stop. */
};

struct dfp_dp {
	struct dfp_dp_conf conf;
	struct dfp_ctl *ctl;
	struct rte_mempool *pool;
	unsigned int n_ports;
	struct dp_port ports[DFP_DP_MAX_PORTS];
	unsigned int n_workers;
	struct dp_worker *workers[DFP_DP_MAX_WORKERS];
	struct dfp_dp_stats baseline;  /* Subtracted by dfp_dp_stats_get(). */
	uint64_t idle_timeout_tsc;
	bool started;                  /* Control writes (release); is_running loads (acquire). */
};

/* port.c */
int dp_ports_setup(struct dfp_dp *dp);
int dp_ports_start(struct dfp_dp *dp);
void dp_ports_stop(struct dfp_dp *dp);
extern const uint8_t dp_rss_key[40];

/* worker.c */
int dp_worker_main(void *arg);
void dp_worker_init(struct dp_worker *w);
void dp_worker_reset(struct dp_worker *w);
void dp_worker_drain(struct dp_worker *w);

#endif /* DP_PRIVATE_H */
