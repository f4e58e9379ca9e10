/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Filter conditions: validation at add time, the exact match used on the
 * data path for fall-through and non-compilable filters, and the expansion
 * of a condition into interval/ternary alternatives for the compiler.
 */
#include <string.h>

#include "engine_private.h"

static struct dfp_u128
u128_ones(unsigned int bits)
{
	struct dfp_u128 r;

	if (bits >= 128) {
		r.hi = UINT64_MAX;
		r.lo = UINT64_MAX;
	} else if (bits > 64) {
		r.hi = (UINT64_C(1) << (bits - 64)) - 1;
		r.lo = UINT64_MAX;
	} else {
		r.hi = 0;
		r.lo = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
	}
	return r;
}

static struct dfp_u128
u128_not(struct dfp_u128 a)
{
	struct dfp_u128 r = {~a.hi, ~a.lo};

	return r;
}

static struct dfp_u128
u128_or(struct dfp_u128 a, struct dfp_u128 b)
{
	struct dfp_u128 r = {a.hi | b.hi, a.lo | b.lo};

	return r;
}

static struct dfp_u128
u128_inc(struct dfp_u128 a)
{
	struct dfp_u128 r = a;

	r.lo++;
	if (r.lo == 0)
		r.hi++;
	return r;
}

static struct dfp_u128
u128_dec(struct dfp_u128 a)
{
	struct dfp_u128 r = a;

	if (r.lo == 0)
		r.hi--;
	r.lo--;
	return r;
}

struct dfp_u128
engine_u128_prefix_mask(unsigned int len, unsigned int bits)
{
	struct dfp_u128 all = u128_ones(bits);
	struct dfp_u128 host;

	if (len >= bits)
		return all;
	host = u128_ones(bits - len);
	return engine_u128_and(all, u128_not(host));
}

struct dfp_u128
engine_field_max(enum dfp_field field, unsigned int family)
{
	return u128_ones(dfp_engine_field_bits(field, family));
}

static bool
fits(struct dfp_u128 v, struct dfp_u128 max)
{
	return engine_u128_cmp(v, max) <= 0;
}

dfp_status_t
engine_cond_validate(const struct dfp_engine_cond *c, uint16_t layer_id)
{
	unsigned int family = dfp_engine_layer_family(layer_id);
	enum dfp_field_type type;
	struct dfp_u128 max;
	unsigned int bits;

	if (c->field >= DFP_FIELD_COUNT)
		return DFP_STATUS_FWP_CONDITION_NOT_FOUND;
	if (!dfp_engine_layer_has_field(layer_id, c->field))
		return DFP_STATUS_FWP_CONDITION_NOT_FOUND;
	type = dfp_engine_field_type(c->field);
	bits = dfp_engine_field_bits(c->field, family);
	max = u128_ones(bits);

	switch (c->match) {
	case DFP_MATCH_EQUAL:
	case DFP_MATCH_NOT_EQUAL:
		break;
	case DFP_MATCH_GREATER:
	case DFP_MATCH_LESS:
	case DFP_MATCH_GREATER_OR_EQUAL:
	case DFP_MATCH_LESS_OR_EQUAL:
	case DFP_MATCH_RANGE:
		if (c->has_prefix)
			return DFP_STATUS_FWP_MATCH_TYPE_MISMATCH;
		break;
	case DFP_MATCH_FLAGS_ALL_SET:
	case DFP_MATCH_FLAGS_ANY_SET:
	case DFP_MATCH_FLAGS_NONE_SET:
		/* Unsigned integers only: IPv4 addresses are FWP_UINT32, IPv6 and MACs are arrays. */
		if (c->has_prefix || type == DFP_FIELD_TYPE_MAC ||
				(type == DFP_FIELD_TYPE_ADDR && family == 6))
			return DFP_STATUS_FWP_MATCH_TYPE_MISMATCH;
		break;
	case DFP_MATCH_EQUAL_CASE_INSENSITIVE:
	case 11: /* FWP_MATCH_PREFIX: strings only. */
	case 12: /* FWP_MATCH_NOT_PREFIX. */
		return DFP_STATUS_FWP_MATCH_TYPE_MISMATCH;
	default:
		return DFP_STATUS_INVALID_PARAMETER;
	}
	if (c->has_prefix) {
		if (type != DFP_FIELD_TYPE_ADDR)
			return DFP_STATUS_FWP_TYPE_MISMATCH;
		if (c->prefix_len > bits)
			return DFP_STATUS_FWP_INVALID_NET_MASK;
	}
	if (!fits(c->value, max))
		return DFP_STATUS_FWP_OUT_OF_BOUNDS;
	if (c->match == DFP_MATCH_RANGE) {
		if (!fits(c->high, max))
			return DFP_STATUS_FWP_OUT_OF_BOUNDS;
		if (engine_u128_cmp(c->value, c->high) > 0)
			return DFP_STATUS_FWP_INVALID_RANGE;
	}
	return DFP_STATUS_SUCCESS;
}

/* The interval an EQUAL condition stands for (a prefix covers a block). */
static void
equal_interval(const struct dfp_engine_cond *c, unsigned int bits, struct dfp_u128 *lo,
		struct dfp_u128 *hi)
{
	struct dfp_u128 mask;

	if (!c->has_prefix) {
		*lo = c->value;
		*hi = c->value;
		return;
	}
	mask = engine_u128_prefix_mask(c->prefix_len, bits);
	*lo = engine_u128_and(c->value, mask);
	*hi = u128_or(*lo, engine_u128_and(u128_ones(bits), u128_not(mask)));
}

