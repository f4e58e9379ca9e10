/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow module internals: the entry layout shared by the files of lib/flow.
 * The protocol that reads and writes these words is described at the top of
 * flow.c.
 *
 * hdr (64 bits; every change is an atomic RMW, so each continues the release
 * sequence of the ones before it):
 *   bits  0-23 refs     other threads holding the entry (associate, remove,
 *                       foreach); the owner never reuses an entry with refs
 *   bits 24-27 depth    open classify_begin() brackets (owner only)
 *   bit  28    PENDING  a remover left its hook to the outermost open
 *                       classification's end
 *   bit  29    ABORT    dfp_flow_abort() was called for this generation
 *   bit  30    LOCK     mutators' lock (associate, remove, foreach)
 *   bits 32-63 gen      odd while a flow lives (its id carries it), even once
 *                       it ended; bumped by the owner at alloc and at end
 * states (32 bits): four bits per context slot, FREE -> ACTIVE ->
 * DELETE_PENDING -> DELETING -> FREE, or ACTIVE -> DELETING at flow end.
 * A slot's key and value are plain fields, written only by an associater
 * holding LOCK while the slot is FREE and published by its FREE -> ACTIVE
 * RMW (release); every reader first reads the slot non-FREE with acquire.
 */
#ifndef DFP_FLOW_PRIVATE_H
#define DFP_FLOW_PRIVATE_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include "dfp_flow.h"
#include "dfp_flow_table.h"
#include "dfp_log.h"

DFP_LOG_DECLARE(flow);

struct rte_hash;

#define FLOW_HDR_REFS_MASK UINT64_C(0x0000000000ffffff)
#define FLOW_HDR_DEPTH_ONE (UINT64_C(1) << 24)
#define FLOW_HDR_DEPTH_MASK (UINT64_C(0xf) << 24)
#define FLOW_HDR_PENDING (UINT64_C(1) << 28)
#define FLOW_HDR_ABORT (UINT64_C(1) << 29)
#define FLOW_HDR_LOCK (UINT64_C(1) << 30)
#define FLOW_HDR_GEN_SHIFT 32
#define FLOW_HDR_GEN_ONE (UINT64_C(1) << FLOW_HDR_GEN_SHIFT)

/* flowId = [table: 8][generation: 32][slot: 24] (dfp_flow.h). */
#define FLOW_ID_SLOT_BITS 24
#define FLOW_ID_TABLE_SHIFT 56

#define FLOW_SLOT_BITS 4u
#define FLOW_SLOT_MASK 0xfu
#define FLOW_SLOTS_ALL ((1u << DFP_FLOW_MAX_CONTEXTS) - 1)

/** State of one context slot (FLOW_SLOT_BITS of struct dfp_flow.states). */
enum flow_slot_state {
	FLOW_SLOT_FREE = 0,           /**< Unused: key and value belong to LOCK holders. */
	FLOW_SLOT_ACTIVE = 1,         /**< Associated, delivered to classifications. */
	FLOW_SLOT_DELETE_PENDING = 2, /**< Removed; hook not claimed yet. */
	FLOW_SLOT_DELETING = 3,       /**< Hook claimed by one thread, running. */
};

/**
 * A flow table entry: two cache lines of ids and contexts, then the
 * packet-facing part (table.c).
 */
struct dfp_flow {
	/* Hot: everything classify_begin/end and context_get touch but a hit's value. */
	uint64_t hdr;      /**< refs, depth, flags, gen: RMW only, orders per use. */
	uint32_t states;   /**< Slot states: RMW, writers release, readers acquire. */
	uint32_t where;    /**< table id << 24 | slot: constant, set before publication. */
	uint16_t layer_ids[DFP_FLOW_MAX_CONTEXTS];   /**< Keys: see states. */
	uint32_t callout_ids[DFP_FLOW_MAX_CONTEXTS]; /**< Keys: see states. */
	/* Read on a hit and by hook runners. */
	uint64_t values[DFP_FLOW_MAX_CONTEXTS];      /**< Contexts: see states. */
	/*
	 * Packet-facing (dfp_flow_table.h). Written by the owner before the
	 * flow's publication (alloc/insert) and, for state, while it lives
	 * (phase and counters with relaxed stores); read by reference holders
	 * (foreach/get), so rewritten only once refs is 0 (interleaving 6).
	 */
	struct dfp_flow_state state; /**< Datapath state; the per-packet fields lead. */
	struct dfp_flow_key key;     /**< Key; family 0 = not in the hash (dfp_flow_alloc()). */
} __rte_cache_aligned;

static_assert(offsetof(struct dfp_flow, values) == RTE_CACHE_LINE_SIZE,
		"the hot fields fill exactly the first cache line");
static_assert(offsetof(struct dfp_flow, state) == 2 * RTE_CACHE_LINE_SIZE,
		"the datapath state starts on its own cache line");
static_assert(DFP_FLOW_MAX_CONTEXTS * FLOW_SLOT_BITS <= 32, "slot states fit one word");
static_assert(DFP_FLOW_MAX_TABLES == 256 && DFP_FLOW_MAX_CAPACITY == 1u << FLOW_ID_SLOT_BITS,
		"the id layout");
