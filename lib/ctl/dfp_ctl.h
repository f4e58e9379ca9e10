/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control plane: engine sessions, transactions, and the RCU publication
 * of compiled rulesets to the workers.
 *
 * Model
 * -----
 * A struct dfp_ctl owns one engine (lib/engine) and the single data-path
 * rte_rcu_qsbr. Programs talk to it through sessions, as WFP clients talk
 * to BFE through FwpmEngineOpen0: every management call names a session.
 * A session may open one explicit transaction at a time; a call made outside
 * one runs in its own implicit transaction. Objects added by a dynamic
 * session (DFP_CTL_SESSION_FLAG_DYNAMIC) are deleted when it closes.
 *
 * Lifecycle
 * ---------
 * dfp_ctl_txn_commit() compiles every changed layer into a new ruleset off
 * to the side, publishes it with one release store, waits for an RCU grace
 * period (every registered worker has passed a quiescent point), and only
 * then frees the previous ruleset and the deleted filters and sends
 * DELETE_FILTER notifications. Workers therefore see the old rule base or
 * the new one, never a mix, and never a freed filter.
 *
 * Thread-safety
 * -------------
 * Management calls are PASSIVE_LEVEL in WFP: control threads only. Called
 * from a worker lcore or from inside a callout callback they return
 * STATUS_NOT_SUPPORTED (spec N12). They are MT-safe among control threads:
 * one transaction holds the engine at a time; others wait for it up to the
 * session's transaction wait timeout (STATUS_FWP_TIMEOUT), as WFP's global
 * transaction lock does. Enumeration callbacks run under that lock and must
 * not call back into dfp_ctl.
 *
 * Workers use only dfp_ctl_ruleset_get() (lock-free, once per burst) and the
 * dfp_ctl_reader_* calls.
 *
 * Memory ordering
 * ---------------
 * The publisher's release store of the ruleset pointer pairs with the
 * workers' acquire load in dfp_ctl_ruleset_get(). A worker's quiescent-state
 * report (release) tells the publisher that it no longer holds any ruleset
 * pointer loaded before it.
 */
#ifndef DFP_CTL_H
#define DFP_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "dfp_status.h"
#include "dfp_engine.h"
#include "dfp_flow.h"
#include "dfp_callout.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dfp_ctl;
struct dfp_ctl_session;
struct rte_rcu_qsbr;

/** FWPM_SESSION_FLAG_DYNAMIC: the session's objects vanish when it closes. */
#define DFP_CTL_SESSION_FLAG_DYNAMIC 0x00000001u

/** FWPM_TXN_READ_ONLY. */
#define DFP_CTL_TXN_READ_ONLY 0x00000001u

/** Default transaction lock wait (WFP's txnWaitTimeoutInMSec default). */
#define DFP_CTL_TXN_WAIT_DEFAULT_MS 15000u

/** Control-plane parameters. */
struct dfp_ctl_params {
	struct dfp_engine_params engine;  /**< Passed to dfp_engine_create(); notify NULL = the
					   *   callout runtime's dispatcher (normal), else the
					   *   given hook replaces it (tests, tools). */
	uint32_t max_readers;             /**< RCU reader slots (worker ids < this); 0 = 128. */
	unsigned int n_workers;           /**< Workers (completion rings, flow tables); 0 = 1. */
	uint32_t max_handles;             /**< Classify handles; 0 = 65536. */
	uint32_t pend_timeout_ms;         /**< Pend timeout; 0 = 5000. */
};

/**
 * Create the control plane, its engine and its RCU variable. Until the first
 * commit the published ruleset is NULL, which classifies as empty.
 *
 * @param params  parameters (copied); NULL = defaults.
 * @param out     receives the control plane.
 * @return STATUS_SUCCESS, STATUS_NO_MEMORY, STATUS_INSUFFICIENT_RESOURCES.
 * Control thread; allocates.
 */
