/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The compiled per-layer classifier, shared by its builder (compile.c,
 * expand.c) and its run-time half (lookup.c, which also owns the key
 * layout) only.
 *
 * A layer compiles to rte_acl contexts plus two small side tables. Filters
 * are grouped by the fields they constrain into classes (compile.c), and
 * each class gets its own contexts. Within a class, each (sublayer,
 * static|callout) pair that has rules is one ACL category ("slot" =
 * sublayer * 2 + is_callout); a context holds at most 16 categories, and a
 * group of categories with too many rules is split over several contexts.
 * All contexts read one key per packet. Their results are merged by lowest
 * rank, together with filters that always match (const_best) and filters
 * that could not be expressed as ACL rules (the exact list, matched with
 * dfp_engine_filter_match() per packet).
 */
#ifndef LOOKUP_PRIVATE_H
#define LOOKUP_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_acl.h>

#include "engine_private.h"

/* Largest ACL key (bytes): one leading byte, then groups of four. */
#define LK_KEY_MAX 64

/* Most copy operations that build a key. */
#define LK_MAX_PARTS 32

/* Most ACL fields one engine field is split into (an IPv6 address in 16-bit ranges). */
#define LK_FIELD_PARTS 8

/* One copy from struct dfp_engine_values into the ACL key. */
struct lk_part {
	uint16_t src_off;  /* Offset in struct dfp_engine_values. */
	uint8_t dst_off;   /* Offset in the key. */
	uint8_t size;      /* Bytes. */
	uint8_t swap;      /* Host-order integer of 2 or 4 bytes: store big-endian. */
};

/* How one engine field sits in the ACL rule. */
struct lk_field {
	uint8_t type;            /* RTE_ACL_FIELD_TYPE_*. */
	uint8_t bits;            /* Width the ACL sees (DIRECTION: 8). */
	uint8_t n_parts;         /* ACL fields holding it: 1, 2-3 (MAC) or 4-8 (IPv6). */
	uint8_t part_bits[LK_FIELD_PARTS]; /* Most significant part first. */
	uint8_t defs[LK_FIELD_PARTS];      /* ACL field (rule field index) of each part. */
};

/*
 * The ACL rule layout and key format of one layer: a 1-byte field at
 * offset 0, then groups of four bytes, one rte_acl input_index each.
 */
struct lk_layout {
	uint32_t n_defs;
	uint32_t key_size;
	uint32_t n_parts;
	struct rte_acl_field_def defs[RTE_ACL_MAX_FIELDS];
	struct lk_field fields[DFP_FIELD_COUNT];  /* Meaningful where used. */
	struct lk_part parts[LK_MAX_PARTS];
};

/* One rte_acl context and where its categories' results go. */
struct lk_ctx {
	struct rte_acl_ctx *acl;
	uint32_t n_categories;   /* Passed to rte_acl_classify (1 or 4k). */
	uint32_t n_slots;        /* Categories in use: 0..n_slots-1. */
	uint16_t slots[RTE_ACL_MAX_CATEGORIES]; /* Category -> slot. */
};

/* A filter evaluated per packet (not expressible as ACL rules). */
struct lk_exact {
	const struct dfp_engine_filter_rt *filter;
	uint32_t rank;
	uint32_t slot;
};

/*
 * One 16-byte chunk of the key gathered from one 16-byte window of struct
 * dfp_engine_values by a byte shuffle (mask byte: source byte in the
 * window, or 0x80 for none); the chunk is the OR of its operations.
 */
struct lk_gather_op {
	uint8_t mask[16];
	uint8_t key_chunk;       /* Key bytes 16 * key_chunk .. + 15. */
	uint8_t src_off;         /* Window start in the values. */
	uint8_t last;            /* The chunk's last operation: store it. */
};

/* Most gather operations of a key (4 chunks drawing on up to 5 windows each). */
#define LK_GATHER_MAX 20

/* One key layout and the contexts that read it. */
struct lk_group {
	uint32_t n_parts;
	uint32_t key_size;       /* Bytes of key the contexts read. */
	struct lk_part parts[LK_MAX_PARTS];
	uint32_t n_gather;       /* The same key as byte shuffles; 0 = use parts. */
	struct lk_gather_op gather[LK_GATHER_MAX];
	uint32_t n_ctxs;
	const struct lk_ctx *ctxs;
	const uint32_t *rank_map; /* ACL result rank -> layer rank; NULL = the same. */
};

/*
 * A layer's classifier. A full build has one group and owns its rte_acl
 * contexts. An incremental build (delta.c) borrows the contexts of the last
 * full build of the layer (its origin) with ranks and slots renumbered for
 * the current filters, and adds a second group built from the filters added
 * since; both are merged by lowest rank like any two contexts.
 */
struct engine_lookup {
	uint32_t n_sublayers;
	uint32_t n_groups;       /* 1 or 2. */
	struct lk_group groups[2];
	uint32_t n_exact;
	struct lk_exact *exact;  /* Ascending rank. */
	uint32_t *const_best;    /* Per slot: rank of the first always-matching filter. */

