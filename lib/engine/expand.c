/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Expansion of one filter into ACL rules (control thread only).
 *
 * A filter becomes the cartesian product of its fields' alternatives
 * (engine_cond_expand(), OR-ed per field), converted to what the field's
 * ACL type can hold: intervals for RANGE fields, prefixes for MASK fields,
 * value/mask pairs for BITMASK fields. A field whose alternatives cover
 * every value is a wildcard and drops out of the filter's shape; a filter
 * with no constrained field always matches; one whose field matches nothing
 * never does; one beyond the rule budget, or with two runs of one field
 * (which the matcher ANDs), is matched exactly per packet instead.
 *
 * A field split in several RANGE parts (an IPv6 address or a MAC with
 * ranges, lookup.c) takes an interval as boxes: fixed leading parts, then
 * a lower edge, a middle and an upper edge. The compiler also asks here
 * how much rules overlap, which is what makes rte_acl's tries grow.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_common.h>

#include "engine_private.h"
#include "lookup_private.h"

#define RAW_MAX 256          /* Alternatives of one condition. */
#define IVL_MAX 8192         /* Intervals of one field before merging. */

struct ivl {
	unsigned __int128 lo, hi;
};

struct tern {
	unsigned __int128 v, m;
};

enum { ALT_OK, ALT_WILD, ALT_NONE, ALT_MANY };

struct lk_expander {
	const struct lk_layout *lay;
	unsigned int family;
	uint32_t max_rules;
	struct engine_alt raw[RAW_MAX];
	struct ivl *ivl;
	struct tern *tern;
	struct lk_alt *pool;     /* Alternatives of the filter being expanded. */
	uint32_t n_pool;
};

static unsigned __int128
ones(unsigned int bits)
{
	if (bits >= 128)
		return ~(unsigned __int128)0;
	return ((unsigned __int128)1 << bits) - 1;
}

static unsigned __int128
to_u128(struct dfp_u128 a)
{
	return ((unsigned __int128)a.hi << 64) | a.lo;
}

static unsigned int
ctz128(unsigned __int128 x)
{
	uint64_t lo = (uint64_t)x;

	if (lo != 0)
		return __builtin_ctzll(lo);
	return 64 + __builtin_ctzll((uint64_t)(x >> 64));
}

static void
alt_tern(const struct lk_field *fl, struct lk_alt *a, unsigned __int128 v, unsigned __int128 m)
{
	unsigned int k, shift = fl->bits;

	for (k = 0; k < fl->n_parts; k++) {
		shift -= fl->part_bits[k];
		a->v[k] = (uint32_t)((v >> shift) & ones(fl->part_bits[k]));
		a->m[k] = (uint32_t)((m >> shift) & ones(fl->part_bits[k]));
	}
}

static void
alt_prefix(const struct lk_field *fl, struct lk_alt *a, unsigned __int128 v, unsigned int len)
{
	unsigned int k, pb, plen, top = 0;

	if (fl->type == RTE_ACL_FIELD_TYPE_BITMASK) {
		alt_tern(fl, a, v, ones(fl->bits) & ~ones(fl->bits - len));
		return;
	}
	/* MASK parts: a prefix ending inside part k leaves later parts wildcard. */
	for (k = 0; k < fl->n_parts; k++) {
		pb = fl->part_bits[k];
		plen = len > top ? RTE_MIN(len - top, pb) : 0;
		a->v[k] = (uint32_t)((v >> (fl->bits - top - pb)) & (ones(pb) & ~ones(pb - plen)));
		a->m[k] = plen;
		top += pb;
	}
}

/* A ternary as the intervals it covers (RANGE and MASK fields). */
static int
tern_to_ivls(struct lk_expander *x, const struct lk_field *fl, unsigned __int128 v,
		unsigned __int128 m, uint32_t budget, uint32_t *n_iv)
{
	unsigned int pos[128], w = 0, j;
	unsigned int t = ctz128(m);
	unsigned __int128 holes;
	uint64_t i, count;

	/* Each wildcard bit above the lowest fixed one doubles the intervals. */
	holes = ~m & ones(fl->bits) & ~ones(t + 1);
	while (holes != 0) {
		pos[w++] = ctz128(holes);
		holes &= holes - 1;
	}
	if (w > 20)
		return ALT_MANY;
	count = UINT64_C(1) << w;
	if (count > budget || *n_iv + count > IVL_MAX)
		return ALT_MANY;
	for (i = 0; i < count; i++) {
		unsigned __int128 y = v;

		for (j = 0; j < w; j++)
			if ((i >> j) & 1)
				y |= (unsigned __int128)1 << pos[j];
		x->ivl[*n_iv].lo = y;
		x->ivl[*n_iv].hi = y | ones(t);
		(*n_iv)++;
	}
	return ALT_OK;
}

