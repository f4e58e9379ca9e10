/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-filter hit counters (dfp_engine.h, "Hit counters"): only the filter
 * that decided a verdict counts it; counts of several counter sets (one per
 * worker) are summed, and kept when a set is detached; a deleted filter's
 * slot is reused only after dfp_engine_txn_finish() (the grace period) and
 * starts at zero; an aborted add frees its slot at once; a full slot space
 * fails the add.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dfp_engine.h"
#include "test_eal.h"
#include "test_engine_fixture.h"

/* A filter at FX_L4 matching one local port. */
static uint64_t
add_port_filter(struct fx *f, const char *name, const struct dfp_guid *sublayer,
		uint32_t action, uint64_t weight, uint16_t port, uint32_t flags)
{
	struct dfp_engine_filter_spec s = fx_spec_w(name, FX_L4, action, weight);
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, port);

	if (sublayer != NULL)
		s.sublayer_key = *sublayer;
	s.flags = flags;
	s.n_conds = 1;
	s.conds = &c;
	return fx_add(f, &s);
}

static struct dfp_engine_values
port_values(uint16_t port)
{
	struct dfp_engine_values v;

	memset(&v, 0, sizeof(v));
	v.ip_protocol = 17;
	v.local_port = port;
	v.remote_port = 40000;
	return v;
}

/*
 * Classify `n` packets to `port` in one burst against `rs` with the given
 * counter set (NULL = not counted); returns the first verdict.
 */
static struct dfp_engine_verdict
classify_n(struct fx *f, const struct dfp_engine_ruleset *rs, uint64_t *hits, uint16_t port,
		unsigned int n)
{
	const struct dfp_engine_values *vals[DFP_ENGINE_BURST_MAX];
	struct dfp_engine_verdict out[DFP_ENGINE_BURST_MAX];
	struct dfp_engine_classify_env env = f->cenv;
	struct dfp_engine_values v = port_values(port);
	unsigned int i;

	assert_true(n >= 1 && n <= DFP_ENGINE_BURST_MAX);
	for (i = 0; i < n; i++)
		vals[i] = &v;
	env.hits = hits;
	memset(out, 0xa5, sizeof(out));
	dfp_engine_classify_burst(rs, FX_L4, vals, NULL, n, &env, out);
	for (i = 1; i < n; i++) {
		assert_int_equal(out[i].action, out[0].action);
		assert_int_equal(out[i].filter_id, out[0].filter_id);
		assert_int_equal(out[i].hit_slot, out[0].hit_slot);
	}
	return out[0];
}

static uint64_t
hits_of(struct fx *f, uint64_t id)
{
	struct dfp_engine_filter_info info;

	assert_int_equal(dfp_engine_filter_get(f->eng, id, &info), DFP_STATUS_SUCCESS);
	return info.hits;
}

static uint32_t
slot_of(struct fx *f, uint64_t id)
{
	struct dfp_engine_filter_info info;

	assert_int_equal(dfp_engine_filter_get(f->eng, id, &info), DFP_STATUS_SUCCESS);
	assert_true(info.rt.hit_slot != 0);
	assert_true(info.rt.hit_slot < dfp_engine_counters_len(f->eng));
	return info.rt.hit_slot;
}

struct hits_by_id {
	uint64_t ids[8];
	uint64_t hits[8];
	unsigned int n;
};

static int
collect_hits(void *arg, const struct dfp_engine_filter_info *fi)
{
	struct hits_by_id *h = arg;

	assert_true(h->n < 8);
	h->ids[h->n] = fi->rt.filter_id;
	h->hits[h->n++] = fi->hits;
	return 0;
}

