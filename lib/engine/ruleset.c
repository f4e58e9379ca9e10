/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rulesets: ordering a layer's filters into ranks, compiling every dirty
 * layer off to the side, and freeing rulesets. Control thread only, except
 * the two read-only accessors at the end.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "model_private.h"
#include "lookup_private.h"

/* Added filters beyond this share of the last full compile (at least 64) compile it in full. */
#define INCREMENTAL_SHARE 16
#define INCREMENTAL_FLOOR 64

/* Everything a compiled layer owns, allocated as one block after it. */
struct layer_block {
	struct engine_layer_rt rt;
	const struct dfp_engine_filter_rt **filters;
	struct engine_sublayer_rt *sublayers;
	uint32_t *callout_ranks;
	uint64_t *filter_ids;
};

static int
rank_cmp(const void *a, const void *b)
{
	const struct engine_filter *x = *(const struct engine_filter *const *)a;
	const struct engine_filter *y = *(const struct engine_filter *const *)b;

	if (x->sublayer != y->sublayer) {
		if (x->sublayer->weight != y->sublayer->weight)
			return x->sublayer->weight > y->sublayer->weight ? -1 : 1;
		return x->sublayer->order < y->sublayer->order ? -1 : 1;
	}
	if (x->rt.weight != y->rt.weight)
		return x->rt.weight > y->rt.weight ? -1 : 1;
	/* Equal weights: ascending filter id [port, spec §10.21]. */
	return x->rt.filter_id < y->rt.filter_id ? -1 : (x->rt.filter_id > y->rt.filter_id);
}

void
engine_layer_rt_put(struct engine_layer_rt *l)
{
	struct layer_block *b = (struct layer_block *)l;

	if (l == NULL || --l->refcnt > 0)
		return;
	engine_lookup_free(l->lookup);
	free(b->filters);
	free(b->sublayers);
	free(b->callout_ranks);
	free(b->filter_ids);
	free(b);
}

void
engine_ruleset_free(struct dfp_engine_ruleset *rs)
{
	unsigned int i;

	if (rs == NULL)
		return;
	for (i = 0; i < DFP_LAYER_ID_MAX; i++)
		engine_layer_rt_put(rs->layers[i]);
	free(rs);
}

/*
 * The layer's classifier built on its published one when every filter of
 * that one's full compile is still there and few were added (delta.c);
 * NULL when it must be compiled in full.
 */
static struct engine_lookup *
layer_incremental(struct dfp_engine *eng, uint16_t layer_id, struct engine_filter **sorted,
		uint32_t n, const struct engine_compile_input *in)
{
	const struct engine_layer_rt *base = eng->current != NULL ? eng->current->layers[layer_id] : NULL;
	uint32_t min = eng->params.incremental_min != 0 ? eng->params.incremental_min :
		DFP_ENGINE_INCREMENTAL_MIN_DEFAULT;
	const struct engine_lookup *origin;
	struct engine_lookup *lk = NULL;
	uint8_t *is_added = NULL;
	uint32_t *map = NULL;
	uint32_t i, r, n_added;
	dfp_status_t st;

	if (base == NULL)
		return NULL;
	origin = engine_lookup_origin(base->lookup);
	if (origin->n_origin < min || origin->n_origin > n)
		return NULL;
	n_added = n - origin->n_origin;
	if (n_added > RTE_MAX((uint32_t)INCREMENTAL_FLOOR, origin->n_origin / INCREMENTAL_SHARE))
		return NULL;
	map = malloc(origin->n_origin * sizeof(*map));
	is_added = malloc(n);
	if (map == NULL || is_added == NULL)
		goto out;
	memset(is_added, 1, n);
	for (i = 0; i < n; i++)
		sorted[i]->compile_rank = i;
	for (r = 0; r < origin->n_origin; r++) {
		struct engine_filter *f = engine_filter_find_id(eng, origin->origin_ids[r]);

		/* A deleted filter of the full compile: compile it in full again. */
		if (f == NULL || f->rt.layer_id != layer_id)
			goto out;
		map[r] = f->compile_rank;
		is_added[map[r]] = 0;
	}
	lk = engine_lookup_incremental(base->lookup, in, map, is_added, n_added, &st);
	if (lk == NULL)
		DFP_LOG(engine, WARNING, "layer %s: incremental compile failed (%s); compiling in full",
			dfp_engine_layer_name(layer_id), dfp_status_name(st));
	else
		DFP_LOG(engine, DEBUG, "layer %s gen %" PRIu64 ": %u filters, %u added to a full "
			"compile of %u", dfp_engine_layer_name(layer_id), in->generation, n, n_added,
			origin->n_origin);
out:
	free(map);
	free(is_added);
	return lk;
}

