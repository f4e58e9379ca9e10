/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The WFP filter engine: management objects, arbitration and the compiled
 * per-layer classifier.
 *
 * Model
 * -----
 * An engine holds sublayers, filters and callout management objects
 * (spec §1). Every layer has every sublayer; a filter lives in one (layer,
 * sublayer) and carries conditions, a 64-bit effective weight and an action.
 * Classifying a packet at a layer walks the sublayers from heavy to light;
 * inside a sublayer the matching filters are tried by (weight desc, filter
 * id asc) until one yields PERMIT or BLOCK (CONTINUE moves on); the
 * sublayer results are merged with hard/soft rights and vetoes exactly as
 * spec §3.2–§3.4 reads. Nothing decided gives FWP_ACTION_NONE_NO_MATCH,
 * which the datapath enforces as permit.
 *
 * Lifecycle
 * ---------
 * The engine is a single-threaded model plus immutable compiled rulesets.
 * Changes are staged: dfp_engine_txn_begin() opens the undo log, adds and
 * deletes change the model at once (with undo entries), and
 * dfp_engine_txn_prepare() compiles every layer whose filters changed into a
 * new struct dfp_engine_ruleset, built off to the side while the old one
 * keeps serving. The caller (lib/ctl) publishes it with one release store,
 * waits for an RCU grace period, then calls dfp_engine_txn_finish(), which
 * frees the old ruleset, the deleted filters and sends DELETE_FILTER and
 * ADD_FILTER_POST_COMMIT notifications. dfp_engine_txn_abort() undoes the
 * log instead. Unchanged layers are shared between rulesets.
 *
 * Thread-safety
 * -------------
 * Every function taking a struct dfp_engine * is control-thread only and not
 * MT-safe: lib/ctl serialises them. dfp_engine_classify_burst() and
 * dfp_engine_match_burst() take only an immutable ruleset and are lock-free,
 * allocation-free and callable from any number of worker lcores at once.
 *
 * Memory ordering
 * ---------------
 * A ruleset is immutable once returned by dfp_engine_txn_prepare(). The
 * publisher's release store and the workers' acquire load of the ruleset
 * pointer order its construction before any read. Filters referenced by a
 * published ruleset stay allocated until dfp_engine_txn_finish(), which the
 * caller only runs after a grace period.
 *
 * Hit counters
 * ------------
 * A filter's hits are the classifications at its layer (packets, or ALE
 * authorisations) whose arbitrated verdict it decided
 * (dfp_engine_verdict.filter_id). Each filter gets a dense counter slot
 * (dfp_engine_filter_rt.hit_slot, 1..max_filters) when it is added. A
 * counter set (dfp_engine_counters_attach()) is an array of one uint64_t
 * per slot owned by one classifying thread: dfp_engine_classify_burst()
 * adds one to env->hits[slot] for each verdict a filter decided, with a
 * plain (relaxed) load and store, no lock and no atomic read-modify-write.
 * Control threads sum the sets with relaxed loads when a filter is read
 * (dfp_engine_filter_info.hits). A slot is freed only where no worker can
 * still count into it: in dfp_engine_txn_finish() for deleted filters
 * (after the grace period) and in dfp_engine_txn_abort() for filters the
 * transaction added (never published). It is zeroed in every set before it
 * can be given to another filter, whose publication (release store of the
 * ruleset) orders the zeroing before any worker's next increment.
 */
#ifndef DFP_ENGINE_H
#define DFP_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfp_guid.h"
#include "dfp_status.h"
#include "dfp_engine_types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dfp_engine;
struct dfp_engine_ruleset;

/** Longest object name, including NUL. */
#define DFP_ENGINE_NAME_SIZE 64

/** Most conditions in one filter. */
#define DFP_ENGINE_MAX_CONDS 64

/**
 * Default dfp_engine_params.max_filters: room for lib/conf's million
 * filters replaced in one transaction (the deleted ones keep their hit
 * counter slots until the commit's grace period is over).
 */
#define DFP_ENGINE_MAX_FILTERS_DEFAULT (UINT32_C(1) << 21)

