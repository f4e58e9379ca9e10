/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow ids and callout contexts (spec §4.4, §5, N5, N6, §10 items 10-12):
 * stale-proof ids, association rules, SUCCESS vs PENDING removal, delete
 * hooks exactly once at flow end, abort requests and enumeration.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfp_flow.h"

#define TABLE_ID 3
#define CAPACITY 16
#define MAX_HOOKS 64

#define LAYER_A 10
#define LAYER_B 20
#define CALLOUT_X 100
#define CALLOUT_Y 200

struct hook_call {
	uint16_t layer_id;
	uint32_t callout_id;
	uint64_t context;
};

struct fx {
	struct dfp_flow_dir *dir;
	struct dfp_flow_table *t;
	/* Delete hook calls, in order. */
	struct hook_call calls[MAX_HOOKS];
	unsigned int n_calls;
	/* When non-zero, the hook removes (reenter_layer, reenter_callout). */
	uint64_t reenter_flow;
	uint16_t reenter_layer;
	uint32_t reenter_callout;
	dfp_status_t reenter_status;
};

static void
fx_hook(void *ctx, uint16_t layer_id, uint32_t callout_id, uint64_t context)
{
	struct fx *x = ctx;
	uint64_t flow;

	assert_true(x->n_calls < MAX_HOOKS);
	x->calls[x->n_calls].layer_id = layer_id;
	x->calls[x->n_calls].callout_id = callout_id;
	x->calls[x->n_calls].context = context;
	x->n_calls++;
	if (x->reenter_flow != 0) {
		flow = x->reenter_flow;
		x->reenter_flow = 0;
		x->reenter_status = dfp_flow_context_remove(x->dir, flow, x->reenter_layer,
				x->reenter_callout);
	}
}

/* Number of hook calls with this association. */
static unsigned int
fx_count(const struct fx *x, uint16_t layer_id, uint32_t callout_id, uint64_t context)
{
	unsigned int i, n = 0;

	for (i = 0; i < x->n_calls; i++)
		if (x->calls[i].layer_id == layer_id && x->calls[i].callout_id == callout_id &&
				x->calls[i].context == context)
			n++;
	return n;
}

static int
fx_setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	assert_int_equal(dfp_flow_dir_create(fx_hook, x, &x->dir), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_table_create(x->dir, TABLE_ID, CAPACITY, &x->t),
			DFP_STATUS_SUCCESS);
	*state = x;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *x = *state;

	dfp_flow_table_free(x->t);
	dfp_flow_dir_free(x->dir);
	free(x);
	return 0;
}

/* A new flow with its id. */
static uint64_t
fx_flow(struct fx *x, struct dfp_flow **f)
{
	uint64_t id = dfp_flow_alloc(x->t, f);

	assert_int_not_equal(id, 0);
	assert_non_null(*f);
	return id;
}

/* ---- Ids ---- */

static void
test_flow_id_encodes_table_slot_and_generation(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;
	uint64_t id;

	id = fx_flow(x, &f);
	assert_int_equal(id >> 56, TABLE_ID);
	assert_int_equal(id & 0xffffff, 0);
	assert_int_equal((id >> 24) & 1, 1);
	assert_int_equal(dfp_flow_id(f), id);
	assert_ptr_equal(dfp_flow_lookup_id(x->t, id), f);
	dfp_flow_end(x->t, f);
}

static void
test_flow_id_is_stale_after_end(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;
	uint64_t id;

	id = fx_flow(x, &f);
	dfp_flow_end(x->t, f);
	assert_null(dfp_flow_lookup_id(x->t, id));
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_X, 1),
			DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_flow_context_remove(x->dir, id, LAYER_A, CALLOUT_X),
			DFP_STATUS_UNSUCCESSFUL);
	assert_int_equal(dfp_flow_abort(x->dir, id), DFP_STATUS_UNSUCCESSFUL);
}

