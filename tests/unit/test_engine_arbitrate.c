/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Filter arbitration (spec §3) through the public API: the merge table of
 * §3.4 cell by cell, scenario N11, order inside a sublayer, the walk over
 * every sublayer, CONTINUE fall-through, coercion of callout outputs,
 * ABSORB, the write right, and the unregistered-callout fallback (N8).
 *
 * Two sublayers are used: A (weight 0xA000, walked first) and B (0x0A00).
 * Callouts are fakes (test_engine_fixture.h): the invoke hook looks the
 * filter's callout id up in a table that says whether the callout is
 * registered and what its classifyFn writes, and records the rights and
 * pre-filled action it was called with.
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

#define N_CALLOUTS 6

/* Per-test state: the fixture, the two sublayers, callout objects at FX_L4. */
struct arb {
	struct fx *f;
	struct dfp_guid a, b;
	struct dfp_guid co_key[N_CALLOUTS];
	uint32_t co_id[N_CALLOUTS];
};

static int
arb_setup(void **state)
{
	struct arb *t = calloc(1, sizeof(*t));
	unsigned int i;

	assert_non_null(t);
	t->f = fx_new();
	fx_begin(t->f);
	t->a = fx_add_sublayer(t->f, "A", 0xA000);
	t->b = fx_add_sublayer(t->f, "B", 0x0A00);
	for (i = 0; i < N_CALLOUTS; i++) {
		t->co_key[i] = fx_guid_n(i + 1);
		t->co_id[i] = fx_add_callout(t->f, &t->co_key[i], FX_L4);
	}
	/* The transaction stays open: each test adds filters, then commits. */
	*state = t;
	return 0;
}

static int
arb_teardown(void **state)
{
	struct arb *t = *state;

	fx_free(t->f);
	free(t);
	return 0;
}

/* Add a match-all filter. callout < 0 for static actions. */
static uint64_t
add(struct arb *t, const struct dfp_guid *sl, uint32_t action, uint64_t weight, uint32_t flags,
		int callout)
{
	struct dfp_engine_filter_spec s = fx_spec_w("f", FX_L4, action, weight);

	s.sublayer_key = *sl;
	s.flags = flags;
	if (callout >= 0)
		s.callout_key = t->co_key[callout];
	return fx_add(t->f, &s);
}

/* A registered fake for callout object i. */
static struct fx_callout *
fake(struct arb *t, int i, uint32_t action)
{
	return fx_env_add(&t->f->env, t->co_id[i], action);
}

static struct dfp_engine_values
any_pkt(void)
{
	struct dfp_engine_values v;

	memset(&v, 0, sizeof(v));
	v.ip_protocol = 6;
	v.local_addr.v4 = fx_ip4(10, 0, 0, 1);
	v.local_port = 80;
	v.remote_addr.v4 = fx_ip4(192, 0, 2, 1);
	v.remote_port = 40000;
	return v;
}

/* Commit and classify one packet. */
static struct dfp_engine_verdict
run(struct arb *t)
{
	struct dfp_engine_values v = any_pkt();

	fx_commit(t->f);
	return fx_classify(t->f, FX_L4, &v);
}

static void
expect(struct dfp_engine_verdict vd, uint32_t action, uint32_t flags, uint64_t filter_id)
{
	assert_int_equal(vd.action, action);
	assert_int_equal(vd.flags, flags);
	assert_int_equal(vd.filter_id, filter_id);
}

/* ---- The merge table (spec §3.4), one cell per test ---- */

enum cur_state { CUR_NONE, CUR_SOFT_PERMIT, CUR_HARD_PERMIT, CUR_SOFT_BLOCK, CUR_HARD_BLOCK };
enum sl_result { RES_NONE, RES_SOFT_PERMIT, RES_HARD_PERMIT, RES_CALLOUT_BLOCK, RES_HARD_BLOCK };
enum who { NOBODY, BY_A, BY_B };

#define HARD DFP_ENGINE_VERDICT_F_HARD
#define VETO DFP_ENGINE_VERDICT_F_VETO
#define ABSORB DFP_ENGINE_VERDICT_F_ABSORB

/*
 * Sublayer A produces the current state, B the sublayer result:
 * soft PERMIT = static permit; hard PERMIT = static permit with
 * CLEAR_ACTION_RIGHT; soft BLOCK = terminating callout returning BLOCK with
 * the write right kept; hard BLOCK = static block. RES_CALLOUT_BLOCK is a
 * terminating callout returning BLOCK (rights untouched): a soft block when
 * it has the write right, a veto when a hard permit cleared it.
 */
static void
merge_cell(struct arb *t, enum cur_state cur, enum sl_result res, uint32_t action,
		uint32_t flags, enum who who)
{
	uint64_t fa = 0, fb = 0;

	switch (cur) {
	case CUR_NONE:
		break;
	case CUR_SOFT_PERMIT:
		fa = add(t, &t->a, DFP_ACTION_PERMIT, 1, 0, -1);
		break;
	case CUR_HARD_PERMIT:
		fa = add(t, &t->a, DFP_ACTION_PERMIT, 1, DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT, -1);
		break;
	case CUR_SOFT_BLOCK:
		fake(t, 0, DFP_ACTION_BLOCK);
		fa = add(t, &t->a, DFP_ACTION_CALLOUT_TERMINATING, 1, 0, 0);
		break;
	case CUR_HARD_BLOCK:
		fa = add(t, &t->a, DFP_ACTION_BLOCK, 1, 0, -1);
		break;
	}
	switch (res) {
	case RES_NONE:
		break;
	case RES_SOFT_PERMIT:
		fb = add(t, &t->b, DFP_ACTION_PERMIT, 1, 0, -1);
		break;
	case RES_HARD_PERMIT:
		fb = add(t, &t->b, DFP_ACTION_PERMIT, 1, DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT, -1);
		break;
	case RES_CALLOUT_BLOCK:
		fake(t, 1, DFP_ACTION_BLOCK);
		fb = add(t, &t->b, DFP_ACTION_CALLOUT_TERMINATING, 1, 0, 1);
		break;
	case RES_HARD_BLOCK:
		fb = add(t, &t->b, DFP_ACTION_BLOCK, 1, 0, -1);
		break;
	}
	expect(run(t), action, flags, who == BY_A ? fa : who == BY_B ? fb : 0);
}