/** Built-in FWPM_SUBLAYER_UNIVERSAL: the default sublayer of every layer. */
#define DFP_ENGINE_SUBLAYER_UNIVERSAL_KEY "eebecc03-ced4-4380-819a-2734397b2b74"
/** Its weight [port]: WFP does not document it; callout sublayers go below. */
#define DFP_ENGINE_SUBLAYER_UNIVERSAL_WEIGHT 0x8000
/** Built-in FWPM_SUBLAYER_INSPECTION: the lowest sublayer, weight 0. */
#define DFP_ENGINE_SUBLAYER_INSPECTION_KEY "877519e1-e6a9-41a5-81b4-8c4f118e4a60"

/**
 * One filter condition (FWPS_FILTER_CONDITION0 with the value widened).
 * Values are host-order numbers; IPv6 addresses are big-endian 128-bit
 * numbers; MAC addresses 48-bit numbers.
 */
struct dfp_engine_cond {
	uint16_t field;          /**< enum dfp_field. */
	uint16_t match;          /**< enum dfp_match. */
	uint8_t has_prefix;      /**< Address with prefix (FWP_V4/V6_ADDR_MASK). */
	uint8_t prefix_len;      /**< Prefix length in bits when has_prefix. */
	struct dfp_u128 value;   /**< Operand; RANGE low end; FLAGS_* mask. */
	struct dfp_u128 high;    /**< RANGE high end (inclusive). */
};

/** How a filter's weight is given (FWPM_FILTER0.weight's FWP_DATA_TYPE). */
enum dfp_engine_weight_type {
	DFP_ENGINE_WEIGHT_AUTO = 0,   /**< FWP_EMPTY: derived from the conditions. */
	DFP_ENGINE_WEIGHT_RANGE,      /**< FWP_UINT8 0..15: top 4 bits, rest auto. */
	DFP_ENGINE_WEIGHT_EXPLICIT,   /**< FWP_UINT64: used verbatim. */
};

/** Input of dfp_engine_filter_add() (FWPM_FILTER0). The engine copies all of it. */
struct dfp_engine_filter_spec {
	struct dfp_guid key;          /**< Filter key; zero = generate one. */
	const char *name;             /**< Display name; mandatory. */
	uint16_t layer_id;            /**< Layer. */
	struct dfp_guid sublayer_key; /**< Sublayer; zero = the default (UNIVERSAL). */
	enum dfp_engine_weight_type weight_type; /**< How weight is read. */
	uint64_t weight;              /**< Explicit weight, or the range 0..15. */
	uint32_t flags;               /**< DFP_FILTER_FLAG_* (management form). */
	uint32_t action;              /**< One of the five filter actions. */
	struct dfp_guid callout_key;  /**< For callout actions: the callout. */
	uint64_t raw_context;         /**< Copied to the run-time context. */
	uint32_t n_conds;             /**< Number of conditions (0 = match all). */
	const struct dfp_engine_cond *conds; /**< Conditions; same field = OR. */
};

/**
 * The run-time view of a filter (FWPS_FILTER0): what classifyFn and notifyFn
 * receive. Immutable once the filter is added, except `context`, which a
 * callout's ADD_FILTER notifyFn may overwrite during the add.
 */
struct dfp_engine_filter_rt {
	uint64_t filter_id;        /**< Engine-assigned id. */
	uint64_t weight;           /**< Effective weight. */
	uint16_t sublayer_weight;  /**< Weight of the filter's sublayer. */
	uint16_t flags;            /**< DFP_RT_FILTER_FLAG_*. */
	uint16_t layer_id;         /**< Layer id. */
	uint16_t reserved;         /**< Zero. */
	uint32_t n_conds;          /**< Number of conditions. */
	uint32_t hit_slot;         /**< Hit counter slot, 1..max_filters (an index into
				    *   a counter set); fixed for the filter's life. */
	const struct dfp_engine_cond *conds; /**< Conditions. */
	uint32_t action_type;      /**< Filter action (FWP_ACTION_*). */
	uint32_t callout_id;       /**< For callout actions; else 0. */
	uint64_t context;          /**< rawContext, or what notifyFn stored. */
};