/* Compile one layer; *out = NULL when the layer has no filters. */
static dfp_status_t
layer_compile(struct dfp_engine *eng, uint16_t layer_id, uint64_t generation,
		struct engine_layer_rt **out)
{
	uint32_t n = eng->layer_n_filters[layer_id];
	struct engine_compile_input in;
	struct engine_filter **sorted;
	struct layer_block *b = NULL;
	struct engine_filter *f;
	dfp_status_t st = DFP_STATUS_NO_MEMORY;
	uint32_t i, s, n_sl, n_co;

	*out = NULL;
	if (n == 0)
		return DFP_STATUS_SUCCESS;
	sorted = malloc(n * sizeof(*sorted));
	if (sorted == NULL)
		return DFP_STATUS_NO_MEMORY;
	i = 0;
	TAILQ_FOREACH(f, &eng->filters, next)
		if (f->rt.layer_id == layer_id)
			sorted[i++] = f;
	qsort(sorted, n, sizeof(*sorted), rank_cmp);

	n_sl = 0;
	n_co = 0;
	for (i = 0; i < n; i++) {
		if (i == 0 || sorted[i]->sublayer != sorted[i - 1]->sublayer)
			n_sl++;
		if (sorted[i]->rt.action_type & DFP_ACTION_FLAG_CALLOUT)
			n_co++;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		goto out_free_sorted;
	b->filters = malloc(n * sizeof(*b->filters));
	b->sublayers = calloc(n_sl, sizeof(*b->sublayers));
	b->callout_ranks = malloc((n_co ? n_co : 1) * sizeof(*b->callout_ranks));
	b->filter_ids = malloc(n * sizeof(*b->filter_ids));
	if (b->filters == NULL || b->sublayers == NULL || b->callout_ranks == NULL ||
			b->filter_ids == NULL)
		goto out_free_block;

	s = 0;
	n_co = 0;
	for (i = 0; i < n; i++) {
		struct engine_sublayer_rt *sl;

		if (i > 0 && sorted[i]->sublayer != sorted[i - 1]->sublayer) {
			b->sublayers[s].end = i;
			s++;
		}
		sl = &b->sublayers[s];
		if (i == 0 || sorted[i]->sublayer != sorted[i - 1]->sublayer) {
			sl->first = i;
			sl->weight = sorted[i]->sublayer->weight;
			sl->callouts = &b->callout_ranks[n_co];
		}
		b->filters[i] = &sorted[i]->rt;
		b->filter_ids[i] = sorted[i]->rt.filter_id;
		if (sorted[i]->rt.action_type & DFP_ACTION_FLAG_CALLOUT) {
			b->callout_ranks[n_co++] = i;
			sl->n_callouts++;
		}
	}
	b->sublayers[s].end = n;

	memset(&in, 0, sizeof(in));
	in.layer_id = layer_id;
	in.family = dfp_engine_layer_family(layer_id);
	in.generation = generation;
	in.n_filters = n;
	in.filters = b->filters;
	in.n_sublayers = n_sl;
	in.sublayers = b->sublayers;
	in.socket_id = eng->params.socket_id;
	in.acl_max_rules = eng->params.acl_max_rules;
	in.max_expansion = eng->params.max_expansion;
	b->rt.lookup = layer_incremental(eng, layer_id, sorted, n, &in);
	if (b->rt.lookup == NULL)
		b->rt.lookup = engine_lookup_build(&in, &st);
	if (b->rt.lookup == NULL)
		goto out_free_block;
	for (i = 0; i < n; i++) {
		const struct dfp_engine_filter_rt *fr = b->filters[i];
		uint32_t c;

		for (c = 0; c < fr->n_conds; c++)
			b->rt.fields |= fr->conds[c].field < DFP_FIELD_COUNT ?
				UINT32_C(1) << fr->conds[c].field : UINT32_C(1) << 31;
	}
	b->rt.n_callouts = n_co;
	b->rt.layer_id = layer_id;
	b->rt.family = in.family;
	b->rt.generation = generation;
	b->rt.n_filters = n;
	b->rt.filters = b->filters;
	b->rt.filter_ids = b->filter_ids;
	b->rt.n_sublayers = n_sl;
	b->rt.sublayers = b->sublayers;
	b->rt.refcnt = 1;
	free(sorted);
	*out = &b->rt;
	return DFP_STATUS_SUCCESS;

out_free_block:
	free(b->filters);
	free(b->sublayers);
	free(b->callout_ranks);
	free(b->filter_ids);
	free(b);
out_free_sorted:
	free(sorted);
	return st;
}

dfp_status_t
engine_ruleset_build(struct dfp_engine *eng, struct dfp_engine_ruleset **out)
{
	struct dfp_engine_ruleset *rs;
	unsigned int i, n_ids;
	const uint16_t *ids;
	bool any = false;
	dfp_status_t st;

	*out = NULL;
	for (i = 0; i < DFP_LAYER_ID_MAX; i++)
		any |= eng->dirty[i];
	if (!any && eng->current != NULL)
		return DFP_STATUS_SUCCESS;
	rs = calloc(1, sizeof(*rs));
	if (rs == NULL)
		return DFP_STATUS_NO_MEMORY;
	rs->generation = eng->generation + 1;
	ids = dfp_engine_layer_ids(&n_ids);
	for (i = 0; i < n_ids; i++) {
		uint16_t id = ids[i];

		if (!eng->dirty[id]) {
			/* Unchanged: share the published compiled layer. */
			if (eng->current != NULL && eng->current->layers[id] != NULL) {
				rs->layers[id] = eng->current->layers[id];
				rs->layers[id]->refcnt++;
			}
			continue;
		}
		st = layer_compile(eng, id, rs->generation, &rs->layers[id]);
		if (st != DFP_STATUS_SUCCESS) {
			DFP_LOG(engine, ERR, "compiling layer %s failed: %s",
				dfp_engine_layer_name(id), dfp_status_name(st));
			engine_ruleset_free(rs);
			return st;
		}
	}
	eng->generation = rs->generation;
	*out = rs;
	return DFP_STATUS_SUCCESS;
}

uint64_t
dfp_engine_ruleset_generation(const struct dfp_engine_ruleset *rs)
{
	return rs != NULL ? rs->generation : 0;
}

uint32_t
dfp_engine_ruleset_filter_count(const struct dfp_engine_ruleset *rs, uint16_t layer_id)
{
	if (rs == NULL || layer_id >= DFP_LAYER_ID_MAX || rs->layers[layer_id] == NULL)
		return 0;
	return rs->layers[layer_id]->n_filters;
}

uint64_t
dfp_engine_ruleset_layer_version(const struct dfp_engine_ruleset *rs, uint16_t layer_id)
{
	if (rs == NULL || layer_id >= DFP_LAYER_ID_MAX || rs->layers[layer_id] == NULL)
		return 0;
	return rs->layers[layer_id]->generation;
}

bool
dfp_engine_ruleset_layer_static(const struct dfp_engine_ruleset *rs, uint16_t layer_id,
		uint32_t *fields)
{
	const struct engine_layer_rt *l;

	*fields = 0;
	if (rs == NULL || layer_id >= DFP_LAYER_ID_MAX || rs->layers[layer_id] == NULL)
		return false;
	l = rs->layers[layer_id];
	*fields = l->fields;
	return l->n_callouts == 0;
}
