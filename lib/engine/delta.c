/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Incremental compile of a layer (control thread only).
 *
 * A commit that only adds filters to a layer must not rebuild its tries:
 * rte_acl takes about a second for 10,000 rules, and an operator's single
 * added filter should be enforced within milliseconds. So the layer's new
 * classifier borrows the rte_acl contexts of its last full build (the
 * origin) and compiles only the filters added since into a second group.
 *
 * Renumbering. Filters never change once added, and ranks are a total
 * order on (sublayer weight, sublayer order, weight, id), so the origin's
 * filters keep their relative order among the current ones: an origin
 * rank maps to one current rank (map_origin), and within an ACL category
 * the origin's priorities still pick the best origin filter. The origin's
 * categories stand for its slots (sublayer index * 2 + callout); a new
 * sublayer at the layer shifts sublayer indexes, so each context is copied
 * with its slots renumbered. The origin's always-matching filters and its
 * exact list are renumbered the same way and merged with the added
 * filters' own. At lookup the two groups merge by lowest rank exactly as
 * the contexts of one build do.
 *
 * A deleted origin filter cannot be taken out of the origin's tries (its
 * category would hide the next match), so ruleset.c compiles the layer in
 * full then, and when the added filters grow past a share of the origin.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "engine_private.h"
#include "lookup_private.h"

const struct engine_lookup *
engine_lookup_origin(const struct engine_lookup *lk)
{
	if (lk == NULL)
		return NULL;
	return lk->origin != NULL ? lk->origin : lk;
}

static int
exact_rank_cmp(const void *a, const void *b)
{
	const struct lk_exact *x = a, *y = b;

	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Slot of a current rank: its sublayer's index * 2 + callout. */
static uint32_t
slot_of(const struct engine_compile_input *in, uint32_t rank)
{
	uint32_t lo = 0, hi = in->n_sublayers;

	/* Sublayers cover [first, end) ranges in ascending order. */
	while (hi - lo > 1) {
		uint32_t mid = (lo + hi) / 2;

		if (in->sublayers[mid].first <= rank)
			lo = mid;
		else
			hi = mid;
	}
	return lo * 2 + ((in->filters[rank]->action_type & DFP_ACTION_FLAG_CALLOUT) != 0);
}

struct engine_lookup *
engine_lookup_incremental(const struct engine_lookup *base, const struct engine_compile_input *in,
		const uint32_t *map_origin, const uint8_t *is_added, uint32_t n_added,
		dfp_status_t *status)
{
	struct engine_lookup *origin = (struct engine_lookup *)engine_lookup_origin(base);
	uint32_t n_origin_slots = 0, n_slots = in->n_sublayers * 2;
	struct engine_compile_input sub;
	struct engine_lookup *added = NULL;
	struct engine_lookup *lk;
	uint16_t *slot_map = NULL;
	uint32_t r, s, k, c, n_ex;

	*status = DFP_STATUS_NO_MEMORY;
	if (n_added != 0) {
		sub = *in;
		sub.include = is_added;
		added = engine_lookup_build(&sub, status);
		if (added == NULL)
			return NULL;
	}
	for (r = 0; r < origin->n_origin; r++)
		n_origin_slots = RTE_MAX(n_origin_slots, (uint32_t)origin->origin_slots[r] + 1);
	lk = calloc(1, sizeof(*lk));
	slot_map = malloc((n_origin_slots + 1) * sizeof(*slot_map));
	if (lk == NULL || slot_map == NULL)
		goto fail;
	lk->refcnt = 1;
	lk->n_sublayers = in->n_sublayers;
	lk->own_rank_map = malloc((origin->n_origin + 1) * sizeof(*lk->own_rank_map));
	lk->const_best = malloc((n_slots + 1) * sizeof(*lk->const_best));
	n_ex = origin->n_exact + (added != NULL ? added->n_exact : 0);
	lk->exact = malloc((n_ex + 1) * sizeof(*lk->exact));
	lk->own_ctxs = malloc((origin->groups[0].n_ctxs + 1) * sizeof(*lk->own_ctxs));
	if (lk->own_rank_map == NULL || lk->const_best == NULL || lk->exact == NULL ||
			lk->own_ctxs == NULL)
		goto fail;

	/* Ranks and slots of the origin, renumbered. */
	for (r = 0; r < origin->n_origin; r++) {
		lk->own_rank_map[r] = map_origin[r];
		slot_map[origin->origin_slots[r]] = (uint16_t)slot_of(in, map_origin[r]);
	}
	for (s = 0; s < n_slots; s++)
		lk->const_best[s] = added != NULL ? added->const_best[s] : ENGINE_RANK_NONE;
	for (s = 0; s < n_origin_slots; s++) {
		uint32_t best = origin->const_best[s];

		if (best != ENGINE_RANK_NONE && map_origin[best] < lk->const_best[slot_map[s]])
			lk->const_best[slot_map[s]] = map_origin[best];
	}
	for (k = 0; k < origin->n_exact; k++)
		lk->exact[k] = (struct lk_exact){origin->exact[k].filter,
			map_origin[origin->exact[k].rank], slot_map[origin->exact[k].slot]};
	for (k = 0; added != NULL && k < added->n_exact; k++)
		lk->exact[origin->n_exact + k] = added->exact[k];
	lk->n_exact = n_ex;
	qsort(lk->exact, n_ex, sizeof(*lk->exact), exact_rank_cmp);

	/* Group 0: the origin's contexts with their categories' slots renumbered. */
	lk->groups[0] = origin->groups[0];
	/* An origin of constants and exact filters only has no contexts (and no array). */
	if (origin->groups[0].n_ctxs != 0)
		memcpy(lk->own_ctxs, origin->groups[0].ctxs,
			origin->groups[0].n_ctxs * sizeof(*lk->own_ctxs));
	for (c = 0; c < origin->groups[0].n_ctxs; c++)
		for (k = 0; k < lk->own_ctxs[c].n_slots; k++)
			lk->own_ctxs[c].slots[k] = slot_map[lk->own_ctxs[c].slots[k]];
	lk->groups[0].ctxs = lk->own_ctxs;
	lk->groups[0].rank_map = lk->own_rank_map;
	lk->n_groups = 1;
	/* Group 1: the added filters' own build, already in current ranks. */
	if (added != NULL && added->groups[0].n_ctxs != 0)
		lk->groups[lk->n_groups++] = added->groups[0];
	lk->origin = origin;
	origin->refcnt++;
	lk->added = added;
	free(slot_map);
	*status = DFP_STATUS_SUCCESS;
	return lk;

fail:
	free(slot_map);
	if (lk != NULL) {
		free(lk->own_rank_map);
		free(lk->const_best);
		free(lk->exact);
		free(lk->own_ctxs);
		free(lk);
	}
	engine_lookup_free(added);
	return NULL;
}