dfp_status_t dfp_ctl_create(const struct dfp_ctl_params *params, struct dfp_ctl **out);

/**
 * Destroy the control plane: closes every session (aborting transactions,
 * deleting dynamic objects), frees the engine and the RCU variable. Accepts
 * NULL. Control thread; every worker must have unregistered.
 */
void dfp_ctl_destroy(struct dfp_ctl *ctl);

/** The engine (for tools that read it under dfp_ctl's lock; see dfp_ctl_lock()). */
struct dfp_engine *dfp_ctl_engine(struct dfp_ctl *ctl);

/** The callout runtime (DISPATCH-level calls: contexts, handles, invoke hook). Any thread. */
struct dfp_callout_rt *dfp_ctl_callouts(struct dfp_ctl *ctl);

/** The flow directory (workers create their tables in it). Any thread. */
struct dfp_flow_dir *dfp_ctl_flows(struct dfp_ctl *ctl);

/**
 * Register a callout (FwpsCalloutRegister0..3): binds the key's run-time id
 * in the engine (shared with the management object, spec §1.8) and
 * registers the code under it.
 * @param id_out  receives the callout id (may be NULL).
 * @return STATUS_SUCCESS; STATUS_FWP_ALREADY_EXISTS; STATUS_FWP_IN_USE
 *         (being registered/unregistered by another thread);
 *         STATUS_INVALID_PARAMETER; STATUS_NO_MEMORY; STATUS_NOT_SUPPORTED
 *         (worker or callback context).
 * Control thread; waits for an RCU grace period.
 */
dfp_status_t dfp_ctl_callout_register(struct dfp_ctl *ctl, const struct dfp_callout_desc *desc,
		uint32_t *id_out);

/**
 * FwpsCalloutUnregisterById0: see dfp_callout_unregister_by_id(); on success
 * no worker is inside the callout's code, and filters naming it fall back
 * per spec §3.3.
 * @return STATUS_SUCCESS, STATUS_DEVICE_BUSY, STATUS_FWP_CALLOUT_NOT_FOUND,
 *         STATUS_FWP_IN_USE, STATUS_NOT_SUPPORTED.
 * Control thread; waits for an RCU grace period.
 */
dfp_status_t dfp_ctl_callout_unregister_by_id(struct dfp_ctl *ctl, uint32_t id);

/** FwpsCalloutUnregisterByKey0; statuses as dfp_ctl_callout_unregister_by_id(). */
dfp_status_t dfp_ctl_callout_unregister_by_key(struct dfp_ctl *ctl, const struct dfp_guid *key);

/** The data-path RCU variable. Any thread. */
struct rte_rcu_qsbr *dfp_ctl_rcu(struct dfp_ctl *ctl);

/**
 * Where the published ruleset pointer lives; workers keep this address and
 * call dfp_ctl_ruleset_get() on it once per burst. Any thread.
 */
struct dfp_engine_ruleset *const *dfp_ctl_ruleset_slot(const struct dfp_ctl *ctl);

/**
 * Snapshot the published ruleset. Any lcore, lock-free; valid until the
 * caller's next quiescent-state report.
 */
static inline const struct dfp_engine_ruleset *
dfp_ctl_ruleset_get(struct dfp_engine_ruleset *const *slot)
{
	return __atomic_load_n(slot, __ATOMIC_ACQUIRE);
}

/**
 * Register the calling thread as an RCU reader with id `reader_id`, put it
 * online, and mark it a worker (PASSIVE calls then fail on it).
 * @return STATUS_SUCCESS, STATUS_INVALID_PARAMETER (id out of range).
 * Worker thread, before its loop; does not block.
 */
dfp_status_t dfp_ctl_reader_register(struct dfp_ctl *ctl, unsigned int reader_id);

/** Report a quiescent state: the caller holds no ruleset pointer. Worker; ~1 cycle. */
void dfp_ctl_reader_quiescent(struct dfp_ctl *ctl, unsigned int reader_id);

