/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Engine internals shared between the model (model.c, filter.c), the
 * condition code (cond.c), the compiler/lookup (compile.c, lookup.c) and the
 * arbitration (classify.c). Not for other modules.
 */
#ifndef ENGINE_PRIVATE_H
#define ENGINE_PRIVATE_H

#include <stdint.h>
#include <sys/queue.h>

#include "dfp_log.h"
#include "dfp_engine.h"

DFP_LOG_DECLARE(engine);

/* Most sublayers that may hold filters at one layer (stack scratch bound). */
#define ENGINE_MAX_LAYER_SUBLAYERS 64

/* "No match" rank. */
#define ENGINE_RANK_NONE UINT32_MAX

/* ---------------------------------------------------------------------- */
/* Management model (control thread only).                                */

struct engine_sublayer {
	TAILQ_ENTRY(engine_sublayer) next;  /* eng->sublayers, creation order. */
	struct dfp_guid key;
	char name[DFP_ENGINE_NAME_SIZE];
	uint16_t weight;
	uint32_t flags;
	uint32_t order;          /* Creation sequence: tie-break between equal weights. */
	uint32_t n_filters;      /* Live filters referencing it. */
	uint32_t layer_n_filters[DFP_LAYER_ID_MAX]; /* ... per layer. */
	uint32_t owner;          /* Owning session (0 = static). */
	bool builtin;
};
TAILQ_HEAD(engine_sublayer_list, engine_sublayer);

struct engine_callout {
	TAILQ_ENTRY(engine_callout) next;   /* eng->callouts. */
	struct dfp_guid key;
	char name[DFP_ENGINE_NAME_SIZE];
	uint32_t id;
	uint16_t layer_id;
	uint32_t flags;
	uint32_t n_filters;      /* Live filters whose action names it. */
	uint32_t owner;
};
TAILQ_HEAD(engine_callout_list, engine_callout);

struct engine_filter {
	/* The run-time view first: a compiled ruleset points at it. */
	struct dfp_engine_filter_rt rt;
	TAILQ_ENTRY(engine_filter) next;    /* eng->filters (id order) while live. */
	struct dfp_guid key;
	struct dfp_guid callout_key;
	char name[DFP_ENGINE_NAME_SIZE];
	struct engine_sublayer *sublayer;
	struct engine_callout *callout;     /* Callout actions only. */
	uint32_t mgmt_flags;
	uint32_t owner;
	bool committed;          /* Part of the published ruleset. */
	bool live;               /* In the model (not deleted). */
	uint32_t compile_rank;   /* Its rank in the layer being compiled (ruleset.c scratch). */
	struct dfp_engine_cond conds[];     /* rt.conds points here. */
};
TAILQ_HEAD(engine_filter_list, engine_filter);

/* ---------------------------------------------------------------------- */
/* Compiled rulesets (immutable once built; any lcore reads).             */

/* One sublayer of a compiled layer: filters of ranks [first, end). */
struct engine_sublayer_rt {
	uint32_t first;          /* Rank of its first filter. */
	uint32_t end;            /* One past its last filter's rank. */
	uint16_t weight;         /* Sublayer weight. */
	uint32_t n_callouts;     /* Callout filters in it ... */
	const uint32_t *callouts; /* ... their ranks, ascending. */
};

struct engine_lookup;        /* Private to compile.c/lookup.c. */

/*
 * A compiled layer. Rank = index in `filters`, which are sorted by
 * (sublayer weight desc, sublayer order asc, filter weight desc, id asc).
 */
struct engine_layer_rt {
	uint16_t layer_id;
	unsigned int family;     /* 4, 6 or 0. */
	uint64_t generation;     /* Ruleset generation that compiled it (kept while shared). */
	uint32_t n_filters;
	const struct dfp_engine_filter_rt *const *filters;
	const uint64_t *filter_ids;   /* filters[rank]->filter_id, dense (a row without
				       * touching the filters). */
	uint32_t n_sublayers;
	const struct engine_sublayer_rt *sublayers;
	struct engine_lookup *lookup;  /* The compiled classifier. */
	uint32_t fields;         /* Fields its filters' conditions use (1 << enum dfp_field;
				  * bit 31: one the compiler does not know). */
	uint32_t n_callouts;     /* Callout filters. */
	uint32_t refcnt;         /* Rulesets sharing it (control thread only). */
};

struct dfp_engine_ruleset {
	uint64_t generation;
	struct engine_layer_rt *layers[DFP_LAYER_ID_MAX]; /* NULL = no filters. */
};

/* Input of the compiler for one layer (built by the model, sorted by rank). */
struct engine_compile_input {
	uint16_t layer_id;
	unsigned int family;
	uint64_t generation;     /* For unique ACL context names. */
	uint32_t n_filters;
	const struct dfp_engine_filter_rt *const *filters; /* Rank order. */
	uint32_t n_sublayers;
	const struct engine_sublayer_rt *sublayers; /* callouts filled in. */
	unsigned int socket_id;
	uint32_t acl_max_rules;  /* Rules per ACL context; 0 = default. */
	uint32_t max_expansion;  /* ACL rules per filter; beyond = exact scan. */
	const uint8_t *include;  /* Per rank: compile it (1) or leave it out (0);
				  * NULL = every filter. Ranks stay those of `filters`. */
};

