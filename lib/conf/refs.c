/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checks that need the whole file: duplicate names and keys of sublayers,
 * callouts and filters, and the references from filters to sublayers and
 * callouts. Up to a million filters: lookups go through small open-addressing
 * hash indexes, so the checks stay linear.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_private.h"

/*
 * An index over one key of an array of objects: the key of object i is
 * key_len bytes at base + i * stride + key_off (names are zero-padded
 * char[DFP_CONF_NAME_SIZE] arrays, so whole arrays compare).
 */
struct conf_index {
	uint32_t *slots;     /* Object index + 1; 0 = empty. */
	size_t mask;
	const char *base;
	size_t stride;
	size_t key_off;
	size_t key_len;
};

static uint32_t
hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 16777619u;
	}
	return h;
}

static bool
index_init(struct conf_ctx *c, struct conf_index *ix, size_t n, const void *base, size_t stride,
		size_t key_off, size_t key_len)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	ix->slots = calloc(cap, sizeof(*ix->slots));
	if (ix->slots == NULL) {
		conf_nomem(c);
		return false;
	}
	ix->mask = cap - 1;
	ix->base = base;
	ix->stride = stride;
	ix->key_off = key_off;
	ix->key_len = key_len;
	return true;
}

static const void *
index_key(const struct conf_index *ix, size_t i)
{
	return ix->base + i * ix->stride + ix->key_off;
}

/* The object whose key equals key, or -1. */
static long
index_find(const struct conf_index *ix, const void *key)
{
	size_t h = hash_bytes(key, ix->key_len) & ix->mask;

	for (; ix->slots[h] != 0; h = (h + 1) & ix->mask)
		if (memcmp(index_key(ix, ix->slots[h] - 1), key, ix->key_len) == 0)
			return (long)ix->slots[h] - 1;
	return -1;
}

/* Add object i unless an earlier object has its key; returns that one, or -1. */
static long
index_add(struct conf_index *ix, size_t i)
{
	const void *key = index_key(ix, i);
	size_t h = hash_bytes(key, ix->key_len) & ix->mask;

	for (; ix->slots[h] != 0; h = (h + 1) & ix->mask)
		if (memcmp(index_key(ix, ix->slots[h] - 1), key, ix->key_len) == 0)
			return (long)ix->slots[h] - 1;
	ix->slots[h] = (uint32_t)i + 1;
	return -1;
}

static void
index_free(struct conf_index *ix)
{
	free(ix->slots);
	ix->slots = NULL;
}

/* ---- Built-in sublayers ---- */

struct builtin_sublayer {
	const char *name;
	const char *wfp_name;
	const char *key;
};

static const struct builtin_sublayer builtin_sublayers[] = {
	{"universal", "FWPM_SUBLAYER_UNIVERSAL", DFP_ENGINE_SUBLAYER_UNIVERSAL_KEY},
	{"inspection", "FWPM_SUBLAYER_INSPECTION", DFP_ENGINE_SUBLAYER_INSPECTION_KEY},
};

static int
builtin_by_name(const char *s)
{
	unsigned int i;

	for (i = 0; i < CONF_DIM(builtin_sublayers); i++)
		if (strcasecmp(s, builtin_sublayers[i].name) == 0 ||
				strcasecmp(s, builtin_sublayers[i].wfp_name) == 0)
			return (int)i;
	return -1;
}

static int
builtin_by_key(const struct dfp_guid *g)
{
	struct dfp_guid k;
	unsigned int i;

	for (i = 0; i < CONF_DIM(builtin_sublayers); i++)
		if (dfp_guid_parse(builtin_sublayers[i].key, &k) == 0 && dfp_guid_equal(&k, g))
			return (int)i;
	return -1;
}

static void
builtin_key(unsigned int i, struct dfp_guid *g)
{
	dfp_guid_parse(builtin_sublayers[i].key, g);
}

/* ---- Duplicates ---- */

/* The indexes of one kind of object: by name and by key. */
struct conf_indexes {
	struct conf_index names;
	struct conf_index keys;
};

/*
 * Index n objects by name and key, reporting each name or key already
 * taken by an earlier object. A zero key or empty name is not indexed.
 */