/** Go offline (before anything that waits) / back online. Worker. */
void dfp_ctl_reader_offline(struct dfp_ctl *ctl, unsigned int reader_id);
/** See dfp_ctl_reader_offline(). */
void dfp_ctl_reader_online(struct dfp_ctl *ctl, unsigned int reader_id);

/** Offline, unregister, and clear the worker mark. Worker thread, after its loop. */
void dfp_ctl_reader_unregister(struct dfp_ctl *ctl, unsigned int reader_id);

/**
 * Wait until every online reader has passed a quiescent state.
 * @return STATUS_SUCCESS; STATUS_NOT_SUPPORTED from a worker or callback.
 * Control thread; blocks (typically microseconds).
 */
dfp_status_t dfp_ctl_synchronize(struct dfp_ctl *ctl);

/* ---- Sessions and transactions ---- */

/**
 * Open a session (FwpmEngineOpen0).
 * @param flags  DFP_CTL_SESSION_FLAG_DYNAMIC or 0.
 * @param out    receives the session.
 * @return STATUS_SUCCESS, STATUS_FWP_INVALID_FLAGS, STATUS_NO_MEMORY, STATUS_NOT_SUPPORTED.
 * Control thread.
 */
dfp_status_t dfp_ctl_session_open(struct dfp_ctl *ctl, uint32_t flags,
		struct dfp_ctl_session **out);

/**
 * Close a session (FwpmEngineClose0): aborts its open transaction and, if
 * dynamic, deletes its objects in one committed transaction. Accepts NULL.
 * @return STATUS_SUCCESS, STATUS_NOT_SUPPORTED, or the commit's failure.
 * Control thread; may wait for the transaction lock and a grace period.
 */
dfp_status_t dfp_ctl_session_close(struct dfp_ctl_session *s);

/** Session id (owner id of its objects). Any thread. */
uint32_t dfp_ctl_session_id(const struct dfp_ctl_session *s);

/** Set how long this session's calls wait for another's transaction (ms). */
void dfp_ctl_session_set_txn_wait(struct dfp_ctl_session *s, uint32_t timeout_ms);

/** True while the session has an explicit transaction open. */
bool dfp_ctl_session_in_txn(const struct dfp_ctl_session *s);

/**
 * Begin an explicit transaction (FwpmTransactionBegin0).
 * @param flags  0 or DFP_CTL_TXN_READ_ONLY.
 * @return STATUS_SUCCESS, STATUS_FWP_TXN_IN_PROGRESS (this session has one),
 *         STATUS_FWP_TIMEOUT (another session's lasted too long),
 *         STATUS_FWP_INVALID_FLAGS, STATUS_NOT_SUPPORTED.
 * Control thread; may wait.
 */
dfp_status_t dfp_ctl_txn_begin(struct dfp_ctl_session *s, uint32_t flags);

/**
 * Commit (FwpmTransactionCommit0): compile, publish, grace period, reclaim.
 * @return STATUS_SUCCESS, STATUS_FWP_NO_TXN_IN_PROGRESS, STATUS_NOT_SUPPORTED,
 *         STATUS_NO_MEMORY / STATUS_INSUFFICIENT_RESOURCES (compilation
 *         failed; the transaction stays open so it can be aborted).
 * Control thread; blocks for compilation and a grace period.
 */
dfp_status_t dfp_ctl_txn_commit(struct dfp_ctl_session *s);

/**
 * Abort (FwpmTransactionAbort0): undo every change of the transaction.
 * @return STATUS_SUCCESS, STATUS_FWP_NO_TXN_IN_PROGRESS, STATUS_NOT_SUPPORTED.
 * Control thread.
 */
dfp_status_t dfp_ctl_txn_abort(struct dfp_ctl_session *s);

