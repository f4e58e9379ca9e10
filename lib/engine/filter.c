/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Filters: validation, weights, add/delete with undo, lookup and
 * enumeration. Control thread only.
 */
#include <stdlib.h>
#include <string.h>

#include "dfp_thread.h"
#include "model_private.h"

#define FHASH_MIN_BUCKETS 1024u

/* ---- Hash of filters by id and key (intrusive chains) ---- */

struct filter_hnode {
	struct engine_filter *next_id;
	struct engine_filter *next_key;
};

/*
 * The hash chain links are private to this file, so they live in the
 * filter's allocation just before it rather than in struct engine_filter.
 */
static struct filter_hnode *
hnode(struct engine_filter *f)
{
	return (struct filter_hnode *)f - 1;
}

static uint32_t
hash_id(uint64_t id)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	return (uint32_t)id;
}

dfp_status_t
engine_fhash_init(struct engine_filter_hash *h)
{
	h->n_buckets = FHASH_MIN_BUCKETS;
	h->by_id = calloc(h->n_buckets, sizeof(*h->by_id));
	h->by_key = calloc(h->n_buckets, sizeof(*h->by_key));
	if (h->by_id == NULL || h->by_key == NULL) {
		engine_fhash_fini(h);
		return DFP_STATUS_NO_MEMORY;
	}
	return DFP_STATUS_SUCCESS;
}

void
engine_fhash_fini(struct engine_filter_hash *h)
{
	free(h->by_id);
	free(h->by_key);
	h->by_id = NULL;
	h->by_key = NULL;
	h->n_buckets = 0;
}

static void
fhash_insert(struct engine_filter_hash *h, struct engine_filter *f)
{
	uint32_t bi = hash_id(f->rt.filter_id) & (h->n_buckets - 1);
	uint32_t bk = dfp_guid_hash(&f->key) & (h->n_buckets - 1);

	hnode(f)->next_id = h->by_id[bi];
	h->by_id[bi] = f;
	hnode(f)->next_key = h->by_key[bk];
	h->by_key[bk] = f;
}

static void
fhash_remove(struct engine_filter_hash *h, struct engine_filter *f)
{
	uint32_t bi = hash_id(f->rt.filter_id) & (h->n_buckets - 1);
	uint32_t bk = dfp_guid_hash(&f->key) & (h->n_buckets - 1);
	struct engine_filter **pp;

	for (pp = &h->by_id[bi]; *pp != NULL; pp = &hnode(*pp)->next_id) {
		if (*pp == f) {
			*pp = hnode(f)->next_id;
			break;
		}
	}
	for (pp = &h->by_key[bk]; *pp != NULL; pp = &hnode(*pp)->next_key) {
		if (*pp == f) {
			*pp = hnode(f)->next_key;
			break;
		}
	}
}

/* Double the table when it gets crowded; failure just keeps chains longer. */
static void
fhash_maybe_grow(struct dfp_engine *eng)
{
	struct engine_filter_hash *h = &eng->fhash;
	struct engine_filter_hash nh;
	struct engine_filter *f;

	if (eng->n_filters < h->n_buckets)
		return;
	nh.n_buckets = h->n_buckets * 2;
	nh.by_id = calloc(nh.n_buckets, sizeof(*nh.by_id));
	nh.by_key = calloc(nh.n_buckets, sizeof(*nh.by_key));
	if (nh.by_id == NULL || nh.by_key == NULL) {
		engine_fhash_fini(&nh);
		return;
	}
	TAILQ_FOREACH(f, &eng->filters, next)
		fhash_insert(&nh, f);
	engine_fhash_fini(h);
	*h = nh;
}

static struct engine_filter *
filter_find_id(struct dfp_engine *eng, uint64_t id)
{
	struct engine_filter *f = eng->fhash.by_id[hash_id(id) & (eng->fhash.n_buckets - 1)];

	for (; f != NULL; f = hnode(f)->next_id)
		if (f->rt.filter_id == id)
			return f;
	return NULL;
}

struct engine_filter *
engine_filter_find_id(struct dfp_engine *eng, uint64_t id)
{
	return filter_find_id(eng, id);
}

static struct engine_filter *
filter_find_key(struct dfp_engine *eng, const struct dfp_guid *key)
{
	struct engine_filter *f = eng->fhash.by_key[dfp_guid_hash(key) & (eng->fhash.n_buckets - 1)];

	for (; f != NULL; f = hnode(f)->next_key)
		if (dfp_guid_equal(&f->key, key))
			return f;
	return NULL;
}