#define MERGE_TEST(name, cur, res, action, flags, who) \
static void \
test_merge_##name(void **state) \
{ \
	merge_cell(*state, cur, res, action, flags, who); \
}

/* Row: current NONE. */
MERGE_TEST(none_then_none_is_no_match, CUR_NONE, RES_NONE,
	DFP_ACTION_NONE_NO_MATCH, 0, NOBODY)
MERGE_TEST(none_then_soft_permit_is_soft_permit, CUR_NONE, RES_SOFT_PERMIT,
	DFP_ACTION_PERMIT, 0, BY_B)
MERGE_TEST(none_then_hard_permit_is_hard_permit, CUR_NONE, RES_HARD_PERMIT,
	DFP_ACTION_PERMIT, HARD, BY_B)
MERGE_TEST(none_then_soft_block_is_soft_block, CUR_NONE, RES_CALLOUT_BLOCK,
	DFP_ACTION_BLOCK, 0, BY_B)
MERGE_TEST(none_then_hard_block_is_hard_block, CUR_NONE, RES_HARD_BLOCK,
	DFP_ACTION_BLOCK, HARD, BY_B)
/* Row: current soft PERMIT. */
MERGE_TEST(soft_permit_then_none_keeps, CUR_SOFT_PERMIT, RES_NONE,
	DFP_ACTION_PERMIT, 0, BY_A)
MERGE_TEST(soft_permit_then_soft_permit_keeps, CUR_SOFT_PERMIT, RES_SOFT_PERMIT,
	DFP_ACTION_PERMIT, 0, BY_A)
MERGE_TEST(soft_permit_then_hard_permit_hardens, CUR_SOFT_PERMIT, RES_HARD_PERMIT,
	DFP_ACTION_PERMIT, HARD, BY_B)
MERGE_TEST(soft_permit_then_soft_block_blocks, CUR_SOFT_PERMIT, RES_CALLOUT_BLOCK,
	DFP_ACTION_BLOCK, 0, BY_B)
MERGE_TEST(soft_permit_then_hard_block_blocks, CUR_SOFT_PERMIT, RES_HARD_BLOCK,
	DFP_ACTION_BLOCK, HARD, BY_B)
/* Row: current hard PERMIT. */
MERGE_TEST(hard_permit_then_none_keeps, CUR_HARD_PERMIT, RES_NONE,
	DFP_ACTION_PERMIT, HARD, BY_A)
MERGE_TEST(hard_permit_then_soft_permit_keeps, CUR_HARD_PERMIT, RES_SOFT_PERMIT,
	DFP_ACTION_PERMIT, HARD, BY_A)
MERGE_TEST(hard_permit_then_hard_permit_keeps, CUR_HARD_PERMIT, RES_HARD_PERMIT,
	DFP_ACTION_PERMIT, HARD, BY_A)
MERGE_TEST(hard_permit_then_callout_block_is_veto, CUR_HARD_PERMIT, RES_CALLOUT_BLOCK,
	DFP_ACTION_BLOCK, HARD | VETO, BY_B)
MERGE_TEST(hard_permit_then_static_block_keeps, CUR_HARD_PERMIT, RES_HARD_BLOCK,
	DFP_ACTION_PERMIT, HARD, BY_A)
/* Row: current soft BLOCK. */
MERGE_TEST(soft_block_then_none_keeps, CUR_SOFT_BLOCK, RES_NONE,
	DFP_ACTION_BLOCK, 0, BY_A)
MERGE_TEST(soft_block_then_soft_permit_keeps, CUR_SOFT_BLOCK, RES_SOFT_PERMIT,
	DFP_ACTION_BLOCK, 0, BY_A)
MERGE_TEST(soft_block_then_hard_permit_permits, CUR_SOFT_BLOCK, RES_HARD_PERMIT,
	DFP_ACTION_PERMIT, HARD, BY_B)
MERGE_TEST(soft_block_then_soft_block_keeps, CUR_SOFT_BLOCK, RES_CALLOUT_BLOCK,
	DFP_ACTION_BLOCK, 0, BY_A)
MERGE_TEST(soft_block_then_hard_block_hardens, CUR_SOFT_BLOCK, RES_HARD_BLOCK,
	DFP_ACTION_BLOCK, HARD, BY_B)
/* Row: current hard BLOCK: final. */
MERGE_TEST(hard_block_then_none_is_final, CUR_HARD_BLOCK, RES_NONE,
	DFP_ACTION_BLOCK, HARD, BY_A)
MERGE_TEST(hard_block_then_soft_permit_is_final, CUR_HARD_BLOCK, RES_SOFT_PERMIT,
	DFP_ACTION_BLOCK, HARD, BY_A)
