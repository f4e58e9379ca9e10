/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The management objects of a configuration: sublayers, callouts and
 * filters, then the checks that need the whole file (duplicate names and
 * keys, references from filters to sublayers and callouts).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_private.h"

/* Grow an object array and its side array to hold n + 1 elements. */
static bool
grow(struct conf_ctx *c, void **arr, size_t elem, struct conf_obj_side **side, size_t n,
		size_t *cap)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return true;
	ncap = *cap == 0 ? 16 : *cap * 2;
	p = realloc(*arr, ncap * elem);
	if (p == NULL)
		goto nomem;
	*arr = p;
	p = realloc(*side, ncap * sizeof(**side));
	if (p == NULL)
		goto nomem;
	*side = p;
	*cap = ncap;
	return true;
nomem:
	conf_nomem(c);
	return false;
}

/* ---- sublayers ---- */

static const char *const sublayer_keys[] = {"name", "key", "weight"};
enum { SUBLAYER_NAME, SUBLAYER_KEY, SUBLAYER_WEIGHT };

static void
walk_sublayer(struct conf_ctx *c, struct dfp_conf_sublayer *s, struct conf_obj_side *side)
{
	struct dfp_conf_pos kpos, vpos;
	char key[DFP_CONF_NAME_SIZE];
	uint32_t seen = 0;
	uint64_t v;
	int k;

	memset(s, 0, sizeof(*s));
	memset(side, 0, sizeof(*side));
	if (!rd_map_begin(c, "a sublayer", &s->pos))
		return;
	while (rd_map_key(c, key, sizeof(key), &kpos)) {
		k = conf_key_index(key, sublayer_keys, CONF_DIM(sublayer_keys));
		if (!conf_key_check(c, k, key, kpos, &seen, "a sublayer"))
			continue;
		switch (k) {
		case SUBLAYER_NAME:
			rd_name(c, "sublayer name", s->name, &side->name_pos);
			break;
		case SUBLAYER_KEY:
			rd_guid(c, "sublayer key", &s->key, &side->key_pos);
			break;
		case SUBLAYER_WEIGHT:
			if (rd_u64(c, "sublayer weight", 0, UINT16_MAX, &v, &vpos) == 0)
				s->weight = (uint16_t)v;
			break;
		}
	}
	if (!c->stop && !(seen & (UINT32_C(1) << SUBLAYER_NAME)))
		conf_error(c, s->pos, "missing mandatory key 'name' in a sublayer");
}

void
conf_walk_sublayers(struct conf_ctx *c)
{
	struct dfp_conf *conf = c->conf;
	struct dfp_conf_pos pos;
	bool too_many = false;

	if (!rd_seq_begin(c, "sublayers", &pos))
		return;
	while (rd_seq_item(c)) {
		if (conf->n_sublayers == DFP_CONF_MAX_SUBLAYERS) {
			if (!too_many)
				conf_error(c, rd_pos(c), "too many sublayers (max %d)",
					DFP_CONF_MAX_SUBLAYERS);
			too_many = true;
			rd_skip_node(c);
			continue;
		}
		if (!grow(c, (void **)&conf->sublayers, sizeof(*conf->sublayers),
				&c->sublayers_side, conf->n_sublayers, &c->cap_sublayers))
			return;
		walk_sublayer(c, &conf->sublayers[conf->n_sublayers],
			&c->sublayers_side[conf->n_sublayers]);
		conf->n_sublayers++;
	}
}

/* ---- callouts ---- */

static const char *const callout_keys[] = {"name", "key", "layer", "module", "register", "params"};
enum { CALLOUT_NAME, CALLOUT_KEY, CALLOUT_LAYER, CALLOUT_MODULE, CALLOUT_REGISTER,
	CALLOUT_PARAMS };