/** A snapshot of a filter for enumeration (strings copied). */
struct dfp_engine_filter_info {
	struct dfp_engine_filter_rt rt;             /**< Run-time view (conds point into the engine). */
	struct dfp_guid key;                        /**< Filter key. */
	struct dfp_guid sublayer_key;               /**< Sublayer key. */
	struct dfp_guid callout_key;                /**< Callout key (callout actions). */
	char name[DFP_ENGINE_NAME_SIZE];            /**< Display name. */
	char sublayer_name[DFP_ENGINE_NAME_SIZE];   /**< Sublayer's name. */
	uint32_t mgmt_flags;                        /**< DFP_FILTER_FLAG_* as given. */
	uint32_t owner;                             /**< Owning session id (0 = none). */
	bool committed;                             /**< Part of the published ruleset. */
	uint64_t hits;                              /**< Verdicts it decided, summed over
						     *   every counter set (relaxed loads: a
						     *   snapshot that may lag the workers by
						     *   the bursts in flight); 0 until the
						     *   filter is committed. */
};

/** Input of dfp_engine_sublayer_add() (FWPM_SUBLAYER0). */
struct dfp_engine_sublayer_spec {
	struct dfp_guid key;  /**< Key; zero = generate one. */
	const char *name;     /**< Display name; mandatory. */
	uint16_t weight;      /**< Higher is evaluated first. */
	uint32_t flags;       /**< FWPM_SUBLAYER_FLAG_PERSISTENT (0x1) or 0. */
};

/** A snapshot of a sublayer. */
struct dfp_engine_sublayer_info {
	struct dfp_guid key;              /**< Key. */
	char name[DFP_ENGINE_NAME_SIZE];  /**< Display name. */
	uint16_t weight;                  /**< Weight. */
	bool builtin;                     /**< Built-in (cannot be deleted). */
	uint32_t n_filters;               /**< Filters referencing it. */
	uint32_t owner;                   /**< Owning session id. */
};

/** Input of dfp_engine_callout_add() (FWPM_CALLOUT0). */
struct dfp_engine_callout_spec {
	struct dfp_guid key;  /**< Callout key; mandatory (zero = generate). */
	const char *name;     /**< Display name; mandatory. */
	uint16_t layer_id;    /**< applicableLayer. */
	uint32_t flags;       /**< FWPM_CALLOUT_FLAG_PERSISTENT (0x10000) or 0. */
};

/** A snapshot of a callout management object. */
struct dfp_engine_callout_info {
	struct dfp_guid key;              /**< Key. */
	char name[DFP_ENGINE_NAME_SIZE];  /**< Display name. */
	uint32_t callout_id;              /**< Run-time id shared with the registration. */
	uint16_t layer_id;                /**< Applicable layer. */
	uint32_t n_filters;               /**< Filters whose action names it. */
	uint32_t owner;                   /**< Owning session id. */
};

/**
 * Notification hook (the callout runtime's notifyFn dispatcher).
 *
 * Called on the control thread for every filter that names a callout:
 * ADD_FILTER while the add runs (a failure status fails the add with
 * STATUS_FWP_CALLOUT_NOTIFICATION_FAILED), DELETE_FILTER after the deletion
 * is committed and no worker can still see the filter (return ignored), and
 * ADD_FILTER_POST_COMMIT after the adding transaction is published. The hook
 * decides whether the callout is registered and wants that notification.
 *
 * @param ctx         dfp_engine_params.notify_ctx.
 * @param type        enum dfp_notify_type.
 * @param filter_key  the filter's key for ADD/POST_COMMIT; NULL for DELETE.
 * @param filter      the filter; ADD may set filter->context.
 * @return a status (only ADD_FILTER's is used).
 */
typedef dfp_status_t (*dfp_engine_notify_fn)(void *ctx, enum dfp_notify_type type,
		const struct dfp_guid *filter_key, struct dfp_engine_filter_rt *filter);

