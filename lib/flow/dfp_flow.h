/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Flows and their callout contexts (spec §5, DESIGN §1).
 *
 * Model
 * -----
 * Each worker lcore owns one flow table: a fixed array of entries allocated
 * at start-up. A flow is named by a 64-bit flowId that encodes the owning
 * table, the entry's slot and the slot's generation, so an id whose flow
 * has ended (and whose slot may now hold another flow) never matches again:
 *
 *     flowId = [table: 8 bits][generation: 32 bits][slot: 24 bits], never 0.
 *
 * An entry carries up to DFP_FLOW_MAX_CONTEXTS callout contexts, keyed by
 * (layerId, calloutId), each an opaque non-zero UINT64 (spec §5).
 *
 * Lifecycle
 * ---------
 * Only the owning worker creates and ends flows (dfp_flow_alloc(),
 * dfp_flow_end()). Ending a flow runs the delete hook (the callout's
 * flowDeleteFn) once for each context still associated. A flow's slot is
 * reused only after no other thread holds a reference to it.
 *
 * Contexts may be associated and removed from any thread (workers inside
 * classifyFn, control threads, other workers). Removal runs the delete hook
 * synchronously and returns STATUS_SUCCESS, unless the owning worker is
 * classifying that flow at that moment (between dfp_flow_classify_begin()
 * and dfp_flow_classify_end()): then it returns STATUS_PENDING and the
 * delete hook runs, exactly once, when that classification ends. While a
 * removal is pending the context is no longer delivered to later
 * classifications.
 *
 * Thread-safety
 * -------------
 * The owner's calls (alloc, end, classify_begin/end, context_get) are
 * lock-free and never block. Association and removal may run on any thread;
 * they serialise among themselves per flow with a bounded try-lock on the
 * entry (never taken by the owner's classification path) and never block
 * the owner. Hooks are called without any flow lock held, so a hook may call
 * back into this module.
 *
 * Memory ordering
 * ---------------
 * Each context slot has a state word written with release and read with
 * acquire; a slot's key and value are visible before it reads ACTIVE. The
 * owner's "classifying" mark and a remover's claim of a slot use sequentially
 * consistent operations, so at least one of the two sees the other (a
 * remover either sees the classification and defers, or the classification
 * no longer sees the context).
 */
#ifndef DFP_FLOW_H
#define DFP_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "dfp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dfp_flow;
struct dfp_flow_table;

/** Contexts one flow can carry. */
#define DFP_FLOW_MAX_CONTEXTS 8

/** Most flow tables (workers) in a directory: the id's 8 table bits. */
#define DFP_FLOW_MAX_TABLES 256

/** Largest table capacity: the id's 24 slot bits. */
#define DFP_FLOW_MAX_CAPACITY (1u << 24)

/**
 * Called once for every association that ends (flow end, removal, abort):
 * the callout runtime dispatches it to the callout's flowDeleteFn.
 *
 * @param ctx         dfp_flow_dir_create()'s hook_ctx.
 * @param layer_id    layer of the association.
 * @param callout_id  callout of the association.
 * @param context     the associated value (non-zero).
 * Runs on whichever thread ended the association; must not block.
 */
typedef void (*dfp_flow_delete_fn)(void *ctx, uint16_t layer_id, uint32_t callout_id,
		uint64_t context);

/** All flow tables of the process, so any thread can resolve a flowId. */
struct dfp_flow_dir;

/**
 * Create a directory.
 * @param hook      delete hook (may be NULL in tests).
 * @param hook_ctx  its context.
 * @param out       receives the directory.
 * @return STATUS_SUCCESS, STATUS_NO_MEMORY. Control thread.
 */
dfp_status_t dfp_flow_dir_create(dfp_flow_delete_fn hook, void *hook_ctx,
		struct dfp_flow_dir **out);

/** Free a directory (its tables must be freed first). Accepts NULL. Control thread. */
void dfp_flow_dir_free(struct dfp_flow_dir *dir);

/**
 * Create the flow table of one worker and add it to the directory.
 * @param table_id  0..DFP_FLOW_MAX_TABLES-1, unique (usually the worker index).
 * @param capacity  flows, 1..DFP_FLOW_MAX_CAPACITY.
 * @return STATUS_SUCCESS, STATUS_INVALID_PARAMETER, STATUS_FWP_ALREADY_EXISTS,
 *         STATUS_NO_MEMORY. Control thread; allocates.
 */
dfp_status_t dfp_flow_table_create(struct dfp_flow_dir *dir, unsigned int table_id,
		uint32_t capacity, struct dfp_flow_table **out);

/**
 * Remove a table from its directory and free it. Every flow must have ended.
 * Accepts NULL. Control thread, after the owning worker has stopped.
 */
void dfp_flow_table_free(struct dfp_flow_table *t);

/** Flows in use in a table. Any thread (approximate while the owner runs). */
uint32_t dfp_flow_table_count(const struct dfp_flow_table *t);

/* ---- Owner worker (lock-free, never blocks) ---- */

/**
 * Start a new flow.
 * @param out  receives the entry.
 * @return its flowId, or 0 when the table is full. Owning worker only.
 */
uint64_t dfp_flow_alloc(struct dfp_flow_table *t, struct dfp_flow **out);

/**
 * End a flow: make its id stale, run the delete hook once for every context
 * still associated (pending removals included, once no classification or
 * remover holds the flow), and free the slot when nobody references it.
 * Owning worker only, outside classify_begin/end of this flow.
 */
void dfp_flow_end(struct dfp_flow_table *t, struct dfp_flow *f);

/** The id of a live flow. Any thread holding the entry. */
uint64_t dfp_flow_id(const struct dfp_flow *f);

/**
 * The table (worker) a flowId names: its top 8 bits (see Model). Says
 * nothing about whether the flow is still live. Any thread; pure.
 */
static inline unsigned int
dfp_flow_id_table(uint64_t flow_id)
{
	return (unsigned int)(flow_id >> 56);
}

/**
 * Mark the flow as being classified (callouts may run with its contexts).
 * Owning worker; pairs with dfp_flow_classify_end().
 */
void dfp_flow_classify_begin(struct dfp_flow *f);

/**
 * End the classification; runs the delete hook for removals that became
 * pending meanwhile. Owning worker.
 */
void dfp_flow_classify_end(struct dfp_flow_table *t, struct dfp_flow *f);

/**
 * The context for (layer, callout), or 0 if none (or its removal is
 * pending). Owning worker, inside classify_begin/end. Lock-free.
 */
uint64_t dfp_flow_context_get(const struct dfp_flow *f, uint16_t layer_id, uint32_t callout_id);

/**
 * True if an abort was requested for the flow (dfp_flow_abort()); the owner
 * then ends it. Owning worker.
 */
bool dfp_flow_abort_requested(const struct dfp_flow *f);

/**
 * Entry for a flowId of this table, or NULL if the id is stale or foreign.
 * Owning worker.
 */
struct dfp_flow *dfp_flow_lookup_id(struct dfp_flow_table *t, uint64_t flow_id);

/* ---- Any thread (never blocks the owner) ---- */

/**
 * FwpsFlowAssociateContext0.
 * @return STATUS_SUCCESS; STATUS_INVALID_PARAMETER (context 0, or flow_id
 *         names no live flow); STATUS_OBJECT_NAME_EXISTS (a context for
 *         (layer, callout) is associated, or its removal is pending);
 *         STATUS_INSUFFICIENT_RESOURCES (all DFP_FLOW_MAX_CONTEXTS slots in use).
 * Any thread; lock-free for the owner, never blocks.
 */
dfp_status_t dfp_flow_context_associate(struct dfp_flow_dir *dir, uint64_t flow_id,
		uint16_t layer_id, uint32_t callout_id, uint64_t context);

/**
 * FwpsFlowRemoveContext0.
 * @return STATUS_SUCCESS (the delete hook ran before return);
 *         STATUS_PENDING (the flow is being classified: the hook runs once
 *         that classification ends); STATUS_UNSUCCESSFUL (no such context,
 *         or the flow is gone).
 * Any thread, including inside a classifyFn of that flow (then PENDING).
 */
dfp_status_t dfp_flow_context_remove(struct dfp_flow_dir *dir, uint64_t flow_id,
		uint16_t layer_id, uint32_t callout_id);

/**
 * FwpsFlowAbort0: ask the owning worker to end the flow (its contexts' delete
 * hooks run then).
 * @return STATUS_SUCCESS, STATUS_UNSUCCESSFUL (no such live flow).
 * Any thread.
 */
dfp_status_t dfp_flow_abort(struct dfp_flow_dir *dir, uint64_t flow_id);

/** One association, as listed by dfp_flow_foreach_context(). */
struct dfp_flow_context_info {
	uint64_t flow_id;      /**< Flow. */
	uint16_t layer_id;     /**< Layer. */
	uint32_t callout_id;   /**< Callout. */
	uint64_t context;      /**< Value. */
	bool pending_delete;   /**< Removal pending. */
};

/**
 * Call cb for every association of every live flow (a racy snapshot: flows
 * may start and end meanwhile). Stops when cb returns non-zero.
 * Any thread; cb may call dfp_flow_context_remove().
 */
void dfp_flow_foreach_context(struct dfp_flow_dir *dir,
		int (*cb)(void *arg, const struct dfp_flow_context_info *c), void *arg);

#ifdef __cplusplus
}
#endif

#endif /* DFP_FLOW_H */
