/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Random rule sets and packets for the oracle tests.
 *
 * A run fixes a layer, a seed and a value pool per field; filters and
 * packets both draw from the pools, so packets hit rules often. Filters use
 * every match type and value form the layer accepts, same-field ORs in
 * shuffled order, weights drawn so that ties are common, and every filter
 * action. The sublayers are the two built-ins plus four added ones, two of
 * which tie in weight with a built-in (creation order then decides).
 *
 * Everything is deterministic for a seed (the sublayer and callout keys are
 * random GUIDs, which do not affect ordering).
 */
#ifndef DFP_TEST_ORACLE_GEN_H
#define DFP_TEST_ORACLE_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "dfp_engine.h"
#include "dfp_guid.h"

/** Most conditions a generated filter gets (fields x alternatives). */
#define GEN_MAX_CONDS 12
/** Values per field in the pool that filters and packets draw from. */
#define GEN_POOL_SIZE 8
/** Sublayers of a run: two built-ins and four added. */
#define GEN_MAX_SUBLAYERS 8

/** splitmix64 state. */
struct gen_rng {
	uint64_t s; /**< State. */
};

/** A sublayer of the run. */
struct gen_sublayer {
	const char *name;      /**< Display name. */
	uint16_t weight;       /**< Sublayer weight. */
	bool builtin;          /**< Created by dfp_engine_create(), not added. */
	struct dfp_guid key;   /**< Its key. */
	int oracle_index;      /**< Index in the oracle being built (test's own use). */
};

/** A generated filter. */
struct gen_filter {
	int sublayer;          /**< Index in gen_run.sublayers. */
	enum dfp_engine_weight_type weight_type; /**< How the weight is given. */
	uint64_t weight;       /**< As given to the engine. */
	uint64_t eff_weight;   /**< Effective weight (filled in by the test). */
	uint32_t action;       /**< One of the five filter actions. */
	uint32_t n_conds;      /**< Number of conditions. */
	struct dfp_engine_cond conds[GEN_MAX_CONDS]; /**< Conditions. */
	uint64_t id;           /**< Engine filter id (filled in by the test). */
};

/** Sizes and seed of a run. */
struct gen_params {
	uint64_t seed;          /**< Seed. */
	uint32_t n_filters;     /**< Filters to draw. */
	uint32_t n_packets;     /**< Packets the test will draw. */
	unsigned int tie_pool;  /**< Explicit weights mostly drawn from 0..tie_pool-1. */
};

/** A run: its layer, pools, sublayers and filters. */
struct gen_run {
	uint16_t layer;                 /**< Layer id. */
	unsigned int family;            /**< 4, 6 or 0. */
	struct gen_rng rng;             /**< Random state (filters, then packets). */
	unsigned int n_fields;          /**< Fields the layer offers ... */
	enum dfp_field fields[DFP_FIELD_COUNT]; /**< ... and which. */
	struct dfp_u128 pool[DFP_FIELD_COUNT][GEN_POOL_SIZE]; /**< Values per field. */
	unsigned int n_sublayers;       /**< Sublayers in use. */
	struct gen_sublayer sublayers[GEN_MAX_SUBLAYERS]; /**< Built-ins first. */
	struct dfp_guid callout_key;    /**< Key for the run's callout object. */
	uint32_t n_filters;             /**< Filters drawn. */
	struct gen_filter *filters;     /**< Owned; gen_run_free() frees. */
	unsigned int tie_pool;          /**< From gen_params. */
	uint64_t seed;                  /**< From gen_params. */
};

/** A random number in [0, n) (0 when n is 0). */
uint64_t gen_rng_below(struct gen_rng *r, uint64_t n);

/**
 * Set up a run at a layer and draw its filters.
 * @return 0, or -1 (no memory, bad GUID text).
 */
int gen_run_init(struct gen_run *run, uint16_t layer, const struct gen_params *p);

/** Free a run's filters. */
void gen_run_free(struct gen_run *run);

/** Draw a packet: each field from its pool, near it, at an edge, or random. */
void gen_packet(struct gen_run *run, struct dfp_engine_values *v);

#endif /* DFP_TEST_ORACLE_GEN_H */