/** Engine creation parameters. */
struct dfp_engine_params {
	dfp_engine_notify_fn notify;  /**< Notification hook, or NULL. */
	void *notify_ctx;             /**< Its context. */
	unsigned int socket_id;       /**< NUMA socket for compiled classifiers. */
	uint32_t acl_max_rules;       /**< Rules per compiled trie group; 0 = default. */
	uint32_t max_expansion;       /**< Max ACL rules one filter may expand to; 0 = default. */
	uint32_t max_filters;         /**< Most filters alive or deleted but not yet
				       *   reclaimed (hit counter slots); 0 =
				       *   DFP_ENGINE_MAX_FILTERS_DEFAULT. */
	uint32_t incremental_min;     /**< A commit that only adds filters to a layer
				       *   whose last full compile had at least
				       *   this many compiles just the added ones
				       *   (see DFP_ENGINE_INCREMENTAL_MIN_DEFAULT);
				       *   0 = that default, UINT32_MAX = never. */
};

/**
 * Default for dfp_engine_params.incremental_min. Below it a full compile of
 * the layer takes a few milliseconds anyway; above, it grows quickly
 * (ClassBench fw1's 792 filters take about 70 ms, 10,000 about 0.3 s). Added filters are
 * compiled on their own and merged at lookup (one more ACL lookup per
 * packet) until they exceed 1/16 of the full compile (at least 64), or a
 * filter of the full compile is deleted; then the layer is compiled in full
 * again.
 */
#define DFP_ENGINE_INCREMENTAL_MIN_DEFAULT 256

/**
 * Create an engine with the built-in sublayers.
 *
 * @param params  parameters, copied; NULL = defaults.
 * @param out     receives the engine.
 * @return STATUS_SUCCESS, STATUS_NO_MEMORY.
 * Control thread; may allocate.
 */
dfp_status_t dfp_engine_create(const struct dfp_engine_params *params, struct dfp_engine **out);

/**
 * Destroy an engine and every object and ruleset it still owns. No
 * notifications are sent. Accepts NULL. Control thread; no worker may still
 * use a ruleset of this engine.
 */
void dfp_engine_destroy(struct dfp_engine *eng);

/* ---- Transactions (control thread; lib/ctl serialises) ---- */

/**
 * Open the undo log. Every change must be made inside a transaction.
 * @return STATUS_SUCCESS, STATUS_FWP_TXN_IN_PROGRESS.
 */
dfp_status_t dfp_engine_txn_begin(struct dfp_engine *eng);

/** True while a transaction is open. */
bool dfp_engine_txn_is_open(const struct dfp_engine *eng);

/**
 * Compile the staged model into a new ruleset (dirty layers only).
 *
 * @param out  receives the new ruleset, or NULL when nothing changed.
 * @return STATUS_SUCCESS; STATUS_NO_MEMORY / STATUS_INSUFFICIENT_RESOURCES
 *         (the transaction stays open and unchanged);
 *         STATUS_FWP_NO_TXN_IN_PROGRESS.
 * May take seconds for large rule sets.
 */
dfp_status_t dfp_engine_txn_prepare(struct dfp_engine *eng, struct dfp_engine_ruleset **out);

/**
 * Close a transaction whose prepared ruleset (or NULL) is now published and
 * past a grace period: frees the previous ruleset and deleted filters, sends
 * DELETE_FILTER and ADD_FILTER_POST_COMMIT notifications.
 *
 * @param published  what dfp_engine_txn_prepare() returned (may be NULL).
 * @param previous   the ruleset it replaced (freed unless NULL or equal).
 */
void dfp_engine_txn_finish(struct dfp_engine *eng, struct dfp_engine_ruleset *published,
		struct dfp_engine_ruleset *previous);

/**
 * Undo every change of the open transaction (DELETE_FILTER is sent for
 * filters it added). Nothing was published, so no grace period is needed.
 * @return STATUS_SUCCESS, STATUS_FWP_NO_TXN_IN_PROGRESS.
 */
dfp_status_t dfp_engine_txn_abort(struct dfp_engine *eng);

/** The ruleset currently considered published (NULL before the first commit). */
struct dfp_engine_ruleset *dfp_engine_ruleset_current(struct dfp_engine *eng);

/* ---- Sublayers ---- */

