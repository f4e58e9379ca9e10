/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compile one layer's filters into rte_acl contexts (control thread only).
 *
 * Layout. The ACL fields are chosen per layer from the fields its filters
 * use (lookup.c): a 1-byte field first, then groups of four key bytes, each
 * group one rte_acl input_index. Every context of the layer reads the same
 * key; rte_acl drops the groups that are wildcard in all rules of a trie,
 * so a context only walks the fields its rules constrain.
 *
 * Expansion (expand.c). A filter becomes the cartesian product of its
 * fields' alternatives. Filters that always match are folded into a
 * per-slot constant (and hide every later filter of their slot); filters
 * that never match are dropped; filters that expand beyond max_expansion
 * or cannot be expressed go to an exact list matched per packet.
 *
 * Shapes. rte_acl builds a DFA: a rule that is wildcard in a field where
 * others are specific is copied under their branches. Filters that
 * constrain different fields (some ports, some addresses, some flags) make
 * one context grow multiplicatively: 2,000 random filters took 10-40 s and
 * up to 7 GB, and rte_acl ran out of tries; ClassBench fw1's 5,102 rules on
 * (proto, dst, dport) plus 70 on src alone take 5 s and 2.5 GB, against
 * 0.1 s apart. So filters are grouped by the fields they constrain (their
 * shape, tuple-space style), and a shape joins a class of others only where
 * that is known to stay cheap, because each class costs one
 * rte_acl_classify() per burst (40-70 cycles a packet):
 *
 * - Shapes are taken by number of fields, then rules. One joins a class
 *   only if the class's first shape (its head) constrains all its fields.
 * - Rules that overlap (share a packet) are what a DFA copies. A shape is
 *   clean when at most SELF_OVERLAP_RATE of the pairs of its rules
 *   overlap; only clean shapes join clean classes, and only while the
 *   overlaps with the class stay under NESTED_OVERLAPS per rule. Overlaps
 *   are counted on SAMPLE evenly spaced rules of each shape. ClassBench
 *   rules hardly overlap; random ones often do.
 * - Two members that are siblings (neither constrains all the other's
 *   fields) may overlap about once per rule, OVERLAP_SLACK pairs aside:
 *   the fw1 pair above overlaps 70 times per dst rule.
 * - A shape of at most TINY_RULES rules may join whatever its overlaps,
 *   except those with siblings: it cannot add much.
 * - Ranges on IPv6 addresses or MACs (multi-part RANGE fields, lookup.c)
 *   make a shape unclean: merged, their boxes built 3-10x slower.
 * - A class that is not clean is cut in contexts of at most
 *   OVERLAP_MAX_RULES rules, which bounds rte_acl's superlinear growth.
 *
 * The result: a random mixed set of 3,000 filters builds in under a second
 * at every layer type; ClassBench acl1 (1K to 100K) stays at one to three
 * contexts and its lookup speed, while fw1 and ipc1, whose sibling pairs
 * were only cheap because rte_acl's own trie split happened to separate
 * them, take 3-6 contexts and up to twice the lookup cycles.
 *
 * Contexts. Each (sublayer, static|callout) slot a class uses is one ACL
 * category of its contexts, numbered per class, 16 to a context; more than
 * acl_max_rules rules are chunked. When rte_acl cannot build a chunk (it
 * needs more than its 8 tries), the chunk is built again in halves, and a
 * chunk still failing at SPLIT_MIN rules is matched exactly instead: a
 * commit never fails because a rule set is awkward for rte_acl. max_size
 * stays 0: a bound makes rte_acl start with larger tries, which builds far
 * slower here.
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
#define SPLIT_MIN 256          /* A failed build is retried in halves down to this. */
#define MAX_SLOTS (2 * ENGINE_MAX_LAYER_SUBLAYERS)
#define SHAPE_SPACE (1u << DFP_FIELD_COUNT)
#define SAMPLE 64              /* Rules per shape sampled for overlaps. */
#define SELF_OVERLAP_RATE 0.05 /* Share of overlapping pairs a clean shape may have. */
#define NESTED_OVERLAPS 16.0   /* Overlaps per rule with the class a shape joins. */
#define OVERLAP_SLACK 64       /* Overlapping pairs any two shapes may have. */
#define TINY_RULES 32
#define OVERLAP_MAX_RULES 4096