MERGE_TEST(hard_block_then_hard_permit_is_final, CUR_HARD_BLOCK, RES_HARD_PERMIT,
	DFP_ACTION_BLOCK, HARD, BY_A)
MERGE_TEST(hard_block_then_callout_block_is_final_without_veto, CUR_HARD_BLOCK,
	RES_CALLOUT_BLOCK, DFP_ACTION_BLOCK, HARD, BY_A)
MERGE_TEST(hard_block_then_hard_block_is_final, CUR_HARD_BLOCK, RES_HARD_BLOCK,
	DFP_ACTION_BLOCK, HARD, BY_A)

/* ---- N11 ---- */

static void
test_n11_hard_permit_above_static_block_permits(void **state)
{
	struct arb *t = *state;
	uint64_t fa;

	fa = add(t, &t->a, DFP_ACTION_PERMIT, 1, DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT, -1);
	add(t, &t->b, DFP_ACTION_BLOCK, 1, 0, -1);
	expect(run(t), DFP_ACTION_PERMIT, HARD, fa);
}

static void
test_n11_callout_block_below_hard_permit_vetoes(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_BLOCK);
	uint64_t fb;

	c->clear_right = true;
	add(t, &t->a, DFP_ACTION_PERMIT, 1, DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT, -1);
	fb = add(t, &t->b, DFP_ACTION_CALLOUT_TERMINATING, 1, 0, 0);
	expect(run(t), DFP_ACTION_BLOCK, HARD | VETO, fb);
	assert_int_equal(c->calls, 1);
	assert_int_equal(c->rights_seen, 0);
}

static void
test_n11_soft_permit_above_block_blocks(void **state)
{
	struct arb *t = *state;
	uint64_t fb;

	add(t, &t->a, DFP_ACTION_PERMIT, 1, 0, -1);
	fb = add(t, &t->b, DFP_ACTION_BLOCK, 1, 0, -1);
	expect(run(t), DFP_ACTION_BLOCK, HARD, fb);
}

static void
test_n11_nothing_matching_is_none_no_match(void **state)
{
	struct dfp_engine_cond c = fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 9999);
	struct dfp_engine_filter_spec s = fx_spec_w("nomatch", FX_L4, DFP_ACTION_BLOCK, 1);
	struct arb *t = *state;

	s.conds = &c;
	s.n_conds = 1;
	s.sublayer_key = t->a;
	fx_add(t->f, &s);
	s.sublayer_key = t->b;
	fx_add(t->f, &s);
	expect(run(t), DFP_ACTION_NONE_NO_MATCH, 0, 0);
}

/* ---- Order inside a sublayer ---- */

static void
test_arbitrate_heavier_filter_decides_within_sublayer(void **state)
{
	struct arb *t = *state;
	uint64_t heavy;

	add(t, &t->a, DFP_ACTION_BLOCK, 10, 0, -1);
	heavy = add(t, &t->a, DFP_ACTION_PERMIT, 20, 0, -1);
	add(t, &t->a, DFP_ACTION_BLOCK, 19, 0, -1);
	expect(run(t), DFP_ACTION_PERMIT, 0, heavy);
}

static void
test_arbitrate_weight_compares_all_64_bits(void **state)
{
	struct arb *t = *state;
	uint64_t heavy;

	add(t, &t->a, DFP_ACTION_BLOCK, UINT64_C(0x7fffffffffffffff), 0, -1);
	heavy = add(t, &t->a, DFP_ACTION_PERMIT, UINT64_C(0x8000000000000000), 0, -1);
	add(t, &t->a, DFP_ACTION_BLOCK, UINT64_C(0x00000000ffffffff), 0, -1);
	expect(run(t), DFP_ACTION_PERMIT, 0, heavy);
}

static void
test_arbitrate_equal_weights_first_filter_id_decides_permit(void **state)
{
	struct arb *t = *state;
	uint64_t first;

	first = add(t, &t->a, DFP_ACTION_PERMIT, 5, 0, -1);
	add(t, &t->a, DFP_ACTION_BLOCK, 5, 0, -1);
	add(t, &t->a, DFP_ACTION_BLOCK, 5, 0, -1);
	expect(run(t), DFP_ACTION_PERMIT, 0, first);
}

static void
test_arbitrate_equal_weights_first_filter_id_decides_block(void **state)
{
	struct arb *t = *state;
	uint64_t first;

	first = add(t, &t->a, DFP_ACTION_BLOCK, 5, 0, -1);
	add(t, &t->a, DFP_ACTION_PERMIT, 5, 0, -1);
	expect(run(t), DFP_ACTION_BLOCK, HARD, first);
}

static void
test_arbitrate_sublayer_weight_orders_before_filter_weight(void **state)
{
	struct arb *t = *state;
	uint64_t fa;

	fa = add(t, &t->a, DFP_ACTION_BLOCK, 0, 0, -1);
	add(t, &t->b, DFP_ACTION_PERMIT, UINT64_MAX, DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT, -1);
	expect(run(t), DFP_ACTION_BLOCK, HARD, fa);
}

/* ---- Every sublayer is walked ---- */

static void
test_arbitrate_lower_inspection_runs_after_hard_block_with_rights_cleared(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_CONTINUE);
	uint64_t fa;

	fa = add(t, &t->a, DFP_ACTION_BLOCK, 1, 0, -1);
	add(t, &t->b, DFP_ACTION_CALLOUT_INSPECTION, 1, 0, 0);
	expect(run(t), DFP_ACTION_BLOCK, HARD, fa);
	assert_int_equal(c->calls, 1);
	assert_int_equal(c->rights_seen, 0);
	assert_int_equal(c->prefill_seen, DFP_ACTION_BLOCK);
}