static void
test_flow_id_is_stale_after_slot_reuse(void **state)
{
	struct dfp_flow_table *t1;
	struct dfp_flow *f1, *f2;
	struct fx *x = *state;
	uint64_t id1, id2;

	assert_int_equal(dfp_flow_table_create(x->dir, 9, 1, &t1), DFP_STATUS_SUCCESS);
	id1 = dfp_flow_alloc(t1, &f1);
	assert_int_not_equal(id1, 0);
	dfp_flow_end(t1, f1);
	id2 = dfp_flow_alloc(t1, &f2);
	assert_ptr_equal(f2, f1);
	assert_int_equal(id2 & 0xffffff, id1 & 0xffffff);
	assert_int_not_equal(id2, id1);
	assert_null(dfp_flow_lookup_id(t1, id1));
	assert_ptr_equal(dfp_flow_lookup_id(t1, id2), f2);
	assert_int_equal(dfp_flow_context_associate(x->dir, id1, LAYER_A, CALLOUT_X, 1),
			DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_flow_abort(x->dir, id1), DFP_STATUS_UNSUCCESSFUL);
	assert_false(dfp_flow_abort_requested(f2));
	dfp_flow_end(t1, f2);
	dfp_flow_table_free(t1);
}

static void
test_flow_lookup_rejects_foreign_and_forged_ids(void **state)
{
	struct fx *x = *state;
	uint64_t other_table;
	struct dfp_flow *f;
	uint64_t id;

	id = fx_flow(x, &f);
	other_table = (id & ~(UINT64_C(0xff) << 56)) | ((uint64_t)(TABLE_ID + 1) << 56);
	assert_null(dfp_flow_lookup_id(x->t, 0));
	assert_null(dfp_flow_lookup_id(x->t, other_table));
	assert_null(dfp_flow_lookup_id(x->t, id | CAPACITY));           /* Slot out of range. */
	assert_null(dfp_flow_lookup_id(x->t, id + (UINT64_C(1) << 24))); /* Even generation. */
	assert_int_equal(dfp_flow_context_associate(x->dir, other_table, LAYER_A, CALLOUT_X, 1),
			DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_flow_context_associate(x->dir, id | CAPACITY, LAYER_A, CALLOUT_X, 1),
			DFP_STATUS_INVALID_PARAMETER);
	dfp_flow_end(x->t, f);
}

static void
test_flow_table_full_returns_zero(void **state)
{
	struct dfp_flow *fs[CAPACITY];
	uint64_t ids[CAPACITY];
	struct fx *x = *state;
	struct dfp_flow *f;
	unsigned int i, j;

	for (i = 0; i < CAPACITY; i++) {
		ids[i] = fx_flow(x, &fs[i]);
		for (j = 0; j < i; j++)
			assert_int_not_equal(ids[i], ids[j]);
	}
	assert_int_equal(dfp_flow_alloc(x->t, &f), 0);
	assert_null(f);
	dfp_flow_end(x->t, fs[5]);
	assert_int_not_equal(fx_flow(x, &fs[5]), 0);
	for (i = 0; i < CAPACITY; i++)
		dfp_flow_end(x->t, fs[i]);
}

static void
test_flow_table_count_tracks_live_flows(void **state)
{
	struct dfp_flow *f1, *f2;
	struct fx *x = *state;

	assert_int_equal(dfp_flow_table_count(x->t), 0);
	fx_flow(x, &f1);
	fx_flow(x, &f2);
	assert_int_equal(dfp_flow_table_count(x->t), 2);
	dfp_flow_end(x->t, f1);
	assert_int_equal(dfp_flow_table_count(x->t), 1);
	dfp_flow_end(x->t, f2);
	assert_int_equal(dfp_flow_table_count(x->t), 0);
}

static void
test_flow_table_create_rejects_bad_parameters_and_duplicates(void **state)
{
	struct dfp_flow_table *t = NULL;
	struct fx *x = *state;

	assert_int_equal(dfp_flow_table_create(x->dir, 1, 0, &t), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_flow_table_create(x->dir, 1, DFP_FLOW_MAX_CAPACITY + 1, &t),
			DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_flow_table_create(x->dir, DFP_FLOW_MAX_TABLES, 4, &t),
			DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_flow_table_create(x->dir, TABLE_ID, 4, &t),
			DFP_STATUS_FWP_ALREADY_EXISTS);
	assert_null(t);
}

/* ---- N5: association ---- */

static void
test_flow_associate_context_zero_is_invalid_parameter(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;
	uint64_t id;

	id = fx_flow(x, &f);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_X, 0),
			DFP_STATUS_INVALID_PARAMETER);
	dfp_flow_end(x->t, f);
	assert_int_equal(x->n_calls, 0);
}