struct rule_vec {
	uint8_t *buf;
	uint32_t n;
	uint32_t cap;
};

/* Filters that constrain the same set of fields. */
struct shape {
	uint32_t fields;         /* Bit (1 << enum dfp_field) per constrained field. */
	uint32_t next;           /* Next member of its class, or UINT32_MAX. */
	bool clean;              /* May be merged (see the top of the file). */
	uint64_t slots[MAX_SLOTS / 64]; /* Slots its filters sit in. */
	struct rule_vec rules;   /* category_mask is set per context. */
};

/* Shapes compiled together; the first one (the head) covers the others' fields. */
struct cls {
	uint32_t fields;
	uint32_t first;          /* First member shape. */
	uint32_t n_rules;
	bool clean;
};

struct bld {
	const struct engine_compile_input *in;
	uint32_t max_exp;
	uint32_t max_rules;
	struct lk_layout lay;
	uint32_t ranged;         /* Fields laid out as multi-part RANGE. */
	size_t rule_size;
	struct lk_expander *xp;
	uint16_t *slot_of_rank;
	int32_t *shape_of;       /* Fields mask -> index in shapes, or -1. */
	struct shape *shapes;
	uint32_t n_shapes, cap_shapes;
	struct cls *classes;
	uint32_t n_classes;
	uint32_t *const_best;
	struct lk_exact *exact;
	uint32_t n_exact, cap_exact;
	struct lk_ctx *ctxs;
	uint32_t n_ctxs, cap_ctxs;
	uint32_t n_rules, n_acl, n_always, n_demoted;
	const char *why;         /* What failed, for the one log line. */
};

static uint32_t ctx_seq;

/* ---- Rules ---- */

static int
vec_reserve(struct rule_vec *v, uint32_t n, size_t rule_size)
{
	uint32_t cap;
	uint8_t *nb;

	if (v->n + n <= v->cap)
		return 0;
	cap = RTE_MAX(v->cap * 2, v->n + n);
	cap = RTE_MAX(cap, 16u);
	nb = realloc(v->buf, (size_t)cap * rule_size);
	if (nb == NULL)
		return -ENOMEM;
	v->buf = nb;
	v->cap = cap;
	return 0;
}

static inline const struct rte_acl_rule *
rule_at(const struct bld *b, const uint8_t *buf, uint32_t i)
{
	return (const struct rte_acl_rule *)(buf + (size_t)i * b->rule_size);
}

static struct shape *
shape_get(struct bld *b, uint32_t fields)
{
	struct shape *s;

	if (b->shape_of[fields] >= 0)
		return &b->shapes[b->shape_of[fields]];
	if (b->n_shapes == b->cap_shapes) {
		uint32_t cap = b->cap_shapes == 0 ? 16 : b->cap_shapes * 2;
		struct shape *ns = realloc(b->shapes, cap * sizeof(*ns));

		if (ns == NULL)
			return NULL;
		b->shapes = ns;
		b->cap_shapes = cap;
	}
	s = &b->shapes[b->n_shapes];
	memset(s, 0, sizeof(*s));
	s->fields = fields;
	b->shape_of[fields] = b->n_shapes++;
	return s;
}

