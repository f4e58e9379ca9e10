/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine object and its undo log: shared by model.c (engine, sublayers,
 * callouts, transactions), filter.c (filters) and ruleset.c (compilation).
 * Control thread only.
 */
#ifndef ENGINE_MODEL_PRIVATE_H
#define ENGINE_MODEL_PRIVATE_H

#include <pthread.h>

#include "engine_private.h"

enum engine_undo_op {
	ENGINE_UNDO_NOP,         /* Neutralised entry (see dfp_engine_txn_finish). */
	ENGINE_UNDO_FILTER_ADD,
	ENGINE_UNDO_FILTER_DEL,
	ENGINE_UNDO_SUBLAYER_ADD,
	ENGINE_UNDO_SUBLAYER_DEL,
	ENGINE_UNDO_CALLOUT_ADD,
	ENGINE_UNDO_CALLOUT_DEL,
};

struct engine_undo {
	enum engine_undo_op op;
	void *obj;
};

/* One run-time callout id and what holds it (spec §1.8: one id per key). */
struct engine_callout_id {
	TAILQ_ENTRY(engine_callout_id) next;
	struct dfp_guid key;
	uint32_t id;
	uint32_t n_bindings;     /* Registrations bound to it. */
	bool has_object;         /* A live management object holds it. */
};
TAILQ_HEAD(engine_callout_id_list, engine_callout_id);

/* One counter set: a classifying thread's hits, indexed by slot. */
struct engine_hit_set {
	TAILQ_ENTRY(engine_hit_set) next;
	uint64_t *hits;          /* len entries; the thread writes, control reads. */
};
TAILQ_HEAD(engine_hit_set_list, engine_hit_set);

/*
 * Hit counter slots and sets (counters.c). `lock` guards all of it:
 * attach/detach may come from a control thread that does not hold lib/ctl's
 * lock, and a detach reads the slot bitmap.
 */
struct engine_hits {
	pthread_mutex_t lock;
	uint32_t len;            /* max_filters + 1: slot 0 means "no filter". */
	uint64_t *used;          /* Bitmap of slots in use; slot 0 always set. */
	uint32_t n_words;        /* Of used. */
	uint32_t hint;           /* No clear bit in used[0..hint). */
	struct engine_hit_set_list sets;
	uint64_t *retired;       /* Counts of detached sets; NULL until the first. */
};

/* Intrusive hash of filters by id and by key. */
struct engine_filter_hash {
	struct engine_filter **by_id;
	struct engine_filter **by_key;
	uint32_t n_buckets;      /* Power of two. */
};

struct dfp_engine {
	struct dfp_engine_params params;
	struct engine_sublayer_list sublayers;
	struct engine_callout_list callouts;
	struct engine_callout_id_list callout_ids;
	struct engine_filter_list filters;       /* Live filters, id order. */
	struct engine_filter_hash fhash;
	struct engine_hits hits;
	uint32_t n_filters;
	uint32_t layer_n_filters[DFP_LAYER_ID_MAX];
	uint64_t next_filter_id;
	uint32_t next_callout_id;
	uint32_t sublayer_seq;
	/* Transaction state. */
	bool txn_open;
	struct engine_undo *undo;
	uint32_t n_undo;
	uint32_t cap_undo;
	bool dirty[DFP_LAYER_ID_MAX];
	/* Rulesets. */
	struct dfp_engine_ruleset *current;
	uint64_t generation;
};

/* model.c */
dfp_status_t engine_undo_push(struct dfp_engine *eng, enum engine_undo_op op, void *obj);
struct engine_sublayer *engine_sublayer_find_key(struct dfp_engine *eng,
		const struct dfp_guid *key);
struct engine_callout *engine_callout_find_key(struct dfp_engine *eng,
		const struct dfp_guid *key);

/* filter.c */
dfp_status_t engine_fhash_init(struct engine_filter_hash *h);
void engine_fhash_fini(struct engine_filter_hash *h);
void engine_filter_link(struct dfp_engine *eng, struct engine_filter *f);
void engine_filter_unlink(struct dfp_engine *eng, struct engine_filter *f);
void engine_filter_free(struct engine_filter *f);
/* The live filter with this id, or NULL. */
struct engine_filter *engine_filter_find_id(struct dfp_engine *eng, uint64_t id);
void engine_filter_notify(struct dfp_engine *eng, struct engine_filter *f,
		enum dfp_notify_type type);

/* counters.c */
dfp_status_t engine_hits_init(struct engine_hits *h, uint32_t max_filters);
void engine_hits_fini(struct engine_hits *h);
/* Lowest free slot, or 0 when all max_filters are taken. */
uint32_t engine_hits_slot_alloc(struct engine_hits *h);
/* Zero a slot in every set, then make it free; no thread may count into it. */
void engine_hits_slot_free(struct engine_hits *h, uint32_t slot);
/* A slot's count summed over every set (relaxed loads). */
uint64_t engine_hits_sum(struct engine_hits *h, uint32_t slot);

/* ruleset.c */
dfp_status_t engine_ruleset_build(struct dfp_engine *eng, struct dfp_engine_ruleset **out);

#endif /* ENGINE_MODEL_PRIVATE_H */