/* ---- Allocation ---- */

static struct engine_filter *
filter_alloc(uint32_t n_conds)
{
	size_t size = sizeof(struct filter_hnode) + sizeof(struct engine_filter) +
		n_conds * sizeof(struct dfp_engine_cond);
	struct filter_hnode *mem = calloc(1, size);

	if (mem == NULL)
		return NULL;
	return (struct engine_filter *)(mem + 1);
}

void
engine_filter_free(struct engine_filter *f)
{
	if (f != NULL)
		free(hnode(f));
}

/* ---- Linking into the model ---- */

void
engine_filter_link(struct dfp_engine *eng, struct engine_filter *f)
{
	struct engine_filter *pos;

	/* Keep id order: new ids go last, restored ones back in place. */
	pos = TAILQ_LAST(&eng->filters, engine_filter_list);
	while (pos != NULL && pos->rt.filter_id > f->rt.filter_id)
		pos = TAILQ_PREV(pos, engine_filter_list, next);
	if (pos == NULL)
		TAILQ_INSERT_HEAD(&eng->filters, f, next);
	else
		TAILQ_INSERT_AFTER(&eng->filters, pos, f, next);
	fhash_insert(&eng->fhash, f);
	eng->n_filters++;
	eng->layer_n_filters[f->rt.layer_id]++;
	f->sublayer->n_filters++;
	f->sublayer->layer_n_filters[f->rt.layer_id]++;
	if (f->callout != NULL)
		f->callout->n_filters++;
	f->live = true;
	eng->dirty[f->rt.layer_id] = true;
	fhash_maybe_grow(eng);
}

void
engine_filter_unlink(struct dfp_engine *eng, struct engine_filter *f)
{
	TAILQ_REMOVE(&eng->filters, f, next);
	fhash_remove(&eng->fhash, f);
	eng->n_filters--;
	eng->layer_n_filters[f->rt.layer_id]--;
	f->sublayer->n_filters--;
	f->sublayer->layer_n_filters[f->rt.layer_id]--;
	if (f->callout != NULL)
		f->callout->n_filters--;
	f->live = false;
	eng->dirty[f->rt.layer_id] = true;
}

/*
 * Call the notify hook as a callout callback: PASSIVE-only calls made from
 * inside it then fail with STATUS_NOT_SUPPORTED instead of deadlocking on
 * the control lock the caller holds.
 */
static dfp_status_t
filter_notify(struct dfp_engine *eng, struct engine_filter *f, enum dfp_notify_type type)
{
	dfp_status_t st;

	if (eng->params.notify == NULL)
		return DFP_STATUS_SUCCESS;
	dfp_thread_callback_enter();
	st = eng->params.notify(eng->params.notify_ctx, type,
			type == DFP_NOTIFY_DELETE_FILTER ? NULL : &f->key, &f->rt);
	dfp_thread_callback_leave();
	return st;
}

void
engine_filter_notify(struct dfp_engine *eng, struct engine_filter *f, enum dfp_notify_type type)
{
	(void)filter_notify(eng, f, type);
}

/* ---- Weights ---- */

static unsigned int
log2_ceil_u128(struct dfp_u128 span)
{
	unsigned int bits = 0;

	/* Number of bits needed to write `span` (0 for 0). */
	while (span.hi != 0 || span.lo != 0) {
		span.lo = (span.lo >> 1) | (span.hi << 63);
		span.hi >>= 1;
		bits++;
	}
	return bits;
}

/*
 * FWP_EMPTY weight [port]: the number of value bits the conditions pin down,
 * summed over fields (more specific = heavier), scaled into [0, 2^60).
 * Tests must not depend on exact values (spec §10.22).
 */
static uint64_t
auto_weight(const struct dfp_engine_cond *conds, uint32_t n, unsigned int family)
{
	uint64_t score = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		const struct dfp_engine_cond *c = &conds[i];
		unsigned int bits = dfp_engine_field_bits(c->field, family);
		struct dfp_u128 span;
		unsigned int pinned = 0;

		switch (c->match) {
		case DFP_MATCH_EQUAL:
			pinned = c->has_prefix ? c->prefix_len : bits;
			break;
		case DFP_MATCH_RANGE:
			span.hi = c->high.hi - c->value.hi - (c->high.lo < c->value.lo);
			span.lo = c->high.lo - c->value.lo;
			pinned = bits - log2_ceil_u128(span);
			break;
		case DFP_MATCH_FLAGS_ALL_SET:
		case DFP_MATCH_FLAGS_NONE_SET:
			pinned = (unsigned int)__builtin_popcountll(c->value.lo) +
				(unsigned int)__builtin_popcountll(c->value.hi);
			break;
		default:
			pinned = 1;
			break;
		}
		score += pinned;
	}
	/* At most 64 conditions of at most 128 bits: score < 2^14. */
	return (score << 44) & ((UINT64_C(1) << 60) - 1);
}