/*
 * Build the compiled classifier for one layer (compile.c).
 * Returns NULL and sets *status (STATUS_NO_MEMORY / _INSUFFICIENT_RESOURCES)
 * on failure. The input arrays are not retained: lookup copies what it needs
 * (the filter pointers stay valid for the ruleset's lifetime).
 */
struct engine_lookup *engine_lookup_build(const struct engine_compile_input *in,
		dfp_status_t *status);

/*
 * Release a reference to a compiled classifier (a ruleset's, or an
 * incremental build's on its origin and added filters); accepts NULL
 * (compile.c). At the last reference it is freed, with the rte_acl
 * contexts it built.
 */
void engine_lookup_free(struct engine_lookup *lk);

/*
 * For each packet i and sublayer s (0..n_sublayers-1) write the rank of the
 * best matching static filter to static_best[i * n_sublayers + s] and of the
 * best matching callout filter to callout_best[...], ENGINE_RANK_NONE if
 * none (lookup.c). Lock-free, no allocation, n <= DFP_ENGINE_BURST_MAX.
 */
void engine_lookup_burst(const struct engine_lookup *lk,
		const struct dfp_engine_values *const values[], unsigned int n,
		uint32_t *static_best, uint32_t *callout_best);

/* ---------------------------------------------------------------------- */
/* Conditions (cond.c).                                                   */

/*
 * Validate a condition for a layer. Returns STATUS_SUCCESS or the status
 * dfp_engine_filter_add() documents.
 */
dfp_status_t engine_cond_validate(const struct dfp_engine_cond *c, uint16_t layer_id);

/* Mask of value bits for a field at a family (all ones over its width). */
struct dfp_u128 engine_field_max(enum dfp_field field, unsigned int family);

/*
 * One alternative of a field: an inclusive interval [lo, hi], or a ternary
 * (x & mask) == value. A condition expands to a small set of alternatives;
 * the filter matches a field when any alternative of that field matches.
 */
struct engine_alt {
	bool ternary;
	struct dfp_u128 lo, hi;     /* Interval. */
	struct dfp_u128 value, mask; /* Ternary. */
};

/*
 * Expand a condition into alternatives (not_equal into two intervals,
 * flags_any_set into one ternary per bit, and so on). Writes up to max
 * entries to alts and returns how many are needed (which may exceed max).
 */
unsigned int engine_cond_expand(const struct dfp_engine_cond *c, unsigned int family,
		struct engine_alt *alts, unsigned int max);

/* 128-bit helpers. */
static inline int
engine_u128_cmp(struct dfp_u128 a, struct dfp_u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

static inline struct dfp_u128
engine_u128_and(struct dfp_u128 a, struct dfp_u128 b)
{
	struct dfp_u128 r = {a.hi & b.hi, a.lo & b.lo};

	return r;
}

static inline bool
engine_u128_eq(struct dfp_u128 a, struct dfp_u128 b)
{
	return a.hi == b.hi && a.lo == b.lo;
}

static inline bool
engine_u128_is_zero(struct dfp_u128 a)
{
	return a.hi == 0 && a.lo == 0;
}

/* Mask of the top `len` bits of a `bits`-wide value. */
struct dfp_u128 engine_u128_prefix_mask(unsigned int len, unsigned int bits);

/* ---------------------------------------------------------------------- */
/* Arbitration (arbitrate.c).                                             */

/* Layer-level state while walking sublayers (spec §3.2). */
struct engine_arb {
	uint32_t action;         /* DFP_ACTION_NONE until a sublayer decides. */
	bool hard;               /* Write right cleared. */
	uint32_t flags;          /* DFP_ENGINE_VERDICT_F_*. */
	const struct dfp_engine_filter_rt *filter; /* Filter behind `action`, or NULL. */
};

/* A sublayer's result. */
struct engine_sl_result {
	uint32_t action;         /* NONE, PERMIT or BLOCK. */
	bool hard;
	bool veto;
	bool absorb;
	const struct dfp_engine_filter_rt *filter; /* The deciding filter. */
};

/*
 * Evaluate one matching filter with the current layer state (spec §3.3).
 * Returns DFP_ACTION_CONTINUE to move on, else PERMIT/BLOCK in *res.
 */
uint32_t engine_arb_eval(const struct dfp_engine_filter_rt *f, const struct engine_arb *cur,
		const struct dfp_engine_values *v, void *pkt_ctx,
		const struct dfp_engine_classify_env *env, struct engine_sl_result *res);

/* Merge a sublayer result into the layer state (spec §3.4). */
void engine_arb_merge(struct engine_arb *cur, const struct engine_sl_result *res);

/* ---------------------------------------------------------------------- */
/* Rulesets (ruleset.c).                                                  */

/* Free a compiled layer when its last ruleset lets go. */
void engine_layer_rt_put(struct engine_layer_rt *l);

/* Free a ruleset (dropping its layer references); accepts NULL. */
void engine_ruleset_free(struct dfp_engine_ruleset *rs);

#endif /* ENGINE_PRIVATE_H */
