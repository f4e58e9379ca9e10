/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The callout runtime: registrations (FWPS half of a callout), the engine's
 * invocation hook, flow-context calls checked against registrations, and
 * classify handles for pended classifications (spec §4–§7).
 *
 * Model
 * -----
 * A registration supplies classifyFn, notifyFn and flowDeleteFn under a
 * callout key; its run-time id is the one the engine binds to that key
 * (shared with the management object, spec §1.8), so registration is
 * orchestrated by lib/ctl (dfp_ctl_callout_register()). Workers find a
 * registration by id in an immutable table published by pointer swap; an
 * unregistration removes it and waits for an RCU grace period, after which
 * no worker is still inside its code.
 *
 * Every association of a flow context is counted on its callout; while the
 * count is non-zero, unregistration fails with STATUS_DEVICE_BUSY and
 * changes nothing (spec §10.9).
 *
 * A classify handle names one in-flight classification: acquired inside
 * classifyFn, optionally pended (ALE_AUTH_CONNECT/RECV_ACCEPT only),
 * completed later from any thread, and released exactly once. It is
 * reference counted (the caller's reference and the pend's), so release may
 * come before or after completion (spec §6.3). Handles are small integers
 * with a generation: a stale or double release is detected and counted,
 * never corrupts memory. A completion is delivered to the worker that owns
 * the flow through a per-worker ring, so the worker takes no lock.
 *
 * Thread-safety
 * -------------
 * Registration calls are PASSIVE: control threads only (through lib/ctl).
 * Everything else here is DISPATCH-level: callable from workers (inside
 * classifyFn) and control threads, lock-free or bounded, never blocking.
 */
#ifndef DFP_CALLOUT_H
#define DFP_CALLOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "dfp_guid.h"
#include "dfp_status.h"
#include "dfp_engine.h"
#include "dfp_flow.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dfp_callout_rt;
struct rte_rcu_qsbr;

/** FWP_CALLOUT_FLAG_* (registration flags). */
#define DFP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW 0x00000001u
#define DFP_CALLOUT_FLAG_ALLOW_OFFLOAD 0x00000002u
#define DFP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY 0x00000004u
#define DFP_CALLOUT_FLAG_ALLOW_MID_STREAM_INSPECTION 0x00000008u
#define DFP_CALLOUT_FLAG_ALLOW_RECLASSIFY 0x00000010u
/** Flags accepted (offload flags are accepted and ignored [port]). */
#define DFP_CALLOUT_FLAGS_VALID 0x000003FFu

/** FWPS_METADATA_FIELD_* bits dfp fills. */
#define DFP_META_FLOW_HANDLE 0x00000002u
#define DFP_META_IP_HEADER_SIZE 0x00000004u
#define DFP_META_COMPLETION_HANDLE 0x00004000u
#define DFP_META_TRANSPORT_HEADER_SIZE 0x00000400u
#define DFP_META_PACKET_DIRECTION 0x00040000u
#define DFP_META_ETHER_FRAME_LENGTH 0x02000000u

/** Incoming metadata of one classification (FWPS_INCOMING_METADATA_VALUES0 subset). */
struct dfp_callout_meta {
	uint32_t present;         /**< DFP_META_* bits that are valid. */
	uint32_t direction;       /**< FWP_DIRECTION (PACKET_DIRECTION). */
	uint64_t flow_handle;     /**< flowId (FLOW_HANDLE), flow layers only. */
	uint32_t ip_header_size;  /**< IP_HEADER_SIZE. */
	uint32_t transport_header_size; /**< TRANSPORT_HEADER_SIZE. */
	uint32_t frame_length;    /**< ETHER_FRAME_LENGTH. */
};

/**
 * Everything a classification offers a callout; also the `classifyContext`
 * of WFP (the acquire argument), which is why it is opaque to callouts.
 * Built by the datapath per packet and layer, passed as the engine's pkt_ctx.
 */
struct dfp_callout_pkt {
	struct dfp_callout_meta meta;    /**< Metadata. */
	void *layer_data;                /**< The packet (struct rte_mbuf *) or NULL. */
	struct dfp_flow_table *table;    /**< Owning worker's flow table (flow layers). */
	struct dfp_flow *flow;           /**< The flow (flow layers), else NULL. */
	unsigned int worker;             /**< Worker index (completion ring). */
	uint16_t layer_id;               /**< Layer being classified (set by the hook). */
	uint32_t callout_id;             /**< Callout being invoked (set by the hook). */
	uint8_t reauth;                  /**< Classification is a re-authorisation (set by the hook). */
	uint64_t pend_handle;            /**< Set by a successful pend made inside this
					  *   classification (the datapath then holds the
					  *   packet); the datapath zeroes it before classifying. */
	uint64_t packet_tag;             /**< Datapath's id for held packets (opaque). */
};