static void
test_arbitrate_lower_inspection_runs_after_hard_permit_with_rights_cleared(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_CONTINUE);
	uint64_t fa;

	fa = add(t, &t->a, DFP_ACTION_PERMIT, 1, DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT, -1);
	add(t, &t->b, DFP_ACTION_CALLOUT_INSPECTION, 1, 0, 0);
	expect(run(t), DFP_ACTION_PERMIT, HARD, fa);
	assert_int_equal(c->calls, 1);
	assert_int_equal(c->rights_seen, 0);
}

static void
test_arbitrate_callout_has_write_right_below_soft_decision(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_CONTINUE);

	add(t, &t->a, DFP_ACTION_PERMIT, 1, 0, -1);
	add(t, &t->b, DFP_ACTION_CALLOUT_INSPECTION, 1, 0, 0);
	run(t);
	assert_int_equal(c->calls, 1);
	assert_int_equal(c->rights_seen, DFP_RIGHT_ACTION_WRITE);
}

static void
test_arbitrate_callout_prefill_is_continue_when_undecided(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_CONTINUE);

	add(t, &t->a, DFP_ACTION_CALLOUT_INSPECTION, 1, 0, 0);
	expect(run(t), DFP_ACTION_NONE_NO_MATCH, 0, 0);
	assert_int_equal(c->calls, 1);
	assert_int_equal(c->prefill_seen, DFP_ACTION_CONTINUE);
	assert_int_equal(c->rights_seen, DFP_RIGHT_ACTION_WRITE);
}

static void
test_arbitrate_callout_prefill_is_current_action(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_CONTINUE);

	add(t, &t->a, DFP_ACTION_PERMIT, 1, 0, -1);
	add(t, &t->b, DFP_ACTION_CALLOUT_INSPECTION, 1, 0, 0);
	run(t);
	assert_int_equal(c->prefill_seen, DFP_ACTION_PERMIT);
}

static void
test_arbitrate_callout_sees_filter_raw_context(void **state)
{
	struct dfp_engine_filter_spec s = fx_spec_w("ctx", FX_L4, DFP_ACTION_CALLOUT_INSPECTION, 1);
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_CONTINUE);

	s.callout_key = t->co_key[0];
	s.raw_context = UINT64_C(0x1234567890abcdef);
	fx_add(t->f, &s);
	run(t);
	assert_int_equal(c->context_seen, UINT64_C(0x1234567890abcdef));
}

/* ---- CONTINUE fall-through inside a sublayer ---- */

static void
test_arbitrate_inspection_continue_falls_through_to_next_filter(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_CONTINUE);
	uint64_t blk;

	add(t, &t->a, DFP_ACTION_CALLOUT_INSPECTION, 30, 0, 0);
	blk = add(t, &t->a, DFP_ACTION_BLOCK, 10, 0, -1);
	expect(run(t), DFP_ACTION_BLOCK, HARD, blk);
	assert_int_equal(c->calls, 1);
}

static void
test_arbitrate_callout_unknown_continue_falls_through(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_CONTINUE);
	uint64_t pmt;

	add(t, &t->a, DFP_ACTION_CALLOUT_UNKNOWN, 30, 0, 0);
	pmt = add(t, &t->a, DFP_ACTION_PERMIT, 10, 0, -1);
	expect(run(t), DFP_ACTION_PERMIT, 0, pmt);
	assert_int_equal(c->calls, 1);
}

static void
test_arbitrate_several_callouts_continue_before_static(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c0 = fake(t, 0, DFP_ACTION_CONTINUE);
	struct fx_callout *c1 = fake(t, 1, DFP_ACTION_CONTINUE);
	struct fx_callout *c2 = fake(t, 2, DFP_ACTION_PERMIT);
	uint64_t i0, i1, i2, i3, blk;

	i0 = add(t, &t->a, DFP_ACTION_CALLOUT_INSPECTION, 50, 0, 0);
	i1 = add(t, &t->a, DFP_ACTION_CALLOUT_UNKNOWN, 40, 0, 1);
	i2 = add(t, &t->a, DFP_ACTION_CALLOUT_INSPECTION, 30, 0, 2);
	i3 = add(t, &t->a, DFP_ACTION_CALLOUT_INSPECTION, 20, 0, 0);
	blk = add(t, &t->a, DFP_ACTION_BLOCK, 10, 0, -1);
	expect(run(t), DFP_ACTION_BLOCK, HARD, blk);
	assert_int_equal(c0->calls, 2);
	assert_int_equal(c1->calls, 1);
	assert_int_equal(c2->calls, 1);
	assert_int_equal(t->f->env.n_calls, 4);
	assert_int_equal(t->f->env.order[0], i0);
	assert_int_equal(t->f->env.order[1], i1);
	assert_int_equal(t->f->env.order[2], i2);
	assert_int_equal(t->f->env.order[3], i3);
}