	/* Ownership and provenance (control thread only). */
	uint32_t refcnt;
	struct lk_ctx *own_ctxs;       /* Full build: its contexts (rte_acl owned);
					* incremental: group 0's renumbered copies. */
	uint32_t *own_rank_map;        /* Incremental: origin rank -> rank. */
	struct engine_lookup *origin;  /* Incremental: the full build it borrows (a reference). */
	struct engine_lookup *added;   /* Incremental: the build of the added filters (a
					* reference), or NULL if none. */
	uint32_t n_origin;             /* Full build: filters it was built from ... */
	uint64_t *origin_ids;          /* ... their ids by rank ... */
	uint16_t *origin_slots;        /* ... and slots by rank. */
};

/*
 * Fill g's gather operations from its parts and key size (lookup.c); leaves
 * n_gather 0 when they do not fit (key_build() then copies part by part).
 */
void engine_lookup_gather(struct lk_group *g);

/*
 * The full build a classifier's ACL contexts come from, and the filter ids
 * it was built from, by rank (control thread).
 */
const struct engine_lookup *engine_lookup_origin(const struct engine_lookup *lk);

/*
 * Build a layer's classifier incrementally on top of `base` (the layer's
 * published classifier, full or incremental): the origin's filters must all
 * still exist, map_origin[r] giving the current rank of the origin's rank
 * r; is_added[rank] marks the other filters of `in`, n_added of them.
 * Returns NULL on failure (*status set).
 */
struct engine_lookup *engine_lookup_incremental(const struct engine_lookup *base,
		const struct engine_compile_input *in, const uint32_t *map_origin,
		const uint8_t *is_added, uint32_t n_added, dfp_status_t *status);

/*
 * Lay out the ACL fields and the key for the fields a layer's filters use
 * (lookup.c); multi-part fields in `ranged` become RANGE parts. Returns 0,
 * or -ENOSPC if the key would exceed LK_KEY_MAX.
 */
int engine_lookup_layout(struct lk_layout *lay, const bool used[DFP_FIELD_COUNT],
		const bool ranged[DFP_FIELD_COUNT], unsigned int family);

/* ---- Expansion of a filter into ACL rules (expand.c, control thread) ---- */

/* One alternative of a field, per part: RANGE lo/hi, MASK value/length, BITMASK value/mask. */
struct lk_alt {
	uint32_t v[LK_FIELD_PARTS];
	uint32_t m[LK_FIELD_PARTS];
};

/* What a filter compiles to. */
enum lk_fc {
	LK_FC_NEVER,             /* Matches no packet: dropped. */
	LK_FC_ALWAYS,            /* Matches every packet: a per-slot constant. */
	LK_FC_EXACT,             /* Not expressible within the budget: matched per packet. */
	LK_FC_ACL,               /* The cartesian product of its fields' alternatives. */
};

/*
 * A filter as ACL rules: one rule per combination of one alternative of
 * each constrained field. The alternatives live in the expander's scratch
 * and are valid until its next call.
 */
struct lk_expansion {
	uint32_t n_rules;        /* Product of cf_count. */
	uint32_t shape;          /* Constrained fields, bit (1 << enum dfp_field). */
	uint32_t n_cf;           /* Constrained fields, in condition order ... */
	uint8_t cf_field[DFP_FIELD_COUNT];  /* ... which, */
	uint32_t cf_first[DFP_FIELD_COUNT]; /* ... their first alternative in alts, */
	uint32_t cf_count[DFP_FIELD_COUNT]; /* ... and how many. */
	const struct lk_alt *alts;
};

struct lk_expander;

/*
 * Scratch for expanding filters at one layout: at most max_rules ACL rules
 * per filter (beyond that a filter is LK_FC_EXACT). Returns NULL on no
 * memory.
 */
struct lk_expander *engine_expander_create(const struct lk_layout *lay, unsigned int family,
		uint32_t max_rules);

/* Free an expander; accepts NULL. */
void engine_expander_free(struct lk_expander *x);

/* Expand one filter; for LK_FC_ACL fills *e. */
enum lk_fc engine_expand(struct lk_expander *x, const struct dfp_engine_filter_rt *f,
		struct lk_expansion *e);

/*
 * Write the e->n_rules rte_acl rules of an expansion (rule_size bytes each,
 * at layout lay) to out, all with the given priority and userdata and no
 * category.
 */
void engine_expansion_rules(const struct lk_layout *lay, const struct lk_expansion *e,
		size_t rule_size, uint32_t priority, uint32_t userdata, uint8_t *out);

/*
 * Share of pairs of rules (rte_acl rules of `rule_size` bytes at layout
 * lay) that overlap, one from a[0..na-1] and one from b[0..nb-1] (distinct
 * pairs when a == b), measured on `sample` evenly spaced rules of each.
 */
double engine_rules_overlap_rate(const struct lk_layout *lay, size_t rule_size,
		const uint8_t *a, uint32_t na, const uint8_t *b, uint32_t nb, uint32_t sample);

#endif /* LOOKUP_PRIVATE_H */
