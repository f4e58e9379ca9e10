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
 * Only a connection request opens a TCP flow (tcp_pickup false, the
 * default, as WFP's ALE_AUTH_RECV_ACCEPT sees only the inbound SYN and
 * ALE_AUTH_CONNECT only the connect): a TCP segment that matches no flow
 * and is not a SYN without ACK and RST (a stray ACK or RST, a late FIN or
 * RST of a flow that ended, a SYN+ACK with no SYN seen) creates no flow and
 * is not ALE-classified; it is dropped at the flow lookup as TCP_NO_FLOW,
 * after the per-packet layers (MAC_FRAME, IPPACKET, TRANSPORT), which see
 * it as WFP's packet layers see every segment the stack receives. With
 * tcp_pickup true any segment opens a flow and is authorised as a new
 * connection (mid-stream pickup, e.g. of connections that outlived a
 * restart).
 *
 * A final BLOCK at any layer drops the packet and ends its walk (ABSORB
 * drops it silently); each drop is counted by reason (DFP_DP_DROP_LIST).
 * A known flow keeps the IPPACKET and TRANSPORT verdicts its packets got
 * where the layer has no callout filter and its conditions use only fields
 * the flow key fixes (addresses and their type, ports, protocol, direction,
 * VLAN id; not ICMP): its later packets reuse them, with the filter's hit
 * counted, until a commit changes one of those layers. Nothing a per-packet
 * classification would decide comes out differently.
 * Per-packet layers classify a whole burst per call; so do
 * ALE_FLOW_ESTABLISHED, STREAM and DATAGRAM_DATA (one call per layer and
 * family for a burst's packets that reach them), with the verdicts and the
 * transmit order of walking each packet to its end before the next: a
 * packet whose outcome a later one depends on (it establishes that flow,
 * tears a TCP flow down, or is a first fragment) cuts the batch. Callouts
 * of those layers may see a burst's packets in layer order rather than
 * packet order (all establishments, then the data layers). ALE_AUTH_CONNECT
 * and ALE_AUTH_RECV_ACCEPT classify one packet per call (a classification
 * there may pend its flow).
 *
 * A flow keeps its ALE decision with the ruleset generation it was taken
 * under: later packets skip ALE_AUTH while the generation of the ALE layers
 * is unchanged, and are
 * re-authorised (IS_REAUTHORIZE, REAUTHORIZE_REASON_POLICY_CHANGE) when a
 * commit changed them. A flow blocked at its first authorisation keeps
 * dropping while its ALE layer is unchanged; after such a commit its next
 * packet is authorised afresh (no IS_REAUTHORIZE: it was never permitted).
 * While a flow's ALE classification is pended, its packets wait in the
 * flow's bounded hold queue; the completion arriving on the worker's ring
 * releases them in order (permit) or drops them (block).
 *
 * Fragments [port]: a first fragment walks like a whole packet and its
 * fate is recorded for the later fragments (which carry no ports): they
 * are forwarded, or dropped for the same reason; one whose first fragment
 * was not seen is dropped (FRAG_NO_FLOW). Later fragments that arrive
 * while their first fragment is held by a pended flow are held with it
 * (same queue, same bound) and released or dropped with it.
 *
 * Lifecycle
 * ---------
 * dfp_dp_create() sets ports up (mempool, queues, symmetric RSS) from the
 * configuration; dfp_dp_start() starts the ports and launches the workers;
 * dfp_dp_stop() stops them in WFP unload order (stop rx, complete pends
 * with their default, end every flow so each flowDeleteFn runs once,
 * account for every held packet) and stops the ports; dfp_dp_free()
 * releases ports and memory. Stop and start may alternate any number of
 * times: a restarted datapath begins with no flows, no held packets and
 * no fragment records, and its counters carry on from where they were.
 * What a restart means for a port is its PMD's: net_pcap, for instance,
 * reopens its files, so rx_pcap is read again from its first record (and
 * tx_pcap is rewritten).
 *
 * dfp_dp_wait_idle() tells a control thread when the traffic has drained:
 * every worker publishes the TSC of its last non-empty receive (one
 * relaxed store per burst with packets); the datapath is idle once every
 * one is DFP_DP_IDLE_QUIET_MS old, no packet is held, no classification
 * of this datapath is pended, and every worker's counters balance
 * (rx_packets == tx_packets + drops + held_now).
 *
 * VLANs [port]
 * ------------
 * A flow is keyed by both VLAN tags of a QinQ frame (outer and inner; 0
 * for an absent tag), so the same 5-tuple in two customer VLANs of one
 * service VLAN makes two flows. The engine's VLAN_ID field is the outer
 * tag (the one a single-tagged frame has; 802.1ad's service tag in QinQ);
 * the inner tag is not a classification field.
 *
 * Thread-safety
 * -------------
 * Workers take no lock, make no syscall and allocate nothing. Statistics
 * are per worker, each written only by its worker (relaxed stores once per
 * burst); readers sum across workers; "clear" snapshots a baseline.
 * The getters of the configuration (ports, workers, is_running) may be
 * called from any thread; everything else is control-thread only.
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

/** Most receive queues of one port. */
#define DFP_DP_MAX_PORT_QUEUES 16

/** Most (port, queue) pairs one worker polls. */
#define DFP_DP_MAX_WORKER_RXQS (DFP_DP_MAX_PORTS * DFP_DP_MAX_PORT_QUEUES)

/** How long every rx queue must have been empty for dfp_dp_wait_idle(). */
#define DFP_DP_IDLE_QUIET_MS 100

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
	uint16_t rx_queues;       /**< Receive queues, 1..DFP_DP_MAX_PORT_QUEUES (RSS when > 1). */
};

/** The datapath's configuration. */
struct dfp_dp_conf {
	unsigned int n_ports;                           /**< Ports. */
	struct dfp_dp_port_conf ports[DFP_DP_MAX_PORTS]; /**< Them. */
	unsigned int n_workers;                         /**< Worker lcores. */
	unsigned int worker_lcores[DFP_DP_MAX_WORKERS]; /**< Their lcore ids: distinct EAL
							 *   lcores (-l/--lcores), not the main one. */
	unsigned int burst;                             /**< Packets per burst, 1..64 (32). */
	uint32_t flow_capacity;                         /**< Flows per worker. */
	uint32_t idle_timeout_s;                        /**< Flow idle timeout. */
	uint32_t hold_packets;                          /**< Held packets per pended flow. */
	enum dfp_dp_full_policy full_policy;            /**< Full flow table policy. */
	bool tcp_pickup;                                /**< A TCP segment of no flow other
							 *   than a SYN opens one (mid-stream
							 *   pickup); false: dropped
							 *   (TCP_NO_FLOW). */
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
	X(fail_open_packets) \
	X(vetoes)  /* BLOCK verdicts that were a callout's veto of a hard permit */

/** Counters of one worker. Written only by it; read by anyone (relaxed). */
struct dfp_dp_stats {
#define DFP_DP_COUNTER_FIELD_(name) uint64_t name;
	DFP_DP_COUNTER_LIST(DFP_DP_COUNTER_FIELD_)
#undef DFP_DP_COUNTER_FIELD_
	uint64_t drops[DFP_DP_DROP_COUNT];  /**< Drops by reason. */
	uint64_t held_now;                  /**< Packets held right now. */
};

/** One (port, queue) pair a worker polls. */
struct dfp_dp_rxq_info {
	uint16_t port;            /**< Index in the port array (dfp_dp_port()). */
	uint16_t port_id;         /**< Its DPDK port id. */
	uint16_t queue;           /**< Receive queue of that port. */
};

/** What one worker does (dfp_dp_worker_info()). */
struct dfp_dp_worker_info {
	unsigned int lcore;       /**< EAL lcore id it runs on. */
	unsigned int n_rxqs;      /**< (port, queue) pairs it polls, in polling order. */
	struct dfp_dp_rxq_info rxqs[DFP_DP_MAX_WORKER_RXQS]; /**< Them. */
};

/**
 * Set ports and workers up (not started).
 *
 * Every configuration error is logged with its reason. Worker lcores must
 * be EAL lcores (enabled by -l/--lcores), distinct, and not the main lcore
 * (which runs the control thread).
 *
 * @param conf  the configuration (copied).
 * @param ctl   the control plane whose ruleset, callouts and flow
 *              directory the workers use; must outlive the datapath.
 * @param out   receives the datapath.
 * @return STATUS_SUCCESS;
 *         STATUS_INVALID_PARAMETER (a NULL pointer or a bad configuration:
 *         port, queue or worker counts, an invalid or repeated port, a worker
 *         lcore that is not enabled, repeated, or the main lcore);
 *         STATUS_INSUFFICIENT_RESOURCES (a port or the mbuf pool failed);
 *         STATUS_NO_MEMORY.
 * Control thread, after EAL initialisation; allocates.
 */
dfp_status_t dfp_dp_create(const struct dfp_dp_conf *conf, struct dfp_ctl *ctl,
		struct dfp_dp **out);

/**
 * Start the ports and launch the workers, the first time or after
 * dfp_dp_stop() (see Lifecycle).
 * @return STATUS_SUCCESS;
 *         STATUS_INVALID_PARAMETER (dp NULL);
 *         STATUS_INVALID_DEVICE_STATE (already running);
 *         STATUS_INSUFFICIENT_RESOURCES (a port did not start, or a worker
 *         lcore was busy: whatever had started is stopped again, and the
 *         datapath is left stopped).
 * Control thread; does not wait for traffic.
 */
dfp_status_t dfp_dp_start(struct dfp_dp *dp);

/**
 * Stop in WFP unload order (see Lifecycle), then stop the ports. Every
 * flow ends (each flowDeleteFn runs once, on this thread) and every held
 * packet is transmitted (its pend completed with permit) or counted as
 * dropped, so the counters balance afterwards with held_now == 0.
 * A stopped (or never started) datapath is left as it is.
 * @return STATUS_SUCCESS (also when it was not running);
 *         STATUS_INVALID_PARAMETER (dp NULL).
 * Control thread; blocks until every worker has left its loop.
 */
dfp_status_t dfp_dp_stop(struct dfp_dp *dp);

/** Free ports and memory (stops first if needed). Accepts NULL. Control thread. */
void dfp_dp_free(struct dfp_dp *dp);

/**
 * True between a successful dfp_dp_start() and the next dfp_dp_stop().
 * Any thread (an acquire load of the control thread's flag); false for NULL.
 */
bool dfp_dp_is_running(const struct dfp_dp *dp);

/**
 * Wait until the datapath is idle: every worker has received nothing on
 * any of its (port, queue) pairs for DFP_DP_IDLE_QUIET_MS, no packet is
 * held, no classification of this datapath's flows is pended, and every
 * worker's counters balance (rx_packets == tx_packets + drops + held_now:
 * no packet is between receive and transmit). The quiet time is measured
 * by the workers' own polls, so packets still queued in a port the worker
 * has not polled yet are not seen. A pended classification makes the wait
 * last until it is completed (or times out, see the ctl pend timeout).
 *
 * @param timeout_ms  longest wait in milliseconds; 0 checks once. To
 *                    succeed after recent traffic it must exceed
 *                    DFP_DP_IDLE_QUIET_MS.
 * @return STATUS_SUCCESS (idle);
 *         STATUS_IO_TIMEOUT (still busy when the timeout ran out);
 *         STATUS_INVALID_DEVICE_STATE (not running);
 *         STATUS_INVALID_PARAMETER (dp NULL).
 * Control thread, concurrently with the workers (never with
 * dfp_dp_start()/dfp_dp_stop()); blocks, sleeping in steps of at most
 * 1 ms, and takes nothing the workers wait for.
 */
dfp_status_t dfp_dp_wait_idle(struct dfp_dp *dp, uint32_t timeout_ms);

/** Number of workers (the configuration's n_workers). Any thread; 0 for NULL. */
unsigned int dfp_dp_n_workers(const struct dfp_dp *dp);

/**
 * What a worker runs on and polls.
 * @param worker  index, 0..dfp_dp_n_workers() - 1 (the order of
 *                dfp_dp_conf.worker_lcores; also dfp_dp_worker_stats_get()'s).
 * @param out     receives the lcore and the (port, queue) pairs.
 * @return STATUS_SUCCESS;
 *         STATUS_INVALID_PARAMETER (dp or out NULL, worker out of range).
 * Any thread: the assignment is fixed at dfp_dp_create().
 */
dfp_status_t dfp_dp_worker_info(const struct dfp_dp *dp, unsigned int worker,
		struct dfp_dp_worker_info *out);

/** Number of ports (the configuration's n_ports). Any thread; 0 for NULL. */
unsigned int dfp_dp_n_ports(const struct dfp_dp *dp);

/**
 * A port's configuration, as given to dfp_dp_create().
 * @param index  0..dfp_dp_n_ports() - 1 (the port array's order; also the
 *               peer indexes).
 * @return a pointer valid until dfp_dp_free(), or NULL (dp NULL, index out
 *         of range). Any thread: constant after dfp_dp_create().
 */
const struct dfp_dp_port_conf *dfp_dp_port(const struct dfp_dp *dp, unsigned int index);

/**
 * The 40-byte Toeplitz key every port with more than one rx queue is
 * programmed with. It repeats one 16-bit pattern, so the hash of a
 * (source, destination, source port, destination port) tuple equals the
 * hash of the reversed tuple (IPv4 and IPv6): both directions of a flow
 * land on the same queue, hence the same worker.
 * @param len  receives the key's length in bytes (may be NULL).
 * @return the key (static). Any thread.
 */
const uint8_t *dfp_dp_rss_key(unsigned int *len);

/** A port's link as dfp_dp_link_poll() last saw it. */
struct dfp_dp_link {
	bool known;               /**< Polled at least once while running. */
	bool up;                  /**< Link up. */
	uint32_t speed_mbps;      /**< Speed (RTE_ETH_SPEED_NUM_*; 0 = none or unknown). */
	uint64_t changes;         /**< Transitions (up to down or down to up) seen. */
	uint64_t downs;           /**< Of which up to down. */
};

/**
 * Look at every port's link once (rte_eth_link_get_nowait()) and record
 * changes: each transition is counted and logged ("port NAME (ID): link
 * down" at WARNING, "... link up" at NOTICE). The datapath keeps running
 * through a link that goes down: what the PMD refuses to send is dropped
 * and counted (LINK_DOWN while the last poll saw the link down, else
 * TX_FULL), what it accepts is in its own statistics (`show port stats
 * all`). The first poll of a port records its state without counting a
 * change. Records are per port of the datapath and start afresh at
 * dfp_dp_create(); polls while the datapath is stopped do nothing
 * (stopped ports read as down).
 * @return the number of transitions seen by this poll.
 * Control thread (one at a time); the ioctl or message a PMD needs for
 * the link makes it unsuitable for workers.
 */
unsigned int dfp_dp_link_poll(struct dfp_dp *dp);

/**
 * A port's link record (see dfp_dp_link_poll()).
 * @param index  0..dfp_dp_n_ports() - 1.
 * @return STATUS_SUCCESS; STATUS_INVALID_PARAMETER (NULL, index out of range).
 * Any thread (relaxed loads: a poll in progress may be half seen).
 */
dfp_status_t dfp_dp_link_get(const struct dfp_dp *dp, unsigned int index,
		struct dfp_dp_link *out);

/** Sum of all workers' counters minus the cleared baseline. Any thread. */
void dfp_dp_stats_get(struct dfp_dp *dp, struct dfp_dp_stats *out);

/** Sum of a snapshot's drops over every reason. Any thread. */
uint64_t dfp_dp_stats_drops(const struct dfp_dp_stats *s);

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