/* ---- Management calls (each: control thread; may wait for the txn lock) ----
 *
 * Each returns the engine call's statuses (see dfp_engine.h) plus
 * STATUS_NOT_SUPPORTED (worker/callback context), STATUS_FWP_TIMEOUT
 * (another session's transaction held the engine too long) and
 * STATUS_FWP_INCOMPATIBLE_TXN (a write in a read-only transaction). Outside
 * an explicit transaction a successful write is committed (and published)
 * before the call returns.
 */

/** FwpmSubLayerAdd0. */
dfp_status_t dfp_ctl_sublayer_add(struct dfp_ctl_session *s,
		const struct dfp_engine_sublayer_spec *spec, struct dfp_guid *key_out);
/** FwpmSubLayerDeleteByKey0. */
dfp_status_t dfp_ctl_sublayer_delete(struct dfp_ctl_session *s, const struct dfp_guid *key);
/** FwpmCalloutAdd0. */
dfp_status_t dfp_ctl_callout_add(struct dfp_ctl_session *s,
		const struct dfp_engine_callout_spec *spec, uint32_t *id_out);
/** FwpmCalloutDeleteById0. */
dfp_status_t dfp_ctl_callout_delete_by_id(struct dfp_ctl_session *s, uint32_t id);
/** FwpmCalloutDeleteByKey0. */
dfp_status_t dfp_ctl_callout_delete_by_key(struct dfp_ctl_session *s,
		const struct dfp_guid *key);
/** FwpmFilterAdd0. */
dfp_status_t dfp_ctl_filter_add(struct dfp_ctl_session *s,
		const struct dfp_engine_filter_spec *spec, uint64_t *id_out);
/** FwpmFilterDeleteById0. */
dfp_status_t dfp_ctl_filter_delete_by_id(struct dfp_ctl_session *s, uint64_t id);
/** FwpmFilterDeleteByKey0. */
dfp_status_t dfp_ctl_filter_delete_by_key(struct dfp_ctl_session *s,
		const struct dfp_guid *key);

/** FwpmFilterGetById0. */
dfp_status_t dfp_ctl_filter_get(struct dfp_ctl_session *s, uint64_t id,
		struct dfp_engine_filter_info *out);
/** Enumerate filters (layer_id 0xFFFF = all); cb must not call dfp_ctl. */
dfp_status_t dfp_ctl_filter_foreach(struct dfp_ctl_session *s, uint16_t layer_id,
		int (*cb)(void *arg, const struct dfp_engine_filter_info *f), void *arg);
/** FwpmCalloutGetById0. */
dfp_status_t dfp_ctl_callout_get(struct dfp_ctl_session *s, uint32_t id,
		struct dfp_engine_callout_info *out);
/** FwpmCalloutGetByKey0 (the id only). */
dfp_status_t dfp_ctl_callout_lookup(struct dfp_ctl_session *s, const struct dfp_guid *key,
		uint32_t *id_out);
/** Enumerate callout objects; cb must not call dfp_ctl. */
dfp_status_t dfp_ctl_callout_foreach(struct dfp_ctl_session *s,
		int (*cb)(void *arg, const struct dfp_engine_callout_info *c), void *arg);
/** FwpmSubLayerGetByKey0. */
dfp_status_t dfp_ctl_sublayer_get(struct dfp_ctl_session *s, const struct dfp_guid *key,
		struct dfp_engine_sublayer_info *out);
/** Enumerate sublayers by weight; cb must not call dfp_ctl. */
dfp_status_t dfp_ctl_sublayer_foreach(struct dfp_ctl_session *s,
		int (*cb)(void *arg, const struct dfp_engine_sublayer_info *sl), void *arg);

/** Generation of the published ruleset (0 before any commit). Any thread. */
uint64_t dfp_ctl_generation(const struct dfp_ctl *ctl);

#ifdef __cplusplus
}
#endif

#endif /* DFP_CTL_H */