static void
test_flow_associate_twice_for_one_key_is_name_exists(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;
	uint64_t id;

	id = fx_flow(x, &f);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_X, 11),
			DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_X, 12),
			DFP_STATUS_OBJECT_NAME_EXISTS);
	dfp_flow_classify_begin(f);
	assert_int_equal(dfp_flow_context_get(f, LAYER_A, CALLOUT_X), 11);
	dfp_flow_classify_end(x->t, f);
	dfp_flow_end(x->t, f);
	assert_int_equal(x->n_calls, 1);
	assert_int_equal(fx_count(x, LAYER_A, CALLOUT_X, 11), 1);
}

static void
test_flow_associate_several_callouts_and_layers(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;
	uint64_t id;

	id = fx_flow(x, &f);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_X, 1),
			DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_Y, 2),
			DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_B, CALLOUT_X, 3),
			DFP_STATUS_SUCCESS);
	dfp_flow_classify_begin(f);
	assert_int_equal(dfp_flow_context_get(f, LAYER_A, CALLOUT_X), 1);
	assert_int_equal(dfp_flow_context_get(f, LAYER_A, CALLOUT_Y), 2);
	assert_int_equal(dfp_flow_context_get(f, LAYER_B, CALLOUT_X), 3);
	assert_int_equal(dfp_flow_context_get(f, LAYER_B, CALLOUT_Y), 0);
	dfp_flow_classify_end(x->t, f);
	dfp_flow_end(x->t, f);
	assert_int_equal(x->n_calls, 3);
}

static void
test_flow_associate_beyond_max_contexts_is_insufficient_resources(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;
	unsigned int i;
	uint64_t id;

	id = fx_flow(x, &f);
	for (i = 0; i < DFP_FLOW_MAX_CONTEXTS; i++)
		assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, i, 100 + i),
				DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_B, 0, 99),
			DFP_STATUS_INSUFFICIENT_RESOURCES);
	/* A freed slot is usable again. */
	assert_int_equal(dfp_flow_context_remove(x->dir, id, LAYER_A, 3), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_B, 0, 99),
			DFP_STATUS_SUCCESS);
	dfp_flow_end(x->t, f);
	assert_int_equal(x->n_calls, DFP_FLOW_MAX_CONTEXTS + 1);
}

static void
test_flow_associate_stale_id_is_invalid_parameter(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;
	uint64_t id;

	id = fx_flow(x, &f);
	dfp_flow_end(x->t, f);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_X, 5),
			DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(x->n_calls, 0);
}

/* ---- N6: removal ---- */

static void
test_flow_remove_without_context_is_unsuccessful(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;
	uint64_t id;

	id = fx_flow(x, &f);
	assert_int_equal(dfp_flow_context_remove(x->dir, id, LAYER_A, CALLOUT_X),
			DFP_STATUS_UNSUCCESSFUL);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_X, 7),
			DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_context_remove(x->dir, id, LAYER_B, CALLOUT_X),
			DFP_STATUS_UNSUCCESSFUL);
	assert_int_equal(dfp_flow_context_remove(x->dir, id, LAYER_A, CALLOUT_Y),
			DFP_STATUS_UNSUCCESSFUL);
	assert_int_equal(x->n_calls, 0);
	dfp_flow_end(x->t, f);
}

static void
test_flow_remove_outside_classify_runs_hook_before_return(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;
	uint64_t id;

	id = fx_flow(x, &f);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_B, CALLOUT_Y, 42),
			DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_context_remove(x->dir, id, LAYER_B, CALLOUT_Y),
			DFP_STATUS_SUCCESS);
	assert_int_equal(x->n_calls, 1);
	assert_int_equal(x->calls[0].layer_id, LAYER_B);
	assert_int_equal(x->calls[0].callout_id, CALLOUT_Y);
	assert_int_equal(x->calls[0].context, 42);
	/* The key is free again at once. */
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_B, CALLOUT_Y, 43),
			DFP_STATUS_SUCCESS);
	dfp_flow_end(x->t, f);
	assert_int_equal(x->n_calls, 2);
	assert_int_equal(fx_count(x, LAYER_B, CALLOUT_Y, 43), 1);
}