/* A filter's rules go to its shape; categories are assigned per context. */
static int
emit_rules(struct bld *b, uint32_t rank, uint32_t slot, const struct lk_expansion *e)
{
	struct shape *s = shape_get(b, e->shape);

	if (s == NULL || vec_reserve(&s->rules, e->n_rules, b->rule_size) != 0)
		return -ENOMEM;
	engine_expansion_rules(&b->lay, e, b->rule_size, b->in->n_filters - rank, rank + 1,
		s->rules.buf + (size_t)s->rules.n * b->rule_size);
	s->rules.n += e->n_rules;
	s->slots[slot / 64] |= UINT64_C(1) << (slot % 64);
	b->n_rules += e->n_rules;
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

/* ---- Classes ---- */

/* Share of overlapping rule pairs between two shapes (or within one), on samples. */
static double
overlap_rate(const struct bld *b, const struct shape *s, const struct shape *t)
{
	return engine_rules_overlap_rate(&b->lay, b->rule_size, s->rules.buf, s->rules.n,
		t->rules.buf, t->rules.n, SAMPLE);
}

/* Heads first (more fields), then bigger shapes; field masks break ties. */
static int
shape_cmp(const void *x, const void *y)
{
	const struct shape *a = *(struct shape *const *)x;
	const struct shape *c = *(struct shape *const *)y;
	int pa = __builtin_popcount(a->fields), pc = __builtin_popcount(c->fields);

	if (pa != pc)
		return pa > pc ? -1 : 1;
	if (a->rules.n != c->rules.n)
		return a->rules.n > c->rules.n ? -1 : 1;
	return a->fields < c->fields ? -1 : a->fields > c->fields;
}

/* The class a shape may join (see the top of the file), or UINT32_MAX. */
static uint32_t
pick_class(const struct bld *b, const struct shape *s)
{
	bool tiny = s->rules.n <= TINY_RULES;
	uint32_t best = UINT32_MAX;
	uint32_t best_extra = 0;
	double best_est = 0;
	uint32_t c, t;

	for (c = 0; c < b->n_classes; c++) {
		const struct cls *cl = &b->classes[c];
		uint32_t extra = __builtin_popcount(cl->fields & ~s->fields);
		bool sibling_ok = true;
		double est = 0;

		if ((cl->fields & s->fields) != s->fields || (!tiny && !(s->clean && cl->clean)))
			continue;
		for (t = cl->first; t != UINT32_MAX && sibling_ok; t = b->shapes[t].next) {
			const struct shape *m = &b->shapes[t];
			uint32_t both = m->fields & s->fields;
			double o = overlap_rate(b, s, m) * s->rules.n * m->rules.n;

			/* Siblings (neither covers the other): about one overlap per rule. */
			if (both != m->fields && both != s->fields)
				sibling_ok = o <= (double)s->rules.n + m->rules.n + OVERLAP_SLACK;
			est += o;
		}
		if (!sibling_ok ||
				(!tiny && est > NESTED_OVERLAPS * ((double)s->rules.n + cl->n_rules)))
			continue;
		/* Fewest wildcard fields to add, then fewest overlaps. */
		if (best == UINT32_MAX || extra < best_extra ||
				(extra == best_extra && est < best_est)) {
			best = c;
			best_extra = extra;
			best_est = est;
		}
	}
	return best;
}

static dfp_status_t
form_classes(struct bld *b)
{
	struct shape **order;
	uint32_t i, c;

	order = malloc(b->n_shapes * sizeof(*order));
	b->classes = calloc(b->n_shapes, sizeof(*b->classes));
	if (order == NULL || b->classes == NULL) {
		free(order);
		b->why = "classes";
		return DFP_STATUS_NO_MEMORY;
	}
	for (i = 0; i < b->n_shapes; i++)
		order[i] = &b->shapes[i];
	qsort(order, b->n_shapes, sizeof(*order), shape_cmp);
	for (i = 0; i < b->n_shapes; i++) {
		struct shape *s = order[i];

		s->clean = (s->fields & b->ranged) == 0 &&
			overlap_rate(b, s, s) <= SELF_OVERLAP_RATE;
		c = pick_class(b, s);
		if (c == UINT32_MAX) {
			c = b->n_classes++;
			b->classes[c].fields = s->fields;
			b->classes[c].first = UINT32_MAX;
			b->classes[c].clean = s->clean;
		}
		s->next = b->classes[c].first;
		b->classes[c].first = (uint32_t)(s - b->shapes);
		b->classes[c].n_rules += s->rules.n;
	}
	free(order);
	return DFP_STATUS_SUCCESS;
}

/* ---- Contexts ---- */

/* Match the filters behind n rules exactly (the exact list is sorted later). */
static dfp_status_t
demote(struct bld *b, const uint8_t *rules, uint32_t n)
{
	uint32_t i, rank, last = UINT32_MAX;

	for (i = 0; i < n; i++) {
		rank = rule_at(b, rules, i)->data.userdata - 1;
		/* A filter's rules are adjacent: push it once. */
		if (rank == last)
			continue;
		last = rank;
		if (exact_push(b, rank, b->slot_of_rank[rank]) != 0) {
			b->why = "exact list";
			return DFP_STATUS_NO_MEMORY;
		}
	}
	b->n_demoted += n;
	return DFP_STATUS_SUCCESS;
}

/* One context over rules whose categories 0..n_used-1 stand for slots[]. */
static dfp_status_t
ctx_build(struct bld *b, const uint8_t *rules, uint32_t n, const uint16_t *slots,
		uint32_t n_used)
{
	char name[RTE_ACL_NAMESIZE];
	struct rte_acl_config cfg;
	struct rte_acl_param prm;
	struct rte_acl_ctx *acl;
	struct lk_ctx *c;
	dfp_status_t st;
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
			return demote(b, rules, n);
		/* Too big for one trie set: smaller contexts merge by rank anyway. */
		st = ctx_build(b, rules, n / 2, slots, n_used);
		if (st != DFP_STATUS_SUCCESS)
			return st;
		return ctx_build(b, rules + (size_t)(n / 2) * b->rule_size, n - n / 2, slots,
			n_used);
	}
	c = &b->ctxs[b->n_ctxs++];
	memset(c, 0, sizeof(*c));
	c->acl = acl;
	c->n_categories = cfg.num_categories;
	c->n_slots = n_used;
	memcpy(c->slots, slots, n_used * sizeof(slots[0]));
	return DFP_STATUS_SUCCESS;
}

