/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow tables and callout contexts (spec §4.4, §5; see dfp_flow.h for the
 * model). This comment is the protocol; the code below follows it.
 *
 * The entry layout (hdr, states) is in flow_private.h.
 *
 * Who runs a removal's hook is decided by the owner's classify depth, not by
 * the entry's reference count: a removal returns STATUS_SUCCESS whenever the
 * owner is not classifying, as dfp_flow.h promises, even while other threads
 * hold transient references (another remover, a stale-id lookup, foreach).
 * References only keep the owner from reusing an entry (interleaving 6).
 *
 * Interleavings
 * -------------
 * 1. Owner classifying vs remover. The remover moves its slot ACTIVE ->
 *    DELETE_PENDING, then does one RMW on hdr that reads depth (and sets
 *    PENDING when depth > 0). classify_begin() is an RMW on hdr too, so the
 *    two are ordered in hdr's modification order: if the remover's RMW comes
 *    first, begin synchronises with it and every context_get() of that
 *    classification sees DELETE_PENDING (returns 0); if begin comes first,
 *    the remover sees depth > 0, returns STATUS_PENDING, and the outermost
 *    classify_end() (an RMW after it) sees PENDING and runs the hook. When
 *    depth was 0 the remover claims DELETE_PENDING -> DELETING itself and
 *    returns STATUS_SUCCESS after the hook; if that claim fails, the owner
 *    claimed it (a classification that began meanwhile ended and scanned)
 *    and the remover returns STATUS_PENDING: the hook ran, or runs, once.
 * 2. Two removers. LOCK serialises them; the second finds no ACTIVE slot for
 *    the key and returns STATUS_UNSUCCESSFUL.
 * 3. Remover vs flow end. Each state change is a CAS, so the slot goes
 *    ACTIVE -> DELETE_PENDING (remover wins: it runs the hook, as the owner
 *    ending a flow is not classifying) or ACTIVE -> DELETING (end wins: the
 *    remover returns STATUS_UNSUCCESSFUL, the flow is gone). Exactly once.
 * 4. Associate vs remove of one key. LOCK serialises them. A slot that is
 *    DELETE_PENDING or DELETING still names its key (OBJECT_NAME_EXISTS)
 *    until its hook has returned and the slot is FREE.
 * 5. Associate vs flow end (store-buffering, hence seq_cst on all four):
 *    the associater publishes ACTIVE then reads gen; the owner bumps gen
 *    then claims every ACTIVE slot. At least one sees the other. If the
 *    associater sees the new gen, it tries ACTIVE -> FREE: success means the
 *    owner never saw the slot (STATUS_INVALID_PARAMETER, no hook); failure
 *    means the owner claimed it and runs the hook (STATUS_SUCCESS: the
 *    association existed and ended with the flow).
 * 6. Stale ids vs slot reuse. A thread takes a reference with one fetch_add
 *    on hdr and checks the returned gen against the id's, atomically; on a
 *    mismatch it drops the reference having touched nothing else. The owner
 *    reuses an entry only after reading refs == 0 (acquire, pairing with
 *    the holders' release fetch_sub), after its end bumped gen: any later
 *    fetch_add returns the new gen and backs off. Ended entries still held
 *    go to an owner-side retire ring, recycled by flow_take() (alloc and
 *    insert). Without this, a remover that checked gen could meet the
 *    slot's next flow and remove that flow's context; nor could foreach
 *    copy a key and counters (table.c) that stay put while it holds them.
 * 7. Abort: a CAS on hdr sets ABORT only if gen still matches; end clears it
 *    after its gen bump, so it never leaks into the slot's next flow.
 * 8. Hooks and the lock. Every hook is run, with no lock held, by the thread
 *    whose CAS moved its slot to DELETING; the slot turns FREE (release)
 *    only after the hook returned, so a SUCCESS removal's key is free again
 *    at once and a PENDING one's stays taken until its hook has run.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_debug.h>
#include <rte_pause.h>

#include "dfp_log.h"
#include "dfp_flow.h"
#include "dfp_flow_table.h"
#include "flow_private.h"

DFP_LOG_REGISTER(flow);

/* Retired entries examined per dfp_flow_alloc() (all of them when none is free). */
#define FLOW_RECLAIM_BATCH 2

/*
 * Move every slot of `which` that is in state `from` to `to`, in one CAS;
 * returns the slots moved. `mo` orders the successful CAS; the loads it
 * decides on use the same order (seq_cst at flow end, where "no ACTIVE slot"
 * is half of the store-buffering pair of interleaving 5) or acquire.
 */
static uint32_t
slots_move(struct dfp_flow *f, uint32_t which, unsigned int from, unsigned int to, int mo)
{
	int lmo = mo == __ATOMIC_SEQ_CST ? __ATOMIC_SEQ_CST : __ATOMIC_ACQUIRE;
	uint32_t old = __atomic_load_n(&f->states, lmo);
	uint32_t moved;
	unsigned int i;
	uint32_t nw;

	do {
		moved = 0;
		nw = old;
		for (i = 0; i < DFP_FLOW_MAX_CONTEXTS; i++) {
			if ((which & (1u << i)) == 0 || flow_slot_state(old, i) != from)
				continue;
			moved |= 1u << i;
			nw &= ~(FLOW_SLOT_MASK << (i * FLOW_SLOT_BITS));
			nw |= to << (i * FLOW_SLOT_BITS);
		}
		if (moved == 0)
			return 0;
	} while (!__atomic_compare_exchange_n(&f->states, &old, nw, true, mo, lmo));
	return moved;
}

/*
 * Run the hook of every slot in `claimed` (each DELETING, claimed by this
 * thread), then free the slot. Release on the free: our reads of key and
 * value happen before an associater (acquire) reuses the slot.
 */
static void
slots_finish(const struct dfp_flow_dir *dir, struct dfp_flow *f, uint32_t claimed)
{
	unsigned int i;

	for (i = 0; i < DFP_FLOW_MAX_CONTEXTS; i++) {
		if ((claimed & (1u << i)) == 0)
			continue;
		if (dir->hook != NULL)
			dir->hook(dir->hook_ctx, f->layer_ids[i], f->callout_ids[i], f->values[i]);
		__atomic_fetch_and(&f->states, ~(FLOW_SLOT_MASK << (i * FLOW_SLOT_BITS)), __ATOMIC_RELEASE);
	}
}

/* The entry an id names, without a reference or a generation check. */
static struct dfp_flow *
flow_resolve(struct dfp_flow_dir *dir, uint64_t flow_id)
{
	uint32_t slot = flow_id & (DFP_FLOW_MAX_CAPACITY - 1);
	struct dfp_flow_table *t;

	if (dir == NULL || (flow_id_gen(flow_id) & 1) == 0)
		return NULL;
	/* Acquire: pairs with the release publish in dfp_flow_table_create(). */
	t = __atomic_load_n(&dir->tables[flow_id >> FLOW_ID_TABLE_SHIFT], __ATOMIC_ACQUIRE);
	if (t == NULL || slot >= t->capacity)
		return NULL;
	return &t->entries[slot];
}

/*
 * Take a reference on the live flow flow_id names, or return NULL
 * (interleaving 6). Acquire: the flow's alloc (release gen bump) and every
 * earlier holder's release happen before our use of the entry.
 */
struct dfp_flow *
flow_ref(struct dfp_flow_dir *dir, uint64_t flow_id)
{
	struct dfp_flow *f = flow_resolve(dir, flow_id);
	uint64_t old;

	if (f == NULL)
		return NULL;
	old = __atomic_fetch_add(&f->hdr, 1, __ATOMIC_ACQUIRE);
	if (flow_hdr_gen(old) != flow_id_gen(flow_id)) {
		__atomic_fetch_sub(&f->hdr, 1, __ATOMIC_RELEASE);
		return NULL;
	}
	return f;
}

/* Release: our accesses happen before the owner's reuse (acquire refs == 0). */
void
flow_unref(struct dfp_flow *f)
{
	__atomic_fetch_sub(&f->hdr, 1, __ATOMIC_RELEASE);
}

/*
 * Mutators' lock (never the owner's). Bounded: holders only read slots and
 * write one key, never call out. Acquire/release order the key fields.
 */
static void
flow_lock(struct dfp_flow *f)
{
	while (__atomic_fetch_or(&f->hdr, FLOW_HDR_LOCK, __ATOMIC_ACQUIRE) & FLOW_HDR_LOCK)
		while (__atomic_load_n(&f->hdr, __ATOMIC_RELAXED) & FLOW_HDR_LOCK)
			rte_pause();
}

static inline void
flow_unlock(struct dfp_flow *f)
{
	__atomic_fetch_and(&f->hdr, ~FLOW_HDR_LOCK, __ATOMIC_RELEASE);
}

/* Slot holding (layer, callout) in a state of `mask` (bit per state), or -1. */
static int
slot_find(const struct dfp_flow *f, uint32_t states, unsigned int mask, uint16_t layer_id,
		uint32_t callout_id)
{
	unsigned int i;

	for (i = 0; i < DFP_FLOW_MAX_CONTEXTS; i++)
		if ((mask & (1u << flow_slot_state(states, i))) != 0 &&
				f->callout_ids[i] == callout_id && f->layer_ids[i] == layer_id)
			return (int)i;
	return -1;
}

/* ---- Directory and tables (control thread) ---- */

dfp_status_t
dfp_flow_dir_create(dfp_flow_delete_fn hook, void *hook_ctx, struct dfp_flow_dir **out)
{
	struct dfp_flow_dir *dir;

	if (out == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	dir = calloc(1, sizeof(*dir));
	if (dir == NULL)
		return DFP_STATUS_NO_MEMORY;
	dir->hook = hook;
	dir->hook_ctx = hook_ctx;
	*out = dir;
	return DFP_STATUS_SUCCESS;
}

void
dfp_flow_dir_free(struct dfp_flow_dir *dir)
{
	free(dir);
}

static void
table_release(struct dfp_flow_table *t)
{
	flow_table_hash_free(t);
	free(t->entries);
	free(t->free_slots);
	free(t->retired);
	free(t);
}

dfp_status_t
dfp_flow_table_create(struct dfp_flow_dir *dir, unsigned int table_id, uint32_t capacity,
		struct dfp_flow_table **out)
{
	struct dfp_flow_table *expected = NULL;
	struct dfp_flow_table *t;
	uint32_t i;

	if (dir == NULL || out == NULL || table_id >= DFP_FLOW_MAX_TABLES || capacity == 0 ||
			capacity > DFP_FLOW_MAX_CAPACITY)
		return DFP_STATUS_INVALID_PARAMETER;
	if (__atomic_load_n(&dir->tables[table_id], __ATOMIC_ACQUIRE) != NULL)
		return DFP_STATUS_FWP_ALREADY_EXISTS;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto out_no_memory;
	t->entries = aligned_alloc(RTE_CACHE_LINE_SIZE, (size_t)capacity * sizeof(*t->entries));
	t->free_slots = malloc((size_t)capacity * sizeof(*t->free_slots));
	t->retired = malloc((size_t)capacity * sizeof(*t->retired));
	if (t->entries == NULL || t->free_slots == NULL || t->retired == NULL)
		goto out_free_table;
	memset(t->entries, 0, (size_t)capacity * sizeof(*t->entries));
	t->dir = dir;
	t->capacity = capacity;
	t->table_id = table_id;
	for (i = 0; i < capacity; i++) {
		t->entries[i].where = (uint32_t)table_id << FLOW_ID_SLOT_BITS | i;
		/* Stack: slot 0 comes out first. */
		t->free_slots[i] = capacity - 1 - i;
	}
	t->n_free = capacity;
	/* Release: the initialised table before any thread can resolve ids into it. */
	if (!__atomic_compare_exchange_n(&dir->tables[table_id], &expected, t, false,
			__ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
		table_release(t);
		return DFP_STATUS_FWP_ALREADY_EXISTS;
	}
	*out = t;
	return DFP_STATUS_SUCCESS;

out_free_table:
	table_release(t);
out_no_memory:
	DFP_LOG(flow, ERR, "table %u: no memory for %u flows", table_id, capacity);
	return DFP_STATUS_NO_MEMORY;
}

void
dfp_flow_table_free(struct dfp_flow_table *t)
{
	if (t == NULL)
		return;
	if (dfp_flow_table_count(t) != 0)
		DFP_LOG(flow, WARNING, "table %u freed with %u live flows", t->table_id,
				dfp_flow_table_count(t));
	__atomic_store_n(&t->dir->tables[t->table_id], NULL, __ATOMIC_RELEASE);
	table_release(t);
}

uint32_t
dfp_flow_table_count(const struct dfp_flow_table *t)
{
	if (t == NULL)
		return 0;
	/* Relaxed: a statistic, no data is read on its strength. */
	return __atomic_load_n(&t->n_live, __ATOMIC_RELAXED);
}

/* ---- Owner worker ---- */

/* Free an ended entry if nobody references it, else retire it (owner). */
static void
table_recycle(struct dfp_flow_table *t, uint32_t slot)
{
	const struct dfp_flow *f = &t->entries[slot];
	uint32_t tail;

	/* Acquire: pairs with the holders' release unref (interleaving 6). */
	if ((__atomic_load_n(&f->hdr, __ATOMIC_ACQUIRE) & FLOW_HDR_REFS_MASK) == 0) {
		RTE_ASSERT(__atomic_load_n(&f->states, __ATOMIC_RELAXED) == 0);
		t->free_slots[t->n_free++] = slot;
		return;
	}
	tail = t->retire_head + t->n_retired;
	t->retired[tail >= t->capacity ? tail - t->capacity : tail] = slot;
	t->n_retired++;
}

/* Recycle up to `budget` retired entries, oldest first. */
static void
table_reclaim(struct dfp_flow_table *t, uint32_t budget)
{
	uint32_t slot;

	while (budget-- > 0 && t->n_retired > 0) {
		slot = t->retired[t->retire_head];
		t->retire_head = t->retire_head + 1 == t->capacity ? 0 : t->retire_head + 1;
		t->n_retired--;
		table_recycle(t, slot);
	}
}

struct dfp_flow *
flow_take(struct dfp_flow_table *t)
{
	table_reclaim(t, FLOW_RECLAIM_BATCH);
	if (unlikely(t->n_free == 0)) {
		table_reclaim(t, t->n_retired);
		if (t->n_free == 0)
			return NULL;
	}
	return &t->entries[t->free_slots[--t->n_free]];
}

void
flow_untake(struct dfp_flow_table *t, struct dfp_flow *f)
{
	t->free_slots[t->n_free++] = f->where & (DFP_FLOW_MAX_CAPACITY - 1);
}

uint64_t
flow_publish(struct dfp_flow_table *t, struct dfp_flow *f)
{
	uint64_t old;

	/*
	 * gen becomes odd: the flow is live. Release: a thread whose reference
	 * returns this gen (acquire) sees the entry as it is now (slots FREE,
	 * ABORT clear, key and state initialised).
	 */
	old = __atomic_fetch_add(&f->hdr, FLOW_HDR_GEN_ONE, __ATOMIC_RELEASE);
	__atomic_store_n(&t->n_live, t->n_live + 1, __ATOMIC_RELAXED);
	return flow_make_id(f->where, flow_hdr_gen(old) + 1);
}

uint64_t
dfp_flow_alloc(struct dfp_flow_table *t, struct dfp_flow **out)
{
	struct dfp_flow *f = flow_take(t);

	if (out != NULL)
		*out = f;
	if (f == NULL)
		return 0;
	/* No key (family 0: not in the hash) and a zeroed state, as after insert. */
	memset(&f->key, 0, sizeof(f->key));
	memset(&f->state, 0, sizeof(f->state));
	return flow_publish(t, f);
}

void
dfp_flow_end(struct dfp_flow_table *t, struct dfp_flow *f)
{
	uint32_t claimed;

	/* New packets of the key make a new flow from now on. */
	flow_key_remove(t, f);
	/* Its hold queue returns to the pool (the datapath emptied it in on_end). */
	dfp_flow_hold_release(t, &f->state);
	/*
	 * The id goes stale first. Seq_cst: store-buffering pair with an
	 * associater's publish-then-check (interleaving 5).
	 */
	__atomic_fetch_add(&f->hdr, FLOW_HDR_GEN_ONE, __ATOMIC_SEQ_CST);
	/* Nobody can set ABORT for the new (even) gen: relaxed. */
	__atomic_fetch_and(&f->hdr, ~FLOW_HDR_ABORT, __ATOMIC_RELAXED);
	/*
	 * Claim every ACTIVE slot. DELETE_PENDING slots belong to a remover
	 * that saw no classification (it runs the hook) or were run by the
	 * classify_end() that preceded this call.
	 */
	claimed = slots_move(f, FLOW_SLOTS_ALL, FLOW_SLOT_ACTIVE, FLOW_SLOT_DELETING, __ATOMIC_SEQ_CST);
	slots_finish(t->dir, f, claimed);
	__atomic_store_n(&t->n_live, t->n_live - 1, __ATOMIC_RELAXED);
	table_recycle(t, f->where & (DFP_FLOW_MAX_CAPACITY - 1));
}

uint64_t
dfp_flow_id(const struct dfp_flow *f)
{
	/* Relaxed: the owner wrote gen; other holders read it with acquire already. */
	return flow_make_id(f->where, flow_hdr_gen(__atomic_load_n(&f->hdr, __ATOMIC_RELAXED)));
}

void
dfp_flow_classify_begin(struct dfp_flow *f)
{
	/*
	 * An RMW on hdr, ordered against each remover's RMW on hdr
	 * (interleaving 1): either the remover sees depth > 0, or this
	 * synchronises with it and context_get() sees DELETE_PENDING.
	 */
	__atomic_fetch_add(&f->hdr, FLOW_HDR_DEPTH_ONE, __ATOMIC_SEQ_CST);
}

void
dfp_flow_classify_end(struct dfp_flow_table *t, struct dfp_flow *f)
{
	uint32_t claimed;
	uint64_t old;

	/* Seq_cst RMW: sees PENDING of every remover that saw depth > 0. */
	old = __atomic_fetch_sub(&f->hdr, FLOW_HDR_DEPTH_ONE, __ATOMIC_SEQ_CST);
	if (likely((old & FLOW_HDR_PENDING) == 0) || (old & FLOW_HDR_DEPTH_MASK) != FLOW_HDR_DEPTH_ONE)
		return;
	/* Removers that come now see depth 0 and never set it: relaxed. */
	__atomic_fetch_and(&f->hdr, ~FLOW_HDR_PENDING, __ATOMIC_RELAXED);
	claimed = slots_move(f, FLOW_SLOTS_ALL, FLOW_SLOT_DELETE_PENDING, FLOW_SLOT_DELETING,
			__ATOMIC_ACQUIRE);
	slots_finish(t->dir, f, claimed);
}

uint64_t
dfp_flow_context_get(const struct dfp_flow *f, uint16_t layer_id, uint32_t callout_id)
{
	/* Acquire: pairs with the associater's release publish of key and value. */
	uint32_t states = __atomic_load_n(&f->states, __ATOMIC_ACQUIRE);
	int i;

	if (states == 0)
		return 0;
	i = slot_find(f, states, 1u << FLOW_SLOT_ACTIVE, layer_id, callout_id);
	return i < 0 ? 0 : f->values[i];
}

bool
dfp_flow_abort_requested(const struct dfp_flow *f)
{
	/* Acquire: pairs with the release CAS in dfp_flow_abort(). */
	return (__atomic_load_n(&f->hdr, __ATOMIC_ACQUIRE) & FLOW_HDR_ABORT) != 0;
}

struct dfp_flow *
dfp_flow_lookup_id(struct dfp_flow_table *t, uint64_t flow_id)
{
	uint32_t slot = flow_id & (DFP_FLOW_MAX_CAPACITY - 1);
	struct dfp_flow *f;

	if ((flow_id >> FLOW_ID_TABLE_SHIFT) != t->table_id || slot >= t->capacity ||
			(flow_id_gen(flow_id) & 1) == 0)
		return NULL;
	f = &t->entries[slot];
	/* Relaxed: only the owner (the caller) changes gen. */
	if (flow_hdr_gen(__atomic_load_n(&f->hdr, __ATOMIC_RELAXED)) != flow_id_gen(flow_id))
		return NULL;
	return f;
}

/* ---- Any thread ---- */

dfp_status_t
dfp_flow_context_associate(struct dfp_flow_dir *dir, uint64_t flow_id, uint16_t layer_id,
		uint32_t callout_id, uint64_t context)
{
	unsigned int busy = 1u << FLOW_SLOT_ACTIVE | 1u << FLOW_SLOT_DELETE_PENDING |
			1u << FLOW_SLOT_DELETING;
	dfp_status_t st = DFP_STATUS_SUCCESS;
	struct dfp_flow *f;
	uint32_t states;
	unsigned int i;

	if (context == 0)
		return DFP_STATUS_INVALID_PARAMETER;
	f = flow_ref(dir, flow_id);
	if (f == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	flow_lock(f);
	/*
	 * Acquire: a slot a hook runner freed (release) is ours to rewrite.
	 * Slots read FREE stay FREE: only LOCK holders leave FREE.
	 */
	states = __atomic_load_n(&f->states, __ATOMIC_ACQUIRE);
	if (slot_find(f, states, busy, layer_id, callout_id) >= 0) {
		st = DFP_STATUS_OBJECT_NAME_EXISTS;
		goto out_unlock;
	}
	for (i = 0; i < DFP_FLOW_MAX_CONTEXTS; i++)
		if (flow_slot_state(states, i) == FLOW_SLOT_FREE)
			break;
	if (i == DFP_FLOW_MAX_CONTEXTS) {
		st = DFP_STATUS_INSUFFICIENT_RESOURCES;
		goto out_unlock;
	}
	f->layer_ids[i] = layer_id;
	f->callout_ids[i] = callout_id;
	f->values[i] = context;
	/*
	 * Publish FREE -> ACTIVE (release: key and value first), then re-check
	 * gen. Both seq_cst: store-buffering pair with dfp_flow_end()
	 * (interleaving 5).
	 */
	__atomic_fetch_or(&f->states, (uint32_t)FLOW_SLOT_ACTIVE << (i * FLOW_SLOT_BITS),
			__ATOMIC_SEQ_CST);
	if (flow_hdr_gen(__atomic_load_n(&f->hdr, __ATOMIC_SEQ_CST)) != flow_id_gen(flow_id) &&
			slots_move(f, 1u << i, FLOW_SLOT_ACTIVE, FLOW_SLOT_FREE, __ATOMIC_ACQ_REL) != 0)
		st = DFP_STATUS_INVALID_PARAMETER;
out_unlock:
	flow_unlock(f);
	flow_unref(f);
	return st;
}

/*
 * Note a pending removal if the owner is classifying, and drop LOCK, in one
 * RMW on hdr (interleaving 1). Returns true if the owner was classifying.
 */
static bool
hdr_defer_and_unlock(struct dfp_flow *f)
{
	uint64_t old = __atomic_load_n(&f->hdr, __ATOMIC_RELAXED);
	uint64_t nw;

	do {
		nw = old & ~FLOW_HDR_LOCK;
		if ((old & FLOW_HDR_DEPTH_MASK) != 0)
			nw |= FLOW_HDR_PENDING;
	} while (!__atomic_compare_exchange_n(&f->hdr, &old, nw, true, __ATOMIC_SEQ_CST,
			__ATOMIC_RELAXED));
	return (old & FLOW_HDR_DEPTH_MASK) != 0;
}

dfp_status_t
dfp_flow_context_remove(struct dfp_flow_dir *dir, uint64_t flow_id, uint16_t layer_id,
		uint32_t callout_id)
{
	dfp_status_t st = DFP_STATUS_PENDING;
	struct dfp_flow *f;
	uint32_t states;
	int i;

	f = flow_ref(dir, flow_id);
	if (f == NULL)
		return DFP_STATUS_UNSUCCESSFUL;
	flow_lock(f);
	states = __atomic_load_n(&f->states, __ATOMIC_ACQUIRE);
	i = slot_find(f, states, 1u << FLOW_SLOT_ACTIVE, layer_id, callout_id);
	/*
	 * Seq_cst claim, sequenced before the hdr RMW below that reads depth
	 * (interleaving 1). Failing means the flow's end claimed it (3).
	 */
	if (i < 0 || slots_move(f, 1u << i, FLOW_SLOT_ACTIVE, FLOW_SLOT_DELETE_PENDING,
			__ATOMIC_SEQ_CST) == 0) {
		flow_unlock(f);
		flow_unref(f);
		return DFP_STATUS_UNSUCCESSFUL;
	}
	if (!hdr_defer_and_unlock(f) && slots_move(f, 1u << i, FLOW_SLOT_DELETE_PENDING,
			FLOW_SLOT_DELETING, __ATOMIC_ACQUIRE) != 0) {
		slots_finish(dir, f, 1u << i);
		st = DFP_STATUS_SUCCESS;
	}
	flow_unref(f);
	return st;
}

dfp_status_t
dfp_flow_abort(struct dfp_flow_dir *dir, uint64_t flow_id)
{
	struct dfp_flow *f = flow_resolve(dir, flow_id);
	uint64_t old;

	if (f == NULL)
		return DFP_STATUS_UNSUCCESSFUL;
	old = __atomic_load_n(&f->hdr, __ATOMIC_RELAXED);
	/* The gen check and the flag are one CAS (interleaving 7). */
	do {
		if (flow_hdr_gen(old) != flow_id_gen(flow_id))
			return DFP_STATUS_UNSUCCESSFUL;
	} while (!__atomic_compare_exchange_n(&f->hdr, &old, old | FLOW_HDR_ABORT, true,
			__ATOMIC_RELEASE, __ATOMIC_RELAXED));
	return DFP_STATUS_SUCCESS;
}

unsigned int
flow_contexts_copy(struct dfp_flow *f, uint64_t id, struct dfp_flow_context_info *infos)
{
	unsigned int i, n = 0;
	uint32_t states;

	/* LOCK: no associater rewrites a key while we copy it. */
	flow_lock(f);
	states = __atomic_load_n(&f->states, __ATOMIC_ACQUIRE);
	for (i = 0; i < DFP_FLOW_MAX_CONTEXTS; i++) {
		unsigned int s = flow_slot_state(states, i);

		if (s != FLOW_SLOT_ACTIVE && s != FLOW_SLOT_DELETE_PENDING)
			continue;
		infos[n].flow_id = id;
		infos[n].layer_id = f->layer_ids[i];
		infos[n].callout_id = f->callout_ids[i];
		infos[n].context = f->values[i];
		infos[n].pending_delete = s == FLOW_SLOT_DELETE_PENDING;
		n++;
	}
	flow_unlock(f);
	return n;
}

/* List one entry's associations through cb, holding a reference; stop on non-zero. */
static int
foreach_entry(struct dfp_flow_dir *dir, struct dfp_flow *f,
		int (*cb)(void *arg, const struct dfp_flow_context_info *c), void *arg)
{
	struct dfp_flow_context_info infos[DFP_FLOW_MAX_CONTEXTS];
	unsigned int i, n;
	uint64_t id;
	int rc = 0;

	id = flow_make_id(f->where, flow_hdr_gen(__atomic_load_n(&f->hdr, __ATOMIC_RELAXED)));
	if ((flow_id_gen(id) & 1) == 0 || flow_ref(dir, id) == NULL)
		return 0;
	n = flow_contexts_copy(f, id, infos);
	for (i = 0; i < n && rc == 0; i++)
		rc = cb(arg, &infos[i]);
	flow_unref(f);
	return rc;
}

void
dfp_flow_foreach_context(struct dfp_flow_dir *dir,
		int (*cb)(void *arg, const struct dfp_flow_context_info *c), void *arg)
{
	struct dfp_flow_table *t;
	unsigned int tid;
	uint32_t slot;

	if (dir == NULL || cb == NULL)
		return;
	for (tid = 0; tid < DFP_FLOW_MAX_TABLES; tid++) {
		t = __atomic_load_n(&dir->tables[tid], __ATOMIC_ACQUIRE);
		if (t == NULL)
			continue;
		for (slot = 0; slot < t->capacity; slot++) {
			/* Relaxed peek: skip entries without contexts untouched. */
			if (__atomic_load_n(&t->entries[slot].states, __ATOMIC_RELAXED) == 0)
				continue;
			if (foreach_entry(dir, &t->entries[slot], cb, arg) != 0)
				return;
		}
	}
}