static void
test_hits_counted_only_for_the_deciding_filter(void **state)
{
	struct fx *f = *state;
	uint64_t insp, blk_hi, per_lo, soft_hi, blk_lo, hard_hi, blk_lo2;
	struct dfp_engine_verdict vd;
	struct hits_by_id listed;
	struct dfp_guid hi, lo;
	struct fx_callout *co;
	uint64_t *hits = NULL;
	struct dfp_guid ck;
	uint32_t co_id;
	unsigned int i;

	assert_int_equal(dfp_engine_counters_attach(f->eng, &hits), DFP_STATUS_SUCCESS);
	fx_begin(f);
	hi = fx_add_sublayer(f, "hi", 200);
	lo = fx_add_sublayer(f, "lo", 100);
	ck = fx_guid_n(1);
	co_id = fx_add_callout(f, &ck, FX_L4);
	/* Port 80: an inspection callout (CONTINUE), then hi's block; lo's permit loses. */
	{
		struct dfp_engine_filter_spec s = fx_spec_w("insp", FX_L4,
			DFP_ACTION_CALLOUT_INSPECTION, 1000);
		struct dfp_engine_cond c = fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 80);

		s.sublayer_key = hi;
		s.callout_key = ck;
		s.n_conds = 1;
		s.conds = &c;
		insp = fx_add(f, &s);
	}
	blk_hi = add_port_filter(f, "blk_hi", &hi, DFP_ACTION_BLOCK, 10, 80, 0);
	per_lo = add_port_filter(f, "per_lo", &lo, DFP_ACTION_PERMIT, 10, 80, 0);
	/* Port 81: hi's soft permit is overridden by lo's block. */
	soft_hi = add_port_filter(f, "soft_hi", &hi, DFP_ACTION_PERMIT, 10, 81, 0);
	blk_lo = add_port_filter(f, "blk_lo", &lo, DFP_ACTION_BLOCK, 10, 81, 0);
	/* Port 82: hi's hard permit wins over lo's block. */
	hard_hi = add_port_filter(f, "hard_hi", &hi, DFP_ACTION_PERMIT, 10, 82,
		DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT);
	blk_lo2 = add_port_filter(f, "blk_lo2", &lo, DFP_ACTION_BLOCK, 10, 82, 0);
	co = fx_env_add(&f->env, co_id, DFP_ACTION_CONTINUE);
	/* In an open transaction nothing has counted yet. */
	assert_int_equal(hits_of(f, blk_hi), 0);
	fx_commit(f);

	vd = classify_n(f, dfp_engine_ruleset_current(f->eng), hits, 80, 5);
	assert_int_equal(vd.action, DFP_ACTION_BLOCK);
	assert_int_equal(vd.filter_id, blk_hi);
	assert_int_equal(vd.hit_slot, slot_of(f, blk_hi));
	assert_int_equal(co->calls, 5);
	vd = classify_n(f, dfp_engine_ruleset_current(f->eng), hits, 81, 3);
	assert_int_equal(vd.action, DFP_ACTION_BLOCK);
	assert_int_equal(vd.filter_id, blk_lo);
	assert_int_equal(vd.hit_slot, slot_of(f, blk_lo));
	vd = classify_n(f, dfp_engine_ruleset_current(f->eng), hits, 82, 2);
	assert_int_equal(vd.action, DFP_ACTION_PERMIT);
	assert_int_equal(vd.filter_id, hard_hi);
	/* Nothing matches: no filter decided, nothing counts. */
	vd = classify_n(f, dfp_engine_ruleset_current(f->eng), hits, 83, 4);
	assert_int_equal(vd.action, DFP_ACTION_NONE_NO_MATCH);
	assert_int_equal(vd.filter_id, 0);
	assert_int_equal(vd.hit_slot, 0);
	assert_int_equal(hits[0], 0);
	/* Without a counter set the verdict is the same and nothing counts. */
	vd = classify_n(f, dfp_engine_ruleset_current(f->eng), NULL, 80, 7);
	assert_int_equal(vd.filter_id, blk_hi);

	assert_int_equal(hits_of(f, insp), 0);
	assert_int_equal(hits_of(f, blk_hi), 5);
	assert_int_equal(hits_of(f, per_lo), 0);
	assert_int_equal(hits_of(f, soft_hi), 0);
	assert_int_equal(hits_of(f, blk_lo), 3);
	assert_int_equal(hits_of(f, hard_hi), 2);
	assert_int_equal(hits_of(f, blk_lo2), 0);
	assert_int_equal(hits[slot_of(f, blk_hi)], 5);

	/* Enumeration reports the same counts. */
	memset(&listed, 0, sizeof(listed));
	dfp_engine_filter_foreach(f->eng, FX_L4, collect_hits, &listed);
	assert_int_equal(listed.n, 7);
	for (i = 0; i < listed.n; i++)
		assert_int_equal(listed.hits[i], hits_of(f, listed.ids[i]));
	dfp_engine_counters_detach(f->eng, hits);
}