/*
 * The contexts of one class: the slots its filters use numbered as
 * categories in slot order, 16 to a group of contexts, each group chunked.
 * buf is scratch shared by all classes.
 */
static dfp_status_t
class_build(struct bld *b, const struct cls *cl, struct rule_vec *buf)
{
	uint32_t max_rules = cl->clean ? b->max_rules : RTE_MIN(b->max_rules,
		(uint32_t)OVERLAP_MAX_RULES);
	uint64_t used[MAX_SLOTS / 64] = {0};
	uint16_t slot_of_cat[MAX_SLOTS];
	uint8_t cat_of_slot[MAX_SLOTS];
	uint32_t s, k, g, n_cats = 0;
	uint32_t start, n, n_used;
	dfp_status_t st;

	for (s = cl->first; s != UINT32_MAX; s = b->shapes[s].next)
		for (k = 0; k < MAX_SLOTS / 64; k++)
			used[k] |= b->shapes[s].slots[k];
	for (s = 0; s < MAX_SLOTS; s++) {
		if ((used[s / 64] >> (s % 64) & 1) == 0)
			continue;
		cat_of_slot[s] = n_cats;
		slot_of_cat[n_cats++] = s;
	}
	for (g = 0; g * RTE_ACL_MAX_CATEGORIES < n_cats; g++) {
		buf->n = 0;
		for (s = cl->first; s != UINT32_MAX; s = b->shapes[s].next) {
			const struct shape *sh = &b->shapes[s];

			if (vec_reserve(buf, sh->rules.n, b->rule_size) != 0) {
				b->why = "rule buffer";
				return DFP_STATUS_NO_MEMORY;
			}
			for (k = 0; k < sh->rules.n; k++) {
				const struct rte_acl_rule *r = rule_at(b, sh->rules.buf, k);
				uint32_t cat = cat_of_slot[b->slot_of_rank[r->data.userdata - 1]];
				struct rte_acl_rule *d;

				if (cat / RTE_ACL_MAX_CATEGORIES != g)
					continue;
				d = (struct rte_acl_rule *)(buf->buf + (size_t)buf->n++ * b->rule_size);
				memcpy(d, r, b->rule_size);
				d->data.category_mask = 1u << (cat % RTE_ACL_MAX_CATEGORIES);
			}
		}
		n_used = RTE_MIN(n_cats - g * RTE_ACL_MAX_CATEGORIES,
			(uint32_t)RTE_ACL_MAX_CATEGORIES);
		for (start = 0; start < buf->n; start += n) {
			n = RTE_MIN(buf->n - start, max_rules);
			st = ctx_build(b, buf->buf + (size_t)start * b->rule_size, n,
				&slot_of_cat[g * RTE_ACL_MAX_CATEGORIES], n_used);
			if (st != DFP_STATUS_SUCCESS)
				return st;
		}
	}
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
	struct rule_vec buf = {NULL, 0, 0};
	dfp_status_t st = DFP_STATUS_SUCCESS;
	uint32_t c, i, o = 0;

	if (b->n_shapes == 0)
		return DFP_STATUS_SUCCESS;
	st = form_classes(b);
	for (c = 0; c < b->n_classes && st == DFP_STATUS_SUCCESS; c++)
		st = class_build(b, &b->classes[c], &buf);
	free(buf.buf);
	if (st != DFP_STATUS_SUCCESS || b->n_demoted == 0)
		return st;
	/* Demoted filters join the exact list: once per filter, in rank order. */
	qsort(b->exact, b->n_exact, sizeof(*b->exact), exact_cmp);
	for (i = 0; i < b->n_exact; i++)
		if (o == 0 || b->exact[o - 1].rank != b->exact[i].rank)
			b->exact[o++] = b->exact[i];
	b->n_exact = o;
	return DFP_STATUS_SUCCESS;
}
/* ---- Entry points ---- */

