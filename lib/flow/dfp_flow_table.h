/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Finding flows by their packets: bidirectional, VLAN-aware 5-tuple keys,
 * a per-worker hash from key to flow, per-flow TCP state and counters, and
 * idle aging. Builds on dfp_flow.h (ids, contexts, lifecycle).
 *
 * Model
 * -----
 * A key names a conversation, not a direction: the two endpoints are stored
 * in a canonical order (the lower (address, port) first), so both directions
 * of a flow produce the same key and, with a symmetric RSS key, arrive on
 * the same worker. dfp_flow_key_make() also says which way the packet goes
 * relative to that order (DFP_FLOW_DIR_FWD or _REV); the flow records which
 * way its first packet went (its initiator).
 *
 * Each flow carries owner-only state the datapath reads and writes on every
 * packet (struct dfp_flow_state): its ALE decision and the ruleset
 * generation it was taken under, TCP handshake/teardown bits, counters,
 * last-seen time, and a bounded queue of held packets. Only the owning
 * worker touches it; other threads see flows through dfp_flow_foreach()
 * snapshots.
 *
 * Lifecycle
 * ---------
 * dfp_flow_lookup_burst() finds existing flows for a burst; the caller
 * creates missing ones with dfp_flow_insert(), which fails when the table is
 * full (the caller applies its fail-open/fail-closed policy and counts it).
 * A flow ends with dfp_flow_end() (dfp_flow.h), which also removes its key.
 * dfp_flow_age() ends flows idle longer than the table's timeout, a bounded
 * number per call, so the owner can call it once per loop.
 *
 * Thread-safety
 * -------------
 * Everything here is owner-worker only, lock-free and allocation-free on
 * the path (the hash is allocated by dfp_flow_table_configure()), except
 * dfp_flow_key_make() (pure) and dfp_flow_foreach()/dfp_flow_get(), which
 * any thread may call: they take a reference on each entry (dfp_flow.h's
 * protocol), so an entry is not reused while they copy it.
 */
#ifndef DFP_FLOW_TABLE_H
#define DFP_FLOW_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "dfp_flow.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Packet direction relative to the key's canonical endpoint order. (Not
 * `enum dfp_flow_dir`: that tag is dfp_flow.h's directory, and C gives
 * struct and enum tags one namespace.)
 */
enum dfp_flow_direction {
	DFP_FLOW_DIR_FWD = 0,  /**< From endpoint 0 to endpoint 1. */
	DFP_FLOW_DIR_REV = 1,  /**< From endpoint 1 to endpoint 0. */
};

/**
 * A bidirectional flow key (48 bytes, zero-padded: hashed and compared as
 * bytes). Both VLAN tags of a QinQ frame are part of it, so one 5-tuple in
 * two customer VLANs of a service VLAN is two flows.
 */
struct dfp_flow_key {
	uint8_t addr[2][16];   /**< Endpoint addresses: the bytes given to dfp_flow_key_make()
				*   (IPv4 in the first 4; lib/dp gives its parser's host-order
				*   word, so read those 4 bytes as a host-order uint32). */
	uint16_t port[2];      /**< Endpoint ports, host order (ICMP: see dfp_flow_key_make()). */
	uint16_t vlan;         /**< Outer VLAN id (0 untagged). */
	uint16_t inner_vlan;   /**< Inner VLAN id of a QinQ frame (0 with one tag or none). */
	uint8_t proto;         /**< IP protocol. */
	uint8_t family;        /**< 4 or 6. */
	uint8_t pad[6];        /**< Zero. */
};

/**
 * Build the key of a packet.
 *
 * Endpoints are ordered by (address, port), addresses compared as bytes in
 * network order. ICMP (1) and ICMPv6 (58) have no ports that belong to an
 * endpoint: their endpoints are ordered by address alone and (sport, dport)
 * are stored as given, in port[0] and port[1]. Callers pass (0, 0), or
 * (echo identifier, 0) to tell pings apart, the same in both directions;
 * never the ICMP type and code (a request and its reply would differ).
 *
 * @param family      4 or 6.
 * @param src, dst    addresses (IPv4: 4 bytes, network order; IPv6: 16 bytes).
 * @param sport, dport  ports, host order (0 for protocols without ports;
 *                    ICMP: see above).
 * @param proto       IP protocol.
 * @param vlan        outer VLAN id or 0.
 * @param inner_vlan  inner VLAN id of a QinQ frame, or 0.
 * @param key         receives the key (fully written, padding zeroed).
 * @return the packet's direction relative to the key. Any thread; pure.
 */
enum dfp_flow_direction dfp_flow_key_make(unsigned int family, const uint8_t *src,
		const uint8_t *dst, uint16_t sport, uint16_t dport, uint8_t proto, uint16_t vlan,
		uint16_t inner_vlan, struct dfp_flow_key *key);