/** What a classifyFn receives besides filter, flow context and output. */
struct dfp_callout_classify_in {
	uint16_t layer_id;                       /**< Layer. */
	const struct dfp_engine_values *values;  /**< Incoming values. */
	const struct dfp_callout_meta *meta;     /**< Metadata. */
	void *layer_data;                        /**< Packet or NULL. */
	const void *classify_context;            /**< For dfp_callout_handle_acquire(). */
	void *callout_ctx;                       /**< dfp_callout_desc.ctx. */
};

/** classifyFn: runs on a worker; must not block. */
typedef void (*dfp_callout_classify_fn)(const struct dfp_callout_classify_in *in,
		const struct dfp_engine_filter_rt *filter, uint64_t flow_context,
		struct dfp_classify_out *out);

/** notifyFn: runs on the control thread; its ADD_FILTER status can veto an add. */
typedef dfp_status_t (*dfp_callout_notify_fn)(void *callout_ctx, enum dfp_notify_type type,
		const struct dfp_guid *filter_key, struct dfp_engine_filter_rt *filter);

/** flowDeleteFn: once per association; any thread; must not block. */
typedef void (*dfp_callout_flow_delete_fn)(void *callout_ctx, uint16_t layer_id,
		uint32_t callout_id, uint64_t flow_context);

/** A registration (FWPS_CALLOUT0..3 plus dfp's context and pend default). */
struct dfp_callout_desc {
	struct dfp_guid key;                  /**< calloutKey. */
	uint32_t flags;                       /**< DFP_CALLOUT_FLAG_*. */
	dfp_callout_classify_fn classify;     /**< Mandatory. */
	dfp_callout_notify_fn notify;         /**< Mandatory (may just return success). */
	dfp_callout_flow_delete_fn flow_delete; /**< NULL: the callout cannot associate contexts. */
	void *ctx;                            /**< Passed to every callback [port]. */
	uint32_t pend_default_action;         /**< Decision when a pend times out
					       *   (DFP_ACTION_PERMIT/BLOCK; 0 = BLOCK) [port]. */
	const char *name;                     /**< For listings; copied. */
};

/** A registration as listed. */
struct dfp_callout_reg_info {
	struct dfp_guid key;       /**< Key. */
	uint32_t callout_id;       /**< Run-time id. */
	uint32_t flags;            /**< DFP_CALLOUT_FLAG_*. */
	uint64_t n_contexts;       /**< Live flow-context associations. */
	char name[64];             /**< Name. */
};

/** Runtime parameters. */
struct dfp_callout_params {
	struct rte_rcu_qsbr *rcu;       /**< The data-path RCU variable (grace periods). */
	struct dfp_flow_dir *flows;     /**< Flow directory (contexts). */
	unsigned int n_workers;         /**< Completion rings to create. */
	uint32_t max_handles;           /**< Classify handles; 0 = 65536. */
	uint32_t ring_size;             /**< Completion ring entries per worker (rounded up
					 *   to a power of two); 0 = 4096. */
	uint32_t pend_timeout_ms;       /**< Pend timeout; 0 = 5000. */
};

/**
 * Create the runtime. It installs nothing by itself: lib/ctl passes
 * dfp_callout_notify_dispatch() to the engine and dfp_callout_flow_deleted()
 * to the flow directory.
 * @return STATUS_SUCCESS, STATUS_INVALID_PARAMETER, STATUS_NO_MEMORY. Control thread.
 */
dfp_status_t dfp_callout_rt_create(const struct dfp_callout_params *p, struct dfp_callout_rt **out);

/**
 * Attach the flow directory (created after the runtime, because its delete
 * hook needs the runtime). Control thread, before any worker starts.
 */
void dfp_callout_rt_attach_flows(struct dfp_callout_rt *rt, struct dfp_flow_dir *flows);

/** Free the runtime; every callout must be unregistered. Accepts NULL. Control thread. */
void dfp_callout_rt_free(struct dfp_callout_rt *rt);

/* ---- Registration (control thread; called by lib/ctl) ---- */

/**
 * Register a callout under a run-time id already bound to its key.
 * @return STATUS_SUCCESS; STATUS_FWP_ALREADY_EXISTS (key registered);
 *         STATUS_FWP_IN_USE (the key is being registered or unregistered
 *         by another thread right now); STATUS_INVALID_PARAMETER (no
 *         classifyFn or notifyFn, bad flags); STATUS_NO_MEMORY.
 * Control thread; may wait for a grace period.
 */
dfp_status_t dfp_callout_register(struct dfp_callout_rt *rt, const struct dfp_callout_desc *desc,
		uint32_t callout_id);