/**
 * Add a sublayer (FwpmSubLayerAdd0).
 * @param owner   owning session id (0 = static).
 * @return STATUS_SUCCESS, STATUS_INVALID_PARAMETER, STATUS_FWP_NULL_DISPLAY_NAME,
 *         STATUS_FWP_INVALID_FLAGS, STATUS_FWP_ALREADY_EXISTS,
 *         STATUS_FWP_NO_TXN_IN_PROGRESS, STATUS_NO_MEMORY.
 */
dfp_status_t dfp_engine_sublayer_add(struct dfp_engine *eng,
		const struct dfp_engine_sublayer_spec *spec, uint32_t owner, struct dfp_guid *key_out);

/**
 * Delete a sublayer (FwpmSubLayerDeleteByKey0).
 * @return STATUS_SUCCESS, STATUS_FWP_SUBLAYER_NOT_FOUND, STATUS_FWP_IN_USE (filters),
 *         STATUS_FWP_BUILTIN_OBJECT, STATUS_FWP_NO_TXN_IN_PROGRESS.
 */
dfp_status_t dfp_engine_sublayer_delete(struct dfp_engine *eng, const struct dfp_guid *key);

/** Look a sublayer up by key; STATUS_FWP_SUBLAYER_NOT_FOUND if absent. */
dfp_status_t dfp_engine_sublayer_get(struct dfp_engine *eng, const struct dfp_guid *key,
		struct dfp_engine_sublayer_info *out);

/** Find a sublayer's key by display name; STATUS_FWP_SUBLAYER_NOT_FOUND if absent. */
dfp_status_t dfp_engine_sublayer_find(struct dfp_engine *eng, const char *name,
		struct dfp_guid *key_out);

/** Call cb for each sublayer by (weight desc, creation order); stops when cb returns non-zero. */
void dfp_engine_sublayer_foreach(struct dfp_engine *eng,
		int (*cb)(void *arg, const struct dfp_engine_sublayer_info *s), void *arg);

/* ---- Callout management objects (FWPM half, spec §1.8) ---- */

/**
 * Add a callout management object (FwpmCalloutAdd0). It takes the run-time
 * id already bound to the key by a registration, else a new one.
 * @param owner  owning session id (0 = static).
 * @param id_out receives the callout id (may be NULL).
 * @return STATUS_SUCCESS, STATUS_INVALID_PARAMETER, STATUS_FWP_NULL_DISPLAY_NAME,
 *         STATUS_FWP_LAYER_NOT_FOUND, STATUS_FWP_INVALID_FLAGS,
 *         STATUS_FWP_ALREADY_EXISTS, STATUS_FWP_NO_TXN_IN_PROGRESS, STATUS_NO_MEMORY.
 */
dfp_status_t dfp_engine_callout_add(struct dfp_engine *eng,
		const struct dfp_engine_callout_spec *spec, uint32_t owner, uint32_t *id_out);

/**
 * Delete a callout object by id (FwpmCalloutDeleteById0).
 * @return STATUS_SUCCESS, STATUS_FWP_CALLOUT_NOT_FOUND,
 *         STATUS_FWP_IN_USE (a filter names it), STATUS_FWP_NO_TXN_IN_PROGRESS.
 */
dfp_status_t dfp_engine_callout_delete_by_id(struct dfp_engine *eng, uint32_t id);

/** As dfp_engine_callout_delete_by_id(), by key (FwpmCalloutDeleteByKey0). */
dfp_status_t dfp_engine_callout_delete_by_key(struct dfp_engine *eng, const struct dfp_guid *key);

/** Snapshot of a callout object by id; STATUS_FWP_CALLOUT_NOT_FOUND if absent. */
dfp_status_t dfp_engine_callout_get(struct dfp_engine *eng, uint32_t id,
		struct dfp_engine_callout_info *out);

/** Id of the callout object with this key; STATUS_FWP_CALLOUT_NOT_FOUND if absent. */
dfp_status_t dfp_engine_callout_lookup(struct dfp_engine *eng, const struct dfp_guid *key,
		uint32_t *id_out);

/** Call cb for each callout object in id order; stops when cb returns non-zero. */
void dfp_engine_callout_foreach(struct dfp_engine *eng,
		int (*cb)(void *arg, const struct dfp_engine_callout_info *c), void *arg);