/* ---- Add / delete ---- */

static int
cond_cmp(const void *a, const void *b)
{
	const struct dfp_engine_cond *x = a;
	const struct dfp_engine_cond *y = b;

	return (int)x->field - (int)y->field;
}

static bool
action_is_filter_action(uint32_t a)
{
	return a == DFP_ACTION_BLOCK || a == DFP_ACTION_PERMIT ||
		a == DFP_ACTION_CALLOUT_TERMINATING || a == DFP_ACTION_CALLOUT_INSPECTION ||
		a == DFP_ACTION_CALLOUT_UNKNOWN;
}

/* Distinct sublayers holding filters at a layer, counting `extra` as one more. */
static unsigned int
layer_sublayer_count(struct dfp_engine *eng, uint16_t layer_id, struct engine_sublayer *extra)
{
	struct engine_sublayer *s;
	unsigned int n = 0;

	TAILQ_FOREACH(s, &eng->sublayers, next)
		if (s->layer_n_filters[layer_id] > 0 || s == extra)
			n++;
	return n;
}

static dfp_status_t
filter_validate(struct dfp_engine *eng, const struct dfp_engine_filter_spec *spec,
		struct engine_sublayer **sl_out, struct engine_callout **co_out)
{
	struct engine_callout *co = NULL;
	struct engine_sublayer *sl;
	struct dfp_guid universal;
	bool is_callout;
	dfp_status_t st;
	uint32_t i;

	if (spec->name == NULL || spec->name[0] == '\0')
		return DFP_STATUS_FWP_NULL_DISPLAY_NAME;
	if (!dfp_engine_layer_is_valid(spec->layer_id))
		return DFP_STATUS_FWP_LAYER_NOT_FOUND;
	if (!action_is_filter_action(spec->action))
		return DFP_STATUS_FWP_INVALID_ACTION_TYPE;
	is_callout = (spec->action & DFP_ACTION_FLAG_CALLOUT) != 0;
	if (spec->flags & ~DFP_FILTER_FLAGS_VALID)
		return DFP_STATUS_FWP_INVALID_FLAGS;
	if ((spec->flags & DFP_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED) &&
			spec->action != DFP_ACTION_CALLOUT_TERMINATING &&
			spec->action != DFP_ACTION_CALLOUT_UNKNOWN)
		return DFP_STATUS_FWP_INVALID_FLAGS;
	switch (spec->weight_type) {
	case DFP_ENGINE_WEIGHT_AUTO:
	case DFP_ENGINE_WEIGHT_EXPLICIT:
		break;
	case DFP_ENGINE_WEIGHT_RANGE:
		if (spec->weight > 15)
			return DFP_STATUS_FWP_INVALID_WEIGHT;
		break;
	default:
		return DFP_STATUS_FWP_INVALID_WEIGHT;
	}
	if (spec->n_conds > DFP_ENGINE_MAX_CONDS)
		return DFP_STATUS_FWP_OUT_OF_BOUNDS;
	if (spec->n_conds > 0 && spec->conds == NULL)
		return DFP_STATUS_FWP_NULL_POINTER;
	for (i = 0; i < spec->n_conds; i++) {
		st = engine_cond_validate(&spec->conds[i], spec->layer_id);
		if (st != DFP_STATUS_SUCCESS)
			return st;
	}
	if (dfp_guid_is_zero(&spec->sublayer_key)) {
		dfp_guid_parse(DFP_ENGINE_SUBLAYER_UNIVERSAL_KEY, &universal);
		sl = engine_sublayer_find_key(eng, &universal);
	} else {
		sl = engine_sublayer_find_key(eng, &spec->sublayer_key);
	}
	if (sl == NULL)
		return DFP_STATUS_FWP_SUBLAYER_NOT_FOUND;
	if (is_callout) {
		co = engine_callout_find_key(eng, &spec->callout_key);
		if (co == NULL)
			return DFP_STATUS_FWP_CALLOUT_NOT_FOUND;
		if (co->layer_id != spec->layer_id)
			return DFP_STATUS_FWP_INCOMPATIBLE_LAYER;
	}
	if (!dfp_guid_is_zero(&spec->key) && filter_find_key(eng, &spec->key) != NULL)
		return DFP_STATUS_FWP_ALREADY_EXISTS;
	if (eng->layer_n_filters[spec->layer_id] > 0 &&
			layer_sublayer_count(eng, spec->layer_id, sl) > ENGINE_MAX_LAYER_SUBLAYERS)
		return DFP_STATUS_FWP_TOO_MANY_SUBLAYERS;
	*sl_out = sl;
	*co_out = co;
	return DFP_STATUS_SUCCESS;
}