/**
 * Unregister by id (FwpsCalloutUnregisterById0). On success no worker is
 * inside the callout's code when this returns.
 * @return STATUS_SUCCESS; STATUS_DEVICE_BUSY (flows carry its contexts:
 *         nothing changes); STATUS_FWP_CALLOUT_NOT_FOUND; STATUS_FWP_IN_USE
 *         (another thread is registering/unregistering it).
 * Control thread; waits for an RCU grace period.
 */
dfp_status_t dfp_callout_unregister_by_id(struct dfp_callout_rt *rt, uint32_t callout_id);

/** As dfp_callout_unregister_by_id(), by key (FwpsCalloutUnregisterByKey0); *id_out = its id. */
dfp_status_t dfp_callout_unregister_by_key(struct dfp_callout_rt *rt, const struct dfp_guid *key,
		uint32_t *id_out);

/** True if a callout with this id is registered. Any thread. */
bool dfp_callout_is_registered(struct dfp_callout_rt *rt, uint32_t callout_id);

/** Call cb for each registration (snapshot). Any thread. */
void dfp_callout_foreach(struct dfp_callout_rt *rt,
		int (*cb)(void *arg, const struct dfp_callout_reg_info *r), void *arg);

/* ---- Hooks wired by lib/ctl ---- */

/** The engine's notify hook (dfp_engine_notify_fn): dispatches to notifyFn. ctx = rt. */
dfp_status_t dfp_callout_notify_dispatch(void *rt, enum dfp_notify_type type,
		const struct dfp_guid *filter_key, struct dfp_engine_filter_rt *filter);

/** The flow directory's delete hook (dfp_flow_delete_fn): flowDeleteFn + count. ctx = rt. */
void dfp_callout_flow_deleted(void *rt, uint16_t layer_id, uint32_t callout_id,
		uint64_t context);

/**
 * The engine's invoke hook (dfp_engine_invoke_fn), ctx = rt, pkt_ctx = a
 * struct dfp_callout_pkt. Looks the callout up, applies
 * CONDITIONAL_ON_FLOW, brackets the flow's classification, and calls
 * classifyFn with the flow context for (flow, layer, callout). Any lcore.
 */
enum dfp_engine_invoke_result dfp_callout_invoke(void *rt,
		const struct dfp_engine_filter_rt *filter, const struct dfp_engine_values *values,
		void *pkt_ctx, struct dfp_classify_out *out);

/* ---- Flow contexts (DISPATCH: any thread) ---- */

/**
 * FwpsFlowAssociateContext0.
 * @return STATUS_SUCCESS; STATUS_INVALID_PARAMETER (context 0, no live flow,
 *         callout not registered or without flowDeleteFn, layer not a flow
 *         layer); STATUS_OBJECT_NAME_EXISTS; STATUS_INSUFFICIENT_RESOURCES.
 */
dfp_status_t dfp_callout_flow_associate(struct dfp_callout_rt *rt, uint64_t flow_id,
		uint16_t layer_id, uint32_t callout_id, uint64_t context);

/** FwpsFlowRemoveContext0: STATUS_SUCCESS, STATUS_PENDING, STATUS_UNSUCCESSFUL. */
dfp_status_t dfp_callout_flow_remove(struct dfp_callout_rt *rt, uint64_t flow_id,
		uint16_t layer_id, uint32_t callout_id);

/* ---- Classify handles (DISPATCH: any thread) ---- */

/** Kinds of completion delivered to the owning worker. */
enum dfp_callout_completion_kind {
	DFP_CALLOUT_COMPLETE_DECISION,  /**< Final classifyOut given. */
	DFP_CALLOUT_COMPLETE_REAUTH,    /**< NULL classifyOut: re-authorise the flow. */
	DFP_CALLOUT_COMPLETE_TIMEOUT,   /**< Timed out: the callout's default action. */
};

/** A completed pend, as the owning worker receives it. */
struct dfp_callout_completion {
	enum dfp_callout_completion_kind kind; /**< What happened. */
	uint64_t handle;          /**< The classify handle. */
	uint64_t flow_id;         /**< Pended flow. */
	uint16_t layer_id;        /**< Layer it was pended at. */
	uint32_t callout_id;      /**< Pending callout. */
	uint64_t filter_id;       /**< Filter passed to pend. */
	uint64_t packet_tag;      /**< Datapath's tag of the pended packet. */
	struct dfp_classify_out out; /**< The decision (DECISION, TIMEOUT). */
};