struct remover_arg {
	struct dfp_flow_dir *dir;
	uint64_t id;
	dfp_status_t st;
};

static void *
remover_main(void *p)
{
	struct remover_arg *a = p;

	a->st = dfp_flow_context_remove(a->dir, a->id, LAYER_A, CALLOUT_X);
	return NULL;
}

static void
test_flow_remove_while_classifying_is_pending_until_classify_end(void **state)
{
	struct fx *x = *state;
	struct remover_arg a;
	struct dfp_flow *f;
	pthread_t th;

	a.dir = x->dir;
	a.id = fx_flow(x, &f);
	assert_int_equal(dfp_flow_context_associate(x->dir, a.id, LAYER_A, CALLOUT_X, 77),
			DFP_STATUS_SUCCESS);
	dfp_flow_classify_begin(f);
	assert_int_equal(pthread_create(&th, NULL, remover_main, &a), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(a.st, DFP_STATUS_PENDING);
	assert_int_equal(x->n_calls, 0);
	dfp_flow_classify_end(x->t, f);
	assert_int_equal(x->n_calls, 1);
	assert_int_equal(fx_count(x, LAYER_A, CALLOUT_X, 77), 1);
	/* Exactly once: later classifications and the flow's end add nothing. */
	dfp_flow_classify_begin(f);
	dfp_flow_classify_end(x->t, f);
	dfp_flow_end(x->t, f);
	assert_int_equal(x->n_calls, 1);
}

static void
test_flow_remove_inside_classify_fn_is_pending(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;
	uint64_t id;

	id = fx_flow(x, &f);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_X, 5),
			DFP_STATUS_SUCCESS);
	dfp_flow_classify_begin(f);
	/* What a classifyFn does with its own context (spec §10 item 12). */
	assert_int_equal(dfp_flow_context_get(f, LAYER_A, CALLOUT_X), 5);
	assert_int_equal(dfp_flow_context_remove(x->dir, id, LAYER_A, CALLOUT_X),
			DFP_STATUS_PENDING);
	assert_int_equal(x->n_calls, 0);
	dfp_flow_classify_end(x->t, f);
	assert_int_equal(fx_count(x, LAYER_A, CALLOUT_X, 5), 1);
	dfp_flow_end(x->t, f);
	assert_int_equal(x->n_calls, 1);
}

static void
test_flow_context_get_returns_zero_once_removal_is_pending(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;
	uint64_t id;

	id = fx_flow(x, &f);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_X, 5),
			DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_Y, 6),
			DFP_STATUS_SUCCESS);
	dfp_flow_classify_begin(f);
	assert_int_equal(dfp_flow_context_remove(x->dir, id, LAYER_A, CALLOUT_X),
			DFP_STATUS_PENDING);
	assert_int_equal(dfp_flow_context_get(f, LAYER_A, CALLOUT_X), 0);
	assert_int_equal(dfp_flow_context_get(f, LAYER_A, CALLOUT_Y), 6);
	dfp_flow_classify_end(x->t, f);
	dfp_flow_end(x->t, f);
	assert_int_equal(x->n_calls, 2);
}

static void
test_flow_associate_while_removal_pending_is_name_exists(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;
	uint64_t id;

	id = fx_flow(x, &f);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_X, 5),
			DFP_STATUS_SUCCESS);
	dfp_flow_classify_begin(f);
	assert_int_equal(dfp_flow_context_remove(x->dir, id, LAYER_A, CALLOUT_X),
			DFP_STATUS_PENDING);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_X, 6),
			DFP_STATUS_OBJECT_NAME_EXISTS);
	/* A second removal finds no associated context. */
	assert_int_equal(dfp_flow_context_remove(x->dir, id, LAYER_A, CALLOUT_X),
			DFP_STATUS_UNSUCCESSFUL);
	dfp_flow_classify_end(x->t, f);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_X, 6),
			DFP_STATUS_SUCCESS);
	dfp_flow_end(x->t, f);
	assert_int_equal(fx_count(x, LAYER_A, CALLOUT_X, 5), 1);
	assert_int_equal(fx_count(x, LAYER_A, CALLOUT_X, 6), 1);
	assert_int_equal(x->n_calls, 2);
}