/**
 * Bind a run-time callout id to a key for a registration (FwpsCalloutRegister):
 * the id of the management object with that key, or of an earlier binding,
 * or a new one. Each bind is balanced by dfp_engine_callout_id_unbind().
 * Does not need a transaction.
 * @return STATUS_SUCCESS, STATUS_NO_MEMORY, STATUS_FWP_TOO_MANY_CALLOUTS.
 */
dfp_status_t dfp_engine_callout_id_bind(struct dfp_engine *eng, const struct dfp_guid *key,
		uint32_t *id_out);

/** Drop a registration's binding; the id is freed when nothing else uses it. */
void dfp_engine_callout_id_unbind(struct dfp_engine *eng, uint32_t id);

/* ---- Filters ---- */

/**
 * Add a filter (FwpmFilterAdd0). Validates everything before changing any
 * state; for callout actions sends ADD_FILTER through the notify hook.
 *
 * @param owner   owning session id (0 = static).
 * @param id_out  receives the filter id (may be NULL).
 * @return STATUS_SUCCESS; STATUS_INVALID_PARAMETER; STATUS_FWP_NULL_DISPLAY_NAME;
 *         STATUS_FWP_LAYER_NOT_FOUND; STATUS_FWP_SUBLAYER_NOT_FOUND;
 *         STATUS_FWP_CALLOUT_NOT_FOUND; STATUS_FWP_INVALID_ACTION_TYPE;
 *         STATUS_FWP_INVALID_FLAGS; STATUS_FWP_INVALID_WEIGHT;
 *         STATUS_FWP_CONDITION_NOT_FOUND (field not at layer);
 *         STATUS_FWP_MATCH_TYPE_MISMATCH; STATUS_FWP_INVALID_RANGE;
 *         STATUS_FWP_INVALID_NET_MASK; STATUS_FWP_OUT_OF_BOUNDS;
 *         STATUS_FWP_INCOMPATIBLE_LAYER (callout's applicable layer differs);
 *         STATUS_FWP_ALREADY_EXISTS; STATUS_FWP_CALLOUT_NOTIFICATION_FAILED;
 *         STATUS_FWP_NO_TXN_IN_PROGRESS; STATUS_NO_MEMORY;
 *         STATUS_INSUFFICIENT_RESOURCES (max_filters filters are alive or
 *         awaiting reclaim: no hit counter slot is free).
 */
dfp_status_t dfp_engine_filter_add(struct dfp_engine *eng,
		const struct dfp_engine_filter_spec *spec, uint32_t owner, uint64_t *id_out);

/**
 * Delete a filter by id (FwpmFilterDeleteById0). The filter stays in the
 * published ruleset until the transaction is committed.
 * @return STATUS_SUCCESS, STATUS_FWP_FILTER_NOT_FOUND, STATUS_FWP_NO_TXN_IN_PROGRESS.
 */
dfp_status_t dfp_engine_filter_delete_by_id(struct dfp_engine *eng, uint64_t id);

/** As dfp_engine_filter_delete_by_id(), by key (FwpmFilterDeleteByKey0). */
dfp_status_t dfp_engine_filter_delete_by_key(struct dfp_engine *eng, const struct dfp_guid *key);

/** Snapshot of a filter; STATUS_FWP_FILTER_NOT_FOUND if absent. */
dfp_status_t dfp_engine_filter_get(struct dfp_engine *eng, uint64_t id,
		struct dfp_engine_filter_info *out);

/** Id of the filter with this key or (if key is NULL) this name; STATUS_FWP_FILTER_NOT_FOUND. */
dfp_status_t dfp_engine_filter_lookup(struct dfp_engine *eng, const struct dfp_guid *key,
		const char *name, uint64_t *id_out);

/**
 * Call cb for each filter, in id order; layer_id 0xFFFF = all layers.
 * Stops when cb returns non-zero. The info's conds are valid during cb only.
 */
void dfp_engine_filter_foreach(struct dfp_engine *eng, uint16_t layer_id,
		int (*cb)(void *arg, const struct dfp_engine_filter_info *f), void *arg);

/** Number of filters in the model (all layers). */
uint32_t dfp_engine_filter_count(const struct dfp_engine *eng);