static void
test_arbitrate_fall_through_skips_non_matching_callouts(void **state)
{
	struct dfp_engine_cond port = fx_cond(DFP_FIELD_IP_LOCAL_PORT, DFP_MATCH_EQUAL, 9999);
	struct dfp_engine_filter_spec s = fx_spec_w("nomatch", FX_L4, DFP_ACTION_CALLOUT_UNKNOWN, 40);
	struct arb *t = *state;
	struct fx_callout *c0 = fake(t, 0, DFP_ACTION_CONTINUE);
	struct fx_callout *c1 = fake(t, 1, DFP_ACTION_BLOCK);
	struct fx_callout *c2 = fake(t, 2, DFP_ACTION_PERMIT);
	uint64_t decider;

	add(t, &t->a, DFP_ACTION_CALLOUT_INSPECTION, 50, 0, 0);
	s.sublayer_key = t->a;
	s.callout_key = t->co_key[1];
	s.conds = &port;
	s.n_conds = 1;
	fx_add(t->f, &s);
	decider = add(t, &t->a, DFP_ACTION_CALLOUT_UNKNOWN, 30, 0, 2);
	add(t, &t->a, DFP_ACTION_BLOCK, 10, 0, -1);
	expect(run(t), DFP_ACTION_PERMIT, 0, decider);
	assert_int_equal(c0->calls, 1);
	assert_int_equal(c1->calls, 0);
	assert_int_equal(c2->calls, 1);
}

static void
test_arbitrate_callout_decision_ends_sublayer(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c0 = fake(t, 0, DFP_ACTION_BLOCK);
	struct fx_callout *c1 = fake(t, 1, DFP_ACTION_CONTINUE);
	uint64_t decider;

	decider = add(t, &t->a, DFP_ACTION_CALLOUT_UNKNOWN, 30, 0, 0);
	add(t, &t->a, DFP_ACTION_CALLOUT_INSPECTION, 20, 0, 1);
	add(t, &t->a, DFP_ACTION_PERMIT, 10, DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT, -1);
	expect(run(t), DFP_ACTION_BLOCK, 0, decider);
	assert_int_equal(c0->calls, 1);
	assert_int_equal(c1->calls, 0);
}

static void
test_arbitrate_static_decision_skips_lower_callouts_in_sublayer(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_CONTINUE);
	uint64_t pmt;

	pmt = add(t, &t->a, DFP_ACTION_PERMIT, 30, 0, -1);
	add(t, &t->a, DFP_ACTION_CALLOUT_INSPECTION, 10, 0, 0);
	expect(run(t), DFP_ACTION_PERMIT, 0, pmt);
	assert_int_equal(c->calls, 0);
}

static void
test_arbitrate_all_continue_leaves_sublayer_undecided(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c0 = fake(t, 0, DFP_ACTION_CONTINUE);
	struct fx_callout *c1 = fake(t, 1, DFP_ACTION_CONTINUE);
	uint64_t fb;

	add(t, &t->a, DFP_ACTION_CALLOUT_INSPECTION, 30, 0, 0);
	add(t, &t->a, DFP_ACTION_CALLOUT_UNKNOWN, 20, 0, 1);
	fb = add(t, &t->b, DFP_ACTION_PERMIT, 1, 0, -1);
	expect(run(t), DFP_ACTION_PERMIT, 0, fb);
	assert_int_equal(c0->calls, 1);
	assert_int_equal(c1->calls, 1);
}

/* ---- Coercion of callout outputs (spec §2.1) ---- */

static void
test_arbitrate_terminating_continue_is_coerced_to_block(void **state)
{
	struct arb *t = *state;
	uint64_t f;

	fake(t, 0, DFP_ACTION_CONTINUE);
	f = add(t, &t->a, DFP_ACTION_CALLOUT_TERMINATING, 30, 0, 0);
	add(t, &t->a, DFP_ACTION_PERMIT, 10, 0, -1);
	expect(run(t), DFP_ACTION_BLOCK, 0, f);
}

static void
test_arbitrate_terminating_none_is_coerced_to_block(void **state)
{
	struct arb *t = *state;
	uint64_t f;

	fake(t, 0, DFP_ACTION_NONE);
	f = add(t, &t->a, DFP_ACTION_CALLOUT_TERMINATING, 30, 0, 0);
	add(t, &t->a, DFP_ACTION_PERMIT, 10, 0, -1);
	expect(run(t), DFP_ACTION_BLOCK, 0, f);
}

static void
test_arbitrate_inspection_permit_is_coerced_to_continue(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_PERMIT);
	uint64_t blk;

	c->clear_right = true;
	add(t, &t->a, DFP_ACTION_CALLOUT_INSPECTION, 30, 0, 0);
	blk = add(t, &t->a, DFP_ACTION_BLOCK, 10, 0, -1);
	expect(run(t), DFP_ACTION_BLOCK, HARD, blk);
	assert_int_equal(c->calls, 1);
}

static void
test_arbitrate_inspection_block_is_coerced_to_continue(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_BLOCK);

	c->clear_right = true;
	c->out_flags = DFP_CLASSIFY_OUT_FLAG_ABSORB;
	add(t, &t->a, DFP_ACTION_CALLOUT_INSPECTION, 30, 0, 0);
	expect(run(t), DFP_ACTION_NONE_NO_MATCH, 0, 0);
	assert_int_equal(c->calls, 1);
}

static void
test_arbitrate_inspection_block_cannot_veto(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_BLOCK);
	uint64_t fa;

	fa = add(t, &t->a, DFP_ACTION_PERMIT, 1, DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT, -1);
	add(t, &t->b, DFP_ACTION_CALLOUT_INSPECTION, 1, 0, 0);
	expect(run(t), DFP_ACTION_PERMIT, HARD, fa);
	assert_int_equal(c->calls, 1);
}