static void
walk_params(struct conf_ctx *c, struct dfp_conf_callout *co)
{
	char key[DFP_CONF_NAME_SIZE + 1];
	struct dfp_conf_param *np;
	struct dfp_conf_pos pos, kpos, vpos;
	unsigned int i;
	char *value;
	char *kdup;
	char q[48];

	if (rd_is_null(c)) {
		rd_advance(c);
		return;
	}
	if (!rd_map_begin(c, "params", &pos))
		return;
	while (rd_map_key(c, key, sizeof(key), &kpos)) {
		if (key[0] == '\0' || strlen(key) >= DFP_CONF_NAME_SIZE) {
			conf_error(c, kpos, "param name %s must have 1..%d characters",
				conf_quote(key, q, sizeof(q)), DFP_CONF_NAME_SIZE - 1);
			rd_skip_node(c);
			continue;
		}
		for (i = 0; i < co->n_params; i++)
			if (strcmp(co->params[i].key, key) == 0)
				break;
		if (i < co->n_params) {
			conf_error(c, kpos, "duplicate key %s in params", conf_quote(key, q, sizeof(q)));
			rd_skip_node(c);
			continue;
		}
		if (co->n_params == DFP_CONF_MAX_PARAMS) {
			conf_error(c, kpos, "too many params (max %d)", DFP_CONF_MAX_PARAMS);
			rd_skip_node(c);
			continue;
		}
		value = rd_scalar_dup(c, "param value", DFP_CONF_MAX_TEXT, &vpos);
		if (value == NULL)
			continue;
		kdup = strdup(key);
		np = realloc(co->params, (co->n_params + 1) * sizeof(*np));
		if (kdup == NULL || np == NULL) {
			free(kdup);
			free(value);
			if (np != NULL)
				co->params = np;
			conf_nomem(c);
			return;
		}
		co->params = np;
		co->params[co->n_params].key = kdup;
		co->params[co->n_params].value = value;
		co->n_params++;
	}
}

/* A layer given by name or GUID; -1 (reported) if unknown. */
static int
read_layer(struct conf_ctx *c, const char *what, struct dfp_conf_pos *pos)
{
	char buf[DFP_CONF_NAME_SIZE];
	char q[48];
	int id;

	if (rd_scalar(c, what, buf, sizeof(buf), pos) != 0)
		return -1;
	id = conf_layer_lookup(buf);
	if (id < 0)
		conf_error(c, *pos, "unknown layer %s", conf_quote(buf, q, sizeof(q)));
	return id;
}

static void
walk_callout(struct conf_ctx *c, struct dfp_conf_callout *co, struct conf_obj_side *side)
{
	static const unsigned int mandatory[] = {CALLOUT_NAME, CALLOUT_KEY, CALLOUT_LAYER,
		CALLOUT_MODULE};
	struct dfp_conf_pos kpos, vpos;
	char key[DFP_CONF_NAME_SIZE];
	uint32_t seen = 0;
	unsigned int i;
	int k, id;

	memset(co, 0, sizeof(*co));
	memset(side, 0, sizeof(*side));
	co->do_register = true;
	if (!rd_map_begin(c, "a callout", &co->pos))
		return;
	while (rd_map_key(c, key, sizeof(key), &kpos)) {
		k = conf_key_index(key, callout_keys, CONF_DIM(callout_keys));
		if (!conf_key_check(c, k, key, kpos, &seen, "a callout"))
			continue;
		switch (k) {
		case CALLOUT_NAME:
			rd_name(c, "callout name", co->name, &side->name_pos);
			break;
		case CALLOUT_KEY:
			rd_guid(c, "callout key", &co->key, &side->key_pos);
			break;
		case CALLOUT_LAYER:
			id = read_layer(c, "callout layer", &vpos);
			if (id >= 0) {
				co->layer_id = (uint16_t)id;
				side->aux_pos = vpos;
			}
			break;
		case CALLOUT_MODULE:
			co->module = rd_scalar_dup(c, "module", DFP_CONF_MAX_TEXT, &co->module_pos);
			if (co->module == NULL)
				break;
			if (co->module[0] == '\0')
				conf_error(c, co->module_pos,
					"module must not be empty (builtin:NAME or a path)");
			else if (strcmp(co->module, "builtin:") == 0)
				conf_error(c, co->module_pos, "module 'builtin:' names no built-in");
			break;
		case CALLOUT_REGISTER:
			rd_bool(c, "register", &co->do_register);
			break;
		case CALLOUT_PARAMS:
			walk_params(c, co);
			break;
		}
	}
	if (c->stop)
		return;
	for (i = 0; i < CONF_DIM(mandatory); i++)
		if (!(seen & (UINT32_C(1) << mandatory[i])))
			conf_error(c, co->pos, "missing mandatory key '%s' in a callout",
				callout_keys[mandatory[i]]);
}

