/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compile one layer's filters into rte_acl contexts (control thread only).
 *
 * Layout. The ACL fields are chosen per layer from the fields its filters
 * use: a 1-byte field first (IP_PROTOCOL when used, so a 5-tuple set gets
 * dpdk-test-acl's shape), then groups of four key bytes, each group one
 * rte_acl input_index, padded with wildcard bytes (rte_acl drops groups
 * that are wildcard in every rule).
 *
 * Expansion. A filter becomes the cartesian product of its fields'
 * alternatives (engine_cond_expand(), OR-ed per field), converted to what
 * the field's ACL type can hold: intervals for RANGE fields, prefixes for
 * MASK fields, value/mask pairs for BITMASK fields. Filters that always
 * match are folded into a per-slot constant (and hide every later filter of
 * their slot); filters that never match are dropped; filters that expand
 * beyond max_expansion or cannot be expressed go to an exact list matched
 * per packet.
 *
 * Contexts. Each (sublayer, static|callout) slot with rules is one ACL
 * category, 16 to a context; more than acl_max_rules rules in a group are
 * chunked. When rte_acl cannot build a chunk (it needs more than its 8
 * tries), the chunk is built again in halves, and a chunk still failing at
 * SPLIT_MIN rules is matched exactly instead: a commit never fails because
 * a rule set is awkward for rte_acl. max_size stays 0: a bound makes
 * rte_acl start with larger tries, which builds far slower here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_common.h>
#include <rte_cycles.h>

#include "engine_private.h"
#include "lookup_private.h"

#define DEFAULT_MAX_EXPANSION 256
#define MAX_EXPANSION_CAP 65536u
#define DEFAULT_ACL_MAX_RULES 65536
#define RAW_MAX 256          /* Alternatives of one condition. */
#define IVL_MAX 8192         /* Intervals of one field before merging. */
#define SPLIT_MIN 256        /* A failed build is retried in halves down to this. */

struct ivl {
	unsigned __int128 lo, hi;
};

struct tern {
	unsigned __int128 v, m;
};

/* One alternative of a field, per part: RANGE lo/hi, MASK value/length, BITMASK value/mask. */
struct acl_alt {
	uint32_t v[4];
	uint32_t m[4];
};

struct rule_vec {
	uint8_t *buf;
	uint32_t n;
	uint32_t cap;
};

enum { ALT_OK, ALT_WILD, ALT_NONE, ALT_MANY };
enum { FC_NEVER, FC_ALWAYS, FC_EXACT, FC_ACL };

struct bld {
	const struct engine_compile_input *in;
	uint32_t max_exp;
	uint32_t max_rules;
	struct lk_layout lay;
	size_t rule_size;
	uint8_t *wild;           /* A rule with every field wildcard. */
	struct engine_alt raw[RAW_MAX];
	struct ivl *ivl;
	struct tern *tern;
	struct acl_alt *pool;    /* Alternatives of the filter being compiled. */
	uint32_t n_pool;
	uint32_t n_cf;           /* Its constrained fields. */
	uint8_t cf_field[DFP_FIELD_COUNT];
	uint32_t cf_first[DFP_FIELD_COUNT];
	uint32_t cf_count[DFP_FIELD_COUNT];
	uint32_t n_slots;
	int32_t *cat_of_slot;
	uint16_t *slot_of_cat;
	uint32_t n_cats;
	struct rule_vec *groups;
	uint32_t *const_best;
	struct lk_exact *exact;
	uint32_t n_exact, cap_exact;
	struct lk_ctx *ctxs;
	uint32_t n_ctxs, cap_ctxs;
	uint32_t n_rules, n_acl, n_always, n_demoted;
	const char *why;         /* What failed, for the one log line. */
};

static uint32_t ctx_seq;

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

/* ---- Alternatives ---- */

static void
alt_tern(const struct lk_field *fl, struct acl_alt *a, unsigned __int128 v,
		unsigned __int128 m)
{
	unsigned int k, shift = fl->bits;

	for (k = 0; k < fl->n_parts; k++) {
		shift -= fl->part_bits[k];
		a->v[k] = (uint32_t)((v >> shift) & ones(fl->part_bits[k]));
		a->m[k] = (uint32_t)((m >> shift) & ones(fl->part_bits[k]));
	}
}

static void
alt_prefix(const struct lk_field *fl, struct acl_alt *a, unsigned __int128 v,
		unsigned int len)
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
tern_to_ivls(struct bld *b, const struct lk_field *fl, unsigned __int128 v,
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
		unsigned __int128 x = v;

		for (j = 0; j < w; j++)
			if ((i >> j) & 1)
				x |= (unsigned __int128)1 << pos[j];
		b->ivl[*n_iv].lo = x;
		b->ivl[*n_iv].hi = x | ones(t);
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
		struct acl_alt *out, uint32_t *n, uint32_t budget)
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
 * The ACL alternatives of one field: the union of its conditions, at most
 * `budget` of them, written to b->pool + b->n_pool.
 */
static int
field_alts(struct bld *b, const struct lk_field *fl, const struct dfp_engine_cond *conds,
		uint32_t n_conds, uint32_t budget, uint32_t *count)
{
	struct acl_alt *out = b->pool + b->n_pool;
	unsigned __int128 max = ones(fl->bits);
	uint32_t i, k, n_raw, n = 0;
	uint32_t n_iv = 0;
	uint32_t n_t = 0;
	int rc;

	for (i = 0; i < n_conds; i++) {
		n_raw = engine_cond_expand(&conds[i], b->in->family, b->raw, RAW_MAX);
		if (n_raw > RAW_MAX)
			return ALT_MANY;
		for (k = 0; k < n_raw; k++) {
			const struct engine_alt *a = &b->raw[k];
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
				b->ivl[n_iv].lo = lo;
				b->ivl[n_iv++].hi = RTE_MIN(hi, max);
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
				b->tern[n_t].v = v;
				b->tern[n_t++].m = m;
				continue;
			}
			rc = tern_to_ivls(b, fl, v, m, budget, &n_iv);
			if (rc != ALT_OK)
				return rc;
		}
	}
	if (n_iv + n_t == 0)
		return ALT_NONE;
	n_iv = ivl_merge(b->ivl, n_iv, max);
	if (n_iv == 1 && b->ivl[0].lo == 0 && b->ivl[0].hi == max)
		return ALT_WILD;
	for (i = 0; i < n_iv; i++) {
		if (fl->type != RTE_ACL_FIELD_TYPE_RANGE) {
			rc = ivl_prefixes(fl, b->ivl[i].lo, b->ivl[i].hi, out, &n, budget);
			if (rc != ALT_OK)
				return rc;
			continue;
		}
		if (n == budget)
			return ALT_MANY;
		out[n].v[0] = (uint32_t)b->ivl[i].lo;
		out[n++].m[0] = (uint32_t)b->ivl[i].hi;
	}
	for (i = 0; i < n_t; i++) {
		if (n == budget)
			return ALT_MANY;
		alt_tern(fl, &out[n++], b->tern[i].v, b->tern[i].m);
	}
	*count = n;
	return ALT_OK;
}