bool
dfp_engine_cond_match(const struct dfp_engine_cond *c, const struct dfp_engine_values *v,
		unsigned int family)
{
	struct dfp_u128 x = dfp_engine_values_get(v, c->field, family);
	unsigned int bits = dfp_engine_field_bits(c->field, family);
	struct dfp_u128 lo, hi;

	switch (c->match) {
	case DFP_MATCH_EQUAL:
	case DFP_MATCH_NOT_EQUAL:
		equal_interval(c, bits, &lo, &hi);
		return (engine_u128_cmp(x, lo) >= 0 && engine_u128_cmp(x, hi) <= 0) ==
			(c->match == DFP_MATCH_EQUAL);
	case DFP_MATCH_GREATER:
		return engine_u128_cmp(x, c->value) > 0;
	case DFP_MATCH_LESS:
		return engine_u128_cmp(x, c->value) < 0;
	case DFP_MATCH_GREATER_OR_EQUAL:
		return engine_u128_cmp(x, c->value) >= 0;
	case DFP_MATCH_LESS_OR_EQUAL:
		return engine_u128_cmp(x, c->value) <= 0;
	case DFP_MATCH_RANGE:
		return engine_u128_cmp(x, c->value) >= 0 && engine_u128_cmp(x, c->high) <= 0;
	case DFP_MATCH_FLAGS_ALL_SET:
		return engine_u128_eq(engine_u128_and(x, c->value), c->value);
	case DFP_MATCH_FLAGS_ANY_SET:
		return !engine_u128_is_zero(engine_u128_and(x, c->value));
	case DFP_MATCH_FLAGS_NONE_SET:
		return engine_u128_is_zero(engine_u128_and(x, c->value));
	default:
		return false;
	}
}

bool
dfp_engine_filter_match(const struct dfp_engine_filter_rt *f, const struct dfp_engine_values *v)
{
	unsigned int family = dfp_engine_layer_family(f->layer_id);
	uint32_t i = 0;

	/* Conditions are kept sorted by field: each run of one field is an OR group. */
	while (i < f->n_conds) {
		uint16_t field = f->conds[i].field;
		bool any = false;

		for (; i < f->n_conds && f->conds[i].field == field; i++)
			if (!any && dfp_engine_cond_match(&f->conds[i], v, family))
				any = true;
		if (!any)
			return false;
	}
	return true;
}

static unsigned int
put_interval(struct engine_alt *alts, unsigned int n, unsigned int max, struct dfp_u128 lo,
		struct dfp_u128 hi)
{
	if (n < max) {
		memset(&alts[n], 0, sizeof(alts[n]));
		alts[n].lo = lo;
		alts[n].hi = hi;
	}
	return n + 1;
}

static unsigned int
put_ternary(struct engine_alt *alts, unsigned int n, unsigned int max, struct dfp_u128 value,
		struct dfp_u128 mask)
{
	if (n < max) {
		memset(&alts[n], 0, sizeof(alts[n]));
		alts[n].ternary = true;
		alts[n].value = value;
		alts[n].mask = mask;
	}
	return n + 1;
}

unsigned int
engine_cond_expand(const struct dfp_engine_cond *c, unsigned int family, struct engine_alt *alts,
		unsigned int max)
{
	unsigned int bits = dfp_engine_field_bits(c->field, family);
	struct dfp_u128 zero = {0, 0};
	struct dfp_u128 top = u128_ones(bits);
	struct dfp_u128 lo, hi;
	unsigned int n = 0;
	unsigned int b;

	switch (c->match) {
	case DFP_MATCH_EQUAL:
		equal_interval(c, bits, &lo, &hi);
		return put_interval(alts, n, max, lo, hi);
	case DFP_MATCH_NOT_EQUAL:
		equal_interval(c, bits, &lo, &hi);
		if (!engine_u128_is_zero(lo))
			n = put_interval(alts, n, max, zero, u128_dec(lo));
		if (engine_u128_cmp(hi, top) < 0)
			n = put_interval(alts, n, max, u128_inc(hi), top);
		return n;
	case DFP_MATCH_GREATER:
		if (engine_u128_cmp(c->value, top) >= 0)
			return 0;
		return put_interval(alts, n, max, u128_inc(c->value), top);
	case DFP_MATCH_LESS:
		if (engine_u128_is_zero(c->value))
			return 0;
		return put_interval(alts, n, max, zero, u128_dec(c->value));
	case DFP_MATCH_GREATER_OR_EQUAL:
		return put_interval(alts, n, max, c->value, top);
	case DFP_MATCH_LESS_OR_EQUAL:
		return put_interval(alts, n, max, zero, c->value);
	case DFP_MATCH_RANGE:
		return put_interval(alts, n, max, c->value, c->high);
	case DFP_MATCH_FLAGS_ALL_SET:
		return put_ternary(alts, n, max, c->value, c->value);
	case DFP_MATCH_FLAGS_NONE_SET:
		return put_ternary(alts, n, max, zero, c->value);
	case DFP_MATCH_FLAGS_ANY_SET:
		/* (x & m) != 0 is the union over the set bits b of (x & b) == b. */
		for (b = 0; b < bits; b++) {
			struct dfp_u128 bit = {0, 0};

			if (b < 64)
				bit.lo = UINT64_C(1) << b;
			else
				bit.hi = UINT64_C(1) << (b - 64);
			if (!engine_u128_is_zero(engine_u128_and(bit, c->value)))
				n = put_ternary(alts, n, max, bit, bit);
		}
		return n;
	default:
		return 0;
	}
}