void
conf_walk_callouts(struct conf_ctx *c)
{
	struct dfp_conf *conf = c->conf;
	struct dfp_conf_pos pos;
	bool too_many = false;

	if (!rd_seq_begin(c, "callouts", &pos))
		return;
	while (rd_seq_item(c)) {
		if (conf->n_callouts == DFP_CONF_MAX_CALLOUTS) {
			if (!too_many)
				conf_error(c, rd_pos(c), "too many callouts (max %d)",
					DFP_CONF_MAX_CALLOUTS);
			too_many = true;
			rd_skip_node(c);
			continue;
		}
		if (!grow(c, (void **)&conf->callouts, sizeof(*conf->callouts), &c->callouts_side,
				conf->n_callouts, &c->cap_callouts))
			return;
		walk_callout(c, &conf->callouts[conf->n_callouts],
			&c->callouts_side[conf->n_callouts]);
		conf->n_callouts++;
	}
}

/* ---- filters ---- */

static const char *const cond_keys[] = {"field", "match", "value"};
enum { COND_FIELD, COND_MATCH, COND_VALUE };

/* `value:` as a [lo, hi] list. */
static void
walk_cond_pair(struct conf_ctx *c, struct conf_cond_raw *r)
{
	struct dfp_conf_pos pos;
	unsigned int n = 0;
	bool ok = true;

	if (!rd_seq_begin(c, "condition value", &r->value_pos))
		return;
	while (rd_seq_item(c)) {
		if (n >= 2) {
			rd_skip_node(c);
			n++;
			continue;
		}
		if (rd_scalar(c, "range end", n == 0 ? r->value : r->high, CONF_VALUE_SIZE,
				n == 0 ? &pos : &r->high_pos) != 0)
			ok = false;
		n++;
	}
	if (c->stop || !ok)
		return;
	if (n != 2) {
		conf_error(c, r->value_pos, "a range list needs exactly two values [lo, hi], not %u",
			n);
		return;
	}
	r->is_pair = true;
	r->has_value = true;
}