static void
test_flow_nested_classify_defers_hook_to_outermost_end(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;
	uint64_t id;

	id = fx_flow(x, &f);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_X, 5),
			DFP_STATUS_SUCCESS);
	dfp_flow_classify_begin(f);
	dfp_flow_classify_begin(f);
	assert_int_equal(dfp_flow_context_remove(x->dir, id, LAYER_A, CALLOUT_X),
			DFP_STATUS_PENDING);
	dfp_flow_classify_end(x->t, f);
	assert_int_equal(x->n_calls, 0);
	dfp_flow_classify_end(x->t, f);
	assert_int_equal(x->n_calls, 1);
	dfp_flow_end(x->t, f);
	assert_int_equal(x->n_calls, 1);
}

static void
test_flow_hook_may_call_back_into_the_module(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;
	uint64_t id;

	id = fx_flow(x, &f);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_X, 1),
			DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_B, CALLOUT_Y, 2),
			DFP_STATUS_SUCCESS);
	x->reenter_flow = id;
	x->reenter_layer = LAYER_B;
	x->reenter_callout = CALLOUT_Y;
	assert_int_equal(dfp_flow_context_remove(x->dir, id, LAYER_A, CALLOUT_X),
			DFP_STATUS_SUCCESS);
	assert_int_equal(x->reenter_status, DFP_STATUS_SUCCESS);
	assert_int_equal(x->n_calls, 2);
	dfp_flow_end(x->t, f);
	assert_int_equal(x->n_calls, 2);
}

/* ---- Flow end and abort ---- */

static void
test_flow_end_runs_each_hook_once(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;
	uint64_t id;

	id = fx_flow(x, &f);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_X, 1),
			DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_Y, 2),
			DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_B, CALLOUT_X, 3),
			DFP_STATUS_SUCCESS);
	dfp_flow_end(x->t, f);
	assert_int_equal(x->n_calls, 3);
	assert_int_equal(fx_count(x, LAYER_A, CALLOUT_X, 1), 1);
	assert_int_equal(fx_count(x, LAYER_A, CALLOUT_Y, 2), 1);
	assert_int_equal(fx_count(x, LAYER_B, CALLOUT_X, 3), 1);
	/* The slot's next flow starts without contexts. */
	fx_flow(x, &f);
	dfp_flow_end(x->t, f);
	assert_int_equal(x->n_calls, 3);
}

static void
test_flow_end_after_pending_removal_runs_every_hook_once(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;
	uint64_t id;

	id = fx_flow(x, &f);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_X, 1),
			DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_Y, 2),
			DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_B, CALLOUT_X, 3),
			DFP_STATUS_SUCCESS);
	dfp_flow_classify_begin(f);
	assert_int_equal(dfp_flow_context_remove(x->dir, id, LAYER_A, CALLOUT_Y),
			DFP_STATUS_PENDING);
	dfp_flow_classify_end(x->t, f);
	dfp_flow_end(x->t, f);
	assert_int_equal(x->n_calls, 3);
	assert_int_equal(fx_count(x, LAYER_A, CALLOUT_X, 1), 1);
	assert_int_equal(fx_count(x, LAYER_A, CALLOUT_Y, 2), 1);
	assert_int_equal(fx_count(x, LAYER_B, CALLOUT_X, 3), 1);
}

static void
test_flow_end_without_contexts_runs_no_hook(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;

	fx_flow(x, &f);
	dfp_flow_classify_begin(f);
	dfp_flow_classify_end(x->t, f);
	dfp_flow_end(x->t, f);
	assert_int_equal(x->n_calls, 0);
}

static void
test_flow_abort_request_is_seen_by_owner(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;
	uint64_t id;

	id = fx_flow(x, &f);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_X, 9),
			DFP_STATUS_SUCCESS);
	assert_false(dfp_flow_abort_requested(f));
	assert_int_equal(dfp_flow_abort(x->dir, id), DFP_STATUS_SUCCESS);
	assert_true(dfp_flow_abort_requested(f));
	dfp_flow_end(x->t, f);
	assert_int_equal(fx_count(x, LAYER_A, CALLOUT_X, 9), 1);
	assert_int_equal(dfp_flow_abort(x->dir, id), DFP_STATUS_UNSUCCESSFUL);
	/* The request does not outlive the flow: the slot's next flow has none. */
	assert_int_equal(fx_flow(x, &f) & 0xffffff, id & 0xffffff);
	assert_false(dfp_flow_abort_requested(f));
	dfp_flow_end(x->t, f);
}

