/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hit counters: dense counter slots for filters (a bitmap, lowest free slot
 * first) and the per-thread counter sets they index. Control threads only;
 * the workers' side is one load and one store in classify.c.
 */
#include <stdlib.h>
#include <string.h>

#include "model_private.h"

#define WORD_BITS 64u

dfp_status_t
engine_hits_init(struct engine_hits *h, uint32_t max_filters)
{
	if (max_filters == 0)
		max_filters = DFP_ENGINE_MAX_FILTERS_DEFAULT;
	if (max_filters > UINT32_MAX - WORD_BITS)
		max_filters = UINT32_MAX - WORD_BITS;
	memset(h, 0, sizeof(*h));
	h->len = max_filters + 1;
	h->n_words = (h->len + WORD_BITS - 1) / WORD_BITS;
	h->used = calloc(h->n_words, sizeof(*h->used));
	if (h->used == NULL)
		return DFP_STATUS_NO_MEMORY;
	h->used[0] = 1;
	TAILQ_INIT(&h->sets);
	pthread_mutex_init(&h->lock, NULL);
	return DFP_STATUS_SUCCESS;
}

void
engine_hits_fini(struct engine_hits *h)
{
	struct engine_hit_set *s;

	if (h->used == NULL)
		return;
	while ((s = TAILQ_FIRST(&h->sets)) != NULL) {
		TAILQ_REMOVE(&h->sets, s, next);
		free(s->hits);
		free(s);
	}
	free(h->retired);
	free(h->used);
	h->used = NULL;
	pthread_mutex_destroy(&h->lock);
}

uint32_t
engine_hits_slot_alloc(struct engine_hits *h)
{
	uint32_t slot = 0;
	uint32_t w;

	/* The bitmap is read by a detach, which may run on another thread. */
	pthread_mutex_lock(&h->lock);
	for (w = h->hint; w < h->n_words && h->used[w] == UINT64_MAX; w++)
		;
	h->hint = w;
	if (w < h->n_words) {
		slot = w * WORD_BITS + (uint32_t)__builtin_ctzll(~h->used[w]);
		if (slot < h->len)
			h->used[w] |= UINT64_C(1) << (slot % WORD_BITS);
		else
			slot = 0;
	}
	pthread_mutex_unlock(&h->lock);
	return slot;
}

/* Zero one entry, without touching (backing) a page that is still all zero. */
static void
hit_zero(uint64_t *hits, uint32_t slot)
{
	if (__atomic_load_n(&hits[slot], __ATOMIC_RELAXED) != 0)
		__atomic_store_n(&hits[slot], 0, __ATOMIC_RELAXED);
}

void
engine_hits_slot_free(struct engine_hits *h, uint32_t slot)
{
	struct engine_hit_set *s;
	uint32_t w = slot / WORD_BITS;

	if (slot == 0 || slot >= h->len)
		return;
	/*
	 * No published ruleset references the slot's filter any more, so no
	 * worker writes it; the next filter's publication (release) orders
	 * these stores before the workers count into it again.
	 */
	pthread_mutex_lock(&h->lock);
	TAILQ_FOREACH(s, &h->sets, next)
		hit_zero(s->hits, slot);
	if (h->retired != NULL)
		hit_zero(h->retired, slot);
	h->used[w] &= ~(UINT64_C(1) << (slot % WORD_BITS));
	if (w < h->hint)
		h->hint = w;
	pthread_mutex_unlock(&h->lock);
}

uint64_t
engine_hits_sum(struct engine_hits *h, uint32_t slot)
{
	struct engine_hit_set *s;
	uint64_t sum = 0;

	if (slot == 0 || slot >= h->len)
		return 0;
	pthread_mutex_lock(&h->lock);
	/* Relaxed: each counter is read whole; the sum is a snapshot. */
	TAILQ_FOREACH(s, &h->sets, next)
		sum += __atomic_load_n(&s->hits[slot], __ATOMIC_RELAXED);
	if (h->retired != NULL)
		sum += h->retired[slot];
	pthread_mutex_unlock(&h->lock);
	return sum;
}

dfp_status_t
dfp_engine_counters_attach(struct dfp_engine *eng, uint64_t **hits_out)
{
	struct engine_hit_set *s;

	if (eng == NULL || hits_out == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return DFP_STATUS_NO_MEMORY;
	/* Large enough for calloc to map fresh zero pages: backed on first write. */
	s->hits = calloc(eng->hits.len, sizeof(*s->hits));
	if (s->hits == NULL) {
		free(s);
		return DFP_STATUS_NO_MEMORY;
	}
	pthread_mutex_lock(&eng->hits.lock);
	TAILQ_INSERT_TAIL(&eng->hits.sets, s, next);
	pthread_mutex_unlock(&eng->hits.lock);
	*hits_out = s->hits;
	return DFP_STATUS_SUCCESS;
}

void
dfp_engine_counters_detach(struct dfp_engine *eng, uint64_t *hits)
{
	struct engine_hits *h;
	struct engine_hit_set *s;
	uint32_t w, slot;

	if (eng == NULL || hits == NULL)
		return;
	h = &eng->hits;
	pthread_mutex_lock(&h->lock);
	TAILQ_FOREACH(s, &h->sets, next)
		if (s->hits == hits)
			break;
	if (s == NULL) {
		pthread_mutex_unlock(&h->lock);
		return;
	}
	TAILQ_REMOVE(&h->sets, s, next);
	if (h->retired == NULL)
		h->retired = calloc(h->len, sizeof(*h->retired));
	/*
	 * Keep the counts of slots in use (free slots are zero). Without
	 * memory for the totals they are lost rather than the set kept.
	 */
	for (w = 0; h->retired != NULL && w < h->n_words; w++) {
		uint64_t bits = h->used[w];

		while (bits != 0) {
			slot = w * WORD_BITS + (uint32_t)__builtin_ctzll(bits);
			bits &= bits - 1;
			if (hits[slot] != 0)
				h->retired[slot] += hits[slot];
		}
	}
	pthread_mutex_unlock(&h->lock);
	free(s->hits);
	free(s);
}

uint32_t
dfp_engine_counters_len(const struct dfp_engine *eng)
{
	return eng != NULL ? eng->hits.len : 0;
}