static void
walk_cond(struct conf_ctx *c, struct conf_cond_raw *r)
{
	struct dfp_conf_pos kpos;
	char key[DFP_CONF_NAME_SIZE];
	uint32_t seen = 0;
	char q[48];
	int k;

	memset(r, 0, sizeof(*r));
	r->field_id = -1;
	r->match_id = -1;
	if (!rd_map_begin(c, "a condition", &r->pos))
		return;
	while (rd_map_key(c, key, sizeof(key), &kpos)) {
		k = conf_key_index(key, cond_keys, CONF_DIM(cond_keys));
		if (!conf_key_check(c, k, key, kpos, &seen, "a condition"))
			continue;
		switch (k) {
		case COND_FIELD:
			if (rd_scalar(c, "field", r->field, sizeof(r->field), &r->field_pos) != 0)
				break;
			r->field_id = dfp_engine_field_from_name(r->field);
			if (r->field_id < 0)
				conf_error(c, r->field_pos, "unknown field %s",
					conf_quote(r->field, q, sizeof(q)));
			break;
		case COND_MATCH:
			if (rd_scalar(c, "match", r->match, sizeof(r->match), &r->match_pos) != 0)
				break;
			r->match_id = dfp_engine_match_from_name(r->match);
			if (r->match_id < 0)
				conf_error(c, r->match_pos, "unknown match type %s (equal, not_equal, "
					"greater, less, greater_or_equal, less_or_equal, range, "
					"flags_all_set, flags_any_set, flags_none_set)",
					conf_quote(r->match, q, sizeof(q)));
			break;
		case COND_VALUE:
			if (c->have_ev && !c->stop && c->ev.type == YAML_SEQUENCE_START_EVENT)
				walk_cond_pair(c, r);
			else if (rd_scalar(c, "condition value", r->value, sizeof(r->value),
					&r->value_pos) == 0)
				r->has_value = true;
			break;
		}
	}
	if (c->stop)
		return;
	for (k = COND_FIELD; k <= COND_VALUE; k++)
		if (!(seen & (UINT32_C(1) << k))) {
			conf_error(c, r->pos, "missing mandatory key '%s' in a condition",
				cond_keys[k]);
			if (k == COND_VALUE)
				r->has_value = false;
		}
}

static void
walk_conds(struct conf_ctx *c, unsigned int *n_raw)
{
	struct dfp_conf_pos pos;
	bool too_many = false;

	if (!rd_seq_begin(c, "conditions", &pos))
		return;
	while (rd_seq_item(c)) {
		if (*n_raw == DFP_ENGINE_MAX_CONDS) {
			if (!too_many)
				conf_error(c, rd_pos(c), "too many conditions (max %d per filter)",
					DFP_ENGINE_MAX_CONDS);
			too_many = true;
			rd_skip_node(c);
			continue;
		}
		walk_cond(c, &c->raw[(*n_raw)++]);
	}
}

/* `weight:` N | auto | range:N | {range: N}. */
static void
walk_weight(struct conf_ctx *c, struct dfp_conf_filter *f)
{
	struct dfp_conf_pos pos, kpos, vpos;
	char key[DFP_CONF_NAME_SIZE];
	uint32_t seen = 0;
	char buf[96];
	char err[160];
	uint64_t v;
	int k;

	if (c->have_ev && !c->stop && c->ev.type == YAML_MAPPING_START_EVENT) {
		static const char *const weight_keys[] = {"range"};

		if (!rd_map_begin(c, "weight", &pos))
			return;
		while (rd_map_key(c, key, sizeof(key), &kpos)) {
			k = conf_key_index(key, weight_keys, 1);
			if (!conf_key_check(c, k, key, kpos, &seen, "weight"))
				continue;
			if (rd_u64(c, "weight range", 0, 15, &v, &vpos) == 0) {
				f->spec.weight_type = DFP_ENGINE_WEIGHT_RANGE;
				f->spec.weight = v;
			}
		}
		if (!c->stop && seen == 0)
			conf_error(c, pos, "missing mandatory key 'range' in weight ({range: 0..15})");
		return;
	}
	if (rd_scalar(c, "weight", buf, sizeof(buf), &vpos) != 0)
		return;
	if (dfp_conf_weight_parse(buf, &f->spec.weight_type, &f->spec.weight, err,
			sizeof(err)) != DFP_STATUS_SUCCESS)
		conf_error(c, vpos, "%s", err);
}