static void
test_hits_summed_over_counter_sets_and_kept_after_detach(void **state)
{
	struct fx *f = *state;
	uint64_t *a = NULL, *b = NULL;
	uint64_t id;

	assert_int_equal(dfp_engine_counters_attach(f->eng, &a), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_counters_attach(f->eng, &b), DFP_STATUS_SUCCESS);
	assert_ptr_not_equal(a, b);
	fx_begin(f);
	id = add_port_filter(f, "blk", NULL, DFP_ACTION_BLOCK, 10, 80, 0);
	fx_commit(f);

	classify_n(f, dfp_engine_ruleset_current(f->eng), a, 80, 3);
	classify_n(f, dfp_engine_ruleset_current(f->eng), b, 80, 5);
	assert_int_equal(a[slot_of(f, id)], 3);
	assert_int_equal(b[slot_of(f, id)], 5);
	assert_int_equal(hits_of(f, id), 8);

	/* A detached set's counts stay in the totals; the other set keeps counting. */
	dfp_engine_counters_detach(f->eng, a);
	assert_int_equal(hits_of(f, id), 8);
	classify_n(f, dfp_engine_ruleset_current(f->eng), b, 80, 2);
	assert_int_equal(hits_of(f, id), 10);
	/* A new set starts empty and adds to the same total. */
	assert_int_equal(dfp_engine_counters_attach(f->eng, &a), DFP_STATUS_SUCCESS);
	assert_int_equal(a[slot_of(f, id)], 0);
	classify_n(f, dfp_engine_ruleset_current(f->eng), a, 80, 1);
	assert_int_equal(hits_of(f, id), 11);
	/* Detaching something that is not a set changes nothing. */
	dfp_engine_counters_detach(f->eng, NULL);
	dfp_engine_counters_detach(f->eng, &id);
	assert_int_equal(hits_of(f, id), 11);
	dfp_engine_counters_detach(f->eng, a);
	dfp_engine_counters_detach(f->eng, b);
	assert_int_equal(hits_of(f, id), 11);
}

