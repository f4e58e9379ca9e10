/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The compiled per-layer classifier, shared by its builder (compile.c) and
 * its run-time half (lookup.c, which also owns the key layout) only.
 *
 * A layer compiles to up to a few rte_acl contexts plus two small side
 * tables. Each (sublayer, static|callout) pair that has ACL rules is one ACL
 * category ("slot" = sublayer * 2 + is_callout); a context holds at most 16
 * categories, and a group of categories with too many rules is split over
 * several contexts. The results of all contexts are merged by lowest rank,
 * together with filters that always match (const_best) and filters that
 * could not be expressed as ACL rules (the exact list, matched with
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
	uint8_t n_parts;         /* ACL fields holding it: 1, 2 (MAC) or 4 (IPv6). */
	uint8_t part_bits[4];    /* Most significant part first. */
	uint8_t defs[4];         /* ACL field (rule field index) of each part. */
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

struct engine_lookup {
	uint32_t n_sublayers;
	uint32_t n_ctxs;
	uint32_t n_exact;
	uint32_t n_parts;
	uint32_t key_size;       /* Bytes of key the contexts read. */
	struct lk_part parts[LK_MAX_PARTS];
	struct lk_ctx *ctxs;
	struct lk_exact *exact;  /* Ascending rank. */
	uint32_t *const_best;    /* Per slot: rank of the first always-matching filter. */
};

/*
 * Lay out the ACL fields and the key for the fields a layer's filters use
 * (lookup.c). Returns 0, or -ENOSPC if the key would exceed LK_KEY_MAX.
 */
int engine_lookup_layout(struct lk_layout *lay, const bool used[DFP_FIELD_COUNT],
		unsigned int family);

#endif /* LOOKUP_PRIVATE_H */