/* `flags:` [name, ...] or "name,name". */
static void
walk_flags(struct conf_ctx *c, struct dfp_conf_filter *f)
{
	char buf[DFP_CONF_NAME_SIZE * 4];
	struct dfp_conf_pos pos;
	char err[160];
	uint32_t bits;
	char q[48];

	if (c->have_ev && !c->stop && c->ev.type == YAML_SCALAR_EVENT && !rd_is_null(c)) {
		if (rd_scalar(c, "flags", buf, sizeof(buf), &pos) != 0)
			return;
		if (dfp_conf_filter_flags_parse(buf, &bits, err, sizeof(err)) != DFP_STATUS_SUCCESS)
			conf_error(c, pos, "%s", err);
		else
			f->spec.flags |= bits;
		return;
	}
	if (!rd_seq_begin(c, "flags", &pos))
		return;
	while (rd_seq_item(c)) {
		if (rd_scalar(c, "filter flag", buf, sizeof(buf), &pos) != 0)
			continue;
		bits = conf_filter_flag_from_name(buf);
		if (bits == 0)
			conf_error(c, pos, "unknown filter flag %s (persistent, clear_action_right, "
				"permit_if_callout_unregistered)", conf_quote(buf, q, sizeof(q)));
		f->spec.flags |= bits;
	}
}

static bool
action_is_callout(uint32_t action)
{
	return (action & DFP_ACTION_FLAG_CALLOUT) != 0;
}

/* Turn the conditions read into engine conditions now that the layer is known. */
static void
build_conds(struct conf_ctx *c, struct dfp_conf_filter *f, unsigned int n_raw, bool layer_ok)
{
	struct conf_full *full = c->full;
	struct dfp_engine_cond cond, *np;
	enum conf_cond_part part;
	struct dfp_conf_pos pos;
	struct conf_cond_raw *r;
	char err[160];
	unsigned int i;
	size_t ncap;

	for (i = 0; i < n_raw; i++) {
		r = &c->raw[i];
		if (!layer_ok || r->field_id < 0 || r->match_id < 0 || !r->has_value)
			continue;
		if (conf_cond_build(f->spec.layer_id, (enum dfp_field)r->field_id,
				(enum dfp_match)r->match_id, r->value, r->is_pair ? r->high : NULL,
				&cond, err, sizeof(err), &part) != DFP_STATUS_SUCCESS) {
			switch (part) {
			case CONF_COND_FIELD:
				pos = r->field_pos;
				break;
			case CONF_COND_MATCH:
				pos = r->match_pos;
				break;
			case CONF_COND_HIGH:
				pos = r->high_pos;
				break;
			case CONF_COND_VALUE:
				pos = r->value_pos;
				break;
			default:
				pos = r->pos;
				break;
			}
			conf_error(c, pos, "%s", err);
			continue;
		}
		if (c->n_conds == c->cap_conds) {
			ncap = c->cap_conds == 0 ? 256 : c->cap_conds * 2;
			np = realloc(full->conds, ncap * sizeof(*np));
			if (np == NULL) {
				conf_nomem(c);
				return;
			}
			full->conds = np;
			c->cap_conds = ncap;
		}
		full->conds[c->n_conds++] = cond;
		f->spec.n_conds++;
	}
}

static const char *const filter_keys[] = {
	"name", "key", "layer", "sublayer", "weight", "flags", "conditions", "action", "callout",
	"raw_context",
};
enum { FILTER_NAME, FILTER_KEY, FILTER_LAYER, FILTER_SUBLAYER, FILTER_WEIGHT, FILTER_FLAGS,
	FILTER_CONDITIONS, FILTER_ACTION, FILTER_CALLOUT, FILTER_RAW_CONTEXT };