dfp_status_t
dfp_engine_filter_add(struct dfp_engine *eng, const struct dfp_engine_filter_spec *spec,
		uint32_t owner, uint64_t *id_out)
{
	struct engine_callout *co = NULL;
	struct engine_sublayer *sl = NULL;
	struct engine_filter *f;
	unsigned int family;
	uint64_t weight;
	dfp_status_t st;

	if (eng == NULL || spec == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!eng->txn_open)
		return DFP_STATUS_FWP_NO_TXN_IN_PROGRESS;
	st = filter_validate(eng, spec, &sl, &co);
	if (st != DFP_STATUS_SUCCESS)
		return st;

	f = filter_alloc(spec->n_conds);
	if (f == NULL)
		return DFP_STATUS_NO_MEMORY;
	/* Freed with the filter on every failure below; fresh slots read zero. */
	f->rt.hit_slot = engine_hits_slot_alloc(&eng->hits);
	if (f->rt.hit_slot == 0) {
		engine_filter_free(f);
		return DFP_STATUS_INSUFFICIENT_RESOURCES;
	}
	family = dfp_engine_layer_family(spec->layer_id);
	if (spec->n_conds > 0)
		memcpy(f->conds, spec->conds, spec->n_conds * sizeof(f->conds[0]));
	/* Same-field conditions become adjacent OR groups (stable for display). */
	if (spec->n_conds > 1) {
		uint32_t i, j;

		/* Insertion sort keeps the given order within a field. */
		for (i = 1; i < spec->n_conds; i++) {
			struct dfp_engine_cond c = f->conds[i];

			for (j = i; j > 0 && cond_cmp(&f->conds[j - 1], &c) > 0; j--)
				f->conds[j] = f->conds[j - 1];
			f->conds[j] = c;
		}
	}
	switch (spec->weight_type) {
	case DFP_ENGINE_WEIGHT_EXPLICIT:
		weight = spec->weight;
		break;
	case DFP_ENGINE_WEIGHT_RANGE:
		weight = (spec->weight << 60) | auto_weight(f->conds, spec->n_conds, family);
		break;
	default:
		weight = auto_weight(f->conds, spec->n_conds, family);
		break;
	}
	f->key = spec->key;
	if (dfp_guid_is_zero(&f->key)) {
		do
			dfp_guid_generate(&f->key);
		while (filter_find_key(eng, &f->key) != NULL);
	}
	if (co != NULL)
		f->callout_key = co->key;
	memcpy(f->name, spec->name, strnlen(spec->name, DFP_ENGINE_NAME_SIZE - 1));
	f->sublayer = sl;
	f->callout = co;
	f->mgmt_flags = spec->flags;
	f->owner = owner;
	f->rt.filter_id = eng->next_filter_id;
	f->rt.weight = weight;
	f->rt.sublayer_weight = sl->weight;
	f->rt.flags = (uint16_t)(((spec->flags & DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT) ?
			DFP_RT_FILTER_FLAG_CLEAR_ACTION_RIGHT : 0) |
		((spec->flags & DFP_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED) ?
			DFP_RT_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED : 0));
	f->rt.layer_id = spec->layer_id;
	f->rt.n_conds = spec->n_conds;
	f->rt.conds = f->conds;
	f->rt.action_type = spec->action;
	f->rt.callout_id = co != NULL ? co->id : 0;
	f->rt.context = spec->raw_context;

	/* The callout may veto the add, and may set the filter's context. */
	if (co != NULL) {
		st = filter_notify(eng, f, DFP_NOTIFY_ADD_FILTER);
		if (!DFP_SUCCESS(st)) {
			engine_hits_slot_free(&eng->hits, f->rt.hit_slot);
			engine_filter_free(f);
			return DFP_STATUS_FWP_CALLOUT_NOTIFICATION_FAILED;
		}
	}
	st = engine_undo_push(eng, ENGINE_UNDO_FILTER_ADD, f);
	if (st != DFP_STATUS_SUCCESS) {
		if (co != NULL)
			engine_filter_notify(eng, f, DFP_NOTIFY_DELETE_FILTER);
		engine_hits_slot_free(&eng->hits, f->rt.hit_slot);
		engine_filter_free(f);
		return st;
	}
	eng->next_filter_id++;
	engine_filter_link(eng, f);
	if (id_out != NULL)
		*id_out = f->rt.filter_id;
	return DFP_STATUS_SUCCESS;
}