/* ---- Hit counters (see "Hit counters" above) ---- */

/**
 * Create a counter set for one classifying thread: an array of
 * dfp_engine_counters_len() zeroed uint64_t, indexed by hit slot, to be put
 * in that thread's dfp_engine_classify_env.hits. Its pages are backed as
 * they are first written (slots are handed out lowest first), so a set
 * costs memory for the slots in use, not for max_filters.
 *
 * @param eng       the engine.
 * @param hits_out  receives the array; owned by the engine, valid until
 *                  dfp_engine_counters_detach() or dfp_engine_destroy().
 * @return STATUS_SUCCESS, STATUS_INVALID_PARAMETER, STATUS_NO_MEMORY.
 * Control thread; allocates. Unlike the other calls it is MT-safe against
 * every other control-thread call on the engine (an internal mutex guards
 * the list of sets), so a datapath may attach without lib/ctl's lock.
 */
dfp_status_t dfp_engine_counters_attach(struct dfp_engine *eng, uint64_t **hits_out);

/**
 * Give a counter set back. Its counts are kept (added to the engine's
 * totals of detached sets), so a filter's hits do not drop when a
 * datapath is torn down. Accepts NULL hits.
 *
 * @param hits  an array from dfp_engine_counters_attach() that no thread
 *              classifies with any more.
 * Control thread; MT-safe as dfp_engine_counters_attach(). Does not block
 * beyond that mutex.
 */
void dfp_engine_counters_detach(struct dfp_engine *eng, uint64_t *hits);

/** Entries of a counter set: max_filters + 1 (slot 0 is never a filter's). Any thread. */
uint32_t dfp_engine_counters_len(const struct dfp_engine *eng);

/**
 * Delete every object owned by a session (dynamic session close): filters,
 * then callout objects, then sublayers. Needs an open transaction.
 * @return STATUS_SUCCESS, STATUS_FWP_NO_TXN_IN_PROGRESS.
 */
dfp_status_t dfp_engine_delete_owned(struct dfp_engine *eng, uint32_t owner);

/* ---- Classification (any lcore, lock-free) ---- */

/** Result of a callout invocation hook. */
enum dfp_engine_invoke_result {
	DFP_ENGINE_INVOKE_CALLED,        /**< classifyFn ran; `out` holds its output. */
	DFP_ENGINE_INVOKE_UNREGISTERED,  /**< Callout not registered: spec §3.3 fallback. */
	DFP_ENGINE_INVOKE_SKIPPED,       /**< Not invoked (CONDITIONAL_ON_FLOW, no context). */
};

/**
 * Callout invocation hook, filled in by the callout runtime.
 *
 * Runs on the classifying lcore and must not block. `out` arrives with
 * action_type (the pre-fill of spec §3.3), rights and flags set.
 *
 * @param env_ctx   dfp_engine_classify_env.ctx.
 * @param filter    the matching callout filter.
 * @param values    the packet's incoming values.
 * @param pkt_ctx   the per-packet context the caller passed (metadata, flow).
 * @param out       classify output, in/out.
 */
typedef enum dfp_engine_invoke_result (*dfp_engine_invoke_fn)(void *env_ctx,
		const struct dfp_engine_filter_rt *filter, const struct dfp_engine_values *values,
		void *pkt_ctx, struct dfp_classify_out *out);

/** The environment of a classification. */
struct dfp_engine_classify_env {
	dfp_engine_invoke_fn invoke;  /**< Callout hook; NULL = no callout is registered. */
	void *ctx;                    /**< Hook context. */
	uint64_t *hits;               /**< The calling thread's counter set
				       *   (dfp_engine_counters_attach()), written only by
				       *   it; NULL = hits are not counted. */
};

/** Verdict flags. */
#define DFP_ENGINE_VERDICT_F_HARD 0x0001u   /**< Write right cleared (hard decision). */
#define DFP_ENGINE_VERDICT_F_ABSORB 0x0002u /**< Silent drop (ABSORB with BLOCK). */
#define DFP_ENGINE_VERDICT_F_VETO 0x0004u   /**< A callout vetoed a hard permit. */