static void
walk_filter(struct conf_ctx *c, struct dfp_conf_filter *f, struct conf_obj_side *side)
{
	static const unsigned int mandatory[] = {FILTER_NAME, FILTER_LAYER, FILTER_ACTION};
	struct dfp_conf_pos kpos, vpos, callout_kpos = {0, 0};
	char key[DFP_CONF_NAME_SIZE];
	bool layer_ok = false, action_ok = false;
	unsigned int n_raw = 0, i;
	uint32_t seen = 0;
	char q[48];
	int k, v;

	memset(f, 0, sizeof(*f));
	memset(side, 0, sizeof(*side));
	side->cond_off = c->n_conds;
	if (!rd_map_begin(c, "a filter", &f->pos))
		return;
	while (rd_map_key(c, key, sizeof(key), &kpos)) {
		k = conf_key_index(key, filter_keys, CONF_DIM(filter_keys));
		if (!conf_key_check(c, k, key, kpos, &seen, "a filter"))
			continue;
		switch (k) {
		case FILTER_NAME:
			rd_name(c, "filter name", f->name, &side->name_pos);
			break;
		case FILTER_KEY:
			rd_guid(c, "filter key", &f->spec.key, &side->key_pos);
			break;
		case FILTER_LAYER:
			v = read_layer(c, "layer", &vpos);
			if (v >= 0) {
				f->spec.layer_id = (uint16_t)v;
				layer_ok = true;
			}
			break;
		case FILTER_SUBLAYER:
			rd_name(c, "sublayer", f->sublayer, &f->sublayer_pos);
			break;
		case FILTER_WEIGHT:
			walk_weight(c, f);
			break;
		case FILTER_FLAGS:
			walk_flags(c, f);
			break;
		case FILTER_CONDITIONS:
			walk_conds(c, &n_raw);
			break;
		case FILTER_ACTION:
			if (rd_scalar(c, "action", key, sizeof(key), &vpos) != 0)
				break;
			v = dfp_engine_action_from_name(key);
			if (v < 0) {
				conf_error(c, vpos, "unknown action %s (permit, block, "
					"callout_terminating, callout_inspection, callout_unknown)",
					conf_quote(key, q, sizeof(q)));
				break;
			}
			f->spec.action = (uint32_t)v;
			action_ok = true;
			break;
		case FILTER_CALLOUT:
			callout_kpos = kpos;
			rd_name(c, "callout", f->callout, &f->callout_pos);
			break;
		case FILTER_RAW_CONTEXT:
			rd_u64(c, "raw_context", 0, UINT64_MAX, &f->spec.raw_context, &vpos);
			break;
		}
	}
	if (c->stop)
		return;
	for (i = 0; i < CONF_DIM(mandatory); i++)
		if (!(seen & (UINT32_C(1) << mandatory[i])))
			conf_error(c, f->pos, "missing mandatory key '%s' in a filter",
				filter_keys[mandatory[i]]);
	if (action_ok && action_is_callout(f->spec.action) &&
			!(seen & (UINT32_C(1) << FILTER_CALLOUT)))
		conf_error(c, f->pos, "action %s needs a 'callout' (name or key)",
			dfp_engine_action_name(f->spec.action));
	if (action_ok && !action_is_callout(f->spec.action) &&
			(seen & (UINT32_C(1) << FILTER_CALLOUT)))
		conf_error(c, callout_kpos, "'callout' is only for callout actions, not %s",
			dfp_engine_action_name(f->spec.action));
	if (layer_ok)
		side->aux_pos = f->pos;
	build_conds(c, f, n_raw, layer_ok);
}

void
conf_walk_filters(struct conf_ctx *c)
{
	struct dfp_conf *conf = c->conf;
	struct dfp_conf_pos pos;
	bool too_many = false;

	if (!rd_seq_begin(c, "filters", &pos))
		return;
	while (rd_seq_item(c)) {
		if (conf->n_filters == DFP_CONF_MAX_FILTERS) {
			if (!too_many)
				conf_error(c, rd_pos(c), "too many filters (max %d)",
					DFP_CONF_MAX_FILTERS);
			too_many = true;
			rd_skip_node(c);
			continue;
		}
		if (!grow(c, (void **)&conf->filters, sizeof(*conf->filters), &c->filters_side,
				conf->n_filters, &c->cap_filters))
			return;
		walk_filter(c, &conf->filters[conf->n_filters], &c->filters_side[conf->n_filters]);
		conf->n_filters++;
	}
}