static dfp_status_t
filter_delete(struct dfp_engine *eng, struct engine_filter *f)
{
	dfp_status_t st = engine_undo_push(eng, ENGINE_UNDO_FILTER_DEL, f);

	if (st != DFP_STATUS_SUCCESS)
		return st;
	engine_filter_unlink(eng, f);
	return DFP_STATUS_SUCCESS;
}

dfp_status_t
dfp_engine_filter_delete_by_id(struct dfp_engine *eng, uint64_t id)
{
	struct engine_filter *f;

	if (eng == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!eng->txn_open)
		return DFP_STATUS_FWP_NO_TXN_IN_PROGRESS;
	f = filter_find_id(eng, id);
	if (f == NULL)
		return DFP_STATUS_FWP_FILTER_NOT_FOUND;
	return filter_delete(eng, f);
}

dfp_status_t
dfp_engine_filter_delete_by_key(struct dfp_engine *eng, const struct dfp_guid *key)
{
	struct engine_filter *f;

	if (eng == NULL || key == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!eng->txn_open)
		return DFP_STATUS_FWP_NO_TXN_IN_PROGRESS;
	f = filter_find_key(eng, key);
	if (f == NULL)
		return DFP_STATUS_FWP_FILTER_NOT_FOUND;
	return filter_delete(eng, f);
}

static void
filter_fill_info(struct dfp_engine *eng, const struct engine_filter *f,
		struct dfp_engine_filter_info *out)
{
	memset(out, 0, sizeof(*out));
	out->rt = f->rt;
	out->key = f->key;
	out->sublayer_key = f->sublayer->key;
	out->callout_key = f->callout_key;
	memcpy(out->name, f->name, sizeof(out->name));
	memcpy(out->sublayer_name, f->sublayer->name, sizeof(out->sublayer_name));
	out->mgmt_flags = f->mgmt_flags;
	out->owner = f->owner;
	out->committed = f->committed;
	out->hits = engine_hits_sum(&eng->hits, f->rt.hit_slot);
}

dfp_status_t
dfp_engine_filter_get(struct dfp_engine *eng, uint64_t id, struct dfp_engine_filter_info *out)
{
	struct engine_filter *f;

	if (eng == NULL || out == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	f = filter_find_id(eng, id);
	if (f == NULL)
		return DFP_STATUS_FWP_FILTER_NOT_FOUND;
	filter_fill_info(eng, f, out);
	return DFP_STATUS_SUCCESS;
}

dfp_status_t
dfp_engine_filter_lookup(struct dfp_engine *eng, const struct dfp_guid *key, const char *name,
		uint64_t *id_out)
{
	struct engine_filter *f = NULL;

	if (eng == NULL || (key == NULL && name == NULL))
		return DFP_STATUS_INVALID_PARAMETER;
	if (key != NULL) {
		f = filter_find_key(eng, key);
	} else {
		TAILQ_FOREACH(f, &eng->filters, next)
			if (strcmp(f->name, name) == 0)
				break;
	}
	if (f == NULL)
		return DFP_STATUS_FWP_FILTER_NOT_FOUND;
	if (id_out != NULL)
		*id_out = f->rt.filter_id;
	return DFP_STATUS_SUCCESS;
}

void
dfp_engine_filter_foreach(struct dfp_engine *eng, uint16_t layer_id,
		int (*cb)(void *arg, const struct dfp_engine_filter_info *f), void *arg)
{
	struct dfp_engine_filter_info info;
	struct engine_filter *f;

	TAILQ_FOREACH(f, &eng->filters, next) {
		if (layer_id != 0xFFFF && f->rt.layer_id != layer_id)
			continue;
		filter_fill_info(eng, f, &info);
		if (cb(arg, &info) != 0)
			return;
	}
}

uint32_t
dfp_engine_filter_count(const struct dfp_engine *eng)
{
	return eng != NULL ? eng->n_filters : 0;
}
