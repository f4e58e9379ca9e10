/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classify handles (FwpsAcquire/Pend/Complete/ReleaseClassify, spec §6.3)
 * and the per-worker completion rings.
 *
 * A handle is (generation << 32) | (index + 1) into a fixed table. Each
 * entry has one 64-bit atomic word holding generation, state, reference
 * count and a "caller's reference released" bit:
 *
 *   63..32 generation | 16 released | 15..8 refs | 7..0 state
 *
 * Every transition is one CAS on that word, expected value checked against
 * the handle's generation, so a stale or double call fails without writing
 * anything, and a reference is dropped exactly once. The count is in the
 * word, not beside it, because a separate counter cannot be checked against
 * the generation: a stale pend or release would then touch a reused entry.
 *
 *   FREE --acquire--> ACQUIRED (refs 1: the caller's)
 *   ACQUIRED --pend--> PENDING (refs +1: the pend's; fields being written)
 *   PENDING --pend--> PENDED (published to completers and expire)
 *   PENDED --complete/expire--> COMPLETING (the winner owns the pend)
 *   COMPLETING --ring full--> PENDED (undone; still completable)
 *   COMPLETING --enqueued--> COMPLETED (pend's reference dropped)
 *   any state, released clear --release--> released set, refs -1
 *   refs reaching 0 --> FREE with generation + 1, index pushed to the free stack
 *
 * Release only sets its bit and drops its count, never changes the state,
 * so it may come before, during or after a completion; whoever drops the
 * last reference frees. Complete racing expire: both CAS PENDED ->
 * COMPLETING and exactly one wins. A complete that finds COMPLETING gets
 * STATUS_INSUFFICIENT_RESOURCES (retry: the winner may still undo on a full
 * ring), later calls get STATUS_INVALID_PARAMETER.
 *
 * Fields written at acquire and pend are stable while a reference is held.
 * The ones read without a reference (foreach, expire, pend's checks) are
 * atomics stored with release and loaded with acquire, then validated by
 * the word's generation: a value written after a free implies the free's
 * generation bump is visible to the re-check.
 *
 * Free indices and completions use the lock-free structures of
 * handle_lf.h (not rte_ring: see there).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "callout_private.h"
#include "handle_lf.h"

enum handle_state {
	HS_FREE = 0,
	HS_ACQUIRED,
	HS_PENDING,    /* pend is writing the entry; holds the pend's reference */
	HS_PENDED,
	HS_COMPLETING, /* a completer won the pend and is enqueueing */
	HS_COMPLETED,
};

#define W_STATE_MASK UINT64_C(0xff)
#define W_REFS_SHIFT 8
#define W_RELEASED (UINT64_C(1) << 16)

static inline uint32_t
w_gen(uint64_t w)
{
	return (uint32_t)(w >> 32);
}

static inline unsigned int
w_state(uint64_t w)
{
	return (unsigned int)(w & W_STATE_MASK);
}

static inline unsigned int
w_refs(uint64_t w)
{
	return (unsigned int)((w >> W_REFS_SHIFT) & 0xff);
}

static inline uint64_t
w_make(uint32_t gen, unsigned int state, unsigned int refs, bool released)
{
	return ((uint64_t)gen << 32) | (released ? W_RELEASED : 0) |
		((uint64_t)refs << W_REFS_SHIFT) | state;
}

static inline uint64_t
w_with_state(uint64_t w, unsigned int state)
{
	return (w & ~W_STATE_MASK) | state;
}

struct handle_entry {
	uint64_t word;           /* Atomic: see the file comment. */
	/* Read without a reference: atomics (release store, acquire load). */
	uint64_t flow_id;
	uint64_t acquire_tsc;
	uint64_t pend_tsc;
	uint32_t callout_id;
	uint32_t worker;
	uint16_t layer_id;
	uint8_t reauth;
	uint8_t orphaned;        /* Counted by callout_handles_orphan(): reset at acquire. */
	/* Read only by whoever owns the pend (COMPLETING): plain. */
	uint64_t packet_tag;
	const struct dfp_callout_pkt *pkt; /* Acquiring classification's context. */
	uint64_t filter_id;
	struct dfp_classify_out out;   /* *out as given to pend. */
} __rte_cache_aligned;

struct callout_handles {
	/* Constant after create. */
	struct handle_entry *entries;
	uint32_t n;
	unsigned int n_rings;
	struct callout_cring *rings;      /* One per worker. */
	uint64_t tsc_per_ms;
	/* CAS-hot: its own cache line. */
	struct callout_free_stack free __rte_cache_aligned;
	/* Counters: relaxed atomics (statistics, no ordering). */
	uint64_t in_use __rte_cache_aligned;
	uint64_t pended;
	uint64_t stale;
	uint64_t timeouts;
	uint64_t ring_full;
	uint64_t orphaned;
};

/* ---- Create / free ---- */

static void *
zalloc_aligned(size_t size)
{
	void *p;

	size = RTE_ALIGN_CEIL(size, RTE_CACHE_LINE_SIZE);
	p = aligned_alloc(RTE_CACHE_LINE_SIZE, size);
	if (p != NULL)
		memset(p, 0, size);
	return p;
}

/* TSC frequency; measured against CLOCK_MONOTONIC if EAL has not set it. */
static uint64_t
tsc_hz(void)
{
	struct timespec t0, t1, d = { .tv_sec = 0, .tv_nsec = 20 * 1000 * 1000 };
	uint64_t hz = rte_get_tsc_hz();
	uint64_t c0, c1, ns;

	if (hz != 0)
		return hz;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	c0 = rte_get_tsc_cycles();
	nanosleep(&d, NULL);
	c1 = rte_get_tsc_cycles();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t1.tv_nsec -
		(uint64_t)t0.tv_nsec;
	return ns != 0 ? (c1 - c0) * 1000000000u / ns : 1000000000u;
}

int
callout_handles_create(struct dfp_callout_rt *rt, uint32_t max_handles, uint32_t ring_size,
		unsigned int n_workers)
{
	struct callout_cring_slot *slots;
	struct callout_handles *hs;
	uint32_t *links;
	unsigned int w;
	uint64_t size;
	uint32_t i;

	if (max_handles == 0 || max_handles >= CALLOUT_FREE_NIL || ring_size == 0 ||
			ring_size > (UINT32_C(1) << 30))
		return -EINVAL;
	size = rte_align32pow2(ring_size);
	hs = zalloc_aligned(sizeof(*hs));
	if (hs == NULL)
		return -ENOMEM;
	rt->handles = hs;
	hs->n = max_handles;
	hs->tsc_per_ms = RTE_MAX(tsc_hz() / 1000, UINT64_C(1));
	hs->entries = zalloc_aligned((size_t)max_handles * sizeof(hs->entries[0]));
	links = zalloc_aligned((size_t)max_handles * sizeof(*links));
	hs->free.next = links;
	hs->rings = zalloc_aligned((size_t)RTE_MAX(n_workers, 1u) * sizeof(hs->rings[0]));
	if (hs->entries == NULL || links == NULL || hs->rings == NULL)
		goto out_free;
	for (w = 0; w < n_workers; w++) {
		slots = zalloc_aligned(size * sizeof(*slots));
		if (slots == NULL)
			goto out_free;
		callout_cring_init(&hs->rings[w], slots, size);
		hs->n_rings = w + 1;
	}
	/* Generations start at 1 (handle values are never small integers). */
	for (i = 0; i < max_handles; i++)
		hs->entries[i].word = w_make(1, HS_FREE, 0, false);
	callout_free_init(&hs->free, links, max_handles);
	/* Published to other threads by whoever publishes rt. */
	return 0;

out_free:
	callout_handles_free(rt);
	return -ENOMEM;
}

void
callout_handles_free(struct dfp_callout_rt *rt)
{
	struct callout_handles *hs = rt != NULL ? rt->handles : NULL;
	unsigned int w;

	if (hs == NULL)
		return;
	if (__atomic_load_n(&hs->in_use, __ATOMIC_RELAXED) != 0)
		DFP_LOG(callout, WARNING, "%" PRIu64 " classify handle(s) still held at shutdown",
			__atomic_load_n(&hs->in_use, __ATOMIC_RELAXED));
	for (w = 0; w < hs->n_rings; w++)
		free(hs->rings[w].slots);
	free(hs->rings);
	free(hs->free.next);
	free(hs->entries);
	free(hs);
	rt->handles = NULL;
}

/* ---- Helpers ---- */

static dfp_status_t
stale(struct callout_handles *hs)
{
	__atomic_fetch_add(&hs->stale, 1, __ATOMIC_RELAXED);
	return DFP_STATUS_INVALID_PARAMETER;
}

/* Entry named by a handle (any generation), or NULL if the index is out of range. */
static struct handle_entry *
entry_of(struct callout_handles *hs, uint64_t handle)
{
	uint32_t idx1 = (uint32_t)handle;

	if (idx1 == 0 || idx1 > hs->n)
		return NULL;
	return &hs->entries[idx1 - 1];
}

static void
entry_free(struct callout_handles *hs, struct handle_entry *e)
{
	__atomic_fetch_sub(&hs->in_use, 1, __ATOMIC_RELAXED);
	callout_free_push(&hs->free, (uint32_t)(e - hs->entries));
}

/*
 * The caller owns the pend (COMPLETING, generation gen): enqueue the
 * completion, then drop the pend's reference; on a full ring go back to
 * PENDED. out: the decision, or NULL (REAUTH).
 */
static dfp_status_t
complete_owned(struct callout_handles *hs, struct handle_entry *e, uint64_t handle,
		enum dfp_callout_completion_kind kind, const struct dfp_classify_out *out)
{
	struct dfp_callout_completion c;
	unsigned int refs;
	uint64_t w, nw;

	memset(&c, 0, sizeof(c));
	c.kind = kind;
	c.handle = handle;
	c.flow_id = e->flow_id;
	c.layer_id = e->layer_id;
	c.callout_id = e->callout_id;
	c.filter_id = e->filter_id;
	c.packet_tag = e->packet_tag;
	if (out != NULL)
		c.out = *out;
	w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);
	if (callout_cring_enqueue(&hs->rings[e->worker], &c) != 0) {
		/*
		 * Undo. Only release can change the word meanwhile (its bit and
		 * count); the pend's reference keeps the generation. Release:
		 * the next completer reads the same fields.
		 */
		while (!__atomic_compare_exchange_n(&e->word, &w, w_with_state(w, HS_PENDED), false,
				__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			;
		__atomic_fetch_add(&hs->ring_full, 1, __ATOMIC_RELAXED);
		return DFP_STATUS_INSUFFICIENT_RESOURCES;
	}
	__atomic_fetch_sub(&hs->pended, 1, __ATOMIC_RELAXED);
	/*
	 * Drop the pend's reference. Acq-rel: our reads of the entry happen
	 * before the free (release), and if the caller released first we see
	 * its writes before freeing (acquire).
	 */
	do {
		refs = w_refs(w) - 1;
		nw = refs == 0 ? w_make(w_gen(w) + 1, HS_FREE, 0, false) :
			w_make(w_gen(w), HS_COMPLETED, refs, (w & W_RELEASED) != 0);
	} while (!__atomic_compare_exchange_n(&e->word, &w, nw, false, __ATOMIC_ACQ_REL,
			__ATOMIC_ACQUIRE));
	if (refs == 0)
		entry_free(hs, e);
	return DFP_STATUS_SUCCESS;
}

/* ---- Public API ---- */

dfp_status_t
dfp_callout_handle_acquire(struct dfp_callout_rt *rt, const void *classify_context,
		uint64_t *handle)
{
	const struct dfp_callout_pkt *pkt = classify_context;
	struct callout_handles *hs;
	struct handle_entry *e;
	uint32_t idx, gen;

	if (rt == NULL || rt->handles == NULL || pkt == NULL || handle == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	hs = rt->handles;
	idx = callout_free_pop(&hs->free);
	if (idx == CALLOUT_FREE_NIL)
		return DFP_STATUS_INSUFFICIENT_RESOURCES;
	e = &hs->entries[idx];
	/* Relaxed: the pop (acquire) already ordered us after the free. */
	gen = w_gen(__atomic_load_n(&e->word, __ATOMIC_RELAXED));
	/* Release stores: see the file comment (validated readers). */
	__atomic_store_n(&e->flow_id, (pkt->meta.present & DFP_META_FLOW_HANDLE) ?
		pkt->meta.flow_handle : 0, __ATOMIC_RELEASE);
	__atomic_store_n(&e->acquire_tsc, rte_get_tsc_cycles(), __ATOMIC_RELEASE);
	__atomic_store_n(&e->callout_id, pkt->callout_id, __ATOMIC_RELEASE);
	__atomic_store_n(&e->worker, pkt->worker, __ATOMIC_RELEASE);
	__atomic_store_n(&e->layer_id, pkt->layer_id, __ATOMIC_RELEASE);
	__atomic_store_n(&e->reauth, pkt->reauth ? 1 : 0, __ATOMIC_RELEASE);
	__atomic_store_n(&e->orphaned, 0, __ATOMIC_RELEASE);
	e->packet_tag = pkt->packet_tag;
	/* Only compared with callout_current_pkt by a pend on this same thread. */
	e->pkt = pkt;
	__atomic_fetch_add(&hs->in_use, 1, __ATOMIC_RELAXED);
	/* Release: the fields above are visible to whoever sees ACQUIRED. */
	__atomic_store_n(&e->word, w_make(gen, HS_ACQUIRED, 1, false), __ATOMIC_RELEASE);
	*handle = ((uint64_t)gen << 32) | (idx + 1);
	return DFP_STATUS_SUCCESS;
}

/*
 * [port] As the WFP samples do when pending (spec §6.4 step 2, S1), the
 * live classifyOut becomes BLOCK + ABSORB with the write right cleared: the
 * engine's arbitration then holds the packet (absorbed, hard) instead of
 * deciding; the decision arrives later through the completion ring.
 */
dfp_status_t
dfp_callout_handle_pend(struct dfp_callout_rt *rt, uint64_t handle, uint64_t filter_id,
		struct dfp_classify_out *out)
{
	uint32_t gen = (uint32_t)(handle >> 32);
	struct callout_handles *hs;
	struct handle_entry *e;
	enum dfp_layer_kind kind;
	bool can_pend;
	uint16_t layer;
	uint64_t w;

	if (rt == NULL || rt->handles == NULL || out == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	hs = rt->handles;
	e = entry_of(hs, handle);
	if (e == NULL)
		return stale(hs);
	/* Acquire: pairs with acquire's release; the fields below are this generation's... */
	w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);
	if (w_gen(w) != gen || w_state(w) != HS_ACQUIRED || (w & W_RELEASED))
		return stale(hs);
	layer = __atomic_load_n(&e->layer_id, __ATOMIC_ACQUIRE);
	kind = dfp_engine_layer_kind(layer);
	can_pend = dfp_engine_layer_is_valid(layer) &&
		(kind == DFP_LAYER_KIND_ALE_CONNECT || kind == DFP_LAYER_KIND_ALE_RECV_ACCEPT) &&
		!__atomic_load_n(&e->reauth, __ATOMIC_ACQUIRE) &&
		__atomic_load_n(&e->worker, __ATOMIC_ACQUIRE) < hs->n_rings;
	/* ...unless the entry was reused meanwhile: then the re-check or the CAS fails. */
	if (!can_pend) {
		if (w_gen(__atomic_load_n(&e->word, __ATOMIC_RELAXED)) != gen)
			return stale(hs);
		return DFP_STATUS_FWP_CANNOT_PEND;
	}
	/* Take the pend's reference; acq-rel: orders our writes after any earlier owner's. */
	if (!__atomic_compare_exchange_n(&e->word, &w, w_make(gen, HS_PENDING, 2, false), false,
			__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return stale(hs);  /* Released (or reused) meanwhile. */
	e->filter_id = filter_id;
	e->out = *out;
	/* Release: expire reads it without a reference (validated). */
	__atomic_store_n(&e->pend_tsc, rte_get_tsc_cycles(), __ATOMIC_RELEASE);
	__atomic_fetch_add(&hs->pended, 1, __ATOMIC_RELAXED);
	/*
	 * Publish PENDED. A release may have set its bit meanwhile; the pend's
	 * reference keeps the generation. Release: completers see the fields.
	 */
	w = __atomic_load_n(&e->word, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(&e->word, &w, w_with_state(w, HS_PENDED), false,
			__ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
	out->action_type = DFP_ACTION_BLOCK;
	out->rights &= ~DFP_RIGHT_ACTION_WRITE;
	out->flags |= DFP_CLASSIFY_OUT_FLAG_ABSORB;
	/* Inside the acquiring classification: tell the datapath to hold the packet. */
	if (callout_current_pkt != NULL && callout_current_pkt == e->pkt)
		callout_current_pkt->pend_handle = handle;
	return DFP_STATUS_SUCCESS;
}

/* Win PENDED -> COMPLETING for this generation: 0, -EAGAIN (being completed), -EINVAL. */
static int
pend_claim(struct handle_entry *e, uint32_t gen)
{
	/* Acquire: the pend's fields (published by its release) are visible. */
	uint64_t w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);

	for (;;) {
		if (w_gen(w) != gen)
			return -EINVAL;
		if (w_state(w) == HS_COMPLETING)
			return -EAGAIN;
		if (w_state(w) != HS_PENDED)
			return -EINVAL;
		/* Fails only if a release or another completer changed the word. */
		if (__atomic_compare_exchange_n(&e->word, &w, w_with_state(w, HS_COMPLETING), false,
				__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return 0;
	}
}

dfp_status_t
dfp_callout_handle_complete(struct dfp_callout_rt *rt, uint64_t handle,
		const struct dfp_classify_out *out)
{
	struct callout_handles *hs;
	struct handle_entry *e;
	int rc;

	if (rt == NULL || rt->handles == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	hs = rt->handles;
	e = entry_of(hs, handle);
	if (e == NULL)
		return stale(hs);
	rc = pend_claim(e, (uint32_t)(handle >> 32));
	if (rc == -EAGAIN)
		return DFP_STATUS_INSUFFICIENT_RESOURCES;
	if (rc != 0)
		return stale(hs);
	return complete_owned(hs, e, handle, out != NULL ? DFP_CALLOUT_COMPLETE_DECISION :
		DFP_CALLOUT_COMPLETE_REAUTH, out);
}

dfp_status_t
dfp_callout_handle_release(struct dfp_callout_rt *rt, uint64_t handle)
{
	uint32_t gen = (uint32_t)(handle >> 32);
	struct callout_handles *hs;
	struct handle_entry *e;
	unsigned int refs;
	uint64_t w, nw;

	if (rt == NULL || rt->handles == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	hs = rt->handles;
	e = entry_of(hs, handle);
	if (e == NULL)
		return stale(hs);
	w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);
	do {
		if (w_gen(w) != gen || w_state(w) == HS_FREE || (w & W_RELEASED))
			return stale(hs);
		refs = w_refs(w) - 1;
		nw = refs == 0 ? w_make(gen + 1, HS_FREE, 0, false) :
			w_make(gen, w_state(w), refs, true);
		/*
		 * Acq-rel: the caller's use of the handle happens before the
		 * free (release); freeing after a completion, we see its reads
		 * done (acquire).
		 */
	} while (!__atomic_compare_exchange_n(&e->word, &w, nw, false, __ATOMIC_ACQ_REL,
			__ATOMIC_ACQUIRE));
	if (refs == 0)
		entry_free(hs, e);
	return DFP_STATUS_SUCCESS;
}

unsigned int
dfp_callout_completion_poll(struct dfp_callout_rt *rt, unsigned int worker,
		struct dfp_callout_completion *out, unsigned int n)
{
	if (rt == NULL || rt->handles == NULL || out == NULL || worker >= rt->handles->n_rings)
		return 0;
	return callout_cring_dequeue(&rt->handles->rings[worker], out, n);
}

static unsigned int
pend_expire(struct dfp_callout_rt *rt, bool all)
{
	struct dfp_classify_out out;
	struct callout_handles *hs;
	uint64_t now, limit, w, t;
	struct handle_entry *e;
	unsigned int n = 0;
	uint32_t i;

	if (rt == NULL || rt->handles == NULL)
		return 0;
	hs = rt->handles;
	limit = all ? 0 : (uint64_t)rt->pend_timeout_ms * hs->tsc_per_ms;
	now = rte_get_tsc_cycles();
	for (i = 0; i < hs->n; i++) {
		e = &hs->entries[i];
		/* Acquire: pairs with pend's release of PENDED. */
		w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);
		if (w_state(w) != HS_PENDED)
			continue;
		t = __atomic_load_n(&e->pend_tsc, __ATOMIC_ACQUIRE);
		/* Signed: a pend newer than `now` is young. A reused entry fails the claim. */
		if ((int64_t)(now - t) < (int64_t)limit)
			continue;
		if (pend_claim(e, w_gen(w)) != 0)
			continue;  /* Completed by its callout (or released and reused) first. */
		out = e->out;
		out.action_type = callout_pend_default_action(rt, e->callout_id);
		out.rights &= ~DFP_RIGHT_ACTION_WRITE;
		if (complete_owned(hs, e, ((uint64_t)w_gen(w) << 32) | (i + 1),
				DFP_CALLOUT_COMPLETE_TIMEOUT, &out) != DFP_STATUS_SUCCESS)
			continue;  /* Ring full: still pended, retried next time. */
		__atomic_fetch_add(&hs->timeouts, 1, __ATOMIC_RELAXED);
		n++;
	}
	return n;
}

unsigned int
dfp_callout_pend_expire(struct dfp_callout_rt *rt)
{
	return pend_expire(rt, false);
}

unsigned int
dfp_callout_pend_expire_all(struct dfp_callout_rt *rt)
{
	return pend_expire(rt, true);
}

void
dfp_callout_handle_foreach(struct dfp_callout_rt *rt,
		int (*cb)(void *arg, const struct dfp_callout_handle_info *h), void *arg)
{
	struct dfp_callout_handle_info info;
	struct callout_handles *hs;
	struct handle_entry *e;
	uint64_t w, w2, t;
	uint32_t i;

	if (rt == NULL || rt->handles == NULL || cb == NULL)
		return;
	hs = rt->handles;
	for (i = 0; i < hs->n; i++) {
		e = &hs->entries[i];
		/* Acquire: pairs with acquire's release of ACQUIRED. */
		w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);
		if (w_state(w) == HS_FREE)
			continue;
		memset(&info, 0, sizeof(info));
		info.handle = ((uint64_t)w_gen(w) << 32) | (i + 1);
		info.flow_id = __atomic_load_n(&e->flow_id, __ATOMIC_ACQUIRE);
		info.layer_id = __atomic_load_n(&e->layer_id, __ATOMIC_ACQUIRE);
		info.callout_id = __atomic_load_n(&e->callout_id, __ATOMIC_ACQUIRE);
		t = __atomic_load_n(&e->acquire_tsc, __ATOMIC_ACQUIRE);
		/*
		 * Relaxed, after the acquire loads: if any of them saw a newer
		 * generation's value, this sees that generation's free.
		 */
		w2 = __atomic_load_n(&e->word, __ATOMIC_RELAXED);
		if (w_gen(w2) != w_gen(w) || w_state(w2) == HS_FREE)
			continue;
		info.pended = w_state(w) >= HS_PENDING && w_state(w) <= HS_COMPLETING;
		info.age_ms = (rte_get_tsc_cycles() - t) / hs->tsc_per_ms;
		if (cb(arg, &info) != 0)
			break;
	}
}

void
dfp_callout_stats_get(struct dfp_callout_rt *rt, struct dfp_callout_stats *out)
{
	struct callout_handles *hs;

	if (out == NULL)
		return;
	memset(out, 0, sizeof(*out));
	if (rt == NULL || rt->handles == NULL)
		return;
	hs = rt->handles;
	out->handles_in_use = __atomic_load_n(&hs->in_use, __ATOMIC_RELAXED);
	out->pended = __atomic_load_n(&hs->pended, __ATOMIC_RELAXED);
	out->stale_handle_calls = __atomic_load_n(&hs->stale, __ATOMIC_RELAXED);
	out->pend_timeouts = __atomic_load_n(&hs->timeouts, __ATOMIC_RELAXED);
	out->ring_full = __atomic_load_n(&hs->ring_full, __ATOMIC_RELAXED);
	out->handles_orphaned = __atomic_load_n(&hs->orphaned, __ATOMIC_RELAXED);
}

/*
 * Handles of callout_id whose caller's reference is still held (never
 * released), not counted before: mark and count them. A CAS on the flag
 * counts each handle once however often its callout id is unregistered;
 * the generation re-check skips an entry freed and reused meanwhile (its
 * flag was reset by the acquire, so a later scan sees it afresh).
 */
unsigned int
callout_handles_orphan(struct dfp_callout_rt *rt, uint32_t callout_id)
{
	struct callout_handles *hs = rt != NULL ? rt->handles : NULL;
	struct handle_entry *e;
	unsigned int n = 0;
	uint8_t zero;
	uint64_t w;
	uint32_t i;

	if (hs == NULL)
		return 0;
	for (i = 0; i < hs->n; i++) {
		e = &hs->entries[i];
		/* Acquire: pairs with acquire's release of ACQUIRED (the fields below). */
		w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);
		if (w_state(w) == HS_FREE || (w & W_RELEASED))
			continue;
		if (__atomic_load_n(&e->callout_id, __ATOMIC_ACQUIRE) != callout_id)
			continue;
		zero = 0;
		if (!__atomic_compare_exchange_n(&e->orphaned, &zero, 1, false, __ATOMIC_ACQ_REL,
				__ATOMIC_ACQUIRE))
			continue;
		/* Released or reused meanwhile: not this callout's leak (undo the mark). */
		w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);
		if (w_state(w) == HS_FREE || (w & W_RELEASED) ||
				__atomic_load_n(&e->callout_id, __ATOMIC_ACQUIRE) != callout_id) {
			__atomic_store_n(&e->orphaned, 0, __ATOMIC_RELEASE);
			continue;
		}
		n++;
	}
	if (n != 0)
		__atomic_fetch_add(&hs->orphaned, n, __ATOMIC_RELAXED);
	return n;
}