static bool
index_objects(struct conf_ctx *c, struct conf_indexes *ix, const char *kind, const void *base,
		size_t n, size_t stride, size_t name_off, size_t key_off,
		const struct conf_obj_side *side)
{
	char gbuf[DFP_GUID_STR_LEN + 1];
	const struct dfp_guid *key;
	const char *name;
	size_t i;
	long j;

	if (!index_init(c, &ix->names, n, base, stride, name_off, DFP_CONF_NAME_SIZE))
		return false;
	if (!index_init(c, &ix->keys, n, base, stride, key_off, sizeof(struct dfp_guid))) {
		index_free(&ix->names);
		return false;
	}
	for (i = 0; i < n; i++) {
		name = (const char *)base + i * stride + name_off;
		key = (const struct dfp_guid *)((const char *)base + i * stride + key_off);
		if (name[0] != '\0' && (j = index_add(&ix->names, i)) >= 0)
			conf_error(c, side[i].name_pos, "duplicate %s name '%s' (first at %u:%u)",
				kind, name, side[j].name_pos.line, side[j].name_pos.col);
		if (!dfp_guid_is_zero(key) && (j = index_add(&ix->keys, i)) >= 0)
			conf_error(c, side[i].key_pos, "duplicate %s key %s (first at %u:%u)", kind,
				dfp_guid_format(key, gbuf, sizeof(gbuf)), side[j].key_pos.line,
				side[j].key_pos.col);
	}
	return true;
}

static void
indexes_free(struct conf_indexes *ix)
{
	index_free(&ix->names);
	index_free(&ix->keys);
}

/* Look a name (as written, shorter than DFP_CONF_NAME_SIZE) up in a name index. */
static long
find_name(const struct conf_index *ix, const char *name)
{
	char padded[DFP_CONF_NAME_SIZE];

	size_t len = strnlen(name, sizeof(padded) - 1);

	memset(padded, 0, sizeof(padded));
	memcpy(padded, name, len);
	return index_find(ix, padded);
}

/* ---- References ---- */

static void
resolve_sublayer(struct conf_ctx *c, struct dfp_conf_filter *f, const struct conf_indexes *ix)
{
	const struct dfp_conf *conf = c->conf;
	struct dfp_guid g;
	long i;
	int b;

	if (f->sublayer[0] == '\0') {
		builtin_key(0, &f->spec.sublayer_key);
		f->sublayer_resolved = true;
		return;
	}
	b = builtin_by_name(f->sublayer);
	if (b < 0 && dfp_guid_parse(f->sublayer, &g) == 0)
		b = builtin_by_key(&g);
	if (b >= 0) {
		builtin_key((unsigned int)b, &f->spec.sublayer_key);
		f->sublayer_resolved = true;
		return;
	}
	i = find_name(&ix->names, f->sublayer);
	if (i < 0 && dfp_guid_parse(f->sublayer, &g) == 0)
		i = index_find(&ix->keys, &g);
	if (i >= 0) {
		/* A file sublayer without a key gets one from the engine: the caller resolves it. */
		if (!dfp_guid_is_zero(&conf->sublayers[i].key)) {
			f->spec.sublayer_key = conf->sublayers[i].key;
			f->sublayer_resolved = true;
		}
		return;
	}
	if (!(c->flags & DFP_CONF_EXTERNAL_REFS))
		conf_error(c, f->sublayer_pos, "unknown sublayer '%s' (not in the file, not built in)",
			f->sublayer);
}

static void
resolve_callout(struct conf_ctx *c, struct dfp_conf_filter *f, bool layer_ok,
		const struct conf_indexes *ix)
{
	const struct dfp_conf_callout *co;
	struct dfp_guid g;
	long i;

	if (f->callout[0] == '\0')
		return;
	i = find_name(&ix->names, f->callout);
	if (i < 0 && dfp_guid_parse(f->callout, &g) == 0)
		i = index_find(&ix->keys, &g);
	if (i < 0) {
		if (!(c->flags & DFP_CONF_EXTERNAL_REFS))
			conf_error(c, f->callout_pos, "unknown callout '%s' (not in the file)",
				f->callout);
		return;
	}
	co = &c->conf->callouts[i];
	f->spec.callout_key = co->key;
	f->callout_resolved = true;
	if (layer_ok && c->callouts_side[i].aux_pos.line != 0 && co->layer_id != f->spec.layer_id)
		conf_error(c, f->callout_pos, "callout '%s' is for layer %s, the filter is at %s",
			co->name, dfp_engine_layer_name(co->layer_id),
			dfp_engine_layer_name(f->spec.layer_id));
}