static void
test_arbitrate_unknown_none_reads_as_continue(void **state)
{
	struct arb *t = *state;
	uint64_t pmt;

	fake(t, 0, DFP_ACTION_NONE);
	add(t, &t->a, DFP_ACTION_CALLOUT_UNKNOWN, 30, 0, 0);
	pmt = add(t, &t->a, DFP_ACTION_PERMIT, 10, 0, -1);
	expect(run(t), DFP_ACTION_PERMIT, 0, pmt);
}

static void
test_arbitrate_unknown_may_permit(void **state)
{
	struct arb *t = *state;
	uint64_t f;

	fake(t, 0, DFP_ACTION_PERMIT);
	f = add(t, &t->a, DFP_ACTION_CALLOUT_UNKNOWN, 30, 0, 0);
	add(t, &t->a, DFP_ACTION_BLOCK, 10, 0, -1);
	expect(run(t), DFP_ACTION_PERMIT, 0, f);
}

/* ---- Rights written by callouts ---- */

static void
test_arbitrate_callout_block_clearing_right_is_hard(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_BLOCK);
	uint64_t fa;

	c->clear_right = true;
	fa = add(t, &t->a, DFP_ACTION_CALLOUT_TERMINATING, 1, 0, 0);
	add(t, &t->b, DFP_ACTION_PERMIT, 1, DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT, -1);
	expect(run(t), DFP_ACTION_BLOCK, HARD, fa);
}

static void
test_arbitrate_callout_permit_clearing_right_is_hard(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_PERMIT);
	uint64_t fa;

	c->clear_right = true;
	fa = add(t, &t->a, DFP_ACTION_CALLOUT_TERMINATING, 1, 0, 0);
	add(t, &t->b, DFP_ACTION_BLOCK, 1, 0, -1);
	expect(run(t), DFP_ACTION_PERMIT, HARD, fa);
}

static void
test_arbitrate_callout_writing_nothing_without_right_keeps_hard_permit(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_BLOCK);
	uint64_t fa;

	c->write_nothing = true;
	fa = add(t, &t->a, DFP_ACTION_PERMIT, 1, DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT, -1);
	add(t, &t->b, DFP_ACTION_CALLOUT_TERMINATING, 1, 0, 0);
	expect(run(t), DFP_ACTION_PERMIT, HARD, fa);
	assert_int_equal(c->calls, 1);
	assert_int_equal(c->rights_seen, 0);
}

static void
test_arbitrate_callout_writing_nothing_without_right_keeps_hard_block(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_PERMIT);
	uint64_t fa;

	c->honour_rights = true;
	fa = add(t, &t->a, DFP_ACTION_BLOCK, 1, 0, -1);
	add(t, &t->b, DFP_ACTION_CALLOUT_UNKNOWN, 1, 0, 0);
	expect(run(t), DFP_ACTION_BLOCK, HARD, fa);
	assert_int_equal(c->calls, 1);
}

static void
test_arbitrate_callout_writing_nothing_with_right_keeps_soft_permit(void **state)
{
	/* The pre-fill is the current action, so an untouched classifyOut is neutral. */
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_BLOCK);
	uint64_t fa;

	c->write_nothing = true;
	fa = add(t, &t->a, DFP_ACTION_PERMIT, 1, 0, -1);
	add(t, &t->b, DFP_ACTION_CALLOUT_TERMINATING, 1, 0, 0);
	expect(run(t), DFP_ACTION_PERMIT, 0, fa);
	assert_int_equal(c->rights_seen, DFP_RIGHT_ACTION_WRITE);
}

static void
test_arbitrate_callout_permit_without_right_is_ignored(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_PERMIT);
	uint64_t fa;

	fa = add(t, &t->a, DFP_ACTION_BLOCK, 1, 0, -1);
	add(t, &t->b, DFP_ACTION_CALLOUT_TERMINATING, 1, 0, 0);
	expect(run(t), DFP_ACTION_BLOCK, HARD, fa);
	assert_int_equal(c->calls, 1);
}

/* ---- ABSORB ---- */

static void
test_arbitrate_absorb_with_block_marks_silent_drop(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_BLOCK);
	uint64_t fa;

	c->clear_right = true;
	c->out_flags = DFP_CLASSIFY_OUT_FLAG_ABSORB;
	fa = add(t, &t->a, DFP_ACTION_CALLOUT_TERMINATING, 1, 0, 0);
	expect(run(t), DFP_ACTION_BLOCK, HARD | ABSORB, fa);
}

static void
test_arbitrate_absorb_with_permit_is_ignored(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_PERMIT);
	uint64_t fa;

	c->out_flags = DFP_CLASSIFY_OUT_FLAG_ABSORB;
	fa = add(t, &t->a, DFP_ACTION_CALLOUT_TERMINATING, 1, 0, 0);
	expect(run(t), DFP_ACTION_PERMIT, 0, fa);
}

static void
test_arbitrate_absorb_dropped_when_lower_sublayer_overrides(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_BLOCK);
	uint64_t fb;

	c->out_flags = DFP_CLASSIFY_OUT_FLAG_ABSORB;
	add(t, &t->a, DFP_ACTION_CALLOUT_TERMINATING, 1, 0, 0);
	fb = add(t, &t->b, DFP_ACTION_PERMIT, 1, DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT, -1);
	expect(run(t), DFP_ACTION_PERMIT, HARD, fb);
}