/** Flow states the datapath moves a flow through. */
enum dfp_flow_phase {
	DFP_FLOW_PHASE_NEW = 0,        /**< Created; ALE authorisation not yet decided. */
	DFP_FLOW_PHASE_PENDED,         /**< ALE classification pended; packets held. */
	DFP_FLOW_PHASE_AUTHORIZED,     /**< ALE permitted; waiting for establishment (TCP). */
	DFP_FLOW_PHASE_ESTABLISHED,    /**< ALE_FLOW_ESTABLISHED indicated. */
	DFP_FLOW_PHASE_BLOCKED,        /**< ALE blocked: packets are dropped until it ends. */
	DFP_FLOW_PHASE_CLOSING,        /**< TCP FIN/RST seen; ends when the teardown completes. */
};

/** TCP bits of struct dfp_flow_state.tcp. */
#define DFP_FLOW_TCP_SYN_FWD 0x01u
#define DFP_FLOW_TCP_SYN_REV 0x02u
#define DFP_FLOW_TCP_SYNACK 0x04u  /**< SYN+ACK seen from the responder. */
#define DFP_FLOW_TCP_FIN_FWD 0x08u
#define DFP_FLOW_TCP_FIN_REV 0x10u
#define DFP_FLOW_TCP_RST 0x20u
#define DFP_FLOW_TCP_FINAL_ACK 0x40u /**< Handshake's final ACK seen. */

/** Most packets one flow holds while pended (the table's hold_max is at most this). */
#define DFP_FLOW_HOLD_MAX 64

/**
 * Owner-only per-flow datapath state.
 *
 * Only the owner writes it. dfp_flow_foreach() and dfp_flow_get() read
 * `phase`, `pkts` and `bytes` from other threads, so the owner writes those
 * three with relaxed atomic stores (__atomic_store_n(..., __ATOMIC_RELAXED),
 * or dfp_flow_state_count() for the counters): a snapshot may lag a packet
 * but never tears. Every other field is plain.
 */
struct dfp_flow_state {
	uint64_t last_seen;        /**< TSC of the last packet. */
	uint64_t created;          /**< TSC at creation. */
	uint64_t pkts[2];          /**< Packets per direction (FWD, REV). */
	uint64_t bytes[2];         /**< Bytes per direction. */
	uint64_t ale_generation;   /**< Ruleset generation of the ALE decision. */
	uint64_t pend_handle;      /**< Classify handle while PENDED, else 0. */
	uint32_t ale_action;       /**< DFP_ACTION_PERMIT / _BLOCK once decided. */
	uint8_t phase;             /**< enum dfp_flow_phase. */
	uint8_t initiator;         /**< enum dfp_flow_direction of the first packet. */
	uint8_t inbound_initiator; /**< 1 if opened from outside (RECV_ACCEPT), 0 (CONNECT). */
	uint8_t tcp;               /**< DFP_FLOW_TCP_* bits. */
	uint16_t n_held;           /**< Packets in `held`. */
	uint16_t n_held_dropped;   /**< Hold overflows (counted and dropped). */
	uint32_t hold_queue;       /**< Its queue of held packets in the table's
				    *   pool, plus 1; 0 = none (dfp_flow_hold_queue()). */
	uint64_t vc_tag;           /**< Kept verdicts: the layer versions they hold
				    *   under (the owner's encoding); 0 = none. */
	uint32_t vc[4];            /**< Kept verdicts of the per-packet layers, in
				    *   the owner's encoding (lib/dp worker.c). */
};

/**
 * Count one packet of `len` bytes in direction `dir` and stamp last_seen,
 * with the relaxed atomic stores struct dfp_flow_state asks for (a plain
 * load and add: only the owner writes). Owner only.
 */
static inline void
dfp_flow_state_count(struct dfp_flow_state *s, enum dfp_flow_direction dir, uint32_t len,
		uint64_t now)
{
	/* Relaxed: foreach/get read these racily; no other data depends on them. */
	__atomic_store_n(&s->pkts[dir], s->pkts[dir] + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&s->bytes[dir], s->bytes[dir] + len, __ATOMIC_RELAXED);
	s->last_seen = now;
}

/** Table options (dfp_flow_table_configure()). */
struct dfp_flow_table_params {
	uint64_t idle_timeout_tsc;  /**< Idle time after which aging ends a flow; 0 = never. */
	uint32_t hold_max;          /**< Held packets per flow, 1..DFP_FLOW_HOLD_MAX. */
	uint32_t hold_queues;       /**< Flows that may hold packets at once (the pool);
				     *   0 = min(capacity, 4096). Set at the first configure. */
	unsigned int socket_id;     /**< NUMA socket of the hash (or SOCKET_ID_ANY). */
};

/**
 * Create the key hash of a table (sized to its capacity) and set its
 * options. A second call only updates idle_timeout_tsc and hold_max (the
 * hash and its socket stay). Needs EAL (the hash is in EAL memory).
 * Control thread, before the owner starts (or while it is stopped); allocates.
 * @return STATUS_SUCCESS;
 *         STATUS_INVALID_PARAMETER (t or p NULL, hold_max out of range);
 *         STATUS_NO_MEMORY (the hash could not be created).
 */