/** The layer's decision for one packet. */
struct dfp_engine_verdict {
	uint32_t action;     /**< DFP_ACTION_PERMIT, _BLOCK, or _NONE_NO_MATCH (enforce as permit). */
	uint32_t flags;      /**< DFP_ENGINE_VERDICT_F_*. */
	uint64_t filter_id;  /**< Filter whose result decided it; 0 if none. */
	uint32_t hit_slot;   /**< That filter's hit_slot; 0 if none. */
};

/** Most packets per classify call. */
#define DFP_ENGINE_BURST_MAX 64

/**
 * Classify a burst at one layer and arbitrate (spec §3).
 *
 * @param rs       published ruleset (snapshot it once per burst); NULL = empty.
 * @param layer_id layer.
 * @param values   n pointers to incoming values.
 * @param pkt_ctx  n per-packet contexts for the hook, or NULL.
 * @param n        1..DFP_ENGINE_BURST_MAX packets.
 * @param env      callout environment and hit counters, or NULL.
 * @param out      n verdicts.
 * Any lcore, lock-free, no allocation. Callouts run on the calling thread.
 * With env->hits set, adds one to env->hits[hit_slot] for each verdict a
 * filter decided (one thread per counter set).
 */
void dfp_engine_classify_burst(const struct dfp_engine_ruleset *rs, uint16_t layer_id,
		const struct dfp_engine_values *const values[], void *const pkt_ctx[], unsigned int n,
		const struct dfp_engine_classify_env *env, struct dfp_engine_verdict out[]);

/**
 * The compiled classifier alone: for each packet, the first (highest
 * priority) matching filter of each sublayer, ignoring actions. For tests,
 * benchmarks and diagnostics.
 *
 * @param max_sublayers  capacity of each packet's row in out.
 * @param out            n * max_sublayers filter ids, sublayers in weight
 *                       order (heaviest first), 0 where nothing matched.
 * @return number of sublayers with filters at this layer (the row length used).
 * Any lcore, lock-free, no allocation.
 */
unsigned int dfp_engine_match_burst(const struct dfp_engine_ruleset *rs, uint16_t layer_id,
		const struct dfp_engine_values *const values[], unsigned int n,
		unsigned int max_sublayers, uint64_t out[]);

/** Generation number of a ruleset (1 for the first commit). Any thread. */
uint64_t dfp_engine_ruleset_generation(const struct dfp_engine_ruleset *rs);

/**
 * Version of one layer in a ruleset: the generation of the commit that last
 * changed its filters (0 when it has none). Equal versions mean identical
 * filters, so a flow re-authorises only when its ALE layer's version moved.
 * Any thread.
 */
uint64_t dfp_engine_ruleset_layer_version(const struct dfp_engine_ruleset *rs, uint16_t layer_id);

/**
 * What the verdicts at a layer can depend on, for callers that keep a
 * verdict per flow (lib/dp's per-packet layers).
 *
 * @param fields  receives the fields the layer's filter conditions use,
 *                bit (1 << enum dfp_field) each (bit 31: a field outside
 *                enum dfp_field); 0 for a layer without filters.
 * @return true if the layer has filters and none of them is a callout: a
 *         verdict there is then a function of those fields' values alone
 *         (and of the layer's version, dfp_engine_ruleset_layer_version()).
 * Any thread.
 */
bool dfp_engine_ruleset_layer_static(const struct dfp_engine_ruleset *rs, uint16_t layer_id,
		uint32_t *fields);

/** Number of filters at a layer in a ruleset. Any thread. */
uint32_t dfp_engine_ruleset_filter_count(const struct dfp_engine_ruleset *rs, uint16_t layer_id);

/**
 * Evaluate one condition against values (the exact reference semantics used
 * for fall-through and non-compilable filters). Any thread.
 */
bool dfp_engine_cond_match(const struct dfp_engine_cond *c, const struct dfp_engine_values *v,
		unsigned int family);

/** True if all of a filter's conditions hold (same field OR-ed, fields AND-ed). Any thread. */
bool dfp_engine_filter_match(const struct dfp_engine_filter_rt *f,
		const struct dfp_engine_values *v);

#ifdef __cplusplus
}
#endif

#endif /* DFP_ENGINE_H */