static void
test_hits_deleted_slot_reused_only_after_finish_and_from_zero(void **state)
{
	struct dfp_engine_ruleset *prev, *rs = NULL;
	uint64_t old_id, other, during, reuse;
	struct dfp_engine_verdict vd;
	struct fx *f = *state;
	uint32_t s_old, s_during;
	uint64_t *a = NULL, *b = NULL;

	assert_int_equal(dfp_engine_counters_attach(f->eng, &a), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_counters_attach(f->eng, &b), DFP_STATUS_SUCCESS);
	fx_begin(f);
	old_id = add_port_filter(f, "old", NULL, DFP_ACTION_BLOCK, 10, 80, 0);
	other = add_port_filter(f, "other", NULL, DFP_ACTION_PERMIT, 10, 81, 0);
	fx_commit(f);
	s_old = slot_of(f, old_id);
	classify_n(f, dfp_engine_ruleset_current(f->eng), a, 80, 4);
	classify_n(f, dfp_engine_ruleset_current(f->eng), b, 80, 6);
	assert_int_equal(hits_of(f, old_id), 10);

	/* Delete it and add another filter in the same transaction. */
	fx_begin(f);
	assert_int_equal(dfp_engine_filter_delete_by_id(f->eng, old_id), DFP_STATUS_SUCCESS);
	during = add_port_filter(f, "during", NULL, DFP_ACTION_BLOCK, 10, 82, 0);
	s_during = slot_of(f, during);
	assert_int_not_equal(s_during, s_old);
	prev = dfp_engine_ruleset_current(f->eng);
	assert_int_equal(dfp_engine_txn_prepare(f->eng, &rs), DFP_STATUS_SUCCESS);
	assert_non_null(rs);
	/* Published, not yet past the grace period: a worker on the old ruleset counts on. */
	classify_n(f, prev, a, 80, 2);
	assert_int_equal(a[s_old], 6);
	dfp_engine_txn_finish(f->eng, rs, prev);
	/* After the grace period the slot is zero in every set. */
	assert_int_equal(a[s_old], 0);
	assert_int_equal(b[s_old], 0);

	/* The next filter takes the lowest free slot, the old one, from zero. */
	fx_begin(f);
	reuse = add_port_filter(f, "reuse", NULL, DFP_ACTION_BLOCK, 10, 80, 0);
	assert_int_equal(slot_of(f, reuse), s_old);
	assert_int_equal(hits_of(f, reuse), 0);
	fx_commit(f);
	assert_int_equal(hits_of(f, reuse), 0);
	vd = classify_n(f, dfp_engine_ruleset_current(f->eng), b, 80, 3);
	assert_int_equal(vd.filter_id, reuse);
	assert_int_equal(vd.hit_slot, s_old);
	assert_int_equal(hits_of(f, reuse), 3);
	assert_int_equal(hits_of(f, other), 0);
	assert_int_equal(hits_of(f, during), 0);
	dfp_engine_counters_detach(f->eng, a);
	dfp_engine_counters_detach(f->eng, b);
}

static void
test_hits_deleted_slot_is_zero_in_detached_totals_too(void **state)
{
	struct fx *f = *state;
	uint64_t *a = NULL;
	uint64_t id, next;
	uint32_t s;

	assert_int_equal(dfp_engine_counters_attach(f->eng, &a), DFP_STATUS_SUCCESS);
	fx_begin(f);
	id = add_port_filter(f, "gone", NULL, DFP_ACTION_BLOCK, 10, 80, 0);
	fx_commit(f);
	s = slot_of(f, id);
	classify_n(f, dfp_engine_ruleset_current(f->eng), a, 80, 9);
	dfp_engine_counters_detach(f->eng, a);
	assert_int_equal(hits_of(f, id), 9);
	fx_begin(f);
	assert_int_equal(dfp_engine_filter_delete_by_id(f->eng, id), DFP_STATUS_SUCCESS);
	fx_commit(f);
	fx_begin(f);
	next = add_port_filter(f, "next", NULL, DFP_ACTION_BLOCK, 10, 80, 0);
	fx_commit(f);
	assert_int_equal(slot_of(f, next), s);
	assert_int_equal(hits_of(f, next), 0);
}

static void
test_hits_aborted_add_frees_its_slot_at_once(void **state)
{
	struct dfp_engine_filter_info info;
	uint64_t kept, aborted, again, gone;
	struct fx *f = *state;
	uint32_t s_aborted, s_gone;
	uint64_t *a = NULL;

	assert_int_equal(dfp_engine_counters_attach(f->eng, &a), DFP_STATUS_SUCCESS);
	fx_begin(f);
	kept = add_port_filter(f, "kept", NULL, DFP_ACTION_BLOCK, 10, 80, 0);
	fx_commit(f);

	fx_begin(f);
	aborted = add_port_filter(f, "aborted", NULL, DFP_ACTION_BLOCK, 10, 81, 0);
	s_aborted = slot_of(f, aborted);
	assert_int_not_equal(s_aborted, slot_of(f, kept));
	/* Whatever the slot holds is cleared with it. */
	a[s_aborted] = 7;
	assert_int_equal(dfp_engine_txn_abort(f->eng), DFP_STATUS_SUCCESS);
	assert_int_equal(a[s_aborted], 0);
	assert_int_equal(dfp_engine_filter_get(f->eng, aborted, &info),
		DFP_STATUS_FWP_FILTER_NOT_FOUND);

	/* Free at once: the next add, in the next transaction, gets it. */
	fx_begin(f);
	again = add_port_filter(f, "again", NULL, DFP_ACTION_BLOCK, 10, 81, 0);
	assert_int_equal(slot_of(f, again), s_aborted);
	/* Added and deleted in one transaction: never published, freed at commit. */
	gone = add_port_filter(f, "gone", NULL, DFP_ACTION_BLOCK, 10, 82, 0);
	s_gone = slot_of(f, gone);
	assert_int_equal(dfp_engine_filter_delete_by_id(f->eng, gone), DFP_STATUS_SUCCESS);
	fx_commit(f);
	fx_begin(f);
	assert_int_equal(slot_of(f, add_port_filter(f, "after", NULL, DFP_ACTION_BLOCK, 10, 83, 0)),
		s_gone);
	fx_commit(f);
	classify_n(f, dfp_engine_ruleset_current(f->eng), a, 81, 2);
	assert_int_equal(hits_of(f, again), 2);
	assert_int_equal(hits_of(f, kept), 0);
	dfp_engine_counters_detach(f->eng, a);
}