static dfp_status_t
bld_init(struct bld *b, const struct engine_compile_input *in)
{
	bool ranged[DFP_FIELD_COUNT] = {false};
	bool used[DFP_FIELD_COUNT] = {false};
	uint32_t s, r, c, k;

	/* Shapes are indexed by their field mask. */
	RTE_BUILD_BUG_ON(DFP_FIELD_COUNT > 16);
	b->in = in;
	b->max_exp = in->max_expansion != 0 ? in->max_expansion : DEFAULT_MAX_EXPANSION;
	b->max_exp = RTE_MIN(b->max_exp, MAX_EXPANSION_CAP);
	b->max_rules = in->acl_max_rules != 0 ? in->acl_max_rules : DEFAULT_ACL_MAX_RULES;
	b->why = "allocation";
	if (in->n_filters >= RTE_ACL_MAX_PRIORITY) {
		b->why = "too many filters for ACL priorities";
		return DFP_STATUS_INSUFFICIENT_RESOURCES;
	}
	if (in->n_sublayers > ENGINE_MAX_LAYER_SUBLAYERS) {
		b->why = "too many sublayers";
		return DFP_STATUS_INSUFFICIENT_RESOURCES;
	}
	b->slot_of_rank = malloc((in->n_filters + 1) * sizeof(*b->slot_of_rank));
	b->shape_of = malloc(SHAPE_SPACE * sizeof(*b->shape_of));
	b->const_best = malloc((in->n_sublayers * 2 + 1) * sizeof(*b->const_best));
	if (b->slot_of_rank == NULL || b->shape_of == NULL || b->const_best == NULL)
		return DFP_STATUS_NO_MEMORY;
	memset(b->shape_of, 0xff, SHAPE_SPACE * sizeof(*b->shape_of));
	for (s = 0; s < in->n_sublayers * 2; s++)
		b->const_best[s] = ENGINE_RANK_NONE;
	for (s = 0; s < in->n_sublayers; s++)
		for (r = in->sublayers[s].first; r < in->sublayers[s].end && r < in->n_filters; r++)
			for (c = 0; (in->include == NULL || in->include[r]) &&
					c < in->filters[r]->n_conds; c++) {
				const struct dfp_engine_cond *cd = &in->filters[r]->conds[c];

				if (cd->field >= DFP_FIELD_COUNT)
					continue;
				used[cd->field] = true;
				/* Anything but equality (a prefix) is an interval in general. */
				if (cd->match != DFP_MATCH_EQUAL)
					ranged[cd->field] = true;
			}
	if (engine_lookup_layout(&b->lay, used, ranged, in->family) != 0) {
		b->why = "too many fields for an ACL key";
		return DFP_STATUS_INSUFFICIENT_RESOURCES;
	}
	for (k = 0; k < DFP_FIELD_COUNT; k++)
		if (used[k] && b->lay.fields[k].type == RTE_ACL_FIELD_TYPE_RANGE &&
				b->lay.fields[k].n_parts > 1)
			b->ranged |= 1u << k;
	b->rule_size = RTE_ACL_RULE_SZ(b->lay.n_defs);
	b->xp = engine_expander_create(&b->lay, in->family, b->max_exp);
	if (b->xp == NULL)
		return DFP_STATUS_NO_MEMORY;
	return DFP_STATUS_SUCCESS;
}

