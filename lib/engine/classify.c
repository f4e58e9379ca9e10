/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data-path entry points: classify a burst at a layer (compiled lookup,
 * then per-packet arbitration over the sublayers), and the raw match used by
 * tests and benchmarks. Any lcore; lock-free; no allocation.
 */
#include <string.h>

#include <rte_common.h>

#include "engine_private.h"

static const struct engine_layer_rt *
layer_of(const struct dfp_engine_ruleset *rs, uint16_t layer_id)
{
	if (rs == NULL || layer_id >= DFP_LAYER_ID_MAX)
		return NULL;
	return rs->layers[layer_id];
}

/* Index of `rank` in a sublayer's ascending callout rank list. */
static uint32_t
callout_index(const struct engine_sublayer_rt *sl, uint32_t rank)
{
	uint32_t lo = 0, hi = sl->n_callouts;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (sl->callouts[mid] < rank)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * One sublayer for one packet (spec §3.2): matching filters in rank order
 * until one yields PERMIT or BLOCK. The compiled lookup gave the best static
 * match T and the best callout match C; callouts that CONTINUE hand over to
 * the next matching callout ranked before T, found by exact matching among
 * the sublayer's (few) callout filters. A static filter always decides.
 */
static void
sublayer_walk(const struct engine_layer_rt *l, const struct engine_sublayer_rt *sl,
		uint32_t t, uint32_t c, const struct engine_arb *cur,
		const struct dfp_engine_values *v, void *pkt_ctx,
		const struct dfp_engine_classify_env *env, struct engine_sl_result *res)
{
	res->action = DFP_ACTION_NONE;
	if (c != ENGINE_RANK_NONE && c < t) {
		uint32_t idx = callout_index(sl, c);

		for (;;) {
			if (engine_arb_eval(l->filters[c], cur, v, pkt_ctx, env, res) !=
					DFP_ACTION_CONTINUE)
				return;
			for (c = ENGINE_RANK_NONE, idx++; idx < sl->n_callouts; idx++) {
				uint32_t r = sl->callouts[idx];

				if (r > t)
					break;
				if (dfp_engine_filter_match(l->filters[r], v)) {
					c = r;
					break;
				}
			}
			if (c == ENGINE_RANK_NONE || c > t)
				break;
		}
	}
	if (t != ENGINE_RANK_NONE)
		engine_arb_eval(l->filters[t], cur, v, pkt_ctx, env, res);
}

void
dfp_engine_classify_burst(const struct dfp_engine_ruleset *rs, uint16_t layer_id,
		const struct dfp_engine_values *const values[], void *const pkt_ctx[], unsigned int n,
		const struct dfp_engine_classify_env *env, struct dfp_engine_verdict out[])
{
	uint32_t static_best[DFP_ENGINE_BURST_MAX * ENGINE_MAX_LAYER_SUBLAYERS];
	uint32_t callout_best[DFP_ENGINE_BURST_MAX * ENGINE_MAX_LAYER_SUBLAYERS];
	const struct engine_layer_rt *l = layer_of(rs, layer_id);
	uint64_t *hits;
	unsigned int i, s;

	if (n > DFP_ENGINE_BURST_MAX)
		n = DFP_ENGINE_BURST_MAX;
	if (l == NULL) {
		for (i = 0; i < n; i++) {
			out[i].action = DFP_ACTION_NONE_NO_MATCH;
			out[i].flags = 0;
			out[i].filter_id = 0;
			out[i].hit_slot = 0;
		}
		return;
	}
	hits = env != NULL ? env->hits : NULL;
	engine_lookup_burst(l->lookup, values, n, static_best, callout_best);
	for (i = 0; i < n; i++) {
		const uint32_t *sb = &static_best[i * l->n_sublayers];
		const uint32_t *cb = &callout_best[i * l->n_sublayers];
		struct engine_arb cur = {DFP_ACTION_NONE, false, 0, NULL};
		const struct dfp_engine_filter_rt *f;
		struct engine_sl_result res;

		for (s = 0; s < l->n_sublayers; s++) {
			sublayer_walk(l, &l->sublayers[s], sb[s], cb[s], &cur, values[i],
				pkt_ctx != NULL ? pkt_ctx[i] : NULL, env, &res);
			engine_arb_merge(&cur, &res);
		}
		out[i].action = cur.action == DFP_ACTION_NONE ? DFP_ACTION_NONE_NO_MATCH :
			cur.action;
		out[i].flags = cur.flags | (cur.hard ? DFP_ENGINE_VERDICT_F_HARD : 0);
		f = cur.filter;
		if (f == NULL) {
			out[i].filter_id = 0;
			out[i].hit_slot = 0;
			continue;
		}
		out[i].filter_id = f->filter_id;
		out[i].hit_slot = f->hit_slot;
		/*
		 * Only this thread writes its set: a load and a store, no
		 * read-modify-write; relaxed so that a reader's load is whole.
		 */
		if (hits != NULL)
			__atomic_store_n(&hits[f->hit_slot],
				__atomic_load_n(&hits[f->hit_slot], __ATOMIC_RELAXED) + 1,
				__ATOMIC_RELAXED);
	}
}

unsigned int
dfp_engine_match_burst(const struct dfp_engine_ruleset *rs, uint16_t layer_id,
		const struct dfp_engine_values *const values[], unsigned int n,
		unsigned int max_sublayers, uint64_t out[])
{
	uint32_t static_best[DFP_ENGINE_BURST_MAX * ENGINE_MAX_LAYER_SUBLAYERS];
	uint32_t callout_best[DFP_ENGINE_BURST_MAX * ENGINE_MAX_LAYER_SUBLAYERS];
	const struct engine_layer_rt *l = layer_of(rs, layer_id);
	unsigned int i, s, used;

	if (n > DFP_ENGINE_BURST_MAX)
		n = DFP_ENGINE_BURST_MAX;
	if (l == NULL) {
		memset(out, 0, (size_t)n * max_sublayers * sizeof(out[0]));
		return 0;
	}
	engine_lookup_burst(l->lookup, values, n, static_best, callout_best);
	used = RTE_MIN(max_sublayers, l->n_sublayers);
	for (i = 0; i < n; i++) {
		const uint32_t *sb = &static_best[i * l->n_sublayers];
		const uint32_t *cb = &callout_best[i * l->n_sublayers];
		uint64_t *row = &out[i * max_sublayers];

		for (s = 0; s < used; s++) {
			uint32_t r = RTE_MIN(sb[s], cb[s]);

			row[s] = r == ENGINE_RANK_NONE ? 0 : l->filter_ids[r];
		}
		for (; s < max_sublayers; s++)
			row[s] = 0;
	}
	return l->n_sublayers;
}
