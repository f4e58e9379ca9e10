/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The datapath: ports, worker lcores and the per-packet layer walk.
 *
 * Model
 * -----
 * Ports come in pairs: a packet received on a port is sent to its peer if
 * the engine permits it. A port's role decides direction: arriving on an
 * OUTSIDE port is INBOUND, on an INSIDE port OUTBOUND; "local" is the
 * inside-side endpoint (DESIGN §1). Each worker lcore polls a fixed list of
 * (port, queue) pairs and runs the whole pipeline on a burst, run to
 * completion; RSS with a symmetric key keeps both directions of a flow on
 * one worker, whose flow table (lib/flow) is its own.
 *
 * The walk of one packet (DESIGN §1):
 *
 *     MAC_FRAME → IPPACKET → TRANSPORT → flow lookup
 *       → new or re-authorised flow: ALE_AUTH_CONNECT (opened from inside) or
 *         ALE_AUTH_RECV_ACCEPT (from outside), then, once authorised,
 *         ALE_FLOW_ESTABLISHED (TCP: at the handshake's final ACK; other
 *         protocols: at the first authorised packet)
 *       → STREAM (TCP with payload) or DATAGRAM_DATA (non-TCP)
 *       → transmit to the peer.
 *
 * A final BLOCK at any layer drops the packet and ends its walk (ABSORB
 * drops it silently); each drop is counted by reason (DFP_DP_DROP_LIST).
 * Per-packet layers classify a whole burst per call. A flow keeps its ALE
 * decision with the ruleset generation it was taken under: later packets
 * skip ALE_AUTH while the generation of the ALE layers is unchanged, and are
 * re-authorised (IS_REAUTHORIZE, REAUTHORIZE_REASON_POLICY_CHANGE) when a
 * commit changed them. A flow blocked at its first authorisation keeps
 * dropping while its ALE layer is unchanged; after such a commit its next
 * packet is authorised afresh (no IS_REAUTHORIZE: it was never permitted).
 * While a flow's ALE classification is pended, its packets wait in the
 * flow's bounded hold queue; the completion arriving on the worker's ring
 * releases them in order (permit) or drops them (block).
 *
 * Lifecycle
 * ---------
 * dfp_dp_create() sets ports up (mempool, queues, symmetric RSS) from the
 * configuration; dfp_dp_start() launches the workers; dfp_dp_stop() stops
 * them in WFP unload order (stop rx, complete pends with their default,
 * end every flow so each flowDeleteFn runs once, account for every held
 * packet); dfp_dp_free() releases ports and memory.
 *
 * Thread-safety
 * -------------
 * Workers take no lock, make no syscall and allocate nothing. Statistics
 * are per worker, each written only by its worker (relaxed stores once per
 * burst); readers sum across workers; "clear" snapshots a baseline.
 * Everything else is control-thread only.
 */
#ifndef DFP_DP_H
#define DFP_DP_H

#include <stdbool.h>
#include <stdint.h>

#include "dfp_status.h"
#include "dfp_dp_parse.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dfp_ctl;
struct dfp_dp;

/** Most ports and workers. */
#define DFP_DP_MAX_PORTS 32
#define DFP_DP_MAX_WORKERS 64

/** A port's role (DESIGN §1). */
enum dfp_dp_role {
	DFP_DP_ROLE_OUTSIDE = 0,  /**< Arrivals are INBOUND; its endpoints are "remote". */
	DFP_DP_ROLE_INSIDE = 1,   /**< Arrivals are OUTBOUND; its endpoints are "local". */
};

/** What to do with a new flow when the flow table is full. */
enum dfp_dp_full_policy {
	DFP_DP_FULL_FAIL_CLOSED = 0,  /**< Drop (counted as FLOW_TABLE_FULL). */
	DFP_DP_FULL_FAIL_OPEN,        /**< Forward without a flow, classified per packet only. */
};

/** One port. */
struct dfp_dp_port_conf {
	char name[32];            /**< Name in the configuration. */
	uint16_t port_id;         /**< DPDK port id. */
	enum dfp_dp_role role;    /**< Role. */
	uint16_t peer;            /**< Index (in the port array) of its peer. */
	uint16_t rx_queues;       /**< Receive queues (RSS when > 1). */
};

/** The datapath's configuration. */
struct dfp_dp_conf {
	unsigned int n_ports;                           /**< Ports. */
	struct dfp_dp_port_conf ports[DFP_DP_MAX_PORTS]; /**< Them. */
	unsigned int n_workers;                         /**< Worker lcores. */
	unsigned int worker_lcores[DFP_DP_MAX_WORKERS]; /**< Their lcore ids. */
	unsigned int burst;                             /**< Packets per burst, 1..64 (32). */
	uint32_t flow_capacity;                         /**< Flows per worker. */
	uint32_t idle_timeout_s;                        /**< Flow idle timeout. */
	uint32_t hold_packets;                          /**< Held packets per pended flow. */
	enum dfp_dp_full_policy full_policy;            /**< Full flow table policy. */
	uint32_t mbufs;                                 /**< Mbufs in the pool; 0 = sized from ports. */
};

/**
 * X(name): per-worker counters (besides drops by reason).
 */
#define DFP_DP_COUNTER_LIST(X) \
	X(rx_packets) \
	X(rx_bytes) \
	X(tx_packets) \
	X(tx_bytes) \
	X(flows_created) \
	X(flows_ended) \
	X(flows_aged) \
	X(reauthorizations) \
	X(pends) \
	X(held_packets) \
	X(released_packets) \
	X(fail_open_packets)

/** Counters of one worker. Written only by it; read by anyone (relaxed). */
struct dfp_dp_stats {
#define DFP_DP_COUNTER_FIELD_(name) uint64_t name;
	DFP_DP_COUNTER_LIST(DFP_DP_COUNTER_FIELD_)
#undef DFP_DP_COUNTER_FIELD_
	uint64_t drops[DFP_DP_DROP_COUNT];  /**< Drops by reason. */
	uint64_t held_now;                  /**< Packets held right now. */
};

/**
 * Set ports and workers up (not started).
 * @return STATUS_SUCCESS, STATUS_INVALID_PARAMETER (bad configuration),
 *         STATUS_INSUFFICIENT_RESOURCES (a port or pool failed), STATUS_NO_MEMORY.
 * Control thread, after EAL initialisation.
 */
dfp_status_t dfp_dp_create(const struct dfp_dp_conf *conf, struct dfp_ctl *ctl,
		struct dfp_dp **out);

/** Start ports and launch the workers. Control thread. */
dfp_status_t dfp_dp_start(struct dfp_dp *dp);

/**
 * Stop in WFP unload order (see Lifecycle). Control thread; waits for the
 * workers to finish.
 */
dfp_status_t dfp_dp_stop(struct dfp_dp *dp);

/** Free ports and memory (stops first if needed). Accepts NULL. Control thread. */
void dfp_dp_free(struct dfp_dp *dp);

/** Sum of all workers' counters minus the cleared baseline. Any thread. */
void dfp_dp_stats_get(struct dfp_dp *dp, struct dfp_dp_stats *out);

/** Counters of one worker (not baselined). Any thread. */
void dfp_dp_worker_stats_get(struct dfp_dp *dp, unsigned int worker, struct dfp_dp_stats *out);

/** Snapshot the current sums as the new zero. Control thread. */
void dfp_dp_stats_clear(struct dfp_dp *dp);

/** Name of a counter by index into DFP_DP_COUNTER_LIST order. */
const char *dfp_dp_counter_name(unsigned int i);

#ifdef __cplusplus
}
#endif

#endif /* DFP_DP_H */