/** A handle as listed (console `show pended`). */
struct dfp_callout_handle_info {
	uint64_t handle;          /**< Handle. */
	uint64_t flow_id;         /**< Flow (0 if the classification had none). */
	uint16_t layer_id;        /**< Layer. */
	uint32_t callout_id;      /**< Callout. */
	bool pended;              /**< Pended and not yet completed. */
	uint64_t age_ms;          /**< Since acquire. */
};

/**
 * FwpsAcquireClassifyHandle0.
 * @param classify_context  the classify_context a classifyFn received.
 * @param handle            receives the handle (never 0).
 * @return STATUS_SUCCESS; STATUS_INVALID_PARAMETER (NULL pointers);
 *         STATUS_INSUFFICIENT_RESOURCES (no free handle).
 */
dfp_status_t dfp_callout_handle_acquire(struct dfp_callout_rt *rt, const void *classify_context,
		uint64_t *handle);

/**
 * FwpsPendClassify0: the classification waits for dfp_callout_handle_complete().
 * Records filter_id and a copy of *out, then [port] sets the live *out as
 * the WFP samples do when pending: action BLOCK, FWPS_RIGHT_ACTION_WRITE
 * cleared, FWPS_CLASSIFY_OUT_FLAG_ABSORB set, so arbitration holds the
 * packet rather than decides.
 * @return STATUS_SUCCESS; STATUS_FWP_CANNOT_PEND (not an ALE_AUTH_CONNECT or
 *         RECV_ACCEPT layer, or a re-authorisation, or no completion ring
 *         for the pkt's worker: *out untouched); STATUS_INVALID_PARAMETER
 *         (stale or released handle, already pended: counted; NULL out).
 * Inside the classifyFn that acquired the handle. Lock-free, never blocks.
 */
dfp_status_t dfp_callout_handle_pend(struct dfp_callout_rt *rt, uint64_t handle,
		uint64_t filter_id, struct dfp_classify_out *out);

/**
 * FwpsCompleteClassify0: deliver the final decision (out) or ask for
 * re-authorisation (out == NULL) to the owning worker; drops the pend's
 * reference.
 * @return STATUS_SUCCESS; STATUS_INVALID_PARAMETER (stale handle, or not
 *         pended, or already completed or timed out: counted);
 *         STATUS_INSUFFICIENT_RESOURCES (completion ring full, counted, or
 *         another completion of this handle is in progress: retry).
 */
dfp_status_t dfp_callout_handle_complete(struct dfp_callout_rt *rt, uint64_t handle,
		const struct dfp_classify_out *out);

/**
 * FwpsReleaseClassifyHandle0: drop the caller's reference.
 * @return STATUS_SUCCESS; STATUS_INVALID_PARAMETER (stale or double release:
 *         counted, nothing else happens).
 */
dfp_status_t dfp_callout_handle_release(struct dfp_callout_rt *rt, uint64_t handle);

/**
 * Drain up to n completions for a worker. Owning worker (single consumer).
 * @return number written to out.
 */
unsigned int dfp_callout_completion_poll(struct dfp_callout_rt *rt, unsigned int worker,
		struct dfp_callout_completion *out, unsigned int n);

/**
 * Complete, with their callout's default action, every pend older than the
 * timeout (DFP_CALLOUT_COMPLETE_TIMEOUT). Any one thread at a time (the
 * control thread's housekeeping).
 * @return number of pends timed out.
 */
unsigned int dfp_callout_pend_expire(struct dfp_callout_rt *rt);

/**
 * Complete every pend now, whatever its age, with its callout's default
 * action (shutdown, spec §4.5 step 3). Same rules as dfp_callout_pend_expire().
 * @return number of pends completed.
 */
unsigned int dfp_callout_pend_expire_all(struct dfp_callout_rt *rt);

/** List the handles in use (acquired and not fully released). Any thread. */
void dfp_callout_handle_foreach(struct dfp_callout_rt *rt,
		int (*cb)(void *arg, const struct dfp_callout_handle_info *h), void *arg);

/** Counters of the runtime. */
struct dfp_callout_stats {
	uint64_t handles_in_use;     /**< Acquired, not yet freed. */
	uint64_t pended;             /**< Pended, not yet completed. */
	uint64_t stale_handle_calls; /**< Calls with a stale/double handle. */
	uint64_t pend_timeouts;      /**< Pends completed by timeout. */
	uint64_t ring_full;          /**< Completions refused for a full ring. */
	uint64_t handles_orphaned;   /**< Handles a callout acquired and had not
				      *   released when it was unregistered (each
				      *   counted once; logged with the callout's
				      *   name). They stay in use: a late release
				      *   still frees them. */
};

/** Read the counters. Any thread. */
void dfp_callout_stats_get(struct dfp_callout_rt *rt, struct dfp_callout_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* DFP_CALLOUT_H */