/* Classify a filter; for FC_ACL its alternatives are in b->pool. */
static int
filter_compile(struct bld *b, const struct dfp_engine_filter_rt *f, uint32_t *n_rules)
{
	uint32_t product = 1;
	uint32_t count = 0;
	uint32_t seen = 0;
	uint32_t i = 0;
	uint16_t field;
	uint32_t j;
	int rc;

	b->n_cf = 0;
	b->n_pool = 0;
	while (i < f->n_conds) {
		field = f->conds[i].field;
		for (j = i; j < f->n_conds && f->conds[j].field == field; j++)
			;
		/* Two runs of one field are AND-ed by the matcher: leave that to it. */
		if (field >= DFP_FIELD_COUNT || (seen & (1u << field)) != 0)
			return FC_EXACT;
		seen |= 1u << field;
		rc = field_alts(b, &b->lay.fields[field], &f->conds[i], j - i, b->max_exp / product,
			&count);
		i = j;
		if (rc == ALT_WILD)
			continue;
		if (rc == ALT_NONE)
			return FC_NEVER;
		if (rc == ALT_MANY)
			return FC_EXACT;
		b->cf_field[b->n_cf] = field;
		b->cf_first[b->n_cf] = b->n_pool;
		b->cf_count[b->n_cf++] = count;
		b->n_pool += count;
		product *= count;
	}
	if (b->n_cf == 0)
		return FC_ALWAYS;
	*n_rules = product;
	return FC_ACL;
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

static int
emit_rules(struct bld *b, uint32_t rank, uint32_t slot, uint32_t n_rules)
{
	uint32_t idx[DFP_FIELD_COUNT] = {0};
	struct rte_acl_rule *r;
	struct rule_vec *v;
	uint32_t cat, k, p;

	if (b->cat_of_slot[slot] < 0) {
		b->slot_of_cat[b->n_cats] = slot;
		b->cat_of_slot[slot] = b->n_cats++;
	}
	cat = b->cat_of_slot[slot];
	v = &b->groups[cat / RTE_ACL_MAX_CATEGORIES];
	if (v->n + n_rules > v->cap) {
		uint32_t cap = RTE_MAX(v->cap * 2, v->n + n_rules);
		uint8_t *nb = realloc(v->buf, (size_t)cap * b->rule_size);

		if (nb == NULL)
			return -ENOMEM;
		v->buf = nb;
		v->cap = cap;
	}
	for (;;) {
		r = (struct rte_acl_rule *)(v->buf + (size_t)v->n++ * b->rule_size);
		memcpy(r, b->wild, b->rule_size);
		r->data.category_mask = 1u << (cat % RTE_ACL_MAX_CATEGORIES);
		r->data.priority = b->in->n_filters - rank;
		r->data.userdata = rank + 1;
		for (k = 0; k < b->n_cf; k++) {
			const struct lk_field *fl = &b->lay.fields[b->cf_field[k]];
			const struct acl_alt *a = &b->pool[b->cf_first[k] + idx[k]];

			for (p = 0; p < fl->n_parts; p++)
				set_acl_field(&r->field[fl->defs[p]], fl->part_bits[p] / 8, a->v[p],
					a->m[p]);
		}
		/* Next combination (odometer). */
		for (k = 0; k < b->n_cf && ++idx[k] == b->cf_count[k]; k++)
			idx[k] = 0;
		if (k == b->n_cf)
			break;
	}
	b->n_rules += n_rules;
	return 0;
}

static int
exact_push(struct bld *b, uint32_t rank, uint32_t slot)
{
	if (b->n_exact == b->cap_exact) {
		uint32_t cap = b->cap_exact == 0 ? 16 : b->cap_exact * 2;
		struct lk_exact *ne = realloc(b->exact, cap * sizeof(*ne));

		if (ne == NULL)
			return -ENOMEM;
		b->exact = ne;
		b->cap_exact = cap;
	}
	b->exact[b->n_exact++] = (struct lk_exact){b->in->filters[rank], rank, slot};
	return 0;
}

/* ---- Contexts ---- */

/*
 * rte_acl could not build even a small chunk (more than its 8 tries):
 * match the chunk's filters exactly instead of failing the commit.
 */
static dfp_status_t
demote(struct bld *b, uint32_t g, const uint8_t *rules, uint32_t n)
{
	uint32_t i, cat;

	for (i = 0; i < n; i++) {
		const struct rte_acl_rule *r =
			(const struct rte_acl_rule *)(rules + (size_t)i * b->rule_size);

		cat = g * RTE_ACL_MAX_CATEGORIES + __builtin_ctz(r->data.category_mask);
		if (exact_push(b, r->data.userdata - 1, b->slot_of_cat[cat]) != 0) {
			b->why = "exact list";
			return DFP_STATUS_NO_MEMORY;
		}
	}
	b->n_demoted += n;
	return DFP_STATUS_SUCCESS;
}

static dfp_status_t
ctx_build(struct bld *b, uint32_t g, const uint8_t *rules, uint32_t n)
{
	uint32_t n_used = RTE_MIN(b->n_cats - g * RTE_ACL_MAX_CATEGORIES,
		(uint32_t)RTE_ACL_MAX_CATEGORIES);
	char name[RTE_ACL_NAMESIZE];
	struct rte_acl_config cfg;
	struct rte_acl_param prm;
	struct rte_acl_ctx *acl;
	struct lk_ctx *c;
	dfp_status_t st;
	uint32_t k;
	int rc;

	if (b->n_ctxs == b->cap_ctxs) {
		uint32_t cap = b->cap_ctxs == 0 ? 4 : b->cap_ctxs * 2;
		struct lk_ctx *nc = realloc(b->ctxs, cap * sizeof(*nc));

		if (nc == NULL) {
			b->why = "context table";
			return DFP_STATUS_NO_MEMORY;
		}
		b->ctxs = nc;
		b->cap_ctxs = cap;
	}
	/* rte_acl_create() returns an existing context for a known name. */
	do {
		snprintf(name, sizeof(name), "dfp%x_%u_%" PRIx64,
			__atomic_fetch_add(&ctx_seq, 1, __ATOMIC_RELAXED), b->in->layer_id,
			b->in->generation);
	} while (rte_acl_find_existing(name) != NULL);
	prm.name = name;
	prm.socket_id = (int)b->in->socket_id;
	prm.rule_size = b->rule_size;
	prm.max_rule_num = n;
	acl = rte_acl_create(&prm);
	if (acl == NULL) {
		b->why = "rte_acl_create";
		return DFP_STATUS_NO_MEMORY;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.num_categories = n_used == 1 ? 1 : RTE_ALIGN_CEIL(n_used, RTE_ACL_RESULTS_MULTIPLIER);
	cfg.num_fields = b->lay.n_defs;
	memcpy(cfg.defs, b->lay.defs, sizeof(cfg.defs[0]) * b->lay.n_defs);
	rc = rte_acl_add_rules(acl, (const struct rte_acl_rule *)rules, n);
	if (rc == 0)
		rc = rte_acl_build(acl, &cfg);
	if (rc != 0) {
		rte_acl_free(acl);
		if (n < 2 * SPLIT_MIN)
			return demote(b, g, rules, n);
		/* Too big for one trie set: smaller contexts merge by rank anyway. */
		st = ctx_build(b, g, rules, n / 2);
		if (st != DFP_STATUS_SUCCESS)
			return st;
		return ctx_build(b, g, rules + (size_t)(n / 2) * b->rule_size, n - n / 2);
	}
	c = &b->ctxs[b->n_ctxs++];
	memset(c, 0, sizeof(*c));
	c->acl = acl;
	c->n_categories = cfg.num_categories;
	c->n_slots = n_used;
	for (k = 0; k < n_used; k++)
		c->slots[k] = b->slot_of_cat[g * RTE_ACL_MAX_CATEGORIES + k];
	return DFP_STATUS_SUCCESS;
}

static int
exact_cmp(const void *a, const void *b)
{
	const struct lk_exact *x = a, *y = b;

	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static dfp_status_t
build_contexts(struct bld *b)
{
	uint32_t g, start, n;
	dfp_status_t st;

	for (g = 0; g * RTE_ACL_MAX_CATEGORIES < b->n_cats; g++) {
		for (start = 0; start < b->groups[g].n; start += n) {
			n = RTE_MIN(b->groups[g].n - start, b->max_rules);
			st = ctx_build(b, g, b->groups[g].buf + (size_t)start * b->rule_size, n);
			if (st != DFP_STATUS_SUCCESS)
				return st;
		}
	}
	if (b->n_demoted != 0) {
		/* Demoted rules join the exact list: once per filter, in rank order. */
		uint32_t i, o = 0;

		qsort(b->exact, b->n_exact, sizeof(*b->exact), exact_cmp);
		for (i = 0; i < b->n_exact; i++)
			if (o == 0 || b->exact[o - 1].rank != b->exact[i].rank)
				b->exact[o++] = b->exact[i];
		b->n_exact = o;
	}
	return DFP_STATUS_SUCCESS;
}

/* ---- Entry points ---- */

static dfp_status_t
bld_init(struct bld *b, const struct engine_compile_input *in)
{
	bool used[DFP_FIELD_COUNT] = {false};
	uint32_t s, r, c, k;

	b->in = in;
	b->max_exp = in->max_expansion != 0 ? in->max_expansion : DEFAULT_MAX_EXPANSION;
	b->max_exp = RTE_MIN(b->max_exp, MAX_EXPANSION_CAP);
	b->max_rules = in->acl_max_rules != 0 ? in->acl_max_rules : DEFAULT_ACL_MAX_RULES;
	b->n_slots = in->n_sublayers * 2;
	b->why = "allocation";
	if (in->n_filters >= RTE_ACL_MAX_PRIORITY) {
		b->why = "too many filters for ACL priorities";
		return DFP_STATUS_INSUFFICIENT_RESOURCES;
	}
	b->ivl = malloc(IVL_MAX * sizeof(*b->ivl));
	b->tern = malloc(IVL_MAX * sizeof(*b->tern));
	b->pool = malloc((b->max_exp + DFP_FIELD_COUNT) * sizeof(*b->pool));
	b->cat_of_slot = malloc((b->n_slots + 1) * sizeof(*b->cat_of_slot));
	b->slot_of_cat = malloc((b->n_slots + 1) * sizeof(*b->slot_of_cat));
	b->groups = calloc(b->n_slots / RTE_ACL_MAX_CATEGORIES + 1, sizeof(*b->groups));
	b->const_best = malloc((b->n_slots + 1) * sizeof(*b->const_best));
	if (b->ivl == NULL || b->tern == NULL || b->pool == NULL || b->cat_of_slot == NULL ||
			b->slot_of_cat == NULL || b->groups == NULL || b->const_best == NULL)
		return DFP_STATUS_NO_MEMORY;
	for (s = 0; s < b->n_slots; s++) {
		b->cat_of_slot[s] = -1;
		b->const_best[s] = ENGINE_RANK_NONE;
	}
	for (s = 0; s < in->n_sublayers; s++)
		for (r = in->sublayers[s].first; r < in->sublayers[s].end && r < in->n_filters; r++)
			for (c = 0; c < in->filters[r]->n_conds; c++)
				if (in->filters[r]->conds[c].field < DFP_FIELD_COUNT)
					used[in->filters[r]->conds[c].field] = true;
	if (engine_lookup_layout(&b->lay, used, in->family) != 0) {
		b->why = "too many fields for an ACL key";
		return DFP_STATUS_INSUFFICIENT_RESOURCES;
	}
	b->rule_size = RTE_ACL_RULE_SZ(b->lay.n_defs);
	b->wild = calloc(1, b->rule_size);
	if (b->wild == NULL)
		return DFP_STATUS_NO_MEMORY;
	for (k = 0; k < b->lay.n_defs; k++)
		if (b->lay.defs[k].type == RTE_ACL_FIELD_TYPE_RANGE)
			set_acl_field(&((struct rte_acl_rule *)b->wild)->field[k], b->lay.defs[k].size, 0,
				(uint32_t)ones(b->lay.defs[k].size * 8));
	return DFP_STATUS_SUCCESS;
}

static dfp_status_t
compile_filters(struct bld *b)
{
	const struct engine_compile_input *in = b->in;
	uint32_t s, r, slot, n_rules = 0;

	for (s = 0; s < in->n_sublayers; s++) {
		for (r = in->sublayers[s].first; r < in->sublayers[s].end && r < in->n_filters; r++) {
			const struct dfp_engine_filter_rt *f = in->filters[r];

			slot = s * 2 + ((f->action_type & DFP_ACTION_FLAG_CALLOUT) != 0);
			/* Behind a filter that always matches, nothing of this slot can win. */
			if (b->const_best[slot] != ENGINE_RANK_NONE)
				continue;
			switch (filter_compile(b, f, &n_rules)) {
			case FC_NEVER:
				break;
			case FC_ALWAYS:
				b->const_best[slot] = r;
				b->n_always++;
				break;
			case FC_EXACT:
				if (exact_push(b, r, slot) != 0)
					return DFP_STATUS_NO_MEMORY;
				break;
			default:
				if (emit_rules(b, r, slot, n_rules) != 0)
					return DFP_STATUS_NO_MEMORY;
				b->n_acl++;
				break;
			}
		}
	}
	return DFP_STATUS_SUCCESS;
}

static void
bld_fini(struct bld *b)
{
	uint32_t g;

	if (b->groups != NULL)
		for (g = 0; g <= b->n_slots / RTE_ACL_MAX_CATEGORIES; g++)
			free(b->groups[g].buf);
	free(b->groups);
	free(b->wild);
	free(b->ivl);
	free(b->tern);
	free(b->pool);
	free(b->cat_of_slot);
	free(b->slot_of_cat);
	free(b->const_best);
	free(b->exact);
	free(b->ctxs);
	free(b);
}

struct engine_lookup *
engine_lookup_build(const struct engine_compile_input *in, dfp_status_t *status)
{
	uint64_t t0 = rte_get_tsc_cycles();
	struct engine_lookup *lk = NULL;
	struct bld *b;
	dfp_status_t st;
	uint32_t k;

	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		DFP_LOG(engine, ERR, "layer %u: compile failed: no memory", in->layer_id);
		*status = DFP_STATUS_NO_MEMORY;
		return NULL;
	}
	st = bld_init(b, in);
	if (st == DFP_STATUS_SUCCESS)
		st = compile_filters(b);
	if (st == DFP_STATUS_SUCCESS)
		st = build_contexts(b);
	if (st == DFP_STATUS_SUCCESS) {
		lk = calloc(1, sizeof(*lk));
		if (lk == NULL)
			st = DFP_STATUS_NO_MEMORY;
	}
	if (st != DFP_STATUS_SUCCESS)
		goto out_free_ctxs;

	lk->n_sublayers = in->n_sublayers;
	lk->key_size = b->lay.key_size;
	lk->n_parts = b->lay.n_parts;
	memcpy(lk->parts, b->lay.parts, sizeof(b->lay.parts[0]) * b->lay.n_parts);
	/* The tables move into the classifier. */
	lk->n_ctxs = b->n_ctxs;
	lk->ctxs = b->ctxs;
	lk->n_exact = b->n_exact;
	lk->exact = b->exact;
	lk->const_best = b->const_best;
	b->ctxs = NULL;
	b->exact = NULL;
	b->const_best = NULL;
	DFP_LOG(engine, DEBUG, "layer %u gen %" PRIu64 ": %u filters: %u as %u ACL rules "
		"(%u fields, %u-byte key) in %u contexts (%u rules demoted), %u exact, %u always; "
		"%.1f ms", in->layer_id, in->generation, in->n_filters, b->n_acl, b->n_rules,
		b->lay.n_defs, b->lay.key_size, b->n_ctxs, b->n_demoted, b->n_exact, b->n_always,
		(double)(rte_get_tsc_cycles() - t0) * 1e3 / rte_get_tsc_hz());
	bld_fini(b);
	*status = DFP_STATUS_SUCCESS;
	return lk;

out_free_ctxs:
	for (k = 0; k < b->n_ctxs; k++)
		rte_acl_free(b->ctxs[k].acl);
	DFP_LOG(engine, ERR, "layer %u gen %" PRIu64 ": compile of %u filters failed: %s (%s)",
		in->layer_id, in->generation, in->n_filters, b->why, dfp_status_name(st));
	bld_fini(b);
	*status = st;
	return NULL;
}

void
engine_lookup_free(struct engine_lookup *lk)
{
	uint32_t k;

	if (lk == NULL)
		return;
	for (k = 0; k < lk->n_ctxs; k++)
		rte_acl_free(lk->ctxs[k].acl);
	free(lk->ctxs);
	free(lk->exact);
	free(lk->const_best);
	free(lk);
}