static int
ivl_cmp(const void *a, const void *b)
{
	const struct ivl *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static uint32_t
ivl_merge(struct ivl *iv, uint32_t n, unsigned __int128 max)
{
	uint32_t i, o = 0;

	if (n == 0)
		return 0;
	qsort(iv, n, sizeof(*iv), ivl_cmp);
	for (i = 1; i < n; i++) {
		if (iv[o].hi == max || iv[i].lo <= iv[o].hi + 1) {
			if (iv[i].hi > iv[o].hi)
				iv[o].hi = iv[i].hi;
		} else {
			iv[++o] = iv[i];
		}
	}
	return o + 1;
}

/* An interval as the fewest prefixes covering it exactly. */
static int
ivl_prefixes(const struct lk_field *fl, unsigned __int128 lo, unsigned __int128 hi,
		struct lk_alt *out, uint32_t *n, uint32_t budget)
{
	for (;;) {
		unsigned int k = lo == 0 ? fl->bits : RTE_MIN(ctz128(lo), fl->bits);

		while (k > 0 && hi - lo < ones(k))
			k--;
		if (*n == budget)
			return ALT_MANY;
		alt_prefix(fl, &out[(*n)++], lo, fl->bits - k);
		if (hi - lo == ones(k))
			return ALT_OK;
		lo += ones(k) + 1;
	}
}

/*
 * An interval of a RANGE field as boxes of per-part ranges (most
 * significant part first): parts above the first one where lo and hi
 * differ are fixed, then a lower edge, a middle and an upper edge, the
 * edges recursing into the parts below. At most 2 * n_parts - 1 boxes.
 * k is the part [lo, hi] starts at, shift the bits of parts k and below,
 * fixed the box with parts above k set.
 */
static int
ivl_boxes(const struct lk_field *fl, unsigned int k, unsigned int shift, unsigned __int128 lo,
		unsigned __int128 hi, struct lk_alt *out, uint32_t *n, uint32_t budget,
		const struct lk_alt *fixed)
{
	unsigned int pb = fl->part_bits[k];
	unsigned int rest = shift - pb;
	unsigned __int128 tail = ones(rest);
	uint32_t a = (uint32_t)((lo >> rest) & ones(pb));
	uint32_t z = (uint32_t)((hi >> rest) & ones(pb));
	bool lo_full = (lo & tail) == 0;
	bool hi_full = (hi & tail) == tail;
	struct lk_alt box = *fixed;
	unsigned int j;
	int rc;

	if (k + 1 == fl->n_parts || (lo_full && hi_full)) {
		if (*n == budget)
			return ALT_MANY;
		box.v[k] = a;
		box.m[k] = z;
		for (j = k + 1; j < fl->n_parts; j++) {
			box.v[j] = 0;
			box.m[j] = (uint32_t)ones(fl->part_bits[j]);
		}
		out[(*n)++] = box;
		return ALT_OK;
	}
	if (a == z) {
		box.v[k] = a;
		box.m[k] = a;
		return ivl_boxes(fl, k + 1, rest, lo & tail, hi & tail, out, n, budget, &box);
	}
	if (!lo_full) {
		box.v[k] = a;
		box.m[k] = a;
		rc = ivl_boxes(fl, k + 1, rest, lo & tail, tail, out, n, budget, &box);
		if (rc != ALT_OK)
			return rc;
		a++;
	}
	if (!hi_full)
		z--;
	if (a <= z) {
		rc = ivl_boxes(fl, k, shift, (unsigned __int128)a << rest,
			((unsigned __int128)z << rest) | tail, out, n, budget, fixed);
		if (rc != ALT_OK)
			return rc;
	}
	if (!hi_full) {
		box.v[k] = z + 1;
		box.m[k] = z + 1;
		return ivl_boxes(fl, k + 1, rest, 0, hi & tail, out, n, budget, &box);
	}
	return ALT_OK;
}

/*
 * The ACL alternatives of one field: the union of its conditions, at most
 * `budget` of them, written to x->pool + x->n_pool.
 */
static int
field_alts(struct lk_expander *x, const struct lk_field *fl, const struct dfp_engine_cond *conds,
		uint32_t n_conds, uint32_t budget, uint32_t *count)
{
	struct lk_alt *out = x->pool + x->n_pool;
	unsigned __int128 max = ones(fl->bits);
	uint32_t i, k, n_raw, n = 0;
	uint32_t n_iv = 0;
	uint32_t n_t = 0;
	int rc;

	for (i = 0; i < n_conds; i++) {
		n_raw = engine_cond_expand(&conds[i], x->family, x->raw, RAW_MAX);
		if (n_raw > RAW_MAX)
			return ALT_MANY;
		for (k = 0; k < n_raw; k++) {
			const struct engine_alt *a = &x->raw[k];
			unsigned __int128 v = to_u128(a->value);
			unsigned __int128 m = to_u128(a->mask);
			unsigned __int128 lo = to_u128(a->lo);
			unsigned __int128 hi = to_u128(a->hi);

			if (!a->ternary) {
				/* Values beyond the width the ACL sees never occur. */
				if (lo > max || lo > hi)
					continue;
				if (n_iv == IVL_MAX)
					return ALT_MANY;
				x->ivl[n_iv].lo = lo;
				x->ivl[n_iv++].hi = RTE_MIN(hi, max);
				continue;
			}
			if ((v & ~m) != 0 || (v & ~max) != 0)
				continue;
			m &= max;
			if (m == 0)
				return ALT_WILD;
			if (fl->type == RTE_ACL_FIELD_TYPE_BITMASK) {
				if (n_t == IVL_MAX)
					return ALT_MANY;
				x->tern[n_t].v = v;
				x->tern[n_t++].m = m;
				continue;
			}
			rc = tern_to_ivls(x, fl, v, m, budget, &n_iv);
			if (rc != ALT_OK)
				return rc;
		}
	}
	if (n_iv + n_t == 0)
		return ALT_NONE;
	n_iv = ivl_merge(x->ivl, n_iv, max);
	if (n_iv == 1 && x->ivl[0].lo == 0 && x->ivl[0].hi == max)
		return ALT_WILD;
	for (i = 0; i < n_iv; i++) {
		if (fl->type != RTE_ACL_FIELD_TYPE_RANGE) {
			rc = ivl_prefixes(fl, x->ivl[i].lo, x->ivl[i].hi, out, &n, budget);
			if (rc != ALT_OK)
				return rc;
			continue;
		}
		if (fl->n_parts > 1) {
			struct lk_alt none;

			memset(&none, 0, sizeof(none));
			rc = ivl_boxes(fl, 0, fl->bits, x->ivl[i].lo, x->ivl[i].hi, out, &n, budget,
				&none);
			if (rc != ALT_OK)
				return rc;
			continue;
		}
		if (n == budget)
			return ALT_MANY;
		out[n].v[0] = (uint32_t)x->ivl[i].lo;
		out[n++].m[0] = (uint32_t)x->ivl[i].hi;
	}
	for (i = 0; i < n_t; i++) {
		if (n == budget)
			return ALT_MANY;
		alt_tern(fl, &out[n++], x->tern[i].v, x->tern[i].m);
	}
	*count = n;
	return ALT_OK;
}

enum lk_fc
engine_expand(struct lk_expander *x, const struct dfp_engine_filter_rt *f, struct lk_expansion *e)
{
	uint32_t product = 1;
	uint32_t count = 0;
	uint32_t seen = 0;
	uint32_t i = 0;
	uint16_t field;
	uint32_t j;
	int rc;

	e->n_cf = 0;
	e->shape = 0;
	x->n_pool = 0;
	while (i < f->n_conds) {
		field = f->conds[i].field;
		for (j = i; j < f->n_conds && f->conds[j].field == field; j++)
			;
		/* Two runs of one field are AND-ed by the matcher: leave that to it. */
		if (field >= DFP_FIELD_COUNT || (seen & (1u << field)) != 0)
			return LK_FC_EXACT;
		seen |= 1u << field;
		rc = field_alts(x, &x->lay->fields[field], &f->conds[i], j - i,
			x->max_rules / product, &count);
		i = j;
		if (rc == ALT_WILD)
			continue;
		if (rc == ALT_NONE)
			return LK_FC_NEVER;
		if (rc == ALT_MANY)
			return LK_FC_EXACT;
		e->cf_field[e->n_cf] = field;
		e->cf_first[e->n_cf] = x->n_pool;
		e->cf_count[e->n_cf++] = count;
		e->shape |= 1u << field;
		x->n_pool += count;
		product *= count;
	}
	if (e->n_cf == 0)
		return LK_FC_ALWAYS;
	e->n_rules = product;
	e->alts = x->pool;
	return LK_FC_ACL;
}

static void
set_acl_field(struct rte_acl_field *f, unsigned int size, uint32_t v, uint32_t m)
{
	memset(f, 0, sizeof(*f));
	if (size == 1) {
		f->value.u8 = v;
		f->mask_range.u8 = m;
	} else if (size == 2) {
		f->value.u16 = v;
		f->mask_range.u16 = m;
	} else {
		f->value.u32 = v;
		f->mask_range.u32 = m;
	}
}

void
engine_expansion_rules(const struct lk_layout *lay, const struct lk_expansion *e,
		size_t rule_size, uint32_t priority, uint32_t userdata, uint8_t *out)
{
	uint32_t idx[DFP_FIELD_COUNT] = {0};
	struct rte_acl_rule *r;
	uint32_t k, p;

	for (;;) {
		r = (struct rte_acl_rule *)out;
		out += rule_size;
		memset(r, 0, rule_size);
		r->data.priority = priority;
		r->data.userdata = userdata;
		/* Zero is a wildcard for MASK and BITMASK fields; a RANGE needs 0..max. */
		for (k = 0; k < lay->n_defs; k++)
			if (lay->defs[k].type == RTE_ACL_FIELD_TYPE_RANGE)
				set_acl_field(&r->field[k], lay->defs[k].size, 0,
					(uint32_t)ones(lay->defs[k].size * 8));
		for (k = 0; k < e->n_cf; k++) {
			const struct lk_field *fl = &lay->fields[e->cf_field[k]];
			const struct lk_alt *a = &e->alts[e->cf_first[k] + idx[k]];

			for (p = 0; p < fl->n_parts; p++)
				set_acl_field(&r->field[fl->defs[p]], fl->part_bits[p] / 8, a->v[p],
					a->m[p]);
		}
		/* Next combination (odometer). */
		for (k = 0; k < e->n_cf && ++idx[k] == e->cf_count[k]; k++)
			idx[k] = 0;
		if (k == e->n_cf)
			return;
	}
}

struct lk_expander *
engine_expander_create(const struct lk_layout *lay, unsigned int family, uint32_t max_rules)
{
	struct lk_expander *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return NULL;
	x->lay = lay;
	x->family = family;
	x->max_rules = max_rules;
	x->ivl = malloc(IVL_MAX * sizeof(*x->ivl));
	x->tern = malloc(IVL_MAX * sizeof(*x->tern));
	/* Each constrained field has at least one alternative: max_rules per field at most. */
	x->pool = malloc(((size_t)max_rules + DFP_FIELD_COUNT) * sizeof(*x->pool));
	if (x->ivl == NULL || x->tern == NULL || x->pool == NULL) {
		engine_expander_free(x);
		return NULL;
	}
	return x;
}

void
engine_expander_free(struct lk_expander *x)
{
	if (x == NULL)
		return;
	free(x->ivl);
	free(x->tern);
	free(x->pool);
	free(x);
}

/* Do two rules (boxes) share a packet? */
static bool
rules_overlap(const struct lk_layout *lay, const struct rte_acl_rule *r,
		const struct rte_acl_rule *q)
{
	uint32_t k;

	for (k = 0; k < lay->n_defs; k++) {
		const struct rte_acl_field_def *d = &lay->defs[k];
		const struct rte_acl_field *x = &r->field[d->field_index];
		const struct rte_acl_field *y = &q->field[d->field_index];
		uint32_t v1, v2, m1, m2, len;

		v1 = d->size == 1 ? x->value.u8 : d->size == 2 ? x->value.u16 : x->value.u32;
		v2 = d->size == 1 ? y->value.u8 : d->size == 2 ? y->value.u16 : y->value.u32;
		m1 = d->size == 1 ? x->mask_range.u8 : d->size == 2 ? x->mask_range.u16 :
			x->mask_range.u32;
		m2 = d->size == 1 ? y->mask_range.u8 : d->size == 2 ? y->mask_range.u16 :
			y->mask_range.u32;
		if (d->type == RTE_ACL_FIELD_TYPE_RANGE) {
			if (m1 < v2 || m2 < v1)
				return false;
			continue;
		}
		if (d->type == RTE_ACL_FIELD_TYPE_MASK) {
			/* Prefixes (4-byte) overlap when they agree on the shorter one. */
			len = RTE_MIN(m1, m2);
			m1 = len == 0 ? 0 : (uint32_t)(UINT64_C(0xffffffff) << (32 - len));
			m2 = m1;
		}
		if (((v1 ^ v2) & m1 & m2) != 0)
			return false;
	}
	return true;
}

double
engine_rules_overlap_rate(const struct lk_layout *lay, size_t rule_size, const uint8_t *a,
		uint32_t na, const uint8_t *b, uint32_t nb, uint32_t sample)
{
	uint32_t sa = RTE_MIN(na, sample), sb = RTE_MIN(nb, sample);
	uint32_t i, j, hits = 0, pairs = 0;

	/* Evenly spaced samples: deterministic, and spread over the rank order. */
	for (i = 0; i < sa; i++) {
		const struct rte_acl_rule *r = (const struct rte_acl_rule *)(a +
			(size_t)((uint64_t)i * na / sa) * rule_size);

		for (j = a == b ? i + 1 : 0; j < sb; j++) {
			pairs++;
			hits += rules_overlap(lay, r, (const struct rte_acl_rule *)(b +
				(size_t)((uint64_t)j * nb / sb) * rule_size));
		}
	}
	return pairs == 0 ? 0 : (double)hits / pairs;
}
