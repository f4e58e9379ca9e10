/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The two lock-free structures under the classify handles (handle.c only):
 * a stack of free table indices and the per-worker completion rings.
 *
 * Why not rte_ring: DPDK 22.11's x86 ring uses an inline-asm CAS and
 * compiler barriers that ThreadSanitizer cannot see, and an MP/MC rte_ring
 * makes a producer spin until a preempted earlier producer finishes (a
 * worker must never wait on another thread, STYLE §6; control threads are
 * preemptible). Here nobody ever waits for anybody:
 *
 * - free indices: a Treiber stack whose 64-bit head carries a 32-bit tag
 *   bumped on every change (no ABA), links in an array of atomics;
 * - completions: D. Vyukov's bounded queue with a sequence per slot, used
 *   multi-producer / single-consumer. A producer claims a position by CAS
 *   and publishes the slot with its sequence; a consumer stops at a slot not
 *   yet published, so a preempted producer delays its own completion only.
 *
 * All memory is allocated by the caller at create; nothing allocates here.
 */
#ifndef CALLOUT_HANDLE_LF_H
#define CALLOUT_HANDLE_LF_H

#include <errno.h>
#include <stdint.h>

#include <rte_common.h>

#include "dfp_callout.h"

#define CALLOUT_FREE_NIL UINT32_MAX

struct callout_free_stack {
	uint64_t head;    /* Atomic: tag << 32 | top index (CALLOUT_FREE_NIL: empty). */
	uint32_t *next;   /* Atomic links, one per index. */
};

/* Fill with 0..n-1, 0 on top. Single-threaded (create). */
static inline void
callout_free_init(struct callout_free_stack *st, uint32_t *next, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		next[i] = i + 1 < n ? i + 1 : CALLOUT_FREE_NIL;
	st->next = next;
	st->head = n != 0 ? 0 : CALLOUT_FREE_NIL;
}

/* Pop an index, or CALLOUT_FREE_NIL. Any thread, lock-free. */
static inline uint32_t
callout_free_pop(struct callout_free_stack *st)
{
	uint64_t head, nhead;
	uint32_t top, next;

	/* Acquire: pairs with push's release, so the link and the free are visible. */
	head = __atomic_load_n(&st->head, __ATOMIC_ACQUIRE);
	do {
		top = (uint32_t)head;
		if (top == CALLOUT_FREE_NIL)
			return CALLOUT_FREE_NIL;
		/* Possibly stale if top was popped meanwhile; the tag then fails the CAS. */
		next = __atomic_load_n(&st->next[top], __ATOMIC_RELAXED);
		nhead = (((head >> 32) + 1) << 32) | next;
	} while (!__atomic_compare_exchange_n(&st->head, &head, nhead, true,
			__ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE));
	return top;
}

/* Push a free index. Any thread, lock-free. */
static inline void
callout_free_push(struct callout_free_stack *st, uint32_t idx)
{
	uint64_t head, nhead;

	head = __atomic_load_n(&st->head, __ATOMIC_RELAXED);
	do {
		/* Relaxed: published by the release CAS below. */
		__atomic_store_n(&st->next[idx], (uint32_t)head, __ATOMIC_RELAXED);
		nhead = (((head >> 32) + 1) << 32) | idx;
		/* Release: the link and the caller's free happen-before the next pop. */
	} while (!__atomic_compare_exchange_n(&st->head, &head, nhead, true,
			__ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

struct callout_cring_slot {
	uint64_t seq;     /* Atomic: pos = free for pos, pos + 1 = holds pos. */
	struct dfp_callout_completion c;
};

struct callout_cring {
	uint64_t enq_pos __rte_cache_aligned;  /* Atomic: producers CAS it. */
	uint64_t deq_pos __rte_cache_aligned;  /* The single consumer's. */
	uint64_t mask;                         /* Slots - 1 (a power of two). */
	struct callout_cring_slot *slots;
};

/* Take over `size` (a power of two) slots. Single-threaded (create). */
static inline void
callout_cring_init(struct callout_cring *r, struct callout_cring_slot *slots, uint64_t size)
{
	uint64_t i;

	for (i = 0; i < size; i++)
		slots[i].seq = i;
	r->slots = slots;
	r->mask = size - 1;
	r->enq_pos = 0;
	r->deq_pos = 0;
}

/* Enqueue a copy of *c: 0, or -ENOBUFS if full. Any thread, lock-free. */
static inline int
callout_cring_enqueue(struct callout_cring *r, const struct dfp_callout_completion *c)
{
	struct callout_cring_slot *s;
	uint64_t pos, seq;
	int64_t diff;

	pos = __atomic_load_n(&r->enq_pos, __ATOMIC_RELAXED);
	for (;;) {
		s = &r->slots[pos & r->mask];
		/* Acquire: pairs with the consumer's release, so its read of s->c is done. */
		seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		diff = (int64_t)(seq - pos);
		if (diff == 0) {
			/* Relaxed: claims pos only; the slot is handed over by s->seq. */
			if (__atomic_compare_exchange_n(&r->enq_pos, &pos, pos + 1, true,
					__ATOMIC_RELAXED, __ATOMIC_RELAXED))
				break;
		} else if (diff < 0) {
			return -ENOBUFS;  /* The consumer has not freed this slot's last lap. */
		} else {
			pos = __atomic_load_n(&r->enq_pos, __ATOMIC_RELAXED);
		}
	}
	s->c = *c;
	/* Release: the completion is written before the consumer sees the slot full. */
	__atomic_store_n(&s->seq, pos + 1, __ATOMIC_RELEASE);
	return 0;
}

/* Dequeue up to n in order. The single consumer. */
static inline unsigned int
callout_cring_dequeue(struct callout_cring *r, struct dfp_callout_completion *out,
		unsigned int n)
{
	struct callout_cring_slot *s;
	unsigned int i;
	uint64_t pos;

	/* Relaxed: only the consumer writes deq_pos. */
	pos = __atomic_load_n(&r->deq_pos, __ATOMIC_RELAXED);
	for (i = 0; i < n; i++, pos++) {
		s = &r->slots[pos & r->mask];
		/* Acquire: pairs with the producer's release of this slot. */
		if (__atomic_load_n(&s->seq, __ATOMIC_ACQUIRE) != pos + 1)
			break;  /* Empty, or the next producer has not published yet. */
		out[i] = s->c;
		/* Release: our read of s->c happens-before the next lap's write. */
		__atomic_store_n(&s->seq, pos + r->mask + 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&r->deq_pos, pos, __ATOMIC_RELAXED);
	return i;
}

#endif /* CALLOUT_HANDLE_LF_H */