static void
test_arbitrate_veto_may_absorb(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_BLOCK);
	uint64_t fb;

	c->out_flags = DFP_CLASSIFY_OUT_FLAG_ABSORB;
	add(t, &t->a, DFP_ACTION_PERMIT, 1, DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT, -1);
	fb = add(t, &t->b, DFP_ACTION_CALLOUT_TERMINATING, 1, 0, 0);
	expect(run(t), DFP_ACTION_BLOCK, HARD | VETO | ABSORB, fb);
}

/* ---- Unregistered callouts (N8, spec §3.3, §10.5) ---- */

static void
test_unregistered_terminating_blocks_hard(void **state)
{
	struct arb *t = *state;
	uint64_t fa;

	/* No fake for callout 0: the hook reports it unregistered. */
	fa = add(t, &t->a, DFP_ACTION_CALLOUT_TERMINATING, 1, 0, 0);
	add(t, &t->b, DFP_ACTION_PERMIT, 1, DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT, -1);
	expect(run(t), DFP_ACTION_BLOCK, HARD, fa);
}

static void
test_unregistered_unknown_blocks_hard(void **state)
{
	struct arb *t = *state;
	uint64_t fa;

	fa = add(t, &t->a, DFP_ACTION_CALLOUT_UNKNOWN, 1, 0, 0);
	add(t, &t->b, DFP_ACTION_PERMIT, 1, DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT, -1);
	expect(run(t), DFP_ACTION_BLOCK, HARD, fa);
}

static void
test_unregistered_with_permit_flag_permits_softly(void **state)
{
	struct arb *t = *state;
	uint64_t fa;

	fa = add(t, &t->a, DFP_ACTION_CALLOUT_TERMINATING, 1,
		DFP_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED, 0);
	expect(run(t), DFP_ACTION_PERMIT, 0, fa);
}

static void
test_unregistered_soft_permit_is_overridden_by_lower_block(void **state)
{
	struct arb *t = *state;
	uint64_t fb;

	add(t, &t->a, DFP_ACTION_CALLOUT_UNKNOWN, 1,
		DFP_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED, 0);
	fb = add(t, &t->b, DFP_ACTION_BLOCK, 1, 0, -1);
	expect(run(t), DFP_ACTION_BLOCK, HARD, fb);
}

static void
test_unregistered_permit_flag_with_clear_action_right_is_hard(void **state)
{
	struct arb *t = *state;
	uint64_t fa;

	fa = add(t, &t->a, DFP_ACTION_CALLOUT_TERMINATING, 1,
		DFP_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED |
		DFP_FILTER_FLAG_CLEAR_ACTION_RIGHT, 0);
	add(t, &t->b, DFP_ACTION_BLOCK, 1, 0, -1);
	expect(run(t), DFP_ACTION_PERMIT, HARD, fa);
}

static void
test_unregistered_inspection_is_skipped(void **state)
{
	struct arb *t = *state;
	uint64_t pmt;

	add(t, &t->a, DFP_ACTION_CALLOUT_INSPECTION, 30, 0, 0);
	pmt = add(t, &t->a, DFP_ACTION_PERMIT, 10, 0, -1);
	expect(run(t), DFP_ACTION_PERMIT, 0, pmt);
}

static void
test_unregistered_inspection_alone_is_no_match(void **state)
{
	struct arb *t = *state;

	add(t, &t->a, DFP_ACTION_CALLOUT_INSPECTION, 30, 0, 0);
	expect(run(t), DFP_ACTION_NONE_NO_MATCH, 0, 0);
}

static void
test_unregistered_callout_is_not_invoked(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_PERMIT);

	c->registered = false;
	add(t, &t->a, DFP_ACTION_CALLOUT_TERMINATING, 1, 0, 0);
	run(t);
	assert_int_equal(c->calls, 0);
	assert_int_equal(t->f->env.n_calls, 0);
}

static void
test_unregistering_switches_to_fallback_without_recompiling(void **state)
{
	struct dfp_engine_values v = any_pkt();
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_PERMIT);
	uint64_t fa;

	fa = add(t, &t->a, DFP_ACTION_CALLOUT_TERMINATING, 1, 0, 0);
	expect(run(t), DFP_ACTION_PERMIT, 0, fa);
	c->registered = false;
	expect(fx_classify(t->f, FX_L4, &v), DFP_ACTION_BLOCK, HARD, fa);
	c->registered = true;
	expect(fx_classify(t->f, FX_L4, &v), DFP_ACTION_PERMIT, 0, fa);
}

static void
test_no_environment_treats_callouts_as_unregistered(void **state)
{
	struct dfp_engine_values v = any_pkt();
	const struct dfp_engine_values *vals[1] = {&v};
	struct dfp_engine_verdict out;
	struct arb *t = *state;
	uint64_t fa;

	fake(t, 0, DFP_ACTION_PERMIT);
	fa = add(t, &t->a, DFP_ACTION_CALLOUT_TERMINATING, 1, 0, 0);
	add(t, &t->b, DFP_ACTION_CALLOUT_INSPECTION, 1, 0, 0);
	fx_commit(t->f);
	dfp_engine_classify_burst(dfp_engine_ruleset_current(t->f->eng), FX_L4, vals, NULL, 1,
		NULL, &out);
	expect(out, DFP_ACTION_BLOCK, HARD, fa);
	assert_int_equal(t->f->env.n_calls, 0);
}