static dfp_status_t
compile_filters(struct bld *b)
{
	const struct engine_compile_input *in = b->in;
	struct lk_expansion e;
	uint32_t s, r, slot;

	for (s = 0; s < in->n_sublayers; s++) {
		for (r = in->sublayers[s].first; r < in->sublayers[s].end && r < in->n_filters; r++) {
			const struct dfp_engine_filter_rt *f = in->filters[r];

			slot = s * 2 + ((f->action_type & DFP_ACTION_FLAG_CALLOUT) != 0);
			b->slot_of_rank[r] = slot;
			if (in->include != NULL && !in->include[r])
				continue;
			/* Behind a filter that always matches, nothing of this slot can win. */
			if (b->const_best[slot] != ENGINE_RANK_NONE)
				continue;
			switch (engine_expand(b->xp, f, &e)) {
			case LK_FC_NEVER:
				break;
			case LK_FC_ALWAYS:
				b->const_best[slot] = r;
				b->n_always++;
				break;
			case LK_FC_EXACT:
				if (exact_push(b, r, slot) != 0)
					return DFP_STATUS_NO_MEMORY;
				break;
			default:
				if (emit_rules(b, r, slot, &e) != 0)
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
	uint32_t s;

	for (s = 0; s < b->n_shapes; s++)
		free(b->shapes[s].rules.buf);
	free(b->shapes);
	free(b->classes);
	free(b->shape_of);
	free(b->slot_of_rank);
	engine_expander_free(b->xp);
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

	if (in->include == NULL) {
		/* A full build: what an incremental one needs to renumber it. */
		lk->origin_ids = malloc((in->n_filters + 1) * sizeof(*lk->origin_ids));
		lk->origin_slots = malloc((in->n_filters + 1) * sizeof(*lk->origin_slots));
		if (lk->origin_ids == NULL || lk->origin_slots == NULL) {
			free(lk->origin_ids);
			free(lk->origin_slots);
			free(lk);
			lk = NULL;
			st = DFP_STATUS_NO_MEMORY;
			goto out_free_ctxs;
		}
		for (k = 0; k < in->n_filters; k++)
			lk->origin_ids[k] = in->filters[k]->filter_id;
		memcpy(lk->origin_slots, b->slot_of_rank, in->n_filters * sizeof(*lk->origin_slots));
		lk->n_origin = in->n_filters;
	}
	lk->refcnt = 1;
	lk->n_sublayers = in->n_sublayers;
	lk->n_groups = 1;
	lk->groups[0].key_size = b->lay.key_size;
	lk->groups[0].n_parts = b->lay.n_parts;
	memcpy(lk->groups[0].parts, b->lay.parts, sizeof(b->lay.parts[0]) * b->lay.n_parts);
	engine_lookup_gather(&lk->groups[0]);
	/* The tables move into the classifier. */
	lk->groups[0].n_ctxs = b->n_ctxs;
	lk->groups[0].ctxs = b->ctxs;
	lk->own_ctxs = b->ctxs;
	lk->n_exact = b->n_exact;
	lk->exact = b->exact;
	lk->const_best = b->const_best;
	b->ctxs = NULL;
	b->exact = NULL;
	b->const_best = NULL;
	DFP_LOG(engine, DEBUG, "layer %u gen %" PRIu64 ": %u filters%s: %u as %u ACL rules "
		"(%u fields, %u-byte key) of %u shapes in %u classes, %u contexts "
		"(%u rules demoted), %u exact, %u always; %.1f ms", in->layer_id, in->generation,
		in->n_filters, in->include != NULL ? " (added ones only)" : "", b->n_acl, b->n_rules, b->lay.n_defs, b->lay.key_size, b->n_shapes,
		b->n_classes, b->n_ctxs, b->n_demoted, b->n_exact, b->n_always,
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

	if (lk == NULL || --lk->refcnt > 0)
		return;
	if (lk->origin == NULL) {
		/* A full build owns its rte_acl contexts. */
		for (k = 0; k < lk->groups[0].n_ctxs; k++)
			rte_acl_free(lk->own_ctxs[k].acl);
	}
	engine_lookup_free(lk->origin);
	engine_lookup_free(lk->added);
	free(lk->own_ctxs);
	free(lk->own_rank_map);
	free(lk->origin_ids);
	free(lk->origin_slots);
	free(lk->exact);
	free(lk->const_best);
	free(lk);
}