dfp_status_t dfp_flow_table_configure(struct dfp_flow_table *t,
		const struct dfp_flow_table_params *p);

/**
 * Look a burst of keys up (rte_hash bulk lookup; the first line of each
 * hit's state, with last_seen and the counters, is prefetched).
 * @param keys   n keys.
 * @param n      at most 64 (more are looked up 64 at a time).
 * @param flows  receives the flow of each key, or NULL.
 * @return number found (0 if the table is not configured). Owner only;
 * lock-free; no allocation.
 */
unsigned int dfp_flow_lookup_burst(struct dfp_flow_table *t, const struct dfp_flow_key *keys,
		unsigned int n, struct dfp_flow **flows);

/**
 * Create the flow of a key (its id, state zeroed with phase NEW,
 * created/last_seen = now, initiator = dir). If the key is already in the
 * table (two packets of a new flow in one burst both missed), returns that
 * flow unchanged.
 * @param key  from dfp_flow_key_make() (family 4 or 6).
 * @return the flow, or NULL if the table is full (no free entry, or the hash
 * refused the key), not configured, or key->family is 0. Owner only;
 * lock-free; no allocation.
 */
struct dfp_flow *dfp_flow_insert(struct dfp_flow_table *t, const struct dfp_flow_key *key,
		enum dfp_flow_direction dir, uint64_t now);

/**
 * The queue of packets a flow holds (hold_max entries, FIFO of
 * `state->n_held` struct rte_mbuf pointers). Queues come from a per-table
 * pool, so a flow that never pends costs no memory for them.
 * @param create  take a queue from the pool if the flow has none.
 * @return the queue, or NULL (none and !create, or the pool is exhausted:
 *         the caller drops and counts the packet). Owner only; no allocation.
 */
void **dfp_flow_hold_queue(struct dfp_flow_table *t, struct dfp_flow_state *st, bool create);

/**
 * Give a flow's (empty) hold queue back to the pool; no-op without one.
 * dfp_flow_end() does it too. Owner only.
 */
void dfp_flow_hold_release(struct dfp_flow_table *t, struct dfp_flow_state *st);

/** The owner-only state of a flow. */
struct dfp_flow_state *dfp_flow_state(struct dfp_flow *f);

/** The key of a flow. */
const struct dfp_flow_key *dfp_flow_key(const struct dfp_flow *f);

/**
 * End flows idle since before now - idle_timeout, at most max of them (and
 * flows whose abort was requested). For each, `on_end` (if not NULL) runs
 * before the flow ends, so the caller can release held packets.
 *
 * Incremental: a cursor walks the entries and resumes where the last call
 * stopped; one call examines at most 4 * max entries (and at most the
 * capacity), so its cost is bounded whatever the table size. Idle time is
 * measured from state.last_seen, for flows created by dfp_flow_insert()
 * only (dfp_flow_alloc() flows have no packets; only an abort ends them).
 *
 * @param now  current TSC (the caller reads the clock; nothing here does).
 * @return number of flows ended. Owner only; lock-free; no allocation.
 */
unsigned int dfp_flow_age(struct dfp_flow_table *t, uint64_t now, unsigned int max,
		void (*on_end)(void *arg, struct dfp_flow *f), void *arg);

/**
 * End every live flow of the table (shutdown): `on_end` (if not NULL) runs
 * before each ends, then its contexts' delete hooks run once each.
 * @return number of flows ended. Owner only (or the control thread once the
 * owner has stopped).
 */
unsigned int dfp_flow_table_end_all(struct dfp_flow_table *t,
		void (*on_end)(void *arg, struct dfp_flow *f), void *arg);

/** A flow as listed (console `show flows`). */
struct dfp_flow_info {
	uint64_t flow_id;                     /**< Id. */
	struct dfp_flow_key key;              /**< Key. */
	uint8_t initiator;                    /**< enum dfp_flow_direction of the first packet. */
	uint8_t phase;                        /**< enum dfp_flow_phase. */
	uint64_t pkts[2];                     /**< Packets per direction. */
	uint64_t bytes[2];                    /**< Bytes per direction. */
	unsigned int n_contexts;              /**< Associations. */
	struct dfp_flow_context_info contexts[DFP_FLOW_MAX_CONTEXTS]; /**< Them. */
};

/**
 * Call cb for every live flow of every table (a racy snapshot of owner
 * state: counters may be a packet behind). Stops when cb returns non-zero.
 * Any thread.
 */
void dfp_flow_foreach(struct dfp_flow_dir *dir,
		int (*cb)(void *arg, const struct dfp_flow_info *f), void *arg);

/**
 * Snapshot one flow by id.
 * @return STATUS_SUCCESS; STATUS_UNSUCCESSFUL (the id names no live flow);
 *         STATUS_INVALID_PARAMETER (dir or out NULL).
 * Any thread; never blocks the owner.
 */
dfp_status_t dfp_flow_get(struct dfp_flow_dir *dir, uint64_t flow_id, struct dfp_flow_info *out);

#ifdef __cplusplus
}
#endif

#endif /* DFP_FLOW_TABLE_H */