/* ---- Enumeration ---- */

struct listing {
	struct dfp_flow_context_info infos[16];
	unsigned int n;
	unsigned int stop_after;        /* 0: never stop. */
	struct dfp_flow_dir *remove_dir; /* Non-NULL: remove each listed context. */
	dfp_status_t remove_status;
};

static int
list_cb(void *arg, const struct dfp_flow_context_info *c)
{
	struct listing *l = arg;

	assert_true(l->n < 16);
	l->infos[l->n++] = *c;
	if (l->remove_dir != NULL)
		l->remove_status = dfp_flow_context_remove(l->remove_dir, c->flow_id,
				c->layer_id, c->callout_id);
	return l->stop_after != 0 && l->n >= l->stop_after;
}

/* Index of the listed association with this context, or -1. */
static int
listing_find(const struct listing *l, uint64_t context)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		if (l->infos[i].context == context)
			return (int)i;
	return -1;
}

static void
test_flow_foreach_lists_associations(void **state)
{
	struct dfp_flow_table *t2;
	struct dfp_flow *f1, *f2;
	struct fx *x = *state;
	uint64_t id1, id2;
	struct listing l;
	int i;

	memset(&l, 0, sizeof(l));
	assert_int_equal(dfp_flow_table_create(x->dir, 0, 4, &t2), DFP_STATUS_SUCCESS);
	id1 = fx_flow(x, &f1);
	id2 = dfp_flow_alloc(t2, &f2);
	assert_int_equal(dfp_flow_context_associate(x->dir, id1, LAYER_A, CALLOUT_X, 1),
			DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_context_associate(x->dir, id1, LAYER_B, CALLOUT_Y, 2),
			DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_context_associate(x->dir, id2, LAYER_A, CALLOUT_Y, 3),
			DFP_STATUS_SUCCESS);
	dfp_flow_classify_begin(f1);
	assert_int_equal(dfp_flow_context_remove(x->dir, id1, LAYER_B, CALLOUT_Y),
			DFP_STATUS_PENDING);
	dfp_flow_foreach_context(x->dir, list_cb, &l);
	assert_int_equal(l.n, 3);
	i = listing_find(&l, 1);
	assert_true(i >= 0);
	assert_int_equal(l.infos[i].flow_id, id1);
	assert_int_equal(l.infos[i].layer_id, LAYER_A);
	assert_int_equal(l.infos[i].callout_id, CALLOUT_X);
	assert_false(l.infos[i].pending_delete);
	i = listing_find(&l, 2);
	assert_true(i >= 0);
	assert_true(l.infos[i].pending_delete);
	i = listing_find(&l, 3);
	assert_true(i >= 0);
	assert_int_equal(l.infos[i].flow_id, id2);
	dfp_flow_classify_end(x->t, f1);
	dfp_flow_end(x->t, f1);
	dfp_flow_end(t2, f2);
	dfp_flow_table_free(t2);
	assert_int_equal(x->n_calls, 3);
}

static void
test_flow_foreach_stops_when_cb_returns_nonzero(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;
	struct listing l;
	uint64_t id;

	id = fx_flow(x, &f);
	memset(&l, 0, sizeof(l));
	l.stop_after = 1;
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_X, 1),
			DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_Y, 2),
			DFP_STATUS_SUCCESS);
	dfp_flow_foreach_context(x->dir, list_cb, &l);
	assert_int_equal(l.n, 1);
	dfp_flow_end(x->t, f);
}

static void
test_flow_foreach_cb_may_remove_contexts(void **state)
{
	struct fx *x = *state;
	struct dfp_flow *f;
	struct listing l;
	uint64_t id;

	id = fx_flow(x, &f);
	memset(&l, 0, sizeof(l));
	l.remove_dir = x->dir;
	assert_int_equal(dfp_flow_context_associate(x->dir, id, LAYER_A, CALLOUT_X, 1),
			DFP_STATUS_SUCCESS);
	dfp_flow_foreach_context(x->dir, list_cb, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.remove_status, DFP_STATUS_SUCCESS);
	assert_int_equal(fx_count(x, LAYER_A, CALLOUT_X, 1), 1);
	dfp_flow_end(x->t, f);
	assert_int_equal(x->n_calls, 1);
}

