/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The management model: engine lifetime, sublayers, callout objects, the
 * run-time callout id directory and transactions (undo log). Control thread
 * only; lib/ctl serialises every call.
 */
#include <stdlib.h>
#include <string.h>

#include "model_private.h"

DFP_LOG_REGISTER(engine);

#define FWPM_SUBLAYER_FLAG_PERSISTENT 0x1u
#define FWPM_CALLOUT_FLAG_PERSISTENT 0x10000u
#define FWPM_CALLOUT_FLAG_USES_PROVIDER_CONTEXT 0x20000u

static void
copy_name(char *dst, const char *src)
{
	size_t len = strnlen(src, DFP_ENGINE_NAME_SIZE - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

static bool
name_is_valid(const char *name)
{
	return name != NULL && name[0] != '\0';
}

dfp_status_t
engine_undo_push(struct dfp_engine *eng, enum engine_undo_op op, void *obj)
{
	if (eng->n_undo == eng->cap_undo) {
		uint32_t cap = eng->cap_undo ? eng->cap_undo * 2 : 64;
		struct engine_undo *u = realloc(eng->undo, cap * sizeof(*u));

		if (u == NULL)
			return DFP_STATUS_NO_MEMORY;
		eng->undo = u;
		eng->cap_undo = cap;
	}
	eng->undo[eng->n_undo].op = op;
	eng->undo[eng->n_undo].obj = obj;
	eng->n_undo++;
	return DFP_STATUS_SUCCESS;
}

/* ---- Sublayers ---- */

struct engine_sublayer *
engine_sublayer_find_key(struct dfp_engine *eng, const struct dfp_guid *key)
{
	struct engine_sublayer *s;

	TAILQ_FOREACH(s, &eng->sublayers, next)
		if (dfp_guid_equal(&s->key, key))
			return s;
	return NULL;
}

static struct engine_sublayer *
sublayer_new(struct dfp_engine *eng, const struct dfp_engine_sublayer_spec *spec, uint32_t owner,
		bool builtin)
{
	struct engine_sublayer *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->key = spec->key;
	copy_name(s->name, spec->name);
	s->weight = spec->weight;
	s->flags = spec->flags;
	s->order = eng->sublayer_seq++;
	s->owner = owner;
	s->builtin = builtin;
	return s;
}

static dfp_status_t
add_builtin_sublayer(struct dfp_engine *eng, const char *key, const char *name, uint16_t weight)
{
	struct dfp_engine_sublayer_spec spec = {.name = name, .weight = weight};
	struct engine_sublayer *s;

	if (dfp_guid_parse(key, &spec.key) != 0)
		return DFP_STATUS_INVALID_PARAMETER;
	s = sublayer_new(eng, &spec, 0, true);
	if (s == NULL)
		return DFP_STATUS_NO_MEMORY;
	TAILQ_INSERT_TAIL(&eng->sublayers, s, next);
	return DFP_STATUS_SUCCESS;
}

static void
sublayer_fill_info(const struct engine_sublayer *s, struct dfp_engine_sublayer_info *out)
{
	memset(out, 0, sizeof(*out));
	out->key = s->key;
	memcpy(out->name, s->name, sizeof(out->name));
	out->weight = s->weight;
	out->builtin = s->builtin;
	out->n_filters = s->n_filters;
	out->owner = s->owner;
}

dfp_status_t
dfp_engine_sublayer_add(struct dfp_engine *eng, const struct dfp_engine_sublayer_spec *spec,
		uint32_t owner, struct dfp_guid *key_out)
{
	struct dfp_engine_sublayer_spec copy;
	struct engine_sublayer *s;
	dfp_status_t st;

	if (eng == NULL || spec == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!eng->txn_open)
		return DFP_STATUS_FWP_NO_TXN_IN_PROGRESS;
	if (!name_is_valid(spec->name))
		return DFP_STATUS_FWP_NULL_DISPLAY_NAME;
	if (spec->flags & ~FWPM_SUBLAYER_FLAG_PERSISTENT)
		return DFP_STATUS_FWP_INVALID_FLAGS;
	copy = *spec;
	if (dfp_guid_is_zero(&copy.key)) {
		do
			dfp_guid_generate(&copy.key);
		while (engine_sublayer_find_key(eng, &copy.key) != NULL);
	} else if (engine_sublayer_find_key(eng, &copy.key) != NULL) {
		return DFP_STATUS_FWP_ALREADY_EXISTS;
	}
	s = sublayer_new(eng, &copy, owner, false);
	if (s == NULL)
		return DFP_STATUS_NO_MEMORY;
	st = engine_undo_push(eng, ENGINE_UNDO_SUBLAYER_ADD, s);
	if (st != DFP_STATUS_SUCCESS) {
		free(s);
		return st;
	}
	TAILQ_INSERT_TAIL(&eng->sublayers, s, next);
	if (key_out != NULL)
		*key_out = s->key;
	return DFP_STATUS_SUCCESS;
}

dfp_status_t
dfp_engine_sublayer_delete(struct dfp_engine *eng, const struct dfp_guid *key)
{
	struct engine_sublayer *s;
	dfp_status_t st;

	if (eng == NULL || key == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!eng->txn_open)
		return DFP_STATUS_FWP_NO_TXN_IN_PROGRESS;
	s = engine_sublayer_find_key(eng, key);
	if (s == NULL)
		return DFP_STATUS_FWP_SUBLAYER_NOT_FOUND;
	if (s->builtin)
		return DFP_STATUS_FWP_BUILTIN_OBJECT;
	if (s->n_filters > 0)
		return DFP_STATUS_FWP_IN_USE;
	st = engine_undo_push(eng, ENGINE_UNDO_SUBLAYER_DEL, s);
	if (st != DFP_STATUS_SUCCESS)
		return st;
	TAILQ_REMOVE(&eng->sublayers, s, next);
	return DFP_STATUS_SUCCESS;
}

dfp_status_t
dfp_engine_sublayer_get(struct dfp_engine *eng, const struct dfp_guid *key,
		struct dfp_engine_sublayer_info *out)
{
	struct engine_sublayer *s;

	if (eng == NULL || key == NULL || out == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	s = engine_sublayer_find_key(eng, key);
	if (s == NULL)
		return DFP_STATUS_FWP_SUBLAYER_NOT_FOUND;
	sublayer_fill_info(s, out);
	return DFP_STATUS_SUCCESS;
}

dfp_status_t
dfp_engine_sublayer_find(struct dfp_engine *eng, const char *name, struct dfp_guid *key_out)
{
	struct engine_sublayer *s;

	if (eng == NULL || name == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	TAILQ_FOREACH(s, &eng->sublayers, next) {
		if (strcmp(s->name, name) == 0) {
			if (key_out != NULL)
				*key_out = s->key;
			return DFP_STATUS_SUCCESS;
		}
	}
	return DFP_STATUS_FWP_SUBLAYER_NOT_FOUND;
}

static int
sublayer_cmp(const void *a, const void *b)
{
	const struct engine_sublayer *x = *(const struct engine_sublayer *const *)a;
	const struct engine_sublayer *y = *(const struct engine_sublayer *const *)b;

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return x->order < y->order ? -1 : (x->order > y->order);
}

void
dfp_engine_sublayer_foreach(struct dfp_engine *eng,
		int (*cb)(void *arg, const struct dfp_engine_sublayer_info *s), void *arg)
{
	struct dfp_engine_sublayer_info info;
	struct engine_sublayer **v, *s;
	unsigned int n = 0, i;

	TAILQ_FOREACH(s, &eng->sublayers, next)
		n++;
	v = malloc((n ? n : 1) * sizeof(*v));
	if (v == NULL)
		return;
	n = 0;
	TAILQ_FOREACH(s, &eng->sublayers, next)
		v[n++] = s;
	qsort(v, n, sizeof(*v), sublayer_cmp);
	for (i = 0; i < n; i++) {
		sublayer_fill_info(v[i], &info);
		if (cb(arg, &info) != 0)
			break;
	}
	free(v);
}

/* ---- Callout id directory and callout objects ---- */

static struct engine_callout_id *
callout_id_find_key(struct dfp_engine *eng, const struct dfp_guid *key)
{
	struct engine_callout_id *c;

	TAILQ_FOREACH(c, &eng->callout_ids, next)
		if (dfp_guid_equal(&c->key, key))
			return c;
	return NULL;
}

static struct engine_callout_id *
callout_id_find(struct dfp_engine *eng, uint32_t id)
{
	struct engine_callout_id *c;

	TAILQ_FOREACH(c, &eng->callout_ids, next)
		if (c->id == id)
			return c;
	return NULL;
}

/* Get or create the id entry of a key. */
static struct engine_callout_id *
callout_id_get(struct dfp_engine *eng, const struct dfp_guid *key)
{
	struct engine_callout_id *c = callout_id_find_key(eng, key);

	if (c != NULL)
		return c;
	if (eng->next_callout_id == UINT32_MAX)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->key = *key;
	c->id = eng->next_callout_id++;
	TAILQ_INSERT_TAIL(&eng->callout_ids, c, next);
	return c;
}

static void
callout_id_maybe_free(struct dfp_engine *eng, struct engine_callout_id *c)
{
	if (c->n_bindings == 0 && !c->has_object) {
		TAILQ_REMOVE(&eng->callout_ids, c, next);
		free(c);
	}
}

/* Free every id entry that nothing holds any more. */
static void
callout_id_sweep(struct dfp_engine *eng)
{
	struct engine_callout_id *c, *tmp;

	for (c = TAILQ_FIRST(&eng->callout_ids); c != NULL; c = tmp) {
		tmp = TAILQ_NEXT(c, next);
		callout_id_maybe_free(eng, c);
	}
}

dfp_status_t
dfp_engine_callout_id_bind(struct dfp_engine *eng, const struct dfp_guid *key, uint32_t *id_out)
{
	struct engine_callout_id *c;

	if (eng == NULL || key == NULL || id_out == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (eng->next_callout_id == UINT32_MAX && callout_id_find_key(eng, key) == NULL)
		return DFP_STATUS_FWP_TOO_MANY_CALLOUTS;
	c = callout_id_get(eng, key);
	if (c == NULL)
		return DFP_STATUS_NO_MEMORY;
	c->n_bindings++;
	*id_out = c->id;
	return DFP_STATUS_SUCCESS;
}

void
dfp_engine_callout_id_unbind(struct dfp_engine *eng, uint32_t id)
{
	struct engine_callout_id *c = callout_id_find(eng, id);

	if (c == NULL || c->n_bindings == 0)
		return;
	c->n_bindings--;
	/*
	 * Not while a transaction is open: if it deleted the key's object, an
	 * abort puts the object back with this id, and the key must keep it for
	 * the next registration (spec §1.8). The commit or abort frees the entry.
	 */
	if (!eng->txn_open)
		callout_id_maybe_free(eng, c);
}

struct engine_callout *
engine_callout_find_key(struct dfp_engine *eng, const struct dfp_guid *key)
{
	struct engine_callout *c;

	TAILQ_FOREACH(c, &eng->callouts, next)
		if (dfp_guid_equal(&c->key, key))
			return c;
	return NULL;
}

static struct engine_callout *
callout_find_id(struct dfp_engine *eng, uint32_t id)
{
	struct engine_callout *c;

	TAILQ_FOREACH(c, &eng->callouts, next)
		if (c->id == id)
			return c;
	return NULL;
}

static void
callout_fill_info(const struct engine_callout *c, struct dfp_engine_callout_info *out)
{
	memset(out, 0, sizeof(*out));
	out->key = c->key;
	memcpy(out->name, c->name, sizeof(out->name));
	out->callout_id = c->id;
	out->layer_id = c->layer_id;
	out->n_filters = c->n_filters;
	out->owner = c->owner;
}

dfp_status_t
dfp_engine_callout_add(struct dfp_engine *eng, const struct dfp_engine_callout_spec *spec,
		uint32_t owner, uint32_t *id_out)
{
	struct engine_callout_id *cid;
	struct engine_callout *c;
	struct dfp_guid key;
	dfp_status_t st;

	if (eng == NULL || spec == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!eng->txn_open)
		return DFP_STATUS_FWP_NO_TXN_IN_PROGRESS;
	if (!name_is_valid(spec->name))
		return DFP_STATUS_FWP_NULL_DISPLAY_NAME;
	if (!dfp_engine_layer_is_valid(spec->layer_id))
		return DFP_STATUS_FWP_LAYER_NOT_FOUND;
	if (spec->flags & ~(FWPM_CALLOUT_FLAG_PERSISTENT | FWPM_CALLOUT_FLAG_USES_PROVIDER_CONTEXT))
		return DFP_STATUS_FWP_INVALID_FLAGS;
	key = spec->key;
	if (dfp_guid_is_zero(&key)) {
		do
			dfp_guid_generate(&key);
		while (callout_id_find_key(eng, &key) != NULL);
	} else if (engine_callout_find_key(eng, &key) != NULL) {
		return DFP_STATUS_FWP_ALREADY_EXISTS;
	}
	cid = callout_id_find_key(eng, &key);
	if (cid == NULL && eng->next_callout_id == UINT32_MAX)
		return DFP_STATUS_FWP_TOO_MANY_CALLOUTS;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return DFP_STATUS_NO_MEMORY;
	cid = callout_id_get(eng, &key);
	if (cid == NULL) {
		free(c);
		return DFP_STATUS_NO_MEMORY;
	}
	st = engine_undo_push(eng, ENGINE_UNDO_CALLOUT_ADD, c);
	if (st != DFP_STATUS_SUCCESS) {
		callout_id_maybe_free(eng, cid);
		free(c);
		return st;
	}
	c->key = key;
	copy_name(c->name, spec->name);
	c->id = cid->id;
	c->layer_id = spec->layer_id;
	c->flags = spec->flags;
	c->owner = owner;
	cid->has_object = true;
	TAILQ_INSERT_TAIL(&eng->callouts, c, next);
	if (id_out != NULL)
		*id_out = c->id;
	return DFP_STATUS_SUCCESS;
}

static dfp_status_t
callout_delete(struct dfp_engine *eng, struct engine_callout *c)
{
	struct engine_callout_id *cid;
	dfp_status_t st;

	if (c->n_filters > 0)
		return DFP_STATUS_FWP_IN_USE;
	st = engine_undo_push(eng, ENGINE_UNDO_CALLOUT_DEL, c);
	if (st != DFP_STATUS_SUCCESS)
		return st;
	TAILQ_REMOVE(&eng->callouts, c, next);
	cid = callout_id_find(eng, c->id);
	if (cid != NULL)
		cid->has_object = false;
	/* The id entry stays until commit so that an abort can restore it. */
	return DFP_STATUS_SUCCESS;
}

dfp_status_t
dfp_engine_callout_delete_by_id(struct dfp_engine *eng, uint32_t id)
{
	struct engine_callout *c;

	if (eng == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!eng->txn_open)
		return DFP_STATUS_FWP_NO_TXN_IN_PROGRESS;
	c = callout_find_id(eng, id);
	if (c == NULL)
		return DFP_STATUS_FWP_CALLOUT_NOT_FOUND;
	return callout_delete(eng, c);
}

dfp_status_t
dfp_engine_callout_delete_by_key(struct dfp_engine *eng, const struct dfp_guid *key)
{
	struct engine_callout *c;

	if (eng == NULL || key == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!eng->txn_open)
		return DFP_STATUS_FWP_NO_TXN_IN_PROGRESS;
	c = engine_callout_find_key(eng, key);
	if (c == NULL)
		return DFP_STATUS_FWP_CALLOUT_NOT_FOUND;
	return callout_delete(eng, c);
}

dfp_status_t
dfp_engine_callout_get(struct dfp_engine *eng, uint32_t id, struct dfp_engine_callout_info *out)
{
	struct engine_callout *c;

	if (eng == NULL || out == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	c = callout_find_id(eng, id);
	if (c == NULL)
		return DFP_STATUS_FWP_CALLOUT_NOT_FOUND;
	callout_fill_info(c, out);
	return DFP_STATUS_SUCCESS;
}

dfp_status_t
dfp_engine_callout_lookup(struct dfp_engine *eng, const struct dfp_guid *key, uint32_t *id_out)
{
	struct engine_callout *c;

	if (eng == NULL || key == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	c = engine_callout_find_key(eng, key);
	if (c == NULL)
		return DFP_STATUS_FWP_CALLOUT_NOT_FOUND;
	if (id_out != NULL)
		*id_out = c->id;
	return DFP_STATUS_SUCCESS;
}

void
dfp_engine_callout_foreach(struct dfp_engine *eng,
		int (*cb)(void *arg, const struct dfp_engine_callout_info *c), void *arg)
{
	struct dfp_engine_callout_info info;
	struct engine_callout *c;
	uint32_t last = 0;

	/* Id order: ids only grow, but undo may re-insert out of order. */
	for (;;) {
		struct engine_callout *best = NULL;

		TAILQ_FOREACH(c, &eng->callouts, next)
			if (c->id > last && (best == NULL || c->id < best->id))
				best = c;
		if (best == NULL)
			return;
		last = best->id;
		callout_fill_info(best, &info);
		if (cb(arg, &info) != 0)
			return;
	}
}

/* ---- Engine ---- */

dfp_status_t
dfp_engine_create(const struct dfp_engine_params *params, struct dfp_engine **out)
{
	struct dfp_engine *eng;
	dfp_status_t st;

	if (out == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	eng = calloc(1, sizeof(*eng));
	if (eng == NULL)
		return DFP_STATUS_NO_MEMORY;
	if (params != NULL)
		eng->params = *params;
	TAILQ_INIT(&eng->sublayers);
	TAILQ_INIT(&eng->callouts);
	TAILQ_INIT(&eng->callout_ids);
	TAILQ_INIT(&eng->filters);
	eng->next_filter_id = 1;
	eng->next_callout_id = 1;
	st = engine_fhash_init(&eng->fhash);
	if (st != DFP_STATUS_SUCCESS)
		goto out_free_engine;
	st = engine_hits_init(&eng->hits, eng->params.max_filters);
	if (st != DFP_STATUS_SUCCESS)
		goto out_destroy;
	st = add_builtin_sublayer(eng, DFP_ENGINE_SUBLAYER_UNIVERSAL_KEY, "universal",
			DFP_ENGINE_SUBLAYER_UNIVERSAL_WEIGHT);
	if (st != DFP_STATUS_SUCCESS)
		goto out_destroy;
	st = add_builtin_sublayer(eng, DFP_ENGINE_SUBLAYER_INSPECTION_KEY, "inspection", 0);
	if (st != DFP_STATUS_SUCCESS)
		goto out_destroy;
	*out = eng;
	return DFP_STATUS_SUCCESS;

out_destroy:
	dfp_engine_destroy(eng);
	return st;
out_free_engine:
	free(eng);
	return st;
}

static void
undo_free_pending(struct dfp_engine *eng)
{
	uint32_t i;

	/* Deleted objects live only in the log now; added ones are linked. */
	for (i = 0; i < eng->n_undo; i++) {
		switch (eng->undo[i].op) {
		case ENGINE_UNDO_FILTER_DEL:
			engine_filter_free(eng->undo[i].obj);
			break;
		case ENGINE_UNDO_SUBLAYER_DEL:
		case ENGINE_UNDO_CALLOUT_DEL:
			free(eng->undo[i].obj);
			break;
		default:
			break;
		}
	}
	eng->n_undo = 0;
}

void
dfp_engine_destroy(struct dfp_engine *eng)
{
	struct engine_callout_id *cid;
	struct engine_sublayer *s;
	struct engine_callout *c;
	struct engine_filter *f;

	if (eng == NULL)
		return;
	engine_ruleset_free(eng->current);
	undo_free_pending(eng);
	free(eng->undo);
	while ((f = TAILQ_FIRST(&eng->filters)) != NULL) {
		TAILQ_REMOVE(&eng->filters, f, next);
		engine_filter_free(f);
	}
	engine_fhash_fini(&eng->fhash);
	engine_hits_fini(&eng->hits);
	while ((s = TAILQ_FIRST(&eng->sublayers)) != NULL) {
		TAILQ_REMOVE(&eng->sublayers, s, next);
		free(s);
	}
	while ((c = TAILQ_FIRST(&eng->callouts)) != NULL) {
		TAILQ_REMOVE(&eng->callouts, c, next);
		free(c);
	}
	while ((cid = TAILQ_FIRST(&eng->callout_ids)) != NULL) {
		TAILQ_REMOVE(&eng->callout_ids, cid, next);
		free(cid);
	}
	free(eng);
}

/* ---- Transactions ---- */

dfp_status_t
dfp_engine_txn_begin(struct dfp_engine *eng)
{
	if (eng == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (eng->txn_open)
		return DFP_STATUS_FWP_TXN_IN_PROGRESS;
	eng->txn_open = true;
	eng->n_undo = 0;
	return DFP_STATUS_SUCCESS;
}

bool
dfp_engine_txn_is_open(const struct dfp_engine *eng)
{
	return eng != NULL && eng->txn_open;
}

dfp_status_t
dfp_engine_txn_prepare(struct dfp_engine *eng, struct dfp_engine_ruleset **out)
{
	if (eng == NULL || out == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!eng->txn_open)
		return DFP_STATUS_FWP_NO_TXN_IN_PROGRESS;
	return engine_ruleset_build(eng, out);
}

void
dfp_engine_txn_finish(struct dfp_engine *eng, struct dfp_engine_ruleset *published,
		struct dfp_engine_ruleset *previous)
{
	struct engine_callout_id *cid;
	struct engine_filter *f;
	uint32_t i;

	if (eng == NULL || !eng->txn_open)
		return;
	if (published != NULL) {
		memset(eng->dirty, 0, sizeof(eng->dirty));
		eng->current = published;
		if (previous != NULL && previous != published)
			engine_ruleset_free(previous);
	}
	/*
	 * Filters added and deleted within this transaction were never
	 * published: their FILTER_DEL entry frees them below, so forget their
	 * FILTER_ADD entry first (no POST_COMMIT for them).
	 */
	for (i = 0; i < eng->n_undo; i++) {
		if (eng->undo[i].op != ENGINE_UNDO_FILTER_ADD)
			continue;
		f = eng->undo[i].obj;
		if (f->live)
			f->committed = true;
		else
			eng->undo[i].op = ENGINE_UNDO_NOP;
	}
	/*
	 * No worker can see the old ruleset any more: deleted filters can go,
	 * with their DELETE_FILTER notification (the callout frees its
	 * filter context only now), and so can their hit counter slots.
	 */
	for (i = 0; i < eng->n_undo; i++) {
		void *obj = eng->undo[i].obj;

		switch (eng->undo[i].op) {
		case ENGINE_UNDO_FILTER_DEL:
			f = obj;
			if (f->rt.action_type & DFP_ACTION_FLAG_CALLOUT)
				engine_filter_notify(eng, f, DFP_NOTIFY_DELETE_FILTER);
			engine_hits_slot_free(&eng->hits, f->rt.hit_slot);
			engine_filter_free(f);
			break;
		case ENGINE_UNDO_SUBLAYER_DEL:
			free(obj);
			break;
		case ENGINE_UNDO_CALLOUT_DEL:
			cid = callout_id_find(eng, ((struct engine_callout *)obj)->id);
			if (cid != NULL)
				callout_id_maybe_free(eng, cid);
			free(obj);
			break;
		default:
			break;
		}
	}
	/* ADD_FILTER_POST_COMMIT once the whole transaction is visible. */
	for (i = 0; i < eng->n_undo; i++) {
		if (eng->undo[i].op != ENGINE_UNDO_FILTER_ADD)
			continue;
		f = eng->undo[i].obj;
		if (f->rt.action_type & DFP_ACTION_FLAG_CALLOUT)
			engine_filter_notify(eng, f, DFP_NOTIFY_ADD_FILTER_POST_COMMIT);
	}
	/* Id entries a registration left during the transaction (unbind defers). */
	callout_id_sweep(eng);
	eng->n_undo = 0;
	eng->txn_open = false;
}

dfp_status_t
dfp_engine_txn_abort(struct dfp_engine *eng)
{
	struct engine_callout_id *cid;
	struct engine_sublayer *s;
	struct engine_callout *c;
	struct engine_filter *f;
	uint32_t i;

	if (eng == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!eng->txn_open)
		return DFP_STATUS_FWP_NO_TXN_IN_PROGRESS;
	for (i = eng->n_undo; i-- > 0;) {
		void *obj = eng->undo[i].obj;

		switch (eng->undo[i].op) {
		case ENGINE_UNDO_NOP:
			break;
		case ENGINE_UNDO_FILTER_ADD:
			f = obj;
			engine_filter_unlink(eng, f);
			/*
			 * Never published: the callout may free its context at
			 * once, and no worker counts into its hit slot.
			 */
			if (f->rt.action_type & DFP_ACTION_FLAG_CALLOUT)
				engine_filter_notify(eng, f, DFP_NOTIFY_DELETE_FILTER);
			engine_hits_slot_free(&eng->hits, f->rt.hit_slot);
			engine_filter_free(f);
			break;
		case ENGINE_UNDO_FILTER_DEL:
			engine_filter_link(eng, obj);
			break;
		case ENGINE_UNDO_SUBLAYER_ADD:
			s = obj;
			TAILQ_REMOVE(&eng->sublayers, s, next);
			free(s);
			break;
		case ENGINE_UNDO_SUBLAYER_DEL:
			TAILQ_INSERT_TAIL(&eng->sublayers, (struct engine_sublayer *)obj, next);
			break;
		case ENGINE_UNDO_CALLOUT_ADD:
			c = obj;
			TAILQ_REMOVE(&eng->callouts, c, next);
			cid = callout_id_find(eng, c->id);
			/* Freed by the sweep below: an earlier delete of the key may restore it. */
			if (cid != NULL)
				cid->has_object = false;
			free(c);
			break;
		case ENGINE_UNDO_CALLOUT_DEL:
			c = obj;
			TAILQ_INSERT_TAIL(&eng->callouts, c, next);
			cid = callout_id_find(eng, c->id);
			if (cid != NULL)
				cid->has_object = true;
			break;
		}
	}
	callout_id_sweep(eng);
	/* Layers touched only by undone changes compile to what is published. */
	eng->n_undo = 0;
	eng->txn_open = false;
	return DFP_STATUS_SUCCESS;
}

struct dfp_engine_ruleset *
dfp_engine_ruleset_current(struct dfp_engine *eng)
{
	return eng != NULL ? eng->current : NULL;
}

dfp_status_t
dfp_engine_delete_owned(struct dfp_engine *eng, uint32_t owner)
{
	struct engine_sublayer *s, *stmp;
	struct engine_callout *c, *ctmp;
	struct engine_filter *f, *ftmp;
	dfp_status_t st;

	if (eng == NULL)
		return DFP_STATUS_INVALID_PARAMETER;
	if (!eng->txn_open)
		return DFP_STATUS_FWP_NO_TXN_IN_PROGRESS;
	if (owner == 0)
		return DFP_STATUS_SUCCESS;
	for (f = TAILQ_FIRST(&eng->filters); f != NULL; f = ftmp) {
		ftmp = TAILQ_NEXT(f, next);
		if (f->owner == owner) {
			st = dfp_engine_filter_delete_by_id(eng, f->rt.filter_id);
			if (st != DFP_STATUS_SUCCESS)
				return st;
		}
	}
	for (c = TAILQ_FIRST(&eng->callouts); c != NULL; c = ctmp) {
		ctmp = TAILQ_NEXT(c, next);
		if (c->owner == owner && c->n_filters == 0) {
			st = callout_delete(eng, c);
			if (st != DFP_STATUS_SUCCESS)
				return st;
		}
	}
	for (s = TAILQ_FIRST(&eng->sublayers); s != NULL; s = stmp) {
		stmp = TAILQ_NEXT(s, next);
		if (s->owner == owner && s->n_filters == 0) {
			st = dfp_engine_sublayer_delete(eng, &s->key);
			if (st != DFP_STATUS_SUCCESS)
				return st;
		}
	}
	return DFP_STATUS_SUCCESS;
}