static void
test_hits_full_slot_space_fails_the_add_until_a_commit_frees_one(void **state)
{
	struct dfp_engine_params p;
	struct dfp_engine_filter_spec s = fx_spec("f", FX_L4, DFP_ACTION_BLOCK);
	struct dfp_engine *eng;
	uint64_t ids[3], extra;
	unsigned int i;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.max_filters = 3;
	assert_int_equal(dfp_engine_create(&p, &eng), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_counters_len(eng), 4);
	assert_int_equal(dfp_engine_txn_begin(eng), DFP_STATUS_SUCCESS);
	for (i = 0; i < 3; i++)
		assert_int_equal(dfp_engine_filter_add(eng, &s, 0, &ids[i]), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_filter_add(eng, &s, 0, &extra),
		DFP_STATUS_INSUFFICIENT_RESOURCES);
	assert_int_equal(dfp_engine_filter_count(eng), 3);
	/* A deleted filter holds its slot until the transaction is finished. */
	assert_int_equal(dfp_engine_filter_delete_by_id(eng, ids[0]), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_filter_add(eng, &s, 0, &extra),
		DFP_STATUS_INSUFFICIENT_RESOURCES);
	{
		struct dfp_engine_ruleset *rs = NULL;

		assert_int_equal(dfp_engine_txn_prepare(eng, &rs), DFP_STATUS_SUCCESS);
		dfp_engine_txn_finish(eng, rs, NULL);
	}
	assert_int_equal(dfp_engine_txn_begin(eng), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_filter_add(eng, &s, 0, &extra), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_txn_abort(eng), DFP_STATUS_SUCCESS);
	assert_int_equal(dfp_engine_counters_len(NULL), 0);
	dfp_engine_destroy(eng);
}

static void
test_hits_attach_rejects_null(void **state)
{
	struct fx *f = *state;
	uint64_t *a = NULL;

	assert_int_equal(dfp_engine_counters_attach(NULL, &a), DFP_STATUS_INVALID_PARAMETER);
	assert_int_equal(dfp_engine_counters_attach(f->eng, NULL), DFP_STATUS_INVALID_PARAMETER);
	/* A set still attached at destroy is freed with the engine (teardown). */
	assert_int_equal(dfp_engine_counters_attach(f->eng, &a), DFP_STATUS_SUCCESS);
	assert_non_null(a);
}

static int
group_setup(void **state)
{
	(void)state;
	return dfp_test_eal_init(NULL, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_hits_counted_only_for_the_deciding_filter),
		T(test_hits_summed_over_counter_sets_and_kept_after_detach),
		T(test_hits_deleted_slot_reused_only_after_finish_and_from_zero),
		T(test_hits_deleted_slot_is_zero_in_detached_totals_too),
		T(test_hits_aborted_add_frees_its_slot_at_once),
		T(test_hits_full_slot_space_fails_the_add_until_a_commit_frees_one),
		T(test_hits_attach_rejects_null),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