static void
test_skipped_callout_is_treated_as_continue(void **state)
{
	struct arb *t = *state;
	struct fx_callout *c = fake(t, 0, DFP_ACTION_BLOCK);
	uint64_t pmt;

	c->skipped = true;
	add(t, &t->a, DFP_ACTION_CALLOUT_TERMINATING, 30, 0, 0);
	pmt = add(t, &t->a, DFP_ACTION_PERMIT, 10, 0, -1);
	expect(run(t), DFP_ACTION_PERMIT, 0, pmt);
}

static int
group_setup(void **state)
{
	(void)state;
	return dfp_test_eal_init(NULL, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, arb_setup, arb_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_merge_none_then_none_is_no_match),
		T(test_merge_none_then_soft_permit_is_soft_permit),
		T(test_merge_none_then_hard_permit_is_hard_permit),
		T(test_merge_none_then_soft_block_is_soft_block),
		T(test_merge_none_then_hard_block_is_hard_block),
		T(test_merge_soft_permit_then_none_keeps),
		T(test_merge_soft_permit_then_soft_permit_keeps),
		T(test_merge_soft_permit_then_hard_permit_hardens),
		T(test_merge_soft_permit_then_soft_block_blocks),
		T(test_merge_soft_permit_then_hard_block_blocks),
		T(test_merge_hard_permit_then_none_keeps),
		T(test_merge_hard_permit_then_soft_permit_keeps),
		T(test_merge_hard_permit_then_hard_permit_keeps),
		T(test_merge_hard_permit_then_callout_block_is_veto),
		T(test_merge_hard_permit_then_static_block_keeps),
		T(test_merge_soft_block_then_none_keeps),
		T(test_merge_soft_block_then_soft_permit_keeps),
		T(test_merge_soft_block_then_hard_permit_permits),
		T(test_merge_soft_block_then_soft_block_keeps),
		T(test_merge_soft_block_then_hard_block_hardens),
		T(test_merge_hard_block_then_none_is_final),
		T(test_merge_hard_block_then_soft_permit_is_final),
		T(test_merge_hard_block_then_hard_permit_is_final),
		T(test_merge_hard_block_then_callout_block_is_final_without_veto),
		T(test_merge_hard_block_then_hard_block_is_final),
		T(test_n11_hard_permit_above_static_block_permits),
		T(test_n11_callout_block_below_hard_permit_vetoes),
		T(test_n11_soft_permit_above_block_blocks),
		T(test_n11_nothing_matching_is_none_no_match),
		T(test_arbitrate_heavier_filter_decides_within_sublayer),
		T(test_arbitrate_weight_compares_all_64_bits),
		T(test_arbitrate_equal_weights_first_filter_id_decides_permit),
		T(test_arbitrate_equal_weights_first_filter_id_decides_block),
		T(test_arbitrate_sublayer_weight_orders_before_filter_weight),
		T(test_arbitrate_lower_inspection_runs_after_hard_block_with_rights_cleared),
		T(test_arbitrate_lower_inspection_runs_after_hard_permit_with_rights_cleared),
		T(test_arbitrate_callout_has_write_right_below_soft_decision),
		T(test_arbitrate_callout_prefill_is_continue_when_undecided),
		T(test_arbitrate_callout_prefill_is_current_action),
		T(test_arbitrate_callout_sees_filter_raw_context),
		T(test_arbitrate_inspection_continue_falls_through_to_next_filter),
		T(test_arbitrate_callout_unknown_continue_falls_through),
		T(test_arbitrate_several_callouts_continue_before_static),
		T(test_arbitrate_fall_through_skips_non_matching_callouts),
		T(test_arbitrate_callout_decision_ends_sublayer),
		T(test_arbitrate_static_decision_skips_lower_callouts_in_sublayer),
		T(test_arbitrate_all_continue_leaves_sublayer_undecided),
		T(test_arbitrate_terminating_continue_is_coerced_to_block),
		T(test_arbitrate_terminating_none_is_coerced_to_block),
		T(test_arbitrate_inspection_permit_is_coerced_to_continue),
		T(test_arbitrate_inspection_block_is_coerced_to_continue),
		T(test_arbitrate_inspection_block_cannot_veto),
		T(test_arbitrate_unknown_none_reads_as_continue),
		T(test_arbitrate_unknown_may_permit),
		T(test_arbitrate_callout_block_clearing_right_is_hard),
		T(test_arbitrate_callout_permit_clearing_right_is_hard),
		T(test_arbitrate_callout_writing_nothing_without_right_keeps_hard_permit),
		T(test_arbitrate_callout_writing_nothing_without_right_keeps_hard_block),
		T(test_arbitrate_callout_writing_nothing_with_right_keeps_soft_permit),
		T(test_arbitrate_callout_permit_without_right_is_ignored),
		T(test_arbitrate_absorb_with_block_marks_silent_drop),
		T(test_arbitrate_absorb_with_permit_is_ignored),
		T(test_arbitrate_absorb_dropped_when_lower_sublayer_overrides),
		T(test_arbitrate_veto_may_absorb),
		T(test_unregistered_terminating_blocks_hard),
		T(test_unregistered_unknown_blocks_hard),
		T(test_unregistered_with_permit_flag_permits_softly),
		T(test_unregistered_soft_permit_is_overridden_by_lower_block),
		T(test_unregistered_permit_flag_with_clear_action_right_is_hard),
		T(test_unregistered_inspection_is_skipped),
		T(test_unregistered_inspection_alone_is_no_match),
		T(test_unregistered_callout_is_not_invoked),
		T(test_unregistering_switches_to_fallback_without_recompiling),
		T(test_no_environment_treats_callouts_as_unregistered),
		T(test_skipped_callout_is_treated_as_continue),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