void
conf_check_objects(struct conf_ctx *c)
{
	struct conf_indexes sub, call, filt;
	struct dfp_conf *conf = c->conf;
	struct dfp_conf_sublayer *s;
	struct dfp_conf_filter *f;
	char gbuf[DFP_GUID_STR_LEN + 1];
	unsigned int i;

	memset(&sub, 0, sizeof(sub));
	memset(&call, 0, sizeof(call));
	memset(&filt, 0, sizeof(filt));
	if (!index_objects(c, &sub, "sublayer", conf->sublayers, conf->n_sublayers,
			sizeof(*conf->sublayers), offsetof(struct dfp_conf_sublayer, name),
			offsetof(struct dfp_conf_sublayer, key), c->sublayers_side))
		goto out;
	if (!index_objects(c, &call, "callout", conf->callouts, conf->n_callouts,
			sizeof(*conf->callouts), offsetof(struct dfp_conf_callout, name),
			offsetof(struct dfp_conf_callout, key), c->callouts_side))
		goto out;
	if (!index_objects(c, &filt, "filter", conf->filters, conf->n_filters,
			sizeof(*conf->filters), offsetof(struct dfp_conf_filter, name),
			offsetof(struct dfp_conf_filter, spec.key), c->filters_side))
		goto out;
	for (i = 0; i < conf->n_sublayers; i++) {
		s = &conf->sublayers[i];
		if (s->name[0] != '\0' && builtin_by_name(s->name) >= 0)
			conf_error(c, c->sublayers_side[i].name_pos,
				"sublayer name '%s' is taken by a built-in sublayer", s->name);
		if (!dfp_guid_is_zero(&s->key) && builtin_by_key(&s->key) >= 0)
			conf_error(c, c->sublayers_side[i].key_pos,
				"sublayer key %s is taken by a built-in sublayer",
				dfp_guid_format(&s->key, gbuf, sizeof(gbuf)));
	}
	for (i = 0; i < conf->n_filters; i++) {
		f = &conf->filters[i];
		resolve_sublayer(c, f, &sub);
		resolve_callout(c, f, c->filters_side[i].aux_pos.line != 0, &call);
	}
out:
	indexes_free(&sub);
	indexes_free(&call);
	indexes_free(&filt);
}

void
conf_finish_filters(struct conf_ctx *c)
{
	struct dfp_conf *conf = c->conf;
	struct dfp_conf_filter *f;
	unsigned int i;

	for (i = 0; i < conf->n_filters; i++) {
		f = &conf->filters[i];
		f->spec.name = f->name;
		f->conds = f->spec.n_conds > 0 ? c->full->conds + c->filters_side[i].cond_off : NULL;
		f->spec.conds = f->conds;
	}
}

void
conf_free_objects(struct dfp_conf *conf)
{
	struct dfp_conf_callout *co;
	unsigned int i, j;

	for (i = 0; i < conf->n_callouts; i++) {
		co = &conf->callouts[i];
		free(co->module);
		for (j = 0; j < co->n_params; j++) {
			free(co->params[j].key);
			free(co->params[j].value);
		}
		free(co->params);
	}
	free(conf->sublayers);
	free(conf->callouts);
	free(conf->filters);
}

int
dfp_conf_sublayer_find(const struct dfp_conf *conf, const char *ref)
{
	struct dfp_guid g;
	bool is_guid;
	unsigned int i;

	if (conf == NULL || ref == NULL || ref[0] == '\0')
		return -1;
	is_guid = dfp_guid_parse(ref, &g) == 0;
	for (i = 0; i < conf->n_sublayers; i++)
		if (strcmp(conf->sublayers[i].name, ref) == 0 ||
				(is_guid && dfp_guid_equal(&conf->sublayers[i].key, &g)))
			return (int)i;
	return -1;
}

int
dfp_conf_callout_find(const struct dfp_conf *conf, const char *ref)
{
	struct dfp_guid g;
	bool is_guid;
	unsigned int i;

	if (conf == NULL || ref == NULL || ref[0] == '\0')
		return -1;
	is_guid = dfp_guid_parse(ref, &g) == 0;
	for (i = 0; i < conf->n_callouts; i++)
		if (strcmp(conf->callouts[i].name, ref) == 0 ||
				(is_guid && dfp_guid_equal(&conf->callouts[i].key, &g)))
			return (int)i;
	return -1;
}