static_assert(FLOW_ID_TABLE_SHIFT == 56, "dfp_flow_id_table() reads the id's top 8 bits");
static_assert(sizeof(struct dfp_flow) == 5 * RTE_CACHE_LINE_SIZE,
		"an entry is five cache lines: ids and contexts, then state (with the "
		"kept verdicts) and key");

/** One worker's flow table. */
struct dfp_flow_table {
	struct dfp_flow *entries;   /**< capacity entries; constant. */
	struct dfp_flow_dir *dir;   /**< Directory (delete hook); constant. */
	uint32_t capacity;          /**< Entries; constant. */
	uint32_t table_id;          /**< Index in dir->tables; constant. */
	uint32_t n_live;            /**< Live flows: owner stores, anyone loads (relaxed). */
	/* Owner only, plain. */
	uint32_t n_free;            /**< Entries on the free stack. */
	uint32_t n_retired;         /**< Ended entries still referenced. */
	uint32_t retire_head;       /**< Oldest entry of the retired ring. */
	uint32_t *free_slots;       /**< Free stack (capacity). */
	uint32_t *retired;          /**< Retire ring (capacity). */
	/* Packet-facing (table.c): set by configure, then owner only. */
	struct rte_hash *hash;      /**< Key -> slot; NULL until configured. */
	uint64_t idle_timeout_tsc;  /**< Aging threshold; 0 = never. */
	uint32_t hold_max;          /**< Held packets per flow. */
	uint32_t hold_queues;       /**< Queues in the pool; constant once configured. */
	uint32_t n_hold_free;       /**< Queues on the free stack. */
	uint32_t *hold_free;        /**< Free stack of queue indexes. */
	void **hold_pool;           /**< hold_queues x DFP_FLOW_HOLD_MAX pointers. */
	uint32_t age_cursor;        /**< Next entry dfp_flow_age() examines. */
};

/** All tables of the process. */
struct dfp_flow_dir {
	/** Tables by id: control stores with release, any thread loads with acquire. */
	struct dfp_flow_table *tables[DFP_FLOW_MAX_TABLES];
	dfp_flow_delete_fn hook;    /**< Delete hook (may be NULL); constant. */
	void *hook_ctx;             /**< Its context; constant. */
};

/** State of slot i in a states word. */
static inline unsigned int
flow_slot_state(uint32_t states, unsigned int i)
{
	return (states >> (i * FLOW_SLOT_BITS)) & FLOW_SLOT_MASK;
}

/** Generation in a hdr word. */
static inline uint32_t
flow_hdr_gen(uint64_t hdr)
{
	return (uint32_t)(hdr >> FLOW_HDR_GEN_SHIFT);
}

/** Generation in a flowId. */
static inline uint32_t
flow_id_gen(uint64_t flow_id)
{
	return (uint32_t)(flow_id >> FLOW_ID_SLOT_BITS);
}

/** The flowId of an entry (where) at a generation. */
static inline uint64_t
flow_make_id(uint32_t where, uint32_t gen)
{
	return ((uint64_t)(where >> FLOW_ID_SLOT_BITS) << FLOW_ID_TABLE_SHIFT) |
			((uint64_t)gen << FLOW_ID_SLOT_BITS) | (where & (DFP_FLOW_MAX_CAPACITY - 1));
}

/* ---- Shared between flow.c and table.c ---- */

/*
 * Owner: pop a free entry (recycling retired ones) without publishing it,
 * or NULL when none is free. The caller initialises it, then publishes it
 * with flow_publish() or gives it back with flow_untake().
 */
struct dfp_flow *flow_take(struct dfp_flow_table *t);

/* Owner: return an entry flow_take() gave and that was never published. */
void flow_untake(struct dfp_flow_table *t, struct dfp_flow *f);

/* Owner: make a taken entry a live flow (gen odd); returns its flowId. */
uint64_t flow_publish(struct dfp_flow_table *t, struct dfp_flow *f);

/* Any thread: a reference on the live flow flow_id names, or NULL. */
struct dfp_flow *flow_ref(struct dfp_flow_dir *dir, uint64_t flow_id);

/* Any thread: drop a flow_ref() reference. */
void flow_unref(struct dfp_flow *f);

/*
 * Any thread holding a reference: copy the flow's associations (ACTIVE and
 * DELETE_PENDING) into infos (DFP_FLOW_MAX_CONTEXTS); returns how many.
 */
unsigned int flow_contexts_copy(struct dfp_flow *f, uint64_t flow_id,
		struct dfp_flow_context_info *infos);

/* Owner, from dfp_flow_end(): remove the flow's key from the hash, if it has one. */
void flow_key_remove(struct dfp_flow_table *t, const struct dfp_flow *f);

/* Control, from table teardown: free the hash (accepts an unconfigured table). */
void flow_table_hash_free(struct dfp_flow_table *t);

#endif /* DFP_FLOW_PRIVATE_H */