struct reuse_arg {
	struct dfp_flow_table *t;
	struct dfp_flow *f;
	uint64_t id;
	uint64_t id_during;      /* Allocated while the ended entry is referenced. */
	uint64_t id_full;        /* Then the table is full. */
	struct dfp_flow *f_during;
};

static int
reuse_cb(void *arg, const struct dfp_flow_context_info *c)
{
	struct reuse_arg *r = arg;
	struct dfp_flow *f;

	if (c->flow_id != r->id)
		return 0;
	dfp_flow_end(r->t, r->f);
	r->id_during = dfp_flow_alloc(r->t, &r->f_during);
	r->id_full = dfp_flow_alloc(r->t, &f);
	return 1;
}

static void
test_flow_slot_is_not_reused_while_referenced(void **state)
{
	struct fx *x = *state;
	struct reuse_arg r;
	struct dfp_flow *f;
	uint64_t id;

	memset(&r, 0, sizeof(r));
	assert_int_equal(dfp_flow_table_create(x->dir, 7, 2, &r.t), DFP_STATUS_SUCCESS);
	r.id = dfp_flow_alloc(r.t, &r.f);
	assert_int_equal(dfp_flow_context_associate(x->dir, r.id, LAYER_A, CALLOUT_X, 1),
			DFP_STATUS_SUCCESS);
	dfp_flow_foreach_context(x->dir, reuse_cb, &r);
	assert_int_not_equal(r.id_during, 0);
	assert_int_not_equal(r.id_during & 0xffffff, r.id & 0xffffff);
	assert_int_equal(r.id_full, 0);
	assert_int_equal(x->n_calls, 1);
	/* Once the reference is gone, the ended entry comes back. */
	id = dfp_flow_alloc(r.t, &f);
	assert_int_equal(id & 0xffffff, r.id & 0xffffff);
	assert_int_not_equal(id, r.id);
	dfp_flow_end(r.t, f);
	dfp_flow_end(r.t, r.f_during);
	dfp_flow_table_free(r.t);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_flow_id_encodes_table_slot_and_generation),
		T(test_flow_id_is_stale_after_end),
		T(test_flow_id_is_stale_after_slot_reuse),
		T(test_flow_lookup_rejects_foreign_and_forged_ids),
		T(test_flow_table_full_returns_zero),
		T(test_flow_table_count_tracks_live_flows),
		T(test_flow_table_create_rejects_bad_parameters_and_duplicates),
		T(test_flow_associate_context_zero_is_invalid_parameter),
		T(test_flow_associate_twice_for_one_key_is_name_exists),
		T(test_flow_associate_several_callouts_and_layers),
		T(test_flow_associate_beyond_max_contexts_is_insufficient_resources),
		T(test_flow_associate_stale_id_is_invalid_parameter),
		T(test_flow_remove_without_context_is_unsuccessful),
		T(test_flow_remove_outside_classify_runs_hook_before_return),
		T(test_flow_remove_while_classifying_is_pending_until_classify_end),
		T(test_flow_remove_inside_classify_fn_is_pending),
		T(test_flow_context_get_returns_zero_once_removal_is_pending),
		T(test_flow_associate_while_removal_pending_is_name_exists),
		T(test_flow_nested_classify_defers_hook_to_outermost_end),
		T(test_flow_hook_may_call_back_into_the_module),
		T(test_flow_end_runs_each_hook_once),
		T(test_flow_end_after_pending_removal_runs_every_hook_once),
		T(test_flow_end_without_contexts_runs_no_hook),
		T(test_flow_abort_request_is_seen_by_owner),
		T(test_flow_foreach_lists_associations),
		T(test_flow_foreach_stops_when_cb_returns_nonzero),
		T(test_flow_foreach_cb_may_remove_contexts),
		T(test_flow_slot_is_not_reused_while_referenced),
	};

	return cmocka_run_group_tests_name("flow_context", tests, NULL, NULL);
}
